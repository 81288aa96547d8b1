//! Pools (to be written).
