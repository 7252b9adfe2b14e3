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
//!
//! `keyed_admit/<impl>_<access>/<keys>`: the current holder of one of `keys` keys (`u64`,
//! all admitted at the holder's token beforehand) presents its token, keys drawn uniformly or
//! Zipf-skewed (s = 1) from a sequence made outside the timing. `ward` is
//! `KeyedFence::admit` (64 shards, shared lock of the key's shard); `rwlock_map` does the same
//! lookup and check in a `std::collections::HashMap<u64, u64>` under one
//! `parking_lot::RwLock`'s shared lock, writing only on a raise.

use std::hint::black_box;

use std::collections::HashMap;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use parking_lot::{Mutex, RwLock};
use ward_benches::contention::contended;
use ward_fencing::{FenceGuard, Fenced, FencingToken, KeyedFence};

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

/// A small deterministic generator (xorshift64*) for the key sequences.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// `len` keys from `0..keys`: uniform, or Zipf with exponent 1 (key `i` drawn with weight
/// `1 / (i + 1)`), by inverting the cumulative weights.
fn key_sequence(keys: u64, zipf: bool, len: usize) -> Vec<u64> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ keys;
    if !zipf {
        return (0..len).map(|_| next_random(&mut state) % keys).collect();
    }
    let mut cumulative = Vec::with_capacity(keys as usize);
    let mut total = 0.0_f64;
    for i in 0..keys {
        total += 1.0 / (i as f64 + 1.0);
        cumulative.push(total);
    }
    (0..len)
        .map(|_| {
            let u = (next_random(&mut state) >> 11) as f64 / (1_u64 << 53) as f64 * total;
            cumulative
                .partition_point(|&c| c < u)
                .min(keys as usize - 1) as u64
        })
        .collect()
}

/// The baseline: the admission rule per key in one map under one reader-writer lock.
fn rwlock_map_admit(map: &RwLock<HashMap<u64, u64>>, key: u64, token: u64) -> Result<(), u64> {
    if let Some(&mark) = map.read().get(&key)
        && token <= mark
    {
        return if token < mark { Err(mark) } else { Ok(()) };
    }
    let mut map = map.write();
    let mark = map.entry(key).or_insert(0);
    if token < *mark {
        return Err(*mark);
    }
    *mark = token;
    Ok(())
}

fn keyed_admit(c: &mut Criterion) {
    let mut group = c.benchmark_group("keyed_admit");
    const SEQUENCE: usize = 1 << 16;
    for keys in [1_000_u64, 1_000_000] {
        let fence = KeyedFence::<u64>::new();
        let mut map = HashMap::new();
        for key in 0..keys {
            fence.admit(&key, HOLDER).expect("a fresh key admits");
            map.insert(key, HOLDER.get());
        }
        let map = RwLock::new(map);
        for (access, zipf) in [("uniform", false), ("zipf", true)] {
            let sequence = key_sequence(keys, zipf, SEQUENCE);
            group.bench_with_input(
                BenchmarkId::new(format!("ward_{access}"), keys),
                &sequence,
                |b, sequence| {
                    let mut i = 0;
                    b.iter(|| {
                        i = (i + 1) & (SEQUENCE - 1);
                        black_box(fence.admit(&sequence[i], black_box(HOLDER)))
                    });
                },
            );
            group.bench_with_input(
                BenchmarkId::new(format!("rwlock_map_{access}"), keys),
                &sequence,
                |b, sequence| {
                    let mut i = 0;
                    b.iter(|| {
                        i = (i + 1) & (SEQUENCE - 1);
                        black_box(rwlock_map_admit(&map, sequence[i], black_box(HOLDER.get())))
                    });
                },
            );
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    keyed_admit,
    fence_admit,
    fence_admit_raise,
    fenced_write,
    fence_admit_two_threads,
    fenced_write_two_threads
);
criterion_main!(benches);
