//! Lesson 3's checker: three named threads sleep 1, 2 and 3 seconds while the main thread
//! looks at them every half second and prints which are alive. Under the deterministic
//! scheduler time is virtual, so every line carries the exact moment it was printed, and the
//! trace says which threads were alive then. A thread that ends at the very moment of a line may
//! be listed or not: which of the two happened first depends on the schedule.

use threadlab_core::trace::EventKind;
use threadlab_core::Mode;

use crate::check::{
    Checking, CriterionSpec, LearnerRun, OverRuns, PrintedNumber, ReplayOf, Verdict,
};

/// The threads, and how long each one sleeps.
const WORKERS: [(&str, f64); 3] = [("worker-1", 1.0), ("worker-2", 2.0), ("worker-3", 3.0)];
/// Seeds explored: the threads that wake at the same instant as the main thread end before or
/// after its look depending on the seed, and both must be handled.
const SEEDS: std::ops::Range<u64> = 0..5;
const POLL: f64 = 0.5;
/// Looks printed while some worker was alive: 0, 0.5, 1, 1.5, 2 and 2.5 s in a solution.
const MIN_LOOKS: usize = 4;
/// Virtual time is exact; this only absorbs floating-point sums.
const EPSILON: f64 = 1e-6;

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints \"all finished\"",
        hint: "After the loop, print the line \"all finished\".",
    },
    CriterionSpec {
        id: "named_workers",
        text: "Three threads named worker-1, worker-2 and worker-3 sleep 1, 2 and 3 s",
        hint: "Create each thread with `threading.Thread(target=work, args=(seconds,), \
               name=f\"worker-{seconds}\")`, where work calls `time.sleep(seconds)`.",
    },
    CriterionSpec {
        id: "before_start",
        text: "Before the threads start, it prints \"worker-N alive: False\" for each",
        hint: "Between creating the threads and starting them, print \
               f\"{worker.name} alive: {worker.is_alive()}\" for each: a thread that has not \
               started is not alive.",
    },
    CriterionSpec {
        id: "polls",
        text: "The main thread looks every 0.5 s, printing \"t=<seconds> alive: <names>\"",
        hint: "Keep `start = time.perf_counter()` from just before starting the threads; in a \
               loop, print f\"t={time.perf_counter() - start:.1f} alive: ...\" and then \
               `time.sleep(0.5)`.",
    },
    CriterionSpec {
        id: "alive_lists_true",
        text: "Each line names exactly the threads alive when it is printed",
        hint: "Ask each thread `is_alive()` again at every turn of the loop, just before \
               printing: a list made once, before the loop, still names threads that have ended.",
    },
    CriterionSpec {
        id: "finished_promptly",
        text: "\"all finished\" comes after the last thread ended, within 0.5 s",
        hint: "Loop until no thread is alive (`if not alive: break`, or `while any(...)`), then \
               print \"all finished\".",
    },
];

/// A worker's life, in seconds of virtual time, and where its start is in the event list.
#[derive(Clone, Copy, Debug)]
struct Life {
    start: f64,
    start_index: usize,
    end: f64,
}

/// The workers' lives, in [`WORKERS`] order, or what is missing.
fn lives(run: &LearnerRun) -> Result<Vec<Life>, String> {
    let all = run.thread_lives();
    let mut lives = Vec::new();
    for (name, seconds) in WORKERS {
        let Some(life) = all.iter().find(|life| life.name == name) else {
            let names: Vec<&str> = run
                .threads
                .iter()
                .filter(|(&number, _)| number != 0)
                .map(|(_, name)| name.as_str())
                .collect();
            return Err(format!(
                "no thread named {name} ran; the threads were called: {}",
                if names.is_empty() {
                    "(no thread started)".to_owned()
                } else {
                    names.join(", ")
                }
            ));
        };
        let Some(ended) = life.ended else {
            return Err(format!("{name} did not run to its end"));
        };
        let (start, end) = (life.started.at.as_secs_f64(), ended.at.as_secs_f64());
        if ((end - start) - seconds).abs() > 0.01 {
            return Err(format!(
                "{name} ran for {:.2} s, where {seconds} s were expected",
                end - start
            ));
        }
        lives.push(Life {
            start,
            start_index: life.started.index,
            end,
        });
    }
    Ok(lives)
}

