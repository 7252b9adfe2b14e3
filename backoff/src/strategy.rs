//! Delay strategies: `E(n) = min(cap, base · m^n)` (`m = 2` unless set) and the jitter laid
//! over it.

use core::fmt;
use core::time::Duration;

use crate::rng::{RandomSource, SplitMix64, between};

/// Why a strategy or policy configuration was refused.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{ConfigError, Strategy};
/// let err = Strategy::full_jitter(Duration::from_secs(2), Duration::from_secs(1)).unwrap_err();
/// assert!(matches!(err, ConfigError::BaseAboveCap { .. }));
/// assert_eq!(err.to_string(), "base delay 2s exceeds the cap 1s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base delay is zero; every exponential step would stay zero.
    #[error("base delay must be greater than zero")]
    ZeroBase,
    /// The base delay is larger than the cap.
    #[error("base delay {base:?} exceeds the cap {cap:?}")]
    BaseAboveCap {
        /// The base delay given.
        base: Duration,
        /// The cap given.
        cap: Duration,
    },
    /// A delay does not fit in 64 bits of nanoseconds (about 584 years).
    #[error("delay {delay:?} does not fit in 64 bits of nanoseconds")]
    TooLong {
        /// The delay given.
        delay: Duration,
    },
    /// A policy must allow at least one attempt.
    #[error("max attempts must be at least 1")]
    ZeroAttempts,
    /// A per-attempt timeout must be greater than zero.
    #[error("attempt timeout must be greater than zero")]
    ZeroAttemptTimeout,
    /// A multiplier must be finite and in `[1, 1000]` (it is kept in thousandths).
    #[error("multiplier {multiplier} outside 1..=1000")]
    MultiplierOutOfRange {
        /// The value given.
        multiplier: f64,
    },
    /// The multiplier applies to the exponential ceiling; the constant kind never grows and
    /// the decorrelated kinds grow by their own factor of 3.
    #[error("a multiplier does not apply to {kind:?} strategies")]
    MultiplierNotApplicable {
        /// The strategy's kind.
        kind: StrategyKind,
    },
    /// A randomization factor must be finite and in `[0, 1)`, so a delay is never drawn
    /// near zero (Resilience4j's bound).
    #[error("randomization factor {factor} outside [0, 1)")]
    RandomizationFactorOutOfRange {
        /// The value given.
        factor: f64,
    },
    /// The early-expiration parameter β must be finite and in `(0, 1000]`.
    #[error("early-expiration beta {beta} outside (0, 1000]")]
    BetaOutOfRange {
        /// The value given.
        beta: f64,
    },
    /// A hedging delay must be greater than zero, or every copy would go out at once.
    #[error("hedging delay must be greater than zero")]
    ZeroHedgeDelay,
    /// A hedge sends at least 2 attempts (gRPC's `maxAttempts` > 1) and at most `max`.
    #[error("hedged attempts {attempts} outside 2..={max}")]
    HedgeAttemptsOutOfRange {
        /// The value given.
        attempts: u32,
        /// The most allowed.
        max: u32,
    },
}

/// The shape of a [`Strategy`].
///
/// `E(n) = min(cap, base · m^n)` is the exponential ceiling for the `n`-th retry (counted
/// from 0), with the multiplier `m = 2` unless set ([`Strategy::with_multiplier`]). Every
/// kind keeps its delay within `[0, cap]`.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Strategy, StrategyKind};
/// let ms = Duration::from_millis;
/// let s = Strategy::new(StrategyKind::DecorrelatedCorrected, ms(10), ms(500))?;
/// assert_eq!(s, Strategy::decorrelated_corrected(ms(10), ms(500))?);
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum StrategyKind {
    /// Always `base` (and `cap == base`).
    Constant,
    /// `E(n)` exactly, no jitter. Clients that failed together retry together.
    Exponential,
    /// Uniform in `[0, E(n)]` ("full jitter").
    FullJitter,
    /// `⌊E(n)/2⌋ + uniform[0, E(n) − ⌊E(n)/2⌋]` ("equal jitter"): never shorter than half the
    /// ceiling.
    EqualJitter,
    /// `min(cap, uniform[base, 3 · previous])`, starting from `previous = base`
    /// ("decorrelated jitter", as published). Draws above the cap pile up on the cap.
    Decorrelated,
    /// `uniform[base, min(cap, 3 · previous)]`, starting from `previous = base`: the
    /// decorrelated walk with the cap applied before the draw, so saturated draws spread over
    /// `[base, cap]` instead of collapsing onto `cap`.
    DecorrelatedCorrected,
    /// `min(cap, uniform[E(n) · (1 − f), E(n) · (1 + f)])` for a randomization factor
    /// `0 ≤ f < 1` ("± f" jitter: gRPC's connection backoff uses 1.6 and ± 20 %,
    /// Resilience4j's `IntervalFunction.ofExponentialRandomBackoff` 1.5 and ± 50 %).
    Randomized,
}

