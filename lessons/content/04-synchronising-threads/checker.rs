//! Lesson 4's checker: the unprotected balance must lose an update under some seed, and the
//! Lock and Semaphore versions must never lose one, under every seed tried.

use threadlab_core::{Mode, ObjectKind};

use crate::check::{runs_text, Checking, CriterionSpec, LearnerRun, OverRuns, ReplayOf, Verdict};

const START: i64 = 100;
/// Seeds explored: a lost update shows up within the first few, and a missing lock within
/// the first handful too; 40 runs keep the check well under a second.
const SEEDS: u64 = 40;

const CRITERIA: &[CriterionSpec] = &[
    CriterionSpec {
        id: "runs",
        text: "The program runs to the end and prints the three balances",
        hint: "Print exactly three lines, starting \"unprotected:\", \"with a lock:\" and \
               \"with a semaphore:\", each followed by the final balance.",
    },
    CriterionSpec {
        id: "race_shown",
        text: "Without synchronisation, some schedule loses an update",
        hint: "The unprotected threads must update the same global balance with `balance += 1` \
               and `balance -= 1`, with nothing around them, and both must run at once: start \
               both threads before joining either.",
    },
    CriterionSpec {
        id: "lock_race_free",
        text: "With a Lock, the balance ends at 100 under every schedule",
        hint: "Both threads must share one Lock, created once outside the functions, and hold \
               it around every `balance += 1` and `balance -= 1` (`with lock:`).",
    },
    CriterionSpec {
        id: "lock_used",
        text: "The lock version takes a threading.Lock",
        hint: "Use `lock = threading.Lock()` and `with lock:` around each update.",
    },
    CriterionSpec {
        id: "semaphore_race_free",
        text: "With a Semaphore, the balance ends at 100 under every schedule",
        hint: "Create one `threading.Semaphore(1)` outside the functions and hold it around \
               every update (`with semaphore:`).",
    },
    CriterionSpec {
        id: "semaphore_used",
        text: "The semaphore version takes a threading.Semaphore",
        hint: "Use `semaphore = threading.Semaphore(1)` and `with semaphore:` around each update.",
    },
];

struct Balances {
    unprotected: i64,
    locked: i64,
    semaphore: i64,
}

fn balances(run: &LearnerRun) -> Result<Balances, String> {
    run.completed()?;
    let balance = |label: &str| -> Result<i64, String> {
        let value = run.number_after(label)?;
        if value.fract() != 0.0 {
            return Err(format!("\"{label}\" should be followed by a whole number"));
        }
        Ok(value as i64)
    };
    Ok(Balances {
        unprotected: balance("unprotected:")?,
        locked: balance("with a lock:")?,
        semaphore: balance("with a semaphore:")?,
    })
}

pub(crate) fn check(checking: &mut Checking<'_>) -> Verdict {
    let mut verdict = Verdict::new(CRITERIA);
    checking.plan(SEEDS as usize);
    let seeds = runs_text(SEEDS);
    let mut race: Option<(u64, i64)> = None;
    // The Lock and Semaphore versions, which must hold under every seed.
    let mut race_free = OverRuns::new(CRITERIA, ReplayOf::FirstCriterion);
    let (mut lock_used, mut semaphore_used) = (false, false);
    for seed in 0..SEEDS {
        let run = checking.run(Mode::det(seed));
        let balances = match balances(&run) {
            Ok(balances) => balances,
            Err(problem) => {
                verdict.judge("runs", Err(format!("under seed {seed}, {problem}")));
                return verdict;
            }
        };
        lock_used |= run.uses(ObjectKind::Lock) > 0;
        semaphore_used |=
            run.uses(ObjectKind::Semaphore) + run.uses(ObjectKind::BoundedSemaphore) > 0;
        if race.is_none() && balances.unprotected != START {
            race = Some((seed, balances.unprotected));
        }
        for (id, with, balance) in [
            ("lock_race_free", "with a lock,", balances.locked),
            (
                "semaphore_race_free",
                "with a semaphore,",
                balances.semaphore,
            ),
        ] {
            let judgement = if balance == START {
                Ok(format!("{START} in {seeds}"))
            } else {
                Err(format!(
                    "{with} the balance ended at {balance}, not {START}"
                ))
            };
            race_free.record(&run, id, judgement);
        }
        if race.is_some()
            && race_free.failed("lock_race_free")
            && race_free.failed("semaphore_race_free")
        {
            break;
        }
    }
    verdict.judge("runs", Ok(format!("{} runs", checking.runs())));
    verdict.judge(
        "race_shown",
        match race {
            Some((seed, balance)) => Ok(format!(
                "seed {seed} ends at {balance}; watch it with \
                 `threadlab run --mode det --seed {seed} {}`",
                checking.file_name()
            )),
            None => Err(format!(
                "the unprotected balance ended at {START} in {seeds}"
            )),
        },
    );
    race_free.write(&mut verdict);
    for (used_id, used, kind) in [
        ("lock_used", lock_used, "Lock"),
        ("semaphore_used", semaphore_used, "Semaphore"),
    ] {
        verdict.judge(
            used_id,
            if used {
                Ok(format!("a {kind} was acquired"))
            } else {
                Err(format!("no {kind} was ever acquired"))
            },
        );
    }
    verdict
}
