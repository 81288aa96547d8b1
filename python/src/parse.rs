//! Placeholder until the compiler lands (the compiler branch replaces this file).

use std::sync::Arc;

use crate::bytecode::Code;
use crate::compiler::{compile_module, CompileErrorKind};
use crate::source::SourceFile;

pub struct ProgramError {
    pub kind: CompileErrorKind,
    pub message: String,
    pub line: u32,
    pub column: usize,
}

impl ProgramError {
    pub fn render(&self, source: &SourceFile) -> String {
        format!(
            "  File \"{}\", line {}\nSyntaxError: {}\n",
            source.name, self.line, self.message
        )
    }
}

pub fn compile_program(source: &Arc<SourceFile>) -> Result<Arc<Code>, ProgramError> {
    let parsed = ruff_python_parser::parse_module(&source.text).map_err(|e| ProgramError {
        kind: CompileErrorKind::Syntax,
        message: e.error.to_string(),
        line: source.line_of(e.location.start()),
        column: source.column_of(e.location.start()),
    })?;
    compile_module(source, parsed.syntax()).map_err(|e| ProgramError {
        kind: e.kind,
        message: e.message,
        line: source.line_of(e.range.start()),
        column: source.column_of(e.range.start()),
    })
}
