//! Bad bytes on the wire: a raw TCP peer (a `TcpStream` in this test) talks to one of our
//! sockets and writes what no ZMTP peer should. Each case runs twice, first against the real
//! libzmq 4.3 (a socket in another process, `tests/data/interop_peer.c`), then against ours,
//! and checks the same outcome on both: whether the connection is dropped, the monitor
//! events in order (with the `ZMQ_PROTOCOL_ERROR_*` code of a protocol failure), and that a
//! good peer connected to the same socket at the same time still exchanges messages.
//! The reverse too: the socket connects to a raw listener that answers with bad bytes, and
//! it reconnects or not as libzmq does. Every wait has a timeout.

mod common;

use std::ffi::c_int;
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crypto_box::aead::{Aead as _, OsRng};
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};

use common::{OurZap, Remote, ZapRule, hex, monitor, next_event, remote_event, unhex};
use zmq::consts::*;
use zmq::ctx::Context;
use zmq::keys::generate_keypair;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

/// A monitor event: the event and, for protocol and authentication failures, its code.
type Ev = (c_int, u32);

/// The socket under test: ours in this process, or libzmq's in a peer process.
enum Target {
    Ours {
        ctx: Context,
        sock: Box<Socket>,
        mon: Box<Socket>,
    },
    Theirs {
        remote: Remote,
        id: u32,
        mon: u32,
    },
}

impl Target {
    fn new(libzmq: bool, ty: c_int, options: &[(c_int, c_int)], maxmsgsize: i64) -> Option<Target> {
        let t = if libzmq {
            let remote = Remote::start()?;
            let id = remote.socket(ty);
            let mon = remote.slot();
            remote
                .call(&format!("monitor {id} {mon} {ZMQ_EVENT_ALL}"))
                .unwrap();
            Target::Theirs { remote, id, mon }
        } else {
            let ctx = Context::new();
            let sock = Socket::new(&ctx, SocketType::from_raw(ty).unwrap()).unwrap();
            let mon = monitor(&ctx, &sock);
            Target::Ours {
                ctx,
                sock: Box::new(sock),
                mon: Box::new(mon),
            }
        };
        t.set_int(ZMQ_LINGER, 0);
        t.set_int(ZMQ_SNDTIMEO, 5000);
        for &(opt, v) in options {
            t.set_int(opt, v);
        }
        match &t {
            Target::Ours { sock, .. } => sock
                .set_option(ZMQ_MAXMSGSIZE, Some(&maxmsgsize.to_ne_bytes()))
                .unwrap(),
            Target::Theirs { remote, id, .. } => {
                remote
                    .call(&format!("setlong {id} {ZMQ_MAXMSGSIZE} {maxmsgsize}"))
                    .unwrap();
            }
        }
        Some(t)
    }

