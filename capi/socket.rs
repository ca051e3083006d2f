//! Sockets: `zmq_socket`, `zmq_close`, options, bind/connect, monitors, and the draft socket
//! calls (libzmq's `zmq.cpp`).
//!
//! Placeholders until the socket engine lands: `zmq_socket` does libzmq's context checks in
//! its order (`EFAULT` for a bad context, `ETERM` once it is shut down, `EINVAL` for an
//! unknown type) and then fails with `ENOTSUP`; every call on a socket gives `ENOTSOCK` for
//! NULL, as libzmq, and `ENOTSUP` otherwise (no socket can exist yet).

use std::ffi::{c_char, c_int, c_void};

use crate::capi::boundary::ffi_boundary;
use crate::capi::ctx::ctx_from_ptr;
use crate::error::Error;
use crate::socket::kind::SocketType;

/// The placeholder result of a call on socket `s`: `ENOTSOCK` for NULL, else `ENOTSUP`.
pub(crate) fn not_yet<T>(s: *mut c_void) -> Result<T, Error> {
    Err(if s.is_null() {
        Error::NotSock
    } else {
        Error::NotSup
    })
}

/// `void *zmq_socket (void *context, int type)`. Placeholder: fails with `ENOTSUP` once the
/// context and the type have been checked.
///
/// # Safety
/// `ctx` is NULL or a live context handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket(ctx: *mut c_void, kind: c_int) -> *mut c_void {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        unsafe { ctx_from_ptr(ctx) }?.check_open()?;
        SocketType::from_raw(kind).ok_or(Error::Inval)?;
        Err(Error::NotSup)
    })
}

/// `int zmq_close (void *s)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_setsockopt (void *s, int option, const void *optval, size_t optvallen)`.
/// Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    _option: c_int,
    _optval: *const c_void,
    _optvallen: usize,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_getsockopt (void *s, int option, void *optval, size_t *optvallen)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    _option: c_int,
    _optval: *mut c_void,
    _optvallen: *mut usize,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_bind (void *s, const char *addr)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_bind(s: *mut c_void, _addr: *const c_char) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_connect (void *s, const char *addr)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_connect(s: *mut c_void, _addr: *const c_char) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_unbind (void *s, const char *addr)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_unbind(s: *mut c_void, _addr: *const c_char) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_disconnect (void *s, const char *addr)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_disconnect(s: *mut c_void, _addr: *const c_char) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_socket_monitor (void *s, const char *addr, int events)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_monitor(
    s: *mut c_void,
    _addr: *const c_char,
    _events: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// Draft `int zmq_socket_monitor_versioned (void *s, const char *addr, uint64_t events,
/// int event_version, int type)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    _addr: *const c_char,
    _events: u64,
    _event_version: c_int,
    _kind: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// Draft `int zmq_socket_monitor_pipes_stats (void *s)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// Draft `int zmq_socket_get_peer_state (void *s, const void *routing_id,
/// size_t routing_id_size)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    s: *mut c_void,
    _routing_id: *const c_void,
    _routing_id_size: usize,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// Draft `int zmq_join (void *s, const char *group)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, _group: *const c_char) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// Draft `int zmq_leave (void *s, const char *group)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, _group: *const c_char) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// Draft `uint32_t zmq_connect_peer (void *s, const char *addr)`: 0 on failure.
/// Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_connect_peer(s: *mut c_void, _addr: *const c_char) -> u32 {
    ffi_boundary(|| not_yet(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::ctx::{zmq_ctx_new, zmq_ctx_shutdown, zmq_ctx_term};
    use crate::capi::errno;
    use crate::consts::{ZMQ_CHANNEL, ZMQ_PAIR};

    #[test]
    fn socket_checks_the_context_first() {
        // SAFETY: ctx is live until term; other pointers are NULL.
        unsafe {
            assert!(zmq_socket(std::ptr::null_mut(), ZMQ_PAIR).is_null());
            assert_eq!(errno::get_raw(), libc::EFAULT);
            let ctx = zmq_ctx_new();
            assert!(zmq_socket(ctx, 21).is_null());
            assert_eq!(errno::get_raw(), libc::EINVAL);
            assert!(zmq_socket(ctx, ZMQ_CHANNEL).is_null());
            assert_eq!(errno::get_raw(), libc::ENOTSUP);
            zmq_ctx_shutdown(ctx);
            assert!(zmq_socket(ctx, 21).is_null());
            assert_eq!(errno::get_raw(), crate::consts::ETERM);
            zmq_ctx_term(ctx);
            assert_eq!(zmq_close(std::ptr::null_mut()), -1);
            assert_eq!(errno::get_raw(), libc::ENOTSOCK);
            assert_eq!(zmq_connect_peer(std::ptr::null_mut(), std::ptr::null()), 0);
            assert_eq!(errno::get_raw(), libc::ENOTSOCK);
        }
    }
}
