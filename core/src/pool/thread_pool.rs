//! `multiprocessing.pool.ThreadPool`: a fixed set of worker threads started at creation, one
//! queue of tasks, and one result-handler thread that runs callbacks in completion order.
//!
//! Threads are named as CPython 3.10+ names them: `Thread-1 (worker)` … `Thread-N (worker)`,
//! then `Thread-(N+3) (_handle_results)`. CPython also starts `_handle_workers` and
//! `_handle_tasks` threads; they have no job here, but their names are allocated so that the
//! learner's next `Thread-N` gets the same number as under CPython.
//!
//! Life cycle: running → `close()` (workers finish the queue, then exit) or `terminate()`
//! (queued tasks are dropped, their results fail with [`Error::PoolTerminated`], running tasks
//! finish their current chunk) → `join()`. Dropping the pool closes it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::async_result::{ChunkSink, HasCell, IMap, MapCollector, ResultCell};
use super::job_queue::JobQueue;
use super::{
    run_reporting_panics, run_task, run_traced, AsyncResult, Callback, ErrorCallback, Initializer,
    MapFn, PoolError, PoolRun,
};
use crate::error::{Error, Result};
use crate::object_id::{ObjectId, ObjectKind};
use crate::platform;
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::thread::{ThreadOptions, ThreadRef};
use crate::util::lock;

/// How to make a [`ThreadPool`]: `ThreadPool(processes=None, initializer=None)`.
#[derive(Clone, Default)]
pub struct PoolOptions {
    /// The number of worker threads; `None` means `os.cpu_count()`.
    pub processes: Option<usize>,
    /// Runs once on each worker before it takes work. A panic in it is reported through the
    /// run's excepthook and the worker carries on (CPython's worker would die and be replaced,
    /// forever).
    pub initializer: Option<Initializer>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Running,
    Closed,
    Terminated,
}

/// One unit of queued work: a task, or one chunk of a map. Shared (`Arc`) so that a task can
/// live in the same allocation as its result.
pub(crate) trait Job: Send + Sync {
    /// Runs it and delivers its outcome; returns whether it succeeded (for the trace).
    fn run(self: Arc<Self>, pool: &PoolShared) -> bool;

    /// The pool was terminated before it ran.
    fn abandon(self: Arc<Self>, pool: &PoolShared);
}

/// Delivers a result and runs its callback, on the result-handler thread.
type Completion = Box<dyn FnOnce() + Send>;

/// What workers, the result handler and results share.
pub(crate) struct PoolShared {
    /// The run as the workers and the result handler use it.
    run: Arc<PoolRun>,
    /// The run as results hold it: a separate allocation, so that the reference count that each
    /// result bumps when it is made and when it is dropped (on the submitting side) is not on a
    /// cache line the workers read for every job.
    results: Arc<PoolRun>,
    id: ObjectId,
    /// The jobs, and under its mutex the idle workers and the rest of the pool's state.
    queue: JobQueue<Arc<dyn Job>, PoolState>,
}

/// The one reason a pool refuses work (closed or terminated), in the queue's gate.
const NOT_RUNNING: u64 = 1;

struct PoolState {
    status: Status,
    completions: VecDeque<Completion>,
    handler_waiting: WaitList,
    workers_alive: usize,
    handler_alive: bool,
}

impl PoolShared {
    fn waiting_for(&self) -> WaitFor {
        WaitFor::Object {
            object: self.id,
            holder: None,
        }
    }

    fn check_running(&self) -> Result<()> {
        match self.queue.refused() {
            0 => Ok(()),
            _ => Err(Error::PoolNotRunning),
        }
    }

    /// Queues `job`, unless the pool was closed or terminated. No worker is woken when every
    /// one is busy: one of them will find the job when it finishes.
    fn submit(&self, job: Arc<dyn Job>) -> Result<()> {
        self.queue
            .push(&self.run.rt, job)
            .map_err(|_| Error::PoolNotRunning)
    }

    fn submit_all(&self, jobs: Vec<Arc<dyn Job>>) -> Result<()> {
        self.queue
            .push_all(&self.run.rt, jobs)
            .map_err(|_| Error::PoolNotRunning)
    }

    /// The next job for a worker; `None` when the worker should exit: the queue is empty and
    /// the pool closed, or the pool terminated.
    fn next_job(&self) -> Option<Arc<dyn Job>> {
        self.queue
            .next(&self.run, self.id, |pool| pool.status != Status::Running)
    }

    fn worker_exited(&self) {
        let mut state = self.queue.lock();
        let pool = &mut state.pool;
        pool.workers_alive = pool.workers_alive.saturating_sub(1);
        if pool.workers_alive == 0 {
            pool.handler_waiting.notify_all(&self.run.rt);
        }
    }

    /// Hands `completion` to the result-handler thread, or runs it here once that thread is
    /// gone (results abandoned by `terminate` after the workers exited, or an interrupted run).
    pub(crate) fn post(&self, completion: Completion) {
        let mut state = self.queue.lock();
        let pool = &mut state.pool;
        if pool.handler_alive {
            pool.completions.push_back(completion);
            pool.handler_waiting.notify_one(&self.run.rt);
        } else {
            drop(state);
            completion();
        }
    }

    /// The next completion for the result handler; `None` once the pool is closed or
    /// terminated, no worker is left to produce more, and everything posted was handled.
    fn next_completion(&self) -> Option<Completion> {
        let mut state = self.queue.lock();
        loop {
            if let Some(completion) = state.pool.completions.pop_front() {
                return Some(completion);
            }
            if state.pool.status != Status::Running && state.pool.workers_alive == 0 {
                state.pool.handler_alive = false;
                return None;
            }
            match wait_on(
                &self.run.rt,
                self.queue.mutex(),
                state,
                |state| &mut state.pool.handler_waiting,
                None,
                self.waiting_for(),
            ) {
                Ok((next, _)) => state = next,
                Err(_) => {
                    // Stopping: later posts run inline; finish what is already queued.
                    let mut state = self.queue.lock();
                    state.pool.handler_alive = false;
                    let left = std::mem::take(&mut state.pool.completions);
                    drop(state);
                    left.into_iter().for_each(|completion| completion());
                    return None;
                }
            }
        }
    }
}

fn work(shared: Arc<PoolShared>, initializer: Option<Initializer>) {
    let rt = &shared.run.rt;
    if let Some(initializer) = initializer {
        run_reporting_panics(rt, "error in the pool initializer", || initializer());
    }
    // Looked up once: the unobserved path must not pay for `current()` per task.
    let traced_as = rt.observed().then(|| rt.current());
    while let Some(job) = shared.next_job() {
        run_traced(rt, traced_as.as_ref(), shared.id, || job.run(&shared));
    }
    shared.worker_exited();
}

fn handle_results(shared: Arc<PoolShared>) {
    while let Some(completion) = shared.next_completion() {
        completion();
    }
}

