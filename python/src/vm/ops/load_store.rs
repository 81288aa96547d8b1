//! Names: fast locals, globals and builtins, namespaces (module and class bodies) and cells.

use std::sync::Arc;

use threadlab_core::platform;

use crate::bytecode::Instruction;
use crate::objects::types::ExcKind;
use crate::objects::{HashKey, Value};
use crate::vm::{Frame, OpResult, PyErr, Vm};

#[inline(always)]
pub(crate) fn load_const(vm: &mut Vm, index: u32) -> OpResult {
    let frame = vm.frame();
    let value = frame.code.constants[index as usize].clone();
    frame.push(value);
    Ok(())
}

#[inline(always)]
pub(crate) fn load_fast(vm: &mut Vm, slot: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    push_local(frame, slot)?;
    // `a * b`, `n % d`, `f(x, y)`: locals often load in pairs; `d + 1`, `i < 10`: a local and
    // a constant, worth a fused pair only where a trip through the loop is costly.
    match super::run_next_now(&mut vm.countdown, frame, load_to_fuse) {
        Some(load) => push_fused(frame, load),
        None => Ok(()),
    }
}

/// After an instruction that a load often follows (`d * d` then `n`, `n % d` then `0`): runs
/// that load now, where a trip through the loop is costly; natively nothing.
#[inline(always)]
pub(crate) fn load_next_now(countdown: &mut u32, frame: &mut Frame) -> OpResult {
    if !platform::DISPATCH_IS_COSTLY {
        return Ok(());
    }
    match super::run_next_now(countdown, frame, load_to_fuse) {
        Some(load) => push_fused(frame, load),
        None => Ok(()),
    }
}

/// The load `next` is, if it may run in the same trip as the instruction before it: a local's
/// slot, or (where dispatch is costly) a constant's index marked with [`CONSTANT`]. One `u32`
/// either way, so that natively the code is what it was before constants joined (an enum here
/// made the native loop 2% slower).
#[inline(always)]
fn load_to_fuse(next: Instruction) -> Option<u32> {
    match next {
        Instruction::LoadFast { slot } => Some(slot),
        Instruction::LoadConst { index } if platform::DISPATCH_IS_COSTLY && index < CONSTANT => {
            Some(index | CONSTANT)
        }
        _ => None,
    }
}

/// Marks a constant's index among the loads [`load_to_fuse`] gives (no code has 2³¹ locals).
const CONSTANT: u32 = 1 << 31;

/// Runs a load that [`load_to_fuse`] picked.
#[inline(always)]
fn push_fused(frame: &mut Frame, load: u32) -> OpResult {
    if platform::DISPATCH_IS_COSTLY && load & CONSTANT != 0 {
        let value = frame.code.constants[(load & !CONSTANT) as usize].clone();
        frame.push(value);
        Ok(())
    } else {
        push_local(frame, load)
    }
}

/// After a branch, whose both ways often begin with a local's load (`while d * d <= n:` then
/// `if n % d`): runs that load now, with whatever `load_fast` takes along, where a trip through
/// the loop is costly; natively nothing.
#[inline(always)]
pub(crate) fn load_fast_next_now(vm: &mut Vm) -> OpResult {
    if !platform::DISPATCH_IS_COSTLY {
        return Ok(());
    }
    let frame = vm.current.as_deref_mut().expect("no frame");
    let next = super::run_next_now(&mut vm.countdown, frame, |next| match next {
        Instruction::LoadFast { slot } => Some(slot),
        _ => None,
    });
    match next {
        Some(slot) => load_fast(vm, slot),
        None => Ok(()),
    }
}

#[inline(always)]
fn push_local(frame: &mut Frame, slot: u32) -> OpResult {
    match &frame.fast[slot as usize] {
        Some(value) => {
            let value = value.clone();
            frame.push(value);
            Ok(())
        }
        None => Err(unbound_local(frame, slot)),
    }
}

#[cold]
fn unbound_local(frame: &crate::vm::Frame, slot: u32) -> PyErr {
    PyErr::new(
        ExcKind::UnboundLocalError,
        format!(
            "cannot access local variable '{}' where it is not associated with a value",
            frame.code.varnames[slot as usize].as_str()
        ),
    )
}

#[inline(always)]
pub(crate) fn store_fast(vm: &mut Vm, slot: u32) -> OpResult {
    let frame = vm.frame();
    let value = frame.pop();
    match &mut frame.fast[slot as usize] {
        Some(old) => Value::overwrite(old, value),
        // Nothing to drop (see `Value::overwrite` for why that matters).
        unbound => std::mem::forget(unbound.replace(value)),
    }
    Ok(())
}

