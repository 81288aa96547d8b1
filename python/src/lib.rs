//! threadlab's Python: a Python-subset interpreter on threadlab-core, with no GIL.
//!
//! ```text
//! source ─ ruff_python_parser ─▶ AST ─ compiler ─▶ Code (bytecode) ─ vm ─▶ objects
//!                                                                      │
//!                                                      threadlab-core (threads, scheduler)
//! ```
//!
//! [`run`] is the whole pipeline for one program: the CLI, the browser and the exercise
//! checkers all go through it, with their own [`OutputSink`].

pub mod builtins;
pub mod bytecode;
pub mod compiler;
pub mod modules;
pub mod objects;
pub mod parse;
pub mod process;
pub mod source;
mod stack;
pub mod step;
pub mod vm;

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use threadlab_core::platform::monotonic_nanos;
use threadlab_core::{Mode, Runtime, StopReason};

pub use source::SourceFile;
pub use vm::{InputLine, Interp, Limits, OutputSink, PyErr, Stream, Vm};

use objects::types::ExcKind;
use objects::{Dict, Module, Value};

/// How to run a program.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub mode: Mode,
    pub limits: Limits,
    /// Record a trace (threads, locks, output) for `--trace` and timelines.
    pub trace: bool,
    pub max_threads: Option<usize>,
    /// Starts `multiprocessing.Process` children; without one, `start()` raises `OSError`.
    pub process_launcher: Option<Arc<dyn process::ProcessLauncher>>,
    /// Set when this run is a `multiprocessing` child: the program runs as `__mp_main__`,
    /// then the child's `Process.run()` is called (see [`process::ChildCall`]).
    pub child: Option<process::ChildCall>,
    /// Set by a step run ([`step`]): each thread publishes its position there at every tick.
    pub step_probe: Option<Arc<step::Probe>>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            mode: Mode::Parallel,
            limits: Limits::default(),
            trace: false,
            max_threads: None,
            process_launcher: None,
            child: None,
            step_probe: None,
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    Completed,
    /// `sys.exit(n)` with a nonzero status.
    Exited(i32),
    UncaughtException,
    SyntaxError,
    /// Stopped by the learner, a limit, or a deadlock.
    Stopped(StopReason),
    /// A bug in threadlab, reported with the program line it happened at.
    InternalError,
}

impl Outcome {
    /// The process exit status the CLI uses.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Completed => 0,
            Outcome::Exited(code) => *code,
            Outcome::UncaughtException | Outcome::SyntaxError => 1,
            Outcome::Stopped(StopReason::Deadlock(_)) => 3,
            Outcome::Stopped(_) => 1,
            Outcome::InternalError => 70,
        }
    }
}

pub struct RunReport {
    pub outcome: Outcome,
    /// Wall time of the run, from the first instruction to the last thread's end.
    pub elapsed: Duration,
    pub instructions: u64,
    /// The run's runtime, for its trace and schedule.
    pub runtime: Runtime,
}

/// A program ready to run.
pub struct Program {
    source: Arc<SourceFile>,
}

impl Program {
    /// `name` is what tracebacks print (`File "name", line 3`).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Program {
        Program {
            source: Arc::new(SourceFile::new(name, text)),
        }
    }

    pub fn source(&self) -> &Arc<SourceFile> {
        &self.source
    }

    /// The bytecode listing (`threadlab run --dis`), or the rendered syntax error.
    pub fn disassemble(&self) -> Result<String, String> {
        match parse::compile_program(&self.source) {
            Ok(code) => Ok(bytecode::disassemble(&code)),
            Err(error) => Err(error.render(&self.source)),
        }
    }
}

/// Stops a run from another thread (Ctrl-C, the Stop button, a time limit).
#[derive(Clone)]
pub struct StopHandle(Runtime);

impl StopHandle {
    pub fn stop(&self, reason: StopReason) {
        self.0.stop(reason);
    }
}

/// One run of a program: create it, hand out its [`StopHandle`], then [`Run::run`] it.
pub struct Run {
    program: Program,
    options: RunOptions,
    output: Arc<dyn OutputSink>,
    runtime: Runtime,
}

