//! Shared by the fixture, differential and fuzz tests: finding the fixtures, reading their
//! expected files, headers and known failures, and running one program under a watchdog.
//!
//! Each test binary uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use threadlab_core::Mode;
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
    /// `# limits: instructions=100000 recursion=200 native=50 container=1000 seed=0`.
    pub fn limits(&self) -> Result<Limits, String> {
        Ok(self.header()?.0)
    }

    /// How long the watchdog lets the fixture run: [`FIXTURE_TIMEOUT`], or `timeout=S`
    /// (seconds) in the header, for fixtures that exist to check that a run ends.
    pub fn timeout(&self) -> Result<Duration, String> {
        Ok(self.header()?.1)
    }

    /// The scheduler: parallel, or `seed=N` in the header for the deterministic scheduler
    /// with that seed. Fixtures whose output depends on timing (sleeps racing timeouts,
    /// completion order) use it: in virtual time their output is exact on any machine, where
    /// real time on a loaded one could reorder them.
    pub fn mode(&self) -> Result<Mode, String> {
        Ok(match self.header()?.2 {
            Some(seed) => Mode::det(seed),
            None => Mode::Parallel,
        })
    }

    fn header(&self) -> Result<(Limits, Duration, Option<u64>), String> {
        let mut limits = Limits {
            instruction_budget: Some(if self.is_limits() {
                LIMITS_BUDGET
            } else {
                SAFETY_BUDGET
            }),
            ..Limits::default()
        };
        let mut timeout = FIXTURE_TIMEOUT;
        let mut seed = None;
        let first = self.source.lines().next().unwrap_or("");
        let Some(spec) = first.strip_prefix("# limits:") else {
            return Ok((limits, timeout, seed));
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
                "timeout" => timeout = Duration::from_secs(value),
                "seed" => seed = Some(value),
                _ => return Err(format!("{}: unknown limit {key:?}", self.rel)),
            }
        }
        Ok((limits, timeout, seed))
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
    /// The exit status `threadlab run` would use; `None` when the run never reported.
    pub code: Option<i32>,
    /// How the run ended (`Completed`, `SyntaxError`, `stopped`, …), for statistics.
    pub ending: String,
    /// Why this run is broken whatever the program was: a panic, a crash, a hang or an
    /// internal error.
    pub broken: Option<String>,
    pub elapsed: Duration,
}

impl Ran {
    pub fn exit_code(&self) -> Option<i32> {
        self.code
    }

    pub fn breakage(&self) -> Option<String> {
        self.broken.clone()
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
            done_rx
                .recv_timeout(timeout.min(Duration::from_secs(5)))
                .ok()
        }
    };
    if result.is_some() {
        let _ = spawned.join();
    }
    let elapsed = started.elapsed();
    let stderr = output.stderr();
    let (code, ending, mut broken) = match &result {
        Some(Ok(outcome)) => (
            Some(outcome.exit_code()),
            match outcome {
                Outcome::Stopped(_) => "stopped".to_owned(),
                other => format!("{other:?}"),
            },
            (*outcome == Outcome::InternalError)
                .then(|| format!("internal error: {}", stderr.trim())),
        ),
        Some(Err(panic)) => (
            None,
            "panic".to_owned(),
            Some(format!("a panic escaped run(): {panic}")),
        ),
        None => (
            None,
            "hang".to_owned(),
            Some("the run never reported an outcome".to_owned()),
        ),
    };
    if timed_out {
        broken = Some(format!(
            "did not finish within {timeout:?}; the watchdog had to stop it{}",
            if result.is_none() {
                ", and Stop did not end it either"
            } else {
                ""
            }
        ));
    }
    Ran {
        stdout: output.stdout(),
        stderr,
        code,
        ending,
        broken,
        elapsed,
    }
}

/// Runs a fixture in this process, the way the fixture harness's child process does.
pub fn run_fixture_in_process(fixture: &Fixture) -> Result<Ran, String> {
    let options = RunOptions {
        limits: fixture.limits()?,
        mode: fixture.mode()?,
        ..Default::default()
    };
    Ok(run_watched(
        &fixture.file_name,
        &fixture.source,
        options,
        fixture.timeout()?,
    ))
}

const CHILD_FIXTURE: &str = "THREADLAB_TEST_CHILD_FIXTURE";
const CHILD_RESULT: &str = "THREADLAB_TEST_CHILD_RESULT";

