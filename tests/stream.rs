//! The tcp and ipc transports end to end through the Rust socket API: PAIR to PAIR in one
//! process, and against the real libzmq 4.3 in another process (a small C peer built with
//! the system `cc` and `-lzmq`; skipped with a message when impossible, except under
//! `CI=true`). Every blocking call has a timeout.

mod common;

use std::ffi::c_int;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Peer, build_c_peer, last_endpoint, line_reader, set_int, term};

use zmq::consts::*;
use zmq::ctx::Context;
use zmq::error::Error;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

/// A PAIR socket with 5 s send/receive timeouts.
fn pair(ctx: &Context) -> Socket {
    let s = Socket::new(ctx, SocketType::Pair).unwrap();
    set_int(&s, ZMQ_RCVTIMEO, 5000);
    set_int(&s, ZMQ_SNDTIMEO, 5000);
    s
}

fn send(s: &Socket, data: &[u8], more: bool) {
    let mut m = Msg::copy_from_slice(data).unwrap();
    s.send(&mut m, if more { ZMQ_SNDMORE } else { 0 }).unwrap();
}

fn recv(s: &Socket) -> (Vec<u8>, bool) {
    let m = s.recv(0).unwrap();
    (m.data().to_vec(), m.more())
}

/// A fresh ipc path for this test process.
fn ipc_endpoint() -> String {
    common::ipc_endpoint("stream")
}

/// Binds `a` to a wildcard of `transport`, connects `b` to it; returns the endpoint.
fn link(a: &Socket, b: &Socket, transport: &str) -> String {
    let ep = if transport == "tcp" {
        a.bind("tcp://127.0.0.1:*").unwrap();
        let ep = last_endpoint(a);
        assert!(ep.starts_with("tcp://127.0.0.1:"), "{ep}");
        assert_ne!(ep, "tcp://127.0.0.1:0");
        ep
    } else {
        let ep = ipc_endpoint();
        a.bind(&ep).unwrap();
        assert_eq!(last_endpoint(a), ep);
        ep
    };
    b.connect(&ep).unwrap();
    assert_eq!(last_endpoint(b), ep);
    ep
}

fn exchange(transport: &str) {
    let ctx = Context::new();
    let a = pair(&ctx);
    let b = pair(&ctx);
    a.set_option(ZMQ_METADATA, Some(b"X-Hello:world")).unwrap();
    link(&a, &b, transport);
    // Multipart, both ways.
    send(&b, b"hello", true);
    send(&b, b"", true);
    send(&b, b"world", false);
    assert_eq!(recv(&a), (b"hello".to_vec(), true));
    assert_eq!(recv(&a), (b"".to_vec(), true));
    assert_eq!(recv(&a), (b"world".to_vec(), false));
    send(&a, b"back", false);
    assert_eq!(recv(&b), (b"back".to_vec(), false));
    // Sizes across the inline, short-frame and long-frame boundaries, up to 1 MiB.
    for size in [0, 1, 33, 34, 255, 256, 8191, 8192, 65536, 1 << 20] {
        let body: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
        send(&a, &body, false);
        let (got, more) = recv(&b);
        assert!(!more);
        assert!(got == body, "size {size} a->b");
        send(&b, &body, false);
        let (got, _) = recv(&a);
        assert!(got == body, "size {size} b->a");
    }
    // Peer metadata on received messages.
    send(&a, b"meta", false);
    let m = b.recv(0).unwrap();
    assert_eq!(m.property(b"Socket-Type").unwrap().to_bytes(), b"PAIR");
    assert_eq!(m.property(b"X-Hello").unwrap().to_bytes(), b"world");
    assert!(m.srcfd().is_some_and(|fd| fd > 0));
    if transport == "tcp" {
        assert_eq!(
            m.property(b"Peer-Address").unwrap().to_bytes(),
            b"127.0.0.1"
        );
    }
    a.close();
    b.close();
    term(ctx);
}

