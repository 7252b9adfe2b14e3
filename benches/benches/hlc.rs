//! `ward-hlc` against `uhlc`: issuing a timestamp, receiving a remote one, and two threads
//! issuing from one shared clock; and an uncertainty-interval read against an HLC event.
//!
//! `hlc_now/system_time` is `SystemTime::now()` alone: the floor any clock that reads the
//! system time pays. `ward_system` reads `CLOCK_REALTIME` (the same clock), `ward_fast`
//! reads `CLOCK_REALTIME_COARSE`. `uhlc` is `HLC::new_timestamp` on its default system
//! clock (`SystemTime::now()`, the same `CLOCK_REALTIME`); `uhlc_coarse` is uhlc given the
//! very clock `ward_fast` reads (`CoarseClock`, converted to uhlc's `NTP64`), so
//! `ward_fast` against `uhlc_coarse` compares the two HLCs on one clock source. Both receivers use a drift bound of 500 ms (uhlc's default) and receive a
//! timestamp taken from a peer clock at setup, slightly in the past, the common case.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use ward_benches::contention::contended;
use ward_hlc::{CoarseClock, FixedBound, Hlc, SystemClock, UncertainClock};

/// uhlc's default maximum drift.
const MAX_DRIFT: Duration = Duration::from_millis(500);

/// The clock `ward_fast` reads, in uhlc's representation, for a like-for-like comparison.
fn uhlc_coarse_clock() -> uhlc::NTP64 {
    uhlc::NTP64::from(Duration::from_micros(CoarseClock.now_micros()))
}

fn hlc_now(c: &mut Criterion) {
    let mut group = c.benchmark_group("hlc_now");
    let system = Hlc::new(SystemClock);
    group.bench_function("ward_system", |b| b.iter(|| black_box(system.now())));
    let fast = Hlc::new(CoarseClock);
    group.bench_function("ward_fast", |b| b.iter(|| black_box(fast.now())));
    let peer = uhlc::HLC::default();
    group.bench_function("uhlc", |b| b.iter(|| black_box(peer.new_timestamp())));
    let peer_coarse = uhlc::HLCBuilder::new()
        .with_clock(uhlc_coarse_clock)
        .build();
    group.bench_function("uhlc_coarse", |b| {
        b.iter(|| black_box(peer_coarse.new_timestamp()));
    });
    group.bench_function("system_time", |b| b.iter(|| black_box(SystemTime::now())));
    // The floor of any clock shared between threads: the same clock read plus one
    // uncontended atomic read-modify-write, with no HLC rule at all.
    let counter = AtomicU64::new(0);
    group.bench_function("system_time_plus_fetch_add", |b| {
        b.iter(|| {
            let t = SystemTime::now();
            black_box((t, counter.fetch_add(1, Ordering::AcqRel)))
        });
    });
    group.finish();
}

fn hlc_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("hlc_update");

    let remote_ward = Hlc::new(SystemClock)
        .now()
        .expect("the system clock is in range");
    let ward = Hlc::builder(SystemClock).max_drift(MAX_DRIFT).build();
    group.bench_function("ward", |b| {
        b.iter(|| black_box(ward.receive(black_box(remote_ward))));
    });

    let remote_peer = uhlc::HLC::default().new_timestamp();
    let peer = uhlc::HLCBuilder::new().with_max_delta(MAX_DRIFT).build();
    group.bench_function("uhlc", |b| {
        b.iter(|| black_box(peer.update_with_timestamp(black_box(&remote_peer))));
    });
    group.finish();
}

fn hlc_now_two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("hlc_now_two_threads");
    let system = Hlc::new(SystemClock);
    group.bench_function("ward_system", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(system.now());
            })
        });
    });
    let fast = Hlc::new(CoarseClock);
    group.bench_function("ward_fast", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(fast.now());
            })
        });
    });
    let peer = uhlc::HLC::default();
    group.bench_function("uhlc", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(peer.new_timestamp());
            })
        });
    });
    let peer_coarse = uhlc::HLCBuilder::new()
        .with_clock(uhlc_coarse_clock)
        .build();
    group.bench_function("uhlc_coarse", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(peer_coarse.new_timestamp());
            })
        });
    });
    group.finish();
}

/// An uncertainty-interval read against an HLC event, both on `SystemClock` in the same
/// run: `hlc_now` is one clock read plus one atomic update; `interval` is one clock read
/// plus the error bound (a `FixedBound` of 1 ms) and the interval's arithmetic.
fn hlc_interval(c: &mut Criterion) {
    let mut group = c.benchmark_group("hlc_interval");
    let hlc = Hlc::new(SystemClock);
    group.bench_function("hlc_now", |b| b.iter(|| black_box(hlc.now())));
    let bound = FixedBound::new(Duration::from_millis(1)).expect("1 ms is a valid bound");
    let tt = UncertainClock::new(SystemClock, bound);
    group.bench_function("interval", |b| b.iter(|| black_box(tt.now())));
    group.finish();
}

/// The clocks alone, to show what the HLC adds on top of each.
fn hlc_clock_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("hlc_clock_read");
    group.bench_function("system_clock", |b| {
        b.iter(|| black_box(SystemClock.now_micros()));
    });
    group.bench_function("coarse_clock", |b| {
        b.iter(|| black_box(CoarseClock.now_micros()));
    });
    group.finish();
}

criterion_group!(
    benches,
    hlc_now,
    hlc_update,
    hlc_now_two_threads,
    hlc_interval,
    hlc_clock_read
);
criterion_main!(benches);
