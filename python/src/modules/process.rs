//! `multiprocessing.Process`, `current_process`, `parent_process`, `active_children`: a
//! process is a separate interpreter with its own memory, started through the run's
//! [`ProcessLauncher`](crate::process::ProcessLauncher) (natively a child `threadlab`).
//!
//! The parent encodes the `Process` object by value (see [`ChildCall`]); the child runs the
//! program again as `__mp_main__`, then [`run_child`] rebuilds the object from the call and
//! calls its `run()`, as CPython's spawn start method does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use num_bigint::BigInt;
use serde_json::{json, Value as Json};
use threadlab_core::trace::EventKind;

use crate::builtins::args::{bind, positional};
use crate::modules::native::{
    add_function, add_method, add_property, attach_native, exception_class, native, native_class,
    new_native, split_receiver,
};
use crate::modules::threading::thread::timeout_arg;
use crate::objects::class::Layout;
use crate::objects::set::KeySet;
use crate::objects::types::ExcKind;
use crate::objects::{int_from_bigint, Args, Class, Dict, Object, Payload, PyStr, Set, Value};
use crate::process::{
    current_pid, ChildCall, ChildHandle, ChildRequest, ExitSlot, EXIT_KILLED, EXIT_TERMINATED,
    MAX_DEPTH,
};
use crate::vm::{PyErr, PyResult, Stream, Vm};

/// The Rust side of a `Process` object.
pub struct ProcessState {
    inner: Mutex<Inner>,
    /// Set by `start()`.
    handle: OnceLock<Arc<ChildHandle>>,
    role: Role,
}

struct Inner {
    name: String,
    daemon: bool,
    identity: Vec<u32>,
    target: Value,
    args: Value,
    kwargs: Value,
}

/// Which process a `Process`-like object stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A child this process made (or will start).
    Child,
    /// This very process, in a child: the object rebuilt from the parent's.
    Current,
    /// This process when it is the program's first one (`_MainProcess`).
    Main,
    /// `parent_process()` in a child.
    Parent { pid: u32 },
}

fn process_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("multiprocessing.context", "Process", &[]);
        add_method(&class, "__init__", process_init);
        add_method(&class, "start", process_start);
        add_method(&class, "run", process_run);
        add_method(&class, "join", process_join);
        add_method(&class, "is_alive", process_is_alive);
        add_method(&class, "terminate", process_terminate);
        add_method(&class, "kill", process_kill);
        add_method(&class, "close", process_close);
        add_method(&class, "__repr__", process_repr);
        add_property(&class, "name", get_name, Some(set_name));
        add_property(&class, "daemon", get_daemon, Some(set_daemon));
        add_property(&class, "pid", get_pid, None);
        add_property(&class, "ident", get_pid, None);
        add_property(&class, "exitcode", get_exitcode, None);
        class
    })
}

fn main_process_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        native_class(
            "multiprocessing.process",
            "_MainProcess",
            &[process_class()],
        )
    })
}

fn parent_process_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        native_class(
            "multiprocessing.process",
            "_ParentProcess",
            &[process_class()],
        )
    })
}

/// `pickle.PicklingError`, for functions that cannot be found again by name.
fn pickling_error() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("_pickle", "PicklingError", ExcKind::Exception))
}

/// Fills `multiprocessing`'s namespace with the process part.
pub(super) fn install(module: &Dict) {
    module.set_by_name("Process", Value::Class(process_class().clone()));
    add_function(module, "current_process", current_process);
    add_function(module, "parent_process", parent_process);
    add_function(module, "active_children", active_children);
    add_function(module, "cpu_count", cpu_count);
    add_function(module, "freeze_support", freeze_support);
    add_function(module, "get_start_method", get_start_method);
    add_function(module, "set_start_method", set_start_method);
    add_function(module, "get_all_start_methods", get_all_start_methods);
}

fn state(object: &Value) -> PyResult<Arc<ProcessState>> {
    native::<ProcessState>(object).ok_or_else(|| {
        PyErr::new(
            ExcKind::AttributeError,
            format!(
                "'{}' object has no attribute '_popen' (Process.__init__() was not called)",
                object.type_name()
            ),
        )
    })
}

