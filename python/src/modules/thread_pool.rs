//! `multiprocessing.pool.ThreadPool` and its results, on threadlab-core's [`ThreadPool`].
//!
//! Tasks are Python calls: each runs on a worker, in that worker's own `Vm` (see [`Caller`]),
//! and hands back its value, or its exception object, so that `get()` raises the very
//! exception the worker raised, traceback and all. Callbacks run on the pool's result-handler
//! thread, in its own `Vm`. No lock of ours is held while Python code runs.
//!
//! Departures from CPython, where CPython would hang or loop:
//! - an exception in a `callback`/`error_callback` is printed as CPython's dying
//!   `_handle_results` thread prints it, but the handler carries on (CPython's pool hangs);
//! - an exception in the `initializer` is printed once per worker, and the worker carries on
//!   (CPython's workers die and are replaced, forever);
//! - `terminate()` fails the results of tasks that never ran (CPython's `get()` would hang);
//! - a callback that waits (without a timeout) for a result its own pool has yet to deliver
//!   gets a `RuntimeError` saying why: the result-handler thread would wait for itself.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use threadlab_core::pool::{
    AsyncResult, Callback, ErrorCallback, IMap, MapFn, PoolError, PoolOptions, ThreadPool,
};
use threadlab_core::sync::Lock;
use threadlab_core::{Error as CoreError, Runtime, ThreadLocal, ThreadRef};

use crate::builtins::args::{bind, int_arg};
use crate::modules::native::{
    add_method, attach_native, native, native_class, new_native, receiver, split_receiver,
};
use crate::modules::threading::thread::timeout_arg;
use crate::objects::class::Layout;
use crate::objects::types::{library_class, types, ExcKind};
use crate::objects::{Args, Class, Dict, PyStr, Value};
use crate::vm::{format_exception, Interp, PyErr, PyResult, Stream, Vm};

/// A Python value, or the exception object a Python call raised (`Value::Null`: the run was
/// stopped).
type Outcome = Result<Value, Value>;

/// How a pool calls Python on its own threads. Each pool thread keeps one `Vm` for all its
/// calls (in a core thread-local, dropped when the thread ends), which reuses its frames:
/// `pool.map` of a tiny function over 300,000 items took about a fifth less time than with a
/// fresh `Vm` per call (release build, 2 busy cores, best and mean of 15 runs each); 50,000
/// `submit`s about a tenth less on average. The run is held weakly: a pool kept alive by the
/// program's globals must not keep the run alive.
#[derive(Clone)]
pub(super) struct Caller {
    interp: Weak<Interp>,
    vms: Arc<ThreadLocal<Option<Vm>>>,
}

impl Caller {
    pub(super) fn new(vm: &Vm) -> Caller {
        Caller {
            interp: Arc::downgrade(&vm.interp),
            vms: Arc::new(ThreadLocal::new(&vm.interp.runtime, || None)),
        }
    }

    /// Calls `function` with `args` on this thread: its value, or the exception it raised.
    pub(super) fn call(&self, function: &Value, args: Args) -> Outcome {
        self.run(|vm| vm.call(function, args))
    }

    /// Runs `body` with this thread's `Vm`.
    fn run(&self, body: impl FnOnce(&mut Vm) -> PyResult<Value>) -> Outcome {
        let Some(interp) = self.interp.upgrade() else {
            return Err(Value::Null);
        };
        // The main thread's thread-locals live as long as the run, and a `Vm` holds the run:
        // it gets a `Vm` per call (it only calls here when a pool thread is gone).
        if interp.runtime.current().is_main() {
            return run_in(&mut Vm::new(interp), body);
        }
        self.vms.with(|slot| {
            let vm = slot.get_or_insert_with(|| Vm::new(interp));
            run_in(vm, body)
        })
    }

    /// Prints an exception that escaped a pool's own thread (a callback, an initializer) the
    /// way CPython's default `threading.excepthook` prints a dying thread's.
    pub(super) fn report_in_thread(&self, exception: Value) {
        if let Some(interp) = self.interp.upgrade() {
            report_in_thread(&interp, exception);
        }
    }
}

fn run_in(vm: &mut Vm, body: impl FnOnce(&mut Vm) -> PyResult<Value>) -> Outcome {
    let outcome = body(vm);
    vm.flush_instruction_count();
    outcome.map_err(PyErr::into_exception)
}

