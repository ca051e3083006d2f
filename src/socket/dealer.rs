//! DEALER: load-balances outgoing messages, fair-queues incoming ones, frames unchanged.
//! REQ is built on it.

use crate::error::Result;
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::fq::FairQueue;
use crate::socket::lb::LoadBalancer;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};

/// The DEALER socket type.
#[derive(Debug, Default)]
pub struct Dealer {
    fq: FairQueue,
    lb: LoadBalancer,
    /// `ZMQ_PROBE_ROUTER`: greet each new peer with an empty message.
    probe_router: bool,
}

/// Writes the empty `ZMQ_PROBE_ROUTER` message to a new pipe (dropped if it does not fit,
/// as in libzmq).
pub(crate) fn send_probe(pipes: &mut Pipes, id: PipeId) {
    if let Some(p) = pipes.pipe(id) {
        if p.write(Msg::new()).is_ok() {
            p.flush();
        }
    }
}

impl Dealer {
    /// Sends one part; the pipe it went to, if any (see [`LoadBalancer::send`]).
    pub(crate) fn send_pipe(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeId>> {
        self.lb.send(pipes, msg)
    }

    /// Receives one part and the pipe it came from.
    pub(crate) fn recv_pipe(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        self.fq.recv(pipes)
    }
}

impl Routing for Dealer {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.probe_router {
            send_probe(pipes, id);
        }
        self.fq.attach(id);
        self.lb.attach(id);
    }

    fn detach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.pipe_terminated(id);
        self.lb.pipe_terminated(id);
    }

    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.activated(id);
    }

    fn configure(&mut self, options: &Options) {
        self.probe_router = options.probe_router;
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        self.lb.send(pipes, msg).map(|_| ())
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        self.fq.recv(pipes).map(|(msg, _)| msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
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
    fn round_robin_out_fair_queue_in() {
        let ctx = Context::new();
        let dealer = socket(&ctx, SocketType::Dealer);
        dealer.bind("inproc://dealer").unwrap();
        let peers: Vec<_> = (0..2)
            .map(|_| {
                let p = socket(&ctx, SocketType::Dealer);
                p.connect("inproc://dealer").unwrap();
                p
            })
            .collect();
        for i in 0..4u8 {
            send(&dealer, &[&[i], b""]);
        }
        assert_eq!(recv(&peers[0]), parts(&[&[0], b""]));
        assert_eq!(recv(&peers[1]), parts(&[&[1], b""]));
        assert_eq!(recv(&peers[0]), parts(&[&[2], b""]));
        assert_eq!(recv(&peers[1]), parts(&[&[3], b""]));
        send(&peers[1], &[b"b1"]);
        send(&peers[1], &[b"b2"]);
        send(&peers[0], &[b"a1", b"a1+"]);
        assert_eq!(recv(&dealer), parts(&[b"a1", b"a1+"]));
        assert_eq!(recv(&dealer), parts(&[b"b1"]));
        assert_eq!(recv(&dealer), parts(&[b"b2"]));
        assert_eq!(recv_flags(&dealer, ZMQ_DONTWAIT), Err(Error::Again));
        let mut all = vec![dealer];
        all.extend(peers);
        finish(ctx, all);
    }

    #[test]
    fn probe_router_greets_each_peer() {
        let ctx = Context::new();
        let router = socket(&ctx, SocketType::Router);
        router.bind("inproc://probe").unwrap();
        let dealer = socket(&ctx, SocketType::Dealer);
        set_int(&dealer, ZMQ_PROBE_ROUTER, 1);
        set_bytes(&dealer, ZMQ_ROUTING_ID, b"D");
        dealer.connect("inproc://probe").unwrap();
        assert_eq!(recv(&router), parts(&[b"D", b""]));
        finish(ctx, vec![router, dealer]);
    }

    #[test]
    fn dying_pipe_drops_the_rest_of_its_message() {
        let ctx = Context::new();
        let dealer = socket(&ctx, SocketType::Dealer);
        dealer.bind("inproc://dying").unwrap();
        let a = socket(&ctx, SocketType::Dealer);
        a.connect("inproc://dying").unwrap();
        assert_eq!(dealer.events(), Ok(ZMQ_POLLOUT));
        send_part(&dealer, b"first", ZMQ_SNDMORE).unwrap();
        a.close();
        // The pipe to `a` ends while the message is unfinished: its rest goes nowhere, and
        // the next message waits for a peer.
        send_part(&dealer, b"second", ZMQ_SNDMORE).unwrap();
        send_part(&dealer, b"last", 0).unwrap();
        let b = socket(&ctx, SocketType::Dealer);
        b.connect("inproc://dying").unwrap();
        send(&dealer, &[b"next"]);
        assert_eq!(recv(&b), parts(&[b"next"]));
        finish(ctx, vec![dealer, b]);
    }
}
