//! The CURVE mechanism (RFC 25/26 as libzmq implements it; protocol.md sections 4.3 and
//! 5). Replaces libzmq's `curve_client.cpp`, `curve_client_tools.hpp`, `curve_server.cpp`
//! and `curve_mechanism_base.cpp`.
//!
//! ```text
//! C → S  HELLO     C', Box[64 zeros](C'→S)                      200 bytes
//! S → C  WELCOME   Box[S' | cookie](S→C')                      168 bytes
//! C → S  INITIATE  cookie, Box[C | vouch | metadata](C'→S')   257 + metadata
//! S → C  READY     Box[metadata](S'→C')                        30 + metadata
//! both   MESSAGE   Box[flags | payload](sender'→receiver')      33 + payload
//! ```
//! Every box is libsodium's tag-first layout (Poly1305 tag, then ciphertext), which is what
//! the `crypto_box` crate produces. Short nonces count from 1 per direction: the client
//! uses 1 for HELLO, 2 for INITIATE and 3 for its first MESSAGE; the server 1 for READY and
//! 2 for its first MESSAGE. A received MESSAGE must carry a nonce above the last one seen.
//!
//! # Deliberate differences from libzmq
//! * The cookie is sealed with a `crypto_box` between two random per-connection key pairs
//!   instead of a `crypto_secretbox` under a random key. A box is a secretbox under the
//!   derived key, and only the server ever opens its own cookie, so the wire is unchanged;
//!   it saves a direct dependency on `crypto_secretbox`.
//! * A second WELCOME is an unexpected command. libzmq's client reprocesses it and sends a
//!   second INITIATE, which its server then rejects anyway.

mod message_box;
mod poly1305_donna;
mod salsa20_core;

use std::collections::VecDeque;

use bytes::{BufMut, Bytes, BytesMut};
use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::{Aead, OsRng};
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};
use salsa20::cipher::zeroize::Zeroizing;

use self::message_box::{DirectionKey, open_box, seal_box, shared_key};
use super::{
    CURVE_KEY_LEN, Mechanism, MechanismContext, Status, ZapClient, check_basic_command_structure,
    command_with_properties, process_error_command, protocol_failure, zap_error_command,
};
use crate::consts;
use crate::zmtp::command::{ERROR, READY};
use crate::zmtp::frame::Frame;
use crate::zmtp::metadata::Metadata;
use crate::zmtp::zap::ZapRequest;
use crate::zmtp::{HandshakeFailure, ProtocolError};

const HELLO: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE: &[u8] = b"\x08INITIATE";
const MESSAGE: &[u8] = b"\x07MESSAGE";

/// Nonce prefixes (protocol.md 4.3.1).
const HELLO_NONCE: &[u8; 16] = b"CurveZMQHELLO---";
const INITIATE_NONCE: &[u8; 16] = b"CurveZMQINITIATE";
const READY_NONCE: &[u8; 16] = b"CurveZMQREADY---";
const CLIENT_MESSAGE_NONCE: &[u8; 16] = b"CurveZMQMESSAGEC";
const SERVER_MESSAGE_NONCE: &[u8; 16] = b"CurveZMQMESSAGES";
const WELCOME_NONCE: &[u8; 8] = b"WELCOME-";
const COOKIE_NONCE: &[u8; 8] = b"COOKIE--";
const VOUCH_NONCE: &[u8; 8] = b"VOUCH---";

use self::message_box::TAG_LEN;
/// HELLO body size.
const HELLO_LEN: usize = 200;
/// WELCOME body size.
const WELCOME_LEN: usize = 168;
/// Cookie: 16-byte nonce + box of C' and s'.
const COOKIE_LEN: usize = 16 + TAG_LEN + 64;
/// Smallest INITIATE: name, cookie, short nonce, box of C (32) and the vouch (96).
const INITIATE_MIN_LEN: usize = 9 + COOKIE_LEN + 8 + TAG_LEN + 128;
/// Smallest READY: name, short nonce, empty box.
const READY_MIN_LEN: usize = 6 + 8 + TAG_LEN;
/// A MESSAGE body up to its ciphertext: name, short nonce, tag.
const MESSAGE_HEADER_LEN: usize = MESSAGE.len() + 8 + TAG_LEN;
/// Smallest MESSAGE: name, short nonce, box of the flags byte.
const MESSAGE_MIN_LEN: usize = MESSAGE_HEADER_LEN + 1;

