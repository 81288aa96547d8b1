use crate::objects::Value;
use crate::vm::{OpResult, Vm};

#[inline(always)]
pub(crate) fn jump(vm: &mut Vm, target: u32) -> OpResult {
    vm.frame().ip = target as usize;
    // A loop's condition usually begins with a local (`while d * d <= n`).
    super::load_store::load_fast_next_now(vm)
}

#[inline]
fn truth(vm: &mut Vm, value: &Value) -> Result<bool, crate::vm::PyErr> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => vm.is_true(other),
    }
}

#[inline(always)]
pub(crate) fn pop_jump_if_false(vm: &mut Vm, target: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    if let Some(Value::Bool(b)) = frame.stack.last() {
        if !*b {
            frame.ip = target as usize;
        }
        frame.pop_inline();
        return Ok(());
    }
    let value = frame.pop();
    if !truth(vm, &value)? {
        vm.frame().ip = target as usize;
    }
    Ok(())
}

#[inline(always)]
pub(crate) fn pop_jump_if_true(vm: &mut Vm, target: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    if let Some(Value::Bool(b)) = frame.stack.last() {
        if *b {
            frame.ip = target as usize;
        }
        frame.pop_inline();
        return Ok(());
    }
    let value = frame.pop();
    if truth(vm, &value)? {
        vm.frame().ip = target as usize;
    }
    Ok(())
}

pub(crate) fn jump_if_false_or_pop(vm: &mut Vm, target: u32) -> OpResult {
    let value = vm.frame().top().clone();
    if truth(vm, &value)? {
        vm.frame().pop();
    } else {
        vm.frame().ip = target as usize;
    }
    Ok(())
}

pub(crate) fn jump_if_true_or_pop(vm: &mut Vm, target: u32) -> OpResult {
    let value = vm.frame().top().clone();
    if truth(vm, &value)? {
        vm.frame().ip = target as usize;
    } else {
        vm.frame().pop();
    }
    Ok(())
}

pub(crate) fn return_value(vm: &mut Vm) -> OpResult {
    let value = vm.frame().pop();
    vm.return_value(value)
}

pub(crate) fn yield_value(vm: &mut Vm) -> OpResult {
    let value = vm.frame().pop();
    vm.yield_value(value)
}

pub(crate) fn nop(_vm: &mut Vm) -> OpResult {
    Ok(())
}
