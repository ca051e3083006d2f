//! `zmq_bind` over tcp and ipc (libzmq's `tcp_listener_t`/`ipc_listener_t`).
//!
//! The listening socket is made in the application thread, so errors (`EADDRINUSE`,
//! `ENODEV`, `ENOENT`, ...) are reported by `zmq_bind` itself; it then runs in an I/O
//! thread, which accepts connections and starts a session for each.
//!
//! Monitor events, as libzmq 4.3 raises them:
//! - `LISTENING` (fd) after a successful bind; `BIND_FAILED` (errno) when the address cannot
//!   be resolved, bound or listened on, with the address as given, without `tcp://`/`ipc://`.
//! - `ACCEPTED` (fd) per connection; `ACCEPT_FAILED` (errno) when `accept` fails, a
//!   `ZMQ_TCP_ACCEPT_FILTER`/`ZMQ_IPC_FILTER_*` turns the peer away, or the new connection
//!   cannot be tuned (it is closed then).
//! - `CLOSED` (fd) when the listener stops; `CLOSE_FAILED` (errno) instead when the socket
//!   file of an `ipc://*` bind cannot be removed (someone else removed it).

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mio::{Interest, Token};
use parking_lot::Mutex;

use crate::capi::errno::to_errno;
use crate::consts::{
    ZMQ_EVENT_ACCEPT_FAILED, ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_BIND_FAILED, ZMQ_EVENT_CLOSE_FAILED,
    ZMQ_EVENT_CLOSED, ZMQ_EVENT_LISTENING,
};
use crate::error::{Error, Result};
use crate::io::connecter::{net_options, pick_io_thread};
use crate::io::engine::Stream;
use crate::io::reactor::{Command, Handler, Reactor};
use crate::io::session::{IoMailbox, Session};
use crate::socket::base::{EndpointHandle, SocketLink};
use crate::transport::ipc_address::{self, IpcAddr};
use crate::transport::net::{self, NetOptions};
use crate::transport::{Protocol, tcp_address, ws};

enum ListenSocket {
    Tcp(mio::net::TcpListener),
    Ipc(mio::net::UnixListener),
}

/// What to delete when an ipc listener closes: its socket file, and the directory made
/// for `ipc://*`.
struct IpcFiles {
    socket: PathBuf,
    /// The socket file's (device, inode) once bound: the listener closes in its I/O thread
    /// after `zmq_close`/`zmq_unbind` has returned, when another socket may already have
    /// bound the same path; that newer file must stay.
    id: Option<(u64, u64)>,
    dir: Option<PathBuf>,
}

impl IpcFiles {
    fn new(socket: PathBuf, dir: Option<PathBuf>) -> IpcFiles {
        let id = file_id(&socket);
        IpcFiles { socket, id, dir }
    }
}

fn file_id(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// A listener in an I/O thread.
struct Listener {
    socket: ListenSocket,
    link: SocketLink,
    endpoint: String,
    net: NetOptions,
    /// Set when the endpoint is stopped: sessions still handshaking then give up.
    gone: Arc<AtomicBool>,
    files: Option<IpcFiles>,
}

/// Why no connection came out of one `accept`.
enum AcceptError {
    /// The system call failed.
    Io(std::io::Error),
    /// An accept filter turned the peer away; the connection was closed.
    Filtered,
    /// The connection could not be tuned (socket options); it was closed.
    Tuning(std::io::Error),
}

impl Listener {
    fn accept_one(&mut self) -> std::result::Result<Stream, AcceptError> {
        match &self.socket {
            ListenSocket::Tcp(l) => {
                let (s, peer) = l.accept().map_err(AcceptError::Io)?;
                let filters = &self.link.options.tcp_accept_filters;
                if !filters.is_empty() && !filters.iter().any(|f| f.matches(peer.ip())) {
                    // ZMQ_TCP_ACCEPT_FILTER: closed at once, as libzmq does.
                    return Err(AcceptError::Filtered);
                }
                net::tune_connection(s.as_raw_fd(), &self.net).map_err(AcceptError::Tuning)?;
                Ok(Stream::Tcp(s))
            }
            ListenSocket::Ipc(l) => {
                let (s, _) = l.accept().map_err(AcceptError::Io)?;
                if !self.ipc_peer_allowed(s.as_raw_fd()) {
                    return Err(AcceptError::Filtered);
                }
                Ok(Stream::Ipc(s))
            }
        }
    }

    fn accept_failed(&self, errno: i32) {
        self.link
            .monitor
            .event(ZMQ_EVENT_ACCEPT_FAILED, errno as u64, &self.endpoint, "");
    }

    /// Deletes the socket file (and the directory of `ipc://*`). Returns the errno of the
    /// first failure that libzmq would report: only `ipc://*` files count, as libzmq removes
    /// nothing else (an explicit path is removed here too, but silently).
    fn remove_files(&mut self) -> Option<i32> {
        let files = self.files.take()?;
        let removed = if files.id.is_some() && file_id(&files.socket) == files.id {
            std::fs::remove_file(&files.socket)
        } else {
            // Gone already, or replaced by a newer socket's file that must stay.
            Err(std::io::Error::from_raw_os_error(libc::ENOENT))
        };
        let dir = files.dir?;
        let rmdir = std::fs::remove_dir(dir);
        let failed = removed.err().or(rmdir.err())?;
        Some(failed.raw_os_error().unwrap_or(libc::EIO))
    }

    /// The `ZMQ_IPC_FILTER_UID/GID/PID` check: with any filter set, the peer's process
    /// (SO_PEERCRED) must match one of them.
    fn ipc_peer_allowed(&self, fd: std::os::fd::RawFd) -> bool {
        let o = &self.link.options;
        if o.ipc_uid_filters.is_empty()
            && o.ipc_gid_filters.is_empty()
            && o.ipc_pid_filters.is_empty()
        {
            return true;
        }
        let Some(cred) = peer_cred(fd) else {
            return false;
        };
        o.ipc_uid_filters.contains(&cred.uid)
            || o.ipc_gid_filters.contains(&cred.gid)
            || o.ipc_pid_filters.contains(&cred.pid)
    }
}

/// The credentials of a Unix socket's peer process.
pub(crate) fn peer_cred(fd: std::os::fd::RawFd) -> Option<libc::ucred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: passes a pointer to a live ucred and its exact size.
    crate::syscall!(getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_PEERCRED,
        (&mut cred as *mut libc::ucred).cast(),
        &mut len
    ))
    .ok()?;
    Some(cred)
}

