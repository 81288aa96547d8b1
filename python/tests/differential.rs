//! Differential check against CPython: every fixture without a `.err` file (a program that
//! runs cleanly) outside `limits/` also runs under `python3`, from inside its folder as
//! `python3 name.py`.
//!
//! - CPython's stdout must equal `name.out` and its exit status `name.code`: the expected
//!   files can never drift from CPython.
//! - Our stdout must equal CPython's, except for fixtures listed in `KNOWN_FAILURES`, which
//!   are reported but do not fail this test (`tests/fixtures.rs` keeps that list honest).
//!
//! `limits/` is left out because its programs exist to hit threadlab's limits (CPython would
//! try to allocate `[0] * 10**10`). Without `python3` on the machine the test prints a message
//! and passes.

mod common;

use std::time::Instant;

use common::{all_fixtures, diff, known_failures, run_fixture};

#[test]
fn fixtures_match_cpython() {
    if common::serve_child() {
        return;
    }
    let Some((python, version)) = common::cpython() else {
        eprintln!("differential: skipped, python3 is not on this machine");
        return;
    };
    let started = Instant::now();
    let known = known_failures();
    let (mut checked, mut known_differences) = (0, Vec::new());
    let mut problems = Vec::new();
    for fixture in all_fixtures() {
        if fixture.is_limits() || fixture.expected("err").is_some() {
            continue;
        }
        checked += 1;
        let cpython = match common::run_cpython(&python, &fixture) {
            Ok(run) => run,
            Err(message) => {
                problems.push(message);
                continue;
            }
        };
        let expected_out = fixture.expected("out").unwrap_or_default();
        if cpython.stdout != expected_out {
            problems.push(format!(
                "── {} ── CPython's stdout differs from {}.out (- file, + CPython):\n{}",
                fixture.rel,
                fixture.file_name.trim_end_matches(".py"),
                diff(&expected_out, &cpython.stdout)
            ));
        }
        match fixture.expected_code() {
            Ok(code) if Some(code) != cpython.code => problems.push(format!(
                "── {} ── CPython exits with {:?}, the fixture expects {code}",
                fixture.rel, cpython.code
            )),
            Ok(_) => {}
            Err(message) => problems.push(message),
        }
        let ours = match run_fixture(&fixture, "fixtures_match_cpython") {
            Ok(ran) => ran,
            Err(message) => {
                problems.push(message);
                continue;
            }
        };
        let broken = ours.breakage();
        if ours.stdout != cpython.stdout || broken.is_some() {
            if let Some(reason) = known.get(&fixture.rel) {
                known_differences.push(format!("{} ({reason})", fixture.rel));
            } else {
                problems.push(format!(
                    "── {} ── our stdout differs from CPython's (- CPython, + ours){}:\n{}",
                    fixture.rel,
                    broken.map(|b| format!("; {b}")).unwrap_or_default(),
                    diff(&cpython.stdout, &ours.stdout)
                ));
            }
        }
    }
    let summary = format!(
        "differential (CPython {version}): {checked} fixtures checked, {} known failures differ, {} problems, in {:.1?}",
        known_differences.len(),
        problems.len(),
        started.elapsed()
    );
    if !known_differences.is_empty() {
        eprintln!("known failures:\n  {}", known_differences.join("\n  "));
    }
    if problems.is_empty() {
        eprintln!("{summary}");
    } else {
        common::fail(&format!("{}\n\n{summary}", problems.join("\n\n")));
    }
}
