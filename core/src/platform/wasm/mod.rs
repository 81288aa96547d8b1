//! The browser back-end: threads are Web Workers sharing the page's WebAssembly memory
//! ([`workers`]), the clock is `performance.now()` (std's `Instant` panics here), and parking
//! is `memory.atomic.wait32`, which works on workers and traps on the page's main thread: that
//! thread therefore never calls anything that may block.

mod workers;

pub use workers::{prewarm, spawn, threadlab_worker_entry, worker_failures, MAX_WORKERS};

use std::sync::OnceLock;

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
