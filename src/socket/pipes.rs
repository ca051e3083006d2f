//! The pipes a socket holds, one per peer, and the keys commands find them by.
//!
//! A socket's pipes live in a slab: a [`PipeId`] is an index plus a generation, so an id
//! kept by a routing helper after its pipe is gone never reaches a newer pipe. Commands
//! from the other end of a pipe arrive through the socket's mailbox tagged with the pipe's
//! [`PipeKey`], a process-wide unique number chosen by whoever made the pipe (a session in
//! an I/O thread, or an inproc peer), before the socket has seen the pipe.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use crate::msg::Msg;
use crate::pipe::Pipe;

/// Which pipe a command from its other end is for; unique in the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PipeKey(pub u64);

impl PipeKey {
    /// A key no other pipe has.
    pub fn fresh() -> PipeKey {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        PipeKey(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A pipe's place in its socket's slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PipeId {
    index: u32,
    generation: u32,
}

impl PipeId {
    /// The slab slot: small (slots are reused), and the same for no two live pipes of a
    /// socket, so it can index a table; an id from before the slot's reuse has it too.
    pub fn slot(self) -> usize {
        self.index as usize
    }
}

/// One peer of a socket: its pipe and what the socket knows about it.
pub struct Peer {
    /// The socket's end of the pipe.
    pub pipe: Pipe<Msg>,
    /// The key commands for this pipe carry.
    pub key: PipeKey,
    /// The peer's routing id, once known (ROUTER, REP, STREAM, SERVER, PEER).
    pub routing_id: Option<Bytes>,
    /// The endpoint the pipe belongs to (for `zmq_unbind`/`zmq_disconnect`).
    pub endpoint: Option<String>,
    /// Whether this side connected (libzmq's `locally_initiated`).
    pub locally_initiated: bool,
    /// The local and remote address monitor events give for this pipe (libzmq's endpoint
    /// pair): a bound connection's own and its peer's, `("", endpoint)` for a connect.
    pub addresses: (String, String),
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("key", &self.key)
            .field("routing_id", &self.routing_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

struct Slot {
    generation: u32,
    peer: Option<Peer>,
}

/// The pipes of one socket.
#[derive(Default)]
pub struct Pipes {
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_key: HashMap<PipeKey, PipeId>,
}

impl std::fmt::Debug for Pipes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipes")
            .field("count", &self.by_key.len())
            .finish()
    }
}

impl Pipes {
    /// Adds a peer and returns its id.
    pub fn insert(&mut self, peer: Peer) -> PipeId {
        let key = peer.key;
        let id = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.peer = Some(peer);
                PipeId {
                    index,
                    generation: slot.generation,
                }
            }
            None => {
                let index = u32::try_from(self.slots.len()).expect("fewer than 2^32 pipes");
                self.slots.push(Slot {
                    generation: 0,
                    peer: Some(peer),
                });
                PipeId {
                    index,
                    generation: 0,
                }
            }
        };
        self.by_key.insert(key, id);
        id
    }

    /// Removes a peer; its id is never valid again.
    pub fn remove(&mut self, id: PipeId) -> Option<Peer> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        let peer = slot.peer.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(id.index);
        self.by_key.remove(&peer.key);
        Some(peer)
    }

    /// The peer with this id, if it is still there.
    pub fn get(&self, id: PipeId) -> Option<&Peer> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.peer.as_ref()
    }

    /// The peer with this id, mutably, if it is still there.
    pub fn get_mut(&mut self, id: PipeId) -> Option<&mut Peer> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.peer.as_mut()
    }

    /// The pipe with this id (shorthand for routing code).
    pub fn pipe(&mut self, id: PipeId) -> Option<&mut Pipe<Msg>> {
        self.get_mut(id).map(|p| &mut p.pipe)
    }

    /// The id of the pipe with this key.
    pub fn find(&self, key: PipeKey) -> Option<PipeId> {
        self.by_key.get(&key).copied()
    }

    /// Every pipe's id.
    pub fn ids(&self) -> Vec<PipeId> {
        self.by_key.values().copied().collect()
    }

    /// How many pipes there are.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}
