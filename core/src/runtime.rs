//! A run: one scheduler, one registry of threads, one trace, one set of object ids.
//!
//! Everything in core belongs to a [`Runtime`]. Runs are independent, so many can live in one
//! process (tests run side by side; a checker runs a program under many seeds).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::error::{Error, Result, StopReason};
use crate::object_id::{ObjectCounters, ObjectId, ObjectKind};
use crate::sched::{
    DeadlockReport, Deterministic, Gil, Mode, Parallel, Schedule, Scheduler, WaitFor,
};
use crate::sync::wait_list::Woke;
use crate::thread::{registry, Registry, ThreadKind, ThreadOptions, ThreadRef};
use crate::time::Time;
use crate::trace::{EventKind, Trace};
use crate::util::lock;

/// What an uncaught error in a thread reports to the run's hook.
#[derive(Clone, Debug)]
pub struct UncaughtError {
    pub thread: ThreadRef,
    pub message: String,
}

type ExceptHook = Arc<dyn Fn(&UncaughtError) + Send + Sync>;

/// The default number of live threads a run may have: enough for every course program and
/// tutorial, small enough that a runaway `while True: Thread(...).start()` stops with a clear
/// error instead of exhausting the machine.
pub const DEFAULT_MAX_THREADS: usize = 512;

/// Stack of each spawned thread. Python calls run on a heap stack, so this only bounds Rust-level
/// recursion (host → Python callbacks).
pub const DEFAULT_STACK_SIZE: usize = 4 * 1024 * 1024;

/// How to make a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeBuilder {
    mode: Mode,
    trace: bool,
    max_threads: usize,
    stack_size: usize,
}

impl RuntimeBuilder {
    pub fn trace(mut self, on: bool) -> RuntimeBuilder {
        self.trace = on;
        self
    }

    pub fn max_threads(mut self, max_threads: usize) -> RuntimeBuilder {
        self.max_threads = max_threads.max(1);
        self
    }

    pub fn stack_size(mut self, bytes: usize) -> RuntimeBuilder {
        self.stack_size = bytes;
        self
    }

    /// Makes the run, with the calling thread as its main thread.
    pub fn build(self) -> Runtime {
        let trace = self.trace.then(|| Arc::new(Trace::new()));
        let inner = Arc::new_cyclic(|weak: &Weak<RuntimeInner>| {
            // Made here because the deterministic scheduler stops the run when it deadlocks.
            let scheduler: Box<dyn Scheduler> = match self.mode {
                Mode::Parallel => Box::new(Parallel::new()),
                Mode::Gil { switch_interval } => Box::new(Gil::new(switch_interval, trace.clone())),
                Mode::Deterministic {
                    seed,
                    strategy,
                    cpu,
                } => Box::new(Deterministic::new(seed, strategy, cpu, weak.clone())),
            };
            let registry = Registry::default();
            let (num, _) = registry.allocate(None);
            let main = ThreadRef::new(
                num,
                ThreadKind::Main,
                weak.clone(),
                "MainThread".to_owned(),
                false,
            );
            registry.set_main(&main);
            RuntimeInner {
                id: NEXT_RUNTIME_ID.fetch_add(1, Ordering::Relaxed),
                observed: trace.is_some() || scheduler.observes_sync_ops(),
                scheduler,
                trace,
                registry,
                objects: ObjectCounters::default(),
                max_threads: self.max_threads,
                stack_size: self.stack_size,
                stopping: AtomicBool::new(false),
                stop_reason: Mutex::new(None),
                excepthook: Mutex::new(Arc::new(default_excepthook)),
                at_exit: Mutex::new(Vec::new()),
                next_task: AtomicU64::new(0),
            }
        });
        let rt = Runtime(inner);
        let main = rt.main_thread();
        main.bind_to_current_os_thread();
        main.set_ident(rt.ident_for(main.num()));
        registry::enter_for_good(&rt, &main);
        // The main thread is already running: only a GIL can make this wait, and nobody else
        // holds it yet.
        let _ = rt.scheduler().thread_entered(&main);
        rt.record_for(&main, || EventKind::ThreadStart { name: main.name() });
        main.mark_alive(&rt);
        rt
    }
}

