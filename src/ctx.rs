//! The context: options, the socket registry, I/O threads, shutdown and termination.
//!
//! Replaces libzmq's `ctx.cpp` (with `thread_ctx_t`). A [`Context`] is a cheap handle
//! (`Arc` inside): the C handle holds one, and every socket will hold another.
//!
//! - Options follow `ctx_t::set`/`ctx_t::get` exactly: an option value is an int when it is
//!   exactly `sizeof(int)` bytes, `ZMQ_THREAD_NAME_PREFIX` also takes a string of 1..=16
//!   bytes, and everything else is `EINVAL`. Number 3 is `ZMQ_THREAD_PRIORITY` when set and
//!   `ZMQ_SOCKET_LIMIT` when read, as in libzmq.
//! - The context *starts* when the first socket registers ([`Context::register_socket`]): the
//!   I/O threads are spawned then, and `ZMQ_IO_THREADS` and `ZMQ_MAX_SOCKETS` stop having an
//!   effect (they can still be set and read back, as in libzmq).
//! - [`Context::shutdown`] marks the context terminating and asks every registered socket to
//!   stop (its blocking calls end with `ETERM`); [`Context::terminate`] does the same and
//!   then waits until every socket has unregistered (been closed), and stops the I/O threads.
//!
//! Not done here yet, for the socket engine: applying the scheduling options
//! (`ZMQ_THREAD_PRIORITY`, `_SCHED_POLICY`, `_AFFINITY_CPU_*`) to the I/O threads (they are
//! stored and handed out by [`Context::thread_options`]), the reaper, and the inproc
//! endpoint registry.

#![forbid(unsafe_code)]

use std::collections::{BTreeSet, HashMap};
use std::ffi::c_int;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::consts::{
    ZMQ_BLOCKY, ZMQ_IO_THREADS, ZMQ_IO_THREADS_DFLT, ZMQ_IPV6, ZMQ_MAX_MSGSZ, ZMQ_MAX_SOCKETS,
    ZMQ_MAX_SOCKETS_DFLT, ZMQ_MSG_T_SIZE, ZMQ_SOCKET_LIMIT, ZMQ_THREAD_AFFINITY_CPU_ADD,
    ZMQ_THREAD_AFFINITY_CPU_REMOVE, ZMQ_THREAD_NAME_PREFIX, ZMQ_THREAD_PRIORITY,
    ZMQ_THREAD_PRIORITY_DFLT, ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_SCHED_POLICY_DFLT,
    ZMQ_ZERO_COPY_RECV,
};
use crate::error::{Error, Result};
use crate::io::reactor::IoThread;

/// What `ZMQ_SOCKET_LIMIT` reports: libzmq's limit with an epoll/poll I/O poller.
pub const SOCKET_LIMIT: c_int = 65535;
/// What `ZMQ_MSG_T_SIZE` reports: `sizeof(zmq_msg_t)`.
pub const MSG_T_SIZE: c_int = 64;
/// The longest `ZMQ_THREAD_NAME_PREFIX` string (Linux thread names hold 15 bytes + NUL).
const NAME_PREFIX_MAX: usize = 16;
/// Linux keeps at most this many bytes of a thread name.
const THREAD_NAME_MAX: usize = 15;

/// A socket as the context sees it: something it can tell to stop.
pub trait SocketStop: Send + Sync {
    /// The context is terminating: end blocking calls with `ETERM` and refuse new ones
    /// (libzmq's `stop` command). Called at most once per socket, under no lock the socket
    /// could be waiting for.
    fn stop(&self);
}

/// A socket's place in its context's registry; returned by [`Context::register_socket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId(u32);

/// The thread options sockets' I/O threads are started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadOptions {
    /// `ZMQ_THREAD_PRIORITY`, -1 for the OS default.
    pub priority: c_int,
    /// `ZMQ_THREAD_SCHED_POLICY`, -1 for the OS default.
    pub sched_policy: c_int,
    /// The CPUs of `ZMQ_THREAD_AFFINITY_CPU_ADD`; empty for no pinning.
    pub affinity: BTreeSet<c_int>,
    /// `ZMQ_THREAD_NAME_PREFIX`, as bytes (an int option is stored as its decimal text).
    pub name_prefix: Vec<u8>,
}

