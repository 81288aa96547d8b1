//! The native back-end: `std::thread` and the OS clock.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::ThreadBody;
use crate::error::Error;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Nanoseconds since a process-wide epoch; monotonic across threads.
pub fn monotonic_nanos() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Starts `body` on a new OS thread. Fails (rather than aborting) when the OS refuses.
pub fn spawn(name: &str, stack_size: usize, body: ThreadBody) -> Result<(), Error> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .stack_size(stack_size)
        .spawn(body)
        .map(drop)
        .map_err(|err| Error::CantStartThread {
            limit: 0,
            reason: format!("the OS refused: {err}"),
        })
}

/// The kernel's id for the calling thread, as `threading.get_native_id()` reports it.
#[cfg(target_os = "linux")]
pub fn native_thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u64 }
}

#[cfg(not(target_os = "linux"))]
pub fn native_thread_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static ID: u64 = NEXT.fetch_add(1, Ordering::Relaxed));
    ID.with(|id| *id)
}

pub fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A handle that wakes one parked thread. Unparking before the park makes the next park return
/// at once (a token, as `std::thread::park`), so a wake-up is never lost.
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

/// Blocks the calling thread until unparked or until `timeout` passes; may wake spuriously.
pub fn park_current(timeout: Option<Duration>) {
    match timeout {
        Some(timeout) => std::thread::park_timeout(timeout),
        None => std::thread::park(),
    }
}
