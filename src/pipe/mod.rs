//! Pipes: the message queues between a socket and its sessions (or two inproc sockets).
//!
//! Replaces libzmq's `pipe.cpp`. A pipe pair is two [`Pipe`] ends joined by two lock-free
//! queues ([`ypipe`]), one per direction. Each end is owned by one thread (a socket's
//! application thread, or the I/O thread running a session), which writes to its outbound
//! queue and reads from its inbound one.
//!
//! The ends never block and own no threads. Whenever one end needs the other to act, it sends
//! a [`PipeCommand`] through the peer's [`Wake`], which the peer's owner supplied: typically
//! "queue this command for pipe #id in my mailbox". The owner hands each command it receives
//! back to its end ([`Pipe::process_command`]), which says what changed ([`PipeEvent`]).
//! Commands between the two ends must arrive in the order they were sent.
//!
//! # Flow control (as libzmq)
//! - Messages are counted when complete (the last part written). An end may write while
//!   `msgs_written - peers_msgs_read < hwm`; `hwm == 0` is unlimited. A multipart message
//!   is never split by the HWM: once its first part is in, the rest go in.
//! - The reader reports its progress every `lwm = (hwm + 1) / 2` messages with
//!   [`PipeCommand::ActivateWrite`]; a writer that had hit the HWM becomes writable again.
//! - [`Pipe::flush`] publishes complete messages; if the reader had found its queue empty and
//!   gone to sleep, the flush sends it [`PipeCommand::ActivateRead`]. A burst costs one.
//!
//! # Termination (as libzmq)
//! [`Pipe::terminate`] asks the peer to end. Its outbound queue gets a delimiter after the
//! last complete message, so with `delay` (the default) the peer delivers every message sent
//! before the delimiter, then acknowledges. The ends exchange `Term`/`TermAck` so that each
//! sees [`PipeEvent::Terminated`] exactly once, after which its owner drops it. Both ends may
//! terminate at the same time.
//!
//! # Reconnection (as libzmq)
//! [`Pipe::hiccup`] throws away what the end has not read and hands the peer a fresh queue;
//! the peer sees [`PipeEvent::Hiccuped`] (a SUB/XSUB then resends its subscriptions).
//!
//! # Conflation (as libzmq)
//! A pair made by [`Pipe::pair_conflate`] (`ZMQ_CONFLATE`) carries each direction in a
//! single-item queue ([`dbuffer`]) instead: a write replaces what the reader has not taken,
//! there is no HWM and no progress reporting, and multipart messages are not kept whole.
//! Termination works the same, but the delimiter replaces an unread message too.
//!
//! # HWM changes (as libzmq)
//! The HWMs of a live pipe follow `ZMQ_SNDHWM`/`ZMQ_RCVHWM` set later on either socket:
//! [`Pipe::apply_hwms`] changes this end, [`Pipe::send_hwms_to_peer`] the other one. For an
//! inproc pipe each end also has a "boost", the other socket's HWMs when the pipe was made,
//! which is added to the new values (libzmq's `set_hwms_boost`).

pub mod dbuffer;
pub mod ypipe;

use dbuffer::{ConflateReader, ConflateWriter};
use ypipe::{PipeReader, PipeWriter, Take};

/// What a pipe carries: one part of a message.
pub trait PipeItem: Send {
    /// More parts of the same message follow.
    fn more(&self) -> bool;

    /// A part that does not count against the HWM (libzmq's routing-id notification that a
    /// session sends ahead of a peer's messages). Defaults to `false`.
    fn uncounted(&self) -> bool {
        false
    }

    /// An in-band item that is not delivered: the reading end keeps the latest one and has
    /// every later item [`adopt`](Self::adopt) it (see [`Pipe::write_context`]). Defaults to
    /// `false`.
    fn is_context(&self) -> bool {
        false
    }

    /// Takes on what `context`, the latest context item read before this one, carries. Does
    /// nothing by default.
    fn adopt(&mut self, _context: &Self) {}
}

/// A command from one pipe end to the other, carried by the receiver's [`Wake`].
pub enum PipeCommand<T: PipeItem> {
    /// The sender flushed messages into the receiver's inbound queue while it was asleep.
    ActivateRead,
    /// The sender has read this many messages in total (HWM progress).
    ActivateWrite(u64),
    /// The sender replaced its inbound queue (see [`Pipe::hiccup`]); the receiver writes to
    /// the new one from now on.
    Hiccup(NewQueue<T>),
    /// The sender wants to end the pipe.
    Term,
    /// The sender agrees to end the pipe and drops its outbound queue.
    TermAck,
    /// New HWMs for the receiver, from socket options set after the pipe was made (libzmq's
    /// `pipe_hwm` command); see [`Pipe::send_hwms_to_peer`].
    Hwms(HwmUpdate),
    /// The sender asks for queue statistics; it has this many messages written and not yet
    /// read by the receiver (libzmq's `pipe_peer_stats`).
    StatsRequest(u64),
    /// The answer to [`PipeCommand::StatsRequest`] (libzmq's `pipe_stats_publish`).
    StatsReply {
        /// Messages the requester wrote that the receiver has not read.
        outbound: u64,
        /// Messages the receiver wrote that the requester has not read.
        inbound: u64,
    },
}

/// The settings carried by [`PipeCommand::Hwms`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwmUpdate {
    /// The HWM option for the receiver's inbound direction (0: unlimited).
    pub in_hwm: i32,
    /// The HWM option for the receiver's outbound direction.
    pub out_hwm: i32,
    /// New boosts `(in, out)` for the receiver first (an inproc bind that completes a
    /// connect made before it), or `None` to keep its own.
    pub boost: Option<(i32, i32)>,
}

/// The writing half of a fresh queue, travelling inside [`PipeCommand::Hiccup`].
pub struct NewQueue<T: PipeItem>(Writer<T>);

/// The writing half of one direction's queue.
enum Writer<T: PipeItem> {
    Queue(PipeWriter<Slot<T>>),
    Conflate(ConflateWriter<Slot<T>>),
}

/// The reading half of one direction's queue.
enum Reader<T: PipeItem> {
    Queue(PipeReader<Slot<T>>),
    Conflate(ConflateReader<Slot<T>>),
}

/// A fresh queue of the given kind.
fn queue<T: PipeItem>(conflate: bool) -> (Writer<T>, Reader<T>) {
    if conflate {
        let (w, r) = dbuffer::channel();
        (Writer::Conflate(w), Reader::Conflate(r))
    } else {
        let (w, r) = ypipe::channel();
        (Writer::Queue(w), Reader::Queue(r))
    }
}