/// The context options new sockets inherit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketDefaults {
    /// `ZMQ_IPV6`: new sockets get `ZMQ_IPV6` set.
    pub ipv6: bool,
    /// `ZMQ_BLOCKY`: when false, new sockets get `ZMQ_LINGER` 0 instead of -1.
    pub blocky: bool,
    /// `ZMQ_ZERO_COPY_RECV` (draft).
    pub zero_copy_recv: bool,
    /// `ZMQ_MAX_MSGSZ` (stored, not enforced, as in libzmq 4.3.5).
    pub max_msgsz: c_int,
}

/// A ZeroMQ context. Cloning gives another handle to the same context.
#[derive(Clone)]
pub struct Context {
    shared: Arc<Shared>,
}

impl Context {
    /// A new context with libzmq's defaults. Nothing is started until the first socket.
    pub fn new() -> Context {
        Context {
            shared: Arc::new(Shared {
                options: Mutex::new(Options::default()),
                state: Mutex::new(State::default()),
                all_closed: Condvar::new(),
                inproc: Mutex::new(Default::default()),
            }),
        }
    }

    /// Sets an option from its raw value bytes, as `zmq_ctx_set_ext` (and `zmq_ctx_set`,
    /// with the int's bytes) does.
    ///
    /// # Errors
    /// `Inval` for an unknown or read-only option, a value of the wrong size, or a value out
    /// of range; `Inval` also for removing a CPU that is not in the affinity set.
    pub fn set(&self, option: c_int, value: &[u8]) -> Result<()> {
        let int = <[u8; 4]>::try_from(value).ok().map(c_int::from_ne_bytes);
        let non_negative = int.filter(|v| *v >= 0);
        let mut o = self.shared.options.lock();
        match option {
            ZMQ_MAX_SOCKETS => o.max_sockets = int.filter(|v| *v >= 1).ok_or(Error::Inval)?,
            ZMQ_IO_THREADS => o.io_threads = non_negative.ok_or(Error::Inval)?,
            ZMQ_IPV6 => o.socket.ipv6 = non_negative.ok_or(Error::Inval)? != 0,
            ZMQ_BLOCKY => o.socket.blocky = non_negative.ok_or(Error::Inval)? != 0,
            ZMQ_MAX_MSGSZ => o.socket.max_msgsz = non_negative.ok_or(Error::Inval)?,
            ZMQ_ZERO_COPY_RECV => {
                o.socket.zero_copy_recv = non_negative.ok_or(Error::Inval)? != 0;
            }
            ZMQ_THREAD_SCHED_POLICY => o.thread.sched_policy = non_negative.ok_or(Error::Inval)?,
            ZMQ_THREAD_PRIORITY => o.thread.priority = non_negative.ok_or(Error::Inval)?,
            ZMQ_THREAD_AFFINITY_CPU_ADD => {
                o.thread.affinity.insert(non_negative.ok_or(Error::Inval)?);
            }
            ZMQ_THREAD_AFFINITY_CPU_REMOVE => {
                if !o.thread.affinity.remove(&non_negative.ok_or(Error::Inval)?) {
                    return Err(Error::Inval);
                }
            }
            // An exactly int-sized value is always taken as an int, even one meant as a
            // 4-byte string: libzmq decides by the length alone.
            ZMQ_THREAD_NAME_PREFIX => match int {
                Some(v) => o.thread.name_prefix = v.to_string().into_bytes(),
                None if (1..=NAME_PREFIX_MAX).contains(&value.len()) => {
                    o.thread.name_prefix = value.to_vec();
                }
                None => return Err(Error::Inval),
            },
            _ => return Err(Error::Inval),
        }
        Ok(())
    }

    /// The inproc endpoint registry.
    pub fn inproc(&self) -> &Mutex<crate::transport::inproc::Registry> {
        &self.shared.inproc
    }

