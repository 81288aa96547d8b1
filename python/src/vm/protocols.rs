//! The object protocols every opcode and builtin leans on: truth, `repr`/`str`, equality and
//! ordering, hashing, `len`, `in`. Built-in types are answered directly; instances of user
//! classes through their special methods.

use std::cmp::Ordering;
use std::sync::Arc;

use super::{PyErr, PyResult, Vm};
use crate::bytecode::Comparison;
use crate::objects::int::{float_repr, Int};
use crate::objects::types::ExcKind;
use crate::objects::{HashKey, Payload, Value};

impl Vm {
    /// `bool(v)`
    pub fn is_true(&mut self, value: &Value) -> PyResult<bool> {
        if let Some(truth) = value.simple_truth() {
            return Ok(truth);
        }
        if let Some(result) = self.call_special(value, "__bool__", vec![])? {
            return match result {
                Value::Bool(b) => Ok(b),
                other => Err(PyErr::type_error(format!(
                    "__bool__ should return bool, returned {}",
                    other.type_name()
                ))),
            };
        }
        if let Some(length) = self.call_special(value, "__len__", vec![])? {
            return Ok(!matches!(length, Value::Int(0)));
        }
        Ok(true)
    }

    /// `repr(v)`
    pub fn repr(&mut self, value: &Value) -> PyResult<String> {
        crate::stack::with_stack(|| self.repr_here(value))
    }

    fn repr_here(&mut self, value: &Value) -> PyResult<String> {
        Ok(match value {
            Value::None | Value::Null => "None".into(),
            Value::Cell(_) => "<cell>".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(i) => {
                // Decide from the size first: converting a huge int to decimal is quadratic.
                let too_long = i.bits() > 14_300;
                let text = if too_long {
                    String::new()
                } else {
                    i.to_string()
                };
                if too_long || text.len() > 4300 {
                    return Err(PyErr::value_error(
                        "Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
                    ));
                }
                text
            }
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => s.repr(),
            Value::Bytes(b) => crate::objects::string::bytes_repr(b),
            Value::Tuple(tuple) => {
                let items = tuple.items();
                let inner = self.repr_items(value, items, ", ")?;
                if items.len() == 1 {
                    format!("({inner},)")
                } else {
                    format!("({inner})")
                }
            }
            Value::List(list) => {
                let items = list.snapshot();
                format!("[{}]", self.repr_items(value, &items, ", ")?)
            }
            Value::Dict(dict) => {
                if self.repr_guard_enter(value)? {
                    return Ok("{...}".into());
                }
                let result = (|| -> PyResult<String> {
                    let mut parts = Vec::new();
                    for (k, v) in dict.items() {
                        parts.push(format!("{}: {}", self.repr(&k)?, self.repr(&v)?));
                    }
                    Ok(format!("{{{}}}", parts.join(", ")))
                })();
                self.repr_guard_exit();
                result?
            }
            Value::Set(set) => {
                let items: Vec<Value> = set.iteration_order();
                let name = if set.frozen { "frozenset" } else { "set" };
                match (items.is_empty(), set.frozen) {
                    (true, _) => format!("{name}()"),
                    (false, false) => format!("{{{}}}", self.repr_items(value, &items, ", ")?),
                    (false, true) => {
                        format!("frozenset({{{}}})", self.repr_items(value, &items, ", ")?)
                    }
                }
            }
            Value::Range(r) => {
                if r.step == 1 {
                    format!("range({}, {})", r.start, r.stop)
                } else {
                    format!("range({}, {}, {})", r.start, r.stop, r.step)
                }
            }
            Value::Slice(s) => {
                format!(
                    "slice({}, {}, {})",
                    self.repr(&s.start)?,
                    self.repr(&s.stop)?,
                    self.repr(&s.step)?
                )
            }
            Value::Function(f) => format!(
                "<function {} at {}>",
                f.code.qualname.as_str(),
                address(value)
            ),
            Value::Builtin(b) => match b.owner {
                Some(owner) => format!("<method '{}' of '{owner}' objects>", b.name),
                None => format!("<built-in function {}>", b.name),
            },
            Value::BoundMethod(m) => {
                let receiver = self.repr(&m.receiver)?;
                match &m.function {
                    Value::Function(f) => {
                        format!("<bound method {} of {receiver}>", f.code.qualname.as_str())
                    }
                    Value::Builtin(b) => format!(
                        "<built-in method {} of {} object at {}>",
                        b.name,
                        m.receiver.type_name(),
                        address(&m.receiver)
                    ),
                    other => format!("<bound method {} of {receiver}>", self.repr(other)?),
                }
            }
            Value::Class(class) => class.repr(),
            Value::Module(module) => format!("<module '{}'>", module.name.as_str()),
            Value::Iterator(_) => format!("<{} object at {}>", value.type_name(), address(value)),
            Value::Object(object) => {
                if let Some(result) = self.call_special(value, "__repr__", vec![])? {
                    return self.expect_str(result, "__repr__");
                }
                if let Some(data) = object.exception() {
                    let args = data.args();
                    let inner = match &args {
                        Value::Tuple(t) if t.items().len() == 1 => self.repr(&t.items()[0])?,
                        Value::Tuple(t) => self.repr_items(&args, t.items(), ", ")?,
                        _ => String::new(),
                    };
                    return Ok(format!("{}({inner})", object.class.name.as_str()));
                }
                match &object.payload {
                    Payload::Super { class, .. } => format!(
                        "<super: <class '{}'>, <{} object>>",
                        class.name.as_str(),
                        "object"
                    ),
                    _ => {
                        let class = &object.class;
                        let name = if class.builtin {
                            class.qualname.as_str().to_owned()
                        } else {
                            format!("{}.{}", class.module.as_str(), class.qualname.as_str())
                        };
                        format!("<{name} object at {}>", address(value))
                    }
                }
            }
        })
    }

