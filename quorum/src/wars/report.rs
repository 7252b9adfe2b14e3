//! Simulation settings and the report of a simulation.

use std::vec::Vec;

use crate::delay::{Xoshiro256PlusPlus, splitmix64};

/// How many trials, from which seed, on how many threads.
///
/// Results depend only on the trial count and the seed: trials are cut into fixed chunks
/// whose generators are seeded from `(seed, chunk index)`, so any thread count gives
/// bit-identical reports. The report keeps every sample, 24 bytes per trial (240 MB for ten
/// million trials).
///
/// # Examples
///
/// ```
/// use ward_quorum::wars::Simulation;
///
/// let sim = Simulation::new(1_000_000, 42)?.with_threads(4);
/// assert_eq!((sim.trials(), sim.seed(), sim.threads()), (1_000_000, 42, 4));
/// # Ok::<(), ward_quorum::wars::SimulationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Simulation {
    pub(super) trials: usize,
    pub(super) seed: u64,
    pub(super) threads: usize,
}

/// Why a simulation or a question about its report was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::wars::{Simulation, SimulationError};
///
/// assert_eq!(Simulation::new(0, 1), Err(SimulationError::NoTrials));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimulationError {
    /// A simulation needs at least one trial.
    #[error("a simulation needs at least one trial")]
    NoTrials,
    /// More trials than a report can index (`isize::MAX / 8`); memory runs out long before.
    #[error("{trials} trials exceed the maximum of {max}")]
    TooManyTrials {
        /// Trials asked for.
        trials: usize,
        /// The largest accepted count.
        max: usize,
    },
    /// A probability, quantile or confidence level is NaN or out of its range.
    #[error("{name} {value} is out of range")]
    OutOfRange {
        /// Which argument.
        name: &'static str,
        /// The value given.
        value: f64,
    },
}

/// Trials per chunk: the unit of seeding, scheduling and progress reports.
pub(super) const CHUNK: usize = 1 << 14;

impl Simulation {
    /// `trials` trials from `seed`, on as many threads as the machine offers.
    ///
    /// # Errors
    ///
    /// [`SimulationError::NoTrials`] when `trials == 0`;
    /// [`SimulationError::TooManyTrials`] above `isize::MAX / 8` (the report could not even
    /// be indexed; plan for 24 bytes of memory per trial).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Simulation;
    /// assert!(Simulation::new(10, 0).is_ok());
    /// assert!(Simulation::new(usize::MAX, 0).is_err());
    /// ```
    pub fn new(trials: usize, seed: u64) -> Result<Self, SimulationError> {
        if trials == 0 {
            return Err(SimulationError::NoTrials);
        }
        #[allow(clippy::cast_sign_loss)] // isize::MAX is positive
        let max = isize::MAX as usize / core::mem::size_of::<f64>();
        if trials > max {
            return Err(SimulationError::TooManyTrials { trials, max });
        }
        Ok(Self {
            trials,
            seed,
            threads: 0,
        })
    }

    /// Uses `threads` worker threads (`0` = the machine's available parallelism). The
    /// report does not depend on it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Simulation;
    /// assert_eq!(Simulation::new(10, 0)?.with_threads(1).threads(), 1);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Number of trials.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Simulation;
    /// assert_eq!(Simulation::new(10, 0)?.trials(), 10);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn trials(&self) -> usize {
        self.trials
    }

    /// The seed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Simulation;
    /// assert_eq!(Simulation::new(10, 9)?.seed(), 9);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Requested worker threads (`0` = automatic).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Simulation;
    /// assert_eq!(Simulation::new(10, 9)?.threads(), 0);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn threads(&self) -> usize {
        self.threads
    }

    pub(super) fn chunk_rng(&self, chunk: usize) -> Xoshiro256PlusPlus {
        let mut state = self.seed;
        let a = splitmix64(&mut state);
        let mut mixed = a ^ (chunk as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        Xoshiro256PlusPlus::from_seed(splitmix64(&mut mixed))
    }
}

/// Progress of a running simulation, passed to the callback of
/// [`WarsModel::simulate_with_progress`](super::WarsModel::simulate_with_progress).
///
/// # Examples
///
/// ```
/// use ward_quorum::wars::Progress;
///
/// let p = Progress { done: 50, total: 200 };
/// assert_eq!(p.fraction(), 0.25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Trials finished.
    pub done: usize,
    /// Trials in total.
    pub total: usize,
}

