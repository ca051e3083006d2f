//! Transports: endpoint strings (`transport://address`), and for each transport how its
//! addresses are parsed and resolved. Socket types know nothing of transports; the socket
//! layer asks this module whether an endpoint is well formed and usable by its type.

pub mod inproc;
pub mod ipc_address;
pub mod net;
pub mod tcp_address;
pub mod ws;

use crate::error::{Error, Result};
use crate::socket::kind::SocketType;

/// The transports named in libzmq endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `tcp://`
    Tcp,
    /// `ipc://` (Unix domain sockets, `@` for the abstract namespace)
    Ipc,
    /// `inproc://` (within one context)
    Inproc,
    /// `udp://` (RADIO, DISH and DGRAM only)
    Udp,
    /// `ws://` (ZWS 2.0 WebSocket)
    Ws,
}

impl Protocol {
    /// The scheme as written in an endpoint.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Ipc => "ipc",
            Protocol::Inproc => "inproc",
            Protocol::Udp => "udp",
            Protocol::Ws => "ws",
        }
    }

    /// Whether a socket of type `ty` may use this transport (`ENOCOMPATPROTO` otherwise).
    pub fn compatible_with(self, ty: SocketType) -> bool {
        match self {
            Protocol::Udp => matches!(ty, SocketType::Radio | SocketType::Dish | SocketType::Dgram),
            _ => ty != SocketType::Dgram,
        }
    }
}

/// Splits `transport://address` (libzmq's `parse_uri` then `check_protocol`).
///
/// A missing `://`, or an empty transport or address, is `EINVAL`; a transport this library
/// does not provide (pgm, epgm, norm, tipc, vmci, wss, or anything unknown) is
/// `EPROTONOSUPPORT`, as in a libzmq built without it.
pub fn parse_endpoint(endpoint: &str) -> Result<(Protocol, &str)> {
    let (scheme, address) = endpoint.split_once("://").ok_or(Error::Inval)?;
    if scheme.is_empty() || address.is_empty() {
        return Err(Error::Inval);
    }
    let protocol = match scheme {
        "tcp" => Protocol::Tcp,
        "ipc" => Protocol::Ipc,
        "inproc" => Protocol::Inproc,
        "udp" => Protocol::Udp,
        "ws" => Protocol::Ws,
        _ => return Err(Error::ProtoNoSupport),
    };
    Ok((protocol, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_as_libzmq() {
        assert_eq!(
            parse_endpoint("tcp://127.0.0.1:5"),
            Ok((Protocol::Tcp, "127.0.0.1:5"))
        );
        assert_eq!(
            parse_endpoint("inproc://a://b"),
            Ok((Protocol::Inproc, "a://b"))
        );
        assert_eq!(parse_endpoint("tcp//x"), Err(Error::Inval));
        assert_eq!(parse_endpoint("tcp://"), Err(Error::Inval));
        assert_eq!(parse_endpoint("foo://"), Err(Error::Inval));
        assert_eq!(parse_endpoint("://x"), Err(Error::Inval));
        assert_eq!(parse_endpoint("foo://x"), Err(Error::ProtoNoSupport));
        assert_eq!(parse_endpoint("pgm://x"), Err(Error::ProtoNoSupport));
        assert_eq!(parse_endpoint("TCP://x:1"), Err(Error::ProtoNoSupport));
    }

    #[test]
    fn udp_only_for_datagram_types() {
        assert!(!Protocol::Udp.compatible_with(SocketType::Pair));
        assert!(Protocol::Udp.compatible_with(SocketType::Dish));
        assert!(Protocol::Tcp.compatible_with(SocketType::Radio));
        assert!(!Protocol::Tcp.compatible_with(SocketType::Dgram));
    }
}
