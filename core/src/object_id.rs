//! Stable display ids for synchronisation objects ("Lock#2", "Queue#1").
//!
//! Ids are numbered per run and per kind, in creation order, so the same program gives the same
//! names on every run: messages, timelines and deadlock reports can quote them.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

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
