//! Step mode: the learner is the scheduler. Each test drives a session by the state it shows
//! (which thread is where, at which instruction), as a learner would; every run is
//! deterministic, so each assertion holds on every run. The only waiting is for the run's
//! thread to reach its next pause, with a generous bound that only a hang would exceed.

use std::time::Duration;

use threadlab_core::{Mode, Schedule, Strategy, VirtualCpu};
use threadlab_python::step::{
    open_schedule, open_seed, platform_launcher, End, Event, Goal, Granularity, Pause, RowState,
    Step, StepOptions, StepSchedule, StepSession,
};
use threadlab_python::{run, CapturedOutput, Program, RunOptions};

const RACE: &str = "\
import threading

balance = 100


def deposit():
    global balance
    for _ in range(2):
        balance += 1


def withdraw():
    global balance
    for _ in range(2):
        balance -= 1


t1 = threading.Thread(target=deposit)
t2 = threading.Thread(target=withdraw)
t1.start()
t2.start()
t1.join()
t2.join()
print('balance:', balance)
";

const LOCKED: &str = "\
import threading

balance = 100
lock = threading.Lock()


def deposit():
    global balance
    for _ in range(2):
        with lock:
            balance += 1


def withdraw():
    global balance
    for _ in range(2):
        with lock:
            balance -= 1


t1 = threading.Thread(target=deposit)
t2 = threading.Thread(target=withdraw)
t1.start()
t2.start()
t1.join()
t2.join()
print('balance:', balance)
";

const TWO_LOCKS: &str = "\
import threading

a = threading.Lock()
b = threading.Lock()


def one():
    with a:
        with b:
            pass


def two():
    with b:
        with a:
            pass


t1 = threading.Thread(target=one)
t2 = threading.Thread(target=two)
t1.start()
t2.start()
t1.join()
t2.join()
";

fn session(text: &str, start: StepSchedule, options: StepOptions) -> StepSession {
    StepSession::new("bank.py", text, start, options, platform_launcher())
}

/// Only a hang takes this long: every step is a handful of instructions.
const HANG: Duration = Duration::from_secs(60);

fn next(session: &mut StepSession) -> Event {
    assert!(session.wait(HANG), "the run neither paused nor ended");
    session.latest().cloned().unwrap()
}

fn pause(session: &mut StepSession) -> Pause {
    match next(session) {
        Event::Paused(pause) => pause,
        Event::Ended(end) => panic!("the run ended early:\n{}", end.output),
    }
}

fn end(session: &mut StepSession) -> End {
    match next(session) {
        Event::Ended(end) => end,
        Event::Paused(pause) => panic!("the run paused at step {}", pause.step),
    }
}

/// Steps `thread` a line at a time until `until` holds at a pause.
fn step_until(session: &mut StepSession, thread: u32, until: impl Fn(&Pause) -> bool) -> Pause {
    let mut now = pause(session);
    let mut steps = 0;
    while !until(&now) {
        steps += 1;
        assert!(steps < 200, "never reached; at {now:#?}");
        session
            .step(thread)
            .unwrap_or_else(|e| panic!("{e} at {now:#?}"));
        now = pause(session);
    }
    now
}

fn source_of(pause: &Pause, thread: u32) -> String {
    pause
        .thread(thread)
        .and_then(|row| row.source.clone())
        .unwrap_or_default()
}

fn runnable(pause: &Pause, thread: u32) -> bool {
    pause.thread(thread).is_some_and(|row| row.runnable)
}

/// The main thread starts both workers and reaches `t1.join()`, where it blocks. `start()`
/// waits for the new thread to begin, so each new thread takes a step to its first line.
fn start_both(session: &mut StepSession) -> Pause {
    let mut now = pause(session);
    for _ in 0..100 {
        let main = now.thread(0).unwrap();
        if main.runnable {
            session.step(0).unwrap();
        } else if main.state.to_string().ends_with("to start") {
            let starting = now
                .threads
                .iter()
                .find(|row| row.runnable && row.line.is_none());
            session
                .step(starting.expect("a starting thread").num)
                .unwrap();
        } else {
            return now;
        }
        now = pause(session);
    }
    panic!("the main thread never reached join(): {now:#?}");
}

