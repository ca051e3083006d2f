//! Operating-system sockets for the stream transports: listening and connecting TCP and IPC
//! sockets with the socket options libzmq applies, and gathered sends that never raise
//! SIGPIPE.
//!
//! Everything here is non-blocking and close-on-exec. The sockets come back as mio types
//! so an I/O thread can register them.

use std::io::{self, IoSlice};
use std::mem;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::error::{Error, Result};
use crate::syscall;
use crate::transport::ipc_address::IpcAddr;

/// The socket options of a stream connection, taken from the ZeroMQ socket's options.
/// `-1` means "leave the system default" wherever libzmq uses it so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetOptions {
    /// `ZMQ_SNDBUF` (-1: system default).
    pub sndbuf: i32,
    /// `ZMQ_RCVBUF` (-1: system default).
    pub rcvbuf: i32,
    /// `ZMQ_TOS` (0: leave alone).
    pub tos: i32,
    /// `ZMQ_PRIORITY` (0: leave alone).
    pub priority: i32,
    /// `ZMQ_BINDTODEVICE` (empty: none).
    pub bind_to_device: Vec<u8>,
    /// `ZMQ_TCP_KEEPALIVE`: -1 system default, 0 off, 1 on.
    pub keepalive: i32,
    /// `ZMQ_TCP_KEEPALIVE_CNT` (-1: system default).
    pub keepalive_cnt: i32,
    /// `ZMQ_TCP_KEEPALIVE_IDLE` in seconds (-1: system default).
    pub keepalive_idle: i32,
    /// `ZMQ_TCP_KEEPALIVE_INTVL` in seconds (-1: system default).
    pub keepalive_intvl: i32,
    /// `ZMQ_TCP_MAXRT` in milliseconds (0: system default).
    pub maxrt: i32,
    /// `ZMQ_BACKLOG`.
    pub backlog: i32,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions {
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            priority: 0,
            bind_to_device: Vec::new(),
            keepalive: -1,
            keepalive_cnt: -1,
            keepalive_idle: -1,
            keepalive_intvl: -1,
            maxrt: 0,
            backlog: 100,
        }
    }
}

fn new_socket(family: i32) -> io::Result<OwnedFd> {
    let fd = syscall!(socket(
        family,
        libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0
    ))?;
    // SAFETY: socket() returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn set_int(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: passes a pointer to a live c_int and its exact size.
    syscall!(setsockopt(
        fd,
        level,
        name,
        (&value as *const i32).cast(),
        mem::size_of::<i32>() as libc::socklen_t
    ))
    .map(drop)
}

/// The options libzmq sets on every TCP socket before bind or connect.
fn prepare_tcp(fd: RawFd, addr: &SocketAddr, o: &NetOptions) -> io::Result<()> {
    if addr.is_ipv6() {
        // Dual-stack, so `tcp://*` with ZMQ_IPV6 also takes IPv4.
        set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0)?;
    }
    if o.tos != 0 {
        if addr.is_ipv6() {
            set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, o.tos)?;
        } else {
            set_int(fd, libc::IPPROTO_IP, libc::IP_TOS, o.tos)?;
        }
    }
    prepare_common(fd, o)
}

fn prepare_common(fd: RawFd, o: &NetOptions) -> io::Result<()> {
    if o.priority != 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_PRIORITY, o.priority)?;
    }
    if !o.bind_to_device.is_empty() {
        // SAFETY: passes the device name bytes and their length.
        syscall!(setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            o.bind_to_device.as_ptr().cast(),
            o.bind_to_device.len() as libc::socklen_t
        ))?;
    }
    if o.sndbuf >= 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf)?;
    }
    if o.rcvbuf >= 0 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf)?;
    }
    Ok(())
}

/// The options libzmq sets on a TCP connection once it is established (accepted or
/// connected): no Nagle delay, keepalives, and the retransmission timeout.
pub fn tune_connection(fd: RawFd, o: &NetOptions) -> io::Result<()> {
    set_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
    if o.keepalive != -1 {
        set_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, o.keepalive)?;
        if o.keepalive == 1 {
            for (name, value) in [
                (libc::TCP_KEEPCNT, o.keepalive_cnt),
                (libc::TCP_KEEPIDLE, o.keepalive_idle),
                (libc::TCP_KEEPINTVL, o.keepalive_intvl),
            ] {
                if value != -1 {
                    set_int(fd, libc::IPPROTO_TCP, name, value)?;
                }
            }
        }
    }
    if o.maxrt > 0 {
        set_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, o.maxrt)?;
    }
    Ok(())
}

