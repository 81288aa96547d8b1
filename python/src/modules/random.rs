//! `random`: a seedable generator (reproducible with a seed; not CPython's sequence).

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
