//! The closed-state sliding windows, lock-free and allocation-free after construction.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::sync::{AtomicU32, AtomicU64, Ordering};

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

/// Reads a counter that concurrent flips may have taken transiently below zero.
#[inline]
fn clamp(raw: u32, calls: u64) -> u64 {
    let v = raw as i32;
    if v < 0 {
        0
    } else {
        u64::from(v as u32).min(calls)
    }
}

/// The last `size` outcomes as two bitmaps (failed, slow) over a ring, with a running
/// count of set bits. A success that replaces a success writes nothing but the ring head.
#[derive(Debug)]
pub(crate) struct CountWindow {
    size: u64,
    head: AtomicU64,
    failed: Box<[AtomicU64]>,
    slow: Box<[AtomicU64]>,
    failures: AtomicU32,
    slows: AtomicU32,
}

/// Sets or clears `mask` in `word`; adjusts `count` only for a real flip, so the count
/// always converges to the number of set bits.
#[inline]
fn put(word: &AtomicU64, mask: u64, set: bool, count: &AtomicU32) {
    if set {
        if word.load(Ordering::Relaxed) & mask == 0
            && word.fetch_or(mask, Ordering::Relaxed) & mask == 0
        {
            count.fetch_add(1, Ordering::Relaxed);
        }
    } else if word.load(Ordering::Relaxed) & mask != 0
        && word.fetch_and(!mask, Ordering::Relaxed) & mask != 0
    {
        count.fetch_sub(1, Ordering::Relaxed);
    }
}

impl CountWindow {
    pub(crate) fn new(size: u32) -> Self {
        let words = (size as usize).div_ceil(64);
        Self {
            size: u64::from(size),
            head: AtomicU64::new(0),
            failed: atomics64(words),
            slow: atomics64(words),
            failures: AtomicU32::new(0),
            slows: AtomicU32::new(0),
        }
    }

    /// Records one outcome. Returns the counts when they may have crossed a threshold:
    /// the outcome was a failure or slow, or the window just reached `minimum` calls.
    #[inline]
    pub(crate) fn record(&self, failed: bool, slow: bool, minimum: u32) -> Option<Sample> {
        // A full window of nothing but fast successes: a fast success would evict a fast
        // success, so the window would not change. Skip every write (three loads, no
        // read-modify-write), which keeps the closed hot path free of contention.
        if !failed
            && !slow
            && self.failures.load(Ordering::Relaxed) == 0
            && self.slows.load(Ordering::Relaxed) == 0
            && self.head.load(Ordering::Relaxed) >= self.size
        {
            return None;
        }
        self.record_slow(failed, slow, minimum)
    }

    fn record_slow(&self, failed: bool, slow: bool, minimum: u32) -> Option<Sample> {
        let pos = self.head.fetch_add(1, Ordering::Relaxed);
        let idx = pos % self.size;
        let word = (idx / 64) as usize;
        let mask = 1u64 << (idx % 64);
        put(&self.failed[word], mask, failed, &self.failures);
        put(&self.slow[word], mask, slow, &self.slows);
        let calls = (pos + 1).min(self.size);
        if failed || slow || pos + 1 == u64::from(minimum) {
            Some(self.sample_with(calls))
        } else {
            None
        }
    }

    fn sample_with(&self, calls: u64) -> Sample {
        Sample {
            calls,
            failures: clamp(self.failures.load(Ordering::Relaxed), calls),
            slow: clamp(self.slows.load(Ordering::Relaxed), calls),
        }
    }

    pub(crate) fn sample(&self) -> Sample {
        self.sample_with(self.head.load(Ordering::Relaxed).min(self.size))
    }

    /// Forgets every outcome.
    pub(crate) fn reset(&self) {
        for (bits, count) in [(&self.failed, &self.failures), (&self.slow, &self.slows)] {
            for w in bits.iter() {
                let old = w.swap(0, Ordering::Relaxed);
                count.fetch_sub(old.count_ones(), Ordering::Relaxed);
            }
        }
        self.head.store(0, Ordering::Relaxed);
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
