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
