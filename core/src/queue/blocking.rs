//! `queue.Queue`, `queue.LifoQueue` and `queue.PriorityQueue`: one bounded blocking queue,
//! generic over the [`Store`] that orders its items.
//!
//! CPython guards a queue with one mutex and three conditions, `not_empty`, `not_full` and
//! `all_tasks_done`. Here the items are in a store that threads share, the counts are atomics,
//! and the mutex only guards the three wait lists that play the conditions' part: a put or get
//! that needs neither to wait nor to wake a waiter never takes it (see the parking protocol in
//! `queue/mod.rs`). Every put and get that must wait re-checks after each wake-up: a woken
//! thread may find that another one got there first, and simply waits again.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crossbeam_utils::CachePadded;

use super::store::{Fifo, Lifo, Priority, Store};
use super::{should_spin, Parked, PutError, SPIN};
use crate::error::{Error, Result};
use crate::object_id::ObjectId;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::spin::spin_until;
use crate::sync::wait_list::WaitList;
use crate::sync::{deadline, observed_scheduling_point};
use crate::thread::ThreadRef;
use crate::trace::EventKind;
use crate::util::lock;

/// `queue.Queue`: first in, first out.
pub type Queue<T> = BlockingQueue<T, Fifo<T>>;

/// `queue.LifoQueue`: last in, first out.
pub type LifoQueue<T> = BlockingQueue<T, Lifo<T>>;

/// `queue.PriorityQueue`: smallest item first; equal items in put order (see [`Priority`]).
pub type PriorityQueue<T> = BlockingQueue<T, Priority<T>>;

/// The word every put writes, `puts`:
///
/// | bits | meaning |
/// |---|---|
/// | 63: `SHUT_DOWN` | `shutdown()` was called: every put from now on fails |
/// | 16..63: `UNFINISHED` | items put, not yet `task_done`'d nor dropped by a shutdown |
/// | 0..16: `PUTTING` | puts past their shutdown check that have not finished pushing |
///
/// One word, so that a put counts its task, announces itself and checks for shutdown in one
/// atomic add, and undoes only the announcement once its item is in. Neither count can reach its
/// bound: that would take 65 536 threads inside the same few instructions of a put, or 1.4·10^14
/// puts without a `task_done`.
const SHUT_DOWN: u64 = 1 << 63;
const UNFINISHED_SHIFT: u32 = 16;
const UNFINISHED_ONE: u64 = 1 << UNFINISHED_SHIFT;
const UNFINISHED: u64 = SHUT_DOWN - UNFINISHED_ONE;
const PUTTING_ONE: u64 = 1;
const PUTTING: u64 = UNFINISHED_ONE - 1;

/// A queue of `T` ordered by `S`, bounded by `maxsize` (0: unbounded), with task tracking and
/// shutdown. Use it through the [`Queue`], [`LifoQueue`] and [`PriorityQueue`] aliases.
pub struct BlockingQueue<T, S> {
    rt: Runtime,
    id: ObjectId,
    maxsize: usize,
    items: S,
    // The atomic state:
    //
    // | field | meaning |
    // |---|---|
    // | `puts` | `SHUT_DOWN`, `UNFINISHED` tasks, `PUTTING` (see `SHUT_DOWN`) |
    // | `slots` | bounded only: slots taken, by stored items and by puts and gets in progress |
    // | `closed` | shut down, and every put that passed its check before that has pushed |
    // | `getters`, `putters`, `joiners` | waiters on `not_empty`, `not_full`, `all_tasks_done` |
    //
    // A put reserves a slot before it pushes (a compare-and-swap below `maxsize`, so a full
    // queue is never over-reserved) and a get releases one after it pops, as does a put that
    // fails after reserving and an immediate shutdown for what it drops. The waiter counts
    // change only under the mutex, by the waiting threads themselves.
    //
    // Two handshakes keep it consistent without a lock:
    // - waiters and wakers: a getter counts itself in `getters` before it re-checks the store,
    //   and a put pushes before it reads `getters`; in between, both update `puts` (the put's
    //   update ends its push anyway), so one of them sees the other. Likewise putters and gets
    //   with `slots`, joiners and `task_done` with `puts`. See `queue/mod.rs`.
    // - puts and shutdown, on the one word `puts`: a put adds itself to `PUTTING` and learns
    //   whether `SHUT_DOWN` is set in the same operation; `shutdown` sets `SHUT_DOWN` and then
    //   waits for `PUTTING` to drain. So every put either fails or has pushed before `shutdown`
    //   drops items (when `immediate`) and sets `closed`. A get fails with `QueueShutDown` only
    //   when it saw `closed` before it found the store empty: that emptiness is final, and no
    //   item put before the shutdown is left behind for nobody.
    //
    // `puts` (written by every put) and `slots` (by every put and get of a bounded queue) each
    // have a cache line of their own: a consumer reading `closed` or a producer reading
    // `getters` must not miss its cache because the other side just wrote a neighbour.
    puts: CachePadded<AtomicU64>,
    slots: CachePadded<AtomicUsize>,
    closed: AtomicBool,
    getters: AtomicUsize,
    putters: AtomicUsize,
    joiners: AtomicUsize,
    state: Mutex<State<S>>,
    // The items live in `S`; `fn() -> T` keeps the queue `Sync` whenever `S` is, as it is for
    // any `T: Send`.
    _item: PhantomData<fn() -> T>,
}

