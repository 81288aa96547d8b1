//! `threadlab lessons` and `threadlab lesson N`: the course in the terminal.

use std::fmt::Write;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use threadlab_lessons::Lesson;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The list of lessons, each with where the learner stands on its exercise.
pub fn list() -> Result<String> {
    let lessons = threadlab_lessons::lessons()?;
    let progress = crate::progress::load()?;
    let mut out = String::from("threadlab: the course\n\n");
    for lesson in &lessons {
        let state = match progress.lessons.get(&lesson.number) {
            _ if progress.passed(lesson.number) => "exercise passed",
            Some(record) if record.file.is_some() => "exercise started",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {:>2}  {:<36} {} example{:<3} {state}",
            lesson.number,
            lesson.title,
            lesson.examples.len(),
            if lesson.examples.len() == 1 { "" } else { "s" }
        );
    }
    let passed = lessons
        .iter()
        .filter(|lesson| progress.passed(lesson.number))
        .count();
    let _ = writeln!(
        out,
        "\n{passed} of {} exercises passed. Read a lesson with `threadlab lesson N`; start its \
         exercise with `threadlab start N`.",
        lessons.len()
    );
    Ok(wrap(&out))
}

/// One lesson's text, its takeaways and its examples, for an 80-column terminal.
pub fn show(number: u32) -> Result<Option<String>> {
    let Some(lesson) = threadlab_lessons::lesson(number)? else {
        return Ok(None);
    };
    Ok(Some(render(&lesson)))
}

fn render(lesson: &Lesson) -> String {
    let mut out = render_markdown(&lesson.text);
    let mut takeaways = String::from("\nTAKEAWAYS\n");
    for takeaway in &lesson.takeaways {
        let _ = writeln!(takeaways, "  - {takeaway}");
    }
    out.push_str(&wrap(&takeaways));
    out.push_str("\nEXAMPLES\n");
    for example in &lesson.examples {
        let _ = writeln!(out, "\n  {}\n", example.name);
        for line in example.source.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    if let Some(exercise) = &lesson.exercise {
        let _ = writeln!(out, "\nEXERCISE: {}\n", exercise.title.to_uppercase());
        out.push_str(&render_markdown(&exercise.statement));
        let number = lesson.number;
        out.push_str(&wrap(&format!(
            "\nStart it with `threadlab start {number}`, check it with `threadlab check \
             {number}`, and ask for a hint with `threadlab hint {number}`.\n"
        )));
    }
    out
}

/// Columns the text is wrapped to: readable in an 80-column terminal.
const WIDTH: usize = 78;

/// Markdown as plain terminal text: headings in capitals, code indented, lists bulleted,
/// paragraphs wrapped to [`WIDTH`].
pub(crate) fn render_markdown(markdown: &str) -> String {
    wrap(&render_unwrapped(markdown))
}

fn render_unwrapped(markdown: &str) -> String {
    let mut out = String::new();
    let mut heading: Option<HeadingLevel> = None;
    let mut in_code = false;
    let mut list_depth = 0usize;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(level);
                if !out.is_empty() && !out.ends_with("\n\n") {
                    out.push('\n');
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                heading = None;
                out.push_str("\n\n");
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push('\n');
            }
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                out.push_str(&"  ".repeat(list_depth));
                out.push_str("- ");
            }
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::Paragraph) if list_depth == 0 => out.push_str("\n\n"),
            Event::Start(Tag::TableCell) => out.push_str("| "),
            Event::End(TagEnd::TableCell) => out.push(' '),
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => out.push_str("|\n"),
            Event::End(TagEnd::Table) => out.push('\n'),
            Event::Text(text) if in_code => {
                for line in text.lines() {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Event::Text(text) => match heading {
                Some(HeadingLevel::H1) | Some(HeadingLevel::H2) => {
                    out.push_str(&text.to_uppercase())
                }
                _ => out.push_str(&text),
            },
            Event::Code(code) => {
                out.push('`');
                out.push_str(&code);
                out.push('`');
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            _ => {}
        }
    }
    out.trim_start().to_owned()
}

/// Wraps every prose line to [`WIDTH`] columns; code (indented four spaces) and table rows keep
/// their lines. A wrapped list item continues under its text, not under its bullet.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("    ") || line.starts_with('|') || line.chars().count() <= WIDTH {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let continuation = if line.trim_start().starts_with("- ") {
            indent + 2
        } else {
            indent
        };
        let mut current = " ".repeat(indent);
        let mut empty = true;
        for word in line.split_whitespace() {
            if !empty && current.chars().count() + 1 + word.chars().count() > WIDTH {
                out.push_str(&current);
                out.push('\n');
                current = " ".repeat(continuation);
                empty = true;
            }
            if !empty {
                current.push(' ');
            }
            current.push_str(word);
            empty = false;
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}
