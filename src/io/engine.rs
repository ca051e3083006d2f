//! The stream engine: one ZMTP (or raw, for STREAM) connection over a connected TCP or IPC
//! stream (libzmq's `stream_engine_base_t` I/O half). It moves bytes between the stream and
//! the sans-IO [`Conn`]: large reads into a `BytesMut` that the decoder splits frames off without
//! copying, a buffer of its own for each large frame body (read straight into, see
//! [`LARGE_BODY`]), and gathered writes of the queued header and body chunks.
//!
//! The engine never blocks; the session that owns it decides when to read (backpressure)
//! and reacts to what the connection reports.

use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use mio::{Interest, Registry, Token};

use crate::error::Error;
use crate::io::raw::RawConnection;
use crate::msg::BodyBuf;
use crate::syscall;
use crate::transport::net;
use crate::transport::ws::{WsCodec, WsError};
use crate::zmtp::frame::FrameHeader;
use crate::zmtp::{Command, Config, Connection, Event, Frame, ZmtpVersion};

/// How much a read asks for at least: many small frames per system call.
const READ_CHUNK: usize = 64 * 1024;

/// How much one read asks for at most, even for a larger frame (whose body still ends up
/// in one buffer, over several reads).
const READ_MAX: usize = 4 * 1024 * 1024;

/// A frame body at least this large that is not complete in the read buffer is read
/// straight into a buffer of its own ([`BodyBuf`]), as libzmq's decoder reads a large body
/// into the message: no second copy, and no bytes of the next frame in that buffer.
const LARGE_BODY: usize = 32 * 1024;

/// How much the first read after a large body asks for: if another large frame follows,
/// only this much of its body lands in the read buffer and has to be copied out of it
/// (libzmq's decoder reads in 8 KiB batches for the same reason).
const READ_AFTER_LARGE: usize = 8 * 1024;

/// How many chunks one gathered write carries at most (well under `UIO_MAXIOV`).
const MAX_IOV: usize = 512;

/// A connected stream of either transport.
#[derive(Debug)]
pub enum Stream {
    /// `tcp://`
    Tcp(mio::net::TcpStream),
    /// `ipc://`
    Ipc(mio::net::UnixStream),
}

impl Stream {
    /// Registers the stream for reads and writes under `token` (edge-triggered).
    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = Interest::READABLE | Interest::WRITABLE;
        match self {
            Stream::Tcp(s) => registry.register(s, token, interest),
            Stream::Ipc(s) => registry.register(s, token, interest),
        }
    }

    /// Turns writable events on or off (readable ones stay). A connection asks for them only
    /// while a write is waiting for room, as libzmq sets and resets POLLOUT: over ipc every
    /// read by the peer would otherwise wake this thread. Turning them on reports a stream
    /// that is writable already.
    pub fn set_write_interest(
        &mut self,
        registry: &Registry,
        token: Token,
        on: bool,
    ) -> io::Result<()> {
        let interest = if on {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        match self {
            Stream::Tcp(s) => registry.reregister(s, token, interest),
            Stream::Ipc(s) => registry.reregister(s, token, interest),
        }
    }

    /// Removes the stream from the poller (before it is closed).
    pub fn deregister(&mut self, registry: &Registry) {
        // Failure means it was not registered; either way it is gone from the poller.
        let _ = match self {
            Stream::Tcp(s) => registry.deregister(s),
            Stream::Ipc(s) => registry.deregister(s),
        };
    }

    /// The peer's address for `Peer-Address` and ZAP: the numeric IP over TCP; over IPC
    /// what libzmq makes of a Unix socket on Linux, "localhost" (glibc's numeric name for
    /// it) followed by the peer's ":uid:gid:pid" (SO_PEERCRED).
    pub fn peer_address(&self) -> String {
        match self {
            Stream::Tcp(s) => s
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Stream::Ipc(s) => match super::listener::peer_cred(s.as_raw_fd()) {
                Some(c) => format!("localhost:{}:{}:{}", c.uid, c.gid, c.pid),
                None => "localhost".to_owned(),
            },
        }
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Ipc(s) => s.as_raw_fd(),
        }
    }
}

/// What one read pass found.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// The stream has no more bytes now; wait for readiness.
    WouldBlock,
    /// Bytes were fed to the connection; its events must be drained before reading on.
    Fed,
    /// The stream ended or failed; the connection was told.
    Closed,
}

