//! `Strategy::Manual`: a chooser makes every choice, sees each thread's state, can hand the
//! rest of the run to the seeded random walk, and its run replays exactly from its schedule.
//! The choosers here are scripts, so every run is a function of its script.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use threadlab_core::sched::deterministic::{
    ChoicePoint, Chooser, Manual, Pick, ThreadState, ThreadView,
};
use threadlab_core::sched::{Strategy, VirtualCpu, WaitFor};
use threadlab_core::sync::Lock;
use threadlab_core::{Mode, Runtime, StopReason, ThreadOptions};

const INCREMENTS: u64 = 5;

/// Between instructions, picks the lowest runnable thread other than the one at the point;
/// at a synchronisation operation, lets the thread go on. Finishes after `switches` real
/// choices; keeps every point it saw.
struct Alternate {
    switches: usize,
    seen: Mutex<Vec<ChoicePoint>>,
}

impl Chooser for Alternate {
    fn choose(&self, point: &ChoicePoint) -> Pick {
        let mut seen = self.seen.lock().unwrap();
        seen.push(point.clone());
        if seen.iter().filter(|p| p.runnable.len() > 1).count() > self.switches {
            return Pick::Finish;
        }
        let runnable = &point.runnable;
        let other = runnable.iter().find(|&&t| t != point.current);
        match other {
            Some(&other) if point.at_tick || !runnable.contains(&point.current) => {
                Pick::Thread(other)
            }
            _ => Pick::Thread(point.current),
        }
    }
}

fn manual_mode(chooser: Arc<dyn Chooser>) -> Mode {
    Mode::Deterministic {
        seed: 7,
        strategy: Strategy::Manual(Manual::new(chooser)),
        cpu: VirtualCpu::Free,
    }
}

/// Two threads add to a counter with a load, a tick and a store (`counter += 1`); returns the
/// final count.
fn increments(rt: &Runtime, locked: bool) -> u64 {
    let counter = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(Lock::new(rt));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (counter, lock, rt2) = (counter.clone(), lock.clone(), rt.clone());
            rt.spawn(ThreadOptions::default(), move || {
                let body = || -> threadlab_core::Result<()> {
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
                };
                drop(body());
            })
        })
        // A stopped run refuses to start threads; the stop reason says why.
        .filter_map(Result::ok)
        .collect();
    for thread in threads {
        let _ = thread.join(None);
    }
    let _ = rt.shutdown();
    counter.load(Ordering::Relaxed)
}

#[test]
fn alternating_by_hand_loses_updates_and_replays_exactly() {
    let chooser = Arc::new(Alternate {
        switches: usize::MAX,
        seen: Mutex::new(Vec::new()),
    });
    let rt = Runtime::builder(manual_mode(chooser.clone()))
        .trace(true)
        .build();
    let total = increments(&rt, false);
    assert!(total < 2 * INCREMENTS, "{total}");
    let schedule = rt.schedule().unwrap();
    let seen = chooser.seen.lock().unwrap();
    let choices: Vec<&ChoicePoint> = seen.iter().filter(|p| p.runnable.len() > 1).collect();
    assert_eq!(choices.len(), schedule.len());
    assert!(choices
        .iter()
        .enumerate()
        .all(|(i, point)| point.index == i));
    // The lone main thread was shown its points too, before it started anyone.
    assert_eq!(seen[0].runnable.len(), 1);
    let names: Vec<&str> = choices[0].threads.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["MainThread", "Thread-1"]);

    let replay = Runtime::builder(Mode::Deterministic {
        seed: 7,
        strategy: Strategy::Replay(schedule.clone()),
        cpu: VirtualCpu::Free,
    })
    .trace(true)
    .build();
    assert_eq!(increments(&replay, false), total);
    assert_eq!(
        replay.trace().unwrap().to_chrome_json(),
        rt.trace().unwrap().to_chrome_json()
    );
    assert_eq!(replay.schedule(), Some(schedule));
}

#[test]
fn with_a_lock_the_other_thread_is_seen_blocked_on_it_and_nothing_is_lost() {
    let chooser = Arc::new(Alternate {
        switches: usize::MAX,
        seen: Mutex::new(Vec::new()),
    });
    let rt = Runtime::new(manual_mode(chooser.clone()));
    assert_eq!(increments(&rt, true), 2 * INCREMENTS);
    let seen = chooser.seen.lock().unwrap();
    let blocked_on_held_lock = |view: &ThreadView| match &view.state {
        ThreadState::Blocked {
            waiting_for: WaitFor::Object { holder, .. },
            ..
        } => holder.is_some_and(|holder| holder != view.num),
        _ => false,
    };
    assert!(seen
        .iter()
        .any(|point| point.threads.iter().any(blocked_on_held_lock)));
}

#[test]
fn finish_hands_the_rest_to_the_seeded_random_walk() {
    let run = |switches| {
        let chooser = Arc::new(Alternate {
            switches,
            seen: Mutex::new(Vec::new()),
        });
        let rt = Runtime::new(manual_mode(chooser.clone()));
        increments(&rt, false);
        let asked = chooser.seen.lock().unwrap().len();
        (rt.schedule().unwrap(), asked)
    };
    let (first, asked) = run(3);
    // Three real picks, then the fourth choice said Finish; nobody was asked again.
    let (_, asked_at_once) = run(0);
    assert!(asked > asked_at_once);
    assert!(first.len() > 4);
    assert_eq!(run(3).0, first, "the same script gives the same run");
}

struct StopAt(usize, Mutex<usize>);

impl Chooser for StopAt {
    fn choose(&self, point: &ChoicePoint) -> Pick {
        let mut asked = self.1.lock().unwrap();
        *asked += 1;
        if *asked > self.0 {
            Pick::Stop
        } else {
            Pick::Thread(point.runnable[0])
        }
    }
}

#[test]
fn stop_ends_the_run_and_the_chooser_is_not_asked_while_threads_unwind() {
    let chooser = Arc::new(StopAt(2, Mutex::new(0)));
    let rt = Runtime::new(manual_mode(chooser.clone()));
    increments(&rt, false);
    assert_eq!(rt.stop_reason(), Some(StopReason::Requested));
    assert_eq!(*chooser.1.lock().unwrap(), 3);
}
