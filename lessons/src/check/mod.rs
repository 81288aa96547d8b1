//! Checking a learner's exercise program.
//!
//! Each lesson's checker lives in its own folder, beside the exercise it judges
//! (`content/NN-slug/checker.rs`), and is a plain function from a [`Checking`] (the program, and
//! a way to run it) to a [`Verdict`]. The rules every checker keeps:
//!
//! - It declares its criteria up front, each with a hint, and judges them in order; a criterion
//!   that depends on a failed one stays "not reached".
//! - Anything that depends on how threads interleave is judged under the deterministic
//!   scheduler over a range of seeds, and a failure carries the seed that replays it.
//! - Timing is judged in virtual time or as a ratio, never as an absolute wall time; CPU-bound
//!   timings use virtual cores ([`threadlab_core::Mode::det_on_cores`]). A check therefore gives
//!   the same verdict on every machine and every time.
//!
//! What more than one checker needs belongs here, not in a checker: running the program and
//! reading its output and trace ([`LearnerRun`], with [`PrintedNumber`]s and
//! [`LearnerRun::thread_lives`]), judging criteria over several runs ([`OverRuns`]), and the
//! verdict itself. A checker keeps what only its lesson asks.

mod lives;
mod over_runs;
mod printed;
mod runs;
mod verdict;

pub use lives::{Moment, ThreadLife, Wait};
pub use over_runs::{OverRuns, ReplayOf};
pub use printed::PrintedNumber;
pub use runs::{Checking, LearnerRun, Progress};
pub use verdict::{Criterion, CriterionSpec, Replay, Status, Verdict};

#[path = "../../content/01-thread-based-concurrency/checker.rs"]
mod lesson1;
#[path = "../../content/02-creating-threads/checker.rs"]
mod lesson2;
#[path = "../../content/03-configuring-threads/checker.rs"]
mod lesson3;
#[path = "../../content/04-synchronising-threads/checker.rs"]
mod lesson4;
#[path = "../../content/05-sharing-data/checker.rs"]
mod lesson5;
#[path = "../../content/06-thread-pools/checker.rs"]
mod lesson6;
#[path = "../../content/07-stopping-threads/checker.rs"]
mod lesson7;

/// The checker of lesson `number`'s exercise.
pub fn checker(number: u32) -> Option<fn(&mut Checking<'_>) -> Verdict> {
    Some(match number {
        1 => lesson1::check,
        2 => lesson2::check,
        3 => lesson3::check,
        4 => lesson4::check,
        5 => lesson5::check,
        6 => lesson6::check,
        7 => lesson7::check,
        _ => return None,
    })
}

/// Checks `source` as lesson `number`'s exercise; `None` if the lesson has no checker.
pub fn check(number: u32, checking: &mut Checking<'_>) -> Option<Verdict> {
    let checker = checker(number)?;
    let mut verdict = checker(checking);
    verdict.runs = checking.runs();
    Some(verdict)
}

/// "all 200 runs" or "the 1 run": for evidence texts.
pub(crate) fn runs_text(runs: u64) -> String {
    match runs {
        1 => "the one run".to_owned(),
        n => format!("all {n} runs"),
    }
}
