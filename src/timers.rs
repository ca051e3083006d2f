//! Timer sets for `zmq_timers_*` (libzmq `timers.cpp`): repeating timers with ids, polled by
//! the application through `timeout` and `execute`.
//!
//! Times are milliseconds on a caller-given monotonic clock, so the set is deterministic and
//! testable. As in libzmq, cancelling only marks a timer; the entry is dropped when `timeout`
//! or `execute` reaches it, and until then `set_interval`/`reset` still find it (and succeed,
//! leaving it cancelled).

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use parking_lot::Mutex;

use crate::error::{Error, Result};

/// One timer: its id, its period, and what to run.
#[derive(Debug, Clone, Copy)]
struct Timer<H> {
    id: i32,
    interval: u64,
    handler: H,
}

/// Key of a scheduled timer: due time, then insertion order (libzmq's multimap keeps equal
/// due times in insertion order).
type Key = (u64, u64);

/// A set of timers, generic over the handler the caller stores with each one.
#[derive(Debug)]
pub struct Timers<H> {
    entries: BTreeMap<Key, Timer<H>>,
    cancelled: HashSet<i32>,
    next_id: i32,
    next_seq: u64,
}

impl<H: Copy> Default for Timers<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Copy> Timers<H> {
    /// An empty set; the first timer gets id 1.
    pub fn new() -> Self {
        Timers {
            entries: BTreeMap::new(),
            cancelled: HashSet::new(),
            next_id: 0,
            next_seq: 0,
        }
    }

    fn insert(&mut self, due: u64, timer: Timer<H>) {
        self.entries.insert((due, self.next_seq), timer);
        self.next_seq += 1;
    }

    fn find(&self, id: i32) -> Option<Key> {
        self.entries
            .iter()
            .find(|(_, t)| t.id == id)
            .map(|(k, _)| *k)
    }

    /// Adds a timer that fires every `interval` ms from `now`; returns its id (1, 2, ...).
    pub fn add(&mut self, now: u64, interval: u64, handler: H) -> i32 {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        self.insert(
            now.saturating_add(interval),
            Timer {
                id,
                interval,
                handler,
            },
        );
        id
    }

    /// Cancels timer `id`.
    ///
    /// # Errors
    /// `Inval` if there is no such timer or it is already cancelled.
    pub fn cancel(&mut self, id: i32) -> Result<()> {
        if self.find(id).is_none() || !self.cancelled.insert(id) {
            return Err(Error::Inval);
        }
        Ok(())
    }

    /// Gives timer `id` a new interval and reschedules it `interval` ms from `now`.
    ///
    /// # Errors
    /// `Inval` if there is no such timer.
    pub fn set_interval(&mut self, now: u64, id: i32, interval: u64) -> Result<()> {
        let key = self.find(id).ok_or(Error::Inval)?;
        let mut timer = self.entries.remove(&key).ok_or(Error::Inval)?;
        timer.interval = interval;
        self.insert(now.saturating_add(interval), timer);
        Ok(())
    }

    /// Reschedules timer `id` one interval from `now`.
    ///
    /// # Errors
    /// `Inval` if there is no such timer.
    pub fn reset(&mut self, now: u64, id: i32) -> Result<()> {
        let key = self.find(id).ok_or(Error::Inval)?;
        let timer = self.entries.remove(&key).ok_or(Error::Inval)?;
        self.insert(now.saturating_add(timer.interval), timer);
        Ok(())
    }

    /// Milliseconds until the next live timer is due (0 if overdue), `None` if there is none.
    /// Drops the cancelled timers in front of it.
    pub fn timeout(&mut self, now: u64) -> Option<u64> {
        while let Some((&key, timer)) = self.entries.iter().next() {
            if self.cancelled.remove(&timer.id) {
                self.entries.remove(&key);
                continue;
            }
            return Some(key.0.saturating_sub(now));
        }
        None
    }

    /// Runs every timer due at `now` through `run`, in due order, and reschedules each one
    /// interval after `now`. The lock is not held while `run` runs, so a handler may use the
    /// set (add, cancel, ...).
    ///
    /// Each timer runs at most once per call: libzmq loops forever here on a timer with
    /// interval 0 (it is due again at once); we run it again on the next call instead.
    pub fn execute(cell: &Mutex<Self>, now: u64, mut run: impl FnMut(i32, H)) {
        let limit = cell.lock().next_seq;
        let mut after = None;
        loop {
            let next = cell.lock().next_due(now, limit, &mut after);
            match next {
                Some((id, handler)) => run(id, handler),
                None => break,
            }
        }
    }

