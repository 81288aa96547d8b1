//! `str` methods, with CPython 3.11's semantics and messages: indexes and widths count
//! characters (not UTF-8 bytes), whitespace and line breaks are Unicode's, and `start`/`end`
//! arguments follow slice rules. `format` and `format_map` are in `str_format.rs`.

use std::sync::Arc;

use super::args::{bind, int_arg};
use super::{add_methods, method_args, static_method, str_format};
use crate::objects::int::Int;
use crate::objects::types::{BuiltinTypes, ExcKind};
use crate::objects::{Args, Dict, HashKey, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn install(types: &BuiltinTypes) {
    add_methods(
        &types.str_type,
        "str",
        &[
            ("join", join),
            ("split", split),
            ("rsplit", rsplit),
            ("splitlines", splitlines),
            ("strip", strip),
            ("lstrip", lstrip),
            ("rstrip", rstrip),
            ("upper", upper),
            ("lower", lower),
            ("casefold", casefold),
            ("title", title),
            ("capitalize", capitalize),
            ("swapcase", swapcase),
            ("startswith", startswith),
            ("endswith", endswith),
            ("find", find),
            ("rfind", rfind),
            ("index", index),
            ("rindex", rindex),
            ("count", count),
            ("replace", replace),
            ("format", str_format::format),
            ("format_map", str_format::format_map),
            ("ljust", ljust),
            ("rjust", rjust),
            ("center", center),
            ("zfill", zfill),
            ("isdigit", isdigit),
            ("isdecimal", isdecimal),
            ("isnumeric", isnumeric),
            ("isalpha", isalpha),
            ("isalnum", isalnum),
            ("isspace", isspace),
            ("isupper", isupper),
            ("islower", islower),
            ("istitle", istitle),
            ("isidentifier", isidentifier),
            ("isascii", isascii),
            ("isprintable", isprintable),
            ("partition", partition),
            ("rpartition", rpartition),
            ("expandtabs", expandtabs),
            ("encode", encode),
            ("removeprefix", removeprefix),
            ("removesuffix", removesuffix),
            ("translate", translate),
        ],
    );
    types.str_type.dict.set_by_name(
        "maketrans",
        static_method(types, "str", "maketrans", maketrans),
    );
}

// ---------------------------------------------------------------------------------------------
// Receivers and arguments

fn receiver(value: &Value, name: &str) -> PyResult<Arc<PyStr>> {
    match value {
        Value::Str(s) => Ok(s.clone()),
        other => Err(PyErr::type_error(format!(
            "descriptor '{name}' for 'str' objects doesn't apply to a '{}' object",
            other.type_name()
        ))),
    }
}

fn needs_receiver(name: &str) -> PyErr {
    PyErr::type_error(format!("unbound method str.{name}() needs an argument"))
}

/// A method without arguments: `str.upper() takes no arguments (1 given)`.
fn no_args(args: Args, name: &str) -> PyResult<Arc<PyStr>> {
    let (text, _) = method_args(args, "str", name, 0, 0)?;
    receiver(&text, name)
}

/// The receiver and `min..=max` positional arguments (no keywords).
fn positional_args(
    args: Args,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<(Arc<PyStr>, Vec<Value>)> {
    let (text, rest) = method_args(args, "str", name, min, max)?;
    Ok((receiver(&text, name)?, rest))
}

/// The receiver and the arguments bound to `names` (positional or keyword).
fn keyword_args(
    mut args: Args,
    name: &str,
    names: &[&str],
    required: usize,
) -> PyResult<(Arc<PyStr>, Vec<Option<Value>>)> {
    if args.positional.is_empty() {
        return Err(needs_receiver(name));
    }
    let first = args.positional.remove(0);
    let text = receiver(&first, name)?;
    Ok((text, bind(args, name, names, required)?))
}

/// A `start`/`end` argument: an int, or `None` for the default.
fn slice_arg(value: Option<&Value>) -> PyResult<Option<i64>> {
    match value {
        None | Some(Value::None) => Ok(None),
        Some(value) => match Int::of(value) {
            Some(Int::Small(i)) => Ok(Some(i)),
            Some(big) => Ok(Some(if big.is_negative() {
                i64::MIN
            } else {
                i64::MAX
            })),
            None => Err(PyErr::type_error(
                "slice indices must be integers or None or have an __index__ method",
            )),
        },
    }
}

/// CPython's `ADJUST_INDICES`: negative indexes count from the end; `end` is clamped to the
/// length, `start` only at 0 (a `start` past the end matches nothing).
fn adjust(start: Option<i64>, end: Option<i64>, len: i64) -> (i64, i64) {
    let mut start = start.unwrap_or(0);
    let mut end = end.unwrap_or(len);
    if end > len {
        end = len;
    } else if end < 0 {
        end = (end + len).max(0);
    }
    if start < 0 {
        start = (start + len).max(0);
    }
    (start, end)
}

/// The byte offset of character `index` (at most the length).
fn byte_offset(text: &str, ascii: bool, index: usize) -> usize {
    if ascii {
        index.min(text.len())
    } else {
        text.char_indices()
            .nth(index)
            .map_or(text.len(), |(byte, _)| byte)
    }
}

fn char_count(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// The substring `text[start:end]` in characters, with its first character's index.
fn window(text: &PyStr, start: i64, end: i64) -> &str {
    let begin = byte_offset(text.as_str(), text.is_ascii(), start as usize);
    let rest = &text.as_str()[begin..];
    let stop = byte_offset(rest, text.is_ascii(), (end - start).max(0) as usize);
    &rest[..stop]
}

/// An argument that must be a str (`must be str, not int`).
fn str_value(value: &Value) -> PyResult<&str> {
    match value {
        Value::Str(s) => Ok(s.as_str()),
        other => Err(PyErr::type_error(format!(
            "must be str, not {}",
            other.type_name()
        ))),
    }
}

fn check_len(vm: &Vm, chars: usize, what: &str) -> PyResult<()> {
    if chars > vm.interp.limits.max_container_len {
        return Err(PyErr::memory_error(what));
    }
    Ok(())
}

/// Python's `str.isspace` for one character: Unicode White_Space plus the information
/// separators `\x1c`–`\x1f`, which CPython also splits on.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The first code point of each block of ten decimal digits (Unicode category Nd).
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// Digits that are not decimal (superscripts, circled digits, …): Numeric_Type=Digit.
const OTHER_DIGITS: &[(u32, u32)] = &[
    (178, 179),
    (185, 185),
    (4969, 4977),
    (6618, 6618),
    (8304, 8304),
    (8308, 8313),
    (8320, 8329),
    (9312, 9320),
    (9332, 9340),
    (9352, 9360),
    (9450, 9450),
    (9461, 9469),
    (9471, 9471),
    (10102, 10110),
    (10112, 10120),
    (10122, 10130),
    (68160, 68163),
    (69216, 69224),
    (69714, 69722),
    (127232, 127242),
];

/// The decimal value of a decimal digit in any script (what `int()` accepts).
pub(crate) fn decimal_value(c: char) -> Option<u32> {
    let code = c as u32;
    if c.is_ascii_digit() {
        return Some(code - 0x30);
    }
    DECIMAL_ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .map(|zero| code - zero)
}

fn is_decimal(c: char) -> bool {
    decimal_value(c).is_some()
}

fn is_digit(c: char) -> bool {
    is_decimal(c)
        || OTHER_DIGITS
            .iter()
            .any(|&(low, high)| (low..=high).contains(&(c as u32)))
}

/// Numeric characters: digits, fractions, Roman numerals, and the common CJK numerals
/// (which Unicode files as letters with a numeric value).
fn is_numeric(c: char) -> bool {
    c.is_numeric()
        || is_digit(c)
        || "〇一二三四五六七八九十百千万億兆零壹贰貳叁參肆伍陆陸柒捌玖拾佰仟".contains(c)
}

/// Title case of one character: upper case, except the Latin digraphs (`ǆ` → `ǅ`), which
/// have a title-case form of their own.
fn push_title(out: &mut String, c: char) {
    match c as u32 {
        0x1c4..=0x1c6 => out.push('\u{1c5}'),
        0x1c7..=0x1c9 => out.push('\u{1c8}'),
        0x1ca..=0x1cc => out.push('\u{1cb}'),
        0x1f1..=0x1f3 => out.push('\u{1f2}'),
        _ => out.extend(c.to_uppercase()),
    }
}

fn is_cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase()
}

fn is_alpha(c: char) -> bool {
    c.is_alphabetic()
}

fn is_printable(c: char) -> bool {
    c == ' '
        || !(c.is_control()
            || c.is_whitespace()
            || matches!(c as u32, 0xad | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff | 0xe000..=0xf8ff))
}

// ---------------------------------------------------------------------------------------------
// Joining and splitting

fn join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (separator, args) = positional_args(args, "join", 1, 1)?;
    let iterator = vm.get_iter(&args[0]).map_err(|error| {
        if error.is(ExcKind::TypeError) {
            PyErr::type_error("can only join an iterable")
        } else {
            error
        }
    })?;
    let mut out = String::new();
    let mut chars = 0;
    let separator_chars = separator.char_len();
    let mut index = 0;
    while let Some(item) = vm.next(&iterator)? {
        let Value::Str(item) = &item else {
            return Err(PyErr::type_error(format!(
                "sequence item {index}: expected str instance, {} found",
                item.type_name()
            )));
        };
        if index > 0 {
            out.push_str(separator.as_str());
            chars += separator_chars;
        }
        chars += item.char_len();
        check_len(vm, chars, "str.join")?;
        out.push_str(item.as_str());
        index += 1;
    }
    Ok(Value::str(out))
}

/// `sep` and `maxsplit` of `split`/`rsplit`.
fn split_args(args: Args, name: &str) -> PyResult<(Arc<PyStr>, Option<Arc<PyStr>>, i64)> {
    let (text, slots) = keyword_args(args, name, &["sep", "maxsplit"], 0)?;
    let separator = match &slots[0] {
        None | Some(Value::None) => None,
        Some(Value::Str(s)) if s.as_str().is_empty() => {
            return Err(PyErr::value_error("empty separator"))
        }
        Some(Value::Str(s)) => Some(s.clone()),
        Some(other) => {
            return Err(PyErr::type_error(format!(
                "must be str or None, not {}",
                other.type_name()
            )))
        }
    };
    let maxsplit = match &slots[1] {
        None => -1,
        Some(value) => int_arg(value)?,
    };
    Ok((text, separator, maxsplit))
}

fn strs(parts: Vec<&str>) -> Value {
    Value::list(parts.into_iter().map(Value::str).collect())
}

fn split(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, separator, maxsplit) = split_args(args, "split")?;
    let text = text.as_str();
    Ok(strs(match separator {
        None => split_whitespace(text, maxsplit),
        Some(sep) if maxsplit < 0 => text.split(sep.as_str()).collect(),
        Some(sep) => text
            .splitn(maxsplit.saturating_add(1) as usize, sep.as_str())
            .collect(),
    }))
}

