//! Lesson 1's checker: the program times a CPU-bound and an IO-bound task, serially and on four
//! threads, and the shape of its numbers must match the lesson. It runs on two models of a
//! machine, in virtual time where every instruction costs a share of a virtual core: four
//! cores, the model of `--mode parallel` on a four-core machine, and one core, which behaves
//! like the GIL. IO overlaps on both; CPU work speeds up on four cores only. The printed numbers
//! must agree with each other and with the trace, so numbers typed in rather than measured fail.

use threadlab_core::sched::WaitFor;
use threadlab_core::Mode;

use crate::check::{
    Checking, CriterionSpec, LearnerRun, OverRuns, PrintedNumber, ReplayOf, Verdict,
};

/// The tasks each half of the program runs, on as many threads.
const TASKS: usize = 4;
/// The machines modelled: four virtual cores, then one (a GIL).
const MODELS: [u32; 2] = [4, 1];
/// Two seeds per model: the order in which threads get their turns moves the timings a little.
const SEEDS: [u64; 2] = [0, 1];
/// An io ratio that shows the waits overlapped (four overlapping waits give 4).
const IO_OVERLAP_RATIO: f64 = 2.5;
/// A cpu ratio that shows four cores computing at once. Ideal is 4; the model's random turns
/// make threaded work come out up to about 20% slower than ideal, and starting threads costs.
const CPU_PARALLEL_RATIO: f64 = 2.0;
/// On one core, threaded CPU work takes about as long as serial work.
const CPU_GIL_RATIO: (f64, f64) = (0.8, 1.25);

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints the six timing lines",
        hint: "Print six lines starting \"cpu serial:\", \"cpu threaded:\", \"cpu ratio:\", \
               \"io serial:\", \"io threaded:\" and \"io ratio:\", each followed by a number. \
               Keep the CPU task small (a few thousand loop steps): the check models every \
               instruction, and stops a program that runs too many.",
    },
    CriterionSpec {
        id: "threads_used",
        text: "The threaded halves run each task on four threads of its own",
        hint: "In each threaded half, create four `threading.Thread(target=task)` objects and \
               start them. The CPU task must only compute, and the IO task must wait with \
               `time.sleep`.",
    },
    CriterionSpec {
        id: "numbers_agree",
        text: "The printed times are measured, and each ratio is serial / threaded",
        hint: "Read `time.perf_counter()` just before and just after each half (a threaded half \
               ends after its last join), print the times with six decimals \
               (`f\"{seconds:.6f}\"`), and compute each ratio from the two measured times. \
               Run the serial CPU half before the threaded one.",
    },
    CriterionSpec {
        id: "io_overlaps",
        text: "IO-bound work speeds up on threads, on four cores and on one",
        hint: "Start all four threads first, and only then join them: a thread joined straight \
               after its start() has finished before the next one starts, so nothing overlaps.",
    },
    CriterionSpec {
        id: "cpu_parallel",
        text: "CPU-bound work speeds up on four cores",
        hint: "Start all four CPU threads before joining any of them, so that they compute at \
               the same time, one per core.",
    },
    CriterionSpec {
        id: "cpu_gil",
        text: "CPU-bound work does not speed up on one core, as under the GIL",
        hint: "On one core the threads take turns, so the threaded time should be about the \
               serial time: both halves must run the same task the same number of times.",
    },
];

/// Serial time, threaded time and ratio, as printed for one kind of task.
#[derive(Clone, Debug)]
struct Timings {
    serial: PrintedNumber,
    threaded: PrintedNumber,
    ratio: PrintedNumber,
}

fn timings(run: &LearnerRun, kind: &str) -> Result<Timings, String> {
    Ok(Timings {
        serial: run.printed_number(&format!("{kind} serial:"))?,
        threaded: run.printed_number(&format!("{kind} threaded:"))?,
        ratio: run.printed_number(&format!("{kind} ratio:"))?,
    })
}

/// A thread other than the main one, from the trace, in seconds of virtual time.
#[derive(Clone, Copy, Debug)]
struct Worker {
    start: f64,
    end: f64,
    /// Seconds spent in `time.sleep`.
    slept: f64,
}

