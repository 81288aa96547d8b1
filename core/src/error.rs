//! Errors of core operations, as typed values.
//!
//! Every variant corresponds to exactly one Python exception type and message, so that the
//! interpreter maps them mechanically ([`Error::exception`] and `Display`) and the learner sees
//! what CPython would print. The messages are CPython's own wherever CPython has one.

use std::fmt;

/// The Python exception class an [`Error`] becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    RuntimeError,
    ValueError,
    OverflowError,
    TimeoutError,
    /// `threading.BrokenBarrierError`
    BrokenBarrierError,
    /// `queue.Full`
    QueueFull,
    /// `queue.Empty`
    QueueEmpty,
    /// `queue.ShutDown` (Python 3.13)
    QueueShutDown,
    /// `concurrent.futures.CancelledError`
    CancelledError,
    /// `concurrent.futures.process.BrokenProcessPool` / `thread.BrokenThreadPool`
    BrokenThreadPool,
    /// Not a Python exception: the run was stopped (Stop button, deadlock, time limit) and every
    /// blocked thread unwinds. The interpreter turns it into its own non-catchable unwind.
    Interrupted,
}

/// Why a run was interrupted: every thread that blocks afterwards gets [`Error::Interrupted`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StopReason {
    /// The learner pressed Stop, or Ctrl-C.
    Requested,
    /// A time or instruction budget ran out.
    LimitExceeded(String),
    /// No thread can ever run again; the text explains the wait-for graph.
    Deadlock(String),
    /// A replayed schedule does not fit the program; the text says where.
    ScheduleDiverged(String),
    /// The main thread finished, and daemon threads end with it (deterministic mode; the run's
    /// own stop reason stays unset, since this is how a run normally ends).
    MainThreadExited,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Requested => f.write_str("stopped"),
            StopReason::LimitExceeded(what) => write!(f, "limit exceeded: {what}"),
            StopReason::Deadlock(report) => write!(f, "deadlock: {report}"),
            StopReason::ScheduleDiverged(detail) => write!(f, "replay diverged: {detail}"),
            StopReason::MainThreadExited => f.write_str("the main thread exited"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `Lock.release()` on an unlocked lock.
    ReleaseUnlocked,
    /// `RLock.release()` by a thread that does not own it (or when it is not held at all).
    ReleaseUnowned,
    /// An RLock acquired recursively more times than its counter can hold.
    RLockCountOverflow,
    /// `Condition.wait()`/`notify()` without holding the underlying lock.
    ConditionNotHeld(&'static str),
    /// `BoundedSemaphore.release()` above the initial value.
    SemaphoreOverRelease,
    /// A semaphore created with a negative value.
    NegativeSemaphoreValue,
    /// `Semaphore.release(n)` with `n < 1`.
    InvalidReleaseCount,
    /// A Barrier created with fewer than one party.
    InvalidParties,
    /// A timeout that is negative where CPython refuses it.
    NegativeTimeout,
    /// The barrier was broken (reset, abort, a timed-out waiter, or a failing action).
    BrokenBarrier,
    /// The Barrier's action failed, in the thread that ran it (the others get
    /// [`Error::BrokenBarrier`]). CPython re-raises the action's own exception there; the
    /// interpreter should do the same, and RuntimeError with the action's message is the fallback.
    BarrierActionFailed(String),
    /// `queue.Full` from `put(block=False)` or a `put` that timed out.
    QueueFull,
    /// `queue.Empty` from `get(block=False)` or a `get` that timed out.
    QueueEmpty,
    /// `queue.ShutDown`: the queue was shut down.
    QueueShutDown,
    /// `task_done()` called more times than items were put.
    TaskDoneTooOften,
    /// A thread object started twice.
    AlreadyStarted,
    /// `join()` on a thread that was never started.
    JoinBeforeStart,
    /// A thread tried to join itself.
    JoinSelf,
    /// `daemon` set on a thread that was already started.
    CannotSetDaemon,
    /// The run's thread limit is reached.
    CantStartThread { limit: usize, reason: String },
    /// A pool or executor that is closed or terminated got new work.
    PoolNotRunning,
    /// `Pool.join()` before `close()` or `terminate()`.
    PoolStillRunning,
    /// The pool was terminated before this task ran.
    PoolTerminated,
    /// The executor is shut down: `cannot schedule new futures after shutdown`.
    ExecutorShutDown,
    /// `AsyncResult.successful()` before the result is ready.
    ResultNotReady,
    /// A pool asked for fewer than one worker.
    InvalidProcesses,
    /// An executor asked for fewer than one worker.
    InvalidMaxWorkers,
    /// A pool map with a chunk size of zero.
    InvalidChunksize,
    /// An executor thread's initializer failed; the executor takes no more work.
    BrokenThreadPool,
    /// An executor got work after the run began shutting down.
    InterpreterShutDown,
    /// A wait with a timeout that expired (`AsyncResult.get`, `Future.result`, `as_completed`).
    Timeout(String),
    /// The future was cancelled.
    Cancelled,
    /// A worker died while running a task (a Rust panic, never a Python exception).
    WorkerPanicked(String),
    /// The run is being stopped; unwind.
    Interrupted(StopReason),
    /// A platform cannot do this (yet), e.g. spawning threads on wasm before the Worker pool.
    Unsupported(&'static str),
}

impl Error {
    /// The Python exception type this error raises.
    pub fn exception(&self) -> ExceptionKind {
        use Error::*;
        use ExceptionKind as K;
        match self {
            ReleaseUnlocked
            | ReleaseUnowned
            | ConditionNotHeld(_)
            | AlreadyStarted
            | JoinBeforeStart
            | JoinSelf
            | CannotSetDaemon
            | CantStartThread { .. }
            | BarrierActionFailed(_)
            | ExecutorShutDown
            | WorkerPanicked(_)
            | Unsupported(_) => K::RuntimeError,
            SemaphoreOverRelease
            | NegativeSemaphoreValue
            | InvalidReleaseCount
            | InvalidParties
            | NegativeTimeout
            | TaskDoneTooOften
            | PoolNotRunning
            | PoolStillRunning
            | ResultNotReady => K::ValueError,
            PoolTerminated | InterpreterShutDown => K::RuntimeError,
            InvalidProcesses | InvalidMaxWorkers | InvalidChunksize => K::ValueError,
            BrokenThreadPool => K::BrokenThreadPool,
            RLockCountOverflow => K::OverflowError,
            BrokenBarrier => K::BrokenBarrierError,
            QueueFull => K::QueueFull,
            QueueEmpty => K::QueueEmpty,
            QueueShutDown => K::QueueShutDown,
            Timeout(_) => K::TimeoutError,
            Cancelled => K::CancelledError,
            Interrupted(_) => K::Interrupted,
        }
    }

    pub fn is_interrupted(&self) -> bool {
        matches!(self, Error::Interrupted(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            ReleaseUnlocked => f.write_str("release unlocked lock"),
            ReleaseUnowned => f.write_str("cannot release un-acquired lock"),
            RLockCountOverflow => f.write_str("Internal lock count overflowed"),
            ConditionNotHeld(op) => write!(f, "cannot {op} on un-acquired lock"),
            SemaphoreOverRelease => f.write_str("Semaphore released too many times"),
            NegativeSemaphoreValue => f.write_str("semaphore initial value must be >= 0"),
            InvalidReleaseCount => f.write_str("n must be one or more"),
            InvalidParties => f.write_str("parties must be >= 1"),
            NegativeTimeout => f.write_str("timeout value must be a non-negative number"),
            BrokenBarrier => Ok(()),
            BarrierActionFailed(msg) => f.write_str(msg),
            QueueFull | QueueEmpty | QueueShutDown | Cancelled => Ok(()),
            TaskDoneTooOften => f.write_str("task_done() called too many times"),
            AlreadyStarted => f.write_str("threads can only be started once"),
            JoinBeforeStart => f.write_str("cannot join thread before it is started"),
            JoinSelf => f.write_str("cannot join current thread"),
            CannotSetDaemon => f.write_str("cannot set daemon status of active thread"),
            CantStartThread { limit, reason } => {
                write!(
                    f,
                    "can't start new thread ({reason}: limit of {limit} threads)"
                )
            }
            PoolNotRunning => f.write_str("Pool not running"),
            PoolStillRunning => f.write_str("Pool is still running"),
            PoolTerminated => f.write_str("the pool was terminated before this task ran"),
            ExecutorShutDown => f.write_str("cannot schedule new futures after shutdown"),
            ResultNotReady => f.write_str("not ready"),
            InvalidProcesses => f.write_str("Number of processes must be at least 1"),
            InvalidMaxWorkers => f.write_str("max_workers must be greater than 0"),
            InvalidChunksize => f.write_str("Chunksize must be 1+, not 0"),
            BrokenThreadPool => {
                f.write_str("A thread initializer failed, the thread pool is not usable anymore")
            }
            InterpreterShutDown => {
                f.write_str("cannot schedule new futures after interpreter shutdown")
            }
            Timeout(msg) => f.write_str(msg),
            WorkerPanicked(msg) => write!(f, "internal error in a worker thread: {msg}"),
            Interrupted(reason) => write!(f, "run interrupted ({reason})"),
            Unsupported(what) => write!(f, "not yet supported on this platform: {what}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
