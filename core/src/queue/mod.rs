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
//! The pattern is `sync`'s: one short internal mutex guards the items, the counters and the
//! wait lists, and every wait goes through [`wait_on`](crate::sync::wait_list::wait_on), so the
//! same queue runs in parallel, under the GIL, or one thread at a time. When the run is observed
//! (traced, or a scheduler that wants to see every operation), each put and get is a scheduling
//! point and is recorded as a `Put`/`Get` event.
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
use std::time::Duration;

use crate::error::Error;
use crate::runtime::Runtime;
use crate::sync::spin::Backoff;

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
