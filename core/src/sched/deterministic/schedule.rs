//! A run's schedule: the seed it ran with and every choice the scheduler made.
//!
//! A choice is recorded only where more than one thread could run, and it is the number of the
//! thread that was picked (0 is the main thread, then in creation order). Replaying the choices
//! in order against the same program reproduces the run exactly, whatever strategy made them.
//!
//! The text form is short enough for a learner to copy from a report and paste back:
//!
//! ```text
//! det:seed=42:1.0.2*3.1
//! ```
//!
//! `2*3` stands for three choices of thread 2 in a row, which keeps long runs of one thread
//! compact. A schedule without choices ends with the colon: `det:seed=7:`.

use std::fmt;
use std::str::FromStr;

/// The seed and the recorded choices of one deterministic run; see the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    seed: u64,
    choices: Vec<u32>,
}

impl Schedule {
    pub fn new(seed: u64, choices: Vec<u32>) -> Schedule {
        Schedule { seed, choices }
    }

    /// The seed of the run that recorded it (a replay does not need it; a learner may).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The thread picked at each point where more than one could run, in order.
    pub fn choices(&self) -> &[u32] {
        &self.choices
    }

    pub fn len(&self) -> usize {
        self.choices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    pub(crate) fn push(&mut self, thread: u32) {
        self.choices.push(thread);
    }
}

const PREFIX: &str = "det:seed=";

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}:", self.seed)?;
        let mut rest = self.choices.as_slice();
        let mut first = true;
        while let Some(&thread) = rest.first() {
            let run = rest.iter().take_while(|&&next| next == thread).count();
            if !first {
                f.write_str(".")?;
            }
            first = false;
            if run > 1 {
                write!(f, "{thread}*{run}")?;
            } else {
                write!(f, "{thread}")?;
            }
            rest = &rest[run..];
        }
        Ok(())
    }
}

/// Why a text is not a schedule; the message says what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleParseError(String);

impl fmt::Display for ScheduleParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a schedule: {}", self.0)
    }
}

impl std::error::Error for ScheduleParseError {}

/// More choices than any real run makes; it only bounds what a pasted `N*K` may allocate.
const MAX_CHOICES: usize = 100_000_000;

impl FromStr for Schedule {
    type Err = ScheduleParseError;

    fn from_str(text: &str) -> Result<Schedule, ScheduleParseError> {
        let error = |what: String| Err(ScheduleParseError(what));
        let text = text.trim();
        let Some(rest) = text.strip_prefix(PREFIX) else {
            return error(format!("expected it to start with \"{PREFIX}\""));
        };
        let Some((seed, list)) = rest.split_once(':') else {
            return error("expected \":\" after the seed".to_owned());
        };
        let Ok(seed) = seed.parse::<u64>() else {
            return error(format!("the seed \"{seed}\" is not a whole number"));
        };
        let mut choices = Vec::new();
        if !list.is_empty() {
            for item in list.split('.') {
                let (thread, count) = match item.split_once('*') {
                    Some((thread, count)) => (thread, count.parse::<usize>().ok()),
                    None => (item, Some(1)),
                };
                let (Ok(thread), Some(count)) = (thread.parse::<u32>(), count) else {
                    return error(format!(
                        "\"{item}\" is not a thread number (or NUMBER*COUNT)"
                    ));
                };
                if count == 0 || choices.len().saturating_add(count) > MAX_CHOICES {
                    return error(format!(
                        "\"{item}\" repeats a choice an impossible number of times"
                    ));
                }
                choices.extend(std::iter::repeat_n(thread, count));
            }
        }
        Ok(Schedule { seed, choices })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_compresses_runs() {
        let schedule = Schedule::new(42, vec![1, 0, 2, 2, 2, 1]);
        assert_eq!(schedule.to_string(), "det:seed=42:1.0.2*3.1");
        assert_eq!(schedule.to_string().parse::<Schedule>(), Ok(schedule));
        let empty = Schedule::new(7, Vec::new());
        assert_eq!(empty.to_string(), "det:seed=7:");
        assert_eq!("det:seed=7:".parse::<Schedule>(), Ok(empty));
        // The uncompressed form a person might type is accepted too.
        assert_eq!(
            " det:seed=42:1.0.2.2.1\n"
                .parse::<Schedule>()
                .unwrap()
                .choices(),
            [1, 0, 2, 2, 1]
        );
    }

    #[test]
    fn bad_text_gets_a_clear_message() {
        let message = |text: &str| text.parse::<Schedule>().unwrap_err().to_string();
        assert_eq!(
            message("seed=4:1"),
            "not a schedule: expected it to start with \"det:seed=\""
        );
        assert_eq!(
            message("det:seed=x:1"),
            "not a schedule: the seed \"x\" is not a whole number"
        );
        assert_eq!(
            message("det:seed=1:1.a"),
            "not a schedule: \"a\" is not a thread number (or NUMBER*COUNT)"
        );
        assert!(message("det:seed=1:1*0").contains("impossible"));
        assert!(message("det:seed=1:1*99999999999").contains("impossible"));
        assert!(message("det:seed=1").contains("after the seed"));
    }
}
