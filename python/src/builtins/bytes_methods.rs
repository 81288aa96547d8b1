//! `bytes` methods: `decode` and `hex`, and the common text-like ones (`startswith`,
//! `find`, `split`, `strip`, `join`, `replace`, `upper`, `lower`, …) on raw bytes.

use std::sync::Arc;

use super::args::{bind, int_arg};
use super::str_methods::{codec, named_str};
use super::{add_methods, method_args};
use crate::objects::int::Int;
use crate::objects::types::{BuiltinTypes, ExcKind};
use crate::objects::{Args, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    add_methods(
        &types.bytes_type,
        "bytes",
        &[
            ("decode", decode),
            ("hex", hex),
            ("startswith", startswith),
            ("endswith", endswith),
            ("find", find),
            ("index", index),
            ("count", count),
            ("join", join),
            ("split", split),
            ("strip", strip),
            ("replace", replace),
            ("upper", upper),
            ("lower", lower),
        ],
    );
}

type Bytes = Arc<Vec<u8>>;

fn receiver(value: Value, name: &str) -> PyResult<Bytes> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        other => Err(PyErr::type_error(format!(
            "descriptor '{name}' for 'bytes' objects doesn't apply to a '{}' object",
            other.type_name()
        ))),
    }
}

fn bytes_args(args: Args, name: &str, min: usize, max: usize) -> PyResult<(Bytes, Vec<Value>)> {
    let (data, rest) = method_args(args, "bytes", name, min, max)?;
    Ok((receiver(data, name)?, rest))
}

fn bytes(value: Vec<u8>) -> Value {
    Value::Bytes(Arc::new(value))
}

/// A bytes argument (`a bytes-like object is required, not 'str'`).
fn bytes_value(value: &Value) -> PyResult<&[u8]> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        other => Err(PyErr::type_error(format!(
            "a bytes-like object is required, not '{}'",
            other.type_name()
        ))),
    }
}

