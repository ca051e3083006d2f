//! Live interop with the real libzmq (4.3.x): a small C program (`libzmq_peer.c`, built
//! with the system `cc` and `-lzmq`) talks to our [`Connection`] over a real TCP stream,
//! in both directions. When no C compiler or libzmq is available the tests print why and
//! pass, except under `CI=true`, where that is a failure.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::socket::kind::SocketType;
use crate::zmtp::tests::util::{Peer, c_peer};
use crate::zmtp::{Config, Connection, Event, Frame, ZmtpVersion};

/// Builds the helper once per test run; `None` (after a message) if that is impossible.
fn helper() -> Option<PathBuf> {
    static HELPER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    c_peer(
        &HELPER,
        concat!(env!("CARGO_MANIFEST_DIR"), "/src/zmtp/tests/libzmq_peer.c"),
        "zmtp-libzmq-peer",
    )
}

/// Accepts the helper's connection, giving up after a few seconds or if it exits.
fn accept(listener: &TcpListener, peer: &mut Peer) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return stream;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                assert!(peer.0.try_wait().unwrap().is_none(), "libzmq peer exited");
                assert!(Instant::now() < deadline, "libzmq peer never connected");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// Our side of a live connection, driven with real time.
struct Live {
    stream: TcpStream,
    conn: Connection,
    inbox: BytesMut,
    /// Events pumped but not yet looked at.
    pending: VecDeque<Event>,
    deadline: Instant,
}

impl Live {
    fn new(stream: TcpStream, config: Config) -> Live {
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Live {
            stream,
            conn: Connection::new(config, Instant::now()),
            inbox: BytesMut::new(),
            pending: VecDeque::new(),
            deadline: Instant::now() + Duration::from_secs(15),
        }
    }

    /// Writes pending output, reads once, fires timers; returns new events.
    fn pump(&mut self) -> Vec<Event> {
        assert!(Instant::now() < self.deadline, "live test timed out");
        let mut chunks: Vec<Bytes> = Vec::new();
        self.conn.poll_transmit(&mut chunks);
        for c in chunks {
            self.stream.write_all(&c).unwrap();
        }
        let mut buf = [0u8; 65536];
        match self.stream.read(&mut buf) {
            Ok(0) => self.conn.handle_disconnect(crate::Error::Os(0)),
            Ok(n) => {
                self.inbox.extend_from_slice(&buf[..n]);
                self.conn.handle_bytes(&mut self.inbox, Instant::now());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // The helper exiting with our last bytes (a heartbeat) unread resets the stream:
            // a disconnect like any other (`finish` accepts it, `wait_for` does not).
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                self.conn
                    .handle_disconnect(crate::Error::Os(libc::ECONNRESET));
            }
            Err(e) => panic!("read: {e}"),
        }
        self.conn.handle_timeout(Instant::now());
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    /// Pumps until `want` matches an event, failing on Closed.
    fn wait_for(&mut self, mut want: impl FnMut(&Event) -> bool) -> Event {
        loop {
            if self.pending.is_empty() {
                let events = self.pump();
                self.pending.extend(events);
            }
            while let Some(e) = self.pending.pop_front() {
                if want(&e) {
                    return e;
                }
                assert!(!matches!(e, Event::Closed(_)), "connection closed: {e:?}");
            }
        }
    }

    fn recv_message(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        loop {
            let Event::Message(f) = self.wait_for(|e| matches!(e, Event::Message(_))) else {
                unreachable!()
            };
            let more = f.more;
            frames.push(f);
            if !more {
                return frames;
            }
        }
    }

    /// Keeps serving (heartbeats) until the helper exits; asserts it succeeded.
    fn finish(mut self, mut peer: Peer) {
        let child = &mut peer.0;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "libzmq peer failed: {status}");
                return;
            }
            for e in self.pump() {
                if let Event::Closed(r) = e {
                    // The peer closing at the end is fine; anything else is not.
                    assert!(matches!(r, super::CloseReason::Disconnected(_)), "{r:?}");
                    let status = child.wait().unwrap();
                    assert!(status.success(), "libzmq peer failed: {status}");
                    return;
                }
            }
        }
    }
}

fn dealer_config() -> Config {
    let mut c = Config::new(SocketType::Dealer);
    c.routing_id = Bytes::from_static(b"rs");
    c
}

/// The DEALER script of `libzmq_peer.c`, seen from our side.
fn dealer_exchange(mut live: Live, child: Peer) {
    let Event::HandshakeSucceeded(info) =
        live.wait_for(|e| matches!(e, Event::HandshakeSucceeded(_)))
    else {
        unreachable!()
    };
    assert_eq!(info.version, ZmtpVersion::V3_1);
    assert_eq!(info.socket_type, Some(SocketType::Dealer));
    assert_eq!(info.identity.as_deref(), Some(&b"lz"[..]));
    assert_eq!(
        live.recv_message(),
        [Frame::with_more("hello", true), Frame::new("world")]
    );
    live.conn.send(Frame::with_more("reply", true)).unwrap();
    live.conn.send(Frame::new("ok")).unwrap();
    // libzmq idles for a second with 200 ms heartbeat timeouts: only our PONGs keep it.
    assert_eq!(live.recv_message(), [Frame::new("bye")]);
    live.conn.send(Frame::new("done")).unwrap();
    live.finish(child);
}

