use crate::bytecode::{BinaryOperator, UnaryOperator};
use crate::objects::Value;
use crate::vm::{OpResult, Vm};

/// Small-int arithmetic that cannot fail or overflow, done in place on the stack.
#[inline(always)]
fn small_int_op(x: i64, y: i64, operator: BinaryOperator) -> Option<i64> {
    match operator {
        BinaryOperator::Add => x.checked_add(y),
        BinaryOperator::Subtract => x.checked_sub(y),
        BinaryOperator::Multiply => small_int_multiply(x, y),
        BinaryOperator::FloorDivide if y > 0 => Some(x.div_euclid(y)),
        BinaryOperator::Modulo if y > 0 => Some(x.rem_euclid(y)),
        BinaryOperator::And => Some(x & y),
        BinaryOperator::Or => Some(x | y),
        BinaryOperator::Xor => Some(x ^ y),
        _ => None,
    }
}

/// `x * y` if it fits in an `i64`. wasm has no multiply that reports overflow, so
/// `checked_mul` becomes a call to the 128-bit `__multi3`; factors that fit in 32 bits cannot
/// overflow, which covers nearly every product a program makes with one plain multiply.
#[inline(always)]
fn small_int_multiply(x: i64, y: i64) -> Option<i64> {
    if i64::from(x as i32) == x && i64::from(y as i32) == y {
        Some(x * y)
    } else {
        x.checked_mul(y)
    }
}

#[inline(always)]
pub(crate) fn binary_op(vm: &mut Vm, operator: u32) -> OpResult {
    let frame = vm.current.as_deref_mut().expect("no frame");
    let operator = BinaryOperator::from_operand(operator);
    if let [.., Value::Int(x), Value::Int(y)] = frame.stack.as_slice() {
        if let Some(result) = small_int_op(*x, *y, operator.base()) {
            frame.pop_inline();
            frame.replace_inline_top(Value::Int(result));
            return super::load_store::load_next_now(&mut vm.countdown, frame);
        }
    }
    let b = frame.pop();
    let a = frame.pop();
    let result = vm.binary_op(&a, &b, operator)?;
    vm.frame().push(result);
    Ok(())
}

pub(crate) fn unary_op(vm: &mut Vm, operator: u32) -> OpResult {
    let a = vm.frame().pop();
    let result = vm.unary_op(&a, UnaryOperator::from_operand(operator))?;
    vm.frame().push(result);
    Ok(())
}
