//! Python values, shared safely between OS threads.
//!
//! A [`Value`] is 16 bytes: small immutable values inline (None, bool, small int, float), every
//! other object behind an `Arc`. Mutable objects guard their state with their own lock, as
//! free-threaded CPython does, and hold it only for the duration of one operation: no lock is
//! ever held while Python code runs or while the thread blocks, so the locks can neither
//! deadlock nor hide a learner's race. The races a learner sees are Python-level only: `x += 1`
//! is a load, an add and a store, and another thread may store in between.

pub mod class;
pub mod dict;
mod exception;
mod function;
pub mod int;
mod iterator;
mod list;
mod module;
mod object;
pub mod set;
pub mod string;
pub mod types;
mod value;

pub use class::Class;
pub use dict::{Dict, HashKey};
pub use exception::{ExceptionData, TracebackEntry};
pub use function::{Args, BoundMethod, Builtin, BuiltinFn, Cell, Function};
pub use int::{int_from_bigint, Int};
pub use iterator::{IterState, PyIterator};
pub use list::List;
pub use module::Module;
pub use object::{Object, Payload, Property};
pub use set::Set;
pub use string::PyStr;
pub use value::{Range, Slice, Tuple, Value};

/// Locks that shrug off poisoning: a panic inside an object operation is already reported as
/// an internal error, and the object must stay usable for the rest of the run.
pub(crate) fn read<T>(lock: &std::sync::RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn write<T>(lock: &std::sync::RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn lock<T>(lock: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Drops container contents without recursing: a list nested 200,000 deep would otherwise
/// overflow the Rust stack in `Drop`, one frame per level. Containers owned only here hand
/// their items to a worklist instead of dropping them in place.
pub(crate) fn drop_iteratively(items: Vec<Value>) {
    let mut pending = items;
    while let Some(value) = pending.pop() {
        match value {
            Value::List(list) => {
                if let Ok(list) = std::sync::Arc::try_unwrap(list) {
                    pending.extend(list.into_items());
                }
            }
            Value::Tuple(tuple) => {
                if let Ok(mut tuple) = std::sync::Arc::try_unwrap(tuple) {
                    pending.extend(std::mem::take(&mut tuple.0).into_vec());
                }
            }
            other => drop(other),
        }
    }
}