impl<T: PipeItem> Writer<T> {
    fn write(&mut self, slot: Slot<T>, incomplete: bool) {
        match self {
            Writer::Queue(w) => w.write(slot, incomplete),
            Writer::Conflate(w) => w.write(slot),
        }
    }

    /// Drops the parts of an unfinished message (a conflating queue keeps nothing back).
    fn rollback(&mut self) {
        if let Writer::Queue(w) = self {
            w.rollback();
        }
    }

    /// `false`: the reader sleeps and must be woken.
    fn flush(&mut self) -> bool {
        match self {
            Writer::Queue(w) => w.flush(),
            Writer::Conflate(w) => w.flush(),
        }
    }
}

impl<T: PipeItem> Reader<T> {
    fn read(&mut self) -> Option<Slot<T>> {
        match self {
            Reader::Queue(r) => r.read(),
            Reader::Conflate(r) => r.read(),
        }
    }

    /// The next slot unless it is the delimiter, which stays next.
    fn read_unless_delimiter(&mut self) -> Take<Slot<T>> {
        let is_delimiter = |s: &Slot<T>| matches!(s, Slot::Delimiter);
        match self {
            Reader::Queue(r) => r.read_unless(is_delimiter),
            Reader::Conflate(r) => r.read_unless(is_delimiter),
        }
    }

    /// What comes next; `None` if the queue is empty.
    fn probe(&mut self) -> Option<Next> {
        let kind = |s: &Slot<T>| match s {
            Slot::Delimiter => Next::Delimiter,
            Slot::Part(item) if item.is_context() => Next::Context,
            Slot::Part(_) => Next::Part,
        };
        match self {
            Reader::Queue(r) => r.probe().map(kind),
            Reader::Conflate(r) => r.probe(kind),
        }
    }

    fn is_conflate(&self) -> bool {
        matches!(self, Reader::Conflate(_))
    }
}

/// What the next slot of a queue holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Delimiter,
    Context,
    Part,
}

/// What a processed command means for the end's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeEvent {
    /// The end had stopped reading (queue empty) and has messages again.
    ReadActivated,
    /// The end had stopped writing (HWM reached) and may write again.
    WriteActivated,
    /// The peer dropped what it had not read yet and wants the session state again (libzmq's
    /// `hiccuped`: SUB/XSUB resend their subscriptions after a reconnect).
    Hiccuped,
    /// Termination is complete: the owner must forget and drop this end.
    Terminated,
    /// The answer to [`Pipe::request_stats`]: messages queued each way.
    Stats {
        /// Written by this end, not yet read by the peer.
        outbound: u64,
        /// Written by the peer, not yet read by this end.
        inbound: u64,
    },
}

/// How one end delivers commands to the other end's owner.
pub trait Wake<T: PipeItem>: Send + Sync {
    /// Hands `cmd` to the owner of the end this `Wake` belongs to (in order, possibly from
    /// another thread). The owner later passes it to that end's [`Pipe::process_command`].
    /// A command for an end that was already dropped must be ignored. If an end changes
    /// owner (an inproc connection completed by a later bind), the `Wake` must follow it:
    /// make it an indirection the owners update.
    fn wake(&self, cmd: PipeCommand<T>);
}

/// One end of a pipe pair.
pub struct Pipe<T: PipeItem> {
    input: Reader<T>,
    /// `None` once this end has acknowledged termination (the peer no longer reads it).
    output: Option<Writer<T>>,
    /// Delivers commands to the other end.
    peer: Box<dyn Wake<T>>,
    /// The inbound queue may have messages (false after a read found it empty).
    in_active: bool,
    /// Writing is allowed (false after the HWM was hit, until the reader catches up).
    out_active: bool,
    /// Outbound high-water mark in messages (0 = unlimited).
    hwm: u64,
    /// Report reading progress every this many messages (0 = never).
    lwm: u64,
    msgs_read: u64,
    /// The `msgs_read` of the next progress report: the next multiple of `lwm` (libzmq
    /// tests `msgs_read % lwm == 0` on every read; a compare is cheaper than a division).
    next_report: u64,
    msgs_written: u64,
    /// The peer's last reported `msgs_read`.
    peers_msgs_read: u64,
    /// The other socket's HWM options added to ours in [`apply_hwms`](Self::apply_hwms),
    /// `(in, out)`; negative: none (libzmq's `_in_hwm_boost`/`_out_hwm_boost`).
    boost: (i32, i32),
    /// Single-item queues (`ZMQ_CONFLATE`): no HWM, whatever the options say.
    conflate: bool,
    /// The latest context item read (see [`Pipe::write_context`]).
    context: Option<T>,
    state: State,
    /// Deliver pending inbound messages before acknowledging termination.
    delay: bool,
}

impl<T: PipeItem> Pipe<T> {
    /// A connected pair of ends, `(a, b)`.
    ///
    /// `hwm_ab` bounds messages from `a` to `b`, `hwm_ba` from `b` to `a` (0 = unlimited).
    /// `wake_a` delivers commands to `a`'s owner, `wake_b` to `b`'s.
    pub fn pair(
        hwm_ab: u64,
        hwm_ba: u64,
        wake_a: Box<dyn Wake<T>>,
        wake_b: Box<dyn Wake<T>>,
    ) -> (Pipe<T>, Pipe<T>) {
        Pipe::make_pair(hwm_ab, hwm_ba, false, wake_a, wake_b)
    }

    /// A connected pair of ends whose queues keep only the newest message each way, with no
    /// HWM (`ZMQ_CONFLATE`; libzmq's `ypipe_conflate_t`). HWM changes do not apply to it.
    pub fn pair_conflate(wake_a: Box<dyn Wake<T>>, wake_b: Box<dyn Wake<T>>) -> (Pipe<T>, Pipe<T>) {
        Pipe::make_pair(0, 0, true, wake_a, wake_b)
    }

    fn make_pair(
        hwm_ab: u64,
        hwm_ba: u64,
        conflate: bool,
        wake_a: Box<dyn Wake<T>>,
        wake_b: Box<dyn Wake<T>>,
    ) -> (Pipe<T>, Pipe<T>) {
        let (ab_w, ab_r) = queue(conflate);
        let (ba_w, ba_r) = queue(conflate);
        let a = Pipe::new(ba_r, ab_w, wake_b, hwm_ba, hwm_ab);
        let b = Pipe::new(ab_r, ba_w, wake_a, hwm_ab, hwm_ba);
        (a, b)
    }

    fn new(
        input: Reader<T>,
        output: Writer<T>,
        peer: Box<dyn Wake<T>>,
        in_hwm: u64,
        out_hwm: u64,
    ) -> Pipe<T> {
        Pipe {
            conflate: input.is_conflate(),
            context: None,
            boost: (-1, -1),
            input,
            output: Some(output),
            peer,
            in_active: true,
            out_active: true,
            hwm: out_hwm,
            lwm: lwm(in_hwm),
            msgs_read: 0,
            next_report: next_report(0, lwm(in_hwm)),
            msgs_written: 0,
            peers_msgs_read: 0,
            state: State::Active,
            delay: true,
        }
    }

