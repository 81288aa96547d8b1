//! Handlers, raising, and the `with` protocol.

use std::sync::Arc;

use crate::objects::types::{types, ExcKind};
use crate::objects::{BoundMethod, Value};
use crate::vm::{OpResult, PyErr, Vm};

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

pub(crate) fn before_with(vm: &mut Vm) -> OpResult {
    let manager = vm.frame().pop();
    let (Some(enter), Some(exit)) = (
        vm.lookup_special(&manager, "__enter__"),
        vm.lookup_special(&manager, "__exit__"),
    ) else {
        return Err(PyErr::type_error(format!(
            "'{}' object does not support the context manager protocol",
            manager.type_name()
        )));
    };
    let exit = Value::BoundMethod(Arc::new(BoundMethod {
        function: exit,
        receiver: manager.clone(),
    }));
    vm.frame().push(exit);
    let entered = vm.call_positional(&enter, vec![manager])?;
    vm.frame().push(entered);
    Ok(())
}

pub(crate) fn call_with_exit_none(vm: &mut Vm) -> OpResult {
    let exit = vm.frame().pop();
    vm.call_positional(&exit, vec![Value::None, Value::None, Value::None])?;
    Ok(())
}

pub(crate) fn with_except_start(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let exception = frame.top().clone();
    let exit = frame.stack[frame.stack.len() - 2].clone();
    let class = Value::Class(exception.class());
    let result = vm.call_positional(&exit, vec![class, exception, Value::None])?;
    vm.frame().push(result);
    Ok(())
}