/// The threads other than the main one, split into those that only computed and those that
/// slept.
fn workers(run: &LearnerRun) -> (Vec<Worker>, Vec<Worker>) {
    run.thread_lives()
        .into_iter()
        .filter(|life| life.number != 0)
        .map(|life| Worker {
            start: life.started.at.as_secs_f64(),
            end: life.ended.map_or(run.end, |ended| ended.at).as_secs_f64(),
            slept: life
                .waits
                .iter()
                .filter(|wait| wait.on == WaitFor::Sleep)
                .fold(0.0, |slept, wait| slept + wait.seconds()),
        })
        .partition(|worker| worker.slept == 0.0)
}

fn first_start(workers: &[Worker]) -> f64 {
    workers
        .iter()
        .map(|worker| worker.start)
        .fold(f64::INFINITY, f64::min)
}

/// From the first start to the last end.
fn span(workers: &[Worker]) -> f64 {
    let last_end = workers.iter().map(|worker| worker.end).fold(0.0, f64::max);
    last_end - first_start(workers)
}

fn model(cores: u32) -> String {
    match cores {
        1 => "on 1 virtual core".to_owned(),
        n => format!("on {n} virtual cores"),
    }
}

/// One run on one model of a machine, and what it printed.
struct Measured {
    cores: u32,
    seed: u64,
    run: LearnerRun,
    cpu: Timings,
    io: Timings,
}

impl Measured {
    /// The printed ratio of the "cpu" or "io" task.
    fn ratio(&self, kind: &str) -> &PrintedNumber {
        match kind {
            "cpu" => &self.cpu.ratio,
            _ => &self.io.ratio,
        }
    }

    /// Whether the printed numbers are what the program measured: the ratios against the
    /// times, and the times against the trace.
    fn agree(&self) -> Result<(), String> {
        for (kind, timings) in [("cpu", &self.cpu), ("io", &self.io)] {
            let Timings {
                serial,
                threaded,
                ratio,
            } = timings;
            if threaded.low() <= 0.0 || serial.low() <= 0.0 {
                return Err(format!(
                    "\"{kind} serial: {}\" and \"{kind} threaded: {}\" are rounded too much to \
                     divide one by the other; print them with six decimals",
                    serial.text, threaded.text
                ));
            }
            // The ratios the printed times allow, with 2% to spare and the ratio's own rounding.
            let low = serial.low() / threaded.high() * 0.98 - ratio.rounding;
            let high = serial.high() / threaded.low() * 1.02 + ratio.rounding;
            if !(low..=high).contains(&ratio.value) {
                return Err(format!(
                    "\"{kind} ratio: {}\" should be {kind} serial / {kind} threaded = {} / {} = \
                     {:.2}",
                    ratio.text,
                    serial.text,
                    threaded.text,
                    serial.value / threaded.value
                ));
            }
        }
        let (computers, sleepers) = workers(&self.run);
        // A threaded half is timed from before its first start to after its last join: a little
        // more than its threads' span, since creating and starting threads costs instructions.
        for (kind, threads, threaded) in [
            ("cpu", &computers, &self.cpu.threaded),
            ("io", &sleepers, &self.io.threaded),
        ] {
            let span = span(threads);
            if threaded.high() < span * 0.99 || threaded.low() > span * 1.1 + 0.0001 {
                return Err(format!(
                    "it printed \"{kind} threaded: {}\", but its {} {kind} threads ran for \
                     {span:.6} s, from the first start to the last end",
                    threaded.text,
                    threads.len()
                ));
            }
        }
        // The serial CPU half runs before the first CPU thread starts.
        let before_threads = first_start(&computers);
        if self.cpu.serial.low() > before_threads * 1.01 {
            return Err(format!(
                "it printed \"cpu serial: {}\", but the first CPU thread started {before_threads:.6} \
                 s after the program did, and the serial half must run before it",
                self.cpu.serial.text
            ));
        }
        // The serial IO half waits as long as the threads did, one wait after another.
        let waited = sleepers.iter().map(|worker| worker.slept).sum::<f64>() * TASKS as f64
            / sleepers.len() as f64;
        let serial = &self.io.serial;
        if serial.high() < waited * 0.99 || serial.low() > waited * 1.1 + 0.001 {
            return Err(format!(
                "it printed \"io serial: {}\", but {TASKS} waits like those of its threads take \
                 {waited:.6} s",
                serial.text
            ));
        }
        Ok(())
    }
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    checking.plan(MODELS.len() * SEEDS.len());
    let mut measured = Vec::new();
    for cores in MODELS {
        for seed in SEEDS {
            let run = checking.run(Mode::det_on_cores(seed, cores));
            let parsed = run
                .completed()
                .and_then(|()| Ok((timings(&run, "cpu")?, timings(&run, "io")?)));
            match parsed {
                Ok((cpu, io)) => measured.push(Measured {
                    cores,
                    seed,
                    run,
                    cpu,
                    io,
                }),
                Err(problem) => {
                    verdict.judge(
                        "runs",
                        Err(format!("under seed {seed} {}, {problem}", model(cores))),
                    );
                    return verdict;
                }
            }
        }
    }
    verdict.judge(
        "runs",
        Ok(format!(
            "{} runs: seeds {} and {} on 4 virtual cores and on 1",
            measured.len(),
            SEEDS[0],
            SEEDS[1]
        )),
    );