/// Converts a socket address to its C form.
fn sockaddr_of(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data for which all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*a.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// The C form of an IPC address.
fn sockaddr_un_of(
    addr: &IpcAddr,
    path_for_wildcard: Option<&std::path::Path>,
) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: sockaddr_un is plain data for which all-zero is a valid value.
    let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let (bytes, abstract_name): (Vec<u8>, bool) = match (addr, path_for_wildcard) {
        (_, Some(p)) => (p.as_os_str().as_bytes().to_vec(), false),
        (IpcAddr::Path(p), None) => (p.as_os_str().as_bytes().to_vec(), false),
        (IpcAddr::Abstract(name), None) => (name.clone(), true),
        (IpcAddr::Wildcard, None) => (b"*".to_vec(), false),
    };
    let offset = usize::from(abstract_name);
    if bytes.len() + offset >= sun.sun_path.len() {
        return Err(Error::Os(libc::ENAMETOOLONG));
    }
    for (dst, &src) in sun.sun_path[offset..].iter_mut().zip(&bytes) {
        *dst = src as libc::c_char;
    }
    let base = mem::size_of::<libc::sa_family_t>();
    // Abstract names are exactly as long as given; paths carry their NUL.
    let len = if abstract_name {
        base + 1 + bytes.len()
    } else {
        base + bytes.len() + 1
    };
    Ok((sun, len as libc::socklen_t))
}

