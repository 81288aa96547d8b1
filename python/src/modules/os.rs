//! `os`: `getpid`, `getppid`, `cpu_count`; no file or process access.

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