static NEXT_RUNTIME_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) struct RuntimeInner {
    id: u64,
    scheduler: Box<dyn Scheduler>,
    trace: Option<Arc<Trace>>,
    /// Tracing is on or the scheduler wants to see every sync operation: primitives take their
    /// slow paths. One plain load on every fast path.
    observed: bool,
    registry: Registry,
    objects: ObjectCounters,
    max_threads: usize,
    stack_size: usize,
    stopping: AtomicBool,
    stop_reason: Mutex<Option<StopReason>>,
    excepthook: Mutex<ExceptHook>,
    at_exit: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    next_task: AtomicU64,
}

/// A handle to a run; cheap to clone.
#[derive(Clone)]
pub struct Runtime(Arc<RuntimeInner>);

impl Runtime {
    /// A run in `mode`, without tracing, with the calling thread as main thread.
    pub fn new(mode: Mode) -> Runtime {
        Runtime::builder(mode).build()
    }

    pub fn builder(mode: Mode) -> RuntimeBuilder {
        RuntimeBuilder {
            mode,
            trace: false,
            max_threads: DEFAULT_MAX_THREADS,
            stack_size: DEFAULT_STACK_SIZE,
        }
    }

    pub(crate) fn from_inner(inner: Arc<RuntimeInner>) -> Runtime {
        Runtime(inner)
    }

    pub(crate) fn downgrade(&self) -> Weak<RuntimeInner> {
        Arc::downgrade(&self.0)
    }

    pub(crate) fn id(&self) -> u64 {
        self.0.id
    }

    pub(crate) fn scheduler(&self) -> &dyn Scheduler {
        &*self.0.scheduler
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.0.registry
    }

    pub(crate) fn max_threads(&self) -> usize {
        self.0.max_threads
    }

    pub(crate) fn stack_size(&self) -> usize {
        self.0.stack_size
    }

    /// True when primitives must take their slow, observable paths.
    #[inline]
    pub(crate) fn observed(&self) -> bool {
        self.0.observed
    }

    pub(crate) fn new_object_id(&self, kind: ObjectKind) -> ObjectId {
        self.0.objects.next(kind)
    }

    pub(crate) fn next_task_number(&self) -> u64 {
        self.0.next_task.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A CPython-looking `ident` (a pthread_t is an address), but a function of the thread's
    /// number so that deterministic runs print the same idents every time.
    pub(crate) fn ident_for(&self, num: u32) -> u64 {
        140_000_000_000_000 + u64::from(num) * 8_392_704
    }

    pub fn mode_name(&self) -> &'static str {
        self.0.scheduler.mode_name()
    }

    /// The run's clock (virtual under the deterministic scheduler).
    pub fn now(&self) -> Time {
        self.0.scheduler.now()
    }

    /// The seed of a deterministic run.
    pub fn seed(&self) -> Option<u64> {
        self.0.scheduler.deterministic().map(Deterministic::seed)
    }

    /// A deterministic run's schedule so far: its seed and every choice made between threads.
    /// `Strategy::Replay` of it reproduces the run.
    pub fn schedule(&self) -> Option<Schedule> {
        self.0
            .scheduler
            .deterministic()
            .map(Deterministic::schedule)
    }

    /// Why a deterministic run deadlocked, if it did (the text is also in
    /// [`stop_reason`](Runtime::stop_reason)).
    pub fn deadlock(&self) -> Option<DeadlockReport> {
        self.0
            .scheduler
            .deterministic()
            .and_then(Deterministic::deadlock)
    }

    pub fn trace(&self) -> Option<&Arc<Trace>> {
        self.0.trace.as_ref()
    }

    /// Records an event for the calling thread when tracing is on; `kind` is only built then.
    pub fn record(&self, kind: impl FnOnce() -> EventKind) {
        if let Some(trace) = &self.0.trace {
            trace.record(self.now(), self.current().num(), kind());
        }
    }

    /// Like [`record`](Self::record), but a call from an OS thread outside the run records
    /// nothing rather than adopting that thread as a dummy: for operations that host threads
    /// perform too, such as setting an Event when a child process ends.
    pub(crate) fn record_if_ours(&self, kind: impl FnOnce() -> EventKind) {
        if let Some(trace) = &self.0.trace {
            if let Some(thread) = registry::current(self.0.id) {
                trace.record(self.now(), thread.num(), kind());
            }
        }
    }

