//! Schedules explored per second by the deterministic scheduler, on the smallest interesting
//! program: two threads each doing ten unprotected `counter += 1` (load, tick, store). This is
//! what a checker pays per seed when it hunts a learner's race.
//!
//! Run with `cargo bench -p threadlab-core --bench deterministic`; criterion reports the time per
//! batch of 100 schedules, so schedules/s = 100 / that time. The anchor is spawning and joining
//! the same two threads in a parallel run: the floor that no scheduler can beat.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use threadlab_core::sched::Explorer;
use threadlab_core::{Mode, Runtime, ThreadOptions};

const SCHEDULES_PER_BATCH: u64 = 100;

fn lost_update(rt: &Runtime) -> Result<(), String> {
    let counter = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (counter, rt2) = (counter.clone(), rt.clone());
            rt.spawn(ThreadOptions::default(), move || {
                for _ in 0..10 {
                    let seen = counter.load(Ordering::Relaxed);
                    if rt2.tick().is_err() {
                        return;
                    }
                    counter.store(seen + 1, Ordering::Relaxed);
                }
            })
            .map_err(|err| err.to_string())
        })
        .collect::<Result<_, _>>()?;
    for thread in threads {
        thread.join(None).map_err(|err| err.to_string())?;
    }
    Ok(())
}

fn schedules_per_second(c: &mut Criterion) {
    let mut group = c.benchmark_group("det_lost_update_2x10");
    group.throughput(Throughput::Elements(SCHEDULES_PER_BATCH));
    group.bench_function("explore 100 seeds (Random)", |b| {
        b.iter(|| {
            let report = Explorer::random()
                .seeds(0..SCHEDULES_PER_BATCH)
                .keep_going(true)
                .run(lost_update);
            assert_eq!(report.explored, SCHEDULES_PER_BATCH);
        })
    });
    group.bench_function("anchor: 100 parallel runs of the same threads", |b| {
        b.iter(|| {
            for _ in 0..SCHEDULES_PER_BATCH {
                let rt = Runtime::new(Mode::Parallel);
                lost_update(&rt).unwrap();
                rt.shutdown().unwrap();
            }
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = schedules_per_second }
criterion_main!(benches);
