//! A runnable program on the page: its code, Run and Stop, a mode selector, the output as it
//! is printed, and the run's timing.

use leptos::prelude::*;
use threadlab_core::Mode;
use threadlab_python::{Outcome, Stream};

use crate::runner::{Finished, RunningProgram};

/// How often the page collects output from a running program.
const POLL: std::time::Duration = std::time::Duration::from_millis(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModeChoice {
    Parallel,
    Gil,
    Deterministic,
}

impl ModeChoice {
    fn mode(self, seed: u64) -> Mode {
        match self {
            ModeChoice::Parallel => Mode::Parallel,
            ModeChoice::Gil => Mode::gil(),
            ModeChoice::Deterministic => Mode::det(seed),
        }
    }
}

impl ModeChoice {
    fn of(mode: &Mode) -> (ModeChoice, u64) {
        match mode {
            Mode::Parallel => (ModeChoice::Parallel, 0),
            Mode::Gil { .. } => (ModeChoice::Gil, 0),
            Mode::Deterministic { seed, .. } => (ModeChoice::Deterministic, *seed),
        }
    }

    fn value(self) -> &'static str {
        match self {
            ModeChoice::Parallel => "parallel",
            ModeChoice::Gil => "gil",
            ModeChoice::Deterministic => "det",
        }
    }
}

/// `mode` is where the program starts: an example whose output depends on timing is shown in
/// deterministic mode with its seed, so it prints what the lesson says it prints.
#[component]
pub fn RunnableProgram(name: String, source: String, mode: Mode) -> impl IntoView {
    let (output, set_output) = signal(Vec::<(Stream, String)>::new());
    let (running, set_running) = signal(None::<RunningProgram>);
    let (summary, set_summary) = signal(None::<Finished>);
    let (initial_mode, initial_seed) = ModeChoice::of(&mode);
    let (mode, set_mode) = signal(initial_mode);
    let (seed, set_seed) = signal(initial_seed);
    let (problem, set_problem) = signal(None::<String>);
    let program_name = name.clone();
    let program_source = source.clone();

    let run = move |_| {
        set_output.set(Vec::new());
        set_summary.set(None);
        set_problem.set(None);
        let program = match RunningProgram::start(
            &program_name,
            &program_source,
            mode.get().mode(seed.get()),
        ) {
            Ok(program) => program,
            Err(message) => {
                set_problem.set(Some(message));
                return;
            }
        };
        set_running.set(Some(program.clone()));
        let handle = StoredValue::new(None::<IntervalHandle>);
        let poll = move || {
            let chunks = program.drain();
            if !chunks.is_empty() {
                set_output.update(|output| {
                    output.extend(chunks.into_iter().map(|chunk| (chunk.stream, chunk.text)))
                });
            }
            if let Some(finished) = program.finished() {
                // Output printed just before the end arrives before `finished` does.
                let rest = program.drain();
                set_output.update(|output| {
                    output.extend(rest.into_iter().map(|chunk| (chunk.stream, chunk.text)))
                });
                set_summary.set(Some(finished));
                set_running.set(None);
                if let Some(handle) = handle.get_value() {
                    handle.clear();
                }
            }
        };
        match set_interval_with_handle(poll, POLL) {
            Ok(interval) => handle.set_value(Some(interval)),
            Err(error) => set_problem.set(Some(format!("{error:?}"))),
        }
    };
    let stop = move |_| {
        if let Some(program) = running.get_untracked() {
            program.stop();
        }
    };

    view! {
        <figure class="program">
            <figcaption>{name}</figcaption>
            <pre class="code"><code>{source}</code></pre>
            <div class="controls">
                <button class="run" on:click=run disabled=move || running.get().is_some()>
                    "Run"
                </button>
                <button class="stop" on:click=stop disabled=move || running.get().is_none()>
                    "Stop"
                </button>
                <label>
                    "Mode "
                    <select on:change=move |event| {
                        set_mode
                            .set(
                                match event_target_value(&event).as_str() {
                                    "gil" => ModeChoice::Gil,
                                    "det" => ModeChoice::Deterministic,
                                    _ => ModeChoice::Parallel,
                                },
                            )
                    }>
                        {[
                            (ModeChoice::Parallel, "parallel (no GIL)"),
                            (ModeChoice::Gil, "GIL"),
                            (ModeChoice::Deterministic, "deterministic"),
                        ]
                            .into_iter()
                            .map(|(choice, label)| {
                                view! {
                                    <option value=choice.value() selected=choice == initial_mode>
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class:hidden=move || mode.get() != ModeChoice::Deterministic>
                    "seed "
                    <input
                        type="number"
                        min="0"
                        prop:value=move || seed.get().to_string()
                        on:change=move |event| {
                            set_seed.set(event_target_value(&event).parse().unwrap_or(0))
                        }
                    />
                </label>
            </div>
            <pre class="output" aria-live="polite">
                {move || {
                    output
                        .get()
                        .into_iter()
                        .map(|(stream, text)| {
                            let class = if stream == Stream::Stderr { "stderr" } else { "stdout" };
                            view! { <span class=class>{text}</span> }
                        })
                        .collect_view()
                }}
            </pre>
            <p class="summary">{move || summary.get().map(|finished| describe(&finished))}</p>
            <p class="error">{move || problem.get()}</p>
        </figure>
    }
}

fn describe(finished: &Finished) -> String {
    let how = match &finished.outcome {
        Outcome::Completed => "finished".to_owned(),
        Outcome::Exited(code) => format!("exited with status {code}"),
        Outcome::UncaughtException => "ended with an uncaught exception".to_owned(),
        Outcome::SyntaxError => "has a syntax error".to_owned(),
        Outcome::Stopped(reason) => format!("stopped ({reason})"),
        Outcome::InternalError => "hit an internal error".to_owned(),
    };
    format!(
        "{how} in {:.3} s wall time, {} instructions, {} mode",
        finished.elapsed.as_secs_f64(),
        finished.instructions,
        finished.mode
    )
}
