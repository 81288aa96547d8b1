//! Thread pools: a classic [`ThreadPool`] (Python's `multiprocessing.pool.ThreadPool`) with
//! [`AsyncResult`]s, and an [`Executor`] (`concurrent.futures.ThreadPoolExecutor`) with
//! [`Future`]s, [`as_completed`] and [`wait`].
//!
//! Tasks are Rust closures returning `Result<T, E>`; the interpreter passes Python callables
//! whose values and exceptions are cheap-to-clone handles, hence `T: Clone` and `E: Clone`
//! (a result can be read many times), and `T: Sync` and `E: Sync` wherever a handle reads them
//! ([`AsyncResult`], [`Future`]): a finished outcome is read without a lock, by any number of
//! threads at once (see `ResultCell` and `FutureCore`). A task that panics does not kill its worker: its result
//! fails with [`Error::WorkerPanicked`].
//!
//! Both pools take their work from one queue (`job_queue`): lock-free to submit to and to take
//! from, with the idle workers' wait list and the pool's state under a short internal mutex.
//! They wait only through `sync::wait_list::wait_on`, i.e. through the run's scheduler. Idle
//! workers are woken one per new task, and only if one is idle. A task costs one allocation: the
//! task and its result (or future) are one `Arc`, which the queue holds until a worker takes it.
//!
//! Deviations from CPython, all where CPython would hang:
//! - `ThreadPool::terminate` completes the results of tasks that never ran with
//!   [`Error::PoolTerminated`] (CPython's `get()` would wait forever).
//! - A cancelled [`Future`] counts as done for [`as_completed`] and [`wait`] at once (CPython only
//!   counts it once a worker has dequeued it, so futures cancelled by
//!   `shutdown(cancel_futures=True)` are never reported done there).

mod async_result;
mod executor;
mod future;
mod job_queue;
mod thread_pool;

pub use async_result::{AsyncResult, IMap};
pub use executor::{Executor, ExecutorMap, ExecutorOptions};
pub use future::{
    as_completed, wait, AsCompleted, DoneAndNotDone, DoneCallback, Future, ReturnWhen,
};
pub use thread_pool::{PoolOptions, ThreadPool};

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::error::Error;
use crate::object_id::ObjectId;
use crate::runtime::Runtime;
use crate::sync::spin::{self, Backoff};
use crate::thread::ThreadRef;
use crate::trace::EventKind;
use crate::util::panic_message;

/// Runs once on each worker thread before it takes any work.
pub type Initializer = Arc<dyn Fn() + Send + Sync>;

/// Called with a task's value (`callback=` of `apply_async`/`map_async`).
pub type Callback<T> = Box<dyn FnOnce(&T) + Send>;

/// Called with a task's error (`error_callback=`).
pub type ErrorCallback<E> = Box<dyn FnOnce(&E) + Send>;

/// The function a map applies to every item. A Python `starmap` passes tuples: in Rust a tuple
/// is already one value, so `A` is the tuple.
pub type MapFn<A, T, E> = Arc<dyn Fn(A) -> Result<T, E> + Send + Sync>;

/// Why a [`ThreadPool`] result has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolError<E> {
    /// The task itself failed: the interpreter re-raises this exception.
    Task(E),
    /// The pool failed: a timeout, an interrupted run, a terminated pool, a panicked worker, a
    /// pool that is not running.
    Core(Error),
}

impl<E> From<Error> for PoolError<E> {
    fn from(error: Error) -> PoolError<E> {
        PoolError::Core(error)
    }
}

impl<E: fmt::Display> fmt::Display for PoolError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Task(error) => error.fmt(f),
            PoolError::Core(error) => error.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for PoolError<E> {}

/// Why a [`Future`] has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FutureError<E> {
    /// The task itself failed.
    Task(E),
    /// `CancelledError`.
    Cancelled,
    /// `TimeoutError`, with CPython's message (empty, except for [`as_completed`]'s
    /// "N (of M) futures unfinished").
    Timeout(String),
    /// Anything else: an interrupted run, a panicked worker, a broken executor.
    Core(Error),
}

impl<E> From<Error> for FutureError<E> {
    /// Keeps one representation per outcome: core's timeout and cancellation become the
    /// dedicated variants.
    fn from(error: Error) -> FutureError<E> {
        match error {
            Error::Cancelled => FutureError::Cancelled,
            Error::Timeout(message) => FutureError::Timeout(message),
            other => FutureError::Core(other),
        }
    }
}

