//! `threading.Condition(lock=None)`, on core's [`Condition`].
//!
//! The Python lock object (a `threading.Lock` or `RLock`; a new `RLock` by default) is kept
//! next to the core condition, which is built on that object's own core primitive. `acquire`,
//! `release` and the context manager call the lock object's methods, so they behave exactly
//! as the lock's do. `wait_for`'s predicate is Python code: core calls it between waits, with
//! the user's lock held and none of core's internal mutexes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use threadlab_core::sync::{Condition, ConditionLock, Lock, RLock};

use super::lock::initialised;
use super::thread::timeout_arg;
use crate::builtins::args::{bind, int_arg, positional};
use crate::modules::native::{add_method, attach_native, native, native_class, split_receiver};
use crate::objects::{Args, Class, Dict, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

struct ConditionState {
    condition: Condition,
    /// The Python lock object, for delegation and `repr`.
    lock: Value,
    /// Threads inside `wait`, for `repr` (CPython's `len(self._waiters)`).
    waiting: AtomicUsize,
}

fn condition_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("threading", "Condition", &[]);
        add_method(&class, "__init__", condition_init);
        add_method(&class, "acquire", condition_acquire);
        add_method(&class, "release", condition_release);
        add_method(&class, "__enter__", condition_enter);
        add_method(&class, "__exit__", condition_exit);
        add_method(&class, "wait", condition_wait);
        add_method(&class, "wait_for", condition_wait_for);
        add_method(&class, "notify", condition_notify);
        add_method(&class, "notify_all", condition_notify_all);
        add_method(&class, "notifyAll", condition_notify_all);
        add_method(&class, "_is_owned", condition_is_owned);
        add_method(&class, "__repr__", condition_repr);
        class
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("Condition", Value::Class(condition_class().clone()));
}

/// `Condition(lock=None)`
fn condition_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "__init__", &["lock"], 0)?;
    let lock = match slots[0].take() {
        None | Some(Value::None) => super::rlock::new_rlock(vm),
        Some(lock) => lock,
    };
    let core_lock = if let Some(lock) = native::<Lock>(&lock) {
        ConditionLock::Lock(lock)
    } else if let Some(lock) = native::<RLock>(&lock) {
        ConditionLock::RLock(lock)
    } else {
        return Err(PyErr::type_error(format!(
            "Condition() needs a threading.Lock or threading.RLock in threadlab, not '{}'",
            lock.type_name()
        )));
    };
    let state = ConditionState {
        condition: Condition::new(&vm.interp.runtime, core_lock),
        lock,
        waiting: AtomicUsize::new(0),
    };
    attach_native(&this, state)?;
    Ok(Value::None)
}

fn this(value: &Value) -> PyResult<Arc<ConditionState>> {
    initialised::<ConditionState>(value, condition_class())
}

/// Calls the lock object's method `name` with `args`.
fn delegate(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let lock = this(&receiver)?.lock.clone();
    let method = vm.get_attr(&lock, &PyStr::interned(name))?;
    vm.call(&method, args)
}

fn condition_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    delegate(vm, args, "acquire")
}

fn condition_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    delegate(vm, args, "release")
}

fn condition_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    delegate(vm, args, "__enter__")
}

fn condition_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    delegate(vm, args, "__exit__")
}

/// Counts the caller in `waiting` while it runs `f`.
fn counted<T>(state: &ConditionState, f: impl FnOnce() -> T) -> T {
    state.waiting.fetch_add(1, Ordering::Relaxed);
    let result = f();
    state.waiting.fetch_sub(1, Ordering::Relaxed);
    result
}

/// `wait(timeout=None)`: false if it timed out.
fn condition_wait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let state = this(&receiver)?;
    let mut slots = bind(args, "wait", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    let notified = counted(&state, || state.condition.wait(timeout)).map_err(PyErr::from)?;
    Ok(Value::Bool(notified))
}

/// `wait_for(predicate, timeout=None)`: the predicate's last result.
fn condition_wait_for(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let state = this(&receiver)?;
    let mut slots = bind(args, "wait_for", &["predicate", "timeout"], 1)?;
    let predicate = slots[0].take().unwrap_or(Value::None);
    let timeout = timeout_arg(vm, slots[1].take())?;
    // Core's predicate returns a core error; a Python exception waits here meanwhile, and
    // the core error that stands for it is dropped.
    let mut raised: Option<PyErr> = None;
    let mut last = Value::Bool(false);
    let outcome = counted(&state, || {
        state.condition.wait_for(
            || {
                let result = vm.call(&predicate, Args::default()).and_then(|value| {
                    let truth = vm.is_true(&value)?;
                    last = value;
                    Ok(truth)
                });
                result.map_err(|error| {
                    raised = Some(error);
                    threadlab_core::Error::Unsupported("an exception in the predicate")
                })
            },
            timeout,
        )
    });
    if let Some(error) = raised {
        return Err(error);
    }
    outcome.map_err(PyErr::from)?;
    Ok(last)
}

/// `notify(n=1)`
fn condition_notify(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let state = this(&receiver)?;
    let slots = bind(args, "notify", &["n"], 0)?;
    let n = match &slots[0] {
        None => 1,
        Some(n) => int_arg(n)?.max(0) as usize,
    };
    state.condition.notify(n).map_err(PyErr::from)?;
    Ok(Value::None)
}

fn condition_notify_all(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "notify_all", 0, 0)?;
    this(&receiver)?
        .condition
        .notify_all()
        .map_err(PyErr::from)?;
    Ok(Value::None)
}

fn condition_is_owned(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let state = this(&receiver)?;
    Ok(Value::Bool(match state.condition.lock() {
        ConditionLock::Lock(lock) => lock.locked(),
        ConditionLock::RLock(lock) => lock.is_owned(),
    }))
}

/// `<Condition(<unlocked _thread.RLock object owner=0 count=0 at 0x…>, 0)>`
fn condition_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let state = this(&receiver)?;
    let lock = vm.repr(&state.lock)?;
    Ok(Value::str(format!(
        "<Condition({lock}, {})>",
        state.waiting.load(Ordering::Relaxed)
    )))
}
