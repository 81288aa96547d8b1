//! `threadlab step` driven through standard input, one command per line, as a script or a
//! terminal without a tty drives it. Every run is deterministic, so the transcript is too.

use std::io::Write;
use std::process::{Command, Output, Stdio};

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

/// Writes `source` to a fresh file in a temporary directory and returns its path.
fn program(name: &str, source: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("threadlab-step-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, source).expect("write program");
    path
}

fn step(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadlab"))
        .arg("step")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the threadlab binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The main thread starts both threads (each new thread takes its first step while `start()`
/// waits for it) and blocks in `t1.join()`; Thread-1 reads and adds, then Thread-2 runs to its
/// end (extra steps of it are refused once it has finished), then Thread-1 stores.
const LOSE_AN_UPDATE: &str = "0\n0\n0\n0\n0\n0\n0\n1\n0\n0\n2\n0\n0\n\
                              1\ne\n1\n1\n1\ne\n2\n2\n2\n2\n2\n2\n2\n2\n1\n";

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn step_shows_threads_and_next_lines_and_reaches_the_lost_update() {
    let path = program("bank.py", RACE);
    let input = format!("{LOSE_AN_UPDATE}f\nq\n");
    let output = step(
        &[
            path.to_str().unwrap(),
            "--goal",
            "lost-update",
            "--goal",
            "balance!=100",
        ],
        &input,
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}\n{stdout}");
    assert!(stdout.contains(">[0] MainThread: runnable"), "{stdout}");
    assert!(
        stdout.contains("      next line 1: import threading"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" [2] Thread-2 (withdraw): runnable"),
        "{stdout}"
    );
    assert!(
        stdout.contains("next line 9: balance += 1  [StoreGlobal balance]"),
        "{stdout}"
    );
    assert!(stdout.contains("shared: balance = 100"), "{stdout}");
    assert!(
        stdout.contains("Thread-2 (withdraw) cannot run now: it is finished"),
        "{stdout}"
    );
    assert!(
        stdout.contains("* goal reached: lost update: Thread-1 (deposit) overwrote balance,"),
        "{stdout}"
    );
    assert!(stdout.contains("    | balance: 102"), "{stdout}");
    assert!(
        stdout.contains("* goal reached: balance ended at 102, not 100"),
        "{stdout}"
    );
    assert!(
        stdout.lines().all(|line| line.chars().count() <= 80),
        "{stdout}"
    );
}

#[test]
fn saved_steps_replay_and_undo_goes_back_one_step() {
    let path = program("saved.py", RACE);
    let saved = path.with_extension("step");
    let input = format!("{LOSE_AN_UPDATE}s\nu\nq\n");
    let output = step(&[path.to_str().unwrap()], &input);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}\n{stdout}");
    assert!(
        stdout.contains(&format!("saved to {}", saved.display())),
        "{stdout}"
    );
    assert!(stdout.contains("undone"), "{stdout}");
    let schedule = std::fs::read_to_string(&saved).unwrap();
    assert!(
        schedule.starts_with("threadlab step schedule\nseed: 0\n"),
        "{schedule}"
    );
    assert!(schedule.contains("1i*3"), "{schedule}");

    let replayed = step(
        &[path.to_str().unwrap(), "--replay", saved.to_str().unwrap()],
        "f\nq\n",
    );
    let (stdout, stderr) = text(&replayed);
    assert_eq!(replayed.status.code(), Some(0), "{stderr}\n{stdout}");
    assert!(
        stdout.contains("lost update: Thread-1 (deposit) overwrote balance"),
        "{stdout}"
    );
    assert!(stdout.contains("    | balance: 102"), "{stdout}");
}

#[test]
fn bad_input_gets_a_clear_message_and_no_panic() {
    let path = program("bad.py", "print('hi')\n");
    let output = step(&[path.to_str().unwrap()], "x\n9\n0\n0\n");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("\"x\" is not a command"), "{stdout}");
    assert!(stdout.contains("there is no thread 9"), "{stdout}");
    assert!(stdout.contains("the program has ended"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let syntax = program("syntax.py", "def f(:\n");
    let output = step(&[syntax.to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("SyntaxError"));

    let missing = step(&["/nonexistent/x.py"], "");
    assert_eq!(missing.status.code(), Some(2));

    let goal = step(&[path.to_str().unwrap(), "--goal", "win"], "");
    assert_eq!(goal.status.code(), Some(2));
    assert!(text(&goal).1.contains("--goal win: expected"));

    let schedule = path.with_extension("step");
    std::fs::write(&schedule, "nonsense").unwrap();
    let replay = step(
        &[
            path.to_str().unwrap(),
            "--replay",
            schedule.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(replay.status.code(), Some(2));
    assert!(
        text(&replay).1.contains("not a step schedule"),
        "{}",
        text(&replay).1
    );
}
