//! The built `threadlab` binary, run as a learner runs it.
//!
//! These tests check the shape of the output and the exit codes, never a measured time or
//! ratio: CI runs them on a loaded two-core machine, where any timing can come out anyhow.

use std::process::{Command, Output};

fn threadlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadlab"))
        .args(args)
        .output()
        .expect("the threadlab binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn version_prints_the_package_version() {
    let output = threadlab(&["--version"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        format!("threadlab {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_the_bench_command() {
    let output = threadlab(&["--help"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("bench"), "{}", stdout(&output));
}

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    let output = threadlab(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("frobnicate"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn no_subcommand_shows_usage_and_is_a_usage_error() {
    let output = threadlab(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("Usage"), "{}", stderr(&output));
}

#[test]
fn zero_threads_is_a_usage_error() {
    let output = threadlab(&["bench", "--quick", "--threads", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--threads"), "{}", stderr(&output));
}

/// The first number followed by `×` in `line`, e.g. `1.97` in `... 1.97× speed-up`.
fn ratio_in(line: &str) -> Option<f64> {
    let (before, _) = line.split_once('×')?;
    let number = before.rsplit(' ').next()?;
    number.parse().ok()
}

#[test]
fn quick_bench_prints_every_scenario_with_a_ratio() {
    let output = threadlab(&["bench", "--quick", "--threads", "3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("3 threads"), "{text}");

    for name in ["CPU work, no GIL", "CPU work, GIL", "uncontended lock"] {
        // One table row and one reading per scenario, each carrying the ratio.
        let row = text
            .lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no table row for {name:?} in:\n{text}"));
        let reading = text
            .lines()
            .find(|line| line.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no reading for {name:?} in:\n{text}"));
        for line in [row, reading] {
            let ratio = ratio_in(line).unwrap_or_else(|| panic!("no ratio in {line:?}"));
            assert!(ratio.is_finite(), "{line:?}");
        }
    }
}

/// Writes `source` to a fresh file in a temporary directory and returns its path.
fn program(name: &str, source: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("threadlab-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, source).expect("write program");
    path
}

#[test]
fn run_prints_the_output_then_the_timing_on_stderr() {
    let path = program("hello.py", "for i in range(3):\n    print('line', i)\n");
    let output = threadlab(&["run", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "line 0\nline 1\nline 2\n");
    let err = stderr(&output);
    assert!(
        err.contains("s wall time") && err.contains("parallel mode"),
        "{err}"
    );
}

#[test]
fn run_with_time_puts_the_timing_on_stdout_after_the_output() {
    let path = program("timed.py", "print('done')\n");
    let output = threadlab(&["run", "--time", "--mode", "gil", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.starts_with("done\n["), "{out}");
    assert!(out.contains("GIL mode"), "{out}");
}

#[test]
fn an_uncaught_exception_prints_a_traceback_and_exits_1() {
    let path = program(
        "boom.py",
        "def f(x):\n    return 1 / x\n\nprint('before')\nf(0)\n",
    );
    let output = threadlab(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "before\n");
    let err = stderr(&output);
    assert!(
        err.starts_with("Traceback (most recent call last):\n"),
        "{err}"
    );
    assert!(err.contains("line 5, in <module>\n    f(0)\n"), "{err}");
    assert!(err.contains("line 2, in f\n    return 1 / x\n"), "{err}");
    assert!(
        err.contains("ZeroDivisionError: division by zero\n"),
        "{err}"
    );
}

#[test]
fn a_syntax_error_shows_the_line_and_a_caret_and_exits_1() {
    let path = program("bad.py", "x = (1,\nprint(x)\n");
    let output = threadlab(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("line 1") && err.contains('^') && err.contains("SyntaxError"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let output = threadlab(&["run", "/nonexistent/nothing.py"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("can't open file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unsupported_construct_names_itself_and_its_line() {
    let path = program("gen.py", "def g():\n    yield from range(3)\n");
    let output = threadlab(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("not supported yet: yield from") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn dis_prints_the_bytecode_without_running() {
    let path = program("dis.py", "counter = 0\ncounter += 1\nprint('ran')\n");
    let output = threadlab(&["run", "--dis", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(!out.contains("ran\n"), "the program must not run: {out}");
    // The race-prone `+=` on a global is a separate load, add and store.
    let load = out.find("LoadName").expect("a load");
    let add = out.find("BinaryOp").expect("an add");
    let store = out[add..].find("StoreName").expect("a store");
    assert!(load < add && store > 0, "{out}");
}

#[test]
fn a_runaway_loop_is_stopped_by_the_instruction_budget() {
    let path = program("spin.py", "while True:\n    pass\n");
    let output = threadlab(&[
        "run",
        "--max-instructions",
        "100000",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("stopped"), "{}", stderr(&output));
}

#[test]
fn a_runaway_loop_is_stopped_by_the_timeout() {
    let path = program("spin_forever.py", "n = 0\nwhile True:\n    n += 1\n");
    let output = threadlab(&["run", "--timeout", "0.2", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("time limit"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_huge_allocation_is_a_memory_error_not_a_crash() {
    let path = program(
        "huge.py",
        "try:\n    x = [0] * 10**10\nexcept MemoryError:\n    print('MemoryError')\n",
    );
    let output = threadlab(&["run", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "MemoryError\n");
}

#[test]
fn system_exit_sets_the_exit_status() {
    let path = program("exit3.py", "print('leaving')\nraise SystemExit(3)\n");
    let output = threadlab(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(stdout(&output), "leaving\n");
    assert!(
        !stderr(&output).contains("Traceback"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn trace_and_timeline_show_every_thread() {
    let path = program(
        "traced.py",
        "import threading\n\ndef work():\n    print('working')\n\nt = threading.Thread(target=work)\nt.start()\nt.join()\n",
    );
    let trace = path.with_extension("json");
    let output = threadlab(&[
        "run",
        "--timeline",
        "--trace",
        trace.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "working\n");
    let err = stderr(&output);
    assert!(
        err.contains("MainThread") && err.contains("Thread-1 (work)"),
        "{err}"
    );
    let json = std::fs::read_to_string(&trace).expect("the trace file is written");
    assert!(
        json.contains("\"traceEvents\"") && json.contains("Thread-1 (work)"),
        "{json}"
    );
}

#[test]
fn input_reads_standard_input_and_eof_is_an_eoferror() {
    use std::io::Write;
    use std::process::Stdio;
    let path = program(
        "ask.py",
        "name = input('name? ')\nprint('hello', name)\ntry:\n    input()\nexcept EOFError as e:\n    print('EOF:', e)\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadlab"))
        .args(["run", path.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the threadlab binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Ada\n")
        .expect("write stdin");
    let output = child.wait_with_output().expect("it finishes");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "name? hello Ada\nEOF: EOF when reading a line\n"
    );
}
