//! `queue.SimpleQueue`: an unbounded FIFO queue without task tracking or shutdown.
//!
//! It is `queue.Queue`'s machinery with everything `SimpleQueue` lacks left out: the items are
//! in crossbeam's lock-free `SegQueue` (as in the [`Fifo`](super::Fifo) store), a put pushes
//! and wakes a waiting getter if there is one, and the internal mutex guards only the getters'
//! wait list (see the parking protocol in `queue/mod.rs`). Being unbounded, a put never waits
//! for room.

use std::fmt;
use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crossbeam_queue::SegQueue;

use super::{should_spin, Parked, PutError, SPIN};
use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::spin::spin_until;
use crate::sync::wait_list::WaitList;
use crate::sync::{deadline, observed_scheduling_point};
use crate::thread::ThreadRef;
use crate::trace::EventKind;
#[cfg(test)]
use crate::util::lock;

pub struct SimpleQueue<T> {
    rt: Runtime,
    id: ObjectId,
    items: SegQueue<T>,
    /// Getters in `park_until` (counted before they re-check `items`, under `state`'s lock); a
    /// put reads it after pushing, and only takes the lock when it is not zero.
    getters: AtomicUsize,
    state: Mutex<State>,
}

/// What the internal mutex guards.
struct State {
    /// Getters waiting for an item.
    not_empty: WaitList,
}

impl<T> SimpleQueue<T> {
    pub fn new(rt: &Runtime) -> SimpleQueue<T> {
        SimpleQueue {
            rt: rt.clone(),
            id: rt.new_object_id(ObjectKind::SimpleQueue),
            items: SegQueue::new(),
            getters: AtomicUsize::new(0),
            state: Mutex::new(State {
                not_empty: WaitList::default(),
            }),
        }
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// Puts `item`; never waits (CPython's `block` and `timeout` arguments are ignored, and
    /// `put_nowait` is the same call). It still returns a `Result` because, when the run is
    /// observed, a put is a scheduling point, and a stopped run fails it with `Interrupted`
    /// (giving the item back) like every other operation.
    #[inline]
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        let me = match observed_scheduling_point(&self.rt) {
            Ok(me) => me,
            Err(error) => return Err(PutError { error, item }),
        };
        self.items.push(item);
        // The handshake with the getters (see `queue/mod.rs`): the push ends with no update of
        // ours to pair with, so both sides fence.
        fence(Ordering::SeqCst);
        self.getters().wake_one(&self.rt);
        self.record(me, || EventKind::Put { queue: self.id });
        Ok(())
    }

    /// Takes the oldest item, waiting for one for at most `timeout` (`None`: forever). Fails
    /// with `QueueEmpty` when none came in time, or `Interrupted`.
    #[inline]
    pub fn get(&self, timeout: Option<Duration>) -> Result<T> {
        self.get_with(Some(timeout))
    }

    /// `get_nowait`: takes the oldest item only if there is one right now.
    #[inline]
    pub fn try_get(&self) -> Result<T> {
        self.get_with(None)
    }

    /// The number of items; only a hint by the time the caller looks at it.
    pub fn qsize(&self) -> usize {
        self.items.len()
    }

    pub fn empty(&self) -> bool {
        self.items.is_empty()
    }

    #[inline]
    fn get_with(&self, wait: Option<Option<Duration>>) -> Result<T> {
        let me = observed_scheduling_point(&self.rt)?;
        let item = match self.items.pop() {
            Some(item) => item,
            None => self.wait_for_item(wait)?,
        };
        self.record(me, || EventKind::Get { queue: self.id });
        Ok(item)
    }

    /// Waits for an item and takes it; the queue was empty when called.
    #[cold]
    fn wait_for_item(&self, wait: Option<Option<Duration>>) -> Result<T> {
        let Some(timeout) = wait else {
            return Err(Error::QueueEmpty);
        };
        let deadline = deadline(&self.rt, timeout);
        if should_spin(&self.rt, timeout) {
            spin_until(SPIN, || !self.items.is_empty());
            if let Some(item) = self.items.pop() {
                return Ok(item);
            }
        }
        let waiting_for = WaitFor::Object {
            object: self.id,
            holder: None,
        };
        self.getters()
            .park_until(
                &self.rt,
                || fence(Ordering::SeqCst),
                deadline,
                waiting_for,
                || self.items.pop().map(Ok),
            )?
            .ok_or(Error::QueueEmpty)
    }

