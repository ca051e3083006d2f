//! Sessions: the I/O-thread side of one stream connection (libzmq's `session_base_t`
//! together with the driving half of `stream_engine_base_t`).
//!
//! A session owns the session end of the pipe to its socket and, while connected, an
//! [`Engine`]. It moves messages both ways: frames from the engine become messages in the
//! pipe (stopping reads from the stream while the pipe is full), messages from the pipe
//! become frames written in gathered batches. An accepted session lives as long as its
//! connection; a connecting session dials, keeps its pipe across reconnects and redials
//! with backoff until its endpoint is stopped or a protocol error ends it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mio::Token;
use parking_lot::Mutex;

use crate::consts::{
    ZMQ_EVENT_CLOSED, ZMQ_EVENT_CONNECT_DELAYED, ZMQ_EVENT_CONNECT_RETRIED, ZMQ_EVENT_CONNECTED,
    ZMQ_EVENT_DISCONNECTED, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
    ZMQ_RECONNECT_STOP_AFTER_DISCONNECT, ZMQ_RECONNECT_STOP_CONN_REFUSED,
    ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED,
};
use crate::error::Error;
use crate::io::connecter::Dialer;
use crate::io::engine::{Engine, ReadOutcome, Stream};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{Command, Handler, Reactor, WakerNotify};
use crate::io::zap::{ZapInput, ZapPipe};
use crate::msg::{self, Msg};
use crate::pipe::{Pipe, PipeCommand, PipeEvent, Wake};
use crate::socket::base::{SocketCommand, SocketLink, SocketWake};
use crate::socket::kind::SocketType;
use crate::socket::options::Options;
use crate::socket::pipes::{Peer, PipeKey};
use crate::transport::inproc::wants_routing_id;
use crate::zmtp::{
    CloseReason, Config, Connection, Event, Frame, HandshakeFailure, MechanismConfig, PeerInfo,
    ZapRequest, ZmtpVersion,
};

/// An I/O thread's command mailbox.
pub type IoMailbox = Arc<Mailbox<Command, WakerNotify>>;

/// How many bytes of messages one outbound pass takes from the pipe before writing.
const OUT_BATCH: usize = 256 * 1024;

/// How many reads one readiness event may do before yielding to other handlers.
const READS_PER_TURN: usize = 32;

/// How many outbound batches one turn may write before yielding to other handlers.
const BATCHES_PER_TURN: usize = 16;

/// Where the commands for a session's pipe end go: held until the session has a token (a
/// connect makes the pipe in the application thread), then to its I/O thread.
enum WakeTarget {
    Held(Vec<PipeCommand<Msg>>),
    Live(IoMailbox, Token),
}

/// The wake of a session's pipe end.
pub struct SessionWake {
    target: Arc<Mutex<WakeTarget>>,
    key: u64,
}

impl std::fmt::Debug for SessionWake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWake")
            .field("key", &self.key)
            .finish()
    }
}

impl Wake<Msg> for SessionWake {
    fn wake(&self, cmd: PipeCommand<Msg>) {
        let mut target = self.target.lock();
        match &mut *target {
            WakeTarget::Held(held) => held.push(cmd),
            WakeTarget::Live(mailbox, token) => {
                mailbox.send(Command::Pipe(*token, self.key, cmd));
            }
        }
    }
}

/// The shared target of a session's pipe-end wake.
#[derive(Clone)]
pub struct WakeCell(Arc<Mutex<WakeTarget>>);

impl std::fmt::Debug for WakeCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WakeCell")
    }
}

impl WakeCell {
    /// A target that holds commands until [`WakeCell::go_live`].
    pub fn held() -> WakeCell {
        WakeCell(Arc::new(Mutex::new(WakeTarget::Held(Vec::new()))))
    }

    fn wake(&self, key: u64) -> Box<SessionWake> {
        Box::new(SessionWake {
            target: self.0.clone(),
            key,
        })
    }

    /// Points the wake at the session's token and forwards what was held, in order.
    fn go_live(&self, mailbox: IoMailbox, token: Token, key: u64) {
        let mut target = self.0.lock();
        if let WakeTarget::Held(held) =
            std::mem::replace(&mut *target, WakeTarget::Live(mailbox.clone(), token))
        {
            for cmd in held {
                mailbox.send(Command::Pipe(token, key, cmd));
            }
        }
    }
}

/// The HWM of one pipe direction from a socket option (0 or less: unlimited).
fn hwm(value: i32) -> u64 {
    value.max(0) as u64
}