/// What the internal mutex guards: the wait lists, nothing else. (Generic over the store only so
/// that the tests' helpers name it per kind of queue.)
struct State<S> {
    /// Getters waiting for an item (or for shutdown).
    not_empty: WaitList,
    /// Putters waiting for room (or for shutdown).
    not_full: WaitList,
    /// `join()` callers waiting for `UNFINISHED` to reach zero.
    all_tasks_done: WaitList,
    _store: PhantomData<fn() -> S>,
}

impl<T, S: Store<T>> BlockingQueue<T, S> {
    /// A queue holding at most `maxsize` items; 0 means no bound (the interpreter maps
    /// CPython's `maxsize <= 0` to 0).
    pub fn new(rt: &Runtime, maxsize: usize) -> BlockingQueue<T, S> {
        BlockingQueue {
            rt: rt.clone(),
            id: rt.new_object_id(S::KIND),
            maxsize,
            items: S::default(),
            puts: CachePadded::new(AtomicU64::new(0)),
            slots: CachePadded::new(AtomicUsize::new(0)),
            closed: AtomicBool::new(false),
            getters: AtomicUsize::new(0),
            putters: AtomicUsize::new(0),
            joiners: AtomicUsize::new(0),
            state: Mutex::new(State {
                not_empty: WaitList::default(),
                not_full: WaitList::default(),
                all_tasks_done: WaitList::default(),
                _store: PhantomData,
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
        self.items.len()
    }

    pub fn empty(&self) -> bool {
        self.items.is_empty()
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
        let before = self
            .puts
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |puts| {
                (puts & UNFINISHED != 0).then(|| puts - UNFINISHED_ONE)
            })
            .map_err(|_| Error::TaskDoneTooOften)?;
        // That update was the handshake with the joiners (see `joiners()`).
        if before & UNFINISHED == UNFINISHED_ONE {
            self.joiners().wake_all(&self.rt);
        }
        Ok(())
    }

    /// Blocks until every item ever put has been marked with [`task_done`](Self::task_done)
    /// (or dropped by an immediate shutdown).
    pub fn join(&self) -> Result<()> {
        if self.unfinished_tasks() == 0 {
            return Ok(());
        }
        self.joiners().park_until(
            &self.rt,
            || self.handshake_with_puts(),
            None,
            self.waiting_for(),
            || (self.unfinished_tasks() == 0).then_some(Ok(())),
        )?;
        Ok(())
    }

    /// Items put and not yet marked done (CPython's `unfinished_tasks` attribute).
    pub fn unfinished_tasks(&self) -> u64 {
        (self.puts.load(Ordering::Acquire) & UNFINISHED) >> UNFINISHED_SHIFT
    }

    /// Python 3.13's `shutdown`: from now on every put fails with `QueueShutDown`, and so does
    /// every get once the queue is empty. With `immediate`, the queue is emptied at once, each
    /// removed item counts as done, and `join()` callers are released once nothing is
    /// unfinished. Every blocked putter and getter wakes up to re-check.
    pub fn shutdown(&self, immediate: bool) {
        self.puts.fetch_or(SHUT_DOWN, Ordering::AcqRel);
        // No put gets past its check any more; wait for those that did to push. They are a few
        // instructions from done and never block, so this is short (and with one thread running
        // at a time, under the GIL or the deterministic scheduler, it never waits at all).
        while self.puts.load(Ordering::Acquire) & PUTTING != 0 {
            spin_until(SPIN, || self.puts.load(Ordering::Acquire) & PUTTING == 0);
        }
        let mut state = lock(&self.state);
        let dropped = immediate.then(|| self.items.drain());
        if let Some(items) = &dropped {
            if self.maxsize > 0 {
                self.slots.fetch_sub(items.len(), Ordering::AcqRel);
            }
            let removed = u64::try_from(items.len()).unwrap_or(u64::MAX);
            let update = self
                .puts
                .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |puts| {
                    let unfinished = (puts & UNFINISHED) >> UNFINISHED_SHIFT;
                    let left = unfinished.saturating_sub(removed);
                    Some((puts & !UNFINISHED) | (left << UNFINISHED_SHIFT))
                });
            let before = update.unwrap_or_else(|puts| puts);
            if (before & UNFINISHED) >> UNFINISHED_SHIFT <= removed {
                state.all_tasks_done.notify_all(&self.rt);
            }
        }
        // Under the mutex, which a waiting getter holds when it re-checks `closed`.
        self.closed.store(true, Ordering::Release);
        state.not_empty.notify_all(&self.rt);
        state.not_full.notify_all(&self.rt);
        drop(state);
        // Dropping items may run arbitrary code (the interpreter's objects): not under our lock.
        drop(dropped);
    }

    pub fn is_shut_down(&self) -> bool {
        self.puts.load(Ordering::Acquire) & SHUT_DOWN != 0
    }

    /// `wait`: `None` never blocks; `Some(timeout)` blocks for at most `timeout`.
    #[inline]
    fn put_with(&self, item: T, wait: Option<Option<Duration>>) -> Result<(), PutError<T>> {
        let me = match observed_scheduling_point(&self.rt) {
            Ok(me) => me,
            Err(error) => return Err(PutError { error, item }),
        };
        // Checked again, race-free, by `push_reserved`; this early look spares a shut-down
        // queue's puts the wait for room (a full queue that is shut down says so, not that it
        // is full) and keeps them out of the `PUTTING` count that `shutdown` waits on.
        if self.is_shut_down() {
            return Err(PutError {
                error: Error::QueueShutDown,
                item,
            });
        }
        if self.maxsize > 0 {
            if let Err(error) = self.reserve_slot(wait) {
                return Err(PutError { error, item });
            }
        }
        self.push_reserved(item)?;
        self.record(me, || EventKind::Put { queue: self.id });
        Ok(())
    }

    /// Takes a slot for one more item in a bounded queue, waiting for one as `wait` says.
    #[inline]
    fn reserve_slot(&self, wait: Option<Option<Duration>>) -> Result<()> {
        if self.try_reserve() {
            return Ok(());
        }
        self.wait_for_room(wait)
    }

    /// Takes a slot if fewer than `maxsize` are taken; a compare-and-swap, so that a full queue
    /// is never over-reserved and a failed attempt has nothing to undo.
    #[inline]
    fn try_reserve(&self) -> bool {
        self.slots
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| {
                (n < self.maxsize).then_some(n + 1)
            })
            .is_ok()
    }

