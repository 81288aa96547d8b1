//! `sys`: `exit`, `argv`, switch interval, `stdout`/`stderr`, `version`.
//!
//! `sys.stdout` and `sys.stderr` carry a [`Stream`], which is how `print(file=sys.stderr)`
//! finds its stream. `sys.modules` is a snapshot taken at import time, and
//! `setrecursionlimit` is accepted without changing the run's limit (`getrecursionlimit`
//! reports the limit that is really in force).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::builtins::args::{float_arg, int_arg, positional};
use crate::modules::native::{
    add_function, add_method, add_property, native_class, new_native, receiver, split_receiver,
};
use crate::objects::class::Layout;
use crate::objects::types::{library_class, types, ExcKind};
use crate::objects::{Args, Class, Dict, Object, Payload, Value};
use crate::vm::{PyErr, PyResult, Stream, Vm};

pub(super) fn build(vm: &mut Vm, module: &Dict) -> PyResult<()> {
    add_function(module, "exit", exit);
    add_function(module, "getswitchinterval", getswitchinterval);
    add_function(module, "setswitchinterval", setswitchinterval);
    add_function(module, "getrecursionlimit", getrecursionlimit);
    add_function(module, "setrecursionlimit", setrecursionlimit);
    add_function(module, "exc_info", exc_info);
    add_function(module, "intern", intern);

    let program = vm.interp.source.name.clone();
    module.set_by_name("argv", Value::list(vec![Value::str(program)]));
    module.set_by_name("orig_argv", Value::list(vec![Value::str("threadlab")]));
    module.set_by_name("path", Value::list(vec![Value::str("")]));
    module.set_by_name("executable", Value::str("threadlab"));
    module.set_by_name(
        "byteorder",
        Value::str(if cfg!(target_endian = "big") {
            "big"
        } else {
            "little"
        }),
    );
    module.set_by_name("platform", Value::str(platform()));
    module.set_by_name("maxsize", Value::Int(i64::MAX));
    module.set_by_name(
        "version",
        Value::str(format!(
            "3.11.0 (threadlab {}, a Python subset on Rust threads)",
            env!("CARGO_PKG_VERSION")
        )),
    );
    module.set_by_name("version_info", version_info());
    module.set_by_name("hexversion", Value::Int(0x030b_00f0));
    module.set_by_name("implementation", implementation());
    module.set_by_name(
        "builtin_module_names",
        Value::tuple(vec![Value::str("builtins"), Value::str("sys")]),
    );

    let stdout = new_native(stream_class(), Stream::Stdout);
    let stderr = new_native(stream_class(), Stream::Stderr);
    module.set_by_name("stdout", stdout.clone());
    module.set_by_name("__stdout__", stdout);
    module.set_by_name("stderr", stderr.clone());
    module.set_by_name("__stderr__", stderr);

    let modules = Dict::new();
    for (name, value) in crate::objects::read(&vm.interp.modules).iter() {
        modules.set_by_name(name, value.clone());
    }
    module.set_by_name("modules", Value::Dict(modules));
    Ok(())
}

/// CPython's names for the platforms: `linux`, `darwin`, `win32`, and `emscripten` in the
/// browser, as Pyodide reports.
fn platform() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        "" => "emscripten",
        other => other,
    }
}

fn version_info() -> Value {
    Value::tuple(vec![
        Value::Int(3),
        Value::Int(11),
        Value::Int(0),
        Value::str("final"),
        Value::Int(0),
    ])
}

/// `sys.implementation`: a namespace with `name`, `version` and `cache_tag`.
fn implementation() -> Value {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    let class = CLASS.get_or_init(|| {
        library_class(
            "types",
            "SimpleNamespace",
            &[&types().object_type],
            Layout::Plain,
        )
    });
    let object = Object::new(class.clone(), Payload::None);
    object.dict.set_by_name("name", Value::str("threadlab"));
    object.dict.set_by_name("version", version_info());
    object.dict.set_by_name("cache_tag", Value::None);
    Value::Object(object)
}

/// The class of `sys.stdout` and `sys.stderr`.
fn stream_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("_io", "TextIOWrapper", &[]);
        add_method(&class, "write", stream_write);
        add_method(&class, "writelines", stream_writelines);
        add_method(&class, "flush", stream_flush);
        add_method(&class, "isatty", stream_isatty);
        add_method(&class, "writable", stream_writable);
        add_method(&class, "readable", stream_isatty);
        add_method(&class, "__repr__", stream_repr);
        add_property(&class, "name", stream_name, None);
        add_property(&class, "encoding", stream_encoding, None);
        class
    })
}

fn stream_of(this: &Value) -> PyResult<Stream> {
    receiver::<Stream>(this, "_io.TextIOWrapper").map(|s| *s)
}

