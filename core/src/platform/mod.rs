//! Everything that differs between a native OS and the browser, in one place.
//!
//! Above this module, core compiles the same for `x86_64` and `wasm32`. Each back-end provides:
//! - `monotonic_nanos()`: a monotonic clock (std's `Instant` panics on `wasm32-unknown-unknown`);
//! - `spawn(name, body)`: start an OS-level thread (a `std::thread` natively, a Web Worker in
//!   the browser);
//! - `native_thread_id()`: the id the OS gives the calling thread;
//! - `cpu_count()`: what `os.cpu_count()` reports;
//! - `terminate_process(pid)` and `kill_process(pid)`: end a child process (`SIGTERM`,
//!   `SIGKILL`) for `multiprocessing`; false where there are no OS processes;
//! - `park_current(timeout)` and `Unparker`: block the calling thread until unparked.

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
