//! Step mode's worker: it owns the learner's [`StepSession`] and talks to the page through
//! lock-free queues only.
//!
//! The session's channels take a lock when a run is dropped or a blocked receiver is woken, and
//! the page's thread may never wait on a lock (a contended one would trap there). So the page
//! never touches the session: it pushes [`Request`]s and wakes this worker, which applies them
//! and pushes back a [`Snapshot`] each time the run pauses or ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossbeam_queue::SegQueue;
use threadlab_core::{Schedule, VirtualCpu};
use threadlab_lessons::check::Replay;
use threadlab_python::step::{
    open_schedule, platform_launcher, Event, Granularity, StepOptions, StepSchedule, StepSession,
};

/// What the page asks of the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Step(u32),
    Granularity(Granularity),
    Undo,
    Restart,
    Finish,
    /// Start over from a saved schedule (its text).
    Replay(String),
}

/// Where a session starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepStart {
    /// The program's first instruction, with the seed that "finish" hands over to, and the
    /// virtual CPU the run's clock follows (as in a deterministic run of the same choices).
    Beginning { seed: u64, cpu: VirtualCpu },
    /// A checker's failing run, at its first interesting point.
    FailingRun(Replay),
}

/// The session as the page shows it, after each pause or end.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub event: Event,
    pub granularity: Granularity,
    /// The steps so far, in the text form "Save" keeps and "Replay" reads.
    pub saved: String,
    /// Said once: why a failing seed opened where it did, or why it could not.
    pub note: Option<String>,
}

#[derive(Default)]
struct Shared {
    requests: SegQueue<Request>,
    snapshots: SegQueue<Snapshot>,
    problems: SegQueue<String>,
    closed: AtomicBool,
    worker: OnceLock<std::thread::Thread>,
}

/// The page's handle on the step worker; closing the panel drops it, which ends the session.
pub struct StepHost {
    shared: Arc<Shared>,
    /// Web Workers that had died before this session began.
    failures_before: usize,
}

/// How often the worker looks for requests while it waits for the run.
const LOOK: Duration = Duration::from_millis(10);

impl StepHost {
    pub fn start(name: &str, text: &str, start: StepStart) -> Result<StepHost, String> {
        let failures_before = threadlab_core::platform::worker_failures();
        let shared = Arc::new(Shared::default());
        let for_worker = Arc::clone(&shared);
        let (name, text) = (name.to_owned(), text.to_owned());
        let body = Box::new(move || host(&for_worker, &name, &text, start));
        threadlab_core::platform::spawn("threadlab step", 0, body)
            .map_err(|error| format!("could not start step mode: {error}"))?;
        Ok(StepHost {
            shared,
            failures_before,
        })
    }

    pub fn send(&self, request: Request) {
        self.shared.requests.push(request);
        self.wake();
    }

    /// The newest snapshot since the last call, if any.
    pub fn latest(&self) -> Option<Snapshot> {
        std::iter::from_fn(|| self.shared.snapshots.pop()).last()
    }

    /// A request the session refused, or a failure to start, to show the learner.
    pub fn problem(&self) -> Option<String> {
        self.shared.problems.pop()
    }

    /// True when a Web Worker died since the session began (the session's worker, or the
    /// run's): nothing more will come, and the page must not wait for it.
    pub fn worker_died(&self) -> bool {
        threadlab_core::platform::worker_failures() > self.failures_before
    }

    fn wake(&self) {
        if let Some(worker) = self.shared.worker.get() {
            worker.unpark();
        }
    }
}

impl Drop for StepHost {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.wake();
    }
}

fn host(shared: &Shared, name: &str, text: &str, start: StepStart) {
    let _ = shared.worker.set(std::thread::current());
    let mut options = StepOptions::default();
    let (schedule, mut note) = match start {
        StepStart::Beginning { seed, cpu } => {
            options.cpu = cpu;
            (StepSchedule::new(seed), None)
        }
        StepStart::FailingRun(replay) => {
            // The check's run again, with its virtual cores, or the choices would not fit.
            if let Some(cores) = replay.virtual_cores {
                options.cpu = VirtualCpu::Cores(cores);
            }
            let opened = replay
                .schedule
                .parse::<Schedule>()
                .map_err(|error| format!("the check's schedule cannot be read: {error}"))
                .and_then(|schedule| open_schedule(name, text, &schedule, &options));
            match opened {
                Ok(opened) => (opened.start, Some(opened.why)),
                Err(why) => (StepSchedule::new(replay.seed), Some(why)),
            }
        }
    };
    let mut session = StepSession::new(name, text, schedule, options, platform_launcher());
    let mut shown = false;
    while !shared.closed.load(Ordering::Acquire) {
        while let Some(request) = shared.requests.pop() {
            if let Err(problem) = apply(&mut session, request) {
                shared.problems.push(problem);
            }
            shown = false;
        }
        // `StepSession::wait` would time out with std's clock, which wasm32 lacks: poll, and
        // nap between looks instead.
        if !session.poll() {
            threadlab_core::platform::park_current(Some(LOOK));
        } else {
            if !shown {
                if let Some(event) = session.latest() {
                    shared.snapshots.push(Snapshot {
                        event: event.clone(),
                        granularity: session.granularity(),
                        saved: session.save(),
                        note: note.take(),
                    });
                    shown = true;
                }
            }
            // Paused or over: nothing changes until the page asks for something.
            if shared.requests.is_empty() && !shared.closed.load(Ordering::Acquire) {
                threadlab_core::platform::park_current(Some(Duration::from_secs(1)));
            }
        }
    }
}

fn apply(session: &mut StepSession, request: Request) -> Result<(), String> {
    match request {
        Request::Step(thread) => session.step(thread),
        Request::Granularity(granularity) => {
            session.set_granularity(granularity);
            Ok(())
        }
        Request::Undo => {
            if session.undo() {
                Ok(())
            } else {
                Err("There is no step to undo.".to_owned())
            }
        }
        Request::Restart => {
            session.restart();
            Ok(())
        }
        Request::Finish => session.finish(),
        Request::Replay(text) => {
            let schedule: StepSchedule = text
                .parse()
                .map_err(|error| format!("The saved steps cannot be replayed: {error}"))?;
            session.replay(schedule);
            Ok(())
        }
    }
}
