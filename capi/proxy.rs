//! Proxies: `zmq_proxy`, `zmq_proxy_steerable` and the deprecated `zmq_device` (libzmq's
//! `zmq.cpp` and `proxy.cpp`).
//!
//! Placeholders until the socket engine lands: a NULL frontend or backend gives `EFAULT`,
//! as libzmq (which crashes instead for `zmq_device`), and anything else `ENOTSUP`.

use std::ffi::{c_int, c_void};

use crate::capi::boundary::ffi_boundary;
use crate::error::Error;

/// The placeholder result: `EFAULT` for a missing frontend or backend, else `ENOTSUP`.
fn not_yet(frontend: *mut c_void, backend: *mut c_void) -> Result<c_int, Error> {
    Err(if frontend.is_null() || backend.is_null() {
        Error::Fault
    } else {
        Error::NotSup
    })
}

/// `int zmq_proxy (void *frontend, void *backend, void *capture)`. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    _capture: *mut c_void,
) -> c_int {
    ffi_boundary(|| not_yet(frontend, backend))
}

/// `int zmq_proxy_steerable (void *frontend, void *backend, void *capture, void *control)`.
/// Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    _capture: *mut c_void,
    _control: *mut c_void,
) -> c_int {
    ffi_boundary(|| not_yet(frontend, backend))
}

/// `int zmq_device (int type, void *frontend, void *backend)`: deprecated; the type is
/// ignored. Placeholder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_device(
    _kind: c_int,
    frontend: *mut c_void,
    backend: *mut c_void,
) -> c_int {
    ffi_boundary(|| not_yet(frontend, backend))
}