    /// Gives a slot back (bounded queues only) and wakes a putter waiting for room, if any.
    #[inline]
    fn release_slot(&self) {
        if self.maxsize > 0 {
            // Also the handshake with the putters (see `putters()`).
            self.slots.fetch_sub(1, Ordering::AcqRel);
            self.putters().wake_one(&self.rt);
        }
    }

    /// Pushes `item` (into the slot reserved for it, when bounded) unless the queue is shut
    /// down, and wakes a waiting getter, if any.
    #[inline]
    fn push_reserved(&self, item: T) -> Result<(), PutError<T>> {
        // The task is counted before its item can be taken, so its task_done never comes first.
        let before = self
            .puts
            .fetch_add(PUTTING_ONE + UNFINISHED_ONE, Ordering::Acquire);
        if before & SHUT_DOWN != 0 {
            self.puts
                .fetch_sub(PUTTING_ONE + UNFINISHED_ONE, Ordering::Release);
            self.release_slot();
            return Err(PutError {
                error: Error::QueueShutDown,
                item,
            });
        }
        self.items.push(item);
        // Also the handshake with the getters (see `getters()`).
        self.puts.fetch_sub(PUTTING_ONE, Ordering::AcqRel);
        self.getters().wake_one(&self.rt);
        Ok(())
    }

