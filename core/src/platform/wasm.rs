//! The browser back-end. Threads on Web Workers arrive with the browser issue; until then,
//! spawning says so plainly instead of trapping.

use std::sync::OnceLock;
use std::time::Duration;

use web_time::Instant;

use super::ThreadBody;
use crate::error::Error;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

pub fn monotonic_nanos() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

pub fn spawn(_name: &str, _stack_size: usize, _body: ThreadBody) -> Result<(), Error> {
    Err(Error::Unsupported(
        "starting threads in the browser (Web Workers are not wired up yet)",
    ))
}

/// Workers have no OS thread id; number them in the order they first ask.
pub fn native_thread_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static ID: u64 = NEXT.fetch_add(1, Ordering::Relaxed));
    ID.with(|id| *id)
}

pub fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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

/// std's park/unpark on wasm32 with atomics is `memory.atomic.wait32`/`notify`: it works on
/// workers and traps on the page's main thread, which therefore must never call a blocking API.
#[derive(Clone, Debug)]
pub struct Unparker(std::thread::Thread);

impl Unparker {
    pub fn for_current() -> Unparker {
        Unparker(std::thread::current())
    }

    pub fn unpark(&self) {
        self.0.unpark();
    }
}

pub fn park_current(timeout: Option<Duration>) {
    match timeout {
        Some(timeout) => std::thread::park_timeout(timeout),
        None => std::thread::park(),
    }
}
