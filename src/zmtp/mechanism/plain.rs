//! The PLAIN mechanism (RFC 24 as libzmq implements it; protocol.md sections 4.2 and 5).
//! Replaces libzmq's `plain_client.cpp` and `plain_server.cpp`.
//!
//! ```text
//! C → S  HELLO     \x05HELLO | u_len | username | p_len | password
//! S → C  WELCOME   \x07WELCOME            (after ZAP answered 200)
//! C → S  INITIATE  \x08INITIATE | metadata
//! S → C  READY     \x05READY | metadata
//! ```
//! The server always asks ZAP: without a handler the handshake fails (`EFAULT`). ZAP 400
//! and 500 are answered with ERROR; after 300 nothing is sent and the connection stays open
//! until the handshake timer ends it (as in libzmq).
//!
//! libzmq 4.3 spells the PLAIN ERROR name `"\x05ERROR"` in C, where the hex escape
//! swallows the `E`: on the wire its PLAIN ERROR is `5E "RROR"` (`"^RROR"`, 5 bytes), then
//! the reason length and reason (`04 09 5E 52 52 4F 52 03 34 30 30` for 400, captured
//! from libzmq 4.3.4), and its PLAIN client recognises only that form. We send the same
//! bytes so libzmq clients see the ZAP status, and accept both that form and the correct
//! `\x05ERROR` (which libzmq's client would reject as an unexpected command) from servers.

use std::collections::VecDeque;

use bytes::{BufMut, Bytes, BytesMut};

use super::{
    Mechanism, MechanismContext, Status, ZapClient, check_basic_command_structure,
    command_with_properties, process_error_command, protocol_failure,
};
use crate::consts;
use crate::zmtp::command::{ERROR, READY};
use crate::zmtp::metadata::Metadata;
use crate::zmtp::zap::ZapRequest;
use crate::zmtp::{HandshakeFailure, ProtocolError};

const HELLO: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE: &[u8] = b"\x08INITIATE";
/// The ERROR name as libzmq's PLAIN mechanism puts it on the wire (see the module docs).
const LIBZMQ_ERROR: &[u8] = b"\x5eRROR";

/// The PLAIN client side of one connection.
#[derive(Debug)]
pub struct PlainClient {
    ctx: MechanismContext,
    username: Bytes,
    password: Bytes,
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

impl PlainClient {
    /// A client sending `username` and `password` (each cut to 255 bytes, the most the
    /// one-byte lengths can carry; the socket options never allow more).
    pub fn new(ctx: MechanismContext, mut username: Bytes, mut password: Bytes) -> PlainClient {
        username.truncate(255);
        password.truncate(255);
        PlainClient {
            ctx,
            username,
            password,
            state: ClientState::SendingHello,
            peer_metadata: Metadata::new(),
            events: VecDeque::new(),
        }
    }

    fn hello(&self) -> Bytes {
        let mut b =
            BytesMut::with_capacity(HELLO.len() + 2 + self.username.len() + self.password.len());
        b.put_slice(HELLO);
        // new() keeps both at most 255 bytes.
        b.put_u8(self.username.len() as u8);
        b.put_slice(&self.username);
        b.put_u8(self.password.len() as u8);
        b.put_slice(&self.password);
        b.freeze()
    }

    fn fail(&mut self, code: i32) -> ProtocolError {
        protocol_failure(&mut self.events, code)
    }
}

impl Mechanism for PlainClient {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        match self.state {
            ClientState::SendingHello => {
                self.state = ClientState::WaitingForWelcome;
                Some(self.hello())
            }
            ClientState::SendingInitiate => {
                self.state = ClientState::WaitingForReady;
                Some(command_with_properties(INITIATE, &self.ctx))
            }
            _ => None,
        }
    }

