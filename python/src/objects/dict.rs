use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use indexmap::IndexMap;
use num_traits::ToPrimitive;

use super::{PyStr, Value};

/// A dict or set key: the value with its hash computed once. Equality follows Python for the
/// hashable built-in types (`1 == 1.0 == True`, tuples element-wise) and identity for
/// everything else, which is Python's default for instances.
#[derive(Clone)]
pub struct HashKey {
    pub hash: u64,
    pub value: Value,
}

impl HashKey {
    /// `None` when the value is unhashable (list, dict, set).
    pub fn new(value: Value) -> Option<HashKey> {
        let hash = hash_of(&value)?;
        Some(HashKey { hash, value })
    }

    pub fn str(name: &Arc<PyStr>) -> HashKey {
        HashKey {
            hash: name.hash_value(),
            value: Value::Str(name.clone()),
        }
    }
}

/// CPython's numeric hash for ints that fit (so `hash(5) == 5`), shared by equal floats.
pub fn hash_of(value: &Value) -> Option<u64> {
    Some(match value {
        Value::None => 0xfca8_6420,
        Value::Bool(b) => *b as u64,
        Value::Int(i) => hash_int(*i),
        Value::BigInt(b) => {
            let modulus = num_bigint::BigInt::from((1u64 << 61) - 1);
            let reduced = (&**b % &modulus).to_i64().unwrap_or(0);
            hash_int(reduced)
        }
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                hash_int(*f as i64)
            } else {
                f.to_bits().wrapping_mul(0x9e37_79b9_7f4a_7c15)
            }
        }
        Value::Str(s) => s.hash_value(),
        Value::Bytes(b) => {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            b.hash(&mut hasher);
            hasher.finish()
        }
        Value::Tuple(t) => {
            let mut hash: u64 = 0x345678;
            for item in t.items() {
                hash = (hash ^ hash_of(item)?).wrapping_mul(1_000_003);
            }
            hash
        }
        Value::Set(s) if s.frozen => s
            .read()
            .iter()
            .fold(0x1234_5678, |acc, k| acc ^ k.hash.rotate_left(7)),
        Value::List(_) | Value::Dict(_) | Value::Set(_) => return None,
        other => {
            let id = other.identity().unwrap_or(0) as u64;
            id.rotate_right(4)
        }
    })
}

fn hash_int(i: i64) -> u64 {
    if i == -1 {
        -2i64 as u64
    } else {
        i as u64
    }
}

/// Python equality for hashable built-ins; identity for the rest.
pub fn key_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (None, None) => true,
        (Str(x), Str(y)) => Arc::ptr_eq(x, y) || x.as_str() == y.as_str(),
        (Int(_) | Bool(_) | BigInt(_) | Float(_), Int(_) | Bool(_) | BigInt(_) | Float(_)) => {
            crate::objects::int::numbers_equal(a, b)
        }
        (Bytes(x), Bytes(y)) => x == y,
        (Tuple(x), Tuple(y)) => {
            x.items().len() == y.items().len()
                && x.items().iter().zip(y.items()).all(|(p, q)| key_eq(p, q))
        }
        (Set(x), Set(y)) if x.frozen && y.frozen => {
            x.read().len() == y.read().len() && x.read().iter().all(|k| y.read().contains(k))
        }
        _ => a.is(b),
    }
}

impl PartialEq for HashKey {
    fn eq(&self, other: &HashKey) -> bool {
        self.hash == other.hash && key_eq(&self.value, &other.value)
    }
}

impl Eq for HashKey {}

impl Hash for HashKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A borrowed `str` key: finds a `HashKey::str` entry with no `Arc` clone.
pub struct StrKey<'a>(pub &'a PyStr);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash_value());
    }
}

impl indexmap::Equivalent<HashKey> for StrKey<'_> {
    fn equivalent(&self, key: &HashKey) -> bool {
        match &key.value {
            Value::Str(s) => std::ptr::eq(&**s, self.0) || s.as_str() == self.0.as_str(),
            _ => false,
        }
    }
}

/// A key given as plain text (`"__init__"` from Rust code): hashed on the spot, no allocation.
struct TextKey<'a>(&'a str);

impl Hash for TextKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(super::string::hash_str(self.0));
    }
}

impl indexmap::Equivalent<HashKey> for TextKey<'_> {
    fn equivalent(&self, key: &HashKey) -> bool {
        matches!(&key.value, Value::Str(s) if s.as_str() == self.0)
    }
}

/// The hasher for our maps: the keys are already hashed, so it just passes the `u64` through.
#[derive(Default, Clone, Copy)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64;
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

pub type BuildPassThrough = std::hash::BuildHasherDefault<PassThroughHasher>;
pub type KeyMap = IndexMap<HashKey, Value, BuildPassThrough>;

