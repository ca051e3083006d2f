//! ROUTER: addresses peers by routing id. Every message received gets a first frame with
//! the id of the peer it came from; every message sent names its peer in its first frame.
//! REP is built on it.
//!
//! A peer's routing id is, in order: the `ZMQ_CONNECT_ROUTING_ID` given for the connect
//! that made its pipe; the routing id the peer announced (its `ZMQ_ROUTING_ID`) if not
//! empty; otherwise a generated one, 5 bytes `00` + a big-endian `u32` counter that starts
//! at a random value. A peer announcing an id already in use is ignored (its messages are
//! never read) unless `ZMQ_ROUTER_HANDOVER` is set, in which case it takes the id over and
//! the old pipe gets a generated id and is closed.
//!
//! `ZMQ_ROUTER_RAW` (deprecated) makes the tcp/ipc connections raw, as STREAM's: peers
//! announce no id (so they all get generated ones), the connect and disconnect
//! notifications are [id, ""], a body is always the last frame and an empty body closes
//! that connection. Unknown ids are still dropped silently (unless mandatory).

use std::collections::{HashMap, HashSet};
use std::ffi::c_int;

use bytes::Bytes;

use crate::consts::ZMQ_POLLOUT;
use crate::error::{Error, Result};
use crate::msg::{self, Msg};
use crate::socket::base::Routing;
use crate::socket::dealer::send_probe;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};

/// A random starting value for counters that libzmq seeds randomly (generated routing ids,
/// REQ request ids), without unsafe code or extra dependencies: std's hasher keys are
/// random per process and per `RandomState`.
pub(crate) fn random_u32() -> u32 {
    use std::hash::BuildHasher;
    let h = std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64);
    (h >> 32) as u32 ^ h as u32
}

/// The ROUTER socket type.
#[derive(Debug)]
pub struct Router {
    fq: FairQueue,
    /// Pipes whose routing id has not arrived yet.
    anonymous: HashSet<PipeId>,
    /// Identified pipes by routing id.
    out: HashMap<Bytes, PipeId>,
    next_id: u32,
    /// `ZMQ_ROUTER_MANDATORY`.
    mandatory: bool,
    /// `ZMQ_ROUTER_HANDOVER`.
    handover: bool,
    /// `ZMQ_PROBE_ROUTER`.
    probe_router: bool,
    /// `ZMQ_ROUTER_RAW`: the connections are raw (as STREAM's); a body's MORE flag is
    /// ignored and an empty body closes the connection.
    raw: bool,

    /// The routing-id frame to return before `prefetched_msg` (set by `has_in`).
    prefetched_id: Option<Msg>,
    /// The first part of a message whose routing-id frame was (or is to be) returned first.
    prefetched_msg: Option<Msg>,
    /// A message is being received and has more parts.
    more_in: bool,
    /// The pipe of the message being received.
    current_in: Option<PipeId>,
    /// `current_in` lost its routing id to a handover: close it after this message.
    terminate_current_in: bool,

    /// A message is being sent and has more parts.
    more_out: bool,
    /// Where the parts of the message being sent go (`None`: dropped).
    current_out: Option<PipeId>,
}

impl Default for Router {
    fn default() -> Router {
        Router::new()
    }
}

impl Router {
    /// A ROUTER with no peers.
    pub fn new() -> Router {
        Router {
            fq: FairQueue::default(),
            anonymous: HashSet::new(),
            out: HashMap::new(),
            next_id: random_u32(),
            mandatory: false,
            handover: false,
            probe_router: false,
            raw: false,
            prefetched_id: None,
            prefetched_msg: None,
            more_in: false,
            current_in: None,
            terminate_current_in: false,
            more_out: false,
            current_out: None,
        }
    }

    fn generate_id(&mut self) -> Bytes {
        let mut id = [0u8; 5];
        id[1..].copy_from_slice(&self.next_id.to_be_bytes());
        self.next_id = self.next_id.wrapping_add(1);
        Bytes::copy_from_slice(&id)
    }

