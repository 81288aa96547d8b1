//! Expressions: operators, displays, calls, comprehensions, f-strings and constants.

use std::sync::{Arc, LazyLock};

use num_bigint::BigInt;
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::statements::binary_operator;
use super::{CompileError, CompileResult, Compiler};
use crate::bytecode::{CodeKind, Comparison, Parameters, UnaryOperator};
use crate::objects::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Collection {
    List,
    Tuple,
    Set,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ComprehensionKind {
    List,
    Set,
    Dict,
    /// A generator expression: a generator function over its first iterable.
    Generator,
}

/// `lambda: x` has no parameter list in ruff's AST.
static NO_PARAMETERS: LazyLock<ast::Parameters> = LazyLock::new(ast::Parameters::default);

/// One piece of an f-string: literal text or a replacement field.
enum Piece<'a> {
    Text(String),
    Field(&'a ast::InterpolatedElement),
}

impl<'a> Compiler<'a> {
    /// Pushes the value of `expr`. Every instruction it emits maps to `expr`'s range, so an
    /// error inside a multi-line call points at the call's first line, as in CPython.
    pub(super) fn compile_expr(&mut self, expr: &'a Expr) -> CompileResult {
        let saved = self.range();
        self.set_range(expr.range());
        let result = super::with_stack(|| self.compile_expr_here(expr));
        self.set_range(saved);
        result
    }

    fn compile_expr_here(&mut self, expr: &'a Expr) -> CompileResult {
        match expr {
            Expr::BoolOp(bool_op) => {
                let end = self.new_label();
                let (last, rest) = bool_op.values.split_last().expect("a bool op has operands");
                for value in rest {
                    self.compile_expr(value)?;
                    match bool_op.op {
                        ast::BoolOp::And => self.b().jump_if_false_or_pop(end),
                        ast::BoolOp::Or => self.b().jump_if_true_or_pop(end),
                    }
                }
                self.compile_expr(last)?;
                self.bind(end);
            }
            Expr::Named(named) => {
                self.compile_expr(&named.value)?;
                self.b().dup_top();
                self.compile_store(&named.target)?;
            }
            Expr::BinOp(bin_op) => {
                self.compile_expr(&bin_op.left)?;
                self.compile_expr(&bin_op.right)?;
                self.b().binary_op(binary_operator(bin_op.op) as u32);
            }
            Expr::UnaryOp(unary) => {
                if let Some(value) = constant_value(expr)? {
                    self.load_const(value);
                    return Ok(());
                }
                self.compile_expr(&unary.operand)?;
                let operator = match unary.op {
                    ast::UnaryOp::Invert => UnaryOperator::Invert,
                    ast::UnaryOp::Not => UnaryOperator::Not,
                    ast::UnaryOp::UAdd => UnaryOperator::Positive,
                    ast::UnaryOp::USub => UnaryOperator::Negative,
                };
                self.b().unary_op(operator as u32);
            }
            Expr::Lambda(lambda) => {
                let parameters: &'a ast::Parameters = match &lambda.parameters {
                    Some(parameters) => parameters,
                    None => &NO_PARAMETERS,
                };
                let flags = self.compile_defaults(parameters)?;
                let scope = self.symbols.scope_of(lambda);
                let child = self.compile_function_code(
                    scope,
                    CodeKind::Lambda,
                    "<lambda>",
                    parameters,
                    lambda.range,
                    |c| {
                        c.compile_expr(&lambda.body)?;
                        c.b().return_value();
                        Ok(())
                    },
                )?;
                self.make_function(child, flags)?;
            }
            Expr::If(if_) => {
                let orelse = self.new_label();
                let end = self.new_label();
                self.compile_jump_if(&if_.test, false, orelse)?;
                self.compile_expr(&if_.body)?;
                self.b().jump(end);
                self.bind(orelse);
                self.compile_expr(&if_.orelse)?;
                self.bind(end);
            }
            Expr::Dict(dict) => self.compile_dict(dict)?,
            Expr::Set(set) => self.compile_collection(&set.elts, Collection::Set)?,
            Expr::List(list) => self.compile_collection(&list.elts, Collection::List)?,
            Expr::Tuple(tuple) => match constant_value(expr)? {
                Some(value) => self.load_const(value),
                None => self.compile_collection(&tuple.elts, Collection::Tuple)?,
            },
            Expr::ListComp(comp) => self.compile_comprehension(
                comp,
                ComprehensionKind::List,
                &comp.generators,
                &comp.elt,
                None,
            )?,
            Expr::SetComp(comp) => self.compile_comprehension(
                comp,
                ComprehensionKind::Set,
                &comp.generators,
                &comp.elt,
                None,
            )?,
            Expr::Generator(comp) => self.compile_comprehension(
                comp,
                ComprehensionKind::Generator,
                &comp.generators,
                &comp.elt,
                None,
            )?,
            Expr::DictComp(comp) => {
                let Some(key) = &comp.key else {
                    return Err(CompileError::syntax(
                        "dict unpacking cannot be used in dict comprehension",
                        comp.range,
                    ));
                };
                self.compile_comprehension(
                    comp,
                    ComprehensionKind::Dict,
                    &comp.generators,
                    key,
                    Some(&comp.value),
                )?
            }
            Expr::Await(await_) => {
                return Err(CompileError::unsupported("async functions", await_.range))
            }
            Expr::Yield(yield_) => {
                if !matches!(self.unit_ref().kind, CodeKind::Function | CodeKind::Lambda) {
                    return Err(CompileError::syntax(
                        "'yield' outside function",
                        yield_.range,
                    ));
                }
                match &yield_.value {
                    Some(value) => self.compile_expr(value)?,
                    None => self.load_const(Value::None),
                }
                self.unit().is_generator = true;
                self.b().yield_value();
            }
            Expr::YieldFrom(yield_) => {
                return Err(CompileError::unsupported("yield from", yield_.range))
            }
            Expr::Compare(compare) => self.compile_compare(compare)?,
            Expr::Call(call) => self.compile_call(call)?,
            Expr::FString(fstring) => {
                let mut pieces = Vec::new();
                for part in fstring.value.iter() {
                    match part {
                        ast::FStringPart::Literal(literal) => {
                            pieces.push(Piece::Text(literal.as_str().to_owned()))
                        }
                        ast::FStringPart::FString(part) => {
                            collect_pieces(&part.elements, &mut pieces)
                        }
                    }
                }
                self.compile_pieces(pieces)?;
            }
            Expr::TString(tstring) => {
                return Err(CompileError::unsupported(
                    "template strings (t-strings)",
                    tstring.range,
                ))
            }
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_) => {
                let value = constant_value(expr)?.expect("a literal is a constant");
                self.load_const(value);
            }
            Expr::Attribute(attribute) => {
                self.compile_expr(&attribute.value)?;
                let name = self.mangle(attribute.attr.as_str()).into_owned();
                let index = self.b().name(&name);
                self.b().load_attr(index);
            }
            Expr::Subscript(subscript) => {
                self.compile_expr(&subscript.value)?;
                self.compile_expr(&subscript.slice)?;
                self.b().binary_subscr();
            }
            Expr::Starred(starred) => {
                return Err(CompileError::syntax(
                    "can't use starred expression here",
                    starred.range,
                ))
            }
            Expr::Name(name) => self.load_name(name.id.as_str())?,
            Expr::Slice(slice) => {
                for part in [&slice.lower, &slice.upper] {
                    match part {
                        Some(part) => self.compile_expr(part)?,
                        None => self.load_const(Value::None),
                    }
                }
                match &slice.step {
                    Some(step) => {
                        self.compile_expr(step)?;
                        self.b().build_slice(3);
                    }
                    None => self.b().build_slice(2),
                }
            }
            Expr::IpyEscapeCommand(command) => {
                return Err(CompileError::syntax("invalid syntax", command.range))
            }
        }
        Ok(())
    }

    /// `[a, *b, c]`, `(a, *b)`, `{a, *b}`: a plain build when nothing is starred, else a list
    /// extended piece by piece.
    fn compile_collection(&mut self, elements: &'a [Expr], kind: Collection) -> CompileResult {
        let prefix = elements.iter().take_while(|e| !e.is_starred_expr()).count();
        for element in &elements[..prefix] {
            self.compile_expr(element)?;
        }
        let count = prefix as u32;
        if prefix == elements.len() {
            match kind {
                Collection::List => self.b().build_list(count),
                Collection::Tuple => self.b().build_tuple(count),
                Collection::Set => self.b().build_set(count),
            }
            return Ok(());
        }
        match kind {
            Collection::List | Collection::Tuple => self.b().build_list(count),
            Collection::Set => self.b().build_set(count),
        }
        for element in &elements[prefix..] {
            match element {
                Expr::Starred(starred) => {
                    self.compile_expr(&starred.value)?;
                    match kind {
                        Collection::Set => self.b().set_update(1),
                        _ => self.b().list_extend(1),
                    }
                }
                other => {
                    self.compile_expr(other)?;
                    match kind {
                        Collection::Set => self.b().set_add(1),
                        _ => self.b().list_append(1),
                    }
                }
            }
        }
        if kind == Collection::Tuple {
            self.b().list_to_tuple();
        }
        Ok(())
    }

    fn compile_dict(&mut self, dict: &'a ast::ExprDict) -> CompileResult {
        let prefix = dict
            .items
            .iter()
            .take_while(|item| item.key.is_some())
            .count();
        for item in &dict.items[..prefix] {
            self.compile_expr(item.key.as_ref().expect("counted as a key: value pair"))?;
            self.compile_expr(&item.value)?;
        }
        self.b().build_map(prefix as u32);
        for item in &dict.items[prefix..] {
            match &item.key {
                Some(key) => {
                    self.compile_expr(key)?;
                    self.compile_expr(&item.value)?;
                    self.b().map_add(1);
                }
                None => {
                    self.compile_expr(&item.value)?;
                    self.b().dict_update(1);
                }
            }
        }
        Ok(())
    }

    /// `a < b < c` evaluates `b` once: it is duplicated under the first result, and dropped
    /// in the cleanup when the chain stops early.
    fn compile_compare(&mut self, compare: &'a ast::ExprCompare) -> CompileResult {
        self.compile_expr(&compare.left)?;
        let (last_op, ops) = compare
            .ops
            .split_last()
            .expect("a comparison has operators");
        let (last, middle) = compare
            .comparators
            .split_last()
            .expect("a comparison has operands");
        if ops.is_empty() {
            self.compile_expr(last)?;
            self.emit_comparison(*last_op);
            return Ok(());
        }
        let cleanup = self.new_label();
        let end = self.new_label();
        for (op, comparator) in ops.iter().zip(middle) {
            self.compile_expr(comparator)?;
            self.b().dup_top();
            self.b().rot_three();
            self.emit_comparison(*op);
            self.b().jump_if_false_or_pop(cleanup);
        }
        self.compile_expr(last)?;
        self.emit_comparison(*last_op);
        self.b().jump(end);
        self.bind(cleanup);
        self.b().rot_two();
        self.b().pop_top();
        self.bind(end);
        Ok(())
    }

    fn emit_comparison(&mut self, op: ast::CmpOp) {
        let comparison = match op {
            ast::CmpOp::Eq => Comparison::Equal,
            ast::CmpOp::NotEq => Comparison::NotEqual,
            ast::CmpOp::Lt => Comparison::Less,
            ast::CmpOp::LtE => Comparison::LessEqual,
            ast::CmpOp::Gt => Comparison::Greater,
            ast::CmpOp::GtE => Comparison::GreaterEqual,
            ast::CmpOp::Is => return self.b().is_op(0),
            ast::CmpOp::IsNot => return self.b().is_op(1),
            ast::CmpOp::In => return self.b().contains_op(0),
            ast::CmpOp::NotIn => return self.b().contains_op(1),
        };
        self.b().compare_op(comparison as u32);
    }

    fn compile_call(&mut self, call: &'a ast::ExprCall) -> CompileResult {
        let args = &call.arguments.args;
        let keywords = &call.arguments.keywords;
        let unpacks = args.iter().any(|arg| arg.is_starred_expr())
            || keywords.iter().any(|k| k.arg.is_none());
        if unpacks {
            self.compile_expr(&call.func)?;
            self.compile_call_ex_arguments(args, keywords)?;
            return Ok(());
        }
        // `obj.method(...)` skips creating a bound method object.
        let method = match &*call.func {
            Expr::Attribute(attribute) => {
                self.compile_expr(&attribute.value)?;
                let name = self.mangle(attribute.attr.as_str()).into_owned();
                let index = self.b().name(&name);
                self.set_range(attribute.range);
                self.b().load_method(index);
                self.set_range(call.range());
                true
            }
            func => {
                self.compile_expr(func)?;
                false
            }
        };
        for arg in args.iter() {
            self.compile_expr(arg)?;
        }
        for keyword in keywords.iter() {
            self.compile_expr(&keyword.value)?;
        }
        let count = (args.len() + keywords.len()) as u32;
        if keywords.is_empty() {
            if method {
                self.b().call_method(count);
            } else {
                self.b().call(count);
            }
        } else {
            let names = keywords
                .iter()
                .map(|k| Value::str(k.arg.as_ref().expect("no ** here").as_str()))
                .collect();
            self.load_const(Value::tuple(names));
            if method {
                self.b().call_method_kw(count);
            } else {
                self.b().call_kw(count);
            }
        }
        Ok(())
    }

    /// `f(*a, x=1, **k)`: the positionals as one tuple, the keywords as one dict.
    fn compile_call_ex_arguments(
        &mut self,
        args: &'a [Expr],
        keywords: &'a [ast::Keyword],
    ) -> CompileResult {
        self.compile_collection(args, Collection::Tuple)?;
        if keywords.is_empty() {
            self.b().call_ex(0);
            return Ok(());
        }
        let prefix = keywords.iter().take_while(|k| k.arg.is_some()).count();
        for keyword in &keywords[..prefix] {
            self.load_const(Value::str(
                keyword.arg.as_ref().expect("counted as named").as_str(),
            ));
            self.compile_expr(&keyword.value)?;
        }
        self.b().build_map(prefix as u32);
        for keyword in &keywords[prefix..] {
            match &keyword.arg {
                Some(name) => {
                    self.load_const(Value::str(name.as_str()));
                    self.compile_expr(&keyword.value)?;
                    self.b().build_map(1);
                    self.b().dict_merge(1);
                }
                None => {
                    self.compile_expr(&keyword.value)?;
                    self.b().dict_merge(1);
                }
            }
        }
        self.b().call_ex(1);
        Ok(())
    }

    /// A comprehension is a function of one argument, the first iterator, called at once
    /// (CPython 3.11 and earlier): its loop variables stay out of the enclosing scope.
    fn compile_comprehension<T>(
        &mut self,
        node: &'a T,
        kind: ComprehensionKind,
        generators: &'a [ast::Comprehension],
        element: &'a Expr,
        value: Option<&'a Expr>,
    ) -> CompileResult {
        if let Some(generator) = generators.iter().find(|g| g.is_async) {
            return Err(CompileError::unsupported(
                "async functions",
                generator.range,
            ));
        }
        let range = self.range();
        let name = match kind {
            ComprehensionKind::List => "<listcomp>",
            ComprehensionKind::Set => "<setcomp>",
            ComprehensionKind::Dict => "<dictcomp>",
            ComprehensionKind::Generator => "<genexpr>",
        };
        let scope = self.symbols.scope_of(node);
        let qualname = self.qualname_for(name);
        let private = self.unit_ref().private.clone();
        let first_line = self.line_of(range);
        self.push_unit(
            scope,
            CodeKind::Comprehension,
            name.to_owned(),
            qualname,
            first_line,
            private,
        );
        self.set_range(range);
        self.unit().parameters = Parameters {
            positional: 1,
            ..Parameters::default()
        };
        let body = self.compile_comprehension_body(kind, generators, element, value);
        if let Err(error) = body {
            self.units.pop();
            return Err(error);
        }
        let code = self.pop_unit(0);

        self.make_function(code, 0)?;
        self.compile_expr(&generators[0].iter)?;
        self.b().get_iter();
        self.b().call(1);
        Ok(())
    }

    fn compile_comprehension_body(
        &mut self,
        kind: ComprehensionKind,
        generators: &'a [ast::Comprehension],
        element: &'a Expr,
        value: Option<&'a Expr>,
    ) -> CompileResult {
        match kind {
            ComprehensionKind::List => self.b().build_list(0),
            ComprehensionKind::Set => self.b().build_set(0),
            ComprehensionKind::Dict => self.b().build_map(0),
            // A generator expression yields its elements, lazily, like CPython's.
            ComprehensionKind::Generator => self.unit().is_generator = true,
        }
        self.compile_comprehension_loop(kind, generators, 0, element, value)?;
        if kind == ComprehensionKind::Generator {
            self.load_const(Value::None);
        }
        self.b().return_value();
        Ok(())
    }

    fn compile_comprehension_loop(
        &mut self,
        kind: ComprehensionKind,
        generators: &'a [ast::Comprehension],
        index: usize,
        element: &'a Expr,
        value: Option<&'a Expr>,
    ) -> CompileResult {
        let generator = &generators[index];
        let top = self.new_label();
        let exit = self.new_label();
        if index == 0 {
            self.load_name(".0")?;
        } else {
            self.compile_expr(&generator.iter)?;
            self.b().get_iter();
        }
        self.bind(top);
        self.b().for_iter(exit);
        self.compile_store(&generator.target)?;
        for test in &generator.ifs {
            self.compile_jump_if(test, false, top)?;
        }
        if index + 1 < generators.len() {
            self.compile_comprehension_loop(kind, generators, index + 1, element, value)?;
        } else {
            // The result sits under one iterator per `for` clause.
            let depth = generators.len() as u32 + 1;
            self.compile_expr(element)?;
            match (kind, value) {
                (ComprehensionKind::Dict, Some(value)) => {
                    self.compile_expr(value)?;
                    self.b().map_add(depth);
                }
                (ComprehensionKind::Set, _) => self.b().set_add(depth),
                (ComprehensionKind::Generator, _) => {
                    self.b().yield_value();
                    self.b().pop_top();
                }
                _ => self.b().list_append(depth),
            }
        }
        self.b().jump(top);
        self.bind(exit);
        Ok(())
    }

    /// Loads each piece and joins them; a lone piece needs no join.
    fn compile_pieces(&mut self, pieces: Vec<Piece<'a>>) -> CompileResult {
        let mut merged: Vec<Piece<'a>> = Vec::new();
        for piece in pieces {
            match (piece, merged.last_mut()) {
                (Piece::Text(text), _) if text.is_empty() => {}
                (Piece::Text(text), Some(Piece::Text(previous))) => previous.push_str(&text),
                (piece, _) => merged.push(piece),
            }
        }
        let count = merged.len() as u32;
        if count == 0 {
            self.load_const(Value::str(""));
            return Ok(());
        }
        for piece in merged {
            match piece {
                Piece::Text(text) => self.load_const(Value::str(text)),
                Piece::Field(field) => self.compile_format_field(field)?,
            }
        }
        if count > 1 {
            self.b().build_string(count);
        }
        Ok(())
    }

    fn compile_format_field(&mut self, field: &'a ast::InterpolatedElement) -> CompileResult {
        self.compile_expr(&field.expression)?;
        let mut flags = match field.conversion {
            // `f"{x=}"` shows the repr unless a format spec asks for `format()`.
            ast::ConversionFlag::None
                if field.debug_text.is_some() && field.format_spec.is_none() =>
            {
                2
            }
            ast::ConversionFlag::None => 0,
            ast::ConversionFlag::Str => 1,
            ast::ConversionFlag::Repr => 2,
            ast::ConversionFlag::Ascii => 3,
        };
        if let Some(spec) = &field.format_spec {
            let mut pieces = Vec::new();
            collect_pieces(&spec.elements, &mut pieces);
            self.compile_pieces(pieces)?;
            flags |= 4;
        }
        self.set_range(field.range);
        self.b().format_value(flags);
        Ok(())
    }
}

