//! `queue.Queue`, `queue.LifoQueue` and `queue.PriorityQueue`: one bounded blocking queue,
//! generic over the [`Store`] that orders its items.
//!
//! As in CPython, one mutex guards everything and three wait lists play the part of the three
//! conditions `not_empty`, `not_full` and `all_tasks_done`. Every put and get that finds it
//! must wait re-checks its condition after each wake-up: a woken thread may find that another
//! one got there first, and simply waits again.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::store::{Fifo, Lifo, Priority, Store};
use super::{should_spin, PutError, SPIN};
use crate::error::{Error, Result};
use crate::object_id::ObjectId;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::spin::spin_until;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired, observed_scheduling_point};
use crate::thread::ThreadRef;
use crate::trace::EventKind;
use crate::util::lock;

/// `queue.Queue`: first in, first out.
pub type Queue<T> = BlockingQueue<T, Fifo<T>>;

/// `queue.LifoQueue`: last in, first out.
pub type LifoQueue<T> = BlockingQueue<T, Lifo<T>>;

/// `queue.PriorityQueue`: smallest item first; equal items in put order (see [`Priority`]).
pub type PriorityQueue<T> = BlockingQueue<T, Priority<T>>;

/// A queue of `T` ordered by `S`, bounded by `maxsize` (0: unbounded), with task tracking and
/// shutdown. Use it through the [`Queue`], [`LifoQueue`] and [`PriorityQueue`] aliases.
pub struct BlockingQueue<T, S> {
    rt: Runtime,
    id: ObjectId,
    maxsize: usize,
    /// The number of items, written under `state`'s lock whenever it changes. Reading it needs
    /// no lock: `qsize`, `empty` and `full` read it, and so does a thread spinning before it
    /// parks.
    len: AtomicUsize,
    state: Mutex<State<S>>,
    // The items live in `S`; `fn() -> T` keeps the queue `Sync` for any `T: Send`, as a
    // `Mutex<T>` is.
    _item: PhantomData<fn() -> T>,
}

struct State<S> {
    items: S,
    /// Items put and not yet `task_done`'d; `u64` so that even a 32-bit target cannot overflow
    /// it in a run that never calls `task_done`.
    unfinished: u64,
    shut_down: bool,
    /// Getters waiting for an item (or for shutdown).
    not_empty: WaitList,
    /// Putters waiting for room (or for shutdown).
    not_full: WaitList,
    /// `join()` callers waiting for `unfinished` to reach zero.
    all_tasks_done: WaitList,
}

type Guard<'a, S> = MutexGuard<'a, State<S>>;

impl<T, S: Store<T>> BlockingQueue<T, S> {
    /// A queue holding at most `maxsize` items; 0 means no bound (the interpreter maps
    /// CPython's `maxsize <= 0` to 0).
    pub fn new(rt: &Runtime, maxsize: usize) -> BlockingQueue<T, S> {
        BlockingQueue {
            rt: rt.clone(),
            id: rt.new_object_id(S::KIND),
            maxsize,
            len: AtomicUsize::new(0),
            state: Mutex::new(State {
                items: S::default(),
                unfinished: 0,
                shut_down: false,
                not_empty: WaitList::default(),
                not_full: WaitList::default(),
                all_tasks_done: WaitList::default(),
            }),
            _item: PhantomData,
        }
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// Puts `item`, waiting for room for at most `timeout` (`None`: forever). Fails with
    /// `QueueFull` when no room came in time, `QueueShutDown` once the queue is shut down, or
    /// `Interrupted`; the item comes back with the error.
    #[inline]
    pub fn put(&self, item: T, timeout: Option<Duration>) -> Result<(), PutError<T>> {
        self.put_with(item, Some(timeout))
    }

    /// `put_nowait`: puts `item` only if there is room right now.
    #[inline]
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_with(item, None)
    }

    /// Takes the next item, waiting for one for at most `timeout` (`None`: forever). Fails with
    /// `QueueEmpty` when none came in time, `QueueShutDown` once the queue is shut down and
    /// empty, or `Interrupted`.
    #[inline]
    pub fn get(&self, timeout: Option<Duration>) -> Result<T> {
        self.get_with(Some(timeout))
    }

    /// `get_nowait`: takes the next item only if there is one right now.
    #[inline]
    pub fn try_get(&self) -> Result<T> {
        self.get_with(None)
    }

