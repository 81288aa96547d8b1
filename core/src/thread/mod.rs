//! Threads of a run: their identity, life cycle, start and join.
//!
//! A [`ThreadRef`] is the core of a Python `Thread` object. It is created (named, numbered) by
//! [`Runtime::thread`](crate::Runtime::thread), started once with a body, and joined through the
//! scheduler like any other wait. Its life cycle is CPython's:
//!
//! | state | `is_alive()` | `ident` | in `enumerate()` |
//! |---|---|---|---|
//! | new | false | `None` | no |
//! | starting (inside `start()`) | false | set | yes |
//! | alive | true | set | yes |
//! | finished | false | set | no |
//!
//! `start()` returns only once the new thread has begun (as CPython waits for `_started`), so
//! `is_alive()` and `native_id` are meaningful right after it.

mod local;
pub(crate) mod registry;

pub use local::ThreadLocal;
pub(crate) use registry::{Registry, ThreadKind};

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use crate::error::{Error, Result, StopReason};
use crate::platform::{self, Unparker};
use crate::runtime::{Runtime, RuntimeInner};
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList};
use crate::trace::EventKind;
use crate::util::{lock, panic_message};

/// How a thread is made: CPython's `Thread(name=..., target=..., daemon=...)`.
#[derive(Clone, Debug, Default)]
pub struct ThreadOptions {
    /// An explicit name; when absent the thread is named `Thread-N`.
    pub name: Option<String>,
    /// The target's name, appended to a default name as CPython 3.10+ does: `Thread-3 (worker)`.
    pub target: Option<String>,
    /// Daemon flag; when absent it is inherited from the creating thread.
    pub daemon: Option<bool>,
}

impl ThreadOptions {
    pub fn named(name: impl Into<String>) -> ThreadOptions {
        ThreadOptions {
            name: Some(name.into()),
            ..ThreadOptions::default()
        }
    }

    pub fn target(target: impl Into<String>) -> ThreadOptions {
        ThreadOptions {
            target: Some(target.into()),
            ..ThreadOptions::default()
        }
    }

    pub fn daemon(mut self, daemon: bool) -> ThreadOptions {
        self.daemon = Some(daemon);
        self
    }
}

