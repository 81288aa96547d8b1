//! [`Strategy::Manual`](super::Strategy::Manual): a person takes the scheduler's seat.
//!
//! At every scheduling point, the manual picker shows a [`Chooser`] the threads as the
//! scheduler sees them ([`ChoicePoint`]) and runs the thread it names. Points where only one
//! thread can run are shown too, so that a person can step through a lone thread; they are no
//! choice, and only points with two or more runnable threads are recorded in the schedule. The chooser is where the learner's interface plugs in; it may block
//! until the learner decides (it is called on the run's thread that holds the turn, with the
//! scheduler's lock held, so nothing else of the run moves meanwhile: a controller on another
//! thread must only talk to it, never call into the run).
//!
//! [`Pick::Finish`] hands the rest of the run to the seeded random walk, as if the run had been
//! [`Strategy::Random`](super::Strategy::Random) from a fresh generator with the same seed;
//! [`Pick::Stop`] ends the run as the Stop button would. Every choice is recorded in the run's
//! [`Schedule`](super::Schedule) as any other, so `Strategy::Replay` of it reproduces a manual
//! run exactly.
//!
//! Once the run is ending (a deadlock was found, or it was stopped), the threads unwind one at
//! a time; those choices are not the learner's to make, and the lowest-numbered thread runs.

use std::fmt;
use std::sync::Arc;

use crate::sched::WaitFor;
use crate::time::Time;

use super::strategy::{NoPick, Picker, RandomWalk};

/// What the scheduler knows of one thread at a choice point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadView {
    /// The thread's number in its run (0 is the main thread); what a [`Pick`] names.
    pub num: u32,
    pub name: String,
    pub state: ThreadState,
}

/// A thread's scheduling state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadState {
    Runnable,
    /// Parked: on `waiting_for` (whose holder, for a lock, is a thread number), until
    /// `deadline` on the virtual clock if it has one (a sleep, a timeout).
    Blocked {
        waiting_for: WaitFor,
        deadline: Option<Time>,
    },
    Finished,
}

/// One scheduling point.
#[derive(Clone, Debug)]
pub struct ChoicePoint {
    /// How many choices the run made before this point: if it is a real choice, it is choice
    /// number `index` of the run's schedule.
    pub index: usize,
    /// The runnable threads, in increasing number; one when the point is no choice.
    pub runnable: Vec<u32>,
    /// The thread that reached the point (it may have just blocked or finished).
    pub current: u32,
    /// The point is between two instructions, not at a synchronisation operation.
    pub at_tick: bool,
    /// Every thread of the run so far, in number order.
    pub threads: Vec<ThreadView>,
    /// The virtual clock.
    pub now: Time,
}

/// A chooser's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Run this thread (it must be one of `runnable`; any other runs the lowest instead).
    Thread(u32),
    /// Hand this choice and every later one to the seeded random walk.
    Finish,
    /// Stop the run.
    Stop,
}

/// The learner's side of a manual run; see the module documentation.
pub trait Chooser: Send + Sync {
    fn choose(&self, point: &ChoicePoint) -> Pick;
}

/// A chooser, as a strategy holds it. Two are equal only when they are the same chooser.
#[derive(Clone)]
pub struct Manual(Arc<dyn Chooser>);

impl Manual {
    pub fn new(chooser: Arc<dyn Chooser>) -> Manual {
        Manual(chooser)
    }

    fn address(&self) -> *const () {
        Arc::as_ptr(&self.0) as *const ()
    }
}

impl fmt::Debug for Manual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Manual({:p})", self.address())
    }
}

impl PartialEq for Manual {
    fn eq(&self, other: &Manual) -> bool {
        self.address() == other.address()
    }
}

impl Eq for Manual {}

impl std::hash::Hash for Manual {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.address().hash(state);
    }
}

pub(crate) struct ManualPicker {
    chooser: Arc<dyn Chooser>,
    seed: u64,
    /// Set by `Pick::Finish`: the random walk that makes the remaining choices.
    random: Option<RandomWalk>,
    stopped: bool,
    /// What `see` was last told, for the next `pick`.
    threads: Vec<ThreadView>,
    now: Time,
    ending: bool,
    index: usize,
}

impl ManualPicker {
    pub(crate) fn new(manual: &Manual, seed: u64) -> ManualPicker {
        ManualPicker {
            chooser: Arc::clone(&manual.0),
            seed,
            random: None,
            stopped: false,
            threads: Vec::new(),
            now: Time::ZERO,
            ending: false,
            index: 0,
        }
    }
}

impl Picker for ManualPicker {
    fn wants_threads(&self) -> bool {
        self.random.is_none() && !self.stopped
    }

    fn see(&mut self, threads: Vec<ThreadView>, now: Time, ending: bool, index: usize) {
        self.threads = threads;
        self.now = now;
        self.ending = ending;
        self.index = index;
    }

    fn pick(&mut self, runnable: &[u32], current: u32, at_tick: bool) -> Result<u32, NoPick> {
        if let Some(random) = &mut self.random {
            return random.pick(runnable, current, at_tick);
        }
        if self.stopped || self.ending {
            return Ok(runnable[0]);
        }
        let forced = runnable.len() == 1;
        let point = ChoicePoint {
            index: self.index,
            runnable: runnable.to_vec(),
            current,
            at_tick,
            threads: std::mem::take(&mut self.threads),
            now: self.now,
        };
        match self.chooser.choose(&point) {
            Pick::Thread(thread) if runnable.binary_search(&thread).is_ok() => Ok(thread),
            Pick::Thread(_) => Ok(runnable[0]),
            Pick::Finish => {
                let mut random = RandomWalk::new(self.seed);
                // The random walk makes choices only; a point without one draws nothing.
                let next = if forced {
                    Ok(runnable[0])
                } else {
                    random.pick(runnable, current, at_tick)
                };
                self.random = Some(random);
                next
            }
            Pick::Stop => {
                self.stopped = true;
                Err(NoPick::Stopped)
            }
        }
    }
}