    /// Drop pending inbound messages instead of delivering them when the peer terminates
    /// (libzmq's `set_nodelay`, for sockets with `ZMQ_LINGER` 0 semantics on the session).
    pub fn set_nodelay(&mut self) {
        self.delay = false;
    }

    /// Changes the high-water marks of this end: `in_hwm` of the inbound direction (sets the
    /// progress reporting interval) and `out_hwm` of the outbound one (0 = unlimited).
    pub fn set_hwms(&mut self, in_hwm: u64, out_hwm: u64) {
        if self.conflate {
            return;
        }
        self.lwm = lwm(in_hwm);
        self.next_report = next_report(self.msgs_read, self.lwm);
        self.hwm = out_hwm;
    }

    /// Sets the boosts `(in, out)` that [`apply_hwms`](Self::apply_hwms) adds: on an inproc
    /// pipe, the other socket's SNDHWM and RCVHWM (libzmq's `set_hwms_boost`).
    pub fn set_hwms_boost(&mut self, in_boost: i32, out_boost: i32) {
        self.boost = (in_boost, out_boost);
    }

    /// Sets this end's HWMs from socket options as libzmq's `pipe_t::set_hwms` does: each
    /// value plus its boost, but unlimited when the value is 0 or the boost is exactly 0.
    /// Does nothing on a conflating pipe.
    pub fn apply_hwms(&mut self, in_hwm: i32, out_hwm: i32) {
        let combine = |hwm: i32, boost: i32| {
            if hwm <= 0 || boost == 0 {
                0
            } else {
                hwm as u64 + boost.max(0) as u64
            }
        };
        let (in_boost, out_boost) = self.boost;
        self.set_hwms(combine(in_hwm, in_boost), combine(out_hwm, out_boost));
    }

    /// Asks the other end to [`apply_hwms`](Self::apply_hwms)`(in_hwm, out_hwm)`, after
    /// taking `boost` as its boosts if given.
    pub fn send_hwms_to_peer(&mut self, in_hwm: i32, out_hwm: i32, boost: Option<(i32, i32)>) {
        self.peer.wake(PipeCommand::Hwms(HwmUpdate {
            in_hwm,
            out_hwm,
            boost,
        }));
    }

    /// Whether a message can be read now. Returns `false` when the inbound queue is empty
    /// (the end becomes inactive until [`PipeEvent::ReadActivated`]), and when the peer's
    /// delimiter is next (which it consumes).
    pub fn check_read(&mut self) -> bool {
        if !self.in_active || !self.state.reads() {
            return false;
        }
        loop {
            match self.input.probe() {
                None => {
                    self.in_active = false;
                    return false;
                }
                Some(Next::Delimiter) => {
                    self.input.read();
                    self.process_delimiter();
                    return false;
                }
                Some(Next::Context) => {
                    if let Some(Slot::Part(context)) = self.input.read() {
                        self.context = Some(context);
                    }
                }
                Some(Next::Part) => return true,
            }
        }
    }

    /// The next message part, or `None` if none can be read now (see
    /// [`check_read`](Self::check_read)).
    pub fn read(&mut self) -> Option<T> {
        self.read_part(false)
    }

    /// As [`read`](Self::read), but the peer's delimiter is left in place: `None` when it
    /// is next, and a later `read` takes it. A session reads its batches this way: reading
    /// the delimiter ends the pipe, which must wait until what was read before it has been
    /// written.
    pub fn read_before_delimiter(&mut self) -> Option<T> {
        self.read_part(true)
    }

    fn read_part(&mut self, stop_at_delimiter: bool) -> Option<T> {
        if !self.in_active || !self.state.reads() {
            return None;
        }
        let mut item = loop {
            let slot = if stop_at_delimiter {
                match self.input.read_unless_delimiter() {
                    Take::Item(slot) => Some(slot),
                    Take::Stopped => return None,
                    Take::Empty => None,
                }
            } else {
                self.input.read()
            };
            match slot {
                None => {
                    self.in_active = false;
                    return None;
                }
                Some(Slot::Delimiter) => {
                    self.process_delimiter();
                    return None;
                }
                Some(Slot::Part(item)) if item.is_context() => self.context = Some(item),
                Some(Slot::Part(item)) => break item,
            }
        };
        if let Some(context) = &self.context {
            item.adopt(context);
        }
        if !item.more() && !item.uncounted() {
            self.msgs_read += 1;
            if self.msgs_read == self.next_report {
                self.next_report += self.lwm;
                self.peer.wake(PipeCommand::ActivateWrite(self.msgs_read));
            }
        }
        Some(item)
    }

    /// Whether a message can be written now. When the HWM is reached it returns `false`,
    /// and the end stays unwritable until [`PipeEvent::WriteActivated`].
    pub fn check_write(&mut self) -> bool {
        if !self.out_active || self.state != State::Active {
            return false;
        }
        if !self.check_hwm() {
            self.out_active = false;
            return false;
        }
        true
    }

    /// Writes a message part; it stays invisible to the peer until [`flush`](Self::flush)
    /// and until the message's last part is written. Gives the item back if the pipe cannot
    /// take it (HWM reached or terminating).
    pub fn write(&mut self, item: T) -> Result<(), T> {
        if !self.check_write() {
            return Err(item);
        }
        let Some(output) = self.output.as_mut() else {
            return Err(item);
        };
        let (more, counted) = (item.more(), !item.uncounted());
        output.write(Slot::Part(item), more);
        if !more && counted {
            self.msgs_written += 1;
        }
        Ok(())
    }

    /// Writes a context item ([`PipeItem::is_context`]): the peer does not deliver it, but
    /// has every item written after it adopt it, until the next one. It is not a message, so
    /// it neither counts against the HWM nor waits for room; it is written between
    /// messages (never in the middle of one) and published by the next flush. `false`, and
    /// nothing written, on a conflating pipe (whose single slot it would take from a
    /// message) and once the end stopped writing.
    pub fn write_context(&mut self, item: T) -> bool {
        if self.conflate || self.state != State::Active {
            return false;
        }
        let Some(output) = self.output.as_mut() else {
            return false;
        };
        output.write(Slot::Part(item), false);
        true
    }

    /// Drops the parts written of an unfinished message.
    pub fn rollback(&mut self) {
        if let Some(output) = self.output.as_mut() {
            output.rollback();
        }
    }

