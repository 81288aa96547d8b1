//! The deterministic scheduler: races and deadlocks are found by exploring seeds, explained,
//! and replayed exactly; time is virtual. Nothing here depends on how the OS schedules threads:
//! every run is a function of its seed, so each assertion holds on every run or on none.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;
use threadlab_core::sched::{Explorer, Schedule, Strategy};
use threadlab_core::sync::{Barrier, Condition, Event, Lock};
use threadlab_core::{Error, Mode, Runtime, StopReason, ThreadOptions, ThreadRef, Time};

const INCREMENTS: u64 = 10;

fn text(err: Error) -> String {
    err.to_string()
}

fn spawn(
    rt: &Runtime,
    body: impl FnOnce() -> threadlab_core::Result<()> + Send + 'static,
) -> Result<ThreadRef, String> {
    // An error inside a thread (the run being stopped) just ends it: the run's stop reason
    // tells the explorer what happened.
    rt.spawn(ThreadOptions::default(), move || drop(body()))
        .map_err(text)
}

fn join_all(threads: Vec<ThreadRef>) -> Result<(), String> {
    for thread in threads {
        thread.join(None).map_err(text)?;
    }
    Ok(())
}

/// Two threads add to a counter with a separate load and store, a tick in between: the race
/// of `counter += 1` in Python. With `lock`, each increment holds a core Lock.
fn increments(rt: &Runtime, locked: bool) -> Result<(), String> {
    let counter = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(Lock::new(rt));
    let threads = (0..2)
        .map(|_| {
            let (counter, lock, rt2) = (counter.clone(), lock.clone(), rt.clone());
            spawn(rt, move || {
                for _ in 0..INCREMENTS {
                    if locked {
                        lock.acquire()?;
                    }
                    let seen = counter.load(Ordering::Relaxed);
                    rt2.tick()?;
                    counter.store(seen + 1, Ordering::Relaxed);
                    if locked {
                        lock.release()?;
                    }
                }
                Ok(())
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    join_all(threads)?;
    match counter.load(Ordering::Relaxed) {
        total if total == 2 * INCREMENTS => Ok(()),
        total => Err(format!(
            "lost update: the counter is {total}, not {}",
            2 * INCREMENTS
        )),
    }
}

#[test]
fn random_walks_find_the_lost_update_within_100_seeds() {
    let exploration = Explorer::random()
        .seeds(0..100)
        .run(|rt| increments(rt, false));
    let failure = exploration
        .first_failure
        .clone()
        .expect("a lost update within 100 seeds");
    assert!(
        failure.message.starts_with("lost update"),
        "{}",
        failure.message
    );
    assert_eq!(exploration.explored, failure.seed + 1);
    assert!(exploration.schedules_per_second() > 0.0);
}

#[test]
fn pct_depth_1_finds_the_lost_update_within_20_seeds() {
    let exploration = Explorer::pct(1)
        .seeds(0..20)
        .run(|rt| increments(rt, false));
    let failure = exploration
        .first_failure
        .expect("a lost update within 20 seeds");
    assert!(
        failure.message.starts_with("lost update"),
        "{}",
        failure.message
    );
}

#[test]
fn a_lock_prevents_the_lost_update_in_1000_seeds() {
    for (explorer, seeds) in [
        (Explorer::random(), 1_000),
        (Explorer::pct(2), 500),
        (Explorer::pct(3), 500),
    ] {
        let exploration = explorer
            .seeds(0..seeds)
            .keep_going(true)
            .run(|rt| increments(rt, true));
        assert_eq!(exploration.failures, 0, "{:?}", exploration.first_failure);
        assert_eq!(exploration.explored, seeds);
    }
}

#[test]
fn the_failing_seed_and_its_schedule_both_replay_the_lost_update() {
    let explorer = Explorer::random().trace(true);
    let failure = explorer
        .run(|rt| increments(rt, false))
        .first_failure
        .unwrap();
    let by_seed = explorer.run_seed(failure.seed, |rt| increments(rt, false));
    let by_schedule = explorer.replay(&failure.schedule, |rt| increments(rt, false));
    let pasted: Schedule = failure.schedule.to_string().parse().unwrap();
    let by_text = explorer.replay(&pasted, |rt| increments(rt, false));
    for report in [&by_seed, &by_schedule, &by_text] {
        assert_eq!(report.failure(), Some(failure.message.clone()));
        assert_eq!(report.schedule.choices(), failure.schedule.choices());
        assert_eq!(
            report.runtime.trace().map(|trace| trace.to_chrome_json()),
            failure.trace_json
        );
    }
}

/// Thread-1 takes Lock#1 then Lock#2, Thread-2 the other way round; the main thread joins both.
fn two_locks(rt: &Runtime) -> Result<(), String> {
    let first = Arc::new(Lock::new(rt));
    let second = Arc::new(Lock::new(rt));
    let threads = [(first.clone(), second.clone()), (second, first)]
        .into_iter()
        .map(|(a, b)| {
            spawn(rt, move || {
                a.acquire()?;
                b.acquire()?;
                b.release()?;
                a.release()
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    join_all(threads)
}

#[test]
fn the_two_lock_deadlock_is_found_explained_and_replayed() {
    let explorer = Explorer::random().seeds(0..1_000).trace(true);
    let failure = explorer.run(two_locks).first_failure.expect("a deadlock");
    let expected = "Thread-1 waits for Lock#2 held by Thread-2; Thread-2 waits for Lock#1 held by \
                    Thread-1; MainThread waits for Thread-1 to finish";
    let deadlock = failure.deadlock.clone().expect("a deadlock report");
    assert_eq!(deadlock.text(), expected);
    assert_eq!(failure.message, format!("deadlock: {expected}"));
    assert_eq!(deadlock.cycles(), [vec![1, 2]]);
    let edges = deadlock.edges();
    assert_eq!(edges[1].0, "Thread-1");
    assert_eq!(edges[1].2.as_deref(), Some("Thread-2"));

    let replay = explorer.replay(&failure.schedule, two_locks);
    assert_eq!(replay.deadlock, failure.deadlock);
    assert_eq!(
        replay.stop_reason,
        Some(StopReason::Deadlock(expected.to_owned()))
    );
    let json = replay.runtime.trace().unwrap().to_chrome_json();
    assert_eq!(Some(json), failure.trace_json);
}

#[test]
fn the_dining_philosophers_deadlock_is_found_and_replayed() {
    const N: usize = 5;
    let philosophers = |rt: &Runtime| -> Result<(), String> {
        let forks: Vec<_> = (0..N).map(|_| Arc::new(Lock::new(rt))).collect();
        let threads = (0..N)
            .map(|i| {
                let (left, right) = (forks[i].clone(), forks[(i + 1) % N].clone());
                spawn(rt, move || {
                    for _ in 0..2 {
                        left.acquire()?;
                        right.acquire()?;
                        right.release()?;
                        left.release()?;
                    }
                    Ok(())
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        join_all(threads)
    };
    let explorer = Explorer::random().seeds(0..2_000).trace(true);
    let exploration = explorer.run(philosophers);
    let failure = exploration
        .first_failure
        .expect("the philosophers deadlock");
    let deadlock = failure.deadlock.clone().expect("a deadlock report");
    assert_eq!(deadlock.cycles(), [vec![1, 2, 3, 4, 5]]);
    assert!(
        deadlock.text().starts_with(
            "Thread-1 waits for Lock#2 held by Thread-2; Thread-2 waits for Lock#3 held by \
             Thread-3; Thread-3 waits for Lock#4 held by Thread-4; Thread-4 waits for Lock#5 \
             held by Thread-5; Thread-5 waits for Lock#1 held by Thread-1"
        ),
        "{deadlock}"
    );
    let replay = explorer.replay(&failure.schedule, philosophers);
    assert_eq!(replay.deadlock, failure.deadlock);
    assert_eq!(
        replay.runtime.trace().map(|trace| trace.to_chrome_json()),
        failure.trace_json
    );
}

#[test]
fn a_barrier_after_virtual_sleeps_ends_at_the_longest_sleep_in_no_time() {
    let mut rng = Pcg64Mcg::seed_from_u64(6);
    // Up to 10 s each, and one of exactly 10 s, so the run's virtual length is known.
    let mut sleeps: Vec<u64> = (0..5).map(|_| 1 + rng.next_u64() % 10_000).collect();
    sleeps.push(10_000);
    for seed in 0..20 {
        let started = Instant::now();
        let rt = Runtime::builder(Mode::det(seed)).trace(true).build();
        let barrier = Arc::new(Barrier::new(&rt, sleeps.len(), None, None).unwrap());
        let threads: Vec<_> = sleeps
            .iter()
            .map(|&ms| {
                let (barrier, rt2) = (barrier.clone(), rt.clone());
                spawn(&rt, move || {
                    rt2.sleep(Duration::from_millis(ms))?;
                    barrier.wait(None).map(drop)
                })
                .unwrap()
            })
            .collect();
        join_all(threads).unwrap();
        rt.shutdown().unwrap();
        let wall = started.elapsed();
        let longest = Duration::from_millis(10_000);
        assert_eq!(rt.trace().unwrap().end_time(), Time::ZERO + longest);
        assert_eq!(rt.now(), Time::ZERO + longest);
        assert!(wall < longest / 10, "{wall:?} of wall time");
        assert!(!barrier.broken());
        assert_eq!(rt.stop_reason(), None);
    }
}

#[test]
fn sleeping_ten_seconds_takes_no_time() {
    let started = Instant::now();
    let rt = Runtime::new(Mode::det(0));
    assert_eq!(rt.mode_name(), "det");
    assert_eq!(rt.seed(), Some(0));
    rt.sleep(Duration::from_secs(10)).unwrap();
    assert_eq!(rt.now(), Time::from_nanos(10_000_000_000));
    assert!(started.elapsed() < Duration::from_secs(1));
    rt.shutdown().unwrap();
}

#[test]
fn timeouts_expire_on_the_virtual_clock() {
    let rt = Runtime::new(Mode::det(3));
    let lock = Arc::new(Lock::new(&rt));
    lock.acquire().unwrap();
    let (other, rt2) = (lock.clone(), rt.clone());
    let waiter = rt
        .spawn(ThreadOptions::default(), move || {
            let got = other.acquire_timeout(Some(Duration::from_secs(2))).unwrap();
            assert!(!got);
            assert_eq!(rt2.now(), Time::from_nanos(2_000_000_000));
        })
        .unwrap();
    assert!(!waiter.join(Some(Duration::from_secs(1))).unwrap());
    assert_eq!(rt.now(), Time::from_nanos(1_000_000_000));
    assert!(waiter.join(None).unwrap());
    let cond = Condition::new(&rt, lock.clone().into());
    assert!(!cond.wait(Some(Duration::from_millis(500))).unwrap());
    assert_eq!(rt.now(), Time::from_nanos(2_500_000_000));
    lock.release().unwrap();
    rt.shutdown().unwrap();
    assert_eq!(rt.stop_reason(), None);
}

#[test]
fn waiting_for_an_event_nobody_sets_is_reported() {
    let rt = Runtime::new(Mode::det(0));
    let event = Event::new(&rt);
    let expected = "MainThread waits for Event#1, which no running thread can set";
    assert_eq!(
        event.wait(None),
        Err(Error::Interrupted(StopReason::Deadlock(
            expected.to_owned()
        )))
    );
    assert_eq!(rt.deadlock().unwrap().text(), expected);
    assert_eq!(
        rt.stop_reason(),
        Some(StopReason::Deadlock(expected.to_owned()))
    );
    assert!(rt.shutdown().is_err());
}

#[test]
fn the_same_seed_gives_the_same_trace_byte_for_byte() {
    let program = |rt: &Runtime| -> Result<(), String> {
        let event = Arc::new(Event::new(rt));
        let lock = Arc::new(Lock::new(rt));
        let threads = (0..3u64)
            .map(|i| {
                let (event, lock, rt2) = (event.clone(), lock.clone(), rt.clone());
                spawn(rt, move || {
                    rt2.sleep(Duration::from_millis(10 * i))?;
                    lock.acquire()?;
                    rt2.tick()?;
                    rt2.record_output(&format!("worker {i}"));
                    lock.release()?;
                    event.wait(None).map(drop)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        rt.sleep(Duration::from_millis(15)).map_err(text)?;
        event.set();
        join_all(threads)
    };
    let explorer = Explorer::random().trace(true);
    let mut traces = Vec::new();
    for seed in 0..8 {
        let first = explorer.run_seed(seed, program);
        let second = explorer.run_seed(seed, program);
        assert_eq!(first.failure(), None);
        let json = first.runtime.trace().unwrap().to_chrome_json();
        assert_eq!(json, second.runtime.trace().unwrap().to_chrome_json());
        assert_eq!(first.schedule, second.schedule);
        traces.push(json);
    }
    traces.sort();
    traces.dedup();
    assert!(traces.len() > 1, "different seeds interleave differently");
}

#[test]
fn daemon_threads_end_with_the_main_thread() {
    let rt = Runtime::builder(Mode::det(1)).trace(true).build();
    let rt2 = rt.clone();
    let daemon = rt
        .spawn(ThreadOptions::default().daemon(true), move || loop {
            if rt2.sleep(Duration::from_secs(1)).is_err() {
                return;
            }
        })
        .unwrap();
    rt.sleep(Duration::from_millis(3_500)).unwrap();
    rt.shutdown().unwrap();
    assert!(!daemon.is_alive());
    assert_eq!(rt.stop_reason(), None);
    assert_eq!(
        rt.trace().unwrap().end_time(),
        Time::from_nanos(3_500_000_000)
    );
}

#[test]
fn a_schedule_that_does_not_fit_the_program_stops_the_run() {
    let explorer = Explorer::random();
    let recorded = explorer.run_seed(5, |rt| increments(rt, true)).schedule;
    assert!(recorded.len() > 2);

    let mut short = recorded.choices().to_vec();
    short.truncate(2);
    let report = explorer.replay(&Schedule::new(5, short), |rt| increments(rt, true));
    assert_eq!(
        report.stop_reason,
        Some(StopReason::ScheduleDiverged(
            "the schedule ends after 2 choices, and the program needs more".to_owned()
        ))
    );

    let mut long = recorded.choices().to_vec();
    long.extend([1, 1]);
    let report = explorer.replay(&Schedule::new(5, long), |rt| increments(rt, true));
    assert_eq!(
        report.failure().as_deref(),
        Some(
            format!(
                "replay diverged: the run ended with 2 of the schedule's {} choices unused",
                recorded.len() + 2
            )
            .as_str()
        )
    );

    let mut wrong = recorded.choices().to_vec();
    wrong[0] = 7;
    let report = explorer.replay(&Schedule::new(5, wrong), |rt| increments(rt, true));
    assert_eq!(
        report.failure().as_deref(),
        Some(
            "replay diverged: choice 1 of the schedule is thread #7, which cannot run at that \
             point"
        )
    );
}

#[test]
fn exploration_reports_seed_schedule_and_throughput() {
    let exploration = Explorer::new(Strategy::pct(2))
        .seeds(10..40)
        .keep_going(true)
        .run(|rt| increments(rt, false));
    assert_eq!(exploration.explored, 30);
    assert!(exploration.failures >= 1);
    let failure = exploration.first_failure.unwrap();
    assert!((10..40).contains(&failure.seed));
    assert!(matches!(
        failure.mode,
        Mode::Deterministic {
            strategy: Strategy::Pct { depth: 2, .. },
            ..
        }
    ));
    assert_eq!(failure.schedule.seed(), failure.seed);
    assert!(failure.trace_json.is_none());
}

#[test]
fn errors_escaping_threads_fail_the_run() {
    let report = Explorer::random().run_seed(0, |rt| {
        let thread = rt
            .spawn(ThreadOptions::named("worker"), || panic!("boom"))
            .map_err(text)?;
        thread.join(None).map_err(text).map(drop)
    });
    assert_eq!(
        report.failure().as_deref(),
        Some("Exception in thread worker: boom")
    );
}

/// `ticks` instruction ticks on the calling thread.
fn compute(rt: &Runtime, ticks: u32) -> threadlab_core::Result<()> {
    for _ in 0..ticks {
        rt.tick()?;
    }
    Ok(())
}

/// Virtual time of `threads` threads each doing `ticks` ticks, on `cores` virtual cores.
fn threaded_cpu_time(seed: u64, cores: u32, threads: usize, ticks: u32) -> Duration {
    let rt = Runtime::builder(Mode::det_on_cores(seed, cores)).build();
    let workers = (0..threads)
        .map(|_| {
            let rt2 = rt.clone();
            spawn(&rt, move || compute(&rt2, ticks)).unwrap()
        })
        .collect();
    join_all(workers).unwrap();
    rt.shutdown().unwrap();
    Time::ZERO.until(rt.now())
}

#[test]
fn on_virtual_cores_cpu_work_takes_time_shared_among_the_runnable_threads() {
    use threadlab_core::sched::deterministic::INSTRUCTION_COST;
    let ticks = 2_000;
    let one_thread = INSTRUCTION_COST * ticks;
    // Free CPU (the default): computing takes no virtual time at all.
    let rt = Runtime::builder(Mode::det(1)).build();
    compute(&rt, ticks).unwrap();
    rt.shutdown().unwrap();
    assert_eq!(rt.now(), Time::ZERO);
    for seed in 0..5 {
        // While a thread starts, its starter is runnable too and takes a share of a core for
        // a few ticks; and random turns let some threads run ahead, so the last one finishes
        // alone, with the cores to spare. Allow 50 ticks or 20%, whichever is more.
        let close_to = |measured: Duration, expected: Duration| {
            let slack = (INSTRUCTION_COST * 50).max(expected / 5);
            assert!(
                measured >= expected.saturating_sub(slack) && measured <= expected + slack,
                "seed {seed}: {measured:?}, expected about {expected:?}"
            );
        };
        // Serial work costs the same on any number of cores.
        for cores in [1, 2, 4] {
            close_to(threaded_cpu_time(seed, cores, 1, ticks * 4), one_thread * 4);
        }
        // Four threads: one core runs them one after another, two cores halve that, four
        // cores run them all at once.
        close_to(threaded_cpu_time(seed, 1, 4, ticks), one_thread * 4);
        close_to(threaded_cpu_time(seed, 2, 4, ticks), one_thread * 2);
        close_to(threaded_cpu_time(seed, 4, 4, ticks), one_thread);
    }
}

#[test]
fn on_virtual_cores_a_sleeper_wakes_while_another_thread_computes() {
    let rt = Runtime::builder(Mode::det_on_cores(3, 2)).build();
    let woke_at = Arc::new(AtomicU64::new(0));
    let (rt2, woke) = (rt.clone(), Arc::clone(&woke_at));
    let sleeper = spawn(&rt, move || {
        rt2.sleep(Duration::from_micros(10))?;
        woke.store(rt2.now().as_nanos(), Ordering::SeqCst);
        Ok(())
    })
    .unwrap();
    // 100 µs of work on the main thread.
    compute(&rt, 4_000).unwrap();
    join_all(vec![sleeper]).unwrap();
    rt.shutdown().unwrap();
    let woke_at = Duration::from_nanos(woke_at.load(Ordering::SeqCst));
    assert!(
        woke_at >= Duration::from_micros(10) && woke_at < Duration::from_micros(11),
        "the sleeper woke at {woke_at:?}, not when its 10 µs were up"
    );
    let total = Time::ZERO.until(rt.now());
    assert!(total >= Duration::from_micros(99), "{total:?}");
}
