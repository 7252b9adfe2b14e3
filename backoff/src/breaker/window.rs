//! The closed-state sliding windows, lock-free and allocation-free after construction.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::sync::{AtomicU64, Ordering, SpinLock};

/// Counts over the window at one moment: calls, failures, slow calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub(crate) calls: u64,
    pub(crate) failures: u64,
    pub(crate) slow: u64,
}

fn atomics64(n: usize) -> Box<[AtomicU64]> {
    (0..n)
        .map(|_| AtomicU64::new(0))
        .collect::<Vec<_>>()
        .into_boxed_slice()
}

/// The last `size` outcomes as two bitmaps (failed, slow) over a ring, with running
/// counts of set bits packed in one word (failures in the low half, slow calls in the high
/// half). A success that replaces a success writes nothing but the ring head.
#[derive(Debug)]
pub(crate) struct CountWindow {
    size: u64,
    head: AtomicU64,
    failed: Box<[AtomicU64]>,
    slow: Box<[AtomicU64]>,
    counts: AtomicU64,
}

const FAILURE_ONE: u64 = 1;
const SLOW_ONE: u64 = 1 << 32;

/// Sets or clears `mask` in `word`; adjusts `counts` by `one` only for a real flip, so the
/// count always converges to the number of set bits. A half may dip below zero for a
/// moment (a clear overtaking its set); the packed sum stays exact modulo 2^64 and
/// [`decode`] undoes the borrow.
#[inline]
fn put(word: &AtomicU64, mask: u64, set: bool, counts: &AtomicU64, one: u64) {
    if set {
        if word.load(Ordering::Relaxed) & mask == 0
            && word.fetch_or(mask, Ordering::Relaxed) & mask == 0
        {
            counts.fetch_add(one, Ordering::Relaxed);
        }
    } else if word.load(Ordering::Relaxed) & mask != 0
        && word.fetch_and(!mask, Ordering::Relaxed) & mask != 0
    {
        counts.fetch_sub(one, Ordering::Relaxed);
    }
}

/// `(failures, slow)` from the packed counts, each possibly transiently negative.
#[inline]
fn decode(packed: u64) -> (i64, i64) {
    let failures = i64::from(packed as u32 as i32);
    let slow = (packed.wrapping_sub(failures as u64) as i64) >> 32;
    (failures, slow)
}

#[inline]
fn clamp(v: i64, calls: u64) -> u64 {
    u64::try_from(v).unwrap_or(0).min(calls)
}

impl CountWindow {
    pub(crate) fn new(size: u32) -> Self {
        let words = (size as usize).div_ceil(64);
        Self {
            size: u64::from(size),
            head: AtomicU64::new(0),
            failed: atomics64(words),
            slow: atomics64(words),
            counts: AtomicU64::new(0),
        }
    }

    /// Whether the window is full of fast successes only: then recording one more fast
    /// success would evict a fast success and change nothing, so it can be skipped without
    /// any write (two loads, no read-modify-write: the closed hot path stays free of
    /// contention).
    #[inline]
    pub(crate) fn is_clean_and_full(&self) -> bool {
        self.counts.load(Ordering::Relaxed) == 0 && self.head.load(Ordering::Relaxed) >= self.size
    }

    /// Records one outcome. Returns the counts when they may have crossed a threshold:
    /// the outcome was a failure or slow, or the window just reached `minimum` calls.
    pub(crate) fn record(&self, failed: bool, slow: bool, minimum: u32) -> Option<Sample> {
        let pos = self.head.fetch_add(1, Ordering::Relaxed);
        let idx = pos % self.size;
        let word = (idx / 64) as usize;
        let mask = 1u64 << (idx % 64);
        put(&self.failed[word], mask, failed, &self.counts, FAILURE_ONE);
        put(&self.slow[word], mask, slow, &self.counts, SLOW_ONE);
        let calls = (pos + 1).min(self.size);
        if failed || slow || pos + 1 == u64::from(minimum) {
            Some(self.sample_with(calls))
        } else {
            None
        }
    }

    fn sample_with(&self, calls: u64) -> Sample {
        let (failures, slow) = decode(self.counts.load(Ordering::Relaxed));
        Sample {
            calls,
            failures: clamp(failures, calls),
            slow: clamp(slow, calls),
        }
    }

    pub(crate) fn sample(&self) -> Sample {
        self.sample_with(self.head.load(Ordering::Relaxed).min(self.size))
    }

