//! `threadlab bench`: real measurements on this machine, each one a comparison made in one run.
//!
//! A [`Scenario`] times two things, an *anchor* and a *subject*, and reports their ratio.
//! Absolute times depend on the machine and on whatever else it is doing; a ratio of two things
//! timed side by side mostly does not, and ratios are what the course's claims rest on ("under
//! the GIL, CPU-bound threads do not speed up").
//!
//! Each round times the anchor, then the subject, and the best time of each side is kept: a
//! burst of load from elsewhere then slows both sides rather than skewing one of them, and the
//! minimum is the run least disturbed by it.
//!
//! New scenarios (Python programs, CPython on the same files) are one more entry in
//! [`scenarios`].

use std::fmt;
use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use threadlab_core::sync::Lock;
use threadlab_core::{Mode, Runtime, ThreadOptions};

pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

/// What to run, validated (see `cli::BenchArgs`).
#[derive(Clone, Debug)]
pub struct Config {
    /// Threads in the threaded scenarios.
    pub threads: usize,
    /// What the OS says this process may use; shown next to the results, which depend on it.
    pub cores: usize,
    /// Tiny sizes and one round: proves every scenario runs, in well under a second.
    pub quick: bool,
}

impl Config {
    fn rounds(&self) -> u64 {
        if self.quick {
            1
        } else {
            3
        }
    }

    /// Total integer-loop steps in a CPU-bound scenario, shared out among the threads. About
    /// half a second of serial work on a current core: long against thread start-up and GIL
    /// hand-offs (5 ms each), short enough to repeat.
    fn cpu_steps(&self) -> u64 {
        if self.quick {
            2_000_000
        } else {
            300_000_000
        }
    }

    /// Acquire/release pairs in the lock scenario.
    fn lock_pairs(&self) -> u64 {
        if self.quick {
            100_000
        } else {
            20_000_000
        }
    }
}

/// Which of a scenario's two sides to time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Anchor,
    Subject,
}

/// One timed repetition: `ops` operations took `elapsed`.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub elapsed: Duration,
    pub ops: u64,
}

impl Sample {
    fn per_op_nanos(self) -> f64 {
        self.elapsed.as_nanos() as f64 / self.ops.max(1) as f64
    }
}

/// How a scenario's ratio reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ratio {
    /// anchor time / subject time: above 1 the subject is faster.
    SpeedUp,
    /// subject time / anchor time: above 1 the subject is slower.
    Cost,
}

pub trait Scenario {
    fn name(&self) -> &'static str;

    /// What the anchor and the subject are, e.g. `["serial", "4 threads"]`.
    fn labels(&self, config: &Config) -> [String; 2];

    fn ratio(&self) -> Ratio;

    /// Times one repetition of one side.
    fn measure(&self, side: Side, config: &Config) -> Result<Sample>;

    /// One sentence on what the ratio means.
    fn reading(&self, ratio: f64, config: &Config) -> String;
}

/// Every scenario, in the order they run and print.
pub fn scenarios() -> Vec<Box<dyn Scenario>> {
    vec![
        Box::new(CpuWork {
            mode: Mode::Parallel,
        }),
        Box::new(CpuWork { mode: Mode::gil() }),
        Box::new(UncontendedLock),
    ]
}

