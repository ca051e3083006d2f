//! Live PLAIN and CURVE interop with the real libzmq (4.3.x): `libzmq_secure_peer.c`,
//! built with the system `cc` and `-lzmq`, talks to our [`Connection`] over TCP in both
//! roles. When no C compiler or libzmq is available the tests print why and pass, except
//! under `CI=true`, where that is a failure.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::socket::kind::SocketType;
use crate::zmtp::mechanism::MechanismConfig;
use crate::zmtp::tests::util::{Peer, c_peer};
use crate::zmtp::{CloseReason, Config, Connection, Event, Frame};

/// Builds the helper once per test run; `None` (after a message) if that is impossible.
fn helper() -> Option<PathBuf> {
    static HELPER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    c_peer(
        &HELPER,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/zmtp/tests/libzmq_secure_peer.c"
        ),
        "zmtp-libzmq-secure",
    )
}

/// Starts the helper connecting to a listener of ours and accepts its connection.
fn peer_connects(helper: PathBuf, mode: &str) -> (Peer, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let mut peer = Peer(
        Command::new(helper)
            .args([mode, &endpoint])
            .spawn()
            .unwrap(),
    );
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return (peer, stream);
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

/// Starts the helper binding and connects to the endpoint it prints.
fn peer_binds(helper: PathBuf, mode: &str) -> (Peer, TcpStream) {
    let mut peer = Peer(
        Command::new(helper)
            .arg(mode)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(peer.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("tcp://").expect("endpoint");
    let stream = TcpStream::connect(addr).unwrap();
    (peer, stream)
}

/// Our side of a live connection, driven with real time.
struct Live {
    stream: TcpStream,
    conn: Connection,
    inbox: BytesMut,
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

    fn pump(&mut self) -> Vec<Event> {
        assert!(Instant::now() < self.deadline, "live test timed out");
        let mut chunks: Vec<Bytes> = Vec::new();
        self.conn.poll_transmit(&mut chunks);
        for c in chunks {
            // libzmq may already have closed (with our heartbeats unread: a reset).
            if let Err(e) = self.stream.write_all(&c) {
                self.conn
                    .handle_disconnect(crate::Error::Os(e.raw_os_error().unwrap_or(0)));
                break;
            }
        }
        let mut buf = [0u8; 65536];
        match self.stream.read(&mut buf) {
            Ok(0) => self.conn.handle_disconnect(crate::Error::Os(0)),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => self
                .conn
                .handle_disconnect(crate::Error::Os(e.raw_os_error().unwrap_or(0))),
            Ok(n) => {
                self.inbox.extend_from_slice(&buf[..n]);
                self.conn.handle_bytes(&mut self.inbox, Instant::now());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
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

    /// Pumps until the connection closes; returns why.
    fn wait_for_close(&mut self) -> CloseReason {
        loop {
            while let Some(e) = self.pending.pop_front() {
                if let Event::Closed(r) = e {
                    return r;
                }
            }
            let events = self.pump();
            self.pending.extend(events);
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

    /// The helper's script, seen from our side; then serve until it exits successfully.
    fn exchange(mut self, mut peer: Peer) {
        self.wait_for(|e| matches!(e, Event::HandshakeSucceeded(_)));
        assert_eq!(
            self.recv_message(),
            [Frame::with_more("hello", true), Frame::new("world")]
        );
        self.conn.send(Frame::with_more("reply", true)).unwrap();
        self.conn.send(Frame::new("ok")).unwrap();
        assert_eq!(self.recv_message(), [Frame::new("bye")]);
        self.conn.send(Frame::new("done")).unwrap();
        let child = &mut peer.0;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "libzmq peer failed: {status}");
                return;
            }
            for e in self.pump() {
                if let Event::Closed(r) = e {
                    assert!(matches!(r, CloseReason::Disconnected(_)), "{r:?}");
                    let status = child.wait().unwrap();
                    assert!(status.success(), "libzmq peer failed: {status}");
                    return;
                }
            }
        }
    }
}

fn z85_key(text: &str) -> [u8; 32] {
    crate::keys::z85_decode(text.as_bytes())
        .unwrap()
        .try_into()
        .unwrap()
}

fn config(mechanism: MechanismConfig) -> Config {
    let mut c = Config::new(SocketType::Dealer);
    c.mechanism = mechanism;
    c.peer_address = Bytes::from_static(b"127.0.0.1");
    // Our own heartbeats toward libzmq, too: it must answer them.
    c.heartbeat_ivl = Duration::from_millis(50);
    c.heartbeat_timeout = Some(Duration::from_millis(2000));
    c
}

fn curve_client() -> Config {
    config(MechanismConfig::CurveClient {
        public_key: z85_key("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"),
        secret_key: z85_key("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
        server_key: z85_key("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
    })
}

fn curve_server() -> Config {
    config(MechanismConfig::CurveServer {
        secret_key: z85_key("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"),
    })
}

fn zap_200() -> Vec<Bytes> {
    [&b""[..], b"1.0", b"1", b"200", b"OK", b"uid", b""]
        .iter()
        .map(|f| Bytes::from_static(f))
        .collect()
}

#[test]
fn our_curve_client_to_a_libzmq_curve_server() {
    let Some(helper) = helper() else { return };
    let (peer, stream) = peer_binds(helper, "curve-server");
    Live::new(stream, curve_client()).exchange(peer);
}

#[test]
fn a_libzmq_curve_client_to_our_curve_server() {
    let Some(helper) = helper() else { return };
    let (peer, stream) = peer_connects(helper, "curve-client");
    let mut live = Live::new(stream, curve_server());
    let Event::ZapRequest(req) = live.wait_for(|e| matches!(e, Event::ZapRequest(_))) else {
        unreachable!()
    };
    assert_eq!(&req.frames[6][..], b"CURVE");
    assert_eq!(
        req.frames[7][..],
        z85_key("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")
    );
    live.conn.handle_zap_reply(&zap_200(), Instant::now());
    live.exchange(peer);
}

#[test]
fn our_plain_client_to_a_libzmq_plain_server() {
    let Some(helper) = helper() else { return };
    let (peer, stream) = peer_binds(helper, "plain-server");
    let client = config(MechanismConfig::PlainClient {
        username: Bytes::from_static(b"admin"),
        password: Bytes::from_static(b"secret"),
    });
    Live::new(stream, client).exchange(peer);
}

#[test]
fn a_libzmq_plain_client_to_our_plain_server() {
    let Some(helper) = helper() else { return };
    let (peer, stream) = peer_connects(helper, "plain-client");
    let mut live = Live::new(stream, config(MechanismConfig::PlainServer));
    let Event::ZapRequest(req) = live.wait_for(|e| matches!(e, Event::ZapRequest(_))) else {
        unreachable!()
    };
    assert_eq!(
        req.frames[6..],
        [
            Bytes::from_static(b"PLAIN"),
            Bytes::from_static(b"admin"),
            Bytes::from_static(b"secret")
        ]
    );
    live.conn.handle_zap_reply(&zap_200(), Instant::now());
    live.exchange(peer);
}

/// Our server denies a libzmq client through ZAP 400: libzmq reports the status from
/// our ERROR command and does not reconnect.
fn deny(mode: &str, server: Config) {
    let Some(helper) = helper() else { return };
    let (mut peer, stream) = peer_connects(helper, mode);
    let mut live = Live::new(stream, server);
    live.wait_for(|e| matches!(e, Event::ZapRequest(_)));
    let mut reply = zap_200();
    reply[3] = Bytes::from_static(b"400");
    live.conn.handle_zap_reply(&reply, Instant::now());
    // The first pump writes the queued ERROR before the close is seen.
    let closed = live.wait_for_close();
    assert!(matches!(closed, CloseReason::Protocol(_)), "{closed:?}");
    drop(live);
    let status = peer.0.wait().unwrap();
    assert!(status.success(), "libzmq peer failed: {status}");
}

#[test]
fn our_plain_server_denies_a_libzmq_client() {
    deny("plain-client-denied", config(MechanismConfig::PlainServer));
}

#[test]
fn our_curve_server_denies_a_libzmq_client() {
    deny("curve-client-denied", curve_server());
}

#[test]
fn a_libzmq_plain_server_denies_our_client() {
    let Some(helper) = helper() else { return };
    let (mut peer, stream) = peer_binds(helper, "plain-server-deny");
    let client = config(MechanismConfig::PlainClient {
        username: Bytes::from_static(b"admin"),
        password: Bytes::from_static(b"secret"),
    });
    let mut live = Live::new(stream, client);
    // libzmq's ERROR (spelled 5E "RROR") carries the ZAP status to us.
    assert_eq!(
        live.wait_for(|e| matches!(e, Event::HandshakeFailed(_))),
        Event::HandshakeFailed(crate::zmtp::HandshakeFailure::Auth(400))
    );
    let closed = live.wait_for_close();
    assert!(matches!(closed, CloseReason::Protocol(_)), "{closed:?}");
    drop(live);
    let status = peer.0.wait().unwrap();
    assert!(status.success(), "libzmq peer failed: {status}");
}
