//! `concurrent.futures.ThreadPoolExecutor`.
//!
//! Threads are started lazily: `submit` wakes an idle worker if there is one, and otherwise
//! starts a new thread, up to `max_workers` (CPython's idle-semaphore logic, with an exact count
//! of idle workers). Threads are not daemons and are named `{prefix}_{n}`, where the default
//! prefix is `ThreadPoolExecutor-{k}` and `k` counts the run's executors from 0.
//!
//! At the end of the run ([`Runtime::shutdown`]) every executor still alive stops taking work,
//! finishes what is queued, and its threads are joined (CPython's `_python_exit`). Dropping an
//! executor shuts it down without waiting.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::future::{Future, FutureCore, HasCore};
use super::job_queue::{JobQueue, SLOW};
use super::{run_reporting_panics, run_task, run_traced, FutureError, Initializer, MapFn, PoolRun};
use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::platform;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::deadline;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::thread::{ThreadOptions, ThreadRef};
use crate::time::Time;
use crate::util::lock;

/// How to make an [`Executor`]: `ThreadPoolExecutor(max_workers, thread_name_prefix,
/// initializer)`.
#[derive(Clone, Default)]
pub struct ExecutorOptions {
    /// At most this many threads; `None` means `min(32, os.cpu_count() + 4)`.
    pub max_workers: Option<usize>,
    /// Thread names are `{prefix}_{n}`; `None` or empty means `ThreadPoolExecutor-{k}`.
    pub thread_name_prefix: Option<String>,
    /// Runs once on each new thread. If it panics, the executor becomes broken: queued and
    /// later submitted work fails with [`Error::BrokenThreadPool`].
    pub initializer: Option<Initializer>,
}

/// A submitted task and its future.
trait WorkItem: Send + Sync {
    /// Marks the future running; false if it was cancelled, so the task must be skipped.
    fn start(&self) -> bool;
    /// Runs the task and completes the future; returns whether it succeeded.
    fn run(self: Arc<Self>) -> bool;
    fn cancel(self: Arc<Self>);
    fn fail(self: Arc<Self>, error: Error);
}

/// A task and its future in one allocation: the queue and the [`Future`] handles share it.
struct Task<F, T, E> {
    core: FutureCore<T, E>,
    /// Taken by the worker that runs it.
    body: Mutex<Option<F>>,
}

impl<F: Send, T: Send + Sync, E: Send + Sync> HasCore<T, E> for Task<F, T, E> {
    fn core(&self) -> &FutureCore<T, E> {
        &self.core
    }
}

impl<F, T, E> WorkItem for Task<F, T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    fn start(&self) -> bool {
        self.core.start_running()
    }

    fn run(self: Arc<Self>) -> bool {
        let Some(body) = lock(&self.body).take() else {
            return false;
        };
        let outcome = run_task(body, FutureError::Task);
        let ok = outcome.is_ok();
        Future::from_holder(self).complete(outcome);
        ok
    }

    fn cancel(self: Arc<Self>) {
        drop(lock(&self.body).take());
        Future::from_holder(self).cancel();
    }

    fn fail(self: Arc<Self>, error: Error) {
        drop(lock(&self.body).take());
        Future::from_holder(self).complete(Err(FutureError::from(error)));
    }
}

struct ExecShared {
    /// The run as the workers use it.
    run: Arc<PoolRun>,
    /// The run as futures hold it: a separate allocation, so that the reference count that each
    /// future bumps when it is made and when it is dropped (on the submitting side) is not on a
    /// cache line the workers read for every job.
    results: Arc<PoolRun>,
    id: ObjectId,
    prefix: String,
    max_workers: usize,
    initializer: Option<Initializer>,
    /// The work items, and under its mutex the idle workers and the rest of the executor's
    /// state.
    queue: JobQueue<Arc<dyn WorkItem>, ExecState>,
}

/// Why an executor refuses work, in its queue's gate; the state's flags say the same, once the
/// closing thread has recorded them.
const SHUT_DOWN: u64 = 1;
const RUN_ENDING: u64 = 1 << 1;
const BROKEN: u64 = 1 << 2;

/// The error for a refused submit, as CPython checks: broken first, then shut down.
fn refusal(reasons: u64) -> Error {
    if reasons & BROKEN != 0 {
        Error::BrokenThreadPool
    } else if reasons & SHUT_DOWN != 0 {
        Error::ExecutorShutDown
    } else {
        Error::InterpreterShutDown
    }
}

struct ExecState {
    shutdown: bool,
    /// The run is ending (CPython's global `_shutdown`).
    run_ending: bool,
    broken: bool,
    /// Threads started or being started; names count from 0 in this order.
    thread_count: usize,
    threads: Vec<ThreadRef>,
    /// Threads being started by a `submit` that does not hold the lock meanwhile; a joining
    /// `shutdown` waits for them to be listed.
    spawning: usize,
    spawn_waiters: WaitList,
}

impl ExecShared {
    fn waiting_for(&self) -> WaitFor {
        WaitFor::Object {
            object: self.id,
            holder: None,
        }
    }

    /// The next item for a worker; `None` when it should exit: the queue is empty and the
    /// executor shut down (queued work is finished first, as in CPython).
    fn next_item(&self) -> Option<Arc<dyn WorkItem>> {
        self.queue.next(&self.run, self.id, |exec| {
            exec.shutdown || exec.run_ending || exec.broken
        })
    }

    /// CPython's `_initializer_failed`: no more work, and queued work fails.
    fn break_pool(&self) {
        let failed = {
            let mut state = self.queue.close(BROKEN);
            state.pool.broken = true;
            self.queue.wake_idle_workers(&mut state, &self.run.rt);
            self.queue.take_all(&mut state)
        };
        for item in failed {
            item.fail(Error::BrokenThreadPool);
        }
    }

