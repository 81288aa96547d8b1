//! The command line as clap sees it: raw, parsed values. Each command turns its arguments into a
//! validated config of its own, so nothing past this file knows about clap.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use threadlab_core::Mode;

use threadlab_python::step::Goal;

use crate::{bench, bench_python, run, step};

/// threadlab: learn concurrent programming with Python threads that really run in parallel.
#[derive(Debug, Parser)]
#[command(name = "threadlab", version, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure this machine: threads (serial vs threaded, GIL vs no GIL, locks) or Python
    /// (our interpreter vs CPython).
    ///
    /// Each line compares two things timed side by side in the same run and reports their
    /// ratio; the absolute times depend on the machine and on what else it is doing.
    Bench(BenchArgs),

    /// List the course's lessons, with your progress.
    Lessons,

    /// Show lesson N's text, takeaways, example programs and exercise.
    Lesson {
        /// The lesson's number, 1 to 7
        number: u32,
    },

    /// Start lesson N's exercise: write its starter program into DIR (default: here).
    Start {
        /// The lesson's number, 1 to 7
        number: u32,
        /// Where to put the working file
        dir: Option<PathBuf>,
        /// Overwrite the working file if it exists (your changes are lost)
        #[arg(long)]
        force: bool,
    },

    /// Check your program for lesson N's exercise.
    ///
    /// Exit status: 0 when it passes, 1 when it does not yet, 2 on a usage error.
    Check {
        /// The lesson's number, 1 to 7
        number: u32,
        /// The program to check (default: the file `threadlab start` made)
        #[arg(value_name = "FILE.py")]
        file: Option<PathBuf>,
    },

    /// Check lesson N's exercise again every time you save the file (Ctrl-C to stop).
    Watch {
        /// The lesson's number, 1 to 7
        number: u32,
        /// The program to watch (default: the file `threadlab start` made)
        #[arg(value_name = "FILE.py")]
        file: Option<PathBuf>,
    },

    /// Show the next hint for lesson N's exercise.
    Hint {
        /// The lesson's number, 1 to 7
        number: u32,
        /// Show every hint at once
        #[arg(long)]
        all: bool,
    },

    /// Show the reference solution of lesson N's exercise, once yours has passed.
    Solution {
        /// The lesson's number, 1 to 7
        number: u32,
        /// Show it even though your exercise has not passed yet
        #[arg(long)]
        force: bool,
    },

    /// Serve the browser course (built by scripts/setup.sh) on localhost, cross-origin
    /// isolated so that Python threads can share memory.
    Serve {
        /// The built site
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
        /// The port to listen on (0 picks a free one)
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Leave out the isolation headers, as a plain static host would (to try the page's
        /// service-worker fallback)
        #[arg(long, hide = true)]
        without_isolation_headers: bool,
        /// Leave out the isolation service worker too, as a host that cannot serve one (to try
        /// the page's single-worker, deterministic-only mode)
        #[arg(long, hide = true, requires = "without_isolation_headers")]
        without_service_worker: bool,
    },

    /// Run a Python program on real threads and report its wall time.
    ///
    /// Exit status: 0 when the program ends normally, 1 on an uncaught exception, a syntax
    /// error or a stop (Ctrl-C, --timeout), 2 on a usage error, 3 on a deadlock.
    Run(RunArgs),

    /// Be the scheduler: step through a program thread by thread, a line or an instruction
    /// at a time, to produce a race or a deadlock by hand.
    ///
    /// Keys: a thread's number runs it one step, e switches between lines and instructions,
    /// u undoes a step, f finishes the run with the seeded scheduler, r restarts, s saves the
    /// steps, q quits. Without a terminal, type one command per line.
    Step(StepArgs),
}

#[derive(Debug, Args)]
pub struct StepArgs {
    /// The program to step through
    #[arg(value_name = "FILE.py")]
    pub file: PathBuf,

    /// Each step runs one bytecode instruction instead of one line (`e` switches)
    #[arg(long)]
    pub instructions: bool,

    /// Replay saved steps (or a `det:seed=…` schedule), then go on from there
    #[arg(long, value_name = "SCHEDULE_FILE", conflicts_with = "failing_seed")]
    pub replay: Option<PathBuf>,

