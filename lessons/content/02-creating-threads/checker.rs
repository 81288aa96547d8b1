//! Lesson 2's checker: ten tasks that each wait one second run one after another, then on a
//! thread each. Under the deterministic scheduler time is virtual, so the waits cost nothing to
//! check and the serial half takes exactly ten seconds. Every task must report, one thread per
//! task must start, the printed numbers must agree with each other and with the trace, and the
//! threads must overlap enough to be at least five times faster.

use std::collections::BTreeMap;

use threadlab_core::sched::WaitFor;
use threadlab_core::Mode;

use crate::check::{Checking, CriterionSpec, LearnerRun, PrintedNumber, Verdict};

const TASKS: usize = 10;
/// A few seeds: the threads end in a different order under each, and the numbers must not care.
const SEEDS: [u64; 3] = [0, 1, 2];
/// Ten overlapping one-second waits take one second: a ratio of 10. At least this is required.
const SPEED_UP: f64 = 5.0;

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints the four result lines",
        hint: "Print four lines starting \"serial:\", \"concurrent:\", \"difference:\" and \
               \"ratio:\", each followed by a number.",
    },
    CriterionSpec {
        id: "all_tasks",
        text: "Each of the ten tasks prints \"task N done\" twice: once serially, once on a thread",
        hint: "The task function should sleep 1 s and then print f\"task {number} done\". Call \
               it for numbers 0 to 9 one after another, then give each number a thread.",
    },
    CriterionSpec {
        id: "thread_per_task",
        text: "The concurrent half starts one thread per task",
        hint: "Create `threading.Thread(target=task, args=(number,))` for each of the ten \
               numbers, and call start() on every one.",
    },
    CriterionSpec {
        id: "numbers_agree",
        text: "The times are measured, the difference is serial - concurrent and the ratio is \
               serial / concurrent",
        hint: "Read `time.perf_counter()` before and after each half (the concurrent half ends \
               after the last join), and compute the difference and the ratio from those two \
               measured times.",
    },
    CriterionSpec {
        id: "speed_up",
        text: "The threads wait at the same time: the concurrent half is at least 5 times faster",
        hint: "Start all ten threads in one loop, and join them in a second loop. A join \
               straight after a start waits for that task to end before the next one starts.",
    },
];

struct Results {
    serial: PrintedNumber,
    concurrent: PrintedNumber,
    difference: PrintedNumber,
    ratio: PrintedNumber,
}

fn results(run: &LearnerRun) -> Result<Results, String> {
    run.completed()?;
    Ok(Results {
        serial: run.printed_number("serial:")?,
        concurrent: run.printed_number("concurrent:")?,
        difference: run.printed_number("difference:")?,
        ratio: run.printed_number("ratio:")?,
    })
}

/// How many times each task number was reported, or the first line that looks like a task
/// report but is not one.
fn task_reports(run: &LearnerRun) -> Result<BTreeMap<i64, usize>, String> {
    let mut reports = BTreeMap::new();
    for line in run.lines().filter(|line| line.starts_with("task")) {
        let number = line
            .strip_prefix("task ")
            .and_then(|rest| rest.strip_suffix(" done"))
            .and_then(|number| number.trim().parse::<i64>().ok())
            .ok_or_else(|| format!("the line \"{line}\" should read \"task N done\""))?;
        *reports.entry(number).or_insert(0) += 1;
    }
    Ok(reports)
}

/// What the trace says about the two halves, in seconds of virtual time.
struct Trace {
    /// Threads started, the main one not counted.
    threads: usize,
    /// The main thread's time asleep before the first thread started: the serial waits.
    main_slept: f64,
    /// When the first thread started.
    first_start: f64,
    /// From the first start to the last end.
    span: f64,
}