/// Makes the pipe pair of a session: the socket's end as a [`Peer`] to attach, and the
/// session's end whose commands go to `cell` tagged with `key`.
pub fn make_pipes(
    link: &SocketLink,
    endpoint: &str,
    cell: &WakeCell,
    key: u64,
) -> (Peer, Pipe<Msg>) {
    let socket_key = PipeKey::fresh();
    let o = &link.options;
    let socket_wake = SocketWake::new(link.mailbox.clone(), socket_key);
    let (theirs, mine) = if o.effective_conflate() {
        Pipe::pair_conflate(socket_wake, cell.wake(key))
    } else {
        Pipe::pair(hwm(o.sndhwm), hwm(o.rcvhwm), socket_wake, cell.wake(key))
    };
    let peer = Peer {
        pipe: theirs,
        key: socket_key,
        routing_id: None,
        endpoint: Some(endpoint.to_owned()),
        locally_initiated: false,
        addresses: Default::default(),
    };
    (peer, mine)
}

/// A connected stream's local and remote address as libzmq's monitor events name them:
/// `tcp://ip:port` (IPv6 in brackets), `ipc://path`, `ipc://@name` for an abstract one and
/// `ipc://` for an unnamed one (a connecting Unix socket).
fn stream_uris(stream: &Stream) -> (String, String) {
    fn ipc(addr: std::io::Result<std::os::unix::net::SocketAddr>) -> String {
        use std::os::linux::net::SocketAddrExt;
        match addr {
            Ok(a) => match (a.as_pathname(), a.as_abstract_name()) {
                (Some(path), _) => format!("ipc://{}", path.display()),
                (None, Some(name)) => format!("ipc://@{}", String::from_utf8_lossy(name)),
                (None, None) => "ipc://".to_owned(),
            },
            Err(_) => String::new(),
        }
    }
    match stream {
        Stream::Tcp(s) => {
            let tcp = |a: std::io::Result<std::net::SocketAddr>| {
                a.map(|a| format!("tcp://{a}")).unwrap_or_default()
            };
            (tcp(s.local_addr()), tcp(s.peer_addr()))
        }
        Stream::Ipc(s) => (ipc(s.local_addr()), ipc(s.peer_addr())),
    }
}

/// A fresh key for a session's pipe commands.
pub fn fresh_key() -> u64 {
    PipeKey::fresh().0
}

fn millis(ms: i32) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

/// The ZMTP configuration of a connection, from the socket's options.
fn config(o: &Options, peer_address: &str) -> Config {
    let mut c = Config::new(o.socket_type);
    c.routing_id = Bytes::from(o.routing_id.clone());
    for (name, value) in &o.metadata {
        c.metadata.push(name.clone(), value.clone());
    }
    c.max_msg_size = o.maxmsgsize;
    c.handshake_ivl = millis(o.handshake_ivl);
    c.heartbeat_ivl = millis(o.heartbeat_ivl);
    c.heartbeat_ttl = o.heartbeat_ttl_ds;
    c.heartbeat_timeout = (o.heartbeat_timeout >= 0).then(|| millis(o.heartbeat_timeout));
    c.mechanism = MechanismConfig::from_options(o);
    c.zap_domain = Bytes::from(o.zap_domain.clone());
    c.zap_enforce_domain = o.zap_enforce_domain;
    c.peer_address = Bytes::from(peer_address.as_bytes().to_vec());
    // Small frames become inline messages: copy them straight out of the read buffer.
    const _: () = assert!(crate::zmtp::frame::SMALL_FRAME_MAX <= msg::INLINE_MAX);
    c.small_frames = true;
    c
}

/// The properties every message from this peer carries (`zmq_msg_gets`).
fn peer_metadata(info: &PeerInfo, peer_address: &str, fd: i32) -> Arc<msg::Metadata> {
    let mut md = msg::Metadata::new();
    for (name, value) in info.metadata.iter() {
        md.insert(name, value);
    }
    for (name, value) in info.zap_metadata.iter() {
        md.insert(name, value);
    }
    if let Some(user) = &info.user_id {
        md.insert(b"User-Id", user);
    }
    if !peer_address.is_empty() {
        md.insert(b"Peer-Address", peer_address.as_bytes());
    }
    md.insert(msg::FD_PROPERTY, fd.to_string().as_bytes());
    Arc::new(md)
}

/// Whether this socket type sends subscriptions upstream (as SUBSCRIBE/CANCEL to 3.1 peers).
fn sends_subscriptions(ty: SocketType) -> bool {
    matches!(ty, SocketType::Sub | SocketType::XSub)
}

/// A message of one byte `prefix` followed by `topic` (a subscription for the socket).
fn subscription_msg(prefix: u8, topic: &[u8]) -> Msg {
    let mut b = BytesMut::with_capacity(topic.len() + 1);
    b.extend_from_slice(&[prefix]);
    b.extend_from_slice(topic);
    Msg::from_bytes(b.freeze())
}

