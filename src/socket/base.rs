//! The socket: what every socket type shares (libzmq's `socket_base_t`).
//!
//! A [`Socket`] is used by one application thread at a time (the draft thread-safe types
//! aside), so its state sits behind a mutex that is never contended in correct use; it only
//! makes misuse from two threads safe. Everything that reaches the socket from elsewhere
//! (pipe commands from sessions or inproc peers, new pipes, the context's stop) comes
//! through its mailbox, whose signaller is `ZMQ_FD`. The socket reads the mailbox whenever
//! it is called, and sleeps on the signaller when a blocking call has to wait.
//!
//! The socket type's own behaviour (load balancing, fair queueing, envelopes,
//! subscriptions) is a [`Routing`], one file per type, working over the socket's [`Pipes`].

use std::ffi::c_int;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use mio::Interest;
use mio::unix::SourceFd;
use parking_lot::Mutex;

use crate::consts::{
    ZMQ_DONTWAIT, ZMQ_EVENT_PIPES_STATS, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_RCVHWM, ZMQ_SNDHWM,
    ZMQ_SNDMORE,
};
use crate::ctx::{Context, SocketId, SocketStop};
use crate::error::{Error, Result};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{Handler, Reactor};
use crate::io::signaler::Signaler;
use crate::msg::Msg;
use crate::pipe::{PipeCommand, PipeEvent, Wake};
use crate::socket::kind::SocketType;
use crate::socket::monitor::Monitor;
use crate::socket::options::{self, Applied, Got, Live, Options};
use crate::socket::pipes::{Peer, PipeId, PipeKey, Pipes};
use crate::transport::{self, Protocol};

/// A socket's command mailbox; its signaller is `ZMQ_FD`.
pub type SocketMailbox = Mailbox<SocketCommand, Signaler>;

/// What reaches a socket from other threads.
pub enum SocketCommand {
    /// A command for one of the socket's pipes, from the pipe's other end.
    Pipe(PipeKey, PipeCommand<Msg>),
    /// A new pipe: an accepted or (re)connected peer, or an inproc peer.
    Attach(Box<Peer>),
    /// The context is shutting down: blocking calls end with `ETERM`.
    Stop,
}

impl std::fmt::Debug for SocketCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketCommand::Pipe(key, _) => write!(f, "Pipe({key:?})"),
            SocketCommand::Attach(peer) => write!(f, "Attach({peer:?})"),
            SocketCommand::Stop => write!(f, "Stop"),
        }
    }
}

/// Delivers a pipe's commands to the socket that owns that end.
#[derive(Debug)]
pub struct SocketWake {
    mailbox: Arc<SocketMailbox>,
    key: PipeKey,
}

impl SocketWake {
    /// A wake for the pipe end `key` owned by the socket behind `mailbox`.
    pub fn new(mailbox: Arc<SocketMailbox>, key: PipeKey) -> Box<SocketWake> {
        Box::new(SocketWake { mailbox, key })
    }
}

impl Wake<Msg> for SocketWake {
    fn wake(&self, cmd: PipeCommand<Msg>) {
        self.mailbox.send(SocketCommand::Pipe(self.key, cmd));
    }
}

