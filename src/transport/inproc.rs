//! inproc: two sockets of one context joined directly by a pipe pair; no I/O thread, no
//! copy. Connecting before the bind is allowed: the connecter gets its end at once and the
//! other end waits in the registry for the bind.
//!
//! As libzmq does, each direction's HWM is the sum of the sender's SNDHWM and the receiver's
//! RCVHWM (0 on either side: unlimited). A pipe made before its bind uses the connecter's
//! HWMs until the bind, which sets the sums on both ends. Each end keeps the other socket's
//! HWMs as its boost, added when an HWM option changes later ([`Pipe::apply_hwms`]).
//!
//! With `ZMQ_CONFLATE` effective on the connecter, the pair keeps only the newest message
//! each way and has no HWM; the binder's `ZMQ_CONFLATE` plays no part (as in libzmq).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::msg::{self, Msg};
use parking_lot::Mutex;

use crate::pipe::{Pipe, PipeCommand, Wake};
use crate::socket::base::{SocketCommand, SocketLink, SocketMailbox, SocketWake};
use crate::socket::kind::SocketType;
use crate::socket::pipes::{Peer, PipeKey};

/// A bound inproc endpoint.
struct Bound {
    link: SocketLink,
}

/// A connect that waits for its bind: the binder's future end of the pipe.
struct Pending {
    end: Pipe<crate::msg::Msg>,
    key: PipeKey,
    /// The key of the connecter's own end.
    connecter_key: PipeKey,
    wake: Arc<Mutex<Parked>>,
    connecter: SocketLink,
    endpoint: String,
}

/// Where the commands for a binder's end go: held until the bind, then to the binder.
enum Parked {
    Waiting(Vec<PipeCommand<Msg>>),
    Delivered(Arc<SocketMailbox>, PipeKey),
}

/// The wake of a binder's end made before the bind.
struct ParkedWake(Arc<Mutex<Parked>>);

impl Wake<Msg> for ParkedWake {
    fn wake(&self, cmd: PipeCommand<Msg>) {
        let mut target = self.0.lock();
        match &mut *target {
            Parked::Waiting(held) => held.push(cmd),
            Parked::Delivered(mailbox, key) => mailbox.send(SocketCommand::Pipe(*key, cmd)),
        }
    }
}

/// Points a parked wake at the binder and hands over what it held. The binder attaches the
/// pipe before it reads its mailbox, so the held commands reach an attached pipe.
fn deliver(parked: &Mutex<Parked>, mailbox: &Arc<SocketMailbox>, key: PipeKey) {
    let mut target = parked.lock();
    if let Parked::Waiting(held) =
        std::mem::replace(&mut *target, Parked::Delivered(mailbox.clone(), key))
    {
        for cmd in held {
            mailbox.send(SocketCommand::Pipe(key, cmd));
        }
    }
}