/// `dict`: insertion-ordered, one lock.
#[derive(Default)]
pub struct Dict {
    map: RwLock<KeyMap>,
    /// What a class dict holds that changes attribute access ([`Dict::HOLDS_PROPERTY`],
    /// [`Dict::HOLDS_ATTRIBUTE_HOOK`]); only ever set, so a stale `true` costs a lookup, never
    /// a wrong answer. It lets `obj.x` skip the class walk that data descriptors would need.
    attribute_flags: AtomicU8,
    /// Set once a class-lookup cache has read this dict (see [`Dict::watch`]): from then on
    /// every write bumps [`CLASS_EPOCH`], which empties those caches.
    watched: AtomicBool,
}

/// Bumped by every write to a watched dict (class dicts that a lookup cache has read). A
/// cached class lookup is valid while the epoch is the one read before the lookup was made.
///
/// Why that is enough without a lock: the bump happens while the writer holds the dict's
/// write lock, before it changes anything. A reader that sees the new epoch then takes the
/// read lock, so it waits for the change and caches the new state; a reader that read the
/// old epoch caches an entry tagged with it, which the bump has already invalidated.
pub static CLASS_EPOCH: AtomicU64 = AtomicU64::new(0);

impl Dict {
    pub fn new() -> Arc<Dict> {
        Arc::new(Dict::default())
    }

    /// The dict holds a `property` (a data descriptor: it wins over the instance dict).
    pub const HOLDS_PROPERTY: u8 = 1;
    /// The dict defines `__setattr__`, `__delattr__` or `__getattribute__`.
    pub const HOLDS_ATTRIBUTE_HOOK: u8 = 2;

    pub fn from_map(map: KeyMap) -> Arc<Dict> {
        let dict = Dict::default();
        for (key, value) in &map {
            dict.note(key, value);
        }
        *dict.map.write().unwrap_or_else(|p| p.into_inner()) = map;
        Arc::new(dict)
    }

    pub fn attribute_flags(&self) -> u8 {
        self.attribute_flags.load(Ordering::Relaxed)
    }

    /// Records what an inserted entry means for attribute access.
    #[inline]
    fn note(&self, key: &HashKey, value: &Value) {
        let mut flags = 0;
        if let Value::Object(object) = value {
            if matches!(object.payload, super::Payload::Property(_)) {
                flags |= Dict::HOLDS_PROPERTY;
            }
        }
        if let Value::Str(name) = &key.value {
            if matches!(
                name.as_str(),
                "__setattr__" | "__delattr__" | "__getattribute__"
            ) {
                flags |= Dict::HOLDS_ATTRIBUTE_HOOK;
            }
        }
        if flags != 0 {
            self.attribute_flags.fetch_or(flags, Ordering::Relaxed);
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, KeyMap> {
        super::read(&self.map)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, KeyMap> {
        let guard = super::write(&self.map);
        // Relaxed suffices: a reader marks the dict before taking its read lock, and our
        // write lock is ordered after that reader's unlock.
        if self.watched.load(Ordering::Relaxed) {
            CLASS_EPOCH.fetch_add(1, Ordering::AcqRel);
        }
        guard
    }

    /// Makes every later write to this dict invalidate cached class lookups.
    #[inline]
    pub fn watch(&self) {
        if !self.watched.load(Ordering::Relaxed) {
            self.watched.store(true, Ordering::SeqCst);
        }
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    pub fn get(&self, key: &HashKey) -> Option<Value> {
        self.read().get(key).cloned()
    }

    /// Lookup by name without building a key: the hot path of globals and attributes.
    pub fn get_str(&self, name: &PyStr) -> Option<Value> {
        self.read().get(&StrKey(name)).cloned()
    }

    pub fn get_by_name(&self, name: &str) -> Option<Value> {
        self.read().get(&TextKey(name)).cloned()
    }

    pub fn insert(&self, key: HashKey, value: Value) {
        self.note(&key, &value);
        self.write().insert(key, value);
    }

    pub fn set_str(&self, name: &Arc<PyStr>, value: Value) {
        if matches!(value, Value::Object(_)) || name.as_str().starts_with("__") {
            self.note(&HashKey::str(name), &value);
        }
        let mut map = self.write();
        match map.get_mut(&StrKey(name)) {
            Some(slot) => *slot = value,
            None => {
                map.insert(HashKey::str(name), value);
            }
        }
    }

    /// Sets `name` (interned, so lookups by interned names compare pointers).
    pub fn set_by_name(&self, name: &str, value: Value) {
        self.set_str(&PyStr::interned(name), value);
    }

    /// Removes preserving the order of the others, as Python's dict does.
    pub fn remove(&self, key: &HashKey) -> Option<Value> {
        self.write().shift_remove(key)
    }

    pub fn items(&self) -> Vec<(Value, Value)> {
        self.read()
            .iter()
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect()
    }

    pub fn keys(&self) -> Vec<Value> {
        self.read().keys().map(|k| k.value.clone()).collect()
    }
}
