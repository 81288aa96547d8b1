//! The built-in types as callables (`int("3")`, `list(it)`, `range(5)`, …), plus `object`,
//! the exception base, and the descriptor types (`staticmethod`, `classmethod`, `property`,
//! `super`).

use std::sync::Arc;

use num_bigint::BigInt;
use num_traits::Num;

use super::add_methods;
use super::args::{bind, int_arg, positional};
use crate::objects::int::Int;
use crate::objects::set::KeySet;
use crate::objects::types::{types, BuiltinTypes, ExcKind};
use crate::objects::{
    Args, Dict, IterState, Object, Payload, Property, PyIterator, Range, Set, Slice, Value,
};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    let new = |class: &Arc<crate::objects::Class>, function| {
        add_methods(class, "type", &[("__new__", function)]);
    };
    new(&types.int_type, int_new);
    new(&types.bool_type, bool_new);
    new(&types.float_type, float_new);
    new(&types.str_type, str_new);
    new(&types.bytes_type, bytes_new);
    new(&types.list_type, list_new);
    new(&types.tuple_type, tuple_new);
    new(&types.dict_type, dict_new);
    new(&types.set_type, set_new);
    new(&types.frozenset_type, frozenset_new);
    new(&types.range_type, range_new);
    new(&types.slice_type, slice_new);
    new(&types.type_type, type_new);
    new(&types.enumerate_type, enumerate_new);
    new(&types.zip_type, zip_new);
    new(&types.map_type, map_new);
    new(&types.filter_type, filter_new);
    new(&types.iterator_type, iterator_new);
    new(&types.staticmethod_type, staticmethod_new);
    new(&types.classmethod_type, classmethod_new);
    new(&types.property_type, property_new);
    new(&types.super_type, super_new);
    add_methods(&types.object_type, "object", &[("__init__", object_init)]);
    add_methods(
        &types.property_type,
        "property",
        &[
            ("setter", property_setter),
            ("getter", property_getter),
            ("deleter", property_deleter),
        ],
    );
    let base_exception = types.exception(ExcKind::BaseException);
    add_methods(
        base_exception,
        "BaseException",
        &[
            ("__init__", exception_init),
            ("with_traceback", exception_with_traceback),
        ],
    );
}

/// Drops the class argument `__new__` receives.
fn without_class(mut args: Args) -> Args {
    if !args.positional.is_empty() {
        args.positional.remove(0);
    }
    args
}

/// An integral float as an int (big if need be).
pub(crate) fn float_to_int(value: f64) -> Value {
    if value.abs() < 9.2e18 {
        Value::Int(value as i64)
    } else {
        use num_traits::FromPrimitive;
        crate::objects::int_from_bigint(BigInt::from_f64(value).unwrap_or_default())
    }
}

/// `int("…", base)`: Python's literal rules (sign, underscores, `0x` prefixes with base 0).
pub(crate) fn parse_int(text: &str, base: u32) -> Option<Value> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let lower = digits.to_ascii_lowercase();
    let (base, digits) = match base {
        0 => {
            if let Some(rest) = lower.strip_prefix("0x") {
                (16, rest.to_owned())
            } else if let Some(rest) = lower.strip_prefix("0o") {
                (8, rest.to_owned())
            } else if let Some(rest) = lower.strip_prefix("0b") {
                (2, rest.to_owned())
            } else {
                if lower.len() > 1
                    && lower.starts_with('0')
                    && lower.chars().any(|c| c != '0' && c != '_')
                {
                    return None;
                }
                (10, lower)
            }
        }
        16 => (16, lower.strip_prefix("0x").unwrap_or(&lower).to_owned()),
        8 => (8, lower.strip_prefix("0o").unwrap_or(&lower).to_owned()),
        2 => (2, lower.strip_prefix("0b").unwrap_or(&lower).to_owned()),
        base => (base, lower),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let digits = digits.replace('_', "");
    let value = BigInt::from_str_radix(&digits, base).ok()?;
    Some(crate::objects::int_from_bigint(if negative {
        -value
    } else {
        value
    }))
}

