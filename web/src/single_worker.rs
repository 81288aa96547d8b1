//! Python on a page without cross-origin isolation (a static host that sends no isolation
//! headers, where even the COI service worker could not help).
//!
//! Such a page may not share memory with a worker, so the run cannot have a worker per thread.
//! Instead, each run or check gets one Web Worker of its own (`web/single-worker.js`) with its
//! own WebAssembly instance, which runs the whole program, every Python thread included, as
//! green threads in deterministic mode (see `threadlab-core`'s `platform/wasm/green.rs`). The
//! page sends the worker a [`Request`]; the worker answers with [`Reply`]s, as JSON, which land
//! in the same queues the page drains for a run on shared memory. Stop ends the worker.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use threadlab_core::trace::Lane;
use threadlab_core::{Mode, VirtualCpu};
use threadlab_lessons::check::{Criterion, CriterionSpec, Replay, Status, Verdict};
use threadlab_python::{Outcome, OutputSink, Stream};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::runner::{self, CheckShared, Chunk, Finished, RunTrace, Shared};

/// True when the page may share its memory with workers, so that threads run in parallel.
pub fn isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(false)
}

/// What the page asks the worker to do (one request per worker).
#[derive(Serialize, Deserialize)]
pub enum Request {
    /// Run a program in deterministic mode with this seed, on these virtual cores (none: free
    /// CPU).
    Run {
        name: String,
        source: String,
        seed: u64,
        virtual_cores: Option<u32>,
    },
    /// Check a lesson's exercise.
    Check {
        lesson: u32,
        file_name: String,
        source: String,
    },
}

/// What the worker tells the page.
#[derive(Serialize, Deserialize)]
enum Reply {
    Output {
        stream: Stream,
        text: String,
    },
    Finished {
        outcome: Outcome,
        elapsed_nanos: u64,
        instructions: u64,
        lanes: Vec<Lane>,
        trace_json: Option<String>,
        trace_truncated: bool,
    },
    Progress {
        runs_done: usize,
        runs_planned: usize,
    },
    Verdict(Result<WireVerdict, String>),
    /// The worker could not start or trapped (also posted by the worker's script).
    Died(String),
}

#[derive(Serialize, Deserialize)]
struct WireVerdict {
    criteria: Vec<WireCriterion>,
    replay: Option<Replay>,
    runs: usize,
}

#[derive(Serialize, Deserialize)]
struct WireCriterion {
    id: String,
    text: String,
    hint: String,
    status: Status,
}

impl WireVerdict {
    fn of(verdict: Verdict) -> WireVerdict {
        WireVerdict {
            criteria: verdict
                .criteria
                .into_iter()
                .map(|criterion| WireCriterion {
                    id: criterion.spec.id.to_owned(),
                    text: criterion.spec.text.to_owned(),
                    hint: criterion.spec.hint.to_owned(),
                    status: criterion.status,
                })
                .collect(),
            replay: verdict.replay,
            runs: verdict.runs,
        }
    }

    fn into_verdict(self) -> Verdict {
        Verdict {
            criteria: self
                .criteria
                .into_iter()
                .map(|criterion| Criterion {
                    spec: CriterionSpec {
                        id: intern(criterion.id),
                        text: intern(criterion.text),
                        hint: intern(criterion.hint),
                    },
                    status: criterion.status,
                })
                .collect(),
            replay: self.replay,
            runs: self.runs,
        }
    }
}

/// A criterion's texts are `'static` (checkers declare them as constants); those that arrive
/// from a worker are kept once each for the page's lifetime, however many checks bring them.
fn intern(text: String) -> &'static str {
    thread_local! {
        static TEXTS: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
    }
    TEXTS.with(|texts| {
        let mut texts = texts.borrow_mut();
        match texts.get(text.as_str()) {
            Some(kept) => kept,
            None => {
                let kept: &'static str = Box::leak(text.into_boxed_str());
                texts.insert(kept);
                kept
            }
        }
    })
}

/// Where a worker's replies go on the page.
#[derive(Clone)]
pub enum Receiver {
    Run(Arc<Shared>),
    Check(Arc<CheckShared>),
}

/// The page's handle on one single-worker run or check.
#[derive(Clone)]
pub struct SingleWorker {
    id: u32,
    started_at: f64,
}

/// A live worker and the handlers that must live as long as it does.
struct Live {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    // Workers are JS objects, which stay on the page's thread; handles name them by number.
    static LIVE: RefCell<HashMap<u32, Live>> = RefCell::new(HashMap::new());
}

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

