//! A learner's step session over successive runs of one program: step, undo, restart,
//! finish, save and replay.
//!
//! The session keeps the history (a [`StepSchedule`]) and the current run's [`StepControl`].
//! Undo and restart start a new run that replays the shortened history: runs are
//! deterministic, so it pauses in exactly the earlier state. The old run is told to stop and
//! unwinds on its own thread; nothing waits for it.
//!
//! Nothing here blocks except [`StepSession::wait`]: an interface that may not block (a
//! browser's main thread) calls [`StepSession::poll`] on a timer instead.

use std::sync::Arc;
use std::time::Duration;

use super::goals::Goal;
use super::run::{step_run, Command, Event, StepControl, StepOptions};
use super::view::End;
use super::{Granularity, Step, StepSchedule};

/// Starts a run's body on a thread of its own, or says why it cannot. The body is the run's
/// whole life; it returns when the run ends.
pub type Launcher = Arc<dyn Fn(Box<dyn FnOnce() + Send>) -> Result<(), String> + Send + Sync>;

/// The launcher for both front ends: core's platform threads, an OS thread natively and a Web
/// Worker in the browser (started from the page's main thread).
pub fn platform_launcher() -> Launcher {
    Arc::new(|body| {
        threadlab_core::platform::spawn(
            "threadlab step run",
            threadlab_core::runtime::DEFAULT_STACK_SIZE,
            body,
        )
        .map_err(|error| format!("cannot start the program here: {error}"))
    })
}

/// See the module documentation.
pub struct StepSession {
    name: String,
    text: String,
    options: StepOptions,
    launcher: Launcher,
    history: StepSchedule,
    granularity: Granularity,
    control: StepControl,
    latest: Option<Event>,
    goals: Vec<Goal>,
    reached: Vec<String>,
}

impl StepSession {
    /// Starts stepping the program from `start` (a fresh [`StepSchedule::new`] with the seed
    /// "finish" uses, or a saved one to replay).
    pub fn new(
        name: &str,
        text: &str,
        start: StepSchedule,
        options: StepOptions,
        launcher: Launcher,
    ) -> StepSession {
        let (run, control) = step_run(name, text, start.clone(), options.clone());
        let launched = launcher(Box::new(move || run.run()));
        let mut session = StepSession {
            name: name.to_owned(),
            text: text.to_owned(),
            options,
            launcher,
            history: start,
            granularity: Granularity::Line,
            control,
            latest: None,
            goals: Vec::new(),
            reached: Vec::new(),
        };
        session.launched(launched);
        session
    }

    /// A run that could not start ends at once, saying why.
    fn launched(&mut self, launched: Result<(), String>) {
        if let Err(message) = launched {
            self.latest = Some(Event::Ended(End::internal(message)));
        }
    }

    pub fn with_goals(mut self, goals: Vec<Goal>) -> StepSession {
        self.goals = goals;
        self
    }

    /// Takes the run's news without blocking; true when it is paused or has ended (see
    /// [`latest`](Self::latest)).
    pub fn poll(&mut self) -> bool {
        while let Some(event) = self.control.try_event() {
            self.arrived(event);
        }
        self.latest.is_some()
    }

    /// Waits up to `timeout` for the run to pause or end (never on a browser's main thread);
    /// true when it is paused or has ended.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        if self.poll() {
            return true;
        }
        if let Some(event) = self.control.wait_event(timeout) {
            self.arrived(event);
        }
        self.poll()
    }

    fn arrived(&mut self, event: Event) {
        if let Event::Paused(pause) = &event {
            // The history is what the run really did: a replayed schedule that stopped
            // fitting the program keeps only the part that fit (the pause says so in its note).
            self.history.steps.truncate(pause.step);
            if pause.step == 0 {
                self.history.choices.truncate(pause.choices);
            }
            self.history.finish = false;
        }
        for goal in &self.goals {
            let reached = match &event {
                Event::Paused(pause) => goal.reached_at(pause),
                Event::Ended(end) => goal.reached_by(end),
            };
            if let Some(why) = reached {
                if !self.reached.contains(&why) {
                    self.reached.push(why);
                }
            }
        }
        self.latest = Some(event);
    }

    /// The latest pause or end; `None` while the run goes on.
    pub fn latest(&self) -> Option<&Event> {
        self.latest.as_ref()
    }

    /// Goals reached so far in this run, each with why (cleared by undo and restart).
    pub fn reached(&self) -> &[String] {
        &self.reached
    }

    pub fn goals(&self) -> &[Goal] {
        &self.goals
    }

    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The granularity of the steps that follow.
    pub fn set_granularity(&mut self, granularity: Granularity) {
        self.granularity = granularity;
    }

    /// Steps taken so far, with the seed: what [`save`](Self::save) writes.
    pub fn history(&self) -> &StepSchedule {
        &self.history
    }

    /// Runs `thread` for one step of the current granularity. Fails, with a message for the
    /// learner, unless the run is paused and that thread can run.
    pub fn step(&mut self, thread: u32) -> Result<(), String> {
        let Some(Event::Paused(pause)) = &self.latest else {
            return Err(match self.latest {
                Some(Event::Ended(_)) => "the program has ended".to_owned(),
                _ => "the program is still running".to_owned(),
            });
        };
        match pause.thread(thread) {
            None => return Err(format!("there is no thread {thread}")),
            Some(row) if !row.runnable => {
                return Err(format!("{} cannot run now: it is {}", row.name, row.state))
            }
            Some(_) => {}
        }
        let step = Step {
            thread,
            granularity: self.granularity,
        };
        self.history.steps.push(step);
        self.latest = None;
        self.control.send(Command::Step(step));
        Ok(())
    }

    /// Hands the rest of the run to the seeded random walk.
    pub fn finish(&mut self) -> Result<(), String> {
        if !matches!(self.latest, Some(Event::Paused(_))) {
            return Err("the program is not paused".to_owned());
        }
        self.history.finish = true;
        self.latest = None;
        self.control.send(Command::Finish);
        Ok(())
    }

    /// Takes back the last step (or "finish"): a new run replays the others. False when there
    /// is nothing to undo.
    pub fn undo(&mut self) -> bool {
        if self.history.finish {
            self.history.finish = false;
        } else if self.history.steps.pop().is_none() && self.history.choices.pop().is_none() {
            return false;
        }
        self.relaunch();
        true
    }

    /// Back to the start of the program (with the same seed).
    pub fn restart(&mut self) {
        self.history = StepSchedule::new(self.history.seed);
        self.relaunch();
    }

    /// Replaces the history with `schedule` and replays it.
    pub fn replay(&mut self, schedule: StepSchedule) {
        self.history = schedule;
        self.relaunch();
    }

    /// The history as text, with the whole run's scheduler schedule when it has ended or
    /// paused (see [`StepSchedule::to_text`]).
    pub fn save(&self) -> String {
        let whole_run = match &self.latest {
            Some(Event::Ended(end)) => Some(&end.schedule),
            _ => None,
        };
        self.history.to_text(whole_run)
    }

    fn relaunch(&mut self) {
        let (run, control) = step_run(
            &self.name,
            &self.text,
            self.history.clone(),
            self.options.clone(),
        );
        // Replacing the control drops the old one, which stops the old run.
        self.control.send(Command::Stop);
        self.control = control;
        self.latest = None;
        self.reached.clear();
        let launched = (self.launcher)(Box::new(move || run.run()));
        self.launched(launched);
    }
}
