//! The compiler's output for the key shapes, as compact instruction listings.

use std::sync::Arc;

use super::CompileErrorKind;
use crate::bytecode::{function_flags, BinaryOperator, Code, CodeKind, Comparison, OperandKind};
use crate::parse::{compile_program, ProgramError, ProgramErrorKind};
use crate::source::SourceFile;

fn try_compile(text: &str) -> Result<Arc<Code>, (ProgramError, String)> {
    let source = Arc::new(SourceFile::new("prog.py", text));
    compile_program(&source).map_err(|error| {
        let rendered = error.render(&source);
        (error, rendered)
    })
}

fn compile(text: &str) -> Arc<Code> {
    try_compile(text).unwrap_or_else(|(_, rendered)| panic!("does not compile:\n{rendered}"))
}

fn error(text: &str) -> (ProgramError, String) {
    match try_compile(text) {
        Ok(_) => panic!("compiled, but should not have:\n{text}"),
        Err(error) => error,
    }
}

/// `LoadGlobal counter`, `BinaryOp +=`, `Jump 7`…: one string per instruction.
fn ops(code: &Code) -> Vec<String> {
    code.instructions
        .iter()
        .map(|instruction| {
            let name = instruction.name();
            let Some((kind, operand)) = instruction.operand() else {
                return name.to_owned();
            };
            let index = operand as usize;
            let shown = match kind {
                OperandKind::Const => code.constants[index].constant_repr(),
                OperandKind::Name => code.names[index].as_str().to_owned(),
                OperandKind::Local => code.varnames[index].as_str().to_owned(),
                OperandKind::Cell => code
                    .cellvars
                    .iter()
                    .chain(&code.freevars)
                    .nth(index)
                    .unwrap()
                    .as_str()
                    .to_owned(),
                OperandKind::Code => code.children[index].qualname.as_str().to_owned(),
                OperandKind::BinaryOp => BinaryOperator::from_operand(operand).symbol().to_owned(),
                OperandKind::Compare => Comparison::from_operand(operand).symbol().to_owned(),
                _ => operand.to_string(),
            };
            format!("{name} {shown}")
        })
        .collect()
}

fn child<'c>(code: &'c Code, qualname: &str) -> &'c Code {
    fn find<'c>(code: &'c Code, qualname: &str) -> Option<&'c Code> {
        code.children.iter().find_map(|c| {
            if c.qualname.as_str() == qualname {
                Some(&**c)
            } else {
                find(c, qualname)
            }
        })
    }
    find(code, qualname).unwrap_or_else(|| panic!("no code object {qualname}"))
}

fn names(list: &[Arc<crate::objects::PyStr>]) -> Vec<&str> {
    list.iter().map(|n| n.as_str()).collect()
}

fn count(ops: &[String], op: &str) -> usize {
    ops.iter().filter(|o| *o == op).count()
}

#[test]
fn augmented_assignment_on_a_global_is_load_op_store() {
    let code = compile("counter = 0\ndef inc():\n    global counter\n    counter += 1\n");
    assert_eq!(
        ops(child(&code, "inc")),
        [
            "LoadGlobal counter",
            "LoadConst 1",
            "BinaryOp +=",
            "StoreGlobal counter",
            "LoadConst None",
            "ReturnValue"
        ]
    );
}

#[test]
fn a_global_statement_may_follow_the_first_use() {
    let code = compile("def f():\n    print(total)\n    global total\n    total = 1\n");
    let f = ops(child(&code, "f"));
    assert!(f.contains(&"LoadGlobal total".to_owned()), "{f:?}");
    assert!(f.contains(&"StoreGlobal total".to_owned()), "{f:?}");
}

#[test]
fn module_code_uses_names() {
    let code = compile("x = 1\nx += 2\n");
    assert_eq!(
        ops(&code),
        [
            "LoadConst 1",
            "StoreName x",
            "LoadName x",
            "LoadConst 2",
            "BinaryOp +=",
            "StoreName x",
            "LoadConst None",
            "ReturnValue"
        ]
    );
}