impl Progress {
    /// `done / total`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Progress;
    /// assert_eq!(Progress { done: 1, total: 1 }.fraction(), 1.0);
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        }
    }
}

/// The t at which a target probability of consistency is reached, with a confidence
/// interval.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
///
/// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
/// let tv = m.simulate(&Simulation::new(50_000, 3)?).t_visibility(0.99, 0.95)?;
/// assert!(tv.lower <= tv.t && tv.t <= tv.upper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TVisibility {
    /// The smallest sampled `t ≥ 0` at which the estimated probability of a consistent read
    /// reaches the target.
    pub t: f64,
    /// Lower end of the confidence interval.
    pub lower: f64,
    /// Upper end of the confidence interval (`∞` when the samples cannot bound it).
    pub upper: f64,
    /// The confidence level of `[lower, upper]`.
    pub confidence: f64,
}

/// A simulated figure with a confidence interval.
///
/// Returned by [`PbsReport::consistency_interval`] (two-sided Wilson score interval),
/// [`PbsReport::consistency_lower_bound`] (one-sided: `upper` is 1),
/// [`PbsReport::kt_staleness`], and the latency percentiles
/// [`PbsReport::read_latency_interval`] and [`PbsReport::write_latency_interval`]
/// (order-statistic intervals, in milliseconds).
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
///
/// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
/// let p = m.simulate(&Simulation::new(20_000, 3)?).consistency_interval(10.0, 0.95)?;
/// assert!(p.lower <= p.estimate && p.estimate <= p.upper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point estimate: the fraction of trials in which the event happened.
    pub estimate: f64,
    /// Lower end of the confidence interval.
    pub lower: f64,
    /// Upper end of the confidence interval.
    pub upper: f64,
    /// The confidence level of `[lower, upper]`.
    pub confidence: f64,
}

/// The Wilson score interval for `successes` out of `n > 0` trials with normal quantile
/// `z`: `(p̂ + z²/2n ∓ z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`, clamped to `[0, 1]`.
#[allow(clippy::cast_precision_loss)]
fn wilson(successes: usize, n: usize, z: f64) -> (f64, f64) {
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = p + z2 / (2.0 * nf);
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // At p̂ = 0 (p̂ = 1) the lower (upper) end is exactly 0 (1); say so rather than leave
    // it to rounding.
    let lower = if successes == 0 {
        0.0
    } else {
        ((center - half) / denom).clamp(0.0, 1.0)
    };
    let upper = if successes == n {
        1.0
    } else {
        ((center + half) / denom).clamp(0.0, 1.0)
    };
    (lower, upper)
}

/// A confidence level strictly between 0 and 1.
fn check_confidence(confidence: f64) -> Result<f64, SimulationError> {
    let c = check_unit("confidence", confidence)?;
    if c == 0.0 || c == 1.0 {
        return Err(SimulationError::OutOfRange {
            name: "confidence",
            value: confidence,
        });
    }
    Ok(c)
}

/// The sorted outcome of a simulation: staleness thresholds and latencies.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
///
/// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
/// let report = m.simulate(&Simulation::new(20_000, 9)?);
/// let curve = report.curve(&[0.0, 1.0, 10.0])?;
/// assert!(curve.windows(2).all(|w| w[0].1 <= w[1].1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PbsReport {
    pub(super) staleness: Vec<f64>,
    pub(super) write: Vec<f64>,
    pub(super) read: Vec<f64>,
}

fn check_unit(name: &'static str, value: f64) -> Result<f64, SimulationError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(SimulationError::OutOfRange { name, value })
    }
}

/// Nearest-rank `q`-quantile of sorted, non-empty samples with the order-statistic
/// interval `n·q ∓ z·√(n·q·(1−q))` at level `confidence`. An upper rank at or beyond the
/// largest sample gives `∞`: the sample maximum is no upper bound on a quantile (for
/// `q = 1` it would claim the maximum of an unbounded distribution).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn quantile_interval(sorted: &[f64], q: f64, confidence: f64) -> Result<Estimate, SimulationError> {
    let q = check_unit("quantile", q)?;
    let c = check_confidence(confidence)?;
    let n = sorted.len();
    let nf = n as f64;
    let half = two_sided_z(c) * (nf * q * (1.0 - q)).sqrt();
    let lo = (q * nf - half).floor().max(1.0) as usize;
    let hi = (q * nf + half).ceil();
    Ok(Estimate {
        estimate: nearest_rank(sorted, q),
        lower: sorted[lo.min(n) - 1],
        upper: if hi >= nf {
            f64::INFINITY
        } else {
            sorted[(hi as usize).max(1) - 1]
        },
        confidence: c,
    })
}

