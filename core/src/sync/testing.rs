//! Helpers shared by the unit tests of `sync`, `queue` and `pool`: the runs a primitive is tested
//! under, threads whose results come back to the test, and waiting for what other threads did
//! rather than for how long they took.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::runtime::Runtime;
use crate::sched::{Mode, WaitFor};
use crate::thread::{ThreadOptions, ThreadRef};
use crate::trace::EventKind;

/// Parallel, GIL, and a traced parallel run (which takes every observed slow path).
pub(crate) fn runtimes() -> [Runtime; 3] {
    [
        Runtime::new(Mode::Parallel),
        Runtime::new(Mode::gil()),
        Runtime::builder(Mode::Parallel).trace(true).build(),
    ]
}

/// [`runtimes`] and a traced GIL run too: every mode a queue must work in.
pub(crate) fn runtimes_with_traced_gil() -> [Runtime; 4] {
    let [parallel, gil, traced_parallel] = runtimes();
    [
        parallel,
        gil,
        traced_parallel,
        Runtime::builder(Mode::gil()).trace(true).build(),
    ]
}

/// Runs that allow a task to block on a test's gate. Under the GIL a task blocked on an OS
/// channel would keep the GIL, so choreographed tests run in parallel modes only.
pub(crate) fn parallel_runtimes() -> [Runtime; 2] {
    [
        Runtime::new(Mode::Parallel),
        Runtime::builder(Mode::Parallel).trace(true).build(),
    ]
}

/// `n` gates: a task waits on its receiver until the test sends on the matching sender.
/// Only tests choreograph with OS channels; core itself never waits like this.
pub(crate) fn gates(n: usize) -> (Vec<Sender<()>>, Vec<Receiver<()>>) {
    (0..n).map(|_| channel()).unzip()
}

/// A thread of the run whose body's result comes back through [`Spawned::join`]. A panic in a
/// run's thread only reaches the run's excepthook, so results, not assertions inside the thread,
/// are what a test checks.
pub(crate) struct Spawned<R> {
    thread: ThreadRef,
    result: Arc<Mutex<Option<R>>>,
}

pub(crate) fn spawn<R: Send + 'static>(
    rt: &Runtime,
    body: impl FnOnce() -> R + Send + 'static,
) -> Spawned<R> {
    let result = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&result);
    let thread = rt
        .spawn(ThreadOptions::default(), move || {
            let value = body();
            *slot.lock().unwrap() = Some(value);
        })
        .unwrap();
    Spawned { thread, result }
}

impl<R> Spawned<R> {
    pub(crate) fn join(self) -> R {
        assert!(self.thread.join(None).unwrap());
        let value = self.result.lock().unwrap().take();
        value.expect("the thread panicked; see its message above")
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.result.lock().unwrap().is_some()
    }

    /// `join` for a stopped run, where joining and sleeping fail at once: polls for the result,
    /// parking through the scheduler so that a GIL is let go meanwhile.
    pub(crate) fn join_after_stop(self, rt: &Runtime) -> R {
        let me = rt.current();
        for _ in 0..60_000 {
            if let Some(value) = self.result.lock().unwrap().take() {
                return value;
            }
            let tick = rt.now().after(Duration::from_millis(1));
            let _ = rt.scheduler().park(&me, Some(tick), &WaitFor::Sleep);
        }
        panic!("the thread never finished");
    }
}

/// The kinds of the events the (traced) run recorded, in order, those that `keep` keeps.
pub(crate) fn event_kinds(rt: &Runtime, keep: impl Fn(&EventKind) -> bool) -> Vec<EventKind> {
    rt.trace()
        .unwrap()
        .events()
        .into_iter()
        .map(|event| event.kind)
        .filter(|kind| keep(kind))
        .collect()
}

/// Polls until `condition` holds, sleeping through the run (so a GIL is released). This orders a
/// test by what the other threads did, never by how long it took; the bound only turns a bug
/// into a failure instead of a hang.
pub(crate) fn wait_until(rt: &Runtime, mut condition: impl FnMut() -> bool) {
    for _ in 0..60_000 {
        if condition() {
            return;
        }
        rt.sleep(Duration::from_millis(1)).unwrap();
    }
    panic!("the awaited condition never held");
}

/// Runs `program` under 40 seeds of random and of PCT (depth 2) exploration, expecting no
/// failure, then checks that a few seeds replay byte for byte (same trace, same schedule).
pub(crate) fn assert_explores_cleanly_and_replays(
    program: impl Fn(&Runtime) -> Result<(), String>,
) {
    use crate::sched::Explorer;
    for explorer in [Explorer::random(), Explorer::pct(2)] {
        let exploration = explorer.seeds(0..40).run(&program);
        assert_eq!(
            exploration.first_failure.map(|failure| failure.message),
            None
        );
    }
    let explorer = Explorer::random().trace(true);
    for seed in 0..4 {
        let first = explorer.run_seed(seed, &program);
        let second = explorer.run_seed(seed, &program);
        assert_eq!(first.failure(), None);
        assert_eq!(
            first.runtime.trace().unwrap().to_chrome_json(),
            second.runtime.trace().unwrap().to_chrome_json()
        );
        assert_eq!(first.schedule, second.schedule);
    }
}