#[test]
fn augmented_assignment_on_attributes_and_subscripts() {
    let code = compile("self.n += 1\nd[k] -= 2\n");
    assert_eq!(
        ops(&code)[..15],
        [
            "LoadName self",
            "DupTop",
            "LoadAttr n",
            "LoadConst 1",
            "BinaryOp +=",
            "RotTwo",
            "StoreAttr n",
            "LoadName d",
            "LoadName k",
            "DupTopTwo",
            "BinarySubscr",
            "LoadConst 2",
            "BinaryOp -=",
            "RotThree",
            "StoreSubscr",
        ]
    );
}

#[test]
fn closures_get_cells() {
    let code = compile(
        "def outer():\n    n = 0\n    def inc():\n        nonlocal n\n        n += 1\n        return n\n    return inc\n",
    );
    let outer = child(&code, "outer");
    let inc = child(&code, "outer.<locals>.inc");
    assert_eq!(names(&outer.cellvars), ["n"]);
    assert_eq!(names(&inc.freevars), ["n"]);
    assert_eq!(inc.function_flags, function_flags::CLOSURE);
    let outer_ops = ops(outer);
    assert_eq!(
        outer_ops[..6],
        [
            "LoadConst 0",
            "StoreDeref n",
            "LoadClosure n",
            "BuildTuple 1",
            "MakeFunction outer.<locals>.inc",
            "StoreFast inc"
        ]
    );
    assert_eq!(
        ops(inc)[..4],
        ["LoadDeref n", "LoadConst 1", "BinaryOp +=", "StoreDeref n"]
    );
}

#[test]
fn captured_parameters_move_into_cells() {
    let code = compile("def f(a, b):\n    return lambda: a + b\n");
    let f = child(&code, "f");
    assert_eq!(names(&f.varnames), ["a", "b"]);
    assert_eq!(names(&f.cellvars), ["a", "b"]);
    assert_eq!(f.cell_parameters, [(0, 0), (1, 1)]);
    let lambda = child(&code, "f.<locals>.<lambda>");
    assert_eq!(lambda.kind, CodeKind::Lambda);
    assert_eq!(
        ops(lambda),
        ["LoadDeref a", "LoadDeref b", "BinaryOp +", "ReturnValue"]
    );
}

#[test]
fn parameters_defaults_and_keyword_only() {
    let code = compile("def f(a, /, b=1, *args, c, d=2, **kw):\n    e = 3\n");
    let f = child(&code, "f");
    assert_eq!(names(&f.varnames), ["a", "b", "c", "d", "args", "kw", "e"]);
    let p = &f.parameters;
    assert_eq!(
        (
            p.positional,
            p.positional_only,
            p.keyword_only,
            p.varargs,
            p.varkw
        ),
        (2, 1, 2, true, true)
    );
    assert_eq!(
        f.function_flags,
        function_flags::DEFAULTS | function_flags::KW_DEFAULTS
    );
    assert_eq!(
        ops(&code)[..6],
        [
            "LoadConst 1",
            "BuildTuple 1",
            "LoadConst 'd'",
            "LoadConst 2",
            "BuildMap 1",
            "MakeFunction f"
        ]
    );
}

#[test]
fn try_finally_duplicates_the_finally_body() {
    let code = compile("def f():\n    try:\n        g()\n    finally:\n        h()\n");
    let f = ops(child(&code, "f"));
    assert_eq!(count(&f, "LoadGlobal h"), 2);
    assert_eq!(
        f,
        [
            "SetupExcept 9",
            "LoadGlobal g",
            "Call 0",
            "PopTop",
            "PopBlock",
            "LoadGlobal h",
            "Call 0",
            "PopTop",
            "Jump 15",
            "PushExcInfo",
            "LoadGlobal h",
            "Call 0",
            "PopTop",
            "PopExcept",
            "Reraise",
            "LoadConst None",
            "ReturnValue",
        ]
    );
}

#[test]
fn return_inside_try_finally_runs_a_copy_of_the_finally_body() {
    let code = compile("def f():\n    try:\n        return g()\n    finally:\n        h()\n");
    let f = ops(child(&code, "f"));
    assert_eq!(count(&f, "LoadGlobal h"), 3);
    assert_eq!(
        f[..8],
        [
            "SetupExcept 13",
            "LoadGlobal g",
            "Call 0",
            "PopBlock",
            "LoadGlobal h",
            "Call 0",
            "PopTop",
            "ReturnValue"
        ]
    );
}

