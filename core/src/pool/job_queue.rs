//! The queue of work a pool's workers take from, shared by [`ThreadPool`](super::ThreadPool)
//! and [`Executor`](super::Executor).
//!
//! Submitting a job and taking one are lock-free in the common case: the jobs are in a
//! lock-free queue (`jobs`), and a submitter takes the queue's mutex only to wake a parked worker (or, for an
//! executor that still has threads to start, to decide whether to start one). Before, the jobs
//! were under that mutex too, and the submitting thread and every worker took it for each job;
//! with tiny tasks they spent their time handing it to one another. The mutex now guards only
//! the list of parked workers and the rest of the pool's state (`S`), so the pool's own
//! decisions (must an idle worker exit?) are still made under the same lock as a worker's
//! decision to park, and no wake-up can slip in between.
//!
//! # The gate
//!
//! One atomic word, `gate`, is where submitters, parked workers and closers meet:
//!
//! | bits | what | written by |
//! |---|---|---|
//! | 0..4 | why the pool refuses work (pool-defined reasons; none while it takes work) | [`JobQueue::close`], never cleared |
//! | 4 | [`SLOW`]: every submit takes the lock (an executor with threads still to start) | the pool, under the lock |
//! | 8..32 | submits past the gate that have not finished pushing | submitters: +1 before pushing, −1 after |
//! | 32..64 | parked workers: registered in `idle_workers`, or about to be | +1 by a worker about to park (under the lock), −1 by whoever takes it off the list (under the lock) or by itself when it does not park after all |
//!
//! Because every party changes this one word with read-modify-writes (acquire-release), they all
//! see its changes in one order, and the two races that matter need no fences:
//!
//! - **A push against a worker going to sleep.** The worker, holding the lock, adds itself to
//!   the parked count, *then* looks at the queue once more, and parks only if it is empty. The
//!   submitter pushes, *then* leaves the gate, reading the parked count. If the worker's increment
//!   comes first, the submitter sees it, takes the lock (after the worker is listed or gone), and
//!   wakes it. If the submitter's decrement comes first, the worker's increment reads it and so
//!   sees the push: it does not park.
//! - **A submit against a close.** A submit enters the gate (in-flight +1) and reads the refusal
//!   bits in the same operation; a closer sets a refusal bit, then waits (spinning, without the
//!   lock) for the in-flight count to reach zero. Either the submit comes first, and the closer
//!   waits until its job is pushed, or the close comes first, and the submit is refused. So once
//!   `close` returns, no job will ever be pushed again: a terminate's drain takes every queued
//!   job, and a worker that finds the queue empty under the lock with the pool closed can exit.
//!
//! The in-flight window holds no lock (except an executor's [`SLOW`] submit, which holds the
//! queue's mutex inside it; the closer waits without that lock) and contains no wait of any
//! kind, so the closer's spin is short. Under the deterministic scheduler and the GIL only one
//! thread runs at a time and nothing inside the window switches threads, so a closer always
//! finds it empty.
//!
//! # One spinner
//!
//! An idle worker spins a while before it parks, when the scheduler says spinning helps, but
//! only one worker at a time (the one holding `spinner`); the others park at once. With tiny
//! tasks on few cores, idle workers spinning side by side took the processors from the
//! submitting thread and from the worker that had work, and one spinner picks up the next job
//! as quickly. So a submitter wakes a parked worker only when no worker spins: a spinner finds
//! the job. This loses no wake-up either. A spinner clears `spinner` before it registers as
//! parked (through the gate). If that registration comes after the submitter left the gate,
//! the spinner sees the job; if before, the submitter's leave reads it, sees `spinner` clear
//! (or set by a later spinner, of which the same holds) and wakes a worker.
//!
//! # A backlog before the spinner takes work
//!
//! Before it looks for a job, the spinner lets a backlog build: it spins, looking at the queue's
//! length now and then, until [`BACKLOG_JOBS`] are queued, or jobs are queued and no more came
//! since its last look, or a few microseconds have passed. A worker that takes each job as soon
//! as it is queued reads the queue's tail at every take (`Injector` reads it whenever head and
//! tail share a block), and the submitter's next push must win that cache line back for its
//! compare-and-swap: a burst of 10,000 tiny tasks then cost the submitting thread three times
//! what its pushes cost alone, and the burst 1.8 ms. Lagging a block behind, the worker takes a
//! run of jobs while the tail stays with the submitter (1.1 ms; `docs/BENCHMARKS.md`). A lone
//! job (`apply` queues one and waits for it) waits one look, under a microsecond, and the
//! spinner stays on its processor instead of yielding it while the submitter waits for the
//! result: `apply` in a loop went from 6–11 µs a call to 1.1 µs. A parked worker is woken at
//! once, as before.
//!
//! When the run is being stopped, a worker leaves its wait without knowing whether it was
//! already taken off the list; it stays in the parked count. Too high a count only makes later
//! submits take the lock for nothing; too low a count could lose a wake-up, and that never
//! happens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crossbeam_deque::{Injector, Steal};
use crossbeam_utils::CachePadded;

