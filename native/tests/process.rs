//! `multiprocessing.Process` through the built binary: every child is a real `threadlab`
//! process that runs the same file again as `__mp_main__`.
//!
//! No test depends on a measured time: a child "stuck" in `while True` is shown alive after a
//! `join(timeout)` has run out, then terminated.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Writes `source` to a file of its own and runs it with `threadlab run`.
fn run_program(name: &str, source: &str, extra: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("threadlab-process-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file: PathBuf = dir.join(format!("{name}.py"));
    std::fs::write(&file, source).expect("the program is written");
    Command::new(env!("CARGO_BIN_EXE_threadlab"))
        .arg("run")
        .arg(&file)
        .args(extra)
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
fn a_child_prints_to_the_parents_output_and_exits_zero() {
    let output = run_program(
        "prints",
        r#"
from multiprocessing import Process

def greet(who):
    print("hello from", who)

if __name__ == '__main__':
    p = Process(target=greet, args=("the child",))
    print(p.exitcode, p.pid)
    p.start()
    p.join()
    print("joined", p.exitcode, p.is_alive())
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "None None\nhello from the child\njoined 0 False\n"
    );
}

#[test]
fn a_child_in_while_true_is_terminated_and_the_parent_continues() {
    let started = Instant::now();
    let output = run_program(
        "terminate",
        r#"
from multiprocessing import Process

def spin():
    while True:
        pass

if __name__ == '__main__':
    p = Process(target=spin)
    p.start()
    p.join(timeout=0.5)
    print("alive after join(0.5):", p.is_alive(), p.exitcode)
    p.terminate()
    p.join()
    print("exitcode", p.exitcode, p.is_alive())
    print(repr(p).split()[-1])
    print("the parent continues")
"#,
        &["--timeout", "60"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "alive after join(0.5): True None\nexitcode -15 False\nexitcode=-SIGTERM>\nthe parent continues\n"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn kill_reports_minus_nine() {
    let output = run_program(
        "kill",
        r#"
from multiprocessing import Process

def spin():
    while True:
        pass

if __name__ == '__main__':
    p = Process(target=spin)
    p.start()
    p.kill()
    p.join()
    print(p.exitcode)
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "-9\n");
}

#[test]
fn exit_codes_are_as_cpython_reports_them() {
    let output = run_program(
        "exitcodes",
        r#"
from multiprocessing import Process

def fail():
    raise ValueError("boom")

def leave(code):
    raise SystemExit(code)

if __name__ == '__main__':
    for target, args in [(fail, ()), (leave, (3,)), (leave, (None,)), (leave, (0,))]:
        p = Process(target=target, args=args)
        p.start()
        p.join()
        print(target.__name__, args, p.exitcode)
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "fail () 1\nleave (3,) 3\nleave (None,) 0\nleave (0,) 0\n"
    );
    let err = stderr(&output);
    assert!(err.starts_with("Process Process-1:\nTraceback"), "{err}");
    assert!(err.contains("ValueError: boom"), "{err}");
}

#[test]
fn arguments_pass_by_value() {
    let output = run_program(
        "by_value",
        r#"
from multiprocessing import Process

class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

def work(items, table, point, big, *, label):
    items.append(4)
    table["seen"] = True
    point.x = 100
    print("child:", items, table, point.x, point.y, big, label)

if __name__ == '__main__':
    items = [1, 2, 3]
    table = {"key": (1.5, b"\x00", None, {7}), 2: frozenset({"a"})}
    point = Point(1, 2)
    p = Process(target=work, args=(items, table, point, 2**100), kwargs={"label": "L"})
    p.start()
    p.join()
    print("parent:", items, table, point.x)
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "child: [1, 2, 3, 4] {'key': (1.5, b'\\x00', None, {7}), 2: frozenset({'a'}), 'seen': True} 100 2 1267650600228229401496703205376 L\n\
         parent: [1, 2, 3] {'key': (1.5, b'\\x00', None, {7}), 2: frozenset({'a'})} 1\n"
    );
}

#[test]
fn the_child_runs_the_module_as_mp_main_and_skips_the_main_block() {
    let output = run_program(
        "mp_main",
        r#"
from multiprocessing import Process, current_process

print("module body:", __name__, current_process().name)

def work():
    print("target:", __name__, current_process().name)

if __name__ == '__main__':
    print("main block")
    p = Process(target=work, name="worker")
    p.start()
    p.join()
    print(current_process())
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "module body: __main__ MainProcess\nmain block\nmodule body: __mp_main__ worker\n\
         target: __mp_main__ worker\n<_MainProcess name='MainProcess' parent=None started>\n"
    );
}

#[test]
fn a_process_subclass_keeps_its_state_and_default_names_count_up() {
    let output = run_program(
        "subclass",
        r#"
import multiprocessing

class Worker(multiprocessing.Process):
    def __init__(self, count):
        super().__init__()
        self.count = count

    def run(self):
        me = multiprocessing.current_process()
        print(me.name, self.count, me is self, type(me).__name__)

if __name__ == '__main__':
    workers = [Worker(n) for n in (10, 20)]
    plain = multiprocessing.Process(target=print, args=("plain",))
    print([w.name for w in workers], plain.name)
    for w in workers:
        w.start()
        w.join()
    plain.start()
    plain.join()
    print([w.exitcode for w in workers], plain.exitcode)
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "['Worker-1', 'Worker-2'] Process-3\nWorker-1 10 True Worker\nWorker-2 20 True Worker\nplain\n[0, 0] 0\n"
    );
}

#[test]
fn values_that_cannot_cross_are_refused_at_start() {
    let output = run_program(
        "refused",
        r#"
from multiprocessing import Process

def work(x):
    pass

def outer():
    def inner():
        pass
    return inner

if __name__ == '__main__':
    import math
    for target, args in [(work, (math,)), (lambda: 1, ()), (outer(), ())]:
        p = Process(target=target, args=args)
        try:
            p.start()
        except Exception as e:
            print(type(e).__name__, str(e).split(" at 0x")[0], p.exitcode)
"#,
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "TypeError cannot pickle 'module' object None\n\
         PicklingError Can't pickle <function <lambda> None\n\
         AttributeError Can't pickle local object 'outer.<locals>.inner' None\n"
    );
}

#[test]
fn the_parent_waits_for_children_and_terminates_daemons_at_exit() {
    let output = run_program(
        "at_exit",
        r#"
from multiprocessing import Process

def spin():
    while True:
        pass

def late():
    total = 0
    for i in range(20000):
        total += i
    print("late child done", total)

if __name__ == '__main__':
    Process(target=spin, daemon=True).start()
    Process(target=late).start()
    print("parent done")
"#,
        &["--timeout", "60"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "parent done\nlate child done 199990000\n");
}

#[test]
fn a_stopped_run_ends_its_children() {
    let output = run_program(
        "stopped",
        r#"
from multiprocessing import Process

def spin():
    while True:
        pass

if __name__ == '__main__':
    p = Process(target=spin)
    p.start()
    p.join()
"#,
        &["--timeout", "1"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("time limit of 1 s exceeded"),
        "{}",
        stderr(&output)
    );
}
