//! Security mechanisms (RFC 23 section "Security"): the [`Mechanism`] trait and the
//! helpers every mechanism shares. Replaces libzmq's `mechanism.cpp` and
//! `mechanism_base.cpp`.
//!
//! A mechanism is sans-IO like the rest of `zmtp`: the connection asks it for handshake
//! commands to send, hands it the commands received, relays its ZAP request to the socket
//! layer and the ZAP reply back, and, once it is ready, passes every frame through
//! [`Mechanism::encode`] and [`Mechanism::decode`] (identity for NULL and PLAIN; CURVE's
//! MESSAGE boxes). Monitor events a mechanism raises are collected with
//! [`Mechanism::poll_event`].
//!
//! The socket layer picks the mechanism with [`MechanismConfig::from_options`] (NULL,
//! PLAIN client/server with the credentials, CURVE client/server with the keys) and puts
//! it in the connection's `Config` together with `zap_domain`, `zap_enforce_domain` and
//! `peer_address`. A server's ZAP request comes out as `Event::ZapRequest`; the socket
//! layer forwards it to `inproc://zeromq.zap.01` and feeds the reply back with
//! `Connection::handle_zap_reply`, or calls `Connection::handle_zap_unavailable` when no
//! handler is bound (PLAIN then fails with `EFAULT`; CURVE accepts the client unless
//! `ZMQ_ZAP_ENFORCE_DOMAIN` is set).

pub mod curve;
pub mod null;
pub mod plain;

use bytes::Bytes;

use super::frame::Frame;
use super::greeting::{MECHANISM_SIZE, mechanism_field};
use super::metadata::Metadata;
use super::zap::{ZapReply, ZapRequest};
use super::{HandshakeFailure, ProtocolError};
use crate::consts;
use crate::socket::kind::SocketType;

pub use curve::{CurveClient, CurveServer};
pub use null::NullMechanism;
pub use plain::{PlainClient, PlainServer};

/// The property name of the socket type.
pub const PROPERTY_SOCKET_TYPE: &[u8] = b"Socket-Type";
/// The property name of the routing id.
pub const PROPERTY_IDENTITY: &[u8] = b"Identity";

/// The length of a CURVE key in bytes.
pub const CURVE_KEY_LEN: usize = 32;

/// Which mechanism a connection uses, with its settings (a snapshot of the socket's
/// `ZMQ_MECHANISM`, `ZMQ_PLAIN_*` and `ZMQ_CURVE_*` options; see
/// [`MechanismConfig::from_options`]).
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MechanismConfig {
    /// `ZMQ_NULL`: no security.
    #[default]
    Null,
    /// PLAIN client: `ZMQ_PLAIN_USERNAME` / `ZMQ_PLAIN_PASSWORD` (each 0-255 bytes; longer
    /// values are cut to 255, which the option rules never allow anyway).
    PlainClient {
        /// The user name sent in HELLO.
        username: Bytes,
        /// The password sent in HELLO.
        password: Bytes,
    },
    /// PLAIN server (`ZMQ_PLAIN_SERVER=1`): asks the ZAP handler about every HELLO.
    PlainServer,
    /// CURVE client: `ZMQ_CURVE_PUBLICKEY`, `ZMQ_CURVE_SECRETKEY`, `ZMQ_CURVE_SERVERKEY`.
    CurveClient {
        /// The client's long-term public key (C).
        public_key: [u8; CURVE_KEY_LEN],
        /// The client's long-term secret key (c).
        secret_key: [u8; CURVE_KEY_LEN],
        /// The server's long-term public key (S).
        server_key: [u8; CURVE_KEY_LEN],
    },
    /// CURVE server (`ZMQ_CURVE_SERVER=1`): `ZMQ_CURVE_SECRETKEY` (s) is all it uses,
    /// as libzmq.
    CurveServer {
        /// The server's long-term secret key (s).
        secret_key: [u8; CURVE_KEY_LEN],
    },
}

impl std::fmt::Debug for MechanismConfig {
    // Secrets (passwords, secret keys) stay out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MechanismConfig::Null => f.write_str("Null"),
            MechanismConfig::PlainClient { username, .. } => f
                .debug_struct("PlainClient")
                .field("username", username)
                .finish_non_exhaustive(),
            MechanismConfig::PlainServer => f.write_str("PlainServer"),
            MechanismConfig::CurveClient {
                public_key,
                server_key,
                ..
            } => f
                .debug_struct("CurveClient")
                .field("public_key", &crate::z85::encode_key(public_key))
                .field("server_key", &crate::z85::encode_key(server_key))
                .finish_non_exhaustive(),
            MechanismConfig::CurveServer { .. } => f.write_str("CurveServer { .. }"),
        }
    }
}

