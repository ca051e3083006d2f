//! The C API: the `extern "C"` `zmq_*` functions of `zmq.h`, one file per area of the header.
//!
//! Every exported function has the same shape: check and convert the arguments, make one call
//! into the core, convert the result, all inside [`boundary::ffi_boundary`], which turns an
//! `Err` into errno plus -1/NULL and a panic into an error (never an unwind into C).
//! Handles are checked by [`handle`]; errno is set only by [`errno`].

pub(crate) mod boundary;
pub(crate) mod errno;
pub(crate) mod handle;

pub mod ctx;
pub mod curve;
pub mod msg;
pub mod poll;
pub mod proxy;
pub mod sendrecv;
pub mod socket;
pub mod util;
