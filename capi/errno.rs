//! errno: the only place where an [`Error`] becomes a C error number, and the texts of
//! `zmq_strerror`.
//!
//! libzmq sets errno only when a call fails and leaves it alone on success; so do we. The
//! libzmq-specific codes sit above `ZMQ_HAUSNUMERO`; every POSIX code is the system's own on
//! Linux (the header's fallbacks are for systems without them).

use std::ffi::{c_char, c_int};

use crate::consts::{EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM};
use crate::error::Error;

/// The errno value for an error.
pub(crate) fn to_errno(e: Error) -> c_int {
    match e {
        Error::Again => libc::EAGAIN,
        Error::Inval => libc::EINVAL,
        Error::Fault => libc::EFAULT,
        Error::NotSock => libc::ENOTSOCK,
        Error::NoMem => libc::ENOMEM,
        Error::NotSup => libc::ENOTSUP,
        Error::ProtoNoSupport => libc::EPROTONOSUPPORT,
        Error::NoCompatProto => ENOCOMPATPROTO,
        Error::Fsm => EFSM,
        Error::Term => ETERM,
        Error::MThread => EMTHREAD,
        Error::Intr => libc::EINTR,
        Error::NoEnt => libc::ENOENT,
        Error::MFile => libc::EMFILE,
        Error::AddrInUse => libc::EADDRINUSE,
        Error::AddrNotAvail => libc::EADDRNOTAVAIL,
        Error::NoDev => libc::ENODEV,
        Error::HostUnreach => libc::EHOSTUNREACH,
        Error::Proto => libc::EPROTO,
        Error::MsgSize => libc::EMSGSIZE,
        Error::BadF => libc::EBADF,
        Error::Os(code) => code,
    }
}

/// Sets the calling thread's errno for `e`.
pub(crate) fn set_error(e: Error) {
    set_raw(to_errno(e));
}

/// Sets the calling thread's errno to `code`.
pub(crate) fn set_raw(code: c_int) {
    // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = code };
}

/// The calling thread's errno.
pub(crate) fn get_raw() -> c_int {
    // SAFETY: as in set_raw.
    unsafe { *libc::__errno_location() }
}

/// The text `zmq_strerror` gives for `code`: libzmq's own for its codes, the system's for
/// the rest. The pointer is to static storage (or, for system codes, to what `strerror`
/// returns, as libzmq does).
pub(crate) fn strerror(code: c_int) -> *const c_char {
    let own: Option<&'static std::ffi::CStr> = match code {
        EFSM => Some(c"Operation cannot be accomplished in current state"),
        ENOCOMPATPROTO => Some(c"The protocol is not compatible with the socket type"),
        ETERM => Some(c"Context was terminated"),
        EMTHREAD => Some(c"No thread available"),
        libc::EHOSTUNREACH => Some(c"Host unreachable"),
        _ => None,
    };
    match own {
        Some(text) => text.as_ptr(),
        // SAFETY: strerror accepts any int and returns a valid C string.
        None => unsafe { libc::strerror(code) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Error] = &[
        Error::Again,
        Error::Inval,
        Error::Fault,
        Error::NotSock,
        Error::NoMem,
        Error::NotSup,
        Error::ProtoNoSupport,
        Error::NoCompatProto,
        Error::Fsm,
        Error::Term,
        Error::MThread,
        Error::Intr,
        Error::NoEnt,
        Error::MFile,
        Error::AddrInUse,
        Error::AddrNotAvail,
        Error::NoDev,
        Error::HostUnreach,
        Error::Proto,
        Error::MsgSize,
        Error::BadF,
    ];

    #[test]
    fn every_variant_round_trips_through_errno() {
        for &e in ALL {
            let code = to_errno(e);
            let back = match code {
                EFSM => Error::Fsm,
                ENOCOMPATPROTO => Error::NoCompatProto,
                ETERM => Error::Term,
                EMTHREAD => Error::MThread,
                c => Error::from_raw_os_error(c),
            };
            assert_eq!(back, e, "{e:?} -> {code}");
        }
        assert_eq!(to_errno(Error::Os(libc::EPIPE)), libc::EPIPE);
    }

    #[test]
    fn libzmq_codes_have_libzmq_texts() {
        let text = |c| {
            // SAFETY: strerror returns a valid C string.
            unsafe { std::ffi::CStr::from_ptr(strerror(c)) }
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(text(ETERM), "Context was terminated");
        assert_eq!(
            text(EFSM),
            "Operation cannot be accomplished in current state"
        );
        assert_eq!(text(libc::EHOSTUNREACH), "Host unreachable");
        assert_eq!(text(libc::EINVAL), "Invalid argument");
    }
}
