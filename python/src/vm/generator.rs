//! Generators: a suspended frame in an object.
//!
//! Frames already live on the heap, so suspending one is moving its box out of the thread's
//! frame stack into the generator, and resuming is moving it back and running it on a
//! nested loop until its next `yield` (see `ops::control_flow::yield_value`) or its end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Frame, PyErr, PyResult, Vm};
use crate::modules::native::{add_method, native_class, new_native, receiver, split_receiver};
use crate::objects::types::ExcKind;
use crate::objects::{lock, Args, Class, Value};

pub(crate) struct GeneratorState {
    /// `None` while running (the frame is on some thread's stack) and once finished.
    frame: Mutex<Option<Box<Frame>>>,
    started: AtomicBool,
    running: AtomicBool,
    qualname: String,
}

fn generator_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("builtins", "generator", &[]);
        add_method(&class, "__iter__", generator_iter);
        add_method(&class, "__next__", generator_next);
        add_method(&class, "send", generator_send);
        add_method(&class, "close", generator_close);
        add_method(&class, "__repr__", generator_repr);
        class
    })
}

/// The generator object a call of a generator function returns, holding its unstarted frame.
pub(crate) fn new_generator(frame: Box<Frame>) -> Value {
    let qualname = frame.code.qualname.as_str().to_owned();
    new_native(
        generator_class(),
        GeneratorState {
            frame: Mutex::new(Some(frame)),
            started: AtomicBool::new(false),
            running: AtomicBool::new(false),
            qualname,
        },
    )
}

impl Vm {
    /// Runs the generator until it yields (`Some(value)`) or ends (`None`).
    pub(crate) fn resume(
        &mut self,
        state: &GeneratorState,
        sent: Value,
    ) -> PyResult<Option<Value>> {
        let Some(mut frame) = lock(&state.frame).take() else {
            if state.running.load(Ordering::Acquire) {
                return Err(PyErr::value_error("generator already executing"));
            }
            return Ok(None);
        };
        if state.started.swap(true, Ordering::AcqRel) {
            frame.push(sent);
        } else if !sent.is_none() {
            *lock(&state.frame) = Some(frame);
            state.started.store(false, Ordering::Release);
            return Err(PyErr::type_error(
                "can't send non-None value to a just-started generator",
            ));
        }
        frame.handled_base = self.handled.len();
        state.running.store(true, Ordering::Release);
        let outcome = self.run_frame(frame);
        state.running.store(false, Ordering::Release);
        match outcome {
            Ok(value) => match self.suspended.take() {
                Some(frame) => {
                    *lock(&state.frame) = Some(frame);
                    Ok(Some(value))
                }
                None => Ok(None),
            },
            // PEP 479: a StopIteration escaping the body would silently end the caller's loop.
            Err(error) if error.is(ExcKind::StopIteration) => {
                Err(PyErr::runtime_error("generator raised StopIteration"))
            }
            Err(error) => Err(error),
        }
    }
}

fn state(value: &Value) -> PyResult<Arc<GeneratorState>> {
    receiver::<GeneratorState>(value, "generator")
}

fn generator_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(this)
}

fn generator_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    match vm.resume(&state, Value::None)? {
        Some(value) => Ok(value),
        None => Err(PyErr::stop_iteration()),
    }
}

fn generator_send(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = state(&this)?;
    let sent = args.positional.into_iter().next().unwrap_or(Value::None);
    match vm.resume(&state, sent)? {
        Some(value) => Ok(value),
        None => Err(PyErr::stop_iteration()),
    }
}

/// Ends the generator where it stands (its `finally` blocks do not run: a simplification).
fn generator_close(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    lock(&state.frame).take();
    state.started.store(true, Ordering::Release);
    Ok(Value::None)
}

fn generator_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    Ok(Value::str(format!(
        "<generator object {} at {}>",
        state.qualname,
        super::protocols::address(&this)
    )))
}
