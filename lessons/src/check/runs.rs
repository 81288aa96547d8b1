//! Running the learner's program for a checker: with a trace, within limits, under the mode
//! the checker asks for, and over many seeds when interleavings matter.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use threadlab_core::trace::{EventKind, TraceEvent};
use threadlab_core::{Mode, StopReason, Time, VirtualCpu};
use threadlab_python::process::{InProcessLauncher, ProcessLauncher};
use threadlab_python::{CapturedOutput, Limits, Outcome, Program, Run, RunOptions};

use super::printed::PrintedNumber;
use super::verdict::Replay;

/// Instructions a deterministic run may take (every thread together): far more than any
/// exercise needs, few enough that a runaway loop ends the check within seconds.
const DETERMINISTIC_BUDGET: u64 = 5_000_000;
/// Wall time any run may take before the check stops it: a safety net for what no budget
/// covers (a parallel run's real sleeps, a parent waiting for a child process that never
/// ends, which happens outside the deterministic schedule), never a judgement of speed.
const RUN_TIMEOUT: Duration = Duration::from_secs(20);

/// How far a check has got, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub runs_done: usize,
    pub runs_planned: usize,
}

/// One program being checked; the checker runs it through this.
pub struct Checking<'a> {
    file_name: String,
    source: String,
    launcher: Arc<dyn ProcessLauncher>,
    on_progress: &'a mut dyn FnMut(Progress),
    progress: Progress,
}

impl<'a> Checking<'a> {
    /// `file_name` is what tracebacks show. Children of `multiprocessing.Process` run in this
    /// process ([`InProcessLauncher`]) unless [`Checking::with_launcher`] says otherwise.
    pub fn new(
        file_name: impl Into<String>,
        source: impl Into<String>,
        on_progress: &'a mut dyn FnMut(Progress),
    ) -> Checking<'a> {
        let (file_name, source) = (file_name.into(), source.into());
        Checking {
            launcher: Arc::new(InProcessLauncher::new(file_name.clone(), source.clone())),
            file_name,
            source,
            on_progress,
            progress: Progress {
                runs_done: 0,
                runs_planned: 0,
            },
        }
    }

    pub fn with_launcher(mut self, launcher: Arc<dyn ProcessLauncher>) -> Checking<'a> {
        self.launcher = launcher;
        self
    }

    /// The program's file name, for commands the verdict suggests.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    pub fn runs(&self) -> usize {
        self.progress.runs_done
    }

    /// Announces `runs` more runs, for the progress bar.
    pub fn plan(&mut self, runs: usize) {
        self.progress.runs_planned += runs;
        (self.on_progress)(self.progress);
    }

    /// One traced run in `mode`.
    pub fn run(&mut self, mode: Mode) -> LearnerRun {
        let deterministic = matches!(mode, Mode::Deterministic { .. });
        let output = CapturedOutput::new();
        let options = RunOptions {
            mode: mode.clone(),
            limits: Limits {
                instruction_budget: deterministic.then_some(DETERMINISTIC_BUDGET),
                ..Limits::default()
            },
            trace: true,
            process_launcher: Some(Arc::clone(&self.launcher)),
            ..RunOptions::default()
        };
        let run = Run::new(
            Program::new(self.file_name.clone(), self.source.clone()),
            options,
            output.clone(),
        );
        let (finished, watchdog_wakes) = mpsc::channel::<()>();
        let stop = run.stop_handle();
        // Without a thread for it (a browser), the run still has its other limits.
        let _ = std::thread::Builder::new()
            .name("threadlab check watchdog".to_owned())
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) =
                    watchdog_wakes.recv_timeout(RUN_TIMEOUT)
                {
                    stop.stop(StopReason::LimitExceeded(format!(
                        "the check gives a run at most {} s",
                        RUN_TIMEOUT.as_secs()
                    )));
                }
            });
        let report = run.run();
        drop(finished);
        let trace = report.runtime.trace();
        let learner_run = LearnerRun {
            schedule: report
                .runtime
                .schedule()
                .map(|schedule| schedule.to_string()),
            mode,
            stdout: output.stdout(),
            stderr: output.stderr(),
            outcome: report.outcome,
            events: trace.map(|trace| trace.events()).unwrap_or_default(),
            threads: trace.map(|trace| trace.threads()).unwrap_or_default(),
            end: trace.map_or(Time::ZERO, |trace| trace.end_time()),
        };
        self.progress.runs_done += 1;
        self.progress.runs_planned = self.progress.runs_planned.max(self.progress.runs_done);
        (self.on_progress)(self.progress);
        learner_run
    }

    /// Runs `seeds` in turn under the deterministic scheduler (with CPU time on
    /// `virtual_cores`, if given) until `judge` rejects a run; that run's replay, if any.
    /// The runs are planned up front; runs left over after a failure are dropped from the plan.
    pub fn first_failure(
        &mut self,
        seeds: Range<u64>,
        virtual_cores: Option<u32>,
        judge: impl Fn(&LearnerRun) -> Result<(), String>,
    ) -> Option<Replay> {
        let planned = (seeds.end - seeds.start) as usize;
        self.plan(planned);
        for (index, seed) in seeds.enumerate() {
            let run = self.run(Mode::det_with_cpu(
                seed,
                VirtualCpu::from_cores(virtual_cores),
            ));
            if let Err(what_happened) = judge(&run) {
                self.progress.runs_planned -= planned - index - 1;
                (self.on_progress)(self.progress);
                return run.replay(what_happened);
            }
        }
        None
    }
}

