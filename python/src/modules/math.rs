//! `math`: the usual functions, with CPython's results and error messages: a result that is
//! NaN for a non-NaN input is `ValueError: math domain error`, one that overflows from finite
//! inputs is `OverflowError: math range error`, and the integer functions (`factorial`,
//! `gcd`, `comb`, `isqrt`, …) work on big ints.

use std::f64::consts;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::builtins::args::{bind, positional};
use crate::bytecode::BinaryOperator;
use crate::modules::native::add_function;
use crate::objects::types::ExcKind;
use crate::objects::{Args, Dict, Int, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    module.set_by_name("pi", Value::Float(consts::PI));
    module.set_by_name("e", Value::Float(consts::E));
    module.set_by_name("tau", Value::Float(consts::TAU));
    module.set_by_name("inf", Value::Float(f64::INFINITY));
    module.set_by_name("nan", Value::Float(f64::NAN));
    let functions: &[(&'static str, crate::objects::BuiltinFn)] = &[
        ("sqrt", sqrt),
        ("cbrt", cbrt),
        ("exp", exp),
        ("exp2", exp2),
        ("expm1", expm1),
        ("sin", sin),
        ("cos", cos),
        ("tan", tan),
        ("asin", asin),
        ("acos", acos),
        ("atan", atan),
        ("sinh", sinh),
        ("cosh", cosh),
        ("tanh", tanh),
        ("asinh", asinh),
        ("acosh", acosh),
        ("atanh", atanh),
        ("fabs", fabs),
        ("degrees", degrees),
        ("radians", radians),
        ("log", log),
        ("log2", log2),
        ("log10", log10),
        ("log1p", log1p),
        ("pow", pow),
        ("atan2", atan2),
        ("hypot", hypot),
        ("dist", dist),
        ("copysign", copysign),
        ("fmod", fmod),
        ("remainder", remainder),
        ("modf", modf),
        ("frexp", frexp),
        ("ldexp", ldexp),
        ("isfinite", isfinite),
        ("isinf", isinf),
        ("isnan", isnan),
        ("isclose", isclose),
        ("floor", floor),
        ("ceil", ceil),
        ("trunc", trunc),
        ("isqrt", isqrt),
        ("factorial", factorial),
        ("gcd", gcd),
        ("lcm", lcm),
        ("comb", comb),
        ("perm", perm),
        ("prod", prod),
        ("fsum", fsum),
    ];
    for (name, function) in functions {
        add_function(module, name, *function);
    }
    Ok(())
}

fn domain_error() -> PyErr {
    PyErr::value_error("math domain error")
}

fn range_error() -> PyErr {
    PyErr::new(ExcKind::OverflowError, "math range error")
}

/// A real-number argument: a float, an int (too big → `OverflowError`), or an object with
/// `__float__`.
fn real(vm: &mut Vm, value: &Value) -> PyResult<f64> {
    match value {
        Value::Float(f) => Ok(*f),
        other => match Int::of(other) {
            Some(i) => i.to_f64().ok_or_else(|| {
                PyErr::new(ExcKind::OverflowError, "int too large to convert to float")
            }),
            None => match vm.call_special(other, "__float__", vec![])? {
                Some(Value::Float(f)) => Ok(f),
                _ => Err(PyErr::type_error(format!(
                    "must be real number, not {}",
                    other.type_name()
                ))),
            },
        },
    }
}

/// An integer argument (`factorial`, `gcd`, …): floats are refused, as in 3.10+.
fn integer(value: &Value) -> PyResult<BigInt> {
    Int::of(value).map(|i| i.to_bigint()).ok_or_else(|| {
        PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            value.type_name()
        ))
    })
}

/// CPython's error rule for libm results.
fn checked(result: f64, input_finite: bool, input_nan: bool) -> PyResult<Value> {
    if result.is_nan() && !input_nan {
        return Err(domain_error());
    }
    if result.is_infinite() && input_finite {
        return Err(range_error());
    }
    Ok(Value::Float(result))
}

fn one_real(vm: &mut Vm, args: Args, name: &str) -> PyResult<f64> {
    let args = positional(args, name, 1, 1)?;
    real(vm, &args[0])
}

