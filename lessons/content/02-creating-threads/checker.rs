//! Written next.

use crate::check::{Checking, Verdict};

pub(crate) fn check(_checking: &mut Checking<'_>) -> Verdict {
    Verdict::new(&[])
}