/// A task's exception, raised again in the thread that asks for the result: the same object,
/// so its traceback keeps the worker's frames below the caller's.
pub(super) fn reraise(exception: Value) -> PyErr {
    if matches!(exception, Value::Null) {
        PyErr::stop()
    } else {
        PyErr::from_exception(exception)
    }
}

/// Prints an exception that escaped a pool's own thread (a callback, an initializer) the way
/// CPython's default `threading.excepthook` prints a dying thread's.
fn report_in_thread(interp: &Arc<Interp>, exception: Value) {
    if matches!(exception, Value::Null) {
        return;
    }
    let name = interp.runtime.current().name();
    let mut vm = Vm::new(interp.clone());
    let text = format_exception(&mut vm, &exception);
    interp.write(
        Stream::Stderr,
        &format!("Exception in thread {name}:\n{text}"),
    );
}

/// Positional arguments from an `args=`/`initargs=` value (any iterable; `None` is none).
pub(super) fn positional_args(vm: &mut Vm, value: Option<Value>) -> PyResult<Vec<Value>> {
    match value {
        None | Some(Value::None) => Ok(Vec::new()),
        Some(value) => vm.collect(&value),
    }
}

/// Keyword arguments from a `kwds=` mapping.
fn keyword_args(vm: &mut Vm, value: Option<Value>) -> PyResult<Vec<(Arc<PyStr>, Value)>> {
    match value {
        None | Some(Value::None) => Ok(Vec::new()),
        Some(Value::Dict(dict)) => dict
            .items()
            .into_iter()
            .map(|(key, value)| match key {
                Value::Str(name) => Ok((name, value)),
                other => Err(PyErr::type_error(format!(
                    "keywords must be strings, not '{}'",
                    other.type_name()
                ))),
            })
            .collect(),
        Some(other) => {
            let _ = vm;
            Err(PyErr::type_error(format!(
                "argument after ** must be a mapping, not {}",
                other.type_name()
            )))
        }
    }
}

pub(super) fn is_callable(vm: &Vm, value: &Value) -> bool {
    match value {
        Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) | Value::Class(_) => true,
        Value::Object(_) => vm.lookup_special(value, "__call__").is_some(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Classes

fn process_error_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        library_class(
            "multiprocessing",
            "ProcessError",
            &[types().exception(ExcKind::Exception)],
            Layout::Exception,
        )
    })
}

/// `multiprocessing.TimeoutError` (CPython's `multiprocessing.context.TimeoutError`), which
/// `AsyncResult.get(timeout)` raises; `multiprocessing` itself should export this same class.
pub fn timeout_error_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        library_class(
            "multiprocessing.context",
            "TimeoutError",
            &[process_error_class()],
            Layout::Exception,
        )
    })
}

fn pool_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("multiprocessing.pool", "ThreadPool", &[]);
        add_method(&class, "__init__", pool_init);
        add_method(&class, "__repr__", pool_repr);
        add_method(&class, "__enter__", pool_enter);
        add_method(&class, "__exit__", pool_exit);
        add_method(&class, "apply", pool_apply);
        add_method(&class, "apply_async", pool_apply_async);
        add_method(&class, "map", pool_map);
        add_method(&class, "map_async", pool_map_async);
        add_method(&class, "starmap", pool_starmap);
        add_method(&class, "starmap_async", pool_starmap_async);
        add_method(&class, "imap", pool_imap);
        add_method(&class, "imap_unordered", pool_imap_unordered);
        add_method(&class, "close", pool_close);
        add_method(&class, "terminate", pool_terminate);
        add_method(&class, "join", pool_join);
        class
    })
}

fn apply_result_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("multiprocessing.pool", "ApplyResult", &[]);
        add_method(&class, "get", result_get);
        add_method(&class, "wait", result_wait);
        add_method(&class, "ready", result_ready);
        add_method(&class, "successful", result_successful);
        class
    })
}

fn map_result_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("multiprocessing.pool", "MapResult", &[apply_result_class()]))
}