    /// Starts worker number `n`. On failure the thread is no longer counted, so that a later
    /// submit may try again.
    fn spawn_worker(self: &Arc<Self>, n: usize) -> Result<()> {
        let shared = Arc::clone(self);
        let options = ThreadOptions {
            name: Some(format!("{}_{n}", self.prefix)),
            target: None,
            daemon: Some(false),
        };
        let spawned = self.run.rt.spawn(options, move || work(shared));
        let mut state = self.queue.lock();
        let exec = &mut state.pool;
        exec.spawning = exec.spawning.saturating_sub(1);
        if exec.spawning == 0 {
            exec.spawn_waiters.notify_all(&self.run.rt);
        }
        match spawned {
            Ok(thread) => {
                exec.threads.push(thread);
                Ok(())
            }
            Err(err) => {
                exec.thread_count = exec.thread_count.saturating_sub(1);
                self.queue.set_slow(true);
                Err(err)
            }
        }
    }

    /// Waits for every thread this executor started (including ones still being started).
    fn join_threads(&self) -> Result<()> {
        let threads = {
            let mut state = self.queue.lock();
            while state.pool.spawning > 0 {
                state = wait_on(
                    &self.run.rt,
                    self.queue.mutex(),
                    state,
                    |state| &mut state.pool.spawn_waiters,
                    None,
                    self.waiting_for(),
                )?
                .0;
            }
            state.pool.threads.clone()
        };
        for thread in threads {
            thread.join(None)?;
        }
        Ok(())
    }
}

fn work(shared: Arc<ExecShared>) {
    let rt = &shared.run.rt;
    if let Some(initializer) = &shared.initializer {
        if !run_reporting_panics(rt, "Exception in initializer", || initializer()) {
            shared.break_pool();
            return;
        }
    }
    // Looked up once: the unobserved path must not pay for `current()` per task.
    let traced_as = rt.observed().then(|| rt.current());
    while let Some(item) = shared.next_item() {
        if !item.start() {
            continue;
        }
        run_traced(rt, traced_as.as_ref(), shared.id, || item.run());
    }
}

/// A pool of threads that runs submitted tasks and hands back [`Future`]s.
pub struct Executor {
    shared: Arc<ExecShared>,
}

impl Executor {
    /// Makes the executor; no thread starts until work is submitted. Fails for zero workers
    /// ([`Error::InvalidMaxWorkers`]).
    pub fn new(rt: &Runtime, options: ExecutorOptions) -> Result<Executor> {
        let max_workers = options
            .max_workers
            .unwrap_or_else(|| (platform::cpu_count() + 4).min(32));
        if max_workers == 0 {
            return Err(Error::InvalidMaxWorkers);
        }
        let id = rt.new_object_id(ObjectKind::Executor);
        let prefix = match options.thread_name_prefix {
            Some(prefix) if !prefix.is_empty() => prefix,
            _ => format!("ThreadPoolExecutor-{}", id.number - 1),
        };
        let shared = Arc::new(ExecShared {
            run: PoolRun::new(rt),
            results: PoolRun::new(rt),
            id,
            prefix,
            max_workers,
            initializer: options.initializer,
            // Slow until every thread is started: each submit decides under the lock whether
            // to start one.
            queue: JobQueue::new(
                ExecState {
                    shutdown: false,
                    run_ending: false,
                    broken: false,
                    thread_count: 0,
                    threads: Vec::new(),
                    spawning: 0,
                    spawn_waiters: WaitList::default(),
                },
                SLOW,
            ),
        });
        let weak = Arc::downgrade(&shared);
        rt.at_exit(move || {
            if let Some(shared) = weak.upgrade() {
                {
                    let mut state = shared.queue.close(RUN_ENDING);
                    state.pool.run_ending = true;
                    shared.queue.wake_idle_workers(&mut state, &shared.run.rt);
                }
                // Nothing is left to report an error to at the end of the run.
                let _ = shared.join_threads();
            }
        });
        Ok(Executor { shared })
    }

    pub fn id(&self) -> ObjectId {
        self.shared.id
    }

    /// The most threads it will start.
    pub fn max_workers(&self) -> usize {
        self.shared.max_workers
    }

    /// The threads started so far, in start order.
    pub fn threads(&self) -> Vec<ThreadRef> {
        self.shared.queue.lock().pool.threads.clone()
    }

