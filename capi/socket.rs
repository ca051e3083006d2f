//! Sockets: `zmq_socket`, `zmq_close`, options, bind/connect, monitors, and the draft socket
//! calls (libzmq's `zmq.cpp`).
//!
//! The draft group and peer calls (`zmq_join`, `zmq_leave`, `zmq_connect_peer`) give
//! `ENOTSUP` as libzmq does for every socket type `zmq_socket` makes here: only RADIO/DISH
//! join groups and only PEER connects peers, and draft socket types give `EINVAL` from
//! `zmq_socket` until they land.

use std::ffi::{c_char, c_int, c_void};

use crate::capi::boundary::{c_bytes, c_str, ffi_boundary};
use crate::capi::ctx::ctx_from_ptr;
use crate::capi::handle::{Handle, SOCKET_TAG};
use crate::error::Error;
use crate::socket::base::Socket;
use crate::socket::kind::SocketType;

/// `ENOTSUP` for a call the socket's type does not support, after checking that `s` is a
/// live socket (`ENOTSOCK` otherwise), as libzmq does.
///
/// # Safety
/// `s` is NULL or a pointer `zmq_socket` returned.
unsafe fn not_supported<T>(s: *mut c_void) -> Result<T, Error> {
    // SAFETY: the caller's contract.
    unsafe { socket_from_ptr(s) }?;
    Err(Error::NotSup)
}

/// Borrows the socket behind `s`; `ENOTSOCK` for NULL or anything that is not a live socket.
///
/// # Safety
/// `s` is NULL or a pointer `zmq_socket` returned (libzmq demands the same).
pub(crate) unsafe fn socket_from_ptr<'a>(s: *mut c_void) -> Result<&'a Socket, Error> {
    // SAFETY: forwarded caller contract.
    unsafe { Handle::<Socket>::from_raw(s, SOCKET_TAG, Error::NotSock) }
}

/// Reads an endpoint argument: `EINVAL` for NULL or text that is not UTF-8.
///
/// # Safety
/// `addr` is NULL or a NUL-terminated string.
unsafe fn endpoint<'a>(addr: *const c_char) -> Result<&'a str, Error> {
    // SAFETY: forwarded caller contract.
    let bytes = unsafe { c_str(addr) }?;
    std::str::from_utf8(bytes).map_err(|_| Error::Inval)
}

/// `void *zmq_socket (void *context, int type)`.
///
/// # Safety
/// `ctx` is NULL or a live context handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket(ctx: *mut c_void, kind: c_int) -> *mut c_void {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let ctx = unsafe { ctx_from_ptr(ctx) }?;
        ctx.check_open()?;
        let ty = SocketType::from_raw(kind).ok_or(Error::Inval)?;
        let socket = Socket::new(ctx, ty)?;
        Ok(Handle::into_raw(SOCKET_TAG, socket))
    })
}

/// `int zmq_close (void *s)`.
///
/// # Safety
/// `s` is NULL or a socket handle; C must not use it afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { Handle::<Socket>::take(s, SOCKET_TAG, Error::NotSock) }?;
        socket.close();
        Ok(0)
    })
}

/// `int zmq_setsockopt (void *s, int option, const void *optval, size_t optvallen)`.
///
/// # Safety
/// `s` is NULL or a socket handle; `optval` points to `optvallen` readable bytes (or is NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        let value = if optval.is_null() && optvallen == 0 {
            None
        } else {
            // SAFETY: the caller's contract; NULL with a length is refused there.
            Some(unsafe { c_bytes(optval, optvallen) }?)
        };
        socket.set_option(option, value)?;
        Ok(0)
    })
}

/// `int zmq_getsockopt (void *s, int option, void *optval, size_t *optvallen)`.
///
/// # Safety
/// `s` is NULL or a socket handle; `optvallen` points to a `size_t` and `optval` to that many
/// writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        if optvallen.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and the caller promises a readable and writable size_t.
        let len = unsafe { *optvallen };
        let value = socket.get_option(option, len)?;
        if len > 0 && optval.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: `optval` holds `len` writable bytes and `value.len() <= len` (the option
        // rules refuse a buffer too small).
        unsafe {
            let out = std::slice::from_raw_parts_mut(optval.cast::<u8>(), len);
            out[..value.len()].copy_from_slice(&value);
            out[value.len()..].fill(0);
            *optvallen = value.len();
        }
        Ok(0)
    })
}

/// `int zmq_bind (void *s, const char *addr)`.
///
/// # Safety
/// `s` is NULL or a socket handle; `addr` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        socket.bind(unsafe { endpoint(addr) }?)?;
        Ok(0)
    })
}

