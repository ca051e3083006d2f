//! The lock-free single-producer/single-consumer queue under every pipe.
//!
//! Replaces libzmq's `yqueue.hpp` and `ypipe.hpp`. Items live in chunks of `N` slots linked in
//! a list; the reader hands each chunk it has emptied back to the writer as a spare, so a
//! steady flow allocates nothing.
//!
//! Writes are invisible until [`PipeWriter::flush`]: the writer marks where complete messages
//! end (`write(item, incomplete = false)`), and a flush publishes everything up to the last
//! such mark in one atomic store. So a multipart message becomes visible to the reader all at
//! once, and never in part.
//!
//! One atomic word, `flushed`, is both the publication point and the reader-asleep flag. It
//! holds the number of items flushed so far, or `ASLEEP` after the reader found the queue
//! empty. The reader sets `ASLEEP` with a compare-and-swap that succeeds only if nothing new
//! was published; the writer publishes with a compare-and-swap that fails only if the reader
//! had gone to sleep, and then tells its caller to wake the reader. A burst of messages thus
//! costs at most one wake-up, and no wake-up is ever lost.
//!
//! # Why `unsafe`
//! Slots are written by one thread and read by another without a lock, and chunks move
//! between the two halves by raw pointer. The invariants each `unsafe` block relies on:
//!
//! 1. Writer state is touched only through `&mut PipeWriter`, reader state only through
//!    `&mut PipeReader`, and both only in `Shared`'s `Drop` once the two halves are gone.
//! 2. Slot `k` (counting items from 0) is initialised by the writer before `flushed` is
//!    released past `k`, and read (moved out) by the reader only after it acquired a `flushed`
//!    value above `k`. The writer never touches a flushed slot again; the reader never touches
//!    an unflushed one.
//! 3. A chunk is freed or recycled only by its last user: the reader, after moving past all
//!    its slots; or `Shared`'s `Drop`.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// Items per chunk by default: libzmq's `message_pipe_granularity`.
pub const DEFAULT_CHUNK: usize = 256;

/// What [`PipeReader::read_unless`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Take<T> {
    /// The next item, taken.
    Item(T),
    /// The next item, left in place because the caller said to stop at it.
    Stopped,
    /// Nothing flushed (the reader is marked asleep, as by `check_read`).
    Empty,
}

/// The value of `flushed` while the reader sleeps (it found the queue empty).
const ASLEEP: u64 = u64::MAX;

/// A new empty queue with chunks of [`DEFAULT_CHUNK`] items.
pub fn channel<T: Send>() -> (PipeWriter<T>, PipeReader<T>) {
    channel_with_chunk::<T, DEFAULT_CHUNK>()
}

/// A new empty queue with chunks of `N` items (`N` ≥ 1).
pub fn channel_with_chunk<T: Send, const N: usize>() -> (PipeWriter<T, N>, PipeReader<T, N>) {
    const { assert!(N > 0, "a chunk holds at least one item") };
    let first = Chunk::<T, N>::alloc();
    let shared = Arc::new(Shared {
        flushed: AtomicU64::new(0),
        spare: AtomicPtr::new(ptr::null_mut()),
        writer: Line(UnsafeCell::new(WriterState {
            back: first,
            back_idx: 0,
            written: 0,
            complete: Mark {
                chunk: first,
                idx: 0,
                count: 0,
            },
            published: 0,
        })),
        reader: Line(UnsafeCell::new(ReaderState {
            front: first,
            front_idx: 0,
            read: 0,
            limit: 0,
        })),
    });
    (
        PipeWriter {
            shared: shared.clone(),
        },
        PipeReader { shared },
    )
}

/// The writing half: one thread writes, then flushes.
pub struct PipeWriter<T: Send, const N: usize = DEFAULT_CHUNK> {
    shared: Arc<Shared<T, N>>,
}

/// The reading half.
pub struct PipeReader<T: Send, const N: usize = DEFAULT_CHUNK> {
    shared: Arc<Shared<T, N>>,
}

