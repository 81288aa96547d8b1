//! The browser course, end to end, in headless Chromium.
//!
//! These need the built site (`dist/`) and Chromium with chromedriver, so `cargo test` skips
//! them; `scripts/test.sh` builds the site and runs them with `--include-ignored`.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::Locator;
use threadlab_e2e::{click, root, text, wait_for_summary, Browser, PATIENCE};

fn threadlab_binary() -> PathBuf {
    let profile_dir = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let binary = target.join(profile_dir).join("threadlab");
    assert!(
        binary.is_file(),
        "build the CLI first: {} is missing",
        binary.display()
    );
    binary
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn the_page_is_isolated_and_runs_examples_on_workers() {
    let browser = Browser::open(&threadlab_binary()).await;
    let isolated = browser
        .client
        .execute("return self.crossOriginIsolated === true;", vec![])
        .await
        .expect("a script runs");
    assert_eq!(
        isolated,
        serde_json::Value::Bool(true),
        "the page is not cross-origin isolated"
    );

    // Lesson 4's race and its fix run in deterministic mode with the lesson's seed, on
    // workers: they must print exactly what the lesson says (and what `threadlab run` prints).
    browser.open_lesson(4).await;
    for name in ["race.py", "race_fixed.py"] {
        let summary = run_expecting_the_lessons_output(&browser, 4, name).await;
        assert!(summary.contains("finished"), "{name}: {summary}");
    }
    browser.close().await;
}

/// Runs lesson `lesson`'s example `name` (its lesson open) and checks that it prints exactly
/// what the lesson says it prints; returns the run's summary.
async fn run_expecting_the_lessons_output(browser: &Browser, lesson: u32, name: &str) -> String {
    let expected = threadlab_lessons::lesson(lesson)
        .unwrap()
        .unwrap()
        .examples
        .into_iter()
        .find(|example| example.name == name)
        .unwrap_or_else(|| panic!("lesson {lesson} has no example {name}"))
        .expected_output;
    let (output, summary) = browser.run(name, PATIENCE).await;
    assert_eq!(output.trim_end(), expected.trim_end(), "{name}: {summary}");
    summary
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn an_edit_survives_a_reload_and_stop_ends_an_endless_loop() {
    let browser = Browser::open(&threadlab_binary()).await;
    // An edit is kept in the browser's storage on every change (as JSON, by gloo-storage):
    // put one there, reload, and the editor must show it.
    let endless = "# spins until stopped\nwhile True:\n    pass\n";
    let (program, name) = browser.first_example_holding(endless).await;
    let name = &name;
    let shown = program
        .find(Locator::Css(".cm-content"))
        .await
        .expect("an editor")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        shown.contains("spins until stopped"),
        "the editor shows {shown:?}"
    );

    let summary = run_then_stop(&program, name).await;
    assert!(summary.contains("stopped"), "{summary}");
    // The page is still usable: the same program runs again (and is stopped again).
    run_then_stop(&program, name).await;
    browser.close().await;
}

/// Clicks Run on `program`, then Stop once the run has begun; returns the run's summary.
async fn run_then_stop(program: &Element, name: &str) -> String {
    click(program, "button.run").await;
    let stop = program.find(Locator::Css("button.stop")).await.unwrap();
    wait_until(
        || async { stop.is_enabled().await.unwrap_or(false) },
        "Stop to be enabled",
    )
    .await;
    stop.click().await.expect("Stop");
    wait_for_summary(program, name, PATIENCE).await
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn a_flood_of_output_keeps_the_page_responsive_and_shows_the_latest() {
    let browser = Browser::open(&threadlab_binary()).await;
    let flood = "n = 0\nwhile True:\n    n += 1\n    print(n)\n";
    let (program, name) = browser.first_example_holding(flood).await;
    click(&program, "button.run").await;
    // Far more lines than the page keeps: the oldest go, counted, and the page still answers.
    wait_until(
        || async {
            text(&program, ".output")
                .await
                .contains("earlier lines not shown")
        },
        "the page to let the oldest output go",
    )
    .await;
    click(&program, "button.stop").await;
    let summary = wait_for_summary(&program, &name, PATIENCE).await;
    assert!(summary.starts_with("stopped in"), "{summary}");
    let output = text(&program, ".output").await;
    assert!(output.len() < 80 * 1024, "{} bytes kept", output.len());
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn check_fails_the_starter_opens_a_found_race_in_step_mode_and_passes_the_solution() {
    let browser = Browser::open(&threadlab_binary()).await;
    let lesson = threadlab_lessons::lesson(4).unwrap().unwrap();
    let exercise = lesson.exercise.clone().unwrap();
    browser.open_lesson(4).await;
    let verdict = check_exercise(&browser, &exercise.file_name).await;
    assert!(verdict.contains("Not yet"), "{verdict}");
    assert!(verdict.contains("Hint:"), "{verdict}");

    // A lock per thread still races: the run the check found opens in step mode, paused where
    // the update starts to be lost.
    let wrong = exercise
        .known_wrong
        .iter()
        .find(|wrong| wrong.name == "wrong_lock_per_thread.py")
        .expect("lesson 4's known-wrong lock per thread");
    browser
        .store_edit_and_reload(
            &format!("threadlab:lesson4:exercise:{}", exercise.file_name),
            &wrong.source,
        )
        .await;
    browser.open_lesson(4).await;
    let verdict = check_exercise(&browser, &exercise.file_name).await;
    assert!(verdict.contains("Not yet"), "{verdict}");
    let program = browser.program(&exercise.file_name).await;
    let step_through = program
        .find(Locator::XPath(".//button[text()='Step through it']"))
        .await
        .expect("a Step through it button for the found race");
    step_through.click().await.unwrap();
    let panel = program.find(Locator::Css(".step-panel")).await.unwrap();
    wait_until(
        || async {
            panel
                .find(Locator::Css(".step-status:not(.running)"))
                .await
                .is_ok()
        },
        "the failing run to pause in step mode",
    )
    .await;
    let note = text(&panel, ".note").await;
    assert!(note.contains("balance"), "{note}");
    let threads = text(&panel, ".threads").await;
    assert!(threads.contains("Thread-1"), "{threads}");
    click(&panel, "button.close").await;

    // The reference solution, as if typed (edits live in the browser's storage).
    browser
        .store_edit_and_reload(
            &format!("threadlab:lesson4:exercise:{}", exercise.file_name),
            &exercise.solution,
        )
        .await;
    browser.open_lesson(4).await;
    let verdict = check_exercise(&browser, &exercise.file_name).await;
    assert!(verdict.contains("Passed!"), "{verdict}");
    // The lesson list marks the pass, and the solution can now be shown.
    let listed = browser.text_of(".lessons").await;
    assert!(listed.contains("4. Synchronising threads ✓"), "{listed}");
    let program = browser.program(&exercise.file_name).await;
    let show = program
        .find(Locator::XPath(".//button[text()='Show solution']"))
        .await
        .expect("a Show solution button after the pass");
    show.click().await.unwrap();
    let shown = program
        .find(Locator::Css(".solution"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("semaphore = threading.Semaphore(1)"),
        "{shown}"
    );
    browser.close().await;
}

/// Clicks Check on the exercise `name` and waits for the verdict's text.
async fn check_exercise(browser: &Browser, name: &str) -> String {
    let program = browser.program(name).await;
    program
        .find(Locator::Css("button.check-button"))
        .await
        .expect("a Check button")
        .click()
        .await
        .expect("Check");
    let started = std::time::Instant::now();
    loop {
        if let Ok(verdict) = program.find(Locator::Css(".verdict")).await {
            return verdict.text().await.unwrap_or_default();
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the check of {name} never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn two_cpu_bound_threads_run_at_once_on_workers_and_take_turns_under_the_gil() {
    let browser = Browser::open(&threadlab_binary()).await;
    browser.open_lesson(1).await;
    // cpu_bound.py counts primes in two halves, then on two threads at once.
    let (output, summary) = browser.run("cpu_bound.py", PATIENCE).await;
    assert!(
        summary.contains("finished") && summary.contains("parallel"),
        "{summary}"
    );
    assert!(output.contains("on two threads:"), "{output}");
    let (first, second) = worker_running_spans(&browser, "cpu_bound.py").await;
    assert!(
        overlaps(&first, &second),
        "with no GIL, the two threads' running intervals never overlapped"
    );

    // The same program under the GIL: one thread at a time.
    let program = browser.program("cpu_bound.py").await;
    program
        .find(Locator::Css("select"))
        .await
        .unwrap()
        .select_by_value("gil")
        .await
        .unwrap();
    let (_, summary) = browser.run("cpu_bound.py", PATIENCE).await;
    assert!(summary.contains("gil"), "{summary}");
    let (first, second) = worker_running_spans(&browser, "cpu_bound.py").await;
    assert!(
        !overlaps(&first, &second),
        "under the GIL the two threads ran at the same moment"
    );
    browser.close().await;
}

type Spans = Vec<(u64, u64)>;

/// The running intervals the timeline draws for threads 1 and 2 (the two halves).
async fn worker_running_spans(browser: &Browser, name: &str) -> (Spans, Spans) {
    let program = browser.program(name).await;
    let mut spans = [Vec::new(), Vec::new()];
    for rect in program
        .find_all(Locator::Css(".timeline rect.running"))
        .await
        .unwrap()
    {
        let attribute = |name: &'static str| {
            let rect = rect.clone();
            async move {
                rect.attr(name)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|v| v.parse::<u64>().ok())
            }
        };
        let (Some(thread), Some(start), Some(end)) = (
            attribute("data-thread").await,
            attribute("data-start").await,
            attribute("data-end").await,
        ) else {
            continue;
        };
        if (1..=2).contains(&thread) {
            spans[thread as usize - 1].push((start, end));
        }
    }
    let [first, second] = spans;
    assert!(
        !first.is_empty() && !second.is_empty(),
        "no running bars for the two threads"
    );
    (first, second)
}

fn overlaps(first: &Spans, second: &Spans) -> bool {
    first
        .iter()
        .any(|&(a, b)| second.iter().any(|&(c, d)| a < d && c < b))
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn a_host_without_the_isolation_headers_gets_them_from_the_service_worker() {
    let browser =
        Browser::open_served_with(&threadlab_binary(), &["--without-isolation-headers"]).await;
    // The page registers its service worker and reloads once; then it is isolated.
    wait_until(
        || async {
            browser
                .client
                .execute("return self.crossOriginIsolated === true;", vec![])
                .await
                .is_ok_and(|isolated| isolated == serde_json::Value::Bool(true))
        },
        "the page to become cross-origin isolated",
    )
    .await;
    browser.open_lesson(4).await;
    run_expecting_the_lessons_output(&browser, 4, "race.py").await;
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn without_any_isolation_programs_run_deterministically_on_one_worker() {
    let browser = Browser::open_served_with(
        &threadlab_binary(),
        &["--without-isolation-headers", "--without-service-worker"],
    )
    .await;
    let notice = browser.text_of("#not-isolated").await;
    assert!(notice.contains("Deterministic mode only"), "{notice:?}");
    let isolated = browser
        .client
        .execute("return self.crossOriginIsolated;", vec![])
        .await
        .unwrap();
    assert_eq!(isolated, serde_json::Value::Bool(false));

    // Lesson 4's race, its threads taking turns on one worker: the output the lesson shows.
    browser.open_lesson(4).await;
    let summary = run_expecting_the_lessons_output(&browser, 4, "race.py").await;
    assert!(summary.contains("det"), "{summary}");
    // Lesson 1's page was built over: none of its editors stays behind in lesson 4's programs.
    let one_editor_each = browser
        .client
        .execute(
            "return [...document.querySelectorAll('figure.program')]\
               .map((f) => f.querySelectorAll('.cm-editor').length);",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        one_editor_each
            .as_array()
            .is_some_and(|counts| counts.iter().all(|count| count == 1)),
        "editors per program: {one_editor_each}"
    );
    let race = browser.program("race.py").await;
    let lanes = race
        .find_all(Locator::Css(".timeline .lane"))
        .await
        .unwrap_or_default();
    assert!(lanes.len() >= 3, "a lane per thread, got {}", lanes.len());
    // On the course's virtual cores, running code takes virtual time: the deposit and withdraw
    // threads have running bars of some length, not the empty lanes of free CPU.
    let (deposit, withdraw) = worker_running_spans(&browser, "race.py").await;
    let ran = |spans: &Spans| spans.iter().map(|(start, end)| end - start).sum::<u64>();
    assert!(
        ran(&deposit) > 0 && ran(&withdraw) > 0,
        "running bars: {deposit:?} {withdraw:?}"
    );

    // Check runs its many runs there too: the starter fails, with a hint.
    let exercise = threadlab_lessons::lesson(4)
        .unwrap()
        .unwrap()
        .exercise
        .unwrap();
    let verdict = check_exercise(&browser, &exercise.file_name).await;
    assert!(verdict.contains("Not yet"), "{verdict}");
    assert!(verdict.contains("Hint:"), "{verdict}");

    // Stop ends an endless loop by ending its worker, and the page runs the next program.
    let endless = "while True:\n    pass\n";
    let (program, name) = browser.first_example_holding(endless).await;
    let summary = run_then_stop(&program, &name).await;
    assert!(summary.contains("stopped"), "{summary}");
    let threads = "import threading\n\
                   def work(n):\n    print('thread', n)\n\
                   ts = [threading.Thread(target=work, args=(n,)) for n in range(3)]\n\
                   for t in ts: t.start()\n\
                   for t in ts: t.join()\n\
                   print('all joined')\n";
    let (program, name) = browser.first_example_holding(threads).await;
    click(&program, "button.run").await;
    let summary = wait_for_summary(&program, &name, PATIENCE).await;
    let output = text(&program, ".output").await;
    assert!(summary.contains("finished"), "{summary}\n{output}");
    assert!(output.trim_end().ends_with("all joined"), "{output}");
    for n in 0..3 {
        assert!(output.contains(&format!("thread {n}")), "{output}");
    }

    // Threads beyond the limit are refused with the browser's limit, as on workers.
    let (program, name) = browser.first_example_holding(GREEDY).await;
    click(&program, "button.run").await;
    let summary = wait_for_summary(&program, &name, PATIENCE).await;
    let output = text(&program, ".output").await;
    assert!(summary.contains("finished"), "{summary}\n{output}");
    assert!(output.contains("limit of 64 threads"), "{output}");

    // A process spinning forever beside its parent, on the same worker, and terminated.
    browser.open_lesson(7).await;
    let summary = run_expecting_the_lessons_output(&browser, 7, "kill_process.py").await;
    assert!(summary.contains("finished"), "{summary}");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn a_worker_that_runs_out_of_memory_is_reported_and_the_page_does_not_hang() {
    let browser = Browser::open(&threadlab_binary()).await;
    // Each list is allowed (9 million items), but thirty copies need over 4 GB.
    let hungry =
        "big = [0] * 9_000_000\ncopies = [big[:] for _ in range(30)]\nprint(len(copies))\n";
    let (program, _) = browser.first_example_holding(hungry).await;
    click(&program, "button.run").await;
    let started = std::time::Instant::now();
    let message = loop {
        let error = text(&program, ".error").await;
        let summary = text(&program, ".summary").await;
        if !error.trim().is_empty() || !summary.trim().is_empty() {
            break format!("{error}{summary}");
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the page still waits for a dead worker"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The worker traps when the page's memory runs out; the page must say so, not wait.
    assert!(message.contains("stopped unexpectedly"), "{message}");
    let run = program.find(Locator::Css("button.run")).await.unwrap();
    assert!(run.is_enabled().await.unwrap(), "Run stays disabled");
    browser.close().await;
}

/// Starts threads until refused, then lets them all end and says how many started.
const GREEDY: &str = "import threading, time\n\
                      stop = threading.Event()\n\
                      started = []\n\
                      try:\n\
                      \x20   for _ in range(200):\n\
                      \x20       t = threading.Thread(target=stop.wait)\n\
                      \x20       t.start()\n\
                      \x20       started.append(t)\n\
                      except RuntimeError as error:\n\
                      \x20   print('refused:', error)\n\
                      stop.set()\n\
                      for t in started:\n\
                      \x20   t.join()\n\
                      print('threads started:', len(started))\n";

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn too_many_threads_raise_a_clear_error_instead_of_hanging() {
    let browser = Browser::open(&threadlab_binary()).await;
    let (_, name) = browser.first_example_holding(GREEDY).await;
    let (output, summary) = browser.run(&name, PATIENCE).await;
    assert!(summary.contains("finished"), "{summary}\n{output}");
    assert!(
        output.contains("refused: can't start new thread"),
        "{output}"
    );
    assert!(output.contains("limit of 64 threads"), "{output}");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn a_process_runs_in_the_browser_and_is_terminated() {
    let browser = Browser::open(&threadlab_binary()).await;
    browser.open_lesson(7).await;
    let summary = run_expecting_the_lessons_output(&browser, 7, "kill_process.py").await;
    assert!(summary.contains("finished"), "{summary}");
    browser.close().await;
}

/// A short race for step mode: one thread adds to a global the main thread prints.
const STEPPED: &str = "import threading

balance = 0


def deposit():
    global balance
    balance += 1


worker = threading.Thread(target=deposit)
worker.start()
worker.join()
print(\"balance:\", balance)
";

/// Step mode, by clicking: each pause marks every thread's next line in the editor (the
/// worker's `balance += 1` among them), the learner's choice of thread is what runs, and the
/// run ends with the program's output.
#[tokio::test]
#[ignore = "needs the built site and Chromium: scripts/test.sh runs it"]
async fn stepping_by_hand_marks_each_threads_line_and_ends_with_the_output() {
    let browser = Browser::open(&threadlab_binary()).await;
    let (program, _) = browser.first_example_holding(STEPPED).await;
    click(&program, "button.step").await;
    let panel = program.find(Locator::Css(".step-panel")).await.unwrap();
    let mut marked = Vec::new();
    let mut last_status = String::new();
    for _ in 0..200 {
        // The next pause (a new step count) or the end.
        wait_until(
            || async {
                if panel.find(Locator::Css(".step-end")).await.is_ok() {
                    return true;
                }
                match panel.find(Locator::Css(".step-status:not(.running)")).await {
                    Ok(status) => status.text().await.unwrap_or_default() != last_status,
                    Err(_) => false,
                }
            },
            "the next pause",
        )
        .await;
        if panel.find(Locator::Css(".step-end")).await.is_ok() {
            break;
        }
        last_status = text(&panel, ".step-status").await;
        for line in program
            .find_all(Locator::Css(".cm-thread-line"))
            .await
            .unwrap()
        {
            let threads = line.attr("data-threads").await.unwrap().unwrap_or_default();
            marked.push((threads, line.text().await.unwrap_or_default()));
        }
        // The worker goes first whenever it can: the learner's choice is what runs.
        let buttons = panel
            .find_all(Locator::Css("button.step-thread:not([disabled])"))
            .await
            .unwrap();
        buttons
            .last()
            .expect("a runnable thread at every pause")
            .click()
            .await
            .unwrap();
    }
    let end = text(&panel, ".step-end").await;
    assert!(end.contains("finished"), "{end}");
    assert_eq!(text(&panel, ".output").await.trim(), "balance: 1");
    assert!(
        marked
            .iter()
            .any(|(threads, line)| threads.contains("Thread-1") && line.contains("balance += 1")),
        "the worker's next line was never marked: {marked:?}"
    );
    assert!(
        marked
            .iter()
            .any(|(threads, _)| threads.contains("MainThread")),
        "{marked:?}"
    );
    browser.close().await;
}

/// Polls `condition` until it holds, within [`PATIENCE`].
async fn wait_until<F, Fut>(condition: F, what: &str)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !condition().await {
        assert!(started.elapsed() < PATIENCE, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
