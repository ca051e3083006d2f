//! The ZMTP connection state machine: greeting, mechanism handshake, traffic, heartbeats and
//! timeouts for one peer, with no I/O. Replaces the protocol half of libzmq's
//! `stream_engine_base.cpp` and `zmtp_engine.cpp`.
//!
//! # Call order
//! The driver (the I/O engine) owns the byte stream and does, in a loop:
//! 1. read bytes into a `BytesMut` and call [`Connection::handle_bytes`], which consumes
//!    whole greeting pieces and frames and leaves any partial frame in the buffer;
//! 2. drain [`Connection::poll_event`] (messages to the session, ZAP requests to the ZAP
//!    socket, monitor events);
//! 3. feed ZAP replies back with [`Connection::handle_zap_reply`] (or
//!    [`Connection::handle_zap_unavailable`]);
//! 4. queue outgoing traffic with [`Connection::send`], [`Connection::subscribe`], ...
//! 5. write what [`Connection::poll_transmit`] yields (header and body chunks: one
//!    `writev`);
//! 6. arm a timer for [`Connection::poll_timeout`] and call
//!    [`Connection::handle_timeout`] when it fires.
//!
//! After [`Event::Closed`] nothing more happens except that `poll_transmit` still yields
//! bytes queued before the failure (an ERROR command); writing them is best effort.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};

use super::command::{Command, PING};
use super::frame::{
    DecodeError, Decoder, Frame, FrameHeader, Framing, SMALL_FRAME_MAX, SmallFrame, TxQueue,
};
use super::greeting::{GreetingExchange, PeerGreeting, ZmtpVersion};
use super::mechanism::{Mechanism, MechanismConfig, MechanismContext, Status};
use super::metadata::Metadata;
use super::zap::ZapRequest;
use super::{HandshakeFailure, ProtocolError};
use crate::consts;
use crate::error::Error;
use crate::socket::kind::SocketType;

