//! A [`ProcessLauncher`] that runs each child as a second, separate [`Run`] on a thread of the
//! host: its own interpreter, runtime and globals, so nothing is shared but the output. It is
//! what checkers use (a check must not depend on a `threadlab` binary being at hand), and what
//! the browser uses: there the child's main thread is a Web Worker like any other thread. A
//! child in its own wasm instance would also have its own memory, but its threads would need a
//! second set of workers that only the page can start, and what the program sees would be the
//! same: its own globals, a pid, and the exit codes of a signal.
//!
//! `terminate()` and `kill()` stop the child's run through its [`StopHandle`], which ends even a
//! `while True: pass` at its next tick; the exit code is then `-15` or `-9`, as for a signal.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use threadlab_core::StopReason;

use super::{ChildCall, ChildProcess, ChildRequest, ProcessLauncher, EXIT_KILLED, EXIT_TERMINATED};
use crate::{Program, Run, RunOptions, StopHandle};

/// See the module documentation. Children run `program` again, as under CPython's spawn.
#[derive(Debug)]
pub struct InProcessLauncher {
    name: String,
    source: String,
    next_pid: AtomicU32,
}

impl InProcessLauncher {
    /// `name` and `source` are the parent's program; child pids count from 1000.
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> InProcessLauncher {
        InProcessLauncher {
            name: name.into(),
            source: source.into(),
            next_pid: AtomicU32::new(1000),
        }
    }
}

struct InProcessChild {
    pid: u32,
    stop: StopHandle,
    /// The signal a stop stands for (15 or 9), 0 while none was sent.
    signalled: Arc<AtomicU32>,
    ended: Arc<AtomicBool>,
}

impl ProcessLauncher for InProcessLauncher {
    fn spawn(&self, request: ChildRequest) -> Result<Box<dyn ChildProcess>, String> {
        // What crosses the boundary is text, as in a `postMessage`.
        let call = ChildCall::decode(&request.call.encode())?;
        let options = RunOptions {
            child: Some(call),
            ..RunOptions::default()
        };
        let child = Run::new(
            Program::new(self.name.clone(), self.source.clone()),
            options,
            request.output,
        );
        let stop = child.stop_handle();
        let signalled = Arc::new(AtomicU32::new(0));
        let ended = Arc::new(AtomicBool::new(false));
        let (signal, done) = (signalled.clone(), ended.clone());
        let on_exit = request.on_exit;
        // A platform thread, so that a child also starts in the browser (on a Web Worker).
        threadlab_core::platform::spawn(
            "threadlab child process",
            threadlab_core::runtime::DEFAULT_STACK_SIZE,
            Box::new(move || {
                let report = child.run();
                done.store(true, Ordering::Release);
                let signal = signal.load(Ordering::Acquire);
                on_exit(if signal != 0 {
                    -(signal as i32)
                } else {
                    report.outcome.exit_code()
                });
            }),
        )
        .map_err(|error| format!("cannot start a process here: {error}"))?;
        Ok(Box::new(InProcessChild {
            pid: self.next_pid.fetch_add(1, Ordering::Relaxed),
            stop,
            signalled,
            ended,
        }))
    }
}

impl InProcessChild {
    fn signal(&self, exit_code: i32) {
        if !self.ended.load(Ordering::Acquire) {
            self.signalled
                .store(exit_code.unsigned_abs(), Ordering::Release);
            self.stop.stop(StopReason::Requested);
        }
    }
}

impl ChildProcess for InProcessChild {
    fn pid(&self) -> u32 {
        self.pid
    }

    fn terminate(&self) {
        self.signal(EXIT_TERMINATED);
    }

    fn kill(&self) {
        self.signal(EXIT_KILLED);
    }
}