    fn process_handshake_command(&mut self, body: Bytes) -> Result<(), ProtocolError> {
        use consts::*;
        if body.starts_with(WELCOME) {
            if self.state != ClientState::WaitingForWelcome {
                return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
            }
            if body.len() != WELCOME.len() {
                return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME));
            }
            self.state = ClientState::SendingInitiate;
            Ok(())
        } else if body.starts_with(READY) {
            if self.state != ClientState::WaitingForReady {
                return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
            }
            match self.ctx.parse_peer_metadata(&body.slice(READY.len()..)) {
                Ok(md) => {
                    self.peer_metadata = md;
                    self.state = ClientState::Ready;
                    Ok(())
                }
                Err(e) => {
                    // The PLAIN client, unlike the NULL mechanism, reports bad metadata.
                    self.events.push_back(HandshakeFailure::Protocol(e.code));
                    Err(e)
                }
            }
        } else if body.starts_with(ERROR) || body.starts_with(LIBZMQ_ERROR) {
            if !matches!(
                self.state,
                ClientState::WaitingForWelcome | ClientState::WaitingForReady
            ) {
                return Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
            }
            let prefix_len = if body.starts_with(ERROR) {
                ERROR.len()
            } else {
                LIBZMQ_ERROR.len()
            };
            process_error_command(&body, prefix_len, &mut self.events)?;
            self.state = ClientState::ErrorReceived;
            Ok(())
        } else {
            Err(self.fail(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    fn handle_zap_reply(&mut self, _frames: &[Bytes]) -> Result<(), ProtocolError> {
        // A client never asks ZAP; a reply is a state error (libzmq: EFSM).
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

/// The PLAIN server side of one connection.
#[derive(Debug)]
pub struct PlainServer {
    ctx: MechanismContext,
    state: ServerState,
    zap: ZapClient,
    peer_metadata: Metadata,
    events: VecDeque<HandshakeFailure>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    WaitingForHello,
    WaitingForZapReply,
    SendingWelcome,
    WaitingForInitiate,
    SendingReady,
    Ready,
    /// ZAP said 400 or 500: ERROR with this status is due.
    SendingError(u16),
    ErrorSent,
    /// ZAP said 300: libzmq sends nothing and keeps the connection open until its
    /// handshake timer (ZMQ_HANDSHAKE_IVL) or the peer's next command ends it.
    Stalled,
}

impl PlainServer {
    /// A server; it authenticates every client through ZAP.
    pub fn new(ctx: MechanismContext) -> PlainServer {
        PlainServer {
            ctx,
            state: ServerState::WaitingForHello,
            zap: ZapClient::default(),
            peer_metadata: Metadata::new(),
            events: VecDeque::new(),
        }
    }

    fn fail(&mut self, code: i32) -> ProtocolError {
        protocol_failure(&mut self.events, code)
    }

    fn process_hello(&mut self, body: &Bytes) -> Result<(), ProtocolError> {
        check_basic_command_structure(body, &mut self.events)?;
        if !body.starts_with(HELLO) {
            return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        let Some((username, password)) = split_hello(&body.slice(HELLO.len()..)) else {
            return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO));
        };
        self.zap
            .request(&self.ctx, b"PLAIN", vec![username, password]);
        self.state = ServerState::WaitingForZapReply;
        Ok(())
    }

    fn process_initiate(&mut self, body: &Bytes) -> Result<(), ProtocolError> {
        if !body.starts_with(INITIATE) {
            return Err(self.fail(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        // libzmq raises no monitor event for bad INITIATE metadata.
        self.peer_metadata = self
            .ctx
            .parse_peer_metadata(&body.slice(INITIATE.len()..))?;
        self.state = ServerState::SendingReady;
        Ok(())
    }
}

/// Splits the HELLO data after the name: a length-prefixed username, then a
/// length-prefixed password that must end the body exactly.
fn split_hello(data: &Bytes) -> Option<(Bytes, Bytes)> {
    let u_len = usize::from(*data.first()?);
    let p_pos = 1 + u_len;
    // Reading the password length also proves the username fits.
    let p_len = usize::from(*data.get(p_pos)?);
    if data.len() - (p_pos + 1) != p_len {
        return None;
    }
    Some((data.slice(1..p_pos), data.slice(p_pos + 1..)))
}

impl Mechanism for PlainServer {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        match self.state {
            ServerState::SendingWelcome => {
                self.state = ServerState::WaitingForInitiate;
                Some(Bytes::from_static(WELCOME))
            }
            ServerState::SendingReady => {
                self.state = ServerState::Ready;
                Some(command_with_properties(READY, &self.ctx))
            }
            ServerState::SendingError(status) => {
                self.state = ServerState::ErrorSent;
                let mut b = BytesMut::with_capacity(LIBZMQ_ERROR.len() + 4);
                b.put_slice(LIBZMQ_ERROR);
                b.put_u8(3);
                b.put_slice(status.to_string().as_bytes());
                Some(b.freeze())
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
            200 => ServerState::SendingWelcome,
            // A temporary failure sends nothing and does not close either (libzmq).
            300 => ServerState::Stalled,
            _ => ServerState::SendingError(status),
        };
        Ok(())
    }

    fn handle_zap_unavailable(&mut self) -> Result<(), ProtocolError> {
        // PLAIN without a ZAP handler cannot check anything: libzmq fails the handshake.
        self.events
            .push_back(HandshakeFailure::NoDetail(crate::Error::Fault));
        Err(ProtocolError::with_errno(
            consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            crate::Error::Fault,
        ))
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