/// A needle for `find`/`count`: bytes, or one byte as an int.
fn needle(value: &Value) -> PyResult<Vec<u8>> {
    match (value, Int::of(value)) {
        (Value::Bytes(bytes), _) => Ok(bytes.to_vec()),
        (_, Some(_)) => match int_arg(value)? {
            b @ 0..=255 => Ok(vec![b as u8]),
            _ => Err(PyErr::value_error("byte must be in range(0, 256)")),
        },
        (other, None) => Err(PyErr::type_error(format!(
            "argument should be integer or bytes-like object, not '{}'",
            other.type_name()
        ))),
    }
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn decode_error(codec: &str, byte: u8, at: usize, reason: &str) -> PyErr {
    PyErr::new(
        ExcKind::UnicodeError,
        format!("'{codec}' codec can't decode byte 0x{byte:02x} in position {at}: {reason}"),
    )
}

fn decode(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut args = args;
    if args.positional.is_empty() {
        return Err(PyErr::type_error(
            "unbound method bytes.decode() needs an argument",
        ));
    }
    let data = receiver(args.positional.remove(0), "decode")?;
    let slots = bind(args, "decode", &["encoding", "errors"], 0)?;
    let encoding = match &slots[0] {
        Some(value) => named_str(value, "decode", "encoding")?,
        None => "utf-8".to_owned(),
    };
    let errors = match &slots[1] {
        Some(value) => named_str(value, "decode", "errors")?,
        None => "strict".to_owned(),
    };
    let Some(codec) = codec(&encoding) else {
        return Err(PyErr::new(
            ExcKind::LookupError,
            format!("unknown encoding: {encoding}"),
        ));
    };
    let text = match codec {
        "latin-1" => data.iter().map(|&b| b as char).collect(),
        "ascii" => {
            let mut text = String::with_capacity(data.len());
            for (at, &b) in data.iter().enumerate() {
                if b < 0x80 {
                    text.push(b as char);
                } else {
                    match errors.as_str() {
                        "ignore" => {}
                        "replace" => text.push('\u{fffd}'),
                        _ => return Err(decode_error(codec, b, at, "ordinal not in range(128)")),
                    }
                }
            }
            text
        }
        _ => match std::str::from_utf8(&data) {
            Ok(text) => text.to_owned(),
            Err(error) => match errors.as_str() {
                "replace" => String::from_utf8_lossy(&data).into_owned(),
                "ignore" => utf8_ignoring_errors(&data),
                _ => {
                    let at = error.valid_up_to();
                    let byte = data[at];
                    let reason = match error.error_len() {
                        None => "unexpected end of data",
                        Some(_) if (0x80..0xc2).contains(&byte) || byte > 0xf4 => {
                            "invalid start byte"
                        }
                        Some(_) => "invalid continuation byte",
                    };
                    return Err(decode_error(codec, byte, at, reason));
                }
            },
        },
    };
    Ok(Value::str(text))
}

/// UTF-8 with every invalid sequence dropped (`errors="ignore"`).
fn utf8_ignoring_errors(mut data: &[u8]) -> String {
    let mut text = String::with_capacity(data.len());
    loop {
        match std::str::from_utf8(data) {
            Ok(rest) => {
                text.push_str(rest);
                return text;
            }
            Err(error) => {
                let (valid, rest) = data.split_at(error.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                data = &rest[error.error_len().unwrap_or(rest.len())..];
            }
        }
    }
}

fn hex(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, args) = bytes_args(args, "hex", 0, 1)?;
    let separator = match args.first() {
        None => None,
        Some(Value::Str(s)) if s.char_len() == 1 => Some(s.as_str().to_owned()),
        Some(Value::Str(_)) => return Err(PyErr::value_error("sep must be length 1.")),
        Some(other) => {
            return Err(PyErr::type_error(format!(
                "sep must be str or bytes, not {}",
                other.type_name()
            )))
        }
    };
    let parts: Vec<String> = data.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Value::str(parts.join(separator.as_deref().unwrap_or(""))))
}

fn affix(args: Args, name: &str, at_end: bool) -> PyResult<Value> {
    let (data, args) = bytes_args(args, name, 1, 1)?;
    let candidates: Vec<&[u8]> = match &args[0] {
        Value::Bytes(b) => vec![b.as_slice()],
        Value::Tuple(tuple) => {
            let mut all = Vec::new();
            for item in tuple.items() {
                match item {
                    Value::Bytes(b) => all.push(b.as_slice()),
                    other => {
                        return Err(PyErr::type_error(format!(
                            "a bytes-like object is required, not '{}'",
                            other.type_name()
                        )))
                    }
                }
            }
            all
        }
        other => {
            return Err(PyErr::type_error(format!(
                "{name} first arg must be bytes or a tuple of bytes, not {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::Bool(candidates.iter().any(|c| {
        if at_end {
            data.ends_with(c)
        } else {
            data.starts_with(c)
        }
    })))
}

fn startswith(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix(args, "startswith", false)
}

fn endswith(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix(args, "endswith", true)
}

fn find(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, args) = bytes_args(args, "find", 1, 1)?;
    let needle = needle(&args[0])?;
    Ok(Value::Int(
        position(&data, &needle).map_or(-1, |i| i as i64),
    ))
}

fn index(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, args) = bytes_args(args, "index", 1, 1)?;
    let needle = needle(&args[0])?;
    match position(&data, &needle) {
        Some(at) => Ok(Value::Int(at as i64)),
        None => Err(PyErr::value_error("subsection not found")),
    }
}

fn count(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, args) = bytes_args(args, "count", 1, 1)?;
    let needle = needle(&args[0])?;
    if needle.is_empty() {
        return Ok(Value::Int(data.len() as i64 + 1));
    }
    let mut n = 0;
    let mut rest = &data[..];
    while let Some(at) = position(rest, &needle) {
        n += 1;
        rest = &rest[at + needle.len()..];
    }
    Ok(Value::Int(n))
}

