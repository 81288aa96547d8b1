//! `threading.Condition`: a lock (an RLock unless given one) plus a queue of threads waiting
//! to be notified. `wait` releases the lock, sleeps until notified, and re-acquires the lock;
//! `notify(n)` wakes the `n` longest-waiting threads.
//!
//! A waiter is queued *before* it releases the lock, so a `notify` made by a thread that takes
//! the lock right after that release always finds it: no wake-up is lost in between.
//!
//! Each waiter gets its own entry (with its own [`WaitList`]), keyed by an arrival ticket. The
//! ticket lets a waiter queue itself under the internal mutex, release the user's lock with that
//! mutex released (a lock's release may be a scheduling point, which must not happen under an
//! internal mutex), and only then block, through [`wait_on`], on its entry. `notify` removes
//! entries oldest first, so a waiter whose entry is gone has been notified, even if it had not
//! blocked yet.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired, Lock, RLock};
use crate::time::Time;
use crate::util::lock;

/// The lock a [`Condition`] is built on.
#[derive(Clone, Debug)]
pub enum ConditionLock {
    Lock(Arc<Lock>),
    RLock(Arc<RLock>),
}

impl From<Arc<Lock>> for ConditionLock {
    fn from(lock: Arc<Lock>) -> ConditionLock {
        ConditionLock::Lock(lock)
    }
}

impl From<Arc<RLock>> for ConditionLock {
    fn from(lock: Arc<RLock>) -> ConditionLock {
        ConditionLock::RLock(lock)
    }
}

/// What `wait` must restore after waiting: an RLock's owner and depth.
type Saved = Option<(u32, usize)>;

impl ConditionLock {
    /// CPython's `Condition._is_owned`: an RLock must be owned by the caller; a plain Lock has
    /// no owner, so it only has to be locked (by anyone).
    fn is_held(&self) -> bool {
        match self {
            ConditionLock::Lock(lock) => lock.locked(),
            ConditionLock::RLock(lock) => lock.is_owned(),
        }
    }

    /// Releases the lock completely (every level of an RLock).
    fn release_all(&self) -> Result<Saved> {
        match self {
            ConditionLock::Lock(lock) => lock.release().map(|()| None),
            ConditionLock::RLock(lock) => lock.release_save().map(Some),
        }
    }

    fn restore(&self, saved: Saved) -> Result<()> {
        match (self, saved) {
            (ConditionLock::RLock(lock), Some(saved)) => lock.acquire_restore(saved),
            (ConditionLock::RLock(lock), None) => lock.acquire(),
            (ConditionLock::Lock(lock), _) => lock.acquire(),
        }
    }
}

pub struct Condition {
    rt: Runtime,
    id: ObjectId,
    lock: ConditionLock,
    state: Mutex<ConditionState>,
}

#[derive(Default)]
struct ConditionState {
    next_ticket: u64,
    /// The threads inside `wait` that have not been notified, by ticket: tickets only grow, so
    /// the map's order is arrival order.
    waiting: BTreeMap<u64, WaitList>,
    /// What `wait_on` gets to look at once a waiter's entry is gone (it only needs a list to
    /// try to cancel from); always empty.
    gone: WaitList,
}

impl ConditionState {
    fn list_of(&mut self, ticket: u64) -> &mut WaitList {
        match self.waiting.get_mut(&ticket) {
            Some(list) => list,
            None => &mut self.gone,
        }
    }
}

impl Condition {
    /// A condition built on `lock` (`Condition(lock)`).
    pub fn new(rt: &Runtime, lock: ConditionLock) -> Condition {
        Condition {
            rt: rt.clone(),
            id: rt.new_object_id(ObjectKind::Condition),
            lock,
            state: Mutex::new(ConditionState::default()),
        }
    }

