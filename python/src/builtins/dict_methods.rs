//! `dict` methods, and the live views `keys()`, `values()` and `items()` return.
//!
//! A view is an instance of a small built-in class (`dict_keys`, …) whose native payload is
//! the dict itself, so it sees later changes, as CPython's views do. Its special methods
//! (`__iter__`, `__len__`, `__contains__`, `__repr__`, set operations for keys and items) are
//! builtins in the class dict, which the VM's special-method lookup finds like any other.

use std::sync::{Arc, OnceLock};

use super::args::positional;
use super::{add_methods, class_method, constructors::dict_merge, method_args};
use crate::objects::class::Layout;
use crate::objects::set::KeySet;
use crate::objects::types::{builtin_class, types, BuiltinTypes};
use crate::objects::{Args, Class, Dict, IterState, Object, Payload, PyIterator, Set, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    add_methods(
        &types.dict_type,
        "dict",
        &[
            ("get", get),
            ("keys", keys),
            ("values", values),
            ("items", items),
            ("setdefault", setdefault),
            ("pop", pop),
            ("popitem", popitem),
            ("update", update),
            ("copy", copy),
            ("clear", clear),
            ("__reversed__", reversed),
        ],
    );
    types.dict_type.dict.set_by_name(
        "fromkeys",
        class_method(types, "dict", "fromkeys", fromkeys),
    );
}

fn receiver(value: &Value, name: &str) -> PyResult<Arc<Dict>> {
    match value {
        Value::Dict(dict) => Ok(dict.clone()),
        other => Err(PyErr::type_error(format!(
            "descriptor '{name}' for 'dict' objects doesn't apply to a '{}' object",
            other.type_name()
        ))),
    }
}

/// The dict and the other positional arguments, `min..=max` of them.
fn dict_args(args: Args, name: &str, min: usize, max: usize) -> PyResult<(Arc<Dict>, Vec<Value>)> {
    let (dict, rest) = method_args(args, "dict", name, min, max)?;
    Ok((receiver(&dict, name)?, rest))
}

fn get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, args) = dict_args(args, "get", 1, 2)?;
    let key = vm.hash_key(args[0].clone())?;
    Ok(dict
        .get(&key)
        .unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None)))
}

fn setdefault(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, args) = dict_args(args, "setdefault", 1, 2)?;
    let key = vm.hash_key(args[0].clone())?;
    let default = args.get(1).cloned().unwrap_or(Value::None);
    let value = dict.write().entry(key).or_insert(default).clone();
    Ok(value)
}

fn pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, args) = dict_args(args, "pop", 1, 2)?;
    let key = vm.hash_key(args[0].clone())?;
    match (dict.remove(&key), args.get(1)) {
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(PyErr::key_error(args[0].clone())),
    }
}

fn popitem(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "popitem", 0, 0)?;
    let last = dict.write().pop();
    match last {
        Some((key, value)) => Ok(Value::tuple(vec![key.value, value])),
        None => Err(PyErr::key_error(Value::str(
            "popitem(): dictionary is empty",
        ))),
    }
}

fn update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Args {
        mut positional,
        keywords,
    } = args;
    if positional.is_empty() {
        return Err(PyErr::type_error(
            "unbound method dict.update() needs an argument",
        ));
    }
    let dict = receiver(&positional.remove(0), "update")?;
    if positional.len() > 1 {
        return Err(PyErr::type_error(format!(
            "update expected at most 1 argument, got {}",
            positional.len()
        )));
    }
    if let Some(source) = positional.first() {
        // A dict updated from itself, or from another dict, is merged from a snapshot: no
        // lock is held while `dict_merge` may call back into Python.
        if let Value::Dict(other) = source {
            let pairs: Vec<_> = other
                .read()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut map = dict.write();
            for (key, value) in pairs {
                map.insert(key, value);
            }
        } else {
            dict_merge(vm, &dict, source)?;
        }
    }
    for (name, value) in keywords {
        dict.set_str(&name, value);
    }
    Ok(Value::None)
}

