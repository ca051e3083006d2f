//! `ws://`: ZMTP over WebSocket as libzmq 4.3 speaks it (ZWS 2.0, RFC 45, over RFC 6455).
//!
//! Endpoint syntax, and a sans-IO codec that sits between the TCP stream and the ZMTP
//! [`Connection`](crate::zmtp::Connection):
//!
//! - The opening handshake is HTTP/1.1 `Upgrade: websocket`. The client offers the
//!   subprotocol of its mechanism (`ZWS2.0/NULL,ZWS2.0`, `ZWS2.0/PLAIN`, `ZWS2.0/CURVE`); the
//!   server answers with the one it takes. Only the mechanism forms are supported: the bare
//!   `ZWS2.0` (no mechanism, ZMTP/2-style identity) is never chosen.
//! - Each ZMTP frame is one binary WebSocket message whose payload is a flags byte (`0x01`
//!   MORE, `0x02` COMMAND) followed by the frame body. There is no greeting: the mechanism
//!   handshake starts at once. Client frames are masked, server frames are not, and each
//!   side drops a peer that gets this wrong, as libzmq does.
//!
//! The codec reuses the ZMTP connection unchanged: once the WebSocket handshake is done it
//! hands the connection the 64-byte greeting of a ZMTP 3.0 peer with the negotiated
//! mechanism (3.0, so that subscriptions travel as `0x01`/`0x00` messages, which is how
//! ZWS carries them), drops the connection's own greeting from the output, and translates
//! frames both ways: WebSocket payloads become ZMTP 3.0 frames for the connection, and the
//! connection's frames become WebSocket messages. Bodies stream through in both
//! directions, so a large frame is never held twice and `ZMQ_MAXMSGSIZE` is checked on the
//! header, before the body arrives.

#![forbid(unsafe_code)]

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::socket::options::Mechanism;
use crate::transport::tcp_address;

/// The GUID of RFC 6455 section 1.3, appended to the client's key for the accept hash.
const ACCEPT_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The largest HTTP request or response head accepted before the blank line.
const MAX_HEAD: usize = 8192;

/// The size of the ZMTP 3.x greeting the connection sends and expects.
const GREETING: usize = 64;

/// ZMTP 3.x frame flags.
const ZMTP_MORE: u8 = 0x01;
const ZMTP_LONG: u8 = 0x02;
const ZMTP_COMMAND: u8 = 0x04;

/// ZWS payload flags.
const ZWS_MORE: u8 = 0x01;
const ZWS_COMMAND: u8 = 0x02;

/// WebSocket opcodes.
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// Bodies up to this size are copied into the output buffer with their header; larger ones
/// go out as slices of the connection's own buffers (unmasked, server side) or one masked
/// copy (client side).
const COPY_MAX: usize = 1024;

// ---- endpoints ----

/// A `ws://` bind address: the TCP part, as for `tcp://` binds, and the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsBind {
    /// The TCP address to listen on.
    pub addr: tcp_address::BindAddr,
    /// The path, `/` by default.
    pub path: String,
}

/// Parses the address of a `ws://` bind (libzmq's `ws_address_t`): the path starts at
/// the last `/` (default `/`), and what comes before it must be a valid tcp bind address,
/// so `127.0.0.1:*/a/b` is `EINVAL` in both libraries.
pub fn parse_bind(address: &str) -> Result<WsBind> {
    if !address.contains(':') {
        return Err(Error::Inval);
    }
    let (hostport, path) = match address.rfind('/') {
        Some(i) => (&address[..i], &address[i..]),
        None => (address, "/"),
    };
    Ok(WsBind {
        addr: tcp_address::parse_bind(hostport)?,
        path: path.to_owned(),
    })
}

/// The endpoint name of a bound `ws://` socket (`ZMQ_LAST_ENDPOINT`): the resolved TCP
/// address and the path, `ws://127.0.0.1:5555/`.
pub fn endpoint_string(local: &std::net::SocketAddr, path: &str) -> String {
    let tcp = tcp_address::endpoint_string(local);
    format!("ws://{}{}", &tcp["tcp://".len()..], path)
}

/// A `ws://` connect target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsTarget {
    /// `host:port`, to resolve and connect to as over tcp.
    pub hostport: String,
    /// The host as written, for the `Host` header (libzmq sends it without the port).
    pub host: String,
    /// The request path.
    pub path: String,
}

