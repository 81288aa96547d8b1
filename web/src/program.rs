//! A runnable program on the page: its code in an editor (kept in the browser's storage on
//! every change), Run (or Ctrl/Cmd-Enter), Stop and Reset, a mode selector, the output as it is
//! printed, and the run's timing.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use threadlab_core::{Mode, StopReason, VirtualCpu};
use threadlab_lessons::check::Replay;
use threadlab_lessons::Comparison;
use threadlab_python::step::Goal;
use threadlab_python::{Outcome, Stream};

use crate::check::CheckPanel;
use crate::editor::{CodeEditor, EditorHandle};
use crate::output::{OutputLog, KEPT_BYTES};
use crate::runner::{Finished, RunningProgram};
use crate::single_worker;
use crate::step::StepPanel;
use crate::step_host::StepStart;
use crate::timeline::Timeline;

/// How often the page collects output from a running program.
const POLL: std::time::Duration = std::time::Duration::from_millis(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModeChoice {
    Parallel,
    Gil,
    Deterministic,
}

impl ModeChoice {
    /// The mode to run in; `seed` and `cpu` matter in deterministic mode only.
    fn mode(self, seed: u64, cpu: VirtualCpu) -> Mode {
        match self {
            ModeChoice::Parallel => Mode::Parallel,
            ModeChoice::Gil => Mode::gil(),
            ModeChoice::Deterministic => Mode::det_with_cpu(seed, cpu),
        }
    }
}

impl ModeChoice {
    /// The choices that give `mode`; a mode that is not deterministic leaves seed 0 and the
    /// course's virtual cores ready for when the learner switches.
    fn of(mode: &Mode) -> (ModeChoice, u64, VirtualCpu) {
        let course_cores = VirtualCpu::Cores(threadlab_lessons::VIRTUAL_CORES);
        match mode {
            Mode::Parallel => (ModeChoice::Parallel, 0, course_cores),
            Mode::Gil { .. } => (ModeChoice::Gil, 0, course_cores),
            Mode::Deterministic { seed, cpu, .. } => (ModeChoice::Deterministic, *seed, *cpu),
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

/// What a deterministic run's CPU can be, as the page offers it.
const CPU_CHOICES: [(VirtualCpu, &str); 5] = [
    (VirtualCpu::Cores(1), "1 core"),
    (VirtualCpu::Cores(2), "2 cores"),
    (VirtualCpu::Cores(4), "4 cores"),
    (VirtualCpu::Cores(8), "8 cores"),
    (VirtualCpu::Free, "free"),
];

/// The `<option>` value of `cpu`: its cores, or `free`.
fn cpu_value(cpu: VirtualCpu) -> String {
    cpu.cores()
        .map_or_else(|| "free".to_owned(), |cores| cores.to_string())
}

fn cpu_of(value: &str) -> VirtualCpu {
    VirtualCpu::from_cores(value.parse().ok())
}

/// `mode` is where the program starts: an example whose output depends on timing is shown in
/// deterministic mode with its seed, so it prints what the lesson says it prints.
/// `storage_key` names where the learner's edits are kept.
#[component]
pub fn RunnableProgram(
    name: String,
    source: String,
    mode: Mode,
    storage_key: String,
    /// For an exercise: its lesson (the checker) and reference solution.
    #[prop(optional)]
    exercise: Option<(u32, String)>,
    /// For an exercise that times one way against another: the times to set side by side.
    #[prop(optional)]
    comparisons: Vec<Comparison>,
    /// Goals step mode sets for this program ("lose an update", "reach a deadlock").
    #[prop(optional)]
    step_goals: Vec<Goal>,
) -> impl IntoView {
    let (output, set_output) = signal(OutputLog::default());
    let (running, set_running) = signal(None::<RunningProgram>);
    let (summary, set_summary) = signal(None::<Finished>);
    let (mut initial_mode, initial_seed, initial_cpu) = ModeChoice::of(&mode);
    // Without isolation every run is deterministic, on one worker (see `single_worker`).
    let isolated = single_worker::isolated();
    if !isolated {
        initial_mode = ModeChoice::Deterministic;
    }
    let (mode, set_mode) = signal(initial_mode);
    let (seed, set_seed) = signal(initial_seed);
    let (cpu, set_cpu) = signal(initial_cpu);
    let (problem, set_problem) = signal(None::<String>);
    let (stepping, set_stepping) = signal(None::<StepStart>);
    let saved: Option<String> = LocalStorage::get(&storage_key).ok();
    let initial_text = saved.unwrap_or_else(|| source.clone());
    let (text, set_text) = signal(initial_text.clone());
    let original = StoredValue::new(source);
    let key = StoredValue::new(storage_key);
    let program_name = StoredValue::new(name.clone());
    let editor = EditorHandle::new();

    let on_change = Callback::new(move |new_text: String| {
        // Storage may be full or off (a private window): the edit still stands on the page.
        let _ = LocalStorage::set(key.get_value(), &new_text);
        set_text.set(new_text);
    });
    let run = move || {
        if running.get_untracked().is_some() {
            return;
        }
        set_output.set(OutputLog::default());
        set_summary.set(None);
        set_problem.set(None);
        editor.mark_line(0);
        let chosen = mode
            .get_untracked()
            .mode(seed.get_untracked(), cpu.get_untracked());
        let program =
            match RunningProgram::start(&program_name.get_value(), &text.get_untracked(), chosen) {
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
                    for chunk in chunks {
                        output.push(chunk.stream, &chunk.text);
                    }
                });
            }
            if let Some(finished) = program.finished() {
                // Output printed just before the end arrives before `finished` does.
                let rest = program.drain();
                set_output.update(|output| {
                    for chunk in rest {
                        output.push(chunk.stream, &chunk.text);
                    }
                });
                if let Some(line) = error_line(&program_name.get_value(), &output.get_untracked()) {
                    editor.mark_line(line);
                }
                set_summary.set(Some(finished));
                set_running.set(None);
                if let Some(handle) = handle.get_value() {
                    handle.clear();
                }
            } else if program.worker_died() {
                program.stop();
                set_problem.set(Some(
                    "A Web Worker running this program stopped unexpectedly: it probably ran \
                     out of memory (the page has at most 1 GiB). The run cannot finish; \
                     reload the page to start afresh."
                        .to_owned(),
                ));
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
    let reset = move |_| {
        let confirmed = web_sys::window()
            .and_then(|window| {
                window
                    .confirm_with_message("Put the original program back? Your edits will be lost.")
                    .ok()
            })
            .unwrap_or(false);
        if confirmed {
            editor.set_text(&original.get_value());
            LocalStorage::delete(key.get_value());
        }
    };
    let on_run = Callback::new(move |()| run());
    let check_panel = exercise.map(|(lesson, solution)| {
        view! {
            <CheckPanel
                lesson=lesson
                solution=solution
                file_name=program_name.get_value()
                text=text
                running=running
                replay=Callback::new(move |failing: Replay| {
                    set_stepping.set(None);
                    set_mode.set(ModeChoice::Deterministic);
                    set_seed.set(failing.seed);
                    set_cpu.set(VirtualCpu::from_cores(failing.virtual_cores));
                    run();
                })
                step_through=Callback::new(move |failing: Replay| {
                    set_stepping.set(Some(StepStart::FailingRun(failing)));
                })
            />
        }
    });

    // The lesson's text links to its examples by name.
    let figure_id = name.clone();
    view! {
        <figure class="program" id=figure_id>
            <figcaption>{name}</figcaption>
            {(!step_goals.is_empty())
                .then(|| {
                    let goals = step_goals
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                    view! {
                        <p class="step-goals">
                            "Press Step and be the scheduler: try to " {goals} "."
                        </p>
                    }
                })}
            <CodeEditor initial=initial_text on_change=on_change on_run=on_run handle=editor />
            <div class="controls">
                <button
                    class="run"
                    title="Run (Ctrl+Enter)"
                    on:click=move |_| run()
                    disabled=move || running.get().is_some() || stepping.get().is_some()
                >
                    "Run"
                </button>
                <button
                    class="step"
                    title=if isolated {
                        "Run it yourself, choosing the thread that goes next"
                    } else {
                        "Step needs a cross-origin isolated page (see the notice at the top)"
                    }
                    on:click=move |_| {
                        set_stepping
                            .set(
                                Some(StepStart::Beginning {
                                    seed: seed.get_untracked(),
                                    cpu: cpu.get_untracked(),
                                }),
                            )
                    }
                    disabled=move || {
                        !isolated || running.get().is_some() || stepping.get().is_some()
                    }
                >
                    "Step"
                </button>
                <button class="stop" on:click=stop disabled=move || running.get().is_none()>
                    "Stop"
                </button>
                <button
                    class="reset"
                    on:click=reset
                    disabled=move || {
                        running.get().is_some() || original.with_value(|o| text.get() == *o)
                    }
                >
                    "Reset"
                </button>
                <label>
                    "Mode "
                    <select
                        prop:value=move || mode.get().value()
                        on:change=move |event| {
                        set_mode
                            .set(
                                match event_target_value(&event).as_str() {
                                    "gil" => ModeChoice::Gil,
                                    "det" => ModeChoice::Deterministic,
                                    _ => ModeChoice::Parallel,
                                },
                            )
                        }
                    >
                        {[
                            (ModeChoice::Parallel, "parallel (no GIL)"),
                            (ModeChoice::Gil, "GIL"),
                            (ModeChoice::Deterministic, "deterministic"),
                        ]
                            .into_iter()
                            .map(|(choice, label)| {
                                view! {
                                    <option
                                        value=choice.value()
                                        selected=choice == initial_mode
                                        disabled=!isolated && choice != ModeChoice::Deterministic
                                    >
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
                <label
                    class:hidden=move || mode.get() != ModeChoice::Deterministic
                    title="Deterministic runs take virtual time. On virtual cores, running code takes time too, shared as on a machine with that many cores; with free CPU only sleeps move the clock, and the timeline shows no running."
                >
                    "virtual CPU "
                    <select
                        prop:value=move || cpu_value(cpu.get())
                        on:change=move |event| set_cpu.set(cpu_of(&event_target_value(&event)))
                    >
                        {CPU_CHOICES
                            .into_iter()
                            .map(|(choice, label)| {
                                view! {
                                    <option
                                        value=cpu_value(choice)
                                        selected=choice == initial_cpu
                                    >
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            {move || {
                stepping
                    .get()
                    .map(|start| {
                        view! {
                            <StepPanel
                                name=program_name.get_value()
                                text=text.get_untracked()
                                start=start
                                goals=step_goals.clone()
                                editor=editor
                                storage_key=key.get_value()
                                on_close=Callback::new(move |()| set_stepping.set(None))
                            />
                        }
                    })
            }}
            <pre class="output" aria-live="polite">
                {move || {
                    output
                        .with(|output| {
                            let dropped = output.dropped_lines();
                            let note = (dropped > 0)
                                .then(|| {
                                    view! {
                                        <span class="dropped">
                                            {format!(
                                                "… {dropped} earlier lines not shown (the page keeps the last {} KB)\n",
                                                KEPT_BYTES / 1024,
                                            )}
                                        </span>
                                    }
                                });
                            let runs = output
                                .runs()
                                .map(|(stream, text)| {
                                    let class = if *stream == Stream::Stderr {
                                        "stderr"
                                    } else {
                                        "stdout"
                                    };
                                    view! { <span class=class>{text.clone()}</span> }
                                })
                                .collect_view();
                            (note, runs)
                        })
                }}
            </pre>
            <p class="summary">{move || summary.get().map(|finished| describe(&finished))}</p>
            {move || {
                summary
                    .get()
                    .map(|_| {
                        let printed = printed_text(&output.get());
                        comparisons
                            .iter()
                            .filter_map(|comparison| comparison.describe(&printed))
                            .map(|line| view! { <p class="summary comparison">{line}</p> })
                            .collect_view()
                    })
            }}
            {move || {
                summary
                    .get()
                    .map(|finished| view! { <Timeline lanes=finished.lanes trace=finished.trace /> })
            }}
            <p class="error">{move || problem.get()}</p>
            {check_panel}
        </figure>
    }
}

/// The line of `name` an error points at: the last `File "name", line N` of the traceback or
/// syntax error, which is where the learner should look.
fn error_line(name: &str, output: &OutputLog) -> Option<u32> {
    let marker = format!("File \"{name}\", line ");
    output
        .runs()
        .filter(|(stream, _)| *stream == Stream::Stderr)
        .flat_map(|(_, text)| text.lines())
        .filter_map(|line| line.trim_start().strip_prefix(marker.as_str()))
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .next_back()
}

/// What the program printed to stdout, as one text.
fn printed_text(output: &OutputLog) -> String {
    output
        .runs()
        .filter(|(stream, _)| *stream == Stream::Stdout)
        .map(|(_, text)| text.as_str())
        .collect()
}

/// How a run ended, in words: "finished", "exited with status 1", …
pub(crate) fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Completed => "finished".to_owned(),
        Outcome::Exited(code) => format!("exited with status {code}"),
        Outcome::UncaughtException => "ended with an uncaught exception".to_owned(),
        Outcome::SyntaxError => "has a syntax error".to_owned(),
        Outcome::Stopped(StopReason::Requested) => "stopped".to_owned(),
        Outcome::Stopped(reason) => format!("stopped ({reason})"),
        Outcome::InternalError => "hit an internal error".to_owned(),
    }
}

fn describe(finished: &Finished) -> String {
    let how = outcome_text(&finished.outcome);
    // A run stopped by ending its worker (the single-worker mode) never reported its count.
    let instructions = match finished.instructions {
        0 => String::new(),
        count => format!(", {count} instructions"),
    };
    format!(
        "{how} in {:.3} s wall time{instructions}, {} mode",
        finished.elapsed.as_secs_f64(),
        finished.mode
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_line_is_the_last_frame_in_the_program() {
        let traceback = "Traceback (most recent call last):\n  File \"race.py\", line 12, in \
                         <module>\n    main()\n  File \"race.py\", line 7, in main\n    1 / 0\n\
                         ZeroDivisionError: division by zero\n";
        let mut output = OutputLog::default();
        output.push(Stream::Stdout, "started\n");
        assert_eq!(error_line("race.py", &output), None);
        output.push(Stream::Stderr, traceback);
        assert_eq!(error_line("race.py", &output), Some(7));
        assert_eq!(error_line("other.py", &output), None);
    }

    #[test]
    fn every_cpu_choice_reads_back_as_itself_and_the_courses_cores_are_offered() {
        for (cpu, _) in CPU_CHOICES {
            assert_eq!(cpu_of(&cpu_value(cpu)), cpu);
        }
        let course = VirtualCpu::Cores(threadlab_lessons::VIRTUAL_CORES);
        assert!(CPU_CHOICES.iter().any(|(cpu, _)| *cpu == course));
    }

    #[test]
    fn a_program_shown_in_parallel_switches_to_deterministic_on_the_courses_cores() {
        let (choice, seed, cpu) = ModeChoice::of(&Mode::Parallel);
        assert_eq!((choice, seed), (ModeChoice::Parallel, 0));
        assert_eq!(
            ModeChoice::Deterministic.mode(seed, cpu),
            Mode::det_on_cores(0, threadlab_lessons::VIRTUAL_CORES)
        );
        let replayed = Mode::det(5);
        let (choice, seed, cpu) = ModeChoice::of(&replayed);
        assert_eq!(choice.mode(seed, cpu), replayed);
    }
}
