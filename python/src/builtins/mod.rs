//! The `builtins` namespace and the methods of the built-in types.
//!
//! Each file registers one group: functions, constructors (the types themselves), and the
//! methods of one type family (`str_methods.rs`, `str_format.rs` for `str.format`,
//! `dict_methods.rs` with the dict views, `set_methods.rs`, …). Methods are plain `Builtin`s
//! in their class's dict, so attribute lookup, binding and `LoadMethod` treat them like Python
//! methods; `dict.fromkeys` and `str.maketrans` sit there wrapped as `classmethod` and
//! `staticmethod` objects, as in CPython.

pub mod args;
mod bytes_methods;
pub(crate) mod constructors;
mod dict_methods;
pub mod format;
mod functions;
pub(crate) mod list_methods;
mod number_methods;
mod set_methods;
mod str_format;
mod str_methods;
mod tuple_methods;

use std::sync::Arc;

use crate::objects::types::{types, BuiltinTypes};
use crate::objects::{Args, Builtin, BuiltinFn, Class, Dict, Object, Payload, Value};
use crate::vm::{PyErr, PyResult, Stream};

/// A fresh `builtins` namespace for a run.
pub fn builtins_namespace() -> Arc<Dict> {
    let dict = Dict::new();
    for (name, function) in functions::all() {
        dict.set_by_name(name, function);
    }
    for class in types().named() {
        let name = class.name.clone();
        dict.set_str(&name, Value::Class(class));
    }
    dict.set_by_name("NotImplemented", Value::str("NotImplemented"));
    dict.set_by_name("__name__", Value::str("builtins"));
    dict
}

/// Fills the dicts of the built-in classes. Runs once, while `types()` is being created, so
/// it must not call `types()` itself.
pub(crate) fn install_type_methods(types: &BuiltinTypes) {
    constructors::install(types);
    list_methods::install(types);
    str_methods::install(types);
    bytes_methods::install(types);
    tuple_methods::install(types);
    dict_methods::install(types);
    set_methods::install(types);
    number_methods::install(types);
}

