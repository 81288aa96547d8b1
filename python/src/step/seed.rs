//! A checker's failing seed, opened in step mode at its interesting point.
//!
//! The seed's run is made again with `Strategy::Random` to learn its choices (or they are given:
//! [`open_schedule`]); then once more as a step run that follows those choices silently,
//! watched by the probe. Its end says what
//! went wrong and at which choice:
//! - a deadlock: the last real choice before the run stuck is the step that closes the cycle;
//! - a lost update: the first switch away from the thread that read the global, after that
//!   read, is where the update starts to be lost.
//!
//! The learner's session then starts from the choices before that point, paused there.

use threadlab_core::{Mode, Schedule};

use super::run::{step_run, StepOptions};
use super::StepSchedule;
use crate::{CapturedOutput, Program, RunOptions};

/// Where a failing seed opens, and why there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedStart {
    /// The choices up to the interesting point; a [`StepSession`](super::StepSession) started
    /// from it pauses there.
    pub start: StepSchedule,
    /// What happens next, for the learner.
    pub why: String,
}

/// Opens `seed`'s run of the program at its first interesting point, or says why it has none.
pub fn open_seed(
    name: &str,
    text: &str,
    seed: u64,
    options: &StepOptions,
) -> Result<SeedStart, String> {
    let first = crate::run(
        Program::new(name, text),
        RunOptions {
            mode: Mode::Deterministic {
                seed,
                strategy: threadlab_core::Strategy::Random,
                cpu: options.cpu,
            },
            limits: options.limits.clone(),
            ..RunOptions::default()
        },
        CapturedOutput::new(),
    );
    open_schedule(
        name,
        text,
        &first.runtime.schedule().unwrap_or_default(),
        options,
    )
}

/// Like [`open_seed`], from the run's recorded choices (a checker's `Replay::schedule`, parsed):
/// the seed's run is not made again.
pub fn open_schedule(
    name: &str,
    text: &str,
    schedule: &Schedule,
    options: &StepOptions,
) -> Result<SeedStart, String> {
    let seed = schedule.seed();
    let choices = schedule.choices().to_vec();
    let plan = StepSchedule {
        seed,
        choices: choices.clone(),
        steps: Vec::new(),
        finish: true,
    };
    let (run, _control) = step_run(name, text, plan, options.clone());
    let end = run.run_to_end();
    let start = |at: usize| StepSchedule {
        seed,
        choices: choices[..at.min(choices.len())].to_vec(),
        steps: Vec::new(),
        finish: false,
    };
    if let Some(report) = &end.deadlock {
        let at = end.last_choice.unwrap_or(0);
        return Ok(SeedStart {
            start: start(at),
            why: format!(
                "the next choice closes the deadlock cycle: {}",
                report.text()
            ),
        });
    }
    if let Some(lost) = end.lost_updates.first() {
        let at = (lost.read_at..choices.len())
            .find(|&index| choices[index] != lost.by)
            .unwrap_or(lost.read_at);
        return Ok(SeedStart {
            start: start(at),
            why: format!(
                "{} has read {} and not yet written it back; if {} runs now, one update is lost",
                end.thread_name(lost.by),
                lost.name,
                end.thread_name(lost.lost)
            ),
        });
    }
    Err(format!(
        "seed {seed} shows neither a deadlock nor a lost update of a global"
    ))
}