/// The protocol state of a connection: ZMTP, or raw bytes (STREAM). The methods are those
/// of [`Connection`]; a raw connection has no timers, no ZAP and no commands, so those calls
/// do nothing there.
#[derive(Debug)]
pub enum Conn {
    /// A ZMTP connection (boxed: far larger than a raw one).
    Zmtp(Box<Connection>),
    /// A raw connection (`ZMQ_STREAM`, `ZMQ_ROUTER_RAW`).
    Raw(RawConnection),
}

impl Conn {
    /// Consumes the complete pieces of `buf` (all of it for a raw connection).
    pub fn handle_bytes(&mut self, buf: &mut BytesMut, now: Instant) {
        match self {
            Conn::Zmtp(c) => c.handle_bytes(buf, now),
            Conn::Raw(c) => c.handle_bytes(buf),
        }
    }

    /// The ZAP handler's reply (ZMTP only).
    pub fn handle_zap_reply(&mut self, frames: &[Bytes], now: Instant) {
        if let Conn::Zmtp(c) = self {
            c.handle_zap_reply(frames, now);
        }
    }

    /// No ZAP handler is bound (ZMTP only).
    pub fn handle_zap_unavailable(&mut self, now: Instant) {
        if let Conn::Zmtp(c) = self {
            c.handle_zap_unavailable(now);
        }
    }

    /// The stream ended or failed.
    pub fn handle_disconnect(&mut self, error: Error) {
        match self {
            Conn::Zmtp(c) => c.handle_disconnect(error),
            Conn::Raw(c) => c.handle_disconnect(error),
        }
    }

    /// Fires the timers due at `now` (ZMTP only).
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Conn::Zmtp(c) = self {
            c.handle_timeout(now);
        }
    }

    /// Queues a data frame (raw: its body as is).
    ///
    /// # Errors
    /// `EAGAIN` when the connection cannot send (yet or any more).
    pub fn send(&mut self, frame: Frame) -> Result<(), Error> {
        match self {
            Conn::Zmtp(c) => c.send(frame),
            Conn::Raw(c) => c.send(frame),
        }
    }

    /// Queues a data frame copied from `body` (see [`Connection::send_small`]); a raw
    /// connection gets it as from [`Conn::send`].
    ///
    /// # Errors
    /// As [`Conn::send`].
    pub fn send_small(&mut self, body: &[u8], more: bool) -> Result<(), Error> {
        match self {
            Conn::Zmtp(c) => c.send_small(body, more),
            Conn::Raw(c) => c.send(Frame::with_more(Bytes::copy_from_slice(body), more)),
        }
    }

    /// Queues a command (ZMTP only).
    ///
    /// # Errors
    /// As [`Conn::send`].
    pub fn send_command(&mut self, command: &Command) -> Result<(), Error> {
        match self {
            Conn::Zmtp(c) => c.send_command(command),
            Conn::Raw(_) => Ok(()),
        }
    }

    /// Subscribes to `topic` (ZMTP only: no raw socket type subscribes).
    ///
    /// # Errors
    /// As [`Conn::send`].
    pub fn subscribe(&mut self, topic: &[u8]) -> Result<(), Error> {
        match self {
            Conn::Zmtp(c) => c.subscribe(topic),
            Conn::Raw(_) => Ok(()),
        }
    }

    /// Cancels a subscription (ZMTP only).
    ///
    /// # Errors
    /// As [`Conn::send`].
    pub fn cancel(&mut self, topic: &[u8]) -> Result<(), Error> {
        match self {
            Conn::Zmtp(c) => c.cancel(topic),
            Conn::Raw(_) => Ok(()),
        }
    }

    /// Moves the bytes to write to `out`.
    pub fn poll_transmit(&mut self, out: &mut Vec<Bytes>) {
        match self {
            Conn::Zmtp(c) => c.poll_transmit(out),
            Conn::Raw(c) => c.poll_transmit(out),
        }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            Conn::Zmtp(c) => c.poll_event(),
            Conn::Raw(c) => c.poll_event(),
        }
    }

    /// When [`Conn::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Conn::Zmtp(c) => c.poll_timeout(),
            Conn::Raw(_) => None,
        }
    }

    /// Whether data may be sent.
    pub fn can_send(&self) -> bool {
        match self {
            Conn::Zmtp(c) => c.can_send(),
            Conn::Raw(c) => c.can_send(),
        }
    }

    /// Whether the connection has closed.
    pub fn is_closed(&self) -> bool {
        match self {
            Conn::Zmtp(c) => c.is_closed(),
            Conn::Raw(c) => c.is_closed(),
        }
    }

    /// The ZMTP version, once the greeting is complete (none for raw).
    pub fn version(&self) -> Option<ZmtpVersion> {
        match self {
            Conn::Zmtp(c) => c.version(),
            Conn::Raw(_) => None,
        }
    }

    /// The header of the next frame in `buf`, when it is complete (ZMTP only).
    pub fn peek_frame(&self, buf: &[u8]) -> Option<FrameHeader> {
        match self {
            Conn::Zmtp(c) => c.peek_frame(buf),
            Conn::Raw(_) => None,
        }
    }

    /// A frame whose body the engine read on its own, after [`Conn::peek_frame`].
    pub fn handle_frame(&mut self, frame: Frame, now: Instant) {
        match self {
            Conn::Zmtp(c) => c.handle_frame(frame, now),
            Conn::Raw(_) => {}
        }
    }

    /// How many bytes the read buffer must hold to complete the next frame (0 if unknown).
    pub fn bytes_wanted(&self, buf: &[u8]) -> usize {
        match self {
            Conn::Zmtp(c) => c.bytes_wanted(buf),
            Conn::Raw(_) => 0,
        }
    }
}

