//! Send and receive: `zmq_send`, `zmq_send_const`, `zmq_recv`, `zmq_msg_send`,
//! `zmq_msg_recv`, the deprecated `zmq_sendmsg`/`zmq_recvmsg`, and `zmq_sendiov`/
//! `zmq_recviov` (libzmq's `zmq.cpp`).

use std::ffi::{c_int, c_void};

use crate::capi::boundary::{c_bytes, ffi_boundary};
use crate::capi::handle::{msg_mut, zmq_msg_t};
use crate::capi::socket::socket_from_ptr;
use crate::consts::ZMQ_SNDMORE;
use crate::error::Error;
use crate::msg::Msg;

/// A size as these functions return it: clipped to `INT_MAX`, as libzmq does.
fn clip(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `int zmq_send (void *s, const void *buf, size_t len, int flags)`: sends a copy of `buf`.
///
/// # Safety
/// `s` is NULL or a socket handle; `buf` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_send(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: the caller's contract.
        let data = unsafe { c_bytes(buf, len) }?;
        let mut msg = Msg::copy_from_slice(data)?;
        socket.send(&mut msg, flags)?;
        Ok(clip(len))
    })
}

/// `int zmq_send_const (void *s, const void *buf, size_t len, int flags)`: sends `buf`
/// without copying it; the caller keeps it alive and unchanged.
///
/// # Safety
/// `s` is NULL or a socket handle; `buf` points to `len` bytes that stay valid forever.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        if buf.is_null() && len > 0 {
            return Err(Error::Fault);
        }
        // SAFETY: the caller promises `len` bytes that outlive every use of the message.
        let mut msg = unsafe { Msg::from_foreign(buf.cast_mut(), len, None, std::ptr::null_mut()) };
        socket.send(&mut msg, flags)?;
        Ok(clip(len))
    })
}

/// `int zmq_recv (void *s, void *buf, size_t len, int flags)`: receives one part into `buf`,
/// truncated to `len`; returns the part's full size.
///
/// # Safety
/// `s` is NULL or a socket handle; `buf` points to `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_recv(
    s: *mut c_void,
    buf: *mut c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        if buf.is_null() && len > 0 {
            return Err(Error::Fault);
        }
        let msg = socket.recv(flags)?;
        let data = msg.data();
        let n = data.len().min(len);
        if n > 0 {
            // SAFETY: `buf` holds `len >= n` writable bytes; `data` has `n` readable ones.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), n) };
        }
        Ok(clip(data.len()))
    })
}

/// Sends the message in `msg`, which is left empty on success and unchanged on failure.
///
/// # Safety
/// As [`zmq_msg_send`].
unsafe fn msg_send(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> Result<c_int, Error> {
    // SAFETY: the caller's contract.
    let socket = unsafe { socket_from_ptr(s) }?;
    // SAFETY: the caller's contract.
    let m = unsafe { msg_mut(msg) }?;
    let size = m.len();
    socket.send(m, flags)?;
    Ok(clip(size))
}

/// Receives into `msg` (which must hold an initialised message; see
/// [`crate::socket::Socket::recv_into`]
/// for when its old content is released).
///
/// # Safety
/// As [`zmq_msg_recv`].
unsafe fn msg_recv(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> Result<c_int, Error> {
    // SAFETY: the caller's contract.
    let socket = unsafe { socket_from_ptr(s) }?;
    // SAFETY: the caller's contract.
    let m = unsafe { msg_mut(msg) }?;
    socket.recv_into(m, flags)?;
    Ok(clip(m.len()))
}

/// `int zmq_msg_send (zmq_msg_t *msg, void *s, int flags)`.
///
/// # Safety
/// `msg` points to an initialised `zmq_msg_t`; `s` is NULL or a socket handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_send(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { msg_send(msg, s, flags) })
}

/// `int zmq_msg_recv (zmq_msg_t *msg, void *s, int flags)`.
///
/// # Safety
/// As [`zmq_msg_send`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_recv(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { msg_recv(msg, s, flags) })
}

/// `int zmq_sendmsg (void *s, zmq_msg_t *msg, int flags)` (deprecated `zmq_msg_send`).
///
/// # Safety
/// As [`zmq_msg_send`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { msg_send(msg, s, flags) })
}

/// `int zmq_recvmsg (void *s, zmq_msg_t *msg, int flags)` (deprecated `zmq_msg_recv`).
///
/// # Safety
/// As [`zmq_msg_send`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { msg_recv(msg, s, flags) })
}

/// `int zmq_sendiov (void *s, struct iovec *iov, size_t count, int flags)`: sends the buffers
/// as the parts of one message (copied). Returns 0 on success, as libzmq.
///
/// # Safety
/// `s` is NULL or a socket handle; `iov` points to `count` iovecs over readable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: usize,
    flags: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        if count == 0 || iov.is_null() {
            return Err(Error::Inval);
        }
        // SAFETY: `iov` points to `count` iovecs.
        let parts = unsafe { std::slice::from_raw_parts(iov, count) };
        for (i, part) in parts.iter().enumerate() {
            // SAFETY: each iovec describes readable memory.
            let data = unsafe { c_bytes(part.iov_base, part.iov_len) }?;
            let mut msg = Msg::copy_from_slice(data)?;
            let part_flags = if i + 1 < count {
                flags | ZMQ_SNDMORE
            } else {
                flags
            };
            socket.send(&mut msg, part_flags)?;
        }
        Ok(0)
    })
}

/// `int zmq_recviov (void *s, struct iovec *iov, size_t *count, int flags)`: receives up to
/// `*count` parts of one message, each into a buffer from `malloc` that the caller frees;
/// sets `*count` to the number received and returns the total size.
///
/// # Safety
/// `s` is NULL or a socket handle; `count` points to a `size_t`; `iov` to that many iovecs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: *mut usize,
    flags: c_int,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let socket = unsafe { socket_from_ptr(s) }?;
        // SAFETY: checked for NULL first; the caller promises a readable size_t.
        if count.is_null() || iov.is_null() || unsafe { *count } == 0 {
            return Err(Error::Inval);
        }
        // SAFETY: as above.
        let max = unsafe { *count };
        // SAFETY: `iov` points to `max` iovecs.
        let parts = unsafe { std::slice::from_raw_parts_mut(iov, max) };
        let mut total = 0usize;
        let mut received = 0usize;
        for part in parts.iter_mut() {
            let msg = match socket.recv(flags) {
                Ok(m) => m,
                Err(e) => {
                    // SAFETY: `count` is a writable size_t.
                    unsafe { *count = received };
                    return Err(e);
                }
            };
            let data = msg.data();
            // SAFETY: malloc of at least one byte; checked for NULL below.
            let buf = unsafe { libc::malloc(data.len().max(1)) }.cast::<u8>();
            if buf.is_null() {
                return Err(Error::NoMem);
            }
            // SAFETY: `buf` holds `data.len()` writable bytes.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len()) };
            part.iov_base = buf.cast();
            part.iov_len = data.len();
            total += data.len();
            received += 1;
            if !msg.more() {
                break;
            }
        }
        // SAFETY: `count` is a writable size_t.
        unsafe { *count = received };
        Ok(clip(total))
    })
}
