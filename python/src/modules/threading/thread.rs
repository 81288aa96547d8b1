//! `threading.Thread`, `Timer`, the module functions that query threads, and `excepthook`.
//!
//! A Python thread is a core [`ThreadRef`] plus a `Vm` created on the new OS thread. The
//! Python `Thread` object (the learner's own, subclass or not) is remembered in
//! `Interp::thread_objects` while the thread lives, so `current_thread()` returns it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use threadlab_core::sync::Event;
use threadlab_core::{StopReason, ThreadOptions, ThreadRef};

use crate::builtins::args::bind;
use crate::modules::native::{
    add_function, add_method, add_property, attach_native, native, native_class, new_native,
    receiver, split_receiver,
};
use crate::objects::types::{types, ExcKind};
use crate::objects::{Args, Class, Dict, PyStr, Value};
use crate::vm::{format_exception, Interp, PyErr, PyResult, Stream, Vm};

/// The Rust side of a `threading.Thread`.
pub struct ThreadState {
    pub thread: ThreadRef,
    /// `target, args, kwargs`; dropped once `run` has used them, as CPython does, so the
    /// thread does not keep its arguments alive.
    target: Mutex<Option<(Value, Value, Value)>>,
    /// Set for `threading.Timer`s.
    timer: OnceLock<TimerParts>,
}

struct TimerParts {
    interval: Duration,
    finished: Event,
}

pub fn thread_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("threading", "Thread", &[]);
        add_method(&class, "__init__", thread_init);
        add_method(&class, "start", thread_start);
        add_method(&class, "run", thread_run);
        add_method(&class, "join", thread_join);
        add_method(&class, "is_alive", thread_is_alive);
        add_method(&class, "getName", thread_get_name);
        add_method(&class, "setName", thread_set_name);
        add_method(&class, "isDaemon", thread_get_daemon);
        add_method(&class, "setDaemon", thread_set_daemon);
        add_method(&class, "__repr__", thread_repr);
        add_property(&class, "name", thread_get_name, Some(thread_set_name));
        add_property(&class, "daemon", thread_get_daemon, Some(thread_set_daemon));
        add_property(&class, "ident", thread_ident, None);
        add_property(&class, "native_id", thread_native_id, None);
        class
    })
}

fn main_thread_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("threading", "_MainThread", &[thread_class()]))
}

fn dummy_thread_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("threading", "_DummyThread", &[thread_class()]))
}

fn timer_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("threading", "Timer", &[thread_class()]);
        add_method(&class, "__init__", timer_init);
        add_method(&class, "run", timer_run);
        add_method(&class, "cancel", timer_cancel);
        class
    })
}

/// The `args` object `threading.excepthook` receives.
fn except_hook_args_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        crate::objects::types::library_class(
            "threading",
            "ExceptHookArgs",
            &[&types().object_type],
            crate::objects::class::Layout::Plain,
        )
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("Thread", Value::Class(thread_class().clone()));
    module.set_by_name("Timer", Value::Class(timer_class().clone()));
    module.set_by_name(
        "ExceptHookArgs",
        Value::Class(except_hook_args_class().clone()),
    );
    add_function(module, "current_thread", current_thread);
    add_function(module, "currentThread", current_thread);
    add_function(module, "main_thread", main_thread);
    add_function(module, "enumerate", enumerate);
    add_function(module, "active_count", active_count);
    add_function(module, "activeCount", active_count);
    add_function(module, "get_ident", get_ident);
    add_function(module, "get_native_id", get_native_id);
    add_function(module, "excepthook", default_excepthook);
    add_function(module, "__excepthook__", default_excepthook);
    module.set_by_name("TIMEOUT_MAX", Value::Float(9_223_372_036.0));
}

fn state(value: &Value) -> PyResult<Arc<ThreadState>> {
    native::<ThreadState>(value).ok_or_else(|| PyErr::runtime_error("thread.__init__() not called"))
}