/// The options of one connection (a snapshot of the socket's options).
#[derive(Clone, Debug)]
pub struct Config {
    /// The local socket type.
    pub socket_type: SocketType,
    /// `ZMQ_ROUTING_ID` (0-255 bytes).
    pub routing_id: Bytes,
    /// `ZMQ_MECHANISM` and its settings.
    pub mechanism: MechanismConfig,
    /// `ZMQ_METADATA` properties (`X-` names), in the order to send them (libzmq: sorted).
    pub metadata: Metadata,
    /// `ZMQ_MAXMSGSIZE`: the largest frame accepted, -1 for no limit.
    pub max_msg_size: i64,
    /// `ZMQ_HANDSHAKE_IVL`; zero disables the handshake timeout.
    pub handshake_ivl: Duration,
    /// `ZMQ_HEARTBEAT_IVL`; zero disables heartbeats.
    pub heartbeat_ivl: Duration,
    /// `ZMQ_HEARTBEAT_TTL` in tenths of a second, as sent in PING.
    pub heartbeat_ttl: u16,
    /// `ZMQ_HEARTBEAT_TIMEOUT`; `None` means the heartbeat interval (libzmq's -1).
    pub heartbeat_timeout: Option<Duration>,
    /// `ZMQ_ZAP_DOMAIN`.
    pub zap_domain: Bytes,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`.
    pub zap_enforce_domain: bool,
    /// The peer's address for ZAP (numeric IP for TCP).
    pub peer_address: Bytes,
    /// Report data frames of at most [`SMALL_FRAME_MAX`](super::frame::SMALL_FRAME_MAX) bytes as
    /// [`Event::SmallMessage`], copied out of the read buffer, instead of
    /// [`Event::Message`] (for a driver that stores small messages inline). Off by default.
    pub small_frames: bool,
}

impl Config {
    /// libzmq's defaults for `socket_type`.
    pub fn new(socket_type: SocketType) -> Config {
        Config {
            socket_type,
            routing_id: Bytes::new(),
            mechanism: MechanismConfig::Null,
            metadata: Metadata::new(),
            max_msg_size: -1,
            handshake_ivl: Duration::from_millis(30_000),
            heartbeat_ivl: Duration::ZERO,
            heartbeat_ttl: 0,
            heartbeat_timeout: None,
            zap_domain: Bytes::new(),
            zap_enforce_domain: false,
            peer_address: Bytes::new(),
            small_frames: false,
        }
    }
}

/// What the handshake told us about the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// The protocol version in use.
    pub version: ZmtpVersion,
    /// The peer's socket type: its `Socket-Type` property (3.x, if sent) or its greeting
    /// byte (2.0).
    pub socket_type: Option<SocketType>,
    /// The peer's routing id: its `Identity` property (3.x, if sent) or identity frame
    /// (1.0/2.0). A ROUTER uses it when non-empty.
    pub identity: Option<Bytes>,
    /// The peer's handshake properties (3.x).
    pub metadata: Metadata,
    /// The user id from ZAP, if ZAP ran.
    pub user_id: Option<Bytes>,
    /// Properties from ZAP (they take precedence over `metadata` for `zmq_msg_gets`).
    pub zap_metadata: Metadata,
}

/// Why a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The peer broke the protocol or failed authentication: do not reconnect.
    Protocol(ProtocolError),
    /// The handshake or a heartbeat timed out: a connecting socket reconnects.
    Timeout,
    /// The driver reported an I/O error or end of stream: a connecting socket reconnects.
    Disconnected(Error),
}

/// Something the connection reports to the socket layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The handshake is complete (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED` for 3.x; libzmq raises
    /// no monitor event for 1.0/2.0 peers, where this comes with their identity frame).
    /// Boxed: it comes once per connection, and unboxed it would make every event, one
    /// per small message, three times as large to queue and move.
    HandshakeSucceeded(Box<PeerInfo>),
    /// A data frame; `more` says whether the message continues.
    Message(Frame),
    /// A small data frame, copied (only with [`Config::small_frames`]).
    SmallMessage(SmallFrame),
    /// The peer subscribes to a topic (SUBSCRIBE, or a one-frame `01`+topic message to a
    /// PUB/XPUB, or the phantom subscription for ZMTP/1.0 subscribers).
    Subscribe(Bytes),
    /// The peer cancels a subscription (CANCEL, or a one-frame `00`+topic message).
    Cancel(Bytes),
    /// A DISH joins a group.
    Join(Bytes),
    /// A DISH leaves a group.
    Leave(Bytes),
    /// Send this request to the ZAP handler, then call `handle_zap_reply`.
    ZapRequest(ZapRequest),
    /// A monitor event for a failed handshake (only where libzmq raises one).
    HandshakeFailed(HandshakeFailure),
    /// The connection is over; always the last event.
    Closed(CloseReason),
}

/// One ZMTP connection, sans I/O. See the module documentation for the call order.
#[derive(Debug)]
pub struct Connection {
    config: Config,
    state: State,
    version: Option<ZmtpVersion>,
    peer_socket_type: Option<SocketType>,
    decoder: Option<Decoder>,
    mechanism: Option<Box<dyn Mechanism>>,
    tx: TxQueue,
    events: VecDeque<Event>,
    timers: [Option<Instant>; 4],
    /// The previous data frame had MORE set (we are inside a message).
    in_message: bool,
    /// Inject a "subscribe to everything" after a ZMTP/1.0 peer's identity.
    phantom_subscription: bool,
}

#[derive(Debug)]
enum State {
    Greeting(GreetingExchange),
    /// ZMTP 3.x: the mechanism's handshake.
    Handshaking,
    /// ZMTP 1.0/2.0: traffic may flow; the peer's identity frame is next.
    ExpectIdentity,
    Ready,
    Closed,
}

/// The timers of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    Handshake = 0,
    Heartbeat = 1,
    HeartbeatTimeout = 2,
    HeartbeatTtl = 3,
}

impl Connection {
    /// The largest body [`Connection::send_small`] copies straight into the output queue
    /// (the encoder's copy limit: larger bodies are sent as shared chunks anyway).
    pub const SMALL_BODY_MAX: usize = super::frame::COPY_LIMIT;