/// A line of output, with when it was printed and where in the trace.
struct Line {
    /// The index of its output event.
    index: usize,
    at: f64,
    text: String,
}

/// The lines printed, in order. Each output event is a print (today with its newline, though
/// the trace's documentation says without): a print of several lines gives several.
fn lines(run: &LearnerRun) -> Vec<Line> {
    let mut lines = Vec::new();
    for (index, event) in run.events.iter().enumerate() {
        let EventKind::Output { text } = &event.kind else {
            continue;
        };
        lines.extend(text.lines().map(|line| Line {
            index,
            at: event.at.as_secs_f64(),
            text: line.trim_end().to_owned(),
        }));
    }
    lines
}

/// One "t=… alive: …" line, with when it was printed.
struct Look<'r> {
    at: f64,
    line: &'r str,
    t: PrintedNumber,
    names: Vec<&'r str>,
}

fn looks(lines: &[Line]) -> Result<Vec<Look<'_>>, String> {
    let mut looks = Vec::new();
    for Line { at, text: line, .. } in lines {
        let Some(rest) = line.strip_prefix("t=") else {
            continue;
        };
        let malformed =
            || format!("the line \"{line}\" should read \"t=1.5 alive: worker-2, worker-3\"");
        let (t, names) = rest.split_once(" alive:").ok_or_else(malformed)?;
        let names = names.trim();
        looks.push(Look {
            at: *at,
            line,
            t: PrintedNumber::parse(t.trim()).ok_or_else(malformed)?,
            names: if names == "none" {
                Vec::new()
            } else {
                names.split(',').map(str::trim).collect()
            },
        });
    }
    Ok(looks)
}

/// The workers' names that a line printed at `at` may list: (those that must be listed, those
/// that may be). A worker ending exactly at `at` may be either.
fn alive_at(lives: &[Life], at: f64) -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut must, mut may) = (Vec::new(), Vec::new());
    for ((name, _), life) in WORKERS.iter().zip(lives) {
        if life.start <= at && life.end > at + EPSILON {
            must.push(*name);
        } else if (life.end - at).abs() <= EPSILON {
            may.push(*name);
        }
    }
    (must, may)
}

/// Whether a listing is the truth at its moment; if not, what it should have said.
fn listing_true(look: &Look<'_>, lives: &[Life]) -> Result<(), String> {
    let (must, may) = alive_at(lives, look.at);
    let listed_ok = look
        .names
        .iter()
        .all(|name| must.contains(name) || may.contains(name));
    let complete = must.iter().all(|name| look.names.contains(name));
    if listed_ok && complete {
        return Ok(());
    }
    let truth = if must.is_empty() {
        "none".to_owned()
    } else {
        must.join(", ")
    };
    let maybe = if may.is_empty() {
        String::new()
    } else {
        format!(
            " ({} ended at that very moment, so may be listed or not)",
            may.join(", ")
        )
    };
    Err(format!(
        "\"{}\" was printed {:.2} s into the run, when the threads alive were: {truth}{maybe}",
        look.line, look.at
    ))
}

struct Seen {
    seed: u64,
    run: LearnerRun,
    lines: Vec<Line>,
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    checking.plan((SEEDS.end - SEEDS.start) as usize);
    let mut seen = Vec::new();
    for seed in SEEDS {
        let run = checking.run(Mode::det(seed));
        let finished = run.completed().and_then(|()| {
            finished_at(&lines(&run))
                .map(|_| ())
                .ok_or_else(|| "it never printed \"all finished\"".to_owned())
        });
        if let Err(problem) = finished {
            verdict.judge("runs", Err(format!("under seed {seed}, {problem}")));
            return verdict;
        }
        let lines = lines(&run);
        seen.push(Seen { seed, run, lines });
    }
    verdict.judge("runs", Ok(format!("{} runs", seen.len())));

    // Every later criterion reads the workers' lives.
    let mut all_lives = Vec::new();
    for s in &seen {
        match lives(&s.run) {
            Ok(lives) => all_lives.push(lives),
            Err(problem) => {
                verdict.judge(
                    "named_workers",
                    Err(format!("under seed {}, {problem}", s.seed)),
                );
                return verdict;
            }
        }
    }
    verdict.judge(
        "named_workers",
        Ok("worker-1, worker-2 and worker-3 ran for 1, 2 and 3 s".to_owned()),
    );

