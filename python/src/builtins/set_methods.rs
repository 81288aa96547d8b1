//! `set` and `frozenset` methods. The operations take any iterables (`s.union([1], "ab")`);
//! results have the receiver's type. Hashing needs no Python code, so a set's lock is held
//! only around pure key operations.

use std::sync::Arc;

use super::constructors::key_set;
use super::{add_methods, method_args};
use crate::objects::set::KeySet;
use crate::objects::types::BuiltinTypes;
use crate::objects::{Args, Set, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    let shared: &[(&'static str, crate::objects::BuiltinFn)] = &[
        ("copy", copy),
        ("union", union),
        ("intersection", intersection),
        ("difference", difference),
        ("symmetric_difference", symmetric_difference),
        ("issubset", issubset),
        ("issuperset", issuperset),
        ("isdisjoint", isdisjoint),
    ];
    add_methods(&types.set_type, "set", shared);
    add_methods(&types.frozenset_type, "frozenset", shared);
    add_methods(
        &types.set_type,
        "set",
        &[
            ("add", add),
            ("discard", discard),
            ("remove", remove),
            ("pop", pop),
            ("clear", clear),
            ("update", update),
            ("intersection_update", intersection_update),
            ("difference_update", difference_update),
            ("symmetric_difference_update", symmetric_difference_update),
        ],
    );
}

/// The receiver (a set, or a frozenset unless `mutating`) and the other arguments.
fn set_args(
    args: Args,
    name: &str,
    mutating: bool,
    min: usize,
    max: usize,
) -> PyResult<(Arc<Set>, Vec<Value>)> {
    let owner = match args.positional.first() {
        Some(Value::Set(set)) if set.frozen && !mutating => "frozenset",
        _ => "set",
    };
    let (first, rest) = method_args(args, owner, name, min, max)?;
    match &first {
        Value::Set(set) if !(mutating && set.frozen) => Ok((set.clone(), rest)),
        other => Err(PyErr::type_error(format!(
            "descriptor '{name}' for '{owner}' objects doesn't apply to a '{}' object",
            other.type_name()
        ))),
    }
}

/// The keys of any iterable (a set's without re-hashing).
fn keys_of(vm: &mut Vm, value: &Value) -> PyResult<KeySet> {
    match value {
        Value::Set(set) => Ok(set.read().clone()),
        other => key_set(vm, Some(other)),
    }
}

fn same_kind(set: &Set, keys: KeySet) -> Value {
    Value::Set(Set::new(keys, set.frozen))
}

fn add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, args) = set_args(args, "add", true, 1, 1)?;
    let key = vm.hash_key(args[0].clone())?;
    set.write().insert(key);
    Ok(Value::None)
}

fn discard(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, args) = set_args(args, "discard", true, 1, 1)?;
    let key = vm.hash_key(args[0].clone())?;
    set.write().shift_remove(&key);
    Ok(Value::None)
}

fn remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, args) = set_args(args, "remove", true, 1, 1)?;
    let key = vm.hash_key(args[0].clone())?;
    let removed = set.write().shift_remove(&key);
    if !removed {
        return Err(PyErr::key_error(args[0].clone()));
    }
    Ok(Value::None)
}

/// Sets up to this size pop their oldest item, keeping the others in order (close to what
/// CPython shows for small ints); bigger ones swap the last item in, so that emptying a set
/// with `pop()` stays linear.
const ORDERED_POP_LIMIT: usize = 1024;

fn pop(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, _) = set_args(args, "pop", true, 0, 0)?;
    let mut keys = set.write();
    let popped = if keys.len() <= ORDERED_POP_LIMIT {
        keys.shift_remove_index(0)
    } else {
        keys.swap_remove_index(0)
    };
    match popped {
        Some(key) => Ok(key.value),
        None => Err(PyErr::key_error(Value::str("pop from an empty set"))),
    }
}

fn clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, _) = set_args(args, "clear", true, 0, 0)?;
    set.write().clear();
    Ok(Value::None)
}

fn copy(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, _) = set_args(args, "copy", false, 0, 0)?;
    if set.frozen {
        return Ok(Value::Set(set));
    }
    let keys = set.read().clone();
    Ok(same_kind(&set, keys))
}

fn union(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "union", false, 0, usize::MAX)?;
    let mut result = set.read().clone();
    for other in &others {
        result.extend(keys_of(vm, other)?);
    }
    Ok(same_kind(&set, result))
}

fn intersect(mut keys: KeySet, other: &KeySet) -> KeySet {
    keys.retain(|k| other.contains(k));
    keys
}

fn subtract(mut keys: KeySet, other: &KeySet) -> KeySet {
    keys.retain(|k| !other.contains(k));
    keys
}

fn symmetric(keys: KeySet, other: KeySet) -> KeySet {
    let mut result = subtract(keys.clone(), &other);
    result.extend(subtract(other, &keys));
    result
}

fn intersection(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "intersection", false, 0, usize::MAX)?;
    let mut result = set.read().clone();
    for other in &others {
        let other = keys_of(vm, other)?;
        result = intersect(result, &other);
    }
    Ok(same_kind(&set, result))
}

fn difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "difference", false, 0, usize::MAX)?;
    let mut result = set.read().clone();
    for other in &others {
        let other = keys_of(vm, other)?;
        result = subtract(result, &other);
    }
    Ok(same_kind(&set, result))
}

fn symmetric_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "symmetric_difference", false, 1, 1)?;
    let other = keys_of(vm, &others[0])?;
    let mine = set.read().clone();
    Ok(same_kind(&set, symmetric(mine, other)))
}

fn update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "update", true, 0, usize::MAX)?;
    for other in &others {
        let keys = keys_of(vm, other)?;
        set.write().extend(keys);
    }
    Ok(Value::None)
}

