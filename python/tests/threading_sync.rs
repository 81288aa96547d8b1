//! `threading`'s primitives and `queue` under every scheduler mode: the races a Lock prevents,
//! interleavings replayed exactly under the deterministic scheduler, virtual-time timeouts,
//! and the places where threadlab departs from CPython on purpose.
//!
//! The `.py` fixtures under `tests/fixtures/{threading_sync,queue}` run in parallel mode and
//! compare with CPython; these tests need a mode or a seed, which the fixture harness does not
//! take.

use std::time::Duration;

use threadlab_core::{Mode, StopReason};
use threadlab_python::{run, CapturedOutput, Outcome, Program, RunOptions};

fn run_in(mode: Mode, source: &str) -> (String, String, Outcome) {
    let output = CapturedOutput::new();
    let report = run(
        Program::new("test.py", source),
        RunOptions {
            mode,
            ..RunOptions::default()
        },
        output.clone(),
    );
    (output.stdout(), output.stderr(), report.outcome)
}

/// Runs `source`, which must complete without error output, and returns its stdout.
fn stdout_in(mode: Mode, source: &str) -> String {
    let (stdout, stderr, outcome) = run_in(mode.clone(), source);
    assert_eq!(
        (outcome, stderr.as_str()),
        (Outcome::Completed, ""),
        "in {mode:?}, stdout:\n{stdout}"
    );
    stdout
}

fn gil() -> Mode {
    Mode::Gil {
        switch_interval: Duration::from_millis(5),
    }
}

/// Two threads move `balance` up and down 100,000 times each.
fn race_program(with_lock: bool) -> String {
    race_program_with(with_lock, 100_000)
}

fn race_program_with(with_lock: bool, times: u32) -> String {
    let (guard, indent) = if with_lock {
        ("        with lock:\n", "            ")
    } else {
        ("", "        ")
    };
    format!(
        "import threading\n\
         balance = 0\n\
         lock = threading.Lock()\n\
         def deposit():\n\
         \x20   global balance\n\
         \x20   for _ in range({times}):\n\
         {guard}{indent}balance += 1\n\
         def withdraw():\n\
         \x20   global balance\n\
         \x20   for _ in range({times}):\n\
         {guard}{indent}balance -= 1\n\
         threads = [threading.Thread(target=deposit), threading.Thread(target=withdraw)]\n\
         for t in threads:\n\
         \x20   t.start()\n\
         for t in threads:\n\
         \x20   t.join()\n\
         print(balance)\n"
    )
}

#[test]
fn a_lock_keeps_the_balance_at_zero_in_parallel_mode() {
    let program = race_program(true);
    for _ in 0..3 {
        assert_eq!(stdout_in(Mode::Parallel, &program), "0\n");
    }
    assert_eq!(stdout_in(gil(), &program), "0\n");
    assert_eq!(stdout_in(Mode::det(7), &program), "0\n");
}

/// The race is real on real threads: `balance += 1` is a load, an add and a store, and with
/// no GIL the other thread stores in between. A million each way overlap on any machine
/// (even one core preempts them mid-loop); a few runs make "no lost update at all" as good
/// as impossible, so the test cannot be flaky.
#[test]
fn without_a_lock_updates_are_lost_in_parallel_mode() {
    let program = race_program_with(false, 1_000_000);
    let balances: Vec<String> = (0..5)
        .map(|_| stdout_in(Mode::Parallel, &program))
        .take_while(|balance| balance == "0\n")
        .collect();
    assert!(
        balances.len() < 5,
        "five runs without a lost update: {balances:?}"
    );
}

#[test]
fn without_a_lock_some_seed_loses_updates_and_replays_them() {
    let program = race_program(false);
    let (seed, balance) = (0..50)
        .map(|seed| (seed, stdout_in(Mode::det(seed), &program)))
        .find(|(_, balance)| balance != "0\n")
        .expect("a seed in 0..50 that loses an update");
    assert_eq!(
        stdout_in(Mode::det(seed), &program),
        balance,
        "seed {seed} replays"
    );
}