#[test]
fn try_except_layout() {
    let code = compile(
        "try:\n    f()\nexcept (KeyError, IndexError) as e:\n    print(e)\nexcept ValueError:\n    pass\nexcept:\n    raise\nelse:\n    g()\n",
    );
    let ops = ops(&code);
    let handler = ops.iter().position(|o| o == "PushExcInfo").unwrap();
    assert_eq!(
        ops[handler..handler + 15],
        [
            "PushExcInfo",
            "LoadName KeyError",
            "LoadName IndexError",
            "BuildTuple 2",
            "CheckExcMatch",
            &ops[handler + 5],
            "StoreName e",
            "LoadName print",
            "LoadName e",
            "Call 1",
            "PopTop",
            "PopExcept",
            "LoadConst None",
            "StoreName e",
            "DeleteName e",
        ]
    );
    assert!(ops[handler + 5].starts_with("PopJumpIfFalse"));
    assert_eq!(ops.last().unwrap(), "ReturnValue");
    assert!(ops.contains(&"Raise 0".to_owned()));
    assert!(ops.contains(&"Reraise".to_owned()));
}

#[test]
fn break_and_return_unwind_with_blocks() {
    let code = compile(
        "def f(xs, lock):\n    for x in xs:\n        with lock:\n            if x:\n                break\n            return x\n",
    );
    let f = ops(child(&code, "f"));
    let brk = f
        .iter()
        .position(|o| o.starts_with("PopJumpIfFalse"))
        .expect("if x")
        + 1;
    // break: leave the with (handler, exit call), pop the iterator, jump past the loop.
    assert_eq!(
        f[brk..brk + 4],
        ["PopBlock", "CallWithExitNone", "PopTop", &f[brk + 3]]
    );
    assert!(f[brk + 3].starts_with("Jump "));
    // return: the value rides above the exit function.
    assert_eq!(
        f[brk + 4..brk + 9],
        [
            "LoadFast x",
            "PopBlock",
            "RotTwo",
            "CallWithExitNone",
            "ReturnValue"
        ]
    );
}

#[test]
fn with_binds_its_target_before_installing_the_handler() {
    let code = compile("with open(p) as f, lock:\n    pass\n");
    let ops = ops(&code);
    assert_eq!(
        ops[..5],
        [
            "LoadName open",
            "LoadName p",
            "Call 1",
            "BeforeWith",
            "StoreName f"
        ]
    );
    assert!(ops[5].starts_with("SetupExcept"));
    assert_eq!(ops[6..8], ["LoadName lock", "BeforeWith"]);
    assert_eq!(count(&ops, "WithExceptStart"), 2);
    assert_eq!(count(&ops, "CallWithExitNone"), 2);
}

#[test]
fn break_outside_a_loop_inside_the_finally_path_pops_the_exception() {
    let code = compile("while True:\n    try:\n        pass\n    finally:\n        break\n");
    let ops = ops(&code);
    let handler = ops.iter().position(|o| o == "PushExcInfo").unwrap();
    assert_eq!(ops[handler + 1..handler + 3], ["PopExcept", "PopTop"]);
}

#[test]
fn classes_and_super() {
    let code = compile(
        "class Worker(Thread):\n    def __init__(self):\n        super().__init__()\n    def run(self):\n        pass\n",
    );
    assert_eq!(
        ops(&code)[..5],
        [
            "MakeFunction Worker",
            "LoadConst 'Worker'",
            "LoadName Thread",
            "BuildClass 1",
            "StoreName Worker"
        ]
    );
    let body = child(&code, "Worker");
    assert_eq!(body.kind, CodeKind::Class);
    assert_eq!(names(&body.cellvars), ["__class__"]);
    let body_ops = ops(body);
    assert_eq!(
        body_ops[..4],
        [
            "LoadName __name__",
            "StoreName __module__",
            "LoadConst 'Worker'",
            "StoreName __qualname__"
        ]
    );
    assert_eq!(
        body_ops[body_ops.len() - 2..],
        ["LoadClosure __class__", "ReturnValue"]
    );
    let init = child(&code, "Worker.__init__");
    assert_eq!(names(&init.freevars), ["__class__"]);
    assert_eq!(
        ops(init)[..4],
        [
            "LoadGlobal super",
            "Call 0",
            "LoadMethod __init__",
            "CallMethod 0"
        ]
    );
    // `run` does not use super: no closure.
    assert!(child(&code, "Worker.run").freevars.is_empty());
}

