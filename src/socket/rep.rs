//! REP: a ROUTER in lock step. A request's envelope (every frame up to and including the
//! first empty one) is kept and sent back in front of the reply, to the pipe the request
//! came from; a request without an empty frame is dropped. Sending before a request was
//! received, or receiving before the reply was sent, is `EFSM`.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};
use crate::socket::router::Router;

/// The REP socket type.
#[derive(Debug, Default)]
pub struct Rep {
    router: Router,
    /// A request was received; its reply is due.
    sending_reply: bool,
    /// The next part received starts a request (its envelope).
    request_begins: bool,
}

impl Rep {
    /// A REP with no peers.
    pub fn new() -> Rep {
        Rep {
            router: Router::new(),
            sending_reply: false,
            request_begins: true,
        }
    }
}

impl Routing for Rep {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.attach(pipes, id);
    }

    fn detach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.detach(pipes, id);
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.read_activated(pipes, id);
    }

    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.write_activated(pipes, id);
    }

    fn configure(&mut self, options: &Options) {
        self.router.configure(options);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        if !self.sending_reply {
            return Err(Error::Fsm);
        }
        let more = msg.more();
        self.router.send_part(pipes, msg)?;
        if !more {
            self.sending_reply = false;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        if self.sending_reply {
            return Err(Error::Fsm);
        }
        if self.request_begins {
            // Move the envelope straight into the reply pipe: it goes out (flushed) with
            // the last part of the reply.
            loop {
                let mut msg = self.router.recv_part(pipes)?;
                if msg.more() {
                    let bottom = msg.is_empty();
                    // Cannot fail: the routing-id frame and labels are never refused here
                    // (with ROUTER_MANDATORY, an unroutable envelope just goes nowhere).
                    let _ = self.router.send_part(pipes, &mut msg);
                    if bottom {
                        break;
                    }
                } else {
                    // No empty frame: not a request. Forget the envelope copied so far.
                    self.router.rollback(pipes);
                }
            }
            self.request_begins = false;
        }
        let msg = self.router.recv_part(pipes)?;
        if !msg.more() {
            self.sending_reply = true;
            self.request_begins = true;
        }
        Ok(msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        !self.sending_reply && self.router.has_in_part(pipes)
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.sending_reply && self.router.has_out_part(pipes)
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
    fn envelope_goes_back_with_the_reply() {
        let ctx = Context::new();
        let rep = socket(&ctx, SocketType::Rep);
        rep.bind("inproc://rep").unwrap();
        let dealer = socket(&ctx, SocketType::Dealer);
        dealer.connect("inproc://rep").unwrap();
        assert_eq!(send_part(&rep, b"x", 0), Err(Error::Fsm));
        // Malformed (no empty frame): dropped whole.
        send(&dealer, &[b"label", b"body"]);
        send(&dealer, &[b"l1", b"l2", b"", b"body", b"more"]);
        assert_eq!(recv(&rep), parts(&[b"body", b"more"]));
        assert_eq!(rep.events(), Ok(ZMQ_POLLOUT));
        send(&rep, &[b"re", b"ply"]);
        assert_eq!(recv(&dealer), parts(&[b"l1", b"l2", b"", b"re", b"ply"]));
        assert_eq!(send_part(&rep, b"x", 0), Err(Error::Fsm));
        finish(ctx, vec![rep, dealer]);
    }

    #[test]
    fn replies_go_to_each_requester() {
        let ctx = Context::new();
        let rep = socket(&ctx, SocketType::Rep);
        rep.bind("inproc://reps").unwrap();
        let reqs: Vec<_> = (0..3u8)
            .map(|n| {
                let r = socket(&ctx, SocketType::Req);
                r.connect("inproc://reps").unwrap();
                send(&r, &[&[n]]);
                r
            })
            .collect();
        for _ in 0..3 {
            let m = recv(&rep);
            send(&rep, &[&[m[0][0] + 10]]);
        }
        for (n, r) in reqs.iter().enumerate() {
            assert_eq!(recv(r), vec![vec![n as u8 + 10]]);
        }
        let mut all = vec![rep];
        all.extend(reqs);
        finish(ctx, all);
    }

    #[test]
    fn reply_to_a_gone_requester_is_dropped() {
        let ctx = Context::new();
        let rep = socket(&ctx, SocketType::Rep);
        rep.bind("inproc://gone").unwrap();
        let req = socket(&ctx, SocketType::Req);
        req.connect("inproc://gone").unwrap();
        send(&req, &[b"q"]);
        assert_eq!(recv(&rep), parts(&[b"q"]));
        req.close();
        std::thread::sleep(std::time::Duration::from_millis(20));
        send(&rep, &[b"lost"]);
        set_int(&rep, ZMQ_RCVTIMEO, 20);
        assert_eq!(rep.recv(0).map(|_| ()), Err(Error::Again));
        finish(ctx, vec![rep]);
    }
}