/// One connection's byte pump.
#[derive(Debug)]
pub struct Engine {
    /// The stream.
    pub stream: Stream,
    /// The ZMTP (or raw) state machine.
    pub conn: Conn,
    rbuf: BytesMut,
    /// A large frame whose body is being read into a buffer of its own, not into `rbuf`.
    body: Option<(FrameHeader, BodyBuf)>,
    /// The last frame read was such a large one.
    after_large: bool,
    /// Chunks waiting to be written, from `head` on.
    out: Vec<Bytes>,
    head: usize,
    /// The last write stopped at EAGAIN: wait for a writable event.
    blocked: bool,
    /// `ws://`: the WebSocket layer between the stream and the connection, and the raw
    /// bytes it has not consumed yet.
    ws: Option<Box<(WsCodec, BytesMut)>>,
    /// The WebSocket handshake completed during the last read (see [`Engine::ws_opened`]).
    ws_opened: bool,
}

impl Engine {
    /// An engine over a freshly connected stream; the greeting is queued at once.
    pub fn new(stream: Stream, config: Config) -> Engine {
        Engine::with_conn(
            stream,
            Conn::Zmtp(Box::new(Connection::new(config, Instant::now()))),
        )
    }

    /// An engine over a raw connection (STREAM): no greeting, established at once.
    pub fn new_raw(stream: Stream, notify: bool, in_batch_size: usize) -> Engine {
        Engine::with_conn(stream, Conn::Raw(RawConnection::new(notify, in_batch_size)))
    }

    fn with_conn(stream: Stream, conn: Conn) -> Engine {
        Engine {
            stream,
            conn,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            body: None,
            after_large: false,
            out: Vec::new(),
            head: 0,
            blocked: false,
            ws: None,
            ws_opened: false,
        }
    }

    /// Whether the WebSocket handshake completed since the last call: libzmq raises
    /// `HANDSHAKE_SUCCEEDED` for it, before the one for the ZMTP handshake.
    pub fn ws_opened(&mut self) -> bool {
        std::mem::take(&mut self.ws_opened)
    }

    /// An engine over a `ws://` connection: the WebSocket handshake first (a client's
    /// request is queued at once), then ZMTP frames inside WebSocket messages.
    pub fn new_ws(stream: Stream, config: Config, mut codec: WsCodec) -> Engine {
        let mut engine = Engine::new(stream, config);
        if let Some(request) = codec.request() {
            engine.out.push(request);
        }
        engine.ws = Some(Box::new((codec, BytesMut::with_capacity(READ_CHUNK))));
        engine
    }

