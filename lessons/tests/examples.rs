//! Every example of every lesson runs and prints exactly its expected output, under the mode
//! its manifest gives (timing-dependent examples run in virtual time, so this never flakes).

use std::sync::Arc;

use threadlab_python::process::InProcessLauncher;
use threadlab_python::{run, CapturedOutput, Outcome, Program, RunOptions};

#[test]
fn every_example_prints_its_expected_output() {
    let lessons = threadlab_lessons::lessons().expect("the embedded lessons load");
    assert!(!lessons.is_empty(), "no lessons embedded");
    let mut failures = Vec::new();
    for lesson in &lessons {
        assert!(
            !lesson.examples.is_empty(),
            "lesson {} has no examples",
            lesson.number
        );
        for example in &lesson.examples {
            let output = CapturedOutput::new();
            // Lesson 7 kills a process: children run as separate interpreters here.
            let launcher = InProcessLauncher::new(example.name.clone(), example.source.clone());
            let options = RunOptions {
                mode: example.mode.clone(),
                process_launcher: Some(Arc::new(launcher)),
                ..RunOptions::default()
            };
            let report = run(
                Program::new(example.name.clone(), example.source.clone()),
                options,
                output.clone(),
            );
            if report.outcome != Outcome::Completed
                || output.stdout() != example.expected_output
                || !output.stderr().is_empty()
            {
                failures.push(format!(
                    "lesson {} {}: {:?}\n--- expected\n{}--- got\n{}--- stderr\n{}",
                    lesson.number,
                    example.name,
                    report.outcome,
                    example.expected_output,
                    output.stdout(),
                    output.stderr()
                ));
            }
        }
    }
    // threadlab's run installs a quiet panic hook (a learner must never see Rust's panic
    // text), which also hides this test's own message: print the report first.
    if !failures.is_empty() {
        eprintln!("{}", failures.join("\n"));
    }
    assert!(failures.is_empty(), "{} example(s) differ", failures.len());
}

#[test]
fn lessons_are_numbered_in_order_and_have_text_and_takeaways() {
    let lessons = threadlab_lessons::lessons().expect("the embedded lessons load");
    assert_eq!(lessons.len(), 7, "the course has seven lessons");
    for (index, lesson) in lessons.iter().enumerate() {
        assert_eq!(lesson.number as usize, index + 1, "{}", lesson.slug);
        assert!(
            lesson.text.starts_with("# "),
            "lesson {} text starts with its title",
            lesson.number
        );
        assert!(
            !lesson.takeaways.is_empty(),
            "lesson {} has takeaways",
            lesson.number
        );
        for example in &lesson.examples {
            assert!(
                lesson.text.contains(&example.name),
                "lesson {}'s text refers to {}",
                lesson.number,
                example.name
            );
        }
    }
}
