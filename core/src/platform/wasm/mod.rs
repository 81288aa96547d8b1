//! The browser back-end: threads are Web Workers sharing the page's WebAssembly memory
//! ([`workers`]), or, on a page without cross-origin isolation, green threads on one worker
//! ([`green`]). The clock is `performance.now()` (std's `Instant` panics here). On workers,
//! parking is `memory.atomic.wait32`, which works there and traps on the page's main thread:
//! that thread therefore never calls anything that may block.

mod green;
mod workers;

pub use green::{enable_green_threads, green_threads, threadlab_green_entry, GreenThread};
pub use workers::{glue_url, prewarm, threadlab_worker_entry, worker_failures, MAX_WORKERS};

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::error::Error;
use crate::platform::ThreadBody;

use web_time::Instant;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

pub fn monotonic_nanos() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Workers have no OS thread id; number them in the order they first ask.
pub fn native_thread_id() -> u64 {
    super::counted_thread_id()
}

/// Browsers expose no per-thread CPU clock; wall time is the closest honest answer.
pub fn thread_cpu_nanos() -> u64 {
    monotonic_nanos()
}

/// The browser has no OS processes: a `multiprocessing.Process` there is a Worker, which its
/// launcher ends itself.
pub fn terminate_process(_pid: u32) -> bool {
    false
}

pub fn kill_process(_pid: u32) -> bool {
    false
}

/// Runs `body` on a new thread: a Web Worker, or a green thread once they are enabled.
pub fn spawn(name: &str, stack_size: usize, body: ThreadBody) -> Result<(), Error> {
    if green_threads() {
        green::spawn(body)
    } else {
        workers::spawn(name, stack_size, body)
    }
}

/// V8 keeps the interpreter loop's state in stack slots and reloads it on each trip, so each
/// instruction run without a trip through the loop saves more than its handler costs.
pub const DISPATCH_IS_COSTLY: bool = true;

/// Called at every tick of running code: a green thread lets the others run now and then.
#[inline]
pub fn yield_point() {
    if green_threads() {
        green::yield_point();
    }
}

/// See the platform module's documentation.
#[derive(Clone, Debug)]
pub enum Unparker {
    Worker(std::thread::Thread),
    Green(Arc<GreenThread>),
}

impl Unparker {
    pub fn for_current() -> Unparker {
        match green::current() {
            Some(thread) => Unparker::Green(thread),
            None => Unparker::Worker(std::thread::current()),
        }
    }

    pub fn unpark(&self) {
        match self {
            Unparker::Worker(thread) => thread.unpark(),
            Unparker::Green(thread) => green::unpark(thread),
        }
    }
}

/// Blocks (or, on a green thread, suspends) the calling thread until unparked or until
/// `timeout` passes; may wake spuriously.
pub fn park_current(timeout: Option<Duration>) {
    if green_threads() {
        if let Some(me) = green::current() {
            return green::park(&me, timeout);
        }
    }
    match timeout {
        Some(timeout) => std::thread::park_timeout(timeout),
        None => std::thread::park(),
    }
}
