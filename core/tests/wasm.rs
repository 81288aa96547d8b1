//! Core on `wasm32-unknown-unknown`, in headless Chromium (scripts/test.sh runs these with
//! wasm-bindgen-test's runner, whose page is cross-origin isolated, so memory is shared).
//!
//! The tests run on the page's main thread, which may never block (`memory.atomic.wait32`
//! traps there). So the primitives are tested there only where nothing waits: uncontended
//! fast paths, and the deterministic scheduler, whose timed waits advance a virtual clock
//! instead of blocking. Everything that blocks runs on Web Workers, and the page awaits its
//! result on a timer. Nothing asserts on real elapsed time.
#![cfg(target_arch = "wasm32")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use threadlab_core::platform;
use threadlab_core::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};
use threadlab_core::sync::{Event, Lock};
use threadlab_core::{Error, Mode, Runtime, StopReason, ThreadOptions, Time};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/wasm_page.rs"]
mod wasm_page;

use wasm_page::on_worker;

#[wasm_bindgen_test]
fn a_lock_is_held_until_released() {
    let rt = Runtime::new(Mode::Parallel);
    let lock = Lock::new(&rt);
    assert!(!lock.locked());
    lock.acquire().unwrap();
    assert!(lock.locked());
    assert!(
        !lock.try_acquire().unwrap(),
        "a held lock is not acquired again"
    );
    lock.release().unwrap();
    assert!(!lock.locked());
    assert!(lock.try_acquire().unwrap());
    lock.release().unwrap();
    assert_eq!(lock.release(), Err(Error::ReleaseUnlocked));
    assert_eq!(Error::ReleaseUnlocked.to_string(), "release unlocked lock");
}

#[wasm_bindgen_test]
fn a_set_event_lets_waiters_through_until_cleared() {
    let rt = Runtime::new(Mode::Parallel);
    let event = Event::new(&rt);
    assert!(!event.is_set());
    event.set();
    assert!(event.is_set());
    // Set: `wait` returns at once, without parking (which the page's thread may not do).
    assert!(event.wait(None).unwrap());
    event.clear();
    assert!(!event.is_set());
}

#[wasm_bindgen_test]
fn queues_hand_out_items_in_their_order() {
    let rt = Runtime::new(Mode::Parallel);
    let fifo: Queue<u32> = Queue::new(&rt, 2);
    let lifo: LifoQueue<u32> = LifoQueue::new(&rt, 0);
    let priority: PriorityQueue<u32> = PriorityQueue::new(&rt, 0);
    for item in [3, 1, 2] {
        lifo.try_put(item).map_err(|e| e.error).unwrap();
        priority.try_put(item).map_err(|e| e.error).unwrap();
    }
    fifo.try_put(3).map_err(|e| e.error).unwrap();
    fifo.try_put(1).map_err(|e| e.error).unwrap();
    assert!(fifo.full());
    let refused = fifo.try_put(2).unwrap_err();
    assert_eq!((refused.error, refused.item), (Error::QueueFull, 2));

    let drain = |get: &dyn Fn() -> threadlab_core::Result<u32>| -> Vec<u32> {
        std::iter::from_fn(|| get().ok()).collect()
    };
    assert_eq!(drain(&|| fifo.try_get()), [3, 1]);
    assert_eq!(drain(&|| lifo.try_get()), [2, 1, 3]);
    assert_eq!(drain(&|| priority.try_get()), [1, 2, 3]);
    assert_eq!(fifo.try_get(), Err(Error::QueueEmpty));

    let simple: SimpleQueue<&str> = SimpleQueue::new(&rt);
    simple.put("a").map_err(|e| e.error).unwrap();
    simple.put("b").map_err(|e| e.error).unwrap();
    assert_eq!(simple.qsize(), 2);
    assert_eq!(simple.try_get(), Ok("a"));
    assert_eq!(simple.try_get(), Ok("b"));
    assert_eq!(simple.try_get(), Err(Error::QueueEmpty));
}

/// Under the deterministic scheduler, sleeps and timeouts move a virtual clock: on the page's
/// own thread they return at once, where a real wait would trap.
#[wasm_bindgen_test]
fn virtual_time_needs_no_waiting() {
    let rt = Runtime::new(Mode::det(7));
    assert_eq!(rt.now(), Time::ZERO);
    rt.sleep(Duration::from_secs(10)).unwrap();
    assert_eq!(rt.now(), Time::from_nanos(10_000_000_000));

    let event = Event::new(&rt);
    assert!(!event.wait(Some(Duration::from_millis(500))).unwrap());
    assert_eq!(rt.now(), Time::from_nanos(10_500_000_000));

    let queue: Queue<u32> = Queue::new(&rt, 0);
    assert_eq!(
        queue.get(Some(Duration::from_secs(2))),
        Err(Error::QueueEmpty)
    );
    assert_eq!(rt.now(), Time::from_nanos(12_500_000_000));
    rt.shutdown().unwrap();
}

#[wasm_bindgen_test]
fn waiting_forever_alone_is_reported_as_a_deadlock() {
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
}

/// Real threads: a run's main thread on one worker starts two threads on two more, which wait
/// for an event (parked on `memory.atomic.wait32`) and then add to a counter under a lock,
/// so that contended acquires park too. The counter proves no update was lost, and the
/// threads' ids prove they ran on workers other than the page's and the run's.
#[wasm_bindgen_test]
async fn threads_run_on_workers_and_block_on_each_other() {
    const ADDS: u64 = 20_000;
    let page = platform::native_thread_id();
    let (total, ids) = on_worker(move || {
        let rt = Runtime::new(Mode::Parallel);
        let lock = Arc::new(Lock::new(&rt));
        let go = Arc::new(Event::new(&rt));
        let counter = Arc::new(AtomicU64::new(0));
        let ids = Arc::new(std::sync::Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (lock, go, counter, ids) =
                    (lock.clone(), go.clone(), counter.clone(), ids.clone());
                rt.spawn(ThreadOptions::default(), move || {
                    ids.lock().unwrap().push(platform::native_thread_id());
                    assert!(go.wait(None).unwrap());
                    for _ in 0..ADDS {
                        lock.acquire().unwrap();
                        // A separate load and store: without the lock, updates would be lost.
                        let seen = counter.load(Ordering::Relaxed);
                        counter.store(seen + 1, Ordering::Relaxed);
                        lock.release().unwrap();
                    }
                })
                .unwrap()
            })
            .collect();
        go.set();
        for thread in threads {
            assert!(thread.join(None).unwrap());
        }
        rt.shutdown().unwrap();
        let mut ids = ids.lock().unwrap().clone();
        ids.push(platform::native_thread_id());
        (counter.load(Ordering::Relaxed), ids)
    })
    .await;
    assert_eq!(total, 2 * ADDS);
    let mut distinct = ids.clone();
    distinct.push(page);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        4,
        "page, run and two threads: {ids:?} and {page}"
    );
}
