//! The deterministic scheduler: one thread runs at a time, every switch is chosen by a seeded
//! [`Strategy`], and time is virtual.
//!
//! Every thread of the run is a platform thread, but only the one holding the *turn* runs; the
//! others are parked (through [`platform::park_current`]) until the turn comes back. Parking,
//! not a condition variable, because in the browser without cross-origin isolation a run's
//! threads are green threads on one Web Worker, where a park suspends the thread and a wait on
//! a condition variable would block them all. Everything lives under one mutex, so a choice, a
//! wake-up and the clock always change together. Each thread has a slot:
//!
//! | status | meaning | becomes |
//! |---|---|---|
//! | `Runnable` | may be given the turn (or holds it) | `Blocked` by `park`, `Finished` by `thread_exiting` |
//! | `Blocked { deadline, waiting_for }` | parked | `Runnable` by `unpark`, by the clock reaching `deadline`, or when the run ends |
//! | `Finished` | gone | — |
//!
//! plus an unpark token: `unpark` on a thread that is not blocked sets it, and its next `park`
//! consumes it and returns at once, so a wake-up is never lost.
//!
//! The turn passes only at scheduling points: `park`, `yield_now` (the interpreter's tick, and
//! every lock operation, since this scheduler observes sync operations) and `thread_exiting`.
//! There the strategy picks among the runnable threads, the caller included; a choice made among
//! two or more threads is recorded in the run's [`Schedule`]. (`Strategy::Manual` is shown the
//! points without a choice too, so that a person can step a lone thread; they are not recorded.) `unpark` never switches: it only
//! changes a slot, so the wake-up is recorded at once and the running thread goes on.
//!
//! When no thread is runnable:
//! - if some blocked thread has a deadline, the clock jumps to the earliest one and those
//!   threads become runnable (virtual time moves only then, so `sleep(10)` costs nothing);
//! - if every thread has finished, the run is over;
//! - otherwise it is a deadlock: the wait-for graph is explained ([`DeadlockReport`]), the run
//!   is stopped with [`StopReason::Deadlock`], and the blocked threads become runnable, to be
//!   given the turn one at a time and unwind with `Interrupted` in a reproducible order.
//!
//! Running code is free by default: only sleeps and timeouts move the clock, so `sleep(1)`
//! reads exactly one second later. With [`VirtualCpu::Cores`], every instruction tick costs
//! [`INSTRUCTION_COST`] of one core's time: with `r` threads runnable on `c` cores, the clock
//! moves by that cost divided by `min(r, c)`, which is how long the work takes when the runnable
//! threads share the cores evenly (processor sharing). Serial and threaded timings of CPU-bound
//! work then compare as they would on that machine, identically on every real one, and a
//! sleeper's deadline passes while others compute. It is a model, not a simulation: random
//! turns let threads progress unevenly, so the last one may finish alone with cores to spare,
//! and threaded timings come out up to about 20% above the ideal.
//!
//! When the main thread finishes, the daemon threads that remain end with it (their next
//! scheduling point fails with [`StopReason::MainThreadExited`]), and the main thread's exit
//! waits until they are gone: after [`Runtime::shutdown`](crate::Runtime::shutdown) the run and
//! its trace are complete.
//!
//! Threads the run did not start (adopted "dummy" threads) are not scheduled: they park on the
//! OS, and a virtual deadline of theirs is waited for in real time.

mod deadlock;
mod explore;
mod manual;
mod schedule;
mod strategy;

pub use deadlock::{BlockedThread, DeadlockReport};
pub use explore::{Exploration, Explorer, Failure, RunReport};
pub use manual::{ChoicePoint, Chooser, Manual, Pick, ThreadState, ThreadView};
pub use schedule::{Schedule, ScheduleParseError};
pub use strategy::{Strategy, DEFAULT_PCT_STEPS};

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Weak};

use crate::error::{Error, Result, StopReason};
use crate::platform;
use crate::runtime::{Runtime, RuntimeInner};
use crate::sched::{Scheduler, WaitFor};
use crate::thread::ThreadRef;
use crate::time::Time;
use crate::util::lock;

use deadlock::ThreadInfo;
use strategy::{Divergence, NoPick, Picker};

const NOBODY: u32 = u32::MAX;

/// What one instruction costs on a virtual core: about a CPython bytecode on a desktop CPU.
pub const INSTRUCTION_COST: std::time::Duration = std::time::Duration::from_nanos(25);

/// Whether running code costs virtual time; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VirtualCpu {
    /// Only sleeps and timeouts move the clock.
    #[default]
    Free,
    /// Every instruction costs [`INSTRUCTION_COST`] on a machine with this many cores.
    Cores(u32),
}

