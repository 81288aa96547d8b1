//! Golden tests: every `.py` program under `tests/fixtures/` runs through
//! `threadlab_python::run`, and its stdout, stderr and exit status must equal the files next
//! to it.
//!
//! ```text
//! tests/fixtures/<group>/name.py     the program, written for this project
//!                        name.out    expected stdout (missing = empty)
//!                        name.err    expected stderr (missing = empty)
//!                        name.code   expected exit status (missing = 0)
//! tests/fixtures/KNOWN_FAILURES      `path reason` lines: fixtures that fail for a known reason
//! ```
//!
//! - **Where the expected files come from.** `.out` is CPython 3.11's stdout (`cd` into the
//!   folder, `python3 name.py > name.out`); `tests/differential.rs` keeps it honest. `.err`
//!   follows CPython 3.11's format, minus the `~~~^^^` lines 3.11 prints under traceback
//!   entries (we print 3.10-style entries). Syntax errors, "not supported yet" errors and
//!   everything under `limits/` are threadlab's own output by design.
//! - **Limits.** Fixtures under `limits/` run with an instruction budget of
//!   [`common::LIMITS_BUDGET`]; all others with [`common::SAFETY_BUDGET`], which none comes
//!   near. A first-line header overrides them:
//!   `# limits: instructions=100000 recursion=200 native=50 container=1000`, and
//!   `timeout=S` shortens the watchdog (30 s by default) for a fixture that checks a run ends.
//! - **Isolation.** Each fixture runs in a child process (this test binary again), so that a
//!   crash the run boundary cannot catch, such as a Rust stack overflow, fails that fixture
//!   and not the whole suite.
//! - **Known failures.** A fixture listed in `KNOWN_FAILURES` still runs: it is reported as
//!   "still failing" without failing the test, and the test fails once it passes, so that the
//!   list only ever names real failures.
//! - **Blessing.** `THREADLAB_BLESS=1 cargo test -p threadlab-python --test fixtures` rewrites
//!   `.out`/`.err`/`.code` from our output, but only for the fixtures whose expected output
//!   is threadlab's own (see [`blessable`]); review the diff before committing. The others
//!   are CPython's: `THREADLAB_BLESS=cpython` rewrites them from `python3` (paths made
//!   relative, caret lines dropped), never from us. Together with `THREADLAB_FIXTURE` this
//!   is how a new fixture gets its expected files.
//! - **One fixture.** `THREADLAB_FIXTURE=substring` runs only the fixtures whose path contains
//!   it.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::time::Instant;

use common::{all_fixtures, diff, known_failures, run_fixture, Fixture, Ran};

/// Fixtures whose expected files are threadlab's own output, which blessing may rewrite.
fn blessable(fixture: &Fixture) -> bool {
    fixture.is_limits()
        || fixture.file_name.starts_with("syntax_error_")
        || fixture.file_name.starts_with("unsupported_")
}

/// How `ran` differs from what `fixture` expects, one entry per stream.
fn mismatches(fixture: &Fixture, ran: &Ran) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    if let Some(breakage) = ran.breakage() {
        found.push(breakage);
    }
    for (ext, stream, actual) in [
        ("out", "stdout", &ran.stdout),
        ("err", "stderr", &ran.stderr),
    ] {
        let expected = fixture.expected(ext).unwrap_or_default();
        if &expected != actual {
            found.push(format!(
                "{stream} differs (- expected, + ours):\n{}",
                diff(&expected, actual)
            ));
        }
    }
    let expected_code = fixture.expected_code()?;
    if let Some(code) = ran.exit_code() {
        if code != expected_code {
            found.push(format!("exit status: expected {expected_code}, got {code}"));
        }
    }
    Ok(found)
}

fn bless(fixture: &Fixture, ran: &Ran) {
    let write = |ext: &str, text: &str, keep_empty: bool| {
        let path = fixture.sibling(ext);
        if text.is_empty() && !keep_empty {
            let _ = fs::remove_file(&path);
        } else {
            fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        }
    };
    write("out", &ran.stdout, true);
    write("err", &ran.stderr, false);
    let code = ran.exit_code().unwrap_or(0);
    write(
        "code",
        &if code == 0 {
            String::new()
        } else {
            format!("{code}\n")
        },
        false,
    );
}