impl MechanismConfig {
    /// The mechanism a socket's options select: `ZMQ_MECHANISM` (as left by the last
    /// PLAIN/CURVE option) and the server flag, with the credentials that go with them.
    pub fn from_options(options: &crate::socket::options::Options) -> MechanismConfig {
        use crate::socket::options::Mechanism as M;
        match (options.mechanism, options.as_server) {
            (M::Null, _) => MechanismConfig::Null,
            (M::Plain, true) => MechanismConfig::PlainServer,
            (M::Plain, false) => MechanismConfig::PlainClient {
                username: Bytes::copy_from_slice(&options.plain_username),
                password: Bytes::copy_from_slice(&options.plain_password),
            },
            (M::Curve, true) => MechanismConfig::CurveServer {
                secret_key: options.curve_secret_key,
            },
            (M::Curve, false) => MechanismConfig::CurveClient {
                public_key: options.curve_public_key,
                secret_key: options.curve_secret_key,
                server_key: options.curve_server_key,
            },
        }
    }

    /// The mechanism name as in the greeting and in ZAP requests.
    pub fn name(&self) -> &'static str {
        match self {
            MechanismConfig::Null => "NULL",
            MechanismConfig::PlainClient { .. } | MechanismConfig::PlainServer => "PLAIN",
            MechanismConfig::CurveClient { .. } | MechanismConfig::CurveServer { .. } => "CURVE",
        }
    }

    /// The 20-byte greeting field.
    pub fn greeting_field(&self) -> [u8; MECHANISM_SIZE] {
        mechanism_field(self.name())
    }

    /// The as-server byte of our greeting. libzmq always sends 0 there, even for a PLAIN
    /// or CURVE server (protocol.md section 0), so this is always false; roles come from
    /// the local options only (see [`MechanismConfig::is_server`]).
    pub fn as_server(&self) -> bool {
        false
    }

    /// Whether this side is the server of the mechanism (`ZMQ_PLAIN_SERVER`,
    /// `ZMQ_CURVE_SERVER`).
    pub fn is_server(&self) -> bool {
        matches!(
            self,
            MechanismConfig::PlainServer | MechanismConfig::CurveServer { .. }
        )
    }

    /// libzmq's `zap_enabled()`: a mechanism other than NULL, or a ZAP domain. ZMTP 1.0
    /// and 2.0 peers are refused when it holds.
    pub fn zap_enabled(&self, zap_domain: &[u8]) -> bool {
        !matches!(self, MechanismConfig::Null) || !zap_domain.is_empty()
    }

    /// Creates the mechanism for one connection. CURVE draws its per-connection keys,
    /// nonces and cookie key from the OS random source here.
    pub fn build(&self, ctx: MechanismContext) -> Box<dyn Mechanism> {
        match self {
            MechanismConfig::Null => Box::new(NullMechanism::new(ctx)),
            MechanismConfig::PlainClient { username, password } => {
                Box::new(PlainClient::new(ctx, username.clone(), password.clone()))
            }
            MechanismConfig::PlainServer => Box::new(PlainServer::new(ctx)),
            MechanismConfig::CurveClient {
                public_key,
                secret_key,
                server_key,
            } => Box::new(CurveClient::new(ctx, *public_key, *secret_key, *server_key)),
            MechanismConfig::CurveServer { secret_key } => {
                Box::new(CurveServer::new(ctx, *secret_key))
            }
        }
    }
}