/// `Thread(group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None)`
fn thread_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(
        args,
        "Thread",
        &["group", "target", "name", "args", "kwargs", "daemon"],
        0,
    )?;
    if !matches!(slots[0], None | Some(Value::None)) {
        return Err(PyErr::new(
            ExcKind::AssertionError,
            "group argument must be None for now",
        ));
    }
    let target = slots[1].take().unwrap_or(Value::None);
    let name = match slots[2].take() {
        None | Some(Value::None) => None,
        Some(name) => Some(vm.str(&name)?),
    };
    let call_args = match slots[3].take() {
        None => Value::tuple(Vec::new()),
        Some(args) => Value::tuple(vm.collect(&args)?),
    };
    let call_kwargs = slots[4].take().unwrap_or(Value::None);
    let daemon = match slots[5].take() {
        None | Some(Value::None) => None,
        Some(flag) => Some(vm.is_true(&flag)?),
    };
    let target_name = match &target {
        Value::None => None,
        other => match vm.try_get_attr(other, &PyStr::interned("__name__"))? {
            Some(Value::Str(name)) => Some(name.as_str().to_owned()),
            _ => None,
        },
    };
    let thread = vm.interp.runtime.thread(ThreadOptions {
        name,
        target: target_name,
        daemon,
    });
    attach_native(
        &this,
        ThreadState {
            thread,
            target: Mutex::new(Some((target, call_args, call_kwargs))),
            timer: OnceLock::new(),
        },
    )?;
    Ok(Value::None)
}

fn thread_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    let interp = vm.interp.clone();
    let object = this.clone();
    let num = state.thread.num();
    if state.thread.is_started() {
        return Err(PyErr::runtime_error("threads can only be started once"));
    }
    crate::objects::lock(&vm.interp.thread_objects).insert(num, this.clone());
    let started = state.thread.start(move || run_thread(interp, object));
    if let Err(error) = started {
        crate::objects::lock(&vm.interp.thread_objects).remove(&num);
        return Err(PyErr::from(error));
    }
    Ok(Value::None)
}

/// The body of every Python thread: a fresh `Vm` calls the object's `run()`; an escaping
/// exception goes to `threading.excepthook`, except `SystemExit`, which ends the thread
/// silently, and a stop, which just unwinds.
fn run_thread(interp: Arc<Interp>, object: Value) {
    let mut vm = Vm::new(interp.clone());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let run = vm.get_attr(&object, &PyStr::interned("run"))?;
        vm.call(&run, Args::default())
    }));
    vm.flush_instruction_count();
    match outcome {
        Ok(Ok(_)) => {}
        // SystemExit too goes to the hook, as in CPython: the default hook ignores it (the
        // thread ends silently), a hook of the program's own sees it.
        Ok(Err(error)) if error.is_stop() => {}
        Ok(Err(error)) => call_excepthook(&mut vm, error, &object),
        Err(_) => {
            let name = native::<ThreadState>(&object)
                .map(|s| s.thread.name())
                .unwrap_or_default();
            let line = vm
                .current_line()
                .map(|l| format!(" while running line {l}"))
                .unwrap_or_default();
            interp.write(
                Stream::Stderr,
                &format!("threadlab: internal error in thread {name}{line}. This is a bug in threadlab, not in your program; please report it.\n"),
            );
            interp
                .runtime
                .stop(StopReason::LimitExceeded("an internal error".into()));
        }
    }
    if let Some(state) = native::<ThreadState>(&object) {
        crate::objects::lock(&interp.thread_objects).remove(&state.thread.num());
    }
}

/// Hands an uncaught exception to `threading.excepthook(args)`, as CPython does.
fn call_excepthook(vm: &mut Vm, error: PyErr, thread: &Value) {
    let exception = error.into_exception();
    let hook = vm.import("threading").ok().and_then(|module| {
        vm.try_get_attr(&module, &PyStr::interned("excepthook"))
            .ok()
            .flatten()
    });
    let hook_args = crate::objects::Object::new(
        except_hook_args_class().clone(),
        crate::objects::Payload::None,
    );
    hook_args
        .dict
        .set_by_name("exc_type", Value::Class(exception.class()));
    hook_args.dict.set_by_name("exc_value", exception.clone());
    hook_args.dict.set_by_name("exc_traceback", Value::None);
    hook_args.dict.set_by_name("thread", thread.clone());
    let Some(hook) = hook else {
        print_uncaught(vm, &exception, thread);
        return;
    };
    if let Err(hook_error) = vm.call_positional(&hook, vec![Value::Object(hook_args)]) {
        if hook_error.is_stop() {
            return;
        }
        let text = format_exception(vm, hook_error.exception());
        vm.interp.write(
            Stream::Stderr,
            &format!("Exception in threading.excepthook:\n{text}"),
        );
    }
}