    fn repr_items(
        &mut self,
        container: &Value,
        items: &[Value],
        separator: &str,
    ) -> PyResult<String> {
        if self.repr_guard_enter(container)? {
            return Ok("...".into());
        }
        let mut parts = Vec::with_capacity(items.len());
        let mut result = Ok(());
        for item in items {
            match self.repr(item) {
                Ok(text) => parts.push(text),
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        self.repr_guard_exit();
        result.map(|()| parts.join(separator))
    }

    /// Marks `container` as being printed; true if it already was (a cycle).
    fn repr_guard_enter(&mut self, container: &Value) -> PyResult<bool> {
        let id = container.identity().unwrap_or(0);
        if self.repr_in_progress.len() >= self.interp.limits.recursion_limit {
            return Err(PyErr::new(
                ExcKind::RecursionError,
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        if self.repr_in_progress.contains(&id) {
            return Ok(true);
        }
        self.repr_in_progress.push(id);
        Ok(false)
    }

    fn repr_guard_exit(&mut self) {
        self.repr_in_progress.pop();
    }

    fn expect_str(&mut self, value: Value, method: &str) -> PyResult<String> {
        match value {
            Value::Str(s) => Ok(s.as_str().to_owned()),
            other => Err(PyErr::type_error(format!(
                "{method} returned non-string (type {})",
                other.type_name()
            ))),
        }
    }

    /// `str(v)`
    pub fn str(&mut self, value: &Value) -> PyResult<String> {
        match value {
            Value::Str(s) => Ok(s.as_str().to_owned()),
            Value::Object(object) => {
                if let Some(result) = self.call_special(value, "__str__", vec![])? {
                    return self.expect_str(result, "__str__");
                }
                if let Some(data) = object.exception() {
                    let args = data.args();
                    let Value::Tuple(tuple) = &args else {
                        return self.str(&args);
                    };
                    let is_key_error = object
                        .class
                        .is_subclass(crate::objects::types::types().exception(ExcKind::KeyError));
                    return match tuple.items() {
                        [] => Ok(String::new()),
                        [only] if is_key_error => self.repr(only),
                        [only] => self.str(only),
                        _ => self.repr(&args),
                    };
                }
                self.repr(value)
            }
            _ => self.repr(value),
        }
    }

    /// `a == b`
    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        crate::stack::with_stack(|| self.eq_here(a, b))
    }

    fn eq_here(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        use Value::*;
        Ok(match (a, b) {
            (Int(x), Int(y)) => x == y,
            (Str(x), Str(y)) => Arc::ptr_eq(x, y) || x.as_str() == y.as_str(),
            (None, None) => true,
            (Int(_) | Bool(_) | BigInt(_) | Float(_), Int(_) | Bool(_) | BigInt(_) | Float(_)) => {
                crate::objects::int::numbers_equal(a, b)
            }
            (Bytes(x), Bytes(y)) => x == y,
            (Tuple(x), Tuple(y)) => self.sequences_equal(x.items(), y.items())?,
            (List(x), List(y)) => {
                if Arc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (x.snapshot(), y.snapshot());
                self.sequences_equal(&x, &y)?
            }
            (Dict(x), Dict(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (key, value) in x.items() {
                    let key = HashKey::new(key).expect("dict keys are hashable");
                    match y.get(&key) {
                        Some(other) if self.eq(&value, &other)? => {}
                        _ => return Ok(false),
                    }
                }
                true
            }
            (Set(x), Set(y)) => {
                let (x, y) = (x.read(), y.read());
                x.len() == y.len() && x.iter().all(|k| y.contains(k))
            }
            (Range(x), Range(y)) => {
                let (lx, ly) = (x.len(), y.len());
                lx == ly && (lx == 0 || (x.start == y.start && (lx == 1 || x.step == y.step)))
            }
            (Object(_), _) | (_, Object(_)) => {
                if a.is(b) {
                    return Ok(true);
                }
                if let Some(result) = self.rich_compare_special(a, b, Comparison::Equal)? {
                    return self.is_true(&result);
                }
                false
            }
            _ => a.is(b),
        })
    }

    fn sequences_equal(&mut self, x: &[Value], y: &[Value]) -> PyResult<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !(p.is(q) || self.eq(p, q)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Tries `a.__op__(b)`, then the reflected `b.__rop__(a)`.
    fn rich_compare_special(
        &mut self,
        a: &Value,
        b: &Value,
        comparison: Comparison,
    ) -> PyResult<Option<Value>> {
        let (method, reflected) = comparison.dunders();
        if matches!(a, Value::Object(_)) {
            if let Some(result) = self.call_special(a, method, vec![b.clone()])? {
                if !is_not_implemented(&result) {
                    return Ok(Some(result));
                }
            }
        }
        if matches!(b, Value::Object(_)) {
            if let Some(result) = self.call_special(b, reflected, vec![a.clone()])? {
                if !is_not_implemented(&result) {
                    return Ok(Some(result));
                }
            }
        }
        Ok(None)
    }

    /// `a <op> b` for the six comparisons.
    pub fn compare(&mut self, a: &Value, b: &Value, comparison: Comparison) -> PyResult<Value> {
        match comparison {
            Comparison::Equal => {
                if matches!(a, Value::Object(_)) || matches!(b, Value::Object(_)) {
                    if let Some(result) = self.rich_compare_special(a, b, comparison)? {
                        return Ok(result);
                    }
                }
                return Ok(Value::Bool(self.eq(a, b)?));
            }
            Comparison::NotEqual => {
                if matches!(a, Value::Object(_)) || matches!(b, Value::Object(_)) {
                    if let Some(result) = self.rich_compare_special(a, b, comparison)? {
                        return Ok(result);
                    }
                }
                return Ok(Value::Bool(!self.eq(a, b)?));
            }
            _ => {}
        }
        if let (Value::Float(_), _) | (_, Value::Float(_)) = (a, b) {
            if is_number(a) && is_number(b) {
                let (x, y) = (as_float(a), as_float(b));
                return Ok(Value::Bool(match comparison {
                    Comparison::Less => x < y,
                    Comparison::LessEqual => x <= y,
                    Comparison::Greater => x > y,
                    _ => x >= y,
                }));
            }
        }
        if let Some(ordering) = self.ordering(a, b)? {
            let result = match comparison {
                Comparison::Less => ordering == Ordering::Less,
                Comparison::LessEqual => ordering != Ordering::Greater,
                Comparison::Greater => ordering == Ordering::Greater,
                Comparison::GreaterEqual => ordering != Ordering::Less,
                _ => unreachable!(),
            };
            return Ok(Value::Bool(result));
        }
        if let (Value::Set(x), Value::Set(y)) = (a, b) {
            let (x, y) = (x.read(), y.read());
            let subset = x.iter().all(|k| y.contains(k));
            let superset = y.iter().all(|k| x.contains(k));
            return Ok(Value::Bool(match comparison {
                Comparison::Less => subset && x.len() < y.len(),
                Comparison::LessEqual => subset,
                Comparison::Greater => superset && x.len() > y.len(),
                _ => superset,
            }));
        }
        if let Some(result) = self.rich_compare_special(a, b, comparison)? {
            return Ok(result);
        }
        Err(PyErr::type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            comparison.symbol(),
            a.type_name(),
            b.type_name()
        )))
    }

    /// Total order of built-in values where Python defines one; `None` when it does not
    /// (the caller then tries special methods or raises).
    pub fn ordering(&mut self, a: &Value, b: &Value) -> PyResult<Option<Ordering>> {
        use Value::*;
        Ok(match (a, b) {
            (Int(x), Int(y)) => Some(x.cmp(y)),
            (Str(x), Str(y)) => Some(x.as_str().cmp(y.as_str())),
            (Int(_) | Bool(_) | BigInt(_), Int(_) | Bool(_) | BigInt(_)) => {
                let (x, y) = (
                    crate::objects::Int::of(a).unwrap(),
                    crate::objects::Int::of(b).unwrap(),
                );
                Some(x.to_bigint().cmp(&y.to_bigint()))
            }
            (Float(_) | Int(_) | Bool(_) | BigInt(_), Float(_) | Int(_) | Bool(_) | BigInt(_)) => {
                // NaN is unordered: `compare` answers those before asking for an ordering.
                as_float(a).partial_cmp(&as_float(b))
            }
            (Bytes(x), Bytes(y)) => Some(x.cmp(y)),
            (Tuple(x), Tuple(y)) => self.sequence_ordering(x.items(), y.items())?,
            (List(x), List(y)) => {
                let (x, y) = (x.snapshot(), y.snapshot());
                self.sequence_ordering(&x, &y)?
            }
            _ => Option::None,
        })
    }

    fn sequence_ordering(&mut self, x: &[Value], y: &[Value]) -> PyResult<Option<Ordering>> {
        for (p, q) in x.iter().zip(y) {
            if p.is(q) || self.eq(p, q)? {
                continue;
            }
            if let Some(ordering) = self.ordering(p, q)? {
                return Ok(Some(ordering));
            }
            let less = self.compare(p, q, Comparison::Less)?;
            return Ok(Some(if self.is_true(&less)? {
                Ordering::Less
            } else {
                Ordering::Greater
            }));
        }
        Ok(Some(x.len().cmp(&y.len())))
    }

    /// Sorting's comparison: `a < b`, via special methods if need be.
    pub fn less_than(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if let Some(ordering) = self.ordering(a, b)? {
            return Ok(ordering == Ordering::Less);
        }
        let result = self.compare(a, b, Comparison::Less)?;
        self.is_true(&result)
    }

    /// A dict/set key for `value`, or `TypeError: unhashable type`.
    ///
    /// Instances of classes that define `__eq__` are keyed by their `__hash__` and by a
    /// representative: the first object of the run found equal to them. Dicts and sets then
    /// compare representatives by identity, which needs no Python code inside their locks.
    /// (A class that defines `__eq__` without `__hash__` is unhashable, as in CPython.)
    pub fn hash_key(&mut self, value: Value) -> PyResult<HashKey> {
        if let Value::Object(object) = &value {
            if object.exception().is_none() {
                let eq = object.class.lookup_str("__eq__");
                let hash = object.class.lookup_str("__hash__");
                match (eq, hash) {
                    (Some(Value::Function(_)), None) => {
                        return Err(PyErr::type_error(format!(
                            "unhashable type: '{}'",
                            value.type_name()
                        )));
                    }
                    (eq, Some(hash_method)) => {
                        return self.user_hash_key(value, hash_method, eq.is_some())
                    }
                    _ => {}
                }
            }
        }
        let type_name = value.type_name();
        HashKey::new(value)
            .ok_or_else(|| PyErr::type_error(format!("unhashable type: '{type_name}'")))
    }

    fn user_hash_key(
        &mut self,
        value: Value,
        hash_method: Value,
        custom_eq: bool,
    ) -> PyResult<HashKey> {
        if hash_method.is_none() {
            return Err(PyErr::type_error(format!(
                "unhashable type: '{}'",
                value.type_name()
            )));
        }
        let hash = match self.call_positional(&hash_method, vec![value.clone()])? {
            Value::Int(h) => h as u64,
            Value::Bool(b) => b as u64,
            Value::BigInt(b) => crate::objects::dict::hash_of(&Value::BigInt(b)).unwrap_or(0),
            _ => {
                return Err(PyErr::type_error(
                    "__hash__ method should return an integer",
                ))
            }
        };
        if !custom_eq {
            return Ok(HashKey { hash, value });
        }
        let candidates: Vec<Value> = crate::objects::lock(&self.interp.eq_classes)
            .get(&hash)
            .cloned()
            .unwrap_or_default();
        for candidate in candidates {
            if candidate.is(&value) || self.eq(&candidate, &value)? {
                return Ok(HashKey {
                    hash,
                    value: candidate,
                });
            }
        }
        crate::objects::lock(&self.interp.eq_classes)
            .entry(hash)
            .or_default()
            .push(value.clone());
        Ok(HashKey { hash, value })
    }

    /// `len(v)`
    pub fn len(&mut self, value: &Value) -> PyResult<usize> {
        Ok(match value {
            Value::Str(s) => s.char_len(),
            Value::Bytes(b) => b.len(),
            Value::Tuple(t) => t.items().len(),
            Value::List(l) => l.len(),
            Value::Dict(d) => d.len(),
            Value::Set(s) => s.len(),
            Value::Range(r) => r.len() as usize,
            _ => match self.call_special(value, "__len__", vec![])? {
                Some(Value::Int(n)) if n >= 0 => n as usize,
                Some(Value::Int(_)) => {
                    return Err(PyErr::value_error("__len__() should return >= 0"))
                }
                Some(other) => {
                    return Err(PyErr::type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        other.type_name()
                    )))
                }
                None => {
                    return Err(PyErr::type_error(format!(
                        "object of type '{}' has no len()",
                        value.type_name()
                    )))
                }
            },
        })
    }

    /// `item in container`
    pub fn contains(&mut self, container: &Value, item: &Value) -> PyResult<bool> {
        match container {
            Value::Str(s) => match item {
                Value::Str(needle) => Ok(s.as_str().contains(needle.as_str())),
                other => Err(PyErr::type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    other.type_name()
                ))),
            },
            Value::Dict(d) => {
                let key = self.hash_key(item.clone())?;
                Ok(d.read().contains_key(&key))
            }
            Value::Set(s) => {
                let key = self.hash_key(item.clone())?;
                Ok(s.read().contains(&key))
            }
            Value::Range(r) => Ok(match item {
                Value::Int(i) => {
                    let offset = i - r.start;
                    let within = if r.step > 0 {
                        *i >= r.start && *i < r.stop
                    } else {
                        *i <= r.start && *i > r.stop
                    };
                    within && offset % r.step == 0
                }
                _ => false,
            }),
            Value::Tuple(t) => self.sequence_contains(t.items(), item),
            Value::List(l) => {
                let items = l.snapshot();
                self.sequence_contains(&items, item)
            }
            Value::Bytes(b) => match item {
                Value::Int(i) => Ok(b.contains(&(*i as u8))),
                Value::Bytes(needle) => Ok(b
                    .windows(needle.len().max(1))
                    .any(|w| w == needle.as_slice())),
                _ => Err(PyErr::type_error("a bytes-like object is required")),
            },
            _ => {
                if let Some(result) =
                    self.call_special(container, "__contains__", vec![item.clone()])?
                {
                    return self.is_true(&result);
                }
                let items = self.collect(container)?;
                self.sequence_contains(&items, item)
            }
        }
    }

    fn sequence_contains(&mut self, items: &[Value], item: &Value) -> PyResult<bool> {
        for candidate in items {
            if candidate.is(item) || self.eq(candidate, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn is_number(value: &Value) -> bool {
    matches!(
        value,
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) | Value::Float(_)
    )
}

fn as_float(value: &Value) -> f64 {
    match value {
        Value::Float(f) => *f,
        other => Int::of(other).and_then(|i| i.to_f64()).unwrap_or(f64::NAN),
    }
}

/// `NotImplemented` is spelled as the string constant here until it has its own singleton.
fn is_not_implemented(value: &Value) -> bool {
    matches!(value, Value::Str(s) if s.as_str() == "NotImplemented")
}

/// A CPython-looking address for default reprs.
pub(crate) fn address(value: &Value) -> String {
    format!("0x{:012x}", value.identity().unwrap_or(0))
}
