//! A pollable wake-up flag: the fd behind a socket's mailbox, which `ZMQ_FD` returns.
//!
//! Replaces libzmq's `signaler.cpp`. On Linux it is an eventfd: [`Signaler::send`] makes it
//! readable, [`Signaler::recv`] clears it, [`Signaler::wait`] sleeps until it is readable.
//! Like libzmq's, it says only "something may have changed": readers re-check their state
//! after every wake-up, and a spurious wake-up is harmless.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};
use crate::io::mailbox::Notify;
use crate::io::sys::{EventFd, poll_one};

/// A pollable wake-up flag.
#[derive(Debug)]
pub struct Signaler {
    fd: EventFd,
    /// Set after each [`Signaler::send`], so that [`Signaler::recv`] makes its syscall only
    /// when there may be something to clear: a socket resets its signaller on every call, and
    /// on the hot path nothing was signalled.
    pending: AtomicBool,
}

impl Signaler {
    /// A new signaler, not signalled.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE`/`ENOMEM` when the OS cannot make one.
    pub fn new() -> Result<Signaler> {
        Ok(Signaler {
            fd: EventFd::new()?,
            pending: AtomicBool::new(false),
        })
    }

    /// Makes the fd readable (idempotent until [`Signaler::recv`]).
    pub fn send(&self) {
        // An eventfd write fails only on a broken descriptor; there is nobody to report to,
        // and the reader's next wait times out or re-checks anyway.
        let _ = self.fd.notify();
        // After the write: a `recv` that runs in between leaves the fd readable and the next
        // `recv` clears it, so the fd never stays readable with nothing pending.
        self.pending.store(true, Ordering::Release);
    }

    /// Whether [`Signaler::send`] ran since the last [`Signaler::recv`] or
    /// [`Signaler::clear`]: one load, no syscall.
    pub fn is_signalled(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Clears the flag; returns whether it was set.
    pub fn recv(&self) -> bool {
        if !self.pending.swap(false, Ordering::AcqRel) {
            return false;
        }
        self.fd.drain().unwrap_or(false)
    }

    /// Clears the flag whatever [`Signaler::recv`]'s shortcut believes: for a caller that has
    /// just seen the fd readable.
    pub fn clear(&self) {
        self.pending.store(false, Ordering::Release);
        let _ = self.fd.drain();
    }

    /// Waits until signalled or `timeout_ms` passes (-1: no limit; 0: just check).
    ///
    /// Returns whether it is signalled. Does not clear the flag.
    ///
    /// # Errors
    /// [`Error::Intr`] when a signal interrupts the wait.
    pub fn wait(&self, timeout_ms: i32) -> Result<bool> {
        match poll_one(self.fd.as_raw_fd(), timeout_ms) {
            Ok(ready) => Ok(ready),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(Error::Intr),
            Err(e) => Err(e.into()),
        }
    }
}

impl Notify for Signaler {
    fn notify(&self) {
        self.send();
    }
}

impl AsRawFd for Signaler {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_recv_wait() {
        let s = Signaler::new().unwrap();
        assert!(!s.wait(0).unwrap());
        s.send();
        s.send();
        assert!(s.wait(0).unwrap());
        assert!(s.wait(-1).unwrap());
        assert!(s.recv());
        assert!(!s.recv());
        assert!(!s.wait(10).unwrap());
    }

    #[test]
    fn wakes_a_waiting_thread() {
        let s = std::sync::Arc::new(Signaler::new().unwrap());
        let s2 = s.clone();
        let t = std::thread::spawn(move || s2.wait(5000).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
        s.send();
        assert!(t.join().unwrap());
    }
}