/// A session handler.
pub struct Session {
    token: Token,
    link: SocketLink,
    /// The endpoint name the socket's pipe is filed under (for unbind/disconnect).
    endpoint: String,
    /// The tag of this session's pipe commands.
    key: u64,
    cell: WakeCell,
    pipe: Option<Pipe<Msg>>,
    /// Pipes given up on a disconnect (`ZMQ_IMMEDIATE`), with their keys, until their
    /// termination completes.
    dying: Vec<(u64, Pipe<Msg>)>,
    /// `finish` was asked for while pipes were still dying.
    finish_pending: bool,
    /// The pipe to the ZAP handler while a request is out.
    zap: Option<ZapPipe>,
    engine: Option<Engine>,
    /// A connection that is being dialled (connecting sessions).
    dialing: Option<Stream>,
    dialer: Option<Dialer>,
    /// Set by the endpoint's handle: stop reconnecting and end once the pipe is gone.
    stop_flag: Arc<AtomicBool>,
    stopped: bool,
    /// The current connection completed its handshake.
    handshaked: bool,
    /// The connection's metadata when each inbound message must carry it (a conflating
    /// pipe); otherwise the pipe has it as a context item ([`Session::send_metadata`]).
    metadata: Option<Arc<msg::Metadata>>,
    peer_address: String,
    /// The connection's own and its peer's address as monitor events give them
    /// (`tcp://127.0.0.1:5555`), while it is up.
    uris: Option<(String, String)>,
    /// Whether the stream is registered for writable events too.
    write_interest: bool,
    /// The connection's descriptor, for monitor events.
    fd: i32,
    /// An inbound message the pipe had no room for (reading is paused meanwhile).
    pending_in: Option<Msg>,
    /// The last part read from the pipe had MORE set.
    out_in_message: bool,
    conn_timer: Option<(u64, Instant)>,
    reconnect_timer: Option<u64>,
    connect_timer: Option<u64>,
    linger_timer: Option<u64>,
    /// The pipe began terminating (the socket closed it); linger is running.
    lingering: bool,
    /// Linger ran out: drop whatever is still unsent.
    linger_expired: bool,
    /// The pipe is gone; the session ends once the engine has written its queue.
    closing: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &self.token)
            .field("endpoint", &self.endpoint)
            .field("connected", &self.engine.is_some())
            .finish_non_exhaustive()
    }
}

impl Session {
    fn new(
        token: Token,
        link: SocketLink,
        endpoint: String,
        key: u64,
        cell: WakeCell,
        stop_flag: Arc<AtomicBool>,
    ) -> Session {
        Session {
            token,
            link,
            endpoint,
            key,
            cell,
            pipe: None,
            dying: Vec::new(),
            finish_pending: false,
            zap: None,
            engine: None,
            dialing: None,
            dialer: None,
            stop_flag,
            stopped: false,
            handshaked: false,
            metadata: None,
            peer_address: String::new(),
            uris: None,
            write_interest: true,
            fd: -1,
            pending_in: None,
            out_in_message: false,
            conn_timer: None,
            reconnect_timer: None,
            connect_timer: None,
            linger_timer: None,
            lingering: false,
            linger_expired: false,
            closing: false,
        }
    }

    /// Adds a session for an accepted stream; it attaches a pipe to the socket once the
    /// handshake succeeds, unless `listener_gone` is set by then.
    pub fn add_accepted(
        r: &mut Reactor,
        mut stream: Stream,
        link: SocketLink,
        endpoint: String,
        listener_gone: Arc<AtomicBool>,
    ) {
        let mailbox = r.mailbox();
        r.add(move |r, token| {
            let key = fresh_key();
            let cell = WakeCell::held();
            cell.go_live(mailbox, token, key);
            let mut s = Session::new(token, link, endpoint, key, cell, listener_gone);
            if stream.register(r.registry(), token).is_ok() {
                s.start_engine(stream);
            }
            // The first drive (greeting out, or ending a failed session) runs as an
            // activation: a handler must not remove itself while it is being added.
            r.mailbox().send(Command::Activate(token));
            Box::new(s)
        });
    }

    /// Adds a connecting session (on its I/O thread): `pipe` is its end of a pipe already
    /// attached to the socket (`None` with `ZMQ_IMMEDIATE`). Returns its token.
    pub fn add_connecting(
        r: &mut Reactor,
        link: SocketLink,
        endpoint: String,
        dialer: Dialer,
        pipe: Option<(Pipe<Msg>, u64, WakeCell)>,
        stop_flag: Arc<AtomicBool>,
    ) -> Token {
        let mailbox = r.mailbox();
        r.add(move |r, token| {
            let (pipe, key, cell) = match pipe {
                Some((p, key, cell)) => (Some(p), key, cell),
                None => (None, fresh_key(), WakeCell::held()),
            };
            cell.go_live(mailbox, token, key);
            let mut s = Session::new(token, link, endpoint, key, cell, stop_flag);
            s.pipe = pipe;
            s.dialer = Some(dialer);
            s.start_dial(r);
            Box::new(s)
        })
    }

