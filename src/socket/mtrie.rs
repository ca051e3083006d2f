//! The XPUB multi-trie: for each subscribed prefix, the set of pipes that want it.
//!
//! Replaces libzmq's `mtrie.hpp`/`generic_mtrie_impl.hpp`. XPUB (and PUB, which wraps it)
//! matches each outgoing message against it to pick the subscriber pipes (RFC 29/PUBSUB:
//! matching happens at the publisher). As in libzmq a pipe is in a prefix's set or not:
//! unlike [`Trie`](super::trie::Trie), a pipe subscribing twice to a prefix is not counted
//! twice (the subscriber side does the counting and cancels only when its count hits zero).
//!
//! Pipes are named by an id of the caller's choosing (`P`), so the trie holds no pipe.

#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::hash::Hash;

use super::trie::{Radix, Value};

/// What [`Mtrie::remove`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removed {
    /// The pipe was not subscribed to the prefix.
    NotFound,
    /// The pipe was the prefix's last subscriber; nobody wants the prefix now.
    LastRemoved,
    /// Other pipes are still subscribed to the prefix.
    OthersRemain,
}

/// Prefixes mapped to the sets of pipes subscribed to them.
#[derive(Debug)]
pub struct Mtrie<P: Copy + Eq + Hash> {
    radix: Radix<Pipes<P>>,
    prefixes: usize,
}

impl<P: Copy + Eq + Hash> Mtrie<P> {
    /// An empty multi-trie.
    pub fn new() -> Mtrie<P> {
        Mtrie {
            radix: Radix::default(),
            prefixes: 0,
        }
    }

    /// Subscribes `pipe` to `prefix`; returns `true` if it is the prefix's first subscriber.
    pub fn add(&mut self, prefix: &[u8], pipe: P) -> bool {
        let pipes = &mut self.radix.get_or_insert(prefix).0;
        let first = pipes.is_empty();
        pipes.insert(pipe);
        if first {
            self.prefixes += 1;
        }
        first
    }

    /// Unsubscribes `pipe` from `prefix`.
    pub fn remove(&mut self, prefix: &[u8], pipe: P) -> Removed {
        let removed = self
            .radix
            .modify(prefix, |pipes| match pipes.0.remove(&pipe) {
                false => Removed::NotFound,
                true if pipes.0.is_empty() => Removed::LastRemoved,
                true => Removed::OthersRemain,
            })
            .unwrap_or(Removed::NotFound);
        if removed == Removed::LastRemoved {
            self.prefixes -= 1;
        }
        removed
    }

    /// Unsubscribes `pipe` from everything (it went away). Calls `f(prefix, last)` for each
    /// prefix it was subscribed to, in byte order; `last` says nobody wants the prefix now
    /// (XPUB then passes an unsubscription upstream; with `XPUB_VERBOSER`, for every prefix).
    pub fn rm_all(&mut self, pipe: P, mut f: impl FnMut(&[u8], bool)) {
        let mut subscribed = Vec::new();
        self.radix.for_each(|prefix, pipes| {
            if pipes.0.contains(&pipe) {
                subscribed.push(prefix.to_vec());
            }
        });
        for prefix in subscribed {
            let last = self.remove(&prefix, pipe) == Removed::LastRemoved;
            f(&prefix, last);
        }
    }

    /// Calls `f` once for each pipe subscribed to some prefix of `data`.
    pub fn for_each_match(&self, data: &[u8], mut f: impl FnMut(P)) {
        let mut sets = self.radix.prefixes_of(data);
        let Some(first) = sets.next() else {
            return;
        };
        let Some(second) = sets.next() else {
            // The common case, one matching prefix: its pipes are distinct already.
            first.0.iter().for_each(|&pipe| f(pipe));
            return;
        };
        let mut seen = HashSet::new();
        for pipes in [first, second].into_iter().chain(sets) {
            for &pipe in &pipes.0 {
                if seen.insert(pipe) {
                    f(pipe);
                }
            }
        }
    }

    /// How many distinct prefixes have subscribers (`ZMQ_TOPICS_COUNT`).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }
}

impl<P: Copy + Eq + Hash> Default for Mtrie<P> {
    fn default() -> Mtrie<P> {
        Mtrie::new()
    }
}

/// The pipes subscribed at one node.
#[derive(Debug)]
struct Pipes<P>(HashSet<P>);

