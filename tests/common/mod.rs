//! Helpers shared by the integration tests that talk to the real libzmq 4.3 in another
//! process: building a C peer against the system `zmq.h`/`-lzmq`, a guard that kills the
//! peer process, a remote-controlled libzmq (`tests/data/interop_peer.c`), and small
//! socket utilities. Every wait here has a timeout.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::c_int;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zmq::consts::*;
use zmq::ctx::Context;
use zmq::error::Error;
use zmq::msg::Msg;
use zmq::socket::base::Socket;
use zmq::socket::kind::SocketType;

/// Our cdylib from this cargo build. A test executable is `<target>/<profile>/deps/<name>-*`;
/// cargo leaves `libzmq.so` in that `deps` directory and copies it one level up.
pub fn our_library() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let deps = exe.parent().expect("the test executable has a directory");
    let candidates = [deps.join("libzmq.so"), deps.join("../libzmq.so")];
    candidates
        .iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("our libzmq.so is in none of {candidates:?}"))
        .canonicalize()
        .expect("canonical path of libzmq.so")
}

pub fn set_int(s: &Socket, opt: c_int, v: c_int) {
    s.set_option(opt, Some(&v.to_ne_bytes())).unwrap();
}

pub fn last_endpoint(s: &Socket) -> String {
    let v = s.get_option(ZMQ_LAST_ENDPOINT, 256).unwrap();
    String::from_utf8(v)
        .unwrap()
        .trim_end_matches('\0')
        .to_owned()
}

/// A fresh ipc endpoint for this test process; `tag` keeps test binaries apart.
pub fn ipc_endpoint(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "ipc://{}/zmq-rs-{tag}-{}-{n}.sock",
        std::env::temp_dir().display(),
        std::process::id()
    )
}

/// `zmq_ctx_term`, failing the test if it does not finish within 10 s.
pub fn term(ctx: Context) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        ctx.terminate();
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("zmq_ctx_term did not finish");
}

/// Builds `tests/data/<name>.c` against the system libzmq once per test process; `None`
/// (after a message) when there is no cc or libzmq, which fails the test under `CI=true`.
pub fn build_c_peer(name: &str) -> Option<PathBuf> {
    static BUILT: Mutex<Option<HashMap<String, Result<PathBuf, String>>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap();
    let built = built
        .get_or_insert_with(HashMap::new)
        .entry(name.to_owned())
        .or_insert_with(|| {
            let src = format!("{}/tests/data/{name}.c", env!("CARGO_MANIFEST_DIR"));
            let out = std::env::temp_dir().join(format!("zmq-rs-{name}-{}", std::process::id()));
            match Command::new("cc")
                .arg("-O1")
                .arg("-o")
                .arg(&out)
                .arg(&src)
                .arg("-lzmq")
                .output()
            {
                Ok(o) if o.status.success() => Ok(out),
                Ok(o) => Err(String::from_utf8_lossy(&o.stderr).into_owned()),
                Err(e) => Err(e.to_string()),
            }
        });
    match built {
        Ok(p) => Some(p.clone()),
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but the libzmq peer cannot be built: {why}"
            );
            let _ = writeln!(std::io::stderr(), "skipping libzmq interop: {why}");
            None
        }
    }
}

/// A peer process, killed if the test fails first.
pub struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines of a child's stdout, read on a thread so that every wait can time out.
pub fn line_reader(stdout: std::process::ChildStdout) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(n) if n > 0 => {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    });
    rx
}