    /// A condition with a new RLock of its own, as `Condition()` makes.
    pub fn with_rlock(rt: &Runtime) -> Condition {
        Condition::new(rt, ConditionLock::RLock(Arc::new(RLock::new(rt))))
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    pub fn lock(&self) -> &ConditionLock {
        &self.lock
    }

    /// Acquires the underlying lock.
    pub fn acquire(&self) -> Result<()> {
        match &self.lock {
            ConditionLock::Lock(lock) => lock.acquire(),
            ConditionLock::RLock(lock) => lock.acquire(),
        }
    }

    /// Acquires the underlying lock, waiting at most `timeout` (`None`: forever).
    pub fn acquire_timeout(&self, timeout: Option<Duration>) -> Result<bool> {
        match &self.lock {
            ConditionLock::Lock(lock) => lock.acquire_timeout(timeout),
            ConditionLock::RLock(lock) => lock.acquire_timeout(timeout),
        }
    }

    /// Acquires the underlying lock only if that needs no waiting.
    pub fn try_acquire(&self) -> Result<bool> {
        match &self.lock {
            ConditionLock::Lock(lock) => lock.try_acquire(),
            ConditionLock::RLock(lock) => lock.try_acquire(),
        }
    }

    /// Releases the underlying lock (one level of an RLock).
    pub fn release(&self) -> Result<()> {
        match &self.lock {
            ConditionLock::Lock(lock) => lock.release(),
            ConditionLock::RLock(lock) => lock.release(),
        }
    }

    /// Releases the lock, waits until notified or until `timeout` passes (`None`: forever),
    /// and re-acquires the lock (also after a timeout). Returns whether it was notified.
    /// The caller must hold the lock.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        if !self.lock.is_held() {
            return Err(Error::ConditionNotHeld("wait"));
        }
        let deadline = deadline(&self.rt, timeout);
        let ticket = {
            let mut state = lock(&self.state);
            let ticket = state.next_ticket;
            state.next_ticket += 1;
            state.waiting.insert(ticket, WaitList::default());
            ticket
        };
        let saved = match self.lock.release_all() {
            Ok(saved) => saved,
            Err(err) => {
                lock(&self.state).waiting.remove(&ticket);
                return Err(err);
            }
        };
        let notified = self.await_notify(ticket, deadline);
        // Like CPython's `finally`, the lock is taken back whatever happened; while the run is
        // stopping that may fail too, and the first error wins.
        let restored = self.lock.restore(saved);
        let notified = notified?;
        restored?;
        Ok(notified)
    }

    fn await_notify(&self, ticket: u64, deadline: Option<Time>) -> Result<bool> {
        let rt = &self.rt;
        let mut state = lock(&self.state);
        loop {
            if !state.waiting.contains_key(&ticket) {
                return Ok(true);
            }
            // Checked after the entry, so a notify that races with the deadline still counts:
            // CPython would drop it, but then the notifier's wake-up would be lost.
            if expired(rt, deadline) {
                state.waiting.remove(&ticket);
                return Ok(false);
            }
            let waiting_for = WaitFor::Object {
                object: self.id,
                holder: None,
            };
            state = match wait_on(
                rt,
                &self.state,
                state,
                |state| state.list_of(ticket),
                deadline,
                waiting_for,
            ) {
                Ok((state, _)) => state,
                Err(err) => {
                    lock(&self.state).waiting.remove(&ticket);
                    return Err(err);
                }
            };
        }
    }

    /// Waits until `predicate()` holds, for at most `timeout` in all (`None`: forever), and
    /// returns its last value. The predicate runs with the lock held; as in CPython it is
    /// tried once before any waiting, so a true predicate needs no lock check.
    pub fn wait_for(
        &self,
        mut predicate: impl FnMut() -> Result<bool>,
        timeout: Option<Duration>,
    ) -> Result<bool> {
        let mut end: Option<Time> = None;
        let mut result = predicate()?;
        while !result {
            let wait = match (timeout, end) {
                (None, _) => None,
                (Some(timeout), None) => {
                    end = Some(self.rt.now().after(timeout));
                    Some(timeout)
                }
                (Some(_), Some(end)) => {
                    let left = self.rt.now().until(end);
                    if left.is_zero() {
                        break;
                    }
                    Some(left)
                }
            };
            self.wait(wait)?;
            result = predicate()?;
        }
        Ok(result)
    }

    /// Wakes the `n` longest-waiting threads (fewer if fewer wait). The caller must hold the
    /// lock.
    pub fn notify(&self, n: usize) -> Result<()> {
        if !self.lock.is_held() {
            return Err(Error::ConditionNotHeld("notify"));
        }
        let mut state = lock(&self.state);
        for _ in 0..n {
            let Some((_, mut list)) = state.waiting.pop_first() else {
                break;
            };
            list.notify_one(&self.rt);
        }
        Ok(())
    }

    /// Wakes every waiting thread. The caller must hold the lock.
    pub fn notify_all(&self) -> Result<()> {
        self.notify(usize::MAX)
    }
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condition")
            .field("id", &self.id)
            .field("lock", &self.lock)
            .field("waiting", &lock(&self.state).waiting.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::sched::Mode;
    use crate::sync::testing::{runtimes, wait_until};
    use crate::thread::ThreadOptions;
    use crate::ExceptionKind;

    /// One condition of each flavour: on its default RLock, and on a plain Lock.
    fn conditions(rt: &Runtime) -> [Arc<Condition>; 2] {
        [
            Arc::new(Condition::with_rlock(rt)),
            Arc::new(Condition::new(rt, Arc::new(Lock::new(rt)).into())),
        ]
    }

    fn waiting(cond: &Condition) -> usize {
        lock(&cond.state).waiting.len()
    }

    fn locked(cond: &Condition) -> bool {
        match cond.lock() {
            ConditionLock::Lock(lock) => lock.locked(),
            ConditionLock::RLock(lock) => lock.owner().is_some(),
        }
    }

    #[test]
    fn acquire_and_release_go_to_the_lock() {
        for rt in runtimes() {
            let [rcond, cond] = conditions(&rt);
            rcond.acquire().unwrap();
            // The default RLock is reentrant.
            assert!(rcond.try_acquire().unwrap());
            assert!(rcond.acquire_timeout(None).unwrap());
            for _ in 0..3 {
                rcond.release().unwrap();
            }
            assert_eq!(rcond.release(), Err(Error::ReleaseUnowned));

            cond.acquire().unwrap();
            assert!(!cond.try_acquire().unwrap());
            assert!(!cond.acquire_timeout(Some(Duration::ZERO)).unwrap());
            cond.release().unwrap();
            assert_eq!(cond.release(), Err(Error::ReleaseUnlocked));
        }
    }

    #[test]
    fn wait_and_notify_need_the_lock() {
        let rt = Runtime::new(Mode::Parallel);
        for cond in conditions(&rt) {
            assert_eq!(cond.wait(None), Err(Error::ConditionNotHeld("wait")));
            assert_eq!(cond.notify(1), Err(Error::ConditionNotHeld("notify")));
            assert_eq!(cond.notify_all(), Err(Error::ConditionNotHeld("notify")));
            assert_eq!(
                cond.wait_for(|| Ok(false), None),
                Err(Error::ConditionNotHeld("wait"))
            );
            // A predicate that already holds returns before any check, as in CPython.
            assert_eq!(cond.wait_for(|| Ok(true), None), Ok(true));
        }
        assert_eq!(
            Error::ConditionNotHeld("wait").to_string(),
            "cannot wait on un-acquired lock"
        );
        assert_eq!(
            Error::ConditionNotHeld("notify").to_string(),
            "cannot notify on un-acquired lock"
        );
        assert_eq!(
            Error::ConditionNotHeld("wait").exception(),
            ExceptionKind::RuntimeError
        );
    }

    #[test]
    fn an_rlock_held_by_another_thread_does_not_count_as_held() {
        let rt = Runtime::new(Mode::Parallel);
        let cond = Arc::new(Condition::with_rlock(&rt));
        cond.acquire().unwrap();
        let outcome = Arc::new(std::sync::Mutex::new(None));
        let (other, out) = (cond.clone(), outcome.clone());
        let t = rt
            .spawn(ThreadOptions::default(), move || {
                *out.lock().unwrap() = Some((other.notify(1), other.wait(None)));
            })
            .unwrap();
        t.join(None).unwrap();
        assert_eq!(
            outcome.lock().unwrap().take(),
            Some((
                Err(Error::ConditionNotHeld("notify")),
                Err(Error::ConditionNotHeld("wait"))
            ))
        );
        cond.release().unwrap();
    }

    #[test]
    fn a_timed_out_wait_returns_false_and_holds_the_lock_again() {
        for rt in runtimes() {
            for cond in conditions(&rt) {
                cond.acquire().unwrap();
                assert!(!cond.wait(Some(Duration::from_millis(10))).unwrap());
                assert!(!cond.wait(Some(Duration::ZERO)).unwrap());
                assert!(cond.lock.is_held());
                assert_eq!(waiting(&cond), 0);
                assert!(!cond
                    .wait_for(|| Ok(false), Some(Duration::from_millis(10)))
                    .unwrap());
                assert!(cond.lock.is_held());
                cond.release().unwrap();
                assert!(!locked(&cond));
            }
        }
    }

    #[test]
    fn wait_releases_the_lock_while_waiting_and_returns_true_when_notified() {
        for rt in runtimes() {
            for cond in conditions(&rt) {
                let outcome = Arc::new(std::sync::Mutex::new(None));
                let (other, out) = (cond.clone(), outcome.clone());
                let t = rt
                    .spawn(ThreadOptions::default(), move || {
                        other.acquire().unwrap();
                        let notified = other.wait(None);
                        let held = other.lock.is_held();
                        other.release().unwrap();
                        *out.lock().unwrap() = Some((notified, held));
                    })
                    .unwrap();
                wait_until(&rt, || waiting(&cond) == 1);
                // The waiter let go of the lock, so this does not block.
                cond.acquire().unwrap();
                cond.notify(1).unwrap();
                assert_eq!(waiting(&cond), 0);
                cond.release().unwrap();
                t.join(None).unwrap();
                assert_eq!(outcome.lock().unwrap().take(), Some((Ok(true), true)));
                assert!(!locked(&cond));
            }
        }
    }

    #[test]
    fn wait_releases_every_level_of_an_rlock_and_restores_them() {
        for rt in runtimes() {
            let cond = Arc::new(Condition::with_rlock(&rt));
            let ConditionLock::RLock(rlock) = cond.lock().clone() else {
                unreachable!()
            };
            let depth = Arc::new(AtomicUsize::new(0));
            let (other, seen) = (cond.clone(), depth.clone());
            let t = rt
                .spawn(ThreadOptions::default(), move || {
                    for _ in 0..3 {
                        other.acquire().unwrap();
                    }
                    other.wait(None).unwrap();
                    let ConditionLock::RLock(rlock) = other.lock() else {
                        unreachable!()
                    };
                    seen.store(rlock.count(), Ordering::SeqCst);
                    for _ in 0..3 {
                        other.release().unwrap();
                    }
                })
                .unwrap();
            wait_until(&rt, || waiting(&cond) == 1 && rlock.owner().is_none());
            assert!(cond.try_acquire().unwrap());
            cond.notify_all().unwrap();
            cond.release().unwrap();
            t.join(None).unwrap();
            assert_eq!(depth.load(Ordering::SeqCst), 3);
            assert_eq!(rlock.owner(), None);
        }
    }

    #[test]
    fn notify_wakes_the_longest_waiting_threads_first() {
        for rt in runtimes() {
            for cond in conditions(&rt) {
                let order = Arc::new(std::sync::Mutex::new(Vec::new()));
                let threads: Vec<_> = (0..5)
                    .map(|i| {
                        let (other, order) = (cond.clone(), order.clone());
                        let t = rt
                            .spawn(ThreadOptions::default(), move || {
                                other.acquire().unwrap();
                                let notified = other.wait(None).unwrap();
                                order.lock().unwrap().push((i, notified));
                                other.release().unwrap();
                            })
                            .unwrap();
                        // Queue them one by one, so that arrival order is known.
                        wait_until(&rt, || waiting(&cond) == i + 1);
                        t
                    })
                    .collect();
                let woken = || order.lock().unwrap().len();
                cond.acquire().unwrap();
                cond.notify(1).unwrap();
                cond.release().unwrap();
                wait_until(&rt, || woken() == 1);
                assert_eq!(waiting(&cond), 4);
                cond.acquire().unwrap();
                cond.notify(3).unwrap();
                cond.release().unwrap();
                wait_until(&rt, || woken() == 4);
                assert_eq!(waiting(&cond), 1);
                cond.acquire().unwrap();
                // More than are waiting is fine.
                cond.notify(10).unwrap();
                cond.release().unwrap();
                for t in threads {
                    t.join(None).unwrap();
                }
                let order = order.lock().unwrap().clone();
                assert_eq!(order[0], (0, true));
                let mut middle = order[1..4].to_vec();
                middle.sort();
                assert_eq!(middle, vec![(1, true), (2, true), (3, true)]);
                assert_eq!(order[4], (4, true));
            }
        }
    }

    #[test]
    fn notify_all_wakes_everyone_and_notify_without_waiters_is_harmless() {
        for rt in runtimes() {
            for cond in conditions(&rt) {
                cond.acquire().unwrap();
                cond.notify(1).unwrap();
                cond.notify_all().unwrap();
                cond.release().unwrap();
                let woken = Arc::new(AtomicUsize::new(0));
                let threads: Vec<_> = (0..4)
                    .map(|_| {
                        let (cond, woken) = (cond.clone(), woken.clone());
                        rt.spawn(ThreadOptions::default(), move || {
                            cond.acquire().unwrap();
                            if cond.wait(None).unwrap() {
                                woken.fetch_add(1, Ordering::SeqCst);
                            }
                            cond.release().unwrap();
                        })
                        .unwrap()
                    })
                    .collect();
                wait_until(&rt, || waiting(&cond) == 4);
                cond.acquire().unwrap();
                cond.notify_all().unwrap();
                cond.release().unwrap();
                for t in threads {
                    t.join(None).unwrap();
                }
                assert_eq!(woken.load(Ordering::SeqCst), 4);
            }
        }
    }

    #[test]
    fn wait_for_returns_once_the_predicate_holds() {
        for rt in runtimes() {
            for cond in conditions(&rt) {
                let state = Arc::new(AtomicUsize::new(0));
                let results = Arc::new(std::sync::Mutex::new(Vec::new()));
                let threads: Vec<_> = (0..3)
                    .map(|_| {
                        let (cond, state, results) = (cond.clone(), state.clone(), results.clone());
                        rt.spawn(ThreadOptions::default(), move || {
                            cond.acquire().unwrap();
                            let result = cond.wait_for(
                                || Ok(state.load(Ordering::SeqCst) == 4),
                                Some(Duration::from_secs(3600)),
                            );
                            let seen = state.load(Ordering::SeqCst);
                            cond.release().unwrap();
                            results.lock().unwrap().push((result, seen));
                        })
                        .unwrap()
                    })
                    .collect();
                for step in 1..=4 {
                    wait_until(&rt, || waiting(&cond) == 3);
                    cond.acquire().unwrap();
                    state.store(step, Ordering::SeqCst);
                    cond.notify_all().unwrap();
                    cond.release().unwrap();
                }
                for t in threads {
                    t.join(None).unwrap();
                }
                assert_eq!(waiting(&cond), 0);
                assert_eq!(*results.lock().unwrap(), vec![(Ok(true), 4); 3]);
            }
        }
    }

    #[test]
    fn a_failing_predicate_propagates_its_error() {
        let rt = Runtime::new(Mode::Parallel);
        let cond = Condition::with_rlock(&rt);
        cond.acquire().unwrap();
        let mut calls = 0;
        let result = cond.wait_for(
            || {
                calls += 1;
                if calls == 2 {
                    Err(Error::QueueEmpty)
                } else {
                    Ok(false)
                }
            },
            Some(Duration::ZERO),
        );
        assert_eq!(result, Err(Error::QueueEmpty));
        assert!(cond.lock.is_held());
        cond.release().unwrap();
    }

    /// Two threads hand a token back and forth many times; a wake-up lost between a waiter's
    /// release of the lock and its parking would hang this test.
    #[test]
    fn ping_pong_loses_no_wake_up() {
        for rt in runtimes() {
            for cond in conditions(&rt) {
                let turn = Arc::new(AtomicUsize::new(0));
                let rounds = 500;
                let players: Vec<_> = (0..2)
                    .map(|me| {
                        let (cond, turn) = (cond.clone(), turn.clone());
                        rt.spawn(ThreadOptions::default(), move || {
                            for round in 0..rounds {
                                cond.acquire().unwrap();
                                while turn.load(Ordering::SeqCst) != 2 * round + me {
                                    cond.wait(None).unwrap();
                                }
                                turn.fetch_add(1, Ordering::SeqCst);
                                cond.notify(1).unwrap();
                                cond.release().unwrap();
                            }
                        })
                        .unwrap()
                    })
                    .collect();
                for t in players {
                    t.join(None).unwrap();
                }
                assert_eq!(turn.load(Ordering::SeqCst), 2 * rounds);
            }
        }
    }

    #[test]
    fn ids_name_the_kind() {
        let rt = Runtime::new(Mode::Parallel);
        let cond = Condition::with_rlock(&rt);
        assert_eq!(cond.id().to_string(), "Condition#1");
        let ConditionLock::RLock(rlock) = cond.lock() else {
            panic!("the default lock is an RLock")
        };
        assert_eq!(rlock.id().to_string(), "RLock#1");
    }
}
