//! XSUB: SUB that lets the application send its subscriptions as messages (libzmq's
//! `xsub_t`; SUB is built on it, see [`super::sub`]).
//!
//! Sending `01`+topic subscribes: the topic is counted in the local trie and the message
//! goes to every publisher. Sending `00`+topic unsubscribes; it goes on only when the
//! topic's count reaches zero (or always, with `ZMQ_XSUB_VERBOSE_UNSUBSCRIBE`). Any other
//! message goes to every publisher as data. Each new or reconnected publisher gets every
//! distinct subscription once. Messages are read with fair queueing; XSUB passes them all
//! up, SUB only those matching a subscription (publishers filter too, but old and inproc
//! ones may not have all the subscriptions yet).

#![forbid(unsafe_code)]

use std::ffi::c_int;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::dist::{Dist, PipeList};
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};
use crate::socket::trie::Trie;

/// Fair queueing over the readable pipes (libzmq's `fq_t`): `[0, active)` may have
/// messages, the others ran dry and wait for `activated`.
#[derive(Debug, Default)]
struct FairQueue {
    pipes: PipeList,
    active: usize,
    current: usize,
    /// In the middle of a multipart message: its parts come from the current pipe.
    more: bool,
}

impl FairQueue {
    fn attach(&mut self, id: PipeId) {
        let last = self.pipes.len();
        self.pipes.push(id);
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    fn pipe_terminated(&mut self, id: PipeId) {
        let Some(i) = self.pipes.index(id) else {
            return;
        };
        if i < self.active {
            self.active -= 1;
            self.pipes.swap(i, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        self.pipes.remove(id);
    }

    fn activated(&mut self, id: PipeId) {
        // A pipe still in the active section never ran dry: nothing to move.
        let Some(i) = self.pipes.index(id) else {
            return;
        };
        if i < self.active {
            return;
        }
        self.pipes.swap(i, self.active);
        self.active += 1;
    }

    fn recv(&mut self, pipes: &mut Pipes) -> Option<Msg> {
        while self.active > 0 {
            let id = self.pipes.get(self.current);
            if let Some(msg) = pipes.pipe(id).and_then(|p| p.read()) {
                self.more = msg.more();
                if !self.more {
                    self.current = (self.current + 1) % self.active;
                }
                return Some(msg);
            }
            // The rest of a multipart message is always there once its first part is
            // (pipes publish whole messages); a pipe that ends mid-message is dropped.
            self.more = false;
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        None
    }
}

/// The XSUB socket type (and the core of SUB).
#[derive(Debug)]
pub struct XSub {
    /// Pass up only messages matching a subscription (SUB).
    filter: bool,
    invert_matching: bool,
    verbose_unsubs: bool,
    only_first_subscribe: bool,
    fq: FairQueue,
    dist: Dist,
    subscriptions: Trie,
    /// A message `has_in` read ahead (it had to look for one that passes the filter).
    prefetched: Option<Msg>,
    /// The application is in the middle of reading a multipart message.
    more_recv: bool,
    /// The application is in the middle of sending a multipart message.
    more_send: bool,
    /// The parts of the message being sent are looked at as (un)subscriptions.
    process_subscribe: bool,
}

impl XSub {
    /// An XSUB, or the core of a SUB when `filter`.
    pub fn new(filter: bool) -> XSub {
        XSub {
            filter,
            invert_matching: false,
            verbose_unsubs: false,
            only_first_subscribe: false,
            fq: FairQueue::default(),
            dist: Dist::default(),
            subscriptions: Trie::new(),
            prefetched: None,
            more_recv: false,
            more_send: false,
            process_subscribe: false,
        }
    }

    /// Sends every distinct subscription once to `id` (a new or reconnected publisher).
    /// Those that do not fit under the HWM are dropped, as for `ZMQ_SUBSCRIBE`.
    fn send_subscriptions(&mut self, pipes: &mut Pipes, id: PipeId) {
        let Some(pipe) = pipes.pipe(id) else {
            return;
        };
        self.subscriptions.apply(|topic| {
            let mut body = Vec::with_capacity(topic.len() + 1);
            body.push(1);
            body.extend_from_slice(topic);
            let _ = pipe.write(Msg::from_bytes(body.into()));
        });
        pipe.flush();
    }

    /// Sends one part: a (un)subscription is applied to the trie and passed on (see the
    /// module documentation), anything else goes to every publisher. Never blocks: a pipe
    /// at its HWM misses the part.
    pub fn send_part(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        let first_part = !self.more_send;
        self.more_send = msg.more();
        if first_part {
            self.process_subscribe = !self.only_first_subscribe;
        } else if !self.process_subscribe {
            self.dist.send_to_all(pipes, msg);
            return;
        }
        match msg.data().first() {
            Some(1) => {
                // Counted, and always passed on: the publisher side filters duplicates
                // (and XPUB_VERBOSE behind a forwarder needs to see them).
                self.subscriptions.add(&msg.data()[1..]);
                self.process_subscribe = true;
                self.dist.send_to_all(pipes, msg);
            }
            Some(0) => {
                self.process_subscribe = true;
                let last = self.subscriptions.remove(&msg.data()[1..]);
                if last || self.verbose_unsubs {
                    self.dist.send_to_all(pipes, msg);
                } else {
                    *msg = Msg::new();
                }
            }
            _ => self.dist.send_to_all(pipes, msg),
        }
    }

    fn matches(&self, msg: &Msg) -> bool {
        self.subscriptions.check(msg.data()) ^ self.invert_matching
    }

    /// The next message part that passes the filter (whole messages are skipped).
    fn next_passing(&mut self, pipes: &mut Pipes) -> Option<Msg> {
        loop {
            let msg = self.fq.recv(pipes)?;
            if !self.filter || self.matches(&msg) {
                return Some(msg);
            }
            let mut more = msg.more();
            while more {
                more = self.fq.recv(pipes).is_some_and(|m| m.more());
            }
        }
    }
}

impl Routing for XSub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.fq.attach(id);
        self.dist.attach(id);
        self.send_subscriptions(pipes, id);
    }

    fn detach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.pipe_terminated(id);
        self.dist.pipe_terminated(id);
    }

    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.dist.activated(id);
    }

