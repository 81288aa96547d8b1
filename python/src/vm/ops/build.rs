//! Displays (`(a, b)`, `[…]`, `{…}`), comprehension appends, unpacking into displays, and
//! f-string assembly.

use crate::objects::{Dict, Set, Value};
use crate::vm::{OpResult, PyErr, Vm};

pub(crate) fn build_tuple(vm: &mut Vm, count: u32) -> OpResult {
    let frame = vm.frame();
    let items = frame.pop_n(count as usize);
    frame.push(Value::tuple(items));
    Ok(())
}

pub(crate) fn build_list(vm: &mut Vm, count: u32) -> OpResult {
    let frame = vm.frame();
    let items = frame.pop_n(count as usize);
    frame.push(Value::list(items));
    Ok(())
}

pub(crate) fn build_set(vm: &mut Vm, count: u32) -> OpResult {
    let items = vm.frame().pop_n(count as usize);
    let mut set = crate::objects::set::KeySet::default();
    for item in items {
        set.insert(vm.hash_key(item)?);
    }
    vm.frame().push(Value::Set(Set::new(set, false)));
    Ok(())
}

pub(crate) fn build_map(vm: &mut Vm, count: u32) -> OpResult {
    let items = vm.frame().pop_n(2 * count as usize);
    let dict = Dict::new();
    let mut pairs = items.into_iter();
    while let (Some(key), Some(value)) = (pairs.next(), pairs.next()) {
        let key = vm.hash_key(key)?;
        dict.insert(key, value);
    }
    vm.frame().push(Value::Dict(dict));
    Ok(())
}

/// The container `depth` slots below the top (after popping the item).
fn container(vm: &mut Vm, depth: u32) -> Value {
    let frame = vm.frame();
    frame.stack[frame.stack.len() - depth as usize].clone()
}

pub(crate) fn list_append(vm: &mut Vm, depth: u32) -> OpResult {
    let item = vm.frame().pop();
    if let Value::List(list) = container(vm, depth) {
        list.push(item);
    }
    Ok(())
}

pub(crate) fn set_add(vm: &mut Vm, depth: u32) -> OpResult {
    let item = vm.frame().pop();
    let key = vm.hash_key(item)?;
    if let Value::Set(set) = container(vm, depth) {
        set.write().insert(key);
    }
    Ok(())
}

pub(crate) fn map_add(vm: &mut Vm, depth: u32) -> OpResult {
    let frame = vm.frame();
    let value = frame.pop();
    let key = frame.pop();
    let key = vm.hash_key(key)?;
    if let Value::Dict(dict) = container(vm, depth) {
        dict.insert(key, value);
    }
    Ok(())
}

pub(crate) fn list_extend(vm: &mut Vm, depth: u32) -> OpResult {
    let iterable = vm.frame().pop();
    let items = vm.collect(&iterable)?;
    if let Value::List(list) = container(vm, depth) {
        list.write().extend(items);
    }
    Ok(())
}

pub(crate) fn set_update(vm: &mut Vm, depth: u32) -> OpResult {
    let iterable = vm.frame().pop();
    let items = vm.collect(&iterable)?;
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        keys.push(vm.hash_key(item)?);
    }
    if let Value::Set(set) = container(vm, depth) {
        set.write().extend(keys);
    }
    Ok(())
}

pub(crate) fn dict_update(vm: &mut Vm, depth: u32) -> OpResult {
    let mapping = vm.frame().pop();
    let Value::Dict(source) = &mapping else {
        return Err(PyErr::type_error(format!(
            "'{}' object is not a mapping",
            mapping.type_name()
        )));
    };
    let pairs: Vec<_> = source
        .read()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Value::Dict(dict) = container(vm, depth) {
        let mut map = dict.write();
        for (key, value) in pairs {
            map.insert(key, value);
        }
    }
    Ok(())
}

pub(crate) fn dict_merge(vm: &mut Vm, depth: u32) -> OpResult {
    let mapping = vm.frame().pop();
    let Value::Dict(source) = &mapping else {
        let callee = callee_below(vm, depth);
        return Err(PyErr::type_error(format!(
            "{} argument after ** must be a mapping, not {}",
            callee,
            mapping.type_name()
        )));
    };
    let pairs: Vec<_> = source
        .read()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Value::Dict(dict) = container(vm, depth) {
        for (key, value) in pairs {
            if dict.read().contains_key(&key) {
                let callee = callee_below(vm, depth);
                let name = match &key.value {
                    Value::Str(s) => s.as_str().to_owned(),
                    other => other.constant_repr(),
                };
                return Err(PyErr::type_error(format!(
                    "{callee} got multiple values for keyword argument '{name}'"
                )));
            }
            dict.insert(key, value);
        }
    }
    Ok(())
}

/// `__main__.f()` / `__main__.C.m()` / `print()`: how CPython names the callee in errors
/// about a call's `**` arguments.
fn callee_below(vm: &mut Vm, depth: u32) -> String {
    let frame = vm.frame();
    let at = frame.stack.len().saturating_sub(depth as usize + 2);
    let function_str = |function: &crate::objects::Function| {
        format!(
            "{}.{}()",
            function.module.as_str(),
            function.code.qualname.as_str()
        )
    };
    match frame.stack.get(at) {
        Some(Value::Function(f)) => function_str(f),
        Some(Value::BoundMethod(m)) => match &m.function {
            Value::Function(f) => function_str(f),
            Value::Builtin(b) => format!("{}()", b.name),
            _ => "function".to_owned(),
        },
        Some(Value::Builtin(b)) => format!("{}()", b.name),
        Some(Value::Class(c)) if c.builtin => format!("{}()", c.qualname.as_str()),
        Some(Value::Class(c)) => format!("{}.{}()", c.module.as_str(), c.qualname.as_str()),
        _ => "function".to_owned(),
    }
}

pub(crate) fn list_to_tuple(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let list = frame.pop();
    let items = match &list {
        Value::List(list) => list.snapshot(),
        _ => Vec::new(),
    };
    frame.push(Value::tuple(items));
    Ok(())
}

pub(crate) fn build_string(vm: &mut Vm, count: u32) -> OpResult {
    let frame = vm.frame();
    let parts = frame.pop_n(count as usize);
    let mut text = String::new();
    for part in &parts {
        if let Value::Str(s) = part {
            text.push_str(s.as_str());
        }
    }
    frame.push(Value::str(text));
    Ok(())
}

pub(crate) fn format_value(vm: &mut Vm, flags: u32) -> OpResult {
    let frame = vm.frame();
    let spec = if flags & 4 != 0 {
        Some(frame.pop())
    } else {
        None
    };
    let value = frame.pop();
    let value = match flags & 3 {
        1 => Value::str(vm.str(&value)?),
        2 => Value::str(vm.repr(&value)?),
        3 => Value::str(crate::builtins::ascii(&vm.repr(&value)?)),
        _ => value,
    };
    let spec = match &spec {
        Some(Value::Str(s)) => s.as_str().to_owned(),
        _ => String::new(),
    };
    let text = crate::builtins::format::format_value(vm, &value, &spec)?;
    vm.frame().push(Value::str(text));
    Ok(())
}
