//! `list` methods, and the stable sort `sorted()` shares.

use std::sync::Arc;

use super::add_methods;
use super::args::{bind, int_arg, method, positional};
use crate::objects::types::BuiltinTypes;
use crate::objects::{Args, List, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    add_methods(
        &types.list_type,
        "list",
        &[
            ("append", append),
            ("extend", extend),
            ("insert", insert),
            ("pop", pop),
            ("remove", remove),
            ("index", index),
            ("count", count),
            ("sort", sort),
            ("reverse", reverse),
            ("copy", copy),
            ("clear", clear),
        ],
    );
}

fn receiver(value: &Value) -> PyResult<Arc<List>> {
    match value {
        Value::List(list) => Ok(list.clone()),
        other => Err(PyErr::type_error(format!(
            "descriptor requires a 'list' object but received a '{}'",
            other.type_name()
        ))),
    }
}

fn append(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, args) = method(args, "append", 1, 1)?;
    receiver(&list)?.push(args.into_iter().next().unwrap_or(Value::None));
    Ok(Value::None)
}

fn extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, args) = method(args, "extend", 1, 1)?;
    let items = vm.collect(&args[0])?;
    receiver(&list)?.write().extend(items);
    Ok(Value::None)
}

fn insert(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, mut args) = method(args, "insert", 2, 2)?;
    let item = args.pop().unwrap_or(Value::None);
    let at = int_arg(&args[0])?;
    let list = receiver(&list)?;
    let mut items = list.write();
    let len = items.len() as i64;
    let at = if at < 0 {
        (at + len).max(0)
    } else {
        at.min(len)
    };
    items.insert(at as usize, item);
    Ok(Value::None)
}

fn pop(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, args) = method(args, "pop", 0, 1)?;
    let list = receiver(&list)?;
    let mut items = list.write();
    if items.is_empty() {
        return Err(PyErr::index_error("pop from empty list"));
    }
    let len = items.len() as i64;
    let at = match args.first() {
        Some(index) => int_arg(index)?,
        None => len - 1,
    };
    let at = if at < 0 { at + len } else { at };
    if at < 0 || at >= len {
        return Err(PyErr::index_error("pop index out of range"));
    }
    Ok(items.remove(at as usize))
}

/// The index of the first item equal to `target`, comparing without holding the lock.
fn find(
    vm: &mut Vm,
    list: &List,
    target: &Value,
    start: usize,
    stop: usize,
) -> PyResult<Option<usize>> {
    let items = list.snapshot();
    for (index, item) in items.iter().enumerate().take(stop).skip(start) {
        if item.is(target) || vm.eq(item, target)? {
            return Ok(Some(index));
        }
    }
    Ok(None)
}

fn remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, args) = method(args, "remove", 1, 1)?;
    let list = receiver(&list)?;
    match find(vm, &list, &args[0], 0, usize::MAX)? {
        Some(at) => {
            let mut items = list.write();
            if at < items.len() {
                items.remove(at);
            }
            Ok(Value::None)
        }
        None => Err(PyErr::value_error("list.remove(x): x not in list")),
    }
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, args) = method(args, "index", 1, 3)?;
    let list = receiver(&list)?;
    let len = list.len() as i64;
    let clamp = |i: i64| if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
    let start = match args.get(1) {
        Some(v) => clamp(int_arg(v)?),
        None => 0,
    };
    let stop = match args.get(2) {
        Some(v) => clamp(int_arg(v)?),
        None => len as usize,
    };
    match find(vm, &list, &args[0], start, stop)? {
        Some(at) => Ok(Value::Int(at as i64)),
        None => {
            let shown = vm.repr(&args[0])?;
            Err(PyErr::value_error(format!("{shown} is not in list")))
        }
    }
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, args) = method(args, "count", 1, 1)?;
    let items = receiver(&list)?.snapshot();
    let mut n = 0;
    for item in &items {
        if item.is(&args[0]) || vm.eq(item, &args[0])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn sort(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Args {
        positional: args,
        keywords,
    } = args;
    let args = positional(Args::new(args), "sort", 1, 1)?;
    let list = receiver(&args[0])?;
    sort_list(vm, &list, keywords)?;
    Ok(Value::None)
}

/// `list.sort(key=None, reverse=False)`: stable, using only `<`, like CPython's. The list is
/// sorted on a copy and written back, so a key function may run Python code safely.
pub(crate) fn sort_list(
    vm: &mut Vm,
    list: &List,
    keywords: Vec<(Arc<PyStr>, Value)>,
) -> PyResult<()> {
    let slots = bind(
        Args {
            positional: vec![],
            keywords,
        },
        "sort",
        &["key", "reverse"],
        0,
    )?;
    let key = slots[0].clone().filter(|k| !k.is_none());
    let reverse = match &slots[1] {
        Some(value) => vm.is_true(value)?,
        None => false,
    };
    let items = list.snapshot();
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        let sort_key = match &key {
            Some(key) => vm.call_positional(key, vec![item.clone()])?,
            None => item.clone(),
        };
        keyed.push((sort_key, item));
    }
    if reverse {
        keyed.reverse();
    }
    let sorted = merge_sort(vm, keyed)?;
    let mut result: Vec<Value> = sorted.into_iter().map(|(_, item)| item).collect();
    if reverse {
        result.reverse();
    }
    *list.write() = result;
    Ok(())
}

/// A stable merge sort whose comparison may fail (a `TypeError` from `<`). Rust's own sorts
/// may panic on an inconsistent order, which a user's `__lt__` can be.
fn merge_sort(vm: &mut Vm, items: Vec<(Value, Value)>) -> PyResult<Vec<(Value, Value)>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut items = items;
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(vm, items)?;
    let right = merge_sort(vm, right)?;
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        // Take from the right only when strictly smaller: that keeps the sort stable.
        if vm.less_than(&r.0, &l.0)? {
            merged.push(right.next().expect("peeked"));
        } else {
            merged.push(left.next().expect("peeked"));
        }
    }
    merged.extend(left);
    merged.extend(right);
    Ok(merged)
}

fn reverse(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, _) = method(args, "reverse", 0, 0)?;
    receiver(&list)?.write().reverse();
    Ok(Value::None)
}

fn copy(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, _) = method(args, "copy", 0, 0)?;
    Ok(Value::list(receiver(&list)?.snapshot()))
}

fn clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (list, _) = method(args, "clear", 0, 0)?;
    receiver(&list)?.write().clear();
    Ok(Value::None)
}