use super::{spin_until, PoolRun};
use crate::object_id::ObjectId;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, DeferredWake, WaitList};
use crate::util::lock;

/// The refusal reasons a pool may use (bits 0..4 of the gate).
pub(crate) const REASONS: u64 = 0b1111;
/// Every submit takes the lock and lets the pool decide, inside the gate.
pub(crate) const SLOW: u64 = 1 << 4;
const IN_FLIGHT: u64 = 1 << 8;
const IN_FLIGHT_MASK: u64 = 0x00ff_ffff << 8;
const PARKED: u64 = 1 << 32;

/// The backlog a spinner waits for before it takes work (see the module documentation): about
/// one of the `Injector`'s blocks (63 jobs), so that the worker takes jobs a block behind the tail.
const BACKLOG_JOBS: usize = 62;
/// How often the spinner looks at the backlog while it grows (in spin-loop hints, 0.4 µs on
/// the machine the benchmarks ran on), and how many looks it takes at most (6 µs).
const BACKLOG_LOOK_EVERY: u32 = 16;
const BACKLOG_LOOKS: u32 = 16;

pub(crate) struct JobQueue<J, S> {
    /// On a cache line of its own: the submitting thread changes it twice per job, and the
    /// workers rarely touch it.
    gate: CachePadded<AtomicU64>,
    /// Held by the one worker that spins for work at a time.
    spinner: CachePadded<AtomicBool>,
    /// The queued jobs, in submission order.
    ///
    /// crossbeam-deque's unbounded lock-free `Injector`, which allocates one block per 63 jobs
    /// (the worker that takes a block's last job frees it, into the submitter's malloc arena,
    /// so fewer blocks mean less contention on that arena's lock than crossbeam-queue's
    /// `SegQueue`, with its 31-job blocks, caused). An unbounded queue replaced a bounded ring
    /// (1,024 jobs) with an overflow under a mutex: a burst longer than the ring (10,000 tiny
    /// tasks submitted at once) sent every later submit through the overflow's lock, which the
    /// workers took too to refill the ring, and the burst cost 1.3–1.6× as much, with a wide
    /// spread; through a lock-free segmented queue it costs the same whatever its length.
    jobs: Injector<J>,
    state: Mutex<QueueState<S>>,
}

/// What the queue's mutex guards.
pub(crate) struct QueueState<S> {
    idle_workers: WaitList,
    /// The rest of the pool's state.
    pub(crate) pool: S,
}

pub(crate) type QueueGuard<'a, S> = MutexGuard<'a, QueueState<S>>;

impl<J, S> JobQueue<J, S> {
    /// `flags`: [`SLOW`] or nothing.
    pub(crate) fn new(pool: S, flags: u64) -> JobQueue<J, S> {
        JobQueue {
            gate: CachePadded::new(AtomicU64::new(flags & SLOW)),
            spinner: CachePadded::new(AtomicBool::new(false)),
            jobs: Injector::new(),
            state: Mutex::new(QueueState {
                idle_workers: WaitList::default(),
                pool,
            }),
        }
    }