fn trace(run: &LearnerRun) -> Trace {
    let lives = run.thread_lives();
    let (main, threads): (Vec<_>, Vec<_>) = lives.iter().partition(|life| life.number == 0);
    let first_start = threads
        .iter()
        .map(|life| life.started.at.as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    let last_end = threads
        .iter()
        .filter_map(|life| life.ended)
        .map(|ended| ended.at.as_secs_f64())
        .fold(0.0, f64::max);
    // The serial half's sleeps come before the first thread starts, in the trace's order.
    let first_start_index = threads.iter().map(|life| life.started.index).min();
    let main_slept = main
        .iter()
        .flat_map(|life| &life.waits)
        .filter(|wait| {
            wait.on == WaitFor::Sleep
                && first_start_index.is_none_or(|first| wait.from.index < first)
        })
        .fold(0.0, |slept, wait| slept + wait.seconds());
    Trace {
        threads: run.started_threads(),
        main_slept,
        first_start,
        span: (last_end - first_start).max(0.0),
    }
}

/// Whether the printed numbers are what the program measured.
fn agree(results: &Results, trace: &Trace) -> Result<(), String> {
    let Results {
        serial,
        concurrent,
        difference,
        ratio,
    } = results;
    // The serial half waits ten times on the main thread, before any thread starts.
    if !serial.could_be(trace.main_slept * 0.99, trace.first_start * 1.01 + 0.01) {
        return Err(format!(
            "it printed \"serial: {}\", but the main thread waited {:.2} s in the serial half, \
             and the first thread started {:.2} s into the run",
            serial.text, trace.main_slept, trace.first_start
        ));
    }
    // The concurrent half lasts from before the first start to after the last join.
    if !concurrent.could_be(trace.span * 0.99, trace.span * 1.05 + 0.05) {
        return Err(format!(
            "it printed \"concurrent: {}\", but its threads ran for {:.2} s, from the first \
             start to the last end",
            concurrent.text, trace.span
        ));
    }
    let (serial_low, serial_high) = (serial.low(), serial.high());
    let (concurrent_low, concurrent_high) = (concurrent.low(), concurrent.high());
    if !difference.could_be(serial_low - concurrent_high, serial_high - concurrent_low) {
        return Err(format!(
            "\"difference: {}\" should be serial - concurrent = {} - {} = {:.2}",
            difference.text,
            serial.text,
            concurrent.text,
            serial.value - concurrent.value
        ));
    }
    if concurrent_low <= 0.0 {
        return Err(format!(
            "\"concurrent: {}\" is too rounded to divide by; print it with two decimals",
            concurrent.text
        ));
    }
    if !ratio.could_be(
        serial_low / concurrent_high * 0.99,
        serial_high / concurrent_low * 1.01,
    ) {
        return Err(format!(
            "\"ratio: {}\" should be serial / concurrent = {} / {} = {:.2}",
            ratio.text,
            serial.text,
            concurrent.text,
            serial.value / concurrent.value
        ));
    }
    Ok(())
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    checking.plan(SEEDS.len());
    let mut runs = Vec::new();
    for seed in SEEDS {
        let run = checking.run(Mode::det(seed));
        match results(&run) {
            Ok(results) => runs.push((seed, run, results)),
            Err(problem) => {
                verdict.judge("runs", Err(format!("under seed {seed}, {problem}")));
                return verdict;
            }
        }
    }
    verdict.judge("runs", Ok(format!("{} runs", runs.len())));

    let mut tasks_missing = None;
    for (seed, run, _) in &runs {
        let problem = match task_reports(run) {
            Err(problem) => Some(problem),
            Ok(reports) => {
                let lines: usize = reports.values().sum();
                let twice = reports.values().all(|&count| count == 2);
                (reports.len() != TASKS || !twice).then(|| {
                    let counts: Vec<String> = reports
                        .iter()
                        .map(|(number, count)| format!("{number}: {count}"))
                        .collect();
                    format!(
                        "{lines} task lines were printed, for {} task numbers (number: times \
                         printed: {}); {TASKS} numbers, each printed twice, were expected",
                        reports.len(),
                        counts.join(", ")
                    )
                })
            }
        };
        if let Some(problem) = problem {
            tasks_missing = Some(format!("under seed {seed}, {problem}"));
            break;
        }
    }
    verdict.judge(
        "all_tasks",
        tasks_missing.map_or_else(|| Ok(format!("{} lines, each task twice", 2 * TASKS)), Err),
    );

    let traces: Vec<Trace> = runs.iter().map(|(_, run, _)| trace(run)).collect();
    let fewest = traces.iter().map(|trace| trace.threads).min().unwrap_or(0);
    let threads_started = verdict.judge(
        "thread_per_task",
        if fewest >= TASKS {
            Ok(format!("{fewest} threads started"))
        } else {
            Err(format!(
                "{fewest} threads started, where {TASKS} were expected"
            ))
        },
    );
    if !threads_started {
        return verdict;
    }

    for ((seed, _, results), trace) in runs.iter().zip(&traces) {
        if let Err(problem) = agree(results, trace) {
            verdict.judge(
                "numbers_agree",
                Err(format!("under seed {seed}, {problem}")),
            );
            return verdict;
        }
    }
    verdict.judge(
        "numbers_agree",
        Ok(format!(
            "serial {} s and concurrent {} s, as the trace shows",
            runs[0].2.serial.text, runs[0].2.concurrent.text
        )),
    );

    let slowest = runs
        .iter()
        .min_by(|a, b| a.2.ratio.value.total_cmp(&b.2.ratio.value));
    if let Some((seed, run, results)) = slowest {
        if results.ratio.value >= SPEED_UP {
            verdict.judge(
                "speed_up",
                Ok(format!("ratio {} (ideal: {TASKS})", results.ratio.text)),
            );
        } else {
            let what = format!(
                "the ratio was {}: the threads took {} s where one second would do",
                results.ratio.text, results.concurrent.text
            );
            verdict.judge("speed_up", Err(format!("under seed {seed}, {what}")));
            verdict.replay = run.replay(what);
        }
    }
    verdict
}