/// Thread-1 runs to the store of its first `balance += 1`: it has read and added, not stored.
fn deposit_reads(session: &mut StepSession) -> Pause {
    step_until(session, 1, |p| source_of(p, 1) == "balance += 1");
    session.set_granularity(Granularity::Instruction);
    let at_store = step_until(session, 1, |p| {
        p.thread(1).and_then(|r| r.instruction.clone()).as_deref() == Some("StoreGlobal balance")
    });
    session.set_granularity(Granularity::Line);
    at_store
}

#[test]
fn the_race_is_produced_by_hand_and_balance_ends_wrong() {
    let mut session = session(RACE, StepSchedule::new(1), StepOptions::default()).with_goals(vec![
        Goal::LoseAnUpdate { global: None },
        Goal::EndOtherThan {
            global: "balance".to_owned(),
            expected: "100".to_owned(),
        },
    ]);
    let started = start_both(&mut session);
    assert_eq!(source_of(&started, 0), "t1.join()");
    assert_eq!(
        started.thread(0).unwrap().state.to_string(),
        "blocked on Thread-1 (deposit) to finish"
    );
    let at_store = deposit_reads(&mut session);
    // The next lines' shared data: Thread-1's `balance` (the main thread's `t1` is the
    // library's Thread object, left out).
    let variables: Vec<(&str, &str)> = at_store
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(variables, [("balance", "100")]);
    // Thread-2 runs both withdrawals while Thread-1 holds 101 on its stack.
    let withdrawn = step_until(&mut session, 2, |p| {
        p.thread(2).unwrap().state == RowState::Finished
    });
    assert!(withdrawn.lost_updates.is_empty());
    // Thread-1's store overwrites 98 with 101.
    session.step(1).unwrap();
    let lost = pause(&mut session);
    assert_eq!(lost.lost_updates.len(), 1, "{lost:#?}");
    assert_eq!(
        session.reached(),
        ["lost update: Thread-1 (deposit) overwrote balance, losing Thread-2 (withdraw)'s update"]
    );
    session.finish().unwrap();
    let end = end(&mut session);
    assert_eq!(end.output, "balance: 102\n");
    assert_eq!(end.global("balance"), Some("102"));
    assert!(session
        .reached()
        .contains(&"balance ended at 102, not 100".to_owned()));
}

#[test]
fn the_same_choices_with_a_lock_cannot_lose_an_update() {
    let mut session = session(LOCKED, StepSchedule::new(1), StepOptions::default());
    start_both(&mut session);
    let at_store = deposit_reads(&mut session);
    assert!(runnable(&at_store, 2));
    // Thread-2 reaches `with lock:` and blocks there: Thread-1 holds the lock.
    let blocked = step_until(&mut session, 2, |p| !runnable(p, 2));
    let row = blocked.thread(2).unwrap();
    assert_eq!(row.source.as_deref(), Some("with lock:"));
    assert_eq!(
        row.state.to_string(),
        "blocked on Lock#1 held by Thread-1 (deposit)"
    );
    let refused = session.step(2).unwrap_err();
    assert_eq!(
        refused,
        "Thread-2 (withdraw) cannot run now: it is blocked on Lock#1 held by Thread-1 (deposit)"
    );
    session.finish().unwrap();
    let end = end(&mut session);
    assert_eq!(end.output, "balance: 100\n");
    assert!(end.lost_updates.is_empty());
}

