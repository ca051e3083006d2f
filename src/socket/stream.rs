//! STREAM: raw TCP (or IPC) peers without ZMTP (libzmq's `stream_t`). The connections are
//! raw (`src/io/raw.rs`); this side names them.
//!
//! Every peer gets a routing id when its pipe attaches: the `ZMQ_CONNECT_ROUTING_ID` of
//! the connect that made it, otherwise 5 bytes `00` + a big-endian `u32` counter that
//! starts at a random value. Received messages are two frames, [routing id, bytes]; the
//! empty messages of `ZMQ_STREAM_NOTIFY` come the same way, [id, ""], on connect and on
//! disconnect. Sent messages are [routing id (with SNDMORE), bytes]: an empty body closes
//! that connection instead.
//!
//! libzmq's edge cases, kept as they are: an unknown id is `EHOSTUNREACH` at once; a full
//! pipe is `EAGAIN` (a blocking send waits); an id frame without SNDMORE is accepted and
//! ignored, yet the next frame is still taken as a body (and dropped); the MORE flag of a
//! body is ignored, so the frame after it starts a new message.

use std::collections::HashMap;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};
use crate::socket::router::random_u32;

/// The STREAM socket type.
#[derive(Debug)]
pub struct Stream {
    fq: FairQueue,
    /// Pipes by routing id.
    out: HashMap<Bytes, PipeId>,
    next_id: u32,
    /// The routing-id frame to return next (before `prefetched_msg`).
    prefetched_id: Option<Msg>,
    /// The body of the message whose routing-id frame was (or is to be) returned.
    prefetched_msg: Option<Msg>,
    /// The routing-id frame of a message was taken: the next part is its body.
    more_out: bool,
    /// Where the body goes (`None`: dropped).
    current_out: Option<PipeId>,
}

impl Default for Stream {
    fn default() -> Stream {
        Stream::new()
    }
}

