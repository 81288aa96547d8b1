//! The `builtins` namespace and the methods of the built-in types.
//!
//! Each file registers one group: functions, constructors (the types themselves), and the
//! methods of one type family. Methods are plain `Builtin`s in their class's dict, so
//! attribute lookup, binding and `LoadMethod` treat them like Python methods.

pub mod args;
pub(crate) mod constructors;
pub mod format;
mod functions;
pub(crate) mod list_methods;

use std::sync::Arc;

use crate::objects::types::{types, BuiltinTypes};
use crate::objects::{Builtin, BuiltinFn, Class, Dict, Value};
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
