use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// An immutable Python `str`. Indexing is by character, so we remember whether the text is
/// ASCII (then byte index = character index) and cache the hash that dict lookups need.
pub struct PyStr {
    text: Box<str>,
    ascii: bool,
    /// 0 = not computed yet (a real hash of 0 is stored as 1).
    hash: AtomicU64,
}

impl PyStr {
    pub fn new(text: impl Into<String>) -> Arc<PyStr> {
        let text: String = text.into();
        Arc::new(PyStr {
            ascii: text.is_ascii(),
            text: text.into_boxed_str(),
            hash: AtomicU64::new(0),
        })
    }

    /// A name from a code object (attribute, global, keyword). Every code object gets the
    /// same `Arc` for the same name, so the dict lookups that names drive (globals, instance
    /// and class attributes) compare pointers instead of bytes. Interning happens at compile
    /// time, never while a program runs, so the table's lock is never contended.
    pub fn interned(text: &str) -> Arc<PyStr> {
        static TABLE: OnceLock<Mutex<HashMap<Box<str>, Arc<PyStr>>>> = OnceLock::new();
        let table = TABLE.get_or_init(Default::default);
        let mut table = table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(name) = table.get(text) {
            return name.clone();
        }
        let name = PyStr::new(text);
        table.insert(text.into(), name.clone());
        name
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// `len(s)`: characters, not bytes.
    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.text.len()
        } else {
            self.text.chars().count()
        }
    }

    /// The character at `index` (already bounds-checked and non-negative).
    pub fn char_at(&self, index: usize) -> Option<char> {
        if self.ascii {
            self.text.as_bytes().get(index).map(|&b| b as char)
        } else {
            self.text.chars().nth(index)
        }
    }

    pub fn hash_value(&self) -> u64 {
        let cached = self.hash.load(Ordering::Relaxed);
        if cached != 0 {
            return cached;
        }
        let hash = hash_str(&self.text);
        self.hash.store(hash, Ordering::Relaxed);
        hash
    }

    /// Python's `repr(s)`: single quotes unless the text contains one and no double quote.
    pub fn repr(&self) -> String {
        string_repr(&self.text)
    }
}

/// Runs `f` with the interned `PyStr` for a name Rust code spells literally (`"__enter__"`).
/// A per-thread cache, keyed by the literal's address, keeps the interner's lock off hot
/// paths: the first use on a thread interns, later ones are a small map lookup.
pub fn with_static_name<R>(name: &'static str, f: impl FnOnce(&Arc<PyStr>) -> R) -> R {
    /// The special methods the VM looks up most: one static each, no lookup at all.
    macro_rules! common {
        ($($literal:literal),* $(,)?) => {
            match name {
                $( $literal => {
                    static NAME: OnceLock<Arc<PyStr>> = OnceLock::new();
                    return f(NAME.get_or_init(|| PyStr::interned($literal)));
                } )*
                _ => {}
            }
        };
    }
    common!(
        "__enter__",
        "__exit__",
        "__next__",
        "__iter__",
        "__len__",
        "__bool__",
        "__eq__",
        "__hash__",
        "__repr__",
        "__str__",
        "__getitem__",
        "__setitem__",
        "__delitem__",
        "__contains__",
        "__call__",
        "__init__",
        "__new__",
        "__format__",
        "__lt__",
        "__gt__",
        "__le__",
        "__ge__",
        "__ne__",
    );
    thread_local! {
        // The rest: a few dozen names at most, so a scan of pointers beats hashing.
        static NAMES: std::cell::RefCell<Vec<(usize, Arc<PyStr>)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    NAMES.with(|names| {
        let key = name.as_ptr() as usize;
        let position = names.borrow().iter().position(|(k, _)| *k == key);
        let position = position.unwrap_or_else(|| {
            names.borrow_mut().push((key, PyStr::interned(name)));
            names.borrow().len() - 1
        });
        let names = names.borrow();
        f(&names[position].1)
    })
}

/// The hash of a `str` key. FNV-1a: fast on short names, and stable across runs (CPython
/// randomises str hashes; nothing a learner writes may depend on either). Never 0, which
/// marks "not computed" in the cache.
pub fn hash_str(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash.max(1)
}

pub fn string_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

pub fn bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from("b");
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if b as char == quote => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

impl PartialEq for PyStr {
    fn eq(&self, other: &PyStr) -> bool {
        self.text == other.text
    }
}

impl Eq for PyStr {}

impl Hash for PyStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash_value());
    }
}

impl std::fmt::Debug for PyStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}
