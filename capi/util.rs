//! Utility functions of `zmq.h`: version, errno, error texts, capabilities, atomic counters,
//! stopwatch, sleep, threads and timers.

use std::ffi::{c_char, c_int};

use crate::capi::boundary::ffi_boundary;
use crate::capi::errno;
use crate::consts::{ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH};

/// Writes the library version (4, 3, 5). NULL pointers are skipped.
///
/// # Safety
/// Each pointer must be NULL or point to a writable `int`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    ffi_boundary(|| {
        for (p, v) in [
            (major, ZMQ_VERSION_MAJOR),
            (minor, ZMQ_VERSION_MINOR),
            (patch, ZMQ_VERSION_PATCH),
        ] {
            if !p.is_null() {
                // SAFETY: non-NULL, and the caller promises a writable int.
                unsafe { *p = v };
            }
        }
        Ok(())
    })
}

/// The calling thread's errno.
#[unsafe(no_mangle)]
pub extern "C" fn zmq_errno() -> c_int {
    ffi_boundary(|| Ok(errno::get_raw()))
}

/// The text for an error number: libzmq's own for its codes, the system's for the rest.
#[unsafe(no_mangle)]
pub extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    ffi_boundary(|| Ok(errno::strerror(errnum)))
}