impl VirtualCpu {
    /// The virtual cores, if running code takes time.
    pub fn cores(self) -> Option<u32> {
        match self {
            VirtualCpu::Free => None,
            VirtualCpu::Cores(cores) => Some(cores),
        }
    }

    /// [`Cores`](Self::Cores) for `Some`, [`Free`](Self::Free) for `None`.
    pub fn from_cores(cores: Option<u32>) -> VirtualCpu {
        cores.map_or(VirtualCpu::Free, |cores| VirtualCpu::Cores(cores.max(1)))
    }
}

/// How many times a thread that gave the turn away looks for it to come back before it sleeps
/// (measured: more spinning gains little when the machine is idle and loses a lot when busy).
const SPIN_ROUNDS: u32 = 64;

/// See the module documentation.
pub struct Deterministic {
    seed: u64,
    strategy: Strategy,
    cpu: VirtualCpu,
    /// To stop the run when it deadlocks or a replay diverges, as the Stop button would.
    runtime: Weak<RuntimeInner>,
    /// Virtual nanoseconds; written only with `state` locked, so that a jump and the wake-ups
    /// it causes are one step, and read without it.
    clock: AtomicU64,
    /// `State::running` (or [`NOBODY`]), readable without the lock while a thread spins.
    turn: AtomicU32,
    state: Mutex<State>,
}

struct State {
    /// By thread number: iteration order is number order, never hash order.
    slots: BTreeMap<u32, Slot>,
    /// The thread holding the turn; `None` before the first thread and after the last.
    running: Option<u32>,
    picker: Box<dyn Picker>,
    schedule: Schedule,
    /// Set when the run cannot go on normally; every later scheduling point fails with it.
    ending: Option<StopReason>,
    /// A replay stopped fitting: from then on the lowest-numbered runnable thread runs.
    diverged: bool,
    deadlock: Option<DeadlockReport>,
    /// The thread just given the turn (or the main thread, waiting for the last one to
    /// finish), unparked by whoever hands the turn over once it has released this mutex
    /// ([`Deterministic::release`]): woken under the mutex, it would only wake into it and park
    /// again.
    wake_next: Option<ThreadRef>,
    /// The scheduling point being decided is an instruction tick (see `Picker::pick`).
    at_tick: bool,
    /// Virtual picoseconds of CPU work not yet on the clock (a share of an instruction's cost
    /// is rarely a whole number of nanoseconds).
    cpu_picos: u64,
}

struct Slot {
    thread: ThreadRef,
    status: Status,
    token: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    Runnable,
    Blocked {
        deadline: Option<Time>,
        waiting_for: WaitFor,
    },
    Finished,
}

type Guard<'a> = MutexGuard<'a, State>;