#[test]
fn tcp_exchange() {
    exchange("tcp");
}

#[test]
fn ipc_exchange() {
    exchange("ipc");
}

/// A port that was free a moment ago (for connect-before-bind and restarts).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn connect_before_bind(transport: &str) {
    let ctx = Context::new();
    let ep = if transport == "tcp" {
        format!("tcp://127.0.0.1:{}", free_port())
    } else {
        ipc_endpoint()
    };
    let b = pair(&ctx);
    b.connect(&ep).unwrap();
    // Queued in the pipe before any connection exists.
    send(&b, b"early", true);
    send(&b, b"bird", false);
    std::thread::sleep(Duration::from_millis(50));
    let a = pair(&ctx);
    a.bind(&ep).unwrap();
    assert_eq!(recv(&a), (b"early".to_vec(), true));
    assert_eq!(recv(&a), (b"bird".to_vec(), false));
    send(&a, b"late", false);
    assert_eq!(recv(&b), (b"late".to_vec(), false));
    a.close();
    b.close();
    term(ctx);
}

#[test]
fn tcp_connect_before_bind() {
    connect_before_bind("tcp");
}

#[test]
fn ipc_connect_before_bind() {
    connect_before_bind("ipc");
}

fn reconnect(transport: &str) {
    let ctx = Context::new();
    let ep = if transport == "tcp" {
        format!("tcp://127.0.0.1:{}", free_port())
    } else {
        ipc_endpoint()
    };
    let a = pair(&ctx);
    a.bind(&ep).unwrap();
    let b = pair(&ctx);
    set_int(&b, ZMQ_RECONNECT_IVL, 20);
    b.connect(&ep).unwrap();
    send(&b, b"one", false);
    assert_eq!(recv(&a), (b"one".to_vec(), false));
    a.close();
    // Let the connecter see the disconnect before queueing the next message.
    std::thread::sleep(Duration::from_millis(100));
    send(&b, b"two", false);
    let a2 = pair(&ctx);
    a2.bind(&ep).unwrap();
    assert_eq!(recv(&a2), (b"two".to_vec(), false));
    send(&a2, b"three", false);
    assert_eq!(recv(&b), (b"three".to_vec(), false));
    a2.close();
    b.close();
    term(ctx);
}

#[test]
fn tcp_reconnect_after_peer_restart() {
    reconnect("tcp");
}

#[test]
fn ipc_reconnect_after_peer_restart() {
    reconnect("ipc");
}

#[test]
fn hwm_backpressure() {
    let ctx = Context::new();
    let a = pair(&ctx);
    let b = pair(&ctx);
    set_int(&a, ZMQ_RCVHWM, 5);
    set_int(&b, ZMQ_SNDHWM, 5);
    link(&a, &b, "tcp");
    // Large messages, so the kernel's buffers fill quickly too.
    let body = vec![7u8; 256 * 1024];
    let mut sent = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut m = Msg::copy_from_slice(&body).unwrap();
        match b.send(&mut m, ZMQ_DONTWAIT) {
            Ok(()) => sent += 1,
            Err(Error::Again) => {
                // The session may still be moving messages out; look again shortly.
                std::thread::sleep(Duration::from_millis(50));
                let mut m = Msg::copy_from_slice(&body).unwrap();
                match b.send(&mut m, ZMQ_DONTWAIT) {
                    Ok(()) => sent += 1,
                    Err(Error::Again) => break,
                    Err(e) => panic!("{e:?}"),
                }
            }
            Err(e) => panic!("{e:?}"),
        }
        assert!(
            Instant::now() < deadline,
            "the HWM never stopped the sender"
        );
    }
    assert!(
        (5..200).contains(&sent),
        "{sent} messages went out before the HWM"
    );
    for _ in 0..sent {
        let m = a.recv(0).unwrap();
        assert_eq!(m.len(), body.len());
    }
    // Room again.
    send(&b, b"after", false);
    assert_eq!(recv(&a), (b"after".to_vec(), false));
    a.close();
    b.close();
    term(ctx);
}

