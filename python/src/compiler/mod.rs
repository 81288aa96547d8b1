//! Placeholder until the compiler lands (the compiler branch replaces this file).

use std::sync::Arc;

use ruff_text_size::TextRange;

use crate::bytecode::Code;
use crate::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileErrorKind {
    Syntax,
    Unsupported,
}

#[derive(Debug)]
pub struct CompileError {
    pub kind: CompileErrorKind,
    pub message: String,
    pub range: TextRange,
}

pub fn compile_module(
    _source: &Arc<SourceFile>,
    _module: &ruff_python_ast::ModModule,
) -> Result<Arc<Code>, CompileError> {
    Err(CompileError {
        kind: CompileErrorKind::Unsupported,
        message: "the compiler".into(),
        range: TextRange::default(),
    })
}
