//! Source text to code object, and the syntax errors a learner sees when that fails.
//!
//! ruff's parser finds the errors; this file rewords them as CPython 3.11 does (`expected ':'`,
//! `'(' was never closed`, `unexpected indent`, …) and [`ProgramError::render`] lays them out
//! as CPython prints them, source line and caret included.

use std::sync::Arc;

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_parser::{
    InterpolatedStringErrorType, LexicalErrorType, Mode, ParseError, ParseErrorType, ParseOptions,
};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::bytecode::Code;
use crate::compiler::{compile_module, CompileError, CompileErrorKind};
use crate::source::SourceFile;

/// Why a program did not compile: a syntax error, or a construct not supported yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pub kind: ProgramErrorKind,
    /// CPython's message, e.g. `invalid syntax`; for `Unsupported`, the construct, e.g.
    /// `generators (yield)`.
    pub message: String,
    /// 1-based.
    pub line: u32,
    /// 0-based, in characters, within the line.
    pub column: usize,
    /// Where the carets stop (exclusive, same line); `None` when CPython prints no caret
    /// (`unexpected indent`).
    pub end_column: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramErrorKind {
    SyntaxError,
    IndentationError,
    /// Valid Python that threadlab does not run yet.
    Unsupported,
}

impl ProgramErrorKind {
    /// The exception name CPython prints before the message.
    pub fn exception_name(self) -> &'static str {
        match self {
            ProgramErrorKind::SyntaxError => "SyntaxError",
            ProgramErrorKind::IndentationError => "IndentationError",
            ProgramErrorKind::Unsupported => "NotImplementedError",
        }
    }
}

impl ProgramError {
    /// The error as the learner sees it. Syntax errors follow CPython's layout exactly:
    ///
    /// ```text
    ///   File "prog.py", line 3
    ///     x = = 1
    ///         ^
    /// SyntaxError: invalid syntax
    /// ```
    ///
    /// An unsupported construct is one line: `File "prog.py", line 3: not supported yet:
    /// generators (yield)`.
    pub fn render(&self, source: &SourceFile) -> String {
        if self.kind == ProgramErrorKind::Unsupported {
            return format!(
                "File \"{}\", line {}: not supported yet: {}\n",
                source.name, self.line, self.message
            );
        }
        let mut out = format!("  File \"{}\", line {}\n", source.name, self.line);
        let text = source.line_text(self.line);
        let stripped = text.trim_start_matches([' ', '\t', '\x0c']);
        if !stripped.is_empty() {
            out.push_str("    ");
            out.push_str(stripped);
            out.push('\n');
            if let Some(end) = self.end_column {
                let indent = text.chars().count() - stripped.chars().count();
                let start = self.column.saturating_sub(indent);
                let width = end.saturating_sub(self.column).max(1);
                out.push_str("    ");
                out.push_str(&" ".repeat(start));
                out.push_str(&"^".repeat(width));
                out.push('\n');
            }
        }
        out.push_str(self.kind.exception_name());
        out.push_str(": ");
        out.push_str(&self.message);
        out.push('\n');
        out
    }

    fn at(
        source: &SourceFile,
        kind: ProgramErrorKind,
        message: impl Into<String>,
        range: TextRange,
    ) -> ProgramError {
        let line = source.line_of(range.start());
        let column = source.column_of(range.start());
        let end_column = if source.line_of(range.end()) == line {
            source.column_of(range.end())
        } else {
            source.line_text(line).chars().count()
        };
        ProgramError {
            kind,
            message: message.into(),
            line,
            column,
            end_column: Some(end_column.max(column + 1)),
        }
    }

    fn from_compile(source: &SourceFile, error: CompileError) -> ProgramError {
        let kind = match error.kind {
            CompileErrorKind::Syntax => ProgramErrorKind::SyntaxError,
            CompileErrorKind::Unsupported => ProgramErrorKind::Unsupported,
        };
        ProgramError::at(source, kind, error.message, error.range)
    }
}

/// Parses and compiles a whole program.
pub fn compile_program(source: &Arc<SourceFile>) -> Result<Arc<Code>, ProgramError> {
    let parsed =
        ruff_python_parser::parse_unchecked(&source.text, ParseOptions::from(Mode::Module));
    if let Some(error) = parsed.errors().first() {
        return Err(syntax_error(source, error, parsed.tokens()));
    }
    let Some(parsed) = parsed.try_into_module() else {
        unreachable!("Mode::Module always parses a module");
    };
    compile_module(source, parsed.syntax())
        .map_err(|error| ProgramError::from_compile(source, error))
}