    fn options(&self) -> &Options {
        &self.link.options
    }

    /// Raises a monitor event about this session's endpoint.
    ///
    /// Version 2 carries libzmq's address pair: a connection's own and its peer's
    /// addresses while it is up; before that `("", endpoint)` for a connect (libzmq's
    /// unconnected pair). Version 1 carries the endpoint.
    fn event(&self, event: i32, value: u64) {
        let (local, remote) = match &self.uris {
            Some((local, remote)) => (local.as_str(), remote.as_str()),
            None if self.dialer.is_some() => ("", self.endpoint.as_str()),
            None => (self.endpoint.as_str(), ""),
        };
        self.link
            .monitor
            .event_at(event, &[value], local, remote, &self.endpoint);
    }

    // ---- connecting ----

    fn start_dial(&mut self, r: &mut Reactor) {
        self.reconnect_timer = None;
        let Some(dialer) = self.dialer.as_ref() else {
            return;
        };
        match dialer.dial(self.options()) {
            Ok(mut stream) => {
                if stream.register(r.registry(), self.token).is_err() {
                    self.schedule_reconnect(r);
                    return;
                }
                if matches!(stream, Stream::Tcp(_)) {
                    // A TCP connect is always in progress here (libzmq's EINPROGRESS case).
                    self.event(ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u64);
                }
                self.dialing = Some(stream);
                let timeout = self.options().connect_timeout;
                if timeout > 0 {
                    self.connect_timer = Some(r.add_timer(self.token, millis(timeout)));
                }
            }
            Err(e) => self.dial_failed(r, e == Error::Os(libc::ECONNREFUSED)),
        }
    }

    /// A dial failed: try again later, unless `ZMQ_RECONNECT_STOP_CONN_REFUSED` says to
    /// give up on a refusal.
    fn dial_failed(&mut self, r: &mut Reactor, refused: bool) {
        if refused && self.options().reconnect_stop & ZMQ_RECONNECT_STOP_CONN_REFUSED != 0 {
            self.give_up(r);
        } else {
            self.schedule_reconnect(r);
        }
    }

    /// Stops dialling for good: the pipe ends (the socket forgets the peer) and so does
    /// the session.
    fn give_up(&mut self, r: &mut Reactor) {
        self.stopped = true;
        self.closing = true;
        match self.pipe.as_mut() {
            Some(pipe) => pipe.terminate(false),
            None => self.finish(r),
        }
    }

    fn schedule_reconnect(&mut self, r: &mut Reactor) {
        if self.stopped || self.options().reconnect_ivl < 0 {
            return;
        }
        let Some(dialer) = self.dialer.as_mut() else {
            return;
        };
        let ivl = dialer.next_interval(&self.link.options);
        self.reconnect_timer = Some(r.add_timer(self.token, ivl));
        self.event(ZMQ_EVENT_CONNECT_RETRIED, ivl.as_millis() as u64);
    }

    fn dial_ready(&mut self, r: &mut Reactor, event: &mio::event::Event) {
        let Some(stream) = self.dialing.as_mut() else {
            return;
        };
        if !(event.is_writable() || event.is_error() || event.is_write_closed()) {
            return;
        }
        use std::os::fd::AsRawFd;
        let outcome = crate::transport::net::take_error(stream.as_raw_fd());
        let refused =
            matches!(&outcome, Ok(Some(e)) if e.raw_os_error() == Some(libc::ECONNREFUSED));
        let failed = !matches!(outcome, Ok(None)) || event.is_error();
        let mut stream = self.dialing.take().expect("checked above");
        self.connect_timer = None;
        if failed {
            stream.deregister(r.registry());
            self.event(ZMQ_EVENT_CLOSED, stream.as_raw_fd() as u64);
            self.dial_failed(r, refused);
            return;
        }
        self.event(ZMQ_EVENT_CONNECTED, stream.as_raw_fd() as u64);
        if let Stream::Tcp(s) = &stream {
            let net = crate::io::connecter::net_options(self.options());
            // A tuning failure leaves a working connection with system defaults.
            let _ = crate::transport::net::tune_connection(s.as_raw_fd(), &net);
        }
        self.start_engine(stream);
        self.drive(r);
    }

    // ---- the engine ----

    /// Starts the ZMTP connection; the caller drives it (or activates the session).
    fn start_engine(&mut self, stream: Stream) {
        use std::os::fd::AsRawFd;
        self.fd = stream.as_raw_fd();
        self.peer_address = stream.peer_address();
        self.uris = Some(stream_uris(&stream));
        // Registered for both kinds of event (by the listener or for the connect).
        self.write_interest = true;
        let o = self.options();
        self.engine = Some(if crate::io::raw::is_raw(o) {
            Engine::new_raw(stream, o.stream_notify, o.in_batch_size.max(1) as usize)
        } else if let Some(address) = self.endpoint.strip_prefix("ws://") {
            use crate::transport::ws;
            let role = match (&self.dialer, ws::parse_connect(address)) {
                (Some(_), Ok(t)) => ws::Role::Client {
                    host: t.host,
                    path: t.path,
                },
                _ => ws::Role::Server,
            };
            let codec = ws::WsCodec::new(role, o.mechanism, o.as_server);
            Engine::new_ws(stream, config(o, &self.peer_address), codec)
        } else {
            Engine::new(stream, config(o, &self.peer_address))
        });
    }