    /// Gives a pipe its routing id; `false` if it cannot have one yet (its routing-id
    /// message has not arrived) or ever (a duplicate without handover).
    fn identify(&mut self, pipes: &mut Pipes, id: PipeId, locally_initiated: bool) -> bool {
        let Some(peer) = pipes.get_mut(id) else {
            return false;
        };
        let routing_id = match peer.routing_id.clone() {
            // Set from ZMQ_CONNECT_ROUTING_ID by the connect that made the pipe; the peer's
            // own routing-id message stays in the pipe and is skipped when read.
            Some(rid) if locally_initiated && !self.out.contains_key(&rid) => rid,
            _ => {
                let Some(mut first) = peer.pipe.read() else {
                    return false;
                };
                if first.is_empty() {
                    self.generate_id()
                } else {
                    let rid = first.take_bytes();
                    if let Some(&old) = self.out.get(&rid) {
                        if !self.handover {
                            return false;
                        }
                        // The new pipe takes the id; the old one gets a generated id so it
                        // stays addressable until it is gone.
                        let renamed = self.generate_id();
                        self.out.remove(&rid);
                        self.out.insert(renamed.clone(), old);
                        if let Some(old_peer) = pipes.get_mut(old) {
                            old_peer.routing_id = Some(renamed);
                            if self.current_in == Some(old) {
                                self.terminate_current_in = true;
                            } else {
                                old_peer.pipe.terminate(true);
                            }
                        }
                    }
                    rid
                }
            }
        };
        if let Some(peer) = pipes.get_mut(id) {
            peer.routing_id = Some(routing_id.clone());
        }
        self.out.insert(routing_id, id);
        true
    }

    /// The next part from the fair queue that is not a routing-id notification (those
    /// come again after a peer reconnects; the first one was used by `identify`).
    fn recv_data(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        loop {
            let (msg, id) = self.fq.recv(pipes)?;
            if msg.flags() & msg::ROUTING_ID == 0 {
                return Ok((msg, id));
            }
        }
    }

    fn id_frame(pipes: &Pipes, id: PipeId, body: &Msg) -> Msg {
        let rid = pipes
            .get(id)
            .and_then(|p| p.routing_id.clone())
            .unwrap_or_default();
        let mut frame = Msg::from_bytes(rid);
        frame.set_more(true);
        if let Some(meta) = body.metadata() {
            frame.set_metadata(meta.clone());
        }
        frame
    }

    /// The last part of a received message was returned.
    fn end_of_input(&mut self, pipes: &mut Pipes) {
        if self.terminate_current_in {
            if let Some(p) = self.current_in.and_then(|id| pipes.pipe(id)) {
                p.terminate(true);
            }
            self.terminate_current_in = false;
        }
        self.current_in = None;
    }

    /// Receives one part (libzmq's `router_t::xrecv`).
    pub(crate) fn recv_part(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if let Some(frame) = self.prefetched_id.take() {
            self.more_in = true;
            return Ok(frame);
        }
        if let Some(msg) = self.prefetched_msg.take() {
            self.more_in = msg.more();
            if !self.more_in {
                self.end_of_input(pipes);
            }
            return Ok(msg);
        }
        let (msg, id) = self.recv_data(pipes)?;
        if self.more_in {
            self.more_in = msg.more();
            if !self.more_in {
                self.end_of_input(pipes);
            }
            return Ok(msg);
        }
        // The start of a message: its routing-id frame goes first.
        let frame = Self::id_frame(pipes, id, &msg);
        self.prefetched_msg = Some(msg);
        self.current_in = Some(id);
        self.more_in = true;
        Ok(frame)
    }

    /// Sends one part (libzmq's `router_t::xsend`).
    pub(crate) fn send_part(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The routing-id frame. One without MORE is no message at all: ignored.
            if msg.more() {
                self.more_out = true;
                match self.out.get(msg.data()).copied() {
                    Some(id) => {
                        let (writable, full) = match pipes.pipe(id) {
                            Some(p) => (p.check_write(), !p.check_hwm()),
                            None => (false, false),
                        };
                        if writable {
                            self.current_out = Some(id);
                        } else if self.mandatory {
                            self.more_out = false;
                            return Err(if full {
                                Error::Again
                            } else {
                                Error::HostUnreach
                            });
                        }
                    }
                    None if self.mandatory => {
                        self.more_out = false;
                        return Err(Error::HostUnreach);
                    }
                    None => {}
                }
            }
            *msg = Msg::new();
            return Ok(());
        }
        if self.raw {
            msg.set_more(false);
        }
        self.more_out = msg.more();
        if let Some(id) = self.current_out {
            if self.raw && msg.is_empty() {
                // The application closes this connection; what it still holds is dropped.
                if let Some(p) = pipes.pipe(id) {
                    p.terminate(false);
                }
                self.current_out = None;
                return Ok(());
            }
            match pipes.pipe(id) {
                Some(p) => match p.write(std::mem::take(msg)) {
                    Ok(()) => {
                        if !self.more_out {
                            p.flush();
                            self.current_out = None;
                        }
                    }
                    Err(_) => {
                        // The HWM was checked with the first part, so the pipe is going
                        // away: drop what went in of this message.
                        p.rollback();
                        self.current_out = None;
                    }
                },
                None => self.current_out = None,
            }
        }
        *msg = Msg::new();
        Ok(())
    }

    /// Drops the parts of the message being sent (REP after a malformed request).
    pub(crate) fn rollback(&mut self, pipes: &mut Pipes) {
        if let Some(p) = self.current_out.take().and_then(|id| pipes.pipe(id)) {
            p.rollback();
        }
        self.more_out = false;
    }

    /// Whether a part can be received now (prefetches it).
    pub(crate) fn has_in_part(&mut self, pipes: &mut Pipes) -> bool {
        if self.more_in || self.prefetched_msg.is_some() {
            return true;
        }
        let Ok((msg, id)) = self.recv_data(pipes) else {
            return false;
        };
        self.prefetched_id = Some(Self::id_frame(pipes, id, &msg));
        self.prefetched_msg = Some(msg);
        self.current_in = Some(id);
        true
    }

    /// Whether a part can be sent now: always, unless `ZMQ_ROUTER_MANDATORY` asks for a
    /// peer with room.
    pub(crate) fn has_out_part(&mut self, pipes: &mut Pipes) -> bool {
        !self.mandatory
            || self
                .out
                .values()
                .any(|&id| pipes.pipe(id).is_some_and(|p| p.check_hwm()))
    }
}

