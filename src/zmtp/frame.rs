//! ZMTP framing: the frame decoder and encoder for ZMTP/1.0 (RFC 13) and ZMTP/2.0 and 3.x
//! (RFC 15, 23, 37). Replaces libzmq's `v1_decoder`, `v2_decoder`, `v1_encoder`,
//! `v2_encoder` and `v3_1_encoder`.
//!
//! * ZMTP/2.0 and 3.x: `flags (1) | size (1, or 8 BE if LONG) | body`, flags MORE 0x01,
//!   LONG 0x02, COMMAND 0x04. Bits 3-7 are reserved; libzmq's decoder ignores them and so do
//!   we. Long sizes are accepted for any length; sent only above 255.
//! * ZMTP/1.0: `length (1, or FF + 8 BE) | flags (1) | body`, where the length counts the
//!   flags byte (so 0 is invalid) and flags bit 0 is MORE.
//!
//! The decoder works on a caller's `BytesMut` and hands frames up as `Bytes` split off that
//! buffer, so bodies are never copied; only small data frames ([`SMALL_FRAME_MAX`] bytes,
//! which the socket layer stores inline anyway) can be copied out instead, a run of them at
//! a time ([`Decoder::decode_small_run`]), sparing a reference-counted slice per frame.
//! `ZMQ_MAXMSGSIZE` is checked as soon as the size field is complete, before waiting for
//! (or allocating) the body. The encoder produces the header
//! and the body as separate chunks so large bodies go to `writev` without a copy.

use std::collections::VecDeque;

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Flag bit: another frame of this message follows.
pub const FLAG_MORE: u8 = 0x01;
/// Flag bit: the size field is 8 bytes.
pub const FLAG_LONG: u8 = 0x02;
/// Flag bit: the frame is a command.
pub const FLAG_COMMAND: u8 = 0x04;

/// One frame of a message, or one command (body without the framing).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Frame {
    /// The frame body.
    pub data: Bytes,
    /// Another frame of the same message follows.
    pub more: bool,
    /// This is a command frame (ZMTP 3.x only).
    pub command: bool,
}

impl Frame {
    /// A final data frame.
    pub fn new(data: impl Into<Bytes>) -> Frame {
        Frame {
            data: data.into(),
            more: false,
            command: false,
        }
    }

    /// A data frame with MORE set as given.
    pub fn with_more(data: impl Into<Bytes>, more: bool) -> Frame {
        Frame {
            data: data.into(),
            more,
            command: false,
        }
    }

    /// A command frame with `body` (name length, name, data).
    pub fn command(body: impl Into<Bytes>) -> Frame {
        Frame {
            data: body.into(),
            more: false,
            command: true,
        }
    }
}

/// The largest body a [`SmallFrame`] holds: libzmq's inline message size on 64-bit
/// systems, so the socket layer stores it without an allocation.
pub const SMALL_FRAME_MAX: usize = 33;

/// A small data frame copied out of the read buffer (no shared-buffer reference count).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SmallFrame {
    len: u8,
    data: [u8; SMALL_FRAME_MAX],
    /// Another frame of the same message follows.
    pub more: bool,
}

impl SmallFrame {
    /// The frame body.
    pub fn data(&self) -> &[u8] {
        &self.data[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for SmallFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmallFrame")
            .field("data", &self.data())
            .field("more", &self.more)
            .finish()
    }
}

/// Which wire framing a connection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// ZMTP/1.0: length-first, the length counts the flags byte.
    V1,
    /// ZMTP/2.0 and 3.x: flags-first.
    V2,
}

/// Why the decoder gave up (libzmq: `EPROTO` or `EMSGSIZE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A frame is larger than `ZMQ_MAXMSGSIZE`, or its size does not fit memory.
    TooLarge,
    /// A ZMTP/1.0 length of zero (there must be at least the flags byte).
    ZeroLength,
}