    fn name(&self) -> &'static str {
        match self {
            Target::Ours { .. } => "ours",
            Target::Theirs { .. } => "libzmq",
        }
    }

    fn set_bytes(&self, opt: c_int, v: &[u8]) {
        match self {
            Target::Ours { sock, .. } => sock.set_option(opt, Some(v)).unwrap(),
            Target::Theirs { remote, id, .. } => {
                remote
                    .call(&format!("setbin {id} {opt} {}", hex(v)))
                    .unwrap();
            }
        }
    }

    /// Makes the socket a PLAIN server (with a ZAP handler saying 200 in its process) or
    /// a CURVE server with `secret`.
    fn secure(&self, security: Security, secret: &[u8; 32]) -> Option<OurZap> {
        match security {
            Security::Null => None,
            Security::Plain => {
                self.set_int(ZMQ_PLAIN_SERVER, 1);
                match self {
                    Target::Ours { ctx, .. } => Some(OurZap::start(
                        ctx,
                        ZapRule {
                            status: "200",
                            user: "good",
                            allow: None,
                        },
                    )),
                    Target::Theirs { remote, .. } => {
                        remote.call("zap 200 good").unwrap();
                        None
                    }
                }
            }
            Security::Curve => {
                self.set_int(ZMQ_CURVE_SERVER, 1);
                self.set_bytes(ZMQ_CURVE_SECRETKEY, secret);
                None
            }
        }
    }

    fn set_int(&self, opt: c_int, v: c_int) {
        match self {
            Target::Ours { sock, .. } => common::set_int(sock, opt, v),
            Target::Theirs { remote, id, .. } => {
                remote.call(&format!("setint {id} {opt} {v}")).unwrap();
            }
        }
    }

    /// Binds to a free port on the loopback; the endpoint.
    fn bind(&self) -> String {
        match self {
            Target::Ours { sock, .. } => {
                sock.bind("tcp://127.0.0.1:*").unwrap();
                common::last_endpoint(sock)
            }
            Target::Theirs { remote, id, .. } => remote
                .call(&format!("bind {id} tcp://127.0.0.1:*"))
                .unwrap()[0]
                .clone(),
        }
    }

    fn connect(&self, ep: &str) {
        match self {
            Target::Ours { sock, .. } => sock.connect(ep).unwrap(),
            Target::Theirs { remote, id, .. } => {
                remote.call(&format!("connect {id} {ep}")).unwrap();
            }
        }
    }

    fn send(&self, parts: &[&[u8]]) {
        match self {
            Target::Ours { sock, .. } => {
                for (i, p) in parts.iter().enumerate() {
                    let mut m = Msg::copy_from_slice(p).unwrap();
                    let more = if i + 1 < parts.len() { ZMQ_SNDMORE } else { 0 };
                    sock.send(&mut m, more).unwrap();
                }
            }
            Target::Theirs { remote, id, .. } => {
                let words: Vec<String> = parts.iter().map(|p| hex(p)).collect();
                remote
                    .call(&format!("send {id} {}", words.join(" ")))
                    .unwrap();
            }
        }
    }

    fn recv(&self) -> Vec<Vec<u8>> {
        match self {
            Target::Ours { sock, .. } => {
                common::set_int(sock, ZMQ_RCVTIMEO, 5000);
                let mut parts = Vec::new();
                loop {
                    let m = sock.recv(0).expect("nothing received");
                    parts.push(m.data().to_vec());
                    if !m.more() {
                        return parts;
                    }
                }
            }
            Target::Theirs { remote, id, .. } => remote
                .call(&format!("recv {id} 5000"))
                .expect("nothing received")
                .iter()
                .map(|h| unhex(h))
                .collect(),
        }
    }

    /// The next monitor event as (event, value), the value only where it is meaningful
    /// (a protocol or authentication failure code); `None` after `timeout_ms`.
    fn event(&self, timeout_ms: c_int) -> Option<Ev> {
        let (e, v, _) = match self {
            Target::Ours { mon, .. } => next_event(mon, timeout_ms)?,
            Target::Theirs { remote, mon, .. } => remote_event(remote, *mon, timeout_ms)?,
        };
        let e = c_int::from(e);
        let v = match e {
            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH => v,
            _ => 0,
        };
        Some((e, v))
    }

    /// Events up to and including the first `last`, or all that come within `wait_ms`.
    fn events_until(&self, last: c_int, wait_ms: u64) -> Vec<Ev> {
        let deadline = Instant::now() + Duration::from_millis(wait_ms);
        let mut events = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.event(left.as_millis().max(1) as c_int) {
                Some(e) => {
                    events.push(e);
                    if e.0 == last {
                        break;
                    }
                }
                None => break,
            }
        }
        events
    }

    fn finish(self) {
        match self {
            Target::Ours { ctx, sock, mon } => {
                sock.close();
                mon.close();
                common::term(ctx);
            }
            Target::Theirs { remote, .. } => remote.quit(),
        }
    }
}

// ---- wire bytes ----

/// A ZMTP 3.x greeting with `mechanism` and version `major`.`minor`.
fn greeting(mechanism: &[u8], major: u8, minor: u8) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, major, minor];
    let mut m = mechanism.to_vec();
    m.resize(20, 0);
    g.extend_from_slice(&m);
    g.resize(64, 0);
    g
}

/// A frame with the command flag (or not), short or long as libzmq would send it.
fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    if body.len() > 255 {
        f.push(flags | 0x02);
        f.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        f.push(flags);
        f.push(body.len() as u8);
    }
    f.extend_from_slice(body);
    f
}

fn command(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend_from_slice(name);
    body.extend_from_slice(data);
    frame(0x04, &body)
}

