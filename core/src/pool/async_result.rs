//! What [`ThreadPool`](super::ThreadPool) work gives back: an [`AsyncResult`] (`apply_async`,
//! `map_async`) or an [`IMap`] iterator (`imap`, `imap_unordered`).
//!
//! Workers deliver values straight into these. Only results with callbacks go through the pool's
//! result-handler thread, because CPython runs the callback there *before* the result becomes
//! ready: once `get()` returns, the callback has run.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::thread_pool::PoolShared;
use super::{run_reporting_panics, spin_until, Callback, ErrorCallback, PoolError, PoolRun};
use crate::error::{Error, Result};
use crate::object_id::{LazyNumber, ObjectId, ObjectKind};
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired};
use crate::time::Time;
use crate::util::lock;

/// What one chunk of a map produced: its values in order, or the first failure among them.
pub(crate) type ChunkOutcome<T, E> = Result<Vec<T>, PoolError<E>>;

/// Where a map's chunk jobs deliver their outcomes.
pub(crate) trait ChunkSink<T, E>: Send + Sync {
    fn deliver(&self, pool: &PoolShared, chunk: usize, outcome: ChunkOutcome<T, E>);
}

/// Whatever holds the cell an [`AsyncResult`] reads: the cell itself, or the task whose result
/// it is, so that a task and its result share one allocation.
pub(crate) trait HasCell<T, E>: Send + Sync {
    fn cell(&self) -> &ResultCell<T, E>;
}

/// The one-shot slot behind an [`AsyncResult`].
///
/// One is allocated per task, at the rate tasks are submitted, so it is kept small: an error is
/// boxed (failures are rare, and a [`PoolError`] is several times the size of most values), the
/// wait list is boxed only once somebody waits, and the id's number is drawn lazily.
///
/// Reading a ready result takes no lock: the outcome is written once, under `waiters`' mutex,
/// before `ready` is set (release), and never changed again, so a reader that sees `ready`
/// (acquire) may read it from any number of threads at once (hence `T: Sync`, `E: Sync`). The
/// mutex orders completion against the waiters only: a waiter checks `ready` under it before
/// it parks, and the completer notifies under it.
pub(crate) struct ResultCell<T, E> {
    run: Arc<PoolRun>,
    /// Written once, by the first [`set`](Self::set), under `waiters`' mutex, before `ready`.
    outcome: UnsafeCell<Option<Stored<T, E>>>,
    waiters: Mutex<Option<Box<WaitList>>>,
    /// The number of this `AsyncResult#n`.
    number: LazyNumber,
    /// True once `outcome` is written (set with release ordering, after the write).
    ready: AtomicBool,
}

// SAFETY: `outcome` is the only field that is not `Sync` by itself. It is written once, by the
// first `set`, which holds `waiters`' mutex (so two `set`s never write at once) and sets `ready`
// with release ordering only after the write; no later `set` writes (they see `ready` under the
// same mutex). It is read only after an acquire load of `ready` returned true, i.e. after the
// write happened-before the read, and from then on only shared references exist until the cell
// is dropped (which takes `&mut`). Several threads may then hold `&Stored<T, E>` at once and
// clone through it, which is sound because `T: Sync` and `E: Sync`; the values were moved in
// from the completing thread and are dropped by whichever thread drops the cell, hence `Send`.
unsafe impl<T: Send + Sync, E: Send + Sync> Sync for ResultCell<T, E> {}

/// An outcome as a cell keeps it.
type Stored<T, E> = Result<T, Box<PoolError<E>>>;

/// A kept outcome as callers see it.
fn unstored<T: Clone, E: Clone>(stored: &Stored<T, E>) -> Result<T, PoolError<E>> {
    match stored {
        Ok(value) => Ok(value.clone()),
        Err(error) => Err(PoolError::clone(error)),
    }
}

impl<T: Clone + Send + Sync + 'static, E: Clone + Send + Sync + 'static> ResultCell<T, E> {
    pub(crate) fn new(run: &Arc<PoolRun>) -> ResultCell<T, E> {
        ResultCell {
            run: Arc::clone(run),
            number: LazyNumber::new(&run.rt, ObjectKind::AsyncResult),
            outcome: UnsafeCell::new(None),
            waiters: Mutex::new(None),
            ready: AtomicBool::new(false),
        }
    }