/// A stateless frame decoder: each call looks at the front of the buffer.
#[derive(Clone, Copy, Debug)]
pub struct Decoder {
    framing: Framing,
    max_msg_size: Option<u64>,
}

impl Decoder {
    /// A decoder; `max_msg_size` is `ZMQ_MAXMSGSIZE` (negative = unlimited).
    pub fn new(framing: Framing, max_msg_size: i64) -> Decoder {
        Decoder {
            framing,
            max_msg_size: u64::try_from(max_msg_size).ok(),
        }
    }

    /// The framing this decoder reads.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Takes one complete frame off the front of `buf`.
    ///
    /// Returns `Ok(None)` when more bytes are needed; nothing is consumed then. The size
    /// limit is checked as soon as the size field is complete.
    ///
    /// # Errors
    /// [`DecodeError`] for an oversized or invalid frame; the connection must be dropped.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let Some(header) = self.header(buf)? else {
            return Ok(None);
        };
        let total = header.header_len as u64 + header.body_len;
        if (buf.len() as u64) < total {
            return Ok(None);
        }
        // Header first, then the body as one split: one reference count, not two.
        buf.advance(header.header_len);
        let body = buf.split_to(header.body_len as usize);
        Ok(Some(Frame {
            data: body.freeze(),
            more: header.flags & FLAG_MORE != 0,
            command: self.framing == Framing::V2 && header.flags & FLAG_COMMAND != 0,
        }))
    }

    /// Copies out the run of small data frames at the front of `buf`, handing each to `f`
    /// in order, and returns how many bytes they took (the caller drops them from its
    /// buffer at once). A small data frame is complete, not a command and at most
    /// [`SMALL_FRAME_MAX`] bytes long; the run stops at the first frame that is not one,
    /// which [`Decoder::decode`] then handles (and any error).
    pub fn decode_small_run(&self, buf: &[u8], mut f: impl FnMut(SmallFrame)) -> usize {
        let mut at = 0;
        while let Some((frame, len)) = self.small(&buf[at..]) {
            f(frame);
            at += len;
        }
        at
    }

    /// The small data frame at the front of `buf` and its length on the wire, if there is
    /// one (see [`Decoder::decode_small_run`]).
    fn small(&self, buf: &[u8]) -> Option<(SmallFrame, usize)> {
        let header = self.header(buf).ok()??;
        let body_len = usize::try_from(header.body_len).ok()?;
        let command = self.framing == Framing::V2 && header.flags & FLAG_COMMAND != 0;
        if command || body_len > SMALL_FRAME_MAX {
            return None;
        }
        let end = header.header_len + body_len;
        let body = buf.get(header.header_len..end)?;
        let mut data = [0; SMALL_FRAME_MAX];
        data[..body_len].copy_from_slice(body);
        let frame = SmallFrame {
            len: body_len as u8,
            data,
            more: header.flags & FLAG_MORE != 0,
        };
        Some((frame, end))
    }

    /// The header of the next frame at the front of `buf`, if it is complete and valid
    /// (errors are left to [`Decoder::decode`]). For a driver that reads a large body into
    /// a buffer of its own instead of through `buf`: it drops `header_len` bytes, reads
    /// `body_len` bytes and hands up the [`Frame`] this describes.
    pub fn peek(&self, buf: &[u8]) -> Option<FrameHeader> {
        let header = self.header(buf).ok()??;
        Some(FrameHeader {
            header_len: header.header_len,
            body_len: usize::try_from(header.body_len).ok()?,
            more: header.flags & FLAG_MORE != 0,
            command: self.framing == Framing::V2 && header.flags & FLAG_COMMAND != 0,
        })
    }

    /// How many bytes in total `buf` must hold before the next frame is complete, or 0 if
    /// the size field is not complete yet (a hint for the driver's read buffer).
    pub fn needed(&self, buf: &[u8]) -> usize {
        match self.header(buf) {
            Ok(Some(h)) => h.header_len + h.body_len as usize,
            _ => 0,
        }
    }

    /// Parses and checks the header at the front of `buf`, if complete.
    fn header(&self, buf: &[u8]) -> Result<Option<Header>, DecodeError> {
        let (header_len, body_len, flags) = match self.framing {
            Framing::V2 => {
                let Some(&flags) = buf.first() else {
                    return Ok(None);
                };
                if flags & FLAG_LONG != 0 {
                    let Some(size) = buf.get(1..9) else {
                        return Ok(None);
                    };
                    (
                        9,
                        u64::from_be_bytes(size.try_into().expect("8 bytes")),
                        flags,
                    )
                } else {
                    let Some(&size) = buf.get(1) else {
                        return Ok(None);
                    };
                    (2, u64::from(size), flags)
                }
            }
            Framing::V1 => {
                let Some(&len) = buf.first() else {
                    return Ok(None);
                };
                let (len_size, len) = if len == 0xFF {
                    let Some(size) = buf.get(1..9) else {
                        return Ok(None);
                    };
                    (9, u64::from_be_bytes(size.try_into().expect("8 bytes")))
                } else {
                    (1, u64::from(len))
                };
                if len == 0 {
                    return Err(DecodeError::ZeroLength);
                }
                self.check_size(len - 1)?;
                let Some(&flags) = buf.get(len_size) else {
                    return Ok(None);
                };
                (len_size + 1, len - 1, flags)
            }
        };
        self.check_size(body_len)?;
        Ok(Some(Header {
            header_len,
            body_len,
            flags,
        }))
    }

    fn check_size(&self, size: u64) -> Result<(), DecodeError> {
        if self.max_msg_size.is_some_and(|max| size > max) {
            return Err(DecodeError::TooLarge);
        }
        // A body must be addressable; libzmq fails larger ones with EMSGSIZE/ENOMEM.
        if size > isize::MAX as u64 - 16 {
            return Err(DecodeError::TooLarge);
        }
        Ok(())
    }
}