#[test]
fn close_delivers_pending_messages() {
    let ctx = Context::new();
    let a = pair(&ctx);
    let b = pair(&ctx);
    link(&a, &b, "tcp");
    send(&b, b"ready", false);
    assert_eq!(recv(&a), (b"ready".to_vec(), false));
    set_int(&b, ZMQ_LINGER, 5000);
    let body = vec![3u8; 10_000];
    for i in 0..1000u32 {
        let mut m = Msg::copy_from_slice(&body).unwrap();
        m.data_mut().unwrap()[..4].copy_from_slice(&i.to_be_bytes());
        b.send(&mut m, 0).unwrap();
    }
    b.close();
    for i in 0..1000u32 {
        let m = a.recv(0).unwrap();
        assert_eq!(m.data()[..4], i.to_be_bytes());
    }
    a.close();
    term(ctx);
}

#[test]
fn tcp_accept_filter() {
    let ctx = Context::new();
    let a = pair(&ctx);
    set_int(&a, ZMQ_RCVTIMEO, 300);
    a.set_option(ZMQ_TCP_ACCEPT_FILTER, Some(b"10.1.2.3"))
        .unwrap();
    let b = pair(&ctx);
    link(&a, &b, "tcp");
    send(&b, b"refused", false);
    assert_eq!(a.recv(0).err(), Some(Error::Again));
    let c = pair(&ctx);
    c.set_option(ZMQ_TCP_ACCEPT_FILTER, Some(b"127.0.0.0/8"))
        .unwrap();
    let d = pair(&ctx);
    link(&c, &d, "tcp");
    send(&d, b"allowed", false);
    assert_eq!(recv(&c), (b"allowed".to_vec(), false));
    for s in [a, b, c, d] {
        set_int(&s, ZMQ_LINGER, 0);
        s.close();
    }
    term(ctx);
}

#[test]
fn ipc_peer_filters() {
    let uid = std::fs::metadata("/proc/self").map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid()
    });
    let uid = uid.unwrap() as c_int;
    let ctx = Context::new();
    let a = pair(&ctx);
    set_int(&a, ZMQ_RCVTIMEO, 300);
    set_int(&a, ZMQ_IPC_FILTER_UID, uid + 1);
    let b = pair(&ctx);
    link(&a, &b, "ipc");
    send(&b, b"refused", false);
    assert_eq!(a.recv(0).err(), Some(Error::Again));
    let c = pair(&ctx);
    set_int(&c, ZMQ_IPC_FILTER_UID, uid + 1);
    set_int(&c, ZMQ_IPC_FILTER_PID, std::process::id() as c_int);
    let d = pair(&ctx);
    link(&c, &d, "ipc");
    send(&d, b"allowed", false);
    assert_eq!(recv(&c), (b"allowed".to_vec(), false));
    for s in [a, b, c, d] {
        set_int(&s, ZMQ_LINGER, 0);
        s.close();
    }
    term(ctx);
}

#[test]
fn no_io_threads() {
    let ctx = Context::new();
    ctx.set_int(ZMQ_IO_THREADS, 0).unwrap();
    let s = pair(&ctx);
    assert_eq!(s.bind("tcp://127.0.0.1:*"), Err(Error::MThread));
    assert_eq!(s.connect("ipc://@zmq-rs-nothing"), Err(Error::MThread));
    s.bind("inproc://fine").unwrap();
    s.close();
    term(ctx);
}

