//! One step run, in two halves: [`StepRun`] runs the program on a thread of its own (a Web
//! Worker in the browser) and blocks there whenever it pauses; [`StepControl`] stays with the
//! interface, sends commands without blocking and polls for events with [`StepControl::try_event`]
//! (the browser's main thread must never block), or waits for them natively.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use threadlab_core::sched::deterministic::Manual;
use threadlab_core::{Mode, Strategy, VirtualCpu};

use super::chooser::StepChooser;
use super::probe::Probe;
use super::view::{data_globals, End, Pause};
use super::{Step, StepSchedule};
use crate::objects::lock;
use crate::vm::{Limits, OutputSink, Stream};
use crate::{Program, Run, RunOptions};

/// What the learner asks of a paused run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Step(Step),
    /// Let the seeded random walk run the program to its end.
    Finish,
    Stop,
}

/// What a step run tells its controller.
#[derive(Clone, Debug)]
pub enum Event {
    Paused(Pause),
    Ended(End),
}

/// How a step run runs, besides its plan.
#[derive(Clone, Debug)]
pub struct StepOptions {
    pub limits: Limits,
    pub cpu: VirtualCpu,
    /// Record the trace, for `End::trace_json`.
    pub trace: bool,
}

impl Default for StepOptions {
    fn default() -> StepOptions {
        StepOptions {
            limits: Limits {
                // "Finish" on a program that never ends must end all the same.
                instruction_budget: Some(STEP_INSTRUCTION_BUDGET),
                ..Limits::default()
            },
            cpu: VirtualCpu::Free,
            trace: false,
        }
    }
}

/// Instructions a step run may execute in all.
pub const STEP_INSTRUCTION_BUDGET: u64 = 20_000_000;

/// Keeps everything the program prints, stdout and stderr in the order they came.
#[derive(Default)]
pub(crate) struct Recorder(Mutex<String>);

impl Recorder {
    pub(crate) fn text(&self) -> String {
        lock(&self.0).clone()
    }
}

impl OutputSink for Recorder {
    fn write(&self, _stream: Stream, text: &str) {
        lock(&self.0).push_str(text);
    }
}

/// The run's half; see the module documentation.
pub struct StepRun {
    name: String,
    text: String,
    plan: StepSchedule,
    options: StepOptions,
    events: Sender<Event>,
    commands: Receiver<Command>,
}

/// The controller's half; see the module documentation. Dropping it stops the run.
pub struct StepControl {
    events: Receiver<Event>,
    commands: Sender<Command>,
    /// The run's end was handed out: after it, its channel is closed and that is normal.
    ended: AtomicBool,
}

/// A step run of the program `text` (named `name` in tracebacks) that first replays `plan`,
/// then pauses for the learner.
pub fn step_run(
    name: &str,
    text: &str,
    plan: StepSchedule,
    options: StepOptions,
) -> (StepRun, StepControl) {
    let (event_sender, events) = mpsc::channel();
    let (commands_sender, commands) = mpsc::channel();
    (
        StepRun {
            name: name.to_owned(),
            text: text.to_owned(),
            plan,
            options,
            events: event_sender,
            commands,
        },
        StepControl {
            events,
            commands: commands_sender,
            ended: AtomicBool::new(false),
        },
    )
}

impl StepRun {
    /// Runs the program on the calling thread, which becomes its main thread, pausing as the
    /// controller directs; ends with [`Event::Ended`].
    pub fn run(self) {
        let events = self.events.clone();
        let end = self.run_to_end();
        let _ = events.send(Event::Ended(end));
    }

    /// Runs it and returns how it ended: for analyses whose plan never pauses.
    pub(crate) fn run_to_end(self) -> End {
        let probe = Arc::new(Probe::default());
        let output = Arc::new(Recorder::default());
        let chooser = Arc::new(StepChooser::new(
            self.plan.clone(),
            probe.clone(),
            output.clone(),
            self.events,
            self.commands,
        ));
        let options = RunOptions {
            mode: Mode::Deterministic {
                seed: self.plan.seed,
                strategy: Strategy::Manual(Manual::new(chooser.clone())),
                cpu: self.options.cpu,
            },
            limits: self.options.limits.clone(),
            trace: self.options.trace,
            step_probe: Some(probe.clone()),
            ..RunOptions::default()
        };
        let report = Run::new(
            Program::new(&self.name, &self.text),
            options,
            output.clone(),
        )
        .run();
        let globals = probe
            .position(0)
            .map(|main| data_globals(&main.globals))
            .unwrap_or_default();
        End {
            steps: chooser.steps_taken(),
            outcome: report.outcome,
            output: output.text(),
            deadlock: report.runtime.deadlock(),
            schedule: report.runtime.schedule().unwrap_or_default(),
            globals,
            lost_updates: probe.lost_updates(),
            last_choice: chooser.last_choice(),
            trace_json: report.runtime.trace().map(|trace| trace.to_chrome_json()),
            names: {
                let mut names = probe.names();
                names.extend(chooser.names());
                names
            },
        }
    }
}

impl StepControl {
    /// The run's next event, if one has come; never blocks. A run that went away without
    /// its last event (a bug) ends with [`End`]'s internal error.
    pub fn try_event(&self) -> Option<Event> {
        match self.events.try_recv() {
            Ok(event) => Some(self.handed_out(event)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => self.vanished(),
        }
    }

    /// The run's next event, waiting at most `timeout` (not on a browser's main thread).
    pub fn wait_event(&self, timeout: Duration) -> Option<Event> {
        if self.ended.load(Ordering::Relaxed) {
            return None;
        }
        match self.events.recv_timeout(timeout) {
            Ok(event) => Some(self.handed_out(event)),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => self.vanished(),
        }
    }

    fn handed_out(&self, event: Event) -> Event {
        if matches!(event, Event::Ended(_)) {
            self.ended.store(true, Ordering::Relaxed);
        }
        event
    }

    fn vanished(&self) -> Option<Event> {
        if self.ended.swap(true, Ordering::Relaxed) {
            return None;
        }
        Some(Event::Ended(End::vanished()))
    }

    /// Sends a command; false when the run is gone. Never blocks.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }
}
