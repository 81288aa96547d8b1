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

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{all_fixtures, diff, known_failures, run_fixture, Fixture};

const CPYTHON_TIMEOUT: Duration = Duration::from_secs(30);

struct CPythonRun {
    stdout: String,
    code: Option<i32>,
}

fn run_cpython(python: &str, fixture: &Fixture) -> Result<CPythonRun, String> {
    let mut child = Command::new(python)
        .arg(&fixture.file_name)
        .current_dir(&fixture.dir)
        .env("PYTHONUTF8", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: cannot start python3: {e}", fixture.rel))?;
    let started = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if started.elapsed() > CPYTHON_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{}: python3 ran longer than {CPYTHON_TIMEOUT:?}",
                fixture.rel
            ));
        }
        thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(CPythonRun {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        code: output.status.code(),
    })
}

#[test]
fn fixtures_match_cpython() {
    if common::serve_child() {
        return;
    }
    // Ask python3 for its real executable once: a version manager's `python3` shim can cost
    // more than the program it runs.
    let probe = Command::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.version.split()[0])",
        ])
        .output();
    let (python, version) = match probe {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let mut lines = text.lines();
            let exe = lines.next().unwrap_or("python3").to_owned();
            let version = lines.next().unwrap_or("?").to_owned();
            (
                if exe.is_empty() {
                    "python3".to_owned()
                } else {
                    exe
                },
                version,
            )
        }
        _ => {
            eprintln!("differential: skipped, python3 is not on this machine");
            return;
        }
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
        let cpython = match run_cpython(&python, &fixture) {
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
