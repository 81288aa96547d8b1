//! The queue of work a pool's workers take from, shared by [`ThreadPool`](super::ThreadPool)
//! and [`Executor`](super::Executor): jobs in submission order, the idle workers waiting for
//! one, and a count of queued jobs that a worker reads without the lock while it spins before
//! parking.
//!
//! The queue lives under one mutex with the rest of its pool's state (`S`), so the pool's own
//! decisions (does it still take work? must an idle worker exit?) are made under the same lock
//! as the queue's changes, and no wake-up can slip in between. An idle worker is woken per new
//! job, and only if one is idle.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::{spin_until, PoolRun};
use crate::object_id::ObjectId;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, DeferredWake, WaitList};
use crate::util::lock;

pub(crate) struct JobQueue<J, S> {
    state: Mutex<QueueState<J, S>>,
    /// `state.jobs.len()`, written under the lock, read without it by spinning workers.
    queued: AtomicUsize,
}

/// What the queue's mutex guards.
pub(crate) struct QueueState<J, S> {
    jobs: VecDeque<J>,
    idle_workers: WaitList,
    /// The rest of the pool's state.
    pub(crate) pool: S,
}

pub(crate) type QueueGuard<'a, J, S> = MutexGuard<'a, QueueState<J, S>>;

impl<J, S> JobQueue<J, S> {
    pub(crate) fn new(pool: S) -> JobQueue<J, S> {
        JobQueue {
            state: Mutex::new(QueueState {
                jobs: VecDeque::new(),
                idle_workers: WaitList::default(),
                pool,
            }),
            queued: AtomicUsize::new(0),
        }
    }

    pub(crate) fn lock(&self) -> QueueGuard<'_, J, S> {
        lock(&self.state)
    }

    /// The mutex itself, for waits on the pool's own wait lists.
    pub(crate) fn mutex(&self) -> &Mutex<QueueState<J, S>> {
        &self.state
    }

    /// Queues `job` and picks one idle worker to wake, which the caller wakes once it has
    /// released the queue's lock (so the worker does not wake into a held lock); `None` when
    /// none is idle (then a busy worker finds the job when it finishes its own).
    #[must_use = "the idle worker must be woken once the lock is released"]
    pub(crate) fn push(&self, state: &mut QueueState<J, S>, job: J) -> Option<DeferredWake> {
        state.jobs.push_back(job);
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        state.idle_workers.notify_one_deferred()
    }

    /// Queues `jobs` and wakes up to one idle worker for each.
    pub(crate) fn push_all(&self, state: &mut QueueState<J, S>, rt: &Runtime, jobs: Vec<J>) {
        let count = jobs.len();
        state.jobs.extend(jobs);
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        state.idle_workers.notify(rt, count);
    }

    /// Takes every queued job out: none of them will run.
    pub(crate) fn take_all(&self, state: &mut QueueState<J, S>) -> VecDeque<J> {
        self.queued.store(0, Ordering::Relaxed);
        std::mem::take(&mut state.jobs)
    }

    /// Takes out the first queued job that `matches`; `None` if there is none (a worker may have
    /// taken it already).
    pub(crate) fn remove(
        &self,
        state: &mut QueueState<J, S>,
        matches: impl Fn(&J) -> bool,
    ) -> Option<J> {
        let index = state.jobs.iter().position(matches)?;
        let job = state.jobs.remove(index);
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        job
    }

    /// The next job for a worker of the pool `object`; `None` when the worker should exit:
    /// the queue is empty and `exit` says so for the pool's state (queued work is finished
    /// first), or the run is being stopped. Before parking, the worker spins a while if the run
    /// says spinning helps.
    pub(crate) fn next(
        &self,
        run: &PoolRun,
        object: ObjectId,
        exit: impl Fn(&S) -> bool,
    ) -> Option<J> {
        let mut state = self.lock();
        let mut may_spin = true;
        loop {
            if let Some(job) = state.jobs.pop_front() {
                self.queued.store(state.jobs.len(), Ordering::Relaxed);
                return Some(job);
            }
            if exit(&state.pool) {
                return None;
            }
            if std::mem::take(&mut may_spin) {
                drop(state);
                spin_until(run, || self.queued.load(Ordering::Relaxed) > 0);
                state = self.lock();
                continue;
            }
            match wait_on(
                &run.rt,
                &self.state,
                state,
                |state| &mut state.idle_workers,
                None,
                WaitFor::Object {
                    object,
                    holder: None,
                },
            ) {
                Ok((next, _)) => {
                    state = next;
                    may_spin = true;
                }
                // The run is being stopped.
                Err(_) => return None,
            }
        }
    }
}

impl<J, S> QueueState<J, S> {
    /// The number of queued jobs.
    pub(crate) fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// Wakes every idle worker, to re-check whether it should exit.
    pub(crate) fn wake_idle_workers(&mut self, rt: &Runtime) {
        self.idle_workers.notify_all(rt);
    }
}
