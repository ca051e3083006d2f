//! PLAIN and CURVE between this library and the real libzmq 4.3 in another process, driven
//! through `Remote` (tests/data/interop_peer.c, whose "zap" command runs a ZAP handler in the
//! libzmq process). Every case runs twice: our socket as the server with a libzmq client,
//! then libzmq as the server with our client, with the same expectations both times, so the
//! libzmq-to-us run checks each expectation against libzmq's own server.
//!
//! Covered: PLAIN with ZAP 200 (User-Id arrives as a message property), 300, 400, 500 and no
//! handler; CURVE with a handler allowing one client key and denying another, without a
//! handler (accepted), and with a wrong server key; DEALER/ROUTER with multipart and a
//! 1 MiB part, PUSH/PULL, and PUB/SUB with a subscription and heartbeats every 100 ms.

mod common;

use std::ffi::c_int;
use std::time::{Duration, Instant};

use common::{
    Event, OurZap, Remote, ZapRule, hex, last_endpoint, monitor, next_event, remote_event, set_int,
    unhex,
};
use zmq::consts::*;
use zmq::ctx::Context;
use zmq::error::Error;
use zmq::keys::generate_keypair;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

/// How long one receive or one awaited event may take.
const WAIT_MS: c_int = 5000;

/// A message's frames and the User-Id property of its first frame.
type Received = (Vec<Vec<u8>>, Option<Vec<u8>>);

/// One socket with a monitor, ours or libzmq's.
enum End<'a> {
    /// Options so that `Drop` can close them (a socket left open blocks `zmq_ctx_term`).
    Ours {
        sock: Option<Box<Socket>>,
        mon: Option<Box<Socket>>,
    },
    Theirs {
        r: &'a Remote,
        id: u32,
        mon: u32,
    },
}

impl<'a> End<'a> {
    fn new(ours: Option<&Context>, r: &'a Remote, ty: c_int) -> End<'a> {
        match ours {
            Some(ctx) => {
                let sock = Socket::new(ctx, SocketType::from_raw(ty).unwrap()).unwrap();
                set_int(&sock, ZMQ_SNDTIMEO, WAIT_MS);
                set_int(&sock, ZMQ_LINGER, 0);
                let mon = monitor(ctx, &sock);
                End::Ours {
                    sock: Some(Box::new(sock)),
                    mon: Some(Box::new(mon)),
                }
            }
            None => {
                let id = r.socket(ty);
                let mon = r.slot();
                r.call(&format!("monitor {id} {mon} {ZMQ_EVENT_ALL}"))
                    .unwrap();
                End::Theirs { r, id, mon }
            }
        }
    }

    fn set_int(&self, opt: c_int, v: c_int) {
        match self {
            End::Ours {
                sock: Some(sock), ..
            } => set_int(sock, opt, v),
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, id, .. } => {
                r.call(&format!("setint {id} {opt} {v}")).unwrap();
            }
        }
    }