fn imap_class(ordered: bool) -> &'static Arc<Class> {
    static ORDERED: OnceLock<Arc<Class>> = OnceLock::new();
    static UNORDERED: OnceLock<Arc<Class>> = OnceLock::new();
    let make = |name| {
        let class = native_class("multiprocessing.pool", name, &[]);
        add_method(&class, "__iter__", imap_iter);
        add_method(&class, "__next__", imap_next);
        add_method(&class, "next", imap_next);
        class
    };
    if ordered {
        ORDERED.get_or_init(|| make("IMapIterator"))
    } else {
        UNORDERED.get_or_init(|| make("IMapUnorderedIterator"))
    }
}

/// `multiprocessing.pool`'s namespace.
pub(super) fn build(vm: &mut Vm, module: &Dict) -> PyResult<()> {
    module.set_by_name("ThreadPool", Value::Class(pool_class().clone()));
    module.set_by_name("ApplyResult", Value::Class(apply_result_class().clone()));
    module.set_by_name("AsyncResult", Value::Class(apply_result_class().clone()));
    module.set_by_name("MapResult", Value::Class(map_result_class().clone()));
    module.set_by_name("IMapIterator", Value::Class(imap_class(true).clone()));
    module.set_by_name(
        "IMapUnorderedIterator",
        Value::Class(imap_class(false).clone()),
    );
    let timeout_error = Value::Class(timeout_error_class().clone());
    module.set_by_name("TimeoutError", timeout_error.clone());
    // `multiprocessing.TimeoutError` is the same class; the parent is imported first.
    if let Ok(Value::Module(parent)) = vm.import("multiprocessing") {
        if parent.dict.get_by_name("TimeoutError").is_none() {
            parent.dict.set_by_name("TimeoutError", timeout_error);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ThreadPool

const RUN: u8 = 0;
const CLOSE: u8 = 1;
const TERMINATE: u8 = 2;

struct PoolState {
    pool: ThreadPool,
    caller: Caller,
    /// The result-handler thread, once a callback has run on it.
    handler: Handler,
    /// `RUN`, `CLOSE` or `TERMINATE`, for `repr` and `__enter__`.
    status: AtomicU8,
}

fn pool_state(value: &Value) -> PyResult<Arc<PoolState>> {
    receiver::<PoolState>(value, "ThreadPool")
}

/// `ThreadPool(processes=None, initializer=None, initargs=())`
fn pool_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(
        args,
        "ThreadPool",
        &["processes", "initializer", "initargs"],
        0,
    )?;
    let processes = match slots[0].take() {
        None | Some(Value::None) => None,
        Some(value) => {
            let n = int_arg(&value)?;
            if n < 1 {
                return Err(PyErr::value_error("Number of processes must be at least 1"));
            }
            Some(n as usize)
        }
    };
    let caller = Caller::new(vm);
    let initializer = match slots[1].take() {
        None | Some(Value::None) => None,
        Some(function) => {
            if !is_callable(vm, &function) {
                return Err(PyErr::type_error("initializer must be a callable"));
            }
            let initargs = positional_args(vm, slots[2].take())?;
            let caller = caller.clone();
            let initializer: threadlab_core::pool::Initializer = Arc::new(move || {
                if let Err(exception) = caller.call(&function, Args::new(initargs.clone())) {
                    caller.report_in_thread(exception);
                }
            });
            Some(initializer)
        }
    };
    let pool = ThreadPool::new(
        &vm.interp.runtime,
        PoolOptions {
            processes,
            initializer,
        },
    )
    .map_err(PyErr::from)?;
    // Tutorials print `pool._processes`, as they do `executor._max_workers`.
    if let Value::Object(object) = &this {
        object
            .dict
            .set_by_name("_processes", Value::Int(pool.processes() as i64));
    }
    attach_native(
        &this,
        PoolState {
            pool,
            caller,
            handler: Handler::default(),
            status: AtomicU8::new(RUN),
        },
    )?;
    Ok(Value::None)
}

fn pool_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let Some(state) = native::<PoolState>(&this) else {
        return Ok(Value::str("<multiprocessing.pool.ThreadPool state=INIT>"));
    };
    let status = match state.status.load(Ordering::Relaxed) {
        RUN => "RUN",
        CLOSE => "CLOSE",
        _ => "TERMINATE",
    };
    Ok(Value::str(format!(
        "<multiprocessing.pool.{} state={status} pool_size={}>",
        this.type_name(),
        state.pool.processes()
    )))
}

fn pool_enter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    if pool_state(&this)?.status.load(Ordering::Relaxed) != RUN {
        return Err(PyErr::value_error("Pool not running"));
    }
    Ok(this)
}

