//! The single-item queue of a conflating pipe (`ZMQ_CONFLATE`).
//!
//! Replaces libzmq's `dbuffer.hpp` and `ypipe_conflate.hpp`. The queue holds at most one
//! item: each write replaces what the reader has not taken yet, so the reader only ever sees
//! the newest item. As in libzmq:
//!
//! - A write is visible at once; there is no notion of an incomplete message. A multipart
//!   message is therefore not kept whole: each part replaces the one before it, and a reader
//!   normally sees only the last part.
//! - Nothing can be rolled back (libzmq's `unwrite` fails).
//! - [`flush`](ConflateWriter::flush) only says whether the reader went to sleep on an empty
//!   queue and must be woken.
//!
//! A mutex guards the slot (libzmq's dbuffer uses one too); the reader-asleep flag lives under
//! the same lock, so a write cannot slip between the reader's "empty" and its going to sleep.
#![forbid(unsafe_code)]

use std::sync::Arc;

use parking_lot::Mutex;

use super::ypipe::Take;

/// A new empty conflating queue.
pub fn channel<T: Send>() -> (ConflateWriter<T>, ConflateReader<T>) {
    let shared = Arc::new(Mutex::new(Slot {
        item: None,
        reader_asleep: false,
    }));
    (
        ConflateWriter {
            shared: shared.clone(),
        },
        ConflateReader { shared },
    )
}

/// What both halves share.
struct Slot<T> {
    /// The newest item not read yet.
    item: Option<T>,
    /// The reader found the queue empty and waits to be woken.
    reader_asleep: bool,
}

/// The writing half.
pub struct ConflateWriter<T> {
    shared: Arc<Mutex<Slot<T>>>,
}

/// The reading half.
pub struct ConflateReader<T> {
    shared: Arc<Mutex<Slot<T>>>,
}

impl<T: Send> ConflateWriter<T> {
    /// Stores `item` in place of the unread one, which is dropped. Visible to the reader at
    /// once.
    pub fn write(&mut self, item: T) {
        let old = self.shared.lock().item.replace(item);
        // Dropped outside the lock: a message's drop may do real work.
        drop(old);
    }

    /// Returns `false` if the reader went to sleep on an empty queue and an item is there
    /// now: the caller must wake it. Clears the sleep flag, so a burst wakes it once.
    pub fn flush(&mut self) -> bool {
        let mut slot = self.shared.lock();
        if slot.reader_asleep && slot.item.is_some() {
            slot.reader_asleep = false;
            return false;
        }
        true
    }
}

impl<T: Send> ConflateReader<T> {
    /// Whether an item can be read now. When there is none, the reader is marked asleep.
    pub fn check_read(&mut self) -> bool {
        let mut slot = self.shared.lock();
        let ready = slot.item.is_some();
        slot.reader_asleep = !ready;
        ready
    }

    /// Takes the item, if there is one (marking the reader asleep if not).
    pub fn read(&mut self) -> Option<T> {
        match self.read_unless(|_| false) {
            Take::Item(item) => Some(item),
            Take::Stopped | Take::Empty => None,
        }
    }

    /// Takes the item unless `stop` says to leave it (marking the reader asleep if there is
    /// none).
    pub fn read_unless(&mut self, stop: impl FnOnce(&T) -> bool) -> Take<T> {
        let mut slot = self.shared.lock();
        if slot.item.as_ref().is_some_and(stop) {
            return Take::Stopped;
        }
        let item = slot.item.take();
        slot.reader_asleep = item.is_none();
        match item {
            Some(item) => Take::Item(item),
            None => Take::Empty,
        }
    }

    /// Applies `f` to the item without taking it, if there is one (marking the reader
    /// asleep if not). The writer may replace the item before the next [`read`](Self::read).
    pub fn probe<R>(&mut self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let mut slot = self.shared.lock();
        match &slot.item {
            Some(item) => Some(f(item)),
            None => {
                slot.reader_asleep = true;
                None
            }
        }
    }
}

