//! Lesson 6's checker: five tasks of different lengths through a ThreadPool's map, imap and
//! imap_unordered. In virtual time the tasks of one call all start at the same instant and
//! finish in the order of their delays, so the trace says exactly when each result became
//! available: the checker compares the printed lines, and when they were printed, with the
//! pool's TaskStart and TaskEnd events.

use threadlab_core::trace::EventKind;
use threadlab_core::{Mode, Time};

use crate::check::{runs_text, Checking, CriterionSpec, LearnerRun, OverRuns, ReplayOf, Verdict};

const ITEMS: [i64; 5] = [1, 2, 3, 4, 5];
/// The items in the order their tasks finish, by the starter's delays (0.2, 0.1, 0.4, 0.3, 0.5).
const COMPLETION_ORDER: [i64; 5] = [2, 1, 4, 3, 5];
/// Seeds explored: the order of results depends on virtual time, not on the schedule, so a
/// few seeds confirm it; they would catch a program whose order hangs on a race.
const SEEDS: u64 = 10;

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints a map line, five imap lines and five \
               imap_unordered lines",
        hint: "Print \"map: <list>\" once, then \"imap: <n> <result>\" for each item, then \
               \"imap_unordered: <n> <result>\" for each item, in that order.",
    },
    CriterionSpec {
        id: "all_at_once",
        text: "The pool runs the five tasks of each call at the same time",
        hint: "Give the pool one worker per item: `ThreadPool(processes=len(ITEMS))`. With fewer \
               workers, tasks wait for a free worker and finish in another order.",
    },
    CriterionSpec {
        id: "map_result",
        text: "map prints the list of results in input order, once every task has finished",
        hint: "Print what `pool.map(work, ITEMS)` returns: [1, 4, 9, 16, 25].",
    },
    CriterionSpec {
        id: "imap_order",
        text: "The imap lines come in input order, each with its item and its result",
        hint: "imap yields results in the order of ITEMS: `for n, result in zip(ITEMS, \
               pool.imap(work, ITEMS)):` then print n and result.",
    },
    CriterionSpec {
        id: "imap_as_ready",
        text: "Each imap line is printed as its result comes in, not all at the end",
        hint: "Print inside the loop over `pool.imap(...)`; `list(pool.imap(...))` first waits \
               for every task, like map.",
    },
    CriterionSpec {
        id: "unordered_order",
        text: "The imap_unordered lines come in the order the tasks finish: items 2, 1, 4, 3, 5",
        hint: "Print each result as `pool.imap_unordered(...)` yields it, without sorting or \
               collecting. To know which item a result is for, let the task return both: \
               `def work_tagged(n): return n, work(n)`.",
    },
    CriterionSpec {
        id: "unordered_as_ready",
        text: "The first imap_unordered line is printed before the slowest task has finished",
        hint: "Print inside the loop over `pool.imap_unordered(...)`: collecting the results \
               first waits for the slowest task.",
    },
];

/// One line the program printed, when, and where it stands in the trace.
#[derive(Clone, Copy)]
struct Line {
    at: Time,
    index: usize,
}

/// The lines of one run, by kind, with the pool's task events.
struct Printed {
    map: Line,
    map_list: Vec<i64>,
    imap: Vec<(Line, i64, i64)>,
    unordered: Vec<(Line, i64, i64)>,
    /// (trace index, time, +1 for a start / -1 for an end) of every pool task event.
    tasks: Vec<(usize, Time, i32)>,
}

fn pair(line: &str, label: &str) -> Result<(i64, i64), String> {
    let rest = line[label.len()..].trim();
    let numbers: Vec<Option<i64>> = rest.split_whitespace().map(|n| n.parse().ok()).collect();
    match numbers[..] {
        [Some(n), Some(result)] => Ok((n, result)),
        _ => Err(format!(
            "the line \"{line}\" should have two whole numbers after \"{label}\": the item and \
             its result"
        )),
    }
}

fn list_of(line: &str) -> Result<Vec<i64>, String> {
    let bad = || format!("the line \"{line}\" should show a list of numbers, like [1, 4, 9]");
    let inner = line["map:".len()..]
        .trim()
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .ok_or_else(bad)?;
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    inner
        .split(',')
        .map(|n| n.trim().parse::<i64>().map_err(|_| bad()))
        .collect()
}

