//! The process boundary of `multiprocessing.Process`: one interface, [`ProcessLauncher`], that
//! the host implements (natively a child `threadlab` process, in the browser a Worker with its
//! own wasm instance), and the by-value encoding of what a child runs, [`ChildCall`].
//!
//! A child is started like CPython's *spawn* start method: it runs the same program again with
//! `__name__ == '__mp_main__'` (so the `if __name__ == '__main__':` block does not run), then
//! rebuilds the `Process` object from the [`ChildCall`] and calls its `run()`. What crosses the
//! boundary is data only: functions and classes go by qualified name and are looked up again in
//! the child's main module, everything else by value (see [`ChildCall`] for the limits).

mod in_process;

pub use in_process::InProcessLauncher;

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use threadlab_core::platform::{self, Unparker};
use threadlab_core::sync::Event;
use threadlab_core::Runtime;

use crate::vm::OutputSink;

/// Starts child processes for `multiprocessing.Process.start()`; installed through
/// [`RunOptions::process_launcher`](crate::RunOptions). Without one, `start()` raises
/// `OSError: processes are not available here`.
pub trait ProcessLauncher: Send + Sync + std::fmt::Debug {
    /// Starts a child that runs the same program with `request.call` (see [`ChildCall`]).
    /// The `Err` text becomes the `OSError` that `start()` raises.
    fn spawn(&self, request: ChildRequest) -> Result<Box<dyn ChildProcess>, String>;
}

/// What a launcher gets for one child.
pub struct ChildRequest {
    /// What the child runs; [`ChildCall::encode`] makes the text to hand to the child, which
    /// passes [`ChildCall::decode`]'s result as [`RunOptions::child`](crate::RunOptions).
    pub call: ChildCall,
    /// The parent's console: every line the child prints goes here, stdout and stderr apart,
    /// as it is printed.
    pub output: Arc<dyn OutputSink>,
    /// To call exactly once, with the exit code as `Process.exitcode` reports it (0, 1 after
    /// an uncaught exception, `sys.exit`'s status, `-N` after signal N), and only once all the
    /// child's output has gone to `output`.
    pub on_exit: Box<dyn FnOnce(i32) + Send>,
}

/// A running child, as its launcher controls it.
pub trait ChildProcess: Send + Sync {
    /// `Process.pid`.
    fn pid(&self) -> u32;
    /// Asks the child to end (`SIGTERM`); it then exits with `-15`.
    fn terminate(&self);
    /// Ends the child at once (`SIGKILL`); it then exits with `-9`.
    fn kill(&self);
}

/// The exit code of a process ended by `terminate()`.
pub const EXIT_TERMINATED: i32 = -15;
/// The exit code of a process ended by `kill()`.
pub const EXIT_KILLED: i32 = -9;

/// Everything a child needs to rebuild its `Process` object and run it: the process's
/// identity, and the object's state by value.
///
/// Values pass as by `pickle` for the common cases: `None`, `bool`, `int` (any size),
/// `float`, `str`, `bytes`, and `list` / `tuple` / `dict` / `set` / `frozenset` of those;
/// functions and classes of the main module by qualified name (no lambdas, no nested
/// functions); bound methods; builtins such as `print`; and instances of the program's own
/// classes, as their class's name plus their `__dict__` (made without calling `__init__`).
/// A `Process` subclass travels the same way. Anything else (locks, queues, threads, modules,
/// generators, files) makes `start()` raise `TypeError: cannot pickle '…' object`. Shared
/// references are not preserved (one list passed twice arrives as two lists), and nesting
/// deeper than [`MAX_DEPTH`] is refused.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildCall {
    /// `Process.name` (`Process-1`).
    pub name: String,
    /// `Process._identity`: `[1]` for a parent's first child, `[1, 2]` for that child's second.
    pub identity: Vec<u32>,
    pub daemon: bool,
    pub parent_pid: u32,
    pub parent_name: String,
    /// The encoded `Process` object: opaque to launchers.
    pub(crate) object: serde_json::Value,
}

/// Nesting beyond this is refused rather than overflowing the stack (a list that contains
/// itself would otherwise recurse forever).
pub const MAX_DEPTH: usize = 200;

impl ChildCall {
    /// The call as one line of text, for a command line, a pipe or a `postMessage`.
    pub fn encode(&self) -> String {
        serde_json::json!({
            "name": self.name,
            "identity": self.identity,
            "daemon": self.daemon,
            "parent_pid": self.parent_pid,
            "parent_name": self.parent_name,
            "object": self.object,
        })
        .to_string()
    }

    pub fn decode(text: &str) -> Result<ChildCall, String> {
        let bad = |what: &str| format!("malformed child call: {what}");
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|err| bad(&err.to_string()))?;
        let field = |name: &str| json.get(name).ok_or_else(|| bad(name));
        Ok(ChildCall {
            name: field("name")?
                .as_str()
                .ok_or_else(|| bad("name"))?
                .to_owned(),
            identity: field("identity")?
                .as_array()
                .ok_or_else(|| bad("identity"))?
                .iter()
                .map(|n| n.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect::<Option<Vec<u32>>>()
                .ok_or_else(|| bad("identity"))?,
            daemon: field("daemon")?.as_bool().ok_or_else(|| bad("daemon"))?,
            parent_pid: field("parent_pid")?
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad("parent_pid"))?,
            parent_name: field("parent_name")?
                .as_str()
                .ok_or_else(|| bad("parent_name"))?
                .to_owned(),
            object: field("object")?.clone(),
        })
    }
}

