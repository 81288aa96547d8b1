//! `threading.RLock`: CPython's `_thread.RLock`, on core's [`RLock`].

use std::sync::{Arc, OnceLock};

use threadlab_core::sync::RLock;

use super::lock::{address, qualified_name, Acquire};
use crate::builtins::args::positional;
use crate::modules::native::{add_method, native_class, new_native, receiver, split_receiver};
use crate::objects::{Args, Class, Dict, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub fn rlock_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("_thread", "RLock", &[]);
        add_method(&class, "__new__", rlock_new);
        add_method(&class, "acquire", rlock_acquire);
        add_method(&class, "release", rlock_release);
        add_method(&class, "__enter__", rlock_acquire);
        add_method(&class, "__exit__", rlock_exit);
        add_method(&class, "_is_owned", rlock_is_owned);
        add_method(&class, "__repr__", rlock_repr);
        class
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("RLock", Value::Class(rlock_class().clone()));
}

/// A new `RLock` object, for `Condition()`'s default lock.
pub(super) fn new_rlock(vm: &Vm) -> Value {
    new_native(rlock_class(), RLock::new(&vm.interp.runtime))
}

fn rlock_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (class, args) = split_receiver(args);
    positional(args, "RLock", 0, 0)?;
    let class = match class {
        Value::Class(class) => class,
        _ => rlock_class().clone(),
    };
    Ok(new_native(&class, RLock::new(&vm.interp.runtime)))
}

fn this(value: &Value) -> PyResult<Arc<RLock>> {
    receiver::<RLock>(value, "_thread.RLock")
}

fn rlock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let lock = this(&receiver)?;
    Acquire::parse(vm, args)?.on(&*lock)
}

fn rlock_release(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "release", 0, 0)?;
    this(&receiver)?.release().map_err(PyErr::from)?;
    Ok(Value::None)
}

fn rlock_exit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    this(&receiver)?.release().map_err(PyErr::from)?;
    Ok(Value::None)
}

fn rlock_is_owned(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    Ok(Value::Bool(this(&receiver)?.is_owned()))
}

/// `<locked _thread.RLock object owner=140… count=1 at 0x…>`; the owner is the owning
/// thread's ident, 0 when free.
fn rlock_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let lock = this(&receiver)?;
    let count = lock.count();
    let owner = lock
        .owner()
        .and_then(|num| {
            vm.interp
                .runtime
                .enumerate()
                .into_iter()
                .find(|thread| thread.num() == num)
                .and_then(|thread| thread.ident())
        })
        .unwrap_or(0);
    let state = if count > 0 { "locked" } else { "unlocked" };
    Ok(Value::str(format!(
        "<{state} {} object owner={owner} count={count} at {}>",
        qualified_name(&receiver),
        address(&receiver)
    )))
}