/// What one run of the learner's program did, with the queries checkers share: its output
/// and the numbers in it ([`PrintedNumber`]s), and what its trace says, down to each thread's
/// life ([`LearnerRun::thread_lives`], in `lives.rs`).
#[derive(Clone, Debug)]
pub struct LearnerRun {
    pub mode: Mode,
    pub stdout: String,
    pub stderr: String,
    pub outcome: Outcome,
    /// The deterministic scheduler's choices, as replayable text.
    pub schedule: Option<String>,
    pub events: Vec<TraceEvent>,
    /// Every thread of the run, by number, with its name.
    pub threads: BTreeMap<u32, String>,
    /// When the last event happened (virtual time in deterministic mode).
    pub end: Time,
}

impl LearnerRun {
    /// The run that shows `what_happened` again, seed for seed (on the same virtual cores, if
    /// the run had them); `None` for a run that was not deterministic, which nothing replays.
    pub fn replay(&self, what_happened: impl Into<String>) -> Option<Replay> {
        let Mode::Deterministic { seed, cpu, .. } = &self.mode else {
            return None;
        };
        Some(Replay {
            seed: *seed,
            virtual_cores: cpu.cores(),
            schedule: self.schedule.clone().unwrap_or_default(),
            what_happened: what_happened.into(),
        })
    }

    /// Which run this was, to begin a message about it: "under seed 3", "in the parallel run".
    pub fn which(&self) -> String {
        match &self.mode {
            Mode::Deterministic { seed, .. } => format!("under seed {seed}"),
            Mode::Parallel => "in the parallel run".to_owned(),
            Mode::Gil { .. } => "in the GIL run".to_owned(),
        }
    }