/// `apply_async`'s job and result in one allocation: the queue and the [`AsyncResult`] share it.
struct ApplyTask<F, T, E> {
    cell: ResultCell<T, E>,
    /// Taken by the worker that runs it.
    body: Mutex<Option<ApplyBody<F, T, E>>>,
}

struct ApplyBody<F, T, E> {
    body: F,
    /// Boxed so that tasks without callbacks stay small.
    callbacks: Option<Box<Callbacks<T, E>>>,
}

struct Callbacks<T, E> {
    callback: Option<Callback<T>>,
    error_callback: Option<ErrorCallback<E>>,
}

impl<F, T, E> HasCell<T, E> for ApplyTask<F, T, E>
where
    F: Send,
    T: Send + Sync,
    E: Send + Sync,
{
    fn cell(&self) -> &ResultCell<T, E> {
        &self.cell
    }
}

impl<F, T, E> Job for ApplyTask<F, T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    fn run(self: Arc<Self>, pool: &PoolShared) -> bool {
        let Some(ApplyBody { body, callbacks }) = lock(&self.body).take() else {
            return false;
        };
        let outcome = run_task(body, PoolError::Task);
        let ok = outcome.is_ok();
        match callbacks {
            None => self.cell.set(outcome),
            Some(callbacks) => pool.post(Box::new(move || {
                let Callbacks {
                    callback,
                    error_callback,
                } = *callbacks;
                self.cell.finish(outcome, callback, error_callback)
            })),
        }
        ok
    }

    fn abandon(self: Arc<Self>, _pool: &PoolShared) {
        drop(lock(&self.body).take());
        self.cell.set(Err(PoolError::Core(Error::PoolTerminated)));
    }
}

/// One chunk of a map: CPython's `mapstar` over a slice of the input. The first failure stops
/// the chunk.
struct ChunkJob<A, T, E> {
    func: MapFn<A, T, E>,
    chunk: usize,
    /// Taken by the worker that runs it.
    items: Mutex<Vec<A>>,
    sink: Arc<dyn ChunkSink<T, E>>,
}