impl Routing for Router {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.probe_router {
            send_probe(pipes, id);
        }
        let locally_initiated = pipes.get(id).is_some_and(|p| p.locally_initiated);
        if self.identify(pipes, id, locally_initiated) {
            self.fq.attach(id);
        } else {
            self.anonymous.insert(id);
        }
    }

    fn detach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.anonymous.remove(&id) {
            return;
        }
        if let Some(rid) = pipes.get(id).and_then(|p| p.routing_id.clone()) {
            if self.out.get(&rid) == Some(&id) {
                self.out.remove(&rid);
            }
        }
        self.fq.pipe_terminated(id);
        if let Some(p) = pipes.pipe(id) {
            p.rollback();
        }
        if self.current_out == Some(id) {
            self.current_out = None;
        }
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        if !self.anonymous.contains(&id) {
            self.fq.activated(id);
        } else if self.identify(pipes, id, false) {
            self.anonymous.remove(&id);
            self.fq.attach(id);
        }
    }

    fn configure(&mut self, options: &Options) {
        self.mandatory = options.router_mandatory;
        self.handover = options.router_handover;
        self.probe_router = options.probe_router;
        self.raw = options.router_raw;
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        self.send_part(pipes, msg)
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        self.recv_part(pipes)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.has_in_part(pipes)
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.has_out_part(pipes)
    }

    fn peer_state(&mut self, pipes: &mut Pipes, routing_id: &[u8]) -> Result<c_int> {
        let pipe = self.out.get(routing_id).and_then(|&id| pipes.pipe(id));
        match pipe {
            None => Err(Error::HostUnreach),
            Some(p) if p.check_hwm() => Ok(ZMQ_POLLOUT),
            Some(_) => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::c_int;
    use std::time::Duration;

    use crate::consts::*;
    use crate::ctx::Context;
    use crate::error::Error;
    use crate::socket::kind::SocketType;
    use crate::socket::test_util::*;

    #[test]
    fn generated_ids_are_five_bytes_and_consecutive() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        router.bind("inproc://gen").unwrap();
        let a = socket(&ctx, SocketType::Dealer);
        a.connect("inproc://gen").unwrap();
        let b = socket(&ctx, SocketType::Dealer);
        b.connect("inproc://gen").unwrap();
        send(&a, &[b"from a"]);
        send(&b, &[b"from b"]);
        let ma = recv(&router);
        let mb = recv(&router);
        assert_eq!(ma[1], b"from a");
        assert_eq!(mb[1], b"from b");
        assert_eq!(ma[0].len(), 5);
        assert_eq!(ma[0][0], 0);
        assert_eq!(mb[0][0], 0);
        let na = u32::from_be_bytes(ma[0][1..].try_into().unwrap());
        let nb = u32::from_be_bytes(mb[0][1..].try_into().unwrap());
        assert_eq!(nb, na.wrapping_add(1));
        send(&router, &[&mb[0], b"to b"]);
        send(&router, &[&ma[0], b"to a", b"two parts"]);
        assert_eq!(recv(&a), parts(&[b"to a", b"two parts"]));
        assert_eq!(recv(&b), parts(&[b"to b"]));
        finish(ctx, vec![router, a, b]);
    }

    #[test]
    fn peer_routing_id_and_unroutable_messages() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        router.bind("inproc://named").unwrap();
        let d = socket(&ctx, SocketType::Dealer);
        set_bytes(&d, ZMQ_ROUTING_ID, b"dealer-1");
        d.connect("inproc://named").unwrap();
        send(&d, &[b"hello"]);
        assert_eq!(recv(&router), parts(&[b"dealer-1", b"hello"]));
        assert_eq!(router.events(), Ok(ZMQ_POLLOUT));
        // Unknown peer: dropped. A lone routing-id frame (no MORE): ignored.
        send(&router, &[b"nobody", b"lost"]);
        send(&router, &[b"dealer-1"]);
        send(&router, &[b"dealer-1", b"found"]);
        assert_eq!(recv(&d), parts(&[b"found"]));
        // Mandatory: unknown peer is EHOSTUNREACH, and the message is not consumed.
        set_int(&router, ZMQ_ROUTER_MANDATORY, 1);
        assert_eq!(
            send_part(&router, b"nobody", ZMQ_SNDMORE),
            Err(Error::HostUnreach)
        );
        send(&router, &[b"dealer-1", b"still"]);
        assert_eq!(recv(&d), parts(&[b"still"]));
        finish(ctx, vec![router, d]);
    }

    #[test]
    fn events_prefetch_keeps_the_routing_id_frame_first() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        router.bind("inproc://prefetch").unwrap();
        let d = socket(&ctx, SocketType::Dealer);
        set_bytes(&d, ZMQ_ROUTING_ID, b"P");
        d.connect("inproc://prefetch").unwrap();
        assert_eq!(router.events(), Ok(ZMQ_POLLOUT));
        send(&d, &[b"a", b"b"]);
        send(&d, &[b"c"]);
        assert_eq!(router.events(), Ok(ZMQ_POLLIN | ZMQ_POLLOUT));
        assert_eq!(router.events(), Ok(ZMQ_POLLIN | ZMQ_POLLOUT));
        assert_eq!(recv(&router), parts(&[b"P", b"a", b"b"]));
        assert_eq!(router.events(), Ok(ZMQ_POLLIN | ZMQ_POLLOUT));
        assert_eq!(recv(&router), parts(&[b"P", b"c"]));
        assert_eq!(router.events(), Ok(ZMQ_POLLOUT));
        finish(ctx, vec![router, d]);
    }

    #[test]
    fn mandatory_full_pipe_is_again() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        set_int(&router, ZMQ_ROUTER_MANDATORY, 1);
        set_int(&router, ZMQ_SNDHWM, 1);
        router.bind("inproc://full").unwrap();
        let d = socket(&ctx, SocketType::Dealer);
        set_int(&d, ZMQ_RCVHWM, 1);
        set_bytes(&d, ZMQ_ROUTING_ID, b"D");
        d.connect("inproc://full").unwrap();
        send(&d, &[b"hi"]);
        assert_eq!(recv(&router), parts(&[b"D", b"hi"]));
        // SNDHWM + RCVHWM = 2 messages fit on inproc.
        send(&router, &[b"D", b"1"]);
        send(&router, &[b"D", b"2"]);
        assert_eq!(router.events(), Ok(0));
        assert_eq!(
            send_part(&router, b"D", ZMQ_SNDMORE | ZMQ_DONTWAIT),
            Err(Error::Again)
        );
        set_int(&router, ZMQ_SNDTIMEO, 50);
        assert_eq!(send_part(&router, b"D", ZMQ_SNDMORE), Err(Error::Again));
        assert_eq!(recv(&d), parts(&[b"1"]));
        assert_eq!(recv(&d), parts(&[b"2"]));
        finish(ctx, vec![router, d]);
    }

    #[test]
    fn duplicate_id_ignored_unless_handover() {
        for handover in [false, true] {
            let ctx = Context::new();
            let router = socket(&ctx, SocketType::Router);
            set_int(&router, ZMQ_ROUTER_HANDOVER, c_int::from(handover));
            router.bind("inproc://dup").unwrap();
            let d1 = socket(&ctx, SocketType::Dealer);
            set_bytes(&d1, ZMQ_ROUTING_ID, b"X");
            d1.connect("inproc://dup").unwrap();
            send(&d1, &[b"one"]);
            assert_eq!(recv(&router), parts(&[b"X", b"one"]));
            let d2 = socket(&ctx, SocketType::Dealer);
            set_bytes(&d2, ZMQ_ROUTING_ID, b"X");
            d2.connect("inproc://dup").unwrap();
            send(&d2, &[b"two"]);
            set_int(&router, ZMQ_RCVTIMEO, 100);
            if handover {
                assert_eq!(recv(&router), parts(&[b"X", b"two"]));
                send(&router, &[b"X", b"to new"]);
                assert_eq!(recv(&d2), parts(&[b"to new"]));
                std::thread::sleep(Duration::from_millis(20));
                assert_eq!(recv_flags(&d1, ZMQ_DONTWAIT), Err(Error::Again));
            } else {
                assert_eq!(recv_flags(&router, 0), Err(Error::Again));
                send(&router, &[b"X", b"to old"]);
                assert_eq!(recv(&d1), parts(&[b"to old"]));
                assert_eq!(recv_flags(&d2, ZMQ_DONTWAIT), Err(Error::Again));
            }
            finish(ctx, vec![router, d1, d2]);
        }
    }

    #[test]
    fn connect_routing_id_names_the_peer_of_one_connect() {
        let ctx = Context::new();
        let server = socket(&ctx, SocketType::Router);
        server.bind("inproc://cri").unwrap();
        let server2 = socket(&ctx, SocketType::Router);
        set_bytes(&server2, ZMQ_ROUTING_ID, b"S2");
        server2.bind("inproc://cri2").unwrap();
        let client = socket(&ctx, SocketType::Router);
        set_bytes(&client, ZMQ_ROUTING_ID, b"C");
        set_bytes(&client, ZMQ_CONNECT_ROUTING_ID, b"srv");
        client.connect("inproc://cri").unwrap();
        client.connect("inproc://cri2").unwrap();
        send(&client, &[b"srv", b"hi"]);
        assert_eq!(recv(&server), parts(&[b"C", b"hi"]));
        send(&server, &[b"C", b"back"]);
        assert_eq!(recv(&client), parts(&[b"srv", b"back"]));
        // The second connect had no connect routing id: the peer's own id is used.
        send(&client, &[b"S2", b"hi 2"]);
        assert_eq!(recv(&server2), parts(&[b"C", b"hi 2"]));
        finish(ctx, vec![server, server2, client]);
    }

    #[test]
    fn router_raw_bodies_end_messages_and_empty_ones_close() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        set_int(&router, ZMQ_ROUTER_RAW, 1);
        router.bind("inproc://raw").unwrap();
        let d = socket(&ctx, SocketType::Dealer);
        set_bytes(&d, ZMQ_ROUTING_ID, b"D");
        d.connect("inproc://raw").unwrap();
        send(&d, &[b"hi"]);
        assert_eq!(recv(&router), parts(&[b"D", b"hi"]));
        // The body's MORE is ignored; the next frame is an id frame without MORE.
        send_part(&router, b"D", ZMQ_SNDMORE).unwrap();
        send_part(&router, b"one", ZMQ_SNDMORE).unwrap();
        send_part(&router, b"ignored", 0).unwrap();
        assert_eq!(recv(&d), parts(&[b"one"]));
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(recv_flags(&d, ZMQ_DONTWAIT), Err(Error::Again));
        // An empty body ends the peer's pipe: its id is gone once that completes.
        send(&router, &[b"D", b""]);
        set_int(&router, ZMQ_ROUTER_MANDATORY, 1);
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            match send_part(&router, b"D", ZMQ_SNDMORE | ZMQ_DONTWAIT) {
                Err(Error::HostUnreach) => break,
                Ok(()) => send_part(&router, b"x", 0).unwrap(),
                Err(e) => assert_eq!(e, Error::Again),
            }
            assert!(std::time::Instant::now() < deadline, "the pipe never ended");
            std::thread::sleep(Duration::from_millis(5));
        }
        finish(ctx, vec![router, d]);
    }

    #[test]
    fn probe_router_from_router_and_connect_before_bind() {
        let ctx = Context::new();
        let client = socket(&ctx, SocketType::Router);
        set_int(&client, ZMQ_PROBE_ROUTER, 1);
        set_bytes(&client, ZMQ_ROUTING_ID, b"C");
        client.connect("inproc://late").unwrap();
        let server = socket(&ctx, SocketType::Router);
        set_bytes(&server, ZMQ_ROUTING_ID, b"S");
        server.bind("inproc://late").unwrap();
        assert_eq!(recv(&server), parts(&[b"C", b""]));
        send(&server, &[b"C", b"hello"]);
        assert_eq!(recv(&client), parts(&[b"S", b"hello"]));
        send(&client, &[b"S", b"reply"]);
        assert_eq!(recv(&server), parts(&[b"C", b"reply"]));
        finish(ctx, vec![client, server]);
    }
}