impl<P> Default for Pipes<P> {
    fn default() -> Pipes<P> {
        Pipes(HashSet::default())
    }
}

impl<P> Value for Pipes<P> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(m: &Mtrie<u32>, data: &[u8]) -> Vec<u32> {
        let mut out = vec![];
        m.for_each_match(data, |p| out.push(p));
        out.sort_unstable();
        out
    }

    #[test]
    fn add_reports_first_subscriber() {
        let mut m = Mtrie::new();
        assert!(m.add(b"A", 1));
        assert!(!m.add(b"A", 2));
        assert!(!m.add(b"A", 1), "a set: the same pipe again is not new");
        assert!(m.add(b"", 1));
        assert_eq!(m.num_prefixes(), 2);
    }

    #[test]
    fn remove_results() {
        let mut m = Mtrie::new();
        m.add(b"topic", 1);
        m.add(b"topic", 2);
        m.add(b"topic", 2);
        assert_eq!(m.remove(b"topic", 3), Removed::NotFound);
        assert_eq!(m.remove(b"top", 1), Removed::NotFound);
        assert_eq!(m.remove(b"topics", 1), Removed::NotFound);
        assert_eq!(m.remove(b"topic", 1), Removed::OthersRemain);
        assert_eq!(m.remove(b"topic", 1), Removed::NotFound);
        // Not counted: one removal ends pipe 2's subscription.
        assert_eq!(m.remove(b"topic", 2), Removed::LastRemoved);
        assert_eq!(m.num_prefixes(), 0);
        assert_eq!(matches(&m, b"topic"), Vec::<u32>::new());
    }

    #[test]
    fn match_calls_each_pipe_once() {
        let mut m = Mtrie::new();
        m.add(b"", 1);
        m.add(b"a", 1);
        m.add(b"ab", 1);
        m.add(b"ab", 2);
        m.add(b"abc", 3);
        m.add(b"b", 4);
        m.add(b"abd", 5);
        assert_eq!(matches(&m, b"abcz"), vec![1, 2, 3]);
        assert_eq!(matches(&m, b"ab"), vec![1, 2]);
        assert_eq!(matches(&m, b"x"), vec![1]);
        assert_eq!(matches(&m, b""), vec![1]);
        assert_eq!(matches(&m, b"bb"), vec![1, 4]);
        m.remove(b"", 1);
        assert_eq!(matches(&m, b"x"), Vec::<u32>::new());
        assert_eq!(matches(&m, b"abd"), vec![1, 2, 5]);
    }

    #[test]
    fn rm_all_reports_each_prefix_and_whether_it_was_the_last() {
        let mut m = Mtrie::new();
        m.add(b"a", 1);
        m.add(b"ab", 1);
        m.add(b"ab", 2);
        m.add(b"b", 2);
        m.add(b"", 1);
        let mut calls = vec![];
        m.rm_all(1, |prefix, last| calls.push((prefix.to_vec(), last)));
        assert_eq!(
            calls,
            vec![
                (b"".to_vec(), true),
                (b"a".to_vec(), true),
                (b"ab".to_vec(), false)
            ]
        );
        assert_eq!(m.num_prefixes(), 2);
        assert_eq!(matches(&m, b"abc"), vec![2]);
        let mut calls = vec![];
        m.rm_all(1, |prefix, last| calls.push((prefix.to_vec(), last)));
        assert!(calls.is_empty());
        m.rm_all(2, |_, last| assert!(last));
        assert_eq!(m.num_prefixes(), 0);
    }

    #[test]
    fn many_pipes_many_prefixes() {
        let mut m = Mtrie::new();
        for pipe in 0..50u32 {
            for t in 0..40u32 {
                if (pipe + t) % 3 == 0 {
                    m.add(format!("t/{t}").as_bytes(), pipe);
                }
            }
        }
        // "t/1" is a prefix of "t/1x" only; "t/12" of "t/12x" and "t/1" of it too.
        let expected: Vec<u32> = (0..50u32)
            .filter(|p| (p + 1) % 3 == 0 || (p + 12) % 3 == 0)
            .collect();
        assert_eq!(matches(&m, b"t/12x"), expected);
        for pipe in 0..50u32 {
            m.rm_all(pipe, |_, _| {});
        }
        assert_eq!(m.num_prefixes(), 0);
    }
}
