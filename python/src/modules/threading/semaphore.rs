//! `threading.Semaphore` and `threading.BoundedSemaphore`, on core's semaphores.

use std::sync::{Arc, OnceLock};

use threadlab_core::sync::{BoundedSemaphore, Semaphore};

use super::lock::{address, initialised, qualified_name};
use super::thread::timeout_arg;
use crate::builtins::args::{bind, int_arg};
use crate::modules::native::{
    add_method, add_property, attach_native, native_class, split_receiver,
};
use crate::objects::{Args, Class, Dict, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The state behind both classes.
enum SemaphoreState {
    Plain(Semaphore),
    /// With its initial value, the bound `repr` shows.
    Bounded(BoundedSemaphore, usize),
}

fn semaphore_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("threading", "Semaphore", &[]);
        add_method(&class, "__init__", semaphore_init);
        add_method(&class, "acquire", semaphore_acquire);
        add_method(&class, "__enter__", semaphore_acquire);
        add_method(&class, "release", semaphore_release);
        add_method(&class, "__exit__", semaphore_exit);
        add_method(&class, "__repr__", semaphore_repr);
        add_property(&class, "_value", semaphore_value, None);
        class
    })
}

fn bounded_semaphore_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("threading", "BoundedSemaphore", &[semaphore_class()]))
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("Semaphore", Value::Class(semaphore_class().clone()));
    module.set_by_name(
        "BoundedSemaphore",
        Value::Class(bounded_semaphore_class().clone()),
    );
}

/// `Semaphore(value=1)`, `BoundedSemaphore(value=1)`
fn semaphore_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let class = this.class();
    let slots = bind(args, "__init__", &["value"], 0)?;
    let value = match &slots[0] {
        None => 1,
        Some(value) => int_arg(value)?,
    };
    let rt = &vm.interp.runtime;
    let state = if class.is_subclass(bounded_semaphore_class()) {
        let semaphore = BoundedSemaphore::new(rt, value).map_err(PyErr::from)?;
        SemaphoreState::Bounded(semaphore, value as usize)
    } else {
        SemaphoreState::Plain(Semaphore::new(rt, value).map_err(PyErr::from)?)
    };
    attach_native(&this, state)?;
    Ok(Value::None)
}

fn this(value: &Value) -> PyResult<Arc<SemaphoreState>> {
    initialised::<SemaphoreState>(value, semaphore_class())
}

/// `acquire(blocking=True, timeout=None)`
fn semaphore_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let state = this(&receiver)?;
    let mut slots = bind(args, "acquire", &["blocking", "timeout"], 0)?;
    let blocking = match &slots[0] {
        None => true,
        Some(flag) => vm.is_true(flag)?,
    };
    let timeout = slots[1].take().filter(|t| !t.is_none());
    if !blocking && timeout.is_some() {
        return Err(PyErr::value_error(
            "can't specify timeout for non-blocking acquire",
        ));
    }
    let timeout = timeout_arg(vm, timeout)?;
    let acquired = match (&*state, blocking) {
        (SemaphoreState::Plain(s), false) => s.try_acquire(),
        (SemaphoreState::Plain(s), true) => s.acquire_timeout(timeout),
        (SemaphoreState::Bounded(s, _), false) => s.try_acquire(),
        (SemaphoreState::Bounded(s, _), true) => s.acquire_timeout(timeout),
    }
    .map_err(PyErr::from)?;
    Ok(Value::Bool(acquired))
}

/// `release(n=1)`
fn semaphore_release(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let state = this(&receiver)?;
    let slots = bind(args, "release", &["n"], 0)?;
    let n = match &slots[0] {
        None => 1,
        Some(n) => int_arg(n)?,
    };
    if n < 1 {
        return Err(PyErr::value_error("n must be one or more"));
    }
    release(&state, n as usize)
}

fn release(state: &SemaphoreState, n: usize) -> PyResult<Value> {
    match state {
        SemaphoreState::Plain(s) => s.release_n(n),
        SemaphoreState::Bounded(s, _) => s.release_n(n),
    }
    .map_err(PyErr::from)?;
    Ok(Value::None)
}

fn semaphore_exit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    release(&*this(&receiver)?, 1)
}

fn value_of(state: &SemaphoreState) -> usize {
    match state {
        SemaphoreState::Plain(s) => s.value(),
        SemaphoreState::Bounded(s, _) => s.value(),
    }
}

fn semaphore_value(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    Ok(Value::Int(value_of(&*this(&receiver)?) as i64))
}

/// `<threading.Semaphore at 0x…: value=1>`, `<threading.BoundedSemaphore at 0x…: value=1/2>`
fn semaphore_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let state = this(&receiver)?;
    let value = match &*state {
        SemaphoreState::Plain(s) => s.value().to_string(),
        SemaphoreState::Bounded(s, initial) => format!("{}/{initial}", s.value()),
    };
    Ok(Value::str(format!(
        "<{} at {}: value={value}>",
        qualified_name(&receiver),
        address(&receiver)
    )))
}