fn two_reals(vm: &mut Vm, args: Args, name: &str) -> PyResult<(f64, f64)> {
    let args = positional(args, name, 2, 2)?;
    Ok((real(vm, &args[0])?, real(vm, &args[1])?))
}

/// One-argument float functions.
macro_rules! unary {
    ($( $name:ident: $f:expr ),* $(,)?) => {
        $(
            fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let x = one_real(vm, args, stringify!($name))?;
                let f: fn(f64) -> f64 = $f;
                checked(f(x), x.is_finite(), x.is_nan())
            }
        )*
    };
}

unary! {
    sqrt: f64::sqrt,
    cbrt: f64::cbrt,
    exp: f64::exp,
    exp2: f64::exp2,
    expm1: f64::exp_m1,
    sin: f64::sin,
    cos: f64::cos,
    tan: f64::tan,
    asin: f64::asin,
    acos: f64::acos,
    atan: f64::atan,
    sinh: f64::sinh,
    cosh: f64::cosh,
    tanh: f64::tanh,
    asinh: f64::asinh,
    acosh: f64::acosh,
    fabs: f64::abs,
    degrees: f64::to_degrees,
    radians: f64::to_radians,
}

fn atanh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = one_real(vm, args, "atanh")?;
    if x.abs() >= 1.0 {
        return Err(domain_error());
    }
    Ok(Value::Float(x.atanh()))
}

/// `func` of a positive number, big ints included (`log(10**1000)` works): an int too big
/// for a float is split as `m * 2**e` first, as CPython's `loghelper` does.
fn log_of(vm: &mut Vm, value: &Value, func: fn(f64) -> f64) -> PyResult<f64> {
    if let Some(Int::Big(big)) = Int::of(value) {
        if !big.is_positive() {
            return Err(domain_error());
        }
        if big.to_f64().is_none_or(|f| f.is_infinite()) {
            let e = big.bits();
            let shift = e - 60;
            let top = (big >> shift).to_f64().unwrap_or(f64::MAX);
            let m = top / 2f64.powi(60);
            return Ok(func(m) + func(2.0) * e as f64);
        }
    }
    let x = real(vm, value)?;
    if x.is_nan() || x == f64::INFINITY {
        return Ok(x);
    }
    if x <= 0.0 {
        return Err(domain_error());
    }
    Ok(func(x))
}

/// `log(x[, base])`
fn log(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "log", 1, 2)?;
    let x = log_of(vm, &args[0], f64::ln)?;
    let Some(base) = args.get(1) else {
        return Ok(Value::Float(x));
    };
    let base = log_of(vm, base, f64::ln)?;
    if base == 0.0 {
        return Err(PyErr::new(
            ExcKind::ZeroDivisionError,
            "float division by zero",
        ));
    }
    Ok(Value::Float(x / base))
}

fn log2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "log2", 1, 1)?;
    Ok(Value::Float(log_of(vm, &args[0], f64::log2)?))
}

fn log10(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "log10", 1, 1)?;
    Ok(Value::Float(log_of(vm, &args[0], f64::log10)?))
}

fn log1p(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = one_real(vm, args, "log1p")?;
    if x <= -1.0 {
        return Err(domain_error());
    }
    Ok(Value::Float(x.ln_1p()))
}

fn pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (x, y) = two_reals(vm, args, "pow")?;
    if x == 0.0 && y < 0.0 && y.is_finite() {
        return Err(domain_error());
    }
    let result = x.powf(y);
    if result.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(domain_error());
    }
    if result.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_error());
    }
    Ok(Value::Float(result))
}

fn atan2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (y, x) = two_reals(vm, args, "atan2")?;
    Ok(Value::Float(y.atan2(x)))
}

/// The Euclidean norm of `coords`, CPython's special cases included.
fn norm(coords: &[f64]) -> PyResult<f64> {
    if coords.iter().any(|c| c.is_infinite()) {
        return Ok(f64::INFINITY);
    }
    if coords.iter().any(|c| c.is_nan()) {
        return Ok(f64::NAN);
    }
    let result = coords.iter().fold(0.0f64, |acc, c| acc.hypot(*c));
    if result.is_infinite() {
        return Err(range_error());
    }
    Ok(result)
}

