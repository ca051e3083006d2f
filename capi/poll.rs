//! Polling: `zmq_poll`, draft `zmq_ppoll`, and the draft `zmq_poller_*` set (libzmq's
//! `zmq.cpp` and `socket_poller.cpp`).
//!
//! `zmq_poll` and `zmq_ppoll` take sockets and raw file descriptors (`socket == NULL`), through
//! poll(2)/ppoll(2) with libzmq's answers: `EINVAL` for a negative count, a plain sleep for a
//! count of 0, `EFAULT` for NULL items, `EINTR` on a signal, `ETERM` for a socket whose
//! context ended, and `ZMQ_POLLERR` in `revents` for any fd condition other than in/out/pri
//! (hang-up, error, a closed fd). The draft `zmq_poller_*` set keeps a list of sockets and
//! fds with user data and waits the same way; its checks follow libzmq 4.3.5 (`EFAULT` for
//! a bad poller, `ENOTSOCK` for a bad socket, `EBADF` for fd -1, `EINVAL` for a duplicate,
//! a missing item or unknown event bits, `EAGAIN` when the wait times out).

use std::ffi::{c_int, c_long, c_short, c_void};
use std::time::{Duration, Instant};

use crate::capi::boundary::ffi_boundary;
use crate::capi::handle::Handle;
use crate::capi::socket::socket_from_ptr;
use crate::consts::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI};
use crate::error::Error;

/// `zmq_pollitem_t`: a socket or, when `socket` is NULL, a file descriptor to poll.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct zmq_pollitem_t {
    /// The socket, or NULL to poll `fd`.
    pub socket: *mut c_void,
    /// The file descriptor (`zmq_fd_t`), used when `socket` is NULL.
    pub fd: c_int,
    /// The `ZMQ_POLL*` events asked for.
    pub events: c_short,
    /// The `ZMQ_POLL*` events that occurred.
    pub revents: c_short,
}

/// Draft `zmq_poller_event_t`: one event returned by `zmq_poller_wait(_all)`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct zmq_poller_event_t {
    /// The socket the event is for, or NULL for an fd.
    pub socket: *mut c_void,
    /// The file descriptor (`zmq_fd_t`) the event is for.
    pub fd: c_int,
    /// The user data given when the socket or fd was added.
    pub user_data: *mut c_void,
    /// The `ZMQ_POLL*` events that occurred.
    pub events: c_short,
}

const _: () = assert!(std::mem::size_of::<zmq_pollitem_t>() == 16);
const _: () = assert!(std::mem::size_of::<zmq_poller_event_t>() == 32);

/// `int zmq_poll (zmq_pollitem_t *items, int nitems, long timeout)`: the number of items
/// with events; `timeout` in ms, -1 for none.
///
/// # Safety
/// `items` points to `nitems` items (or is NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
) -> c_int {
    // SAFETY: the caller's contract.
    ffi_boundary(|| unsafe { poll_items(items, nitems, timeout, None) })
}

/// Draft `int zmq_ppoll (zmq_pollitem_t *items, int nitems, long timeout,
/// const sigset_t *sigmask)`: `zmq_poll` with `sigmask` in force while waiting.
///
/// # Safety
/// As [`zmq_poll`]; `sigmask` is NULL or points to a signal set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_ppoll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: *const libc::sigset_t,
) -> c_int {
    // SAFETY: the caller's contract; a non-NULL mask is a valid sigset_t.
    ffi_boundary(|| unsafe { poll_items(items, nitems, timeout, sigmask.as_ref()) })
}

/// Tag of a live poller handle (libzmq's `socket_poller_t` tag).
const POLLER_TAG: u32 = 0xcafe_babe;

/// What a poller watches: a socket (its handle) or a raw fd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watched {
    Socket(*mut c_void),
    Fd(c_int),
}

#[derive(Debug)]
struct PollerItem {
    watched: Watched,
    user_data: *mut c_void,
    events: c_short,
}

/// A draft poller: a set of sockets and fds with user data (libzmq's `socket_poller_t`; not
/// thread-safe, as there).
#[derive(Debug, Default)]
struct Poller {
    items: Vec<PollerItem>,
}

/// The events a poller item may ask for.
fn check_events(events: c_short) -> Result<(), Error> {
    let allowed = ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR | ZMQ_POLLPRI;
    if c_int::from(events) & !allowed != 0 {
        return Err(Error::Inval);
    }
    Ok(())
}

