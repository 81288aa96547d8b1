//! Lesson 7's checker: a looping task stopped three ways — it returns by itself, it is asked
//! to stop through an Event, and its process is terminated.
//!
//! The program runs once in parallel mode first, on real threads, which judges the process
//! part (it does not depend on the schedule) and fails fast on a program that never ends (a
//! process nobody terminates, an event nobody sets: the check's watchdog stops it, and the
//! seeds are not tried). Then the program runs under the deterministic scheduler over a few
//! seeds, in virtual time, where the trace says exactly when each worker stepped, when the
//! main thread set the Event, when each thread ended and each line was printed, and which
//! signal each child process got and how it ended.

use std::time::Duration;

use threadlab_core::sched::WaitFor;
use threadlab_core::trace::EventKind;
use threadlab_core::{Mode, ObjectKind, Time};

use crate::check::{
    runs_text, Checking, CriterionSpec, LearnerRun, Moment, OverRuns, ReplayOf, ThreadLife, Verdict,
};

/// Seeds explored: the parts run one after the other, so schedules differ little; a few seeds
/// catch a line printed while its worker may still be running.
const SEEDS: u64 = 6;
const INSIDE_STEPS: i64 = 5;
/// `Process.exitcode` after `terminate()`: minus SIGTERM.
const TERMINATED: i64 = -15;
/// The signal `terminate()` sends.
const SIGTERM: i32 = 15;

/// The three lines, in the order they must be printed.
const LABELS: [&str; 3] = ["inside:", "event:", "process:"];

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints the three lines, in order",
        hint: "Print \"inside: stopped itself after <n> steps\", \"event: stopped after <n> \
               steps\" and \"process: exitcode <code>\", in that order, from the main thread. \
               If the check stops your program after 20 s, something never ends: a worker whose \
               event is never set, or a process that is never terminated. If it runs out of \
               instructions, a loop never sleeps: call step() in every round.",
    },
    CriterionSpec {
        id: "inside_stopped",
        text: "The first worker does 5 steps, returns by itself, and has ended when the inside \
               line is printed",
        hint: "In the worker, count the steps (one step() each) and `return` when there are 5; \
               the main thread joins it, then prints how many steps it did.",
    },
    CriterionSpec {
        id: "event_worker_ended",
        text: "The Event worker has ended when the event line is printed",
        hint: "Setting the event only asks the worker to stop: call `worker.join()` after \
               `stop.set()`, and print the line after that. A daemon thread that is never \
               stopped does not count.",
    },
    CriterionSpec {
        id: "event_stopped_promptly",
        text: "The Event worker stops because of the event: after the main thread sets it, within \
               one step, and the line counts the steps it did",
        hint: "Loop `while not stop.is_set():` with one step() per round and count the rounds; \
               the main thread sleeps a little, calls `stop.set()`, joins the worker, then \
               prints the count.",
    },
    CriterionSpec {
        id: "process_terminated",
        text: "The process is still running when terminate() ends it: exit code -15",
        hint: "The process's loop must never end by itself (`while True:`). Start it, sleep a \
               moment, call `process.terminate()`, then `process.join()`, then print \
               `process.exitcode`.",
    },
];

/// A worker thread of the run, as the trace shows it.
#[derive(Clone, Debug)]
struct Worker {
    name: String,
    started: Moment,
    ended: Option<Moment>,
    /// Sleeps and Event waits: one per step of its loop.
    steps: usize,
    longest_step: Duration,
}

impl Worker {
    fn from_life(life: ThreadLife) -> Worker {
        let steps: Vec<Duration> = life
            .waits
            .iter()
            .filter(|wait| match &wait.on {
                WaitFor::Sleep => true,
                WaitFor::Object { object, .. } => object.kind == ObjectKind::Event,
                _ => false,
            })
            .map(|wait| wait.to.at - wait.from.at)
            .collect();
        Worker {
            name: life.name,
            started: life.started,
            ended: life.ended,
            steps: steps.len(),
            longest_step: steps.into_iter().max().unwrap_or_default(),
        }
    }
}

/// What one run printed, and its threads.
struct Stopping {
    /// Per line: where in the trace, when, and the number it shows.
    lines: [(usize, Time, i64); 3],
    workers: Vec<Worker>,
    /// When the main thread set an Event.
    main_sets: Vec<Time>,
    /// Signals the main thread sent to child processes, by pid, in order.
    signals: Vec<(u32, i32)>,
    /// Exit codes `join()` saw, by pid.
    exits: Vec<(u32, i32)>,
}

/// The first whole number on `text` after `label`, skipping words.
fn number_in(text: &str, label: &str) -> Result<i64, String> {
    text[label.len()..]
        .split_whitespace()
        .find_map(|word| word.parse::<i64>().ok())
        .ok_or_else(|| format!("the line \"{text}\" should show a whole number"))
}

