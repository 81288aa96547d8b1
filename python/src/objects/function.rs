use std::sync::{Arc, RwLock};

use super::{Dict, PyStr, Value};
use crate::bytecode::Code;
use crate::vm::{PyResult, Vm};

/// A `def` or `lambda`: code plus what it closed over.
pub struct Function {
    pub code: Arc<Code>,
    pub globals: Arc<Dict>,
    pub defaults: Vec<Value>,
    pub kw_defaults: Vec<(Arc<PyStr>, Value)>,
    /// Cells for `code.freevars`, in order.
    pub closure: Vec<Arc<Cell>>,
    /// `__module__`, for class reprs and `__qualname__`-style output.
    pub module: Arc<PyStr>,
}

impl Function {
    pub fn name(&self) -> &str {
        self.code.name.as_str()
    }
}

/// A variable shared between a function and the functions nested in it.
#[derive(Default)]
pub struct Cell(RwLock<Option<Value>>);

impl Cell {
    pub fn new(value: Option<Value>) -> Arc<Cell> {
        Arc::new(Cell(RwLock::new(value)))
    }

    pub fn get(&self) -> Option<Value> {
        super::read(&self.0).clone()
    }

    pub fn set(&self, value: Option<Value>) {
        *super::write(&self.0) = value;
    }
}

/// A function's arguments as a call site passed them.
#[derive(Default)]
pub struct Args {
    pub positional: Vec<Value>,
    pub keywords: Vec<(Arc<PyStr>, Value)>,
}

impl Args {
    pub fn new(positional: Vec<Value>) -> Args {
        Args {
            positional,
            keywords: Vec::new(),
        }
    }

    /// `f(*args, **kwargs)` from a stored tuple and dict (a thread's or process's target
    /// arguments); anything else counts as empty.
    pub fn from_tuple_and_dict(args: &Value, kwargs: &Value) -> Args {
        let positional = match args {
            Value::Tuple(t) => t.items().to_vec(),
            _ => Vec::new(),
        };
        let keywords = match kwargs {
            Value::Dict(d) => d
                .items()
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Value::Str(name) => Some((name, v)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Args {
            positional,
            keywords,
        }
    }

    pub fn with_receiver(mut self, receiver: Value) -> Args {
        self.positional.insert(0, receiver);
        self
    }
}

pub type BuiltinFn = fn(&mut Vm, Args) -> PyResult<Value>;

/// A function written in Rust: a builtin, a method of a built-in type, or a library function.
pub struct Builtin {
    pub name: &'static str,
    /// The type it is a method of, for its repr (`<method 'append' of 'list' objects>`).
    pub owner: Option<&'static str>,
    pub func: BuiltinFn,
}

impl Builtin {
    #[allow(clippy::new_ret_no_self)] // makes the object and wraps it as the Value callers need
    pub fn new(name: &'static str, func: BuiltinFn) -> Value {
        Value::Builtin(Arc::new(Builtin {
            name,
            owner: None,
            func,
        }))
    }

    pub fn method(owner: &'static str, name: &'static str, func: BuiltinFn) -> Value {
        Value::Builtin(Arc::new(Builtin {
            name,
            owner: Some(owner),
            func,
        }))
    }
}

/// `obj.method` when taken as a value: the function with its receiver.
pub struct BoundMethod {
    pub function: Value,
    pub receiver: Value,
}