#[test]
fn the_two_lock_deadlock_is_reached_by_hand_and_reported_with_its_cycle() {
    let mut session = session(TWO_LOCKS, StepSchedule::new(1), StepOptions::default())
        .with_goals(vec![Goal::Deadlock]);
    start_both(&mut session);
    step_until(&mut session, 1, |p| source_of(p, 1) == "with b:");
    step_until(&mut session, 2, |p| source_of(p, 2) == "with a:");
    let stuck = step_until(&mut session, 1, |p| !runnable(p, 1));
    assert_eq!(
        stuck.thread(1).unwrap().state.to_string(),
        "blocked on Lock#2 held by Thread-2 (two)"
    );
    session.step(2).unwrap();
    let end = end(&mut session);
    let report = end.deadlock.expect("a deadlock");
    assert_eq!(report.cycles(), [vec![1, 2]]);
    let expected = "Thread-1 (one) waits for Lock#2 held by Thread-2 (two); Thread-2 (two) waits \
                    for Lock#1 held by Thread-1 (one); MainThread waits for Thread-1 (one) to \
                    finish";
    assert_eq!(report.text(), expected);
    assert!(end.output.contains(expected), "{}", end.output);
    assert_eq!(session.reached(), [format!("deadlock: {expected}")]);
}

#[test]
fn undo_restores_the_exact_previous_state() {
    let mut session = session(RACE, StepSchedule::new(1), StepOptions::default());
    start_both(&mut session);
    let before = deposit_reads(&mut session);
    session.step(2).unwrap();
    let after = pause(&mut session);
    assert_ne!(after, before);
    assert!(session.undo());
    let again = pause(&mut session);
    assert_eq!(again, before);
    // Twice more, across a granularity change and back to the very start.
    assert!(session.undo());
    let earlier = pause(&mut session);
    assert_eq!(earlier.step, before.step - 1);
    session.restart();
    let first = pause(&mut session);
    assert_eq!(first.step, 0);
    assert!(!session.undo());
}

#[test]
fn a_saved_manual_run_replays_to_the_same_trace() {
    let options = StepOptions {
        trace: true,
        ..StepOptions::default()
    };
    let mut session = session(RACE, StepSchedule::new(5), options.clone());
    start_both(&mut session);
    deposit_reads(&mut session);
    step_until(&mut session, 2, |p| source_of(p, 2) == "balance -= 1");
    session.step(1).unwrap();
    pause(&mut session);
    session.finish().unwrap();
    let first = end(&mut session);
    let saved = session.save();
    assert!(saved.contains("finish: yes"));
    assert!(saved.contains(&format!("schedule: {}", first.schedule)));

    let mut replayed = self::session(RACE, saved.parse().unwrap(), options);
    let second = end(&mut replayed);
    assert_eq!(second.output, first.output);
    assert_eq!(second.schedule, first.schedule);
    assert_eq!(second.trace_json, first.trace_json);
    assert!(first.trace_json.is_some());

    // The scheduler's schedule alone replays it too, with no step mode at all.
    let output = CapturedOutput::new();
    let report = run(
        Program::new("bank.py", RACE),
        RunOptions {
            mode: Mode::Deterministic {
                seed: 5,
                strategy: Strategy::Replay(first.schedule.clone()),
                cpu: VirtualCpu::Free,
            },
            trace: true,
            ..RunOptions::default()
        },
        output.clone(),
    );
    assert_eq!(output.stdout(), first.output);
    assert_eq!(
        report.runtime.trace().map(|trace| trace.to_chrome_json()),
        first.trace_json
    );
}

/// The race with more iterations, so random seeds lose updates.
fn long_race() -> String {
    RACE.replace("range(2)", "range(50)")
}

#[test]
fn a_failing_seed_opens_just_before_its_lost_update() {
    let text = long_race();
    let options = StepOptions::default();
    let seed = (0..200)
        .find(|&seed| {
            let output = CapturedOutput::new();
            run(
                Program::new("bank.py", text.as_str()),
                RunOptions {
                    mode: Mode::det(seed),
                    ..RunOptions::default()
                },
                output.clone(),
            );
            output.stdout() != "balance: 100\n"
        })
        .expect("a seed that loses an update");
    let opened = open_seed("bank.py", &text, seed, &options).unwrap();
    assert!(opened.why.contains("if Thread-"), "{}", opened.why);
    let mut session = session(&text, opened.start.clone(), options.clone());
    let at = pause(&mut session);
    assert_eq!(at.choices, opened.start.choices.len());
    assert!(at.lost_updates.is_empty());
    assert!(at.runnable().len() >= 2);
    // The seed's own choices from here on lose it.
    let mut whole = self::session(
        &text,
        StepSchedule {
            seed,
            choices: open_seed_choices(&text, seed),
            steps: Vec::new(),
            finish: true,
        },
        options,
    );
    let end = end(&mut whole);
    let lost = end.lost_updates.first().expect("the seed's lost update");
    assert!(lost.read_at <= at.choices);
    assert!(opened.why.contains("balance"));
    // A checker's recorded schedule opens at the same place, without running the seed again.
    let recorded = Schedule::new(seed, open_seed_choices(&text, seed));
    assert_eq!(
        open_schedule("bank.py", &text, &recorded, &StepOptions::default()),
        Ok(opened)
    );
}

