//! `zmq_bind` over tcp and ipc (libzmq's `tcp_listener_t`/`ipc_listener_t`).
//!
//! The listening socket is made in the application thread, so errors (`EADDRINUSE`,
//! `ENODEV`, `ENOENT`, ...) are reported by `zmq_bind` itself; it then runs in an I/O
//! thread, which accepts connections and starts a session for each.

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mio::{Interest, Token};
use parking_lot::Mutex;

use crate::consts::{ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_CLOSED, ZMQ_EVENT_LISTENING};
use crate::error::{Error, Result};
use crate::io::connecter::{check_mechanism, net_options, pick_io_thread};
use crate::io::engine::Stream;
use crate::io::reactor::{Command, Handler, Reactor};
use crate::io::session::{IoMailbox, Session};
use crate::socket::base::{EndpointHandle, SocketLink};
use crate::transport::ipc_address::{self, IpcAddr};
use crate::transport::net::{self, NetOptions};
use crate::transport::{Protocol, tcp_address};

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

    fn remove(self) {
        if self.id.is_some() && file_id(&self.socket) == self.id {
            let _ = std::fs::remove_file(&self.socket);
        }
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir(dir);
        }
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

impl Listener {
    fn accept_one(&mut self) -> std::io::Result<Stream> {
        match &self.socket {
            ListenSocket::Tcp(l) => {
                let (s, peer) = l.accept()?;
                let filters = &self.link.options.tcp_accept_filters;
                if !filters.is_empty() && !filters.iter().any(|f| f.matches(peer.ip())) {
                    // ZMQ_TCP_ACCEPT_FILTER: closed at once, as libzmq does.
                    return Err(std::io::ErrorKind::ConnectionAborted.into());
                }
                // A tuning failure leaves a working connection with system defaults.
                let _ = net::tune_connection(s.as_raw_fd(), &self.net);
                Ok(Stream::Tcp(s))
            }
            ListenSocket::Ipc(l) => {
                let (s, _) = l.accept()?;
                if !self.ipc_peer_allowed(s.as_raw_fd()) {
                    return Err(std::io::ErrorKind::ConnectionAborted.into());
                }
                Ok(Stream::Ipc(s))
            }
        }
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
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => {}
                // EAGAIN, or out of descriptors: wait for the next readiness.
                Err(_) => break,
            }
        }
    }

    fn stop(&mut self, r: &mut Reactor) {
        self.gone.store(true, Ordering::Release);
        let fd = match &self.socket {
            ListenSocket::Tcp(l) => l.as_raw_fd(),
            ListenSocket::Ipc(l) => l.as_raw_fd(),
        };
        self.link
            .monitor
            .event(ZMQ_EVENT_CLOSED, fd as u64, &self.endpoint, "");
        // Failure means it was not registered; either way it leaves the poller.
        let _ = match &mut self.socket {
            ListenSocket::Tcp(l) => r.registry().deregister(l),
            ListenSocket::Ipc(l) => r.registry().deregister(l),
        };
        if let Some(files) = self.files.take() {
            files.remove();
        }
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
        self.gone.store(true, Ordering::Release);
        let token = self.token;
        // Runs after the command that added the listener, so the token is known by then.
        self.mailbox.send(Command::Run(Box::new(move |r| {
            if let Some(t) = token.lock().take() {
                r.remove(t);
            }
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
    check_mechanism(o)?;
    let mailbox = pick_io_thread(&link.ctx)?;
    let (socket, name, files) = match protocol {
        Protocol::Tcp => {
            let b = tcp_address::parse_bind(address)?;
            let addr = tcp_address::resolve_local(&b.host, b.port, o.ipv6)?;
            let (l, local) = net::listen_tcp(&addr, &net)?;
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
                    match net::listen_ipc(&a, Some(&path), &net) {
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
                    ListenSocket::Ipc(net::listen_ipc(&a, None, &net)?),
                    a.endpoint_string(),
                    Some(IpcFiles::new(p.clone(), None)),
                ),
                IpcAddr::Abstract(_) => (
                    ListenSocket::Ipc(net::listen_ipc(&a, None, &net)?),
                    a.endpoint_string(),
                    None,
                ),
            }
        }
        _ => return Err(Error::ProtoNoSupport),
    };
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
