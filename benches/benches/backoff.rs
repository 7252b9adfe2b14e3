//! Cost of drawing the next backoff delay: Ward's jittered strategies against backon,
//! backoff and exponential-backoff, all configured as 100 ms base, 10 s cap, with jitter.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

use backoff::backoff::Backoff as _;
use backon::BackoffBuilder as _;
use ward_backoff::{Backoff, SplitMix64, Strategy};

const BASE: Duration = Duration::from_millis(100);
const CAP: Duration = Duration::from_secs(10);

fn backoff_next(c: &mut Criterion) {
    let mut group = c.benchmark_group("backoff_next");

    let full = Strategy::full_jitter(BASE, CAP).expect("valid strategy");
    let mut ward_full = Backoff::new(full, SplitMix64::new(0x5EED));
    group.bench_function("ward_full_jitter", |b| {
        b.iter(|| black_box(ward_full.next_delay()));
    });

    let decorrelated = Strategy::decorrelated_corrected(BASE, CAP).expect("valid strategy");
    let mut ward_dec = Backoff::new(decorrelated, SplitMix64::new(0x5EED));
    group.bench_function("ward_decorrelated", |b| {
        b.iter(|| black_box(ward_dec.next_delay()));
    });

    let mut backon = backon::ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(BASE)
        .with_max_delay(CAP)
        .without_max_times()
        .build();
    group.bench_function("backon", |b| {
        b.iter(|| black_box(backon.next()));
    });

    let mut peer_backoff = backoff::ExponentialBackoff {
        initial_interval: BASE,
        current_interval: BASE,
        max_interval: CAP,
        max_elapsed_time: None,
        ..backoff::ExponentialBackoff::default()
    };
    group.bench_function("backoff", |b| {
        b.iter(|| black_box(peer_backoff.next_backoff()));
    });

    let mut peer_exp = exponential_backoff::Backoff::new(u32::MAX, BASE, CAP).into_iter();
    group.bench_function("exponential_backoff", |b| {
        b.iter(|| black_box(peer_exp.next()));
    });

    group.finish();
}

criterion_group!(benches, backoff_next);
criterion_main!(benches);