impl Deterministic {
    pub(crate) fn new(
        seed: u64,
        strategy: Strategy,
        cpu: VirtualCpu,
        runtime: Weak<RuntimeInner>,
    ) -> Deterministic {
        Deterministic {
            seed,
            cpu,
            runtime,
            clock: AtomicU64::new(0),
            turn: AtomicU32::new(NOBODY),
            state: Mutex::new(State {
                slots: BTreeMap::new(),
                running: None,
                picker: strategy::picker(seed, &strategy),
                schedule: Schedule::new(seed, Vec::new()),
                ending: None,
                diverged: false,
                deadlock: None,
                wake_next: None,
                at_tick: false,
                cpu_picos: 0,
            }),
            strategy,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    pub fn virtual_cpu(&self) -> VirtualCpu {
        self.cpu
    }

    /// The choices made so far (all of them, once the run is over).
    pub fn schedule(&self) -> Schedule {
        lock(&self.state).schedule.clone()
    }

    /// Why the run deadlocked, if it did.
    pub fn deadlock(&self) -> Option<DeadlockReport> {
        lock(&self.state).deadlock.clone()
    }

    fn interrupted(state: &State) -> Result<()> {
        match &state.ending {
            Some(reason) => Err(Error::Interrupted(reason.clone())),
            None => Ok(()),
        }
    }

    fn set_running(&self, state: &mut State, running: Option<u32>) {
        state.running = running;
        self.turn
            .store(running.unwrap_or(NOBODY), Ordering::Release);
    }

    /// Unlocks, then wakes the thread that was just given the turn, if any.
    fn release(&self, mut state: Guard<'_>) {
        let wake_next = state.wake_next.take();
        drop(state);
        if let Some(thread) = wake_next {
            thread.unpark_os_thread();
        }
    }

    /// A scheduling point reached by `me`, which holds the turn.
    fn scheduling_point(&self, me: &ThreadRef, at_tick: bool) -> Result<()> {
        let num = me.num();
        let mut state = lock(&self.state);
        if !Self::scheduled(&state, num) {
            return Ok(());
        }
        Self::interrupted(&state)?;
        if at_tick {
            self.charge_instruction(&mut state);
        }
        state.at_tick = at_tick;
        state = self.hand_over(state, num);
        state.at_tick = false;
        state = self.wait_turn(state, num);
        Self::interrupted(&state)
    }

    /// Waits (parked, without a timeout: time is virtual) until `me` holds the turn.
    fn wait_turn<'a>(&'a self, state: Guard<'a>, me: u32) -> Guard<'a> {
        if state.running == Some(me) || !state.slots.contains_key(&me) {
            return state;
        }
        // The turn often comes back within microseconds (two threads taking turns), and
        // waking a sleeping thread costs far more than that: look for it briefly first. Only
        // briefly, and without yielding the CPU, which on a busy machine hands it to another
        // process for a whole time slice and makes every switch slow.
        self.release(state);
        for _ in 0..SPIN_ROUNDS {
            if self.turn.load(Ordering::Acquire) == me {
                break;
            }
            std::hint::spin_loop();
        }
        loop {
            let state = lock(&self.state);
            if state.running == Some(me) {
                return state;
            }
            drop(state);
            // A stray unpark (a stop, a token left from an earlier wait) only costs a look.
            platform::park_current(None);
        }
    }

    /// Gives the turn to the next thread: `me`, which holds it, has just reached a scheduling
    /// point (and may have blocked or finished). Handles time jumps, the end of the run and
    /// deadlocks on the way.
    fn hand_over<'a>(&'a self, mut state: Guard<'a>, me: u32) -> Guard<'a> {
        loop {
            let runnable: Vec<u32> = state
                .slots
                .iter()
                .filter(|(_, slot)| slot.status == Status::Runnable)
                .map(|(&num, _)| num)
                .collect();
            if !runnable.is_empty() {
                match self.choose(&mut state, &runnable, me) {
                    Ok(next) => {
                        self.set_running(&mut state, Some(next));
                        if next != me {
                            state.wake_next =
                                state.slots.get(&next).map(|slot| slot.thread.clone());
                        }
                        return state;
                    }
                    Err(NoPick::Diverged(divergence)) => {
                        let detail = Self::divergence_text(&state, divergence);
                        state.diverged = true;
                        state = self.end_run(state, StopReason::ScheduleDiverged(detail), true);
                        continue;
                    }
                    Err(NoPick::Stopped) => {
                        state = self.end_run(state, StopReason::Requested, true);
                        continue;
                    }
                }
            }
            if let Some(earliest) = Self::earliest_deadline(&state) {
                self.advance_clock(&mut state, earliest);
                continue;
            }
            let blocked = state
                .slots
                .values()
                .any(|slot| matches!(slot.status, Status::Blocked { .. }));
            if !blocked {
                let unused = state.picker.unused();
                if unused > 0 && !state.diverged {
                    state.diverged = true;
                    let detail = format!(
                        "the run ended with {unused} of the schedule's {} choices unused",
                        state.schedule.len() + unused
                    );
                    state = self.end_run(state, StopReason::ScheduleDiverged(detail), true);
                    continue;
                }
                self.set_running(&mut state, None);
                // The main thread waits for the last one in `thread_exiting`.
                state.wake_next = state
                    .slots
                    .values()
                    .find(|slot| slot.thread.is_main())
                    .map(|slot| slot.thread.clone());
                return state;
            }
            if state.ending.is_some() {
                // Cannot happen (a run that is ending blocks nobody), but a stuck thread must
                // never hang the run: let the blocked ones unwind too.
                Self::wake_all_blocked(&mut state);
                continue;
            }
            let report = Self::explain(&state);
            let reason = StopReason::Deadlock(report.text().to_owned());
            state.deadlock = Some(report);
            state = self.end_run(state, reason, true);
        }
    }

    /// The strategy's choice among `runnable` (not empty), recorded when it was a real one.
    /// A point with one runnable thread is no choice: only the manual picker is shown it (a
    /// person steps through the lone thread too), and it is not recorded.
    fn choose(&self, state: &mut State, runnable: &[u32], me: u32) -> Result<u32, NoPick> {
        let forced = runnable.len() == 1;
        let watching = state.picker.wants_threads();
        if (forced && !watching) || state.diverged {
            return Ok(runnable[0]);
        }
        if watching {
            let threads = Self::views(state);
            let (ending, index) = (state.ending.is_some(), state.schedule.len());
            state.picker.see(threads, self.now(), ending, index);
        }
        let next = state.picker.pick(runnable, me, state.at_tick)?;
        // Pickers only name runnable threads; should one not, the run still goes on.
        let next = if runnable.contains(&next) {
            next
        } else {
            runnable[0]
        };
        if !forced {
            state.schedule.push(next);
        }
        Ok(next)
    }

    /// Every thread's state, for the manual picker.
    fn views(state: &State) -> Vec<ThreadView> {
        state
            .slots
            .iter()
            .map(|(&num, slot)| ThreadView {
                num,
                name: slot.thread.name(),
                state: match &slot.status {
                    Status::Runnable => ThreadState::Runnable,
                    Status::Blocked {
                        deadline,
                        waiting_for,
                    } => ThreadState::Blocked {
                        waiting_for: waiting_for.clone(),
                        deadline: *deadline,
                    },
                    Status::Finished => ThreadState::Finished,
                },
            })
            .collect()
    }

    fn earliest_deadline(state: &State) -> Option<Time> {
        state
            .slots
            .values()
            .filter_map(|slot| match slot.status {
                Status::Blocked { deadline, .. } => deadline,
                _ => None,
            })
            .min()
    }

    /// Moves the clock to `to` and wakes every thread whose deadline it reaches.
    fn advance_clock(&self, state: &mut State, to: Time) {
        if to > self.now() {
            self.clock.store(to.as_nanos(), Ordering::Release);
        }
        for slot in state.slots.values_mut() {
            if matches!(slot.status, Status::Blocked { deadline: Some(deadline), .. } if deadline <= to)
            {
                slot.status = Status::Runnable;
            }
        }
    }

    /// Puts one instruction's share of a core on the clock (see [`VirtualCpu`]).
    fn charge_instruction(&self, state: &mut State) {
        let VirtualCpu::Cores(cores) = self.cpu else {
            return;
        };
        let runnable = state
            .slots
            .values()
            .filter(|slot| slot.status == Status::Runnable)
            .count() as u64;
        let sharing = runnable.clamp(1, u64::from(cores.max(1)));
        state.cpu_picos += INSTRUCTION_COST.as_nanos() as u64 * 1000 / sharing;
        let whole_nanos = state.cpu_picos / 1000;
        if whole_nanos > 0 {
            state.cpu_picos %= 1000;
            let to = Time::from_nanos(self.now().as_nanos() + whole_nanos);
            self.advance_clock(state, to);
        }
    }

    fn wake_all_blocked(state: &mut State) {
        for slot in state.slots.values_mut() {
            if matches!(slot.status, Status::Blocked { .. }) {
                slot.status = Status::Runnable;
            }
        }
    }

    /// Ends the run for `reason`: every blocked thread becomes runnable, and each scheduling
    /// point from now on fails with `Interrupted(reason)`. With `tell_runtime` the run itself
    /// is stopped too, so that [`Runtime::stop_reason`] reports it; that call unparks threads,
    /// so it is made with the state unlocked (the caller keeps the turn meanwhile, so nothing
    /// else runs).
    fn end_run<'a>(
        &'a self,
        mut state: Guard<'a>,
        reason: StopReason,
        tell_runtime: bool,
    ) -> Guard<'a> {
        state.ending.get_or_insert_with(|| reason.clone());
        Self::wake_all_blocked(&mut state);
        if tell_runtime {
            drop(state);
            if let Some(inner) = self.runtime.upgrade() {
                Runtime::from_inner(inner).stop(reason);
            }
            state = lock(&self.state);
        }
        state
    }

