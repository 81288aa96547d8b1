//! What the browser tests share: the built site served by `threadlab serve`, and a headless
//! Chromium driven through chromedriver. Each test starts its own server and browser on free
//! ports and stops them when it ends, so nothing depends on what else is running.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free local port")
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A served course and a browser on it. Dropping it ends them all, Chromium included: a
/// Chromium left behind by a failed test slows every later one.
pub struct Browser {
    pub client: Client,
    pub url: String,
    _server: Killed,
    _driver: Killed,
    profile: PathBuf,
}

/// How long anything in the page may take before a test gives up: a bound on a hang, not a
/// judgement of speed (a loaded 2-core machine can be slow).
pub const PATIENCE: Duration = Duration::from_secs(60);

impl Browser {
    /// Serves `dist/` with the `threadlab` binary at `threadlab` and opens it in Chromium.
    pub async fn open(threadlab: &Path) -> Browser {
        Browser::open_served_with(threadlab, &[]).await
    }

    /// The same, with more arguments for `threadlab serve`.
    pub async fn open_served_with(threadlab: &Path, serve_args: &[&str]) -> Browser {
        let dist = root().join("dist");
        assert!(
            dist.join("index.html").is_file(),
            "build the course first (scripts/test.sh does): {} has no index.html",
            dist.display()
        );
        let port = free_port();
        let server = Killed(
            Command::new(threadlab)
                .args(["serve", "--port", &port.to_string(), "--dir"])
                .arg(&dist)
                .args(serve_args)
                .stdout(Stdio::null())
                .spawn()
                .expect("threadlab serve starts"),
        );
        let driver_port = free_port();
        let driver = Killed(
            Command::new("chromedriver")
                .arg(format!("--port={driver_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts (scripts/test.sh installs it)"),
        );
        let profile =
            std::env::temp_dir().join(format!("threadlab-e2e-{}-{port}", std::process::id()));
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        // For profiling the page's wasm, e.g. THREADLAB_JS_FLAGS="--prof --logfile=/tmp/v8-%t.log"
        // (V8's tick log, read with `node --prof-process`).
        if let Ok(flags) = std::env::var("THREADLAB_JS_FLAGS") {
            args.push(format!("--js-flags={flags}"));
        }
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": args,
            }
        });
        let capabilities = capabilities.as_object().cloned().unwrap_or_default();
        let client = retry(|| async {
            ClientBuilder::rustls()
                .expect("TLS roots")
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{driver_port}"))
                .await
                .map_err(|error| error.to_string())
        })
        .await;
        let url = format!("http://127.0.0.1:{port}/");
        retry(|| async { client.goto(&url).await.map_err(|error| error.to_string()) }).await;
        Browser {
            client,
            url,
            _server: server,
            _driver: driver,
            profile,
        }
    }

    /// Waits for the element `css` and returns its text.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
            .text()
            .await
            .unwrap_or_default()
    }

    /// Stores `source` where the page keeps the learner's edit named `storage_key` (as JSON, as
    /// gloo-storage does), then reloads: as if it had been typed into that editor.
    pub async fn store_edit_and_reload(&self, storage_key: &str, source: &str) {
        self.client
            .execute(
                "localStorage.setItem(arguments[0], JSON.stringify(arguments[1])); \
                 location.reload();",
                vec![serde_json::json!(storage_key), serde_json::json!(source)],
            )
            .await
            .expect("the edit is stored");
    }

    /// Clicks lesson `number` (from 1) in the lesson list, once the list is there.
    pub async fn open_lesson(&self, number: usize) {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(".lessons button"))
            .await
            .expect("the lesson list appears");
        let lessons = self
            .client
            .find_all(Locator::Css(".lessons button"))
            .await
            .expect("the lesson list");
        lessons[number - 1].click().await.expect("the lesson opens");
    }

    /// The runnable program whose caption is `name`, once it is on the page.
    pub async fn program(&self, name: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&format!(
                "//figure[contains(@class, 'program')][figcaption[text()='{name}']]"
            )))
            .await
            .unwrap_or_else(|error| panic!("no program {name}: {error}"))
    }

    /// Lesson 1's first example with `source` in its editor (stored, then the page reloaded),
    /// and its name: a place to run any program.
    pub async fn first_example_holding(&self, source: &str) -> (Element, String) {
        let lesson = threadlab_lessons::lesson(1).unwrap().unwrap();
        let name = lesson.examples[0].name.clone();
        self.store_edit_and_reload(&format!("threadlab:lesson1:{name}"), source)
            .await;
        self.open_lesson(1).await;
        (self.program(&name).await, name)
    }

    /// Clicks Run on the program named `name` and waits, within `patience`, for its end:
    /// (output, summary).
    pub async fn run(&self, name: &str, patience: Duration) -> (String, String) {
        let program = self.program(name).await;
        click(&program, "button.run").await;
        let summary = wait_for_summary(&program, name, patience).await;
        (text(&program, ".output").await, summary)
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver leaves its Chromium running; the profile folder names it.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(format!("user-data-dir={}", self.profile.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Tries `attempt` until it succeeds (a server or driver still starting), within [`PATIENCE`].
async fn retry<T, F, Fut>(attempt: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let started = std::time::Instant::now();
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(error) if started.elapsed() > PATIENCE => panic!("gave up: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Clicks the element `css` inside `within`.
pub async fn click(within: &Element, css: &str) {
    within
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css}: {error}"))
        .click()
        .await
        .unwrap_or_else(|error| panic!("cannot click {css}: {error}"));
}

/// The text of the element `css` inside `within` (empty if it has none).
pub async fn text(within: &Element, css: &str) -> String {
    within
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css}: {error}"))
        .text()
        .await
        .unwrap_or_default()
}

/// Waits, within `patience`, until the program's summary line says how its run ended.
pub async fn wait_for_summary(program: &Element, name: &str, patience: Duration) -> String {
    let client = program.clone().client();
    client
        .update_timeouts(TimeoutConfiguration::new(Some(patience), None, None))
        .await
        .expect("set the script timeout");
    let element = serde_json::to_value(program).expect("an element serialises");
    match client.execute_async(WAIT_FOR_SUMMARY, vec![element]).await {
        Ok(serde_json::Value::String(summary)) => summary,
        other => panic!("{name} never finished: {other:?}"),
    }
}

/// Answers with the program's summary once it has one. The page tells the script, where
/// polling from here would cost the browser a round of WebDriver work every few milliseconds,
/// on the same two cores as the program being timed.
const WAIT_FOR_SUMMARY: &str = r#"
    const [program, done] = arguments;
    const summary = () => {
        const element = program.querySelector(".summary");
        return element && element.innerText.trim() ? element.innerText : null;
    };
    if (summary() !== null) {
        done(summary());
        return;
    }
    const observer = new MutationObserver(() => {
        if (summary() !== null) {
            observer.disconnect();
            done(summary());
        }
    });
    observer.observe(program, { subtree: true, childList: true, characterData: true });
"#;
