//! `concurrent.futures`: ThreadPoolExecutor and Future on threadlab-core's executor.

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
