//! The page: the lesson list beside the selected lesson.

use leptos::prelude::*;
use threadlab_lessons::Lesson;

use crate::check::{provide_progress, Passed};
use crate::markdown;
use crate::program::RunnableProgram;

#[component]
pub fn App() -> impl IntoView {
    // The course is embedded in the binary; a malformed one is a build bug the lesson tests
    // rule out, so an error here only needs to be shown, not recovered from.
    provide_progress();
    let passed = use_context::<Passed>().map(|Passed(passed)| passed);
    let course = threadlab_lessons::lessons();
    let (selected, set_selected) = signal(1u32);
    match course {
        Err(error) => {
            view! { <p class="error">{format!("The course failed to load: {error}")}</p> }
                .into_any()
        }
        Ok(lessons) => {
            let list = lessons.clone();
            view! {
                <header class="top">
                    <h1>"threadlab"</h1>
                    <p>"Concurrent programming with Python threads that really run in parallel"</p>
                </header>
                <div class="layout">
                    <nav class="lessons" aria-label="Lessons">
                        <ol>
                            {list
                                .into_iter()
                                .map(|lesson| {
                                    let number = lesson.number;
                                    view! {
                                        <li>
                                            <button
                                                class:current=move || selected.get() == number
                                                on:click=move |_| set_selected.set(number)
                                            >
                                                {format!("{number}. {}", lesson.title)}
                                                <span
                                                    class="done"
                                                    title="exercise passed"
                                                    class:hidden=move || {
                                                        !passed.is_some_and(|p| p.get().contains(&number))
                                                    }
                                                >
                                                    " ✓"
                                                </span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ol>
                    </nav>
                    <main>
                        {move || {
                            lessons
                                .iter()
                                .find(|lesson| lesson.number == selected.get())
                                .map(lesson_view)
                        }}
                    </main>
                </div>
            }
            .into_any()
        }
    }
}

fn lesson_view(lesson: &Lesson) -> impl IntoView {
    let number = lesson.number;
    let text = markdown::to_html(&lesson.text);
    let takeaways = lesson.takeaways.clone();
    let examples = lesson.examples.clone();
    view! {
        <article class="lesson">
            <div class="text" inner_html=text></div>
            <section class="takeaways">
                <h2>"Takeaways"</h2>
                <ul>{takeaways.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
            </section>
            {exercise_view(lesson)}
            <section class="examples">
                <h2>"Examples"</h2>
                {examples
                    .into_iter()
                    .map(|example| {
                        let storage_key = format!("threadlab:lesson{number}:{}", example.name);
                        view! {
                            <RunnableProgram
                                name=example.name
                                source=example.source
                                mode=example.mode
                                storage_key=storage_key
                                step_goals=example.step_goals
                            />
                        }
                    })
                    .collect_view()}
            </section>
        </article>
    }
}

fn exercise_view(lesson: &Lesson) -> Option<impl IntoView> {
    let exercise = lesson.exercise.clone()?;
    let number = lesson.number;
    let statement = markdown::to_html(&exercise.statement);
    let storage_key = format!("threadlab:lesson{number}:exercise:{}", exercise.file_name);
    Some(view! {
        <section class="exercise">
            <h2>{format!("Exercise: {}", exercise.title)}</h2>
            <div class="text" inner_html=statement></div>
            <RunnableProgram
                name=exercise.file_name
                source=exercise.starter
                mode=threadlab_core::Mode::Parallel
                storage_key=storage_key
                exercise=(number, exercise.solution)
                comparisons=exercise.comparisons
                step_goals=exercise.step_goals
            />
        </section>
    })
}
