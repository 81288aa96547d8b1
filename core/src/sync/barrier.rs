//! `threading.Barrier`: `parties` threads wait for each other, then all go on together, and the
//! barrier can be used again. It follows CPython's state machine:
//!
//! | phase | meaning | `wait` arriving now |
//! |---|---|---|
//! | `Filling` | threads are gathering | joins them (the last one passes them all) |
//! | `Draining` | the barrier was passed; the passed threads are still leaving | waits until they have |
//! | `Resetting` | `reset()` broke the waiting threads; they are still leaving | waits until they have |
//! | `Broken` | aborted, timed out, or the action failed | gets BrokenBarrierError |
//!
//! `count` is the number of threads inside `wait` in the current cycle. A thread keeps its
//! place in `count` until it has seen the outcome of its cycle, and the phase only goes back to
//! `Filling` when the last one leaves, so a thread can never miss its own cycle's outcome.
//!
//! CPython runs the action while holding the barrier's lock. Here it runs with the internal
//! mutex released (it is the learner's code, and may block), and `action_by` stands for that
//! lock: while it is set, arrivals, `reset` and `abort` wait, and no waiter times out (a CPython
//! waiter whose timeout expires during the action re-checks after the action and passes).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired, scheduling_point};
use crate::thread::ThreadRef;
use crate::time::Time;
use crate::util::lock;

type Action = Box<dyn Fn() -> Result<(), String> + Send + Sync>;

pub struct Barrier {
    rt: Runtime,
    id: ObjectId,
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
    state: Mutex<BarrierState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

struct BarrierState {
    phase: Phase,
    count: usize,
    /// The thread running the action, if one is.
    action_by: Option<u32>,
    /// Every change of phase or of `action_by` wakes them all, as CPython's `notify_all`.
    waiters: WaitList,
}

type Guard<'a> = MutexGuard<'a, BarrierState>;

impl Barrier {
    /// A barrier for `parties` threads (at least one). `action` runs in the last arriving
    /// thread of each cycle, before the others are let go; an `Err` carries the message of the
    /// exception it raised. `timeout` is the default for [`wait`](Barrier::wait).
    pub fn new(
        rt: &Runtime,
        parties: usize,
        action: Option<Box<dyn Fn() -> Result<(), String> + Send + Sync>>,
        timeout: Option<Duration>,
    ) -> Result<Barrier> {
        if parties == 0 {
            return Err(Error::InvalidParties);
        }
        Ok(Barrier {
            rt: rt.clone(),
            id: rt.new_object_id(ObjectKind::Barrier),
            parties,
            action,
            timeout,
            state: Mutex::new(BarrierState {
                phase: Phase::Filling,
                count: 0,
                action_by: None,
                waiters: WaitList::default(),
            }),
        })
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// Waits until `parties` threads have called `wait`, and returns this thread's arrival
    /// index, `0..parties`. Waiting longer than `timeout` (or the barrier's default timeout
    /// when `None`; forever if that is `None` too) breaks the barrier. On a broken barrier, or
    /// one broken or reset meanwhile, fails with [`Error::BrokenBarrier`]; in the thread whose
    /// action failed, with [`Error::BarrierActionFailed`].
    pub fn wait(&self, timeout: Option<Duration>) -> Result<usize> {
        let me = self.rt.current();
        scheduling_point(&self.rt, &me)?;
        let mut state = self.wait_while(lock(&self.state), |state| {
            state.action_by.is_some() || matches!(state.phase, Phase::Draining | Phase::Resetting)
        })?;
        if state.phase == Phase::Broken {
            return Err(Error::BrokenBarrier);
        }
        let index = state.count;
        state.count += 1;
        let _leave = Leave(self);
        if index + 1 == self.parties {
            self.pass(&me, state)?;
        } else {
            let deadline = deadline(&self.rt, timeout.or(self.timeout));
            self.await_pass(state, deadline)?;
        }
        Ok(index)
    }

    /// Puts the barrier back to its empty state. Threads waiting on it get
    /// [`Error::BrokenBarrier`]; a broken barrier becomes usable once they have left.
    pub fn reset(&self) -> Result<()> {
        let me = self.rt.current();
        scheduling_point(&self.rt, &me)?;
        let mut state = self.wait_while(lock(&self.state), |state| state.action_by.is_some())?;
        if state.count == 0 {
            state.phase = Phase::Filling;
        } else if matches!(state.phase, Phase::Filling | Phase::Broken) {
            state.phase = Phase::Resetting;
        }
        // Draining with threads inside: nothing to undo, the barrier refills once they leave.
        state.waiters.notify_all(&self.rt);
        Ok(())
    }

    /// Breaks the barrier: current and future waits fail until [`reset`](Barrier::reset).
    pub fn abort(&self) -> Result<()> {
        let me = self.rt.current();
        scheduling_point(&self.rt, &me)?;
        let mut state = self.wait_while(lock(&self.state), |state| state.action_by.is_some())?;
        self.break_barrier(&mut state);
        Ok(())
    }

    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of threads waiting in the current cycle.
    pub fn n_waiting(&self) -> usize {
        let state = lock(&self.state);
        if state.phase == Phase::Filling {
            state.count
        } else {
            0
        }
    }

    pub fn broken(&self) -> bool {
        lock(&self.state).phase == Phase::Broken
    }

    fn break_barrier(&self, state: &mut BarrierState) {
        state.phase = Phase::Broken;
        state.waiters.notify_all(&self.rt);
    }

    /// The last arrival: runs the action and lets the cycle go.
    fn pass(&self, me: &ThreadRef, mut state: Guard<'_>) -> Result<()> {
        let Some(action) = &self.action else {
            state.phase = Phase::Draining;
            state.waiters.notify_all(&self.rt);
            return Ok(());
        };
        state.action_by = Some(me.num());
        drop(state);
        let mut end = ActionEnd {
            barrier: self,
            succeeded: false,
        };
        let result = action();
        end.succeeded = result.is_ok();
        drop(end);
        result.map_err(Error::BarrierActionFailed)
    }

    /// Any other arrival: waits for the cycle's outcome.
    fn await_pass<'a>(&'a self, mut state: Guard<'a>, deadline: Option<Time>) -> Result<()> {
        loop {
            match state.phase {
                Phase::Draining => return Ok(()),
                Phase::Resetting | Phase::Broken => return Err(Error::BrokenBarrier),
                Phase::Filling => {}
            }
            let action_running = state.action_by.is_some();
            if !action_running && expired(&self.rt, deadline) {
                self.break_barrier(&mut state);
                return Err(Error::BrokenBarrier);
            }
            state = self.wait_once(state, if action_running { None } else { deadline })?;
        }
    }

