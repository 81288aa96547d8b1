//! Handlers, raising, and the `with` protocol.

use crate::objects::types::{types, ExcKind};
use crate::objects::{Args, Value};
use crate::vm::{OpResult, PyErr, PyResult, Vm};

pub(crate) fn setup_except(vm: &mut Vm, target: u32) -> OpResult {
    vm.push_block(target);
    Ok(())
}

pub(crate) fn pop_block(vm: &mut Vm) -> OpResult {
    vm.frame().blocks.pop();
    Ok(())
}

pub(crate) fn push_exc_info(vm: &mut Vm) -> OpResult {
    let exception = vm.frame().top().clone();
    vm.handled.push(exception);
    Ok(())
}

pub(crate) fn pop_except(vm: &mut Vm) -> OpResult {
    vm.handled.pop();
    Ok(())
}

pub(crate) fn raise(vm: &mut Vm, count: u32) -> OpResult {
    let cause = if count == 2 {
        Some(vm.frame().pop())
    } else {
        None
    };
    if count == 0 {
        return Err(match vm.current_exception() {
            Some(exception) => PyErr::reraise(exception.clone()),
            None => PyErr::runtime_error("No active exception to reraise"),
        });
    }
    let exception = vm.frame().pop();
    let exception = make_exception(vm, exception)?;
    if let Some(cause) = cause {
        let cause = match cause {
            Value::None => None,
            other => Some(make_exception(vm, other).map_err(|_| {
                PyErr::type_error("exception causes must derive from BaseException")
            })?),
        };
        if let Value::Object(object) = &exception {
            if let Some(data) = object.exception() {
                data.set_cause(cause);
            }
        }
    }
    Err(PyErr::from_exception(exception))
}

/// `raise X`: X may be an instance or a class to instantiate.
fn make_exception(vm: &mut Vm, value: Value) -> Result<Value, PyErr> {
    let base = types().exception(ExcKind::BaseException);
    match &value {
        Value::Class(class) if class.is_subclass(base) => vm.instantiate(class, Default::default()),
        Value::Object(object) if object.class.is_subclass(base) => Ok(value),
        _ => Err(PyErr::type_error(
            "exceptions must derive from BaseException",
        )),
    }
}

pub(crate) fn reraise(vm: &mut Vm) -> OpResult {
    let exception = vm.frame().pop();
    Err(PyErr::reraise(exception))
}

pub(crate) fn load_assertion_error(vm: &mut Vm) -> OpResult {
    let class = types().exception(ExcKind::AssertionError).clone();
    vm.frame().push(Value::Class(class));
    Ok(())
}

/// Calls a special method found on the class with `receiver` first: straight into a
/// builtin's Rust function (the common `with lock:` case), or through the VM.
fn call_method_of(
    vm: &mut Vm,
    method: &Value,
    receiver: Value,
    mut args: Vec<Value>,
) -> PyResult<Value> {
    args.insert(0, receiver);
    match method {
        Value::Builtin(builtin) => (builtin.func)(vm, Args::new(args)),
        other => vm.call_positional(other, args),
    }
}

/// The manager stays on the stack in place of a bound `__exit__`; its `__exit__` is looked up
/// again on the way out (it was checked to exist on the way in), which spares an allocation
/// per `with` and differs from CPython only if the class's `__exit__` is replaced meanwhile.
pub(crate) fn before_with(vm: &mut Vm) -> OpResult {
    let manager = vm.frame().top().clone();
    if let Some(entered) = crate::modules::threading::lock::enter_if_lock(&manager) {
        vm.frame().push(entered?);
        return Ok(());
    }
    let (Some(enter), true) = (
        vm.lookup_special(&manager, "__enter__"),
        vm.lookup_special(&manager, "__exit__").is_some(),
    ) else {
        vm.frame().pop();
        return Err(PyErr::type_error(format!(
            "'{}' object does not support the context manager protocol",
            manager.type_name()
        )));
    };
    let entered = call_method_of(vm, &enter, manager, Vec::new())?;
    vm.frame().push(entered);
    Ok(())
}

fn exit_method(vm: &mut Vm, manager: &Value) -> PyResult<Value> {
    vm.lookup_special(manager, "__exit__").ok_or_else(|| {
        PyErr::attribute_error(format!(
            "'{}' object has no attribute '__exit__'",
            manager.type_name()
        ))
    })
}

pub(crate) fn call_with_exit_none(vm: &mut Vm) -> OpResult {
    let manager = vm.frame().pop();
    if let Some(exited) = crate::modules::threading::lock::exit_if_lock(&manager) {
        return exited;
    }
    let exit = exit_method(vm, &manager)?;
    call_method_of(
        vm,
        &exit,
        manager,
        vec![Value::None, Value::None, Value::None],
    )?;
    Ok(())
}

pub(crate) fn with_except_start(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let exception = frame.top().clone();
    let manager = frame.stack[frame.stack.len() - 2].clone();
    let class = Value::Class(exception.class());
    let exit = exit_method(vm, &manager)?;
    let result = call_method_of(vm, &exit, manager, vec![class, exception, Value::None])?;
    vm.frame().push(result);
    Ok(())
}
