//! `threadlab`, the course's command line. Thin glue: parse the arguments, run one command, turn
//! the outcome into an exit code. The work itself lives in `threadlab-core` and in one module per
//! command.

mod bench;
mod bench_python;
mod child_process;
mod cli;
mod exercise;
mod lessons;
mod progress;
mod run;
mod serve;
mod step;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// A command ran and failed.
const FAILURE: u8 = 1;
/// The command line itself was wrong; clap uses the same code for the errors it reports.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` come back as "errors" too; only real ones go to stderr.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match dispatch(cli) {
        Ok(status) => ExitCode::from(status),
        // `threadlab bench | head` closes our stdout early: that is the reader's choice, not
        // a failure, so stop quietly as other Unix tools do.
        Err(err) if is_broken_pipe(&*err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("threadlab: error: {err}");
            ExitCode::from(FAILURE)
        }
    }
}

/// Runs the command and returns the process's exit status.
fn dispatch(cli: Cli) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    match cli.command {
        Command::Bench(args) if args.suite == cli::Suite::Python => {
            let report = bench_python::run(&args.into_python_config())?;
            let mut out = io::stdout().lock();
            write!(out, "{report}")?;
            out.flush()?;
            Ok(0)
        }
        Command::Bench(args) => {
            let report = bench::run(&args.into_config())?;
            let mut out = io::stdout().lock();
            write!(out, "{report}")?;
            out.flush()?;
            Ok(0)
        }
        Command::Lessons => {
            print!("{}", lessons::list()?);
            Ok(0)
        }
        Command::Lesson { number } => match lessons::show(number)? {
            Some(text) => {
                let mut out = io::stdout().lock();
                write!(out, "{text}")?;
                out.flush()?;
                Ok(0)
            }
            None => {
                eprintln!("threadlab: there is no lesson {number}; `threadlab lessons` lists them");
                Ok(USAGE)
            }
        },
        Command::Start { number, dir, force } => exercise::start(number, dir, force),
        Command::Check { number, file } => exercise::check(number, file),
        Command::Watch { number, file } => exercise::watch(number, file),
        Command::Hint { number, all } => exercise::hint(number, all),
        Command::Solution { number, force } => exercise::solution(number, force),
        Command::Serve {
            dir,
            port,
            without_isolation_headers,
            without_service_worker,
        } => {
            serve::serve(&serve::Config {
                dir,
                port,
                isolation_headers: !without_isolation_headers,
                service_worker: !without_service_worker,
            })?;
            Ok(0)
        }
        Command::Step(args) => {
            let config = match args.into_config() {
                Ok(config) => config,
                Err(message) => {
                    eprintln!("threadlab: error: {message}");
                    return Ok(USAGE);
                }
            };
            step::step(config)
        }
        Command::Run(args) => {
            let config = match args.into_config() {
                Ok(config) => config,
                Err(message) => {
                    eprintln!("threadlab: error: {message}");
                    return Ok(USAGE);
                }
            };
            let status = run::run(config)?;
            Ok(u8::try_from(status).unwrap_or(FAILURE))
        }
    }
}

fn is_broken_pipe(err: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
}
