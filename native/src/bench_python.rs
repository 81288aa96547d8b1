//! `threadlab bench python`: our interpreter against CPython on the same single-threaded
//! programs, timed side by side in one run.
//!
//! What is compared is CPU time, not wall time: the programs are single-threaded, and CPU
//! time hardly moves when other work shares the machine, while wall time grows with it.
//! CPython is timed inside its own process (`time.process_time()` around `runpy.run_path`),
//! so its start-up does not count against it; ours is the calling thread's CPU time around
//! the same work (compile and run). Each round runs ours, then CPython, and the best time of
//! each side is kept. Both must print the same output, or the comparison would be
//! meaningless: a mismatch is reported instead of a ratio.

use std::fmt;
use std::process::Command;
use std::time::Duration;

use threadlab_core::Mode;
use threadlab_python::{CapturedOutput, Outcome, Program, RunOptions};

use crate::bench::Result;

/// The suite: small programs of our own, each stressing one part of the interpreter.
const PROGRAMS: &[(&str, &str)] = &[
    (
        "arithmetic.py",
        include_str!("../bench-programs/arithmetic.py"),
    ),
    ("calls.py", include_str!("../bench-programs/calls.py")),
    ("objects.py", include_str!("../bench-programs/objects.py")),
    (
        "containers.py",
        include_str!("../bench-programs/containers.py"),
    ),
    ("strings.py", include_str!("../bench-programs/strings.py")),
];

/// Threaded programs, timed by the wall clock (threads overlap; that is the point).
const CPU_ONE_THREAD: (&str, &str) = (
    "cpu_one_thread.py",
    include_str!("../bench-programs/cpu_one_thread.py"),
);
const CPU_TWO_THREADS: (&str, &str) = (
    "cpu_two_threads.py",
    include_str!("../bench-programs/cpu_two_threads.py"),
);
const LOCK_CONTENTION: (&str, &str) = (
    "lock_contention.py",
    include_str!("../bench-programs/lock_contention.py"),
);

pub struct Config {
    pub rounds: usize,
    /// The CPython to compare with; `None` if there is none on this machine.
    pub python: Option<String>,
}

pub struct Row {
    name: &'static str,
    /// Our best time, or why the program failed under threadlab.
    ours: Result<Duration, String>,
    cpython: Option<Result<Duration, String>>,
}

/// One-thread and two-thread times, or why they could not be measured.
type SpeedUp = Result<(Duration, Duration), String>;

pub struct Report {
    rows: Vec<Row>,
    /// Two threads doing twice one thread's work: `(who, one-thread time, two-thread time)`.
    speed_ups: Vec<(String, SpeedUp)>,
    /// 2 × 1,000,000 `with lock: balance += 1`: ours and CPython's wall time.
    lock: (Result<Duration, String>, Option<Result<Duration, String>>),
    python_version: Option<String>,
    rounds: usize,
}