    /// Reads once for a `ws://` connection: the raw bytes go through the WebSocket layer,
    /// what it makes of them to the connection.
    fn read_ws(&mut self) -> ReadOutcome {
        let Some(ws) = self.ws.as_mut() else {
            return ReadOutcome::Closed;
        };
        let (codec, raw) = &mut **ws;
        raw.reserve(READ_CHUNK);
        match read_append(self.stream.as_raw_fd(), raw, READ_CHUNK) {
            Ok(0) => self.end_of_stream(),
            Ok(_) => {
                let was_open = codec.is_open();
                let decoded = codec.decode(raw, &mut self.rbuf, &mut self.out);
                self.ws_opened |= !was_open && codec.is_open();
                self.conn.handle_bytes(&mut self.rbuf, Instant::now());
                match decoded {
                    Ok(()) => ReadOutcome::Fed,
                    Err(WsError::Closed) => self.end_of_stream(),
                    // A refused opening handshake is a protocol failure of the handshake,
                    // as libzmq reports it; a bad frame later just ends the connection.
                    Err(WsError::Handshake) => {
                        if let Conn::Zmtp(c) = &mut self.conn {
                            c.handle_protocol_error(
                                crate::consts::ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED,
                            );
                        }
                        ReadOutcome::Closed
                    }
                    Err(WsError::Frame) => {
                        self.conn.handle_disconnect(Error::Proto);
                        ReadOutcome::Closed
                    }
                }
            }
            Err(e) => self.read_error(e),
        }
    }

    /// Reads once (a large chunk, or the rest of a large body) and feeds the bytes to the
    /// connection.
    pub fn read(&mut self) -> ReadOutcome {
        if self.conn.is_closed() {
            return ReadOutcome::Closed;
        }
        if self.ws.is_some() {
            return self.read_ws();
        }
        if self.body.is_none() {
            self.start_body();
        }
        if let Some((_, body)) = &mut self.body {
            // Exactly the missing bytes: the next frame's bytes go to `rbuf` again.
            let want = body.remaining();
            // SAFETY: `read` writes at most `want` bytes at the body's spare pointer, which
            // has `want` writable bytes owned by `body` for the duration of the call.
            let result = syscall!(read(self.stream.as_raw_fd(), body.spare_ptr().cast(), want));
            return match result {
                Ok(0) => self.end_of_stream(),
                Ok(n) => {
                    // SAFETY: `read` initialised exactly `n` (<= `want`) bytes there.
                    unsafe { body.advance(n as usize) };
                    if body.remaining() == 0 {
                        self.finish_body();
                    }
                    ReadOutcome::Fed
                }
                Err(e) => self.read_error(e),
            };
        }
        let want = self
            .conn
            .bytes_wanted(&self.rbuf)
            .saturating_sub(self.rbuf.len())
            .clamp(READ_CHUNK, READ_MAX);
        self.rbuf.reserve(want);
        let mut cap = want;
        if std::mem::take(&mut self.after_large) && self.rbuf.is_empty() {
            cap = cap.min(READ_AFTER_LARGE);
        }
        match read_append(self.stream.as_raw_fd(), &mut self.rbuf, cap) {
            Ok(0) => self.end_of_stream(),
            Ok(_) => {
                self.conn.handle_bytes(&mut self.rbuf, Instant::now());
                ReadOutcome::Fed
            }
            Err(e) => self.read_error(e),
        }
    }

    /// If `rbuf` starts with a large frame that is not complete, moves its body so far
    /// into a buffer of its own, where the rest is read; `rbuf` is then empty.
    fn start_body(&mut self) {
        let Some(head) = self.conn.peek_frame(&self.rbuf) else {
            return;
        };
        if head.body_len < LARGE_BODY || self.rbuf.len() >= head.header_len + head.body_len {
            return;
        }
        // Out of memory: leave the frame to the read buffer, which reports it.
        let Ok(mut body) = BodyBuf::new(head.body_len) else {
            return;
        };
        body.extend_from_slice(&self.rbuf[head.header_len..]);
        self.rbuf.clear();
        self.body = Some((head, body));
    }

    /// Hands the completed large frame to the connection.
    fn finish_body(&mut self) {
        let Some((head, body)) = self.body.take() else {
            return;
        };
        self.after_large = true;
        let frame = Frame {
            data: body.into_bytes(),
            more: head.more,
            command: head.command,
        };
        self.conn.handle_frame(frame, Instant::now());
    }

    fn end_of_stream(&mut self) -> ReadOutcome {
        // libzmq reports the end of the stream as EPIPE (its `read` sets it).
        self.conn.handle_disconnect(Error::Os(libc::EPIPE));
        ReadOutcome::Closed
    }

    fn read_error(&mut self, e: io::Error) -> ReadOutcome {
        match e.kind() {
            io::ErrorKind::WouldBlock => ReadOutcome::WouldBlock,
            io::ErrorKind::Interrupted => ReadOutcome::Fed,
            _ => {
                self.conn.handle_disconnect(Error::from(e));
                ReadOutcome::Closed
            }
        }
    }

    /// Whether written bytes are still waiting for the stream.
    pub fn has_pending_output(&self) -> bool {
        self.head < self.out.len()
    }