impl<E: fmt::Display> fmt::Display for FutureError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Task(error) => error.fmt(f),
            FutureError::Cancelled => Ok(()),
            FutureError::Timeout(message) => f.write_str(message),
            FutureError::Core(error) => error.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for FutureError<E> {}

/// The run, as a pool's workers use it, or as its results and futures hold it.
///
/// Results and futures are made at the rate tasks are submitted; cloning the [`Runtime`] for
/// each would bump a reference count on the cache line of the run's hot fields, which the
/// workers read all the time. A pool makes two of these: one for its workers, one that its
/// results and futures clone, so that the count they bump is touched only by the submitting
/// side and is on no line a worker reads for each job.
pub(crate) struct PoolRun {
    pub(crate) rt: Runtime,
    /// The scheduler's `spinning_helps`, asked once.
    spin: bool,
}

impl PoolRun {
    pub(crate) fn new(rt: &Runtime) -> Arc<PoolRun> {
        Arc::new(PoolRun {
            rt: rt.clone(),
            spin: rt.scheduler().spinning_helps(),
        })
    }
}

/// Runs a task body and gives its outcome: its value, its own error wrapped by `task_error`,
/// or, when it panicked, the core error [`Error::WorkerPanicked`] instead of unwinding the
/// worker.
pub(crate) fn run_task<T, E, X: From<Error>>(
    body: impl FnOnce() -> Result<T, E>,
    task_error: impl FnOnce(E) -> X,
) -> Result<T, X> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(task_error(error)),
        Err(payload) => Err(X::from(Error::WorkerPanicked(panic_message(
            payload.as_ref(),
        )))),
    }
}

/// Runs one job on a worker. `traced_as` is the worker when the run is observed (looked up once
/// per worker: the unobserved path must not pay for `current()` per task); the job is then
/// recorded as a task of `pool`, with whether it succeeded, which `job` returns.
pub(crate) fn run_traced(
    rt: &Runtime,
    traced_as: Option<&ThreadRef>,
    pool: ObjectId,
    job: impl FnOnce() -> bool,
) {
    match traced_as {
        None => {
            job();
        }
        Some(me) => {
            let task = rt.next_task_number();
            rt.record_for(me, || EventKind::TaskStart { pool, task });
            let ok = job();
            rt.record_for(me, || EventKind::TaskEnd { pool, task, ok });
        }
    }
}

/// Runs learner-supplied glue (a callback, an initializer) whose panic must not take the calling
/// pool thread down: the panic is reported through the run's excepthook instead. Returns
/// whether `body` completed.
pub(crate) fn run_reporting_panics(rt: &Runtime, what: &str, body: impl FnOnce()) -> bool {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(()) => true,
        Err(payload) => {
            let message = format!("{what}: {}", panic_message(payload.as_ref()));
            rt.report_uncaught(&rt.current(), message);
            false
        }
    }
}

/// How long a thread about to park looks for its condition first, in rounds of doubling length:
/// busy-spinning, then yielding the processor (which matters when there are more threads than
/// cores: the thread that will make the condition true needs one). A burst of tiny tasks would
/// otherwise pay a park and an unpark (two system calls) per task, in the worker waiting for
/// work and in the thread waiting for results.
///
/// Ten rounds: 1,023 spin-loop hints, about 26 µs on the machine the benchmarks ran on. Once one
/// side of a call-and-wait loop parks, the other soon parks too, and from then on every call
/// pays a park, a wake-up and the wake-up's latency, which on a virtual machine whose idle
/// processors halt is tens of microseconds: with six rounds (1.6 µs), `pool.apply` in an
/// interpreted loop ran in either 1.7 µs or 6–14 µs a call depending on how the run started, and
/// a burst on the executor fell into a park per few dozen tasks in three runs of four (twice as
/// slow). With ten, every run stayed in the fast mode. The cost is a waiter for a long task
/// burning 26 µs before it parks.
const SPIN: Backoff = Backoff {
    spin_rounds: 10,
    yield_rounds: 4,
};

/// Spins briefly until `done()`; only when the scheduler says spinning helps (threads truly
/// running side by side). The caller re-checks its condition under its lock either way.
pub(crate) fn spin_until(run: &PoolRun, done: impl Fn() -> bool) {
    if run.spin {
        spin::spin_until(SPIN, done);
    }
}