/// `hypot(*coordinates)`
fn hypot(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.keywords.is_empty() {
        return Err(PyErr::type_error("hypot() takes no keyword arguments"));
    }
    let coords = args
        .positional
        .iter()
        .map(|c| real(vm, c))
        .collect::<PyResult<Vec<f64>>>()?;
    Ok(Value::Float(norm(&coords)?))
}

/// `dist(p, q)`
fn dist(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "dist", 2, 2)?;
    let p = vm.collect(&args[0])?;
    let q = vm.collect(&args[1])?;
    if p.len() != q.len() {
        return Err(PyErr::value_error(
            "both points must have the same number of dimensions",
        ));
    }
    let mut diffs = Vec::with_capacity(p.len());
    for (a, b) in p.iter().zip(&q) {
        diffs.push((real(vm, a)? - real(vm, b)?).abs());
    }
    Ok(Value::Float(norm(&diffs)?))
}

fn copysign(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (x, y) = two_reals(vm, args, "copysign")?;
    Ok(Value::Float(x.copysign(y)))
}

fn fmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (x, y) = two_reals(vm, args, "fmod")?;
    if y.is_infinite() && x.is_finite() {
        return Ok(Value::Float(x));
    }
    let result = x % y;
    if result.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(domain_error());
    }
    Ok(Value::Float(result))
}

/// IEEE 754 remainder: `x - n*y` with `n` the integer nearest `x/y`, ties to even.
fn remainder(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (x, y) = two_reals(vm, args, "remainder")?;
    if x.is_nan() || y.is_nan() {
        return Ok(Value::Float(f64::NAN));
    }
    if x.is_infinite() || y == 0.0 {
        return Err(domain_error());
    }
    if y.is_infinite() {
        return Ok(Value::Float(x));
    }
    let absx = x.abs();
    let absy = y.abs();
    let m = absx % absy;
    let c = absy - m;
    let r = if m < c {
        m
    } else if m > c {
        -c
    } else {
        // Exactly halfway: pick the even multiple.
        m - 2.0 * ((0.5 * (absx - m)) % absy)
    };
    Ok(Value::Float(1.0f64.copysign(x) * r))
}

/// `modf(x)`: `(fractional, integral)`, both with `x`'s sign.
fn modf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = one_real(vm, args, "modf")?;
    let (fraction, integral) = if x.is_infinite() {
        (0.0f64.copysign(x), x)
    } else {
        (x.fract().copysign(x), x.trunc())
    };
    Ok(Value::tuple(vec![
        Value::Float(fraction),
        Value::Float(integral),
    ]))
}

/// `frexp(x)`: `(m, e)` with `x == m * 2**e` and `0.5 <= abs(m) < 1`.
fn frexp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = one_real(vm, args, "frexp")?;
    let (m, e) = split_float(x);
    Ok(Value::tuple(vec![Value::Float(m), Value::Int(e)]))
}

fn split_float(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (x, bias) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(54), -54)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1022;
    let mantissa = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (mantissa, exponent + bias)
}

/// `ldexp(x, i)`: `x * 2**i`.
fn ldexp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "ldexp", 2, 2)?;
    let x = real(vm, &args[0])?;
    if matches!(args[1], Value::Float(_)) {
        return Err(PyErr::type_error(
            "Expected an int as second argument to ldexp.",
        ));
    }
    let i = integer(&args[1])?;
    if x == 0.0 || !x.is_finite() {
        return Ok(Value::Float(x));
    }
    let i = i
        .to_i64()
        .unwrap_or(if i.is_negative() { i64::MIN } else { i64::MAX });
    let (m, e) = split_float(x);
    let exponent = e.saturating_add(i);
    if exponent > 1024 {
        return Err(range_error());
    }
    if exponent < -1100 {
        return Ok(Value::Float(0.0f64.copysign(x)));
    }
    // Two steps, so that neither factor over- or underflows on its own.
    let half = exponent / 2;
    let result = m * 2f64.powi(half as i32) * 2f64.powi((exponent - half) as i32);
    if result.is_infinite() {
        return Err(range_error());
    }
    Ok(Value::Float(result))
}

fn isfinite(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(one_real(vm, args, "isfinite")?.is_finite()))
}

fn isinf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(one_real(vm, args, "isinf")?.is_infinite()))
}

