//! `threading.RLock` (to be written).
pub struct RLock;
