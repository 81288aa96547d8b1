//! `concurrent.futures`: `ThreadPoolExecutor`, `Future`, `as_completed` and `wait`, on
//! threadlab-core's [`Executor`].
//!
//! Each submitted call runs on a worker with a fresh `Vm` made for it there, and completes its
//! core future with its value or its exception object; `result()` raises that same object, so
//! the caller's traceback continues into the worker's frames (without CPython's library
//! frames). One Python `Future` object is made per submission; `as_completed` and `wait` hand
//! back the very objects they were given, so they work as dict keys.
//!
//! Departures from CPython:
//! - a failing `initializer` prints `Exception in initializer:` and its traceback, and the
//!   executor is broken from then on, as in CPython; but the worker threads still dequeue the
//!   queued tasks, failing each with `BrokenThreadPool` rather than all at once;
//! - a cancelled future counts as done for `as_completed`/`wait` at once (core's documented
//!   deviation: CPython never reports futures cancelled by `shutdown(cancel_futures=True)`);
//! - `Future()` cannot be created directly (no `set_result`/`set_exception`);
//! - `DoneAndNotDoneFutures` is not a tuple subclass: it unpacks, indexes and has `.done` and
//!   `.not_done`, but `isinstance(_, tuple)` is false.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use threadlab_core::pool::{
    as_completed, wait, AsCompleted, Executor, ExecutorOptions, Future, FutureError, ReturnWhen,
};
use threadlab_core::{Error as CoreError, ObjectId, Runtime, Time};

use super::thread_pool::{is_callable, positional_args, reraise, Caller};
use crate::builtins::args::{bind, int_arg};
use crate::modules::native::{
    add_function, add_method, add_property, attach_native, native, native_class, new_native,
    receiver, split_receiver,
};
use crate::modules::threading::thread::timeout_arg;
use crate::objects::class::Layout;
use crate::objects::set::KeySet;
use crate::objects::types::{library_class, types, ExcKind};
use crate::objects::{Args, Class, Dict, Set, Value};
use crate::vm::{format_exception, Interp, PyErr, PyResult, Stream, Vm};

type PyFuture = Future<Value, Value>;

const FIRST_COMPLETED: &str = "FIRST_COMPLETED";
const FIRST_EXCEPTION: &str = "FIRST_EXCEPTION";
const ALL_COMPLETED: &str = "ALL_COMPLETED";

// ---------------------------------------------------------------------------------------
// Classes

fn error_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        library_class(
            "concurrent.futures._base",
            "Error",
            &[types().exception(ExcKind::Exception)],
            Layout::Exception,
        )
    })
}

fn cancelled_error_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        library_class(
            "concurrent.futures._base",
            "CancelledError",
            &[error_class()],
            Layout::Exception,
        )
    })
}

fn broken_executor_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        library_class(
            "concurrent.futures._base",
            "BrokenExecutor",
            &[types().exception(ExcKind::RuntimeError)],
            Layout::Exception,
        )
    })
}

fn broken_thread_pool_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        library_class(
            "concurrent.futures.thread",
            "BrokenThreadPool",
            &[broken_executor_class()],
            Layout::Exception,
        )
    })
}

fn executor_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("concurrent.futures.thread", "ThreadPoolExecutor", &[]);
        add_method(&class, "__init__", executor_init);
        add_method(&class, "__enter__", executor_enter);
        add_method(&class, "__exit__", executor_exit);
        add_method(&class, "submit", executor_submit);
        add_method(&class, "map", executor_map);
        add_method(&class, "shutdown", executor_shutdown);
        class
    })
}

fn future_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("concurrent.futures._base", "Future", &[]);
        add_method(&class, "__repr__", future_repr);
        add_method(&class, "result", future_result);
        add_method(&class, "exception", future_exception);
        add_method(&class, "done", future_done);
        add_method(&class, "running", future_running);
        add_method(&class, "cancel", future_cancel);
        add_method(&class, "cancelled", future_cancelled);
        add_method(&class, "add_done_callback", future_add_done_callback);
        class
    })
}

/// The iterators `Executor.map` and `as_completed` return (CPython's are generators).
fn generator_class(name: &'static str) -> Arc<Class> {
    let class = native_class("concurrent.futures._base", name, &[]);
    add_method(&class, "__iter__", iter_self);
    class
}

