//! The ZMTP greeting and libzmq's staged exchange (RFC 23 section "Greeting", RFC 13/15 for
//! old peers; protocol.md section 1). Replaces `zmtp_engine_t::receive_greeting`,
//! `receive_greeting_versioned` and `select_handshake_fun`.
//!
//! Like libzmq we send the 10-byte signature first, then the major version once the peer's
//! signature is in, then the rest once the peer's revision byte is in. The peer's version
//! decides what "the rest" is: a socket-type byte for ZMTP/1.0-with-signature and 2.0
//! peers (12-byte greeting), or minor, mechanism, as-server and filler (64 bytes).

use super::frame::TxQueue;

/// Size of the signature (`FF`, 8 padding bytes, `7F`).
pub const SIGNATURE_SIZE: usize = 10;
/// Size of the ZMTP/2.0 greeting (signature, revision, socket type).
pub const V2_GREETING_SIZE: usize = 12;
/// Size of the ZMTP/3.x greeting.
pub const V3_GREETING_SIZE: usize = 64;
/// Length of the mechanism field.
pub const MECHANISM_SIZE: usize = 20;

/// The protocol version spoken with a peer, as libzmq chooses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ZmtpVersion {
    /// ZMTP/1.0: no greeting, or a signature with revision byte `00`.
    V1_0,
    /// ZMTP/2.0: revision byte `01`.
    V2_0,
    /// ZMTP/3.0: major 3, minor 0 (subscriptions as messages).
    V3_0,
    /// ZMTP/3.1 (major 3 minor >= 1, or any other major): SUBSCRIBE/CANCEL commands.
    V3_1,
}

/// What we learnt from the peer's greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerGreeting {
    /// The version to speak.
    pub version: ZmtpVersion,
    /// The peer sent no signature at all (first byte not `FF`, or byte 9's low bit clear):
    /// its identity frame follows directly in ZMTP/1.0 framing.
    pub unversioned: bool,
    /// Greeting bytes to consume from the input (0 for unversioned peers: the bytes are
    /// the start of their identity frame).
    pub consumed: usize,
    /// The socket-type byte of a ZMTP/2.0 greeting.
    pub socket_type: Option<u8>,
    /// The mechanism field of a 3.x greeting.
    pub mechanism: [u8; MECHANISM_SIZE],
    /// The as-server byte of a 3.x greeting (libzmq never reads it; neither do we).
    pub as_server: bool,
}

/// Our half of the staged greeting exchange.
#[derive(Clone, Debug)]
pub struct GreetingExchange {
    sent: Sent,
    greeting_size: usize,
    socket_type: u8,
    mechanism: [u8; MECHANISM_SIZE],
    as_server: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sent {
    Signature,
    Major,
    All,
}

impl GreetingExchange {
    /// Starts the exchange: queues our signature. The padding is
    /// `uint64_BE(routing_id_len + 1)`, libzmq's ZMTP/1.0 compatibility trick.
    pub fn start(
        routing_id_len: usize,
        socket_type: u8,
        mechanism: [u8; MECHANISM_SIZE],
        as_server: bool,
        tx: &mut TxQueue,
    ) -> GreetingExchange {
        let mut sig = [0u8; SIGNATURE_SIZE];
        sig[0] = 0xFF;
        sig[1..9].copy_from_slice(&(routing_id_len as u64 + 1).to_be_bytes());
        sig[9] = 0x7F;
        tx.push_raw(&sig);
        GreetingExchange {
            sent: Sent::Signature,
            greeting_size: V2_GREETING_SIZE,
            socket_type,
            mechanism,
            as_server,
        }
    }

    /// Looks at the peer's bytes so far (nothing is consumed) and queues the next stage of
    /// ours when it is due. Returns the peer's greeting once it is complete.
    pub fn handle(&mut self, input: &[u8], tx: &mut TxQueue) -> Option<PeerGreeting> {
        let first = *input.first()?;
        if first != 0xFF {
            return Some(self.unversioned());
        }
        if input.len() < SIGNATURE_SIZE {
            return None;
        }
        // Byte 9 coincides with a ZMTP/1.0 flags byte after a long length; low bit clear
        // means the peer sent a routing id frame, not a signature.
        if input[9] & 0x01 == 0 {
            return Some(self.unversioned());
        }
        if self.sent == Sent::Signature {
            tx.push_raw(&[3]);
            self.sent = Sent::Major;
        }
        if self.sent == Sent::Major && input.len() > SIGNATURE_SIZE {
            let revision = input[SIGNATURE_SIZE];
            if revision <= 1 {
                tx.push_raw(&[self.socket_type]);
            } else {
                let mut rest = [0u8; V3_GREETING_SIZE - SIGNATURE_SIZE - 1];
                rest[0] = 1; // minor version
                rest[1..1 + MECHANISM_SIZE].copy_from_slice(&self.mechanism);
                rest[1 + MECHANISM_SIZE] = u8::from(self.as_server);
                tx.push_raw(&rest);
                self.greeting_size = V3_GREETING_SIZE;
            }
            self.sent = Sent::All;
        }
        if self.sent != Sent::All || input.len() < self.greeting_size {
            return None;
        }
        let revision = input[10];
        let minor = input[11];
        let version = match (revision, minor) {
            (0, _) => ZmtpVersion::V1_0,
            (1, _) => ZmtpVersion::V2_0,
            (3, 0) => ZmtpVersion::V3_0,
            _ => ZmtpVersion::V3_1,
        };
        let mut greeting = PeerGreeting {
            version,
            unversioned: false,
            consumed: self.greeting_size,
            socket_type: None,
            mechanism: [0; MECHANISM_SIZE],
            as_server: false,
        };
        if self.greeting_size == V3_GREETING_SIZE {
            greeting
                .mechanism
                .copy_from_slice(&input[12..12 + MECHANISM_SIZE]);
            greeting.as_server = input[32] != 0;
        } else {
            greeting.socket_type = Some(minor);
        }
        Some(greeting)
    }

