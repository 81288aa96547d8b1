use std::sync::Arc;

use num_bigint::BigInt;

use super::{
    BoundMethod, Builtin, Cell, Class, Dict, Function, List, Module, Object, PyIterator, PyStr, Set,
};

/// `repr(u64)`: an 8-byte tag then an 8-byte payload, no padding, so a move is two words.
/// With Rust's default layout (a tag byte, `Bool` at offset 1) values were moved as a byte
/// and then unaligned pieces, which the CPU cannot forward from the stores that wrote them.
#[repr(u64)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// Only for values outside `i64`: every operation normalises back to `Int` when it fits.
    BigInt(Arc<BigInt>),
    Float(f64),
    Str(Arc<PyStr>),
    Bytes(Arc<Vec<u8>>),
    Tuple(Arc<Tuple>),
    List(Arc<List>),
    Dict(Arc<Dict>),
    /// `set` and `frozenset` (see [`Set::frozen`]).
    Set(Arc<Set>),
    Range(Arc<Range>),
    Slice(Arc<Slice>),
    Function(Arc<Function>),
    Builtin(Arc<Builtin>),
    BoundMethod(Arc<BoundMethod>),
    Class(Arc<Class>),
    /// Instances of user classes, exceptions, and library objects.
    Object(Arc<Object>),
    Module(Arc<Module>),
    Iterator(Arc<PyIterator>),
    /// A closure cell on its way from `LoadClosure` to `MakeFunction`; VM-internal.
    Cell(Arc<Cell>),
    /// The VM's "no value" marker on the operand stack (`LoadMethod` pushes it when the
    /// attribute is not a method). Python code can never get hold of it.
    Null,
}

impl Clone for Value {
    /// Counts the new reference (out of line, only for shared objects), then copies the 16
    /// bytes in one piece. Building the copy variant by variant made the compiler assemble
    /// it in a temporary and move it on in unaligned pieces, which stalled every load of a
    /// name or attribute on store forwarding.
    #[inline(always)]
    fn clone(&self) -> Value {
        if !self.is_inline() {
            self.count_new_reference();
        }
        // SAFETY: `self` is a valid `Value` borrowed for the duration of the read, so the bits
        // form a valid `Value`. Inline variants own nothing. For an `Arc` variant the strong
        // count was just incremented (and that increment forgotten), so the copy owns its own
        // reference: exactly what `Arc::clone` would have produced. No memory is shared
        // mutably and nothing is read without the borrow keeping it alive.
        unsafe { std::ptr::read(self) }
    }
}

impl Value {
    /// Holds no reference to a shared object: copying it counts nothing and dropping it
    /// does nothing.
    #[inline(always)]
    pub fn is_inline(&self) -> bool {
        matches!(
            self,
            Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Null
        )
    }

    /// `*slot = value`, without `Value`'s drop glue when the old value is inline. The
    /// compiler calls that glue out of line, and in wasm it was the second-hottest function of
    /// a CPU-bound program: every store of a small int over a small int called it.
    #[inline(always)]
    pub fn overwrite(slot: &mut Value, value: Value) {
        if slot.is_inline() {
            // Forgetting an inline value is dropping it: it owns nothing.
            std::mem::forget(std::mem::replace(slot, value));
        } else {
            *slot = value;
        }
    }

    /// Adds one to the reference count of a shared value's object, for the copy `clone`
    /// makes; a no-op for inline values.
    #[inline(never)]
    fn count_new_reference(&self) {
        match self {
            Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Null => {}
            Value::BigInt(v) => std::mem::forget(Arc::clone(v)),
            Value::Str(v) => std::mem::forget(Arc::clone(v)),
            Value::Bytes(v) => std::mem::forget(Arc::clone(v)),
            Value::Tuple(v) => std::mem::forget(Arc::clone(v)),
            Value::List(v) => std::mem::forget(Arc::clone(v)),
            Value::Dict(v) => std::mem::forget(Arc::clone(v)),
            Value::Set(v) => std::mem::forget(Arc::clone(v)),
            Value::Range(v) => std::mem::forget(Arc::clone(v)),
            Value::Slice(v) => std::mem::forget(Arc::clone(v)),
            Value::Function(v) => std::mem::forget(Arc::clone(v)),
            Value::Builtin(v) => std::mem::forget(Arc::clone(v)),
            Value::BoundMethod(v) => std::mem::forget(Arc::clone(v)),
            Value::Class(v) => std::mem::forget(Arc::clone(v)),
            Value::Object(v) => std::mem::forget(Arc::clone(v)),
            Value::Module(v) => std::mem::forget(Arc::clone(v)),
            Value::Iterator(v) => std::mem::forget(Arc::clone(v)),
            Value::Cell(v) => std::mem::forget(Arc::clone(v)),
        }
    }
}

pub struct Tuple(pub Box<[Value]>);

impl Drop for Tuple {
    fn drop(&mut self) {
        if self
            .0
            .iter()
            .any(|v| matches!(v, Value::List(_) | Value::Tuple(_)))
        {
            super::drop_iteratively(std::mem::take(&mut self.0).into_vec());
        }
    }
}

