//! The one error type of the core.
//!
//! Every fallible core function returns `Result<T, Error>`. Only `capi/errno.rs` turns an
//! [`Error`] into an errno value; nothing else in the library touches errno. The variants are
//! the conditions libzmq reports, named after their errno; [`Error::Os`] carries any other
//! operating-system error through unchanged.

use std::io;

/// What went wrong, in libzmq's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The operation would block (`EAGAIN`).
    #[error("resource temporarily unavailable")]
    Again,
    /// An argument is invalid (`EINVAL`).
    #[error("invalid argument")]
    Inval,
    /// A pointer or object is not valid (`EFAULT`).
    #[error("bad address")]
    Fault,
    /// The handle is not a socket (`ENOTSOCK`).
    #[error("not a socket")]
    NotSock,
    /// Out of memory (`ENOMEM`).
    #[error("out of memory")]
    NoMem,
    /// Not supported (`ENOTSUP`).
    #[error("operation not supported")]
    NotSup,
    /// Unknown or unsupported transport (`EPROTONOSUPPORT`).
    #[error("protocol not supported")]
    ProtoNoSupport,
    /// The transport does not fit the socket type (`ENOCOMPATPROTO`).
    #[error("the protocol is not compatible with the socket type")]
    NoCompatProto,
    /// The operation is not valid in the socket's state (`EFSM`).
    #[error("operation cannot be accomplished in current state")]
    Fsm,
    /// The context was terminated (`ETERM`).
    #[error("context was terminated")]
    Term,
    /// No I/O thread is available (`EMTHREAD`).
    #[error("no thread available")]
    MThread,
    /// Interrupted by a signal (`EINTR`).
    #[error("interrupted")]
    Intr,
    /// No such endpoint (`ENOENT`).
    #[error("no such file or directory")]
    NoEnt,
    /// Too many sockets or files (`EMFILE`).
    #[error("too many open files")]
    MFile,
    /// The address is in use (`EADDRINUSE`).
    #[error("address in use")]
    AddrInUse,
    /// The address is not available (`EADDRNOTAVAIL`).
    #[error("address not available")]
    AddrNotAvail,
    /// No such device or interface (`ENODEV`).
    #[error("no such device")]
    NoDev,
    /// The peer cannot be reached (`EHOSTUNREACH`).
    #[error("host unreachable")]
    HostUnreach,
    /// A protocol error, e.g. bad metadata (`EPROTO`).
    #[error("protocol error")]
    Proto,
    /// A message is too large (`EMSGSIZE`).
    #[error("message too long")]
    MsgSize,
    /// A file descriptor is not valid (`EBADF`).
    #[error("bad file descriptor")]
    BadF,
    /// Any other operating-system error, by its errno value.
    #[error("os error {0}")]
    Os(i32),
}

impl Error {
    /// The error for a raw errno value, naming it where the core has a variant.
    pub fn from_raw_os_error(code: i32) -> Error {
        match code {
            libc::EAGAIN => Error::Again,
            libc::EINVAL => Error::Inval,
            libc::EFAULT => Error::Fault,
            libc::ENOTSOCK => Error::NotSock,
            libc::ENOMEM => Error::NoMem,
            libc::ENOTSUP => Error::NotSup,
            libc::EPROTONOSUPPORT => Error::ProtoNoSupport,
            libc::EINTR => Error::Intr,
            libc::ENOENT => Error::NoEnt,
            libc::EMFILE => Error::MFile,
            libc::EADDRINUSE => Error::AddrInUse,
            libc::EADDRNOTAVAIL => Error::AddrNotAvail,
            libc::ENODEV => Error::NoDev,
            libc::EHOSTUNREACH => Error::HostUnreach,
            libc::EPROTO => Error::Proto,
            libc::EMSGSIZE => Error::MsgSize,
            libc::EBADF => Error::BadF,
            other => Error::Os(other),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        match e.raw_os_error() {
            Some(code) => Error::from_raw_os_error(code),
            None => match e.kind() {
                io::ErrorKind::WouldBlock => Error::Again,
                io::ErrorKind::InvalidInput => Error::Inval,
                io::ErrorKind::OutOfMemory => Error::NoMem,
                io::ErrorKind::Interrupted => Error::Intr,
                io::ErrorKind::NotFound => Error::NoEnt,
                io::ErrorKind::AddrInUse => Error::AddrInUse,
                io::ErrorKind::AddrNotAvailable => Error::AddrNotAvail,
                _ => Error::Os(libc::EIO),
            },
        }
    }
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;
