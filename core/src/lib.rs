//! threadlab's runtime: threads, a pluggable scheduler, Python-style primitives, queues, pools
//! and tracing. It knows nothing of Python; the interpreter in `threadlab-python` is built on it.
//!
//! ```text
//! runtime ── sched (Parallel | Gil | Deterministic) ── platform (std::thread | Web Workers)
//!    │
//!    ├── thread   registry, start/join, thread-locals, uncaught-error hook
//!    ├── sync     Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier
//!    ├── queue    Queue, LifoQueue, PriorityQueue, SimpleQueue
//!    ├── pool     ThreadPool + AsyncResult, Executor + Future
//!    └── trace    events → Chrome trace JSON, text timeline
//! ```
//!
//! The one rule: every blocking wait goes through the run's [`Scheduler`](sched::Scheduler).
//! That is what lets the same primitives run truly in parallel, under a simulated GIL, or one
//! thread at a time under a seeded deterministic scheduler.

pub mod error;
pub mod object_id;
pub mod platform;
pub mod pool;
pub mod queue;
pub mod runtime;
pub mod sched;
pub mod sync;
pub mod thread;
pub mod time;
pub mod trace;
mod util;

pub use error::{Error, ExceptionKind, Result, StopReason};
pub use object_id::{ObjectId, ObjectKind};
pub use runtime::{Runtime, RuntimeBuilder, UncaughtError};
pub use sched::{Mode, Schedule, Strategy, VirtualCpu};
pub use thread::{ThreadLocal, ThreadOptions, ThreadRef};
pub use time::Time;
