//! Where each thread of a step run is in its Python code, and who read and wrote which global.
//!
//! The scheduler knows threads, not lines. Under the deterministic scheduler every instruction
//! ticks, and in a step run each tick first publishes the thread's position here: the
//! instruction it is about to execute. A thread paused inside an instruction (a
//! `lock.acquire()` call that blocks or yields) keeps the position of that call. Publishing
//! also closes the previous instruction, which has now run: a load or store of a global, or of
//! an object's attribute, is logged, which is how a lost update is recognised without knowing
//! the program.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use threadlab_core::ThreadRef;

use crate::bytecode::{Code, Instruction};
use crate::objects::{lock, Dict, Value};
use crate::vm::Frame;

/// A thread's place in its code: the next instruction it executes (or is executing).
#[derive(Clone)]
pub(crate) struct Position {
    pub code: Arc<Code>,
    pub ip: usize,
    /// The frame's id: a new call of the same code is a different place.
    pub frame: u64,
    pub globals: Arc<Dict>,
    /// The frame's fast locals, to show `self.balance` when a line reads it.
    pub locals: Vec<Option<Value>>,
    /// When the instruction reads or writes an attribute: the object's identity and
    /// `Class.attribute`, taken from the stack before the instruction pops it.
    pub target: Option<(usize, String)>,
}

impl Position {
    pub fn line(&self) -> u32 {
        self.code.line_of(self.ip)
    }

    pub fn instruction(&self) -> Option<Instruction> {
        self.code.instructions.get(self.ip).copied()
    }
}

/// A global that one thread overwrote after another thread had changed it since this one
/// read it: `balance += 1` losing another thread's update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    /// The global's name, or `Class.attribute`.
    pub name: String,
    /// The thread whose store discarded the other's.
    pub by: u32,
    /// The thread whose update was lost.
    pub lost: u32,
    /// The choice index at which `by` read the value it later stored over `lost`'s: the first
    /// switch from then on is where the update started to be lost.
    pub read_at: usize,
}

impl LostUpdate {
    /// "lost update: Thread-1 overwrote balance, losing Thread-2's update", with the
    /// threads' names from `names`.
    pub fn describe(&self, names: &dyn Fn(u32) -> String) -> String {
        format!(
            "lost update: {} overwrote {}, losing {}'s update",
            names(self.by),
            self.name,
            names(self.lost)
        )
    }
}

#[derive(Default)]
struct Pending {
    /// The choice index of the read, while the thread has read the global and not stored it.
    read_at: Option<usize>,
    /// Another thread stored the global since that read.
    overwritten_by: Option<u32>,
}

/// See the module documentation; one per step run.
#[derive(Default)]
pub struct Probe {
    positions: Mutex<HashMap<u32, Position>>,
    /// Every thread's name, from its first tick: threads started after "finish" are never
    /// shown at a pause, but the end still names them.
    names: Mutex<BTreeMap<u32, String>>,
    /// (thread, place: a global's name or an attribute's object and name) → its
    /// read-modify-write in progress.
    pending: Mutex<HashMap<(u32, String), Pending>>,
    lost: Mutex<Vec<LostUpdate>>,
    /// The index of the next choice of the run (set by the chooser as it picks).
    choices: AtomicUsize,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Probe")
    }
}

impl Probe {
    /// Called by the VM at each tick of a step run, with the frame about to run `frame.ip - 1`.
    pub(crate) fn publish(&self, current: &ThreadRef, frame: &Frame) {
        let thread = current.num();
        let ip = frame.ip.saturating_sub(1);
        let target = match frame.code.instructions.get(ip) {
            Some(Instruction::LoadAttr { name } | Instruction::StoreAttr { name }) => {
                match (frame.stack.last(), frame.code.names.get(*name as usize)) {
                    (Some(object), Some(name)) => object.identity().map(|identity| {
                        (
                            identity,
                            format!("{}.{}", object.type_name(), name.as_str()),
                        )
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        let position = Position {
            code: frame.code.clone(),
            ip,
            frame: frame.id,
            globals: frame.globals.clone(),
            locals: frame.fast.clone(),
            target,
        };
        let previous = lock(&self.positions).insert(thread, position.clone());
        if previous.is_none() {
            lock(&self.names)
                .entry(thread)
                .or_insert_with(|| current.name());
        }
        if let Some(previous) = previous {
            if previous.frame != position.frame || previous.ip != position.ip {
                self.executed(thread, &previous);
            }
        }
    }

    /// The names of the threads that ran so far, by number.
    pub(crate) fn names(&self) -> BTreeMap<u32, String> {
        lock(&self.names).clone()
    }

    pub(crate) fn position(&self, thread: u32) -> Option<Position> {
        lock(&self.positions).get(&thread).cloned()
    }

    pub(crate) fn set_choices(&self, next: usize) {
        self.choices.store(next, Ordering::Relaxed);
    }

    pub fn lost_updates(&self) -> Vec<LostUpdate> {
        lock(&self.lost).clone()
    }

    /// `at` has just run: log it if it read or wrote a global or an attribute.
    fn executed(&self, thread: u32, at: &Position) {
        let (store, place, name) = match (at.instruction(), &at.target) {
            (Some(Instruction::LoadGlobal { name } | Instruction::LoadName { name }), _) => {
                let Some(name) = at.code.names.get(name as usize) else {
                    return;
                };
                (false, name.as_str().to_owned(), name.as_str().to_owned())
            }
            (Some(Instruction::StoreGlobal { name } | Instruction::StoreName { name }), _) => {
                let Some(name) = at.code.names.get(name as usize) else {
                    return;
                };
                (true, name.as_str().to_owned(), name.as_str().to_owned())
            }
            (Some(Instruction::LoadAttr { .. }), Some((identity, shown))) => {
                (false, format!("{identity:x}:{shown}"), shown.clone())
            }
            (Some(Instruction::StoreAttr { .. }), Some((identity, shown))) => {
                (true, format!("{identity:x}:{shown}"), shown.clone())
            }
            _ => return,
        };
        let choice = self.choices.load(Ordering::Relaxed);
        let mut pending = lock(&self.pending);
        if !store {
            let mine = pending.entry((thread, place)).or_default();
            mine.read_at = Some(choice);
            mine.overwritten_by = None;
            return;
        }
        let mine = pending.remove(&(thread, place.clone())).unwrap_or_default();
        for ((other, other_place), theirs) in pending.iter_mut() {
            if *other_place == place && *other != thread && theirs.read_at.is_some() {
                theirs.overwritten_by.get_or_insert(thread);
            }
        }
        if let (Some(read_at), Some(lost)) = (mine.read_at, mine.overwritten_by) {
            lock(&self.lost).push(LostUpdate {
                name,
                by: thread,
                lost,
                read_at,
            });
        }
    }
}