/// A validated delay strategy: a kind, a base and a cap, in integer nanoseconds.
///
/// Constructors check `0 < base <= cap` and that both fit in `u64` nanoseconds. The cap is a
/// hard bound after jitter for every kind. A strategy is a small `Copy` value; the state of
/// one retry sequence (attempt number, previous delay, random source) lives in [`Backoff`].
///
/// Source of the jitter formulas: Marc Brooker, "Exponential Backoff And Jitter", AWS
/// Architecture Blog, 2015.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::Strategy;
///
/// let s = Strategy::full_jitter(Duration::from_millis(100), Duration::from_secs(10))?;
/// assert_eq!(s.ceiling(0), Duration::from_millis(100));
/// assert_eq!(s.ceiling(3), Duration::from_millis(800));
/// assert_eq!(s.ceiling(u32::MAX), Duration::from_secs(10));
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "StrategyRepr", into = "StrategyRepr")
)]
pub struct Strategy {
    kind: StrategyKind,
    base: u64,
    cap: u64,
    /// The multiplier `m` of `E(n)`, in thousandths (2000: doubling).
    multiplier_milli: u32,
    /// The randomization factor of [`StrategyKind::Randomized`], in thousandths.
    factor_milli: u32,
}

const DOUBLING: u32 = 2000;
/// Resilience4j's default randomization factor, for [`Strategy::new`] with
/// [`StrategyKind::Randomized`].
const DEFAULT_FACTOR_MILLI: u32 = 500;

/// The serialized form of a [`Strategy`], validated on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyRepr {
    kind: StrategyKind,
    #[serde(with = "crate::duration::serde_duration")]
    base: Duration,
    #[serde(with = "crate::duration::serde_duration")]
    cap: Duration,
    #[serde(default = "default_multiplier")]
    multiplier: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    randomization_factor: Option<f64>,
}

#[cfg(feature = "serde")]
const fn default_multiplier() -> f64 {
    2.0
}

#[cfg(feature = "serde")]
impl TryFrom<StrategyRepr> for Strategy {
    type Error = ConfigError;
    fn try_from(r: StrategyRepr) -> Result<Self, ConfigError> {
        let s = match (r.kind, r.randomization_factor) {
            (StrategyKind::Randomized, Some(f)) => Strategy::randomized(r.base, r.cap, f)?,
            (_, Some(f)) if f != 0.0 => {
                return Err(ConfigError::RandomizationFactorOutOfRange { factor: f });
            }
            (kind, _) => Strategy::new(kind, r.base, r.cap)?,
        };
        if r.multiplier == 2.0 {
            Ok(s)
        } else {
            s.with_multiplier(r.multiplier)
        }
    }
}

#[cfg(feature = "serde")]
impl From<Strategy> for StrategyRepr {
    fn from(s: Strategy) -> Self {
        StrategyRepr {
            kind: s.kind,
            base: s.base(),
            cap: s.cap(),
            multiplier: s.multiplier(),
            randomization_factor: (s.kind == StrategyKind::Randomized)
                .then(|| s.randomization_factor()),
        }
    }
}

fn to_nanos(delay: Duration) -> Result<u64, ConfigError> {
    u64::try_from(delay.as_nanos()).map_err(|_| ConfigError::TooLong { delay })
}

