//! The learner's loop through the built binary: `lessons`, `lesson N`, `start`, `check`,
//! `hint`, `solution` and `watch`, each in a scratch folder with its own progress file, so the
//! tests neither read nor touch the machine's real progress.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A scratch folder that is both the working directory and the data directory.
struct Learner {
    dir: PathBuf,
}

impl Learner {
    fn new(name: &str) -> Learner {
        let dir =
            std::env::temp_dir().join(format!("threadlab-learner-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Learner { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threadlab"));
        command
            .args(args)
            .current_dir(&self.dir)
            .env("THREADLAB_DATA_DIR", self.dir.join("data"))
            .env("NO_COLOR", "1");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .expect("the threadlab binary runs")
    }

    /// Runs with `input` on standard input (not a terminal: one command per line).
    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the threadlab binary runs");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Learner {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn lesson4_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lessons/content/04-synchronising-threads/exercise")
        .join(name);
    fs::read_to_string(path).unwrap()
}

#[test]
fn lessons_lists_the_course_and_lesson_shows_one_within_80_columns() {
    let learner = Learner::new("list");
    let output = learner.run(&["lessons"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("1  Thread-based concurrency"), "{out}");
    assert!(out.contains("2  Creating and starting threads"), "{out}");
    assert!(out.contains("0 of 7 exercises passed"), "{out}");

    let output = learner.run(&["lesson", "4"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("SYNCHRONISING THREADS\n"), "{text}");
    assert!(
        text.contains("TAKEAWAYS") && text.contains("race.py") && text.contains("EXERCISE: "),
        "{text}"
    );
    // Prose and takeaways are wrapped; only code and table rows may run longer.
    for line in text.lines() {
        let code_or_table = line.starts_with("    ") || line.starts_with('|');
        assert!(
            code_or_table || line.chars().count() <= 80,
            "too wide: {line:?}"
        );
    }

    let output = learner.run(&["lesson", "99"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("there is no lesson 99"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn start_check_hint_and_solution_follow_the_learner_to_a_pass() {
    let learner = Learner::new("loop");
    let output = learner.run(&["start", "4"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("threadlab check 4"));
    assert_eq!(
        fs::read_to_string(learner.file("balance.py")).unwrap(),
        lesson4_file("starter.py")
    );
    // A second start would overwrite work: refused.
    let output = learner.run(&["start", "4"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("already exists"),
        "{}",
        stderr(&output)
    );

    // The starter does not pass, and the verdict says what to do.
    let output = learner.run(&["check", "4"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let verdict = stdout(&output);
    assert!(
        verdict.contains("FAIL") && verdict.contains("hint:"),
        "{verdict}"
    );
    assert!(verdict.contains("Not yet"), "{verdict}");

    // The solution stays hidden until the exercise passes.
    let output = learner.run(&["solution", "4"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());

    // Hints come one more at a time.
    let first = stdout(&learner.run(&["hint", "4"]));
    assert!(
        first.contains("Hint 1 of 3") && !first.contains("Hint 2"),
        "{first}"
    );
    let second = stdout(&learner.run(&["hint", "4"]));
    assert!(
        second.contains("Hint 2 of 3") && !second.contains("Hint 3"),
        "{second}"
    );

    // A known mistake fails with its replay command.
    fs::write(
        learner.file("balance.py"),
        lesson4_file("wrong_lock_per_thread.py"),
    )
    .unwrap();
    let output = learner.run(&["check", "4"]);
    assert_eq!(output.status.code(), Some(1));
    let verdict = stdout(&output);
    assert!(
        verdict.contains("threadlab run --mode det --seed"),
        "{verdict}"
    );
    // … and the command that opens it in step mode, which opens where an update is lost.
    let step = verdict
        .lines()
        .find_map(|line| line.trim().strip_prefix("threadlab step --failing-seed "))
        .unwrap_or_else(|| panic!("no step command in {verdict}"));
    let seed = step.split_whitespace().next().unwrap();
    let stepped = learner.run_with_input(&["step", "--failing-seed", seed, "balance.py"], "q\n");
    let shown = stdout(&stepped);
    assert!(shown.contains("one update is lost"), "{shown}");

    // The right program passes; then progress and the solution show it.
    fs::write(learner.file("balance.py"), lesson4_file("solution.py")).unwrap();
    let output = learner.run(&["check", "4"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("Passed!"));
    let listing = stdout(&learner.run(&["lessons"]));
    assert!(listing.contains("exercise passed"), "{listing}");
    assert!(listing.contains("1 of 7 exercises passed"), "{listing}");
    let output = learner.run(&["solution", "4"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), lesson4_file("solution.py"));

    // A file named on the command line is checked from anywhere.
    let output = learner.run(&["check", "4", "missing.py"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("missing.py"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn watch_checks_again_when_the_file_is_saved() {
    let learner = Learner::new("watch");
    fs::write(learner.file("balance.py"), lesson4_file("starter.py")).unwrap();
    let mut child = learner
        .command(&["watch", "4", "balance.py"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, verdicts) = mpsc::channel();
    let reader = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if line.starts_with("Not yet") || line.starts_with("Passed!") {
                let _ = lines.send(line);
            }
        }
    });
    // Generous: this only bounds a hang, it judges no speed.
    let patience = Duration::from_secs(120);
    let first = verdicts.recv_timeout(patience).expect("a first verdict");
    assert!(first.starts_with("Not yet"), "{first}");
    // Saved as many editors save: a new file renamed over the old one (which also means the
    // check can never read a half-written file).
    fs::write(learner.file("balance.py.new"), lesson4_file("solution.py")).unwrap();
    fs::rename(learner.file("balance.py.new"), learner.file("balance.py")).unwrap();
    let second = verdicts
        .recv_timeout(patience)
        .expect("a verdict after the save");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(second.starts_with("Passed!"), "{second}");
}
