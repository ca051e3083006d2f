//! Fair queueing over a socket's pipes (libzmq's `fq_t`), for PULL, DEALER, REQ, ROUTER and
//! REP.
//!
//! The pipes are kept in one list whose first `active` entries may have messages. Messages
//! are taken from the pipe at `current`, one whole message at a time, then `current` moves
//! on; a pipe found empty is moved out of the active part until it reports
//! [`FairQueue::activated`].

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::pipes::{PipeId, Pipes};

/// Round robin over the pipes that have messages.
#[derive(Debug, Default)]
pub struct FairQueue {
    pipes: Vec<PipeId>,
    /// The pipes at `0..active` may have messages.
    active: usize,
    /// Where the next message comes from.
    current: usize,
    /// A multipart message is being read from `pipes[current]`.
    more: bool,
}

impl FairQueue {
    /// Adds a pipe, readable.
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    /// Forgets a terminated pipe.
    pub fn pipe_terminated(&mut self, id: PipeId) {
        let Some(mut index) = self.index(id) else {
            return;
        };
        if index < self.active {
            if index == self.current {
                // A pipe only ends after its last complete message was read.
                self.more = false;
            }
            self.active -= 1;
            self.pipes.swap(index, self.active);
            index = self.active;
            if self.current == self.active {
                self.current = 0;
            }
        }
        self.pipes.swap_remove(index);
    }

    /// A pipe that had run dry has messages again.
    pub fn activated(&mut self, id: PipeId) {
        if let Some(index) = self.index(id) {
            if index >= self.active {
                self.pipes.swap(index, self.active);
                self.active += 1;
            }
        }
    }

    /// The next message part and the pipe it came from; `Again` when none is waiting.
    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        while self.active > 0 {
            let id = self.pipes[self.current];
            if let Some(msg) = pipes.pipe(id).and_then(|p| p.read()) {
                self.more = msg.more();
                if !self.more {
                    // libzmq's `(current + 1) % active`, without a division per message.
                    self.current += 1;
                    if self.current >= self.active {
                        self.current = 0;
                    }
                }
                return Ok((msg, id));
            }
            // The rest of a multipart message is always there once its first part was;
            // only a vanished pipe can break that.
            self.more = false;
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        Err(Error::Again)
    }

    /// Whether a message part can be read now.
    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            let id = self.pipes[self.current];
            if pipes.pipe(id).is_some_and(|p| p.check_read()) {
                return true;
            }
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        false
    }

    fn index(&self, id: PipeId) -> Option<usize> {
        self.pipes.iter().position(|&p| p == id)
    }
}