impl<T> std::fmt::Debug for ConflateWriter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflateWriter").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for ConflateReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflateReader").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// Counts live instances, to prove each replaced item is dropped.
    struct Tracked(u64, Arc<AtomicUsize>);

    impl Tracked {
        fn new(v: u64, live: &Arc<AtomicUsize>) -> Tracked {
            live.fetch_add(1, Ordering::SeqCst);
            Tracked(v, live.clone())
        }
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.1.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn keeps_only_the_newest_item() {
        let live = Arc::new(AtomicUsize::new(0));
        let (mut w, mut r) = channel();
        for v in 0..20 {
            w.write(Tracked::new(v, &live));
        }
        assert_eq!(live.load(Ordering::SeqCst), 1, "replaced items are dropped");
        assert_eq!(r.probe(|t| t.0), Some(19));
        assert_eq!(r.read().map(|t| t.0), Some(19));
        assert!(r.read().is_none());
        assert_eq!(live.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn read_unless_leaves_a_stopped_item_and_sleeps_when_empty() {
        let (mut w, mut r) = channel::<u32>();
        w.write(7);
        assert_eq!(r.read_unless(|&v| v == 7), Take::Stopped);
        assert_eq!(r.read_unless(|&v| v == 8), Take::Item(7));
        assert_eq!(r.read_unless(|_| false), Take::Empty);
        w.write(9);
        assert!(!w.flush(), "the empty read put the reader to sleep");
    }

    #[test]
    fn flush_wakes_a_sleeping_reader_once() {
        let (mut w, mut r) = channel::<u32>();
        // A new reader counts as awake until it finds the queue empty.
        w.write(1);
        assert!(w.flush());
        assert!(r.check_read());
        assert_eq!(r.read(), Some(1));
        assert!(!r.check_read());
        // Nothing written: no wake-up needed.
        assert!(w.flush());
        w.write(2);
        w.write(3);
        assert!(!w.flush());
        assert!(w.flush(), "the reader was woken already");
        assert_eq!(r.read(), Some(3));
        // Reading the last item and then finding the queue empty puts it to sleep again.
        assert_eq!(r.probe(|v| *v), None);
        w.write(4);
        assert!(!w.flush());
    }

    #[test]
    fn dropping_the_halves_drops_the_item() {
        let live = Arc::new(AtomicUsize::new(0));
        let (mut w, r) = channel();
        w.write(Tracked::new(1, &live));
        drop(w);
        assert_eq!(live.load(Ordering::SeqCst), 1);
        drop(r);
        assert_eq!(live.load(Ordering::SeqCst), 0);
    }

    /// A writer thread writes increasing numbers and wakes the reader when its flush says so;
    /// the reader parks whenever the queue is empty. The reader must see strictly increasing
    /// values ending with the last one, never park forever (a lost wake-up), and nothing may
    /// leak.
    #[test]
    fn stress_two_threads() {
        const ITEMS: u64 = 300_000;
        let live = Arc::new(AtomicUsize::new(0));
        let (mut w, mut r) = channel::<Tracked>();
        let reader = std::thread::spawn(move || {
            let mut last = None;
            let mut seen = 0u64;
            while last != Some(ITEMS - 1) {
                match r.read() {
                    Some(t) => {
                        assert!(last.is_none_or(|l| t.0 > l), "values went backwards");
                        last = Some(t.0);
                        seen += 1;
                    }
                    None => {
                        let start = Instant::now();
                        std::thread::park_timeout(Duration::from_secs(20));
                        assert!(
                            r.check_read() || start.elapsed() < Duration::from_secs(20),
                            "lost wake-up"
                        );
                    }
                }
            }
            assert!(r.read().is_none());
            seen
        });
        let mut wakeups = 0u64;
        for v in 0..ITEMS {
            w.write(Tracked::new(v, &live));
            if !w.flush() {
                wakeups += 1;
                reader.thread().unpark();
            }
        }
        let seen = reader.join().expect("reader thread");
        assert!(seen <= ITEMS);
        assert!(wakeups <= seen, "at most one wake-up per item read");
        drop(w);
        assert_eq!(live.load(Ordering::SeqCst), 0, "items leaked");
    }
}