fn assertion(message: &str) -> PyErr {
    PyErr::new(ExcKind::AssertionError, message)
}

/// This process's own identity: `(name, identity, daemon)`.
fn own_identity(vm: &Vm) -> (String, Vec<u32>, bool) {
    match vm.interp.processes.child.get() {
        Some(call) => {
            let name = current_object(vm)
                .and_then(|o| native::<ProcessState>(&o))
                .map(|s| crate::objects::lock(&s.inner).name.clone())
                .unwrap_or_else(|| call.name.clone());
            (name, call.identity.clone(), call.daemon)
        }
        None => {
            let name = current_object(vm)
                .and_then(|o| native::<ProcessState>(&o))
                .map(|s| crate::objects::lock(&s.inner).name.clone())
                .unwrap_or_else(|| "MainProcess".to_owned());
            (name, Vec::new(), false)
        }
    }
}

fn current_object(vm: &Vm) -> Option<Value> {
    crate::objects::lock(&vm.interp.processes.current).clone()
}

// ----- the Process object -----

/// `Process(group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None)`
fn process_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(
        args,
        "Process",
        &["group", "target", "name", "args", "kwargs", "daemon"],
        0,
    )?;
    if !matches!(slots[0], None | Some(Value::None)) {
        return Err(assertion("group argument must be None for now"));
    }
    let target = slots[1].take().unwrap_or(Value::None);
    let call_args = match slots[3].take() {
        None => Value::tuple(Vec::new()),
        Some(args) => Value::tuple(vm.collect(&args)?),
    };
    let call_kwargs = match slots[4].take() {
        None | Some(Value::None) => Value::Dict(Dict::new()),
        Some(Value::Dict(d)) => Value::Dict(Dict::from_map(d.read().clone())),
        Some(other) => {
            return Err(PyErr::type_error(format!(
                "'{}' object is not a mapping",
                other.type_name()
            )))
        }
    };
    let (_, parent_identity, parent_daemon) = own_identity(vm);
    let mut identity = parent_identity;
    identity.push(vm.interp.processes.next_number());
    let name = match slots[2].take() {
        None | Some(Value::None) => format!("{}-{}", this.type_name(), join_identity(&identity)),
        Some(Value::Str(name)) => name.as_str().to_owned(),
        Some(_) => return Err(assertion("name must be a string")),
    };
    let daemon = match slots[5].take() {
        None | Some(Value::None) => parent_daemon,
        Some(flag) => vm.is_true(&flag)?,
    };
    attach_native(
        &this,
        ProcessState {
            inner: Mutex::new(Inner {
                name,
                daemon,
                identity,
                target,
                args: call_args,
                kwargs: call_kwargs,
            }),
            handle: OnceLock::new(),
            role: Role::Child,
        },
    )?;
    Ok(Value::None)
}

fn join_identity(identity: &[u32]) -> String {
    identity
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(":")
}

fn process_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "start", 0, 0)?;
    let state = state(&this)?;
    if state.handle.get().is_some() || state.role != Role::Child {
        return Err(assertion("cannot start a process twice"));
    }
    let (parent_name, _, parent_daemon) = own_identity(vm);
    if parent_daemon {
        return Err(assertion(
            "daemonic processes are not allowed to have children",
        ));
    }
    let object = Encoder::new(&this).process(vm, &this, &state)?;
    let (name, identity, daemon) = {
        let inner = crate::objects::lock(&state.inner);
        (inner.name.clone(), inner.identity.clone(), inner.daemon)
    };
    let Some(launcher) = vm.interp.processes.launcher.get().cloned() else {
        return Err(PyErr::new(
            ExcKind::OSError,
            "processes are not available here",
        ));
    };
    let exit = ExitSlot::new(&vm.interp.runtime);
    let on_exit = {
        let exit = exit.clone();
        Box::new(move |code| exit.set(code))
    };
    let request_name = name.clone();
    let request = ChildRequest {
        call: ChildCall {
            name,
            identity,
            daemon,
            parent_pid: current_pid(),
            parent_name,
            object,
        },
        output: vm.interp.output.clone(),
        on_exit,
    };
    let process = launcher
        .spawn(request)
        .map_err(|message| PyErr::new(ExcKind::OSError, message))?;
    let pid = process.pid();
    let handle = Arc::new(ChildHandle {
        process,
        exit,
        daemon,
        exit_traced: AtomicBool::new(false),
    });
    vm.interp.runtime.record(|| EventKind::ProcessStart {
        pid,
        name: request_name,
    });
    let _ = state.handle.set(handle.clone());
    let mut children = crate::objects::lock(&vm.interp.processes.children);
    // CPython's `_cleanup()`: finished children are forgotten at the next start.
    children.retain(|(child, _)| child.exit.code().is_none());
    children.push((handle, this.clone()));
    Ok(Value::None)
}

