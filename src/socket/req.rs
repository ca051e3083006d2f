//! REQ: a DEALER in lock step. Each request starts with an empty delimiter frame (after a
//! 4-byte request id with `ZMQ_REQ_CORRELATE`); a reply is read only from the pipe the
//! request went to, and replies without the right envelope are skipped. Sending twice or
//! receiving before sending is `EFSM`, unless `ZMQ_REQ_RELAXED` allows a new request
//! before the reply.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::dealer::Dealer;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};
use crate::socket::router::random_u32;

/// The REQ socket type.
#[derive(Debug)]
pub struct Req {
    dealer: Dealer,
    /// A request was sent; its reply is awaited.
    receiving_reply: bool,
    /// The next part starts a message (a request to send, or a reply to check).
    message_begins: bool,
    /// The pipe the last request went to (`None` once it is gone: any pipe will do).
    reply_pipe: Option<PipeId>,
    /// The id of the last request (`ZMQ_REQ_CORRELATE`); starts random.
    request_id: u32,
    /// `ZMQ_REQ_CORRELATE`.
    correlate: bool,
    /// Not `ZMQ_REQ_RELAXED`.
    strict: bool,
}

impl Default for Req {
    fn default() -> Req {
        Req::new()
    }
}

impl Req {
    /// A REQ with no peers.
    pub fn new() -> Req {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            request_id: random_u32(),
            correlate: false,
            strict: true,
        }
    }

    /// The next part from the pipe of the last request; parts from other pipes are dropped.
    fn recv_reply_pipe(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        loop {
            let (msg, id) = self.dealer.recv_pipe(pipes)?;
            if self.reply_pipe.is_none_or(|p| p == id) {
                return Ok(msg);
            }
        }
    }

    /// Reads and drops the rest of a message whose last part read was `msg`.
    fn skip_rest(&mut self, pipes: &mut Pipes, mut msg: Msg) -> Result<()> {
        while msg.more() {
            msg = self.recv_reply_pipe(pipes)?;
        }
        Ok(())
    }
}

impl Routing for Req {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dealer.attach(pipes, id);
    }

    fn detach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
        self.dealer.detach(pipes, id);
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dealer.read_activated(pipes, id);
    }

    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dealer.write_activated(pipes, id);
    }

    fn configure(&mut self, options: &Options) {
        self.dealer.configure(options);
        self.correlate = options.req_correlate;
        self.strict = !options.req_relaxed;
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        if self.receiving_reply {
            if self.strict {
                return Err(Error::Fsm);
            }
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.reply_pipe = None;
            if self.correlate {
                self.request_id = self.request_id.wrapping_add(1);
                // Host byte order, as libzmq copies the integer.
                let mut id = Msg::from_bytes(self.request_id.to_ne_bytes().to_vec().into());
                id.set_more(true);
                self.reply_pipe = self.dealer.send_pipe(pipes, &mut id)?;
            }
            let mut bottom = Msg::new();
            bottom.set_more(true);
            if let Some(p) = self.dealer.send_pipe(pipes, &mut bottom)? {
                self.reply_pipe = Some(p);
            }
            self.message_begins = false;
            // Replies queued before this request cannot be its reply: drop them, so that a
            // late reply to an old request is never taken for the reply to a new one.
            while self.dealer.recv_pipe(pipes).is_ok() {}
        }
        let more = msg.more();
        self.dealer.send_pipe(pipes, msg)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        if !self.receiving_reply {
            return Err(Error::Fsm);
        }
        while self.message_begins {
            if self.correlate {
                let msg = self.recv_reply_pipe(pipes)?;
                if !msg.more() || msg.data() != self.request_id.to_ne_bytes() {
                    self.skip_rest(pipes, msg)?;
                    continue;
                }
            }
            let msg = self.recv_reply_pipe(pipes)?;
            if !msg.more() || !msg.is_empty() {
                self.skip_rest(pipes, msg)?;
                continue;
            }
            self.message_begins = false;
        }
        let msg = self.recv_reply_pipe(pipes)?;
        if !msg.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.receiving_reply && self.dealer.has_in(pipes)
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        !(self.receiving_reply && self.strict) && self.dealer.has_out(pipes)
    }
}

#[cfg(test)]
mod tests {
    use crate::consts::*;
    use crate::ctx::Context;
    use crate::error::Error;
    use crate::socket::kind::SocketType;
    use crate::socket::test_util::*;

