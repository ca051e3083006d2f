//! The interop matrix: every socket pair of ZMTP 3.1 between our library (in this process,
//! through the Rust socket API) and the real libzmq 4.3 (another process, driven line by
//! line through `tests/data/interop_peer.c`).
//!
//! Each pair (X, Y) runs as one test with one libzmq process. Its cells: our socket is X or
//! Y (once for a symmetric pair), ours binds or libzmq binds, over tcp, ipc and ws (ZWS 2.0
//! over WebSocket, which the Debian libzmq 4.3.4 has although it is draft upstream). The
//! ipc and ws cells run with heartbeats on both sides (PING every 20 ms, with a TTL, and an
//! idle pause during which only heartbeats flow; over ws they are WebSocket pings). Every
//! cell also monitors both ends and checks that each connection made exactly one handshake
//! (two over ws, where libzmq reports the WebSocket one too) and was never dropped.
//!
//! Beyond the matrix, each ours and libzmq in both roles: heartbeats on one side only,
//! subscriptions resent after a reconnect, XPUB subscription counting and options, ROUTER
//! options (probe, connect routing id, handover), REQ round robin, inverted matching,
//! volume (20000 pipelined messages, 6 MiB), delivery after close.
//!
//! `INTEROP_REFERENCE=1` plays "our" side with a second libzmq process as well, which checks
//! the expectations here against libzmq talking to itself; `INTEROP_TRACE=1` logs every
//! command sent to the libzmq peers.

mod common;

use std::cell::{Cell, RefCell};
use std::ffi::c_int;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{Remote, hex, ipc_endpoint, last_endpoint, monitor, next_event, remote_event, unhex};
use zmq::consts::*;
use zmq::ctx::Context;
use zmq::error::Error;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

/// How long any single receive may wait.
const WAIT_MS: c_int = 5000;

/// Where a socket lives.
enum Side {
    Ours(Context),
    Theirs(Rc<Remote>),
}

enum Kind {
    Ours {
        sock: RefCell<Option<Box<Socket>>>,
        mon: RefCell<Option<Box<Socket>>>,
    },
    Theirs {
        remote: Rc<Remote>,
        id: u32,
        mon: u32,
    },
}

/// One socket of a cell, on either side, with a monitor.
struct End {
    kind: Kind,
    name: String,
    bound: RefCell<Option<String>>,
    links: Cell<usize>,
}

impl End {
    fn new(side: &Side, ty: c_int, name: String) -> Rc<End> {
        let kind = match side {
            Side::Ours(ctx) => {
                let s = Socket::new(ctx, SocketType::from_raw(ty).unwrap()).unwrap();
                common::set_int(&s, ZMQ_SNDTIMEO, WAIT_MS);
                common::set_int(&s, ZMQ_LINGER, 1000);
                let mon = monitor(ctx, &s);
                Kind::Ours {
                    sock: RefCell::new(Some(Box::new(s))),
                    mon: RefCell::new(Some(Box::new(mon))),
                }
            }
            Side::Theirs(remote) => {
                let id = remote.socket(ty);
                let mon = remote.slot();
                remote
                    .call(&format!("monitor {id} {mon} {ZMQ_EVENT_ALL}"))
                    .unwrap();
                Kind::Theirs {
                    remote: remote.clone(),
                    id,
                    mon,
                }
            }
        };
        Rc::new(End {
            kind,
            name,
            bound: RefCell::new(None),
            links: Cell::new(0),
        })
    }

    fn with_ours<T>(&self, f: impl FnOnce(&Socket) -> T) -> Option<T> {
        match &self.kind {
            Kind::Ours { sock, .. } => Some(f(sock.borrow().as_ref().unwrap())),
            Kind::Theirs { .. } => None,
        }
    }

    fn set_int(&self, opt: c_int, v: c_int) {
        match &self.kind {
            Kind::Ours { .. } => {
                self.with_ours(|s| common::set_int(s, opt, v));
            }
            Kind::Theirs { remote, id, .. } => {
                remote.call(&format!("setint {id} {opt} {v}")).unwrap();
            }
        }
    }

    fn set_bytes(&self, opt: c_int, v: &[u8]) {
        match &self.kind {
            Kind::Ours { .. } => {
                self.with_ours(|s| s.set_option(opt, Some(v)).unwrap());
            }
            Kind::Theirs { remote, id, .. } => {
                remote
                    .call(&format!("setbin {id} {opt} {}", hex(v)))
                    .unwrap();
            }
        }
    }

    /// Binds to a wildcard of `transport` the first time; the endpoint to connect to.
    fn bind(&self, transport: &str) -> String {
        if let Some(ep) = self.bound.borrow().as_ref() {
            return ep.clone();
        }
        let ep = match transport {
            "tcp" => "tcp://127.0.0.1:*".to_owned(),
            "ws" => "ws://127.0.0.1:*/interop".to_owned(),
            _ => ipc_endpoint("interop"),
        };
        self.bind_at(&ep)
    }

    /// Binds to `ep`; the resolved endpoint. An address still held by a socket closed a
    /// moment ago (its listener closes asynchronously) is tried again for up to 5 s.
    fn bind_at(&self, ep: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        let got = loop {
            let r = match &self.kind {
                Kind::Ours { .. } => self
                    .with_ours(|s| s.bind(ep).map(|()| last_endpoint(s)))
                    .unwrap(),
                Kind::Theirs { remote, id, .. } => remote
                    .call(&format!("bind {id} {ep}"))
                    .map(|w| w[0].clone()),
            };
            match r {
                Ok(got) => break got,
                Err(Error::AddrInUse) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("{}: bind {ep}: {e:?}", self.name),
            }
        };
        *self.bound.borrow_mut() = Some(got.clone());
        got
    }

    fn connect(&self, ep: &str) {
        match &self.kind {
            Kind::Ours { .. } => {
                self.with_ours(|s| s.connect(ep).unwrap());
            }
            Kind::Theirs { remote, id, .. } => {
                remote.call(&format!("connect {id} {ep}")).unwrap();
            }
        }
    }

    fn send(&self, parts: &[&[u8]]) -> Result<(), Error> {
        match &self.kind {
            Kind::Ours { .. } => self
                .with_ours(|s| {
                    for (i, p) in parts.iter().enumerate() {
                        let mut m = Msg::copy_from_slice(p).unwrap();
                        let more = if i + 1 < parts.len() { ZMQ_SNDMORE } else { 0 };
                        s.send(&mut m, more)?;
                    }
                    Ok(())
                })
                .unwrap(),
            Kind::Theirs { remote, id, .. } => {
                let mut cmd = format!("send {id}");
                for p in parts {
                    cmd.push(' ');
                    cmd.push_str(&hex(p));
                }
                remote.call(&cmd).map(drop)
            }
        }
    }