/// Nearest-rank quantile of sorted, non-empty samples.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = (q * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// The standard normal quantile, by Acklam's rational approximation (relative error below
/// 1.2e-9), for `p` in `(0, 1)`.
/// The two-sided standard normal quantile for confidence `c`: `z` with
/// `P(|Z| <= z) = c`. Taken from the lower tail, `(1 - c) / 2`, which stays exact for a
/// confidence next to 1 (`0.5 + c / 2` rounds to 1 there, whose quantile is infinite).
fn two_sided_z(c: f64) -> f64 {
    -normal_quantile((1.0 - c) / 2.0)
}

fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

impl PbsReport {
    /// Number of trials.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// assert_eq!(m.simulate(&Simulation::new(100, 1)?).trials(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trials(&self) -> usize {
        self.staleness.len()
    }

    /// The estimated probability that a read started `t` after the commit is consistent:
    /// the fraction of trials whose staleness threshold is `≤ t`. A point estimate: decide
    /// on [`PbsReport::consistency_lower_bound`] instead.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] (named `"t"`) when `t` is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 2, 2)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let report = m.simulate(&Simulation::new(1000, 1)?);
    /// assert_eq!(report.consistency_at(0.0)?, 1.0);
    /// assert!(report.consistency_at(f64::NAN).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn consistency_at(&self, t: f64) -> Result<f64, SimulationError> {
        Ok(self.consistent_at(t)? as f64 / self.staleness.len() as f64)
    }

    /// Trials consistent at `t`.
    fn consistent_at(&self, t: f64) -> Result<usize, SimulationError> {
        if t.is_nan() {
            return Err(SimulationError::OutOfRange {
                name: "t",
                value: t,
            });
        }
        Ok(self.staleness.partition_point(|&tau| tau <= t))
    }

    /// [`PbsReport::consistency_at`] with a two-sided Wilson score interval at level
    /// `confidence` (Wilson, *Probable Inference, the Law of Succession, and Statistical
    /// Inference*, 1927). Unlike the normal approximation it stays inside `[0, 1]` and is
    /// not degenerate when every trial, or none, was consistent.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] when `t` is NaN or `confidence` is not in `(0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 2, 2)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let p = m.simulate(&Simulation::new(1000, 1)?).consistency_interval(0.0, 0.95)?;
    /// // All 1,000 trials consistent: the estimate is 1, the lower end ≈ 0.9962.
    /// assert_eq!((p.estimate, p.upper), (1.0, 1.0));
    /// assert!(p.lower > 0.996 && p.lower < 0.997);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn consistency_interval(
        &self,
        t: f64,
        confidence: f64,
    ) -> Result<Estimate, SimulationError> {
        let k = self.consistent_at(t)?;
        let c = check_confidence(confidence)?;
        let n = self.staleness.len();
        let (lower, upper) = wilson(k, n, two_sided_z(c));
        Ok(Estimate {
            estimate: k as f64 / n as f64,
            lower,
            upper,
            confidence: c,
        })
    }

    /// [`PbsReport::consistency_at`] with a one-sided Wilson lower bound at level
    /// `confidence` (`upper` is 1): the figure to compare with a target. If the true
    /// probability is below the target, the bound reaches it in about `1 − confidence` of
    /// simulations at most, where the point estimate may reach it in nearly half of them.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] when `t` is NaN or `confidence` is not in `(0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let report = m.simulate(&Simulation::new(10_000, 1)?);
    /// let one_sided = report.consistency_lower_bound(10.0, 0.95)?;
    /// let two_sided = report.consistency_interval(10.0, 0.95)?;
    /// assert!(one_sided.lower > two_sided.lower && one_sided.lower < one_sided.estimate);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn consistency_lower_bound(
        &self,
        t: f64,
        confidence: f64,
    ) -> Result<Estimate, SimulationError> {
        let k = self.consistent_at(t)?;
        let c = check_confidence(confidence)?;
        let n = self.staleness.len();
        let (lower, _) = wilson(k, n, normal_quantile(c));
        Ok(Estimate {
            estimate: k as f64 / n as f64,
            lower,
            upper: 1.0,
            confidence: c,
        })
    }

    /// The half-width `ε` of a confidence band for the whole curve: with probability at
    /// least `confidence`, the true `P(consistent at t)` lies within `ε` of
    /// [`PbsReport::consistency_at`] for **every** `t` at once. By the
    /// Dvoretzky–Kiefer–Wolfowitz inequality with Massart's constant,
    /// `ε = √(ln(2/(1 − confidence)) / 2n)` for `n` trials. Use it when reading several
    /// points off one curve (a per-point interval would be too narrow for all of them
    /// together).
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `confidence` is in `(0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let eps = m.simulate(&Simulation::new(10_000, 1)?).curve_band(0.95)?;
    /// assert!((eps - (f64::ln(2.0 / 0.05) / 20_000.0).sqrt()).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn curve_band(&self, confidence: f64) -> Result<f64, SimulationError> {
        let c = check_confidence(confidence)?;
        Ok(((2.0 / (1.0 - c)).ln() / (2.0 * self.staleness.len() as f64)).sqrt())
    }

    /// [`PbsReport::consistency_at`] for each `t`, as `(t, probability)` pairs; see
    /// [`PbsReport::curve_band`] for a confidence band around all of them.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] (named `"t"`) when a `t` is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let c = m.simulate(&Simulation::new(1000, 1)?).curve(&[0.0, 100.0])?;
    /// assert_eq!(c[1], (100.0, 1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn curve(&self, ts: &[f64]) -> Result<Vec<(f64, f64)>, SimulationError> {
        ts.iter()
            .map(|&t| Ok((t, self.consistency_at(t)?)))
            .collect()
    }

    /// The smallest `t ≥ 0` at which the estimated probability of consistency reaches
    /// `target`, with a distribution-free confidence interval at level `confidence` (the
    /// order statistics `n·p ∓ z·√(n·p·(1−p))` around the quantile).
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 < target ≤ 1` and `0 < confidence < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let report = m.simulate(&Simulation::new(20_000, 1)?);
    /// let tv = report.t_visibility(0.999, 0.95)?;
    /// assert!(report.consistency_at(tv.t)? >= 0.999);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    pub fn t_visibility(
        &self,
        target: f64,
        confidence: f64,
    ) -> Result<TVisibility, SimulationError> {
        let p = check_unit("target probability", target)?;
        if p == 0.0 {
            return Err(SimulationError::OutOfRange {
                name: "target probability",
                value: target,
            });
        }
        let c = check_confidence(confidence)?;
        let n = self.staleness.len();
        let nf = n as f64;
        let at = |rank: usize| self.staleness[rank.clamp(1, n) - 1].max(0.0);
        let rank = (p * nf).ceil() as usize;
        let z = two_sided_z(c);
        let half = z * (nf * p * (1.0 - p)).sqrt();
        let lo = (p * nf - half).floor().max(1.0) as usize;
        let hi = (p * nf + half).ceil();
        let upper = if hi >= nf {
            f64::INFINITY
        } else {
            at(hi as usize)
        };
        Ok(TVisibility {
            t: at(rank),
            lower: at(lo),
            upper,
            confidence: c,
        })
    }

    /// ⟨k, t⟩-staleness: the probability that a read started `t` after the commit of the
    /// last of `k` writes returns one of those `k` versions (or a newer one), with a
    /// two-sided confidence interval at level `confidence`.
    ///
    /// As in the PBS paper, the `k` versions are taken to be missed independently, each
    /// with the simulated probability `p_t` of a stale read at `t`: the estimate is
    /// `1 − p_tᵏ`, and the interval is the Wilson interval of `p_t` carried through that
    /// increasing function. With `k = 1` it is [`PbsReport::consistency_interval`].
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] when `k == 0`, `t` is NaN or `confidence` is not in
    /// `(0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let report = m.simulate(&Simulation::new(20_000, 1)?);
    /// let one = report.kt_staleness(1, 5.0, 0.95)?;
    /// let three = report.kt_staleness(3, 5.0, 0.95)?;
    /// assert_eq!(one, report.consistency_interval(5.0, 0.95)?);
    /// let stale = 1.0 - one.estimate;
    /// assert!((three.estimate - (1.0 - stale * stale * stale)).abs() < 1e-12);
    /// assert!(three.lower > one.lower);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kt_staleness(
        &self,
        k: u32,
        t: f64,
        confidence: f64,
    ) -> Result<Estimate, SimulationError> {
        if k == 0 {
            return Err(SimulationError::OutOfRange {
                name: "k",
                value: 0.0,
            });
        }
        let p = self.consistency_interval(t, confidence)?;
        let exp = i32::try_from(k).unwrap_or(i32::MAX);
        let within = |consistent: f64| 1.0 - (1.0 - consistent).powi(exp);
        Ok(Estimate {
            estimate: within(p.estimate),
            lower: within(p.lower),
            upper: within(p.upper),
            confidence: p.confidence,
        })
    }

    /// The `q`-quantile of read latency with a distribution-free confidence interval at
    /// level `confidence` (the order statistics `n·q ∓ z·√(n·q·(1−q))` around it; `upper`
    /// is `∞` when the sample cannot bound it).
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 ≤ q ≤ 1` and `0 < confidence < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 2, 1)?, WarsDelays::preset(Preset::Ymmr));
    /// let r = m.simulate(&Simulation::new(50_000, 1)?);
    /// let p999 = r.read_latency_interval(0.999, 0.95)?;
    /// assert_eq!(p999.estimate, r.read_latency(0.999)?);
    /// assert!(p999.lower <= p999.estimate && p999.estimate <= p999.upper);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_latency_interval(
        &self,
        q: f64,
        confidence: f64,
    ) -> Result<Estimate, SimulationError> {
        quantile_interval(&self.read, q, confidence)
    }

    /// [`PbsReport::read_latency_interval`] for write latency.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 ≤ q ≤ 1` and `0 < confidence < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let r = m.simulate(&Simulation::new(50_000, 1)?);
    /// let median = r.write_latency_interval(0.5, 0.99)?;
    /// assert!(median.upper - median.lower < 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_latency_interval(
        &self,
        q: f64,
        confidence: f64,
    ) -> Result<Estimate, SimulationError> {
        quantile_interval(&self.write, q, confidence)
    }

    /// The `q`-quantile of write latency (nearest rank), e.g. `0.999` for p99.9.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 ≤ q ≤ 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 3)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let r = m.simulate(&Simulation::new(5_000, 1)?);
    /// assert!(r.write_latency(0.5)? <= r.write_latency(0.99)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_latency(&self, q: f64) -> Result<f64, SimulationError> {
        Ok(nearest_rank(&self.write, check_unit("quantile", q)?))
    }

    /// The `q`-quantile of read latency (nearest rank).
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 ≤ q ≤ 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let r = m.simulate(&Simulation::new(5_000, 1)?);
    /// assert!(r.read_latency(1.0)? >= r.read_latency(0.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_latency(&self, q: f64) -> Result<f64, SimulationError> {
        Ok(nearest_rank(&self.read, check_unit("quantile", q)?))
    }

    /// The sorted staleness thresholds `τ` of every trial.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let r = m.simulate(&Simulation::new(100, 1)?);
    /// assert!(r.staleness().windows(2).all(|w| w[0] <= w[1]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn staleness(&self) -> &[f64] {
        &self.staleness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_reference_values() {
        // Wilson score intervals at 95 % (z = 1.959964), from the closed form by hand.
        let z = normal_quantile(0.975);
        let (lo, hi) = wilson(0, 10, z);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.277_532).abs() < 1e-6, "{hi}");
        let (lo, hi) = wilson(5, 10, z);
        assert!((lo - 0.236_593).abs() < 1e-6 && (hi - 0.763_407).abs() < 1e-6);
        let (lo, hi) = wilson(10, 10, z);
        assert!((lo - 0.722_468).abs() < 1e-6 && hi == 1.0);
    }

    #[test]
    fn normal_quantile_reference_values() {
        // Standard normal table values.
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.575_829_304).abs() < 1e-8);
    }
}
