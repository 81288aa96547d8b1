//! Check, for an exercise: the verdict criterion by criterion, with hints; a Replay button
//! for a found race or deadlock, which reruns that seed, and Step through it, which opens
//! that run in step mode where it goes wrong; the reference solution once the
//! exercise has passed. Passes are kept in the browser's storage and shown in the lesson list.

use std::collections::BTreeSet;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use threadlab_lessons::check::{Replay, Status, Verdict};

use crate::runner::{RunningCheck, RunningProgram};

/// Where passed exercises are kept.
const PASSED_KEY: &str = "threadlab:passed";

/// The lessons whose exercise has passed, shared by the page (see [`provide_progress`]).
#[derive(Clone, Copy)]
pub struct Passed(pub RwSignal<BTreeSet<u32>>);

/// Puts the learner's progress in the app's context.
pub fn provide_progress() {
    let passed: BTreeSet<u32> = LocalStorage::get(PASSED_KEY).unwrap_or_default();
    provide_context(Passed(RwSignal::new(passed)));
}

impl Passed {
    fn mark(self, lesson: u32) {
        self.0.update(|passed| {
            passed.insert(lesson);
        });
        let _ = LocalStorage::set(PASSED_KEY, self.0.get_untracked());
    }
}

const POLL: std::time::Duration = std::time::Duration::from_millis(50);

#[component]
pub fn CheckPanel(
    lesson: u32,
    solution: String,
    file_name: String,
    text: ReadSignal<String>,
    running: ReadSignal<Option<RunningProgram>>,
    /// Reruns the program as the failing run ran: deterministic, with its seed and virtual cores.
    replay: Callback<Replay>,
    /// Opens this failing run in step mode, at its interesting point.
    step_through: Callback<Replay>,
) -> impl IntoView {
    let (checking, set_checking) = signal(None::<RunningCheck>);
    let (progress, set_progress) = signal((0usize, 0usize));
    let (verdict, set_verdict) = signal(None::<Result<Verdict, String>>);
    let (show_solution, set_show_solution) = signal(false);
    // Taken now: timer callbacks run outside the component, where there is no context.
    let progress_record = use_context::<Passed>();
    let passed =
        move || progress_record.is_some_and(|Passed(passed)| passed.get().contains(&lesson));
    let file_name = StoredValue::new(file_name);

    let check = move |_| {
        set_verdict.set(None);
        let check = match RunningCheck::start(lesson, &file_name.get_value(), &text.get_untracked())
        {
            Ok(check) => check,
            Err(message) => {
                set_verdict.set(Some(Err(message)));
                return;
            }
        };
        set_checking.set(Some(check.clone()));
        let handle = StoredValue::new(None::<IntervalHandle>);
        let poll = move || {
            set_progress.set(check.progress());
            if let Some(result) = check.verdict() {
                if let (Ok(verdict), Some(record)) = (&result, progress_record) {
                    if verdict.passed() {
                        record.mark(lesson);
                    }
                }
                set_verdict.set(Some(result));
                set_checking.set(None);
                if let Some(handle) = handle.get_value() {
                    handle.clear();
                }
            }
        };
        if let Ok(interval) = set_interval_with_handle(poll, POLL) {
            handle.set_value(Some(interval));
        }
    };

    view! {
        <div class="check">
            <div class="controls">
                <button
                    class="check-button"
                    on:click=check
                    disabled=move || checking.get().is_some() || running.get().is_some()
                >
                    "Check"
                </button>
                <Show when=move || checking.get().is_some()>
                    <progress
                        max=move || progress.get().1.max(1)
                        value=move || progress.get().0
                        aria-label="Checking"
                    ></progress>
                    <span class="summary">
                        {move || format!("{} of {} runs", progress.get().0, progress.get().1)}
                    </span>
                </Show>
                <Show when=passed>
                    <button on:click=move |_| set_show_solution.update(|shown| *shown = !*shown)>
                        {move || if show_solution.get() { "Hide solution" } else { "Show solution" }}
                    </button>
                </Show>
            </div>
            {move || verdict.get().map(|verdict| verdict_view(verdict, replay, step_through))}
            <Show when=move || show_solution.get() && passed()>
                <pre class="solution"><code>{solution.clone()}</code></pre>
            </Show>
        </div>
    }
}

fn verdict_view(
    verdict: Result<Verdict, String>,
    replay: Callback<Replay>,
    step_through: Callback<Replay>,
) -> impl IntoView {
    let verdict = match verdict {
        Ok(verdict) => verdict,
        Err(message) => return view! { <p class="error">{message}</p> }.into_any(),
    };
    let headline = if verdict.passed() {
        "Passed! Every criterion holds.".to_owned()
    } else {
        format!(
            "Not yet: {} of {} criteria failed.",
            verdict.failed().len(),
            verdict.criteria.len()
        )
    };
    let replay_view = verdict.replay.clone().map(|found| {
        let seed = found.seed;
        let failing = StoredValue::new(found.clone());
        view! {
            <p class="replay">
                {format!("Under seed {seed}, {} ", found.what_happened)}
                <button on:click=move |_| replay.run(failing.get_value())>"Replay that run"</button>
                // Step mode needs shared memory (see `single_worker`).
                {crate::single_worker::isolated()
                    .then(|| {
                        view! {
                            <button on:click=move |_| {
                                step_through.run(failing.get_value())
                            }>"Step through it"</button>
                        }
                    })}
            </p>
        }
    });
    view! {
        <section class="verdict" aria-live="polite">
            <p class=if verdict.passed() { "passed" } else { "failed" }>{headline}</p>
            <ul>
                {verdict
                    .criteria
                    .into_iter()
                    .map(|criterion| {
                        let (class, mark, detail, hint) = match criterion.status {
                            Status::Passed(evidence) => ("ok", "✓", evidence, None),
                            Status::Failed(seen) => {
                                ("fail", "✗", seen, Some(criterion.spec.hint))
                            }
                            Status::NotReached => {
                                ("skip", "–", "not checked yet".to_owned(), None)
                            }
                        };
                        view! {
                            <li class=class>
                                <span class="mark" aria-hidden="true">{mark}</span>
                                <strong>{criterion.spec.text}</strong>
                                <pre class="detail">{detail}</pre>
                                {hint.map(|hint| view! { <p class="hint">"Hint: " {hint}</p> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {replay_view}
        </section>
    }
    .into_any()
}
