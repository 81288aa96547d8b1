//! Symbol tables: which scope each name lives in, decided before any code is emitted.
//!
//! This is CPython's `symtable.c` in miniature. A first pass walks the module and records, per
//! scope, every name with how it is used (bound, a parameter, declared `global`/`nonlocal`,
//! read). A second pass ([`SymbolTable::analyze`]) resolves each name to a [`NameScope`],
//! passing the names bound by enclosing functions down and the free names of inner scopes up,
//! so that a variable captured by an inner function becomes a cell in the function that binds
//! it and a free variable in every scope between.
//!
//! Scopes are keyed by the address of their AST node: the code generator walks the same tree
//! and finds the scope of each `def`, `lambda`, `class` and comprehension by the node itself.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::TextRange;

use super::CompileError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

impl ScopeKind {
    /// Function-like scopes have fast locals and can own cells.
    pub(super) fn is_function(self) -> bool {
        matches!(
            self,
            ScopeKind::Function | ScopeKind::Lambda | ScopeKind::Comprehension
        )
    }
}

/// Where a name lives, as seen from one scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NameScope {
    Local,
    /// A local captured by an inner scope: it lives in a cell.
    Cell,
    /// A variable of an enclosing function, reached through the closure.
    Free,
    GlobalExplicit,
    GlobalImplicit,
}

const DEF_LOCAL: u8 = 1;
const DEF_PARAM: u8 = 2;
const DEF_GLOBAL: u8 = 4;
const DEF_NONLOCAL: u8 = 8;
const USE: u8 = 16;
/// A class binds the name for itself, and an inner function needs the enclosing function's
/// variable of the same name: the class passes that cell through without using it.
const DEF_FREE_CLASS: u8 = 32;

const DEF_BOUND: u8 = DEF_LOCAL | DEF_PARAM;

#[derive(Clone, Debug)]
pub(super) struct Symbol {
    flags: u8,
    pub(super) scope: NameScope,
}

pub(super) type ScopeId = usize;

pub(super) struct Scope {
    pub(super) kind: ScopeKind,
    symbols: IndexMap<String, Symbol>,
    children: Vec<ScopeId>,
    /// The class body must create the `__class__` cell that `super()` reads.
    pub(super) needs_class_closure: bool,
    /// The parameters, in `varnames` order.
    pub(super) params: Vec<String>,
    /// Where each `global`/`nonlocal` was declared, for error messages.
    declarations: HashMap<String, TextRange>,
}

impl Scope {
    fn new(kind: ScopeKind) -> Scope {
        Scope {
            kind,
            symbols: IndexMap::new(),
            children: Vec::new(),
            needs_class_closure: false,
            params: Vec::new(),
            declarations: HashMap::new(),
        }
    }

    /// How this scope reaches `name` (already mangled).
    pub(super) fn lookup(&self, name: &str) -> Option<NameScope> {
        self.symbols.get(name).map(|symbol| symbol.scope)
    }

    /// Cell variables in cell-index order; a class's `__class__` cell comes first.
    pub(super) fn cellvars(&self) -> Vec<String> {
        let mut cells = Vec::new();
        if self.needs_class_closure {
            cells.push("__class__".to_owned());
        }
        cells.extend(
            self.symbols
                .iter()
                .filter(|(_, symbol)| symbol.scope == NameScope::Cell)
                .map(|(name, _)| name.clone()),
        );
        cells
    }