    fn unversioned(&self) -> PeerGreeting {
        PeerGreeting {
            version: ZmtpVersion::V1_0,
            unversioned: true,
            consumed: 0,
            socket_type: None,
            mechanism: [0; MECHANISM_SIZE],
            as_server: false,
        }
    }
}

/// The 20-byte, NUL-padded mechanism field for `name`.
pub fn mechanism_field(name: &str) -> [u8; MECHANISM_SIZE] {
    let mut field = [0u8; MECHANISM_SIZE];
    let n = name.len().min(MECHANISM_SIZE);
    field[..n].copy_from_slice(&name.as_bytes()[..n]);
    field
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn drain(tx: &mut TxQueue) -> Vec<u8> {
        let mut v: Vec<Bytes> = Vec::new();
        tx.drain_into(&mut v);
        v.concat()
    }

    fn start(id_len: usize) -> (GreetingExchange, TxQueue) {
        let mut tx = TxQueue::new();
        let g = GreetingExchange::start(id_len, 5, mechanism_field("NULL"), false, &mut tx);
        (g, tx)
    }

    #[test]
    fn staged_v3_exchange_matches_libzmq_capture() {
        let (mut g, mut tx) = start(3);
        // protocol.md 8.5: DEALER with id "abc".
        assert_eq!(drain(&mut tx), [0xFF, 0, 0, 0, 0, 0, 0, 0, 4, 0x7F]);
        let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F];
        assert_eq!(g.handle(&peer[..9], &mut tx), None);
        assert!(tx.is_empty());
        assert_eq!(g.handle(&peer, &mut tx), None);
        assert_eq!(drain(&mut tx), [3]);
        peer.push(3);
        assert_eq!(g.handle(&peer, &mut tx), None);
        let rest = drain(&mut tx);
        assert_eq!(rest.len(), 53);
        assert_eq!(&rest[..5], &[1, b'N', b'U', b'L', b'L']);
        assert!(rest[5..].iter().all(|&b| b == 0));
        peer.extend_from_slice(&[1]);
        peer.extend_from_slice(&mechanism_field("NULL"));
        peer.push(0);
        peer.extend_from_slice(&[0; 31]);
        assert_eq!(g.handle(&peer[..63], &mut tx), None);
        let pg = g.handle(&peer, &mut tx).unwrap();
        assert_eq!(pg.version, ZmtpVersion::V3_1);
        assert_eq!(pg.consumed, 64);
        assert_eq!(pg.mechanism, mechanism_field("NULL"));
        assert!(tx.is_empty());
    }

    #[test]
    fn full_null_greeting_bytes() {
        let (mut g, mut tx) = start(0);
        let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 0];
        peer.extend_from_slice(&[0; 52]);
        g.handle(&peer, &mut tx).unwrap();
        let mut want = vec![
            0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1, b'N', b'U', b'L', b'L',
        ];
        want.extend_from_slice(&[0; 48]);
        assert_eq!(drain(&mut tx), want);
    }

    #[test]
    fn version_selection() {
        for (rev, minor, want, size) in [
            (0u8, 5u8, ZmtpVersion::V1_0, 12),
            (1, 5, ZmtpVersion::V2_0, 12),
            (2, 0, ZmtpVersion::V3_1, 64),
            (3, 0, ZmtpVersion::V3_0, 64),
            (3, 1, ZmtpVersion::V3_1, 64),
            (3, 7, ZmtpVersion::V3_1, 64),
            (4, 0, ZmtpVersion::V3_1, 64),
        ] {
            let (mut g, mut tx) = start(0);
            let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, rev, minor];
            peer.resize(64, 0);
            let pg = g.handle(&peer, &mut tx).unwrap();
            assert_eq!((pg.version, pg.consumed), (want, size), "rev {rev}");
            let sent = drain(&mut tx);
            if size == 12 {
                // ZMTP/2.0 path: after the major byte, our socket type.
                assert_eq!(&sent[10..], &[3, 5]);
                assert_eq!(pg.socket_type, Some(minor));
            } else {
                assert_eq!(sent.len(), 64);
            }
        }
    }

    #[test]
    fn unversioned_peers() {
        let (mut g, mut tx) = start(0);
        assert_eq!(g.handle(&[], &mut tx), None);
        let pg = g.handle(&[0x01, 0x00], &mut tx).unwrap();
        assert!(pg.unversioned);
        assert_eq!(pg.consumed, 0);
        // A long identity length: FF + 8 bytes + flags 0x00 (low bit clear).
        let (mut g, mut tx) = start(0);
        let pg = g
            .handle(&[0xFF, 0, 0, 0, 0, 0, 0, 1, 0, 0x00], &mut tx)
            .unwrap();
        assert!(pg.unversioned);
        assert_eq!(drain(&mut tx).len(), 10);
    }
}
