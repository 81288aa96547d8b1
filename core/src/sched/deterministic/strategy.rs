//! How the deterministic scheduler picks the next thread, after shuttle's scheduler module:
//! the public [`Strategy`] says which algorithm a run uses, and each algorithm is a [`Picker`]
//! that sees the runnable threads at every scheduling point with a real choice and names one
//! (the manual one, [`super::manual`], is a person's interface).
//!
//! Randomness comes from PCG (`rand_pcg`), seeded with the run's seed. Uniform indices are
//! drawn here from raw 64-bit outputs rather than through `rand`'s distributions, whose values
//! may change between releases: a seed must give the same schedule on every platform and in
//! every version of threadlab that keeps this file's algorithms.

use std::collections::BTreeSet;
use std::fmt;

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::manual::{Manual, ManualPicker, ThreadView};
use super::schedule::Schedule;
use crate::time::Time;

/// PCT's estimate of the number of scheduling steps in one run (its `k`) when nothing better is
/// known: change points are spread over this many steps. Exploration replaces it with the
/// longest run seen so far.
pub const DEFAULT_PCT_STEPS: u64 = 200;

/// The mean number of instruction ticks a thread keeps the turn for under [`Strategy::Random`].
/// Uniform choices at every point made almost every instruction a context switch between OS
/// threads (about 3 µs each); bursts keep races and deadlocks as easy to find — a lost update
/// needs one switch between a load and a store, and there are thousands of those in a loop —
/// at a fraction of the cost.
pub const RANDOM_MEAN_BURST: u64 = 16;

/// After this many scheduling points in a row at which the same thread was picked although
/// another could run, PCT lowers that thread's priority as at a change point. Without it a
/// thread spinning on a flag (`while not done: pass`) with the highest priority would starve
/// the thread that sets the flag forever. Terminating programs without spin-waits never get
/// near it, so PCT's guarantee is unchanged for them.
const PCT_STARVATION_LIMIT: u32 = 1_000;

/// The algorithm that picks the next thread at each scheduling point of a deterministic run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// A seeded random walk: at every synchronisation point every runnable thread is equally
    /// likely. Between instructions it goes in bursts, like preemption on a real CPU: the
    /// running thread keeps going with probability `1 - 1/RANDOM_MEAN_BURST`, otherwise every
    /// runnable thread is equally likely. Every interleaving stays reachable, and a run of an
    /// interpreted program costs few thread hand-offs (each one an OS context switch).
    Random,
    /// Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010): threads get random
    /// distinct priorities as they are created, the highest-priority runnable thread runs, and
    /// at `depth - 1` random change points among the first `steps` the running thread drops
    /// below all others. A bug that needs `depth` ordering constraints among `n` threads is
    /// found with probability at least `1 / (n * steps^(depth - 1))` per run.
    Pct { depth: u32, steps: u64 },
    /// The recorded choices of an earlier run, in order. A program that does not make the same
    /// choices stops with [`StopReason::ScheduleDiverged`](crate::StopReason::ScheduleDiverged).
    Replay(Schedule),
    /// A person picks at every real choice, through the [`Manual`] chooser, until it hands
    /// the rest of the run to `Random` (see [`Manual`]).
    Manual(Manual),
}

impl Strategy {
    /// PCT with `depth` and the default step estimate.
    pub fn pct(depth: u32) -> Strategy {
        Strategy::Pct {
            depth,
            steps: DEFAULT_PCT_STEPS,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::Pct { .. } => "pct",
            Strategy::Replay(_) => "replay",
            Strategy::Manual(_) => "manual",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Random => f.write_str("random"),
            Strategy::Pct { depth, steps } => write!(f, "pct(depth={depth}, steps={steps})"),
            Strategy::Replay(schedule) => write!(f, "replay({schedule})"),
            Strategy::Manual(_) => f.write_str("manual"),
        }
    }
}

/// A replayed schedule that does not fit the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Divergence {
    /// The index of the choice that failed.
    pub at: usize,
    /// The thread the schedule names there; `None` when the schedule has run out.
    pub wanted: Option<u32>,
}

/// Why a picker named no thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoPick {
    /// A replayed schedule does not fit.
    Diverged(Divergence),
    /// The manual chooser asked to stop the run.
    Stopped,
}

/// One algorithm's state for one run.
pub(crate) trait Picker: Send {
    /// A thread joined the run (the main thread too), in creation order.
    fn thread_created(&mut self, _num: u32) {}

    /// True when the next `pick` needs to see every thread's state first (`see`): only the
    /// manual picker, so the others cost nothing extra at their many points.
    fn wants_threads(&self) -> bool {
        false
    }