/// A socket type's behaviour over the socket's pipes (libzmq's `xsend`, `xrecv`, ...).
///
/// `send` takes the message on success (leaving `msg` empty) and leaves it untouched on
/// failure; `Again` means "no pipe can take it now" and makes a blocking send wait.
pub trait Routing: Send {
    /// A new pipe joined the socket.
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId);
    /// A pipe is gone (terminated); forget it. The pipe is still in `pipes` during the call.
    fn detach(&mut self, pipes: &mut Pipes, id: PipeId);
    /// A pipe that had run dry has messages again.
    fn read_activated(&mut self, _pipes: &mut Pipes, _id: PipeId) {}
    /// A pipe that had reached its HWM can take messages again.
    fn write_activated(&mut self, _pipes: &mut Pipes, _id: PipeId) {}
    /// The peer behind a pipe reconnected (SUB/XSUB resend their subscriptions).
    fn hiccuped(&mut self, _pipes: &mut Pipes, _id: PipeId) {}
    /// Sends one message part; `msg.more()` says whether more parts follow.
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, options: &Options) -> Result<()>;
    /// Receives one message part.
    fn recv(&mut self, pipes: &mut Pipes, options: &Options) -> Result<Msg>;
    /// Whether `recv` would succeed now.
    fn has_in(&mut self, pipes: &mut Pipes) -> bool;
    /// Whether `send` would succeed now.
    fn has_out(&mut self, pipes: &mut Pipes) -> bool;
    /// An option that asks the socket type to act (`ZMQ_SUBSCRIBE`, ...).
    fn apply(&mut self, _pipes: &mut Pipes, _applied: Applied) -> Result<()> {
        Ok(())
    }
    /// `ZMQ_TOPICS_COUNT`.
    fn topics_count(&self) -> c_int {
        0
    }
    /// `zmq_socket_get_peer_state`: `ZMQ_POLLOUT` when a message to the peer with this
    /// routing id would fit now. Only ROUTER answers it in libzmq.
    fn peer_state(&mut self, _pipes: &mut Pipes, _routing_id: &[u8]) -> Result<c_int> {
        Err(Error::NotSup)
    }
    /// The options as they are now: called once when the socket is made and after every
    /// successful `zmq_setsockopt`, for socket types that act on options outside `send` and
    /// `recv` (XPUB's verbose modes and welcome message when a pipe attaches or reads).
    fn configure(&mut self, _options: &Options) {}
}

/// Tells a socket to stop, on the context's behalf.
struct Stopper(Arc<SocketMailbox>);

impl SocketStop for Stopper {
    fn stop(&self) {
        self.0.send(SocketCommand::Stop);
    }
}

/// Something a bound or connected endpoint leaves running that must be stopped on
/// `zmq_unbind`, `zmq_disconnect` or close (a listener or a connecting session).
pub trait EndpointHandle: Send {
    /// Stops it; its pipes end through the usual termination.
    fn stop(self: Box<Self>);

    /// Stops it like [`stop`](Self::stop), holding `guard` until what the endpoint reports
    /// on stopping (a listener's `ZMQ_EVENT_CLOSED`) has gone to the monitor. By default
    /// nothing is reported later, and `guard` is dropped at once.
    fn stop_holding(self: Box<Self>, guard: Arc<dyn Send + Sync>) {
        self.stop();
        drop(guard);
    }
}

/// Stops a closed socket's monitor when the last endpoint lets go of it: libzmq stops the
/// monitor (`MONITOR_STOPPED`) only after the listeners have closed (`CLOSED`).
struct StopMonitorWhenDropped(Monitor);

impl Drop for StopMonitorWhenDropped {
    fn drop(&mut self) {
        self.0.stop();
    }
}

struct Endpoint {
    name: String,
    handle: Option<Box<dyn EndpointHandle>>,
}

/// What the socket hands a transport so it can make pipes for it.
#[derive(Clone, Debug)]
pub struct SocketLink {
    /// The socket's mailbox, for `Attach` and pipe commands.
    pub mailbox: Arc<SocketMailbox>,
    /// The socket's options when the endpoint was made.
    pub options: Arc<Options>,
    /// The context.
    pub ctx: Context,
    /// The socket's current `ZMQ_LINGER`: sessions read it when their pipe ends, as libzmq
    /// passes the linger in force at close time.
    pub linger: Arc<AtomicI32>,
    /// Where connection events go.
    pub monitor: Monitor,
}

/// The socket state behind the mutex.
struct Core {
    ctx: Context,
    id: SocketId,
    mailbox: Arc<SocketMailbox>,
    options: Options,
    /// `options.linger`, shared with the sessions.
    linger: Arc<AtomicI32>,
    pipes: Pipes,
    routing: Box<dyn Routing>,
    endpoints: Vec<Endpoint>,
    last_endpoint: String,
    rcvmore: bool,
    stopped: bool,
    /// `zmq_close` was called: pipes that still arrive (a session finishing its handshake)
    /// are ended at once, as libzmq's `attach_pipe` does for a terminating socket.
    closing: bool,
    monitor: Monitor,
}

/// A ZeroMQ socket.
pub struct Socket {
    core: Mutex<Core>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").finish_non_exhaustive()
    }
}