impl Run {
    pub fn new(program: Program, options: RunOptions, output: Arc<dyn OutputSink>) -> Run {
        let mut builder = Runtime::builder(options.mode.clone()).trace(options.trace);
        if let Some(max) = options.max_threads {
            builder = builder.max_threads(max);
        }
        Run {
            program,
            options,
            output,
            runtime: builder.build(),
        }
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.runtime.clone())
    }

    /// Runs the program on the calling thread (its main thread) until every non-daemon
    /// thread has finished.
    pub fn run(self) -> RunReport {
        install_quiet_panic_hook();
        let started = monotonic_nanos();
        let runtime = self.runtime.clone();
        let code = match parse::compile_program(&self.program.source) {
            Ok(code) => code,
            Err(error) => {
                self.output
                    .write(Stream::Stderr, &error.render(&self.program.source));
                return RunReport {
                    outcome: Outcome::SyntaxError,
                    elapsed: Duration::ZERO,
                    instructions: 0,
                    runtime,
                };
            }
        };
        let interp = Interp::new(
            runtime.clone(),
            self.output.clone(),
            self.options.limits.clone(),
            self.program.source.clone(),
        );
        if let Some(launcher) = &self.options.process_launcher {
            let _ = interp.processes.launcher.set(launcher.clone());
        }
        if let Some(call) = &self.options.child {
            let _ = interp.processes.child.set(call.clone());
        }
        if let Some(probe) = &self.options.step_probe {
            let _ = interp.step_probe.set(probe.clone());
        }
        // A `multiprocessing` child runs the program as `__mp_main__`, which is also its
        // `__main__` module (CPython's spawn start method).
        let main_name = if self.options.child.is_some() {
            "__mp_main__"
        } else {
            "__main__"
        };
        let globals = Dict::new();
        globals.set_by_name("__name__", Value::str(main_name));
        globals.set_by_name("__file__", Value::str(self.program.source.name.as_str()));
        globals.set_by_name("__doc__", Value::None);
        let main_module = Value::Module(Module::new(main_name, globals.clone()));
        objects::write(&interp.modules).insert("__main__".into(), main_module.clone());
        if main_name != "__main__" {
            objects::write(&interp.modules).insert(main_name.into(), main_module);
        }

        let mut vm = Vm::new(interp.clone());
        let frame = vm.namespace_frame(code, globals.clone(), globals, Vec::new());
        let result = catch_unwind(AssertUnwindSafe(|| {
            vm.run_frame(frame)?;
            if let Some(call) = &self.options.child {
                modules::process::run_child(&mut vm, call)?;
            }
            Ok(Value::None)
        }));
        vm.flush_instruction_count();
        let mut outcome = match result {
            Ok(Ok(_)) => Outcome::Completed,
            Ok(Err(error)) => report_error(&mut vm, error),
            Err(_) => report_panic(&interp, vm.current_line()),
        };
        if let Err(error) = runtime.shutdown() {
            if outcome == Outcome::Completed {
                outcome = report_error(&mut vm, PyErr::from(error));
            }
        }
        interp.processes.finish(&runtime);
        if let Some(reason) = runtime.stop_reason() {
            if !matches!(outcome, Outcome::Stopped(_)) && outcome != Outcome::InternalError {
                outcome = report_stop(&interp, reason);
            }
        }
        let elapsed = Duration::from_nanos(monotonic_nanos().saturating_sub(started));
        RunReport {
            outcome,
            elapsed,
            instructions: interp.instructions_executed(),
            runtime,
        }
    }
}

/// Runs `program` to the end: the one-call form of [`Run`].
pub fn run(program: Program, options: RunOptions, output: Arc<dyn OutputSink>) -> RunReport {
    Run::new(program, options, output).run()
}

/// An uncaught exception in the main thread: a traceback, or `SystemExit`'s status.
fn report_error(vm: &mut Vm, error: PyErr) -> Outcome {
    if error.is_stop() {
        let reason = vm
            .interp
            .runtime
            .stop_reason()
            .unwrap_or(StopReason::Requested);
        return report_stop(&vm.interp, reason);
    }
    if error.is(ExcKind::SystemExit) {
        let code = error.data().map(|d| d.args()).and_then(|args| match args {
            Value::Tuple(t) => t.items().first().cloned(),
            _ => None,
        });
        return match code {
            None | Some(Value::None) => Outcome::Completed,
            Some(Value::Int(0)) => Outcome::Completed,
            Some(Value::Int(n)) => Outcome::Exited(n as i32),
            Some(Value::Bool(b)) => {
                if b {
                    Outcome::Exited(1)
                } else {
                    Outcome::Completed
                }
            }
            Some(other) => {
                let text = vm.str(&other).unwrap_or_default();
                vm.interp.write(Stream::Stderr, &format!("{text}\n"));
                Outcome::Exited(1)
            }
        };
    }
    let text = vm::format_exception(vm, error.exception());
    vm.interp.write(Stream::Stderr, &text);
    Outcome::UncaughtException
}