fn printed(run: &LearnerRun) -> Result<Printed, String> {
    run.completed()?;
    let mut map: Option<(Line, Vec<i64>)> = None;
    let (mut imap, mut unordered) = (Vec::new(), Vec::new());
    let mut tasks = Vec::new();
    for (index, event) in run.events.iter().enumerate() {
        let text = match &event.kind {
            EventKind::Output { text } => text.as_str(),
            EventKind::TaskStart { .. } => {
                tasks.push((index, event.at, 1));
                continue;
            }
            EventKind::TaskEnd { .. } => {
                tasks.push((index, event.at, -1));
                continue;
            }
            _ => continue,
        };
        let line = Line {
            at: event.at,
            index,
        };
        if text.starts_with("map:") {
            if map.is_some() {
                return Err("it printed more than one \"map:\" line".to_owned());
            }
            map = Some((line, list_of(text)?));
        } else if text.starts_with("imap:") {
            if map.is_none() || !unordered.is_empty() {
                return Err(format!(
                    "\"{text}\" came out of place: print the map line, then the imap lines, \
                     then the imap_unordered lines"
                ));
            }
            let (n, result) = pair(text, "imap:")?;
            imap.push((line, n, result));
        } else if text.starts_with("imap_unordered:") {
            if imap.is_empty() {
                return Err(format!(
                    "\"{text}\" came before any imap line: print the map line, then the imap \
                     lines, then the imap_unordered lines"
                ));
            }
            let (n, result) = pair(text, "imap_unordered:")?;
            unordered.push((line, n, result));
        }
    }
    let Some((map, map_list)) = map else {
        return Err("no line starts with \"map:\"".to_owned());
    };
    for (label, lines) in [("imap:", &imap), ("imap_unordered:", &unordered)] {
        if lines.len() != ITEMS.len() {
            return Err(format!(
                "it printed {} line(s) starting with \"{label}\", not {}",
                lines.len(),
                ITEMS.len()
            ));
        }
    }
    Ok(Printed {
        map,
        map_list,
        imap,
        unordered,
        tasks,
    })
}

/// Most pool tasks running at once among the task events in the trace range `from..to`.
fn most_at_once(tasks: &[(usize, Time, i32)], from: usize, to: usize) -> i32 {
    let mut running = 0;
    let mut most = 0;
    for &(_, _, step) in tasks
        .iter()
        .filter(|(index, ..)| (from..to).contains(index))
    {
        running += step;
        most = most.max(running);
    }
    most
}

/// Pool tasks that ended after `first` was printed and no later than `last`, in virtual time.
fn ended_between(tasks: &[(usize, Time, i32)], first: Line, last: Line) -> usize {
    tasks
        .iter()
        .filter(|&&(_, at, step)| step < 0 && at > first.at && at <= last.at)
        .count()
}