fn copy(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "copy", 0, 0)?;
    let map = dict.read().clone();
    Ok(Value::Dict(Dict::from_map(map)))
}

fn clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "clear", 0, 0)?;
    dict.write().clear();
    Ok(Value::None)
}

fn reversed(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "__reversed__", 0, 0)?;
    let mut items = dict.keys();
    items.reverse();
    Ok(PyIterator::new(IterState::Values { items, index: 0 }))
}

/// `dict.fromkeys(iterable, value=None)`: a classmethod, so `args[0]` is the class.
fn fromkeys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.keywords.is_empty() {
        return Err(PyErr::type_error(
            "dict.fromkeys() takes no keyword arguments",
        ));
    }
    let given = args.positional.len().saturating_sub(1);
    if !(1..=2).contains(&given) {
        return Err(PyErr::type_error(if given == 0 {
            "fromkeys expected at least 1 argument, got 0".to_owned()
        } else {
            format!("fromkeys expected at most 2 arguments, got {given}")
        }));
    }
    let args = args.positional;
    let value = args.get(2).cloned().unwrap_or(Value::None);
    let dict = Dict::new();
    for key in vm.collect(&args[1])? {
        let key = vm.hash_key(key)?;
        dict.insert(key, value.clone());
    }
    Ok(Value::Dict(dict))
}

// ---------------------------------------------------------------------------------------------
// Views

#[derive(Clone, Copy, PartialEq, Eq)]
enum ViewKind {
    Keys,
    Values,
    Items,
}

impl ViewKind {
    fn name(self) -> &'static str {
        match self {
            ViewKind::Keys => "dict_keys",
            ViewKind::Values => "dict_values",
            ViewKind::Items => "dict_items",
        }
    }
}

struct ViewClasses {
    keys: Arc<Class>,
    values: Arc<Class>,
    items: Arc<Class>,
}

/// The three view classes, made on first use (after `types()` exists: they derive from
/// `object`).
fn view_classes() -> &'static ViewClasses {
    static CLASSES: OnceLock<ViewClasses> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let make = |kind: ViewKind| {
            let class = builtin_class(kind.name(), &[&types().object_type], Layout::Native);
            add_methods(
                &class,
                kind.name(),
                &[
                    ("__new__", view_new),
                    ("__iter__", view_iter),
                    ("__reversed__", view_reversed),
                    ("__len__", view_len),
                    ("__contains__", view_contains),
                    ("__repr__", view_repr),
                    ("__eq__", view_eq),
                    ("__ne__", view_ne),
                ],
            );
            if kind != ViewKind::Values {
                add_methods(
                    &class,
                    kind.name(),
                    &[
                        ("__and__", view_and),
                        ("__rand__", view_and),
                        ("__or__", view_or),
                        ("__ror__", view_or),
                        ("__sub__", view_sub),
                        ("__rsub__", view_rsub),
                        ("__xor__", view_xor),
                        ("__rxor__", view_xor),
                        ("isdisjoint", view_isdisjoint),
                    ],
                );
            }
            class
        };
        ViewClasses {
            keys: make(ViewKind::Keys),
            values: make(ViewKind::Values),
            items: make(ViewKind::Items),
        }
    })
}

fn view(dict: Arc<Dict>, kind: ViewKind) -> Value {
    let classes = view_classes();
    let class = match kind {
        ViewKind::Keys => &classes.keys,
        ViewKind::Values => &classes.values,
        ViewKind::Items => &classes.items,
    };
    let payload = OnceLock::new();
    let _ = payload.set(dict as Arc<dyn std::any::Any + Send + Sync>);
    Value::Object(Object::new(class.clone(), Payload::Native(payload)))
}