/// Threads that print without synchronising: any order is possible, and a seed fixes one.
#[test]
fn a_seed_replays_the_same_interleaving() {
    let program = "import threading\n\
                   import queue\n\
                   q = queue.Queue()\n\
                   def worker(n):\n\
                   \x20   for i in range(3):\n\
                   \x20       q.put((n, i))\n\
                   ts = [threading.Thread(target=worker, args=(n,)) for n in range(3)]\n\
                   for t in ts:\n\
                   \x20   t.start()\n\
                   for t in ts:\n\
                   \x20   t.join()\n\
                   print([q.get() for _ in range(9)])\n";
    let runs: Vec<String> = (0..8)
        .map(|seed| stdout_in(Mode::det(seed), program))
        .collect();
    for (seed, first) in runs.iter().enumerate() {
        assert_eq!(&stdout_in(Mode::det(seed as u64), program), first);
    }
    assert!(
        runs.iter().any(|run| run != &runs[0]),
        "eight seeds all gave one order: {runs:?}"
    );
}

/// Programs whose output does not depend on the interleaving print exactly the same under
/// every mode and seed.
#[test]
fn synchronised_programs_print_the_same_under_every_schedule() {
    let programs = [
        // Producer/consumer with task_done and join, through a bounded queue.
        "import threading, queue\n\
         q = queue.Queue(2)\n\
         out = []\n\
         def consumer():\n\
         \x20   while (item := q.get()) is not None:\n\
         \x20       out.append(item)\n\
         \x20       q.task_done()\n\
         \x20   q.task_done()\n\
         c = threading.Thread(target=consumer)\n\
         c.start()\n\
         for i in range(6):\n\
         \x20   q.put(i)\n\
         q.join()\n\
         print(out)\n\
         q.put(None)\n\
         c.join()\n\
         print(q.unfinished_tasks)\n",
        // A barrier's action runs once per round, before anyone passes.
        "import threading\n\
         log = []\n\
         b = threading.Barrier(3, action=lambda: log.append('action'))\n\
         def party():\n\
         \x20   for r in range(2):\n\
         \x20       b.wait()\n\
         ts = [threading.Thread(target=party) for _ in range(3)]\n\
         for t in ts:\n\
         \x20   t.start()\n\
         for t in ts:\n\
         \x20   t.join()\n\
         print(log, b.n_waiting, b.broken)\n",
        // notify(2) wakes exactly two of four waiters.
        "import threading\n\
         cond = threading.Condition()\n\
         ready = woken = 0\n\
         def waiter():\n\
         \x20   global ready, woken\n\
         \x20   with cond:\n\
         \x20       ready += 1\n\
         \x20       cond.wait()\n\
         \x20       woken += 1\n\
         def until(predicate):\n\
         \x20   while True:\n\
         \x20       with cond:\n\
         \x20           if predicate():\n\
         \x20               return\n\
         \x20       threading.Event().wait(0.001)\n\
         ts = [threading.Thread(target=waiter) for _ in range(4)]\n\
         for t in ts:\n\
         \x20   t.start()\n\
         until(lambda: ready == 4)\n\
         with cond:\n\
         \x20   cond.notify(2)\n\
         until(lambda: woken >= 2)\n\
         threading.Event().wait(0.02)\n\
         print(woken)\n\
         with cond:\n\
         \x20   cond.notify_all()\n\
         for t in ts:\n\
         \x20   t.join()\n\
         print(woken)\n",
        // A semaphore bounds the workers inside.
        "import threading\n\
         sem = threading.BoundedSemaphore(2)\n\
         guard = threading.Lock()\n\
         inside = most = 0\n\
         def worker():\n\
         \x20   global inside, most\n\
         \x20   with sem:\n\
         \x20       with guard:\n\
         \x20           inside += 1\n\
         \x20           most = max(most, inside)\n\
         \x20       threading.Event().wait(0.01)\n\
         \x20       with guard:\n\
         \x20           inside -= 1\n\
         ts = [threading.Thread(target=worker) for _ in range(5)]\n\
         for t in ts:\n\
         \x20   t.start()\n\
         for t in ts:\n\
         \x20   t.join()\n\
         print(most <= 2, sem._value)\n",
    ];
    for program in programs {
        let expected = stdout_in(Mode::Parallel, program);
        assert_eq!(stdout_in(gil(), program), expected, "GIL mode:\n{program}");
        for seed in 0..10 {
            assert_eq!(
                stdout_in(Mode::det(seed), program),
                expected,
                "seed {seed}:\n{program}"
            );
        }
    }
}