/// The default `run()`: `target(*args, **kwargs)`.
fn process_run(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "run", 0, 0)?;
    let state = state(&this)?;
    let (target, call_args, call_kwargs) = {
        let inner = crate::objects::lock(&state.inner);
        (
            inner.target.clone(),
            inner.args.clone(),
            inner.kwargs.clone(),
        )
    };
    if target.is_none() {
        return Ok(Value::None);
    }
    vm.call(&target, Args::from_tuple_and_dict(&call_args, &call_kwargs))?;
    Ok(Value::None)
}

fn started(state: &ProcessState) -> PyResult<&Arc<ChildHandle>> {
    state
        .handle
        .get()
        .ok_or_else(|| assertion("can only join a started process"))
}

/// `join(timeout=None)`: waits through the run's scheduler, so other threads run meanwhile
/// (and the GIL is released); a stop (Ctrl-C, a time limit) interrupts it. Under the
/// deterministic scheduler the wait is outside the schedule: the child's lifetime takes no
/// virtual time.
fn process_join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "join", &["timeout"], 0)?;
    let state = state(&this)?;
    if state.role != Role::Child {
        return Err(assertion("can only join a child process"));
    }
    let handle = started(&state)?.clone();
    let timeout = timeout_arg(vm, slots[0].take())?;
    let runtime = vm.interp.runtime.clone();
    if runtime.seed().is_none() {
        handle.exit.event().wait(timeout).map_err(PyErr::from)?;
    } else {
        let slice = Duration::from_millis(20);
        let mut waited = Duration::ZERO;
        loop {
            runtime.check_stop().map_err(PyErr::from)?;
            let step = timeout.map_or(slice, |t| t.saturating_sub(waited).min(slice));
            if handle.exit.wait_os(step).is_some() || timeout.is_some_and(|t| waited >= t) {
                break;
            }
            waited += step;
        }
    }
    if let Some(exit_code) = handle.exit.code() {
        if !handle.exit_traced.swap(true, Ordering::Relaxed) {
            vm.interp.runtime.record(|| EventKind::ProcessExit {
                pid: handle.process.pid(),
                exit_code,
            });
        }
        crate::objects::lock(&vm.interp.processes.children)
            .retain(|(child, _)| !Arc::ptr_eq(child, &handle));
    }
    Ok(Value::None)
}

fn process_is_alive(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "is_alive", 0, 0)?;
    let state = state(&this)?;
    Ok(Value::Bool(match state.role {
        Role::Current | Role::Main | Role::Parent { .. } => true,
        Role::Child => state
            .handle
            .get()
            .is_some_and(|handle| handle.exit.code().is_none()),
    }))
}

fn process_terminate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "terminate", 0, 0)?;
    signal(vm, &this, -EXIT_TERMINATED)
}

fn process_kill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "kill", 0, 0)?;
    signal(vm, &this, -EXIT_KILLED)
}

/// `terminate()` (15) or `kill()` (9): only a child still running gets the signal.
fn signal(vm: &mut Vm, this: &Value, signal: i32) -> PyResult<Value> {
    if let Some(handle) = state(this)?.handle.get() {
        if handle.exit.code().is_none() {
            vm.interp.runtime.record(|| EventKind::ProcessSignal {
                pid: handle.process.pid(),
                signal,
            });
            if signal == -EXIT_KILLED {
                handle.process.kill();
            } else {
                handle.process.terminate();
            }
        }
    }
    Ok(Value::None)
}