    /// One whole message, waiting at most `timeout_ms` for its first frame.
    fn recv(&self, timeout_ms: c_int) -> Result<Vec<Vec<u8>>, Error> {
        match &self.kind {
            Kind::Ours { .. } => self
                .with_ours(|s| {
                    common::set_int(s, ZMQ_RCVTIMEO, timeout_ms);
                    let mut parts = Vec::new();
                    loop {
                        let m = s.recv(0)?;
                        parts.push(m.data().to_vec());
                        if !m.more() {
                            return Ok(parts);
                        }
                    }
                })
                .unwrap(),
            Kind::Theirs { remote, id, .. } => remote
                .call(&format!("recv {id} {timeout_ms}"))
                .map(|w| w.iter().map(|h| unhex(h)).collect()),
        }
    }

    /// The process the socket lives in.
    fn pid(&self) -> u32 {
        match &self.kind {
            Kind::Ours { .. } => std::process::id(),
            Kind::Theirs { remote, .. } => remote.pid(),
        }
    }

    /// One single-frame message and the values of the properties `names` on it
    /// (`zmq_msg_gets`).
    fn recv_props(&self, names: &[&str]) -> (Vec<u8>, Vec<Option<Vec<u8>>>) {
        match &self.kind {
            Kind::Ours { .. } => self
                .with_ours(|s| {
                    common::set_int(s, ZMQ_RCVTIMEO, WAIT_MS);
                    let m = s.recv(0).unwrap();
                    let props = names
                        .iter()
                        .map(|n| m.property(n.as_bytes()).map(|v| v.to_bytes().to_vec()))
                        .collect();
                    (m.data().to_vec(), props)
                })
                .unwrap(),
            Kind::Theirs { remote, id, .. } => {
                let w = remote
                    .call(&format!("recvprops {id} {WAIT_MS} {}", names.join(" ")))
                    .unwrap();
                let props = w[1..]
                    .iter()
                    .map(|v| (v != "!").then(|| unhex(v)))
                    .collect();
                (unhex(&w[0]), props)
            }
        }
    }

    /// Checks the monitor: each link made one handshake, nothing failed or dropped.
    fn check_connections(&self) {
        let mut events = Vec::new();
        loop {
            let e = match &self.kind {
                Kind::Ours { mon, .. } => next_event(mon.borrow().as_ref().unwrap(), 0),
                Kind::Theirs { remote, mon, .. } => remote_event(remote, *mon, 0),
            };
            match e {
                Some(e) => events.push(e.0),
                None => break,
            }
        }
        let count = |ev: c_int| events.iter().filter(|&&e| c_int::from(e) == ev).count();
        assert_eq!(
            count(ZMQ_EVENT_HANDSHAKE_SUCCEEDED),
            self.links.get(),
            "{}: {events:?}",
            self.name
        );
        for bad in [
            ZMQ_EVENT_DISCONNECTED,
            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH,
            ZMQ_EVENT_CONNECT_RETRIED,
        ] {
            assert_eq!(count(bad), 0, "{}: {events:?}", self.name);
        }
    }

    fn close(&self) {
        match &self.kind {
            Kind::Ours { sock, mon } => {
                sock.borrow_mut().take().unwrap().close();
                mon.borrow_mut().take().unwrap().close();
            }
            Kind::Theirs { remote, id, mon } => {
                remote.call(&format!("close {id}")).unwrap();
                remote.call(&format!("close {mon}")).unwrap();
            }
        }
    }
}

/// One cell of the matrix. "x" is the socket type named first in the pair, "y" the other.
struct Case<'a> {
    ours: &'a Side,
    theirs: &'a Side,
    x_ours: bool,
    x_binds: bool,
    transport: &'static str,
    heartbeats: bool,
    ends: RefCell<Vec<Rc<End>>>,
}

impl Case<'_> {
    fn make(&self, is_x: bool, ty: c_int) -> Rc<End> {
        let ours = is_x == self.x_ours;
        let side = if ours { self.ours } else { self.theirs };
        let name = format!(
            "{} {}#{}",
            if ours { "our" } else { "libzmq" },
            type_name(ty),
            self.ends.borrow().len()
        );
        let end = End::new(side, ty, name);
        if self.heartbeats {
            end.set_int(ZMQ_HEARTBEAT_IVL, 20);
            end.set_int(ZMQ_HEARTBEAT_TTL, 2000);
            end.set_int(ZMQ_HEARTBEAT_TIMEOUT, 2000);
        }
        self.ends.borrow_mut().push(end.clone());
        end
    }

    /// A socket on the side of the pair's first type.
    fn x(&self, ty: c_int) -> Rc<End> {
        self.make(true, ty)
    }

    /// A socket on the side of the pair's second type.
    fn y(&self, ty: c_int) -> Rc<End> {
        self.make(false, ty)
    }

    /// Binds the one on the binding side (once) and connects the other to it.
    fn link(&self, x: &End, y: &End) {
        let (binder, connecter) = if self.x_binds { (x, y) } else { (y, x) };
        let ep = binder.bind(self.transport);
        connecter.connect(&ep);
        // Over ws, libzmq reports HANDSHAKE_SUCCEEDED twice per connection: once for the
        // WebSocket handshake and once for ZMTP's.
        let handshakes = if self.transport == "ws" { 2 } else { 1 };
        binder.links.set(binder.links.get() + handshakes);
        connecter.links.set(connecter.links.get() + handshakes);
    }

    /// With heartbeats on, a pause in which only PING and PONG travel.
    fn pause(&self) {
        if self.heartbeats {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn finish(&self) {
        for e in self.ends.borrow().iter() {
            e.check_connections();
        }
        for e in self.ends.borrow_mut().drain(..) {
            e.close();
        }
    }
}

fn type_name(ty: c_int) -> &'static str {
    match ty {
        ZMQ_PAIR => "PAIR",
        ZMQ_PUB => "PUB",
        ZMQ_SUB => "SUB",
        ZMQ_REQ => "REQ",
        ZMQ_REP => "REP",
        ZMQ_DEALER => "DEALER",
        ZMQ_ROUTER => "ROUTER",
        ZMQ_PULL => "PULL",
        ZMQ_PUSH => "PUSH",
        ZMQ_XPUB => "XPUB",
        ZMQ_XSUB => "XSUB",
        _ => "?",
    }
}

/// Runs `scenario` in every cell of the pair (x, y); returns the number of cells.
/// Our side and libzmq's; `None` when the libzmq peer cannot be built.
fn sides() -> Option<(Side, Side)> {
    let theirs = Side::Theirs(Rc::new(Remote::start()?));
    let reference = std::env::var("INTEROP_REFERENCE").as_deref() == Ok("1");
    let ours = if reference {
        Side::Theirs(Rc::new(Remote::start().unwrap()))
    } else {
        Side::Ours(Context::new())
    };
    Some((ours, theirs))
}

fn teardown(ours: Side, theirs: Side) {
    for side in [theirs, ours] {
        match side {
            Side::Ours(ctx) => common::term(ctx),
            Side::Theirs(r) => Rc::into_inner(r).unwrap().quit(),
        }
    }
}

