//! Scenario tests for the ZMTP core: exact bytes from protocol.md section 8, two
//! connections talking through byte buffers, old peers, and every malformed input.

mod curve;
mod libzmq;
mod libzmq_secure;
mod plain;
mod util;

use std::time::Duration;

use bytes::Bytes;

use super::{
    CloseReason, Config, Connection, Event, Frame, HandshakeFailure, Metadata, ProtocolError,
    ZmtpVersion,
};
use crate::consts::*;
use crate::error::Error;
use crate::socket::kind::SocketType;
use util::*;

fn config(t: SocketType) -> Config {
    Config::new(t)
}

fn succeeded(events: &[Event]) -> &super::PeerInfo {
    events
        .iter()
        .find_map(|e| match e {
            Event::HandshakeSucceeded(i) => Some(&**i),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no HandshakeSucceeded in {events:?}"))
}

fn messages(events: &[Event]) -> Vec<Frame> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn closed(events: &[Event]) -> Option<CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed(r) => Some(*r),
        _ => None,
    })
}

fn failures(events: &[Event]) -> Vec<HandshakeFailure> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HandshakeFailed(f) => Some(*f),
            _ => None,
        })
        .collect()
}

/// A scripted connection past the greeting: the peer greeted with `minor`.
fn scripted_after_greeting(cfg: Config, minor: u8) -> Scripted {
    let mut s = Scripted::new(cfg);
    s.feed(&peer_greeting(minor, "NULL"));
    s
}

// ---- exact bytes -------------------------------------------------------------------------

#[test]
fn dealer_greeting_and_ready_bytes_match_libzmq() {
    let mut cfg = config(SocketType::Dealer);
    cfg.routing_id = bytes(b"abc");
    let mut md = Metadata::new();
    md.push(bytes(b"X-foo"), bytes(b"bar"));
    cfg.metadata = md;
    let mut s = Scripted::new(cfg);
    assert_eq!(s.output(), [0xFF, 0, 0, 0, 0, 0, 0, 0, 4, 0x7F]);
    let peer = peer_greeting(1, "NULL");
    s.feed(&peer[..10]);
    assert_eq!(s.output(), [3]);
    s.feed(&peer[10..11]);
    let rest = s.output();
    assert_eq!(rest.len(), 53);
    assert_eq!(&rest[..5], b"\x01NULL");
    s.feed(&peer[11..]);
    // protocol.md 4.1: DEALER with id "abc" and X-foo:bar.
    let mut want = b"\x04\x39\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER".to_vec();
    want.extend_from_slice(b"\x08Identity\x00\x00\x00\x03abc\x05X-foo\x00\x00\x00\x03bar");
    assert_eq!(s.output(), want);
    assert!(s.events().is_empty());
    s.feed(&command_frame(&ready_body("ROUTER", true)));
    let ev = s.events();
    let info = succeeded(&ev);
    assert_eq!(info.version, ZmtpVersion::V3_1);
    assert_eq!(info.socket_type, Some(SocketType::Router));
    assert_eq!(info.identity, Some(Bytes::new()));
    // Two-frame message as libzmq sends it.
    s.conn.send(Frame::with_more("hi", true)).unwrap();
    s.conn.send(Frame::new("there")).unwrap();
    assert_eq!(s.output(), b"\x01\x02hi\x00\x05there");
}

#[test]
fn ready_bytes_for_req_sub_pub() {
    for (t, want) in [
        (
            SocketType::Req,
            &b"\x04\x26\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x00"[..],
        ),
        (
            SocketType::Sub,
            &b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03SUB"[..],
        ),
        (
            SocketType::Pub,
            &b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"[..],
        ),
    ] {
        let mut s = Scripted::new(config(t));
        s.output();
        s.feed(&peer_greeting(1, "NULL"));
        let out = s.output();
        assert_eq!(&out[out.len() - want.len()..], want, "{t:?}");
    }
}