fn process_close(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "close", 0, 0)?;
    if let Some(handle) = state(&this)?.handle.get() {
        if handle.exit.code().is_none() {
            return Err(PyErr::value_error(
                "Cannot close a process while it is still running. You should first call join() or terminate().",
            ));
        }
    }
    Ok(Value::None)
}

fn get_name(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::str(
        crate::objects::lock(&state(&this)?.inner).name.clone(),
    ))
}

fn set_name(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let Some(Value::Str(name)) = args.positional.first() else {
        return Err(assertion("name must be a string"));
    };
    crate::objects::lock(&state(&this)?.inner).name = name.as_str().to_owned();
    Ok(Value::None)
}

fn get_daemon(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(
        crate::objects::lock(&state(&this)?.inner).daemon,
    ))
}

fn set_daemon(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let flag = args.positional.first().cloned().unwrap_or(Value::None);
    let flag = vm.is_true(&flag)?;
    let state = state(&this)?;
    if state.handle.get().is_some() {
        return Err(assertion("process has already started"));
    }
    crate::objects::lock(&state.inner).daemon = flag;
    Ok(Value::None)
}

fn pid_of(state: &ProcessState) -> Option<u32> {
    match state.role {
        Role::Child => state.handle.get().map(|handle| handle.process.pid()),
        Role::Current | Role::Main => Some(current_pid()),
        Role::Parent { pid } => Some(pid),
    }
}

fn get_pid(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(pid_of(&*state(&this)?).map_or(Value::None, |pid| Value::Int(i64::from(pid))))
}

fn get_exitcode(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    Ok(match state.handle.get().and_then(|h| h.exit.code()) {
        Some(code) => Value::Int(i64::from(code)),
        None => Value::None,
    })
}

/// `<Process name='Process-1' pid=1234 parent=1233 stopped exitcode=-SIGTERM daemon>`, as
/// CPython prints it.
fn process_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let class_name = this.type_name();
    let state = state(&this)?;
    let (name, daemon) = {
        let inner = crate::objects::lock(&state.inner);
        (inner.name.clone(), inner.daemon)
    };
    let mut info = vec![class_name, format!("name={}", vm.repr(&Value::str(name))?)];
    let mut exitcode = None;
    let status = match state.role {
        Role::Current | Role::Main => "started",
        Role::Parent { .. } => "unknown",
        Role::Child => match state.handle.get() {
            None => "initial",
            Some(handle) => {
                info.push(format!("pid={}", handle.process.pid()));
                exitcode = handle.exit.code();
                if exitcode.is_some() {
                    "stopped"
                } else {
                    "started"
                }
            }
        },
    };
    let parent = match state.role {
        Role::Child => current_pid().to_string(),
        Role::Current => vm
            .interp
            .processes
            .child
            .get()
            .map_or("None".to_owned(), |call| call.parent_pid.to_string()),
        Role::Main | Role::Parent { .. } => "None".to_owned(),
    };
    info.push(format!("parent={parent}"));
    info.push(status.to_owned());
    if let Some(code) = exitcode {
        info.push(format!("exitcode={}", exitcode_name(code)));
    }
    if daemon {
        info.push("daemon".to_owned());
    }
    Ok(Value::str(format!("<{}>", info.join(" "))))
}

/// CPython's `_exitcode_to_name`: signals by name.
fn exitcode_name(code: i32) -> String {
    let signal = match code {
        -1 => "SIGHUP",
        -2 => "SIGINT",
        -6 => "SIGABRT",
        -9 => "SIGKILL",
        -11 => "SIGSEGV",
        -13 => "SIGPIPE",
        -15 => "SIGTERM",
        _ => return code.to_string(),
    };
    format!("-{signal}")
}

// ----- module functions -----

/// A `Process`-like object that is not a started child.
fn special_object(class: &Arc<Class>, name: String, role: Role, daemon: bool) -> Value {
    new_native(
        class,
        ProcessState {
            inner: Mutex::new(Inner {
                name,
                daemon,
                identity: Vec::new(),
                target: Value::None,
                args: Value::tuple(Vec::new()),
                kwargs: Value::Dict(Dict::new()),
            }),
            handle: OnceLock::new(),
            role,
        },
    )
}