/// Runs a fixture in a child process (this test binary again, running test `test_name` with
/// [`serve_child`] at its top), so that a crash the run boundary cannot catch (a Rust stack
/// overflow aborts the process) fails that fixture instead of killing the whole suite.
pub fn run_fixture(fixture: &Fixture, test_name: &str) -> Result<Ran, String> {
    let timeout = fixture.timeout()?;
    let result_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "fixture-child-{}-{}",
        std::process::id(),
        fixture.rel.replace('/', "-")
    ));
    let _ = fs::remove_dir_all(&result_dir);
    fs::create_dir_all(&result_dir).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .args([
            test_name,
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_FIXTURE, &fixture.rel)
        .env(CHILD_RESULT, &result_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: cannot start the child process: {e}", fixture.rel))?;
    // Drain stderr on a thread so that a chatty child cannot block on a full pipe.
    let mut pipe = child.stderr.take().expect("piped stderr");
    let drain = thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    // The child's own watchdog reports a hang well before this; this is for a child that
    // cannot even report.
    let limit = timeout * 2 + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(2));
    };
    let child_stderr = drain.join().unwrap_or_default();
    let read = |name: &str| fs::read_to_string(result_dir.join(name)).ok();
    let ran = match (read("stdout"), read("stderr"), read("status")) {
        (Some(stdout), Some(stderr), Some(status)) => {
            let mut lines = status.splitn(3, '\n');
            let code = lines.next().and_then(|c| c.parse().ok());
            let ending = lines.next().unwrap_or("").to_owned();
            let broken = lines.next().filter(|b| !b.is_empty()).map(str::to_owned);
            Ran {
                stdout,
                stderr,
                code,
                ending,
                broken,
                elapsed: started.elapsed(),
            }
        }
        _ => {
            let how = match status {
                None => format!("the child process ran longer than {limit:?} and was killed"),
                Some(status) => format!("the child process died ({status})"),
            };
            let tail: Vec<&str> = child_stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            let tail = tail[tail.len().saturating_sub(3)..].join(" / ");
            Ran {
                stdout: String::new(),
                stderr: String::new(),
                code: None,
                ending: "crash".to_owned(),
                broken: Some(format!("crash: {how}: {tail}")),
                elapsed: started.elapsed(),
            }
        }
    };
    let _ = fs::remove_dir_all(&result_dir);
    Ok(ran)
}

/// In a child process started by [`run_fixture`]: runs its one fixture, writes what
/// happened for the parent, and returns `true` (the test then returns at once).
pub fn serve_child() -> bool {
    let Ok(rel) = std::env::var(CHILD_FIXTURE) else {
        return false;
    };
    let dir = PathBuf::from(std::env::var(CHILD_RESULT).expect("a result directory"));
    let fixture = all_fixtures()
        .into_iter()
        .find(|f| f.rel == rel)
        .unwrap_or_else(|| panic!("no fixture {rel}"));
    let ran = run_fixture_in_process(&fixture).expect("limits checked by the parent");
    fs::write(dir.join("stdout"), &ran.stdout).expect("write stdout");
    fs::write(dir.join("stderr"), &ran.stderr).expect("write stderr");
    let code = ran.code.map(|c| c.to_string()).unwrap_or_default();
    let broken = ran.broken.unwrap_or_default().replace('\n', " ");
    fs::write(
        dir.join("status"),
        format!("{code}\n{}\n{broken}", ran.ending),
    )
    .expect("write status");
    true
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

/// The real `python3` executable and its version, or `None` when there is no `python3`. Asked
/// once: a version manager's `python3` shim can cost more than the program it runs.
pub fn cpython() -> Option<(String, String)> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.version.split()[0])",
        ])
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = text.lines();
    let exe = lines.next().filter(|e| !e.is_empty()).unwrap_or("python3");
    let version = lines.next().unwrap_or("?");
    Some((exe.to_owned(), version.to_owned()))
}

/// What CPython printed for a fixture.
pub struct CPythonRun {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

const CPYTHON_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `fixture` under CPython from inside its folder, as `python3 name.py`.
pub fn run_cpython(python: &str, fixture: &Fixture) -> Result<CPythonRun, String> {
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
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    })
}

/// CPython 3.11's stderr as a fixture expects it: file paths relative to the fixture's
/// folder (3.11 prints the main file's absolute path), and, in tracebacks, without the
/// `~~~^^^` lines under the entries, which threadlab does not print.
pub fn expected_from_cpython(stderr: &str, fixture: &Fixture) -> String {
    let folder = format!("File \"{}/", fixture.dir.display());
    let traceback = !stderr.starts_with("  File");
    let mut out = String::new();
    for line in stderr.lines() {
        let carets = !line.trim().is_empty() && line.trim().chars().all(|c| c == '^' || c == '~');
        if traceback && carets {
            continue;
        }
        out.push_str(&line.replace(&folder, "File \""));
        out.push('\n');
    }
    out
}
