use crate::objects::{IterState, Value};
use crate::vm::{OpResult, PyErr, Vm};

pub(crate) fn get_iter(vm: &mut Vm) -> OpResult {
    let iterable = vm.frame().pop();
    let iterator = vm.get_iter(&iterable)?;
    vm.frame().push(iterator);
    Ok(())
}

/// The next item of the built-in iterators that need no Python code, straight from the
/// stack; `None` when the general path must answer.
fn next_inline(iterator: &Value) -> Option<Option<Value>> {
    let Value::Iterator(iterator) = iterator else {
        return None;
    };
    let mut state = iterator.state();
    Some(match &mut *state {
        IterState::Range {
            next,
            step,
            remaining,
        } => {
            if *remaining <= 0 {
                None
            } else {
                let value = *next;
                *next = next.wrapping_add(*step);
                *remaining -= 1;
                Some(Value::Int(value))
            }
        }
        IterState::List { list, index } => {
            let item = list.get(*index);
            *index += 1;
            item
        }
        IterState::Tuple { tuple, index } => {
            let item = tuple.items().get(*index).cloned();
            *index += 1;
            item
        }
        _ => return None,
    })
}

#[inline(always)]
pub(crate) fn for_iter(vm: &mut Vm, target: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    let inline = next_inline(frame.top());
    let next = match inline {
        Some(next) => next,
        None => {
            let iterator = frame.top().clone();
            vm.next(&iterator)?
        }
    };
    match next {
        Some(item) => vm.frame().push(item),
        None => {
            let frame = vm.frame();
            frame.pop();
            frame.ip = target as usize;
        }
    }
    Ok(())
}

pub(crate) fn unpack_sequence(vm: &mut Vm, count: u32) -> OpResult {
    let sequence = vm.frame().pop();
    let items = match &sequence {
        Value::Tuple(tuple) => tuple.items().to_vec(),
        Value::List(list) => list.snapshot(),
        other => vm.collect(other)?,
    };
    let count = count as usize;
    if items.len() != count {
        return Err(if items.len() > count {
            PyErr::value_error(format!("too many values to unpack (expected {count})"))
        } else {
            PyErr::value_error(format!(
                "not enough values to unpack (expected {count}, got {})",
                items.len()
            ))
        });
    }
    let frame = vm.frame();
    frame.stack.extend(items.into_iter().rev());
    Ok(())
}

pub(crate) fn unpack_ex(vm: &mut Vm, counts: u32) -> OpResult {
    let before = (counts & 0xff) as usize;
    let after = (counts >> 8) as usize;
    let sequence = vm.frame().pop();
    let mut items = vm.collect(&sequence)?;
    if items.len() < before + after {
        return Err(PyErr::value_error(format!(
            "not enough values to unpack (expected at least {}, got {})",
            before + after,
            items.len()
        )));
    }
    let tail = items.split_off(items.len() - after);
    let middle = items.split_off(before);
    let frame = vm.frame();
    for item in tail.into_iter().rev() {
        frame.push(item);
    }
    frame.push(Value::list(middle));
    for item in items.into_iter().rev() {
        frame.push(item);
    }
    Ok(())
}
