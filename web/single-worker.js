// A whole Python run on one Web Worker, for a page without cross-origin isolation: the page
// may not share memory with any worker, so every Python thread of the run is a green thread
// here, and the run is deterministic (threadlab-core's platform/wasm/green.rs says how it
// works; web/src/single_worker.rs is the page's side and the Rust side of this worker).
//
// Each green thread is a WebAssembly stack that JSPI (JavaScript Promise Integration) can
// suspend. What WebAssembly keeps per instance rather than per stack is switched here: the
// shadow-stack pointer (`__stack_pointer`) and the thread-local block (`__tls_base`). A new
// green thread gets both from wasm-bindgen's own thread start-up (`__wbindgen_start`, which
// allocates them as it does for a new worker) and gives them back when it ends.
//
// The page posts [glue URL, compiled module, request JSON]; the worker answers with JSON
// replies, and with `{"Died": why}` if it cannot start or the module traps.

let exports; // the instance's raw exports
let base; // this worker's own stack and thread-local block, for calls from the event loop
let enter; // threadlab_green_entry, as a promising export
const threads = new Map(); // green thread id -> { sp, tls, stack, wake, timer }

const died = (why) => postMessage(JSON.stringify({ Died: String(why) }));
const current = () => ({ sp: exports.__stack_pointer.value, tls: exports.__tls_base.value });
const load = (context) => {
  exports.__stack_pointer.value = context.sp;
  exports.__tls_base.value = context.tls;
};

// Only one stack runs at a time: a new thread starts once the thread that spawned it suspends.
self.threadlabGreenSpawn = (id, job) => queueMicrotask(() => start(id, job));

// A timeout of zero is a pause until the event loop's next task (a thread taking turns with
// the others): a message, which unlike `setTimeout(0)` is never delayed by 4 ms.
const nextTask = new MessageChannel();
const pausedForATask = [];
nextTask.port1.onmessage = () => self.threadlabGreenResume(pausedForATask.shift());

self.threadlabGreenSuspend = (id, timeoutMs) => {
  const thread = threads.get(id);
  Object.assign(thread, current());
  load(base);
  return new Promise((wake) => {
    thread.wake = wake;
    if (timeoutMs === 0) {
      pausedForATask.push(id);
      nextTask.port2.postMessage(null);
    } else if (timeoutMs > 0) {
      thread.timer = setTimeout(() => self.threadlabGreenResume(id), timeoutMs);
    }
  });
};

self.threadlabGreenRestore = (id) => load(threads.get(id));

self.threadlabGreenResume = (id) => {
  const thread = threads.get(id);
  if (!thread || !thread.wake) return; // running, or already woken
  const wake = thread.wake;
  thread.wake = null;
  clearTimeout(thread.timer);
  wake(0);
};

// A trap (memory exhausted, or a bug of ours) ends the run: the page hears of it and stops
// waiting.
function start(id, job) {
  try {
    exports.__wbindgen_start(); // a fresh stack and thread-local block, made current
  } catch (error) {
    died(error);
    return;
  }
  const thread = { ...current(), stack: exports.__stack_alloc.value, wake: null, timer: 0 };
  threads.set(id, thread);
  enter(id, job).then(() => {
    threads.delete(id);
    load(base);
    exports.__wbindgen_thread_destroy(thread.tls, thread.stack, 0);
  }, died);
}

// wasm-bindgen calls its imports through plain functions; the suspending one must be wrapped
// before the module is instantiated.
function wrapSuspendingImport() {
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (module, imports) => {
    for (const functions of Object.values(imports ?? {})) {
      for (const name of Object.keys(functions)) {
        if (name.startsWith("__wbg_threadlabGreenSuspend_")) {
          functions[name] = new WebAssembly.Suspending(functions[name]);
        }
      }
    }
    return instantiate.call(WebAssembly, module, imports);
  };
}

self.onmessage = async (event) => {
  self.onmessage = null;
  const [glue, module, request] = event.data;
  if (typeof WebAssembly.Suspending !== "function" || typeof WebAssembly.promising !== "function") {
    died(
      "This browser cannot run Python threads on a page without cross-origin isolation: " +
        "it lacks WebAssembly JavaScript Promise Integration (JSPI). Serve the course with " +
        "`threadlab serve`, or use a recent Chrome or Edge.",
    );
    return;
  }
  try {
    wrapSuspendingImport();
    const threadlab = await import(glue);
    exports = await threadlab.default({ module_or_path: module });
    base = current();
    enter = WebAssembly.promising(exports.threadlab_green_entry);
    threadlab.threadlab_single_worker_run(request);
    // Output leaves in batches (see PostingSink in single_worker.rs): this timer runs whenever
    // the green threads let the event loop in, which they do every few thousand instructions.
    const flushing = setInterval(() => {
      try {
        threadlab.threadlab_single_worker_flush();
      } catch (error) {
        clearInterval(flushing);
        died(error);
      }
    }, 50);
  } catch (error) {
    died(error);
  }
};