pub fn run(config: &Config) -> Result<Report> {
    let python_version = config.python.as_ref().and_then(|python| {
        let output = Command::new(python).arg("--version").output().ok()?;
        Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    });
    let python = python_version.as_ref().and(config.python.as_ref());
    let mut rows = Vec::new();
    for (name, source) in PROGRAMS {
        let mut best_ours = Duration::MAX;
        let mut best_cpython: Option<Result<Duration, String>> = None;
        let mut failure = None;
        for _ in 0..config.rounds.max(1) {
            let our_output = match run_ours(name, source) {
                Ok((output, elapsed)) => {
                    best_ours = best_ours.min(elapsed);
                    output
                }
                Err(problem) => {
                    failure = Some(problem);
                    break;
                }
            };
            if let Some(python) = python {
                let measured = run_cpython(python, name, source).and_then(|(output, elapsed)| {
                    if output == our_output {
                        Ok(elapsed)
                    } else {
                        Err(format!("output differs from ours:\n--- CPython\n{output}--- threadlab\n{our_output}"))
                    }
                });
                best_cpython = Some(match (best_cpython, measured) {
                    (Some(Ok(best)), Ok(now)) => Ok(best.min(now)),
                    (_, Err(e)) | (Some(Err(e)), _) => Err(e),
                    (None, Ok(now)) => Ok(now),
                });
            }
        }
        rows.push(Row {
            name,
            ours: match failure {
                Some(problem) => Err(problem),
                None => Ok(best_ours),
            },
            cpython: best_cpython,
        });
    }
    let rounds = config.rounds.max(1);
    let mut speed_ups = Vec::new();
    for (who, mode) in [
        ("threadlab, parallel mode", Mode::Parallel),
        ("threadlab, GIL mode", Mode::gil()),
    ] {
        let one = best_wall(rounds, || run_ours_wall(CPU_ONE_THREAD, mode.clone()));
        let two = best_wall(rounds, || run_ours_wall(CPU_TWO_THREADS, mode.clone()));
        speed_ups.push((
            who.to_owned(),
            one.and_then(|one| two.map(|two| (one, two))),
        ));
    }
    if let (Some(python), Some(version)) = (python, &python_version) {
        let one = best_wall(rounds, || run_cpython_wall(python, CPU_ONE_THREAD));
        let two = best_wall(rounds, || run_cpython_wall(python, CPU_TWO_THREADS));
        speed_ups.push((
            version.clone(),
            one.and_then(|one| two.map(|two| (one, two))),
        ));
    }
    let lock = (
        best_wall(rounds, || run_ours_wall(LOCK_CONTENTION, Mode::Parallel)),
        python.map(|python| best_wall(rounds, || run_cpython_wall(python, LOCK_CONTENTION))),
    );
    Ok(Report {
        rows,
        speed_ups,
        lock,
        python_version,
        rounds: config.rounds,
    })
}

fn run_ours(name: &str, source: &str) -> Result<(String, Duration), String> {
    let output = CapturedOutput::new();
    let started = thread_cpu_time();
    let report = threadlab_python::run(
        Program::new(name, source),
        RunOptions::default(),
        output.clone(),
    );
    if report.outcome != Outcome::Completed {
        return Err(format!(
            "failed under threadlab:
{}",
            output.stderr()
        ));
    }
    Ok((output.stdout(), thread_cpu_time().saturating_sub(started)))
}

/// The best of `rounds` measurements, or the first failure.
fn best_wall(
    rounds: usize,
    mut measure: impl FnMut() -> Result<Duration, String>,
) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        best = best.min(measure()?);
    }
    Ok(best)
}

/// Our wall time for a threaded program, from its first instruction to its last thread's end.
fn run_ours_wall((name, source): (&str, &str), mode: Mode) -> Result<Duration, String> {
    let output = CapturedOutput::new();
    let options = RunOptions {
        mode,
        ..RunOptions::default()
    };
    let report = threadlab_python::run(Program::new(name, source), options, output.clone());
    if report.outcome != Outcome::Completed {
        return Err(format!(
            "{name} failed under threadlab:\n{}",
            output.stderr()
        ));
    }
    Ok(report.elapsed)
}

/// CPython's wall time for a threaded program, measured inside its process.
fn run_cpython_wall(python: &str, (name, source): (&str, &str)) -> Result<Duration, String> {
    run_cpython_timed(python, name, source, "perf_counter").map(|(_, elapsed)| elapsed)
}

/// Runs `source` in CPython and returns its output and the time its run took, measured
/// inside the process.
fn run_cpython(python: &str, name: &str, source: &str) -> Result<(String, Duration), String> {
    run_cpython_timed(python, name, source, "process_time")
}

