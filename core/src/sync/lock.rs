//! `threading.Lock`: a non-reentrant lock that any thread may release. Not FIFO: a releasing
//! thread wakes one waiter, but a running thread may take the lock first ("barging"), as in
//! CPython.

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired};
use crate::time::Time;
use crate::trace::EventKind;
use crate::util::lock;

/// The lock's atomic state:
///
/// | bits | meaning |
/// |---|---|
/// | `LOCKED` | somebody holds the lock |
/// | `PARKED` | the wait list may be non-empty: release must take the slow path |
///
/// `PARKED` is only set with the internal mutex held, and only cleared by a release that holds
/// it and sees an empty wait list, so a fast-path release (a CAS from exactly `LOCKED` to 0) can
/// never miss a waiter.
const LOCKED: u8 = 0b01;
const PARKED: u8 = 0b10;

const NO_OWNER: u32 = u32::MAX;

/// How many times an uncontended-looking lock is retried before parking, when the scheduler
/// says spinning can help (truly parallel threads).
const SPIN_ROUNDS: u32 = 7;

pub struct Lock {
    rt: Runtime,
    id: ObjectId,
    state: AtomicU8,
    /// The number of the thread that last acquired it through the slow path; for deadlock
    /// reports, which only need it when every operation is observed.
    owner: AtomicU32,
    waiters: Mutex<WaitList>,
}

impl Lock {
    pub fn new(rt: &Runtime) -> Lock {
        Lock {
            rt: rt.clone(),
            id: rt.new_object_id(ObjectKind::Lock),
            state: AtomicU8::new(0),
            owner: AtomicU32::new(NO_OWNER),
            waiters: Mutex::new(WaitList::default()),
        }
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// Blocks until the lock is acquired.
    #[inline]
    pub fn acquire(&self) -> Result<()> {
        if self.try_fast_acquire() {
            return Ok(());
        }
        self.acquire_slow(Some(None)).map(drop)
    }

    /// Blocks for at most `timeout` (`None`: forever); returns whether the lock was acquired.
    #[inline]
    pub fn acquire_timeout(&self, timeout: Option<Duration>) -> Result<bool> {
        if self.try_fast_acquire() {
            return Ok(true);
        }
        self.acquire_slow(Some(deadline(&self.rt, timeout)))
    }

    /// Acquires only if free right now (`acquire(blocking=False)`).
    #[inline]
    pub fn try_acquire(&self) -> Result<bool> {
        if self.try_fast_acquire() {
            return Ok(true);
        }
        self.acquire_slow(None)
    }

    /// Releases the lock; any thread may release it. Errors if it is not locked.
    #[inline]
    pub fn release(&self) -> Result<()> {
        if !self.rt.observed()
            && self
                .state
                .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(());
        }
        self.release_slow()
    }

