//! CURVE (protocol.md sections 4.3, 5 and 8.2/8.3): the libsodium test vectors, full
//! handshakes through two connections with every ZAP outcome, encrypted traffic
//! (multi-frame messages, heartbeats, subscriptions), and every malformed input.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use crypto_box::aead::Aead;
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};

use super::util::*;
use super::{closed, failures, messages, succeeded};
use crate::consts::*;
use crate::error::Error;
use crate::socket::kind::SocketType;
use crate::zmtp::mechanism::{
    CurveClient, CurveServer, Mechanism, MechanismConfig, MechanismContext, Status,
};
use crate::zmtp::{CloseReason, Config, Event, Frame, HandshakeFailure, Metadata, ProtocolError};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn key(s: &str) -> [u8; 32] {
    hex(s).try_into().unwrap()
}

// protocol.md 8.2 and 8.3.
const CLIENT_PUBLIC: &str = "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518";
const CLIENT_SECRET: &str = "7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888";
const SERVER_PUBLIC: &str = "54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652";
const SERVER_SECRET: &str = "8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7";
const CLIENT_SHORT_SECRET: &str =
    "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20";
const CLIENT_SHORT_PUBLIC: &str =
    "07A37CBC142093C8B755DC1B10E86CB426374AD16AA853ED0BDFC0B2B86D1C7C";
const SERVER_SHORT_SECRET: &str =
    "2122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F40";
const SERVER_SHORT_PUBLIC: &str =
    "5869AFF450549732CBAAED5E5DF9B30A6DA31CB0E5742BAD5AD4A1A768F1A67B";
const HELLO_BOX: &str = "6E3F26F72FE2F05DB20DE7881EE6A08FC432AFE73B138226F5930879C93BDD4D\
8586425A3A8D6BC5D83598A3017E0F1792FF0381360D168B6FE1C5E0BB752B0D365E13EA8E8A29CE1C5052C8C63ECED7";
const MESSAGE_BOX: &str = "B4527C114F53C3CEC414859FB9D8A931222731A3F5FD";
const READY_BODY: &str = "0552454144590000000000000001ADC2FA6FEB5EC88B3CAAB334C82CDE81E5\
B976C483EC0654F901C19A18BEF5BA8A058356ADBB";

fn ctx(socket_type: SocketType) -> MechanismContext {
    MechanismContext {
        socket_type,
        routing_id: Bytes::new(),
        metadata: Metadata::new(),
        zap_domain: Bytes::new(),
        zap_enforce_domain: false,
        peer_address: bytes(b"127.0.0.1"),
    }
}

fn vector_client() -> CurveClient {
    CurveClient::with_short_term_key(
        ctx(SocketType::Dealer),
        key(CLIENT_PUBLIC),
        key(CLIENT_SECRET),
        key(SERVER_PUBLIC),
        SecretKey::from(key(CLIENT_SHORT_SECRET)),
    )
}

fn vector_server(socket_type: SocketType) -> CurveServer {
    CurveServer::with_short_term_key(
        ctx(socket_type),
        key(SERVER_SECRET),
        SecretKey::from(key(SERVER_SHORT_SECRET)),
    )
}

fn hello_vector() -> Vec<u8> {
    let mut want = b"\x05HELLO\x01\x00".to_vec();
    want.extend_from_slice(&[0; 72]);
    want.extend_from_slice(&hex(CLIENT_SHORT_PUBLIC));
    want.extend_from_slice(&1u64.to_be_bytes());
    want.extend_from_slice(&hex(HELLO_BOX));
    want
}

#[test]
fn short_term_test_keys_derive() {
    let c = SecretKey::from(key(CLIENT_SHORT_SECRET));
    assert_eq!(c.public_key().to_bytes(), key(CLIENT_SHORT_PUBLIC));
    let s = SecretKey::from(key(SERVER_SHORT_SECRET));
    assert_eq!(s.public_key().to_bytes(), key(SERVER_SHORT_PUBLIC));
}

#[test]
fn hello_matches_the_libsodium_vector() {
    let mut client = vector_client();
    let hello = client.next_handshake_command().unwrap();
    assert_eq!(hello.len(), 200);
    assert_eq!(hello.to_vec(), hello_vector());
    assert_eq!(client.next_handshake_command(), None);
    // The server opens it.
    let mut server = vector_server(SocketType::Router);
    server.process_handshake_command(hello).unwrap();
    assert!(server.next_handshake_command().is_some());
}

