//! Running a learner's program from the page. The program's main thread runs on a Web Worker
//! (the page's own thread may never block), its threads on more workers, and everything it
//! prints comes back through lock-free queues that the page drains on a timer: the page never
//! takes a lock another thread could hold.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossbeam_queue::SegQueue;
use threadlab_core::trace::{Lane, Trace};
use threadlab_core::{Mode, StopReason};
use threadlab_python::process::InProcessLauncher;
use threadlab_python::{Limits, Outcome, OutputSink, Program, Run, RunOptions, Stream};

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
    /// The whole trace, for "Download trace" (made into JSON only when asked).
    pub trace: Option<Arc<Trace>>,
}

/// Shared between the page and the run's workers.
#[derive(Default)]
struct Shared {
    output: SegQueue<Chunk>,
    finished: SegQueue<Finished>,
    stop_requested: AtomicBool,
    over: AtomicBool,
    /// The worker that stops the run when asked: the page wakes it, since it may not call the
    /// run's stop handle itself (stopping takes locks).
    stopper: OnceLock<std::thread::Thread>,
}

impl OutputSink for Shared {
    fn write(&self, stream: Stream, text: &str) {
        self.output.push(Chunk {
            stream,
            text: text.to_owned(),
        });
    }
}

/// The page's handle on a running program.
#[derive(Clone)]
pub struct RunningProgram(Arc<Shared>, usize);

/// Instructions a run may take in the browser, so that a runaway program ends by itself.
const BUDGET: u64 = 2_000_000_000;

impl RunningProgram {
    /// Starts `source` in `mode` on a worker.
    pub fn start(name: &str, source: &str, mode: Mode) -> Result<RunningProgram, String> {
        let shared = Arc::new(Shared::default());
        let failures_before = threadlab_core::platform::worker_failures();
        let (name, source) = (name.to_owned(), source.to_owned());
        // A `multiprocessing.Process` runs the program again in a second interpreter, whose
        // main thread is a Web Worker like any other thread's.
        let launcher = Arc::new(InProcessLauncher::new(name.clone(), source.clone()));
        let for_run = Arc::clone(&shared);
        let body = Box::new(move || {
            let mode_name = mode.name();
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
            let sink: Arc<dyn OutputSink> = for_run.clone();
            let run = Run::new(Program::new(name, source), options, sink);
            start_stopper(&for_run, run.stop_handle());
            let report = run.run();
            let trace = report.runtime.trace().cloned();
            let lanes = trace
                .as_ref()
                .map(|trace| trace.lanes())
                .unwrap_or_default();
            for_run.finished.push(Finished {
                outcome: report.outcome,
                elapsed: report.elapsed,
                instructions: report.instructions,
                mode: mode_name,
                lanes: Arc::new(lanes),
                trace,
            });
            for_run.over.store(true, Ordering::Release);
            if let Some(stopper) = for_run.stopper.get() {
                stopper.unpark();
            }
        });
        threadlab_core::platform::spawn("threadlab run", 0, body)
            .map_err(|error| format!("could not start the program: {error}"))?;
        Ok(RunningProgram(shared, failures_before))
    }

    /// True when a Web Worker died since this run started (a trap: memory exhausted, or a bug
    /// of ours). The run may then never finish, and the page must not wait for it.
    pub fn worker_died(&self) -> bool {
        threadlab_core::platform::worker_failures() > self.1
    }

    /// Output printed since the last call.
    pub fn drain(&self) -> Vec<Chunk> {
        std::iter::from_fn(|| self.0.output.pop()).collect()
    }

    /// How the run ended, once it has (given once).
    pub fn finished(&self) -> Option<Finished> {
        self.0.finished.pop()
    }

    /// Asks the run to stop; it ends within a tick, even in `while True: pass`.
    pub fn stop(&self) {
        self.0.stop_requested.store(true, Ordering::Release);
        if let Some(stopper) = self.0.stopper.get() {
            stopper.unpark();
        }
    }
}

/// A worker that waits for a stop request (or the run's end) and passes it to the run.
fn start_stopper(shared: &Arc<Shared>, stop: threadlab_python::StopHandle) {
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
struct CheckShared {
    runs_done: std::sync::atomic::AtomicUsize,
    runs_planned: std::sync::atomic::AtomicUsize,
    verdict: SegQueue<Result<threadlab_lessons::check::Verdict, String>>,
}

impl RunningCheck {
    pub fn start(lesson: u32, file_name: &str, source: &str) -> Result<RunningCheck, String> {
        let shared = Arc::new(CheckShared::default());
        let for_check = Arc::clone(&shared);
        let (file_name, source) = (file_name.to_owned(), source.to_owned());
        let body = Box::new(move || {
            let progress_to = Arc::clone(&for_check);
            let mut on_progress = move |progress: threadlab_lessons::check::Progress| {
                progress_to
                    .runs_planned
                    .store(progress.runs_planned, Ordering::Release);
                progress_to
                    .runs_done
                    .store(progress.runs_done, Ordering::Release);
            };
            let mut checking =
                threadlab_lessons::check::Checking::new(file_name, source, &mut on_progress);
            let verdict = threadlab_lessons::check::check(lesson, &mut checking)
                .ok_or_else(|| format!("lesson {lesson} has no checker"));
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