impl Strategy {
    /// A strategy of the given kind.
    ///
    /// For [`StrategyKind::Constant`] the cap must equal the base (use
    /// [`Strategy::constant`]).
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroBase`] if `base` is zero, [`ConfigError::BaseAboveCap`] if
    /// `base > cap` (or a constant strategy's cap differs from its base),
    /// [`ConfigError::TooLong`] if either does not fit in `u64` nanoseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{ConfigError, Strategy, StrategyKind};
    ///
    /// let ms = Duration::from_millis;
    /// assert!(Strategy::new(StrategyKind::EqualJitter, ms(10), ms(100)).is_ok());
    /// assert_eq!(
    ///     Strategy::new(StrategyKind::EqualJitter, ms(0), ms(100)),
    ///     Err(ConfigError::ZeroBase)
    /// );
    /// ```
    pub fn new(kind: StrategyKind, base: Duration, cap: Duration) -> Result<Self, ConfigError> {
        let b = to_nanos(base)?;
        let c = to_nanos(cap)?;
        if b == 0 {
            return Err(ConfigError::ZeroBase);
        }
        if b > c || (kind == StrategyKind::Constant && b != c) {
            return Err(ConfigError::BaseAboveCap { base, cap });
        }
        Ok(Self {
            kind,
            base: b,
            cap: c,
            multiplier_milli: DOUBLING,
            factor_milli: if kind == StrategyKind::Randomized {
                DEFAULT_FACTOR_MILLI
            } else {
                0
            },
        })
    }

