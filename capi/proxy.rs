//! Proxies: `zmq_proxy`, `zmq_proxy_steerable` and the deprecated `zmq_device` (libzmq's
//! `zmq.cpp` and `proxy.cpp`). A NULL frontend or backend gives `EFAULT`, as libzmq (which
//! crashes instead for `zmq_device`).

use std::ffi::{c_int, c_void};

use crate::capi::boundary::ffi_boundary;
use crate::capi::socket::socket_from_ptr;
use crate::error::Error;
use crate::socket::base::Socket;
use crate::socket::proxy;

/// An optional socket argument: NULL is None.
///
/// # Safety
/// `s` is NULL or a socket handle.
unsafe fn optional<'a>(s: *mut c_void) -> Result<Option<&'a Socket>, Error> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded caller contract.
    unsafe { socket_from_ptr(s) }.map(Some)
}

/// Runs the proxy over C handles.
///
/// # Safety
/// Each pointer is NULL or a socket handle.
unsafe fn run(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> Result<c_int, Error> {
    if frontend.is_null() || backend.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: the caller's contract, for each handle.
    let (f, b, cap, ctl) = unsafe {
        (
            socket_from_ptr(frontend)?,
            socket_from_ptr(backend)?,
            optional(capture)?,
            optional(control)?,
        )
    };
    proxy::proxy(f, b, cap, ctl)?;
    Ok(0)
}

/// `int zmq_proxy (void *frontend, void *backend, void *capture)`: forwards until the
/// context ends (-1, `ETERM`).
///
/// # Safety
/// Each pointer is NULL or a socket handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { run(frontend, backend, capture, std::ptr::null_mut()) })
}

/// `int zmq_proxy_steerable (void *frontend, void *backend, void *capture, void *control)`:
/// as `zmq_proxy`, steered by `PAUSE`/`RESUME`/`TERMINATE`/`STATISTICS` on `control`;
/// returns 0 after `TERMINATE`.
///
/// # Safety
/// Each pointer is NULL or a socket handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { run(frontend, backend, capture, control) })
}

/// `int zmq_device (int type, void *frontend, void *backend)`: deprecated `zmq_proxy`
/// without capture; the type is ignored.
///
/// # Safety
/// Each pointer is NULL or a socket handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_device(
    _kind: c_int,
    frontend: *mut c_void,
    backend: *mut c_void,
) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe {
        run(
            frontend,
            backend,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}