    /// Publishes the complete messages written so far, waking the peer if it was asleep.
    pub fn flush(&mut self) {
        if self.state == State::TermAckSent {
            return;
        }
        if let Some(output) = self.output.as_mut() {
            if !output.flush() {
                self.peer.wake(PipeCommand::ActivateRead);
            }
        }
    }

    /// Whether the HWM allows another message (libzmq's `check_hwm`; `XPUB_NODROP` asks it
    /// without side effects).
    pub fn check_hwm(&self) -> bool {
        self.hwm == 0 || self.msgs_written - self.peers_msgs_read < self.hwm
    }

    /// Drops every message not yet read from the inbound queue and gives the peer a fresh
    /// queue to write to; the peer sees [`PipeEvent::Hiccuped`]. A session does this when its
    /// connection was re-established, so that a SUB/XSUB resends its subscriptions instead
    /// of the stale ones being delivered (libzmq's `hiccup`). Does nothing once terminating.
    ///
    /// As in libzmq the message counters carry on: messages dropped here stay counted against
    /// the peer's HWM until later reads make up for them.
    pub fn hiccup(&mut self) {
        if self.state != State::Active {
            return;
        }
        let (writer, reader) = queue(self.conflate);
        self.input = reader;
        self.in_active = true;
        self.peer.wake(PipeCommand::Hiccup(NewQueue(writer)));
    }

    /// Starts terminating the pipe. With `delay`, the peer first delivers the messages already
    /// sent to it; without, the ends drop pending messages. Later calls do nothing.
    pub fn terminate(&mut self, delay: bool) {
        self.delay = delay;
        match self.state {
            State::TermReqSent1 | State::TermReqSent2 | State::TermAckSent | State::Terminated => {
                return;
            }
            State::Active | State::DelimiterReceived => {
                self.peer.wake(PipeCommand::Term);
                self.state = State::TermReqSent1;
            }
            State::WaitingForDelimiter if !self.delay => {
                self.rollback();
                self.output = None;
                self.peer.wake(PipeCommand::TermAck);
                self.state = State::TermAckSent;
            }
            // Pending inbound messages are still to be read; the delimiter will finish it.
            State::WaitingForDelimiter => {}
        }
        self.out_active = false;
        self.write_delimiter();
    }

    /// Applies a command from the peer; returns what the owner must react to, if anything.
    pub fn process_command(&mut self, cmd: PipeCommand<T>) -> Option<PipeEvent> {
        match cmd {
            PipeCommand::ActivateRead => {
                if !self.in_active && self.state.reads() {
                    self.in_active = true;
                    return Some(PipeEvent::ReadActivated);
                }
                None
            }
            PipeCommand::ActivateWrite(msgs_read) => {
                self.peers_msgs_read = msgs_read;
                if !self.out_active && self.state == State::Active {
                    self.out_active = true;
                    return Some(PipeEvent::WriteActivated);
                }
                None
            }
            PipeCommand::Hiccup(NewQueue(output)) => {
                // Once we acknowledged termination the peer reads nothing more from us.
                self.output.as_ref()?;
                // The old queue goes, with whatever the peer had not read.
                self.output = Some(output);
                self.out_active = true;
                match self.state {
                    State::Active => Some(PipeEvent::Hiccuped),
                    State::TermReqSent1 => {
                        // Our delimiter went with the old queue; the peer may be waiting for
                        // it (libzmq loses it here and relies on the linger timer).
                        self.write_delimiter();
                        None
                    }
                    _ => None,
                }
            }
            PipeCommand::Term => {
                self.process_term();
                None
            }
            PipeCommand::TermAck => self.process_term_ack(),
            PipeCommand::Hwms(update) => {
                if let Some((in_boost, out_boost)) = update.boost {
                    self.set_hwms_boost(in_boost, out_boost);
                }
                self.apply_hwms(update.in_hwm, update.out_hwm);
                // A raised HWM may unblock a writer stopped at the old one; libzmq leaves
                // it stopped until the reader's next progress report.
                None
            }
            PipeCommand::StatsRequest(outbound) => {
                let inbound = self.queued_out();
                self.peer
                    .wake(PipeCommand::StatsReply { outbound, inbound });
                None
            }
            PipeCommand::StatsReply { outbound, inbound } => {
                Some(PipeEvent::Stats { outbound, inbound })
            }
        }
    }

    /// Asks the peer for queue statistics; the answer comes back as [`PipeEvent::Stats`]
    /// (libzmq's `send_stats_to_peer`).
    pub fn request_stats(&mut self) {
        let outbound = self.queued_out();
        self.peer.wake(PipeCommand::StatsRequest(outbound));
    }

    /// Messages written here that the peer has not read (as far as it has told).
    fn queued_out(&self) -> u64 {
        self.msgs_written.saturating_sub(self.peers_msgs_read)
    }

    /// Whether [`PipeEvent::Terminated`] was reached or is under way (no more messages will
    /// be written).
    pub fn is_terminating(&self) -> bool {
        self.state != State::Active && self.state != State::DelimiterReceived
    }

    /// Messages read from this end so far.
    pub fn msgs_read(&self) -> u64 {
        self.msgs_read
    }

    /// Messages written to this end so far.
    pub fn msgs_written(&self) -> u64 {
        self.msgs_written
    }

    /// Ends the outbound flow: drops an unfinished message, then queues the delimiter (which
    /// ignores the HWM) and flushes.
    fn write_delimiter(&mut self) {
        if let Some(output) = self.output.as_mut() {
            output.rollback();
            output.write(Slot::Delimiter, false);
            self.flush();
        }
    }

    fn process_delimiter(&mut self) {
        if self.state == State::Active {
            self.state = State::DelimiterReceived;
        } else {
            debug_assert_eq!(self.state, State::WaitingForDelimiter);
            self.rollback();
            self.output = None;
            self.peer.wake(PipeCommand::TermAck);
            self.state = State::TermAckSent;
        }
    }

    fn process_term(&mut self) {
        match self.state {
            State::Active if self.delay => self.state = State::WaitingForDelimiter,
            State::Active | State::DelimiterReceived => {
                self.state = State::TermAckSent;
                self.output = None;
                self.peer.wake(PipeCommand::TermAck);
            }
            // Both ends terminate at once: acknowledge and wait for our own ack.
            State::TermReqSent1 => {
                self.state = State::TermReqSent2;
                self.output = None;
                self.peer.wake(PipeCommand::TermAck);
            }
            // The peer sends Term once; anything else is a bug in the owner's routing.
            State::WaitingForDelimiter
            | State::TermReqSent2
            | State::TermAckSent
            | State::Terminated => {
                debug_assert!(false, "Term in state {:?}", self.state);
            }
        }
    }

