//! A step run's history, as a learner saves it and replays it.
//!
//! ```text
//! threadlab step schedule
//! seed: 42
//! choices: 1.0.2*3
//! steps: 0l 1l*3 2i
//! finish: yes
//! ```
//!
//! `choices` (optional) are scheduler choices followed silently before the first pause, as a
//! failing seed's run is opened at its interesting point (see `step::seed`); `steps` are the
//! learner's steps, each a thread number and its granularity (`l` one line, `i` one
//! instruction), `N*K` for K equal steps in a row; `finish: yes` hands the rest to the seeded
//! random walk. Other lines (the whole run's `schedule: det:…`, comments) are ignored, so the
//! file the CLI saves can say more for people.

use std::fmt;
use std::str::FromStr;

use threadlab_core::Schedule;

use super::{Granularity, Step};

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepSchedule {
    pub seed: u64,
    /// Scheduler choices to follow before the first pause.
    pub choices: Vec<u32>,
    pub steps: Vec<Step>,
    /// After the steps, the seeded random walk finishes the run.
    pub finish: bool,
}

const HEADER: &str = "threadlab step schedule";

/// More steps than anyone takes by hand; it bounds what a pasted `N*K` may allocate.
const MAX_STEPS: usize = 10_000_000;

impl StepSchedule {
    pub fn new(seed: u64) -> StepSchedule {
        StepSchedule {
            seed,
            ..StepSchedule::default()
        }
    }

    /// The text form, with `whole_run` (the scheduler's schedule of the run so far, which
    /// `Strategy::Replay` replays) as a line for people and other tools.
    pub fn to_text(&self, whole_run: Option<&Schedule>) -> String {
        let mut text = self.to_string();
        if let Some(schedule) = whole_run {
            text.push_str(&format!("schedule: {schedule}\n"));
        }
        text
    }
}

impl fmt::Display for StepSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{HEADER}")?;
        writeln!(f, "seed: {}", self.seed)?;
        if !self.choices.is_empty() {
            // The scheduler's own compact form, without its prefix.
            let choices = Schedule::new(self.seed, self.choices.clone()).to_string();
            let list = choices.split_once(':').map_or("", |(_, rest)| rest);
            let list = list.split_once(':').map_or("", |(_, rest)| rest);
            writeln!(f, "choices: {list}")?;
        }
        let mut steps = Vec::new();
        let mut rest = self.steps.as_slice();
        while let Some(&step) = rest.first() {
            let run = rest.iter().take_while(|&&next| next == step).count();
            let letter = match step.granularity {
                Granularity::Line => 'l',
                Granularity::Instruction => 'i',
            };
            steps.push(if run > 1 {
                format!("{}{letter}*{run}", step.thread)
            } else {
                format!("{}{letter}", step.thread)
            });
            rest = &rest[run..];
        }
        writeln!(f, "steps: {}", steps.join(" "))?;
        if self.finish {
            writeln!(f, "finish: yes")?;
        }
        Ok(())
    }
}

impl FromStr for StepSchedule {
    type Err = String;

    fn from_str(text: &str) -> Result<StepSchedule, String> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        if lines.next() != Some(HEADER) {
            return Err(format!(
                "not a step schedule: expected its first line to be \"{HEADER}\""
            ));
        }
        let mut schedule = StepSchedule::default();
        let mut seed = None;
        for line in lines {
            let Some((key, value)) = line.split_once(':') else {
                return Err(format!(
                    "not a step schedule: \"{line}\" is not \"key: value\""
                ));
            };
            let value = value.trim();
            match key.trim() {
                "seed" => {
                    seed = Some(value.parse::<u64>().map_err(|_| {
                        format!("not a step schedule: the seed \"{value}\" is not a whole number")
                    })?)
                }
                "choices" => {
                    let parsed: Schedule = format!("det:seed=0:{value}")
                        .parse()
                        .map_err(|error| format!("{error} (in \"choices\")"))?;
                    schedule.choices = parsed.choices().to_vec();
                }
                "steps" => schedule.steps = parse_steps(value)?,
                "finish" => schedule.finish = value == "yes",
                _ => {}
            }
        }
        schedule.seed = seed.ok_or("not a step schedule: it has no \"seed:\" line")?;
        Ok(schedule)
    }
}

fn parse_steps(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for item in text.split_whitespace() {
        let bad = || {
            format!(
                "not a step schedule: \"{item}\" is not a step (a thread number and l or i, \
                 as in 1l, 2i or 1l*3)"
            )
        };
        let (step, count) = match item.split_once('*') {
            Some((step, count)) => (step, count.parse::<usize>().map_err(|_| bad())?),
            None => (item, 1),
        };
        let granularity = match step.chars().last() {
            Some('l') => Granularity::Line,
            Some('i') => Granularity::Instruction,
            _ => return Err(bad()),
        };
        let thread = step[..step.len() - 1].parse::<u32>().map_err(|_| bad())?;
        if count == 0 || steps.len().saturating_add(count) > MAX_STEPS {
            return Err(bad());
        }
        steps.extend(std::iter::repeat_n(
            Step {
                thread,
                granularity,
            },
            count,
        ));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_with_granularity_per_step() {
        let line = |thread| Step {
            thread,
            granularity: Granularity::Line,
        };
        let schedule = StepSchedule {
            seed: 42,
            choices: vec![1, 0, 2, 2, 2],
            steps: vec![
                line(0),
                line(1),
                line(1),
                Step {
                    thread: 2,
                    granularity: Granularity::Instruction,
                },
            ],
            finish: true,
        };
        let text = schedule.to_text(None);
        assert_eq!(
            text,
            "threadlab step schedule\nseed: 42\nchoices: 1.0.2*3\nsteps: 0l 1l*2 2i\nfinish: yes\n"
        );
        assert_eq!(text.parse::<StepSchedule>(), Ok(schedule));
        let with_run = StepSchedule::new(3).to_text(Some(&Schedule::new(3, vec![1])));
        assert!(with_run.ends_with("schedule: det:seed=3:1\n"));
        assert_eq!(with_run.parse(), Ok(StepSchedule::new(3)));
    }

    #[test]
    fn bad_text_gets_a_clear_message() {
        let message = |text: &str| text.parse::<StepSchedule>().unwrap_err();
        assert!(message("det:seed=1:1").contains("first line"));
        assert!(message("threadlab step schedule\nsteps: 1l").contains("no \"seed:\""));
        assert!(message("threadlab step schedule\nseed: 1\nsteps: 1x").contains("\"1x\""));
        assert!(message("threadlab step schedule\nseed: 1\nsteps: 1l*0").contains("1l*0"));
        assert!(message("threadlab step schedule\nseed: x").contains("whole number"));
    }
}