    /// `min(cap, uniform[E(n) · (1 − factor), E(n) · (1 + factor)])`: the exponential
    /// ceiling randomized by `± factor` (in `[0, 1)`, kept in thousandths), then capped.
    ///
    /// # Errors
    ///
    /// As [`Strategy::new`], and [`ConfigError::RandomizationFactorOutOfRange`] unless
    /// `factor` is finite and in `[0, 1)`.
    ///
    /// # Examples
    ///
    /// gRPC's connection backoff: 1 s, × 1.6, ± 20 %, at most 120 s.
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::randomized(Duration::from_secs(1), Duration::from_secs(120), 0.2)?
    ///     .with_multiplier(1.6)?;
    /// let mut b = Backoff::new(s, SplitMix64::new(7));
    /// let first = b.next_delay();
    /// assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
    /// let second = b.next_delay();
    /// assert!(second >= Duration::from_millis(1280) && second <= Duration::from_millis(1920));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn randomized(base: Duration, cap: Duration, factor: f64) -> Result<Self, ConfigError> {
        if !(factor.is_finite() && (0.0..1.0).contains(&factor)) {
            return Err(ConfigError::RandomizationFactorOutOfRange { factor });
        }
        let milli = (factor * 1000.0 + 0.5) as u32;
        if milli >= 1000 {
            return Err(ConfigError::RandomizationFactorOutOfRange { factor });
        }
        let s = Self::new(StrategyKind::Randomized, base, cap)?;
        Ok(Self {
            factor_milli: milli,
            ..s
        })
    }

    /// The same strategy with the exponential ceiling growing by `multiplier` per retry:
    /// `E(n) = min(cap, base · multiplier^n)` (kept in thousandths; 2 by default).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MultiplierOutOfRange`] unless `multiplier` is finite and in
    /// `[1, 1000]`; [`ConfigError::MultiplierNotApplicable`] for the constant and the
    /// decorrelated kinds, which do not use `E(n)`.
    ///
    /// # Examples
    ///
    /// Resilience4j's exponential interval at 1.5: 5 s, then 7.5 s.
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// let s = Strategy::exponential(Duration::from_secs(5), Duration::from_secs(60))?
    ///     .with_multiplier(1.5)?;
    /// assert_eq!(s.ceiling(0), Duration::from_secs(5));
    /// assert_eq!(s.ceiling(1), Duration::from_millis(7500));
    /// assert_eq!(s.ceiling(u32::MAX), Duration::from_secs(60));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn with_multiplier(self, multiplier: f64) -> Result<Self, ConfigError> {
        if !(multiplier.is_finite() && (1.0..=1000.0).contains(&multiplier)) {
            return Err(ConfigError::MultiplierOutOfRange { multiplier });
        }
        match self.kind {
            StrategyKind::Constant
            | StrategyKind::Decorrelated
            | StrategyKind::DecorrelatedCorrected => {
                return Err(ConfigError::MultiplierNotApplicable { kind: self.kind });
            }
            _ => {}
        }
        Ok(Self {
            multiplier_milli: (multiplier * 1000.0 + 0.5) as u32,
            ..self
        })
    }

    /// The multiplier of the exponential ceiling (2 unless set).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(8))?;
    /// assert_eq!(s.multiplier(), 2.0);
    /// assert_eq!(s.with_multiplier(1.6)?.multiplier(), 1.6);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub fn multiplier(&self) -> f64 {
        f64::from(self.multiplier_milli) / 1000.0
    }

    /// The randomization factor of a [`StrategyKind::Randomized`] strategy (0 for the
    /// other kinds).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// let s = Strategy::randomized(Duration::from_secs(1), Duration::from_secs(8), 0.2)?;
    /// assert_eq!(s.randomization_factor(), 0.2);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub fn randomization_factor(&self) -> f64 {
        f64::from(self.factor_milli) / 1000.0
    }

    /// Always `delay`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroBase`] if `delay` is zero, [`ConfigError::TooLong`] if it does not
    /// fit in `u64` nanoseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::constant(Duration::from_millis(5))?;
    /// let mut b = Backoff::new(s, SplitMix64::new(0));
    /// assert_eq!(b.next_delay(), Duration::from_millis(5));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn constant(delay: Duration) -> Result<Self, ConfigError> {
        Self::new(StrategyKind::Constant, delay, delay)
    }

    /// `E(n)` without jitter.
    ///
    /// # Errors
    ///
    /// As [`Strategy::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::exponential(Duration::from_millis(10), Duration::from_millis(35))?;
    /// let delays: Vec<_> = Backoff::new(s, SplitMix64::new(0)).take(4).collect();
    /// let ms = Duration::from_millis;
    /// assert_eq!(delays, [ms(10), ms(20), ms(35), ms(35)]);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn exponential(base: Duration, cap: Duration) -> Result<Self, ConfigError> {
        Self::new(StrategyKind::Exponential, base, cap)
    }

    /// Uniform in `[0, E(n)]`.
    ///
    /// # Errors
    ///
    /// As [`Strategy::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::full_jitter(Duration::from_millis(10), Duration::from_secs(1))?;
    /// let mut b = Backoff::new(s, SplitMix64::new(7));
    /// assert!(b.next_delay() <= Duration::from_millis(10));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn full_jitter(base: Duration, cap: Duration) -> Result<Self, ConfigError> {
        Self::new(StrategyKind::FullJitter, base, cap)
    }

    /// Half the ceiling fixed, the other half jittered.
    ///
    /// # Errors
    ///
    /// As [`Strategy::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::equal_jitter(Duration::from_millis(10), Duration::from_secs(1))?;
    /// let d = Backoff::new(s, SplitMix64::new(7)).next_delay();
    /// assert!(d >= Duration::from_millis(5) && d <= Duration::from_millis(10));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn equal_jitter(base: Duration, cap: Duration) -> Result<Self, ConfigError> {
        Self::new(StrategyKind::EqualJitter, base, cap)
    }

    /// Decorrelated jitter as published: `min(cap, uniform[base, 3 · previous])`.
    ///
    /// # Errors
    ///
    /// As [`Strategy::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::decorrelated(Duration::from_millis(10), Duration::from_secs(1))?;
    /// let d = Backoff::new(s, SplitMix64::new(7)).next_delay();
    /// assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(30));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn decorrelated(base: Duration, cap: Duration) -> Result<Self, ConfigError> {
        Self::new(StrategyKind::Decorrelated, base, cap)
    }

    /// Decorrelated jitter with the cap applied before the draw:
    /// `uniform[base, min(cap, 3 · previous)]`.
    ///
    /// # Errors
    ///
    /// As [`Strategy::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::decorrelated_corrected(Duration::from_millis(10), Duration::from_millis(20))?;
    /// let d = Backoff::new(s, SplitMix64::new(7)).next_delay();
    /// assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn decorrelated_corrected(base: Duration, cap: Duration) -> Result<Self, ConfigError> {
        Self::new(StrategyKind::DecorrelatedCorrected, base, cap)
    }

    /// The kind of this strategy.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Strategy, StrategyKind};
    /// let s = Strategy::constant(Duration::from_secs(1))?;
    /// assert_eq!(s.kind(), StrategyKind::Constant);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn kind(&self) -> StrategyKind {
        self.kind
    }

    /// The base delay.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(8))?;
    /// assert_eq!(s.base(), Duration::from_secs(1));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn base(&self) -> Duration {
        Duration::from_nanos(self.base)
    }

    /// The cap: no delay this strategy produces is longer.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(8))?;
    /// assert_eq!(s.cap(), Duration::from_secs(8));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn cap(&self) -> Duration {
        Duration::from_nanos(self.cap)
    }

    /// The exponential ceiling `E(n) = min(cap, base · m^n)` for retry `n` (from 0),
    /// computed without overflow for every `n` up to `u32::MAX` (exactly in integers for
    /// the default `m = 2`; in double precision, rounded to the nanosecond, otherwise).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// let s = Strategy::exponential(Duration::from_nanos(3), Duration::from_nanos(u64::MAX))?;
    /// assert_eq!(s.ceiling(1), Duration::from_nanos(6));
    /// assert_eq!(s.ceiling(70), Duration::from_nanos(u64::MAX));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub fn ceiling(&self, attempt: u32) -> Duration {
        Duration::from_nanos(self.ceiling_of(attempt))
    }

    #[inline]
    fn ceiling_of(&self, attempt: u32) -> u64 {
        if self.multiplier_milli == DOUBLING {
            ceiling_nanos(self.base, self.cap, attempt)
        } else {
            scaled_ceiling_nanos(self.base, self.cap, attempt, self.multiplier_milli)
        }
    }

    /// The delay for retry `attempt` given the previous delay, in nanoseconds.
    #[inline]
    pub(crate) fn delay_nanos<R: RandomSource + ?Sized>(
        &self,
        attempt: u32,
        previous: u64,
        rng: &mut R,
    ) -> u64 {
        match self.kind {
            StrategyKind::Constant => self.base,
            StrategyKind::Exponential => self.ceiling_of(attempt),
            StrategyKind::FullJitter => {
                let e = self.ceiling_of(attempt);
                between(rng, 0, e)
            }
            StrategyKind::EqualJitter => {
                let e = self.ceiling_of(attempt);
                let half = e / 2;
                half + between(rng, 0, e - half)
            }
            StrategyKind::Decorrelated => {
                let hi = previous.max(self.base).saturating_mul(3);
                between(rng, self.base, hi).min(self.cap)
            }
            StrategyKind::DecorrelatedCorrected => {
                let hi = previous.max(self.base).saturating_mul(3).min(self.cap);
                between(rng, self.base, hi)
            }
            StrategyKind::Randomized => {
                let e = self.ceiling_of(attempt);
                // e · f / 1000 ≤ e: no overflow in 128 bits, and the result fits in u64.
                let spread = (u128::from(e) * u128::from(self.factor_milli) / 1000) as u64;
                between(rng, e - spread, e.saturating_add(spread)).min(self.cap)
            }
        }
    }
}

