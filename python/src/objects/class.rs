use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::dict::CLASS_EPOCH;

use super::{Dict, PyStr, Value};

/// What an instance of a class is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A plain object with a `__dict__` (`object` and user classes).
    Plain,
    /// An exception: `BaseException` and its subclasses carry args, traceback and chaining.
    Exception,
    /// A library object implemented in Rust (`threading.Thread`, …), whose state `__init__`
    /// attaches; user subclasses (`class Worker(Thread)`) inherit the layout.
    Native,
    /// A built-in value type (`int`, `list`, …): instances are not `Object`s; the class's
    /// `__new__` (a builtin) makes them.
    BuiltinValue,
}

/// A class: built-in types and user classes alike.
pub struct Class {
    pub name: Arc<PyStr>,
    pub qualname: Arc<PyStr>,
    pub module: Arc<PyStr>,
    pub bases: Vec<Arc<Class>>,
    /// The method resolution order after the class itself (C3 linearisation).
    pub mro: Vec<Arc<Class>>,
    pub dict: Arc<Dict>,
    pub layout: Layout,
    pub builtin: bool,
    /// [`Class::attribute_flags`] as last computed: `epoch << 9 | 0x100 | flags`, valid while
    /// [`CLASS_EPOCH`] is that epoch (a flag is only ever set by a write to a dict of the MRO,
    /// and those are watched once this is filled).
    pub flags_cache: AtomicU64,
}

impl Class {
    /// Looks `name` up on the class and along its MRO.
    pub fn lookup(&self, name: &Arc<PyStr>) -> Option<Value> {
        if let Some(v) = self.dict.get_str(name) {
            return Some(v);
        }
        self.mro.iter().find_map(|class| class.dict.get_str(name))
    }

    /// [`Class::lookup`] through `cache`, a small direct-mapped table owned by one thread's
    /// `Vm`: a hit costs an atomic load instead of a dict lookup per class in the MRO.
    pub fn lookup_cached(
        self: &Arc<Self>,
        name: &Arc<PyStr>,
        cache: &mut [LookupCacheEntry; LOOKUP_CACHE_SIZE],
    ) -> Option<Value> {
        let index = ((Arc::as_ptr(self) as usize >> 4) ^ (Arc::as_ptr(name) as usize >> 3))
            % LOOKUP_CACHE_SIZE;
        let entry = &mut cache[index];
        let epoch = CLASS_EPOCH.load(Ordering::Acquire);
        if entry.epoch == epoch {
            if let Some((class, cached_name, value)) = &entry.found {
                if Arc::ptr_eq(class, self) && Arc::ptr_eq(cached_name, name) {
                    return value.clone();
                }
            }
        }
        // Watch before reading the epoch the entry is tagged with: a write from now on bumps.
        self.dict.watch();
        for class in &self.mro {
            class.dict.watch();
        }
        let epoch = CLASS_EPOCH.load(Ordering::Acquire);
        let value = self.lookup(name);
        *entry = LookupCacheEntry {
            epoch,
            found: Some((self.clone(), name.clone(), value.clone())),
        };
        value
    }

    pub fn lookup_str(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.dict.get_by_name(name) {
            return Some(v);
        }
        self.mro
            .iter()
            .find_map(|class| class.dict.get_by_name(name))
    }

    /// The union of [`Dict`] attribute flags along the MRO: does attribute access on
    /// instances need the slow path?
    #[inline]
    pub fn attribute_flags(&self) -> u8 {
        let epoch = CLASS_EPOCH.load(Ordering::Acquire);
        let cached = self.flags_cache.load(Ordering::Relaxed);
        if cached & 0x100 != 0 && cached >> 9 == epoch & (u64::MAX >> 9) {
            return cached as u8;
        }
        self.attribute_flags_uncached()
    }

    #[cold]
    fn attribute_flags_uncached(&self) -> u8 {
        // Watch before reading the epoch: a flag set from now on comes with a bump.
        self.dict.watch();
        for class in &self.mro {
            class.dict.watch();
        }
        let epoch = CLASS_EPOCH.load(Ordering::Acquire);
        let flags = self
            .mro
            .iter()
            .fold(self.dict.attribute_flags(), |flags, class| {
                flags | class.dict.attribute_flags()
            });
        self.flags_cache
            .store(epoch << 9 | 0x100 | flags as u64, Ordering::Relaxed);
        flags
    }

    /// `issubclass(self, other)`.
    pub fn is_subclass(self: &Arc<Self>, other: &Arc<Class>) -> bool {
        Arc::ptr_eq(self, other) || self.mro.iter().any(|c| Arc::ptr_eq(c, other))
    }

    /// `self` followed by its MRO.
    pub fn full_mro(self: &Arc<Self>) -> Vec<Arc<Class>> {
        let mut all = vec![self.clone()];
        all.extend(self.mro.iter().cloned());
        all
    }

    /// The MRO a new class with these bases gets (C3), or `None` if the bases are
    /// inconsistent.
    pub fn linearize(bases: &[Arc<Class>]) -> Option<Vec<Arc<Class>>> {
        let mut sequences: Vec<Vec<Arc<Class>>> = bases.iter().map(|b| b.full_mro()).collect();
        sequences.push(bases.to_vec());
        let mut result: Vec<Arc<Class>> = Vec::new();
        loop {
            sequences.retain(|s| !s.is_empty());
            if sequences.is_empty() {
                return Some(result);
            }
            let candidate = sequences.iter().map(|s| s[0].clone()).find(|head| {
                !sequences
                    .iter()
                    .any(|s| s[1..].iter().any(|c| Arc::ptr_eq(c, head)))
            })?;
            for sequence in sequences.iter_mut() {
                if Arc::ptr_eq(&sequence[0], &candidate) {
                    sequence.remove(0);
                }
            }
            result.push(candidate);
        }
    }

    /// `<class 'module.Name'>` or `<class 'int'>`.
    pub fn repr(&self) -> String {
        if self.module.as_str() == "builtins" {
            format!("<class '{}'>", self.qualname.as_str())
        } else {
            format!(
                "<class '{}.{}'>",
                self.module.as_str(),
                self.qualname.as_str()
            )
        }
    }
}

/// Entries in a thread's class-lookup cache ([`Class::lookup_cached`]).
pub const LOOKUP_CACHE_SIZE: usize = 128;

/// One cached `class.lookup(name)`: the class, the name and what was found, valid while
/// [`CLASS_EPOCH`] equals `epoch`. Holding the `Arc`s keeps the pointers from being reused.
#[derive(Default)]
pub struct LookupCacheEntry {
    epoch: u64,
    #[allow(clippy::type_complexity)]
    found: Option<(Arc<Class>, Arc<PyStr>, Option<Value>)>,
}

/// An empty cache.
pub fn new_lookup_cache() -> Box<[LookupCacheEntry; LOOKUP_CACHE_SIZE]> {
    Box::new(std::array::from_fn(|_| LookupCacheEntry::default()))
}
