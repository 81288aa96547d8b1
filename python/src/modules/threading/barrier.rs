//! `threading.Barrier(parties, action=None, timeout=None)` and `BrokenBarrierError`, on core's
//! [`Barrier`].
//!
//! The action is a Python callable that core runs in the last arriving thread, before the
//! others are let go. Core stores it as a plain Rust closure, which cannot borrow the calling
//! thread's `Vm`, so the action runs on a fresh `Vm` of the same interpreter, on the same
//! thread. If it raises, core breaks the barrier and reports `BarrierActionFailed` to that
//! thread; the Python exception itself is parked in `failures` (by thread) meanwhile, and
//! `wait` re-raises it there, as CPython does. The other threads get `BrokenBarrierError`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use threadlab_core::sync::Barrier;
use threadlab_core::Error as CoreError;

use super::lock::{address, initialised, qualified_name};
use super::thread::timeout_arg;
use crate::builtins::args::{bind, int_arg, positional};
use crate::modules::native::{
    add_method, add_property, attach_native, exception_class, native_class, split_receiver,
};
use crate::objects::types::ExcKind;
use crate::objects::{Args, Class, Dict, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The action's exceptions, by core thread number, on their way from the action to `wait`.
type Failures = Arc<Mutex<HashMap<u32, PyErr>>>;

struct BarrierState {
    barrier: Barrier,
    failures: Failures,
}

pub fn broken_barrier_error() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("threading", "BrokenBarrierError", ExcKind::RuntimeError))
}

fn barrier_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("threading", "Barrier", &[]);
        add_method(&class, "__init__", barrier_init);
        add_method(&class, "wait", barrier_wait);
        add_method(&class, "reset", barrier_reset);
        add_method(&class, "abort", barrier_abort);
        add_method(&class, "__repr__", barrier_repr);
        add_property(&class, "parties", barrier_parties, None);
        add_property(&class, "n_waiting", barrier_n_waiting, None);
        add_property(&class, "broken", barrier_broken, None);
        class
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("Barrier", Value::Class(barrier_class().clone()));
    module.set_by_name(
        "BrokenBarrierError",
        Value::Class(broken_barrier_error().clone()),
    );
}

/// `Barrier(parties, action=None, timeout=None)`
fn barrier_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let mut slots = bind(args, "__init__", &["parties", "action", "timeout"], 1)?;
    let parties = int_arg(slots[0].as_ref().unwrap_or(&Value::None))?;
    let timeout = timeout_arg(vm, slots[2].take())?;
    let failures = Failures::default();
    let action = match slots[1].take() {
        None | Some(Value::None) => None,
        Some(action) => {
            // Weak: the barrier may live in the program's globals, which the interpreter owns.
            let interp = Arc::downgrade(&vm.interp);
            let failures = failures.clone();
            let run = move || -> Result<(), String> {
                let Some(interp) = interp.upgrade() else {
                    return Err("the run has ended".to_owned());
                };
                let mut vm = Vm::new(interp.clone());
                let result = vm.call(&action, Args::default());
                vm.flush_instruction_count();
                result.map(drop).map_err(|error| {
                    let message = if error.is_stop() {
                        "stopped".to_owned()
                    } else {
                        vm.str(error.exception()).unwrap_or_default()
                    };
                    let num = interp.runtime.current().num();
                    crate::objects::lock(&failures).insert(num, error);
                    message
                })
            };
            Some(Box::new(run) as Box<dyn Fn() -> Result<(), String> + Send + Sync>)
        }
    };
    let parties = usize::try_from(parties).unwrap_or(0);
    let barrier =
        Barrier::new(&vm.interp.runtime, parties, action, timeout).map_err(PyErr::from)?;
    attach_native(&this, BarrierState { barrier, failures })?;
    Ok(Value::None)
}

fn this(value: &Value) -> PyResult<Arc<BarrierState>> {
    initialised::<BarrierState>(value, barrier_class())
}

/// A core error of a barrier operation as the Python exception it stands for.
fn barrier_error(vm: &Vm, state: &BarrierState, error: CoreError) -> PyErr {
    match error {
        CoreError::BrokenBarrier => PyErr::from_class(broken_barrier_error(), Vec::new()),
        CoreError::BarrierActionFailed(message) => {
            let num = vm.interp.runtime.current().num();
            crate::objects::lock(&state.failures)
                .remove(&num)
                .unwrap_or_else(|| PyErr::runtime_error(message))
        }
        other => PyErr::from(other),
    }
}

/// `wait(timeout=None)`: this thread's arrival index.
fn barrier_wait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let state = this(&receiver)?;
    let mut slots = bind(args, "wait", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    match state.barrier.wait(timeout) {
        Ok(index) => Ok(Value::Int(index as i64)),
        Err(error) => Err(barrier_error(vm, &state, error)),
    }
}

fn barrier_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "reset", 0, 0)?;
    let state = this(&receiver)?;
    state
        .barrier
        .reset()
        .map_err(|error| barrier_error(vm, &state, error))?;
    Ok(Value::None)
}

fn barrier_abort(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "abort", 0, 0)?;
    let state = this(&receiver)?;
    state
        .barrier
        .abort()
        .map_err(|error| barrier_error(vm, &state, error))?;
    Ok(Value::None)
}

fn barrier_parties(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    Ok(Value::Int(this(&receiver)?.barrier.parties() as i64))
}

fn barrier_n_waiting(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    Ok(Value::Int(this(&receiver)?.barrier.n_waiting() as i64))
}

fn barrier_broken(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    Ok(Value::Bool(this(&receiver)?.barrier.broken()))
}

/// `<threading.Barrier at 0x…: waiters=0/2>`, or `<threading.Barrier at 0x…: broken>`
fn barrier_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let barrier = &this(&receiver)?.barrier;
    let status = if barrier.broken() {
        "broken".to_owned()
    } else {
        format!("waiters={}/{}", barrier.n_waiting(), barrier.parties())
    };
    Ok(Value::str(format!(
        "<{} at {}: {status}>",
        qualified_name(&receiver),
        address(&receiver)
    )))
}