/// `min(cap, round(base · (m / 1000)^n))` for `0 < base <= cap` and `m >= 1000`, in double
/// precision, saturating at the cap.
fn scaled_ceiling_nanos(base: u64, cap: u64, attempt: u32, m_milli: u32) -> u64 {
    if m_milli == 1000 || attempt == 0 {
        return base;
    }
    let m = f64::from(m_milli) / 1000.0;
    let limit = cap as f64;
    // m^n by squaring, stopping as soon as base · m^n passes the cap.
    let mut x = base as f64;
    let mut factor = m;
    let mut n = attempt;
    while n > 0 {
        if n & 1 == 1 {
            x *= factor;
            if x >= limit {
                return cap;
            }
        }
        n >>= 1;
        if n > 0 {
            factor *= factor;
            if factor * (base as f64) >= limit {
                // The remaining multiplications include one by at least `factor`, and
                // x ≥ base: the result passes the cap.
                return cap;
            }
        }
    }
    let rounded = (x + 0.5) as u64;
    rounded.clamp(base, cap)
}

/// `min(cap, base · 2^n)` for `0 < base <= cap`, without overflow.
#[inline]
pub(crate) const fn ceiling_nanos(base: u64, cap: u64, attempt: u32) -> u64 {
    // base · 2^n <= cap  ⇔  base <= ⌊cap / 2^n⌋, and base ≥ 1 makes n ≥ 64 always exceed.
    if attempt >= 64 || base > (cap >> attempt) {
        cap
    } else {
        base << attempt
    }
}