fn int_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(without_class(args), "int", &["x", "base"], 0)?;
    let base = match &slots[1] {
        None => None,
        Some(base) => Some(int_arg(base)?),
    };
    let Some(value) = slots[0].clone() else {
        return Ok(Value::Int(0));
    };
    if let Some(base) = base {
        if base != 0 && !(2..=36).contains(&base) {
            return Err(PyErr::value_error(
                "int() base must be >= 2 and <= 36, or 0",
            ));
        }
        let Value::Str(text) = &value else {
            return Err(PyErr::type_error(
                "int() can't convert non-string with explicit base",
            ));
        };
        return parse_int(text.as_str(), base as u32).ok_or_else(|| {
            PyErr::value_error(format!(
                "invalid literal for int() with base {base}: {}",
                text.repr()
            ))
        });
    }
    match &value {
        Value::Int(_) | Value::BigInt(_) => Ok(value),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => {
            if f.is_nan() {
                return Err(PyErr::value_error("cannot convert float NaN to integer"));
            }
            if f.is_infinite() {
                return Err(PyErr::new(
                    ExcKind::OverflowError,
                    "cannot convert float infinity to integer",
                ));
            }
            Ok(float_to_int(f.trunc()))
        }
        Value::Str(text) => parse_int(text.as_str(), 10).ok_or_else(|| {
            PyErr::value_error(format!(
                "invalid literal for int() with base 10: {}",
                text.repr()
            ))
        }),
        other => {
            for method in ["__int__", "__index__"] {
                if let Some(result) = vm.call_special(other, method, vec![])? {
                    return Ok(result);
                }
            }
            Err(PyErr::type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                other.type_name()
            )))
        }
    }
}

fn bool_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "bool", 0, 1)?;
    match args.first() {
        None => Ok(Value::Bool(false)),
        Some(value) => Ok(Value::Bool(vm.is_true(value)?)),
    }
}

/// `float("…")`: Python's spellings, including `inf`, `nan` and underscores.
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let negative = lower.starts_with('-');
    let special = match unsigned {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(value) = special {
        return Some(if negative { -value } else { value });
    }
    if trimmed.contains("__") || trimmed.starts_with('_') || trimmed.ends_with('_') {
        return None;
    }
    let cleaned = trimmed.replace('_', "");
    if cleaned
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')))
    {
        return None;
    }
    cleaned.parse().ok()
}

fn float_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "float", 0, 1)?;
    let Some(value) = args.first() else {
        return Ok(Value::Float(0.0));
    };
    match value {
        Value::Float(_) => Ok(value.clone()),
        Value::Str(text) => parse_float(text.as_str()).map(Value::Float).ok_or_else(|| {
            PyErr::value_error(format!(
                "could not convert string to float: {}",
                text.repr()
            ))
        }),
        other => match Int::of(other) {
            Some(i) => i.to_f64().map(Value::Float).ok_or_else(|| {
                PyErr::new(ExcKind::OverflowError, "int too large to convert to float")
            }),
            None => match vm.call_special(other, "__float__", vec![])? {
                Some(result) => Ok(result),
                None => Err(PyErr::type_error(format!(
                    "float() argument must be a string or a real number, not '{}'",
                    other.type_name()
                ))),
            },
        },
    }
}

fn str_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        without_class(args),
        "str",
        &["object", "encoding", "errors"],
        0,
    )?;
    match (&slots[0], &slots[1]) {
        (None, _) => Ok(Value::str("")),
        (Some(Value::Bytes(bytes)), Some(_)) => {
            Ok(Value::str(String::from_utf8_lossy(bytes).into_owned()))
        }
        (Some(value), _) => Ok(Value::str(vm.str(value)?)),
    }
}