/// The dict behind a view, and which view it is.
fn view_of(value: &Value) -> Option<(Arc<Dict>, ViewKind)> {
    let Value::Object(object) = value else {
        return None;
    };
    let classes = view_classes();
    let kind = if Arc::ptr_eq(&object.class, &classes.keys) {
        ViewKind::Keys
    } else if Arc::ptr_eq(&object.class, &classes.values) {
        ViewKind::Values
    } else if Arc::ptr_eq(&object.class, &classes.items) {
        ViewKind::Items
    } else {
        return None;
    };
    Some((object.native::<Dict>()?, kind))
}

fn view_receiver(
    args: Args,
    name: &str,
    extra: usize,
) -> PyResult<(Arc<Dict>, ViewKind, Vec<Value>)> {
    let mut args = positional(args, name, 1 + extra, 1 + extra)?;
    let first = args.remove(0);
    match view_of(&first) {
        Some((dict, kind)) => Ok((dict, kind, args)),
        None => Err(PyErr::type_error(format!(
            "descriptor '{name}' requires a dict view but received a '{}'",
            first.type_name()
        ))),
    }
}

/// The view's items right now.
fn snapshot(dict: &Dict, kind: ViewKind) -> Vec<Value> {
    let map = dict.read();
    match kind {
        ViewKind::Keys => map.keys().map(|k| k.value.clone()).collect(),
        ViewKind::Values => map.values().cloned().collect(),
        ViewKind::Items => map
            .iter()
            .map(|(k, v)| Value::tuple(vec![k.value.clone(), v.clone()]))
            .collect(),
    }
}

fn keys(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "keys", 0, 0)?;
    Ok(view(dict, ViewKind::Keys))
}

fn values(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "values", 0, 0)?;
    Ok(view(dict, ViewKind::Values))
}

fn items(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _) = dict_args(args, "items", 0, 0)?;
    Ok(view(dict, ViewKind::Items))
}

fn view_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = match args.positional.first() {
        Some(Value::Class(class)) => class.name.as_str().to_owned(),
        _ => "dict_keys".to_owned(),
    };
    Err(PyErr::type_error(format!(
        "cannot create '{name}' instances"
    )))
}

fn view_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, kind, _) = view_receiver(args, "__iter__", 0)?;
    Ok(PyIterator::new(IterState::Values {
        items: snapshot(&dict, kind),
        index: 0,
    }))
}

fn view_reversed(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, kind, _) = view_receiver(args, "__reversed__", 0)?;
    let mut items = snapshot(&dict, kind);
    items.reverse();
    Ok(PyIterator::new(IterState::Values { items, index: 0 }))
}

fn view_len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, _, _) = view_receiver(args, "__len__", 0)?;
    Ok(Value::Int(dict.len() as i64))
}

fn view_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, kind, args) = view_receiver(args, "__contains__", 1)?;
    let item = &args[0];
    Ok(Value::Bool(match kind {
        ViewKind::Keys => {
            let key = vm.hash_key(item.clone())?;
            dict.read().contains_key(&key)
        }
        ViewKind::Items => match item {
            Value::Tuple(pair) if pair.items().len() == 2 => {
                let key = vm.hash_key(pair.items()[0].clone())?;
                match dict.get(&key) {
                    Some(value) => value.is(&pair.items()[1]) || vm.eq(&value, &pair.items()[1])?,
                    None => false,
                }
            }
            _ => false,
        },
        ViewKind::Values => {
            let values = snapshot(&dict, kind);
            let mut found = false;
            for value in &values {
                if value.is(item) || vm.eq(value, item)? {
                    found = true;
                    break;
                }
            }
            found
        }
    }))
}

fn view_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, kind, _) = view_receiver(args, "__repr__", 0)?;
    let items = Value::list(snapshot(&dict, kind));
    Ok(Value::str(format!("{}({})", kind.name(), vm.repr(&items)?)))
}

