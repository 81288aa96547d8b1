//! `concurrent.futures.Future`, and the functions that watch several futures at once:
//! [`as_completed`] and [`wait`].
//!
//! A future tells its done callbacks and its *listeners* when it completes. A listener is a
//! small [`Watcher`] that `as_completed` or `wait` registers on every future it watches, so that
//! one blocked thread is woken by whichever future finishes first.

use std::cell::UnsafeCell;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{run_reporting_panics, spin_until, FutureError, PoolRun};
use crate::error::Result;
use crate::object_id::{LazyNumber, ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired};
use crate::time::Time;
use crate::util::lock;

/// Called once a future is done (`add_done_callback`).
pub type DoneCallback<T, E> = Box<dyn FnOnce(&Future<T, E>) + Send>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pending,
    Running,
    Cancelled,
    Finished,
}

/// The eventual outcome of one submitted task; cheap to clone, compared by identity.
pub struct Future<T, E>(Arc<dyn HasCore<T, E>>);

/// Whatever holds a future's core: the core itself, or the executor task it belongs to, so that
/// a task and its future share one allocation.
pub(crate) trait HasCore<T, E>: Send + Sync {
    fn core(&self) -> &FutureCore<T, E>;
}

/// A future's state and outcome.
///
/// Reading a finished future takes no lock: the outcome is written once, under `state`'s mutex,
/// as the status becomes [`Status::Finished`], before `done` is set to [`FINISHED`] (release);
/// it never changes again, so a reader that sees [`FINISHED`] (acquire) reads it from any number
/// of threads at once (hence `T: Sync`, `E: Sync`). Everything else goes through the mutex.
pub(crate) struct FutureCore<T, E> {
    run: Arc<PoolRun>,
    state: Mutex<FutureState<T, E>>,
    /// Written once, by [`Future::complete`] under `state`'s mutex, before `done` becomes
    /// [`FINISHED`]. The error is boxed: failures are rare, and a [`FutureError`] is several
    /// times the size of most values (one future is allocated per task).
    outcome: UnsafeCell<Option<Stored<T, E>>>,
    /// The number of this `Future#n`.
    number: LazyNumber,
    /// [`NOT_DONE`], [`CANCELLED`] or [`FINISHED`]: the status's end, readable without the lock
    /// (by a reader of a finished future, and by a thread spinning before it parks).
    done: AtomicU8,
}

const NOT_DONE: u8 = 0;
const CANCELLED: u8 = 1;
const FINISHED: u8 = 2;

/// An outcome as a future keeps it.
type Stored<T, E> = Result<T, Box<FutureError<E>>>;

// SAFETY: `outcome` is the only field that is not `Sync` by itself. It is written once, by the
// first `complete`, which holds `state`'s mutex (so no two writes overlap; later completes see
// the status is no longer pending or running, under the same mutex, and write nothing), and
// which sets `done` to `FINISHED` with release ordering only after the write. It is read only
// after an acquire load of `done` returned `FINISHED` (or under the mutex once the status is
// `Finished`), so the write happened-before every read, and from then on only shared references
// exist until the future is dropped (which takes `&mut`). Several threads may then hold
// `&Stored<T, E>` at once and clone through it, which is sound because `T: Sync` and
// `E: Sync`; the values were moved in by the completing thread and are dropped by whichever
// thread drops the future, hence `Send`.
unsafe impl<T: Send + Sync, E: Send + Sync> Sync for FutureCore<T, E> {}

struct FutureState<T, E> {
    status: Status,
    /// Boxed once somebody registers: most futures are only ever read after they are done, and
    /// one future is allocated per task.
    observers: Option<Box<Observers<T, E>>>,
}

/// Who must hear of a future's completion.
struct Observers<T, E> {
    waiters: WaitList,
    callbacks: Vec<DoneCallback<T, E>>,
    listeners: Vec<Listener>,
}

impl<T, E> Default for Observers<T, E> {
    fn default() -> Observers<T, E> {
        Observers {
            waiters: WaitList::default(),
            callbacks: Vec::new(),
            listeners: Vec::new(),
        }
    }
}

impl<T, E> FutureState<T, E> {
    fn observers(&mut self) -> &mut Observers<T, E> {
        self.observers.get_or_insert_with(Box::default)
    }

