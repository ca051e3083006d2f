//! Socket monitors (`zmq_socket_monitor`, draft `zmq_socket_monitor_versioned`): events about
//! a socket's connections, published on an internal socket bound to an inproc endpoint.
//!
//! Events are raised by the socket (bind) and by its sessions in the I/O threads, so the
//! monitor sits behind a mutex shared with them ([`Monitor`] is cheap to clone). An event
//! that the monitor socket cannot take at once is dropped, as in libzmq.
//!
//! Formats: version 1 is two frames, 6 bytes (u16 event, u32 value, host byte order) then
//! the endpoint; version 2 is the u64 event, the u64 count of values, each value as a u64,
//! then the local and the remote endpoint.

use std::ffi::c_int;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::consts::{
    ZMQ_DONTWAIT, ZMQ_EVENT_ALL_V1, ZMQ_EVENT_ALL_V2, ZMQ_EVENT_MONITOR_STOPPED, ZMQ_LINGER,
    ZMQ_PAIR, ZMQ_PUB, ZMQ_PUSH, ZMQ_SNDMORE,
};
use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Socket;
use crate::socket::kind::SocketType;
use crate::transport::{self, Protocol};

struct Sink {
    socket: Socket,
    events: u64,
    version: c_int,
}

/// A socket's monitor, shared with its sessions.
#[derive(Clone, Default)]
pub struct Monitor {
    sink: Arc<Mutex<Option<Sink>>>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor").finish_non_exhaustive()
    }
}

impl Monitor {
    /// Starts monitoring `events` on `endpoint` (an inproc endpoint), stopping any earlier
    /// monitor first; `endpoint` None just stops.
    pub fn start(
        &self,
        ctx: &Context,
        endpoint: Option<&str>,
        events: u64,
        version: c_int,
        kind: c_int,
    ) -> Result<()> {
        let Some(endpoint) = endpoint else {
            self.stop();
            return Ok(());
        };
        let (protocol, _) = transport::parse_endpoint(endpoint)?;
        if protocol != Protocol::Inproc {
            return Err(Error::ProtoNoSupport);
        }
        let all = if version == 1 {
            ZMQ_EVENT_ALL_V1
        } else {
            ZMQ_EVENT_ALL_V2
        };
        if !(1..=2).contains(&version) || events & !(all as u64) != 0 {
            return Err(Error::Inval);
        }
        let ty = match kind {
            ZMQ_PAIR | ZMQ_PUB | ZMQ_PUSH => SocketType::from_raw(kind).ok_or(Error::Inval)?,
            _ => return Err(Error::Inval),
        };
        self.stop();
        let socket = Socket::new(ctx, ty)?;
        socket.set_option(ZMQ_LINGER, Some(&0i32.to_ne_bytes()))?;
        if let Err(e) = socket.bind(endpoint) {
            socket.close();
            return Err(e);
        }
        *self.sink.lock() = Some(Sink {
            socket,
            events,
            version,
        });
        Ok(())
    }

    /// Stops monitoring, sending `MONITOR_STOPPED` first if it was asked for.
    pub fn stop(&self) {
        let sink = {
            let mut guard = self.sink.lock();
            if let Some(s) = guard.as_ref() {
                if s.events & ZMQ_EVENT_MONITOR_STOPPED as u64 != 0 {
                    send(s, ZMQ_EVENT_MONITOR_STOPPED as u64, &[0], "", "");
                }
            }
            guard.take()
        };
        if let Some(s) = sink {
            s.socket.close();
        }
    }

    /// Whether anything is monitored.
    pub fn is_active(&self) -> bool {
        self.sink.lock().is_some()
    }

    /// Raises `event` (a `ZMQ_EVENT_*` bit) with one value for `endpoint` (version 1's
    /// endpoint is the local one; version 2 also carries the remote one).
    pub fn event(&self, event: c_int, value: u64, local: &str, remote: &str) {
        self.event_at(event, &[value], local, remote, local);
    }

    /// Raises `event` with any number of values (version 2 carries them all; version 1
    /// only the first) for a bound endpoint's address pair.
    pub fn event_values(&self, event: c_int, values: &[u64], local: &str, remote: &str) {
        self.event_at(event, values, local, remote, local);
    }

    /// Raises `event` with the address pair version 2 gives and the one endpoint version 1
    /// gives (libzmq's `identifier`: the local address of a bound pair, the remote one of
    /// a connected pair).
    pub fn event_at(
        &self,
        event: c_int,
        values: &[u64],
        local: &str,
        remote: &str,
        endpoint: &str,
    ) {
        let guard = self.sink.lock();
        if let Some(s) = guard.as_ref() {
            if s.events & event as u64 != 0 {
                let local = if s.version == 1 { endpoint } else { local };
                send(s, event as u64, values, local, remote);
            }
        }
    }

    /// Whether `event` is monitored now.
    pub fn wants(&self, event: c_int) -> bool {
        self.sink
            .lock()
            .as_ref()
            .is_some_and(|s| s.events & event as u64 != 0)
    }
}

fn send(sink: &Sink, event: u64, values: &[u64], local: &str, remote: &str) {
    let mut frames: Vec<Vec<u8>> = Vec::new();
    if sink.version == 1 {
        let mut head = Vec::with_capacity(6);
        head.extend_from_slice(&(event as u16).to_ne_bytes());
        head.extend_from_slice(&(values.first().copied().unwrap_or(0) as u32).to_ne_bytes());
        frames.push(head);
        frames.push(local.as_bytes().to_vec());
    } else {
        frames.push(event.to_ne_bytes().to_vec());
        frames.push((values.len() as u64).to_ne_bytes().to_vec());
        frames.extend(values.iter().map(|v| v.to_ne_bytes().to_vec()));
        frames.push(local.as_bytes().to_vec());
        frames.push(remote.as_bytes().to_vec());
    }
    let last = frames.len() - 1;
    for (i, f) in frames.into_iter().enumerate() {
        let Ok(mut msg) = Msg::copy_from_slice(&f) else {
            return;
        };
        let flags = ZMQ_DONTWAIT | if i < last { ZMQ_SNDMORE } else { 0 };
        if sink.socket.send(&mut msg, flags).is_err() {
            // Dropped, as libzmq drops events the monitor cannot take.
            return;
        }
    }
}
