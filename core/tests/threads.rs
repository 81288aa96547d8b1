//! Thread life cycle, registry and run-level behaviour, as CPython's `threading` shows them.
//! Ordering is forced by events and joins, never by sleeping and hoping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use threadlab_core::sync::Lock;
use threadlab_core::trace::{EventKind, Span};
use threadlab_core::{Error, Mode, Runtime, StopReason, ThreadOptions};

#[test]
fn default_names_follow_cpython() {
    let rt = Runtime::new(Mode::Parallel);
    assert_eq!(rt.main_thread().name(), "MainThread");
    assert_eq!(
        rt.thread(ThreadOptions::target("worker")).name(),
        "Thread-1 (worker)"
    );
    assert_eq!(rt.thread(ThreadOptions::named("reader")).name(), "reader");
    // An explicit name does not use up a number.
    assert_eq!(rt.thread(ThreadOptions::default()).name(), "Thread-2");
}

#[test]
fn life_cycle_new_alive_finished() {
    let rt = Runtime::new(Mode::Parallel);
    let (go, wait) = mpsc::channel::<()>();
    let thread = rt.thread(ThreadOptions::target("task"));
    assert_eq!(thread.ident(), None);
    assert_eq!(thread.native_id(), None);
    assert!(!thread.is_alive());
    assert_eq!(rt.active_count(), 1);

    thread.start(move || wait.recv().unwrap()).unwrap();
    assert!(thread.is_alive(), "start() returns once the thread runs");
    assert!(thread.ident().is_some());
    assert!(thread.native_id().is_some());
    assert_ne!(thread.native_id(), rt.main_thread().native_id());
    let names: Vec<String> = rt.enumerate().iter().map(|t| t.name()).collect();
    assert_eq!(names, ["MainThread", "Thread-1 (task)"]);
    assert_eq!(rt.active_count(), 2);

    go.send(()).unwrap();
    assert!(thread.join(None).unwrap());
    assert!(!thread.is_alive());
    assert_eq!(rt.active_count(), 1);
}

#[test]
fn misuse_is_reported_as_cpython_does() {
    let rt = Runtime::new(Mode::Parallel);
    let thread = rt.thread(ThreadOptions::default());
    assert_eq!(thread.join(None), Err(Error::JoinBeforeStart));
    thread.start(|| {}).unwrap();
    assert_eq!(thread.start(|| {}), Err(Error::AlreadyStarted));
    assert_eq!(thread.set_daemon(true), Err(Error::CannotSetDaemon));
    assert_eq!(rt.main_thread().join(None), Err(Error::JoinSelf));
    assert_eq!(Error::JoinSelf.to_string(), "cannot join current thread");
    thread.join(None).unwrap();
}

#[test]
fn daemon_flag_is_inherited() {
    let rt = Runtime::new(Mode::Parallel);
    assert!(!rt.thread(ThreadOptions::default()).is_daemon());
    let (tx, rx) = mpsc::channel();
    let rt2 = rt.clone();
    let parent = rt
        .spawn(ThreadOptions::default().daemon(true), move || {
            tx.send(rt2.thread(ThreadOptions::default()).is_daemon())
                .unwrap();
        })
        .unwrap();
    parent.join(None).unwrap();
    assert!(rx.recv().unwrap(), "a daemon thread's children are daemons");
}

#[test]
fn join_with_timeout_returns_false_while_running() {
    let rt = Runtime::new(Mode::Parallel);
    let (go, wait) = mpsc::channel::<()>();
    let thread = rt
        .spawn(ThreadOptions::default(), move || wait.recv().unwrap())
        .unwrap();
    assert!(!thread.join(Some(Duration::from_millis(10))).unwrap());
    assert!(thread.is_alive());
    go.send(()).unwrap();
    assert!(thread.join(None).unwrap());
}

#[test]
fn uncaught_panics_reach_the_hook_with_the_thread_name() {
    let rt = Runtime::new(Mode::Parallel);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    rt.set_excepthook(move |error| {
        sink.lock()
            .unwrap()
            .push((error.thread.name(), error.message.clone()))
    });
    let thread = rt
        .spawn(ThreadOptions::named("boom"), || panic!("division by zero"))
        .unwrap();
    thread.join(None).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [("boom".to_owned(), "division by zero".to_owned())]
    );
    // The run goes on.
    rt.spawn(ThreadOptions::default(), || {})
        .unwrap()
        .join(None)
        .unwrap();
}

#[test]
fn foreign_threads_are_adopted_as_dummies() {
    let rt = Runtime::new(Mode::Parallel);
    let rt2 = rt.clone();
    let (name, daemon, listed) = std::thread::spawn(move || {
        let me = rt2.current();
        (
            me.name(),
            me.is_daemon(),
            rt2.enumerate().iter().any(|t| t.ptr_eq(&me)),
        )
    })
    .join()
    .unwrap();
    assert_eq!(name, "Dummy-1");
    assert!(daemon && listed);
    assert_eq!(
        rt.active_count(),
        1,
        "a dummy leaves the registry when its OS thread ends"
    );
}

