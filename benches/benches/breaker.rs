//! Cost of one permitted call through a closed circuit breaker (permission + recording a
//! success): Ward against failsafe and recloser, with a single relaxed atomic load as the
//! floor; then the same with two threads sharing one breaker.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ward_benches::contention::contended;

use failsafe::CircuitBreaker as _;
use ward_backoff::MonotonicClock;
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};

type Ward = CircuitBreaker<MonotonicClock>;

fn ward_breaker() -> Ward {
    CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new())
}

#[inline]
fn ward_call(b: &Ward) {
    if let Ok(permit) = b.try_acquire() {
        permit.record(Outcome::Success, Duration::from_micros(50));
    }
}

fn failsafe_breaker() -> impl failsafe::CircuitBreaker + Sync {
    failsafe::Config::new().build()
}

fn recloser_breaker() -> recloser::Recloser {
    recloser::Recloser::custom().build()
}

fn breaker_closed(c: &mut Criterion) {
    let mut group = c.benchmark_group("breaker_closed");

    let ward = ward_breaker();
    group.bench_function("ward", |b| b.iter(|| ward_call(black_box(&ward))));

    let fs = failsafe_breaker();
    group.bench_function("failsafe", |b| {
        b.iter(|| black_box(fs.call(|| Ok::<(), ()>(()))));
    });

    let rc = recloser_breaker();
    group.bench_function("recloser", |b| {
        b.iter(|| black_box(rc.call(|| Ok::<(), ()>(()))));
    });

    let word = AtomicU64::new(0);
    group.bench_function("atomic_load", |b| {
        b.iter(|| black_box(black_box(&word).load(Ordering::Relaxed)));
    });

    group.finish();
}

fn breaker_closed_two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("breaker_closed_two_threads");

    let ward = ward_breaker();
    group.bench_function("ward", |b| {
        b.iter_custom(|iters| contended(iters, || ward_call(black_box(&ward))));
    });

    let fs = failsafe_breaker();
    group.bench_function("failsafe", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                black_box(fs.call(|| Ok::<(), ()>(()))).ok();
            })
        });
    });

    let rc = recloser_breaker();
    group.bench_function("recloser", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                black_box(rc.call(|| Ok::<(), ()>(()))).ok();
            })
        });
    });

    let word = AtomicU64::new(0);
    group.bench_function("atomic_load", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                black_box(black_box(&word).load(Ordering::Relaxed));
            })
        });
    });

    group.finish();
}

criterion_group!(benches, breaker_closed, breaker_closed_two_threads);
criterion_main!(benches);