    /// Makes the result ready; the first outcome wins.
    pub(crate) fn set(&self, outcome: Result<T, PoolError<E>>) {
        let mut waiters = lock(&self.waiters);
        if self.ready.load(Ordering::Relaxed) {
            return;
        }
        // SAFETY: no reader looks at `outcome` before `ready` is set (below), and no other
        // writer runs: writers hold this mutex and stop once `ready` is set.
        unsafe { *self.outcome.get() = Some(outcome.map_err(Box::new)) };
        self.ready.store(true, Ordering::Release);
        if let Some(waiters) = &mut *waiters {
            waiters.notify_all(&self.run.rt);
        }
    }

    /// Runs the callback that matches `outcome`, then makes the result ready. A core failure
    /// (terminated pool, panicked task) has no `E` to hand to `error_callback`, so no callback
    /// runs for it.
    pub(crate) fn finish(
        &self,
        outcome: Result<T, PoolError<E>>,
        callback: Option<Callback<T>>,
        error_callback: Option<ErrorCallback<E>>,
    ) {
        match (&outcome, callback, error_callback) {
            (Ok(value), Some(callback), _) => {
                run_reporting_panics(&self.run.rt, "error in a pool callback", || callback(value));
            }
            (Err(PoolError::Task(error)), _, Some(error_callback)) => {
                run_reporting_panics(&self.run.rt, "error in a pool error_callback", || {
                    error_callback(error)
                });
            }
            _ => {}
        }
        self.set(outcome);
    }

    fn waiting_for(&self) -> WaitFor {
        WaitFor::Object {
            object: self.id(),
            holder: None,
        }
    }
}

impl<T, E> ResultCell<T, E> {
    fn id(&self) -> ObjectId {
        self.number.id(&self.run.rt, ObjectKind::AsyncResult)
    }

    /// The outcome, once ready; lock-free.
    fn outcome(&self) -> Option<&Stored<T, E>> {
        if !self.ready.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: `ready` is set (release) only after the one write of `outcome`, and this
        // acquire load saw it: the write happened before, and nothing writes it again while
        // `&self` lives (see the `Sync` impl).
        unsafe { (*self.outcome.get()).as_ref() }
    }
}

impl<T: Send + Sync, E: Send + Sync> HasCell<T, E> for ResultCell<T, E> {
    fn cell(&self) -> &ResultCell<T, E> {
        self
    }
}

/// The result of `apply_async` or `map_async`; cheap to clone, readable any number of times.
pub struct AsyncResult<T, E>(Arc<dyn HasCell<T, E>>);

impl<T, E> Clone for AsyncResult<T, E> {
    fn clone(&self) -> AsyncResult<T, E> {
        AsyncResult(Arc::clone(&self.0))
    }
}

impl<T: Clone + Send + Sync + 'static, E: Clone + Send + Sync + 'static> AsyncResult<T, E> {
    pub(crate) fn from_cell(cell: Arc<dyn HasCell<T, E>>) -> AsyncResult<T, E> {
        AsyncResult(cell)
    }

    fn cell(&self) -> &ResultCell<T, E> {
        self.0.cell()
    }

    pub fn id(&self) -> ObjectId {
        self.cell().id()
    }

    /// True once the task has finished, successfully or not.
    pub fn ready(&self) -> bool {
        self.cell().outcome().is_some()
    }

    /// Waits for at most `timeout` (`None`: forever); returns whether the result is ready.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        self.wait_until(timeout, |_| true)
            .map(|outcome| outcome.is_some())
    }

    /// The value, or the task's error; [`Error::Timeout`] when not ready within `timeout`.
    pub fn get(&self, timeout: Option<Duration>) -> Result<T, PoolError<E>> {
        self.wait_until(timeout, unstored)?
            .unwrap_or_else(|| Err(PoolError::Core(Error::Timeout(String::new()))))
    }

    /// Whether the task succeeded; [`Error::ResultNotReady`] while it has not finished.
    pub fn successful(&self) -> Result<bool> {
        match self.cell().outcome() {
            Some(outcome) => Ok(outcome.is_ok()),
            None => Err(Error::ResultNotReady),
        }
    }

    /// Reads the outcome with `read` once ready, waiting for at most `timeout`; `None` when it
    /// timed out. A ready result is read without a lock.
    #[inline]
    fn wait_until<R>(
        &self,
        timeout: Option<Duration>,
        read: impl FnOnce(&Stored<T, E>) -> R,
    ) -> Result<Option<R>> {
        match self.cell().outcome() {
            Some(outcome) => Ok(Some(read(outcome))),
            None => self.wait_slow(timeout, read),
        }
    }

    /// Spins briefly, then parks until ready or the deadline.
    #[cold]
    fn wait_slow<R>(
        &self,
        timeout: Option<Duration>,
        read: impl FnOnce(&Stored<T, E>) -> R,
    ) -> Result<Option<R>> {
        let cell = self.cell();
        let deadline = deadline(&cell.run.rt, timeout);
        if !expired(&cell.run.rt, deadline) {
            spin_until(&cell.run, || cell.ready.load(Ordering::Acquire));
        }
        let mut waiters = lock(&cell.waiters);
        loop {
            if let Some(outcome) = cell.outcome() {
                drop(waiters);
                return Ok(Some(read(outcome)));
            }
            if expired(&cell.run.rt, deadline) {
                return Ok(None);
            }
            waiters = wait_on(
                &cell.run.rt,
                &cell.waiters,
                waiters,
                |waiters| waiters.get_or_insert_with(Box::default),
                deadline,
                cell.waiting_for(),
            )?
            .0;
        }
    }
}