fn pool_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    pool_terminate(vm, Args::new(vec![this]))?;
    Ok(Value::None)
}

fn pool_close(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = pool_state(&this)?;
    state.pool.close();
    let _ = state
        .status
        .compare_exchange(RUN, CLOSE, Ordering::Relaxed, Ordering::Relaxed);
    Ok(Value::None)
}

fn pool_terminate(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = pool_state(&this)?;
    state.status.store(TERMINATE, Ordering::Relaxed);
    state.pool.terminate().map_err(PyErr::from)?;
    Ok(Value::None)
}

fn pool_join(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    pool_state(&this)?.pool.join().map_err(PyErr::from)?;
    Ok(Value::None)
}

/// The pool's result-handler thread, noted by the first callback that runs on it.
#[derive(Clone, Default)]
struct Handler(Arc<OnceLock<ThreadRef>>);

impl Handler {
    fn note(&self, rt: &Runtime) {
        self.0.get_or_init(|| rt.current());
    }

    fn is_current(&self, rt: &Runtime) -> bool {
        self.0
            .get()
            .is_some_and(|handler| handler.ptr_eq(&rt.current()))
    }
}

/// `callback=`: called with the value on the result-handler thread.
fn value_callback<T: 'static>(
    vm: &Vm,
    state: &PoolState,
    function: Option<Value>,
    to_python: fn(&T) -> Value,
) -> Option<Callback<T>> {
    let function = function.filter(|f| !f.is_none())?;
    let caller = state.caller.clone();
    let handler = state.handler.clone();
    let rt = vm.interp.runtime.clone();
    Some(Box::new(move |value: &T| {
        handler.note(&rt);
        if let Err(exception) = caller.call(&function, Args::new(vec![to_python(value)])) {
            caller.report_in_thread(exception);
        }
    }))
}

/// `error_callback=`: called with the exception on the result-handler thread.
fn error_callback(
    vm: &Vm,
    state: &PoolState,
    function: Option<Value>,
) -> Option<ErrorCallback<Value>> {
    let function = function.filter(|f| !f.is_none())?;
    let caller = state.caller.clone();
    let handler = state.handler.clone();
    let rt = vm.interp.runtime.clone();
    Some(Box::new(move |exception: &Value| {
        handler.note(&rt);
        if matches!(exception, Value::Null) {
            return;
        }
        if let Err(raised) = caller.call(&function, Args::new(vec![exception.clone()])) {
            caller.report_in_thread(raised);
        }
    }))
}

fn value_as_is(value: &Value) -> Value {
    value.clone()
}

#[allow(clippy::ptr_arg)] // a `fn(&T)` for `T = Vec<Value>`, the map's result type
fn values_as_list(values: &Vec<Value>) -> Value {
    Value::list(values.clone())
}

/// A core failure of the pool itself, as the Python exception CPython raises.
fn pool_error(error: PoolError<Value>) -> PyErr {
    match error {
        PoolError::Task(exception) => reraise(exception),
        PoolError::Core(CoreError::Timeout(_)) => PyErr::from_class(timeout_error_class(), vec![]),
        PoolError::Core(error) => PyErr::from(error),
    }
}

/// `apply_async(func, args=(), kwds={}, callback=None, error_callback=None)`, shared by `apply`.
fn submit_apply(vm: &mut Vm, args: Args, name: &str, with_callbacks: bool) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let names: &[&str] = if with_callbacks {
        &["func", "args", "kwds", "callback", "error_callback"]
    } else {
        &["func", "args", "kwds"]
    };
    let mut slots = bind(args, name, names, 1)?;
    let state = pool_state(&this)?;
    let function = slots[0].take().unwrap_or(Value::None);
    let call = Args {
        positional: positional_args(vm, slots[1].take())?,
        keywords: keyword_args(vm, slots[2].take())?,
    };
    let (callback, on_error) = if with_callbacks {
        (
            value_callback(vm, &state, slots[3].take(), value_as_is),
            error_callback(vm, &state, slots[4].take()),
        )
    } else {
        (None, None)
    };
    let has_callbacks = callback.is_some() || on_error.is_some();
    let caller = state.caller.clone();
    let result = state
        .pool
        .apply_async(move || caller.call(&function, call), callback, on_error)
        .map_err(PyErr::from)?;
    Ok(new_native(
        apply_result_class(),
        PoolResult {
            result: Outcomes::Apply(result),
            handler: has_callbacks.then(|| state.handler.clone()),
        },
    ))
}

