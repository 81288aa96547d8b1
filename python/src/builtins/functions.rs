//! The builtin functions (`print`, `len`, `sorted`, …). The builtin types (`int`, `list`, …)
//! are in `constructors.rs`.

use std::sync::Arc;

use super::args::{self, bind, positional};
use crate::objects::int::Int;
use crate::objects::types::{types, ExcKind};
use crate::objects::{Args, Builtin, IterState, PyIterator, Value};
use crate::vm::{PyErr, PyResult, Stream, Vm};

pub(super) fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("print", Builtin::new("print", print)),
        ("len", Builtin::new("len", len)),
        ("repr", Builtin::new("repr", repr)),
        ("ascii", Builtin::new("ascii", ascii)),
        ("abs", Builtin::new("abs", abs)),
        ("min", Builtin::new("min", min)),
        ("max", Builtin::new("max", max)),
        ("sum", Builtin::new("sum", sum)),
        ("sorted", Builtin::new("sorted", sorted)),
        ("reversed", Builtin::new("reversed", reversed)),
        ("any", Builtin::new("any", any)),
        ("all", Builtin::new("all", all_)),
        ("isinstance", Builtin::new("isinstance", isinstance)),
        ("issubclass", Builtin::new("issubclass", issubclass)),
        ("id", Builtin::new("id", id)),
        ("hash", Builtin::new("hash", hash)),
        ("iter", Builtin::new("iter", iter)),
        ("next", Builtin::new("next", next)),
        ("getattr", Builtin::new("getattr", getattr)),
        ("setattr", Builtin::new("setattr", setattr)),
        ("hasattr", Builtin::new("hasattr", hasattr)),
        ("delattr", Builtin::new("delattr", delattr)),
        ("callable", Builtin::new("callable", callable)),
        ("divmod", Builtin::new("divmod", divmod)),
        ("pow", Builtin::new("pow", pow)),
        ("ord", Builtin::new("ord", ord)),
        ("chr", Builtin::new("chr", chr)),
        ("round", Builtin::new("round", round)),
        ("input", Builtin::new("input", input)),
        ("hex", Builtin::new("hex", hex)),
        ("bin", Builtin::new("bin", bin)),
        ("oct", Builtin::new("oct", oct)),
        ("format", Builtin::new("format", format)),
        ("globals", Builtin::new("globals", globals)),
        ("locals", Builtin::new("locals", locals)),
        ("vars", Builtin::new("vars", vars)),
        ("dir", Builtin::new("dir", dir)),
    ]
}

fn print(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let mut sep = " ".to_owned();
    let mut end = "\n".to_owned();
    let mut stream = Stream::Stdout;
    for (name, value) in std::mem::take(&mut args.keywords) {
        match (name.as_str(), &value) {
            ("sep", Value::None) | ("end", Value::None) | ("flush", _) | ("file", Value::None) => {}
            ("sep", Value::Str(s)) => sep = s.as_str().to_owned(),
            ("end", Value::Str(s)) => end = s.as_str().to_owned(),
            ("sep" | "end", other) => {
                return Err(PyErr::type_error(format!(
                    "{} must be None or a string, not {}",
                    name.as_str(),
                    other.type_name()
                )))
            }
            ("file", file) => stream = super::stream_of(file)?,
            _ => {
                return Err(PyErr::type_error(format!(
                    "'{}' is an invalid keyword argument for print()",
                    name.as_str()
                )))
            }
        }
    }
    let mut text = String::new();
    for (index, value) in args.positional.iter().enumerate() {
        if index > 0 {
            text.push_str(&sep);
        }
        text.push_str(&vm.str(value)?);
    }
    text.push_str(&end);
    vm.interp.write(stream, &text);
    Ok(Value::None)
}

fn len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "len", 1, 1)?;
    Ok(Value::Int(vm.len(&args[0])? as i64))
}

fn repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "repr", 1, 1)?;
    Ok(Value::str(vm.repr(&args[0])?))
}

fn ascii(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "ascii", 1, 1)?;
    Ok(Value::str(super::ascii(&vm.repr(&args[0])?)))
}