impl<T: Send, const N: usize> PipeWriter<T, N> {
    /// Appends an item, invisible to the reader until the next [`flush`](Self::flush).
    ///
    /// `incomplete` says more parts of the same message follow: a flush publishes only up to
    /// the last item written with `incomplete == false`.
    pub fn write(&mut self, item: T, incomplete: bool) {
        let (shared, w) = self.state();
        if w.back_idx == N {
            // SAFETY: `back` is a live chunk (invariant 3: the reader frees a chunk only
            // after moving past all its slots, and the last of them is unflushed or was
            // written just now, so the reader is not past it). Only the writer stores `next`.
            let next = unsafe { (*w.back).next.load(Ordering::Relaxed) };
            let next = if next.is_null() {
                let fresh = take_spare_or_alloc(&shared.spare);
                // SAFETY: as above, `back` is live; the release store pairs with the
                // reader's acquire load when it leaves this chunk.
                unsafe { (*w.back).next.store(fresh, Ordering::Release) };
                fresh
            } else {
                // A chunk left linked by a rollback: its slots are all uninitialised.
                next
            };
            w.back = next;
            w.back_idx = 0;
        }
        // SAFETY: slot `written` is unflushed, so the reader does not touch it (invariant 2),
        // and it is uninitialised (never written, or moved out / dropped by a rollback).
        unsafe { (*(*w.back).slots[w.back_idx].get()).write(item) };
        w.back_idx += 1;
        w.written += 1;
        if !incomplete {
            w.complete = Mark {
                chunk: w.back,
                idx: w.back_idx,
                count: w.written,
            };
        }
    }

    /// Drops the items written since the last complete message (a message's first parts when
    /// the rest cannot follow). Returns how many were dropped.
    pub fn rollback(&mut self) -> usize {
        let (_, w) = self.state();
        let dropped = (w.written - w.complete.count) as usize;
        let (mut chunk, mut idx) = (w.complete.chunk, w.complete.idx);
        for _ in 0..dropped {
            if idx == N {
                // SAFETY: `chunk` holds unflushed items or precedes them, so it is live;
                // `next` was linked by this writer when it wrote past the chunk's end.
                chunk = unsafe { (*chunk).next.load(Ordering::Relaxed) };
                idx = 0;
            }
            // SAFETY: the slot holds an unflushed, initialised item (written after the last
            // complete mark); the reader cannot see it, and it is dropped exactly once since
            // `written` moves back below it.
            unsafe { (*(*chunk).slots[idx].get()).assume_init_drop() };
            idx += 1;
        }
        w.back = w.complete.chunk;
        w.back_idx = w.complete.idx;
        w.written = w.complete.count;
        dropped
    }

    /// Publishes every complete message written so far.
    ///
    /// Returns `false` if the reader had gone to sleep (found the queue empty): the caller
    /// must then wake it. Returns `true` if the reader is awake or nothing was published.
    pub fn flush(&mut self) -> bool {
        let (shared, w) = self.state();
        let flushed = &shared.flushed;
        let target = w.complete.count;
        if w.published == target {
            return true;
        }
        let old = w.published;
        w.published = target;
        // Release: the items of slots below `target` happen-before the reader's acquire.
        match flushed.compare_exchange(old, target, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => true,
            Err(asleep) => {
                debug_assert_eq!(
                    asleep, ASLEEP,
                    "only the reader changes `flushed` besides us"
                );
                // The reader sleeps and does not change `flushed` until it sees a new value.
                flushed.store(target, Ordering::Release);
                false
            }
        }
    }

    /// Items written but not yet flushed (parts of an incomplete message included).
    pub fn unflushed(&mut self) -> u64 {
        let (_, w) = self.state();
        w.written - w.published
    }

    /// Whether the reading half has been dropped.
    pub fn is_reader_gone(&self) -> bool {
        Arc::strong_count(&self.shared) == 1
    }

    /// The shared part and this half's own state.
    fn state(&mut self) -> (&Shared<T, N>, &mut WriterState<T, N>) {
        let shared = &*self.shared;
        // SAFETY: invariant 1: only this (unique, non-Clone) half touches writer state, and
        // `&mut self` rules out another access through it.
        (shared, unsafe { &mut *shared.writer.get() })
    }
}