fn stopping(run: &LearnerRun) -> Result<Stopping, String> {
    run.completed()?;
    let mut lines: [Option<(usize, Time, i64)>; 3] = [None; 3];
    let (mut main_sets, mut signals, mut exits) = (Vec::new(), Vec::new(), Vec::new());
    for (index, event) in run.events.iter().enumerate() {
        let thread = event.thread;
        match &event.kind {
            // Lines come from the trace: only what this process printed (a child's output
            // reaches stdout, but not this trace).
            EventKind::Output { text } => {
                let Some(which) = LABELS.iter().position(|label| text.starts_with(label)) else {
                    continue;
                };
                if lines[which].is_some() {
                    continue;
                }
                if let Some(missing) = (0..which).find(|&earlier| lines[earlier].is_none()) {
                    return Err(format!(
                        "\"{}\" was printed before \"{}\": print the inside line, then the \
                         event line, then the process line",
                        LABELS[which], LABELS[missing]
                    ));
                }
                if thread != 0 {
                    return Err(format!(
                        "\"{text}\" was printed by a worker thread: print the lines from the \
                         main thread"
                    ));
                }
                lines[which] = Some((index, event.at, number_in(text, LABELS[which])?));
            }
            EventKind::Signal { object } if thread == 0 && object.kind == ObjectKind::Event => {
                main_sets.push(event.at);
            }
            EventKind::ProcessSignal { pid, signal } => signals.push((*pid, *signal)),
            EventKind::ProcessExit { pid, exit_code } => exits.push((*pid, *exit_code)),
            _ => {}
        }
    }
    let mut found = [(0, Time::ZERO, 0); 3];
    for (slot, (line, label)) in found.iter_mut().zip(lines.iter().zip(LABELS)) {
        *slot = line.ok_or_else(|| format!("no line starts with \"{label}\""))?;
    }
    Ok(Stopping {
        lines: found,
        workers: run
            .thread_lives()
            .into_iter()
            .filter(|life| life.number != 0)
            .map(Worker::from_life)
            .collect(),
        main_sets,
        signals,
        exits,
    })
}

impl Stopping {
    /// The workers started after line `after` (or from the start) and before line `before`.
    fn workers_between(&self, after: Option<usize>, before: usize) -> Vec<&Worker> {
        let from = after.map_or(0, |line| self.lines[line].0);
        let to = self.lines[before].0;
        self.workers
            .iter()
            .filter(|worker| (from..to).contains(&worker.started.index))
            .collect()
    }

    /// `Err` naming the first of `workers` still running when line `line` was printed.
    fn ended_before(&self, workers: &[&Worker], line: usize) -> Result<(), String> {
        let (index, at, _) = self.lines[line];
        if workers.is_empty() {
            return Err(format!(
                "no thread was started for the \"{}\" line before it was printed",
                LABELS[line]
            ));
        }
        match workers
            .iter()
            .find(|worker| worker.ended.is_none_or(|ended| ended.index > index))
        {
            None => Ok(()),
            Some(worker) => Err(format!(
                "{} was still running when the \"{}\" line was printed at {at}",
                worker.name, LABELS[line]
            )),
        }
    }
}

fn judge_inside(stopping: &Stopping) -> Result<String, String> {
    let workers = stopping.workers_between(None, 0);
    stopping.ended_before(&workers, 0)?;
    let printed = stopping.lines[0].2;
    let steps: usize = workers.iter().map(|worker| worker.steps).sum();
    if printed != INSIDE_STEPS {
        return Err(format!(
            "the inside line says {printed} steps, not {INSIDE_STEPS}"
        ));
    }
    if steps != INSIDE_STEPS as usize {
        return Err(format!(
            "the inside worker did {steps} step(s) (sleeps), not {INSIDE_STEPS}"
        ));
    }
    Ok(format!("{steps} steps, ended before the line"))
}

fn event_workers(stopping: &Stopping) -> Vec<&Worker> {
    stopping.workers_between(Some(0), 1)
}

fn judge_event_ended(stopping: &Stopping) -> Result<String, String> {
    let workers = event_workers(stopping);
    stopping.ended_before(&workers, 1)?;
    Ok("joined before the line".to_owned())
}

