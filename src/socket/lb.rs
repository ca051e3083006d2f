//! Load balancing over a socket's pipes (libzmq's `lb_t`), for PUSH, DEALER and REQ.
//!
//! The pipes are kept in one list whose first `active` entries may take messages. A message
//! goes to the pipe at `current`; a pipe that refuses a message (HWM reached, terminating)
//! is moved out of the active part until it reports [`LoadBalancer::activated`]. A multipart
//! message goes whole to one pipe, and the next message goes to the next active pipe.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::pipes::{PipeId, Pipes};

/// Round robin over the pipes that can take a message.
#[derive(Debug, Default)]
pub struct LoadBalancer {
    pipes: Vec<PipeId>,
    /// The pipes at `0..active` are writable (as far as we know).
    active: usize,
    /// Where the next message goes.
    current: usize,
    /// A multipart message is under way on `pipes[current]`.
    more: bool,
    /// The pipe of an unfinished multipart message went away: drop the rest of it.
    dropping: bool,
}

impl LoadBalancer {
    /// Adds a pipe, writable.
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        self.activated(id);
    }

    /// Forgets a terminated pipe. If it was taking a multipart message, the rest of that
    /// message is dropped (it can never be completed).
    pub fn pipe_terminated(&mut self, id: PipeId) {
        let Some(index) = self.index(id) else {
            return;
        };
        if index == self.current && self.more {
            self.dropping = true;
        }
        let mut index = index;
        if index < self.active {
            self.active -= 1;
            self.pipes.swap(index, self.active);
            index = self.active;
            if self.current == self.active {
                self.current = 0;
            }
        }
        self.pipes.swap_remove(index);
    }

    /// A pipe that had been full can take messages again.
    pub fn activated(&mut self, id: PipeId) {
        if let Some(index) = self.index(id) {
            if index >= self.active {
                self.pipes.swap(index, self.active);
                self.active += 1;
            }
        }
    }

    /// Sends one part; returns the pipe it went to, or `None` when it was dropped (the rest
    /// of a message whose pipe died). `Again` when no pipe can take a new message.
    ///
    /// libzmq returns `EAGAIN` to a non-blocking caller for the part whose pipe died during
    /// the write, and drops it silently for a blocking one; here it is always dropped.
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeId>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            *msg = Msg::new();
            return Ok(None);
        }
        let more = msg.more();
        while self.active > 0 {
            let id = self.pipes[self.current];
            if let Some(pipe) = pipes.pipe(id) {
                match pipe.write(std::mem::take(msg)) {
                    Ok(()) => {
                        self.more = more;
                        if !more {
                            pipe.flush();
                            self.current += 1;
                            if self.current >= self.active {
                                self.current = 0;
                            }
                        }
                        return Ok(Some(id));
                    }
                    Err(back) => {
                        *msg = back;
                        if self.more {
                            // The pipe is going away in the middle of a message: the parts
                            // already written cannot be delivered, nor can the rest.
                            pipe.rollback();
                        }
                    }
                }
            }
            if self.more {
                self.dropping = more;
                self.more = false;
                *msg = Msg::new();
                return Ok(None);
            }
            self.active -= 1;
            if self.current < self.active {
                self.pipes.swap(self.current, self.active);
            } else {
                self.current = 0;
            }
        }
        Err(Error::Again)
    }

    /// Whether a message part can be sent now.
    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            let id = self.pipes[self.current];
            if pipes.pipe(id).is_some_and(|p| p.check_write()) {
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
