//! A simulated GIL, after CPython's "new GIL" (Antoine Pitrou, CPython 3.2).
//!
//! One thread holds the GIL at a time. A thread that wants it waits up to one switch interval;
//! if the holder has not let go by then (no switch happened meanwhile), it raises the shared
//! drop request. The holder sees the request at its next tick and drops the GIL, then waits until
//! some other thread has actually taken it ("forced switching"), so that a CPU-bound holder cannot
//! grab it straight back and starve the others. Blocking calls release the GIL around the park.
//!
//! The GIL's own waiting uses std's `Mutex`/`Condvar` directly: it *is* the scheduler, so the
//! rule "every wait goes through the scheduler" is kept. `Condvar::wait_timeout` is used rather
//! than anything deadline-based because std's `Instant` does not exist on wasm32.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::error::Result;
use crate::sched::{Parallel, Scheduler, WaitFor};
use crate::thread::ThreadRef;
use crate::time::Time;
use crate::trace::{EventKind, Trace};
use crate::util::lock;

pub struct Gil {
    parallel: Parallel,
    interval_nanos: AtomicU64,
    /// Set by a waiter that timed out; polled by the holder on every tick (one relaxed load).
    drop_request: AtomicBool,
    state: Mutex<GilState>,
    /// Signalled when the GIL becomes free.
    released: Condvar,
    /// Signalled when a thread takes the GIL; a forced dropper waits on it.
    switched: Condvar,
    trace: Option<Arc<Trace>>,
}

#[derive(Default)]
struct GilState {
    holder: Option<u32>,
    /// Bumped on every take, so a waiter can tell whether anyone else got the GIL meanwhile.
    switch_number: u64,
    waiting: usize,
}

impl Gil {
    pub fn new(switch_interval: Duration, trace: Option<Arc<Trace>>) -> Gil {
        let gil = Gil {
            parallel: Parallel::new(),
            interval_nanos: AtomicU64::new(0),
            drop_request: AtomicBool::new(false),
            state: Mutex::new(GilState::default()),
            released: Condvar::new(),
            switched: Condvar::new(),
            trace,
        };
        gil.set_switch_interval(switch_interval);
        gil
    }

    fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_nanos.load(Ordering::Relaxed))
    }

    fn take(&self, me: &ThreadRef) {
        let mut state = lock(&self.state);
        if state.holder.is_some() {
            state.waiting += 1;
            while state.holder.is_some() {
                let switch_number = state.switch_number;
                let (next, timeout) = self
                    .released
                    .wait_timeout(state, self.interval())
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state = next;
                if timeout.timed_out()
                    && state.holder.is_some()
                    && state.switch_number == switch_number
                {
                    self.drop_request.store(true, Ordering::Relaxed);
                }
            }
            state.waiting -= 1;
        }
        state.holder = Some(me.num());
        state.switch_number += 1;
        self.drop_request.store(false, Ordering::Relaxed);
        self.switched.notify_all();
    }

    fn drop_gil(&self, me: &ThreadRef, forced: bool) {
        let mut state = lock(&self.state);
        if state.holder != Some(me.num()) {
            return;
        }
        state.holder = None;
        self.released.notify_one();
        if forced {
            let switch_number = state.switch_number;
            while state.switch_number == switch_number && state.waiting > 0 {
                state = self
                    .switched
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
        }
    }

    fn holds(&self, me: &ThreadRef) -> bool {
        lock(&self.state).holder == Some(me.num())
    }

    fn record(&self, me: &ThreadRef, kind: EventKind) {
        if let Some(trace) = &self.trace {
            trace.record(self.now(), me.num(), kind);
        }
    }
}

impl Scheduler for Gil {
    fn mode_name(&self) -> &'static str {
        "gil"
    }

    fn now(&self) -> Time {
        self.parallel.now()
    }

    fn thread_entered(&self, thread: &ThreadRef) -> Result<()> {
        self.take(thread);
        Ok(())
    }

    fn thread_exiting(&self, thread: &ThreadRef) {
        self.drop_gil(thread, false);
    }

    fn park(&self, me: &ThreadRef, deadline: Option<Time>, _waiting_for: &WaitFor) -> Result<()> {
        // Threads the run did not start (adopted "dummy" threads) never hold the GIL.
        let held = self.holds(me);
        if held {
            self.drop_gil(me, false);
        }
        self.parallel.park_os_thread(deadline);
        if held {
            self.take(me);
        }
        Ok(())
    }

    fn unpark(&self, thread: &ThreadRef) {
        thread.unpark_os_thread();
    }

    fn yield_now(&self, me: &ThreadRef) -> Result<()> {
        if self.drop_request.load(Ordering::Relaxed) && self.holds(me) {
            // The GIL wait is a blocked span of its own on the timeline; its edges are stamped
            // while this thread still (or already) holds the GIL, so running spans never overlap.
            self.record(me, EventKind::Block { on: WaitFor::Gil });
            self.drop_gil(me, true);
            self.take(me);
            self.record(me, EventKind::Unblock { timed_out: false });
        }
        Ok(())
    }

    fn set_switch_interval(&self, interval: Duration) {
        let nanos = u64::try_from(interval.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1_000);
        self.interval_nanos.store(nanos, Ordering::Relaxed);
    }

    fn switch_interval(&self) -> Duration {
        self.interval()
    }
}
