//! Python's `queue` module: [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`], optionally
//! bounded, with `task_done`/`join` and Python 3.13's `shutdown`; and the unbounded
//! [`SimpleQueue`].
//!
//! - `store.rs`: the three orderings behind the [`Store`] trait ([`Fifo`], [`Lifo`],
//!   [`Priority`]).
//! - `blocking.rs`: [`BlockingQueue`], the bounded blocking queue generic over its store;
//!   `Queue`, `LifoQueue` and `PriorityQueue` are aliases of it.
//! - `simple.rs`: [`SimpleQueue`], without a bound and without task tracking.
//!
//! Unlike `sync`'s primitives, a queue's puts and gets take no lock unless they must wait or
//! wake a waiter: the items live in a [`Store`] that threads share (lock-free for FIFO), the
//! counts are atomics, and the internal mutex guards only the wait lists. How the lock-free
//! side and the parked side find each other without lost wake-ups is described at `Parked`
//! below. Every wait still goes through
//! [`wait_on`](crate::sync::wait_list::wait_on), so the same queue runs in parallel, under the
//! GIL, or one thread at a time. When the run is observed (traced, or a scheduler that wants to
//! see every operation), each put and get is a scheduling point and is recorded as a
//! `Put`/`Get` event; the deterministic scheduler runs one thread at a time, so there the
//! lock-free paths simply run in turn.
//!
//! Timeouts are `Option<Duration>` (`None`: forever); the non-blocking `put_nowait`/`get_nowait`
//! are [`try_put`](BlockingQueue::try_put)/[`try_get`](BlockingQueue::try_get). Errors map to
//! Python's exceptions: [`Error::QueueFull`] is `queue.Full`, [`Error::QueueEmpty`] is
//! `queue.Empty`, [`Error::QueueShutDown`] is `queue.ShutDown`. A failed put gives its item back
//! in a [`PutError`], as crossbeam's `TrySendError` does.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::sync::Arc;
//! use threadlab_core::queue::Queue;
//! use threadlab_core::{Mode, Runtime, ThreadOptions};
//!
//! let rt = Runtime::new(Mode::Parallel);
//! let q = Arc::new(Queue::new(&rt, 2));
//! let total = Arc::new(AtomicU64::new(0));
//! let worker = {
//!     let (q, total) = (Arc::clone(&q), Arc::clone(&total));
//!     rt.spawn(ThreadOptions::default(), move || {
//!         // Ends with `QueueShutDown` once the queue is shut down and empty.
//!         while let Ok(n) = q.get(None) {
//!             total.fetch_add(n, Ordering::Relaxed);
//!             q.task_done().unwrap();
//!         }
//!     })
//!     .unwrap()
//! };
//! for n in 1..=10 {
//!     q.put(n, None).unwrap(); // waits while two items are queued
//! }
//! q.join().unwrap();
//! assert_eq!(total.load(Ordering::Relaxed), 55);
//! q.shutdown(false);
//! worker.join(None).unwrap();
//! ```

mod blocking;
mod simple;
mod store;

pub use blocking::{BlockingQueue, LifoQueue, PriorityQueue, Queue};
pub use simple::SimpleQueue;
pub use store::{Fifo, Lifo, Priority, Store};

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::expired;
use crate::sync::spin::Backoff;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::time::Time;
use crate::util::lock;

/// A put that failed, with the item it did not put.
///
/// `error` is [`Error::QueueFull`] (no room in time, or none right now for `try_put`),
/// [`Error::QueueShutDown`], or [`Error::Interrupted`] (the run is stopping).
pub struct PutError<T> {
    pub error: Error,
    pub item: T,
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.item
    }
}

impl<T> From<PutError<T>> for Error {
    fn from(err: PutError<T>) -> Error {
        err.error
    }
}

// Like crossbeam's `SendError`, the item is left out, so `unwrap()` works for any `T`.
impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> std::error::Error for PutError<T> {}

/// Whether a put or get that is about to park should first spin a while (with [`SPIN`]).
///
/// Only when threads truly run in parallel: the other side is then often a few microseconds
/// away, while a park/unpark pair costs two system calls and a wake-up latency. Never when the
/// run is observed, where every wait must be one the scheduler sees, and never for a zero
/// timeout, which asks not to wait at all.
#[inline]
fn should_spin(rt: &Runtime, timeout: Option<Duration>) -> bool {
    timeout != Some(Duration::ZERO) && !rt.observed() && rt.scheduler().spinning_helps()
}

/// Rounds of exponential back-off (1, 2, 4, ... spin-loop hints), then CPU yields, before a
/// put or get parks; crossbeam-channel's `Backoff` has the same two phases.
const SPIN: Backoff = Backoff {
    spin_rounds: 7,
    yield_rounds: 4,
};

