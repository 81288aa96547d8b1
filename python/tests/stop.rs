//! The Stop handle ends a `while True: pass` that has no instruction budget, quickly, with a
//! clear message and the "stopped" exit status.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use threadlab_core::StopReason;
use threadlab_python::{CapturedOutput, Outcome, Program, Run, RunOptions};

/// The issue asks for 100 ms; the bound here is looser so that a loaded CI machine running a
/// debug build cannot make the test flaky. The measured latency is printed.
const STOP_WITHIN: Duration = Duration::from_secs(2);

fn stop_after(source: &str, delay: Duration, reason: StopReason) -> (String, String, Outcome) {
    let output = CapturedOutput::new();
    let run = Run::new(
        Program::new("spin.py", source),
        RunOptions::default(),
        output.clone(),
    );
    let stop = run.stop_handle();
    let (tx, rx) = mpsc::channel();
    let runner = thread::spawn(move || {
        let outcome = run.run().outcome;
        let _ = tx.send(Instant::now());
        outcome
    });
    thread::sleep(delay);
    let stopped_at = Instant::now();
    stop.stop(reason);
    let ended_at = rx
        .recv_timeout(STOP_WITHIN)
        .unwrap_or_else(|_| panic!("the run did not end within {STOP_WITHIN:?} of Stop"));
    eprintln!(
        "stop: the run ended {:?} after Stop",
        ended_at.saturating_duration_since(stopped_at)
    );
    let outcome = runner.join().expect("the run thread");
    // Printed because threadlab's quiet panic hook also hides the assertion messages below.
    eprintln!(
        "stdout: {:?}\nstderr: {:?}\noutcome: {outcome:?}",
        output.stdout(),
        output.stderr()
    );
    (output.stdout(), output.stderr(), outcome)
}

#[test]
fn stop_ends_an_endless_loop() {
    let (stdout, stderr, outcome) = stop_after(
        "print('spinning')\nwhile True:\n    pass\n",
        Duration::from_millis(300),
        StopReason::Requested,
    );
    assert_eq!(stdout, "spinning\n");
    assert_eq!(stderr, "threadlab: the run was stopped\n");
    assert_eq!(outcome, Outcome::Stopped(StopReason::Requested));
    assert_eq!(outcome.exit_code(), 1);
}

#[test]
fn a_time_limit_stops_an_endless_loop_of_calls() {
    let reason = StopReason::LimitExceeded("the program ran longer than 0.3 seconds".into());
    let (stdout, stderr, outcome) = stop_after(
        "def f(n):\n    return n + 1\n\nn = 0\nwhile True:\n    n = f(n)\n",
        Duration::from_millis(300),
        reason.clone(),
    );
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "threadlab: the run was stopped: the program ran longer than 0.3 seconds\n"
    );
    assert_eq!(outcome, Outcome::Stopped(reason));
    assert_eq!(outcome.exit_code(), 1);
}