/// Parses the address of a `ws://` connect: `host:port[/path]`. An empty host, a wildcard
/// or missing port and a source address (`a;b`) are `EINVAL`, as in libzmq.
pub fn parse_connect(address: &str) -> Result<WsTarget> {
    let colon = address.rfind(':').ok_or(Error::Inval)?;
    let host = &address[..colon];
    let rest = &address[colon + 1..];
    let (port, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || address.contains(';') {
        return Err(Error::Inval);
    }
    match port.parse::<u16>() {
        Ok(p) if p != 0 => {}
        _ => return Err(Error::Inval),
    }
    let hostport = format!("{host}:{port}");
    tcp_address::check_connect_syntax(&hostport)?;
    Ok(WsTarget {
        hostport,
        host: host.to_owned(),
        path: path.to_owned(),
    })
}

// ---- SHA-1 and base64, for Sec-WebSocket-Accept ----

/// SHA-1 (FIPS 180-4) of `data`: only the WebSocket accept key needs it.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, x) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`.
pub fn accept_key(key: &str) -> String {
    let mut input = key.as_bytes().to_vec();
    input.extend_from_slice(ACCEPT_GUID);
    base64(&sha1(&input))
}

// ---- the codec ----

/// Which end of the WebSocket this is.
#[derive(Debug, Clone)]
pub enum Role {
    /// The connecting side: sends the request, masks its frames.
    Client {
        /// For the `Host` header.
        host: String,
        /// The request path.
        path: String,
    },
    /// The accepting side: answers the request, expects masked frames.
    Server,
}

/// Why a WebSocket connection is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsError {
    /// A malformed or refused opening handshake.
    Handshake,
    /// A frame ZWS does not allow: fragmented, text, reserved bits or opcodes, wrong
    /// masking, an empty binary payload, an oversized control frame.
    Frame,
    /// The peer sent a close frame (it was answered).
    Closed,
}

#[derive(Debug)]
enum InState {
    /// Collecting the HTTP head.
    Head,
    /// Between frames.
    FrameStart,
    /// A binary frame's flags byte is next (its mask and payload length are known).
    Flags { len: u64 },
    /// Streaming `left` body bytes to the connection.
    Body { left: u64 },
    /// Collecting a control frame's payload (at most 125 bytes).
    Control { opcode: u8, len: usize },
    /// The connection is over.
    Done,
}

/// The WebSocket layer of one `ws://` connection.
#[derive(Debug)]
pub struct WsCodec {
    role: Role,
    /// The subprotocol of our mechanism: what the server accepts and the client expects.
    protocol: &'static str,
    /// What a client offers (libzmq's list for NULL also names the bare `ZWS2.0`).
    offer: &'static str,
    /// The 64-byte ZMTP 3.0 greeting handed to the connection once the handshake is done.
    peer_greeting: [u8; GREETING],
    /// The accept value a client expects back.
    expected_accept: String,
    state: InState,
    /// The current frame's mask, and the position in it of the next payload byte.
    mask: Option<[u8; 4]>,
    mask_pos: usize,
    /// Bytes of our connection's greeting still to drop from its output.
    skip_out: usize,
    /// A ZMTP frame header of ours split across output chunks.
    out_head: Vec<u8>,
    /// Body bytes of the current outgoing frame still to pass through.
    out_left: usize,
    /// The current outgoing frame's mask and position in it (client side).
    out_mask: [u8; 4],
    out_mask_pos: usize,
    /// Small output gathered before it is handed over as one chunk.
    out_buf: BytesMut,
    /// The body of an outgoing command being collected: PING and PONG become WebSocket
    /// ping and pong frames, the others binary messages.
    out_cmd: Option<Vec<u8>>,
    /// Mask generator state (xorshift; masks need not be secret, only varied).
    rng: u64,
}

impl WsCodec {
    /// A codec for `role`, with the mechanism and `ZMQ_*_SERVER` role of the socket's
    /// options. A client's request is ready in [`WsCodec::request`].
    pub fn new(role: Role, mechanism: Mechanism, as_server: bool) -> WsCodec {
        let (protocol, offer, name): (&str, &str, &[u8]) = match mechanism {
            Mechanism::Null => ("ZWS2.0/NULL", "ZWS2.0/NULL,ZWS2.0", b"NULL"),
            Mechanism::Plain => ("ZWS2.0/PLAIN", "ZWS2.0/PLAIN", b"PLAIN"),
            Mechanism::Curve => ("ZWS2.0/CURVE", "ZWS2.0/CURVE", b"CURVE"),
        };
        let mut peer_greeting = [0u8; GREETING];
        peer_greeting[0] = 0xFF;
        peer_greeting[8] = 1;
        peer_greeting[9] = 0x7F;
        peer_greeting[10] = 3;
        peer_greeting[11] = 0;
        peer_greeting[12..12 + name.len()].copy_from_slice(name);
        peer_greeting[32] = u8::from(!as_server);
        let mut seed = [0u8; 8];
        {
            use crypto_box::aead::OsRng;
            use crypto_box::aead::rand_core::RngCore;
            OsRng.fill_bytes(&mut seed);
        }
        WsCodec {
            role,
            protocol,
            offer,
            peer_greeting,
            expected_accept: String::new(),
            state: InState::Head,
            mask: None,
            mask_pos: 0,
            skip_out: GREETING,
            out_head: Vec::new(),
            out_left: 0,
            out_mask: [0; 4],
            out_mask_pos: 0,
            out_buf: BytesMut::new(),
            out_cmd: None,
            rng: u64::from_le_bytes(seed) | 1,
        }
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// The client's opening request (empty for a server), to send first.
    pub fn request(&mut self) -> Option<Bytes> {
        let Role::Client { host, path } = &self.role else {
            return None;
        };
        let mut nonce = [0u8; 16];
        {
            use crypto_box::aead::OsRng;
            use crypto_box::aead::rand_core::RngCore;
            OsRng.fill_bytes(&mut nonce);
        }
        let key = base64(&nonce);
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: {}\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n",
            self.offer
        );
        self.expected_accept = accept_key(&key);
        Some(Bytes::from(request.into_bytes()))
    }