    /// The number of items; as in CPython, only a hint by the time the caller looks at it.
    pub fn qsize(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True when the queue is bounded and holds `maxsize` items.
    pub fn full(&self) -> bool {
        self.maxsize > 0 && self.qsize() >= self.maxsize
    }

    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Marks one fetched item as processed. Fails with `TaskDoneTooOften` (a `ValueError`) when
    /// called more often than items were put.
    pub fn task_done(&self) -> Result<()> {
        let mut state = lock(&self.state);
        if state.unfinished == 0 {
            return Err(Error::TaskDoneTooOften);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            state.all_tasks_done.notify_all(&self.rt);
        }
        Ok(())
    }

    /// Blocks until every item ever put has been marked with [`task_done`](Self::task_done)
    /// (or dropped by an immediate shutdown).
    pub fn join(&self) -> Result<()> {
        let mut state = lock(&self.state);
        while state.unfinished > 0 {
            state = wait_on(
                &self.rt,
                &self.state,
                state,
                |state| &mut state.all_tasks_done,
                None,
                self.waiting_for(),
            )?
            .0;
        }
        Ok(())
    }

    /// Items put and not yet marked done (CPython's `unfinished_tasks` attribute).
    pub fn unfinished_tasks(&self) -> u64 {
        lock(&self.state).unfinished
    }

    /// Python 3.13's `shutdown`: from now on every put fails with `QueueShutDown`, and so does
    /// every get once the queue is empty. With `immediate`, the queue is emptied at once, each
    /// removed item counts as done, and `join()` callers are released once nothing is
    /// unfinished. Every blocked putter and getter wakes up to re-check.
    pub fn shutdown(&self, immediate: bool) {
        let dropped;
        {
            let mut state = lock(&self.state);
            state.shut_down = true;
            dropped = if immediate {
                let items = std::mem::take(&mut state.items);
                self.len.store(0, Ordering::Relaxed);
                let removed = u64::try_from(items.len()).unwrap_or(u64::MAX);
                state.unfinished = state.unfinished.saturating_sub(removed);
                if state.unfinished == 0 {
                    state.all_tasks_done.notify_all(&self.rt);
                }
                Some(items)
            } else {
                None
            };
            state.not_empty.notify_all(&self.rt);
            state.not_full.notify_all(&self.rt);
        }
        // Dropping items may run arbitrary code (the interpreter's objects): not under our lock.
        drop(dropped);
    }

    pub fn is_shut_down(&self) -> bool {
        lock(&self.state).shut_down
    }

    /// `wait`: `None` never blocks; `Some(timeout)` blocks for at most `timeout`.
    #[inline]
    fn put_with(&self, item: T, wait: Option<Option<Duration>>) -> Result<(), PutError<T>> {
        let me = match observed_scheduling_point(&self.rt) {
            Ok(me) => me,
            Err(error) => return Err(PutError { error, item }),
        };
        let mut state = lock(&self.state);
        if state.shut_down {
            return Err(PutError {
                error: Error::QueueShutDown,
                item,
            });
        }
        if self.is_full(&state) {
            state = match self.wait_for_room(state, wait) {
                Ok(state) => state,
                Err(error) => return Err(PutError { error, item }),
            };
        }
        state.items.push(item);
        self.len.store(state.items.len(), Ordering::Relaxed);
        state.unfinished = state.unfinished.saturating_add(1);
        state.not_empty.notify_one(&self.rt);
        drop(state);
        self.record(me, || EventKind::Put { queue: self.id });
        Ok(())
    }

    /// Waits until the queue has room, and returns with the lock held; the queue was full and
    /// not shut down when called.
    #[cold]
    fn wait_for_room<'a>(
        &'a self,
        mut state: Guard<'a, S>,
        wait: Option<Option<Duration>>,
    ) -> Result<Guard<'a, S>> {
        let Some(timeout) = wait else {
            return Err(Error::QueueFull);
        };
        let deadline = deadline(&self.rt, timeout);
        if should_spin(&self.rt, timeout) {
            drop(state);
            spin_until(SPIN, || self.qsize() < self.maxsize);
            state = lock(&self.state);
            if state.shut_down {
                return Err(Error::QueueShutDown);
            }
            if !self.is_full(&state) {
                return Ok(state);
            }
        }
        loop {
            if expired(&self.rt, deadline) {
                return Err(Error::QueueFull);
            }
            state = wait_on(
                &self.rt,
                &self.state,
                state,
                |state| &mut state.not_full,
                deadline,
                self.waiting_for(),
            )?
            .0;
            if state.shut_down {
                return Err(Error::QueueShutDown);
            }
            if !self.is_full(&state) {
                return Ok(state);
            }
        }
    }

    #[inline]
    fn get_with(&self, wait: Option<Option<Duration>>) -> Result<T> {
        let me = observed_scheduling_point(&self.rt)?;
        let mut state = lock(&self.state);
        let item = match state.items.pop() {
            Some(item) => item,
            None => {
                let (relocked, item) = self.wait_for_item(state, wait)?;
                state = relocked;
                item
            }
        };
        self.len.store(state.items.len(), Ordering::Relaxed);
        // Only a bounded queue ever has putters waiting, and skipping the check spares an
        // unbounded queue's getters a cache line the putters also touch.
        if self.maxsize > 0 {
            state.not_full.notify_one(&self.rt);
        }
        drop(state);
        self.record(me, || EventKind::Get { queue: self.id });
        Ok(item)
    }

    /// Waits for an item and takes it, returning with the lock held; the queue was empty when
    /// called.
    #[cold]
    fn wait_for_item<'a>(
        &'a self,
        mut state: Guard<'a, S>,
        wait: Option<Option<Duration>>,
    ) -> Result<(Guard<'a, S>, T)> {
        if state.shut_down {
            return Err(Error::QueueShutDown);
        }
        let Some(timeout) = wait else {
            return Err(Error::QueueEmpty);
        };
        let deadline = deadline(&self.rt, timeout);
        if should_spin(&self.rt, timeout) {
            drop(state);
            spin_until(SPIN, || self.qsize() > 0);
            state = lock(&self.state);
            if let Some(item) = state.items.pop() {
                return Ok((state, item));
            }
            if state.shut_down {
                return Err(Error::QueueShutDown);
            }
        }
        loop {
            if expired(&self.rt, deadline) {
                return Err(Error::QueueEmpty);
            }
            state = wait_on(
                &self.rt,
                &self.state,
                state,
                |state| &mut state.not_empty,
                deadline,
                self.waiting_for(),
            )?
            .0;
            if let Some(item) = state.items.pop() {
                return Ok((state, item));
            }
            if state.shut_down {
                return Err(Error::QueueShutDown);
            }
        }
    }

    #[inline]
    fn is_full(&self, state: &State<S>) -> bool {
        self.maxsize > 0 && state.items.len() >= self.maxsize
    }

    fn waiting_for(&self) -> WaitFor {
        WaitFor::Object {
            object: self.id,
            holder: None,
        }
    }

    #[inline]
    fn record(&self, me: Option<ThreadRef>, kind: impl FnOnce() -> EventKind) {
        if let Some(me) = me {
            self.rt.record_for(&me, kind);
        }
    }
}