    /// Moves everything that can move now: engine events to the pipe, pipe messages to the
    /// stream, then reads until the stream is dry, the pipe is full or the turn is over.
    fn drive(&mut self, r: &mut Reactor) {
        let mut reads = 0;
        loop {
            self.process_events(r);
            if self.engine.is_none() {
                return;
            }
            if !self.write_out(r) {
                continue; // the Closed event is next
            }
            let engine = self.engine.as_mut().expect("checked above");
            if self.closing && self.pipe.is_none() && !engine.has_pending_output() {
                self.finish(r);
                return;
            }
            if self.pending_in.is_some() || engine.conn.is_closed() {
                break;
            }
            if reads == READS_PER_TURN {
                // Let the thread's other handlers run; carry on from the mailbox.
                r.mailbox().send(Command::Activate(self.token));
                break;
            }
            reads += 1;
            let outcome = engine.read();
            if engine.ws_opened() {
                self.event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
            }
            match outcome {
                ReadOutcome::WouldBlock => break,
                ReadOutcome::Fed | ReadOutcome::Closed => {}
            }
        }
        self.sync_write_interest(r);
        self.arm_conn_timer(r);
    }

    /// Asks for writable events exactly while a write waits for room (streams start
    /// registered for both: a connect completes with one).
    fn sync_write_interest(&mut self, r: &mut Reactor) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let want = engine.is_blocked();
        if want != self.write_interest
            && engine
                .stream
                .set_write_interest(r.registry(), self.token, want)
                .is_ok()
        {
            self.write_interest = want;
        }
    }

    fn arm_conn_timer(&mut self, r: &mut Reactor) {
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        let Some(at) = engine.conn.poll_timeout() else {
            return;
        };
        if self.conn_timer.is_some_and(|(_, armed)| armed <= at) {
            return;
        }
        let after = at.saturating_duration_since(Instant::now());
        self.conn_timer = Some((r.add_timer(self.token, after), at));
    }

    /// Hands the connection's events to the socket, until the pipe is full.
    fn process_events(&mut self, r: &mut Reactor) {
        while self.pending_in.is_none() {
            let Some(engine) = self.engine.as_mut() else {
                return;
            };
            let Some(event) = engine.conn.poll_event() else {
                break;
            };
            match event {
                Event::HandshakeSucceeded(info) => self.handshake_done(r, &info),
                Event::Message(frame) => {
                    if frame.command {
                        continue;
                    }
                    let mut m = Msg::from_bytes(frame.data);
                    m.set_more(frame.more);
                    if let Some(md) = &self.metadata {
                        m.set_metadata(md.clone());
                    }
                    self.push(m);
                }
                Event::SmallMessage(frame) => {
                    let mut m = Msg::inline(frame.data());
                    m.set_more(frame.more);
                    if let Some(md) = &self.metadata {
                        m.set_metadata(md.clone());
                    }
                    self.push(m);
                }
                Event::Subscribe(topic) => self.push(subscription_msg(1, &topic)),
                Event::Cancel(topic) => self.push(subscription_msg(0, &topic)),
                // Groups are for RADIO/DISH, which no socket type here speaks yet.
                Event::Join(_) | Event::Leave(_) => {}
                Event::ZapRequest(req) => self.zap_request(r, &req),
                Event::HandshakeFailed(f) => {
                    let (event, value) = match f {
                        HandshakeFailure::Protocol(code) => {
                            (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code as u64)
                        }
                        HandshakeFailure::Auth(status) => {
                            (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, u64::from(status))
                        }
                        HandshakeFailure::NoDetail(e) => (
                            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                            crate::capi::errno::to_errno(e) as u64,
                        ),
                    };
                    self.event(event, value);
                }
                Event::Closed(reason) => {
                    self.engine_closed(r, reason);
                    return;
                }
            }
        }
        if let Some(p) = self.pipe.as_mut() {
            p.flush();
        }
    }

    /// Sends a ZAP request to the context's handler; without one, tells the connection.
    fn zap_request(&mut self, r: &mut Reactor, req: &ZapRequest) {
        self.close_zap();
        self.zap = ZapPipe::open(&self.link, r.mailbox(), self.token, req);
        if self.zap.is_none() {
            if let Some(e) = self.engine.as_mut() {
                e.conn.handle_zap_unavailable(Instant::now());
            }
        }
    }

    /// A command on the ZAP pipe: a complete reply goes to the connection, and the pipe
    /// ends once it has answered (or the handler went away).
    fn zap_command(&mut self, r: &mut Reactor, cmd: PipeCommand<Msg>) {
        let Some(zap) = self.zap.as_mut() else {
            return;
        };
        match zap.process_command(cmd) {
            ZapInput::Nothing => return,
            ZapInput::Reply(frames) => {
                if let Some(e) = self.engine.as_mut() {
                    e.conn.handle_zap_reply(&frames, Instant::now());
                }
            }
            // No reply will come; the handshake timer ends the connection.
            ZapInput::Gone => {}
        }
        self.close_zap();
        if self.engine.is_some() {
            self.drive(r);
        }
    }

    /// Ends the ZAP pipe, if any; its termination completes among the dying pipes.
    fn close_zap(&mut self) {
        if let Some(dying) = self.zap.take().and_then(ZapPipe::close) {
            self.dying.push(dying);
        }
    }

    fn push(&mut self, m: Msg) {
        let Some(pipe) = self.pipe.as_mut() else {
            return;
        };
        if pipe.is_terminating() {
            return; // the socket is gone: nobody will read it
        }
        if let Err(m) = pipe.write(m) {
            self.pending_in = Some(m);
        }
    }

    fn handshake_done(&mut self, r: &mut Reactor, info: &PeerInfo) {
        use std::os::fd::AsRawFd;
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        let fd = engine.stream.as_raw_fd();
        let metadata = peer_metadata(info, &self.peer_address, fd);
        self.handshaked = true;
        if info.version >= ZmtpVersion::V3_0 {
            // libzmq raises it for ZMTP 3.x handshakes only.
            self.event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
        }
        if let Some(d) = self.dialer.as_mut() {
            d.connected();
        }
        let ty = self.options().socket_type;
        let fresh = self.pipe.is_none();
        if fresh {
            if self.stop_flag.load(Ordering::Acquire) || self.link.ctx.is_terminating() {
                // The endpoint went away during the handshake.
                self.closing = true;
                self.finish(r);
                return;
            }
            let (mut peer, pipe) = make_pipes(&self.link, &self.endpoint, &self.cell, self.key);
            peer.addresses = self.uris.clone().unwrap_or_default();
            self.pipe = Some(pipe);
            self.send_metadata(metadata);
            self.write_routing_id(ty, info);
            self.link
                .mailbox
                .send(SocketCommand::Attach(Box::new(peer)));
        } else {
            self.send_metadata(metadata);
            self.write_routing_id(ty, info);
        }
    }

    /// Gives the socket's end of the pipe the connection's metadata once, as a context item
    /// that every later message adopts. A conflating pipe cannot take one (it would take a
    /// message's place), so there each message carries the metadata itself.
    fn send_metadata(&mut self, metadata: Arc<msg::Metadata>) {
        let Some(pipe) = self.pipe.as_mut() else {
            return;
        };
        let sent = pipe.write_context(Msg::context(Some(metadata.clone())));
        self.metadata = (!sent).then_some(metadata);
    }

    fn write_routing_id(&mut self, ty: SocketType, info: &PeerInfo) {
        if !wants_routing_id(ty) {
            return;
        }
        let mut m = Msg::from_bytes(info.identity.clone().unwrap_or_default());
        m.set_flags(msg::ROUTING_ID);
        if let Some(p) = self.pipe.as_mut() {
            // Uncounted by the HWM, so it always fits.
            let _ = p.write(m);
            p.flush();
        }
    }

    /// Writes what the connection queued, then batches of messages from the pipe, until
    /// the stream would block, the pipe is dry or the turn is over (then the session
    /// activates itself to go on later). `false` when the stream failed.
    fn write_out(&mut self, r: &mut Reactor) -> bool {
        for _ in 0..BATCHES_PER_TURN {
            let Some(engine) = self.engine.as_mut() else {
                return true;
            };
            if !engine.flush() {
                return false;
            }
            if engine.is_blocked() || engine.has_pending_output() || !self.pump_out() {
                return true;
            }
        }
        // A producer as fast as the stream must not keep this thread to itself.
        r.mailbox().send(Command::Activate(self.token));
        self.engine.as_mut().is_none_or(Engine::flush)
    }

    /// Takes messages from the pipe into the connection, up to one batch; whether it took
    /// any.
    fn pump_out(&mut self) -> bool {
        let (Some(engine), Some(pipe)) = (self.engine.as_mut(), self.pipe.as_mut()) else {
            return false;
        };
        if !engine.conn.can_send() {
            return false;
        }
        let mut took = false;
        let subs = sends_subscriptions(self.link.options.socket_type);
        let mut budget = OUT_BATCH;
        while budget > 0 {
            // The delimiter is read only once what was taken before it has been written:
            // reading it ends the pipe, after which the socket (and the context) may finish
            // while this batch still sits in the connection's queue (libzmq's engine, too,
            // pulls the next message only after writing the last batch).
            let next = if took {
                pipe.read_before_delimiter()
            } else {
                pipe.read()
            };
            let Some(mut m) = next else {
                break;
            };
            took = true;
            let first = !self.out_in_message;
            let more = m.more();
            self.out_in_message = more;
            budget = budget.saturating_sub(m.len().max(16));
            let data = m.data();
            let sent = if subs && first && !more && matches!(data.first(), Some(0 | 1)) {
                if data[0] == 1 {
                    engine.conn.subscribe(&data[1..])
                } else {
                    engine.conn.cancel(&data[1..])
                }
            } else if data.len() <= Connection::SMALL_BODY_MAX {
                // Copied into the output queue as it is encoded: no `Bytes` per message.
                engine.conn.send_small(data, more)
            } else {
                engine.conn.send(Frame::with_more(m.take_bytes(), more))
            };
            // Only fails when the connection closed; its Closed event follows.
            if sent.is_err() {
                break;
            }
        }
        took
    }

    fn engine_closed(&mut self, r: &mut Reactor, reason: CloseReason) {
        self.close_zap();
        if let Some(mut engine) = self.engine.take() {
            // An ERROR command queued by the failing handshake still goes out if the
            // stream takes it now.
            engine.flush();
            engine.stream.deregister(r.registry());
            self.event(ZMQ_EVENT_DISCONNECTED, self.fd as u64);
        }
        self.uris = None;
        self.conn_timer = None;
        self.metadata = None;
        self.pending_in = None;
        if let Some(pipe) = self.pipe.as_mut() {
            // Drop the unfinished inbound message and the rest of a half-sent outbound one.
            pipe.rollback();
            pipe.flush();
            while self.out_in_message {
                match pipe.read() {
                    Some(m) => self.out_in_message = m.more(),
                    None => break,
                }
            }
        }
        let handshaked = std::mem::replace(&mut self.handshaked, false);
        let stop_flags = self.options().reconnect_stop;
        let stop_asked = if handshaked {
            stop_flags & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0
        } else {
            stop_flags & ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED != 0
        };
        let reconnect = self.dialer.is_some()
            && !self.stopped
            && !self.closing
            && !stop_asked
            && !matches!(reason, CloseReason::Protocol(_));
        if reconnect {
            let ty = self.options().socket_type;
            if self.options().immediate {
                // No queueing while disconnected: the pipe goes, a new one comes with the
                // next connection (libzmq's `reconnect` with `ZMQ_IMMEDIATE`).
                if let Some(mut pipe) = self.pipe.take() {
                    pipe.terminate(false);
                    self.dying.push((self.key, pipe));
                    self.key = fresh_key();
                    self.out_in_message = false;
                }
            } else if let Some(pipe) = self.pipe.as_mut() {
                if sends_subscriptions(ty) {
                    // The socket resends its subscriptions for the next connection.
                    pipe.hiccup();
                }
            }
            // Only the delimiter left (the socket closed after all it sent went out):
            // reading it now ends the pipe, or the session would dial again for nothing
            // and keep the closed socket, and zmq_ctx_term, waiting (libzmq's
            // `check_read` at the end of `engine_error`).
            if let Some(pipe) = self.pipe.as_mut() {
                pipe.check_read();
            }
            self.schedule_reconnect(r);
            return;
        }
        // An accepted connection ended, or the peer broke the protocol: the session ends.
        self.closing = true;
        match self.pipe.as_mut() {
            Some(pipe) => pipe.terminate(false),
            None => self.finish(r),
        }
    }

    // ---- the pipe ----

    fn start_linger(&mut self, r: &mut Reactor) {
        self.lingering = true;
        let linger = self.link.linger.load(Ordering::Relaxed);
        if linger == 0 {
            self.linger_expired = true;
            if let Some(p) = self.pipe.as_mut() {
                p.terminate(false);
            }
        } else if linger > 0 {
            self.linger_timer = Some(r.add_timer(self.token, millis(linger)));
        }
    }

    /// The pipe finished terminating: end once the engine has written what it holds.
    fn pipe_gone(&mut self, r: &mut Reactor) {
        self.pipe = None;
        self.closing = true;
        match self.engine.as_ref() {
            Some(e) if !self.linger_expired && (e.has_pending_output() || !e.conn.can_send()) => {
                // Still writing (or not even handshaken): the linger timer bounds it.
                if !self.lingering {
                    self.start_linger(r);
                }
                if self.linger_expired {
                    self.finish(r);
                }
            }
            _ => self.finish(r),
        }
    }

    /// Removes the session (once no pipe is still terminating); `stop` closes the streams.
    fn finish(&mut self, r: &mut Reactor) {
        self.close_zap();
        if !self.dying.is_empty() {
            self.finish_pending = true;
            return;
        }
        if let Some(p) = self.pipe.as_mut() {
            // Not normally reached with a live pipe; make sure the socket is not left waiting.
            p.terminate(false);
        }
        // A handler removing itself is dropped without `stop`: release the streams here.
        self.release(r);
        r.remove(self.token);
    }

    /// Closes the streams (writing what the engine holds if the stream takes it now).
    fn release(&mut self, r: &mut Reactor) {
        if let Some(mut e) = self.engine.take() {
            e.flush();
            e.stream.deregister(r.registry());
        }
        if let Some(mut s) = self.dialing.take() {
            s.deregister(r.registry());
        }
    }
}

