//! The explanation of a deadlock: the wait-for graph of the blocked threads, as text.
//!
//! Every blocked thread has at most one outgoing edge: to the thread holding the lock it wants
//! (when the primitive knows its holder), or to the thread it joins or starts. The graph is
//! therefore a set of chains that end either in a cycle or at a thread with no edge. Cycles are
//! the cause of a deadlock, so they come first, each spelled out from its lowest-numbered
//! thread; then every other blocked thread in number order:
//!
//! ```text
//! Thread-1 waits for Lock#2 held by Thread-2; Thread-2 waits for Lock#1 held by Thread-1;
//! MainThread waits for Thread-1 to finish
//! ```
//!
//! (on one line). A thread waiting for something nobody can provide reads
//! `MainThread waits for Event#1, which no running thread can set`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::object_id::{ObjectId, ObjectKind};
use crate::sched::WaitFor;

/// One blocked thread of a deadlock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedThread {
    /// The thread's number in its run (0 is the main thread).
    pub num: u32,
    pub name: String,
    pub waiting_for: WaitFor,
    /// The name of the thread it waits on: the holder of the lock it wants, or the thread it
    /// joins or starts; `None` when nobody in particular can wake it.
    pub holder: Option<String>,
}

/// Why a deterministic run could not go on, in structured form and as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlockReport {
    blocked: Vec<BlockedThread>,
    cycles: Vec<Vec<u32>>,
    text: String,
}

impl DeadlockReport {
    /// Every blocked thread, in number order.
    pub fn blocked(&self) -> &[BlockedThread] {
        &self.blocked
    }

    /// The cycles of the wait-for graph, as thread numbers, each from its lowest number.
    pub fn cycles(&self) -> &[Vec<u32>] {
        &self.cycles
    }

    /// `(thread name, what it waits for, holder name)` for each blocked thread: the shape a
    /// UI draws arrows from.
    pub fn edges(&self) -> Vec<(String, WaitFor, Option<String>)> {
        self.blocked
            .iter()
            .map(|b| (b.name.clone(), b.waiting_for.clone(), b.holder.clone()))
            .collect()
    }

    /// The explanation, as in the module documentation.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for DeadlockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What the scheduler knows of a thread when the run is stuck.
pub(crate) struct ThreadInfo {
    pub name: String,
    pub finished: bool,
    /// `Some` for a blocked thread.
    pub waiting_for: Option<WaitFor>,
}

/// The thread a wait is on, if it is on one.
fn target(waiting_for: &WaitFor) -> Option<u32> {
    match waiting_for {
        WaitFor::Object { holder, .. } => *holder,
        WaitFor::Thread(num) | WaitFor::Starting(num) => Some(*num),
        WaitFor::Sleep | WaitFor::Gil => None,
    }
}

/// Explains why none of `threads` can run; `threads` is keyed by thread number.
pub(crate) fn explain(threads: &BTreeMap<u32, ThreadInfo>) -> DeadlockReport {
    let blocked_nums: Vec<u32> = threads
        .iter()
        .filter(|(_, info)| info.waiting_for.is_some())
        .map(|(&num, _)| num)
        .collect();
    let next = |num: u32| -> Option<u32> {
        let waiting_for = threads.get(&num)?.waiting_for.as_ref()?;
        target(waiting_for).filter(|t| threads.get(t).is_some_and(|i| i.waiting_for.is_some()))
    };
    // Each chain is walked once; a node met again on the current walk closes a cycle.
    let mut cycles = Vec::new();
    let mut seen = BTreeSet::new();
    for &start in &blocked_nums {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(num) = at {
            if !seen.insert(num) {
                if let Some(index) = path.iter().position(|&p| p == num) {
                    let mut cycle: Vec<u32> = path[index..].to_vec();
                    let lowest = cycle.iter().enumerate().min_by_key(|(_, &n)| n);
                    let lowest = lowest.map_or(0, |(i, _)| i);
                    cycle.rotate_left(lowest);
                    cycles.push(cycle);
                }
                break;
            }
            path.push(num);
            at = next(num);
        }
    }
    cycles.sort();

    let name_of = |num: u32| -> String {
        threads
            .get(&num)
            .map_or_else(|| format!("thread #{num}"), |info| info.name.clone())
    };
    let mut blocked = Vec::new();
    let mut lines = BTreeMap::new();
    for &num in &blocked_nums {
        let Some(info) = threads.get(&num) else {
            continue;
        };
        let Some(waiting_for) = info.waiting_for.clone() else {
            continue;
        };
        let holder = target(&waiting_for);
        lines.insert(num, line(&info.name, num, &waiting_for, holder, threads));
        blocked.push(BlockedThread {
            num,
            name: info.name.clone(),
            holder: holder.map(name_of),
            waiting_for,
        });
    }
    let in_cycles: BTreeSet<u32> = cycles.iter().flatten().copied().collect();
    let mut parts: Vec<&str> = Vec::new();
    for cycle in &cycles {
        parts.extend(
            cycle
                .iter()
                .filter_map(|num| lines.get(num).map(String::as_str)),
        );
    }
    parts.extend(
        lines
            .iter()
            .filter(|(num, _)| !in_cycles.contains(num))
            .map(|(_, text)| text.as_str()),
    );
    DeadlockReport {
        text: parts.join("; "),
        blocked,
        cycles,
    }
}

fn line(
    name: &str,
    num: u32,
    waiting_for: &WaitFor,
    holder: Option<u32>,
    threads: &BTreeMap<u32, ThreadInfo>,
) -> String {
    let holder_text = |holder: u32| match threads.get(&holder) {
        Some(info) if info.finished => format!("{}, which has finished", info.name),
        Some(info) => info.name.clone(),
        None => format!("thread #{holder}"),
    };
    match (waiting_for, holder) {
        (WaitFor::Object { object, .. }, Some(holder)) if holder == num => {
            format!("{name} waits for {object}, which it already holds")
        }
        (WaitFor::Object { object, .. }, Some(holder)) => {
            format!("{name} waits for {object} held by {}", holder_text(holder))
        }
        (WaitFor::Object { object, .. }, None) => format!(
            "{name} waits for {object}, which no running thread can {}",
            wake_verb(object)
        ),
        (WaitFor::Thread(other), _) => {
            format!("{name} waits for {} to finish", holder_text(*other))
        }
        (WaitFor::Starting(other), _) => {
            format!("{name} waits for {} to start", holder_text(*other))
        }
        (WaitFor::Sleep, _) => format!("{name} sleeps"),
        (WaitFor::Gil, _) => format!("{name} waits for the GIL"),
    }
}

/// What another thread would have to do to `object` to wake its waiter.
fn wake_verb(object: &ObjectId) -> &'static str {
    match object.kind {
        ObjectKind::Event => "set",
        ObjectKind::Condition => "notify",
        ObjectKind::Lock
        | ObjectKind::RLock
        | ObjectKind::Semaphore
        | ObjectKind::BoundedSemaphore => "release",
        ObjectKind::Barrier => "reach",
        ObjectKind::Queue
        | ObjectKind::LifoQueue
        | ObjectKind::PriorityQueue
        | ObjectKind::SimpleQueue => "put to or get from",
        ObjectKind::ThreadPool
        | ObjectKind::AsyncResult
        | ObjectKind::Executor
        | ObjectKind::Future => "complete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(number: u32) -> ObjectId {
        ObjectId {
            kind: ObjectKind::Lock,
            number,
        }
    }