    /// Ends the wait of every blocked thread and hands back the rest, to be told outside the
    /// lock.
    fn release_observers(&mut self, rt: &Runtime) -> Option<Box<Observers<T, E>>> {
        let mut observers = self.observers.take();
        if let Some(observers) = &mut observers {
            observers.waiters.notify_all(rt);
        }
        observers
    }
}

struct Listener {
    watcher: Arc<Watcher>,
    key: usize,
}

impl<T, E> Clone for Future<T, E> {
    fn clone(&self) -> Future<T, E> {
        Future(Arc::clone(&self.0))
    }
}

impl<T, E> FutureCore<T, E> {
    pub(crate) fn new(run: &Arc<PoolRun>) -> FutureCore<T, E> {
        FutureCore {
            run: Arc::clone(run),
            number: LazyNumber::new(&run.rt, ObjectKind::Future),
            state: Mutex::new(FutureState {
                status: Status::Pending,
                observers: None,
            }),
            outcome: UnsafeCell::new(None),
            done: AtomicU8::new(NOT_DONE),
        }
    }

    pub(crate) fn id(&self) -> ObjectId {
        self.number.id(&self.run.rt, ObjectKind::Future)
    }

    /// The outcome of a finished future; lock-free. `None` while not done, and for a cancelled
    /// future.
    fn finished(&self) -> Option<&Stored<T, E>> {
        if self.done.load(Ordering::Acquire) != FINISHED {
            return None;
        }
        // SAFETY: `done` becomes `FINISHED` (release) only after the one write of `outcome`,
        // and this acquire load saw it; nothing writes `outcome` again (see the `Sync` impl).
        unsafe { (*self.outcome.get()).as_ref() }
    }

    /// `set_running_or_notify_cancel`: false if it was cancelled, so the task must not run.
    pub(crate) fn start_running(&self) -> bool {
        let mut state = lock(&self.state);
        match state.status {
            Status::Pending => {
                state.status = Status::Running;
                true
            }
            _ => false,
        }
    }
}

impl<T: Send + Sync, E: Send + Sync> HasCore<T, E> for FutureCore<T, E> {
    fn core(&self) -> &FutureCore<T, E> {
        self
    }
}

#[cfg(test)]
impl<T: Send + Sync + 'static, E: Send + Sync + 'static> Future<T, E> {
    /// A future of its own, not tied to a task.
    pub(crate) fn new(run: &Arc<PoolRun>) -> Future<T, E> {
        Future(Arc::new(FutureCore::new(run)))
    }
}

impl<T, E> Future<T, E> {
    /// The handle of a future that lives inside `holder` (an executor task).
    pub(crate) fn from_holder(holder: Arc<dyn HasCore<T, E>>) -> Future<T, E> {
        Future(holder)
    }

    fn core(&self) -> &FutureCore<T, E> {
        self.0.core()
    }

    pub fn id(&self) -> ObjectId {
        self.core().id()
    }

    /// True when both handles are the same future.
    pub fn ptr_eq(&self, other: &Future<T, E>) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }

    pub fn running(&self) -> bool {
        lock(&self.core().state).status == Status::Running
    }

    pub fn cancelled(&self) -> bool {
        lock(&self.core().state).status == Status::Cancelled
    }

    /// True once it finished or was cancelled.
    pub fn done(&self) -> bool {
        matches!(
            lock(&self.core().state).status,
            Status::Cancelled | Status::Finished
        )
    }

    /// Cancels it if it has not started; returns whether it is cancelled. A running or finished
    /// future cannot be cancelled.
    pub fn cancel(&self) -> bool {
        let observers = {
            let mut state = lock(&self.core().state);
            match state.status {
                Status::Running | Status::Finished => return false,
                Status::Cancelled => return true,
                Status::Pending => {}
            }
            state.status = Status::Cancelled;
            self.core().done.store(CANCELLED, Ordering::Release);
            state.release_observers(&self.core().run.rt)
        };
        self.announce(observers, false);
        true
    }

    /// Calls `callback` with this future once it is done: at once, in this thread, if it
    /// already is; otherwise in the thread that completes or cancels it. A panicking callback
    /// is reported through the run's excepthook and does not harm that thread.
    pub fn add_done_callback(&self, callback: DoneCallback<T, E>) {
        {
            let mut state = lock(&self.core().state);
            if !matches!(state.status, Status::Cancelled | Status::Finished) {
                state.observers().callbacks.push(callback);
                return;
            }
        }
        self.invoke(callback);
    }

    /// Completes it (once; later calls are ignored), then wakes watchers and runs callbacks.
    pub(crate) fn complete(&self, outcome: Result<T, FutureError<E>>) {
        let failed = outcome.is_err();
        let observers = {
            let mut state = lock(&self.core().state);
            if matches!(state.status, Status::Cancelled | Status::Finished) {
                return;
            }
            state.status = Status::Finished;
            // SAFETY: the first and only write: the status was pending or running until now,
            // under this mutex, and no reader looks before `done` says `FINISHED` (below).
            unsafe { *self.core().outcome.get() = Some(outcome.map_err(Box::new)) };
            self.core().done.store(FINISHED, Ordering::Release);
            state.release_observers(&self.core().run.rt)
        };
        self.announce(observers, failed);
    }

    /// Outside the future's lock: callbacks may call back into the future.
    fn announce(&self, observers: Option<Box<Observers<T, E>>>, failed: bool) {
        let Some(observers) = observers else {
            return;
        };
        let Observers {
            callbacks,
            listeners,
            ..
        } = *observers;
        for listener in listeners {
            listener.watcher.notify(listener.key, failed);
        }
        for callback in callbacks {
            self.invoke(callback);
        }
    }

    fn invoke(&self, callback: DoneCallback<T, E>) {
        let what = format!("exception calling callback for {}", self.core().id());
        run_reporting_panics(&self.core().run.rt, &what, || callback(self));
    }

    fn waiting_for(&self) -> WaitFor {
        WaitFor::Object {
            object: self.core().id(),
            holder: None,
        }
    }
}

