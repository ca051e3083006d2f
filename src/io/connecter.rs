//! `zmq_connect` over tcp and ipc (libzmq's `tcp_connecter_t`/`ipc_connecter_t` and the
//! connecting half of `session_base_t`).
//!
//! The application thread only checks the endpoint's syntax, makes the pipe (unless
//! `ZMQ_IMMEDIATE`) so messages queue before any connection exists, and hands a session to
//! an I/O thread. Name resolution and dialling happen there, with reconnects after
//! `ZMQ_RECONNECT_IVL` (plus jitter, doubling up to `ZMQ_RECONNECT_IVL_MAX`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mio::Token;
use parking_lot::Mutex;

use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::io::engine::Stream;
use crate::io::reactor::Command;
use crate::io::session::{self, IoMailbox, Session, WakeCell};
use crate::socket::base::{EndpointHandle, SocketLink};
use crate::socket::options::Options;
use crate::socket::pipes::Peer;
use crate::transport::ipc_address::{self, IpcAddr};
use crate::transport::net::{self, NetOptions};
use crate::transport::{Protocol, tcp_address};

/// The OS socket options of a connection or listener, from the socket's options.
pub fn net_options(o: &Options) -> NetOptions {
    NetOptions {
        sndbuf: o.sndbuf,
        rcvbuf: o.rcvbuf,
        tos: o.tos,
        priority: o.priority,
        bind_to_device: o.bind_to_device.clone(),
        keepalive: o.tcp_keepalive,
        keepalive_cnt: o.tcp_keepalive_cnt,
        keepalive_idle: o.tcp_keepalive_idle,
        keepalive_intvl: o.tcp_keepalive_intvl,
        maxrt: o.tcp_maxrt,
        backlog: o.backlog,
    }
}

/// An I/O thread for a new endpoint, round robin (`EMTHREAD` when the context has none).
pub fn pick_io_thread(ctx: &Context) -> Result<IoMailbox> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let threads = ctx.io_threads();
    if threads.is_empty() {
        return Err(Error::MThread);
    }
    let i = NEXT.fetch_add(1, Ordering::Relaxed) % threads.len();
    Ok(threads[i].mailbox())
}

/// What a connecting session dials.
#[derive(Debug)]
enum Target {
    /// The address part of a `tcp://` endpoint, resolved at each dial.
    Tcp(String),
    Ipc(IpcAddr),
    /// `ws://`: a TCP connection to `host:port` (the WebSocket part is the engine's).
    Ws(String),
}

/// Dialling and the reconnect interval of one connecting session.
#[derive(Debug)]
pub struct Dialer {
    target: Target,
    /// The interval before the next attempt (grows with `ZMQ_RECONNECT_IVL_MAX`).
    current_ivl: Option<i32>,
    seed: u64,
}

impl Dialer {
    fn new(target: Target) -> Dialer {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Dialer {
            target,
            current_ivl: None,
            seed: u64::from(nanos) | 1,
        }
    }

    /// Starts a non-blocking connect (after resolving the host, which may block on DNS).
    pub fn dial(&self, o: &Options) -> Result<Stream> {
        let net = net_options(o);
        match &self.target {
            Target::Tcp(address) => {
                let ca = tcp_address::parse_connect(address)?;
                let addrs = tcp_address::resolve_remote(&ca.host, ca.port, o.ipv6)?;
                let source = match &ca.source {
                    Some(b) => Some(tcp_address::resolve_local(&b.host, b.port, o.ipv6)?),
                    None => None,
                };
                let first = addrs.first().ok_or(Error::HostUnreach)?;
                Ok(Stream::Tcp(net::connect_tcp(first, source.as_ref(), &net)?))
            }
            Target::Ipc(addr) => Ok(Stream::Ipc(net::connect_ipc(addr, &net)?)),
            Target::Ws(hostport) => {
                let ca = tcp_address::parse_connect(hostport)?;
                let addrs = tcp_address::resolve_remote(&ca.host, ca.port, o.ipv6)?;
                let first = addrs.first().ok_or(Error::HostUnreach)?;
                Ok(Stream::Tcp(net::connect_tcp(first, None, &net)?))
            }
        }
    }

    /// How long to wait before the next attempt: the current interval plus a random part
    /// of `ZMQ_RECONNECT_IVL`, the interval doubling up to `ZMQ_RECONNECT_IVL_MAX` when
    /// that is set (libzmq's `get_new_reconnect_ivl`).
    pub fn next_interval(&mut self, o: &Options) -> Duration {
        let base = o.reconnect_ivl.max(0);
        let current = self.current_ivl.unwrap_or(base);
        // xorshift: enough to spread reconnect storms.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let jitter = if base > 0 {
            (self.seed % base as u64) as i32
        } else {
            0
        };
        let interval = current.saturating_add(jitter);
        if o.reconnect_ivl_max > 0 && o.reconnect_ivl_max > base {
            self.current_ivl = Some(current.saturating_mul(2).min(o.reconnect_ivl_max));
        }
        Duration::from_millis(interval as u64)
    }

    /// A connection succeeded: the backoff starts over.
    pub fn connected(&mut self) {
        self.current_ivl = None;
    }
}