/// Rewords ruff's first error the way CPython reports the same mistake.
fn syntax_error(source: &SourceFile, error: &ParseError, tokens: &Tokens) -> ProgramError {
    use ProgramErrorKind::{IndentationError, SyntaxError};
    let range = error.location;
    let generic = |message: &str| {
        // CPython re-tokenizes the whole file after a generic error, and a bracket problem
        // found anywhere replaces it.
        bracket_error(source, tokens)
            .unwrap_or_else(|| ProgramError::at(source, SyntaxError, message, range))
    };
    match &error.error {
        ParseErrorType::UnexpectedIndentation => ProgramError {
            end_column: None,
            ..ProgramError::at(source, IndentationError, "unexpected indent", range)
        },
        ParseErrorType::Lexical(LexicalErrorType::IndentationError) => {
            let line = source.line_of(range.start());
            let end = source.line_text(line).chars().count();
            ProgramError {
                kind: IndentationError,
                message: "unindent does not match any outer indentation level".into(),
                line,
                column: end,
                end_column: Some(end + 1),
            }
        }
        ParseErrorType::OtherError(message)
            if message.starts_with("Expected an indented block after ") =>
        {
            indented_block_error(source, message, range, tokens)
        }
        ParseErrorType::Lexical(LexicalErrorType::UnclosedStringError) => {
            let start = usize::from(range.start());
            let opening =
                source.text[start..].trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let triple = opening.starts_with("\"\"\"") || opening.starts_with("'''");
            let last = range.end().max(range.start() + TextSize::from(1)) - TextSize::from(1);
            let detected = source.line_of(last.max(range.start()));
            let what = if triple {
                "unterminated triple-quoted string literal"
            } else {
                "unterminated string literal"
            };
            ProgramError {
                end_column: Some(source.column_of(range.start()) + 1),
                ..ProgramError::at(
                    source,
                    SyntaxError,
                    format!("{what} (detected at line {detected})"),
                    range,
                )
            }
        }
        ParseErrorType::Lexical(LexicalErrorType::Eof) => generic("unexpected EOF while parsing"),
        ParseErrorType::Lexical(LexicalErrorType::UnrecognizedToken { tok }) if !tok.is_ascii() => {
            ProgramError::at(
                source,
                SyntaxError,
                format!("invalid character '{tok}' (U+{:04X})", *tok as u32),
                range,
            )
        }
        // CPython points just past the backslash.
        ParseErrorType::Lexical(LexicalErrorType::LineContinuationError) => ProgramError::at(
            source,
            SyntaxError,
            "unexpected character after line continuation character",
            TextRange::at(range.start() + TextSize::from(1), TextSize::from(0)),
        ),
        ParseErrorType::ExpectedToken {
            expected: TokenKind::Colon,
            ..
        } => ProgramError::at(source, SyntaxError, "expected ':'", range),
        ParseErrorType::ExpectedToken {
            expected: TokenKind::Lpar,
            ..
        } => ProgramError::at(source, SyntaxError, "expected '('", range),
        ParseErrorType::SimpleStatementsOnSameLine if is_python2_print(source, range) => {
            let line = source.line_of(range.start());
            let text = source.line_text(line);
            let column = text.chars().count() - text.trim_start().chars().count();
            ProgramError {
                kind: SyntaxError,
                message: "Missing parentheses in call to 'print'. Did you mean print(...)?".into(),
                line,
                column,
                end_column: Some(text.trim_end().chars().count()),
            }
        }
        ParseErrorType::UnparenthesizedGeneratorExpression => ProgramError::at(
            source,
            SyntaxError,
            "Generator expression must be parenthesized",
            range,
        ),
        // CPython points at the end of the offending argument.
        ParseErrorType::PositionalAfterKeywordArgument => ProgramError::at(
            source,
            SyntaxError,
            "positional argument follows keyword argument",
            TextRange::empty(range.end()),
        ),
        ParseErrorType::PositionalAfterKeywordUnpacking => ProgramError::at(
            source,
            SyntaxError,
            "positional argument follows keyword argument unpacking",
            range,
        ),
        ParseErrorType::InvalidArgumentUnpackingOrder => ProgramError::at(
            source,
            SyntaxError,
            "iterable argument unpacking follows keyword argument unpacking",
            range,
        ),
        ParseErrorType::NonDefaultParamAfterDefaultParam => ProgramError::at(
            source,
            SyntaxError,
            "non-default argument follows default argument",
            range,
        ),
        ParseErrorType::InvalidStarredExpressionUsage => ProgramError::at(
            source,
            SyntaxError,
            "can't use starred expression here",
            range,
        ),
        ParseErrorType::FStringError(InterpolatedStringErrorType::UnclosedLbrace) => {
            ProgramError::at(
                source,
                SyntaxError,
                "f-string: expecting '}'",
                TextRange::empty(range.end()),
            )
        }
        // "Expected a statement", "Expected an expression or a ')'": CPython just says
        // invalid syntax.
        ParseErrorType::OtherError(message) if message.starts_with("Expected ") => {
            generic("invalid syntax")
        }
        ParseErrorType::ExpectedToken { .. }
        | ParseErrorType::EmptyImportNames
        | ParseErrorType::ExpectedExpression
        | ParseErrorType::UnexpectedExpressionToken
        | ParseErrorType::SimpleStatementsOnSameLine
        | ParseErrorType::SimpleAndCompoundStatementOnSameLine
        | ParseErrorType::Lexical(LexicalErrorType::UnrecognizedToken { .. }) => {
            generic("invalid syntax")
        }
        other => ProgramError::at(
            source,
            SyntaxError,
            cpython_style(&other.to_string()),
            range,
        ),
    }
}