fn matrix(x: c_int, y: c_int, scenario: fn(&Case)) -> usize {
    let Some((ours, theirs)) = sides() else {
        return 0;
    };
    let mut cells = 0;
    let start = Instant::now();
    for transport in ["tcp", "ipc", "ws"] {
        for x_ours in [true, false] {
            if x == y && !x_ours {
                continue;
            }
            for ours_binds in [true, false] {
                eprintln!(
                    "cell: our {} {} libzmq {} over {transport}",
                    type_name(if x_ours { x } else { y }),
                    if ours_binds {
                        "bound, "
                    } else {
                        "connecting to"
                    },
                    type_name(if x_ours { y } else { x }),
                );
                let case = Case {
                    ours: &ours,
                    theirs: &theirs,
                    x_ours,
                    x_binds: x_ours == ours_binds,
                    transport,
                    heartbeats: transport != "tcp",
                    ends: RefCell::new(Vec::new()),
                };
                scenario(&case);
                case.finish();
                cells += 1;
            }
        }
    }
    eprintln!("{cells} cells in {:?}", start.elapsed());
    teardown(ours, theirs);
    cells
}

// ---- messages ----

/// `size` bytes of a pattern that differs per size and per `seed`.
fn pattern(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| (i % 251) as u8 ^ seed ^ (size % 256) as u8)
        .collect()
}

/// The payloads every data path carries: a multipart message with empty frames, then
/// single frames of 0, 1, 255, 256 bytes, 64 KiB and 1 MiB.
fn payloads(seed: u8) -> Vec<Vec<Vec<u8>>> {
    let mut all = vec![vec![
        b"".to_vec(),
        b"x".to_vec(),
        b"".to_vec(),
        b"yz".to_vec(),
        b"".to_vec(),
    ]];
    for size in [0, 1, 255, 256, 64 << 10, 1 << 20] {
        all.push(vec![pattern(size, seed)]);
    }
    all
}

fn refs(parts: &[Vec<u8>]) -> Vec<&[u8]> {
    parts.iter().map(Vec::as_slice).collect()
}

fn describe(parts: &[Vec<u8>]) -> String {
    let shown: Vec<String> = parts
        .iter()
        .map(|p| {
            if p.len() <= 16 {
                format!("{:?}", String::from_utf8_lossy(p))
            } else {
                format!("<{} bytes>", p.len())
            }
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

fn send(end: &End, parts: &[&[u8]]) {
    end.send(parts)
        .unwrap_or_else(|e| panic!("{}: send failed: {e:?}", end.name));
}

fn recv(end: &End) -> Vec<Vec<u8>> {
    end.recv(WAIT_MS)
        .unwrap_or_else(|e| panic!("{}: nothing received: {e:?}", end.name))
}

/// Receives one message and checks it byte for byte.
fn expect(end: &End, want: &[&[u8]]) {
    let got = recv(end);
    let want: Vec<Vec<u8>> = want.iter().map(|p| p.to_vec()).collect();
    assert!(
        got == want,
        "{}: got {}, wanted {}",
        end.name,
        describe(&got),
        describe(&want)
    );
}

/// Nothing more arrives within a short wait.
fn expect_nothing(end: &End) {
    match end.recv(100) {
        Err(Error::Again) => {}
        other => panic!("{}: unexpected {other:?}", end.name),
    }
}

/// Sends every payload from `from` to `to`, each with `head` in front on the way out and
/// `want_head` in front on arrival.
fn stream(from: &End, to: &End, head: &[&[u8]], want_head: &[&[u8]], seed: u8) {
    for p in payloads(seed) {
        let mut out = head.to_vec();
        out.extend(refs(&p));
        send(from, &out);
        let mut want = want_head.to_vec();
        want.extend(refs(&p));
        expect(to, &want);
    }
}

/// Sends from a ROUTER to the routing id `to`, retrying while the peer is not yet known
/// (ZMQ_ROUTER_MANDATORY is set).
fn send_routed(from: &End, to: &[u8], rest: &[&[u8]]) {
    let mut parts = vec![to];
    parts.extend_from_slice(rest);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match from.send(&parts) {
            Ok(()) => return,
            Err(Error::HostUnreach) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("{}: send to {to:?} failed: {e:?}", from.name),
        }
    }
}

/// Publishes `tag` until `sub` gets it (subscriptions travel asynchronously), then
/// `tag`+"-end", and reads up to that, so nothing of the wait is left over.
fn sync_pub(publisher: &End, sub: &End, tag: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        send(publisher, &[tag]);
        match sub.recv(20) {
            Ok(m) => {
                assert_eq!(m, vec![tag.to_vec()], "{}", sub.name);
                break;
            }
            Err(Error::Again) if Instant::now() < deadline => {}
            Err(e) => panic!("{}: the subscription never took effect: {e:?}", sub.name),
        }
    }
    let end = [tag, b"-end"].concat();
    send(publisher, &[&end]);
    loop {
        let m = recv(sub);
        if m == vec![end.clone()] {
            return;
        }
        assert_eq!(m, vec![tag.to_vec()], "{}", sub.name);
    }
}

/// Waits for the first subscription `want` to reach `xpub`. A bound libzmq (X)SUB attaches
/// a new connection, and so sends its subscriptions, only when the application calls it
/// (libzmq issue #2267), hence the empty receives on `sub` while waiting.
fn first_subscription(xpub: &End, sub: &End, want: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        assert_eq!(sub.recv(0).err(), Some(Error::Again), "{}", sub.name);
        match xpub.recv(20) {
            Ok(m) => {
                assert_eq!(m, vec![want.to_vec()], "{}", xpub.name);
                return;
            }
            Err(Error::Again) if Instant::now() < deadline => {}
            Err(e) => panic!("{}: no subscription: {e:?}", xpub.name),
        }
    }
}

// ---- scenarios, one per pair ----

/// This process's user and group ids.
fn ids() -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata("/proc/self").unwrap();
    (m.uid(), m.gid())
}

/// Both directions, all payloads, and once more after a pause. Both ends set the same
/// ZMQ_METADATA, so each must see the same properties on what it receives.
fn symmetric(c: &Case, ty: c_int) {
    let x = c.x(ty);
    let y = c.y(ty);
    x.set_bytes(ZMQ_METADATA, b"X-Test:some value");
    y.set_bytes(ZMQ_METADATA, b"X-Test:some value");
    c.link(&x, &y);
    let names = [
        "Socket-Type",
        "Identity",
        "Routing-Id",
        "X-Test",
        "Peer-Address",
        "User-Id",
        "X-Unknown",
    ];
    send(&x, &[b"props"]);
    let mut seen_by_y = y.recv_props(&names);
    send(&y, &[b"props"]);
    let mut seen_by_x = x.recv_props(&names);
    // Peer-Address: the IP over tcp; over ipc (Linux) "localhost:uid:gid:pid" of the peer
    // process, which differs between the two views.
    for (seen, peer) in [(&mut seen_by_x, &y), (&mut seen_by_y, &x)] {
        let want = if c.transport != "ipc" {
            "127.0.0.1".to_owned()
        } else {
            let (uid, gid) = ids();
            format!("localhost:{uid}:{gid}:{}", peer.pid())
        };
        let got = seen.1[4].take().map(|v| String::from_utf8(v).unwrap());
        assert_eq!(got, Some(want), "Peer-Address of {}", peer.name);
    }
    assert_eq!(seen_by_x, seen_by_y, "what {} and {} see", x.name, y.name);
    assert_eq!(seen_by_x.1[0].as_deref(), Some(type_name(ty).as_bytes()));
    assert_eq!(seen_by_x.1[3].as_deref(), Some(&b"some value"[..]));
    stream(&x, &y, &[], &[], 1);
    stream(&y, &x, &[], &[], 2);
    c.pause();
    send(&x, &[b"after", b"pause"]);
    expect(&y, &[b"after", b"pause"]);
    send(&y, &[b"back"]);
    expect(&x, &[b"back"]);
}