fn pool_apply(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let result = submit_apply(vm, args, "apply", false)?;
    result_get(vm, Args::new(vec![result]))
}

fn pool_apply_async(vm: &mut Vm, args: Args) -> PyResult<Value> {
    submit_apply(vm, args, "apply_async", true)
}

/// The function a map applies to each item: `func(item)`, or `func(*item)` for a starmap.
fn map_function(caller: &Caller, function: Value, star: bool) -> MapFn<Value, Value, Value> {
    let caller = caller.clone();
    if star {
        Arc::new(move |item| {
            caller.run(|vm| {
                let args = vm.collect(&item)?;
                vm.call(&function, Args::new(args))
            })
        })
    } else {
        Arc::new(move |item| caller.call(&function, Args::new(vec![item])))
    }
}

/// A `chunksize=` argument; `None` leaves the pool's default.
fn chunksize_arg(value: Option<Value>) -> PyResult<Option<usize>> {
    match value {
        None | Some(Value::None) => Ok(None),
        Some(value) => {
            let n = int_arg(&value)?;
            if n < 1 {
                return Err(PyErr::value_error(format!("Chunksize must be 1+, not {n}")));
            }
            Ok(Some(n as usize))
        }
    }
}

/// `map_async`/`starmap_async(func, iterable, chunksize=None, callback=None,
/// error_callback=None)`, shared by `map` and `starmap`.
fn submit_map(
    vm: &mut Vm,
    args: Args,
    name: &str,
    star: bool,
    with_callbacks: bool,
) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let names: &[&str] = if with_callbacks {
        &[
            "func",
            "iterable",
            "chunksize",
            "callback",
            "error_callback",
        ]
    } else {
        &["func", "iterable", "chunksize"]
    };
    let mut slots = bind(args, name, names, 2)?;
    let state = pool_state(&this)?;
    let function = slots[0].take().unwrap_or(Value::None);
    let items = vm.collect(slots[1].as_ref().unwrap_or(&Value::None))?;
    let chunksize = chunksize_arg(slots[2].take())?;
    let (callback, on_error) = if with_callbacks {
        (
            value_callback(vm, &state, slots[3].take(), values_as_list),
            error_callback(vm, &state, slots[4].take()),
        )
    } else {
        (None, None)
    };
    let has_callbacks = callback.is_some() || on_error.is_some();
    let function = map_function(&state.caller, function, star);
    let result = state
        .pool
        .map_async(function, items, chunksize, callback, on_error)
        .map_err(PyErr::from)?;
    Ok(new_native(
        map_result_class(),
        PoolResult {
            result: Outcomes::Map(result),
            handler: has_callbacks.then(|| state.handler.clone()),
        },
    ))
}

fn pool_map(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let result = submit_map(vm, args, "map", false, false)?;
    result_get(vm, Args::new(vec![result]))
}

fn pool_map_async(vm: &mut Vm, args: Args) -> PyResult<Value> {
    submit_map(vm, args, "map_async", false, true)
}

fn pool_starmap(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let result = submit_map(vm, args, "starmap", true, false)?;
    result_get(vm, Args::new(vec![result]))
}

fn pool_starmap_async(vm: &mut Vm, args: Args) -> PyResult<Value> {
    submit_map(vm, args, "starmap_async", true, true)
}

/// `imap`/`imap_unordered(func, iterable, chunksize=1)`
fn submit_imap(vm: &mut Vm, args: Args, ordered: bool) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let name = if ordered { "imap" } else { "imap_unordered" };
    let mut slots = bind(args, name, &["func", "iterable", "chunksize"], 2)?;
    let state = pool_state(&this)?;
    let function = slots[0].take().unwrap_or(Value::None);
    let items = vm.collect(slots[1].as_ref().unwrap_or(&Value::None))?;
    let chunksize = chunksize_arg(slots[2].take())?;
    let function = map_function(&state.caller, function, false);
    let imap = if ordered {
        state.pool.imap(function, items, chunksize)
    } else {
        state.pool.imap_unordered(function, items, chunksize)
    }
    .map_err(PyErr::from)?;
    Ok(new_native(
        imap_class(ordered),
        IMapState {
            turn: Lock::new(&vm.interp.runtime),
            imap: Mutex::new(Some(imap)),
        },
    ))
}

