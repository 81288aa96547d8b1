//! Opcode handlers, one file per family, named as in `bytecode/opcodes.rs`. Each handler is
//! small: the semantics live in the VM's protocol methods, which builtins share.

pub(crate) mod attributes;
pub(crate) mod binary_ops;
pub(crate) mod build;
pub(crate) mod call;
pub(crate) mod class;
pub(crate) mod compare;
pub(crate) mod control_flow;
pub(crate) mod exceptions;
pub(crate) mod import;
pub(crate) mod iteration;
pub(crate) mod load_store;
pub(crate) mod stack;
pub(crate) mod subscript;

use crate::bytecode::Instruction;
use crate::vm::Frame;

/// CPython's old `PREDICT`: some opcodes are nearly always followed by one particular opcode,
/// which then runs as part of the first, without another trip through the dispatch loop (in
/// wasm that trip costs more than most opcodes do). `accept` picks the next instruction out if
/// it is the expected one; it then counts as run.
///
/// Only when the loop would not tick before the next instruction, so that ticks, and with
/// them every deterministic schedule and every step of a step run, fall exactly where they
/// would without this. Deterministic mode ticks at every instruction and never fuses.
#[inline(always)]
pub(crate) fn run_next_now<T>(
    countdown: &mut u32,
    frame: &mut Frame,
    accept: impl FnOnce(Instruction) -> Option<T>,
) -> Option<T> {
    if *countdown <= 1 {
        return None;
    }
    let next = accept(frame.instruction(frame.ip)?)?;
    frame.ip += 1;
    *countdown -= 1;
    Some(next)
}