fn isnan(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(one_real(vm, args, "isnan")?.is_nan()))
}

/// `isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)`
fn isclose(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.positional.len() > 2 {
        return Err(PyErr::type_error(format!(
            "isclose() takes exactly 2 positional arguments ({} given)",
            args.positional.len()
        )));
    }
    let slots = bind(args, "isclose", &["a", "b", "rel_tol", "abs_tol"], 2)?;
    let mut reals = [0.0, 0.0, 1e-9, 0.0];
    for (slot, real_value) in slots.iter().zip(reals.iter_mut()) {
        if let Some(value) = slot {
            *real_value = real(vm, value)?;
        }
    }
    let [a, b, rel_tol, abs_tol] = reals;
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return Err(PyErr::value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(Value::Bool(true));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::Bool(false));
    }
    let diff = (b - a).abs();
    Ok(Value::Bool(
        diff <= (rel_tol * b).abs() || diff <= (rel_tol * a).abs() || diff <= abs_tol,
    ))
}

/// A float as an int for `floor`/`ceil`/`trunc`, with CPython's errors for inf and NaN.
fn float_to_int(x: f64) -> PyResult<Value> {
    if x.is_nan() {
        return Err(PyErr::value_error("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(PyErr::new(
            ExcKind::OverflowError,
            "cannot convert float infinity to integer",
        ));
    }
    Ok(crate::builtins::constructors::float_to_int(x))
}

/// `floor`, `ceil`, `trunc`: ints pass through, floats round, other objects are asked
/// through their `__floor__`/`__ceil__`/`__trunc__`.
fn rounding(vm: &mut Vm, args: Args, name: &str, round: fn(f64) -> f64) -> PyResult<Value> {
    let args = positional(args, name, 1, 1)?;
    let value = &args[0];
    if let Some(i) = Int::of(value) {
        return Ok(match i {
            Int::Small(i) => Value::Int(i),
            Int::Big(_) => value.clone(),
        });
    }
    if let Value::Float(x) = value {
        return float_to_int(round(*x));
    }
    if let Some(result) = vm.call_special_named(value, &format!("__{name}__"), vec![])? {
        return Ok(result);
    }
    if name == "trunc" {
        return Err(PyErr::type_error(format!(
            "type {} doesn't define __trunc__ method",
            value.type_name()
        )));
    }
    float_to_int(round(real(vm, value)?))
}

fn floor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    rounding(vm, args, "floor", f64::floor)
}

fn ceil(vm: &mut Vm, args: Args) -> PyResult<Value> {
    rounding(vm, args, "ceil", f64::ceil)
}

fn trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    rounding(vm, args, "trunc", f64::trunc)
}

fn isqrt(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "isqrt", 1, 1)?;
    let n = integer(&args[0])?;
    if n.is_negative() {
        return Err(PyErr::value_error("isqrt() argument must be nonnegative"));
    }
    Ok(Value::bigint(n.sqrt()))
}

/// Results beyond this many factors would take seconds of native code that no Stop reaches.
const MAX_FACTORS: u64 = 200_000;

/// The product of `lo..=hi`, split in halves so the big multiplications stay balanced.
fn range_product(lo: &BigInt, hi: &BigInt) -> BigInt {
    if lo > hi {
        return BigInt::one();
    }
    let span = hi - lo;
    if span < BigInt::from(16) {
        let mut product = BigInt::one();
        let mut i = lo.clone();
        while &i <= hi {
            product *= &i;
            i += 1;
        }
        return product;
    }
    let mid: BigInt = (lo + hi) >> 1;
    range_product(lo, &mid) * range_product(&(mid + 1), hi)
}

fn factorial(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "factorial", 1, 1)?;
    let n = integer(&args[0])?;
    if n.is_negative() {
        return Err(PyErr::value_error(
            "factorial() not defined for negative values",
        ));
    }
    if n > BigInt::from(MAX_FACTORS) {
        return Err(PyErr::memory_error("factorial()"));
    }
    Ok(Value::bigint(range_product(&BigInt::one(), &n)))
}

fn integers(args: Args, name: &str) -> PyResult<Vec<BigInt>> {
    if !args.keywords.is_empty() {
        return Err(PyErr::type_error(format!(
            "{name}() takes no keyword arguments"
        )));
    }
    args.positional.iter().map(integer).collect()
}