impl Handler for Session {
    fn ready(&mut self, r: &mut Reactor, event: &mio::event::Event) {
        if self.dialing.is_some() {
            self.dial_ready(r, event);
            return;
        }
        if let Some(engine) = self.engine.as_mut() {
            if event.is_writable() {
                engine.unblock();
            }
            self.drive(r);
        }
    }

    fn activated(&mut self, r: &mut Reactor) {
        if !self.stopped
            && self.stop_flag.load(Ordering::Acquire)
            && self.dialer.is_some()
            && self.pipe.is_none()
        {
            // With a pipe, the session goes on dialing while it lingers, as libzmq's
            // connecter outlives a terminating session: what the socket sent before
            // `zmq_close`/`zmq_disconnect` still goes out once a connection comes (the
            // linger timer bounds the wait), and the pipe's end finishes the session.
            self.stopped = true;
            self.reconnect_timer = None;
            self.connect_timer = None;
            if let Some(mut s) = self.dialing.take() {
                s.deregister(r.registry());
            }
            self.closing = true;
            self.finish(r);
            return;
        }
        if self.engine.is_some() {
            self.drive(r);
        } else if self.dialing.is_none() && self.dialer.is_none() && self.pipe.is_none() {
            // An accepted stream that could not be registered.
            self.finish(r);
        }
    }

