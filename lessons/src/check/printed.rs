//! Numbers as the learner's program printed them.
//!
//! A program prints what it measured rounded to the digits its format asks for
//! (`f"{seconds:.2f}"`), so a checker that compares a printed number with the trace, or with
//! other printed numbers, must allow for that rounding, and no more: a number typed in rather
//! than computed must still fail. [`PrintedNumber`] keeps the number with the rounding its own
//! digits allow, and the text as printed, for messages that quote it.

/// A number as printed, with how far the value the program had may be from it because of
/// rounding: half a unit of the last digit printed (0.005 for `1.23`, 0.5 for `12`).
#[derive(Clone, Debug, PartialEq)]
pub struct PrintedNumber {
    pub value: f64,
    pub rounding: f64,
    /// The number exactly as it was printed, for messages.
    pub text: String,
}

impl PrintedNumber {
    /// `text` read as a number (`"1.50"`, `"-3"`, `"2e-3"`), or `None` if it is not one.
    pub fn parse(text: &str) -> Option<PrintedNumber> {
        let value = text.parse::<f64>().ok()?;
        let decimals = text
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len() as i32);
        Some(PrintedNumber {
            value,
            rounding: 0.5 * 10f64.powi(-decimals),
            text: text.to_owned(),
        })
    }

    /// The smallest value that prints as this number.
    pub fn low(&self) -> f64 {
        self.value - self.rounding
    }

    /// The largest value that prints as this number.
    pub fn high(&self) -> f64 {
        self.value + self.rounding
    }

    /// Whether some value between `low` and `high` could have been printed as this number.
    pub fn could_be(&self, low: f64, high: f64) -> bool {
        self.high() >= low && self.low() <= high
    }
}

#[cfg(test)]
mod tests {
    use super::PrintedNumber;

    #[test]
    fn the_rounding_is_half_a_unit_of_the_last_digit() {
        let number = PrintedNumber::parse("1.50").unwrap();
        assert_eq!((number.value, number.rounding), (1.5, 0.005));
        assert_eq!(number.text, "1.50");
        assert_eq!(PrintedNumber::parse("12").unwrap().rounding, 0.5);
        assert!(PrintedNumber::parse("1.5s").is_none());
    }

    #[test]
    fn could_be_allows_the_rounding_and_no_more() {
        let number = PrintedNumber::parse("2.0").unwrap();
        assert!(number.could_be(2.04, 3.0));
        assert!(number.could_be(1.0, 1.96));
        assert!(!number.could_be(2.06, 3.0));
        assert!(!number.could_be(1.0, 1.94));
    }
}
