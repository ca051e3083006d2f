//! An I/O thread: a mio reactor that runs handlers (listeners, connecters, engines) and their
//! timers, and takes commands from other threads through a [`Mailbox`].
//!
//! Replaces libzmq's `io_thread.cpp` + `epoll.cpp` + `poller_base.cpp` (timers). A handler is
//! registered under a [`Token`]; the reactor calls it for readiness events, for its timers,
//! and when another thread activates it (e.g. a pipe it reads from got messages). While a
//! handler runs it is taken out of the table, so it can use the [`Reactor`] freely: register
//! sources, add timers, add or remove other handlers. A panic inside a handler is caught and
//! drops only that handler, never the thread.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Token, Waker};

use crate::error::{Error, Result};
use crate::io::mailbox::{Mailbox, Notify};
use crate::msg::Msg;
use crate::pipe::PipeCommand;

/// The token of the reactor's own waker.
const WAKER: Token = Token(usize::MAX);

/// Something that lives in an I/O thread.
pub trait Handler: Send {
    /// A readiness event for a source registered under this handler's token.
    fn ready(&mut self, reactor: &mut Reactor, event: &mio::event::Event);
    /// Another thread activated this handler ([`IoThread::activate`]). Activations can be
    /// spurious (a token is reused after its handler is removed): re-check state.
    fn activated(&mut self, _reactor: &mut Reactor) {}
    /// Timer `id` (from [`Reactor::add_timer`]) expired.
    fn timer(&mut self, _reactor: &mut Reactor, _id: u64) {}
    /// A command for a pipe end this handler owns, tagged with the `key` the handler chose
    /// when it made the pipe (tokens are reused, so a handler ignores keys it does not own).
    fn pipe_command(&mut self, _reactor: &mut Reactor, _key: u64, _cmd: PipeCommand<Msg>) {}
    /// The reactor is shutting down, or the handler is being removed: release resources.
    fn stop(&mut self, _reactor: &mut Reactor) {}
}

/// A command to an I/O thread.
pub enum Command {
    /// Run a closure on the I/O thread (e.g. to add a handler).
    Run(Box<dyn FnOnce(&mut Reactor) + Send>),
    /// Call `activated` on the handler at this token.
    Activate(Token),
    /// Call `pipe_command` on the handler at this token.
    Pipe(Token, u64, PipeCommand<Msg>),
    /// Stop every handler and end the thread.
    Stop,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Run(_) => f.write_str("Run"),
            Command::Activate(t) => write!(f, "Activate({t:?})"),
            Command::Pipe(t, key, cmd) => write!(f, "Pipe({t:?}, {key}, {cmd:?})"),
            Command::Stop => f.write_str("Stop"),
        }
    }
}

/// Wakes a reactor blocked in `poll`.
#[derive(Debug)]
pub struct WakerNotify(Waker);

impl Notify for WakerNotify {
    fn notify(&self) {
        // A failed wake (the reactor's fd is gone) means the thread is exiting.
        let _ = self.0.wake();
    }
}

/// A running I/O thread, as seen from other threads.
#[derive(Debug)]
pub struct IoThread {
    mailbox: Arc<Mailbox<Command, WakerNotify>>,
    thread: Option<JoinHandle<()>>,
}