fn open_seed_choices(text: &str, seed: u64) -> Vec<u32> {
    let report = run(
        Program::new("bank.py", text),
        RunOptions {
            mode: Mode::det(seed),
            ..RunOptions::default()
        },
        CapturedOutput::new(),
    );
    report.runtime.schedule().unwrap().choices().to_vec()
}

#[test]
fn a_deadlocking_seed_opens_at_the_choice_that_closes_the_cycle() {
    let options = StepOptions::default();
    let seed = (0..500)
        .find(|&seed| {
            let report = run(
                Program::new("locks.py", TWO_LOCKS),
                RunOptions {
                    mode: Mode::det(seed),
                    ..RunOptions::default()
                },
                CapturedOutput::new(),
            );
            report.runtime.deadlock().is_some()
        })
        .expect("a deadlocking seed");
    let opened = open_seed("locks.py", TWO_LOCKS, seed, &options).unwrap();
    assert!(opened
        .why
        .starts_with("the next choice closes the deadlock cycle"));
    let mut session = session(TWO_LOCKS, opened.start.clone(), options);
    let at = pause(&mut session);
    assert_eq!(at.choices, opened.start.choices.len());
    // Taking the seed's choice here, then letting the lone runnable thread go on, deadlocks.
    let choice = open_seed_choices(TWO_LOCKS, seed)[at.choices];
    session.set_granularity(Granularity::Instruction);
    session.step(choice).unwrap();
    loop {
        match next(&mut session) {
            Event::Paused(pause) => {
                let runnable = pause.runnable();
                assert_eq!(
                    runnable.len(),
                    1,
                    "a choice after the closing one: {pause:#?}"
                );
                session.step(runnable[0]).unwrap();
            }
            Event::Ended(end) => {
                assert!(end.deadlock.is_some(), "{}", end.output);
                break;
            }
        }
    }
}

#[test]
fn output_so_far_is_shown_at_each_pause_and_bad_steps_are_refused() {
    let text = "print('one')\nprint('two')\n";
    let mut session = session(text, StepSchedule::new(0), StepOptions::default());
    let first = pause(&mut session);
    assert_eq!(first.output, "");
    assert_eq!(first.thread(0).unwrap().line, Some(1));
    assert_eq!(session.step(7).unwrap_err(), "there is no thread 7");
    session.step(0).unwrap();
    assert_eq!(session.step(0).unwrap_err(), "the program is still running");
    let second = pause(&mut session);
    assert_eq!(second.output, "one\n");
    assert_eq!(second.thread(0).unwrap().line, Some(2));
    session.step(0).unwrap();
    let end = end(&mut session);
    assert_eq!(end.output, "one\ntwo\n");
    assert_eq!(session.step(0).unwrap_err(), "the program has ended");
}

#[test]
fn a_sleeping_thread_shows_its_virtual_wake_up_time() {
    let text = "\
import threading
import time


def nap():
    time.sleep(3)
    print('awake')


t = threading.Thread(target=nap)
t.start()
x = 1
x = 2
t.join()
";
    let mut session = session(text, StepSchedule::new(0), StepOptions::default());
    step_until(&mut session, 0, |p| !runnable(p, 0));
    let asleep = step_until(&mut session, 1, |p| !runnable(p, 1));
    assert_eq!(
        asleep.thread(1).unwrap().state.to_string(),
        "sleeping until t=3.0 s"
    );
    assert_eq!(source_of(&asleep, 1), "time.sleep(3)");
    assert!(runnable(&asleep, 0));
    session.finish().unwrap();
    let end = end(&mut session);
    assert_eq!(end.output, "awake\n");
}

