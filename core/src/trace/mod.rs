//! The run's event trace: what each thread did, when, and what it waited for.
//!
//! A run records events only when tracing is on; when it is off the runtime holds no [`Trace`]
//! and every recording site is a single `Option` check. Timestamps come from the scheduler's
//! clock, so a deterministic run carries virtual times and two runs with the same seed give the
//! same trace, byte for byte.
//!
//! The trace exports as Chrome trace-event JSON ([`Trace::to_chrome_json`], which opens in
//! Perfetto and `chrome://tracing`) and as a compact text timeline ([`Trace::timeline`]).

mod chrome;
mod lanes;
mod timeline;

pub use lanes::{Lane, Segment, State};

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::object_id::ObjectId;
use crate::sched::WaitFor;
use crate::time::Time;
use crate::util::lock;

/// One thing that happened on one thread.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    pub at: Time,
    /// The thread's number in its run (0 is the main thread).
    pub thread: u32,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    ThreadStart {
        name: String,
    },
    ThreadEnd,
    /// The thread stops running until the matching `Unblock`. Blocks do not nest.
    Block {
        on: WaitFor,
    },
    Unblock {
        timed_out: bool,
    },
    Acquire {
        object: ObjectId,
    },
    Release {
        object: ObjectId,
    },
    Put {
        queue: ObjectId,
    },
    Get {
        queue: ObjectId,
    },
    TaskStart {
        pool: ObjectId,
        task: u64,
    },
    TaskEnd {
        pool: ObjectId,
        task: u64,
        ok: bool,
    },
    /// A line the program printed (without its newline).
    Output {
        text: String,
    },
    /// `Event.set()`: the threads waiting on `object` may go on.
    Signal {
        object: ObjectId,
    },
    /// The thread started a child process.
    ProcessStart {
        pid: u32,
        name: String,
    },
    /// The thread sent `signal` (15 for `terminate()`, 9 for `kill()`) to a child process that
    /// was still running.
    ProcessSignal {
        pid: u32,
        signal: i32,
    },
    /// The thread learnt, in `join()`, that a child process ended with `exit_code` (negative:
    /// ended by that signal).
    ProcessExit {
        pid: u32,
        exit_code: i32,
    },
}

/// A half-open interval `[start, end)` on the run's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Time,
    pub end: Time,
}