/// The AWS SDKs' standard retry mode: full jitter over a 1 s base, capped at 20 s.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Strategy, StrategyKind};
/// let s = Strategy::default();
/// assert_eq!((s.kind(), s.base(), s.cap()), (StrategyKind::FullJitter, Duration::from_secs(1), Duration::from_secs(20)));
/// ```
impl Default for Strategy {
    fn default() -> Self {
        Self {
            kind: StrategyKind::FullJitter,
            base: 1_000_000_000,
            cap: 20_000_000_000,
            multiplier_milli: DOUBLING,
            factor_milli: 0,
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            StrategyKind::Constant => "constant",
            StrategyKind::Exponential => "exponential",
            StrategyKind::FullJitter => "full jitter",
            StrategyKind::EqualJitter => "equal jitter",
            StrategyKind::Decorrelated => "decorrelated jitter",
            StrategyKind::DecorrelatedCorrected => "corrected decorrelated jitter",
            StrategyKind::Randomized => "randomized",
        };
        write!(f, "{name} (base {:?}, cap {:?}", self.base(), self.cap())?;
        if self.multiplier_milli != DOUBLING {
            write!(f, ", multiplier {}", self.multiplier())?;
        }
        if self.kind == StrategyKind::Randomized {
            write!(f, ", ± {} %", f64::from(self.factor_milli) / 10.0)?;
        }
        f.write_str(")")
    }
}

/// One retry sequence: a [`Strategy`], a random source, the attempt number and the previous
/// delay.
///
/// [`Backoff::next_delay`] yields the delay before retry 0, 1, 2, … (the attempt number
/// saturates at `u32::MAX`). It is also an endless [`Iterator`] of delays. Use
/// [`RetryPolicy`](crate::RetryPolicy) to add attempt and time limits.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Backoff, SplitMix64, Strategy};
///
/// let s = Strategy::full_jitter(Duration::from_millis(100), Duration::from_secs(5))?;
/// let mut backoff = Backoff::new(s, SplitMix64::new(1));
/// for n in 0..20 {
///     let d = backoff.next_delay();
///     assert!(d <= s.ceiling(n));
/// }
/// backoff.reset();
/// assert_eq!(backoff.attempt(), 0);
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Backoff<R = SplitMix64> {
    strategy: Strategy,
    rng: R,
    attempt: u32,
    previous: u64,
}

