//! `threading`, on threadlab-core: every thread is a core thread with its own `Vm`, and every
//! primitive is core's, so all blocking goes through the run's scheduler (parallel, GIL or
//! deterministic).

mod barrier;
mod condition;
mod event;
mod local;
pub(crate) mod lock;
mod rlock;
mod semaphore;
pub mod thread;

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    thread::install(module);
    local::install(module);
    lock::install(module);
    rlock::install(module);
    semaphore::install(module);
    event::install(module);
    condition::install(module);
    barrier::install(module);
    Ok(())
}