#[test]
fn subscriptions_by_peer_version() {
    // 3.1 peer: commands.
    let mut s = scripted_after_greeting(config(SocketType::Sub), 1);
    s.feed(&command_frame(&ready_body("PUB", false)));
    s.output();
    s.conn.subscribe(b"A").unwrap();
    s.conn.cancel(b"A").unwrap();
    s.conn.subscribe(b"").unwrap();
    assert_eq!(
        s.output(),
        b"\x04\x0b\x09SUBSCRIBEA\x04\x08\x06CANCELA\x04\x0a\x09SUBSCRIBE"
    );
    // 3.0 peer: one-frame messages.
    let mut s = scripted_after_greeting(config(SocketType::Sub), 0);
    s.feed(&command_frame(&ready_body("PUB", false)));
    assert_eq!(succeeded(&s.events()).version, ZmtpVersion::V3_0);
    s.output();
    s.conn.subscribe(b"A").unwrap();
    s.conn.cancel(b"A").unwrap();
    assert_eq!(s.output(), b"\x00\x02\x01A\x00\x02\x00A");
    // A long topic takes a long command frame.
    let mut s = scripted_after_greeting(config(SocketType::Sub), 1);
    s.feed(&command_frame(&ready_body("PUB", false)));
    s.output();
    s.conn.subscribe(&[b'x'; 250]).unwrap();
    let out = s.output();
    assert_eq!(&out[..9], &[6, 0, 0, 0, 0, 0, 0, 1, 4]);
}

#[test]
fn xpub_receives_both_subscription_forms() {
    let mut s = scripted_after_greeting(config(SocketType::XPub), 1);
    s.feed(&command_frame(&ready_body("SUB", false)));
    s.events();
    s.feed(b"\x04\x0b\x09SUBSCRIBEA\x04\x08\x06CANCELA\x00\x02\x01B\x00\x02\x00B");
    // A multi-frame message starting with 01 is user data, not a subscription.
    s.feed(b"\x01\x02\x01C\x00\x01x");
    assert_eq!(
        s.events(),
        [
            Event::Subscribe(bytes(b"A")),
            Event::Cancel(bytes(b"A")),
            Event::Subscribe(bytes(b"B")),
            Event::Cancel(bytes(b"B")),
            Event::Message(Frame::with_more(&b"\x01C"[..], true)),
            Event::Message(Frame::new("x")),
        ]
    );
    // A SUB does not reinterpret 01-prefixed data.
    let mut s = scripted_after_greeting(config(SocketType::Sub), 1);
    s.feed(&command_frame(&ready_body("PUB", false)));
    s.events();
    s.feed(b"\x00\x02\x01B");
    assert_eq!(s.events(), [Event::Message(Frame::new(&b"\x01B"[..]))]);
}

#[test]
fn ping_pong_bytes() {
    let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
    s.feed(&command_frame(&ready_body("DEALER", true)));
    s.output();
    s.events();
    s.feed(b"\x04\x09\x04PING\x00\x00ct");
    assert_eq!(s.output(), b"\x04\x07\x04PONGct");
    s.feed(b"\x04\x07\x04PING\x00\x14");
    assert_eq!(s.output(), b"\x04\x05\x04PONG");
    // Context cut to 16 bytes.
    let mut ping = b"\x04PING\x00\x00".to_vec();
    ping.extend_from_slice(&[b'c'; 20]);
    s.feed(&command_frame(&ping));
    let mut want = b"\x04\x15\x04PONG".to_vec();
    want.extend_from_slice(&[b'c'; 16]);
    assert_eq!(s.output(), want);
    // A short PING is ignored, as are unknown and malformed commands and stray PONGs.
    s.feed(b"\x04\x06\x04PING\x00\x04\x04\x03FOO\x04\x02\x09S\x04\x05\x04PONG");
    assert!(s.output().is_empty());
    assert_eq!(s.events(), []);
    assert!(!s.conn.is_closed());
}

#[test]
fn join_and_leave() {
    let mut s = scripted_after_greeting(config(SocketType::Radio), 1);
    s.feed(&command_frame(&ready_body("DISH", false)));
    s.events();
    s.feed(b"\x04\x07\x04JOINgg\x04\x08\x05LEAVEgg");
    assert_eq!(
        s.events(),
        [Event::Join(bytes(b"gg")), Event::Leave(bytes(b"gg"))]
    );
    let mut s = scripted_after_greeting(config(SocketType::Dish), 1);
    s.feed(&command_frame(&ready_body("RADIO", false)));
    s.output();
    s.conn
        .send_command(&super::Command::Join(bytes(b"g")))
        .unwrap();
    assert_eq!(s.output(), b"\x04\x06\x04JOINg");
}

// ---- pairs -------------------------------------------------------------------------------

