//! The compiler: ruff's AST in, one [`Code`] object per module, class body, function,
//! lambda and comprehension out.
//!
//! It works like CPython's `compile.c` (3.10/3.11 era): a symbol-table pass ([`scope`]) decides
//! where every name lives, then a single walk emits bytecode into a [`CodeBuilder`] per code
//! object. `statements.rs` and `expressions.rs` hold the two halves of that walk; this file
//! holds the shared machinery: code units, name resolution, and the frame-block stack that
//! `return`, `break` and `continue` unwind through.

mod expressions;
mod scope;
mod statements;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use indexmap::IndexSet;
use ruff_python_ast::{self as ast, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::bytecode::{function_flags, Code, CodeBuilder, CodeKind, Label, Parameters};
use crate::objects::{PyStr, Value};
use crate::source::SourceFile;
use scope::{mangle, NameScope, ScopeId, ScopeKind, SymbolTable};

/// Why a program cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub kind: CompileErrorKind,
    /// For `Syntax`, CPython's message; for `Unsupported`, the construct, e.g.
    /// `generators (yield)`.
    pub message: String,
    pub range: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileErrorKind {
    /// Code CPython also rejects, with CPython's wording.
    Syntax,
    /// Valid Python that threadlab does not run yet.
    Unsupported,
}

impl CompileError {
    pub(crate) fn syntax(message: impl Into<String>, range: TextRange) -> CompileError {
        CompileError {
            kind: CompileErrorKind::Syntax,
            message: message.into(),
            range,
        }
    }

    pub(crate) fn unsupported(construct: impl Into<String>, range: TextRange) -> CompileError {
        CompileError {
            kind: CompileErrorKind::Unsupported,
            message: construct.into(),
            range,
        }
    }
}

type CompileResult<T = ()> = Result<T, CompileError>;

/// Compiles a parsed module into its `<module>` code object.
pub fn compile_module(
    source: &Arc<SourceFile>,
    module: &ast::ModModule,
) -> Result<Arc<Code>, CompileError> {
    let symbols = SymbolTable::build(module)?;
    let mut compiler = Compiler {
        source: source.clone(),
        symbols,
        units: Vec::new(),
    };
    compiler.push_unit(
        0,
        CodeKind::Module,
        "<module>".into(),
        "<module>".into(),
        1,
        None,
    );
    compiler.compile_body(&module.body)?;
    if let Some(last) = module.body.last() {
        compiler.set_range(last.range());
    }
    compiler.return_none();
    Ok(Arc::new(compiler.pop_unit(0)))
}

/// What `return`, `break` and `continue` must undo when they leave a block early: CPython's
/// `fblockinfo`.
#[derive(Clone)]
enum FBlock<'a> {
    Loop {
        /// A `for` loop keeps its iterator on the stack; `break` pops it.
        is_for: bool,
        continue_to: Label,
        break_to: Label,
    },
    /// The body of `try` with `except` handlers: a handler is installed.
    TryExcept,
    /// The body of `try` with a `finally`: leaving it runs a copy of the finally body.
    FinallyTry { finally_body: &'a [Stmt] },
    /// The finally body on the exception path: the exception is on the stack and handled.
    FinallyEnd,
    /// An `except` clause's body: its exception is being handled; `as name` must be cleared.
    Handler { name: Option<&'a str> },
    /// A `with` body: a handler is installed and the exit function is on the stack.
    With,
}

/// One code object under construction.
struct Unit<'a> {
    scope: ScopeId,
    kind: CodeKind,
    name: String,
    qualname: String,
    builder: CodeBuilder,
    varnames: IndexSet<String>,
    cellvars: Vec<String>,
    freevars: Vec<String>,
    cell_parameters: Vec<(u32, u32)>,
    children: Vec<Arc<Code>>,
    parameters: Parameters,
    fblocks: Vec<FBlock<'a>>,
    first_line: u32,
    /// The enclosing class's name, for private-name mangling.
    private: Option<String>,
    /// A `yield` was compiled in this unit: it is a generator function.
    is_generator: bool,
}

/// How one name is loaded, stored and deleted in the current code object.
#[derive(Clone, Copy)]
enum NameAccess {
    Fast(u32),
    /// Cells and free variables; a class body reads free variables with `LoadClassDeref`.
    Deref {
        cell: u32,
        in_class: bool,
    },
    Global(u32),
    Name(u32),
}

struct Compiler<'a> {
    source: Arc<SourceFile>,
    symbols: SymbolTable,
    units: Vec<Unit<'a>>,
}

impl<'a> Compiler<'a> {
    fn unit(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("a code unit is always open")
    }