/// A kept outcome as callers see it.
fn unstored<T: Clone, E: Clone>(stored: &Stored<T, E>) -> Result<T, FutureError<E>> {
    match stored {
        Ok(value) => Ok(value.clone()),
        Err(error) => Err(FutureError::clone(error)),
    }
}

/// Reading the outcome clones it: a result can be read any number of times.
impl<T: Clone, E: Clone> Future<T, E> {
    /// The value, waiting at most `timeout` (`None`: forever). Fails with the task's error,
    /// [`FutureError::Cancelled`], or [`FutureError::Timeout`].
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, FutureError<E>> {
        if let Some(outcome) = self.core().finished() {
            return unstored(outcome);
        }
        let deadline = deadline(&self.core().run.rt, timeout);
        match self.wait_done(deadline)? {
            Some(outcome) => outcome,
            None => Err(FutureError::Timeout(String::new())),
        }
    }

    /// The task's error, or `None` if it succeeded; waits like [`result`](Future::result).
    /// Cancellation, a timeout and core failures (a panicked task) are errors of the call itself.
    pub fn exception(&self, timeout: Option<Duration>) -> Result<Option<E>, FutureError<E>> {
        match self.result(timeout) {
            Ok(_) => Ok(None),
            Err(FutureError::Task(error)) => Ok(Some(error)),
            Err(other) => Err(other),
        }
    }

    /// Blocks until done or `deadline`; `None` on timeout.
    #[cold]
    fn wait_done(
        &self,
        deadline: Option<Time>,
    ) -> Result<Option<Result<T, FutureError<E>>>, FutureError<E>> {
        let inner = self.core();
        let mut state = lock(&inner.state);
        let mut may_spin = true;
        loop {
            match state.status {
                Status::Cancelled => return Ok(Some(Err(FutureError::Cancelled))),
                Status::Finished => {
                    if let Some(outcome) = inner.finished() {
                        return Ok(Some(unstored(outcome)));
                    }
                }
                Status::Pending | Status::Running => {}
            }
            if expired(&inner.run.rt, deadline) {
                return Ok(None);
            }
            if std::mem::take(&mut may_spin) {
                drop(state);
                spin_until(&inner.run, || {
                    inner.done.load(Ordering::Acquire) != NOT_DONE
                });
                state = lock(&inner.state);
                continue;
            }
            state = wait_on(
                &inner.run.rt,
                &inner.state,
                state,
                |state| &mut state.observers().waiters,
                deadline,
                self.waiting_for(),
            )?
            .0;
        }
    }
}

/// Watching, for `as_completed` and `wait`.
impl<T, E> Future<T, E> {
    /// An address-like key for sets of futures.
    fn key(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }

