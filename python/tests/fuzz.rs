//! A deterministic fuzz run inside `cargo test`: mutated fixture sources and random token
//! soups go through parse, compile and run under a small instruction budget and a tiny
//! container limit. Every run must end, and end with an outcome other than `InternalError`
//! (no panic may escape, not even one the run boundary turns into an internal error).
//!
//! The corpus is every fixture outside `limits/` and `KNOWN_FAILURES`. The seed and the
//! number of cases are fixed, so a failure reproduces exactly; the failing
//! source is printed. `THREADLAB_FUZZ_CASES=N` and `THREADLAB_FUZZ_SEED=S` run a longer or
//! different campaign by hand.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{all_fixtures, known_failures, run_watched};
use threadlab_python::{Limits, RunOptions};

const SEED: u64 = 0x7468_7265_6164_6c61; // "threadla"
const MUTATED_CASES: usize = 1_800;
const SOUP_CASES: usize = 200;
/// A run that takes longer than this did not terminate on its own: with a 20 000-instruction
/// budget every program ends within milliseconds.
const RUN_TIMEOUT: Duration = Duration::from_secs(20);

/// xorshift64*: small, fast and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    /// Scrambles the seed (splitmix64), so that nearby seeds start far apart and none is 0.
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const KEYWORDS: &[&str] = &[
    "def", "class", "return", "yield", "if", "elif", "else", "while", "for", "in", "not", "and",
    "or", "is", "try", "except", "finally", "raise", "from", "with", "as", "import", "lambda",
    "global", "nonlocal", "pass", "break", "continue", "del", "assert", "None", "True", "False",
    "async", "await", "match", "case", "super", "self", "print", "range", "len", "x", "y",
];
const PUNCTUATION: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ":", ",", ".", ";", "=", "==", "+", "-", "*", "**", "/", "//",
    "%", "<", ">", "<=", "!=", "+=", "-=", "*=", "@", "->", ":=", "~", "^", "|", "&", "<<", ">>",
    "\\", "'", "\"", "\"\"\"", "#", "\n", "\n    ", "    ", "f'{", "}'", "*args", "**kw",
];
const ATOMS: &[&str] = &[
    "0",
    "1",
    "-1",
    "10**10",
    "2**64",
    "1e308",
    "0.5",
    "'s'",
    "\"t\"",
    "[]",
    "{}",
    "()",
    "[0]",
    "b'x'",
    "x",
    "f(x)",
    "print",
    "len",
    "object",
    "Exception",
    "ValueError",
    "__init__",
    "f'{x:>8.3f}'",
    "f'{x!r:^9}'",
    "'%5.1f|%-4s' % (x, x)",
    "'{:,}'.format(x)",
    "x[::-1]",
    "x[1:-1]",
    "10**100",
    "-2**63",
    "1e-7",
    "float('nan')",
    "[x] * 3",
    "{x: x}",
    "{x}",
    "(x,)",
    "*x",
    "**x",
    "lambda: x",
    "x if x else x",
    "(y := x)",
    "not x",
    "x is None",
    "super()",
    "self.x",
    "range(x)",
    "sorted(x)",
    "str(x)",
    "int(x)",
];

/// Splits source into tokens (identifiers, numbers, single punctuation characters, runs of
/// spaces, newlines), enough to mutate at the token level without a real lexer.
fn tokens(source: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut kind = 0u8; // 1 word, 2 space
    for ch in source.chars() {
        let this = if ch.is_alphanumeric() || ch == '_' {
            1
        } else if ch == ' ' {
            2
        } else {
            0
        };
        if this != kind || this == 0 {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            kind = this;
        }
        current.push(ch);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn mutate(rng: &mut Rng, source: &str) -> String {
    // Mostly one mutation, so that many programs still parse and reach the VM.
    let rounds = [1, 1, 1, 2, 3][rng.below(5)];
    let mut text = source.to_owned();
    for _ in 0..rounds {
        text = match rng.below(9) {
            0..=3 => mutate_lines(rng, &text),
            4..=7 => mutate_tokens(rng, &text),
            _ => truncate(rng, &text),
        };
    }
    text
}

fn mutate_lines(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return rng.pick(KEYWORDS).to_owned();
    }
    let i = rng.below(lines.len());
    let j = rng.below(lines.len());
    match rng.below(4) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let line = lines[i].clone();
            lines.insert(j, line);
        }
        2 => lines.swap(i, j),
        _ => {
            // Re-indent a line: a common way to break (or subtly change) a block.
            let trimmed = lines[i].trim_start().to_owned();
            lines[i] = format!("{}{trimmed}", " ".repeat(4 * rng.below(3)));
        }
    }
    lines.join("\n") + "\n"
}

