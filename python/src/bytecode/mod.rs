//! Code objects: the compiler's output and the VM's input.
//!
//! A [`Code`] is immutable once built and shared (`Arc`) by every function object made from it
//! and every thread running it.

mod disassemble;
mod opcodes;

pub use disassemble::{disassemble, instruction_text};
pub(crate) use opcodes::dispatch;
pub use opcodes::{BinaryOperator, Comparison, Instruction, OperandKind, UnaryOperator};

use std::sync::Arc;

use ruff_text_size::TextRange;

use crate::objects::{PyStr, Value};
use crate::source::SourceFile;

/// `function_flags`: what `MakeFunction` pops besides the code object.
pub mod function_flags {
    pub const DEFAULTS: u32 = 1;
    pub const KW_DEFAULTS: u32 = 2;
    pub const CLOSURE: u32 = 4;
}

/// What kind of scope a code object runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

pub struct Code {
    pub kind: CodeKind,
    /// `f`, `<module>`, `<lambda>`, `<listcomp>`: what tracebacks print after `in`.
    pub name: Arc<PyStr>,
    /// `C.method.<locals>.inner`
    pub qualname: Arc<PyStr>,
    pub source: Arc<SourceFile>,
    pub instructions: Vec<Instruction>,
    /// The source range of each instruction (same index), for line numbers and carets.
    pub locations: Vec<TextRange>,
    pub constants: Vec<Value>,
    pub names: Vec<Arc<PyStr>>,
    /// Fast locals: the parameters first, in order, then the other locals.
    pub varnames: Vec<Arc<PyStr>>,
    /// Locals captured by inner functions; they live in cells.
    pub cellvars: Vec<Arc<PyStr>>,
    /// Variables of enclosing functions used here; their cells come with the closure.
    pub freevars: Vec<Arc<PyStr>>,
    /// For each cellvar that is also a parameter, its slot in `varnames`, so that the call
    /// moves the argument into the cell.
    pub cell_parameters: Vec<(u32, u32)>,
    pub children: Vec<Arc<Code>>,
    pub parameters: Parameters,
    pub function_flags: u32,
    pub first_line: u32,
    /// The body contains `yield` (or is a generator expression): calling it makes a
    /// generator object instead of running it.
    pub is_generator: bool,
}

/// The shape of a function's parameter list.
#[derive(Clone, Debug, Default)]
pub struct Parameters {
    /// Positional-only and positional-or-keyword parameters (names are `varnames[..positional]`).
    pub positional: u32,
    /// How many of those are positional-only (before `/`).
    pub positional_only: u32,
    /// Keyword-only parameters, after the positional ones in `varnames`.
    pub keyword_only: u32,
    /// `*args` takes the slot after the keyword-only ones.
    pub varargs: bool,
    /// `**kwargs` takes the slot after that.
    pub varkw: bool,
}

impl Parameters {
    /// Slots taken by parameters at the start of `varnames`.
    pub fn slots(&self) -> usize {
        (self.positional + self.keyword_only) as usize + self.varargs as usize + self.varkw as usize
    }
}

impl Code {
    /// The 1-based line of the instruction at `index`.
    pub fn line_of(&self, index: usize) -> u32 {
        match self.locations.get(index) {
            Some(range) => self.source.line_of(range.start()),
            None => self.first_line,
        }
    }

    pub fn range_of(&self, index: usize) -> Option<TextRange> {
        self.locations.get(index).copied()
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<code object {} at line {}>",
            self.name.as_str(),
            self.first_line
        )
    }
}

/// A forward or backward jump target, resolved by [`CodeBuilder::finish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(u32);

/// How an emit method turns its typed operand into the instruction's `u32`.
pub trait EncodeOperand {
    fn encode(self, builder: &mut CodeBuilder, at: u32) -> u32;
}

impl EncodeOperand for u32 {
    fn encode(self, _: &mut CodeBuilder, _: u32) -> u32 {
        self
    }
}

impl EncodeOperand for Label {
    fn encode(self, builder: &mut CodeBuilder, at: u32) -> u32 {
        builder.jump_fixups.push((at, self));
        u32::MAX
    }
}

/// Accumulates one code object's instructions, tables and line info.
pub struct CodeBuilder {
    instructions: Vec<Instruction>,
    locations: Vec<TextRange>,
    pub(crate) current_range: TextRange,
    labels: Vec<Option<u32>>,
    jump_fixups: Vec<(u32, Label)>,
    pub constants: Vec<Value>,
    pub names: Vec<Arc<PyStr>>,
}

impl Default for CodeBuilder {
    fn default() -> Self {
        CodeBuilder::new()
    }
}

impl CodeBuilder {
    pub fn new() -> CodeBuilder {
        CodeBuilder {
            instructions: Vec::new(),
            locations: Vec::new(),
            current_range: TextRange::default(),
            labels: Vec::new(),
            jump_fixups: Vec::new(),
            constants: Vec::new(),
            names: Vec::new(),
        }
    }

    fn next_index(&self) -> u32 {
        self.instructions.len() as u32
    }

    fn push_instruction(&mut self, instruction: Instruction) {
        self.instructions.push(instruction);
        self.locations.push(self.current_range);
    }

    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to the next instruction emitted.
    pub fn bind(&mut self, label: Label) {
        debug_assert!(self.labels[label.0 as usize].is_none(), "label bound twice");
        self.labels[label.0 as usize] = Some(self.next_index());
    }

    /// Index of `value` in the constant table, reusing an identical constant.
    pub fn constant(&mut self, value: Value) -> u32 {
        if let Some(index) = self
            .constants
            .iter()
            .position(|c| c.is_same_constant(&value))
        {
            return index as u32;
        }
        self.constants.push(value);
        self.constants.len() as u32 - 1
    }

    pub fn name(&mut self, name: &str) -> u32 {
        if let Some(index) = self.names.iter().position(|n| n.as_str() == name) {
            return index as u32;
        }
        self.names.push(PyStr::interned(name));
        self.names.len() as u32 - 1
    }

    /// Resolves every jump to its label's position.
    pub fn finish(
        mut self,
    ) -> (
        Vec<Instruction>,
        Vec<TextRange>,
        Vec<Value>,
        Vec<Arc<PyStr>>,
    ) {
        for (at, label) in std::mem::take(&mut self.jump_fixups) {
            let target = self.labels[label.0 as usize].expect("jump to an unbound label");
            self.instructions[at as usize].set_jump_target(target);
        }
        (
            self.instructions,
            self.locations,
            self.constants,
            self.names,
        )
    }
}