    fn set_bytes(&self, opt: c_int, v: &[u8]) {
        match self {
            End::Ours {
                sock: Some(sock), ..
            } => sock.set_option(opt, Some(v)).unwrap(),
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, id, .. } => {
                r.call(&format!("setbin {id} {opt} {}", hex(v))).unwrap();
            }
        }
    }

    fn bind(&self) -> String {
        match self {
            End::Ours {
                sock: Some(sock), ..
            } => {
                sock.bind("tcp://127.0.0.1:*").unwrap();
                last_endpoint(sock)
            }
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, id, .. } => r
                .call(&format!("bind {id} tcp://127.0.0.1:*"))
                .unwrap()
                .remove(0),
        }
    }

    fn connect(&self, ep: &str) {
        match self {
            End::Ours {
                sock: Some(sock), ..
            } => sock.connect(ep).unwrap(),
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, id, .. } => {
                r.call(&format!("connect {id} {ep}")).unwrap();
            }
        }
    }

    fn send(&self, parts: &[&[u8]]) {
        match self {
            End::Ours {
                sock: Some(sock), ..
            } => {
                for (i, p) in parts.iter().enumerate() {
                    let mut m = Msg::copy_from_slice(p).unwrap();
                    let more = if i + 1 < parts.len() { ZMQ_SNDMORE } else { 0 };
                    sock.send(&mut m, more).unwrap();
                }
            }
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, id, .. } => {
                let words: Vec<String> = parts.iter().map(|p| hex(p)).collect();
                r.call(&format!("send {id} {}", words.join(" "))).unwrap();
            }
        }
    }

    /// One message within `ms`, with the User-Id property of its first frame.
    fn recv(&self, ms: c_int) -> Result<Received, Error> {
        match self {
            End::Ours {
                sock: Some(sock), ..
            } => {
                set_int(sock, ZMQ_RCVTIMEO, ms);
                let first = sock.recv(0)?;
                let user = first.property(b"User-Id").map(|v| v.to_bytes().to_vec());
                let mut more = first.more();
                let mut parts = vec![first.data().to_vec()];
                while more {
                    let m = sock.recv(0).unwrap();
                    more = m.more();
                    parts.push(m.data().to_vec());
                }
                Ok((parts, user))
            }
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, id, .. } => {
                let w = r.call(&format!("recv {id} {ms}"))?;
                Ok((w.iter().map(|h| unhex(h)).collect(), None))
            }
        }
    }

    /// Like `recv` for a one-frame message, with the User-Id libzmq gives it too.
    fn recv_user(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        match self {
            End::Ours { .. } => {
                let (mut parts, user) = self.recv(WAIT_MS).unwrap();
                (parts.remove(0), user)
            }
            End::Theirs { r, id, .. } => {
                let w = r
                    .call(&format!("recvprops {id} {WAIT_MS} User-Id"))
                    .unwrap();
                let user = (w[1] != "!").then(|| unhex(&w[1]));
                (unhex(&w[0]), user)
            }
        }
    }

    fn event(&self, ms: c_int) -> Option<Event> {
        match self {
            End::Ours { mon: Some(mon), .. } => next_event(mon, ms),
            End::Ours { .. } => unreachable!("closed"),
            End::Theirs { r, mon, .. } => remote_event(r, *mon, ms),
        }
    }

    /// The value of the first `want` event within 5 s; other events are skipped.
    fn wait_event(&self, want: u16) -> Option<u32> {
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS as u64);
        while Instant::now() < deadline {
            match self.event(100) {
                Some((e, v, _)) if e == want => return Some(v),
                _ => {}
            }
        }
        None
    }

    /// The handshake outcomes (events from HANDSHAKE_FAILED_NO_DETAIL up) seen within `ms`.
    fn handshake_events(&self, ms: u64) -> Vec<(u16, u32)> {
        self.handshake_events_and_disconnects(ms).0
    }

    /// As [`End::handshake_events`], and whether a DISCONNECTED event came too.
    fn handshake_events_and_disconnects(&self, ms: u64) -> (Vec<(u16, u32)>, bool) {
        let deadline = Instant::now() + Duration::from_millis(ms);
        let (mut got, mut disconnected) = (Vec::new(), false);
        while Instant::now() < deadline {
            match self.event(50) {
                Some((e, v, _)) if e >= ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL as u16 => {
                    got.push((e, v));
                }
                Some((e, _, _)) if e == ZMQ_EVENT_DISCONNECTED as u16 => disconnected = true,
                _ => {}
            }
        }
        (got, disconnected)
    }
}

impl Drop for End<'_> {
    fn drop(&mut self) {
        if let End::Ours { sock, mon } = self {
            (*sock.take().unwrap()).close();
            (*mon.take().unwrap()).close();
        }
    }
}

/// Runs `case` twice: our server with a libzmq client, then the reverse. `case` gets the
/// remote, our context and whether ours is the server.
fn both_roles(case: impl Fn(&Remote, &Context, bool)) {
    for ours_server in [true, false] {
        let Some(r) = Remote::start() else { return };
        let ctx = Context::new();
        case(&r, &ctx, ours_server);
        r.quit();
        common::term(ctx);
    }
}

