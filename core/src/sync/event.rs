//! `threading.Event`: a flag that threads wait for. `set` wakes every waiter; `clear` only
//! affects waits that start afterwards. As in CPython, a `wait` that was woken by `set`
//! returns true even if the flag was cleared again before the waiter ran.

use std::sync::Mutex;
use std::time::Duration;

use crate::error::Result;
use crate::object_id::{ObjectId, ObjectKind};
use crate::runtime::Runtime;
use crate::sched::WaitFor;
use crate::sync::wait_list::{wait_on, WaitList, Woke};
use crate::sync::{deadline, expired, observed_scheduling_point};
use crate::util::lock;

pub struct Event {
    rt: Runtime,
    id: ObjectId,
    state: Mutex<EventState>,
}

#[derive(Default)]
struct EventState {
    flag: bool,
    waiters: WaitList,
}

impl Event {
    pub fn new(rt: &Runtime) -> Event {
        Event {
            rt: rt.clone(),
            id: rt.new_object_id(ObjectKind::Event),
            state: Mutex::new(EventState::default()),
        }
    }

    pub fn id(&self) -> ObjectId {
        self.id
    }

    pub fn is_set(&self) -> bool {
        lock(&self.state).flag
    }

    /// Sets the flag and wakes every waiting thread.
    pub fn set(&self) {
        self.rt
            .record_if_ours(|| crate::trace::EventKind::Signal { object: self.id });
        let mut state = lock(&self.state);
        state.flag = true;
        state.waiters.notify_all(&self.rt);
    }

    pub fn clear(&self) {
        lock(&self.state).flag = false;
    }

    /// Blocks until the flag is set, for at most `timeout` (`None`: forever). Returns true at
    /// once if it is set, true when woken by `set`, false on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        let rt = &self.rt;
        let deadline = deadline(rt, timeout);
        observed_scheduling_point(rt)?;
        let state = lock(&self.state);
        if state.flag {
            return Ok(true);
        }
        if expired(rt, deadline) {
            return Ok(false);
        }
        // Only `set` notifies this list, and `wait_on` reports a notification only when one
        // arrived, so no re-check of the flag is needed (or wanted: it may be cleared already).
        let (state, woke) = wait_on(
            rt,
            &self.state,
            state,
            |state| &mut state.waiters,
            deadline,
            WaitFor::Object {
                object: self.id,
                holder: None,
            },
        )?;
        drop(state);
        Ok(woke == Woke::Notified)
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("set", &self.is_set())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::error::{Error, StopReason};
    use crate::sched::Mode;
    use crate::sync::testing::{runtimes, spawn, wait_until};
    use crate::thread::ThreadOptions;

    fn waiting(event: &Event) -> usize {
        lock(&event.state).waiters.len()
    }

    /// Starts `n` threads that wait on `event` with `timeout` and count the true results.
    fn waiters(
        rt: &Runtime,
        event: &Arc<Event>,
        n: usize,
        timeout: Option<Duration>,
    ) -> (Vec<crate::ThreadRef>, Arc<AtomicUsize>) {
        let woken = Arc::new(AtomicUsize::new(0));
        let threads = (0..n)
            .map(|_| {
                let (event, woken) = (event.clone(), woken.clone());
                rt.spawn(ThreadOptions::default(), move || {
                    if event.wait(timeout).unwrap() {
                        woken.fetch_add(1, Ordering::SeqCst);
                    }
                })
                .unwrap()
            })
            .collect();
        (threads, woken)
    }

    #[test]
    fn set_and_clear_change_the_flag() {
        for rt in runtimes() {
            let event = Event::new(&rt);
            assert!(!event.is_set());
            event.set();
            assert!(event.is_set());
            event.set();
            assert!(event.is_set());
            event.clear();
            assert!(!event.is_set());
            event.clear();
            assert!(!event.is_set());
        }
    }

    #[test]
    fn wait_on_a_set_event_returns_true_at_once() {
        for rt in runtimes() {
            let event = Event::new(&rt);
            event.set();
            assert!(event.wait(None).unwrap());
            assert!(event.wait(Some(Duration::ZERO)).unwrap());
        }
    }

    #[test]
    fn wait_times_out_with_false() {
        for rt in runtimes() {
            let event = Event::new(&rt);
            assert!(!event.wait(Some(Duration::ZERO)).unwrap());
            assert!(!event.wait(Some(Duration::from_millis(10))).unwrap());
            assert_eq!(waiting(&event), 0);
        }
    }

    #[test]
    fn set_wakes_every_waiter() {
        for rt in runtimes() {
            let event = Arc::new(Event::new(&rt));
            let (threads, woken) = waiters(&rt, &event, 5, None);
            wait_until(&rt, || waiting(&event) == 5);
            assert_eq!(woken.load(Ordering::SeqCst), 0);
            event.set();
            for t in threads {
                t.join(None).unwrap();
            }
            assert_eq!(woken.load(Ordering::SeqCst), 5);
        }
    }

    #[test]
    fn a_set_then_clear_still_wakes_the_waiters_with_true() {
        for rt in runtimes() {
            let event = Arc::new(Event::new(&rt));
            let (threads, woken) = waiters(&rt, &event, 5, Some(Duration::from_secs(3600)));
            wait_until(&rt, || waiting(&event) == 5);
            event.set();
            event.clear();
            for t in threads {
                t.join(None).unwrap();
            }
            assert_eq!(woken.load(Ordering::SeqCst), 5);
            assert!(!event.is_set());
        }
    }

    #[test]
    fn stopping_the_run_interrupts_a_waiter() {
        for rt in runtimes() {
            let event = Arc::new(Event::new(&rt));
            let other = event.clone();
            let waiter = spawn(&rt, move || other.wait(None));
            wait_until(&rt, || waiting(&event) == 1);
            rt.stop(StopReason::Requested);
            let result = waiter.join_after_stop(&rt);
            assert_eq!(result, Err(Error::Interrupted(StopReason::Requested)));
            assert_eq!(waiting(&event), 0);
        }
    }

    #[test]
    fn ids_name_the_kind() {
        let rt = Runtime::new(Mode::Parallel);
        assert_eq!(Event::new(&rt).id().to_string(), "Event#1");
    }

    #[test]
    fn a_set_is_traced_for_the_runs_threads_only() {
        use crate::trace::EventKind;
        let rt = Runtime::builder(Mode::Parallel).trace(true).build();
        let event = Arc::new(Event::new(&rt));
        event.set();
        // A host thread (a child process's exit, say) sets it unseen, and is not adopted.
        let from_host = event.clone();
        std::thread::spawn(move || from_host.set()).join().unwrap();
        let signals: Vec<_> = rt
            .trace()
            .unwrap()
            .events()
            .into_iter()
            .filter(|event| matches!(event.kind, EventKind::Signal { .. }))
            .collect();
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].thread, 0);
        assert_eq!(rt.enumerate().len(), 1, "no dummy thread was adopted");
    }
}
