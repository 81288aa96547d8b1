//! `queue`: `Queue`, `LifoQueue`, `PriorityQueue`, `SimpleQueue`, `Empty` and `Full`, on
//! core's queues.
//!
//! `Queue` attaches its state in `__init__` (like `threading.Thread`), so `class
//! JobQueue(Queue)` works; `LifoQueue` and `PriorityQueue` are its subclasses, as in CPython,
//! and the class being initialised picks the ordering.
//!
//! **PriorityQueue ordering.** Core's priority store compares items with `Ord`, under its
//! internal mutex, where Python code must never run (a learner's `__lt__` could block, switch
//! threads, or raise). So each item is put with a [`Key`] computed at `put` time, in Rust:
//! numbers (int, bool, float), str, bytes, and tuples/lists of those, which is what
//! `(priority, item)` programs put. Comparing keys cannot fail or call back into the VM. The
//! choices where this differs from CPython's `heapq`:
//! - An item whose top level is not orderable this way (`None`, an object, even one with
//!   `__lt__`) is a `TypeError` at `put`, like CPython's "'<' not supported between instances
//!   of …" (which CPython raises at the second put).
//! - Inside a tuple, an unorderable element (`(1, Task())`) compares equal to any other
//!   unorderable one, so ties go in put order instead of raising CPython's TypeError; numbers,
//!   strings, bytes and sequences order before it. Values of different kinds (a str and an int)
//!   order by kind instead of raising.
//! - Equal items come out in put order (core's tie-break), where CPython's order is an
//!   accident of the heap.
//! - A list inside an item is ordered by its contents at `put` time.

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use num_bigint::BigInt;
use num_traits::FromPrimitive;
use threadlab_core::queue::{LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue};
use threadlab_core::Error as CoreError;

use crate::builtins::args::{bind, float_arg, int_arg, positional};
use crate::modules::native::{
    add_method, add_property, attach_native, exception_class, native, native_class, split_receiver,
};
use crate::objects::types::ExcKind;
use crate::objects::{Args, Class, Dict, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    module.set_by_name("Empty", Value::Class(empty_class().clone()));
    module.set_by_name("Full", Value::Class(full_class().clone()));
    module.set_by_name("Queue", Value::Class(queue_class().clone()));
    module.set_by_name("LifoQueue", Value::Class(lifo_queue_class().clone()));
    module.set_by_name(
        "PriorityQueue",
        Value::Class(priority_queue_class().clone()),
    );
    module.set_by_name("SimpleQueue", Value::Class(simple_queue_class().clone()));
    Ok(())
}

/// `queue.Empty`, which CPython defines in `_queue`.
fn empty_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("_queue", "Empty", ExcKind::Exception))
}

fn full_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("queue", "Full", ExcKind::Exception))
}

fn queue_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("queue", "Queue", &[]);
        add_method(&class, "__init__", queue_init);
        add_method(&class, "put", queue_put);
        add_method(&class, "put_nowait", queue_put_nowait);
        add_method(&class, "get", queue_get);
        add_method(&class, "get_nowait", queue_get_nowait);
        add_method(&class, "qsize", queue_qsize);
        add_method(&class, "empty", queue_empty);
        add_method(&class, "full", queue_full);
        add_method(&class, "task_done", queue_task_done);
        add_method(&class, "join", queue_join);
        add_property(&class, "maxsize", queue_maxsize, None);
        add_property(&class, "unfinished_tasks", queue_unfinished_tasks, None);
        class
    })
}

fn lifo_queue_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("queue", "LifoQueue", &[queue_class()]))
}

fn priority_queue_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("queue", "PriorityQueue", &[queue_class()]))
}

fn simple_queue_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("_queue", "SimpleQueue", &[]);
        add_method(&class, "__init__", simple_init);
        add_method(&class, "put", simple_put);
        add_method(&class, "put_nowait", simple_put_nowait);
        add_method(&class, "get", simple_get);
        add_method(&class, "get_nowait", simple_get_nowait);
        add_method(&class, "qsize", simple_qsize);
        add_method(&class, "empty", simple_empty);
        class
    })
}

// ----- errors and arguments -----

/// A core queue error as the Python exception: `queue.Empty`, `queue.Full`, or the generic
/// mapping (a stop, `task_done()` too often).
fn queue_error(error: CoreError) -> PyErr {
    match error {
        CoreError::QueueEmpty => PyErr::from_class(empty_class(), Vec::new()),
        CoreError::QueueFull => PyErr::from_class(full_class(), Vec::new()),
        other => PyErr::from(other),
    }
}