/// The items of a set-like view or any iterable, as a set's keys.
fn key_set_of(vm: &mut Vm, value: &Value) -> PyResult<KeySet> {
    let items = match view_of(value) {
        Some((dict, kind)) => snapshot(&dict, kind),
        None => match value {
            Value::Set(set) => return Ok(set.read().clone()),
            other => vm.collect(other)?,
        },
    };
    let mut set = KeySet::default();
    for item in items {
        set.insert(vm.hash_key(item)?);
    }
    Ok(set)
}

fn view_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, kind, args) = view_receiver(args, "__eq__", 1)?;
    let other = &args[0];
    if kind == ViewKind::Values {
        return Ok(Value::Bool(
            matches!((view_of(other), Some(&dict)), (Some((o, ViewKind::Values)), Some(d)) if Arc::ptr_eq(&o, d)),
        ));
    }
    let comparable = matches!(other, Value::Set(_))
        || matches!(view_of(other), Some((_, k)) if k != ViewKind::Values);
    if !comparable {
        return Ok(Value::str("NotImplemented"));
    }
    let mine = key_set_of(vm, &view(dict, kind))?;
    let theirs = key_set_of(vm, other)?;
    Ok(Value::Bool(
        mine.len() == theirs.len() && mine.iter().all(|k| theirs.contains(k)),
    ))
}

fn view_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match view_eq(vm, args)? {
        Value::Bool(equal) => Ok(Value::Bool(!equal)),
        other => Ok(other),
    }
}

/// A set operation between a view and any iterable; the result is a `set`.
fn set_operation(
    vm: &mut Vm,
    args: Args,
    name: &str,
    combine: fn(&KeySet, &KeySet) -> KeySet,
) -> PyResult<Value> {
    let (dict, kind, args) = view_receiver(args, name, 1)?;
    let mine = key_set_of(vm, &view(dict, kind))?;
    let theirs = key_set_of(vm, &args[0])?;
    Ok(Value::Set(Set::new(combine(&mine, &theirs), false)))
}

fn view_and(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_operation(vm, args, "__and__", |a, b| {
        a.iter().filter(|k| b.contains(*k)).cloned().collect()
    })
}

fn view_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_operation(vm, args, "__or__", |a, b| {
        a.iter().chain(b.iter()).cloned().collect()
    })
}

fn view_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_operation(vm, args, "__sub__", |a, b| {
        a.iter().filter(|k| !b.contains(*k)).cloned().collect()
    })
}

fn view_rsub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_operation(vm, args, "__rsub__", |a, b| {
        b.iter().filter(|k| !a.contains(*k)).cloned().collect()
    })
}

fn view_xor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_operation(vm, args, "__xor__", |a, b| {
        a.iter()
            .filter(|k| !b.contains(*k))
            .chain(b.iter().filter(|k| !a.contains(*k)))
            .cloned()
            .collect()
    })
}

