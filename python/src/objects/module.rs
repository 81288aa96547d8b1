use std::sync::Arc;

use super::{Dict, PyStr};

/// A module: a name and its globals.
pub struct Module {
    pub name: Arc<PyStr>,
    pub dict: Arc<Dict>,
}

impl Module {
    pub fn new(name: &str, dict: Arc<Dict>) -> Arc<Module> {
        Arc::new(Module {
            name: PyStr::new(name),
            dict,
        })
    }
}
