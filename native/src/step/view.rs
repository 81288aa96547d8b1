//! `threadlab step`'s screen: the threads with their state and next line, the shared variables,
//! the output so far and the keys, each line cut to fit an 80-column terminal.

use std::fmt::Write;

use threadlab_python::step::{End, Granularity, Pause, RowState};

/// The widest line drawn.
pub const WIDTH: usize = 79;

/// Lines of program output shown at a pause (the end shows it all).
const OUTPUT_LINES: usize = 6;

pub const KEYS: &str =
    "keys: number = step that thread, e = lines/instructions, u = undo, f = finish, \
     r = restart, s = save, q = quit";

/// The screen of a pause; `keys` adds the line of keys (a terminal redraws the whole screen
/// each time; a script's transcript says them once).
/// The keys, wrapped to the width.
pub fn keys() -> String {
    let mut out = String::new();
    wrap(&mut out, KEYS);
    out
}

pub fn pause(pause: &Pause, granularity: Granularity, reached: &[String], keys: bool) -> String {
    let mut out = String::new();
    let unit = match granularity {
        Granularity::Line => "a line",
        Granularity::Instruction => "an instruction",
    };
    rule(
        &mut out,
        &format!(
            "step {} · t={:.1} s · each step runs {unit}",
            pause.step, pause.now
        ),
    );
    for row in &pause.threads {
        let marker = if row.num == pause.current { '>' } else { ' ' };
        push(
            &mut out,
            &format!("{marker}[{}] {}: {}", row.num, row.name, row.state),
        );
        if row.state == RowState::Finished {
            continue;
        }
        let next = match (&row.line, &row.source) {
            (Some(line), Some(source)) => format!("line {line}: {source}"),
            _ => "(not started yet)".to_owned(),
        };
        let next = match (granularity, &row.instruction) {
            (Granularity::Instruction, Some(instruction)) if row.line.is_some() => {
                format!("{next}  [{instruction}]")
            }
            _ => next,
        };
        push(&mut out, &format!("      next {next}"));
    }
    if !pause.variables.is_empty() {
        let shared: Vec<String> = pause
            .variables
            .iter()
            .map(|v| format!("{} = {}", v.name, v.value))
            .collect();
        push(&mut out, &format!("  shared: {}", shared.join(", ")));
    }
    output(&mut out, &pause.output, OUTPUT_LINES);
    if let Some(note) = &pause.note {
        push(&mut out, &format!("  note: {note}"));
    }
    goals(&mut out, reached);
    let runnable: Vec<String> = pause.runnable().iter().map(u32::to_string).collect();
    push(&mut out, &format!("  can run: {}", runnable.join(", ")));
    if keys {
        wrap(&mut out, KEYS);
    }
    out
}

pub fn end(end: &End, reached: &[String]) -> String {
    let mut out = String::new();
    rule(
        &mut out,
        &format!("the program ended after {} steps", end.steps),
    );
    output(&mut out, &end.output, usize::MAX);
    if let Some(report) = &end.deadlock {
        wrap(&mut out, &format!("  deadlock: {report}"));
    }
    // A loop that races loses hundreds of updates: name a few, count the rest.
    const SHOWN: usize = 3;
    let names = |num| end.thread_name(num);
    for lost in end.lost_updates.iter().take(SHOWN) {
        wrap(&mut out, &format!("  {}", lost.describe(&names)));
    }
    if end.lost_updates.len() > SHOWN {
        wrap(
            &mut out,
            &format!("  and {} more lost updates", end.lost_updates.len() - SHOWN),
        );
    }
    goals(&mut out, reached);
    wrap(
        &mut out,
        "keys: u = undo the last step, r = restart, s = save, q = quit",
    );
    out
}

fn goals(out: &mut String, reached: &[String]) {
    for why in reached {
        wrap(out, &format!("  * goal reached: {why}"));
    }
}

fn output(out: &mut String, text: &str, keep: usize) {
    if text.is_empty() {
        push(out, "  output: (nothing yet)");
        return;
    }
    push(out, "  output:");
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > keep {
        push(
            out,
            &format!("    ... ({} lines before)", lines.len() - keep),
        );
    }
    for line in &lines[lines.len().saturating_sub(keep)..] {
        push(out, &format!("    | {line}"));
    }
}

fn rule(out: &mut String, title: &str) {
    let title = format!("-- {title} ");
    let fill = WIDTH.saturating_sub(title.chars().count());
    push(out, &format!("{title}{}", "-".repeat(fill)));
}

/// One line, cut to the width with `…` when it is longer.
fn push(out: &mut String, line: &str) {
    if line.chars().count() > WIDTH {
        let cut: String = line.chars().take(WIDTH - 1).collect();
        let _ = writeln!(out, "{cut}…");
    } else {
        let _ = writeln!(out, "{line}");
    }
}

/// A long line broken at spaces, continuation lines indented.
pub fn wrap(out: &mut String, text: &str) {
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            push(out, &line);
            line = "    ".to_owned();
        }
        if !line.is_empty() && !line.ends_with("    ") {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        push(out, &line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_fits_in_80_columns() {
        let mut out = String::new();
        wrap(&mut out, &"word ".repeat(60));
        push(&mut out, &"x".repeat(200));
        assert!(
            out.lines().all(|line| line.chars().count() <= WIDTH),
            "{out}"
        );
        assert!(out.lines().count() > 3);
    }
}
