//! Raw connections: the byte stream of a `ZMQ_STREAM` socket, with no ZMTP at all (libzmq's
//! `raw_engine_t` with its `raw_decoder_t` and `raw_encoder_t`), sans I/O like
//! [`crate::zmtp::Connection`] and reporting through the same [`Event`]s so the session
//! drives both alike.
//!
//! There is no greeting and no handshake: the connection counts as established at once
//! (one [`Event::HandshakeSucceeded`] with an empty [`PeerInfo`], which makes the session
//! attach its pipe). Every chunk of bytes read becomes one single-frame message, cut at the
//! socket's `ZMQ_IN_BATCH_SIZE` as libzmq's decoder buffer does. Every message sent is
//! written as is. With `ZMQ_STREAM_NOTIFY` an empty message announces the connection right
//! after it is established, and another one its end (not when the socket itself closed
//! it: then the session ends without a disconnect from the stream).

#![forbid(unsafe_code)]

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::error::Error;
use crate::socket::kind::SocketType;
use crate::socket::options::Options;
use crate::zmtp::{CloseReason, Event, Frame, HandshakeFailure, Metadata, PeerInfo, ZmtpVersion};

/// Whether a socket with these options talks raw bytes instead of ZMTP (libzmq's
/// `options.raw_socket`): STREAM, and ROUTER with `ZMQ_ROUTER_RAW`.
pub fn is_raw(o: &Options) -> bool {
    o.socket_type == SocketType::Stream || (o.socket_type == SocketType::Router && o.router_raw)
}

/// One raw connection.
#[derive(Debug)]
pub struct RawConnection {
    /// `ZMQ_STREAM_NOTIFY`: empty messages on connect and disconnect.
    notify: bool,
    /// The largest message one read produces (`ZMQ_IN_BATCH_SIZE`).
    max_chunk: usize,
    events: VecDeque<Event>,
    tx: Vec<Bytes>,
    closed: bool,
}

impl RawConnection {
    /// A connection on a freshly established stream: established at once, announced with
    /// an empty message when `notify` is set.
    pub fn new(notify: bool, in_batch_size: usize) -> RawConnection {
        let info = PeerInfo {
            // Below 3.0, so no ZMQ_EVENT_HANDSHAKE_SUCCEEDED: libzmq raises none for raw.
            version: ZmtpVersion::V1_0,
            socket_type: None,
            identity: None,
            metadata: Metadata::new(),
            user_id: None,
            zap_metadata: Metadata::new(),
        };
        let mut events = VecDeque::from([Event::HandshakeSucceeded(Box::new(info))]);
        if notify {
            events.push_back(Event::Message(Frame::new(Bytes::new())));
        }
        RawConnection {
            notify,
            max_chunk: in_batch_size.max(1),
            events,
            tx: Vec::new(),
            closed: false,
        }
    }

    /// Takes every byte of `buf`, as messages of at most `ZMQ_IN_BATCH_SIZE` bytes.
    pub fn handle_bytes(&mut self, buf: &mut BytesMut) {
        if self.closed {
            return;
        }
        while !buf.is_empty() {
            let n = buf.len().min(self.max_chunk);
            let data = buf.split_to(n).freeze();
            self.events.push_back(Event::Message(Frame::new(data)));
        }
    }

    /// The stream ended or failed: the disconnect notification, then the end. libzmq also
    /// raises `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` then, as a raw engine has no
    /// mechanism that ever completes.
    pub fn handle_disconnect(&mut self, error: Error) {
        if self.closed {
            return;
        }
        self.closed = true;
        if self.notify {
            self.events
                .push_back(Event::Message(Frame::new(Bytes::new())));
        }
        self.events
            .push_back(Event::HandshakeFailed(HandshakeFailure::NoDetail(error)));
        self.events
            .push_back(Event::Closed(CloseReason::Disconnected(error)));
    }