/// Borrows the poller behind `p`; `EFAULT` for NULL or anything else.
///
/// # Safety
/// `p` is NULL or a pointer `zmq_poller_new` returned and not yet destroyed.
unsafe fn poller_from_ptr<'a>(p: *mut c_void) -> Result<&'a mut Poller, Error> {
    // SAFETY: forwarded caller contract.
    let cell =
        unsafe { Handle::<std::cell::UnsafeCell<Poller>>::from_raw(p, POLLER_TAG, Error::Fault) }?;
    // SAFETY: a poller is used by one thread at a time (libzmq's rule too), so this is the
    // only reference for the duration of the call.
    Ok(unsafe { &mut *cell.get() })
}

/// Checks a socket argument of a poller call: `ENOTSOCK` for NULL or a non-socket.
///
/// # Safety
/// `s` is NULL or a socket handle.
unsafe fn check_socket(s: *mut c_void) -> Result<(), Error> {
    // SAFETY: forwarded caller contract.
    unsafe { socket_from_ptr(s) }.map(drop)
}

impl Poller {
    fn find(&self, watched: Watched) -> Option<usize> {
        self.items.iter().position(|i| i.watched == watched)
    }

    fn add(
        &mut self,
        watched: Watched,
        user_data: *mut c_void,
        events: c_short,
    ) -> Result<(), Error> {
        check_events(events)?;
        if self.find(watched).is_some() {
            return Err(Error::Inval);
        }
        self.items.push(PollerItem {
            watched,
            user_data,
            events,
        });
        Ok(())
    }

    fn modify(&mut self, watched: Watched, events: c_short) -> Result<(), Error> {
        check_events(events)?;
        let i = self.find(watched).ok_or(Error::Inval)?;
        self.items[i].events = events;
        Ok(())
    }

    fn remove(&mut self, watched: Watched) -> Result<(), Error> {
        let i = self.find(watched).ok_or(Error::Inval)?;
        self.items.remove(i);
        Ok(())
    }

    /// Waits like `zmq_poll` over the items and fills `out` with the ready ones; `EAGAIN`
    /// when none became ready in time.
    ///
    /// # Safety
    /// The sockets added are still live handles.
    unsafe fn wait(&self, out: &mut [zmq_poller_event_t], timeout: c_long) -> Result<c_int, Error> {
        if self.items.is_empty() {
            if timeout < 0 {
                return Err(Error::Fault);
            }
            sleep_ms(timeout)?;
            return Err(Error::Again);
        }
        let mut items: Vec<zmq_pollitem_t> = self
            .items
            .iter()
            .map(|i| match i.watched {
                Watched::Socket(s) => zmq_pollitem_t {
                    socket: s,
                    fd: 0,
                    events: i.events,
                    revents: 0,
                },
                Watched::Fd(fd) => zmq_pollitem_t {
                    socket: std::ptr::null_mut(),
                    fd,
                    events: i.events,
                    revents: 0,
                },
            })
            .collect();
        let n = c_int::try_from(items.len()).map_err(|_| Error::Inval)?;
        // SAFETY: a live vector of `n` items whose sockets the caller vouches for.
        let ready = unsafe { poll_items(items.as_mut_ptr(), n, timeout, None) }?;
        if ready == 0 {
            return Err(Error::Again);
        }
        let mut filled = 0;
        for (item, polled) in self.items.iter().zip(&items) {
            if polled.revents == 0 || filled == out.len() {
                continue;
            }
            let (socket, fd) = match item.watched {
                Watched::Socket(s) => (s, -1),
                Watched::Fd(fd) => (std::ptr::null_mut(), fd),
            };
            out[filled] = zmq_poller_event_t {
                socket,
                fd,
                user_data: item.user_data,
                events: polled.revents,
            };
            filled += 1;
        }
        Ok(c_int::try_from(filled).unwrap_or(c_int::MAX))
    }
}

/// Draft `void *zmq_poller_new (void)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_new() -> *mut c_void {
    ffi_boundary(|| {
        Ok(Handle::into_raw(
            POLLER_TAG,
            std::cell::UnsafeCell::new(Poller::default()),
        ))
    })
}

