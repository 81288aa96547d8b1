//! `int` (i64 fast path, bigint beyond) and `float` arithmetic with Python's semantics: floor
//! division and modulo round toward negative infinity, `/` is true division, `**` with a
//! negative exponent gives a float.

use std::sync::Arc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::Value;

/// An `int` (or `bool`) seen as a number.
pub enum Int<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl<'a> Int<'a> {
    pub fn of(value: &'a Value) -> Option<Int<'a>> {
        match value {
            Value::Int(i) => Some(Int::Small(*i)),
            Value::Bool(b) => Some(Int::Small(*b as i64)),
            Value::BigInt(b) => Some(Int::Big(b)),
            _ => None,
        }
    }

    pub fn to_bigint(&self) -> BigInt {
        match self {
            Int::Small(i) => BigInt::from(*i),
            Int::Big(b) => (*b).clone(),
        }
    }

    pub fn to_f64(&self) -> Option<f64> {
        match self {
            Int::Small(i) => Some(*i as f64),
            Int::Big(b) => b.to_f64().filter(|f| f.is_finite()),
        }
    }

    pub fn is_zero(&self) -> bool {
        match self {
            Int::Small(i) => *i == 0,
            Int::Big(b) => b.is_zero(),
        }
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Int::Small(i) => *i < 0,
            Int::Big(b) => b.is_negative(),
        }
    }
}

/// Back to the compact form whenever the value fits.
pub fn int_from_bigint(value: BigInt) -> Value {
    match value.to_i64() {
        Some(small) => Value::Int(small),
        None => Value::BigInt(Arc::new(value)),
    }
}

