//! Green threads: every thread of a run on one Web Worker, for a page without cross-origin
//! isolation, which may not share its memory with other workers.
//!
//! Only a scheduler that runs one thread at a time can live here (the deterministic one), and
//! all its waits are parks: a park suspends the thread's WebAssembly stack with JavaScript
//! Promise Integration (JSPI) and hands the worker back to its event loop; an unpark resumes
//! the stack from a microtask. Nothing ever blocks the worker.
//!
//! WebAssembly keeps two things per instance rather than per stack, and each green thread needs
//! its own: the shadow stack in linear memory (`__stack_pointer`) and the thread-local block
//! (`__tls_base`). The worker's script (`web/single-worker.js`) gives each green thread both,
//! through wasm-bindgen's own thread start-up, and switches them at every suspension and
//! resumption; it also wraps [`threadlabGreenSuspend`](js_suspend) in `WebAssembly.Suspending`
//! and calls [`threadlab_green_entry`] through `WebAssembly.promising`.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_utils::CachePadded;
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::platform::ThreadBody;

/// As many threads as the Web Workers back-end allows, so that a program meets the same limit
/// on every page; each has a stack of its own in the instance's memory.
const LIMIT: usize = super::MAX_WORKERS;

/// Set once by the single worker before its first run; never unset. Read at every tick of
/// every thread, so on a cache line of its own: a neighbour written often would make each read
/// a miss on every core.
static ENABLED: CachePadded<AtomicBool> = CachePadded::new(AtomicBool::new(false));
static NEXT_ID: AtomicU32 = AtomicU32::new(1);
/// Green threads started and not finished.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// One green thread, as its unparkers see it.
#[derive(Debug)]
pub struct GreenThread {
    id: u32,
    /// An unpark that came while the thread was not suspended: its next park returns at once.
    token: AtomicBool,
    /// Between the thread's decision to suspend and its return from the suspension.
    suspended: AtomicBool,
}

/// Ticks a green thread runs before it lets the others run: nothing preempts it, and a run's
/// turn-taking does not cover another run (a `multiprocessing` child is one) spinning beside it.
const TICKS_PER_TURN: u32 = 8192;

thread_local! {
    // Each green thread has its own thread-local block, so these are per green thread.
    static CURRENT: RefCell<Option<Arc<GreenThread>>> = const { RefCell::new(None) };
    static TICKS: Cell<u32> = const { Cell::new(0) };
}

#[wasm_bindgen]
extern "C" {
    /// Starts [`threadlab_green_entry`]`(id, job)` on a fresh stack as soon as the calling
    /// thread suspends (never sooner: only one stack runs at a time).
    #[wasm_bindgen(js_name = threadlabGreenSpawn)]
    fn js_spawn(id: u32, job: u32);
    /// Saves the calling thread's stack pointer and returns a promise that resolves when the
    /// thread is resumed or `timeout_ms` (if not negative) passes. A `Suspending` import: the
    /// call returns only then.
    #[wasm_bindgen(js_name = threadlabGreenSuspend)]
    fn js_suspend(id: u32, timeout_ms: f64) -> f64;
    /// Puts the resumed thread's stack pointer and thread-local block back.
    #[wasm_bindgen(js_name = threadlabGreenRestore)]
    fn js_restore(id: u32);
    /// Resolves the suspended thread's promise; it runs once the caller suspends.
    #[wasm_bindgen(js_name = threadlabGreenResume)]
    fn js_resume(id: u32);
}

/// Runs every later thread of this WebAssembly instance as a green thread. The single worker
/// calls it before it starts anything.
pub fn enable_green_threads() {
    ENABLED.store(true, Ordering::Release);
}

pub fn green_threads() -> bool {
    ENABLED.load(Ordering::Acquire)
}

pub(crate) fn spawn(body: ThreadBody) -> Result<(), Error> {
    if LIVE.fetch_add(1, Ordering::AcqRel) >= LIMIT {
        LIVE.fetch_sub(1, Ordering::AcqRel);
        return Err(Error::CantStartThread {
            limit: LIMIT,
            reason: "green threads on the page's one Web Worker".to_owned(),
        });
    }
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    // The body crosses to the new stack as an address, as it does to a new worker.
    let job = Box::into_raw(Box::new(body)) as usize as u32;
    js_spawn(id, job);
    Ok(())
}

/// The first frame of a green thread's stack, called by the worker's script.
#[wasm_bindgen]
pub fn threadlab_green_entry(id: u32, job: u32) {
    CURRENT.with(|current| {
        *current.borrow_mut() = Some(Arc::new(GreenThread {
            id,
            token: AtomicBool::new(false),
            suspended: AtomicBool::new(false),
        }))
    });
    // SAFETY: `job` is the address `spawn` made with `Box::into_raw`, started exactly once.
    let body = unsafe { Box::from_raw(job as usize as *mut ThreadBody) };
    body();
    LIVE.fetch_sub(1, Ordering::AcqRel);
}

/// The calling green thread, if it is one (the worker's own stack is not).
pub(crate) fn current() -> Option<Arc<GreenThread>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Suspends the calling green thread until unparked or until `timeout` passes.
pub(crate) fn park(me: &GreenThread, timeout: Option<Duration>) {
    if me.token.swap(false, Ordering::AcqRel) {
        return;
    }
    me.suspended.store(true, Ordering::Release);
    let timeout_ms = timeout.map_or(-1.0, |timeout| timeout.as_secs_f64() * 1000.0);
    suspend_and_restore(me.id, timeout_ms);
    me.suspended.store(false, Ordering::Release);
}

/// Kept out of line, so that nothing between the two calls can use the shadow stack or a
/// thread-local: until `js_restore`, both still belong to whichever stack ran last.
#[inline(never)]
fn suspend_and_restore(id: u32, timeout_ms: f64) {
    js_suspend(id, timeout_ms);
    js_restore(id);
}

/// Every [`TICKS_PER_TURN`] ticks, suspends the calling green thread until the worker's
/// event loop comes round again, after every other thread that can run.
pub(crate) fn yield_point() {
    let due = TICKS.with(|ticks| {
        let count = ticks.get() + 1;
        ticks.set(count % TICKS_PER_TURN);
        count == TICKS_PER_TURN
    });
    if due {
        if let Some(me) = current() {
            // Not marked suspended: an unpark meanwhile must stay a token for the next park,
            // not be spent on this pause, which ends by itself (a timeout of zero).
            suspend_and_restore(me.id, 0.0);
        }
    }
}

pub(crate) fn unpark(thread: &GreenThread) {
    if thread.suspended.load(Ordering::Acquire) {
        js_resume(thread.id);
    } else {
        thread.token.store(true, Ordering::Release);
    }
}