fn put_error<T>(error: PutError<T>) -> PyErr {
    queue_error(error.error)
}

/// How a `put` or `get` waits.
enum Wait {
    /// `block=False`
    NoWait,
    /// At most this long (`None`: forever).
    For(Option<Duration>),
}

/// `block=True, timeout=None`, checked as CPython's `Queue.get`/`put` do.
fn wait_args(vm: &mut Vm, block: Option<Value>, timeout: Option<Value>) -> PyResult<Wait> {
    let block = match block {
        None => true,
        Some(flag) => vm.is_true(&flag)?,
    };
    if !block {
        return Ok(Wait::NoWait);
    }
    match timeout {
        None | Some(Value::None) => Ok(Wait::For(None)),
        Some(value) => {
            let seconds = float_arg(&value, "timeout")?;
            if seconds < 0.0 {
                return Err(PyErr::value_error(
                    "'timeout' must be a non-negative number",
                ));
            }
            if seconds.is_nan() {
                return Err(PyErr::value_error("Invalid value NaN (not a number)"));
            }
            Ok(Wait::For(Some(Duration::from_secs_f64(seconds.min(1e9)))))
        }
    }
}

// ----- Queue, LifoQueue, PriorityQueue -----

struct QueueState {
    kind: QueueKind,
    /// `maxsize` as given (CPython keeps a negative one; core's 0 means unbounded).
    maxsize: i64,
}

// One per queue object, already behind its `Arc`: boxing the big variant saves nothing.
#[allow(clippy::large_enum_variant)]
enum QueueKind {
    Fifo(Queue<Value>),
    Lifo(LifoQueue<Value>),
    Priority(PriorityQueue<Keyed>),
}

/// Runs `$body` with `$q` bound to whichever core queue `$state` holds.
macro_rules! with_queue {
    ($state:expr, $q:ident => $body:expr) => {
        match &$state.kind {
            QueueKind::Fifo($q) => $body,
            QueueKind::Lifo($q) => $body,
            QueueKind::Priority($q) => $body,
        }
    };
}

fn state(value: &Value) -> PyResult<Arc<QueueState>> {
    native::<QueueState>(value).ok_or_else(|| {
        PyErr::attribute_error(format!(
            "'{}' object has no queue: Queue.__init__() was not called",
            value.type_name()
        ))
    })
}

/// `Queue(maxsize=0)`; `maxsize <= 0` means unbounded.
fn queue_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let slots = bind(args, "Queue.__init__", &["maxsize"], 0)?;
    let maxsize = match &slots[0] {
        None => 0,
        Some(value) => int_arg(value)?,
    };
    let bound = usize::try_from(maxsize).unwrap_or(0);
    let rt = &vm.interp.runtime;
    let class = this.class();
    let kind = if class.is_subclass(priority_queue_class()) {
        QueueKind::Priority(PriorityQueue::new(rt, bound))
    } else if class.is_subclass(lifo_queue_class()) {
        QueueKind::Lifo(LifoQueue::new(rt, bound))
    } else {
        QueueKind::Fifo(Queue::new(rt, bound))
    };
    attach_native(&this, QueueState { kind, maxsize })?;
    Ok(Value::None)
}

fn put(state: &QueueState, vm: &mut Vm, item: Value, wait: Wait) -> PyResult<Value> {
    let put = match &state.kind {
        QueueKind::Fifo(q) => match wait {
            Wait::NoWait => q.try_put(item),
            Wait::For(timeout) => q.put(item, timeout),
        }
        .map_err(put_error),
        QueueKind::Lifo(q) => match wait {
            Wait::NoWait => q.try_put(item),
            Wait::For(timeout) => q.put(item, timeout),
        }
        .map_err(put_error),
        QueueKind::Priority(q) => {
            let keyed = Keyed::new(vm, item)?;
            match wait {
                Wait::NoWait => q.try_put(keyed),
                Wait::For(timeout) => q.put(keyed, timeout),
            }
            .map_err(put_error)
        }
    };
    put.map(|()| Value::None)
}

