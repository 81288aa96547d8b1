//! `str.format` and `str.format_map`: RustPython's parser splits the template into literals
//! and fields; each field's name is resolved (`{0}`, `{name}`, `{}`, then `.attr` and
//! `[key]`), converted (`!r`, `!s`, `!a`), and formatted with its spec, which may itself
//! contain fields (`{:{width}}`), through [`format_value`].

use rustpython_format::{
    FieldName, FieldNamePart, FieldType, FormatParseError, FormatPart, FormatString, FromTemplate,
};

use super::format::format_value;
use crate::objects::{Args, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// `"...".format(*args, **kwargs)`
pub(super) fn format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Args {
        mut positional,
        keywords,
    } = args;
    let template = match positional.first() {
        Some(Value::Str(s)) => s.clone(),
        Some(other) => {
            return Err(PyErr::type_error(format!(
                "descriptor 'format' for 'str' objects doesn't apply to a '{}' object",
                other.type_name()
            )))
        }
        None => {
            return Err(PyErr::type_error(
                "unbound method str.format() needs an argument",
            ))
        }
    };
    positional.remove(0);
    let mut fields = Fields {
        positional,
        keywords: Keywords::Args(keywords),
        numbering: Numbering::Unknown,
    };
    Ok(Value::str(render(vm, template.as_str(), &mut fields, 2)?))
}

/// `"...".format_map(mapping)`
pub(super) fn format_map(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = super::args::positional(args, "format_map", 2, 2)?;
    let Value::Str(template) = &args[0] else {
        return Err(PyErr::type_error(format!(
            "descriptor 'format_map' for 'str' objects doesn't apply to a '{}' object",
            args[0].type_name()
        )));
    };
    let mut fields = Fields {
        positional: Vec::new(),
        keywords: Keywords::Mapping(args[1].clone()),
        numbering: Numbering::Unknown,
    };
    Ok(Value::str(render(vm, template.as_str(), &mut fields, 2)?))
}

/// Where `{name}` fields come from.
enum Keywords {
    Args(Vec<(std::sync::Arc<PyStr>, Value)>),
    /// `format_map`: any object with `__getitem__`.
    Mapping(Value),
}

/// `{}` and `{0}` cannot be mixed in one template.
#[derive(Clone, Copy)]
enum Numbering {
    Unknown,
    Automatic(usize),
    Manual,
}

struct Fields {
    positional: Vec<Value>,
    keywords: Keywords,
    numbering: Numbering,
}

impl Fields {
    fn index(&mut self, index: usize) -> PyResult<Value> {
        self.positional.get(index).cloned().ok_or_else(|| {
            PyErr::index_error(format!(
                "Replacement index {index} out of range for positional args tuple"
            ))
        })
    }

    fn keyword(&self, vm: &mut Vm, name: &str) -> PyResult<Value> {
        match &self.keywords {
            Keywords::Args(keywords) => keywords
                .iter()
                .find(|(k, _)| k.as_str() == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| PyErr::key_error(Value::str(name))),
            Keywords::Mapping(mapping) => {
                let mapping = mapping.clone();
                vm.get_item(&mapping, &Value::str(name))
            }
        }
    }

    /// The value a field name refers to.
    fn resolve(&mut self, vm: &mut Vm, name: &str) -> PyResult<Value> {
        let parsed = FieldName::parse(name).map_err(parse_error)?;
        let mut value = match parsed.field_type {
            FieldType::Auto => match self.numbering {
                Numbering::Manual => return Err(PyErr::value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                )),
                Numbering::Unknown | Numbering::Automatic(_) => {
                    let next = match self.numbering {
                        Numbering::Automatic(n) => n,
                        _ => 0,
                    };
                    self.numbering = Numbering::Automatic(next + 1);
                    if matches!(self.keywords, Keywords::Mapping(_)) {
                        return Err(PyErr::value_error(
                            "Format string contains positional fields",
                        ));
                    }
                    self.index(next)?
                }
            },
            FieldType::Index(index) => {
                if let Numbering::Automatic(_) = self.numbering {
                    return Err(PyErr::value_error(
                        "cannot switch from automatic field numbering to manual field specification",
                    ));
                }
                self.numbering = Numbering::Manual;
                if matches!(self.keywords, Keywords::Mapping(_)) {
                    return Err(PyErr::value_error(
                        "Format string contains positional fields",
                    ));
                }
                self.index(index)?
            }
            FieldType::Keyword(name) => self.keyword(vm, &name)?,
        };
        for part in parsed.parts {
            value = match part {
                FieldNamePart::Attribute(attribute) => {
                    vm.get_attr(&value, &PyStr::new(attribute))?
                }
                FieldNamePart::Index(index) => vm.get_item(&value, &Value::Int(index as i64))?,
                FieldNamePart::StringIndex(key) => vm.get_item(&value, &Value::str(key))?,
            };
        }
        Ok(value)
    }
}

