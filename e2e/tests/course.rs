//! The browser course, end to end, in headless Chromium.
//!
//! These need the built site (`dist/`) and Chromium with chromedriver, so `cargo test` skips
//! them; `scripts/test.sh` builds the site and runs them with `--include-ignored`.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::Locator;
use threadlab_e2e::{root, Browser, PATIENCE};

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
    let lesson = threadlab_lessons::lesson(4).unwrap().unwrap();
    open_lesson(&browser, 4).await;
    for name in ["race.py", "race_fixed.py"] {
        let example = lesson.examples.iter().find(|e| e.name == name).unwrap();
        let (output, summary) = run_program(&browser, name).await;
        assert!(summary.contains("finished"), "{name}: {summary}");
        assert_eq!(
            output.trim_end(),
            example.expected_output.trim_end(),
            "{name}"
        );
    }
    browser.close().await;
}

async fn open_lesson(browser: &Browser, number: usize) {
    browser
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(".lessons button"))
        .await
        .expect("the lesson list appears");
    let lessons = browser
        .client
        .find_all(Locator::Css(".lessons button"))
        .await
        .expect("the lesson list");
    lessons[number - 1].click().await.expect("the lesson opens");
}

/// Clicks Run on the program named `name` and waits for its end: (output, summary).
async fn run_program(browser: &Browser, name: &str) -> (String, String) {
    let program = browser
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(&format!(
            "//figure[contains(@class, 'program')][figcaption[text()='{name}']]"
        )))
        .await
        .unwrap_or_else(|error| panic!("no program {name}: {error}"));
    program
        .find(Locator::Css("button.run"))
        .await
        .expect("a Run button")
        .click()
        .await
        .expect("Run");
    let started = std::time::Instant::now();
    loop {
        let summary = program
            .find(Locator::Css(".summary"))
            .await
            .expect("a summary line")
            .text()
            .await
            .unwrap_or_default();
        if !summary.trim().is_empty() {
            let output = program
                .find(Locator::Css(".output"))
                .await
                .expect("an output")
                .text()
                .await
                .unwrap_or_default();
            return (output, summary);
        }
        assert!(started.elapsed() < PATIENCE, "{name} never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