    fn explain(state: &State) -> DeadlockReport {
        let threads = state
            .slots
            .iter()
            .map(|(&num, slot)| {
                let waiting_for = match &slot.status {
                    Status::Blocked { waiting_for, .. } => Some(waiting_for.clone()),
                    _ => None,
                };
                let info = ThreadInfo {
                    name: slot.thread.name(),
                    finished: slot.status == Status::Finished,
                    waiting_for,
                };
                (num, info)
            })
            .collect();
        deadlock::explain(&threads)
    }

    fn divergence_text(state: &State, divergence: Divergence) -> String {
        match divergence.wanted {
            Some(thread) => {
                let name = state
                    .slots
                    .get(&thread)
                    .map_or_else(|| format!("thread #{thread}"), |slot| slot.thread.name());
                format!(
                    "choice {} of the schedule is {name}, which cannot run at that point",
                    divergence.at + 1
                )
            }
            None => format!(
                "the schedule ends after {} choices, and the program needs more",
                divergence.at
            ),
        }
    }

    /// True when `num` is a thread this scheduler runs (started by the run and not finished).
    fn scheduled(state: &State, num: u32) -> bool {
        state
            .slots
            .get(&num)
            .is_some_and(|slot| slot.status != Status::Finished)
    }

    fn park_outside(&self, deadline: Option<Time>) -> Result<()> {
        platform::park_current(deadline.map(|deadline| self.now().until(deadline)));
        Ok(())
    }
}

