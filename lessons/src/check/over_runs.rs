//! Judging the same criteria over several runs of the program.
//!
//! A check runs the program under many seeds (and sometimes once in parallel mode) because a
//! race shows under some schedules only. A criterion then passes only if it holds in every run,
//! and what the learner needs to see is its first failure, saying which run it was in, with a
//! deterministic run that shows it again. [`OverRuns`] keeps exactly that per criterion, so
//! that each checker only says how one run fares.

use super::runs::LearnerRun;
use super::verdict::{CriterionSpec, Replay, Verdict};

/// Which failure becomes the verdict's replay, when several criteria failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayOf {
    /// The failure of the first failed criterion, in the order the criteria are declared: the
    /// replay shows the first failure the verdict lists.
    FirstCriterion,
    /// The failure recorded first: for a checker that judges every criterion run by run, the
    /// first run that failed anything.
    FirstRecorded,
}

/// Criteria judged over several runs: for each, the first failure, or else the first evidence.
pub struct OverRuns {
    judged: Vec<Judged>,
    replay_of: ReplayOf,
    /// Failures recorded so far, to order them for [`ReplayOf::FirstRecorded`].
    failures: usize,
}

struct Judged {
    id: &'static str,
    replays: bool,
    outcome: Option<Result<String, Failure>>,
}

struct Failure {
    /// What was seen, with the run it was seen in.
    seen: String,
    /// The deterministic run that shows it again, with the failure's place in recording order.
    replay: Option<(usize, Replay)>,
}

impl OverRuns {
    /// Nothing recorded yet for any of `specs`.
    pub fn new(specs: &[CriterionSpec], replay_of: ReplayOf) -> OverRuns {
        OverRuns {
            judged: specs
                .iter()
                .map(|spec| Judged {
                    id: spec.id,
                    replays: true,
                    outcome: None,
                })
                .collect(),
            replay_of,
            failures: 0,
        }
    }

    /// The failures of `ids` never become the verdict's replay: for criteria about what the
    /// program is made of (how many threads, which objects) rather than how its threads
    /// interleaved, where any run shows the failure and a seed adds nothing.
    pub fn without_replay(mut self, ids: &[&str]) -> OverRuns {
        for id in ids {
            self.judged_mut(id).replays = false;
        }
        self
    }

    /// Records how criterion `id` fared in `run`: `Ok(evidence)` or `Err(what was seen)`. The
    /// first failure stays, prefixed with the run ("under seed 3, …"); until one comes, the
    /// first evidence stays.
    ///
    /// # Panics
    /// If `id` is not one of the criteria: a checker bug the lesson tests catch.
    pub fn record(&mut self, run: &LearnerRun, id: &str, judgement: Result<String, String>) {
        let order = self.failures;
        let judged = self.judged_mut(id);
        match (&judged.outcome, judgement) {
            (Some(Err(_)), _) | (Some(Ok(_)), Ok(_)) => {}
            (None, Ok(evidence)) => judged.outcome = Some(Ok(evidence)),
            (_, Err(seen)) => {
                let replay = if judged.replays {
                    run.replay(seen.clone())
                } else {
                    None
                };
                judged.outcome = Some(Err(Failure {
                    seen: format!("{}, {seen}", run.which()),
                    replay: replay.map(|replay| (order, replay)),
                }));
                self.failures += 1;
            }
        }
    }

    /// Whether criterion `id` failed in some run recorded so far.
    pub fn failed(&self, id: &str) -> bool {
        self.judged
            .iter()
            .any(|judged| judged.id == id && matches!(judged.outcome, Some(Err(_))))
    }

    /// Drops what was recorded for `id`, which then stays "not reached": for a criterion that
    /// means nothing once another one failed.
    pub fn forget(&mut self, id: &str) {
        self.judged_mut(id).outcome = None;
    }

    /// Judges every criterion recorded in `verdict`, with its evidence as recorded, and gives
    /// the verdict its replay (see [`ReplayOf`]) unless it has one.
    pub fn write(self, verdict: &mut Verdict) {
        self.write_decorated(verdict, |_, evidence| evidence);
    }

    /// Like [`OverRuns::write`], with each criterion's evidence passed through `decorate(id,
    /// evidence)` first: to say in how many runs it held ("…, in all 7 runs").
    pub fn write_decorated(self, verdict: &mut Verdict, decorate: impl Fn(&str, String) -> String) {
        let mut replays: Vec<(usize, Replay)> = Vec::new();
        for judged in self.judged {
            let Some(outcome) = judged.outcome else {
                continue;
            };
            let judgement = match outcome {
                Ok(evidence) => Ok(decorate(judged.id, evidence)),
                Err(failure) => {
                    replays.extend(failure.replay);
                    Err(failure.seen)
                }
            };
            verdict.judge(judged.id, judgement);
        }
        // `replays` is in the order the criteria are declared.
        let replay = match self.replay_of {
            ReplayOf::FirstCriterion => replays.into_iter().next(),
            ReplayOf::FirstRecorded => replays.into_iter().min_by_key(|(order, _)| *order),
        };
        if verdict.replay.is_none() {
            verdict.replay = replay.map(|(_, replay)| replay);
        }
    }

