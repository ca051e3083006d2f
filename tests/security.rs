//! PLAIN and CURVE between this library and the real libzmq 4.3 in another process (a C
//! peer, tests/data/security_peer.c, built with the system `cc` and `-lzmq`; skipped with a
//! message when impossible, except under `CI=true`), both ways: ZAP with a User-Id, refused
//! credentials, right and wrong CURVE server keys, heartbeats and a subscription inside
//! CURVE MESSAGE boxes. Every blocking call has a timeout.

use std::ffi::c_int;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

mod common;

use common::{OurZap, ZapRule, build_c_peer, last_endpoint, line_reader, set_int, term};
use zmq::consts::*;
use zmq::ctx::Context;
use zmq::error::Error;
use zmq::keys::keypair_z85;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

fn set_bytes(s: &Socket, opt: c_int, v: &[u8]) {
    s.set_option(opt, Some(v)).unwrap();
}

/// A socket with 3 s timeouts and linger 0.
fn socket(ctx: &Context, ty: SocketType) -> Socket {
    let s = Socket::new(ctx, ty).unwrap();
    set_int(&s, ZMQ_RCVTIMEO, 3000);
    set_int(&s, ZMQ_SNDTIMEO, 3000);
    set_int(&s, ZMQ_LINGER, 0);
    s
}

fn bind_tcp(s: &Socket) -> String {
    s.bind("tcp://127.0.0.1:*").unwrap();
    last_endpoint(s)
}

fn send(s: &Socket, data: &[u8]) {
    let mut m = Msg::copy_from_slice(data).unwrap();
    s.send(&mut m, 0).unwrap();
}

// ---- the libzmq peer ----

/// The peer process (killed if the test fails first) and its output lines.
struct Peer {
    child: common::Peer,
    lines: Receiver<String>,
}

impl Peer {
    fn start(exe: &PathBuf, args: &[&str]) -> Peer {
        let mut child = Command::new(exe)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = line_reader(child.stdout.take().unwrap());
        Peer {
            child: common::Peer(child),
            lines,
        }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("the libzmq peer printed nothing")
            .trim_end()
            .to_owned()
    }

    /// A server's "bound <endpoint>" line.
    fn endpoint(&self) -> String {
        let line = self.line();
        line.strip_prefix("bound ")
            .unwrap_or_else(|| panic!("unexpected peer output {line:?}"))
            .to_owned()
    }

    /// The rest of the output; the peer must exit successfully.
    fn finish(mut self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.0.try_wait().unwrap() {
                assert!(status.success(), "libzmq peer failed: {status}");
                break;
            }
            assert!(Instant::now() < deadline, "libzmq peer did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut out = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            out.push(line.trim_end().to_owned());
        }
        out
    }