fn abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "abs", 1, 1)?;
    match &args[0] {
        Value::Float(f) => Ok(Value::Float(f.abs())),
        value => match Int::of(value) {
            Some(i) if i.is_negative() => Ok(crate::objects::int::int_neg(&i)),
            Some(Int::Small(i)) => Ok(Value::Int(i)),
            Some(_) => Ok(value.clone()),
            None => match vm.call_special(value, "__abs__", vec![])? {
                Some(result) => Ok(result),
                None => Err(PyErr::type_error(format!(
                    "bad operand type for abs(): '{}'",
                    value.type_name()
                ))),
            },
        },
    }
}

/// `min` and `max`: one iterable or several arguments, `key=`, `default=`.
fn extreme(vm: &mut Vm, mut args: Args, name: &str, want_less: bool) -> PyResult<Value> {
    let mut key = Value::None;
    let mut default = None;
    for (kw, value) in std::mem::take(&mut args.keywords) {
        match kw.as_str() {
            "key" => key = value,
            "default" => default = Some(value),
            other => {
                return Err(PyErr::type_error(format!(
                    "'{other}' is an invalid keyword argument for {name}()"
                )))
            }
        }
    }
    let items = match args.positional.len() {
        0 => {
            return Err(PyErr::type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )))
        }
        1 => vm.collect(&args.positional[0])?,
        _ => {
            if default.is_some() {
                return Err(PyErr::type_error(format!(
                    "Cannot specify a default for {name}() with multiple positional arguments"
                )));
            }
            args.positional
        }
    };
    let mut best: Option<(Value, Value)> = None;
    for item in items {
        let item_key = if key.is_none() {
            item.clone()
        } else {
            vm.call_positional(&key, vec![item.clone()])?
        };
        let replace = match &best {
            None => true,
            Some((_, best_key)) => {
                if want_less {
                    vm.less_than(&item_key, best_key)?
                } else {
                    vm.less_than(best_key, &item_key)?
                }
            }
        };
        if replace {
            best = Some((item, item_key));
        }
    }
    match (best, default) {
        (Some((item, _)), _) => Ok(item),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(PyErr::value_error(format!(
            "{name}() arg is an empty sequence"
        ))),
    }
}

fn min(vm: &mut Vm, args: Args) -> PyResult<Value> {
    extreme(vm, args, "min", true)
}

fn max(vm: &mut Vm, args: Args) -> PyResult<Value> {
    extreme(vm, args, "max", false)
}

