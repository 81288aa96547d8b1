//! Chrome trace-event JSON (the "JSON Array Format" with metadata), as Perfetto reads it.
//!
//! Thread life, blocked waits and pool tasks are duration events (`B`/`E`), which nest properly
//! on each thread; lock operations, queue operations and printed lines are instant events (`i`).
//! Timestamps are microseconds on the run's clock.

use serde_json::{json, Value};

use super::{EventKind, TraceEvent};
use crate::sched::WaitFor;

const PID: u32 = 1;

pub(super) fn export(events: &[TraceEvent]) -> String {
    let mut out = Vec::with_capacity(events.len() + 8);
    out.push(
        json!({"ph": "M", "pid": PID, "name": "process_name", "args": {"name": "threadlab run"}}),
    );
    for event in events {
        if let EventKind::ThreadStart { name } = &event.kind {
            out.push(json!({"ph": "M", "pid": PID, "tid": event.thread, "name": "thread_name", "args": {"name": name}}));
            out.push(json!({"ph": "M", "pid": PID, "tid": event.thread, "name": "thread_sort_index", "args": {"sort_index": event.thread}}));
        }
    }
    for event in events {
        out.push(convert(event));
    }
    json!({"traceEvents": out, "displayTimeUnit": "ms"}).to_string()
}

fn convert(event: &TraceEvent) -> Value {
    let ts = event.at.as_micros_f64();
    let tid = event.thread;
    let begin = |name: String, args: Value| json!({"ph": "B", "pid": PID, "tid": tid, "ts": ts, "name": name, "args": args});
    let end = |args: Value| json!({"ph": "E", "pid": PID, "tid": tid, "ts": ts, "args": args});
    let instant = |name: &str, args: Value| json!({"ph": "i", "s": "t", "pid": PID, "tid": tid, "ts": ts, "name": name, "args": args});
    match &event.kind {
        EventKind::ThreadStart { name } => begin(name.clone(), json!({})),
        EventKind::ThreadEnd => end(json!({})),
        EventKind::Block { on } => {
            let holder = match on {
                WaitFor::Object {
                    holder: Some(holder),
                    ..
                } => json!(holder),
                _ => Value::Null,
            };
            begin(format!("wait {on}"), json!({"holder": holder}))
        }
        EventKind::Unblock { timed_out } => end(json!({"timed_out": timed_out})),
        EventKind::Acquire { object } => instant("acquire", json!({"object": object.to_string()})),
        EventKind::Release { object } => instant("release", json!({"object": object.to_string()})),
        EventKind::Put { queue } => instant("put", json!({"queue": queue.to_string()})),
        EventKind::Get { queue } => instant("get", json!({"queue": queue.to_string()})),
        EventKind::TaskStart { pool, task } => {
            begin(format!("task {task}"), json!({"pool": pool.to_string()}))
        }
        EventKind::TaskEnd { ok, .. } => end(json!({"ok": ok})),
        EventKind::Output { text } => instant("print", json!({"text": text})),
        EventKind::Signal { object } => instant("set", json!({"object": object.to_string()})),
        EventKind::ProcessStart { pid, name } => {
            instant("start process", json!({"pid": pid, "name": name}))
        }
        EventKind::ProcessSignal { pid, signal } => {
            instant("signal process", json!({"pid": pid, "signal": signal}))
        }
        EventKind::ProcessExit { pid, exit_code } => {
            instant("process exited", json!({"pid": pid, "exitcode": exit_code}))
        }
    }
}
