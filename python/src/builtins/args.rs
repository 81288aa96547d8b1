//! Argument binding for functions written in Rust, with CPython's error messages.

use crate::objects::{Args, Int, Value};
use crate::vm::{PyErr, PyResult};

/// Binds `args` to the parameter `names` of builtin `function`: the first `required` are
/// mandatory, the rest optional; all may be passed by keyword unless `positional_only`.
pub fn bind(
    args: Args,
    function: &str,
    names: &[&str],
    required: usize,
) -> PyResult<Vec<Option<Value>>> {
    let mut slots: Vec<Option<Value>> = vec![None; names.len()];
    let given = args.positional.len();
    if given > names.len() {
        return Err(PyErr::type_error(if names.len() == required {
            format!(
                "{function}() takes exactly {} argument{} ({given} given)",
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "{function}() takes at most {} arguments ({given} given)",
                names.len()
            )
        }));
    }
    for (slot, value) in slots.iter_mut().zip(args.positional) {
        *slot = Some(value);
    }
    for (name, value) in args.keywords {
        match names.iter().position(|n| *n == name.as_str()) {
            Some(index) if slots[index].is_none() => slots[index] = Some(value),
            Some(_) => {
                return Err(PyErr::type_error(format!(
                    "argument for {function}() given by name ('{}') and position",
                    name.as_str()
                )))
            }
            None => {
                return Err(PyErr::type_error(format!(
                    "'{}' is an invalid keyword argument for {function}()",
                    name.as_str()
                )))
            }
        }
    }
    for (index, slot) in slots.iter().enumerate().take(required) {
        if slot.is_none() {
            return Err(PyErr::type_error(format!(
                "{function}() missing required argument '{}' (pos {})",
                names[index],
                index + 1
            )));
        }
    }
    Ok(slots)
}

/// Exactly `min..=max` positional arguments and no keywords.
pub fn positional(args: Args, function: &str, min: usize, max: usize) -> PyResult<Vec<Value>> {
    if !args.keywords.is_empty() {
        return Err(PyErr::type_error(format!(
            "{function}() takes no keyword arguments"
        )));
    }
    let given = args.positional.len();
    if given < min || given > max {
        let expected = if min == max {
            format!(
                "{function}() takes exactly {min} argument{}",
                if min == 1 { "" } else { "s" }
            )
        } else if given < min {
            format!(
                "{function}() takes at least {min} argument{}",
                if min == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "{function}() takes at most {max} argument{}",
                if max == 1 { "" } else { "s" }
            )
        };
        return Err(PyErr::type_error(format!("{expected} ({given} given)")));
    }
    Ok(args.positional)
}

/// A method's receiver and its remaining positional arguments.
pub fn method(args: Args, function: &str, min: usize, max: usize) -> PyResult<(Value, Vec<Value>)> {
    let mut all = positional(args, function, min + 1, max + 1)?;
    let receiver = all.remove(0);
    Ok((receiver, all))
}

/// An argument that must be an int fitting i64.
pub fn int_arg(value: &Value) -> PyResult<i64> {
    match Int::of(value) {
        Some(Int::Small(i)) => Ok(i),
        Some(Int::Big(_)) => Err(PyErr::new(
            crate::objects::types::ExcKind::OverflowError,
            "Python int too large to convert to C ssize_t",
        )),
        None => Err(PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            value.type_name()
        ))),
    }
}

/// An argument that must be a str.
pub fn str_arg<'a>(value: &'a Value, function: &str, position: usize) -> PyResult<&'a str> {
    match value {
        Value::Str(s) => Ok(s.as_str()),
        other => Err(PyErr::type_error(format!(
            "{function}() argument {position} must be str, not {}",
            other.type_name()
        ))),
    }
}

/// A number as f64 (int or float).
pub fn float_arg(value: &Value, function: &str) -> PyResult<f64> {
    match value {
        Value::Float(f) => Ok(*f),
        other => match Int::of(other).and_then(|i| i.to_f64()) {
            Some(f) => Ok(f),
            None => Err(PyErr::type_error(format!(
                "must be real number, not {} (in {function}())",
                other.type_name()
            ))),
        },
    }
}