    /// Schedules `f` and returns its future. Fails with [`Error::ExecutorShutDown`] after
    /// `shutdown`, [`Error::BrokenThreadPool`] once an initializer failed,
    /// [`Error::InterpreterShutDown`] once the run is ending, or when a needed thread cannot
    /// be started.
    pub fn submit<F, T, E>(&self, f: F) -> Result<Future<T, E>>
    where
        F: FnOnce() -> Result<T, E> + Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        let shared = &self.shared;
        let task = Arc::new(Task {
            core: FutureCore::new(&shared.results),
            body: Mutex::new(Some(f)),
        });
        let future = Future::from_holder(Arc::clone(&task) as Arc<dyn HasCore<T, E>>);
        // While threads are left to start, the job is queued under the lock and a thread is
        // started unless an idle worker was woken for it (CPython's idle semaphore). Once all
        // are started, queueing is lock-free.
        let new_thread = shared
            .queue
            .push_deciding(&shared.run.rt, task, |exec, woke_idle| {
                if woke_idle || exec.thread_count >= shared.max_workers {
                    return None;
                }
                let n = exec.thread_count;
                exec.thread_count += 1;
                exec.spawning += 1;
                if exec.thread_count >= shared.max_workers {
                    shared.queue.set_slow(false);
                }
                Some(n)
            })
            .map_err(refusal)?
            .flatten();
        // Started without the lock: starting waits for the new thread, which needs the lock
        // (and, under the GIL, the GIL this thread gives up while it waits).
        if let Some(n) = new_thread {
            if let Err(err) = shared.spawn_worker(n) {
                // A failed submit never runs its task: unless a running worker has started it
                // already (then it runs, and the submit succeeded), it is cancelled, and the
                // worker that dequeues it skips it. Nobody else holds the future yet, so the
                // cancellation is seen by no one.
                if future.cancel() {
                    return Err(err);
                }
            }
        }
        Ok(future)
    }

    /// Submits `func(item)` for every item at once and yields the results in input order.
    /// `timeout` is measured from this call; when it passes, the iterator yields
    /// [`FutureError::Timeout`]. After any error the iterator ends, and the futures it did not
    /// reach are cancelled, as they are when it is dropped early.
    pub fn map<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        timeout: Option<Duration>,
    ) -> Result<ExecutorMap<T, E>>
    where
        A: Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        let rt = &self.shared.run.rt;
        let deadline = deadline(rt, timeout);
        let mut futures = Vec::with_capacity(items.len());
        for item in items {
            let func = Arc::clone(&func);
            futures.push(self.submit(move || func(item))?);
        }
        futures.reverse();
        Ok(ExecutorMap {
            rt: rt.clone(),
            remaining: futures,
            deadline,
        })
    }

    /// No new work. `cancel_futures` cancels everything still queued; the rest is finished.
    /// `wait` waits for the threads to exit. Calling it again is harmless.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<()> {
        let shared = &self.shared;
        let cancelled = {
            let mut state = shared.queue.close(SHUT_DOWN);
            state.pool.shutdown = true;
            shared.queue.wake_idle_workers(&mut state, &shared.run.rt);
            if cancel_futures {
                shared.queue.take_all(&mut state)
            } else {
                Vec::new()
            }
        };
        for item in cancelled {
            item.cancel();
        }
        if wait {
            shared.join_threads()?;
        }
        Ok(())
    }
}

impl Drop for Executor {
    /// CPython's workers notice a collected executor and exit once the queue is empty.
    fn drop(&mut self) {
        let queue = &self.shared.queue;
        let mut state = queue.close(SHUT_DOWN);
        state.pool.shutdown = true;
        queue.wake_idle_workers(&mut state, &self.shared.run.rt);
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.queue.lock();
        f.debug_struct("Executor")
            .field("id", &self.shared.id)
            .field("prefix", &self.shared.prefix)
            .field("max_workers", &self.shared.max_workers)
            .field("threads", &state.pool.threads.len())
            .field("queued", &self.shared.queue.queued())
            .field("shutdown", &state.pool.shutdown)
            .finish()
    }
}

/// The iterator [`Executor::map`] returns.
pub struct ExecutorMap<T, E> {
    rt: Runtime,
    /// Not yet yielded, last first.
    remaining: Vec<Future<T, E>>,
    deadline: Option<Time>,
}

impl<T, E> ExecutorMap<T, E> {
    fn cancel_remaining(&mut self) {
        for future in self.remaining.drain(..) {
            future.cancel();
        }
    }
}

impl<T: Clone + Send + Sync + 'static, E: Clone + Send + 'static> Iterator for ExecutorMap<T, E> {
    type Item = Result<T, FutureError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        let future = self.remaining.pop()?;
        let timeout = self.deadline.map(|deadline| deadline - self.rt.now());
        let outcome = future.result(timeout);
        if outcome.is_err() {
            future.cancel();
            self.cancel_remaining();
        }
        Some(outcome)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining.len(), Some(self.remaining.len()))
    }
}

impl<T, E> Drop for ExecutorMap<T, E> {
    fn drop(&mut self) {
        self.cancel_remaining();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};
    use std::sync::mpsc::{channel, Receiver, Sender};

    use super::*;
    use crate::error::ExceptionKind;
    use crate::pool::{as_completed, wait, ReturnWhen};
    use crate::sched::Mode;
    use crate::sync::testing::{
        assert_explores_cleanly_and_replays, gates, parallel_runtimes, runtimes, spawn, wait_until,
    };
    use crate::trace::EventKind;

    const SHORT: Duration = Duration::from_millis(20);
    /// A bound that only turns a lost task into a failure instead of a hang.
    const LONG: Duration = Duration::from_secs(30);

    fn executor(rt: &Runtime, max_workers: usize) -> Executor {
        Executor::new(
            rt,
            ExecutorOptions {
                max_workers: Some(max_workers),
                ..ExecutorOptions::default()
            },
        )
        .unwrap()
    }