    fn process_term_ack(&mut self) -> Option<PipeEvent> {
        match self.state {
            State::TermReqSent1 => {
                // Acknowledge the peer's side too before both are dropped.
                self.output = None;
                self.peer.wake(PipeCommand::TermAck);
            }
            State::TermAckSent | State::TermReqSent2 => {}
            State::Active
            | State::DelimiterReceived
            | State::WaitingForDelimiter
            | State::Terminated => {
                debug_assert!(false, "TermAck in state {:?}", self.state);
                return None;
            }
        }
        self.state = State::Terminated;
        Some(PipeEvent::Terminated)
    }
}

impl<T: PipeItem> std::fmt::Debug for PipeCommand<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipeCommand::ActivateRead => f.write_str("ActivateRead"),
            PipeCommand::ActivateWrite(n) => f.debug_tuple("ActivateWrite").field(n).finish(),
            PipeCommand::Hiccup(_) => f.write_str("Hiccup"),
            PipeCommand::Term => f.write_str("Term"),
            PipeCommand::TermAck => f.write_str("TermAck"),
            PipeCommand::Hwms(u) => f.debug_tuple("Hwms").field(u).finish(),
            PipeCommand::StatsRequest(n) => f.debug_tuple("StatsRequest").field(n).finish(),
            PipeCommand::StatsReply { outbound, inbound } => f
                .debug_struct("StatsReply")
                .field("outbound", outbound)
                .field("inbound", inbound)
                .finish(),
        }
    }
}

impl<T: PipeItem> std::fmt::Debug for NewQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewQueue")
    }
}

impl<T: PipeItem> std::fmt::Debug for Pipe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipe")
            .field("state", &self.state)
            .field("in_active", &self.in_active)
            .field("out_active", &self.out_active)
            .field("hwm", &self.hwm)
            .field("lwm", &self.lwm)
            .field("msgs_read", &self.msgs_read)
            .field("msgs_written", &self.msgs_written)
            .field("peers_msgs_read", &self.peers_msgs_read)
            .finish_non_exhaustive()
    }
}

/// What travels in a queue: message parts, then one delimiter when the writer terminates.
enum Slot<T> {
    Part(T),
    Delimiter,
}

// A queued message takes 64 bytes, as libzmq's msg_t does: the delimiter lives in `Msg`'s
// niche, not in a tag beside it.
const _: () = assert!(std::mem::size_of::<Slot<crate::msg::Msg>>() == 64);

/// An end's termination state (libzmq's `pipe_t` states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Active,
    /// The peer's delimiter was read before its `Term` arrived.
    DelimiterReceived,
    /// `Term` arrived; delivering the remaining messages until the delimiter.
    WaitingForDelimiter,
    /// We acknowledged the peer's `Term`; waiting for its `TermAck`.
    TermAckSent,
    /// We sent `Term`; waiting for the peer's `TermAck`.
    TermReqSent1,
    /// We sent `Term` and acknowledged the peer's; waiting for its `TermAck`.
    TermReqSent2,
    /// Done: the owner drops the end.
    Terminated,
}

impl State {
    /// Whether messages may still be read in this state.
    fn reads(self) -> bool {
        matches!(self, State::Active | State::WaitingForDelimiter)
    }
}

/// libzmq's `compute_lwm`: report progress every half HWM, rounded up.
fn lwm(hwm: u64) -> u64 {
    hwm.div_ceil(2)
}