    /// `Ok` when the program ran to its end; otherwise why not, with the end of its stderr,
    /// which names the error and its line.
    pub fn completed(&self) -> Result<(), String> {
        let why = match &self.outcome {
            Outcome::Completed => return Ok(()),
            Outcome::Exited(code) => format!("it exited with status {code}"),
            Outcome::UncaughtException => "it raised an exception".to_owned(),
            Outcome::SyntaxError => "it has a syntax error".to_owned(),
            Outcome::Stopped(StopReason::Deadlock(report)) => format!("it deadlocked: {report}"),
            Outcome::Stopped(reason) => format!("it was stopped ({reason})"),
            Outcome::InternalError => "threadlab failed while running it".to_owned(),
        };
        let tail: Vec<&str> = self.stderr.lines().rev().take(3).collect();
        if tail.is_empty() {
            return Err(why);
        }
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!("{why}:\n{}", tail.join("\n")))
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.stdout.lines()
    }

    /// The rest of the first line that starts with `label` (`"cpu ratio:"`), trimmed.
    pub fn value_of(&self, label: &str) -> Option<&str> {
        self.lines()
            .find_map(|line| line.trim_start().strip_prefix(label))
            .map(str::trim)
    }

    /// The number printed after `label`, with or without a unit after it (`1.50 s`).
    pub fn number_after(&self, label: &str) -> Result<f64, String> {
        self.printed_number(label).map(|number| number.value)
    }

    /// The number printed after `label`, as [`LearnerRun::number_after`] reads it, with the
    /// rounding its digits allow and its text: for checking printed numbers against each other
    /// and against the trace.
    pub fn printed_number(&self, label: &str) -> Result<PrintedNumber, String> {
        let value = self
            .value_of(label)
            .ok_or_else(|| format!("no line starts with \"{label}\""))?;
        let number = value.split_whitespace().next().unwrap_or("");
        PrintedNumber::parse(number).ok_or_else(|| {
            format!("the line \"{label} {value}\" should have a number after \"{label}\"")
        })
    }

    /// When the program printed the first line starting with `prefix`, on the run's clock.
    pub fn printed_at(&self, prefix: &str) -> Option<Time> {
        self.events.iter().find_map(|event| match &event.kind {
            EventKind::Output { text } if text.starts_with(prefix) => Some(event.at),
            _ => None,
        })
    }

    /// Every line printed, in order, with when it was printed.
    pub fn printed(&self) -> Vec<(Time, &str)> {
        self.events
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::Output { text } => Some((event.at, text.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Threads other than the main thread that ran.
    pub fn started_threads(&self) -> usize {
        self.events
            .iter()
            .filter(|event| {
                event.thread != 0 && matches!(event.kind, EventKind::ThreadStart { .. })
            })
            .count()
    }

    /// When the thread named `name` ended, if it did.
    pub fn thread_end(&self, name: &str) -> Option<Time> {
        let num = self
            .threads
            .iter()
            .find_map(|(&num, thread)| (thread == name).then_some(num))?;
        self.events.iter().find_map(|event| {
            (event.thread == num && event.kind == EventKind::ThreadEnd).then_some(event.at)
        })
    }

    /// Events on objects of `kind` (acquire, release, put, get).
    pub fn uses(&self, kind: threadlab_core::ObjectKind) -> usize {
        self.events
            .iter()
            .filter(|event| match &event.kind {
                EventKind::Acquire { object } | EventKind::Release { object } => {
                    object.kind == kind
                }
                EventKind::Put { queue } | EventKind::Get { queue } => queue.kind == kind,
                _ => false,
            })
            .count()
    }
}

#[cfg(test)]
impl LearnerRun {
    /// A run that printed nothing and traced nothing, in `mode`: for the framework's tests.
    pub(crate) fn empty(mode: Mode) -> LearnerRun {
        LearnerRun {
            mode,
            stdout: String::new(),
            stderr: String::new(),
            outcome: Outcome::Completed,
            schedule: Some("schedule".to_owned()),
            events: Vec::new(),
            threads: BTreeMap::new(),
            end: Time::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use threadlab_core::Mode;

    use super::LearnerRun;

    #[test]
    fn a_deterministic_run_replays_with_its_seed_and_virtual_cores() {
        let replay = LearnerRun::empty(Mode::det_on_cores(7, 4))
            .replay("it failed")
            .unwrap();
        assert_eq!(replay.seed, 7);
        assert_eq!(replay.virtual_cores, Some(4));
        assert_eq!(replay.schedule, "schedule");
        assert_eq!(replay.what_happened, "it failed");
        let replay = LearnerRun::empty(Mode::det(2)).replay("x").unwrap();
        assert_eq!(replay.virtual_cores, None);
        assert_eq!(LearnerRun::empty(Mode::det(2)).which(), "under seed 2");
    }

    #[test]
    fn a_parallel_run_does_not_replay() {
        let run = LearnerRun::empty(Mode::Parallel);
        assert!(run.replay("it failed").is_none());
        assert_eq!(run.which(), "in the parallel run");
    }
}