pub(crate) fn delete_fast(vm: &mut Vm, slot: u32) -> OpResult {
    let frame = vm.frame();
    if frame.fast[slot as usize].take().is_none() {
        return Err(PyErr::new(
            ExcKind::UnboundLocalError,
            format!(
                "cannot access local variable '{}' where it is not associated with a value",
                frame.code.varnames[slot as usize].as_str()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn load_global(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    let name = &frame.code.names[name as usize];
    match frame
        .globals
        .get_str(name)
        .or_else(|| vm.interp.builtins.get_str(name))
    {
        Some(value) => {
            frame.push(value);
            Ok(())
        }
        None => Err(name_error(name.as_str())),
    }
}

pub(crate) fn name_error(name: &str) -> PyErr {
    PyErr::new(ExcKind::NameError, format!("name '{name}' is not defined"))
}

pub(crate) fn store_global(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let value = frame.pop();
    let name = frame.code.names[name as usize].clone();
    frame.globals.set_str(&name, value);
    Ok(())
}

pub(crate) fn delete_global(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    match frame.globals.remove(&HashKey::str(&name)) {
        Some(_) => Ok(()),
        None => Err(name_error(name.as_str())),
    }
}

pub(crate) fn load_name(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    let name = &frame.code.names[name as usize];
    // At module level the namespace is the globals: look there once, then in builtins.
    let value = match &frame.namespace {
        Some(namespace) if !Arc::ptr_eq(namespace, &frame.globals) => namespace
            .get_str(name)
            .or_else(|| frame.globals.get_str(name)),
        _ => frame.globals.get_str(name),
    }
    .or_else(|| vm.interp.builtins.get_str(name));
    match value {
        Some(value) => {
            frame.push(value);
            Ok(())
        }
        None => Err(name_error(name.as_str())),
    }
}

pub(crate) fn store_name(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let value = frame.pop();
    let name = frame.code.names[name as usize].clone();
    let namespace = frame
        .namespace
        .clone()
        .unwrap_or_else(|| frame.globals.clone());
    namespace.set_str(&name, value);
    Ok(())
}

pub(crate) fn delete_name(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let namespace = frame
        .namespace
        .clone()
        .unwrap_or_else(|| frame.globals.clone());
    match namespace.remove(&HashKey::str(&name)) {
        Some(_) => Ok(()),
        None => Err(name_error(name.as_str())),
    }
}

fn cell_name(frame: &crate::vm::Frame, cell: u32) -> String {
    let code = &frame.code;
    code.cellvars
        .iter()
        .chain(code.freevars.iter())
        .nth(cell as usize)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default()
}

fn unbound_cell(frame: &crate::vm::Frame, cell: u32) -> PyErr {
    let name = cell_name(frame, cell);
    if (cell as usize) < frame.code.cellvars.len() {
        PyErr::new(
            ExcKind::UnboundLocalError,
            format!(
                "cannot access local variable '{name}' where it is not associated with a value"
            ),
        )
    } else {
        PyErr::new(
            ExcKind::NameError,
            format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope"),
        )
    }
}

pub(crate) fn load_deref(vm: &mut Vm, cell: u32) -> OpResult {
    let frame = vm.frame();
    match frame.cells[cell as usize].get() {
        Some(value) => {
            frame.push(value);
            Ok(())
        }
        None => Err(unbound_cell(frame, cell)),
    }
}

pub(crate) fn store_deref(vm: &mut Vm, cell: u32) -> OpResult {
    let frame = vm.frame();
    let value = frame.pop();
    frame.cells[cell as usize].set(Some(value));
    Ok(())
}

pub(crate) fn delete_deref(vm: &mut Vm, cell: u32) -> OpResult {
    let frame = vm.frame();
    if frame.cells[cell as usize].get().is_none() {
        return Err(unbound_cell(frame, cell));
    }
    frame.cells[cell as usize].set(None);
    Ok(())
}

pub(crate) fn load_class_deref(vm: &mut Vm, cell: u32) -> OpResult {
    let frame = vm.frame();
    let name = cell_name(frame, cell);
    if let Some(value) = frame
        .namespace
        .as_ref()
        .and_then(|ns| ns.get_by_name(&name))
    {
        frame.push(value);
        return Ok(());
    }
    load_deref(vm, cell)
}

pub(crate) fn load_closure(vm: &mut Vm, cell: u32) -> OpResult {
    let frame = vm.frame();
    let cell = frame.cells[cell as usize].clone();
    frame.push(Value::Cell(cell));
    Ok(())
}
