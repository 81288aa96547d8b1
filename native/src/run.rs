//! `threadlab run FILE.py`: runs a program on OS threads, streaming its output, then reports
//! its wall time. Ctrl-C and `--timeout` stop it cleanly through the run's stop handle.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use threadlab_core::{Mode, StopReason};
use threadlab_python::process::ProcessLauncher;
use threadlab_python::{InputLine, Limits, OutputSink, Program, Run, RunOptions, Stream};

use crate::child_process::{read_child_call, NativeLauncher};

pub struct Config {
    pub file: PathBuf,
    pub mode: Mode,
    pub timeout: Option<Duration>,
    pub disassemble: bool,
    /// Print the timing line on stdout (after the program's output) instead of stderr.
    pub time_on_stdout: bool,
    pub instruction_budget: Option<u64>,
    /// Where to write the Chrome trace, if anywhere.
    pub trace_file: Option<PathBuf>,
    /// Print a text timeline after the run.
    pub timeline: bool,
    /// The flags a `multiprocessing` child repeats (`--mode`, `--seed`).
    pub process_flags: Vec<String>,
    /// This run is a `multiprocessing` child (hidden `--child`): its process comes on stdin,
    /// and it prints no timing line.
    pub child: bool,
}

/// Columns of the text timeline: fits an 80-column terminal next to the thread names.
const TIMELINE_WIDTH: usize = 60;

/// Writes each piece of output as it comes, so a long run shows progress; one `write` call
/// per `print`, so lines from different threads never interleave.
struct Terminal {
    stdout: Mutex<io::Stdout>,
    stderr: Mutex<io::Stderr>,
    /// Whether `input()` reads stdin: not in a `multiprocessing` child, whose stdin is its
    /// lifeline to the parent (CPython gives children an empty stdin too).
    stdin: bool,
}

impl OutputSink for Terminal {
    fn write(&self, stream: Stream, text: &str) {
        // A closed pipe (`threadlab run x.py | head`) is the reader's choice; ignore it.
        match stream {
            Stream::Stdout => {
                let mut out = self.stdout.lock().unwrap_or_else(|p| p.into_inner());
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
            Stream::Stderr => {
                let mut err = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
                let _ = err.write_all(text.as_bytes());
            }
        }
    }

    /// `input()` reads the terminal's standard input, as CPython does.
    fn read_line(&self) -> InputLine {
        if !self.stdin {
            return InputLine::EndOfFile;
        }
        let mut line = String::new();
        match io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => InputLine::EndOfFile,
            Ok(_) => {
                let trimmed = line.strip_suffix('\n').unwrap_or(&line);
                InputLine::Line(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned())
            }
        }
    }
}

pub fn run(config: Config) -> Result<i32, Box<dyn std::error::Error + Send + Sync>> {
    let text = match std::fs::read_to_string(&config.file) {
        Ok(text) => text,
        Err(err) => {
            // CPython's wording and status for a missing script.
            eprintln!(
                "threadlab: can't open file '{}': {err}",
                config.file.display()
            );
            return Ok(2);
        }
    };
    let program = Program::new(config.file.display().to_string(), text);
    if config.disassemble {
        return Ok(match program.disassemble() {
            Ok(listing) => {
                print!("{listing}");
                0
            }
            Err(error) => {
                eprint!("{error}");
                1
            }
        });
    }

    let child = if config.child {
        match read_child_call() {
            Ok(call) => Some(call),
            Err(message) => {
                eprintln!("threadlab: error: {message}");
                return Ok(2);
            }
        }
    } else {
        None
    };
    let launcher = NativeLauncher::new(config.file.clone(), config.process_flags.clone())
        .ok()
        .map(|launcher| Arc::new(launcher) as Arc<dyn ProcessLauncher>);

    let terminal = Arc::new(Terminal {
        stdout: Mutex::new(io::stdout()),
        stderr: Mutex::new(io::stderr()),
        stdin: !config.child,
    });
    let options = RunOptions {
        mode: config.mode.clone(),
        limits: Limits {
            instruction_budget: config.instruction_budget,
            ..Limits::default()
        },
        trace: config.trace_file.is_some() || config.timeline,
        process_launcher: launcher,
        child,
        ..RunOptions::default()
    };
    let run = Run::new(program, options, terminal.clone());
    let stop = run.stop_handle();

    // The first Ctrl-C stops the program like the Stop button; a second one leaves at once.
    let interrupted = stop.clone();
    let pressed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = ctrlc::set_handler(move || {
        if pressed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
        interrupted.stop(StopReason::Requested);
    });

    let (finished, watchdog_wakes) = mpsc::channel::<()>();
    if let Some(timeout) = config.timeout {
        let stop = stop.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = watchdog_wakes.recv_timeout(timeout) {
                stop.stop(StopReason::LimitExceeded(format!(
                    "time limit of {} s exceeded",
                    timeout.as_secs_f64()
                )));
            }
        });
    }

    let report = run.run();
    let _ = finished.send(());
    if config.child {
        return Ok(report.outcome.exit_code());
    }
    let line = format!(
        "[{} s wall time, {} instructions, {} mode]\n",
        format_seconds(report.elapsed),
        report.instructions,
        mode_name(&config.mode)
    );
    if config.time_on_stdout {
        terminal.write(Stream::Stdout, &line);
    } else {
        terminal.write(Stream::Stderr, &line);
    }
    if let Some(trace) = report.runtime.trace() {
        if let Some(path) = &config.trace_file {
            if let Err(err) = std::fs::write(path, trace.to_chrome_json()) {
                eprintln!(
                    "threadlab: can't write the trace to '{}': {err}",
                    path.display()
                );
                return Ok(1);
            }
            eprintln!(
                "[trace written to {}: open it in https://ui.perfetto.dev]",
                path.display()
            );
        }
        if config.timeline {
            terminal.write(Stream::Stderr, &trace.timeline(TIMELINE_WIDTH));
        }
    }
    Ok(report.outcome.exit_code())
}

fn format_seconds(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    if seconds < 10.0 {
        format!("{seconds:.3}")
    } else {
        format!("{seconds:.1}")
    }
}

fn mode_name(mode: &Mode) -> &'static str {
    match mode {
        Mode::Parallel => "parallel",
        Mode::Gil { .. } => "GIL",
        Mode::Deterministic { .. } => "deterministic",
    }
}