/// This process's id as `os.getpid()` reports it (the browser has none: a stand-in).
pub fn current_pid() -> u32 {
    // `std::process::id()` panics on wasm32-unknown-unknown.
    if cfg!(target_family = "wasm") {
        42
    } else {
        std::process::id()
    }
}

/// How one started child ended, once it has: set by the launcher's `on_exit` from any OS
/// thread, awaited by `join()` through the run's scheduler (`event`) or directly, parked
/// (`waiters`: a park, unlike a condition variable, also works on the browser's green threads).
pub(crate) struct ExitSlot {
    code: Mutex<Option<i32>>,
    /// Each by a number of its own, so that it leaves once its wait is over.
    waiters: Mutex<Vec<(u64, Unparker)>>,
    next_waiter: AtomicU64,
    event: Event,
}

impl ExitSlot {
    pub(crate) fn new(runtime: &Runtime) -> Arc<ExitSlot> {
        Arc::new(ExitSlot {
            code: Mutex::new(None),
            waiters: Mutex::new(Vec::new()),
            next_waiter: AtomicU64::new(0),
            event: Event::new(runtime),
        })
    }

    pub(crate) fn set(&self, code: i32) {
        let waiters = {
            let mut slot = crate::objects::lock(&self.code);
            *slot = Some(code);
            std::mem::take(&mut *crate::objects::lock(&self.waiters))
        };
        for (_, waiter) in waiters {
            waiter.unpark();
        }
        self.event.set();
    }

    pub(crate) fn code(&self) -> Option<i32> {
        *crate::objects::lock(&self.code)
    }

    pub(crate) fn event(&self) -> &Event {
        &self.event
    }

    /// Parks the platform thread (not through the scheduler) for at most `timeout`, or less:
    /// callers wait in a loop.
    pub(crate) fn wait_os(&self, timeout: Duration) -> Option<i32> {
        let number = {
            // Registered under the code's lock, so that `set` cannot slip in between.
            let code = crate::objects::lock(&self.code);
            if code.is_some() {
                return *code;
            }
            let number = self.next_waiter.fetch_add(1, Ordering::Relaxed);
            crate::objects::lock(&self.waiters).push((number, Unparker::for_current()));
            number
        };
        platform::park_current(Some(timeout));
        crate::objects::lock(&self.waiters).retain(|&(waiter, _)| waiter != number);
        self.code()
    }
}

/// A started child, as the parent keeps it.
pub(crate) struct ChildHandle {
    pub(crate) process: Box<dyn ChildProcess>,
    pub(crate) exit: Arc<ExitSlot>,
    pub(crate) daemon: bool,
    /// Set once a `join()` has seen the exit and put it in the trace.
    pub(crate) exit_traced: std::sync::atomic::AtomicBool,
}

/// The run's processes: the launcher, this process's own identity, and its children. One per
/// run, in [`Interp::processes`](crate::Interp).
#[derive(Default)]
pub struct Processes {
    pub(crate) launcher: OnceLock<Arc<dyn ProcessLauncher>>,
    /// Set in a child: what it was started to run.
    pub(crate) child: OnceLock<ChildCall>,
    /// `current_process()`, made on first use.
    pub(crate) current: Mutex<Option<crate::objects::Value>>,
    /// Numbers `Process-N` names, from 1 in every process.
    counter: AtomicU32,
    /// Every started child with its Python object, in start order.
    pub(crate) children: Mutex<Vec<(Arc<ChildHandle>, crate::objects::Value)>>,
}

impl Processes {
    pub(crate) fn next_number(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The end of the run, as CPython's `multiprocessing` exit handler: daemonic children are
    /// terminated, the others awaited. In a stopped run (Ctrl-C, a time limit) every child is
    /// killed instead, so that nothing outlives the run.
    pub(crate) fn finish(&self, runtime: &Runtime) {
        let children: Vec<Arc<ChildHandle>> = crate::objects::lock(&self.children)
            .iter()
            .map(|(handle, _)| handle.clone())
            .collect();
        for child in children
            .iter()
            .filter(|c| c.daemon && c.exit.code().is_none())
        {
            child.process.terminate();
        }
        let mut killed = false;
        for child in &children {
            let mut after_kill = Duration::ZERO;
            while child.exit.wait_os(Duration::from_millis(50)).is_none() {
                if runtime.stop_reason().is_some() && !killed {
                    killed = true;
                    for child in &children {
                        if child.exit.code().is_none() {
                            child.process.kill();
                        }
                    }
                }
                if killed {
                    // A killed child's exit is reported within milliseconds; do not hang on
                    // one whose launcher never reports.
                    after_kill += Duration::from_millis(50);
                    if after_kill > Duration::from_secs(5) {
                        break;
                    }
                }
            }
        }
    }
}
