//! Utilities behind `zmq.h`'s helper functions: the capability table of `zmq_has`, atomic
//! counters, the monotonic clock of stopwatches and timers, and `zmq_sleep`.

#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The names `zmq_has` knows (libzmq's spelling: `WS`/`WSS` are uppercase) and whether this
/// library supports each today. An entry flips to `true` when the feature works end to end.
const CAPABILITIES: &[(&str, bool)] = &[
    ("ipc", true),
    ("pgm", false),
    ("tipc", false),
    ("norm", false),
    ("curve", true),
    ("gssapi", false),
    ("vmci", false),
    ("draft", false),
    ("WS", true),
    ("WSS", false),
];

/// Whether the library has `capability`; unknown names are `false`.
pub fn has(capability: &[u8]) -> bool {
    CAPABILITIES
        .iter()
        .any(|&(name, on)| on && name.as_bytes() == capability)
}

/// A counter as libzmq's `atomic_counter_t`: 32 bits, wrapping, read and written as `int`.
#[derive(Debug, Default)]
pub struct AtomicCounter(AtomicU32);

impl AtomicCounter {
    /// A counter at 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the value.
    pub fn set(&self, value: i32) {
        self.0.store(value as u32, Ordering::SeqCst);
    }

    /// Adds 1; returns the value before.
    pub fn inc(&self) -> i32 {
        self.0.fetch_add(1, Ordering::AcqRel) as i32
    }

    /// Subtracts 1; returns whether the new value is not zero.
    pub fn dec(&self) -> bool {
        self.0.fetch_sub(1, Ordering::AcqRel).wrapping_sub(1) != 0
    }

    /// The value.
    pub fn value(&self) -> i32 {
        self.0.load(Ordering::SeqCst) as i32
    }
}

/// Milliseconds on a monotonic clock that starts with the first call in the process.
pub fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Microseconds elapsed since `start`, as `zmq_stopwatch_*` report them.
pub fn elapsed_us(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Sleeps `seconds`; a negative value returns at once.
pub fn sleep_seconds(seconds: i32) {
    if let Ok(s) = u64::try_from(seconds) {
        std::thread::sleep(Duration::from_secs(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_works_is_claimed() {
        assert!(has(b"ipc"));
        assert!(has(b"curve"));
        assert!(has(b"WS"));
        for name in [
            "pgm", "tipc", "norm", "gssapi", "vmci", "draft", "WSS", "plain",
        ] {
            assert!(!has(name.as_bytes()), "{name}");
        }
        assert!(!has(b"ws"));
        assert!(!has(b""));
    }

    #[test]
    fn counter_wraps_like_libzmq() {
        let c = AtomicCounter::new();
        assert!(c.dec());
        assert_eq!(c.value(), -1);
        assert_eq!(c.inc(), -1);
        assert_eq!(c.value(), 0);
        c.set(2);
        assert!(c.dec());
        assert!(!c.dec());
        c.set(i32::MAX);
        assert_eq!(c.inc(), i32::MAX);
        assert_eq!(c.value(), i32::MIN);
    }

    #[test]
    fn clock_is_monotonic() {
        let a = now_ms();
        let start = Instant::now();
        sleep_seconds(-1);
        assert!(now_ms() >= a);
        assert!(elapsed_us(start) < 1_000_000);
    }
}