/// The routing of each socket type.
fn routing_for(ty: SocketType) -> Result<Box<dyn Routing>> {
    use crate::socket::pair::Pair;
    use crate::socket::pub_::Pub;
    use crate::socket::sub::Sub;
    use crate::socket::xpub::XPub;
    use crate::socket::xsub::XSub;
    use crate::socket::{dealer, pull, push, rep, req, router};
    match ty {
        SocketType::Pair => Ok(Box::new(Pair::default())),
        SocketType::Pub => Ok(Box::new(Pub::default())),
        SocketType::Sub => Ok(Box::new(Sub::default())),
        SocketType::XPub => Ok(Box::new(XPub::new(false))),
        SocketType::XSub => Ok(Box::new(XSub::new(false))),
        SocketType::Push => Ok(Box::new(push::Push::default())),
        SocketType::Pull => Ok(Box::new(pull::Pull::default())),
        SocketType::Dealer => Ok(Box::new(dealer::Dealer::default())),
        SocketType::Req => Ok(Box::new(req::Req::new())),
        SocketType::Rep => Ok(Box::new(rep::Rep::new())),
        SocketType::Router => Ok(Box::new(router::Router::new())),
        SocketType::Stream => Ok(Box::new(crate::socket::stream::Stream::new())),
        _ => Err(Error::Inval),
    }
}

impl Socket {
    /// Creates a socket of type `ty` in `ctx` (`zmq_socket`).
    pub fn new(ctx: &Context, ty: SocketType) -> Result<Socket> {
        let mut routing = routing_for(ty)?;
        let mailbox = Arc::new(Mailbox::new(Signaler::new()?));
        let id = ctx.register_socket(Arc::new(Stopper(mailbox.clone())))?;
        let defaults = ctx.socket_defaults();
        let options = Options::with_context(ty, defaults.blocky, defaults.ipv6);
        routing.configure(&options);
        Ok(Socket {
            core: Mutex::new(Core {
                ctx: ctx.clone(),
                id,
                mailbox,
                linger: Arc::new(AtomicI32::new(options.linger)),
                options,
                pipes: Pipes::default(),
                routing,
                endpoints: Vec::new(),
                last_endpoint: String::new(),
                rcvmore: false,
                stopped: false,
                closing: false,
                monitor: Monitor::default(),
            }),
        })
    }

    /// Sends one message part (`zmq_msg_send`). On success `msg` is left empty.
    pub fn send(&self, msg: &mut Msg, flags: c_int) -> Result<()> {
        self.core.lock().send(msg, flags)
    }

    /// Receives one message part (`zmq_msg_recv`).
    pub fn recv(&self, flags: c_int) -> Result<Msg> {
        self.core.lock().recv(flags, || ())
    }

    /// `zmq_msg_recv`: receives into `slot`. As in libzmq, whose queues release the
    /// caller's message before they look for the next one, a receive that finds nothing
    /// leaves `slot` empty, and one that must wait empties it before it starts waiting
    /// (its buffer goes back for reuse while the next message is read). A receive refused
    /// before the queue is looked at (a REQ without a request, a closed socket) leaves it.
    pub fn recv_into(&self, slot: &mut Msg, flags: c_int) -> Result<()> {
        let msg = self.core.lock().recv(flags, || *slot = Msg::new())?;
        *slot = msg;
        Ok(())
    }

    /// `zmq_socket_get_peer_state` (draft). Like libzmq it reads no commands first: the
    /// answer is about the peers attached as of the socket's last call.
    pub fn peer_state(&self, routing_id: &[u8]) -> Result<c_int> {
        let mut core = self.core.lock();
        let core = &mut *core;
        core.routing.peer_state(&mut core.pipes, routing_id)
    }

    /// `zmq_socket_monitor_pipes_stats` (draft): asks every pipe's peer for its queue
    /// counts; each answer becomes a `ZMQ_EVENT_PIPES_STATS` event when the socket next
    /// reads its commands. `EINVAL` unless a monitor takes that event, `EAGAIN` without
    /// pipes (libzmq's `query_pipes_stats`, which reads no commands first either).
    pub fn monitor_pipes_stats(&self) -> Result<()> {
        let mut core = self.core.lock();
        if !core.monitor.wants(ZMQ_EVENT_PIPES_STATS) {
            return Err(Error::Inval);
        }
        if core.pipes.is_empty() {
            return Err(Error::Again);
        }
        for id in core.pipes.ids() {
            if let Some(p) = core.pipes.pipe(id) {
                p.request_stats();
            }
        }
        Ok(())
    }