/// A parsed, checked frame header ([`Decoder::peek`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Bytes of framing before the body.
    pub header_len: usize,
    /// Bytes of body.
    pub body_len: usize,
    /// Another frame of the same message follows.
    pub more: bool,
    /// The frame is a command (ZMTP 3.x only).
    pub command: bool,
}

struct Header {
    header_len: usize,
    body_len: u64,
    flags: u8,
}

/// Bodies up to this size are copied next to their header (one chunk); larger ones are
/// queued as their own chunk, shared, never copied.
pub const COPY_LIMIT: usize = 512;

/// Encoded output waiting to be written: a list of chunks for a gathered write.
#[derive(Debug, Default)]
pub struct TxQueue {
    chunks: VecDeque<Bytes>,
    staging: BytesMut,
}

impl TxQueue {
    /// An empty queue.
    pub fn new() -> TxQueue {
        TxQueue::default()
    }

    /// Appends raw bytes (greeting pieces).
    pub fn push_raw(&mut self, bytes: &[u8]) {
        self.staging.extend_from_slice(bytes);
    }

    /// Encodes `frame` in `framing` and appends it.
    pub fn push_frame(&mut self, framing: Framing, frame: &Frame) {
        self.push_frame_with_prefix(framing, frame, &[]);
    }

    /// Encodes a frame whose body is `prefix` followed by `frame.data` (used for the
    /// SUBSCRIBE/CANCEL name or the `01`/`00` subscription byte, so the topic is not copied).
    pub fn push_frame_with_prefix(&mut self, framing: Framing, frame: &Frame, prefix: &[u8]) {
        let size = (prefix.len() + frame.data.len()) as u64;
        self.push_header(framing, size, frame.more, frame.command);
        self.staging.put_slice(prefix);
        self.push_body(&frame.data);
    }

    /// Encodes a data frame whose body is copied from `body` (at most [`COPY_LIMIT`]
    /// bytes), so a small message needs no `Bytes` of its own.
    pub fn push_small(&mut self, framing: Framing, body: &[u8], more: bool) {
        debug_assert!(body.len() <= COPY_LIMIT);
        self.push_header(framing, body.len() as u64, more, false);
        self.staging.put_slice(body);
    }

