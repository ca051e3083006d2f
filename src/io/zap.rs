//! The session's side of ZAP (RFC 27; protocol.md section 5): the pipe to the handler
//! bound at `inproc://zeromq.zap.01` in the same context (libzmq's
//! `session_base_t::zap_connect` and the reading half of `zap_client_t`).
//!
//! The connection builds the request and checks the reply (`zmtp::zap`); this module only
//! carries them. Each session that needs ZAP opens its own pipe to the handler socket,
//! without HWM, writes the request REQ-style (an empty delimiter first, so a REP handler
//! sees just the request and a ROUTER handler an extra routing-id frame), and collects the
//! frames of the one reply message.

#![forbid(unsafe_code)]

use bytes::Bytes;
use mio::Token;

use crate::io::reactor::Command;
use crate::io::session::IoMailbox;
use crate::msg::{self, Msg};
use crate::pipe::{Pipe, PipeCommand, PipeEvent, Wake};
use crate::socket::base::{SocketCommand, SocketLink, SocketWake};
use crate::socket::pipes::{Peer, PipeKey};
use crate::transport::inproc;
use crate::zmtp::ZapRequest;

/// The inproc name ZAP handlers bind (`inproc://zeromq.zap.01`).
pub const ZAP_ENDPOINT: &str = "zeromq.zap.01";

/// Delivers the handler's pipe commands to the session, tagged with the ZAP pipe's key.
struct ZapWake {
    mailbox: IoMailbox,
    token: Token,
    key: u64,
}

impl Wake<Msg> for ZapWake {
    fn wake(&self, cmd: PipeCommand<Msg>) {
        self.mailbox.send(Command::Pipe(self.token, self.key, cmd));
    }
}

/// What a pipe command on the ZAP pipe brought.
#[derive(Debug)]
pub enum ZapInput {
    /// Nothing to act on yet.
    Nothing,
    /// The frames of the handler's reply, delimiter first.
    Reply(Vec<Bytes>),
    /// The handler socket closed the pipe: no reply will come.
    Gone,
}

/// A session's pipe to the ZAP handler.
pub struct ZapPipe {
    pipe: Pipe<Msg>,
    key: u64,
    /// The parts of the reply read so far.
    reply: Vec<Bytes>,
    /// The pipe's termination completed: nothing more will come for it.
    terminated: bool,
}

impl std::fmt::Debug for ZapPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZapPipe")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ZapPipe {
    /// Connects to the handler of `link`'s context and sends `request`; `None` when no
    /// handler is bound (the caller then tells the connection ZAP is unavailable).
    /// Commands for the session's end come to `token` on `mailbox`.
    pub fn open(
        link: &SocketLink,
        mailbox: IoMailbox,
        token: Token,
        request: &ZapRequest,
    ) -> Option<ZapPipe> {
        let handler = inproc::bound(&link.ctx, ZAP_ENDPOINT)?;
        let key = PipeKey::fresh().0;
        let handler_key = PipeKey::fresh();
        // libzmq's ZAP pipe has no HWM in either direction.
        let (mut pipe, theirs) = Pipe::pair(
            0,
            0,
            Box::new(ZapWake {
                mailbox,
                token,
                key,
            }),
            SocketWake::new(handler.mailbox.clone(), handler_key),
        );
        // The session's end answers the handler's termination at once, dropping what it
        // did not read (libzmq's `set_nodelay` on the ZAP pipe).
        pipe.set_nodelay();
        if inproc::wants_routing_id(handler.options.socket_type) {
            // As libzmq's session: an empty routing id, so a ROUTER makes one up.
            let mut id = Msg::new();
            id.set_flags(msg::ROUTING_ID);
            let _ = pipe.write(id);
        }
        let last = request.frames.len().saturating_sub(1);
        for (i, frame) in request.frames.iter().enumerate() {
            let mut m = Msg::from_bytes(frame.clone());
            m.set_more(i < last);
            // No HWM: the write cannot be refused.
            let _ = pipe.write(m);
        }
        pipe.flush();
        // Finding the inbound queue empty puts the end to sleep, so the handler's reply
        // wakes the session.
        pipe.check_read();
        handler.mailbox.send(SocketCommand::Attach(Box::new(Peer {
            pipe: theirs,
            key: handler_key,
            routing_id: None,
            endpoint: None,
            locally_initiated: false,
            addresses: Default::default(),
        })));
        Some(ZapPipe {
            pipe,
            key,
            reply: Vec::new(),
            terminated: false,
        })
    }

    /// The key of this pipe's commands.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Applies a command from the handler's end and reads what arrived.
    pub fn process_command(&mut self, cmd: PipeCommand<Msg>) -> ZapInput {
        if self.pipe.process_command(cmd) == Some(PipeEvent::Terminated) {
            self.terminated = true;
            return ZapInput::Gone;
        }
        while let Some(mut m) = self.pipe.read() {
            let more = m.more();
            self.reply.push(m.take_bytes());
            if !more {
                return ZapInput::Reply(std::mem::take(&mut self.reply));
            }
        }
        if self.pipe.is_terminating() {
            // The handler closed its end; reading the delimiter (above) let the pipe
            // acknowledge, and the acknowledgement's answer ends it.
            return ZapInput::Gone;
        }
        ZapInput::Nothing
    }

    /// Starts ending the pipe; returns its key and end, which the session keeps with its
    /// other dying pipes until the termination completes (`None` if it already has).
    pub fn close(mut self) -> Option<(u64, Pipe<Msg>)> {
        if self.terminated {
            return None;
        }
        self.pipe.terminate(false);
        Some((self.key, self.pipe))
    }
}