fn sum(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut slots = bind(args, "sum", &["iterable", "start"], 1)?;
    let start = slots[1].take().unwrap_or(Value::Int(0));
    if let Value::Str(_) = start {
        return Err(PyErr::type_error(
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    let iterable = slots[0].take().unwrap_or(Value::None);
    let iterator = vm.get_iter(&iterable)?;
    let mut total = start;
    while let Some(item) = vm.next(&iterator)? {
        total = vm.binary_op(&total, &item, crate::bytecode::BinaryOperator::Add)?;
    }
    Ok(total)
}

fn sorted(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Args {
        positional,
        keywords,
    } = args;
    let items = match positional.as_slice() {
        [iterable] => vm.collect(iterable)?,
        _ => {
            return Err(PyErr::type_error(format!(
                "sorted expected 1 argument, got {}",
                positional.len()
            )))
        }
    };
    let list = crate::objects::List::new(items);
    super::list_methods::sort_list(vm, &list, keywords)?;
    Ok(Value::List(list))
}

/// `reversed(seq)`: an iterator over a snapshot of the items, last first (a range counts
/// down lazily); other objects through `__reversed__`, or `__len__` and `__getitem__`.
fn reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.keywords.is_empty() {
        return Err(PyErr::type_error("reversed() takes no keyword arguments"));
    }
    if args.positional.len() != 1 {
        return Err(PyErr::type_error(format!(
            "reversed expected 1 argument, got {}",
            args.positional.len()
        )));
    }
    let sequence = &args.positional[0];
    let mut items = match sequence {
        Value::List(list) => list.snapshot(),
        Value::Tuple(tuple) => tuple.items().to_vec(),
        Value::Str(text) => text
            .as_str()
            .chars()
            .map(|c| Value::str(c.to_string()))
            .collect(),
        Value::Bytes(bytes) => bytes.iter().map(|&b| Value::Int(b as i64)).collect(),
        Value::Range(range) => {
            let remaining = range.len();
            let state = if remaining == 0 {
                IterState::Exhausted
            } else {
                IterState::Range {
                    next: range.get(remaining - 1),
                    step: -range.step,
                    remaining,
                }
            };
            return Ok(PyIterator::new(state));
        }
        _ => {
            if let Some(iterator) = vm.call_special(sequence, "__reversed__", vec![])? {
                return Ok(iterator);
            }
            let is_sequence = matches!(sequence, Value::Object(_))
                && vm.lookup_special(sequence, "__len__").is_some()
                && vm.lookup_special(sequence, "__getitem__").is_some();
            if !is_sequence {
                return Err(PyErr::type_error(format!(
                    "'{}' object is not reversible",
                    sequence.type_name()
                )));
            }
            let len = vm.len(sequence)?;
            let mut items = Vec::with_capacity(len);
            for index in 0..len {
                items.push(vm.get_item(sequence, &Value::Int(index as i64))?);
            }
            items
        }
    };
    items.reverse();
    Ok(PyIterator::new(IterState::Values { items, index: 0 }))
}

fn any(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "any", 1, 1)?;
    let iterator = vm.get_iter(&args[0])?;
    while let Some(item) = vm.next(&iterator)? {
        if vm.is_true(&item)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn all_(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "all", 1, 1)?;
    let iterator = vm.get_iter(&args[0])?;
    while let Some(item) = vm.next(&iterator)? {
        if !vm.is_true(&item)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// `isinstance(obj, C)` and `issubclass` share the "class or tuple of classes" rule.
fn class_matches(
    class: &Arc<crate::objects::Class>,
    pattern: &Value,
    function: &str,
) -> PyResult<bool> {
    match pattern {
        Value::Class(target) => Ok(class.is_subclass(target)),
        Value::Tuple(tuple) => {
            for item in tuple.items() {
                if class_matches(class, item, function)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(PyErr::type_error(format!(
            "{function}() arg 2 must be a type, a tuple of types, or a union"
        ))),
    }
}

fn isinstance(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "isinstance", 2, 2)?;
    let class = args[0].class();
    // bool is a subclass of int, and an int is never a bool: the class test handles both.
    Ok(Value::Bool(class_matches(&class, &args[1], "isinstance")?))
}

fn issubclass(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "issubclass", 2, 2)?;
    let Value::Class(class) = &args[0] else {
        return Err(PyErr::type_error("issubclass() arg 1 must be a class"));
    };
    Ok(Value::Bool(class_matches(class, &args[1], "issubclass")?))
}

fn id(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "id", 1, 1)?;
    let value = &args[0];
    Ok(Value::Int(match value.identity() {
        Some(address) => address as i64,
        // Inline values have no address; derive a stable fake one from the value.
        None => {
            0x7f00_0000_0000
                + (crate::objects::dict::hash_of(value).unwrap_or(0) as i64 & 0x0fff_ffff) * 16
        }
    }))
}

fn hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "hash", 1, 1)?;
    if let Value::Object(_) = &args[0] {
        if let Some(result) = vm.call_special(&args[0], "__hash__", vec![])? {
            return Ok(result);
        }
    }
    let key = vm.hash_key(args[0].clone())?;
    Ok(Value::Int(key.hash as i64))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "iter", 1, 2)?;
    if args.len() == 2 {
        return Ok(PyIterator::new(IterState::Callable {
            function: args[0].clone(),
            sentinel: args[1].clone(),
        }));
    }
    vm.get_iter(&args[0])
}

fn next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "next", 1, 2)?;
    if !matches!(args[0], Value::Iterator(_)) && vm.lookup_special(&args[0], "__next__").is_none() {
        return Err(PyErr::type_error(format!(
            "'{}' object is not an iterator",
            args[0].type_name()
        )));
    }
    match vm.next(&args[0])? {
        Some(value) => Ok(value),
        None => match args.get(1) {
            Some(default) => Ok(default.clone()),
            None => Err(PyErr::stop_iteration()),
        },
    }
}

fn attribute_name(value: &Value) -> PyResult<Arc<crate::objects::PyStr>> {
    match value {
        Value::Str(s) => Ok(s.clone()),
        other => Err(PyErr::type_error(format!(
            "attribute name must be string, not '{}'",
            other.type_name()
        ))),
    }
}

