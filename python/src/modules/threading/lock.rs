//! `threading.Lock`: CPython's `_thread.lock`, on core's [`Lock`].
//!
//! The argument checks of `acquire(blocking=True, timeout=-1)` are shared with `RLock`, which
//! parses its arguments the same way in CPython (`lock_acquire_parse_args`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use threadlab_core::sync::Lock;

use crate::builtins::args::{bind, float_arg, positional};
use crate::modules::native::{add_method, native_class, new_native, receiver, split_receiver};
use crate::objects::types::ExcKind;
use crate::objects::{Args, Class, Dict, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// CPython's `threading.TIMEOUT_MAX`, in seconds.
const TIMEOUT_MAX: f64 = 9_223_372_036.0;

pub fn lock_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("_thread", "lock", &[]);
        add_method(&class, "__new__", lock_new);
        add_method(&class, "acquire", lock_acquire);
        add_method(&class, "acquire_lock", lock_acquire);
        add_method(&class, "release", lock_release);
        add_method(&class, "release_lock", lock_release);
        add_method(&class, "locked", lock_locked);
        add_method(&class, "locked_lock", lock_locked);
        add_method(&class, "__enter__", lock_enter);
        add_method(&class, "__exit__", lock_exit);
        add_method(&class, "__repr__", lock_repr);
        class
    })
}

pub(super) fn install(module: &Dict) {
    module.set_by_name("Lock", Value::Class(lock_class().clone()));
    module.set_by_name("allocate_lock", Value::Class(lock_class().clone()));
}

/// How an `acquire` call wants to wait.
pub(super) enum Acquire {
    /// `blocking=False`: only if free right now.
    NoWait,
    /// Blocking, for at most this long (`None`: forever).
    Wait(Option<Duration>),
}

/// What `acquire(blocking, timeout)` needs of a lock: `Lock` and `RLock` alike.
pub(super) trait Acquirable {
    fn try_acquire(&self) -> threadlab_core::Result<bool>;
    fn acquire(&self) -> threadlab_core::Result<()>;
    fn acquire_timeout(&self, timeout: Option<Duration>) -> threadlab_core::Result<bool>;
}

macro_rules! acquirable {
    ($($lock:ty),*) => {$(
        impl Acquirable for $lock {
            fn try_acquire(&self) -> threadlab_core::Result<bool> {
                <$lock>::try_acquire(self)
            }
            fn acquire(&self) -> threadlab_core::Result<()> {
                <$lock>::acquire(self)
            }
            fn acquire_timeout(&self, timeout: Option<Duration>) -> threadlab_core::Result<bool> {
                <$lock>::acquire_timeout(self, timeout)
            }
        }
    )*};
}

acquirable!(Lock, threadlab_core::sync::RLock);

impl Acquire {
    /// Acquires `lock` the way the parsed arguments ask; `True` when it was taken.
    pub(super) fn on(self, lock: &impl Acquirable) -> PyResult<Value> {
        let acquired = match self {
            Acquire::NoWait => lock.try_acquire(),
            Acquire::Wait(None) => lock.acquire().map(|()| true),
            Acquire::Wait(timeout) => lock.acquire_timeout(timeout),
        }
        .map_err(PyErr::from)?;
        Ok(Value::Bool(acquired))
    }

    /// CPython's `lock_acquire_parse_args`: `acquire(blocking=True, timeout=-1)`, with its
    /// messages.
    pub(super) fn parse(vm: &mut Vm, args: Args) -> PyResult<Acquire> {
        let slots = bind(args, "acquire", &["blocking", "timeout"], 0)?;
        let blocking = match &slots[0] {
            None => true,
            Some(flag) => vm.is_true(flag)?,
        };
        let timeout = match &slots[1] {
            None => None,
            Some(Value::Float(f)) => Some(*f),
            Some(value) => match crate::objects::Int::of(value) {
                Some(_) => Some(float_arg(value, "acquire")?),
                None => {
                    return Err(PyErr::type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        value.type_name()
                    )))
                }
            },
        };
        let timeout = timeout.filter(|t| *t != -1.0);
        if !blocking && timeout.is_some() {
            return Err(PyErr::value_error(
                "can't specify a timeout for a non-blocking call",
            ));
        }
        match timeout {
            _ if !blocking => Ok(Acquire::NoWait),
            None => Ok(Acquire::Wait(None)),
            Some(t) if t.is_nan() => Err(PyErr::value_error("Invalid value NaN (not a number)")),
            Some(t) if t < 0.0 => Err(PyErr::value_error("timeout value must be positive")),
            Some(t) if t > TIMEOUT_MAX => Err(PyErr::new(
                ExcKind::OverflowError,
                "timestamp out of range for platform time_t",
            )),
            Some(t) => Ok(Acquire::Wait(Some(Duration::from_secs_f64(t)))),
        }
    }
}

