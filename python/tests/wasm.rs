//! The interpreter on `wasm32-unknown-unknown`, in headless Chromium, as the course runs it:
//! each program's main thread on a Web Worker, its threads on more workers sharing the memory
//! (scripts/test.sh runs these with wasm-bindgen-test's runner, whose page is cross-origin
//! isolated). A few of the native fixtures run here with their expected output, so that the
//! browser is held to the same `.out`/`.err` files as the CLI. Nothing asserts on real time.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use threadlab_core::{Mode, StopReason, Time};
use threadlab_python::{run, CapturedOutput, Limits, Outcome, Program, RunOptions};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../core/tests/support/wasm_page.rs"]
mod wasm_page;

use wasm_page::on_worker;

/// What a run printed and how it ended, with its clock's reading at the end.
#[derive(Debug)]
struct Ran {
    stdout: String,
    stderr: String,
    outcome: Outcome,
    clock: Time,
}

/// Runs `source` in `mode` with its main thread on a Web Worker (the page's own thread may
/// not block), and awaits the end without blocking the page. A worker that dies fails the
/// test instead of leaving it waiting.
async fn run_on_worker(name: &str, source: &str, mode: Mode) -> Ran {
    let (name, source) = (name.to_owned(), source.to_owned());
    on_worker(move || {
        let output = CapturedOutput::new();
        let options = RunOptions {
            mode,
            // An interpreter bug that loops forever fails the test instead of hanging it.
            limits: Limits {
                instruction_budget: Some(20_000_000),
                ..Limits::default()
            },
            ..RunOptions::default()
        };
        let report = run(Program::new(name, source), options, output.clone());
        Ran {
            stdout: output.stdout(),
            stderr: output.stderr(),
            outcome: report.outcome,
            clock: report.runtime.now(),
        }
    })
    .await
}

/// A native fixture (`tests/fixtures/...`) runs on wasm and prints exactly its expected files.
async fn fixture(name: &str, source: &str, out: &str, err: &str, outcome: Outcome) {
    // `# limits: seed=N` runs a timing-dependent fixture in virtual time, as natively.
    let mode = source
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# limits: seed="))
        .map_or(Mode::Parallel, |seed| {
            Mode::det(seed.trim().parse().unwrap())
        });
    let ran = run_on_worker(name, source, mode).await;
    assert_eq!(ran.stdout, out, "{name}: stdout");
    assert_eq!(ran.stderr, err, "{name}: stderr");
    assert_eq!(ran.outcome, outcome, "{name}: outcome");
}

macro_rules! fixture_files {
    ($dir:literal, $stem:literal) => {
        (
            concat!($stem, ".py"),
            include_str!(concat!("fixtures/", $dir, "/", $stem, ".py")),
            include_str!(concat!("fixtures/", $dir, "/", $stem, ".out")),
        )
    };
}

#[wasm_bindgen_test]
async fn a_program_runs_and_prints_what_cpython_prints() {
    for (name, source, out) in [
        fixture_files!("language", "classes_inheritance"),
        fixture_files!("language", "generators"),
        fixture_files!("language", "fstrings"),
        fixture_files!("language", "exceptions_try"),
        // Arithmetic, comparisons and loops: where the browser's interpreter runs loads
        // together with the instruction before them.
        fixture_files!("language", "arithmetic"),
        fixture_files!("language", "augmented_assign"),
        fixture_files!("language", "int_compare_branch"),
        fixture_files!("language", "while_loops"),
        fixture_files!("language", "for_loops"),
    ] {
        fixture(name, source, out, "", Outcome::Completed).await;
    }
}

#[wasm_bindgen_test]
async fn a_syntax_error_is_shown_as_cpython_shows_it() {
    fixture(
        "syntax_error_unclosed.py",
        include_str!("fixtures/errors/syntax_error_unclosed.py"),
        "",
        include_str!("fixtures/errors/syntax_error_unclosed.err"),
        Outcome::SyntaxError,
    )
    .await;
}

#[wasm_bindgen_test]
async fn an_uncaught_exception_prints_its_traceback() {
    let (name, source, out) = fixture_files!("errors", "zero_division");
    let err = include_str!("fixtures/errors/zero_division.err");
    fixture(name, source, out, err, Outcome::UncaughtException).await;
}

