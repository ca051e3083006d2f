//! Contexts: `zmq_ctx_new`, `_term`, `_shutdown`, `_destroy`, `_set`, `_get`, the legacy
//! `zmq_init`/`zmq_term`, and draft `zmq_ctx_set_ext`/`zmq_ctx_get_ext` (libzmq's `zmq.cpp`).
//!
//! A context handle is a tagged [`Handle`] around a [`Context`]. NULL or a pointer without
//! the context tag gives `EFAULT`, as libzmq's `check_tag`. After `zmq_ctx_term` the handle's
//! tag is overwritten and its memory freed; calling term again on it is a use-after-free in
//! libzmq and in C terms here too, but as long as the memory has not been reused the dead tag
//! turns it into `EFAULT` instead of a crash.

use std::ffi::{c_int, c_void};

use crate::capi::boundary::{c_bytes, ffi_boundary};
use crate::capi::handle::{CTX_TAG, Handle};
use crate::consts::ZMQ_IO_THREADS;
use crate::ctx::Context;
use crate::error::Error;

/// The context behind a C handle.
///
/// # Safety
/// `ctx` must be NULL or a pointer from `zmq_ctx_new`/`zmq_init` (see [`Handle::from_raw`]).
pub(crate) unsafe fn ctx_from_ptr<'a>(ctx: *mut c_void) -> Result<&'a Context, Error> {
    // SAFETY: forwarded caller contract.
    unsafe { Handle::<Context>::from_raw(ctx, CTX_TAG, Error::Fault) }
}

/// Terminates and frees the context behind `ctx`.
///
/// # Safety
/// As [`ctx_from_ptr`]; afterwards C must not use `ctx` again.
unsafe fn terminate(ctx: *mut c_void) -> Result<c_int, Error> {
    // SAFETY: forwarded caller contract.
    unsafe { ctx_from_ptr(ctx) }?.terminate();
    // SAFETY: as above; every socket is closed, so nothing uses the handle any more.
    drop(unsafe { Handle::<Context>::take(ctx, CTX_TAG, Error::Fault) }?);
    Ok(0)
}

/// `void *zmq_ctx_new (void)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_new() -> *mut c_void {
    ffi_boundary(|| Ok(Handle::into_raw(CTX_TAG, Context::new())))
}

/// `int zmq_ctx_term (void *context)`: blocks until every socket is closed, then frees.
///
/// # Safety
/// `ctx` is NULL or a live context handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_term(ctx: *mut c_void) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { terminate(ctx) })
}

/// `int zmq_ctx_destroy (void *context)`: legacy alias of `zmq_ctx_term`.
///
/// # Safety
/// As [`zmq_ctx_term`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_destroy(ctx: *mut c_void) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { terminate(ctx) })
}

/// `int zmq_term (void *context)`: legacy alias of `zmq_ctx_term`.
///
/// # Safety
/// As [`zmq_ctx_term`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_term(ctx: *mut c_void) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { terminate(ctx) })
}

/// `int zmq_ctx_shutdown (void *context)`: stops the sockets without waiting or freeing.
///
/// # Safety
/// `ctx` is NULL or a live context handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_shutdown(ctx: *mut c_void) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        unsafe { ctx_from_ptr(ctx) }?.shutdown();
        Ok(0)
    })
}

/// `int zmq_ctx_set (void *context, int option, int optval)`.
///
/// # Safety
/// `ctx` is NULL or a live context handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_set(ctx: *mut c_void, option: c_int, optval: c_int) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let ctx = unsafe { ctx_from_ptr(ctx) }?;
        ctx.set_int(option, optval).map(|()| 0)
    })
}

/// `int zmq_ctx_get (void *context, int option)`: the value, or -1 with `EINVAL`.
///
/// # Safety
/// `ctx` is NULL or a live context handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_get(ctx: *mut c_void, option: c_int) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { ctx_from_ptr(ctx) }?.get_int(option))
}

