//! The NULL mechanism (RFC 23 "The NULL Security Mechanism", RFC 27 for its optional ZAP
//! step; protocol.md sections 3.2, 4.1, 5.3). Replaces libzmq's `null_mechanism.cpp`.
//!
//! Both sides send READY at once. With a ZAP domain set, our READY waits for the ZAP
//! verdict: 200 sends READY, 400/500 send ERROR with that code, 300 sends nothing.

use std::collections::VecDeque;

use bytes::Bytes;

use super::{Mechanism, MechanismContext, Status};
use crate::consts;
use crate::zmtp::command::{ERROR, READY};
use crate::zmtp::metadata::Metadata;
use crate::zmtp::zap::{ZapReply, ZapRequest};
use crate::zmtp::{Command, HandshakeFailure, ProtocolError};

/// The NULL mechanism for one connection.
#[derive(Debug)]
pub struct NullMechanism {
    ctx: MechanismContext,
    ready_sent: bool,
    error_sent: bool,
    ready_received: bool,
    error_received: bool,
    zap_required: bool,
    zap_request_sent: bool,
    pending_zap: Option<ZapRequest>,
    zap_reply: Option<ZapReply>,
    peer_metadata: Metadata,
    events: VecDeque<HandshakeFailure>,
}

impl NullMechanism {
    /// A fresh mechanism.
    pub fn new(ctx: MechanismContext) -> NullMechanism {
        NullMechanism {
            zap_required: !ctx.zap_domain.is_empty(),
            ctx,
            ready_sent: false,
            error_sent: false,
            ready_received: false,
            error_received: false,
            zap_request_sent: false,
            pending_zap: None,
            zap_reply: None,
            peer_metadata: Metadata::new(),
            events: VecDeque::new(),
        }
    }

    fn fail(&mut self, code: i32) -> ProtocolError {
        self.events.push_back(HandshakeFailure::Protocol(code));
        ProtocolError::new(code)
    }

    /// libzmq's `handle_error_reason`: a reason of exactly `300`, `400` or `500` is
    /// reported as an authentication failure; anything else raises nothing.
    fn handle_error_reason(&mut self, reason: &[u8]) {
        if let [d @ b'3'..=b'5', b'0', b'0'] = reason {
            self.events
                .push_back(HandshakeFailure::Auth(u16::from(d - b'0') * 100));
        }
    }
}

impl Mechanism for NullMechanism {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        if self.ready_sent || self.error_sent {
            return None;
        }
        if self.zap_required && self.zap_reply.is_none() {
            if !self.zap_request_sent {
                self.zap_request_sent = true;
                self.pending_zap = Some(ZapRequest::new(
                    self.ctx.zap_domain.clone(),
                    self.ctx.peer_address.clone(),
                    self.ctx.routing_id.clone(),
                    b"NULL",
                    Vec::new(),
                ));
            }
            return None;
        }
        if let Some(status) = self.zap_reply.as_ref().map(|r| r.status) {
            if status != 200 {
                self.error_sent = true;
                if status == 300 {
                    return None;
                }
                let reason = Bytes::from(status.to_string());
                return Some(Command::Error(reason).encode());
            }
        }
        self.ready_sent = true;
        Some(Command::Ready(self.ctx.basic_properties()).encode())
    }

    fn process_handshake_command(&mut self, body: Bytes) -> Result<(), ProtocolError> {
        if self.ready_received || self.error_received {
            return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        // libzmq matches the name as a prefix of the body, so "\x05READYx..." is a READY
        // whose metadata starts with 'x'.
        if body.starts_with(READY) {
            self.ready_received = true;
            self.peer_metadata = self.ctx.parse_peer_metadata(&body.slice(READY.len()..))?;
            Ok(())
        } else if body.starts_with(ERROR) {
            let malformed = consts::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;
            let Some(&len) = body.get(ERROR.len()) else {
                return Err(self.fail(malformed));
            };
            let start = ERROR.len() + 1;
            let Some(reason) = body.get(start..start + usize::from(len)) else {
                return Err(self.fail(malformed));
            };
            let reason = reason.to_vec();
            self.handle_error_reason(&reason);
            self.error_received = true;
            Ok(())
        } else {
            Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        self.pending_zap.take()
    }

    fn handle_zap_reply(&mut self, frames: &[Bytes]) -> Result<(), ProtocolError> {
        if !self.zap_request_sent || self.zap_reply.is_some() {
            // libzmq: EFSM, then the engine fails with a protocol error.
            return Err(ProtocolError::with_errno(
                consts::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
                crate::Error::Fsm,
            ));
        }
        let reply = ZapReply::parse(frames).map_err(|code| self.fail(code))?;
        if !self.ctx.accepts_peer_types(&reply.metadata) {
            return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA));
        }
        if reply.status != 200 {
            self.events.push_back(HandshakeFailure::Auth(reply.status));
        }
        self.zap_reply = Some(reply);
        Ok(())
    }

    fn handle_zap_unavailable(&mut self) -> Result<(), ProtocolError> {
        if self.ctx.zap_enforce_domain {
            self.events
                .push_back(HandshakeFailure::NoDetail(crate::Error::Fault));
            return Err(ProtocolError::with_errno(
                consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
                crate::Error::Fault,
            ));
        }
        // Without a handler and without enforcement, libzmq carries on unauthenticated.
        self.zap_required = false;
        Ok(())
    }

    fn status(&self) -> Status {
        if self.ready_sent && self.ready_received {
            return Status::Ready;
        }
        let sent = self.ready_sent || self.error_sent;
        let received = self.ready_received || self.error_received;
        if sent && received {
            Status::Error
        } else {
            Status::Handshaking
        }
    }

    fn poll_event(&mut self) -> Option<HandshakeFailure> {
        self.events.pop_front()
    }

    fn peer_metadata(&self) -> &Metadata {
        &self.peer_metadata
    }

    fn user_id(&self) -> Option<&Bytes> {
        self.zap_reply.as_ref().map(|r| &r.user_id)
    }

    fn zap_metadata(&self) -> &Metadata {
        static EMPTY: Metadata = Metadata::EMPTY;
        self.zap_reply.as_ref().map_or(&EMPTY, |r| &r.metadata)
    }
}
