use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::Value;

/// `list`: one lock around the items. Operations that call back into Python (sorting with a
/// key, comparing instances) work on a snapshot and never hold the lock meanwhile.
pub struct List {
    items: RwLock<Vec<Value>>,
}

impl List {
    pub fn new(items: Vec<Value>) -> Arc<List> {
        Arc::new(List {
            items: RwLock::new(items),
        })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Vec<Value>> {
        super::read(&self.items)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Vec<Value>> {
        super::write(&self.items)
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// A copy of the items (each an `Arc` clone), to iterate or compare without the lock.
    pub fn snapshot(&self) -> Vec<Value> {
        self.read().clone()
    }

    pub fn get(&self, index: usize) -> Option<Value> {
        self.read().get(index).cloned()
    }

    pub fn push(&self, value: Value) {
        self.write().push(value);
    }

    /// The items, leaving the list empty.
    pub fn into_items(self) -> Vec<Value> {
        std::mem::take(&mut *super::write(&self.items))
    }
}

impl Drop for List {
    fn drop(&mut self) {
        let items = std::mem::take(&mut *super::write(&self.items));
        if items
            .iter()
            .any(|v| matches!(v, Value::List(_) | Value::Tuple(_)))
        {
            super::drop_iteratively(items);
        }
    }
}