impl IoThread {
    /// Starts an I/O thread named `name`.
    ///
    /// # Errors
    /// When the OS cannot create the poller or the thread.
    pub fn start(name: String) -> Result<IoThread> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        let mailbox = Arc::new(Mailbox::new(WakerNotify(waker)));
        let mut reactor = Reactor {
            poll,
            handlers: Vec::new(),
            free: Vec::new(),
            timers: BinaryHeap::new(),
            next_timer_id: 0,
            mailbox: mailbox.clone(),
            stopping: false,
        };
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || reactor.run())
            .map_err(|_| Error::NoMem)?;
        Ok(IoThread {
            mailbox,
            thread: Some(thread),
        })
    }

    /// Sends a command to the thread.
    pub fn send(&self, cmd: Command) {
        self.mailbox.send(cmd);
    }

    /// Runs `f` on the thread.
    pub fn run(&self, f: impl FnOnce(&mut Reactor) + Send + 'static) {
        self.send(Command::Run(Box::new(f)));
    }

    /// Calls `activated` on the handler at `token`.
    pub fn activate(&self, token: Token) {
        self.send(Command::Activate(token));
    }

    /// A handle other threads can use to send commands to this thread.
    pub fn mailbox(&self) -> Arc<Mailbox<Command, WakerNotify>> {
        self.mailbox.clone()
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        self.mailbox.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            // The thread itself can hold the last reference to its context (a closed
            // socket reaped there): it ends on the Stop just sent, unjoined.
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

/// The reactor state, owned by the I/O thread and lent to handlers.
pub struct Reactor {
    poll: Poll,
    handlers: Vec<Slot>,
    free: Vec<usize>,
    timers: BinaryHeap<Reverse<(Instant, usize, u64)>>,
    next_timer_id: u64,
    mailbox: Arc<Mailbox<Command, WakerNotify>>,
    stopping: bool,
}

enum Slot {
    Empty,
    /// The handler is running (taken out of the table).
    Busy,
    Live(Box<dyn Handler>),
}

impl Reactor {
    /// The registry to register sources with, under a handler's token.
    pub fn registry(&self) -> &mio::Registry {
        self.poll.registry()
    }

    /// Adds a handler; its token is passed to `make` so it can register its sources.
    pub fn add(&mut self, make: impl FnOnce(&mut Reactor, Token) -> Box<dyn Handler>) -> Token {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.handlers.push(Slot::Empty);
                self.handlers.len() - 1
            }
        };
        self.handlers[idx] = Slot::Busy;
        let h = make(self, Token(idx));
        self.handlers[idx] = Slot::Live(h);
        Token(idx)
    }

    /// Removes the handler at `token` (calling its `stop`). Removing the handler that is
    /// running right now is allowed: it is dropped when it returns.
    pub fn remove(&mut self, token: Token) {
        let Some(slot) = self.handlers.get_mut(token.0) else {
            return;
        };
        match std::mem::replace(slot, Slot::Empty) {
            Slot::Live(mut h) => {
                h.stop(self);
                self.free.push(token.0);
            }
            Slot::Busy => {} // finished in `dispatch`
            Slot::Empty => {}
        }
    }

    /// Arms a one-shot timer for the handler at `token`, firing after `after`; returns its
    /// id, unique in this reactor. There is no cancel: a handler ignores ids it no longer
    /// waits for (tokens are reused, so a stale timer can reach a newer handler too).
    pub fn add_timer(&mut self, token: Token, after: Duration) -> u64 {
        self.next_timer_id += 1;
        self.timers.push(Reverse((
            Instant::now() + after,
            token.0,
            self.next_timer_id,
        )));
        self.next_timer_id
    }

    /// A mailbox handle for this thread (to give to pipes that must wake a handler).
    pub fn mailbox(&self) -> Arc<Mailbox<Command, WakerNotify>> {
        self.mailbox.clone()
    }

    fn run(&mut self) {
        let mut events = Events::with_capacity(256);
        while !self.stopping {
            let timeout = self.fire_timers();
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                break;
            }
            // Commands first: what an application thread asked before this wake-up (a
            // close, say) is settled before the readiness that arrived with it, so a
            // socket closed as its peer hung up ends without reporting the hang-up.
            self.run_commands();
            for event in events.iter() {
                if event.token() == WAKER {
                    continue;
                }
                let ev = event.clone();
                self.dispatch(event.token(), |h, r| h.ready(r, &ev));
            }
            self.run_commands();
        }
        for idx in 0..self.handlers.len() {
            self.remove(Token(idx));
        }
    }

    /// Runs the commands waiting in the mailbox.
    fn run_commands(&mut self) {
        while let Some(cmd) = self.mailbox.try_recv() {
            match cmd {
                Command::Run(f) => {
                    if catch_unwind(AssertUnwindSafe(|| f(self))).is_err() {
                        eprintln!("libzmq-rs: internal error (a panic) in an I/O thread command");
                    }
                }
                Command::Activate(token) => self.dispatch(token, |h, r| h.activated(r)),
                Command::Pipe(token, key, cmd) => {
                    self.dispatch(token, |h, r| h.pipe_command(r, key, cmd));
                }
                Command::Stop => self.stopping = true,
            }
        }
    }

    /// Fires due timers; returns how long poll may sleep.
    fn fire_timers(&mut self) -> Option<Duration> {
        loop {
            let &Reverse((at, idx, id)) = self.timers.peek()?;
            let now = Instant::now();
            if at > now {
                return Some(at - now);
            }
            self.timers.pop();
            self.dispatch(Token(idx), |h, r| h.timer(r, id));
        }
    }

    /// Takes the handler out, runs `f` on it, and puts it back unless it was removed. A
    /// panic drops the handler (after `stop`) and nothing else.
    fn dispatch(&mut self, token: Token, f: impl FnOnce(&mut dyn Handler, &mut Reactor)) {
        let Some(slot) = self.handlers.get_mut(token.0) else {
            return;
        };
        let mut h = match std::mem::replace(slot, Slot::Busy) {
            Slot::Live(h) => h,
            other => {
                *slot = other;
                return;
            }
        };
        let ok = catch_unwind(AssertUnwindSafe(|| f(h.as_mut(), self))).is_ok();
        if !ok {
            eprintln!("libzmq-rs: internal error (a panic) in an I/O handler; it was dropped");
        }
        let slot = &mut self.handlers[token.0];
        if ok && matches!(slot, Slot::Busy) {
            *slot = Slot::Live(h);
        } else {
            // Removed while running, or panicked: finish it now.
            *slot = Slot::Empty;
            if !ok {
                let _ = catch_unwind(AssertUnwindSafe(|| h.stop(self)));
            }
            self.free.push(token.0);
        }
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("handlers", &self.handlers.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    struct Probe {
        tx: mpsc::Sender<&'static str>,
        panics: bool,
    }

    impl Handler for Probe {
        fn ready(&mut self, _: &mut Reactor, _: &mio::event::Event) {}
        fn activated(&mut self, _: &mut Reactor) {
            if self.panics {
                panic!("handler bug");
            }
            let _ = self.tx.send("activated");
        }
        fn timer(&mut self, _: &mut Reactor, id: u64) {
            let _ = self.tx.send(if id == 1 { "timer1" } else { "timer?" });
        }
        fn stop(&mut self, _: &mut Reactor) {
            let _ = self.tx.send("stop");
        }
    }

    #[test]
    fn commands_timers_activation_and_panic_isolation() {
        let io = IoThread::start("test-io".into()).unwrap();
        let (tx, rx) = mpsc::channel();
        let (ttx, trx) = mpsc::channel();
        let tx2 = tx.clone();
        io.run(move |r| {
            let t = r.add(|_, _| {
                Box::new(Probe {
                    tx: tx2,
                    panics: false,
                })
            });
            assert_eq!(r.add_timer(t, Duration::from_millis(20)), 1);
            assert_eq!(r.add_timer(t, Duration::from_secs(3600)), 2);
            let _ = ttx.send(t);
        });
        let token = trx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "timer1");
        io.activate(token);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            "activated"
        );

        // A panicking handler is stopped and dropped; the thread carries on.
        let (ttx, trx) = mpsc::channel();
        let tx3 = tx.clone();
        io.run(move |r| {
            let _ = ttx.send(r.add(|_, _| {
                Box::new(Probe {
                    tx: tx3,
                    panics: true,
                })
            }));
        });
        let bad = trx.recv_timeout(Duration::from_secs(5)).unwrap();
        io.activate(bad);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "stop");
        io.activate(token);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            "activated"
        );
        drop(io);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "stop");
    }
}
