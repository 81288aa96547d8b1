//! Statements: control flow, definitions, assignment targets, exceptions and imports.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::{CompileError, CompileResult, Compiler, FBlock};
use crate::bytecode::{function_flags, BinaryOperator, Code, CodeKind, Parameters};
use crate::objects::Value;

impl<'a> Compiler<'a> {
    pub(super) fn compile_body(&mut self, body: &'a [Stmt]) -> CompileResult {
        body.iter().try_for_each(|stmt| self.compile_stmt(stmt))
    }

    fn compile_stmt(&mut self, stmt: &'a Stmt) -> CompileResult {
        super::with_stack(|| self.compile_stmt_here(stmt))
    }

    fn compile_stmt_here(&mut self, stmt: &'a Stmt) -> CompileResult {
        self.set_range(stmt.range());
        match stmt {
            Stmt::FunctionDef(def) => self.compile_function_def(def),
            Stmt::ClassDef(class) => self.compile_class_def(class),
            Stmt::Return(ret) => {
                if !matches!(self.unit_ref().kind, CodeKind::Function) {
                    return Err(CompileError::syntax("'return' outside function", ret.range));
                }
                match &ret.value {
                    Some(value) => self.compile_expr(value)?,
                    None => self.load_const(Value::None),
                }
                self.unwind_fblocks(true, false)?;
                self.set_range(ret.range);
                self.b().return_value();
                Ok(())
            }
            Stmt::Delete(delete) => delete
                .targets
                .iter()
                .try_for_each(|target| self.compile_delete(target)),
            Stmt::Assign(assign) => {
                self.compile_expr(&assign.value)?;
                let last = assign.targets.len() - 1;
                for (index, target) in assign.targets.iter().enumerate() {
                    if index < last {
                        self.b().dup_top();
                    }
                    self.compile_store(target)?;
                }
                Ok(())
            }
            Stmt::AugAssign(aug) => self.compile_aug_assign(aug),
            Stmt::AnnAssign(ann) => match &ann.value {
                // Annotations are not evaluated: nothing reads `__annotations__` yet.
                Some(value) => {
                    self.compile_expr(value)?;
                    self.compile_store(&ann.target)
                }
                None => Ok(()),
            },
            Stmt::For(for_) => self.compile_for(for_),
            Stmt::While(while_) => self.compile_while(while_),
            Stmt::If(if_) => self.compile_if(if_),
            Stmt::With(with) => {
                if with.is_async {
                    return Err(CompileError::unsupported("async functions", with.range));
                }
                self.compile_with(with, 0)
            }
            Stmt::Match(match_) => Err(CompileError::unsupported("match statements", match_.range)),
            Stmt::Raise(raise) => {
                let count = match (&raise.exc, &raise.cause) {
                    (None, _) => 0,
                    (Some(exc), None) => {
                        self.compile_expr(exc)?;
                        1
                    }
                    (Some(exc), Some(cause)) => {
                        self.compile_expr(exc)?;
                        self.compile_expr(cause)?;
                        2
                    }
                };
                self.b().raise(count);
                Ok(())
            }
            Stmt::Try(try_) => {
                if try_.is_star {
                    return Err(CompileError::unsupported(
                        "except* (exception groups)",
                        try_.range,
                    ));
                }
                if try_.finalbody.is_empty() {
                    self.compile_try_except(try_)
                } else {
                    self.compile_try_finally(try_)
                }
            }
            Stmt::Assert(assert) => {
                let ok = self.new_label();
                self.compile_jump_if(&assert.test, true, ok)?;
                self.set_range(assert.range);
                self.b().load_assertion_error();
                if let Some(msg) = &assert.msg {
                    self.compile_expr(msg)?;
                    self.b().call(1);
                }
                self.b().raise(1);
                self.bind(ok);
                Ok(())
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    let name = self.b().name(module);
                    match &alias.asname {
                        // `import a.b as c` binds the submodule itself.
                        Some(asname) => {
                            if module.contains('.') {
                                self.b().import_module(name);
                            } else {
                                self.b().import_name(name);
                            }
                            self.store_name(asname.as_str())?;
                        }
                        // `import a.b` binds the top-level package `a`.
                        None => {
                            self.b().import_name(name);
                            let top = module.split('.').next().unwrap_or(module);
                            self.store_name(top)?;
                        }
                    }
                }
                Ok(())
            }
            Stmt::ImportFrom(import) => self.compile_import_from(import),
            // Both were fully handled by the symbol table.
            Stmt::Global(_) | Stmt::Nonlocal(_) => Ok(()),
            Stmt::Expr(expr) => {
                // A docstring, or `...` as a placeholder body: nothing to run.
                if is_constant_statement(&expr.value) {
                    return Ok(());
                }
                self.compile_expr(&expr.value)?;
                self.b().pop_top();
                Ok(())
            }
            Stmt::Pass(_) => Ok(()),
            Stmt::Break(brk) => match self.unwind_fblocks(false, true)? {
                Some(FBlock::Loop {
                    is_for, break_to, ..
                }) => {
                    self.set_range(brk.range);
                    if is_for {
                        self.b().pop_top();
                    }
                    self.b().jump(break_to);
                    Ok(())
                }
                _ => Err(CompileError::syntax("'break' outside loop", brk.range)),
            },
            Stmt::Continue(cont) => match self.unwind_fblocks(false, true)? {
                Some(FBlock::Loop { continue_to, .. }) => {
                    self.set_range(cont.range);
                    self.b().jump(continue_to);
                    Ok(())
                }
                _ => Err(CompileError::syntax(
                    "'continue' not properly in loop",
                    cont.range,
                )),
            },
            Stmt::TypeAlias(alias) => Err(CompileError::unsupported("type aliases", alias.range)),
            Stmt::IpyEscapeCommand(command) => {
                Err(CompileError::syntax("invalid syntax", command.range))
            }
        }
    }

    // ---- definitions ----------------------------------------------------------------------

    fn compile_function_def(&mut self, def: &'a ast::StmtFunctionDef) -> CompileResult {
        if def.is_async {
            return Err(CompileError::unsupported("async functions", def.range));
        }
        if let Some(type_params) = &def.type_params {
            return Err(CompileError::unsupported(
                "type parameters",
                type_params.range,
            ));
        }
        for decorator in &def.decorator_list {
            self.compile_expr(&decorator.expression)?;
        }
        let flags = self.compile_defaults(&def.parameters)?;
        let scope = self.symbols.scope_of(def);
        let child = self.compile_function_code(
            scope,
            CodeKind::Function,
            def.name.as_str(),
            &def.parameters,
            def.range,
            |compiler| {
                compiler.compile_body(&def.body)?;
                if let Some(last) = def.body.last() {
                    compiler.set_range(last.range());
                }
                compiler.return_none();
                Ok(())
            },
        )?;
        self.set_range(def.range);
        self.make_function(child, flags)?;
        for _ in &def.decorator_list {
            self.b().call(1);
        }
        self.store_name(def.name.as_str())
    }

    /// Pushes the defaults tuple and the keyword-only defaults dict; returns their flags.
    pub(super) fn compile_defaults(
        &mut self,
        parameters: &'a ast::Parameters,
    ) -> CompileResult<u32> {
        let mut flags = 0;
        let mut count = 0;
        for parameter in parameters.posonlyargs.iter().chain(&parameters.args) {
            if let Some(default) = &parameter.default {
                self.compile_expr(default)?;
                count += 1;
            }
        }
        if count > 0 {
            self.b().build_tuple(count);
            flags |= function_flags::DEFAULTS;
        }
        let mut count = 0;
        for parameter in &parameters.kwonlyargs {
            if let Some(default) = &parameter.default {
                let name = self.mangle(parameter.name().as_str()).into_owned();
                self.load_const(Value::str(name));
                self.compile_expr(default)?;
                count += 1;
            }
        }
        if count > 0 {
            self.b().build_map(count);
            flags |= function_flags::KW_DEFAULTS;
        }
        Ok(flags)
    }

    /// Compiles a function or lambda body into its own code object.
    pub(super) fn compile_function_code(
        &mut self,
        scope: usize,
        kind: CodeKind,
        name: &str,
        parameters: &ast::Parameters,
        range: ruff_text_size::TextRange,
        body: impl FnOnce(&mut Self) -> CompileResult,
    ) -> CompileResult<Code> {
        let qualname = self.qualname_for(name);
        let private = self.unit_ref().private.clone();
        let first_line = self.line_of(range);
        self.push_unit(scope, kind, name.to_owned(), qualname, first_line, private);
        self.set_range(range);
        self.unit().parameters = Parameters {
            positional: (parameters.posonlyargs.len() + parameters.args.len()) as u32,
            positional_only: parameters.posonlyargs.len() as u32,
            keyword_only: parameters.kwonlyargs.len() as u32,
            varargs: parameters.vararg.is_some(),
            varkw: parameters.kwarg.is_some(),
        };
        if let Err(error) = body(self) {
            self.units.pop();
            return Err(error);
        }
        Ok(self.pop_unit(0))
    }

    fn compile_class_def(&mut self, class: &'a ast::StmtClassDef) -> CompileResult {
        if let Some(type_params) = &class.type_params {
            return Err(CompileError::unsupported(
                "type parameters",
                type_params.range,
            ));
        }
        let (bases, keywords): (&[Expr], &[ast::Keyword]) = match &class.arguments {
            Some(arguments) => (&arguments.args, &arguments.keywords),
            None => (&[], &[]),
        };
        if let Some(keyword) = keywords.first() {
            return Err(CompileError::unsupported(
                "class keyword arguments (metaclass=...)",
                keyword.range,
            ));
        }
        if let Some(starred) = bases.iter().find(|base| base.is_starred_expr()) {
            return Err(CompileError::unsupported(
                "starred class bases",
                starred.range(),
            ));
        }
        for decorator in &class.decorator_list {
            self.compile_expr(&decorator.expression)?;
        }

        let name = class.name.as_str();
        let scope = self.symbols.scope_of(class);
        let qualname = self.qualname_for(name);
        let first_line = self.line_of(class.range);
        self.push_unit(
            scope,
            CodeKind::Class,
            name.to_owned(),
            qualname.clone(),
            first_line,
            Some(name.to_owned()),
        );
        self.set_range(class.range);
        let body = self.compile_class_body(class, &qualname);
        if let Err(error) = body {
            self.units.pop();
            return Err(error);
        }
        let code = self.pop_unit(0);

        self.set_range(class.range);
        self.make_function(code, 0)?;
        self.load_const(Value::str(name));
        for base in bases {
            self.compile_expr(base)?;
        }
        self.b().build_class(bases.len() as u32);
        for _ in &class.decorator_list {
            self.b().call(1);
        }
        self.store_name(name)
    }

    fn compile_class_body(
        &mut self,
        class: &'a ast::StmtClassDef,
        qualname: &str,
    ) -> CompileResult {
        self.load_name("__name__")?;
        self.store_name("__module__")?;
        self.load_const(Value::str(qualname));
        self.store_name("__qualname__")?;
        self.compile_body(&class.body)?;
        if let Some(last) = class.body.last() {
            self.set_range(last.range());
        }
        // Returning the `__class__` cell lets the VM fill it with the new class, which is how
        // `super()` in the methods finds it.
        if self.symbols.scopes[self.unit_ref().scope].needs_class_closure {
            self.b().load_closure(0);
            self.b().return_value();
        } else {
            self.return_none();
        }
        Ok(())
    }

    // ---- assignment -----------------------------------------------------------------------

    /// Stores the value on top of the stack into `target`.
    pub(super) fn compile_store(&mut self, target: &'a Expr) -> CompileResult {
        let saved = self.range();
        self.set_range(target.range());
        match target {
            Expr::Name(name) => self.store_name(name.id.as_str())?,
            Expr::Attribute(attribute) => {
                self.compile_expr(&attribute.value)?;
                let name = self.mangle(attribute.attr.as_str()).into_owned();
                let index = self.b().name(&name);
                self.b().store_attr(index);
            }
            Expr::Subscript(subscript) => {
                self.compile_expr(&subscript.value)?;
                self.compile_expr(&subscript.slice)?;
                self.b().store_subscr();
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                self.compile_unpack(elts, target)?;
            }
            Expr::Starred(starred) => {
                return Err(CompileError::syntax(
                    "starred assignment target must be in a list or tuple",
                    starred.range,
                ))
            }
            other => {
                return Err(CompileError::syntax(
                    "cannot assign to expression",
                    other.range(),
                ))
            }
        }
        self.set_range(saved);
        Ok(())
    }

    fn compile_unpack(&mut self, elements: &'a [Expr], target: &Expr) -> CompileResult {
        let mut starred = elements
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_starred_expr());
        match (starred.next(), starred.next()) {
            (Some(_), Some(_)) => {
                return Err(CompileError::syntax(
                    "multiple starred expressions in assignment",
                    target.range(),
                ))
            }
            (Some((index, _)), None) => {
                let before = index;
                let after = elements.len() - index - 1;
                if before >= 1 << 8 || after >= 1 << 24 {
                    return Err(CompileError::syntax(
                        "too many expressions in star-unpacking assignment",
                        target.range(),
                    ));
                }
                self.b().unpack_ex((before | after << 8) as u32);
            }
            (None, _) => self.b().unpack_sequence(elements.len() as u32),
        }
        for element in elements {
            match element {
                Expr::Starred(starred) => self.compile_store(&starred.value)?,
                other => self.compile_store(other)?,
            }
        }
        Ok(())
    }

    /// `x += v` is a load, an in-place operation and a store: three steps another thread can
    /// interleave with, exactly as in CPython.
    fn compile_aug_assign(&mut self, aug: &'a ast::StmtAugAssign) -> CompileResult {
        let operator = binary_operator(aug.op).inplace() as u32;
        match &*aug.target {
            Expr::Name(name) => {
                self.load_name(name.id.as_str())?;
                self.compile_expr(&aug.value)?;
                self.b().binary_op(operator);
                self.store_name(name.id.as_str())
            }
            Expr::Attribute(attribute) => {
                let name = self.mangle(attribute.attr.as_str()).into_owned();
                let index = self.b().name(&name);
                self.compile_expr(&attribute.value)?;
                self.b().dup_top();
                self.b().load_attr(index);
                self.compile_expr(&aug.value)?;
                self.b().binary_op(operator);
                self.b().rot_two();
                self.b().store_attr(index);
                Ok(())
            }
            Expr::Subscript(subscript) => {
                self.compile_expr(&subscript.value)?;
                self.compile_expr(&subscript.slice)?;
                self.b().dup_top_two();
                self.b().binary_subscr();
                self.compile_expr(&aug.value)?;
                self.b().binary_op(operator);
                self.b().rot_three();
                self.b().store_subscr();
                Ok(())
            }
            other => Err(CompileError::syntax(
                "'expression' is an illegal expression for augmented assignment",
                other.range(),
            )),
        }
    }

    fn compile_delete(&mut self, target: &'a Expr) -> CompileResult {
        self.set_range(target.range());
        match target {
            Expr::Name(name) => self.delete_name(name.id.as_str()),
            Expr::Attribute(attribute) => {
                self.compile_expr(&attribute.value)?;
                let name = self.mangle(attribute.attr.as_str()).into_owned();
                let index = self.b().name(&name);
                self.b().delete_attr(index);
                Ok(())
            }
            Expr::Subscript(subscript) => {
                self.compile_expr(&subscript.value)?;
                self.compile_expr(&subscript.slice)?;
                self.b().delete_subscr();
                Ok(())
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                elts.iter()
                    .try_for_each(|element| self.compile_delete(element))
            }
            other => Err(CompileError::syntax(
                "cannot delete expression",
                other.range(),
            )),
        }
    }

    // ---- control flow ---------------------------------------------------------------------

    fn compile_if(&mut self, if_: &'a ast::StmtIf) -> CompileResult {
        let end = self.new_label();
        let mut next = self.new_label();
        self.compile_jump_if(&if_.test, false, next)?;
        self.compile_body(&if_.body)?;
        for clause in &if_.elif_else_clauses {
            self.set_range(clause.range);
            self.b().jump(end);
            self.bind(next);
            next = self.new_label();
            if let Some(test) = &clause.test {
                self.compile_jump_if(test, false, next)?;
            }
            self.compile_body(&clause.body)?;
        }
        self.bind(next);
        self.bind(end);
        Ok(())
    }

    fn compile_while(&mut self, while_: &'a ast::StmtWhile) -> CompileResult {
        let top = self.new_label();
        let exit = self.new_label();
        let after = self.new_label();
        self.bind(top);
        if !is_constant_true(&while_.test) {
            self.compile_jump_if(&while_.test, false, exit)?;
        }
        self.push_fblock(FBlock::Loop {
            is_for: false,
            continue_to: top,
            break_to: after,
        });
        self.compile_body(&while_.body)?;
        self.pop_fblock();
        self.set_range(while_.range);
        self.b().jump(top);
        self.bind(exit);
        self.compile_body(&while_.orelse)?;
        self.bind(after);
        Ok(())
    }

    fn compile_for(&mut self, for_: &'a ast::StmtFor) -> CompileResult {
        if for_.is_async {
            return Err(CompileError::unsupported("async functions", for_.range));
        }
        let top = self.new_label();
        let exit = self.new_label();
        let after = self.new_label();
        self.compile_expr(&for_.iter)?;
        self.b().get_iter();
        self.bind(top);
        self.b().for_iter(exit);
        self.compile_store(&for_.target)?;
        self.push_fblock(FBlock::Loop {
            is_for: true,
            continue_to: top,
            break_to: after,
        });
        self.compile_body(&for_.body)?;
        self.pop_fblock();
        self.set_range(for_.range);
        self.b().jump(top);
        self.bind(exit);
        self.compile_body(&for_.orelse)?;
        self.bind(after);
        Ok(())
    }

    /// Jumps to `target` when `test` is `jump_if`, short-circuiting through `not`, `and`
    /// and `or` without materialising their values.
    pub(super) fn compile_jump_if(
        &mut self,
        test: &'a Expr,
        jump_if: bool,
        target: super::Label,
    ) -> CompileResult {
        match test {
            Expr::UnaryOp(ast::ExprUnaryOp {
                op: ast::UnaryOp::Not,
                operand,
                ..
            }) => self.compile_jump_if(operand, !jump_if, target),
            Expr::BoolOp(bool_op) => {
                let is_or = bool_op.op == ast::BoolOp::Or;
                let (last, rest) = bool_op.values.split_last().expect("a bool op has operands");
                if is_or == jump_if {
                    for value in rest {
                        self.compile_jump_if(value, jump_if, target)?;
                    }
                    self.compile_jump_if(last, jump_if, target)
                } else {
                    let skip = self.new_label();
                    for value in rest {
                        self.compile_jump_if(value, !jump_if, skip)?;
                    }
                    self.compile_jump_if(last, jump_if, target)?;
                    self.bind(skip);
                    Ok(())
                }
            }
            _ => {
                self.compile_expr(test)?;
                let saved = self.range();
                self.set_range(test.range());
                if jump_if {
                    self.b().pop_jump_if_true(target);
                } else {
                    self.b().pop_jump_if_false(target);
                }
                self.set_range(saved);
                Ok(())
            }
        }
    }

    // ---- with and try ---------------------------------------------------------------------

    /// `with a, b:` is `with a: with b:`.
    fn compile_with(&mut self, with: &'a ast::StmtWith, index: usize) -> CompileResult {
        let item = &with.items[index];
        let exc = self.new_label();
        let end = self.new_label();
        self.compile_expr(&item.context_expr)?;
        self.set_range(item.range);
        self.b().before_with();
        // The target is bound before the handler is installed: the handler cuts the stack
        // back to its depth at `SetupExcept`, which must leave only the exit function.
        match &item.optional_vars {
            Some(target) => self.compile_store(target)?,
            None => self.b().pop_top(),
        }
        self.b().setup_except(exc);
        self.push_fblock(FBlock::With);
        if index + 1 < with.items.len() {
            self.compile_with(with, index + 1)?;
        } else {
            self.compile_body(&with.body)?;
        }
        self.pop_fblock();
        self.set_range(item.range);
        self.b().pop_block();
        self.b().call_with_exit_none();
        self.b().jump(end);

        // [exit, exc]
        self.bind(exc);
        let suppress = self.new_label();
        self.b().push_exc_info();
        self.b().with_except_start();
        self.b().pop_jump_if_true(suppress);
        self.b().reraise();
        self.bind(suppress);
        self.b().pop_top();
        self.b().pop_top();
        self.b().pop_except();
        self.bind(end);
        Ok(())
    }

    fn compile_try_except(&mut self, try_: &'a ast::StmtTry) -> CompileResult {
        let handler = self.new_label();
        let end = self.new_label();
        self.b().setup_except(handler);
        self.push_fblock(FBlock::TryExcept);
        self.compile_body(&try_.body)?;
        self.pop_fblock();
        self.set_range(try_.range);
        self.b().pop_block();
        self.compile_body(&try_.orelse)?;
        self.b().jump(end);

        // [exc]
        self.bind(handler);
        self.b().push_exc_info();
        let last = try_.handlers.len().saturating_sub(1);
        for (index, clause) in try_.handlers.iter().enumerate() {
            let ast::ExceptHandler::ExceptHandler(clause) = clause;
            self.set_range(clause.range);
            let next = self.new_label();
            match &clause.type_ {
                Some(type_) => {
                    self.compile_expr(type_)?;
                    self.set_range(clause.range);
                    self.b().check_exc_match();
                    self.b().pop_jump_if_false(next);
                }
                None if index != last => {
                    return Err(CompileError::syntax(
                        "default 'except:' must be last",
                        clause.range,
                    ))
                }
                None => {}
            }
            let name = clause.name.as_ref().map(|name| name.as_str());
            match name {
                Some(name) => self.store_name(name)?,
                None => self.b().pop_top(),
            }
            self.push_fblock(FBlock::Handler { name });
            self.compile_body(&clause.body)?;
            self.pop_fblock();
            self.set_range(clause.range);
            self.b().pop_except();
            if let Some(name) = name {
                self.clear_handler_name(name)?;
            }
            self.b().jump(end);
            self.bind(next);
        }
        // No clause matched: the exception propagates.
        self.b().reraise();
        self.bind(end);
        Ok(())
    }

    fn compile_try_finally(&mut self, try_: &'a ast::StmtTry) -> CompileResult {
        let finally = self.new_label();
        let end = self.new_label();
        self.b().setup_except(finally);
        self.push_fblock(FBlock::FinallyTry {
            finally_body: &try_.finalbody,
        });
        if try_.handlers.is_empty() {
            self.compile_body(&try_.body)?;
        } else {
            self.compile_try_except(try_)?;
        }
        self.pop_fblock();
        self.set_range(try_.range);
        self.b().pop_block();
        self.compile_body(&try_.finalbody)?;
        self.b().jump(end);

        // [exc]: the finally body runs with the exception handled, then re-raises it.
        self.bind(finally);
        self.set_range(try_.range);
        self.b().push_exc_info();
        self.push_fblock(FBlock::FinallyEnd);
        self.compile_body(&try_.finalbody)?;
        self.pop_fblock();
        self.b().pop_except();
        self.b().reraise();
        self.bind(end);
        Ok(())
    }

    fn compile_import_from(&mut self, import: &'a ast::StmtImportFrom) -> CompileResult {
        if import.level > 0 {
            return Err(CompileError::unsupported("relative imports", import.range));
        }
        let module = import
            .module
            .as_ref()
            .map(|m| m.as_str())
            .unwrap_or_default();
        if module == "__future__" {
            // Every `__future__` feature we could meet is already how this Python behaves.
            return Ok(());
        }
        if import.names.iter().any(|alias| alias.name.as_str() == "*") {
            return Err(CompileError::unsupported("from ... import *", import.range));
        }
        let module = self.b().name(module);
        self.b().import_module(module);
        for alias in &import.names {
            let name = self.b().name(alias.name.as_str());
            self.b().import_from(name);
            let bound = alias.asname.as_ref().unwrap_or(&alias.name);
            self.store_name(bound.as_str())?;
        }
        self.b().pop_top();
        Ok(())
    }
}

pub(super) fn binary_operator(op: ast::Operator) -> BinaryOperator {
    match op {
        ast::Operator::Add => BinaryOperator::Add,
        ast::Operator::Sub => BinaryOperator::Subtract,
        ast::Operator::Mult => BinaryOperator::Multiply,
        ast::Operator::MatMult => BinaryOperator::MatrixMultiply,
        ast::Operator::Div => BinaryOperator::TrueDivide,
        ast::Operator::Mod => BinaryOperator::Modulo,
        ast::Operator::Pow => BinaryOperator::Power,
        ast::Operator::LShift => BinaryOperator::LeftShift,
        ast::Operator::RShift => BinaryOperator::RightShift,
        ast::Operator::BitOr => BinaryOperator::Or,
        ast::Operator::BitXor => BinaryOperator::Xor,
        ast::Operator::BitAnd => BinaryOperator::And,
        ast::Operator::FloorDiv => BinaryOperator::FloorDivide,
    }
}

fn is_constant_statement(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
    )
}

/// `while True:` and `while 1:` need no test.
fn is_constant_true(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(int),
            ..
        }) => *int != 0u8,
        _ => false,
    }
}
