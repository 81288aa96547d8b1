//! A short program run once, unseen, when the page loads.
//!
//! V8 compiles wasm with its baseline compiler first and moves a function to optimised code
//! only for calls that start after the optimised code is ready: a call already running never
//! switches (there is no on-stack replacement for wasm). The interpreter's loop is one call per
//! Python thread, so without this a learner's first run stayed in baseline code throughout and
//! took about 1.5× as long as the same run a moment later (`browser-bench`, round 1 against
//! the rest): enough to spoil the first timing comparison of lesson 1.

use std::sync::Arc;

use threadlab_python::{Limits, OutputSink, Program, Run, RunOptions, Stream};

const PROGRAM: &str = include_str!("warm_up.py");

/// Far more than the program needs (about 7 million); only a bug could reach it.
const BUDGET: u64 = 50_000_000;

/// Where the warm-up's output goes: nowhere (it prints nothing, unless it fails).
struct Discard;

impl OutputSink for Discard {
    fn write(&self, _stream: Stream, _text: &str) {}
}

/// Starts the warm-up on a worker; the page goes on at once.
pub fn start() {
    let body = Box::new(|| {
        let options = RunOptions {
            limits: Limits {
                instruction_budget: Some(BUDGET),
                ..Limits::default()
            },
            ..RunOptions::default()
        };
        let run = Run::new(
            Program::new("warm_up.py", PROGRAM),
            options,
            Arc::new(Discard),
        );
        let _ = run.run();
    });
    // Without a worker there is nothing to warm up on; the first run is then only slower.
    let _ = threadlab_core::platform::spawn("threadlab warm-up", 0, body);
}
