//! The panic and error boundary between C and the core.
//!
//! Every `zmq_*` body is one call to [`ffi_boundary`]. `Ok` passes through; `Err(e)` sets
//! errno (through [`crate::capi::errno`]) and returns the function's failure value (-1, NULL,
//! 0); a panic is caught, reported on one line of stderr, and becomes the failure value with
//! errno `ENOTRECOVERABLE`. A panic never unwinds into C.

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::capi::errno;
use crate::error::Error;

/// The value a C function returns when it fails.
pub(crate) trait CReturn {
    /// The failure value: -1 for counts, NULL for pointers, 0 for ids.
    fn failure() -> Self;
}

impl CReturn for c_int {
    fn failure() -> Self {
        -1
    }
}

impl CReturn for c_long {
    fn failure() -> Self {
        -1
    }
}

impl CReturn for c_ulong {
    fn failure() -> Self {
        0
    }
}

impl CReturn for u32 {
    fn failure() -> Self {
        0
    }
}

impl CReturn for usize {
    fn failure() -> Self {
        0
    }
}

impl CReturn for () {
    fn failure() -> Self {}
}

impl<T> CReturn for *mut T {
    fn failure() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> CReturn for *const T {
    fn failure() -> Self {
        std::ptr::null()
    }
}

/// Runs `f`, mapping its error to errno and a panic to `ENOTRECOVERABLE`.
///
/// Both failures return `T::failure()`. They are handled out of line, so the success path
/// is one test of the result (the error-to-errno table is not inlined into every caller).
pub(crate) fn ffi_boundary<T: CReturn>(f: impl FnOnce() -> Result<T, Error>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => failed(e),
        Err(_) => panicked(),
    }
}

/// Sets errno for `e`; the failure value.
#[cold]
#[inline(never)]
fn failed<T: CReturn>(e: Error) -> T {
    errno::set_error(e);
    T::failure()
}

/// Reports a caught panic and sets `ENOTRECOVERABLE`; the failure value.
#[cold]
#[inline(never)]
fn panicked<T: CReturn>() -> T {
    eprintln!("libzmq-rs: internal error (a panic) caught at the C API boundary");
    errno::set_raw(libc::ENOTRECOVERABLE);
    T::failure()
}

/// Reads a C string argument, rejecting NULL with `EINVAL`.
///
/// # Safety
/// `s` must be NULL or point to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn c_str<'a>(s: *const c_char) -> Result<&'a [u8], Error> {
    if s.is_null() {
        return Err(Error::Inval);
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string valid for 'a.
    Ok(unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes())
}

/// Reads a `(pointer, length)` byte argument; NULL is allowed only with length 0.
///
/// # Safety
/// When `len > 0`, `p` must point to `len` readable bytes valid for `'a`.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_void, len: usize) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: non-NULL and the caller promises `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_sets_errno_and_returns_failure() {
        let r: c_int = ffi_boundary(|| Err(Error::Inval));
        assert_eq!(r, -1);
        assert_eq!(errno::get_raw(), libc::EINVAL);
        let p: *mut c_void = ffi_boundary(|| Err(Error::NoMem));
        assert!(p.is_null());
        assert_eq!(errno::get_raw(), libc::ENOMEM);
    }

    #[test]
    fn panic_becomes_enotrecoverable() {
        let r: c_int = ffi_boundary(|| panic!("boom"));
        assert_eq!(r, -1);
        assert_eq!(errno::get_raw(), libc::ENOTRECOVERABLE);
    }

    #[test]
    fn ok_leaves_errno_alone() {
        errno::set_raw(libc::EBUSY);
        let r: c_int = ffi_boundary(|| Ok(7));
        assert_eq!(r, 7);
        assert_eq!(errno::get_raw(), libc::EBUSY);
    }
}
