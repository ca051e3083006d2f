//! PULL: fair-queues messages from its peers; sends nothing.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};

/// The PULL socket type.
#[derive(Debug, Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Routing for Pull {
    fn attach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.attach(id);
    }

    fn detach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.pipe_terminated(id);
    }

    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }

    fn send(&mut self, _pipes: &mut Pipes, _msg: &mut Msg, _options: &Options) -> Result<()> {
        Err(Error::NotSup)
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        self.fq.recv(pipes).map(|(msg, _)| msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }

    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        false
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
    fn fair_queue_over_pushers_whole_messages() {
        let ctx = Context::new();
        let pull = socket(&ctx, SocketType::Pull);
        pull.bind("inproc://fq").unwrap();
        let pushes: Vec<_> = (0..3u8)
            .map(|n| {
                let p = socket(&ctx, SocketType::Push);
                p.connect("inproc://fq").unwrap();
                for i in 0..2u8 {
                    send(&p, &[&[n, i], b"more", b"end"]);
                }
                p
            })
            .collect();
        let mut got = Vec::new();
        for _ in 0..6 {
            let m = recv(&pull);
            assert_eq!(&m[1..], &parts(&[b"more", b"end"])[..]);
            got.push(m[0].clone());
        }
        assert_eq!(
            got,
            vec![
                vec![0, 0],
                vec![1, 0],
                vec![2, 0],
                vec![0, 1],
                vec![1, 1],
                vec![2, 1]
            ]
        );
        assert_eq!(recv_flags(&pull, ZMQ_DONTWAIT), Err(Error::Again));
        let mut all = vec![pull];
        all.extend(pushes);
        finish(ctx, all);
    }

    #[test]
    fn send_is_not_supported() {
        let ctx = Context::new();
        let pull = socket(&ctx, SocketType::Pull);
        assert_eq!(send_part(&pull, b"x", 0), Err(Error::NotSup));
        assert_eq!(send_part(&pull, b"x", ZMQ_DONTWAIT), Err(Error::NotSup));
        set_int(&pull, ZMQ_RCVTIMEO, 50);
        assert_eq!(pull.recv(0).map(|_| ()), Err(Error::Again));
        finish(ctx, vec![pull]);
    }

    #[test]
    fn events_report_pollin() {
        let ctx = Context::new();
        let pull = socket(&ctx, SocketType::Pull);
        pull.bind("inproc://ev").unwrap();
        let push = socket(&ctx, SocketType::Push);
        push.connect("inproc://ev").unwrap();
        assert_eq!(pull.events(), Ok(0));
        send(&push, &[b"a"]);
        assert_eq!(pull.events(), Ok(ZMQ_POLLIN));
        assert_eq!(recv(&pull), parts(&[b"a"]));
        assert_eq!(pull.events(), Ok(0));
        finish(ctx, vec![pull, push]);
    }
}