/// A PLAIN server and client, the server's ZAP handler in its own process answering
/// `status` (no handler when `None`); returns (server, client), connected.
fn plain_pair<'a>(
    r: &'a Remote,
    ctx: &Context,
    ours_server: bool,
    status: Option<&'static str>,
    ty: (c_int, c_int),
) -> (End<'a>, End<'a>, Option<OurZap>) {
    let rule = status.map(|status| ZapRule {
        status,
        user: "alice-id",
        allow: None,
    });
    let (server, client) = if ours_server {
        (End::new(Some(ctx), r, ty.0), End::new(None, r, ty.1))
    } else {
        (End::new(None, r, ty.0), End::new(Some(ctx), r, ty.1))
    };
    let zap = match (&rule, ours_server) {
        (Some(rule), true) => Some(OurZap::start(ctx, rule.clone())),
        (Some(rule), false) => {
            r.call(&format!("zap {} {}", rule.status, rule.user))
                .unwrap();
            None
        }
        (None, _) => None,
    };
    server.set_int(ZMQ_PLAIN_SERVER, 1);
    client.set_bytes(ZMQ_PLAIN_USERNAME, b"alice");
    client.set_bytes(ZMQ_PLAIN_PASSWORD, b"secret");
    let ep = server.bind();
    client.connect(&ep);
    (server, client, zap)
}

#[test]
fn plain_zap_200_user_id_arrives() {
    both_roles(|r, ctx, ours_server| {
        let (server, client, _zap) =
            plain_pair(r, ctx, ours_server, Some("200"), (ZMQ_PULL, ZMQ_PUSH));
        assert_eq!(
            server.wait_event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED as u16),
            Some(0)
        );
        assert_eq!(
            client.wait_event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED as u16),
            Some(0)
        );
        client.send(&[b"hello"]);
        let (data, user) = server.recv_user();
        assert_eq!(data, b"hello");
        assert_eq!(user.as_deref(), Some(&b"alice-id"[..]));
    });
}

/// A refused PLAIN client: the server's and the client's handshake events, nothing delivered.
fn plain_refused(
    status: Option<&'static str>,
    server_want: (u16, u32),
    client_want: Option<(u16, u32)>,
) {
    both_roles(|r, ctx, ours_server| {
        let (server, client, _zap) = plain_pair(r, ctx, ours_server, status, (ZMQ_PULL, ZMQ_PUSH));
        client.set_int(ZMQ_LINGER, 0);
        client.send(&[b"never"]);
        let side = if ours_server { "ours" } else { "libzmq" };
        let (got, server_closed) = server.handshake_events_and_disconnects(600);
        assert!(!got.is_empty(), "{side} server: no handshake event");
        assert!(
            got.iter().all(|e| *e == server_want),
            "{side} server: {got:?}"
        );
        let got = client.handshake_events(300);
        match client_want {
            // libzmq 4.3.4's server now and then (about 1 run in 10 with both cores busy)
            // reports a refused handshake but leaves the connection open, without a
            // DISCONNECTED event; the client then has nothing to report until its handshake
            // timer. Ours always closes, so ours_server always expects the client's event.
            Some(want) if !server_closed && !ours_server => assert!(
                got.iter().all(|e| *e == want),
                "{side} server, client: {got:?}"
            ),
            Some(want) => assert!(
                !got.is_empty() && got.iter().all(|e| *e == want),
                "{side} server, client: {got:?}"
            ),
            // ZAP 300 (a temporary failure, no ERROR): libzmq 4.3.4's server usually stalls,
            // but now and then (seen with both cores busy) it closes the connection, which
            // its DISCONNECTED event shows; its client then sees the close. Ours stalls.
            None if server_closed && !ours_server => assert!(
                !got.is_empty() && got.iter().all(|e| *e == CLOSED),
                "{side} server, client: {got:?}"
            ),
            None => assert!(got.is_empty(), "{side} server, client: {got:?}"),
        }
        assert_eq!(server.recv(100).map(drop), Err(Error::Again));
    });
}

const AUTH: u16 = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH as u16;
/// What a client sees when the server closes the connection without an ERROR (libzmq):
/// HANDSHAKE_FAILED_NO_DETAIL with EPIPE, once per attempt.
const CLOSED: (u16, u32) = (
    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL as u16,
    libc::EPIPE as u32,
);