#[test]
fn pair_exchanges_messages_at_every_split() {
    for chunk in [1, 2, 3, 5, 10, 11, 64, 65, 4096] {
        let mut a = config(SocketType::Dealer);
        a.routing_id = bytes(b"client");
        let mut md = Metadata::new();
        md.push(bytes(b"X-app"), bytes(b"test"));
        a.metadata = md;
        let b = config(SocketType::Router);
        let mut p = Pair::new(a, b, chunk);
        p.drive();
        let ia = succeeded(&p.a.events).clone();
        let ib = succeeded(&p.b.events).clone();
        assert_eq!(ia.socket_type, Some(SocketType::Router));
        assert_eq!(ib.socket_type, Some(SocketType::Dealer));
        assert_eq!(ib.identity, Some(bytes(b"client")));
        assert_eq!(ib.metadata.get(b"X-app"), Some(&bytes(b"test")));
        let big = Bytes::from(vec![0xAB; 100_000]);
        p.a.conn.send(Frame::with_more("", true)).unwrap();
        p.a.conn.send(Frame::with_more(big.clone(), true)).unwrap();
        p.a.conn.send(Frame::new("end")).unwrap();
        p.b.conn.send(Frame::new(vec![1u8; 256])).unwrap();
        p.drive();
        assert_eq!(
            messages(&p.b.events),
            [
                Frame::with_more("", true),
                Frame::with_more(big, true),
                Frame::new("end")
            ]
        );
        assert_eq!(messages(&p.a.events), [Frame::new(vec![1u8; 256])]);
        assert!(closed(&p.a.events).is_none() && closed(&p.b.events).is_none());
    }
}

#[test]
fn pair_with_a_zmtp_3_0_view() {
    // b's greeting reaches a with minor 0: a speaks 3.0 to b, b speaks 3.1 to a.
    let mut p = Pair::new(config(SocketType::Sub), config(SocketType::XPub), 7);
    p.patch_b_to_a = Some(|off, byte| if off == 11 { 0 } else { byte });
    p.drive();
    assert_eq!(succeeded(&p.a.events).version, ZmtpVersion::V3_0);
    assert_eq!(succeeded(&p.b.events).version, ZmtpVersion::V3_1);
    p.a.conn.subscribe(b"topic").unwrap();
    p.a.conn.cancel(b"topic").unwrap();
    p.b.conn.subscribe(b"back").unwrap();
    p.drive();
    assert!(p.b.events.contains(&Event::Subscribe(bytes(b"topic"))));
    assert!(p.b.events.contains(&Event::Cancel(bytes(b"topic"))));
    // a is a SUB: the 3.1 command from b is still a subscription event.
    assert!(p.a.events.contains(&Event::Subscribe(bytes(b"back"))));
}

#[test]
fn every_compatible_type_pair_handshakes_and_incompatible_fail() {
    for x in 0..=20 {
        for y in 0..=20 {
            let (tx, ty) = (
                SocketType::from_raw(x).unwrap(),
                SocketType::from_raw(y).unwrap(),
            );
            let mut p = Pair::new(config(tx), config(ty), 4096);
            p.drive();
            if tx.accepts_peer(ty) {
                succeeded(&p.a.events);
                succeeded(&p.b.events);
            } else {
                let want = CloseReason::Protocol(ProtocolError::with_errno(
                    ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
                    Error::Inval,
                ));
                assert_eq!(closed(&p.a.events), Some(want), "{tx:?} {ty:?}");
                // libzmq raises no monitor event for a socket-type mismatch.
                assert!(failures(&p.a.events).is_empty());
            }
        }
    }
}