/// The times of `lines`, relative to `zero`, for evidence: "0.2 s, 0.2 s, 0.4 s".
fn times(lines: &[(Line, i64, i64)], zero: Time) -> String {
    lines
        .iter()
        .map(|(line, ..)| format!("{:.1} s", (line.at - zero).as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judges one run: "all_at_once" first, on which the others depend, then each of the others
/// on its own, as `(id, Ok(evidence) | Err(what was seen))`.
fn judge_run(printed: &Printed) -> Vec<(&'static str, Result<String, String>)> {
    let expected_pairs: Vec<(i64, i64)> = ITEMS.iter().map(|&n| (n, n * n)).collect();
    let last_imap = printed.imap[ITEMS.len() - 1].0;
    let first_unordered = printed.unordered[0].0;
    let last_unordered = printed.unordered[ITEMS.len() - 1].0;
    // A call's tasks run in the stretch of trace that ends with its last line.
    let phases = [
        ("map", 0, printed.map.index),
        ("imap", printed.map.index, last_imap.index),
        ("imap_unordered", last_imap.index, last_unordered.index),
    ];
    for (call, from, to) in phases {
        let most = most_at_once(&printed.tasks, from, to);
        if most < ITEMS.len() as i32 {
            return vec![(
                "all_at_once",
                Err(format!(
                    "at most {most} of the {call} tasks ran at the same time, not {}",
                    ITEMS.len()
                )),
            )];
        }
    }
    let mut judged = vec![(
        "all_at_once",
        Ok(format!("{} tasks at once in each call", ITEMS.len())),
    )];

    let expected_list: Vec<i64> = ITEMS.iter().map(|n| n * n).collect();
    let map_tasks_done = printed
        .tasks
        .iter()
        .filter(|&&(index, _, step)| step < 0 && index < printed.map.index)
        .count();
    judged.push((
        "map_result",
        if printed.map_list != expected_list {
            Err(format!(
                "the map line shows {:?}, not {expected_list:?}",
                printed.map_list
            ))
        } else if map_tasks_done < ITEMS.len() {
            Err(format!(
                "the map line was printed when only {map_tasks_done} pool task(s) had \
                 finished: print what pool.map returns"
            ))
        } else {
            Ok(format!(
                "{:?}, after {map_tasks_done} tasks",
                printed.map_list
            ))
        },
    ));

    // Times are shown from the map line on: the imap tasks start there.
    let zero = printed.map.at;
    let imap_pairs: Vec<(i64, i64)> = printed.imap.iter().map(|&(_, n, r)| (n, r)).collect();
    judged.push((
        "imap_order",
        if imap_pairs == expected_pairs {
            Ok("items 1, 2, 3, 4, 5 with their squares".to_owned())
        } else {
            Err(format!(
                "the imap lines show (item, result) {imap_pairs:?}, not {expected_pairs:?}"
            ))
        },
    ));
    judged.push((
        "imap_as_ready",
        if ended_between(&printed.tasks, printed.imap[0].0, last_imap) > 0 {
            Ok(format!(
                "printed {} after the map line",
                times(&printed.imap, zero)
            ))
        } else {
            Err(format!(
                "all the imap lines were printed after the last imap task had finished \
                 (at {} after the map line)",
                times(&printed.imap, zero)
            ))
        },
    ));

    let zero = last_imap.at;
    let expected_unordered: Vec<(i64, i64)> =
        COMPLETION_ORDER.iter().map(|&n| (n, n * n)).collect();
    let unordered_pairs: Vec<(i64, i64)> =
        printed.unordered.iter().map(|&(_, n, r)| (n, r)).collect();
    judged.push((
        "unordered_order",
        if unordered_pairs == expected_unordered {
            Ok("items 2, 1, 4, 3, 5 with their squares".to_owned())
        } else {
            Err(format!(
                "the imap_unordered lines show (item, result) {unordered_pairs:?}, not \
                 {expected_unordered:?}"
            ))
        },
    ));
    judged.push((
        "unordered_as_ready",
        if ended_between(&printed.tasks, first_unordered, last_unordered) > 0 {
            Ok(format!(
                "printed {} after the last imap line",
                times(&printed.unordered, zero)
            ))
        } else {
            Err(format!(
                "all the imap_unordered lines were printed after the last task had finished \
                 (at {} after the last imap line)",
                times(&printed.unordered, zero)
            ))
        },
    ));
    judged
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    checking.plan(SEEDS as usize);
    let mut judged = OverRuns::new(CRITERIA, ReplayOf::FirstRecorded);
    for seed in 0..SEEDS {
        let run = checking.run(Mode::det(seed));
        let printed = match printed(&run) {
            Ok(printed) => printed,
            Err(problem) => {
                verdict.judge("runs", Err(format!("under seed {seed}, {problem}")));
                return verdict;
            }
        };
        for (id, judgement) in judge_run(&printed) {
            judged.record(&run, id, judgement);
        }
        // The other criteria depend on the tasks running at once: judge them no further.
        if judged.failed("all_at_once") {
            for spec in &CRITERIA[2..] {
                judged.forget(spec.id);
            }
            break;
        }
    }
    let seeds = runs_text(SEEDS);
    verdict.judge("runs", Ok(format!("{} runs", checking.runs())));
    judged.write_decorated(&mut verdict, |_, evidence| {
        format!("{evidence}, in {seeds}")
    });
    verdict
}
