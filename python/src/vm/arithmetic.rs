//! Binary and unary operators: numbers first (the hot path), then sequences, sets and dicts,
//! then the special methods of user classes.

use std::sync::Arc;

use super::{PyErr, PyResult, Vm};
use crate::bytecode::{BinaryOperator, UnaryOperator};
use crate::objects::int::{self, ArithError, Int};
use crate::objects::types::ExcKind;
use crate::objects::{Dict, Set, Value};

impl Vm {
    /// `a <op> b`, including the in-place forms.
    pub fn binary_op(&mut self, a: &Value, b: &Value, operator: BinaryOperator) -> PyResult<Value> {
        use BinaryOperator::*;
        let base = operator.base();
        // Fast path: two small ints.
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            match base {
                Add => {
                    if let Some(r) = x.checked_add(*y) {
                        return Ok(Value::Int(r));
                    }
                }
                Subtract => {
                    if let Some(r) = x.checked_sub(*y) {
                        return Ok(Value::Int(r));
                    }
                }
                Multiply => {
                    if let Some(r) = x.checked_mul(*y) {
                        return Ok(Value::Int(r));
                    }
                }
                _ => {}
            }
        }
        if let (Value::Bool(x), Value::Bool(y)) = (a, b) {
            match base {
                And => return Ok(Value::Bool(x & y)),
                Or => return Ok(Value::Bool(x | y)),
                Xor => return Ok(Value::Bool(x ^ y)),
                _ => {}
            }
        }
        if let (Some(x), Some(y)) = (Int::of(a), Int::of(b)) {
            return int_op(&x, &y, base);
        }
        if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
            if x.is_infinite() && matches!(a, Value::BigInt(_))
                || y.is_infinite() && matches!(b, Value::BigInt(_))
            {
                return Err(PyErr::new(
                    ExcKind::OverflowError,
                    "int too large to convert to float",
                ));
            }
            return float_op(x, y, base);
        }
        if let Some(result) = self.builtin_sequence_op(a, b, operator)? {
            return Ok(result);
        }
        let (method, reflected, inplace) = base.dunders();
        if operator.is_inplace() {
            if let Some(result) = self.call_special_if_object(a, inplace, b)? {
                return Ok(result);
            }
        }
        if let Some(result) = self.call_special_if_object(a, method, b)? {
            return Ok(result);
        }
        if let Some(result) = self.call_special_if_object(b, reflected, a)? {
            return Ok(result);
        }
        Err(unsupported(a, b, operator))
    }

    fn call_special_if_object(
        &mut self,
        receiver: &Value,
        method: &'static str,
        other: &Value,
    ) -> PyResult<Option<Value>> {
        if !matches!(receiver, Value::Object(_)) {
            return Ok(None);
        }
        match self.call_special(receiver, method, vec![other.clone()])? {
            Some(Value::Str(s)) if s.as_str() == "NotImplemented" => Ok(None),
            other => Ok(other),
        }
    }

    fn builtin_sequence_op(
        &mut self,
        a: &Value,
        b: &Value,
        operator: BinaryOperator,
    ) -> PyResult<Option<Value>> {
        use BinaryOperator::*;
        let max = self.interp.limits.max_container_len;
        Ok(Some(match (a, operator.base(), b) {
            (Value::Str(x), Add, Value::Str(y)) => {
                if x.as_str().len() + y.as_str().len() > max {
                    return Err(PyErr::memory_error("str concatenation"));
                }
                let mut text = String::with_capacity(x.as_str().len() + y.as_str().len());
                text.push_str(x.as_str());
                text.push_str(y.as_str());
                Value::str(text)
            }
            (Value::Str(x), Multiply, n) | (n, Multiply, Value::Str(x)) if Int::of(n).is_some() => {
                let count = repeat_count(n);
                if x.as_str().len().saturating_mul(count) > max {
                    return Err(PyErr::memory_error("str repetition"));
                }
                Value::str(x.as_str().repeat(count))
            }
            (Value::Str(format), Modulo, args) => Value::str(
                crate::builtins::format::percent_format(self, format.as_str(), args)?,
            ),
            (Value::List(x), Add, Value::List(y)) => {
                if operator.is_inplace() {
                    let extra = y.snapshot();
                    x.write().extend(extra);
                    return Ok(Some(a.clone()));
                }
                let mut items = x.snapshot();
                items.extend(y.snapshot());
                Value::list(items)
            }
            (Value::List(x), Add, other) if operator.is_inplace() => {
                let extra = self.collect(other)?;
                x.write().extend(extra);
                return Ok(Some(a.clone()));
            }
            (Value::List(x), Multiply, n) | (n, Multiply, Value::List(x))
                if Int::of(n).is_some() =>
            {
                let items = x.snapshot();
                let count = repeat_count(n);
                if items.len().saturating_mul(count) > max {
                    return Err(PyErr::memory_error("list repetition"));
                }
                let repeated: Vec<Value> = (0..count).flat_map(|_| items.iter().cloned()).collect();
                if operator.is_inplace() && matches!(a, Value::List(_)) {
                    *x.write() = repeated;
                    return Ok(Some(a.clone()));
                }
                Value::list(repeated)
            }
            (Value::Tuple(x), Add, Value::Tuple(y)) => {
                let mut items = x.items().to_vec();
                items.extend_from_slice(y.items());
                Value::tuple(items)
            }
            (Value::Tuple(x), Multiply, n) | (n, Multiply, Value::Tuple(x))
                if Int::of(n).is_some() =>
            {
                let count = repeat_count(n);
                if x.items().len().saturating_mul(count) > max {
                    return Err(PyErr::memory_error("tuple repetition"));
                }
                Value::tuple((0..count).flat_map(|_| x.items().iter().cloned()).collect())
            }
            (Value::Bytes(x), Add, Value::Bytes(y)) => {
                let mut bytes = x.as_ref().clone();
                bytes.extend_from_slice(y);
                Value::Bytes(Arc::new(bytes))
            }
            (Value::Dict(x), Or, Value::Dict(y)) => {
                if operator.is_inplace() {
                    for (k, v) in y.read().iter() {
                        x.insert(k.clone(), v.clone());
                    }
                    return Ok(Some(a.clone()));
                }
                let mut map = x.read().clone();
                for (k, v) in y.read().iter() {
                    map.insert(k.clone(), v.clone());
                }
                Value::Dict(Dict::from_map(map))
            }
            (Value::Set(x), op @ (Or | And | Subtract | Xor), Value::Set(y)) => {
                let result = {
                    let (left, right) = (x.read(), y.read());
                    match op {
                        Or => left.union(&right).cloned().collect(),
                        And => left.intersection(&right).cloned().collect(),
                        Subtract => left.difference(&right).cloned().collect(),
                        _ => left.symmetric_difference(&right).cloned().collect(),
                    }
                };
                if operator.is_inplace() && !x.frozen {
                    *x.write() = result;
                    return Ok(Some(a.clone()));
                }
                Value::Set(Set::new(result, x.frozen))
            }
            _ => return Ok(None),
        }))
    }

    /// `-a`, `+a`, `~a`, `not a`
    pub fn unary_op(&mut self, a: &Value, operator: UnaryOperator) -> PyResult<Value> {
        match operator {
            UnaryOperator::Not => return Ok(Value::Bool(!self.is_true(a)?)),
            UnaryOperator::Negative => {
                if let Some(x) = Int::of(a) {
                    return Ok(int::int_neg(&x));
                }
                if let Value::Float(f) = a {
                    return Ok(Value::Float(-f));
                }
            }
            UnaryOperator::Positive => {
                if let Some(x) = Int::of(a) {
                    return Ok(int::int_add(&x, &Int::Small(0)));
                }
                if let Value::Float(_) = a {
                    return Ok(a.clone());
                }
            }
            UnaryOperator::Invert => {
                if let Some(x) = Int::of(a) {
                    return Ok(int::int_sub(&Int::Small(-1), &x));
                }
            }
        }
        let method = match operator {
            UnaryOperator::Negative => "__neg__",
            UnaryOperator::Positive => "__pos__",
            _ => "__invert__",
        };
        if matches!(a, Value::Object(_)) {
            if let Some(result) = self.call_special(a, method, vec![])? {
                return Ok(result);
            }
        }
        Err(PyErr::type_error(format!(
            "bad operand type for unary {}: '{}'",
            operator.symbol(),
            a.type_name()
        )))
    }
}

