//! `multiprocessing.pool.ThreadPool` and `concurrent.futures` under the deterministic
//! scheduler, where time is virtual and interleavings are exact, plus what the fixtures cannot
//! check: output with addresses in it, machine-dependent defaults, stops and deadlocks.

use threadlab_core::{platform, Mode, StopReason};
use threadlab_python::{run, CapturedOutput, Limits, Outcome, Program, RunOptions};

/// Runs `source` in `mode`; `(stdout, stderr, outcome)`.
fn run_in(mode: Mode, source: &str) -> (String, String, Outcome) {
    run_with(
        RunOptions {
            mode,
            ..Default::default()
        },
        source,
    )
}

fn run_with(options: RunOptions, source: &str) -> (String, String, Outcome) {
    let output = CapturedOutput::new();
    let report = run(Program::new("pools.py", source), options, output.clone());
    (output.stdout(), output.stderr(), report.outcome)
}

/// Runs `source` under `seed`, checks it completed without stderr, and gives its stdout.
fn det(seed: u64, source: &str) -> String {
    let (stdout, stderr, outcome) = run_in(Mode::det(seed), source);
    assert_eq!(stderr, "", "stderr of seed {seed}");
    assert_eq!(
        outcome,
        Outcome::Completed,
        "seed {seed}; stdout:\n{stdout}"
    );
    stdout
}

const SEEDS: [u64; 5] = [1, 2, 3, 42, 1234];

#[test]
fn pool_callbacks_run_on_the_result_handler_in_completion_order() {
    let source = r#"
import time
import threading
from multiprocessing.pool import ThreadPool

def nap(x):
    time.sleep(x)
    return x

order = []
def on_result(x):
    order.append((x, threading.current_thread().name))

with ThreadPool(3) as pool:
    results = [pool.apply_async(nap, (x,), callback=on_result) for x in [3, 1, 2]]
    print([r.get() for r in results])
    print(order)
    print(list(pool.imap_unordered(nap, [3, 1, 2])))
    print(list(pool.imap(nap, [3, 1, 2])))
"#;
    for seed in SEEDS {
        assert_eq!(
            det(seed, source),
            "[3, 1, 2]\n\
             [(1, 'Thread-6 (_handle_results)'), (2, 'Thread-6 (_handle_results)'), \
             (3, 'Thread-6 (_handle_results)')]\n\
             [1, 2, 3]\n\
             [3, 1, 2]\n",
            "seed {seed}"
        );
    }
}

#[test]
fn as_completed_and_wait_follow_virtual_time() {
    let source = r#"
import time
from concurrent.futures import ThreadPoolExecutor, as_completed, wait, FIRST_COMPLETED, FIRST_EXCEPTION

def nap(x):
    time.sleep(x)
    if x == 5:
        raise ValueError("five")
    return x

with ThreadPoolExecutor(4) as ex:
    fs = {ex.submit(nap, x): x for x in [4, 1, 3, 2]}
    print([fs[f] for f in as_completed(fs)])
    slow, fast = ex.submit(nap, 10), ex.submit(nap, 1)
    done, not_done = wait([slow, fast], return_when=FIRST_COMPLETED)
    print(done == {fast}, not_done == {slow})
    bad = ex.submit(nap, 5)
    done, not_done = wait([slow, bad], return_when=FIRST_EXCEPTION)
    print(done == {bad}, not_done == {slow}, slow.done())
    try:
        for f in as_completed([slow], timeout=1):
            pass
    except TimeoutError as e:
        print("TimeoutError:", e)
    try:
        slow.result(timeout=0.5)
    except TimeoutError:
        print("result timed out")
    print(slow.result())
"#;
    for seed in SEEDS {
        assert_eq!(
            det(seed, source),
            "[1, 2, 3, 4]\nTrue True\nTrue True False\n\
             TimeoutError: 1 (of 1) futures unfinished\nresult timed out\n10\n",
            "seed {seed}"
        );
    }
}

