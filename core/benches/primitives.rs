//! Our primitives against well-known crates, scenario by scenario.
//!
//! Each scenario is written once, against a small adapter trait, and run on threadlab-core and on
//! its anchors in the same process, so the ratios in docs/BENCHMARKS.md compare like with like:
//!
//! | scenario | ours | anchors |
//! |---|---|---|
//! | uncontended lock/unlock | `sync::Lock` | `parking_lot::Mutex`, `std::sync::Mutex` |
//! | contended lock, 2 threads | `sync::Lock` | `parking_lot::Mutex`, `std::sync::Mutex` |
//! | SPSC / MPMC throughput | `queue::Queue`, `queue::SimpleQueue` | `crossbeam_channel::unbounded` |
//! | 10k tiny pool tasks | `pool::ThreadPool`, `pool::Executor` | `rayon::scope`, `threadpool::ThreadPool` |
//! | one pool task and its result | `ThreadPool::apply`, `Executor::submit` + `result` | `rayon::ThreadPool::install`, `threadpool` + a channel |
//!
//! Run with `cargo bench -p threadlab-core --bench primitives`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use threadlab_core::pool::{Executor, ExecutorOptions, PoolOptions, ThreadPool};
use threadlab_core::queue::{Queue, SimpleQueue};
use threadlab_core::sync::Lock;
use threadlab_core::{Mode, Runtime};

// ----- locks -----

/// A mutual-exclusion lock as the scenarios use it: take, run a critical section, give back.
trait BenchLock: Send + Sync + 'static {
    const NAME: &'static str;
    fn make(rt: &Runtime) -> Self;
    fn critical<R>(&self, section: impl FnOnce() -> R) -> R;
}

impl BenchLock for Lock {
    const NAME: &'static str = "threadlab Lock";
    fn make(rt: &Runtime) -> Self {
        Lock::new(rt)
    }
    fn critical<R>(&self, section: impl FnOnce() -> R) -> R {
        self.acquire().unwrap();
        let result = section();
        self.release().unwrap();
        result
    }
}

impl BenchLock for parking_lot::Mutex<()> {
    const NAME: &'static str = "parking_lot Mutex";
    fn make(_: &Runtime) -> Self {
        parking_lot::Mutex::new(())
    }
    fn critical<R>(&self, section: impl FnOnce() -> R) -> R {
        let _guard = self.lock();
        section()
    }
}

impl BenchLock for std::sync::Mutex<()> {
    const NAME: &'static str = "std Mutex";
    fn make(_: &Runtime) -> Self {
        std::sync::Mutex::new(())
    }
    fn critical<R>(&self, section: impl FnOnce() -> R) -> R {
        let _guard = self.lock().unwrap();
        section()
    }
}

fn uncontended<L: BenchLock>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &Runtime,
) {
    let lock = L::make(rt);
    c.bench_function(BenchmarkId::from_parameter(L::NAME), |b| {
        b.iter(|| lock.critical(|| black_box(1)))
    });
}