#[test]
fn heartbeats_between_two_connections() {
    let mut a = config(SocketType::Dealer);
    a.heartbeat_ivl = Duration::from_millis(100);
    a.heartbeat_ttl = 20;
    let mut p = Pair::new(a, config(SocketType::Dealer), 4096);
    p.drive();
    let t0 = p.now;
    assert_eq!(
        p.a.conn.poll_timeout(),
        Some(t0 + Duration::from_millis(100))
    );
    assert_eq!(
        p.b.conn.poll_timeout(),
        None,
        "b has no heartbeats and its handshake timer is off"
    );
    p.advance(Duration::from_millis(100));
    // a sent PING with TTL 2 s and armed the timeout; b answers PONG and arms the TTL.
    assert_eq!(
        take_output(&mut p.a.conn),
        b"\x04\x07\x04PING\x00\x14",
        "PING bytes"
    );
    p.b.wire.extend_from_slice(b"\x04\x07\x04PING\x00\x14");
    p.drive();
    assert_eq!(
        p.b.conn.poll_timeout(),
        Some(p.now + Duration::from_millis(2000))
    );
    // The PONG cancelled a's timeout: next deadline is the next PING.
    assert_eq!(
        p.a.conn.poll_timeout(),
        Some(t0 + Duration::from_millis(200))
    );
    for _ in 0..30 {
        p.advance(Duration::from_millis(100));
        p.drive();
    }
    assert!(closed(&p.a.events).is_none() && closed(&p.b.events).is_none());
}

#[test]
fn silent_peer_times_out_after_heartbeat_timeout() {
    let mut cfg = config(SocketType::Dealer);
    cfg.heartbeat_ivl = Duration::from_millis(100);
    cfg.heartbeat_timeout = Some(Duration::from_millis(300));
    let mut s = scripted_after_greeting(cfg, 1);
    s.feed(&command_frame(&ready_body("DEALER", true)));
    s.events();
    let t0 = s.now;
    s.conn.handle_timeout(t0 + Duration::from_millis(100));
    s.conn.handle_timeout(t0 + Duration::from_millis(399));
    assert!(!s.conn.is_closed());
    s.conn.handle_timeout(t0 + Duration::from_millis(400));
    assert_eq!(s.events(), [Event::Closed(CloseReason::Timeout)]);
    assert_eq!(s.conn.poll_timeout(), None);
}

#[test]
fn ping_ttl_drops_a_silent_peer() {
    let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
    s.feed(&command_frame(&ready_body("DEALER", true)));
    s.events();
    s.feed(b"\x04\x07\x04PING\x00\x05");
    let t0 = s.now;
    assert_eq!(s.conn.poll_timeout(), Some(t0 + Duration::from_millis(500)));
    // Traffic cancels it; a new PING re-arms it.
    s.feed(b"\x00\x00");
    assert_eq!(s.conn.poll_timeout(), None);
    s.feed(b"\x04\x07\x04PING\x00\x05");
    s.conn.handle_timeout(t0 + Duration::from_millis(500));
    assert_eq!(
        s.events(),
        [
            Event::Message(Frame::new("")),
            Event::Closed(CloseReason::Timeout)
        ]
    );
}

#[test]
fn handshake_timeout() {
    let mut s = Scripted::new(config(SocketType::Dealer));
    let t0 = s.now;
    assert_eq!(s.conn.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    s.conn.handle_timeout(t0 + Duration::from_millis(29_999));
    assert!(s.events().is_empty());
    s.conn.handle_timeout(t0 + Duration::from_secs(30));
    assert_eq!(
        s.events(),
        [
            Event::HandshakeFailed(HandshakeFailure::NoDetail(Error::Again)),
            Event::Closed(CloseReason::Timeout)
        ]
    );
    // Zero disables it; the handshake completing cancels it.
    let mut cfg = config(SocketType::Dealer);
    cfg.handshake_ivl = Duration::ZERO;
    assert_eq!(Scripted::new(cfg).conn.poll_timeout(), None);
    let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
    s.feed(&command_frame(&ready_body("DEALER", true)));
    assert_eq!(s.conn.poll_timeout(), None);
}

#[test]
fn disconnect_reports_no_detail_only_while_handshaking() {
    let mut s = Scripted::new(config(SocketType::Dealer));
    s.conn.handle_disconnect(Error::Os(104));
    assert_eq!(
        s.events(),
        [
            Event::HandshakeFailed(HandshakeFailure::NoDetail(Error::Os(104))),
            Event::Closed(CloseReason::Disconnected(Error::Os(104)))
        ]
    );
    let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
    s.feed(&command_frame(&ready_body("DEALER", true)));
    s.events();
    s.conn.handle_disconnect(Error::Os(104));
    assert_eq!(
        s.events(),
        [Event::Closed(CloseReason::Disconnected(Error::Os(104)))]
    );
    assert_eq!(s.conn.send(Frame::new("x")), Err(Error::Again));
}

// ---- old peers ---------------------------------------------------------------------------

#[test]
fn zmtp_2_0_peer() {
    let mut cfg = config(SocketType::Dealer);
    cfg.routing_id = bytes(b"abc");
    let mut s = Scripted::new(cfg);
    s.output();
    s.feed(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F]);
    assert_eq!(s.output(), [3]);
    s.feed(&[1]);
    assert_eq!(s.output(), [5], "our socket type after revision 01");
    assert!(s.conn.send(Frame::new("x")).is_err());
    s.feed(&[6]); // peer is a ROUTER
    assert_eq!(s.output(), b"\x00\x03abc", "identity frame");
    assert!(s.conn.can_send());
    assert_eq!(s.conn.poll_timeout(), None, "handshake timer stops");
    s.conn.send(Frame::with_more("hi", true)).unwrap();
    s.conn.send(Frame::new("there")).unwrap();
    assert_eq!(s.output(), b"\x01\x02hi\x00\x05there");
    s.feed(b"\x00\x02id\x01\x02hi\x00\x05there");
    let ev = s.events();
    let info = succeeded(&ev);
    assert_eq!(info.version, ZmtpVersion::V2_0);
    assert_eq!(info.identity, Some(bytes(b"id")));
    assert_eq!(info.socket_type, Some(SocketType::Router));
    assert_eq!(
        messages(&ev),
        [Frame::with_more("hi", true), Frame::new("there")]
    );
    // No commands or heartbeats toward 2.0; subscriptions are messages.
    s.conn.subscribe(b"A").unwrap();
    s.conn
        .send_command(&super::Command::Join(bytes(b"g")))
        .unwrap();
    assert_eq!(s.output(), b"\x00\x02\x01A");
    s.feed(b"\x04\x05\x04PONG");
    assert!(s.events().is_empty());
}