    /// Waits, without a timeout, as long as `blocked` holds.
    fn wait_while<'a>(
        &'a self,
        mut state: Guard<'a>,
        blocked: impl Fn(&BarrierState) -> bool,
    ) -> Result<Guard<'a>> {
        while blocked(&state) {
            state = self.wait_once(state, None)?;
        }
        Ok(state)
    }

    /// Blocks once on the barrier, until woken or `deadline`; the thread running the action, if
    /// any, is what it waits for.
    fn wait_once<'a>(&'a self, state: Guard<'a>, deadline: Option<Time>) -> Result<Guard<'a>> {
        let waiting_for = WaitFor::Object {
            object: self.id,
            holder: state.action_by,
        };
        let (state, _) = wait_on(
            &self.rt,
            &self.state,
            state,
            |state| &mut state.waiters,
            deadline,
            waiting_for,
        )?;
        Ok(state)
    }
}

/// CPython's `finally` in `wait`: whatever the outcome (an error, or a panicking action), the
/// thread leaves its cycle, and the last one out lets the barrier refill.
struct Leave<'a>(&'a Barrier);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.count -= 1;
        if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            state.waiters.notify_all(&self.0.rt);
        }
    }
}

/// Ends the action's hold on the barrier, also when the action panics: the cycle passes if the
/// action succeeded and breaks otherwise, and everyone blocked on the action is woken.
struct ActionEnd<'a> {
    barrier: &'a Barrier,
    succeeded: bool,
}

impl Drop for ActionEnd<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.barrier.state);
        state.action_by = None;
        state.phase = if self.succeeded {
            Phase::Draining
        } else {
            Phase::Broken
        };
        state.waiters.notify_all(&self.barrier.rt);
    }
}