/// Runs `source` in CPython, timed by `time.<clock>()` around `runpy.run_path`.
fn run_cpython_timed(
    python: &str,
    name: &str,
    source: &str,
    clock: &str,
) -> Result<(String, Duration), String> {
    let dir = std::env::temp_dir().join(format!("threadlab-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(name);
    std::fs::write(&path, source).map_err(|e| e.to_string())?;
    let harness = format!(
        "import runpy, sys, time\n\
         t = time.{clock}()\n\
         runpy.run_path(sys.argv[1], run_name='__main__')\n\
         print(time.{clock}() - t, file=sys.stderr)\n"
    );
    let output = Command::new(python)
        .args(["-c", harness.as_str()])
        .arg(&path)
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let seconds: f64 = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .ok_or_else(|| format!("no timing from CPython: {stderr}"))?;
    Ok((
        String::from_utf8_lossy(&output.stdout).into_owned(),
        Duration::from_secs_f64(seconds),
    ))
}

/// CPU time consumed so far by the calling thread (the program's main thread, which is the
/// only one these programs use).
fn thread_cpu_time() -> Duration {
    Duration::from_nanos(threadlab_core::platform::thread_cpu_nanos())
}

impl Report {
    /// Geometric mean of CPython time / our time over the programs both ran: above 1, we are
    /// faster.
    pub fn geometric_mean(&self) -> Option<f64> {
        let ratios: Vec<f64> = self
            .rows
            .iter()
            .filter_map(|row| match (&row.ours, &row.cpython) {
                (Ok(ours), Some(Ok(cpython))) => {
                    Some(cpython.as_secs_f64() / ours.as_secs_f64().max(1e-9))
                }
                _ => None,
            })
            .collect();
        if ratios.is_empty() {
            return None;
        }
        Some((ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let python = self
            .python_version
            .as_deref()
            .unwrap_or("CPython (not found)");
        writeln!(
            f,
            "threadlab's interpreter vs {python}, single thread, CPU time, best of {} round(s)",
            self.rounds
        )?;
        writeln!(
            f,
            "speed = CPython time / threadlab time (above 1.00x: threadlab is faster)\n"
        )?;
        writeln!(
            f,
            "{:<16} {:>12} {:>12} {:>8}",
            "program", "threadlab", "CPython", "speed"
        )?;
        for row in &self.rows {
            let ours = match &row.ours {
                Ok(ours) => ours,
                Err(problem) => {
                    writeln!(f, "{:<16} {:>12}  ({problem})", row.name, "failed")?;
                    continue;
                }
            };
            let shown = format!("{:.3} s", ours.as_secs_f64());
            match &row.cpython {
                Some(Ok(cpython)) => writeln!(
                    f,
                    "{:<16} {:>12} {:>12} {:>7.2}x",
                    row.name,
                    shown,
                    format!("{:.3} s", cpython.as_secs_f64()),
                    cpython.as_secs_f64() / ours.as_secs_f64().max(1e-9)
                )?,
                Some(Err(problem)) => {
                    writeln!(f, "{:<16} {:>12} {:>12}  ({problem})", row.name, shown, "-")?
                }
                None => writeln!(f, "{:<16} {:>12} {:>12}", row.name, shown, "-")?,
            }
        }
        if let Some(mean) = self.geometric_mean() {
            writeln!(
                f,
                "\n{:<16} {:>12} {:>12} {:>7.2}x",
                "geometric mean", "", "", mean
            )?;
        }
        writeln!(
            f,
            "\nthreads, wall time (needs two idle cores to mean anything)"
        )?;
        writeln!(f, "two threads doing twice one thread's work; speed-up = 2 x one-thread time / two-thread time")?;
        for (who, measured) in &self.speed_ups {
            match measured {
                Ok((one, two)) => writeln!(
                    f,
                    "  {who:<28} {:>8.3} s {:>8.3} s {:>7.2}x",
                    one.as_secs_f64(),
                    two.as_secs_f64(),
                    2.0 * one.as_secs_f64() / two.as_secs_f64().max(1e-9)
                )?,
                Err(problem) => writeln!(f, "  {who:<28} failed: {problem}")?,
            }
        }
        writeln!(f, "2 threads x 1,000,000 `with lock: balance += 1`")?;
        match &self.lock {
            (Ok(ours), Some(Ok(cpython))) => writeln!(
                f,
                "  threadlab {:.3} s, CPython {:.3} s: {:.2}x CPython's time",
                ours.as_secs_f64(),
                cpython.as_secs_f64(),
                ours.as_secs_f64() / cpython.as_secs_f64().max(1e-9)
            )?,
            (Ok(ours), _) => writeln!(
                f,
                "  threadlab {:.3} s (no CPython to compare)",
                ours.as_secs_f64()
            )?,
            (Err(problem), _) => writeln!(f, "  failed: {problem}")?,
        }
        Ok(())
    }
}
