//! The learner's loop, in the spirit of rustlings: `start` copies an exercise's starter into a
//! working file, `check` judges it (with a progress bar and a coloured verdict), `watch`
//! re-checks on every save, `hint` shows one hint more each time, and `solution` shows the
//! reference solution once the exercise has passed.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use notify::{RecursiveMode, Watcher};
use threadlab_lessons::check::{self, Checking, Status, Verdict};
use threadlab_lessons::{Exercise, Lesson};

use crate::progress;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Exit statuses, as `threadlab run` uses them.
const PASSED: u8 = 0;
const NOT_YET: u8 = 1;
const USAGE: u8 = 2;

const GOOD: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)))
    .bold();
const BAD: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
const DIM: Style = Style::new().dimmed();
const TITLE: Style = Style::new().bold();

/// Lesson `number` and its exercise, or the message to print (usage error).
fn exercise_of(number: u32) -> Result<std::result::Result<(Lesson, Exercise), String>> {
    let Some(lesson) = threadlab_lessons::lesson(number)? else {
        return Ok(Err(format!(
            "there is no lesson {number}; `threadlab lessons` lists them"
        )));
    };
    match lesson.exercise.clone() {
        Some(exercise) => Ok(Ok((lesson, exercise))),
        None => Ok(Err(format!("lesson {number} has no exercise"))),
    }
}

macro_rules! exercise_or_usage {
    ($number:expr) => {
        match exercise_of($number)? {
            Ok(found) => found,
            Err(message) => {
                eprintln!("threadlab: {message}");
                return Ok(USAGE);
            }
        }
    };
}