impl<T, E> fmt::Debug for AsyncResult<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cell = self.0.cell();
        f.debug_struct("AsyncResult")
            .field("id", &cell.id())
            .field("ready", &cell.outcome().is_some())
            .finish()
    }
}

/// Gathers the chunks of a `map_async` into one ordered list.
///
/// As in CPython, the result becomes ready only once every chunk has reported, even after a
/// failure, and it carries the first failure to arrive.
pub(crate) struct MapCollector<T, E> {
    cell: Arc<ResultCell<Vec<T>, E>>,
    progress: Mutex<MapProgress<T, E>>,
}

struct MapProgress<T, E> {
    chunks: Vec<Option<Vec<T>>>,
    left: usize,
    error: Option<PoolError<E>>,
    callback: Option<Callback<Vec<T>>>,
    error_callback: Option<ErrorCallback<E>>,
}

impl<T: Clone + Send + Sync + 'static, E: Clone + Send + Sync + 'static> MapCollector<T, E> {
    pub(crate) fn new(
        run: &Arc<PoolRun>,
        chunks: usize,
        callback: Option<Callback<Vec<T>>>,
        error_callback: Option<ErrorCallback<E>>,
    ) -> Arc<MapCollector<T, E>> {
        Arc::new(MapCollector {
            cell: Arc::new(ResultCell::new(run)),
            progress: Mutex::new(MapProgress {
                chunks: (0..chunks).map(|_| None).collect(),
                left: chunks,
                error: None,
                callback,
                error_callback,
            }),
        })
    }

    pub(crate) fn result(&self) -> AsyncResult<Vec<T>, E> {
        AsyncResult::from_cell(Arc::clone(&self.cell) as Arc<dyn HasCell<Vec<T>, E>>)
    }
}

impl<T: Clone + Send + Sync + 'static, E: Clone + Send + Sync + 'static> ChunkSink<T, E>
    for MapCollector<T, E>
{
    fn deliver(&self, pool: &PoolShared, chunk: usize, outcome: ChunkOutcome<T, E>) {
        let mut progress = lock(&self.progress);
        progress.left = progress.left.saturating_sub(1);
        match outcome {
            Ok(values) => {
                if progress.error.is_none() {
                    if let Some(slot) = progress.chunks.get_mut(chunk) {
                        *slot = Some(values);
                    }
                }
            }
            Err(error) => {
                if progress.error.is_none() {
                    progress.error = Some(error);
                    // The values can never be used now; free them early.
                    progress.chunks = Vec::new();
                }
            }
        }
        if progress.left > 0 {
            return;
        }
        let outcome = match progress.error.take() {
            Some(error) => Err(error),
            None => Ok(std::mem::take(&mut progress.chunks)
                .into_iter()
                .flatten()
                .flatten()
                .collect()),
        };
        let callback = progress.callback.take();
        let error_callback = progress.error_callback.take();
        drop(progress);
        if callback.is_none() && error_callback.is_none() {
            self.cell.set(outcome);
        } else {
            let cell = Arc::clone(&self.cell);
            pool.post(Box::new(move || {
                cell.finish(outcome, callback, error_callback)
            }));
        }
    }
}

/// The shared end of an [`IMap`], where chunk jobs deliver.
pub(crate) struct IMapShared<T, E> {
    run: Arc<PoolRun>,
    id: ObjectId,
    ordered: bool,
    state: Mutex<IMapState<T, E>>,
}

struct IMapState<T, E> {
    /// `imap`: outcomes by chunk number, taken in order.
    by_chunk: Vec<Option<ChunkOutcome<T, E>>>,
    /// `imap_unordered`: outcomes in completion order.
    arrived: VecDeque<ChunkOutcome<T, E>>,
    waiters: WaitList,
}

