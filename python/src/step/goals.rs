//! Goals a learner can be set in step mode, each judged from what the run shows, without
//! knowing the program: a lost update from the log of global reads and writes, a deadlock from
//! the scheduler's report, "two threads in the critical section" from the lines they are at.

use std::fmt;

use super::view::{End, Pause, RowState};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// A thread overwrites a global that another thread changed after it read it (`None`:
    /// any global).
    LoseAnUpdate { global: Option<String> },
    /// The global ends with another value than `expected` (its `repr`).
    EndOtherThan { global: String, expected: String },
    /// The run deadlocks.
    Deadlock,
    /// Two threads at once at lines `first..=last` (the critical section), neither finished.
    Together { first: u32, last: u32 },
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Goal::LoseAnUpdate { global: None } => f.write_str("make a thread lose an update"),
            Goal::LoseAnUpdate { global: Some(name) } => {
                write!(f, "make a thread lose an update of {name}")
            }
            Goal::EndOtherThan { global, expected } => {
                write!(f, "make {global} end other than {expected}")
            }
            Goal::Deadlock => f.write_str("reach a deadlock"),
            Goal::Together { first, last } => {
                write!(f, "get two threads into lines {first}-{last} at once")
            }
        }
    }
}

impl Goal {
    /// Why the goal is reached at this pause, if it is.
    pub fn reached_at(&self, pause: &Pause) -> Option<String> {
        match self {
            Goal::LoseAnUpdate { global } => {
                let names = |num| {
                    pause
                        .thread(num)
                        .map_or_else(|| format!("thread #{num}"), |row| row.name.clone())
                };
                pause
                    .lost_updates
                    .iter()
                    .find(|lost| global.as_ref().is_none_or(|name| *name == lost.name))
                    .map(|lost| lost.describe(&names))
            }
            Goal::Together { first, last } => {
                let inside: Vec<&str> = pause
                    .threads
                    .iter()
                    .filter(|row| row.state != RowState::Finished)
                    .filter(|row| {
                        row.line
                            .is_some_and(|line| (*first..=*last).contains(&line))
                    })
                    .map(|row| row.name.as_str())
                    .collect();
                (inside.len() >= 2).then(|| {
                    format!(
                        "{} are in lines {first}-{last} at the same time",
                        inside.join(" and ")
                    )
                })
            }
            Goal::EndOtherThan { .. } | Goal::Deadlock => None,
        }
    }

    /// Why the goal is reached by the end of the run, if it is.
    pub fn reached_by(&self, end: &End) -> Option<String> {
        match self {
            Goal::LoseAnUpdate { global } => end
                .lost_updates
                .iter()
                .find(|lost| global.as_ref().is_none_or(|name| *name == lost.name))
                .map(|lost| lost.describe(&|num| end.thread_name(num))),
            Goal::EndOtherThan { global, expected } => match end.global(global) {
                Some(value) if value != expected => {
                    Some(format!("{global} ended at {value}, not {expected}"))
                }
                _ => None,
            },
            Goal::Deadlock => end
                .deadlock
                .as_ref()
                .map(|report| format!("deadlock: {report}")),
            Goal::Together { .. } => None,
        }
    }
}

/// The text form a lesson's manifest and `threadlab step --goal` use: `lost-update` (or
/// `lost-update:NAME`), `deadlock`, `NAME!=VALUE` (a global's final `repr`) or
/// `together:FIRST-LAST` (two threads at once in those lines).
impl std::str::FromStr for Goal {
    type Err = String;

    fn from_str(text: &str) -> Result<Goal, String> {
        let bad = || {
            format!(
                "goal {text}: expected lost-update, lost-update:NAME, deadlock, NAME!=VALUE \
                 or together:FIRST-LAST"
            )
        };
        if text == "deadlock" {
            return Ok(Goal::Deadlock);
        }
        if text == "lost-update" {
            return Ok(Goal::LoseAnUpdate { global: None });
        }
        if let Some(name) = text.strip_prefix("lost-update:") {
            return Ok(Goal::LoseAnUpdate {
                global: Some(name.to_owned()),
            });
        }
        if let Some(lines) = text.strip_prefix("together:") {
            let (first, last) = lines.split_once('-').ok_or_else(bad)?;
            let (Ok(first), Ok(last)) = (first.parse::<u32>(), last.parse::<u32>()) else {
                return Err(bad());
            };
            return Ok(Goal::Together { first, last });
        }
        if let Some((name, value)) = text.split_once("!=") {
            if !name.trim().is_empty() && !value.trim().is_empty() {
                return Ok(Goal::EndOtherThan {
                    global: name.trim().to_owned(),
                    expected: value.trim().to_owned(),
                });
            }
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::Goal;

    #[test]
    fn goals_read_from_their_text_form() {
        assert_eq!("deadlock".parse(), Ok(Goal::Deadlock));
        assert_eq!(
            "lost-update:balance".parse(),
            Ok(Goal::LoseAnUpdate {
                global: Some("balance".to_owned())
            })
        );
        assert_eq!(
            "together:10-12".parse(),
            Ok(Goal::Together {
                first: 10,
                last: 12
            })
        );
        assert_eq!(
            "balance != 0".parse(),
            Ok(Goal::EndOtherThan {
                global: "balance".to_owned(),
                expected: "0".to_owned()
            })
        );
        assert!("together:10".parse::<Goal>().is_err());
        assert!("win".parse::<Goal>().is_err());
    }
}