impl<T: Send, const N: usize> PipeReader<T, N> {
    /// Whether an item can be read now. When there is none, the reader is marked asleep:
    /// the writer's next successful publication returns `false` from its flush.
    pub fn check_read(&mut self) -> bool {
        let (shared, r) = self.state();
        let flushed = &shared.flushed;
        if r.read < r.limit {
            return true;
        }
        // A plain load first: while the writer keeps publishing, the reader only needs the
        // line shared, not the exclusive ownership a compare-and-swap takes from the writer.
        let limit = flushed.load(Ordering::Acquire);
        if limit != r.read && limit != ASLEEP {
            r.limit = limit;
            return true;
        }
        // Acquire on failure: the new value publishes the items below it.
        match flushed.compare_exchange(r.read, ASLEEP, Ordering::Acquire, Ordering::Acquire) {
            Ok(_) | Err(ASLEEP) => false,
            Err(limit) => {
                r.limit = limit;
                true
            }
        }
    }

    /// The next item, if one was flushed.
    pub fn read(&mut self) -> Option<T> {
        if !self.check_read() {
            return None;
        }
        let (shared, r) = self.state();
        r.enter_next_chunk_if_at_end(&shared.spare);
        // SAFETY: `read < limit`, so the slot was initialised and published (invariant 2);
        // `read` advances past it right after, so it is moved out exactly once.
        let item = unsafe { (*(*r.front).slots[r.front_idx].get()).assume_init_read() };
        r.front_idx += 1;
        r.read += 1;
        Some(item)
    }

    /// The next item, unless `stop` says to leave it where it is (then it stays next).
    pub fn read_unless(&mut self, stop: impl FnOnce(&T) -> bool) -> Take<T> {
        if !self.check_read() {
            return Take::Empty;
        }
        let (shared, r) = self.state();
        r.enter_next_chunk_if_at_end(&shared.spare);
        let slot = r.front_idx;
        // SAFETY: `read < limit`, so the slot was initialised and published (invariant 2);
        // the shared borrow ends before the item is moved out or `read` advances.
        if stop(unsafe { (*(*r.front).slots[slot].get()).assume_init_ref() }) {
            return Take::Stopped;
        }
        // SAFETY: as above; `read` advances past the slot right after, so it is moved out
        // exactly once.
        let item = unsafe { (*(*r.front).slots[slot].get()).assume_init_read() };
        r.front_idx += 1;
        r.read += 1;
        Take::Item(item)
    }

    /// The next item without taking it, if one was flushed.
    pub fn probe(&mut self) -> Option<&T> {
        if !self.check_read() {
            return None;
        }
        let (shared, r) = self.state();
        r.enter_next_chunk_if_at_end(&shared.spare);
        // SAFETY: as in `read`, the slot is initialised and published; the shared borrow
        // lives no longer than `&mut self`, so the item cannot be moved out meanwhile.
        Some(unsafe { (*(*r.front).slots[r.front_idx].get()).assume_init_ref() })
    }

    /// Whether the writing half has been dropped.
    pub fn is_writer_gone(&self) -> bool {
        Arc::strong_count(&self.shared) == 1
    }

    /// The shared part and this half's own state.
    fn state(&mut self) -> (&Shared<T, N>, &mut ReaderState<T, N>) {
        let shared = &*self.shared;
        // SAFETY: invariant 1: only this (unique, non-Clone) half touches reader state, and
        // `&mut self` rules out another access through it.
        (shared, unsafe { &mut *shared.reader.get() })
    }
}

impl<T: Send, const N: usize> std::fmt::Debug for PipeWriter<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipeWriter").finish_non_exhaustive()
    }
}

impl<T: Send, const N: usize> std::fmt::Debug for PipeReader<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipeReader").finish_non_exhaustive()
    }
}

/// What both halves share. The writer's and the reader's own states sit on cache lines of
/// their own, apart from the atomics they hand over with: otherwise every write would
/// invalidate the line the reader is using, and every read the writer's (128 bytes, as the
/// hardware prefetches lines in pairs).
struct Shared<T, const N: usize> {
    /// Items published so far, or [`ASLEEP`].
    flushed: AtomicU64,
    /// An emptied chunk handed from the reader back to the writer (null if none).
    spare: AtomicPtr<Chunk<T, N>>,
    writer: Line<UnsafeCell<WriterState<T, N>>>,
    reader: Line<UnsafeCell<ReaderState<T, N>>>,
}