/// MESSAGE flag bits inside the box.
const FLAG_MORE: u8 = 0x01;
const FLAG_COMMAND: u8 = 0x02;

fn nonce(prefix: &[u8], tail: &[u8]) -> Nonce {
    let mut n = Nonce::default();
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

fn short_nonce(prefix: &[u8; 16], counter: u64) -> Nonce {
    nonce(prefix, &counter.to_be_bytes())
}

fn random_16() -> [u8; 16] {
    let mut r = [0u8; 16];
    OsRng.fill_bytes(&mut r);
    r
}

/// A box of `plaintext`, tag first.
fn seal(cipher: &SalsaBox, nonce: &Nonce, plaintext: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    // Encryption fails only for inputs far beyond any frame size; treat it as a
    // cryptographic failure rather than panic.
    cipher
        .encrypt(nonce, plaintext)
        .map_err(|_| ProtocolError::new(consts::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
}

/// The plaintext of a tag-first box, if it authenticates.
fn open(cipher: &SalsaBox, nonce: &Nonce, boxed: &[u8]) -> Option<Vec<u8>> {
    cipher.decrypt(nonce, boxed).ok()
}

fn key(bytes: &[u8]) -> [u8; CURVE_KEY_LEN] {
    let mut k = [0u8; CURVE_KEY_LEN];
    k.copy_from_slice(bytes);
    k
}

fn be_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(bytes);
    u64::from_be_bytes(b)
}

/// The per-connection MESSAGE codec (libzmq's `curve_encoding_t`): the precomputed
/// shared key of the short-term pair and both nonce counters.
struct Codec {
    tx_prefix: &'static [u8; 16],
    rx_prefix: &'static [u8; 16],
    /// The next short nonce to send (starts at 1).
    tx_nonce: u64,
    /// The last short nonce received in a HELLO, INITIATE, READY or MESSAGE.
    rx_nonce: u64,
    /// Set once the handshake has exchanged the short-term keys.
    keys: Option<SessionKeys>,
}

/// The keys of the short-term pair.
struct SessionKeys {
    /// `crypto_box_beforenm` of the peer's short-term public key and our secret one: seals
    /// INITIATE and READY.
    shared: Zeroizing<[u8; 32]>,
    /// The MESSAGE subkeys of each direction (see `message_box`).
    tx: DirectionKey,
    rx: DirectionKey,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("tx_nonce", &self.tx_nonce)
            .field("rx_nonce", &self.rx_nonce)
            .field("keyed", &self.keys.is_some())
            .finish()
    }
}

impl Codec {
    fn new(tx_prefix: &'static [u8; 16], rx_prefix: &'static [u8; 16]) -> Codec {
        Codec {
            tx_prefix,
            rx_prefix,
            tx_nonce: 1,
            rx_nonce: 1,
            keys: None,
        }
    }

    /// Keys the codec with the shared key of the short-term pair.
    fn set_shared(&mut self, shared: Zeroizing<[u8; 32]>) {
        self.keys = Some(SessionKeys {
            tx: DirectionKey::new(&shared, self.tx_prefix),
            rx: DirectionKey::new(&shared, self.rx_prefix),
            shared,
        });
    }

    /// Takes the next short nonce. Running out after 2^64 - 1 boxes would reuse a nonce,
    /// so it fails instead.
    fn next_nonce(&mut self) -> Result<u64, ProtocolError> {
        let n = self.tx_nonce;
        self.tx_nonce = n.checked_add(1).ok_or_else(ProtocolError::unspecified)?;
        Ok(n)
    }

    fn keys(&self) -> Result<&SessionKeys, ProtocolError> {
        self.keys
            .as_ref()
            .ok_or_else(|| ProtocolError::new(consts::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
    }

    /// A tag-first box under the short-term shared key with a short nonce.
    fn seal(
        &self,
        prefix: &[u8; 16],
        counter: u64,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ProtocolError> {
        Ok(seal_box(&self.keys()?.shared, prefix, counter, plaintext))
    }

    /// Boxes a frame as one MESSAGE. The frame's MORE and COMMAND bits travel inside the
    /// box; the outer frame is a plain message frame, as libzmq sends it. The body is
    /// built once and encrypted in place.
    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        let counter = self.next_nonce()?;
        let mut flags = 0;
        if frame.more {
            flags |= FLAG_MORE;
        }
        if frame.command {
            flags |= FLAG_COMMAND;
        }
        let keys = self.keys()?;
        let mut body = BytesMut::with_capacity(MESSAGE_HEADER_LEN + 1 + frame.data.len());
        body.put_slice(MESSAGE);
        body.put_u64(counter);
        body.put_bytes(0, TAG_LEN);
        body.put_u8(flags);
        body.put_slice(&frame.data);
        let tag = keys.tx.seal(counter, &mut body[MESSAGE_HEADER_LEN..]);
        body[MESSAGE_HEADER_LEN - TAG_LEN..MESSAGE_HEADER_LEN].copy_from_slice(&tag);
        Ok(Frame::new(body.freeze()))
    }

    /// Opens a MESSAGE (in place when the frame owns its buffer). Like libzmq the outer
    /// flags are kept and the inner ones added, so a MESSAGE sent in a command frame comes
    /// out as a command.
    fn decode(
        &mut self,
        frame: Frame,
        events: &mut VecDeque<HandshakeFailure>,
    ) -> Result<Frame, ProtocolError> {
        use consts::*;
        let body = &frame.data;
        check_basic_command_structure(body, events)?;
        if !body.starts_with(MESSAGE) {
            return Err(protocol_failure(
                events,
                ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            ));
        }
        if body.len() < MESSAGE_MIN_LEN {
            return Err(protocol_failure(
                events,
                ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
            ));
        }
        let counter = be_u64(&body[8..16]);
        if counter <= self.rx_nonce {
            return Err(protocol_failure(
                events,
                ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
            ));
        }
        self.rx_nonce = counter;
        let Some(keys) = &self.keys else {
            return Err(protocol_failure(
                events,
                ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
            ));
        };
        let mut buf = frame
            .data
            .try_into_mut()
            .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
        let (head, boxed) = buf.split_at_mut(MESSAGE_HEADER_LEN);
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&head[MESSAGE_HEADER_LEN - TAG_LEN..]);
        if !keys.rx.open(counter, boxed, &tag) {
            return Err(protocol_failure(
                events,
                ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
            ));
        }
        let flags = buf[MESSAGE_HEADER_LEN];
        let data = buf.freeze().slice(MESSAGE_HEADER_LEN + 1..);
        Ok(Frame {
            data,
            more: frame.more || flags & FLAG_MORE != 0,
            command: frame.command || flags & FLAG_COMMAND != 0,
        })
    }
}

/// The CURVE client side of one connection.
#[derive(Debug)]
pub struct CurveClient {
    ctx: MechanismContext,
    /// C, sent inside INITIATE.
    public_key: [u8; CURVE_KEY_LEN],
    /// c, signs the vouch.
    secret_key: SecretKey,
    /// S.
    server_key: PublicKey,
    /// c' and C', fresh for this connection.
    cn_secret: SecretKey,
    cn_public: [u8; CURVE_KEY_LEN],
    /// S', from WELCOME.
    cn_server: Option<PublicKey>,
    cookie: [u8; COOKIE_LEN],
    codec: Codec,
    state: ClientState,
    peer_metadata: Metadata,
    events: VecDeque<HandshakeFailure>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientState {
    SendingHello,
    WaitingForWelcome,
    SendingInitiate,
    WaitingForReady,
    Ready,
    ErrorReceived,
}

impl CurveClient {
    /// A client with long-term keys C, c and the server's S; the short-term pair is drawn
    /// from the OS random source.
    pub fn new(
        ctx: MechanismContext,
        public_key: [u8; CURVE_KEY_LEN],
        secret_key: [u8; CURVE_KEY_LEN],
        server_key: [u8; CURVE_KEY_LEN],
    ) -> CurveClient {
        let cn_secret = SecretKey::generate(&mut OsRng);
        CurveClient::with_short_term_key(ctx, public_key, secret_key, server_key, cn_secret)
    }

    /// As [`CurveClient::new`] with a given short-term secret key c' (for test vectors).
    pub(crate) fn with_short_term_key(
        ctx: MechanismContext,
        public_key: [u8; CURVE_KEY_LEN],
        secret_key: [u8; CURVE_KEY_LEN],
        server_key: [u8; CURVE_KEY_LEN],
        cn_secret: SecretKey,
    ) -> CurveClient {
        CurveClient {
            ctx,
            public_key,
            secret_key: SecretKey::from(secret_key),
            server_key: PublicKey::from(server_key),
            cn_public: cn_secret.public_key().to_bytes(),
            cn_secret,
            cn_server: None,
            cookie: [0; COOKIE_LEN],
            codec: Codec::new(CLIENT_MESSAGE_NONCE, SERVER_MESSAGE_NONCE),
            state: ClientState::SendingHello,
            peer_metadata: Metadata::new(),
            events: VecDeque::new(),
        }
    }

    fn fail(&mut self, code: i32) -> ProtocolError {
        protocol_failure(&mut self.events, code)
    }

    fn hello(&mut self) -> Result<Bytes, ProtocolError> {
        let counter = self.codec.next_nonce()?;
        let cipher = SalsaBox::new(&self.server_key, &self.cn_secret);
        let signature = seal(&cipher, &short_nonce(HELLO_NONCE, counter), &[0u8; 64])?;
        let mut b = BytesMut::with_capacity(HELLO_LEN);
        b.put_slice(HELLO);
        b.put_slice(&[1, 0]);
        b.put_bytes(0, 72);
        b.put_slice(&self.cn_public);
        b.put_u64(counter);
        b.put_slice(&signature);
        Ok(b.freeze())
    }

    fn process_welcome(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let crypto = consts::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC;
        if self.state != ClientState::WaitingForWelcome {
            return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() != WELCOME_LEN {
            return Err(self.fail(crypto));
        }
        let cipher = SalsaBox::new(&self.server_key, &self.cn_secret);
        let Some(plaintext) = open(&cipher, &nonce(WELCOME_NONCE, &body[8..24]), &body[24..])
        else {
            return Err(self.fail(crypto));
        };
        let cn_server = PublicKey::from(key(&plaintext[..32]));
        self.cookie.copy_from_slice(&plaintext[32..]);
        self.codec
            .set_shared(shared_key(&cn_server, &self.cn_secret));
        self.cn_server = Some(cn_server);
        self.state = ClientState::SendingInitiate;
        Ok(())
    }

    fn initiate(&mut self) -> Result<Bytes, ProtocolError> {
        let crypto = || ProtocolError::new(consts::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
        let cn_server = self.cn_server.as_ref().ok_or_else(crypto)?;
        // vouch = Box[C' | S](C→S'), proving that the long-term key C owns C'.
        let vouch_nonce = random_16();
        let mut vouch_plain = [0u8; 64];
        vouch_plain[..32].copy_from_slice(&self.cn_public);
        vouch_plain[32..].copy_from_slice(self.server_key.as_bytes());
        let vouch = seal(
            &SalsaBox::new(cn_server, &self.secret_key),
            &nonce(VOUCH_NONCE, &vouch_nonce),
            &vouch_plain,
        )?;
        let metadata = self.ctx.basic_properties();
        let mut plaintext = Vec::with_capacity(128 + metadata.encoded_len());
        plaintext.extend_from_slice(&self.public_key);
        plaintext.extend_from_slice(&vouch_nonce);
        plaintext.extend_from_slice(&vouch);
        let mut md = BytesMut::with_capacity(metadata.encoded_len());
        metadata.encode_into(&mut md);
        plaintext.extend_from_slice(&md);
        let counter = self.codec.next_nonce()?;
        let boxed = self.codec.seal(INITIATE_NONCE, counter, &plaintext)?;
        let mut b = BytesMut::with_capacity(INITIATE.len() + COOKIE_LEN + 8 + boxed.len());
        b.put_slice(INITIATE);
        b.put_slice(&self.cookie);
        b.put_u64(counter);
        b.put_slice(&boxed);
        Ok(b.freeze())
    }

    fn process_ready(&mut self, body: &Bytes) -> Result<(), ProtocolError> {
        use consts::*;
        // libzmq checks no state here: a READY before WELCOME fails to open.
        if body.len() < READY_MIN_LEN {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY));
        }
        let counter = be_u64(&body[6..14]);
        self.codec.rx_nonce = counter;
        let plaintext = match (&self.codec.keys, self.state) {
            (Some(keys), ClientState::WaitingForReady) => {
                open_box(&keys.shared, READY_NONCE, counter, &body[14..])
            }
            _ => None,
        };
        let Some(plaintext) = plaintext else {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
        };
        match self.ctx.parse_peer_metadata(&Bytes::from(plaintext)) {
            Ok(md) => {
                self.peer_metadata = md;
                self.state = ClientState::Ready;
                Ok(())
            }
            // libzmq reports EPROTO here whatever the cause.
            Err(_) => Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA)),
        }
    }
}

impl Mechanism for CurveClient {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        // The connection drains this until None, so a failure here cannot be returned;
        // it cannot happen for HELLO and INITIATE (nonces 1 and 2, S' known), but if it
        // did the handshake would stall until the handshake timer, never send garbage.
        match self.state {
            ClientState::SendingHello => {
                self.state = ClientState::WaitingForWelcome;
                self.hello().ok()
            }
            ClientState::SendingInitiate => {
                self.state = ClientState::WaitingForReady;
                self.initiate().ok()
            }
            _ => None,
        }
    }

    fn process_handshake_command(&mut self, body: Bytes) -> Result<(), ProtocolError> {
        if body.starts_with(WELCOME) {
            self.process_welcome(&body)
        } else if body.starts_with(READY) {
            self.process_ready(&body)
        } else if body.starts_with(ERROR) {
            if !matches!(
                self.state,
                ClientState::WaitingForWelcome | ClientState::WaitingForReady
            ) {
                return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
            }
            process_error_command(&body, ERROR.len(), &mut self.events)?;
            self.state = ClientState::ErrorReceived;
            Ok(())
        } else {
            Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    fn handle_zap_reply(&mut self, _frames: &[Bytes]) -> Result<(), ProtocolError> {
        Err(ProtocolError::with_errno(
            consts::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
            crate::Error::Fsm,
        ))
    }

    fn handle_zap_unavailable(&mut self) -> Result<(), ProtocolError> {
        Ok(())
    }

    fn status(&self) -> Status {
        match self.state {
            ClientState::Ready => Status::Ready,
            ClientState::ErrorReceived => Status::Error,
            _ => Status::Handshaking,
        }
    }

    fn poll_event(&mut self) -> Option<HandshakeFailure> {
        self.events.pop_front()
    }

    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.codec.encode(frame)
    }

    fn decode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.codec.decode(frame, &mut self.events)
    }

    fn peer_metadata(&self) -> &Metadata {
        &self.peer_metadata
    }

    fn user_id(&self) -> Option<&Bytes> {
        None
    }

    fn zap_metadata(&self) -> &Metadata {
        static EMPTY: Metadata = Metadata::EMPTY;
        &EMPTY
    }
}

