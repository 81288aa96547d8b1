//! What a learner sees at a pause and at the end: plain data, built on the run's side and sent
//! to the controller, so a UI never reaches into the run.

use std::collections::BTreeMap;
use std::fmt;

use threadlab_core::sched::deterministic::{ChoicePoint, ThreadState};
use threadlab_core::sched::DeadlockReport;
use threadlab_core::sched::WaitFor;
use threadlab_core::{Schedule, Time};

use super::probe::{LostUpdate, Position, Probe};
use crate::bytecode::{instruction_text, Instruction};
use crate::objects::Value;
use crate::Outcome;

/// A thread's state in words a learner reads.
#[derive(Clone, Debug, PartialEq)]
pub enum RowState {
    Runnable,
    /// Waiting for `on` (`Lock#2`, `Thread-1 to finish`), which `holder` holds, if known.
    Blocked {
        on: String,
        holder: Option<String>,
    },
    /// `time.sleep` until this virtual time, in seconds.
    Sleeping {
        until: f64,
    },
    Finished,
}

impl fmt::Display for RowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowState::Runnable => f.write_str("runnable"),
            RowState::Blocked {
                on,
                holder: Some(holder),
            } => write!(f, "blocked on {on} held by {holder}"),
            RowState::Blocked { on, holder: None } => write!(f, "blocked on {on}"),
            RowState::Sleeping { until } => write!(f, "sleeping until t={until:.1} s"),
            RowState::Finished => f.write_str("finished"),
        }
    }
}

/// One thread at a pause.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadRow {
    /// What a step names (`Step::thread`); 0 is the main thread.
    pub num: u32,
    pub name: String,
    pub state: RowState,
    /// The source line it executes next (or is executing, when blocked inside a call); `None`
    /// before its first instruction and once finished.
    pub line: Option<u32>,
    /// That line's text, trimmed.
    pub source: Option<String>,
    /// The next instruction, as the disassembler names it (`LoadGlobal balance`).
    pub instruction: Option<String>,
    /// It may take the next step.
    pub runnable: bool,
}

/// A shared variable and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// Its `repr`, for the types that need no Python code for one; `<Account object>` else.
    pub value: String,
}

/// The run is waiting for the learner.
#[derive(Clone, Debug, PartialEq)]
pub struct Pause {
    /// Steps taken so far (the pause after step `step`).
    pub step: usize,
    /// Scheduler choices made so far.
    pub choices: usize,
    pub threads: Vec<ThreadRow>,
    /// The thread that reached this point (it may have just blocked or finished).
    pub current: u32,
    /// The globals, and attributes of the program's objects (`self.balance`), that the
    /// threads' next lines read or write, with their values.
    pub variables: Vec<Variable>,
    /// Everything printed so far, stdout and stderr as they came.
    pub output: String,
    /// The virtual clock, in seconds.
    pub now: f64,
    pub lost_updates: Vec<LostUpdate>,
    /// Said once, when a replayed step schedule stopped fitting the program here.
    pub note: Option<String>,
}

impl Pause {
    pub fn thread(&self, num: u32) -> Option<&ThreadRow> {
        self.threads.iter().find(|row| row.num == num)
    }

    pub fn runnable(&self) -> Vec<u32> {
        self.threads
            .iter()
            .filter(|row| row.runnable)
            .map(|row| row.num)
            .collect()
    }
}

/// The run is over.
#[derive(Clone, Debug)]
pub struct End {
    pub steps: usize,
    pub outcome: Outcome,
    pub output: String,
    /// How the run deadlocked, with its wait-for cycle, if it did.
    pub deadlock: Option<DeadlockReport>,
    /// Every scheduler choice of the run: `Strategy::Replay` of it gives the same run.
    pub schedule: Schedule,
    /// The data globals at the end (functions, classes and modules left out).
    pub globals: Vec<Variable>,
    pub lost_updates: Vec<LostUpdate>,
    /// The index of the last real choice made before the run ended or deadlocked.
    pub last_choice: Option<usize>,
    /// The run's trace as Chrome JSON, when it was traced.
    pub trace_json: Option<String>,
    /// Every thread's name, by number.
    pub names: BTreeMap<u32, String>,
}

impl End {
    /// The end of a run whose thread went away without saying how it ended: a bug, said so.
    pub(crate) fn vanished() -> End {
        End::internal(
            "threadlab: internal error: the step run stopped without a word\nThis is a bug in \
             threadlab, not in your program; please report it."
                .to_owned(),
        )
    }

    /// A run that could not go on, for `message`.
    pub(crate) fn internal(message: String) -> End {
        End {
            steps: 0,
            outcome: Outcome::InternalError,
            output: format!("{message}\n"),
            deadlock: None,
            schedule: Schedule::default(),
            globals: Vec::new(),
            lost_updates: Vec::new(),
            last_choice: None,
            trace_json: None,
            names: BTreeMap::new(),
        }
    }

    pub fn thread_name(&self, num: u32) -> String {
        self.names
            .get(&num)
            .cloned()
            .unwrap_or_else(|| format!("thread #{num}"))
    }

    pub fn global(&self, name: &str) -> Option<&str> {
        self.globals
            .iter()
            .find(|variable| variable.name == name)
            .map(|variable| variable.value.as_str())
    }
}