fn current_process(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "current_process", 0, 0)?;
    let mut current = crate::objects::lock(&vm.interp.processes.current);
    if let Some(object) = current.as_ref() {
        return Ok(object.clone());
    }
    // In a child, before its `Process` object is rebuilt (while the main module runs again),
    // CPython's answer is the `_MainProcess` already renamed after the child.
    let (name, daemon) = match vm.interp.processes.child.get() {
        Some(call) => (call.name.clone(), call.daemon),
        None => ("MainProcess".to_owned(), false),
    };
    let object = special_object(main_process_class(), name, Role::Main, daemon);
    *current = Some(object.clone());
    Ok(object)
}

fn parent_process(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "parent_process", 0, 0)?;
    Ok(match vm.interp.processes.child.get() {
        None => Value::None,
        Some(call) => special_object(
            parent_process_class(),
            call.parent_name.clone(),
            Role::Parent {
                pid: call.parent_pid,
            },
            false,
        ),
    })
}

/// Children still running; finished ones are forgotten, as CPython's `_cleanup()` does.
fn active_children(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "active_children", 0, 0)?;
    let mut children = crate::objects::lock(&vm.interp.processes.children);
    children.retain(|(handle, _)| handle.exit.code().is_none());
    Ok(Value::list(
        children.iter().map(|(_, object)| object.clone()).collect(),
    ))
}

fn cpu_count(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "cpu_count", 0, 0)?;
    Ok(Value::Int(threadlab_core::platform::cpu_count() as i64))
}

fn freeze_support(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "freeze_support", 0, 0)?;
    Ok(Value::None)
}

fn get_start_method(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    bind(args, "get_start_method", &["allow_none"], 0)?;
    Ok(Value::str("spawn"))
}

fn get_all_start_methods(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "get_all_start_methods", 0, 0)?;
    Ok(Value::list(vec![Value::str("spawn")]))
}

/// Only `spawn` exists: every child is a fresh interpreter.
fn set_start_method(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(args, "set_start_method", &["method", "force"], 1)?;
    match &slots[0] {
        Some(Value::Str(method)) if method.as_str() == "spawn" => Ok(Value::None),
        Some(Value::Str(method)) if matches!(method.as_str(), "fork" | "forkserver") => {
            Err(PyErr::value_error(format!(
                "cannot find context for '{}': threadlab starts every process with 'spawn'",
                method.as_str()
            )))
        }
        Some(other) => {
            let text = match other {
                Value::Str(s) => s.as_str().to_owned(),
                _ => other.type_name(),
            };
            Err(PyErr::value_error(format!(
                "cannot find context for '{text}'"
            )))
        }
        None => Ok(Value::None),
    }
}

// ----- the child's side -----

/// In a child, after the main module ran again as `__mp_main__`: rebuilds the `Process`
/// object from `call`, makes it `current_process()`, and calls its `run()`. An exception
/// escaping `run()` is announced as CPython does (`Process Process-1:`) before the run's
/// usual traceback.
pub(crate) fn run_child(vm: &mut Vm, call: &ChildCall) -> PyResult<()> {
    let object = rebuild(vm, call)?;
    *crate::objects::lock(&vm.interp.processes.current) = Some(object.clone());
    let outcome = vm
        .get_attr(&object, &PyStr::interned("run"))
        .and_then(|run| vm.call(&run, Args::default()));
    match outcome {
        Ok(_) => Ok(()),
        Err(error) => {
            if !error.is_stop() && !error.is(ExcKind::SystemExit) {
                let name = native::<ProcessState>(&object)
                    .map(|s| crate::objects::lock(&s.inner).name.clone())
                    .unwrap_or_else(|| call.name.clone());
                vm.interp
                    .write(Stream::Stderr, &format!("Process {name}:\n"));
            }
            Err(error)
        }
    }
}

