//! Deterministic building blocks shared by the scenarios: a seeded random source with the
//! few distributions the tour needs, and a discrete-event queue over simulated nanoseconds.
//!
//! Nothing here reads the wall clock or sleeps: time is a `u64` count of simulated
//! nanoseconds that only moves when the next event is taken off the queue.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt as _, SeedableRng as _};

/// Nanoseconds in one millisecond.
pub(crate) const MS: u64 = 1_000_000;
/// Nanoseconds in one second.
pub(crate) const SEC: u64 = 1_000_000_000;

/// A seeded random source. Each scenario derives its own stream from the run's seed, so
/// adding a draw to one scenario never changes another's numbers.
#[derive(Debug, Clone)]
pub(crate) struct SimRng {
    inner: Xoshiro256PlusPlus,
}

impl SimRng {
    /// A stream for `seed`, separated from other streams by `stream`.
    pub(crate) fn new(seed: u64, stream: &str) -> Self {
        // FNV-1a over the stream name, mixed into the seed: a fixed, platform-independent
        // derivation.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in stream.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Self {
            inner: Xoshiro256PlusPlus::seed_from_u64(seed ^ h),
        }
    }

    /// A uniform 64-bit word, for seeding per-actor generators.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.inner.random::<u64>()
    }

    /// A uniform draw in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.inner.random::<f64>()
    }

    /// A uniform integer in `[lo, hi]`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        self.inner.random_range(lo..=hi)
    }

    /// A uniform index in `[0, n)`; `n` must be positive.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.inner.random_range(0..n)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A standard normal draw, by the Box–Muller transform.
    pub(crate) fn standard_normal(&mut self) -> f64 {
        // 1 - unit() is in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (core::f64::consts::TAU * u2).cos()
    }

    /// `|Normal(mean, sd)|` in nanoseconds, rounded: the network delay of one hop in the
    /// backoff experiment.
    pub(crate) fn abs_normal_nanos(&mut self, mean: u64, sd: u64) -> u64 {
        let x = mean as f64 + sd as f64 * self.standard_normal();
        x.abs().round() as u64
    }

    /// An exponential draw with the given mean, in nanoseconds.
    pub(crate) fn exp_nanos(&mut self, mean: u64) -> u64 {
        let u = 1.0 - self.unit();
        (-(u.ln()) * mean as f64).round() as u64
    }
}

/// A discrete-event queue: events come out in time order, ties in insertion order, so a
/// run is a pure function of its seed.
#[derive(Debug)]
pub(crate) struct EventQueue<E> {
    heap: BinaryHeap<Reverse<(u64, u64)>>,
    slots: Vec<Option<E>>,
    free: Vec<usize>,
    seq: u64,
    now: u64,
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub(crate) fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
            now: 0,
        }
    }

    /// The time of the event last taken, in simulated nanoseconds.
    pub(crate) fn now(&self) -> u64 {
        self.now
    }

    /// Schedules `event` at absolute time `at` (never earlier than now).
    pub(crate) fn at(&mut self, at: u64, event: E) {
        let at = at.max(self.now);
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(event);
                i
            }
            None => {
                self.slots.push(Some(event));
                self.slots.len() - 1
            }
        };
        // The sequence number orders ties; the slot index rides in its low bits.
        let key = (self.seq << 24) | slot as u64;
        debug_assert!(slot < (1 << 24), "too many pending events");
        self.seq += 1;
        self.heap.push(Reverse((at, key)));
    }

    /// Schedules `event` `delay` nanoseconds from now.
    pub(crate) fn after(&mut self, delay: u64, event: E) {
        self.at(self.now.saturating_add(delay), event);
    }

    /// Takes the next event, advancing the clock to its time.
    pub(crate) fn pop(&mut self) -> Option<(u64, E)> {
        let Reverse((at, key)) = self.heap.pop()?;
        let slot = (key & ((1 << 24) - 1)) as usize;
        let event = self.slots[slot].take()?;
        self.free.push(slot);
        self.now = at;
        Some((at, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.at(30, "c");
        q.at(10, "a");
        q.at(30, "d");
        q.at(20, "b");
        let order: Vec<_> = core::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        assert_eq!(q.now(), 30);
    }

    #[test]
    fn streams_are_reproducible_and_separate() {
        let a: Vec<f64> = (0..4).map(|_| SimRng::new(7, "x").unit()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(SimRng::new(7, "x").unit(), SimRng::new(7, "y").unit());
    }

    #[test]
    fn box_muller_moments_are_close() {
        let mut rng = SimRng::new(1, "normal");
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.standard_normal()).collect();
        let mean = xs.iter().sum::<f64>() / f64::from(n);
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / f64::from(n);
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