    /// Registers `watcher` under `key`, unless already done: then returns whether it failed
    /// (a cancelled future did not fail).
    fn watch(&self, watcher: &Arc<Watcher>, key: usize) -> Option<bool> {
        let mut state = lock(&self.core().state);
        match state.status {
            Status::Finished => Some(matches!(self.core().finished(), Some(Err(_)))),
            Status::Cancelled => Some(false),
            Status::Pending | Status::Running => {
                state.observers().listeners.push(Listener {
                    watcher: Arc::clone(watcher),
                    key,
                });
                None
            }
        }
    }

    fn unwatch(&self, watcher: &Arc<Watcher>) {
        if let Some(observers) = &mut lock(&self.core().state).observers {
            observers
                .listeners
                .retain(|listener| !Arc::ptr_eq(&listener.watcher, watcher));
        }
    }
}

impl<T, E> fmt::Debug for Future<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = lock(&self.core().state).status;
        f.debug_struct("Future")
            .field("id", &self.core().id())
            .field("status", &status)
            .finish()
    }
}

/// One thread waiting for any of several futures: futures report `(key, failed)` here.
struct Watcher {
    rt: Runtime,
    state: Mutex<WatchState>,
}

struct WatchState {
    finished: Vec<(usize, bool)>,
    waiters: WaitList,
}

impl Watcher {
    fn new(rt: &Runtime) -> Arc<Watcher> {
        Arc::new(Watcher {
            rt: rt.clone(),
            state: Mutex::new(WatchState {
                finished: Vec::new(),
                waiters: WaitList::default(),
            }),
        })
    }

    fn notify(&self, key: usize, failed: bool) {
        let mut state = lock(&self.state);
        state.finished.push((key, failed));
        state.waiters.notify_all(&self.rt);
    }

    /// Waits until some future reported or `deadline` passed; returns the reports so far (empty
    /// on timeout).
    fn wait(&self, deadline: Option<Time>, waiting_for: WaitFor) -> Result<Vec<(usize, bool)>> {
        let mut state = lock(&self.state);
        loop {
            if !state.finished.is_empty() {
                return Ok(std::mem::take(&mut state.finished));
            }
            if expired(&self.rt, deadline) {
                return Ok(Vec::new());
            }
            state = wait_on(
                &self.rt,
                &self.state,
                state,
                |state| &mut state.waiters,
                deadline,
                waiting_for.clone(),
            )?
            .0;
        }
    }
}

/// `set(fs)`, keeping the first occurrence's position.
fn distinct<T, E>(futures: &[Future<T, E>]) -> Vec<Future<T, E>> {
    let mut seen = HashSet::with_capacity(futures.len());
    futures
        .iter()
        .filter(|future| seen.insert(future.key()))
        .cloned()
        .collect()
}

/// Which of a set of futures have reported done, and the first that has not (named in traces
/// and deadlock reports); the cursor only moves forward, so scanning costs O(n) in all.
struct Progress {
    done: Vec<bool>,
    count: usize,
    failed: bool,
    cursor: usize,
}

impl Progress {
    fn new(len: usize) -> Progress {
        Progress {
            done: vec![false; len],
            count: 0,
            failed: false,
            cursor: 0,
        }
    }

    /// Returns whether `index` was newly recorded.
    fn record(&mut self, index: usize, failed: bool) -> bool {
        self.failed |= failed;
        match self.done.get_mut(index) {
            Some(slot) if !*slot => {
                *slot = true;
                self.count += 1;
                true
            }
            _ => false,
        }
    }

    fn all_done(&self) -> bool {
        self.count == self.done.len()
    }

    fn waiting_for<T, E>(&mut self, futures: &[Future<T, E>]) -> WaitFor {
        while self.done.get(self.cursor).copied().unwrap_or(false) {
            self.cursor += 1;
        }
        match futures.get(self.cursor).or(futures.first()) {
            Some(future) => WaitFor::Object {
                object: future.core().id(),
                holder: None,
            },
            None => WaitFor::Sleep,
        }
    }
}

