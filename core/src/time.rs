//! Run time: nanoseconds since the run started, on the scheduler's clock.
//!
//! A [`Time`] is real elapsed time under the parallel and GIL schedulers and virtual time under
//! the deterministic one. Everything above `sched` (timeouts, traces, timing summaries) uses
//! this type, so none of it needs to know which clock is ticking.

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

/// A point on a run's clock, as nanoseconds since the run began.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Time(u64);

impl Time {
    pub const ZERO: Time = Time(0);
    pub const MAX: Time = Time(u64::MAX);

    pub const fn from_nanos(nanos: u64) -> Time {
        Time(nanos)
    }

    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Microseconds, the unit of Chrome's trace-event format.
    pub fn as_micros_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000_000_000.0
    }

    /// The time left until `deadline`, or zero when it has passed.
    pub fn until(self, deadline: Time) -> Duration {
        Duration::from_nanos(deadline.0.saturating_sub(self.0))
    }

    /// `self + timeout`, saturating: a huge timeout means "practically never".
    pub fn after(self, timeout: Duration) -> Time {
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        Time(self.0.saturating_add(nanos))
    }
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, rhs: Duration) -> Time {
        self.after(rhs)
    }
}

impl Sub for Time {
    type Output = Duration;
    fn sub(self, rhs: Time) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for Time {
    /// Seconds with millisecond precision: what a learner reads on a timeline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_saturate_instead_of_overflowing() {
        let t = Time::from_nanos(5);
        assert_eq!(t.after(Duration::MAX), Time::MAX);
        assert_eq!(t.until(Time::from_nanos(3)), Duration::ZERO);
        assert_eq!(t.until(Time::from_nanos(8)), Duration::from_nanos(3));
    }

    #[test]
    fn displays_seconds() {
        assert_eq!(Time::from_nanos(1_234_567_890).to_string(), "1.235 s");
    }
}