pub fn hex(data: &[u8]) -> String {
    if data.is_empty() {
        return "-".to_owned();
    }
    data.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    if s == "-" {
        return Vec::new();
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The error for an errno from libzmq, including its own numbers above ZMQ_HAUSNUMERO.
pub fn libzmq_error(n: i32) -> Error {
    match n {
        156_384_763 => Error::Fsm,
        156_384_764 => Error::NoCompatProto,
        156_384_765 => Error::Term,
        156_384_766 => Error::MThread,
        _ => Error::from_raw_os_error(n),
    }
}

/// The real libzmq, driven line by line through `tests/data/interop_peer.c`.
pub struct Remote {
    peer: RefCell<Peer>,
    stdin: RefCell<ChildStdin>,
    lines: Receiver<String>,
    next_slot: Cell<u32>,
}

impl Remote {
    /// Starts a peer process; `None` when the peer cannot be built (see `build_c_peer`).
    pub fn start() -> Option<Remote> {
        let exe = build_c_peer("interop_peer")?;
        let mut child = Command::new(exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = line_reader(child.stdout.take().unwrap());
        Some(Remote {
            peer: RefCell::new(Peer(child)),
            stdin: RefCell::new(stdin),
            lines,
            next_slot: Cell::new(0),
        })
    }

    /// Sends one command; the words after "ok", or the errno of "err N".
    pub fn call(&self, cmd: &str) -> Result<Vec<String>, Error> {
        self.start_call(cmd);
        self.finish_call(cmd)
    }

    /// Sends one command without waiting for its answer (the peer may block in it while
    /// this process does its part); `finish_call` reads the answer.
    pub fn start_call(&self, cmd: &str) {
        // INTEROP_TRACE=1 logs the commands, to see where a failing test stopped.
        if std::env::var("INTEROP_TRACE").is_ok() {
            eprintln!("{:p} > {:.80}", self, cmd);
        }
        let mut stdin = self.stdin.borrow_mut();
        stdin.write_all(cmd.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The answer to the command `start_call` sent.
    pub fn finish_call(&self, cmd: &str) -> Result<Vec<String>, Error> {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("the libzmq peer did not answer {:.60}", cmd));
        let mut words = line.split_whitespace().map(str::to_owned);
        match words.next().as_deref() {
            Some("ok") => Ok(words.collect()),
            Some("err") => {
                let n: i32 = words.next().unwrap().parse().unwrap();
                assert!(n > 0, "the libzmq peer refused {:.60}", cmd);
                Err(libzmq_error(n))
            }
            _ => panic!("the libzmq peer said {line:?} to {:.60}", cmd),
        }
    }

    /// The peer's process id.
    pub fn pid(&self) -> u32 {
        self.peer.borrow().0.id()
    }

    pub fn slot(&self) -> u32 {
        let n = self.next_slot.get();
        assert!(n < 64, "out of peer slots");
        self.next_slot.set(n + 1);
        n
    }

    /// A libzmq socket of type `ty`; returns its slot.
    pub fn socket(&self, ty: c_int) -> u32 {
        let id = self.slot();
        self.call(&format!("socket {id} {ty}")).unwrap();
        id
    }

    /// Ends the process cleanly (closing what is left and terminating its context).
    pub fn quit(self) {
        self.stdin.borrow_mut().write_all(b"quit\n").unwrap();
        self.stdin.borrow_mut().flush().unwrap();
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the libzmq peer did not quit");
        assert_eq!(line.trim(), "ok");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut peer = self.peer.borrow_mut();
        loop {
            if let Some(status) = peer.0.try_wait().unwrap() {
                assert!(status.success(), "libzmq peer failed: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "libzmq peer did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// One monitor event: (event, value, endpoint).
pub type Event = (u16, u32, String);

/// Monitors `s` (version 1, all events) through a PAIR socket in the same context.
pub fn monitor(ctx: &Context, s: &Socket) -> Socket {
    static N: AtomicUsize = AtomicUsize::new(0);
    let ep = format!("inproc://monitor-{}", N.fetch_add(1, Ordering::Relaxed));
    s.monitor(Some(&ep), ZMQ_EVENT_ALL as u64, 1, ZMQ_PAIR)
        .unwrap();
    let m = Socket::new(ctx, SocketType::Pair).unwrap();
    set_int(&m, ZMQ_LINGER, 0);
    m.connect(&ep).unwrap();
    m
}

/// The next event on a monitor socket, or `None` after `timeout_ms`.
pub fn next_event(m: &Socket, timeout_ms: c_int) -> Option<Event> {
    set_int(m, ZMQ_RCVTIMEO, timeout_ms);
    let head: Msg = m.recv(0).ok()?;
    let ep = m.recv(0).unwrap();
    let d = head.data();
    Some((
        u16::from_ne_bytes([d[0], d[1]]),
        u32::from_ne_bytes([d[2], d[3], d[4], d[5]]),
        String::from_utf8_lossy(ep.data()).into_owned(),
    ))
}

/// The next event from a monitor socket of the libzmq peer.
pub fn remote_event(r: &Remote, mon: u32, timeout_ms: c_int) -> Option<Event> {
    let w = r.call(&format!("event {mon} {timeout_ms}")).ok()?;
    Some((
        w[0].parse().unwrap(),
        w[1].parse().unwrap(),
        w.get(2).cloned().unwrap_or_default(),
    ))
}

/// What a ZAP handler answers: `status` and `user`, or 200 when the request's last
/// credential frame equals `allow` (the CURVE client key, or the PLAIN password).
#[derive(Clone)]
pub struct ZapRule {
    pub status: &'static str,
    pub user: &'static str,
    pub allow: Option<Vec<u8>>,
}

/// A ZAP handler in this process (a REP socket at inproc://zeromq.zap.01 on its own thread).
pub struct OurZap {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OurZap {
    pub fn start(ctx: &Context, rule: ZapRule) -> OurZap {
        let rep = Socket::new(ctx, SocketType::Rep).unwrap();
        set_int(&rep, ZMQ_RCVTIMEO, 50);
        set_int(&rep, ZMQ_LINGER, 0);
        rep.bind("inproc://zeromq.zap.01").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let mut frames = Vec::new();
                match rep.recv(0) {
                    Ok(m) => {
                        let mut more = m.more();
                        frames.push(m.data().to_vec());
                        while more {
                            let m = rep.recv(0).unwrap();
                            more = m.more();
                            frames.push(m.data().to_vec());
                        }
                    }
                    Err(Error::Again) => continue,
                    Err(e) => panic!("ZAP handler: {e:?}"),
                }
                let allowed = rule
                    .allow
                    .as_ref()
                    .is_some_and(|k| frames.len() > 6 && frames.last() == Some(k));
                let status = if allowed { "200" } else { rule.status };
                let reply: [&[u8]; 6] = [
                    b"1.0",
                    &frames[1],
                    status.as_bytes(),
                    b"",
                    rule.user.as_bytes(),
                    b"",
                ];
                for (i, part) in reply.iter().enumerate() {
                    let mut m = Msg::copy_from_slice(part).unwrap();
                    rep.send(&mut m, if i < 5 { ZMQ_SNDMORE } else { 0 })
                        .unwrap();
                }
            }
            rep.close();
        });
        OurZap {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for OurZap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