impl<T: Clone + Send + 'static, E: Clone + Send + 'static> ChunkSink<T, E> for IMapShared<T, E> {
    fn deliver(&self, _pool: &PoolShared, chunk: usize, outcome: ChunkOutcome<T, E>) {
        let mut state = lock(&self.state);
        if self.ordered {
            if let Some(slot) = state.by_chunk.get_mut(chunk) {
                *slot = Some(outcome);
            }
        } else {
            state.arrived.push_back(outcome);
        }
        state.waiters.notify_all(&self.run.rt);
    }
}

/// The iterator `imap` and `imap_unordered` return.
///
/// `imap` yields in input order, each value as soon as it and all before it are done;
/// `imap_unordered` yields values in the order their chunks finish (in input order within a
/// chunk). A failed chunk yields its error once, in place of its values, and iteration goes on
/// with the next chunk (CPython's behaviour for `chunksize=1`; with bigger chunks CPython's
/// generator stops at the first error, which the interpreter can do by stopping too).
pub struct IMap<T, E> {
    shared: Arc<IMapShared<T, E>>,
    current: std::vec::IntoIter<T>,
    next_chunk: usize,
    chunks: usize,
}

impl<T: Clone + Send + 'static, E: Clone + Send + 'static> IMap<T, E> {
    pub(crate) fn new(
        run: &Arc<PoolRun>,
        ordered: bool,
        chunks: usize,
    ) -> (IMap<T, E>, Arc<IMapShared<T, E>>) {
        let shared = Arc::new(IMapShared {
            run: Arc::clone(run),
            id: run.rt.new_object_id(ObjectKind::AsyncResult),
            ordered,
            state: Mutex::new(IMapState {
                by_chunk: if ordered {
                    (0..chunks).map(|_| None).collect()
                } else {
                    Vec::new()
                },
                arrived: VecDeque::new(),
                waiters: WaitList::default(),
            }),
        });
        let imap = IMap {
            shared: Arc::clone(&shared),
            current: Vec::new().into_iter(),
            next_chunk: 0,
            chunks,
        };
        (imap, shared)
    }

    pub fn id(&self) -> ObjectId {
        self.shared.id
    }

    /// CPython's `next(timeout)`: the next value, `Ok(None)` at the end, or an error. A timeout
    /// ([`Error::Timeout`]) leaves the iterator where it was, so it can be retried.
    pub fn next_timeout(&mut self, timeout: Option<Duration>) -> Result<Option<T>, PoolError<E>> {
        let deadline = deadline(&self.shared.run.rt, timeout);
        loop {
            if let Some(value) = self.current.next() {
                return Ok(Some(value));
            }
            if self.next_chunk >= self.chunks {
                return Ok(None);
            }
            let outcome = self.take_chunk(deadline)?;
            self.next_chunk += 1;
            self.current = outcome?.into_iter();
        }
    }

    fn take_chunk(&self, deadline: Option<Time>) -> Result<ChunkOutcome<T, E>, PoolError<E>> {
        let shared = &*self.shared;
        let mut state = lock(&shared.state);
        loop {
            let taken = if shared.ordered {
                state
                    .by_chunk
                    .get_mut(self.next_chunk)
                    .and_then(Option::take)
            } else {
                state.arrived.pop_front()
            };
            if let Some(outcome) = taken {
                return Ok(outcome);
            }
            if expired(&shared.run.rt, deadline) {
                return Err(PoolError::Core(Error::Timeout(String::new())));
            }
            let waiting_for = WaitFor::Object {
                object: shared.id,
                holder: None,
            };
            state = wait_on(
                &shared.run.rt,
                &shared.state,
                state,
                |state| &mut state.waiters,
                deadline,
                waiting_for,
            )?
            .0;
        }
    }
}

impl<T: Clone + Send + 'static, E: Clone + Send + 'static> Iterator for IMap<T, E> {
    type Item = Result<T, PoolError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_timeout(None).transpose()
    }
}