fn map_iterator_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = generator_class("result_iterator");
        add_method(&class, "__next__", map_next);
        class
    })
}

fn as_completed_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = generator_class("as_completed");
        add_method(&class, "__next__", as_completed_next);
        class
    })
}

fn done_and_not_done_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("concurrent.futures._base", "DoneAndNotDoneFutures", &[]);
        add_method(&class, "__iter__", pair_iter);
        add_method(&class, "__len__", pair_len);
        add_method(&class, "__getitem__", pair_getitem);
        add_method(&class, "__repr__", pair_repr);
        add_property(&class, "done", pair_done, None);
        add_property(&class, "not_done", pair_not_done, None);
        class
    })
}

pub(super) fn build(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    let class = |c: &Arc<Class>| Value::Class(c.clone());
    module.set_by_name("ThreadPoolExecutor", class(executor_class()));
    module.set_by_name("Future", class(future_class()));
    module.set_by_name("CancelledError", class(cancelled_error_class()));
    module.set_by_name(
        "TimeoutError",
        class(types().exception(ExcKind::TimeoutError)),
    );
    module.set_by_name("BrokenExecutor", class(broken_executor_class()));
    module.set_by_name("FIRST_COMPLETED", Value::str(FIRST_COMPLETED));
    module.set_by_name("FIRST_EXCEPTION", Value::str(FIRST_EXCEPTION));
    module.set_by_name("ALL_COMPLETED", Value::str(ALL_COMPLETED));
    add_function(module, "as_completed", as_completed_function);
    add_function(module, "wait", wait_function);
    module.set_by_name(
        "_executor_counter",
        new_native(counter_class(), Counter(AtomicUsize::new(0))),
    );
    Ok(())
}

/// A future's failure as the Python exception CPython raises.
fn future_error(error: FutureError<Value>) -> PyErr {
    match error {
        FutureError::Task(exception) => reraise(exception),
        FutureError::Cancelled => PyErr::from_class(cancelled_error_class(), vec![]),
        FutureError::Timeout(message) => {
            let args = if message.is_empty() {
                vec![]
            } else {
                vec![Value::str(message)]
            };
            PyErr::from_class(types().exception(ExcKind::TimeoutError), args)
        }
        FutureError::Core(error) => core_error(error),
    }
}

fn core_error(error: CoreError) -> PyErr {
    match error {
        CoreError::BrokenThreadPool => broken_error(),
        CoreError::Cancelled => PyErr::from_class(cancelled_error_class(), vec![]),
        other => PyErr::from(other),
    }
}

fn broken_error() -> PyErr {
    PyErr::from_class(
        broken_thread_pool_class(),
        vec![Value::str(CoreError::BrokenThreadPool.to_string())],
    )
}

// ---------------------------------------------------------------------------------------
// ThreadPoolExecutor

struct ExecutorState {
    executor: Executor,
    caller: Caller,
    /// Set once an initializer failed (CPython's `_broken`).
    broken: Arc<AtomicBool>,
}

fn executor_state(value: &Value) -> PyResult<Arc<ExecutorState>> {
    receiver::<ExecutorState>(value, "ThreadPoolExecutor")
}