    /// A task that says it started, then waits for its gate.
    fn gated(
        started: Sender<()>,
        gate: Receiver<()>,
        value: i32,
    ) -> impl FnOnce() -> Result<i32, String> + Send + 'static {
        move || {
            started.send(()).unwrap();
            gate.recv().unwrap();
            Ok(value)
        }
    }

    /// Submits one gated task per gate, each valued by its gate's index.
    fn submit_gated(
        executor: &Executor,
        started: &Sender<()>,
        gates: Vec<Receiver<()>>,
    ) -> Vec<Future<i32, String>> {
        gates
            .into_iter()
            .enumerate()
            .map(|(i, gate)| {
                executor
                    .submit(gated(started.clone(), gate, i as i32))
                    .unwrap()
            })
            .collect()
    }

    /// Submits a gated task of `value` and waits until a worker runs it; it finishes once the
    /// returned gate is opened.
    fn running_gated(executor: &Executor, value: i32) -> (Future<i32, String>, Sender<()>) {
        let (mut open, mut gates) = gates(1);
        let (started, has_started) = channel();
        let future = executor
            .submit(gated(started, gates.remove(0), value))
            .unwrap();
        has_started.recv().unwrap();
        (future, open.remove(0))
    }

    #[test]
    fn submit_returns_a_future_with_the_value_or_the_error() {
        for rt in runtimes() {
            let executor = executor(&rt, 2);
            let ok = executor.submit(|| Ok::<_, String>(6 * 7)).unwrap();
            let failed = executor.submit(|| Err::<i32, _>("bad".to_owned())).unwrap();
            assert_eq!(ok.result(None), Ok(42));
            assert_eq!(ok.exception(None), Ok(None));
            assert_eq!(
                failed.result(None),
                Err(FutureError::Task("bad".to_owned()))
            );
            assert_eq!(failed.exception(None), Ok(Some("bad".to_owned())));
            assert!(ok.done() && failed.done());
            executor.shutdown(true, false).unwrap();
        }
    }

    #[test]
    fn a_panicking_task_fails_its_future_and_the_worker_survives() {
        for rt in runtimes() {
            let executor = executor(&rt, 1);
            let future = executor
                .submit(|| -> Result<i32, String> { panic!("boom") })
                .unwrap();
            assert_eq!(
                future.result(None),
                Err(FutureError::Core(Error::WorkerPanicked("boom".to_owned())))
            );
            assert_eq!(
                executor.submit(|| Ok::<_, String>(1)).unwrap().result(None),
                Ok(1)
            );
            assert_eq!(executor.threads().len(), 1);
        }
    }

    #[test]
    fn threads_start_lazily_with_cpython_names() {
        for rt in runtimes() {
            let first = executor(&rt, 4);
            assert!(first.threads().is_empty());
            assert_eq!(rt.active_count(), 1);
            let run = rt.clone();
            let name = first
                .submit(move || Ok::<_, String>(run.current().name()))
                .unwrap()
                .result(None);
            assert_eq!(name.as_deref(), Ok("ThreadPoolExecutor-0_0"));
            let threads = first.threads();
            assert_eq!(threads.len(), 1);
            assert!(!threads[0].is_daemon());

            let second = executor(&rt, 1);
            second
                .submit(|| Ok::<_, String>(()))
                .unwrap()
                .result(None)
                .unwrap();
            assert_eq!(second.threads()[0].name(), "ThreadPoolExecutor-1_0");

            let named = Executor::new(
                &rt,
                ExecutorOptions {
                    max_workers: Some(1),
                    thread_name_prefix: Some("fetch".to_owned()),
                    initializer: None,
                },
            )
            .unwrap();
            named
                .submit(|| Ok::<_, String>(()))
                .unwrap()
                .result(None)
                .unwrap();
            assert_eq!(named.threads()[0].name(), "fetch_0");
            for executor in [first, second, named] {
                executor.shutdown(true, false).unwrap();
            }
            assert_eq!(rt.active_count(), 1);
        }
    }

    #[test]
    fn never_more_threads_than_max_workers() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 2);
            let (open, gates) = gates(3);
            let (started, has_started) = channel();
            let futures = submit_gated(&executor, &started, gates);
            has_started.recv().unwrap();
            has_started.recv().unwrap();
            let names: Vec<String> = executor.threads().iter().map(ThreadRef::name).collect();
            assert_eq!(names, ["ThreadPoolExecutor-0_0", "ThreadPoolExecutor-0_1"]);
            for gate in &open {
                gate.send(()).unwrap();
            }
            let values: Vec<_> = futures.iter().map(|f| f.result(None).unwrap()).collect();
            assert_eq!(values, [0, 1, 2]);
            assert_eq!(executor.threads().len(), 2);
            executor.shutdown(true, false).unwrap();
        }
    }

    #[test]
    fn max_workers_defaults_to_cpu_count_plus_four_up_to_32() {
        let rt = Runtime::new(Mode::Parallel);
        let executor = Executor::new(&rt, ExecutorOptions::default()).unwrap();
        assert_eq!(executor.max_workers(), (platform::cpu_count() + 4).min(32));
        let err = Executor::new(
            &rt,
            ExecutorOptions {
                max_workers: Some(0),
                ..ExecutorOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(err, Error::InvalidMaxWorkers);
        assert_eq!(err.to_string(), "max_workers must be greater than 0");
        assert_eq!(err.exception(), ExceptionKind::ValueError);
    }

    #[test]
    fn a_pending_future_can_be_cancelled_and_its_task_never_runs() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 1);
            let (running, open) = running_gated(&executor, 1);
            let ran = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&ran);
            let pending = executor
                .submit(move || {
                    flag.store(true, AtomicOrdering::SeqCst);
                    Ok::<_, String>(2)
                })
                .unwrap();
            assert!(running.running());
            assert!(!running.cancel(), "a running future cannot be cancelled");
            assert!(!pending.running());
            assert!(pending.cancel());
            assert!(pending.cancelled() && pending.done());
            assert_eq!(pending.result(None), Err(FutureError::Cancelled));
            open.send(()).unwrap();
            assert_eq!(running.result(None), Ok(1));
            executor.shutdown(true, false).unwrap();
            assert!(!ran.load(AtomicOrdering::SeqCst));
        }
    }

    #[test]
    fn shutdown_with_cancel_futures_cancels_what_is_queued() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 1);
            let (running, open) = running_gated(&executor, 1);
            let queued: Vec<_> = (0..3)
                .map(|i| executor.submit(move || Ok::<_, String>(i)).unwrap())
                .collect();
            executor.shutdown(false, true).unwrap();
            assert!(queued.iter().all(Future::cancelled));
            assert_eq!(
                executor.submit(|| Ok::<_, String>(0)).unwrap_err(),
                Error::ExecutorShutDown
            );
            open.send(()).unwrap();
            executor.shutdown(true, false).unwrap();
            assert_eq!(running.result(None), Ok(1));
            assert!(!executor.threads()[0].is_alive());
        }
    }

    #[test]
    fn shutdown_without_cancelling_finishes_queued_work() {
        for rt in runtimes() {
            let executor = executor(&rt, 1);
            let count = Arc::new(AtomicUsize::new(0));
            let futures: Vec<_> = (0..10)
                .map(|_| {
                    let count = Arc::clone(&count);
                    executor
                        .submit(move || Ok::<_, String>(count.fetch_add(1, AtomicOrdering::SeqCst)))
                        .unwrap()
                })
                .collect();
            executor.shutdown(true, false).unwrap();
            assert_eq!(count.load(AtomicOrdering::SeqCst), 10);
            assert!(futures.iter().all(Future::done));
            assert_eq!(rt.active_count(), 1);
            executor.shutdown(true, true).unwrap();
        }
    }

    #[test]
    fn submit_after_shutdown_is_an_error() {
        let rt = Runtime::new(Mode::Parallel);
        let executor = executor(&rt, 1);
        executor.shutdown(false, false).unwrap();
        let err = executor.submit(|| Ok::<_, String>(1)).unwrap_err();
        assert_eq!(err, Error::ExecutorShutDown);
        assert_eq!(
            err.to_string(),
            "cannot schedule new futures after shutdown"
        );
        assert_eq!(err.exception(), ExceptionKind::RuntimeError);
        assert!(executor
            .map(Arc::new(|x: i32| Ok::<_, String>(x)), vec![1], None)
            .is_err());
    }

    #[test]
    fn as_completed_yields_in_completion_order_and_times_out() {
        for rt in parallel_runtimes() {
            // One worker per gated task, and one for the task that finishes at once.
            let executor = executor(&rt, 4);
            let (open, gates) = gates(3);
            let (started, has_started) = channel();
            let gated_futures = submit_gated(&executor, &started, gates);
            let finished = executor.submit(|| Ok::<_, String>(9)).unwrap();
            finished.result(None).unwrap();
            for _ in 0..3 {
                has_started.recv().unwrap();
            }
            let mut all = gated_futures.clone();
            all.push(finished.clone());
            let mut completed = as_completed(&all, None);
            assert!(completed.next().unwrap().unwrap().ptr_eq(&finished));
            for i in [2, 0, 1] {
                open[i].send(()).unwrap();
                let next = completed.next().unwrap().unwrap();
                assert!(next.ptr_eq(&gated_futures[i]));
                assert_eq!(next.result(None), Ok(i as i32));
            }
            assert!(completed.next().is_none());

            let (open, mut gates) = crate::sync::testing::gates(1);
            let stuck = executor
                .submit(gated(started.clone(), gates.remove(0), 0))
                .unwrap();
            let results: Vec<_> = as_completed(&[stuck, finished], Some(SHORT)).collect();
            assert_eq!(results.len(), 2);
            assert!(results[0].is_ok());
            assert_eq!(
                results[1].as_ref().unwrap_err(),
                &FutureError::Timeout("1 (of 2) futures unfinished".to_owned())
            );
            open[0].send(()).unwrap();
            executor.shutdown(true, false).unwrap();
        }
    }

    #[test]
    fn wait_supports_every_return_when() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 3);
            let (open, gates) = gates(2);
            let (started, has_started) = channel();
            let mut gates = gates.into_iter();
            let slow = executor
                .submit(gated(started.clone(), gates.next().unwrap(), 0))
                .unwrap();
            let fast = executor
                .submit(gated(started.clone(), gates.next().unwrap(), 1))
                .unwrap();
            let failing = executor.submit(|| Err::<i32, _>("bad".to_owned())).unwrap();
            has_started.recv().unwrap();
            has_started.recv().unwrap();
            let (done, not_done) = wait(
                &[slow.clone(), failing.clone(), fast.clone()],
                None,
                ReturnWhen::FirstException,
            )
            .unwrap();
            assert!(done.len() == 1 && done[0].ptr_eq(&failing));
            assert_eq!(not_done.len(), 2);

            let (done, _) = wait(
                &[slow.clone(), fast.clone()],
                Some(SHORT),
                ReturnWhen::FirstCompleted,
            )
            .unwrap();
            assert!(done.is_empty());
            open[1].send(()).unwrap();
            let (done, not_done) = wait(
                &[slow.clone(), fast.clone()],
                None,
                ReturnWhen::FirstCompleted,
            )
            .unwrap();
            assert!(done.len() == 1 && done[0].ptr_eq(&fast));
            assert!(not_done.len() == 1 && not_done[0].ptr_eq(&slow));

            let everything = [slow.clone(), fast, failing];
            let (done, not_done) =
                wait(&everything, Some(SHORT), ReturnWhen::AllCompleted).unwrap();
            assert_eq!((done.len(), not_done.len()), (2, 1));
            open[0].send(()).unwrap();
            let (done, not_done) = wait(&everything, None, ReturnWhen::AllCompleted).unwrap();
            assert_eq!((done.len(), not_done.len()), (3, 0));
            executor.shutdown(true, false).unwrap();
        }
    }

    #[test]
    fn done_callbacks_run_in_the_worker_or_at_once_in_the_caller() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 1);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let (future, open) = running_gated(&executor, 5);
            // Records the future's result and the thread the callback runs on.
            let recorder = || {
                let (record, run) = (Arc::clone(&seen), rt.clone());
                Box::new(move |done: &Future<i32, String>| {
                    record.lock().unwrap().push(format!(
                        "{:?} on {}",
                        done.result(None),
                        run.current().name()
                    ))
                })
            };
            future.add_done_callback(recorder());
            open.send(()).unwrap();
            future.result(None).unwrap();
            executor.shutdown(true, false).unwrap();
            future.add_done_callback(recorder());
            assert_eq!(
                *seen.lock().unwrap(),
                ["Ok(5) on ThreadPoolExecutor-0_0", "Ok(5) on MainThread"]
            );
        }
    }

    #[test]
    fn a_panicking_done_callback_does_not_kill_the_worker() {
        let rt = Runtime::new(Mode::Parallel);
        rt.set_excepthook(|_| {});
        let executor = executor(&rt, 1);
        let (future, open) = running_gated(&executor, 1);
        future.add_done_callback(Box::new(|_: &Future<i32, String>| panic!("callback broke")));
        open.send(()).unwrap();
        assert_eq!(future.result(None), Ok(1));
        assert_eq!(
            executor.submit(|| Ok::<_, String>(2)).unwrap().result(None),
            Ok(2)
        );
        assert_eq!(executor.threads().len(), 1);
        assert!(executor.threads()[0].is_alive());
    }

    #[test]
    fn map_yields_in_input_order() {
        for rt in runtimes() {
            let executor = executor(&rt, 3);
            let square: MapFn<i32, i32, String> = Arc::new(|x| Ok(x * x));
            let values: Vec<_> = executor
                .map(square, (0..20).collect(), None)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(values, (0..20).map(|x| x * x).collect::<Vec<_>>());
            let failing: MapFn<i32, i32, String> =
                Arc::new(|x| if x == 1 { Err("one".to_owned()) } else { Ok(x) });
            let got: Vec<_> = executor
                .map(failing, vec![0, 1, 2], None)
                .unwrap()
                .collect();
            assert_eq!(got, [Ok(0), Err(FutureError::Task("one".to_owned()))]);
            executor.shutdown(true, false).unwrap();
        }
    }

    #[test]
    fn map_is_ordered_even_when_later_items_finish_first() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 3);
            let (open, gates) = gates(3);
            let items: Vec<(i32, Receiver<()>)> = (0..3).zip(gates).collect();
            let func: MapFn<(i32, Receiver<()>), i32, String> = Arc::new(|(i, gate)| {
                gate.recv().unwrap();
                Ok(i * 10)
            });
            let mut results = executor.map(func, items, None).unwrap();
            open[2].send(()).unwrap();
            open[1].send(()).unwrap();
            open[0].send(()).unwrap();
            assert_eq!(results.next(), Some(Ok(0)));
            assert_eq!(results.next(), Some(Ok(10)));
            assert_eq!(results.next(), Some(Ok(20)));
            assert_eq!(results.next(), None);
            executor.shutdown(true, false).unwrap();
        }
    }

    #[test]
    fn map_times_out_from_the_call_and_cancels_the_rest() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 1);
            let (open, gates) = gates(1);
            let (started, has_started) = channel();
            let started = Mutex::new(started);
            let mut gates = gates.into_iter();
            let items: Vec<(i32, Option<Receiver<()>>)> =
                vec![(0, gates.next()), (1, None), (2, None)];
            let ran = Arc::new(AtomicUsize::new(0));
            let count = Arc::clone(&ran);
            let func: MapFn<(i32, Option<Receiver<()>>), i32, String> =
                Arc::new(move |(i, gate)| {
                    if let Some(gate) = gate {
                        started.lock().unwrap().send(()).unwrap();
                        gate.recv().unwrap();
                    }
                    count.fetch_add(1, AtomicOrdering::SeqCst);
                    Ok(i)
                });
            let mut results = executor.map(func, items, Some(SHORT)).unwrap();
            has_started.recv().unwrap();
            assert_eq!(
                results.next(),
                Some(Err(FutureError::Timeout(String::new())))
            );
            assert_eq!(results.next(), None);
            open[0].send(()).unwrap();
            executor.shutdown(true, false).unwrap();
            assert_eq!(
                ran.load(AtomicOrdering::SeqCst),
                1,
                "the rest was cancelled"
            );
        }
    }

    #[test]
    fn dropping_a_map_early_cancels_what_it_did_not_reach() {
        let rt = Runtime::new(Mode::Parallel);
        let executor = executor(&rt, 1);
        let (blocker, open) = running_gated(&executor, 0);
        let ran = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&ran);
        let func: MapFn<i32, i32, String> = Arc::new(move |x| {
            count.fetch_add(1, AtomicOrdering::SeqCst);
            Ok(x)
        });
        drop(executor.map(func, vec![1, 2, 3], None).unwrap());
        open.send(()).unwrap();
        assert_eq!(blocker.result(None), Ok(0));
        executor.shutdown(true, false).unwrap();
        assert_eq!(ran.load(AtomicOrdering::SeqCst), 0);
    }

    #[test]
    fn the_end_of_the_run_finishes_queued_work_of_live_executors() {
        for rt in runtimes() {
            let executor = executor(&rt, 1);
            let count = Arc::new(AtomicUsize::new(0));
            for _ in 0..5 {
                let count = Arc::clone(&count);
                executor
                    .submit(move || Ok::<_, String>(count.fetch_add(1, AtomicOrdering::SeqCst)))
                    .unwrap();
            }
            rt.shutdown().unwrap();
            assert_eq!(count.load(AtomicOrdering::SeqCst), 5);
            assert!(executor.threads().iter().all(|thread| !thread.is_alive()));
            let err = executor.submit(|| Ok::<_, String>(0)).unwrap_err();
            assert_eq!(err, Error::InterpreterShutDown);
            assert_eq!(
                err.to_string(),
                "cannot schedule new futures after interpreter shutdown"
            );
        }
    }

    #[test]
    fn a_dropped_executor_finishes_its_queue_and_its_threads_exit() {
        for rt in runtimes() {
            let futures: Vec<_> = {
                let executor = executor(&rt, 2);
                (0..6)
                    .map(|i| executor.submit(move || Ok::<_, String>(i)).unwrap())
                    .collect()
            };
            let values: Vec<_> = futures.iter().map(|f| f.result(None).unwrap()).collect();
            assert_eq!(values, [0, 1, 2, 3, 4, 5]);
            rt.shutdown().unwrap();
            assert_eq!(rt.active_count(), 0);
        }
    }

    #[test]
    fn a_failing_initializer_breaks_the_executor() {
        let rt = Runtime::new(Mode::Parallel);
        rt.set_excepthook(|_| {});
        let executor = Executor::new(
            &rt,
            ExecutorOptions {
                max_workers: Some(1),
                thread_name_prefix: None,
                initializer: Some(Arc::new(|| panic!("no setup"))),
            },
        )
        .unwrap();
        let future = executor.submit(|| Ok::<_, String>(1)).unwrap();
        assert_eq!(
            future.result(None),
            Err(FutureError::Core(Error::BrokenThreadPool))
        );
        let err = executor.submit(|| Ok::<_, String>(2)).unwrap_err();
        assert_eq!(err, Error::BrokenThreadPool);
        assert_eq!(
            err.to_string(),
            "A thread initializer failed, the thread pool is not usable anymore"
        );
        assert_eq!(err.exception(), ExceptionKind::BrokenThreadPool);
        executor.shutdown(true, false).unwrap();
    }

    #[test]
    fn the_initializer_runs_on_each_new_thread() {
        for rt in runtimes() {
            let count = Arc::new(AtomicUsize::new(0));
            let counter = Arc::clone(&count);
            let executor = Executor::new(
                &rt,
                ExecutorOptions {
                    max_workers: Some(1),
                    thread_name_prefix: None,
                    initializer: Some(Arc::new(move || {
                        counter.fetch_add(1, AtomicOrdering::SeqCst);
                    })),
                },
            )
            .unwrap();
            for i in 0..5 {
                assert_eq!(
                    executor
                        .submit(move || Ok::<_, String>(i))
                        .unwrap()
                        .result(None),
                    Ok(i)
                );
            }
            executor.shutdown(true, false).unwrap();
            assert_eq!(count.load(AtomicOrdering::SeqCst), 1);
        }
    }

    #[test]
    fn traced_tasks_record_start_and_end() {
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let executor = executor(&rt, 1);
        executor
            .submit(|| Ok::<_, String>(1))
            .unwrap()
            .result(None)
            .unwrap();
        let _ = executor
            .submit(|| Err::<i32, _>("bad".to_owned()))
            .unwrap()
            .result(None);
        executor.shutdown(true, false).unwrap();
        let ends: Vec<bool> = rt
            .trace()
            .unwrap()
            .events()
            .iter()
            .filter_map(|event| match event.kind {
                EventKind::TaskEnd { pool, ok, .. } if pool == executor.id() => Some(ok),
                _ => None,
            })
            .collect();
        assert_eq!(ends, [true, false]);
        assert_eq!(executor.id().to_string(), "ThreadPoolExecutor#1");
    }

    /// Threads submit while the executor starts its threads lazily: each result is right, and
    /// no more than `max_workers` threads start.
    #[test]
    fn concurrent_submitters_get_their_results_and_start_at_most_max_workers() {
        for rt in runtimes() {
            let executor = Arc::new(executor(&rt, 3));
            let submitters: Vec<_> = (0..4usize)
                .map(|t| {
                    let executor = Arc::clone(&executor);
                    spawn(&rt, move || {
                        let futures: Vec<_> = (0..500usize)
                            .map(|i| {
                                executor
                                    .submit(move || Ok::<_, String>(t * 1000 + i))
                                    .unwrap()
                            })
                            .collect();
                        (0..)
                            .zip(&futures)
                            .filter(|(i, future)| future.result(Some(LONG)) != Ok(t * 1000 + i))
                            .count()
                    })
                })
                .collect();
            for submitter in submitters {
                assert_eq!(submitter.join(), 0, "wrong or missing results");
            }
            assert!(executor.threads().len() <= 3);
            executor.shutdown(true, false).unwrap();
        }
    }

    /// Threads submit while another shuts the executor down: each submit is refused, or
    /// accepted and finished by the time `shutdown(wait=True)` returns (run, or cancelled when
    /// `cancel_futures` is set). Threads are still being started lazily meanwhile.
    #[test]
    fn shutting_down_while_threads_submit_finishes_or_cancels_every_accepted_future() {
        for rt in parallel_runtimes() {
            for cancel_futures in [false, true] {
                for _ in 0..25 {
                    let executor = Arc::new(executor(&rt, 2));
                    let submitted = Arc::new(AtomicUsize::new(0));
                    let submitters: Vec<_> = (0..3)
                        .map(|_| {
                            let executor = Arc::clone(&executor);
                            let submitted = Arc::clone(&submitted);
                            spawn(&rt, move || {
                                let mut accepted = Vec::new();
                                let mut refusals = Vec::new();
                                for i in 0..300usize {
                                    submitted.fetch_add(1, AtomicOrdering::SeqCst);
                                    match executor.submit(move || Ok::<_, String>(i)) {
                                        Ok(future) if refusals.is_empty() => {
                                            accepted.push((i, future))
                                        }
                                        Ok(_) => {
                                            return Err(format!(
                                                "submit {i} accepted after a refusal"
                                            ))
                                        }
                                        Err(err) => refusals.push(err),
                                    }
                                }
                                Ok((accepted, refusals))
                            })
                        })
                        .collect();
                    wait_until(&rt, || submitted.load(AtomicOrdering::SeqCst) > 100);
                    executor.shutdown(true, cancel_futures).unwrap();
                    for submitter in submitters {
                        let (accepted, refusals) = submitter.join().unwrap();
                        assert!(refusals.iter().all(|err| *err == Error::ExecutorShutDown));
                        for (i, future) in accepted {
                            assert!(future.done(), "future {i} was left unfinished");
                            let got = future.result(None);
                            assert!(
                                got == Ok(i)
                                    || (cancel_futures && got == Err(FutureError::Cancelled)),
                                "future {i} gave {got:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn one_worker_runs_a_large_backlog_in_submission_order() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 1);
            let (blocker, open) = running_gated(&executor, -1);
            let order = Arc::new(Mutex::new(Vec::new()));
            let futures: Vec<_> = (0..6000i32)
                .map(|i| {
                    if i == 3000 {
                        open.send(()).unwrap();
                    }
                    let order = Arc::clone(&order);
                    executor
                        .submit(move || {
                            order.lock().unwrap().push(i);
                            Ok::<_, String>(i)
                        })
                        .unwrap()
                })
                .collect();
            assert_eq!(blocker.result(None), Ok(-1));
            for (i, future) in (0..).zip(&futures) {
                assert_eq!(future.result(Some(LONG)), Ok(i));
            }
            assert_eq!(*order.lock().unwrap(), (0..6000).collect::<Vec<_>>());
            executor.shutdown(true, false).unwrap();
        }
    }

    /// Each burst comes once every worker has parked, so each is a wake-up that must not be
    /// lost (and must not start a thread beyond `max_workers`).
    #[test]
    fn parked_workers_are_woken_for_each_burst() {
        for rt in runtimes() {
            let executor = executor(&rt, 2);
            for round in 0..40usize {
                let started = executor.threads().len() as u64;
                wait_until(&rt, || executor.shared.queue.parked() == started);
                let futures: Vec<_> = (0..round % 4 + 1)
                    .map(|i| executor.submit(move || Ok::<_, String>(round + i)).unwrap())
                    .collect();
                for (i, future) in futures.iter().enumerate() {
                    assert_eq!(future.result(Some(LONG)), Ok(round + i));
                }
            }
            assert_eq!(executor.threads().len(), 2);
            executor.shutdown(true, false).unwrap();
        }
    }

    /// Under the deterministic scheduler an executor's run, submits racing with
    /// `shutdown(cancel_futures=True)` included, is the same for the same seed, and no schedule
    /// strands a future.
    #[test]
    fn executors_run_and_replay_under_the_deterministic_scheduler() {
        let program = |rt: &Runtime| -> std::result::Result<(), String> {
            let text = |err: Error| err.to_string();
            let executor = Arc::new(executor(rt, 2));
            let submitter = {
                let executor = Arc::clone(&executor);
                rt.spawn(ThreadOptions::default(), move || {
                    for i in 0..8 {
                        if let Ok(future) = executor.submit(move || Ok::<_, String>(i)) {
                            match future.result(None) {
                                Ok(value) if value == i => {}
                                Err(FutureError::Cancelled) => {}
                                other => panic!("future {i} gave {other:?}"),
                            }
                        }
                    }
                })
                .map_err(text)?
            };
            let square: MapFn<i32, i32, String> = Arc::new(|x| Ok(x * x));
            let squares: Vec<_> = executor
                .map(square, (0..6).collect(), None)
                .map_err(text)?
                .collect();
            if squares != (0..6).map(|x| Ok(x * x)).collect::<Vec<_>>() {
                return Err(format!("map gave {squares:?}"));
            }
            executor.shutdown(true, true).map_err(text)?;
            submitter.join(None).map_err(text)?;
            Ok(())
        };
        assert_explores_cleanly_and_replays(program);
    }

    /// Tasks come just as the idle worker is going to park, at delays that sweep through its
    /// spinning: a wake-up lost between the worker's last look at the queue and its parking
    /// would leave a task waiting forever.
    #[test]
    fn tasks_submitted_as_workers_park_are_not_lost() {
        for rt in parallel_runtimes() {
            let executor = executor(&rt, 1);
            // Bounded in time too: on a loaded machine every wake-up takes a time slice.
            let started = std::time::Instant::now();
            for i in (0..2000usize).take_while(|_| started.elapsed() < Duration::from_secs(3)) {
                let result = executor.submit(move || Ok::<_, String>(i)).unwrap();
                assert_eq!(result.result(Some(LONG)), Ok(i));
                let pause = std::time::Instant::now();
                let delay = Duration::from_micros((i * 37 % 150) as u64);
                while pause.elapsed() < delay {
                    std::hint::spin_loop();
                }
            }
            executor.shutdown(true, false).unwrap();
        }
    }
}
