//! Utility functions of `zmq.h`: version, errno, error texts, capabilities, atomic counters,
//! stopwatch, sleep, threads and timers.

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void};
use std::thread::JoinHandle;
use std::time::Instant;

use parking_lot::Mutex;

use crate::capi::boundary::ffi_boundary;
use crate::capi::errno;
use crate::capi::handle::Handle;
use crate::consts::{ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH};
use crate::error::Error;
use crate::timers::Timers;
use crate::util::{self, AtomicCounter};

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

/// 1 if the library supports `capability` (see `crate::util`), else 0; NULL gives 0.
///
/// # Safety
/// `capability` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    ffi_boundary(|| {
        if capability.is_null() {
            return Ok(0);
        }
        // SAFETY: non-NULL and NUL-terminated by the caller's promise.
        let name = unsafe { std::ffi::CStr::from_ptr(capability) };
        Ok(c_int::from(util::has(name.to_bytes())))
    })
}

/// Tag of a live atomic counter handle.
const COUNTER_TAG: u32 = 0xc0c0_cafe;
/// Tag of a live stopwatch handle.
const STOPWATCH_TAG: u32 = 0x5709_cafe;
/// Tag of a live thread handle.
const THREAD_TAG: u32 = 0x7ead_cafe;
/// Tag of a live timer set (libzmq's `timers_t` tag).
const TIMERS_TAG: u32 = 0xcafe_dada;

/// The counter behind a handle; a bad handle is `EFAULT` (libzmq does not check).
///
/// # Safety
/// `p` must be NULL or a handle from `zmq_atomic_counter_new`.
unsafe fn counter<'a>(p: *mut c_void) -> Result<&'a AtomicCounter, Error> {
    // SAFETY: forwarded caller contract.
    unsafe { Handle::from_raw(p, COUNTER_TAG, Error::Fault) }
}

/// A new atomic counter at 0.
#[unsafe(no_mangle)]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    ffi_boundary(|| Ok(Handle::into_raw(COUNTER_TAG, AtomicCounter::new())))
}

/// Sets the counter.
///
/// # Safety
/// `counter_` must be NULL or a live counter handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter_: *mut c_void, value: c_int) {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        unsafe { counter(counter_) }?.set(value);
        Ok(())
    })
}

/// Adds 1; returns the old value.
///
/// # Safety
/// `counter_` must be NULL or a live counter handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter_: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(unsafe { counter(counter_) }?.inc()))
}

/// Subtracts 1; returns 1 if the counter is still not zero, else 0.
///
/// # Safety
/// `counter_` must be NULL or a live counter handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter_: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(c_int::from(unsafe { counter(counter_) }?.dec())))
}

/// The counter's value.
///
/// # Safety
/// `counter_` must be NULL or a live counter handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter_: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(unsafe { counter(counter_) }?.value()))
}

/// Frees the counter and sets `*counter_p` to NULL; `*counter_p` NULL is a no-op, as in libzmq.
///
/// # Safety
/// `counter_p` must be NULL or point to NULL or a live counter handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p: *mut *mut c_void) {
    ffi_boundary(|| {
        if counter_p.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and the caller promises it points to a handle or NULL.
        let p = unsafe { *counter_p };
        if !p.is_null() {
            // SAFETY: forwarded caller contract.
            unsafe { Handle::<AtomicCounter>::take(p, COUNTER_TAG, Error::Fault) }?;
            // SAFETY: as above, writable.
            unsafe { *counter_p = std::ptr::null_mut() };
        }
        Ok(())
    })
}

/// Starts a stopwatch.
#[unsafe(no_mangle)]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    ffi_boundary(|| Ok(Handle::into_raw(STOPWATCH_TAG, Instant::now())))
}

/// Microseconds since the stopwatch started.
///
/// # Safety
/// `watch` must be NULL or a live stopwatch handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let start = unsafe { Handle::<Instant>::from_raw(watch, STOPWATCH_TAG, Error::Fault) }?;
        Ok(util::elapsed_us(*start) as c_ulong)
    })
}

/// Microseconds since the stopwatch started; frees it.
///
/// # Safety
/// `watch` must be NULL or a live stopwatch handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let start = unsafe { Handle::<Instant>::take(watch, STOPWATCH_TAG, Error::Fault) }?;
        Ok(util::elapsed_us(start) as c_ulong)
    })
}