fn repeat_count(n: &Value) -> usize {
    match Int::of(n) {
        Some(Int::Small(i)) => i.max(0) as usize,
        Some(Int::Big(b)) if num_traits::Signed::is_negative(b) => 0,
        _ => usize::MAX,
    }
}

fn as_float(value: &Value) -> Option<f64> {
    match value {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::BigInt(b) => num_traits::ToPrimitive::to_f64(&**b),
        _ => None,
    }
}

fn int_op(x: &Int, y: &Int, operator: BinaryOperator) -> PyResult<Value> {
    use BinaryOperator::*;
    let result = match operator {
        Add => Ok(int::int_add(x, y)),
        Subtract => Ok(int::int_sub(x, y)),
        Multiply => {
            if let (Int::Big(_), _) | (_, Int::Big(_)) = (x, y) {
                let bits = x.to_bigint().bits() + y.to_bigint().bits();
                if bits > 1 << 26 {
                    return Err(PyErr::memory_error("int multiplication"));
                }
            }
            Ok(int::int_mul(x, y))
        }
        TrueDivide => int::int_truediv(x, y),
        FloorDivide => int::int_floordiv(x, y),
        Modulo => int::int_mod(x, y),
        Power => int::int_pow(x, y),
        LeftShift => int::int_shift(x, y, true),
        RightShift => int::int_shift(x, y, false),
        And => Ok(int::int_bitwise(x, y, '&')),
        Or => Ok(int::int_bitwise(x, y, '|')),
        Xor => Ok(int::int_bitwise(x, y, '^')),
        MatrixMultiply => {
            return Err(PyErr::type_error(
                "unsupported operand type(s) for @: 'int' and 'int'",
            ))
        }
        _ => unreachable!("in-place operators are reduced to their base"),
    };
    result.map_err(arith_error)
}

