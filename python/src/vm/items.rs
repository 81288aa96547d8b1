//! Subscripts: `c[i]`, `c[a:b:s]`, assignment and `del` of both.

use super::{PyErr, PyResult, Vm};
use crate::objects::types::ExcKind;
use crate::objects::{Int, Slice, Value};

impl Vm {
    /// `container[key]`
    pub fn get_item(&mut self, container: &Value, key: &Value) -> PyResult<Value> {
        match (container, key) {
            (Value::List(list), Value::Slice(slice)) => {
                let items = list.snapshot();
                Ok(Value::list(self.slice_of(&items, slice)?))
            }
            (Value::List(list), _) => {
                let items = list.read();
                let index = sequence_index(key, items.len(), "list")?;
                Ok(items[index].clone())
            }
            (Value::Tuple(tuple), Value::Slice(slice)) => {
                Ok(Value::tuple(self.slice_of(tuple.items(), slice)?))
            }
            (Value::Tuple(tuple), _) => {
                let index = sequence_index(key, tuple.items().len(), "tuple")?;
                Ok(tuple.items()[index].clone())
            }
            (Value::Str(text), Value::Slice(slice)) => {
                let chars: Vec<Value> = text
                    .as_str()
                    .chars()
                    .map(|c| Value::Int(c as i64))
                    .collect();
                let picked = self.slice_of(&chars, slice)?;
                Ok(Value::str(
                    picked
                        .iter()
                        .filter_map(|v| match v {
                            Value::Int(c) => char::from_u32(*c as u32),
                            _ => None,
                        })
                        .collect::<String>(),
                ))
            }
            (Value::Str(text), _) => {
                let index = sequence_index(key, text.char_len(), "string")?;
                Ok(Value::str(
                    text.char_at(index).map(String::from).unwrap_or_default(),
                ))
            }
            (Value::Bytes(bytes), Value::Slice(slice)) => {
                let items: Vec<Value> = bytes.iter().map(|&b| Value::Int(b as i64)).collect();
                let picked = self.slice_of(&items, slice)?;
                Ok(Value::Bytes(std::sync::Arc::new(
                    picked
                        .iter()
                        .map(|v| if let Value::Int(b) = v { *b as u8 } else { 0 })
                        .collect(),
                )))
            }
            (Value::Bytes(bytes), _) => {
                let index = sequence_index(key, bytes.len(), "index")?;
                Ok(Value::Int(bytes[index] as i64))
            }
            (Value::Range(range), Value::Slice(slice)) => {
                let (start, _stop, step, count) = slice_indices(self, slice, range.len() as usize)?;
                let first = range.get(start as i64);
                let step = range.step * step as i64;
                Ok(Value::Range(std::sync::Arc::new(crate::objects::Range {
                    start: first,
                    stop: first + step * count as i64,
                    step,
                })))
            }
            (Value::Range(range), _) => {
                let index = sequence_index(key, range.len() as usize, "range object")?;
                Ok(Value::Int(range.get(index as i64)))
            }
            (Value::Dict(dict), _) => {
                let hashed = self.hash_key(key.clone())?;
                if let Some(value) = dict.get(&hashed) {
                    return Ok(value);
                }
                Err(PyErr::key_error(key.clone()))
            }
            (Value::Class(class), _) if class.builtin => {
                // `list[int]` in annotations: the class itself is close enough.
                Ok(container.clone())
            }
            _ => match self.call_special(container, "__getitem__", vec![key.clone()])? {
                Some(value) => Ok(value),
                None => Err(PyErr::type_error(format!(
                    "'{}' object is not subscriptable",
                    container.type_name()
                ))),
            },
        }
    }

    /// `container[key] = value`
    pub fn set_item(&mut self, container: &Value, key: &Value, value: Value) -> PyResult<()> {
        match (container, key) {
            (Value::List(list), Value::Slice(slice)) => {
                let replacement = self.collect(&value)?;
                let length = list.len();
                let (start, stop, step, count) = slice_indices(self, slice, length)?;
                let mut items = list.write();
                if step == 1 {
                    let stop = (stop.max(start) as usize).min(items.len());
                    items.splice(start as usize..stop, replacement);
                    return Ok(());
                }
                if replacement.len() != count {
                    return Err(PyErr::value_error(format!(
                        "attempt to assign sequence of size {} to extended slice of size {count}",
                        replacement.len()
                    )));
                }
                for (n, item) in replacement.into_iter().enumerate() {
                    let index = start + n as isize * step;
                    items[index as usize] = item;
                }
                Ok(())
            }
            (Value::List(list), _) => {
                let mut items = list.write();
                let index = sequence_index(key, items.len(), "list assignment")?;
                items[index] = value;
                Ok(())
            }
            (Value::Dict(dict), _) => {
                let hashed = self.hash_key(key.clone())?;
                dict.insert(hashed, value);
                Ok(())
            }
            _ => match self.call_special(container, "__setitem__", vec![key.clone(), value])? {
                Some(_) => Ok(()),
                None => Err(PyErr::type_error(format!(
                    "'{}' object does not support item assignment",
                    container.type_name()
                ))),
            },
        }
    }