    /// Sets an int option, as `zmq_ctx_set` does.
    ///
    /// # Errors
    /// As [`Context::set`].
    pub fn set_int(&self, option: c_int, value: c_int) -> Result<()> {
        self.set(option, &value.to_ne_bytes())
    }

    /// Marks the context terminating and tells every socket to stop, without waiting
    /// (`zmq_ctx_shutdown`). Calling it again does nothing.
    pub fn shutdown(&self) {
        let to_stop: Vec<Arc<dyn SocketStop>> = {
            let mut st = self.shared.state.lock();
            if st.terminating {
                return;
            }
            st.terminating = true;
            st.sockets.values().cloned().collect()
        };
        // Outside the lock: a socket's stop may need to unregister or wake its owner.
        for s in to_stop {
            s.stop();
        }
    }

    /// Shuts the context down, waits until every socket has been closed, then stops the
    /// I/O threads (`zmq_ctx_term`).
    ///
    /// libzmq can return `EINTR` here when a signal arrives while waiting; this wait is on a
    /// condition variable and cannot be interrupted by a signal.
    pub fn terminate(&self) {
        self.shutdown();
        let io_threads = {
            let mut st = self.shared.state.lock();
            while !st.sockets.is_empty() {
                self.shared.all_closed.wait(&mut st);
            }
            std::mem::take(&mut st.io_threads)
        };
        // Dropping the threads outside the lock stops and joins them.
        drop(io_threads);
    }

    /// Adds a socket to the registry, starting the context (its I/O threads) on the first
    /// one.
    ///
    /// # Errors
    /// `Term` once the context is shutting down; `MFile` when `ZMQ_MAX_SOCKETS` (as it was
    /// when the context started) sockets are open; an OS error if an I/O thread cannot start.
    pub fn register_socket(&self, socket: Arc<dyn SocketStop>) -> Result<SocketId> {
        let mut st = self.shared.state.lock();
        if st.terminating {
            return Err(Error::Term);
        }
        if !st.started {
            self.start(&mut st)?;
        }
        if st.sockets.len() >= st.max_sockets {
            return Err(Error::MFile);
        }
        let id = loop {
            let id = SocketId(st.next_id);
            st.next_id = st.next_id.wrapping_add(1);
            if !st.sockets.contains_key(&id) {
                break id;
            }
        };
        st.sockets.insert(id, socket);
        Ok(id)
    }

    /// Removes a closed socket from the registry, waking a waiting [`Context::terminate`]
    /// when it was the last one. Unknown ids are ignored.
    pub fn unregister_socket(&self, id: SocketId) {
        let mut st = self.shared.state.lock();
        if st.sockets.remove(&id).is_some() && st.sockets.is_empty() {
            self.shared.all_closed.notify_all();
        }
    }

    /// Reads an option into `out`, as `zmq_ctx_get_ext` does: an int option needs `out` of
    /// exactly `sizeof(int)` bytes; the string form of `ZMQ_THREAD_NAME_PREFIX` needs room for
    /// the prefix and writes only its bytes (no NUL, `out`'s tail untouched). Returns the
    /// number of bytes written.
    ///
    /// # Errors
    /// `Inval` for an unknown or write-only option, or an `out` of the wrong size.
    pub fn get(&self, option: c_int, out: &mut [u8]) -> Result<usize> {
        let o = self.shared.options.lock();
        let int = match option {
            ZMQ_MAX_SOCKETS => o.max_sockets,
            ZMQ_SOCKET_LIMIT => SOCKET_LIMIT,
            ZMQ_IO_THREADS => o.io_threads,
            ZMQ_IPV6 => c_int::from(o.socket.ipv6),
            ZMQ_BLOCKY => c_int::from(o.socket.blocky),
            ZMQ_MAX_MSGSZ => o.socket.max_msgsz,
            ZMQ_MSG_T_SIZE => MSG_T_SIZE,
            ZMQ_ZERO_COPY_RECV => c_int::from(o.socket.zero_copy_recv),
            ZMQ_THREAD_SCHED_POLICY => o.thread.sched_policy,
            ZMQ_THREAD_NAME_PREFIX if out.len() != INT_SIZE => {
                let prefix = &o.thread.name_prefix;
                let dst = out.get_mut(..prefix.len()).ok_or(Error::Inval)?;
                dst.copy_from_slice(prefix);
                return Ok(prefix.len());
            }
            ZMQ_THREAD_NAME_PREFIX => atoi(&o.thread.name_prefix),
            _ => return Err(Error::Inval),
        };
        let dst: &mut [u8; INT_SIZE] = out.try_into().map_err(|_| Error::Inval)?;
        *dst = int.to_ne_bytes();
        Ok(INT_SIZE)
    }