    /// `zmq_setsockopt`.
    pub fn set_option(&self, id: c_int, value: Option<&[u8]>) -> Result<()> {
        self.core.lock().set_option(id, value)
    }

    /// `zmq_getsockopt`: the bytes to copy out to a buffer of `buf_len` bytes.
    pub fn get_option(&self, id: c_int, buf_len: usize) -> Result<Vec<u8>> {
        self.core.lock().get_option(id, buf_len)
    }

    /// `zmq_bind`.
    pub fn bind(&self, endpoint: &str) -> Result<()> {
        self.core.lock().bind(endpoint)
    }

    /// `zmq_connect`.
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        self.core.lock().connect(endpoint)
    }

    /// `zmq_unbind` and `zmq_disconnect`.
    pub fn term_endpoint(&self, endpoint: &str) -> Result<()> {
        self.core.lock().term_endpoint(endpoint)
    }

    /// Whether `recv`/`send` would succeed now, as `ZMQ_POLLIN`/`ZMQ_POLLOUT` bits.
    pub fn events(&self) -> Result<c_int> {
        self.core.lock().events()
    }

    /// `zmq_socket_monitor_versioned` (and `zmq_socket_monitor`, version 1 over PAIR):
    /// publishes `events` on `endpoint`, or stops monitoring when `endpoint` is None.
    pub fn monitor(
        &self,
        endpoint: Option<&str>,
        events: u64,
        version: c_int,
        kind: c_int,
    ) -> Result<()> {
        let mut core = self.core.lock();
        core.check_alive()?;
        let (ctx, monitor) = (core.ctx.clone(), core.monitor.clone());
        drop(core);
        monitor.start(&ctx, endpoint, events, version, kind)
    }

    /// `ZMQ_FD`: the mailbox signaller.
    pub fn fd(&self) -> i32 {
        self.core.lock().mailbox.notifier().as_raw_fd()
    }

    /// `zmq_close`: stops the endpoints, ends every pipe and leaves the context's registry
    /// once the pipes are gone (at once when there are none; otherwise a reaper thread
    /// finishes the termination handshakes).
    pub fn close(self) {
        let mut core = self.core.into_inner();
        core.closing = true;
        let monitor_guard: Arc<dyn Send + Sync> =
            Arc::new(StopMonitorWhenDropped(core.monitor.clone()));
        for ep in core.endpoints.drain(..) {
            if let Some(h) = ep.handle {
                h.stop_holding(monitor_guard.clone());
            }
        }
        drop(monitor_guard);
        // Connects still waiting for their inproc bind have no other end to shake hands with.
        for key in transport::inproc::cancel_pending(&core.ctx, &core.mailbox) {
            if let Some(id) = core.pipes.find(key) {
                core.routing.detach(&mut core.pipes, id);
                core.pipes.remove(id);
            }
        }
        // Without delay: nobody will read what is inbound to a closed socket. What it sent
        // is still delivered: the peer reads up to the delimiter before acknowledging.
        for id in core.pipes.ids() {
            if let Some(p) = core.pipes.pipe(id) {
                p.terminate(false);
            }
        }
        core.process_commands();
        if core.pipes.is_empty() {
            core.ctx.unregister_socket(core.id);
            return;
        }
        // An I/O thread finishes the handshakes (as libzmq's reaper thread does): handing
        // the socket over is one command, so zmq_close returns at once and a close issued
        // right after it is not held up. Without I/O threads a thread of its own does it.
        let io = core.ctx.io_threads();
        if let Some(thread) = io.first() {
            thread.run(move |r| {
                r.add(|r, token| Box::new(Reaping::start(core, r, token)));
            });
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("ZMQbg/Reaper".into())
            .spawn(move || core.reap());
        if let Err(e) = spawned {
            eprintln!("libzmq-rs: cannot start a reaper thread ({e}); socket pipes dropped");
        }
    }
}

/// A closed socket whose pipes are still terminating, handled on an I/O thread: its
/// mailbox's fd is polled there and its commands processed until the last pipe is gone.
struct Reaping {
    core: Option<Core>,
    token: mio::Token,
}

