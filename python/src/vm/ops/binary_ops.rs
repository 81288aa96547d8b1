use crate::bytecode::{BinaryOperator, UnaryOperator};
use crate::objects::Value;
use crate::vm::{OpResult, Vm};

pub(crate) fn binary_op(vm: &mut Vm, operator: u32) -> OpResult {
    let frame = vm.frame();
    let b = frame.pop();
    let a = frame.pop();
    // The hottest case inline: small-int addition without overflow.
    if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
        let operator = BinaryOperator::from_operand(operator).base();
        let fast = match operator {
            BinaryOperator::Add => x.checked_add(*y),
            BinaryOperator::Subtract => x.checked_sub(*y),
            _ => None,
        };
        if let Some(result) = fast {
            frame.push(Value::Int(result));
            return Ok(());
        }
    }
    let result = vm.binary_op(&a, &b, BinaryOperator::from_operand(operator))?;
    vm.frame().push(result);
    Ok(())
}

pub(crate) fn unary_op(vm: &mut Vm, operator: u32) -> OpResult {
    let a = vm.frame().pop();
    let result = vm.unary_op(&a, UnaryOperator::from_operand(operator))?;
    vm.frame().push(result);
    Ok(())
}