#[test]
fn thread_limit_gives_a_clear_error() {
    let rt = Runtime::builder(Mode::Parallel).max_threads(3).build();
    let (go, wait) = mpsc::channel::<()>();
    let wait = Arc::new(Mutex::new(wait));
    let started: Vec<_> = (0..2)
        .map(|_| {
            let wait = wait.clone();
            rt.spawn(ThreadOptions::default(), move || {
                let _ = wait.lock().unwrap().recv();
            })
            .unwrap()
        })
        .collect();
    let refused = rt.spawn(ThreadOptions::default(), || {}).unwrap_err();
    assert!(matches!(refused, Error::CantStartThread { limit: 3, .. }));
    assert!(
        refused.to_string().starts_with("can't start new thread"),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("limit of 3 threads"),
        "{refused}"
    );
    drop(go);
    for thread in started {
        thread.join(None).unwrap();
    }
    // Room again once they finished.
    rt.spawn(ThreadOptions::default(), || {})
        .unwrap()
        .join(None)
        .unwrap();
}

#[test]
fn shutdown_runs_exit_hooks_then_waits_for_non_daemon_threads() {
    let rt = Runtime::new(Mode::Parallel);
    let order = Arc::new(Mutex::new(Vec::new()));
    for name in ["first registered", "last registered"] {
        let order = order.clone();
        rt.at_exit(move || order.lock().unwrap().push(name.to_owned()));
    }
    let finished = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let (finished, rt2) = (finished.clone(), rt.clone());
        rt.spawn(ThreadOptions::default(), move || {
            rt2.sleep(Duration::from_millis(5)).unwrap();
            finished.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    rt.shutdown().unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 3);
    assert_eq!(
        *order.lock().unwrap(),
        ["last registered", "first registered"]
    );
    assert!(!rt.main_thread().is_alive());
}

#[test]
fn stop_interrupts_blocked_threads() {
    for mode in [Mode::Parallel, Mode::gil()] {
        let rt = Runtime::new(mode);
        let lock = Arc::new(Lock::new(&rt));
        lock.acquire().unwrap();
        let (tx, rx) = mpsc::channel();
        let blocked = lock.clone();
        let thread = rt
            .spawn(ThreadOptions::default(), move || {
                tx.send(blocked.acquire()).unwrap()
            })
            .unwrap();
        rt.stop(StopReason::Requested);
        // Once stopped, every wait is interrupted, the main thread's included. Ending the main
        // thread releases its GIL, so the interrupted thread can run to its end.
        assert!(rt.shutdown().is_err());
        let outcome = rx.recv().unwrap();
        assert_eq!(outcome, Err(Error::Interrupted(StopReason::Requested)));
        while thread.is_alive() {
            std::thread::yield_now();
        }
        assert!(rt.tick().is_err(), "running code stops at its next tick");
    }
}

fn overlapping(spans: &[Vec<Span>]) -> Option<(Span, Span)> {
    for (i, a) in spans.iter().enumerate() {
        for b in &spans[i + 1..] {
            for x in a {
                if let Some(y) = b.iter().find(|y| x.overlaps(y)) {
                    return Some((*x, *y));
                }
            }
        }
    }
    None
}

/// Spins with a tick every 1000 iterations, as the interpreter ticks between instructions.
fn cpu_work(rt: &Runtime, iterations: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..iterations {
        acc = acc.wrapping_mul(31).wrapping_add(std::hint::black_box(i));
        if i % 1000 == 0 {
            rt.tick().unwrap();
        }
    }
    acc
}

#[test]
fn gil_cpu_bound_threads_never_run_at_the_same_time() {
    let rt = Runtime::builder(Mode::Gil {
        switch_interval: Duration::from_micros(500),
    })
    .trace(true)
    .build();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let rt2 = rt.clone();
            rt.spawn(ThreadOptions::target("crunch"), move || {
                std::hint::black_box(cpu_work(&rt2, 3_000_000));
            })
            .unwrap()
        })
        .collect();
    for thread in &threads {
        thread.join(None).unwrap();
    }
    let trace = rt.trace().unwrap();
    let mut spans: Vec<Vec<Span>> = threads
        .iter()
        .map(|t| trace.running_spans(t.num()))
        .collect();
    spans.push(trace.running_spans(0));
    assert!(spans.iter().all(|s| !s.is_empty()));
    assert_eq!(
        overlapping(&spans),
        None,
        "two threads held the GIL at once"
    );
}

#[test]
fn gil_is_released_while_sleeping() {
    let rt = Runtime::builder(Mode::gil()).trace(true).build();
    // The sleeper would sleep a minute; the stop below cuts it short. The second thread's whole
    // sleep therefore lies inside the first one's, whatever the machine's load.
    let rt2 = rt.clone();
    let long = rt
        .spawn(ThreadOptions::named("long"), move || {
            let _ = rt2.sleep(Duration::from_secs(60));
        })
        .unwrap();
    let rt3 = rt.clone();
    let short = rt
        .spawn(ThreadOptions::named("short"), move || {
            rt3.sleep(Duration::from_millis(1)).unwrap()
        })
        .unwrap();
    short.join(None).unwrap();
    rt.stop(StopReason::Requested);
    let _ = rt.shutdown();
    while long.is_alive() {
        std::thread::yield_now();
    }

    let events = rt.trace().unwrap().events();
    let sleep_span = |num: u32| {
        let start = events
            .iter()
            .find(|e| e.thread == num && matches!(e.kind, EventKind::Block { .. }))
            .unwrap()
            .at;
        let end = events
            .iter()
            .find(|e| e.thread == num && matches!(e.kind, EventKind::Unblock { .. }))
            .unwrap()
            .at;
        Span { start, end }
    };
    assert!(sleep_span(long.num()).overlaps(&sleep_span(short.num())));
}