    /// Reads an int option, as `zmq_ctx_get` does.
    ///
    /// # Errors
    /// As [`Context::get`].
    pub fn get_int(&self, option: c_int) -> Result<c_int> {
        let mut buf = [0u8; INT_SIZE];
        self.get(option, &mut buf)?;
        Ok(c_int::from_ne_bytes(buf))
    }

    /// Whether [`Context::shutdown`] or [`Context::terminate`] has been called.
    pub fn is_terminating(&self) -> bool {
        self.shared.state.lock().terminating
    }

    /// Fails with `Term` once the context is shutting down (`zmq_socket`'s first check).
    ///
    /// # Errors
    /// `Term` when shutting down.
    pub fn check_open(&self) -> Result<()> {
        if self.is_terminating() {
            Err(Error::Term)
        } else {
            Ok(())
        }
    }

    /// The options new sockets inherit.
    pub fn socket_defaults(&self) -> SocketDefaults {
        self.shared.options.lock().socket
    }

    /// The options threads are started with.
    pub fn thread_options(&self) -> ThreadOptions {
        self.shared.options.lock().thread.clone()
    }

    /// The I/O threads; empty before the first socket, after termination, or with
    /// `ZMQ_IO_THREADS` 0.
    pub fn io_threads(&self) -> Arc<[IoThread]> {
        self.shared.state.lock().io_threads.clone()
    }

    /// The number of registered (open) sockets.
    pub fn socket_count(&self) -> usize {
        self.shared.state.lock().sockets.len()
    }

    /// A background thread's name as libzmq forms it: `[prefix/]ZMQbg/<name>`, cut to what
    /// Linux keeps (15 bytes).
    pub fn thread_name(&self, name: &str) -> String {
        let prefix = self.shared.options.lock().thread.name_prefix.clone();
        let mut full = String::from_utf8_lossy(&prefix).into_owned();
        if !full.is_empty() {
            full.push('/');
        }
        full.push_str("ZMQbg/");
        full.push_str(name);
        let mut cut = full.len().min(THREAD_NAME_MAX);
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        full.truncate(cut);
        full
    }

    /// Starts the context: freezes the socket limit and spawns the I/O threads.
    fn start(&self, st: &mut State) -> Result<()> {
        let (count, max_sockets) = {
            let o = self.shared.options.lock();
            (o.io_threads, o.max_sockets)
        };
        let threads = (0..count)
            .map(|i| IoThread::start(self.thread_name(&format!("IO/{i}"))))
            .collect::<Result<Vec<_>>>()?;
        st.io_threads = threads.into();
        st.max_sockets = usize::try_from(max_sockets).unwrap_or(usize::MAX);
        st.started = true;
        Ok(())
    }
}

impl Default for Context {
    fn default() -> Context {
        Context::new()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("Context")
            .field("options", &*self.shared.options.lock())
            .field("started", &st.started)
            .field("terminating", &st.terminating)
            .field("sockets", &st.sockets.len())
            .finish()
    }
}

/// `sizeof(int)`: the length that makes an option value an int.
const INT_SIZE: usize = std::mem::size_of::<c_int>();

