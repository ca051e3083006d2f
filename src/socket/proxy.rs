//! `zmq_proxy` and `zmq_proxy_steerable`: forward messages between two sockets, optionally
//! copying each part to a capture socket and obeying a control socket.
//!
//! Control commands are single-frame strings: `PAUSE`, `RESUME`, `TERMINATE` and
//! `STATISTICS` (eight frames of native-endian u64: frontend received count and bytes, sent
//! count and bytes, then the same for the backend; counts are of whole messages, bytes of
//! all parts, as libzmq 4.3.4 reports them). Other commands are ignored. A REP control
//! socket gets an empty reply to every command but STATISTICS, so its request-reply cycle
//! goes on; other types get no reply (libzmq master's behaviour, which the 4.3.5 tests also
//! accept; 4.3.4 never replied and 4.3.5 replied whatever the type).

use std::ffi::c_int;

use crate::consts::{ZMQ_DONTWAIT, ZMQ_POLLIN, ZMQ_REP, ZMQ_SNDMORE, ZMQ_TYPE};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Socket;

/// Messages forwarded in one direction before the other side gets a turn.
const BURST: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Active,
    Paused,
    Terminated,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    count: u64,
    bytes: u64,
}

#[derive(Default)]
struct Stats {
    frontend_recv: Counts,
    frontend_send: Counts,
    backend_recv: Counts,
    backend_send: Counts,
}

/// Runs the proxy until the context ends (`Err(Term)`) or, with a control socket, until it
/// says `TERMINATE` (`Ok`).
pub fn proxy(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: Option<&Socket>,
) -> Result<()> {
    let same = std::ptr::eq(frontend, backend);
    let mut state = State::Active;
    let mut stats = Stats::default();
    loop {
        let mut busy = false;
        if let Some(c) = control {
            if c.events()? & ZMQ_POLLIN != 0 {
                state = handle_control(c, state, &stats)?;
                busy = true;
            }
        }
        if state == State::Terminated {
            return Ok(());
        }
        if state == State::Active {
            if frontend.events()? & ZMQ_POLLIN != 0 {
                let (r, s) = (&mut stats.frontend_recv, &mut stats.backend_send);
                busy |= forward(frontend, backend, capture, r, s)?;
            }
            if !same && backend.events()? & ZMQ_POLLIN != 0 {
                let (r, s) = (&mut stats.backend_recv, &mut stats.frontend_send);
                busy |= forward(backend, frontend, capture, r, s)?;
            }
        }
        if !busy {
            // While paused only the control socket matters.
            let mut watch = if state == State::Paused {
                vec![]
            } else {
                vec![frontend, backend]
            };
            watch.extend(control);
            wait_readable(&watch)?;
        }
    }
}

/// Forwards up to a burst of whole messages; whether anything moved.
fn forward(
    from: &Socket,
    to: &Socket,
    capture: Option<&Socket>,
    recv: &mut Counts,
    sent: &mut Counts,
) -> Result<bool> {
    let mut moved = false;
    for _ in 0..BURST {
        let mut first = true;
        loop {
            let mut msg = match from.recv(ZMQ_DONTWAIT) {
                Ok(m) => m,
                Err(Error::Again) if first => return Ok(moved),
                Err(e) => return Err(e),
            };
            first = false;
            moved = true;
            let more = msg.more();
            let size = msg.len() as u64;
            recv.bytes += size;
            let flags = if more { ZMQ_SNDMORE } else { 0 };
            if let Some(c) = capture {
                let mut copy = msg.copy();
                c.send(&mut copy, flags)?;
            }
            to.send(&mut msg, flags)?;
            sent.bytes += size;
            if !more {
                // Counts are of whole messages, bytes of every part, as libzmq 4.3.4.
                recv.count += 1;
                sent.count += 1;
                break;
            }
        }
    }
    Ok(moved)
}

fn handle_control(control: &Socket, state: State, stats: &Stats) -> Result<State> {
    let msg = match control.recv(ZMQ_DONTWAIT) {
        Ok(m) => m,
        Err(Error::Again) => return Ok(state),
        Err(e) => return Err(e),
    };
    let new_state = match msg.data() {
        b"PAUSE" => State::Paused,
        b"RESUME" => State::Active,
        b"TERMINATE" => State::Terminated,
        b"STATISTICS" => {
            let values = [
                stats.frontend_recv.count,
                stats.frontend_recv.bytes,
                stats.frontend_send.count,
                stats.frontend_send.bytes,
                stats.backend_recv.count,
                stats.backend_recv.bytes,
                stats.backend_send.count,
                stats.backend_send.bytes,
            ];
            for (i, v) in values.iter().enumerate() {
                let mut part = Msg::copy_from_slice(&v.to_ne_bytes())?;
                control.send(&mut part, if i < 7 { ZMQ_SNDMORE } else { 0 })?;
            }
            return Ok(state);
        }
        _ => state,
    };
    let ty = control.get_option(ZMQ_TYPE, std::mem::size_of::<c_int>())?;
    if ty == ZMQ_REP.to_ne_bytes() {
        control.send(&mut Msg::new(), 0)?;
    }
    Ok(new_state)
}

/// Sleeps until one of the sockets may have something to read (its `ZMQ_FD` fires).
fn wait_readable(sockets: &[&Socket]) -> Result<()> {
    let fds: Vec<_> = sockets.iter().map(|s| s.fd()).collect();
    // Check after taking the fds: something may have arrived in between, and reading the
    // events resets each signaller so that it fires only for what comes next.
    for s in sockets {
        if s.events()? & ZMQ_POLLIN != 0 {
            return Ok(());
        }
    }
    crate::io::sys::poll_readable(&fds, -1)?;
    Ok(())
}
