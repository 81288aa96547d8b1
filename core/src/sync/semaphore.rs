//! `threading.Semaphore` and `threading.BoundedSemaphore`: a counter that `acquire` takes one
//! from, blocking while it is 0, and `release(n)` adds to, waking up to `n` waiters in arrival
//! order. As in CPython a running thread may take a released unit before a woken waiter does.
//!
//! Both types share one [`Counter`]; a bounded one only adds a ceiling at its initial value.

use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::sync::{deadline, expired, scheduling_point};
use crate::time::Time;
use crate::trace::EventKind;
use crate::util::lock;

struct Counter {
    rt: Runtime,
    id: ObjectId,
    /// The initial value, for a BoundedSemaphore: `release` may not go above it.
    ceiling: Option<usize>,
    state: Mutex<CounterState>,
}

struct CounterState {
    value: usize,
    waiters: WaitList,
}

impl Counter {
    /// Python ints are unbounded; a value beyond `usize` saturates, which no program can tell
    /// apart (it would have to acquire that many times first).
    fn new(rt: &Runtime, kind: ObjectKind, value: i64, bounded: bool) -> Result<Counter> {
        if value < 0 {
            return Err(Error::NegativeSemaphoreValue);
        }
        let value = usize::try_from(value).unwrap_or(usize::MAX);
        Ok(Counter {
            rt: rt.clone(),
            id: rt.new_object_id(kind),
            ceiling: bounded.then_some(value),
            state: Mutex::new(CounterState {
                value,
                waiters: WaitList::default(),
            }),
        })
    }

    /// `wait`: `None` never blocks; `Some(deadline)` blocks until the deadline (`Some(None)`:
    /// forever).
    fn acquire(&self, wait: Option<Option<Time>>) -> Result<bool> {
        let rt = &self.rt;
        let me = rt.current();
        scheduling_point(rt, &me)?;
        let mut state = lock(&self.state);
        loop {
            if state.value > 0 {
                state.value -= 1;
                drop(state);
                rt.record_for(&me, || EventKind::Acquire { object: self.id });
                return Ok(true);
            }
            let Some(deadline) = wait else {
                return Ok(false);
            };
            if expired(rt, deadline) {
                return Ok(false);
            }
            let waiting_for = WaitFor::Object {
                object: self.id,
                holder: None,
            };
            state = wait_on(
                rt,
                &self.state,
                state,
                |state| &mut state.waiters,
                deadline,
                waiting_for,
            )?
            .0;
        }
    }

    fn release(&self, n: usize) -> Result<()> {
        if n == 0 {
            return Err(Error::InvalidReleaseCount);
        }
        let rt = &self.rt;
        {
            let mut state = lock(&self.state);
            let value = match self.ceiling {
                Some(ceiling) => state
                    .value
                    .checked_add(n)
                    .filter(|&value| value <= ceiling)
                    .ok_or(Error::SemaphoreOverRelease)?,
                None => state.value.saturating_add(n),
            };
            state.value = value;
            state.waiters.notify(rt, n);
        }
        if rt.observed() {
            let me = rt.current();
            rt.record_for(&me, || EventKind::Release { object: self.id });
            rt.scheduler().yield_now(&me)?;
        }
        Ok(())
    }

    fn value(&self) -> usize {
        lock(&self.state).value
    }
}

/// The public face of a [`Counter`]: the same API for both semaphore types.
macro_rules! semaphore_api {
    ($name:ident, $kind:expr, $bounded:expr) => {
        impl $name {
            /// A semaphore holding `value` units; a negative value is a ValueError.
            pub fn new(rt: &Runtime, value: i64) -> Result<$name> {
                Counter::new(rt, $kind, value, $bounded).map($name)
            }

            pub fn id(&self) -> ObjectId {
                self.0.id
            }

            /// Blocks until a unit is free, and takes it.
            pub fn acquire(&self) -> Result<()> {
                self.0.acquire(Some(None)).map(drop)
            }

            /// Blocks for at most `timeout` (`None`: forever); returns whether a unit was taken.
            pub fn acquire_timeout(&self, timeout: Option<Duration>) -> Result<bool> {
                self.0.acquire(Some(deadline(&self.0.rt, timeout)))
            }

            /// Takes a unit only if one is free right now (`acquire(blocking=False)`).
            pub fn try_acquire(&self) -> Result<bool> {
                self.0.acquire(None)
            }

            /// Gives back one unit, waking one waiter.
            pub fn release(&self) -> Result<()> {
                self.0.release(1)
            }

            /// Gives back `n` units and wakes up to `n` waiters (`release(n)`, Python 3.9);
            /// `n == 0` is a ValueError.
            pub fn release_n(&self, n: usize) -> Result<()> {
                self.0.release(n)
            }

            /// The units free right now (CPython's `_value`).
            pub fn value(&self) -> usize {
                self.0.value()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("id", &self.0.id)
                    .field("value", &self.0.value())
                    .finish()
            }
        }
    };
}