fn rsplit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, separator, maxsplit) = split_args(args, "rsplit")?;
    let text = text.as_str();
    let mut parts: Vec<&str> = match separator {
        None => rsplit_whitespace(text, maxsplit),
        Some(sep) if maxsplit < 0 => text.rsplit(sep.as_str()).collect(),
        Some(sep) => text
            .rsplitn(maxsplit.saturating_add(1) as usize, sep.as_str())
            .collect(),
    };
    parts.reverse();
    Ok(strs(parts))
}

/// `split()` with no separator: runs of whitespace separate, and ends are ignored; after
/// `maxsplit` splits the rest is one part (its leading whitespace removed).
fn split_whitespace(text: &str, maxsplit: i64) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text.trim_start_matches(is_space);
    while !rest.is_empty() {
        if maxsplit >= 0 && parts.len() as i64 >= maxsplit {
            parts.push(rest);
            break;
        }
        match rest.find(is_space) {
            Some(at) => {
                parts.push(&rest[..at]);
                rest = rest[at..].trim_start_matches(is_space);
            }
            None => {
                parts.push(rest);
                break;
            }
        }
    }
    parts
}

/// `rsplit()` with no separator, parts from the right (the caller reverses them).
fn rsplit_whitespace(text: &str, maxsplit: i64) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text.trim_end_matches(is_space);
    while !rest.is_empty() {
        if maxsplit >= 0 && parts.len() as i64 >= maxsplit {
            parts.push(rest);
            break;
        }
        match rest.rfind(is_space) {
            Some(at) => {
                let space = rest[at..].chars().next().map_or(1, char::len_utf8);
                parts.push(&rest[at + space..]);
                rest = rest[..at].trim_end_matches(is_space);
            }
            None => {
                parts.push(rest);
                break;
            }
        }
    }
    parts
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