/// The default hook's output: `Exception in thread NAME:` and the traceback.
fn print_uncaught(vm: &mut Vm, exception: &Value, thread: &Value) {
    let name = match native::<ThreadState>(thread) {
        Some(state) => state.thread.name(),
        None => vm.interp.runtime.current().name(),
    };
    let text = format_exception(vm, exception);
    vm.interp.write(
        Stream::Stderr,
        &format!("Exception in thread {name}:\n{text}"),
    );
}

/// `threading.excepthook(args)`, the default.
fn default_excepthook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = crate::builtins::args::positional(args, "excepthook", 1, 1)?;
    let hook_args = &args[0];
    let exc_type = vm.get_attr(hook_args, &PyStr::interned("exc_type"))?;
    if let Value::Class(class) = &exc_type {
        if class.is_subclass(types().exception(ExcKind::SystemExit)) {
            return Ok(Value::None);
        }
    }
    let exception = vm.get_attr(hook_args, &PyStr::interned("exc_value"))?;
    let thread = vm.get_attr(hook_args, &PyStr::interned("thread"))?;
    print_uncaught(vm, &exception, &thread);
    Ok(Value::None)
}

fn thread_run(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    let taken = crate::objects::lock(&state.target).take();
    if let Some((target, call_args, call_kwargs)) = taken {
        if target.is_none() {
            return Ok(Value::None);
        }
        vm.call(&target, Args::from_tuple_and_dict(&call_args, &call_kwargs))?;
    }
    Ok(Value::None)
}

/// A `timeout=` argument: `None` waits forever; negative waits not at all.
pub fn timeout_arg(vm: &mut Vm, value: Option<Value>) -> PyResult<Option<Duration>> {
    match value {
        None | Some(Value::None) => Ok(None),
        Some(value) => {
            let seconds = crate::builtins::args::float_arg(&value, "timeout")?;
            if seconds.is_nan() {
                return Err(PyErr::value_error("Invalid value NaN (not a number)"));
            }
            let _ = vm;
            Ok(Some(Duration::from_secs_f64(seconds.clamp(0.0, 1e9))))
        }
    }
}

fn thread_join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "join", &["timeout"], 0)?;
    let state = state(&this)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    state.thread.join(timeout).map_err(PyErr::from)?;
    Ok(Value::None)
}

fn thread_is_alive(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(state(&this)?.thread.is_alive()))
}

fn thread_get_name(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::str(state(&this)?.thread.name()))
}

fn thread_set_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let name = args.positional.first().cloned().unwrap_or(Value::None);
    let name = vm.str(&name)?;
    state(&this)?.thread.set_name(name);
    Ok(Value::None)
}

fn thread_get_daemon(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(state(&this)?.thread.is_daemon()))
}

fn thread_set_daemon(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let flag = args.positional.first().cloned().unwrap_or(Value::None);
    let flag = vm.is_true(&flag)?;
    state(&this)?.thread.set_daemon(flag).map_err(PyErr::from)?;
    Ok(Value::None)
}

fn thread_ident(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(match state(&this)?.thread.ident() {
        Some(ident) => Value::Int(ident as i64),
        None => Value::None,
    })
}

fn thread_native_id(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(match state(&this)?.thread.native_id() {
        Some(id) => Value::Int(id as i64),
        None => Value::None,
    })
}

/// `<Thread(Thread-1 (task), started 140137…)>`, as CPython prints it.
fn thread_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let class_name = this.type_name();
    let Some(state) = native::<ThreadState>(&this) else {
        return Ok(Value::str(format!("<{class_name}(<uninitialized>)>")));
    };
    let thread = &state.thread;
    let mut status = if !thread.is_started() {
        "initial".to_owned()
    } else if thread.is_alive() {
        "started".to_owned()
    } else {
        "stopped".to_owned()
    };
    if thread.is_daemon() {
        status.push_str(" daemon");
    }
    if let Some(ident) = thread.ident() {
        status.push_str(&format!(" {ident}"));
    }
    Ok(Value::str(format!(
        "<{class_name}({}, {status})>",
        thread.name()
    )))
}