/// In deterministic mode time is virtual: long timeouts expire at once.
#[test]
fn timeouts_run_on_virtual_time_in_deterministic_mode() {
    let program = "import threading, queue\n\
                   lock = threading.Lock()\n\
                   lock.acquire()\n\
                   print(lock.acquire(timeout=100))\n\
                   print(threading.Event().wait(1000))\n\
                   try:\n\
                   \x20   queue.Queue().get(timeout=500)\n\
                   except queue.Empty:\n\
                   \x20   print('Empty')\n\
                   c = threading.Condition()\n\
                   with c:\n\
                   \x20   print(c.wait(60), c.wait_for(lambda: False, 60))\n\
                   try:\n\
                   \x20   threading.Barrier(2).wait(300)\n\
                   except threading.BrokenBarrierError:\n\
                   \x20   print('broken')\n";
    let started = std::time::Instant::now();
    assert_eq!(
        stdout_in(Mode::det(3), program),
        "False\nFalse\nEmpty\nFalse False\nbroken\n"
    );
    // Not a timing claim: a real-time run would take over half an hour.
    assert!(started.elapsed() < Duration::from_secs(600));
}

#[test]
fn lock_ordering_deadlock_is_reported_in_deterministic_mode() {
    let program = "import threading\n\
                   a = threading.Lock()\n\
                   b = threading.Lock()\n\
                   def one():\n\
                   \x20   with a:\n\
                   \x20       with b:\n\
                   \x20           pass\n\
                   def two():\n\
                   \x20   with b:\n\
                   \x20       with a:\n\
                   \x20           pass\n\
                   for _ in range(20):\n\
                   \x20   ts = [threading.Thread(target=one), threading.Thread(target=two)]\n\
                   \x20   for t in ts:\n\
                   \x20       t.start()\n\
                   \x20   for t in ts:\n\
                   \x20       t.join()\n\
                   print('no deadlock')\n";
    let deadlocked = (0..30).find_map(|seed| match run_in(Mode::det(seed), program).2 {
        Outcome::Stopped(StopReason::Deadlock(report)) => Some((seed, report)),
        _ => None,
    });
    let (seed, report) = deadlocked.expect("some seed in 0..30 deadlocks");
    match run_in(Mode::det(seed), program).2 {
        Outcome::Stopped(StopReason::Deadlock(again)) => assert_eq!(again, report),
        other => panic!("seed {seed} did not replay its deadlock: {other:?}"),
    }
}

/// The deprecated camelCase aliases still work (CPython also warns on stderr; we do not).
#[test]
fn deprecated_aliases_work() {
    let program = "import threading\n\
                   e = threading.Event()\n\
                   print(e.isSet())\n\
                   c = threading.Condition()\n\
                   with c:\n\
                   \x20   c.notifyAll()\n\
                   print('ok')\n";
    assert_eq!(stdout_in(Mode::Parallel, program), "False\nok\n");
}