/// Draft `int zmq_poller_destroy (void **poller_p)`: frees the poller and sets `*poller_p`
/// to NULL.
///
/// # Safety
/// `poller_p` is NULL or points to a poller pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    ffi_boundary(|| {
        if poller_p.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and the caller promises a readable and writable pointer.
        let p = unsafe { *poller_p };
        // SAFETY: the caller's contract.
        unsafe { Handle::<std::cell::UnsafeCell<Poller>>::take(p, POLLER_TAG, Error::Fault) }?;
        // SAFETY: as above.
        unsafe { *poller_p = std::ptr::null_mut() };
        Ok(0)
    })
}

/// Draft `int zmq_poller_size (void *poller)`: how many sockets and fds it watches.
///
/// # Safety
/// `poller` is NULL or a poller handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_size(poller: *mut c_void) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        Ok(c_int::try_from(p.items.len()).unwrap_or(c_int::MAX))
    })
}

/// Draft `int zmq_poller_add (void *poller, void *socket, void *user_data, short events)`.
///
/// # Safety
/// `poller` is NULL or a poller handle; `socket` NULL or a socket handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_add(
    poller: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        // SAFETY: the caller's contract.
        unsafe { check_socket(socket) }?;
        p.add(Watched::Socket(socket), user_data, events)?;
        Ok(0)
    })
}

/// Draft `int zmq_poller_modify (void *poller, void *socket, short events)`.
///
/// # Safety
/// As [`zmq_poller_add`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_modify(
    poller: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        // SAFETY: the caller's contract.
        unsafe { check_socket(socket) }?;
        p.modify(Watched::Socket(socket), events)?;
        Ok(0)
    })
}

/// Draft `int zmq_poller_remove (void *poller, void *socket)`.
///
/// # Safety
/// As [`zmq_poller_add`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        // SAFETY: the caller's contract.
        unsafe { check_socket(socket) }?;
        p.remove(Watched::Socket(socket))?;
        Ok(0)
    })
}

/// Draft `int zmq_poller_add_fd (void *poller, zmq_fd_t fd, void *user_data, short events)`:
/// `EBADF` for -1.
///
/// # Safety
/// `poller` is NULL or a poller handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_add_fd(
    poller: *mut c_void,
    fd: c_int,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        if fd == -1 {
            return Err(Error::BadF);
        }
        p.add(Watched::Fd(fd), user_data, events)?;
        Ok(0)
    })
}

/// Draft `int zmq_poller_modify_fd (void *poller, zmq_fd_t fd, short events)`.
///
/// # Safety
/// As [`zmq_poller_add_fd`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_modify_fd(
    poller: *mut c_void,
    fd: c_int,
    events: c_short,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        if fd == -1 {
            return Err(Error::BadF);
        }
        p.modify(Watched::Fd(fd), events)?;
        Ok(0)
    })
}

/// Draft `int zmq_poller_remove_fd (void *poller, zmq_fd_t fd)`.
///
/// # Safety
/// As [`zmq_poller_add_fd`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_remove_fd(poller: *mut c_void, fd: c_int) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        if fd == -1 {
            return Err(Error::BadF);
        }
        p.remove(Watched::Fd(fd))?;
        Ok(0)
    })
}

/// Draft `int zmq_poller_wait (void *poller, zmq_poller_event_t *event, long timeout)`: one
/// event; 0 on success, -1 with `EAGAIN` on timeout (the event is then cleared).
///
/// # Safety
/// `poller` is NULL or a poller handle; `event` points to a writable event.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_wait(
    poller: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    // SAFETY: the caller's contract.
    let rc = unsafe { zmq_poller_wait_all(poller, event, 1, timeout) };
    if rc < 0 && !event.is_null() {
        // SAFETY: non-NULL, and the caller promises a writable event.
        unsafe {
            *event = zmq_poller_event_t {
                socket: std::ptr::null_mut(),
                fd: -1,
                user_data: std::ptr::null_mut(),
                events: 0,
            };
        }
    }
    if rc < 0 { rc } else { 0 }
}

/// Draft `int zmq_poller_wait_all (void *poller, zmq_poller_event_t *events, int n_events,
/// long timeout)`: fills up to `n_events` events and returns how many.
///
/// # Safety
/// `poller` is NULL or a poller handle; `events` points to `n_events` writable events.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { poller_from_ptr(poller) }?;
        if events.is_null() {
            return Err(Error::Fault);
        }
        let n = usize::try_from(n_events).map_err(|_| Error::Inval)?;
        // SAFETY: non-NULL, and the caller promises `n_events` writable events.
        let out = unsafe { std::slice::from_raw_parts_mut(events, n) };
        // SAFETY: the sockets in the poller are live handles (the caller removes them
        // before closing them, as libzmq requires).
        unsafe { p.wait(out, timeout) }
    })
}