/// The Python object for a core thread: the program's own `Thread` object when it made the
/// thread, otherwise one made now (the main thread, pool workers, dummy threads).
pub fn thread_object(vm: &mut Vm, thread: &ThreadRef) -> Value {
    let interp = vm.interp.clone();
    let mut objects = crate::objects::lock(&interp.thread_objects);
    if let Some(object) = objects.get(&thread.num()) {
        return object.clone();
    }
    let class = if thread.is_main() {
        main_thread_class()
    } else if thread.is_dummy() {
        dummy_thread_class()
    } else {
        thread_class()
    };
    let object = new_native(
        class,
        ThreadState {
            thread: thread.clone(),
            target: Mutex::new(None),
            timer: OnceLock::new(),
        },
    );
    if thread.is_alive() || thread.is_main() {
        objects.insert(thread.num(), object.clone());
    }
    object
}

fn current_thread(vm: &mut Vm, args: Args) -> PyResult<Value> {
    crate::builtins::args::positional(args, "current_thread", 0, 0)?;
    let current = vm.interp.runtime.current();
    Ok(thread_object(vm, &current))
}

fn main_thread(vm: &mut Vm, args: Args) -> PyResult<Value> {
    crate::builtins::args::positional(args, "main_thread", 0, 0)?;
    let main = vm.interp.runtime.main_thread();
    Ok(thread_object(vm, &main))
}

fn enumerate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    crate::builtins::args::positional(args, "enumerate", 0, 0)?;
    let threads = vm.interp.runtime.enumerate();
    let objects = threads
        .iter()
        .map(|thread| thread_object(vm, thread))
        .collect();
    Ok(Value::list(objects))
}

fn active_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    crate::builtins::args::positional(args, "active_count", 0, 0)?;
    Ok(Value::Int(vm.interp.runtime.active_count() as i64))
}

fn get_ident(vm: &mut Vm, args: Args) -> PyResult<Value> {
    crate::builtins::args::positional(args, "get_ident", 0, 0)?;
    Ok(Value::Int(
        vm.interp.runtime.current().ident().unwrap_or(0) as i64
    ))
}

fn get_native_id(vm: &mut Vm, args: Args) -> PyResult<Value> {
    crate::builtins::args::positional(args, "get_native_id", 0, 0)?;
    Ok(Value::Int(
        vm.interp.runtime.current().native_id().unwrap_or(0) as i64,
    ))
}

/// `Timer(interval, function, args=None, kwargs=None)`
fn timer_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(
        args,
        "Timer",
        &["interval", "function", "args", "kwargs"],
        2,
    )?;
    let interval =
        crate::builtins::args::float_arg(slots[0].as_ref().unwrap_or(&Value::None), "Timer")?;
    let function = slots[1].take().unwrap_or(Value::None);
    let mut init_args = vec![this.clone()];
    init_args.extend([Value::None, function]);
    let mut keywords = Vec::new();
    if let Some(call_args) = slots[2].take().filter(|v| !v.is_none()) {
        keywords.push((PyStr::interned("args"), call_args));
    }
    if let Some(call_kwargs) = slots[3].take().filter(|v| !v.is_none()) {
        keywords.push((PyStr::interned("kwargs"), call_kwargs));
    }
    thread_init(
        vm,
        Args {
            positional: init_args,
            keywords,
        },
    )?;
    let state = state(&this)?;
    let _ = state.timer.set(TimerParts {
        interval: Duration::from_secs_f64(interval.max(0.0)),
        finished: Event::new(&vm.interp.runtime),
    });
    Ok(Value::None)
}

fn timer_run(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    let Some(timer) = state.timer.get() else {
        return thread_run(vm, Args::new(vec![this]));
    };
    let cancelled = timer
        .finished
        .wait(Some(timer.interval))
        .map_err(PyErr::from)?;
    if !cancelled {
        thread_run(vm, Args::new(vec![this.clone()]))?;
    }
    timer.finished.set();
    Ok(Value::None)
}

fn timer_cancel(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = receiver::<ThreadState>(&this, "Timer")?;
    if let Some(timer) = state.timer.get() {
        timer.finished.set();
    }
    Ok(Value::None)
}