#[test]
fn zmtp_1_0_peer_with_signature() {
    let mut cfg = config(SocketType::Dealer);
    cfg.routing_id = bytes(b"abc");
    let mut s = Scripted::new(cfg);
    s.output();
    s.feed(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0, 5]);
    assert_eq!(s.output(), b"\x03\x05\x04\x00abc");
    s.feed(b"\x01\x00\x03\x01hi\x06\x00there");
    let ev = s.events();
    assert_eq!(succeeded(&ev).version, ZmtpVersion::V1_0);
    assert_eq!(succeeded(&ev).identity, Some(Bytes::new()));
    assert_eq!(
        messages(&ev),
        [Frame::with_more("hi", true), Frame::new("there")]
    );
}

#[test]
fn unversioned_zmtp_1_0_peer() {
    // protocol.md 8.5: our signature, then the identity body, then 1.0 frames.
    let mut cfg = config(SocketType::Pub);
    cfg.routing_id = bytes(b"abc");
    for split in [1, 2, 13] {
        let mut s = Scripted::new(cfg.clone());
        assert_eq!(s.output(), [0xFF, 0, 0, 0, 0, 0, 0, 0, 4, 0x7F]);
        let peer = b"\x01\x00\x03\x01hi\x06\x00there";
        let mut ev = Vec::new();
        for c in peer.chunks(split) {
            s.feed(c);
            ev.extend(s.events());
        }
        assert_eq!(s.output(), b"abc");
        assert_eq!(succeeded(&ev).version, ZmtpVersion::V1_0);
        // A PUB injects a subscription to everything for old subscribers.
        assert_eq!(ev[1], Event::Subscribe(Bytes::new()));
        assert_eq!(
            messages(&ev),
            [Frame::with_more("hi", true), Frame::new("there")]
        );
        s.conn.send(Frame::with_more("hi", true)).unwrap();
        s.conn.send(Frame::new("there")).unwrap();
        assert_eq!(s.output(), b"\x03\x01hi\x06\x00there");
    }
    // A long identity (FF + length + flags with the low bit clear) is also 1.0.
    let mut s = Scripted::new(config(SocketType::Dealer));
    s.output();
    let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 1, 1, 0x00];
    peer.extend_from_slice(&[b'i'; 256]);
    s.feed(&peer);
    let ev = s.events();
    assert_eq!(succeeded(&ev).identity, Some(Bytes::from(vec![b'i'; 256])));
}

