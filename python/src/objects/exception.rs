use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::Value;
use crate::bytecode::Code;

/// What every exception instance carries besides its attributes.
pub struct ExceptionData {
    /// `exc.args`, always a tuple.
    pub args: RwLock<Value>,
    /// Innermost frame first: the order in which unwinding meets them.
    pub traceback: Mutex<Vec<TracebackEntry>>,
    /// `raise ... from cause`
    pub cause: RwLock<Option<Value>>,
    /// The exception being handled when this one was raised.
    pub context: RwLock<Option<Value>>,
    pub suppress_context: AtomicBool,
}

#[derive(Clone)]
pub struct TracebackEntry {
    pub code: Arc<Code>,
    pub instruction: u32,
    /// Which frame activation this was, so a bare `raise` does not list its frame twice.
    pub frame_id: u64,
}

impl ExceptionData {
    pub fn new(args: Value) -> ExceptionData {
        ExceptionData {
            args: RwLock::new(args),
            traceback: Mutex::new(Vec::new()),
            cause: RwLock::new(None),
            context: RwLock::new(None),
            suppress_context: AtomicBool::new(false),
        }
    }

    pub fn args(&self) -> Value {
        super::read(&self.args).clone()
    }

    pub fn cause(&self) -> Option<Value> {
        super::read(&self.cause).clone()
    }

    pub fn context(&self) -> Option<Value> {
        super::read(&self.context).clone()
    }

    pub fn set_cause(&self, cause: Option<Value>) {
        *super::write(&self.cause) = cause;
        self.suppress_context.store(true, Ordering::Relaxed);
    }

    pub fn set_context(&self, context: Option<Value>) {
        *super::write(&self.context) = context;
    }

    pub fn suppress_context(&self) -> bool {
        self.suppress_context.load(Ordering::Relaxed)
    }

    pub fn traceback(&self) -> Vec<TracebackEntry> {
        super::lock(&self.traceback).clone()
    }
}
