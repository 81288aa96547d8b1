//! `threading.local`: an object whose attributes are separate in every thread.
//!
//! Its class defines `__getattribute__`, `__setattr__` and `__delattr__`, which the VM's
//! attribute code honours; they pick the calling thread's own dict.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::modules::native::{add_method, native_class, new_native, receiver, split_receiver};
use crate::objects::{Args, BoundMethod, Class, Dict, HashKey, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

#[derive(Default)]
struct LocalState {
    /// One attribute dict per thread, by core thread number.
    dicts: Mutex<HashMap<u32, Arc<Dict>>>,
}

impl LocalState {
    fn dict_for(&self, vm: &Vm) -> Arc<Dict> {
        let num = vm.interp.runtime.current().num();
        crate::objects::lock(&self.dicts)
            .entry(num)
            .or_default()
            .clone()
    }
}

fn local_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("_thread", "_local", &[]);
        add_method(&class, "__new__", local_new);
        add_method(&class, "__init__", local_init);
        add_method(&class, "__getattribute__", local_getattribute);
        add_method(&class, "__setattr__", local_setattr);
        add_method(&class, "__delattr__", local_delattr);
        class
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("local", Value::Class(local_class().clone()));
}

fn local_new(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let class = match args.positional.first() {
        Some(Value::Class(class)) => class.clone(),
        _ => local_class().clone(),
    };
    Ok(new_native(&class, LocalState::default()))
}

/// Accepts the arguments a subclass's `__init__` passes up.
fn local_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn name_arg(args: &Args) -> PyResult<Arc<PyStr>> {
    match args.positional.first() {
        Some(Value::Str(name)) => Ok(name.clone()),
        _ => Err(PyErr::type_error("attribute name must be string")),
    }
}

fn local_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = receiver::<LocalState>(&this, "_thread._local")?;
    let name = name_arg(&args)?;
    let dict = state.dict_for(vm);
    if name.as_str() == "__dict__" {
        return Ok(Value::Dict(dict));
    }
    if let Some(value) = dict.get_str(&name) {
        return Ok(value);
    }
    // Methods and class attributes of a `local` subclass.
    if let Some(attr) = this.class().lookup(&name) {
        return Ok(match attr {
            Value::Function(_) => Value::BoundMethod(Arc::new(BoundMethod {
                function: attr,
                receiver: this.clone(),
            })),
            other => other,
        });
    }
    Err(PyErr::attribute_error(format!(
        "'{}' object has no attribute '{}'",
        this.type_name(),
        name.as_str()
    )))
}

fn local_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = receiver::<LocalState>(&this, "_thread._local")?;
    let name = name_arg(&args)?;
    let value = args.positional.get(1).cloned().unwrap_or(Value::None);
    state.dict_for(vm).set_str(&name, value);
    Ok(Value::None)
}

fn local_delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = receiver::<LocalState>(&this, "_thread._local")?;
    let name = name_arg(&args)?;
    match state.dict_for(vm).remove(&HashKey::str(&name)) {
        Some(_) => Ok(Value::None),
        None => Err(PyErr::attribute_error(name.as_str().to_owned())),
    }
}
