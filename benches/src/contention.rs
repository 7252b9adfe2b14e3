//! Timing a shared primitive while a second thread uses it too.

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Times `iters` calls of `op` on this thread while a second thread calls `op` without pause,
/// so every timed call competes with the other thread for the same cache lines.
///
/// Meant for criterion's `iter_custom`: the returned time divided by `iters` is the cost of
/// one call under two-thread contention. Every `_two_threads` group of the suite uses it, so
/// their figures mean the same thing.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use ward_benches::contention::contended;
///
/// let counter = AtomicU64::new(0);
/// let elapsed = contended(1_000, || {
///     counter.fetch_add(1, Ordering::Relaxed);
/// });
/// assert!(counter.load(Ordering::Relaxed) >= 1_000);
/// assert!(elapsed.as_nanos() > 0);
/// ```
pub fn contended<F: Fn() + Sync>(iters: u64, op: F) -> Duration {
    let stop = AtomicBool::new(false);
    let started = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            started.wait();
            while !stop.load(Ordering::Relaxed) {
                op();
            }
        });
        started.wait();
        let begin = Instant::now();
        for _ in 0..iters {
            op();
        }
        let elapsed = begin.elapsed();
        stop.store(true, Ordering::Relaxed);
        elapsed
    })
}