#[test]
fn old_peers_refused_when_zap_is_enabled() {
    for greeting in [
        &b"\x01\x00"[..],
        &[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 5][..],
        &[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0, 5][..],
    ] {
        let mut cfg = config(SocketType::Dealer);
        cfg.zap_domain = bytes(b"global");
        let mut s = Scripted::new(cfg);
        s.feed(greeting);
        assert_eq!(
            s.events(),
            [Event::Closed(CloseReason::Protocol(
                ProtocolError::unspecified()
            ))]
        );
    }
}

#[test]
fn zmtp_1_0_zero_length_frame_is_a_protocol_error() {
    let mut s = Scripted::new(config(SocketType::Dealer));
    s.feed(b"\x01\x00\x00");
    let ev = s.events();
    assert_eq!(
        closed(&ev),
        Some(CloseReason::Protocol(ProtocolError::unspecified()))
    );
}

// ---- malformed input ---------------------------------------------------------------------

fn expect_protocol_failure(s: &mut Scripted, event: Option<i32>, close: ProtocolError) {
    let ev = s.events();
    let want_failures: Vec<HandshakeFailure> =
        event.map(HandshakeFailure::Protocol).into_iter().collect();
    assert_eq!(failures(&ev), want_failures, "{ev:?}");
    assert_eq!(closed(&ev), Some(CloseReason::Protocol(close)), "{ev:?}");
    assert_eq!(
        ev.last(),
        Some(&Event::Closed(CloseReason::Protocol(close)))
    );
    assert!(s.conn.is_closed());
}

#[test]
fn mechanism_mismatch() {
    for mech in ["PLAIN", "CURVE", "null", "NULLX"] {
        let mut s = Scripted::new(config(SocketType::Dealer));
        s.feed(&peer_greeting(1, mech));
        let out = s.output();
        assert_eq!(out.len(), 64, "greeting only, no ERROR, no READY");
        let code = ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
        expect_protocol_failure(&mut s, Some(code), ProtocolError::new(code));
    }
}

#[test]
fn unexpected_and_malformed_handshake_commands() {
    let unexpected = ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND;
    let bad_error = ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;
    let cases: [(&[u8], i32); 6] = [
        (b"\x04\x07\x04PING\x00\x00", unexpected),
        (b"\x04\x0a\x09SUBSCRIBE", unexpected),
        (b"\x00\x02hi", unexpected),
        (b"\x04\x00", unexpected),
        (b"\x04\x06\x05ERROR", bad_error),
        (b"\x04\x09\x05ERROR\x0340", bad_error),
    ];
    for (input, code) in cases {
        let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
        s.feed(input);
        expect_protocol_failure(&mut s, Some(code), ProtocolError::new(code));
    }
}

#[test]
fn bad_ready_metadata() {
    let code = ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA;
    for body in [
        &b"\x05READY\x0bSocket-Type\x00\x00\x00\x09DEALER"[..],
        &b"\x05READY\x0bSocket-Type\xff\xff\xff\xff"[..],
        &b"\x05READY\x0bSocket-Ty"[..],
        &b"\x05READY\x00"[..],
    ] {
        let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
        s.feed(&command_frame(body));
        expect_protocol_failure(&mut s, None, ProtocolError::new(code));
    }
    // Socket type names are case-sensitive; unknown names are incompatible.
    for name in ["dealer", "FOO"] {
        let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
        s.feed(&command_frame(&ready_body(name, false)));
        expect_protocol_failure(&mut s, None, ProtocolError::with_errno(code, Error::Inval));
    }
    // Without a Socket-Type property the peer is accepted.
    let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
    s.feed(&command_frame(b"\x05READY"));
    assert_eq!(succeeded(&s.events()).socket_type, None);
}

