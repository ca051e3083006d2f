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

pub mod null;

use bytes::Bytes;

use super::frame::Frame;
use super::greeting::{MECHANISM_SIZE, mechanism_field};
use super::metadata::Metadata;
use super::{HandshakeFailure, ProtocolError};
use crate::consts;
use crate::socket::kind::SocketType;

pub use null::NullMechanism;

/// The property name of the socket type.
pub const PROPERTY_SOCKET_TYPE: &[u8] = b"Socket-Type";
/// The property name of the routing id.
pub const PROPERTY_IDENTITY: &[u8] = b"Identity";

/// Which mechanism a connection uses, with its settings. PLAIN and CURVE join as variants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MechanismConfig {
    /// `ZMQ_NULL`: no security.
    #[default]
    Null,
}

impl MechanismConfig {
    /// The mechanism name as in the greeting and in ZAP requests.
    pub fn name(&self) -> &'static str {
        match self {
            MechanismConfig::Null => "NULL",
        }
    }

    /// The 20-byte greeting field.
    pub fn greeting_field(&self) -> [u8; MECHANISM_SIZE] {
        mechanism_field(self.name())
    }

    /// Whether this side is the server of the mechanism (the as-server greeting byte).
    pub fn as_server(&self) -> bool {
        match self {
            MechanismConfig::Null => false,
        }
    }

    /// libzmq's `zap_enabled()`: a mechanism other than NULL, or a ZAP domain. ZMTP 1.0
    /// and 2.0 peers are refused when it holds.
    pub fn zap_enabled(&self, zap_domain: &[u8]) -> bool {
        !matches!(self, MechanismConfig::Null) || !zap_domain.is_empty()
    }

    /// Creates the mechanism for one connection.
    pub fn build(&self, ctx: MechanismContext) -> Box<dyn Mechanism> {
        match self {
            MechanismConfig::Null => Box::new(NullMechanism::new(ctx)),
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