    /// Whether the opening handshake is over.
    pub fn is_open(&self) -> bool {
        !matches!(self.state, InState::Head)
    }

    /// Consumes stream bytes from `raw`: the handshake, then frames. ZMTP bytes for the
    /// connection are appended to `zmtp` (the peer's greeting first, when the handshake
    /// completes); bytes to send (the handshake answer, pongs, the answer to a close) to
    /// `wire`. An error ends the connection.
    pub fn decode(
        &mut self,
        raw: &mut BytesMut,
        zmtp: &mut BytesMut,
        wire: &mut Vec<Bytes>,
    ) -> std::result::Result<(), WsError> {
        loop {
            match self.state {
                InState::Done => {
                    raw.clear();
                    return Err(WsError::Closed);
                }
                InState::Head => {
                    // Refused at the first byte that cannot start the expected line, as
                    // libzmq does (a ZMTP peer's greeting is dropped at once).
                    let start: &[u8] = match self.role {
                        Role::Server => b"GET ",
                        Role::Client { .. } => b"HTTP/1.1 ",
                    };
                    let n = raw.len().min(start.len());
                    if raw[..n] != start[..n] {
                        return Err(WsError::Handshake);
                    }
                    let Some(end) = find_head_end(raw) else {
                        if raw.len() > MAX_HEAD {
                            return Err(WsError::Handshake);
                        }
                        return Ok(());
                    };
                    let head = raw.split_to(end);
                    let head = std::str::from_utf8(&head).map_err(|_| WsError::Handshake)?;
                    match self.role {
                        Role::Server => {
                            let answer = self.answer_request(head)?;
                            wire.push(answer);
                        }
                        Role::Client { .. } => self.check_response(head)?,
                    }
                    zmtp.extend_from_slice(&self.peer_greeting);
                    self.state = InState::FrameStart;
                }
                InState::FrameStart => {
                    if !self.frame_header(raw)? {
                        return Ok(());
                    }
                }
                InState::Flags { len } => {
                    if raw.is_empty() {
                        return Ok(());
                    }
                    let flags = self.unmask_byte(raw.get_u8());
                    let body = len - 1;
                    if flags & ZWS_COMMAND != 0 && body == 0 {
                        // libzmq encodes its own ping/pong/close messages this way: nothing
                        // for the connection.
                        self.state = InState::FrameStart;
                        continue;
                    }
                    let mut f = 0;
                    if flags & ZWS_MORE != 0 {
                        f |= ZMTP_MORE;
                    }
                    if flags & ZWS_COMMAND != 0 {
                        f |= ZMTP_COMMAND;
                    }
                    if body > 255 {
                        zmtp.put_u8(f | ZMTP_LONG);
                        zmtp.put_u64(body);
                    } else {
                        zmtp.put_u8(f);
                        zmtp.put_u8(body as u8);
                    }
                    self.state = if body == 0 {
                        InState::FrameStart
                    } else {
                        InState::Body { left: body }
                    };
                }
                InState::Body { left } => {
                    if raw.is_empty() {
                        return Ok(());
                    }
                    let n = (left.min(raw.len() as u64)) as usize;
                    let start = zmtp.len();
                    zmtp.extend_from_slice(&raw[..n]);
                    raw.advance(n);
                    if let Some(mask) = self.mask {
                        for b in &mut zmtp[start..] {
                            *b ^= mask[self.mask_pos & 3];
                            self.mask_pos += 1;
                        }
                    }
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        InState::FrameStart
                    } else {
                        InState::Body { left }
                    };
                    if left != 0 {
                        return Ok(());
                    }
                }
                InState::Control { opcode, len } => {
                    if raw.len() < len {
                        return Ok(());
                    }
                    let mut payload = raw.split_to(len).to_vec();
                    for b in &mut payload {
                        *b = self.unmask_byte(*b);
                    }
                    self.state = InState::FrameStart;
                    match opcode {
                        OP_PING => {
                            let frame = self.control_frame(OP_PONG, &payload);
                            wire.push(frame);
                        }
                        OP_CLOSE => {
                            // Echo the status code, as RFC 6455 asks, then end.
                            let code = payload.get(..2).unwrap_or(&[]).to_vec();
                            let frame = self.control_frame(OP_CLOSE, &code);
                            wire.push(frame);
                            self.state = InState::Done;
                        }
                        // A pong answers our heartbeat: the connection gets a PONG command.
                        _ => zmtp.extend_from_slice(b"\x04\x05\x04PONG"),
                    }
                }
            }
        }
    }

    fn unmask_byte(&mut self, b: u8) -> u8 {
        match self.mask {
            Some(mask) => {
                let out = b ^ mask[self.mask_pos & 3];
                self.mask_pos += 1;
                out
            }
            None => b,
        }
    }

    /// Parses a frame header from `raw` if it is all there; `false` if more is needed.
    fn frame_header(&mut self, raw: &mut BytesMut) -> std::result::Result<bool, WsError> {
        if raw.len() < 2 {
            return Ok(false);
        }
        let (b0, b1) = (raw[0], raw[1]);
        // Unfragmented only, no extensions (libzmq refuses the same).
        if b0 & 0x80 == 0 || b0 & 0x70 != 0 {
            return Err(WsError::Frame);
        }
        let opcode = b0 & 0x0F;
        let masked = b1 & 0x80 != 0;
        if masked != matches!(self.role, Role::Server) {
            return Err(WsError::Frame);
        }
        let len7 = b1 & 0x7F;
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let head = 2 + ext + if masked { 4 } else { 0 };
        if raw.len() < head {
            return Ok(false);
        }
        let len = match ext {
            2 => u64::from(u16::from_be_bytes([raw[2], raw[3]])),
            8 => u64::from_be_bytes(raw[2..10].try_into().map_err(|_| WsError::Frame)?),
            _ => u64::from(len7),
        };
        self.mask = masked.then(|| {
            let m = &raw[2 + ext..head];
            [m[0], m[1], m[2], m[3]]
        });
        self.mask_pos = 0;
        raw.advance(head);
        self.state = match opcode {
            OP_BINARY if len == 0 => return Err(WsError::Frame),
            OP_BINARY => InState::Flags { len },
            OP_CLOSE | OP_PING | OP_PONG if len <= 125 => InState::Control {
                opcode,
                len: len as usize,
            },
            _ => return Err(WsError::Frame),
        };
        Ok(true)
    }

    /// A control frame of ours (masked on the client side).
    fn control_frame(&mut self, opcode: u8, payload: &[u8]) -> Bytes {
        let mut out = BytesMut::with_capacity(6 + payload.len());
        out.put_u8(0x80 | opcode);
        if let Role::Client { .. } = self.role {
            out.put_u8(0x80 | payload.len() as u8);
            let mask = (self.next_random() as u32).to_be_bytes();
            out.put_slice(&mask);
            for (i, b) in payload.iter().enumerate() {
                out.put_u8(b ^ mask[i & 3]);
            }
        } else {
            out.put_u8(payload.len() as u8);
            out.put_slice(payload);
        }
        out.freeze()
    }

    /// Checks a client's request (server side) and makes the answer.
    fn answer_request(&self, head: &str) -> std::result::Result<Bytes, WsError> {
        let mut lines = head.split("\r\n");
        let request = lines.next().unwrap_or("");
        let mut parts = request.split(' ').filter(|p| !p.is_empty());
        if parts.next() != Some("GET") || parts.next().is_none() || parts.next() != Some("HTTP/1.1")
        {
            return Err(WsError::Handshake);
        }
        let (mut upgrade, mut connection, mut key, mut chosen) = (false, false, None, None);
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':').ok_or(WsError::Handshake)?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("upgrade") {
                upgrade = value.eq_ignore_ascii_case("websocket");
            } else if name.eq_ignore_ascii_case("connection") {
                connection |= value
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
            } else if name.eq_ignore_ascii_case("sec-websocket-key") {
                key = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("sec-websocket-protocol") && chosen.is_none() {
                chosen = value
                    .split(',')
                    .map(str::trim)
                    .find(|p| *p == self.protocol)
                    .map(str::to_owned);
            }
        }
        let (Some(key), Some(protocol)) = (key.filter(|k| !k.is_empty()), chosen) else {
            return Err(WsError::Handshake);
        };
        if !upgrade || !connection {
            return Err(WsError::Handshake);
        }
        let answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n",
            accept_key(&key)
        );
        Ok(Bytes::from(answer.into_bytes()))
    }

    /// Checks the server's answer (client side).
    fn check_response(&self, head: &str) -> std::result::Result<(), WsError> {
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or("");
        let mut parts = status.split(' ').filter(|p| !p.is_empty());
        if parts.next() != Some("HTTP/1.1") || parts.next() != Some("101") {
            return Err(WsError::Handshake);
        }
        let (mut upgrade, mut connection, mut accept, mut protocol) = (false, false, false, false);
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':').ok_or(WsError::Handshake)?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("upgrade") {
                upgrade = value.eq_ignore_ascii_case("websocket");
            } else if name.eq_ignore_ascii_case("connection") {
                connection = value
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
            } else if name.eq_ignore_ascii_case("sec-websocket-accept") {
                accept = value == self.expected_accept;
            } else if name.eq_ignore_ascii_case("sec-websocket-protocol") {
                protocol = value == self.protocol;
            }
        }
        if upgrade && connection && accept && protocol {
            Ok(())
        } else {
            Err(WsError::Handshake)
        }
    }

    /// Turns the connection's output (ZMTP bytes, greeting first) into WebSocket frames,
    /// appended to `wire`. Call only once [`WsCodec::is_open`]; before that the connection
    /// has queued nothing but the start of its greeting, which is dropped anyway.
    pub fn encode(&mut self, zmtp: Vec<Bytes>, wire: &mut Vec<Bytes>) {
        for mut chunk in zmtp {
            if self.skip_out > 0 {
                let n = self.skip_out.min(chunk.len());
                chunk.advance(n);
                self.skip_out -= n;
            }
            while !chunk.is_empty() {
                if self.out_left > 0 {
                    let n = self.out_left.min(chunk.len());
                    let body = chunk.split_to(n);
                    self.out_left -= n;
                    match self.out_cmd.as_mut() {
                        Some(cmd) => {
                            cmd.extend_from_slice(&body);
                            if self.out_left == 0 {
                                self.finish_command(wire);
                            }
                        }
                        None => self.put_body(body, wire),
                    }
                    continue;
                }
                // A frame header: flags, then a 1- or 8-byte length.
                self.out_head.push(chunk.get_u8());
                let need = if self.out_head[0] & ZMTP_LONG != 0 {
                    9
                } else {
                    2
                };
                while self.out_head.len() < need && !chunk.is_empty() {
                    self.out_head.push(chunk.get_u8());
                }
                if self.out_head.len() == need {
                    self.start_frame(wire);
                }
            }
        }
        if !self.out_buf.is_empty() {
            wire.push(self.out_buf.split().freeze());
        }
    }

    /// Writes the WebSocket header and ZWS flags for the ZMTP frame header in `out_head`;
    /// a short command is collected first (see [`WsCodec::finish_command`]).
    fn start_frame(&mut self, wire: &mut Vec<Bytes>) {
        let flags = self.out_head[0];
        let body = if flags & ZMTP_LONG != 0 {
            u64::from_be_bytes(self.out_head[1..9].try_into().unwrap_or([0; 8])) as usize
        } else {
            usize::from(self.out_head[1])
        };
        self.out_head.clear();
        if flags & ZMTP_COMMAND != 0 && flags & ZMTP_LONG == 0 {
            self.out_cmd = Some(Vec::with_capacity(body));
            self.out_left = body;
            if body == 0 {
                self.finish_command(wire);
            }
            return;
        }
        self.message_header(flags, body);
    }

    /// Sends a collected command. Heartbeats are WebSocket pings and pongs, as libzmq
    /// sends them over ws (empty; a ZMTP PING's TTL and context have no place there):
    /// libzmq answers those, not PING commands.
    fn finish_command(&mut self, wire: &mut Vec<Bytes>) {
        let Some(body) = self.out_cmd.take() else {
            return;
        };
        if body.starts_with(b"\x04PING") || body.starts_with(b"\x04PONG") {
            let opcode = if body[1..5] == *b"PING" {
                OP_PING
            } else {
                OP_PONG
            };
            let frame = self.control_frame(opcode, &[]);
            self.out_buf.put_slice(&frame);
            return;
        }
        self.message_header(ZMTP_COMMAND, body.len());
        self.out_left = 0;
        self.put_body(Bytes::from(body), wire);
    }

    /// The WebSocket header and ZWS flags byte of a message of `body` bytes.
    fn message_header(&mut self, flags: u8, body: usize) {
        let payload = body as u64 + 1;
        let client = matches!(self.role, Role::Client { .. });
        let mask_bit = if client { 0x80 } else { 0 };
        let out = &mut self.out_buf;
        out.put_u8(0x80 | OP_BINARY);
        if payload <= 125 {
            out.put_u8(mask_bit | payload as u8);
        } else if payload <= 0xFFFF {
            out.put_u8(mask_bit | 126);
            out.put_u16(payload as u16);
        } else {
            out.put_u8(mask_bit | 127);
            out.put_u64(payload);
        }
        let mut zws = 0;
        if flags & ZMTP_MORE != 0 {
            zws |= ZWS_MORE;
        }
        if flags & ZMTP_COMMAND != 0 {
            zws |= ZWS_COMMAND;
        }
        if client {
            let mask = (self.next_random() as u32).to_be_bytes();
            self.out_buf.put_slice(&mask);
            self.out_buf.put_u8(zws ^ mask[0]);
            self.out_mask = mask;
            self.out_mask_pos = 1;
        } else {
            self.out_buf.put_u8(zws);
        }
        self.out_left = body;
    }

    /// Passes body bytes of the current frame through: masked on the client side, copied
    /// when small, else handed over as they are.
    fn put_body(&mut self, body: Bytes, wire: &mut Vec<Bytes>) {
        if matches!(self.role, Role::Client { .. }) {
            let mask = self.out_mask;
            let mut pos = self.out_mask_pos;
            let masked: Vec<u8> = body
                .iter()
                .map(|b| {
                    let m = b ^ mask[pos & 3];
                    pos += 1;
                    m
                })
                .collect();
            self.out_mask_pos = pos;
            if masked.len() <= COPY_MAX {
                self.out_buf.put_slice(&masked);
            } else {
                if !self.out_buf.is_empty() {
                    wire.push(self.out_buf.split().freeze());
                }
                wire.push(Bytes::from(masked));
            }
        } else if body.len() <= COPY_MAX {
            self.out_buf.put_slice(&body);
        } else {
            if !self.out_buf.is_empty() {
                wire.push(self.out_buf.split().freeze());
            }
            wire.push(body);
        }
    }
}

