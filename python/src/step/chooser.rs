//! The run's side of step mode: core's [`Chooser`], deciding at each scheduling point whether to
//! go on by itself or to pause and wait for the learner.
//!
//! At each point, in order:
//! 1. while the plan's recorded `choices` last, follow them without pausing (points with one
//!    runnable thread, which are no choice, are passed too, up to the first real choice after
//!    them);
//! 2. while a step is in progress, its thread goes on: a line step until the thread reaches
//!    the start of another line (another line, another call, or a jump back to the start of
//!    this one), blocks or finishes; an instruction step ends at the next point;
//! 3. otherwise the step is done: the plan's next step is taken if it has one (that is how
//!    undo and replay reach an earlier state: the same steps again, deterministically), its
//!    `finish` hands over to the random walk, and else the run pauses: a [`Pause`] goes to
//!    the controller, and this thread blocks until a [`Command`] comes back.
//!
//! A controller that goes away stops the run.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use threadlab_core::sched::deterministic::{ChoicePoint, Chooser, Pick, ThreadState};

use super::probe::{Position, Probe};
use super::run::{Command, Event, Recorder};
use super::view::{rows, touched_variables, Pause};
use super::{Granularity, Step, StepSchedule};
use crate::objects::lock;

/// The step being taken.
struct Stepping {
    step: Step,
    /// Where its thread was when it was picked (`None`: it had not started yet).
    from: Option<Position>,
    /// The furthest instruction it has reached on that line, to see a jump back.
    furthest: usize,
}

struct State {
    /// The plan's recorded choices, followed before anything else.
    choices: Vec<u32>,
    /// Until the first pause of a plan with choices: points without a choice pass silently.
    quiet: bool,
    steps: VecDeque<Step>,
    finish: bool,
    stepping: Option<Stepping>,
    taken: usize,
    note: Option<String>,
}

pub(crate) struct StepChooser {
    state: Mutex<State>,
    probe: Arc<Probe>,
    output: Arc<Recorder>,
    events: Sender<Event>,
    commands: Mutex<Receiver<Command>>,
    /// The index of the last real choice made, plus one (0: none yet).
    last_choice: AtomicUsize,
    names: Mutex<BTreeMap<u32, String>>,
}

impl StepChooser {
    pub(crate) fn new(
        plan: StepSchedule,
        probe: Arc<Probe>,
        output: Arc<Recorder>,
        events: Sender<Event>,
        commands: Receiver<Command>,
    ) -> StepChooser {
        StepChooser {
            state: Mutex::new(State {
                quiet: !plan.choices.is_empty(),
                choices: plan.choices,
                steps: plan.steps.into(),
                finish: plan.finish,
                stepping: None,
                taken: 0,
                note: None,
            }),
            probe,
            output,
            events,
            commands: Mutex::new(commands),
            last_choice: AtomicUsize::new(0),
            names: Mutex::new(BTreeMap::new()),
        }
    }

    pub(crate) fn steps_taken(&self) -> usize {
        lock(&self.state).taken
    }

    /// Every thread's name seen so far, by number.
    pub(crate) fn names(&self) -> BTreeMap<u32, String> {
        lock(&self.names).clone()
    }

    pub(crate) fn last_choice(&self) -> Option<usize> {
        self.last_choice.load(Ordering::Relaxed).checked_sub(1)
    }

    fn decide(&self, point: &ChoicePoint) -> Pick {
        let mut state = lock(&self.state);
        let real = point.runnable.len() > 1;
        if let Some(&thread) = state.choices.get(point.index) {
            if !real {
                return Pick::Thread(point.runnable[0]);
            }
            if point.runnable.contains(&thread) {
                return Pick::Thread(thread);
            }
            state.note = Some(format!(
                "the saved choices stopped fitting the program at choice {}",
                point.index + 1
            ));
            state.choices.clear();
            state.steps.clear();
            state.finish = false;
        }
        if state.quiet && !real {
            return Pick::Thread(point.runnable[0]);
        }
        state.quiet = false;
        if let Some(stepping) = &mut state.stepping {
            if self.goes_on(stepping, point) {
                return Pick::Thread(stepping.step.thread);
            }
            state.stepping = None;
        }
        if let Some(step) = state.steps.pop_front() {
            if point.runnable.contains(&step.thread) {
                return self.start(&mut state, step);
            }
            state.note = Some(format!(
                "the saved steps stopped fitting the program at step {}: thread {} cannot run \
                 there",
                state.taken + 1,
                step.thread
            ));
            state.steps.clear();
            state.finish = false;
        }
        if state.finish {
            return Pick::Finish;
        }
        let pause = Pause {
            step: state.taken,
            choices: point.index,
            threads: rows(point, &self.probe),
            current: point.current,
            variables: touched_variables(
                &point
                    .threads
                    .iter()
                    .filter(|view| view.state != ThreadState::Finished)
                    .filter_map(|view| self.probe.position(view.num))
                    .collect::<Vec<_>>(),
            ),
            output: self.output.text(),
            now: point.now.as_secs_f64(),
            lost_updates: self.probe.lost_updates(),
            note: state.note.take(),
        };
        drop(state);
        if self.events.send(Event::Paused(pause)).is_err() {
            return Pick::Stop;
        }
        loop {
            let command = lock(&self.commands).recv();
            match command {
                Ok(Command::Step(step)) if point.runnable.contains(&step.thread) => {
                    let mut state = lock(&self.state);
                    return self.start(&mut state, step);
                }
                // The controller checks steps against the pause; a wrong one is ignored.
                Ok(Command::Step(_)) => continue,
                Ok(Command::Finish) => return Pick::Finish,
                Ok(Command::Stop) | Err(_) => return Pick::Stop,
            }
        }
    }

    fn start(&self, state: &mut State, step: Step) -> Pick {
        let from = self.probe.position(step.thread);
        state.taken += 1;
        state.stepping = Some(Stepping {
            step,
            furthest: from.as_ref().map_or(0, |p| p.ip),
            from,
        });
        Pick::Thread(step.thread)
    }

    /// Whether the step in progress goes on at `point`.
    fn goes_on(&self, stepping: &mut Stepping, point: &ChoicePoint) -> bool {
        let thread = stepping.step.thread;
        if point.current != thread || !point.runnable.contains(&thread) {
            return false;
        }
        if stepping.step.granularity == Granularity::Instruction {
            return false;
        }
        match (&stepping.from, self.probe.position(thread)) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some(_), None) => true,
            (Some(from), Some(now)) => {
                let same = now.frame == from.frame
                    && now.line() == from.line()
                    && now.ip >= stepping.furthest;
                stepping.furthest = stepping.furthest.max(now.ip);
                same
            }
        }
    }
}

impl Chooser for StepChooser {
    fn choose(&self, point: &ChoicePoint) -> Pick {
        self.probe.set_choices(point.index);
        {
            let mut names = lock(&self.names);
            for view in &point.threads {
                names.entry(view.num).or_insert_with(|| view.name.clone());
            }
        }
        let pick = self.decide(point);
        if point.runnable.len() > 1 && pick != Pick::Stop {
            self.last_choice.store(point.index + 1, Ordering::Relaxed);
            self.probe.set_choices(point.index + 1);
        }
        pick
    }
}
