//! The thread timeline of a finished run, drawn in SVG from its trace: one lane per thread,
//! running, sleeping or blocked (and on what: hover a bar), with each thread's running and
//! waiting time, and the trace as Chrome JSON to download for Perfetto.

use std::sync::Arc;

use leptos::prelude::*;
use threadlab_core::trace::{Lane, State};

use crate::runner::RunTrace;

use crate::download::download_text;

/// SVG user units across the run; the drawing scales to the page's width.
const WIDTH: f64 = 1000.0;
const LANE_HEIGHT: f64 = 22.0;
const NAME_WIDTH: f64 = 170.0;
/// The narrowest bar drawn, in units.
const MIN_BAR: f64 = 0.5;
/// Beyond this many segments in a lane, those narrower than [`MIN_BAR`] merge into the bar
/// before them: a thread that blocks a million times would otherwise draw a million
/// rectangles. Below it every segment is drawn as it was, so the bars are exact.
const MAX_BARS: usize = 2000;

fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

fn class_of(state: &State) -> &'static str {
    match state {
        State::Running => "running",
        State::Sleeping => "sleeping",
        State::Blocked(_) => "blocked",
    }
}

fn describe(state: &State) -> String {
    match state {
        State::Running => "running".to_owned(),
        State::Sleeping => "sleeping".to_owned(),
        State::Blocked(on) => format!("waiting for {on}"),
    }
}

#[component]
pub fn Timeline(lanes: Arc<Vec<Lane>>, trace: Option<RunTrace>) -> impl IntoView {
    let start = lanes
        .iter()
        .filter_map(|lane| lane.segments.first())
        .map(|segment| segment.start.as_nanos())
        .min()
        .unwrap_or(0);
    let end = lanes
        .iter()
        .filter_map(|lane| lane.segments.last())
        .map(|segment| segment.end.as_nanos())
        .max()
        .unwrap_or(0);
    let span = (end - start).max(1) as f64;
    let scale = (WIDTH - NAME_WIDTH) / span;
    let height = LANE_HEIGHT * lanes.len() as f64 + 4.0;
    let truncated = trace.as_ref().is_some_and(|trace| trace.truncated());
    let rows = lanes
        .iter()
        .enumerate()
        .map(|(row, lane)| {
            let y = row as f64 * LANE_HEIGHT + 2.0;
            let mut bars: Vec<(f64, f64, &State, u64, u64)> = Vec::new();
            let merge = lane.segments.len() > MAX_BARS;
            for segment in &lane.segments {
                let (from, to) = (segment.start.as_nanos(), segment.end.as_nanos());
                let x = NAME_WIDTH + (from - start) as f64 * scale;
                let width = (to - from) as f64 * scale;
                match bars.last_mut() {
                    Some(last)
                        if merge && width < MIN_BAR && (last.0 + last.1 - x).abs() < MIN_BAR =>
                    {
                        last.1 = x + width - last.0;
                        last.4 = to;
                    }
                    _ => bars.push((x, width, &segment.state, from, to)),
                }
            }
            let name = lane.name.clone();
            let rects = bars
                .into_iter()
                .map(|(x, width, state, from, to)| {
                    let title = format!(
                        "{name}: {} from {:.6} s to {:.6} s",
                        describe(state),
                        seconds(from - start),
                        seconds(to - start)
                    );
                    view! {
                        <rect
                            class=class_of(state)
                            x=x
                            y=y + 3.0
                            width=width.max(MIN_BAR)
                            height=LANE_HEIGHT - 6.0
                            data-thread=lane.thread
                            data-start=from
                            data-end=to
                        >
                            <title>{title}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! {
                <g class="lane">
                    <text x="4" y=y + LANE_HEIGHT * 0.7>{lane.name.clone()}</text>
                    {rects}
                </g>
            }
        })
        .collect_view();
    let totals = lanes
        .iter()
        .map(|lane| {
            view! {
                <tr>
                    <td>{lane.name.clone()}</td>
                    <td>{format!("{:.4} s", seconds(lane.time_running()))}</td>
                    <td>{format!("{:.4} s", seconds(lane.time_waiting()))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="timeline">
            <summary>"Timeline"</summary>
            <svg
                viewBox=format!("0 0 {WIDTH} {height}")
                role="img"
                aria-label="When each thread ran and waited"
            >
                {rows}
            </svg>
            <p class="legend">
                <span class="key running"></span>"running "
                <span class="key sleeping"></span>"sleeping "
                <span class="key blocked"></span>"waiting for a lock, event, queue or thread"
                {truncated.then_some(" (the trace was cut: the program did too much to record)")}
            </p>
            <table class="totals">
                <thead>
                    <tr>
                        <th>"thread"</th>
                        <th>"running"</th>
                        <th>"waiting"</th>
                    </tr>
                </thead>
                <tbody>{totals}</tbody>
            </table>
            {trace.map(|trace| view! { <DownloadTrace trace=trace /> })}
        </details>
    }
}

/// A button that saves the trace as Chrome trace-event JSON (opens in ui.perfetto.dev).
#[component]
fn DownloadTrace(trace: RunTrace) -> impl IntoView {
    let trace = StoredValue::new(trace);
    let download = move |_| {
        let json = trace.with_value(RunTrace::chrome_json);
        download_text("trace.json", "application/json", &json);
    };
    view! { <button on:click=download>"Download trace"</button> }
}