/// `ThreadPoolExecutor(max_workers=None, thread_name_prefix='', initializer=None,
/// initargs=())`
fn executor_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(
        args,
        "ThreadPoolExecutor",
        &[
            "max_workers",
            "thread_name_prefix",
            "initializer",
            "initargs",
        ],
        0,
    )?;
    let max_workers = match slots[0].take() {
        None | Some(Value::None) => None,
        Some(value) => {
            let n = int_arg(&value)?;
            if n <= 0 {
                return Err(PyErr::value_error("max_workers must be greater than 0"));
            }
            Some(n as usize)
        }
    };
    let thread_name_prefix = match slots[1].take() {
        None | Some(Value::None) => String::new(),
        Some(prefix) => vm.str(&prefix)?,
    };
    // CPython numbers only the executors without a prefix of their own.
    let thread_name_prefix = if thread_name_prefix.is_empty() {
        format!("ThreadPoolExecutor-{}", next_executor_number(vm)?)
    } else {
        thread_name_prefix
    };
    let broken = Arc::new(AtomicBool::new(false));
    let caller = Caller::new(vm);
    let initializer = match slots[2].take() {
        None | Some(Value::None) => None,
        Some(function) => {
            if !is_callable(vm, &function) {
                return Err(PyErr::type_error("initializer must be a callable"));
            }
            let initargs = positional_args(vm, slots[3].take())?;
            let interp = Arc::downgrade(&vm.interp);
            let caller = caller.clone();
            let broken = broken.clone();
            let initializer: threadlab_core::pool::Initializer = Arc::new(move || {
                if broken.load(Ordering::Acquire) {
                    return;
                }
                if let Err(exception) = caller.call(&function, Args::new(initargs.clone())) {
                    broken.store(true, Ordering::Release);
                    if let Some(interp) = interp.upgrade() {
                        report(&interp, "Exception in initializer:", exception);
                    }
                }
            });
            Some(initializer)
        }
    };
    let executor = Executor::new(
        &vm.interp.runtime,
        ExecutorOptions {
            max_workers,
            thread_name_prefix: Some(thread_name_prefix),
            initializer,
        },
    )
    .map_err(core_error)?;
    if let Value::Object(object) = &this {
        object
            .dict
            .set_by_name("_max_workers", Value::Int(executor.max_workers() as i64));
    }
    attach_native(
        &this,
        ExecutorState {
            executor,
            broken,
            caller,
        },
    )?;
    Ok(Value::None)
}

/// CPython's `ThreadPoolExecutor._counter`, one per run: it lives in the module's namespace.
struct Counter(AtomicUsize);

fn next_executor_number(vm: &mut Vm) -> PyResult<usize> {
    let module = vm.import("concurrent.futures")?;
    let counter = match &module {
        Value::Module(module) => module.dict.get_by_name("_executor_counter"),
        _ => None,
    };
    Ok(counter
        .and_then(|counter| native::<Counter>(&counter))
        .map(|counter| counter.0.fetch_add(1, Ordering::Relaxed))
        .unwrap_or(0))
}

fn counter_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("concurrent.futures.thread", "_Counter", &[]))
}

/// Writes `headline` and the exception's traceback to stderr (CPython's logging of it).
fn report(interp: &Arc<Interp>, headline: &str, exception: Value) {
    if matches!(exception, Value::Null) {
        return;
    }
    let mut vm = Vm::new(interp.clone());
    let text = format_exception(&mut vm, &exception);
    interp.write(Stream::Stderr, &format!("{headline}\n{text}"));
}

fn executor_enter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    executor_state(&this)?;
    Ok(this)
}

fn executor_exit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    executor_state(&this)?
        .executor
        .shutdown(true, false)
        .map_err(core_error)?;
    Ok(Value::Bool(false))
}

/// Submits `function(*args, **kwargs)`; the core future, not yet wrapped.
fn submit(state: &ExecutorState, function: Value, call: Args) -> PyResult<PyFuture> {
    if state.broken.load(Ordering::Acquire) {
        return Err(broken_error());
    }
    let caller = state.caller.clone();
    let broken = state.broken.clone();
    state
        .executor
        .submit(move || {
            if broken.load(Ordering::Acquire) {
                return Err(broken_error().into_exception());
            }
            caller.call(&function, call)
        })
        .map_err(core_error)
}

/// `submit(fn, /, *args, **kwargs)`
fn executor_submit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, mut args) = split_receiver(args);
    let state = executor_state(&this)?;
    if args.positional.is_empty() {
        return Err(PyErr::type_error(
            "submit() missing 1 required positional argument: 'fn'",
        ));
    }
    let function = args.positional.remove(0);
    let future = submit(&state, function, args)?;
    Ok(new_native(future_class(), FutureState { future }))
}