impl std::fmt::Debug for Barrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Barrier")
            .field("id", &self.id)
            .field("parties", &self.parties)
            .field("phase", &state.phase)
            .field("count", &state.count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::sched::Mode;
    use crate::sync::testing::{runtimes, spawn, wait_until, Spawned};
    use crate::thread::ThreadOptions;
    use crate::ExceptionKind;

    const N: usize = 5;

    /// Runs `body(i)` on `n` threads and returns their results in thread order.
    fn run_threads<T: Send + 'static>(
        rt: &Runtime,
        n: usize,
        body: impl Fn(usize) -> T + Send + Sync + 'static,
    ) -> Vec<T> {
        let body = Arc::new(body);
        let threads: Vec<_> = (0..n)
            .map(|i| {
                let body = body.clone();
                spawn(rt, move || body(i))
            })
            .collect();
        threads.into_iter().map(Spawned::join).collect()
    }

    fn barrier(rt: &Runtime, parties: usize) -> Arc<Barrier> {
        Arc::new(Barrier::new(rt, parties, None, None).unwrap())
    }

    #[test]
    fn at_least_one_party() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(
            Barrier::new(&rt, 0, None, None).err(),
            Some(Error::InvalidParties)
        );
        assert_eq!(Error::InvalidParties.to_string(), "parties must be >= 1");
        assert_eq!(Error::InvalidParties.exception(), ExceptionKind::ValueError);
        assert_eq!(
            Error::BrokenBarrier.exception(),
            ExceptionKind::BrokenBarrierError
        );
    }

    #[test]
    fn a_barrier_of_one_passes_at_once() {
        let rt = Runtime::new(Mode::Parallel);
        let barrier = barrier(&rt, 1);
        for _ in 0..3 {
            assert_eq!(barrier.wait(None), Ok(0));
        }
        assert_eq!((barrier.parties(), barrier.n_waiting()), (1, 0));
        assert!(!barrier.broken());
    }

    #[test]
    fn nobody_passes_before_everyone_arrived_and_it_is_reusable() {
        for rt in runtimes() {
            let barrier = barrier(&rt, N);
            let arrived = Arc::new(AtomicUsize::new(0));
            let (b, a) = (barrier.clone(), arrived.clone());
            let seen = run_threads(&rt, N, move |_| {
                let mut seen = Vec::new();
                for _ in 0..3 {
                    a.fetch_add(1, Ordering::SeqCst);
                    b.wait(None).unwrap();
                    // Everyone of this cycle has arrived; the next cycle cannot have passed.
                    seen.push(a.load(Ordering::SeqCst));
                }
                seen
            });
            for per_thread in seen {
                for (cycle, count) in per_thread.into_iter().enumerate() {
                    assert!(count >= N * (cycle + 1) && count < N * (cycle + 2));
                }
            }
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
        }
    }

    #[test]
    fn each_cycle_hands_out_every_index_once() {
        for rt in runtimes() {
            let barrier = barrier(&rt, N);
            let b = barrier.clone();
            let indices = run_threads(&rt, N, move |_| {
                (0..3).map(|_| b.wait(None).unwrap()).collect::<Vec<_>>()
            });
            for cycle in 0..3 {
                let mut got: Vec<_> = indices.iter().map(|per| per[cycle]).collect();
                got.sort();
                assert_eq!(got, (0..N).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn the_action_runs_once_per_cycle_in_the_last_arrival() {
        for rt in runtimes() {
            let runs = Arc::new(std::sync::Mutex::new(Vec::new()));
            let (record, action_rt) = (runs.clone(), rt.clone());
            let barrier = Arc::new(
                Barrier::new(
                    &rt,
                    N,
                    Some(Box::new(move || {
                        record.lock().unwrap().push(action_rt.current().num());
                        Ok(())
                    })),
                    None,
                )
                .unwrap(),
            );
            let (b, thread_rt) = (barrier.clone(), rt.clone());
            let per_thread = run_threads(&rt, N, move |_| {
                (0..3)
                    .map(|_| (b.wait(None).unwrap(), thread_rt.current().num()))
                    .collect::<Vec<_>>()
            });
            let runs = runs.lock().unwrap().clone();
            assert_eq!(runs.len(), 3);
            for (cycle, runner) in runs.into_iter().enumerate() {
                let last = per_thread
                    .iter()
                    .map(|per| per[cycle])
                    .find(|&(index, _)| index == N - 1)
                    .unwrap();
                assert_eq!(last.1, runner);
            }
        }
    }

    #[test]
    fn a_failing_action_breaks_the_barrier() {
        for rt in runtimes() {
            let barrier = Arc::new(
                Barrier::new(&rt, N, Some(Box::new(|| Err("boom".to_owned()))), None).unwrap(),
            );
            let b = barrier.clone();
            let results = run_threads(&rt, N, move |_| b.wait(None));
            let failed = results
                .iter()
                .filter(|result| **result == Err(Error::BarrierActionFailed("boom".into())))
                .count();
            let broken = results
                .iter()
                .filter(|result| **result == Err(Error::BrokenBarrier))
                .count();
            assert_eq!((failed, broken), (1, N - 1));
            assert!(barrier.broken());
            assert_eq!(barrier.wait(None), Err(Error::BrokenBarrier));
        }
        assert_eq!(
            Error::BarrierActionFailed("boom".into()).to_string(),
            "boom"
        );
    }

    #[test]
    fn a_panicking_action_breaks_the_barrier_instead_of_hanging_it() {
        let rt = Runtime::new(Mode::Parallel);
        let barrier = Arc::new(
            Barrier::new(&rt, 2, Some(Box::new(|| panic!("action panicked"))), None).unwrap(),
        );
        let waiter = {
            let b = barrier.clone();
            let outcome = Arc::new(std::sync::Mutex::new(None));
            let out = outcome.clone();
            let t = rt
                .spawn(ThreadOptions::default(), move || {
                    *out.lock().unwrap() = Some(b.wait(None));
                })
                .unwrap();
            (t, outcome)
        };
        wait_until(&rt, || barrier.n_waiting() == 1);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = barrier.wait(None);
        }));
        assert!(panicked.is_err());
        waiter.0.join(None).unwrap();
        assert_eq!(
            waiter.1.lock().unwrap().take(),
            Some(Err(Error::BrokenBarrier))
        );
        assert!(barrier.broken());
        assert_eq!(lock(&barrier.state).count, 0);
        barrier.reset().unwrap();
        assert_eq!(lock(&barrier.state).phase, Phase::Filling);
    }

    #[test]
    fn abort_breaks_it_for_current_and_later_waiters() {
        for rt in runtimes() {
            let barrier = barrier(&rt, N);
            let (b, passed_twice) = (barrier.clone(), Arc::new(AtomicUsize::new(0)));
            let passed = passed_twice.clone();
            // As CPython's test: the middle thread of the first cycle aborts instead of
            // waiting again, so nobody gets through the second cycle.
            let results = run_threads(&rt, N, move |_| {
                let index = b.wait(None)?;
                if index == N / 2 {
                    b.abort()?;
                    return Ok(true);
                }
                b.wait(None)?;
                passed.fetch_add(1, Ordering::SeqCst);
                Ok(false)
            });
            let aborters = results.iter().filter(|r| **r == Ok(true)).count();
            let broken = results
                .iter()
                .filter(|r| **r == Err(Error::BrokenBarrier))
                .count();
            assert_eq!((aborters, broken), (1, N - 1));
            assert_eq!(passed_twice.load(Ordering::SeqCst), 0);
            assert!(barrier.broken());
            assert_eq!(barrier.wait(None), Err(Error::BrokenBarrier));
        }
    }

    #[test]
    fn reset_breaks_the_waiters_then_the_barrier_works_again() {
        for rt in runtimes() {
            let barrier = barrier(&rt, N);
            let (b, thread_rt) = (barrier.clone(), rt.clone());
            let results = run_threads(&rt, N, move |_| {
                let index = b.wait(None).unwrap();
                let second = if index == N / 2 {
                    // Wait until the others are all in the second cycle.
                    wait_until(&thread_rt, || b.n_waiting() == N - 1);
                    b.reset().unwrap();
                    None
                } else {
                    Some(b.wait(None))
                };
                let third = b.wait(None);
                (second, third)
            });
            let broken = results
                .iter()
                .filter(|(second, _)| *second == Some(Err(Error::BrokenBarrier)))
                .count();
            assert_eq!(broken, N - 1);
            assert!(results.iter().all(|(_, third)| third.is_ok()));
            assert!(!barrier.broken());
        }
    }

    #[test]
    fn abort_then_reset_makes_it_usable_again() {
        for rt in runtimes() {
            let sync = barrier(&rt, N);
            let barrier = barrier(&rt, N);
            let (b, s) = (barrier.clone(), sync.clone());
            let results = run_threads(&rt, N, move |_| {
                let first = b.wait(None).and_then(|index| {
                    if index == N / 2 {
                        b.abort().map(|()| "aborted")
                    } else {
                        b.wait(None).map(|_| "passed")
                    }
                });
                // Everyone has left the broken barrier before it is reset, and nobody enters
                // it again before that.
                if s.wait(None).unwrap() == N / 2 {
                    b.reset().unwrap();
                }
                s.wait(None).unwrap();
                (first, b.wait(None))
            });
            let aborted = results.iter().filter(|(f, _)| *f == Ok("aborted")).count();
            let broken = results
                .iter()
                .filter(|(f, _)| *f == Err(Error::BrokenBarrier))
                .count();
            assert_eq!((aborted, broken), (1, N - 1));
            assert!(results.iter().all(|(_, last)| last.is_ok()));
            assert!(!barrier.broken());
        }
    }

    #[test]
    fn abort_and_reset_in_any_order_against_leaving_threads() {
        for rt in runtimes() {
            for _ in 0..20 {
                let barrier = barrier(&rt, 3);
                let waiters: Vec<_> = (0..2)
                    .map(|_| {
                        let b = barrier.clone();
                        rt.spawn(ThreadOptions::default(), move || {
                            let _ = b.wait(None);
                        })
                        .unwrap()
                    })
                    .collect();
                wait_until(&rt, || barrier.n_waiting() == 2);
                barrier.abort().unwrap();
                // The broken waiters may or may not have left yet: either way, after the
                // reset a full cycle passes.
                barrier.reset().unwrap();
                for t in waiters {
                    t.join(None).unwrap();
                }
                let b2 = barrier.clone();
                let indices = run_threads(&rt, 3, move |_| b2.wait(None).unwrap());
                let mut sorted = indices.clone();
                sorted.sort();
                assert_eq!(sorted, vec![0, 1, 2]);
            }
        }
    }

    #[test]
    fn reset_while_draining_lets_the_drain_finish() {
        let rt = Runtime::new(Mode::Parallel);
        let barrier = barrier(&rt, 3);
        {
            // Two passed threads of a cycle have not left yet.
            let mut state = lock(&barrier.state);
            state.phase = Phase::Draining;
            state.count = 2;
        }
        barrier.reset().unwrap();
        assert_eq!(lock(&barrier.state).phase, Phase::Draining);
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        // A broken barrier with threads still inside waits for them before refilling.
        lock(&barrier.state).phase = Phase::Broken;
        barrier.reset().unwrap();
        assert_eq!(lock(&barrier.state).phase, Phase::Resetting);
        assert!(!barrier.broken());
        // With nobody inside, reset refills at once.
        {
            let mut state = lock(&barrier.state);
            state.phase = Phase::Broken;
            state.count = 0;
        }
        barrier.reset().unwrap();
        assert_eq!(lock(&barrier.state).phase, Phase::Filling);
    }

    #[test]
    fn arrivals_during_a_drain_wait_for_the_next_cycle() {
        for rt in runtimes() {
            let barrier = barrier(&rt, 2);
            {
                // One passed thread of the previous cycle is still leaving.
                let mut state = lock(&barrier.state);
                state.phase = Phase::Draining;
                state.count = 1;
            }
            let b = barrier.clone();
            let t = rt
                .spawn(ThreadOptions::default(), move || {
                    let _ = b.wait(None);
                })
                .unwrap();
            wait_until(&rt, || lock(&barrier.state).waiters.len() == 1);
            // It has not joined the draining cycle.
            assert_eq!(lock(&barrier.state).count, 1);
            {
                // The straggler leaves, as `wait` does.
                let mut state = lock(&barrier.state);
                state.count = 0;
                state.phase = Phase::Filling;
                state.waiters.notify_all(&rt);
            }
            wait_until(&rt, || barrier.n_waiting() == 1);
            assert_eq!(barrier.wait(None), Ok(1));
            t.join(None).unwrap();
        }
    }

    #[test]
    fn a_timeout_breaks_the_barrier_for_everyone() {
        for rt in runtimes() {
            let barrier = barrier(&rt, N);
            let b = barrier.clone();
            // One party never comes: the others time out, and whoever times out first breaks
            // the barrier for the rest.
            let results = run_threads(&rt, N - 1, move |_| b.wait(Some(Duration::from_millis(20))));
            assert!(results.iter().all(|r| *r == Err(Error::BrokenBarrier)));
            assert!(barrier.broken());
            assert_eq!(barrier.wait(None), Err(Error::BrokenBarrier));
        }
    }

    #[test]
    fn the_default_timeout_applies_when_wait_gives_none() {
        for rt in runtimes() {
            let barrier =
                Arc::new(Barrier::new(&rt, 3, None, Some(Duration::from_millis(20))).unwrap());
            let b = barrier.clone();
            let results = run_threads(&rt, 2, move |_| b.wait(None));
            assert!(results.iter().all(|r| *r == Err(Error::BrokenBarrier)));
            assert!(barrier.broken());
        }
    }

    /// In CPython the action holds the barrier's lock, so a waiter whose timeout expires
    /// meanwhile re-checks only after the action, and passes. Driven through the state, as a
    /// real timeout could also expire before the last thread even arrives.
    #[test]
    fn a_waiter_does_not_time_out_while_the_action_runs() {
        for rt in runtimes() {
            let barrier = barrier(&rt, 2);
            {
                let mut state = lock(&barrier.state);
                state.count = 2;
                state.action_by = Some(rt.current().num());
            }
            let outcome = Arc::new(std::sync::Mutex::new(None));
            let (b, out) = (barrier.clone(), outcome.clone());
            let t = rt
                .spawn(ThreadOptions::default(), move || {
                    // A deadline that has already passed.
                    let result = b.await_pass(lock(&b.state), Some(Time::ZERO));
                    *out.lock().unwrap() = Some(result);
                })
                .unwrap();
            wait_until(&rt, || lock(&barrier.state).waiters.len() == 1);
            assert!(!barrier.broken());
            drop(ActionEnd {
                barrier: &barrier,
                succeeded: true,
            });
            t.join(None).unwrap();
            assert_eq!(outcome.lock().unwrap().take(), Some(Ok(())));
            assert!(!barrier.broken());
        }
    }

    #[test]
    fn abort_waits_for_a_running_action() {
        for rt in runtimes() {
            let gate = Arc::new(crate::sync::Event::new(&rt));
            let started = Arc::new(crate::sync::Event::new(&rt));
            let (g, s) = (gate.clone(), started.clone());
            let barrier = Arc::new(
                Barrier::new(
                    &rt,
                    1,
                    Some(Box::new(move || {
                        s.set();
                        g.wait(None).map(drop).map_err(|err| err.to_string())
                    })),
                    None,
                )
                .unwrap(),
            );
            let b = barrier.clone();
            let passer = rt
                .spawn(ThreadOptions::default(), move || {
                    let _ = b.wait(None);
                })
                .unwrap();
            started.wait(None).unwrap();
            let (b, aborted) = (barrier.clone(), Arc::new(AtomicUsize::new(0)));
            let done = aborted.clone();
            let aborter = rt
                .spawn(ThreadOptions::default(), move || {
                    b.abort().unwrap();
                    done.store(1, Ordering::SeqCst);
                })
                .unwrap();
            wait_until(&rt, || lock(&barrier.state).waiters.len() == 1);
            assert_eq!(aborted.load(Ordering::SeqCst), 0);
            assert!(!barrier.broken());
            gate.set();
            passer.join(None).unwrap();
            aborter.join(None).unwrap();
            assert!(barrier.broken());
        }
    }

    #[test]
    fn ids_name_the_kind() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(barrier(&rt, 2).id().to_string(), "Barrier#1");
    }
}