fn getattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "getattr", 2, 3)?;
    let name = attribute_name(&args[1])?;
    match vm.get_attr(&args[0], &name) {
        Ok(value) => Ok(value),
        Err(error) if error.is(ExcKind::AttributeError) && args.len() == 3 => Ok(args[2].clone()),
        Err(error) => Err(error),
    }
}

fn setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut args = positional(args, "setattr", 3, 3)?;
    let name = attribute_name(&args[1])?;
    let value = args.pop().unwrap_or(Value::None);
    vm.set_attr(&args[0], &name, value)?;
    Ok(Value::None)
}

fn hasattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "hasattr", 2, 2)?;
    let name = attribute_name(&args[1])?;
    match vm.get_attr(&args[0], &name) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(error) if error.is(ExcKind::AttributeError) => Ok(Value::Bool(false)),
        Err(error) => Err(error),
    }
}

fn delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "delattr", 2, 2)?;
    let name = attribute_name(&args[1])?;
    vm.del_attr(&args[0], &name)?;
    Ok(Value::None)
}

fn callable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "callable", 1, 1)?;
    Ok(Value::Bool(match &args[0] {
        Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) | Value::Class(_) => true,
        Value::Object(_) => vm.lookup_special(&args[0], "__call__").is_some(),
        _ => false,
    }))
}

fn divmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "divmod", 2, 2)?;
    let quotient = vm.binary_op(
        &args[0],
        &args[1],
        crate::bytecode::BinaryOperator::FloorDivide,
    )?;
    let remainder = vm.binary_op(&args[0], &args[1], crate::bytecode::BinaryOperator::Modulo)?;
    Ok(Value::tuple(vec![quotient, remainder]))
}

fn pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(args, "pow", &["base", "exp", "mod"], 2)?;
    let (base, exponent) = (
        slots[0].clone().unwrap_or(Value::None),
        slots[1].clone().unwrap_or(Value::None),
    );
    match &slots[2] {
        None | Some(Value::None) => {
            vm.binary_op(&base, &exponent, crate::bytecode::BinaryOperator::Power)
        }
        Some(modulus) => match (Int::of(&base), Int::of(&exponent), Int::of(modulus)) {
            (Some(b), Some(e), Some(m)) => {
                if m.is_zero() {
                    return Err(PyErr::value_error("pow() 3rd argument cannot be 0"));
                }
                if e.is_negative() {
                    return Err(PyErr::value_error(
                        "base is not invertible for the given modulus",
                    ));
                }
                let m = m.to_bigint();
                let r = b.to_bigint().modpow(&e.to_bigint(), &m);
                // Python's result takes the sign of the modulus.
                let r = if r != num_bigint::BigInt::from(0)
                    && (r < num_bigint::BigInt::from(0)) != (m < num_bigint::BigInt::from(0))
                {
                    r + &m
                } else {
                    r
                };
                Ok(crate::objects::int_from_bigint(r))
            }
            _ => Err(PyErr::type_error(
                "pow() 3rd argument not allowed unless all arguments are integers",
            )),
        },
    }
}

fn ord(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "ord", 1, 1)?;
    match &args[0] {
        Value::Str(s) => {
            let mut chars = s.as_str().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(Value::Int(c as i64)),
                _ => Err(PyErr::type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.char_len()
                ))),
            }
        }
        other => Err(PyErr::type_error(format!(
            "ord() expected string of length 1, but {} found",
            other.type_name()
        ))),
    }
}

fn chr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "chr", 1, 1)?;
    let code = args::int_arg(&args[0])?;
    match u32::try_from(code).ok().and_then(char::from_u32) {
        Some(c) => Ok(Value::str(c.to_string())),
        None => Err(PyErr::value_error("chr() arg not in range(0x110000)")),
    }
}

