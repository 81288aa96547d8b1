//! `class` statements.

use std::sync::Arc;

use crate::objects::class::Layout;
use crate::objects::types::types;
use crate::objects::{Class, Dict, PyStr, Value};
use crate::vm::{OpResult, PyErr, Vm};

pub(crate) fn build_class(vm: &mut Vm, bases: u32) -> OpResult {
    let frame = vm.frame();
    let bases = frame.pop_n(bases as usize);
    let name = frame.pop();
    let body = frame.pop();
    let Value::Function(body) = body else {
        return Err(PyErr::type_error("class body is not a function"));
    };
    let Value::Str(name) = name else {
        return Err(PyErr::type_error("class name must be a string"));
    };
    let mut base_classes = Vec::with_capacity(bases.len());
    for base in bases {
        match base {
            Value::Class(class) => base_classes.push(class),
            other => {
                return Err(PyErr::type_error(format!(
                    "bases must be types, not '{}'",
                    other.type_name()
                )))
            }
        }
    }
    if base_classes.is_empty() {
        base_classes.push(types().object_type.clone());
    }
    for base in &base_classes {
        if base.layout == Layout::BuiltinValue {
            return Err(PyErr::new(
                crate::objects::types::ExcKind::NotImplementedError,
                format!(
                    "not supported yet: subclassing the built-in type '{}'",
                    base.name.as_str()
                ),
            ));
        }
    }

    let namespace = Dict::new();
    let module = match body.globals.get_by_name("__name__") {
        Some(Value::Str(module)) => module,
        _ => PyStr::new("__main__"),
    };
    namespace.set_by_name("__module__", Value::Str(module.clone()));
    namespace.set_by_name("__qualname__", Value::Str(body.code.qualname.clone()));
    let frame = vm.namespace_frame(
        body.code.clone(),
        body.globals.clone(),
        namespace.clone(),
        body.closure.clone(),
    );
    let class_cell = vm.run_frame(frame)?;

    let mro = Class::linearize(&base_classes).ok_or_else(|| {
        PyErr::type_error("Cannot create a consistent method resolution order (MRO)")
    })?;
    let layout = mro
        .iter()
        .map(|c| c.layout)
        .find(|l| *l != Layout::Plain)
        .unwrap_or(Layout::Plain);
    let qualname = match namespace.get_by_name("__qualname__") {
        Some(Value::Str(q)) => q,
        _ => name.clone(),
    };
    let class = Arc::new(Class {
        name,
        qualname,
        module,
        bases: base_classes,
        mro,
        dict: namespace,
        layout,
        builtin: false,
        flags_cache: Default::default(),
    });
    if let Value::Cell(cell) = class_cell {
        cell.set(Some(Value::Class(class.clone())));
    }
    vm.frame().push(Value::Class(class));
    Ok(())
}