/// Yields the given futures as they complete: those already done first, then in completion
/// order; a future given twice is yielded once. With a timeout (measured from the first
/// `next()`, as CPython's generator does) it ends with
/// `FutureError::Timeout("N (of M) futures unfinished")`.
pub fn as_completed<T, E>(futures: &[Future<T, E>], timeout: Option<Duration>) -> AsCompleted<T, E>
where
    T: Clone + Send + 'static,
    E: Clone + Send + 'static,
{
    let futures = distinct(futures);
    AsCompleted {
        progress: Progress::new(futures.len()),
        futures,
        timeout,
        watching: None,
        ready: VecDeque::new(),
        finished: false,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T, E> {
    futures: Vec<Future<T, E>>,
    timeout: Option<Duration>,
    /// Set up on the first `next()`: the watcher and the deadline.
    watching: Option<(Arc<Watcher>, Option<Time>)>,
    progress: Progress,
    /// Indices of done futures not yet yielded, in the order they completed.
    ready: VecDeque<usize>,
    finished: bool,
}

impl<T, E> AsCompleted<T, E> {
    fn stop_watching(&mut self) {
        self.finished = true;
        if let Some((watcher, _)) = self.watching.take() {
            for future in &self.futures {
                future.unwatch(&watcher);
            }
        }
    }
}

impl<T: Clone + Send + 'static, E: Clone + Send + 'static> AsCompleted<T, E> {
    fn start(&mut self, rt: &Runtime) -> (Arc<Watcher>, Option<Time>) {
        let watcher = Watcher::new(rt);
        for (index, future) in self.futures.iter().enumerate() {
            if let Some(failed) = future.watch(&watcher, index) {
                self.progress.record(index, failed);
                self.ready.push_back(index);
            }
        }
        (watcher, deadline(rt, self.timeout))
    }
}

impl<T: Clone + Send + 'static, E: Clone + Send + 'static> Iterator for AsCompleted<T, E> {
    type Item = Result<Future<T, E>, FutureError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let (watcher, deadline) = match &self.watching {
            Some(watching) => watching.clone(),
            None => {
                let rt = self.futures.first()?.core().run.rt.clone();
                let watching = self.start(&rt);
                self.watching = Some(watching.clone());
                watching
            }
        };
        loop {
            if let Some(index) = self.ready.pop_front() {
                return self.futures.get(index).cloned().map(Ok);
            }
            if self.progress.all_done() {
                self.stop_watching();
                return None;
            }
            let waiting_for = self.progress.waiting_for(&self.futures);
            match watcher.wait(deadline, waiting_for) {
                Ok(reports) if reports.is_empty() => {
                    let message = format!(
                        "{} (of {}) futures unfinished",
                        self.futures.len() - self.progress.count,
                        self.futures.len()
                    );
                    self.stop_watching();
                    return Some(Err(FutureError::Timeout(message)));
                }
                Ok(reports) => {
                    for (index, failed) in reports {
                        if self.progress.record(index, failed) {
                            self.ready.push_back(index);
                        }
                    }
                }
                Err(err) => {
                    self.stop_watching();
                    return Some(Err(FutureError::from(err)));
                }
            }
        }
    }
}

impl<T, E> Drop for AsCompleted<T, E> {
    fn drop(&mut self) {
        self.stop_watching();
    }
}

/// When [`wait`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any future finishes or is cancelled.
    FirstCompleted,
    /// As soon as any future fails, or when all are done.
    FirstException,
    /// When all are done.
    AllCompleted,
}

/// `(done, not_done)`, as [`wait`] returns them.
pub type DoneAndNotDone<T, E> = (Vec<Future<T, E>>, Vec<Future<T, E>>);