    /// Every thread's state, the clock, whether the run is ending, and how many choices were
    /// made before this one; called just before `pick` when `wants_threads` says so.
    fn see(&mut self, _threads: Vec<ThreadView>, _now: Time, _ending: bool, _index: usize) {}

    /// The thread to run next. `runnable` holds at least two thread numbers, in increasing
    /// order (one for a picker that `wants_threads`: it is shown points without a choice too); `current` is the thread at the scheduling point, runnable or not; `at_tick`
    /// says the point is between two instructions rather than at a synchronisation operation.
    fn pick(&mut self, runnable: &[u32], current: u32, at_tick: bool) -> Result<u32, NoPick>;

    /// Choices a replay has not used; checked when the run ends.
    fn unused(&self) -> usize {
        0
    }
}

pub(crate) fn picker(seed: u64, strategy: &Strategy) -> Box<dyn Picker> {
    match strategy {
        Strategy::Random => Box::new(RandomWalk::new(seed)),
        Strategy::Pct { depth, steps } => Box::new(Pct::new(seed, *depth, *steps)),
        Strategy::Replay(schedule) => Box::new(Replayer {
            choices: schedule.choices().to_vec(),
            next: 0,
        }),
        Strategy::Manual(manual) => Box::new(ManualPicker::new(manual, seed)),
    }
}

/// A uniform integer in `0..n` (`n > 0`), by Lemire's multiply-and-reject method.
fn below(rng: &mut impl RngCore, n: u64) -> u64 {
    let threshold = n.wrapping_neg() % n;
    loop {
        let wide = u128::from(rng.next_u64()) * u128::from(n);
        if (wide as u64) >= threshold {
            return (wide >> 64) as u64;
        }
    }
}

fn index_below(rng: &mut impl RngCore, len: usize) -> usize {
    // Lengths are thread counts, far below u64::MAX; the result is below `len`.
    usize::try_from(below(rng, len as u64)).unwrap_or(0)
}

pub(crate) struct RandomWalk {
    rng: Pcg64Mcg,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64) -> RandomWalk {
        RandomWalk {
            rng: Pcg64Mcg::seed_from_u64(seed),
        }
    }
}

impl Picker for RandomWalk {
    fn pick(&mut self, runnable: &[u32], current: u32, at_tick: bool) -> Result<u32, NoPick> {
        if at_tick && runnable.contains(&current) && below(&mut self.rng, RANDOM_MEAN_BURST) != 0 {
            return Ok(current);
        }
        Ok(runnable[index_below(&mut self.rng, runnable.len())])
    }
}

struct Pct {
    rng: Pcg64Mcg,
    /// Thread numbers, highest priority first.
    priorities: Vec<u32>,
    /// Steps (counted from 1) at which the running thread drops to the lowest priority.
    change_points: BTreeSet<u64>,
    steps: u64,
    /// The thread picked last, and how many times in a row while another was runnable.
    streak: (u32, u32),
}

impl Pct {
    fn new(seed: u64, depth: u32, steps: u64) -> Pct {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let steps = steps.max(1);
        let points = u64::from(depth.saturating_sub(1)).min(steps);
        // Floyd's algorithm: `points` distinct values, uniformly, from 1..=steps.
        let mut change_points = BTreeSet::new();
        for top in (steps - points + 1)..=steps {
            let candidate = 1 + below(&mut rng, top);
            if !change_points.insert(candidate) {
                change_points.insert(top);
            }
        }
        Pct {
            rng,
            priorities: Vec::new(),
            change_points,
            steps: 0,
            streak: (u32::MAX, 0),
        }
    }

    fn lower(&mut self, thread: u32) {
        if let Some(index) = self.priorities.iter().position(|&t| t == thread) {
            self.priorities.remove(index);
            self.priorities.push(thread);
        }
    }
}

impl Picker for Pct {
    fn thread_created(&mut self, num: u32) {
        // A random place among the existing priorities, so every order of n threads is
        // equally likely, however they were created.
        let index = index_below(&mut self.rng, self.priorities.len() + 1);
        self.priorities.insert(index, num);
    }

    fn pick(&mut self, runnable: &[u32], current: u32, _at_tick: bool) -> Result<u32, NoPick> {
        self.steps += 1;
        let starving = self.streak.0 == current && self.streak.1 >= PCT_STARVATION_LIMIT;
        if self.change_points.contains(&self.steps) || starving {
            self.lower(current);
        }
        let next = self
            .priorities
            .iter()
            .copied()
            .find(|thread| runnable.binary_search(thread).is_ok())
            // Every thread is given a priority when it is created; a thread the strategy was
            // not told about runs last.
            .unwrap_or(runnable[0]);
        self.streak = if next == self.streak.0 {
            (next, self.streak.1.saturating_add(1))
        } else {
            (next, 1)
        };
        Ok(next)
    }
}