    pub(crate) fn lock(&self) -> QueueGuard<'_, S> {
        lock(&self.state)
    }

    /// The mutex itself, for waits on the pool's own wait lists.
    pub(crate) fn mutex(&self) -> &Mutex<QueueState<S>> {
        &self.state
    }

    /// The oldest queued job, if any.
    fn pop(&self) -> Option<J> {
        loop {
            match self.jobs.steal() {
                Steal::Success(job) => return Some(job),
                Steal::Empty => return None,
                // Another worker moved the head first; the queue is not empty.
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// The refusal reasons given so far; 0 while the pool takes work.
    pub(crate) fn refused(&self) -> u64 {
        self.gate.load(Ordering::Acquire) & REASONS
    }

    /// Makes every submit take the lock ([`SLOW`]), or stops that.
    pub(crate) fn set_slow(&self, slow: bool) {
        if slow {
            self.gate.fetch_or(SLOW, Ordering::AcqRel);
        } else {
            self.gate.fetch_and(!SLOW, Ordering::AcqRel);
        }
    }

    /// Passes the gate: the word as it was, or the refusal reasons when the pool is closed.
    /// Must be followed by [`leave`](Self::leave).
    fn enter(&self) -> Result<u64, u64> {
        let word = self.gate.fetch_add(IN_FLIGHT, Ordering::AcqRel);
        if word & REASONS != 0 {
            self.leave();
            return Err(word & REASONS);
        }
        Ok(word)
    }

    /// Leaves the gate after pushing; returns the word as it was.
    fn leave(&self) -> u64 {
        self.gate.fetch_sub(IN_FLIGHT, Ordering::AcqRel)
    }

    /// Queues `job` unless the pool refuses work (then `Err` with the reasons), and wakes a
    /// parked worker if there is one; when none is, a busy worker finds the job when it finishes
    /// its own.
    pub(crate) fn push(&self, rt: &Runtime, job: J) -> Result<(), u64> {
        self.enter()?;
        self.jobs.push(job);
        if self.leave() >= PARKED && !self.spinner.load(Ordering::Acquire) {
            self.wake_one(rt);
        }
        Ok(())
    }

    /// Queues `jobs` unless the pool refuses work, and wakes up to one parked worker for each.
    pub(crate) fn push_all(&self, rt: &Runtime, jobs: Vec<J>) -> Result<(), u64> {
        self.enter()?;
        let count = jobs.len();
        jobs.into_iter().for_each(|job| self.jobs.push(job));
        if self.leave() >= PARKED {
            let mut state = self.lock();
            let woken = state.idle_workers.notify(rt, count);
            self.unpark_count(woken);
        }
        Ok(())
    }

    /// [`push`](Self::push) for a pool that sometimes must decide something under the lock
    /// as it queues (an executor that may start a thread). While [`SLOW`] is set, the job is
    /// queued under the lock, an idle worker is picked, and `decide` runs with the pool's state
    /// and whether a worker was picked, all before the gate is left (so a closer waits for what
    /// it decides); its answer is returned. Otherwise this is `push`, and `decide` does not run.
    pub(crate) fn push_deciding<R>(
        &self,
        rt: &Runtime,
        job: J,
        decide: impl FnOnce(&mut S, bool) -> R,
    ) -> Result<Option<R>, u64> {
        let word = self.enter()?;
        if word & SLOW == 0 {
            self.jobs.push(job);
            if self.leave() >= PARKED && !self.spinner.load(Ordering::Acquire) {
                self.wake_one(rt);
            }
            return Ok(None);
        }
        let (idle_worker, decided) = {
            let mut state = self.lock();
            self.jobs.push(job);
            let idle_worker = self.take_idle(&mut state);
            let decided = decide(&mut state.pool, idle_worker.is_some());
            (idle_worker, decided)
        };
        self.leave();
        if let Some(worker) = idle_worker {
            worker.wake(rt);
        }
        Ok(Some(decided))
    }

    /// Wakes one parked worker, if one is still listed once the lock is taken; the worker
    /// is woken after the lock is released, so that it does not wake into a held lock.
    #[cold]
    fn wake_one(&self, rt: &Runtime) {
        let idle_worker = self.take_idle(&mut self.lock());
        if let Some(worker) = idle_worker {
            worker.wake(rt);
        }
    }

    /// A worker that took a job while more wait and others are parked wakes one of them.
    /// Submits made while a worker spins wake nobody (the spinner will find the job), and the
    /// spinner takes one job: without this, the rest of a burst would wait for a busy worker
    /// while idle ones sleep. Each woken worker passes the wake on in turn.
    #[inline]
    fn pass_on_wake(&self, rt: &Runtime) {
        if self.gate.load(Ordering::Acquire) >= PARKED && !self.jobs.is_empty() {
            self.wake_one(rt);
        }
    }

    /// The spinner's wait for a backlog (see the module documentation): until
    /// [`BACKLOG_JOBS`] are queued, or jobs are queued and no more came since the last look
    /// (a submitter that queues one job and waits for it, as `apply` does, must not wait for
    /// this), or the looks run out.
    fn let_backlog_build(&self) {
        let mut queued = 0;
        for _ in 0..BACKLOG_LOOKS {
            for _ in 0..BACKLOG_LOOK_EVERY {
                std::hint::spin_loop();
            }
            let now = self.jobs.len();
            if now >= BACKLOG_JOBS || (now > 0 && now <= queued) {
                return;
            }
            queued = now;
        }
    }

    /// Takes the longest-parked worker off the list, to be woken once the lock is released.
    fn take_idle(&self, state: &mut QueueState<S>) -> Option<DeferredWake> {
        let worker = state.idle_workers.notify_one_deferred()?;
        self.unpark_count(1);
        Some(worker)
    }

    fn unpark_count(&self, workers: usize) {
        if workers > 0 {
            self.gate
                .fetch_sub(PARKED * workers as u64, Ordering::AcqRel);
        }
    }

    /// Refuses every later submit, giving `reason` (one of the pool's bits in [`REASONS`]),
    /// waits until the submits already past the gate have pushed their jobs, and returns the
    /// locked state: from now on no job is ever queued again. The caller records in the pool's
    /// state why it stopped taking work (what `exit` of [`next`](Self::next) reads) and wakes
    /// the idle workers; it may [`take_all`](Self::take_all) queued jobs.
    pub(crate) fn close(&self, reason: u64) -> QueueGuard<'_, S> {
        debug_assert!(reason != 0 && reason & !REASONS == 0);
        self.gate.fetch_or(reason & REASONS, Ordering::AcqRel);
        // Not a wait for another thread's decision: a submit in flight is a few instructions
        // from leaving (see the module documentation), and it never needs this thread.
        let mut spins = 0u32;
        while self.gate.load(Ordering::Acquire) & IN_FLIGHT_MASK != 0 {
            if spins < 64 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
        self.lock()
    }

    /// Takes every queued job out: none of them will run. Called after [`close`](Self::close),
    /// so that nothing is queued behind it; workers may still take some concurrently, and run
    /// them.
    pub(crate) fn take_all(&self, _state: &mut QueueState<S>) -> Vec<J> {
        std::iter::from_fn(|| self.pop()).collect()
    }

    /// The workers parked (or about to park) for want of work; tests wait for them.
    #[cfg(test)]
    pub(crate) fn parked(&self) -> u64 {
        self.gate.load(Ordering::Acquire) / PARKED
    }

    /// The number of queued jobs (for `Debug`).
    pub(crate) fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// Wakes every parked worker, to re-check whether it should exit.
    pub(crate) fn wake_idle_workers(&self, state: &mut QueueState<S>, rt: &Runtime) {
        let woken = state.idle_workers.notify_all(rt);
        self.unpark_count(woken);
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
        // Whether this worker was just woken, and so must pass the wake on. A worker that
        // comes back for its next job does not: were its next job queued while a spinner spun,
        // the spinner passed the wake on. Skipping the check keeps the busy workers off the
        // gate's cache line, which the submitter changes twice per job.
        let mut woken = false;
        loop {
            if let Some(job) = self.pop() {
                if woken {
                    self.pass_on_wake(&run.rt);
                }
                return Some(job);
            }
            // One idle worker spins at a time; the others park at once (see the module
            // documentation). Where spinning does not help, nobody spins.
            if run.spin && !self.spinner.swap(true, Ordering::AcqRel) {
                self.let_backlog_build();
                spin_until(run, || !self.jobs.is_empty());
                self.spinner.store(false, Ordering::Release);
            }
            if let Some(job) = self.pop() {
                self.pass_on_wake(&run.rt);
                return Some(job);
            }
            let state = self.lock();
            // Parked before the last look at the queue: see the module documentation.
            self.gate.fetch_add(PARKED, Ordering::AcqRel);
            if let Some(job) = self.pop() {
                self.unpark_count(1);
                return Some(job);
            }
            // Closed pools queue nothing more (`close` waited for the last push), so an
            // empty queue now stays empty.
            if exit(&state.pool) {
                self.unpark_count(1);
                return None;
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
                // Whoever woke this worker took it off the list and out of the parked count.
                Ok((state, _)) => {
                    drop(state);
                    woken = true;
                }
                // The run is being stopped.
                Err(_) => return None,
            }
        }
    }
}
