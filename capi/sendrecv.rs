//! Send and receive: `zmq_send`, `zmq_send_const`, `zmq_recv`, `zmq_msg_send`,
//! `zmq_msg_recv`, the deprecated `zmq_sendmsg`/`zmq_recvmsg`, and `zmq_sendiov`/
//! `zmq_recviov` (libzmq's `zmq.cpp`).
//!
//! Placeholders until the socket engine lands: `ENOTSOCK` for a NULL socket, as libzmq,
//! and `ENOTSUP` otherwise.

use std::ffi::{c_int, c_void};

use crate::capi::boundary::ffi_boundary;
use crate::capi::handle::zmq_msg_t;
use crate::capi::socket::not_yet;

/// `int zmq_send (void *s, const void *buf, size_t len, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_send(
    s: *mut c_void,
    _buf: *const c_void,
    _len: usize,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_send_const (void *s, const void *buf, size_t len, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_send_const(
    s: *mut c_void,
    _buf: *const c_void,
    _len: usize,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_recv (void *s, void *buf, size_t len, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_recv(
    s: *mut c_void,
    _buf: *mut c_void,
    _len: usize,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_msg_send (zmq_msg_t *msg, void *s, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_send(
    _msg: *mut zmq_msg_t,
    s: *mut c_void,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_msg_recv (zmq_msg_t *msg, void *s, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_recv(
    _msg: *mut zmq_msg_t,
    s: *mut c_void,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_sendmsg (void *s, zmq_msg_t *msg, int flags)`: deprecated. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_sendmsg(s: *mut c_void, _msg: *mut zmq_msg_t, _flags: c_int) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_recvmsg (void *s, zmq_msg_t *msg, int flags)`: deprecated. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_recvmsg(s: *mut c_void, _msg: *mut zmq_msg_t, _flags: c_int) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_sendiov (void *s, struct iovec *iov, size_t count, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_sendiov(
    s: *mut c_void,
    _iov: *mut libc::iovec,
    _count: usize,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}

/// `int zmq_recviov (void *s, struct iovec *iov, size_t *count, int flags)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_recviov(
    s: *mut c_void,
    _iov: *mut libc::iovec,
    _count: *mut usize,
    _flags: c_int,
) -> c_int {
    ffi_boundary(|| not_yet(s))
}