#[test]
fn bind_errors_and_unbind() {
    let ctx = Context::new();
    let a = pair(&ctx);
    a.bind("tcp://127.0.0.1:*").unwrap();
    let ep = last_endpoint(&a);
    let b = pair(&ctx);
    assert_eq!(b.bind(&ep), Err(Error::AddrInUse));
    assert_eq!(b.bind("tcp://no-such-interface-xyz:*"), Err(Error::NoDev));
    assert_eq!(b.connect("tcp://127.0.0.1"), Err(Error::Inval));
    assert_eq!(
        b.bind("ipc:///no-such-dir-zmq-rs/x.sock"),
        Err(Error::NoEnt)
    );
    // Unbinding takes the resolved name; the wildcard form is unknown.
    assert_eq!(a.term_endpoint("tcp://127.0.0.1:*"), Err(Error::NoEnt));
    a.term_endpoint(&ep).unwrap();
    // ipc: the socket file (and the directory of `ipc://*`) go on unbind.
    let c = pair(&ctx);
    c.bind("ipc://*").unwrap();
    let wild = last_endpoint(&c);
    let path = PathBuf::from(wild.strip_prefix("ipc://").unwrap());
    assert!(path.exists());
    c.term_endpoint(&wild).unwrap();
    let named = ipc_endpoint();
    c.bind(&named).unwrap();
    let named_path = PathBuf::from(named.strip_prefix("ipc://").unwrap());
    assert!(named_path.exists());
    c.close();
    let deadline = Instant::now() + Duration::from_secs(5);
    while (path.exists() || named_path.exists()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!path.exists() && !path.parent().unwrap().exists());
    assert!(!named_path.exists());
    a.close();
    b.close();
    term(ctx);
}

// ---- against the real libzmq ----

/// Starts the peer and reads the endpoint line it prints.
fn start_peer(exe: &PathBuf, mode: &str, ep: &str) -> (Peer, String) {
    let mut child = Command::new(exe)
        .args([mode, ep])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = line_reader(child.stdout.take().unwrap());
    let peer = Peer(child);
    let line = lines
        .recv_timeout(Duration::from_secs(10))
        .expect("the libzmq peer printed no endpoint");
    (peer, line.trim().to_owned())
}

fn finish_peer(mut peer: Peer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = peer.0.try_wait().unwrap() {
            assert!(status.success(), "libzmq peer failed: {status}");
            return;
        }
        assert!(Instant::now() < deadline, "libzmq peer did not exit");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Multipart messages and sizes up to 1 MiB through the echoing peer.
fn echo_through(s: &Socket) {
    send(s, b"a", true);
    send(s, b"", true);
    send(s, b"c", false);
    assert_eq!(recv(s), (b"a".to_vec(), true));
    assert_eq!(recv(s), (b"".to_vec(), true));
    assert_eq!(recv(s), (b"c".to_vec(), false));
    for size in [0usize, 1, 255, 256, 70_000, 1 << 20] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        send(s, &body, false);
        let (got, more) = recv(s);
        assert!(!more && got == body, "size {size}");
    }
    // Pipelined: many messages out before any comes back.
    for i in 0..1500u32 {
        send(s, &i.to_be_bytes(), false);
    }
    for i in 0..1500u32 {
        assert_eq!(recv(s), (i.to_be_bytes().to_vec(), false));
    }
    let m = s.recv(ZMQ_DONTWAIT);
    assert_eq!(m.err(), Some(Error::Again));
    send(s, b"END", false);
}

fn libzmq_interop(transport: &str, libzmq_binds: bool) {
    let Some(exe) = build_c_peer("stream_peer") else {
        return;
    };
    let ctx = Context::new();
    let s = pair(&ctx);
    let peer = if libzmq_binds {
        let ep = if transport == "tcp" {
            "tcp://127.0.0.1:*".to_owned()
        } else {
            ipc_endpoint()
        };
        let (peer, bound) = start_peer(&exe, "bind", &ep);
        s.connect(&bound).unwrap();
        peer
    } else {
        let ep = if transport == "tcp" {
            s.bind("tcp://127.0.0.1:*").unwrap();
            last_endpoint(&s)
        } else {
            let ep = ipc_endpoint();
            s.bind(&ep).unwrap();
            ep
        };
        start_peer(&exe, "connect", &ep).0
    };
    echo_through(&s);
    finish_peer(peer);
    s.close();
    term(ctx);
}

