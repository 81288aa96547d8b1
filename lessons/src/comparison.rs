//! Exercises that time one way of doing some work against another (lesson 1's serial and
//! threaded runs, lesson 2's ten tasks) name the two times they print in `lesson.toml`, so that
//! the timing summary of a run can set them side by side with their ratio: the number the
//! exercise is about, read from the learner's own output, whatever the checker later says.

/// Two printed times that an exercise compares, each named by the start of its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// What is timed, e.g. "CPU-bound work".
    pub what: String,
    /// The line that prints the slower, reference time, e.g. `cpu serial:`.
    pub baseline: String,
    /// The line that prints the time being compared with it, e.g. `cpu threaded:`.
    pub contender: String,
}

/// The two times one run printed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    pub baseline: f64,
    pub contender: f64,
}

impl Measured {
    /// How many times as fast the contender was; `None` when its time is zero, which a rounded
    /// print of a very short run can give.
    pub fn ratio(&self) -> Option<f64> {
        (self.contender > 0.0).then(|| self.baseline / self.contender)
    }
}

impl Comparison {
    /// The times in `output`: the number after the last line that starts with each label. A
    /// program that printed only one of them, or something else than a number, gives `None`.
    pub fn measure(&self, output: &str) -> Option<Measured> {
        Some(Measured {
            baseline: number_after(output, &self.baseline)?,
            contender: number_after(output, &self.contender)?,
        })
    }

    /// One line for the timing summary, e.g. `CPU-bound work: cpu serial 0.400 s, cpu threaded
    /// 0.101 s (3.96× as fast)`; `None` when the output lacks either time.
    pub fn describe(&self, output: &str) -> Option<String> {
        let measured = self.measure(output)?;
        let ratio = match measured.ratio() {
            Some(ratio) => format!("{ratio:.2}× as fast"),
            None => "too short to compare".to_owned(),
        };
        Some(format!(
            "{}: {} {:.3} s, {} {:.3} s ({ratio})",
            self.what,
            self.baseline.trim_end_matches(':'),
            measured.baseline,
            self.contender.trim_end_matches(':'),
            measured.contender,
        ))
    }
}

fn number_after(output: &str, label: &str) -> Option<f64> {
    let line = output
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix(label))
        .next_back()?;
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu() -> Comparison {
        Comparison {
            what: "CPU-bound work".to_owned(),
            baseline: "cpu serial:".to_owned(),
            contender: "cpu threaded:".to_owned(),
        }
    }

    #[test]
    fn the_ratio_comes_from_the_printed_times() {
        let output = "cpu serial: 0.400000 s\ncpu threaded: 0.100000 s\ncpu ratio: 4.00\n";
        assert_eq!(
            cpu().measure(output),
            Some(Measured {
                baseline: 0.4,
                contender: 0.1
            })
        );
        assert_eq!(
            cpu().describe(output).as_deref(),
            Some("CPU-bound work: cpu serial 0.400 s, cpu threaded 0.100 s (4.00× as fast)")
        );
    }

    #[test]
    fn a_missing_or_unreadable_time_gives_nothing_to_compare() {
        assert_eq!(cpu().measure("cpu serial: 0.4 s\n"), None);
        assert_eq!(cpu().measure("cpu serial: soon\ncpu threaded: 0.1\n"), None);
        assert_eq!(cpu().describe(""), None);
    }

    #[test]
    fn a_zero_time_is_not_divided_by() {
        let output = "cpu serial: 0.00 s\ncpu threaded: 0.00 s\n";
        assert_eq!(
            cpu().describe(output).as_deref(),
            Some("CPU-bound work: cpu serial 0.000 s, cpu threaded 0.000 s (too short to compare)")
        );
    }

    #[test]
    fn the_last_print_of_a_time_counts() {
        let output = "cpu serial: 1.0\ncpu threaded: 1.0\ncpu serial: 0.8\ncpu threaded: 0.2\n";
        assert_eq!(cpu().measure(output).and_then(|m| m.ratio()), Some(4.0));
    }
}