/// Draft `int zmq_poller_fd (void *poller, zmq_fd_t *fd)`: only pollers over thread-safe
/// sockets have an fd; none exist yet, so `EINVAL`, as libzmq for other pollers.
///
/// # Safety
/// `poller` is NULL or a poller handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_poller_fd(poller: *mut c_void, fd: *mut c_int) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller's contract.
        unsafe { poller_from_ptr(poller) }?;
        if fd.is_null() {
            return Err(Error::Fault);
        }
        Err(Error::Inval)
    })
}

/// `zmq_poll`/`zmq_ppoll` over raw-fd items.
///
/// # Safety
/// `items` is NULL or points to `nitems` items; `sigmask`, when given, is a valid set.
unsafe fn poll_items(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: Option<&libc::sigset_t>,
) -> Result<c_int, Error> {
    let n = usize::try_from(nitems).map_err(|_| Error::Inval)?;
    if n == 0 {
        return sleep_ms(timeout);
    }
    if items.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: non-NULL, and the caller promises `nitems` items.
    let items = unsafe { std::slice::from_raw_parts_mut(items, n) };
    let sockets = items
        .iter()
        .map(|item| {
            if item.socket.is_null() {
                Ok(None)
            } else {
                // SAFETY: a non-NULL socket in an item is a socket handle (zmq_poll's contract).
                unsafe { socket_from_ptr(item.socket) }.map(Some)
            }
        })
        .collect::<Result<Vec<_>, Error>>()?;
    // A socket is watched through its ZMQ_FD, which fires when commands arrive; what it is
    // ready for is then read from its ZMQ_EVENTS (libzmq's zmq_poll does the same).
    let mut fds: Vec<libc::pollfd> = items
        .iter()
        .zip(&sockets)
        .map(|(item, socket)| match socket {
            Some(s) => libc::pollfd {
                fd: s.fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            None => to_pollfd(item),
        })
        .collect();
    let deadline = u64::try_from(timeout)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    let mut first_pass = true;
    loop {
        // The first pass only looks (timeout 0): sockets may be ready without their fd firing.
        let left = if first_pass {
            Some(Duration::ZERO)
        } else {
            deadline.map(|d| d.saturating_duration_since(Instant::now()))
        };
        wait(&mut fds, left, sigmask)?;
        let mut count = 0;
        for ((item, pfd), socket) in items.iter_mut().zip(&fds).zip(&sockets) {
            item.revents = match socket {
                Some(s) => (s.events()? & c_int::from(item.events)) as c_short,
                None => from_revents(pfd.revents),
            };
            count += c_int::from(item.revents != 0);
        }
        let expired = !first_pass && left.is_some_and(|l| l.is_zero());
        if count > 0 || timeout == 0 || expired {
            return Ok(count);
        }
        first_pass = false;
    }
}

/// One poll(2) (or ppoll(2) with a mask) over `fds`, for at most `left` (None: no limit).
fn wait(
    fds: &mut [libc::pollfd],
    left: Option<Duration>,
    sigmask: Option<&libc::sigset_t>,
) -> Result<c_int, Error> {
    let nfds = libc::nfds_t::try_from(fds.len()).map_err(|_| Error::Inval)?;
    let rc = match sigmask {
        None => {
            // Rounded up, so a wait never ends before the deadline and spins.
            let ms = left.map_or(-1, |l| {
                c_int::try_from(l.as_nanos().div_ceil(1_000_000)).unwrap_or(c_int::MAX)
            });
            // SAFETY: `fds` is a live slice of `nfds` pollfds.
            unsafe { libc::poll(fds.as_mut_ptr(), nfds, ms) }
        }
        Some(mask) => {
            let ts = left.map(|l| libc::timespec {
                tv_sec: libc::time_t::try_from(l.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: libc::c_long::from(l.subsec_nanos()),
            });
            let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const _);
            // SAFETY: `fds` is a live slice of `nfds` pollfds; the timespec and the mask are
            // live or NULL.
            unsafe { libc::ppoll(fds.as_mut_ptr(), nfds, ts_ptr, mask) }
        }
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(rc)
}

/// libzmq's `usleep (timeout * 1000)` for an empty item list: the product is truncated to
/// `useconds_t`, so -1 sleeps about 71 minutes; a signal ends it with `EINTR`.
fn sleep_ms(timeout: c_long) -> Result<c_int, Error> {
    if timeout == 0 {
        return Ok(0);
    }
    // Truncation is the point: it reproduces C's conversion to useconds_t.
    let us = timeout.wrapping_mul(1000) as libc::useconds_t;
    // SAFETY: usleep has no pointer arguments.
    if unsafe { libc::usleep(us) } < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(0)
}

/// The pollfd for a raw-fd item: only in/out/pri are asked for.
fn to_pollfd(item: &zmq_pollitem_t) -> libc::pollfd {
    let mut events = 0;
    for (zmq, sys) in [
        (ZMQ_POLLIN, libc::POLLIN),
        (ZMQ_POLLOUT, libc::POLLOUT),
        (ZMQ_POLLPRI, libc::POLLPRI),
    ] {
        if c_int::from(item.events) & zmq != 0 {
            events |= sys;
        }
    }
    libc::pollfd {
        fd: item.fd,
        events,
        revents: 0,
    }
}

/// The `ZMQ_POLL*` bits for poll(2)'s `revents`: anything beyond in/out/pri is an error.
fn from_revents(revents: c_short) -> c_short {
    let mut out = 0;
    for (sys, zmq) in [
        (libc::POLLIN, ZMQ_POLLIN),
        (libc::POLLOUT, ZMQ_POLLOUT),
        (libc::POLLPRI, ZMQ_POLLPRI),
    ] {
        if revents & sys != 0 {
            out |= zmq;
        }
    }
    if revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
        out |= ZMQ_POLLERR;
    }
    // Every ZMQ_POLL* bit fits a short.
    out as c_short
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::errno;

    fn item(fd: c_int, events: c_int) -> zmq_pollitem_t {
        zmq_pollitem_t {
            socket: std::ptr::null_mut(),
            fd,
            events: events as c_short,
            revents: 77,
        }
    }

    #[test]
    fn raw_fds_as_libzmq() {
        let mut p = [0; 2];
        // SAFETY: a two-int array for pipe; items are local arrays of the given length.
        unsafe {
            assert_eq!(libc::pipe(p.as_mut_ptr()), 0);
            let mut items = [item(p[0], ZMQ_POLLIN), item(p[1], ZMQ_POLLOUT | ZMQ_POLLIN)];
            assert_eq!(zmq_poll(items.as_mut_ptr(), 2, 0), 1);
            assert_eq!((items[0].revents, items[1].revents), (0, 2));
            let start = Instant::now();
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, 30), 0);
            assert!(start.elapsed() >= Duration::from_millis(30));
            assert_eq!(libc::write(p[1], b"x".as_ptr().cast(), 1), 1);
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, -1), 1);
            assert_eq!(items[0].revents, 1);
            libc::close(p[1]);
            let mut one = [0u8];
            assert_eq!(libc::read(p[0], one.as_mut_ptr().cast(), 1), 1);
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, 0), 1);
            assert_eq!(items[0].revents, ZMQ_POLLERR as c_short);
            libc::close(p[0]);

            assert_eq!(zmq_poll(std::ptr::null_mut(), 1, 0), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(zmq_poll(std::ptr::null_mut(), -1, 0), -1);
            assert_eq!(errno::get_raw(), libc::EINVAL);
            assert_eq!(zmq_poll(std::ptr::null_mut(), 0, 0), 0);
            // Something that is not a socket is refused (libzmq would crash on it).
            let mut s = item(0, ZMQ_POLLIN);
            s.socket = (&mut s as *mut zmq_pollitem_t).cast();
            assert_eq!(zmq_poll(&mut s, 1, 0), -1);
            assert_eq!(errno::get_raw(), libc::ENOTSOCK);
        }
    }

    #[test]
    fn ppoll_times_out() {
        let mut p = [0; 2];
        // SAFETY: a two-int array for pipe; a zeroed sigset_t is a valid empty set.
        unsafe {
            assert_eq!(libc::pipe(p.as_mut_ptr()), 0);
            let mask: libc::sigset_t = std::mem::zeroed();
            let mut items = [item(p[0], ZMQ_POLLIN)];
            let start = Instant::now();
            assert_eq!(zmq_ppoll(items.as_mut_ptr(), 1, 20, &mask), 0);
            assert!(start.elapsed() >= Duration::from_millis(20));
            assert_eq!(items[0].revents, 0);
            libc::close(p[0]);
            libc::close(p[1]);
        }
    }
}