fn splitlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, slots) = keyword_args(args, "splitlines", &["keepends"], 0)?;
    let keepends = match &slots[0] {
        Some(value) => vm.is_true(value)?,
        None => false,
    };
    let text = text.as_str();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if !is_line_break(c) {
            continue;
        }
        let mut end = at + c.len_utf8();
        if c == '\r' {
            if let Some(&(_, '\n')) = chars.peek() {
                chars.next();
                end += 1;
            }
        }
        lines.push(Value::str(if keepends {
            &text[start..end]
        } else {
            &text[start..at]
        }));
        start = end;
    }
    if start < text.len() {
        lines.push(Value::str(&text[start..]));
    }
    Ok(Value::list(lines))
}

fn partition(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(args, "partition", false)
}

fn rpartition(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(args, "rpartition", true)
}

fn partition_impl(args: Args, name: &str, from_right: bool) -> PyResult<Value> {
    let (text, args) = positional_args(args, name, 1, 1)?;
    let sep = str_value(&args[0])?;
    if sep.is_empty() {
        return Err(PyErr::value_error("empty separator"));
    }
    let whole = text.as_str();
    let found = if from_right {
        whole.rfind(sep)
    } else {
        whole.find(sep)
    };
    let parts = match found {
        Some(at) => [&whole[..at], sep, &whole[at + sep.len()..]],
        None if from_right => ["", "", whole],
        None => [whole, "", ""],
    };
    Ok(Value::tuple(parts.iter().map(|p| Value::str(*p)).collect()))
}

// ---------------------------------------------------------------------------------------------
// Stripping, case, padding

fn strip_impl(args: Args, name: &str, left: bool, right: bool) -> PyResult<Value> {
    let (text, args) = positional_args(args, name, 0, 1)?;
    let chars: Option<Vec<char>> = match args.first() {
        None | Some(Value::None) => None,
        Some(Value::Str(chars)) => Some(chars.as_str().chars().collect()),
        Some(_) => return Err(PyErr::type_error(format!("{name} arg must be None or str"))),
    };
    let matches = |c: char| match &chars {
        None => is_space(c),
        Some(set) => set.contains(&c),
    };
    let mut result = text.as_str();
    if left {
        result = result.trim_start_matches(matches);
    }
    if right {
        result = result.trim_end_matches(matches);
    }
    if result.len() == text.as_str().len() {
        return Ok(Value::Str(text));
    }
    Ok(Value::str(result))
}

fn strip(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(args, "strip", true, true)
}

fn lstrip(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(args, "lstrip", true, false)
}

fn rstrip(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(args, "rstrip", false, true)
}

fn upper(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "upper")?;
    Ok(Value::str(text.as_str().to_uppercase()))
}

fn lower(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "lower")?;
    Ok(Value::str(text.as_str().to_lowercase()))
}

fn casefold(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "casefold")?;
    Ok(Value::str(text.as_str().to_lowercase().replace('ß', "ss")))
}

/// Title case: a cased character after an uncased one is upper-cased, the others lowered.
fn title(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "title")?;
    let mut out = String::with_capacity(text.as_str().len());
    let mut previous_cased = false;
    for c in text.as_str().chars() {
        if previous_cased {
            out.extend(c.to_lowercase());
        } else {
            push_title(&mut out, c);
        }
        previous_cased = is_cased(c);
    }
    Ok(Value::str(out))
}

fn capitalize(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "capitalize")?;
    let mut chars = text.as_str().chars();
    let mut out = String::with_capacity(text.as_str().len());
    if let Some(first) = chars.next() {
        push_title(&mut out, first);
        out.push_str(&chars.as_str().to_lowercase());
    }
    Ok(Value::str(out))
}