fn bytes_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        without_class(args),
        "bytes",
        &["source", "encoding", "errors"],
        0,
    )?;
    let bytes = match &slots[0] {
        None => Vec::new(),
        Some(Value::Str(text)) => {
            if slots[1].is_none() {
                return Err(PyErr::type_error("string argument without an encoding"));
            }
            text.as_str().as_bytes().to_vec()
        }
        Some(Value::Bytes(bytes)) => bytes.as_ref().clone(),
        Some(value) if Int::of(value).is_some() => {
            let n = int_arg(value)?;
            if n < 0 {
                return Err(PyErr::value_error("negative count"));
            }
            if n as usize > vm.interp.limits.max_container_len {
                return Err(PyErr::memory_error("bytes"));
            }
            vec![0; n as usize]
        }
        Some(value) => {
            let mut bytes = Vec::new();
            for item in vm.collect(value)? {
                match int_arg(&item)? {
                    b @ 0..=255 => bytes.push(b as u8),
                    _ => return Err(PyErr::value_error("bytes must be in range(0, 256)")),
                }
            }
            bytes
        }
    };
    Ok(Value::Bytes(Arc::new(bytes)))
}

fn list_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "list", 0, 1)?;
    Ok(Value::list(match args.first() {
        None => Vec::new(),
        Some(iterable) => vm.collect(iterable)?,
    }))
}

fn tuple_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "tuple", 0, 1)?;
    Ok(match args.first() {
        None => Value::tuple(Vec::new()),
        Some(Value::Tuple(_)) => args[0].clone(),
        Some(iterable) => Value::tuple(vm.collect(iterable)?),
    })
}

/// Adds `source`'s pairs to `dict`: a dict, or an iterable of 2-item sequences.
pub(crate) fn dict_merge(vm: &mut Vm, dict: &Dict, source: &Value) -> PyResult<()> {
    if let Value::Dict(other) = source {
        for (key, value) in other.read().iter() {
            dict.insert(key.clone(), value.clone());
        }
        return Ok(());
    }
    if let Value::Object(_) = source {
        if let Some(keys) = vm.call_special(source, "keys", vec![])? {
            for key in vm.collect(&keys)? {
                let value = vm.get_item(source, &key)?;
                let key = vm.hash_key(key)?;
                dict.insert(key, value);
            }
            return Ok(());
        }
    }
    for (index, item) in vm.collect(source)?.into_iter().enumerate() {
        let pair = vm.collect(&item).map_err(|_| {
            PyErr::type_error(format!(
                "cannot convert dictionary update sequence element #{index} to a sequence"
            ))
        })?;
        if pair.len() != 2 {
            return Err(PyErr::value_error(format!(
                "dictionary update sequence element #{index} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut pair = pair.into_iter();
        let key = vm.hash_key(pair.next().unwrap_or(Value::None))?;
        dict.insert(key, pair.next().unwrap_or(Value::None));
    }
    Ok(())
}

fn dict_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Args {
        positional: args,
        keywords,
    } = without_class(args);
    if args.len() > 1 {
        return Err(PyErr::type_error(format!(
            "dict expected at most 1 argument, got {}",
            args.len()
        )));
    }
    let dict = Dict::new();
    if let Some(source) = args.first() {
        dict_merge(vm, &dict, source)?;
    }
    for (name, value) in keywords {
        dict.set_str(&name, value);
    }
    Ok(Value::Dict(dict))
}

pub(crate) fn key_set(vm: &mut Vm, iterable: Option<&Value>) -> PyResult<KeySet> {
    let mut set = KeySet::default();
    if let Some(iterable) = iterable {
        for item in vm.collect(iterable)? {
            set.insert(vm.hash_key(item)?);
        }
    }
    Ok(set)
}

fn set_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "set", 0, 1)?;
    Ok(Value::Set(Set::new(key_set(vm, args.first())?, false)))
}

fn frozenset_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "frozenset", 0, 1)?;
    Ok(Value::Set(Set::new(key_set(vm, args.first())?, true)))
}

