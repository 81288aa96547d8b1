//! `threadlab run --dis`: a listing in the spirit of CPython's `dis` module.

use std::fmt::Write;

use super::{BinaryOperator, Code, Comparison, OperandKind, UnaryOperator};

/// The listing of `code` and, after it, of every nested code object.
pub fn disassemble(code: &Code) -> String {
    let mut out = String::new();
    disassemble_into(code, &mut out);
    out
}

fn disassemble_into(code: &Code, out: &mut String) {
    let _ = writeln!(
        out,
        "Disassembly of <code object {} at line {}>:",
        code.qualname.as_str(),
        code.first_line
    );
    let jump_targets: Vec<u32> = code
        .instructions
        .iter()
        .filter_map(|i| match i.operand() {
            Some((OperandKind::Jump, target)) => Some(target),
            _ => None,
        })
        .collect();
    let mut last_line = 0;
    for (index, instruction) in code.instructions.iter().enumerate() {
        let line = code.line_of(index);
        let line_column = if line != last_line {
            last_line = line;
            if index > 0 {
                out.push('\n');
            }
            format!("{line:>4}")
        } else {
            String::new()
        };
        let marker = if jump_targets.contains(&(index as u32)) {
            ">>"
        } else {
            "  "
        };
        let _ = write!(
            out,
            "{line_column:>4} {marker} {index:>5} {:<20}",
            instruction.name()
        );
        if let Some((kind, operand)) = instruction.operand() {
            let _ = write!(out, " {operand:<4}");
            let meaning = describe(code, kind, operand);
            if !meaning.is_empty() {
                let _ = write!(out, " ({meaning})");
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    for child in &code.children {
        out.push('\n');
        disassemble_into(child, out);
    }
}

/// The instruction at `index` in a few words, for step mode: its name and what its operand
/// means (`LoadGlobal balance`, `BinaryOp +`), or just its name.
pub fn instruction_text(code: &Code, index: usize) -> Option<String> {
    let instruction = code.instructions.get(index)?;
    let name = instruction.name();
    Some(match instruction.operand() {
        Some((kind, operand)) => match describe(code, kind, operand) {
            meaning if meaning.is_empty() => name.to_owned(),
            meaning => format!("{name} {meaning}"),
        },
        None => name.to_owned(),
    })
}

fn describe(code: &Code, kind: OperandKind, operand: u32) -> String {
    let index = operand as usize;
    match kind {
        OperandKind::Const => code
            .constants
            .get(index)
            .map(|c| c.constant_repr())
            .unwrap_or_default(),
        OperandKind::Name => code
            .names
            .get(index)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        OperandKind::Local => code
            .varnames
            .get(index)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        OperandKind::Cell => code
            .cellvars
            .iter()
            .chain(code.freevars.iter())
            .nth(index)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        OperandKind::Jump => format!("to {operand}"),
        OperandKind::Code => code
            .children
            .get(index)
            .map(|c| format!("<code object {}>", c.qualname.as_str()))
            .unwrap_or_default(),
        OperandKind::BinaryOp => BinaryOperator::from_operand(operand).symbol().to_owned(),
        OperandKind::UnaryOp => UnaryOperator::from_operand(operand).symbol().to_owned(),
        OperandKind::Compare => Comparison::from_operand(operand).symbol().to_owned(),
        OperandKind::Invert => if operand == 1 { "not" } else { "" }.to_owned(),
        OperandKind::Count | OperandKind::Flags => String::new(),
    }
}
