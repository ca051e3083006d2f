//! The sans-IO ZMTP protocol core: greeting, framing, commands, metadata, security
//! mechanisms and ZAP, tied together by [`Connection`].
//!
//! Implements ZMTP/3.1 (RFC 37) and 3.0 (RFC 23) with the downgrades to ZMTP/2.0 (RFC 15)
//! and 1.0 (RFC 13) that libzmq performs, exactly as libzmq 4.3 puts them on the wire
//! (`../shared/protocol.md`). It replaces the protocol half of libzmq's
//! `stream_engine_base.cpp` and `zmtp_engine.cpp` plus the codecs and mechanisms.
//!
//! No sockets, no threads, no clock: bytes go in through [`Connection::handle_bytes`],
//! bytes to write come out of [`Connection::poll_transmit`], and everything else is an
//! [`Event`]. Time is passed in as `now`. The I/O driver lives in `io/`.
//!
//! # Deliberate differences from libzmq
//! Where libzmq misbehaves on peer input we do the safe thing instead:
//! * a PING TTL is converted to milliseconds without libzmq's 16-bit overflow
//!   (`ttl * 100` in a `uint16_t`);
//! * a PING shorter than its TTL field is ignored (libzmq reads past the frame);
//! * a 255-byte subscription topic toward a ZMTP 3.0 peer gets a correct long frame
//!   (libzmq's `v2_encoder` sets LONG from the topic length, not the frame length);
//! * when a ZAP verdict is a denial after the peer's READY, or `ZMQ_ZAP_ENFORCE_DOMAIN`
//!   finds no handler, the connection fails at once instead of idling until the
//!   handshake timer or the peer's close;
//! * data frames arriving on a PUB/XPUB as one-frame `01`/`00` messages are reported as
//!   [`Event::Subscribe`]/[`Event::Cancel`] here rather than in the socket type.

#![forbid(unsafe_code)]

pub mod command;
pub mod connection;
pub mod frame;
pub mod greeting;
pub mod mechanism;
pub mod metadata;
pub mod zap;

pub use command::Command;
pub use connection::{CloseReason, Config, Connection, Event, PeerInfo};
pub use frame::Frame;
pub use greeting::ZmtpVersion;
pub use mechanism::MechanismConfig;
pub use metadata::Metadata;
pub use zap::{ZapReply, ZapRequest};

use crate::consts;
use crate::error::Error;

/// A failed handshake as the socket monitor reports it (the `ZMQ_EVENT_HANDSHAKE_FAILED_*`
/// events, protocol.md section 5.4). Raised only where libzmq raises one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` with a `ZMQ_PROTOCOL_ERROR_*` code.
    Protocol(i32),
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` with the ZAP status 300, 400 or 500.
    Auth(u16),
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` with an errno.
    NoDetail(Error),
}

/// A protocol error that ends a connection for good (libzmq's `protocol_error`: the
/// session is terminated and a connecting endpoint does not reconnect).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    /// The `ZMQ_PROTOCOL_ERROR_*` code that best describes it. Where libzmq raises a
    /// monitor event this is its value; otherwise it is our classification.
    pub code: i32,
    /// The errno libzmq has at that point (`EPROTO`, `EMSGSIZE`, `EINVAL`, `EFAULT`).
    pub errno: Error,
}

impl ProtocolError {
    /// A protocol error with `EPROTO`.
    pub fn new(code: i32) -> ProtocolError {
        ProtocolError {
            code,
            errno: Error::Proto,
        }
    }

    /// A protocol error with another errno.
    pub fn with_errno(code: i32, errno: Error) -> ProtocolError {
        ProtocolError { code, errno }
    }

    /// The catch-all `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`.
    pub fn unspecified() -> ProtocolError {
        ProtocolError::new(consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED)
    }
}

#[cfg(test)]
mod tests;