/// The length of an HTTP head up to and including the blank line, if it is all there.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_and_base64_vectors() {
        let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // RFC 6455 section 1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn endpoints_parse_as_libzmq() {
        let b = parse_bind("127.0.0.1:*").unwrap();
        assert_eq!(
            (b.addr.host.as_str(), b.addr.port, b.path.as_str()),
            ("127.0.0.1", 0, "/")
        );
        let b = parse_bind("127.0.0.1:5555/x").unwrap();
        assert_eq!((b.addr.port, b.path.as_str()), (5555, "/x"));
        assert_eq!(parse_bind("127.0.0.1:*/a/b"), Err(Error::Inval));
        assert_eq!(parse_bind("127.0.0.1"), Err(Error::Inval));
        let addr: std::net::SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(endpoint_string(&addr, "/x"), "ws://127.0.0.1:80/x");
        let addr: std::net::SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(endpoint_string(&addr, "/"), "ws://[::1]:80/");

        let t = parse_connect("localhost:5555/a/b").unwrap();
        assert_eq!(
            (t.hostport.as_str(), t.host.as_str(), t.path.as_str()),
            ("localhost:5555", "localhost", "/a/b")
        );
        assert_eq!(parse_connect("127.0.0.1:5").unwrap().path, "/");
        for bad in [
            "127.0.0.1",
            ":5",
            "127.0.0.1:*",
            "127.0.0.1:0",
            "127.0.0.1:5;127.0.0.1:6",
        ] {
            assert_eq!(parse_connect(bad), Err(Error::Inval), "{bad}");
        }
    }

    fn client() -> WsCodec {
        WsCodec::new(
            Role::Client {
                host: "127.0.0.1".into(),
                path: "/p".into(),
            },
            Mechanism::Null,
            false,
        )
    }

    fn server() -> WsCodec {
        WsCodec::new(Role::Server, Mechanism::Null, false)
    }

    fn concat(chunks: &[Bytes]) -> BytesMut {
        let mut b = BytesMut::new();
        for c in chunks {
            b.extend_from_slice(c);
        }
        b
    }

    /// A client and a server after the opening handshake, and the greetings they handed on.
    fn open_pair() -> (WsCodec, WsCodec) {
        let (mut c, mut s) = (client(), server());
        let request = c.request().unwrap();
        let text = std::str::from_utf8(&request).unwrap();
        assert!(
            text.starts_with("GET /p HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
            "{text}"
        );
        assert!(text.contains("Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\n"));
        assert!(text.ends_with("Sec-WebSocket-Version: 13\r\n\r\n"));
        let (mut zmtp, mut wire) = (BytesMut::new(), Vec::new());
        // In two pieces: the head is collected until the blank line.
        let mut raw = BytesMut::from(&request[..20]);
        s.decode(&mut raw, &mut zmtp, &mut wire).unwrap();
        assert!(!s.is_open() && zmtp.is_empty() && wire.is_empty());
        raw.extend_from_slice(&request[20..]);
        s.decode(&mut raw, &mut zmtp, &mut wire).unwrap();
        assert!(s.is_open());
        assert_eq!(&zmtp[..12], &[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 0]);
        assert_eq!(&zmtp[12..16], b"NULL");
        assert_eq!(zmtp.len(), GREETING);
        let answer = concat(&wire);
        let text = std::str::from_utf8(&answer).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{text}"
        );
        assert!(text.contains("Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n"));
        let (mut zmtp, mut wire) = (BytesMut::new(), Vec::new());
        let mut raw = answer;
        c.decode(&mut raw, &mut zmtp, &mut wire).unwrap();
        assert!(c.is_open() && wire.is_empty() && zmtp.len() == GREETING);
        (c, s)
    }

    /// ZMTP frames (flags, body) as the connection writes them, after its greeting.
    fn zmtp_frames(frames: &[(u8, &[u8])]) -> Vec<Bytes> {
        let mut out = vec![Bytes::from(vec![0xAA; GREETING])];
        for (flags, body) in frames {
            let mut b = BytesMut::new();
            if body.len() > 255 {
                b.put_u8(flags | ZMTP_LONG);
                b.put_u64(body.len() as u64);
            } else {
                b.put_u8(*flags);
                b.put_u8(body.len() as u8);
            }
            b.extend_from_slice(body);
            out.push(b.freeze());
        }
        out
    }

    /// Encodes `frames` on `from` and decodes them on `to`, fed in pieces that split
    /// headers and bodies at many points.
    fn cross(from: &mut WsCodec, to: &mut WsCodec, frames: &[(u8, &[u8])]) {
        let mut wire = Vec::new();
        from.encode(zmtp_frames(frames), &mut wire);
        let bytes = concat(&wire);
        // Client frames carry the mask bit, server frames do not.
        assert_eq!(
            bytes[1] & 0x80 != 0,
            matches!(from.role, Role::Client { .. })
        );
        assert_eq!(bytes[0], 0x82);
        let (mut zmtp, mut back) = (BytesMut::new(), Vec::new());
        let mut raw = BytesMut::new();
        for chunk in bytes.chunks(997) {
            raw.extend_from_slice(chunk);
            to.decode(&mut raw, &mut zmtp, &mut back).unwrap();
        }
        assert!(back.is_empty());
        let expected = concat(&zmtp_frames(frames)[1..]);
        assert_eq!(zmtp.len(), expected.len());
        assert!(zmtp == expected);
    }

    #[test]
    fn frames_cross_both_ways_with_masking_and_flags() {
        let (mut c, mut s) = open_pair();
        let big = vec![7u8; 70000];
        let frames: Vec<(u8, &[u8])> = vec![
            (ZMTP_COMMAND, b"\x05READY"),
            (ZMTP_MORE, b"part"),
            (0, &big),
            (0, b""),
        ];
        cross(&mut c, &mut s, &frames);
        cross(&mut s, &mut c, &frames);
        // Byte by byte as well, in both directions.
        let small: Vec<(u8, &[u8])> = vec![(ZMTP_MORE, b"ab"), (0, &big[..300])];
        let mut wire = Vec::new();
        c.encode(zmtp_frames(&small)[1..].to_vec(), &mut wire);
        let (mut zmtp, mut back, mut raw) = (BytesMut::new(), Vec::new(), BytesMut::new());
        for b in concat(&wire).iter() {
            raw.put_u8(*b);
            s.decode(&mut raw, &mut zmtp, &mut back).unwrap();
        }
        assert!(zmtp == concat(&zmtp_frames(&small)[1..]));
    }

    #[test]
    fn refused_handshakes_and_frames() {
        let mut s = server();
        let (mut zmtp, mut wire) = (BytesMut::new(), Vec::new());
        let mut raw = BytesMut::from(
            &b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
               Sec-WebSocket-Key: x\r\nSec-WebSocket-Protocol: ZWS2.0\r\n\r\n"[..],
        );
        assert_eq!(
            s.decode(&mut raw, &mut zmtp, &mut wire),
            Err(WsError::Handshake)
        );
        let mut s = server();
        let mut long = b"GET /".to_vec();
        long.resize(MAX_HEAD + 1, b'x');
        let mut raw = BytesMut::from(long.as_slice());
        assert_eq!(
            s.decode(&mut raw, &mut zmtp, &mut wire),
            Err(WsError::Handshake)
        );
        // A ZMTP greeting: refused at its first byte, as libzmq does.
        let mut s = server();
        let mut raw = BytesMut::from(&[0xFFu8][..]);
        assert_eq!(
            s.decode(&mut raw, &mut zmtp, &mut wire),
            Err(WsError::Handshake)
        );
        // A browser's request: several Connection tokens (libzmq 4.3.4 takes only
        // "Upgrade" alone; RFC 6455 asks for the token among others).
        let mut s = server();
        let mut raw = BytesMut::from(
            &b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\
               Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat, ZWS2.0/NULL\r\n\r\n"[..],
        );
        s.decode(&mut raw, &mut zmtp, &mut wire).unwrap();
        assert!(s.is_open());

        // Unmasked client frame, fragment, text frame: dropped.
        for frame in [
            &[0x82u8, 0x01, 0x00][..],
            &[0x02, 0x81, 0, 0, 0, 0, 0],
            &[0x81, 0x81, 0, 0, 0, 0, 0],
        ] {
            let (_, mut s) = open_pair();
            let mut raw = BytesMut::from(frame);
            assert_eq!(
                s.decode(&mut raw, &mut zmtp, &mut wire),
                Err(WsError::Frame)
            );
        }
    }

    /// Whatever a peer sends, before or after the handshake, the codec returns (bytes, an
    /// error) and never panics; what it hands the connection is well-formed ZMTP.
    #[test]
    fn random_input_never_panics() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..2000 {
            let (mut c, mut s) = if round % 3 == 0 {
                (client(), server())
            } else {
                open_pair()
            };
            for codec in [&mut c, &mut s] {
                let len = (next() % 64) as usize;
                let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                if round % 2 == 0 && !bytes.is_empty() {
                    // Plausible headers: FIN + binary, masked or not, short lengths.
                    bytes[0] = 0x82;
                }
                let (mut zmtp, mut wire) = (BytesMut::new(), Vec::new());
                let mut raw = BytesMut::from(bytes.as_slice());
                let _ = codec.decode(&mut raw, &mut zmtp, &mut wire);
                // Random output from a connection cannot break the encoder either.
                let out: Vec<u8> = (0..(next() % 40)).map(|_| next() as u8).collect();
                codec.encode(vec![Bytes::from(out)], &mut wire);
            }
        }
    }

    #[test]
    fn heartbeats_are_websocket_pings() {
        let (mut c, mut s) = open_pair();
        // The connection's PING (TTL and context) and PONG commands become empty
        // WebSocket ping and pong frames; other commands stay binary messages.
        let frames: Vec<(u8, &[u8])> = vec![
            (ZMTP_COMMAND, b"\x04PING\x00\x64ctx"),
            (ZMTP_COMMAND, b"\x04PONG"),
            (ZMTP_COMMAND, b"\x05ERROR\x03bad"),
        ];
        let mut wire = Vec::new();
        s.encode(zmtp_frames(&frames), &mut wire);
        let bytes = concat(&wire);
        assert_eq!(&bytes[..4], &[0x89, 0x00, 0x8A, 0x00]);
        assert_eq!(&bytes[4..7], &[0x82, 11, ZWS_COMMAND]);
        assert_eq!(&bytes[7..], b"\x05ERROR\x03bad");
        // On the other side: the ping is answered at once (masked), the pong reaches the
        // connection as a PONG command.
        let (mut zmtp, mut back) = (BytesMut::new(), Vec::new());
        let mut raw = bytes;
        c.decode(&mut raw, &mut zmtp, &mut back).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(&back[0][..2], &[0x8A, 0x80]);
        assert_eq!(&zmtp[..7], b"\x04\x05\x04PONG");
        assert_eq!(&zmtp[7..], b"\x04\x0a\x05ERROR\x03bad");
    }

    #[test]
    fn ping_is_answered_and_close_ends() {
        let (mut c, _) = open_pair();
        let (mut zmtp, mut wire) = (BytesMut::new(), Vec::new());
        let mut raw = BytesMut::from(&[0x89u8, 0x02, b'h', b'i', 0x88, 0x02, 0x03, 0xE8][..]);
        assert_eq!(
            c.decode(&mut raw, &mut zmtp, &mut wire),
            Err(WsError::Closed)
        );
        assert!(zmtp.is_empty());
        assert_eq!(wire.len(), 2);
        // Masked answers from the client: opcode, length with the mask bit, then 4 mask bytes.
        assert_eq!(&wire[0][..2], &[0x8A, 0x82]);
        let m = &wire[0][2..6];
        assert_eq!([wire[0][6] ^ m[0], wire[0][7] ^ m[1]], *b"hi");
        assert_eq!(&wire[1][..2], &[0x88, 0x82]);
        let m = &wire[1][2..6];
        assert_eq!([wire[1][6] ^ m[0], wire[1][7] ^ m[1]], [0x03, 0xE8]);
    }
}