struct Replayer {
    choices: Vec<u32>,
    next: usize,
}

impl Picker for Replayer {
    fn pick(&mut self, runnable: &[u32], _current: u32, _at_tick: bool) -> Result<u32, NoPick> {
        let at = self.next;
        let wanted = self.choices.get(at).copied();
        match wanted {
            Some(thread) if runnable.binary_search(&thread).is_ok() => {
                self.next += 1;
                Ok(thread)
            }
            _ => Err(NoPick::Diverged(Divergence { at, wanted })),
        }
    }

    fn unused(&self) -> usize {
        self.choices.len().saturating_sub(self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_uniform_enough_and_in_range() {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[index_below(&mut rng, 3)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn the_random_stream_is_pinned() {
        // If this changes, every recorded seed in the course would replay differently.
        let mut rng = Pcg64Mcg::seed_from_u64(42);
        let picks: Vec<u64> = (0..8).map(|_| below(&mut rng, 10)).collect();
        let mut again = Pcg64Mcg::seed_from_u64(42);
        let repeat: Vec<u64> = (0..8).map(|_| below(&mut again, 10)).collect();
        assert_eq!(picks, repeat);
        assert_eq!(picks, PINNED_42);
    }

    const PINNED_42: [u64; 8] = [5, 1, 3, 2, 1, 3, 1, 8];

    #[test]
    fn pct_change_points_are_distinct_and_in_range() {
        for seed in 0..50 {
            let pct = Pct::new(seed, 4, 10);
            assert_eq!(pct.change_points.len(), 3);
            assert!(pct.change_points.iter().all(|p| (1..=10).contains(p)));
        }
        // More change points than steps: every step is one.
        assert_eq!(Pct::new(0, 9, 3).change_points.len(), 3);
        assert!(Pct::new(0, 1, 10).change_points.is_empty());
    }

    #[test]
    fn pct_runs_the_highest_priority_thread_and_demotes_at_change_points() {
        let mut pct = Pct::new(3, 1, 10);
        for num in 0..3 {
            pct.thread_created(num);
        }
        let top = pct.priorities[0];
        assert_eq!(pct.pick(&[0, 1, 2], top, false), Ok(top));
        pct.change_points.insert(pct.steps + 1);
        let next = pct.pick(&[0, 1, 2], top, false).unwrap();
        assert_ne!(next, top);
        assert_eq!(*pct.priorities.last().unwrap(), top);
    }

    #[test]
    fn pct_does_not_starve_a_spinning_threads_partner() {
        let mut pct = Pct::new(0, 1, 10);
        pct.thread_created(0);
        pct.thread_created(1);
        let top = pct.priorities[0];
        let other = 1 - top;
        let picks: Vec<u32> = (0..=PCT_STARVATION_LIMIT + 1)
            .map(|_| pct.pick(&[0, 1], top, false).unwrap())
            .collect();
        assert!(picks.contains(&other));
    }

    #[test]
    fn replay_follows_the_choices_and_reports_where_it_diverges() {
        let mut replay = picker(0, &Strategy::Replay(Schedule::new(0, vec![1, 0])));
        assert_eq!(replay.pick(&[0, 1], 0, false), Ok(1));
        assert_eq!(replay.unused(), 1);
        assert_eq!(
            replay.pick(&[1, 2], 1, false),
            Err(NoPick::Diverged(Divergence {
                at: 1,
                wanted: Some(0)
            }))
        );
        let mut done = picker(0, &Strategy::Replay(Schedule::new(0, vec![])));
        assert_eq!(
            done.pick(&[0, 1], 0, false),
            Err(NoPick::Diverged(Divergence {
                at: 0,
                wanted: None
            }))
        );
    }

    #[test]
    fn random_switches_in_bursts_between_instructions_but_not_at_sync_points() {
        let mut walk = picker(7, &Strategy::Random);
        let switches_at_ticks = (0..10_000)
            .filter(|_| walk.pick(&[0, 1], 0, true) != Ok(0))
            .count();
        // Leaving the turn with probability 1/16, then a fair pick of two: about 1 in 32.
        assert!(
            (150..=480).contains(&switches_at_ticks),
            "{switches_at_ticks}"
        );
        let switches_at_sync = (0..10_000)
            .filter(|_| walk.pick(&[0, 1], 0, false) != Ok(0))
            .count();
        assert!(
            (4_500..=5_500).contains(&switches_at_sync),
            "{switches_at_sync}"
        );
    }
}