fn pair_pair(c: &Case) {
    symmetric(c, ZMQ_PAIR);
}

fn dealer_dealer(c: &Case) {
    symmetric(c, ZMQ_DEALER);
}

fn push_pull(c: &Case) {
    let push = c.x(ZMQ_PUSH);
    let pull = c.y(ZMQ_PULL);
    c.link(&push, &pull);
    stream(&push, &pull, &[], &[], 3);
    c.pause();
    send(&push, &[b"after pause"]);
    expect(&pull, &[b"after pause"]);
}

/// Request and reply in lock step, every payload both ways.
fn req_rep(c: &Case) {
    let req = c.x(ZMQ_REQ);
    let rep = c.y(ZMQ_REP);
    c.link(&req, &rep);
    for (q, r) in payloads(4).into_iter().zip(payloads(5)) {
        send(&req, &refs(&q));
        expect(&rep, &refs(&q));
        send(&rep, &refs(&r));
        expect(&req, &refs(&r));
    }
    // REQ is strict by default.
    assert_eq!(req.recv(0).err(), Some(Error::Fsm), "{}", req.name);
    c.pause();
    send(&req, &[b"ping"]);
    expect(&rep, &[b"ping"]);
    send(&rep, &[b"pong"]);
    expect(&req, &[b"pong"]);
    // REQ_CORRELATE + REQ_RELAXED: REP returns the request id with its envelope, so the
    // reply to a request given up on is dropped and the latest one's arrives.
    req.set_int(ZMQ_REQ_CORRELATE, 1);
    req.set_int(ZMQ_REQ_RELAXED, 1);
    send(&req, &[b"q1"]);
    send(&req, &[b"q2", b""]);
    expect(&rep, &[b"q1"]);
    send(&rep, &[b"r1"]);
    expect(&rep, &[b"q2", b""]);
    send(&rep, &[b"r2", b""]);
    expect(&req, &[b"r2", b""]);
    send(&req, &[b"q3"]);
    expect(&rep, &[b"q3"]);
    send(&rep, &[b"r3"]);
    expect(&req, &[b"r3"]);
}

/// The ROUTER sees the REQ's routing id and the empty delimiter; then ZMQ_REQ_CORRELATE
/// with ZMQ_REQ_RELAXED: a 4-byte request id (host byte order, +1 per request) goes before
/// the delimiter, and a reply with a stale id is dropped.
fn req_router(c: &Case) {
    let req = c.x(ZMQ_REQ);
    let router = c.y(ZMQ_ROUTER);
    req.set_bytes(ZMQ_ROUTING_ID, b"req-1");
    c.link(&req, &router);
    for (q, r) in payloads(6).into_iter().zip(payloads(7)) {
        send(&req, &refs(&q));
        let mut want: Vec<&[u8]> = vec![b"req-1", b""];
        want.extend(refs(&q));
        expect(&router, &want);
        let mut reply: Vec<&[u8]> = vec![b"req-1", b""];
        reply.extend(refs(&r));
        send(&router, &reply);
        expect(&req, &refs(&r));
    }
    c.pause();
    req.set_int(ZMQ_REQ_CORRELATE, 1);
    req.set_int(ZMQ_REQ_RELAXED, 1);
    send(&req, &[b"q1"]);
    let first = recv(&router);
    assert_eq!(first.len(), 4, "{}: {}", router.name, describe(&first));
    assert_eq!(first[0], b"req-1");
    assert_eq!(first[1].len(), 4, "request id {:?}", first[1]);
    assert_eq!(&first[2..], [b"".to_vec(), b"q1".to_vec()]);
    // Relaxed: a second request before the reply to the first.
    send(&req, &[b"q2"]);
    let second = recv(&router);
    let id1 = u32::from_ne_bytes(first[1].clone().try_into().unwrap());
    let id2 = id1.wrapping_add(1).to_ne_bytes();
    assert_eq!(
        second,
        [
            b"req-1".to_vec(),
            id2.to_vec(),
            b"".to_vec(),
            b"q2".to_vec()
        ]
    );
    // The reply to the first request is stale now, one without an id is malformed.
    send(&router, &[b"req-1", &first[1], b"", b"r1"]);
    send(&router, &[b"req-1", b"", b"no id"]);
    send(&router, &[b"req-1", &id2, b"", b"r2"]);
    expect(&req, &[b"r2"]);
    assert_eq!(req.recv(0).err(), Some(Error::Fsm), "{}", req.name);
}

/// DEALER to REP: the DEALER adds and gets the empty delimiter itself.
fn dealer_rep(c: &Case) {
    let dealer = c.x(ZMQ_DEALER);
    let rep = c.y(ZMQ_REP);
    c.link(&dealer, &rep);
    for (q, r) in payloads(8).into_iter().zip(payloads(9)) {
        let mut out: Vec<&[u8]> = vec![b""];
        out.extend(refs(&q));
        send(&dealer, &out);
        expect(&rep, &refs(&q));
        send(&rep, &refs(&r));
        let mut want: Vec<&[u8]> = vec![b""];
        want.extend(refs(&r));
        expect(&dealer, &want);
    }
    c.pause();
    // A message without the delimiter is dropped by REP.
    send(&dealer, &[b"no delimiter"]);
    send(&dealer, &[b"", b"ok"]);
    expect(&rep, &[b"ok"]);
}

