//! Probabilistic early expiration (XFetch).

use core::time::Duration;

use crate::rng::RandomSource;
use crate::strategy::ConfigError;

/// Probabilistic early expiration, the XFetch rule of Vattani, Chierichetti and
/// Lowenstein, "Optimal Probabilistic Cache Stampede Prevention" (VLDB 2015).
///
/// A reader recomputes the value when `now − δ·β·ln(u) ≥ expiry`, with `u` uniform in
/// `(0, 1]`, `δ` the time the last recomputation took and `β > 0` (1 is the paper's
/// optimum; above 1 favours earlier recomputation). Since `−ln(u)` is exponentially
/// distributed, a reader at `t` before the expiry recomputes with probability
/// `exp(−t / (δ·β))`: almost never far from the expiry, almost surely within a
/// recomputation time of it. A value already expired is always recomputed. The clock
/// (`now`, `expiry`) and the random source are the caller's, so every use is
/// deterministic under test.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::SplitMix64;
/// use ward_backoff::stampede::EarlyExpiration;
/// let xfetch = EarlyExpiration::default(); // β = 1
/// let mut rng = SplitMix64::new(7);
/// let s = Duration::from_secs;
/// // An hour before expiry, with a 100 ms recomputation: practically never.
/// assert!(!xfetch.should_recompute(s(0), s(3600), Duration::from_millis(100), &mut rng));
/// // Expired: always.
/// assert!(xfetch.should_recompute(s(3600), s(3600), Duration::from_millis(100), &mut rng));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyExpiration {
    beta: f64,
}

impl EarlyExpiration {
    /// The rule with `beta` (the paper's β).
    ///
    /// # Errors
    ///
    /// [`ConfigError::BetaOutOfRange`] unless `beta` is finite and in `(0, 1000]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ConfigError;
    /// use ward_backoff::stampede::EarlyExpiration;
    /// assert_eq!(EarlyExpiration::new(2.0)?.beta(), 2.0);
    /// assert!(matches!(EarlyExpiration::new(0.0), Err(ConfigError::BetaOutOfRange { .. })));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn new(beta: f64) -> Result<Self, ConfigError> {
        if !(beta > 0.0 && beta <= 1000.0) {
            return Err(ConfigError::BetaOutOfRange { beta });
        }
        Ok(Self { beta })
    }

    /// β.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::stampede::EarlyExpiration;
    /// assert_eq!(EarlyExpiration::default().beta(), 1.0);
    /// ```
    #[must_use]
    pub const fn beta(&self) -> f64 {
        self.beta
    }

    /// Whether a reader at `now` should recompute a value that expires at `expiry` and took
    /// `delta` to compute (all readings of one clock).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::SplitMix64;
    /// use ward_backoff::stampede::EarlyExpiration;
    /// let xfetch = EarlyExpiration::default();
    /// let mut rng = SplitMix64::new(1);
    /// let ms = Duration::from_millis;
    /// // One recomputation time before expiry: probability e^-1, about 37 %.
    /// let early = (0..100_000)
    ///     .filter(|_| xfetch.should_recompute(ms(900), ms(1000), ms(100), &mut rng))
    ///     .count();
    /// assert!((36_300..37_300).contains(&early), "{early}");
    /// ```
    pub fn should_recompute<R: RandomSource + ?Sized>(
        &self,
        now: Duration,
        expiry: Duration,
        delta: Duration,
        rng: &mut R,
    ) -> bool {
        if now >= expiry {
            return true;
        }
        // u in (0, 1]: 53 random bits, never zero, so ln(u) is finite and ≤ 0.
        let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        let ahead = -delta.as_secs_f64() * self.beta * u.ln();
        now.as_secs_f64() + ahead >= expiry.as_secs_f64()
    }
}

impl Default for EarlyExpiration {
    /// β = 1, the paper's optimum.
    fn default() -> Self {
        Self { beta: 1.0 }
    }
}