impl Scheduler for Deterministic {
    fn mode_name(&self) -> &'static str {
        "det"
    }

    fn now(&self) -> Time {
        Time::from_nanos(self.clock.load(Ordering::Acquire))
    }

    fn thread_created(&self, thread: &ThreadRef) {
        let mut state = lock(&self.state);
        if let Entry::Vacant(entry) = state.slots.entry(thread.num()) {
            entry.insert(Slot {
                thread: thread.clone(),
                status: Status::Runnable,
                token: false,
            });
            state.picker.thread_created(thread.num());
        }
    }

    fn thread_start_failed(&self, thread: &ThreadRef) {
        let mut state = lock(&self.state);
        // The creator has held the turn throughout, so the thread was never given it.
        if state.running != Some(thread.num()) {
            state.slots.remove(&thread.num());
        }
    }

    fn thread_entered(&self, thread: &ThreadRef) -> Result<()> {
        let num = thread.num();
        let mut state = lock(&self.state);
        if !state.slots.contains_key(&num) {
            // The main thread, which nobody created.
            drop(state);
            self.thread_created(thread);
            state = lock(&self.state);
        }
        if state.running.is_none() {
            self.set_running(&mut state, Some(num));
        }
        state = self.wait_turn(state, num);
        Self::interrupted(&state)
    }

    fn thread_exiting(&self, thread: &ThreadRef) {
        let num = thread.num();
        let mut state = lock(&self.state);
        match state.slots.get_mut(&num) {
            Some(slot) if slot.status != Status::Finished => slot.status = Status::Finished,
            _ => return,
        }
        let others_left = state
            .slots
            .values()
            .any(|slot| slot.status != Status::Finished);
        if thread.is_main() && others_left && state.ending.is_none() {
            // Daemon threads end with the main thread, as at interpreter exit; the run's stop
            // reason is left alone, since this is how a run normally ends.
            state = self.end_run(state, StopReason::MainThreadExited, false);
        }
        if state.running == Some(num) {
            state = self.hand_over(state, num);
        }
        self.release(state);
        if thread.is_main() {
            while lock(&self.state)
                .slots
                .values()
                .any(|slot| slot.status != Status::Finished)
            {
                platform::park_current(None);
            }
        }
    }

    fn park(&self, me: &ThreadRef, deadline: Option<Time>, waiting_for: &WaitFor) -> Result<()> {
        let num = me.num();
        let mut state = lock(&self.state);
        if !Self::scheduled(&state, num) {
            drop(state);
            return self.park_outside(deadline);
        }
        Self::interrupted(&state)?;
        if deadline.is_some_and(|deadline| deadline <= self.now()) {
            return Ok(());
        }
        let Some(slot) = state.slots.get_mut(&num) else {
            return Ok(());
        };
        if std::mem::take(&mut slot.token) {
            return Ok(());
        }
        slot.status = Status::Blocked {
            deadline,
            waiting_for: waiting_for.clone(),
        };
        state = self.hand_over(state, num);
        state = self.wait_turn(state, num);
        Self::interrupted(&state)
    }

    fn unpark(&self, thread: &ThreadRef) {
        let mut state = lock(&self.state);
        match state.slots.get_mut(&thread.num()) {
            Some(slot) => match slot.status {
                Status::Blocked { .. } => slot.status = Status::Runnable,
                Status::Runnable => slot.token = true,
                // A finished main thread may still wait, outside the schedule.
                Status::Finished => thread.unpark_os_thread(),
            },
            None => thread.unpark_os_thread(),
        }
    }

    fn yield_now(&self, me: &ThreadRef) -> Result<()> {
        self.scheduling_point(me, false)
    }

    fn tick(&self, me: &ThreadRef) -> Result<()> {
        self.scheduling_point(me, true)
    }

    fn observes_sync_ops(&self) -> bool {
        true
    }

    fn deterministic(&self) -> Option<&Deterministic> {
        Some(self)
    }
}