fn rebuild(vm: &mut Vm, call: &ChildCall) -> PyResult<Value> {
    let class = match call.object.get("class") {
        None | Some(Json::Null) => process_class().clone(),
        Some(Json::String(qualname)) => match lookup_main(vm, qualname)? {
            Value::Class(class) if class.is_subclass(process_class()) => class,
            other => {
                return Err(PyErr::type_error(format!(
                    "'{qualname}' is a '{}', not a Process class",
                    other.type_name()
                )))
            }
        },
        Some(_) => return Err(malformed()),
    };
    let object = Value::Object(Object::new(class, Payload::Native(OnceLock::new())));
    let decoder = Decoder { this: &object };
    let mut field = |name: &str| -> PyResult<Value> {
        match call.object.get(name) {
            Some(json) => decoder.decode(vm, json),
            None => Err(malformed()),
        }
    };
    let target = field("target")?;
    let args = field("args")?;
    let kwargs = field("kwargs")?;
    let dict = field("dict")?;
    attach_native(
        &object,
        ProcessState {
            inner: Mutex::new(Inner {
                name: call.name.clone(),
                daemon: call.daemon,
                identity: call.identity.clone(),
                target,
                args,
                kwargs,
            }),
            handle: OnceLock::new(),
            role: Role::Current,
        },
    )?;
    if let (Value::Object(obj), Value::Dict(dict)) = (&object, dict) {
        for (key, value) in dict.items() {
            if let Value::Str(key) = key {
                obj.dict.set_str(&key, value);
            }
        }
    }
    Ok(object)
}

fn malformed() -> PyErr {
    PyErr::runtime_error("threadlab: the parent sent a malformed process description")
}

/// The main module's namespace (`__main__`, which is `__mp_main__` in a child).
fn main_globals(vm: &Vm) -> Option<Arc<Dict>> {
    match crate::objects::read(&vm.interp.modules).get("__main__") {
        Some(Value::Module(module)) => Some(module.dict.clone()),
        _ => None,
    }
}

/// `A.B.f` looked up from the main module, as pickle finds functions and classes again.
fn lookup_main(vm: &mut Vm, qualname: &str) -> PyResult<Value> {
    let not_found = || {
        PyErr::new(
            ExcKind::AttributeError,
            format!("Can't get attribute '{qualname}' on <module '__mp_main__'>"),
        )
    };
    let globals = main_globals(vm).ok_or_else(not_found)?;
    let mut parts = qualname.split('.');
    let first = parts.next().unwrap_or_default();
    let mut value = globals.get_by_name(first).ok_or_else(not_found)?;
    for part in parts {
        value = vm
            .try_get_attr(&value, &PyStr::interned(part))?
            .ok_or_else(not_found)?;
    }
    Ok(value)
}

/// Turns values into the self-describing JSON a child decodes: a JSON string is a `str`,
/// `null` is `None`, a JSON bool is a `bool`, and every other value is an array tagged with
/// its kind (`["int", "123"]`, `["list", [...]]`, `["ref", "Worker"]`, ...).
struct Encoder<'a> {
    /// The `Process` being started: `self` inside its own state (`target=self.work`).
    this: &'a Value,
}