    #[test]
    fn lock_step_and_efsm() {
        let ctx = Context::new();
        let rep = socket(&ctx, SocketType::Rep);
        rep.bind("inproc://reqrep").unwrap();
        let req = socket(&ctx, SocketType::Req);
        req.connect("inproc://reqrep").unwrap();
        assert_eq!(req.recv(ZMQ_DONTWAIT).map(|_| ()), Err(Error::Fsm));
        assert_eq!(send_part(&rep, b"x", ZMQ_DONTWAIT), Err(Error::Fsm));
        send(&req, &[b"hi", b"there"]);
        assert_eq!(send_part(&req, b"again", 0), Err(Error::Fsm));
        assert_eq!(req.events(), Ok(0));
        assert_eq!(recv(&rep), parts(&[b"hi", b"there"]));
        assert_eq!(rep.recv(ZMQ_DONTWAIT).map(|_| ()), Err(Error::Fsm));
        send(&rep, &[b"reply"]);
        assert_eq!(recv(&req), parts(&[b"reply"]));
        assert_eq!(req.recv(ZMQ_DONTWAIT).map(|_| ()), Err(Error::Fsm));
        send(&req, &[b"second"]);
        assert_eq!(recv(&rep), parts(&[b"second"]));
        finish(ctx, vec![rep, req]);
    }

    #[test]
    fn envelope_seen_by_router_and_bad_replies_skipped() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        router.bind("inproc://req-router").unwrap();
        let req = socket(&ctx, SocketType::Req);
        set_bytes(&req, ZMQ_ROUTING_ID, b"R");
        req.connect("inproc://req-router").unwrap();
        send(&req, &[b"hi"]);
        assert_eq!(recv(&router), parts(&[b"R", b"", b"hi"]));
        // No delimiter, a non-empty delimiter, a delimiter without body: all skipped.
        send(&router, &[b"R", b"bad"]);
        send(&router, &[b"R", b"x", b"bad"]);
        send(&router, &[b"R", b""]);
        send(&router, &[b"R", b"", b"good", b"parts"]);
        assert_eq!(recv(&req), parts(&[b"good", b"parts"]));
        finish(ctx, vec![router, req]);
    }

    #[test]
    fn replies_only_from_the_request_pipe() {
        let ctx = Context::new();
        let req = socket(&ctx, SocketType::Req);
        req.bind("inproc://two-routers").unwrap();
        let r1 = socket(&ctx, SocketType::Router);
        r1.connect("inproc://two-routers").unwrap();
        let r2 = socket(&ctx, SocketType::Router);
        r2.connect("inproc://two-routers").unwrap();
        send(&req, &[b"q1"]);
        let m = recv(&r1);
        assert_eq!(&m[1..], &parts(&[b"", b"q1"])[..]);
        // r2 answers a request it never got: ignored.
        send(&r2, &[&m[0], b"", b"stray"]);
        std::thread::sleep(std::time::Duration::from_millis(50));
        send(&r1, &[&m[0], b"", b"a1"]);
        assert_eq!(recv(&req), parts(&[b"a1"]));
        // The next request goes to r2 (round robin).
        send(&req, &[b"q2"]);
        let m = recv(&r2);
        assert_eq!(&m[1..], &parts(&[b"", b"q2"])[..]);
        send(&r2, &[&m[0], b"", b"a2"]);
        assert_eq!(recv(&req), parts(&[b"a2"]));
        finish(ctx, vec![req, r1, r2]);
    }

    #[test]
    fn correlate_and_relaxed() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        router.bind("inproc://correlate").unwrap();
        let req = socket(&ctx, SocketType::Req);
        set_int(&req, ZMQ_REQ_CORRELATE, 1);
        set_int(&req, ZMQ_REQ_RELAXED, 1);
        req.connect("inproc://correlate").unwrap();
        send(&req, &[b"one"]);
        let first = recv(&router);
        assert_eq!(first.len(), 4);
        assert_eq!(first[1].len(), 4);
        assert_eq!(&first[2..], &parts(&[b"", b"one"])[..]);
        // Relaxed: a new request before the reply; its id is one more (host order).
        send(&req, &[b"two"]);
        let second = recv(&router);
        let id1 = u32::from_ne_bytes(first[1].clone().try_into().unwrap());
        let id2 = u32::from_ne_bytes(second[1].clone().try_into().unwrap());
        assert_eq!(id2, id1.wrapping_add(1));
        // The reply to the first request is stale now, so is one without the id.
        send(&router, &[&first[0], &first[1], b"", b"old"]);
        send(&router, &[&first[0], b"", b"no id"]);
        send(&router, &[&second[0], &second[1], b"", b"new"]);
        assert_eq!(recv(&req), parts(&[b"new"]));
        finish(ctx, vec![router, req]);
    }
}
