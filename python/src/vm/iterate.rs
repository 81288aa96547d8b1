//! The iteration protocol: `iter()`, `next()`, and collecting an iterable.

use std::sync::Arc;

use super::{PyErr, PyResult, Vm};
use crate::objects::{IterState, PyIterator, Value};

impl Vm {
    /// `iter(v)`
    pub fn get_iter(&mut self, value: &Value) -> PyResult<Value> {
        let state = match value {
            Value::Iterator(_) => return Ok(value.clone()),
            Value::List(list) => IterState::List {
                list: list.clone(),
                index: 0,
            },
            Value::Tuple(tuple) => IterState::Tuple {
                tuple: tuple.clone(),
                index: 0,
            },
            Value::Range(range) => IterState::Range {
                next: range.start,
                step: range.step,
                remaining: range.len(),
            },
            Value::Str(text) => IterState::Str {
                text: text.clone(),
                byte: 0,
            },
            Value::Dict(dict) => IterState::Values {
                items: dict.keys(),
                index: 0,
            },
            Value::Set(set) => IterState::Values {
                items: set.iteration_order(),
                index: 0,
            },
            Value::Bytes(bytes) => IterState::Values {
                items: bytes.iter().map(|&b| Value::Int(b as i64)).collect(),
                index: 0,
            },
            Value::Object(_) => {
                if let Some(iterator) = self.call_special(value, "__iter__", vec![])? {
                    if self.lookup_special(&iterator, "__next__").is_none()
                        && !matches!(iterator, Value::Iterator(_))
                    {
                        return Err(PyErr::type_error(format!(
                            "iter() returned non-iterator of type '{}'",
                            iterator.type_name()
                        )));
                    }
                    return Ok(iterator);
                }
                if self.lookup_special(value, "__getitem__").is_some() {
                    // The old sequence protocol: index from 0 until IndexError.
                    let mut items = Vec::new();
                    let mut index = 0;
                    loop {
                        match self.get_item(value, &Value::Int(index)) {
                            Ok(item) => items.push(item),
                            Err(error) if error.is(crate::objects::types::ExcKind::IndexError) => {
                                break
                            }
                            Err(error) => return Err(error),
                        }
                        index += 1;
                    }
                    IterState::Values { items, index: 0 }
                } else {
                    return Err(not_iterable(value));
                }
            }
            _ => return Err(not_iterable(value)),
        };
        Ok(PyIterator::new(state))
    }

    /// `next(it)`: `None` when exhausted.
    pub fn next(&mut self, iterator: &Value) -> PyResult<Option<Value>> {
        // Builtins that loop in Rust (`sum(range(10**12))`) count against the budget and see
        // Stop like bytecode does.
        self.native_step()?;
        if let Value::Object(object) = iterator {
            if let Some(state) = object.native::<super::generator::GeneratorState>() {
                return self.resume(&state, Value::None);
            }
        }
        let Value::Iterator(iterator) = iterator else {
            return match self.call_special(iterator, "__next__", vec![]) {
                Ok(Some(value)) => Ok(Some(value)),
                Ok(None) => Err(PyErr::type_error(format!(
                    "'{}' object is not an iterator",
                    iterator.type_name()
                ))),
                Err(error) if error.is(crate::objects::types::ExcKind::StopIteration) => Ok(None),
                Err(error) => Err(error),
            };
        };
        // Lazy built-ins call Python; take what they need out of the lock first.
        let pending = {
            let mut state = iterator.state();
            match &mut *state {
                IterState::List { list, index } => {
                    let item = list.get(*index);
                    *index += 1;
                    if item.is_none() {
                        *state = IterState::Exhausted;
                    }
                    return Ok(item);
                }
                IterState::Tuple { tuple, index } => {
                    let item = tuple.items().get(*index).cloned();
                    *index += 1;
                    return Ok(item);
                }
                IterState::Range {
                    next,
                    step,
                    remaining,
                } => {
                    if *remaining <= 0 {
                        return Ok(None);
                    }
                    let value = *next;
                    *next = next.wrapping_add(*step);
                    *remaining -= 1;
                    return Ok(Some(Value::Int(value)));
                }
                IterState::Str { text, byte } => {
                    let rest = &text.as_str()[*byte..];
                    let Some(c) = rest.chars().next() else {
                        return Ok(None);
                    };
                    *byte += c.len_utf8();
                    return Ok(Some(Value::str(c.to_string())));
                }
                IterState::Values { items, index } => {
                    let item = items.get(*index).cloned();
                    *index += 1;
                    return Ok(item);
                }
                IterState::Exhausted => return Ok(None),
                IterState::Enumerate { inner, count } => {
                    let n = *count;
                    *count += 1;
                    Pending::Enumerate(inner.clone(), n)
                }
                IterState::Zip { inners } => Pending::Zip(inners.clone()),
                IterState::Map { function, inners } => {
                    Pending::Map(function.clone(), inners.clone())
                }
                IterState::Filter { function, inner } => {
                    Pending::Filter(function.clone(), inner.clone())
                }
                IterState::Callable { function, sentinel } => {
                    Pending::Callable(function.clone(), sentinel.clone())
                }
            }
        };
        let result = match pending {
            Pending::Enumerate(inner, n) => self
                .next(&inner)?
                .map(|item| Value::tuple(vec![Value::Int(n), item])),
            Pending::Zip(inners) => {
                let mut items = Vec::with_capacity(inners.len());
                for inner in &inners {
                    match self.next(inner)? {
                        Some(item) => items.push(item),
                        None => {
                            *iterator.state() = IterState::Exhausted;
                            return Ok(None);
                        }
                    }
                }
                (!inners.is_empty()).then(|| Value::tuple(items))
            }
            Pending::Map(function, inners) => {
                let mut args = Vec::with_capacity(inners.len());
                for inner in &inners {
                    match self.next(inner)? {
                        Some(item) => args.push(item),
                        None => return Ok(None),
                    }
                }
                Some(self.call_positional(&function, args)?)
            }
            Pending::Filter(function, inner) => loop {
                let Some(item) = self.next(&inner)? else {
                    break None;
                };
                let keep = if function.is_none() {
                    self.is_true(&item)?
                } else {
                    let verdict = self.call_positional(&function, vec![item.clone()])?;
                    self.is_true(&verdict)?
                };
                if keep {
                    break Some(item);
                }
            },
            Pending::Callable(function, sentinel) => {
                let value = self.call_positional(&function, vec![])?;
                if self.eq(&value, &sentinel)? {
                    *iterator.state() = IterState::Exhausted;
                    None
                } else {
                    Some(value)
                }
            }
        };
        Ok(result)
    }

    /// Every item of an iterable, in order (`list(v)`).
    pub fn collect(&mut self, iterable: &Value) -> PyResult<Vec<Value>> {
        match iterable {
            Value::List(list) => return Ok(list.snapshot()),
            Value::Tuple(tuple) => return Ok(tuple.items().to_vec()),
            _ => {}
        }
        let iterator = self.get_iter(iterable)?;
        let mut items = Vec::new();
        while let Some(item) = self.next(&iterator)? {
            if items.len() >= self.interp.limits.max_container_len {
                return Err(PyErr::memory_error("list"));
            }
            items.push(item);
        }
        Ok(items)
    }
}

enum Pending {
    Enumerate(Value, i64),
    Zip(Vec<Value>),
    Map(Value, Vec<Value>),
    Filter(Value, Value),
    Callable(Value, Value),
}

fn not_iterable(value: &Value) -> PyErr {
    PyErr::type_error(format!("'{}' object is not iterable", value.type_name()))
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Arc<PyIterator>>();
    check::<Value>();
}
