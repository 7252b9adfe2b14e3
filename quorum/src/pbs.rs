//! Closed forms of Probabilistically Bounded Staleness for versions.
//!
//! From *Probabilistically Bounded Staleness for Practical Partial Quorums* (Bailis,
//! Venkataraman, Franklin, Hellerstein, Stoica, VLDB 2012), assuming read and write quorums
//! are chosen uniformly at random among the `N` replicas and nothing propagates after the
//! write quorum is reached (no anti-entropy, no late deliveries; the WARS simulator models
//! those):
//!
//! * a read misses the last write with probability `p = C(N−W, R) / C(N, R)`: the `R` read
//!   replicas must all come from the `N−W` replicas the write did not reach;
//! * a read returns one of the last `k` versions (*k-staleness*) with probability `1 − p^k`;
//! * a client's reads are monotonic with probability `1 − p^(1 + γ_gw/γ_cr)`, where `γ_gw` is
//!   the global write rate to the key and `γ_cr` the client's read rate (the number of
//!   writes between two reads of the client plays the role of `k`).
//!
//! Floating-point forms multiply the ratios `(N−W−i)/(N−i)` (each in `[0, 1]`) instead of
//! dividing two huge binomials, so they stay accurate for any `N`. Exact forms return a
//! reduced [`Fraction`] while it fits in `u128`.

use core::fmt;

use crate::config::QuorumConfig;

/// Why a staleness question could not be answered.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let q = QuorumConfig::new(3, 1, 1)?;
/// assert_eq!(pbs::k_staleness(&q, 0), Err(pbs::PbsError::ZeroVersions));
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PbsError {
    /// k-staleness needs `k ≥ 1` versions.
    #[error("k-staleness needs at least one version")]
    ZeroVersions,
    /// An exact fraction does not fit in 128 bits.
    #[error("the exact fraction for N={n} overflows 128 bits")]
    Overflow {
        /// The number of replicas.
        n: usize,
    },
    /// A rate is NaN, infinite, zero or negative.
    #[error("rate {rate} must be positive and finite")]
    InvalidRate {
        /// The value given.
        rate: f64,
    },
}

/// An exact, reduced non-negative fraction `numerator / denominator`.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let p = pbs::stale_probability_exact(&QuorumConfig::new(3, 1, 1)?)?;
/// assert_eq!((p.numerator(), p.denominator()), (2, 3));
/// assert_eq!(p.to_string(), "2/3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: u128,
    den: u128,
}

const fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Fraction {
    fn reduced(num: u128, den: u128) -> Self {
        let g = gcd(num, den).max(1);
        Self {
            num: num / g,
            den: den / g,
        }
    }

    /// The numerator (reduced).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, pbs};
    /// let p = pbs::stale_probability_exact(&QuorumConfig::new(5, 1, 2)?)?;
    /// assert_eq!(p.numerator(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn numerator(&self) -> u128 {
        self.num
    }

    /// The denominator (reduced, never zero).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, pbs};
    /// let p = pbs::stale_probability_exact(&QuorumConfig::new(5, 1, 2)?)?;
    /// assert_eq!(p.denominator(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn denominator(&self) -> u128 {
        self.den
    }

    /// The nearest `f64` (after reduction; two roundings at most).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, pbs};
    /// let p = pbs::stale_probability_exact(&QuorumConfig::new(4, 2, 2)?)?;
    /// assert_eq!(p.to_f64(), 1.0 / 6.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::cast_precision_loss)] // documented rounding
    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl fmt::Display for Fraction {
    /// Formats as `numerator/denominator`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Probability that a read quorum misses the latest write quorum:
/// `C(N−W, R) / C(N, R)`, zero for strict quorums.
///
/// Computed as a product of `min(R, W)` ratios, stopping early once it falls below the
/// smallest normal `f64` (then it is 0): at most `min(R, W)` multiplications. Replica
/// counts above 2^53 are rounded to the nearest `f64` in each ratio.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let p = pbs::stale_probability(&QuorumConfig::new(3, 1, 1)?);
/// assert!((p - 2.0 / 3.0).abs() < 1e-15);
/// assert_eq!(pbs::stale_probability(&QuorumConfig::new(3, 2, 2)?), 0.0);
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[allow(clippy::cast_precision_loss)] // documented: counts above 2^53 are rounded
pub fn stale_probability(config: &QuorumConfig) -> f64 {
    let (n, r, w) = (config.n(), config.r(), config.w());
    if config.is_strict() {
        return 0.0;
    }
    // C(N−W, R)/C(N, R) = C(N−R, W)/C(N, W): min(R, W) factors, each below 1, so the
    // loop also ends once the product is below the smallest normal number (a factor
    // near 1 would otherwise hold a subnormal product in place forever, rounding
    // 0.75 × 2^-1074 back up to 2^-1074); the rest of the product is smaller still.
    let (small, large) = (r.min(w), r.max(w));
    let mut p = 1.0;
    for i in 0..small {
        p *= (n - large - i) as f64 / (n - i) as f64;
        if p < f64::MIN_POSITIVE {
            return 0.0;
        }
    }
    p
}

/// [`stale_probability`] as an exact reduced fraction.
///
/// Computed as the product of `min(R, W)` ratios `(N − max(R, W) − i)/(N − i)` (by the
/// symmetry `C(N−W, R)/C(N, R) = C(N−R, W)/C(N, W)`), each multiplied in with
/// cross-cancellation so the running fraction stays reduced: it overflows only if a
/// reduced partial product does not fit, not because `C(N, R)` does not.
///
/// # Errors
///
/// [`PbsError::Overflow`] when a reduced partial product does not fit in a `u128`.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let p = pbs::stale_probability_exact(&QuorumConfig::new(10, 3, 3)?)?;
/// assert_eq!((p.numerator(), p.denominator()), (7, 24)); // C(7,3)/C(10,3) = 35/120
/// // C(139, 70)/C(140, 70) = 1/2, though C(140, 70) has 41 digits.
/// assert_eq!(pbs::stale_probability_exact(&QuorumConfig::new(140, 70, 1)?)?.to_string(), "1/2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stale_probability_exact(config: &QuorumConfig) -> Result<Fraction, PbsError> {
    let (n, r, w) = (config.n(), config.r(), config.w());
    if config.is_strict() {
        return Ok(Fraction { num: 0, den: 1 });
    }
    let overflow = PbsError::Overflow { n };
    let (k, missed) = (r.min(w), n - r.max(w));
    let (mut num, mut den) = (1_u128, 1_u128);
    for i in 0..k {
        // (missed − i)/(n − i), both positive since missed ≥ k (partial quorum).
        let (x, y) = ((missed - i) as u128, (n - i) as u128);
        let g = gcd(x, y);
        let (x, y) = (x / g, y / g);
        // num/den and x/y are reduced: cancelling x against den and num against y keeps
        // the product reduced.
        let (g1, g2) = (gcd(x, den), gcd(num, y));
        num = (num / g2).checked_mul(x / g1).ok_or(overflow)?;
        den = (den / g1).checked_mul(y / g2).ok_or(overflow)?;
    }
    Ok(Fraction { num, den })
}