fn swapcase(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "swapcase")?;
    let mut out = String::with_capacity(text.as_str().len());
    for c in text.as_str().chars() {
        if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    Ok(Value::str(out))
}

fn fill_char(value: Option<&Value>) -> PyResult<char> {
    match value {
        None => Ok(' '),
        Some(Value::Str(s)) => {
            let mut chars = s.as_str().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(PyErr::type_error(
                    "The fill character must be exactly one character long",
                )),
            }
        }
        Some(other) => Err(PyErr::type_error(format!(
            "The fill character must be a unicode character, not {}",
            other.type_name()
        ))),
    }
}

/// `ljust`/`rjust`/`center`: `left` of the padding before the text, the rest after.
fn pad(
    vm: &mut Vm,
    args: Args,
    name: &str,
    left_share: fn(usize, usize) -> usize,
) -> PyResult<Value> {
    let (text, args) = positional_args(args, name, 1, 2)?;
    let width = int_arg(&args[0])?;
    let fill = fill_char(args.get(1))?;
    let len = text.char_len();
    if width <= len as i64 {
        return Ok(Value::Str(text));
    }
    let width = width as usize;
    check_len(vm, width, name)?;
    let padding = width - len;
    let left = left_share(padding, width);
    let mut out = String::with_capacity(text.as_str().len() + padding * fill.len_utf8());
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(text.as_str());
    out.extend(std::iter::repeat_n(fill, padding - left));
    Ok(Value::str(out))
}

fn ljust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pad(vm, args, "ljust", |_, _| 0)
}

fn rjust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pad(vm, args, "rjust", |padding, _| padding)
}

fn center(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // CPython's rounding: the odd space goes left only when the width is odd too.
    pad(vm, args, "center", |padding, width| {
        padding / 2 + (padding & width & 1)
    })
}

fn zfill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, args) = positional_args(args, "zfill", 1, 1)?;
    let width = int_arg(&args[0])?;
    let len = text.char_len();
    if width <= len as i64 {
        return Ok(Value::Str(text));
    }
    check_len(vm, width as usize, "zfill")?;
    let zeros = "0".repeat(width as usize - len);
    let whole = text.as_str();
    Ok(Value::str(match whole.chars().next() {
        Some(sign @ ('+' | '-')) => format!("{sign}{zeros}{}", &whole[1..]),
        _ => format!("{zeros}{whole}"),
    }))
}

fn expandtabs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, slots) = keyword_args(args, "expandtabs", &["tabsize"], 0)?;
    let tabsize = match &slots[0] {
        Some(value) => int_arg(value)?,
        None => 8,
    };
    let mut out = String::with_capacity(text.as_str().len());
    let mut column: i64 = 0;
    let mut chars = 0usize;
    for c in text.as_str().chars() {
        match c {
            '\t' => {
                if tabsize > 0 {
                    let spaces = tabsize - column % tabsize;
                    chars = chars.saturating_add(spaces as usize);
                    check_len(vm, chars, "expandtabs")?;
                    out.extend(std::iter::repeat_n(' ', spaces as usize));
                    column += spaces;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                chars += 1;
                column = 0;
            }
            c => {
                out.push(c);
                chars += 1;
                column += 1;
            }
        }
    }
    Ok(Value::str(out))
}

// ---------------------------------------------------------------------------------------------
// Searching

/// `startswith`/`endswith`: a str or a tuple of them, within `[start:end]`.
fn affix(args: Args, name: &str, at_end: bool) -> PyResult<Value> {
    let (text, args) = positional_args(args, name, 1, 3)?;
    let len = text.char_len() as i64;
    let (start, end) = adjust(slice_arg(args.get(1))?, slice_arg(args.get(2))?, len);
    let candidates: Vec<&str> = match &args[0] {
        Value::Str(s) => vec![s.as_str()],
        Value::Tuple(tuple) => {
            let mut all = Vec::with_capacity(tuple.items().len());
            for item in tuple.items() {
                match item {
                    Value::Str(s) => all.push(s.as_str()),
                    other => {
                        return Err(PyErr::type_error(format!(
                            "tuple for {name} must only contain str, not {}",
                            other.type_name()
                        )))
                    }
                }
            }
            all
        }
        other => {
            return Err(PyErr::type_error(format!(
                "{name} first arg must be str or a tuple of str, not {}",
                other.type_name()
            )))
        }
    };
    let region = if start <= end {
        window(&text, start, end)
    } else {
        ""
    };
    let found = candidates.iter().any(|affix| {
        let affix_len = char_count(affix) as i64;
        if end - affix_len < start {
            return false;
        }
        if at_end {
            region.ends_with(affix)
        } else {
            region.starts_with(affix)
        }
    });
    Ok(Value::Bool(found))
}

fn startswith(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix(args, "startswith", false)
}

fn endswith(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix(args, "endswith", true)
}

/// Where `needle` is in `text[start:end]`, as a character index.
fn search(args: Args, name: &str, from_right: bool) -> PyResult<Option<usize>> {
    let (text, args) = positional_args(args, name, 1, 3)?;
    let needle = str_value(&args[0])?;
    let len = text.char_len() as i64;
    let (start, end) = adjust(slice_arg(args.get(1))?, slice_arg(args.get(2))?, len);
    if start > len || end - start < char_count(needle) as i64 {
        return Ok(None);
    }
    let region = window(&text, start, end);
    let found = if from_right {
        region.rfind(needle)
    } else {
        region.find(needle)
    };
    Ok(found.map(|byte| start as usize + char_count(&region[..byte])))
}