    fn info(name: &str, waiting_for: Option<WaitFor>) -> ThreadInfo {
        ThreadInfo {
            name: name.to_owned(),
            finished: false,
            waiting_for,
        }
    }

    fn on_lock(number: u32, holder: u32) -> Option<WaitFor> {
        Some(WaitFor::Object {
            object: lock(number),
            holder: Some(holder),
        })
    }

    #[test]
    fn a_cycle_comes_first_from_its_lowest_thread() {
        let threads = BTreeMap::from([
            (0, info("MainThread", Some(WaitFor::Thread(2)))),
            (1, info("Thread-1", on_lock(2, 2))),
            (2, info("Thread-2", on_lock(1, 1))),
        ]);
        let report = explain(&threads);
        assert_eq!(
            report.text(),
            "Thread-1 waits for Lock#2 held by Thread-2; Thread-2 waits for Lock#1 held by \
             Thread-1; MainThread waits for Thread-2 to finish"
        );
        assert_eq!(report.cycles(), [vec![1, 2]]);
        assert_eq!(
            report.edges()[0],
            (
                "MainThread".to_owned(),
                WaitFor::Thread(2),
                Some("Thread-2".to_owned())
            )
        );
    }

    #[test]
    fn cycles_are_found_from_any_entry_point() {
        // 3 → 1 → 2 → 3, entered from 0 which hangs off it.
        let threads = BTreeMap::from([
            (0, info("MainThread", Some(WaitFor::Thread(2)))),
            (1, info("A", on_lock(1, 2))),
            (2, info("B", on_lock(2, 3))),
            (3, info("C", on_lock(3, 1))),
        ]);
        let report = explain(&threads);
        assert_eq!(report.cycles(), [vec![1, 2, 3]]);
        assert!(report
            .text()
            .starts_with("A waits for Lock#1 held by B; B waits for Lock#2 held by C; C waits"));
    }

    #[test]
    fn waits_nobody_can_end_are_named() {
        let event = ObjectId {
            kind: ObjectKind::Event,
            number: 1,
        };
        let mut finished = info("Thread-1", None);
        finished.finished = true;
        let threads = BTreeMap::from([
            (
                0,
                info(
                    "MainThread",
                    Some(WaitFor::Object {
                        object: event,
                        holder: None,
                    }),
                ),
            ),
            (1, finished),
            (2, info("Thread-2", on_lock(1, 1))),
            (3, info("Thread-3", on_lock(2, 3))),
        ]);
        assert_eq!(
            explain(&threads).text(),
            "Thread-3 waits for Lock#2, which it already holds; MainThread waits for Event#1, \
             which no running thread can set; Thread-2 waits for Lock#1 held by Thread-1, which \
             has finished"
        );
    }
}
