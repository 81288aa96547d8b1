use std::sync::Arc;

use crate::objects::{Slice, Value};
use crate::vm::{OpResult, Vm};

pub(crate) fn binary_subscr(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let key = frame.pop();
    let container = frame.pop();
    let value = vm.get_item(&container, &key)?;
    vm.frame().push(value);
    Ok(())
}

pub(crate) fn store_subscr(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let key = frame.pop();
    let container = frame.pop();
    let value = frame.pop();
    vm.set_item(&container, &key, value)
}

pub(crate) fn delete_subscr(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let key = frame.pop();
    let container = frame.pop();
    vm.del_item(&container, &key)
}

pub(crate) fn build_slice(vm: &mut Vm, count: u32) -> OpResult {
    let frame = vm.frame();
    let step = if count == 3 { frame.pop() } else { Value::None };
    let stop = frame.pop();
    let start = frame.pop();
    frame.push(Value::Slice(Arc::new(Slice { start, stop, step })));
    Ok(())
}
