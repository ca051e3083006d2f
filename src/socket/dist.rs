//! The fan-out distributor of PUB, XPUB and XSUB (libzmq's `dist_t`).
//!
//! The pipes sit in one array split into sections, so that choosing the pipes for a message
//! costs nothing per non-matching pipe:
//!
//! ```text
//! [0, matching)          pipes the current message goes to
//! [matching, active)     writable pipes
//! [active, eligible)     writable pipes that attached in the middle of a multipart message:
//!                        they get the next message, not the rest of this one
//! [eligible, len)        pipes that reached their HWM, until they are writable again
//! ```
//!
//! A message goes whole to every matching pipe; a pipe that cannot take it (HWM reached) is
//! skipped, so the message is dropped for that subscriber only. The bodies are shared, not
//! copied ([`Msg::copy`]).

#![forbid(unsafe_code)]

use crate::msg::Msg;
use crate::socket::pipes::{PipeId, Pipes};

/// An array of pipe ids that knows each id's position, so that moving a pipe between
/// sections is a swap (libzmq's `array_t`, where each pipe keeps its own index). Positions
/// are kept in a table indexed by the id's slab slot: no hashing per message.
#[derive(Debug, Default)]
pub struct PipeList {
    items: Vec<PipeId>,
    /// `position[id.slot()]`: where a pipe with that slot is in `items` ([`NOWHERE`]: not
    /// in the list). The id found there is compared in full, so an earlier pipe of the same
    /// slot is not taken for it.
    position: Vec<u32>,
}

/// A slot with no pipe in the list.
const NOWHERE: u32 = u32::MAX;

impl PipeList {
    /// Appends `id` at the end.
    pub fn push(&mut self, id: PipeId) {
        let slot = id.slot();
        if self.position.len() <= slot {
            self.position.resize(slot + 1, NOWHERE);
        }
        self.position[slot] = self.items.len() as u32;
        self.items.push(id);
    }

    /// Where `id` is, if it is in the list.
    pub fn index(&self, id: PipeId) -> Option<usize> {
        let at = *self.position.get(id.slot())? as usize;
        (self.items.get(at) == Some(&id)).then_some(at)
    }

    /// Swaps the pipes at `a` and `b`.
    pub fn swap(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        self.items.swap(a, b);
        self.position[self.items[a].slot()] = a as u32;
        self.position[self.items[b].slot()] = b as u32;
    }

    /// Removes `id` (the last pipe takes its place).
    pub fn remove(&mut self, id: PipeId) {
        let Some(i) = self.index(id) else {
            return;
        };
        self.position[id.slot()] = NOWHERE;
        self.items.swap_remove(i);
        if let Some(&moved) = self.items.get(i) {
            self.position[moved.slot()] = i as u32;
        }
    }

    /// The pipe at `i`.
    pub fn get(&self, i: usize) -> PipeId {
        self.items[i]
    }

    /// How many pipes there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Sends each message to a chosen subset of the pipes (see the module documentation).
#[derive(Debug, Default)]
pub struct Dist {
    pipes: PipeList,
    matching: usize,
    active: usize,
    eligible: usize,
    /// In the middle of a multipart message.
    more: bool,
}

impl Dist {
    /// Adds a pipe: writable at once, but if a multipart message is being sent it only gets
    /// the messages after that one.
    pub fn attach(&mut self, id: PipeId) {
        let last = self.pipes.len();
        self.pipes.push(id);
        self.pipes.swap(self.eligible, last);
        self.eligible += 1;
        if !self.more {
            self.pipes.swap(self.active, self.eligible - 1);
            self.active += 1;
        }
    }

    /// Whether `id` is one of the distributor's pipes.
    pub fn has_pipe(&self, id: PipeId) -> bool {
        self.pipes.index(id).is_some()
    }

    /// Marks `id` as a destination of the current message (if it can take messages).
    pub fn mark(&mut self, id: PipeId) {
        let Some(i) = self.pipes.index(id) else {
            return;
        };
        if i < self.matching || i >= self.eligible {
            return;
        }
        self.pipes.swap(i, self.matching);
        self.matching += 1;
    }

    /// Makes the eligible pipes that are not marked the marked ones, and the other way round
    /// (`ZMQ_INVERT_MATCHING`).
    pub fn reverse_match(&mut self) {
        let prev = self.matching;
        self.matching = 0;
        for i in prev..self.eligible {
            self.pipes.swap(i, self.matching);
            self.matching += 1;
        }
    }

    /// Clears the marks.
    pub fn unmatch(&mut self) {
        self.matching = 0;
    }

