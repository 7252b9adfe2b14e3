//! Injected randomness: a tiny trait, a fast seeded default and unbiased bounded draws.

use crate::sync::{AtomicU64, Ordering};

/// A source of uniformly distributed 64-bit words.
///
/// Jittered strategies and the adaptive throttle draw through this trait, so a seed
/// reproduces every delay. A degenerate source (one that always answers the same word,
/// handy in tests) is safe: a bounded draw retries a rejected word at most 64 times and
/// then uses it, so no draw loops forever. [`SplitMix64`] is the default; any other generator (for example
/// one from the `rand` ecosystem) can be wrapped in a few lines.
///
/// # Examples
///
/// ```
/// use ward_backoff::RandomSource;
///
/// /// A source that always answers the same word: handy for pinning a draw in a test.
/// struct Fixed(u64);
/// impl RandomSource for Fixed {
///     fn next_u64(&mut self) -> u64 {
///         self.0
///     }
/// }
/// assert_eq!(Fixed(9).next_u64(), 9);
/// ```
pub trait RandomSource {
    /// The next uniformly distributed word.
    fn next_u64(&mut self) -> u64;
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        (**self).next_u64()
    }
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators",
/// OOPSLA 2014): one add and two multiply-xorshifts per word, full period 2^64.
///
/// Not cryptographic, which jitter does not need. Two clients with the same seed draw the
/// same delays and would retry in lock-step again, so give every client its own seed
/// (`SplitMix64::from_entropy` with `std`, or a per-client value).
///
/// # Examples
///
/// ```
/// use ward_backoff::{RandomSource, SplitMix64};
///
/// let mut a = SplitMix64::new(42);
/// let mut b = SplitMix64::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::{RandomSource, SplitMix64};
    /// assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    /// ```
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the process's hash-map randomness, the current time and a
    /// per-process counter, so two generators (or two processes) start apart.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::{RandomSource, SplitMix64};
    /// let mut a = SplitMix64::from_entropy();
    /// let mut b = SplitMix64::from_entropy();
    /// assert_ne!(a.next_u64(), b.next_u64());
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[must_use]
    pub fn from_entropy() -> Self {
        Self::new(entropy_seed())
    }
}

impl RandomSource for SplitMix64 {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }
}

/// A seed that differs between calls and between processes.
#[cfg(feature = "std")]
pub(crate) fn entropy_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, core::sync::atomic::Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.write_u32(std::process::id());
    h.finish()
}

/// A SplitMix64 stream shared between threads: each draw is one `fetch_add`.
#[derive(Debug)]
pub(crate) struct AtomicSplitMix {
    state: AtomicU64,
}

impl AtomicSplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    #[inline]
    pub(crate) fn next_u64(&self) -> u64 {
        let s = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        mix(s)
    }
}

/// Redraws allowed before a bounded draw accepts a biased word. A uniform source is
/// rejected with probability below `span / 2^64 ≤ 1/2` per word, so it exhausts them with
/// probability below 2^-64; a broken source (one that always answers the same word) ends
/// after this many draws instead of spinning forever.
pub(crate) const MAX_REDRAWS: u32 = 64;

/// A uniform draw in `[0, span)` for `span > 0`, without bias.
///
/// Lemire's multiply-shift method ("Fast Random Integer Generation in an Interval", ACM
/// TOMACS 2019): the high word of `x · span` is the draw; the rare low words below
/// `2^64 mod span` are rejected, so every value has exactly the same probability. After
/// [`MAX_REDRAWS`] rejections in a row the last word is used as it is.
#[inline]
pub(crate) fn below(draw: &mut impl FnMut() -> u64, span: u64) -> u64 {
    debug_assert!(span > 0);
    let mut m = u128::from(draw()) * u128::from(span);
    let mut low = m as u64;
    if low < span {
        let threshold = span.wrapping_neg() % span;
        let mut redraws = 0;
        while low < threshold && redraws < MAX_REDRAWS {
            m = u128::from(draw()) * u128::from(span);
            low = m as u64;
            redraws += 1;
        }
    }
    (m >> 64) as u64
}

/// A uniform draw in `[lo, hi]` (inclusive) for `lo <= hi`, without bias.
#[inline]
pub(crate) fn between<R: RandomSource + ?Sized>(rng: &mut R, lo: u64, hi: u64) -> u64 {
    debug_assert!(lo <= hi);
    let span = (hi - lo).wrapping_add(1);
    if span == 0 {
        // The whole u64 range: every word is already uniform.
        return rng.next_u64();
    }
    lo + below(&mut || rng.next_u64(), span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_stays_in_bounds_at_the_edges() {
        let mut rng = SplitMix64::new(3);
        for _ in 0..1000 {
            assert_eq!(between(&mut rng, 5, 5), 5);
            let x = between(&mut rng, 0, 1);
            assert!(x <= 1);
            let y = between(&mut rng, u64::MAX - 1, u64::MAX);
            assert!(y >= u64::MAX - 1);
            let _ = between(&mut rng, 0, u64::MAX);
        }
    }

    #[test]
    fn below_rejects_the_biased_low_words() {
        // span 3: 2^64 mod 3 = 1, so the single low word 0 must be rejected.
        let mut words = [0u64, u64::MAX / 3 * 2].into_iter();
        // First draw 0: product low word 0 < threshold 1, rejected; second draw is used.
        let v = below(&mut || words.next().unwrap_or(0), 3);
        // (2^64 / 3 · 2) · 3 / 2^64 rounds down to 1.
        assert_eq!(v, 1);
        assert!(words.next().is_none(), "the biased word was not rejected");
    }

    #[test]
    fn below_accepts_every_low_word_from_the_threshold_up() {
        // span 3, threshold 1. The word 1 gives low word 3 (well above the threshold) and
        // the inverse of 3 gives low word 1, exactly the threshold: both are accepted at
        // once, and the draw is the high word of the product.
        for (word, want) in [(1u64, 0u64), (0xAAAA_AAAA_AAAA_AAAB, 2)] {
            let mut calls = 0;
            let v = below(
                &mut || {
                    calls += 1;
                    word
                },
                3,
            );
            assert_eq!((v, calls), (want, 1), "word {word:#x}");
        }
    }

    #[test]
    fn a_constant_source_is_redrawn_a_bounded_number_of_times() {
        let mut calls = 0u32;
        let v = below(
            &mut || {
                calls += 1;
                0
            },
            3,
        );
        assert_eq!(v, 0);
        assert_eq!(calls, MAX_REDRAWS + 1);
    }

    #[test]
    fn small_span_is_uniform_enough() {
        let mut rng = SplitMix64::new(11);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[between(&mut rng, 0, 5) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..=10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn splitmix_reference_values() {
        // Reference outputs of SplitMix64 seeded with 0 (as published with the algorithm's
        // reference C implementation by Vigna).
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