#[test]
fn a_class_without_super_returns_none() {
    let code = compile("class C:\n    x = 1\n    def m(self):\n        return self.__secret\n");
    let body = ops(child(&code, "C"));
    assert_eq!(body[body.len() - 2..], ["LoadConst None", "ReturnValue"]);
    assert_eq!(
        ops(child(&code, "C.m"))[..2],
        ["LoadFast self", "LoadAttr _C__secret"]
    );
}

#[test]
fn class_bodies_read_enclosing_variables_through_class_deref() {
    let code = compile("def f():\n    x = 1\n    class C:\n        y = x\n        def g(self):\n            return x\n");
    let body = child(&code, "f.<locals>.C");
    assert_eq!(names(&body.freevars), ["x"]);
    assert!(ops(body).contains(&"LoadClassDeref x".to_owned()));
    assert_eq!(ops(child(&code, "f.<locals>.C.g"))[0], "LoadDeref x");
}

#[test]
fn decorators_apply_bottom_up() {
    let code = compile("@a\n@b\ndef f():\n    pass\n");
    assert_eq!(
        ops(&code)[..6],
        [
            "LoadName a",
            "LoadName b",
            "MakeFunction f",
            "Call 1",
            "Call 1",
            "StoreName f"
        ]
    );
}

#[test]
fn chained_comparison_evaluates_the_middle_once() {
    let code = compile("r = a < b <= c\n");
    assert_eq!(
        ops(&code)[..13],
        [
            "LoadName a",
            "LoadName b",
            "DupTop",
            "RotThree",
            "CompareOp <",
            "JumpIfFalseOrPop 9",
            "LoadName c",
            "CompareOp <=",
            "Jump 11",
            "RotTwo",
            "PopTop",
            "StoreName r",
            "LoadConst None",
        ]
    );
}

#[test]
fn is_in_and_boolean_operators() {
    let code = compile("r = a is not None and b not in c or not d\n");
    assert_eq!(
        ops(&code)[..11],
        [
            "LoadName a",
            "LoadConst None",
            "IsOp 1",
            "JumpIfFalseOrPop 7",
            "LoadName b",
            "LoadName c",
            "ContainsOp 1",
            "JumpIfTrueOrPop 10",
            "LoadName d",
            "UnaryOp 2",
            "StoreName r",
        ]
    );
}

#[test]
fn comprehensions_are_functions_of_their_first_iterator() {
    let code = compile("r = [x * y for x in a if x for y in b]\n");
    assert_eq!(
        ops(&code)[..5],
        [
            "MakeFunction <listcomp>",
            "LoadName a",
            "GetIter",
            "Call 1",
            "StoreName r"
        ]
    );
    let comp = child(&code, "<listcomp>");
    assert_eq!(comp.kind, CodeKind::Comprehension);
    assert_eq!(names(&comp.varnames), [".0", "x", "y"]);
    assert_eq!(comp.parameters.positional, 1);
    let comp_ops = ops(comp);
    assert_eq!(comp_ops[..3], ["BuildList 0", "LoadFast .0", "ForIter 16"]);
    assert!(comp_ops.contains(&"ListAppend 3".to_owned()));
    assert!(comp_ops.contains(&"LoadGlobal b".to_owned()));
}

#[test]
fn generator_expressions_are_lazy_generators() {
    let code = compile("total = sum(x for x in xs)\n");
    assert_eq!(
        ops(&code)[..6],
        [
            "LoadName sum",
            "MakeFunction <genexpr>",
            "LoadName xs",
            "GetIter",
            "Call 1",
            "Call 1"
        ]
    );
    let genexpr = child(&code, "<genexpr>");
    assert!(genexpr.is_generator);
    assert!(ops(genexpr).contains(&"YieldValue".to_owned()));
}