pub enum ArithError {
    ZeroDivision(&'static str),
    Overflow(&'static str),
    NegativeShift,
    /// The result would not fit in memory (`10 ** 10**10`).
    TooLarge,
}

pub fn int_add(a: &Int, b: &Int) -> Value {
    if let (Int::Small(x), Int::Small(y)) = (a, b) {
        if let Some(r) = x.checked_add(*y) {
            return Value::Int(r);
        }
    }
    int_from_bigint(a.to_bigint() + b.to_bigint())
}

pub fn int_sub(a: &Int, b: &Int) -> Value {
    if let (Int::Small(x), Int::Small(y)) = (a, b) {
        if let Some(r) = x.checked_sub(*y) {
            return Value::Int(r);
        }
    }
    int_from_bigint(a.to_bigint() - b.to_bigint())
}

pub fn int_mul(a: &Int, b: &Int) -> Value {
    if let (Int::Small(x), Int::Small(y)) = (a, b) {
        if let Some(r) = x.checked_mul(*y) {
            return Value::Int(r);
        }
    }
    int_from_bigint(a.to_bigint() * b.to_bigint())
}

pub fn int_floordiv(a: &Int, b: &Int) -> Result<Value, ArithError> {
    if b.is_zero() {
        return Err(ArithError::ZeroDivision(
            "integer division or modulo by zero",
        ));
    }
    if let (Int::Small(x), Int::Small(y)) = (a, b) {
        if !(*x == i64::MIN && *y == -1) {
            return Ok(Value::Int(x.div_floor(y)));
        }
    }
    Ok(int_from_bigint(a.to_bigint().div_floor(&b.to_bigint())))
}

pub fn int_mod(a: &Int, b: &Int) -> Result<Value, ArithError> {
    if b.is_zero() {
        return Err(ArithError::ZeroDivision("integer modulo by zero"));
    }
    if let (Int::Small(x), Int::Small(y)) = (a, b) {
        if *y != -1 {
            return Ok(Value::Int(x.mod_floor(y)));
        }
        return Ok(Value::Int(0));
    }
    Ok(int_from_bigint(a.to_bigint().mod_floor(&b.to_bigint())))
}

pub fn int_truediv(a: &Int, b: &Int) -> Result<Value, ArithError> {
    if b.is_zero() {
        return Err(ArithError::ZeroDivision("division by zero"));
    }
    match (a.to_f64(), b.to_f64()) {
        (Some(x), Some(y)) => Ok(Value::Float(x / y)),
        _ => {
            // Huge operands: divide exactly first, then convert.
            let (q, r) = a.to_bigint().div_rem(&b.to_bigint());
            let q = q.to_f64().ok_or(ArithError::Overflow(
                "integer division result too large for a float",
            ))?;
            let r = r.to_f64().unwrap_or(0.0) / b.to_f64().unwrap_or(f64::INFINITY);
            Ok(Value::Float(q + r))
        }
    }
}

/// Largest result we agree to compute for `**` and `<<`, in bits: beyond it the answer would
/// not print in a learner's lifetime anyway, and computing it could exhaust memory.
const MAX_RESULT_BITS: u64 = 1 << 24;

pub fn int_pow(a: &Int, b: &Int) -> Result<Value, ArithError> {
    if b.is_negative() {
        let base = a
            .to_f64()
            .ok_or(ArithError::Overflow("int too large to convert to float"))?;
        let exponent = b.to_f64().unwrap_or(f64::NEG_INFINITY);
        if base == 0.0 {
            return Err(ArithError::ZeroDivision(
                "0.0 cannot be raised to a negative power",
            ));
        }
        return Ok(Value::Float(base.powf(exponent)));
    }
    let exponent = match b {
        Int::Small(e) => *e as u64,
        Int::Big(_) => match a {
            Int::Small(0) | Int::Small(1) => {
                return Ok(Value::Int(match a {
                    Int::Small(x) => *x,
                    _ => 0,
                }))
            }
            Int::Small(-1) => return Ok(Value::Int(if b.to_bigint().is_even() { 1 } else { -1 })),
            _ => return Err(ArithError::TooLarge),
        },
    };
    if let Int::Small(x) = a {
        if let Ok(e32) = u32::try_from(exponent) {
            if let Some(r) = x.checked_pow(e32) {
                return Ok(Value::Int(r));
            }
        }
        if matches!(x, -1..=1) {
            return Ok(Value::Int(if *x == -1 && exponent % 2 == 1 {
                -1
            } else if *x == 0 && exponent > 0 {
                0
            } else {
                1
            }));
        }
    }
    let bits = a.to_bigint().bits().max(1);
    if bits.saturating_mul(exponent) > MAX_RESULT_BITS {
        return Err(ArithError::TooLarge);
    }
    Ok(int_from_bigint(num_traits::pow::Pow::pow(
        a.to_bigint(),
        exponent,
    )))
}

pub fn int_shift(a: &Int, b: &Int, left: bool) -> Result<Value, ArithError> {
    if b.is_negative() {
        return Err(ArithError::NegativeShift);
    }
    let shift = match b {
        Int::Small(s) => *s as u64,
        Int::Big(_) => {
            if left && !a.is_zero() {
                return Err(ArithError::TooLarge);
            }
            return Ok(Value::Int(if a.is_negative() { -1 } else { 0 }));
        }
    };
    if left {
        if let Int::Small(x) = a {
            if shift < 63 && x.unsigned_abs() < (1u64 << (63 - shift)) {
                return Ok(Value::Int(x << shift));
            }
        }
        if a.to_bigint().bits() + shift > MAX_RESULT_BITS {
            return Err(ArithError::TooLarge);
        }
        Ok(int_from_bigint(a.to_bigint() << shift))
    } else {
        if let Int::Small(x) = a {
            return Ok(Value::Int(if shift >= 64 {
                if *x < 0 {
                    -1
                } else {
                    0
                }
            } else {
                x >> shift
            }));
        }
        Ok(int_from_bigint(a.to_bigint() >> shift))
    }
}

pub fn int_bitwise(a: &Int, b: &Int, op: char) -> Value {
    if let (Int::Small(x), Int::Small(y)) = (a, b) {
        return Value::Int(match op {
            '&' => x & y,
            '|' => x | y,
            _ => x ^ y,
        });
    }
    let (x, y) = (a.to_bigint(), b.to_bigint());
    int_from_bigint(match op {
        '&' => x & y,
        '|' => x | y,
        _ => x ^ y,
    })
}

pub fn int_neg(a: &Int) -> Value {
    match a {
        Int::Small(x) => x
            .checked_neg()
            .map(Value::Int)
            .unwrap_or_else(|| int_from_bigint(-BigInt::from(*x))),
        Int::Big(b) => int_from_bigint(-(*b).clone()),
    }
}

pub fn float_floordiv(x: f64, y: f64) -> Result<f64, ArithError> {
    if y == 0.0 {
        return Err(ArithError::ZeroDivision("float floor division by zero"));
    }
    Ok(float_divmod(x, y).0)
}

pub fn float_mod(x: f64, y: f64) -> Result<f64, ArithError> {
    if y == 0.0 {
        return Err(ArithError::ZeroDivision("float modulo"));
    }
    Ok(float_divmod(x, y).1)
}

/// CPython's `float_divmod`: the remainder takes the divisor's sign.
pub fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut modulo = x % y;
    let mut div = (x - modulo) / y;
    if modulo != 0.0 {
        if (y < 0.0) != (modulo < 0.0) {
            modulo += y;
            div -= 1.0;
        }
    } else {
        modulo = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let mut floordiv = div.floor();
        if div - floordiv > 0.5 {
            floordiv += 1.0;
        }
        floordiv
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, modulo)
}

pub fn float_pow(x: f64, y: f64) -> Result<f64, ArithError> {
    if x == 0.0 && y < 0.0 {
        return Err(ArithError::ZeroDivision(
            "0.0 cannot be raised to a negative power",
        ));
    }
    let result = x.powf(y);
    if result.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(ArithError::Overflow(
            "(34, 'Numerical result out of range')",
        ));
    }
    Ok(result)
}

/// `repr(float)`: the shortest string that round-trips, in CPython's layout (`1e-07`,
/// `1.5`, `inf`, `1e+16`): fixed notation for exponents from -4 to 15, scientific otherwise.
/// (rustpython-literal's version prints 0.9999999999999999 as `1.0`.)
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:e}` gives the shortest round-tripping digits, e.g. `9.999999999999999e-1`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let fixed = format!("{value}");
        if fixed.contains('.') {
            fixed
        } else {
            format!("{fixed}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// `a == b` across int, bool, bigint and float.
pub fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (Int::of(a), Int::of(b)) {
        (Some(Int::Small(x)), Some(Int::Small(y))) => x == y,
        (Some(x), Some(y)) => x.to_bigint() == y.to_bigint(),
        _ => {
            let as_float = |v: &Value| match v {
                Value::Float(f) => Some(*f),
                other => Int::of(other).and_then(|i| i.to_f64()),
            };
            match (as_float(a), as_float(b)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            }
        }
    }
}