#[test]
fn plain_zap_300_stalls_silently() {
    // libzmq's server neither answers nor (usually) closes: the client learns nothing
    // until the handshake timer (30 s) ends the connection.
    plain_refused(Some("300"), (AUTH, 300), None);
}

#[test]
fn plain_zap_400_and_500_send_error() {
    plain_refused(Some("400"), (AUTH, 400), Some((AUTH, 400)));
    plain_refused(Some("500"), (AUTH, 500), Some((AUTH, 500)));
}

#[test]
fn plain_without_handler_fails_with_efault() {
    plain_refused(
        None,
        (
            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL as u16,
            libc::EFAULT as u32,
        ),
        Some(CLOSED),
    );
}

/// Starts the server's ZAP handler for `rule`, in whichever process the server lives.
fn start_zap(r: &Remote, ctx: &Context, ours_server: bool, rule: &ZapRule) -> Option<OurZap> {
    if ours_server {
        return Some(OurZap::start(ctx, rule.clone()));
    }
    let mut cmd = format!("zap {} {}", rule.status, rule.user);
    if let Some(k) = &rule.allow {
        cmd.push(' ');
        cmd.push_str(&hex(k));
    }
    r.call(&cmd).unwrap();
    None
}

/// A CURVE server of type `ty.0` bound on tcp, and a function making connected clients of
/// type `ty.1` with the given key pair (and the server key `server_public`).
struct Curve<'a> {
    r: &'a Remote,
    ctx: &'a Context,
    ours_server: bool,
    server: End<'a>,
    server_public: [u8; 32],
    ep: String,
}

impl<'a> Curve<'a> {
    fn new(r: &'a Remote, ctx: &'a Context, ours_server: bool, ty: c_int) -> Curve<'a> {
        let server = End::new(ours_server.then_some(ctx), r, ty);
        let (server_public, server_secret) = generate_keypair();
        server.set_int(ZMQ_CURVE_SERVER, 1);
        server.set_bytes(ZMQ_CURVE_SECRETKEY, &server_secret);
        let ep = server.bind();
        Curve {
            r,
            ctx,
            ours_server,
            server,
            server_public,
            ep,
        }
    }

    fn client(&self, ty: c_int, keys: ([u8; 32], [u8; 32]), server_key: &[u8; 32]) -> End<'a> {
        let client = End::new((!self.ours_server).then_some(self.ctx), self.r, ty);
        client.set_bytes(ZMQ_CURVE_SERVERKEY, server_key);
        client.set_bytes(ZMQ_CURVE_PUBLICKEY, &keys.0);
        client.set_bytes(ZMQ_CURVE_SECRETKEY, &keys.1);
        client.connect(&self.ep);
        client
    }
}

fn pattern(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[test]
fn curve_zap_allows_and_denies_by_client_key() {
    both_roles(|r, ctx, ours_server| {
        let good = generate_keypair();
        let bad = generate_keypair();
        let rule = ZapRule {
            status: "400",
            user: "good-client",
            allow: Some(good.0.to_vec()),
        };
        let _zap = start_zap(r, ctx, ours_server, &rule);
        let c = Curve::new(r, ctx, ours_server, ZMQ_ROUTER);
        let client = c.client(ZMQ_DEALER, good, &c.server_public);
        assert_eq!(
            client.wait_event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED as u16),
            Some(0)
        );
        // Multipart with a 1 MiB part, both ways, inside MESSAGE boxes.
        let big = pattern(1 << 20, 7);
        client.send(&[b"first", &big, b""]);
        let (parts, user) = c.server.recv(WAIT_MS).unwrap();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[1..], [b"first".to_vec(), big.clone(), Vec::new()]);
        if ours_server {
            assert_eq!(user.as_deref(), Some(&b"good-client"[..]));
        }
        let big2 = pattern(1 << 20, 9);
        c.server.send(&[&parts[0], b"back", &big2]);
        let (got, _) = client.recv(WAIT_MS).unwrap();
        assert_eq!(got, [b"back".to_vec(), big2]);

        // Another key is refused with 400 on both ends.
        let denied = c.client(ZMQ_DEALER, bad, &c.server_public);
        assert_eq!(denied.wait_event(AUTH), Some(400));
        assert_eq!(c.server.wait_event(AUTH), Some(400));
        // (A send on `denied` now may block: ERROR is a protocol error, which ends the
        // client's session without a reconnect, in libzmq and here alike.)
        assert_eq!(c.server.recv(200).map(drop), Err(Error::Again));
        // The good client is still served.
        client.send(&[b"still"]);
        let (parts, _) = c.server.recv(WAIT_MS).unwrap();
        assert_eq!(parts[1..], [b"still".to_vec()]);
    });
}