/// The state shared by every handle to one context.
struct Shared {
    options: Mutex<Options>,
    state: Mutex<State>,
    /// Signalled when the last socket unregisters.
    all_closed: Condvar,
    /// The inproc endpoints.
    inproc: Mutex<crate::transport::inproc::Registry>,
}

/// The settable options (libzmq's `_opt_sync` guarded fields).
#[derive(Debug)]
struct Options {
    io_threads: c_int,
    max_sockets: c_int,
    socket: SocketDefaults,
    thread: ThreadOptions,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            io_threads: ZMQ_IO_THREADS_DFLT,
            max_sockets: ZMQ_MAX_SOCKETS_DFLT,
            socket: SocketDefaults {
                ipv6: false,
                blocky: true,
                zero_copy_recv: true,
                max_msgsz: c_int::MAX,
            },
            thread: ThreadOptions {
                priority: ZMQ_THREAD_PRIORITY_DFLT,
                sched_policy: ZMQ_THREAD_SCHED_POLICY_DFLT,
                affinity: BTreeSet::new(),
                name_prefix: Vec::new(),
            },
        }
    }
}

/// The lifecycle state (libzmq's `_slot_sync` guarded fields).
struct State {
    started: bool,
    terminating: bool,
    /// The socket limit, frozen when the context starts.
    max_sockets: usize,
    sockets: HashMap<SocketId, Arc<dyn SocketStop>>,
    next_id: u32,
    io_threads: Arc<[IoThread]>,
}

impl Default for State {
    fn default() -> State {
        State {
            started: false,
            terminating: false,
            max_sockets: 0,
            sockets: HashMap::new(),
            next_id: 0,
            io_threads: Arc::new([]),
        }
    }
}