fn round(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(args, "round", &["number", "ndigits"], 1)?;
    let number = slots[0].clone().unwrap_or(Value::None);
    let digits = match &slots[1] {
        None | Some(Value::None) => None,
        Some(d) => Some(args::int_arg(d)?),
    };
    match (&number, digits) {
        (Value::Float(f), None) => {
            if !f.is_finite() {
                return Err(PyErr::new(
                    if f.is_nan() {
                        ExcKind::ValueError
                    } else {
                        ExcKind::OverflowError
                    },
                    if f.is_nan() {
                        "cannot convert float NaN to integer"
                    } else {
                        "cannot convert float infinity to integer"
                    },
                ));
            }
            let rounded = f.round_ties_even();
            Ok(crate::builtins::constructors::float_to_int(rounded))
        }
        (Value::Float(f), Some(digits)) => Ok(Value::Float(round_float(*f, digits))),
        (value, None) if Int::of(value).is_some() => Ok(match value {
            Value::Bool(b) => Value::Int(*b as i64),
            other => other.clone(),
        }),
        (value, Some(digits)) if Int::of(value).is_some() => {
            if digits >= 0 {
                return Ok(value.clone());
            }
            let scale = crate::objects::int_from_bigint(num_traits::pow::Pow::pow(
                num_bigint::BigInt::from(10),
                (-digits) as u64,
            ));
            let half_down =
                vm.binary_op(value, &scale, crate::bytecode::BinaryOperator::FloorDivide)?;
            let remainder = vm.binary_op(value, &scale, crate::bytecode::BinaryOperator::Modulo)?;
            let twice = vm.binary_op(
                &remainder,
                &Value::Int(2),
                crate::bytecode::BinaryOperator::Multiply,
            )?;
            let bump = match vm.ordering(&twice, &scale)? {
                Some(std::cmp::Ordering::Greater) => true,
                Some(std::cmp::Ordering::Equal) => {
                    matches!(Int::of(&half_down), Some(Int::Small(q)) if q % 2 != 0)
                }
                _ => false,
            };
            let quotient = if bump {
                vm.binary_op(
                    &half_down,
                    &Value::Int(1),
                    crate::bytecode::BinaryOperator::Add,
                )?
            } else {
                half_down
            };
            vm.binary_op(&quotient, &scale, crate::bytecode::BinaryOperator::Multiply)
        }
        (value, _) => {
            match vm.call_special(value, "__round__", slots[1].clone().into_iter().collect())? {
                Some(result) => Ok(result),
                None => Err(PyErr::type_error(format!(
                    "type {} doesn't define __round__ method",
                    value.type_name()
                ))),
            }
        }
    }
}

/// `round(x, n)` for floats: correctly rounded, ties to even on the exact binary value, as
/// CPython does (`round(2.675, 2) == 2.67`).
fn round_float(x: f64, digits: i64) -> f64 {
    if !x.is_finite() || digits > 300 {
        return x;
    }
    if digits < -308 {
        return 0.0f64.copysign(x);
    }
    let text = format!("{:.*e}", 17, x);
    let _ = text;
    // Format with `digits` decimals using exact decimal expansion, then parse back.
    if digits >= 0 {
        let formatted = format!("{:.*}", digits as usize, x);
        formatted.parse().unwrap_or(x)
    } else {
        let scale = 10f64.powi((-digits) as i32);
        (x / scale).round_ties_even() * scale
    }
}

fn input(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "input", 0, 1)?;
    if let Some(prompt) = args.first() {
        let prompt = vm.str(prompt)?;
        vm.interp.write(Stream::Stdout, &prompt);
    }
    match vm.interp.output.read_line() {
        crate::vm::InputLine::Line(line) => Ok(Value::str(line)),
        crate::vm::InputLine::EndOfFile => {
            Err(PyErr::new(ExcKind::EOFError, "EOF when reading a line"))
        }
        crate::vm::InputLine::Unavailable => Err(PyErr::new(
            ExcKind::EOFError,
            "input() is not available here: threadlab programs run without a keyboard",
        )),
    }
}

fn radix(args: Args, name: &str, prefix: &str, base: u32) -> PyResult<Value> {
    let args = positional(args, name, 1, 1)?;
    let Some(value) = Int::of(&args[0]) else {
        return Err(PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            args[0].type_name()
        )));
    };
    let number = value.to_bigint();
    let digits = number.magnitude().to_str_radix(base);
    let sign = if value.is_negative() { "-" } else { "" };
    Ok(Value::str(format!("{sign}{prefix}{digits}")))
}

fn hex(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    radix(args, "hex", "0x", 16)
}

fn bin(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    radix(args, "bin", "0b", 2)
}

fn oct(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    radix(args, "oct", "0o", 8)
}