    let too_few = measured.iter().find_map(|m| {
        let (computers, sleepers) = workers(&m.run);
        (computers.len() < TASKS || sleepers.len() < TASKS).then(|| {
            format!(
                "under seed {} {}, {} threads only computed and {} slept; {TASKS} of each were \
                 expected",
                m.seed,
                model(m.cores),
                computers.len(),
                sleepers.len(),
            )
        })
    });
    let threads_used = match too_few {
        None => Ok(format!(
            "{TASKS} threads computed and {TASKS} slept, in every run"
        )),
        Some(seen) => Err(seen),
    };
    if !verdict.judge("threads_used", threads_used) {
        return verdict;
    }

    if let Some(problem) = measured
        .iter()
        .find_map(|m| m.agree().err().map(|p| (m, p)))
    {
        let (m, problem) = problem;
        verdict.judge(
            "numbers_agree",
            Err(format!(
                "under seed {} {}, {problem}",
                m.seed,
                model(m.cores)
            )),
        );
        return verdict;
    }
    verdict.judge(
        "numbers_agree",
        Ok("the ratios match the times, and the times match the trace, in every run".to_owned()),
    );

    let mut shapes_held = OverRuns::new(CRITERIA, ReplayOf::FirstCriterion);
    // (criterion, task kind, the model it is judged on (all when None), the ratio expected)
    let shapes = [
        (
            "io_overlaps",
            "io",
            None,
            Expected::AtLeast(IO_OVERLAP_RATIO),
        ),
        (
            "cpu_parallel",
            "cpu",
            Some(MODELS[0]),
            Expected::AtLeast(CPU_PARALLEL_RATIO),
        ),
        (
            "cpu_gil",
            "cpu",
            Some(1),
            Expected::Between(CPU_GIL_RATIO.0, CPU_GIL_RATIO.1),
        ),
    ];
    for (id, kind, cores, expected) in shapes {
        let runs: Vec<&Measured> = measured
            .iter()
            .filter(|m| cores.is_none_or(|cores| m.cores == cores))
            .collect();
        let evidence = evidence(kind, &runs);
        for m in runs {
            let ratio = m.ratio(kind);
            let judgement = if expected.holds(ratio.value) {
                Ok(evidence.clone())
            } else {
                Err(format!(
                    "the {kind} ratio was {} {}, and {expected} was expected",
                    ratio.text,
                    model(m.cores)
                ))
            };
            shapes_held.record(&m.run, id, judgement);
        }
    }
    shapes_held.write(&mut verdict);
    verdict
}

/// What a ratio must be.
#[derive(Clone, Copy)]
enum Expected {
    AtLeast(f64),
    Between(f64, f64),
}

impl Expected {
    fn holds(self, ratio: f64) -> bool {
        match self {
            Expected::AtLeast(low) => ratio >= low,
            Expected::Between(low, high) => (low..=high).contains(&ratio),
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::AtLeast(low) => write!(f, "at least {low}"),
            Expected::Between(low, high) => write!(f, "between {low} and {high}"),
        }
    }
}

/// "cpu ratio 3.68 and 3.81 on 4 virtual cores": the ratios printed, grouped by model.
fn evidence(kind: &str, runs: &[&Measured]) -> String {
    let mut by_model: Vec<(u32, Vec<&str>)> = Vec::new();
    for m in runs {
        let ratio = m.ratio(kind).text.as_str();
        match by_model.iter_mut().find(|(cores, _)| *cores == m.cores) {
            Some((_, ratios)) => ratios.push(ratio),
            None => by_model.push((m.cores, vec![ratio])),
        }
    }
    let parts: Vec<String> = by_model
        .iter()
        .map(|(cores, ratios)| format!("{} {}", ratios.join(" and "), model(*cores)))
        .collect();
    format!("{kind} ratio {}", parts.join("; "))
}