/// Two DEALERs: one with ZMQ_ROUTING_ID, one without (the ROUTER makes up a 5-byte id
/// starting with a zero byte). Every payload both ways through the named one.
fn dealer_router(c: &Case) {
    let named = c.x(ZMQ_DEALER);
    let anon = c.x(ZMQ_DEALER);
    let router = c.y(ZMQ_ROUTER);
    named.set_bytes(ZMQ_ROUTING_ID, b"dealer-1");
    c.link(&named, &router);
    c.link(&anon, &router);
    stream(&named, &router, &[], &[b"dealer-1"], 10);
    stream(&router, &named, &[b"dealer-1"], &[], 11);
    send(&anon, &[b"anonymous", b""]);
    let got = recv(&router);
    assert_eq!(got.len(), 3, "{}", describe(&got));
    assert_eq!(got[0].len(), 5, "generated id {:?}", got[0]);
    assert_eq!(got[0][0], 0, "generated id {:?}", got[0]);
    assert_eq!(&got[1..], [b"anonymous".to_vec(), b"".to_vec()]);
    c.pause();
    send(&router, &[&got[0], b"to anon"]);
    expect(&anon, &[b"to anon"]);
    send(&router, &[b"dealer-1", b"to named"]);
    expect(&named, &[b"to named"]);
    // Unknown ids are dropped silently without ZMQ_ROUTER_MANDATORY.
    send(&router, &[b"nobody", b"lost"]);
    router.set_int(ZMQ_ROUTER_MANDATORY, 1);
    assert_eq!(
        router.send(&[b"nobody", b"lost"]).err(),
        Some(Error::HostUnreach)
    );
    expect_nothing(&named);
    expect_nothing(&anon);
}

/// Two ROUTERs with ZMQ_ROUTING_ID set on both address each other by name.
fn router_router(c: &Case) {
    let x = c.x(ZMQ_ROUTER);
    let y = c.y(ZMQ_ROUTER);
    x.set_bytes(ZMQ_ROUTING_ID, b"router-x");
    y.set_bytes(ZMQ_ROUTING_ID, b"router-y");
    x.set_int(ZMQ_ROUTER_MANDATORY, 1);
    y.set_int(ZMQ_ROUTER_MANDATORY, 1);
    c.link(&x, &y);
    send_routed(&x, b"router-y", &[b"hello"]);
    expect(&y, &[b"router-x", b"hello"]);
    send_routed(&y, b"router-x", &[b"", b"hi"]);
    expect(&x, &[b"router-y", b"", b"hi"]);
    stream(&x, &y, &[b"router-y"], &[b"router-x"], 12);
    stream(&y, &x, &[b"router-x"], &[b"router-y"], 13);
    c.pause();
    send(&y, &[b"router-x", b"after pause"]);
    expect(&x, &[b"router-y", b"after pause"]);
}

/// SUB subscribed to everything gets every payload; then only "A" after switching.
fn pub_sub(c: &Case) {
    let publisher = c.x(ZMQ_PUB);
    let sub = c.y(ZMQ_SUB);
    sub.set_bytes(ZMQ_SUBSCRIBE, b"");
    c.link(&publisher, &sub);
    sync_pub(&publisher, &sub, b"sync");
    stream(&publisher, &sub, &[], &[], 14);
    // In this order the publisher always has one of the two: nothing wanted is lost.
    sub.set_bytes(ZMQ_SUBSCRIBE, b"A");
    sub.set_bytes(ZMQ_UNSUBSCRIBE, b"");
    c.pause();
    send(&publisher, &[b"B-not-wanted"]);
    send(&publisher, &[b"A-wanted", b"B"]);
    expect(&sub, &[b"A-wanted", b"B"]);
}

/// XSUB subscriptions reach XPUB as exactly `01`+topic and `00`+topic; XPUB filters on
/// them; other XSUB messages reach XPUB as they are.
fn xpub_xsub(c: &Case) {
    let xpub = c.x(ZMQ_XPUB);
    let xsub = c.y(ZMQ_XSUB);
    c.link(&xpub, &xsub);
    send(&xsub, &[b"\x01A"]);
    first_subscription(&xpub, &xsub, b"\x01A");
    send(&xsub, &[b"\x01"]);
    expect(&xpub, &[b"\x01"]);
    // The subscriptions are in place once XPUB has read them.
    stream(&xpub, &xsub, &[], &[], 15);
    send(&xsub, &[b"\x00"]);
    expect(&xpub, &[b"\x00"]);
    send(&xpub, &[b"B-not-wanted"]);
    send(&xpub, &[b"A-wanted"]);
    expect(&xsub, &[b"A-wanted"]);
    c.pause();
    send(&xsub, &[b"upstream", b"message"]);
    expect(&xpub, &[b"upstream", b"message"]);
    send(&xsub, &[b"\x00A"]);
    expect(&xpub, &[b"\x00A"]);
    expect_nothing(&xpub);
}

/// PUB filters on the subscriptions an XSUB sends.
fn pub_xsub(c: &Case) {
    let publisher = c.x(ZMQ_PUB);
    let xsub = c.y(ZMQ_XSUB);
    c.link(&publisher, &xsub);
    send(&xsub, &[b"\x01A"]);
    sync_pub(&publisher, &xsub, b"A-sync");
    send(&publisher, &[b"B-not-wanted"]);
    send(&publisher, &[b"A-wanted"]);
    expect(&xsub, &[b"A-wanted"]);
    send(&xsub, &[b"\x01"]);
    sync_pub(&publisher, &xsub, b"sync");
    stream(&publisher, &xsub, &[], &[], 16);
    c.pause();
    send(&publisher, &[b"after pause"]);
    expect(&xsub, &[b"after pause"]);
}

/// What XPUB sees of SUB's subscriptions: each topic once, the cancel only when the last
/// subscription of a topic goes.
fn xpub_sub(c: &Case) {
    let xpub = c.x(ZMQ_XPUB);
    let sub = c.y(ZMQ_SUB);
    c.link(&xpub, &sub);
    sub.set_bytes(ZMQ_SUBSCRIBE, b"A");
    first_subscription(&xpub, &sub, b"\x01A");
    sub.set_bytes(ZMQ_SUBSCRIBE, b"A");
    sub.set_bytes(ZMQ_SUBSCRIBE, b"B\x00\xff");
    expect(&xpub, &[b"\x01B\x00\xff"]);
    sub.set_bytes(ZMQ_UNSUBSCRIBE, b"A");
    sub.set_bytes(ZMQ_SUBSCRIBE, b"");
    expect(&xpub, &[b"\x01"]);
    sub.set_bytes(ZMQ_UNSUBSCRIBE, b"A");
    expect(&xpub, &[b"\x00A"]);
    // A topic too long for a short command frame.
    let long = pattern(300, 3);
    sub.set_bytes(ZMQ_SUBSCRIBE, &long);
    expect(&xpub, &[&[&[1u8][..], &long].concat()]);
    sub.set_bytes(ZMQ_UNSUBSCRIBE, &long);
    expect(&xpub, &[&[&[0u8][..], &long].concat()]);
    stream(&xpub, &sub, &[], &[], 17);
    c.pause();
    sub.set_bytes(ZMQ_UNSUBSCRIBE, b"");
    expect(&xpub, &[b"\x00"]);
    send(&xpub, &[b"A-not-wanted"]);
    send(&xpub, &[b"B\x00\xff-wanted"]);
    expect(&sub, &[b"B\x00\xff-wanted"]);
    expect_nothing(&xpub);
}

#[test]
fn pair_pair_matrix() {
    matrix(ZMQ_PAIR, ZMQ_PAIR, pair_pair);
}