/// `map(fn, *iterables, timeout=None, chunksize=1)`: submits every call now, yields the
/// results in order.
fn executor_map(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, mut args) = split_receiver(args);
    let state = executor_state(&this)?;
    let mut timeout = None;
    for (name, value) in std::mem::take(&mut args.keywords) {
        match name.as_str() {
            "timeout" => timeout = Some(value),
            "chunksize" => {
                int_arg(&value)?;
            }
            other => {
                return Err(PyErr::type_error(format!(
                    "map() got an unexpected keyword argument '{other}'"
                )))
            }
        }
    }
    if args.positional.is_empty() {
        return Err(PyErr::type_error(
            "map() missing 1 required positional argument: 'fn'",
        ));
    }
    let function = args.positional.remove(0);
    let timeout = timeout_arg(vm, timeout)?;
    let rt = vm.interp.runtime.clone();
    let deadline = timeout.map(|timeout| rt.now().after(timeout));
    let iterators = args
        .positional
        .iter()
        .map(|iterable| vm.get_iter(iterable))
        .collect::<PyResult<Vec<_>>>()?;
    // Unstarted: if a submit fails half-way, the calls already submitted go ahead, as they do
    // after CPython's list comprehension raises.
    let mut run = MapRun {
        rt,
        deadline,
        futures: VecDeque::new(),
        started: false,
    };
    'zip: while !iterators.is_empty() {
        let mut call = Vec::with_capacity(iterators.len());
        for iterator in &iterators {
            match vm.next(iterator)? {
                Some(item) => call.push(item),
                None => break 'zip,
            }
        }
        let future = submit(&state, function.clone(), Args::new(call))?;
        run.futures.push_back(future);
    }
    Ok(new_native(
        map_iterator_class(),
        MapIterator(Mutex::new(Generator::Ready(run))),
    ))
}

/// `shutdown(wait=True, *, cancel_futures=False)`
fn executor_shutdown(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "shutdown", &["wait", "cancel_futures"], 0)?;
    let wait = match slots[0].take() {
        Some(flag) => vm.is_true(&flag)?,
        None => true,
    };
    let cancel_futures = match slots[1].take() {
        Some(flag) => vm.is_true(&flag)?,
        None => false,
    };
    executor_state(&this)?
        .executor
        .shutdown(wait, cancel_futures)
        .map_err(core_error)?;
    Ok(Value::None)
}

/// A generator-like iterator's state: CPython raises "generator already executing" when two
/// threads step one generator at once; the waiting is done with the state taken out, so no
/// lock is held while blocked.
enum Generator<T> {
    Ready(T),
    Running,
    Finished,
}

impl<T> Generator<T> {
    fn take(slot: &Mutex<Generator<T>>) -> PyResult<Option<T>> {
        let mut slot = crate::objects::lock(slot);
        match std::mem::replace(&mut *slot, Generator::Running) {
            Generator::Ready(state) => Ok(Some(state)),
            Generator::Running => Err(PyErr::value_error("generator already executing")),
            Generator::Finished => {
                *slot = Generator::Finished;
                Ok(None)
            }
        }
    }

    fn put(slot: &Mutex<Generator<T>>, state: Option<T>) {
        *crate::objects::lock(slot) = match state {
            Some(state) => Generator::Ready(state),
            None => Generator::Finished,
        };
    }
}

fn iter_self(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(split_receiver(args).0)
}

struct MapRun {
    rt: Runtime,
    deadline: Option<Time>,
    /// Not yet yielded, in order.
    futures: VecDeque<PyFuture>,
    /// Once started, dropping it early cancels the rest (the generator's `finally`); an
    /// unstarted generator is closed without running it, so its calls all go ahead.
    started: bool,
}

impl MapRun {
    fn cancel_rest(&mut self) {
        for future in self.futures.drain(..) {
            future.cancel();
        }
    }
}

impl Drop for MapRun {
    fn drop(&mut self) {
        if self.started {
            self.cancel_rest();
        }
    }
}

struct MapIterator(Mutex<Generator<MapRun>>);