fn join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (separator, args) = bytes_args(args, "join", 1, 1)?;
    let items = vm.collect(&args[0])?;
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Bytes(item) = item else {
            return Err(PyErr::type_error(format!(
                "sequence item {index}: expected a bytes-like object, {} found",
                item.type_name()
            )));
        };
        if index > 0 {
            out.extend_from_slice(&separator);
        }
        out.extend_from_slice(item);
        if out.len() > vm.interp.limits.max_container_len {
            return Err(PyErr::memory_error("bytes.join"));
        }
    }
    Ok(bytes(out))
}

fn split(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut args = args;
    if args.positional.is_empty() {
        return Err(PyErr::type_error(
            "unbound method bytes.split() needs an argument",
        ));
    }
    let data = receiver(args.positional.remove(0), "split")?;
    let slots = bind(args, "split", &["sep", "maxsplit"], 0)?;
    let maxsplit = match &slots[1] {
        Some(value) => int_arg(value)?,
        None => -1,
    };
    let mut parts: Vec<Vec<u8>> = Vec::new();
    match &slots[0] {
        None | Some(Value::None) => {
            let mut rest: &[u8] = &data;
            loop {
                let start = rest
                    .iter()
                    .position(|b| !b.is_ascii_whitespace() && *b != 0x0b)
                    .unwrap_or(rest.len());
                rest = &rest[start..];
                if rest.is_empty() {
                    break;
                }
                if maxsplit >= 0 && parts.len() as i64 >= maxsplit {
                    parts.push(rest.to_vec());
                    break;
                }
                let end = rest
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || *b == 0x0b)
                    .unwrap_or(rest.len());
                parts.push(rest[..end].to_vec());
                rest = &rest[end..];
            }
        }
        Some(sep) => {
            let sep = bytes_value(sep)?;
            if sep.is_empty() {
                return Err(PyErr::value_error("empty separator"));
            }
            let mut rest: &[u8] = &data;
            while maxsplit < 0 || (parts.len() as i64) < maxsplit {
                let Some(at) = position(rest, sep) else { break };
                parts.push(rest[..at].to_vec());
                rest = &rest[at + sep.len()..];
            }
            parts.push(rest.to_vec());
        }
    }
    Ok(Value::list(parts.into_iter().map(bytes).collect()))
}

fn strip(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, args) = bytes_args(args, "strip", 0, 1)?;
    let chars: Vec<u8> = match args.first() {
        None | Some(Value::None) => b" \t\n\r\x0b\x0c".to_vec(),
        Some(value) => bytes_value(value)?.to_vec(),
    };
    let start = data
        .iter()
        .position(|b| !chars.contains(b))
        .unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !chars.contains(b))
        .map_or(start, |i| i + 1);
    Ok(bytes(data[start..end.max(start)].to_vec()))
}

fn replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, args) = bytes_args(args, "replace", 2, 3)?;
    let old = bytes_value(&args[0])?;
    let new = bytes_value(&args[1])?;
    let mut limit = match args.get(2) {
        Some(value) => int_arg(value)?,
        None => -1,
    };
    let mut out = Vec::with_capacity(data.len());
    let mut rest: &[u8] = &data;
    while limit != 0 {
        let Some(at) = position(rest, old) else { break };
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(new);
        if old.is_empty() {
            match rest.split_first() {
                Some((&first, tail)) => {
                    out.push(first);
                    rest = tail;
                }
                None => {
                    rest = &[];
                    limit = 1;
                }
            }
        } else {
            rest = &rest[at + old.len()..];
        }
        if out.len() > vm.interp.limits.max_container_len {
            return Err(PyErr::memory_error("bytes.replace"));
        }
        limit -= 1;
    }
    out.extend_from_slice(rest);
    Ok(bytes(out))
}