/// `gcd(*integers)`
fn gcd(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let numbers = integers(args, "gcd")?;
    let result = numbers.iter().fold(BigInt::zero(), |acc, n| acc.gcd(n));
    Ok(Value::bigint(result))
}

/// `lcm(*integers)`
fn lcm(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let numbers = integers(args, "lcm")?;
    let mut result = BigInt::one();
    for n in &numbers {
        if n.is_zero() {
            return Ok(Value::Int(0));
        }
        result = result.lcm(n);
    }
    Ok(Value::bigint(result))
}

/// The `n, k` of `comb` and `perm`, checked.
fn n_k(n: &Value, k: &Value) -> PyResult<(BigInt, BigInt)> {
    let (n, k) = (integer(n)?, integer(k)?);
    if n.is_negative() {
        return Err(PyErr::value_error("n must be a non-negative integer"));
    }
    if k.is_negative() {
        return Err(PyErr::value_error("k must be a non-negative integer"));
    }
    Ok((n, k))
}

/// `comb(n, k)`
fn comb(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "comb", 2, 2)?;
    let (n, k) = n_k(&args[0], &args[1])?;
    if k > n {
        return Ok(Value::Int(0));
    }
    let k = std::cmp::min(k.clone(), &n - &k);
    if k > BigInt::from(MAX_FACTORS) {
        return Err(PyErr::memory_error("comb()"));
    }
    let k = k.to_u64().unwrap_or(0);
    let mut result = BigInt::one();
    for i in 0..k {
        result = result * (&n - i) / (i + 1);
    }
    Ok(Value::bigint(result))
}

/// `perm(n, k=None)`
fn perm(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "perm", 1, 2)?;
    let k = args.get(1).cloned().unwrap_or(Value::None);
    let k = if k.is_none() { args[0].clone() } else { k };
    let (n, k) = n_k(&args[0], &k)?;
    if k > n {
        return Ok(Value::Int(0));
    }
    if k > BigInt::from(MAX_FACTORS) {
        return Err(PyErr::memory_error("perm()"));
    }
    Ok(Value::bigint(range_product(&(&n - &k + 1), &n)))
}

/// `prod(iterable, *, start=1)`: `*` on whatever the items are.
fn prod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.positional.len() != 1 {
        return Err(PyErr::type_error(format!(
            "prod() takes exactly 1 positional argument ({} given)",
            args.positional.len()
        )));
    }
    let mut start = Value::Int(1);
    for (name, value) in &args.keywords {
        if name.as_str() != "start" {
            return Err(PyErr::type_error(format!(
                "prod() got an unexpected keyword argument '{}'",
                name.as_str()
            )));
        }
        start = value.clone();
    }
    let iterator = vm.get_iter(&args.positional[0])?;
    let mut product = start;
    while let Some(item) = vm.next(&iterator)? {
        product = vm.binary_op(&product, &item, BinaryOperator::Multiply)?;
    }
    Ok(product)
}

/// `fsum(iterable)`: the correctly rounded sum (Shewchuk's algorithm, as CPython's).
fn fsum(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "fsum", 1, 1)?;
    let iterator = vm.get_iter(&args[0])?;
    let mut partials: Vec<f64> = Vec::new();
    let mut special = 0.0f64;
    let mut inf_sum = 0.0f64;
    while let Some(item) = vm.next(&iterator)? {
        let mut x = real(vm, &item)?;
        if !x.is_finite() {
            if x.is_infinite() {
                inf_sum += x;
            }
            special += x;
            continue;
        }
        let mut kept = 0;
        for i in 0..partials.len() {
            let mut y = partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        if !x.is_finite() {
            return Err(PyErr::new(
                ExcKind::OverflowError,
                "intermediate overflow in fsum",
            ));
        }
        partials.push(x);
    }
    if special != 0.0 || special.is_nan() {
        if inf_sum.is_nan() {
            return Err(PyErr::value_error("-inf + inf in fsum"));
        }
        return Ok(Value::Float(special));
    }
    let mut n = partials.len();
    let mut hi = 0.0;
    if n > 0 {
        n -= 1;
        hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(Value::Float(hi))
}
