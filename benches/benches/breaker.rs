//! Cost of one permitted call through a closed circuit breaker (permission + recording a
//! success): Ward against failsafe and recloser, with a single relaxed atomic load as the
//! floor; then the same with two threads sharing one breaker.
//!
//! `breaker_call` is the like-for-like comparison: every side runs the same closure through
//! its own `call()`, which asks for permission, runs it, reads the clock and records the
//! outcome. `breaker_call_dirty` does the same with every tenth call failing, so the window
//! always holds both outcomes and every success is written (no side can skip the write of a
//! window already full of successes); `ward_time_window` is Ward with a 10-second time-based
//! window on the same calls. `breaker_closed` is Ward's lower-level permit path
//! (`try_acquire` + `record` with a fixed duration, no clock read) against the peers' `call()`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ward_benches::contention::contended;

use failsafe::CircuitBreaker as _;
use ward_backoff::MonotonicClock;
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow};

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

/// Every tenth call fails; the rest succeed. Ten percent stays under every side's threshold.
#[inline]
fn dirty_outcome(i: &mut u64) -> Result<(), ()> {
    *i = i.wrapping_add(1);
    if i.is_multiple_of(10) {
        Err(())
    } else {
        Ok(())
    }
}

fn breaker_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("breaker_call");
    let ward = ward_breaker();
    group.bench_function("ward", |b| {
        b.iter(|| black_box(ward.call(|| Ok::<(), ()>(()))).ok());
    });
    // recloser has no slow-call rule, so it never times a call: the same rules on Ward's
    // side are the failure rate alone.
    let failure_rate_only = CircuitBreaker::new(
        BreakerConfig::builder()
            .slow_call_rule(false)
            .build()
            .expect("a valid configuration"),
        MonotonicClock::new(),
    );
    group.bench_function("ward_failure_rate_only", |b| {
        b.iter(|| black_box(failure_rate_only.call(|| Ok::<(), ()>(()))).ok());
    });
    let fs = failsafe_breaker();
    group.bench_function("failsafe", |b| {
        b.iter(|| black_box(fs.call(|| Ok::<(), ()>(()))).ok());
    });
    let rc = recloser_breaker();
    group.bench_function("recloser", |b| {
        b.iter(|| black_box(rc.call(|| Ok::<(), ()>(()))).ok());
    });
    group.finish();

    let mut group = c.benchmark_group("breaker_call_dirty");
    let ward = ward_breaker();
    let mut i = 0_u64;
    group.bench_function("ward", |b| {
        b.iter(|| black_box(ward.call(|| dirty_outcome(&mut i))).ok());
    });
    assert!(
        ward.try_acquire().is_ok(),
        "ten percent failures keep Ward closed"
    );
    let time_window = CircuitBreaker::new(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::TimeBased(10))
            .build()
            .expect("a valid configuration"),
        MonotonicClock::new(),
    );
    let mut i = 0_u64;
    group.bench_function("ward_time_window", |b| {
        b.iter(|| black_box(time_window.call(|| dirty_outcome(&mut i))).ok());
    });
    let fs = failsafe_breaker();
    let mut i = 0_u64;
    group.bench_function("failsafe", |b| {
        b.iter(|| black_box(fs.call(|| dirty_outcome(&mut i))).ok());
    });
    let rc = recloser_breaker();
    let mut i = 0_u64;
    group.bench_function("recloser", |b| {
        b.iter(|| black_box(rc.call(|| dirty_outcome(&mut i))).ok());
    });
    group.finish();
}

criterion_group!(
    benches,
    breaker_closed,
    breaker_call,
    breaker_closed_two_threads
);
criterion_main!(benches);
