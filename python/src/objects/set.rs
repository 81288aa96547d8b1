use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use indexmap::IndexSet;

use super::dict::BuildPassThrough;
use super::HashKey;

pub type KeySet = IndexSet<HashKey, BuildPassThrough>;

/// `set` and `frozenset`.
pub struct Set {
    items: RwLock<KeySet>,
    pub frozen: bool,
}

impl Set {
    pub fn new(items: KeySet, frozen: bool) -> Arc<Set> {
        Arc::new(Set {
            items: RwLock::new(items),
            frozen,
        })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, KeySet> {
        super::read(&self.items)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, KeySet> {
        super::write(&self.items)
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}
