//! `queue`: Queue, LifoQueue, PriorityQueue, SimpleQueue, on threadlab-core's queues.

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