    /// A new connection on a freshly established stream: queues our signature and starts
    /// the handshake timer.
    pub fn new(config: Config, now: Instant) -> Connection {
        let mut tx = TxQueue::new();
        let greeting = GreetingExchange::start(
            config.routing_id.len(),
            config.socket_type.raw() as u8,
            config.mechanism.greeting_field(),
            config.mechanism.as_server(),
            &mut tx,
        );
        let mut conn = Connection {
            state: State::Greeting(greeting),
            version: None,
            peer_socket_type: None,
            decoder: None,
            mechanism: None,
            tx,
            events: VecDeque::new(),
            timers: [None; 4],
            in_message: false,
            phantom_subscription: false,
            config,
        };
        if !conn.config.handshake_ivl.is_zero() {
            conn.set_timer(Timer::Handshake, now + conn.config.handshake_ivl);
        }
        conn
    }

    /// Consumes as much of `buf` as forms complete greeting pieces and frames; a partial
    /// frame stays in `buf` for the next call. Nothing is consumed after a failure.
    pub fn handle_bytes(&mut self, buf: &mut BytesMut, now: Instant) {
        // After a frame too large to copy, the next is most likely large too: decode it
        // straight away instead of parsing its header once more for a run of small ones.
        let mut last_large = false;
        loop {
            match &mut self.state {
                State::Closed => return,
                State::Greeting(g) => {
                    let Some(peer) = g.handle(buf, &mut self.tx) else {
                        return;
                    };
                    buf.advance(peer.consumed);
                    self.greeting_done(peer, now);
                }
                State::Handshaking | State::ExpectIdentity | State::Ready => {
                    let Some(decoder) = self.decoder else {
                        return;
                    };
                    if !last_large && self.small_frames_now() {
                        let events = &mut self.events;
                        let mut last = None;
                        let used = decoder.decode_small_run(buf, |frame| {
                            last = Some(frame.more);
                            events.push_back(Event::SmallMessage(frame));
                        });
                        if let Some(more) = last {
                            buf.advance(used);
                            self.small_traffic(more);
                            continue;
                        }
                    }
                    match decoder.decode(buf) {
                        Ok(Some(frame)) => {
                            last_large = frame.data.len() > SMALL_FRAME_MAX;
                            self.process_frame(frame, now);
                        }
                        Ok(None) => return,
                        Err(e) => {
                            let errno = match e {
                                DecodeError::TooLarge => Error::MsgSize,
                                DecodeError::ZeroLength => Error::Proto,
                            };
                            self.fail(ProtocolError::with_errno(
                                consts::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
                                errno,
                            ));
                        }
                    }
                }
            }
        }
    }

    /// The ZAP handler's reply to our [`Event::ZapRequest`]: the frames of one message,
    /// starting with the empty delimiter.
    pub fn handle_zap_reply(&mut self, frames: &[Bytes], now: Instant) {
        self.with_mechanism(now, |m| m.handle_zap_reply(frames));
    }

