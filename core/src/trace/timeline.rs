//! A compact per-thread text timeline, readable in an 80-column terminal:
//!
//! ```text
//! MainThread         |██▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒█|
//! Thread-1 (worker)  |  ████████████████████████████████████      |
//! ```
//! `█` running, `▒` blocked, blank not alive. Each column is one slice of the run's clock; a
//! column shows running when the thread ran for any part of it.

use std::collections::BTreeMap;

use super::{running_spans, EventKind, Span, TraceEvent};
use crate::time::Time;

const NAME_WIDTH: usize = 18;

pub(super) fn render(events: &[TraceEvent], width: usize) -> String {
    let width = width.max(10);
    let end = events
        .iter()
        .map(|event| event.at)
        .max()
        .unwrap_or(Time::ZERO);
    let start = events
        .iter()
        .map(|event| event.at)
        .min()
        .unwrap_or(Time::ZERO);
    let total = (end.as_nanos() - start.as_nanos()).max(1);
    let column_of = |t: Time| {
        (((t.as_nanos() - start.as_nanos()) as u128 * width as u128) / total as u128) as usize
    };

    let mut names = BTreeMap::new();
    for event in events {
        if let EventKind::ThreadStart { name } = &event.kind {
            names.insert(event.thread, name.clone());
        }
    }
    let mut out = String::new();
    for (thread, name) in names {
        let own = || events.iter().filter(move |event| event.thread == thread);
        let alive = lifetime(own(), end);
        let running = running_spans(own(), end);
        let mut row = vec![' '; width + 1];
        if let Some(alive) = alive {
            for cell in &mut row[column_of(alive.start)..=column_of(alive.end).min(width)] {
                *cell = '▒';
            }
        }
        for span in running {
            for cell in &mut row[column_of(span.start)..=column_of(span.end).min(width)] {
                *cell = '█';
            }
        }
        let mut label: String = name.chars().take(NAME_WIDTH).collect();
        while label.chars().count() < NAME_WIDTH {
            label.push(' ');
        }
        out.push_str(&label);
        out.push('|');
        out.extend(row);
        out.push_str("|\n");
    }
    out.push_str(&format!(
        "{:NAME_WIDTH$} 0 s{:>w$}\n",
        "",
        format!("{}", Time::from_nanos(total)),
        w = width - 2
    ));
    out.push_str(&format!("{:NAME_WIDTH$} █ running  ▒ blocked\n", ""));
    out
}

fn lifetime<'a>(events: impl Iterator<Item = &'a TraceEvent>, end: Time) -> Option<Span> {
    let mut start = None;
    let mut stop = end;
    for event in events {
        match event.kind {
            EventKind::ThreadStart { .. } => start = Some(event.at),
            EventKind::ThreadEnd => stop = event.at,
            _ => {}
        }
    }
    start.map(|start| Span { start, end: stop })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::WaitFor;

    #[test]
    fn draws_running_and_blocked_cells() {
        let ms = |n: u64| Time::from_nanos(n * 1_000_000);
        let events = vec![
            TraceEvent {
                at: ms(0),
                thread: 0,
                kind: EventKind::ThreadStart {
                    name: "MainThread".into(),
                },
            },
            TraceEvent {
                at: ms(0),
                thread: 0,
                kind: EventKind::Block { on: WaitFor::Sleep },
            },
            TraceEvent {
                at: ms(10),
                thread: 0,
                kind: EventKind::Unblock { timed_out: true },
            },
            TraceEvent {
                at: ms(10),
                thread: 0,
                kind: EventKind::ThreadEnd,
            },
        ];
        let text = render(&events, 20);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("MainThread"));
        assert!(first.contains('▒'));
        assert_eq!(text.lines().count(), 3);
    }
}