#[test]
fn two_threads_in_the_same_lines_reach_the_together_goal() {
    let text = "\
import threading
count = 0
def work():
    global count
    ready = True
    count += 1
    count += 1
t1 = threading.Thread(target=work)
t2 = threading.Thread(target=work)
t1.start()
t2.start()
t1.join()
t2.join()
";
    let mut session = session(text, StepSchedule::new(0), StepOptions::default())
        .with_goals(vec![Goal::Together { first: 6, last: 7 }]);
    let started = start_both(&mut session);
    assert_eq!(source_of(&started, 2), "ready = True");
    step_until(&mut session, 1, |p| source_of(p, 1) == "count += 1");
    assert!(session.reached().is_empty());
    step_until(&mut session, 2, |p| source_of(p, 2) == "count += 1");
    assert_eq!(
        session.reached(),
        ["Thread-1 (work) and Thread-2 (work) are in lines 6-7 at the same time"]
    );
}

#[test]
fn a_lost_update_of_an_attribute_is_seen_too() {
    let text = "\
import threading


class Account:
    def __init__(self):
        self.balance = 100

    def deposit(self):
        self.balance += 1

    def withdraw(self):
        self.balance -= 1


account = Account()
t1 = threading.Thread(target=account.deposit)
t2 = threading.Thread(target=account.withdraw)
t1.start()
t2.start()
t1.join()
t2.join()
print(account.balance)
";
    let mut session = session(text, StepSchedule::new(0), StepOptions::default())
        .with_goals(vec![Goal::LoseAnUpdate { global: None }]);
    let started = start_both(&mut session);
    assert_eq!(source_of(&started, 2), "self.balance -= 1");
    session.set_granularity(Granularity::Instruction);
    let at_store = step_until(&mut session, 1, |p| {
        p.thread(1).and_then(|r| r.instruction.clone()).as_deref() == Some("StoreAttr balance")
    });
    let variables: Vec<(&str, &str)> = at_store
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(variables, [("self.balance", "100")]);
    session.set_granularity(Granularity::Line);
    session.step(2).unwrap();
    pause(&mut session);
    session.step(1).unwrap();
    pause(&mut session);
    assert_eq!(
        session.reached(),
        [
            "lost update: Thread-1 (deposit) overwrote Account.balance, losing Thread-2 \
             (withdraw)'s update"
        ]
    );
    session.finish().unwrap();
    assert_eq!(end(&mut session).output, "101\n");
}

#[test]
fn saved_steps_that_no_longer_fit_stop_where_they_diverge_and_say_so() {
    let text = "print('one')\nprint('two')\n";
    let line = |thread| Step {
        thread,
        granularity: Granularity::Line,
    };
    let saved = StepSchedule {
        seed: 0,
        choices: Vec::new(),
        steps: vec![line(0), line(5), line(0)],
        finish: true,
    };
    let mut session = session(text, saved, StepOptions::default());
    let at = pause(&mut session);
    assert_eq!(at.step, 1);
    assert_eq!(
        at.note.as_deref(),
        Some("the saved steps stopped fitting the program at step 2: thread 5 cannot run there")
    );
    assert_eq!(session.history().steps, [line(0)]);
    assert!(!session.history().finish);
}

/// Threads started after "finish" never appear at a pause, but the end still names them (in
/// its lost updates too), instead of calling them by number.
#[test]
fn the_end_names_threads_started_after_finish() {
    let mut session = session(RACE, StepSchedule::new(0), StepOptions::default());
    pause(&mut session);
    session.finish().unwrap();
    let end = end(&mut session);
    assert!(
        end.thread_name(1).starts_with("Thread-1"),
        "{:?}",
        end.names
    );
    assert!(
        end.thread_name(2).starts_with("Thread-2"),
        "{:?}",
        end.names
    );
    let names = |num| end.thread_name(num);
    for lost in &end.lost_updates {
        assert!(!lost.describe(&names).contains("thread #"), "{lost:?}");
    }
}
