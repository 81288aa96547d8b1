//! Step mode: the learner takes the scheduler's seat on their own program.
//!
//! The program runs under the deterministic scheduler with core's `Strategy::Manual`. At every
//! scheduling point the run shows each thread (its state as the scheduler knows it, and the
//! source line it runs next, as the VM publishes it: [`probe`]) and waits for the learner to
//! pick the thread that takes the next [`Step`], one source line or one bytecode instruction
//! long ([`Granularity`]).
//!
//! | file | role |
//! |---|---|
//! | `probe.rs` | where each thread is; the log of global reads and writes that spots a lost update |
//! | `chooser.rs` | the run's side: go on by itself, or pause and wait for a command |
//! | `run.rs` | [`StepRun`] (on the run's thread) and [`StepControl`] (the interface's, never blocking) |
//! | `view.rs` | [`Pause`] and [`End`]: what the learner sees, as plain data |
//! | `schedule.rs` | [`StepSchedule`]: the steps taken, saved and replayed |
//! | `session.rs` | [`StepSession`]: undo, restart, finish, save and replay over successive runs |
//! | `goals.rs` | [`Goal`]: "lose an update", "reach a deadlock", "two threads in the section" |
//! | `seed.rs` | [`open_seed`], [`open_schedule`]: a checker's failing run, opened at its interesting step |
//!
//! Every run is deterministic, so undo is a new run replaying all steps but the last: it
//! reaches exactly the earlier state, with nothing to restore by hand.

mod chooser;
mod goals;
pub mod probe;
mod run;
mod schedule;
mod seed;
mod session;
mod view;

pub use goals::Goal;
pub use probe::{LostUpdate, Probe};
pub use run::{
    step_run, Command, Event, StepControl, StepOptions, StepRun, STEP_INSTRUCTION_BUDGET,
};
pub use schedule::StepSchedule;
pub use seed::{open_schedule, open_seed, SeedStart};
pub use session::{platform_launcher, Launcher, StepSession};
pub use view::{End, Pause, RowState, ThreadRow, Variable};

/// How far one step takes the chosen thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// Until it reaches the start of another line, blocks or finishes.
    #[default]
    Line,
    /// One bytecode instruction (`balance += 1` is a load, an add and a store).
    Instruction,
}

/// One decision of the learner: which thread runs, and how far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    pub thread: u32,
    pub granularity: Granularity,
}