#[test]
fn executor_map_timeout_and_cancel_futures() {
    let source = r#"
import time
from concurrent.futures import ThreadPoolExecutor

def nap(x):
    time.sleep(x)
    return x

ex = ThreadPoolExecutor(max_workers=1)
first = ex.submit(nap, 1)
rest = [ex.submit(nap, 1) for _ in range(3)]
time.sleep(0.5)
ex.shutdown(wait=True, cancel_futures=True)
print(first.result(), [f.cancelled() for f in rest])

with ThreadPoolExecutor(2) as ex:
    got = []
    try:
        for x in ex.map(nap, [1, 5, 1], timeout=3):
            got.append(x)
    except TimeoutError:
        print("map timed out after", got)
"#;
    for seed in SEEDS {
        assert_eq!(
            det(seed, source),
            "1 [True, True, True]\nmap timed out after [1]\n",
            "seed {seed}"
        );
    }
}

#[test]
fn interleavings_replay_under_the_same_seed() {
    // Unsynchronised appends from several workers: the order is the schedule's.
    let source = r#"
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

log = []
def work(tag):
    for i in range(3):
        log.append(f"{tag}{i}")

with ThreadPoolExecutor(3) as ex:
    for tag in "abc":
        ex.submit(work, tag)
with ThreadPool(2) as pool:
    pool.map(work, "xy", chunksize=1)
print(" ".join(log))
"#;
    let mut distinct = std::collections::BTreeSet::new();
    for seed in SEEDS {
        let first = det(seed, source);
        assert_eq!(first, det(seed, source), "seed {seed} replays");
        distinct.insert(first);
    }
    assert!(distinct.len() > 1, "seeds choose different interleavings");
}

#[test]
fn a_raising_done_callback_is_logged_like_cpython() {
    let source = r#"
from concurrent.futures import ThreadPoolExecutor

def broken(fut):
    raise RuntimeError("callback failed")

with ThreadPoolExecutor(1) as ex:
    f = ex.submit(int, "7")
    f.add_done_callback(broken)
    f.result()
    f.add_done_callback(broken)
    g = ex.submit(int, "x")
    g.add_done_callback(broken)
    g.exception()
print("still running", f.result())
"#;
    for mode in [Mode::Parallel, Mode::det(7)] {
        let (stdout, stderr, outcome) = run_in(mode, source);
        assert_eq!(outcome, Outcome::Completed, "{stderr}");
        assert_eq!(stdout, "still running 7\n");
        let reports: Vec<&str> = stderr
            .split("exception calling callback for <Future at 0x")
            .skip(1)
            .collect();
        assert_eq!(reports.len(), 3, "{stderr}");
        assert!(reports[0].contains(" state=finished returned int>\n"));
        assert!(reports[2].contains(" state=finished raised ValueError>\n"));
        for report in reports {
            assert!(
                report.contains(
                    "Traceback (most recent call last):\n  File \"pools.py\", line 5, in broken\n"
                ),
                "{report}"
            );
            assert!(report.ends_with("RuntimeError: callback failed\n"));
        }
    }
}

#[test]
fn defaults_follow_the_cpu_count() {
    let source = r#"
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
print(ThreadPoolExecutor()._max_workers)
with ThreadPool() as pool:
    print(repr(pool))
"#;
    let cpus = platform::cpu_count();
    let (stdout, stderr, _) = run_in(Mode::Parallel, source);
    assert_eq!(stderr, "");
    assert_eq!(
        stdout,
        format!(
            "{}\n<multiprocessing.pool.ThreadPool state=RUN pool_size={cpus}>\n",
            (cpus + 4).min(32)
        )
    );
}

#[test]
fn every_mode_runs_the_pools() {
    let source = r#"
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

def square(x):
    return x * x

with ThreadPoolExecutor(4) as ex:
    print(sum(ex.map(square, range(100))))
with ThreadPool(4) as pool:
    print(sum(pool.map(square, range(100))), sum(pool.imap_unordered(square, range(100))))
"#;
    for mode in [Mode::Parallel, Mode::gil(), Mode::det(3)] {
        let (stdout, stderr, outcome) = run_in(mode.clone(), source);
        assert_eq!(
            (stdout.as_str(), stderr.as_str(), outcome),
            ("328350\n328350 328350\n", "", Outcome::Completed),
            "{mode:?}"
        );
    }
}

#[test]
fn a_task_waiting_for_its_own_future_is_a_reported_deadlock() {
    let source = r#"
import time
from concurrent.futures import ThreadPoolExecutor
ex = ThreadPoolExecutor(1)
def wait_for_next():
    time.sleep(1)
    return later.result()
first = ex.submit(wait_for_next)
later = ex.submit(int, "1")
first.result()
"#;
    let (_, stderr, outcome) = run_in(Mode::det(5), source);
    assert!(stderr.contains("deadlock"), "{stderr}");
    assert!(
        matches!(outcome, Outcome::Stopped(StopReason::Deadlock(_))),
        "{outcome:?}: {stderr}"
    );
}

