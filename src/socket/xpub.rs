//! XPUB: PUB that shows the subscriptions to the application (libzmq's `xpub_t`; PUB is
//! built on it, see [`super::pub_`]).
//!
//! Subscriptions reach the socket as messages `01`+topic (subscribe) or `00`+topic
//! (unsubscribe) on its pipes (the stream engine turns ZMTP SUBSCRIBE/CANCEL commands into
//! them). They update the multi-trie that chooses the pipes of each outgoing message, and
//! are queued for the application when they change it: the first subscriber to a topic, the
//! last one leaving. `ZMQ_XPUB_VERBOSE` passes every subscribe, `ZMQ_XPUB_VERBOSER` every
//! subscribe and unsubscribe, and `ZMQ_XPUB_MANUAL` passes everything and leaves the trie to
//! the application, which subscribes the pipe of the last message it read with
//! `ZMQ_SUBSCRIBE`. Other messages (from XSUB peers) are passed up as data.
//!
//! Subscriptions are read when a pipe attaches or becomes readable, not when the
//! application calls `recv`, so that a PUB, which never reads, still follows them.

#![forbid(unsafe_code)]

use std::collections::VecDeque;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::dist::Dist;
use crate::socket::mtrie::{Mtrie, Removed};
use crate::socket::options::{Applied, Options};
use crate::socket::pipes::{PipeId, Pipes};

/// The options XPUB acts on when pipes attach, read or go (kept by `configure`).
#[derive(Debug, Default)]
struct Config {
    verbose_subs: bool,
    verbose_unsubs: bool,
    manual: bool,
    send_last_pipe: bool,
    nodrop: bool,
    welcome: Vec<u8>,
    only_first_subscribe: bool,
    invert_matching: bool,
}

/// The XPUB socket type (and the core of PUB).
#[derive(Debug)]
pub struct XPub {
    /// This is a PUB: no subscriptions or data are passed up.
    is_pub: bool,
    cfg: Config,
    dist: Dist,
    subscriptions: Mtrie<PipeId>,
    /// With `ZMQ_XPUB_MANUAL`: what each pipe asked for, to unsubscribe when it goes.
    manual_subscriptions: Mtrie<PipeId>,
    /// Messages for the application: (un)subscriptions and data from XSUB peers.
    pending: VecDeque<Msg>,
    /// With `ZMQ_XPUB_MANUAL`: the pipe each pending message came from (`None` for the
    /// unsubscriptions of a pipe that went away).
    pending_pipes: VecDeque<Option<PipeId>>,
    /// With `ZMQ_XPUB_MANUAL`: the pipe of the last message read, which `ZMQ_SUBSCRIBE`
    /// applies to.
    last_pipe: Option<PipeId>,
    /// The last part read from a pipe had the MORE flag.
    more_recv: bool,
    /// The message being read from a pipe is a (un)subscription, or subscriptions are
    /// taken from every part (`ZMQ_ONLY_FIRST_SUBSCRIBE` off).
    process_subscribe: bool,
    /// In the middle of sending a multipart message.
    more_send: bool,
}

impl XPub {
    /// An XPUB, or the core of a PUB when `is_pub`.
    pub fn new(is_pub: bool) -> XPub {
        XPub {
            is_pub,
            cfg: Config::default(),
            dist: Dist::default(),
            subscriptions: Mtrie::new(),
            manual_subscriptions: Mtrie::new(),
            pending: VecDeque::new(),
            pending_pipes: VecDeque::new(),
            last_pipe: None,
            more_recv: false,
            process_subscribe: false,
            more_send: false,
        }
    }

    /// Queues a (un)subscription notice `01`/`00`+topic for the application.
    fn push_notice(&mut self, subscribe: bool, topic: &[u8], from: &Msg) {
        let mut body = Vec::with_capacity(topic.len() + 1);
        body.push(u8::from(subscribe));
        body.extend_from_slice(topic);
        let mut notice = Msg::from_bytes(body.into());
        if let Some(metadata) = from.metadata() {
            notice.set_metadata(metadata.clone());
        }
        self.pending.push_back(notice);
    }

