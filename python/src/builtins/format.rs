//! Python's three formatting languages, on RustPython's parsers: format specs (`f"{x:>10.2f}"`,
//! `format()`), and `%`-formatting (`"%5.1f" % x`). `str.format` builds on `format_value`.

use std::ops::Deref;
use std::str::FromStr;

use num_bigint::BigInt;
use rustpython_format::cformat::{
    CFormatPart, CFormatPrecision, CFormatQuantity, CFormatString, CFormatType,
};
use rustpython_format::{FormatSpec, FormatSpecError};

use crate::objects::int::Int;
use crate::objects::Value;
use crate::vm::{PyErr, PyResult, Vm};

/// A `&str` measured in characters, as the spec formatter needs.
struct Chars<'a>(&'a str);

impl rustpython_format::CharLen for Chars<'_> {
    fn char_len(&self) -> usize {
        self.0.chars().count()
    }
}

impl Deref for Chars<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

/// `format(value, spec)`: what an f-string field does after its conversion.
pub fn format_value(vm: &mut Vm, value: &Value, spec: &str) -> PyResult<String> {
    if let Value::Object(_) = value {
        if let Some(result) = vm.call_special(value, "__format__", vec![Value::str(spec)])? {
            return match result {
                Value::Str(s) => Ok(s.as_str().to_owned()),
                other => Err(PyErr::type_error(format!(
                    "__format__ must return a str, not {}",
                    other.type_name()
                ))),
            };
        }
    }
    if spec.is_empty() {
        return vm.str(value);
    }
    let (width, precision, kind) = spec_sizes(spec);
    let float_like = match value {
        Value::Float(_) => true,
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => {
            matches!(kind, Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%'))
        }
        _ => false,
    };
    check_sizes(vm, width, precision, float_like)?;
    let parsed = FormatSpec::parse(spec).map_err(|e| spec_error(e, value))?;
    let result = match value {
        Value::Bool(b) => parsed.format_bool(*b),
        Value::Int(_) | Value::BigInt(_) => {
            let number = Int::of(value).expect("an int").to_bigint();
            parsed.format_int(&number)
        }
        Value::Float(f) => parsed.format_float(*f),
        Value::Str(s) => parsed.format_string(&Chars(s.as_str())),
        other => {
            return Err(PyErr::type_error(format!(
                "unsupported format string passed to {}.__format__",
                other.type_name()
            )))
        }
    };
    result.map_err(|e| spec_error(e, value))
}

/// The width, precision and type of a format spec
/// (`[[fill]align][sign][z][#][0][width][grouping][.precision][type]`), read before the spec
/// is used, so that sizes we cannot honour are refused before anything is allocated.
fn spec_sizes(spec: &str) -> (Option<usize>, Option<usize>, Option<char>) {
    let chars: Vec<char> = spec.chars().collect();
    let is_align = |c: &char| matches!(c, '<' | '>' | '=' | '^');
    let mut at = match (chars.first(), chars.get(1)) {
        (_, Some(c)) if is_align(c) => 2,
        (Some(c), _) if is_align(c) => 1,
        _ => 0,
    };
    for flag in ['+', 'z', '#', '0'] {
        let matched = match flag {
            '+' => matches!(chars.get(at), Some('+' | '-' | ' ')),
            other => chars.get(at) == Some(&other),
        };
        if matched {
            at += 1;
        }
    }
    let number = |at: &mut usize| -> Option<usize> {
        let start = *at;
        let mut value: usize = 0;
        while let Some(digit) = chars.get(*at).and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(digit as usize);
            *at += 1;
        }
        (*at > start).then_some(value)
    };
    let width = number(&mut at);
    if matches!(chars.get(at), Some(',' | '_')) {
        at += 1;
    }
    let precision = if chars.get(at) == Some(&'.') {
        at += 1;
        number(&mut at)
    } else {
        None
    };
    (width, precision, chars.get(at).copied())
}

/// The largest float precision the formatter can produce (Rust's `format!` limit).
const MAX_FLOAT_PRECISION: usize = u16::MAX as usize;

