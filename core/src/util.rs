//! Small helpers shared across core.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks an internal mutex. Core never panics while holding one of its own short internal locks;
/// if a learner's callback panicked under one, the state is still consistent, so poisoning is
/// ignored rather than turned into a second panic.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A readable message from a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
