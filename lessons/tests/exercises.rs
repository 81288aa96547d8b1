//! The exercises' quality gate: for every lesson, the reference solution passes its checker,
//! the starter fails it, and each known-wrong program fails the criterion it is meant to fail.
//! Every check runs `REPEATS` times and must give the same verdict each time: a check that
//! could flake would show it here.

use threadlab_lessons::check::{self, Checking, Status, Verdict};
use threadlab_lessons::{lessons, Exercise, Lesson};

const REPEATS: usize = 20;

fn verdict_of(lesson: &Lesson, file: &str, source: &str) -> Verdict {
    let mut ignore_progress = |_| {};
    let mut checking = Checking::new(file, source, &mut ignore_progress);
    check::check(lesson.number, &mut checking).expect("every lesson has a checker")
}

/// The verdict, the same on every repeat (compared as text, evidence included).
fn steady_verdict(lesson: &Lesson, file: &str, source: &str) -> Verdict {
    let first = verdict_of(lesson, file, source);
    for repeat in 1..REPEATS {
        let again = verdict_of(lesson, file, source);
        assert_eq!(
            again.to_string(),
            first.to_string(),
            "lesson {}: {file} got a different verdict on repeat {repeat}",
            lesson.number
        );
    }
    first
}

fn exercise(lesson: &Lesson) -> &Exercise {
    lesson
        .exercise
        .as_ref()
        .unwrap_or_else(|| panic!("lesson {} has no exercise", lesson.number))
}

fn every_lesson() -> Vec<Lesson> {
    let lessons = lessons().expect("the course's manifests are valid");
    assert_eq!(lessons.len(), 7);
    lessons
}

#[test]
fn every_reference_solution_passes() {
    for lesson in every_lesson() {
        let exercise = exercise(&lesson);
        let verdict = steady_verdict(&lesson, &exercise.file_name, &exercise.solution);
        assert!(
            verdict.passed(),
            "lesson {}: the solution fails:\n{verdict}",
            lesson.number
        );
        assert!(verdict.criteria.len() >= 2, "lesson {}", lesson.number);
    }
}

#[test]
fn every_starter_fails() {
    for lesson in every_lesson() {
        let exercise = exercise(&lesson);
        let verdict = steady_verdict(&lesson, &exercise.file_name, &exercise.starter);
        assert!(
            !verdict.passed(),
            "lesson {}: the starter passes:\n{verdict}",
            lesson.number
        );
    }
}

#[test]
fn every_known_wrong_program_fails_the_criterion_it_gets_wrong() {
    for lesson in every_lesson() {
        let exercise = exercise(&lesson);
        assert!(
            !exercise.known_wrong.is_empty(),
            "lesson {} lists no known-wrong program",
            lesson.number
        );
        for wrong in &exercise.known_wrong {
            let verdict = steady_verdict(&lesson, &wrong.name, &wrong.source);
            assert!(
                matches!(verdict.status(&wrong.fails), Some(Status::Failed(_))),
                "lesson {}: {} should fail {:?}:\n{verdict}",
                lesson.number,
                wrong.name,
                wrong.fails
            );
        }
    }
}

/// A comparison names lines the solution prints, so that a learner who does the exercise sees
/// its ratio in the run's summary.
#[test]
fn every_comparison_reads_two_times_from_the_solution() {
    for lesson in every_lesson() {
        let exercise = exercise(&lesson);
        for comparison in &exercise.comparisons {
            let mut ignore_progress = |_| {};
            let mut checking = Checking::new(
                &exercise.file_name,
                &exercise.solution,
                &mut ignore_progress,
            );
            let run = checking.run(threadlab_core::Mode::det_on_cores(0, 4));
            let output: String = run.lines().map(|line| format!("{line}\n")).collect();
            let measured = comparison.measure(&output).unwrap_or_else(|| {
                panic!(
                    "lesson {}: {comparison:?} finds no times in the solution's output:\n{output}",
                    lesson.number
                )
            });
            assert!(
                measured.ratio().is_some_and(|ratio| ratio > 1.0),
                "lesson {}: {comparison:?} should show the solution faster: {measured:?}",
                lesson.number
            );
        }
    }
}