    /// No ZAP handler is bound: libzmq then continues without ZAP unless
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` is set.
    pub fn handle_zap_unavailable(&mut self, now: Instant) {
        self.with_mechanism(now, |m| m.handle_zap_unavailable());
    }

    /// A layer below ZMTP (the WebSocket of ws://) refused the peer with protocol error
    /// `code`: reported as `HANDSHAKE_FAILED_PROTOCOL` while handshaking, then closed.
    pub fn handle_protocol_error(&mut self, code: i32) {
        if matches!(self.state, State::Closed) {
            return;
        }
        if self.handshaking_for_monitor() {
            self.events
                .push_back(Event::HandshakeFailed(HandshakeFailure::Protocol(code)));
        }
        self.fail(ProtocolError::new(code));
    }

    /// The driver saw an I/O error or the end of the stream.
    pub fn handle_disconnect(&mut self, error: Error) {
        if matches!(self.state, State::Closed) {
            return;
        }
        if self.handshaking_for_monitor() {
            self.events
                .push_back(Event::HandshakeFailed(HandshakeFailure::NoDetail(error)));
        }
        self.close(CloseReason::Disconnected(error));
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in [
            Timer::Handshake,
            Timer::HeartbeatTtl,
            Timer::HeartbeatTimeout,
            Timer::Heartbeat,
        ] {
            if matches!(self.state, State::Closed) {
                return;
            }
            if self.timers[timer as usize].is_some_and(|t| t <= now) {
                self.timers[timer as usize] = None;
                self.timer_fired(timer, now);
            }
        }
    }

    /// Queues a data frame.
    ///
    /// # Errors
    /// `EAGAIN` before the handshake allows traffic or after the connection closed.
    pub fn send(&mut self, frame: Frame) -> Result<(), Error> {
        if !self.can_send() {
            return Err(Error::Again);
        }
        if frame.command && self.version < Some(ZmtpVersion::V3_0) {
            // Commands do not exist before ZMTP 3.0; libzmq's session would drop them.
            return Ok(());
        }
        self.encode(frame);
        Ok(())
    }

    /// Queues a data frame whose body is copied from `body`, for small messages: bodies
    /// of at most [`Connection::SMALL_BODY_MAX`] bytes are encoded straight into the output
    /// queue, with no `Bytes` of their own, unless the mechanism wraps frames (CURVE),
    /// which then gets a frame as from [`Connection::send`].
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_small(&mut self, body: &[u8], more: bool) -> Result<(), Error> {
        if !self.can_send() {
            return Err(Error::Again);
        }
        if body.len() > Self::SMALL_BODY_MAX || self.mechanism_wraps_frames() {
            self.encode(Frame::with_more(Bytes::copy_from_slice(body), more));
        } else {
            let framing = self.decoder.map_or(Framing::V2, |d| d.framing());
            self.tx.push_small(framing, body, more);
        }
        Ok(())
    }

    /// Queues a command (ZMTP 3.x; dropped for older peers). Use [`Connection::subscribe`]
    /// and [`Connection::cancel`] for subscriptions so the peer's version picks the form.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_command(&mut self, command: &Command) -> Result<(), Error> {
        self.send(Frame::command(command.encode()))
    }

    /// Subscribes to `topic`: a SUBSCRIBE command to ZMTP 3.1 peers, a one-frame
    /// `01`+topic message to older ones.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn subscribe(&mut self, topic: &[u8]) -> Result<(), Error> {
        self.subscription(true, topic)
    }

    /// Cancels a subscription: CANCEL to 3.1 peers, `00`+topic to older ones.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn cancel(&mut self, topic: &[u8]) -> Result<(), Error> {
        self.subscription(false, topic)
    }

    /// Moves the bytes to write to `out`, as chunks for one gathered write.
    pub fn poll_transmit(&mut self, out: &mut Vec<Bytes>) {
        self.tx.drain_into(out);
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Connection::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.iter().flatten().min().copied()
    }

    /// Whether data may be sent (the greeting and handshake allow it).
    pub fn can_send(&self) -> bool {
        matches!(self.state, State::Ready | State::ExpectIdentity)
    }

    /// Whether the connection has closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The protocol version, once the greeting is complete.
    pub fn version(&self) -> Option<ZmtpVersion> {
        self.version
    }

    /// The header of the next frame at the front of `buf`, when frames are being decoded
    /// and the header is complete and valid: a driver may then read the body into a buffer
    /// of its own and hand the frame to [`Connection::handle_frame`].
    pub fn peek_frame(&self, buf: &[u8]) -> Option<FrameHeader> {
        match self.state {
            State::Handshaking | State::ExpectIdentity | State::Ready => self.decoder?.peek(buf),
            State::Greeting(_) | State::Closed => None,
        }
    }

    /// A frame whose header [`Connection::peek_frame`] described and whose body the driver
    /// read on its own: handled exactly as [`Connection::handle_bytes`] handles a decoded
    /// frame.
    pub fn handle_frame(&mut self, frame: Frame, now: Instant) {
        self.process_frame(frame, now);
    }

    /// How many bytes the read buffer must hold to complete the next frame (0 if
    /// unknown): a hint for sizing reads of large frames.
    pub fn bytes_wanted(&self, buf: &[u8]) -> usize {
        self.decoder.map_or(0, |d| d.needed(buf))
    }

    fn greeting_done(&mut self, peer: PeerGreeting, now: Instant) {
        self.version = Some(peer.version);
        if peer.version < ZmtpVersion::V3_0 {
            if self.config.mechanism.zap_enabled(&self.config.zap_domain) {
                // libzmq refuses ZMTP 1.0/2.0 peers whenever ZAP is enabled.
                self.fail(ProtocolError::unspecified());
                return;
            }
            self.peer_socket_type = peer
                .socket_type
                .and_then(|t| SocketType::from_raw(t.into()));
            let framing = if peer.version == ZmtpVersion::V2_0 {
                Framing::V2
            } else {
                Framing::V1
            };
            let identity = Frame::new(self.config.routing_id.clone());
            if peer.unversioned {
                // The peer read our signature as the header of a frame (long length, flags
                // 0x7F); only the identity body is missing.
                self.tx.push_body(&identity.data);
                self.phantom_subscription =
                    matches!(self.config.socket_type, SocketType::Pub | SocketType::XPub);
            } else {
                self.tx.push_frame(framing, &identity);
            }
            self.decoder = Some(Decoder::new(framing, self.config.max_msg_size));
            self.timers[Timer::Handshake as usize] = None;
            self.state = State::ExpectIdentity;
            return;
        }
        if peer.mechanism != self.config.mechanism.greeting_field() {
            self.events
                .push_back(Event::HandshakeFailed(HandshakeFailure::Protocol(
                    consts::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
                )));
            self.fail(ProtocolError::new(
                consts::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
            ));
            return;
        }
        let ctx = MechanismContext {
            socket_type: self.config.socket_type,
            routing_id: self.config.routing_id.clone(),
            metadata: self.config.metadata.clone(),
            zap_domain: self.config.zap_domain.clone(),
            zap_enforce_domain: self.config.zap_enforce_domain,
            peer_address: self.config.peer_address.clone(),
        };
        self.mechanism = Some(self.config.mechanism.build(ctx));
        self.decoder = Some(Decoder::new(Framing::V2, self.config.max_msg_size));
        self.state = State::Handshaking;
        self.with_mechanism(now, |_| Ok(()));
    }

    /// Runs one mechanism input, then its outputs: commands to send, a ZAP request,
    /// monitor events, and the status check (ready → traffic, error → close).
    fn with_mechanism(
        &mut self,
        now: Instant,
        input: impl FnOnce(&mut dyn Mechanism) -> Result<(), ProtocolError>,
    ) {
        if !matches!(self.state, State::Handshaking) {
            return;
        }
        let Some(mech) = self.mechanism.as_mut() else {
            return;
        };
        let result = input(mech.as_mut());
        while let Some(e) = mech.poll_event() {
            self.events.push_back(Event::HandshakeFailed(e));
        }
        if let Err(e) = result {
            self.fail(e);
            return;
        }
        while let Some(body) = mech.next_handshake_command() {
            self.tx.push_frame(Framing::V2, &Frame::command(body));
        }
        if let Some(req) = mech.zap_request() {
            self.events.push_back(Event::ZapRequest(req));
        }
        while let Some(e) = mech.poll_event() {
            self.events.push_back(Event::HandshakeFailed(e));
        }
        match mech.status() {
            Status::Handshaking => {}
            Status::Error => self.fail(ProtocolError::unspecified()),
            Status::Ready => self.mechanism_ready(now),
        }
    }

    fn mechanism_ready(&mut self, now: Instant) {
        let Some(mech) = self.mechanism.as_ref() else {
            return;
        };
        let metadata = mech.peer_metadata().clone();
        let info = PeerInfo {
            version: self.version.unwrap_or(ZmtpVersion::V3_1),
            socket_type: metadata
                .get(super::mechanism::PROPERTY_SOCKET_TYPE)
                .and_then(|n| SocketType::from_name(n)),
            identity: metadata.get(super::mechanism::PROPERTY_IDENTITY).cloned(),
            user_id: mech.user_id().cloned(),
            zap_metadata: mech.zap_metadata().clone(),
            metadata,
        };
        self.timers[Timer::Handshake as usize] = None;
        if !self.config.heartbeat_ivl.is_zero() {
            self.set_timer(Timer::Heartbeat, now + self.config.heartbeat_ivl);
        }
        self.state = State::Ready;
        self.events
            .push_back(Event::HandshakeSucceeded(Box::new(info)));
    }

    fn process_frame(&mut self, frame: Frame, now: Instant) {
        match self.state {
            State::Handshaking => {
                // libzmq hands every frame to the mechanism while handshaking, whatever
                // its flags; the mechanism rejects what is not a handshake command.
                self.with_mechanism(now, |m| m.process_handshake_command(frame.data));
            }
            State::ExpectIdentity => {
                let info = PeerInfo {
                    version: self.version.unwrap_or(ZmtpVersion::V1_0),
                    socket_type: self.peer_socket_type,
                    identity: Some(frame.data),
                    metadata: Metadata::new(),
                    user_id: None,
                    zap_metadata: Metadata::new(),
                };
                self.state = State::Ready;
                self.events
                    .push_back(Event::HandshakeSucceeded(Box::new(info)));
                if self.phantom_subscription {
                    self.events.push_back(Event::Subscribe(Bytes::new()));
                }
            }
            State::Ready => self.process_traffic(frame, now),
            State::Greeting(_) | State::Closed => {}
        }
    }

    fn process_traffic(&mut self, frame: Frame, now: Instant) {
        let frame = match self.mechanism.as_mut() {
            None => frame,
            Some(m) => match m.decode(frame) {
                Ok(f) => f,
                Err(e) => {
                    // CURVE reports a bad MESSAGE on the monitor, as libzmq does.
                    self.drain_mechanism_events();
                    self.fail(e);
                    return;
                }
            },
        };
        // Any frame after the handshake proves the peer alive.
        self.timers[Timer::HeartbeatTimeout as usize] = None;
        self.timers[Timer::HeartbeatTtl as usize] = None;
        if frame.command {
            if self.version >= Some(ZmtpVersion::V3_0) {
                self.process_command(&frame.data, now);
            }
            // libzmq's session drops commands from older peers.
            return;
        }
        let first_part = !self.in_message;
        self.in_message = frame.more;
        if first_part
            && !frame.more
            && matches!(self.config.socket_type, SocketType::Pub | SocketType::XPub)
        {
            match frame.data.first() {
                Some(1) => {
                    self.events
                        .push_back(Event::Subscribe(frame.data.slice(1..)));
                    return;
                }
                Some(0) => {
                    self.events.push_back(Event::Cancel(frame.data.slice(1..)));
                    return;
                }
                _ => {}
            }
        }
        self.events.push_back(Event::Message(frame));
    }

    /// Whether the next data frame may take the small-frame path: traffic is flowing, the
    /// driver asked for it, frames pass the mechanism unchanged, and no data frame can be
    /// a subscription (PUB/XPUB read those out of one-frame messages).
    fn small_frames_now(&self) -> bool {
        self.config.small_frames
            && matches!(self.state, State::Ready)
            && !self.mechanism_wraps_frames()
            && !matches!(self.config.socket_type, SocketType::Pub | SocketType::XPub)
    }

    /// After a run of small data frames (queued as events), what
    /// [`Connection::process_traffic`] does for data frames; `more` is the last frame's.
    fn small_traffic(&mut self, more: bool) {
        // Any frame after the handshake proves the peer alive.
        self.timers[Timer::HeartbeatTimeout as usize] = None;
        self.timers[Timer::HeartbeatTtl as usize] = None;
        self.in_message = more;
    }

    /// A command after the handshake. Malformed and unknown ones are dropped, as libzmq's
    /// session does; a PING shorter than its TTL field is ignored (libzmq reads past it).
    fn process_command(&mut self, body: &Bytes, now: Instant) {
        match Command::parse(body) {
            Ok(Command::Ping { ttl, context }) => {
                if ttl > 0 && self.timers[Timer::HeartbeatTtl as usize].is_none() {
                    let ttl = Duration::from_millis(u64::from(ttl) * 100);
                    self.set_timer(Timer::HeartbeatTtl, now + ttl);
                }
                self.encode(Frame::command(Command::Pong(context).encode()));
            }
            Ok(Command::Subscribe(t)) => self.events.push_back(Event::Subscribe(t)),
            Ok(Command::Cancel(t)) => self.events.push_back(Event::Cancel(t)),
            Ok(Command::Join(g)) => self.events.push_back(Event::Join(g)),
            Ok(Command::Leave(g)) => self.events.push_back(Event::Leave(g)),
            Ok(_) | Err(_) => {}
        }
    }

    fn subscription(&mut self, subscribe: bool, topic: &[u8]) -> Result<(), Error> {
        let topic = Bytes::copy_from_slice(topic);
        if self.version == Some(ZmtpVersion::V3_1) {
            let command = if subscribe {
                Command::Subscribe(topic)
            } else {
                Command::Cancel(topic)
            };
            self.send_command(&command)
        } else {
            let mut body = Vec::with_capacity(topic.len() + 1);
            body.push(u8::from(subscribe));
            body.extend_from_slice(&topic);
            self.send(Frame::new(body))
        }
    }

    /// Whether the mechanism transforms data frames (CURVE boxes them); NULL and PLAIN
    /// leave them as they are.
    fn mechanism_wraps_frames(&self) -> bool {
        self.mechanism.is_some()
            && matches!(
                self.config.mechanism,
                MechanismConfig::CurveClient { .. } | MechanismConfig::CurveServer { .. }
            )
    }

    /// Passes a frame through the mechanism and queues it.
    fn encode(&mut self, frame: Frame) {
        let framing = self.decoder.map_or(Framing::V2, |d| d.framing());
        let frame = match self.mechanism.as_mut() {
            None => frame,
            Some(m) => match m.encode(frame) {
                Ok(f) => f,
                Err(e) => {
                    self.drain_mechanism_events();
                    self.fail(e);
                    return;
                }
            },
        };
        self.tx.push_frame(framing, &frame);
    }

    /// Forwards the monitor events a mechanism raised outside the handshake.
    fn drain_mechanism_events(&mut self) {
        if let Some(m) = self.mechanism.as_mut() {
            while let Some(e) = m.poll_event() {
                self.events.push_back(Event::HandshakeFailed(e));
            }
        }
    }

    fn timer_fired(&mut self, timer: Timer, now: Instant) {
        match timer {
            Timer::Handshake => {
                // errno after a timer is whatever the last read left: EAGAIN.
                self.events
                    .push_back(Event::HandshakeFailed(HandshakeFailure::NoDetail(
                        Error::Again,
                    )));
                self.close(CloseReason::Timeout);
            }
            Timer::HeartbeatTtl | Timer::HeartbeatTimeout => self.close(CloseReason::Timeout),
            Timer::Heartbeat => {
                let mut ping = BytesMut::with_capacity(PING.len() + 2);
                ping.extend_from_slice(PING);
                ping.extend_from_slice(&self.config.heartbeat_ttl.to_be_bytes());
                self.encode(Frame::command(ping.freeze()));
                let timeout = self
                    .config
                    .heartbeat_timeout
                    .unwrap_or(self.config.heartbeat_ivl);
                if !timeout.is_zero() && self.timers[Timer::HeartbeatTimeout as usize].is_none() {
                    self.set_timer(Timer::HeartbeatTimeout, now + timeout);
                }
                self.set_timer(Timer::Heartbeat, now + self.config.heartbeat_ivl);
            }
        }
    }

    /// libzmq raises `HANDSHAKE_FAILED_NO_DETAIL` on a non-protocol failure when there is
    /// no mechanism (greeting, or a 1.0/2.0 peer) or the mechanism is still handshaking.
    fn handshaking_for_monitor(&self) -> bool {
        self.mechanism
            .as_ref()
            .is_none_or(|m| m.status() == Status::Handshaking)
    }

    fn set_timer(&mut self, timer: Timer, at: Instant) {
        self.timers[timer as usize] = Some(at);
    }

    fn fail(&mut self, error: ProtocolError) {
        self.close(CloseReason::Protocol(error));
    }

    fn close(&mut self, reason: CloseReason) {
        if matches!(self.state, State::Closed) {
            return;
        }
        self.state = State::Closed;
        self.timers = [None; 4];
        self.events.push_back(Event::Closed(reason));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a PUSH connection against a PULL connection with `small_frames` as given on the
    /// PULL side, sends `bodies` and returns the PULL side's data events.
    fn received(small_frames: bool, bodies: &[&[u8]]) -> Vec<Event> {
        let now = Instant::now();
        let mut push = Connection::new(Config::new(SocketType::Push), now);
        let mut config = Config::new(SocketType::Pull);
        config.small_frames = small_frames;
        let mut pull = Connection::new(config, now);
        let mut events = Vec::new();
        let mut sent = false;
        let (mut to_pull, mut to_push) = (BytesMut::new(), BytesMut::new());
        for _ in 0..10 {
            if push.can_send() && !sent {
                for (i, body) in bodies.iter().enumerate() {
                    push.send_small(body, i + 1 < bodies.len()).unwrap();
                }
                sent = true;
            }
            shuttle(&mut push, &mut pull, &mut to_pull, now);
            shuttle(&mut pull, &mut push, &mut to_push, now);
            while let Some(e) = pull.poll_event() {
                if matches!(e, Event::Message(_) | Event::SmallMessage(_)) {
                    events.push(e);
                }
            }
        }
        events
    }

    fn shuttle(from: &mut Connection, to: &mut Connection, buf: &mut BytesMut, now: Instant) {
        let mut out = Vec::new();
        from.poll_transmit(&mut out);
        buf.extend_from_slice(&out.concat());
        to.handle_bytes(buf, now);
    }

    #[test]
    fn small_frames_are_reported_copied_when_asked() {
        let big = [7u8; SMALL_FRAME_MAX + 1];
        let events = received(true, &[b"ab", &[], &big]);
        let [
            Event::SmallMessage(a),
            Event::SmallMessage(b),
            Event::Message(c),
        ] = &events[..]
        else {
            panic!("{events:?}");
        };
        assert_eq!((a.data(), a.more), (&b"ab"[..], true));
        assert_eq!((b.data(), b.more), (&b""[..], true));
        assert_eq!(*c, Frame::new(big.to_vec()));

        let events = received(false, &[b"ab"]);
        assert_eq!(events, [Event::Message(Frame::new(&b"ab"[..]))]);
    }

    #[test]
    fn small_and_large_frames_keep_their_order() {
        // Runs of small frames are copied out a run at a time, and a frame after a large
        // one is decoded whole first: either way the parts arrive in order, flags intact.
        let big = [7u8; SMALL_FRAME_MAX + 1];
        let bigger = [8u8; 300];
        let sent: [&[u8]; 8] = [b"a", &big, b"b", b"c", &bigger, &big, b"d", b""];
        let got: Vec<(Vec<u8>, bool)> = received(true, &sent)
            .iter()
            .map(|e| match e {
                Event::SmallMessage(f) => (f.data().to_vec(), f.more),
                Event::Message(f) => (f.data.to_vec(), f.more),
                other => panic!("{other:?}"),
            })
            .collect();
        let want: Vec<(Vec<u8>, bool)> = sent
            .iter()
            .enumerate()
            .map(|(i, b)| (b.to_vec(), i + 1 < sent.len()))
            .collect();
        assert_eq!(got, want);
    }
}
