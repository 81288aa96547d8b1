//! The standard modules, written in Rust on threadlab-core, and `import`.
//!
//! A module is made on first import, once per run, and cached in `Interp::modules` (CPython's
//! `sys.modules`), so every thread sees the same module object.

use crate::objects::types::ExcKind;
use crate::objects::{Dict, Module, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// Builds module `name`'s namespace, or `None` if there is no such module.
type ModuleFactory = fn(&mut Vm, &Dict) -> PyResult<()>;

/// Every module a program can import.
fn factory(name: &str) -> Option<ModuleFactory> {
    let _ = name;
    None
}

impl Vm {
    /// `import name` (dotted names import their parents first) and returns the module.
    pub fn import(&mut self, name: &str) -> PyResult<Value> {
        if let Some(module) = crate::objects::read(&self.interp.modules).get(name) {
            return Ok(module.clone());
        }
        if let Some((parent, _)) = name.rsplit_once('.') {
            self.import(parent)?;
        }
        let Some(build) = factory(name) else {
            return Err(PyErr::new(
                ExcKind::ModuleNotFoundError,
                format!("No module named '{name}'"),
            ));
        };
        let dict = Dict::new();
        dict.set_by_name("__name__", Value::str(name));
        build(self, &dict)?;
        let module = Value::Module(Module::new(name, dict));
        crate::objects::write(&self.interp.modules).insert(name.to_owned(), module.clone());
        if let Some((parent, child)) = name.rsplit_once('.') {
            if let Some(Value::Module(parent)) =
                crate::objects::read(&self.interp.modules).get(parent)
            {
                parent.dict.set_by_name(child, module.clone());
            }
        }
        Ok(module)
    }
}