impl Reaping {
    fn start(core: Core, r: &mut Reactor, token: mio::Token) -> Reaping {
        let fd = core.mailbox.notifier().as_raw_fd();
        let mut reaping = Reaping {
            core: Some(core),
            token,
        };
        let registered = r
            .registry()
            .register(&mut SourceFd(&fd), token, Interest::READABLE);
        if registered.is_err() {
            // Cannot watch the mailbox: its pipes are dropped, as a failed reaper thread's.
            reaping.finish(r);
            return reaping;
        }
        // Commands that came between the close and the registration.
        reaping.step(r);
        reaping
    }

    /// Processes what came in; ends the socket once every pipe has gone.
    fn step(&mut self, r: &mut Reactor) {
        let Some(core) = self.core.as_mut() else {
            return;
        };
        core.process_commands();
        if core.pipes.is_empty() {
            self.finish(r);
        }
    }

    fn finish(&mut self, r: &mut Reactor) {
        if self.release(r) {
            r.remove(self.token);
        }
    }

    /// Stops watching the mailbox and lets the context forget the socket; whether there
    /// was a socket left to release.
    fn release(&mut self, r: &mut Reactor) -> bool {
        let Some(core) = self.core.take() else {
            return false;
        };
        let fd = core.mailbox.notifier().as_raw_fd();
        let _ = r.registry().deregister(&mut SourceFd(&fd));
        core.ctx.unregister_socket(core.id);
        true
    }
}

impl Handler for Reaping {
    fn ready(&mut self, r: &mut Reactor, _event: &mio::event::Event) {
        self.step(r);
    }

    fn activated(&mut self, r: &mut Reactor) {
        self.step(r);
    }

    fn stop(&mut self, r: &mut Reactor) {
        // The I/O thread is ending (context terminated): what is left is dropped.
        self.release(r);
    }
}

impl Core {
    fn check_alive(&mut self) -> Result<()> {
        // Every command queued since the last full read signals the mailbox: when nothing
        // was signalled there is nothing to read, and send/recv skip the mailbox's lock
        // (libzmq skips its command check on the hot path by time instead).
        if self.mailbox.notifier().is_signalled() {
            self.process_commands();
        }
        if self.stopped {
            Err(Error::Term)
        } else {
            Ok(())
        }
    }

    /// Reads every pending command (and resets the signaller first, so `ZMQ_FD` fires
    /// again only for commands that come after).
    fn process_commands(&mut self) {
        self.mailbox.notifier().recv();
        while let Some(cmd) = self.mailbox.try_recv() {
            match cmd {
                SocketCommand::Stop => self.stopped = true,
                SocketCommand::Attach(peer) => {
                    let id = self.pipes.insert(*peer);
                    self.routing.attach(&mut self.pipes, id);
                    if self.closing {
                        if let Some(p) = self.pipes.pipe(id) {
                            p.terminate(false);
                        }
                    }
                }
                SocketCommand::Pipe(key, cmd) => {
                    let Some(id) = self.pipes.find(key) else {
                        continue;
                    };
                    let Some(pipe) = self.pipes.pipe(id) else {
                        continue;
                    };
                    match pipe.process_command(cmd) {
                        None => {}
                        Some(PipeEvent::ReadActivated) => {
                            self.routing.read_activated(&mut self.pipes, id);
                        }
                        Some(PipeEvent::WriteActivated) => {
                            self.routing.write_activated(&mut self.pipes, id);
                        }
                        Some(PipeEvent::Hiccuped) => self.routing.hiccuped(&mut self.pipes, id),
                        Some(PipeEvent::Stats { outbound, inbound }) => {
                            if let Some(peer) = self.pipes.get(id) {
                                let (local, remote) = &peer.addresses;
                                self.monitor.event_values(
                                    ZMQ_EVENT_PIPES_STATS,
                                    &[outbound, inbound],
                                    local,
                                    remote,
                                );
                            }
                        }
                        Some(PipeEvent::Terminated) => {
                            self.routing.detach(&mut self.pipes, id);
                            self.pipes.remove(id);
                        }
                    }
                }
            }
        }
    }