impl SingleWorker {
    /// Starts a worker for `request`; its replies go to `receiver`.
    pub fn start(request: &Request, receiver: Receiver) -> Result<SingleWorker, String> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let glue = threadlab_core::platform::glue_url();
        let script = web_sys::Url::new_with_base("single-worker.js", &glue)
            .map_err(|error| format!("{error:?}"))?
            .href();
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&script, &options)
            .map_err(|error| format!("the browser refused a Web Worker: {error:?}"))?;
        let for_messages = receiver.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<Reply>(&text) {
                    Ok(reply) => deliver(id, &for_messages, reply),
                    Err(error) => deliver(id, &for_messages, Reply::Died(error.to_string())),
                }
            },
        );
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
                deliver(id, &receiver, Reply::Died(event.message()));
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let request = serde_json::to_string(request).map_err(|error| error.to_string())?;
        let start = js_sys::Array::of3(
            &JsValue::from_str(&glue),
            &wasm_bindgen::module(),
            &JsValue::from_str(&request),
        );
        worker
            .post_message(&start)
            .map_err(|error| format!("{error:?}"))?;
        LIVE.with(|live| {
            live.borrow_mut().insert(
                id,
                Live {
                    worker,
                    _on_message: on_message,
                    _on_error: on_error,
                },
            )
        });
        Ok(SingleWorker {
            id,
            started_at: now_ms(),
        })
    }

    /// Ends the worker at once; false if it had already finished.
    pub fn terminate(&self) -> bool {
        end(self.id)
    }

    /// Time since the worker was asked to start.
    pub fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(((now_ms() - self.started_at) / 1000.0).max(0.0))
    }
}

fn end(id: u32) -> bool {
    // Dropped after the map is released: dropping a handler that is running is not allowed.
    let live = LIVE.with(|live| live.borrow_mut().remove(&id));
    match live {
        Some(live) => {
            live.worker.terminate();
            drop_later(live);
            true
        }
        None => false,
    }
}

/// The handlers may be the ones running right now (a reply that ends the run): drop them on a
/// later turn of the event loop, not inside themselves.
fn drop_later(live: Live) {
    let mut live = Some(live);
    let free = Closure::once_into_js(move || drop(live.take()));
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback(free.unchecked_ref());
    }
}

fn deliver(id: u32, receiver: &Receiver, reply: Reply) {
    match (reply, receiver) {
        (Reply::Output { stream, text }, Receiver::Run(shared)) => {
            shared.output.push(Chunk { stream, text })
        }
        (
            Reply::Finished {
                outcome,
                elapsed_nanos,
                instructions,
                lanes,
                trace_json,
                trace_truncated,
            },
            Receiver::Run(shared),
        ) => {
            end(id);
            shared.finished.push(Finished {
                outcome,
                elapsed: Duration::from_nanos(elapsed_nanos),
                instructions,
                mode: Mode::det(0).name(),
                lanes: Arc::new(lanes),
                trace: trace_json.map(|json| RunTrace::Json {
                    json: Arc::new(json),
                    truncated: trace_truncated,
                }),
            });
        }
        (
            Reply::Progress {
                runs_done,
                runs_planned,
            },
            Receiver::Check(shared),
        ) => shared.progress(threadlab_lessons::check::Progress {
            runs_done,
            runs_planned,
        }),
        (Reply::Verdict(verdict), Receiver::Check(shared)) => {
            end(id);
            shared.verdict.push(verdict.map(WireVerdict::into_verdict));
        }
        (Reply::Died(why), receiver) => {
            if !end(id) {
                return;
            }
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "threadlab: the run's worker died: {why}"
            )));
            match receiver {
                Receiver::Run(shared) => {
                    shared.output.push(Chunk {
                        stream: Stream::Stderr,
                        text: format!("{why}\n"),
                    });
                    shared.died.store(true, Ordering::Release);
                }
                Receiver::Check(shared) => shared.verdict.push(Err(why)),
            }
        }
        // A reply that does not fit the request: a bug of ours, and nothing to show.
        _ => {}
    }
}

/// On the worker: the page's output sink. A message per `print` would flood the page (a loop
/// prints a million lines a second), so text gathers here and leaves in batches: when
/// [`BATCH_BYTES`] have gathered, every 50 ms (a timer of `single-worker.js`, which runs
/// whenever the green threads let the event loop in) and at the end of the run.
struct PostingSink;

const BATCH_BYTES: usize = 16 * 1024;

/// Text printed and not posted yet, in runs of one stream.
static PENDING: std::sync::Mutex<Vec<(Stream, String)>> = std::sync::Mutex::new(Vec::new());