#[test]
fn push_pull_matrix() {
    matrix(ZMQ_PUSH, ZMQ_PULL, push_pull);
}

#[test]
fn req_rep_matrix() {
    matrix(ZMQ_REQ, ZMQ_REP, req_rep);
}

#[test]
fn req_router_matrix() {
    matrix(ZMQ_REQ, ZMQ_ROUTER, req_router);
}

#[test]
fn dealer_rep_matrix() {
    matrix(ZMQ_DEALER, ZMQ_REP, dealer_rep);
}

#[test]
fn dealer_router_matrix() {
    matrix(ZMQ_DEALER, ZMQ_ROUTER, dealer_router);
}

#[test]
fn dealer_dealer_matrix() {
    matrix(ZMQ_DEALER, ZMQ_DEALER, dealer_dealer);
}

#[test]
fn router_router_matrix() {
    matrix(ZMQ_ROUTER, ZMQ_ROUTER, router_router);
}

#[test]
fn pub_sub_matrix() {
    matrix(ZMQ_PUB, ZMQ_SUB, pub_sub);
}

#[test]
fn xpub_xsub_matrix() {
    matrix(ZMQ_XPUB, ZMQ_XSUB, xpub_xsub);
}

#[test]
fn pub_xsub_matrix() {
    matrix(ZMQ_PUB, ZMQ_XSUB, pub_xsub);
}

#[test]
fn xpub_sub_matrix() {
    matrix(ZMQ_XPUB, ZMQ_SUB, xpub_sub);
}

// ---- beyond the matrix ----

/// Heartbeats on one side only, with a short timeout and a TTL: through an idle spell the
/// other side must answer every PING (PONG) and honour the TTL without dropping anything.
#[test]
fn heartbeats_one_sided() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for transport in ["tcp", "ipc"] {
        for pinger_ours in [true, false] {
            eprintln!("cell: our PAIR pings {pinger_ours} over {transport}");
            let c = Case {
                ours: &ours,
                theirs: &theirs,
                x_ours: pinger_ours,
                x_binds: pinger_ours,
                transport,
                heartbeats: false,
                ends: RefCell::new(Vec::new()),
            };
            let pinger = c.x(ZMQ_PAIR);
            let quiet = c.y(ZMQ_PAIR);
            pinger.set_int(ZMQ_HEARTBEAT_IVL, 30);
            pinger.set_int(ZMQ_HEARTBEAT_TIMEOUT, 150);
            pinger.set_int(ZMQ_HEARTBEAT_TTL, 300);
            c.link(&pinger, &quiet);
            send(&pinger, &[b"start"]);
            expect(&quiet, &[b"start"]);
            std::thread::sleep(Duration::from_millis(600));
            send(&quiet, &[b"still", b"there"]);
            expect(&pinger, &[b"still", b"there"]);
            c.finish();
        }
    }
    teardown(ours, theirs);
}

/// The publisher goes away and comes back on the same endpoint: the SUB dials again and
/// sends each of its subscriptions once more.
#[test]
fn subscriptions_resent_after_reconnect() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for transport in ["tcp", "ipc"] {
        for sub_ours in [true, false] {
            eprintln!("cell: our SUB {sub_ours} over {transport}");
            let c = Case {
                ours: &ours,
                theirs: &theirs,
                x_ours: !sub_ours,
                x_binds: true,
                transport,
                heartbeats: false,
                ends: RefCell::new(Vec::new()),
            };
            let sub = c.y(ZMQ_SUB);
            sub.set_int(ZMQ_RECONNECT_IVL, 20);
            let first = c.x(ZMQ_XPUB);
            c.link(&first, &sub);
            let ep = first.bound.borrow().clone().unwrap();
            sub.set_bytes(ZMQ_SUBSCRIBE, b"A");
            first_subscription(&first, &sub, b"\x01A");
            sub.set_bytes(ZMQ_SUBSCRIBE, b"B");
            expect(&first, &[b"\x01B"]);
            // The first publisher's connection ends for good; what it saw is checked
            // first, and the SUB's side counts one more handshake.
            first.check_connections();
            first.close();
            c.ends.borrow_mut().retain(|e| !Rc::ptr_eq(e, &first));
            let second = c.x(ZMQ_XPUB);
            second.bind_at(&ep);
            second.links.set(1);
            let mut want = vec![b"\x01A".to_vec(), b"\x01B".to_vec()];
            let deadline = Instant::now() + Duration::from_secs(5);
            while !want.is_empty() {
                assert!(Instant::now() < deadline, "not resent: {want:?}");
                assert_eq!(sub.recv(0).err(), Some(Error::Again));
                if let Ok(m) = second.recv(20) {
                    assert_eq!(m.len(), 1);
                    let at = want.iter().position(|w| *w == m[0]);
                    assert!(at.is_some(), "{}: unexpected {m:?}", second.name);
                    want.remove(at.unwrap());
                }
            }
            send(&second, &[b"B-after"]);
            expect(&sub, &[b"B-after"]);
            // Two handshakes on the SUB, and one disconnect it need not be checked for.
            for e in c.ends.borrow_mut().drain(..) {
                e.close();
            }
        }
    }
    teardown(ours, theirs);
}

/// A socket closed on an ipc path while another binds the same path at once: the old
/// listener, closing later in its I/O thread, must not delete the new socket file (it
/// did, and peers could then never reconnect). In-process, no libzmq needed.
#[test]
fn ipc_rebind_keeps_the_new_file() {
    let ctx = Context::new();
    let ep = ipc_endpoint("rebind");
    let path = std::path::PathBuf::from(ep.strip_prefix("ipc://").unwrap());
    for _ in 0..20 {
        let old = Socket::new(&ctx, SocketType::Pair).unwrap();
        old.bind(&ep).unwrap();
        old.close();
        let new = Socket::new(&ctx, SocketType::Pair).unwrap();
        new.bind(&ep).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(path.exists(), "the new socket file is gone");
        let peer = Socket::new(&ctx, SocketType::Pair).unwrap();
        common::set_int(&peer, ZMQ_SNDTIMEO, WAIT_MS);
        common::set_int(&new, ZMQ_RCVTIMEO, WAIT_MS);
        peer.connect(&ep).unwrap();
        let mut m = Msg::copy_from_slice(b"hi").unwrap();
        peer.send(&mut m, 0).unwrap();
        assert_eq!(new.recv(0).unwrap().data(), b"hi");
        peer.close();
        new.close();
    }
    common::term(ctx);
    assert!(!path.exists(), "the last socket file stayed");
}