fn format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "format", 1, 2)?;
    let spec = match args.get(1) {
        Some(Value::Str(s)) => s.as_str().to_owned(),
        Some(other) => {
            return Err(PyErr::type_error(format!(
                "format() argument 2 must be str, not {}",
                other.type_name()
            )))
        }
        None => String::new(),
    };
    Ok(Value::str(super::format::format_value(
        vm, &args[0], &spec,
    )?))
}

fn globals(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "globals", 0, 0)?;
    // The caller's frame: builtins run without a frame of their own.
    Ok(Value::Dict(vm.frame().globals.clone()))
}

fn locals(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "locals", 0, 0)?;
    let frame = vm.frame();
    if let Some(namespace) = &frame.namespace {
        return Ok(Value::Dict(namespace.clone()));
    }
    let dict = crate::objects::Dict::new();
    for (name, value) in frame.code.varnames.iter().zip(frame.fast.iter()) {
        if let Some(value) = value {
            dict.set_str(name, value.clone());
        }
    }
    Ok(Value::Dict(dict))
}

fn vars(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "vars", 0, 1)?;
    match args.first() {
        None => locals(vm, Args::default()),
        Some(Value::Object(object)) => Ok(Value::Dict(object.dict.clone())),
        Some(Value::Class(class)) => Ok(Value::Dict(class.dict.clone())),
        Some(Value::Module(module)) => Ok(Value::Dict(module.dict.clone())),
        Some(_) => Err(PyErr::type_error(
            "vars() argument must have __dict__ attribute",
        )),
    }
}

fn dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "dir", 0, 1)?;
    let mut names: Vec<String> = match args.first() {
        None => {
            let frame = vm.frame();
            match &frame.namespace {
                Some(ns) => ns.keys(),
                None => frame
                    .code
                    .varnames
                    .iter()
                    .map(|n| Value::Str(n.clone()))
                    .collect(),
            }
            .into_iter()
            .filter_map(|k| match k {
                Value::Str(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
            .collect()
        }
        Some(value) => {
            let mut keys = Vec::new();
            if let Value::Object(object) = value {
                keys.extend(object.dict.keys());
            }
            if let Value::Module(module) = value {
                keys.extend(module.dict.keys());
            }
            let class = match value {
                Value::Class(class) => class.clone(),
                other => other.class(),
            };
            for class in class.full_mro() {
                keys.extend(class.dict.keys());
            }
            keys.into_iter()
                .filter_map(|k| match k {
                    Value::Str(s) => Some(s.as_str().to_owned()),
                    _ => None,
                })
                .collect()
        }
    };
    names.sort();
    names.dedup();
    let _ = types();
    Ok(Value::list(names.into_iter().map(Value::str).collect()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{i, outcome, s, vm};
    use crate::objects::{Args, Dict, Range, Value};
    use std::sync::Arc;

    fn reversed_list(vm: &mut crate::vm::Vm, value: Value) -> String {
        let result = super::reversed(vm, Args::new(vec![value]))
            .and_then(|iterator| vm.collect(&iterator))
            .map(Value::list);
        outcome(vm, result)
    }

    #[test]
    fn reversed_sequences() {
        let mut vm = vm();
        assert_eq!(
            reversed_list(&mut vm, Value::list(vec![i(1), i(2), i(3)])),
            "[3, 2, 1]"
        );
        assert_eq!(
            reversed_list(&mut vm, s("héllo")),
            "['o', 'l', 'l', 'é', 'h']"
        );
        let range = |start, stop, step| Value::Range(Arc::new(Range { start, stop, step }));
        assert_eq!(reversed_list(&mut vm, range(0, 10, 3)), "[9, 6, 3, 0]");
        assert_eq!(reversed_list(&mut vm, range(5, 0, -2)), "[1, 3, 5]");
        assert_eq!(reversed_list(&mut vm, range(0, 0, 1)), "[]");
        let dict = Dict::new();
        dict.set_by_name("a", i(1));
        dict.set_by_name("b", i(2));
        assert_eq!(reversed_list(&mut vm, Value::Dict(dict)), "['b', 'a']");
        let set = vm
            .call(
                &Value::Class(crate::objects::types::types().set_type.clone()),
                Args::new(vec![]),
            )
            .unwrap();
        assert_eq!(
            reversed_list(&mut vm, set),
            "TypeError: 'set' object is not reversible"
        );
    }
}
