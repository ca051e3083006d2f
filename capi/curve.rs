//! Z85 and CURVE key helpers of `zmq.h`: `zmq_z85_encode`, `zmq_z85_decode`,
//! `zmq_curve_keypair`, `zmq_curve_public`.
//!
//! libzmq checks only lengths and characters; a NULL pointer crashes it. We refuse NULL with
//! `EFAULT` instead, after the checks libzmq makes first, so every call libzmq answers gets the
//! same answer here.

use std::ffi::{c_char, c_int};

use crate::capi::boundary::{c_bytes, ffi_boundary};
use crate::error::Error;
use crate::keys;

/// Copies `text` and a NUL into `dest`.
///
/// # Safety
/// `dest` must be NULL or hold `text.len() + 1` writable bytes.
unsafe fn write_c_text(dest: *mut c_char, text: &str) -> Result<(), Error> {
    if dest.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: non-NULL, and the caller promises room for the text and its NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), text.len());
        *dest.add(text.len()) = 0;
    }
    Ok(())
}

/// Reads a NUL-terminated argument; NULL is `EFAULT`.
///
/// # Safety
/// `s` must be NULL or a NUL-terminated string valid for `'a`.
unsafe fn c_text<'a>(s: *const c_char) -> Result<&'a [u8], Error> {
    if s.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's promise.
    Ok(unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes())
}

/// Encodes `size` bytes as Z85 text into `dest` (`size * 5 / 4 + 1` bytes with the NUL).
/// Returns `dest`, or NULL with `EINVAL` when `size` is not a multiple of 4.
///
/// # Safety
/// `data` must hold `size` readable bytes, `dest` `size * 5 / 4 + 1` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_z85_encode(
    dest: *mut c_char,
    data: *const u8,
    size: usize,
) -> *mut c_char {
    ffi_boundary(|| {
        if !size.is_multiple_of(4) {
            return Err(Error::Inval);
        }
        // SAFETY: the caller promises `size` readable bytes.
        let text = keys::z85_encode(unsafe { c_bytes(data.cast(), size) }?)?;
        // SAFETY: the caller promises room for size * 5 / 4 + 1 bytes.
        unsafe { write_c_text(dest, &text) }?;
        Ok(dest)
    })
}

/// Decodes Z85 `string` into `dest` (`strlen * 4 / 5` bytes, no terminator). Returns `dest`,
/// or NULL with `EINVAL` for a bad length, character or group value. On failure `dest` is
/// left untouched.
///
/// # Safety
/// `string` must be NUL-terminated; `dest` must hold `strlen(string) * 4 / 5` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let bytes = keys::z85_decode(unsafe { c_text(string) }?)?;
        if dest.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and the caller promises room for strlen * 4 / 5 bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dest, bytes.len()) };
        Ok(dest)
    })
}

/// Makes a new CURVE key pair, each key as 40 Z85 characters and a NUL.
///
/// # Safety
/// Both pointers must be NULL or hold 41 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    ffi_boundary(|| {
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Error::Fault);
        }
        let (public, secret) = keys::keypair_z85();
        // SAFETY: both non-NULL with room for 41 bytes by the caller's promise.
        unsafe {
            write_c_text(z85_public_key, &public)?;
            write_c_text(z85_secret_key, &secret)?;
        }
        Ok(0)
    })
}

/// Derives the Z85 public key from a Z85 secret key. -1 with `EINVAL` when the secret is not
/// 40 valid Z85 characters.
///
/// # Safety
/// `z85_secret_key` must be NUL-terminated; `z85_public_key` must hold 41 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let public = keys::public_z85(unsafe { c_text(z85_secret_key) }?)?;
        // SAFETY: the caller promises 41 writable bytes.
        unsafe { write_c_text(z85_public_key, &public) }?;
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::errno;

    #[test]
    fn null_pointers_are_efault_after_libzmq_checks() {
        let mut buf = [0 as c_char; 64];
        // SAFETY: NULL or valid buffers throughout.
        unsafe {
            assert!(zmq_z85_encode(std::ptr::null_mut(), [0u8; 3].as_ptr(), 3).is_null());
            assert_eq!(errno::get_raw(), libc::EINVAL);
            assert!(zmq_z85_encode(std::ptr::null_mut(), [0u8; 4].as_ptr(), 4).is_null());
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert!(zmq_z85_decode(std::ptr::null_mut(), c"0000".as_ptr()).is_null());
            assert_eq!(errno::get_raw(), libc::EINVAL);
            assert!(zmq_z85_decode(std::ptr::null_mut(), c"00000".as_ptr()).is_null());
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert!(zmq_z85_decode(buf.as_mut_ptr().cast(), std::ptr::null()).is_null());
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(
                zmq_curve_keypair(buf.as_mut_ptr(), std::ptr::null_mut()),
                -1
            );
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(zmq_curve_public(buf.as_mut_ptr(), std::ptr::null()), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(zmq_curve_public(buf.as_mut_ptr(), c"abcde".as_ptr()), -1);
            assert_eq!(errno::get_raw(), libc::EINVAL);
            let secret = c"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
            assert_eq!(zmq_curve_public(std::ptr::null_mut(), secret.as_ptr()), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
        }
    }
}
