//! State shared by every thread of one run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use threadlab_core::{Runtime, StopReason};

use super::{PyErr, PyResult};
use crate::objects::{Dict, Value};
use crate::source::SourceFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Where a run's output goes: the terminal, the browser console, or a checker's buffer.
/// Each call is one complete `print` (or traceback), so lines from different threads never
/// interleave mid-line.
pub trait OutputSink: Send + Sync {
    fn write(&self, stream: Stream, text: &str);

    /// A line of input for `input()`, without its newline. Only a terminal has one; the
    /// browser and checkers keep the default.
    fn read_line(&self) -> InputLine {
        InputLine::Unavailable
    }
}

/// What `OutputSink::read_line` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputLine {
    Line(String),
    /// Standard input is closed: `input()` raises `EOFError: EOF when reading a line`.
    EndOfFile,
    /// There is no keyboard here at all.
    Unavailable,
}

/// Per-run limits: a runaway program ends with a clear message instead of hanging the page or
/// exhausting memory.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Python frames per thread (`RecursionError` beyond), like `sys.getrecursionlimit()`.
    pub recursion_limit: usize,
    /// Nested Rust→Python calls per thread (each uses Rust stack).
    pub native_depth_limit: usize,
    /// Total instructions over all threads; `None` is unlimited.
    pub instruction_budget: Option<u64>,
    /// The largest container (in elements, or characters for strings) one operation may
    /// build; `MemoryError` beyond.
    pub max_container_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            recursion_limit: 1000,
            native_depth_limit: 200,
            instruction_budget: None,
            max_container_len: 10_000_000,
        }
    }
}

pub struct Interp {
    pub runtime: Runtime,
    pub output: Arc<dyn OutputSink>,
    pub limits: Limits,
    pub source: Arc<SourceFile>,
    /// The `builtins` namespace every module falls back to.
    pub builtins: Arc<Dict>,
    /// `sys.modules`: imported modules by dotted name.
    pub modules: RwLock<HashMap<String, Value>>,
    /// The Python `Thread` object of each live thread, by core thread number, so that
    /// `current_thread()` returns the very object the program created.
    pub thread_objects: Mutex<HashMap<u32, Value>>,
    /// For dict keys of classes with `__eq__`: the objects seen so far, by `__hash__`
    /// (see `Vm::hash_key`).
    pub eq_classes: Mutex<HashMap<u64, Vec<Value>>>,
    /// Instructions between scheduler ticks: 1 in deterministic mode, so that a switch can
    /// fall between any two instructions; more otherwise, to keep the tick cheap.
    pub tick_interval: u32,
    /// Instructions a thread runs between additions to the run's shared count: every tick in
    /// deterministic mode, so that a budget stops a run at the same instruction on every
    /// machine; 64 ticks otherwise, because two threads adding to one counter at every tick
    /// pass its cache line back and forth and lose part of their parallel speed-up.
    pub(crate) count_batch: u64,
    /// `multiprocessing`: the launcher, this process's identity and its children.
    pub processes: crate::process::Processes,
    /// Set in a step run: where each thread is, published at every tick (see `step::probe`).
    pub step_probe: OnceLock<Arc<crate::step::Probe>>,
    instructions: AtomicU64,
    next_frame: AtomicU64,
}

impl Interp {
    pub fn new(
        runtime: Runtime,
        output: Arc<dyn OutputSink>,
        limits: Limits,
        source: Arc<SourceFile>,
    ) -> Arc<Interp> {
        let tick_interval = if runtime.seed().is_some() { 1 } else { 256 };
        let count_batch = if runtime.seed().is_some() {
            1
        } else {
            64 * 256
        };
        Arc::new(Interp {
            runtime,
            output,
            limits,
            source,
            builtins: crate::builtins::builtins_namespace(),
            modules: RwLock::new(HashMap::new()),
            thread_objects: Mutex::new(HashMap::new()),
            eq_classes: Mutex::new(HashMap::new()),
            tick_interval,
            count_batch,
            processes: crate::process::Processes::default(),
            step_probe: OnceLock::new(),
            instructions: AtomicU64::new(0),
            next_frame: AtomicU64::new(1),
        })
    }

    pub(crate) fn next_frame_id(&self) -> u64 {
        self.next_frame.fetch_add(1, Ordering::Relaxed)
    }

    pub fn instructions_executed(&self) -> u64 {
        self.instructions.load(Ordering::Relaxed)
    }

    /// Counts executed instructions against the budget; past it, stops the whole run.
    pub(crate) fn count_instructions(&self, n: u64) -> PyResult<()> {
        let total = self.instructions.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(budget) = self.limits.instruction_budget {
            if total > budget {
                self.runtime.stop(StopReason::LimitExceeded(format!(
                    "the program ran more than {budget} instructions"
                )));
                return Err(PyErr::stop());
            }
        }
        Ok(())
    }

    pub fn write(&self, stream: Stream, text: &str) {
        if stream == Stream::Stdout && self.runtime.trace().is_some() {
            // The trace holds lines without their newline; a `print` is one write, usually of
            // one line (a fragment, with `end=''`).
            let text = text.strip_suffix('\n').unwrap_or(text);
            for line in text.split('\n') {
                self.runtime.record_output(line);
            }
        }
        self.output.write(stream, text);
    }
}