impl OutputSink for PostingSink {
    fn write(&self, stream: Stream, text: &str) {
        let full = {
            let mut pending = PENDING
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match pending.last_mut() {
                Some((last, run)) if *last == stream => run.push_str(text),
                _ => pending.push((stream, text.to_owned())),
            }
            pending.iter().map(|(_, run)| run.len()).sum::<usize>() >= BATCH_BYTES
        };
        if full {
            threadlab_single_worker_flush();
        }
    }
}

/// On the worker: posts the output gathered so far (see [`PostingSink`]).
#[wasm_bindgen]
pub fn threadlab_single_worker_flush() {
    let pending = std::mem::take(
        &mut *PENDING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    for (stream, text) in pending {
        post(&Reply::Output { stream, text });
    }
}

fn post(reply: &Reply) {
    let Ok(json) = serde_json::to_string(reply) else {
        return;
    };
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope.post_message(&JsValue::from_str(&json));
}

/// On the worker, called by `single-worker.js` once the module is loaded: starts `request`
/// (a [`Request`] as JSON) on a green thread and returns at once.
#[wasm_bindgen]
pub fn threadlab_single_worker_run(request: &str) {
    threadlab_core::platform::enable_green_threads();
    let request: Request = match serde_json::from_str(request) {
        Ok(request) => request,
        Err(error) => {
            return post(&Reply::Died(format!(
                "a request the worker cannot read: {error}"
            )))
        }
    };
    let body: threadlab_core::platform::ThreadBody = match request {
        Request::Run {
            name,
            source,
            seed,
            virtual_cores,
        } => Box::new(move || {
            let finished = runner::execute(
                name,
                source,
                Mode::det_with_cpu(seed, VirtualCpu::from_cores(virtual_cores)),
                Arc::new(PostingSink),
                |_| {},
            );
            threadlab_single_worker_flush();
            let trace_truncated = finished.trace.as_ref().is_some_and(RunTrace::truncated);
            post(&Reply::Finished {
                outcome: finished.outcome,
                elapsed_nanos: u64::try_from(finished.elapsed.as_nanos()).unwrap_or(u64::MAX),
                instructions: finished.instructions,
                lanes: finished.lanes.as_ref().clone(),
                trace_json: finished.trace.as_ref().map(RunTrace::chrome_json),
                trace_truncated,
            });
        }),
        Request::Check {
            lesson,
            file_name,
            source,
        } => Box::new(move || {
            let verdict = runner::check(lesson, file_name, source, |progress| {
                post(&Reply::Progress {
                    runs_done: progress.runs_done,
                    runs_planned: progress.runs_planned,
                })
            });
            post(&Reply::Verdict(verdict.map(WireVerdict::of)));
        }),
    };
    if let Err(error) = threadlab_core::platform::spawn("threadlab run", 0, body) {
        post(&Reply::Died(error.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_crosses_from_the_worker_whole() {
        let verdict = Verdict {
            criteria: vec![
                Criterion {
                    spec: CriterionSpec {
                        id: "race_free",
                        text: "No update is lost",
                        hint: "Hold a lock around the update",
                    },
                    status: Status::Failed("balance 97 under seed 3".to_owned()),
                },
                Criterion {
                    spec: CriterionSpec {
                        id: "joins",
                        text: "Every thread is joined",
                        hint: "Call join()",
                    },
                    status: Status::NotReached,
                },
            ],
            replay: Some(Replay {
                seed: 3,
                virtual_cores: None,
                schedule: "det:seed=3:1.0".to_owned(),
                what_happened: "an update was lost".to_owned(),
            }),
            runs: 12,
        };
        let json =
            serde_json::to_string(&Reply::Verdict(Ok(WireVerdict::of(verdict.clone())))).unwrap();
        let Ok(Reply::Verdict(Ok(wire))) = serde_json::from_str::<Reply>(&json) else {
            panic!("not a verdict: {json}");
        };
        let back = wire.into_verdict();
        assert_eq!(back.runs, 12);
        assert_eq!(back.replay, verdict.replay);
        for (back, sent) in back.criteria.iter().zip(&verdict.criteria) {
            assert_eq!(back.status, sent.status);
            assert_eq!(
                (back.spec.id, back.spec.text, back.spec.hint),
                (sent.spec.id, sent.spec.text, sent.spec.hint)
            );
        }
    }

    #[test]
    fn criterion_texts_are_kept_once() {
        let first = intern("Hold a lock".to_owned());
        let second = intern("Hold a lock".to_owned());
        assert!(std::ptr::eq(first, second));
    }
}
