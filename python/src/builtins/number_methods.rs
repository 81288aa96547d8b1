//! `int` (and so `bool`) and `float` methods. The attributes `real`, `imag`, `numerator`
//! and `denominator` are not here: a built-in value's class attribute is bound, not run as
//! a property, by the VM's attribute lookup.

use num_bigint::BigInt;
use num_traits::{Signed, Zero};

use super::{add_methods, method_args};
use crate::objects::int::Int;
use crate::objects::types::{BuiltinTypes, ExcKind};
use crate::objects::{int_from_bigint, Args, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    add_methods(
        &types.int_type,
        "int",
        &[
            ("bit_length", bit_length),
            ("bit_count", bit_count),
            ("conjugate", int_conjugate),
            ("as_integer_ratio", int_as_integer_ratio),
        ],
    );
    add_methods(
        &types.float_type,
        "float",
        &[
            ("is_integer", is_integer),
            ("as_integer_ratio", float_as_integer_ratio),
            ("conjugate", float_conjugate),
        ],
    );
}

fn wrong_receiver(name: &str, owner: &str, value: &Value) -> PyErr {
    PyErr::type_error(format!(
        "descriptor '{name}' for '{owner}' objects doesn't apply to a '{}' object",
        value.type_name()
    ))
}

/// The receiver of an `int` method without arguments.
fn int_receiver(args: Args, name: &str) -> PyResult<BigInt> {
    let (value, _) = method_args(args, "int", name, 0, 0)?;
    match Int::of(&value) {
        Some(Int::Small(i)) => Ok(BigInt::from(i)),
        Some(Int::Big(b)) => Ok(b.clone()),
        None => Err(wrong_receiver(name, "int", &value)),
    }
}

fn float_receiver(args: Args, name: &str) -> PyResult<f64> {
    match method_args(args, "float", name, 0, 0)?.0 {
        Value::Float(f) => Ok(f),
        other => Err(wrong_receiver(name, "float", &other)),
    }
}

fn bit_length(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = int_receiver(args, "bit_length")?;
    Ok(Value::Int(n.abs().bits() as i64))
}

fn bit_count(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = int_receiver(args, "bit_count")?;
    let ones: u32 = n
        .abs()
        .to_u64_digits()
        .1
        .iter()
        .map(|d| d.count_ones())
        .sum();
    Ok(Value::Int(ones as i64))
}

fn int_conjugate(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(int_from_bigint(int_receiver(args, "conjugate")?))
}

fn int_as_integer_ratio(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = int_receiver(args, "as_integer_ratio")?;
    Ok(Value::tuple(vec![int_from_bigint(n), Value::Int(1)]))
}

fn is_integer(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = float_receiver(args, "is_integer")?;
    Ok(Value::Bool(x.is_finite() && x.fract() == 0.0))
}

fn float_conjugate(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(float_receiver(args, "conjugate")?))
}

/// The exact fraction a float stores: its 53-bit mantissa over a power of two, reduced.
fn float_as_integer_ratio(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = float_receiver(args, "as_integer_ratio")?;
    if x.is_nan() {
        return Err(PyErr::value_error("cannot convert NaN to integer ratio"));
    }
    if x.is_infinite() {
        return Err(PyErr::new(
            ExcKind::OverflowError,
            "cannot convert Infinity to integer ratio",
        ));
    }
    if x == 0.0 {
        return Ok(Value::tuple(vec![Value::Int(0), Value::Int(1)]));
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mut mantissa, mut exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    let shift = mantissa.trailing_zeros().min((-exponent).max(0) as u32);
    mantissa >>= shift;
    exponent += shift as i64;
    let mut numerator = BigInt::from(mantissa);
    let mut denominator = BigInt::from(1);
    if exponent >= 0 {
        numerator <<= exponent as u64;
    } else {
        denominator <<= (-exponent) as u64;
    }
    if x < 0.0 {
        numerator = -numerator;
    }
    debug_assert!(!denominator.is_zero());
    Ok(Value::tuple(vec![
        int_from_bigint(numerator),
        int_from_bigint(denominator),
    ]))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{i, show, vm};
    use crate::objects::Value;

    #[test]
    fn int_methods() {
        let mut vm = vm();
        assert_eq!(show(&mut vm, &i(5), "bit_length", vec![]), "3");
        assert_eq!(show(&mut vm, &i(-5), "bit_length", vec![]), "3");
        assert_eq!(show(&mut vm, &i(0), "bit_length", vec![]), "0");
        assert_eq!(show(&mut vm, &i(i64::MIN), "bit_length", vec![]), "64");
        assert_eq!(show(&mut vm, &i(-5), "bit_count", vec![]), "2");
        assert_eq!(show(&mut vm, &Value::Bool(true), "bit_length", vec![]), "1");
        assert_eq!(
            show(&mut vm, &Value::Bool(true), "as_integer_ratio", vec![]),
            "(1, 1)"
        );
        assert_eq!(show(&mut vm, &i(7), "conjugate", vec![]), "7");
    }

    #[test]
    fn float_methods() {
        let mut vm = vm();
        let f = |x: f64| Value::Float(x);
        assert_eq!(show(&mut vm, &f(2.0), "is_integer", vec![]), "True");
        assert_eq!(show(&mut vm, &f(1.5), "is_integer", vec![]), "False");
        assert_eq!(
            show(&mut vm, &f(f64::INFINITY), "is_integer", vec![]),
            "False"
        );
        assert_eq!(
            show(&mut vm, &f(0.1), "as_integer_ratio", vec![]),
            "(3602879701896397, 36028797018963968)"
        );
        assert_eq!(
            show(&mut vm, &f(-2.5), "as_integer_ratio", vec![]),
            "(-5, 2)"
        );
        assert_eq!(show(&mut vm, &f(0.0), "as_integer_ratio", vec![]), "(0, 1)");
        assert_eq!(show(&mut vm, &f(8.0), "as_integer_ratio", vec![]), "(8, 1)");
        assert!(show(&mut vm, &f(5e-324), "as_integer_ratio", vec![]).len() > 300);
        assert_eq!(
            show(&mut vm, &f(f64::NAN), "as_integer_ratio", vec![]),
            "ValueError: cannot convert NaN to integer ratio"
        );
        assert_eq!(
            show(&mut vm, &f(f64::INFINITY), "as_integer_ratio", vec![]),
            "OverflowError: cannot convert Infinity to integer ratio"
        );
        assert_eq!(show(&mut vm, &f(1e300), "as_integer_ratio", vec![]), format!("({}, 1)", "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160"));
    }
}
