//! Running a learner's program from the page, on one of two back-ends:
//!
//! - **Workers** (the page is cross-origin isolated): the program's main thread runs on a Web
//!   Worker (the page's own thread may never block), its threads on more workers, all sharing
//!   the page's memory; everything it prints comes back through lock-free queues that the page
//!   drains on a timer, so the page never takes a lock another thread could hold.
//! - **One worker** ([`single_worker`](crate::single_worker), no isolation, so no shared memory
//!   with any worker): the whole run, every Python thread included, on one worker of its own
//!   in deterministic mode; what it prints and how it ended come back as messages, which land
//!   in the same queues.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossbeam_queue::SegQueue;
use threadlab_core::trace::{Lane, Trace};
use threadlab_core::{Mode, StopReason, VirtualCpu};
use threadlab_python::process::InProcessLauncher;
use threadlab_python::{Limits, Outcome, OutputSink, Program, Run, RunOptions, StopHandle, Stream};

use crate::single_worker::{self, SingleWorker};

/// A piece of output, in the order it was printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub stream: Stream,
    pub text: String,
}

/// How a run ended, for the timing summary and the timeline.
#[derive(Clone)]
pub struct Finished {
    pub outcome: Outcome,
    pub elapsed: Duration,
    pub instructions: u64,
    pub mode: &'static str,
    /// One lane per thread, worked out on the worker (a long trace would stall the page).
    pub lanes: Arc<Vec<Lane>>,
    /// The whole trace, for "Download trace".
    pub trace: Option<RunTrace>,
}

/// A run's trace: here (made into JSON only when asked), or already JSON, from a worker that
/// shares no memory with the page.
#[derive(Clone)]
pub enum RunTrace {
    Here(Arc<Trace>),
    Json { json: Arc<String>, truncated: bool },
}

impl RunTrace {
    /// True when the program did more than the trace could record.
    pub fn truncated(&self) -> bool {
        match self {
            RunTrace::Here(trace) => trace.truncated(),
            RunTrace::Json { truncated, .. } => *truncated,
        }
    }

    /// Chrome trace-event JSON, for Perfetto.
    pub fn chrome_json(&self) -> String {
        match self {
            RunTrace::Here(trace) => trace.to_chrome_json(),
            RunTrace::Json { json, .. } => json.as_ref().clone(),
        }
    }
}

/// Shared between the page and the run's workers.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) output: SegQueue<Chunk>,
    pub(crate) finished: SegQueue<Finished>,
    stop_requested: AtomicBool,
    over: AtomicBool,
    /// The worker that stops the run when asked: the page wakes it, since it may not call the
    /// run's stop handle itself (stopping takes locks).
    stopper: OnceLock<std::thread::Thread>,
    /// The single worker died (a trap): the run will never finish.
    pub(crate) died: AtomicBool,
}

impl OutputSink for Shared {
    fn write(&self, stream: Stream, text: &str) {
        self.output.push(Chunk {
            stream,
            text: text.to_owned(),
        });
    }
}

/// Instructions a run may take in the browser, so that a runaway program ends by itself.
const BUDGET: u64 = 2_000_000_000;

/// Runs `source` to its end on the calling thread (a worker's), printing to `sink`; `on_start`
/// gets the handle that stops it.
pub(crate) fn execute(
    name: String,
    source: String,
    mode: Mode,
    sink: Arc<dyn OutputSink>,
    on_start: impl FnOnce(StopHandle),
) -> Finished {
    let mode_name = mode.name();
    // A `multiprocessing.Process` runs the program again in a second interpreter, whose main
    // thread is a platform thread like any other thread's.
    let launcher = Arc::new(InProcessLauncher::new(name.clone(), source.clone()));
    let options = RunOptions {
        mode,
        trace: true,
        process_launcher: Some(launcher),
        limits: Limits {
            instruction_budget: Some(BUDGET),
            ..Limits::default()
        },
        ..RunOptions::default()
    };
    let run = Run::new(Program::new(name, source), options, sink);
    on_start(run.stop_handle());
    let report = run.run();
    let trace = report.runtime.trace().cloned();
    let lanes = trace
        .as_ref()
        .map(|trace| trace.lanes())
        .unwrap_or_default();
    Finished {
        outcome: report.outcome,
        elapsed: report.elapsed,
        instructions: report.instructions,
        mode: mode_name,
        lanes: Arc::new(lanes),
        trace: trace.map(RunTrace::Here),
    }
}

/// Where a run runs.
#[derive(Clone)]
enum Backend {
    /// Web Workers sharing the page's memory; the count of workers that had died before.
    Workers {
        failures_before: usize,
    },
    SingleWorker(SingleWorker),
}

/// The page's handle on a running program.
#[derive(Clone)]
pub struct RunningProgram(Arc<Shared>, Backend);

impl RunningProgram {
    /// Starts `source` in `mode` on a worker. Without cross-origin isolation, the run is
    /// deterministic whatever `mode` says (with `mode`'s seed and CPU, if it has them).
    pub fn start(name: &str, source: &str, mode: Mode) -> Result<RunningProgram, String> {
        let shared = Arc::new(Shared::default());
        if !single_worker::isolated() {
            let (seed, cpu) = match mode {
                Mode::Deterministic { seed, cpu, .. } => (seed, cpu),
                _ => (0, VirtualCpu::Cores(threadlab_lessons::VIRTUAL_CORES)),
            };
            let request = single_worker::Request::Run {
                name: name.to_owned(),
                source: source.to_owned(),
                seed,
                virtual_cores: cpu.cores(),
            };
            let worker =
                SingleWorker::start(&request, single_worker::Receiver::Run(shared.clone()))?;
            return Ok(RunningProgram(shared, Backend::SingleWorker(worker)));
        }
        let failures_before = threadlab_core::platform::worker_failures();
        let (name, source) = (name.to_owned(), source.to_owned());
        let for_run = Arc::clone(&shared);
        let body = Box::new(move || {
            let sink: Arc<dyn OutputSink> = for_run.clone();
            let finished = execute(name, source, mode, sink, |stop| {
                start_stopper(&for_run, stop)
            });
            for_run.finished.push(finished);
            for_run.over.store(true, Ordering::Release);
            if let Some(stopper) = for_run.stopper.get() {
                stopper.unpark();
            }
        });
        threadlab_core::platform::spawn("threadlab run", 0, body)
            .map_err(|error| format!("could not start the program: {error}"))?;
        Ok(RunningProgram(shared, Backend::Workers { failures_before }))
    }

