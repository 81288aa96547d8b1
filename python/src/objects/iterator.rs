use std::sync::{Arc, Mutex, MutexGuard};

use super::{Class, List, PyStr, Tuple, Value};

/// Iterators over built-in containers, and the lazy built-ins (`map`, `zip`, …). Iterators of
/// user classes are plain objects with `__next__`.
pub struct PyIterator {
    state: Mutex<IterState>,
}

pub enum IterState {
    List {
        list: Arc<List>,
        index: usize,
    },
    Tuple {
        tuple: Arc<Tuple>,
        index: usize,
    },
    Range {
        next: i64,
        step: i64,
        remaining: i64,
    },
    /// `byte` is the offset of the next character.
    Str {
        text: Arc<PyStr>,
        byte: usize,
    },
    /// A snapshot (dict views, sets, `reversed`, generator expressions).
    Values {
        items: Vec<Value>,
        index: usize,
    },
    Enumerate {
        inner: Value,
        count: i64,
    },
    Zip {
        inners: Vec<Value>,
    },
    Map {
        function: Value,
        inners: Vec<Value>,
    },
    Filter {
        function: Value,
        inner: Value,
    },
    /// `iter(callable, sentinel)`
    Callable {
        function: Value,
        sentinel: Value,
    },
    Exhausted,
}

impl PyIterator {
    #[allow(clippy::new_ret_no_self)] // makes the object and wraps it as the Value callers need
    pub fn new(state: IterState) -> Value {
        Value::Iterator(Arc::new(PyIterator {
            state: Mutex::new(state),
        }))
    }

    pub fn state(&self) -> MutexGuard<'_, IterState> {
        super::lock(&self.state)
    }

    pub fn class(&self) -> Arc<Class> {
        let types = super::types::types();
        match &*self.state() {
            IterState::Enumerate { .. } => types.enumerate_type.clone(),
            IterState::Zip { .. } => types.zip_type.clone(),
            IterState::Map { .. } => types.map_type.clone(),
            IterState::Filter { .. } => types.filter_type.clone(),
            _ => types.iterator_type.clone(),
        }
    }
}