#[test]
fn a_function_with_yield_is_a_generator_and_yield_outside_one_is_an_error() {
    let code = compile("def g():\n    x = yield 1\n");
    assert!(child(&code, "g").is_generator);
    let (error, _) = error("yield 1\n");
    assert_eq!(error.kind, ProgramErrorKind::SyntaxError);
}

#[test]
fn dict_and_set_comprehensions() {
    let code = compile("d = {k: v for k, v in items}\ns = {x for x in xs}\n");
    assert!(ops(child(&code, "<dictcomp>")).contains(&"MapAdd 2".to_owned()));
    assert!(ops(child(&code, "<setcomp>")).contains(&"SetAdd 2".to_owned()));
    assert!(ops(child(&code, "<dictcomp>")).contains(&"UnpackSequence 2".to_owned()));
}

#[test]
fn walrus_in_a_comprehension_binds_in_the_function() {
    let code = compile("def f(xs):\n    [last := x for x in xs]\n    return last\n");
    let f = child(&code, "f");
    assert_eq!(names(&f.cellvars), ["last"]);
    let comp = child(&code, "f.<locals>.<listcomp>");
    assert_eq!(names(&comp.freevars), ["last"]);
    assert!(ops(comp).contains(&"StoreDeref last".to_owned()));
    let module = compile("[last := x for x in xs]\nprint(last)\n");
    assert!(ops(child(&module, "<listcomp>")).contains(&"StoreGlobal last".to_owned()));
}

#[test]
fn calls() {
    let code = compile("obj.meth(1, k=2)\nf(a, b=c)\ng(*args, x, **kw)\n");
    let ops = ops(&code);
    assert_eq!(
        ops[..6],
        [
            "LoadName obj",
            "LoadMethod meth",
            "LoadConst 1",
            "LoadConst 2",
            "LoadConst ('k',)",
            "CallMethodKw 2"
        ]
    );
    assert_eq!(
        ops[7..12],
        [
            "LoadName f",
            "LoadName a",
            "LoadName c",
            "LoadConst ('b',)",
            "CallKw 2"
        ]
    );
    assert_eq!(
        ops[13..22],
        [
            "LoadName g",
            "BuildList 0",
            "LoadName args",
            "ListExtend 1",
            "LoadName x",
            "ListAppend 1",
            "ListToTuple",
            "BuildMap 0",
            "LoadName kw",
        ]
    );
    assert_eq!(ops[22..24], ["DictMerge 1", "CallEx 1"]);
}

#[test]
fn unpacking_targets() {
    let code = compile("a, *b, c = x\nfor i, (j, k) in y:\n    pass\n");
    let ops = ops(&code);
    assert_eq!(
        ops[..5],
        [
            "LoadName x",
            &format!("UnpackEx {}", 1 | 1 << 8),
            "StoreName a",
            "StoreName b",
            "StoreName c"
        ]
    );
    assert!(ops.contains(&"UnpackSequence 2".to_owned()));
}

#[test]
fn chained_assignment_and_slices() {
    let code = compile("a = b = x[1:]\ndel x[::2], y.z\n");
    assert_eq!(
        ops(&code)[..16],
        [
            "LoadName x",
            "LoadConst 1",
            "LoadConst None",
            "BuildSlice 2",
            "BinarySubscr",
            "DupTop",
            "StoreName a",
            "StoreName b",
            "LoadName x",
            "LoadConst None",
            "LoadConst None",
            "LoadConst 2",
            "BuildSlice 3",
            "DeleteSubscr",
            "LoadName y",
            "DeleteAttr z",
        ]
    );
}

#[test]
fn displays_with_unpacking() {
    let code = compile("t = (1, 2, -3)\nl = [*a, 1]\nd = {'k': 1, **e, 'j': 2}\n");
    let ops = ops(&code);
    assert_eq!(ops[0], "LoadConst (1, 2, -3)");
    assert_eq!(
        ops[2..6],
        ["BuildList 0", "LoadName a", "ListExtend 1", "LoadConst 1"]
    );
    assert!(ops.contains(&"DictUpdate 1".to_owned()));
    assert!(ops.contains(&"MapAdd 1".to_owned()));
}

