//! Stable display ids for synchronisation objects ("Lock#2", "Queue#1").
//!
//! Ids are numbered per run and per kind, in creation order, so the same program gives the same
//! names on every run: messages, timelines and deadlock reports can quote them.
//!
//! Pool results and futures are the exception, since one is made per task, at the rate tasks are
//! submitted: each takes its number ([`LazyNumber`]) only when the run is observed (traced, or
//! deterministic) or when its id is first asked for. Observed runs, whose timelines and reports
//! quote ids, still number them in creation order; unobserved ones in the order their ids are
//! first needed, and a burst of tasks whose ids nobody reads costs no shared counter.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::runtime::Runtime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Lock,
    RLock,
    Semaphore,
    BoundedSemaphore,
    Event,
    Condition,
    Barrier,
    Queue,
    LifoQueue,
    PriorityQueue,
    SimpleQueue,
    ThreadPool,
    AsyncResult,
    Executor,
    Future,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 15] = [
        ObjectKind::Lock,
        ObjectKind::RLock,
        ObjectKind::Semaphore,
        ObjectKind::BoundedSemaphore,
        ObjectKind::Event,
        ObjectKind::Condition,
        ObjectKind::Barrier,
        ObjectKind::Queue,
        ObjectKind::LifoQueue,
        ObjectKind::PriorityQueue,
        ObjectKind::SimpleQueue,
        ObjectKind::ThreadPool,
        ObjectKind::AsyncResult,
        ObjectKind::Executor,
        ObjectKind::Future,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Lock => "Lock",
            ObjectKind::RLock => "RLock",
            ObjectKind::Semaphore => "Semaphore",
            ObjectKind::BoundedSemaphore => "BoundedSemaphore",
            ObjectKind::Event => "Event",
            ObjectKind::Condition => "Condition",
            ObjectKind::Barrier => "Barrier",
            ObjectKind::Queue => "Queue",
            ObjectKind::LifoQueue => "LifoQueue",
            ObjectKind::PriorityQueue => "PriorityQueue",
            ObjectKind::SimpleQueue => "SimpleQueue",
            ObjectKind::ThreadPool => "ThreadPool",
            ObjectKind::AsyncResult => "AsyncResult",
            ObjectKind::Executor => "ThreadPoolExecutor",
            ObjectKind::Future => "Future",
        }
    }
}

/// "Lock#2": the second Lock created in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    pub kind: ObjectKind,
    pub number: u32,
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.kind.name(), self.number)
    }
}

/// One counter per kind; a run owns one of these.
#[derive(Default)]
pub(crate) struct ObjectCounters {
    next: [AtomicU32; ObjectKind::ALL.len()],
}

impl ObjectCounters {
    pub(crate) fn next(&self, kind: ObjectKind) -> ObjectId {
        let number = self.next[kind as usize].fetch_add(1, Ordering::Relaxed) + 1;
        ObjectId { kind, number }
    }
}

/// The number of an object of one kind, drawn from the run's counter at creation when the run
/// is observed, otherwise when first asked for (see the module documentation). 0 means not yet
/// drawn (numbers start at 1).
pub(crate) struct LazyNumber(AtomicU32);

impl LazyNumber {
    pub(crate) fn new(rt: &Runtime, kind: ObjectKind) -> LazyNumber {
        let number = if rt.observed() {
            rt.new_object_id(kind).number
        } else {
            0
        };
        LazyNumber(AtomicU32::new(number))
    }

    /// The object's id, drawing its number now if it has none yet.
    pub(crate) fn id(&self, rt: &Runtime, kind: ObjectKind) -> ObjectId {
        let number = match self.0.load(Ordering::Acquire) {
            0 => self.draw(rt, kind),
            number => number,
        };
        ObjectId { kind, number }
    }

    /// Two threads asking at once both draw a number; the first to store it wins and the other
    /// number goes unused (a gap in an unobserved run's numbering, never a duplicate id).
    #[cold]
    fn draw(&self, rt: &Runtime, kind: ObjectKind) -> u32 {
        let drawn = rt.new_object_id(kind).number;
        match self
            .0
            .compare_exchange(0, drawn, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => drawn,
            Err(first) => first,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_per_kind_from_one() {
        let counters = ObjectCounters::default();
        assert_eq!(counters.next(ObjectKind::Lock).to_string(), "Lock#1");
        assert_eq!(counters.next(ObjectKind::Event).to_string(), "Event#1");
        assert_eq!(counters.next(ObjectKind::Lock).to_string(), "Lock#2");
        assert_eq!(
            counters.next(ObjectKind::Executor).to_string(),
            "ThreadPoolExecutor#1"
        );
    }
}