    /// Forgets a pipe that is gone.
    pub fn pipe_terminated(&mut self, id: PipeId) {
        let Some(mut i) = self.pipes.index(id) else {
            return;
        };
        if i < self.matching {
            self.pipes.swap(i, self.matching - 1);
            self.matching -= 1;
            i = self.matching;
        }
        if i < self.active {
            self.pipes.swap(i, self.active - 1);
            self.active -= 1;
            i = self.active;
        }
        if i < self.eligible {
            self.pipes.swap(i, self.eligible - 1);
            self.eligible -= 1;
        }
        self.pipes.remove(id);
    }

    /// A pipe that had reached its HWM can take messages again.
    pub fn activated(&mut self, id: PipeId) {
        // A pipe whose HWM was hit outside the distributor (a subscription written to it
        // directly) never left the writable sections: nothing to move.
        let Some(i) = self.pipes.index(id) else {
            return;
        };
        if i < self.eligible {
            return;
        }
        self.pipes.swap(i, self.eligible);
        self.eligible += 1;
        if !self.more {
            self.pipes.swap(self.eligible - 1, self.active);
            self.active += 1;
        }
    }

    /// Sends a message part to every writable pipe.
    pub fn send_to_all(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        self.matching = self.active;
        self.send_to_matching(pipes, msg);
    }

    /// Sends a message part to the marked pipes; `msg` is left empty.
    pub fn send_to_matching(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        let more = msg.more();
        self.distribute(pipes, msg);
        if !more {
            self.active = self.eligible;
        }
        self.more = more;
    }

    fn distribute(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        let mut i = 0;
        while i < self.matching {
            let id = self.pipes.get(i);
            // The last marked pipe gets the message itself: with one subscriber nothing is
            // shared (a shared body costs an allocation), as in libzmq's `distribute`.
            let part = if i + 1 == self.matching {
                std::mem::take(msg)
            } else {
                msg.copy()
            };
            if self.write(pipes, id, part) {
                i += 1;
            }
            // Otherwise the pipe left the marked section and another took index `i`.
        }
        *msg = Msg::new();
    }

    /// Writes one part to a marked pipe; a pipe that cannot take it goes to the section of
    /// pipes at their HWM.
    fn write(&mut self, pipes: &mut Pipes, id: PipeId, part: Msg) -> bool {
        let more = part.more();
        let written = match pipes.pipe(id) {
            Some(pipe) => match pipe.write(part) {
                Ok(()) => {
                    if !more {
                        pipe.flush();
                    }
                    true
                }
                Err(_) => false,
            },
            None => false,
        };
        if !written {
            let i = self.pipes.index(id).expect("a marked pipe is listed");
            self.pipes.swap(i, self.matching - 1);
            self.matching -= 1;
            self.pipes.swap(self.matching, self.active - 1);
            self.active -= 1;
            self.pipes.swap(self.active, self.eligible - 1);
            self.eligible -= 1;
        }
        written
    }

    /// Whether every marked pipe is below its HWM (`ZMQ_XPUB_NODROP`).
    pub fn check_hwm(&self, pipes: &Pipes) -> bool {
        (0..self.matching).all(|i| {
            pipes
                .get(self.pipes.get(i))
                .is_none_or(|peer| peer.pipe.check_hwm())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_list_tracks_positions() {
        let mut l = PipeList::default();
        let mut pipes = Pipes::default();
        let a = fake(&mut pipes);
        let b = fake(&mut pipes);
        let c = fake(&mut pipes);
        l.push(a);
        l.push(b);
        l.push(c);
        l.swap(0, 2);
        assert_eq!(l.index(c), Some(0));
        assert_eq!(l.index(a), Some(2));
        l.remove(c);
        assert_eq!(l.len(), 2);
        assert_eq!(l.index(a), Some(0));
        assert_eq!(l.index(b), Some(1));
        assert_eq!(l.index(c), None);
        // A new pipe in c's slot is not c.
        pipes.remove(c);
        let d = fake(&mut pipes);
        assert_eq!(d.slot(), c.slot());
        l.push(d);
        assert_eq!(l.index(d), Some(2));
        assert_eq!(l.index(c), None);
        l.remove(c);
        assert_eq!(l.len(), 3);
        l.remove(a);
        assert_eq!(
            (l.index(d), l.index(b), l.index(a)),
            (Some(0), Some(1), None)
        );
    }

    /// A pipe in a slab, for tests that only need ids.
    fn fake(pipes: &mut Pipes) -> PipeId {
        use crate::pipe::{Pipe, PipeCommand, Wake};
        use crate::socket::pipes::{Peer, PipeKey};
        struct Nowhere;
        impl Wake<Msg> for Nowhere {
            fn wake(&self, _cmd: PipeCommand<Msg>) {}
        }
        let (a, _b) = Pipe::pair(0, 0, Box::new(Nowhere), Box::new(Nowhere));
        pipes.insert(Peer {
            pipe: a,
            key: PipeKey::fresh(),
            routing_id: None,
            endpoint: None,
            locally_initiated: false,
            addresses: Default::default(),
        })
    }
}
