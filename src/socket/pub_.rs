//! PUB: XPUB that shows nothing to the application (libzmq's `pub_t`).
//!
//! Subscriptions from the pipes still drive the matching; anything else a peer sends is
//! read and dropped. `recv` is `ENOTSUP`.

#![forbid(unsafe_code)]

use std::ffi::c_int;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::options::{Applied, Options};
use crate::socket::pipes::{PipeId, Pipes};
use crate::socket::xpub::XPub;

/// The PUB socket type.
#[derive(Debug)]
pub struct Pub(XPub);

impl Default for Pub {
    fn default() -> Pub {
        Pub(XPub::new(true))
    }
}

impl Routing for Pub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        // Nobody reads what a PUB's pipe carries towards it, so termination need not wait
        // for it to be delivered.
        if let Some(pipe) = pipes.pipe(id) {
            pipe.set_nodelay();
        }
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

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, options: &Options) -> Result<()> {
        self.0.send(pipes, msg, options)
    }

    fn recv(&mut self, _pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        Err(Error::NotSup)
    }

    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.0.has_out(pipes)
    }

    fn apply(&mut self, pipes: &mut Pipes, applied: Applied) -> Result<()> {
        self.0.apply(pipes, applied)
    }

    fn topics_count(&self) -> c_int {
        self.0.topics_count()
    }

    fn configure(&mut self, options: &Options) {
        self.0.configure(options);
    }
}
