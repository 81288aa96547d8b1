//! `os`: the process's identity and the machine's CPU count. There is no file or process
//! access: `os.listdir`, `os.system`, `os.path` and the rest are absent, so using them is the
//! `AttributeError` a learner can read.

use crate::builtins::args::{bind, positional};
use crate::modules::native::add_function;
use crate::objects::{Args, Dict, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    add_function(module, "getpid", getpid);
    add_function(module, "getppid", getppid);
    add_function(module, "cpu_count", cpu_count);
    add_function(module, "getenv", getenv);
    module.set_by_name("name", Value::str("posix"));
    module.set_by_name("sep", Value::str("/"));
    module.set_by_name("altsep", Value::None);
    module.set_by_name("extsep", Value::str("."));
    module.set_by_name("pathsep", Value::str(":"));
    module.set_by_name("curdir", Value::str("."));
    module.set_by_name("pardir", Value::str(".."));
    module.set_by_name("linesep", Value::str("\n"));
    module.set_by_name("devnull", Value::str("/dev/null"));
    // The program sees no environment variables: runs are the same on every machine.
    module.set_by_name("environ", Value::Dict(Dict::new()));
    Ok(())
}

/// The browser has no process ids; this stands in for one there.
const BROWSER_PID: u32 = 42;

fn pid() -> u32 {
    // `std::process::id()` panics on wasm32-unknown-unknown.
    if cfg!(target_family = "wasm") {
        BROWSER_PID
    } else {
        std::process::id()
    }
}

fn getpid(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "getpid", 0, 0)?;
    Ok(Value::Int(i64::from(pid())))
}

/// The real parent process on Unix; elsewhere a stand-in (pid − 1, or 1 in the browser).
fn getppid(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "getppid", 0, 0)?;
    #[cfg(unix)]
    let parent = std::os::unix::process::parent_id();
    #[cfg(not(unix))]
    let parent = pid().saturating_sub(1).max(1);
    Ok(Value::Int(i64::from(parent)))
}

fn cpu_count(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "cpu_count", 0, 0)?;
    Ok(Value::Int(threadlab_core::platform::cpu_count() as i64))
}

/// `getenv(key, default=None)`: the environment is empty, so always `default`.
fn getenv(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(args, "getenv", &["key", "default"], 1)?;
    match &slots[0] {
        Some(Value::Str(_)) => Ok(slots[1].clone().unwrap_or(Value::None)),
        Some(other) => Err(PyErr::type_error(format!(
            "str expected, not {}",
            other.type_name()
        ))),
        None => Ok(Value::None),
    }
}
