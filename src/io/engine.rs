//! The stream engine: one ZMTP connection over a connected TCP or IPC stream (libzmq's
//! `stream_engine_base_t` I/O half). It moves bytes between the stream and the sans-IO
//! [`Connection`]: large reads into a `BytesMut` that the decoder splits frames off without
//! copying, and gathered writes of the queued header and body chunks.
//!
//! The engine never blocks; the session that owns it decides when to read (backpressure)
//! and reacts to what the connection reports.

use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use mio::{Interest, Registry, Token};

use crate::error::Error;
use crate::syscall;
use crate::transport::net;
use crate::zmtp::{Config, Connection};

/// How much a read asks for at least: many small frames per system call.
const READ_CHUNK: usize = 64 * 1024;

/// How much one read asks for at most, even for a larger frame (whose body still ends up
/// in one buffer, over several reads).
const READ_MAX: usize = 4 * 1024 * 1024;

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

/// One connection's byte pump.
#[derive(Debug)]
pub struct Engine {
    /// The stream.
    pub stream: Stream,
    /// The ZMTP state machine.
    pub conn: Connection,
    rbuf: BytesMut,
    /// Chunks waiting to be written, from `head` on.
    out: Vec<Bytes>,
    head: usize,
    /// The last write stopped at EAGAIN: wait for a writable event.
    blocked: bool,
}

impl Engine {
    /// An engine over a freshly connected stream; the greeting is queued at once.
    pub fn new(stream: Stream, config: Config) -> Engine {
        Engine {
            stream,
            conn: Connection::new(config, Instant::now()),
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            out: Vec::new(),
            head: 0,
            blocked: false,
        }
    }

    /// Reads once (a large chunk) and feeds the bytes to the connection.
    pub fn read(&mut self) -> ReadOutcome {
        if self.conn.is_closed() {
            return ReadOutcome::Closed;
        }
        let want = self
            .conn
            .bytes_wanted(&self.rbuf)
            .saturating_sub(self.rbuf.len())
            .clamp(READ_CHUNK, READ_MAX);
        self.rbuf.reserve(want);
        let len = self.rbuf.len();
        // Straight into the spare capacity: no zero-filling of a fresh chunk per read.
        let spare = self.rbuf.spare_capacity_mut();
        let cap = spare.len().min(want.max(READ_CHUNK));
        // SAFETY: `read` writes at most `cap` bytes into the spare capacity, which is at
        // least that large and owned by `rbuf` for the duration of the call.
        let result = syscall!(read(
            self.stream.as_raw_fd(),
            spare.as_mut_ptr().cast(),
            cap
        ));
        match result {
            Ok(0) => {
                self.conn.handle_disconnect(Error::Os(libc::ECONNRESET));
                ReadOutcome::Closed
            }
            Ok(n) => {
                // SAFETY: `read` initialised exactly `n` (<= `cap`) bytes after `len`.
                unsafe { self.rbuf.set_len(len + n as usize) };
                self.conn.handle_bytes(&mut self.rbuf, Instant::now());
                ReadOutcome::Fed
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => ReadOutcome::WouldBlock,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => ReadOutcome::Fed,
            Err(e) => {
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
        self.conn.poll_transmit(&mut self.out);
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