    /// Waits until a slot is reserved; the queue was full when called.
    #[cold]
    fn wait_for_room(&self, wait: Option<Option<Duration>>) -> Result<()> {
        let Some(timeout) = wait else {
            return Err(Error::QueueFull);
        };
        let deadline = deadline(&self.rt, timeout);
        if should_spin(&self.rt, timeout) {
            spin_until(SPIN, || {
                self.slots.load(Ordering::Relaxed) < self.maxsize || self.is_shut_down()
            });
            if let Some(outcome) = self.room() {
                return outcome;
            }
        }
        self.putters()
            .park_until(
                &self.rt,
                || {
                    self.slots.fetch_add(0, Ordering::AcqRel);
                },
                deadline,
                self.waiting_for(),
                || self.room(),
            )?
            .ok_or(Error::QueueFull)
    }

    /// One attempt of a waiting put: `None` while the queue is full.
    fn room(&self) -> Option<Result<()>> {
        if self.is_shut_down() {
            Some(Err(Error::QueueShutDown))
        } else {
            self.try_reserve().then_some(Ok(()))
        }
    }

    #[inline]
    fn get_with(&self, wait: Option<Option<Duration>>) -> Result<T> {
        let me = observed_scheduling_point(&self.rt)?;
        let item = match self.take() {
            Some(taken) => taken?,
            None => self.wait_for_item(wait)?,
        };
        self.release_slot();
        self.record(me, || EventKind::Get { queue: self.id });
        Ok(item)
    }

    /// One attempt of a get: the next item; `QueueShutDown` when the queue is closed and
    /// empty; `None` when it is just empty.
    #[inline]
    fn take(&self) -> Option<Result<T>> {
        // Read before popping: only a queue found empty after it was closed stays empty.
        let closed = self.closed.load(Ordering::Acquire);
        match self.items.pop() {
            Some(item) => Some(Ok(item)),
            None => closed.then_some(Err(Error::QueueShutDown)),
        }
    }

    /// Waits for an item and takes it; the queue was empty (and not closed) when called.
    #[cold]
    fn wait_for_item(&self, wait: Option<Option<Duration>>) -> Result<T> {
        let Some(timeout) = wait else {
            return Err(Error::QueueEmpty);
        };
        let deadline = deadline(&self.rt, timeout);
        if should_spin(&self.rt, timeout) {
            spin_until(SPIN, || {
                !self.items.is_empty() || self.closed.load(Ordering::Relaxed)
            });
            if let Some(taken) = self.take() {
                return taken;
            }
        }
        self.getters()
            .park_until(
                &self.rt,
                || self.handshake_with_puts(),
                deadline,
                self.waiting_for(),
                || self.take(),
            )?
            .ok_or(Error::QueueEmpty)
    }

