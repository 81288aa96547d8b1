//! The scheduler: the single interface through which every blocking wait passes.
//!
//! Primitives never touch an OS primitive to wait. They queue a [`Waiter`](crate::sync) and ask
//! the run's scheduler to `park` the current thread, and they `unpark` a thread to wake it. What
//! parking means is the scheduler's business:
//!
//! | mode | `park` | `unpark` | `yield_now` (tick) | `now` |
//! |---|---|---|---|---|
//! | [`Parallel`] | parks the OS thread | unparks it | nothing | real clock |
//! | [`Gil`] | drops the GIL, parks, retakes the GIL | unparks | drops the GIL if a waiter asked | real clock |
//! | [`Deterministic`] | hands the turn to a seeded choice | marks runnable, synchronously | maybe switches | virtual clock |
//!
//! The contract every implementation keeps, so primitives need no special case:
//! - `park` may return spuriously; callers re-check their condition in a loop.
//! - `unpark` before `park` is not lost (a token, as `std::thread::park`).
//! - `unpark` never blocks and never switches threads, so it may be called with an internal
//!   lock held; `park` and `yield_now` are only called with no internal lock held.
//! - `observes_sync_ops` asks primitives to skip their lock-free fast paths, so that every
//!   acquire and release is a scheduling point the scheduler can see and reorder.
//! - `thread_created` is undone by `thread_start_failed` when the OS thread cannot be made, so a
//!   scheduler that tracks threads never waits for one that will not come.

pub mod deterministic;
mod gil;
mod parallel;

pub use deterministic::{
    DeadlockReport, Deterministic, Exploration, Explorer, Failure, RunReport, Schedule, Strategy,
    VirtualCpu,
};
pub use gil::Gil;
pub use parallel::Parallel;

use std::fmt;
use std::time::Duration;

use crate::error::Result;
use crate::object_id::ObjectId;
use crate::thread::ThreadRef;
use crate::time::Time;

/// CPython's default `sys.getswitchinterval()`.
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// The scheduler a run uses; chosen per run.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// No GIL: threads run freely on every core. The default.
    Parallel,
    /// One thread runs at a time, like CPython: the holder is asked to drop the GIL after
    /// `switch_interval`, and the GIL is released around every blocking call.
    Gil { switch_interval: Duration },
    /// One thread runs at a time, and every switch is chosen by `strategy`, seeded with `seed`;
    /// time is virtual. The same seed and program give the same run, trace included.
    Deterministic {
        seed: u64,
        strategy: Strategy,
        /// Whether running code costs virtual time, and on how many virtual cores.
        cpu: VirtualCpu,
    },
}

impl Mode {
    pub fn gil() -> Mode {
        Mode::Gil {
            switch_interval: DEFAULT_SWITCH_INTERVAL,
        }
    }

    /// Deterministic, with random walks from `seed`.
    pub fn det(seed: u64) -> Mode {
        Mode::Deterministic {
            seed,
            strategy: Strategy::Random,
            cpu: VirtualCpu::Free,
        }
    }

    /// Deterministic, with random walks from `seed`, where running code takes virtual time on
    /// a machine of `cores` cores: serial against threaded timings then have the shape they
    /// would have on real hardware, in parallel (`cores` > 1) or under a GIL (`cores` = 1),
    /// and the same numbers on every machine.
    pub fn det_on_cores(seed: u64, cores: u32) -> Mode {
        Mode::Deterministic {
            seed,
            strategy: Strategy::Random,
            cpu: VirtualCpu::Cores(cores.max(1)),
        }
    }

    /// Deterministic, with random walks from `seed`, on `cpu`: [`det`](Self::det) or
    /// [`det_on_cores`](Self::det_on_cores), for callers that hold the choice as a value.
    pub fn det_with_cpu(seed: u64, cpu: VirtualCpu) -> Mode {
        match cpu {
            VirtualCpu::Free => Mode::det(seed),
            VirtualCpu::Cores(cores) => Mode::det_on_cores(seed, cores),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Mode::Parallel => "parallel",
            Mode::Gil { .. } => "gil",
            Mode::Deterministic { .. } => "det",
        }
    }
}

/// What a blocked thread waits for: shown in traces, timelines and deadlock reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// A synchronisation object, and the thread that holds it when that is known (locks).
    Object {
        object: ObjectId,
        holder: Option<u32>,
    },
    /// `join()`: the thread with this number to finish.
    Thread(u32),
    /// `start()`: the thread with this number to begin running.
    Starting(u32),
    /// `time.sleep()`.
    Sleep,
    /// The GIL, held by another thread.
    Gil,
}

impl fmt::Display for WaitFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitFor::Object { object, .. } => write!(f, "{object}"),
            WaitFor::Thread(num) => write!(f, "thread #{num} to finish"),
            WaitFor::Starting(num) => write!(f, "thread #{num} to start"),
            WaitFor::Sleep => f.write_str("sleep"),
            WaitFor::Gil => f.write_str("the GIL"),
        }
    }
}

/// See the module documentation for the contract.
pub trait Scheduler: Send + Sync + 'static {
    fn mode_name(&self) -> &'static str;

    /// The run's clock.
    fn now(&self) -> Time;

    /// A thread was registered and is about to be started (called on the starting thread).
    fn thread_created(&self, _thread: &ThreadRef) {}

    /// The thread announced by `thread_created` could not be started after all.
    fn thread_start_failed(&self, _thread: &ThreadRef) {}

    /// First call on a new thread, before its body runs.
    fn thread_entered(&self, thread: &ThreadRef) -> Result<()>;

    /// Last call on a thread, after its body ran and its joiners were woken.
    fn thread_exiting(&self, thread: &ThreadRef);

    /// Blocks `me` (the calling thread) until unparked, until `deadline`, or spuriously.
    fn park(&self, me: &ThreadRef, deadline: Option<Time>, waiting_for: &WaitFor) -> Result<()>;

    /// Makes `thread` runnable. Never blocks, never switches.
    fn unpark(&self, thread: &ThreadRef);

    /// A scheduling point at a synchronisation operation (and `sleep(0)`).
    fn yield_now(&self, me: &ThreadRef) -> Result<()>;

    /// A scheduling point between two instructions of running code (the interpreter's tick).
    /// These are far more frequent than synchronisation points, so a scheduler may treat
    /// them differently; by default they are the same.
    fn tick(&self, me: &ThreadRef) -> Result<()> {
        self.yield_now(me)
    }

    /// True when a thread that finds a lock taken should spin briefly before parking: only
    /// when other threads really run at the same time.
    fn spinning_helps(&self) -> bool {
        false
    }

    /// True when primitives must route every operation through their slow path.
    fn observes_sync_ops(&self) -> bool {
        false
    }

    /// `sys.setswitchinterval`; meaningful for the GIL only.
    fn set_switch_interval(&self, _interval: Duration) {}

    fn switch_interval(&self) -> Duration {
        DEFAULT_SWITCH_INTERVAL
    }

    /// The deterministic scheduler's own queries (seed, schedule, deadlock report).
    fn deterministic(&self) -> Option<&Deterministic> {
        None
    }
}