#[test]
fn error_command_from_peer() {
    for (reason, auth) in [
        (&b"400"[..], Some(400)),
        (b"500", Some(500)),
        (b"300", Some(300)),
        (b"200", None),
        (b"4000", None),
        (b"", None),
    ] {
        let mut s = scripted_after_greeting(config(SocketType::Dealer), 1);
        let mut body = b"\x05ERROR".to_vec();
        body.push(reason.len() as u8);
        body.extend_from_slice(reason);
        s.feed(&command_frame(&body));
        let ev = s.events();
        assert_eq!(
            failures(&ev),
            auth.map(HandshakeFailure::Auth)
                .into_iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(
            closed(&ev),
            Some(CloseReason::Protocol(ProtocolError::unspecified()))
        );
    }
}

#[test]
fn oversized_frames_fail_before_the_body_arrives() {
    for (when_ready, header) in [
        (true, &b"\x00\x0b"[..]),
        (true, &b"\x02\x00\x00\x00\x00\x00\x00\x00\x0b"[..]),
        (true, &b"\x04\x0b"[..]),
        (false, &b"\x04\x0b"[..]),
    ] {
        let mut cfg = config(SocketType::Dealer);
        cfg.max_msg_size = 10;
        let mut s = scripted_after_greeting(cfg, 1);
        if when_ready {
            s.feed(&command_frame(b"\x05READY"));
            s.events();
            s.feed(b"\x00\x0a0123456789");
            assert_eq!(messages(&s.events()), [Frame::new("0123456789")]);
        }
        s.feed(header);
        expect_protocol_failure(
            &mut s,
            None,
            ProtocolError::with_errno(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED, Error::MsgSize),
        );
    }
}

#[test]
fn commands_after_failure_are_not_processed() {
    let mut s = Scripted::new(config(SocketType::Dealer));
    s.feed(&peer_greeting(1, "PLAIN"));
    s.events();
    let before = s.inbox.len();
    s.feed(&command_frame(b"\x05READY"));
    assert!(s.events().is_empty());
    assert_eq!(s.inbox.len(), before + 8);
}

#[test]
fn random_input_never_panics() {
    // A small deterministic generator; each run mixes valid prefixes with noise.
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let prefixes: [Vec<u8>; 4] = [
        Vec::new(),
        peer_greeting(1, "NULL"),
        [peer_greeting(1, "NULL"), command_frame(b"\x05READY")].concat(),
        vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 5],
    ];
    for i in 0..4000 {
        let mut cfg = config(SocketType::from_raw((i % 11) as i32).unwrap());
        cfg.max_msg_size = if i % 2 == 0 { -1 } else { 300 };
        let mut s = Scripted::new(cfg);
        let mut input = prefixes[i % 4].clone();
        let n = (next() % 200) as usize;
        input.extend((0..n).map(|_| next() as u8));
        for chunk in input.chunks(1 + (next() % 17) as usize) {
            s.feed(chunk);
            let _ = s.conn.send(Frame::new("x"));
            s.output();
            s.events();
        }
        // Either the input broke the protocol, or the handshake timer ends it, or the
        // noise happened to be a valid handshake followed by valid frames.
        s.conn.handle_timeout(s.now + Duration::from_secs(60));
        assert!(s.conn.is_closed() || s.conn.can_send());
    }
}

// ---- ZAP ---------------------------------------------------------------------------------

fn zap_config() -> Config {
    let mut cfg = config(SocketType::Router);
    cfg.zap_domain = bytes(b"dom");
    cfg.peer_address = bytes(b"127.0.0.1");
    cfg.routing_id = bytes(b"srv");
    cfg
}

fn zap_reply(status: &'static [u8], user: &'static [u8]) -> Vec<Bytes> {
    [&b""[..], b"1.0", b"1", status, b"text", user, b""]
        .iter()
        .map(|f| Bytes::from_static(f))
        .collect()
}

#[test]
fn zap_request_then_200() {
    let mut s = scripted_after_greeting(zap_config(), 1);
    let out = s.output();
    assert_eq!(out.len(), 64, "READY is held back for ZAP");
    let ev = s.events();
    let Event::ZapRequest(req) = &ev[0] else {
        panic!("{ev:?}")
    };
    let want: Vec<Bytes> = [
        &b""[..],
        b"1.0",
        b"1",
        b"dom",
        b"127.0.0.1",
        b"srv",
        b"NULL",
    ]
    .iter()
    .map(|f| Bytes::from_static(f))
    .collect();
    assert_eq!(req.frames, want);
    // The peer's READY may arrive first.
    s.feed(&command_frame(&ready_body("DEALER", true)));
    assert!(s.events().is_empty());
    s.conn.handle_zap_reply(&zap_reply(b"200", b"alice"), s.now);
    assert!(s.output().starts_with(b"\x04"));
    let ev = s.events();
    assert_eq!(succeeded(&ev).user_id, Some(bytes(b"alice")));
}