fn lock_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (class, args) = split_receiver(args);
    positional(args, "_thread.allocate_lock", 0, 0)?;
    let class = match class {
        Value::Class(class) => class,
        _ => lock_class().clone(),
    };
    Ok(new_native(&class, Lock::new(&vm.interp.runtime)))
}

fn this(value: &Value) -> PyResult<Arc<Lock>> {
    receiver::<Lock>(value, "_thread.lock")
}

fn lock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    let lock = this(&receiver)?;
    Acquire::parse(vm, args)?.on(&*lock)
}

fn lock_release(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "release", 0, 0)?;
    this(&receiver)?.release().map_err(PyErr::from)?;
    Ok(Value::None)
}

/// `__enter__`: a blocking acquire, without `acquire`'s argument parsing (`with lock:` is
/// the commonest use of a lock).
fn lock_enter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    this(&receiver)?.acquire().map_err(PyErr::from)?;
    Ok(Value::Bool(true))
}

/// `__exit__(*args)`: releases, whatever the exception.
fn lock_exit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    this(&receiver)?.release().map_err(PyErr::from)?;
    Ok(Value::None)
}

fn lock_locked(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, args) = split_receiver(args);
    positional(args, "locked", 0, 0)?;
    Ok(Value::Bool(this(&receiver)?.locked()))
}

/// `<unlocked _thread.lock object at 0x…>`
fn lock_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (receiver, _) = split_receiver(args);
    let lock = this(&receiver)?;
    let state = if lock.locked() { "locked" } else { "unlocked" };
    Ok(Value::str(format!(
        "<{state} {} object at {}>",
        qualified_name(&receiver),
        address(&receiver)
    )))
}

/// `module.Name` of a value's class, as CPython's default reprs print it.
pub(super) fn qualified_name(value: &Value) -> String {
    let class = value.class();
    format!("{}.{}", class.module.as_str(), class.qualname.as_str())
}

/// A CPython-looking address for reprs, as `id()` shows it.
pub(super) fn address(value: &Value) -> String {
    format!("0x{:012x}", value.identity().unwrap_or(0))
}

/// The Rust state of a primitive that CPython writes in Python (`Semaphore`, `Event`,
/// `Condition`, `Barrier`): attached by `__init__`, so that subclasses with their own
/// `__init__` work; a subclass that never called the base `__init__` gets an
/// `AttributeError`, as in CPython, here with a clearer message.
pub(super) fn initialised<T: std::any::Any + Send + Sync>(
    value: &Value,
    class: &Arc<Class>,
) -> PyResult<Arc<T>> {
    if let Some(state) = crate::modules::native::native::<T>(value) {
        return Ok(state);
    }
    if value.class().is_subclass(class) {
        return Err(PyErr::attribute_error(format!(
            "'{}' object is not initialised: {}.__init__() was not called",
            value.type_name(),
            class.name.as_str()
        )));
    }
    receiver::<T>(value, class.name.as_str())
}

/// `with lock:` without the generic protocol, for exactly `_thread.lock` (a subclass may
/// override `__enter__`): the commonest use of a lock, and in CPython a C-level fast path too.
/// `None` when `manager` is not a plain lock.
pub(crate) fn enter_if_lock(manager: &Value) -> Option<PyResult<Value>> {
    let Value::Object(object) = manager else {
        return None;
    };
    if !Arc::ptr_eq(&object.class, lock_class()) {
        return None;
    }
    let lock = object.native::<Lock>()?;
    Some(
        lock.acquire()
            .map(|()| Value::Bool(true))
            .map_err(PyErr::from),
    )
}

/// The `__exit__` half of [`enter_if_lock`].
pub(crate) fn exit_if_lock(manager: &Value) -> Option<PyResult<()>> {
    let Value::Object(object) = manager else {
        return None;
    };
    if !Arc::ptr_eq(&object.class, lock_class()) {
        return None;
    }
    let lock = object.native::<Lock>()?;
    Some(lock.release().map_err(PyErr::from))
}