/// `void *zmq_init (int io_threads)`: legacy; a new context with `ZMQ_IO_THREADS` set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    ffi_boundary(|| {
        let ctx = Context::new();
        ctx.set_int(ZMQ_IO_THREADS, io_threads)?;
        Ok(Handle::into_raw(CTX_TAG, ctx))
    })
}

/// Draft `int zmq_ctx_set_ext (void *context, int option, const void *optval,
/// size_t optvallen)`: an int option when `optvallen` is `sizeof(int)`, or the string form of
/// `ZMQ_THREAD_NAME_PREFIX` (1 to 16 bytes).
///
/// # Safety
/// `ctx` is NULL or a live context handle; `optval` points to `optvallen` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_set_ext(
    ctx: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let (ctx, value) = unsafe { (ctx_from_ptr(ctx)?, c_bytes(optval, optvallen)?) };
        ctx.set(option, value).map(|()| 0)
    })
}

/// Draft `int zmq_ctx_get_ext (void *context, int option, void *optval, size_t *optvallen)`.
/// As in libzmq, `*optvallen` is read but not updated, and the string form of
/// `ZMQ_THREAD_NAME_PREFIX` is copied without a terminating NUL. A NULL `optvallen`, or a
/// NULL `optval` with a non-zero length, gives `EFAULT` (libzmq would crash).
///
/// # Safety
/// `ctx` is NULL or a live context handle; `optval` points to `*optvallen` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ctx_get_ext(
    ctx: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let ctx = unsafe { ctx_from_ptr(ctx) }?;
        // SAFETY: NULL is refused; otherwise the caller promises a readable size_t.
        let len = unsafe { optvallen.as_ref() }.copied().ok_or(Error::Fault)?;
        let out: &mut [u8] = match (optval.is_null(), len) {
            (_, 0) => &mut [],
            (true, _) => return Err(Error::Fault),
            // SAFETY: non-NULL, and the caller promises `len` writable bytes.
            (false, _) => unsafe { std::slice::from_raw_parts_mut(optval.cast(), len) },
        };
        ctx.get(option, out).map(|_| 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::errno;
    use crate::consts::{ZMQ_MAX_SOCKETS, ZMQ_THREAD_NAME_PREFIX};

    #[test]
    fn lifecycle_through_the_c_api() {
        // SAFETY: every pointer passed is NULL or a live context from these calls.
        unsafe {
            assert_eq!(zmq_ctx_get(std::ptr::null_mut(), ZMQ_IO_THREADS), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert!(zmq_init(-1).is_null());
            assert_eq!(errno::get_raw(), libc::EINVAL);
            let ctx = zmq_init(0);
            assert_eq!(zmq_ctx_get(ctx, ZMQ_IO_THREADS), 0);
            assert_eq!(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 0), -1);
            assert_eq!(errno::get_raw(), libc::EINVAL);
            assert_eq!(zmq_ctx_shutdown(ctx), 0);
            assert_eq!(zmq_ctx_shutdown(ctx), 0);
            assert_eq!(zmq_ctx_term(ctx), 0);
        }
    }

    #[test]
    fn ext_options() {
        // SAFETY: ctx is live until term; buffers are local and sized as passed.
        unsafe {
            let ctx = zmq_ctx_new();
            let name = b"worker";
            assert_eq!(
                zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, name.as_ptr().cast(), 6),
                0
            );
            let mut buf = [0u8; 16];
            let mut len = buf.len();
            assert_eq!(
                zmq_ctx_get_ext(
                    ctx,
                    ZMQ_THREAD_NAME_PREFIX,
                    buf.as_mut_ptr().cast(),
                    &mut len
                ),
                0
            );
            assert_eq!(&buf[..7], b"worker\0");
            assert_eq!(len, 16);
            let opt = ZMQ_THREAD_NAME_PREFIX;
            let null = std::ptr::null_mut();
            assert_eq!(zmq_ctx_get_ext(ctx, opt, buf.as_mut_ptr().cast(), null), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(zmq_ctx_term(ctx), 0);
        }
    }
}