#[test]
fn libzmq_binds_tcp() {
    libzmq_interop("tcp", true);
}

#[test]
fn libzmq_connects_tcp() {
    libzmq_interop("tcp", false);
}

#[test]
fn libzmq_binds_ipc() {
    libzmq_interop("ipc", true);
}

#[test]
fn libzmq_connects_ipc() {
    libzmq_interop("ipc", false);
}

/// Throughput over tcp (run with `--ignored --nocapture` to see the numbers).
#[test]
#[ignore]
fn tcp_throughput() {
    for (size, count) in [(16usize, 2_000_000u32), (1024, 500_000), (65536, 20_000)] {
        let ctx = Context::new();
        let a = pair(&ctx);
        let b = pair(&ctx);
        link(&a, &b, "tcp");
        let body = vec![1u8; size];
        let start = Instant::now();
        let sender = std::thread::spawn(move || {
            for _ in 0..count {
                let mut m = Msg::copy_from_slice(&body).unwrap();
                b.send(&mut m, 0).unwrap();
            }
            b
        });
        for _ in 0..count {
            a.recv(0).unwrap();
        }
        let secs = start.elapsed().as_secs_f64();
        let b = sender.join().unwrap();
        println!(
            "{size} B: {:.0} msg/s, {:.0} MB/s",
            f64::from(count) / secs,
            f64::from(count) * size as f64 / secs / 1e6
        );
        a.close();
        b.close();
        term(ctx);
    }
}

/// Closing a socket whose connect never succeeded ends at once without queued messages,
/// and within the linger period with them.
#[test]
fn close_unconnected() {
    let ctx = Context::new();
    let ep = format!("tcp://127.0.0.1:{}", free_port());
    let idle = pair(&ctx);
    idle.connect(&ep).unwrap();
    idle.connect(&ipc_endpoint()).unwrap();
    std::thread::sleep(Duration::from_millis(30));
    idle.close();
    let queued = pair(&ctx);
    set_int(&queued, ZMQ_LINGER, 100);
    queued.connect(&ep).unwrap();
    send(&queued, b"never delivered", false);
    let start = Instant::now();
    queued.close();
    let dropped = pair(&ctx);
    set_int(&dropped, ZMQ_LINGER, 0);
    dropped.connect(&ep).unwrap();
    send(&dropped, b"dropped", false);
    dropped.close();
    term(ctx);
    assert!(start.elapsed() >= Duration::from_millis(90));
}

/// With ZMQ_IMMEDIATE no pipe exists until a connection does: nothing can be queued.
#[test]
fn immediate_connect_queues_nothing() {
    let ctx = Context::new();
    let ep = format!("tcp://127.0.0.1:{}", free_port());
    let b = pair(&ctx);
    set_int(&b, ZMQ_IMMEDIATE, 1);
    set_int(&b, ZMQ_RECONNECT_IVL, 10);
    b.connect(&ep).unwrap();
    let mut m = Msg::copy_from_slice(b"x").unwrap();
    assert_eq!(b.send(&mut m, ZMQ_DONTWAIT), Err(Error::Again));
    let a = pair(&ctx);
    a.bind(&ep).unwrap();
    // The pipe appears once the handshake is done.
    send(&b, b"now", false);
    assert_eq!(recv(&a), (b"now".to_vec(), false));
    // The pipe goes with the connection, and comes back with the next one.
    a.close();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut m = Msg::copy_from_slice(b"x").unwrap();
        if b.send(&mut m, ZMQ_DONTWAIT) == Err(Error::Again) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the pipe outlived its connection"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // PAIR takes a new pipe only once the old one is gone, which needs a read attempt to
    // meet the old pipe's delimiter (the pipe layer waits for its reader there).
    assert_eq!(b.recv(ZMQ_DONTWAIT).err(), Some(Error::Again));
    let a2 = pair(&ctx);
    a2.bind(&ep).unwrap();
    send(&b, b"again", false);
    assert_eq!(recv(&a2), (b"again".to_vec(), false));
    a2.close();
    b.close();
    term(ctx);
}