    fn getters(&self) -> Parked<'_, State> {
        Parked {
            mutex: &self.state,
            count: &self.getters,
            list: |state| &mut state.not_empty,
        }
    }

    #[inline]
    fn record(&self, me: Option<ThreadRef>, kind: impl FnOnce() -> EventKind) {
        if let Some(me) = me {
            self.rt.record_for(&me, kind);
        }
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue")
            .field("id", &self.id)
            .field("qsize", &self.qsize())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::StopReason;
    use crate::sched::Mode;
    use crate::sync::testing::{event_kinds, runtimes_with_traced_gil, spawn, wait_until};

    const SHORT: Option<Duration> = Some(Duration::from_millis(10));

    fn waiting<T>(q: &SimpleQueue<T>) -> usize {
        lock(&q.state).not_empty.len()
    }

    #[test]
    fn items_come_out_in_put_order() {
        for rt in runtimes_with_traced_gil() {
            let q = SimpleQueue::new(&rt);
            assert!(q.empty());
            for i in 0..10 {
                q.put(i).unwrap();
            }
            assert_eq!(q.qsize(), 10);
            assert!(!q.empty());
            let got: Vec<_> = std::iter::from_fn(|| q.try_get().ok()).collect();
            assert_eq!(got, (0..10).collect::<Vec<_>>());
            assert!(q.empty());
        }
    }

    #[test]
    fn getting_from_an_empty_queue_fails_or_times_out() {
        for rt in runtimes_with_traced_gil() {
            let q: SimpleQueue<i32> = SimpleQueue::new(&rt);
            assert_eq!(q.try_get(), Err(Error::QueueEmpty));
            assert_eq!(q.get(SHORT), Err(Error::QueueEmpty));
            assert_eq!(q.get(Some(Duration::ZERO)), Err(Error::QueueEmpty));
            q.put(3).unwrap();
            assert_eq!(q.get(SHORT), Ok(3));
        }
    }

    #[test]
    fn a_getter_waits_for_a_put() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(SimpleQueue::new(&rt));
            let getter = {
                let q = Arc::clone(&q);
                spawn(&rt, move || q.get(None))
            };
            wait_until(&rt, || waiting(&q) == 1);
            assert!(!getter.is_finished());
            q.put("hello").unwrap();
            assert_eq!(getter.join(), Ok("hello"));
        }
    }

    #[test]
    fn every_item_is_delivered_exactly_once() {
        const PRODUCERS: u64 = 3;
        const CONSUMERS: usize = 3;
        const PER_PRODUCER: u64 = 2_000;
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(SimpleQueue::new(&rt));
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || {
                        let mut got = Vec::new();
                        while let Some(n) = q.get(None).unwrap() {
                            got.push(n);
                        }
                        got
                    })
                })
                .collect();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || {
                        for i in 0..PER_PRODUCER {
                            q.put(Some(p * PER_PRODUCER + i)).unwrap();
                        }
                    })
                })
                .collect();
            for producer in producers {
                producer.join();
            }
            for _ in 0..CONSUMERS {
                q.put(None).unwrap();
            }
            let mut all: Vec<u64> = consumers.into_iter().flat_map(|c| c.join()).collect();
            let total = PRODUCERS * PER_PRODUCER;
            assert_eq!(all.len() as u64, total);
            assert_eq!(all.iter().sum::<u64>(), total * (total - 1) / 2);
            all.sort_unstable();
            assert!(all.iter().copied().eq(0..total));
            assert!(q.empty());
        }
    }

    #[test]
    fn a_stopped_run_interrupts_a_blocked_get() {
        for mode in [Mode::Parallel, Mode::gil()] {
            let rt = Runtime::new(mode);
            let q: Arc<SimpleQueue<i32>> = Arc::new(SimpleQueue::new(&rt));
            let getter = {
                let q = Arc::clone(&q);
                spawn(&rt, move || q.get(None))
            };
            wait_until(&rt, || waiting(&q) == 1);
            rt.stop(StopReason::Requested);
            assert_eq!(
                getter.join_after_stop(&rt),
                Err(Error::Interrupted(StopReason::Requested))
            );
            assert_eq!(waiting(&q), 0);
        }
    }

    #[test]
    fn an_observed_put_in_a_stopped_run_gives_the_item_back() {
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let q = SimpleQueue::new(&rt);
        q.put(1).unwrap();
        rt.stop(StopReason::Requested);
        let err = q.put(2).unwrap_err();
        assert_eq!(
            (err.error, err.item),
            (Error::Interrupted(StopReason::Requested), 2)
        );
        assert!(q.get(None).unwrap_err().is_interrupted());
        assert_eq!(q.qsize(), 1);
    }

    #[test]
    fn observed_puts_and_gets_are_recorded() {
        let rt = Runtime::builder(Mode::gil()).trace(true).build();
        let q = SimpleQueue::new(&rt);
        q.put(()).unwrap();
        q.get(None).unwrap();
        let kinds = event_kinds(&rt, |kind| {
            matches!(kind, EventKind::Put { .. } | EventKind::Get { .. })
        });
        assert_eq!(
            kinds,
            [
                EventKind::Put { queue: q.id() },
                EventKind::Get { queue: q.id() }
            ]
        );
    }

    #[test]
    fn ids_name_the_python_class() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(
            SimpleQueue::<u8>::new(&rt).id().to_string(),
            "SimpleQueue#1"
        );
    }
}