/// The inproc endpoints of one context.
#[derive(Default)]
pub struct Registry {
    bound: HashMap<String, Bound>,
    pending: HashMap<String, Vec<Pending>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("bound", &self.bound.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Whether a socket of this type reads a routing-id message first on each new pipe.
pub fn wants_routing_id(ty: SocketType) -> bool {
    matches!(ty, SocketType::Router | SocketType::Rep)
}

fn sum_hwm(snd: i32, rcv: i32) -> u64 {
    if snd <= 0 || rcv <= 0 {
        0
    } else {
        snd as u64 + rcv as u64
    }
}

/// The routing-id message a peer reads first: the socket's `ZMQ_ROUTING_ID` (may be empty).
fn routing_id_msg(link: &SocketLink) -> Msg {
    let mut m = Msg::from_bytes(Bytes::from(link.options.routing_id.clone()));
    m.set_flags(msg::ROUTING_ID);
    m
}

/// Binds `name`; returns the pipes of connects that were waiting for it.
pub fn bind(ctx: &Context, name: &str, link: &SocketLink) -> Result<Vec<Peer>> {
    let mut reg = ctx.inproc().lock();
    if reg.bound.contains_key(name) {
        return Err(Error::AddrInUse);
    }
    reg.bound
        .insert(name.to_owned(), Bound { link: link.clone() });
    let pending = reg.pending.remove(name).unwrap_or_default();
    drop(reg);
    let binder_ty = link.options.socket_type;
    let mut peers = Vec::with_capacity(pending.len());
    for mut p in pending {
        // The connecter wrote its routing id first in case the binder wants it.
        if !wants_routing_id(binder_ty) {
            let _ = p.end.read();
        }
        if wants_routing_id(p.connecter.options.socket_type) {
            let _ = p.end.write(routing_id_msg(link));
            p.end.flush();
        }
        let (c, b) = (&p.connecter.options, &link.options);
        if !c.effective_conflate() {
            // Both ends get the summed HWMs and each other's boosts; the connecter's end is
            // told through its owner's mailbox (libzmq sets it from the binder's thread).
            p.end.set_hwms_boost(c.sndhwm, c.rcvhwm);
            p.end.apply_hwms(b.rcvhwm, b.sndhwm);
            p.end
                .send_hwms_to_peer(c.rcvhwm, c.sndhwm, Some((b.sndhwm, b.rcvhwm)));
        }
        deliver(&p.wake, &link.mailbox, p.key);
        peers.push(Peer {
            pipe: p.end,
            key: p.key,
            routing_id: None,
            endpoint: Some(p.endpoint),
            locally_initiated: false,
            addresses: Default::default(),
        });
    }
    Ok(peers)
}

/// Drops the connects of `mailbox`'s socket that still wait for their bind (the socket is
/// closing: no socket will ever own their other ends, so no termination handshake can
/// happen). Returns the keys of the socket's own ends, which it drops at once.
pub fn cancel_pending(ctx: &Context, mailbox: &Arc<SocketMailbox>) -> Vec<PipeKey> {
    let mut reg = ctx.inproc().lock();
    let mut keys = Vec::new();
    for waiting in reg.pending.values_mut() {
        waiting.retain(|p| {
            let mine = Arc::ptr_eq(&p.connecter.mailbox, mailbox);
            if mine {
                keys.push(p.connecter_key);
            }
            !mine
        });
    }
    reg.pending.retain(|_, waiting| !waiting.is_empty());
    keys
}

/// The socket bound at `name`, if any (a session looks up its ZAP handler this way).
pub fn bound(ctx: &Context, name: &str) -> Option<SocketLink> {
    ctx.inproc().lock().bound.get(name).map(|b| b.link.clone())
}

/// Removes the binding of `name` if `mailbox`'s socket holds it.
pub fn unbind(ctx: &Context, name: &str, mailbox: &Arc<SocketMailbox>) {
    let mut reg = ctx.inproc().lock();
    if reg
        .bound
        .get(name)
        .is_some_and(|b| Arc::ptr_eq(&b.link.mailbox, mailbox))
    {
        reg.bound.remove(name);
    }
}

/// Connects to `name`: the connecter's end of a new pipe; the other end goes to the binder
/// now, or waits for the bind.
pub fn connect(ctx: &Context, name: &str, endpoint: &str, link: &SocketLink) -> Result<Peer> {
    let mut reg = ctx.inproc().lock();
    let my_key = PipeKey::fresh();
    let their_key = PipeKey::fresh();
    let my_wake = SocketWake::new(link.mailbox.clone(), my_key);
    let o = &link.options;
    let mine = match reg.bound.get(name).map(|b| b.link.clone()) {
        Some(binder) => {
            let bo = &binder.options;
            let their_wake = SocketWake::new(binder.mailbox.clone(), their_key);
            let (mut mine, mut theirs) = if o.effective_conflate() {
                Pipe::pair_conflate(my_wake, their_wake)
            } else {
                let (mut mine, mut theirs) = Pipe::pair(
                    sum_hwm(o.sndhwm, bo.rcvhwm),
                    sum_hwm(bo.sndhwm, o.rcvhwm),
                    my_wake,
                    their_wake,
                );
                mine.set_hwms_boost(bo.sndhwm, bo.rcvhwm);
                theirs.set_hwms_boost(o.sndhwm, o.rcvhwm);
                (mine, theirs)
            };
            drop(reg);
            if wants_routing_id(bo.socket_type) {
                let _ = mine.write(routing_id_msg(link));
                mine.flush();
            }
            if wants_routing_id(o.socket_type) {
                let _ = theirs.write(routing_id_msg(&binder));
                theirs.flush();
            }
            binder.mailbox.send(SocketCommand::Attach(Box::new(Peer {
                pipe: theirs,
                key: their_key,
                routing_id: None,
                endpoint: Some(endpoint.to_owned()),
                locally_initiated: false,
                addresses: Default::default(),
            })));
            mine
        }
        None => {
            // The binder's end waits in the registry; its commands are held for whichever
            // socket binds (see `bind`).
            let held = Arc::new(Mutex::new(Parked::Waiting(Vec::new())));
            let parked_wake = Box::new(ParkedWake(held.clone()));
            let (mut mine, theirs) = if o.effective_conflate() {
                Pipe::pair_conflate(my_wake, parked_wake)
            } else {
                Pipe::pair(
                    o.sndhwm.max(0) as u64,
                    o.rcvhwm.max(0) as u64,
                    my_wake,
                    parked_wake,
                )
            };
            // Written in case the binder wants it; `bind` drops it otherwise.
            let _ = mine.write(routing_id_msg(link));
            mine.flush();
            reg.pending
                .entry(name.to_owned())
                .or_default()
                .push(Pending {
                    end: theirs,
                    key: their_key,
                    connecter_key: my_key,
                    wake: held,
                    connecter: link.clone(),
                    endpoint: endpoint.to_owned(),
                });
            mine
        }
    };
    Ok(Peer {
        pipe: mine,
        key: my_key,
        routing_id: None,
        endpoint: Some(endpoint.to_owned()),
        locally_initiated: true,
        addresses: Default::default(),
    })
}