fn map_next(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = receiver::<MapIterator>(&this, "result_iterator")?;
    let Some(mut run) = Generator::take(&state.0)? else {
        return Err(PyErr::stop_iteration());
    };
    run.started = true;
    let Some(future) = run.futures.pop_front() else {
        Generator::put(&state.0, None);
        return Err(PyErr::stop_iteration());
    };
    let timeout = run.deadline.map(|deadline| run.rt.now().until(deadline));
    match future.result(timeout) {
        Ok(value) => {
            Generator::put(&state.0, Some(run));
            Ok(value)
        }
        Err(error) => {
            future.cancel();
            run.cancel_rest();
            Generator::put(&state.0, None);
            Err(future_error(error))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Future

struct FutureState {
    future: PyFuture,
}

fn future_state(value: &Value) -> PyResult<Arc<FutureState>> {
    receiver::<FutureState>(value, "Future")
}

/// `<Future at 0x7f… state=finished returned int>`
fn describe(future: &Value) -> String {
    let address = format!("{:#x}", future.identity().unwrap_or(0));
    let class_name = future.type_name();
    let Some(state) = native::<FutureState>(future) else {
        return format!("<{class_name} at {address} state=pending>");
    };
    let future = &state.future;
    let status = if future.cancelled() {
        "cancelled".to_owned()
    } else if future.done() {
        match future.result(Some(std::time::Duration::ZERO)) {
            Ok(value) => format!("finished returned {}", value.type_name()),
            Err(FutureError::Task(exception)) => {
                format!("finished raised {}", exception.type_name())
            }
            Err(_) => "finished".to_owned(),
        }
    } else if future.running() {
        "running".to_owned()
    } else {
        "pending".to_owned()
    };
    format!("<{class_name} at {address} state={status}>")
}

fn future_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::str(describe(&this)))
}

/// `result(timeout=None)`
fn future_result(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "result", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    future_state(&this)?
        .future
        .result(timeout)
        .map_err(future_error)
}

/// `exception(timeout=None)`
fn future_exception(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "exception", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    match future_state(&this)?.future.exception(timeout) {
        Ok(Some(Value::Null)) => Err(PyErr::stop()),
        Ok(Some(exception)) => Ok(exception),
        Ok(None) => Ok(Value::None),
        Err(error) => Err(future_error(error)),
    }
}

fn future_done(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(future_state(&this)?.future.done()))
}

fn future_running(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(future_state(&this)?.future.running()))
}

fn future_cancel(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(future_state(&this)?.future.cancel()))
}

fn future_cancelled(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Bool(future_state(&this)?.future.cancelled()))
}

/// Calls a done callback with the future; an exception is logged, as CPython's
/// `_invoke_callbacks` logs it, and goes no further.
fn invoke_callback(vm: &mut Vm, callback: &Value, future: &Value) {
    if let Err(error) = vm.call(callback, Args::new(vec![future.clone()])) {
        vm.flush_instruction_count();
        if error.is_stop() {
            return;
        }
        let headline = format!("exception calling callback for {}", describe(future));
        report(&vm.interp.clone(), &headline, error.into_exception());
    }
}

/// `add_done_callback(fn)`: runs `fn(future)` in the thread that completes it, or here and
/// now if it is done already.
fn future_add_done_callback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "add_done_callback", &["fn"], 1)?;
    let callback = slots[0].take().unwrap_or(Value::None);
    let state = future_state(&this)?;
    if state.future.done() {
        invoke_callback(vm, &callback, &this);
        return Ok(Value::None);
    }
    let interp = vm.interp.clone();
    let object = this.clone();
    state.future.add_done_callback(Box::new(move |_| {
        let mut vm = Vm::new(interp);
        invoke_callback(&mut vm, &callback, &object);
        vm.flush_instruction_count();
    }));
    Ok(Value::None)
}

// ---------------------------------------------------------------------------------------
// as_completed and wait

/// The futures of an iterable of Python futures, and the Python object of each core future.
struct Watched {
    futures: Vec<PyFuture>,
    objects: HashMap<ObjectId, Value>,
}

impl Watched {
    fn collect(vm: &mut Vm, iterable: &Value) -> PyResult<Watched> {
        let values = vm.collect(iterable)?;
        let mut futures = Vec::with_capacity(values.len());
        let mut objects = HashMap::with_capacity(values.len());
        for value in values {
            let future = future_state(&value)?.future.clone();
            objects.insert(future.id(), value);
            futures.push(future);
        }
        Ok(Watched { futures, objects })
    }

    fn object(&self, future: &PyFuture) -> Value {
        self.objects
            .get(&future.id())
            .cloned()
            .unwrap_or(Value::None)
    }