fn report_stop(interp: &Interp, reason: StopReason) -> Outcome {
    let message = match &reason {
        // A child process stopped by `terminate()` or `kill()` ends silently, as a process
        // ended by a signal does.
        StopReason::Requested if interp.processes.child.get().is_some() => {
            return Outcome::Stopped(reason)
        }
        StopReason::Requested => "threadlab: the run was stopped\n".to_owned(),
        StopReason::LimitExceeded(what) => format!("threadlab: the run was stopped: {what}\n"),
        StopReason::Deadlock(report) => {
            format!("threadlab: deadlock: no thread can run\n{report}\n")
        }
        StopReason::ScheduleDiverged(detail) => {
            format!("threadlab: the replayed schedule no longer fits the program: {detail}\n")
        }
        StopReason::MainThreadExited => return Outcome::Completed,
    };
    interp.write(Stream::Stderr, &message);
    Outcome::Stopped(reason)
}

fn report_panic(interp: &Interp, line: Option<u32>) -> Outcome {
    let detail = LAST_PANIC
        .with(|p| p.borrow_mut().take())
        .unwrap_or_default();
    let place = match line {
        Some(line) => format!(" while running line {line}"),
        None => String::new(),
    };
    interp.write(
        Stream::Stderr,
        &format!("threadlab: internal error{place}: {detail}\nThis is a bug in threadlab, not in your program; please report it.\n"),
    );
    Outcome::InternalError
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Live VMs on this OS thread: while there is one, a panic belongs to the learner's run.
    static LIVE_VMS: Cell<u32> = const { Cell::new(0) };
}

/// Marks this OS thread as running learner code while it lives (one per [`vm::Vm`]), so the
/// quiet panic hook silences only panics that the run boundary will report, and a panic in
/// the host around a run (a failing test's assertion, a CLI bug) still prints as Rust's.
pub(crate) struct LearnerCodeOnThisThread(std::thread::ThreadId);

impl LearnerCodeOnThisThread {
    pub(crate) fn enter() -> LearnerCodeOnThisThread {
        LIVE_VMS.with(|n| n.set(n.get() + 1));
        LearnerCodeOnThisThread(std::thread::current().id())
    }
}

impl Drop for LearnerCodeOnThisThread {
    fn drop(&mut self) {
        // A pool's per-worker VMs may be dropped by whichever thread drops the pool; the
        // worker they counted on then keeps its mark, which only keeps it quiet.
        if std::thread::current().id() == self.0 {
            LIVE_VMS.with(|n| n.set(n.get() - 1));
        }
    }
}

/// Panics are caught at the run boundary and reported as internal errors; the default hook
/// would also print Rust's own message to stderr, which a learner must never see. Panics on a
/// thread with no live VM are not the learner's and go to the previous hook.
pub fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>;
    static PREVIOUS: Mutex<Option<Hook>> = Mutex::new(None);
    ONCE.call_once(|| {
        *objects::lock(&PREVIOUS) = Some(std::panic::take_hook());
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_owned());
            let location = info
                .location()
                .map(|l| format!(" ({}:{})", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{location}")));
            let in_a_run = LIVE_VMS.with(|n| n.get() > 0);
            if !in_a_run || std::env::var_os("THREADLAB_DEBUG_PANICS").is_some() {
                if let Some(previous) = objects::lock(&PREVIOUS).as_ref() {
                    previous(info);
                }
            }
        }));
    });
}

/// An [`OutputSink`] that keeps everything, for tests and checkers.
#[derive(Default)]
pub struct CapturedOutput {
    stdout: Mutex<String>,
    stderr: Mutex<String>,
}

impl CapturedOutput {
    pub fn new() -> Arc<CapturedOutput> {
        Arc::new(CapturedOutput::default())
    }

    pub fn stdout(&self) -> String {
        objects::lock(&self.stdout).clone()
    }

    pub fn stderr(&self) -> String {
        objects::lock(&self.stderr).clone()
    }
}

impl OutputSink for CapturedOutput {
    fn write(&self, stream: Stream, text: &str) {
        let target = match stream {
            Stream::Stdout => &self.stdout,
            Stream::Stderr => &self.stderr,
        };
        objects::lock(target).push_str(text);
    }
}

/// Runs `source` with default options and returns `(stdout, stderr, outcome)`: the tests'
/// one-liner.
pub fn run_source(name: &str, source: &str) -> (String, String, Outcome) {
    let output = CapturedOutput::new();
    let report = run(
        Program::new(name, source),
        RunOptions::default(),
        output.clone(),
    );
    (output.stdout(), output.stderr(), report.outcome)
}
