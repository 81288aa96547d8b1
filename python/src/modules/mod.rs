//! The standard modules, written in Rust on threadlab-core, and `import`.
//!
//! A module is made on first import, once per run, and cached in `Interp::modules` (CPython's
//! `sys.modules`), so every thread sees the same module object. Each file (or folder) builds
//! one module's namespace; `native.rs` has what they share.

mod concurrent_futures;
mod math;
mod multiprocessing;
pub mod native;
mod network;
mod os;
pub(crate) mod process;
mod queue;
mod random;
mod sys;
mod thread_pool;
pub mod threading;
mod time;

use crate::objects::types::ExcKind;
use crate::objects::{Dict, Module, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// Fills module `name`'s namespace.
type ModuleFactory = fn(&mut Vm, &Dict) -> PyResult<()>;

/// Every module a program can import, by dotted name. Packages (`concurrent`, `urllib`)
/// get an empty namespace of their own; their submodules are separate entries.
fn factory(name: &str) -> Option<ModuleFactory> {
    Some(match name {
        "threading" => threading::build,
        "queue" => queue::build,
        "time" => time::build,
        "random" => random::build,
        "sys" => sys::build,
        "os" => os::build,
        "math" => math::build,
        "multiprocessing" => multiprocessing::build,
        "multiprocessing.pool" => multiprocessing::build_pool,
        "concurrent" => package,
        "concurrent.futures" => concurrent_futures::build,
        "socket" => network::build_socket,
        "urllib" => package,
        "urllib.request" => network::build_urllib_request,
        "urllib.error" => network::build_urllib_error,
        "http" => package,
        "http.client" => network::build_http_client,
        _ => return None,
    })
}

fn package(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
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
        // Two threads importing at once both build it; the first one stored wins, as
        // everyone must share one module object.
        let module = crate::objects::write(&self.interp.modules)
            .entry(name.to_owned())
            .or_insert(module)
            .clone();
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
