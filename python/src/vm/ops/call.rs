//! Calls and function creation.

use std::sync::Arc;

use crate::bytecode::function_flags;
use crate::objects::{Args, Cell, Function, PyStr, Value};
use crate::vm::{OpResult, PyErr, Vm};

/// A call of a plain Python function with exactly its positional parameters: the arguments
/// move from the caller's stack straight into the new frame's locals, with no `Args` built.
/// Returns false (having changed nothing) when the call needs the general path.
fn call_simple(vm: &mut Vm, count: usize, with_receiver: bool) -> Result<bool, crate::vm::PyErr> {
    let frame = vm.current.as_deref_mut().expect("no frame");
    let callee_at = frame.stack.len() - count - 1 - with_receiver as usize;
    let Value::Function(function) = &frame.stack[callee_at] else {
        return Ok(false);
    };
    let code = &function.code;
    let params = &code.parameters;
    if params.positional as usize != count + with_receiver as usize
        || params.varargs
        || params.varkw
        || params.keyword_only != 0
    {
        return Ok(false);
    }
    let function = function.clone();
    let slots = function.code.varnames.len();
    let mut fast = vm.take_fast(slots);
    let frame = vm.current.as_deref_mut().expect("no frame");
    fast.extend(frame.stack.drain(callee_at + 1..).map(Some));
    frame.stack.pop();
    fast.resize(slots, None);
    let new_frame = vm.function_frame(&function, fast);
    vm.enter_frame(new_frame)?;
    Ok(true)
}

pub(crate) fn call(vm: &mut Vm, count: u32) -> OpResult {
    if call_simple(vm, count as usize, false)? {
        return Ok(());
    }
    let frame = vm.frame();
    let positional = frame.pop_n(count as usize);
    let callee = frame.pop();
    vm.call_from_op(callee, Args::new(positional))
}