fn mutate_tokens(rng: &mut Rng, text: &str) -> String {
    let mut toks = tokens(text);
    if toks.is_empty() {
        return rng.pick(ATOMS).to_owned();
    }
    let i = rng.below(toks.len());
    let j = rng.below(toks.len());
    match rng.below(8) {
        0 => {
            toks.remove(i);
        }
        1 => {
            let tok = toks[i].clone();
            toks.insert(j, tok);
        }
        2 => toks.swap(i, j),
        3 => toks.insert(i, rng.pick(PUNCTUATION).to_owned()),
        4 => toks.insert(i, format!(" {} ", rng.pick(KEYWORDS))),
        // 5..=7: the gentlest mutation, three times as likely.
        _ => {
            // Replace a word with another word of the same program, or with an atom: keeps
            // the syntax valid more often than not, and changes what runs.
            if toks[i].starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                let words: Vec<&String> = toks
                    .iter()
                    .filter(|t| t.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
                    .collect();
                let replacement = if rng.below(2) == 0 {
                    words[rng.below(words.len())].clone()
                } else {
                    rng.pick(ATOMS).to_owned()
                };
                toks[i] = replacement;
            } else {
                toks[i] = rng.pick(ATOMS).to_owned();
            }
        }
    }
    toks.concat()
}

fn truncate(rng: &mut Rng, text: &str) -> String {
    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    if boundaries.is_empty() {
        return String::new();
    }
    text[..boundaries[rng.below(boundaries.len())]].to_owned()
}

/// A random program from keywords, punctuation and atoms, biased toward lines that parse.
fn soup(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..1 + rng.below(12) {
        for _ in 0..1 + rng.below(8) {
            let piece = match rng.below(3) {
                0 => rng.pick(KEYWORDS),
                1 => rng.pick(PUNCTUATION),
                _ => rng.pick(ATOMS),
            };
            text.push_str(piece);
            text.push(' ');
        }
        text.push('\n');
    }
    text
}

/// Case `case` runs under the deterministic scheduler, seeded with its number: a mutated
/// threading program may block for ever (an `Event.wait()` whose `set()` was deleted), as it
/// would under CPython, and only that mode ends such a run, with a deadlock report. It also
/// makes every case, thread switches included, replay exactly.
fn options(case: usize) -> RunOptions {
    RunOptions {
        mode: threadlab_core::Mode::det(case as u64),
        limits: Limits {
            recursion_limit: 100,
            native_depth_limit: 40,
            instruction_budget: Some(20_000),
            max_container_len: 1_000,
        },
        ..Default::default()
    }
}

#[test]
fn parse_compile_run_never_panics_or_hangs() {
    let cases = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mutated = cases("THREADLAB_FUZZ_CASES", MUTATED_CASES);
    let seed = cases("THREADLAB_FUZZ_SEED", SEED as usize) as u64;
    let known = known_failures();
    let corpus: Vec<String> = all_fixtures()
        .into_iter()
        // limits/ programs exist to run long or allocate; they add nothing but time here.
        // Known failures are left out too: their crashes are tracked there, and would only
        // hide new ones here. Each rejoins the corpus once it is fixed.
        .filter(|f| !f.is_limits() && !known.contains_key(&f.rel))
        .map(|f| f.source)
        .collect();
    assert!(!corpus.is_empty(), "no fixtures to mutate");

    let started = Instant::now();
    let mut rng = Rng::new(seed);
    // A stack overflow aborts the process before any report: the case being run is always
    // on disk, so that an abort can be reproduced.
    let case_file =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-current-case.py");
    eprintln!(
        "fuzz: if this test aborts, the case it was running is {}",
        case_file.display()
    );
    let mut failures = Vec::new();
    let total = mutated + SOUP_CASES;
    let mut slowest = (Duration::ZERO, 0);
    // How the runs ended, to see that the mutations reach the compiler and the VM.
    let mut endings: BTreeMap<String, usize> = BTreeMap::new();
    for case in 0..total {
        let source = if case < mutated {
            let base = &corpus[rng.below(corpus.len())];
            mutate(&mut rng, base)
        } else {
            soup(&mut rng)
        };
        std::fs::write(&case_file, &source).expect("write the current case");
        let ran = run_watched("fuzz.py", &source, options(case), RUN_TIMEOUT);
        *endings.entry(ran.ending.clone()).or_default() += 1;
        if ran.elapsed > slowest.0 {
            slowest = (ran.elapsed, case);
        }
        if let Some(breakage) = ran.breakage() {
            failures.push(format!(
                "── case {case} (seed {seed:#x}): {breakage}\n{}\n── end of case {case}",
                source
            ));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    eprintln!(
        "fuzz: {total} cases in {:.1?} (slowest: case {} in {:.1?}), {} failures; endings {endings:?}",
        started.elapsed(),
        slowest.1,
        slowest.0,
        failures.len()
    );
    if !failures.is_empty() {
        common::fail(&format!(
            "{} fuzz cases broke the interpreter:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        ));
    }
}