/// `expected an indented block after 'if' statement on line 1`.
fn indented_block_error(
    source: &SourceFile,
    message: &str,
    range: TextRange,
    tokens: &Tokens,
) -> ProgramError {
    let clause = message.trim_start_matches("Expected an indented block after ");
    let clause = match clause {
        "function definition" => "function definition".to_owned(),
        "`class` definition" => "class definition".to_owned(),
        other => other
            .replace('`', "'")
            .replace(" clause", " statement")
            .replace(" block", " statement"),
    };
    // The header is the statement whose `:` comes last before the missing block.
    let header = tokens
        .iter()
        .rev()
        .find(|token| token.kind() == TokenKind::Colon && token.range().end() <= range.start())
        .map(|token| source.line_of(token.range().start()))
        .unwrap_or(1);
    let start = usize::from(range.start());
    let at_newline = source.text[start..].starts_with(['\n', '\r']) || start >= source.text.len();
    let error = ProgramError::at(
        source,
        ProgramErrorKind::IndentationError,
        format!("expected an indented block after {clause} on line {header}"),
        range,
    );
    if at_newline {
        // At the end of the file CPython shows the header line without a caret.
        ProgramError {
            end_column: None,
            ..error
        }
    } else {
        ProgramError {
            end_column: Some(error.column + 1),
            ..error
        }
    }
}

/// CPython's tokenizer errors for brackets: `'(' was never closed`, `unmatched ')'`,
/// `closing parenthesis ']' does not match opening parenthesis '('`.
fn bracket_error(source: &SourceFile, tokens: &Tokens) -> Option<ProgramError> {
    let mut open: Vec<(char, TextRange)> = Vec::new();
    for token in tokens.iter() {
        let closing = match token.kind() {
            TokenKind::Lpar => {
                open.push(('(', token.range()));
                continue;
            }
            TokenKind::Lsqb => {
                open.push(('[', token.range()));
                continue;
            }
            TokenKind::Lbrace => {
                open.push(('{', token.range()));
                continue;
            }
            TokenKind::Rpar => ')',
            TokenKind::Rsqb => ']',
            TokenKind::Rbrace => '}',
            _ => continue,
        };
        let message = match open.pop() {
            None => format!("unmatched '{closing}'"),
            Some((opening, _)) if matching(opening) == closing => continue,
            Some((opening, opening_range)) => {
                let opening_line = source.line_of(opening_range.start());
                if opening_line == source.line_of(token.range().start()) {
                    format!("closing parenthesis '{closing}' does not match opening parenthesis '{opening}'")
                } else {
                    format!(
                        "closing parenthesis '{closing}' does not match opening parenthesis '{opening}' on line {opening_line}"
                    )
                }
            }
        };
        return Some(ProgramError::at(
            source,
            ProgramErrorKind::SyntaxError,
            message,
            token.range(),
        ));
    }
    let (opening, range) = open.pop()?;
    Some(ProgramError::at(
        source,
        ProgramErrorKind::SyntaxError,
        format!("'{opening}' was never closed"),
        range,
    ))
}