    /// Where `s` saves the steps [default: FILE.step]
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    /// Seed of the scheduler that `f` hands the rest of the run to
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Open the run of this deterministic seed (a checker's failing seed) just before its
    /// lost update or at the step that closes its deadlock
    #[arg(long, value_name = "N")]
    pub failing_seed: Option<u64>,

    /// A goal to reach, announced when it is: `lost-update` (or `lost-update:NAME`),
    /// `deadlock`, `NAME!=VALUE` (a global's final value) or `together:FIRST-LAST` (two
    /// threads at once in those lines); may be repeated
    #[arg(long, value_name = "GOAL")]
    pub goal: Vec<String>,
}

impl StepArgs {
    pub fn into_config(self) -> Result<step::Config, String> {
        let goals = self
            .goal
            .iter()
            .map(|text| text.parse::<Goal>().map_err(|error| format!("--{error}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(step::Config {
            file: self.file,
            instructions: self.instructions,
            replay: self.replay,
            save: self.save,
            seed: self.seed,
            failing_seed: self.failing_seed,
            goals,
        })
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The program to run
    #[arg(value_name = "FILE.py")]
    pub file: PathBuf,

    /// How threads are scheduled: `parallel` (no GIL, every core), `gil` (one thread at a time,
    /// like CPython) or `det` (one at a time, chosen by a seeded scheduler, in virtual time)
    #[arg(long, value_enum, default_value_t = ModeArg::Parallel)]
    pub mode: ModeArg,

    /// Seed of the deterministic scheduler (with --mode det): the same seed, the same run
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// With --mode det: running code takes virtual time, as on a machine with N cores (1
    /// behaves like a GIL). Without it, only sleeps and timeouts move the virtual clock
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub virtual_cores: Option<u32>,

    /// Stop the program after this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,

    /// Stop the program after this many bytecode instructions (all threads together)
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,

    /// Print the bytecode instead of running the program
    #[arg(long)]
    pub dis: bool,

    /// Write the run's trace (threads, waits, locks, queues, pool tasks, prints) to FILE as
    /// Chrome trace-event JSON, for Perfetto or chrome://tracing
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// After the run, print a per-thread timeline of when each thread ran and waited
    #[arg(long)]
    pub timeline: bool,

    /// Print the wall time on stdout, after the program's output, instead of on stderr
    #[arg(long)]
    pub time: bool,

    /// Run as a `multiprocessing` child: read the process to run from stdin (internal)
    #[arg(long, hide = true)]
    pub child: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Parallel,
    Gil,
    Det,
}

impl RunArgs {
    pub fn into_config(self) -> Result<run::Config, String> {
        let timeout = match self.timeout {
            None => None,
            Some(seconds) if seconds.is_finite() && seconds > 0.0 => {
                Some(Duration::from_secs_f64(seconds))
            }
            Some(seconds) => {
                return Err(format!(
                    "--timeout must be a positive number of seconds, not {seconds}"
                ))
            }
        };
        if self.virtual_cores.is_some() && self.mode != ModeArg::Det {
            return Err("--virtual-cores needs --mode det (virtual time)".to_owned());
        }
        let mode_flag = match self.mode {
            ModeArg::Parallel => "parallel",
            ModeArg::Gil => "gil",
            ModeArg::Det => "det",
        };
        let mut process_flags = vec![
            "--mode".to_owned(),
            mode_flag.to_owned(),
            "--seed".to_owned(),
            self.seed.to_string(),
        ];
        if let Some(cores) = self.virtual_cores {
            process_flags.extend(["--virtual-cores".to_owned(), cores.to_string()]);
        }
        Ok(run::Config {
            file: self.file,
            mode: match self.mode {
                ModeArg::Parallel => Mode::Parallel,
                ModeArg::Gil => Mode::gil(),
                ModeArg::Det => match self.virtual_cores {
                    Some(cores) => Mode::det_on_cores(self.seed, cores),
                    None => Mode::det(self.seed),
                },
            },
            timeout,
            disassemble: self.dis,
            trace_file: self.trace,
            timeline: self.timeline,
            time_on_stdout: self.time,
            instruction_budget: self.max_instructions,
            process_flags,
            child: self.child,
        })
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure: `threads` (serial vs threaded work, GIL vs no GIL, our Lock vs std's
    /// Mutex) or `python` (our interpreter vs CPython on the same programs)
    #[arg(value_enum, default_value_t = Suite::Threads)]
    pub suite: Suite,

    /// Threads for the threaded scenarios [default: the available cores, at least 2]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// Small sizes and one round: checks that every scenario runs, measures nothing worth
    /// reading
    #[arg(long)]
    pub quick: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    Threads,
    Python,
}

impl BenchArgs {
    pub fn into_python_config(self) -> bench_python::Config {
        bench_python::Config {
            rounds: if self.quick { 1 } else { 3 },
            python: Some("python3".to_owned()),
        }
    }

    pub fn into_config(self) -> bench::Config {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        bench::Config {
            // At least two, so that even a one-core machine shows what threading does (nothing,
            // for CPU-bound work) instead of comparing serial with serial.
            threads: self.threads.map_or(cores.max(2), usize::from),
            cores,
            quick: self.quick,
        }
    }
}
