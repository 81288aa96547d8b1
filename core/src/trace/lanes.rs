//! One lane per thread, for drawing a timeline: when the thread ran, and when and on what it
//! was blocked. The browser draws these as SVG; the numbers are the run's clock (virtual time
//! under the deterministic scheduler).

use std::collections::BTreeMap;

use super::{EventKind, TraceEvent};
use crate::sched::WaitFor;
use crate::time::Time;

/// A thread's life on the run's clock.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lane {
    pub thread: u32,
    pub name: String,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    pub start: Time,
    pub end: Time,
    pub state: State,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum State {
    Running,
    /// `time.sleep()`.
    Sleeping,
    /// Waiting for the object or event this names ("Lock#2 (held by thread #1)", "thread #3
    /// to finish").
    Blocked(String),
}

impl Lane {
    /// Time spent in segments of this kind: running, or not (sleeping and blocked).
    pub fn time_running(&self) -> u64 {
        self.time_where(|state| *state == State::Running)
    }

    pub fn time_waiting(&self) -> u64 {
        self.time_where(|state| *state != State::Running)
    }

    fn time_where(&self, keep: impl Fn(&State) -> bool) -> u64 {
        self.segments
            .iter()
            .filter(|segment| keep(&segment.state))
            .map(|segment| segment.end.as_nanos() - segment.start.as_nanos())
            .sum()
    }
}

fn blocked_on(on: &WaitFor) -> State {
    match on {
        WaitFor::Sleep => State::Sleeping,
        WaitFor::Object {
            object,
            holder: Some(holder),
        } => State::Blocked(format!("{object} (held by thread #{holder})")),
        other => State::Blocked(other.to_string()),
    }
}

pub(super) fn lanes(events: &[TraceEvent]) -> Vec<Lane> {
    let end = events
        .iter()
        .map(|event| event.at)
        .max()
        .unwrap_or(Time::ZERO);
    // Per thread: its lane, and the state it is in since when.
    let mut open: BTreeMap<u32, (Lane, Option<(Time, State)>)> = BTreeMap::new();
    let close = |current: &mut Option<(Time, State)>, lane: &mut Lane, at: Time| {
        if let Some((start, state)) = current.take() {
            if at > start {
                lane.segments.push(Segment {
                    start,
                    end: at,
                    state,
                });
            }
        }
    };
    for event in events {
        let entry = open.entry(event.thread).or_insert_with(|| {
            (
                Lane {
                    thread: event.thread,
                    name: format!("thread #{}", event.thread),
                    segments: Vec::new(),
                },
                None,
            )
        });
        let (lane, current) = entry;
        match &event.kind {
            EventKind::ThreadStart { name } => {
                lane.name = name.clone();
                close(current, lane, event.at);
                *current = Some((event.at, State::Running));
            }
            EventKind::Block { on } => {
                close(current, lane, event.at);
                *current = Some((event.at, blocked_on(on)));
            }
            EventKind::Unblock { .. } => {
                close(current, lane, event.at);
                *current = Some((event.at, State::Running));
            }
            EventKind::ThreadEnd => close(current, lane, event.at),
            _ => {}
        }
    }
    open.into_values()
        .map(|(mut lane, mut current)| {
            close(&mut current, &mut lane, end);
            lane
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_id::{ObjectId, ObjectKind};

    fn at(ms: u64) -> Time {
        Time::from_nanos(ms * 1_000_000)
    }

    fn event(ms: u64, thread: u32, kind: EventKind) -> TraceEvent {
        TraceEvent {
            at: at(ms),
            thread,
            kind,
        }
    }

    #[test]
    fn a_lane_shows_running_sleeping_and_blocked_on_what() {
        let lock = ObjectId {
            kind: ObjectKind::Lock,
            number: 2,
        };
        let events = [
            event(
                0,
                0,
                EventKind::ThreadStart {
                    name: "MainThread".into(),
                },
            ),
            event(
                1,
                1,
                EventKind::ThreadStart {
                    name: "Thread-1 (work)".into(),
                },
            ),
            event(2, 1, EventKind::Block { on: WaitFor::Sleep }),
            event(5, 1, EventKind::Unblock { timed_out: true }),
            event(
                6,
                1,
                EventKind::Block {
                    on: WaitFor::Object {
                        object: lock,
                        holder: Some(0),
                    },
                },
            ),
            event(8, 1, EventKind::Unblock { timed_out: false }),
            event(9, 1, EventKind::ThreadEnd),
            event(10, 0, EventKind::ThreadEnd),
        ];
        let lanes = lanes(&events);
        assert_eq!(lanes.len(), 2);
        let worker = &lanes[1];
        assert_eq!(worker.name, "Thread-1 (work)");
        let states: Vec<(u64, u64, State)> = worker
            .segments
            .iter()
            .map(|s| {
                (
                    s.start.as_nanos() / 1_000_000,
                    s.end.as_nanos() / 1_000_000,
                    s.state.clone(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                (1, 2, State::Running),
                (2, 5, State::Sleeping),
                (5, 6, State::Running),
                (6, 8, State::Blocked("Lock#2 (held by thread #0)".into())),
                (8, 9, State::Running),
            ]
        );
        assert_eq!(worker.time_running(), 3_000_000);
        assert_eq!(worker.time_waiting(), 5_000_000);
        // A thread still running at the end runs until the trace's last event.
        assert_eq!(
            lanes[0].segments,
            [Segment {
                start: at(0),
                end: at(10),
                state: State::Running
            }]
        );
    }
}