fn property(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut p = vec![name.len() as u8];
    p.extend_from_slice(name);
    p.extend_from_slice(&(value.len() as u32).to_be_bytes());
    p.extend_from_slice(value);
    p
}

/// A NULL greeting and a READY as a DEALER: a valid start for a ROUTER peer.
fn good_start() -> Vec<u8> {
    let mut out = greeting(b"NULL", 3, 1);
    out.extend(command(b"READY", &property(b"Socket-Type", b"DEALER")));
    out
}

// ---- the cases ----

/// The CURVE server's key pair, the same for every case of this process.
fn curve_server_keys() -> ([u8; 32], [u8; 32]) {
    static KEYS: OnceLock<([u8; 32], [u8; 32])> = OnceLock::new();
    *KEYS.get_or_init(generate_keypair)
}

/// A valid CURVE HELLO command from a fresh short-term client key, for `curve_server_keys`.
fn valid_curve_hello() -> Vec<u8> {
    let short = SecretKey::generate(&mut OsRng);
    let server = PublicKey::from(curve_server_keys().0);
    let mut nonce = b"CurveZMQHELLO---".to_vec();
    nonce.extend_from_slice(&1u64.to_be_bytes());
    let boxed = SalsaBox::new(&server, &short)
        .encrypt(Nonce::from_slice(&nonce), &[0u8; 64][..])
        .unwrap();
    let mut body = vec![1, 0];
    body.extend_from_slice(&[0; 72]);
    body.extend_from_slice(short.public_key().as_bytes());
    body.extend_from_slice(&1u64.to_be_bytes());
    body.extend_from_slice(&boxed);
    command(b"HELLO", &body)
}

/// The bound socket's mechanism (the good peer uses the matching client side).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Security {
    Null,
    Plain,
    Curve,
}