    /// Handles one part read from `id`.
    fn process(&mut self, id: PipeId, msg: Msg) {
        let first_part = !self.more_recv;
        self.more_recv = msg.more();
        let data = msg.data();
        let subscription = match data.first() {
            Some(&flag @ (0 | 1)) if first_part || self.process_subscribe => Some(flag == 1),
            _ => None,
        };
        if first_part {
            self.process_subscribe = !self.cfg.only_first_subscribe || subscription.is_some();
        }
        let Some(subscribe) = subscription else {
            // Data from an XSUB peer; a PUB never passes anything up.
            if !self.is_pub {
                self.pending.push_back(msg);
            }
            return;
        };
        let topic = &data[1..];
        let notify = if self.cfg.manual {
            if subscribe {
                self.manual_subscriptions.add(topic, id);
            } else {
                self.manual_subscriptions.remove(topic, id);
            }
            if !self.is_pub {
                self.pending_pipes.push_back(Some(id));
            }
            true
        } else if subscribe {
            self.subscriptions.add(topic, id) || self.cfg.verbose_subs
        } else {
            // As libzmq, an unsubscription from a pipe that was not subscribed is passed on.
            self.subscriptions.remove(topic, id) != Removed::OthersRemain || self.cfg.verbose_unsubs
        };
        if notify && !self.is_pub {
            self.push_notice(subscribe, topic, &msg);
        }
    }

    /// Queues an unsubscription for a topic a departed pipe held.
    fn departed_unsubscription(&mut self, topic: &[u8]) {
        if self.is_pub {
            return;
        }
        self.push_notice(false, topic, &Msg::new());
        if self.cfg.manual {
            self.last_pipe = None;
            self.pending_pipes.push_back(None);
        }
    }
}

