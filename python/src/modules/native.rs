//! What every standard module written in Rust needs: classes whose instances carry Rust
//! state, methods and properties on them, and module functions.
//!
//! A library object is a `Value::Object` of a class with `Layout::Native`; its Rust state
//! (`Arc<T>`) sits in the object's `Payload::Native` cell. Types that Python code subclasses
//! (`threading.Thread`) attach the state in `__init__`, so `class Worker(Thread)` works;
//! the others (`threading.Lock`) create it in `__new__`.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use crate::objects::class::Layout;
use crate::objects::types::{library_class, types, ExcKind};
use crate::objects::{Args, Builtin, BuiltinFn, Class, Dict, Object, Payload, Property, Value};
use crate::vm::{PyErr, PyResult};

/// A class of module `module` whose instances carry Rust state.
pub fn native_class(module: &str, name: &str, bases: &[&Arc<Class>]) -> Arc<Class> {
    let object = &types().object_type;
    let bases: Vec<&Arc<Class>> = if bases.is_empty() {
        vec![object]
    } else {
        bases.to_vec()
    };
    library_class(module, name, &bases, Layout::Native)
}

/// An exception class of module `module` (`queue.Empty`, `threading.BrokenBarrierError`).
pub fn exception_class(module: &str, name: &str, base: ExcKind) -> Arc<Class> {
    library_class(module, name, &[types().exception(base)], Layout::Exception)
}

/// A new instance of `class` holding `state`.
pub fn new_native<T: Any + Send + Sync>(class: &Arc<Class>, state: T) -> Value {
    let cell = OnceLock::new();
    let _ = cell.set(Arc::new(state) as Arc<dyn Any + Send + Sync>);
    Value::Object(Object::new(class.clone(), Payload::Native(cell)))
}

/// Attaches `state` to `object` (from `__init__`); a second `__init__` keeps the first state,
/// as re-initialising a running thread must not replace it.
pub fn attach_native<T: Any + Send + Sync>(object: &Value, state: T) -> PyResult<Arc<T>> {
    let Value::Object(obj) = object else {
        return Err(PyErr::type_error(format!(
            "descriptor requires a library object, not '{}'",
            object.type_name()
        )));
    };
    let Payload::Native(cell) = &obj.payload else {
        return Err(PyErr::type_error(format!(
            "'{}' object cannot hold library state",
            object.type_name()
        )));
    };
    let state = Arc::new(state);
    let _ = cell.set(state.clone() as Arc<dyn Any + Send + Sync>);
    native::<T>(object)
        .ok_or_else(|| PyErr::runtime_error("object initialised twice with different state"))
}

/// The Rust state of `object`, if it has state of type `T`.
pub fn native<T: Any + Send + Sync>(object: &Value) -> Option<Arc<T>> {
    match object {
        Value::Object(obj) => obj.native::<T>(),
        _ => None,
    }
}

/// The state of a method's receiver, or CPython's "descriptor requires" `TypeError`.
pub fn receiver<T: Any + Send + Sync>(object: &Value, class_name: &str) -> PyResult<Arc<T>> {
    native::<T>(object).ok_or_else(|| {
        PyErr::type_error(format!(
            "descriptor requires a '{class_name}' object but received a '{}'",
            object.type_name()
        ))
    })
}

/// Splits a method call's receiver from its arguments.
pub fn split_receiver(mut args: Args) -> (Value, Args) {
    let receiver = if args.positional.is_empty() {
        Value::None
    } else {
        args.positional.remove(0)
    };
    (receiver, args)
}

pub fn add_method(class: &Arc<Class>, name: &'static str, function: BuiltinFn) {
    class.dict.set_by_name(
        name,
        Builtin::method(leak_name(&class.name), name, function),
    );
}

/// A read-only (no `setter`) or read-write property implemented in Rust.
pub fn add_property(
    class: &Arc<Class>,
    name: &'static str,
    getter: BuiltinFn,
    setter: Option<BuiltinFn>,
) {
    let property = Property {
        getter: Builtin::method(leak_name(&class.name), name, getter),
        setter: setter.map(|s| Builtin::method(leak_name(&class.name), name, s)),
        deleter: None,
    };
    class.dict.set_by_name(
        name,
        Value::Object(Object::new(
            types().property_type.clone(),
            Payload::Property(property),
        )),
    );
}

/// A module-level function.
pub fn add_function(module: &Dict, name: &'static str, function: BuiltinFn) {
    module.set_by_name(name, Builtin::new(name, function));
}

/// Builtin reprs name their owner with a `&'static str`; library classes live for the whole
/// process (they are made once), so leaking their names once is bounded.
fn leak_name(name: &crate::objects::PyStr) -> &'static str {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static NAMES: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(name) = names.get(name.as_str()) {
        return name;
    }
    let leaked: &'static str = Box::leak(name.as_str().to_owned().into_boxed_str());
    names.insert(name.as_str().to_owned(), leaked);
    leaked
}