/// What the raw peer writes, and what must follow.
struct Case {
    name: &'static str,
    security: Security,
    /// Written in turn; before each stage after the first, the peer waits for the
    /// socket's READY (its handshake is done).
    stages: Vec<Vec<u8>>,
    /// Close the writing half after writing (the peer goes away).
    shutdown: bool,
    /// No ZMQ_MAXMSGSIZE (otherwise 1000 bytes).
    unlimited: bool,
    /// A message part the socket receives from the raw peer (after the generated
    /// routing id) before anything else.
    delivers: Option<Vec<u8>>,
    /// The connection is dropped by the socket.
    dropped: bool,
    /// The monitor events of the bad connection, in order.
    events: Vec<Ev>,
    /// Where ours deliberately differs from libzmq 4.3.4: why, dropped, events.
    ours: Option<(&'static str, bool, Vec<Ev>)>,
}

const ACCEPTED: Ev = (ZMQ_EVENT_ACCEPTED, 0);
const DISCONNECTED: Ev = (ZMQ_EVENT_DISCONNECTED, 0);
const SUCCEEDED: Ev = (ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
const NO_DETAIL: Ev = (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0);

fn protocol(code: c_int) -> Ev {
    (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code as u32)
}

fn cases() -> Vec<Case> {
    let mut wrong_version = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x00];
    wrong_version.extend_from_slice(&[0xee; 64]);
    let mut huge = vec![0x02];
    huge.extend_from_slice(&(1u64 << 63).to_be_bytes());
    huge.extend_from_slice(b"not that much");
    let mut huge_unlimited = vec![0x02];
    huge_unlimited.extend_from_slice(&(1u64 << 62).to_be_bytes());
    huge_unlimited.extend_from_slice(b"not that much");
    let mut over_max = frame(0x00, &[7; 1000]);
    over_max.extend(frame(0x00, &[8; 1001]));
    let mut unknown_in_handshake = greeting(b"NULL", 3, 1);
    unknown_in_handshake.extend(command(b"HELLO", b""));
    let mut unknown_after = command(b"FOOO", b"bar");
    unknown_after.extend(frame(0x00, b"still here"));
    let mut past_end = greeting(b"NULL", 3, 1);
    let mut metadata = property(b"Socket-Type", b"DEALER");
    metadata.extend_from_slice(&[8, b'I', b'd', b'e', b'n', b't', b'i', b't', b'y']);
    metadata.extend_from_slice(&100u32.to_be_bytes());
    metadata.extend_from_slice(b"abc");
    past_end.extend(command(b"READY", &metadata));
    let mut wrong_type = greeting(b"NULL", 3, 1);
    wrong_type.extend(command(b"READY", &property(b"Socket-Type", b"PUB")));
    let mut error_400 = greeting(b"NULL", 3, 1);
    error_400.extend(command(b"ERROR", b"\x03400"));
    let mut error_past_end = greeting(b"NULL", 3, 1);
    error_past_end.extend(command(b"ERROR", b"\x09400"));
    let mut impostor = greeting(b"NULL", 3, 1);
    let mut metadata = property(b"Socket-Type", b"DEALER");
    metadata.extend(property(b"Identity", b"good"));
    impostor.extend(command(b"READY", &metadata));
    // PLAIN and CURVE servers: a client greeting, then one bad handshake command.
    let plain = |cmd: Vec<u8>| {
        let mut out = greeting(b"PLAIN", 3, 1);
        out.extend(cmd);
        out
    };
    let curve = |cmd: Vec<u8>| {
        let mut out = greeting(b"CURVE", 3, 1);
        out.extend(cmd);
        out
    };
    // A CURVE HELLO body after the name: version 1.0, padding, C', short nonce 1, box.
    let curve_hello = |size: usize| {
        let mut body = vec![1, 0];
        body.extend_from_slice(&[0; 72]);
        body.extend_from_slice(&[0x42; 32]);
        body.extend_from_slice(&1u64.to_be_bytes());
        body.extend_from_slice(&[0x17; 80]);
        body.truncate(size - 6);
        body
    };
    let case = |name, stages, dropped, events| Case {
        name,
        security: Security::Null,
        stages,
        shutdown: false,
        unlimited: false,
        delivers: None,
        dropped,
        events,
        ours: None,
    };
    vec![
        // A zero first byte: an unversioned (ZMTP 1.0) peer whose first frame has the
        // invalid length 0.
        case(
            "bad signature",
            vec![vec![0; 16]],
            true,
            vec![ACCEPTED, DISCONNECTED],
        ),
        // Any first byte but 0xFF makes an unversioned peer: libzmq 4.3.4 then waits for
        // the rest of its identity frame until ZMQ_HANDSHAKE_IVL, because it never
        // cancels the handshake timer on the ZMTP 1.0/2.0 paths (libzmq issue #4106,
        // fixed in 4.3.5 by pull request #4456, whose behaviour ours has).
        Case {
            ours: Some((
                "the handshake timer stops after a ZMTP 1.0 greeting, as in libzmq 4.3.5",
                false,
                vec![ACCEPTED],
            )),
            ..case(
                "HTTP request",
                vec![b"GET / HTTP/1.1\r\nHost: example\r\n\r\n".to_vec()],
                true,
                vec![ACCEPTED, NO_DETAIL, DISCONNECTED],
            )
        },
        case(
            "wrong version then garbage",
            vec![wrong_version],
            true,
            vec![ACCEPTED, DISCONNECTED],
        ),
        case(
            "unknown mechanism",
            vec![greeting(b"BLAH", 3, 1)],
            true,
            vec![
                ACCEPTED,
                protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
                DISCONNECTED,
            ],
        ),
        case(
            "long size of 2^63",
            vec![good_start(), huge],
            true,
            vec![ACCEPTED, SUCCEEDED, DISCONNECTED],
        ),
        // Without ZMQ_MAXMSGSIZE libzmq tries to allocate the body at once: malloc fails
        // and the connection is dropped (ENOMEM). Ours allocates nothing up front and takes
        // the body in as it arrives, so the connection stays until the peer goes.
        Case {
            unlimited: true,
            ours: Some((
                "no allocation up front: a frame waits for its body",
                false,
                vec![ACCEPTED, SUCCEEDED],
            )),
            ..case(
                "long size of 2^62 without ZMQ_MAXMSGSIZE",
                vec![good_start(), huge_unlimited],
                true,
                vec![ACCEPTED, SUCCEEDED, DISCONNECTED],
            )
        },
        Case {
            delivers: Some(vec![7; 1000]),
            ..case(
                "frame over ZMQ_MAXMSGSIZE",
                vec![good_start(), over_max],
                true,
                vec![ACCEPTED, SUCCEEDED, DISCONNECTED],
            )
        },
        case(
            "unknown command in the handshake",
            vec![unknown_in_handshake],
            true,
            vec![
                ACCEPTED,
                protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
                DISCONNECTED,
            ],
        ),
        // After the handshake libzmq ignores commands it does not know.
        Case {
            delivers: Some(b"still here".to_vec()),
            ..case(
                "unknown command after the handshake",
                vec![good_start(), unknown_after],
                false,
                vec![ACCEPTED, SUCCEEDED],
            )
        },
        case(
            "READY with metadata past its end",
            vec![past_end],
            true,
            vec![ACCEPTED, DISCONNECTED],
        ),
        case(
            "READY with the wrong Socket-Type",
            vec![wrong_type],
            true,
            vec![ACCEPTED, DISCONNECTED],
        ),
        case(
            "ERROR in the handshake",
            vec![error_400],
            true,
            vec![
                ACCEPTED,
                (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400),
                DISCONNECTED,
            ],
        ),
        case(
            "ERROR with its reason past its end",
            vec![error_past_end],
            true,
            vec![
                ACCEPTED,
                protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR),
                DISCONNECTED,
            ],
        ),
        // A second peer with the routing id of the good one: ROUTER keeps the first and
        // drops what the second sends (no ZMQ_ROUTER_HANDOVER).
        case(
            "duplicate routing id",
            vec![impostor, frame(0x00, b"impostor")],
            false,
            vec![ACCEPTED, SUCCEEDED],
        ),
        Case {
            security: Security::Plain,
            ..case(
                "PLAIN HELLO with a trailing byte",
                vec![plain(command(b"HELLO", b"\x05admin\x08passwordX"))],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            security: Security::Plain,
            ..case(
                "PLAIN HELLO with the username past its end",
                vec![plain(command(b"HELLO", b"\x09adm"))],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            security: Security::Plain,
            ..case(
                "PLAIN unknown command instead of HELLO",
                vec![plain(command(b"FOOO", b"bar"))],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            security: Security::Curve,
            ..case(
                "CURVE HELLO of 199 bytes",
                vec![curve(command(b"HELLO", &curve_hello(199)))],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            security: Security::Curve,
            ..case(
                "CURVE HELLO with a bad box",
                vec![curve(command(b"HELLO", &curve_hello(200)))],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            security: Security::Curve,
            ..case(
                "CURVE unknown command instead of HELLO",
                vec![curve(command(b"FOOO", b"bar"))],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
                    DISCONNECTED,
                ],
            )
        },
        // A valid HELLO gets a WELCOME; then an INITIATE whose cookie was not made by the
        // server, or one too short to hold a cookie, nonce and vouch box.
        Case {
            security: Security::Curve,
            ..case(
                "CURVE INITIATE with a bad cookie",
                vec![curve(valid_curve_hello()), {
                    let mut body = vec![0x33; 96];
                    body.extend_from_slice(&2u64.to_be_bytes());
                    body.extend_from_slice(&[0x44; 144]);
                    command(b"INITIATE", &body)
                }],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            security: Security::Curve,
            ..case(
                "CURVE INITIATE of 256 bytes",
                vec![
                    curve(valid_curve_hello()),
                    command(b"INITIATE", &[0x33; 247]),
                ],
                true,
                vec![
                    ACCEPTED,
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE),
                    DISCONNECTED,
                ],
            )
        },
        Case {
            shutdown: true,
            ..case(
                "truncated greeting then close",
                vec![greeting(b"NULL", 3, 1)[..20].to_vec()],
                true,
                vec![ACCEPTED, NO_DETAIL, DISCONNECTED],
            )
        },
    ]
}

/// Reads until `got` holds a READY command (the socket's handshake is done), or a CURVE
/// WELCOME (the server waits for INITIATE).
fn wait_for_ready(s: &mut TcpStream, got: &mut Vec<u8>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    while !got.windows(6).any(|w| w == b"\x05READY") && !got.windows(8).any(|w| w == b"\x07WELCOME")
    {
        let left = deadline
            .checked_duration_since(Instant::now())
            .expect("no READY from the socket");
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
            other => panic!("no READY from the socket: {other:?}"),
        }
    }
}

/// Reads (into `got`) until the peer closes; whether it did (EOF or reset) within `wait`.
fn closed_within(s: &mut TcpStream, wait: Duration, got: &mut Vec<u8>) -> bool {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 4096];
    loop {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return false;
        };
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// One case against one target (a bound ROUTER); what happened, as (dropped, events).
fn run_bound(libzmq: bool, case: &Case) -> Option<(bool, Vec<Ev>, Vec<u8>)> {
    let max = if case.unlimited { -1 } else { 1000 };
    let target = Target::new(libzmq, ZMQ_ROUTER, &[(ZMQ_HANDSHAKE_IVL, 1000)], max)?;
    let (server_public, server_secret) = curve_server_keys();
    let zap = target.secure(case.security, &server_secret);
    let ep = target.bind();
    assert_eq!(target.event(5000), Some((ZMQ_EVENT_LISTENING, 0)));
    // A good libzmq peer, connected before and used after the bad one.
    let good = Remote::start()?;
    let dealer = good.socket(ZMQ_DEALER);
    let mut credentials: Vec<(c_int, Vec<u8>)> = Vec::new();
    match case.security {
        Security::Null => {}
        Security::Plain => {
            credentials.push((ZMQ_PLAIN_USERNAME, b"admin".to_vec()));
            credentials.push((ZMQ_PLAIN_PASSWORD, b"password".to_vec()));
        }
        Security::Curve => {
            let (public, secret) = generate_keypair();
            credentials.push((ZMQ_CURVE_SERVERKEY, server_public.to_vec()));
            credentials.push((ZMQ_CURVE_PUBLICKEY, public.to_vec()));
            credentials.push((ZMQ_CURVE_SECRETKEY, secret.to_vec()));
        }
    }
    for (opt, v) in credentials {
        good.call(&format!("setbin {dealer} {opt} {}", hex(&v)))
            .unwrap();
    }
    good.call(&format!(
        "setbin {dealer} {ZMQ_ROUTING_ID} {}",
        hex(b"good")
    ))
    .unwrap();
    good.call(&format!("connect {dealer} {ep}")).unwrap();
    good.call(&format!("send {dealer} {}", hex(b"before")))
        .unwrap();
    assert_eq!(target.recv(), [b"good".to_vec(), b"before".to_vec()]);
    assert_eq!(
        target.events_until(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 5000),
        [ACCEPTED, SUCCEEDED]
    );

    let addr = ep.strip_prefix("tcp://").unwrap();
    let mut raw = TcpStream::connect(addr).unwrap();
    let mut got = Vec::new();
    for (i, stage) in case.stages.iter().enumerate() {
        if i > 0 {
            wait_for_ready(&mut raw, &mut got);
        }
        // The socket may close while this is still being written.
        let _ = raw.write_all(stage);
    }
    if case.shutdown {
        let _ = raw.shutdown(Shutdown::Write);
    }
    if let Some(want) = &case.delivers {
        let m = target.recv();
        assert!(
            m.len() == 2 && m[0].len() == 5 && m[1] == *want,
            "{}: {} received {m:?}",
            case.name,
            target.name()
        );
    }
    let dropped = closed_within(&mut raw, Duration::from_secs(3), &mut got);
    let events = target.events_until(ZMQ_EVENT_DISCONNECTED, if dropped { 3000 } else { 200 });

    good.call(&format!("send {dealer} {}", hex(b"after")))
        .unwrap();
    assert_eq!(target.recv(), [b"good".to_vec(), b"after".to_vec()]);
    target.send(&[b"good", b"reply"]);
    assert_eq!(
        good.call(&format!("recv {dealer} 5000")).unwrap(),
        [hex(b"reply")]
    );
    drop(raw);
    good.quit();
    drop(zap);
    target.finish();
    Some((dropped, events, got))
}

fn check_bound(case: &Case) {
    let mut greetings = Vec::new();
    for libzmq in [true, false] {
        let Some((dropped, events, got)) = run_bound(libzmq, case) else {
            return;
        };
        let who = if libzmq { "libzmq" } else { "ours" };
        let (want_dropped, want_events) = match &case.ours {
            Some((_, d, e)) if !libzmq => (*d, e),
            _ => (case.dropped, &case.events),
        };
        assert_eq!(dropped, want_dropped, "{}: {who}: dropped", case.name);
        assert_eq!(&events, want_events, "{}: {who}: events", case.name);
        greetings.push(got);
    }
    // As much of the greeting as both sent is the same (a reset may discard it all).
    let n = greetings[0].len().min(greetings[1].len()).min(64);
    assert_eq!(
        greetings[0][..n],
        greetings[1][..n],
        "{}: greeting bytes",
        case.name
    );
}

#[test]
fn bad_input_from_a_connecting_peer() {
    for case in cases() {
        check_bound(&case);
    }
}

// ---- the reverse: the socket connects to a raw listener ----

/// What the listener answers, and whether the socket dials again afterwards.
struct Answer {
    name: &'static str,
    stages: Vec<Vec<u8>>,
    shutdown: bool,
    reconnects: bool,
}

fn answers() -> Vec<Answer> {
    let mut wrong_type = greeting(b"NULL", 3, 1);
    wrong_type.extend(command(b"READY", &property(b"Socket-Type", b"PUB")));
    let mut router_start = greeting(b"NULL", 3, 1);
    router_start.extend(command(b"READY", &property(b"Socket-Type", b"ROUTER")));
    let answer = |name, stages, shutdown, reconnects| Answer {
        name,
        stages,
        shutdown,
        reconnects,
    };
    vec![
        answer("bad signature", vec![vec![0; 16]], false, false),
        answer(
            "unknown mechanism",
            vec![greeting(b"BLAH", 3, 1)],
            false,
            false,
        ),
        answer(
            "READY with the wrong Socket-Type",
            vec![wrong_type],
            false,
            false,
        ),
        answer(
            "frame over ZMQ_MAXMSGSIZE",
            vec![router_start, frame(0x00, &[1; 1001])],
            false,
            false,
        ),
        // Not a protocol error: the peer went away, so the socket dials again.
        answer(
            "truncated greeting then close",
            vec![greeting(b"NULL", 3, 1)[..20].to_vec()],
            true,
            true,
        ),
    ]
}

/// Accepts one connection within 5 s.
fn accept(listener: &TcpListener) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                return s;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("no connection: {e}"),
        }
    }
}