fn matching(opening: char) -> char {
    match opening {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// `print "hello"`: Python 2 habits deserve CPython's hint.
fn is_python2_print(source: &SourceFile, range: TextRange) -> bool {
    let line = source.line_text(source.line_of(range.start())).trim_start();
    let Some(rest) = line.strip_prefix("print") else {
        return false;
    };
    rest.starts_with([' ', '\t'])
        && !rest
            .trim_start()
            .starts_with(['=', '(', '.', '[', ',', ')'])
}

/// ruff's messages quote with backticks and start with a capital; CPython's do neither.
fn cpython_style(message: &str) -> String {
    let message = message.replace('`', "'");
    let mut chars = message.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(|c| c.is_lowercase()) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::compile_program;
    use crate::source::SourceFile;

    /// Each program with the exact stderr of CPython 3.11 running it as `prog.py`.
    const CPYTHON: &[(&str, &str)] = &[
        ("x = 1\nx = = 1\n", "  File \"prog.py\", line 2\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n"),
        ("def f():\n    pass\nreturn 1\n", "  File \"prog.py\", line 3\n    return 1\n    ^^^^^^^^\nSyntaxError: 'return' outside function\n"),
        ("if x\n    pass\n", "  File \"prog.py\", line 1\n    if x\n        ^\nSyntaxError: expected ':'\n"),
        ("x = 1\n    y = 2\n", "  File \"prog.py\", line 2\n    y = 2\nIndentationError: unexpected indent\n"),
        ("if 1:\n        x = 1\n    y = 2\n", "  File \"prog.py\", line 3\n    y = 2\n         ^\nIndentationError: unindent does not match any outer indentation level\n"),
        ("s = \"abc\n", "  File \"prog.py\", line 1\n    s = \"abc\n        ^\nSyntaxError: unterminated string literal (detected at line 1)\n"),
        ("for i in x:\n    pass\nbreak\n", "  File \"prog.py\", line 3\n    break\n    ^^^^^\nSyntaxError: 'break' outside loop\n"),
        ("continue\n", "  File \"prog.py\", line 1\n    continue\n    ^^^^^^^^\nSyntaxError: 'continue' not properly in loop\n"),
        ("def f():\n    nonlocal x\n", "  File \"prog.py\", line 2\n    nonlocal x\n    ^^^^^^^^^^\nSyntaxError: no binding for nonlocal 'x' found\n"),
        ("nonlocal x\n", "  File \"prog.py\", line 1\n    nonlocal x\n    ^^^^^^^^^^\nSyntaxError: nonlocal declaration not allowed at module level\n"),
        ("print(\"a\"\nx = 1\n", "  File \"prog.py\", line 1\n    print(\"a\"\n         ^\nSyntaxError: '(' was never closed\n"),
        ("x = (1,\n", "  File \"prog.py\", line 1\n    x = (1,\n        ^\nSyntaxError: '(' was never closed\n"),
        ("def f(a, a): pass\n", "  File \"prog.py\", line 1\n    def f(a, a): pass\n             ^\nSyntaxError: duplicate argument 'a' in function definition\n"),
        ("a, *b, *c = x\n", "  File \"prog.py\", line 1\n    a, *b, *c = x\n    ^^^^^^^^^\nSyntaxError: multiple starred expressions in assignment\n"),
        ("*a = x\n", "  File \"prog.py\", line 1\n    *a = x\n    ^^\nSyntaxError: starred assignment target must be in a list or tuple\n"),
        ("  x = 1\n", "  File \"prog.py\", line 1\n    x = 1\nIndentationError: unexpected indent\n"),
        ("s = \"\"\"abc\n\n", "  File \"prog.py\", line 1\n    s = \"\"\"abc\n        ^\nSyntaxError: unterminated triple-quoted string literal (detected at line 2)\n"),
        ("f(x for x in y, 1)\n", "  File \"prog.py\", line 1\n    f(x for x in y, 1)\n      ^^^^^^^^^^^^\nSyntaxError: Generator expression must be parenthesized\n"),
        ("x = 1 +\n", "  File \"prog.py\", line 1\n    x = 1 +\n           ^\nSyntaxError: invalid syntax\n"),
        ("if True:\npass\n", "  File \"prog.py\", line 2\n    pass\n    ^\nIndentationError: expected an indented block after 'if' statement on line 1\n"),
        ("class A:\n    def f(self):\n        return 1\n  x = 1\n", "  File \"prog.py\", line 4\n    x = 1\n         ^\nIndentationError: unindent does not match any outer indentation level\n"),
        ("print \"hello\"\n", "  File \"prog.py\", line 1\n    print \"hello\"\n    ^^^^^^^^^^^^^\nSyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?\n"),
        ("try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n", "  File \"prog.py\", line 3\n    except:\n    ^^^^^^^\nSyntaxError: default 'except:' must be last\n"),
        ("while True\n    pass\n", "  File \"prog.py\", line 1\n    while True\n              ^\nSyntaxError: expected ':'\n"),
        ("if True:\n", "  File \"prog.py\", line 1\n    if True:\nIndentationError: expected an indented block after 'if' statement on line 1\n"),
        ("def f():\nreturn 1\n", "  File \"prog.py\", line 2\n    return 1\n    ^\nIndentationError: expected an indented block after function definition on line 1\n"),
        ("x = [1, 2\ny = 3\n", "  File \"prog.py\", line 1\n    x = [1, 2\n        ^\nSyntaxError: '[' was never closed\n"),
        ("foo(]\n", "  File \"prog.py\", line 1\n    foo(]\n        ^\nSyntaxError: closing parenthesis ']' does not match opening parenthesis '('\n"),
        ("x = 1\n)\n", "  File \"prog.py\", line 2\n    )\n    ^\nSyntaxError: unmatched ')'\n"),
        ("x = $\n", "  File \"prog.py\", line 1\n    x = $\n        ^\nSyntaxError: invalid syntax\n"),
        ("x = 1 €\n", "  File \"prog.py\", line 1\n    x = 1 €\n          ^\nSyntaxError: invalid character '€' (U+20AC)\n"),
        ("f(a=1, 2)\n", "  File \"prog.py\", line 1\n    f(a=1, 2)\n            ^\nSyntaxError: positional argument follows keyword argument\n"),
        ("def f(a=1, b): pass\n", "  File \"prog.py\", line 1\n    def f(a=1, b): pass\n               ^\nSyntaxError: non-default argument follows default argument\n"),
        ("x = f\"{x\"\n", "  File \"prog.py\", line 1\n    x = f\"{x\"\n             ^\nSyntaxError: f-string: expecting '}'\n"),
        ("class A\n  pass\n", "  File \"prog.py\", line 1\n    class A\n           ^\nSyntaxError: expected ':'\n"),
        ("print 'x'\n", "  File \"prog.py\", line 1\n    print 'x'\n    ^^^^^^^^^\nSyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?\n"),
        ("import\n", "  File \"prog.py\", line 1\n    import\n          ^\nSyntaxError: invalid syntax\n"),
        ("for x in range(3):\n    pass\n  print(x)\n", "  File \"prog.py\", line 3\n    print(x)\n            ^\nIndentationError: unindent does not match any outer indentation level\n"),
        ("x = \"abc\" \\ \n", "  File \"prog.py\", line 1\n    x = \"abc\" \\ \n               ^\nSyntaxError: unexpected character after line continuation character\n"),
        ("while x < 3:\n    x += 1\nelse\n    pass\n", "  File \"prog.py\", line 3\n    else\n        ^\nSyntaxError: expected ':'\n"),
        ("def f\n    pass\n", "  File \"prog.py\", line 1\n    def f\n         ^\nSyntaxError: expected '('\n"),
        ("  \n\n    x = 1\n", "  File \"prog.py\", line 3\n    x = 1\nIndentationError: unexpected indent\n"),
        ("x = [1, 2, 3]]\n", "  File \"prog.py\", line 1\n    x = [1, 2, 3]]\n                 ^\nSyntaxError: unmatched ']'\n"),
        ("x = 1 2\n", "  File \"prog.py\", line 1\n    x = 1 2\n          ^\nSyntaxError: invalid syntax\n"),
        ("def f(x):\n    global x\n", "  File \"prog.py\", line 2\n    global x\n    ^^^^^^^^\nSyntaxError: name 'x' is parameter and global\n"),
        ("x = (1, 2]\n", "  File \"prog.py\", line 1\n    x = (1, 2]\n             ^\nSyntaxError: closing parenthesis ']' does not match opening parenthesis '('\n"),
        ("else:\n    pass\n", "  File \"prog.py\", line 1\n    else:\n    ^^^^\nSyntaxError: invalid syntax\n"),
    ];

    #[test]
    fn syntax_errors_render_as_cpython_renders_them() {
        let mut mismatches = Vec::new();
        for (text, expected) in CPYTHON {
            let source = Arc::new(SourceFile::new("prog.py", *text));
            let rendered = match compile_program(&source) {
                Ok(_) => "compiled\n".to_owned(),
                Err(error) => error.render(&source),
            };
            if rendered != *expected {
                mismatches.push(format!(
                    "{text:?}\n--- expected\n{expected}--- got\n{rendered}"
                ));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
}