    fn hiccuped(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.send_subscriptions(pipes, id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        self.send_part(pipes, msg);
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        let msg = match self.prefetched.take() {
            Some(msg) => msg,
            None if self.more_recv => self.fq.recv(pipes).ok_or(Error::Again)?,
            None => self.next_passing(pipes).ok_or(Error::Again)?,
        };
        self.more_recv = msg.more();
        Ok(msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more_recv || self.prefetched.is_some() {
            return true;
        }
        self.prefetched = self.next_passing(pipes);
        self.prefetched.is_some()
    }

    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        true
    }

    fn topics_count(&self) -> c_int {
        c_int::try_from(self.subscriptions.num_prefixes()).unwrap_or(c_int::MAX)
    }

    fn configure(&mut self, options: &Options) {
        self.invert_matching = options.invert_matching;
        self.verbose_unsubs = options.xsub_verbose_unsubscribe;
        self.only_first_subscribe = options.only_first_subscribe;
    }
}

#[cfg(test)]
mod tests {
    use crate::consts::*;
    use crate::ctx::Context;
    use crate::error::Error;
    use crate::socket::kind::SocketType;
    use crate::socket::xpub::tests::{
        close_all, get_int, nothing, recv, send, set, set_int, socket,
    };

    #[test]
    fn sub_sends_every_subscribe_and_the_last_unsubscribe() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        set_int(&x, ZMQ_XPUB_VERBOSER, 1);
        x.bind("inproc://sub-counted").unwrap();
        let s = socket(&ctx, SocketType::Sub);
        s.connect("inproc://sub-counted").unwrap();
        set(&s, ZMQ_SUBSCRIBE, b"A");
        set(&s, ZMQ_SUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        set(&s, ZMQ_UNSUBSCRIBE, b"A");
        nothing(&x);
        set(&s, ZMQ_UNSUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
        // Unsubscribing from nothing sends nothing.
        set(&s, ZMQ_UNSUBSCRIBE, b"A");
        nothing(&x);
        assert_eq!(
            s.send(&mut crate::msg::Msg::new(), 0).err(),
            Some(Error::NotSup)
        );
        assert_eq!(s.events().unwrap(), 0);
        close_all(ctx, vec![x, s]);
    }

    #[test]
    fn sub_sends_each_distinct_subscription_on_attach() {
        let ctx = Context::new();
        let s = socket(&ctx, SocketType::Sub);
        set(&s, ZMQ_SUBSCRIBE, b"B");
        set(&s, ZMQ_SUBSCRIBE, b"A");
        set(&s, ZMQ_SUBSCRIBE, b"A");
        // Connected before the bind: the pipe waits for the XPUB.
        s.connect("inproc://sub-attach").unwrap();
        let x = socket(&ctx, SocketType::XPub);
        set_int(&x, ZMQ_XPUB_VERBOSE, 1);
        x.bind("inproc://sub-attach").unwrap();
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        assert_eq!(recv(&x).unwrap(), [b"\x01B"]);
        nothing(&x);
        assert_eq!(get_int(&s, ZMQ_TOPICS_COUNT), 2);
        close_all(ctx, vec![x, s]);
    }

    #[test]
    fn sub_filters_locally_and_skips_whole_messages() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        x.bind("inproc://sub-local").unwrap();
        let s = socket(&ctx, SocketType::Sub);
        s.connect("inproc://sub-local").unwrap();
        set(&s, ZMQ_SUBSCRIBE, b"A");
        set(&s, ZMQ_SUBSCRIBE, b"B");
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        assert_eq!(recv(&x).unwrap(), [b"\x01B"]);
        send(&x, &[b"A1", b"B-part"]).unwrap();
        send(&x, &[b"B1", b"A-part"]).unwrap();
        // Queued at the SUB already; its own filter drops the first one now.
        set(&s, ZMQ_UNSUBSCRIBE, b"A");
        assert_eq!(s.events().unwrap(), ZMQ_POLLIN);
        assert_eq!(recv(&s).unwrap(), [&b"B1"[..], b"A-part"]);
        nothing(&s);
        assert_eq!(s.events().unwrap(), 0);
        close_all(ctx, vec![x, s]);
    }