/// The CURVE server side of one connection.
#[derive(Debug)]
pub struct CurveServer {
    ctx: MechanismContext,
    /// s.
    secret_key: SecretKey,
    /// s' and S', fresh for this connection.
    cn_secret: SecretKey,
    cn_public: [u8; CURVE_KEY_LEN],
    /// C', from HELLO.
    cn_client: [u8; CURVE_KEY_LEN],
    /// Seals and opens the cookie; only this connection can open what it sealed.
    cookie_key: CookieKey,
    codec: Codec,
    state: ServerState,
    zap: ZapClient,
    peer_metadata: Metadata,
    events: VecDeque<HandshakeFailure>,
}

/// The cookie key: a box between two random key pairs, i.e. a secretbox under a random
/// derived key (see the module documentation).
struct CookieKey(SalsaBox);

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    WaitingForHello,
    SendingWelcome,
    WaitingForInitiate,
    WaitingForZapReply,
    SendingReady,
    Ready,
    /// ZAP said 400 or 500: ERROR with this status is due.
    SendingError(u16),
    ErrorSent,
    /// ZAP said 300: libzmq sends nothing and keeps the connection open until its
    /// handshake timer (ZMQ_HANDSHAKE_IVL) or the peer's next command ends it.
    Stalled,
}

impl CurveServer {
    /// A server with long-term secret key s; the short-term pair and the cookie key are
    /// drawn from the OS random source.
    pub fn new(ctx: MechanismContext, secret_key: [u8; CURVE_KEY_LEN]) -> CurveServer {
        CurveServer::with_short_term_key(ctx, secret_key, SecretKey::generate(&mut OsRng))
    }