/// XPUB with two SUBs on the other side: a topic is reported when its first subscriber
/// comes and when its last one goes, not in between. Each step is followed by a marker
/// subscription from the same SUB, which arrives after anything the step produced.
#[test]
fn xpub_counts_subscribers() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for transport in ["tcp", "ipc"] {
        for xpub_ours in [true, false] {
            eprintln!("cell: our XPUB {xpub_ours} over {transport}");
            let c = Case {
                ours: &ours,
                theirs: &theirs,
                x_ours: xpub_ours,
                x_binds: true,
                transport,
                heartbeats: false,
                ends: RefCell::new(Vec::new()),
            };
            let xpub = c.x(ZMQ_XPUB);
            let s1 = c.y(ZMQ_SUB);
            let s2 = c.y(ZMQ_SUB);
            c.link(&xpub, &s1);
            c.link(&xpub, &s2);
            s1.set_bytes(ZMQ_SUBSCRIBE, b"A");
            first_subscription(&xpub, &s1, b"\x01A");
            s2.set_bytes(ZMQ_SUBSCRIBE, b"A");
            s2.set_bytes(ZMQ_SUBSCRIBE, b"m1");
            first_subscription(&xpub, &s2, b"\x01m1");
            s1.set_bytes(ZMQ_UNSUBSCRIBE, b"A");
            s1.set_bytes(ZMQ_SUBSCRIBE, b"m2");
            expect(&xpub, &[b"\x01m2"]);
            // Both get what matches them.
            send(&xpub, &[b"A-for-s2"]);
            send(&xpub, &[b"m2-for-s1"]);
            expect(&s2, &[b"A-for-s2"]);
            expect(&s1, &[b"m2-for-s1"]);
            s2.set_bytes(ZMQ_UNSUBSCRIBE, b"A");
            expect(&xpub, &[b"\x00A"]);
            // A SUB that goes away takes its subscriptions with it.
            s1.check_connections();
            s1.close();
            c.ends.borrow_mut().retain(|e| !Rc::ptr_eq(e, &s1));
            expect(&xpub, &[b"\x00m2"]);
            expect_nothing(&xpub);
            // The XPUB saw s1 go.
            for e in c.ends.borrow_mut().drain(..) {
                e.close();
            }
        }
    }
    teardown(ours, theirs);
}

/// Message `i` of a numbered run, as `numbered()` in the C peer makes it.
fn numbered(i: u32) -> Vec<Vec<u8>> {
    let n = (i * 7 % 300) as usize;
    let mut first = i.to_be_bytes().to_vec();
    first.extend((0..n).map(|j| (i as usize + j) as u8));
    if i % 10 == 9 {
        vec![first, b"end".to_vec()]
    } else {
        vec![first]
    }
}

/// Volume across the process boundary: 20000 messages of varied sizes (some multipart)
/// pipelined each way while the other side reads, then 6 MiB in one message each way
/// (larger than one read of our engine).
#[test]
fn volume() {
    const COUNT: u32 = 20_000;
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for transport in ["tcp", "ipc"] {
        for ours_binds in [true, false] {
            eprintln!("cell: our PAIR binds {ours_binds} over {transport}");
            let c = Case {
                ours: &ours,
                theirs: &theirs,
                x_ours: true,
                x_binds: ours_binds,
                transport,
                heartbeats: transport == "ipc",
                ends: RefCell::new(Vec::new()),
            };
            let x = c.x(ZMQ_PAIR);
            let y = c.y(ZMQ_PAIR);
            c.link(&x, &y);
            let Kind::Theirs { remote, id, .. } = &y.kind else {
                panic!("y is libzmq's");
            };
            let cmd = format!("recvmany {id} {COUNT} {WAIT_MS}");
            remote.start_call(&cmd);
            for i in 0..COUNT {
                send(&x, &refs(&numbered(i)));
            }
            remote.finish_call(&cmd).unwrap();
            let cmd = format!("sendmany {id} {COUNT}");
            remote.start_call(&cmd);
            for i in 0..COUNT {
                let got = recv(&x);
                assert!(got == numbered(i), "message {i}: {}", describe(&got));
            }
            remote.finish_call(&cmd).unwrap();
            let big = pattern(6 << 20, 99);
            send(&x, &[&big]);
            expect(&y, &[&big]);
            send(&y, &[&big, b""]);
            expect(&x, &[&big, b""]);
            c.finish();
        }
    }
    teardown(ours, theirs);
}

/// A new cell of two sides for the tests beyond the matrix.
fn cell<'a>(
    ours: &'a Side,
    theirs: &'a Side,
    x_ours: bool,
    x_binds: bool,
    transport: &'static str,
) -> Case<'a> {
    eprintln!("cell: x ours {x_ours}, x binds {x_binds}, over {transport}");
    Case {
        ours,
        theirs,
        x_ours,
        x_binds,
        transport,
        heartbeats: false,
        ends: RefCell::new(Vec::new()),
    }
}

/// ZMQ_PROBE_ROUTER (an empty message to the ROUTER on connect) and
/// ZMQ_CONNECT_ROUTING_ID (a connecting ROUTER names its peer itself).
#[test]
fn router_options() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for x_ours in [true, false] {
        let c = cell(&ours, &theirs, x_ours, false, "tcp");
        let dealer = c.x(ZMQ_DEALER);
        let router = c.y(ZMQ_ROUTER);
        dealer.set_bytes(ZMQ_ROUTING_ID, b"prober");
        dealer.set_int(ZMQ_PROBE_ROUTER, 1);
        c.link(&dealer, &router);
        expect(&router, &[b"prober", b""]);
        send(&router, &[b"prober", b"seen"]);
        expect(&dealer, &[b"seen"]);
        c.finish();

        let c = cell(&ours, &theirs, x_ours, false, "tcp");
        let connecting = c.x(ZMQ_ROUTER);
        let bound = c.y(ZMQ_ROUTER);
        connecting.set_bytes(ZMQ_ROUTING_ID, b"caller");
        connecting.set_bytes(ZMQ_CONNECT_ROUTING_ID, b"named-by-caller");
        connecting.set_int(ZMQ_ROUTER_MANDATORY, 1);
        c.link(&connecting, &bound);
        send_routed(&connecting, b"named-by-caller", &[b"hello"]);
        expect(&bound, &[b"caller", b"hello"]);
        send(&bound, &[b"caller", b"back"]);
        expect(&connecting, &[b"named-by-caller", b"back"]);
        c.finish();
    }
    teardown(ours, theirs);
}

/// ZMQ_XPUB_WELCOME_MSG goes to each new subscriber; ZMQ_XPUB_VERBOSE reports every
/// subscribe, ZMQ_XPUB_VERBOSER every unsubscribe too.
#[test]
fn xpub_options() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for x_ours in [true, false] {
        let c = cell(&ours, &theirs, x_ours, true, "tcp");
        let xpub = c.x(ZMQ_XPUB);
        xpub.set_bytes(ZMQ_XPUB_WELCOME_MSG, b"welcome");
        xpub.set_int(ZMQ_XPUB_VERBOSER, 1);
        let s1 = c.y(ZMQ_SUB);
        let s2 = c.y(ZMQ_SUB);
        s1.set_bytes(ZMQ_SUBSCRIBE, b"w");
        s2.set_bytes(ZMQ_SUBSCRIBE, b"w");
        c.link(&xpub, &s1);
        c.link(&xpub, &s2);
        // A bound libzmq XPUB attaches a connection, and sends the welcome, only when
        // called (libzmq issue #2267): its receives come first.
        expect(&xpub, &[b"\x01w"]);
        expect(&xpub, &[b"\x01w"]);
        expect(&s1, &[b"welcome"]);
        expect(&s2, &[b"welcome"]);
        s1.set_bytes(ZMQ_UNSUBSCRIBE, b"w");
        expect(&xpub, &[b"\x00w"]);
        s2.set_bytes(ZMQ_UNSUBSCRIBE, b"w");
        expect(&xpub, &[b"\x00w"]);
        expect_nothing(&xpub);
        c.finish();
    }
    teardown(ours, theirs);
}