/// One answer against one target (a connecting DEALER): whether the connection was
/// dropped, the monitor events, whether it dialled again.
fn run_connecting(libzmq: bool, answer: &Answer) -> Option<(bool, Vec<Ev>, bool, Vec<u8>)> {
    let target = Target::new(
        libzmq,
        ZMQ_DEALER,
        &[(ZMQ_HANDSHAKE_IVL, 1000), (ZMQ_RECONNECT_IVL, 50)],
        1000,
    )?;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    target.connect(&format!("tcp://{}", listener.local_addr().unwrap()));
    let mut raw = accept(&listener);
    let mut got = Vec::new();
    for (i, stage) in answer.stages.iter().enumerate() {
        if i > 0 {
            wait_for_ready(&mut raw, &mut got);
        }
        let _ = raw.write_all(stage);
    }
    if answer.shutdown {
        let _ = raw.shutdown(Shutdown::Write);
    }
    let dropped = closed_within(&mut raw, Duration::from_secs(3), &mut got);
    let mut events = target.events_until(ZMQ_EVENT_DISCONNECTED, 3000);
    // What follows the disconnect: a retry, or nothing.
    events.extend(target.events_until(ZMQ_EVENT_CONNECT_RETRIED, 300));
    std::thread::sleep(Duration::from_millis(200));
    let reconnected = listener.accept().is_ok();
    target.finish();
    Some((dropped, events, reconnected, got))
}

#[test]
fn bad_answers_to_a_connecting_socket() {
    for answer in answers() {
        let Some(theirs) = run_connecting(true, &answer) else {
            return;
        };
        assert_eq!(
            (theirs.0, theirs.2),
            (true, answer.reconnects),
            "{}: libzmq: dropped, reconnected",
            answer.name
        );
        eprintln!("{}: libzmq: {:?}", answer.name, &theirs.1);
        let ours = run_connecting(false, &answer).unwrap();
        assert_eq!(
            (ours.0, &ours.1, ours.2),
            (theirs.0, &theirs.1, theirs.2),
            "{}: ours and libzmq: dropped, events, reconnected",
            answer.name
        );
        let n = ours.3.len().min(theirs.3.len()).min(64);
        assert_eq!(
            ours.3[..n],
            theirs.3[..n],
            "{}: greeting bytes",
            answer.name
        );
    }
}