    fn timer(&mut self, r: &mut Reactor, id: u64) {
        if self.conn_timer.is_some_and(|(t, _)| t == id) {
            self.conn_timer = None;
            if let Some(e) = self.engine.as_mut() {
                e.conn.handle_timeout(Instant::now());
            }
            self.drive(r);
        } else if self.reconnect_timer == Some(id) {
            self.start_dial(r);
        } else if self.connect_timer == Some(id) {
            self.connect_timer = None;
            if let Some(mut s) = self.dialing.take() {
                s.deregister(r.registry());
                self.schedule_reconnect(r);
            }
        } else if self.linger_timer == Some(id) {
            self.linger_timer = None;
            self.linger_expired = true;
            match self.pipe.as_mut() {
                Some(p) => p.terminate(false),
                None => self.finish(r),
            }
        }
    }

    fn pipe_command(&mut self, r: &mut Reactor, key: u64, cmd: PipeCommand<Msg>) {
        if self.zap.as_ref().is_some_and(|z| z.key() == key) {
            self.zap_command(r, cmd);
            return;
        }
        if key != self.key {
            if let Some(i) = self.dying.iter().position(|(k, _)| *k == key) {
                let pipe = &mut self.dying[i].1;
                let event = pipe.process_command(cmd);
                if event == Some(PipeEvent::Terminated) {
                    self.dying.swap_remove(i);
                    if self.dying.is_empty() && self.finish_pending {
                        self.finish(r);
                    }
                }
            }
            return;
        }
        let Some(pipe) = self.pipe.as_mut() else {
            return;
        };
        let was_terminating = pipe.is_terminating();
        let event = pipe.process_command(cmd);
        let now_terminating = pipe.is_terminating();
        match event {
            Some(PipeEvent::Terminated) => {
                self.pipe_gone(r);
                return;
            }
            Some(PipeEvent::WriteActivated) => {
                if let Some(m) = self.pending_in.take() {
                    self.push(m);
                }
            }
            Some(PipeEvent::ReadActivated | PipeEvent::Hiccuped | PipeEvent::Stats { .. })
            | None => {}
        }
        if !was_terminating && now_terminating && !self.lingering {
            self.start_linger(r);
        }
        if self.engine.as_ref().is_some_and(|e| e.conn.can_send()) {
            self.drive(r);
        } else if let Some(pipe) = self.pipe.as_mut() {
            if pipe.is_terminating() {
                // Nothing will read the pipe now; if only the delimiter is left, reading it
                // completes the termination (libzmq's `check_read` in `process_term`).
                pipe.check_read();
            }
            if self.engine.is_some() {
                self.drive(r);
            }
        }
    }

    fn stop(&mut self, r: &mut Reactor) {
        self.release(r);
    }
}