/// Sleeps `seconds`.
#[unsafe(no_mangle)]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    ffi_boundary(|| {
        util::sleep_seconds(seconds);
        Ok(())
    })
}

/// `zmq_thread_fn`.
#[allow(non_camel_case_types)]
pub type zmq_thread_fn = unsafe extern "C" fn(*mut c_void);

/// A C thread body and its argument, moved into the new thread.
struct CThread {
    f: zmq_thread_fn,
    arg: *mut c_void,
}

// SAFETY: the C caller hands `arg` to the new thread; what it points to is the caller's
// business, exactly as with libzmq's zmq_threadstart.
unsafe impl Send for CThread {}

impl CThread {
    /// Runs the body with every signal blocked, as libzmq's threads do.
    fn run(self) {
        // SAFETY: sigset_t is plain data; sigfillset/pthread_sigmask only write it and the
        // calling thread's mask; the C function gets the argument it was registered with.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut set);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            (self.f)(self.arg);
        }
    }
}

/// Starts `func(arg)` on a new thread named "ZMQapp"; returns the handle for
/// `zmq_threadclose`. A NULL `func` is `EFAULT` (libzmq would crash in the new thread).
#[unsafe(no_mangle)]
pub extern "C" fn zmq_threadstart(func: Option<zmq_thread_fn>, arg: *mut c_void) -> *mut c_void {
    ffi_boundary(|| {
        let job = CThread {
            f: func.ok_or(Error::Fault)?,
            arg,
        };
        let thread = std::thread::Builder::new()
            .name("ZMQapp".into())
            .spawn(move || job.run())?;
        Ok(Handle::into_raw(THREAD_TAG, thread))
    })
}

/// Waits for the thread to finish and frees its handle.
///
/// # Safety
/// `thread` must be NULL or a live handle from `zmq_threadstart`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_threadclose(thread: *mut c_void) {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { Handle::<JoinHandle<()>>::take(thread, THREAD_TAG, Error::Fault) }?;
        // The body is C code and cannot panic; a join error carries nothing to report.
        let _ = t.join();
        Ok(())
    })
}

/// `zmq_timer_fn` and its argument.
#[derive(Clone, Copy)]
struct CTimer {
    f: unsafe extern "C" fn(c_int, *mut c_void),
    arg: *mut c_void,
}

/// A timer set as C holds it.
type CTimers = Mutex<Timers<CTimer>>;

/// The timer set behind a handle; NULL or a bad tag is `EFAULT`, as in libzmq.
///
/// # Safety
/// `p` must be NULL or a handle from `zmq_timers_new`.
unsafe fn timers<'a>(p: *mut c_void) -> Result<&'a CTimers, Error> {
    // SAFETY: forwarded caller contract.
    unsafe { Handle::from_raw(p, TIMERS_TAG, Error::Fault) }
}

/// A new, empty timer set.
#[unsafe(no_mangle)]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    ffi_boundary(|| Ok(Handle::into_raw(TIMERS_TAG, CTimers::new(Timers::new()))))
}

/// Frees the set and sets `*timers_p` to NULL. `EFAULT` if `*timers_p` is not a set (and, unlike
/// libzmq, which crashes, if `timers_p` is NULL).
///
/// # Safety
/// `timers_p` must be NULL or point to NULL or a timer set handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    ffi_boundary(|| {
        if timers_p.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and the caller promises it points to a handle or NULL.
        unsafe { Handle::<CTimers>::take(*timers_p, TIMERS_TAG, Error::Fault) }?;
        // SAFETY: as above, writable.
        unsafe { *timers_p = std::ptr::null_mut() };
        Ok(0)
    })
}

/// Adds a timer; returns its id. A NULL handler is `EFAULT`.
///
/// # Safety
/// `timers_` must be NULL or a timer set handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_add(
    timers_: *mut c_void,
    interval: usize,
    handler: Option<unsafe extern "C" fn(c_int, *mut c_void)>,
    arg: *mut c_void,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { timers(timers_) }?;
        let f = handler.ok_or(Error::Fault)?;
        Ok(t.lock()
            .add(util::now_ms(), interval as u64, CTimer { f, arg }))
    })
}

