//! Everything that differs between a native OS and the browser, in one place.
//!
//! Above this module, core compiles the same for `x86_64` and `wasm32`. Each back-end provides:
//! - `monotonic_nanos()`: a monotonic clock (std's `Instant` panics on `wasm32-unknown-unknown`);
//! - `spawn(name, body)`: start an OS-level thread (a `std::thread` natively, a Web Worker in
//!   the browser);
//! - `native_thread_id()`: the id the OS gives the calling thread;
//! - `terminate_process(pid)` and `kill_process(pid)`: end a child process (`SIGTERM`,
//!   `SIGKILL`) for `multiprocessing`; false where there are no OS processes;
//! - `prewarm()`: start threads ahead of demand (Web Workers; nothing natively);
//! - `worker_failures()`: how many Web Workers died (always 0 natively);
//! - `enable_green_threads()` and `glue_url()`: for a page without cross-origin isolation, whose
//!   runs put all their threads on one worker (no-ops natively);
//! - `yield_point()`: called at every tick of running code; green threads take turns there
//!   (the OS preempts real threads);
//! - `park_current(timeout)` and `Unparker`, which block a thread until it is unparked (or
//!   make its next park return at once: a token, as `std::thread::park`, so a wake-up is never
//!   lost): std's natively and on Web Workers; on the browser's green threads, a suspension of
//!   the thread's stack.
//!
//! - `DISPATCH_IS_COSTLY`: whether a trip through an interpreter's dispatch loop costs more
//!   than its small handlers do, so that an interpreter above should run more instruction pairs
//!   in one trip (true in the browser, where V8 spills the loop head's state; measured in
//!   `docs/BENCHMARKS.md`).
//!
//! `cpu_count()`, what `os.cpu_count()` reports, is the same on both: std's.

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::*;

/// The body of a platform thread.
pub type ThreadBody = Box<dyn FnOnce() + Send + 'static>;

/// What `os.cpu_count()` reports (`navigator.hardwareConcurrency` in the browser).
pub fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A thread id for where the platform gives none: threads numbered as they first ask.
// Linux asks the kernel instead.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn counted_thread_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static ID: u64 = NEXT.fetch_add(1, Ordering::Relaxed));
    ID.with(|id| *id)
}