    /// As [`CurveServer::new`] with a given short-term secret key s' (for test vectors).
    pub(crate) fn with_short_term_key(
        ctx: MechanismContext,
        secret_key: [u8; CURVE_KEY_LEN],
        cn_secret: SecretKey,
    ) -> CurveServer {
        let cookie_key = CookieKey(SalsaBox::new(
            &SecretKey::generate(&mut OsRng).public_key(),
            &SecretKey::generate(&mut OsRng),
        ));
        CurveServer {
            ctx,
            secret_key: SecretKey::from(secret_key),
            cn_public: cn_secret.public_key().to_bytes(),
            cn_secret,
            cn_client: [0; CURVE_KEY_LEN],
            cookie_key,
            codec: Codec::new(SERVER_MESSAGE_NONCE, CLIENT_MESSAGE_NONCE),
            state: ServerState::WaitingForHello,
            zap: ZapClient::default(),
            peer_metadata: Metadata::new(),
            events: VecDeque::new(),
        }
    }

    fn fail(&mut self, code: i32) -> ProtocolError {
        protocol_failure(&mut self.events, code)
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        use consts::*;
        check_basic_command_structure(body, &mut self.events)?;
        if !body.starts_with(HELLO) {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() != HELLO_LEN || body[6..8] != [1, 0] {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO));
        }
        self.cn_client = key(&body[80..112]);
        let counter = be_u64(&body[112..120]);
        self.codec.rx_nonce = counter;
        let cipher = SalsaBox::new(&PublicKey::from(self.cn_client), &self.secret_key);
        // libzmq only checks that the box opens, not that it holds zeros.
        if open(&cipher, &short_nonce(HELLO_NONCE, counter), &body[120..]).is_none() {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
        }
        self.state = ServerState::SendingWelcome;
        Ok(())
    }

    fn welcome(&mut self) -> Result<Bytes, ProtocolError> {
        let cookie_nonce = random_16();
        let mut cookie_plain = [0u8; 64];
        cookie_plain[..32].copy_from_slice(&self.cn_client);
        cookie_plain[32..].copy_from_slice(&self.cn_secret.to_bytes());
        let cookie = seal(
            &self.cookie_key.0,
            &nonce(COOKIE_NONCE, &cookie_nonce),
            &cookie_plain,
        )?;
        let mut plaintext = Vec::with_capacity(32 + COOKIE_LEN);
        plaintext.extend_from_slice(&self.cn_public);
        plaintext.extend_from_slice(&cookie_nonce);
        plaintext.extend_from_slice(&cookie);
        let welcome_nonce = random_16();
        let cipher = SalsaBox::new(&PublicKey::from(self.cn_client), &self.secret_key);
        let boxed = seal(&cipher, &nonce(WELCOME_NONCE, &welcome_nonce), &plaintext)?;
        let mut b = BytesMut::with_capacity(WELCOME_LEN);
        b.put_slice(WELCOME);
        b.put_slice(&welcome_nonce);
        b.put_slice(&boxed);
        Ok(b.freeze())
    }

    fn process_initiate(&mut self, body: &Bytes) -> Result<(), ProtocolError> {
        use consts::*;
        check_basic_command_structure(body, &mut self.events)?;
        if !body.starts_with(INITIATE) {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() < INITIATE_MIN_LEN {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE));
        }
        // The cookie must be ours and name this connection's C' and s'.
        let cookie = open(
            &self.cookie_key.0,
            &nonce(COOKIE_NONCE, &body[9..25]),
            &body[25..105],
        );
        let cookie_ok = cookie
            .is_some_and(|c| c[..32] == self.cn_client && c[32..] == self.cn_secret.to_bytes());
        if !cookie_ok {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
        }
        let counter = be_u64(&body[105..113]);
        self.codec.rx_nonce = counter;
        let shared = shared_key(&PublicKey::from(self.cn_client), &self.cn_secret);
        let Some(plaintext) = open_box(&shared, INITIATE_NONCE, counter, &body[113..]) else {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
        };
        let client_key = key(&plaintext[..32]);
        let vouch = open(
            &SalsaBox::new(&PublicKey::from(client_key), &self.cn_secret),
            &nonce(VOUCH_NONCE, &plaintext[32..48]),
            &plaintext[48..128],
        );
        let Some(vouch) = vouch else {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
        };
        // As libzmq, only the C' half of the vouch is compared, not S.
        if vouch[..32] != self.cn_client {
            return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE));
        }
        self.codec.set_shared(shared);
        // ZAP whenever a domain is set or enforcement is off (then a missing handler means
        // "Stonehouse": encryption without authentication).
        if !self.ctx.zap_domain.is_empty() || !self.ctx.zap_enforce_domain {
            self.zap.request(
                &self.ctx,
                b"CURVE",
                vec![Bytes::copy_from_slice(&client_key)],
            );
            self.state = ServerState::WaitingForZapReply;
        } else {
            self.state = ServerState::SendingReady;
        }
        // libzmq raises no monitor event for bad INITIATE metadata.
        self.peer_metadata = self
            .ctx
            .parse_peer_metadata(&Bytes::from(plaintext).slice(128..))?;
        Ok(())
    }

    fn ready(&mut self) -> Result<Bytes, ProtocolError> {
        let metadata = command_with_properties(b"", &self.ctx);
        let counter = self.codec.next_nonce()?;
        let boxed = self.codec.seal(READY_NONCE, counter, &metadata)?;
        let mut b = BytesMut::with_capacity(READY_MIN_LEN + metadata.len());
        b.put_slice(READY);
        b.put_u64(counter);
        b.put_slice(&boxed);
        Ok(b.freeze())
    }
}