/// C's `atoi` over a byte string (glibc: `(int) strtol (s, NULL, 10)`): leading whitespace,
/// an optional sign, digits up to the first non-digit or NUL; saturates as `strtol` does,
/// then keeps the low 32 bits as the cast does.
fn atoi(s: &[u8]) -> c_int {
    let s = s.split(|&b| b == 0).next().unwrap_or_default();
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .unwrap_or(s.len());
    let mut rest = &s[start..];
    let negative = rest.first() == Some(&b'-');
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    let mut value: i64 = 0;
    for &b in rest.iter().take_while(|b| b.is_ascii_digit()) {
        let d = i64::from(b - b'0');
        value = value.saturating_mul(10).saturating_add(d);
    }
    let value = if negative { -value } else { value };
    // The cast keeps the low 32 bits, as C's (int) conversion does on Linux.
    value as c_int
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn defaults_match_libzmq() {
        let c = Context::new();
        for (opt, want) in [
            (ZMQ_IO_THREADS, 1),
            (ZMQ_MAX_SOCKETS, 1023),
            (ZMQ_SOCKET_LIMIT, 65535),
            (ZMQ_THREAD_SCHED_POLICY, -1),
            (ZMQ_MAX_MSGSZ, c_int::MAX),
            (ZMQ_MSG_T_SIZE, 64),
            (ZMQ_THREAD_NAME_PREFIX, 0),
            (ZMQ_ZERO_COPY_RECV, 1),
            (ZMQ_IPV6, 0),
            (ZMQ_BLOCKY, 1),
        ] {
            assert_eq!(c.get_int(opt), Ok(want), "option {opt}");
        }
        for opt in [-1, 0, 7, 8, 11, 41, 43, 100] {
            assert_eq!(c.get_int(opt), Err(Error::Inval), "option {opt}");
        }
    }

    #[test]
    fn set_ranges_match_libzmq() {
        let c = Context::new();
        assert_eq!(c.set_int(ZMQ_MAX_SOCKETS, 0), Err(Error::Inval));
        assert_eq!(c.set_int(ZMQ_MAX_SOCKETS, c_int::MAX), Ok(()));
        assert_eq!(c.get_int(ZMQ_MAX_SOCKETS), Ok(c_int::MAX));
        assert_eq!(c.set_int(ZMQ_IO_THREADS, -1), Err(Error::Inval));
        assert_eq!(c.set_int(ZMQ_IO_THREADS, 0), Ok(()));
        assert_eq!(c.set_int(ZMQ_IPV6, 5), Ok(()));
        assert_eq!(c.get_int(ZMQ_IPV6), Ok(1));
        assert_eq!(c.set_int(ZMQ_BLOCKY, -1), Err(Error::Inval));
        assert_eq!(c.set_int(ZMQ_THREAD_PRIORITY, -1), Err(Error::Inval));
        assert_eq!(c.set_int(ZMQ_THREAD_PRIORITY, 99), Ok(()));
        assert_eq!(c.thread_options().priority, 99);
        assert_eq!(c.set_int(ZMQ_MSG_T_SIZE, 0), Err(Error::Inval));
        assert_eq!(
            c.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
            Err(Error::Inval)
        );
        assert_eq!(c.set_int(ZMQ_THREAD_AFFINITY_CPU_ADD, 3), Ok(()));
        assert_eq!(c.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3), Ok(()));
        assert_eq!(
            c.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
            Err(Error::Inval)
        );
        assert_eq!(c.set(ZMQ_IPV6, &[1, 0]), Err(Error::Inval));
    }

    #[test]
    fn name_prefix_int_and_string() {
        let c = Context::new();
        c.set_int(ZMQ_THREAD_NAME_PREFIX, -7).unwrap();
        assert_eq!(c.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(-7));
        c.set(ZMQ_THREAD_NAME_PREFIX, b"abcdef").unwrap();
        assert_eq!(c.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(0));
        let mut buf = [b'#'; 8];
        assert_eq!(c.get(ZMQ_THREAD_NAME_PREFIX, &mut buf), Ok(6));
        assert_eq!(&buf, b"abcdef##");
        assert_eq!(
            c.get(ZMQ_THREAD_NAME_PREFIX, &mut [0; 5]),
            Err(Error::Inval)
        );
        assert_eq!(
            c.set(ZMQ_THREAD_NAME_PREFIX, &[b'x'; 17]),
            Err(Error::Inval)
        );
        assert_eq!(c.set(ZMQ_THREAD_NAME_PREFIX, b""), Err(Error::Inval));
        c.set(ZMQ_THREAD_NAME_PREFIX, b"12ab5").unwrap();
        assert_eq!(c.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(12));
        assert_eq!(c.thread_name("IO/0"), "12ab5/ZMQbg/IO/");
    }

    #[test]
    fn atoi_is_c_like() {
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"  -42x"), -42);
        assert_eq!(atoi(b"+9"), 9);
        assert_eq!(atoi(b"1\x002"), 1);
        assert_eq!(atoi(b"99999999999999999999"), -1);
    }

    struct Probe(AtomicUsize);

    impl SocketStop for Probe {
        fn stop(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn registry_limits_and_term_waits_for_close() {
        let c = Context::new();
        c.set_int(ZMQ_MAX_SOCKETS, 2).unwrap();
        c.set_int(ZMQ_IO_THREADS, 2).unwrap();
        let p = Arc::new(Probe(AtomicUsize::new(0)));
        let a = c.register_socket(p.clone()).unwrap();
        assert_eq!(c.io_threads().len(), 2);
        // Frozen at start, as libzmq's slot table.
        c.set_int(ZMQ_MAX_SOCKETS, 1).unwrap();
        let b = c.register_socket(p.clone()).unwrap();
        assert_eq!(c.register_socket(p.clone()), Err(Error::MFile));
        assert_eq!(c.socket_count(), 2);

        let c2 = c.clone();
        let closer = std::thread::spawn(move || {
            while !c2.is_terminating() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            c2.unregister_socket(a);
            c2.unregister_socket(b);
        });
        c.terminate();
        closer.join().unwrap();
        assert_eq!(p.0.load(Ordering::SeqCst), 2);
        assert_eq!(c.socket_count(), 0);
        assert!(c.io_threads().is_empty());
        assert_eq!(c.register_socket(p), Err(Error::Term));
        // Shutdown and terminate again are no-ops.
        c.shutdown();
        c.terminate();
    }
}
