//! Exploration for checkers: run a program under many seeds, stop at the first failing run, and
//! report how to replay it.
//!
//! The program is a closure `Fn(&Runtime) -> Result<(), String>`. Each run gets a fresh
//! deterministic [`Runtime`] whose main thread is the calling thread; the closure runs as that
//! main thread, then [`Runtime::shutdown`] ends the run. A run fails when the closure returns an
//! error or panics, when a thread ends with an uncaught error or panic, or when the run is
//! stopped (a deadlock, a replay that diverged, a limit).
//!
//! ```
//! use threadlab_core::sched::Explorer;
//!
//! let exploration = Explorer::random().seeds(0..10).run(|rt| {
//!     rt.sleep(std::time::Duration::from_secs(1)).map_err(|err| err.to_string())
//! });
//! assert!(exploration.first_failure.is_none());
//! assert_eq!(exploration.explored, 10);
//! ```

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{DeadlockReport, Schedule, Strategy, VirtualCpu};
use crate::error::StopReason;
use crate::platform;
use crate::runtime::{Runtime, DEFAULT_MAX_THREADS};
use crate::sched::Mode;
use crate::time::Time;
use crate::util::{lock, panic_message};

/// How to explore a program; see the module documentation.
#[derive(Clone, Debug)]
pub struct Explorer {
    strategy: Strategy,
    seeds: Range<u64>,
    keep_going: bool,
    trace: bool,
    max_threads: usize,
    cpu: VirtualCpu,
}

impl Explorer {
    /// Runs under `strategy` for seeds `0..100`, stopping at the first failure, untraced.
    pub fn new(strategy: Strategy) -> Explorer {
        Explorer {
            strategy,
            seeds: 0..100,
            keep_going: false,
            trace: false,
            max_threads: DEFAULT_MAX_THREADS,
            cpu: VirtualCpu::Free,
        }
    }

    /// Random walks.
    pub fn random() -> Explorer {
        Explorer::new(Strategy::Random)
    }

    /// PCT with bug depth `depth`. Its step estimate starts at the default and then follows the
    /// longest run seen so far.
    pub fn pct(depth: u32) -> Explorer {
        Explorer::new(Strategy::pct(depth))
    }

    /// The seeds to run, in order.
    pub fn seeds(mut self, seeds: Range<u64>) -> Explorer {
        self.seeds = seeds;
        self
    }

    /// Runs every seed even after a failure (to count failures); the first is still reported.
    pub fn keep_going(mut self, keep_going: bool) -> Explorer {
        self.keep_going = keep_going;
        self
    }

    /// Traces every run, so that a failure carries its Chrome-trace JSON.
    pub fn trace(mut self, on: bool) -> Explorer {
        self.trace = on;
        self
    }

    /// Whether running code costs virtual time (see [`VirtualCpu`]).
    pub fn virtual_cpu(mut self, cpu: VirtualCpu) -> Explorer {
        self.cpu = cpu;
        self
    }

    pub fn max_threads(mut self, max_threads: usize) -> Explorer {
        self.max_threads = max_threads;
        self
    }

    /// Explores the seeds; see [`Exploration`].
    pub fn run(&self, body: impl Fn(&Runtime) -> Result<(), String>) -> Exploration {
        let started = platform::monotonic_nanos();
        let mut exploration = Exploration {
            explored: 0,
            failures: 0,
            first_failure: None,
            elapsed: Duration::ZERO,
        };
        let mut longest = None;
        for seed in self.seeds.clone() {
            let strategy = match (&self.strategy, longest) {
                (Strategy::Pct { depth, .. }, Some(steps)) => Strategy::Pct {
                    depth: *depth,
                    steps,
                },
                (strategy, _) => strategy.clone(),
            };
            let mode = Mode::Deterministic {
                seed,
                strategy,
                cpu: self.cpu,
            };
            let report = self.run_mode(mode, &body);
            exploration.explored += 1;
            let steps = report.schedule.len() as u64;
            longest = Some(
                longest
                    .map_or(steps, |longest: u64| longest.max(steps))
                    .max(1),
            );
            if let Some(message) = report.failure() {
                exploration.failures += 1;
                if exploration.first_failure.is_none() {
                    exploration.first_failure = Some(Failure {
                        seed,
                        mode: report.mode,
                        schedule: report.schedule,
                        message,
                        deadlock: report.deadlock,
                        trace_json: report.runtime.trace().map(|trace| trace.to_chrome_json()),
                    });
                }
                if !self.keep_going {
                    break;
                }
            }
        }
        exploration.elapsed =
            Duration::from_nanos(platform::monotonic_nanos().saturating_sub(started));
        exploration
    }