/// A peer that never answers the greeting is dropped after ZMQ_HANDSHAKE_IVL, and the
/// connecter dials again.
#[test]
fn handshake_timeout_then_reconnect() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ctx = Context::new();
    let s = pair(&ctx);
    set_int(&s, ZMQ_HANDSHAKE_IVL, 100);
    set_int(&s, ZMQ_RECONNECT_IVL, 10);
    s.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    listener.set_nonblocking(true).unwrap();
    let accept = || {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match listener.accept() {
                Ok((c, _)) => return c,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("no connection: {e}"),
            }
        }
    };
    let mut first = accept();
    first.set_nonblocking(false).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    first.read_to_end(&mut got).unwrap();
    // Our signature went out, then the connection was closed by the handshake timer.
    assert_eq!(got[0], 0xff);
    assert_eq!(got[9], 0x7f);
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    let _second = accept();
    s.close();
    term(ctx);
}

/// A protocol error (here a security mechanism mismatch) ends the connection and the
/// connecter does not dial again (protocol.md 3.8).
#[test]
fn protocol_error_stops_reconnecting() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ctx = Context::new();
    let s = pair(&ctx);
    set_int(&s, ZMQ_RECONNECT_IVL, 10);
    s.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    let mut mechanism = b"CURVE".to_vec();
    mechanism.resize(20, 0);
    greeting.extend_from_slice(&mechanism);
    greeting.resize(64, 0);
    peer.write_all(&greeting).unwrap();
    let mut got = Vec::new();
    peer.read_to_end(&mut got).unwrap();
    assert!(got.len() >= 10 && got[0] == 0xff);
    listener.set_nonblocking(true).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(listener.accept().is_err(), "the connecter dialled again");
    s.close();
    term(ctx);
}

/// Heartbeats: a peer that completes the handshake but never answers PING is dropped after
/// ZMQ_HEARTBEAT_TIMEOUT, and the connecter dials again.
#[test]
fn heartbeat_timeout_then_reconnect() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ctx = Context::new();
    let s = pair(&ctx);
    set_int(&s, ZMQ_RECONNECT_IVL, 10);
    set_int(&s, ZMQ_HEARTBEAT_IVL, 50);
    set_int(&s, ZMQ_HEARTBEAT_TIMEOUT, 200);
    s.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // A NULL greeting, then READY with Socket-Type PAIR.
    let mut out = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    let mut mechanism = b"NULL".to_vec();
    mechanism.resize(20, 0);
    out.extend_from_slice(&mechanism);
    out.resize(64, 0);
    let mut ready = vec![5];
    ready.extend_from_slice(b"READY");
    ready.push(11);
    ready.extend_from_slice(b"Socket-Type");
    ready.extend_from_slice(&4u32.to_be_bytes());
    ready.extend_from_slice(b"PAIR");
    out.push(0x04);
    out.push(ready.len() as u8);
    out.extend_from_slice(&ready);
    peer.write_all(&out).unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    peer.read_to_end(&mut got).unwrap();
    let waited = start.elapsed();
    // Our READY and at least one PING went out before the timeout closed the connection.
    assert!(got.windows(5).any(|w| w == b"READY"));
    assert!(got.windows(4).any(|w| w == b"PING"));
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while listener.accept().is_err() {
        assert!(Instant::now() < deadline, "no reconnect");
        std::thread::sleep(Duration::from_millis(5));
    }
    s.close();
    term(ctx);
}