/// Formats `template`; `depth` is how many more levels of nested specs are allowed
/// (CPython allows a field inside a spec, but not a field inside that).
fn render(vm: &mut Vm, template: &str, fields: &mut Fields, depth: usize) -> PyResult<String> {
    if depth == 0 {
        return Err(PyErr::value_error("Max string recursion exceeded"));
    }
    let parsed = FormatString::from_str(template).map_err(|error| match error {
        FormatParseError::UnmatchedBracket if lone_open_brace(template) => {
            PyErr::value_error("Single '{' encountered in format string")
        }
        other => parse_error(other),
    })?;
    let mut out = String::with_capacity(template.len());
    for part in parsed.format_parts {
        let (field_name, conversion, spec) = match part {
            FormatPart::Literal(text) => {
                out.push_str(&text);
                continue;
            }
            FormatPart::Field {
                field_name,
                conversion_spec,
                format_spec,
            } => (field_name, conversion_spec, format_spec),
        };
        let mut value = fields.resolve(vm, &field_name)?;
        if let Some(conversion) = conversion {
            value = Value::str(match conversion {
                'r' => vm.repr(&value)?,
                's' => vm.str(&value)?,
                'a' => super::ascii(&vm.repr(&value)?),
                other => {
                    return Err(PyErr::value_error(format!(
                        "Unknown conversion specifier {other}"
                    )))
                }
            });
        }
        let spec = if spec.contains('{') {
            render(vm, &spec, fields, depth - 1)?
        } else {
            spec
        };
        let text = format_value(vm, &value, &spec)?;
        if out.len() + text.len() > vm.interp.limits.max_container_len {
            return Err(PyErr::memory_error("str.format"));
        }
        out.push_str(&text);
    }
    Ok(out)
}

/// Does `template` end in an unpaired `{` (`"{"`, `"a {"`, `"{{{"`)? CPython names that case
/// differently from a field left open (`"{0"`).
fn lone_open_brace(template: &str) -> bool {
    let trailing = template.len() - template.trim_end_matches('{').len();
    trailing % 2 == 1
}

fn parse_error(error: FormatParseError) -> PyErr {
    PyErr::value_error(match error {
        FormatParseError::UnmatchedBracket => "expected '}' before end of string",
        FormatParseError::MissingStartBracket
        | FormatParseError::UnescapedStartBracketInLiteral => {
            "Single '}' encountered in format string"
        }
        FormatParseError::InvalidFormatSpecifier => "Max string recursion exceeded",
        FormatParseError::UnknownConversion => "expected ':' after conversion specifier",
        FormatParseError::EmptyAttribute => "Empty attribute in format string",
        // `{0[}`: CPython reads on, looking for the `]`, and runs out of template.
        FormatParseError::MissingRightBracket => "expected '}' before end of string",
        FormatParseError::InvalidCharacterAfterRightBracket => {
            "Only '.' or '[' may follow ']' in format field specifier"
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call_kw, i, outcome, s, show, vm};
    use crate::objects::{Dict, Value};

    fn check(template: &str, args: Vec<Value>, expected: &str) {
        let mut vm = vm();
        assert_eq!(
            show(&mut vm, &s(template), "format", args),
            expected,
            "{template:?}"
        );
    }

    #[test]
    fn fields_and_specs() {
        check("{} + {} = {}", vec![i(1), i(2), i(3)], "'1 + 2 = 3'");
        check("{1}{0}{1}", vec![s("a"), s("b")], "'bab'");
        check("{0!r:>6}|{0!s}", vec![s("a")], "\"   'a'|a\"");
        check("{:.2f}", vec![Value::Float(1.23456)], "'1.23'");
        check("{:{}}|", vec![i(1), s("<5")], "'1    |'");
        check("{0:>{1}}", vec![s("x"), i(3)], "'  x'");
        check(
            "{0[1]} {0[0]}",
            vec![Value::list(vec![i(7), i(8)])],
            "'8 7'",
        );
        check("{{literal}} {}", vec![i(1)], "'{literal} 1'");
        check("{!a}", vec![s("é")], "\"'\\\\xe9'\"");
        check("{:,}", vec![i(1234567)], "'1,234,567'");
        check("{:08.3f}", vec![Value::Float(-3.5)], "'-003.500'");
        check("{:^9}", vec![s("mid")], "'   mid   '");
    }

    #[test]
    fn errors() {
        check(
            "{",
            vec![],
            "ValueError: Single '{' encountered in format string",
        );
        check(
            "}",
            vec![],
            "ValueError: Single '}' encountered in format string",
        );
        check(
            "{0[",
            vec![],
            "ValueError: expected '}' before end of string",
        );
        check(
            "{0}",
            vec![],
            "IndexError: Replacement index 0 out of range for positional args tuple",
        );
        check("{}{0}", vec![i(1), i(2)], "ValueError: cannot switch from automatic field numbering to manual field specification");
        check("{0}{}", vec![i(1), i(2)], "ValueError: cannot switch from manual field specification to automatic field numbering");
        check("{a}", vec![], "KeyError: 'a'");
        check(
            "{0.x}",
            vec![i(1)],
            "AttributeError: 'int' object has no attribute 'x'",
        );
        check(
            "{!x}",
            vec![i(1)],
            "ValueError: Unknown conversion specifier x",
        );
        check(
            "{:d}",
            vec![s("a")],
            "ValueError: Unknown format code 'd' for object of type 'str'",
        );
        check(
            "{0[1]}",
            vec![Value::list(vec![i(1)])],
            "IndexError: list index out of range",
        );
    }

    #[test]
    fn keywords_and_format_map() {
        let mut vm = vm();
        let result = call_kw(
            &mut vm,
            &s("{name} is {age:>3}"),
            "format",
            vec![],
            vec![("name", s("Ann")), ("age", i(7))],
        );
        assert_eq!(outcome(&mut vm, result), "'Ann is   7'");
        let mapping = Dict::new();
        mapping.set_by_name("a", i(1));
        let mapping = Value::Dict(mapping);
        assert_eq!(
            show(&mut vm, &s("{a}!"), "format_map", vec![mapping.clone()]),
            "'1!'"
        );
        assert_eq!(
            show(&mut vm, &s("{b}"), "format_map", vec![mapping]),
            "KeyError: 'b'"
        );
        assert_eq!(
            show(&mut vm, &s("{a}"), "format_map", vec![i(1)]),
            "TypeError: 'int' object is not subscriptable"
        );
    }
}