    #[test]
    fn sub_fair_queues_publishers() {
        let ctx = Context::new();
        let p1 = socket(&ctx, SocketType::Pub);
        let p2 = socket(&ctx, SocketType::Pub);
        p1.bind("inproc://sub-fq1").unwrap();
        p2.bind("inproc://sub-fq2").unwrap();
        let s = socket(&ctx, SocketType::Sub);
        set(&s, ZMQ_SUBSCRIBE, b"");
        s.connect("inproc://sub-fq1").unwrap();
        s.connect("inproc://sub-fq2").unwrap();
        send(&p1, &[b"a1"]).unwrap();
        send(&p1, &[b"a2"]).unwrap();
        send(&p2, &[b"b1"]).unwrap();
        send(&p2, &[b"b2"]).unwrap();
        let got: Vec<_> = (0..4).map(|_| recv(&s).unwrap().concat()).collect();
        assert_eq!(got, [b"a1", b"b1", b"a2", b"b2"]);
        close_all(ctx, vec![p1, p2, s]);
    }

    #[test]
    fn xsub_forwards_both_ways_without_filtering() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        set_int(&x, ZMQ_XPUB_VERBOSE, 1);
        x.bind("inproc://xsub-fwd").unwrap();
        let xs = socket(&ctx, SocketType::XSub);
        assert_eq!(
            xs.set_option(ZMQ_SUBSCRIBE, Some(b"A")).err(),
            Some(Error::Inval)
        );
        xs.connect("inproc://xsub-fwd").unwrap();
        send(&xs, &[b"\x01A"]).unwrap();
        send(&xs, &[b"\x01A"]).unwrap();
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        assert_eq!(get_int(&xs, ZMQ_TOPICS_COUNT), 1);
        send(&x, &[b"A1", b"more"]).unwrap();
        send(&x, &[b"B1"]).unwrap();
        // Counted: the first unsubscription stays here.
        send(&xs, &[b"\x00A"]).unwrap();
        nothing(&x);
        send(&xs, &[b"\x00A"]).unwrap();
        assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
        // No local filter: what the XPUB sent while subscribed arrives.
        assert_eq!(recv(&xs).unwrap(), [&b"A1"[..], b"more"]);
        nothing(&xs);
        // Data goes upstream as is.
        send(&xs, &[b"up", b"\x02x"]).unwrap();
        assert_eq!(recv(&x).unwrap(), [&b"up"[..], b"\x02x"]);
        assert_eq!(xs.events().unwrap(), ZMQ_POLLOUT);
        close_all(ctx, vec![x, xs]);
    }