/// What a mechanism needs to know about the local socket and the connection.
#[derive(Clone, Debug)]
pub struct MechanismContext {
    /// The local socket type (sent as `Socket-Type`, checked against the peer's).
    pub socket_type: SocketType,
    /// `ZMQ_ROUTING_ID` (sent as `Identity` by REQ, DEALER and ROUTER; ZAP identity).
    pub routing_id: Bytes,
    /// `ZMQ_METADATA` properties, in the order to send them.
    pub metadata: Metadata,
    /// `ZMQ_ZAP_DOMAIN`.
    pub zap_domain: Bytes,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`.
    pub zap_enforce_domain: bool,
    /// The peer's address as ZAP wants it (numeric IP for TCP).
    pub peer_address: Bytes,
}

impl MechanismContext {
    /// libzmq's `make_command_with_basic_properties`: `Socket-Type`, then `Identity` for
    /// REQ, DEALER and ROUTER, then the application metadata.
    pub fn basic_properties(&self) -> Metadata {
        let mut md = Metadata::new();
        md.push(
            Bytes::from_static(PROPERTY_SOCKET_TYPE),
            Bytes::from_static(self.socket_type.name().as_bytes()),
        );
        if matches!(
            self.socket_type,
            SocketType::Req | SocketType::Dealer | SocketType::Router
        ) {
            md.push(
                Bytes::from_static(PROPERTY_IDENTITY),
                self.routing_id.clone(),
            );
        }
        for (name, value) in self.metadata.iter() {
            md.push(name.clone(), value.clone());
        }
        md
    }

    /// libzmq's `parse_metadata` for a peer's READY/INITIATE: decodes and checks every
    /// `Socket-Type` property against the local type.
    ///
    /// # Errors
    /// `EPROTO` for malformed metadata, `EINVAL` for an incompatible socket type; both
    /// carry `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA` (libzmq raises no event for NULL).
    pub fn parse_peer_metadata(&self, data: &Bytes) -> Result<Metadata, ProtocolError> {
        let code = consts::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA;
        let md = Metadata::decode(data).map_err(|_| ProtocolError::new(code))?;
        if !self.accepts_peer_types(&md) {
            return Err(ProtocolError::with_errno(code, crate::Error::Inval));
        }
        Ok(md)
    }

    /// Whether every `Socket-Type` property of `md` names a type the local socket accepts
    /// (exact, case-sensitive names; libzmq's `check_socket_type`).
    pub fn accepts_peer_types(&self, md: &Metadata) -> bool {
        for (name, value) in md.iter() {
            if name.as_ref() == PROPERTY_SOCKET_TYPE {
                let ok = SocketType::from_name(value)
                    .is_some_and(|peer| self.socket_type.accepts_peer(peer));
                if !ok {
                    return false;
                }
            }
        }
        true
    }
}

/// Where a mechanism's handshake stands (libzmq's `mechanism_t::status_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Still exchanging handshake commands (or waiting for ZAP).
    Handshaking,
    /// Done: traffic may flow.
    Ready,
    /// Failed (an ERROR was sent or received); the connection closes.
    Error,
}

/// A security mechanism: the handshake after the greeting, ZAP, and frame encoding.
///
/// Call order, driven by the connection: after every input (`process_handshake_command`,
/// `handle_zap_reply`, `handle_zap_unavailable`) it drains `next_handshake_command` and
/// `zap_request`, forwards `poll_event`, then looks at `status`.
pub trait Mechanism: std::fmt::Debug + Send {
    /// The next handshake command body to send, if one is due now.
    fn next_handshake_command(&mut self) -> Option<Bytes>;

    /// Processes a received handshake command body.
    ///
    /// # Errors
    /// A protocol error ends the connection; any monitor event is already queued.
    fn process_handshake_command(&mut self, body: Bytes) -> Result<(), ProtocolError>;

    /// A ZAP request to hand to the socket layer, taken once.
    fn zap_request(&mut self) -> Option<super::zap::ZapRequest>;

    /// The ZAP handler's reply: the frames of one message, delimiter first.
    ///
    /// # Errors
    /// A malformed reply is a protocol error (`ZMQ_PROTOCOL_ERROR_ZAP_*`).
    fn handle_zap_reply(&mut self, frames: &[Bytes]) -> Result<(), ProtocolError>;

    /// No ZAP handler is bound at `inproc://zeromq.zap.01`.
    ///
    /// # Errors
    /// When the mechanism requires a handler (`EFAULT`).
    fn handle_zap_unavailable(&mut self) -> Result<(), ProtocolError>;

    /// The handshake state.
    fn status(&self) -> Status;

    /// A monitor event raised by the mechanism, taken once.
    fn poll_event(&mut self) -> Option<HandshakeFailure>;

    /// Wraps a frame for the wire once ready (CURVE: a MESSAGE box). Identity by default.
    ///
    /// # Errors
    /// A mechanism-specific failure ends the connection.
    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        Ok(frame)
    }

    /// Unwraps a frame from the wire once ready. Identity by default.
    ///
    /// # Errors
    /// A frame that does not decode (bad box, replayed nonce) ends the connection.
    fn decode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        Ok(frame)
    }

    /// The peer's handshake metadata (ZMTP properties).
    fn peer_metadata(&self) -> &Metadata;

    /// The user id a ZAP handler returned, if ZAP ran.
    fn user_id(&self) -> Option<&Bytes>;

    /// Properties a ZAP handler returned.
    fn zap_metadata(&self) -> &Metadata;
}

/// Records a `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` event with `code` and returns the
/// matching protocol error (`EPROTO`), as libzmq's mechanisms do on malformed input.
pub(crate) fn protocol_failure(
    events: &mut std::collections::VecDeque<HandshakeFailure>,
    code: i32,
) -> ProtocolError {
    events.push_back(HandshakeFailure::Protocol(code));
    ProtocolError::new(code)
}

