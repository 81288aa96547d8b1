//! `threading.RLock`: a reentrant lock, owned by the thread that acquired it. The owner may
//! acquire it again; it is free once released as many times as it was acquired. Only the owner
//! may release it. Like `Lock` it is not FIFO: a running thread may take a just-released lock
//! before the waiter that was woken for it.

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
use crate::trace::EventKind;
use crate::util::lock;

pub struct RLock {
    rt: Runtime,
    id: ObjectId,
    state: Mutex<RLockState>,
}

/// `owner` is `None` exactly when `count` is 0.
#[derive(Default)]
struct RLockState {
    owner: Option<u32>,
    count: usize,
    waiters: WaitList,
}

impl RLock {
    pub fn new(rt: &Runtime) -> RLock {
        RLock {
            rt: rt.clone(),
            id: rt.new_object_id(ObjectKind::RLock),
            state: Mutex::new(RLockState::default()),
        }
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// Blocks until the calling thread owns the lock; acquiring it again only counts up.
    pub fn acquire(&self) -> Result<()> {
        self.acquire_with(Some(None)).map(drop)
    }

    /// Blocks for at most `timeout` (`None`: forever); returns whether the lock was acquired.
    pub fn acquire_timeout(&self, timeout: Option<Duration>) -> Result<bool> {
        self.acquire_with(Some(deadline(&self.rt, timeout)))
    }

    /// Acquires only if free or already owned by the caller (`acquire(blocking=False)`).
    pub fn try_acquire(&self) -> Result<bool> {
        self.acquire_with(None)
    }

    /// Undoes one acquisition; the lock is free once the count reaches 0. Errors unless the
    /// calling thread owns it.
    pub fn release(&self) -> Result<()> {
        let me = self.rt.current();
        {
            let mut state = lock(&self.state);
            if state.owner != Some(me.num()) {
                return Err(Error::ReleaseUnowned);
            }
            state.count -= 1;
            if state.count > 0 {
                return Ok(());
            }
            state.owner = None;
            state.waiters.notify_one(&self.rt);
        }
        self.released(&me)
    }

    /// True when the calling thread owns the lock (CPython's `_is_owned`).
    pub fn is_owned(&self) -> bool {
        let me = self.rt.current().num();
        lock(&self.state).owner == Some(me)
    }

    /// The number of the owning thread, if any.
    pub fn owner(&self) -> Option<u32> {
        lock(&self.state).owner
    }

    /// How many times the owner has acquired it (0 when free).
    pub fn count(&self) -> usize {
        lock(&self.state).count
    }

    /// Frees the lock however deeply the caller holds it, and returns what
    /// [`acquire_restore`](RLock::acquire_restore) needs to put it back (`Condition.wait`).
    pub(crate) fn release_save(&self) -> Result<(u32, usize)> {
        let me = self.rt.current();
        let saved = {
            let mut state = lock(&self.state);
            let Some(owner) = state.owner.filter(|&owner| owner == me.num()) else {
                return Err(Error::ReleaseUnowned);
            };
            let saved = (owner, state.count);
            state.owner = None;
            state.count = 0;
            state.waiters.notify_one(&self.rt);
            saved
        };
        self.released(&me)?;
        Ok(saved)
    }

    /// Blocks until the lock is free, then takes it back with the saved owner and count.
    pub(crate) fn acquire_restore(&self, (owner, count): (u32, usize)) -> Result<()> {
        let me = self.rt.current();
        scheduling_point(&self.rt, &me)?;
        let state = lock(&self.state);
        self.take(&me, state, Some(None), owner, count).map(drop)
    }

    /// `wait`: `None` never blocks; `Some(deadline)` blocks until the deadline (`Some(None)`:
    /// forever).
    fn acquire_with(&self, wait: Option<Option<Time>>) -> Result<bool> {
        let me = self.rt.current();
        scheduling_point(&self.rt, &me)?;
        let mut state = lock(&self.state);
        if state.owner == Some(me.num()) {
            state.count = state
                .count
                .checked_add(1)
                .ok_or(Error::RLockCountOverflow)?;
            return Ok(true);
        }
        self.take(&me, state, wait, me.num(), 1)
    }

    /// Waits (per `wait`, as in `acquire_with`) until nobody owns the lock, then makes `owner`
    /// its owner with `count`.
    fn take<'a>(
        &'a self,
        me: &ThreadRef,
        mut state: MutexGuard<'a, RLockState>,
        wait: Option<Option<Time>>,
        owner: u32,
        count: usize,
    ) -> Result<bool> {
        loop {
            if state.owner.is_none() {
                state.owner = Some(owner);
                state.count = count;
                drop(state);
                self.rt
                    .record_for(me, || EventKind::Acquire { object: self.id });
                return Ok(true);
            }
            let Some(deadline) = wait else {
                return Ok(false);
            };
            if expired(&self.rt, deadline) {
                return Ok(false);
            }
            let waiting_for = WaitFor::Object {
                object: self.id,
                holder: state.owner,
            };
            state = wait_on(
                &self.rt,
                &self.state,
                state,
                |state| &mut state.waiters,
                deadline,
                waiting_for,
            )?
            .0;
        }
    }