    /// One run with this explorer's strategy and `seed`.
    pub fn run_seed(
        &self,
        seed: u64,
        body: impl FnOnce(&Runtime) -> Result<(), String>,
    ) -> RunReport {
        let mode = Mode::Deterministic {
            seed,
            strategy: self.strategy.clone(),
            cpu: self.cpu,
        };
        self.run_mode(mode, body)
    }

    /// One run that follows `schedule`'s choices.
    pub fn replay(
        &self,
        schedule: &Schedule,
        body: impl FnOnce(&Runtime) -> Result<(), String>,
    ) -> RunReport {
        let mode = Mode::Deterministic {
            seed: schedule.seed(),
            strategy: Strategy::Replay(schedule.clone()),
            cpu: self.cpu,
        };
        self.run_mode(mode, body)
    }

    /// One run in `mode` (any mode; the schedule is empty unless it is deterministic).
    pub fn run_mode(
        &self,
        mode: Mode,
        body: impl FnOnce(&Runtime) -> Result<(), String>,
    ) -> RunReport {
        let rt = Runtime::builder(mode.clone())
            .trace(self.trace)
            .max_threads(self.max_threads)
            .build();
        let uncaught = Arc::new(Mutex::new(Vec::new()));
        let hook_log = Arc::clone(&uncaught);
        rt.set_excepthook(move |error| {
            lock(&hook_log).push(format!(
                "Exception in thread {}: {}",
                error.thread.name(),
                error.message
            ));
        });
        let outcome = match catch_unwind(AssertUnwindSafe(|| body(&rt))) {
            Ok(outcome) => outcome,
            Err(payload) => Err(format!("panicked: {}", panic_message(payload.as_ref()))),
        };
        // An interrupted shutdown is already reported through the stop reason.
        let _ = rt.shutdown();
        let uncaught = std::mem::take(&mut *lock(&uncaught));
        RunReport {
            mode,
            schedule: rt.schedule().unwrap_or_default(),
            outcome,
            uncaught,
            stop_reason: rt.stop_reason(),
            deadlock: rt.deadlock(),
            end_time: rt.now(),
            runtime: rt,
        }
    }
}

/// What exploring found.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Runs made (one schedule each).
    pub explored: u64,
    /// Runs that failed (at most one unless `keep_going`).
    pub failures: u64,
    pub first_failure: Option<Failure>,
    /// Wall-clock time of the whole exploration.
    pub elapsed: Duration,
}

impl Exploration {
    /// Throughput, for reports; never assert on it.
    pub fn schedules_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.explored as f64 / seconds
        } else {
            0.0
        }
    }
}

/// The first failing run: how to replay it and what went wrong.
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    /// The exact mode of the run (seed and strategy): it replays the run from its seed.
    pub mode: Mode,
    /// The run's choices: `Strategy::Replay(schedule)` (or [`Explorer::replay`]) replays it.
    pub schedule: Schedule,
    pub message: String,
    pub deadlock: Option<DeadlockReport>,
    /// The run's Chrome trace, when the explorer traces.
    pub trace_json: Option<String>,
}

/// Everything about one run.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub mode: Mode,
    pub schedule: Schedule,
    /// What the closure returned (a panic becomes `Err("panicked: ...")`).
    pub outcome: Result<(), String>,
    /// Errors that escaped threads, as the excepthook saw them.
    pub uncaught: Vec<String>,
    pub stop_reason: Option<StopReason>,
    pub deadlock: Option<DeadlockReport>,
    /// The run's clock when it ended (virtual in deterministic mode).
    pub end_time: Time,
    /// The finished run, e.g. for its trace.
    pub runtime: Runtime,
}

impl RunReport {
    /// Why the run failed, most fundamental cause first; `None` when it passed.
    pub fn failure(&self) -> Option<String> {
        if let Some(reason) = &self.stop_reason {
            return Some(reason.to_string());
        }
        if let Err(message) = &self.outcome {
            return Some(message.clone());
        }
        self.uncaught.first().cloned()
    }
}
