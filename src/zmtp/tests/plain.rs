//! PLAIN (protocol.md sections 4.2 and 5): exact bytes, a full client/server handshake
//! through two connections with every ZAP verdict, and every malformed command.

use bytes::Bytes;

use super::util::*;
use super::{closed, failures, messages, succeeded};
use crate::consts::*;
use crate::error::Error;
use crate::socket::kind::SocketType;
use crate::zmtp::mechanism::MechanismConfig;
use crate::zmtp::{CloseReason, Config, Event, Frame, HandshakeFailure, ProtocolError};

fn client_config() -> Config {
    let mut c = Config::new(SocketType::Dealer);
    c.mechanism = MechanismConfig::PlainClient {
        username: bytes(b"admin"),
        password: bytes(b"password"),
    };
    c
}

fn server_config() -> Config {
    let mut c = Config::new(SocketType::Router);
    c.mechanism = MechanismConfig::PlainServer;
    c.peer_address = bytes(b"127.0.0.1");
    c.zap_domain = bytes(b"dom");
    c
}

fn zap_reply(status: &'static [u8], user: &'static [u8], md: &'static [u8]) -> Vec<Bytes> {
    [&b""[..], b"1.0", b"1", status, b"text", user, md]
        .iter()
        .map(|f| Bytes::from_static(f))
        .collect()
}