    /// True when a Web Worker died since this run started (a trap: memory exhausted, or a bug
    /// of ours). The run may then never finish, and the page must not wait for it.
    pub fn worker_died(&self) -> bool {
        match &self.1 {
            Backend::Workers { failures_before } => {
                threadlab_core::platform::worker_failures() > *failures_before
            }
            Backend::SingleWorker(_) => self.0.died.load(Ordering::Acquire),
        }
    }

    /// Output printed since the last call.
    pub fn drain(&self) -> Vec<Chunk> {
        std::iter::from_fn(|| self.0.output.pop()).collect()
    }

    /// How the run ended, once it has (given once).
    pub fn finished(&self) -> Option<Finished> {
        self.0.finished.pop()
    }

    /// Asks the run to stop; it ends within a tick, even in `while True: pass`. A run on the
    /// single worker ends with its worker, at once.
    pub fn stop(&self) {
        if let Backend::SingleWorker(worker) = &self.1 {
            if worker.terminate() {
                self.0.finished.push(Finished {
                    outcome: Outcome::Stopped(StopReason::Requested),
                    elapsed: worker.elapsed(),
                    instructions: 0,
                    mode: Mode::det(0).name(),
                    lanes: Arc::new(Vec::new()),
                    trace: None,
                });
            }
            return;
        }
        self.0.stop_requested.store(true, Ordering::Release);
        if let Some(stopper) = self.0.stopper.get() {
            stopper.unpark();
        }
    }
}

/// A worker that waits for a stop request (or the run's end) and passes it to the run.
fn start_stopper(shared: &Arc<Shared>, stop: StopHandle) {
    let shared = Arc::clone(shared);
    let body = Box::new(move || {
        let _ = shared.stopper.set(std::thread::current());
        loop {
            if shared.over.load(Ordering::Acquire) {
                return;
            }
            if shared.stop_requested.load(Ordering::Acquire) {
                stop.stop(StopReason::Requested);
                return;
            }
            std::thread::park();
        }
    });
    // Without a stopper the run still ends by its instruction budget.
    let _ = threadlab_core::platform::spawn("threadlab stopper", 0, body);
}

/// A check of an exercise, running on a worker: many runs of the learner's program, so it can
/// never run on the page's own thread.
#[derive(Clone)]
pub struct RunningCheck(Arc<CheckShared>);

#[derive(Default)]
pub(crate) struct CheckShared {
    pub(crate) runs_done: std::sync::atomic::AtomicUsize,
    pub(crate) runs_planned: std::sync::atomic::AtomicUsize,
    pub(crate) verdict: SegQueue<Result<threadlab_lessons::check::Verdict, String>>,
}

impl CheckShared {
    pub(crate) fn progress(&self, progress: threadlab_lessons::check::Progress) {
        self.runs_planned
            .store(progress.runs_planned, Ordering::Release);
        self.runs_done.store(progress.runs_done, Ordering::Release);
    }
}

/// Checks `source` as lesson `lesson`'s exercise on the calling thread (a worker's).
pub(crate) fn check(
    lesson: u32,
    file_name: String,
    source: String,
    mut on_progress: impl FnMut(threadlab_lessons::check::Progress),
) -> Result<threadlab_lessons::check::Verdict, String> {
    let mut checking = threadlab_lessons::check::Checking::new(file_name, source, &mut on_progress);
    threadlab_lessons::check::check(lesson, &mut checking)
        .ok_or_else(|| format!("lesson {lesson} has no checker"))
}

impl RunningCheck {
    pub fn start(lesson: u32, file_name: &str, source: &str) -> Result<RunningCheck, String> {
        let shared = Arc::new(CheckShared::default());
        let (file_name, source) = (file_name.to_owned(), source.to_owned());
        if !single_worker::isolated() {
            let request = single_worker::Request::Check {
                lesson,
                file_name,
                source,
            };
            SingleWorker::start(&request, single_worker::Receiver::Check(shared.clone()))?;
            return Ok(RunningCheck(shared));
        }
        let for_check = Arc::clone(&shared);
        let body = Box::new(move || {
            let progress_to = Arc::clone(&for_check);
            let verdict = check(lesson, file_name, source, |progress| {
                progress_to.progress(progress)
            });
            for_check.verdict.push(verdict);
        });
        threadlab_core::platform::spawn("threadlab check", 0, body)
            .map_err(|error| format!("could not start the check: {error}"))?;
        Ok(RunningCheck(shared))
    }

    /// Runs done and planned so far, for a progress bar.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.0.runs_done.load(Ordering::Acquire),
            self.0.runs_planned.load(Ordering::Acquire),
        )
    }

    /// The verdict, once the check is over (given once).
    pub fn verdict(&self) -> Option<Result<threadlab_lessons::check::Verdict, String>> {
        self.0.verdict.pop()
    }
}
