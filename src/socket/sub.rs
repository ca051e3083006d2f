//! SUB: XSUB driven by `ZMQ_SUBSCRIBE`/`ZMQ_UNSUBSCRIBE` instead of messages (libzmq's
//! `sub_t`), and filtering what it receives.
//!
//! `ZMQ_SUBSCRIBE` sends `01`+topic to every publisher each time, duplicates included;
//! `ZMQ_UNSUBSCRIBE` sends `00`+topic when the topic's count reaches zero. `send` is
//! `ENOTSUP`.

#![forbid(unsafe_code)]

use std::ffi::c_int;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::options::{Applied, Options};
use crate::socket::pipes::{PipeId, Pipes};
use crate::socket::xsub::XSub;

/// The SUB socket type.
#[derive(Debug)]
pub struct Sub(XSub);

impl Default for Sub {
    fn default() -> Sub {
        Sub(XSub::new(true))
    }
}

impl Routing for Sub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.0.attach(pipes, id);
    }

    fn detach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.0.detach(pipes, id);
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.0.read_activated(pipes, id);
    }

    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.0.write_activated(pipes, id);
    }

    fn hiccuped(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.0.hiccuped(pipes, id);
    }

    fn send(&mut self, _pipes: &mut Pipes, _msg: &mut Msg, _options: &Options) -> Result<()> {
        Err(Error::NotSup)
    }

    fn recv(&mut self, pipes: &mut Pipes, options: &Options) -> Result<Msg> {
        self.0.recv(pipes, options)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.0.has_in(pipes)
    }

    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }

    fn apply(&mut self, pipes: &mut Pipes, applied: Applied) -> Result<()> {
        let (flag, topic) = match applied {
            Applied::Subscribe(topic) => (1, topic),
            Applied::Unsubscribe(topic) => (0, topic),
            Applied::Stored => return Ok(()),
        };
        let mut body = Vec::with_capacity(topic.len() + 1);
        body.push(flag);
        body.extend_from_slice(&topic);
        let mut msg = Msg::from_bytes(body.into());
        self.0.send_part(pipes, &mut msg);
        Ok(())
    }

    fn topics_count(&self) -> c_int {
        self.0.topics_count()
    }

    fn configure(&mut self, options: &Options) {
        self.0.configure(options);
    }
}