fn collect_pieces<'a>(elements: &'a ast::InterpolatedStringElements, pieces: &mut Vec<Piece<'a>>) {
    for element in elements.iter() {
        match element {
            ast::InterpolatedStringElement::Literal(literal) => {
                pieces.push(Piece::Text(literal.value.to_string()))
            }
            ast::InterpolatedStringElement::Interpolation(field) => {
                if let Some(debug) = &field.debug_text {
                    pieces.push(Piece::Text(debug.as_str().to_owned()));
                }
                pieces.push(Piece::Field(field));
            }
        }
    }
}

/// The value of a literal, a negated number, or a tuple of those; `None` for anything that
/// must be computed at run time.
fn constant_value(expr: &Expr) -> CompileResult<Option<Value>> {
    let value = match expr {
        Expr::StringLiteral(string) => Value::str(string.value.to_str()),
        Expr::BytesLiteral(bytes) => Value::Bytes(Arc::new(bytes.value.bytes().collect())),
        Expr::BooleanLiteral(literal) => Value::Bool(literal.value),
        Expr::NoneLiteral(_) => Value::None,
        Expr::EllipsisLiteral(literal) => {
            return Err(CompileError::unsupported("Ellipsis (...)", literal.range))
        }
        Expr::NumberLiteral(number) => number_value(&number.value, number.range)?,
        Expr::UnaryOp(ast::ExprUnaryOp {
            op: ast::UnaryOp::USub,
            operand,
            ..
        }) => match &**operand {
            Expr::NumberLiteral(number) => match number_value(&number.value, number.range)? {
                Value::Int(int) => Value::Int(-int),
                Value::Float(float) => Value::Float(-float),
                Value::BigInt(big) => Value::bigint(-(*big).clone()),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        },
        Expr::Tuple(tuple) => {
            let mut items = Vec::with_capacity(tuple.elts.len());
            for element in &tuple.elts {
                if element.is_ellipsis_literal_expr() {
                    return Ok(None);
                }
                match constant_value(element)? {
                    Some(item) => items.push(item),
                    None => return Ok(None),
                }
            }
            Value::tuple(items)
        }
        _ => return Ok(None),
    };
    Ok(Some(value))
}

fn number_value(number: &ast::Number, range: TextRange) -> CompileResult<Value> {
    match number {
        ast::Number::Int(int) => match int.as_i64() {
            Some(small) => Ok(Value::Int(small)),
            None => big_int(&int.to_string())
                .map(Value::bigint)
                .ok_or_else(|| CompileError::syntax("invalid integer literal", range)),
        },
        ast::Number::Float(float) => Ok(Value::Float(*float)),
        ast::Number::Complex { .. } => Err(CompileError::unsupported("complex numbers", range)),
    }
}

/// Parses an integer token too big for `i64`: ruff keeps those as their source text.
fn big_int(token: &str) -> Option<BigInt> {
    let digits: String = token
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let (radix, digits) = match digits.get(..2) {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ => (10, digits.as_str()),
    };
    BigInt::parse_bytes(digits.as_bytes(), radix)
}