    /// Waits until a command arrives or `deadline` passes; `Again` at the deadline.
    fn wait(&mut self, deadline: Option<Instant>) -> Result<()> {
        let timeout_ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Again);
                }
                i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX)
            }
        };
        if self.mailbox.notifier().wait(timeout_ms)? {
            // Seen readable: clear it now, or the next wait would return at once again.
            self.mailbox.notifier().clear();
        }
        // A full read: the clear above took the signal that check_alive looks at.
        self.process_commands();
        if self.stopped {
            return Err(Error::Term);
        }
        Ok(())
    }

    fn deadline(timeout_ms: c_int, flags: c_int) -> Option<Option<Instant>> {
        if flags & ZMQ_DONTWAIT != 0 || timeout_ms == 0 {
            return None;
        }
        Some((timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64)))
    }

    fn send(&mut self, msg: &mut Msg, flags: c_int) -> Result<()> {
        self.check_alive()?;
        msg.set_more(flags & ZMQ_SNDMORE != 0);
        let result = self.routing.send(&mut self.pipes, msg, &self.options);
        if !matches!(result, Err(Error::Again)) {
            return result;
        }
        let Some(deadline) = Self::deadline(self.options.sndtimeo, flags) else {
            return Err(Error::Again);
        };
        loop {
            self.wait(deadline)?;
            match self.routing.send(&mut self.pipes, msg, &self.options) {
                Err(Error::Again) => {}
                r => return r,
            }
        }
    }

    /// Receives one part; `found_nothing` runs once if the queue is empty at the first look.
    fn recv(&mut self, flags: c_int, found_nothing: impl FnOnce()) -> Result<Msg> {
        self.check_alive()?;
        let mut result = self.routing.recv(&mut self.pipes, &self.options);
        if matches!(result, Err(Error::Again)) {
            found_nothing();
            let Some(deadline) = Self::deadline(self.options.rcvtimeo, flags) else {
                return Err(Error::Again);
            };
            while matches!(result, Err(Error::Again)) {
                self.wait(deadline)?;
                result = self.routing.recv(&mut self.pipes, &self.options);
            }
        }
        let msg = result?;
        self.rcvmore = msg.more();
        Ok(msg)
    }

    fn events(&mut self) -> Result<c_int> {
        self.check_alive()?;
        let mut events = 0;
        if self.routing.has_in(&mut self.pipes) {
            events |= ZMQ_POLLIN;
        }
        if self.routing.has_out(&mut self.pipes) {
            events |= ZMQ_POLLOUT;
        }
        Ok(events)
    }

    fn set_option(&mut self, id: c_int, value: Option<&[u8]>) -> Result<()> {
        // libzmq reads no commands in `zmq_setsockopt`, so an HWM change reaches only the
        // pipes attached before the call, not one an inproc peer has just handed over.
        let attached = self.pipes.ids();
        self.check_alive()?;
        let applied = self.options.set(id, value)?;
        self.linger.store(self.options.linger, Ordering::Relaxed);
        if id == ZMQ_SNDHWM || id == ZMQ_RCVHWM {
            self.update_pipe_hwms(&attached);
        }
        let result = match applied {
            Applied::Stored => Ok(()),
            applied => self.routing.apply(&mut self.pipes, applied),
        };
        self.routing.configure(&self.options);
        result
    }

    /// Applies the HWM options to live pipes, both ends (libzmq's `update_pipe_options`).
    /// Conflating pipes ignore it (see [`crate::pipe::Pipe::apply_hwms`]).
    fn update_pipe_hwms(&mut self, ids: &[PipeId]) {
        let (snd, rcv) = (self.options.sndhwm, self.options.rcvhwm);
        for &id in ids {
            if let Some(pipe) = self.pipes.pipe(id) {
                pipe.apply_hwms(rcv, snd);
                pipe.send_hwms_to_peer(snd, rcv, None);
            }
        }
    }

    fn get_option(&mut self, id: c_int, buf_len: usize) -> Result<Vec<u8>> {
        self.check_alive()?;
        match self.options.get(id, buf_len)? {
            Got::Value(v) => Ok(v),
            Got::Live(live) => match live {
                Live::RcvMore => options::int_answer(c_int::from(self.rcvmore), buf_len),
                Live::Fd => options::int_answer(self.mailbox.notifier().as_raw_fd(), buf_len),
                Live::Events => {
                    let events = self.events()?;
                    options::int_answer(events, buf_len)
                }
                Live::LastEndpoint => options::str_answer(self.last_endpoint.as_bytes(), buf_len),
                Live::TopicsCount => options::int_answer(self.routing.topics_count(), buf_len),
            },
        }
    }

    fn link(&self) -> SocketLink {
        SocketLink {
            mailbox: self.mailbox.clone(),
            options: Arc::new(self.options.clone()),
            ctx: self.ctx.clone(),
            linger: self.linger.clone(),
            monitor: self.monitor.clone(),
        }
    }

    fn parse<'a>(&self, endpoint: &'a str) -> Result<(Protocol, &'a str)> {
        let (protocol, address) = transport::parse_endpoint(endpoint)?;
        if !protocol.compatible_with(self.options.socket_type) {
            return Err(Error::NoCompatProto);
        }
        Ok((protocol, address))
    }

    fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        let (protocol, address) = self.parse(endpoint)?;
        let name = match protocol {
            Protocol::Inproc => {
                let link = self.link();
                let peers = transport::inproc::bind(&self.ctx, address, &link)?;
                for peer in peers {
                    let id = self.pipes.insert(peer);
                    self.routing.attach(&mut self.pipes, id);
                }
                self.endpoints.push(Endpoint {
                    name: endpoint.to_owned(),
                    handle: None,
                });
                endpoint.to_owned()
            }
            Protocol::Tcp | Protocol::Ipc | Protocol::Ws => {
                let link = self.link();
                let (name, handle) = crate::io::listener::bind(protocol, address, &link)?;
                self.endpoints.push(Endpoint {
                    name: name.clone(),
                    handle: Some(handle),
                });
                name
            }
            _ => return Err(Error::ProtoNoSupport),
        };
        self.last_endpoint = name;
        Ok(())
    }

    fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        let (protocol, address) = self.parse(endpoint)?;
        match protocol {
            Protocol::Inproc => {
                let link = self.link();
                let mut peer = transport::inproc::connect(&self.ctx, address, endpoint, &link)?;
                self.take_connect_routing_id(&mut peer);
                let id = self.pipes.insert(peer);
                self.routing.attach(&mut self.pipes, id);
                self.endpoints.push(Endpoint {
                    name: endpoint.to_owned(),
                    handle: None,
                });
            }
            Protocol::Tcp | Protocol::Ipc | Protocol::Ws => {
                let link = self.link();
                let (peer, handle) =
                    crate::io::connecter::connect(protocol, address, endpoint, &link)?;
                if let Some(mut peer) = peer {
                    self.take_connect_routing_id(&mut peer);
                    let id = self.pipes.insert(peer);
                    self.routing.attach(&mut self.pipes, id);
                }
                self.endpoints.push(Endpoint {
                    name: endpoint.to_owned(),
                    handle: Some(handle),
                });
            }
            _ => return Err(Error::ProtoNoSupport),
        }
        self.last_endpoint = endpoint.to_owned();
        Ok(())
    }

    /// `ZMQ_CONNECT_ROUTING_ID` names the peer of this connect only (ROUTER, REP, STREAM).
    fn take_connect_routing_id(&mut self, peer: &mut Peer) {
        if !self.options.connect_routing_id.is_empty() {
            let id = std::mem::take(&mut self.options.connect_routing_id);
            peer.routing_id = Some(id.into());
        }
    }

    fn term_endpoint(&mut self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        let (protocol, address) = transport::parse_endpoint(endpoint)?;
        let Some(pos) = self.endpoints.iter().position(|e| e.name == endpoint) else {
            return Err(Error::NoEnt);
        };
        let ep = self.endpoints.remove(pos);
        if protocol == Protocol::Inproc {
            transport::inproc::unbind(&self.ctx, address, &self.mailbox);
        }
        if let Some(h) = ep.handle {
            h.stop();
        }
        for id in self.pipes.ids() {
            let Some(peer) = self.pipes.get_mut(id) else {
                continue;
            };
            if peer.endpoint.as_deref() == Some(endpoint) {
                peer.pipe.terminate(false);
            }
        }
        Ok(())
    }

    /// Runs on the reaper thread after close: processes commands until every pipe has
    /// finished terminating, then leaves the context.
    fn reap(mut self) {
        while !self.pipes.is_empty() {
            if self.mailbox.notifier().wait(-1).is_err() {
                // Interrupted: look again.
            }
            self.process_commands();
        }
        self.ctx.unregister_socket(self.id);
    }
}