/// A failing Barrier action raises its own exception, with its traceback, in the thread
/// that ran it.
#[test]
fn a_failing_barrier_action_raises_in_its_thread() {
    let program = "import threading\n\
                   def action():\n\
                   \x20   raise KeyError('inside the action')\n\
                   b = threading.Barrier(1, action=action)\n\
                   b.wait()\n";
    let (_, stderr, outcome) = run_in(Mode::Parallel, program);
    assert_eq!(outcome, Outcome::UncaughtException);
    assert!(stderr.contains("line 3, in action"), "{stderr}");
    assert!(
        stderr.ends_with("KeyError: 'inside the action'\n"),
        "{stderr}"
    );
}

/// PriorityQueue orders items by keys computed at `put` (see `modules/queue.rs`).
#[test]
fn priority_queue_departures_are_the_documented_ones() {
    let program = "import queue\n\
                   class Task:\n\
                   \x20   pass\n\
                   class Ordered:\n\
                   \x20   def __lt__(self, other):\n\
                   \x20       return True\n\
                   pq = queue.PriorityQueue()\n\
                   for item in [Task(), None, Ordered()]:\n\
                   \x20   try:\n\
                   \x20       pq.put(item)\n\
                   \x20   except TypeError as e:\n\
                   \x20       print(e)\n\
                   a, b = Task(), Task()\n\
                   pq.put((1, a))\n\
                   pq.put((1, b))\n\
                   print(pq.get()[1] is a, pq.get()[1] is b)\n\
                   pq.put(2)\n\
                   pq.put('x')\n\
                   pq.put(1.5)\n\
                   print([pq.get() for _ in range(3)])\n";
    assert_eq!(
        stdout_in(Mode::Parallel, program),
        "'<' not supported between instances of 'Task' and 'Task'\n\
         '<' not supported between instances of 'NoneType' and 'NoneType'\n\
         threadlab's PriorityQueue orders numbers, strings and tuples of them, without \
         calling __lt__: put (priority, item) tuples instead of 'Ordered' objects\n\
         True True\n\
         [1.5, 2, 'x']\n"
    );
}

#[test]
fn queues_can_be_subclassed() {
    let program = "import queue, threading\n\
                   class Jobs(queue.Queue):\n\
                   \x20   def __init__(self):\n\
                   \x20       super().__init__(maxsize=1)\n\
                   \x20       self.label = 'jobs'\n\
                   j = Jobs()\n\
                   j.put(1)\n\
                   print(j.label, j.full(), j.get(), isinstance(j, queue.Queue))\n\
                   class Stack(queue.LifoQueue):\n\
                   \x20   pass\n\
                   s = Stack()\n\
                   s.put(1)\n\
                   s.put(2)\n\
                   print(s.get())\n\
                   class Forgot(queue.Queue):\n\
                   \x20   def __init__(self):\n\
                   \x20       pass\n\
                   try:\n\
                   \x20   Forgot().put(1)\n\
                   except AttributeError as e:\n\
                   \x20   print(e)\n";
    assert_eq!(
        stdout_in(Mode::Parallel, program),
        "jobs True 1 True\n2\n'Forgot' object has no queue: Queue.__init__() was not called\n"
    );
}

/// The `threading_sync/` and `queue/` fixtures (CPython's output, checked in parallel mode by
/// `tests/fixtures.rs`) print exactly the same under the GIL and under several seeds: none of
/// their output depends on the schedule, and their timeouts behave on virtual time too.
#[test]
fn the_fixtures_print_the_same_under_the_gil_and_deterministic_schedules() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for group in ["threading_sync", "queue"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(group))
            .expect("fixture folder")
            .map(|entry| entry.expect("fixture entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
            .collect();
        files.sort();
        for path in files {
            let source = std::fs::read_to_string(&path).expect("fixture source");
            let expected =
                std::fs::read_to_string(path.with_extension("out")).expect("fixture output");
            let name = path.display();
            assert_eq!(stdout_in(gil(), &source), expected, "{name} under the GIL");
            for seed in 0..3 {
                assert_eq!(
                    stdout_in(Mode::det(seed), &source),
                    expected,
                    "{name} with seed {seed}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} fixtures found");
}