impl<R: RandomSource> Backoff<R> {
    /// A fresh sequence at attempt 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::constant(Duration::from_secs(1))?;
    /// assert_eq!(Backoff::new(s, SplitMix64::new(0)).attempt(), 0);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn new(strategy: Strategy, rng: R) -> Self {
        Self {
            strategy,
            rng,
            attempt: 0,
            previous: strategy.base,
        }
    }

    /// The delay before the next retry; advances the sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(4))?;
    /// let mut b = Backoff::new(s, SplitMix64::new(0));
    /// assert_eq!(b.next_delay(), Duration::from_secs(1));
    /// assert_eq!(b.next_delay(), Duration::from_secs(2));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[inline]
    pub fn next_delay(&mut self) -> Duration {
        Duration::from_nanos(self.next_nanos())
    }

    /// As [`Backoff::next_delay`], in whole nanoseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::constant(Duration::from_nanos(9))?;
    /// assert_eq!(Backoff::new(s, SplitMix64::new(0)).next_nanos(), 9);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[inline]
    pub fn next_nanos(&mut self) -> u64 {
        let d = self
            .strategy
            .delay_nanos(self.attempt, self.previous, &mut self.rng);
        self.previous = d;
        self.attempt = self.attempt.saturating_add(1);
        d
    }

    /// How many delays have been drawn since creation or the last reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::constant(Duration::from_secs(1))?;
    /// let mut b = Backoff::new(s, SplitMix64::new(0));
    /// b.next_delay();
    /// assert_eq!(b.attempt(), 1);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Jumps to attempt `attempt` (the previous delay is reset to the base).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(60))?;
    /// let mut b = Backoff::new(s, SplitMix64::new(0));
    /// b.set_attempt(3);
    /// assert_eq!(b.next_delay(), Duration::from_secs(8));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn set_attempt(&mut self, attempt: u32) {
        self.attempt = attempt;
        self.previous = self.strategy.base;
    }

    /// Back to attempt 0, as after a success. The random source keeps its position.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(60))?;
    /// let mut b = Backoff::new(s, SplitMix64::new(0));
    /// b.next_delay();
    /// b.reset();
    /// assert_eq!(b.next_delay(), Duration::from_secs(1));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn reset(&mut self) {
        self.set_attempt(0);
    }

    /// The strategy this sequence follows.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Backoff, SplitMix64, Strategy};
    /// let s = Strategy::constant(Duration::from_secs(1))?;
    /// assert_eq!(*Backoff::new(s, SplitMix64::new(0)).strategy(), s);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn strategy(&self) -> &Strategy {
        &self.strategy
    }
}

impl<R: RandomSource> Iterator for Backoff<R> {
    type Item = Duration;

    #[inline]
    fn next(&mut self) -> Option<Duration> {
        Some(self.next_delay())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_ceiling_matches_repeated_multiplication() {
        for m in [1000u32, 1001, 1500, 1600, 2000, 3000, 999_999] {
            for (base, cap) in [
                (1u64, u64::MAX),
                (100, 1_000_000),
                (5_000_000_000, 60_000_000_000),
            ] {
                let mut naive = base as f64;
                for n in 0u32..200 {
                    let want = if naive >= cap as f64 {
                        cap
                    } else {
                        ((naive + 0.5) as u64).clamp(base, cap)
                    };
                    let got = scaled_ceiling_nanos(base, cap, n, m);
                    // Squaring and repeated multiplication may round differently in the
                    // last bits: allow one part in 10^12.
                    let tol = (want / 1_000_000_000_000).max(1);
                    assert!(
                        got.abs_diff(want) <= tol,
                        "m {m} base {base} n {n}: {got} vs {want}"
                    );
                    naive *= f64::from(m) / 1000.0;
                }
                assert_eq!(
                    scaled_ceiling_nanos(base, cap, u32::MAX, m),
                    if m == 1000 { base } else { cap }
                );
            }
        }
        // Resilience4j's figures: 5 s at 1.5 is 7.5 s, then 11.25 s.
        assert_eq!(
            scaled_ceiling_nanos(5_000_000_000, u64::MAX, 1, 1500),
            7_500_000_000
        );
        assert_eq!(
            scaled_ceiling_nanos(5_000_000_000, u64::MAX, 2, 1500),
            11_250_000_000
        );
    }

    #[test]
    fn ceiling_matches_a_wide_multiplication() {
        for base in [1u64, 3, 1000, u64::MAX / 7, u64::MAX] {
            for cap in [base, base.saturating_mul(5), u64::MAX] {
                for n in [0u32, 1, 2, 30, 62, 63, 64, 65, u32::MAX] {
                    let wide = if n >= 128 {
                        u128::MAX
                    } else {
                        u128::from(base).checked_shl(n).unwrap_or(u128::MAX)
                    };
                    let want = wide.min(u128::from(cap)) as u64;
                    // `checked_shl` does not detect lost bits, so compute exactly instead.
                    let exact = if n >= 64 {
                        cap
                    } else {
                        (u128::from(base) << n).min(u128::from(cap)) as u64
                    };
                    assert_eq!(ceiling_nanos(base, cap, n), exact, "{base} {cap} {n}");
                    if n < 64 {
                        assert_eq!(exact, want);
                    }
                }
            }
        }
    }
}