/// Stops a connecting session: no more reconnects; it ends once its pipe is gone.
struct ConnectHandle {
    mailbox: IoMailbox,
    token: Arc<Mutex<Option<Token>>>,
    stop: Arc<AtomicBool>,
}

impl EndpointHandle for ConnectHandle {
    fn stop(self: Box<Self>) {
        self.stop.store(true, Ordering::Release);
        let token = self.token;
        // Runs after the command that added the session, so the token is known by then.
        self.mailbox.send(Command::Run(Box::new(move |r| {
            if let Some(t) = *token.lock() {
                r.mailbox().send(Command::Activate(t));
            }
        })));
    }
}

/// `zmq_connect` to a tcp or ipc `address` (the part after `://`) of `endpoint`. Returns
/// the socket's end of the pipe to attach now (none with `ZMQ_IMMEDIATE`) and the handle
/// that stops the session.
///
/// # Errors
/// `EINVAL` for a malformed tcp address, `ENAMETOOLONG`/`EINVAL` for an ipc one,
/// `EMTHREAD` without I/O threads.
pub fn connect(
    protocol: Protocol,
    address: &str,
    endpoint: &str,
    link: &SocketLink,
) -> Result<(Option<Peer>, Box<dyn EndpointHandle>)> {
    let target = match protocol {
        Protocol::Tcp => {
            tcp_address::check_connect_syntax(address)?;
            Target::Tcp(address.to_owned())
        }
        Protocol::Ipc => Target::Ipc(ipc_address::parse(address)?),
        Protocol::Ws => Target::Ws(crate::transport::ws::parse_connect(address)?.hostport),
        _ => return Err(Error::ProtoNoSupport),
    };
    let mailbox = pick_io_thread(&link.ctx)?;
    let (peer, pipe) = if link.options.immediate {
        (None, None)
    } else {
        let key = session::fresh_key();
        let cell = WakeCell::held();
        let (mut peer, pipe) = session::make_pipes(link, endpoint, &cell, key);
        peer.locally_initiated = true;
        peer.addresses = (String::new(), endpoint.to_owned());
        (Some(peer), Some((pipe, key, cell)))
    };
    let stop = Arc::new(AtomicBool::new(false));
    let token = Arc::new(Mutex::new(None));
    let (link2, endpoint2, stop2, token2) = (
        link.clone(),
        endpoint.to_owned(),
        stop.clone(),
        token.clone(),
    );
    mailbox.send(Command::Run(Box::new(move |r| {
        let dialer = Dialer::new(target);
        let t = Session::add_connecting(r, link2, endpoint2, dialer, pipe, stop2);
        *token2.lock() = Some(t);
    })));
    Ok((
        peer,
        Box::new(ConnectHandle {
            mailbox,
            token,
            stop,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::kind::SocketType;

    #[test]
    fn reconnect_interval_jitters_and_backs_off() {
        let mut o = Options::new(SocketType::Pair);
        o.reconnect_ivl = 100;
        let mut d = Dialer::new(Target::Ipc(IpcAddr::Path("/x".into())));
        for _ in 0..20 {
            let ms = d.next_interval(&o).as_millis();
            assert!((100..200).contains(&ms), "{ms}");
        }
        o.reconnect_ivl_max = 350;
        let got: Vec<u128> = (0..5).map(|_| d.next_interval(&o).as_millis()).collect();
        // 100, 200, 350, 350, 350 plus up to 99 of jitter each.
        for (ms, base) in got.iter().zip([100, 200, 350, 350, 350]) {
            assert!((base..base + 100).contains(ms), "{got:?}");
        }
        d.connected();
        assert!(d.next_interval(&o).as_millis() < 200);
    }

    #[test]
    fn connect_checks_syntax_synchronously() {
        let ctx = Context::new();
        let s =
            crate::socket::base::Socket::new(&ctx, crate::socket::kind::SocketType::Pair).unwrap();
        assert_eq!(s.connect("tcp://127.0.0.1"), Err(Error::Inval));
        // libzmq accepts an empty host here and fails later, in the I/O thread.
        s.connect("tcp://:5555").unwrap();
        let long = format!("ipc:///{}", "x".repeat(200));
        assert_eq!(s.connect(&long), Err(Error::Os(libc::ENAMETOOLONG)));
        s.connect("tcp://localhost:5555").unwrap();
        s.close();
        ctx.terminate();
    }
}