fn get(state: &QueueState, wait: Wait) -> PyResult<Value> {
    match &state.kind {
        QueueKind::Fifo(q) => match wait {
            Wait::NoWait => q.try_get(),
            Wait::For(timeout) => q.get(timeout),
        },
        QueueKind::Lifo(q) => match wait {
            Wait::NoWait => q.try_get(),
            Wait::For(timeout) => q.get(timeout),
        },
        QueueKind::Priority(q) => match wait {
            Wait::NoWait => q.try_get(),
            Wait::For(timeout) => q.get(timeout),
        }
        .map(|keyed| keyed.value),
    }
    .map_err(queue_error)
}

/// `put(item, block=True, timeout=None)`
fn queue_put(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = state(&this)?;
    let mut slots = bind(args, "put", &["item", "block", "timeout"], 1)?;
    let item = slots[0].take().unwrap_or(Value::None);
    let wait = wait_args(vm, slots[1].take(), slots[2].take())?;
    put(&state, vm, item, wait)
}

fn queue_put_nowait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = state(&this)?;
    let mut slots = bind(args, "put_nowait", &["item"], 1)?;
    let item = slots[0].take().unwrap_or(Value::None);
    put(&state, vm, item, Wait::NoWait)
}

/// `get(block=True, timeout=None)`
fn queue_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let state = state(&this)?;
    let mut slots = bind(args, "get", &["block", "timeout"], 0)?;
    let wait = wait_args(vm, slots[0].take(), slots[1].take())?;
    get(&state, wait)
}

fn queue_get_nowait(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "get_nowait", 0, 0)?;
    get(&*state(&this)?, Wait::NoWait)
}

fn queue_qsize(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "qsize", 0, 0)?;
    let state = state(&this)?;
    Ok(Value::Int(with_queue!(state, q => q.qsize()) as i64))
}

fn queue_empty(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "empty", 0, 0)?;
    let state = state(&this)?;
    Ok(Value::Bool(with_queue!(state, q => q.empty())))
}

fn queue_full(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "full", 0, 0)?;
    let state = state(&this)?;
    Ok(Value::Bool(with_queue!(state, q => q.full())))
}

fn queue_task_done(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "task_done", 0, 0)?;
    let state = state(&this)?;
    with_queue!(state, q => q.task_done()).map_err(queue_error)?;
    Ok(Value::None)
}

fn queue_join(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "join", 0, 0)?;
    let state = state(&this)?;
    with_queue!(state, q => q.join()).map_err(queue_error)?;
    Ok(Value::None)
}

fn queue_maxsize(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Int(state(&this)?.maxsize))
}

fn queue_unfinished_tasks(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state(&this)?;
    Ok(Value::Int(
        with_queue!(state, q => q.unfinished_tasks()) as i64
    ))
}

// ----- SimpleQueue -----

fn simple_state(value: &Value) -> PyResult<Arc<SimpleQueue<Value>>> {
    native::<SimpleQueue<Value>>(value).ok_or_else(|| {
        PyErr::attribute_error(format!(
            "'{}' object has no queue: SimpleQueue.__init__() was not called",
            value.type_name()
        ))
    })
}

fn simple_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "SimpleQueue", 0, 0)?;
    attach_native(&this, SimpleQueue::<Value>::new(&vm.interp.runtime))?;
    Ok(Value::None)
}

/// `put(item, block=True, timeout=None)`: never blocks; `block` and `timeout` are ignored,
/// as in CPython.
fn simple_put(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let queue = simple_state(&this)?;
    let mut slots = bind(args, "put", &["item", "block", "timeout"], 1)?;
    let item = slots[0].take().unwrap_or(Value::None);
    queue.put(item).map_err(put_error)?;
    Ok(Value::None)
}

fn simple_put_nowait(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let queue = simple_state(&this)?;
    let mut slots = bind(args, "put_nowait", &["item"], 1)?;
    let item = slots[0].take().unwrap_or(Value::None);
    queue.put(item).map_err(put_error)?;
    Ok(Value::None)
}

fn simple_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let queue = simple_state(&this)?;
    let mut slots = bind(args, "get", &["block", "timeout"], 0)?;
    match wait_args(vm, slots[0].take(), slots[1].take())? {
        Wait::NoWait => queue.try_get(),
        Wait::For(timeout) => queue.get(timeout),
    }
    .map_err(queue_error)
}

fn simple_get_nowait(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "get_nowait", 0, 0)?;
    simple_state(&this)?.try_get().map_err(queue_error)
}