#[test]
fn big_ints_and_literals() {
    let code = compile(
        "x = 123456789012345678901234567890\ny = 0xFFFF_FFFF_FFFF_FFFF_FF\nz = b'ab' b'c'\n",
    );
    let code_ops = ops(&code);
    assert_eq!(code_ops[0], "LoadConst 123456789012345678901234567890");
    assert_eq!(code_ops[2], "LoadConst 4722366482869645213695");
    let code = compile("s = 'a' 'b'\n");
    assert_eq!(ops(&code)[0], "LoadConst 'ab'");
}

#[test]
fn f_strings() {
    let code = compile("s = f'{x!r:>{w}} and {y=} {z:.2f}'\n");
    assert_eq!(
        ops(&code)[..12],
        [
            "LoadName x",
            "LoadConst '>'",
            "LoadName w",
            "FormatValue 0",
            "BuildString 2",
            "FormatValue 6",
            "LoadConst ' and y='",
            "LoadName y",
            "FormatValue 2",
            "LoadConst ' '",
            "LoadName z",
            "LoadConst '.2f'",
        ]
    );
    assert_eq!(ops(&code)[12..14], ["FormatValue 4", "BuildString 5"]);
}

#[test]
fn imports() {
    let code = compile("import os\nimport a.b.c\nimport a.b as ab\nfrom m.sub import x, y as z\nfrom __future__ import annotations\n");
    assert_eq!(
        ops(&code)[..13],
        [
            "ImportName os",
            "StoreName os",
            "ImportName a.b.c",
            "StoreName a",
            "ImportModule a.b",
            "StoreName ab",
            "ImportModule m.sub",
            "ImportFrom x",
            "StoreName x",
            "ImportFrom y",
            "StoreName z",
            "PopTop",
            "LoadConst None",
        ]
    );
}

#[test]
fn assert_and_raise() {
    let code = compile("assert x, 'msg'\nraise E from C\n");
    assert_eq!(
        ops(&code)[..9],
        [
            "LoadName x",
            "PopJumpIfTrue 6",
            "LoadAssertionError",
            "LoadConst 'msg'",
            "Call 1",
            "Raise 1",
            "LoadName E",
            "LoadName C",
            "Raise 2",
        ]
    );
}

#[test]
fn while_true_has_no_test_and_loops_back() {
    let code = compile("while True:\n    if x:\n        continue\n    break\nelse:\n    y()\n");
    assert_eq!(
        ops(&code)[..5],
        [
            "LoadName x",
            "PopJumpIfFalse 3",
            "Jump 0",
            "Jump 8",
            "Jump 0"
        ]
    );
}

#[test]
fn qualnames() {
    let code = compile("def f():\n    def g():\n        pass\n    return lambda: 0\nclass C:\n    def m(self):\n        pass\n");
    child(&code, "f.<locals>.g");
    child(&code, "f.<locals>.<lambda>");
    let m = child(&code, "C.m");
    assert_eq!(m.name.as_str(), "m");
    assert_eq!(m.first_line, 6);
}

#[test]
fn instructions_carry_their_lines() {
    let code = compile("x = 1\nprint(\n    x,\n    y)\n");
    let call = code
        .instructions
        .iter()
        .position(|i| i.name() == "Call")
        .unwrap();
    assert_eq!(code.line_of(call), 2);
    let load_y = ops(&code).iter().position(|o| o == "LoadName y").unwrap();
    assert_eq!(code.line_of(load_y), 4);
}

