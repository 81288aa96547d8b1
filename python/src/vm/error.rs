//! `PyErr`: a raised Python exception on its way up the stack, or the run being stopped.

use std::sync::Arc;

use threadlab_core::{Error as CoreError, ExceptionKind};

use super::Frame;
use crate::objects::types::{types, ExcKind};
use crate::objects::{lock, Class, ExceptionData, Object, Payload, TracebackEntry, Value};

pub type PyResult<T> = Result<T, PyErr>;

/// What `PyErr::exception` shows for the returning signal, which has no exception.
static RETURNING: Raised = Raised {
    exception: Value::Null,
    reraise: false,
};

/// Boxed, so that `PyResult<()>` — what every opcode handler returns — is one register wide:
/// errors are rare, and the hot path should not pay for their size.
/// `None` is the "first frame of a run loop returned" signal, which happens on every return
/// to Rust and every `yield`, so it must not allocate.
pub struct PyErr(Option<Box<Raised>>);

struct Raised {
    /// The exception instance; `Value::Null` for a stop.
    exception: Value,
    /// A bare `raise`: the frame that re-raises is already in the traceback.
    reraise: bool,
}

impl PyErr {
    /// A new exception of a built-in class with one string argument.
    pub fn new(kind: ExcKind, message: impl Into<String>) -> PyErr {
        PyErr::from_class(types().exception(kind), vec![Value::str(message)])
    }

    /// A new exception of any exception class, with `args`.
    pub fn from_class(class: &Arc<Class>, args: Vec<Value>) -> PyErr {
        PyErr::from_exception(new_exception(class, args))
    }

    /// Raising an existing exception instance (`raise e`).
    pub fn from_exception(exception: Value) -> PyErr {
        PyErr(Some(Box::new(Raised {
            exception,
            reraise: false,
        })))
    }

    /// Re-raising (`raise` with no argument, or no `except` clause matched).
    pub fn reraise(exception: Value) -> PyErr {
        PyErr(Some(Box::new(Raised {
            exception,
            reraise: true,
        })))
    }

    /// The run is being stopped (Stop, time limit, deadlock): unwinds every frame, and no
    /// `except` may catch it.
    pub fn stop() -> PyErr {
        PyErr(Some(Box::new(Raised {
            exception: Value::Null,
            reraise: false,
        })))
    }

    /// Not an exception: the frame a run loop started with has returned or yielded (see
    /// `Vm::return_value`), and that loop must hand the value to its caller.
    pub(crate) fn returning() -> PyErr {
        PyErr(None)
    }

    pub(crate) fn is_returning(&self) -> bool {
        self.0.is_none()
    }

    fn raised(&self) -> &Raised {
        self.0.as_deref().unwrap_or(&RETURNING)
    }

    pub fn is_stop(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|raised| matches!(raised.exception, Value::Null))
    }

    pub fn exception(&self) -> &Value {
        &self.raised().exception
    }

    pub fn into_exception(self) -> Value {
        self.0.map_or(Value::Null, |raised| raised.exception)
    }

    pub fn data(&self) -> Option<&ExceptionData> {
        match &self.raised().exception {
            Value::Object(object) => object.exception(),
            _ => None,
        }
    }

    /// Is this an instance of the built-in exception `kind` (or a subclass)?
    pub fn is(&self, kind: ExcKind) -> bool {
        match &self.raised().exception {
            Value::Object(object) => object.class.is_subclass(types().exception(kind)),
            _ => false,
        }
    }

    /// Records that the exception passed through `frame`.
    pub(crate) fn add_traceback(&mut self, frame: &Frame) {
        let Some(raised) = self.0.as_mut() else {
            return;
        };
        let Value::Object(object) = &raised.exception else {
            return;
        };
        let Some(data) = object.exception() else {
            return;
        };
        let mut traceback = lock(&data.traceback);
        let already_there =
            raised.reraise && traceback.last().is_some_and(|e| e.frame_id == frame.id);
        if !already_there {
            traceback.push(TracebackEntry {
                code: frame.code.clone(),
                instruction: frame.ip.saturating_sub(1) as u32,
                frame_id: frame.id,
            });
        }
        raised.reraise = false;
    }

    pub fn type_error(message: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::TypeError, message)
    }

    pub fn value_error(message: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::ValueError, message)
    }

    pub fn index_error(message: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::IndexError, message)
    }

    pub fn attribute_error(message: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::AttributeError, message)
    }

    pub fn runtime_error(message: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::RuntimeError, message)
    }

    pub fn memory_error(what: &str) -> PyErr {
        PyErr::new(
            ExcKind::MemoryError,
            format!("{what}: result too large for this run's memory limit"),
        )
    }

    /// `KeyError(key)`: its only argument is the key itself.
    pub fn key_error(key: Value) -> PyErr {
        PyErr::from_class(types().exception(ExcKind::KeyError), vec![key])
    }

    /// `StopIteration`
    pub fn stop_iteration() -> PyErr {
        PyErr::from_class(types().exception(ExcKind::StopIteration), vec![])
    }
}

/// An exception instance of `class`.
pub fn new_exception(class: &Arc<Class>, args: Vec<Value>) -> Value {
    Value::Object(Object::new(
        class.clone(),
        Payload::Exception(ExceptionData::new(Value::tuple(args))),
    ))
}

impl From<CoreError> for PyErr {
    fn from(error: CoreError) -> PyErr {
        let kind = match error.exception() {
            ExceptionKind::Interrupted => return PyErr::stop(),
            ExceptionKind::ValueError => ExcKind::ValueError,
            ExceptionKind::OverflowError => ExcKind::OverflowError,
            ExceptionKind::TimeoutError => ExcKind::TimeoutError,
            // The library-specific classes (queue.Full, BrokenBarrierError, …) come from the
            // modules that raise them; this is the fallback for the generic ones.
            _ => ExcKind::RuntimeError,
        };
        PyErr::new(kind, error.to_string())
    }
}

impl std::fmt::Debug for PyErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_stop() {
            return f.write_str("PyErr(stop)");
        }
        let args = self
            .data()
            .map(|d| d.args().constant_repr())
            .unwrap_or_default();
        write!(f, "PyErr({}{})", self.exception().type_name(), args)
    }
}