fn simple_qsize(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "qsize", 0, 0)?;
    Ok(Value::Int(simple_state(&this)?.qsize() as i64))
}

fn simple_empty(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    positional(args, "empty", 0, 0)?;
    Ok(Value::Bool(simple_state(&this)?.empty()))
}

// ----- PriorityQueue keys -----

/// A `PriorityQueue` item with the key it is ordered by (see the module's doc comment).
struct Keyed {
    key: Key,
    value: Value,
}

impl Keyed {
    fn new(vm: &mut Vm, value: Value) -> PyResult<Keyed> {
        let key = Key::of(&value);
        if matches!(key, Key::Opaque) {
            let name = value.type_name();
            let defines_lt = matches!(&value, Value::Object(_))
                && !value.class().builtin
                && vm.lookup_special(&value, "__lt__").is_some();
            return Err(PyErr::type_error(if defines_lt {
                format!(
                    "threadlab's PriorityQueue orders numbers, strings and tuples of them, \
                     without calling __lt__: put (priority, item) tuples instead of '{name}' objects"
                )
            } else {
                format!("'<' not supported between instances of '{name}' and '{name}'")
            }));
        }
        Ok(Keyed { key, value })
    }
}

impl Ord for Keyed {
    fn cmp(&self, other: &Keyed) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Keyed) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Keyed {
    fn eq(&self, other: &Keyed) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Keyed {}

/// What a `PriorityQueue` orders by: a value's orderable contents, taken at `put` time.
/// Kinds order as the variants are listed; `Opaque` (anything else) equals itself.
enum Key {
    Num(Num),
    Str(Arc<PyStr>),
    Bytes(Arc<Vec<u8>>),
    Seq(Vec<Key>),
    Opaque,
}

enum Num {
    Int(i64),
    Big(Arc<BigInt>),
    Float(f64),
}

impl Key {
    fn of(value: &Value) -> Key {
        match value {
            Value::Bool(b) => Key::Num(Num::Int(*b as i64)),
            Value::Int(i) => Key::Num(Num::Int(*i)),
            Value::BigInt(b) => Key::Num(Num::Big(b.clone())),
            Value::Float(f) => Key::Num(Num::Float(*f)),
            Value::Str(s) => Key::Str(s.clone()),
            Value::Bytes(b) => Key::Bytes(b.clone()),
            Value::Tuple(t) => Key::Seq(t.items().iter().map(Key::of).collect()),
            Value::List(l) => Key::Seq(l.snapshot().iter().map(Key::of).collect()),
            _ => Key::Opaque,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Num(_) => 0,
            Key::Str(_) => 1,
            Key::Bytes(_) => 2,
            Key::Seq(_) => 3,
            Key::Opaque => 4,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.cmp(b),
            (Key::Str(a), Key::Str(b)) => a.as_str().cmp(b.as_str()),
            (Key::Bytes(a), Key::Bytes(b)) => a.cmp(b),
            (Key::Seq(a), Key::Seq(b)) => a.cmp(b),
            (Key::Opaque, Key::Opaque) => Ordering::Equal,
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

impl Num {
    fn to_big(&self) -> Option<BigInt> {
        match self {
            Num::Int(i) => Some(BigInt::from(*i)),
            Num::Big(b) => Some((**b).clone()),
            Num::Float(_) => None,
        }
    }
}

/// Numbers compare by value, ints and floats exactly, as Python compares them; NaN, which
/// Python cannot order, is put after every other number (and equal to itself), to keep the
/// order total.
impl Ord for Num {
    fn cmp(&self, other: &Num) -> Ordering {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.cmp(b),
            (Num::Float(a), Num::Float(b)) => float_cmp(*a, *b),
            (Num::Float(f), int) => int_float_cmp(int, *f).reverse(),
            (int, Num::Float(f)) => int_float_cmp(int, *f),
            (a, b) => a.to_big().cmp(&b.to_big()),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Num {}

fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// An int (`Int` or `Big`) against a float, exactly.
fn int_float_cmp(int: &Num, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Less;
    }
    if f.is_infinite() {
        return if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let floor = f.floor();
    let Some(int) = int.to_big() else {
        return Ordering::Equal;
    };
    let floor_big = BigInt::from_f64(floor).unwrap_or_default();
    match int.cmp(&floor_big) {
        Ordering::Equal if f > floor => Ordering::Less,
        ordering => ordering,
    }
}