/// `threading.Semaphore`: may be released any number of times.
pub struct Semaphore(Counter);

/// `threading.BoundedSemaphore`: releasing above the initial value is a ValueError, which
/// catches a release without a matching acquire.
pub struct BoundedSemaphore(Counter);

semaphore_api!(Semaphore, ObjectKind::Semaphore, false);
semaphore_api!(BoundedSemaphore, ObjectKind::BoundedSemaphore, true);

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::sched::Mode;
    use crate::sync::testing::{runtimes, wait_until};
    use crate::sync::Event;
    use crate::thread::ThreadOptions;
    use crate::ExceptionKind;

    fn waiting(counter: &Counter) -> usize {
        lock(&counter.state).waiters.len()
    }

    #[test]
    fn a_negative_initial_value_is_a_value_error() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(
            Semaphore::new(&rt, -1).err(),
            Some(Error::NegativeSemaphoreValue)
        );
        assert_eq!(
            BoundedSemaphore::new(&rt, -1).err(),
            Some(Error::NegativeSemaphoreValue)
        );
        assert_eq!(
            Error::NegativeSemaphoreValue.exception(),
            ExceptionKind::ValueError
        );
        assert_eq!(Semaphore::new(&rt, 0).unwrap().value(), 0);
    }

    #[test]
    fn acquire_counts_down_and_release_counts_up() {
        for rt in runtimes() {
            let sem = Semaphore::new(&rt, 2).unwrap();
            sem.acquire().unwrap();
            assert!(sem.try_acquire().unwrap());
            assert_eq!(sem.value(), 0);
            assert!(!sem.try_acquire().unwrap());
            assert!(!sem
                .acquire_timeout(Some(Duration::from_millis(10)))
                .unwrap());
            assert!(!sem.acquire_timeout(Some(Duration::ZERO)).unwrap());
            sem.release().unwrap();
            assert!(sem.acquire_timeout(Some(Duration::ZERO)).unwrap());
            sem.release().unwrap();
            sem.release().unwrap();
            assert_eq!(sem.value(), 2);
        }
    }

    #[test]
    fn a_plain_semaphore_may_be_released_above_its_initial_value() {
        let rt = Runtime::new(Mode::Parallel);
        let sem = Semaphore::new(&rt, 1).unwrap();
        sem.release().unwrap();
        sem.release_n(3).unwrap();
        assert_eq!(sem.value(), 5);
        sem.release_n(usize::MAX).unwrap();
        assert_eq!(sem.value(), usize::MAX);
    }

    #[test]
    fn release_n_needs_at_least_one() {
        let rt = Runtime::new(Mode::Parallel);
        let sem = Semaphore::new(&rt, 0).unwrap();
        assert_eq!(sem.release_n(0), Err(Error::InvalidReleaseCount));
        assert_eq!(
            Error::InvalidReleaseCount.to_string(),
            "n must be one or more"
        );
        assert_eq!(
            Error::InvalidReleaseCount.exception(),
            ExceptionKind::ValueError
        );
        sem.release_n(3).unwrap();
        for _ in 0..3 {
            assert!(sem.try_acquire().unwrap());
        }
        assert!(!sem.try_acquire().unwrap());
    }

    #[test]
    fn a_bounded_semaphore_refuses_to_go_above_its_initial_value() {
        for rt in runtimes() {
            let sem = BoundedSemaphore::new(&rt, 2).unwrap();
            assert_eq!(sem.release(), Err(Error::SemaphoreOverRelease));
            sem.acquire().unwrap();
            sem.acquire().unwrap();
            // A refused release_n changes nothing.
            assert_eq!(sem.release_n(3), Err(Error::SemaphoreOverRelease));
            assert_eq!(sem.value(), 0);
            sem.release_n(2).unwrap();
            assert_eq!(sem.release(), Err(Error::SemaphoreOverRelease));
            assert_eq!(sem.release_n(usize::MAX), Err(Error::SemaphoreOverRelease));
            assert_eq!(sem.value(), 2);
        }
        assert_eq!(
            Error::SemaphoreOverRelease.to_string(),
            "Semaphore released too many times"
        );
        assert_eq!(
            Error::SemaphoreOverRelease.exception(),
            ExceptionKind::ValueError
        );
    }

    #[test]
    fn a_blocked_acquire_waits_for_a_release_from_another_thread() {
        for rt in runtimes() {
            let sem = Arc::new(Semaphore::new(&rt, 0).unwrap());
            let done = Arc::new(Event::new(&rt));
            let (other, flag) = (sem.clone(), done.clone());
            let t = rt
                .spawn(ThreadOptions::default(), move || {
                    other.acquire().unwrap();
                    flag.set();
                })
                .unwrap();
            wait_until(&rt, || waiting(&sem.0) == 1);
            assert!(!done.is_set());
            sem.release().unwrap();
            t.join(None).unwrap();
            assert!(done.is_set());
            assert_eq!(sem.value(), 0);
        }
    }

    #[test]
    fn release_n_wakes_exactly_n_of_the_waiters() {
        for rt in runtimes() {
            let sem = Arc::new(Semaphore::new(&rt, 0).unwrap());
            let passed = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..5)
                .map(|_| {
                    let (sem, passed) = (sem.clone(), passed.clone());
                    rt.spawn(ThreadOptions::default(), move || {
                        sem.acquire().unwrap();
                        passed.fetch_add(1, Ordering::SeqCst);
                    })
                    .unwrap()
                })
                .collect();
            wait_until(&rt, || waiting(&sem.0) == 5);
            sem.release_n(3).unwrap();
            wait_until(&rt, || passed.load(Ordering::SeqCst) == 3);
            // The other two are still blocked, and every unit was taken.
            assert_eq!(waiting(&sem.0), 2);
            assert_eq!(sem.value(), 0);
            sem.release_n(2).unwrap();
            for t in threads {
                t.join(None).unwrap();
            }
            assert_eq!(passed.load(Ordering::SeqCst), 5);
            assert_eq!(sem.value(), 0);
        }
    }

    #[test]
    fn never_more_holders_than_units() {
        for rt in runtimes() {
            let sem = Arc::new(BoundedSemaphore::new(&rt, 2).unwrap());
            let inside = Arc::new(AtomicUsize::new(0));
            let most = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..6)
                .map(|i| {
                    let (sem, inside, most) = (sem.clone(), inside.clone(), most.clone());
                    rt.spawn(ThreadOptions::default(), move || {
                        for _ in 0..300 {
                            if i % 2 == 0 {
                                sem.acquire().unwrap();
                            } else {
                                while !sem.acquire_timeout(Some(Duration::from_millis(1))).unwrap()
                                {
                                }
                            }
                            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::hint::spin_loop();
                            inside.fetch_sub(1, Ordering::SeqCst);
                            sem.release().unwrap();
                        }
                    })
                    .unwrap()
                })
                .collect();
            for t in threads {
                t.join(None).unwrap();
            }
            assert!(most.load(Ordering::SeqCst) <= 2);
            assert_eq!(sem.value(), 2);
        }
    }

    #[test]
    fn ids_name_the_kind() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(
            Semaphore::new(&rt, 1).unwrap().id().to_string(),
            "Semaphore#1"
        );
        assert_eq!(
            BoundedSemaphore::new(&rt, 1).unwrap().id().to_string(),
            "BoundedSemaphore#1"
        );
        assert_eq!(
            Semaphore::new(&rt, 1).unwrap().id().to_string(),
            "Semaphore#2"
        );
    }
}