/// Runs every scenario, with a progress bar on stderr (hidden when stderr is not a terminal).
pub fn run(config: &Config) -> Result<Report> {
    let scenarios = scenarios();
    let rounds = config.rounds();
    let progress = ProgressBar::new(scenarios.len() as u64 * rounds * 2).with_style(
        ProgressStyle::with_template("{msg:<18} [{bar:30}] {pos}/{len}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let mut rows = Vec::with_capacity(scenarios.len());
    for scenario in &scenarios {
        progress.set_message(scenario.name());
        let mut best: [Option<Sample>; 2] = [None, None];
        for _ in 0..rounds {
            for (slot, side) in best.iter_mut().zip([Side::Anchor, Side::Subject]) {
                let sample = scenario.measure(side, config)?;
                if slot.is_none_or(|best| sample.per_op_nanos() < best.per_op_nanos()) {
                    *slot = Some(sample);
                }
                progress.inc(1);
            }
        }
        let [Some(anchor), Some(subject)] = best else {
            unreachable!("at least one round ran");
        };
        // A floor of a picosecond keeps a clock too coarse for a tiny `--quick` size from
        // dividing by zero.
        let (a, s) = (
            anchor.per_op_nanos().max(1e-3),
            subject.per_op_nanos().max(1e-3),
        );
        let ratio = match scenario.ratio() {
            Ratio::SpeedUp => a / s,
            Ratio::Cost => s / a,
        };
        let [anchor_label, subject_label] = scenario.labels(config);
        rows.push(Row {
            name: scenario.name(),
            anchor_label,
            anchor,
            subject_label,
            subject,
            kind: scenario.ratio(),
            ratio,
            reading: scenario.reading(ratio, config),
        });
    }
    progress.finish_and_clear();
    Ok(Report {
        config: config.clone(),
        rows,
    })
}

// ----- scenarios -----

/// Steps of CPU work between two scheduling points, as the interpreter's tick will be: without
/// ticks a thread holding the GIL is never asked to let go.
const TICK_EVERY: u64 = 1_000;

/// CPU-bound work done by one thread, then split over `threads` threads, under one scheduler.
struct CpuWork {
    mode: Mode,
}

impl Scenario for CpuWork {
    fn name(&self) -> &'static str {
        match self.mode {
            Mode::Parallel => "CPU work, no GIL",
            Mode::Gil { .. } => "CPU work, GIL",
            Mode::Deterministic { .. } => "CPU work, deterministic",
        }
    }

    fn labels(&self, config: &Config) -> [String; 2] {
        ["1 thread".to_owned(), threads_label(config.threads)]
    }

    fn ratio(&self) -> Ratio {
        Ratio::SpeedUp
    }

    fn measure(&self, side: Side, config: &Config) -> Result<Sample> {
        // A fresh run each time, made before the clock starts: only the work and the threads'
        // start and join are timed.
        let rt = Runtime::new(self.mode.clone());
        let steps = config.cpu_steps();
        let start = Instant::now();
        let checksum = match side {
            Side::Anchor => spin(&rt, steps, 1)?,
            Side::Subject => spin_threaded(&rt, config.threads, steps)?,
        };
        let elapsed = start.elapsed();
        black_box(checksum);
        rt.shutdown()?;
        Ok(Sample { elapsed, ops: 1 })
    }

    fn reading(&self, ratio: f64, config: &Config) -> String {
        match self.mode {
            Mode::Parallel => format!(
                "{ratio:.2}× — with no GIL the threads run at once on different cores; the \
                 ceiling here is {}× on an otherwise idle machine.",
                config.threads.min(config.cores),
            ),
            Mode::Gil { .. } => format!(
                "{ratio:.2}× — one thread runs Python at a time, so splitting CPU-bound work \
                 over threads does not make it faster."
            ),
            Mode::Deterministic { .. } => format!(
                "{ratio:.2}× — the deterministic scheduler runs one thread at a time, so \
                 splitting CPU-bound work over threads does not make it faster."
            ),
        }
    }
}

/// `steps` rounds of a small integer mix (the compiler cannot fold it away), ticking the
/// scheduler every [`TICK_EVERY`] steps.
fn spin(rt: &Runtime, steps: u64, seed: u64) -> Result<u64> {
    let mut x = seed;
    let mut left = steps;
    while left > 0 {
        let chunk = left.min(TICK_EVERY);
        for _ in 0..chunk {
            x = (x ^ (x >> 29))
                .wrapping_mul(0xbf58_476d_1ce4_e5b9)
                .wrapping_add(1);
        }
        left -= chunk;
        rt.tick()?;
    }
    Ok(x)
}

/// The same `steps`, shared out among `threads` threads of `rt`.
fn spin_threaded(rt: &Runtime, threads: usize, steps: u64) -> Result<u64> {
    let (done, results) = mpsc::channel();
    let threads = threads as u64;
    let mut handles = Vec::with_capacity(threads as usize);
    for i in 0..threads {
        let share = steps / threads + u64::from(i < steps % threads);
        let (worker_rt, done) = (rt.clone(), done.clone());
        handles.push(rt.spawn(ThreadOptions::target("spin"), move || {
            let _ = done.send(spin(&worker_rt, share, i + 1));
        })?);
    }
    for handle in &handles {
        handle.join(None)?;
    }
    // Every thread has finished, so its result is already there: `try_iter` never blocks,
    // which matters because a wait outside the scheduler would hold the GIL.
    let mut checksum = 0;
    let mut reported = 0;
    for result in results.try_iter() {
        checksum ^= result?;
        reported += 1;
    }
    if reported != threads {
        return Err(format!("{} of {threads} threads ended early", threads - reported).into());
    }
    Ok(checksum)
}

/// An uncontended acquire/release pair: threadlab's `Lock` against `std::sync::Mutex`.
struct UncontendedLock;

impl Scenario for UncontendedLock {
    fn name(&self) -> &'static str {
        "uncontended lock"
    }

    fn labels(&self, _config: &Config) -> [String; 2] {
        ["std Mutex".to_owned(), "threadlab Lock".to_owned()]
    }

    fn ratio(&self) -> Ratio {
        Ratio::Cost
    }

    fn measure(&self, side: Side, config: &Config) -> Result<Sample> {
        let pairs = config.lock_pairs();
        let elapsed = match side {
            Side::Anchor => {
                let mutex = std::sync::Mutex::new(());
                let start = Instant::now();
                for _ in 0..pairs {
                    drop(black_box(black_box(&mutex).lock()));
                }
                start.elapsed()
            }
            Side::Subject => {
                let rt = Runtime::new(Mode::Parallel);
                let lock = Lock::new(&rt);
                let start = Instant::now();
                for _ in 0..pairs {
                    black_box(&lock).acquire()?;
                    black_box(&lock).release()?;
                }
                start.elapsed()
            }
        };
        Ok(Sample {
            elapsed,
            ops: pairs,
        })
    }

    fn reading(&self, ratio: f64, _config: &Config) -> String {
        format!(
            "{ratio:.2}× — an acquire+release pair with nobody waiting, threadlab's Lock \
             against std's Mutex; both take one atomic operation each way, so expect about 1×."
        )
    }
}

