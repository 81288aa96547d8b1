//! `multiprocessing.Process` through the [`ProcessLauncher`] interface alone, with the
//! [`InProcessLauncher`], which runs each child as a second run on a thread of this test
//! process: the shape a browser launcher (a Worker with its own interpreter) takes. The real child processes are
//! tested through the binary in `native/tests/process.rs`.

use std::sync::Arc;

use threadlab_core::trace::EventKind;
use threadlab_python::process::InProcessLauncher;
use threadlab_python::{run, CapturedOutput, Outcome, Program, RunOptions};

fn run_with_launcher(source: &str) -> (String, String, Outcome) {
    let output = CapturedOutput::new();
    let launcher = InProcessLauncher::new("main.py", source);
    let options = RunOptions {
        process_launcher: Some(Arc::new(launcher)),
        ..RunOptions::default()
    };
    let report = run(Program::new("main.py", source), options, output.clone());
    (output.stdout(), output.stderr(), report.outcome)
}

#[test]
fn children_share_the_parents_output_and_get_arguments_by_value() {
    let (out, err, outcome) = run_with_launcher(
        r#"
from multiprocessing import Process, current_process

def work(items, n):
    items.append(n)
    print(current_process().name, __name__, items)

if __name__ == '__main__':
    items = []
    procs = [Process(target=work, args=(items, n)) for n in range(3)]
    for p in procs:
        p.start()
        p.join()
    print(items, [p.exitcode for p in procs], [p.pid for p in procs])
"#,
    );
    assert_eq!(outcome, Outcome::Completed, "{err}");
    assert_eq!(
        out,
        "Process-1 __mp_main__ [0]\nProcess-2 __mp_main__ [1]\nProcess-3 __mp_main__ [2]\n\
         [] [0, 0, 0] [1000, 1001, 1002]\n"
    );
}

#[test]
fn terminate_stops_a_spinning_child() {
    let (out, err, outcome) = run_with_launcher(
        r#"
from multiprocessing import Process

def spin():
    while True:
        pass

if __name__ == '__main__':
    p = Process(target=spin, daemon=True)
    p.start()
    p.join(0.2)
    alive = p.is_alive()
    p.terminate()
    p.join()
    print(alive, p.exitcode, p)
"#,
    );
    assert_eq!(outcome, Outcome::Completed, "{err}");
    assert_eq!(
        out,
        "True -15 <Process name='Process-1' pid=1000 parent=PID stopped exitcode=-SIGTERM daemon>\n"
            .replace("PID", &std::process::id().to_string())
    );
    // A terminated child ends silently, as a process ended by a signal does.
    assert_eq!(err, "");
}

#[test]
fn the_trace_shows_a_child_started_signalled_and_joined() {
    let source = r#"
from multiprocessing import Process
import time

def sleepy():
    while True:
        time.sleep(0.01)

if __name__ == '__main__':
    p = Process(target=sleepy, name='sleeper')
    p.start()
    p.join(0.05)
    p.kill()
    p.join()
    p.join()
    p.terminate()
"#;
    let output = CapturedOutput::new();
    let options = RunOptions {
        process_launcher: Some(Arc::new(InProcessLauncher::new("main.py", source))),
        trace: true,
        ..RunOptions::default()
    };
    let report = run(Program::new("main.py", source), options, output.clone());
    assert_eq!(report.outcome, Outcome::Completed, "{}", output.stderr());
    let process_events: Vec<EventKind> = report
        .runtime
        .trace()
        .unwrap()
        .events()
        .into_iter()
        .filter(|event| event.thread == 0)
        .map(|event| event.kind)
        .filter(|kind| {
            matches!(
                kind,
                EventKind::ProcessStart { .. }
                    | EventKind::ProcessSignal { .. }
                    | EventKind::ProcessExit { .. }
            )
        })
        .collect();
    // One exit, however often it is joined; no signal to a child that has ended.
    assert_eq!(
        process_events,
        [
            EventKind::ProcessStart {
                pid: 1000,
                name: "sleeper".to_owned()
            },
            EventKind::ProcessSignal {
                pid: 1000,
                signal: 9
            },
            EventKind::ProcessExit {
                pid: 1000,
                exit_code: -9
            },
        ]
    );
}

#[test]
fn without_a_launcher_start_raises_oserror() {
    let (out, err, outcome) = threadlab_python::run_source(
        "main.py",
        r#"
from multiprocessing import Process
p = Process(target=print)
try:
    p.start()
except OSError as e:
    print("OSError:", e)
print(p.is_alive(), p.exitcode)
try:
    p.join()
except AssertionError as e:
    print("AssertionError:", e)
"#,
    );
    assert_eq!(outcome, Outcome::Completed, "{err}");
    assert_eq!(
        out,
        "OSError: processes are not available here\nFalse None\n\
         AssertionError: can only join a started process\n"
    );
}

#[test]
fn a_child_call_survives_its_text_form() {
    let (out, err, outcome) = run_with_launcher(
        r#"
from multiprocessing import Process

def show(*args, **kwargs):
    print(args, kwargs)

if __name__ == '__main__':
    p = Process(target=show, args=(None, True, -5, 2**70, 0.1, float("nan"), "é\n", b"\xff",
                                   [1, [2]], (3,), {"k": {4}}, frozenset()), kwargs={"f": print})
    p.start()
    p.join()
"#,
    );
    assert_eq!(outcome, Outcome::Completed, "{err}");
    assert_eq!(
        out,
        "(None, True, -5, 1180591620717411303424, 0.1, nan, 'é\\n', b'\\xff', [1, [2]], (3,), \
         {'k': {4}}, frozenset()) {'f': <built-in function print>}\n"
    );
}