/// REQ connected to two REPs sends its requests to them in turn (pipes in connect order,
/// each there from the connect on).
#[test]
fn req_round_robin() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for transport in ["tcp", "ipc"] {
        for x_ours in [true, false] {
            let c = cell(&ours, &theirs, x_ours, false, transport);
            let req = c.x(ZMQ_REQ);
            let reps = [c.y(ZMQ_REP), c.y(ZMQ_REP)];
            c.link(&req, &reps[0]);
            c.link(&req, &reps[1]);
            for i in 0..6u8 {
                let q = [b'q', b'0' + i];
                send(&req, &[&q]);
                let rep = &reps[usize::from(i % 2)];
                expect(rep, &[&q]);
                send(rep, &[b"r", &q]);
                expect(&req, &[b"r", &q]);
            }
            c.finish();
        }
    }
    teardown(ours, theirs);
}

/// ZMQ_INVERT_MATCHING on both PUB and SUB: the SUB gets what does not match its
/// subscription (the PUB filters with the same subscription, inverted).
#[test]
fn invert_matching() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for x_ours in [true, false] {
        let c = cell(&ours, &theirs, x_ours, true, "tcp");
        let xpub = c.x(ZMQ_XPUB);
        let sub = c.y(ZMQ_SUB);
        xpub.set_int(ZMQ_INVERT_MATCHING, 1);
        sub.set_int(ZMQ_INVERT_MATCHING, 1);
        c.link(&xpub, &sub);
        sub.set_bytes(ZMQ_SUBSCRIBE, b"A");
        first_subscription(&xpub, &sub, b"\x01A");
        send(&xpub, &[b"A-excluded"]);
        send(&xpub, &[b"B-included"]);
        expect(&sub, &[b"B-included"]);
        c.finish();
    }
    teardown(ours, theirs);
}

/// A sender that closes right after sending still delivers everything (ZMQ_LINGER): ours
/// to libzmq over tcp, libzmq to ours over tcp (over ipc libzmq itself can lose the tail,
/// upstream issue #4660). Ours to libzmq over ipc is the ignored test below.
#[test]
fn close_delivers_pending() {
    close_delivers_pending_over(&[("tcp", true), ("tcp", false)]);
}

/// Ours (connecting) to libzmq (bound) over ipc. Under load (several test processes at
/// once) libzmq's receiver sometimes stops a few hundred messages before the end (seen at
/// 3457-4539 of 5000, with linger 5 s and 20 s) although the sender has written everything;
/// about 1 run in 10, never alone. A standalone PUSH-connect/close, PULL-bind reproduction
/// over ipc (24 runs per pairing, under load) loses the tail whenever the receiver is libzmq
/// 4.3.4, with libzmq as the sender too (upstream #4660), and never when the receiver is
/// ours. So this case tests a libzmq bug; run it with `--ignored`.
#[test]
#[ignore = "libzmq 4.3.4's ipc receiver loses the tail at the sender's close under load (#4660), whoever sends"]
fn close_delivers_pending_ipc() {
    close_delivers_pending_over(&[("ipc", true)]);
}

fn close_delivers_pending_over(cases: &[(&'static str, bool)]) {
    const COUNT: u32 = 5000;
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for &(transport, sender_ours) in cases {
        let c = cell(&ours, &theirs, sender_ours, false, transport);
        let push = c.x(ZMQ_PUSH);
        let pull = c.y(ZMQ_PULL);
        push.set_int(ZMQ_LINGER, 5000);
        c.link(&push, &pull);
        match (&push.kind, &pull.kind) {
            (Kind::Ours { .. }, Kind::Theirs { remote, id, .. }) => {
                // The receiver reads meanwhile (the HWMs would stop the sender), slower
                // than the sender, so much is still queued at the close.
                let cmd = format!("recvmany {id} {COUNT} {WAIT_MS}");
                remote.start_call(&cmd);
                for i in 0..COUNT {
                    send(&push, &refs(&numbered(i)));
                }
                push.close();
                remote.finish_call(&cmd).unwrap();
                pull.close();
            }
            (Kind::Theirs { remote, id, mon }, _) => {
                // Send and close queued together, while this side reads.
                let send_cmd = format!("sendmany {id} {COUNT}");
                remote.start_call(&send_cmd);
                let close_cmd = format!("close {id}");
                remote.start_call(&close_cmd);
                for i in 0..COUNT {
                    let got = recv(&pull);
                    assert!(got == numbered(i), "message {i}: {}", describe(&got));
                }
                remote.finish_call(&send_cmd).unwrap();
                remote.finish_call(&close_cmd).unwrap();
                remote.call(&format!("close {mon}")).unwrap();
                pull.close();
            }
            _ => panic!("one side is ours"),
        }
        c.ends.borrow_mut().clear();
    }
    teardown(ours, theirs);
}

/// ZMQ_ROUTER_HANDOVER: a second peer with the routing id of a connected one takes it over.
#[test]
fn router_handover() {
    let Some((ours, theirs)) = sides() else {
        return;
    };
    for transport in ["tcp", "ipc"] {
        for x_ours in [true, false] {
            let c = cell(&ours, &theirs, x_ours, true, transport);
            let router = c.x(ZMQ_ROUTER);
            router.set_int(ZMQ_ROUTER_HANDOVER, 1);
            let d1 = c.y(ZMQ_DEALER);
            let d2 = c.y(ZMQ_DEALER);
            for d in [&d1, &d2] {
                d.set_bytes(ZMQ_ROUTING_ID, b"same");
                // The one taken over would dial again at once and take the id back.
                d.set_int(ZMQ_RECONNECT_IVL, 10_000);
            }
            c.link(&router, &d1);
            send(&d1, &[b"from d1"]);
            expect(&router, &[b"same", b"from d1"]);
            send(&router, &[b"same", b"to d1"]);
            expect(&d1, &[b"to d1"]);
            c.link(&router, &d2);
            send(&d2, &[b"from d2"]);
            expect(&router, &[b"same", b"from d2"]);
            send(&router, &[b"same", b"to d2"]);
            expect(&d2, &[b"to d2"]);
            expect_nothing(&d1);
            // The old connection was dropped: no monitor check here.
            for e in c.ends.borrow_mut().drain(..) {
                e.close();
            }
        }
    }
    teardown(ours, theirs);
}
