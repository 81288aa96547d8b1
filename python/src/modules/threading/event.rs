//! `threading.Event`, on core's [`Event`].

use std::sync::{Arc, OnceLock};

use threadlab_core::sync::Event;

use super::lock::{address, initialised, qualified_name};
use super::thread::timeout_arg;
use crate::builtins::args::{bind, positional};
use crate::modules::native::{add_method, attach_native, native_class, split_receiver};
use crate::objects::{Args, Class, Dict, Value};
use crate::vm::{PyErr, PyResult, Vm};

fn event_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("threading", "Event", &[]);
        add_method(&class, "__init__", event_init);
        add_method(&class, "is_set", event_is_set);
        add_method(&class, "isSet", event_is_set);
        add_method(&class, "set", event_set);
        add_method(&class, "clear", event_clear);
        add_method(&class, "wait", event_wait);
        add_method(&class, "__repr__", event_repr);
        class
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("Event", Value::Class(event_class().clone()));
}

fn event_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "Event.__init__", 0, 0)?;
    attach_native(&this, Event::new(&vm.interp.runtime))?;
    Ok(Value::None)
}

fn this(value: &Value) -> PyResult<Arc<Event>> {
    initialised::<Event>(value, event_class())
}

fn event_is_set(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "is_set", 0, 0)?;
    Ok(Value::Bool(this(&receiver)?.is_set()))
}

fn event_set(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "set", 0, 0)?;
    this(&receiver)?.set();
    Ok(Value::None)
}

fn event_clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "clear", 0, 0)?;
    this(&receiver)?.clear();
    Ok(Value::None)
}

/// `wait(timeout=None)`: true once set, false after the timeout.
fn event_wait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let event = this(&receiver)?;
    let mut slots = bind(args, "wait", &["timeout"], 0)?;
    let timeout = timeout_arg(vm, slots[0].take())?;
    Ok(Value::Bool(event.wait(timeout).map_err(PyErr::from)?))
}

/// `<threading.Event at 0x…: unset>`
fn event_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let status = if this(&receiver)?.is_set() {
        "set"
    } else {
        "unset"
    };
    Ok(Value::str(format!(
        "<{} at {}: {status}>",
        qualified_name(&receiver),
        address(&receiver)
    )))
}