    pub fn locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    #[inline]
    fn try_fast_acquire(&self) -> bool {
        !self.rt.observed()
            && self
                .state
                .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    fn try_take(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & LOCKED == 0 {
            match self.state.compare_exchange_weak(
                state,
                state | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
        false
    }

    /// `wait`: `None` never blocks; `Some(deadline)` blocks until the deadline (`Some(None)`:
    /// forever).
    #[cold]
    fn acquire_slow(&self, wait: Option<Option<Time>>) -> Result<bool> {
        let rt = &self.rt;
        let me = rt.current();
        if rt.observed() {
            rt.check_stop()?;
            rt.scheduler().yield_now(&me)?;
        } else if rt.scheduler().spinning_helps() {
            for round in 0..SPIN_ROUNDS {
                if self.state.load(Ordering::Relaxed) & PARKED != 0 {
                    break;
                }
                if self.try_take() {
                    self.owner.store(me.num(), Ordering::Relaxed);
                    return Ok(true);
                }
                for _ in 0..(1u32 << round) {
                    std::hint::spin_loop();
                }
            }
        }
        loop {
            if self.try_take() {
                self.owner.store(me.num(), Ordering::Relaxed);
                rt.record_for(&me, || EventKind::Acquire { object: self.id });
                return Ok(true);
            }
            let Some(deadline) = wait else {
                return Ok(false);
            };
            if expired(rt, deadline) {
                return Ok(false);
            }
            let waiters = lock(&self.waiters);
            if self.state.fetch_or(PARKED, Ordering::Relaxed) & LOCKED == 0 {
                // Released meanwhile: retry instead of sleeping on a free lock.
                continue;
            }
            let holder = match self.owner.load(Ordering::Relaxed) {
                NO_OWNER => None,
                owner => Some(owner),
            };
            let waiting_for = WaitFor::Object {
                object: self.id,
                holder,
            };
            drop(wait_on(
                rt,
                &self.waiters,
                waiters,
                |list| list,
                deadline,
                waiting_for,
            )?);
        }
    }

    #[cold]
    fn release_slow(&self) -> Result<()> {
        let rt = &self.rt;
        {
            let mut waiters = lock(&self.waiters);
            let mut state = self.state.load(Ordering::Relaxed);
            loop {
                if state & LOCKED == 0 {
                    return Err(Error::ReleaseUnlocked);
                }
                let next = if waiters.is_empty() { 0 } else { PARKED };
                match self.state.compare_exchange_weak(
                    state,
                    next,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(actual) => state = actual,
                }
            }
            self.owner.store(NO_OWNER, Ordering::Relaxed);
            waiters.notify_one(rt);
        }
        if rt.observed() {
            let me = rt.current();
            rt.record_for(&me, || EventKind::Release { object: self.id });
            rt.scheduler().yield_now(&me)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("id", &self.id)
            .field("locked", &self.locked())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sched::Mode;
    use crate::sync::testing::runtimes;
    use crate::thread::ThreadOptions;

    #[test]
    fn acquire_release_and_locked() {
        for rt in runtimes() {
            let lock = Lock::new(&rt);
            assert!(!lock.locked());
            lock.acquire().unwrap();
            assert!(lock.locked());
            assert!(!lock.try_acquire().unwrap());
            lock.release().unwrap();
            assert!(!lock.locked());
            assert!(lock.try_acquire().unwrap());
            lock.release().unwrap();
        }
    }

    #[test]
    fn releasing_an_unlocked_lock_is_an_error() {
        for rt in runtimes() {
            let lock = Lock::new(&rt);
            assert_eq!(lock.release(), Err(Error::ReleaseUnlocked));
            assert_eq!(Error::ReleaseUnlocked.to_string(), "release unlocked lock");
        }
    }

    #[test]
    fn timeout_returns_false_while_held() {
        for rt in runtimes() {
            let lock = Lock::new(&rt);
            lock.acquire().unwrap();
            assert!(!lock
                .acquire_timeout(Some(Duration::from_millis(10)))
                .unwrap());
            assert!(!lock.acquire_timeout(Some(Duration::ZERO)).unwrap());
            lock.release().unwrap();
        }
    }

    #[test]
    fn another_thread_may_release() {
        for rt in runtimes() {
            let lock = Arc::new(Lock::new(&rt));
            lock.acquire().unwrap();
            let other = lock.clone();
            let t = rt
                .spawn(ThreadOptions::default(), move || other.release().unwrap())
                .unwrap();
            // Blocks until the other thread releases it.
            lock.acquire().unwrap();
            t.join(None).unwrap();
            lock.release().unwrap();
        }
    }

    #[test]
    fn mutual_exclusion_under_contention() {
        for rt in runtimes() {
            let lock = Arc::new(Lock::new(&rt));
            let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let (lock, counter) = (lock.clone(), counter.clone());
                    rt.spawn(ThreadOptions::default(), move || {
                        for _ in 0..2_000 {
                            lock.acquire().unwrap();
                            // A non-atomic read-modify-write: lost updates would show without
                            // mutual exclusion.
                            let seen = counter.load(Ordering::Relaxed);
                            std::hint::spin_loop();
                            counter.store(seen + 1, Ordering::Relaxed);
                            lock.release().unwrap();
                        }
                    })
                    .unwrap()
                })
                .collect();
            for t in threads {
                t.join(None).unwrap();
            }
            assert_eq!(counter.load(Ordering::Relaxed), 8_000);
            assert!(!lock.locked());
        }
    }

    #[test]
    fn ids_are_stable_per_run() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(Lock::new(&rt).id().to_string(), "Lock#1");
        assert_eq!(Lock::new(&rt).id().to_string(), "Lock#2");
    }
}
