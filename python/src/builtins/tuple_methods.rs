//! `tuple` methods: `index` and `count`.

use super::args::int_arg;
use super::{add_methods, method_args};
use crate::objects::types::BuiltinTypes;
use crate::objects::{Args, Tuple, Value};
use crate::vm::{PyErr, PyResult, Vm};
use std::sync::Arc;

pub(super) fn install(types: &BuiltinTypes) {
    add_methods(
        &types.tuple_type,
        "tuple",
        &[("index", index), ("count", count)],
    );
}

fn tuple_args(
    args: Args,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<(Arc<Tuple>, Vec<Value>)> {
    match method_args(args, "tuple", name, min, max)? {
        (Value::Tuple(tuple), rest) => Ok((tuple, rest)),
        (other, _) => Err(PyErr::type_error(format!(
            "descriptor '{name}' for 'tuple' objects doesn't apply to a '{}' object",
            other.type_name()
        ))),
    }
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (tuple, args) = tuple_args(args, "index", 1, 3)?;
    let items = tuple.items();
    let len = items.len() as i64;
    let clamp = |i: i64| if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
    let start = match args.get(1) {
        Some(v) => clamp(int_arg(v)?),
        None => 0,
    };
    let stop = match args.get(2) {
        Some(v) => clamp(int_arg(v)?),
        None => items.len(),
    };
    for (at, item) in items.iter().enumerate().take(stop).skip(start) {
        if item.is(&args[0]) || vm.eq(item, &args[0])? {
            return Ok(Value::Int(at as i64));
        }
    }
    Err(PyErr::value_error("tuple.index(x): x not in tuple"))
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (tuple, args) = tuple_args(args, "count", 1, 1)?;
    let mut n = 0;
    for item in tuple.items() {
        if item.is(&args[0]) || vm.eq(item, &args[0])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{i, s, show, vm};
    use crate::objects::Value;

    #[test]
    fn index_and_count() {
        let mut vm = vm();
        let t = Value::tuple(vec![i(1), s("a"), i(1), Value::Float(1.0)]);
        assert_eq!(show(&mut vm, &t, "count", vec![i(1)]), "3");
        assert_eq!(show(&mut vm, &t, "index", vec![s("a")]), "1");
        assert_eq!(show(&mut vm, &t, "index", vec![i(1), i(1)]), "2");
        assert_eq!(show(&mut vm, &t, "index", vec![i(1), i(-1)]), "3");
        assert_eq!(
            show(&mut vm, &t, "index", vec![s("a"), i(2)]),
            "ValueError: tuple.index(x): x not in tuple"
        );
        assert_eq!(
            show(&mut vm, &t, "count", vec![]),
            "TypeError: tuple.count() takes exactly one argument (0 given)"
        );
    }
}