/// A value alone on its cache lines.
#[repr(align(128))]
struct Line<V>(V);

impl<V> std::ops::Deref for Line<V> {
    type Target = V;
    fn deref(&self) -> &V {
        &self.0
    }
}

impl<V> std::ops::DerefMut for Line<V> {
    fn deref_mut(&mut self) -> &mut V {
        &mut self.0
    }
}

// SAFETY: the halves reach the shared state from two threads. Items move from one thread to
// the other (hence `T: Send`) and are never shared (`T: Sync` is not needed: `probe` lends
// an item to the reading thread only). Writer and reader state are each touched by one half
// only (invariant 1); slots and chunks are handed over through the atomics (invariants 2, 3).
unsafe impl<T: Send, const N: usize> Send for Shared<T, N> {}
// SAFETY: see the `Send` impl; every access through `&Shared` is atomic or covered by
// invariant 1.
unsafe impl<T: Send, const N: usize> Sync for Shared<T, N> {}

impl<T, const N: usize> Drop for Shared<T, N> {
    fn drop(&mut self) {
        // Both halves are gone (this is the last `Arc`), and `Arc`'s drop orders their last
        // writes before this point.
        let r = self.reader.get_mut();
        let w = self.writer.get_mut();
        let (mut chunk, mut idx) = (r.front, r.front_idx);
        for _ in r.read..w.written {
            if idx == N {
                // SAFETY: chunks from `front` on are live and linked (invariant 3).
                chunk = unsafe { (*chunk).next.load(Ordering::Relaxed) };
                idx = 0;
            }
            // SAFETY: slots from the reader's position to the writer's are initialised
            // (flushed or not) and owned by nobody else now; each is dropped once.
            unsafe { (*(*chunk).slots[idx].get()).assume_init_drop() };
            idx += 1;
        }
        let mut chunk = r.front;
        while !chunk.is_null() {
            // SAFETY: each chunk from `front` on was made by `Chunk::alloc`, is reachable
            // once along `next`, and its items were dropped above.
            let next = unsafe { (*chunk).next.load(Ordering::Relaxed) };
            // SAFETY: as above.
            drop(unsafe { Box::from_raw(chunk) });
            chunk = next;
        }
        let spare = *self.spare.get_mut();
        if !spare.is_null() {
            // SAFETY: the spare chunk is unlinked (the reader left it) and empty.
            drop(unsafe { Box::from_raw(spare) });
        }
    }
}

/// A block of `N` slots and the link to the next block.
struct Chunk<T, const N: usize> {
    slots: [UnsafeCell<MaybeUninit<T>>; N],
    next: AtomicPtr<Chunk<T, N>>,
}