    /// Appends a body: copied if small, otherwise a shared chunk of its own.
    pub fn push_body(&mut self, body: &Bytes) {
        if body.len() <= COPY_LIMIT {
            self.staging.put_slice(body);
        } else {
            self.flush_staging();
            self.chunks.push_back(body.clone());
        }
    }

    /// Writes the header of a frame with a body of `size` bytes.
    fn push_header(&mut self, framing: Framing, size: u64, more: bool, command: bool) {
        let more = if more { FLAG_MORE } else { 0 };
        match framing {
            Framing::V2 => {
                let mut flags = more;
                if command {
                    flags |= FLAG_COMMAND;
                }
                if size > 255 {
                    self.staging.put_u8(flags | FLAG_LONG);
                    self.staging.put_u64(size);
                } else {
                    self.staging.put_u8(flags);
                    self.staging.put_u8(size as u8);
                }
            }
            Framing::V1 => {
                let len = size + 1;
                if len < 255 {
                    self.staging.put_u8(len as u8);
                } else {
                    self.staging.put_u8(0xFF);
                    self.staging.put_u64(len);
                }
                self.staging.put_u8(more);
            }
        }
    }

    /// Moves every queued chunk to `out`, in order.
    pub fn drain_into(&mut self, out: &mut Vec<Bytes>) {
        self.flush_staging();
        out.extend(self.chunks.drain(..));
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.staging.is_empty()
    }