#[test]
fn zap_denials() {
    // 400/500: ERROR with the code, auth event; the peer's READY then ends it.
    for (status, code) in [(&b"400"[..], 400u16), (b"500", 500)] {
        let mut s = scripted_after_greeting(zap_config(), 1);
        s.output();
        s.events();
        s.conn.handle_zap_reply(&zap_reply(status, b""), s.now);
        let mut want = b"\x04\x0a\x05ERROR\x03".to_vec();
        want.extend_from_slice(status);
        assert_eq!(s.output(), want);
        assert_eq!(
            s.events(),
            [Event::HandshakeFailed(HandshakeFailure::Auth(code))]
        );
        s.feed(&command_frame(&ready_body("DEALER", true)));
        assert_eq!(
            s.events(),
            [Event::Closed(CloseReason::Protocol(
                ProtocolError::unspecified()
            ))]
        );
    }
    // 300: nothing is sent; the peer's READY (already received) ends it at once.
    let mut s = scripted_after_greeting(zap_config(), 1);
    s.output();
    s.events();
    s.feed(&command_frame(&ready_body("DEALER", true)));
    s.conn.handle_zap_reply(&zap_reply(b"300", b""), s.now);
    assert!(s.output().is_empty());
    assert_eq!(
        s.events(),
        [
            Event::HandshakeFailed(HandshakeFailure::Auth(300)),
            Event::Closed(CloseReason::Protocol(ProtocolError::unspecified()))
        ]
    );
}

#[test]
fn zap_malformed_replies_and_second_ready() {
    let mut s = scripted_after_greeting(zap_config(), 1);
    s.events();
    let mut bad = zap_reply(b"200", b"");
    bad[1] = bytes(b"2.0");
    s.conn.handle_zap_reply(&bad, s.now);
    let code = ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION;
    expect_protocol_failure(&mut s, Some(code), ProtocolError::new(code));
    // ZAP metadata naming an incompatible socket type.
    let mut s = scripted_after_greeting(zap_config(), 1);
    s.events();
    let mut bad = zap_reply(b"200", b"");
    bad[6] = bytes(b"\x0bSocket-Type\x00\x00\x00\x03SUB");
    s.conn.handle_zap_reply(&bad, s.now);
    let code = ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA;
    expect_protocol_failure(&mut s, Some(code), ProtocolError::new(code));
    // Two READYs while ZAP is pending: the second is unexpected.
    let mut s = scripted_after_greeting(zap_config(), 1);
    s.events();
    s.feed(&command_frame(&ready_body("DEALER", true)));
    s.feed(&command_frame(&ready_body("DEALER", true)));
    let code = ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND;
    expect_protocol_failure(&mut s, Some(code), ProtocolError::new(code));
}

#[test]
fn zap_handler_missing() {
    let mut s = scripted_after_greeting(zap_config(), 1);
    s.output();
    s.events();
    s.conn.handle_zap_unavailable(s.now);
    assert!(s.output().starts_with(b"\x04"), "READY without ZAP");
    let mut cfg = zap_config();
    cfg.zap_enforce_domain = true;
    let mut s = scripted_after_greeting(cfg, 1);
    s.events();
    s.conn.handle_zap_unavailable(s.now);
    assert_eq!(
        s.events(),
        [
            Event::HandshakeFailed(HandshakeFailure::NoDetail(Error::Fault)),
            Event::Closed(CloseReason::Protocol(ProtocolError::with_errno(
                ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
                Error::Fault
            )))
        ]
    );
}

#[test]
fn zap_denial_between_two_connections() {
    let mut p = Pair::new(config(SocketType::Dealer), zap_config(), 3);
    p.drive();
    let req =
        p.b.events
            .iter()
            .find(|e| matches!(e, Event::ZapRequest(_)))
            .cloned();
    assert!(req.is_some());
    p.b.conn.handle_zap_reply(&zap_reply(b"400", b""), p.now);
    p.drive();
    assert_eq!(failures(&p.a.events), [HandshakeFailure::Auth(400)]);
    assert!(closed(&p.a.events).is_some());
    assert!(closed(&p.b.events).is_some());
}

#[test]
fn send_before_handshake_is_refused() {
    let mut s = Scripted::new(config(SocketType::Dealer));
    assert_eq!(s.conn.send(Frame::new("x")), Err(Error::Again));
    assert_eq!(s.conn.subscribe(b"x"), Err(Error::Again));
    let _ = Connection::new(config(SocketType::Pair), s.now);
}