    /// The next timer of this `execute` round that is due, rescheduled; entries inserted
    /// since the round began (sequence `>= limit`) wait for the next round.
    fn next_due(&mut self, now: u64, limit: u64, after: &mut Option<Key>) -> Option<(i32, H)> {
        loop {
            let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
            let (&key, timer) = self.entries.range((lower, Bound::Unbounded)).next()?;
            *after = Some(key);
            if key.1 >= limit {
                continue;
            }
            if self.cancelled.remove(&timer.id) {
                self.entries.remove(&key);
                continue;
            }
            if key.0 > now {
                return None;
            }
            let timer = self.entries.remove(&key)?;
            self.insert(now.saturating_add(timer.interval), timer);
            return Some((timer.id, timer.handler));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &Mutex<Timers<u8>>, now: u64) -> Vec<(i32, u8)> {
        let mut fired = Vec::new();
        Timers::execute(t, now, |id, h| fired.push((id, h)));
        fired
    }

    #[test]
    fn ids_start_at_one_and_timeout_tracks_the_earliest() {
        let mut t = Timers::new();
        assert_eq!(t.timeout(0), None);
        assert_eq!(t.add(0, 50, 0u8), 1);
        assert_eq!(t.add(0, 100, 0u8), 2);
        assert_eq!(t.timeout(10), Some(40));
        assert_eq!(t.timeout(70), Some(0));
    }

    #[test]
    fn cancel_marks_and_reports_unknown_or_repeated() {
        let mut t = Timers::new();
        let a = t.add(0, 50, 0u8);
        let b = t.add(0, 100, 0u8);
        assert_eq!(t.cancel(99), Err(Error::Inval));
        assert_eq!(t.cancel(a), Ok(()));
        assert_eq!(t.cancel(a), Err(Error::Inval));
        // Still present until timeout/execute passes it, as in libzmq.
        assert_eq!(t.set_interval(0, a, 5), Ok(()));
        assert_eq!(t.reset(0, a), Ok(()));
        assert_eq!(t.timeout(0), Some(100));
        assert_eq!(t.set_interval(0, a, 5), Err(Error::Inval));
        assert_eq!(t.reset(0, a), Err(Error::Inval));
        assert_eq!(t.cancel(a), Err(Error::Inval));
        assert_eq!(t.reset(0, b), Ok(()));
    }

    #[test]
    fn execute_runs_due_timers_in_order_and_reschedules() {
        let t = Mutex::new(Timers::new());
        let a = t.lock().add(0, 30, 1u8);
        let b = t.lock().add(0, 10, 2u8);
        assert_eq!(run(&t, 5), vec![]);
        assert_eq!(run(&t, 10), vec![(b, 2)]);
        assert_eq!(t.lock().timeout(10), Some(10));
        assert_eq!(run(&t, 30), vec![(b, 2), (a, 1)]);
        assert_eq!(t.lock().timeout(30), Some(10));
        t.lock().set_interval(30, a, 5).unwrap();
        assert_eq!(run(&t, 35), vec![(a, 1)]);
    }

    #[test]
    fn zero_interval_runs_once_per_execute() {
        let t = Mutex::new(Timers::new());
        let a = t.lock().add(0, 0, 0u8);
        assert_eq!(t.lock().timeout(0), Some(0));
        assert_eq!(run(&t, 0), vec![(a, 0)]);
        assert_eq!(run(&t, 0), vec![(a, 0)]);
    }

    #[test]
    fn handler_may_use_the_set() {
        let t = Mutex::new(Timers::new());
        let a = t.lock().add(0, 10, 0u8);
        let mut fired = Vec::new();
        Timers::execute(&t, 10, |id, _| {
            fired.push(id);
            t.lock().cancel(id).unwrap();
            t.lock().add(10, 0, 1);
        });
        assert_eq!(fired, vec![a]);
        assert_eq!(t.lock().cancel(a), Err(Error::Inval));
        assert_eq!(run(&t, 20), vec![(2, 1)]);
        assert_eq!(t.lock().timeout(20), Some(0));
    }

    #[test]
    fn huge_interval_never_fires() {
        let t = Mutex::new(Timers::new());
        t.lock().add(5, u64::MAX, 0u8);
        assert_eq!(run(&t, 1000), vec![]);
        assert_eq!(t.lock().timeout(1000), Some(u64::MAX - 1000));
    }
}