/// `THREADLAB_BLESS=cpython`: the expected files of the (filtered) fixtures that are not
/// threadlab's own, from CPython.
fn bless_from_cpython() {
    let Some((python, version)) = common::cpython() else {
        panic!("THREADLAB_BLESS=cpython needs python3");
    };
    let filter = std::env::var("THREADLAB_FIXTURE").unwrap_or_default();
    for fixture in all_fixtures()
        .iter()
        .filter(|f| f.rel.contains(&filter) && !blessable(f))
    {
        let cpython = common::run_cpython(&python, fixture).unwrap_or_else(|e| panic!("{e}"));
        let ran = Ran {
            stdout: cpython.stdout.clone(),
            stderr: common::expected_from_cpython(&cpython.stderr, fixture),
            code: cpython.code,
            ending: String::new(),
            broken: None,
            elapsed: Default::default(),
        };
        bless(fixture, &ran);
        eprintln!("blessed from CPython {version}: {}", fixture.rel);
    }
}

#[test]
fn fixtures() {
    if common::serve_child() {
        return;
    }
    let started = Instant::now();
    let bless_mode = std::env::var("THREADLAB_BLESS").unwrap_or_default();
    let bless_requested = bless_mode == "1";
    if bless_mode == "cpython" {
        bless_from_cpython();
    }
    let filter = std::env::var("THREADLAB_FIXTURE").unwrap_or_default();
    let known = known_failures();
    let fixtures = all_fixtures();
    assert!(
        !fixtures.is_empty(),
        "no fixtures found under {}",
        common::fixtures_root().display()
    );

    let mut problems = Vec::new();
    for path in known.keys() {
        if !fixtures.iter().any(|f| &f.rel == path) {
            problems.push(format!(
                "KNOWN_FAILURES names {path}, which is not a fixture"
            ));
        }
    }

    let (mut ran_count, mut passed, mut blessed) = (0, 0, Vec::new());
    let mut still_failing = Vec::new();
    for fixture in fixtures.iter().filter(|f| f.rel.contains(&filter)) {
        ran_count += 1;
        let ran = match run_fixture(fixture, "fixtures") {
            Ok(ran) => ran,
            Err(message) => {
                problems.push(message);
                continue;
            }
        };
        let found = match mismatches(fixture, &ran) {
            Ok(found) => found,
            Err(message) => {
                problems.push(message);
                continue;
            }
        };
        match (found.is_empty(), known.get(&fixture.rel)) {
            (true, None) => passed += 1,
            (true, Some(_)) => problems.push(format!(
                "{} passes now: remove it from KNOWN_FAILURES",
                fixture.rel
            )),
            (false, Some(reason)) => still_failing.push(format!("{} ({reason})", fixture.rel)),
            (false, None) if bless_requested && blessable(fixture) && ran.breakage().is_none() => {
                bless(fixture, &ran);
                blessed.push(fixture.rel.clone());
            }
            (false, None) => {
                let mut report = format!("── {} ──", fixture.rel);
                for mismatch in found {
                    let _ = write!(report, "\n  {mismatch}");
                }
                problems.push(report);
            }
        }
    }

    let mut summary = format!(
        "fixtures: {ran_count} run, {passed} passed, {} known failures still failing, {} failed, in {:.1?}",
        still_failing.len(),
        problems.len(),
        started.elapsed()
    );
    if !still_failing.is_empty() {
        let _ = write!(
            summary,
            "\nstill failing (KNOWN_FAILURES):\n  {}",
            still_failing.join("\n  ")
        );
    }
    if !blessed.is_empty() {
        let _ = write!(
            summary,
            "\nblessed (review the diff):\n  {}",
            blessed.join("\n  ")
        );
    }
    if problems.is_empty() {
        eprintln!("{summary}");
    } else {
        common::fail(&format!(
            "{} fixture problems:\n\n{}\n\n{summary}",
            problems.len(),
            problems.join("\n\n")
        ));
    }
}