#[test]
fn curve_without_handler_accepts_any_key() {
    both_roles(|r, ctx, ours_server| {
        let c = Curve::new(r, ctx, ours_server, ZMQ_PULL);
        let client = c.client(ZMQ_PUSH, generate_keypair(), &c.server_public);
        client.send(&[b"stonehouse"]);
        let (data, user) = c.server.recv_user();
        assert_eq!(data, b"stonehouse");
        assert_eq!(user, None);
    });
}

#[test]
fn curve_wrong_server_key() {
    both_roles(|r, ctx, ours_server| {
        let c = Curve::new(r, ctx, ours_server, ZMQ_PULL);
        let client = c.client(ZMQ_PUSH, generate_keypair(), &generate_keypair().0);
        client.set_int(ZMQ_LINGER, 0);
        client.send(&[b"never"]);
        let side = if ours_server { "ours" } else { "libzmq" };
        let got = c.server.handshake_events(600);
        let want = (
            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL as u16,
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC as u32,
        );
        assert!(
            !got.is_empty() && got.iter().all(|e| *e == want),
            "{side} server: {got:?}"
        );
        let got = client.handshake_events(300);
        assert!(
            got.iter().all(|e| *e == CLOSED),
            "{side} server, client: {got:?}"
        );
        assert_eq!(c.server.recv(100).map(drop), Err(Error::Again));
    });
}

#[test]
fn curve_pub_sub_with_heartbeats() {
    both_roles(|r, ctx, ours_server| {
        let c = Curve::new(r, ctx, ours_server, ZMQ_PUB);
        c.server.set_int(ZMQ_HEARTBEAT_IVL, 100);
        let sub = End::new((!ours_server).then_some(ctx), r, ZMQ_SUB);
        sub.set_int(ZMQ_HEARTBEAT_IVL, 100);
        sub.set_bytes(ZMQ_SUBSCRIBE, b"news");
        let keys = generate_keypair();
        sub.set_bytes(ZMQ_CURVE_SERVERKEY, &c.server_public);
        sub.set_bytes(ZMQ_CURVE_PUBLICKEY, &keys.0);
        sub.set_bytes(ZMQ_CURVE_SECRETKEY, &keys.1);
        sub.connect(&c.ep);
        // Publish until the subscription has arrived; other topics are filtered out.
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS as u64);
        loop {
            c.server.send(&[b"other"]);
            c.server.send(&[b"news", b"0"]);
            if let Ok((got, _)) = sub.recv(50) {
                assert_eq!(got, [b"news".to_vec(), b"0".to_vec()]);
                break;
            }
            assert!(Instant::now() < deadline, "the subscription never arrived");
        }
        while sub.recv(50).is_ok() {}
        // Idle for several heartbeat intervals: PING/PONG inside MESSAGE boxes only.
        std::thread::sleep(Duration::from_millis(700));
        c.server.send(&[b"other"]);
        c.server.send(&[b"news", b"1"]);
        let (got, _) = sub.recv(WAIT_MS).unwrap();
        assert_eq!(got, [b"news".to_vec(), b"1".to_vec()]);
        // One handshake each and no disconnect on either end.
        for end in [&c.server, &sub] {
            let mut seen = Vec::new();
            while let Some((e, _, _)) = end.event(0) {
                seen.push(e);
            }
            assert!(
                !seen.contains(&(ZMQ_EVENT_DISCONNECTED as u16)),
                "ours server {ours_server}: {seen:?}"
            );
        }
    });
}
