//! Attribute opcodes. Each has a fast path for the common case — an instance of a class
//! without properties or attribute hooks, or a method of a built-in type — that touches
//! only the dicts involved; everything else goes through `Vm::get_attr` and friends.

use crate::objects::{Object, Payload, Value};
use crate::vm::{OpResult, Vm};

/// An instance whose attributes live plainly in its dict: no `property`, `__setattr__` or
/// `__getattribute__` anywhere in its class's MRO, and not a `super()` proxy.
#[inline]
fn plain_instance(object: &Object) -> bool {
    object.class.attribute_flags() == 0 && !matches!(object.payload, Payload::Super { .. })
}

pub(crate) fn load_attr(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    if let Some(Value::Object(object)) = frame.stack.last() {
        if plain_instance(object) {
            if let Some(value) = object.dict.get_str(&frame.code.names[name as usize]) {
                if let Some(top) = frame.stack.last_mut() {
                    *top = value;
                }
                return Ok(());
            }
        }
    }
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let obj = frame.pop();
    let value = vm.get_attr(&obj, &name)?;
    vm.frame().push(value);
    Ok(())
}

pub(crate) fn store_attr(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    if let Some(Value::Object(object)) = frame.stack.last() {
        if plain_instance(object) {
            let object = object.clone();
            frame.stack.pop();
            let value = frame.pop();
            object.dict.set_str(&frame.code.names[name as usize], value);
            return Ok(());
        }
    }
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
    let frame = vm.current.as_deref_mut().expect("no frame");
    let cache = &mut vm.lookup_cache;
    let found = match frame.stack.last() {
        Some(Value::Object(object)) if plain_instance(object) => {
            let name = &frame.code.names[name as usize];
            match object.class.lookup_cached(name, cache) {
                // An instance attribute of the same name would shadow the method.
                Some(method @ Value::Function(_)) if object.dict.get_str(name).is_none() => {
                    Some(method)
                }
                _ => None,
            }
        }
        Some(
            value @ (Value::Str(_)
            | Value::List(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Tuple(_)
            | Value::Bytes(_)),
        ) => {
            match value
                .builtin_class()
                .and_then(|class| class.lookup_cached(&frame.code.names[name as usize], cache))
            {
                Some(method @ Value::Builtin(_)) => Some(method),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(method) = found {
        let receiver = frame.pop();
        frame.push(method);
        frame.push(receiver);
        return Ok(());
    }
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let obj = frame.pop();
    let (first, second): (Value, Value) = vm.load_method(obj, &name)?;
    let frame = vm.frame();
    frame.push(first);
    frame.push(second);
    Ok(())
}
