//! The command line as clap sees it: raw, parsed values. Each command turns its arguments into a
//! validated config of its own, so nothing past this file knows about clap.

use std::num::NonZeroUsize;

use clap::{Args, Parser, Subcommand};

use crate::bench;

/// threadlab: learn concurrent programming with Python threads that really run in parallel.
#[derive(Debug, Parser)]
#[command(name = "threadlab", version, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure this machine: serial vs threaded work, GIL vs no GIL, our Lock vs std's Mutex.
    ///
    /// Each line compares two things timed side by side in the same run and reports their
    /// ratio; the absolute times depend on the machine and on what else it is doing.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Threads for the threaded scenarios [default: the available cores, at least 2]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// Small sizes and one round: checks that every scenario runs, measures nothing worth
    /// reading
    #[arg(long)]
    pub quick: bool,
}

impl BenchArgs {
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
