//! Step mode on the page: the learner takes the scheduler's seat on the program in the editor.
//!
//! At every scheduling point the run pauses and the panel shows each thread (its state, and the
//! line it runs next, also marked in the editor in the thread's colour), the shared variables
//! those lines touch, and the output so far. The learner picks the thread that takes the next
//! step (its button, or its number key), one line or one instruction long, and can undo,
//! restart, let the seeded scheduler finish, save the steps and replay them. The session
//! itself lives on a worker (see [`crate::step_host`]).

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use threadlab_python::step::{End, Event, Goal, Granularity, Pause, RowState};

use crate::download::download_text;
use crate::editor::{EditorHandle, ThreadMark};
use crate::program::outcome_text;
use crate::step_host::{Request, Snapshot, StepHost, StepStart};

/// How often the page looks for the worker's news.
const POLL: std::time::Duration = std::time::Duration::from_millis(30);

/// Lost updates the end of a run lists one by one.
const SHOWN_LOST_UPDATES: usize = 3;

/// The colours of `cm-thread-N` in the stylesheet.
const COLOURS: usize = 6;

#[component]
pub fn StepPanel(
    name: String,
    text: String,
    start: StepStart,
    goals: Vec<Goal>,
    editor: EditorHandle,
    /// Where a saved schedule is kept, beside the program's own key.
    storage_key: String,
    on_close: Callback<()>,
) -> impl IntoView {
    let (snapshot, set_snapshot) = signal(None::<Snapshot>);
    let (problem, set_problem) = signal(None::<String>);
    let (waiting, set_waiting) = signal(true);
    let saved_key = StoredValue::new(format!("{storage_key}:steps"));
    let (saved, set_saved) = signal(LocalStorage::get::<String>(saved_key.get_value()).ok());
    // Each goal with why it was reached in this run, judged here from what the run shows.
    let reached = RwSignal::new(vec![None::<String>; goals.len()]);
    let judged = StoredValue::new(goals.clone());
    let host = StoredValue::new_local(match StepHost::start(&name, &text, start) {
        Ok(host) => Some(host),
        Err(message) => {
            set_problem.set(Some(message));
            None
        }
    });

    let send = move |request: Request| {
        if matches!(
            request,
            Request::Undo | Request::Restart | Request::Replay(_)
        ) {
            reached.update(|reached| reached.iter_mut().for_each(|why| *why = None));
        }
        host.with_value(|host| {
            if let Some(host) = host {
                set_waiting.set(true);
                set_problem.set(None);
                host.send(request);
            }
        });
    };
    let poll = move || {
        host.with_value(|host| {
            let Some(host) = host else { return };
            if waiting.get_untracked() && host.worker_died() {
                set_problem.set(Some(
                    "A Web Worker running this program stopped unexpectedly (out of memory?); \
                     close step mode and try again."
                        .to_owned(),
                ));
                set_waiting.set(false);
            }
            if let Some(problem) = host.problem() {
                set_problem.set(Some(problem));
                set_waiting.set(false);
            }
            if let Some(latest) = host.latest() {
                editor.mark_threads(&marks(&latest.event));
                judged.with_value(|goals| {
                    reached.update(|reached| judge(goals, &latest.event, reached))
                });
                set_snapshot.set(Some(latest));
                set_waiting.set(false);
            }
        });
    };
    if let Ok(interval) = set_interval_with_handle(poll, POLL) {
        on_cleanup(move || interval.clear());
    }
    on_cleanup(move || editor.mark_threads(&[]));

    let granularity = move || {
        snapshot
            .get()
            .map(|snapshot| snapshot.granularity)
            .unwrap_or_default()
    };
    let toggle_granularity = move || {
        send(Request::Granularity(match granularity() {
            Granularity::Line => Granularity::Instruction,
            Granularity::Instruction => Granularity::Line,
        }))
    };
    let paused = move || matches!(snapshot.get().map(|s| s.event), Some(Event::Paused(_)));
    let save = move |_| {
        if let Some(snapshot) = snapshot.get_untracked() {
            let _ = LocalStorage::set(saved_key.get_value(), &snapshot.saved);
            set_saved.set(Some(snapshot.saved.clone()));
            download_text("steps.txt", "text/plain", &snapshot.saved);
        }
    };
    let on_key = move |event: web_sys::KeyboardEvent| {
        if waiting.get_untracked() || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let key = event.key();
        match key.as_str() {
            "u" => send(Request::Undo),
            "r" => send(Request::Restart),
            "f" => send(Request::Finish),
            "e" => toggle_granularity(),
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                send(Request::Step(u32::from(digit.as_bytes()[0] - b'0')))
            }
            _ => return,
        }
        event.prevent_default();
    };

    view! {
        <section
            class="step-panel"
            tabindex="0"
            aria-label="Step mode: you are the scheduler"
            on:keydown=on_key
        >
            <header>
                <h3>"Step mode: you are the scheduler"</h3>
                <p class="help">
                    "Pick the thread that runs next (its button, or its number key). "
                    "u undo, r restart, f finish, e lines or instructions."
                </p>
            </header>
            <div class="controls">
                <button
                    class="granularity"
                    aria-pressed=move || (granularity() == Granularity::Instruction).to_string()
                    on:click=move |_| toggle_granularity()
                    disabled=move || waiting.get()
                >
                    {move || match granularity() {
                        Granularity::Line => "Each step: one line",
                        Granularity::Instruction => "Each step: one instruction",
                    }}
                </button>
                <button on:click=move |_| send(Request::Undo) disabled=move || waiting.get()>
                    "Undo"
                </button>
                <button on:click=move |_| send(Request::Restart) disabled=move || waiting.get()>
                    "Restart"
                </button>
                <button
                    on:click=move |_| send(Request::Finish)
                    disabled=move || waiting.get() || !paused()
                >
                    "Finish automatically"
                </button>
                <button on:click=save disabled=move || snapshot.get().is_none()>
                    "Save steps"
                </button>
                <button
                    on:click=move |_| {
                        if let Some(text) = saved.get_untracked() {
                            send(Request::Replay(text));
                        }
                    }
                    disabled=move || waiting.get() || saved.get().is_none()
                >
                    "Replay saved"
                </button>
                <button class="close" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </div>
            {(!goals.is_empty()).then(|| goals_view(goals.clone(), reached))}
            <p class="error">{move || problem.get()}</p>
            <Show when=move || waiting.get()>
                <p class="step-status running">"running…"</p>
            </Show>
            {move || snapshot.get().and_then(|snapshot| snapshot.note).map(|note| view! { <p class="note">{note}</p> })}
            {move || {
                snapshot
                    .get()
                    .map(|snapshot| match snapshot.event {
                        Event::Paused(pause) => {
                            pause_view(pause, waiting, move |thread| send(Request::Step(thread)))
                                .into_any()
                        }
                        Event::Ended(end) => end_view(end).into_any(),
                    })
            }}
        </section>
    }
}