/// `int zmq_connect (void *s, const char *addr)`.
///
/// # Safety
/// As [`zmq_bind`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        socket.connect(unsafe { endpoint(addr) }?)?;
        Ok(0)
    })
}

/// `int zmq_unbind (void *s, const char *addr)`.
///
/// # Safety
/// As [`zmq_bind`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        socket.term_endpoint(unsafe { endpoint(addr) }?)?;
        Ok(0)
    })
}

/// `int zmq_disconnect (void *s, const char *addr)`.
///
/// # Safety
/// As [`zmq_bind`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        socket.term_endpoint(unsafe { endpoint(addr) }?)?;
        Ok(0)
    })
}

/// Reads an optional endpoint argument: NULL is None.
///
/// # Safety
/// As [`endpoint`].
unsafe fn optional_endpoint<'a>(addr: *const c_char) -> Result<Option<&'a str>, Error> {
    if addr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded caller contract.
    unsafe { endpoint(addr) }.map(Some)
}

/// `int zmq_socket_monitor (void *s, const char *addr, int events)`: version-1 events on a
/// PAIR socket bound to `addr` (inproc); NULL `addr` stops monitoring.
///
/// # Safety
/// As [`zmq_bind`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        let ep = unsafe { optional_endpoint(addr) }?;
        // libzmq widens the int to 64 bits unsigned: a negative mask has high bits (EINVAL).
        socket.monitor(ep, events as i64 as u64, 1, crate::consts::ZMQ_PAIR)?;
        Ok(0)
    })
}

/// Draft `int zmq_socket_monitor_versioned (void *s, const char *addr, uint64_t events,
/// int event_version, int type)`.
///
/// # Safety
/// As [`zmq_bind`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    kind: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        let ep = unsafe { optional_endpoint(addr) }?;
        socket.monitor(ep, events, event_version, kind)?;
        Ok(0)
    })
}

/// Draft `int zmq_socket_monitor_pipes_stats (void *s)`: a `ZMQ_EVENT_PIPES_STATS` event
/// per pipe (values: messages queued outbound, inbound) reaches the socket's monitor once
/// the peers answer; `EINVAL` unless that event is monitored, `EAGAIN` without pipes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let sock = unsafe { socket_from_ptr(s) }?;
        sock.monitor_pipes_stats()?;
        Ok(0)
    })
}

/// Draft `int zmq_socket_get_peer_state (void *s, const void *routing_id,
/// size_t routing_id_size)`: for ROUTER, `ZMQ_POLLOUT` when a message to that peer fits
/// under its HWM now, else 0, and `EHOSTUNREACH` for an unknown routing id; `ENOTSUP` for
/// every other type, as libzmq.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    s: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let sock = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller promises `routing_id_size` readable bytes at `routing_id`.
        let id = unsafe { c_bytes(routing_id, routing_id_size) }?;
        sock.peer_state(id)
    })
}

/// Draft `int zmq_join (void *s, const char *group)`: only DISH joins groups.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, _group: *const c_char) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { not_supported(s) })
}

/// Draft `int zmq_leave (void *s, const char *group)`: only DISH leaves groups.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, _group: *const c_char) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { not_supported(s) })
}

/// Draft `uint32_t zmq_connect_peer (void *s, const char *addr)`: 0 on failure; only PEER
/// sockets connect peers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_connect_peer(s: *mut c_void, _addr: *const c_char) -> u32 {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { not_supported(s) })
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
            // Draft types are not built yet.
            assert!(zmq_socket(ctx, ZMQ_CHANNEL).is_null());
            assert_eq!(errno::get_raw(), libc::EINVAL);
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

    /// Groups and peers belong to draft types: every type made here refuses them with
    /// `ENOTSUP` (libzmq's answer for a socket of the wrong type).
    #[test]
    fn group_and_peer_calls_are_refused_by_the_stable_types() {
        // SAFETY: ctx and the socket are live until closed; the strings are NUL-terminated.
        unsafe {
            let ctx = zmq_ctx_new();
            let s = zmq_socket(ctx, crate::consts::ZMQ_DEALER);
            assert_eq!(zmq_join(s, c"g".as_ptr()), -1);
            assert_eq!(errno::get_raw(), libc::ENOTSUP);
            assert_eq!(zmq_leave(s, c"g".as_ptr()), -1);
            assert_eq!(errno::get_raw(), libc::ENOTSUP);
            assert_eq!(zmq_connect_peer(s, c"tcp://127.0.0.1:1".as_ptr()), 0);
            assert_eq!(errno::get_raw(), libc::ENOTSUP);
            assert_eq!(zmq_close(s), 0);
            assert_eq!(zmq_ctx_term(ctx), 0);
        }
    }
}