impl Span {
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Events a trace keeps at most: a program that takes a lock millions of times would
/// otherwise fill the memory (in the browser, a worker dies of it). Later events are dropped
/// and the trace says it was cut.
pub const MAX_EVENTS: usize = 1_000_000;

#[derive(Default)]
pub struct Trace {
    events: Mutex<Vec<TraceEvent>>,
    truncated: std::sync::atomic::AtomicBool,
}

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    pub fn record(&self, at: Time, thread: u32, kind: EventKind) {
        let mut events = lock(&self.events);
        if events.len() < MAX_EVENTS {
            events.push(TraceEvent { at, thread, kind });
        } else {
            self.truncated
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// True when events were dropped after [`MAX_EVENTS`].
    pub fn truncated(&self) -> bool {
        self.truncated.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// One lane per thread, in thread-number order (see [`Lane`]).
    pub fn lanes(&self) -> Vec<Lane> {
        lanes::lanes(&lock(&self.events))
    }

    /// A copy of every event so far, in recording order.
    pub fn events(&self) -> Vec<TraceEvent> {
        lock(&self.events).clone()
    }

    /// Thread numbers and the names they started with, in number order.
    pub fn threads(&self) -> BTreeMap<u32, String> {
        let mut threads = BTreeMap::new();
        for event in lock(&self.events).iter() {
            if let EventKind::ThreadStart { name } = &event.kind {
                threads.insert(event.thread, name.clone());
            }
        }
        threads
    }

    /// The intervals in which `thread` was running: alive and not blocked.
    pub fn running_spans(&self, thread: u32) -> Vec<Span> {
        let events = lock(&self.events);
        running_spans(
            events.iter().filter(|event| event.thread == thread),
            self.end_time_of(&events),
        )
    }

    /// The time of the last event.
    pub fn end_time(&self) -> Time {
        self.end_time_of(&lock(&self.events))
    }

    fn end_time_of(&self, events: &[TraceEvent]) -> Time {
        events
            .iter()
            .map(|event| event.at)
            .max()
            .unwrap_or(Time::ZERO)
    }

    pub fn to_chrome_json(&self) -> String {
        chrome::export(&lock(&self.events))
    }

    /// A per-thread text timeline `width` columns wide (plus the name column).
    pub fn timeline(&self, width: usize) -> String {
        timeline::render(&lock(&self.events), width)
    }
}

/// Running spans from one thread's events; a thread still running at the end runs until `end`.
fn running_spans<'a>(events: impl Iterator<Item = &'a TraceEvent>, end: Time) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut running_since: Option<Time> = None;
    for event in events {
        match event.kind {
            EventKind::ThreadStart { .. } | EventKind::Unblock { .. } => {
                running_since.get_or_insert(event.at);
            }
            EventKind::Block { .. } | EventKind::ThreadEnd => {
                if let Some(start) = running_since.take() {
                    spans.push(Span {
                        start,
                        end: event.at,
                    });
                }
            }
            _ => {}
        }
    }
    if let Some(start) = running_since {
        spans.push(Span { start, end });
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_id::ObjectKind;

    fn at(ms: u64) -> Time {
        Time::from_nanos(ms * 1_000_000)
    }

    #[test]
    fn running_spans_exclude_blocked_time() {
        let trace = Trace::new();
        trace.record(
            at(0),
            1,
            EventKind::ThreadStart {
                name: "Thread-1".into(),
            },
        );
        trace.record(at(2), 1, EventKind::Block { on: WaitFor::Sleep });
        trace.record(at(5), 1, EventKind::Unblock { timed_out: true });
        trace.record(at(9), 1, EventKind::ThreadEnd);
        assert_eq!(
            trace.running_spans(1),
            vec![
                Span {
                    start: at(0),
                    end: at(2)
                },
                Span {
                    start: at(5),
                    end: at(9)
                }
            ]
        );
        assert!(trace.running_spans(2).is_empty());
        assert_eq!(trace.end_time(), at(9));
    }

    #[test]
    fn spans_overlap_only_when_they_share_time() {
        let a = Span {
            start: at(0),
            end: at(2),
        };
        assert!(!a.overlaps(&Span {
            start: at(2),
            end: at(3)
        }));
        assert!(a.overlaps(&Span {
            start: at(1),
            end: at(3)
        }));
    }

    #[test]
    fn chrome_export_is_valid_json_with_named_threads() {
        let trace = Trace::new();
        let lock = ObjectId {
            kind: ObjectKind::Lock,
            number: 1,
        };
        trace.record(
            at(0),
            0,
            EventKind::ThreadStart {
                name: "MainThread".into(),
            },
        );
        trace.record(at(1), 0, EventKind::Acquire { object: lock });
        trace.record(
            at(2),
            0,
            EventKind::Block {
                on: WaitFor::Object {
                    object: lock,
                    holder: Some(1),
                },
            },
        );
        trace.record(at(3), 0, EventKind::Unblock { timed_out: false });
        trace.record(at(4), 0, EventKind::Output { text: "hi".into() });
        trace.record(at(5), 0, EventKind::ThreadEnd);
        let json: serde_json::Value = serde_json::from_str(&trace.to_chrome_json()).unwrap();
        let events = json["traceEvents"].as_array().unwrap();
        assert!(events
            .iter()
            .any(|e| e["ph"] == "M" && e["args"]["name"] == "MainThread"));
        assert!(events
            .iter()
            .any(|e| e["ph"] == "B" && e["name"] == "wait Lock#1"));
        assert!(events
            .iter()
            .any(|e| e["ph"] == "i" && e["name"] == "print"));
        assert_eq!(
            json,
            serde_json::from_str::<serde_json::Value>(&trace.to_chrome_json()).unwrap()
        );
    }
}
