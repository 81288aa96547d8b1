//! `sys`: `exit`, `argv`, switch interval, `stdout`/`stderr`, `version`.

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
