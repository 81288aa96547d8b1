//! Checks a file as lesson N's exercise and prints the verdict: for writing checkers.
//! `cargo run -p threadlab-lessons --example check_file -- N FILE`
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let number: u32 = args[1].parse().unwrap();
    let source = std::fs::read_to_string(&args[2]).unwrap();
    let mut progress = |_| {};
    let mut checking = threadlab_lessons::check::Checking::new(&args[2], source, &mut progress);
    let started = std::time::Instant::now();
    let verdict = threadlab_lessons::check::check(number, &mut checking).unwrap();
    print!("{verdict}");
    println!(
        "passed: {} ({} runs, {:?})",
        verdict.passed(),
        verdict.runs,
        started.elapsed()
    );
}
