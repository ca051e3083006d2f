//! Test harness: a `Pair` of connections joined by byte buffers on a virtual clock, and
//! a `Scripted` single connection fed hand-written bytes.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::zmtp::{Config, Connection, Event};

/// Everything `conn` wants to write, concatenated.
pub fn take_output(conn: &mut Connection) -> Vec<u8> {
    let mut chunks = Vec::new();
    conn.poll_transmit(&mut chunks);
    chunks.concat()
}

/// Every pending event of `conn`.
pub fn take_events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

/// One side of a pair.
#[derive(Debug)]
pub struct Side {
    pub conn: Connection,
    /// Bytes received but not yet consumed.
    pub inbox: BytesMut,
    /// Bytes written by the other side not yet delivered.
    pub wire: Vec<u8>,
    pub events: Vec<Event>,
}

/// Two connections talking through in-memory wires, delivering at most `chunk` bytes per
/// step in each direction (1 = every byte boundary is a split).
#[derive(Debug)]
pub struct Pair {
    pub a: Side,
    pub b: Side,
    pub now: Instant,
    pub chunk: usize,
    /// Applied to every byte b sends to a, with its offset in b's stream.
    pub patch_b_to_a: Option<fn(usize, u8) -> u8>,
    b_offset: usize,
}

impl Pair {
    pub fn new(a: Config, b: Config, chunk: usize) -> Pair {
        let now = Instant::now();
        let side = |c| Side {
            conn: Connection::new(c, now),
            inbox: BytesMut::new(),
            wire: Vec::new(),
            events: Vec::new(),
        };
        Pair {
            a: side(a),
            b: side(b),
            now,
            chunk,
            patch_b_to_a: None,
            b_offset: 0,
        }
    }

    /// Shuttles bytes until neither side has anything to say; panics on livelock.
    pub fn drive(&mut self) {
        for _ in 0..1_000_000 {
            if !self.step() {
                return;
            }
        }
        panic!("pair did not settle");
    }

    /// One round: collect output, deliver up to `chunk` bytes each way, collect events.
    pub fn step(&mut self) -> bool {
        let out_a = take_output(&mut self.a.conn);
        self.b.wire.extend(out_a);
        let mut out_b = take_output(&mut self.b.conn);
        if let Some(patch) = self.patch_b_to_a {
            for byte in &mut out_b {
                *byte = patch(self.b_offset, *byte);
                self.b_offset += 1;
            }
        }
        self.a.wire.extend(out_b);
        let mut progress = false;
        for side in [&mut self.a, &mut self.b] {
            let n = side.wire.len().min(self.chunk);
            if n > 0 {
                progress = true;
                side.inbox.extend(side.wire.drain(..n));
                side.conn.handle_bytes(&mut side.inbox, self.now);
            }
            side.events.extend(take_events(&mut side.conn));
        }
        progress
    }

    /// Moves the clock forward and fires the timers that are due on both sides.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        for side in [&mut self.a, &mut self.b] {
            side.conn.handle_timeout(self.now);
            side.events.extend(take_events(&mut side.conn));
        }
    }
}

/// A single connection driven by hand-written peer bytes.
#[derive(Debug)]
pub struct Scripted {
    pub conn: Connection,
    pub inbox: BytesMut,
    pub now: Instant,
}

impl Scripted {
    pub fn new(config: Config) -> Scripted {
        let now = Instant::now();
        Scripted {
            conn: Connection::new(config, now),
            inbox: BytesMut::new(),
            now,
        }
    }

    /// Feeds `bytes` from the peer.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.inbox.extend_from_slice(bytes);
        self.conn.handle_bytes(&mut self.inbox, self.now);
    }

    pub fn output(&mut self) -> Vec<u8> {
        take_output(&mut self.conn)
    }

    pub fn events(&mut self) -> Vec<Event> {
        take_events(&mut self.conn)
    }
}

/// A full ZMTP 3.x greeting from a peer (no routing id) with the given minor version and
/// mechanism.
pub fn peer_greeting(minor: u8, mechanism: &str) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, minor];
    g.extend_from_slice(&crate::zmtp::greeting::mechanism_field(mechanism));
    g.resize(64, 0);
    g
}

/// A command frame (short or long) with `body`.
pub fn command_frame(body: &[u8]) -> Vec<u8> {
    frame(0x04, body)
}

/// A frame with `flags` (LONG added when needed).
pub fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    if body.len() > 255 {
        f.push(flags | 0x02);
        f.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        f.push(flags);
        f.push(body.len() as u8);
    }
    f.extend_from_slice(body);
    f
}

/// The READY body a libzmq socket of `socket_type` sends (no identity, no metadata).
pub fn ready_body(socket_type: &str, with_identity: bool) -> Vec<u8> {
    let mut b = b"\x05READY\x0bSocket-Type".to_vec();
    b.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    b.extend_from_slice(socket_type.as_bytes());
    if with_identity {
        b.extend_from_slice(b"\x08Identity\x00\x00\x00\x00");
    }
    b
}

pub fn bytes(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

/// Compiles a C peer for the live libzmq tests with the system `cc` and `-lzmq`, once per
/// `cell`; `None` (after a message on stderr) when that is impossible, which is a failure
/// under `CI=true`.
pub fn c_peer(
    cell: &'static std::sync::OnceLock<Result<std::path::PathBuf, String>>,
    src: &str,
    name: &str,
) -> Option<std::path::PathBuf> {
    use std::io::Write;
    let built = cell.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        match std::process::Command::new("cc")
            .arg("-o")
            .arg(&out)
            .arg(src)
            .arg("-lzmq")
            .output()
        {
            Ok(o) if o.status.success() => Ok(out),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr).into_owned()),
            Err(e) => Err(e.to_string()),
        }
    });
    match built {
        Ok(path) => Some(path.clone()),
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but the libzmq helper cannot be built: {why}"
            );
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "skipping live libzmq test: cannot build the helper: {why}"
            );
            None
        }
    }
}

/// A helper process; killed if a test fails before it exits.
pub struct Peer(pub std::process::Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