    /// Whether the last write hit EAGAIN (a writable event will come).
    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    /// A writable event came: writing may go on.
    pub fn unblock(&mut self) {
        self.blocked = false;
    }

    /// Takes what the connection queued and writes as much as the stream accepts, in
    /// gathered writes. Returns `false` when the stream failed (the connection was told).
    pub fn flush(&mut self) -> bool {
        match self.ws.as_mut() {
            Some(ws) if ws.0.is_open() => {
                let mut zmtp = Vec::new();
                self.conn.poll_transmit(&mut zmtp);
                ws.0.encode(zmtp, &mut self.out);
            }
            // The connection's greeting waits until the WebSocket is open.
            Some(_) => {}
            None => self.conn.poll_transmit(&mut self.out),
        }
        while !self.blocked && self.head < self.out.len() {
            let end = self.out.len().min(self.head + MAX_IOV);
            let slices: Vec<IoSlice<'_>> = self.out[self.head..end]
                .iter()
                .map(|b| IoSlice::new(b))
                .collect();
            match net::send_vectored(self.stream.as_raw_fd(), &slices) {
                Ok(mut n) => {
                    while n > 0 {
                        let chunk = &mut self.out[self.head];
                        if n >= chunk.len() {
                            n -= chunk.len();
                            self.head += 1;
                        } else {
                            chunk.advance(n);
                            n = 0;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.blocked = true,
                Err(e) => {
                    self.out.clear();
                    self.head = 0;
                    self.conn.handle_disconnect(Error::from(e));
                    return false;
                }
            }
        }
        if self.head == self.out.len() {
            self.out.clear();
            self.head = 0;
        }
        true
    }
}

/// Reads at most `max` bytes from `fd` straight into `buf`'s spare capacity (no
/// zero-filling of a fresh chunk per read) and appends them; the count read, 0 at the end
/// of the stream.
fn read_append(fd: RawFd, buf: &mut BytesMut, max: usize) -> io::Result<usize> {
    let len = buf.len();
    let spare = buf.spare_capacity_mut();
    let cap = spare.len().min(max);
    // SAFETY: `read` writes at most `cap` bytes into the spare capacity, which is at least
    // that large and owned by `buf` for the duration of the call.
    let n = syscall!(read(fd, spare.as_mut_ptr().cast(), cap))? as usize;
    // SAFETY: `read` initialised exactly `n` (<= `cap`) bytes after `len`.
    unsafe { buf.set_len(len + n) };
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::kind::SocketType;

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    }

    /// Frames of every size around the large-body threshold, several of them larger than
    /// the socket buffer, arrive whole, in order and with their flags, between two engines
    /// over a Unix socket pair.
    #[test]
    fn large_bodies_are_read_whole_and_in_order() {
        let (a, b) = mio::net::UnixStream::pair().unwrap();
        let mut push = Engine::new(Stream::Ipc(a), Config::new(SocketType::Push));
        let mut pull = Engine::new(Stream::Ipc(b), Config::new(SocketType::Pull));
        let sizes = [
            LARGE_BODY - 1,
            LARGE_BODY,
            5,
            1 << 20,
            LARGE_BODY + 1,
            0,
            300_000,
            64 << 10,
            64 << 10,
            40,
            3 << 20,
        ];
        let want: Vec<(Vec<u8>, bool)> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (pattern(n, i as u8), i % 3 == 0))
            .collect();
        let mut queued = false;
        let mut got = Vec::new();
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        while got.len() < want.len() {
            assert!(
                Instant::now() < deadline,
                "stuck after {} frames",
                got.len()
            );
            if !queued && push.conn.can_send() {
                for (body, more) in &want {
                    push.conn
                        .send(Frame::with_more(body.clone(), *more))
                        .unwrap();
                }
                queued = true;
            }
            for engine in [&mut push, &mut pull] {
                engine.unblock();
                assert!(engine.flush());
                while engine.read() == ReadOutcome::Fed {}
            }
            while let Some(e) = push.conn.poll_event() {
                assert!(!matches!(e, Event::Closed(_)), "{e:?}");
            }
            while let Some(e) = pull.conn.poll_event() {
                match e {
                    Event::Message(f) => got.push((f.data.to_vec(), f.more)),
                    Event::Closed(r) => panic!("closed: {r:?}"),
                    _ => {}
                }
            }
        }
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.0.len(), w.0.len(), "frame {i}");
            assert!(g == w, "frame {i} differs");
        }
    }
}
