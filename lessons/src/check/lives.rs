//! The threads of a run, each from its start to its end, with what it waited for and when.
//!
//! Checkers judge what threads did by reading the trace: when the workers started and ended
//! (did the threaded half overlap? had the worker ended when its line was printed?), and how
//! long they waited, on what (time asleep, steps of a loop). Every one of them needs the same
//! walk over the events, pairing each thread's `Block` with its `Unblock`; this is that walk,
//! done once. What a lesson makes of the lives (spans, sleep totals, steps) stays in its
//! checker.

use threadlab_core::sched::WaitFor;
use threadlab_core::trace::EventKind;
use threadlab_core::Time;

use super::runs::LearnerRun;

/// Where something happened: its event's index in [`LearnerRun::events`] (which orders events
/// that happened at the same virtual instant), and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    pub index: usize,
    pub at: Time,
}

/// One wait of a thread: from its `Block` to the `Unblock` that ended it.
#[derive(Clone, Debug, PartialEq)]
pub struct Wait {
    pub on: WaitFor,
    pub from: Moment,
    pub to: Moment,
}

impl Wait {
    /// How long it lasted, in seconds (its ends' times in seconds, subtracted).
    pub fn seconds(&self) -> f64 {
        self.to.at.as_secs_f64() - self.from.at.as_secs_f64()
    }
}

/// One thread of the run, as the trace shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadLife {
    /// Its number in the run; 0 is the main thread.
    pub number: u32,
    /// The name it started with.
    pub name: String,
    pub started: Moment,
    /// `None` if it was still running when the run ended.
    pub ended: Option<Moment>,
    /// Every wait that ended, in order (a wait still going on when the run ended is left out).
    pub waits: Vec<Wait>,
}

impl LearnerRun {
    /// Every thread that started, the main thread included, in number order.
    pub fn thread_lives(&self) -> Vec<ThreadLife> {
        let mut lives: Vec<ThreadLife> = Vec::new();
        // Per life: what it is blocked on, and since when.
        let mut blocked: Vec<Option<(WaitFor, Moment)>> = Vec::new();
        for (index, event) in self.events.iter().enumerate() {
            let moment = Moment {
                index,
                at: event.at,
            };
            if let EventKind::ThreadStart { name } = &event.kind {
                lives.push(ThreadLife {
                    number: event.thread,
                    name: name.clone(),
                    started: moment,
                    ended: None,
                    waits: Vec::new(),
                });
                blocked.push(None);
                continue;
            }
            // Host threads the runtime adopted ("dummy" threads) have no ThreadStart: they are
            // not threads of the program, and have no life here.
            let Some(which) = lives.iter().position(|life| life.number == event.thread) else {
                continue;
            };
            match &event.kind {
                EventKind::ThreadEnd => lives[which].ended = Some(moment),
                EventKind::Block { on } => blocked[which] = Some((on.clone(), moment)),
                EventKind::Unblock { .. } => {
                    if let Some((on, from)) = blocked[which].take() {
                        lives[which].waits.push(Wait {
                            on,
                            from,
                            to: moment,
                        });
                    }
                }
                _ => {}
            }
        }
        lives.sort_by_key(|life| life.number);
        lives
    }
}

#[cfg(test)]
mod tests {
    use threadlab_core::sched::WaitFor;
    use threadlab_core::trace::{EventKind, TraceEvent};
    use threadlab_core::{Mode, Time};

    use super::Moment;
    use crate::check::LearnerRun;

    fn at(millis: u64, thread: u32, kind: EventKind) -> TraceEvent {
        TraceEvent {
            at: Time::from_nanos(millis * 1_000_000),
            thread,
            kind,
        }
    }

    #[test]
    fn each_started_thread_has_its_start_end_and_finished_waits() {
        let mut run = LearnerRun::empty(Mode::det(0));
        let start = |name: &str| EventKind::ThreadStart {
            name: name.to_owned(),
        };
        let unblock = EventKind::Unblock { timed_out: false };
        let sleep = EventKind::Block { on: WaitFor::Sleep };
        run.events = vec![
            at(0, 0, start("MainThread")),
            at(0, 1, start("worker")),
            at(
                0,
                0,
                EventKind::Block {
                    on: WaitFor::Thread(1),
                },
            ),
            at(0, 1, sleep.clone()),
            at(100, 1, unblock.clone()),
            at(100, 1, EventKind::ThreadEnd),
            at(100, 0, unblock),
            // A host thread the runtime adopted: no start, so no life.
            at(100, 7, EventKind::ThreadEnd),
            at(100, 0, sleep),
        ];
        let lives = run.thread_lives();
        assert_eq!(lives.len(), 2);
        let (main, worker) = (&lives[0], &lives[1]);
        assert_eq!((main.number, main.name.as_str()), (0, "MainThread"));
        assert_eq!(main.ended, None);
        assert_eq!(main.waits.len(), 1, "the sleep still going on is left out");
        assert_eq!(main.waits[0].on, WaitFor::Thread(1));
        assert_eq!((worker.number, worker.name.as_str()), (1, "worker"));
        let moment = |index, millis: u64| Moment {
            index,
            at: Time::from_nanos(millis * 1_000_000),
        };
        assert_eq!(worker.started, moment(1, 0));
        assert_eq!(worker.ended, Some(moment(5, 100)));
        assert_eq!(worker.waits[0].on, WaitFor::Sleep);
        assert_eq!(
            (worker.waits[0].from, worker.waits[0].to),
            (moment(3, 0), moment(4, 100))
        );
    }
}