    fn has_exited(&mut self) -> bool {
        self.child.0.try_wait().unwrap().is_some()
    }
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

// ---- PLAIN ----

/// Our PLAIN server with our ZAP handler, libzmq's client: the request carries the
/// handler's User-Id; a wrong password gets nothing through.
fn plain_ours_server(password: &str) {
    let Some(exe) = build_c_peer("security_peer") else {
        return;
    };
    let ctx = Context::new();
    // 200 with user id "rust-user" for the password "secret", 400 otherwise.
    let _zap = OurZap::start(
        &ctx,
        ZapRule {
            status: "400",
            user: "rust-user",
            allow: Some(b"secret".to_vec()),
        },
    );
    let rep = socket(&ctx, SocketType::Rep);
    set_int(&rep, ZMQ_PLAIN_SERVER, 1);
    let ep = bind_tcp(&rep);
    let peer = Peer::start(&exe, &["plain-client", &ep, "admin", password]);
    if password == "secret" {
        let m = rep.recv(0).unwrap();
        assert_eq!(m.data(), b"hello");
        assert_eq!(m.property(b"User-Id").unwrap().to_bytes(), b"rust-user");
        assert_eq!(m.property(b"Socket-Type").unwrap().to_bytes(), b"REQ");
        send(&rep, b"world");
        assert_eq!(peer.finish(), lines(&["got world", "disconnects 0"]));
    } else {
        set_int(&rep, ZMQ_RCVTIMEO, 1000);
        assert_eq!(rep.recv(0).err(), Some(Error::Again));
        // libzmq's client got ERROR "400": a protocol error, after which it does not
        // reconnect.
        assert_eq!(peer.finish(), lines(&["timeout", "disconnects 1"]));
    }
    rep.close();
    drop(_zap);
    term(ctx);
}

#[test]
fn plain_libzmq_client_ours_server() {
    plain_ours_server("secret");
}

#[test]
fn plain_libzmq_client_refused_by_ours() {
    plain_ours_server("wrong");
}

/// libzmq's PLAIN server and ZAP handler, our client.
fn plain_ours_client(password: &[u8]) {
    let Some(exe) = build_c_peer("security_peer") else {
        return;
    };
    let peer = Peer::start(&exe, &["plain-server", "tcp://127.0.0.1:*"]);
    let ep = peer.endpoint();
    let ctx = Context::new();
    let req = socket(&ctx, SocketType::Req);
    set_bytes(&req, ZMQ_PLAIN_USERNAME, b"admin");
    set_bytes(&req, ZMQ_PLAIN_PASSWORD, password);
    req.connect(&ep).unwrap();
    send(&req, b"hello");
    if password == b"secret" {
        let m = req.recv(0).unwrap();
        assert_eq!(m.data(), b"User-Id=c-user");
        assert!(m.property(b"User-Id").is_none());
        assert_eq!(peer.finish(), lines(&["got hello", "disconnects 0"]));
    } else {
        set_int(&req, ZMQ_RCVTIMEO, 1000);
        assert_eq!(req.recv(0).err(), Some(Error::Again));
        assert_eq!(peer.finish(), lines(&["timeout", "disconnects 1"]));
    }
    req.close();
    term(ctx);
}

#[test]
fn plain_ours_client_libzmq_server() {
    plain_ours_client(b"secret");
}

#[test]
fn plain_ours_client_refused_by_libzmq() {
    plain_ours_client(b"wrong");
}

// ---- CURVE ----

/// Our CURVE server (no ZAP handler: any client key), libzmq's client with heartbeats; it
/// knows `server_key`.
fn curve_ours_server(right_key: bool) {
    let Some(exe) = build_c_peer("security_peer") else {
        return;
    };
    let (server_public, server_secret) = keypair_z85();
    let (client_public, client_secret) = keypair_z85();
    let (other_public, _) = keypair_z85();
    let ctx = Context::new();
    let rep = socket(&ctx, SocketType::Rep);
    set_int(&rep, ZMQ_CURVE_SERVER, 1);
    set_bytes(&rep, ZMQ_CURVE_SECRETKEY, server_secret.as_bytes());
    set_int(&rep, ZMQ_HEARTBEAT_IVL, 100);
    let ep = bind_tcp(&rep);
    let key = if right_key {
        &server_public
    } else {
        &other_public
    };
    let peer = Peer::start(
        &exe,
        &["curve-client", &ep, key, &client_public, &client_secret],
    );
    if right_key {
        let m = rep.recv(0).unwrap();
        assert_eq!(m.data(), b"hello");
        send(&rep, b"ok");
        assert_eq!(peer.finish(), lines(&["got ok", "disconnects 0"]));
    } else {
        set_int(&rep, ZMQ_RCVTIMEO, 1500);
        assert_eq!(rep.recv(0).err(), Some(Error::Again));
        let out = peer.finish();
        assert_eq!(out[0], "timeout");
    }
    rep.close();
    term(ctx);
}

#[test]
fn curve_libzmq_client_ours_server() {
    curve_ours_server(true);
}

#[test]
fn curve_libzmq_client_wrong_key() {
    curve_ours_server(false);
}

/// libzmq's CURVE server with heartbeats, our client with heartbeats.
fn curve_ours_client(right_key: bool) {
    let Some(exe) = build_c_peer("security_peer") else {
        return;
    };
    let (server_public, server_secret) = keypair_z85();
    let (client_public, client_secret) = keypair_z85();
    let (other_public, _) = keypair_z85();
    let peer = Peer::start(&exe, &["curve-server", "tcp://127.0.0.1:*", &server_secret]);
    let ep = peer.endpoint();
    let ctx = Context::new();
    let req = socket(&ctx, SocketType::Req);
    let key = if right_key {
        &server_public
    } else {
        &other_public
    };
    set_bytes(&req, ZMQ_CURVE_SERVERKEY, key.as_bytes());
    set_bytes(&req, ZMQ_CURVE_PUBLICKEY, client_public.as_bytes());
    set_bytes(&req, ZMQ_CURVE_SECRETKEY, client_secret.as_bytes());
    set_int(&req, ZMQ_HEARTBEAT_IVL, 100);
    req.connect(&ep).unwrap();
    // Several PING/PONG rounds before the request.
    std::thread::sleep(Duration::from_millis(600));
    send(&req, b"hello");
    if right_key {
        let m = req.recv(0).unwrap();
        assert_eq!(m.data(), b"ok:hello");
        assert_eq!(peer.finish(), lines(&["got hello", "disconnects 0"]));
    } else {
        set_int(&req, ZMQ_RCVTIMEO, 1000);
        assert_eq!(req.recv(0).err(), Some(Error::Again));
        let out = peer.finish();
        assert_eq!(out[0], "timeout");
    }
    req.close();
    term(ctx);
}

#[test]
fn curve_ours_client_libzmq_server() {
    curve_ours_client(true);
}

#[test]
fn curve_ours_client_wrong_key() {
    curve_ours_client(false);
}

/// Our CURVE PUB, libzmq's SUB: its subscription arrives inside a MESSAGE box and filters.
#[test]
fn curve_ours_pub_libzmq_sub() {
    let Some(exe) = build_c_peer("security_peer") else {
        return;
    };
    let (server_public, server_secret) = keypair_z85();
    let (client_public, client_secret) = keypair_z85();
    let ctx = Context::new();
    let publisher = socket(&ctx, SocketType::Pub);
    set_int(&publisher, ZMQ_CURVE_SERVER, 1);
    set_bytes(&publisher, ZMQ_CURVE_SECRETKEY, server_secret.as_bytes());
    let ep = bind_tcp(&publisher);
    let mut peer = Peer::start(
        &exe,
        &[
            "curve-sub",
            &ep,
            &server_public,
            &client_public,
            &client_secret,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !peer.has_exited() && Instant::now() < deadline {
        send(&publisher, b"B-no");
        send(&publisher, b"A-yes");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(peer.finish(), lines(&["got A-yes", "disconnects 0"]));
    publisher.close();
    term(ctx);
}
