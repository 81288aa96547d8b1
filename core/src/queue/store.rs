//! The three orderings a blocking queue can have, behind one small trait.
//!
//! CPython builds `LifoQueue` and `PriorityQueue` by overriding `_put`/`_get` on `Queue`; a
//! [`Store`] is that same seam. A store is shared, not owned by a lock: `push` and `pop` take
//! `&self` and are called from many threads at once, without the queue's internal mutex. So a
//! store is safe to call concurrently, never waits for anything but its own short critical
//! section, and never notifies; waiting is the queue's business.
//!
//! [`Fifo`] is crossbeam's lock-free `SegQueue`: FIFO is what `queue.Queue` and `SimpleQueue`
//! are, and what producer/consumer programs hammer. [`Lifo`] and [`Priority`] keep a `Vec` and
//! a `BinaryHeap` under a short lock of their own.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use crossbeam_queue::SegQueue;

use crate::object_id::ObjectKind;
use crate::util::lock;

/// Where a [`BlockingQueue`](super::BlockingQueue) keeps its items, and in which order `pop`
/// hands them out. Every method may be called by many threads at once (so the items must be
/// `Send`).
pub trait Store<T>: Default + Send + Sync {
    /// The Python class a queue over this store is, which names its id ("LifoQueue#1").
    const KIND: ObjectKind;

    /// The number of items; with other threads pushing and popping, a snapshot.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&self, item: T);

    fn pop(&self) -> Option<T>;

    /// Takes out every item there is (an immediate shutdown empties the queue so).
    fn drain(&self) -> Vec<T> {
        std::iter::from_fn(|| self.pop()).collect()
    }
}

/// First in, first out (`queue.Queue`, `SimpleQueue`): lock-free.
pub struct Fifo<T>(SegQueue<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Fifo<T> {
        Fifo(SegQueue::new())
    }
}

impl<T: Send> Store<T> for Fifo<T> {
    const KIND: ObjectKind = ObjectKind::Queue;

    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[inline]
    fn push(&self, item: T) {
        self.0.push(item);
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        self.0.pop()
    }
}

/// Last in, first out (`queue.LifoQueue`).
pub struct Lifo<T>(Mutex<Vec<T>>);

impl<T> Default for Lifo<T> {
    fn default() -> Lifo<T> {
        Lifo(Mutex::new(Vec::new()))
    }
}

impl<T: Send> Store<T> for Lifo<T> {
    const KIND: ObjectKind = ObjectKind::LifoQueue;

    #[inline]
    fn len(&self) -> usize {
        lock(&self.0).len()
    }

    #[inline]
    fn push(&self, item: T) {
        lock(&self.0).push(item);
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        lock(&self.0).pop()
    }

    fn drain(&self) -> Vec<T> {
        std::mem::take(&mut *lock(&self.0))
    }
}

/// Smallest item first (`queue.PriorityQueue`), and items that compare equal in the order they
/// were put.
///
/// CPython's `heapq` makes no promise about equal items; the usual advice is to put
/// `(priority, counter, item)` tuples. We break ties by insertion order ourselves because a
/// queue that is fair among equal priorities is easier to reason about, and a learner's
/// `(priority, task)` program then behaves the same on every run. A program that relies on
/// CPython's particular tie order was relying on an accident.
pub struct Priority<T>(Mutex<Heap<T>>);

struct Heap<T> {
    entries: BinaryHeap<Entry<T>>,
    /// Insertion sequence of the next push. A `u64` cannot wrap in any real run.
    next_seq: u64,
}

impl<T> Default for Priority<T> {
    fn default() -> Priority<T> {
        Priority(Mutex::new(Heap {
            entries: BinaryHeap::new(),
            next_seq: 0,
        }))
    }
}

impl<T: Ord + Send> Store<T> for Priority<T> {
    const KIND: ObjectKind = ObjectKind::PriorityQueue;

    #[inline]
    fn len(&self) -> usize {
        lock(&self.0).entries.len()
    }

    #[inline]
    fn push(&self, item: T) {
        let mut heap = lock(&self.0);
        let seq = heap.next_seq;
        heap.next_seq = seq.wrapping_add(1);
        heap.entries.push(Entry { item, seq });
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        lock(&self.0).entries.pop().map(|entry| entry.item)
    }

    fn drain(&self) -> Vec<T> {
        let entries = std::mem::take(&mut lock(&self.0).entries);
        entries.into_iter().map(|entry| entry.item).collect()
    }
}

/// A heap entry. `BinaryHeap` pops its greatest element, so the order is reversed: the
/// smallest item, then the earliest sequence number, is "greatest".
struct Entry<T> {
    item: T,
    seq: u64,
}

impl<T: Ord> Ord for Entry<T> {
    fn cmp(&self, other: &Entry<T>) -> Ordering {
        other
            .item
            .cmp(&self.item)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Entry<T>) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Entry<T>) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<T, S: Store<T>>(store: &mut S) -> Vec<T> {
        std::iter::from_fn(|| store.pop()).collect()
    }

    fn filled<T, S: Store<T>>(items: impl IntoIterator<Item = T>) -> S {
        let store = S::default();
        for item in items {
            store.push(item);
        }
        store
    }

    #[test]
    fn fifo_pops_in_put_order() {
        let mut store: Fifo<i32> = filled([3, 1, 2]);
        assert_eq!(store.len(), 3);
        assert_eq!(drain(&mut store), [3, 1, 2]);
        assert!(store.is_empty());
        assert_eq!(store.pop(), None);
    }

    #[test]
    fn lifo_pops_the_newest_first() {
        let mut store: Lifo<i32> = filled([3, 1, 2]);
        assert_eq!(drain(&mut store), [2, 1, 3]);
        assert_eq!(store.pop(), None);
    }

    #[test]
    fn priority_pops_the_smallest_first() {
        let mut store: Priority<i32> = filled([5, 1, 4, 1, 3, 9, 2]);
        assert_eq!(drain(&mut store), [1, 1, 2, 3, 4, 5, 9]);
        assert_eq!(store.pop(), None);
    }

    /// Compares by `priority` only, so equal priorities are "equal" items that only the
    /// tie-break can tell apart.
    #[derive(Debug, PartialEq, Eq)]
    struct Job {
        priority: u8,
        name: &'static str,
    }

    impl Ord for Job {
        fn cmp(&self, other: &Job) -> Ordering {
            self.priority.cmp(&other.priority)
        }
    }

    impl PartialOrd for Job {
        fn partial_cmp(&self, other: &Job) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    fn job(priority: u8, name: &'static str) -> Job {
        Job { priority, name }
    }

    #[test]
    fn equal_priorities_come_out_in_put_order() {
        let mut store: Priority<Job> = filled([
            job(2, "a"),
            job(1, "b"),
            job(2, "c"),
            job(1, "d"),
            job(2, "e"),
            job(1, "f"),
        ]);
        let names: Vec<_> = drain(&mut store).into_iter().map(|j| j.name).collect();
        assert_eq!(names, ["b", "d", "f", "a", "c", "e"]);
    }

    #[test]
    fn tie_break_holds_when_puts_and_gets_interleave() {
        let mut store = Priority::default();
        store.push(job(1, "a"));
        store.push(job(1, "b"));
        assert_eq!(store.pop().map(|j| j.name), Some("a"));
        store.push(job(1, "c"));
        store.push(job(0, "urgent"));
        store.push(job(1, "d"));
        let names: Vec<_> = drain(&mut store).into_iter().map(|j| j.name).collect();
        assert_eq!(names, ["urgent", "b", "c", "d"]);
    }
}
