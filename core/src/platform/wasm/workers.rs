//! Threads in the browser: Web Workers that share the page's WebAssembly memory.
//!
//! Three facts of the browser shape this module (see `docs/ARCHITECTURE.md` and the web build
//! recipe):
//! - A new Worker takes 50–260 ms to start, so finished workers never exit: they wait, parked,
//!   for the next thread body, and [`prewarm`] starts a few before anyone asks.
//! - Only a thread whose event loop is free can bring a new Worker to life: a worker that
//!   blocks right after `new Worker()` (as `join()` does) never sees its child start. So only
//!   the page's main thread creates workers; a worker that needs one posts a message to it.
//! - The page's main thread must never block (`memory.atomic.wait32` traps there). Everything
//!   it touches here is lock-free or taken with `try_lock` in a loop.
//!
//! A body that finds no idle worker travels with the request for a new one (as a pointer into
//! the shared memory) and is the first thing that worker runs.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};

use crossbeam_queue::SegQueue;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::Error;
use crate::platform::ThreadBody;

/// Workers the page may create; beyond it, starting a thread fails with a clear error rather
/// than waiting for one that will never come.
pub const MAX_WORKERS: usize = 64;

/// Workers the page keeps ready beyond those in use: `Thread.start()` then takes one at once.
const WARM: usize = 4;

/// A worker waiting for its next body.
struct IdleWorker {
    body: Mutex<Option<ThreadBody>>,
    thread: std::thread::Thread,
}

/// Workers parked and waiting, any order.
static IDLE: SegQueue<Arc<IdleWorker>> = SegQueue::new();
/// Workers created so far (they never exit).
static CREATED: AtomicUsize = AtomicUsize::new(0);
/// Workers asked for and not started yet, so that topping up does not overshoot.
static STARTING: AtomicUsize = AtomicUsize::new(0);
/// Workers that died (a trap: a Rust panic, which aborts here, or memory exhausted).
static FAILED: AtomicUsize = AtomicUsize::new(0);

/// How many workers have died so far. Whatever ran on one will never finish, and whoever waits
/// for it would wait forever: a front end that sees this number grow during a run ends the run
/// and says why.
pub fn worker_failures() -> usize {
    FAILED.load(Ordering::Acquire)
}