/// Needs `judge_event_ended` to have passed: every event worker has an end.
fn judge_event_prompt(stopping: &Stopping) -> Result<String, String> {
    let workers = event_workers(stopping);
    let Some(last) = workers.iter().max_by_key(|worker| worker.ended) else {
        return Err("no Event worker".to_owned());
    };
    let Some(Moment { at: ended, .. }) = last.ended else {
        return Err(format!("{} never ended", last.name));
    };
    let started = workers
        .iter()
        .map(|worker| worker.started.at)
        .min()
        .unwrap_or(last.started.at);
    // The main thread asks the worker to stop when it sets the Event. A worker that ended
    // before then did not wait to be asked.
    let Some(asked) = stopping
        .main_sets
        .iter()
        .copied()
        .find(|&at| at >= started && at <= stopping.lines[1].1)
    else {
        return Err(
            "the main thread never set an Event between starting the worker and printing the \
             event line"
                .to_owned(),
        );
    };
    if asked > ended {
        return Err(format!(
            "{} ended at {ended}, before the main thread set the event at {asked}: it \
             stopped by itself, not because the event was set",
            last.name
        ));
    }
    let steps: usize = workers.iter().map(|worker| worker.steps).sum();
    let step = workers
        .iter()
        .map(|worker| worker.longest_step)
        .max()
        .unwrap_or_default();
    let late = ended - asked;
    if late > step {
        return Err(format!(
            "{} ended at {ended}, {:.3} s after the main thread set the event at {asked}; \
             one step takes {:.3} s",
            last.name,
            late.as_secs_f64(),
            step.as_secs_f64()
        ));
    }
    let printed = stopping.lines[1].2;
    if steps == 0 || printed < 1 || !(steps - 1..=steps).contains(&(printed as usize)) {
        return Err(format!(
            "the event line says {printed} steps, but the worker did {steps} step(s) (sleeps \
             or waits)"
        ));
    }
    Ok(format!(
        "ended {:.3} s after the event was set, one step being {:.3} s; {printed} step(s) counted",
        late.as_secs_f64(),
        step.as_secs_f64()
    ))
}

/// The printed exit code must be the one `join()` saw, of a process that `terminate()`
/// signalled while it was running.
fn judge_process(stopping: &Stopping) -> Result<String, String> {
    let printed = stopping.lines[2].2;
    let terminated = stopping
        .signals
        .iter()
        .find(|&&(_, signal)| signal == SIGTERM);
    let Some(&(pid, _)) = terminated else {
        // A signal is traced only when it reaches a running process: a kill() did.
        if stopping.signals.iter().any(|&(_, signal)| signal == 9) {
            return Err(
                "the process was killed (kill(), exit code -9): use terminate()".to_owned(),
            );
        }
        return Err(match stopping.exits.first() {
            Some((_, code)) => format!(
                "terminate() never reached a running process; the process ended with exit \
                 code {code} by itself"
            ),
            None => "no process was started, terminated and joined".to_owned(),
        });
    };
    let Some(&(_, code)) = stopping.exits.iter().find(|&&(exited, _)| exited == pid) else {
        return Err("the terminated process was never joined: call process.join()".to_owned());
    };
    if i64::from(code) != printed {
        return Err(format!(
            "the line says {printed}, but join() saw exit code {code}: print process.exitcode"
        ));
    }
    if i64::from(code) != TERMINATED {
        return Err(format!("exit code {code}, not {TERMINATED}"));
    }
    Ok("terminated while running, exit code -15".to_owned())
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    let mut judged = OverRuns::new(CRITERIA, ReplayOf::FirstRecorded);
    checking.plan(1 + SEEDS as usize);
    let parallel = checking.run(Mode::Parallel);
    let stopped = match stopping(&parallel) {
        Ok(stopping) => stopping,
        Err(problem) => {
            verdict.judge("runs", Err(format!("in the parallel run, {problem}")));
            return verdict;
        }
    };
    judged.record(&parallel, "process_terminated", judge_process(&stopped));
    for seed in 0..SEEDS {
        let run = checking.run(Mode::det(seed));
        let stopped = match stopping(&run) {
            Ok(stopping) => stopping,
            Err(problem) => {
                verdict.judge("runs", Err(format!("under seed {seed}, {problem}")));
                return verdict;
            }
        };
        judged.record(&run, "inside_stopped", judge_inside(&stopped));
        let ended = judge_event_ended(&stopped);
        let ended_ok = ended.is_ok();
        judged.record(&run, "event_worker_ended", ended);
        if ended_ok {
            judged.record(&run, "event_stopped_promptly", judge_event_prompt(&stopped));
        }
        judged.record(&run, "process_terminated", judge_process(&stopped));
    }
    verdict.judge("runs", Ok(format!("{} runs", checking.runs())));
    // Whether the worker stopped promptly means nothing when it had not stopped at all.
    if judged.failed("event_worker_ended") {
        judged.forget("event_stopped_promptly");
    }
    let (every_run, seeds) = (runs_text(1 + SEEDS), runs_text(SEEDS));
    judged.write_decorated(&mut verdict, |id, evidence| {
        let runs = if id == "process_terminated" {
            &every_run
        } else {
            &seeds
        };
        format!("{evidence}, in {runs}")
    });
    verdict
}