impl<'a> Encoder<'a> {
    fn new(this: &'a Value) -> Encoder<'a> {
        Encoder { this }
    }

    /// The whole `Process` object: its class (when a subclass), `__dict__`, target and
    /// arguments.
    fn process(&self, vm: &mut Vm, this: &Value, state: &ProcessState) -> PyResult<Json> {
        let class = this.class();
        let class = if Arc::ptr_eq(&class, process_class()) {
            Json::Null
        } else {
            Json::String(self.class_name(vm, &class)?)
        };
        let (target, args, kwargs) = {
            let inner = crate::objects::lock(&state.inner);
            (
                inner.target.clone(),
                inner.args.clone(),
                inner.kwargs.clone(),
            )
        };
        let dict = match this {
            Value::Object(obj) => Value::Dict(obj.dict.clone()),
            _ => Value::Dict(Dict::new()),
        };
        Ok(json!({
            "class": class,
            "target": self.encode(vm, &target, 0)?,
            "args": self.encode(vm, &args, 0)?,
            "kwargs": self.encode(vm, &kwargs, 0)?,
            "dict": self.encode(vm, &dict, 0)?,
        }))
    }

    fn encode(&self, vm: &mut Vm, value: &Value, depth: usize) -> PyResult<Json> {
        if depth > MAX_DEPTH {
            return Err(PyErr::new(
                ExcKind::RecursionError,
                "maximum recursion depth exceeded while pickling an object",
            ));
        }
        let mut items = |values: &[Value]| -> PyResult<Json> {
            values
                .iter()
                .map(|v| self.encode(vm, v, depth + 1))
                .collect::<PyResult<Vec<Json>>>()
                .map(Json::Array)
        };
        Ok(match value {
            Value::None => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => json!(["int", i.to_string()]),
            Value::BigInt(i) => json!(["int", i.to_string()]),
            Value::Float(f) => json!(["float", format!("{f:?}")]),
            Value::Str(s) => Json::String(s.as_str().to_owned()),
            Value::Bytes(b) => json!(["bytes", hex(b)]),
            Value::Tuple(t) => json!(["tuple", items(t.items())?]),
            Value::List(l) => json!(["list", items(&l.snapshot())?]),
            Value::Set(s) => {
                let values: Vec<Value> = s.read().iter().map(|k| k.value.clone()).collect();
                let tag = if s.frozen { "frozenset" } else { "set" };
                json!([tag, items(&values)?])
            }
            Value::Dict(d) => json!(["dict", self.pairs(vm, d, depth)?]),
            Value::Function(function) => {
                let qualname = function.code.qualname.as_str().to_owned();
                self.reference(vm, value, &qualname, function.module.as_str())?
            }
            Value::Class(class) => {
                if class.builtin {
                    self.builtin(vm, value, class.name.as_str())?
                } else {
                    json!(["ref", self.class_name(vm, class)?])
                }
            }
            Value::Builtin(builtin) => self.builtin(vm, value, builtin.name)?,
            Value::BoundMethod(method) => {
                let name = match &method.function {
                    Value::Function(f) => f.name().to_owned(),
                    Value::Builtin(b) => b.name.to_owned(),
                    _ => return Err(cannot_pickle(value)),
                };
                json!([
                    "method",
                    self.encode(vm, &method.receiver, depth + 1)?,
                    name
                ])
            }
            Value::Object(object) if value.is(self.this) => {
                let _ = object;
                json!(["self"])
            }
            Value::Object(object)
                if object.class.layout == Layout::Plain && !object.class.builtin =>
            {
                let class = self.class_name(vm, &object.class)?;
                json!(["object", class, self.pairs(vm, &object.dict, depth)?])
            }
            _ => return Err(cannot_pickle(value)),
        })
    }

    fn pairs(&self, vm: &mut Vm, dict: &Dict, depth: usize) -> PyResult<Json> {
        let mut pairs = Vec::new();
        for (key, value) in dict.items() {
            pairs.push(json!([
                self.encode(vm, &key, depth + 1)?,
                self.encode(vm, &value, depth + 1)?
            ]));
        }
        Ok(Json::Array(pairs))
    }

    fn class_name(&self, vm: &mut Vm, class: &Arc<Class>) -> PyResult<String> {
        let qualname = class.qualname.as_str().to_owned();
        match self.reference(
            vm,
            &Value::Class(class.clone()),
            &qualname,
            class.module.as_str(),
        )? {
            Json::Array(parts) => Ok(parts
                .get(1)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()),
            _ => Ok(qualname),
        }
    }

    /// A function or class, by qualified name: pickle's rule is that the name, looked up in
    /// its module again, must give the very same object.
    fn reference(
        &self,
        vm: &mut Vm,
        value: &Value,
        qualname: &str,
        module: &str,
    ) -> PyResult<Json> {
        if qualname.contains("<locals>") {
            return Err(PyErr::new(
                ExcKind::AttributeError,
                format!("Can't pickle local object '{qualname}'"),
            ));
        }
        let found = if matches!(module, "__main__" | "__mp_main__") {
            lookup_main(vm, qualname).ok()
        } else {
            None
        };
        match found {
            Some(found) if found.is(value) => Ok(json!(["ref", qualname])),
            _ => {
                let repr = vm.repr(value)?;
                Err(PyErr::from_class(
                    pickling_error(),
                    vec![Value::str(format!(
                        "Can't pickle {repr}: attribute lookup {qualname} on {module} failed"
                    ))],
                ))
            }
        }
    }

    /// A builtin function or type (`print`, `int`), found again by name in the builtins.
    fn builtin(&self, vm: &mut Vm, value: &Value, name: &str) -> PyResult<Json> {
        match vm.interp.builtins.get_by_name(name) {
            Some(found) if found.is(value) => Ok(json!(["builtin", name])),
            _ => Err(cannot_pickle(value)),
        }
    }
}

fn cannot_pickle(value: &Value) -> PyErr {
    PyErr::type_error(format!("cannot pickle '{}' object", value.type_name()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The child's side of [`Encoder`].
struct Decoder<'a> {
    this: &'a Value,
}

impl Decoder<'_> {
    fn decode(&self, vm: &mut Vm, json: &Json) -> PyResult<Value> {
        let items = |vm: &mut Vm, json: Option<&Json>| -> PyResult<Vec<Value>> {
            json.and_then(Json::as_array)
                .ok_or_else(malformed)?
                .iter()
                .map(|item| self.decode(vm, item))
                .collect()
        };
        let parts = match json {
            Json::Null => return Ok(Value::None),
            Json::Bool(b) => return Ok(Value::Bool(*b)),
            Json::String(s) => return Ok(Value::str(s.clone())),
            Json::Array(parts) => parts,
            _ => return Err(malformed()),
        };
        let text = |index: usize| {
            parts
                .get(index)
                .and_then(Json::as_str)
                .ok_or_else(malformed)
        };
        Ok(match text(0)? {
            "int" => {
                let digits = text(1)?;
                match digits.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => int_from_bigint(digits.parse::<BigInt>().map_err(|_| malformed())?),
                }
            }
            "float" => Value::Float(text(1)?.parse::<f64>().map_err(|_| malformed())?),
            "bytes" => Value::Bytes(Arc::new(unhex(text(1)?).ok_or_else(malformed)?)),
            "tuple" => Value::tuple(items(vm, parts.get(1))?),
            "list" => Value::list(items(vm, parts.get(1))?),
            tag @ ("set" | "frozenset") => {
                let mut keys = KeySet::default();
                for item in items(vm, parts.get(1))? {
                    keys.insert(vm.hash_key(item)?);
                }
                Value::Set(Set::new(keys, tag == "frozenset"))
            }
            "dict" => Value::Dict(self.dict(vm, parts.get(1))?),
            "ref" => lookup_main(vm, text(1)?)?,
            "builtin" => vm
                .interp
                .builtins
                .get_by_name(text(1)?)
                .ok_or_else(malformed)?,
            "method" => {
                let receiver = self.decode(vm, parts.get(1).ok_or_else(malformed)?)?;
                vm.get_attr(&receiver, &PyStr::interned(text(2)?))?
            }
            "self" => self.this.clone(),
            "object" => {
                let class = match lookup_main(vm, text(1)?)? {
                    Value::Class(class) if class.layout == Layout::Plain => class,
                    _ => return Err(malformed()),
                };
                let object = Object::new(class, Payload::None);
                let dict = self.dict(vm, parts.get(2))?;
                for (key, value) in dict.items() {
                    if let Value::Str(key) = key {
                        object.dict.set_str(&key, value);
                    }
                }
                Value::Object(object)
            }
            _ => return Err(malformed()),
        })
    }

    fn dict(&self, vm: &mut Vm, json: Option<&Json>) -> PyResult<Arc<Dict>> {
        let dict = Dict::new();
        for pair in json.and_then(Json::as_array).ok_or_else(malformed)? {
            let (Some(key), Some(value)) = (pair.get(0), pair.get(1)) else {
                return Err(malformed());
            };
            let key = self.decode(vm, key)?;
            let value = self.decode(vm, value)?;
            dict.insert(vm.hash_key(key)?, value);
        }
        Ok(dict)
    }
}