fn find(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(
        search(args, "find", false)?.map_or(-1, |i| i as i64),
    ))
}

fn rfind(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(
        search(args, "rfind", true)?.map_or(-1, |i| i as i64),
    ))
}

fn index(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    match search(args, "index", false)? {
        Some(at) => Ok(Value::Int(at as i64)),
        None => Err(PyErr::value_error("substring not found")),
    }
}

fn rindex(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    match search(args, "rindex", true)? {
        Some(at) => Ok(Value::Int(at as i64)),
        None => Err(PyErr::value_error("substring not found")),
    }
}

fn count(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, args) = positional_args(args, "count", 1, 3)?;
    let needle = str_value(&args[0])?;
    let len = text.char_len() as i64;
    let (start, end) = adjust(slice_arg(args.get(1))?, slice_arg(args.get(2))?, len);
    if start > len || end - start < char_count(needle) as i64 {
        return Ok(Value::Int(0));
    }
    let region = window(&text, start, end);
    Ok(Value::Int(region.matches(needle).count() as i64))
}

fn replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, args) = positional_args(args, "replace", 2, 3)?;
    let old = match &args[0] {
        Value::Str(s) => s.as_str(),
        other => {
            return Err(PyErr::type_error(format!(
                "replace() argument 1 must be str, not {}",
                other.type_name()
            )))
        }
    };
    let new = match &args[1] {
        Value::Str(s) => s.as_str(),
        other => {
            return Err(PyErr::type_error(format!(
                "replace() argument 2 must be str, not {}",
                other.type_name()
            )))
        }
    };
    let limit = match args.get(2) {
        Some(value) => int_arg(value)?,
        None => -1,
    };
    let whole = text.as_str();
    let (old_chars, new_chars) = (char_count(old), char_count(new));
    if new_chars > old_chars {
        let mut occurrences = whole.matches(old).count();
        if limit >= 0 {
            occurrences = occurrences.min(limit as usize);
        }
        let grown = occurrences.saturating_mul(new_chars - old_chars);
        check_len(vm, text.char_len().saturating_add(grown), "str.replace")?;
    }
    Ok(Value::str(if limit < 0 {
        whole.replace(old, new)
    } else {
        whole.replacen(old, new, limit as usize)
    }))
}

fn removeprefix(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, args) = positional_args(args, "removeprefix", 1, 1)?;
    let prefix = match &args[0] {
        Value::Str(s) => s.as_str(),
        other => {
            return Err(PyErr::type_error(format!(
                "removeprefix() argument must be str, not {}",
                other.type_name()
            )))
        }
    };
    Ok(match text.as_str().strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() => Value::str(rest),
        _ => Value::Str(text),
    })
}

fn removesuffix(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, args) = positional_args(args, "removesuffix", 1, 1)?;
    let suffix = match &args[0] {
        Value::Str(s) => s.as_str(),
        other => {
            return Err(PyErr::type_error(format!(
                "removesuffix() argument must be str, not {}",
                other.type_name()
            )))
        }
    };
    Ok(match text.as_str().strip_suffix(suffix) {
        Some(rest) if !suffix.is_empty() => Value::str(rest),
        _ => Value::Str(text),
    })
}

// ---------------------------------------------------------------------------------------------
// Predicates

/// A predicate that holds when the string is non-empty and every character passes.
fn every(args: Args, name: &str, test: fn(char) -> bool) -> PyResult<Value> {
    let text = no_args(args, name)?;
    let text = text.as_str();
    Ok(Value::Bool(!text.is_empty() && text.chars().all(test)))
}

fn isdigit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    every(args, "isdigit", is_digit)
}

fn isdecimal(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    every(args, "isdecimal", is_decimal)
}

fn isnumeric(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    every(args, "isnumeric", is_numeric)
}

fn isalpha(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    every(args, "isalpha", is_alpha)
}

fn isalnum(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    every(args, "isalnum", |c| is_alpha(c) || is_numeric(c))
}

fn isspace(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    every(args, "isspace", is_space)
}

fn isascii(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "isascii")?;
    Ok(Value::Bool(text.is_ascii()))
}

fn isprintable(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "isprintable")?;
    Ok(Value::Bool(text.as_str().chars().all(is_printable)))
}

/// `isupper`/`islower`: at least one cased character, and none of the other case.
fn one_case(args: Args, name: &str, upper: bool) -> PyResult<Value> {
    let text = no_args(args, name)?;
    let mut cased = false;
    for c in text.as_str().chars() {
        let (wanted, other) = if upper {
            (c.is_uppercase(), c.is_lowercase())
        } else {
            (c.is_lowercase(), c.is_uppercase())
        };
        if other {
            return Ok(Value::Bool(false));
        }
        cased |= wanted;
    }
    Ok(Value::Bool(cased))
}

fn isupper(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    one_case(args, "isupper", true)
}

fn islower(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    one_case(args, "islower", false)
}

/// Upper case only after uncased characters, lower case only after cased ones.
fn istitle(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "istitle")?;
    let mut cased = false;
    let mut previous_cased = false;
    for c in text.as_str().chars() {
        if c.is_uppercase() {
            if previous_cased {
                return Ok(Value::Bool(false));
            }
            previous_cased = true;
            cased = true;
        } else if c.is_lowercase() {
            if !previous_cased {
                return Ok(Value::Bool(false));
            }
            previous_cased = true;
            cased = true;
        } else {
            previous_cased = false;
        }
    }
    Ok(Value::Bool(cased))
}