impl Handler for Listener {
    fn ready(&mut self, r: &mut Reactor, _event: &mio::event::Event) {
        loop {
            match self.accept_one() {
                Ok(stream) => {
                    self.link.monitor.event(
                        ZMQ_EVENT_ACCEPTED,
                        stream.as_raw_fd() as u64,
                        &self.endpoint,
                        "",
                    );
                    Session::add_accepted(
                        r,
                        stream,
                        self.link.clone(),
                        self.endpoint.clone(),
                        self.gone.clone(),
                    );
                }
                Err(AcceptError::Io(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // Nothing more to accept: wait for the next readiness.
                Err(AcceptError::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(AcceptError::Io(e)) => {
                    let errno = e.raw_os_error().unwrap_or(libc::EIO);
                    self.accept_failed(errno);
                    // A peer that gave up before the accept: the next one may be fine.
                    // Anything else (out of descriptors or memory): wait for the next
                    // readiness rather than spin.
                    if errno != libc::ECONNABORTED {
                        break;
                    }
                }
                // libzmq reports whatever errno its I/O thread last had, which is normally
                // the EAGAIN of an earlier non-blocking call.
                Err(AcceptError::Filtered) => self.accept_failed(libc::EAGAIN),
                Err(AcceptError::Tuning(e)) => {
                    self.accept_failed(e.raw_os_error().unwrap_or(libc::EIO));
                }
            }
        }
    }

    fn stop(&mut self, r: &mut Reactor) {
        self.gone.store(true, Ordering::Release);
        let fd = match &self.socket {
            ListenSocket::Tcp(l) => l.as_raw_fd(),
            ListenSocket::Ipc(l) => l.as_raw_fd(),
        };
        // Failure means it was not registered; either way it leaves the poller.
        let _ = match &mut self.socket {
            ListenSocket::Tcp(l) => r.registry().deregister(l),
            ListenSocket::Ipc(l) => r.registry().deregister(l),
        };
        let (event, value) = match self.remove_files() {
            Some(errno) => (ZMQ_EVENT_CLOSE_FAILED, errno as u64),
            None => (ZMQ_EVENT_CLOSED, fd as u64),
        };
        self.link.monitor.event(event, value, &self.endpoint, "");
    }
}

/// Stops a listener (its accepted sessions end with their pipes).
struct ListenHandle {
    mailbox: IoMailbox,
    token: Arc<Mutex<Option<Token>>>,
    gone: Arc<AtomicBool>,
}

impl EndpointHandle for ListenHandle {
    fn stop(self: Box<Self>) {
        (*self).stop_then(|| {});
    }

    fn stop_holding(self: Box<Self>, guard: Arc<dyn Send + Sync>) {
        (*self).stop_then(move || drop(guard));
    }
}

impl ListenHandle {
    /// Removes the listener in its I/O thread (which raises `CLOSED` or `CLOSE_FAILED`),
    /// then runs `after` there.
    fn stop_then(self, after: impl FnOnce() + Send + 'static) {
        self.gone.store(true, Ordering::Release);
        let token = self.token;
        // Runs after the command that added the listener, so the token is known by then.
        self.mailbox.send(Command::Run(Box::new(move |r| {
            if let Some(t) = token.lock().take() {
                r.remove(t);
            }
            after();
        })));
    }
}

/// `zmq_bind` to a tcp or ipc `address` (the part after `://`). Returns the resolved
/// endpoint (`ZMQ_LAST_ENDPOINT`, and the name `zmq_unbind` takes) and the listener's
/// handle.
///
/// # Errors
/// As libzmq: `EMTHREAD` without I/O threads, `EINVAL`/`ENODEV` for bad addresses,
/// `EADDRINUSE`, `ENOENT`, `EACCES`, ...
pub fn bind(
    protocol: Protocol,
    address: &str,
    link: &SocketLink,
) -> Result<(String, Box<dyn EndpointHandle>)> {
    let o = &link.options;
    let net = net_options(o);
    let mailbox = pick_io_thread(&link.ctx)?;
    let (socket, name, files) = listen(protocol, address, &net, o.ipv6).inspect_err(|&e| {
        link.monitor
            .event(ZMQ_EVENT_BIND_FAILED, to_errno(e) as u64, address, "");
    })?;
    let fd = match &socket {
        ListenSocket::Tcp(l) => l.as_raw_fd(),
        ListenSocket::Ipc(l) => l.as_raw_fd(),
    };
    link.monitor
        .event(ZMQ_EVENT_LISTENING, fd as u64, &name, "");
    let gone = Arc::new(AtomicBool::new(false));
    let token = Arc::new(Mutex::new(None));
    let mut listener = Listener {
        socket,
        link: link.clone(),
        endpoint: name.clone(),
        net,
        gone: gone.clone(),
        files,
    };
    let token2 = token.clone();
    mailbox.send(Command::Run(Box::new(move |r| {
        let t = r.add(move |r, t| {
            let registered = match &mut listener.socket {
                ListenSocket::Tcp(l) => r.registry().register(l, t, Interest::READABLE),
                ListenSocket::Ipc(l) => r.registry().register(l, t, Interest::READABLE),
            };
            if registered.is_err() {
                eprintln!("libzmq-rs: cannot poll a listening socket; it accepts nothing");
            }
            Box::new(listener)
        });
        *token2.lock() = Some(t);
    })));
    Ok((
        name,
        Box::new(ListenHandle {
            mailbox,
            token,
            gone,
        }),
    ))
}

/// Makes the listening socket for `address` (libzmq's `set_local_address`): the socket, its
/// resolved endpoint, and the files to delete when it closes.
fn listen(
    protocol: Protocol,
    address: &str,
    net: &NetOptions,
    ipv6: bool,
) -> Result<(ListenSocket, String, Option<IpcFiles>)> {
    Ok(match protocol {
        Protocol::Tcp => {
            let b = tcp_address::parse_bind(address)?;
            let addr = tcp_address::resolve_local(&b.host, b.port, ipv6)?;
            let (l, local) = net::listen_tcp(&addr, net)?;
            (
                ListenSocket::Tcp(l),
                tcp_address::endpoint_string(&local),
                None,
            )
        }
        Protocol::Ipc => {
            let a = ipc_address::parse(address)?;
            match &a {
                IpcAddr::Wildcard => {
                    let (dir, path) = ipc_address::temp_socket_path()?;
                    match net::listen_ipc(&a, Some(&path), net) {
                        Ok(l) => (
                            ListenSocket::Ipc(l),
                            ipc_address::path_endpoint_string(&path),
                            Some(IpcFiles::new(path, Some(dir))),
                        ),
                        Err(e) => {
                            let _ = std::fs::remove_dir(&dir);
                            return Err(e);
                        }
                    }
                }
                IpcAddr::Path(p) => (
                    ListenSocket::Ipc(net::listen_ipc(&a, None, net)?),
                    a.endpoint_string(),
                    Some(IpcFiles::new(p.clone(), None)),
                ),
                IpcAddr::Abstract(_) => (
                    ListenSocket::Ipc(net::listen_ipc(&a, None, net)?),
                    a.endpoint_string(),
                    None,
                ),
            }
        }
        Protocol::Ws => {
            let b = ws::parse_bind(address)?;
            let addr = tcp_address::resolve_local(&b.addr.host, b.addr.port, ipv6)?;
            let (l, local) = net::listen_tcp(&addr, net)?;
            (
                ListenSocket::Tcp(l),
                ws::endpoint_string(&local, &b.path),
                None,
            )
        }
        _ => return Err(Error::ProtoNoSupport),
    })
}
