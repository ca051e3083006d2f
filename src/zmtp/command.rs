//! ZMTP 3.x commands: READY, ERROR, SUBSCRIBE, CANCEL, PING, PONG, JOIN and LEAVE (RFC 23,
//! RFC 37, RFC 48; protocol.md sections 3.2-3.6). Replaces the command handling in libzmq's
//! `null_mechanism.cpp`, `zmtp_engine.cpp` (`process_command_message`,
//! `produce_ping_message`) and the `v3_1_encoder`.
//!
//! A command body is `name_len (1) | name | data`. Encoding builds the body; parsing splits
//! it without copying.

use bytes::{BufMut, Bytes, BytesMut};

use super::metadata::Metadata;

/// The name prefixes (length byte + name) of the commands.
pub(crate) const READY: &[u8] = b"\x05READY";
pub(crate) const ERROR: &[u8] = b"\x05ERROR";
pub(crate) const SUBSCRIBE: &[u8] = b"\x09SUBSCRIBE";
pub(crate) const CANCEL: &[u8] = b"\x06CANCEL";
pub(crate) const PING: &[u8] = b"\x04PING";
pub(crate) const PONG: &[u8] = b"\x04PONG";
pub(crate) const JOIN: &[u8] = b"\x04JOIN";
pub(crate) const LEAVE: &[u8] = b"\x05LEAVE";

/// The longest PING context that is echoed (RFC 37; libzmq cuts longer ones).
pub const MAX_PING_CONTEXT: usize = 16;

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `READY` with the sender's metadata.
    Ready(Metadata),
    /// `ERROR` with a reason (libzmq sends only `"400"` or `"500"`).
    Error(Bytes),
    /// `SUBSCRIBE` to a topic (ZMTP 3.1).
    Subscribe(Bytes),
    /// `CANCEL` a subscription (ZMTP 3.1).
    Cancel(Bytes),
    /// `PING` with a TTL in tenths of a second and a context of up to 16 bytes.
    Ping {
        /// Time to live in deciseconds.
        ttl: u16,
        /// Context to be echoed in the PONG.
        context: Bytes,
    },
    /// `PONG` echoing a PING's context.
    Pong(Bytes),
    /// `JOIN` a group (RADIO/DISH).
    Join(Bytes),
    /// `LEAVE` a group (RADIO/DISH).
    Leave(Bytes),
}

/// Why a command body could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// The name length runs past the end of the body.
    Malformed,
    /// The name is not one this module knows.
    Unknown,
    /// A known command whose data is invalid (bad READY metadata, short ERROR, short PING).
    BadData,
}

impl Command {
    /// Encodes the command body (name length, name, data).
    pub fn encode(&self) -> Bytes {
        let (prefix, data): (&[u8], &[u8]) = match self {
            Command::Ready(md) => {
                let mut b = BytesMut::with_capacity(READY.len() + md.encoded_len());
                b.put_slice(READY);
                md.encode_into(&mut b);
                return b.freeze();
            }
            Command::Error(reason) => {
                let reason = &reason[..reason.len().min(255)];
                let mut b = BytesMut::with_capacity(ERROR.len() + 1 + reason.len());
                b.put_slice(ERROR);
                b.put_u8(reason.len() as u8);
                b.put_slice(reason);
                return b.freeze();
            }
            Command::Ping { ttl, context } => {
                let context = &context[..context.len().min(MAX_PING_CONTEXT)];
                let mut b = BytesMut::with_capacity(PING.len() + 2 + context.len());
                b.put_slice(PING);
                b.put_u16(*ttl);
                b.put_slice(context);
                return b.freeze();
            }
            Command::Subscribe(t) => (SUBSCRIBE, t),
            Command::Cancel(t) => (CANCEL, t),
            Command::Pong(c) => (PONG, &c[..c.len().min(MAX_PING_CONTEXT)]),
            Command::Join(g) => (JOIN, g),
            Command::Leave(g) => (LEAVE, g),
        };
        let mut b = BytesMut::with_capacity(prefix.len() + data.len());
        b.put_slice(prefix);
        b.put_slice(data);
        b.freeze()
    }

