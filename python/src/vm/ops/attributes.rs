use crate::objects::Value;
use crate::vm::{OpResult, Vm};

pub(crate) fn load_attr(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let obj = frame.pop();
    let value = vm.get_attr(&obj, &name)?;
    vm.frame().push(value);
    Ok(())
}

pub(crate) fn store_attr(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let obj = frame.pop();
    let value = frame.pop();
    vm.set_attr(&obj, &name, value)
}

pub(crate) fn delete_attr(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let obj = frame.pop();
    vm.del_attr(&obj, &name)
}

pub(crate) fn load_method(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let obj = frame.pop();
    let (first, second): (Value, Value) = vm.load_method(obj, &name)?;
    let frame = vm.frame();
    frame.push(first);
    frame.push(second);
    Ok(())
}