fn view_isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (dict, kind, args) = view_receiver(args, "isdisjoint", 1)?;
    let mine = key_set_of(vm, &view(dict, kind))?;
    let theirs = key_set_of(vm, &args[0])?;
    Ok(Value::Bool(!mine.iter().any(|k| theirs.contains(k))))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, call_kw, i, outcome, s, show, vm};
    use crate::objects::types::types;
    use crate::objects::{Dict, Value};

    fn sample() -> Value {
        let dict = Dict::new();
        dict.set_by_name("a", i(1));
        dict.set_by_name("b", i(2));
        Value::Dict(dict)
    }

    #[test]
    fn views_print_and_follow_the_dict() {
        let mut vm = vm();
        let d = sample();
        assert_eq!(show(&mut vm, &d, "keys", vec![]), "dict_keys(['a', 'b'])");
        assert_eq!(show(&mut vm, &d, "values", vec![]), "dict_values([1, 2])");
        assert_eq!(
            show(&mut vm, &d, "items", vec![]),
            "dict_items([('a', 1), ('b', 2)])"
        );
        let keys = call(&mut vm, &d, "keys", vec![]).unwrap();
        call(&mut vm, &d, "setdefault", vec![s("c"), i(3)]).unwrap();
        assert_eq!(vm.repr(&keys).unwrap(), "dict_keys(['a', 'b', 'c'])");
        assert_eq!(vm.len(&keys).unwrap(), 3);
        assert!(vm.contains(&keys, &s("c")).unwrap());
        let items = call(&mut vm, &d, "items", vec![]).unwrap();
        assert!(vm
            .contains(&items, &Value::tuple(vec![s("a"), i(1)]))
            .unwrap());
        assert!(!vm
            .contains(&items, &Value::tuple(vec![s("a"), i(2)]))
            .unwrap());
        let listed = vm.collect(&items).unwrap();
        assert_eq!(
            vm.repr(&Value::list(listed)).unwrap(),
            "[('a', 1), ('b', 2), ('c', 3)]"
        );
        let set = Value::Set(crate::objects::Set::new(
            crate::builtins::constructors::key_set(
                &mut vm,
                Some(&Value::list(vec![s("a"), s("b"), s("c")])),
            )
            .unwrap(),
            false,
        ));
        assert!(vm.eq(&keys, &set).unwrap());
        let both = vm.binary_op(
            &keys,
            &Value::list(vec![s("a"), s("z")]),
            crate::bytecode::BinaryOperator::And,
        );
        assert_eq!(outcome(&mut vm, both), "{'a'}");
    }

    #[test]
    fn methods() {
        let mut vm = vm();
        let d = sample();
        assert_eq!(show(&mut vm, &d, "get", vec![s("a")]), "1");
        assert_eq!(show(&mut vm, &d, "get", vec![s("z")]), "None");
        assert_eq!(show(&mut vm, &d, "get", vec![s("z"), i(0)]), "0");
        assert_eq!(
            show(&mut vm, &d, "get", vec![Value::list(vec![])]),
            "TypeError: unhashable type: 'list'"
        );
        assert_eq!(show(&mut vm, &d, "setdefault", vec![s("a"), i(9)]), "1");
        assert_eq!(show(&mut vm, &d, "pop", vec![s("a")]), "1");
        assert_eq!(show(&mut vm, &d, "pop", vec![s("a")]), "KeyError: 'a'");
        assert_eq!(show(&mut vm, &d, "pop", vec![s("a"), Value::None]), "None");
        let result = call_kw(
            &mut vm,
            &d,
            "update",
            vec![Value::list(vec![Value::tuple(vec![s("x"), i(5)])])],
            vec![("y", i(6))],
        );
        assert_eq!(outcome(&mut vm, result), "None");
        assert_eq!(vm.repr(&d).unwrap(), "{'b': 2, 'x': 5, 'y': 6}");
        assert_eq!(
            show(&mut vm, &d, "update", vec![i(1), i(2)]),
            "TypeError: update expected at most 1 argument, got 2"
        );
        assert_eq!(show(&mut vm, &d, "popitem", vec![]), "('y', 6)");
        let copy = call(&mut vm, &d, "copy", vec![]).unwrap();
        call(&mut vm, &d, "clear", vec![]).unwrap();
        assert_eq!(vm.repr(&copy).unwrap(), "{'b': 2, 'x': 5}");
        assert_eq!(
            show(&mut vm, &d, "popitem", vec![]),
            "KeyError: 'popitem(): dictionary is empty'"
        );
        let dict_class = Value::Class(types().dict_type.clone());
        assert_eq!(
            show(&mut vm, &dict_class, "fromkeys", vec![s("ab")]),
            "{'a': None, 'b': None}"
        );
        assert_eq!(
            show(&mut vm, &copy, "fromkeys", vec![s("ab"), i(0)]),
            "{'a': 0, 'b': 0}"
        );
    }
}