/// libzmq's `check_basic_command_structure`: a command body must be longer than one byte
/// and longer than its own name-length byte.
pub(crate) fn check_basic_command_structure(
    body: &[u8],
    events: &mut std::collections::VecDeque<HandshakeFailure>,
) -> Result<(), ProtocolError> {
    match body.first() {
        Some(&name_len) if body.len() > 1 && body.len() > usize::from(name_len) => Ok(()),
        _ => Err(protocol_failure(
            events,
            consts::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        )),
    }
}

/// Parses an ERROR command received by a PLAIN or CURVE client: a name of
/// `prefix_len` bytes, a reason length byte, the reason. A reason of exactly `300`, `400`
/// or `500` raises `HANDSHAKE_FAILED_AUTH` with that number (libzmq's
/// `handle_error_reason`).
///
/// # Errors
/// `..._MALFORMED_COMMAND_ERROR` when the length byte is missing or runs past the end.
pub(crate) fn process_error_command(
    body: &[u8],
    prefix_len: usize,
    events: &mut std::collections::VecDeque<HandshakeFailure>,
) -> Result<(), ProtocolError> {
    let malformed = consts::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;
    let Some(&len) = body.get(prefix_len) else {
        return Err(protocol_failure(events, malformed));
    };
    let start = prefix_len + 1;
    let Some(reason) = body.get(start..start + usize::from(len)) else {
        return Err(protocol_failure(events, malformed));
    };
    if let [d @ b'3'..=b'5', b'0', b'0'] = reason {
        events.push_back(HandshakeFailure::Auth(u16::from(d - b'0') * 100));
    }
    Ok(())
}

/// The ZAP exchange of a PLAIN or CURVE server (libzmq's `zap_client_t`): one request,
/// one checked reply.
#[derive(Debug, Default)]
pub(crate) struct ZapClient {
    pending: Option<ZapRequest>,
    awaiting_reply: bool,
    reply: Option<ZapReply>,
}

impl ZapClient {
    /// Queues the request for `mechanism` with its credential frames.
    pub(crate) fn request(
        &mut self,
        ctx: &MechanismContext,
        mechanism: &'static [u8],
        credentials: Vec<Bytes>,
    ) {
        self.pending = Some(ZapRequest::new(
            ctx.zap_domain.clone(),
            ctx.peer_address.clone(),
            ctx.routing_id.clone(),
            mechanism,
            credentials,
        ));
        self.awaiting_reply = true;
    }

    /// The queued request, taken once.
    pub(crate) fn take_request(&mut self) -> Option<ZapRequest> {
        self.pending.take()
    }

    /// Checks a reply and returns its status (200, 300, 400 or 500). A status other than
    /// 200 raises `HANDSHAKE_FAILED_AUTH`.
    ///
    /// # Errors
    /// A reply nobody asked for (`EFSM`), or a malformed one (`ZMQ_PROTOCOL_ERROR_ZAP_*`,
    /// with its monitor event).
    pub(crate) fn handle_reply(
        &mut self,
        ctx: &MechanismContext,
        frames: &[Bytes],
        events: &mut std::collections::VecDeque<HandshakeFailure>,
    ) -> Result<u16, ProtocolError> {
        if !self.awaiting_reply {
            return Err(ProtocolError::with_errno(
                consts::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
                crate::Error::Fsm,
            ));
        }
        self.awaiting_reply = false;
        let reply = ZapReply::parse(frames).map_err(|code| protocol_failure(events, code))?;
        if !ctx.accepts_peer_types(&reply.metadata) {
            return Err(protocol_failure(
                events,
                consts::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA,
            ));
        }
        let status = reply.status;
        if status != 200 {
            events.push_back(HandshakeFailure::Auth(status));
        }
        self.reply = Some(reply);
        Ok(status)
    }

    /// The user id from the reply.
    pub(crate) fn user_id(&self) -> Option<&Bytes> {
        self.reply.as_ref().map(|r| &r.user_id)
    }

    /// The properties from the reply.
    pub(crate) fn metadata(&self) -> &Metadata {
        static EMPTY: Metadata = Metadata::EMPTY;
        self.reply.as_ref().map_or(&EMPTY, |r| &r.metadata)
    }
}

/// The ERROR command a CURVE server sends for a ZAP status (`"400"` or `"500"`).
pub(crate) fn zap_error_command(status: u16) -> Bytes {
    super::Command::Error(Bytes::from(status.to_string())).encode()
}

/// `Socket-Type`, `Identity` and application metadata behind a command name prefix.
pub(crate) fn command_with_properties(prefix: &[u8], ctx: &MechanismContext) -> Bytes {
    let md = ctx.basic_properties();
    let mut b = bytes::BytesMut::with_capacity(prefix.len() + md.encoded_len());
    b.extend_from_slice(prefix);
    md.encode_into(&mut b);
    b.freeze()
}