    /// Free variables, in the order the closure tuple carries them.
    pub(super) fn freevars(&self) -> Vec<String> {
        self.symbols
            .iter()
            .filter(|(_, symbol)| {
                symbol.scope == NameScope::Free || symbol.flags & DEF_FREE_CLASS != 0
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Fast locals after the parameters, in first-seen order.
    pub(super) fn plain_locals(&self) -> impl Iterator<Item = &str> {
        self.symbols
            .iter()
            .filter(|(_, symbol)| symbol.scope == NameScope::Local)
            .map(|(name, _)| name.as_str())
    }
}

pub(super) struct SymbolTable {
    pub(super) scopes: Vec<Scope>,
    by_node: HashMap<usize, ScopeId>,
}

impl SymbolTable {
    pub(super) fn build(module: &ast::ModModule) -> Result<SymbolTable, CompileError> {
        let mut builder = Builder {
            table: SymbolTable {
                scopes: vec![Scope::new(ScopeKind::Module)],
                by_node: HashMap::new(),
            },
            stack: vec![0],
            private: vec![None],
        };
        builder.visit_body(&module.body)?;
        let mut table = builder.table;
        table.analyze(0, &HashSet::new(), &HashSet::new())?;
        Ok(table)
    }

    /// The scope created by the AST node at `node` (a `def`, `class`, `lambda` or comprehension).
    pub(super) fn scope_of<T>(&self, node: &T) -> ScopeId {
        self.by_node[&(node as *const T as usize)]
    }

    /// CPython's `analyze_block`: resolves every name of `id` and its children, and returns the
    /// names this scope needs from enclosing ones.
    fn analyze(
        &mut self,
        id: ScopeId,
        bound: &HashSet<String>,
        global: &HashSet<String>,
    ) -> Result<HashSet<String>, CompileError> {
        let kind = self.scopes[id].kind;
        let mut bound = bound.clone();
        let mut global = global.clone();
        let mut local = HashSet::new();
        let mut free = HashSet::new();

        let scope = &mut self.scopes[id];
        for (name, symbol) in scope.symbols.iter_mut() {
            symbol.scope = if symbol.flags & DEF_GLOBAL != 0 {
                global.insert(name.clone());
                bound.remove(name);
                NameScope::GlobalExplicit
            } else if symbol.flags & DEF_NONLOCAL != 0 {
                if !bound.contains(name) {
                    let range = scope.declarations.get(name).copied().unwrap_or_default();
                    return Err(CompileError::syntax(
                        format!("no binding for nonlocal '{name}' found"),
                        range,
                    ));
                }
                free.insert(name.clone());
                NameScope::Free
            } else if symbol.flags & DEF_BOUND != 0 {
                local.insert(name.clone());
                global.remove(name);
                NameScope::Local
            } else if bound.contains(name) {
                free.insert(name.clone());
                NameScope::Free
            } else {
                NameScope::GlobalImplicit
            };
        }

        // What the children see: a class's own names are invisible to its methods, but the
        // methods may reach `__class__`; a module's names are globals, not closure variables.
        let mut child_bound = bound.clone();
        match kind {
            ScopeKind::Class => {
                child_bound.insert("__class__".to_owned());
            }
            ScopeKind::Module => {}
            _ => child_bound.extend(local.iter().cloned()),
        }

        let mut child_free = HashSet::new();
        for child in self.scopes[id].children.clone() {
            child_free.extend(self.analyze(child, &child_bound, &global)?);
        }

        let scope = &mut self.scopes[id];
        if kind.is_function() {
            child_free.retain(|name| match scope.symbols.get_mut(name) {
                Some(symbol) if symbol.scope == NameScope::Local => {
                    symbol.scope = NameScope::Cell;
                    false
                }
                _ => true,
            });
        }
        if kind == ScopeKind::Class && child_free.remove("__class__") {
            scope.needs_class_closure = true;
        }
        for name in &child_free {
            match scope.symbols.get_mut(name) {
                Some(symbol) if kind == ScopeKind::Class && symbol.flags & DEF_BOUND != 0 => {
                    symbol.flags |= DEF_FREE_CLASS;
                }
                Some(_) => {}
                None if bound.contains(name) => {
                    scope.symbols.insert(
                        name.clone(),
                        Symbol {
                            flags: 0,
                            scope: NameScope::Free,
                        },
                    );
                }
                None => {}
            }
        }
        free.extend(child_free);
        Ok(free)
    }
}

/// CPython's private-name mangling: inside `class C`, `__x` means `_C__x`.
pub(super) fn mangle<'n>(private: Option<&str>, name: &'n str) -> Cow<'n, str> {
    let Some(class) = private else {
        return Cow::Borrowed(name);
    };
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') {
        return Cow::Borrowed(name);
    }
    let class = class.trim_start_matches('_');
    if class.is_empty() {
        return Cow::Borrowed(name);
    }
    Cow::Owned(format!("_{class}{name}"))
}

struct Builder {
    table: SymbolTable,
    stack: Vec<ScopeId>,
    /// The enclosing class's name, for mangling, per scope on the stack.
    private: Vec<Option<String>>,
}

