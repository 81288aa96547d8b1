//! Shared by the fixture, differential and fuzz tests: finding the fixtures, reading their
//! expected files, headers and known failures, and running one program under a watchdog.
//!
//! Each test binary uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use threadlab_core::StopReason;
use threadlab_python::{CapturedOutput, Limits, Outcome, Program, Run, RunOptions};

/// Instruction budget for fixtures outside `limits/`: far above what any of them needs, so
/// that an interpreter bug turning a loop endless fails one fixture instead of hanging the suite.
pub const SAFETY_BUDGET: u64 = 20_000_000;
/// Default instruction budget for `limits/` fixtures without a `# limits:` header.
pub const LIMITS_BUDGET: u64 = 1_000_000;
/// Wall-clock time one fixture may take before the watchdog stops it (debug build, loaded
/// machine: generous on purpose; a fixture normally takes milliseconds).
pub const FIXTURE_TIMEOUT: Duration = Duration::from_secs(30);

pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// One `.py` program with its expected files next to it.
pub struct Fixture {
    /// Path relative to the fixtures root, with `/`: `language/hello.py`.
    pub rel: String,
    /// The folder that holds it.
    pub dir: PathBuf,
    /// `hello.py`: the name tracebacks print.
    pub file_name: String,
    pub source: String,
}

impl Fixture {
    /// The expected file with extension `ext` (`out`, `err`, `code`), if it exists.
    pub fn expected(&self, ext: &str) -> Option<String> {
        fs::read_to_string(self.sibling(ext)).ok()
    }

    pub fn sibling(&self, ext: &str) -> PathBuf {
        let stem = self.file_name.trim_end_matches(".py");
        self.dir.join(format!("{stem}.{ext}"))
    }

    /// The exit status the fixture expects: `name.code`, or 0.
    pub fn expected_code(&self) -> Result<i32, String> {
        match self.expected("code") {
            None => Ok(0),
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("{}: bad .code file {text:?}", self.rel)),
        }
    }

    pub fn is_limits(&self) -> bool {
        self.rel.starts_with("limits/")
    }

    /// The run's limits: the defaults plus [`SAFETY_BUDGET`] (or [`LIMITS_BUDGET`] under
    /// `limits/`), overridden by a first-line header such as
    /// `# limits: instructions=100000 recursion=200 native=50 container=1000`.
    pub fn limits(&self) -> Result<Limits, String> {
        let mut limits = Limits {
            instruction_budget: Some(if self.is_limits() {
                LIMITS_BUDGET
            } else {
                SAFETY_BUDGET
            }),
            ..Limits::default()
        };
        let first = self.source.lines().next().unwrap_or("");
        let Some(spec) = first.strip_prefix("# limits:") else {
            return Ok(limits);
        };
        for item in spec.split_whitespace() {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{}: bad limits header item {item:?}", self.rel))?;
            let value: u64 = value
                .parse()
                .map_err(|_| format!("{}: bad number in limits header {item:?}", self.rel))?;
            match key {
                "instructions" => limits.instruction_budget = Some(value),
                "recursion" => limits.recursion_limit = value as usize,
                "native" => limits.native_depth_limit = value as usize,
                "container" => limits.max_container_len = value as usize,
                _ => return Err(format!("{}: unknown limit {key:?}", self.rel)),
            }
        }
        Ok(limits)
    }
}

/// Every fixture under the root, sorted by path.
pub fn all_fixtures() -> Vec<Fixture> {
    let mut found = Vec::new();
    walk(&fixtures_root(), &mut found);
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    found
}

fn walk(dir: &Path, found: &mut Vec<Fixture>) {
    let root = fixtures_root();
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            walk(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "py") {
            let rel = path
                .strip_prefix(&root)
                .expect("under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            found.push(Fixture {
                rel,
                dir: path.parent().expect("a parent").to_path_buf(),
                file_name: path
                    .file_name()
                    .expect("a file name")
                    .to_string_lossy()
                    .into_owned(),
                source: fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display())),
            });
        }
    }
}

