//! Synchronisation primitives with CPython's `threading` semantics.
//!
//! Each primitive lives in its own file and follows one pattern: a short internal `Mutex` guards
//! the primitive's state together with its [`wait_list::WaitList`]s, and every wait goes through
//! [`wait_list::wait_on`], i.e. through the run's scheduler. `Lock` alone also has a lock-free
//! fast path (one compare-and-swap), taken unless the run is traced or the scheduler wants to see
//! every operation.
//!
//! Timeouts are `Option<Duration>`: `None` waits forever. Non-blocking calls are `try_*`.
//! Errors are [`crate::Error`] values that the interpreter maps to Python exceptions.

mod barrier;
mod condition;
mod event;
mod lock;
mod rlock;
mod semaphore;
pub(crate) mod spin;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod wait_list;

pub use barrier::Barrier;
pub use condition::{Condition, ConditionLock};
pub use event::Event;
pub use lock::Lock;
pub use rlock::RLock;
pub use semaphore::{BoundedSemaphore, Semaphore};

use std::time::Duration;

use crate::error::Result;
use crate::runtime::Runtime;
use crate::thread::ThreadRef;
use crate::time::Time;

/// The deadline for a timeout measured from now on the run's clock; `None` waits forever.
pub(crate) fn deadline(rt: &Runtime, timeout: Option<Duration>) -> Option<Time> {
    timeout.map(|timeout| rt.now().after(timeout))
}

/// True once `deadline` has passed.
pub(crate) fn expired(rt: &Runtime, deadline: Option<Time>) -> bool {
    deadline.is_some_and(|deadline| rt.now() >= deadline)
}

/// The start of an operation by `me` that may block: when the run is observed it is a
/// scheduling point, which fails once the run is stopping. Unobserved runs skip it.
pub(crate) fn scheduling_point(rt: &Runtime, me: &ThreadRef) -> Result<()> {
    if rt.observed() {
        rt.check_stop()?;
        rt.scheduler().yield_now(me)?;
    }
    Ok(())
}

/// [`scheduling_point`] for a caller that has not looked up its thread: when the run is observed,
/// the calling thread is returned so that the operation can be recorded when it completes. When
/// it is not, nothing happens, and in particular the current thread is not looked up.
#[inline(always)]
pub(crate) fn observed_scheduling_point(rt: &Runtime) -> Result<Option<ThreadRef>> {
    if rt.observed() {
        observed_point(rt).map(Some)
    } else {
        Ok(None)
    }
}

#[cold]
fn observed_point(rt: &Runtime) -> Result<ThreadRef> {
    rt.check_stop()?;
    let me = rt.current();
    rt.scheduler().yield_now(&me)?;
    Ok(me)
}