#[test]
fn libzmq_dealer_connects_to_us() {
    let Some(helper) = helper() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let mut child = Peer(
        Command::new(helper)
            .args(["connect", &endpoint, "dealer"])
            .spawn()
            .unwrap(),
    );
    let stream = accept(&listener, &mut child);
    dealer_exchange(Live::new(stream, dealer_config()), child);
}

fn spawn_bound(helper: PathBuf, kind: &str) -> (Peer, String) {
    let mut child = Peer(
        Command::new(helper)
            .args(["bind", kind])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    // The helper prints its endpoint right after binding, or exits (EOF) on failure.
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("tcp://")
        .expect("endpoint")
        .to_string();
    (child, addr)
}

#[test]
fn we_connect_to_a_libzmq_dealer() {
    let Some(helper) = helper() else { return };
    let (child, addr) = spawn_bound(helper, "dealer");
    let stream = TcpStream::connect(addr).unwrap();
    // Our own heartbeats toward libzmq, too: it must answer them.
    let mut config = dealer_config();
    config.heartbeat_ivl = Duration::from_millis(50);
    config.heartbeat_timeout = Some(Duration::from_millis(500));
    dealer_exchange(Live::new(stream, config), child);
}

#[test]
fn libzmq_sub_subscribes_to_our_pub() {
    let Some(helper) = helper() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let mut child = Peer(
        Command::new(helper)
            .args(["connect", &endpoint, "sub"])
            .spawn()
            .unwrap(),
    );
    let stream = accept(&listener, &mut child);
    let mut live = Live::new(stream, Config::new(SocketType::Pub));
    assert_eq!(
        live.wait_for(|e| matches!(e, Event::Subscribe(_))),
        Event::Subscribe(Bytes::from_static(b"A"))
    );
    live.conn.send(Frame::new("Amsg")).unwrap();
    assert_eq!(
        live.wait_for(|e| matches!(e, Event::Cancel(_))),
        Event::Cancel(Bytes::from_static(b"A"))
    );
    live.finish(child);
}

#[test]
fn our_sub_subscribes_to_a_libzmq_xpub() {
    let Some(helper) = helper() else { return };
    let (child, addr) = spawn_bound(helper, "xpub");
    let stream = TcpStream::connect(addr).unwrap();
    let mut live = Live::new(stream, Config::new(SocketType::Sub));
    live.wait_for(|e| matches!(e, Event::HandshakeSucceeded(_)));
    live.conn.subscribe(b"T").unwrap();
    // XPUB filters: "Other" never arrives.
    assert_eq!(live.recv_message(), [Frame::new("Tdata")]);
    live.conn.cancel(b"T").unwrap();
    live.finish(child);
}

#[test]
fn socket_type_mismatch_with_libzmq() {
    let Some(helper) = helper() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let mut child = Peer(
        Command::new(helper)
            .args(["connect", &endpoint, "mismatch"])
            .spawn()
            .unwrap(),
    );
    let stream = accept(&listener, &mut child);
    let mut live = Live::new(stream, Config::new(SocketType::Req));
    // Each side rejects the other's READY; whichever reads first closes, so we see either
    // our own protocol error or libzmq's close (before its READY reached us).
    let closed = loop {
        let events = live.pump();
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Event::HandshakeSucceeded(_))),
            "{events:?}"
        );
        if let Some(Event::Closed(r)) = events.last() {
            break *r;
        }
    };
    let ours = super::CloseReason::Protocol(super::ProtocolError::with_errno(
        crate::consts::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
        crate::Error::Inval,
    ));
    assert!(
        closed == ours || matches!(closed, super::CloseReason::Disconnected(_)),
        "{closed:?}"
    );
    // No ERROR command after a socket-type mismatch, as libzmq. (Our own READY may still be
    // queued, unsent, depending on which side read first: only an ERROR would be wrong.)
    let mut rest = Vec::new();
    live.conn.poll_transmit(&mut rest);
    let queued: Vec<u8> = rest.iter().flat_map(|b| b.iter().copied()).collect();
    assert!(!queued.windows(6).any(|w| w == b"\x05ERROR"), "{queued:?}");
    drop(live);
    let status = child.0.wait().unwrap();
    assert!(status.success(), "libzmq peer failed: {status}");
    // When libzmq found the mismatch itself (it closed first), it is a protocol error and
    // its connecter gives up: no second connection arrives. (When we closed first, libzmq
    // saw a plain disconnect and may rightly reconnect.)
    if closed != ours {
        listener.set_nonblocking(true).unwrap();
        assert!(listener.accept().is_err());
    }
}