fn threads_label(threads: usize) -> String {
    match threads {
        1 => "1 thread".to_owned(),
        n => format!("{n} threads"),
    }
}

// ----- the report -----

struct Row {
    name: &'static str,
    anchor_label: String,
    anchor: Sample,
    subject_label: String,
    subject: Sample,
    kind: Ratio,
    ratio: f64,
    reading: String,
}

/// The results, printed as an aligned table followed by one reading per scenario.
pub struct Report {
    config: Config,
    rows: Vec<Row>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Config {
            threads,
            cores,
            quick,
        } = self.config;
        let rounds = self.config.rounds();
        write!(
            f,
            "threadlab bench: {} on {cores} available core{}, best of {rounds} round{}",
            threads_label(threads),
            if cores == 1 { "" } else { "s" },
            if rounds == 1 { "" } else { "s" },
        )?;
        if quick {
            f.write_str(" (--quick: sizes too small to mean much)")?;
        }
        f.write_str("\n\n")?;

        let header = ["scenario", "anchor", "", "subject", "", "ratio"];
        let cells: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|row| {
                let ratio = match row.kind {
                    Ratio::SpeedUp => format!("{:.2}× speed-up", row.ratio),
                    Ratio::Cost => format!("{:.2}× the cost", row.ratio),
                };
                [
                    row.name.to_owned(),
                    row.anchor_label.clone(),
                    format_time(row.anchor),
                    row.subject_label.clone(),
                    format_time(row.subject),
                    ratio,
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        // Times are right-aligned so their units line up; everything else reads left to right.
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 6]| -> fmt::Result {
            let [name, anchor, anchor_time, subject, subject_time, ratio] = cells;
            let [w0, w1, w2, w3, w4, _] = widths;
            let text = format!(
                "{name:<w0$}  {anchor:<w1$} {anchor_time:>w2$}  {subject:<w3$} {subject_time:>w4$}  {ratio}"
            );
            writeln!(f, "{}", text.trim_end())
        };
        line(f, header)?;
        for row in &cells {
            line(f, row.each_ref().map(String::as_str))?;
        }
        f.write_str("\n")?;
        for row in &self.rows {
            writeln!(f, "{}: {}", row.name, row.reading)?;
        }
        Ok(())
    }
}

/// A time per operation, to three significant figures in a readable unit.
fn format_time(sample: Sample) -> String {
    let nanos = sample.per_op_nanos();
    let (value, unit) = if nanos < 1e3 {
        (nanos, "ns")
    } else if nanos < 1e6 {
        (nanos / 1e3, "µs")
    } else if nanos < 1e9 {
        (nanos / 1e6, "ms")
    } else {
        (nanos / 1e9, "s")
    };
    let per = if sample.ops > 1 { "/op" } else { "" };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}{per}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_a_sensible_unit() {
        let sample = |nanos: u64, ops: u64| Sample {
            elapsed: Duration::from_nanos(nanos),
            ops,
        };
        assert_eq!(format_time(sample(812_345_678, 1)), "812 ms");
        assert_eq!(format_time(sample(1_234_000_000, 1)), "1.23 s");
        assert_eq!(format_time(sample(45_600, 1)), "45.6 µs");
        assert_eq!(format_time(sample(18_000, 1_000)), "18.0 ns/op");
    }

    #[test]
    fn threaded_work_does_all_the_steps() {
        // The split must not lose the remainder, or the threaded side would do less work.
        let rt = Runtime::new(Mode::Parallel);
        let serial_steps = 1_003;
        let threaded = spin_threaded(&rt, 3, serial_steps).unwrap();
        let by_hand = (0..3u64)
            .map(|i| {
                spin(
                    &rt,
                    serial_steps / 3 + u64::from(i < serial_steps % 3),
                    i + 1,
                )
                .unwrap()
            })
            .fold(0, |acc, x| acc ^ x);
        assert_eq!(threaded, by_hand);
    }
}