fn range_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "range", 1, 3)?;
    let bound = |v: &Value| -> PyResult<i64> {
        match Int::of(v) {
            Some(Int::Small(i)) => Ok(i),
            Some(Int::Big(_)) => Err(PyErr::new(
                ExcKind::OverflowError,
                "Python int too large to convert to C ssize_t",
            )),
            None => Err(PyErr::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                v.type_name()
            ))),
        }
    };
    let (start, stop, step) = match args.len() {
        1 => (0, bound(&args[0])?, 1),
        2 => (bound(&args[0])?, bound(&args[1])?, 1),
        _ => (bound(&args[0])?, bound(&args[1])?, bound(&args[2])?),
    };
    if step == 0 {
        return Err(PyErr::value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Range(Arc::new(Range { start, stop, step })))
}

fn slice_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "slice", 1, 3)?;
    let (start, stop, step) = match args.len() {
        1 => (Value::None, args[0].clone(), Value::None),
        2 => (args[0].clone(), args[1].clone(), Value::None),
        _ => (args[0].clone(), args[1].clone(), args[2].clone()),
    };
    Ok(Value::Slice(Arc::new(Slice { start, stop, step })))
}

fn type_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "type", 1, 3)?;
    if args.len() != 1 {
        return Err(PyErr::new(
            ExcKind::NotImplementedError,
            "not supported yet: type() with three arguments",
        ));
    }
    Ok(Value::Class(args[0].class()))
}

fn enumerate_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(without_class(args), "enumerate", &["iterable", "start"], 1)?;
    let inner = vm.get_iter(slots[0].as_ref().unwrap_or(&Value::None))?;
    let count = match &slots[1] {
        Some(start) => int_arg(start)?,
        None => 0,
    };
    Ok(PyIterator::new(IterState::Enumerate { inner, count }))
}

fn zip_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Args {
        positional: iterables,
        keywords,
    } = without_class(args);
    if keywords.iter().any(|(name, _)| name.as_str() != "strict") {
        return Err(PyErr::type_error("zip() takes no keyword arguments"));
    }
    let mut inners = Vec::with_capacity(iterables.len());
    for iterable in &iterables {
        inners.push(vm.get_iter(iterable)?);
    }
    Ok(PyIterator::new(IterState::Zip { inners }))
}

fn map_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "map", 2, usize::MAX)?;
    let mut inners = Vec::with_capacity(args.len() - 1);
    for iterable in &args[1..] {
        inners.push(vm.get_iter(iterable)?);
    }
    Ok(PyIterator::new(IterState::Map {
        function: args[0].clone(),
        inners,
    }))
}

fn filter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "filter", 2, 2)?;
    let inner = vm.get_iter(&args[1])?;
    Ok(PyIterator::new(IterState::Filter {
        function: args[0].clone(),
        inner,
    }))
}

fn iterator_new(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(PyErr::type_error("cannot create 'iterator' instances"))
}

fn object_init(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.positional.len() > 1 || !args.keywords.is_empty() {
        let class = args.positional.first().map(Value::class);
        if let Some(class) = class {
            let own_init = matches!(class.lookup_str("__init__"), Some(Value::Builtin(b)) if b.owner == Some("object"));
            if own_init {
                return Err(PyErr::type_error(format!(
                    "{}() takes no arguments",
                    class.qualname.as_str()
                )));
            }
        }
        return Err(PyErr::type_error(
            "object.__init__() takes exactly one argument (the instance to initialize)",
        ));
    }
    Ok(Value::None)
}

fn exception_init(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut positional = args.positional;
    if positional.is_empty() {
        return Err(PyErr::type_error(
            "descriptor '__init__' of 'BaseException' object needs an argument",
        ));
    }
    let receiver = positional.remove(0);
    if let Value::Object(object) = &receiver {
        if let Some(data) = object.exception() {
            *crate::objects::write(&data.args) = Value::tuple(positional);
        }
    }
    Ok(Value::None)
}