    fn unit_ref(&self) -> &Unit<'a> {
        self.units.last().expect("a code unit is always open")
    }

    fn b(&mut self) -> &mut CodeBuilder {
        &mut self.unit().builder
    }

    fn set_range(&mut self, range: TextRange) {
        self.b().current_range = range;
    }

    fn range(&self) -> TextRange {
        self.unit_ref().builder.current_range
    }

    fn line_of(&self, range: TextRange) -> u32 {
        self.source.line_of(range.start())
    }

    fn new_label(&mut self) -> Label {
        self.b().new_label()
    }

    fn bind(&mut self, label: Label) {
        self.b().bind(label)
    }

    fn load_const(&mut self, value: Value) {
        let index = self.b().constant(value);
        self.b().load_const(index);
    }

    fn return_none(&mut self) {
        self.load_const(Value::None);
        self.b().return_value();
    }

    fn mangle<'n>(&self, name: &'n str) -> std::borrow::Cow<'n, str> {
        mangle(self.unit_ref().private.as_deref(), name)
    }

    /// Opens a code unit for `scope`; its tables come from the symbol table.
    fn push_unit(
        &mut self,
        scope: ScopeId,
        kind: CodeKind,
        name: String,
        qualname: String,
        first_line: u32,
        private: Option<String>,
    ) {
        let table = &self.symbols.scopes[scope];
        let mut varnames = IndexSet::new();
        let mut cellvars = Vec::new();
        let mut freevars = Vec::new();
        let mut cell_parameters = Vec::new();
        if table.kind.is_function() {
            cellvars = table.cellvars();
            freevars = table.freevars();
            for (slot, param) in table.params.iter().enumerate() {
                varnames.insert(param.clone());
                if let Some(cell) = cellvars.iter().position(|c| c == param) {
                    cell_parameters.push((slot as u32, cell as u32));
                }
            }
            for local in table.plain_locals() {
                varnames.insert(local.to_owned());
            }
        } else if table.kind == ScopeKind::Class {
            cellvars = table.cellvars();
            freevars = table.freevars();
        }
        self.units.push(Unit {
            scope,
            kind,
            name,
            qualname,
            builder: CodeBuilder::new(),
            varnames,
            cellvars,
            freevars,
            cell_parameters,
            children: Vec::new(),
            parameters: Parameters::default(),
            fblocks: Vec::new(),
            first_line,
            private,
            is_generator: false,
        });
    }

    /// Closes the innermost unit; `function_flags` says what its `MakeFunction` pops.
    fn pop_unit(&mut self, function_flags: u32) -> Code {
        let unit = self.units.pop().expect("a code unit is always open");
        let (instructions, locations, constants, names) = unit.builder.finish();
        let strings =
            |names: &mut dyn Iterator<Item = &String>| names.map(|n| PyStr::interned(n)).collect();
        Code {
            kind: unit.kind,
            name: PyStr::interned(&unit.name),
            qualname: PyStr::interned(&unit.qualname),
            source: self.source.clone(),
            instructions,
            locations,
            constants,
            names,
            varnames: strings(&mut unit.varnames.iter()),
            cellvars: strings(&mut unit.cellvars.iter()),
            freevars: strings(&mut unit.freevars.iter()),
            cell_parameters: unit.cell_parameters,
            children: unit.children,
            parameters: unit.parameters,
            function_flags,
            first_line: unit.first_line,
            is_generator: unit.is_generator,
        }
    }

    /// CPython's qualified name: `f.<locals>.g` inside a function, `C.m` inside a class.
    fn qualname_for(&self, name: &str) -> String {
        let parent = self.unit_ref();
        match parent.kind {
            CodeKind::Module => name.to_owned(),
            _ => {
                let mangled = self.mangle(name);
                if self.symbols.scopes[parent.scope].lookup(&mangled)
                    == Some(NameScope::GlobalExplicit)
                {
                    return name.to_owned();
                }
                match parent.kind {
                    CodeKind::Function | CodeKind::Lambda => {
                        format!("{}.<locals>.{name}", parent.qualname)
                    }
                    _ => format!("{}.{name}", parent.qualname),
                }
            }
        }
    }

    /// Index of `name` among the current unit's cells (cellvars first, then freevars).
    fn cell_index(&self, name: &str) -> CompileResult<u32> {
        let unit = self.unit_ref();
        if let Some(index) = unit.cellvars.iter().position(|c| c == name) {
            return Ok(index as u32);
        }
        if let Some(index) = unit.freevars.iter().position(|c| c == name) {
            return Ok((unit.cellvars.len() + index) as u32);
        }
        Err(CompileError::syntax(
            format!("internal compiler error: no cell for '{name}'"),
            self.range(),
        ))
    }

    fn name_access(&mut self, name: &str) -> CompileResult<NameAccess> {
        let mangled = self.mangle(name).into_owned();
        let unit = self.unit_ref();
        let resolved = self.symbols.scopes[unit.scope].lookup(&mangled);
        let kind = unit.kind;
        let access = match kind {
            CodeKind::Module => NameAccess::Name(self.b().name(&mangled)),
            CodeKind::Class => match resolved {
                Some(NameScope::GlobalExplicit) => NameAccess::Global(self.b().name(&mangled)),
                Some(NameScope::Free) => NameAccess::Deref {
                    cell: self.cell_index(&mangled)?,
                    in_class: true,
                },
                _ => NameAccess::Name(self.b().name(&mangled)),
            },
            CodeKind::Function | CodeKind::Lambda | CodeKind::Comprehension => match resolved {
                Some(NameScope::Local) => {
                    let (slot, _) = self.unit().varnames.insert_full(mangled);
                    NameAccess::Fast(slot as u32)
                }
                Some(NameScope::Cell | NameScope::Free) => NameAccess::Deref {
                    cell: self.cell_index(&mangled)?,
                    in_class: false,
                },
                _ => NameAccess::Global(self.b().name(&mangled)),
            },
        };
        Ok(access)
    }

    fn load_name(&mut self, name: &str) -> CompileResult {
        match self.name_access(name)? {
            NameAccess::Fast(slot) => self.b().load_fast(slot),
            NameAccess::Deref {
                cell,
                in_class: true,
            } => self.b().load_class_deref(cell),
            NameAccess::Deref { cell, .. } => self.b().load_deref(cell),
            NameAccess::Global(index) => self.b().load_global(index),
            NameAccess::Name(index) => self.b().load_name(index),
        }
        Ok(())
    }

    fn store_name(&mut self, name: &str) -> CompileResult {
        match self.name_access(name)? {
            NameAccess::Fast(slot) => self.b().store_fast(slot),
            NameAccess::Deref { cell, .. } => self.b().store_deref(cell),
            NameAccess::Global(index) => self.b().store_global(index),
            NameAccess::Name(index) => self.b().store_name(index),
        }
        Ok(())
    }

    fn delete_name(&mut self, name: &str) -> CompileResult {
        match self.name_access(name)? {
            NameAccess::Fast(slot) => self.b().delete_fast(slot),
            NameAccess::Deref { cell, .. } => self.b().delete_deref(cell),
            NameAccess::Global(index) => self.b().delete_global(index),
            NameAccess::Name(index) => self.b().delete_name(index),
        }
        Ok(())
    }

    /// Pushes the closure tuple `child` needs (if any), then `MakeFunction`. `flags` already
    /// says whether defaults and keyword defaults were pushed.
    fn make_function(&mut self, mut child: Code, mut flags: u32) -> CompileResult {
        if !child.freevars.is_empty() {
            for name in &child.freevars {
                let cell = self.cell_index(name.as_str())?;
                self.b().load_closure(cell);
            }
            self.b().build_tuple(child.freevars.len() as u32);
            flags |= function_flags::CLOSURE;
        }
        child.function_flags = flags;
        let unit = self.unit();
        unit.children.push(Arc::new(child));
        let index = unit.children.len() as u32 - 1;
        self.b().make_function(index);
        Ok(())
    }

    // ---- leaving blocks early -------------------------------------------------------------

    fn push_fblock(&mut self, block: FBlock<'a>) {
        self.unit().fblocks.push(block);
    }

    fn pop_fblock(&mut self) {
        self.unit().fblocks.pop();
    }

    /// Emits what leaving `block` early takes. `preserve_tos`: a return value sits on top of
    /// the block's own stack items.
    fn unwind_fblock(&mut self, block: &FBlock<'a>, preserve_tos: bool) -> CompileResult {
        match block {
            FBlock::Loop { is_for, .. } => {
                // On return the VM discards the whole operand stack, iterator included.
                if *is_for && !preserve_tos {
                    self.b().pop_top();
                }
            }
            FBlock::TryExcept => self.b().pop_block(),
            FBlock::FinallyTry { finally_body } => {
                self.b().pop_block();
                let range = self.range();
                self.compile_body(finally_body)?;
                self.set_range(range);
            }
            FBlock::FinallyEnd => {
                self.b().pop_except();
                if !preserve_tos {
                    self.b().pop_top();
                }
            }
            FBlock::Handler { name } => {
                self.b().pop_except();
                if let Some(name) = name {
                    self.clear_handler_name(name)?;
                }
            }
            FBlock::With => {
                self.b().pop_block();
                if preserve_tos {
                    self.b().rot_two();
                }
                self.b().call_with_exit_none();
            }
        }
        Ok(())
    }

    /// Unwinds blocks from the innermost outwards, stopping at the innermost loop when
    /// `to_loop` (for `break`/`continue`), and returns that loop. Each block is taken off the
    /// stack while its cleanup is compiled, so a `return` inside an inlined finally body does
    /// not run that finally again.
    fn unwind_fblocks(
        &mut self,
        preserve_tos: bool,
        to_loop: bool,
    ) -> CompileResult<Option<FBlock<'a>>> {
        let Some(top) = self.unit().fblocks.last().cloned() else {
            return Ok(None);
        };
        if to_loop && matches!(top, FBlock::Loop { .. }) {
            return Ok(Some(top));
        }
        self.pop_fblock();
        let result = self
            .unwind_fblock(&top, preserve_tos)
            .and_then(|()| self.unwind_fblocks(preserve_tos, to_loop));
        self.push_fblock(top);
        result
    }

    /// `except E as name:` deletes `name` when the handler ends, as CPython does.
    fn clear_handler_name(&mut self, name: &str) -> CompileResult {
        self.load_const(Value::None);
        self.store_name(name)?;
        self.delete_name(name)
    }
}

pub(crate) use crate::stack::with_stack;