    /// Getters waiting for an item. Their wakers are puts, whose publication ends with the
    /// update of `puts` that ends their push; a getter's handshake updates `puts` too.
    fn getters(&self) -> Parked<'_, State<S>> {
        Parked {
            mutex: &self.state,
            count: &self.getters,
            list: |state| &mut state.not_empty,
        }
    }

    /// Putters waiting for room. Their wakers are gets (and failed puts), whose publication is
    /// the release of a slot in `slots`; a putter's handshake updates `slots` too.
    fn putters(&self) -> Parked<'_, State<S>> {
        Parked {
            mutex: &self.state,
            count: &self.putters,
            list: |state| &mut state.not_full,
        }
    }

    /// `join()` callers. Their waker is the `task_done` that takes `UNFINISHED` to zero, an
    /// update of `puts`; a joiner's handshake updates `puts` too.
    fn joiners(&self) -> Parked<'_, State<S>> {
        Parked {
            mutex: &self.state,
            count: &self.joiners,
            list: |state| &mut state.all_tasks_done,
        }
    }

    /// A waiter's side of the read-modify-write handshake on `puts` (see `queue/mod.rs`).
    fn handshake_with_puts(&self) {
        self.puts.fetch_add(0, Ordering::AcqRel);
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
        f.debug_struct("BlockingQueue")
            .field("id", &self.id)
            .field("maxsize", &self.maxsize)
            .field("qsize", &self.qsize())
            .field("unfinished_tasks", &self.unfinished_tasks())
            .field("shut_down", &self.is_shut_down())
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

    // ----- the lock-free paths under stress, races and the deterministic scheduler -----

    /// Nobody parked, nothing in flight, nothing reserved: what a quiet queue looks like.
    fn assert_quiet<T, S: Store<T>>(q: &BlockingQueue<T, S>) {
        assert_eq!(q.getters.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(q.putters.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(q.joiners.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(
            q.puts.load(std::sync::atomic::Ordering::SeqCst) & PUTTING,
            0
        );
        if q.maxsize > 0 {
            assert_eq!(q.slots.load(std::sync::atomic::Ordering::SeqCst), q.qsize());
        }
    }

    /// Four producers and four consumers through a tiny bound, so that putters and getters park
    /// and wake all the time: every item arrives exactly once and every task is done.
    #[test]
    fn four_producers_and_four_consumers_through_a_small_bound() {
        const PRODUCERS: u64 = 4;
        const CONSUMERS: usize = 4;
        const PER_PRODUCER: u64 = 5_000;
        for rt in crate::sync::testing::parallel_runtimes() {
            for maxsize in [1, 2, 8] {
                let q: Arc<Queue<u64>> = Arc::new(Queue::new(&rt, maxsize));
                let consumers: Vec<_> = (0..CONSUMERS)
                    .map(|_| {
                        let q = Arc::clone(&q);
                        spawn(&rt, move || {
                            let mut got = Vec::new();
                            loop {
                                match q.get(None) {
                                    Ok(n) => {
                                        got.push(n);
                                        q.task_done().unwrap();
                                    }
                                    Err(err) => return (got, err),
                                }
                            }
                        })
                    })
                    .collect();
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|p| {
                        let q = Arc::clone(&q);
                        spawn(&rt, move || {
                            for i in 0..PER_PRODUCER {
                                q.put(p * PER_PRODUCER + i, None).unwrap();
                            }
                        })
                    })
                    .collect();
                for producer in producers {
                    producer.join();
                }
                q.join().unwrap();
                q.shutdown(false);
                let mut all = Vec::new();
                for consumer in consumers {
                    let (got, err) = consumer.join();
                    assert_eq!(err, Error::QueueShutDown);
                    all.extend(got);
                }
                let total = PRODUCERS * PER_PRODUCER;
                let context = format!("maxsize {maxsize} in {}", rt.mode_name());
                assert_eq!(all.len() as u64, total, "{context}");
                assert_eq!(
                    all.iter().sum::<u64>(),
                    total * (total - 1) / 2,
                    "{context}"
                );
                all.sort_unstable();
                assert!(all.iter().copied().eq(0..total), "{context}");
                assert_eq!(q.unfinished_tasks(), 0, "{context}");
                assert!(q.empty());
                assert_quiet(&q);
            }
        }
    }

    #[test]
    fn every_parked_getter_and_putter_is_woken() {
        for rt in runtimes_with_traced_gil() {
            // Four getters park on an empty queue; four producers put at once.
            let q: Arc<Queue<u32>> = Arc::new(Queue::new(&rt, 1));
            let getters: Vec<_> = (0..4)
                .map(|_| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || q.get(None))
                })
                .collect();
            wait_until(&rt, || waiting(&q, |s| &s.not_empty) == 4);
            let producers: Vec<_> = (0..4)
                .map(|i| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || q.put(i, None).is_ok())
                })
                .collect();
            let mut got: Vec<_> = getters.into_iter().map(|g| g.join().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, [0, 1, 2, 3]);
            assert!(producers.into_iter().all(|p| p.join()));

            // Four putters park on a full queue; each get lets one in.
            q.put(100, None).unwrap();
            let putters: Vec<_> = (0..4)
                .map(|i| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || q.put(10 + i, None).is_ok())
                })
                .collect();
            wait_until(&rt, || waiting(&q, |s| &s.not_full) == 4);
            let mut got: Vec<_> = (0..5).map(|_| q.get(None).unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, [10, 11, 12, 13, 100]);
            assert!(putters.into_iter().all(|p| p.join()));
            assert!(q.empty());
            assert_quiet(&q);
        }
    }

    #[test]
    fn joiners_are_released_by_task_done_from_many_threads() {
        for rt in runtimes_with_traced_gil() {
            let q = Arc::new(Queue::new(&rt, 0));
            for i in 0..400 {
                q.put(i, None).unwrap();
            }
            let joiners: Vec<_> = (0..3)
                .map(|_| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || q.join())
                })
                .collect();
            wait_until(&rt, || waiting(&q, |s| &s.all_tasks_done) == 3);
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let q = Arc::clone(&q);
                    spawn(&rt, move || {
                        let mut done = 0;
                        while q.try_get().is_ok() {
                            q.task_done().unwrap();
                            done += 1;
                        }
                        done
                    })
                })
                .collect();
            let done: u32 = workers.into_iter().map(|w| w.join()).sum();
            assert_eq!(done, 400);
            for joiner in joiners {
                assert_eq!(joiner.join(), Ok(()));
            }
            assert_eq!(q.unfinished_tasks(), 0);
            assert_eq!(q.task_done(), Err(Error::TaskDoneTooOften));
            assert_quiet(&q);
        }
    }

    /// Producers and consumers at full speed while another thread shuts the queue down: every
    /// put either fails with `QueueShutDown` or its item reaches a consumer (or, on an
    /// immediate shutdown, is dropped as done); no item is left behind once the consumers have
    /// seen `QueueShutDown`, so `join()` would return.
    #[test]
    fn a_shutdown_racing_puts_and_gets_strands_nothing() {
        for rt in crate::sync::testing::parallel_runtimes() {
            for round in 0..120u64 {
                let immediate = round % 2 == 1;
                let maxsize = if round % 4 < 2 { 0 } else { 2 };
                let q: Arc<Queue<u64>> = Arc::new(Queue::new(&rt, maxsize));
                let received = Arc::new(std::sync::atomic::AtomicU64::new(0));
                let consumers: Vec<_> = (0..2)
                    .map(|_| {
                        let (q, received) = (Arc::clone(&q), Arc::clone(&received));
                        spawn(&rt, move || {
                            let mut got = Vec::new();
                            loop {
                                match q.get(None) {
                                    Ok(n) => {
                                        got.push(n);
                                        received.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                        q.task_done().unwrap();
                                    }
                                    Err(err) => return (got, err),
                                }
                            }
                        })
                    })
                    .collect();
                let producers: Vec<_> = (0..2u64)
                    .map(|p| {
                        let q = Arc::clone(&q);
                        spawn(&rt, move || {
                            let mut sent = Vec::new();
                            for i in 0..20_000 {
                                match q.put(p * 20_000 + i, None) {
                                    Ok(()) => sent.push(p * 20_000 + i),
                                    Err(err) => return (sent, Some(err.error)),
                                }
                            }
                            (sent, None)
                        })
                    })
                    .collect();
                let enough = round % 7 * 50;
                wait_until(&rt, || {
                    received.load(std::sync::atomic::Ordering::SeqCst) >= enough
                });
                q.shutdown(immediate);
                let mut sent = Vec::new();
                for producer in producers {
                    let (items, err) = producer.join();
                    assert!(matches!(err, None | Some(Error::QueueShutDown)), "{err:?}");
                    sent.extend(items);
                }
                let mut got = Vec::new();
                for consumer in consumers {
                    let (items, err) = consumer.join();
                    assert_eq!(err, Error::QueueShutDown);
                    got.extend(items);
                }
                let context = format!(
                    "round {round}, immediate {immediate}, maxsize {maxsize} in {}",
                    rt.mode_name()
                );
                sent.sort_unstable();
                got.sort_unstable();
                if immediate {
                    let mut distinct = got.clone();
                    distinct.dedup();
                    assert_eq!(distinct.len(), got.len(), "{context}");
                    assert!(
                        got.iter().all(|n| sent.binary_search(n).is_ok()),
                        "{context}"
                    );
                } else {
                    assert_eq!(got, sent, "{context}");
                }
                assert!(q.empty(), "{context}");
                assert_eq!(q.unfinished_tasks(), 0, "{context}");
                assert_quiet(&q);
            }
        }
    }

    /// Producers, consumers, `join` and a shutdown in the deterministic scheduler: one thread
    /// at a time, switching at every put and get.
    fn choreography(
        rt: &Runtime,
        maxsize: usize,
        immediate: bool,
    ) -> std::result::Result<(), String> {
        let q: Arc<Queue<u64>> = Arc::new(Queue::new(rt, maxsize));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                spawn(rt, move || {
                    let mut got = Vec::new();
                    while let Ok(n) = q.get(None) {
                        got.push(n);
                        q.task_done().unwrap();
                    }
                    got
                })
            })
            .collect();
        let producers: Vec<_> = (0..2u64)
            .map(|p| {
                let q = Arc::clone(&q);
                spawn(rt, move || {
                    (0..6)
                        .map(|i| p * 10 + i)
                        .filter(|&n| q.put(n, None).is_ok())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Half the runs shut down only once everything was put and done; the other half while
        // the producers are still at it.
        let early = maxsize == 1;
        if early {
            // A put of our own first, so that the shutdown falls somewhere mid-run.
            q.put(99, None).map_err(|e| e.error.to_string())?;
            q.shutdown(immediate);
        }
        let mut sent: Vec<u64> = producers.into_iter().flat_map(|p| p.join()).collect();
        if early {
            sent.push(99);
        }
        if !early {
            q.join().map_err(|e| e.to_string())?;
            q.shutdown(immediate);
        }
        let mut got: Vec<u64> = consumers.into_iter().flat_map(|c| c.join()).collect();
        sent.sort_unstable();
        got.sort_unstable();
        let lost = immediate && early;
        if (lost && !got.iter().all(|n| sent.binary_search(n).is_ok())) || (!lost && got != sent) {
            return Err(format!("sent {sent:?}, got {got:?}"));
        }
        if q.unfinished_tasks() != 0 || !q.empty() {
            return Err(format!("left behind: {q:?}"));
        }
        Ok(())
    }

    #[test]
    fn deterministic_runs_deliver_join_and_shut_down() {
        use crate::sched::Explorer;
        for (maxsize, immediate) in [(0, false), (1, false), (2, true), (1, true)] {
            for explorer in [Explorer::random(), Explorer::pct(2)] {
                let exploration = explorer
                    .seeds(0..60)
                    .run(|rt| choreography(rt, maxsize, immediate));
                assert!(
                    exploration.first_failure.is_none(),
                    "maxsize {maxsize}, immediate {immediate}: {:?}",
                    exploration.first_failure
                );
                assert_eq!(exploration.explored, 60);
            }
        }
    }
}
