//! `time`: sleeping and clocks, on the run's scheduler (virtual time in deterministic mode).

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