/// Runs a mechanism-level handshake up to the server's READY (Stonehouse: no ZAP
/// handler). Returns the WELCOME and the READY the server produced.
fn mechanism_handshake(client: &mut CurveClient, server: &mut CurveServer) -> (Bytes, Bytes) {
    server
        .process_handshake_command(client.next_handshake_command().unwrap())
        .unwrap();
    let welcome = server.next_handshake_command().unwrap();
    assert_eq!(welcome.len(), 168);
    assert_eq!(&welcome[..8], b"\x07WELCOME");
    client.process_handshake_command(welcome.clone()).unwrap();
    let initiate = client.next_handshake_command().unwrap();
    server.process_handshake_command(initiate).unwrap();
    let zap = server.zap_request().unwrap();
    assert_eq!(&zap.frames[6][..], b"CURVE");
    assert_eq!(zap.frames[7].to_vec(), hex(CLIENT_PUBLIC));
    assert_eq!(server.next_handshake_command(), None);
    server.handle_zap_unavailable().unwrap();
    let ready = server.next_handshake_command().unwrap();
    assert_eq!(server.status(), Status::Ready);
    (welcome, ready)
}

#[test]
fn ready_and_message_match_the_libsodium_vectors() {
    let mut client = vector_client();
    let mut server = vector_server(SocketType::Router);
    let (welcome, ready) = mechanism_handshake(&mut client, &mut server);
    // READY: name, nonce 1, box.
    assert_eq!(&ready[..14], b"\x05READY\x00\x00\x00\x00\x00\x00\x00\x01");
    client.process_handshake_command(ready).unwrap();
    assert_eq!(client.status(), Status::Ready);
    assert_eq!(
        client.peer_metadata().get(b"Socket-Type"),
        Some(&bytes(b"ROUTER"))
    );
    // The vector READY (Socket-Type=ROUTER only) opens for a second client with the same
    // short-term key; it was boxed with the precomputed key EC88F6E1... of (S', c').
    let mut other = vector_client();
    other.next_handshake_command().unwrap();
    other.process_handshake_command(welcome).unwrap();
    other.next_handshake_command().unwrap();
    other
        .process_handshake_command(Bytes::from(hex(READY_BODY)))
        .unwrap();
    assert_eq!(other.status(), Status::Ready);
    assert_eq!(other.peer_metadata().len(), 1);
    // The client's first MESSAGE uses nonce 3 and matches the vector exactly.
    let message = other.encode(Frame::new("hello")).unwrap();
    assert_eq!((message.more, message.command), (false, false));
    let mut want = b"\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x03".to_vec();
    want.extend_from_slice(&hex(MESSAGE_BOX));
    assert_eq!(message.data.to_vec(), want);
    // The server opens it (its last client nonce is INITIATE's 2).
    assert_eq!(server.decode(message).unwrap(), Frame::new("hello"));
    // The server's first MESSAGE uses nonce 2.
    let reply = server.encode(Frame::with_more("r", true)).unwrap();
    assert_eq!(&reply.data[8..16], &2u64.to_be_bytes());
    assert_eq!(client.decode(reply).unwrap(), Frame::with_more("r", true));
}

// ---- two connections ---------------------------------------------------------------------

fn client_config(t: SocketType) -> Config {
    let mut c = Config::new(t);
    c.mechanism = MechanismConfig::CurveClient {
        public_key: key(CLIENT_PUBLIC),
        secret_key: key(CLIENT_SECRET),
        server_key: key(SERVER_PUBLIC),
    };
    c
}

fn server_config(t: SocketType) -> Config {
    let mut c = Config::new(t);
    c.mechanism = MechanismConfig::CurveServer {
        secret_key: key(SERVER_SECRET),
    };
    c.peer_address = bytes(b"10.0.0.1");
    c
}

fn zap_request(events: &[Event]) -> Option<Vec<Bytes>> {
    events.iter().find_map(|e| match e {
        Event::ZapRequest(r) => Some(r.frames.clone()),
        _ => None,
    })
}