    fn flush_staging(&mut self) {
        if !self.staging.is_empty() {
            self.chunks.push_back(self.staging.split().freeze());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(framing: Framing, frame: &Frame) -> Vec<u8> {
        let mut q = TxQueue::new();
        q.push_frame(framing, frame);
        let mut out = Vec::new();
        q.drain_into(&mut out);
        out.concat()
    }

    #[test]
    fn short_and_long_v2_frames() {
        assert_eq!(encode(Framing::V2, &Frame::new("")), [0, 0]);
        assert_eq!(
            encode(Framing::V2, &Frame::with_more("hi", true)),
            [1, 2, b'h', b'i']
        );
        let body = vec![7u8; 255];
        let e = encode(Framing::V2, &Frame::new(body.clone()));
        assert_eq!(&e[..2], &[0, 255]);
        let body = vec![7u8; 256];
        let e = encode(Framing::V2, &Frame::with_more(body.clone(), true));
        assert_eq!(&e[..9], &[3, 0, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(e.len(), 9 + 256);
        let c = encode(Framing::V2, &Frame::command(&b"\x04PING\x00\x14"[..]));
        assert_eq!(c, [4, 7, 4, b'P', b'I', b'N', b'G', 0, 0x14]);
        let c = encode(Framing::V2, &Frame::command(vec![1u8; 300]));
        assert_eq!(&c[..9], &[6, 0, 0, 0, 0, 0, 0, 1, 44]);
    }

    #[test]
    fn v1_frames_as_libzmq() {
        // protocol.md 8.5: "hi" with MORE then "there".
        assert_eq!(
            encode(Framing::V1, &Frame::with_more("hi", true)),
            [3, 1, b'h', b'i']
        );
        assert_eq!(
            encode(Framing::V1, &Frame::new("there")),
            [6, 0, b't', b'h', b'e', b'r', b'e']
        );
        // body+1 < 255 uses one byte; 254 bytes of body needs the long form.
        assert_eq!(encode(Framing::V1, &Frame::new(vec![0u8; 253]))[0], 254);
        let e = encode(Framing::V1, &Frame::new(vec![0u8; 254]));
        assert_eq!(&e[..10], &[0xFF, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
    }

    #[test]
    fn small_bodies_encode_as_frames() {
        for framing in [Framing::V1, Framing::V2] {
            for (body, more) in [
                (&b""[..], false),
                (b"hi", true),
                (&[3u8; COPY_LIMIT], false),
            ] {
                let mut q = TxQueue::new();
                q.push_small(framing, body, more);
                let mut out = Vec::new();
                q.drain_into(&mut out);
                let want = encode(framing, &Frame::with_more(body.to_vec(), more));
                assert_eq!(out.concat(), want, "{framing:?} {}", body.len());
            }
        }
    }

    #[test]
    fn large_bodies_are_shared_not_copied() {
        let body = Bytes::from(vec![9u8; 4096]);
        let mut q = TxQueue::new();
        q.push_frame(Framing::V2, &Frame::new(body.clone()));
        let mut out = Vec::new();
        q.drain_into(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(&out[0][..], &[2, 0, 0, 0, 0, 0, 0, 16, 0]);
        assert_eq!(out[1].as_ptr(), body.as_ptr());
    }

    #[test]
    fn decode_at_every_split() {
        let mut wire = Vec::new();
        let frames = [
            Frame::with_more("hi", true),
            Frame::new(""),
            Frame::command(&b"\x04PONG"[..]),
            Frame::new(vec![5u8; 300]),
        ];
        for framing in [Framing::V1, Framing::V2] {
            wire.clear();
            for f in &frames {
                wire.extend(encode(framing, f));
            }
            let dec = Decoder::new(framing, -1);
            for split in 0..=wire.len() {
                let mut buf = BytesMut::from(&wire[..split]);
                let mut got = Vec::new();
                while let Some(f) = dec.decode(&mut buf).unwrap() {
                    got.push(f);
                }
                buf.extend_from_slice(&wire[split..]);
                while let Some(f) = dec.decode(&mut buf).unwrap() {
                    got.push(f);
                }
                assert!(buf.is_empty());
                let want: Vec<Frame> = frames
                    .iter()
                    .map(|f| Frame {
                        command: f.command && framing == Framing::V2,
                        ..f.clone()
                    })
                    .collect();
                assert_eq!(got, want, "{framing:?} split {split}");
            }
        }
    }

    /// The small frames [`Decoder::decode_small_run`] copies out of `buf`, and the bytes
    /// it says they took (dropped from `buf`, as a driver does).
    fn small_run(dec: &Decoder, buf: &mut BytesMut) -> Vec<SmallFrame> {
        let mut got = Vec::new();
        let used = dec.decode_small_run(buf, |f| got.push(f));
        buf.advance(used);
        got
    }

    #[test]
    fn small_frames_are_copied_out_and_others_left_alone() {
        for framing in [Framing::V1, Framing::V2] {
            let dec = Decoder::new(framing, -1);
            let mut wire = Vec::new();
            wire.extend(encode(framing, &Frame::with_more("hi", true)));
            wire.extend(encode(framing, &Frame::new(vec![4u8; SMALL_FRAME_MAX])));
            wire.extend(encode(framing, &Frame::new(vec![5u8; SMALL_FRAME_MAX + 1])));
            wire.extend(encode(framing, &Frame::command(&b"\x04PING"[..])));
            wire.extend(encode(framing, &Frame::new("after")));
            let mut buf = BytesMut::from(&wire[..3]);
            assert!(small_run(&dec, &mut buf).is_empty());
            assert_eq!(buf.len(), 3);
            let mut buf = BytesMut::from(&wire[..]);
            let got = small_run(&dec, &mut buf);
            let got: Vec<_> = got.iter().map(|f| (f.data(), f.more)).collect();
            assert_eq!(
                got,
                vec![(&b"hi"[..], true), (&[4u8; SMALL_FRAME_MAX][..], false)]
            );
            // The large frame is next, untouched.
            let left = buf.len();
            assert!(small_run(&dec, &mut buf).is_empty());
            assert_eq!(buf.len(), left);
            assert_eq!(dec.decode(&mut buf).unwrap().unwrap().data.len(), 34);
            if framing == Framing::V2 {
                // A command ends a run.
                assert!(small_run(&dec, &mut buf).is_empty());
                assert!(dec.decode(&mut buf).unwrap().unwrap().command);
            }
            // A run may end with the buffer. ZMTP/1.0 has no commands: there the PING
            // frame is a small data frame like the next.
            let got = small_run(&dec, &mut buf);
            let got: Vec<_> = got.iter().map(|f| f.data()).collect();
            match framing {
                Framing::V1 => assert_eq!(got, vec![&b"\x04PING"[..], b"after"]),
                Framing::V2 => assert_eq!(got, vec![&b"after"[..]]),
            }
            assert!(buf.is_empty());
        }
        // A frame over ZMQ_MAXMSGSIZE is not small: decode reports it.
        let mut buf = BytesMut::from(&[0, 11][..]);
        assert!(small_run(&Decoder::new(Framing::V2, 10), &mut buf).is_empty());
        assert_eq!(buf.len(), 2);
    }

    #[test]
    fn peek_describes_what_decode_returns() {
        for framing in [Framing::V1, Framing::V2] {
            let dec = Decoder::new(framing, -1);
            for frame in [
                Frame::with_more(vec![1u8; 40_000], true),
                Frame::new("x"),
                Frame::command(&b"\x04PING"[..]),
            ] {
                let wire = encode(framing, &frame);
                let head = dec.peek(&wire).unwrap();
                for cut in 0..head.header_len {
                    assert_eq!(dec.peek(&wire[..cut]), None);
                }
                assert_eq!(dec.peek(&wire[..head.header_len]), Some(head));
                assert_eq!(head.header_len + head.body_len, wire.len());
                let got = dec.decode(&mut BytesMut::from(&wire[..])).unwrap().unwrap();
                assert_eq!(&wire[head.header_len..], &got.data[..]);
                assert_eq!((head.more, head.command), (got.more, got.command));
            }
        }
        assert_eq!(Decoder::new(Framing::V2, 10).peek(&[0, 11]), None);
    }

    #[test]
    fn long_size_accepted_for_small_bodies_and_reserved_bits_ignored() {
        let dec = Decoder::new(Framing::V2, -1);
        let mut buf = BytesMut::from(&[0xF2, 0, 0, 0, 0, 0, 0, 0, 1, b'x'][..]);
        let f = dec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(f, Frame::new("x"));
    }

    #[test]
    fn max_msg_size_checked_before_body() {
        let dec = Decoder::new(Framing::V2, 10);
        let mut buf = BytesMut::from(&[0, 10][..]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        let mut buf = BytesMut::from(&[0, 11][..]);
        assert_eq!(dec.decode(&mut buf), Err(DecodeError::TooLarge));
        let mut buf = BytesMut::from(&[2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF][..]);
        assert_eq!(dec.decode(&mut buf), Err(DecodeError::TooLarge));
        let unlimited = Decoder::new(Framing::V2, -1);
        let mut buf = BytesMut::from(&[2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF][..]);
        assert_eq!(unlimited.decode(&mut buf), Err(DecodeError::TooLarge));
        let mut buf = BytesMut::from(&[2, 0, 0, 0, 1, 0, 0, 0, 0][..]);
        assert_eq!(unlimited.decode(&mut buf), Ok(None));
        assert_eq!(unlimited.needed(&buf), 9 + (1 << 32));
        let v1 = Decoder::new(Framing::V1, 10);
        assert_eq!(
            v1.decode(&mut BytesMut::from(&[12][..])),
            Err(DecodeError::TooLarge)
        );
        assert_eq!(v1.decode(&mut BytesMut::from(&[11][..])), Ok(None));
        assert_eq!(
            v1.decode(&mut BytesMut::from(&[0][..])),
            Err(DecodeError::ZeroLength)
        );
        assert_eq!(
            v1.decode(&mut BytesMut::from(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 0][..])),
            Err(DecodeError::ZeroLength)
        );
    }
}