fn zap_request(events: &[Event]) -> Vec<Bytes> {
    events
        .iter()
        .find_map(|e| match e {
            Event::ZapRequest(r) => Some(r.frames.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ZapRequest in {events:?}"))
}

fn protocol(code: i32) -> Option<CloseReason> {
    Some(CloseReason::Protocol(ProtocolError::new(code)))
}

/// A pair after the HELLO reached the server: its ZAP request is pending.
fn pair_at_zap(chunk: usize) -> Pair {
    let mut p = Pair::new(client_config(), server_config(), chunk);
    p.drive();
    p
}

#[test]
fn hello_bytes_match_libzmq() {
    let mut s = Scripted::new(client_config());
    s.output();
    s.feed(&peer_greeting(1, "PLAIN"));
    let out = s.output();
    // The major byte, the rest of our greeting (53 bytes), then HELLO for admin/password
    // (protocol.md 4.2).
    assert_eq!(&out[2..7], b"PLAIN");
    assert_eq!(
        &out[54..],
        b"\x04\x15\x05HELLO\x05admin\x08password".as_slice()
    );
    // The as-server byte stays 0, as libzmq sends it even for a PLAIN server.
    let mut s = Scripted::new(server_config());
    s.output();
    s.feed(&peer_greeting(1, "PLAIN"));
    let out = s.output();
    assert_eq!(out.len(), 54);
    assert_eq!(out[22], 0);
}

#[test]
fn handshake_with_zap_200() {
    for chunk in [1, 7, 1000] {
        let mut p = pair_at_zap(chunk);
        assert_eq!(
            zap_request(&p.b.events),
            [
                &b""[..],
                b"1.0",
                b"1",
                b"dom",
                b"127.0.0.1",
                b"",
                b"PLAIN",
                b"admin",
                b"password"
            ]
        );
        assert!(!p.b.conn.can_send());
        p.b.conn.handle_zap_reply(
            &zap_reply(b"200", b"alice", b"\x03X-a\x00\x00\x00\x01b"),
            p.now,
        );
        p.drive();
        let server = succeeded(&p.b.events).clone();
        assert_eq!(server.user_id, Some(bytes(b"alice")));
        assert_eq!(server.zap_metadata.get(b"X-a"), Some(&bytes(b"b")));
        assert_eq!(server.socket_type, Some(SocketType::Dealer));
        let client = succeeded(&p.a.events).clone();
        assert_eq!(client.socket_type, Some(SocketType::Router));
        assert_eq!(client.identity, Some(Bytes::new()));
        assert_eq!(client.user_id, None);
        // Traffic is not transformed by PLAIN.
        p.a.conn.send(Frame::with_more("a", true)).unwrap();
        p.a.conn.send(Frame::new("b")).unwrap();
        p.b.conn.send(Frame::new("c")).unwrap();
        p.drive();
        assert_eq!(
            messages(&p.b.events),
            [Frame::with_more("a", true), Frame::new("b")]
        );
        assert_eq!(messages(&p.a.events), [Frame::new("c")]);
        assert!(failures(&p.a.events).is_empty() && failures(&p.b.events).is_empty());
    }
}

#[test]
fn wire_sequence_as_libzmq() {
    // Server side scripted: HELLO → ZAP → WELCOME; INITIATE → READY.
    let mut s = Scripted::new(server_config());
    s.feed(&peer_greeting(1, "PLAIN"));
    s.output();
    s.feed(&command_frame(b"\x05HELLO\x00\x00"));
    assert_eq!(zap_request(&s.events())[7..], [Bytes::new(), Bytes::new()]);
    assert!(s.output().is_empty());
    s.conn.handle_zap_reply(&zap_reply(b"200", b"", b""), s.now);
    assert_eq!(s.output(), b"\x04\x08\x07WELCOME");
    let mut initiate = b"\x08INITIATE".to_vec();
    initiate.extend_from_slice(&ready_body("DEALER", true)[6..]);
    s.feed(&command_frame(&initiate));
    let mut want = b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER".to_vec();
    want.extend_from_slice(b"\x08Identity\x00\x00\x00\x00");
    assert_eq!(s.output(), want);
    assert!(s.conn.can_send());
    // Client side scripted: WELCOME → INITIATE with our metadata.
    let mut c = Scripted::new(client_config());
    c.feed(&peer_greeting(1, "PLAIN"));
    c.output();
    c.feed(b"\x04\x08\x07WELCOME");
    let mut want = b"\x04\x2c\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06DEALER".to_vec();
    want.extend_from_slice(b"\x08Identity\x00\x00\x00\x00");
    assert_eq!(c.output(), want);
    assert!(!c.conn.can_send());
    c.feed(&command_frame(&ready_body("ROUTER", true)));
    assert!(c.conn.can_send());
}

#[test]
fn zap_400_and_500_send_error() {
    let cases: [(&'static [u8], u16); 2] = [(b"400", 400), (b"500", 500)];
    for (status, code) in cases {
        let mut p = pair_at_zap(5);
        p.b.conn
            .handle_zap_reply(&zap_reply(status, b"", b""), p.now);
        let mut out = Vec::new();
        p.b.conn.poll_transmit(&mut out);
        let out: Vec<u8> = out.concat();
        // libzmq's PLAIN ERROR spelling (see plain.rs): 5E "RROR".
        let mut want = b"\x04\x09\x5eRROR\x03".to_vec();
        want.extend_from_slice(status);
        assert_eq!(out, want);
        p.a.wire.extend(out);
        p.drive();
        assert_eq!(failures(&p.b.events), [HandshakeFailure::Auth(code)]);
        assert_eq!(failures(&p.a.events), [HandshakeFailure::Auth(code)]);
        assert!(matches!(
            closed(&p.a.events),
            Some(CloseReason::Protocol(_))
        ));
        assert!(matches!(
            closed(&p.b.events),
            Some(CloseReason::Protocol(_))
        ));
    }
}

#[test]
fn zap_300_stalls_until_the_handshake_timer() {
    let mut p = pair_at_zap(1000);
    p.b.conn
        .handle_zap_reply(&zap_reply(b"300", b"", b""), p.now);
    let mut out = Vec::new();
    p.b.conn.poll_transmit(&mut out);
    assert!(out.is_empty());
    p.drive();
    assert_eq!(failures(&p.b.events), [HandshakeFailure::Auth(300)]);
    // libzmq neither answers nor closes (checked live in tests/security_interop.rs): the
    // connection stays until the handshake timer, and the client learns nothing before.
    assert_eq!(closed(&p.b.events), None);
    assert_eq!(closed(&p.a.events), None);
    assert!(failures(&p.a.events).is_empty());
    p.advance(std::time::Duration::from_secs(30));
    assert_eq!(closed(&p.b.events), Some(CloseReason::Timeout));
}

#[test]
fn no_zap_handler_fails_with_efault() {
    let mut p = pair_at_zap(1000);
    p.b.conn.handle_zap_unavailable(p.now);
    p.drive();
    assert_eq!(
        failures(&p.b.events),
        [HandshakeFailure::NoDetail(Error::Fault)]
    );
    assert_eq!(
        closed(&p.b.events),
        Some(CloseReason::Protocol(ProtocolError::with_errno(
            ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            Error::Fault
        )))
    );
}

#[test]
fn malformed_zap_reply() {
    let mut p = pair_at_zap(1000);
    p.b.conn
        .handle_zap_reply(&zap_reply(b"2000", b"", b""), p.now);
    p.drive();
    assert_eq!(
        failures(&p.b.events),
        [HandshakeFailure::Protocol(
            ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
        )]
    );
    assert_eq!(
        closed(&p.b.events),
        protocol(ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE)
    );
}

/// A scripted server past the greeting.
fn server() -> Scripted {
    let mut s = Scripted::new(server_config());
    s.feed(&peer_greeting(1, "PLAIN"));
    s.output();
    s
}

/// A scripted client past the greeting (HELLO sent).
fn client() -> Scripted {
    let mut s = Scripted::new(client_config());
    s.feed(&peer_greeting(1, "PLAIN"));
    s.output();
    s
}

fn expect_failure(s: &mut Scripted, code: i32) {
    let ev = s.events();
    assert_eq!(failures(&ev), [HandshakeFailure::Protocol(code)], "{ev:?}");
    assert_eq!(closed(&ev), protocol(code), "{ev:?}");
}

#[test]
fn malformed_hello() {
    let cases: [(&[u8], i32); 9] = [
        (
            b"\x05",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            b"\x05HELL",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (b"\x05READY", ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
        (
            b"\x05HELLO",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            b"\x05HELLO\x03ab",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            b"\x05HELLO\x02ab",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            b"\x05HELLO\x02ab\x02c",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            b"\x05HELLO\x02ab\x01cd",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            b"\x05HELLO\xff\x00",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
    ];
    for (body, code) in cases {
        let mut s = server();
        s.feed(&command_frame(body));
        expect_failure(&mut s, code);
        assert!(s.output().is_empty(), "{body:?}");
    }
}

#[test]
fn server_rejects_out_of_order_commands() {
    // Anything while the ZAP reply is pending.
    let mut s = server();
    s.feed(&command_frame(b"\x05HELLO\x00\x00"));
    s.events();
    s.feed(&command_frame(b"\x08INITIATE"));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED);
    // A second HELLO instead of INITIATE.
    let mut s = server();
    s.feed(&command_frame(b"\x05HELLO\x00\x00"));
    s.conn.handle_zap_reply(&zap_reply(b"200", b"", b""), s.now);
    s.events();
    s.feed(&command_frame(b"\x05HELLO\x00\x00"));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    // INITIATE with bad metadata: libzmq raises no event.
    let mut s = server();
    s.feed(&command_frame(b"\x05HELLO\x00\x00"));
    s.conn.handle_zap_reply(&zap_reply(b"200", b"", b""), s.now);
    s.events();
    s.feed(&command_frame(b"\x08INITIATE\x01"));
    let ev = s.events();
    assert!(failures(&ev).is_empty());
    assert_eq!(
        closed(&ev),
        protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA)
    );
    // INITIATE from an incompatible socket type.
    let mut s = server();
    s.feed(&command_frame(b"\x05HELLO\x00\x00"));
    s.conn.handle_zap_reply(&zap_reply(b"200", b"", b""), s.now);
    s.events();
    let mut initiate = b"\x08INITIATE".to_vec();
    initiate.extend_from_slice(&ready_body("SUB", false)[6..]);
    s.feed(&command_frame(&initiate));
    assert_eq!(
        closed(&s.events()),
        Some(CloseReason::Protocol(ProtocolError::with_errno(
            ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            Error::Inval
        )))
    );
}

#[test]
fn client_rejects_bad_commands() {
    let cases: [(&[u8], i32); 5] = [
        (
            b"\x07WELCOMEx",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
        ),
        (b"\x05READY", ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
        (
            b"\x05HELLO\x00\x00",
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            b"\x05ERROR",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
        ),
        (
            b"\x05ERROR\x04400",
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
        ),
    ];
    for (body, code) in cases {
        let mut s = client();
        s.feed(&command_frame(body));
        expect_failure(&mut s, code);
    }
    // A second WELCOME.
    let mut s = client();
    s.feed(&command_frame(b"\x07WELCOME"));
    s.feed(&command_frame(b"\x07WELCOME"));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    // READY with bad metadata: the PLAIN client reports it.
    let mut s = client();
    s.feed(&command_frame(b"\x07WELCOME"));
    s.feed(&command_frame(b"\x05READY\x01"));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA);
    // ERROR with a reason that is not a ZAP status: no auth event, still a failure.
    let mut s = client();
    s.feed(&command_frame(b"\x05ERROR\x02no"));
    let ev = s.events();
    assert!(failures(&ev).is_empty());
    assert!(matches!(closed(&ev), Some(CloseReason::Protocol(_))));
    // ERROR while waiting for READY.
    let mut s = client();
    s.feed(&command_frame(b"\x07WELCOME"));
    s.feed(&command_frame(b"\x05ERROR\x03500"));
    assert_eq!(failures(&s.events()), [HandshakeFailure::Auth(500)]);
    // libzmq's own ERROR spelling, as its PLAIN server sends it.
    let mut s = client();
    s.feed(b"\x04\x09\x5eRROR\x03400");
    let ev = s.events();
    assert_eq!(failures(&ev), [HandshakeFailure::Auth(400)]);
    assert!(matches!(closed(&ev), Some(CloseReason::Protocol(_))));
    for bad in [&b"\x5eRROR"[..], b"\x5eRROR\x04400"] {
        let mut s = client();
        s.feed(&command_frame(bad));
        expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR);
    }
}

#[test]
fn mechanism_mismatch_with_null() {
    let mut p = Pair::new(client_config(), Config::new(SocketType::Router), 1000);
    p.drive();
    for side in [&p.a.events, &p.b.events] {
        assert_eq!(
            failures(side),
            [HandshakeFailure::Protocol(
                ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
            )]
        );
    }
}

#[test]
fn options_select_plain() {
    let mut o = crate::socket::options::Options::new(SocketType::Dealer);
    assert_eq!(MechanismConfig::from_options(&o), MechanismConfig::Null);
    o.mechanism = crate::socket::options::Mechanism::Plain;
    o.plain_username = b"u".to_vec();
    o.plain_password = b"p".to_vec();
    assert_eq!(
        MechanismConfig::from_options(&o),
        MechanismConfig::PlainClient {
            username: bytes(b"u"),
            password: bytes(b"p")
        }
    );
    o.as_server = true;
    let server = MechanismConfig::from_options(&o);
    assert_eq!(server, MechanismConfig::PlainServer);
    assert!(server.is_server() && !server.as_server());
    assert_eq!(server.name(), "PLAIN");
    // Debug output never shows the password.
    let debug = format!(
        "{:?}",
        MechanismConfig::PlainClient {
            username: bytes(b"u"),
            password: bytes(b"secret")
        }
    );
    assert!(!debug.contains("secret"), "{debug}");
}
