//! No GIL: threads run freely and a blocked thread parks its OS thread.

use crate::error::Result;
use crate::platform;
use crate::sched::{Scheduler, WaitFor};
use crate::thread::ThreadRef;
use crate::time::Time;

/// The run's clock starts when its scheduler is made.
#[derive(Debug)]
pub struct Parallel {
    epoch_nanos: u64,
}

impl Default for Parallel {
    fn default() -> Parallel {
        Parallel::new()
    }
}

impl Parallel {
    pub fn new() -> Parallel {
        Parallel {
            epoch_nanos: platform::monotonic_nanos(),
        }
    }

    pub(crate) fn park_os_thread(&self, deadline: Option<Time>) {
        platform::park_current(deadline.map(|deadline| self.now().until(deadline)));
    }
}

impl Scheduler for Parallel {
    fn mode_name(&self) -> &'static str {
        "parallel"
    }

    fn now(&self) -> Time {
        Time::from_nanos(platform::monotonic_nanos().saturating_sub(self.epoch_nanos))
    }

    fn thread_entered(&self, _thread: &ThreadRef) -> Result<()> {
        Ok(())
    }

    fn thread_exiting(&self, _thread: &ThreadRef) {}

    fn park(&self, _me: &ThreadRef, deadline: Option<Time>, _waiting_for: &WaitFor) -> Result<()> {
        self.park_os_thread(deadline);
        Ok(())
    }

    fn unpark(&self, thread: &ThreadRef) {
        thread.unpark_os_thread();
    }

    fn yield_now(&self, _me: &ThreadRef) -> Result<()> {
        Ok(())
    }

    fn spinning_helps(&self) -> bool {
        true
    }
}
