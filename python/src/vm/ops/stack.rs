use crate::vm::{OpResult, Vm};

#[inline(always)]
pub(crate) fn pop_top(vm: &mut Vm) -> OpResult {
    vm.frame().pop();
    Ok(())
}

#[inline(always)]
pub(crate) fn dup_top(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let top = frame.top().clone();
    frame.push(top);
    Ok(())
}

pub(crate) fn dup_top_two(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let n = frame.stack.len();
    let (a, b) = (frame.stack[n - 2].clone(), frame.stack[n - 1].clone());
    frame.push(a);
    frame.push(b);
    Ok(())
}

#[inline(always)]
pub(crate) fn rot_two(vm: &mut Vm) -> OpResult {
    let stack = &mut vm.frame().stack;
    let n = stack.len();
    stack.swap(n - 1, n - 2);
    Ok(())
}

pub(crate) fn rot_three(vm: &mut Vm) -> OpResult {
    let stack = &mut vm.frame().stack;
    let n = stack.len();
    stack[n - 3..].rotate_right(1);
    Ok(())
}

pub(crate) fn rot_four(vm: &mut Vm) -> OpResult {
    let stack = &mut vm.frame().stack;
    let n = stack.len();
    stack[n - 4..].rotate_right(1);
    Ok(())
}