/// `KNOWN_FAILURES`: fixture path → the one-line reason it fails (an interpreter bug or a
/// missing feature). Blank lines and `#` comments are ignored.
pub fn known_failures() -> BTreeMap<String, String> {
    let path = fixtures_root().join("KNOWN_FAILURES");
    let Ok(text) = fs::read_to_string(&path) else {
        return BTreeMap::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(char::is_whitespace) {
            Some((path, reason)) => (path.to_owned(), reason.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

/// What one run produced.
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    /// `None` when the run never reported (a panic that escaped `run`, or a hang).
    pub outcome: Option<Outcome>,
    /// A panic that escaped `run` itself (the run boundary is supposed to catch them all).
    pub panic: Option<String>,
    /// The watchdog had to stop the run.
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Ran {
    pub fn exit_code(&self) -> Option<i32> {
        self.outcome.as_ref().map(Outcome::exit_code)
    }

    /// Why this run is broken whatever the program was: a panic, a hang or an internal error.
    pub fn breakage(&self) -> Option<String> {
        if let Some(panic) = &self.panic {
            return Some(format!("a panic escaped run(): {panic}"));
        }
        if self.timed_out {
            return Some(format!(
                "did not finish within {:?}; the watchdog stopped it",
                self.elapsed
            ));
        }
        match &self.outcome {
            None => Some("the run never reported an outcome".to_owned()),
            Some(Outcome::InternalError) => Some(format!("internal error: {}", self.stderr.trim())),
            Some(_) => None,
        }
    }
}

/// Runs `source` as `name` with `options` on its own thread (8 MiB of stack, like a process's
/// main thread), stopping it through its `StopHandle` if it takes longer than `timeout`.
pub fn run_watched(name: &str, source: &str, options: RunOptions, timeout: Duration) -> Ran {
    let output = CapturedOutput::new();
    let (stop_tx, stop_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let program = Program::new(name, source);
    let sink = output.clone();
    let started = Instant::now();
    let spawned = thread::Builder::new()
        .name(format!("fixture {name}"))
        .stack_size(8 << 20)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| {
                let run = Run::new(program, options, sink);
                let _ = stop_tx.send(run.stop_handle());
                run.run().outcome
            }));
            let _ = done_tx.send(result.map_err(|payload| {
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string panic payload)".to_owned())
            }));
        })
        .expect("spawn a run thread");
    let mut timed_out = false;
    let result = match done_rx.recv_timeout(timeout) {
        Ok(result) => Some(result),
        Err(_) => {
            timed_out = true;
            if let Ok(stop) = stop_rx.try_recv() {
                stop.stop(StopReason::Requested);
            }
            // Give the stopped run a moment to unwind; if it does not, leak its thread.
            done_rx.recv_timeout(Duration::from_secs(5)).ok()
        }
    };
    if result.is_some() {
        let _ = spawned.join();
    }
    let (outcome, panic) = match result {
        Some(Ok(outcome)) => (Some(outcome), None),
        Some(Err(panic)) => (None, Some(panic)),
        None => (None, None),
    };
    Ran {
        stdout: output.stdout(),
        stderr: output.stderr(),
        outcome,
        panic,
        timed_out,
        elapsed: started.elapsed(),
    }
}

/// Runs a fixture the way the fixture harness does.
pub fn run_fixture(fixture: &Fixture) -> Result<Ran, String> {
    let options = RunOptions {
        limits: fixture.limits()?,
        ..Default::default()
    };
    Ok(run_watched(
        &fixture.file_name,
        &fixture.source,
        options,
        FIXTURE_TIMEOUT,
    ))
}

/// A line diff of `expected` against `actual` (`-` expected only, `+` actual only), cut to a
/// readable length.
pub fn diff(expected: &str, actual: &str) -> String {
    const MAX_LINES: usize = 40;
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push(format!("      {}", a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            lines.push(format!("    + {}", b[j]));
            j += 1;
        } else {
            lines.push(format!("    - {}", a[i]));
            i += 1;
        }
    }
    // Keep the changed lines with two lines of context around each.
    let changed: Vec<bool> = lines.iter().map(|l| !l.starts_with("      ")).collect();
    let near = |k: usize| {
        (k.saturating_sub(2)..=(k + 2).min(lines.len().saturating_sub(1))).any(|m| changed[m])
    };
    let mut shown = Vec::new();
    let mut skipped = false;
    for (k, line) in lines.iter().enumerate() {
        if near(k) {
            if skipped {
                shown.push("      …".to_owned());
                skipped = false;
            }
            shown.push(line.clone());
        } else {
            skipped = true;
        }
    }
    if skipped {
        shown.push("      …".to_owned());
    }
    let mut lines = shown;
    if !expected.is_empty()
        && !actual.is_empty()
        && expected.ends_with('\n') != actual.ends_with('\n')
    {
        lines.push("    (only one of them ends with a newline)".to_owned());
    }
    let total = lines.len();
    if total > MAX_LINES {
        lines.truncate(MAX_LINES);
        lines.push(format!("    … {} more lines", total - MAX_LINES));
    }
    lines.join("\n")
}

/// Fails the test with `report`. The report goes to stderr first: once a program has run,
/// threadlab's quiet panic hook (which hides interpreter panics from learners) also swallows
/// the message of the test's own panic.
pub fn fail(report: &str) -> ! {
    eprintln!("{report}");
    panic!("{report}");
}
