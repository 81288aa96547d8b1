//! `multiprocessing`: Process (an isolated interpreter), current_process, and `multiprocessing.pool.ThreadPool`.

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    super::process::install(module);
    Ok(())
}

pub(super) fn build_pool(vm: &mut Vm, module: &Dict) -> PyResult<()> {
    super::thread_pool::build(vm, module)
}