fn zap_reply(status: &'static [u8], user: &'static [u8]) -> Vec<Bytes> {
    [&b""[..], b"1.0", b"1", status, b"", user, b""]
        .iter()
        .map(|f| Bytes::from_static(f))
        .collect()
}

fn protocol(code: i32) -> Option<CloseReason> {
    Some(CloseReason::Protocol(ProtocolError::new(code)))
}

/// A pair of connections through the handshake with ZAP answering 200.
fn ready_pair(client: Config, server: Config, chunk: usize) -> Pair {
    let mut p = Pair::new(client, server, chunk);
    p.drive();
    let req = zap_request(&p.b.events).expect("ZAP request");
    assert_eq!(
        req,
        [
            &b""[..],
            b"1.0",
            b"1",
            b"",
            b"10.0.0.1",
            b"",
            b"CURVE",
            &hex(CLIENT_PUBLIC)
        ]
    );
    p.b.conn
        .handle_zap_reply(&zap_reply(b"200", b"carol"), p.now);
    p.drive();
    assert!(p.a.conn.can_send() && p.b.conn.can_send());
    p
}

#[test]
fn handshake_and_traffic_between_two_connections() {
    for chunk in [1, 7, 1000] {
        let mut p = ready_pair(
            client_config(SocketType::Dealer),
            server_config(SocketType::Router),
            chunk,
        );
        let server = succeeded(&p.b.events).clone();
        assert_eq!(server.user_id, Some(bytes(b"carol")));
        assert_eq!(server.socket_type, Some(SocketType::Dealer));
        assert_eq!(succeeded(&p.a.events).socket_type, Some(SocketType::Router));
        p.a.conn.send(Frame::with_more("one", true)).unwrap();
        p.a.conn.send(Frame::new(vec![7u8; 300])).unwrap();
        p.b.conn.send(Frame::new("")).unwrap();
        p.drive();
        assert_eq!(
            messages(&p.b.events),
            [Frame::with_more("one", true), Frame::new(vec![7u8; 300])]
        );
        assert_eq!(messages(&p.a.events), [Frame::new("")]);
        assert!(failures(&p.a.events).is_empty() && failures(&p.b.events).is_empty());
        assert_eq!(closed(&p.a.events), None);
        assert_eq!(closed(&p.b.events), None);
    }
}

#[test]
fn message_frames_on_the_wire() {
    let mut p = ready_pair(
        client_config(SocketType::Dealer),
        server_config(SocketType::Router),
        1000,
    );
    p.a.conn.send(Frame::with_more("hi", true)).unwrap();
    p.a.conn.send(Frame::new(vec![1u8; 300])).unwrap();
    let out = take_output(&mut p.a.conn);
    // Outer flags 00 (short) and 02 (long): never MORE, never COMMAND.
    assert_eq!(out[0], 0x00);
    assert_eq!(usize::from(out[1]), 16 + 16 + 1 + 2);
    assert_eq!(&out[2..10], b"\x07MESSAGE");
    assert_eq!(&out[10..18], &3u64.to_be_bytes());
    let second = &out[2 + 35..];
    assert_eq!(second[0], 0x02);
    assert_eq!(&second[1..9], &(16u64 + 16 + 1 + 300).to_be_bytes());
    assert_eq!(&second[17..25], &4u64.to_be_bytes());
}

#[test]
fn heartbeats_travel_encrypted() {
    let mut client = client_config(SocketType::Dealer);
    client.heartbeat_ivl = Duration::from_millis(100);
    client.heartbeat_ttl = 20;
    let mut p = ready_pair(client, server_config(SocketType::Router), 1000);
    p.advance(Duration::from_millis(100));
    let ping = take_output(&mut p.a.conn);
    assert_eq!(&ping[..2], &[0x00, 16 + 16 + 1 + 7]);
    p.b.wire.extend(ping);
    p.drive();
    // The server answered with an encrypted PONG; the client's heartbeat timeout is
    // cleared, so the connection survives well past it.
    for _ in 0..5 {
        p.advance(Duration::from_millis(100));
        p.drive();
    }
    assert_eq!(closed(&p.a.events), None);
    assert_eq!(closed(&p.b.events), None);
    assert!(messages(&p.a.events).is_empty() && messages(&p.b.events).is_empty());
}

