//! The socket types of `zmq.h`: their numbers, ZMTP names, thread safety and which peers
//! each may talk to (ZMTP 3.x `Socket-Type` check, protocol.md section 2).

use std::ffi::c_int;

use crate::consts;

/// A ZeroMQ socket type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketType {
    /// `ZMQ_PAIR`
    Pair,
    /// `ZMQ_PUB`
    Pub,
    /// `ZMQ_SUB`
    Sub,
    /// `ZMQ_REQ`
    Req,
    /// `ZMQ_REP`
    Rep,
    /// `ZMQ_DEALER`
    Dealer,
    /// `ZMQ_ROUTER`
    Router,
    /// `ZMQ_PULL`
    Pull,
    /// `ZMQ_PUSH`
    Push,
    /// `ZMQ_XPUB`
    XPub,
    /// `ZMQ_XSUB`
    XSub,
    /// `ZMQ_STREAM`
    Stream,
    /// `ZMQ_SERVER` (draft)
    Server,
    /// `ZMQ_CLIENT` (draft)
    Client,
    /// `ZMQ_RADIO` (draft)
    Radio,
    /// `ZMQ_DISH` (draft)
    Dish,
    /// `ZMQ_GATHER` (draft)
    Gather,
    /// `ZMQ_SCATTER` (draft)
    Scatter,
    /// `ZMQ_DGRAM` (draft)
    Dgram,
    /// `ZMQ_PEER` (draft)
    Peer,
    /// `ZMQ_CHANNEL` (draft)
    Channel,
}

use SocketType::*;

/// Every type with its `zmq.h` number and its ZMTP `Socket-Type` name.
const TABLE: [(SocketType, c_int, &str); 21] = [
    (Pair, consts::ZMQ_PAIR, "PAIR"),
    (Pub, consts::ZMQ_PUB, "PUB"),
    (Sub, consts::ZMQ_SUB, "SUB"),
    (Req, consts::ZMQ_REQ, "REQ"),
    (Rep, consts::ZMQ_REP, "REP"),
    (Dealer, consts::ZMQ_DEALER, "DEALER"),
    (Router, consts::ZMQ_ROUTER, "ROUTER"),
    (Pull, consts::ZMQ_PULL, "PULL"),
    (Push, consts::ZMQ_PUSH, "PUSH"),
    (XPub, consts::ZMQ_XPUB, "XPUB"),
    (XSub, consts::ZMQ_XSUB, "XSUB"),
    (Stream, consts::ZMQ_STREAM, "STREAM"),
    (Server, consts::ZMQ_SERVER, "SERVER"),
    (Client, consts::ZMQ_CLIENT, "CLIENT"),
    (Radio, consts::ZMQ_RADIO, "RADIO"),
    (Dish, consts::ZMQ_DISH, "DISH"),
    (Gather, consts::ZMQ_GATHER, "GATHER"),
    (Scatter, consts::ZMQ_SCATTER, "SCATTER"),
    (Dgram, consts::ZMQ_DGRAM, "DGRAM"),
    (Peer, consts::ZMQ_PEER, "PEER"),
    (Channel, consts::ZMQ_CHANNEL, "CHANNEL"),
];

impl SocketType {
    /// The type with `zmq.h` number `n`, if any.
    pub fn from_raw(n: c_int) -> Option<SocketType> {
        TABLE.iter().find(|e| e.1 == n).map(|e| e.0)
    }

    /// The type whose ZMTP name is `name` (exact, case-sensitive, as libzmq compares).
    pub fn from_name(name: &[u8]) -> Option<SocketType> {
        TABLE.iter().find(|e| e.2.as_bytes() == name).map(|e| e.0)
    }

    fn entry(self) -> &'static (SocketType, c_int, &'static str) {
        TABLE
            .iter()
            .find(|e| e.0 == self)
            .expect("every type is in TABLE")
    }

    /// The `zmq.h` number (`ZMQ_TYPE`).
    pub fn raw(self) -> c_int {
        self.entry().1
    }

    /// The name sent in the ZMTP `Socket-Type` property.
    pub fn name(self) -> &'static str {
        self.entry().2
    }

    /// Whether the type is one of the draft types (12 and above).
    pub fn is_draft(self) -> bool {
        self.raw() >= consts::ZMQ_SERVER
    }

    /// `ZMQ_THREAD_SAFE`: the draft types CLIENT, SERVER, RADIO, DISH, GATHER, SCATTER,
    /// DGRAM, PEER and CHANNEL may be used from several threads.
    pub fn is_thread_safe(self) -> bool {
        !matches!(self, Dgram) && self.is_draft()
    }

    /// Whether a peer announcing `peer` may connect to this type (libzmq's
    /// `mechanism_t::check_socket_type`).
    pub fn accepts_peer(self, peer: SocketType) -> bool {
        match self {
            Pair => peer == Pair,
            Pub | XPub => matches!(peer, Sub | XSub),
            Sub | XSub => matches!(peer, Pub | XPub),
            Req => matches!(peer, Rep | Router),
            Rep => matches!(peer, Req | Dealer),
            Dealer => matches!(peer, Rep | Dealer | Router),
            Router => matches!(peer, Req | Dealer | Router),
            Pull => peer == Push,
            Push => peer == Pull,
            Server => peer == Client,
            Client => peer == Server,
            Radio => peer == Dish,
            Dish => peer == Radio,
            Gather => peer == Scatter,
            Scatter => peer == Gather,
            Dgram => peer == Dgram,
            Peer => peer == Peer,
            Channel => peer == Channel,
            Stream => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_round_trip() {
        for n in 0..=20 {
            let t = SocketType::from_raw(n).unwrap();
            assert_eq!(t.raw(), n);
            assert_eq!(SocketType::from_name(t.name().as_bytes()), Some(t));
        }
        assert_eq!(SocketType::from_raw(21), None);
        assert_eq!(SocketType::from_raw(-1), None);
        assert_eq!(SocketType::from_name(b"req"), None);
        assert_eq!(SocketType::Router.name(), "ROUTER");
    }

    #[test]
    fn compatibility_is_symmetric() {
        for a in 0..=20 {
            for b in 0..=20 {
                let (a, b) = (
                    SocketType::from_raw(a).unwrap(),
                    SocketType::from_raw(b).unwrap(),
                );
                assert_eq!(a.accepts_peer(b), b.accepts_peer(a), "{a:?} {b:?}");
            }
        }
        assert!(SocketType::Req.accepts_peer(SocketType::Router));
        assert!(!SocketType::Req.accepts_peer(SocketType::Req));
    }

    #[test]
    fn thread_safety() {
        assert!(!SocketType::Router.is_thread_safe());
        assert!(SocketType::Client.is_thread_safe());
        assert!(!SocketType::Dgram.is_thread_safe());
    }
}