impl Routing for XPub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dist.attach(id);
        if !self.cfg.welcome.is_empty() {
            if let Some(pipe) = pipes.pipe(id) {
                let welcome = Msg::from_bytes(self.cfg.welcome.clone().into());
                // A new pipe is empty, far below any HWM.
                if pipe.write(welcome).is_ok() {
                    pipe.flush();
                }
            }
        }
        // Subscriptions the peer sent before the pipe attached.
        self.read_activated(pipes, id);
    }

    fn detach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        if self.cfg.manual {
            let mut gone = Vec::new();
            self.manual_subscriptions
                .rm_all(id, |topic, _| gone.push(topic.to_vec()));
            for topic in gone {
                self.departed_unsubscription(&topic);
            }
            // The real trie must forget the pipe too; the application was told above.
            self.subscriptions.rm_all(id, |_, _| {});
        } else {
            let mut gone = Vec::new();
            let verbose = self.cfg.verbose_unsubs;
            self.subscriptions.rm_all(id, |topic, last| {
                if last || verbose {
                    gone.push(topic.to_vec());
                }
            });
            for topic in gone {
                self.departed_unsubscription(&topic);
            }
        }
        if self.last_pipe == Some(id) {
            self.last_pipe = None;
        }
        self.dist.pipe_terminated(id);
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        while let Some(msg) = pipes.pipe(id).and_then(|p| p.read()) {
            self.process(id, msg);
        }
    }

    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.dist.activated(id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        let more = msg.more();
        if !self.more_send {
            // Choose the pipes for a new message (again, after a failed attempt).
            self.dist.unmatch();
            let dist = &mut self.dist;
            match self.last_pipe {
                Some(last) if self.cfg.manual && self.cfg.send_last_pipe => {
                    self.subscriptions.for_each_match(msg.data(), |id| {
                        if id == last {
                            dist.mark(id);
                        }
                    });
                    self.last_pipe = None;
                }
                _ => self
                    .subscriptions
                    .for_each_match(msg.data(), |id| dist.mark(id)),
            }
            if self.cfg.invert_matching {
                self.dist.reverse_match();
            }
        }
        if self.cfg.nodrop && !self.dist.check_hwm(pipes) {
            return Err(Error::Again);
        }
        self.dist.send_to_matching(pipes, msg);
        if !more {
            self.dist.unmatch();
        }
        self.more_send = more;
        Ok(())
    }

    fn recv(&mut self, _pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        let msg = self.pending.pop_front().ok_or(Error::Again)?;
        if self.cfg.manual {
            if let Some(from) = self.pending_pipes.pop_front() {
                // A pipe that went away since cannot take manual subscriptions.
                self.last_pipe = from.filter(|&id| self.dist.has_pipe(id));
            }
        }
        Ok(msg)
    }

    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        !self.pending.is_empty()
    }

    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        true
    }

    fn apply(&mut self, _pipes: &mut Pipes, applied: Applied) -> Result<()> {
        // Options only hands these over in manual mode.
        let Some(last) = self.last_pipe else {
            return Ok(());
        };
        match applied {
            Applied::Subscribe(topic) => {
                self.subscriptions.add(&topic, last);
            }
            Applied::Unsubscribe(topic) => {
                self.subscriptions.remove(&topic, last);
            }
            Applied::Stored => {}
        }
        Ok(())
    }

    fn topics_count(&self) -> std::ffi::c_int {
        std::ffi::c_int::try_from(self.subscriptions.num_prefixes()).unwrap_or(std::ffi::c_int::MAX)
    }

    fn configure(&mut self, options: &Options) {
        self.cfg = Config {
            verbose_subs: options.xpub_verbose_subs,
            verbose_unsubs: options.xpub_verbose_unsubs,
            manual: options.xpub_manual,
            send_last_pipe: options.xpub_send_last_pipe,
            nodrop: options.xpub_nodrop,
            welcome: options.xpub_welcome_msg.clone(),
            only_first_subscribe: options.only_first_subscribe,
            invert_matching: options.invert_matching,
        };
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::consts::*;
    use crate::ctx::Context;
    use crate::socket::base::Socket;
    use crate::socket::kind::SocketType;
    use std::ffi::c_int;

    /// A socket whose blocking calls give up after a second.
    pub(crate) fn socket(ctx: &Context, ty: SocketType) -> Socket {
        let s = Socket::new(ctx, ty).unwrap();
        set_int(&s, ZMQ_RCVTIMEO, 1000);
        set_int(&s, ZMQ_SNDTIMEO, 1000);
        set_int(&s, ZMQ_LINGER, 0);
        s
    }

    pub(crate) fn set_int(s: &Socket, opt: c_int, v: c_int) {
        s.set_option(opt, Some(&v.to_ne_bytes())).unwrap();
    }

    pub(crate) fn set(s: &Socket, opt: c_int, v: &[u8]) {
        s.set_option(opt, Some(v)).unwrap();
    }

    pub(crate) fn get_int(s: &Socket, opt: c_int) -> c_int {
        let v = s.get_option(opt, 4).unwrap();
        c_int::from_ne_bytes(v.try_into().unwrap())
    }

    /// Sends a multipart message.
    pub(crate) fn send(s: &Socket, parts: &[&[u8]]) -> Result<()> {
        for (i, part) in parts.iter().enumerate() {
            let mut m = Msg::copy_from_slice(part).unwrap();
            let flags = if i + 1 < parts.len() { ZMQ_SNDMORE } else { 0 };
            s.send(&mut m, flags)?;
        }
        Ok(())
    }

    /// Receives a whole message.
    pub(crate) fn recv(s: &Socket) -> Result<Vec<Vec<u8>>> {
        recv_flags(s, 0)
    }

    pub(crate) fn recv_flags(s: &Socket, flags: c_int) -> Result<Vec<Vec<u8>>> {
        let mut parts = Vec::new();
        loop {
            let m = s.recv(flags)?;
            parts.push(m.data().to_vec());
            if !m.more() {
                return Ok(parts);
            }
        }
    }

    /// Nothing more to read, now.
    pub(crate) fn nothing(s: &Socket) {
        assert_eq!(s.recv(ZMQ_DONTWAIT).err(), Some(Error::Again));
    }

    pub(crate) fn close_all(ctx: Context, sockets: Vec<Socket>) {
        for s in sockets {
            s.close();
        }
        ctx.terminate();
    }

    #[test]
    fn pub_sends_matching_messages_whole() {
        let ctx = Context::new();
        let p = socket(&ctx, SocketType::Pub);
        let s = socket(&ctx, SocketType::Sub);
        p.bind("inproc://pub-prefix").unwrap();
        s.connect("inproc://pub-prefix").unwrap();
        set(&s, ZMQ_SUBSCRIBE, b"ab");
        send(&p, &[b"b"]).unwrap();
        send(&p, &[b"abc", b"x", b"y"]).unwrap();
        send(&p, &[b"a"]).unwrap();
        send(&p, &[b"ab"]).unwrap();
        assert_eq!(recv(&s).unwrap(), [&b"abc"[..], b"x", b"y"]);
        assert_eq!(recv(&s).unwrap(), [b"ab"]);
        nothing(&s);
        assert_eq!(p.recv(ZMQ_DONTWAIT).err(), Some(Error::NotSup));
        assert_eq!(p.events().unwrap(), ZMQ_POLLOUT);
        close_all(ctx, vec![p, s]);
    }

    #[test]
    fn empty_subscription_matches_everything() {
        let ctx = Context::new();
        let p = socket(&ctx, SocketType::Pub);
        let s = socket(&ctx, SocketType::Sub);
        set(&s, ZMQ_SUBSCRIBE, b"");
        s.connect("inproc://pub-empty").unwrap();
        p.bind("inproc://pub-empty").unwrap();
        send(&p, &[b""]).unwrap();
        send(&p, &[b"anything", b""]).unwrap();
        assert_eq!(recv(&s).unwrap(), [b""]);
        assert_eq!(recv(&s).unwrap(), [&b"anything"[..], b""]);
        close_all(ctx, vec![p, s]);
    }

    #[test]
    fn no_subscriber_drops() {
        let ctx = Context::new();
        let p = socket(&ctx, SocketType::Pub);
        p.bind("inproc://pub-nobody").unwrap();
        send(&p, &[b"x", b"y"]).unwrap();
        let s = socket(&ctx, SocketType::Sub);
        set(&s, ZMQ_SUBSCRIBE, b"");
        s.connect("inproc://pub-nobody").unwrap();
        send(&p, &[b"z"]).unwrap();
        assert_eq!(recv(&s).unwrap(), [b"z"]);
        close_all(ctx, vec![p, s]);
    }

    #[test]
    fn xpub_passes_first_subscription_and_last_unsubscription() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        let s1 = socket(&ctx, SocketType::Sub);
        let s2 = socket(&ctx, SocketType::Sub);
        x.bind("inproc://xpub-counted").unwrap();
        s1.connect("inproc://xpub-counted").unwrap();
        s2.connect("inproc://xpub-counted").unwrap();
        set(&s1, ZMQ_SUBSCRIBE, b"A");
        set(&s1, ZMQ_SUBSCRIBE, b"A");
        set(&s2, ZMQ_SUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        nothing(&x);
        assert_eq!(get_int(&x, ZMQ_TOPICS_COUNT), 1);
        assert_eq!(get_int(&s1, ZMQ_TOPICS_COUNT), 1);
        // s1 holds two references: the first unsubscribe sends nothing.
        set(&s1, ZMQ_UNSUBSCRIBE, b"A");
        send(&x, &[b"A1"]).unwrap();
        assert_eq!(recv(&s1).unwrap(), [b"A1"]);
        assert_eq!(recv(&s2).unwrap(), [b"A1"]);
        set(&s1, ZMQ_UNSUBSCRIBE, b"A");
        nothing(&x);
        set(&s2, ZMQ_UNSUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
        assert_eq!(get_int(&x, ZMQ_TOPICS_COUNT), 0);
        assert_eq!(get_int(&s1, ZMQ_TOPICS_COUNT), 0);
        send(&x, &[b"A2"]).unwrap();
        nothing(&s1);
        nothing(&s2);
        close_all(ctx, vec![x, s1, s2]);
    }

    #[test]
    fn xpub_verbose_and_verboser() {
        let ctx = Context::new();
        for (opt, dup_unsubs) in [(ZMQ_XPUB_VERBOSE, false), (ZMQ_XPUB_VERBOSER, true)] {
            let x = socket(&ctx, SocketType::XPub);
            set_int(&x, opt, 1);
            let ep = format!("inproc://xpub-verbose-{opt}");
            x.bind(&ep).unwrap();
            let s1 = socket(&ctx, SocketType::Sub);
            let s2 = socket(&ctx, SocketType::Sub);
            s1.connect(&ep).unwrap();
            s2.connect(&ep).unwrap();
            set(&s1, ZMQ_SUBSCRIBE, b"A");
            set(&s2, ZMQ_SUBSCRIBE, b"A");
            assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
            assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
            set(&s1, ZMQ_UNSUBSCRIBE, b"A");
            if dup_unsubs {
                assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
            }
            nothing(&x);
            set(&s2, ZMQ_UNSUBSCRIBE, b"A");
            assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
            nothing(&x);
            for s in [x, s1, s2] {
                s.close();
            }
        }
        ctx.terminate();
    }

    #[test]
    fn xpub_unsubscribes_for_departed_subscriber() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        x.bind("inproc://xpub-departed").unwrap();
        let s1 = socket(&ctx, SocketType::Sub);
        let s2 = socket(&ctx, SocketType::Sub);
        s1.connect("inproc://xpub-departed").unwrap();
        s2.connect("inproc://xpub-departed").unwrap();
        set(&s1, ZMQ_SUBSCRIBE, b"B");
        set(&s1, ZMQ_SUBSCRIBE, b"A");
        set(&s2, ZMQ_SUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x01B"]);
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        s1.close();
        // Only B is wanted by nobody now.
        assert_eq!(recv(&x).unwrap(), [b"\x00B"]);
        nothing(&x);
        s2.close();
        assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
        close_all(ctx, vec![x]);
    }

    #[test]
    fn xpub_welcome_message() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        set(&x, ZMQ_XPUB_WELCOME_MSG, b"W");
        x.bind("inproc://xpub-welcome").unwrap();
        let s = socket(&ctx, SocketType::Sub);
        set(&s, ZMQ_SUBSCRIBE, b"W");
        s.connect("inproc://xpub-welcome").unwrap();
        assert_eq!(recv(&x).unwrap(), [b"\x01W"]);
        assert_eq!(recv(&s).unwrap(), [b"W"]);
        close_all(ctx, vec![x, s]);
    }

    #[test]
    fn xpub_nodrop_gives_again_at_hwm() {
        let ctx = Context::new();
        for nodrop in [false, true] {
            let x = socket(&ctx, SocketType::XPub);
            set_int(&x, ZMQ_SNDHWM, 1);
            set_int(&x, ZMQ_XPUB_NODROP, c_int::from(nodrop));
            let ep = format!("inproc://xpub-nodrop-{nodrop}");
            x.bind(&ep).unwrap();
            let s = socket(&ctx, SocketType::Sub);
            set_int(&s, ZMQ_RCVHWM, 1);
            s.connect(&ep).unwrap();
            set(&s, ZMQ_SUBSCRIBE, b"");
            assert_eq!(recv(&x).unwrap(), [b"\x01"]);
            // inproc: the pipe's HWM is SNDHWM + RCVHWM.
            let mut sent = 0;
            while sent < 10 && send_dontwait(&x, b"m").is_ok() {
                sent += 1;
            }
            if nodrop {
                assert_eq!(sent, 2);
                // A blocking send times out.
                set_int(&x, ZMQ_SNDTIMEO, 50);
                assert_eq!(send(&x, &[b"m"]).err(), Some(Error::Again));
            } else {
                assert_eq!(sent, 10);
            }
            assert_eq!(recv(&s).unwrap(), [b"m"]);
            assert_eq!(recv(&s).unwrap(), [b"m"]);
            nothing(&s);
            for s in [x, s] {
                s.close();
            }
        }
        ctx.terminate();
    }

    fn send_dontwait(s: &Socket, data: &[u8]) -> Result<()> {
        let mut m = Msg::copy_from_slice(data).unwrap();
        s.send(&mut m, ZMQ_DONTWAIT)
    }

    #[test]
    fn invert_matching() {
        let ctx = Context::new();
        let p = socket(&ctx, SocketType::Pub);
        set_int(&p, ZMQ_INVERT_MATCHING, 1);
        p.bind("inproc://pub-invert").unwrap();
        let s = socket(&ctx, SocketType::Sub);
        set_int(&s, ZMQ_INVERT_MATCHING, 1);
        s.connect("inproc://pub-invert").unwrap();
        set(&s, ZMQ_SUBSCRIBE, b"prefix");
        send(&p, &[b"prefix-skip"]).unwrap();
        send(&p, &[b"other"]).unwrap();
        assert_eq!(recv(&s).unwrap(), [b"other"]);
        nothing(&s);
        close_all(ctx, vec![p, s]);
    }

    #[test]
    fn xpub_manual_subscribes_the_last_pipe() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        // Refused until manual mode is on.
        assert_eq!(
            x.set_option(ZMQ_SUBSCRIBE, Some(b"B")).err(),
            Some(Error::Inval)
        );
        set_int(&x, ZMQ_XPUB_MANUAL, 1);
        x.bind("inproc://xpub-manual").unwrap();
        let xs = socket(&ctx, SocketType::XSub);
        xs.connect("inproc://xpub-manual").unwrap();
        send(&xs, &[b"\x01A"]).unwrap();
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        set(&x, ZMQ_SUBSCRIBE, b"B");
        send(&x, &[b"A"]).unwrap();
        send(&x, &[b"B"]).unwrap();
        assert_eq!(recv(&xs).unwrap(), [b"B"]);
        nothing(&xs);
        // Every unsubscription is passed up, and the departed pipe's manual topics too.
        send(&xs, &[b"\x01A"]).unwrap();
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        xs.close();
        assert_eq!(recv(&x).unwrap(), [b"\x00A"]);
        nothing(&x);
        close_all(ctx, vec![x]);
    }

    #[test]
    fn xpub_passes_data_from_xsub() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        x.bind("inproc://xpub-data").unwrap();
        let xs = socket(&ctx, SocketType::XSub);
        xs.connect("inproc://xpub-data").unwrap();
        send(&xs, &[b"hello", b"\x01not-a-subscription"]).unwrap();
        send(&xs, &[b"\x01T"]).unwrap();
        send(&xs, &[b""]).unwrap();
        assert_eq!(
            recv(&x).unwrap(),
            [&b"hello"[..], b"\x01not-a-subscription"]
        );
        assert_eq!(recv(&x).unwrap(), [b"\x01T"]);
        assert_eq!(recv(&x).unwrap(), [b""]);
        // A PUB reads and drops them.
        let p = socket(&ctx, SocketType::Pub);
        p.bind("inproc://pub-data").unwrap();
        let xs2 = socket(&ctx, SocketType::XSub);
        xs2.connect("inproc://pub-data").unwrap();
        send(&xs2, &[b"hello"]).unwrap();
        send(&xs2, &[b"\x01h"]).unwrap();
        send(&p, &[b"hi"]).unwrap();
        assert_eq!(recv(&xs2).unwrap(), [b"hi"]);
        close_all(ctx, vec![x, xs, p, xs2]);
    }

    #[test]
    fn manual_last_value_sends_to_the_last_subscriber_once() {
        let ctx = Context::new();
        let x = socket(&ctx, SocketType::XPub);
        set_int(&x, ZMQ_XPUB_MANUAL_LAST_VALUE, 1);
        x.bind("inproc://xpub-last-value").unwrap();
        let s1 = socket(&ctx, SocketType::Sub);
        let s2 = socket(&ctx, SocketType::Sub);
        s1.connect("inproc://xpub-last-value").unwrap();
        s2.connect("inproc://xpub-last-value").unwrap();
        set(&s1, ZMQ_SUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        set(&x, ZMQ_SUBSCRIBE, b"A");
        set(&s2, ZMQ_SUBSCRIBE, b"A");
        assert_eq!(recv(&x).unwrap(), [b"\x01A"]);
        set(&x, ZMQ_SUBSCRIBE, b"A");
        send(&x, &[b"A1"]).unwrap();
        send(&x, &[b"A2"]).unwrap();
        assert_eq!(recv(&s1).unwrap(), [b"A2"]);
        assert_eq!(recv(&s2).unwrap(), [b"A1"]);
        assert_eq!(recv(&s2).unwrap(), [b"A2"]);
        close_all(ctx, vec![x, s1, s2]);
    }

    #[test]
    fn only_first_subscribe() {
        let ctx = Context::new();
        for only_first in [false, true] {
            let x = socket(&ctx, SocketType::XPub);
            let xs = socket(&ctx, SocketType::XSub);
            set_int(&x, ZMQ_ONLY_FIRST_SUBSCRIBE, c_int::from(only_first));
            set_int(&xs, ZMQ_ONLY_FIRST_SUBSCRIBE, c_int::from(only_first));
            let ep = format!("inproc://xpub-only-first-{only_first}");
            x.bind(&ep).unwrap();
            xs.connect(&ep).unwrap();
            send(&xs, &[b"data", b"\x01B"]).unwrap();
            // Either way the application sees both parts; without the option the second
            // one was a subscription, passed up as a notice that ends the message.
            assert_eq!(recv(&x).unwrap(), [&b"data"[..], b"\x01B"]);
            send(&x, &[b"B1"]).unwrap();
            if only_first {
                nothing(&xs);
            } else {
                assert_eq!(recv(&xs).unwrap(), [b"B1"]);
            }
            // A subscription first makes every part one.
            send(&xs, &[b"\x01C", b"\x01D"]).unwrap();
            assert_eq!(recv(&x).unwrap(), [b"\x01C"]);
            assert_eq!(recv(&x).unwrap(), [b"\x01D"]);
            for s in [x, xs] {
                s.close();
            }
        }
        ctx.terminate();
    }

    #[test]
    fn subscribers_share_one_body() {
        let ctx = Context::new();
        let p = socket(&ctx, SocketType::Pub);
        p.bind("inproc://pub-shared").unwrap();
        let s1 = socket(&ctx, SocketType::Sub);
        let s2 = socket(&ctx, SocketType::Sub);
        for s in [&s1, &s2] {
            s.connect("inproc://pub-shared").unwrap();
            set(s, ZMQ_SUBSCRIBE, b"");
        }
        let big = vec![7u8; 1000];
        send(&p, &[&big]).unwrap();
        let (m1, m2) = (s1.recv(0).unwrap(), s2.recv(0).unwrap());
        assert_eq!(m1.data(), &big[..]);
        assert!(m1.is_shared() && m2.is_shared());
        assert_eq!(m1.data().as_ptr(), m2.data().as_ptr());
        close_all(ctx, vec![p, s1, s2]);
    }
}
