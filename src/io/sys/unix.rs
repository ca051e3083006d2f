//! The Unix (Linux) backend: eventfd and poll.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::syscall;

/// A counter fd: readable while its count is non-zero.
#[derive(Debug)]
pub struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    /// A new, non-blocking, close-on-exec eventfd with count 0.
    pub fn new() -> io::Result<EventFd> {
        let fd = syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))?;
        // SAFETY: eventfd returned a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(EventFd { fd })
    }

    /// Adds one to the count, making the fd readable.
    pub fn notify(&self) -> io::Result<()> {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live u64 to our own fd.
            let r = syscall!(write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8));
            match r {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // The count is saturated: the fd is readable anyway.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Resets the count to zero; returns whether it was non-zero.
    pub fn drain(&self) -> io::Result<bool> {
        let mut count: u64 = 0;
        loop {
            // SAFETY: reads 8 bytes into a live u64 from our own fd.
            let r = syscall!(read(
                self.fd.as_raw_fd(),
                (&mut count as *mut u64).cast(),
                8
            ));
            match r {
                Ok(_) => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) => return Err(e),
            }
        }
    }
}

impl AsRawFd for EventFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Waits until `fd` is readable or `timeout_ms` passes (-1: no limit).
///
/// Returns whether it became readable. `EINTR` is returned as an error, so a blocking
/// call can report it as libzmq does.
pub fn poll_one(fd: RawFd, timeout_ms: i32) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on the stack.
    let n = syscall!(poll(&mut pfd, 1, timeout_ms))?;
    Ok(n > 0)
}

/// Waits until any of `fds` is readable, for at most `timeout_ms` (-1: no limit); returns
/// whether one is.
pub fn poll_readable(fds: &[RawFd], timeout_ms: i32) -> io::Result<bool> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: a live slice of pollfds and its length.
    let n = syscall!(poll(
        pfds.as_mut_ptr(),
        pfds.len() as libc::nfds_t,
        timeout_ms
    ))?;
    Ok(n > 0)
}