    fn judged_mut(&mut self, id: &str) -> &mut Judged {
        self.judged
            .iter_mut()
            .find(|judged| judged.id == id)
            .unwrap_or_else(|| panic!("the checker judged {id:?}, which it does not declare"))
    }
}

#[cfg(test)]
mod tests {
    use threadlab_core::Mode;

    use super::{OverRuns, ReplayOf};
    use crate::check::{CriterionSpec, LearnerRun, Status, Verdict};

    const CRITERIA: &[CriterionSpec] = &[
        CriterionSpec {
            id: "first",
            text: "first",
            hint: "",
        },
        CriterionSpec {
            id: "second",
            text: "second",
            hint: "",
        },
    ];

    fn run(mode: Mode) -> LearnerRun {
        LearnerRun::empty(mode)
    }

    fn failed(text: &str) -> Option<Status> {
        Some(Status::Failed(text.to_owned()))
    }

    /// "second" fails under seed 1, then "first" under seed 2.
    fn judged(replay_of: ReplayOf) -> Verdict {
        let mut over_runs = OverRuns::new(CRITERIA, replay_of);
        for seed in 0..3 {
            let run = run(Mode::det(seed));
            let first = if seed >= 2 {
                Err(format!("bad {seed}"))
            } else {
                Ok(format!("fine {seed}"))
            };
            let second = if seed >= 1 {
                Err(format!("bad {seed}"))
            } else {
                Ok(format!("fine {seed}"))
            };
            over_runs.record(&run, "first", first);
            over_runs.record(&run, "second", second);
        }
        let mut verdict = Verdict::new(CRITERIA);
        over_runs.write(&mut verdict);
        verdict
    }

    #[test]
    fn a_criterion_keeps_its_first_failure_and_the_replay_follows_the_choice() {
        let verdict = judged(ReplayOf::FirstCriterion);
        assert_eq!(
            verdict.status("first").cloned(),
            failed("under seed 2, bad 2")
        );
        assert_eq!(
            verdict.status("second").cloned(),
            failed("under seed 1, bad 1")
        );
        let replay = verdict.replay.expect("a deterministic failure replays");
        assert_eq!((replay.seed, replay.what_happened.as_str()), (2, "bad 2"));
        assert_eq!(replay.schedule, "schedule");
        let replay = judged(ReplayOf::FirstRecorded).replay.unwrap();
        assert_eq!((replay.seed, replay.what_happened.as_str()), (1, "bad 1"));
    }

    #[test]
    fn evidence_is_the_first_and_can_be_decorated() {
        let mut over_runs = OverRuns::new(CRITERIA, ReplayOf::FirstCriterion);
        for seed in 0..2 {
            over_runs.record(&run(Mode::det(seed)), "first", Ok(format!("fine {seed}")));
        }
        let mut verdict = Verdict::new(CRITERIA);
        over_runs.write_decorated(&mut verdict, |id, evidence| format!("{evidence} ({id})"));
        assert_eq!(
            verdict.status("first").cloned(),
            Some(Status::Passed("fine 0 (first)".to_owned()))
        );
        assert_eq!(verdict.status("second").cloned(), Some(Status::NotReached));
        assert!(verdict.replay.is_none());
    }

    #[test]
    fn no_replay_from_a_parallel_run_a_criterion_without_one_or_a_forgotten_one() {
        let mut over_runs =
            OverRuns::new(CRITERIA, ReplayOf::FirstRecorded).without_replay(&["second"]);
        over_runs.record(&run(Mode::Parallel), "first", Err("bad".to_owned()));
        over_runs.record(&run(Mode::det(0)), "first", Err("bad again".to_owned()));
        over_runs.record(&run(Mode::det(0)), "second", Err("bad".to_owned()));
        assert!(over_runs.failed("first") && over_runs.failed("second"));
        let mut verdict = Verdict::new(CRITERIA);
        over_runs.write(&mut verdict);
        assert_eq!(
            verdict.status("first").cloned(),
            failed("in the parallel run, bad")
        );
        assert!(verdict.replay.is_none());

        let mut over_runs = OverRuns::new(CRITERIA, ReplayOf::FirstRecorded);
        over_runs.record(&run(Mode::det(0)), "second", Err("bad".to_owned()));
        over_runs.forget("second");
        let mut verdict = Verdict::new(CRITERIA);
        over_runs.write(&mut verdict);
        assert_eq!(verdict.status("second").cloned(), Some(Status::NotReached));
        assert!(verdict.replay.is_none());
    }
}