#[test]
fn unsupported_constructs_name_the_construct_and_line() {
    for (text, construct, line) in [
        ("x = 1\ndef g():\n    yield from h()\n", "yield from", 3),
        ("async def f():\n    pass\n", "async functions", 1),
        ("def f():\n    await g()\n", "async functions", 2),
        (
            "match x:\n    case 1:\n        pass\n",
            "match statements",
            1,
        ),
        ("from . import x\n", "relative imports", 1),
        ("from m import *\n", "from ... import *", 1),
        ("x = ...\n", "Ellipsis (...)", 1),
        (
            "class C(metaclass=M):\n    pass\n",
            "class keyword arguments (metaclass=...)",
            1,
        ),
    ] {
        let (error, rendered) = error(text);
        assert_eq!(error.kind, ProgramErrorKind::Unsupported, "{text}");
        assert_eq!(error.message, construct);
        assert_eq!(error.line, line, "{text}");
        assert_eq!(
            rendered,
            format!("File \"prog.py\", line {line}: not supported yet: {construct}\n")
        );
    }
}

#[test]
fn a_placeholder_ellipsis_body_compiles() {
    compile("def f():\n    ...\nclass C:\n    '''doc'''\n");
}

#[test]
fn compile_errors_have_ranges() {
    let source = Arc::new(SourceFile::new("prog.py", "def f():\n    nonlocal q\n"));
    let parsed = ruff_python_parser::parse_module(&source.text).unwrap();
    let error = super::compile_module(&source, parsed.syntax()).unwrap_err();
    assert_eq!(error.kind, CompileErrorKind::Syntax);
    assert_eq!(error.message, "no binding for nonlocal 'q' found");
    assert_eq!(source.line_of(error.range.start()), 2);
}

#[test]
fn walrus_in_a_comprehension_respects_the_functions_global() {
    let code = compile("def f():\n    global g\n    [g := x for x in y]\n");
    assert!(ops(child(&code, "f.<locals>.<listcomp>")).contains(&"StoreGlobal g".to_owned()));
}

// ---- end to end: the compiled programs run on the VM and print what CPython 3.11 prints ----

fn assert_runs_like_cpython(program: &str, cpython_stdout: &str) {
    let (stdout, stderr, outcome) = crate::run_source("prog.py", program);
    assert_eq!(stderr, "", "{outcome:?}");
    assert_eq!(stdout, cpython_stdout);
}

#[test]
fn functions_closures_comprehensions_and_literals() {
    assert_runs_like_cpython(
        r#"counter = 0
def inc(n):
    global counter
    for _ in range(n):
        counter += 1
inc(5)
print(counter)

def outer():
    n = 0
    def bump(k=1):
        nonlocal n
        n += k
        return n
    return bump
b = outer()
b(); b(); print(b(10))

def f(a, b=2, *args, c, d=4, **kw):
    return (a, b, args, c, d, sorted(kw))
print(f(1, c=3))
print(f(1, 5, 6, 7, c=3, z=9, y=8))
args = [1, 2, 3]
kw = {'c': 10, 'q': 11}
print(f(*args, **kw))
print((lambda x, y=3: x * y)(4))
sq = [x * x for x in range(10) if x % 2]
print(sq, {x: x % 3 for x in range(5)}, sorted({x % 3 for x in range(10)}))
print(sum(x for x in range(101)))
print([(i, j) for i in range(3) for j in range(i)])
a, *rest, z = range(6)
print(a, rest, z)
for i, (p, q) in enumerate([(1, 2), (3, 4)]):
    print(i, p, q)
x = [1, 2, 3, 4, 5]
print(x[1:3], x[::2], x[::-1], x[-2:])
x[1:3] = [9]
del x[0]
print(x)
d = {'a': 1}
d['a'] += 5
print(d, {**d, 'b': 2}, [*x, *x], (*x,))
name = "world"; width = 10; v = 3.14159
print(f"hello {name!r:>{width}} {v:.2f} {v=} {name=!s} {{}}")
print(1 < 2 < 3, 1 < 3 < 2, 2 is not None, 3 in [1, 2], 3 not in [1, 2])
print(0 or 5, 3 and 4, not 0, 1 if 0 else 2)
if (n := len(x)) > 2:
    print("n", n)
print([y := 5, y ** 2])
big = 123456789012345678901234567890
print(big * 2, -big, 2 ** 100, 0xFF, 0o17, 0b101, 1_000_000, 1e-3)
print("a" "b" 'c', b"xy")
"#,
        r#"5
12
(1, 2, (), 3, 4, [])
(1, 5, (6, 7), 3, 4, ['y', 'z'])
(1, 2, (3,), 10, 4, ['q'])
12
[1, 9, 25, 49, 81] {0: 0, 1: 1, 2: 2, 3: 0, 4: 1} [0, 1, 2]
5050
[(1, 0), (2, 0), (2, 1)]
0 [1, 2, 3, 4] 5
0 1 2
1 3 4
[2, 3] [1, 3, 5] [5, 4, 3, 2, 1] [4, 5]
[9, 4, 5]
{'a': 6} {'a': 6, 'b': 2} [9, 4, 5, 9, 4, 5] (9, 4, 5)
hello    'world' 3.14 v=3.14159 name=world {}
True False True False True
5 4 True 2
n 3
[5, 25]
246913578024691357802469135780 -123456789012345678901234567890 1267650600228229401496703205376 255 15 5 1000000 0.001
abc b'xy'
"#,
    );
}