/// `threadlab start N [DIR]`: writes the starter as DIR/<file>, never over existing work.
pub fn start(number: u32, dir: Option<PathBuf>, force: bool) -> Result<u8> {
    let (lesson, exercise) = exercise_or_usage!(number);
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    fs::create_dir_all(&dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let file = dir.join(&exercise.file_name);
    if file.exists() && !force {
        eprintln!(
            "threadlab: {} already exists, and it may hold your work; check it with \
             `threadlab check {number} {}`, or start again with `threadlab start {number} --force`",
            file.display(),
            file.display()
        );
        return Ok(NOT_YET);
    }
    fs::write(&file, &exercise.starter)
        .map_err(|err| format!("cannot write {}: {err}", file.display()))?;
    let mut record = progress::load()?;
    record.lesson(number).file = Some(fs::canonicalize(&file).unwrap_or(file.clone()));
    progress::save(&record)?;
    println!(
        "{TITLE}Lesson {number} exercise: {}{TITLE:#}\n",
        exercise.title
    );
    print!("{}", crate::lessons::render_markdown(&exercise.statement));
    println!(
        "\nYour file: {}\n\nRun it:    threadlab run {}\nCheck it:  threadlab check {number}   \
         (or `threadlab watch {number}` to check on every save)\nStuck?    threadlab hint {number}",
        file.display(),
        file.display()
    );
    let _ = lesson;
    Ok(PASSED)
}

/// The file to check: the one named, else the one `start` made, else `./<file>`.
fn working_file(number: u32, exercise: &Exercise, named: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(file) = named {
        return Ok(file);
    }
    let record = progress::load()?;
    if let Some(file) = record.lessons.get(&number).and_then(|l| l.file.clone()) {
        if file.exists() {
            return Ok(file);
        }
    }
    let here = PathBuf::from(&exercise.file_name);
    if here.exists() {
        return Ok(here);
    }
    Err(format!(
        "no {} here; make it with `threadlab start {number}`, or name your file: \
         `threadlab check {number} FILE.py`",
        exercise.file_name
    )
    .into())
}

/// `threadlab check N [FILE]`.
pub fn check(number: u32, file: Option<PathBuf>) -> Result<u8> {
    let (_, exercise) = exercise_or_usage!(number);
    let file = working_file(number, &exercise, file)?;
    check_file(number, &file)
}

fn check_file(number: u32, file: &Path) -> Result<u8> {
    let source =
        fs::read_to_string(file).map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    let display_name = file.file_name().map_or_else(
        || file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let bar = progress_bar();
    let started = Instant::now();
    let mut on_progress = |progress: check::Progress| {
        bar.set_length(progress.runs_planned as u64);
        bar.set_position(progress.runs_done as u64);
    };
    let mut checking = Checking::new(display_name.clone(), source, &mut on_progress);
    let verdict = check::check(number, &mut checking).ok_or("this lesson has no checker")?;
    bar.finish_and_clear();
    print_verdict(number, &display_name, file, &verdict, started.elapsed());
    if verdict.passed() {
        let mut record = progress::load()?;
        record.lesson(number).mark_passed();
        progress::save(&record)?;
        Ok(PASSED)
    } else {
        Ok(NOT_YET)
    }
}

/// Hidden when stderr is not a terminal (CI logs, pipes).
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("checking {bar:30} {pos}/{len} runs")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Columns a verdict is wrapped to, as the lessons are.
const WIDTH: usize = 78;

/// `text` wrapped to [`WIDTH`], every line indented by `indent` spaces.
fn indented(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > WIDTH
            {
                out.push(format!("{pad}{line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(format!("{pad}{line}"));
    }
    out.join("\n")
}

fn print_verdict(number: u32, name: &str, file: &Path, verdict: &Verdict, took: Duration) {
    let runs = match verdict.runs {
        1 => "1 run".to_owned(),
        runs => format!("{runs} runs"),
    };
    println!(
        "{TITLE}threadlab check {number}{TITLE:#}: {name} {DIM}({runs}, {:.1} s){DIM:#}\n",
        took.as_secs_f64()
    );
    for criterion in &verdict.criteria {
        let text = criterion.spec.text;
        match &criterion.status {
            Status::Passed(evidence) => {
                println!("  {GOOD}ok{GOOD:#}    {text}");
                println!("{DIM}{}{DIM:#}", indented(evidence, 8));
            }
            Status::Failed(seen) => {
                println!("  {BAD}FAIL{BAD:#}  {text}");
                println!("{}", indented(seen, 8));
                let hint = indented(&format!("hint: {}", criterion.spec.hint), 8);
                let hint = hint.replacen("hint:", &format!("{TITLE}hint:{TITLE:#}"), 1);
                println!("{hint}");
            }
            Status::NotReached => println!("  {DIM}--    {text} (not checked yet){DIM:#}"),
        }
    }
    if let Some(replay) = &verdict.replay {
        println!(
            "\nWatch the failing run again, step for step:\n    {}\n  {DIM}({}){DIM:#}",
            replay.command(&file.display().to_string()),
            replay.what_happened
        );
        if let Some(step) = replay.step_command(&file.display().to_string()) {
            println!("or be the scheduler yourself, from where it goes wrong:\n    {step}");
        }
    }
    if verdict.passed() {
        println!(
            "\n{GOOD}Passed!{GOOD:#} Compare with the reference: `threadlab solution {number}`."
        );
        if threadlab_lessons::lesson(number + 1)
            .ok()
            .flatten()
            .is_some()
        {
            println!("Next: `threadlab lesson {}`.", number + 1);
        }
    } else {
        let failed = verdict.failed().len();
        println!(
            "\n{BAD}Not yet:{BAD:#} {failed} of {} criteria failed. Edit the file and check again.",
            verdict.criteria.len()
        );
    }
}

/// `threadlab watch N [FILE]`: checks now, then after every save, until Ctrl-C.
pub fn watch(number: u32, file: Option<PathBuf>) -> Result<u8> {
    let (_, exercise) = exercise_or_usage!(number);
    let file = working_file(number, &exercise, file)?;
    let file = fs::canonicalize(&file).unwrap_or(file);
    // Editors often save by writing a new file and renaming it over the old one, which a
    // watch on the file itself would lose: watch its folder and pick out its events.
    let folder = file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let (events, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events)?;
    watcher.watch(&folder, RecursiveMode::NonRecursive)?;
    loop {
        if std::io::stdout().is_terminal() {
            // Clear the screen, so that the verdict on screen is always the latest one.
            print!("\x1b[2J\x1b[H");
        }
        check_file(number, &file)?;
        println!(
            "\n{DIM}Watching {} — save it to check again; Ctrl-C to stop.{DIM:#}",
            file.display()
        );
        wait_for_change(&changes, &file)?;
    }
}

/// Blocks until `file` changes, then lets a burst of events (one save is often several)
/// settle.
fn wait_for_change(
    changes: &mpsc::Receiver<notify::Result<notify::Event>>,
    file: &Path,
) -> Result<()> {
    let name = file.file_name();
    let concerns_file = |event: &notify::Event| {
        !event.kind.is_access() && event.paths.iter().any(|path| path.file_name() == name)
    };
    loop {
        let event = changes.recv().map_err(|_| "the file watcher stopped")??;
        if concerns_file(&event) {
            break;
        }
    }
    while changes.recv_timeout(Duration::from_millis(150)).is_ok() {}
    Ok(())
}

/// `threadlab hint N [--all]`: the next hint (all of them with `--all`).
pub fn hint(number: u32, all: bool) -> Result<u8> {
    let (_, exercise) = exercise_or_usage!(number);
    let mut record = progress::load()?;
    let lesson = record.lesson(number);
    let count = exercise.hints.len();
    let shown = if all {
        count
    } else {
        (lesson.hints_shown + 1).min(count)
    };
    for (index, hint) in exercise.hints.iter().enumerate().take(shown) {
        let style = if index + 1 == shown { TITLE } else { DIM };
        println!("{style}Hint {} of {count}:{style:#} {hint}\n", index + 1);
    }
    if shown < count {
        println!("{DIM}`threadlab hint {number}` again for the next one.{DIM:#}");
    }
    lesson.hints_shown = lesson.hints_shown.max(shown);
    progress::save(&record)?;
    Ok(PASSED)
}

/// `threadlab solution N [--force]`: the reference solution, once the exercise has passed.
pub fn solution(number: u32, force: bool) -> Result<u8> {
    let (_, exercise) = exercise_or_usage!(number);
    if !force && !progress::load()?.passed(number) {
        eprintln!(
            "threadlab: lesson {number}'s exercise has not passed yet; try `threadlab hint \
             {number}` first, or see the solution anyway with `threadlab solution {number} --force`"
        );
        return Ok(NOT_YET);
    }
    print!("{}", exercise.solution);
    Ok(PASSED)
}