/// ZMQ_RECONNECT_STOP_CONN_REFUSED: a refused dial ends the connect; what was queued for
/// it is dropped, and a later bind gets nothing.
#[test]
fn reconnect_stop_on_refusal() {
    let ctx = Context::new();
    let ep = format!("tcp://127.0.0.1:{}", free_port());
    let b = pair(&ctx);
    set_int(&b, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_CONN_REFUSED);
    set_int(&b, ZMQ_RECONNECT_IVL, 10);
    set_int(&b, ZMQ_LINGER, 0);
    b.connect(&ep).unwrap();
    // Queued if the pipe is still there (the refusal may already have ended it).
    let mut m = Msg::copy_from_slice(b"lost").unwrap();
    let _ = b.send(&mut m, ZMQ_DONTWAIT);
    std::thread::sleep(Duration::from_millis(100));
    let mut m = Msg::copy_from_slice(b"lost").unwrap();
    assert_eq!(b.send(&mut m, ZMQ_DONTWAIT), Err(Error::Again));
    let a = pair(&ctx);
    set_int(&a, ZMQ_RCVTIMEO, 300);
    a.bind(&ep).unwrap();
    assert_eq!(a.recv(0).err(), Some(Error::Again));
    a.close();
    b.close();
    term(ctx);
}

fn socket(ctx: &Context, ty: SocketType) -> Socket {
    let s = Socket::new(ctx, ty).unwrap();
    set_int(&s, ZMQ_RCVTIMEO, 5000);
    set_int(&s, ZMQ_SNDTIMEO, 5000);
    s
}

/// Subscriptions travel upstream over the connection (SUBSCRIBE commands between ZMTP 3.1
/// peers) and filter at the publisher.
#[test]
fn pub_sub_over_tcp() {
    let ctx = Context::new();
    let publisher = socket(&ctx, SocketType::Pub);
    publisher.bind("tcp://127.0.0.1:*").unwrap();
    let ep = last_endpoint(&publisher);
    let subscriber = socket(&ctx, SocketType::Sub);
    subscriber.set_option(ZMQ_SUBSCRIBE, Some(b"A")).unwrap();
    subscriber.connect(&ep).unwrap();
    set_int(&subscriber, ZMQ_RCVTIMEO, 20);
    // Publish until the subscription has arrived (the slow-joiner wait).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        send(&publisher, b"B-skip", false);
        send(&publisher, b"A-first", false);
        if let Ok(m) = subscriber.recv(0) {
            assert_eq!(m.data(), b"A-first");
            break;
        }
        assert!(Instant::now() < deadline, "the subscription never arrived");
    }
    set_int(&subscriber, ZMQ_RCVTIMEO, 5000);
    send(&publisher, b"B-skip", false);
    send(&publisher, b"A-second", false);
    loop {
        let (got, _) = recv(&subscriber);
        assert_ne!(got, b"B-skip");
        if got == b"A-second" {
            break;
        }
    }
    publisher.close();
    subscriber.close();
    term(ctx);
}

/// REQ to ROUTER: the ROUTER sees the REQ's routing id (ZMQ_ROUTING_ID sent in the
/// handshake) and can reply through it.
#[test]
fn req_router_over_tcp() {
    let ctx = Context::new();
    let router = socket(&ctx, SocketType::Router);
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = last_endpoint(&router);
    let req = socket(&ctx, SocketType::Req);
    req.set_option(ZMQ_ROUTING_ID, Some(b"client-1")).unwrap();
    req.connect(&ep).unwrap();
    send(&req, b"question", false);
    assert_eq!(recv(&router), (b"client-1".to_vec(), true));
    assert_eq!(recv(&router), (b"".to_vec(), true));
    assert_eq!(recv(&router), (b"question".to_vec(), false));
    send(&router, b"client-1", true);
    send(&router, b"", true);
    send(&router, b"answer", false);
    assert_eq!(recv(&req), (b"answer".to_vec(), false));
    router.close();
    req.close();
    term(ctx);
}