    /// `del container[key]`
    pub fn del_item(&mut self, container: &Value, key: &Value) -> PyResult<()> {
        match (container, key) {
            (Value::List(list), Value::Slice(slice)) => {
                let length = list.len();
                let (start, _stop, step, count) = slice_indices(self, slice, length)?;
                let mut indices: Vec<usize> = (0..count)
                    .map(|n| (start + n as isize * step) as usize)
                    .collect();
                indices.sort_unstable();
                let mut items = list.write();
                for index in indices.into_iter().rev() {
                    if index < items.len() {
                        items.remove(index);
                    }
                }
                Ok(())
            }
            (Value::List(list), _) => {
                let mut items = list.write();
                let index = sequence_index(key, items.len(), "list assignment")?;
                items.remove(index);
                Ok(())
            }
            (Value::Dict(dict), _) => {
                let hashed = self.hash_key(key.clone())?;
                match dict.remove(&hashed) {
                    Some(_) => Ok(()),
                    None => Err(PyErr::key_error(key.clone())),
                }
            }
            _ => match self.call_special(container, "__delitem__", vec![key.clone()])? {
                Some(_) => Ok(()),
                None => Err(PyErr::type_error(format!(
                    "'{}' object doesn't support item deletion",
                    container.type_name()
                ))),
            },
        }
    }

    /// The items a slice selects.
    pub fn slice_of(&mut self, items: &[Value], slice: &Slice) -> PyResult<Vec<Value>> {
        let (start, _stop, step, count) = slice_indices(self, slice, items.len())?;
        Ok((0..count)
            .map(|n| items[(start + n as isize * step) as usize].clone())
            .collect())
    }
}

/// CPython's `PySlice_GetIndicesEx`: `(start, stop, step, count)` clamped to `length`.
pub fn slice_indices(
    vm: &mut Vm,
    slice: &Slice,
    length: usize,
) -> PyResult<(isize, isize, isize, usize)> {
    let _ = vm;
    let length = length as isize;
    let step = match &slice.step {
        Value::None => 1,
        other => slice_bound(other)?,
    };
    if step == 0 {
        return Err(PyErr::value_error("slice step cannot be zero"));
    }
    let (lower, upper) = if step < 0 {
        (-1, length - 1)
    } else {
        (0, length)
    };
    let clamp = |bound: &Value, default: isize| -> PyResult<isize> {
        Ok(match bound {
            Value::None => default,
            other => {
                let mut index = slice_bound(other)?;
                if index < 0 {
                    index += length;
                    index.max(lower)
                } else {
                    index.min(upper)
                }
            }
        })
    };
    let start = clamp(&slice.start, if step < 0 { upper } else { lower })?;
    let stop = clamp(&slice.stop, if step < 0 { lower } else { upper })?;
    let count = if step < 0 {
        if stop < start {
            (start - stop - 1) / -step + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    Ok((start, stop, step, count as usize))
}

fn slice_bound(value: &Value) -> PyResult<isize> {
    match Int::of(value) {
        Some(Int::Small(i)) => Ok(i as isize),
        Some(Int::Big(b)) => Ok(if num_traits::Signed::is_negative(b) {
            isize::MIN / 2
        } else {
            isize::MAX / 2
        }),
        None => Err(PyErr::type_error(
            "slice indices must be integers or None or have an __index__ method",
        )),
    }
}

/// A non-negative index into a sequence of `length`, with Python's negative indexing and
/// its exact `IndexError`/`TypeError` messages.
pub fn sequence_index(key: &Value, length: usize, what: &str) -> PyResult<usize> {
    let index = match Int::of(key) {
        Some(Int::Small(i)) => i,
        Some(Int::Big(_)) => {
            return Err(PyErr::new(
                ExcKind::IndexError,
                "cannot fit 'int' into an index-sized integer",
            ))
        }
        None => {
            let kind = match what {
                "list assignment" => "list",
                "range object" => "range",
                other => other,
            };
            let (noun, accepted) = if kind == "string" {
                ("string", "integers")
            } else {
                (kind, "integers or slices")
            };
            return Err(PyErr::type_error(format!(
                "{noun} indices must be {accepted}, not {}",
                key.type_name()
            )));
        }
    };
    let adjusted = if index < 0 {
        index + length as i64
    } else {
        index
    };
    if adjusted < 0 || adjusted >= length as i64 {
        return Err(PyErr::index_error(format!("{what} index out of range")));
    }
    Ok(adjusted as usize)
}