fn isidentifier(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let text = no_args(args, "isidentifier")?;
    let mut chars = text.as_str().chars();
    let valid = match chars.next() {
        Some(first) => {
            (first == '_' || first.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        }
        None => false,
    };
    Ok(Value::Bool(valid))
}

// ---------------------------------------------------------------------------------------------
// Encoding and translation

/// A str argument passed by name or position: `encode() argument 'encoding' must be str`.
pub(crate) fn named_str(value: &Value, function: &str, parameter: &str) -> PyResult<String> {
    match value {
        Value::Str(s) => Ok(s.as_str().to_owned()),
        other => Err(PyErr::type_error(format!(
            "{function}() argument '{parameter}' must be str, not {}",
            other.type_name()
        ))),
    }
}

/// A codec name as Python normalises it, for the codecs we have.
pub(crate) fn codec(name: &str) -> Option<&'static str> {
    let normal = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    Some(match normal.as_str() {
        "utf_8" | "utf8" | "u8" | "utf" | "cp65001" => "utf-8",
        "ascii" | "us_ascii" | "646" => "ascii",
        "latin_1" | "latin1" | "latin" | "l1" | "iso_8859_1" | "iso8859_1" | "8859" | "cp819" => {
            "latin-1"
        }
        _ => return None,
    })
}

fn encode(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, slots) = keyword_args(args, "encode", &["encoding", "errors"], 0)?;
    let encoding = match &slots[0] {
        None => "utf-8".to_owned(),
        Some(value) => named_str(value, "encode", "encoding")?,
    };
    let errors = match &slots[1] {
        None => "strict".to_owned(),
        Some(value) => named_str(value, "encode", "errors")?,
    };
    let Some(codec) = codec(&encoding) else {
        return Err(PyErr::new(
            ExcKind::LookupError,
            format!("unknown encoding: {encoding}"),
        ));
    };
    let limit = match codec {
        "utf-8" => return Ok(Value::Bytes(Arc::new(text.as_str().as_bytes().to_vec()))),
        "ascii" => 0x80,
        _ => 0x100,
    };
    let mut out = Vec::with_capacity(text.as_str().len());
    for (position, c) in text.as_str().chars().enumerate() {
        if (c as u32) < limit {
            out.push(c as u32 as u8);
            continue;
        }
        match errors.as_str() {
            "ignore" => {}
            "replace" => out.push(b'?'),
            _ => {
                return Err(PyErr::new(
                    ExcKind::UnicodeError,
                    format!(
                        "'{codec}' codec can't encode character {} in position {position}: ordinal not in range({limit})",
                        super::ascii(&crate::objects::string::string_repr(&c.to_string()))
                    ),
                ))
            }
        }
    }
    Ok(Value::Bytes(Arc::new(out)))
}

/// `str.maketrans(x[, y[, z]])`: a dict from code points to code points, strings or None.
fn maketrans(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = super::args::positional(args, "maketrans", 1, 3)?;
    let table = Dict::new();
    if args.len() == 1 {
        let Value::Dict(source) = &args[0] else {
            return Err(PyErr::type_error(
                "if you give only one argument to maketrans it must be a dict",
            ));
        };
        for (key, value) in source.items() {
            let key = match &key {
                Value::Str(s) if s.char_len() == 1 => {
                    Value::Int(s.as_str().chars().next().map_or(0, |c| c as i64))
                }
                Value::Str(_) => {
                    return Err(PyErr::value_error(
                        "string keys in translate table must be of length 1",
                    ))
                }
                other if Int::of(other).is_some() => other.clone(),
                _ => {
                    return Err(PyErr::type_error(
                        "keys in translate table must be strings or integers",
                    ))
                }
            };
            table.insert(vm.hash_key(key)?, value);
        }
        return Ok(Value::Dict(table));
    }
    let from = match &args[0] {
        Value::Str(s) => s.clone(),
        other => {
            return Err(PyErr::type_error(format!(
                "maketrans() argument 1 must be str, not {}",
                other.type_name()
            )))
        }
    };
    let to = match &args[1] {
        Value::Str(s) => s.clone(),
        other => {
            return Err(PyErr::type_error(format!(
                "maketrans() argument 2 must be str, not {}",
                other.type_name()
            )))
        }
    };
    if from.char_len() != to.char_len() {
        return Err(PyErr::value_error(
            "the first two maketrans arguments must have equal length",
        ));
    }
    let code = |c: char| HashKey::new(Value::Int(c as i64)).expect("ints hash");
    for (a, b) in from.as_str().chars().zip(to.as_str().chars()) {
        table.insert(code(a), Value::Int(b as i64));
    }
    if let Some(delete) = args.get(2) {
        let delete = match delete {
            Value::Str(s) => s.clone(),
            other => {
                return Err(PyErr::type_error(format!(
                    "maketrans() argument 3 must be str, not {}",
                    other.type_name()
                )))
            }
        };
        for c in delete.as_str().chars() {
            table.insert(code(c), Value::None);
        }
    }
    Ok(Value::Dict(table))
}