impl<T, const N: usize> Chunk<T, N> {
    fn alloc() -> *mut Chunk<T, N> {
        Box::into_raw(Box::new(Chunk {
            slots: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

/// The spare chunk if the reader left one, else a new one; unlinked either way.
fn take_spare_or_alloc<T, const N: usize>(spare: &AtomicPtr<Chunk<T, N>>) -> *mut Chunk<T, N> {
    // Acquire: the reader's moves out of the chunk's slots happen before we reuse them.
    let chunk = spare.swap(ptr::null_mut(), Ordering::Acquire);
    if chunk.is_null() {
        return Chunk::alloc();
    }
    // SAFETY: the reader gave the chunk up (invariant 3), so we own it alone.
    unsafe { (*chunk).next.store(ptr::null_mut(), Ordering::Relaxed) };
    chunk
}

/// A position in the queue: where the items up to `count` end.
struct Mark<T, const N: usize> {
    chunk: *mut Chunk<T, N>,
    idx: usize,
    count: u64,
}

struct WriterState<T, const N: usize> {
    /// The chunk being filled and the next free slot in it (`N` = full).
    back: *mut Chunk<T, N>,
    back_idx: usize,
    /// Items written so far.
    written: u64,
    /// The end of the last complete message.
    complete: Mark<T, N>,
    /// Items published by the last flush.
    published: u64,
}

struct ReaderState<T, const N: usize> {
    /// The chunk being read and the next slot in it (`N` = all read).
    front: *mut Chunk<T, N>,
    front_idx: usize,
    /// Items read so far.
    read: u64,
    /// Items known to be published (`read..limit` can be read without an atomic).
    limit: u64,
}

impl<T, const N: usize> ReaderState<T, N> {
    /// Steps to the next chunk when the current one is used up, recycling it. Call only
    /// when an item is known to be readable (`read < limit`).
    fn enter_next_chunk_if_at_end(&mut self, spare: &AtomicPtr<Chunk<T, N>>) {
        if self.front_idx < N {
            return;
        }
        // SAFETY: the readable item lies in a later chunk, which the writer linked (release)
        // before publishing it; `front` is live until we recycle it just below.
        let next = unsafe { (*self.front).next.load(Ordering::Acquire) };
        // Release: our reads of the old chunk's slots happen before the writer reuses it.
        let old = spare.swap(self.front, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: the previous spare was never taken by the writer, so nobody else holds
            // it; its slots are empty.
            drop(unsafe { Box::from_raw(old) });
        }
        self.front = next;
        self.front_idx = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    /// Counts live instances, to prove each item is dropped exactly once.
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
    fn writes_are_invisible_until_flush() {
        let (mut w, mut r) = channel_with_chunk::<u32, 2>();
        w.write(1, false);
        w.write(2, false);
        assert!(!r.check_read());
        assert_eq!(r.read(), None);
        // The reader went to sleep: the flush says so.
        assert!(!w.flush());
        assert_eq!(r.read(), Some(1));
        w.write(3, false);
        // The reader is awake (it has not found the queue empty since): no wake-up.
        assert!(w.flush());
        assert_eq!(r.read(), Some(2));
        assert_eq!(r.read(), Some(3));
        assert_eq!(r.read(), None);
        // Flushing nothing new does not count as a publication.
        assert!(w.flush());
        w.write(4, false);
        assert!(!w.flush());
        assert_eq!(r.probe(), Some(&4));
        assert_eq!(r.read(), Some(4));
    }

    #[test]
    fn first_flush_into_a_never_checked_reader_needs_no_wakeup() {
        // As in libzmq: a new pipe's reader counts as awake until it finds the pipe empty.
        let (mut w, mut r) = channel::<u8>();
        w.write(7, false);
        assert!(w.flush());
        assert_eq!(r.read(), Some(7));
    }

    #[test]
    fn read_unless_leaves_a_stopped_item_in_place() {
        let (mut w, mut r) = channel_with_chunk::<u32, 2>();
        for v in [1, 2, 3] {
            w.write(v, false);
        }
        w.flush();
        assert_eq!(r.read_unless(|&v| v == 2), Take::Item(1));
        assert_eq!(r.read_unless(|&v| v == 2), Take::Stopped);
        assert_eq!(r.read_unless(|&v| v == 2), Take::Stopped);
        assert_eq!(r.read(), Some(2));
        // Across the chunk boundary.
        assert_eq!(r.read_unless(|_| false), Take::Item(3));
        assert_eq!(r.read_unless(|_| false), Take::Empty);
        w.write(4, false);
        assert!(!w.flush(), "the empty read put the reader to sleep");
    }

    #[test]
    fn incomplete_message_stays_invisible_until_its_last_part() {
        let (mut w, mut r) = channel_with_chunk::<u32, 3>();
        w.write(10, true);
        w.write(11, true);
        w.flush();
        assert!(!r.check_read());
        w.write(12, false);
        w.write(13, true);
        assert!(!w.flush());
        assert_eq!(r.read(), Some(10));
        assert_eq!(r.read(), Some(11));
        assert_eq!(r.read(), Some(12));
        assert_eq!(r.read(), None);
        w.write(14, false);
        w.flush();
        assert_eq!(r.read(), Some(13));
        assert_eq!(r.read(), Some(14));
    }

    #[test]
    fn rollback_drops_only_the_incomplete_tail_across_chunks() {
        let live = Arc::new(AtomicUsize::new(0));
        let (mut w, mut r) = channel_with_chunk::<Tracked, 2>();
        w.write(Tracked::new(1, &live), false);
        for v in 2..7 {
            w.write(Tracked::new(v, &live), true);
        }
        assert_eq!(w.unflushed(), 6);
        assert_eq!(w.rollback(), 5);
        assert_eq!(live.load(Ordering::SeqCst), 1);
        assert_eq!(w.rollback(), 0);
        // The chunks linked past the mark are reused.
        for v in 7..12 {
            w.write(Tracked::new(v, &live), v != 11);
        }
        w.flush();
        let got: Vec<u64> = std::iter::from_fn(|| r.read().map(|t| t.0)).collect();
        assert_eq!(got, vec![1, 7, 8, 9, 10, 11]);
        assert_eq!(live.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn dropping_either_half_drops_remaining_items_once() {
        for reader_first in [false, true] {
            let live = Arc::new(AtomicUsize::new(0));
            let (mut w, mut r) = channel_with_chunk::<Tracked, 3>();
            for v in 0..10 {
                w.write(Tracked::new(v, &live), false);
            }
            w.flush();
            for v in 10..14 {
                w.write(Tracked::new(v, &live), true);
            }
            for _ in 0..4 {
                assert!(r.read().is_some());
            }
            assert_eq!(live.load(Ordering::SeqCst), 10);
            if reader_first {
                drop(r);
                assert!(w.is_reader_gone());
                w.write(Tracked::new(99, &live), false);
                drop(w);
            } else {
                drop(w);
                assert!(r.is_writer_gone());
                assert!(r.read().is_some());
                drop(r);
            }
            assert_eq!(live.load(Ordering::SeqCst), 0);
        }
    }

    #[test]
    fn spare_chunk_is_recycled() {
        let (mut w, mut r) = channel_with_chunk::<u64, 4>();
        for round in 0..100u64 {
            for i in 0..10 {
                w.write(round * 10 + i, false);
            }
            w.flush();
            for i in 0..10 {
                assert_eq!(r.read(), Some(round * 10 + i));
            }
        }
        assert!(!r.check_read());
    }

    #[test]
    fn zero_sized_items() {
        let (mut w, mut r) = channel_with_chunk::<(), 2>();
        for _ in 0..5 {
            w.write((), false);
        }
        w.flush();
        assert_eq!(std::iter::from_fn(|| r.read()).count(), 5);
    }

    /// Runs a writer and a reader thread over `messages` messages of 1 to 3 parts, each
    /// flushed on its own; the reader parks when the queue is empty and the writer unparks it
    /// only when its flush says so. Returns the number of wake-ups.
    fn stress<const N: usize>(messages: u64) -> u64 {
        let live = Arc::new(AtomicUsize::new(0));
        let (mut w, mut r) = channel_with_chunk::<Tracked, N>();
        let reader = std::thread::spawn({
            move || {
                let mut next = 0u64;
                let mut parts = 0u64;
                while next < messages {
                    match r.read() {
                        Some(t) => {
                            // Items come as (message << 2 | part), parts in order.
                            let (msg, part) = (t.0 >> 2, t.0 & 3);
                            assert_eq!((msg, part), (next, parts), "order broken");
                            if part + 1 == msg % 3 + 1 {
                                next += 1;
                                parts = 0;
                            } else {
                                parts += 1;
                            }
                        }
                        None => {
                            // A lost wake-up would park forever: bound it.
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
            }
        });
        let mut wakeups = 0;
        for msg in 0..messages {
            let nparts = msg % 3 + 1;
            for part in 0..nparts {
                w.write(Tracked::new(msg << 2 | part, &live), part + 1 < nparts);
            }
            if !w.flush() {
                wakeups += 1;
                reader.thread().unpark();
            }
        }
        reader.join().expect("reader thread");
        drop(w);
        assert_eq!(
            live.load(Ordering::SeqCst),
            0,
            "items leaked or double-dropped"
        );
        wakeups
    }

    #[test]
    fn stress_two_threads_keeps_order_and_wakes_rarely() {
        let messages = if cfg!(debug_assertions) {
            1_000_000
        } else {
            4_000_000
        };
        let wakeups = stress::<DEFAULT_CHUNK>(messages);
        assert!(
            wakeups < messages / 4,
            "{wakeups} wake-ups for {messages} messages"
        );
    }

    #[test]
    fn stress_tiny_chunks() {
        // Chunks of one and two items exercise chunk hand-over and the spare on every item.
        stress::<1>(200_000);
        stress::<2>(200_000);
    }
}