impl<A, T, E> Job for ChunkJob<A, T, E>
where
    A: Send + 'static,
    T: Clone + Send + 'static,
    E: Clone + Send + 'static,
{
    fn run(self: Arc<Self>, pool: &PoolShared) -> bool {
        let items = std::mem::take(&mut *lock(&self.items));
        let func = &self.func;
        let mut values = Vec::with_capacity(items.len());
        let mut failure = None;
        for item in items {
            match run_task(|| func(item), PoolError::Task) {
                Ok(value) => values.push(value),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let ok = failure.is_none();
        self.sink
            .deliver(pool, self.chunk, failure.map_or(Ok(values), Err));
        ok
    }

    fn abandon(self: Arc<Self>, pool: &PoolShared) {
        self.sink.deliver(
            pool,
            self.chunk,
            Err(PoolError::Core(Error::PoolTerminated)),
        );
    }
}

/// Splits `items` into chunk jobs of `chunksize` items each.
fn chunk_jobs<A, T, E>(
    func: MapFn<A, T, E>,
    items: Vec<A>,
    chunksize: usize,
    sink: Arc<dyn ChunkSink<T, E>>,
) -> Vec<Arc<dyn Job>>
where
    A: Send + 'static,
    T: Clone + Send + 'static,
    E: Clone + Send + 'static,
{
    let count = items.len().div_ceil(chunksize);
    let mut items = items.into_iter();
    (0..count)
        .map(|chunk| {
            Arc::new(ChunkJob {
                func: Arc::clone(&func),
                chunk,
                items: Mutex::new(items.by_ref().take(chunksize).collect()),
                sink: Arc::clone(&sink),
            }) as Arc<dyn Job>
        })
        .collect()
}

/// A classic thread pool: Python's `multiprocessing.pool.ThreadPool`.
pub struct ThreadPool {
    shared: Arc<PoolShared>,
    processes: usize,
    /// The workers, then the result handler.
    threads: Vec<ThreadRef>,
}

impl ThreadPool {
    /// Starts the workers and the result handler. Fails for zero processes
    /// ([`Error::InvalidProcesses`]) or when a thread cannot be started.
    pub fn new(rt: &Runtime, options: PoolOptions) -> Result<ThreadPool> {
        let processes = options.processes.unwrap_or_else(platform::cpu_count);
        if processes == 0 {
            return Err(Error::InvalidProcesses);
        }
        let shared = Arc::new(PoolShared {
            run: PoolRun::new(rt),
            results: PoolRun::new(rt),
            id: rt.new_object_id(ObjectKind::ThreadPool),
            queue: JobQueue::new(
                PoolState {
                    status: Status::Running,
                    completions: VecDeque::new(),
                    handler_waiting: WaitList::default(),
                    workers_alive: 0,
                    handler_alive: false,
                },
                0,
            ),
        });
        // On an early return the pool is dropped, which closes it: started workers exit.
        let mut pool = ThreadPool {
            shared,
            processes,
            threads: Vec::with_capacity(processes + 1),
        };
        for _ in 0..processes {
            pool.shared.queue.lock().pool.workers_alive += 1;
            let shared = Arc::clone(&pool.shared);
            let initializer = options.initializer.clone();
            match rt.spawn(helper_thread("worker"), move || work(shared, initializer)) {
                Ok(thread) => pool.threads.push(thread),
                Err(err) => {
                    pool.shared.worker_exited();
                    return Err(err);
                }
            }
        }
        // Names only (see the module documentation): these threads never start.
        drop(rt.thread(helper_thread("_handle_workers")));
        drop(rt.thread(helper_thread("_handle_tasks")));
        pool.shared.queue.lock().pool.handler_alive = true;
        let shared = Arc::clone(&pool.shared);
        match rt.spawn(helper_thread("_handle_results"), move || {
            handle_results(shared)
        }) {
            Ok(thread) => pool.threads.push(thread),
            Err(err) => {
                pool.shared.queue.lock().pool.handler_alive = false;
                return Err(err);
            }
        }
        Ok(pool)
    }

    pub fn id(&self) -> ObjectId {
        self.shared.id
    }

    /// The number of worker threads.
    pub fn processes(&self) -> usize {
        self.processes
    }

    /// Runs `f` on a worker and waits for its result.
    pub fn apply<F, T, E>(&self, f: F) -> Result<T, PoolError<E>>
    where
        F: FnOnce() -> Result<T, E> + Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        self.apply_async(f, None, None)?.get(None)
    }

    /// Queues `f`. `callback` gets its value or `error_callback` its error, on the result-handler
    /// thread, before the result becomes ready.
    pub fn apply_async<F, T, E>(
        &self,
        f: F,
        callback: Option<Callback<T>>,
        error_callback: Option<ErrorCallback<E>>,
    ) -> Result<AsyncResult<T, E>>
    where
        F: FnOnce() -> Result<T, E> + Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        let task = Arc::new(ApplyTask {
            cell: ResultCell::new(&self.shared.results),
            body: Mutex::new(Some(ApplyBody {
                body: f,
                callbacks: (callback.is_some() || error_callback.is_some()).then(|| {
                    Box::new(Callbacks {
                        callback,
                        error_callback,
                    })
                }),
            })),
        });
        self.shared.submit(Arc::clone(&task) as Arc<dyn Job>)?;
        Ok(AsyncResult::from_cell(task))
    }

    /// `func` over `items`, in chunks, results in input order; the first error (in completion
    /// order) fails the whole map. `chunksize` defaults to CPython's
    /// `ceil(len / (4 * processes))`.
    pub fn map<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
    ) -> Result<Vec<T>, PoolError<E>>
    where
        A: Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        self.map_async(func, items, chunksize, None, None)?
            .get(None)
    }

    /// [`map`](ThreadPool::map) without waiting. The result is ready once every chunk has
    /// finished; then `callback` gets the whole list, or `error_callback` the first error.
    /// As in CPython, an empty input is ready at once and calls neither.
    pub fn map_async<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
        callback: Option<Callback<Vec<T>>>,
        error_callback: Option<ErrorCallback<E>>,
    ) -> Result<AsyncResult<Vec<T>, E>>
    where
        A: Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        let chunksize = chunksize_or(chunksize, || default_chunksize(items.len(), self.processes))?;
        if items.is_empty() {
            self.shared.check_running()?;
            let cell = ResultCell::new(&self.shared.results);
            cell.set(Ok(Vec::new()));
            return Ok(AsyncResult::from_cell(Arc::new(cell)));
        }
        let chunks = items.len().div_ceil(chunksize);
        let collector = MapCollector::new(&self.shared.results, chunks, callback, error_callback);
        let result = collector.result();
        self.shared
            .submit_all(chunk_jobs(func, items, chunksize, collector))?;
        Ok(result)
    }

    /// `starmap`: in Rust a tuple of arguments is already one value, so this is
    /// [`map`](ThreadPool::map) with `A` a tuple; it exists to mirror Python's API.
    pub fn starmap<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
    ) -> Result<Vec<T>, PoolError<E>>
    where
        A: Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        self.map(func, items, chunksize)
    }

    /// `starmap_async`: [`map_async`](ThreadPool::map_async) with tuple items.
    pub fn starmap_async<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
        callback: Option<Callback<Vec<T>>>,
        error_callback: Option<ErrorCallback<E>>,
    ) -> Result<AsyncResult<Vec<T>, E>>
    where
        A: Send + 'static,
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        self.map_async(func, items, chunksize, callback, error_callback)
    }

    /// Lazily ordered results: each value is yielded as soon as it and every earlier one are
    /// done. `chunksize` defaults to 1.
    pub fn imap<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
    ) -> Result<IMap<T, E>>
    where
        A: Send + 'static,
        T: Clone + Send + 'static,
        E: Clone + Send + 'static,
    {
        self.imap_with(func, items, chunksize, true)
    }

    /// Like [`imap`](ThreadPool::imap), but yields in completion order.
    pub fn imap_unordered<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
    ) -> Result<IMap<T, E>>
    where
        A: Send + 'static,
        T: Clone + Send + 'static,
        E: Clone + Send + 'static,
    {
        self.imap_with(func, items, chunksize, false)
    }

    fn imap_with<A, T, E>(
        &self,
        func: MapFn<A, T, E>,
        items: Vec<A>,
        chunksize: Option<usize>,
        ordered: bool,
    ) -> Result<IMap<T, E>>
    where
        A: Send + 'static,
        T: Clone + Send + 'static,
        E: Clone + Send + 'static,
    {
        let chunksize = chunksize_or(chunksize, || 1)?;
        let chunks = items.len().div_ceil(chunksize);
        let (imap, sink) = IMap::new(&self.shared.results, ordered, chunks);
        if chunks == 0 {
            self.shared.check_running()?;
        } else {
            self.shared
                .submit_all(chunk_jobs(func, items, chunksize, sink))?;
        }
        Ok(imap)
    }

    /// No new work; the workers exit once the queue is empty.
    pub fn close(&self) {
        let queue = &self.shared.queue;
        let mut state = queue.close(NOT_RUNNING);
        if state.pool.status == Status::Running {
            state.pool.status = Status::Closed;
            queue.wake_idle_workers(&mut state, &self.shared.run.rt);
        }
    }

    /// Stops now: queued tasks never run and their results fail with
    /// [`Error::PoolTerminated`] (where CPython's `get()` would hang); running tasks finish their
    /// current chunk. Waits for the pool's threads, as CPython does, except when called from one
    /// of them (a task or a callback), which would wait for itself.
    pub fn terminate(&self) -> Result<()> {
        let rt = &self.shared.run.rt;
        let queue = &self.shared.queue;
        let abandoned = {
            let mut state = queue.close(NOT_RUNNING);
            state.pool.status = Status::Terminated;
            queue.wake_idle_workers(&mut state, rt);
            queue.take_all(&mut state)
        };
        for job in abandoned {
            job.abandon(&self.shared);
        }
        if self.is_own_thread(&rt.current()) {
            return Ok(());
        }
        self.join_threads()
    }

    /// Waits for the workers and the result handler to exit. [`Error::PoolStillRunning`] unless
    /// `close()` or `terminate()` was called first.
    pub fn join(&self) -> Result<()> {
        if self.shared.queue.lock().pool.status == Status::Running {
            return Err(Error::PoolStillRunning);
        }
        if self.is_own_thread(&self.shared.run.rt.current()) {
            return Err(Error::JoinSelf);
        }
        self.join_threads()
    }

    fn is_own_thread(&self, thread: &ThreadRef) -> bool {
        self.threads.iter().any(|own| own.ptr_eq(thread))
    }

    fn join_threads(&self) -> Result<()> {
        for thread in &self.threads {
            thread.join(None)?;
        }
        Ok(())
    }
}

impl Drop for ThreadPool {
    /// Without a handle nobody can close the pool any more; closing lets queued work finish and
    /// the threads exit instead of idling forever.
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.queue.lock();
        f.debug_struct("ThreadPool")
            .field("id", &self.shared.id)
            .field("processes", &self.processes)
            .field("status", &state.pool.status)
            .field("queued", &self.shared.queue.queued())
            .finish()
    }
}

fn helper_thread(target: &str) -> ThreadOptions {
    ThreadOptions {
        name: None,
        target: Some(target.to_owned()),
        daemon: Some(true),
    }
}

/// A map's chunk size: `chunksize`, or `default()` when none is given; 0 is a ValueError.
fn chunksize_or(chunksize: Option<usize>, default: impl FnOnce() -> usize) -> Result<usize> {
    match chunksize {
        Some(0) => Err(Error::InvalidChunksize),
        Some(chunksize) => Ok(chunksize),
        None => Ok(default()),
    }
}