    /// Queues a message body to be written as is (commands and empty bodies write
    /// nothing; the socket closes a connection rather than sending it an empty message).
    ///
    /// # Errors
    /// `EAGAIN` after the connection closed.
    pub fn send(&mut self, frame: Frame) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Again);
        }
        if !frame.command && !frame.data.is_empty() {
            self.tx.push(frame.data);
        }
        Ok(())
    }

    /// Moves the bytes to write to `out`.
    pub fn poll_transmit(&mut self, out: &mut Vec<Bytes>) {
        out.append(&mut self.tx);
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Whether data may be sent: until the connection closed.
    pub fn can_send(&self) -> bool {
        !self.closed
    }

    /// Whether the connection has closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_events(c: &mut RawConnection) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(e) = c.poll_event() {
            match e {
                Event::Message(f) => {
                    assert!(!f.more && !f.command);
                    out.push(f.data.to_vec());
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        out
    }

    #[test]
    fn established_at_once_with_a_connect_notification() {
        let mut c = RawConnection::new(true, 8192);
        match c.poll_event() {
            Some(Event::HandshakeSucceeded(info)) => {
                assert!(info.version < ZmtpVersion::V3_0);
                assert_eq!(info.identity, None);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(data_events(&mut c), vec![Vec::<u8>::new()]);
        assert!(c.can_send());

        let mut quiet = RawConnection::new(false, 8192);
        assert!(matches!(
            quiet.poll_event(),
            Some(Event::HandshakeSucceeded(_))
        ));
        assert_eq!(quiet.poll_event(), None);
    }

    #[test]
    fn bytes_become_one_message_per_read_cut_at_the_batch_size() {
        let mut c = RawConnection::new(false, 4);
        c.poll_event();
        let mut buf = BytesMut::from(&b"hello"[..]);
        c.handle_bytes(&mut buf);
        assert!(buf.is_empty());
        let mut buf = BytesMut::from(&b"ab"[..]);
        c.handle_bytes(&mut buf);
        assert_eq!(
            data_events(&mut c),
            vec![b"hell".to_vec(), b"o".to_vec(), b"ab".to_vec()]
        );
        // Nothing read, nothing delivered.
        c.handle_bytes(&mut BytesMut::new());
        assert_eq!(c.poll_event(), None);
    }

    #[test]
    fn bodies_are_written_as_is() {
        let mut c = RawConnection::new(true, 8192);
        c.send(Frame::with_more(Bytes::from_static(b"GET /"), true))
            .unwrap();
        c.send(Frame::new(Bytes::new())).unwrap();
        c.send(Frame::new(Bytes::from_static(b" HTTP/1.0\r\n")))
            .unwrap();
        let mut out = Vec::new();
        c.poll_transmit(&mut out);
        assert_eq!(out.concat(), b"GET / HTTP/1.0\r\n");
        c.poll_transmit(&mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn disconnect_notification_then_closed_once() {
        for notify in [true, false] {
            let mut c = RawConnection::new(notify, 8192);
            while c.poll_event().is_some() {}
            c.handle_disconnect(Error::Os(libc::ECONNRESET));
            c.handle_disconnect(Error::Os(libc::EPIPE));
            if notify {
                assert_eq!(
                    c.poll_event(),
                    Some(Event::Message(Frame::new(Bytes::new())))
                );
            }
            assert_eq!(
                c.poll_event(),
                Some(Event::HandshakeFailed(HandshakeFailure::NoDetail(
                    Error::Os(libc::ECONNRESET)
                )))
            );
            assert_eq!(
                c.poll_event(),
                Some(Event::Closed(CloseReason::Disconnected(Error::Os(
                    libc::ECONNRESET
                ))))
            );
            assert_eq!(c.poll_event(), None);
            assert!(c.is_closed() && !c.can_send());
            assert_eq!(
                c.send(Frame::new(Bytes::from_static(b"x"))),
                Err(Error::Again)
            );
            let mut buf = BytesMut::from(&b"late"[..]);
            c.handle_bytes(&mut buf);
            assert_eq!(c.poll_event(), None);
        }
    }
}