/// The first multiple of `lwm` above `msgs_read`; never reached when `lwm` is 0.
fn next_report(msgs_read: u64, lwm: u64) -> u64 {
    match lwm {
        0 => u64::MAX,
        _ => (msgs_read / lwm + 1) * lwm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A message part: a number and its MORE flag.
    #[derive(Debug, PartialEq)]
    struct Part(u64, bool);

    impl PipeItem for Part {
        fn more(&self) -> bool {
            self.1
        }

        fn uncounted(&self) -> bool {
            self.0 == UNCOUNTED
        }
    }

    /// The value of a part that does not count against the HWM.
    const UNCOUNTED: u64 = u64::MAX;

    /// Delivers commands through a channel, as an owner's mailbox would.
    struct ChanWake<T: PipeItem>(mpsc::Sender<PipeCommand<T>>);

    impl<T: PipeItem> Wake<T> for ChanWake<T> {
        fn wake(&self, cmd: PipeCommand<T>) {
            // The receiving test may be finished with the channel; nothing to report then.
            let _ = self.0.send(cmd);
        }
    }

    type Inbox = mpsc::Receiver<PipeCommand<Part>>;

    fn pair(hwm_ab: u64, hwm_ba: u64) -> (Pipe<Part>, Inbox, Pipe<Part>, Inbox) {
        pair_of(hwm_ab, hwm_ba)
    }

    type InboxOf<T> = mpsc::Receiver<PipeCommand<T>>;

    fn pair_of<T: PipeItem + 'static>(
        hwm_ab: u64,
        hwm_ba: u64,
    ) -> (Pipe<T>, InboxOf<T>, Pipe<T>, InboxOf<T>) {
        let (ta, ra) = mpsc::channel();
        let (tb, rb) = mpsc::channel();
        let (a, b) = Pipe::pair(
            hwm_ab,
            hwm_ba,
            Box::new(ChanWake(ta)),
            Box::new(ChanWake(tb)),
        );
        (a, ra, b, rb)
    }

    /// Feeds every queued command to `pipe`; returns the events.
    fn deliver(pipe: &mut Pipe<Part>, inbox: &Inbox) -> Vec<PipeEvent> {
        deliver_to(pipe, inbox)
    }

    fn deliver_to<T: PipeItem>(pipe: &mut Pipe<T>, inbox: &InboxOf<T>) -> Vec<PipeEvent> {
        inbox
            .try_iter()
            .filter_map(|cmd| pipe.process_command(cmd))
            .collect()
    }

    fn send(pipe: &mut Pipe<Part>, v: u64) {
        pipe.write(Part(v, false)).expect("writable");
    }

    #[test]
    fn ends_move_between_threads() {
        fn assert_send<S: Send>() {}
        assert_send::<Pipe<Part>>();
        assert_send::<PipeWriter<Part>>();
        assert_send::<PipeReader<Part>>();
    }

    #[test]
    fn flush_publishes_and_wakes_a_sleeping_reader_once() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        assert_eq!(b.read(), None);
        assert!(!b.check_read());
        send(&mut a, 1);
        send(&mut a, 2);
        assert!(rb.try_recv().is_err(), "nothing before the flush");
        a.flush();
        send(&mut a, 3);
        a.flush();
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::ReadActivated]);
        assert!(b.check_read());
        let got: Vec<_> = std::iter::from_fn(|| b.read()).collect();
        assert_eq!(got, vec![Part(1, false), Part(2, false), Part(3, false)]);
        // HWM 0: no progress reports.
        assert!(ra.try_recv().is_err());
    }

    #[test]
    fn multipart_message_is_invisible_until_complete() {
        let (mut a, _ra, mut b, rb) = pair(0, 0);
        a.write(Part(1, true)).unwrap();
        a.write(Part(2, true)).unwrap();
        a.flush();
        assert_eq!(b.read(), None);
        assert!(rb.try_recv().is_err());
        a.write(Part(3, false)).unwrap();
        a.flush();
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::ReadActivated]);
        assert_eq!(b.read(), Some(Part(1, true)));
        assert_eq!(b.read(), Some(Part(2, true)));
        assert_eq!(b.read(), Some(Part(3, false)));
        assert_eq!(b.msgs_read(), 1);
        assert_eq!(a.msgs_written(), 1);
    }

    #[test]
    fn hwm_boundary_is_exact_and_counts_messages() {
        let (mut a, ra, mut b, rb) = pair(4, 0);
        for v in 0..3 {
            send(&mut a, v);
        }
        // The fourth message may have many parts: the HWM is checked per message.
        for part in 0..5 {
            a.write(Part(3, part < 4)).unwrap();
        }
        assert!(!a.check_hwm());
        assert!(!a.check_write());
        assert_eq!(a.write(Part(4, false)), Err(Part(4, false)));
        a.flush();
        deliver(&mut b, &rb);
        // lwm = 2: reading two messages reports progress, which reopens the writer.
        assert_eq!(b.read(), Some(Part(0, false)));
        assert!(ra.try_recv().is_err());
        assert_eq!(b.read(), Some(Part(1, false)));
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::WriteActivated]);
        send(&mut a, 4);
        send(&mut a, 5);
        assert!(!a.check_write());
        // A progress report while the writer is still active is silent.
        let (mut c, rc, mut d, rd) = pair(4, 0);
        send(&mut c, 0);
        send(&mut c, 1);
        c.flush();
        deliver(&mut d, &rd);
        d.read();
        d.read();
        assert_eq!(deliver(&mut c, &rc), vec![]);
        assert!(c.check_hwm());
    }

    #[test]
    fn progress_follows_a_new_hwm_from_the_next_multiple() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        b.set_hwms(10, 0);
        let mut reports = vec![];
        for n in 0..9 {
            send(&mut a, n);
        }
        a.flush();
        deliver(&mut b, &rb);
        for n in 0..9 {
            if n == 3 {
                // lwm 5 -> 2 after three reads: libzmq's `msgs_read % lwm == 0` reports at
                // 4, 6 and 8.
                b.set_hwms(4, 0);
            }
            assert_eq!(b.read().map(|p| p.0), Some(n));
            for cmd in ra.try_iter() {
                if let PipeCommand::ActivateWrite(n) = cmd {
                    reports.push(n);
                }
            }
        }
        assert_eq!(reports, vec![4, 6, 8]);
    }

    #[test]
    fn progress_is_reported_every_lwm_messages() {
        for (hwm, lwm) in [(10, 5), (7, 4), (1, 1), (2, 1)] {
            let (mut a, ra, mut b, rb) = pair(hwm, 0);
            let mut reports = vec![];
            let (mut sent, mut received) = (0, 0);
            while received < 23 {
                while sent < 23 && a.check_write() {
                    // An uncounted part (a routing-id notice) does not move the counters.
                    a.write(Part(UNCOUNTED, false)).unwrap();
                    send(&mut a, sent);
                    sent += 1;
                }
                // The writer stops exactly at the HWM over the last reported progress.
                let reported = reports.last().copied().unwrap_or(0);
                assert!(sent == 23 || a.msgs_written() - reported == hwm);
                a.flush();
                deliver(&mut b, &rb);
                while let Some(p) = b.read() {
                    if p.0 != UNCOUNTED {
                        assert_eq!(p.0, received);
                        received += 1;
                    }
                }
                for cmd in ra.try_iter() {
                    if let PipeCommand::ActivateWrite(n) = cmd {
                        reports.push(n);
                    }
                    a.process_command(cmd);
                }
            }
            let expected: Vec<u64> = (1..).map(|k| k * lwm).take_while(|&n| n <= 23).collect();
            assert_eq!(reports, expected, "hwm {hwm}");
        }
    }

    #[test]
    fn termination_delivers_pending_messages_first() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        for v in 0..3 {
            send(&mut a, v);
        }
        a.write(Part(9, true)).unwrap();
        a.terminate(true);
        assert!(a.is_terminating());
        assert_eq!(a.write(Part(10, false)), Err(Part(10, false)));
        assert_eq!(deliver(&mut b, &rb), vec![]);
        let got: Vec<_> = std::iter::from_fn(|| b.read()).map(|p| p.0).collect();
        assert_eq!(got, vec![0, 1, 2], "the unfinished message was rolled back");
        // The delimiter made b acknowledge.
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);
    }

    #[test]
    fn read_before_delimiter_leaves_the_delimiter_for_read() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        send(&mut a, 1);
        a.terminate(true);
        assert_eq!(deliver(&mut b, &rb), vec![]);
        assert_eq!(b.read_before_delimiter().map(|p| p.0), Some(1));
        assert_eq!(b.read_before_delimiter(), None);
        assert_eq!(
            b.read_before_delimiter(),
            None,
            "still there: nothing was consumed"
        );
        assert_eq!(
            deliver(&mut a, &ra),
            vec![],
            "no acknowledgement before it is read"
        );
        assert!(!b.check_read(), "read and check_read take it");
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);

        // On an empty queue it goes to sleep as `read` does: the next flush wakes it.
        let (mut a, _ra, mut b, rb) = pair(0, 0);
        assert_eq!(b.read_before_delimiter(), None);
        send(&mut a, 2);
        a.flush();
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::ReadActivated]);
        assert_eq!(b.read_before_delimiter().map(|p| p.0), Some(2));
    }

    #[test]
    fn delimiter_before_term_command() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        send(&mut a, 1);
        a.terminate(true);
        // b reads before it has seen the Term command.
        assert_eq!(b.read(), Some(Part(1, false)));
        assert_eq!(b.read(), None);
        assert!(!b.check_read());
        assert_eq!(deliver(&mut b, &rb), vec![]);
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);
        assert!(ra.try_recv().is_err());
    }

    #[test]
    fn nodelay_drops_pending_messages() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        b.set_nodelay();
        send(&mut a, 1);
        a.terminate(true);
        assert_eq!(deliver(&mut b, &rb), vec![]);
        assert_eq!(b.read(), None);
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);
    }

    #[test]
    fn terminate_while_waiting_for_delimiter_without_delay() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        send(&mut a, 1);
        a.terminate(true);
        deliver(&mut b, &rb);
        // b has a message pending but gives up on it.
        b.terminate(false);
        assert_eq!(b.read(), None);
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);
    }

    #[test]
    fn hiccup_drops_unread_messages_and_swaps_the_queue() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        send(&mut a, 1);
        send(&mut a, 2);
        a.flush();
        assert_eq!(b.read(), Some(Part(1, false)));
        b.hiccup();
        assert_eq!(b.read(), None, "message 2 went with the old queue");
        // A message written before a processes the hiccup is lost too.
        send(&mut a, 3);
        a.flush();
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Hiccuped]);
        send(&mut a, 4);
        a.flush();
        deliver(&mut b, &rb);
        assert_eq!(b.read(), Some(Part(4, false)));
        assert_eq!(b.read(), None);
        send(&mut a, 5);
        a.flush();
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::ReadActivated]);
        assert_eq!(b.read(), Some(Part(5, false)));
    }

    #[test]
    fn hiccup_racing_termination_still_terminates() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        send(&mut a, 1);
        a.terminate(true);
        // b hiccups before it sees the Term: a's delimiter was in the dropped queue.
        b.hiccup();
        assert_eq!(deliver(&mut a, &ra), vec![]);
        assert_eq!(deliver(&mut b, &rb), vec![]);
        assert_eq!(b.read(), None);
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);
        // Hiccup once terminating does nothing.
        let (mut c, rc, mut d, _rd) = pair(0, 0);
        d.terminate(true);
        d.hiccup();
        assert_eq!(deliver(&mut c, &rc), vec![]);
    }

    #[test]
    fn both_ends_terminate_at_once() {
        let (mut a, ra, mut b, rb) = pair(0, 0);
        send(&mut a, 1);
        send(&mut b, 2);
        a.terminate(true);
        b.terminate(true);
        a.terminate(true);
        let mut events_a = vec![];
        let mut events_b = vec![];
        for _ in 0..4 {
            events_a.extend(deliver(&mut a, &ra));
            events_b.extend(deliver(&mut b, &rb));
        }
        assert_eq!(events_a, vec![PipeEvent::Terminated]);
        assert_eq!(events_b, vec![PipeEvent::Terminated]);
    }

    fn pair_conflate() -> (Pipe<Part>, Inbox, Pipe<Part>, Inbox) {
        pair_conflate_of()
    }

    fn pair_conflate_of<T: PipeItem + 'static>() -> (Pipe<T>, InboxOf<T>, Pipe<T>, InboxOf<T>) {
        let (ta, ra) = mpsc::channel();
        let (tb, rb) = mpsc::channel();
        let (a, b) = Pipe::pair_conflate(Box::new(ChanWake(ta)), Box::new(ChanWake(tb)));
        (a, ra, b, rb)
    }

    /// An item for the context tests: a value, the context it adopted (or, for a context
    /// item, carries), and its MORE flag.
    #[derive(Debug, PartialEq)]
    struct Tagged {
        v: u64,
        context: Option<u64>,
        is_context: bool,
        more: bool,
    }

    impl Tagged {
        fn part(v: u64, more: bool) -> Tagged {
            Tagged {
                v,
                context: None,
                is_context: false,
                more,
            }
        }

        fn context(c: u64) -> Tagged {
            Tagged {
                v: 0,
                context: Some(c),
                is_context: true,
                more: false,
            }
        }

        fn with(v: u64, context: u64, more: bool) -> Tagged {
            Tagged {
                context: Some(context),
                ..Tagged::part(v, more)
            }
        }
    }

    impl PipeItem for Tagged {
        fn more(&self) -> bool {
            self.more
        }

        fn is_context(&self) -> bool {
            self.is_context
        }

        fn adopt(&mut self, context: &Tagged) {
            if self.context.is_none() {
                self.context = context.context;
            }
        }
    }

    #[test]
    fn context_items_are_adopted_by_what_follows_them_and_never_delivered() {
        let (mut a, _ra, mut b, _rb) = pair_of::<Tagged>(0, 0);
        a.write(Tagged::part(1, false)).unwrap();
        assert!(a.write_context(Tagged::context(7)));
        a.write(Tagged::part(2, false)).unwrap();
        a.write(Tagged::with(3, 5, false)).unwrap();
        assert!(a.write_context(Tagged::context(8)));
        a.write(Tagged::part(4, true)).unwrap();
        a.write(Tagged::part(5, false)).unwrap();
        a.flush();
        let got: Vec<_> = std::iter::from_fn(|| b.read()).collect();
        assert_eq!(
            got,
            vec![
                Tagged::part(1, false),
                Tagged::with(2, 7, false),
                // An item's own context is kept.
                Tagged::with(3, 5, false),
                Tagged::with(4, 8, true),
                Tagged::with(5, 8, false),
            ]
        );
        // Context items are not messages: four were written and read.
        assert_eq!(a.msgs_written(), 4);
        assert_eq!(b.msgs_read(), 4);
    }

    #[test]
    fn context_item_ignores_the_hwm_and_is_not_readable_on_its_own() {
        let (mut a, ra, mut b, rb) = pair_of::<Tagged>(2, 0);
        b.set_hwms(2, 0);
        a.write(Tagged::part(1, false)).unwrap();
        a.write(Tagged::part(2, false)).unwrap();
        assert!(!a.check_write(), "HWM reached");
        assert!(a.write_context(Tagged::context(9)));
        a.flush();
        deliver_to(&mut b, &rb);
        assert_eq!(b.read(), Some(Tagged::part(1, false)));
        assert_eq!(b.read(), Some(Tagged::part(2, false)));
        // Only the context item is left: nothing to read, and the reader goes to sleep.
        assert!(!b.check_read());
        assert_eq!(b.read(), None);
        // The reader's progress reopens the writer; the context outlived its queue slot.
        assert_eq!(deliver_to(&mut a, &ra), vec![PipeEvent::WriteActivated]);
        a.write(Tagged::part(3, false)).unwrap();
        a.flush();
        assert_eq!(deliver_to(&mut b, &rb), vec![PipeEvent::ReadActivated]);
        assert!(b.check_read());
        assert_eq!(b.read(), Some(Tagged::with(3, 9, false)));
    }

    #[test]
    fn conflating_and_ending_pipes_refuse_context_items() {
        let (mut a, _ra, mut b, _rb) = pair_conflate_of::<Tagged>();
        a.write(Tagged::part(1, false)).unwrap();
        assert!(!a.write_context(Tagged::context(3)));
        a.flush();
        assert_eq!(b.read(), Some(Tagged::part(1, false)));

        let (mut a, _ra, _b, _rb) = pair_of::<Tagged>(0, 0);
        a.terminate(false);
        assert!(!a.write_context(Tagged::context(3)));
    }

    #[test]
    fn conflate_keeps_the_newest_message_without_hwm() {
        let (mut a, ra, mut b, rb) = pair_conflate();
        assert!(!b.check_read());
        for v in 0..20 {
            send(&mut a, v);
            a.flush();
        }
        // One wake-up for the sleeping reader, however many messages.
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::ReadActivated]);
        assert_eq!(b.read(), Some(Part(19, false)));
        assert_eq!(b.read(), None);
        // No progress reports, and HWM changes do not apply.
        a.apply_hwms(1, 1);
        a.send_hwms_to_peer(1, 1, None);
        deliver(&mut b, &rb);
        for v in 20..30 {
            send(&mut a, v);
        }
        a.flush();
        assert!(ra.try_recv().is_err());
        deliver(&mut b, &rb);
        assert_eq!(b.read(), Some(Part(29, false)));
        // The other direction conflates too.
        send(&mut b, 1);
        send(&mut b, 2);
        b.flush();
        assert_eq!(a.read(), Some(Part(2, false)));
    }

    #[test]
    fn conflate_multipart_keeps_only_the_last_part() {
        let (mut a, _ra, mut b, _rb) = pair_conflate();
        a.write(Part(1, true)).unwrap();
        a.write(Part(2, true)).unwrap();
        a.write(Part(3, false)).unwrap();
        a.flush();
        assert_eq!(b.read(), Some(Part(3, false)));
        assert_eq!(b.read(), None);
        assert_eq!(a.msgs_written(), 1);
    }

    #[test]
    fn conflate_terminates_and_hiccups() {
        // The delimiter replaces an unread message, as in libzmq.
        let (mut a, ra, mut b, rb) = pair_conflate();
        send(&mut a, 1);
        a.terminate(true);
        assert_eq!(deliver(&mut b, &rb), vec![]);
        assert_eq!(b.read(), None);
        assert_eq!(deliver(&mut a, &ra), vec![PipeEvent::Terminated]);
        assert_eq!(deliver(&mut b, &rb), vec![PipeEvent::Terminated]);
        // A hiccup gives the writer a fresh conflating queue.
        let (mut c, rc, mut d, rd) = pair_conflate();
        send(&mut c, 1);
        c.flush();
        d.hiccup();
        assert_eq!(deliver(&mut c, &rc), vec![PipeEvent::Hiccuped]);
        assert_eq!(d.read(), None);
        send(&mut c, 2);
        send(&mut c, 3);
        c.flush();
        assert_eq!(deliver(&mut d, &rd), vec![PipeEvent::ReadActivated]);
        assert_eq!(d.read(), Some(Part(3, false)));
    }

    #[test]
    fn hwm_changes_follow_libzmq_boost_rules() {
        let fill = |p: &mut Pipe<Part>| {
            let mut n = 0;
            while n < 1000 && p.check_write() {
                send(p, n);
                n += 1;
            }
            n
        };
        // Without boost the option is the HWM; 0 is unlimited.
        let (mut a, _ra, _b, _rb) = pair(7, 7);
        a.apply_hwms(1000, 3);
        assert_eq!(fill(&mut a), 3);
        let (mut a, _ra2, _b2, _rb2) = pair(7, 7);
        a.apply_hwms(1000, 0);
        assert_eq!(fill(&mut a), 1000);
        // With a boost (an inproc pipe): option + boost; a boost of 0 means unlimited.
        let (mut c, _rc, _d, _rd) = pair(7, 7);
        c.set_hwms_boost(1000, 4);
        c.apply_hwms(1000, 2);
        assert_eq!(fill(&mut c), 6);
        let (mut c, _rc, _d, _rd) = pair(7, 7);
        c.set_hwms_boost(1000, 0);
        c.apply_hwms(1000, 2);
        assert_eq!(fill(&mut c), 1000);
        // Sent to the peer: it applies the values (and new boosts) to its own end.
        let (mut a, ra, mut b, rb) = pair(7, 7);
        b.send_hwms_to_peer(1000, 5, Some((1000, 1)));
        assert_eq!(deliver(&mut a, &ra), vec![]);
        assert_eq!(fill(&mut a), 6);
        // The reader's progress interval follows its inbound HWM: (2 + 0 boost) -> lwm 1.
        b.set_hwms_boost(-1, -1);
        b.apply_hwms(2, 1000);
        a.flush();
        deliver(&mut b, &rb);
        b.read();
        assert!(matches!(ra.try_recv(), Ok(PipeCommand::ActivateWrite(1))));
    }

    /// Two threads, HWM 100, messages of 1 to 3 parts flushed in tens. The writer terminates
    /// right after its last message; the reader must still get every message, in order,
    /// before `Terminated`.
    #[test]
    fn stress_two_threads_with_hwm_and_termination() {
        const MESSAGES: u64 = 500_000;
        let (a, ra, b, rb) = pair(100, 100);
        let writer = std::thread::spawn(move || {
            let mut a = a;
            let mut v = 0;
            let mut blocked = 0u64;
            while v < MESSAGES {
                if a.check_write() {
                    let parts = v % 3 + 1;
                    for p in 0..parts {
                        a.write(Part(v << 2 | p, p + 1 < parts)).unwrap();
                    }
                    v += 1;
                    if v % 10 == 0 {
                        a.flush();
                    }
                    continue;
                }
                a.flush();
                blocked += 1;
                let cmd = ra.recv_timeout(Duration::from_secs(20)).expect("progress");
                a.process_command(cmd);
            }
            a.terminate(true);
            loop {
                let cmd = ra.recv_timeout(Duration::from_secs(20)).expect("term ack");
                if a.process_command(cmd) == Some(PipeEvent::Terminated) {
                    break;
                }
            }
            blocked
        });
        let mut b = b;
        let mut next = (0u64, 0u64);
        let mut wakeups = 0u64;
        loop {
            while let Some(p) = b.read() {
                assert_eq!((p.0 >> 2, p.0 & 3), next);
                let parts = next.0 % 3 + 1;
                assert_eq!(p.1, next.1 + 1 < parts);
                next = if p.1 {
                    (next.0, next.1 + 1)
                } else {
                    (next.0 + 1, 0)
                };
            }
            let cmd = rb.recv_timeout(Duration::from_secs(20)).expect("command");
            match b.process_command(cmd) {
                Some(PipeEvent::Terminated) => break,
                Some(PipeEvent::ReadActivated) => wakeups += 1,
                _ => {}
            }
        }
        assert_eq!(next, (MESSAGES, 0));
        let blocked = writer.join().expect("writer");
        assert!(blocked > 0, "HWM 100 must have stopped the writer");
        assert!(wakeups < MESSAGES / 4, "{wakeups} wake-ups");
    }
}