pub(crate) fn row_state(state: &ThreadState, names: &dyn Fn(u32) -> String) -> RowState {
    match state {
        ThreadState::Runnable => RowState::Runnable,
        ThreadState::Finished => RowState::Finished,
        ThreadState::Blocked {
            waiting_for: WaitFor::Sleep,
            deadline,
        } => RowState::Sleeping {
            until: deadline.unwrap_or(Time::ZERO).as_secs_f64(),
        },
        ThreadState::Blocked { waiting_for, .. } => match waiting_for {
            WaitFor::Object { object, holder } => RowState::Blocked {
                on: object.to_string(),
                holder: holder.map(names),
            },
            WaitFor::Thread(num) => RowState::Blocked {
                on: format!("{} to finish", names(*num)),
                holder: None,
            },
            WaitFor::Starting(num) => RowState::Blocked {
                on: format!("{} to start", names(*num)),
                holder: None,
            },
            other => RowState::Blocked {
                on: other.to_string(),
                holder: None,
            },
        },
    }
}

/// The rows of a pause: the scheduler's view of each thread, with its place in the code.
pub(crate) fn rows(point: &ChoicePoint, probe: &Probe) -> Vec<ThreadRow> {
    let names = |num: u32| {
        point
            .threads
            .iter()
            .find(|view| view.num == num)
            .map_or_else(|| format!("thread #{num}"), |view| view.name.clone())
    };
    point
        .threads
        .iter()
        .map(|view| {
            let finished = view.state == ThreadState::Finished;
            let position = probe.position(view.num).filter(|_| !finished);
            ThreadRow {
                num: view.num,
                name: view.name.clone(),
                state: row_state(&view.state, &names),
                line: position.as_ref().map(Position::line),
                source: position.as_ref().map(|p| {
                    let line = p.line();
                    p.code.source.line_text(line).trim().to_owned()
                }),
                instruction: position
                    .as_ref()
                    .and_then(|p| instruction_text(&p.code, p.ip)),
                runnable: point.runnable.contains(&view.num),
            }
        })
        .collect()
}

/// The globals, and attributes of objects (`self.balance`), that the next lines of
/// `positions` read or write, in order of first use.
pub(crate) fn touched_variables(positions: &[Position]) -> Vec<Variable> {
    let mut variables: Vec<Variable> = Vec::new();
    let mut add = |name: String, value: &Value| {
        if is_data(value) && !variables.iter().any(|v| v.name == name) {
            variables.push(Variable {
                name,
                value: peek(value),
            });
        }
    };
    for position in positions {
        let line = position.line();
        let code = &position.code;
        let name_at = |index: u32| code.names.get(index as usize).map(|n| n.as_str());
        // The variable whose attribute the next instruction may read or write: `self` in
        // `LoadFast self; DupTop; LoadAttr balance`.
        let mut base: Option<(String, Value)> = None;
        for (index, instruction) in code.instructions.iter().enumerate() {
            if code.line_of(index) != line {
                base = None;
                continue;
            }
            match *instruction {
                Instruction::LoadGlobal { name }
                | Instruction::StoreGlobal { name }
                | Instruction::LoadName { name }
                | Instruction::StoreName { name } => {
                    let Some(name) = name_at(name) else { continue };
                    let value = position.globals.get_by_name(name);
                    if let Some(value) = &value {
                        add(name.to_owned(), value);
                    }
                    base = value.map(|value| (name.to_owned(), value));
                }
                Instruction::LoadFast { slot } => {
                    let name = code
                        .varnames
                        .get(slot as usize)
                        .map(|n| n.as_str().to_owned());
                    let value = position.locals.get(slot as usize).cloned().flatten();
                    base = name.zip(value);
                }
                Instruction::LoadAttr { name } | Instruction::StoreAttr { name } => {
                    if let (Some((owner, Value::Object(object))), Some(attribute)) =
                        (&base, name_at(name))
                    {
                        if let Some(value) = object.dict.get_by_name(attribute) {
                            add(format!("{owner}.{attribute}"), &value);
                        }
                    }
                    base = None;
                }
                Instruction::DupTop => {}
                _ => base = None,
            }
        }
    }
    variables
}

/// Every data global of a module namespace.
pub(crate) fn data_globals(globals: &crate::objects::Dict) -> Vec<Variable> {
    globals
        .items()
        .into_iter()
        .filter_map(|(key, value)| match key {
            Value::Str(name) if !name.as_str().starts_with("__") && is_data(&value) => {
                Some(Variable {
                    name: name.as_str().to_owned(),
                    value: peek(&value),
                })
            }
            _ => None,
        })
        .collect()
}

/// Shared data, as opposed to the program's functions, classes and imported modules, and to
/// the library's own objects (a `Thread`, a `Lock`: the thread list shows what they do).
fn is_data(value: &Value) -> bool {
    match value {
        Value::Function(_)
        | Value::Builtin(_)
        | Value::BoundMethod(_)
        | Value::Class(_)
        | Value::Module(_) => false,
        Value::Object(object) => object.class.module.as_str() == "__main__",
        _ => true,
    }
}

/// Items shown of a container before `...`.
const PEEK_ITEMS: usize = 8;

/// A `repr` that runs no Python code: the run is paused, and a learner's `__repr__` must not
/// run behind its back (nor take a lock another thread holds).
fn peek(value: &Value) -> String {
    match value {
        Value::List(list) => {
            let items = list.snapshot();
            let mut shown: Vec<String> = items.iter().take(PEEK_ITEMS).map(peek).collect();
            if items.len() > PEEK_ITEMS {
                shown.push("...".to_owned());
            }
            format!("[{}]", shown.join(", "))
        }
        Value::Dict(dict) => {
            let items = dict.items();
            let mut shown: Vec<String> = items
                .iter()
                .take(PEEK_ITEMS)
                .map(|(k, v)| format!("{}: {}", peek(k), peek(v)))
                .collect();
            if items.len() > PEEK_ITEMS {
                shown.push("...".to_owned());
            }
            format!("{{{}}}", shown.join(", "))
        }
        Value::Object(_) => format!("<{} object>", value.type_name()),
        other => other.constant_repr(),
    }
}