#[test]
fn classes_super_decorators_and_class_closures() {
    assert_runs_like_cpython(
        r#"class Base:
    kind = "base"
    def __init__(self, name):
        self.name = name
    def hello(self):
        return "Base " + self.name
    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"

class Child(Base):
    def __init__(self, name, extra):
        super().__init__(name)
        self.extra = extra
    def hello(self):
        return "Child/" + super().hello()

c = Child("x", 1)
print(c.hello(), c.kind, c.extra, repr(c))
print(isinstance(c, Base), Child.__name__, Child.__qualname__)

def deco(tag):
    def wrap(fn):
        def inner(*a, **kw):
            return tag + str(fn(*a, **kw))
        return inner
    return wrap

@deco("<")
@deco(">")
def g(x):
    return x
print(g(1))
def make():
    x = 10
    class Inner:
        y = x
        def get(self):
            return x
    return Inner
I = make()
print(I.y, I().get())
"#,
        r#"Child/Base x base 1 <Child x>
True Child Child
<>1
10 10
"#,
    );
}

#[test]
fn exceptions_finally_with_and_loop_else() {
    assert_runs_like_cpython(
        r#"def f(n):
    try:
        if n == 0:
            return "zero"
        if n == 1:
            raise ValueError("one")
        return "other"
    except ValueError as e:
        return "caught " + str(e)
    finally:
        print("finally", n)
print(f(0)); print(f(1)); print(f(2))

for i in range(5):
    try:
        if i == 1:
            continue
        if i == 3:
            break
        print("body", i)
    finally:
        print("fin", i)

class CM:
    def __init__(self, name, suppress=False):
        self.name = name; self.suppress = suppress
    def __enter__(self):
        print("enter", self.name); return self
    def __exit__(self, t, v, tb):
        print("exit", self.name, t.__name__ if t else None); return self.suppress

with CM("a") as a, CM("b") as b:
    print("in", a.name, b.name)

with CM("s", True):
    raise KeyError("x")
print("after suppress")

def w():
    for i in range(3):
        with CM(i):
            if i == 1:
                return i
print(w())

try:
    with CM("r"):
        1 / 0
except ZeroDivisionError:
    print("zde")

try:
    try:
        raise KeyError("k")
    except (ValueError, KeyError) as e:
        print("got", repr(e))
        raise
except KeyError:
    print("reraised")
try:
    raise RuntimeError("a") from ValueError("b")
except RuntimeError as e:
    print(repr(e), repr(e.__cause__))
try:
    assert 1 == 2, "msg"
except AssertionError as e:
    print("assert", e)
try:
    x = 1
except:
    pass
else:
    print("else")
i = 0
while i < 3:
    i += 1
else:
    print("while else", i)
for j in []:
    pass
else:
    print("for else")
"#,
        r#"finally 0
zero
finally 1
caught one
finally 2
other
body 0
fin 0
fin 1
body 2
fin 2
fin 3
enter a
enter b
in a b
exit b None
exit a None
enter s
exit s KeyError
after suppress
enter 0
exit 0 None
enter 1
exit 1 None
1
enter r
exit r ZeroDivisionError
zde
got KeyError('k')
reraised
RuntimeError('a') ValueError('b')
assert msg
else
while else 3
for else
"#,
    );
}