    /// Parses a command body.
    ///
    /// # Errors
    /// [`CommandError`] when the body is malformed, unknown, or a known command's data is
    /// invalid.
    pub fn parse(body: &Bytes) -> Result<Command, CommandError> {
        let Some(&name_len) = body.first() else {
            return Err(CommandError::Malformed);
        };
        let name_end = 1 + usize::from(name_len);
        if body.len() < name_end {
            return Err(CommandError::Malformed);
        }
        let prefix = &body[..name_end];
        let data = body.slice(name_end..);
        Ok(match prefix {
            READY => Command::Ready(Metadata::decode(&data).map_err(|_| CommandError::BadData)?),
            ERROR => {
                let Some(&len) = data.first() else {
                    return Err(CommandError::BadData);
                };
                let len = usize::from(len);
                if data.len() - 1 < len {
                    return Err(CommandError::BadData);
                }
                Command::Error(data.slice(1..1 + len))
            }
            SUBSCRIBE => Command::Subscribe(data),
            CANCEL => Command::Cancel(data),
            PING => {
                if data.len() < 2 {
                    return Err(CommandError::BadData);
                }
                let ttl = u16::from_be_bytes([data[0], data[1]]);
                let end = data.len().min(2 + MAX_PING_CONTEXT);
                Command::Ping {
                    ttl,
                    context: data.slice(2..end),
                }
            }
            PONG => Command::Pong(data),
            JOIN => Command::Join(data),
            LEAVE => Command::Leave(data),
            _ => return Err(CommandError::Unknown),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    #[test]
    fn encodings_match_protocol_md() {
        let mut md = Metadata::new();
        md.push(&b"Socket-Type"[..], &b"DEALER"[..]);
        md.push(&b"Identity"[..], Bytes::new());
        let ready = Command::Ready(md.clone()).encode();
        // protocol.md 8.5, DEALER READY without the 2-byte frame header.
        assert_eq!(
            &ready[..],
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00"
        );
        assert_eq!(ready.len(), 0x29);
        assert_eq!(Command::parse(&ready), Ok(Command::Ready(md)));
        assert_eq!(&Command::Error(b(b"400")).encode()[..], b"\x05ERROR\x03400");
        assert_eq!(&Command::Subscribe(b(b"A")).encode()[..], b"\x09SUBSCRIBEA");
        assert_eq!(&Command::Cancel(b(b"A")).encode()[..], b"\x06CANCELA");
        assert_eq!(
            &Command::Ping {
                ttl: 20,
                context: Bytes::new()
            }
            .encode()[..],
            b"\x04PING\x00\x14"
        );
        assert_eq!(&Command::Pong(b(b"ct")).encode()[..], b"\x04PONGct");
        assert_eq!(&Command::Join(b(b"g")).encode()[..], b"\x04JOINg");
        assert_eq!(&Command::Leave(b(b"g")).encode()[..], b"\x05LEAVEg");
    }

    #[test]
    fn parse_rules() {
        assert_eq!(Command::parse(&b(b"")), Err(CommandError::Malformed));
        assert_eq!(Command::parse(&b(b"\x09SUB")), Err(CommandError::Malformed));
        assert_eq!(Command::parse(&b(b"\x03FOO")), Err(CommandError::Unknown));
        assert_eq!(Command::parse(&b(b"\x05ready")), Err(CommandError::Unknown));
        assert_eq!(Command::parse(&b(b"\x05ERROR")), Err(CommandError::BadData));
        assert_eq!(
            Command::parse(&b(b"\x05ERROR\x0440")),
            Err(CommandError::BadData)
        );
        assert_eq!(
            Command::parse(&b(b"\x05ERROR\x00")),
            Ok(Command::Error(Bytes::new()))
        );
        assert_eq!(
            Command::parse(&b(b"\x04PING\x00")),
            Err(CommandError::BadData)
        );
        assert_eq!(
            Command::parse(&b(b"\x04PING\x00\x01abcdefghijklmnopqrstuvwxyz")),
            Ok(Command::Ping {
                ttl: 1,
                context: b(b"abcdefghijklmnop")
            })
        );
        assert_eq!(
            Command::parse(&b(b"\x05READY\x01")),
            Err(CommandError::BadData)
        );
        assert_eq!(
            Command::parse(&b(b"\x09SUBSCRIBE")),
            Ok(Command::Subscribe(Bytes::new()))
        );
    }
}