    #[test]
    fn xsub_resends_subscriptions_to_each_new_publisher() {
        let ctx = Context::new();
        let xs = socket(&ctx, SocketType::XSub);
        send(&xs, &[b"\x01T"]).unwrap();
        xs.connect("inproc://xsub-late").unwrap();
        let p = socket(&ctx, SocketType::Pub);
        p.bind("inproc://xsub-late").unwrap();
        send(&p, &[b"T1"]).unwrap();
        send(&p, &[b"U1"]).unwrap();
        assert_eq!(recv(&xs).unwrap(), [b"T1"]);
        nothing(&xs);
        close_all(ctx, vec![p, xs]);
    }

    #[test]
    fn subscriptions_are_resent_after_a_hiccup() {
        use crate::msg::Msg;
        use crate::pipe::{Pipe, PipeCommand, PipeEvent, Wake};
        use crate::socket::base::Routing;
        use crate::socket::pipes::{Peer, PipeKey, Pipes};
        use parking_lot::Mutex;
        use std::sync::Arc;

        /// Collects the commands for one end, to hand them over by hand.
        #[derive(Clone, Default)]
        struct Inbox(Arc<Mutex<Vec<PipeCommand<Msg>>>>);
        impl Wake<Msg> for Inbox {
            fn wake(&self, cmd: PipeCommand<Msg>) {
                self.0.lock().push(cmd);
            }
        }

        let (mine_inbox, theirs_inbox) = (Inbox::default(), Inbox::default());
        let (mine, mut theirs) = Pipe::pair(
            0,
            0,
            Box::new(mine_inbox.clone()),
            Box::new(theirs_inbox.clone()),
        );
        let mut pipes = Pipes::default();
        let id = pipes.insert(Peer {
            pipe: mine,
            key: PipeKey::fresh(),
            routing_id: None,
            endpoint: None,
            locally_initiated: true,
            addresses: Default::default(),
        });
        let mut sub = super::super::sub::Sub::default();
        sub.attach(&mut pipes, id);
        for topic in [&b"b"[..], b"a", b"a"] {
            sub.apply(
                &mut pipes,
                crate::socket::options::Applied::Subscribe(topic.to_vec()),
            )
            .unwrap();
        }
        let read_all = |theirs: &mut Pipe<Msg>| {
            let mut got = Vec::new();
            while let Some(m) = theirs.read() {
                got.push(m.data().to_vec());
            }
            got
        };
        assert_eq!(read_all(&mut theirs), [&b"\x01b"[..], b"\x01a", b"\x01a"]);
        // The session reconnected: it drops what it had not read and asks again.
        theirs.hiccup();
        let mut events = Vec::new();
        for cmd in mine_inbox.0.lock().drain(..) {
            events.extend(pipes.pipe(id).unwrap().process_command(cmd));
        }
        assert_eq!(events, [PipeEvent::Hiccuped]);
        sub.hiccuped(&mut pipes, id);
        for cmd in theirs_inbox.0.lock().drain(..) {
            theirs.process_command(cmd);
        }
        assert_eq!(read_all(&mut theirs), [&b"\x01a"[..], b"\x01b"]);
    }
}