// ----- parking and waking without the fast paths taking the mutex -----
//
// A thread that must wait (a getter on an empty queue, a putter on a full one, a joiner with
// tasks unfinished) and a thread that ends such a wait (a put, a get, the last task_done) find
// each other without a lost wake-up because each first writes, then reads what the other wrote,
// with a handshake between that one of them is sure to see:
//
// | waiter: `Parked::park_until`, under the mutex | waker: `Parked::wake_one`, no lock |
// |---|---|
// | 1. `count += 1` | 1. publish: push an item, release a slot, finish a task |
// | 2. handshake | 2. handshake |
// | 3. re-check: pop, reserve a slot, no task left | 3. read `count`; if 0, done |
// | 4. else go on the wait list, unlock, park; relock, go to 3 | 4. lock, notify one (or all) |
//
// The handshake is one of two kinds:
// - a SeqCst fence on both sides (Dekker's order): the fences fall in one order or the other,
//   and the side whose fence comes second sees the other side's step 1;
// - a read-modify-write (AcqRel) of one word on both sides, when the waker's publication already
//   ends with one (a put's update of `puts`, a get's release of a slot): the two fall in one
//   order or the other in that word's modification order, and the second one reads from the
//   first, so its thread sees everything the other did before. This costs the fast path
//   nothing; the waiter, already on its slow path, adds a `fetch_add(0)`.
//
// Either way, either the waiter's re-check sees what was published and it does not park, or the
// waker sees `count > 0` and takes the mutex. The waker then cannot miss the waiter: the waiter
// holds the mutex from its increment until it is on the wait list, and keeps the count raised
// across every later re-check until it leaves. A counted waiter that the waker does not find on
// the list was already notified (it re-checks, under the mutex, after the waker's publication or
// before going back on the list), or is leaving. A woken thread may find that another one took
// the item (or the room) first; it just waits again.

/// One kind of parked thread of a queue (its getters, putters or joiners): the count the
/// lock-free paths read, and the wait list `list` selects inside the mutex's state `G`.
struct Parked<'a, G> {
    mutex: &'a Mutex<G>,
    count: &'a AtomicUsize,
    list: fn(&mut G) -> &mut WaitList,
}

impl<G> Parked<'_, G> {
    /// The waker's side, after its publication and handshake: wakes one of the parked threads,
    /// if there may be any. The notification happens under the mutex and the unpark after
    /// releasing it, so the woken thread does not wake into a held lock.
    #[inline]
    fn wake_one(self, rt: &Runtime) {
        if self.count.load(Ordering::Relaxed) > 0 {
            self.wake_one_slow(rt);
        }
    }

    #[cold]
    fn wake_one_slow(self, rt: &Runtime) {
        let wake = (self.list)(&mut lock(self.mutex)).notify_one_deferred();
        if let Some(wake) = wake {
            wake.wake(rt);
        }
    }

    /// [`wake_one`](Self::wake_one) for a change every waiter wants to see (the last task done).
    #[inline]
    fn wake_all(self, rt: &Runtime) {
        if self.count.load(Ordering::Relaxed) > 0 {
            (self.list)(&mut lock(self.mutex)).notify_all(rt);
        }
    }

    /// The waiter's side: parks until `attempt` settles the wait (`Some(Ok(..))`: done,
    /// `Some(Err(..))`: failed, `None`: keep waiting), counted in `count` throughout, with
    /// `handshake` done once after counting itself. `Ok(None)` when `deadline` passed first.
    /// `attempt` runs with the mutex held, so it must not wake anybody: the caller hands on
    /// whatever it took after this returns.
    #[cold]
    fn park_until<R>(
        self,
        rt: &Runtime,
        handshake: impl FnOnce(),
        deadline: Option<Time>,
        waiting_for: WaitFor,
        mut attempt: impl FnMut() -> Option<Result<R>>,
    ) -> Result<Option<R>> {
        let mut guard = lock(self.mutex);
        self.count.fetch_add(1, Ordering::Relaxed);
        handshake();
        let outcome = loop {
            if let Some(outcome) = attempt() {
                break outcome.map(Some);
            }
            if expired(rt, deadline) {
                break Ok(None);
            }
            match wait_on(
                rt,
                self.mutex,
                guard,
                self.list,
                deadline,
                waiting_for.clone(),
            ) {
                Ok((relocked, _)) => guard = relocked,
                // The run is stopping: `wait_on` took us off the list and let go of the lock.
                Err(err) => {
                    self.count.fetch_sub(1, Ordering::Relaxed);
                    return Err(err);
                }
            }
        };
        self.count.fetch_sub(1, Ordering::Relaxed);
        drop(guard);
        outcome
    }
}
