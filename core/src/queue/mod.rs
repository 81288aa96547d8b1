//! Queues (to be written).
