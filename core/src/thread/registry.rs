//! Every thread of a run, and which one is "current" on each OS thread.

use std::cell::RefCell;
use std::sync::{Mutex, Weak};

use crate::error::{Error, Result};
use crate::runtime::{Runtime, RuntimeInner};
use crate::thread::ThreadRef;
use crate::util::lock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThreadKind {
    /// The thread that made the run ("MainThread").
    Main,
    /// A thread the run started.
    Spawned,
    /// A foreign OS thread that called into the run, adopted on first use ("Dummy-N").
    Dummy,
}

#[derive(Default)]
pub(crate) struct Registry {
    state: Mutex<RegistryState>,
}

#[derive(Default)]
struct RegistryState {
    /// Started and not yet finished, in start order; the main thread first.
    active: Vec<ThreadRef>,
    main: Option<ThreadRef>,
    next_num: u32,
    /// CPython's `_counter`, shared by `Thread-N` and `Dummy-N` names.
    next_name: u32,
}

impl Registry {
    /// A number for a new thread, and a default name when it needs one.
    pub(crate) fn allocate(&self, default_name: Option<&str>) -> (u32, Option<String>) {
        let mut state = lock(&self.state);
        let num = state.next_num;
        state.next_num += 1;
        let name = default_name.map(|template| {
            state.next_name += 1;
            format!("{template}-{}", state.next_name)
        });
        (num, name)
    }

    pub(crate) fn set_main(&self, main: &ThreadRef) {
        let mut state = lock(&self.state);
        state.main = Some(main.clone());
        state.active.insert(0, main.clone());
    }

    pub(crate) fn main(&self) -> Option<ThreadRef> {
        lock(&self.state).main.clone()
    }

    /// Adds a starting thread, unless the run's limit of live threads is reached.
    pub(crate) fn admit(&self, thread: &ThreadRef, max_threads: usize) -> Result<()> {
        let mut state = lock(&self.state);
        if state.active.len() >= max_threads {
            return Err(Error::CantStartThread {
                limit: max_threads,
                reason: format!("{} threads are already running", state.active.len()),
            });
        }
        state.active.push(thread.clone());
        Ok(())
    }

    pub(crate) fn add_dummy(&self, thread: &ThreadRef) {
        lock(&self.state).active.push(thread.clone());
    }

    pub(crate) fn remove(&self, thread: &ThreadRef) {
        lock(&self.state)
            .active
            .retain(|other| !other.ptr_eq(thread));
    }

    pub(crate) fn active(&self) -> Vec<ThreadRef> {
        lock(&self.state).active.clone()
    }

    pub(crate) fn active_count(&self) -> usize {
        lock(&self.state).active.len()
    }
}

/// The threads this OS thread is, one per run it takes part in. A thread usually belongs to one
/// run; a test or benchmark thread that makes several runs has one entry per run.
struct CurrentThreads {
    entries: Vec<(u64, Weak<RuntimeInner>, ThreadRef)>,
}

impl Drop for CurrentThreads {
    /// An adopted foreign thread leaves its runs' registries when its OS thread ends.
    fn drop(&mut self) {
        for (_, runtime, thread) in self.entries.drain(..) {
            if thread.is_dummy() {
                if let Some(runtime) = runtime.upgrade() {
                    Runtime::from_inner(runtime).registry().remove(&thread);
                }
            }
        }
    }
}

thread_local! {
    static CURRENT: RefCell<CurrentThreads> = const { RefCell::new(CurrentThreads { entries: Vec::new() }) };
}

/// Makes `thread` current for `rt` on this OS thread until the guard drops.
pub(crate) fn enter(rt: &Runtime, thread: &ThreadRef) -> EnterGuard {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        current
            .entries
            .retain(|(_, runtime, _)| runtime.strong_count() > 0);
        current
            .entries
            .push((rt.id(), rt.downgrade(), thread.clone()));
    });
    EnterGuard {
        runtime_id: rt.id(),
    }
}

pub(crate) struct EnterGuard {
    runtime_id: u64,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|current| {
            current
                .borrow_mut()
                .entries
                .retain(|(id, _, _)| *id != self.runtime_id);
        });
    }
}

/// This OS thread's thread in run `runtime_id`, if it has one.
pub(crate) fn current(runtime_id: u64) -> Option<ThreadRef> {
    CURRENT
        .try_with(|current| {
            current
                .borrow()
                .entries
                .iter()
                .find(|(id, _, _)| *id == runtime_id)
                .map(|(_, _, thread)| thread.clone())
        })
        .ok()
        .flatten()
}

/// Registers this OS thread with `rt` for good (no guard): the main thread and dummies.
pub(crate) fn enter_for_good(rt: &Runtime, thread: &ThreadRef) {
    std::mem::forget(enter(rt, thread));
}
