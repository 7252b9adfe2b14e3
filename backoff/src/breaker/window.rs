//! The closed-state sliding windows, lock-free and allocation-free after construction.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::sync::{AtomicU64, Ordering};

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
/// totals. The thread that moves the window forward evicts the buckets it passes.
#[derive(Debug)]
pub(crate) struct TimeWindow {
    bucket_nanos: u64,
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

    /// Moves the window so that bucket `b` is the newest; returns false if `b` is already
    /// older than the window.
    fn advance(&self, b: u64) -> bool {
        let mut last = self.latest.load(Ordering::Acquire);
        loop {
            if b <= last {
                return b + self.len() > last;
            }
            match self
                .latest
                .compare_exchange(last, b, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    let n = self.len();
                    let from = if b - last >= n { b - n + 1 } else { last + 1 };
                    for k in from..=b {
                        self.evict((k % n) as usize);
                    }
                    return true;
                }
                Err(seen) => last = seen,
            }
        }
    }

    fn bucket(&self, now_nanos: u64) -> u64 {
        now_nanos / self.bucket_nanos
    }

    pub(crate) fn record(&self, now_nanos: u64, failed: bool, slow: bool) -> Option<Sample> {
        let b = self.bucket(now_nanos);
        if !self.advance(b) {
            return None; // older than the window: it no longer counts
        }
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

    fn totals(&self) -> Sample {
        // Totals can be transiently inconsistent under concurrency; never let a rate
        // exceed 100 % or underflow.
        let calls = self.total_calls.load(Ordering::Relaxed);
        let calls = if calls > i64::MAX as u64 { 0 } else { calls };
        let f = self.total_failures.load(Ordering::Relaxed);
        let s = self.total_slows.load(Ordering::Relaxed);
        let fix = |v: u64| if v > i64::MAX as u64 { 0 } else { v.min(calls) };
        Sample {
            calls,
            failures: fix(f),
            slow: fix(s),
        }
    }

    pub(crate) fn sample(&self, now_nanos: u64) -> Sample {
        self.advance(self.bucket(now_nanos));
        self.totals()
    }

    pub(crate) fn reset(&self) {
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