fn float_op(x: f64, y: f64, operator: BinaryOperator) -> PyResult<Value> {
    use BinaryOperator::*;
    let result = match operator {
        Add => Ok(x + y),
        Subtract => Ok(x - y),
        Multiply => Ok(x * y),
        TrueDivide => {
            if y == 0.0 {
                Err(ArithError::ZeroDivision("float division by zero"))
            } else {
                Ok(x / y)
            }
        }
        FloorDivide => int::float_floordiv(x, y),
        Modulo => int::float_mod(x, y),
        Power => int::float_pow(x, y),
        _ => {
            return Err(PyErr::type_error(format!(
                "unsupported operand type(s) for {}: 'float' and 'float'",
                operator.symbol()
            )))
        }
    };
    result.map(Value::Float).map_err(arith_error)
}

fn arith_error(error: ArithError) -> PyErr {
    match error {
        ArithError::ZeroDivision(message) => PyErr::new(ExcKind::ZeroDivisionError, message),
        ArithError::Overflow(message) => PyErr::new(ExcKind::OverflowError, message),
        ArithError::NegativeShift => PyErr::value_error("negative shift count"),
        ArithError::TooLarge => PyErr::memory_error("int operation"),
    }
}

fn unsupported(a: &Value, b: &Value, operator: BinaryOperator) -> PyErr {
    if let (Value::Str(_), BinaryOperator::Add) = (a, operator.base()) {
        return PyErr::type_error(format!(
            "can only concatenate str (not \"{}\") to str",
            b.type_name()
        ));
    }
    if operator.base() == BinaryOperator::Multiply {
        let sequence = |v: &Value| {
            matches!(
                v,
                Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_)
            )
        };
        let other = if sequence(a) {
            Some(b)
        } else if sequence(b) {
            Some(a)
        } else {
            None
        };
        if let Some(other) = other {
            return PyErr::type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                other.type_name()
            ));
        }
    }
    if let (Value::List(_), BinaryOperator::Add) = (a, operator.base()) {
        return PyErr::type_error(format!(
            "can only concatenate list (not \"{}\") to list",
            b.type_name()
        ));
    }
    PyErr::type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        operator.symbol(),
        a.type_name(),
        b.type_name()
    ))
}