fn pool_imap(vm: &mut Vm, args: Args) -> PyResult<Value> {
    submit_imap(vm, args, true)
}

fn pool_imap_unordered(vm: &mut Vm, args: Args) -> PyResult<Value> {
    submit_imap(vm, args, false)
}

// ---------------------------------------------------------------------------------------
// ApplyResult / MapResult

struct PoolResult {
    result: Outcomes,
    /// For a result with callbacks: the handler thread that delivers it, after its callback.
    handler: Option<Handler>,
}

enum Outcomes {
    Apply(AsyncResult<Value, Value>),
    Map(AsyncResult<Vec<Value>, Value>),
}

impl PoolResult {
    fn ready(&self) -> bool {
        match &self.result {
            Outcomes::Apply(result) => result.ready(),
            Outcomes::Map(result) => result.ready(),
        }
    }

    /// A callback waiting, with no timeout, for a result its own pool's handler thread has yet
    /// to deliver: that thread is the one waiting, so CPython hangs here for good. We say so.
    fn check_wait(&self, vm: &Vm, timeout: Option<Duration>) -> PyResult<()> {
        let Some(handler) = &self.handler else {
            return Ok(());
        };
        if timeout.is_none() && !self.ready() && handler.is_current(&vm.interp.runtime) {
            return Err(PyErr::runtime_error(
                "a pool callback cannot wait for this result: callbacks run on the pool's \
                 result-handler thread, which delivers the result only after its callback \
                 returns, so it would wait for itself forever",
            ));
        }
        Ok(())
    }
}

fn result_state(value: &Value) -> PyResult<Arc<PoolResult>> {
    receiver::<PoolResult>(value, "ApplyResult")
}

/// `get(timeout=None)`
fn result_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "get", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    let state = result_state(&this)?;
    state.check_wait(vm, timeout)?;
    match &state.result {
        Outcomes::Apply(result) => result.get(timeout).map_err(pool_error),
        Outcomes::Map(result) => result.get(timeout).map(Value::list).map_err(pool_error),
    }
}

/// `wait(timeout=None)`: returns None, as CPython's does.
fn result_wait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "wait", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    let state = result_state(&this)?;
    state.check_wait(vm, timeout)?;
    match &state.result {
        Outcomes::Apply(result) => result.wait(timeout),
        Outcomes::Map(result) => result.wait(timeout),
    }
    .map_err(PyErr::from)?;
    Ok(Value::None)
}

fn result_ready(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(result_state(&this)?.ready()))
}

fn result_successful(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let successful = match &result_state(&this)?.result {
        Outcomes::Apply(result) => result.successful(),
        Outcomes::Map(result) => result.successful(),
    };
    match successful {
        Ok(flag) => Ok(Value::Bool(flag)),
        Err(CoreError::ResultNotReady) => {
            let repr = vm.repr(&this)?;
            Err(PyErr::value_error(format!("{repr} not ready")))
        }
        Err(other) => Err(PyErr::from(other)),
    }
}

// ---------------------------------------------------------------------------------------
// IMapIterator

struct IMapState {
    /// Taken by the thread calling `next`: CPython's iterator may be shared between threads,
    /// and waiting for it must go through the scheduler.
    turn: Lock,
    /// Out while a `next` waits for a value (without this mutex held).
    imap: Mutex<Option<IMap<Value, Value>>>,
}

fn imap_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(this)
}

/// `__next__()` and `next(timeout=None)`
fn imap_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "next", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    let state = receiver::<IMapState>(&this, "IMapIterator")?;
    state.turn.acquire().map_err(PyErr::from)?;
    let taken = crate::objects::lock(&state.imap).take();
    let outcome = match taken {
        Some(mut imap) => {
            let outcome = imap.next_timeout(timeout);
            *crate::objects::lock(&state.imap) = Some(imap);
            outcome
        }
        None => Ok(None),
    };
    let _ = state.turn.release();
    match outcome {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(PyErr::stop_iteration()),
        Err(error) => Err(pool_error(error)),
    }
}