    /// Called with the internal mutex released, after the lock became free.
    fn released(&self, me: &ThreadRef) -> Result<()> {
        if self.rt.observed() {
            self.rt
                .record_for(me, || EventKind::Release { object: self.id });
            self.rt.scheduler().yield_now(me)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for RLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("RLock")
            .field("id", &self.id)
            .field("owner", &state.owner)
            .field("count", &state.count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::sched::Mode;
    use crate::sync::testing::{event_kinds, runtimes, spawn, wait_until};
    use crate::sync::Event;
    use crate::thread::ThreadOptions;

    fn waiting(rlock: &RLock) -> usize {
        lock(&rlock.state).waiters.len()
    }

    /// Runs `body` on a new thread of `rt` and returns its result once it has finished.
    fn on_thread<T: Send + 'static>(rt: &Runtime, body: impl FnOnce() -> T + Send + 'static) -> T {
        spawn(rt, body).join()
    }

    #[test]
    fn the_owner_reacquires_and_must_release_as_often() {
        for rt in runtimes() {
            let lock = RLock::new(&rt);
            assert_eq!((lock.owner(), lock.count()), (None, 0));
            lock.acquire().unwrap();
            assert!(lock.try_acquire().unwrap());
            assert!(lock.acquire_timeout(Some(Duration::ZERO)).unwrap());
            assert_eq!(lock.count(), 3);
            assert_eq!(lock.owner(), Some(rt.current().num()));
            assert!(lock.is_owned());
            lock.release().unwrap();
            lock.release().unwrap();
            assert!(lock.is_owned());
            lock.release().unwrap();
            assert!(!lock.is_owned());
            assert_eq!((lock.owner(), lock.count()), (None, 0));
            assert_eq!(lock.release(), Err(Error::ReleaseUnowned));
        }
    }

    #[test]
    fn releasing_an_unowned_rlock_is_a_runtime_error() {
        let rt = Runtime::new(Mode::Parallel);
        let lock = RLock::new(&rt);
        assert_eq!(lock.release(), Err(Error::ReleaseUnowned));
        assert_eq!(lock.release_save(), Err(Error::ReleaseUnowned));
        assert_eq!(
            Error::ReleaseUnowned.to_string(),
            "cannot release un-acquired lock"
        );
        assert_eq!(
            Error::ReleaseUnowned.exception(),
            crate::ExceptionKind::RuntimeError
        );
    }

    #[test]
    fn another_thread_can_neither_release_nor_take_it() {
        for rt in runtimes() {
            let lock = Arc::new(RLock::new(&rt));
            lock.acquire().unwrap();
            let other = lock.clone();
            let (released, tried, timed, owned) = on_thread(&rt, move || {
                (
                    other.release(),
                    other.try_acquire().unwrap(),
                    other
                        .acquire_timeout(Some(Duration::from_millis(10)))
                        .unwrap(),
                    other.is_owned(),
                )
            });
            assert_eq!(released, Err(Error::ReleaseUnowned));
            assert!(!tried && !timed && !owned);
            // The failed attempts left the main thread's ownership alone.
            assert_eq!(lock.count(), 1);
            assert!(lock.is_owned());
            lock.release().unwrap();
        }
    }

    #[test]
    fn a_waiter_gets_it_once_the_owner_releases_every_level() {
        for rt in runtimes() {
            let lock = Arc::new(RLock::new(&rt));
            let acquired = Arc::new(Event::new(&rt));
            let count_seen = Arc::new(AtomicU64::new(0));
            lock.acquire().unwrap();
            lock.acquire().unwrap();
            let (other, flag, seen) = (lock.clone(), acquired.clone(), count_seen.clone());
            let t = rt
                .spawn(ThreadOptions::default(), move || {
                    other.acquire().unwrap();
                    seen.store(other.count() as u64, Ordering::Relaxed);
                    flag.set();
                    other.release().unwrap();
                })
                .unwrap();
            wait_until(&rt, || waiting(&lock) == 1);
            lock.release().unwrap();
            // Still held once: the waiter cannot have it yet.
            assert!(!acquired.is_set());
            assert_eq!(waiting(&lock), 1);
            lock.release().unwrap();
            t.join(None).unwrap();
            assert!(acquired.is_set());
            assert_eq!(count_seen.load(Ordering::Relaxed), 1);
            assert_eq!(lock.owner(), None);
        }
    }

    #[test]
    fn release_save_frees_every_level_and_acquire_restore_puts_them_back() {
        for rt in runtimes() {
            let lock = Arc::new(RLock::new(&rt));
            for _ in 0..3 {
                lock.acquire().unwrap();
            }
            let saved = lock.release_save().unwrap();
            assert_eq!(saved, (rt.current().num(), 3));
            assert_eq!((lock.owner(), lock.count()), (None, 0));
            let other = lock.clone();
            assert!(on_thread(&rt, move || {
                let got = other.try_acquire().unwrap();
                other.release().unwrap();
                got
            }));
            lock.acquire_restore(saved).unwrap();
            assert_eq!(lock.count(), 3);
            assert!(lock.is_owned());
            for _ in 0..3 {
                lock.release().unwrap();
            }
            assert_eq!(lock.owner(), None);
        }
    }

    #[test]
    fn mutual_exclusion_with_recursion_under_contention() {
        for rt in runtimes() {
            let lock = Arc::new(RLock::new(&rt));
            let counter = Arc::new(AtomicU64::new(0));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let (lock, counter) = (lock.clone(), counter.clone());
                    rt.spawn(ThreadOptions::default(), move || {
                        for _ in 0..1_000 {
                            lock.acquire().unwrap();
                            lock.acquire().unwrap();
                            let seen = counter.load(Ordering::Relaxed);
                            std::hint::spin_loop();
                            counter.store(seen + 1, Ordering::Relaxed);
                            lock.release().unwrap();
                            lock.release().unwrap();
                        }
                    })
                    .unwrap()
                })
                .collect();
            for t in threads {
                t.join(None).unwrap();
            }
            assert_eq!(counter.load(Ordering::Relaxed), 4_000);
            assert_eq!((lock.owner(), lock.count()), (None, 0));
        }
    }

    #[test]
    fn traced_runs_record_the_outermost_acquire_and_release_only() {
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let lock = RLock::new(&rt);
        lock.acquire().unwrap();
        lock.acquire().unwrap();
        lock.release().unwrap();
        lock.release().unwrap();
        let kinds = event_kinds(&rt, |kind| {
            matches!(kind, EventKind::Acquire { object } | EventKind::Release { object }
                if *object == lock.id())
        });
        assert_eq!(
            kinds,
            vec![
                EventKind::Acquire { object: lock.id() },
                EventKind::Release { object: lock.id() }
            ]
        );
    }

    #[test]
    fn ids_count_rlocks_separately() {
        let rt = Runtime::new(Mode::Parallel);
        let _lock = crate::sync::Lock::new(&rt);
        assert_eq!(RLock::new(&rt).id().to_string(), "RLock#1");
        assert_eq!(RLock::new(&rt).id().to_string(), "RLock#2");
    }
}