impl<T, E> fmt::Debug for IMap<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IMap")
            .field("id", &self.shared.id)
            .field("ordered", &self.shared.ordered)
            .field("next_chunk", &self.next_chunk)
            .field("chunks", &self.chunks)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;
    use crate::pool::{PoolOptions, ThreadPool};
    use crate::runtime::Runtime;
    use crate::sched::Mode;
    use crate::sync::testing::{parallel_runtimes, runtimes};

    const SHORT: Duration = Duration::from_millis(20);

    fn cell(rt: &Runtime) -> Arc<ResultCell<i32, String>> {
        Arc::new(ResultCell::new(&PoolRun::new(rt)))
    }

    #[test]
    fn a_result_is_not_ready_until_set_and_then_readable_many_times() {
        for rt in runtimes() {
            let cell = cell(&rt);
            let result = AsyncResult::from_cell(cell.clone());
            assert!(!result.ready());
            assert_eq!(result.successful(), Err(Error::ResultNotReady));
            assert_eq!(Error::ResultNotReady.to_string(), "not ready");
            assert_eq!(result.wait(Some(Duration::ZERO)), Ok(false));
            cell.set(Ok(7));
            cell.set(Ok(8));
            assert!(result.ready());
            assert_eq!(result.successful(), Ok(true));
            for _ in 0..3 {
                assert_eq!(result.get(None), Ok(7), "the first outcome wins");
            }
            assert_eq!(result.clone().get(Some(Duration::ZERO)), Ok(7));
        }
    }

    #[test]
    fn get_times_out_with_an_empty_timeout_error() {
        for rt in runtimes() {
            let result = AsyncResult::from_cell(cell(&rt));
            let err = result.get(Some(SHORT)).unwrap_err();
            assert_eq!(err, PoolError::Core(Error::Timeout(String::new())));
            assert_eq!(err.to_string(), "");
            assert_eq!(result.wait(Some(SHORT)), Ok(false));
        }
    }

    #[test]
    fn get_waits_for_a_running_task_and_can_time_out_first() {
        for rt in parallel_runtimes() {
            let pool = ThreadPool::new(
                &rt,
                PoolOptions {
                    processes: Some(1),
                    initializer: None,
                },
            )
            .unwrap();
            let (open, gate) = channel::<()>();
            let result = pool
                .apply_async(
                    move || {
                        gate.recv().unwrap();
                        Ok::<_, String>(3)
                    },
                    None,
                    None,
                )
                .unwrap();
            assert_eq!(
                result.get(Some(SHORT)),
                Err(PoolError::Core(Error::Timeout(String::new())))
            );
            assert!(!result.ready());
            open.send(()).unwrap();
            assert_eq!(result.wait(None), Ok(true));
            assert_eq!(result.get(Some(SHORT)), Ok(3));
        }
    }

    #[test]
    fn a_waiter_in_another_thread_is_woken() {
        for rt in runtimes() {
            let cell = cell(&rt);
            let result = AsyncResult::from_cell(cell.clone());
            let waiter = rt
                .spawn(crate::ThreadOptions::default(), move || {
                    assert_eq!(result.get(None), Err(PoolError::Task("late".to_owned())));
                })
                .unwrap();
            cell.set(Err(PoolError::Task("late".to_owned())));
            waiter.join(None).unwrap();
        }
    }

    #[test]
    fn finish_runs_the_matching_callback_before_the_result_is_ready() {
        let rt = Runtime::new(Mode::Parallel);
        let slot = cell(&rt);
        let result = AsyncResult::from_cell(slot.clone());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (on_value, on_error) = (Arc::clone(&seen), Arc::clone(&seen));
        let observed = result.clone();
        slot.finish(
            Ok(5),
            Some(Box::new(move |value: &i32| {
                on_value
                    .lock()
                    .unwrap()
                    .push(format!("value {value}, ready {}", observed.ready()))
            })),
            Some(Box::new(move |error: &String| {
                on_error.lock().unwrap().push(error.clone())
            })),
        );
        assert_eq!(*seen.lock().unwrap(), ["value 5, ready false"]);
        assert!(result.ready());
        // A core failure has no `E` for the error callback.
        let other = cell(&rt);
        other.finish(
            Err(PoolError::Core(Error::PoolTerminated)),
            None,
            Some(Box::new(|_: &String| panic!("no task error to report"))),
        );
        assert_eq!(
            AsyncResult::from_cell(other).get(None),
            Err(PoolError::Core(Error::PoolTerminated))
        );
    }

    #[test]
    fn ids_count_async_results_of_the_run() {
        let rt = Runtime::new(Mode::Parallel);
        let first = AsyncResult::from_cell(cell(&rt));
        let second = AsyncResult::from_cell(cell(&rt));
        assert_eq!(first.id().to_string(), "AsyncResult#1");
        assert_eq!(second.id().to_string(), "AsyncResult#2");
        assert!(format!("{first:?}").contains("ready: false"));
    }
}