    pub(crate) fn record_for(&self, thread: &ThreadRef, kind: impl FnOnce() -> EventKind) {
        if let Some(trace) = &self.0.trace {
            trace.record(self.now(), thread.num(), kind());
        }
    }

    /// A line of program output, for the trace (the output itself goes to the run's sink).
    pub fn record_output(&self, text: &str) {
        self.record(|| EventKind::Output {
            text: text.to_owned(),
        });
    }

    // ----- threads -----

    /// The calling thread as a thread of this run; a foreign OS thread is adopted as "Dummy-N".
    pub fn current(&self) -> ThreadRef {
        if let Some(thread) = registry::current(self.0.id) {
            return thread;
        }
        let (num, name) = self.0.registry.allocate(Some("Dummy"));
        let dummy = ThreadRef::new(
            num,
            ThreadKind::Dummy,
            self.downgrade(),
            name.unwrap_or_default(),
            true,
        );
        dummy.bind_to_current_os_thread();
        dummy.set_ident(self.ident_for(num));
        self.0.registry.add_dummy(&dummy);
        registry::enter_for_good(self, &dummy);
        dummy.mark_alive(self);
        dummy
    }

    pub fn main_thread(&self) -> ThreadRef {
        self.0.registry.main().expect("every run has a main thread")
    }

    /// Threads started and not finished, main thread first, then in start order.
    pub fn enumerate(&self) -> Vec<ThreadRef> {
        self.0.registry.active()
    }

    pub fn active_count(&self) -> usize {
        self.0.registry.active_count()
    }

    /// A new, unstarted thread, named as CPython names it.
    pub fn thread(&self, options: ThreadOptions) -> ThreadRef {
        let (num, default_name) = self
            .0
            .registry
            .allocate(options.name.is_none().then_some("Thread"));
        let name = match (options.name, default_name, options.target) {
            (Some(name), _, _) => name,
            (None, Some(default), Some(target)) => format!("{default} ({target})"),
            (None, Some(default), None) => default,
            (None, None, _) => unreachable!("allocate names every unnamed thread"),
        };
        let daemon = options.daemon.unwrap_or_else(|| self.current().is_daemon());
        ThreadRef::new(num, ThreadKind::Spawned, self.downgrade(), name, daemon)
    }

    /// Makes a thread and starts it.
    pub fn spawn(
        &self,
        options: ThreadOptions,
        body: impl FnOnce() + Send + 'static,
    ) -> Result<ThreadRef> {
        let thread = self.thread(options);
        thread.start(body)?;
        Ok(thread)
    }

    /// Replaces the hook called with an error that escaped a thread's body.
    pub fn set_excepthook(&self, hook: impl Fn(&UncaughtError) + Send + Sync + 'static) {
        *lock(&self.0.excepthook) = Arc::new(hook);
    }

    /// Reports an error that ended `thread`, through the run's hook.
    pub fn report_uncaught(&self, thread: &ThreadRef, message: String) {
        let hook = lock(&self.0.excepthook).clone();
        hook(&UncaughtError {
            thread: thread.clone(),
            message,
        });
    }

    /// Registers `f` to run at [`shutdown`](Runtime::shutdown) before non-daemon threads are
    /// joined (CPython's `threading._register_atexit`); later registrations run first.
    pub fn at_exit(&self, f: impl FnOnce() + Send + 'static) {
        lock(&self.0.at_exit).push(Box::new(f));
    }

    /// The end of the main thread: runs the exit hooks, waits for every non-daemon thread
    /// (including ones they start meanwhile), and marks the main thread finished, which also
    /// releases its GIL. In a stopped run the waiting is cut short with `Interrupted`, but the
    /// main thread is still finished, so the other threads can unwind. In deterministic mode
    /// the remaining (daemon or unwinding) threads end too before this returns, so the run and
    /// its trace are complete.
    pub fn shutdown(&self) -> Result<()> {
        let me = self.current();
        let waited = self.run_exit_hooks_and_join(&me);
        if me.is_main() && me.is_alive() {
            self.record_for(&me, || EventKind::ThreadEnd);
            self.0.registry.remove(&me);
            me.mark_finished(self);
            self.0.scheduler.thread_exiting(&me);
        }
        waited
    }