/// `write(s)`: the text goes to the run's console; returns its length.
fn stream_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "write", 1, 1)?;
    let stream = stream_of(&this)?;
    let Value::Str(text) = &args[0] else {
        return Err(PyErr::type_error(format!(
            "write() argument must be str, not {}",
            args[0].type_name()
        )));
    };
    vm.interp.write(stream, text.as_str());
    Ok(Value::Int(text.char_len() as i64))
}

fn stream_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "writelines", 1, 1)?;
    let stream = stream_of(&this)?;
    let mut text = String::new();
    for line in vm.collect(&args[0])? {
        let Value::Str(line) = &line else {
            return Err(PyErr::type_error(format!(
                "write() argument must be str, not {}",
                line.type_name()
            )));
        };
        text.push_str(line.as_str());
    }
    vm.interp.write(stream, &text);
    Ok(Value::None)
}

fn stream_flush(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "flush", 0, 0)?;
    stream_of(&this)?;
    Ok(Value::None)
}

fn stream_isatty(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    stream_of(&this)?;
    Ok(Value::Bool(false))
}

fn stream_writable(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    stream_of(&this)?;
    Ok(Value::Bool(true))
}

fn stream_name(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::str(match stream_of(&this)? {
        Stream::Stdout => "<stdout>",
        Stream::Stderr => "<stderr>",
    }))
}

fn stream_encoding(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    stream_of(&this)?;
    Ok(Value::str("utf-8"))
}

fn stream_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let name = stream_name(vm, Args::new(vec![this]))?;
    let Value::Str(name) = name else {
        return Ok(Value::str("<_io.TextIOWrapper>"));
    };
    Ok(Value::str(format!(
        "<_io.TextIOWrapper name='{}' mode='w' encoding='utf-8'>",
        name.as_str()
    )))
}

/// `exit([arg])`: raises `SystemExit(arg)`; the run ends with its status.
fn exit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "exit", 0, 1)?;
    Err(PyErr::from_class(
        types().exception(ExcKind::SystemExit),
        args,
    ))
}

/// The interval the program last set, kept in the module: the parallel and deterministic
/// schedulers have no switch interval, but the program should read back what it set.
const SET_INTERVAL: &str = "_switchinterval";

fn sys_dict(vm: &Vm) -> Option<Arc<Dict>> {
    match crate::objects::read(&vm.interp.modules).get("sys") {
        Some(Value::Module(module)) => Some(module.dict.clone()),
        _ => None,
    }
}

fn getswitchinterval(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "getswitchinterval", 0, 0)?;
    if let Some(set) = sys_dict(vm).and_then(|d| d.get_by_name(SET_INTERVAL)) {
        return Ok(set);
    }
    Ok(Value::Float(
        vm.interp.runtime.switch_interval().as_secs_f64(),
    ))
}

/// `setswitchinterval(interval)`: the GIL mode's switch interval, in seconds.
fn setswitchinterval(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "setswitchinterval", 1, 1)?;
    let seconds = match &args[0] {
        Value::Float(f) => *f,
        other => float_arg(other, "setswitchinterval").map_err(|_| {
            PyErr::type_error(format!("must be real number, not {}", other.type_name()))
        })?,
    };
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(PyErr::value_error(
            "switch interval must be strictly positive",
        ));
    }
    let interval = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
    vm.interp.runtime.set_switch_interval(interval);
    if let Some(dict) = sys_dict(vm) {
        dict.set_by_name(SET_INTERVAL, Value::Float(seconds));
    }
    Ok(Value::None)
}

fn getrecursionlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "getrecursionlimit", 0, 0)?;
    Ok(Value::Int(vm.interp.limits.recursion_limit as i64))
}

/// `setrecursionlimit(n)`: checked and accepted; the run keeps its own limit.
fn setrecursionlimit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "setrecursionlimit", 1, 1)?;
    if matches!(args[0], Value::Float(_)) {
        return Err(PyErr::type_error(
            "'float' object cannot be interpreted as an integer",
        ));
    }
    let limit = int_arg(&args[0])?;
    if limit < 1 {
        return Err(PyErr::value_error(
            "recursion limit must be greater or equal than 1",
        ));
    }
    Ok(Value::None)
}

/// `exc_info()`: `(type, value, traceback)` of the exception being handled; the traceback
/// object is not available, so it is `None`.
fn exc_info(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "exc_info", 0, 0)?;
    Ok(match vm.current_exception() {
        Some(exception) => Value::tuple(vec![
            Value::Class(exception.class()),
            exception.clone(),
            Value::None,
        ]),
        None => Value::tuple(vec![Value::None, Value::None, Value::None]),
    })
}

fn intern(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "intern", 1, 1)?;
    match &args[0] {
        Value::Str(_) => Ok(args[0].clone()),
        other => Err(PyErr::type_error(format!(
            "intern() argument must be str, not {}",
            other.type_name()
        ))),
    }
}