/// Registers `methods` on `class`.
pub(crate) fn add_methods(
    class: &Arc<Class>,
    owner: &'static str,
    methods: &[(&'static str, BuiltinFn)],
) {
    for (name, function) in methods {
        class
            .dict
            .set_by_name(name, Builtin::method(owner, name, *function));
    }
}

/// A built-in method's receiver and its `min..=max` positional arguments (no keywords), with
/// the message CPython gives for the method's calling convention: `str.upper() takes no
/// arguments (1 given)`, `set.add() takes exactly one argument (0 given)`, `ljust expected
/// at least 1 argument, got 0`, or the older `find() takes at least 1 argument (0 given)`.
pub(crate) fn method_args(
    args: Args,
    owner: &str,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<(Value, Vec<Value>)> {
    let Args {
        mut positional,
        keywords,
    } = args;
    if positional.is_empty() {
        return Err(PyErr::type_error(format!(
            "unbound method {owner}.{name}() needs an argument"
        )));
    }
    let receiver = positional.remove(0);
    if !keywords.is_empty() {
        return Err(PyErr::type_error(format!(
            "{owner}.{name}() takes no keyword arguments"
        )));
    }
    let given = positional.len();
    if (min..=max).contains(&given) {
        return Ok((receiver, positional));
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let old_style = owner == "str"
        && matches!(
            name,
            "find" | "rfind" | "index" | "rindex" | "count" | "startswith" | "endswith"
        );
    let message = if max == 0 {
        format!("{owner}.{name}() takes no arguments ({given} given)")
    } else if min == 1 && max == 1 {
        format!("{owner}.{name}() takes exactly one argument ({given} given)")
    } else if old_style && given < min {
        format!(
            "{name}() takes at least {min} argument{} ({given} given)",
            plural(min)
        )
    } else if old_style {
        format!(
            "{name}() takes at most {max} argument{} ({given} given)",
            plural(max)
        )
    } else if given < min {
        format!(
            "{name} expected at least {min} argument{}, got {given}",
            plural(min)
        )
    } else {
        format!(
            "{name} expected at most {max} argument{}, got {given}",
            plural(max)
        )
    };
    Err(PyErr::type_error(message))
}

/// `staticmethod(function)`, for a built-in type's dict (`str.maketrans`).
pub(crate) fn static_method(
    types: &BuiltinTypes,
    owner: &'static str,
    name: &'static str,
    function: BuiltinFn,
) -> Value {
    Value::Object(Object::new(
        types.staticmethod_type.clone(),
        Payload::StaticMethod(Builtin::method(owner, name, function)),
    ))
}

/// `classmethod(function)`, for a built-in type's dict (`dict.fromkeys`): the function gets
/// the class as its first argument, whether called on the class or on an instance.
pub(crate) fn class_method(
    types: &BuiltinTypes,
    owner: &'static str,
    name: &'static str,
    function: BuiltinFn,
) -> Value {
    Value::Object(Object::new(
        types.classmethod_type.clone(),
        Payload::ClassMethod(Builtin::method(owner, name, function)),
    ))
}

/// `ascii()`: a repr with non-ASCII characters escaped.
pub fn ascii(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        match c as u32 {
            0..=0x7f => out.push(c),
            code @ 0x80..=0xff => out.push_str(&format!("\\x{code:02x}")),
            code @ 0x100..=0xffff => out.push_str(&format!("\\u{code:04x}")),
            code => out.push_str(&format!("\\U{code:08x}")),
        }
    }
    out
}

/// `print(..., file=f)`: `sys.stdout`/`sys.stderr` are the streams we know.
pub(crate) fn stream_of(file: &Value) -> PyResult<Stream> {
    if let Value::Object(object) = file {
        if let Some(stream) = object.native::<Stream>() {
            return Ok(*stream);
        }
    }
    Err(PyErr::type_error(format!(
        "print() file must be sys.stdout or sys.stderr in threadlab, not {}",
        file.type_name()
    )))
}

/// Calling the methods of the built-in types directly, without the compiler.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use crate::objects::{Args, PyStr, Value};
    use crate::source::SourceFile;
    use crate::vm::{Interp, Limits, PyErr, PyResult, Vm};
    use crate::CapturedOutput;

    pub fn vm() -> Vm {
        let interp = Interp::new(
            threadlab_core::Runtime::new(threadlab_core::Mode::Parallel),
            CapturedOutput::new(),
            Limits::default(),
            Arc::new(SourceFile::new("t.py", "")),
        );
        Vm::new(interp)
    }

    /// `receiver.name(*args)`
    pub fn call(vm: &mut Vm, receiver: &Value, name: &str, args: Vec<Value>) -> PyResult<Value> {
        call_kw(vm, receiver, name, args, vec![])
    }

    /// `receiver.name(*args, **keywords)`
    pub fn call_kw(
        vm: &mut Vm,
        receiver: &Value,
        name: &str,
        args: Vec<Value>,
        keywords: Vec<(&str, Value)>,
    ) -> PyResult<Value> {
        let method = vm.get_attr(receiver, &PyStr::new(name))?;
        let keywords = keywords
            .into_iter()
            .map(|(k, v)| (PyStr::new(k), v))
            .collect();
        vm.call(
            &method,
            Args {
                positional: args,
                keywords,
            },
        )
    }

    /// `repr(receiver.name(*args))`, or `"TypeError: message"` if it raised.
    pub fn show(vm: &mut Vm, receiver: &Value, name: &str, args: Vec<Value>) -> String {
        let result = call(vm, receiver, name, args);
        outcome(vm, result)
    }

    pub fn outcome(vm: &mut Vm, result: PyResult<Value>) -> String {
        match result {
            Ok(value) => vm.repr(&value).expect("repr"),
            Err(error) => error_text(vm, error),
        }
    }

    pub fn error_text(vm: &mut Vm, error: PyErr) -> String {
        let exception = error.exception().clone();
        let message = vm.str(&exception).expect("str");
        format!("{}: {message}", exception.type_name())
    }

    pub fn s(text: &str) -> Value {
        Value::str(text)
    }

    pub fn i(n: i64) -> Value {
        Value::Int(n)
    }
}
