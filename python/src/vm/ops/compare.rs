use crate::bytecode::{Comparison, Instruction};
use crate::objects::types::ExcKind;
use crate::objects::Value;
use crate::vm::{OpResult, PyErr, Vm};

#[inline(always)]
pub(crate) fn compare_op(vm: &mut Vm, comparison: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    if let [.., Value::Int(x), Value::Int(y)] = frame.stack.as_slice() {
        let result = match Comparison::from_operand(comparison) {
            Comparison::Less => x < y,
            Comparison::LessEqual => x <= y,
            Comparison::Equal => x == y,
            Comparison::NotEqual => x != y,
            Comparison::Greater => x > y,
            Comparison::GreaterEqual => x >= y,
        };
        frame.pop_inline();
        let jump = super::run_next_now(&mut vm.countdown, frame, |next| match next {
            Instruction::PopJumpIfFalse { target } => Some((false, target)),
            Instruction::PopJumpIfTrue { target } => Some((true, target)),
            _ => None,
        });
        if let Some((jump_when, target)) = jump {
            frame.pop_inline();
            if result == jump_when {
                frame.ip = target as usize;
            }
            return super::load_store::load_fast_next_now(vm);
        }
        frame.replace_inline_top(Value::Bool(result));
        return Ok(());
    }
    let b = frame.pop();
    let a = frame.pop();
    let result = vm.compare(&a, &b, Comparison::from_operand(comparison))?;
    vm.frame().push(result);
    Ok(())
}

pub(crate) fn is_op(vm: &mut Vm, invert: u32) -> OpResult {
    let frame = vm.frame();
    let b = frame.pop();
    let a = frame.pop();
    frame.push(Value::Bool(a.is(&b) != (invert == 1)));
    Ok(())
}

pub(crate) fn contains_op(vm: &mut Vm, invert: u32) -> OpResult {
    let frame = vm.frame();
    let container = frame.pop();
    let item = frame.pop();
    let found = vm.contains(&container, &item)?;
    vm.frame().push(Value::Bool(found != (invert == 1)));
    Ok(())
}

pub(crate) fn check_exc_match(vm: &mut Vm) -> OpResult {
    let frame = vm.frame();
    let pattern = frame.pop();
    let exception = frame.top().clone();
    let matches = exception_matches(&exception, &pattern)?;
    vm.frame().push(Value::Bool(matches));
    Ok(())
}

/// Does `exception` match the `except` clause's `pattern` (a class or a tuple of classes)?
pub(crate) fn exception_matches(exception: &Value, pattern: &Value) -> Result<bool, PyErr> {
    match pattern {
        Value::Class(class) => {
            let base = crate::objects::types::types().exception(ExcKind::BaseException);
            if !class.is_subclass(base) {
                return Err(catching_non_exception());
            }
            Ok(exception.class().is_subclass(class))
        }
        Value::Tuple(tuple) => {
            for item in tuple.items() {
                if exception_matches(exception, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(catching_non_exception()),
    }
}

fn catching_non_exception() -> PyErr {
    PyErr::type_error("catching classes that do not inherit from BaseException is not allowed")
}