/// Marks each goal that `event` reaches and was not reached before, with why.
fn judge(goals: &[Goal], event: &Event, reached: &mut [Option<String>]) {
    for (goal, why) in goals.iter().zip(reached.iter_mut()) {
        if why.is_none() {
            *why = match event {
                Event::Paused(pause) => goal.reached_at(pause),
                Event::Ended(end) => goal.reached_by(end),
            };
        }
    }
}

fn goals_view(goals: Vec<Goal>, reached: RwSignal<Vec<Option<String>>>) -> impl IntoView {
    let items = goals
        .into_iter()
        .enumerate()
        .map(|(index, goal)| {
            let why = move || reached.with(|reached| reached.get(index).cloned().flatten());
            view! {
                <li class:reached=move || why().is_some()>
                    <span class="mark" aria-hidden="true">
                        {move || if why().is_some() { "★" } else { "☆" }}
                    </span>
                    {format!("Goal: {goal}")}
                    {move || why().map(|why| view! { <strong class="celebrate">" Reached! " {why}</strong> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="goals" aria-live="polite">{items}</ul> }
}

/// Where each thread is, for the editor: a paused run's threads that have a next line.
fn marks(event: &Event) -> Vec<ThreadMark> {
    let Event::Paused(pause) = event else {
        return Vec::new();
    };
    pause
        .threads
        .iter()
        .enumerate()
        .filter_map(|(index, row)| {
            Some(ThreadMark {
                line: row.line?,
                colour: index % COLOURS,
                name: row.name.clone(),
            })
        })
        .collect()
}

fn pause_view(
    pause: Pause,
    waiting: ReadSignal<bool>,
    step: impl Fn(u32) + Copy + 'static,
) -> impl IntoView {
    let rows = pause
        .threads
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let num = row.num;
            let runnable = row.runnable;
            let next = match (&row.line, &row.source) {
                (Some(line), Some(source)) => format!("line {line}: {source}"),
                (Some(line), None) => format!("line {line}"),
                _ => String::new(),
            };
            let state_class = match row.state {
                RowState::Runnable => "runnable",
                RowState::Blocked { .. } => "blocked",
                RowState::Sleeping { .. } => "sleeping",
                RowState::Finished => "finished",
            };
            view! {
                <tr class=state_class class:current=num == pause.current>
                    <td>
                        <span class=format!("swatch cm-thread-{}", index % COLOURS)></span>
                        {format!("[{num}] {}", row.name)}
                    </td>
                    <td class="state">{row.state.to_string()}</td>
                    <td class="next">
                        <code>{next}</code>
                        {row.instruction.clone().map(|instruction| view! { <code class="instruction">{instruction}</code> })}
                    </td>
                    <td>
                        <button
                            class="step-thread"
                            data-thread=num
                            on:click=move |_| step(num)
                            disabled=move || waiting.get() || !runnable
                        >
                            {format!("Step {num}")}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let variables = pause
        .variables
        .iter()
        .map(|variable| format!("{} = {}", variable.name, variable.value))
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <table class="threads">
            <thead>
                <tr>
                    <th>"thread"</th>
                    <th>"state"</th>
                    <th>"next"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="step-status">
            {format!("step {}, t = {:.3} s (virtual)", pause.step, pause.now)}
        </p>
        {(!variables.is_empty()).then(|| view! { <pre class="variables">{variables}</pre> })}
        {pause.note.map(|note| view! { <p class="note">{note}</p> })}
        {(!pause.output.is_empty())
            .then(|| {
                view! {
                    <p class="step-status">"Printed so far:"</p>
                    <pre class="output" aria-live="polite">{pause.output}</pre>
                }
            })}
    }
}

fn end_view(end: End) -> impl IntoView {
    let names = |num| end.thread_name(num);
    // A loop that races loses hundreds of updates: name a few, count the rest.
    let mut lost: Vec<String> = end
        .lost_updates
        .iter()
        .take(SHOWN_LOST_UPDATES)
        .map(|lost| lost.describe(&names))
        .collect();
    if end.lost_updates.len() > SHOWN_LOST_UPDATES {
        lost.push(format!(
            "and {} more lost updates",
            end.lost_updates.len() - SHOWN_LOST_UPDATES
        ));
    }
    let globals = end
        .globals
        .iter()
        .map(|variable| format!("{} = {}", variable.name, variable.value))
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <p class="step-end">
            {format!("The program {} after {} steps.", outcome_text(&end.outcome), end.steps)}
        </p>
        {end
            .deadlock
            .as_ref()
            .map(|deadlock| view! { <pre class="deadlock">{deadlock.text().to_owned()}</pre> })}
        {(!lost.is_empty()).then(|| view! { <p class="lost">{lost.join("; ")}</p> })}
        {(!globals.is_empty()).then(|| view! { <pre class="variables">{globals}</pre> })}
        <pre class="output">{end.output.clone()}</pre>
    }
}
