//! The course: seven lessons, each a folder under `content/` with its text, runnable examples
//! (each with its expected output) and an exercise with its checker. The folders are embedded
//! into the binary at build time, so the CLI and the browser carry the same course.
//!
//! A lesson folder holds `lesson.toml` (the manifest), the markdown it names, and the example
//! programs it lists:
//!
//! ```toml
//! number = 1
//! title = "Thread-based concurrency"
//! text = "lesson.md"
//! takeaways = ["…"]
//!
//! [[examples]]
//! file = "examples/io_bound.py"
//! expected = "examples/io_bound.out"
//! seed = 0        # optional: run under the deterministic scheduler (virtual time)
//! step_goals = ["lost-update:balance"]  # optional: what to make happen in step mode
//!                  # (also `deadlock`, `NAME!=VALUE`, `together:FIRST-LAST`)
//!
//! [exercise]
//! title = "…"
//! statement = "exercise/statement.md"
//! file = "speedup.py"                  # the learner's working file
//! starter = "exercise/starter.py"
//! solution = "exercise/solution.py"
//! hints = ["…", "…"]                   # shown one at a time by `threadlab hint`
//!
//! [[exercise.wrong]]                   # a known-wrong program, for the quality gate:
//! file = "exercise/wrong_join_in_loop.py"
//! fails = "io_overlaps"                # the criterion it must fail
//!
//! [[exercise.compare]]                 # two printed times a run's summary sets side by side
//! what = "CPU-bound work"
//! baseline = "cpu serial:"             # the start of the line with the reference time
//! contender = "cpu threaded:"
//! ```
//!
//! The checker is `checker.rs` in the same folder (see [`check`]).

pub mod check;
mod comparison;
mod manifest;

use include_dir::{include_dir, Dir};
use threadlab_core::Mode;
use threadlab_python::step::Goal;

pub use comparison::{Comparison, Measured};
pub use manifest::ManifestError;

static CONTENT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/content");

/// One lesson, ready to show and run.
#[derive(Clone, Debug)]
pub struct Lesson {
    pub number: u32,
    pub title: String,
    /// The folder name, e.g. `01-thread-based-concurrency`.
    pub slug: String,
    /// Markdown.
    pub text: String,
    pub takeaways: Vec<String>,
    pub examples: Vec<Example>,
    pub exercise: Option<Exercise>,
}

/// What the learner writes, and what it is checked against.
#[derive(Clone, Debug)]
pub struct Exercise {
    pub title: String,
    /// Markdown: what to write and what it must print.
    pub statement: String,
    /// The working file `threadlab start` creates, e.g. `speedup.py`.
    pub file_name: String,
    pub starter: String,
    pub solution: String,
    /// From a gentle nudge to nearly the answer.
    pub hints: Vec<String>,
    /// Programs with a typical mistake, each failing a named criterion.
    pub known_wrong: Vec<KnownWrong>,
    /// The times the program prints that a run's summary sets side by side.
    pub comparisons: Vec<Comparison>,
    /// What the learner can try to make happen in step mode.
    pub step_goals: Vec<Goal>,
}

#[derive(Clone, Debug)]
pub struct KnownWrong {
    pub name: String,
    pub source: String,
    /// The id of the criterion it fails.
    pub fails: String,
}

/// The virtual cores of the course's deterministic runs, unless the learner picks others:
/// running code takes virtual time, shared as on a machine with this many cores, so a
/// deterministic run's timeline and timings have the shape a parallel run's would. (With free
/// CPU only sleeps move the clock, and every thread's lane would be empty.) What an example
/// prints does not depend on it: the examples' test runs them on these cores.
pub const VIRTUAL_CORES: u32 = 4;

/// A complete program the lesson's text refers to, with the output it must print.
#[derive(Clone, Debug)]
pub struct Example {
    /// The file name learners see and tracebacks print, e.g. `io_bound.py`.
    pub name: String,
    pub source: String,
    pub expected_output: String,
    /// The scheduler it is shown under: programs whose output depends on timing run in
    /// virtual time (on [`VIRTUAL_CORES`]), so they print the same on every machine.
    pub mode: Mode,
    /// What the learner can try to make happen in step mode.
    pub step_goals: Vec<Goal>,
}

/// Every lesson, in order. Fails only if the embedded content is malformed, which the
/// crate's tests rule out.
pub fn lessons() -> Result<Vec<Lesson>, ManifestError> {
    let mut lessons = Vec::new();
    for folder in CONTENT.dirs() {
        lessons.push(manifest::load(folder)?);
    }
    lessons.sort_by_key(|lesson| lesson.number);
    Ok(lessons)
}

/// Lesson `number`, if there is one.
pub fn lesson(number: u32) -> Result<Option<Lesson>, ManifestError> {
    Ok(lessons()?
        .into_iter()
        .find(|lesson| lesson.number == number))
}
