//! The queue of threads blocked on one object, and the wait loop every primitive shares.
//!
//! A primitive keeps its state and its [`WaitList`]s together under one short internal mutex.
//! To block it calls [`wait_on`], which works like a condition variable built on the run's
//! scheduler: enqueue, unlock, park until notified (or timed out, or the run is stopped), relock.
//! Notifying marks the waiter and unparks it; since `unpark` never blocks or switches threads,
//! notifying under the internal mutex is safe in every scheduler mode.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::Result;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::thread::ThreadRef;
use crate::time::Time;
use crate::util::lock;

/// One blocked thread. `notified` is written under the owner's mutex and read without it.
pub(crate) struct Waiter {
    thread: ThreadRef,
    notified: AtomicBool,
}

impl Waiter {
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }
}

/// Blocked threads in arrival order.
#[derive(Default)]
pub(crate) struct WaitList {
    queue: VecDeque<Arc<Waiter>>,
}

/// How a [`wait_on`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Woke {
    Notified,
    TimedOut,
}

impl WaitList {
    /// Tests wait for a thread to be queued before acting, instead of sleeping and hoping.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    fn push(&mut self, thread: &ThreadRef) -> Arc<Waiter> {
        let waiter = Arc::new(Waiter {
            thread: thread.clone(),
            notified: AtomicBool::new(false),
        });
        self.queue.push_back(Arc::clone(&waiter));
        waiter
    }

    /// Wakes the longest-waiting thread; false when nobody waits.
    pub(crate) fn notify_one(&mut self, rt: &Runtime) -> bool {
        match self.queue.pop_front() {
            Some(waiter) => {
                waiter.notified.store(true, Ordering::Release);
                rt.scheduler().unpark(&waiter.thread);
                true
            }
            None => false,
        }
    }

    /// Takes the longest-waiting thread off the list and marks it notified, but leaves the
    /// unpark to the caller, who does it after releasing the primitive's mutex: on the hot
    /// paths (queues, pools) the woken thread then finds the mutex free instead of waking into
    /// contention, and the notifier holds the mutex for an atomic store instead of a system
    /// call. Until woken, the waiter merely sees `notified` on its next spurious check.
    pub(crate) fn notify_one_deferred(&mut self) -> Option<DeferredWake> {
        let waiter = self.queue.pop_front()?;
        waiter.notified.store(true, Ordering::Release);
        Some(DeferredWake(waiter))
    }

    /// Wakes up to `n` threads, oldest first; returns how many were woken.
    pub(crate) fn notify(&mut self, rt: &Runtime, n: usize) -> usize {
        let mut woken = 0;
        while woken < n && self.notify_one(rt) {
            woken += 1;
        }
        woken
    }

    pub(crate) fn notify_all(&mut self, rt: &Runtime) -> usize {
        self.notify(rt, usize::MAX)
    }

    /// Takes `waiter` out; false when it was already notified (and so already removed).
    fn cancel(&mut self, waiter: &Arc<Waiter>) -> bool {
        match self
            .queue
            .iter()
            .position(|queued| Arc::ptr_eq(queued, waiter))
        {
            Some(index) => {
                self.queue.remove(index);
                true
            }
            None => false,
        }
    }
}

/// A notified waiter still to be unparked; see [`WaitList::notify_one_deferred`].
#[must_use = "a deferred wake-up must be delivered with `wake`"]
pub(crate) struct DeferredWake(Arc<Waiter>);

impl DeferredWake {
    pub(crate) fn wake(self, rt: &Runtime) {
        rt.scheduler().unpark(&self.0.thread);
    }
}

/// Blocks the calling thread on the wait list that `list` selects inside `mutex`'s state.
///
/// `guard` is released while blocked and re-acquired before returning, as with a condition
/// variable. A notification that races with the timeout counts as a notification. On error (the
/// run is being stopped) the waiter is removed and the error returned with the lock released.
pub(crate) fn wait_on<'a, S>(
    rt: &Runtime,
    mutex: &'a Mutex<S>,
    mut guard: MutexGuard<'a, S>,
    list: impl Fn(&mut S) -> &mut WaitList,
    deadline: Option<Time>,
    waiting_for: WaitFor,
) -> Result<(MutexGuard<'a, S>, Woke)> {
    let me = rt.current();
    let waiter = list(&mut guard).push(&me);
    drop(guard);
    let outcome = rt.block(&me, || waiter.is_notified(), deadline, waiting_for);
    let mut guard = lock(mutex);
    match outcome {
        Ok(Woke::Notified) => Ok((guard, Woke::Notified)),
        Ok(Woke::TimedOut) => {
            let woke = if list(&mut guard).cancel(&waiter) {
                Woke::TimedOut
            } else {
                Woke::Notified
            };
            Ok((guard, woke))
        }
        Err(err) => {
            list(&mut guard).cancel(&waiter);
            Err(err)
        }
    }
}
