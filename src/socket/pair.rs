//! PAIR: one peer at a time; later pipes are refused (terminated at once).

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::base::Routing;
use crate::socket::options::Options;
use crate::socket::pipes::{PipeId, Pipes};

/// The PAIR socket type.
#[derive(Debug, Default)]
pub struct Pair {
    pipe: Option<PipeId>,
}

impl Routing for Pair {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.pipe.is_none() {
            self.pipe = Some(id);
        } else if let Some(p) = pipes.pipe(id) {
            p.terminate(false);
        }
    }

    fn detach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        if self.pipe == Some(id) {
            self.pipe = None;
        }
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, _options: &Options) -> Result<()> {
        let pipe = self
            .pipe
            .and_then(|id| pipes.pipe(id))
            .ok_or(Error::Again)?;
        if !pipe.check_write() {
            return Err(Error::Again);
        }
        let more = msg.more();
        if let Err(back) = pipe.write(std::mem::take(msg)) {
            *msg = back;
            return Err(Error::Again);
        }
        if !more {
            pipe.flush();
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes, _options: &Options) -> Result<Msg> {
        let pipe = self
            .pipe
            .and_then(|id| pipes.pipe(id))
            .ok_or(Error::Again)?;
        pipe.read().ok_or(Error::Again)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe
            .and_then(|id| pipes.pipe(id))
            .is_some_and(|p| p.check_read())
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe
            .and_then(|id| pipes.pipe(id))
            .is_some_and(|p| p.check_write())
    }
}