/// Cancels a timer. `EINVAL` for an unknown or already cancelled id.
///
/// # Safety
/// `timers_` must be NULL or a timer set handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_cancel(timers_: *mut c_void, timer_id: c_int) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        unsafe { timers(timers_) }?
            .lock()
            .cancel(timer_id)
            .map(|()| 0)
    })
}

/// Changes a timer's interval and restarts it. `EINVAL` for an unknown id.
///
/// # Safety
/// `timers_` must be NULL or a timer set handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_set_interval(
    timers_: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { timers(timers_) }?;
        let now = util::now_ms();
        t.lock()
            .set_interval(now, timer_id, interval as u64)
            .map(|()| 0)
    })
}

/// Restarts a timer. `EINVAL` for an unknown id.
///
/// # Safety
/// `timers_` must be NULL or a timer set handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_reset(timers_: *mut c_void, timer_id: c_int) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { timers(timers_) }?;
        t.lock().reset(util::now_ms(), timer_id).map(|()| 0)
    })
}

/// Milliseconds until the next timer is due, -1 if there is none.
///
/// # Safety
/// `timers_` must be NULL or a timer set handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_timeout(timers_: *mut c_void) -> c_long {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { timers(timers_) }?;
        let next = t.lock().timeout(util::now_ms());
        Ok(next.map_or(-1, |ms| c_long::try_from(ms).unwrap_or(c_long::MAX)))
    })
}

/// Runs the handlers of the due timers.
///
/// # Safety
/// `timers_` must be NULL or a timer set handle; the handlers must be callable with their
/// arguments.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_timers_execute(timers_: *mut c_void) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { timers(timers_) }?;
        Timers::execute(t, util::now_ms(), |id, h| {
            // SAFETY: the handler and argument the application registered for this timer.
            unsafe { (h.f)(id, h.arg) }
        });
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errno_is(code: c_int) -> bool {
        errno::get_raw() == code
    }

    #[test]
    fn bad_handles_are_efault_where_libzmq_would_crash() {
        let null = std::ptr::null_mut();
        // SAFETY: NULL and live handles only.
        unsafe {
            assert_eq!(zmq_has(std::ptr::null()), 0);
            assert_eq!(zmq_atomic_counter_inc(null), -1);
            assert!(errno_is(libc::EFAULT));
            assert_eq!(zmq_atomic_counter_value(null), -1);
            errno::set_raw(0);
            zmq_atomic_counter_set(null, 1);
            assert!(errno_is(libc::EFAULT));
            zmq_atomic_counter_destroy(std::ptr::null_mut());
            assert!(errno_is(libc::EFAULT));
            assert_eq!(zmq_stopwatch_intermediate(null), 0);
            assert!(errno_is(libc::EFAULT));
            assert_eq!(zmq_stopwatch_stop(null), 0);
            assert!(zmq_threadstart(None, null).is_null());
            assert!(errno_is(libc::EFAULT));
            errno::set_raw(0);
            zmq_threadclose(null);
            assert!(errno_is(libc::EFAULT));
            assert_eq!(zmq_timers_destroy(std::ptr::null_mut()), -1);
            assert!(errno_is(libc::EFAULT));

            // A handle of one kind is refused by the functions of another.
            let mut watch = zmq_stopwatch_start();
            assert_eq!(zmq_atomic_counter_value(watch), -1);
            assert!(errno_is(libc::EFAULT));
            assert_eq!(zmq_timers_destroy(&mut watch), -1);
            assert!(!watch.is_null());
            zmq_stopwatch_stop(watch);
        }
    }

    #[test]
    fn timers_through_the_c_api() {
        unsafe extern "C" fn count(_id: c_int, arg: *mut c_void) {
            // SAFETY: the test registers a pointer to a live c_int.
            unsafe { *arg.cast::<c_int>() += 1 };
        }
        let mut n: c_int = 0;
        let arg = (&raw mut n).cast::<c_void>();
        // SAFETY: a live timer set and a handler that takes `arg`.
        unsafe {
            let mut t = zmq_timers_new();
            assert_eq!(zmq_timers_add(t, 0, Some(count), arg), 1);
            assert_eq!(zmq_timers_timeout(t), 0);
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!(n, 2);
            assert_eq!(zmq_timers_destroy(&mut t), 0);
            assert!(t.is_null());
        }
    }
}
