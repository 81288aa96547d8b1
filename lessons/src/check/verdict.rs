//! What a check says: each criterion passed, failed (with what was seen and a hint) or not
//! reached, and, when a race or a deadlock was found, the run that replays it.

use std::fmt;

/// One thing a checker judges, declared up front so that a verdict always lists every criterion
/// of its exercise, in the same order, whatever happened.
#[derive(Clone, Copy, Debug)]
pub struct CriterionSpec {
    /// Stable, for tests and progress files: `lock_race_free`.
    pub id: &'static str,
    /// What a passing program does, as the learner reads it.
    pub text: &'static str,
    /// What to try when it fails.
    pub hint: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    /// Met; the text is the evidence ("balance 0 in all 200 runs").
    Passed(String),
    /// Not met; the text is what the check saw.
    Failed(String),
    /// Not judged, because an earlier criterion it depends on failed.
    NotReached,
}

#[derive(Clone, Debug)]
pub struct Criterion {
    pub spec: CriterionSpec,
    pub status: Status,
}

/// A deterministic run that shows a failure again, seed for seed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replay {
    pub seed: u64,
    /// Virtual cores, when the check ran with CPU time (see `Mode::det_on_cores`).
    pub virtual_cores: Option<u32>,
    /// The scheduler's choices in that run, as `threadlab_core::Schedule` text.
    pub schedule: String,
    /// What went wrong in that run.
    pub what_happened: String,
}

impl Replay {
    /// The command that shows the failing run again.
    pub fn command(&self, file: &str) -> String {
        let cores = self
            .virtual_cores
            .map(|cores| format!(" --virtual-cores {cores}"))
            .unwrap_or_default();
        format!(
            "threadlab run --mode det --seed {}{cores} {file}",
            self.seed
        )
    }

    /// The command that opens the failing run in step mode, at the point where it starts to
    /// go wrong; `None` for runs on virtual cores, which `threadlab step` does not model.
    pub fn step_command(&self, file: &str) -> Option<String> {
        self.virtual_cores
            .is_none()
            .then(|| format!("threadlab step --failing-seed {} {file}", self.seed))
    }
}

/// A checker's judgement of one program.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub criteria: Vec<Criterion>,
    pub replay: Option<Replay>,
    /// How many times the program ran.
    pub runs: usize,
}

impl Verdict {
    /// Every criterion of `specs`, none reached yet.
    pub fn new(specs: &[CriterionSpec]) -> Verdict {
        Verdict {
            criteria: specs
                .iter()
                .map(|&spec| Criterion {
                    spec,
                    status: Status::NotReached,
                })
                .collect(),
            replay: None,
            runs: 0,
        }
    }

    /// True when every criterion passed.
    pub fn passed(&self) -> bool {
        self.criteria
            .iter()
            .all(|criterion| matches!(criterion.status, Status::Passed(_)))
    }

    pub fn status(&self, id: &str) -> Option<&Status> {
        self.criteria
            .iter()
            .find(|criterion| criterion.spec.id == id)
            .map(|criterion| &criterion.status)
    }

    /// The ids of the failed criteria, in order.
    pub fn failed(&self) -> Vec<&'static str> {
        self.criteria
            .iter()
            .filter(|criterion| matches!(criterion.status, Status::Failed(_)))
            .map(|criterion| criterion.spec.id)
            .collect()
    }

    /// Records the judgement of criterion `id`: `Ok(evidence)` or `Err(what was seen)`, and
    /// returns whether it passed, so a checker can stop at a failure later ones depend on.
    ///
    /// # Panics
    /// If `id` is not one of the verdict's criteria: a checker bug the lesson tests catch.
    pub fn judge(&mut self, id: &str, judgement: Result<String, String>) -> bool {
        let criterion = self
            .criteria
            .iter_mut()
            .find(|criterion| criterion.spec.id == id)
            .unwrap_or_else(|| panic!("the checker judged {id:?}, which it does not declare"));
        let passed = judgement.is_ok();
        criterion.status = match judgement {
            Ok(evidence) => Status::Passed(evidence),
            Err(seen) => Status::Failed(seen),
        };
        passed
    }
}

impl fmt::Display for Verdict {
    /// Plain text, one criterion per line; the CLI renders its own, in colour.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for criterion in &self.criteria {
            match &criterion.status {
                Status::Passed(evidence) => {
                    writeln!(f, "[pass] {} ({evidence})", criterion.spec.text)?
                }
                Status::Failed(seen) => {
                    writeln!(f, "[FAIL] {}: {seen}", criterion.spec.text)?;
                    writeln!(f, "       hint: {}", criterion.spec.hint)?;
                }
                Status::NotReached => writeln!(f, "[ -- ] {}", criterion.spec.text)?,
            }
        }
        if let Some(replay) = &self.replay {
            writeln!(f, "replay: seed {}: {}", replay.seed, replay.what_happened)?;
        }
        Ok(())
    }
}