    fn set(&self, vm: &mut Vm, futures: &[PyFuture]) -> PyResult<Value> {
        let mut keys = KeySet::default();
        for future in futures {
            keys.insert(vm.hash_key(self.object(future))?);
        }
        Ok(Value::Set(Set::new(keys, false)))
    }
}

struct AsCompletedState {
    watched: Watched,
    iterator: Mutex<Generator<AsCompleted<Value, Value>>>,
}

/// `as_completed(fs, timeout=None)`
fn as_completed_function(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut slots = bind(args, "as_completed", &["fs", "timeout"], 1)?;
    let watched = Watched::collect(vm, slots[0].as_ref().unwrap_or(&Value::None))?;
    let timeout = timeout_arg(vm, slots[1].take())?;
    let iterator = as_completed(&watched.futures, timeout);
    Ok(new_native(
        as_completed_class(),
        AsCompletedState {
            watched,
            iterator: Mutex::new(Generator::Ready(iterator)),
        },
    ))
}

fn as_completed_next(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = receiver::<AsCompletedState>(&this, "as_completed")?;
    let Some(mut iterator) = Generator::take(&state.iterator)? else {
        return Err(PyErr::stop_iteration());
    };
    match iterator.next() {
        Some(Ok(future)) => {
            Generator::put(&state.iterator, Some(iterator));
            Ok(state.watched.object(&future))
        }
        Some(Err(error)) => {
            Generator::put(&state.iterator, None);
            Err(future_error(error))
        }
        None => {
            Generator::put(&state.iterator, None);
            Err(PyErr::stop_iteration())
        }
    }
}

/// `wait(fs, timeout=None, return_when=ALL_COMPLETED)`
fn wait_function(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut slots = bind(args, "wait", &["fs", "timeout", "return_when"], 1)?;
    let watched = Watched::collect(vm, slots[0].as_ref().unwrap_or(&Value::None))?;
    let timeout = timeout_arg(vm, slots[1].take())?;
    let return_when = match slots[2].take() {
        None => ReturnWhen::AllCompleted,
        Some(Value::Str(s)) if s.as_str() == ALL_COMPLETED => ReturnWhen::AllCompleted,
        Some(Value::Str(s)) if s.as_str() == FIRST_COMPLETED => ReturnWhen::FirstCompleted,
        Some(Value::Str(s)) if s.as_str() == FIRST_EXCEPTION => ReturnWhen::FirstException,
        Some(other) => {
            let repr = vm.repr(&other)?;
            return Err(PyErr::value_error(format!(
                "Invalid return condition: {repr}"
            )));
        }
    };
    let (done, not_done) = wait(&watched.futures, timeout, return_when).map_err(core_error)?;
    let done = watched.set(vm, &done)?;
    let not_done = watched.set(vm, &not_done)?;
    Ok(new_native(
        done_and_not_done_class(),
        DoneAndNotDone(done, not_done),
    ))
}

/// `DoneAndNotDoneFutures(done, not_done)`: CPython's named tuple, as far as programs use it.
struct DoneAndNotDone(Value, Value);

fn pair(value: &Value) -> PyResult<Arc<DoneAndNotDone>> {
    receiver::<DoneAndNotDone>(value, "DoneAndNotDoneFutures")
}

fn pair_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let pair = pair(&this)?;
    vm.get_iter(&Value::tuple(vec![pair.0.clone(), pair.1.clone()]))
}

fn pair_len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    pair(&this)?;
    Ok(Value::Int(2))
}

fn pair_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let pair = pair(&this)?;
    let key = args.positional.first().cloned().unwrap_or(Value::None);
    vm.get_item(&Value::tuple(vec![pair.0.clone(), pair.1.clone()]), &key)
}

fn pair_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let pair = pair(&this)?;
    let done = vm.repr(&pair.0)?;
    let not_done = vm.repr(&pair.1)?;
    Ok(Value::str(format!(
        "DoneAndNotDoneFutures(done={done}, not_done={not_done})"
    )))
}

fn pair_done(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(pair(&this)?.0.clone())
}

fn pair_not_done(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(pair(&this)?.1.clone())
}