/// Refuses a width past the memory limit, and a float precision the formatter cannot
/// produce (it would panic).
fn check_sizes(
    vm: &Vm,
    width: Option<usize>,
    precision: Option<usize>,
    float_like: bool,
) -> PyResult<()> {
    let limit = vm.interp.limits.max_container_len;
    if width.is_some_and(|w| w > limit) || precision.is_some_and(|p| p > limit) && float_like {
        return Err(PyErr::memory_error("format"));
    }
    if float_like && precision.is_some_and(|p| p > MAX_FLOAT_PRECISION) {
        return Err(PyErr::new(
            crate::objects::types::ExcKind::NotImplementedError,
            format!("not supported yet: a float precision above {MAX_FLOAT_PRECISION}"),
        ));
    }
    Ok(())
}

fn spec_error(error: FormatSpecError, value: &Value) -> PyErr {
    let message = match error {
        FormatSpecError::DecimalDigitsTooMany => {
            "Too many decimal digits in format string".to_owned()
        }
        FormatSpecError::PrecisionTooBig => "Precision too big".to_owned(),
        FormatSpecError::InvalidFormatSpecifier => "Invalid format specifier".to_owned(),
        FormatSpecError::UnspecifiedFormat(a, b) => format!("Cannot specify '{a}' with '{b}'."),
        FormatSpecError::UnknownFormatCode(code, _) => {
            format!(
                "Unknown format code '{code}' for object of type '{}'",
                value.type_name()
            )
        }
        FormatSpecError::PrecisionNotAllowed => {
            "Precision not allowed in integer format specifier".to_owned()
        }
        FormatSpecError::NotAllowed(what) => {
            format!("{what} not allowed with integer format specifier 'c'")
        }
        FormatSpecError::UnableToConvert => "Unable to convert int to float".to_owned(),
        FormatSpecError::CodeNotInRange => "%c arg not in range(0x110000)".to_owned(),
        FormatSpecError::NotImplemented(code, what) => {
            format!("Format code '{code}' for object of type '{what}' not implemented yet")
        }
    };
    PyErr::value_error(message)
}

