//! `threadlab step FILE.py`: the learner is the scheduler. The program runs on a thread of its
//! own under step mode (`threadlab_python::step`), and this loop is its controller: it draws
//! each pause, reads a key, and turns it into a step, an undo, a restart, a finish or a save.

mod keys;
mod view;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::{cursor, execute, terminal};
use threadlab_core::Schedule;
use threadlab_python::step::{
    open_seed, platform_launcher, Event, Goal, Granularity, StepOptions, StepSchedule, StepSession,
};
use threadlab_python::Program;

use keys::{Key, Keys};

pub struct Config {
    pub file: PathBuf,
    pub instructions: bool,
    pub replay: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub seed: u64,
    pub failing_seed: Option<u64>,
    pub goals: Vec<Goal>,
}

/// How long one wait for the run lasts before it is checked again; the run reaches most
/// pauses in microseconds.
const POLL: Duration = Duration::from_millis(200);

pub fn step(config: Config) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    let text = match std::fs::read_to_string(&config.file) {
        Ok(text) => text,
        Err(err) => {
            eprintln!(
                "threadlab: can't open file '{}': {err}",
                config.file.display()
            );
            return Ok(2);
        }
    };
    let name = config.file.display().to_string();
    // A syntax error is shown at once: there is nothing to step through.
    if let Err(error) = Program::new(name.clone(), text.clone()).disassemble() {
        eprint!("{error}");
        return Ok(1);
    }
    let options = StepOptions::default();
    let mut said = String::new();
    let start = match (&config.replay, config.failing_seed) {
        (Some(path), _) => match read_schedule(path) {
            Ok(schedule) => schedule,
            Err(message) => {
                eprintln!("threadlab: {message}");
                return Ok(2);
            }
        },
        (None, Some(seed)) => match open_seed(&name, &text, seed, &options) {
            Ok(opened) => {
                view::wrap(&mut said, &format!("seed {seed}: {}", opened.why));
                opened.start
            }
            Err(message) => {
                eprintln!("threadlab: {message}");
                return Ok(1);
            }
        },
        (None, None) => StepSchedule::new(config.seed),
    };
    let mut session = StepSession::new(&name, &text, start, options, platform_launcher())
        .with_goals(config.goals.clone());
    // A failing seed opens between two instructions of a line: show them.
    if config.instructions || config.failing_seed.is_some() {
        session.set_granularity(Granularity::Instruction);
    }
    let save_to = config
        .save
        .clone()
        .unwrap_or_else(|| config.file.with_extension("step"));
    let mut keys = Keys::open();
    keys.show(&said);
    if !config.goals.is_empty() {
        let goals: Vec<String> = config.goals.iter().map(Goal::to_string).collect();
        keys.show(&format!("goal: {}\n", goals.join("; ")));
    }
    if !keys.raw() {
        keys.show(&view::keys());
    }
    let mut message: Option<String> = None;
    loop {
        while !session.wait(POLL) {}
        let (screen, threads) = match session.latest() {
            Some(Event::Paused(pause)) => (
                view::pause(pause, session.granularity(), session.reached(), keys.raw()),
                pause.threads.len(),
            ),
            Some(Event::Ended(end)) => (view::end(end, session.reached()), 0),
            None => continue,
        };
        if keys.raw() {
            let _ = execute!(
                std::io::stdout(),
                terminal::Clear(terminal::ClearType::All),
                cursor::MoveTo(0, 0)
            );
        }
        keys.show(&screen);
        if let Some(message) = message.take() {
            keys.show(&said_as_lines(&message));
        }
        loop {
            let key = keys.next(threads);
            let outcome = act(&mut session, key, &save_to);
            match outcome {
                Acted::Quit => return Ok(0),
                Acted::Redraw(note) => {
                    message = note;
                    break;
                }
                Acted::Say(note) => keys.show(&said_as_lines(&note)),
            }
        }
    }
}

/// A message, wrapped to the screen's width.
fn said_as_lines(message: &str) -> String {
    let mut out = String::new();
    view::wrap(&mut out, message);
    out
}

enum Acted {
    /// Draw the (new) state, with this message under it.
    Redraw(Option<String>),
    /// Nothing changed: just say this.
    Say(String),
    Quit,
}

fn act(session: &mut StepSession, key: Key, save_to: &Path) -> Acted {
    match key {
        Key::Thread(thread) => match session.step(thread) {
            Ok(()) => Acted::Redraw(None),
            Err(message) => Acted::Say(message),
        },
        Key::Expand => {
            let next = match session.granularity() {
                Granularity::Line => Granularity::Instruction,
                Granularity::Instruction => Granularity::Line,
            };
            session.set_granularity(next);
            Acted::Redraw(None)
        }
        Key::Undo => {
            if session.undo() {
                Acted::Redraw(Some("undone".to_owned()))
            } else {
                Acted::Say("nothing to undo".to_owned())
            }
        }
        Key::Finish => match session.finish() {
            Ok(()) => Acted::Redraw(None),
            Err(message) => Acted::Say(message),
        },
        Key::Restart => {
            session.restart();
            Acted::Redraw(Some("restarted".to_owned()))
        }
        Key::Save(path) => {
            let path = path.map_or_else(|| save_to.to_path_buf(), PathBuf::from);
            match std::fs::write(&path, session.save()) {
                Ok(()) => Acted::Say(format!(
                    "saved to {}; replay it with --replay {}",
                    path.display(),
                    path.display()
                )),
                Err(err) => Acted::Say(format!("can't save to {}: {err}", path.display())),
            }
        }
        Key::Quit => Acted::Quit,
        Key::Unknown(text) => Acted::Say(format!(
            "\"{text}\" is not a command; {}",
            view::KEYS.trim_start_matches("keys: ")
        )),
    }
}

/// A saved step schedule, or a scheduler schedule (`det:seed=…`, as a run or a checker prints
/// it), whose choices are followed up to the first pause after them.
fn read_schedule(path: &Path) -> Result<StepSchedule, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("can't read the schedule '{}': {err}", path.display()))?;
    if let Some(line) = text.lines().map(str::trim).find(|l| l.starts_with("det:")) {
        if !text.trim_start().starts_with("threadlab step schedule") {
            let schedule: Schedule = line.parse().map_err(|err| format!("{err}"))?;
            return Ok(StepSchedule {
                seed: schedule.seed(),
                choices: schedule.choices().to_vec(),
                steps: Vec::new(),
                finish: false,
            });
        }
    }
    text.parse::<StepSchedule>()
        .map_err(|message| format!("{}: {message}", path.display()))
}
