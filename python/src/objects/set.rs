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

    /// The items in the order CPython iterates them: `print({3, 1, 2})` shows `{1, 2, 3}` there,
    /// because a set iterates its hash table's slots. We keep insertion order and replay the
    /// insertions into a model of CPython's table (see [`cpython_slot_order`]); the order is
    /// exact for sets built by adding, and close after removals (CPython's table remembers
    /// removed slots; ours does not). Ints hash as in CPython, so int sets print like it;
    /// strings hash differently, as they do between two CPython runs.
    pub fn iteration_order(&self) -> Vec<super::Value> {
        let keys = self.read();
        let hashes: Vec<u64> = keys.iter().map(|k| k.hash).collect();
        cpython_slot_order(&hashes)
            .into_iter()
            .map(|index| keys[index].value.clone())
            .collect()
    }
}

/// The indices of `hashes` (in insertion order) sorted by the slot CPython 3.11's set would put
/// each in (`Objects/setobject.c`: 8 slots to start, nine linear probes then perturbation,
/// resize when 3/5 full to four times the used count, reinserting in slot order).
pub fn cpython_slot_order(hashes: &[u64]) -> Vec<usize> {
    const LINEAR_PROBES: usize = 9;
    const PERTURB_SHIFT: u32 = 5;
    fn insert(table: &mut [Option<usize>], hashes: &[u64], item: usize) {
        let mask = table.len() - 1;
        let hash = hashes[item];
        let mut perturb = hash;
        let mut i = (hash as usize) & mask;
        loop {
            if table[i].is_none() {
                table[i] = Some(item);
                return;
            }
            if i + LINEAR_PROBES <= mask {
                for j in 1..=LINEAR_PROBES {
                    if table[i + j].is_none() {
                        table[i + j] = Some(item);
                        return;
                    }
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }
    let mut table: Vec<Option<usize>> = vec![None; 8];
    let mut used = 0usize;
    for item in 0..hashes.len() {
        insert(&mut table, hashes, item);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let wanted = if used > 50_000 { used * 2 } else { used * 4 };
            let mut size = 8;
            while size <= wanted {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for entry in old.into_iter().flatten() {
                insert(&mut table, hashes, entry);
            }
        }
    }
    table.into_iter().flatten().collect()
}