impl Tuple {
    pub fn new(items: Vec<Value>) -> Arc<Tuple> {
        Arc::new(Tuple(items.into_boxed_slice()))
    }

    pub fn items(&self) -> &[Value] {
        &self.0
    }
}

/// `range(start, stop, step)`: immutable, so it needs no lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl Range {
    pub fn len(&self) -> i64 {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            (stop - start + step - 1) / step
        } else {
            (start - stop - step - 1) / -step
        };
        n.max(0) as i64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: i64) -> i64 {
        self.start + index * self.step
    }
}

pub struct Slice {
    pub start: Value,
    pub stop: Value,
    pub step: Value,
}

impl Value {
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(PyStr::new(text))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Tuple::new(items))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List::new(items))
    }

    pub fn bigint(value: BigInt) -> Value {
        super::int_from_bigint(value)
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The class of this value, as `type(v)` returns it.
    pub fn class(&self) -> Arc<Class> {
        let types = super::types::types();
        match self {
            Value::None => types.none_type.clone(),
            Value::Bool(_) => types.bool_type.clone(),
            Value::Int(_) | Value::BigInt(_) => types.int_type.clone(),
            Value::Float(_) => types.float_type.clone(),
            Value::Str(_) => types.str_type.clone(),
            Value::Bytes(_) => types.bytes_type.clone(),
            Value::Tuple(_) => types.tuple_type.clone(),
            Value::List(_) => types.list_type.clone(),
            Value::Dict(_) => types.dict_type.clone(),
            Value::Set(set) if set.frozen => types.frozenset_type.clone(),
            Value::Set(_) => types.set_type.clone(),
            Value::Range(_) => types.range_type.clone(),
            Value::Slice(_) => types.slice_type.clone(),
            Value::Function(_) => types.function_type.clone(),
            Value::Builtin(_) => types.builtin_function_type.clone(),
            Value::BoundMethod(_) => types.method_type.clone(),
            Value::Class(_) => types.type_type.clone(),
            Value::Object(object) => object.class.clone(),
            Value::Module(_) => types.module_type.clone(),
            Value::Iterator(iterator) => iterator.class(),
            Value::Null | Value::Cell(_) => types.none_type.clone(),
        }
    }

    /// The class of a built-in value without touching its reference count; `None` for
    /// objects, classes and iterators, whose class is not a fixed built-in.
    #[inline]
    pub fn builtin_class(&self) -> Option<&'static Arc<Class>> {
        let types = super::types::types();
        Some(match self {
            Value::Str(_) => &types.str_type,
            Value::List(_) => &types.list_type,
            Value::Dict(_) => &types.dict_type,
            Value::Set(set) if set.frozen => &types.frozenset_type,
            Value::Set(_) => &types.set_type,
            Value::Tuple(_) => &types.tuple_type,
            Value::Bytes(_) => &types.bytes_type,
            Value::Int(_) | Value::BigInt(_) => &types.int_type,
            Value::Float(_) => &types.float_type,
            _ => return None,
        })
    }

    /// `type(v).__name__`, for error messages.
    pub fn type_name(&self) -> String {
        self.class().name.as_str().to_owned()
    }

    /// `a is b`.
    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            // Small ints are cached in CPython too, so `is` on equal ints is True there for
            // the values learners compare; floats compare by bits.
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            _ => match (self.identity(), other.identity()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }

    /// The address of the shared object, for `is` and `id()`.
    pub fn identity(&self) -> Option<usize> {
        Some(match self {
            Value::BigInt(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Str(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Bytes(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Tuple(v) => Arc::as_ptr(v) as *const () as usize,
            Value::List(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Dict(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Set(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Range(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Slice(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Function(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Builtin(v) => Arc::as_ptr(v) as *const () as usize,
            Value::BoundMethod(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Class(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Object(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Module(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Iterator(v) => Arc::as_ptr(v) as *const () as usize,
            Value::Cell(v) => Arc::as_ptr(v) as *const () as usize,
            Value::None | Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                return None
            }
        })
    }

    /// Truthiness for the types whose answer needs no Python code; `None` means "ask
    /// `__bool__`/`__len__`" (the VM does).
    pub fn simple_truth(&self) -> Option<bool> {
        Some(match self {
            Value::None | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.as_str().is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::Tuple(t) => !t.0.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Set(s) => !s.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Object(_) => return None,
            _ => true,
        })
    }

    /// Constant deduplication in a code object: same type and same value (so `1`, `1.0` and
    /// `True` stay distinct).
    pub(crate) fn is_same_constant(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }

    /// `repr()` of a constant, for the disassembler (no VM needed: constants are literals).
    pub fn constant_repr(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(i) => i.to_string(),
            Value::Float(f) => super::int::float_repr(*f),
            Value::Str(s) => s.repr(),
            Value::Bytes(b) => super::string::bytes_repr(b),
            Value::Tuple(t) => {
                let items: Vec<String> = t.0.iter().map(Value::constant_repr).collect();
                if items.len() == 1 {
                    format!("({},)", items[0])
                } else {
                    format!("({})", items.join(", "))
                }
            }
            other => format!("<{}>", other.type_name()),
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.constant_repr())
    }
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);
const _: () = assert!(std::mem::size_of::<Option<Value>>() == 16);
