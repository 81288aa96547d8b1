//! Lesson 4's exercise in step mode: the learner produces the lost update in the starter by
//! hand, and the same choices on the solution's Lock version cannot (the other thread is shown
//! blocked on the lock). Driven by what each pause shows; every run is deterministic.

use std::time::Duration;

use threadlab_python::step::{
    platform_launcher, Event, Goal, Granularity, Pause, StepOptions, StepSchedule, StepSession,
};

fn exercise() -> threadlab_lessons::Exercise {
    threadlab_lessons::lesson(4)
        .unwrap()
        .unwrap()
        .exercise
        .expect("lesson 4 has an exercise")
}

fn session(text: &str) -> StepSession {
    StepSession::new(
        "exercise.py",
        text,
        StepSchedule::new(0),
        StepOptions::default(),
        platform_launcher(),
    )
    .with_goals(vec![Goal::LoseAnUpdate {
        global: Some("balance".to_owned()),
    }])
}

/// Only a hang takes this long.
const HANG: Duration = Duration::from_secs(60);

fn pause(session: &mut StepSession) -> Pause {
    assert!(session.wait(HANG), "the run neither paused nor ended");
    match session.latest().cloned().unwrap() {
        Event::Paused(pause) => pause,
        Event::Ended(end) => panic!("the run ended early:\n{}", end.output),
    }
}

fn step_until(session: &mut StepSession, thread: u32, until: impl Fn(&Pause) -> bool) -> Pause {
    let mut now = pause(session);
    for _ in 0..200 {
        if until(&now) {
            return now;
        }
        session
            .step(thread)
            .unwrap_or_else(|e| panic!("{e} at {now:#?}"));
        now = pause(session);
    }
    panic!("never reached; at {now:#?}");
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

/// The main thread runs into `run_pair`, starts both threads (each takes its first step while
/// `start()` waits for it) and blocks joining the first.
fn start_pair(session: &mut StepSession) {
    let mut now = pause(session);
    for _ in 0..200 {
        let main = now.thread(0).unwrap();
        if main.runnable {
            session.step(0).unwrap();
        } else if main.state.to_string().ends_with("to start") {
            let starting = now.threads.iter().find(|r| r.runnable && r.line.is_none());
            session
                .step(starting.expect("a starting thread").num)
                .unwrap();
        } else {
            assert_eq!(source_of(&now, 0), "thread.join()");
            return;
        }
        now = pause(session);
    }
    panic!("the main thread never joined: {now:#?}");
}

/// The scripted choices: Thread-1 reads and adds for its first deposit, and stops before its
/// store; then Thread-2 runs one line at a time until it has done one withdrawal (or cannot
/// run); then Thread-1 stores.
fn interleave(session: &mut StepSession) -> Pause {
    start_pair(session);
    step_until(session, 1, |p| source_of(p, 1) == "balance += 1");
    session.set_granularity(Granularity::Instruction);
    step_until(session, 1, |p| {
        p.thread(1).and_then(|r| r.instruction.clone()).as_deref() == Some("StoreGlobal balance")
    });
    session.set_granularity(Granularity::Line);
    step_until(session, 2, |p| {
        !runnable(p, 2) || source_of(p, 2) == "balance -= 1"
    });
    let stopped = pause(session);
    if runnable(&stopped, 2) {
        session.step(2).unwrap();
        pause(session);
    }
    stopped
}

#[test]
fn the_starter_loses_an_update_by_hand() {
    let mut session = session(&exercise().starter);
    interleave(&mut session);
    session.step(1).unwrap();
    pause(&mut session);
    assert_eq!(
        session.reached(),
        [
            "lost update: Thread-1 (deposit_unprotected) overwrote balance, losing Thread-2 \
             (withdraw_unprotected)'s update"
        ]
    );
    // The rest runs under the seeded scheduler (which may lose more): the balance ends wrong.
    session.finish().unwrap();
    assert!(session.wait(HANG));
    match session.latest().unwrap() {
        Event::Ended(end) => {
            let first = end.output.lines().next().unwrap_or_default();
            assert!(first.starts_with("unprotected: "), "{}", end.output);
            assert_ne!(first, "unprotected: 100", "{}", end.output);
        }
        Event::Paused(pause) => panic!("paused at step {}", pause.step),
    }
}

#[test]
fn the_same_choices_on_the_lock_version_cannot() {
    let solution = exercise().solution;
    // The solution's Lock pair, run first, so the same choices apply to it.
    let text = solution.replace(
        "print(\"unprotected:\", run_pair(deposit_unprotected, withdraw_unprotected))\n",
        "",
    );
    assert_ne!(text, solution);
    let mut session = session(&text);
    let blocked = interleave(&mut session);
    let row = blocked.thread(2).unwrap();
    assert!(!row.runnable);
    assert_eq!(row.source.as_deref(), Some("with lock:"));
    assert!(
        row.state
            .to_string()
            .starts_with("blocked on Lock#1 held by Thread-1 (deposit_with_lock)"),
        "{}",
        row.state
    );
    session.step(1).unwrap();
    pause(&mut session);
    session.finish().unwrap();
    assert!(session.wait(HANG));
    match session.latest().unwrap() {
        Event::Ended(end) => {
            assert!(
                end.output.starts_with("with a lock: 100\n"),
                "{}",
                end.output
            );
            assert!(end.lost_updates.is_empty());
        }
        Event::Paused(pause) => panic!("paused at step {}", pause.step),
    }
    assert!(session.reached().is_empty());
}

/// Every goal a lesson sets for an example can happen in that program: some schedule reaches
/// it (here the seeded scheduler's own, handed the run at once with "finish"), so a learner
/// stepping by hand is not sent after the impossible. Goals meant to be impossible (losing an
/// update under a Lock) are the exception the lesson text names.
#[test]
fn the_step_goals_of_lesson_4s_examples_can_be_reached() {
    let lesson = threadlab_lessons::lesson(4).unwrap().unwrap();
    let reachable = [("race.py", 3), ("deadlock.py", 0)];
    for (name, seed) in reachable {
        let example = lesson
            .examples
            .iter()
            .find(|example| example.name == name)
            .unwrap_or_else(|| panic!("lesson 4 has {name}"));
        assert!(!example.step_goals.is_empty(), "{name} sets no goal");
        let mut session = StepSession::new(
            name,
            &example.source,
            StepSchedule::new(seed),
            StepOptions::default(),
            platform_launcher(),
        )
        .with_goals(example.step_goals.clone());
        pause(&mut session);
        session.finish().unwrap();
        assert!(session.wait(HANG), "{name} never ended");
        assert_eq!(
            session.reached().len(),
            example.step_goals.len(),
            "{name} under seed {seed} reached only {:?} of {:?}",
            session.reached(),
            example.step_goals
        );
    }
}