/// In the browser the interpreter runs a local's load together with the arithmetic, branch or
/// jump before it (`core::platform::DISPATCH_IS_COSTLY`): an unbound local there still fails
/// at its own line.
#[wasm_bindgen_test]
async fn a_local_read_right_after_arithmetic_fails_at_its_line_when_unbound() {
    let (name, source, out) = fixture_files!("errors", "unbound_local_after_arithmetic");
    let err = include_str!("fixtures/errors/unbound_local_after_arithmetic.err");
    fixture(name, source, out, err, Outcome::UncaughtException).await;
}

/// The same after a jump: a loop's condition reached from the end of its body.
#[wasm_bindgen_test]
async fn a_local_read_right_after_a_jump_fails_at_its_line_when_unbound() {
    let (name, source, out) = fixture_files!("errors", "unbound_local_in_loop_condition");
    let err = include_str!("fixtures/errors/unbound_local_in_loop_condition.err");
    fixture(name, source, out, err, Outcome::UncaughtException).await;
}

/// `threading` and `queue` on real Web Workers: threads that block on locks, queues and joins.
#[wasm_bindgen_test]
async fn threads_block_and_wake_on_workers() {
    for (name, source, out) in [
        fixture_files!("threading_sync", "lock_basics"),
        fixture_files!("threading_sync", "event"),
        fixture_files!("queue", "producer_consumer"),
        fixture_files!("pools", "futures_basics"),
    ] {
        fixture(name, source, out, "", Outcome::Completed).await;
    }
}

/// Four threads on four workers add under a lock: no update is lost.
#[wasm_bindgen_test]
async fn a_lock_keeps_every_update_across_workers() {
    let program = "import threading\n\
                   count = 0\n\
                   lock = threading.Lock()\n\
                   def add():\n\
                   \x20   global count\n\
                   \x20   for _ in range(5000):\n\
                   \x20       with lock:\n\
                   \x20           count += 1\n\
                   threads = [threading.Thread(target=add) for _ in range(4)]\n\
                   for t in threads:\n\
                   \x20   t.start()\n\
                   for t in threads:\n\
                   \x20   t.join()\n\
                   print(count, threading.active_count())\n";
    let ran = run_on_worker("count.py", program, Mode::Parallel).await;
    assert_eq!(
        (ran.stdout.as_str(), ran.stderr.as_str(), ran.outcome),
        ("20000 1\n", "", Outcome::Completed)
    );
}

/// In deterministic mode, sleeps take virtual time: threads wake in the order of their
/// sleeps, and the run's clock ends at the longest sleep.
#[wasm_bindgen_test]
async fn deterministic_runs_sleep_in_virtual_time() {
    let program = "import threading, time\n\
                   def nap(name, seconds):\n\
                   \x20   time.sleep(seconds)\n\
                   \x20   print(name)\n\
                   threads = [threading.Thread(target=nap, args=(n, s))\n\
                   \x20          for n, s in [('c', 30), ('a', 10), ('b', 20)]]\n\
                   for t in threads:\n\
                   \x20   t.start()\n\
                   for t in threads:\n\
                   \x20   t.join()\n";
    for seed in 0..3 {
        let ran = run_on_worker("naps.py", program, Mode::det(seed)).await;
        assert_eq!(
            (ran.stdout.as_str(), ran.stderr.as_str(), &ran.outcome),
            ("a\nb\nc\n", "", &Outcome::Completed),
            "seed {seed}"
        );
        assert_eq!(
            ran.clock,
            Time::ZERO + Duration::from_secs(30),
            "seed {seed}"
        );
    }
}

/// A lock taken twice by the same thread can never be had: the deterministic scheduler stops
/// the run and says who waits for what.
#[wasm_bindgen_test]
async fn a_deadlock_is_reported_not_hung() {
    let program = "import threading\n\
                   lock = threading.Lock()\n\
                   lock.acquire()\n\
                   print('once')\n\
                   lock.acquire()\n\
                   print('never')\n";
    let ran = run_on_worker("twice.py", program, Mode::det(0)).await;
    assert_eq!(ran.stdout, "once\n");
    match &ran.outcome {
        Outcome::Stopped(StopReason::Deadlock(report)) => {
            assert!(report.contains("MainThread waits for Lock#1"), "{report}");
            assert!(ran.stderr.contains(report.as_str()), "{}", ran.stderr);
        }
        other => panic!(
            "expected a deadlock, got {other:?}; stderr:\n{}",
            ran.stderr
        ),
    }
}