/// Waits for the futures as `return_when` says, for at most `timeout`; returns
/// `(done, not_done)`, each in the order given, without duplicates. A timeout is not an error.
pub fn wait<T, E>(
    futures: &[Future<T, E>],
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> Result<DoneAndNotDone<T, E>>
where
    T: Clone + Send + 'static,
    E: Clone + Send + 'static,
{
    let futures = distinct(futures);
    let Some(first) = futures.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let rt = first.core().run.rt.clone();
    let watcher = Watcher::new(&rt);
    let mut progress = Progress::new(futures.len());
    for (index, future) in futures.iter().enumerate() {
        if let Some(failed) = future.watch(&watcher, index) {
            progress.record(index, failed);
        }
    }
    let deadline = deadline(&rt, timeout);
    let mut outcome = Ok(());
    loop {
        let satisfied = match return_when {
            ReturnWhen::FirstCompleted => progress.count > 0,
            ReturnWhen::FirstException => progress.failed,
            ReturnWhen::AllCompleted => false,
        };
        if satisfied || progress.all_done() || expired(&rt, deadline) {
            break;
        }
        let waiting_for = progress.waiting_for(&futures);
        match watcher.wait(deadline, waiting_for) {
            Ok(reports) => {
                for (index, failed) in reports {
                    progress.record(index, failed);
                }
            }
            Err(err) => {
                outcome = Err(err);
                break;
            }
        }
    }
    for future in &futures {
        future.unwatch(&watcher);
    }
    outcome?;
    let mut done = Vec::new();
    let mut not_done = Vec::new();
    for (future, is_done) in futures.into_iter().zip(progress.done) {
        if is_done {
            done.push(future);
        } else {
            not_done.push(future);
        }
    }
    Ok((done, not_done))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

    use super::*;
    use crate::error::{Error, ExceptionKind};
    use crate::sched::Mode;
    use crate::sync::testing::runtimes;
    use crate::thread::ThreadOptions;

    const SHORT: Duration = Duration::from_millis(20);

    type F = Future<i32, String>;

    fn futures(rt: &Runtime, n: usize) -> Vec<F> {
        let run = PoolRun::new(rt);
        (0..n).map(|_| Future::new(&run)).collect()
    }

    fn listeners(future: &F) -> usize {
        lock(&future.core().state)
            .observers
            .as_ref()
            .map_or(0, |observers| observers.listeners.len())
    }

    #[test]
    fn result_and_exception_report_the_outcome_any_number_of_times() {
        for rt in runtimes() {
            let [ok, failed] = <[F; 2]>::try_from(futures(&rt, 2)).unwrap();
            assert!(ok.core().start_running());
            assert!(ok.running() && !ok.done());
            ok.complete(Ok(1));
            ok.complete(Ok(2));
            assert!(ok.done() && !ok.running() && !ok.cancelled());
            for _ in 0..2 {
                assert_eq!(ok.result(None), Ok(1));
                assert_eq!(ok.exception(Some(Duration::ZERO)), Ok(None));
            }
            failed.complete(Err(FutureError::Task("bad".to_owned())));
            assert_eq!(
                failed.result(None),
                Err(FutureError::Task("bad".to_owned()))
            );
            assert_eq!(failed.exception(None), Ok(Some("bad".to_owned())));
        }
    }

    #[test]
    fn result_times_out_on_a_pending_future() {
        for rt in runtimes() {
            let future = &futures(&rt, 1)[0];
            assert_eq!(
                future.result(Some(SHORT)),
                Err(FutureError::Timeout(String::new()))
            );
            assert_eq!(
                future.exception(Some(Duration::ZERO)),
                Err(FutureError::Timeout(String::new()))
            );
            assert!(!future.done());
        }
    }

    #[test]
    fn a_waiter_in_another_thread_is_woken_by_completion() {
        for rt in runtimes() {
            let future = futures(&rt, 1).remove(0);
            let waiting = future.clone();
            let waiter = rt
                .spawn(ThreadOptions::default(), move || {
                    assert_eq!(waiting.result(None), Ok(9));
                })
                .unwrap();
            future.complete(Ok(9));
            waiter.join(None).unwrap();
        }
    }

    #[test]
    fn only_a_pending_future_can_be_cancelled() {
        let rt = Runtime::new(Mode::Parallel);
        let [pending, running, finished] = <[F; 3]>::try_from(futures(&rt, 3)).unwrap();
        assert!(pending.cancel());
        assert!(pending.cancel(), "cancelling twice still says cancelled");
        assert!(pending.cancelled() && pending.done());
        assert_eq!(pending.result(None), Err(FutureError::Cancelled));
        assert_eq!(pending.exception(None), Err(FutureError::Cancelled));
        assert!(
            !pending.core().start_running(),
            "a cancelled task is skipped"
        );
        pending.complete(Ok(1));
        assert_eq!(pending.result(None), Err(FutureError::Cancelled));

        assert!(running.core().start_running());
        assert!(!running.cancel());
        running.complete(Ok(2));
        assert_eq!(running.result(None), Ok(2));

        finished.complete(Ok(3));
        assert!(!finished.cancel());
        assert!(!finished.cancelled());
    }

    #[test]
    fn done_callbacks_run_once_in_order_or_at_once_when_already_done() {
        for rt in runtimes() {
            let future = futures(&rt, 1).remove(0);
            let seen = Arc::new(Mutex::new(Vec::new()));
            for tag in ["first", "second"] {
                let (seen, run) = (Arc::clone(&seen), rt.clone());
                future.add_done_callback(Box::new(move |done: &F| {
                    seen.lock().unwrap().push(format!(
                        "{tag} {:?} on {}",
                        done.result(None),
                        run.current().name()
                    ))
                }));
            }
            let completer = future.clone();
            rt.spawn(ThreadOptions::named("completer"), move || {
                completer.complete(Ok(4))
            })
            .unwrap()
            .join(None)
            .unwrap();
            let (late, run) = (Arc::clone(&seen), rt.clone());
            future.add_done_callback(Box::new(move |done: &F| {
                late.lock().unwrap().push(format!(
                    "late {:?} on {}",
                    done.result(None),
                    run.current().name()
                ))
            }));
            assert_eq!(
                *seen.lock().unwrap(),
                [
                    "first Ok(4) on completer",
                    "second Ok(4) on completer",
                    "late Ok(4) on MainThread"
                ]
            );
        }
    }

    #[test]
    fn cancelling_runs_the_done_callbacks() {
        let rt = Runtime::new(Mode::Parallel);
        let future = futures(&rt, 1).remove(0);
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        future.add_done_callback(Box::new(move |done: &F| {
            assert!(done.cancelled());
            counter.fetch_add(1, AtomicOrdering::SeqCst);
        }));
        assert!(future.cancel());
        assert!(future.cancel());
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 1);
    }

    #[test]
    fn a_panicking_done_callback_is_reported_and_the_rest_still_run() {
        let rt = Runtime::new(Mode::Parallel);
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&reports);
        rt.set_excepthook(move |error| sink.lock().unwrap().push(error.message.clone()));
        let future = futures(&rt, 1).remove(0);
        let calls = Arc::new(AtomicUsize::new(0));
        future.add_done_callback(Box::new(|_: &F| panic!("callback broke")));
        let counter = Arc::clone(&calls);
        future.add_done_callback(Box::new(move |_: &F| {
            counter.fetch_add(1, AtomicOrdering::SeqCst);
        }));
        future.complete(Ok(1));
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 1);
        assert_eq!(
            *reports.lock().unwrap(),
            ["exception calling callback for Future#1: callback broke"]
        );
    }

    #[test]
    fn as_completed_yields_finished_futures_first_then_in_completion_order() {
        for rt in runtimes() {
            let fs = futures(&rt, 4);
            fs[3].complete(Ok(3));
            fs[1].complete(Ok(1));
            let given = [&fs[..], &fs[..]].concat();
            let mut completed = as_completed(&given, None);
            // Already done: in the order given.
            assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[1]));
            assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[3]));
            fs[2].complete(Err(FutureError::Task("two".to_owned())));
            assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[2]));
            // Completed by another thread while this one waits.
            let last = fs[0].clone();
            let completer = rt
                .spawn(ThreadOptions::default(), move || last.complete(Ok(0)))
                .unwrap();
            assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[0]));
            assert!(completed.next().is_none(), "duplicates are yielded once");
            completer.join(None).unwrap();
            assert!(fs.iter().all(|future| listeners(future) == 0));
        }
    }

    #[test]
    fn as_completed_times_out_with_cpythons_message() {
        for rt in runtimes() {
            let fs = futures(&rt, 3);
            fs[0].complete(Ok(0));
            let mut completed = as_completed(&fs, Some(SHORT));
            assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[0]));
            let err = completed.next().unwrap().unwrap_err();
            assert_eq!(
                err,
                FutureError::Timeout("2 (of 3) futures unfinished".to_owned())
            );
            assert_eq!(err.to_string(), "2 (of 3) futures unfinished");
            assert!(completed.next().is_none());
            assert!(fs.iter().all(|future| listeners(future) == 0));
        }
    }

    #[test]
    fn as_completed_counts_a_cancelled_future_as_done() {
        let rt = Runtime::new(Mode::Parallel);
        let fs = futures(&rt, 2);
        let mut completed = as_completed(&fs, None);
        fs[1].cancel();
        assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[1]));
        fs[0].complete(Ok(0));
        assert!(completed.next().unwrap().unwrap().ptr_eq(&fs[0]));
        assert!(completed.next().is_none());
    }

    #[test]
    fn dropping_as_completed_unregisters_it() {
        let rt = Runtime::new(Mode::Parallel);
        let fs = futures(&rt, 2);
        fs[0].complete(Ok(0));
        let mut completed = as_completed(&fs, None);
        assert!(completed.next().is_some());
        assert_eq!(listeners(&fs[1]), 1);
        drop(completed);
        assert_eq!(listeners(&fs[1]), 0);
        assert!(as_completed::<i32, String>(&[], None).next().is_none());
    }

    fn ids(futures: &[F]) -> Vec<String> {
        futures
            .iter()
            .map(|future| future.id().to_string())
            .collect()
    }

    #[test]
    fn wait_first_completed_returns_once_any_is_done() {
        for rt in runtimes() {
            let fs = futures(&rt, 3);
            let (done, not_done) = wait(&fs, Some(SHORT), ReturnWhen::FirstCompleted).unwrap();
            assert!(done.is_empty());
            assert_eq!(ids(&not_done), ids(&fs));
            let second = fs[1].clone();
            let completer = rt
                .spawn(ThreadOptions::default(), move || second.complete(Ok(1)))
                .unwrap();
            let (done, not_done) = wait(&fs, None, ReturnWhen::FirstCompleted).unwrap();
            assert_eq!(ids(&done), ids(&fs[1..2]));
            assert_eq!(not_done.len(), 2);
            completer.join(None).unwrap();
            assert!(fs.iter().all(|future| listeners(future) == 0));
        }
    }

    #[test]
    fn wait_first_exception_returns_on_a_failure_not_on_success_or_cancel() {
        for rt in runtimes() {
            let fs = futures(&rt, 4);
            fs[0].complete(Ok(0));
            fs[1].cancel();
            let (done, _) = wait(&fs, Some(SHORT), ReturnWhen::FirstException).unwrap();
            assert_eq!(ids(&done), ids(&fs[..2]), "no failure yet: it timed out");
            let failing = fs[2].clone();
            let completer = rt
                .spawn(ThreadOptions::default(), move || {
                    failing.complete(Err(FutureError::Task("bad".to_owned())))
                })
                .unwrap();
            let (done, not_done) = wait(&fs, None, ReturnWhen::FirstException).unwrap();
            assert_eq!(ids(&done), ids(&fs[..3]));
            assert_eq!(ids(&not_done), ids(&fs[3..]));
            completer.join(None).unwrap();
            // With no failure at all it waits for everything.
            let fine = futures(&rt, 2);
            let last = fine[1].clone();
            fine[0].complete(Ok(0));
            let completer = rt
                .spawn(ThreadOptions::default(), move || last.complete(Ok(1)))
                .unwrap();
            let (done, not_done) = wait(&fine, None, ReturnWhen::FirstException).unwrap();
            assert_eq!((done.len(), not_done.len()), (2, 0));
            completer.join(None).unwrap();
        }
    }

    #[test]
    fn wait_all_completed_waits_for_every_future() {
        for rt in runtimes() {
            let fs = futures(&rt, 3);
            fs[0].complete(Ok(0));
            let (done, not_done) = wait(&fs, Some(SHORT), ReturnWhen::AllCompleted).unwrap();
            assert_eq!((done.len(), not_done.len()), (1, 2));
            let rest = fs[1..].to_vec();
            let completer = rt
                .spawn(ThreadOptions::default(), move || {
                    rest[1].complete(Ok(2));
                    rest[0].cancel();
                })
                .unwrap();
            let doubled = [&fs[..], &fs[..]].concat();
            let (done, not_done) = wait(&doubled, None, ReturnWhen::AllCompleted).unwrap();
            assert_eq!(ids(&done), ids(&fs));
            assert!(not_done.is_empty());
            completer.join(None).unwrap();
            assert_eq!(
                wait::<i32, String>(&[], None, ReturnWhen::AllCompleted)
                    .unwrap()
                    .0
                    .len(),
                0
            );
        }
    }

    #[test]
    fn future_errors_map_to_cpython_exceptions() {
        assert_eq!(
            FutureError::<String>::from(Error::Cancelled),
            FutureError::Cancelled
        );
        assert_eq!(
            FutureError::<String>::from(Error::Timeout("t".to_owned())),
            FutureError::Timeout("t".to_owned())
        );
        assert_eq!(
            FutureError::<String>::from(Error::PoolTerminated),
            FutureError::Core(Error::PoolTerminated)
        );
        assert_eq!(FutureError::Task("boom".to_owned()).to_string(), "boom");
        assert_eq!(Error::Cancelled.exception(), ExceptionKind::CancelledError);
    }

    #[test]
    fn futures_have_identity_and_run_wide_ids() {
        let rt = Runtime::new(Mode::Parallel);
        let fs = futures(&rt, 2);
        assert!(fs[0].ptr_eq(&fs[0].clone()));
        assert!(!fs[0].ptr_eq(&fs[1]));
        assert_eq!(ids(&fs), ["Future#1", "Future#2"]);
    }
}