/// `template % args`
pub fn percent_format(vm: &mut Vm, template: &str, args: &Value) -> PyResult<String> {
    let parsed =
        CFormatString::from_str(template).map_err(|e| PyErr::value_error(e.to_string()))?;
    let mapping = match args {
        Value::Dict(_) => Some(args.clone()),
        _ => None,
    };
    let values: Vec<Value> = match args {
        Value::Tuple(t) => t.items().to_vec(),
        other => vec![other.clone()],
    };
    let mut next = 0;
    let mut take = |vm: &mut Vm, key: &Option<String>| -> PyResult<Value> {
        if let Some(key) = key {
            let Some(mapping) = &mapping else {
                return Err(PyErr::type_error("format requires a mapping"));
            };
            return vm.get_item(mapping, &Value::str(key.as_str()));
        }
        let value = values.get(next).cloned();
        next += 1;
        value.ok_or_else(|| PyErr::type_error("not enough arguments for format string"))
    };
    let mut out = String::new();
    for (_, part) in parsed.iter() {
        let spec = match part {
            CFormatPart::Literal(text) => {
                out.push_str(text);
                continue;
            }
            CFormatPart::Spec(spec) => spec,
        };
        if matches!(spec.min_field_width, Some(CFormatQuantity::FromValuesTuple))
            || matches!(
                spec.precision,
                Some(CFormatPrecision::Quantity(CFormatQuantity::FromValuesTuple))
            )
        {
            return Err(PyErr::new(
                crate::objects::types::ExcKind::NotImplementedError,
                "not supported yet: '*' width or precision in %-formatting",
            ));
        }
        let amount = |quantity: Option<&CFormatQuantity>| match quantity {
            Some(CFormatQuantity::Amount(n)) => Some(*n),
            _ => None,
        };
        let precision = match &spec.precision {
            Some(CFormatPrecision::Quantity(quantity)) => amount(Some(quantity)),
            _ => None,
        };
        check_sizes(
            vm,
            amount(spec.min_field_width.as_ref()),
            precision,
            matches!(spec.format_type, CFormatType::Float(_)),
        )?;
        let value = take(vm, &spec.mapping_key)?;
        let text = match &spec.format_type {
            CFormatType::Number(_) => {
                let number = match (&value, Int::of(&value)) {
                    (_, Some(i)) => i.to_bigint(),
                    (Value::Float(f), None) => {
                        use num_traits::FromPrimitive;
                        BigInt::from_f64(f.trunc()).unwrap_or_default()
                    }
                    _ => {
                        return Err(PyErr::type_error(format!(
                            "%{} format: a real number is required, not {}",
                            spec.format_char,
                            value.type_name()
                        )))
                    }
                };
                spec.format_number(&number)
            }
            CFormatType::Float(_) => {
                let number = match (&value, Int::of(&value)) {
                    (Value::Float(f), _) => *f,
                    (_, Some(i)) => i.to_f64().unwrap_or(f64::INFINITY),
                    _ => {
                        return Err(PyErr::type_error(format!(
                            "must be real number, not {}",
                            value.type_name()
                        )))
                    }
                };
                spec.format_float(number)
            }
            CFormatType::Character => match (&value, Int::of(&value)) {
                (Value::Str(s), _) if s.char_len() == 1 => {
                    spec.format_char(s.as_str().chars().next().unwrap_or(' '))
                }
                (_, Some(Int::Small(code))) => {
                    match u32::try_from(code).ok().and_then(char::from_u32) {
                        Some(c) => spec.format_char(c),
                        None => {
                            return Err(PyErr::new(
                                crate::objects::types::ExcKind::OverflowError,
                                "%c arg not in range(0x110000)",
                            ))
                        }
                    }
                }
                _ => return Err(PyErr::type_error("%c requires int or char")),
            },
            CFormatType::String(conversion) => {
                let text = match conversion {
                    rustpython_format::FormatConversion::Repr => vm.repr(&value)?,
                    rustpython_format::FormatConversion::Ascii => super::ascii(&vm.repr(&value)?),
                    _ => vm.str(&value)?,
                };
                spec.format_string(text)
            }
        };
        out.push_str(&text);
    }
    if mapping.is_none() && next < values.len() && !matches!(args, Value::Dict(_)) {
        return Err(PyErr::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::spec_sizes;
    use crate::builtins::testing::{error_text, vm};
    use crate::objects::Value;

    #[test]
    fn spec_sizes_reads_width_precision_and_type() {
        assert_eq!(spec_sizes(">10.3f"), (Some(10), Some(3), Some('f')));
        assert_eq!(spec_sizes("*^+#012,.2%"), (Some(12), Some(2), Some('%')));
        assert_eq!(spec_sizes("<"), (None, None, None));
        assert_eq!(spec_sizes("x"), (None, None, Some('x')));
        assert_eq!(spec_sizes(".5"), (None, Some(5), None));
        assert_eq!(
            spec_sizes("99999999999999999999999"),
            (Some(usize::MAX), None, None)
        );
    }

    #[test]
    fn sizes_beyond_what_we_can_build_raise() {
        let mut vm = vm();
        let error = super::format_value(&mut vm, &Value::str("a"), "1000000000").unwrap_err();
        assert_eq!(
            error_text(&mut vm, error),
            "MemoryError: format: result too large for this run's memory limit"
        );
        let error = super::format_value(&mut vm, &Value::Float(1.5), ".70000f").unwrap_err();
        assert_eq!(
            error_text(&mut vm, error),
            "NotImplementedError: not supported yet: a float precision above 65535"
        );
        let error = super::percent_format(&mut vm, "%.70000f", &Value::Float(1.5)).unwrap_err();
        assert!(error_text(&mut vm, error).starts_with("NotImplementedError"));
        let text = super::format_value(&mut vm, &Value::str("abc"), ".70000").unwrap();
        assert_eq!(text, "abc");
        let text = super::format_value(&mut vm, &Value::Float(1.5), ".1000f").unwrap();
        assert_eq!(text.len(), 1002);
    }
}
