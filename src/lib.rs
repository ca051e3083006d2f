//! libzmq-rs: ZeroMQ in Rust, built as a drop-in replacement for libzmq 4.3.
//!
//! The crate builds `libzmq.so.5` and `libzmq.a` with the C API of `zmq.h` (the `capi`
//! module), over a Rust core (the other modules). See `README.md` for what works today and
//! `../shared/design.md` for the architecture.
//!
//! Layers, top down: `capi` (C boundary) → `ctx`, `msg`, utilities → the protocol core.
//! Dependencies point down only.

#![warn(missing_docs, missing_debug_implementations, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod arch;
pub mod consts;
pub mod ctx;
pub mod error;
pub mod io;
pub mod keys;
pub mod msg;
pub mod pipe;
pub mod socket;
pub mod timers;
pub mod transport;
pub mod util;
pub mod z85;
pub mod zmtp;

#[path = "../capi/mod.rs"]
mod capi;

pub use error::{Error, Result};