    /// Forgets every outcome.
    pub(crate) fn reset(&self) {
        for (bits, one) in [(&self.failed, FAILURE_ONE), (&self.slow, SLOW_ONE)] {
            for w in bits.iter() {
                let old = w.swap(0, Ordering::Relaxed);
                self.counts
                    .fetch_sub(u64::from(old.count_ones()) * one, Ordering::Relaxed);
            }
        }
        self.head.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_undoes_a_borrow() {
        // failures -1, slow +3: 3 * 2^32 - 1.
        let packed = (3u64 << 32).wrapping_sub(1);
        assert_eq!(decode(packed), (-1, 3));
        // failures +2, slow -1.
        let packed = 2u64.wrapping_sub(1 << 32);
        assert_eq!(decode(packed), (2, -1));
        assert_eq!(decode(0), (0, 0));
        assert_eq!(decode((7 << 32) | 5), (5, 7));
    }
}

/// The outcomes of the last `n` one-second buckets of the monotonic clock, with running
/// totals.
///
/// Every update (moving the window into a new second, evicting the buckets it passes,
/// adding an outcome, adjusting the totals) happens under one short spin lock, with the
/// clock read inside it: a bucket's second and its counts change together, so no outcome
/// is lost to an eviction and no rate is computed from an expired bucket's counts.
#[derive(Debug)]
pub(crate) struct TimeWindow {
    bucket_nanos: u64,
    lock: SpinLock,
    latest: AtomicU64,
    calls: Box<[AtomicU64]>,
    failures: Box<[AtomicU64]>,
    slows: Box<[AtomicU64]>,
    total_calls: AtomicU64,
    total_failures: AtomicU64,
    total_slows: AtomicU64,
}

impl TimeWindow {
    pub(crate) fn new(seconds: u32) -> Self {
        let n = seconds as usize;
        Self {
            bucket_nanos: 1_000_000_000,
            lock: SpinLock::new(),
            latest: AtomicU64::new(0),
            calls: atomics64(n),
            failures: atomics64(n),
            slows: atomics64(n),
            total_calls: AtomicU64::new(0),
            total_failures: AtomicU64::new(0),
            total_slows: AtomicU64::new(0),
        }
    }

    fn len(&self) -> u64 {
        self.calls.len() as u64
    }

    /// Empties bucket `slot` and takes its counts off the totals. Lock held.
    fn evict(&self, slot: usize) {
        for (bucket, total) in [
            (&self.calls, &self.total_calls),
            (&self.failures, &self.total_failures),
            (&self.slows, &self.total_slows),
        ] {
            let old = bucket[slot].swap(0, Ordering::Relaxed);
            total.fetch_sub(old, Ordering::Relaxed);
        }
    }

    /// Moves the window so that the second of `now_nanos` is the newest and returns the
    /// bucket to count in (a reading behind the newest second counts as no time passed).
    /// Lock held.
    fn advance(&self, now_nanos: u64) -> u64 {
        let b = now_nanos / self.bucket_nanos;
        let last = self.latest.load(Ordering::Relaxed);
        if b <= last {
            return last;
        }
        let n = self.len();
        let from = if b - last >= n { b - n + 1 } else { last + 1 };
        for k in from..=b {
            self.evict((k % n) as usize);
        }
        self.latest.store(b, Ordering::Relaxed);
        b
    }

    /// Records one outcome at the clock reading `now` (read under the lock) if
    /// `is_current` still holds under the lock; returns the totals just after it.
    pub(crate) fn record(
        &self,
        now: impl FnOnce() -> u64,
        is_current: impl FnOnce() -> bool,
        failed: bool,
        slow: bool,
    ) -> Option<Sample> {
        let _guard = self.lock.lock();
        if !is_current() {
            return None;
        }
        let b = self.advance(now());
        let slot = (b % self.len()) as usize;
        self.calls[slot].fetch_add(1, Ordering::Relaxed);
        self.total_calls.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.failures[slot].fetch_add(1, Ordering::Relaxed);
            self.total_failures.fetch_add(1, Ordering::Relaxed);
        }
        if slow {
            self.slows[slot].fetch_add(1, Ordering::Relaxed);
            self.total_slows.fetch_add(1, Ordering::Relaxed);
        }
        // Time alone can raise a rate (successes expire), so every record is evaluated.
        Some(self.totals())
    }

    /// The totals. Lock held.
    fn totals(&self) -> Sample {
        Sample {
            calls: self.total_calls.load(Ordering::Relaxed),
            failures: self.total_failures.load(Ordering::Relaxed),
            slow: self.total_slows.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn sample(&self, now: impl FnOnce() -> u64) -> Sample {
        let _guard = self.lock.lock();
        self.advance(now());
        self.totals()
    }

    pub(crate) fn reset(&self) {
        let _guard = self.lock.lock();
        for slot in 0..self.calls.len() {
            self.evict(slot);
        }
    }
}

/// Either window.
#[derive(Debug)]
pub(crate) enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}
