//! PUSH: load-balances messages over its peers; receives nothing.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::lb::LoadBalancer;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};

/// The PUSH socket type.
#[derive(Debug, Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Routing for Push {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        // Nobody reads what a PULL might send back, so a terminating pipe need not wait
        // for it (libzmq sets the same).
        if let Some(p) = pipes.pipe(id) {
            p.set_nodelay();
        }
        self.lb.attach(id);
    }

    fn detach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.pipe_terminated(id);
    }

    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.activated(id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        self.lb.send(pipes, msg).map(|_| ())
    }

    fn recv(&mut self, _pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        Err(Error::NotSup)
    }

    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        false
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
    fn round_robin_over_pullers_whole_messages() {
        let ctx = Context::new();
        let push = socket(&ctx, SocketType::Push);
        push.bind("inproc://rr").unwrap();
        let pulls: Vec<_> = (0..3)
            .map(|_| {
                let p = socket(&ctx, SocketType::Pull);
                p.connect("inproc://rr").unwrap();
                p
            })
            .collect();
        for i in 0..6u8 {
            send(&push, &[&[i], b"tail"]);
        }
        for (n, p) in pulls.iter().enumerate() {
            let n = n as u8;
            assert_eq!(recv(p), parts(&[&[n], b"tail"]));
            assert_eq!(recv(p), parts(&[&[n + 3], b"tail"]));
            assert_eq!(recv_flags(p, ZMQ_DONTWAIT), Err(Error::Again));
        }
        let mut all = vec![push];
        all.extend(pulls);
        finish(ctx, all);
    }

    #[test]
    fn recv_is_not_supported_and_no_peer_is_again() {
        let ctx = Context::new();
        let push = socket(&ctx, SocketType::Push);
        assert_eq!(push.recv(ZMQ_DONTWAIT).map(|_| ()), Err(Error::NotSup));
        assert_eq!(push.recv(0).map(|_| ()), Err(Error::NotSup));
        assert_eq!(send_part(&push, b"x", ZMQ_DONTWAIT), Err(Error::Again));
        set_int(&push, ZMQ_SNDTIMEO, 50);
        assert_eq!(send_part(&push, b"x", 0), Err(Error::Again));
        assert_eq!(push.events(), Ok(0));
        finish(ctx, vec![push]);
    }

    #[test]
    fn connect_before_bind_queues() {
        let ctx = Context::new();
        let push = socket(&ctx, SocketType::Push);
        push.connect("inproc://later").unwrap();
        send(&push, &[b"early"]);
        let pull = socket(&ctx, SocketType::Pull);
        pull.bind("inproc://later").unwrap();
        assert_eq!(recv(&pull), parts(&[b"early"]));
        finish(ctx, vec![push, pull]);
    }

    #[test]
    fn full_pipe_is_skipped() {
        let ctx = Context::new();
        let push = socket(&ctx, SocketType::Push);
        set_int(&push, ZMQ_SNDHWM, 1);
        push.bind("inproc://full").unwrap();
        let a = socket(&ctx, SocketType::Pull);
        set_int(&a, ZMQ_RCVHWM, 1);
        a.connect("inproc://full").unwrap();
        let b = socket(&ctx, SocketType::Pull);
        set_int(&b, ZMQ_RCVHWM, 1);
        b.connect("inproc://full").unwrap();
        // Each pipe holds 2 (SNDHWM + RCVHWM on inproc): 4 fit, the 5th does not.
        for i in 0..4u8 {
            send_part(&push, &[i], ZMQ_DONTWAIT).unwrap();
        }
        assert_eq!(send_part(&push, b"x", ZMQ_DONTWAIT), Err(Error::Again));
        assert_eq!(recv(&a), parts(&[&[0]]));
        assert_eq!(recv(&a), parts(&[&[2]]));
        assert_eq!(recv(&b), parts(&[&[1]]));
        assert_eq!(recv(&b), parts(&[&[3]]));
        finish(ctx, vec![push, a, b]);
    }
}