/// Splits the trailing keyword arguments off, using the `kwnames` tuple on top.
fn keyword_args(vm: &mut Vm, count: u32) -> Args {
    let frame = vm.frame();
    let names = frame.pop();
    let mut positional = frame.pop_n(count as usize);
    let names: Vec<Arc<PyStr>> = match &names {
        Value::Tuple(t) => t
            .items()
            .iter()
            .filter_map(|n| match n {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let values = positional.split_off(positional.len() - names.len());
    Args {
        positional,
        keywords: names.into_iter().zip(values).collect(),
    }
}

/// Most keyword arguments a call can have for [`call_kw_simple`].
const SIMPLE_KEYWORDS: usize = 8;

/// `f(a, key=b)` on a plain Python function whose parameters the call fills without surprises
/// (no `*args`/`**kwargs` parameters, each keyword names a parameter not given otherwise, every
/// parameter left out has a default): the arguments move from the stack straight into the new
/// frame's slots. Returns false (having changed nothing) for anything else, including every
/// call that must fail, so the errors stay those of `bind_arguments`.
fn call_kw_simple(vm: &mut Vm, count: usize) -> Result<bool, PyErr> {
    let frame = vm.current.as_deref_mut().expect("no frame");
    let len = frame.stack.len();
    let Value::Tuple(names) = &frame.stack[len - 1] else {
        return Ok(false);
    };
    let callee_at = len - 2 - count;
    let Value::Function(function) = &frame.stack[callee_at] else {
        return Ok(false);
    };
    let names = names.items();
    let code = &function.code;
    let params = &code.parameters;
    let positional = params.positional as usize;
    let bound = positional + params.keyword_only as usize;
    let given = count - names.len();
    if params.varargs
        || params.varkw
        || names.len() > SIMPLE_KEYWORDS
        || bound > 64
        || given > positional
    {
        return Ok(false);
    }
    let mut filled: u64 = if given == 64 {
        u64::MAX
    } else {
        (1u64 << given) - 1
    };
    let mut slots = [0usize; SIMPLE_KEYWORDS];
    let searchable = &code.varnames[params.positional_only as usize..bound];
    for (k, name) in names.iter().enumerate() {
        let Value::Str(name) = name else {
            return Ok(false);
        };
        let Some(found) = searchable
            .iter()
            .position(|v| Arc::ptr_eq(v, name) || v.as_str() == name.as_str())
        else {
            return Ok(false);
        };
        let index = found + params.positional_only as usize;
        if filled & (1 << index) != 0 {
            return Ok(false);
        }
        filled |= 1 << index;
        slots[k] = index;
    }
    let first_default = positional - function.defaults.len().min(positional);
    for index in given..positional {
        if filled & (1 << index) == 0 && index < first_default {
            return Ok(false);
        }
    }
    for index in positional..bound {
        if filled & (1 << index) == 0
            && !function
                .kw_defaults
                .iter()
                .any(|(n, _)| n.as_str() == code.varnames[index].as_str())
        {
            return Ok(false);
        }
    }

    let slot_count = code.varnames.len();
    let mut fast = vm.take_fast(slot_count);
    fast.resize(slot_count, None);
    let frame = vm.current.as_deref_mut().expect("no frame");
    frame.stack.pop(); // the names
    for (k, value) in frame.stack.drain(callee_at + 1 + given..).enumerate() {
        fast[slots[k]] = Some(value);
    }
    debug_assert_eq!(frame.stack.len(), callee_at + 1 + given);
    for (index, value) in frame.stack.drain(callee_at + 1..).enumerate() {
        fast[index] = Some(value);
    }
    let Some(Value::Function(function)) = frame.stack.pop() else {
        unreachable!("checked above")
    };
    for (index, slot) in fast.iter_mut().enumerate().take(positional).skip(given) {
        if slot.is_none() {
            *slot = Some(function.defaults[index - first_default].clone());
        }
    }
    let names = &function.code.varnames[positional..bound];
    for (slot, name) in fast[positional..bound].iter_mut().zip(names) {
        if slot.is_none() {
            if let Some((_, value)) = function
                .kw_defaults
                .iter()
                .find(|(n, _)| n.as_str() == name.as_str())
            {
                *slot = Some(value.clone());
            }
        }
    }
    let new_frame = vm.function_frame(&function, fast);
    vm.enter_frame(new_frame)?;
    Ok(true)
}

pub(crate) fn call_kw(vm: &mut Vm, count: u32) -> OpResult {
    if call_kw_simple(vm, count as usize)? {
        return Ok(());
    }
    let args = keyword_args(vm, count);
    let callee = vm.frame().pop();
    vm.call_from_op(callee, args)
}

pub(crate) fn call_ex(vm: &mut Vm, flags: u32) -> OpResult {
    let frame = vm.frame();
    let kwargs = if flags & 1 != 0 {
        Some(frame.pop())
    } else {
        None
    };
    let positional = frame.pop();
    let callee = frame.pop();
    let positional = match &positional {
        Value::Tuple(t) => t.items().to_vec(),
        other => vm.collect(other)?,
    };
    let mut keywords = Vec::new();
    if let Some(kwargs) = kwargs {
        let Value::Dict(dict) = &kwargs else {
            return Err(PyErr::type_error("argument after ** must be a mapping"));
        };
        for (key, value) in dict.items() {
            match key {
                Value::Str(name) => keywords.push((name, value)),
                _ => return Err(PyErr::type_error("keywords must be strings")),
            }
        }
    }
    vm.call_from_op(
        callee,
        Args {
            positional,
            keywords,
        },
    )
}

pub(crate) fn call_method(vm: &mut Vm, count: u32) -> OpResult {
    // `[function, self, args…]`: self is the first argument.
    if call_simple(vm, count as usize, true)? {
        return Ok(());
    }
    let frame = vm.frame();
    let count = count as usize;
    let at = frame.stack.len() - count;
    if let Value::Null = frame.stack[at - 2] {
        let positional = frame.pop_n(count);
        let callee = frame.pop();
        frame.pop();
        return vm.call_from_op(callee, Args::new(positional));
    }
    // `[method, self, args…]`: one allocation of the right size, the receiver first.
    let mut positional = Vec::with_capacity(count + 1);
    positional.extend(frame.stack.drain(at - 1..));
    let method = frame.pop();
    vm.call_from_op(method, Args::new(positional))
}

pub(crate) fn call_method_kw(vm: &mut Vm, count: u32) -> OpResult {
    let mut args = keyword_args(vm, count);
    let frame = vm.frame();
    let second = frame.pop();
    let first = frame.pop();
    if let Value::Null = first {
        return vm.call_from_op(second, args);
    }
    args.positional.insert(0, second);
    vm.call_from_op(first, args)
}

pub(crate) fn make_function(vm: &mut Vm, code: u32) -> OpResult {
    let frame = vm.frame();
    let code = frame.code.children[code as usize].clone();
    let flags = code.function_flags;
    let closure: Vec<Arc<Cell>> = if flags & function_flags::CLOSURE != 0 {
        match frame.pop() {
            Value::Tuple(cells) => cells
                .items()
                .iter()
                .filter_map(|c| match c {
                    Value::Cell(cell) => Some(cell.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let kw_defaults = if flags & function_flags::KW_DEFAULTS != 0 {
        match frame.pop() {
            Value::Dict(dict) => dict
                .items()
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Value::Str(name) => Some((name, v)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let defaults = if flags & function_flags::DEFAULTS != 0 {
        match frame.pop() {
            Value::Tuple(t) => t.items().to_vec(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let module = match frame.globals.get_by_name("__name__") {
        Some(Value::Str(name)) => name,
        _ => PyStr::new("__main__"),
    };
    let function = Function {
        code,
        globals: frame.globals.clone(),
        defaults,
        kw_defaults,
        closure,
        module,
    };
    frame.push(Value::Function(Arc::new(function)));
    Ok(())
}