fn powi(mut base: f64, mut exp: u64) -> f64 {
    let mut acc = 1.0;
    while exp > 0 {
        if exp & 1 == 1 {
            acc *= base;
        }
        base *= base;
        exp >>= 1;
    }
    acc
}

/// k-staleness: probability that a read returns one of the last `k` written versions,
/// `1 − p^k` with `p` the [`stale_probability`].
///
/// # Errors
///
/// [`PbsError::ZeroVersions`] when `k == 0`.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let q = QuorumConfig::new(3, 1, 1)?;
/// let within_3 = pbs::k_staleness(&q, 3)?;
/// assert!((within_3 - (1.0 - 8.0 / 27.0)).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn k_staleness(config: &QuorumConfig, k: u64) -> Result<f64, PbsError> {
    if k == 0 {
        return Err(PbsError::ZeroVersions);
    }
    Ok(1.0 - powi(stale_probability(config), k))
}

/// [`k_staleness`] as an exact reduced fraction `(den^k − num^k) / den^k`.
///
/// # Errors
///
/// [`PbsError::ZeroVersions`] when `k == 0`; [`PbsError::Overflow`] when `den^k` does not
/// fit in a `u128`.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let f = pbs::k_staleness_exact(&QuorumConfig::new(3, 1, 1)?, 2)?;
/// assert_eq!(f.to_string(), "5/9");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn k_staleness_exact(config: &QuorumConfig, k: u64) -> Result<Fraction, PbsError> {
    if k == 0 {
        return Err(PbsError::ZeroVersions);
    }
    let p = stale_probability_exact(config)?;
    if p.num == 0 {
        // Never stale: every read sees the latest version, for any k.
        return Ok(Fraction::reduced(1, 1));
    }
    let overflow = PbsError::Overflow { n: config.n() };
    let exp = u32::try_from(k).map_err(|_| overflow)?;
    let den = p.den.checked_pow(exp).ok_or(overflow)?;
    let num = p.num.checked_pow(exp).ok_or(overflow)?;
    Ok(Fraction::reduced(den - num, den))
}

/// Probability that a client's two successive reads are monotonic (the second is not older
/// than the first): `1 − p^(1 + γ_gw/γ_cr)`, with `γ_gw` the global rate of writes to the key
/// and `γ_cr` the client's rate of reads of it (same unit, e.g. per second).
///
/// Needs `std` for the real-valued power.
///
/// # Errors
///
/// [`PbsError::InvalidRate`] unless both rates are positive and finite.
///
/// # Examples
///
/// ```
/// use ward_quorum::{QuorumConfig, pbs};
///
/// let q = QuorumConfig::new(3, 1, 1)?;
/// // One write per read: exponent 2, same as 2-staleness.
/// let m = pbs::monotonic_reads(&q, 1.0, 1.0)?;
/// assert!((m - pbs::k_staleness(&q, 2)?).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub fn monotonic_reads(
    config: &QuorumConfig,
    global_write_rate: f64,
    client_read_rate: f64,
) -> Result<f64, PbsError> {
    for rate in [global_write_rate, client_read_rate] {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(PbsError::InvalidRate { rate });
        }
    }
    let exponent = 1.0 + global_write_rate / client_read_rate;
    Ok(1.0 - stale_probability(config).powf(exponent))
}