impl Builder {
    fn current(&mut self) -> &mut Scope {
        let id = *self.stack.last().expect("scope stack is never empty");
        &mut self.table.scopes[id]
    }

    fn mangled<'n>(&self, name: &'n str) -> Cow<'n, str> {
        mangle(self.private.last().and_then(|p| p.as_deref()), name)
    }

    fn add(&mut self, name: &str, flags: u8) {
        let name = self.mangled(name).into_owned();
        let scope = self.current();
        scope
            .symbols
            .entry(name)
            .and_modify(|symbol| symbol.flags |= flags)
            .or_insert(Symbol {
                flags,
                scope: NameScope::GlobalImplicit,
            });
    }

    fn enter<T>(&mut self, node: &T, kind: ScopeKind, private: Option<String>) {
        let id = self.table.scopes.len();
        self.table.scopes.push(Scope::new(kind));
        let parent = *self.stack.last().expect("scope stack is never empty");
        self.table.scopes[parent].children.push(id);
        self.table.by_node.insert(node as *const T as usize, id);
        self.stack.push(id);
        self.private.push(private);
    }

    fn leave(&mut self) {
        self.stack.pop();
        self.private.pop();
    }

    fn add_param(&mut self, name: &ast::Identifier) -> Result<(), CompileError> {
        let mangled = self.mangled(name.as_str()).into_owned();
        if self.current().params.contains(&mangled) {
            return Err(CompileError::syntax(
                format!(
                    "duplicate argument '{}' in function definition",
                    name.as_str()
                ),
                name.range,
            ));
        }
        self.current().params.push(mangled);
        self.add(name.as_str(), DEF_PARAM);
        Ok(())
    }

    /// Parameters in `varnames` order: positional, keyword-only, `*args`, `**kwargs`.
    fn add_params(&mut self, parameters: &ast::Parameters) -> Result<(), CompileError> {
        for parameter in parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .chain(&parameters.kwonlyargs)
        {
            self.add_param(&parameter.parameter.name)?;
        }
        if let Some(vararg) = &parameters.vararg {
            self.add_param(&vararg.name)?;
        }
        if let Some(kwarg) = &parameters.kwarg {
            self.add_param(&kwarg.name)?;
        }
        Ok(())
    }

    fn visit_defaults(&mut self, parameters: &ast::Parameters) -> Result<(), CompileError> {
        for parameter in parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default)?;
            }
        }
        Ok(())
    }

    fn visit_body(&mut self, body: &[Stmt]) -> Result<(), CompileError> {
        body.iter().try_for_each(|stmt| self.visit_stmt(stmt))
    }

    fn declare(
        &mut self,
        names: &[ast::Identifier],
        flag: u8,
        range: TextRange,
    ) -> Result<(), CompileError> {
        let kind = self.current().kind;
        for name in names {
            let mangled = self.mangled(name.as_str()).into_owned();
            let what = if flag == DEF_GLOBAL {
                "global"
            } else {
                "nonlocal"
            };
            if flag == DEF_NONLOCAL && kind == ScopeKind::Module {
                return Err(CompileError::syntax(
                    "nonlocal declaration not allowed at module level",
                    range,
                ));
            }
            if self.current().params.contains(&mangled) {
                return Err(CompileError::syntax(
                    format!("name '{}' is parameter and {what}", name.as_str()),
                    range,
                ));
            }
            if kind == ScopeKind::Module {
                // `global x` at module level changes nothing.
                continue;
            }
            let scope = self.current();
            let other = if flag == DEF_GLOBAL {
                DEF_NONLOCAL
            } else {
                DEF_GLOBAL
            };
            if scope
                .symbols
                .get(&mangled)
                .is_some_and(|symbol| symbol.flags & other != 0)
            {
                return Err(CompileError::syntax(
                    format!("name '{}' is nonlocal and global", name.as_str()),
                    range,
                ));
            }
            scope.declarations.insert(mangled, range);
            self.add(name.as_str(), flag);
        }
        Ok(())
    }

    fn visit_stmt(&mut self, stmt: &Stmt) -> Result<(), CompileError> {
        super::with_stack(|| self.visit_stmt_here(stmt))
    }

    fn visit_stmt_here(&mut self, stmt: &Stmt) -> Result<(), CompileError> {
        match stmt {
            Stmt::FunctionDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression)?;
                }
                self.visit_defaults(&def.parameters)?;
                self.add(def.name.as_str(), DEF_LOCAL);
                let private = self.private.last().cloned().flatten();
                self.enter(def, ScopeKind::Function, private);
                self.add_params(&def.parameters)?;
                self.visit_body(&def.body)?;
                self.leave();
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression)?;
                }
                if let Some(arguments) = &class.arguments {
                    arguments
                        .args
                        .iter()
                        .try_for_each(|arg| self.visit_expr(arg))?;
                    for keyword in &arguments.keywords {
                        self.visit_expr(&keyword.value)?;
                    }
                }
                self.add(class.name.as_str(), DEF_LOCAL);
                self.enter(class, ScopeKind::Class, Some(class.name.to_string()));
                self.visit_body(&class.body)?;
                self.leave();
            }
            Stmt::Return(ret) => {
                if let Some(value) = &ret.value {
                    self.visit_expr(value)?;
                }
            }
            Stmt::Delete(delete) => delete.targets.iter().try_for_each(|t| self.visit_expr(t))?,
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value)?;
                assign.targets.iter().try_for_each(|t| self.visit_expr(t))?;
            }
            Stmt::AugAssign(aug) => {
                self.visit_expr(&aug.value)?;
                if let Expr::Name(name) = &*aug.target {
                    self.add(name.id.as_str(), DEF_LOCAL | USE);
                } else {
                    self.visit_expr(&aug.target)?;
                }
            }
            Stmt::AnnAssign(ann) => {
                if let Some(value) = &ann.value {
                    self.visit_expr(value)?;
                }
                match &*ann.target {
                    Expr::Name(name) => self.add(name.id.as_str(), DEF_LOCAL),
                    target => self.visit_expr(target)?,
                }
            }
            Stmt::For(for_) => {
                self.visit_expr(&for_.iter)?;
                self.visit_expr(&for_.target)?;
                self.visit_body(&for_.body)?;
                self.visit_body(&for_.orelse)?;
            }
            Stmt::While(while_) => {
                self.visit_expr(&while_.test)?;
                self.visit_body(&while_.body)?;
                self.visit_body(&while_.orelse)?;
            }
            Stmt::If(if_) => {
                self.visit_expr(&if_.test)?;
                self.visit_body(&if_.body)?;
                for clause in &if_.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.visit_expr(test)?;
                    }
                    self.visit_body(&clause.body)?;
                }
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr)?;
                    if let Some(target) = &item.optional_vars {
                        self.visit_expr(target)?;
                    }
                }
                self.visit_body(&with.body)?;
            }
            Stmt::Raise(raise) => {
                if let Some(exc) = &raise.exc {
                    self.visit_expr(exc)?;
                }
                if let Some(cause) = &raise.cause {
                    self.visit_expr(cause)?;
                }
            }
            Stmt::Try(try_) => {
                self.visit_body(&try_.body)?;
                for handler in &try_.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(type_) = &handler.type_ {
                        self.visit_expr(type_)?;
                    }
                    if let Some(name) = &handler.name {
                        self.add(name.as_str(), DEF_LOCAL);
                    }
                    self.visit_body(&handler.body)?;
                }
                self.visit_body(&try_.orelse)?;
                self.visit_body(&try_.finalbody)?;
            }
            Stmt::Assert(assert) => {
                self.visit_expr(&assert.test)?;
                if let Some(msg) = &assert.msg {
                    self.visit_expr(msg)?;
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    match &alias.asname {
                        Some(asname) => self.add(asname.as_str(), DEF_LOCAL),
                        None => {
                            let top = alias.name.as_str().split('.').next().unwrap_or_default();
                            // Module names are not mangled; only the binding is.
                            self.add(top, DEF_LOCAL);
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    if alias.name.as_str() != "*" {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        self.add(bound.as_str(), DEF_LOCAL);
                    }
                }
            }
            Stmt::Global(global) => self.declare(&global.names, DEF_GLOBAL, global.range)?,
            Stmt::Nonlocal(nonlocal) => {
                self.declare(&nonlocal.names, DEF_NONLOCAL, nonlocal.range)?
            }
            Stmt::Expr(expr) => self.visit_expr(&expr.value)?,
            // The code generator rejects these; their names do not matter.
            Stmt::Match(_) | Stmt::TypeAlias(_) | Stmt::IpyEscapeCommand(_) => {}
            Stmt::Pass(_) | Stmt::Break(_) | Stmt::Continue(_) => {}
        }
        Ok(())
    }

    fn visit_name(&mut self, name: &ast::ExprName) {
        let flags = match name.ctx {
            ast::ExprContext::Load | ast::ExprContext::Invalid => USE,
            ast::ExprContext::Store | ast::ExprContext::Del => DEF_LOCAL,
        };
        self.add(name.id.as_str(), flags);
        // `super()` with no arguments reads the `__class__` cell of the method's class.
        if name.ctx.is_load() && name.id.as_str() == "super" && self.current().kind.is_function() {
            self.add("__class__", USE);
        }
    }

    /// A walrus inside a comprehension binds in the nearest enclosing function or module.
    fn visit_named_target(
        &mut self,
        target: &ast::ExprName,
        range: TextRange,
    ) -> Result<(), CompileError> {
        if self.current().kind != ScopeKind::Comprehension {
            self.visit_name(target);
            return Ok(());
        }
        let name = target.id.as_str();
        for index in (0..self.stack.len() - 1).rev() {
            let id = self.stack[index];
            match self.table.scopes[id].kind {
                ScopeKind::Comprehension => continue,
                ScopeKind::Function | ScopeKind::Lambda => {
                    let mangled = self.mangled(name).into_owned();
                    let declared_global = self.table.scopes[id]
                        .symbols
                        .get(&mangled)
                        .is_some_and(|symbol| symbol.flags & DEF_GLOBAL != 0);
                    self.current().declarations.insert(mangled, range);
                    self.add(
                        name,
                        if declared_global {
                            DEF_GLOBAL
                        } else {
                            DEF_NONLOCAL
                        },
                    );
                    self.add_to(id, name, DEF_LOCAL);
                }
                ScopeKind::Module => {
                    self.add(name, DEF_GLOBAL);
                    self.add_to(id, name, DEF_LOCAL);
                }
                ScopeKind::Class => return Err(CompileError::syntax(
                    "assignment expression within a comprehension cannot be used in a class body",
                    range,
                )),
            }
            return Ok(());
        }
        Ok(())
    }

    fn add_to(&mut self, id: ScopeId, name: &str, flags: u8) {
        let name = self.mangled(name).into_owned();
        self.table.scopes[id]
            .symbols
            .entry(name)
            .and_modify(|symbol| symbol.flags |= flags)
            .or_insert(Symbol {
                flags,
                scope: NameScope::GlobalImplicit,
            });
    }

    fn visit_comprehension<T>(
        &mut self,
        node: &T,
        generators: &[ast::Comprehension],
        elements: &[&Expr],
    ) -> Result<(), CompileError> {
        // The first iterable is evaluated in the enclosing scope and passed in as `.0`.
        let Some(first) = generators.first() else {
            return Ok(());
        };
        self.visit_expr(&first.iter)?;
        let private = self.private.last().cloned().flatten();
        self.enter(node, ScopeKind::Comprehension, private);
        self.current().params.push(".0".to_owned());
        self.add(".0", DEF_PARAM);
        for (index, generator) in generators.iter().enumerate() {
            if index > 0 {
                self.visit_expr(&generator.iter)?;
            }
            self.visit_expr(&generator.target)?;
            generator
                .ifs
                .iter()
                .try_for_each(|test| self.visit_expr(test))?;
        }
        elements
            .iter()
            .try_for_each(|element| self.visit_expr(element))?;
        self.leave();
        Ok(())
    }

    fn visit_fstring_elements(
        &mut self,
        elements: &ast::InterpolatedStringElements,
    ) -> Result<(), CompileError> {
        for element in elements.iter() {
            if let ast::InterpolatedStringElement::Interpolation(field) = element {
                self.visit_expr(&field.expression)?;
                if let Some(spec) = &field.format_spec {
                    self.visit_fstring_elements(&spec.elements)?;
                }
            }
        }
        Ok(())
    }

    fn visit_expr(&mut self, expr: &Expr) -> Result<(), CompileError> {
        super::with_stack(|| self.visit_expr_here(expr))
    }

    fn visit_expr_here(&mut self, expr: &Expr) -> Result<(), CompileError> {
        match expr {
            Expr::Name(name) => self.visit_name(name),
            Expr::Named(named) => {
                self.visit_expr(&named.value)?;
                match &*named.target {
                    Expr::Name(target) => self.visit_named_target(target, named.range)?,
                    target => self.visit_expr(target)?,
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_defaults(parameters)?;
                }
                let private = self.private.last().cloned().flatten();
                self.enter(lambda, ScopeKind::Lambda, private);
                if let Some(parameters) = &lambda.parameters {
                    self.add_params(parameters)?;
                }
                self.visit_expr(&lambda.body)?;
                self.leave();
            }
            Expr::ListComp(comp) => {
                self.visit_comprehension(comp, &comp.generators, &[&comp.elt])?
            }
            Expr::SetComp(comp) => {
                self.visit_comprehension(comp, &comp.generators, &[&comp.elt])?
            }
            Expr::Generator(comp) => {
                self.visit_comprehension(comp, &comp.generators, &[&comp.elt])?
            }
            Expr::DictComp(comp) => match &comp.key {
                Some(key) => {
                    self.visit_comprehension(comp, &comp.generators, &[key, &comp.value])?
                }
                None => self.visit_comprehension(comp, &comp.generators, &[&comp.value])?,
            },
            Expr::BoolOp(op) => op.values.iter().try_for_each(|v| self.visit_expr(v))?,
            Expr::BinOp(op) => {
                self.visit_expr(&op.left)?;
                self.visit_expr(&op.right)?;
            }
            Expr::UnaryOp(op) => self.visit_expr(&op.operand)?,
            Expr::If(if_) => {
                self.visit_expr(&if_.test)?;
                self.visit_expr(&if_.body)?;
                self.visit_expr(&if_.orelse)?;
            }
            Expr::Dict(dict) => {
                for item in &dict.items {
                    if let Some(key) = &item.key {
                        self.visit_expr(key)?;
                    }
                    self.visit_expr(&item.value)?;
                }
            }
            Expr::Set(set) => set.elts.iter().try_for_each(|e| self.visit_expr(e))?,
            Expr::List(list) => list.elts.iter().try_for_each(|e| self.visit_expr(e))?,
            Expr::Tuple(tuple) => tuple.elts.iter().try_for_each(|e| self.visit_expr(e))?,
            Expr::Await(await_) => self.visit_expr(&await_.value)?,
            Expr::Yield(yield_) => {
                if let Some(value) = &yield_.value {
                    self.visit_expr(value)?;
                }
            }
            Expr::YieldFrom(yield_) => self.visit_expr(&yield_.value)?,
            Expr::Compare(compare) => {
                self.visit_expr(&compare.left)?;
                compare
                    .comparators
                    .iter()
                    .try_for_each(|e| self.visit_expr(e))?;
            }
            Expr::Call(call) => {
                self.visit_expr(&call.func)?;
                call.arguments
                    .args
                    .iter()
                    .try_for_each(|e| self.visit_expr(e))?;
                for keyword in &call.arguments.keywords {
                    self.visit_expr(&keyword.value)?;
                }
            }
            Expr::FString(fstring) => {
                for part in fstring.value.iter() {
                    if let ast::FStringPart::FString(part) = part {
                        self.visit_fstring_elements(&part.elements)?;
                    }
                }
            }
            Expr::Attribute(attribute) => self.visit_expr(&attribute.value)?,
            Expr::Subscript(subscript) => {
                self.visit_expr(&subscript.value)?;
                self.visit_expr(&subscript.slice)?;
            }
            Expr::Starred(starred) => self.visit_expr(&starred.value)?,
            Expr::Slice(slice) => {
                for part in [&slice.lower, &slice.upper, &slice.step]
                    .into_iter()
                    .flatten()
                {
                    self.visit_expr(part)?;
                }
            }
            Expr::TString(_)
            | Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => {}
        }
        Ok(())
    }
}