fn upper(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, _) = bytes_args(args, "upper", 0, 0)?;
    Ok(bytes(data.to_ascii_uppercase()))
}

fn lower(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, _) = bytes_args(args, "lower", 0, 0)?;
    Ok(bytes(data.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{i, s, show, vm};
    use crate::objects::Value;
    use std::sync::Arc;

    fn b(data: &[u8]) -> Value {
        Value::Bytes(Arc::new(data.to_vec()))
    }

    #[test]
    fn decode_and_hex() {
        let mut vm = vm();
        assert_eq!(show(&mut vm, &b("hé".as_bytes()), "decode", vec![]), "'hé'");
        assert_eq!(
            show(&mut vm, &b(b"\xff"), "decode", vec![]),
            "UnicodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
        );
        assert_eq!(show(&mut vm, &b(b"\xe4a"), "decode", vec![]), "UnicodeError: 'utf-8' codec can't decode byte 0xe4 in position 0: invalid continuation byte");
        assert_eq!(show(&mut vm, &b(b"\xe4"), "decode", vec![]), "UnicodeError: 'utf-8' codec can't decode byte 0xe4 in position 0: unexpected end of data");
        assert_eq!(show(&mut vm, &b(b"a\xe9"), "decode", vec![s("ascii")]), "UnicodeError: 'ascii' codec can't decode byte 0xe9 in position 1: ordinal not in range(128)");
        assert_eq!(
            show(
                &mut vm,
                &b(b"a\xe9\xe9b"),
                "decode",
                vec![s("utf-8"), s("ignore")]
            ),
            "'ab'"
        );
        assert_eq!(
            show(
                &mut vm,
                &b(b"a\xe9\xe9b"),
                "decode",
                vec![s("utf-8"), s("replace")]
            ),
            "'a\u{fffd}\u{fffd}b'"
        );
        assert_eq!(
            show(&mut vm, &b(b"\xe9"), "decode", vec![s("latin-1")]),
            "'é'"
        );
        assert_eq!(show(&mut vm, &b(b"\x01\xab"), "hex", vec![]), "'01ab'");
        assert_eq!(
            show(&mut vm, &b(b"\x01\xab"), "hex", vec![s(":")]),
            "'01:ab'"
        );
    }

    #[test]
    fn text_like() {
        let mut vm = vm();
        assert_eq!(
            show(&mut vm, &b(b"a-b"), "split", vec![b(b"-")]),
            "[b'a', b'b']"
        );
        assert_eq!(
            show(&mut vm, &b(b" a  b "), "split", vec![]),
            "[b'a', b'b']"
        );
        assert_eq!(show(&mut vm, &b(b" x "), "strip", vec![]), "b'x'");
        assert_eq!(
            show(
                &mut vm,
                &b(b"x"),
                "join",
                vec![Value::list(vec![b(b"a"), b(b"b")])]
            ),
            "b'axb'"
        );
        assert_eq!(
            show(&mut vm, &b(b"x"), "join", vec![Value::list(vec![s("a")])]),
            "TypeError: sequence item 0: expected a bytes-like object, str found"
        );
        assert_eq!(show(&mut vm, &b(b"abc"), "find", vec![i(98)]), "1");
        assert_eq!(show(&mut vm, &b(b"abc"), "count", vec![b(b"")]), "4");
        assert_eq!(show(&mut vm, &b(b"aBc"), "upper", vec![]), "b'ABC'");
        assert_eq!(
            show(&mut vm, &b(b"abc"), "replace", vec![b(b"b"), b(b"XX")]),
            "b'aXXc'"
        );
        assert_eq!(
            show(&mut vm, &b(b"ab"), "replace", vec![b(b""), b(b"-")]),
            "b'-a-b-'"
        );
        assert_eq!(
            show(&mut vm, &b(b"ab"), "startswith", vec![s("a")]),
            "TypeError: startswith first arg must be bytes or a tuple of bytes, not str"
        );
    }
}