/// A shared handle to one thread of a run.
#[derive(Clone)]
pub struct ThreadRef(pub(crate) Arc<ThreadInner>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LifeState {
    New,
    Starting,
    Alive,
    Finished,
}

struct Life {
    state: LifeState,
    /// Threads waiting for this one to start (its starter) or to finish (joiners).
    waiters: WaitList,
}

pub(crate) struct ThreadInner {
    num: u32,
    kind: ThreadKind,
    runtime: Weak<RuntimeInner>,
    name: Mutex<String>,
    daemon: AtomicBool,
    life: Mutex<Life>,
    ident: OnceLock<u64>,
    native_id: OnceLock<u64>,
    unparker: OnceLock<Unparker>,
    /// Keyed by creation order, so values are dropped in the same order on every run.
    locals: Mutex<BTreeMap<u64, Box<dyn Any + Send>>>,
}

impl ThreadRef {
    pub(crate) fn new(
        num: u32,
        kind: ThreadKind,
        runtime: Weak<RuntimeInner>,
        name: String,
        daemon: bool,
    ) -> ThreadRef {
        ThreadRef(Arc::new(ThreadInner {
            num,
            kind,
            runtime,
            name: Mutex::new(name),
            daemon: AtomicBool::new(daemon),
            life: Mutex::new(Life {
                state: LifeState::New,
                waiters: WaitList::default(),
            }),
            ident: OnceLock::new(),
            native_id: OnceLock::new(),
            unparker: OnceLock::new(),
            locals: Mutex::new(BTreeMap::new()),
        }))
    }

    /// The thread's number in its run: 0 for the main thread, then in creation order. Traces
    /// and deadlock reports use it; it never changes, unlike the name.
    pub fn num(&self) -> u32 {
        self.0.num
    }

    pub fn name(&self) -> String {
        lock(&self.0.name).clone()
    }

    pub fn set_name(&self, name: impl Into<String>) {
        *lock(&self.0.name) = name.into();
    }

    pub fn is_daemon(&self) -> bool {
        self.0.daemon.load(Ordering::Relaxed)
    }

    /// CPython refuses to change the flag once the thread is started.
    pub fn set_daemon(&self, daemon: bool) -> Result<()> {
        if lock(&self.0.life).state != LifeState::New {
            return Err(Error::CannotSetDaemon);
        }
        self.0.daemon.store(daemon, Ordering::Relaxed);
        Ok(())
    }

    /// `threading.get_ident()`-style identifier; `None` before `start()`.
    pub fn ident(&self) -> Option<u64> {
        self.0.ident.get().copied()
    }

    /// The OS's id for the thread; `None` before it started running.
    pub fn native_id(&self) -> Option<u64> {
        self.0.native_id.get().copied()
    }

    pub fn is_alive(&self) -> bool {
        lock(&self.0.life).state == LifeState::Alive
    }

    /// True once `start()` has been called successfully.
    pub fn is_started(&self) -> bool {
        lock(&self.0.life).state != LifeState::New
    }

    pub fn is_main(&self) -> bool {
        self.0.kind == ThreadKind::Main
    }

    /// True for threads the run did not start but that called into it ("Dummy-N" in CPython).
    pub fn is_dummy(&self) -> bool {
        self.0.kind == ThreadKind::Dummy
    }

    pub fn ptr_eq(&self, other: &ThreadRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Wakes the OS thread behind this thread if it is parked (or makes its next park return).
    ///
    /// A thread that is still starting has no OS thread bound yet; it cannot be parked either,
    /// and it checks for a stop at its first wait, so there is nothing to wake.
    pub(crate) fn unpark_os_thread(&self) {
        if let Some(unparker) = self.0.unparker.get() {
            unparker.unpark();
        }
    }

    pub(crate) fn bind_to_current_os_thread(&self) {
        let _ = self.0.unparker.set(Unparker::for_current());
        let _ = self.0.native_id.set(platform::native_thread_id());
    }

    pub(crate) fn set_ident(&self, ident: u64) {
        let _ = self.0.ident.set(ident);
    }

    pub(crate) fn kind(&self) -> ThreadKind {
        self.0.kind
    }

    fn runtime(&self) -> Result<Runtime> {
        self.0
            .runtime
            .upgrade()
            .map(Runtime::from_inner)
            .ok_or(Error::Interrupted(StopReason::Requested))
    }

    /// Starts the thread running `body`, and returns once it has begun.
    pub fn start(&self, body: impl FnOnce() + Send + 'static) -> Result<()> {
        let rt = self.runtime()?;
        {
            let mut life = lock(&self.0.life);
            if life.state != LifeState::New {
                return Err(Error::AlreadyStarted);
            }
            life.state = LifeState::Starting;
        }
        let admitted = rt.registry().admit(self, rt.max_threads());
        let admitted_ok = admitted.is_ok();
        let spawned = admitted.and_then(|()| {
            self.set_ident(rt.ident_for(self.num()));
            rt.scheduler().thread_created(self);
            let (thread, runtime) = (self.clone(), rt.clone());
            platform::spawn(
                &self.name(),
                rt.stack_size(),
                Box::new(move || bootstrap(runtime, thread, body)),
            )
        });
        if let Err(err) = spawned {
            if admitted_ok {
                rt.scheduler().thread_start_failed(self);
            }
            rt.registry().remove(self);
            lock(&self.0.life).state = LifeState::New;
            return Err(match err {
                // The platform's own limit (the browser's workers), or the run's where the
                // platform names none (the OS refused).
                Error::CantStartThread { limit, reason } => Error::CantStartThread {
                    limit: if limit == 0 { rt.max_threads() } else { limit },
                    reason,
                },
                other => other,
            });
        }
        let mut life = lock(&self.0.life);
        while life.state == LifeState::Starting {
            life = wait_on(
                &rt,
                &self.0.life,
                life,
                |life| &mut life.waiters,
                None,
                WaitFor::Starting(self.num()),
            )?
            .0;
        }
        Ok(())
    }

    /// Waits for the thread to finish, for at most `timeout`. Returns whether it finished.
    pub fn join(&self, timeout: Option<Duration>) -> Result<bool> {
        let rt = self.runtime()?;
        if !self.is_started() {
            return Err(Error::JoinBeforeStart);
        }
        if self.ptr_eq(&rt.current()) {
            return Err(Error::JoinSelf);
        }
        let deadline = timeout.map(|timeout| rt.now().after(timeout));
        let mut life = lock(&self.0.life);
        loop {
            if life.state == LifeState::Finished {
                return Ok(true);
            }
            if deadline.is_some_and(|deadline| rt.now() >= deadline) {
                return Ok(false);
            }
            life = wait_on(
                &rt,
                &self.0.life,
                life,
                |life| &mut life.waiters,
                deadline,
                WaitFor::Thread(self.num()),
            )?
            .0;
        }
    }

    pub(crate) fn mark_alive(&self, rt: &Runtime) {
        let mut life = lock(&self.0.life);
        life.state = LifeState::Alive;
        life.waiters.notify_all(rt);
    }

    pub(crate) fn mark_finished(&self, rt: &Runtime) {
        let locals = std::mem::take(&mut *lock(&self.0.locals));
        drop(locals);
        let mut life = lock(&self.0.life);
        life.state = LifeState::Finished;
        life.waiters.notify_all(rt);
    }

    pub(crate) fn take_local(&self, id: u64) -> Option<Box<dyn Any + Send>> {
        lock(&self.0.locals).remove(&id)
    }

    pub(crate) fn put_local(&self, id: u64, value: Box<dyn Any + Send>) {
        lock(&self.0.locals).insert(id, value);
    }
}

/// The first and last thing a spawned thread does around its body.
fn bootstrap(rt: Runtime, thread: ThreadRef, body: impl FnOnce()) {
    thread.bind_to_current_os_thread();
    let _current = registry::enter(&rt, &thread);
    let entered = rt.scheduler().thread_entered(&thread);
    rt.record_for(&thread, || EventKind::ThreadStart {
        name: thread.name(),
    });
    thread.mark_alive(&rt);
    if entered.is_ok() {
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
            rt.report_uncaught(&thread, panic_message(payload.as_ref()));
        }
    }
    rt.record_for(&thread, || EventKind::ThreadEnd);
    rt.registry().remove(&thread);
    thread.mark_finished(&rt);
    rt.scheduler().thread_exiting(&thread);
}

impl fmt::Debug for ThreadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.0.life).state;
        f.debug_struct("ThreadRef")
            .field("num", &self.0.num)
            .field("name", &self.name())
            .field("state", &state)
            .field("daemon", &self.is_daemon())
            .finish()
    }
}
