//! Spinning briefly before parking.
//!
//! When threads truly run in parallel, the thread that will make a waiter's condition true is
//! often a few microseconds away, while a park/unpark pair costs two system calls and a wake-up
//! latency. So a thread about to park may first spin on a lock-free hint for a while: rounds of
//! exponential back-off (1, 2, 4, … spin-loop hints), then rounds that yield the processor, as
//! crossbeam-channel's `Backoff` does. Callers decide whether spinning helps at all (the
//! scheduler's `spinning_helps`, and never where every wait must be one the scheduler sees).

/// How long [`spin_until`] goes on: `spin_rounds` rounds of doubling busy-spins, then
/// `yield_rounds` yields of the processor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub(crate) spin_rounds: u32,
    pub(crate) yield_rounds: u32,
}

/// Spins, with no lock held, until `ready()` or the rounds of `backoff` run out. `ready` is
/// checked before each round; the caller re-checks its condition under its lock either way,
/// since `ready` only reads a lock-free hint.
///
/// The yields are not waits (nothing is waited for, and they are no-ops on wasm), so they do not
/// bypass the scheduler; they only let a descheduled partner thread run on a machine with more
/// threads than cores, which spinning alone cannot.
#[cold]
pub(crate) fn spin_until(backoff: Backoff, ready: impl Fn() -> bool) {
    for round in 0..backoff.spin_rounds {
        if ready() {
            return;
        }
        for _ in 0..(1u32 << round) {
            std::hint::spin_loop();
        }
    }
    for _ in 0..backoff.yield_rounds {
        if ready() {
            return;
        }
        std::thread::yield_now();
    }
}