impl Stream {
    /// A STREAM with no peers.
    pub fn new() -> Stream {
        Stream {
            fq: FairQueue::default(),
            out: HashMap::new(),
            next_id: random_u32(),
            prefetched_id: None,
            prefetched_msg: None,
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

    /// The next body from the fair queue, with its routing-id frame in front.
    fn fetch(&mut self, pipes: &mut Pipes) -> Result<(Msg, Msg)> {
        let (mut body, id) = self.fq.recv(pipes)?;
        // Raw connections deliver single frames; an inproc peer may not, and each of its
        // parts then counts as a message of its own.
        body.set_more(false);
        let rid = pipes
            .get(id)
            .and_then(|p| p.routing_id.clone())
            .unwrap_or_default();
        let mut frame = Msg::from_bytes(rid);
        frame.set_more(true);
        if let Some(meta) = body.metadata() {
            frame.set_metadata(meta.clone());
        }
        Ok((frame, body))
    }

    fn send_id(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if msg.more() {
            let Some(&id) = self.out.get(msg.data()) else {
                return Err(Error::HostUnreach);
            };
            if !pipes.pipe(id).is_some_and(|p| p.check_write()) {
                return Err(Error::Again);
            }
            self.current_out = Some(id);
        }
        self.more_out = true;
        *msg = Msg::new();
        Ok(())
    }

    fn send_body(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        self.more_out = false;
        let body = std::mem::take(msg);
        let Some(p) = self.current_out.take().and_then(|id| pipes.pipe(id)) else {
            return;
        };
        if body.is_empty() {
            // The application closes this connection; what it still holds is dropped.
            p.terminate(false);
            return;
        }
        let mut body = body;
        body.set_more(false);
        // Checked writable with the id frame; a failure means the pipe is going away.
        if p.write(body).is_ok() {
            p.flush();
        }
    }
}

impl Routing for Stream {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        let Some(peer) = pipes.get(id) else {
            return;
        };
        // Set from ZMQ_CONNECT_ROUTING_ID by the connect that made the pipe.
        let given = peer
            .routing_id
            .clone()
            .filter(|rid| peer.locally_initiated && !self.out.contains_key(rid));
        let rid = match given {
            Some(rid) => rid,
            None => self.generate_id(),
        };
        if let Some(peer) = pipes.get_mut(id) {
            peer.routing_id = Some(rid.clone());
        }
        self.out.insert(rid, id);
        self.fq.attach(id);
    }

    fn detach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if let Some(rid) = pipes.get(id).and_then(|p| p.routing_id.clone()) {
            if self.out.get(&rid) == Some(&id) {
                self.out.remove(&rid);
            }
        }
        self.fq.pipe_terminated(id);
        if self.current_out == Some(id) {
            self.current_out = None;
        }
    }

    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        if self.more_out {
            self.send_body(pipes, msg);
            Ok(())
        } else {
            self.send_id(pipes, msg)
        }
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        if let Some(frame) = self.prefetched_id.take() {
            return Ok(frame);
        }
        if let Some(body) = self.prefetched_msg.take() {
            return Ok(body);
        }
        let (frame, body) = self.fetch(pipes)?;
        self.prefetched_msg = Some(body);
        Ok(frame)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.prefetched_id.is_some() || self.prefetched_msg.is_some() {
            return true;
        }
        let Ok((frame, body)) = self.fetch(pipes) else {
            return false;
        };
        self.prefetched_id = Some(frame);
        self.prefetched_msg = Some(body);
        true
    }

    /// A STREAM can always send: a message for a peer that is gone is dropped.
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::consts::*;
    use crate::ctx::Context;
    use crate::error::Error;
    use crate::socket::kind::SocketType;
    use crate::socket::test_util::*;

    /// Two STREAM sockets over inproc (no raw connection, so no notifications): the
    /// routing and the send rules alone.
    #[test]
    fn routing_ids_and_send_rules_over_inproc() {
        let ctx = Context::new();
        let server = socket(&ctx, SocketType::Stream);
        server.bind("inproc://stream").unwrap();
        let client = socket(&ctx, SocketType::Stream);
        set_bytes(&client, ZMQ_CONNECT_ROUTING_ID, b"srv");
        client.connect("inproc://stream").unwrap();
        let other = socket(&ctx, SocketType::Stream);
        other.connect("inproc://stream").unwrap();

        send(&client, &[b"srv", b"hello"]);
        let m = recv(&server);
        assert_eq!(m[1], b"hello");
        assert_eq!(m[0].len(), 5);
        assert_eq!(m[0][0], 0);
        send(&other, &[b"other"]); // an id frame without MORE: ignored...
        send(&other, &[b"swallowed"]); // ...and the next frame is taken as its body
        assert_eq!(server.events(), Ok(ZMQ_POLLOUT));

        // Unknown ids fail at once, whatever the flags.
        assert_eq!(
            send_part(&server, b"nobody", ZMQ_SNDMORE),
            Err(Error::HostUnreach)
        );
        assert_eq!(
            send_part(&server, b"nobody", ZMQ_SNDMORE | ZMQ_DONTWAIT),
            Err(Error::HostUnreach)
        );
        // A body with MORE ends the message all the same.
        send_part(&server, &m[0], ZMQ_SNDMORE).unwrap();
        send_part(&server, b"world", ZMQ_SNDMORE).unwrap();
        assert_eq!(recv(&client), parts(&[b"srv", b"world"]));
        finish(ctx, vec![server, client, other]);
    }

    #[test]
    fn generated_ids_are_consecutive() {
        let ctx = Context::new();
        let server = socket(&ctx, SocketType::Stream);
        server.bind("inproc://ids").unwrap();
        let a = socket(&ctx, SocketType::Dealer);
        a.connect("inproc://ids").unwrap();
        let b = socket(&ctx, SocketType::Dealer);
        b.connect("inproc://ids").unwrap();
        send(&a, &[b"a"]);
        send(&b, &[b"b"]);
        let ma = recv(&server);
        let mb = recv(&server);
        assert_eq!(ma[1], b"a");
        assert_eq!(mb[1], b"b");
        let na = u32::from_be_bytes(ma[0][1..].try_into().unwrap());
        let nb = u32::from_be_bytes(mb[0][1..].try_into().unwrap());
        assert_eq!(nb, na.wrapping_add(1));
        finish(ctx, vec![server, a, b]);
    }
}