fn exception_with_traceback(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(args.positional.first().cloned().unwrap_or(Value::None))
}

fn descriptor(class: &Arc<crate::objects::Class>, payload: Payload) -> Value {
    Value::Object(Object::new(class.clone(), payload))
}

fn staticmethod_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "staticmethod", 1, 1)?;
    Ok(descriptor(
        &types().staticmethod_type,
        Payload::StaticMethod(args[0].clone()),
    ))
}

fn classmethod_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "classmethod", 1, 1)?;
    Ok(descriptor(
        &types().classmethod_type,
        Payload::ClassMethod(args[0].clone()),
    ))
}

fn property_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        without_class(args),
        "property",
        &["fget", "fset", "fdel", "doc"],
        0,
    )?;
    let some = |v: &Option<Value>| v.clone().filter(|v| !v.is_none());
    Ok(descriptor(
        &types().property_type,
        Payload::Property(Property {
            getter: some(&slots[0]).unwrap_or(Value::None),
            setter: some(&slots[1]),
            deleter: some(&slots[2]),
        }),
    ))
}

fn property_parts(value: &Value) -> PyResult<(Value, Option<Value>, Option<Value>)> {
    match value {
        Value::Object(object) => match &object.payload {
            Payload::Property(p) => Ok((p.getter.clone(), p.setter.clone(), p.deleter.clone())),
            _ => Err(PyErr::type_error("descriptor requires a 'property' object")),
        },
        _ => Err(PyErr::type_error("descriptor requires a 'property' object")),
    }
}

fn property_with(getter: Value, setter: Option<Value>, deleter: Option<Value>) -> Value {
    descriptor(
        &types().property_type,
        Payload::Property(Property {
            getter,
            setter,
            deleter,
        }),
    )
}

fn property_setter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "setter", 2, 2)?;
    let (getter, _, deleter) = property_parts(&args[0])?;
    Ok(property_with(getter, Some(args[1].clone()), deleter))
}

fn property_getter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "getter", 2, 2)?;
    let (_, setter, deleter) = property_parts(&args[0])?;
    Ok(property_with(args[1].clone(), setter, deleter))
}

fn property_deleter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "deleter", 2, 2)?;
    let (getter, setter, _) = property_parts(&args[0])?;
    Ok(property_with(getter, setter, Some(args[1].clone())))
}

/// `super()` with no arguments finds the class from the calling method's `__class__` cell
/// and the instance from its first argument, as CPython does.
fn super_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(without_class(args), "super", 0, 2)?;
    let (class, object) = match args.len() {
        2 => match &args[0] {
            Value::Class(class) => (class.clone(), args[1].clone()),
            other => {
                return Err(PyErr::type_error(format!(
                    "super() argument 1 must be a type, not {}",
                    other.type_name()
                )))
            }
        },
        0 => {
            let frame = vm.frame();
            let code = &frame.code;
            let cell_index = code
                .freevars
                .iter()
                .position(|n| n.as_str() == "__class__")
                .map(|i| i + code.cellvars.len());
            let class = match cell_index.and_then(|i| frame.cells[i].get()) {
                Some(Value::Class(class)) => class,
                _ => return Err(PyErr::runtime_error("super(): __class__ cell not found")),
            };
            let first = if code.parameters.positional == 0 {
                None
            } else if let Some(&(_, cell)) =
                code.cell_parameters.iter().find(|(slot, _)| *slot == 0)
            {
                frame.cells[cell as usize].get()
            } else {
                frame.fast[0].clone()
            };
            match first {
                Some(object) => (class, object),
                None => return Err(PyErr::runtime_error("super(): no arguments")),
            }
        }
        _ => {
            return Err(PyErr::runtime_error(
                "super(): one-argument form is not supported",
            ))
        }
    };
    Ok(descriptor(
        &types().super_type,
        Payload::Super { class, object },
    ))
}