impl<T, S: Store<T>> fmt::Debug for BlockingQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("BlockingQueue")
            .field("id", &self.id)
            .field("maxsize", &self.maxsize)
            .field("qsize", &state.items.len())
            .field("unfinished_tasks", &state.unfinished)
            .field("shut_down", &state.shut_down)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;
    use std::sync::Arc;

    use super::*;
    use crate::error::{ExceptionKind, StopReason};
    use crate::sched::Mode;
    use crate::sync::testing::{event_kinds, runtimes_with_traced_gil, spawn, wait_until};

    const SHORT: Option<Duration> = Some(Duration::from_millis(10));

    fn drain<T, S: Store<T>>(q: &BlockingQueue<T, S>) -> Vec<T> {
        std::iter::from_fn(|| q.try_get().ok()).collect()
    }

    fn waiting<T, S: Store<T>>(
        q: &BlockingQueue<T, S>,
        list: impl Fn(&State<S>) -> &WaitList,
    ) -> usize {
        list(&lock(&q.state)).len()
    }

    #[test]
    fn queue_is_fifo() {
        for rt in runtimes_with_traced_gil() {
            let q = Queue::new(&rt, 0);
            assert!(q.empty());
            for i in 0..10 {
                q.put(i, None).unwrap();
            }
            assert_eq!(q.qsize(), 10);
            assert!(!q.empty());
            assert_eq!(drain(&q), (0..10).collect::<Vec<_>>());
            assert!(q.empty());
        }
    }

    #[test]
    fn lifo_queue_is_lifo() {
        for rt in runtimes_with_traced_gil() {
            let q = LifoQueue::new(&rt, 0);
            for i in 0..10 {
                q.put(i, None).unwrap();
            }
            assert_eq!(drain(&q), (0..10).rev().collect::<Vec<_>>());
        }
    }

    #[test]
    fn priority_queue_gives_the_smallest_first() {
        for rt in runtimes_with_traced_gil() {
            let q = PriorityQueue::new(&rt, 0);
            for i in [5, 1, 8, 3, 1, 9, 0] {
                q.put(i, None).unwrap();
            }
            assert_eq!(drain(&q), [0, 1, 1, 3, 5, 8, 9]);
        }
    }

    #[derive(Debug, PartialEq, Eq)]
    struct Job(u8, &'static str);

    impl Ord for Job {
        fn cmp(&self, other: &Job) -> Ordering {
            self.0.cmp(&other.0)
        }
    }

    impl PartialOrd for Job {
        fn partial_cmp(&self, other: &Job) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    #[test]
    fn priority_queue_keeps_put_order_among_equals() {
        let rt = Runtime::new(Mode::Parallel);
        let q = PriorityQueue::new(&rt, 0);
        for job in [Job(2, "a"), Job(1, "b"), Job(2, "c"), Job(1, "d")] {
            q.put(job, None).unwrap();
        }
        let names: Vec<_> = drain(&q).into_iter().map(|job| job.1).collect();
        assert_eq!(names, ["b", "d", "a", "c"]);
    }

    #[test]
    fn a_bounded_queue_fills_up() {
        for rt in runtimes_with_traced_gil() {
            let q = Queue::new(&rt, 2);
            assert_eq!(q.maxsize(), 2);
            q.put('a', None).unwrap();
            assert!(!q.full());
            q.try_put('b').unwrap();
            assert!(q.full());

            let err = q.try_put('c').unwrap_err();
            assert_eq!(err.error, Error::QueueFull);
            assert_eq!(err.error.exception(), ExceptionKind::QueueFull);
            assert_eq!(err.into_inner(), 'c');

            let err = q.put('d', SHORT).unwrap_err();
            assert_eq!((err.error, err.item), (Error::QueueFull, 'd'));
            let err = q.put('e', Some(Duration::ZERO)).unwrap_err();
            assert_eq!((err.error, err.item), (Error::QueueFull, 'e'));

            assert_eq!(q.qsize(), 2);
            assert_eq!(q.get(None), Ok('a'));
            assert!(!q.full());
            q.try_put('f').unwrap();
            assert_eq!(drain(&q), ['b', 'f']);
        }
    }

    #[test]
    fn an_unbounded_queue_is_never_full() {
        let rt = Runtime::new(Mode::Parallel);
        let q = Queue::new(&rt, 0);
        for i in 0..10_000 {
            q.try_put(i).unwrap();
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 10_000);
    }

    #[test]
    fn getting_from_an_empty_queue_fails_or_times_out() {
        for rt in runtimes_with_traced_gil() {
            let q: Queue<i32> = Queue::new(&rt, 0);
            assert_eq!(q.try_get(), Err(Error::QueueEmpty));
            assert_eq!(q.get(SHORT), Err(Error::QueueEmpty));
            assert_eq!(q.get(Some(Duration::ZERO)), Err(Error::QueueEmpty));
            assert_eq!(Error::QueueEmpty.exception(), ExceptionKind::QueueEmpty);
            // A failed get leaves the queue usable.
            q.put(7, None).unwrap();
            assert_eq!(q.get(SHORT), Ok(7));
        }
    }

    #[test]
    fn a_putter_on_a_full_queue_waits_for_a_get() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(Queue::new(&rt, 1));
            q.put("first", None).unwrap();
            let putter = {
                let q = Arc::clone(&q);
                spawn(&rt, move || q.put("second", None).is_ok())
            };
            wait_until(&rt, || waiting(&q, |s| &s.not_full) == 1);
            // The putter is parked on the full queue and has put nothing.
            assert!(!putter.is_finished());
            assert_eq!(q.qsize(), 1);
            assert_eq!(q.get(None), Ok("first"));
            assert!(putter.join());
            assert_eq!(q.get(None), Ok("second"));
            assert_eq!(q.unfinished_tasks(), 2);
        }
    }

    #[test]
    fn a_getter_on_an_empty_queue_waits_for_a_put() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(LifoQueue::new(&rt, 0));
            let getters: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || q.get(None))
                })
                .collect();
            wait_until(&rt, || waiting(&q, |s| &s.not_empty) == 2);
            q.put(1, None).unwrap();
            q.put(2, None).unwrap();
            let mut got: Vec<_> = getters.into_iter().map(|g| g.join().unwrap()).collect();
            got.sort();
            assert_eq!(got, [1, 2]);
        }
    }

    /// CPython's test_queue: worker threads sum items and mark them done, and `join()` returns
    /// only once every item was processed.
    #[test]
    fn join_waits_for_every_task_done() {
        for rt in runtimes_with_traced_gil() {
            for maxsize in [0, 3] {
                let q = Arc::new(Queue::new(&rt, maxsize));
                let total = Arc::new(std::sync::atomic::AtomicU64::new(0));
                let workers: Vec<_> = (0..3)
                    .map(|_| {
                        let (q, total) = (Arc::clone(&q), Arc::clone(&total));
                        spawn(&rt, move || loop {
                            let item: Option<u64> = q.get(None).unwrap();
                            let Some(n) = item else {
                                q.task_done().unwrap();
                                return;
                            };
                            total.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                            q.task_done().unwrap();
                        })
                    })
                    .collect();
                for n in 0..100 {
                    q.put(Some(n), None).unwrap();
                }
                q.join().unwrap();
                assert_eq!(
                    total.load(std::sync::atomic::Ordering::Relaxed),
                    (0..100).sum::<u64>()
                );
                assert_eq!(q.unfinished_tasks(), 0);
                for _ in &workers {
                    q.put(None, None).unwrap();
                }
                q.join().unwrap();
                for worker in workers {
                    worker.join();
                }
            }
        }
    }

    #[test]
    fn join_blocks_until_the_last_task_done() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(Queue::new(&rt, 0));
            q.join().unwrap(); // nothing was ever put
            q.put(1, None).unwrap();
            q.put(2, None).unwrap();
            let joiner = {
                let q = Arc::clone(&q);
                spawn(&rt, move || q.join())
            };
            wait_until(&rt, || waiting(&q, |s| &s.all_tasks_done) == 1);
            assert_eq!(q.get(None), Ok(1));
            q.task_done().unwrap();
            assert!(!joiner.is_finished());
            assert_eq!(q.unfinished_tasks(), 1);
            assert_eq!(q.get(None), Ok(2));
            q.task_done().unwrap();
            assert_eq!(joiner.join(), Ok(()));
        }
    }

    #[test]
    fn too_many_task_done_calls_are_a_value_error() {
        for rt in runtimes_with_traced_gil() {
            let q = Queue::new(&rt, 0);
            assert_eq!(q.task_done(), Err(Error::TaskDoneTooOften));
            q.put((), None).unwrap();
            q.get(None).unwrap();
            q.task_done().unwrap();
            let err = q.task_done().unwrap_err();
            assert_eq!(err, Error::TaskDoneTooOften);
            assert_eq!(err.exception(), ExceptionKind::ValueError);
            assert_eq!(err.to_string(), "task_done() called too many times");
            assert_eq!(q.unfinished_tasks(), 0);
        }
    }

    #[test]
    fn shutdown_wakes_blocked_getters() {
        for rt in runtimes_with_traced_gil() {
            let q: Arc<Queue<i32>> = Arc::new(Queue::new(&rt, 0));
            let getters: Vec<_> = (0..3)
                .map(|i| {
                    let q = Arc::clone(&q);
                    // One waits forever, the others with a timeout they will not reach.
                    let timeout = (i > 0).then(|| Duration::from_secs(3600));
                    spawn(&rt, move || q.get(timeout))
                })
                .collect();
            wait_until(&rt, || waiting(&q, |s| &s.not_empty) == 3);
            q.shutdown(false);
            for getter in getters {
                assert_eq!(getter.join(), Err(Error::QueueShutDown));
            }
            assert_eq!(
                Error::QueueShutDown.exception(),
                ExceptionKind::QueueShutDown
            );
        }
    }

    #[test]
    fn shutdown_wakes_blocked_putters_and_gives_their_items_back() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(Queue::new(&rt, 1));
            q.put(0, None).unwrap();
            let putters: Vec<_> = (1..=2)
                .map(|i| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || q.put(i, None).map_err(|e| (e.error, e.item)))
                })
                .collect();
            wait_until(&rt, || waiting(&q, |s| &s.not_full) == 2);
            q.shutdown(false);
            let mut failures: Vec<_> = putters.into_iter().map(|p| p.join()).collect();
            failures.sort_by_key(|failure| failure.as_ref().err().map(|(_, item)| *item));
            assert_eq!(
                failures,
                [
                    Err((Error::QueueShutDown, 1)),
                    Err((Error::QueueShutDown, 2))
                ]
            );
            // The item already in the queue is still there for a getter.
            assert_eq!(q.get(None), Ok(0));
        }
    }

    #[test]
    fn after_a_graceful_shutdown_getters_drain_the_queue() {
        for rt in runtimes_with_traced_gil() {
            let q = Queue::new(&rt, 0);
            q.put(1, None).unwrap();
            q.put(2, None).unwrap();
            assert!(!q.is_shut_down());
            q.shutdown(false);
            assert!(q.is_shut_down());
            let err = q.put(3, None).unwrap_err();
            assert_eq!((err.error, err.item), (Error::QueueShutDown, 3));
            let err = q.try_put(4).unwrap_err();
            assert_eq!((err.error, err.item), (Error::QueueShutDown, 4));
            assert_eq!(q.get(None), Ok(1));
            assert_eq!(q.try_get(), Ok(2));
            // Empty and shut down: ShutDown, not Empty, and without waiting.
            assert_eq!(q.get(None), Err(Error::QueueShutDown));
            assert_eq!(q.try_get(), Err(Error::QueueShutDown));
            assert_eq!(q.get(SHORT), Err(Error::QueueShutDown));
            assert_eq!(q.unfinished_tasks(), 2);
            q.shutdown(false); // twice is harmless
        }
    }

    #[test]
    fn an_immediate_shutdown_drops_the_items_and_releases_joiners() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(Queue::new(&rt, 0));
            for i in 0..5 {
                q.put(i, None).unwrap();
            }
            // One item is in progress: taken but not yet done.
            assert_eq!(q.get(None), Ok(0));
            let joiner = {
                let q = Arc::clone(&q);
                spawn(&rt, move || q.join())
            };
            wait_until(&rt, || waiting(&q, |s| &s.all_tasks_done) == 1);
            q.shutdown(true);
            assert!(q.empty());
            assert_eq!(q.unfinished_tasks(), 1);
            assert_eq!(q.try_get(), Err(Error::QueueShutDown));
            assert!(!joiner.is_finished());
            q.task_done().unwrap();
            assert_eq!(joiner.join(), Ok(()));
            assert_eq!(q.task_done(), Err(Error::TaskDoneTooOften));
        }
    }

    #[test]
    fn an_immediate_shutdown_releases_joiners_at_once_when_nothing_is_in_progress() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(PriorityQueue::new(&rt, 2));
            q.put(2, None).unwrap();
            q.put(1, None).unwrap();
            let joiner = {
                let q = Arc::clone(&q);
                spawn(&rt, move || q.join())
            };
            wait_until(&rt, || waiting(&q, |s| &s.all_tasks_done) == 1);
            q.shutdown(true);
            assert_eq!(joiner.join(), Ok(()));
            assert_eq!(q.unfinished_tasks(), 0);
        }
    }

    /// Many producers and consumers on one queue: every item arrives exactly once. Consumers
    /// stop at `QueueShutDown`, which a graceful shutdown raises only once the queue is empty.
    fn deliver_exactly_once<S: Store<u64> + Send + 'static>(rt: &Runtime, maxsize: usize) {
        const PRODUCERS: u64 = 3;
        const CONSUMERS: usize = 3;
        const PER_PRODUCER: u64 = 2_000;
        let q: Arc<BlockingQueue<u64, S>> = Arc::new(BlockingQueue::new(rt, maxsize));
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let q = Arc::clone(&q);
                spawn(rt, move || {
                    let mut got = Vec::new();
                    loop {
                        match q.get(None) {
                            Ok(n) => got.push(n),
                            Err(err) => return (got, err),
                        }
                    }
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = Arc::clone(&q);
                spawn(rt, move || {
                    for i in 0..PER_PRODUCER {
                        q.put(p * PER_PRODUCER + i, None).unwrap();
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.join();
        }
        q.shutdown(false);
        let mut all = Vec::new();
        for consumer in consumers {
            let (got, err) = consumer.join();
            assert_eq!(err, Error::QueueShutDown);
            all.extend(got);
        }
        let total = PRODUCERS * PER_PRODUCER;
        let context = format!("{} maxsize {maxsize} in {}", S::KIND.name(), rt.mode_name());
        assert_eq!(all.len() as u64, total, "{context}");
        assert_eq!(
            all.iter().sum::<u64>(),
            total * (total - 1) / 2,
            "{context}"
        );
        all.sort_unstable();
        assert!(all.iter().copied().eq(0..total), "{context}");
        assert!(q.empty());
        assert_eq!(q.unfinished_tasks(), total);
    }

    #[test]
    fn every_item_is_delivered_exactly_once() {
        for rt in runtimes_with_traced_gil() {
            for maxsize in [0, 1, 8] {
                deliver_exactly_once::<Fifo<u64>>(&rt, maxsize);
                deliver_exactly_once::<Lifo<u64>>(&rt, maxsize);
                deliver_exactly_once::<Priority<u64>>(&rt, maxsize);
            }
        }
    }

    /// Each consumer sees one producer's items in the order they were put.
    #[test]
    fn fifo_order_holds_per_producer_under_concurrency() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(Queue::new(&rt, 4));
            let producers: Vec<_> = (0..2u64)
                .map(|p| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || {
                        for i in 0..1_000u64 {
                            q.put((p, i), None).unwrap();
                        }
                    })
                })
                .collect();
            let mut next = [0u64; 2];
            for _ in 0..2_000 {
                let (p, i) = q.get(None).unwrap();
                assert_eq!(i, next[p as usize]);
                next[p as usize] += 1;
            }
            for producer in producers {
                producer.join();
            }
        }
    }

    #[test]
    fn a_stopped_run_interrupts_blocked_puts_and_gets() {
        for mode in [Mode::Parallel, Mode::gil()] {
            let rt = Runtime::new(mode);
            let full = Arc::new(Queue::new(&rt, 1));
            full.put(0, None).unwrap();
            let empty: Arc<Queue<i32>> = Arc::new(Queue::new(&rt, 0));
            let putter = {
                let q = Arc::clone(&full);
                spawn(&rt, move || q.put(1, None).map_err(|e| (e.error, e.item)))
            };
            let getter = {
                let q = Arc::clone(&empty);
                spawn(&rt, move || q.get(None))
            };
            wait_until(&rt, || {
                waiting(&full, |s| &s.not_full) == 1 && waiting(&empty, |s| &s.not_empty) == 1
            });
            rt.stop(StopReason::Requested);
            let interrupted = Error::Interrupted(StopReason::Requested);
            assert_eq!(putter.join_after_stop(&rt), Err((interrupted.clone(), 1)));
            assert_eq!(getter.join_after_stop(&rt), Err(interrupted));
            // Nobody is left in the wait lists.
            assert_eq!(waiting(&full, |s| &s.not_full), 0);
            assert_eq!(waiting(&empty, |s| &s.not_empty), 0);
        }
    }

    #[test]
    fn observed_puts_and_gets_are_recorded() {
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let q = Queue::new(&rt, 0);
        q.put(1, None).unwrap();
        q.get(None).unwrap();
        assert_eq!(q.try_get(), Err(Error::QueueEmpty));
        let kinds = event_kinds(&rt, |kind| {
            matches!(kind, EventKind::Put { .. } | EventKind::Get { .. })
        });
        // A failed get is not a get.
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
        assert_eq!(Queue::<u8>::new(&rt, 0).id().to_string(), "Queue#1");
        assert_eq!(Queue::<u8>::new(&rt, 0).id().to_string(), "Queue#2");
        assert_eq!(LifoQueue::<u8>::new(&rt, 0).id().to_string(), "LifoQueue#1");
        assert_eq!(
            PriorityQueue::<u8>::new(&rt, 0).id().to_string(),
            "PriorityQueue#1"
        );
    }

    #[test]
    fn put_error_converts_and_prints() {
        let rt = Runtime::new(Mode::Parallel);
        let q = Queue::new(&rt, 1);
        q.put(vec![1], None).unwrap();
        let err = q.try_put(vec![2]).unwrap_err();
        assert_eq!(format!("{err:?}"), "PutError { error: QueueFull, .. }");
        // queue.Full has no message, as in CPython.
        assert_eq!(err.to_string(), "");
        let err: Error = err.into();
        assert_eq!(err, Error::QueueFull);
    }
}