    fn run_exit_hooks_and_join(&self, me: &ThreadRef) -> Result<()> {
        loop {
            self.check_stop()?;
            let hooks = std::mem::take(&mut *lock(&self.0.at_exit));
            if hooks.is_empty() {
                break;
            }
            for hook in hooks.into_iter().rev() {
                hook();
            }
        }
        loop {
            let pending: Vec<ThreadRef> = self
                .enumerate()
                .into_iter()
                .filter(|thread| {
                    !thread.is_daemon()
                        && !thread.ptr_eq(me)
                        && thread.kind() == ThreadKind::Spawned
                })
                .collect();
            if pending.is_empty() {
                return Ok(());
            }
            for thread in pending {
                thread.join(None)?;
            }
        }
    }

    // ----- scheduling -----

    /// A scheduling point in running code: the interpreter calls it every few instructions.
    /// Fails when the run is being stopped.
    #[inline]
    pub fn tick(&self) -> Result<()> {
        self.check_stop()?;
        crate::platform::yield_point();
        self.0.scheduler.tick(&self.current())
    }

    /// `time.sleep`: blocks for `duration` on the run's clock. `sleep(0)` just yields.
    pub fn sleep(&self, duration: Duration) -> Result<()> {
        let me = self.current();
        if duration.is_zero() {
            self.check_stop()?;
            return self.0.scheduler.yield_now(&me);
        }
        let deadline = self.now().after(duration);
        self.block(&me, || false, Some(deadline), WaitFor::Sleep)
            .map(drop)
    }

    pub fn set_switch_interval(&self, interval: Duration) {
        self.0.scheduler.set_switch_interval(interval);
    }

    pub fn switch_interval(&self) -> Duration {
        self.0.scheduler.switch_interval()
    }

    /// Stops the run: every thread that is blocked, or blocks or ticks from now on, gets
    /// [`Error::Interrupted`]. The first reason given is kept.
    pub fn stop(&self, reason: StopReason) {
        lock(&self.0.stop_reason).get_or_insert(reason);
        self.0.stopping.store(true, Ordering::Release);
        for thread in self.enumerate() {
            self.0.scheduler.unpark(&thread);
        }
    }

    pub fn stop_reason(&self) -> Option<StopReason> {
        lock(&self.0.stop_reason).clone()
    }

    #[inline]
    pub fn check_stop(&self) -> Result<()> {
        if self.0.stopping.load(Ordering::Acquire) {
            return Err(Error::Interrupted(
                self.stop_reason().unwrap_or(StopReason::Requested),
            ));
        }
        Ok(())
    }

    /// Parks `me` until `done()` holds, `deadline` passes, or the run stops; the blocked span
    /// shows in the trace. Every blocking wait in core ends up here.
    pub(crate) fn block(
        &self,
        me: &ThreadRef,
        done: impl Fn() -> bool,
        deadline: Option<Time>,
        waiting_for: WaitFor,
    ) -> Result<Woke> {
        let traced = self.0.trace.is_some();
        if traced {
            self.record_for(me, || EventKind::Block {
                on: waiting_for.clone(),
            });
        }
        let outcome = loop {
            if done() {
                break Ok(Woke::Notified);
            }
            if let Err(err) = self.check_stop() {
                break Err(err);
            }
            if deadline.is_some_and(|deadline| self.now() >= deadline) {
                break Ok(Woke::TimedOut);
            }
            if let Err(err) = self.0.scheduler.park(me, deadline, &waiting_for) {
                break Err(err);
            }
        };
        if traced {
            let timed_out = matches!(outcome, Ok(Woke::TimedOut));
            self.record_for(me, || EventKind::Unblock { timed_out });
        }
        outcome
    }
}

fn default_excepthook(error: &UncaughtError) {
    eprintln!(
        "Exception in thread {}:\n{}",
        error.thread.name(),
        error.message
    );
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.0.id)
            .field("mode", &self.mode_name())
            .finish()
    }
}