/// A listening TCP socket on `addr` (port 0 for an ephemeral one), with SO_REUSEADDR as
/// libzmq sets it, and the address it really got.
pub fn listen_tcp(
    addr: &SocketAddr,
    o: &NetOptions,
) -> Result<(mio::net::TcpListener, SocketAddr)> {
    let family = if addr.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    let fd = new_socket(family)?;
    let raw = fd.as_raw_fd();
    set_int(raw, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    prepare_tcp(raw, addr, o)?;
    let (sa, len) = sockaddr_of(addr);
    // SAFETY: `sa` holds a valid sockaddr of length `len`.
    syscall!(bind(
        raw,
        (&sa as *const libc::sockaddr_storage).cast(),
        len
    ))?;
    syscall!(listen(raw, o.backlog))?;
    let listener = std::net::TcpListener::from(fd);
    let local = listener.local_addr()?;
    Ok((mio::net::TcpListener::from_std(listener), local))
}

/// Starts a non-blocking connect to `addr`, first binding `source` if given. The connection
/// is complete when the stream polls writable and [`take_error`] reports none.
pub fn connect_tcp(
    addr: &SocketAddr,
    source: Option<&SocketAddr>,
    o: &NetOptions,
) -> Result<mio::net::TcpStream> {
    let family = if addr.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    let fd = new_socket(family)?;
    let raw = fd.as_raw_fd();
    prepare_tcp(raw, addr, o)?;
    if let Some(src) = source {
        set_int(raw, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        let (sa, len) = sockaddr_of(src);
        // SAFETY: `sa` holds a valid sockaddr of length `len`.
        syscall!(bind(
            raw,
            (&sa as *const libc::sockaddr_storage).cast(),
            len
        ))?;
    }
    let (sa, len) = sockaddr_of(addr);
    // SAFETY: `sa` holds a valid sockaddr of length `len`.
    match syscall!(connect(
        raw,
        (&sa as *const libc::sockaddr_storage).cast(),
        len
    )) {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(mio::net::TcpStream::from_std(std::net::TcpStream::from(fd)))
}

/// A listening IPC socket. An existing socket file at the path is replaced, as libzmq does.
/// `wildcard_path` is the path chosen for `ipc://*`.
pub fn listen_ipc(
    addr: &IpcAddr,
    wildcard_path: Option<&std::path::Path>,
    o: &NetOptions,
) -> Result<mio::net::UnixListener> {
    let (sun, len) = sockaddr_un_of(addr, wildcard_path)?;
    if let (IpcAddr::Path(p), None) = (addr, wildcard_path) {
        let _ = std::fs::remove_file(p);
    }
    let fd = new_socket(libc::AF_UNIX)?;
    let raw = fd.as_raw_fd();
    prepare_common(raw, o)?;
    // SAFETY: `sun` is a valid sockaddr_un of length `len`.
    syscall!(bind(raw, (&sun as *const libc::sockaddr_un).cast(), len))?;
    syscall!(listen(raw, o.backlog))?;
    Ok(mio::net::UnixListener::from_std(
        std::os::unix::net::UnixListener::from(fd),
    ))
}

/// Starts a non-blocking connect to an IPC address.
pub fn connect_ipc(addr: &IpcAddr, o: &NetOptions) -> Result<mio::net::UnixStream> {
    let (sun, len) = sockaddr_un_of(addr, None)?;
    let fd = new_socket(libc::AF_UNIX)?;
    let raw = fd.as_raw_fd();
    prepare_common(raw, o)?;
    // SAFETY: `sun` is a valid sockaddr_un of length `len`.
    match syscall!(connect(raw, (&sun as *const libc::sockaddr_un).cast(), len)) {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(mio::net::UnixStream::from_std(
        std::os::unix::net::UnixStream::from(fd),
    ))
}

/// The pending error of a socket (SO_ERROR), e.g. the outcome of a non-blocking connect.
pub fn take_error(fd: RawFd) -> io::Result<Option<io::Error>> {
    let mut value: i32 = 0;
    let mut len = mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: passes a pointer to a live c_int and its size.
    syscall!(getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_ERROR,
        (&mut value as *mut i32).cast(),
        &mut len
    ))?;
    Ok((value != 0).then(|| io::Error::from_raw_os_error(value)))
}

/// Writes the slices in one `sendmsg` with `MSG_NOSIGNAL`: a gathered write that reports
/// EPIPE instead of killing the process when the peer has gone.
pub fn send_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: msghdr is plain data for which all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = bufs.as_ptr().cast_mut().cast();
    msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
    loop {
        // SAFETY: IoSlice is ABI-compatible with iovec; msg points at `bufs`, alive for the call.
        match syscall!(sendmsg(fd, &msg, libc::MSG_NOSIGNAL)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r.map(|n| n as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn wait_writable(fd: RawFd) {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut p, 1, 5000) };
        assert_eq!(n, 1);
    }

    #[test]
    fn tcp_listen_connect_send() {
        let o = NetOptions::default();
        let (listener, local) = listen_tcp(&"127.0.0.1:0".parse().unwrap(), &o).unwrap();
        assert_ne!(local.port(), 0);
        let stream = connect_tcp(&local, None, &o).unwrap();
        wait_writable(stream.as_raw_fd());
        assert!(take_error(stream.as_raw_fd()).unwrap().is_none());
        tune_connection(
            stream.as_raw_fd(),
            &NetOptions {
                keepalive: 1,
                keepalive_idle: 30,
                maxrt: 500,
                ..o.clone()
            },
        )
        .unwrap();
        let listener = std::net::TcpListener::from(OwnedFd::from(listener));
        listener.set_nonblocking(false).unwrap();
        let (mut accepted, _) = listener.accept().unwrap();
        let n = send_vectored(
            stream.as_raw_fd(),
            &[IoSlice::new(b"head"), IoSlice::new(b"-body")],
        )
        .unwrap();
        assert_eq!(n, 9);
        let mut buf = [0u8; 9];
        accepted.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"head-body");
    }

    #[test]
    fn refused_connect_reports_error() {
        let o = NetOptions::default();
        let (listener, local) = listen_tcp(&"127.0.0.1:0".parse().unwrap(), &o).unwrap();
        drop(listener);
        let stream = connect_tcp(&local, None, &o).unwrap();
        wait_writable(stream.as_raw_fd());
        let err = take_error(stream.as_raw_fd()).unwrap().unwrap();
        assert_eq!(err.raw_os_error(), Some(libc::ECONNREFUSED));
    }

    #[test]
    fn send_to_closed_peer_is_epipe_not_sigpipe() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        drop(b);
        let e = send_vectored(a.as_raw_fd(), &[IoSlice::new(b"x")]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EPIPE));
    }

    #[test]
    fn port_in_use() {
        let o = NetOptions::default();
        let (_l, local) = listen_tcp(&"127.0.0.1:0".parse().unwrap(), &o).unwrap();
        assert_eq!(listen_tcp(&local, &o).err(), Some(Error::AddrInUse));
    }

    #[test]
    fn ipc_listen_replaces_file_and_connects() {
        let path = std::env::temp_dir().join(format!("zmq-rs-net-{}.sock", std::process::id()));
        std::fs::write(&path, b"stale").unwrap();
        let addr = IpcAddr::Path(path.clone());
        let o = NetOptions::default();
        let _listener = listen_ipc(&addr, None, &o).unwrap();
        let stream = connect_ipc(&addr, &o).unwrap();
        wait_writable(stream.as_raw_fd());
        assert!(take_error(stream.as_raw_fd()).unwrap().is_none());
        std::fs::remove_file(&path).unwrap();
        let abs = IpcAddr::Abstract(format!("zmq-rs-net-{}", std::process::id()).into_bytes());
        let _l2 = listen_ipc(&abs, None, &o).unwrap();
        assert!(connect_ipc(&abs, &o).is_ok());
        let missing = IpcAddr::Path("/nonexistent-dir/x".into());
        assert_eq!(listen_ipc(&missing, None, &o).err(), Some(Error::NoEnt));
    }
}
