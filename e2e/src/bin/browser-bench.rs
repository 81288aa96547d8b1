//! The browser benchmarks, side by side with the native CLI in the same run:
//!
//! - the same CPU-bound program on one thread and on two, in the browser (speed-up) and
//!   natively (the browser's time over the native time);
//! - how long `Thread.start()` takes to get a thread running (warm workers), in both;
//! - the cold load of the first lesson, and what the page transfers (gzip).
//!
//! `cargo run --release -p threadlab-e2e --bin browser-bench -- [ROUNDS]` after
//! `scripts/build-web.sh` and `cargo build --release -p threadlab`. Prints a markdown table
//! for `docs/BENCHMARKS.md`.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use fantoccini::Locator;
use threadlab_e2e::{root, Browser, PATIENCE};

const CPU_PROGRAM: &str = include_str!("../../programs/cpu_speedup.py");
const START_PROGRAM: &str = include_str!("../../programs/thread_start.py");

/// The numbers after `label` in `output`.
fn number(output: &str, label: &str) -> f64 {
    output
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} in {output:?}"))
}

fn native(threadlab: &Path, source: &str) -> String {
    let file = std::env::temp_dir().join(format!("threadlab-bench-{}.py", std::process::id()));
    std::fs::write(&file, source).unwrap();
    let output = Command::new(threadlab)
        .arg("run")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `source` in the editor of lesson 1's first example, in parallel mode; its output.
async fn in_browser(browser: &Browser, source: &str) -> String {
    let (program, name) = browser.first_example_holding(source).await;
    program
        .find(Locator::Css("select"))
        .await
        .unwrap()
        .select_by_value("parallel")
        .await
        .unwrap();
    let (output, summary) = browser.run(&name, PATIENCE * 4).await;
    assert!(summary.contains("finished"), "{summary}");
    output
}

fn gzip_size(file: &Path) -> u64 {
    let output = Command::new("gzip")
        .arg("-c")
        .arg("-9")
        .arg(file)
        .output()
        .unwrap();
    output.stdout.len() as u64
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let threadlab = root().join("target/release/threadlab");
    assert!(
        threadlab.is_file(),
        "build it first: cargo build --release -p threadlab"
    );
    let mut out = std::io::stdout();

    // Cold load: a fresh browser profile each time, so nothing is cached.
    let mut loads = Vec::new();
    for _ in 0..rounds {
        let browser = Browser::open(&threadlab).await;
        browser
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(".lessons button"))
            .await
            .unwrap();
        let ready = browser
            .client
            .execute("return self.threadlabReadyAt;", vec![])
            .await
            .unwrap();
        loads.push(ready.as_f64().unwrap_or(f64::NAN));
        browser.close().await;
    }
    let dist = root().join("dist");
    let transfer: u64 = std::fs::read_dir(&dist)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && !path.ends_with(".trunk-lock"))
        .map(|path| gzip_size(&path))
        .sum();

    let browser = Browser::open(&threadlab).await;
    let (mut browser_one, mut browser_two, mut native_one, mut native_two) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut browser_start, mut native_start) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so neither always gets the quieter moment.
        let (web, cli) = if round % 2 == 0 {
            let web = in_browser(&browser, CPU_PROGRAM).await;
            (web, native(&threadlab, CPU_PROGRAM))
        } else {
            let cli = native(&threadlab, CPU_PROGRAM);
            (in_browser(&browser, CPU_PROGRAM).await, cli)
        };
        browser_one.push(number(&web, "one thread:"));
        browser_two.push(number(&web, "two threads:"));
        native_one.push(number(&cli, "one thread:"));
        native_two.push(number(&cli, "two threads:"));
        // Round 1 shows what a learner's first run meets: V8 compiles the interpreter's loop
        // with its baseline compiler first, and a running call never moves to the optimised
        // code (no on-stack replacement for wasm); later threads start in it.
        eprintln!(
            "round {}: browser {:.3} s / {:.3} s, native {:.3} s / {:.3} s (one / two threads)",
            round + 1,
            browser_one[round],
            browser_two[round],
            native_one[round],
            native_two[round]
        );
        browser_start.push(number(
            &in_browser(&browser, START_PROGRAM).await,
            "start median:",
        ));
        native_start.push(number(&native(&threadlab, START_PROGRAM), "start median:"));
    }
    browser.close().await;

    let speed_ups: Vec<f64> = browser_one
        .iter()
        .zip(&browser_two)
        .map(|(a, b)| a / b)
        .collect();
    let native_speed_ups: Vec<f64> = native_one
        .iter()
        .zip(&native_two)
        .map(|(a, b)| a / b)
        .collect();
    let over_native: Vec<f64> = browser_one
        .iter()
        .zip(&native_one)
        .map(|(a, b)| a / b)
        .collect();
    let _ = writeln!(
        out,
        "| measure (median of {rounds}) | browser | native | bar |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| CPU-bound, 1 thread | {:.3} s | {:.3} s | browser ≤ 1.5× native: **{:.2}×** |",
        median(browser_one.clone()),
        median(native_one.clone()),
        median(over_native)
    );
    let _ = writeln!(
        out,
        "| CPU-bound, 2 threads | {:.3} s | {:.3} s | |",
        median(browser_two),
        median(native_two)
    );
    let _ = writeln!(
        out,
        "| speed-up, 1 → 2 threads | **{:.2}×** | {:.2}× | browser ≥ 1.8× |",
        median(speed_ups),
        median(native_speed_ups)
    );
    let _ = writeln!(
        out,
        "| `Thread.start()`, median of 200 | **{:.3} ms** | {:.3} ms | ≤ 1 ms from a warm worker |",
        median(browser_start),
        median(native_start)
    );
    let _ = writeln!(
        out,
        "| cold load to a usable lesson list | **{:.0} ms** | | ≤ 1 s |",
        median(loads)
    );
    let _ = writeln!(
        out,
        "| transfer, every file gzip -9 | **{:.2} MB** | | ≤ 3 MB |",
        transfer as f64 / 1e6
    );
}
