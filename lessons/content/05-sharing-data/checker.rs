//! Lesson 5's checker: the sum of squares of 1..400, split over four threads, gathered three
//! ways (a global list, `Thread` attributes, a queue). Each total must be right under every
//! seed tried, and the trace must show that each way really ran its own threads and that the
//! queue way really went through a queue.

use threadlab_core::trace::EventKind;
use threadlab_core::{Mode, ObjectKind};

use crate::check::{runs_text, Checking, CriterionSpec, LearnerRun, OverRuns, ReplayOf, Verdict};

/// 1² + 2² + … + 400².
const TOTAL: i64 = 21_413_400;
/// Seeds explored: summing before the joins loses a part under most of them, so a missing
/// join shows within the first few; 20 runs keep the check short.
const SEEDS: u64 = 20;
/// Threads each way must start.
const PARTS: usize = 4;

/// The three lines, in the order they must be printed.
const LABELS: [&str; 3] = ["global list:", "attributes:", "queue:"];
/// The criterion of each line's total.
const TOTALS: [&str; 3] = ["list_total", "attributes_total", "queue_total"];

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints the three totals, in order",
        hint: "Print exactly three lines, in this order, each followed by a whole number: \
               \"global list: <total>\", \"attributes: <total>\", \"queue: <total>\".",
    },
    CriterionSpec {
        id: "list_total",
        text: "The global list adds up to 21413400 under every schedule",
        hint: "The list is complete only when every thread has appended to it: join all four \
               threads (start them all first, then join them all) before you add the list up.",
    },
    CriterionSpec {
        id: "attributes_total",
        text: "The Thread attributes add up to 21413400 under every schedule",
        hint: "Each thread's run() must store its partial sum in self.result; read the \
               attributes only after join() has returned for every thread.",
    },
    CriterionSpec {
        id: "queue_total",
        text: "The four results taken from the queue add up to 21413400 under every schedule",
        hint: "Each thread puts its partial sum on the queue once; the main thread calls get() \
               exactly four times, which waits for each result, and adds them up.",
    },
    CriterionSpec {
        id: "threads_per_way",
        text: "Each way runs its four subtasks on four threads of its own",
        hint: "For each way, start one thread per part of the range (four in all) after the \
               previous line is printed and before its own line is printed.",
    },
    CriterionSpec {
        id: "queue_used",
        text: "The queue way sends the results through a queue.Queue: four puts by the threads, \
               four gets by the main thread",
        hint: "Create `results = queue.Queue()`; each thread calls `results.put(partial)`; the \
               main thread calls `results.get()` four times before it prints the queue line.",
    },
];

/// What one run printed, and how its trace divides between the three ways.
struct Gathered {
    totals: [i64; 3],
    /// Per way: threads started, puts by other threads, gets by the main thread, counted in
    /// the stretch of the trace that ends with that way's line.
    ways: [WayEvents; 3],
}

#[derive(Clone, Copy, Default)]
struct WayEvents {
    started: usize,
    puts: usize,
    gets: usize,
}

fn is_queue(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Queue
            | ObjectKind::LifoQueue
            | ObjectKind::PriorityQueue
            | ObjectKind::SimpleQueue
    )
}

/// A whole number after `label` on its line.
fn total_after(run: &LearnerRun, label: &str) -> Result<i64, String> {
    let value = run
        .value_of(label)
        .ok_or_else(|| format!("no line starts with \"{label}\""))?;
    value.parse::<i64>().map_err(|_| {
        format!("the line \"{label} {value}\" should have a whole number after \"{label}\"")
    })
}

fn gathered(run: &LearnerRun) -> Result<Gathered, String> {
    run.completed()?;
    let mut totals = [0; 3];
    for (total, label) in totals.iter_mut().zip(LABELS) {
        *total = total_after(run, label)?;
    }
    // Walk the trace once, cutting it at each of the three lines as it was printed.
    let mut ways = [WayEvents::default(); 3];
    let mut way = 0;
    for event in &run.events {
        match &event.kind {
            EventKind::Output { text } if way < 3 && text.starts_with(LABELS[way]) => way += 1,
            EventKind::Output { text } => {
                if let Some(later) = LABELS.iter().position(|label| text.starts_with(label)) {
                    if later > way {
                        return Err(format!(
                            "\"{}\" was printed before \"{}\": print the lines in the order \
                             global list, attributes, queue",
                            LABELS[later], LABELS[way]
                        ));
                    }
                }
            }
            _ if way >= 3 => {}
            EventKind::ThreadStart { .. } if event.thread != 0 => ways[way].started += 1,
            EventKind::Put { queue } if event.thread != 0 && is_queue(queue.kind) => {
                ways[way].puts += 1
            }
            EventKind::Get { queue } if event.thread == 0 && is_queue(queue.kind) => {
                ways[way].gets += 1
            }
            _ => {}
        }
    }
    Ok(Gathered { totals, ways })
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    checking.plan(SEEDS as usize);
    let seeds = runs_text(SEEDS);
    // Whether the threads ran and how their results travelled does not depend on the schedule:
    // a failure there shows in any run, and its seed would add nothing.
    let mut judged = OverRuns::new(CRITERIA, ReplayOf::FirstCriterion)
        .without_replay(&["threads_per_way", "queue_used"]);
    for seed in 0..SEEDS {
        let run = checking.run(Mode::det(seed));
        let gathered = match gathered(&run) {
            Ok(gathered) => gathered,
            Err(problem) => {
                verdict.judge("runs", Err(format!("under seed {seed}, {problem}")));
                return verdict;
            }
        };
        for ((id, label), &total) in TOTALS.into_iter().zip(LABELS).zip(&gathered.totals) {
            let judgement = if total == TOTAL {
                Ok(format!("{TOTAL} in {seeds}"))
            } else {
                Err(format!("the line said \"{label} {total}\", not {TOTAL}"))
            };
            judged.record(&run, id, judgement);
        }
        let too_few_threads = gathered
            .ways
            .iter()
            .zip(LABELS)
            .find(|(way, _)| way.started < PARTS);
        let judgement = match too_few_threads {
            None => Ok(format!("{PARTS} threads before each line in {seeds}")),
            Some((way, label)) => Err(format!(
                "{} thread(s) started for the \"{label}\" line, not {PARTS}",
                way.started
            )),
        };
        judged.record(&run, "threads_per_way", judgement);
        let queue_way = gathered.ways[2];
        let judgement = if queue_way.puts < PARTS || queue_way.gets < PARTS {
            Err(format!(
                "before the \"queue:\" line the threads put {} item(s) on a queue and the main \
                 thread got {}",
                queue_way.puts, queue_way.gets
            ))
        } else {
            Ok(format!(
                "{PARTS} or more puts and gets before the queue line in {seeds}"
            ))
        };
        judged.record(&run, "queue_used", judgement);
    }
    verdict.judge("runs", Ok(format!("{} runs", checking.runs())));
    judged.write(&mut verdict);
    verdict
}