/// Two threads each take the lock `iters` times around a tiny shared update.
fn contended<L: BenchLock>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &Runtime,
) {
    let lock = Arc::new(L::make(rt));
    let shared = Arc::new(AtomicU64::new(0));
    c.bench_function(BenchmarkId::from_parameter(L::NAME), |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for _ in 0..2 {
                    scope.spawn(|| {
                        for _ in 0..iters {
                            lock.critical(|| {
                                shared.store(shared.load(Ordering::Relaxed) + 1, Ordering::Relaxed)
                            });
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
}

fn locks(c: &mut Criterion) {
    let rt = Runtime::new(Mode::Parallel);
    let mut group = c.benchmark_group("lock_uncontended");
    uncontended::<Lock>(&mut group, &rt);
    uncontended::<parking_lot::Mutex<()>>(&mut group, &rt);
    uncontended::<std::sync::Mutex<()>>(&mut group, &rt);
    group.finish();
    let mut group = c.benchmark_group("lock_contended_2_threads");
    contended::<Lock>(&mut group, &rt);
    contended::<parking_lot::Mutex<()>>(&mut group, &rt);
    contended::<std::sync::Mutex<()>>(&mut group, &rt);
    group.finish();
}

// ----- queues -----

/// An unbounded multi-producer multi-consumer channel of `u64`.
trait BenchQueue: Send + Sync + 'static {
    const NAME: &'static str;
    fn make(rt: &Runtime) -> Self;
    fn send(&self, item: u64);
    fn recv(&self) -> u64;
}

impl BenchQueue for Queue<u64> {
    const NAME: &'static str = "threadlab Queue";
    fn make(rt: &Runtime) -> Self {
        Queue::new(rt, 0)
    }
    fn send(&self, item: u64) {
        self.put(item, None).map_err(|err| err.error).unwrap();
    }
    fn recv(&self) -> u64 {
        self.get(None).unwrap()
    }
}

impl BenchQueue for SimpleQueue<u64> {
    const NAME: &'static str = "threadlab SimpleQueue";
    fn make(rt: &Runtime) -> Self {
        SimpleQueue::new(rt)
    }
    fn send(&self, item: u64) {
        let _ = self.put(item);
    }
    fn recv(&self) -> u64 {
        self.get(None).unwrap()
    }
}

impl BenchQueue
    for (
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    )
{
    const NAME: &'static str = "crossbeam-channel unbounded";
    fn make(_: &Runtime) -> Self {
        crossbeam_channel::unbounded()
    }
    fn send(&self, item: u64) {
        self.0.send(item).unwrap();
    }
    fn recv(&self) -> u64 {
        self.1.recv().unwrap()
    }
}

const QUEUE_ITEMS: u64 = 20_000;

/// `producers` threads each send `QUEUE_ITEMS / producers` items; `consumers` threads share them.
fn transfer<Q: BenchQueue>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &Runtime,
    producers: u64,
    consumers: u64,
) {
    c.bench_function(BenchmarkId::from_parameter(Q::NAME), |b| {
        b.iter(|| {
            let queue = Q::make(rt);
            let received = AtomicU64::new(0);
            std::thread::scope(|scope| {
                for _ in 0..producers {
                    scope.spawn(|| {
                        for item in 0..QUEUE_ITEMS / producers {
                            queue.send(item);
                        }
                    });
                }
                for _ in 0..consumers {
                    scope.spawn(|| {
                        for _ in 0..QUEUE_ITEMS / consumers {
                            received.fetch_add(black_box(queue.recv()), Ordering::Relaxed);
                        }
                    });
                }
            });
            received.into_inner()
        })
    });
}

fn queues(c: &mut Criterion) {
    let rt = Runtime::new(Mode::Parallel);
    let mut group = c.benchmark_group("queue_spsc_20k");
    group.throughput(criterion::Throughput::Elements(QUEUE_ITEMS));
    transfer::<Queue<u64>>(&mut group, &rt, 1, 1);
    transfer::<SimpleQueue<u64>>(&mut group, &rt, 1, 1);
    transfer::<(
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    )>(&mut group, &rt, 1, 1);
    group.finish();
    let mut group = c.benchmark_group("queue_mpmc_2x2_20k");
    group.throughput(criterion::Throughput::Elements(QUEUE_ITEMS));
    transfer::<Queue<u64>>(&mut group, &rt, 2, 2);
    transfer::<SimpleQueue<u64>>(&mut group, &rt, 2, 2);
    transfer::<(
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    )>(&mut group, &rt, 2, 2);
    group.finish();
}

// ----- pools -----

/// A pool that runs `tasks` tiny closures and returns when all have run.
///
/// Every pool runs the same task: a closure that captures its index and adds it to a shared
/// counter. The counter is `'static`, so no pool pays for an `Arc` clone and drop per task
/// (rayon's scope could borrow it and the others could not, which charged them a reference
/// count on the counter's contended cache line per task, a cost of the scenario and not of the
/// pool); the captured index keeps every closure the same non-zero size, so every pool stores
/// it somewhere (a zero-sized closure costs the threadpool crate no allocation at all). Ours
/// also keep a handle per task and read each value back, as the Python programs do
/// (`results = [pool.apply_async(f) for ...]; [r.get() for r in results]`); the anchors have no
/// per-task results and wait for all tasks at once (the end of rayon's `scope`, threadpool's
/// `join`). Every pool's `run_all` returns only once every task has run.
trait BenchPool: 'static {
    const NAME: &'static str;
    fn make(rt: &Runtime, workers: usize) -> Self;
    fn run_all(&self, tasks: u64, counter: &'static AtomicU64);
    /// Runs one task on the pool and waits for its value: Python's `pool.apply(f)` or
    /// `executor.submit(f).result()`, called in a loop.
    fn round_trip(&self, i: u64, counter: &'static AtomicU64) -> u64;
}

impl BenchPool for ThreadPool {
    const NAME: &'static str = "threadlab ThreadPool";
    fn make(rt: &Runtime, workers: usize) -> Self {
        ThreadPool::new(
            rt,
            PoolOptions {
                processes: Some(workers),
                initializer: None,
            },
        )
        .unwrap()
    }
    fn run_all(&self, tasks: u64, counter: &'static AtomicU64) {
        let results: Vec<_> = (0..tasks)
            .map(|i| {
                self.apply_async(
                    move || Ok::<_, ()>(counter.fetch_add(i, Ordering::Relaxed)),
                    None,
                    None,
                )
                .unwrap()
            })
            .collect();
        for result in results {
            black_box(result.get(None).map_err(drop).unwrap());
        }
    }
    fn round_trip(&self, i: u64, counter: &'static AtomicU64) -> u64 {
        self.apply(move || Ok::<_, ()>(counter.fetch_add(i, Ordering::Relaxed)))
            .map_err(drop)
            .unwrap()
    }
}

impl BenchPool for Executor {
    const NAME: &'static str = "threadlab Executor";
    fn make(rt: &Runtime, workers: usize) -> Self {
        Executor::new(
            rt,
            ExecutorOptions {
                max_workers: Some(workers),
                ..ExecutorOptions::default()
            },
        )
        .unwrap()
    }
    fn run_all(&self, tasks: u64, counter: &'static AtomicU64) {
        let futures: Vec<_> = (0..tasks)
            .map(|i| {
                self.submit(move || Ok::<_, ()>(counter.fetch_add(i, Ordering::Relaxed)))
                    .unwrap()
            })
            .collect();
        for future in futures {
            black_box(future.result(None).map_err(drop).unwrap());
        }
    }
    fn round_trip(&self, i: u64, counter: &'static AtomicU64) -> u64 {
        self.submit(move || Ok::<_, ()>(counter.fetch_add(i, Ordering::Relaxed)))
            .unwrap()
            .result(None)
            .map_err(drop)
            .unwrap()
    }
}

struct Rayon(rayon::ThreadPool);

impl BenchPool for Rayon {
    const NAME: &'static str = "rayon";
    fn make(_: &Runtime, workers: usize) -> Self {
        Rayon(
            rayon::ThreadPoolBuilder::new()
                .num_threads(workers)
                .build()
                .unwrap(),
        )
    }
    fn run_all(&self, tasks: u64, counter: &'static AtomicU64) {
        self.0.scope(|scope| {
            for i in 0..tasks {
                scope.spawn(move |_| {
                    counter.fetch_add(i, Ordering::Relaxed);
                });
            }
        });
    }
    /// rayon's way to run a closure on the pool and get its value back.
    fn round_trip(&self, i: u64, counter: &'static AtomicU64) -> u64 {
        self.0
            .install(move || counter.fetch_add(i, Ordering::Relaxed))
    }
}

impl BenchPool for threadpool::ThreadPool {
    const NAME: &'static str = "threadpool crate";
    fn make(_: &Runtime, workers: usize) -> Self {
        threadpool::ThreadPool::new(workers)
    }
    fn run_all(&self, tasks: u64, counter: &'static AtomicU64) {
        for i in 0..tasks {
            self.execute(move || {
                counter.fetch_add(i, Ordering::Relaxed);
            });
        }
        self.join();
    }
    /// The crate hands back no values: a channel carries it.
    fn round_trip(&self, i: u64, counter: &'static AtomicU64) -> u64 {
        let (sender, receiver) = std::sync::mpsc::channel();
        self.execute(move || {
            let _ = sender.send(counter.fetch_add(i, Ordering::Relaxed));
        });
        receiver.recv().unwrap()
    }
}

const POOL_TASKS: u64 = 10_000;

fn run_pool<P: BenchPool>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &Runtime,
) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pool = P::make(rt, 2);
    c.bench_function(BenchmarkId::from_parameter(P::NAME), |b| {
        b.iter(|| pool.run_all(POOL_TASKS, &COUNTER))
    });
}

fn round_trip<P: BenchPool>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &Runtime,
) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pool = P::make(rt, 2);
    let mut i = 0;
    c.bench_function(BenchmarkId::from_parameter(P::NAME), |b| {
        b.iter(|| {
            i += 1;
            black_box(pool.round_trip(i, &COUNTER))
        })
    });
}

fn pools(c: &mut Criterion) {
    let rt = Runtime::new(Mode::Parallel);
    let mut group = c.benchmark_group("pool_10k_tiny_tasks");
    group.throughput(criterion::Throughput::Elements(POOL_TASKS));
    run_pool::<ThreadPool>(&mut group, &rt);
    run_pool::<Executor>(&mut group, &rt);
    run_pool::<Rayon>(&mut group, &rt);
    run_pool::<threadpool::ThreadPool>(&mut group, &rt);
    group.finish();

    let mut group = c.benchmark_group("pool_round_trip");
    round_trip::<ThreadPool>(&mut group, &rt);
    round_trip::<Executor>(&mut group, &rt);
    round_trip::<Rayon>(&mut group, &rt);
    round_trip::<threadpool::ThreadPool>(&mut group, &rt);
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = locks, queues, pools }
criterion_main!(benches);
