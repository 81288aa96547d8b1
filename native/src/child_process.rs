//! `multiprocessing.Process` natively: each child is this very binary, run again as
//! `threadlab run FILE --child` with the [`ChildCall`] on its stdin. The child's stdout and
//! stderr come back through pipes, line by line, into the parent's output sink.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use threadlab_core::platform::{kill_process, terminate_process};
use threadlab_python::process::{ChildCall, ChildProcess, ChildRequest, ProcessLauncher};
use threadlab_python::{OutputSink, Stream};

/// The hidden flag of `threadlab run` that makes it a child: it reads its [`ChildCall`] from
/// stdin.
pub const CHILD_FLAG: &str = "--child";

#[derive(Debug)]
pub struct NativeLauncher {
    /// This binary.
    exe: PathBuf,
    /// The program file, as the parent was given it.
    file: PathBuf,
    /// Flags the child repeats (`--mode`, `--seed`), so it runs as its parent does.
    flags: Vec<String>,
}

impl NativeLauncher {
    pub fn new(file: PathBuf, flags: Vec<String>) -> std::io::Result<NativeLauncher> {
        Ok(NativeLauncher {
            exe: std::env::current_exe()?,
            file,
            flags,
        })
    }
}

impl ProcessLauncher for NativeLauncher {
    fn spawn(&self, request: ChildRequest) -> Result<Box<dyn ChildProcess>, String> {
        let mut child = Command::new(&self.exe)
            .arg("run")
            .arg(&self.file)
            .args(&self.flags)
            .arg(CHILD_FLAG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start a process: {err}"))?;
        let pid = child.id();
        // The call is one line (JSON escapes newlines), which the child reads before it runs
        // anything, so this cannot block for long; a child that died at once makes it fail.
        // Then stdin stays open as the child's lifeline: see `read_child_call`.
        let mut stdin = child.stdin.take();
        let sent = match stdin.as_mut() {
            Some(pipe) => writeln!(pipe, "{}", request.call.encode()).and_then(|()| pipe.flush()),
            None => Err(std::io::Error::other("no pipe to the child")),
        };
        if let Err(err) = sent {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("cannot start a process: {err}"));
        }
        let readers = [
            child
                .stdout
                .take()
                .map(|pipe| forward(pipe, Stream::Stdout, request.output.clone())),
            child
                .stderr
                .take()
                .map(|pipe| forward(pipe, Stream::Stderr, request.output.clone())),
        ];
        let exited = Arc::new(AtomicBool::new(false));
        let waiter_exited = exited.clone();
        let on_exit = request.on_exit;
        std::thread::Builder::new()
            .name(format!("process {pid} waiter"))
            .spawn(move || {
                let status = child.wait();
                waiter_exited.store(true, Ordering::Release);
                // All output first: `join()` returning means the child's lines are printed.
                for reader in readers.into_iter().flatten() {
                    let _ = reader.join();
                }
                on_exit(status.map_or(1, exit_code));
            })
            .map_err(|err| format!("cannot start a process: {err}"))?;
        Ok(Box::new(NativeChild {
            pid,
            exited,
            _lifeline: stdin,
        }))
    }
}

/// `Process.exitcode`: the status, or `-N` for a child ended by signal N.
fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return -signal;
        }
    }
    status.code().unwrap_or(1)
}

/// Copies a child's pipe into the parent's sink one line at a time (the last piece even
/// without its newline), so lines from parent and children never interleave mid-line.
fn forward(
    pipe: impl Read + Send + 'static,
    stream: Stream,
    output: Arc<dyn OutputSink>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => output.write(stream, &String::from_utf8_lossy(&line)),
            }
        }
    })
}

struct NativeChild {
    pid: u32,
    /// Set once the child is reaped: its pid may then belong to another process, which must
    /// not get our signals.
    exited: Arc<AtomicBool>,
    /// The write end of the child's stdin, open while this handle lives; when the parent
    /// ends, even killed, the OS closes it and the child ends too.
    _lifeline: Option<ChildStdin>,
}

impl ChildProcess for NativeChild {
    fn pid(&self) -> u32 {
        self.pid
    }

    fn terminate(&self) {
        if !self.exited.load(Ordering::Acquire) && !terminate_process(self.pid) {
            self.kill();
        }
    }

    fn kill(&self) {
        if !self.exited.load(Ordering::Acquire) {
            kill_process(self.pid);
        }
    }
}

/// A child's [`ChildCall`], the first line of its stdin. The rest of stdin is the lifeline
/// to the parent: at its end (the parent is gone, however it ended) the child exits at once,
/// so no orphan keeps spinning in a `while True` nobody can stop any more.
pub fn read_child_call() -> Result<ChildCall, String> {
    let mut stdin = BufReader::new(std::io::stdin());
    let mut text = String::new();
    stdin
        .read_line(&mut text)
        .map_err(|err| format!("cannot read the process description: {err}"))?;
    let call = ChildCall::decode(&text)?;
    std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = stdin.read_to_end(&mut rest);
        std::process::exit(1);
    });
    Ok(call)
}