#[wasm_bindgen]
extern "C" {
    /// The URL of wasm-bindgen's JS glue, which each worker imports to join the module.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

/// The URL of the module's JS glue, for a worker script that loads the module itself.
pub fn glue_url() -> String {
    GLUE_URL.with(String::clone)
}

fn limit_reached() -> Error {
    Error::CantStartThread {
        limit: MAX_WORKERS,
        reason: "the browser's Web Workers".to_owned(),
    }
}

/// Runs `body` on a worker: an idle one at once, else a new one as soon as it has started.
pub fn spawn(_name: &str, _stack_size: usize, body: ThreadBody) -> Result<(), Error> {
    if let Some(worker) = IDLE.pop() {
        hand_over(&worker, body);
        top_up();
        return Ok(());
    }
    request_worker(Some(body))
}

/// Starts [`WARM`] idle workers ahead of demand. Call it on the page's main thread at start-up.
pub fn prewarm() {
    top_up();
}

fn hand_over(worker: &IdleWorker, body: ThreadBody) {
    let mut body = Some(body);
    // The worker may hold its slot's lock for an instant after a spurious wake-up; the main
    // thread may not wait on a lock, so it retries instead.
    while let Some(pending) = body.take() {
        match worker.body.try_lock() {
            Ok(mut slot) => *slot = Some(pending),
            Err(TryLockError::Poisoned(poisoned)) => *poisoned.into_inner() = Some(pending),
            Err(TryLockError::WouldBlock) => {
                body = Some(pending);
                std::hint::spin_loop();
            }
        }
    }
    worker.thread.unpark();
}

/// Keeps [`WARM`] workers idle or starting.
fn top_up() {
    while IDLE.len() + STARTING.load(Ordering::Acquire) < WARM {
        if request_worker(None).is_err() {
            break;
        }
    }
}

/// Creates a worker that first runs `body` (if any), or asks the page's main thread to.
fn request_worker(body: Option<ThreadBody>) -> Result<(), Error> {
    if CREATED.fetch_add(1, Ordering::AcqRel) >= MAX_WORKERS {
        CREATED.fetch_sub(1, Ordering::AcqRel);
        return Err(limit_reached());
    }
    STARTING.fetch_add(1, Ordering::AcqRel);
    // The body crosses to the new worker as an address in the shared memory.
    let job = body.map_or(0, |body| Box::into_raw(Box::new(body)) as usize as u32);
    let sent = if on_main_thread() {
        create_worker(job)
    } else {
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let request = js_sys::Array::of2(&JsValue::from_str(SPAWN_REQUEST), &JsValue::from(job));
        scope
            .post_message(&request)
            .map_err(|error| format!("a worker could not reach the page: {error:?}"))
    };
    sent.map_err(|reason| {
        CREATED.fetch_sub(1, Ordering::AcqRel);
        STARTING.fetch_sub(1, Ordering::AcqRel);
        if job != 0 {
            // SAFETY: `job` came from `Box::into_raw` above and was not handed to any worker.
            drop(unsafe { Box::from_raw(job as usize as *mut ThreadBody) });
        }
        Error::CantStartThread {
            limit: MAX_WORKERS,
            reason,
        }
    })
}

/// What a worker posts to the page when it needs another worker, with the job's address.
const SPAWN_REQUEST: &str = "threadlab:spawn";
/// What a worker's script posts when the module trapped in it (a trap inside the async message
/// handler is a rejected promise, which never reaches the worker's `onerror`).
const WORKER_DIED: &str = "threadlab:died";

thread_local! {
    static IS_MAIN: Cell<Option<bool>> = const { Cell::new(None) };
}

/// True on the page's own thread (the one with a `window`).
fn on_main_thread() -> bool {
    IS_MAIN.with(|is_main| match is_main.get() {
        Some(known) => known,
        None => {
            let main = js_sys::global().dyn_into::<web_sys::Window>().is_ok();
            is_main.set(Some(main));
            main
        }
    })
}

/// A new Worker that loads the module into the shared memory and calls
/// [`threadlab_worker_entry`] with `job` (0: none). Only on the page's main thread.
fn create_worker(job: u32) -> Result<(), String> {
    let script = format!(
        "import init, * as threadlab from '{glue}';\n\
         self.onmessage = async (event) => {{\n\
           self.onmessage = null;\n\
           const [module, memory, job] = event.data;\n\
           await init({{ module_or_path: module, memory }});\n\
           try {{ threadlab.threadlab_worker_entry(job); }}\n\
           catch (error) {{ self.postMessage(['{DIED}', String(error)]); }}\n\
         }};\n",
        glue = glue_url(),
        DIED = WORKER_DIED,
    );
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let parts = js_sys::Array::of1(&JsValue::from_str(&script));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|error| format!("{error:?}"))?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|error| format!("{error:?}"))?;
    let worker_options = web_sys::WorkerOptions::new();
    worker_options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&url, &worker_options)
        .map_err(|error| format!("the browser refused a Web Worker: {error:?}"))?;
    let _ = web_sys::Url::revoke_object_url(&url);
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_worker_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|event: web_sys::ErrorEvent| {
        FAILED.fetch_add(1, Ordering::AcqRel);
        web_sys::console::error_1(&JsValue::from_str(&format!(
            "threadlab: a worker failed: {}",
            event.message()
        )));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    let start = js_sys::Array::of3(
        &wasm_bindgen::module(),
        &wasm_bindgen::memory(),
        &JsValue::from(job),
    );
    worker
        .post_message(&start)
        .map_err(|error| format!("{error:?}"))
}

/// On the page's main thread: a worker asks for another worker, or reports its own death.
fn on_worker_message(event: web_sys::MessageEvent) {
    let data = event.data();
    let Some(request) = data.dyn_ref::<js_sys::Array>() else {
        return;
    };
    match request.get(0).as_string().as_deref() {
        Some(SPAWN_REQUEST) => {}
        Some(WORKER_DIED) => {
            FAILED.fetch_add(1, Ordering::AcqRel);
            let why = request.get(1).as_string().unwrap_or_default();
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "threadlab: a worker died: {why}"
            )));
            return;
        }
        _ => return,
    }
    let job = request.get(1).as_f64().unwrap_or(0.0) as u32;
    if let Err(reason) = create_worker(job) {
        // The job's thread will never start; say so where a developer looks.
        web_sys::console::error_1(&JsValue::from_str(&format!("threadlab: {reason}")));
    }
}

/// A worker's life once the module is loaded: run its first job, if any, then wait, parked,
/// for the next body, run it, and so on. Never returns.
#[wasm_bindgen]
pub fn threadlab_worker_entry(job: u32) {
    STARTING.fetch_sub(1, Ordering::AcqRel);
    if job != 0 {
        // SAFETY: `job` is the address `request_worker` made with `Box::into_raw`, sent to
        // exactly this worker.
        let body = unsafe { Box::from_raw(job as usize as *mut ThreadBody) };
        body();
    }
    let me = Arc::new(IdleWorker {
        body: Mutex::new(None),
        thread: std::thread::current(),
    });
    loop {
        IDLE.push(Arc::clone(&me));
        let body = loop {
            if let Some(body) = me.body.lock().unwrap_or_else(|p| p.into_inner()).take() {
                break body;
            }
            std::thread::park();
        };
        body();
    }
}