fn translate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (text, args) = positional_args(args, "translate", 1, 1)?;
    let table = &args[0];
    let mut out = String::with_capacity(text.as_str().len());
    for c in text.as_str().chars() {
        match vm.get_item(table, &Value::Int(c as i64)) {
            Ok(Value::None) => {}
            Ok(Value::Str(s)) => out.push_str(s.as_str()),
            Ok(other) => match Int::of(&other) {
                Some(Int::Small(code)) => match u32::try_from(code).ok().and_then(char::from_u32) {
                    Some(mapped) => out.push(mapped),
                    None => {
                        return Err(PyErr::value_error(
                            "character mapping must be in range(0x110000)",
                        ))
                    }
                },
                _ => {
                    return Err(PyErr::type_error(
                        "character mapping must return integer, None or str",
                    ))
                }
            },
            Err(error) if error.is(ExcKind::LookupError) => out.push(c),
            Err(error) => return Err(error),
        }
        check_len(vm, out.len(), "str.translate")?;
    }
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call_kw, i, outcome, s, show, vm};
    use crate::objects::Value;

    fn check(cases: &[(&str, &str, Vec<Value>, &str)]) {
        let mut vm = vm();
        for (text, method, args, expected) in cases {
            let got = show(&mut vm, &s(text), method, args.clone());
            assert_eq!(&got, expected, "{text:?}.{method}{args:?}");
        }
    }

    #[test]
    fn split_and_join() {
        check(&[
            ("  a  b  c  ", "split", vec![], "['a', 'b', 'c']"),
            (
                "  a  b  c  ",
                "split",
                vec![Value::None, i(1)],
                "['a', 'b  c  ']",
            ),
            (
                "  a  b  c  ",
                "rsplit",
                vec![Value::None, i(1)],
                "['  a  b', 'c']",
            ),
            ("a,b,,c", "split", vec![s(",")], "['a', 'b', '', 'c']"),
            ("a,b,,c", "split", vec![s(","), i(2)], "['a', 'b', ',c']"),
            ("a,b,,c", "rsplit", vec![s(","), i(1)], "['a,b,', 'c']"),
            ("aaa", "rsplit", vec![s("aa")], "['a', '']"),
            ("", "split", vec![], "[]"),
            ("", "split", vec![s(",")], "['']"),
            ("a\x1cb\u{3000}c", "split", vec![], "['a', 'b', 'c']"),
            ("a", "split", vec![s("")], "ValueError: empty separator"),
            (
                "a",
                "split",
                vec![i(1)],
                "TypeError: must be str or None, not int",
            ),
            (
                "a\nb\r\nc\rd\x0ce",
                "splitlines",
                vec![],
                "['a', 'b', 'c', 'd', 'e']",
            ),
            (
                "a\nb\r\n",
                "splitlines",
                vec![Value::Bool(true)],
                "['a\\n', 'b\\r\\n']",
            ),
            ("-", "join", vec![s("abc")], "'a-b-c'"),
            (
                "-",
                "join",
                vec![Value::list(vec![s("x"), i(1)])],
                "TypeError: sequence item 1: expected str instance, int found",
            ),
            (
                "-",
                "join",
                vec![i(1)],
                "TypeError: can only join an iterable",
            ),
            ("a=b=c", "partition", vec![s("=")], "('a', '=', 'b=c')"),
            ("a=b=c", "rpartition", vec![s("=")], "('a=b', '=', 'c')"),
            ("abc", "partition", vec![s("=")], "('abc', '', '')"),
            ("abc", "rpartition", vec![s("=")], "('', '', 'abc')"),
        ]);
        let mut vm = vm();
        let result = call_kw(
            &mut vm,
            &s("a b c"),
            "split",
            vec![],
            vec![("maxsplit", i(1))],
        );
        assert_eq!(outcome(&mut vm, result), "['a', 'b c']");
    }

    #[test]
    fn search_with_character_indexes() {
        check(&[
            ("héllo wörld", "find", vec![s("w")], "6"),
            ("héllo wörld", "find", vec![s("ö"), i(5)], "7"),
            ("héllo wörld", "rfind", vec![s("l")], "9"),
            ("héllo", "find", vec![s("z")], "-1"),
            ("abc", "find", vec![s(""), i(3)], "3"),
            ("abc", "find", vec![s(""), i(4)], "-1"),
            ("abc", "find", vec![s("c"), i(-1)], "2"),
            ("abc", "find", vec![s("a"), Value::None, i(-2)], "0"),
            (
                "abc",
                "index",
                vec![s("z")],
                "ValueError: substring not found",
            ),
            ("abc", "find", vec![i(1)], "TypeError: must be str, not int"),
            ("aaaa", "count", vec![s("aa")], "2"),
            ("abc", "count", vec![s("")], "4"),
            ("abc", "count", vec![s(""), i(1), i(2)], "2"),
            ("hello", "startswith", vec![s("he")], "True"),
            (
                "hello",
                "startswith",
                vec![Value::tuple(vec![s("x"), s("hel")])],
                "True",
            ),
            ("hello", "startswith", vec![s("ll"), i(2)], "True"),
            ("hello", "endswith", vec![s("ll"), i(0), i(4)], "True"),
            ("abc", "startswith", vec![s(""), i(3)], "True"),
            ("abc", "startswith", vec![s(""), i(4)], "False"),
            (
                "abc",
                "startswith",
                vec![i(1)],
                "TypeError: startswith first arg must be str or a tuple of str, not int",
            ),
            ("aXbXc", "replace", vec![s("X"), s("--")], "'a--b--c'"),
            ("aXbXc", "replace", vec![s("X"), s("-"), i(1)], "'a-bXc'"),
            ("abc", "replace", vec![s(""), s("-")], "'-a-b-c-'"),
            ("abc", "replace", vec![s(""), s("-"), i(2)], "'-a-bc'"),
            (
                "abc",
                "replace",
                vec![i(1), s("")],
                "TypeError: replace() argument 1 must be str, not int",
            ),
            ("prefix_x", "removeprefix", vec![s("prefix_")], "'x'"),
            ("x.py", "removesuffix", vec![s(".py")], "'x'"),
        ]);
    }

    #[test]
    fn case_strip_and_padding() {
        check(&[
            ("hello world", "title", vec![], "'Hello World'"),
            ("they're bill's", "title", vec![], "\"They'Re Bill'S\""),
            ("hELLO", "capitalize", vec![], "'Hello'"),
            ("ǆemal ǆ", "title", vec![], "'ǅemal ǅ'"),
            ("Straße", "upper", vec![], "'STRASSE'"),
            ("aBc", "swapcase", vec![], "'AbC'"),
            ("ÀB", "lower", vec![], "'àb'"),
            (
                "a",
                "upper",
                vec![i(1)],
                "TypeError: str.upper() takes no arguments (1 given)",
            ),
            ("  x \t\n", "strip", vec![], "'x'"),
            ("xxhixx", "strip", vec![s("x")], "'hi'"),
            ("xxhixx", "lstrip", vec![s("x")], "'hixx'"),
            ("xxhixx", "rstrip", vec![s("x")], "'xxhi'"),
            (
                "a",
                "strip",
                vec![i(1)],
                "TypeError: strip arg must be None or str",
            ),
            ("ab", "ljust", vec![i(5), s("*")], "'ab***'"),
            ("ab", "rjust", vec![i(5)], "'   ab'"),
            ("ab", "center", vec![i(5)], "'  ab '"),
            ("abc", "center", vec![i(6)], "' abc  '"),
            ("abc", "center", vec![i(2)], "'abc'"),
            (
                "a",
                "ljust",
                vec![i(3), s("ab")],
                "TypeError: The fill character must be exactly one character long",
            ),
            (
                "a",
                "ljust",
                vec![s("x")],
                "TypeError: 'str' object cannot be interpreted as an integer",
            ),
            (
                "a",
                "ljust",
                vec![i(1_000_000_000_000)],
                "MemoryError: ljust: result too large for this run's memory limit",
            ),
            ("-42", "zfill", vec![i(6)], "'-00042'"),
            ("42", "zfill", vec![i(1)], "'42'"),
            ("a\tbc\td", "expandtabs", vec![i(4)], "'a   bc  d'"),
            ("a\tb", "expandtabs", vec![], "'a       b'"),
        ]);
    }

    #[test]
    fn predicates() {
        check(&[
            ("123", "isdigit", vec![], "True"),
            ("²", "isdigit", vec![], "True"),
            ("²", "isdecimal", vec![], "False"),
            ("٣", "isdecimal", vec![], "True"),
            ("½", "isnumeric", vec![], "True"),
            ("½", "isdigit", vec![], "False"),
            ("", "isdigit", vec![], "False"),
            ("abcé", "isalpha", vec![], "True"),
            ("ab1", "isalnum", vec![], "True"),
            ("ab 1", "isalnum", vec![], "False"),
            (" \t\x1f", "isspace", vec![], "True"),
            ("ABC1", "isupper", vec![], "True"),
            ("1", "isupper", vec![], "False"),
            ("abC", "islower", vec![], "False"),
            ("Hello World", "istitle", vec![], "True"),
            ("Hello world", "istitle", vec![], "False"),
            ("_x1", "isidentifier", vec![], "True"),
            ("1x", "isidentifier", vec![], "False"),
            ("", "isascii", vec![], "True"),
            ("a\n", "isprintable", vec![], "False"),
        ]);
    }

    #[test]
    fn encode_and_translate() {
        check(&[
            ("hé", "encode", vec![], "b'h\\xc3\\xa9'"),
            ("hé", "encode", vec![s("latin-1")], "b'h\\xe9'"),
            ("hé", "encode", vec![s("ascii")], "UnicodeError: 'ascii' codec can't encode character '\\xe9' in position 1: ordinal not in range(128)"),
            ("hé", "encode", vec![s("ascii"), s("replace")], "b'h?'"),
            ("hé", "encode", vec![s("klingon")], "LookupError: unknown encoding: klingon"),
        ]);
        let mut vm = vm();
        let str_class = Value::Class(crate::objects::types::types().str_type.clone());
        let table = show(
            &mut vm,
            &str_class,
            "maketrans",
            vec![s("ab"), s("xy"), s("c")],
        );
        assert_eq!(table, "{97: 120, 98: 121, 99: None}");
        let table = super::super::testing::call(
            &mut vm,
            &str_class,
            "maketrans",
            vec![s("ab"), s("xy"), s("c")],
        )
        .unwrap();
        assert_eq!(show(&mut vm, &s("abcd"), "translate", vec![table]), "'xyd'");
        assert_eq!(
            show(&mut vm, &str_class, "maketrans", vec![s("ab"), s("c")]),
            "ValueError: the first two maketrans arguments must have equal length"
        );
    }

    #[test]
    fn wrong_receiver() {
        let mut vm = vm();
        let upper = vm
            .get_attr(
                &Value::Class(crate::objects::types::types().str_type.clone()),
                &crate::objects::PyStr::new("upper"),
            )
            .unwrap();
        let result = vm.call_positional(&upper, vec![i(1)]);
        assert_eq!(
            outcome(&mut vm, result),
            "TypeError: descriptor 'upper' for 'str' objects doesn't apply to a 'int' object"
        );
    }
}