#[test]
fn a_runaway_task_is_stopped_by_the_budget() {
    let source = r#"
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
def spin():
    while True:
        pass
pool = ThreadPool(1)
pool.apply_async(spin)
with ThreadPoolExecutor(1) as ex:
    ex.submit(spin).result()
"#;
    let options = RunOptions {
        limits: Limits {
            instruction_budget: Some(200_000),
            ..Limits::default()
        },
        ..Default::default()
    };
    let (_, stderr, outcome) = run_with(options, source);
    assert!(
        matches!(outcome, Outcome::Stopped(StopReason::LimitExceeded(_))),
        "{outcome:?}: {stderr}"
    );
}

#[test]
fn a_raising_pool_callback_is_reported_and_the_pool_goes_on() {
    // CPython's result handler thread dies of it and the pool hangs; ours reports it the same
    // way and carries on.
    let source = r#"
from multiprocessing.pool import ThreadPool

def callback(value):
    raise ValueError(f"callback got {value}")

with ThreadPool(2) as pool:
    r = pool.apply_async(abs, (-3,), callback=callback)
    print(r.get(), r.successful())
    print(pool.apply(abs, (-4,)))
"#;
    let (stdout, stderr, outcome) = run_in(Mode::det(11), source);
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(stdout, "3 True\n4\n");
    assert_eq!(
        stderr,
        "Exception in thread Thread-5 (_handle_results):\n\
         Traceback (most recent call last):\n  \
         File \"pools.py\", line 5, in callback\n    \
         raise ValueError(f\"callback got {value}\")\n\
         ValueError: callback got 3\n"
    );
}

#[test]
fn a_raising_pool_initializer_is_reported_once_per_worker() {
    let source = r#"
from multiprocessing.pool import ThreadPool

def init():
    raise OSError("no database")

with ThreadPool(2, initializer=init) as pool:
    print(pool.map(abs, [-1, -2]))
"#;
    let (stdout, stderr, outcome) = run_in(Mode::det(4), source);
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(stdout, "[1, 2]\n");
    for worker in ["Thread-1 (worker)", "Thread-2 (worker)"] {
        assert_eq!(
            stderr
                .matches(&format!("Exception in thread {worker}:\n"))
                .count(),
            1,
            "{stderr}"
        );
    }
    assert_eq!(stderr.matches("OSError: no database\n").count(), 2);
}

#[test]
fn a_callback_waiting_for_its_own_result_is_told_why_instead_of_hanging() {
    // CPython hangs for good: the result-handler thread would wait for itself.
    // The tasks wait until `async_map` is assigned: otherwise, on a loaded machine, the
    // callback can run before the main thread's store and fail with a NameError.
    let source = r#"
import threading
from multiprocessing.pool import ThreadPool

assigned = threading.Event()

def slow_abs(x):
    assigned.wait()
    return abs(x)

def report(results):
    print("callback got", results)
    async_map.wait(0.01)
    print("a wait with a timeout just times out")
    async_map.wait()

with ThreadPool(processes=3) as pool:
    async_map = pool.map_async(slow_abs, [-1, -2, -3], callback=report)
    assigned.set()
    async_map.wait()
    print(async_map.ready(), async_map.successful(), async_map.get())
"#;
    for mode in [Mode::Parallel, Mode::det(2)] {
        let (stdout, stderr, outcome) = run_in(mode, source);
        assert_eq!(outcome, Outcome::Completed, "{stderr}");
        assert_eq!(
            stdout,
            "callback got [1, 2, 3]\na wait with a timeout just times out\nTrue True [1, 2, 3]\n"
        );
        assert!(
            stderr.starts_with("Exception in thread Thread-6 (_handle_results):\n"),
            "{stderr}"
        );
        assert!(
            stderr.ends_with(
                "RuntimeError: a pool callback cannot wait for this result: callbacks run on the \
                 pool's result-handler thread, which delivers the result only after its callback \
                 returns, so it would wait for itself forever\n"
            ),
            "{stderr}"
        );
    }
}
