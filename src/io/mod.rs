//! I/O: the only layer that makes system calls (with `src/transport`) and the only one that
//! names `mio`.
//!
//! - [`sys`]: the OS specifics behind one `cfg`: the `syscall!` helper, eventfd, poll.
//! - [`signaler`]: a pollable wake-up flag (an eventfd); the socket's `ZMQ_FD`.
//! - [`mailbox`]: a multi-producer command queue whose reader sleeps on a [`signaler::Signaler`],
//!   signalled once per batch (only when the reader had gone to sleep).
//!
//! The I/O threads, engines, listeners and connecters of the socket engine build on these.

pub mod mailbox;
pub mod reactor;
pub mod signaler;
pub mod sys;