    verdict.judge(
        "before_start",
        seen.iter()
            .zip(&all_lives)
            .find_map(|(s, lives)| before_start(&s.lines, lives).err().map(|p| (s.seed, p)))
            .map_or_else(
                || Ok("three lines, before the first start".to_owned()),
                |(seed, problem)| Err(format!("under seed {seed}, {problem}")),
            ),
    );

    let mut parsed = Vec::new();
    for s in &seen {
        match looks(&s.lines) {
            Ok(looks) => parsed.push(looks),
            Err(problem) => {
                verdict.judge("polls", Err(format!("under seed {}, {problem}", s.seed)));
                return verdict;
            }
        }
    }
    let mut fewest = usize::MAX;
    let mut polls_problem = None;
    for ((s, lives), looks) in seen.iter().zip(&all_lives).zip(&parsed) {
        let workers_started = lives
            .iter()
            .map(|life| life.start)
            .fold(f64::INFINITY, f64::min);
        let while_alive = looks
            .iter()
            .filter(|look| !alive_at(lives, look.at).0.is_empty())
            .count();
        fewest = fewest.min(while_alive);
        let wrong_time = looks.iter().find(|look| {
            let since_start = look.at - workers_started;
            (look.t.value - since_start).abs() > look.t.rounding + 0.05
        });
        let problem = if let Some(look) = wrong_time {
            Some(format!(
                "\"{}\" was printed {:.2} s after the threads started",
                look.line,
                look.at - workers_started
            ))
        } else if while_alive < MIN_LOOKS {
            Some(format!(
                "{while_alive} lines were printed while a worker was alive, and at least \
                 {MIN_LOOKS} were expected ({} in all)",
                looks.len()
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            polls_problem = Some(format!("under seed {}, {problem}", s.seed));
            break;
        }
    }
    if !verdict.judge(
        "polls",
        polls_problem.map_or_else(
            || {
                Ok(format!(
                    "at least {fewest} looks while a worker was alive, each on time"
                ))
            },
            Err,
        ),
    ) {
        return verdict;
    }

    let mut true_and_prompt = OverRuns::new(CRITERIA, ReplayOf::FirstCriterion);
    let lines = parsed.iter().map(Vec::len).sum::<usize>();
    for ((s, lives), looks) in seen.iter().zip(&all_lives).zip(&parsed) {
        let untrue = looks
            .iter()
            .find_map(|look| listing_true(look, lives).err());
        true_and_prompt.record(
            &s.run,
            "alive_lists_true",
            untrue.map_or_else(|| Ok(format!("{lines} lines, each true when printed")), Err),
        );
        true_and_prompt.record(
            &s.run,
            "finished_promptly",
            finished_promptly(&s.lines, lives)
                .map(|()| format!("within {POLL} s of the last end, in every run")),
        );
    }
    true_and_prompt.write(&mut verdict);
    verdict
}

/// "all finished" printed after the last worker ended, within one poll.
fn finished_promptly(lines: &[Line], lives: &[Life]) -> Result<(), String> {
    let last_end = lives.iter().map(|life| life.end).fold(0.0, f64::max);
    let Some(finished) = finished_at(lines) else {
        return Ok(());
    };
    if finished < last_end - EPSILON {
        Err(format!(
            "\"all finished\" was printed {finished:.2} s into the run, before the last thread \
             ended ({last_end:.2} s)"
        ))
    } else if finished > last_end + POLL + EPSILON {
        Err(format!(
            "\"all finished\" was printed {finished:.2} s into the run, {:.2} s after the last \
             thread ended",
            finished - last_end
        ))
    } else {
        Ok(())
    }
}

/// The three "worker-N alive: False" lines, each printed before the first worker started.
fn before_start(lines: &[Line], lives: &[Life]) -> Result<(), String> {
    let first_start = lives
        .iter()
        .map(|life| life.start_index)
        .min()
        .unwrap_or(usize::MAX);
    for (name, _) in WORKERS {
        let expected = format!("{name} alive: False");
        match lines.iter().find(|line| line.text.trim() == expected) {
            None => return Err(format!("\"{expected}\" was never printed")),
            Some(line) if line.index > first_start => {
                return Err(format!(
                    "\"{expected}\" was printed after the threads started"
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// When "all finished" was printed.
fn finished_at(lines: &[Line]) -> Option<f64> {
    lines
        .iter()
        .find(|line| line.text.trim() == "all finished")
        .map(|line| line.at)
}