#[test]
fn subscriptions_travel_encrypted() {
    let mut p = ready_pair(
        client_config(SocketType::Sub),
        server_config(SocketType::XPub),
        3,
    );
    p.a.conn.subscribe(b"A").unwrap();
    p.a.conn.cancel(b"A").unwrap();
    p.drive();
    let subs: Vec<_> =
        p.b.events
            .iter()
            .filter(|e| matches!(e, Event::Subscribe(_) | Event::Cancel(_)))
            .cloned()
            .collect();
    assert_eq!(
        subs,
        [Event::Subscribe(bytes(b"A")), Event::Cancel(bytes(b"A"))]
    );
    p.b.conn.send(Frame::new("Adata")).unwrap();
    p.drive();
    assert_eq!(messages(&p.a.events), [Frame::new("Adata")]);
}

#[test]
fn stonehouse_without_zap_handler() {
    let mut p = Pair::new(
        client_config(SocketType::Dealer),
        server_config(SocketType::Router),
        1000,
    );
    p.drive();
    assert!(zap_request(&p.b.events).is_some());
    p.b.conn.handle_zap_unavailable(p.now);
    p.drive();
    assert_eq!(succeeded(&p.b.events).user_id, None);
    succeeded(&p.a.events);
    // With ZAP_ENFORCE_DOMAIN and no domain, ZAP is not even asked.
    let mut server = server_config(SocketType::Router);
    server.zap_enforce_domain = true;
    let mut p = Pair::new(client_config(SocketType::Dealer), server, 1000);
    p.drive();
    assert_eq!(zap_request(&p.b.events), None);
    succeeded(&p.b.events);
    // With enforcement and a domain, a missing handler is EFAULT.
    let mut server = server_config(SocketType::Router);
    server.zap_enforce_domain = true;
    server.zap_domain = bytes(b"d");
    let mut p = Pair::new(client_config(SocketType::Dealer), server, 1000);
    p.drive();
    assert_eq!(&zap_request(&p.b.events).unwrap()[3][..], b"d");
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
fn zap_denials() {
    let cases: [(&'static [u8], u16); 2] = [(b"400", 400), (b"500", 500)];
    for (status, code) in cases {
        let mut p = Pair::new(
            client_config(SocketType::Dealer),
            server_config(SocketType::Router),
            1000,
        );
        p.drive();
        p.b.conn.handle_zap_reply(&zap_reply(status, b""), p.now);
        let out = take_output(&mut p.b.conn);
        // ERROR travels in clear text.
        let mut want = b"\x04\x0a\x05ERROR\x03".to_vec();
        want.extend_from_slice(status);
        assert_eq!(out, want);
        p.a.wire.extend(out);
        p.drive();
        assert_eq!(failures(&p.a.events), [HandshakeFailure::Auth(code)]);
        assert_eq!(failures(&p.b.events), [HandshakeFailure::Auth(code)]);
        assert!(closed(&p.a.events).is_some() && closed(&p.b.events).is_some());
    }
    let mut p = Pair::new(
        client_config(SocketType::Dealer),
        server_config(SocketType::Router),
        1000,
    );
    p.drive();
    p.b.conn.handle_zap_reply(&zap_reply(b"300", b""), p.now);
    assert!(take_output(&mut p.b.conn).is_empty());
    p.drive();
    assert_eq!(failures(&p.b.events), [HandshakeFailure::Auth(300)]);
    assert_eq!(closed(&p.a.events), None);
    // As in libzmq, 300 leaves the connection to the handshake timer.
    assert_eq!(closed(&p.b.events), None);
    p.advance(std::time::Duration::from_secs(30));
    assert_eq!(closed(&p.b.events), Some(CloseReason::Timeout));
}

#[test]
fn wrong_server_key_fails_on_hello() {
    let mut client = client_config(SocketType::Dealer);
    client.mechanism = MechanismConfig::CurveClient {
        public_key: key(CLIENT_PUBLIC),
        secret_key: key(CLIENT_SECRET),
        server_key: key(CLIENT_PUBLIC),
    };
    let mut p = Pair::new(client, server_config(SocketType::Router), 1000);
    p.drive();
    assert_eq!(
        failures(&p.b.events),
        [HandshakeFailure::Protocol(
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        )]
    );
    assert_eq!(
        closed(&p.b.events),
        protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
    );
}

#[test]
fn mechanism_mismatch_with_plain() {
    let mut plain = Config::new(SocketType::Router);
    plain.mechanism = MechanismConfig::PlainServer;
    let mut p = Pair::new(client_config(SocketType::Dealer), plain, 1000);
    p.drive();
    assert_eq!(
        failures(&p.a.events),
        [HandshakeFailure::Protocol(
            ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
        )]
    );
}

// ---- malformed input ---------------------------------------------------------------------

/// A hand-driven CURVE client with known keys, to build arbitrary commands.
struct RawClient {
    cn_secret: SecretKey,
    cn_server: Option<PublicKey>,
    cookie: Vec<u8>,
}

fn nonce(prefix: &[u8], tail: &[u8]) -> Nonce {
    let mut n = Nonce::default();
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

impl RawClient {
    fn new() -> RawClient {
        RawClient {
            cn_secret: SecretKey::from(key(CLIENT_SHORT_SECRET)),
            cn_server: None,
            cookie: Vec::new(),
        }
    }

    fn shared(&self) -> SalsaBox {
        SalsaBox::new(self.cn_server.as_ref().unwrap(), &self.cn_secret)
    }

    /// Opens a WELCOME body from the server.
    fn welcome(&mut self, body: &[u8]) {
        let cipher = SalsaBox::new(&PublicKey::from(key(SERVER_PUBLIC)), &self.cn_secret);
        let plain = cipher
            .decrypt(&nonce(b"WELCOME-", &body[8..24]), &body[24..])
            .unwrap();
        self.cn_server = Some(PublicKey::from(<[u8; 32]>::try_from(&plain[..32]).unwrap()));
        self.cookie = plain[32..].to_vec();
    }

    /// An INITIATE body with a vouch of `vouch_plain` signed by `long_secret`.
    fn initiate(&self, counter: u64, vouch_plain: &[u8], long_secret: &str, md: &[u8]) -> Vec<u8> {
        let vouch_nonce = [9u8; 16];
        let vouch = SalsaBox::new(
            self.cn_server.as_ref().unwrap(),
            &SecretKey::from(key(long_secret)),
        )
        .encrypt(&nonce(b"VOUCH---", &vouch_nonce), vouch_plain)
        .unwrap();
        let mut plain = hex(CLIENT_PUBLIC);
        plain.extend_from_slice(&vouch_nonce);
        plain.extend_from_slice(&vouch);
        plain.extend_from_slice(md);
        let boxed = self
            .shared()
            .encrypt(
                &nonce(b"CurveZMQINITIATE", &counter.to_be_bytes()),
                &plain[..],
            )
            .unwrap();
        let mut b = b"\x08INITIATE".to_vec();
        b.extend_from_slice(&self.cookie);
        b.extend_from_slice(&counter.to_be_bytes());
        b.extend_from_slice(&boxed);
        b
    }

    fn good_vouch(&self) -> Vec<u8> {
        let mut v = hex(CLIENT_SHORT_PUBLIC);
        v.extend_from_slice(&hex(SERVER_PUBLIC));
        v
    }

    fn message(&self, counter: u64, plain: &[u8]) -> Vec<u8> {
        let boxed = self
            .shared()
            .encrypt(&nonce(b"CurveZMQMESSAGEC", &counter.to_be_bytes()), plain)
            .unwrap();
        let mut b = b"\x07MESSAGE".to_vec();
        b.extend_from_slice(&counter.to_be_bytes());
        b.extend_from_slice(&boxed);
        b
    }
}

/// A scripted CURVE server (Stonehouse) past the greeting.
fn server() -> Scripted {
    let mut s = Scripted::new(server_config(SocketType::Router));
    s.feed(&peer_greeting(1, "CURVE"));
    s.output();
    s
}

/// A scripted server after the vector HELLO, and a raw client that read its WELCOME.
fn server_after_welcome() -> (Scripted, RawClient) {
    let mut s = server();
    s.feed(&command_frame(&hello_vector()));
    let out = s.output();
    assert_eq!(&out[..2], &[0x04, 168]);
    let mut raw = RawClient::new();
    raw.welcome(&out[2..]);
    (s, raw)
}

fn dealer_metadata() -> Vec<u8> {
    ready_body("DEALER", true)[6..].to_vec()
}

/// A scripted server that completed the handshake with a raw client (INITIATE nonce 2).
fn ready_server() -> (Scripted, RawClient) {
    let (mut s, raw) = server_after_welcome();
    s.feed(&command_frame(&raw.initiate(
        2,
        &raw.good_vouch(),
        CLIENT_SECRET,
        &dealer_metadata(),
    )));
    s.conn.handle_zap_unavailable(s.now);
    assert!(s.conn.can_send(), "{:?}", s.events());
    s.events();
    s.output();
    (s, raw)
}

fn expect_failure(s: &mut Scripted, code: i32) {
    let ev = s.events();
    assert_eq!(failures(&ev), [HandshakeFailure::Protocol(code)], "{ev:?}");
    assert_eq!(closed(&ev), protocol(code), "{ev:?}");
}

#[test]
fn malformed_hello() {
    let good = hello_vector();
    let mut flipped = good.clone();
    flipped[150] ^= 1;
    let mut version = good.clone();
    version[6] = 2;
    let mut minor = good.clone();
    minor[7] = 1;
    let mut long = good.clone();
    long.push(0);
    let cases: Vec<(Vec<u8>, i32)> = vec![
        (
            b"\x05".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            b"\x05HELLO".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            b"\x05WORLD!".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            good[..199].to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (long, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
        (version, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
        (minor, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
        (flipped, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
    ];
    for (body, code) in cases {
        let mut s = server();
        s.feed(&command_frame(&body));
        expect_failure(&mut s, code);
        assert!(s.output().is_empty());
    }
}

#[test]
fn malformed_initiate() {
    let md = dealer_metadata();
    // Too short.
    let (mut s, raw) = server_after_welcome();
    let initiate = raw.initiate(2, &raw.good_vouch(), CLIENT_SECRET, &[]);
    assert_eq!(initiate.len(), 257);
    s.feed(&command_frame(&initiate[..256]));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE);
    // Wrong name.
    let (mut s, _) = server_after_welcome();
    s.feed(&command_frame(&hello_vector()));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    // Bad cookie, bad box.
    for at in [20, 60, 150] {
        let (mut s, raw) = server_after_welcome();
        let mut initiate = raw.initiate(2, &raw.good_vouch(), CLIENT_SECRET, &md);
        initiate[at] ^= 0x40;
        s.feed(&command_frame(&initiate));
        expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    }
    // A vouch signed by another long-term key than the C in the box.
    let (mut s, raw) = server_after_welcome();
    s.feed(&command_frame(&raw.initiate(
        2,
        &raw.good_vouch(),
        SERVER_SECRET,
        &md,
    )));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    // A vouch for another short-term key.
    let (mut s, raw) = server_after_welcome();
    let mut vouch = raw.good_vouch();
    vouch[0] ^= 1;
    s.feed(&command_frame(&raw.initiate(2, &vouch, CLIENT_SECRET, &md)));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE);
    // The S half of the vouch is not checked, as in libzmq.
    let (mut s, raw) = server_after_welcome();
    let mut vouch = raw.good_vouch();
    vouch[40] ^= 1;
    s.feed(&command_frame(&raw.initiate(2, &vouch, CLIENT_SECRET, &md)));
    assert!(failures(&s.events()).is_empty());
    // Metadata that overruns, and a huge value length: no event, no allocation.
    for bad in [
        &b"\x05X-foo\x00\x00\x00\x09bar"[..],
        b"\x01a\xff\xff\xff\xffx",
        b"\x01",
    ] {
        let (mut s, raw) = server_after_welcome();
        s.feed(&command_frame(&raw.initiate(
            2,
            &raw.good_vouch(),
            CLIENT_SECRET,
            bad,
        )));
        let ev = s.events();
        assert!(failures(&ev).is_empty(), "{ev:?}");
        assert_eq!(
            closed(&ev),
            protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA)
        );
    }
    // An incompatible socket type.
    let (mut s, raw) = server_after_welcome();
    s.feed(&command_frame(&raw.initiate(
        2,
        &raw.good_vouch(),
        CLIENT_SECRET,
        &ready_body("SUB", false)[6..],
    )));
    assert_eq!(
        closed(&s.events()),
        Some(CloseReason::Protocol(ProtocolError::with_errno(
            ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            Error::Inval
        )))
    );
    // Any command while the ZAP reply is pending.
    let (mut s, raw) = server_after_welcome();
    s.feed(&command_frame(&raw.initiate(
        2,
        &raw.good_vouch(),
        CLIENT_SECRET,
        &md,
    )));
    s.events();
    s.feed(&command_frame(b"\x05HELLO\x00"));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED);
}

#[test]
fn message_nonces_must_increase() {
    // INITIATE used nonce 2: a MESSAGE with 2 is a replay.
    let (mut s, raw) = ready_server();
    s.feed(&frame(0, &raw.message(2, b"\x00x")));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE);
    // Gaps are fine; going back is not.
    let (mut s, raw) = ready_server();
    s.feed(&frame(0, &raw.message(10, b"\x00x")));
    assert_eq!(s.events(), [Event::Message(Frame::new("x"))]);
    s.feed(&frame(0, &raw.message(10, b"\x00y")));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE);
    let (mut s, raw) = ready_server();
    s.feed(&frame(0, &raw.message(5, b"\x00x")));
    s.feed(&frame(0, &raw.message(4, b"\x00x")));
    let ev = s.events();
    assert_eq!(messages(&ev), [Frame::new("x")]);
    assert_eq!(
        closed(&ev),
        protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE)
    );
}

#[test]
fn malformed_messages() {
    let (_, raw) = ready_server();
    let mut flipped = raw.message(3, b"\x00x");
    flipped[20] ^= 1;
    let cases: Vec<(Vec<u8>, i32)> = vec![
        (
            b"\x07".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            b"plain data".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            b"\x05plain".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            raw.message(3, b"\x00x")[..32].to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
        ),
        (flipped, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
        // Boxed under the server's direction prefix: does not open.
        (
            {
                let boxed = raw
                    .shared()
                    .encrypt(
                        &nonce(b"CurveZMQMESSAGES", &3u64.to_be_bytes()),
                        &b"\x00x"[..],
                    )
                    .unwrap();
                let mut b = b"\x07MESSAGE".to_vec();
                b.extend_from_slice(&3u64.to_be_bytes());
                b.extend_from_slice(&boxed);
                b
            },
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        ),
    ];
    for (body, code) in cases {
        let (mut s, _) = ready_server();
        s.feed(&frame(0, &body));
        expect_failure(&mut s, code);
    }
    // A box without even the flags byte is too short.
    let (mut s, raw) = ready_server();
    s.feed(&frame(0, &raw.message(3, b"")));
    expect_failure(&mut s, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE);
}

#[test]
fn message_flags() {
    let (mut s, raw) = ready_server();
    // MORE inside the box; an empty final frame.
    s.feed(&frame(0, &raw.message(3, b"\x01a")));
    s.feed(&frame(0, &raw.message(4, b"\x00")));
    assert_eq!(
        s.events(),
        [
            Event::Message(Frame::with_more("a", true)),
            Event::Message(Frame::new(""))
        ]
    );
    // COMMAND inside the box: an encrypted PING gets an encrypted PONG.
    s.feed(&frame(0, &raw.message(5, b"\x02\x04PING\x00\x00ct")));
    assert!(s.events().is_empty());
    let out = s.output();
    assert_eq!(out[0], 0x00);
    let body = &out[2..];
    // The server's first MESSAGE: nonce 2 (READY used 1).
    assert_eq!(&body[..16], b"\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x02");
    let plain = raw
        .shared()
        .decrypt(&nonce(b"CurveZMQMESSAGES", &body[8..16]), &body[16..])
        .unwrap();
    assert_eq!(plain, b"\x02\x04PONGct");
    // A MESSAGE in an outer command frame comes out as a command and is dropped, as in
    // libzmq; the connection stays up.
    s.feed(&frame(0x04, &raw.message(6, b"\x00data")));
    assert!(s.events().is_empty());
    assert!(s.conn.can_send());
    // Outer MORE is kept too.
    s.feed(&frame(0x01, &raw.message(7, b"\x00p")));
    assert_eq!(s.events(), [Event::Message(Frame::with_more("p", true))]);
}

/// A scripted client past the greeting (HELLO sent, random short-term key).
fn client() -> Scripted {
    let mut s = Scripted::new(client_config(SocketType::Dealer));
    s.feed(&peer_greeting(1, "CURVE"));
    let out = s.output();
    assert_eq!(&out[out.len() - 202..out.len() - 200], &[0x04, 200]);
    s
}

#[test]
fn client_rejects_bad_commands() {
    let mut welcome = vec![0u8; 168];
    welcome[..8].copy_from_slice(b"\x07WELCOME");
    let mut ready = vec![0u8; 30];
    ready[..6].copy_from_slice(b"\x05READY");
    let cases: Vec<(Vec<u8>, i32)> = vec![
        (
            welcome[..167].to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        ),
        (welcome.clone(), ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
        (
            ready[..29].to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
        ),
        (ready.clone(), ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
        (
            b"\x05ERROR".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
        ),
        (
            b"\x05HELLO".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            b"\x07MESSAGE".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
    ];
    for (body, code) in cases {
        let mut s = client();
        s.feed(&command_frame(&body));
        expect_failure(&mut s, code);
    }
    let mut s = client();
    s.feed(&command_frame(b"\x05ERROR\x03400"));
    let ev = s.events();
    assert_eq!(failures(&ev), [HandshakeFailure::Auth(400)]);
    assert!(closed(&ev).is_some());
}

#[test]
fn client_rejects_bad_ready_and_second_welcome() {
    let mut server = vector_server(SocketType::Router);
    let mut client = vector_client();
    let (welcome, ready) = mechanism_handshake(&mut client, &mut server);
    // A second WELCOME.
    assert!(client.process_handshake_command(welcome).is_err());
    assert_eq!(
        client.poll_event(),
        Some(HandshakeFailure::Protocol(
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        ))
    );
    // A READY whose box was tampered with.
    let mut bad = ready.to_vec();
    bad[20] ^= 1;
    assert!(client.process_handshake_command(Bytes::from(bad)).is_err());
    assert_eq!(
        client.poll_event(),
        Some(HandshakeFailure::Protocol(
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        ))
    );
    // A READY whose metadata overruns.
    let mut server = vector_server(SocketType::Router);
    let mut client = vector_client();
    mechanism_handshake(&mut client, &mut server);
    let shared = SalsaBox::new(
        &PublicKey::from(key(CLIENT_SHORT_PUBLIC)),
        &SecretKey::from(key(SERVER_SHORT_SECRET)),
    );
    let boxed = shared
        .encrypt(
            &nonce(b"CurveZMQREADY---", &1u64.to_be_bytes()),
            &b"\x01a\xff\xff\xff\xff"[..],
        )
        .unwrap();
    let mut body = BytesMut::from(&b"\x05READY\x00\x00\x00\x00\x00\x00\x00\x01"[..]);
    body.extend_from_slice(&boxed);
    assert!(client.process_handshake_command(body.freeze()).is_err());
    assert_eq!(
        client.poll_event(),
        Some(HandshakeFailure::Protocol(
            ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA
        ))
    );
}

#[test]
fn options_select_curve() {
    let mut o = crate::socket::options::Options::new(SocketType::Dealer);
    o.mechanism = crate::socket::options::Mechanism::Curve;
    o.curve_public_key = key(CLIENT_PUBLIC);
    o.curve_secret_key = key(CLIENT_SECRET);
    o.curve_server_key = key(SERVER_PUBLIC);
    let client = MechanismConfig::from_options(&o);
    assert_eq!(client, client_config(SocketType::Dealer).mechanism);
    assert_eq!(client.name(), "CURVE");
    assert!(!client.is_server());
    let debug = format!("{client:?}");
    assert!(debug.contains("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"));
    assert!(
        !debug.contains("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
        "{debug}"
    );
    o.as_server = true;
    o.curve_secret_key = key(SERVER_SECRET);
    let server = MechanismConfig::from_options(&o);
    assert_eq!(server, server_config(SocketType::Router).mechanism);
    assert!(server.is_server() && !server.as_server());
}
