//! Operating-system specifics, chosen in one place.
//!
//! Every backend provides: [`syscall!`](crate::syscall) (a libc call whose -1 becomes
//! `io::Error`), `EventFd` (a counter fd that polls readable while non-zero; on Linux an
//! eventfd, elsewhere a pipe pair would do) and `poll_one` (wait for one fd to become
//! readable, with a timeout in milliseconds, -1 for none).
//! Only Unix is built today; a Windows backend would sit beside `unix.rs`.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

/// Calls a libc function, turning a -1 result into the thread's `io::Error`.
#[macro_export]
#[doc(hidden)]
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // SAFETY: the caller passes arguments that satisfy the libc function's contract;
        // each call site says why.
        #[allow(unused_unsafe)]
        let res = unsafe { libc::$fn($($arg),*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}
