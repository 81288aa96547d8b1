//! The native back-end: `std::thread` and the OS clock.

use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use super::ThreadBody;
use crate::error::Error;
use crate::util::lock;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Nanoseconds since a process-wide epoch; monotonic across threads.
pub fn monotonic_nanos() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// How long a finished thread waits for another body before its OS thread exits.
const KEEP_IDLE: Duration = Duration::from_secs(5);

/// At most this many finished OS threads wait for reuse; more simply exit.
const MAX_IDLE: usize = 64;

/// A finished OS thread waiting for its next body.
#[derive(Default)]
struct IdleThread {
    next: Mutex<Option<ThreadBody>>,
    handed_over: Condvar,
}

/// Finished OS threads by stack size, newest last.
static IDLE: Mutex<Vec<(usize, Arc<IdleThread>)>> = Mutex::new(Vec::new());

/// Runs `body` on an OS thread: a finished one waiting for reuse when there is one, else a new
/// one. Creating an OS thread costs tens of microseconds, and a checker runs the same program
/// under hundreds of seeds, each starting fresh threads; reuse makes `Thread.start()` cheap, as
/// the browser's warm set of Web Workers does. Fails (rather than aborting) when the OS
/// refuses a new thread.
pub fn spawn(name: &str, stack_size: usize, body: ThreadBody) -> Result<(), Error> {
    let reusable = {
        let mut idle = lock(&IDLE);
        let found = idle.iter().rposition(|(size, _)| *size == stack_size);
        found.map(|index| idle.remove(index).1)
    };
    if let Some(thread) = reusable {
        *lock(&thread.next) = Some(body);
        thread.handed_over.notify_one();
        return Ok(());
    }
    std::thread::Builder::new()
        .name(name.to_owned())
        .stack_size(stack_size)
        .spawn(move || run_and_reuse(stack_size, body))
        .map(drop)
        .map_err(|err| Error::CantStartThread {
            limit: 0,
            reason: format!("the OS refused: {err}"),
        })
}

/// The life of a pooled OS thread: run a body, offer itself for the next one, and exit after
/// `KEEP_IDLE` without work.
fn run_and_reuse(stack_size: usize, first: ThreadBody) {
    let me = Arc::new(IdleThread::default());
    let mut body = first;
    loop {
        body();
        {
            let mut idle = lock(&IDLE);
            if idle.len() >= MAX_IDLE {
                return;
            }
            idle.push((stack_size, Arc::clone(&me)));
        }
        let mut next = lock(&me.next);
        body = loop {
            if let Some(body) = next.take() {
                break body;
            }
            let (guard, wait) = me
                .handed_over
                .wait_timeout(next, KEEP_IDLE)
                .unwrap_or_else(PoisonError::into_inner);
            next = guard;
            if wait.timed_out() && next.is_none() {
                drop(next);
                let mut idle = lock(&IDLE);
                if let Some(index) = idle.iter().position(|(_, thread)| Arc::ptr_eq(thread, &me)) {
                    idle.remove(index);
                    return;
                }
                // A spawner took this thread off the list meanwhile: its body is on the way.
                drop(idle);
                next = lock(&me.next);
            }
        };
    }
}

/// The kernel's id for the calling thread, as `threading.get_native_id()` reports it.
#[cfg(target_os = "linux")]
pub fn native_thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u64 }
}

/// Elsewhere the OS id is not at hand: number threads as they first ask.
#[cfg(not(target_os = "linux"))]
pub fn native_thread_id() -> u64 {
    super::counted_thread_id()
}

/// CPU time the calling thread has used, in nanoseconds (`time.thread_time_ns()`), for
/// benchmarks that must not count time the OS gave to other processes.
#[cfg(unix)]
pub fn thread_cpu_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for clock_gettime to fill.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } != 0 {
        return 0;
    }
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

#[cfg(not(unix))]
pub fn thread_cpu_nanos() -> u64 {
    monotonic_nanos()
}

/// Asks process `pid` to end (`SIGTERM`), as `multiprocessing`'s `Process.terminate()` does;
/// false when the signal could not be sent, or the OS has no such request.
#[cfg(unix)]
pub fn terminate_process(pid: u32) -> bool {
    send_signal(pid, libc::SIGTERM)
}

/// Ends process `pid` at once (`SIGKILL`), as `Process.kill()` does; false when the signal
/// could not be sent, or the OS has no such request.
#[cfg(unix)]
pub fn kill_process(pid: u32) -> bool {
    send_signal(pid, libc::SIGKILL)
}

#[cfg(unix)]
fn send_signal(pid: u32, signal: libc::c_int) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        // 0 and negative ids address process groups, never one child.
        return false;
    }
    // SAFETY: kill has no memory preconditions; a stale pid just fails with ESRCH.
    unsafe { libc::kill(pid, signal) == 0 }
}

#[cfg(not(unix))]
pub fn terminate_process(_pid: u32) -> bool {
    false
}

#[cfg(not(unix))]
pub fn kill_process(_pid: u32) -> bool {
    false
}

/// Nothing to prepare natively: an OS thread starts in microseconds (the browser back-end
/// starts Web Workers ahead of demand here).
pub fn prewarm() {}

/// OS threads do not die alone: a panic unwinds and is caught where the thread's body runs
/// (the browser back-end counts Web Workers that trap).
pub fn worker_failures() -> usize {
    0
}

/// Green threads are the browser's answer to a page that may not share memory with workers;
/// natively every thread is an OS thread, and this changes nothing.
pub fn enable_green_threads() {}

/// There is no JS glue natively (the browser back-end's worker scripts import it).
pub fn glue_url() -> String {
    String::new()
}

/// OS threads are preempted by the OS: nothing to do.
#[inline(always)]
pub fn yield_point() {}

/// Natively the CPU overlaps the dispatch loop's loads and indirect jump with the handlers'
/// work: fusing more pairs only grows the loop (measured 1.7% slower).
pub const DISPATCH_IS_COSTLY: bool = false;

/// See the module documentation: std's park, a futex or condition variable.
#[derive(Clone, Debug)]
pub struct Unparker(std::thread::Thread);

impl Unparker {
    pub fn for_current() -> Unparker {
        Unparker(std::thread::current())
    }

    pub fn unpark(&self) {
        self.0.unpark();
    }
}

/// Blocks the calling thread until unparked or until `timeout` passes; may wake spuriously.
pub fn park_current(timeout: Option<std::time::Duration>) {
    match timeout {
        Some(timeout) => std::thread::park_timeout(timeout),
        None => std::thread::park(),
    }
}
