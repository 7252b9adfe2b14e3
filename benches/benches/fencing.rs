//! `ward-fencing` against a `parking_lot::Mutex` baseline: admitting a fencing token, and a
//! fenced write (token check plus the write), on one thread and with two threads sharing the
//! fence.
//!
//! `fence_admit/ward` is `FenceGuard::admit` by the current holder: the token equals the mark,
//! the steady state of a leader that sends its token with every write. `fence_admit/mutex`
//! does the same check under a `parking_lot::Mutex<u64>`, writing only when the token raises
//! the mark, as the guard does. `fence_admit_raise` measures
//! the other case, every call presenting a higher token (one `fetch_max` per call), which
//! happens once per change of holder. `fenced_write/ward` is `Fenced<u64>::write` adding one to
//! the value; `fenced_write/mutex` is the same check and write under a
//! `parking_lot::Mutex<(u64, u64)>`. The `_two_threads` groups time one thread while a second
//! hammers the same fence.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use parking_lot::Mutex;
use ward_benches::contention::contended;
use ward_fencing::{FenceGuard, Fenced, FencingToken};

const HOLDER: FencingToken = match FencingToken::new(34) {
    Ok(token) => token,
    Err(_) => panic!("34 is a valid token"),
};

/// The baseline: the admission rule under a mutex, with the same check-first path as
/// `FenceGuard` (the mark is written only when the token raises it).
fn mutex_admit(mark: &Mutex<u64>, token: u64) -> Result<(), u64> {
    let mut mark = mark.lock();
    if token < *mark {
        return Err(*mark);
    }
    if token > *mark {
        *mark = token;
    }
    Ok(())
}

/// The baseline: the check and the write under a mutex.
fn mutex_write(state: &Mutex<(u64, u64)>, token: u64) -> Result<(), u64> {
    let mut state = state.lock();
    if token >= state.0 {
        state.0 = token;
        state.1 += 1;
        Ok(())
    } else {
        Err(state.0)
    }
}

fn fence_admit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fence_admit");
    let guard = FenceGuard::with_mark(HOLDER);
    group.bench_function("ward", |b| {
        b.iter(|| black_box(guard.admit(black_box(HOLDER))));
    });
    let mutex = Mutex::new(HOLDER.get());
    group.bench_function("mutex", |b| {
        b.iter(|| black_box(mutex_admit(&mutex, black_box(HOLDER.get()))));
    });
    group.finish();
}

fn fence_admit_raise(c: &mut Criterion) {
    let mut group = c.benchmark_group("fence_admit_raise");
    let guard = FenceGuard::new();
    let mut next = 0_u64;
    group.bench_function("ward", |b| {
        b.iter(|| {
            next += 1;
            let token = FencingToken::new(next).unwrap_or(FencingToken::MIN);
            black_box(guard.admit(black_box(token)))
        });
    });
    let mutex = Mutex::new(0_u64);
    let mut next = 0_u64;
    group.bench_function("mutex", |b| {
        b.iter(|| {
            next += 1;
            black_box(mutex_admit(&mutex, black_box(next)))
        });
    });
    group.finish();
}

fn fenced_write(c: &mut Criterion) {
    let mut group = c.benchmark_group("fenced_write");
    let cell = Fenced::with_mark(0_u64, HOLDER);
    group.bench_function("ward", |b| {
        b.iter(|| black_box(cell.write(black_box(HOLDER), |v| *v += 1)));
    });
    let mutex = Mutex::new((HOLDER.get(), 0_u64));
    group.bench_function("mutex", |b| {
        b.iter(|| black_box(mutex_write(&mutex, black_box(HOLDER.get()))));
    });
    group.finish();
}

fn fence_admit_two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("fence_admit_two_threads");
    let guard = FenceGuard::with_mark(HOLDER);
    group.bench_function("ward", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(guard.admit(black_box(HOLDER)));
            })
        });
    });
    let mutex = Mutex::new(HOLDER.get());
    group.bench_function("mutex", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(mutex_admit(&mutex, black_box(HOLDER.get())));
            })
        });
    });
    group.finish();
}

fn fenced_write_two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("fenced_write_two_threads");
    let cell = Fenced::with_mark(0_u64, HOLDER);
    group.bench_function("ward", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(cell.write(black_box(HOLDER), |v| *v += 1));
            })
        });
    });
    let mutex = Mutex::new((HOLDER.get(), 0_u64));
    group.bench_function("mutex", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                let _ = black_box(mutex_write(&mutex, black_box(HOLDER.get())));
            })
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    fence_admit,
    fence_admit_raise,
    fenced_write,
    fence_admit_two_threads,
    fenced_write_two_threads
);
criterion_main!(benches);
