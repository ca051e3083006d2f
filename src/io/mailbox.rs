//! A command mailbox: many writers, one reader, one wake-up per batch.
//!
//! Replaces libzmq's `mailbox.cpp` (a locked ypipe plus a signaler). Writers push under a short
//! lock; the first command that arrives while the reader is asleep notifies it, later ones
//! don't, so a burst of commands costs one wake-up. The reader drains commands until the queue
//! is empty, which marks it asleep again.
//!
//! The notification is abstract ([`Notify`]): an application thread's socket sleeps on a
//! [`Signaler`](crate::io::signaler::Signaler) (its `ZMQ_FD`), an I/O thread on its reactor's
//! waker.

use std::collections::VecDeque;

use parking_lot::Mutex;

/// How a mailbox wakes its reader.
pub trait Notify: Send + Sync {
    /// Wakes the reader (it will re-check the mailbox).
    fn notify(&self);
}

/// A multi-producer, single-consumer command queue.
#[derive(Debug)]
pub struct Mailbox<C, N> {
    state: Mutex<State<C>>,
    notify: N,
}

#[derive(Debug)]
struct State<C> {
    queue: VecDeque<C>,
    /// False once the reader found the queue empty; the next writer then notifies.
    reader_awake: bool,
}

impl<C, N: Notify> Mailbox<C, N> {
    /// An empty mailbox whose reader is woken through `notify`.
    pub fn new(notify: N) -> Mailbox<C, N> {
        Mailbox {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                reader_awake: false,
            }),
            notify,
        }
    }

    /// Queues a command, waking the reader if it was asleep.
    pub fn send(&self, cmd: C) {
        let wake = {
            let mut state = self.state.lock();
            state.queue.push_back(cmd);
            !std::mem::replace(&mut state.reader_awake, true)
        };
        if wake {
            self.notify.notify();
        }
    }

    /// The next command, or `None` (and the reader is marked asleep) when there is none.
    pub fn try_recv(&self) -> Option<C> {
        let mut state = self.state.lock();
        let cmd = state.queue.pop_front();
        if cmd.is_none() {
            state.reader_awake = false;
        }
        cmd
    }

    /// The notification the reader sleeps on.
    pub fn notifier(&self) -> &N {
        &self.notify
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Notify for Count {
        fn notify(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn one_wakeup_per_batch() {
        let mb: Mailbox<u32, Count> = Mailbox::new(Count::default());
        for i in 0..10 {
            mb.send(i);
        }
        assert_eq!(mb.notifier().0.load(Ordering::SeqCst), 1);
        let got: Vec<u32> = std::iter::from_fn(|| mb.try_recv()).collect();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        mb.send(99);
        assert_eq!(mb.notifier().0.load(Ordering::SeqCst), 2);
        assert_eq!(mb.try_recv(), Some(99));
        assert_eq!(mb.try_recv(), None);
    }

    #[test]
    fn no_lost_wakeups_across_threads() {
        use crate::io::signaler::Signaler;
        use std::sync::Arc;
        let mb: Arc<Mailbox<u64, Signaler>> = Arc::new(Mailbox::new(Signaler::new().unwrap()));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let mb = mb.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u64 {
                        mb.send(w * 1_000_000 + i);
                    }
                })
            })
            .collect();
        let mut got = 0;
        let mut last = [None::<u64>; 4];
        while got < 40_000 {
            match mb.try_recv() {
                Some(v) => {
                    let w = (v / 1_000_000) as usize;
                    assert!(last[w].is_none_or(|l| l < v), "per-writer order kept");
                    last[w] = Some(v);
                    got += 1;
                }
                None => {
                    // Asleep: a writer must signal us; a lost wake-up would hang here.
                    assert!(mb.notifier().wait(5000).unwrap(), "lost wake-up");
                    mb.notifier().recv();
                }
            }
        }
        for w in writers {
            w.join().unwrap();
        }
    }
}
