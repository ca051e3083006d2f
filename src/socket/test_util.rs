//! Helpers for the socket-type tests: sockets with timeouts, multipart send and receive.

use std::ffi::c_int;

use crate::consts::*;
use crate::ctx::Context;
use crate::error::Result;
use crate::msg::Msg;
use crate::socket::base::Socket;
use crate::socket::kind::SocketType;

/// A socket whose blocking calls give up after 2 s, with linger 0.
pub fn socket(ctx: &Context, ty: SocketType) -> Socket {
    let s = Socket::new(ctx, ty).unwrap();
    set_int(&s, ZMQ_RCVTIMEO, 2000);
    set_int(&s, ZMQ_SNDTIMEO, 2000);
    set_int(&s, ZMQ_LINGER, 0);
    s
}

/// Sets an int option.
pub fn set_int(s: &Socket, option: c_int, value: c_int) {
    s.set_option(option, Some(&value.to_ne_bytes())).unwrap();
}

/// Sets a bytes option.
pub fn set_bytes(s: &Socket, option: c_int, value: &[u8]) {
    s.set_option(option, Some(value)).unwrap();
}

/// Sends one part with `flags`.
pub fn send_part(s: &Socket, data: &[u8], flags: c_int) -> Result<()> {
    let mut msg = Msg::copy_from_slice(data).unwrap();
    s.send(&mut msg, flags)
}

/// Sends a whole message (blocking, with the socket's timeout).
pub fn send(s: &Socket, parts: &[&[u8]]) {
    for (i, part) in parts.iter().enumerate() {
        let flags = if i + 1 < parts.len() { ZMQ_SNDMORE } else { 0 };
        send_part(s, part, flags).unwrap();
    }
}

/// Receives a whole message (blocking, with the socket's timeout).
pub fn recv(s: &Socket) -> Vec<Vec<u8>> {
    recv_flags(s, 0).unwrap()
}

/// Receives a whole message with `flags` on its first part.
pub fn recv_flags(s: &Socket, flags: c_int) -> Result<Vec<Vec<u8>>> {
    let mut msg = s.recv(flags)?;
    let mut parts = vec![msg.data().to_vec()];
    while msg.more() {
        msg = s.recv(0)?;
        parts.push(msg.data().to_vec());
    }
    Ok(parts)
}

/// The parts of a message as byte vectors.
pub fn parts(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// Closes the sockets and ends the context.
pub fn finish(ctx: Context, sockets: Vec<Socket>) {
    for s in sockets {
        s.close();
    }
    ctx.terminate();
}
