//! I/O: the only layer that makes system calls (with `src/transport`) and the only one that
//! names `mio`.
//!
//! - [`sys`]: the OS specifics behind one `cfg`: the `syscall!` helper, eventfd, poll.
//! - [`signaler`]: a pollable wake-up flag (an eventfd); the socket's `ZMQ_FD`.
//! - [`mailbox`]: a multi-producer command queue whose reader sleeps on a [`signaler::Signaler`],
//!   signalled once per batch (only when the reader had gone to sleep).
//!
//! - [`reactor`]: an I/O thread running handlers, their timers and commands.
//! - [`listener`], [`connecter`]: `zmq_bind`/`zmq_connect` over tcp and ipc.
//! - [`session`]: one stream connection's pipe to the socket, driving an [`engine`]
//!   (the ZMTP connection over the stream), or a [`raw`] connection for STREAM.
//! - [`zap`]: a session's pipe to the ZAP handler at `inproc://zeromq.zap.01`.

pub mod connecter;
pub mod engine;
pub mod listener;
pub mod mailbox;
pub mod raw;
pub mod reactor;
pub mod session;
pub mod signaler;
pub mod sys;
pub mod zap;
