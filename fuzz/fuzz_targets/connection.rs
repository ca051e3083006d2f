//! Feeds arbitrary bytes, split arbitrarily, to a `zmtp::Connection` configured from the
//! first bytes of the input, answering ZAP requests and firing timers along the way. Any
//! panic, or unbounded growth, is a bug: every malformed input must end in a clean
//! `Event::Closed`.

#![no_main]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use zmq::socket::kind::SocketType;
use zmq::zmtp::{Config, Connection, Event, Frame};

fuzz_target!(|data: &[u8]| {
    let [kind, flags, split, input @ ..] = data else {
        return;
    };
    let Some(socket_type) = SocketType::from_raw(i32::from(kind % 21)) else {
        return;
    };
    let mut config = Config::new(socket_type);
    config.max_msg_size = if flags & 1 == 0 {
        -1
    } else {
        i64::from(*flags) * 4
    };
    if flags & 2 != 0 {
        config.zap_domain = Bytes::from_static(b"fuzz");
    }
    if flags & 4 != 0 {
        config.heartbeat_ivl = Duration::from_millis(1);
        config.heartbeat_ttl = 1;
    }
    config.routing_id = Bytes::from_static(b"fuzz");
    let start = Instant::now();
    let mut conn = Connection::new(config, start);
    let mut inbox = BytesMut::new();
    let mut out = Vec::new();
    let status: &'static [u8] = match flags >> 6 {
        0 => b"200",
        1 => b"300",
        2 => b"400",
        _ => b"500",
    };
    let reply: Vec<Bytes> = [&b""[..], b"1.0", b"1", status, b"", b"user", b""]
        .iter()
        .map(|f| Bytes::from_static(f))
        .collect();
    for (i, chunk) in input.chunks(usize::from(*split).max(1)).enumerate() {
        let now = start + Duration::from_millis(i as u64);
        inbox.extend_from_slice(chunk);
        conn.handle_bytes(&mut inbox, now);
        conn.handle_timeout(now);
        while let Some(event) = conn.poll_event() {
            if let Event::ZapRequest(_) = event {
                conn.handle_zap_reply(&reply, now);
            }
        }
        let _ = conn.send(Frame::with_more("x", i % 2 == 0));
        let _ = conn.subscribe(b"t");
        out.clear();
        conn.poll_transmit(&mut out);
    }
});