/// CPython's `divmod(len, 4 * processes)`, rounded up.
fn default_chunksize(len: usize, processes: usize) -> usize {
    len.div_ceil(processes.saturating_mul(4)).max(1)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc::channel;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::error::ExceptionKind;
    use crate::sched::Mode;
    use crate::sync::testing::{
        assert_explores_cleanly_and_replays, gates, parallel_runtimes, runtimes, spawn, wait_until,
    };
    use crate::trace::EventKind;

    const SHORT: Duration = Duration::from_millis(20);
    /// A bound that only turns a lost task into a failure instead of a hang.
    const LONG: Duration = Duration::from_secs(30);

    fn pool(rt: &Runtime, processes: usize) -> ThreadPool {
        ThreadPool::new(
            rt,
            PoolOptions {
                processes: Some(processes),
                initializer: None,
            },
        )
        .unwrap()
    }

    fn times_ten() -> MapFn<i32, i32, String> {
        Arc::new(|x| Ok(x * 10))
    }

    #[test]
    fn apply_returns_the_value_or_the_task_error() {
        for rt in runtimes() {
            let pool = pool(&rt, 2);
            assert_eq!(pool.apply(|| Ok::<_, String>(6 * 7)), Ok(42));
            assert_eq!(
                pool.apply(|| Err::<i32, _>("bad".to_owned())),
                Err(PoolError::Task("bad".to_owned()))
            );
            assert_eq!(pool.processes(), 2);
        }
    }

    /// Three tasks that can only finish together (they meet at a barrier) need three
    /// workers at once: submitted in a burst, they must not queue behind one busy worker
    /// while the others sleep.
    #[test]
    fn a_burst_of_tasks_spreads_over_the_idle_workers() {
        for rt in runtimes() {
            let pool = pool(&rt, 3);
            // Let the workers reach their idle loop first, as a pool used twice does.
            assert_eq!(pool.apply(|| Ok::<_, String>(0)), Ok(0));
            let barrier = Arc::new(crate::sync::Barrier::new(&rt, 3, None, Some(LONG)).unwrap());
            let results: Vec<_> = (0..3)
                .map(|_| {
                    let barrier = barrier.clone();
                    pool.apply_async(
                        move || barrier.wait(None).map(drop).map_err(|e| e.to_string()),
                        None,
                        None,
                    )
                    .unwrap()
                })
                .collect();
            for result in results {
                assert_eq!(result.get(Some(LONG)), Ok(()));
            }
        }
    }

    #[test]
    fn apply_async_results_can_be_read_many_times() {
        for rt in runtimes() {
            let pool = pool(&rt, 2);
            let result = pool
                .apply_async(|| Ok::<_, String>("hi".to_owned()), None, None)
                .unwrap();
            assert_eq!(result.get(None), Ok("hi".to_owned()));
            assert_eq!(result.get(Some(Duration::ZERO)), Ok("hi".to_owned()));
            assert!(result.ready());
            assert_eq!(result.successful(), Ok(true));
            assert_eq!(result.wait(None), Ok(true));
        }
    }

    #[test]
    fn zero_processes_is_a_value_error() {
        let rt = Runtime::new(Mode::Parallel);
        let err = ThreadPool::new(
            &rt,
            PoolOptions {
                processes: Some(0),
                initializer: None,
            },
        )
        .unwrap_err();
        assert_eq!(err, Error::InvalidProcesses);
        assert_eq!(err.to_string(), "Number of processes must be at least 1");
        assert_eq!(err.exception(), ExceptionKind::ValueError);
    }

    #[test]
    fn default_size_is_the_cpu_count() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = ThreadPool::new(&rt, PoolOptions::default()).unwrap();
        assert_eq!(pool.processes(), platform::cpu_count());
    }

    #[test]
    fn threads_are_named_as_in_cpython_and_are_daemons() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = pool(&rt, 2);
        let names: Vec<String> = rt.enumerate().iter().map(ThreadRef::name).collect();
        assert_eq!(
            names,
            [
                "MainThread",
                "Thread-1 (worker)",
                "Thread-2 (worker)",
                "Thread-5 (_handle_results)"
            ]
        );
        assert!(rt
            .enumerate()
            .iter()
            .filter(|thread| !thread.is_main())
            .all(ThreadRef::is_daemon));
        // CPython's two other helper threads took Thread-3 and Thread-4.
        assert_eq!(rt.thread(ThreadOptions::default()).name(), "Thread-6");
        let run = rt.clone();
        let worker_name = pool.apply(move || Ok::<_, String>(run.current().name()));
        assert!(
            matches!(
                worker_name.as_deref(),
                Ok("Thread-1 (worker)" | "Thread-2 (worker)")
            ),
            "{worker_name:?}"
        );
    }

    #[test]
    fn callbacks_run_on_the_result_handler_before_the_result_is_ready() {
        for rt in runtimes() {
            let pool = pool(&rt, 2);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let (record, run) = (Arc::clone(&seen), rt.clone());
            let result = pool
                .apply_async(
                    || Ok::<_, String>(42),
                    Some(Box::new(move |value: &i32| {
                        record.lock().unwrap().push((run.current().name(), *value))
                    })),
                    Some(Box::new(|_: &String| panic!("not on success"))),
                )
                .unwrap();
            assert_eq!(result.get(None), Ok(42));
            // `get` returned, so the callback has already run.
            assert_eq!(
                *seen.lock().unwrap(),
                [("Thread-5 (_handle_results)".to_owned(), 42)]
            );
        }
    }

    #[test]
    fn error_callback_gets_the_task_error() {
        for rt in runtimes() {
            let pool = pool(&rt, 1);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let (record, run) = (Arc::clone(&seen), rt.clone());
            let result = pool
                .apply_async(
                    || Err::<i32, _>("bad".to_owned()),
                    Some(Box::new(|_: &i32| panic!("not on failure"))),
                    Some(Box::new(move |error: &String| {
                        record
                            .lock()
                            .unwrap()
                            .push((run.current().name(), error.clone()))
                    })),
                )
                .unwrap();
            assert_eq!(result.get(None), Err(PoolError::Task("bad".to_owned())));
            assert_eq!(result.successful(), Ok(false));
            assert_eq!(
                *seen.lock().unwrap(),
                [("Thread-4 (_handle_results)".to_owned(), "bad".to_owned())]
            );
        }
    }

    #[test]
    fn callbacks_run_in_completion_order() {
        for rt in runtimes() {
            // One worker: completion order is submission order.
            let pool = pool(&rt, 1);
            let order = Arc::new(Mutex::new(Vec::new()));
            let results: Vec<_> = (0..10)
                .map(|i| {
                    let order = Arc::clone(&order);
                    pool.apply_async(
                        move || Ok::<_, String>(i),
                        Some(Box::new(move |value: &i32| {
                            order.lock().unwrap().push(*value)
                        })),
                        None,
                    )
                    .unwrap()
                })
                .collect();
            for result in &results {
                result.get(None).unwrap();
            }
            assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panicking_callback_is_reported_and_the_result_still_completes() {
        let rt = Runtime::new(Mode::Parallel);
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&reports);
        rt.set_excepthook(move |error| sink.lock().unwrap().push(error.message.clone()));
        let pool = pool(&rt, 1);
        let result = pool
            .apply_async(
                || Ok::<_, String>(1),
                Some(Box::new(|_: &i32| panic!("callback broke"))),
                None,
            )
            .unwrap();
        assert_eq!(result.get(None), Ok(1));
        assert_eq!(pool.apply(|| Ok::<_, String>(2)), Ok(2));
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1);
        assert!(reports[0].contains("callback broke"), "{reports:?}");
    }

    #[test]
    fn map_keeps_input_order() {
        for rt in runtimes() {
            let pool = pool(&rt, 3);
            let items: Vec<i32> = (0..50).collect();
            let expected: Vec<i32> = items.iter().map(|x| x * 10).collect();
            assert_eq!(
                pool.map(times_ten(), items.clone(), None),
                Ok(expected.clone())
            );
            assert_eq!(
                pool.map(times_ten(), items.clone(), Some(1)),
                Ok(expected.clone())
            );
            assert_eq!(pool.map(times_ten(), items, Some(7)), Ok(expected));
            assert_eq!(pool.map(times_ten(), Vec::new(), None), Ok(Vec::new()));
        }
    }

    #[test]
    fn map_is_ordered_even_when_later_items_finish_first() {
        for rt in parallel_runtimes() {
            let pool = pool(&rt, 4);
            let (done, finished) = channel();
            let done = Mutex::new(done);
            let (open, mut gates) = gates(1);
            let gate = gates.pop();
            let items: Vec<(i32, Option<_>)> = vec![(0, gate), (1, None), (2, None), (3, None)];
            type Item = (i32, Option<std::sync::mpsc::Receiver<()>>);
            let func: MapFn<Item, i32, String> = Arc::new(move |(i, gate): Item| {
                match gate {
                    Some(gate) => gate.recv().unwrap(),
                    None => done.lock().unwrap().send(i).unwrap(),
                }
                Ok(i * 10)
            });
            let result = pool.map_async(func, items, Some(1), None, None).unwrap();
            let mut early: Vec<i32> = (0..3).map(|_| finished.recv().unwrap()).collect();
            early.sort();
            assert_eq!(early, [1, 2, 3]);
            assert!(!result.ready());
            open[0].send(()).unwrap();
            assert_eq!(result.get(None), Ok(vec![0, 10, 20, 30]));
        }
    }

    #[test]
    fn default_chunksize_follows_cpython() {
        assert_eq!(default_chunksize(20, 2), 3);
        assert_eq!(default_chunksize(16, 2), 2);
        assert_eq!(default_chunksize(1, 8), 1);
        assert_eq!(default_chunksize(1000, 4), 63);
    }

    #[test]
    fn map_runs_one_task_per_chunk() {
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let pool = pool(&rt, 2);
        let items: Vec<i32> = (0..20).collect();
        pool.map(times_ten(), items.clone(), None).unwrap();
        pool.map(times_ten(), items, Some(5)).unwrap();
        // A worker records TaskEnd after it delivered the result: wait for the workers to exit
        // so that every task's end is in the trace.
        pool.close();
        pool.join().unwrap();
        let events = rt.trace().unwrap().events();
        let starts = events
            .iter()
            .filter(|event| matches!(event.kind, EventKind::TaskStart { pool: id, .. } if id == pool.id()))
            .count();
        let ends = events
            .iter()
            .filter(|event| {
                matches!(event.kind, EventKind::TaskEnd { pool: id, ok: true, .. } if id == pool.id())
            })
            .count();
        // ceil(20 / 3) = 7 chunks by default, then 4 chunks of 5.
        assert_eq!((starts, ends), (11, 11));
    }

    #[test]
    fn traced_tasks_record_failure() {
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let pool = pool(&rt, 1);
        let _ = pool.apply(|| Err::<i32, _>("bad".to_owned()));
        pool.close();
        pool.join().unwrap();
        let events = rt.trace().unwrap().events();
        let (start, end) = (
            events
                .iter()
                .find(|event| matches!(event.kind, EventKind::TaskStart { .. }))
                .unwrap(),
            events
                .iter()
                .find(|event| matches!(event.kind, EventKind::TaskEnd { .. }))
                .unwrap(),
        );
        assert_eq!(start.thread, end.thread);
        assert!(matches!(end.kind, EventKind::TaskEnd { ok: false, .. }));
        assert_eq!(
            rt.trace()
                .unwrap()
                .threads()
                .get(&start.thread)
                .map(String::as_str),
            Some("Thread-1 (worker)")
        );
    }

    #[test]
    fn a_failing_item_fails_the_whole_map_with_the_first_error() {
        for rt in runtimes() {
            // One worker and chunks of one: items complete in input order.
            let pool = pool(&rt, 1);
            let func: MapFn<i32, i32, String> = Arc::new(|x| {
                if x % 3 == 2 {
                    Err(format!("item {x}"))
                } else {
                    Ok(x)
                }
            });
            assert_eq!(
                pool.map(Arc::clone(&func), (0..10).collect(), Some(1)),
                Err(PoolError::Task("item 2".to_owned()))
            );
            let result = pool
                .map_async(func, (0..10).collect(), Some(4), None, None)
                .unwrap();
            assert_eq!(result.get(None), Err(PoolError::Task("item 2".to_owned())));
            assert_eq!(result.successful(), Ok(false));
        }
    }

    #[test]
    fn map_async_callbacks_get_the_whole_list_or_the_first_error() {
        for rt in runtimes() {
            let pool = pool(&rt, 1);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let record = Arc::clone(&seen);
            let result = pool
                .map_async(
                    times_ten(),
                    vec![1, 2, 3],
                    None,
                    Some(Box::new(move |values: &Vec<i32>| {
                        record.lock().unwrap().push(format!("{values:?}"))
                    })),
                    None,
                )
                .unwrap();
            assert_eq!(result.get(None), Ok(vec![10, 20, 30]));
            let record = Arc::clone(&seen);
            let failing: MapFn<i32, i32, String> =
                Arc::new(|x| if x > 1 { Err(format!("no {x}")) } else { Ok(x) });
            let result = pool
                .map_async(
                    failing,
                    vec![1, 2, 3],
                    Some(1),
                    None,
                    Some(Box::new(move |error: &String| {
                        record.lock().unwrap().push(error.clone())
                    })),
                )
                .unwrap();
            assert_eq!(result.get(None), Err(PoolError::Task("no 2".to_owned())));
            assert_eq!(*seen.lock().unwrap(), ["[10, 20, 30]", "no 2"]);
        }
    }

    #[test]
    fn an_empty_map_is_ready_at_once_and_calls_no_callback() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = pool(&rt, 1);
        let called = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&called);
        let result = pool
            .map_async(
                times_ten(),
                Vec::new(),
                None,
                Some(Box::new(move |_: &Vec<i32>| {
                    flag.store(true, Ordering::SeqCst)
                })),
                None,
            )
            .unwrap();
        assert!(result.ready());
        assert_eq!(result.get(None), Ok(Vec::new()));
        pool.close();
        pool.join().unwrap();
        assert!(!called.load(Ordering::SeqCst));
    }

    #[test]
    fn starmap_takes_tuples() {
        for rt in runtimes() {
            let pool = pool(&rt, 2);
            let multiply: MapFn<(i32, i32), i32, String> = Arc::new(|(a, b)| Ok(a * b));
            let items = vec![(1, 2), (3, 4), (5, 6)];
            assert_eq!(
                pool.starmap(Arc::clone(&multiply), items.clone(), None),
                Ok(vec![2, 12, 30])
            );
            let result = pool
                .starmap_async(multiply, items, Some(2), None, None)
                .unwrap();
            assert_eq!(result.get(None), Ok(vec![2, 12, 30]));
        }
    }

    #[test]
    fn a_zero_chunksize_is_a_value_error() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = pool(&rt, 1);
        assert_eq!(
            pool.map(times_ten(), vec![1], Some(0)),
            Err(PoolError::Core(Error::InvalidChunksize))
        );
        assert_eq!(
            pool.imap(times_ten(), vec![1], Some(0)).unwrap_err(),
            Error::InvalidChunksize
        );
        assert_eq!(
            Error::InvalidChunksize.to_string(),
            "Chunksize must be 1+, not 0"
        );
    }

    #[test]
    fn imap_yields_in_order_each_value_as_soon_as_it_is_next() {
        for rt in parallel_runtimes() {
            let pool = pool(&rt, 3);
            let (done, finished) = channel();
            let done = Mutex::new(done);
            let (open, gates) = gates(3);
            let items: Vec<(i32, _)> = (0..3).zip(gates).collect();
            let func: MapFn<_, i32, String> =
                Arc::new(move |(i, gate): (i32, std::sync::mpsc::Receiver<()>)| {
                    gate.recv().unwrap();
                    done.lock().unwrap().send(i).unwrap();
                    Ok(i * 10)
                });
            let mut imap = pool.imap(func, items, None).unwrap();
            open[2].send(()).unwrap();
            assert_eq!(finished.recv().unwrap(), 2);
            // Item 2 is done, but item 0 comes first.
            assert_eq!(
                imap.next_timeout(Some(SHORT)),
                Err(PoolError::Core(Error::Timeout(String::new())))
            );
            open[0].send(()).unwrap();
            assert_eq!(imap.next(), Some(Ok(0)));
            assert_eq!(
                imap.next_timeout(Some(SHORT)),
                Err(PoolError::Core(Error::Timeout(String::new())))
            );
            open[1].send(()).unwrap();
            assert_eq!(imap.next(), Some(Ok(10)));
            assert_eq!(imap.next(), Some(Ok(20)));
            assert_eq!(imap.next(), None);
            assert_eq!(imap.next_timeout(Some(SHORT)), Ok(None));
        }
    }

    #[test]
    fn imap_unordered_yields_in_completion_order() {
        for rt in parallel_runtimes() {
            let pool = pool(&rt, 3);
            let (open, gates) = gates(3);
            let items: Vec<(i32, _)> = (0..3).zip(gates).collect();
            let func: MapFn<_, i32, String> =
                Arc::new(|(i, gate): (i32, std::sync::mpsc::Receiver<()>)| {
                    gate.recv().unwrap();
                    Ok(i)
                });
            let mut imap = pool.imap_unordered(func, items, None).unwrap();
            for i in [2, 0, 1] {
                open[i].send(()).unwrap();
                assert_eq!(imap.next(), Some(Ok(i as i32)));
            }
            assert_eq!(imap.next(), None);
        }
    }

    #[test]
    fn imap_with_chunks_flattens_and_yields_a_failed_chunk_once() {
        for rt in runtimes() {
            let pool = pool(&rt, 1);
            let func: MapFn<i32, i32, String> = Arc::new(|x| {
                if x == 3 {
                    Err("three".to_owned())
                } else {
                    Ok(x)
                }
            });
            let got: Vec<_> = pool
                .imap(func, (0..6).collect(), Some(2))
                .unwrap()
                .collect();
            assert_eq!(
                got,
                [
                    Ok(0),
                    Ok(1),
                    Err(PoolError::Task("three".to_owned())),
                    Ok(4),
                    Ok(5)
                ]
            );
            let mut unordered: Vec<i32> = pool
                .imap_unordered(times_ten(), (0..7).collect(), Some(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            unordered.sort();
            assert_eq!(unordered, [0, 10, 20, 30, 40, 50, 60]);
            assert_eq!(
                pool.imap(times_ten(), Vec::new(), None).unwrap().next(),
                None
            );
        }
    }

    #[test]
    fn terminate_drops_pending_work_and_waits_for_running_tasks() {
        for rt in parallel_runtimes() {
            let pool = Arc::new(pool(&rt, 1));
            let (open, mut gates) = gates(1);
            let gate = gates.pop().unwrap();
            let (started, has_started) = channel();
            let running = pool
                .apply_async(
                    move || {
                        started.send(()).unwrap();
                        gate.recv().unwrap();
                        Ok::<_, String>("finished")
                    },
                    None,
                    None,
                )
                .unwrap();
            has_started.recv().unwrap();
            let ran = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&ran);
            let pending = pool
                .apply_async(
                    move || {
                        flag.store(true, Ordering::SeqCst);
                        Ok::<_, String>("never")
                    },
                    None,
                    None,
                )
                .unwrap();
            let pending_map = pool
                .map_async(times_ten(), vec![1, 2], None, None, None)
                .unwrap();
            let terminator = {
                let pool = Arc::clone(&pool);
                std::thread::spawn(move || pool.terminate())
            };
            // Completed by terminate, rather than hanging forever as in CPython.
            assert_eq!(
                pending.get(None),
                Err(PoolError::Core(Error::PoolTerminated))
            );
            assert_eq!(
                pending_map.get(None),
                Err(PoolError::Core(Error::PoolTerminated))
            );
            open[0].send(()).unwrap();
            terminator.join().unwrap().unwrap();
            assert_eq!(running.get(None), Ok("finished"));
            assert!(!ran.load(Ordering::SeqCst));
            assert_eq!(
                pool.apply(|| Ok::<_, String>(1)),
                Err(PoolError::Core(Error::PoolNotRunning))
            );
            pool.join().unwrap();
        }
    }

    #[test]
    fn close_then_join_finishes_all_queued_work() {
        for rt in runtimes() {
            let pool = pool(&rt, 2);
            let count = Arc::new(AtomicUsize::new(0));
            let results: Vec<_> = (0..20)
                .map(|_| {
                    let count = Arc::clone(&count);
                    pool.apply_async(
                        move || Ok::<_, String>(count.fetch_add(1, Ordering::SeqCst)),
                        None,
                        None,
                    )
                    .unwrap()
                })
                .collect();
            pool.close();
            pool.join().unwrap();
            assert_eq!(count.load(Ordering::SeqCst), 20);
            assert!(results.iter().all(AsyncResult::ready));
            assert_eq!(rt.active_count(), 1, "the pool's threads have exited");
            // Closing or terminating a closed pool is harmless.
            pool.close();
            pool.terminate().unwrap();
        }
    }

    #[test]
    fn join_before_close_is_an_error() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = pool(&rt, 1);
        let err = pool.join().unwrap_err();
        assert_eq!(err, Error::PoolStillRunning);
        assert_eq!(err.to_string(), "Pool is still running");
        assert_eq!(err.exception(), ExceptionKind::ValueError);
    }

    #[test]
    fn new_work_after_close_is_refused() {
        for rt in runtimes() {
            let pool = pool(&rt, 1);
            pool.close();
            let not_running = PoolError::Core(Error::PoolNotRunning);
            assert_eq!(pool.apply(|| Ok::<_, String>(1)), Err(not_running.clone()));
            assert_eq!(
                pool.apply_async(|| Ok::<_, String>(1), None, None)
                    .unwrap_err(),
                Error::PoolNotRunning
            );
            assert_eq!(
                pool.map(times_ten(), vec![1], None),
                Err(not_running.clone())
            );
            assert_eq!(pool.map(times_ten(), Vec::new(), None), Err(not_running));
            assert_eq!(
                pool.imap(times_ten(), vec![1], None).unwrap_err(),
                Error::PoolNotRunning
            );
            assert_eq!(Error::PoolNotRunning.to_string(), "Pool not running");
            pool.join().unwrap();
        }
    }

    #[test]
    fn a_panicking_task_fails_its_result_and_the_worker_survives() {
        for rt in runtimes() {
            let pool = pool(&rt, 1);
            assert_eq!(
                pool.apply(|| -> Result<i32, String> { panic!("boom") }),
                Err(PoolError::Core(Error::WorkerPanicked("boom".to_owned())))
            );
            let func: MapFn<i32, i32, String> = Arc::new(|x| {
                if x == 2 {
                    panic!("item {x}")
                }
                Ok(x)
            });
            assert_eq!(
                pool.map(func, (0..4).collect(), Some(1)),
                Err(PoolError::Core(Error::WorkerPanicked("item 2".to_owned())))
            );
            assert_eq!(pool.apply(|| Ok::<_, String>(5)), Ok(5));
        }
    }

    #[test]
    fn the_initializer_runs_once_on_each_worker() {
        for rt in runtimes() {
            let count = Arc::new(AtomicUsize::new(0));
            let counter = Arc::clone(&count);
            let pool = ThreadPool::new(
                &rt,
                PoolOptions {
                    processes: Some(3),
                    initializer: Some(Arc::new(move || {
                        counter.fetch_add(1, Ordering::SeqCst);
                    })),
                },
            )
            .unwrap();
            pool.map(times_ten(), (0..30).collect(), Some(1)).unwrap();
            pool.close();
            pool.join().unwrap();
            assert_eq!(count.load(Ordering::SeqCst), 3);
        }
    }

    #[test]
    fn dropping_the_pool_closes_it_and_queued_work_still_completes() {
        for rt in runtimes() {
            let results: Vec<_> = {
                let pool = pool(&rt, 1);
                (0..5)
                    .map(|i| {
                        pool.apply_async(move || Ok::<_, String>(i), None, None)
                            .unwrap()
                    })
                    .collect()
            };
            let values: Vec<_> = results.iter().map(|r| r.get(None).unwrap()).collect();
            assert_eq!(values, [0, 1, 2, 3, 4]);
        }
    }

    #[test]
    fn terminate_from_a_task_does_not_wait_for_itself() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = Arc::new(pool(&rt, 1));
        let inner = Arc::clone(&pool);
        assert_eq!(
            pool.apply(move || inner.terminate().map_err(|err| err.to_string())),
            Ok(())
        );
        pool.join().unwrap();
    }

    #[test]
    fn a_stopped_run_releases_the_workers() {
        let rt = Runtime::new(Mode::Parallel);
        let pool = pool(&rt, 2);
        assert_eq!(pool.apply(|| Ok::<_, String>(1)), Ok(1));
        rt.stop(crate::error::StopReason::Requested);
        // Workers leave their wait; joining them from outside the stopped run's waits is
        // impossible (every wait fails), so check through the registry.
        while rt.active_count() > 1 {
            std::thread::yield_now();
        }
        assert!(matches!(
            pool.apply(|| Ok::<_, String>(1)),
            Err(PoolError::Core(Error::PoolNotRunning))
                | Err(PoolError::Core(Error::Interrupted(_)))
        ));
    }

    #[test]
    fn many_submitters_with_tasks_and_chunked_maps_all_get_their_results() {
        for rt in runtimes() {
            let pool = Arc::new(pool(&rt, 3));
            let submitters: Vec<_> = (0..4i64)
                .map(|t| {
                    let pool = Arc::clone(&pool);
                    spawn(&rt, move || {
                        let mut wrong = Vec::new();
                        for round in 0..25i64 {
                            let base = t * 10_000 + round * 100;
                            let results: Vec<_> = (0..40)
                                .map(|i| {
                                    pool.apply_async(move || Ok::<_, String>(base + i), None, None)
                                        .unwrap()
                                })
                                .collect();
                            let double: MapFn<i64, i64, String> = Arc::new(|x| Ok(2 * x));
                            let items = (0..50).map(|i| base + i).collect();
                            let doubled = pool.map(double, items, Some(7));
                            if doubled != Ok((0..50).map(|i| 2 * (base + i)).collect()) {
                                wrong.push(format!("map of round {round}: {doubled:?}"));
                            }
                            for (i, result) in (0..).zip(&results) {
                                let got = result.get(Some(LONG));
                                if got != Ok(base + i) {
                                    wrong.push(format!("task {i} of round {round}: {got:?}"));
                                }
                            }
                        }
                        wrong
                    })
                })
                .collect();
            for submitter in submitters {
                assert_eq!(submitter.join(), Vec::<String>::new());
            }
            pool.close();
            pool.join().unwrap();
        }
    }

    /// Threads submit single tasks and maps while another thread closes or terminates the pool.
    /// Each submit is either refused, or accepted and then finished by the time `join` (or
    /// `terminate`) returns: run, or, for a terminate, failed with `PoolTerminated`. Nothing is
    /// left queued with no worker to run it.
    #[test]
    fn closing_or_terminating_while_threads_submit_leaves_no_result_unfinished() {
        for rt in parallel_runtimes() {
            for terminate in [false, true] {
                for _ in 0..25 {
                    let pool = Arc::new(pool(&rt, 2));
                    let submitted = Arc::new(AtomicUsize::new(0));
                    let submitters: Vec<_> = (0..3)
                        .map(|_| {
                            let (pool, submitted) = (Arc::clone(&pool), Arc::clone(&submitted));
                            spawn(&rt, move || {
                                let mut accepted = Vec::new();
                                let mut refusals = Vec::new();
                                for i in 0..300usize {
                                    submitted.fetch_add(1, Ordering::SeqCst);
                                    let submit = if i % 10 == 0 {
                                        pool.map_async(
                                            times_ten(),
                                            vec![1, 2, 3],
                                            Some(2),
                                            None,
                                            None,
                                        )
                                        .map(|result| (i, None, Some(result)))
                                    } else {
                                        pool.apply_async(move || Ok::<_, String>(i), None, None)
                                            .map(|result| (i, Some(result), None))
                                    };
                                    match submit {
                                        Ok(outcome) if refusals.is_empty() => {
                                            accepted.push(outcome)
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
                    wait_until(&rt, || submitted.load(Ordering::SeqCst) > 100);
                    if terminate {
                        pool.terminate().unwrap();
                    } else {
                        pool.close();
                        pool.join().unwrap();
                    }
                    let terminated = PoolError::Core(Error::PoolTerminated);
                    for submitter in submitters {
                        let (accepted, refusals) = submitter.join().unwrap();
                        assert!(refusals.iter().all(|err| *err == Error::PoolNotRunning));
                        for (i, single, map) in accepted {
                            if let Some(result) = single {
                                assert!(result.ready(), "task {i} was left unfinished");
                                let got = result.get(None);
                                assert!(
                                    got == Ok(i) || (terminate && got == Err(terminated.clone()))
                                );
                            }
                            if let Some(result) = map {
                                assert!(result.ready(), "map {i} was left unfinished");
                                let got = result.get(None);
                                assert!(
                                    got == Ok(vec![10, 20, 30])
                                        || (terminate && got == Err(terminated.clone()))
                                );
                            }
                        }
                    }
                    pool.join().unwrap();
                }
            }
        }
    }

    /// A backlog far larger than the queue's lock-free ring (so part of it waits in the
    /// overflow, and more is queued while the worker drains it) runs in submission order.
    #[test]
    fn one_worker_runs_a_large_backlog_in_submission_order() {
        for rt in parallel_runtimes() {
            let pool = pool(&rt, 1);
            let (open, mut gates) = gates(1);
            let gate = gates.remove(0);
            let (started, has_started) = channel();
            let blocker = pool
                .apply_async(
                    move || {
                        started.send(()).unwrap();
                        gate.recv().unwrap();
                        Ok::<_, String>(usize::MAX)
                    },
                    None,
                    None,
                )
                .unwrap();
            has_started.recv().unwrap();
            let order = Arc::new(Mutex::new(Vec::new()));
            let results: Vec<_> = (0..6000usize)
                .map(|i| {
                    if i == 3000 {
                        open[0].send(()).unwrap();
                    }
                    let order = Arc::clone(&order);
                    pool.apply_async(
                        move || {
                            order.lock().unwrap().push(i);
                            Ok::<_, String>(i)
                        },
                        None,
                        None,
                    )
                    .unwrap()
                })
                .collect();
            assert_eq!(blocker.get(None), Ok(usize::MAX));
            for (i, result) in results.iter().enumerate() {
                assert_eq!(result.get(Some(LONG)), Ok(i));
            }
            assert_eq!(*order.lock().unwrap(), (0..6000).collect::<Vec<_>>());
        }
    }

    /// Each burst comes once both workers have parked, so each is a wake-up that must not be
    /// lost.
    #[test]
    fn parked_workers_are_woken_for_each_burst() {
        for rt in runtimes() {
            let pool = pool(&rt, 2);
            for round in 0..40usize {
                wait_until(&rt, || pool.shared.queue.parked() == 2);
                let results: Vec<_> = (0..round % 4 + 1)
                    .map(|i| {
                        pool.apply_async(move || Ok::<_, String>(round + i), None, None)
                            .unwrap()
                    })
                    .collect();
                for (i, result) in results.iter().enumerate() {
                    assert_eq!(result.get(Some(LONG)), Ok(round + i));
                }
                if round % 10 == 9 {
                    let doubled = pool.map(times_ten(), (0..20).collect(), Some(3));
                    assert_eq!(doubled, Ok((0..20).map(|x| x * 10).collect()));
                }
            }
        }
    }

    /// Under the deterministic scheduler a pool's run, submits racing with `terminate`
    /// included, is the same for the same seed, and no schedule strands a task.
    #[test]
    fn pools_run_and_replay_under_the_deterministic_scheduler() {
        let program = |rt: &Runtime| -> std::result::Result<(), String> {
            let text = |err: Error| err.to_string();
            let pool = Arc::new(pool(rt, 2));
            let submitter = {
                let pool = Arc::clone(&pool);
                rt.spawn(ThreadOptions::default(), move || {
                    for i in 0..8 {
                        if let Ok(result) = pool.apply_async(move || Ok::<_, String>(i), None, None)
                        {
                            match result.get(None) {
                                Ok(value) if value == i => {}
                                Err(PoolError::Core(Error::PoolTerminated)) => {}
                                other => panic!("task {i} gave {other:?}"),
                            }
                        }
                    }
                })
                .map_err(text)?
            };
            let doubled = pool.map(times_ten(), (0..7).collect(), Some(2));
            if doubled != Ok((0..7).map(|x| x * 10).collect()) {
                return Err(format!("map gave {doubled:?}"));
            }
            pool.terminate().map_err(text)?;
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
            let pool = pool(&rt, 1);
            // Bounded in time too: on a loaded machine every wake-up takes a time slice.
            let started = std::time::Instant::now();
            for i in (0..2000usize).take_while(|_| started.elapsed() < Duration::from_secs(3)) {
                let result = pool
                    .apply_async(move || Ok::<_, String>(i), None, None)
                    .unwrap();
                assert_eq!(result.get(Some(LONG)), Ok(i));
                let pause = std::time::Instant::now();
                let delay = Duration::from_micros((i * 37 % 150) as u64);
                while pause.elapsed() < delay {
                    std::hint::spin_loop();
                }
            }
        }
    }
}