fn intersection_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "intersection_update", true, 0, usize::MAX)?;
    for other in &others {
        let keys = keys_of(vm, other)?;
        set.write().retain(|k| keys.contains(k));
    }
    Ok(Value::None)
}

fn difference_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "difference_update", true, 0, usize::MAX)?;
    for other in &others {
        let keys = keys_of(vm, other)?;
        set.write().retain(|k| !keys.contains(k));
    }
    Ok(Value::None)
}

fn symmetric_difference_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "symmetric_difference_update", true, 1, 1)?;
    let other = keys_of(vm, &others[0])?;
    let mut keys = set.write();
    let mine = std::mem::take(&mut *keys);
    *keys = symmetric(mine, other);
    Ok(Value::None)
}

fn issubset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "issubset", false, 1, 1)?;
    let other = keys_of(vm, &others[0])?;
    let result = set.read().iter().all(|k| other.contains(k));
    Ok(Value::Bool(result))
}

fn issuperset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "issuperset", false, 1, 1)?;
    let other = keys_of(vm, &others[0])?;
    let keys = set.read();
    Ok(Value::Bool(other.iter().all(|k| keys.contains(k))))
}

fn isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (set, others) = set_args(args, "isdisjoint", false, 1, 1)?;
    let other = keys_of(vm, &others[0])?;
    let keys = set.read();
    Ok(Value::Bool(!other.iter().any(|k| keys.contains(k))))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, i, s, show, vm};
    use crate::objects::types::types;
    use crate::objects::{Args, Value};

    fn set_of(vm: &mut crate::vm::Vm, items: Vec<Value>, frozen: bool) -> Value {
        let class = if frozen {
            types().frozenset_type.clone()
        } else {
            types().set_type.clone()
        };
        vm.call(&Value::Class(class), Args::new(vec![Value::list(items)]))
            .unwrap()
    }

    #[test]
    fn mutation() {
        let mut vm = vm();
        let set = set_of(&mut vm, vec![i(1), i(2)], false);
        call(&mut vm, &set, "add", vec![i(3)]).unwrap();
        call(&mut vm, &set, "discard", vec![i(9)]).unwrap();
        assert_eq!(show(&mut vm, &set, "remove", vec![i(9)]), "KeyError: 9");
        assert_eq!(
            show(&mut vm, &set, "add", vec![Value::list(vec![])]),
            "TypeError: unhashable type: 'list'"
        );
        assert_eq!(show(&mut vm, &set, "pop", vec![]), "1");
        assert_eq!(vm.repr(&set).unwrap(), "{2, 3}");
        call(
            &mut vm,
            &set,
            "update",
            vec![s("ab"), Value::list(vec![i(4)])],
        )
        .unwrap();
        // Ints sit in CPython's slots; the strings' places follow our (stable) str hash.
        assert_eq!(vm.repr(&set).unwrap(), "{2, 3, 4, 'b', 'a'}");
        call(
            &mut vm,
            &set,
            "intersection_update",
            vec![Value::list(vec![i(2), s("a"), i(4)])],
        )
        .unwrap();
        assert_eq!(vm.repr(&set).unwrap(), "{2, 'a', 4}");
        call(
            &mut vm,
            &set,
            "difference_update",
            vec![Value::list(vec![i(2)])],
        )
        .unwrap();
        call(
            &mut vm,
            &set,
            "symmetric_difference_update",
            vec![Value::list(vec![i(4), i(5)])],
        )
        .unwrap();
        assert_eq!(vm.repr(&set).unwrap(), "{'a', 5}");
        call(&mut vm, &set, "clear", vec![]).unwrap();
        assert_eq!(
            show(&mut vm, &set, "pop", vec![]),
            "KeyError: 'pop from an empty set'"
        );
    }

    #[test]
    fn algebra() {
        let mut vm = vm();
        let a = set_of(&mut vm, vec![i(1), i(2), i(3)], false);
        let f = set_of(&mut vm, vec![i(2), i(3), i(4)], true);
        assert_eq!(
            show(
                &mut vm,
                &a,
                "union",
                vec![f.clone(), Value::list(vec![i(9)])]
            ),
            "{1, 2, 3, 4, 9}"
        );
        assert_eq!(show(&mut vm, &a, "intersection", vec![f.clone()]), "{2, 3}");
        assert_eq!(show(&mut vm, &a, "difference", vec![f.clone()]), "{1}");
        assert_eq!(
            show(&mut vm, &a, "symmetric_difference", vec![f.clone()]),
            "{1, 4}"
        );
        assert_eq!(
            show(&mut vm, &f, "union", vec![a.clone()]),
            "frozenset({1, 2, 3, 4})"
        );
        assert_eq!(
            show(&mut vm, &f, "intersection", vec![Value::list(vec![])]),
            "frozenset()"
        );
        assert_eq!(
            show(
                &mut vm,
                &a,
                "issubset",
                vec![Value::list(vec![i(1), i(2), i(3), i(4)])]
            ),
            "True"
        );
        assert_eq!(
            show(
                &mut vm,
                &a,
                "issuperset",
                vec![Value::list(vec![i(1), i(5)])]
            ),
            "False"
        );
        assert_eq!(
            show(&mut vm, &a, "isdisjoint", vec![Value::list(vec![i(7)])]),
            "True"
        );
        assert_eq!(
            show(&mut vm, &a, "union", vec![i(1)]),
            "TypeError: 'int' object is not iterable"
        );
        assert!(call(&mut vm, &f, "add", vec![i(1)]).is_err());
        let copy = call(&mut vm, &f, "copy", vec![]).unwrap();
        assert!(copy.is(&f));
    }
}