impl Mechanism for CurveServer {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        // As for the client: these cannot fail once the state allows them; a failure
        // would only stall the handshake, never send garbage.
        match self.state {
            ServerState::SendingWelcome => {
                self.state = ServerState::WaitingForInitiate;
                self.welcome().ok()
            }
            ServerState::SendingReady => {
                self.state = ServerState::Ready;
                self.ready().ok()
            }
            ServerState::SendingError(status) => {
                self.state = ServerState::ErrorSent;
                Some(zap_error_command(status))
            }
            _ => None,
        }
    }

    fn process_handshake_command(&mut self, body: Bytes) -> Result<(), ProtocolError> {
        match self.state {
            ServerState::WaitingForHello => self.process_hello(&body),
            ServerState::WaitingForInitiate => self.process_initiate(&body),
            _ => Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED)),
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn handle_zap_reply(&mut self, frames: &[Bytes]) -> Result<(), ProtocolError> {
        let status = self.zap.handle_reply(&self.ctx, frames, &mut self.events)?;
        self.state = match status {
            200 => ServerState::SendingReady,
            // A temporary failure sends nothing and does not close either (libzmq).
            300 => ServerState::Stalled,
            _ => ServerState::SendingError(status),
        };
        Ok(())
    }

    fn handle_zap_unavailable(&mut self) -> Result<(), ProtocolError> {
        if self.state != ServerState::WaitingForZapReply {
            return Ok(());
        }
        if self.ctx.zap_enforce_domain {
            self.events
                .push_back(HandshakeFailure::NoDetail(crate::Error::Fault));
            return Err(ProtocolError::with_errno(
                consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
                crate::Error::Fault,
            ));
        }
        // "Stonehouse": no handler, no enforcement: any client key is accepted.
        self.state = ServerState::SendingReady;
        Ok(())
    }

    fn status(&self) -> Status {
        match self.state {
            ServerState::Ready => Status::Ready,
            ServerState::ErrorSent => Status::Error,
            _ => Status::Handshaking,
        }
    }

    fn poll_event(&mut self) -> Option<HandshakeFailure> {
        self.events.pop_front()
    }

    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.codec.encode(frame)
    }

    fn decode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.codec.decode(frame, &mut self.events)
    }

    fn peer_metadata(&self) -> &Metadata {
        &self.peer_metadata
    }

    fn user_id(&self) -> Option<&Bytes> {
        self.zap.user_id()
    }

    fn zap_metadata(&self) -> &Metadata {
        self.zap.metadata()
    }
}
