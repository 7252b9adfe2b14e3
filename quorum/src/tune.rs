//! The inverse question: which `(R, W)` should I run with?

use std::vec::Vec;

use crate::config::QuorumConfig;
use crate::wars::{PbsReport, Simulation, SimulationError, WarsDelays, WarsModel};

/// What a configuration must achieve.
///
/// # Examples
///
/// ```
/// use ward_quorum::tune::Target;
///
/// // 99.9 % of reads 10 ms after a write see it; p99 reads ≤ 5 ms, p99 writes ≤ 50 ms.
/// let target = Target::new(0.999, 10.0, 0.99, 5.0, 50.0)?;
/// assert_eq!(target.consistency(), 0.999);
/// # Ok::<(), ward_quorum::wars::SimulationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    consistency: f64,
    t: f64,
    percentile: f64,
    max_read: f64,
    max_write: f64,
    confidence: f64,
    min_w: usize,
}

/// The confidence level of [`Target::new`]: a configuration whose true consistency is
/// below the target is accepted in at most about 5 % of simulations.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

impl Target {
    /// A read started `t` after a write commits must see it with probability at least
    /// `consistency`, and the `percentile` read and write latencies must stay within
    /// `max_read` and `max_write` (use `f64::INFINITY` for no bound).
    ///
    /// The consistency requirement is decided on a one-sided lower confidence bound at
    /// level [`DEFAULT_CONFIDENCE`] (change it with [`Target::with_confidence`]); any `W`
    /// from 1 up is allowed (raise it with [`Target::with_min_w`]).
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `consistency` and `percentile` are in
    /// `[0, 1]`, `t ≥ 0` is finite and the bounds are `≥ 0` and not NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::tune::Target;
    ///
    /// assert!(Target::new(1.5, 0.0, 0.99, 1.0, 1.0).is_err());
    /// assert!(Target::new(0.9, 0.0, 0.99, f64::INFINITY, f64::INFINITY).is_ok());
    /// ```
    pub fn new(
        consistency: f64,
        t: f64,
        percentile: f64,
        max_read: f64,
        max_write: f64,
    ) -> Result<Self, SimulationError> {
        let unit = |name, v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(SimulationError::OutOfRange { name, value: v })
            }
        };
        let bound = |name, v: f64| {
            if v >= 0.0 {
                Ok(v)
            } else {
                Err(SimulationError::OutOfRange { name, value: v })
            }
        };
        if !(t.is_finite() && t >= 0.0) {
            return Err(SimulationError::OutOfRange {
                name: "t",
                value: t,
            });
        }
        Ok(Self {
            consistency: unit("consistency", consistency)?,
            t,
            percentile: unit("percentile", percentile)?,
            max_read: bound("read latency bound", max_read)?,
            max_write: bound("write latency bound", max_write)?,
            confidence: DEFAULT_CONFIDENCE,
            min_w: 1,
        })
    }

    /// Decides the consistency requirement on the one-sided Wilson lower bound at level
    /// `confidence` (see [`PbsReport::consistency_lower_bound`]): the higher the level, the
    /// fewer configurations that fall short are accepted by chance, and the more trials a
    /// configuration that just meets the target needs to be accepted.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 < confidence < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::tune::Target;
    ///
    /// let t = Target::new(0.999, 10.0, 0.99, 5.0, 50.0)?.with_confidence(0.99)?;
    /// assert_eq!(t.confidence(), 0.99);
    /// assert!(t.with_confidence(1.0).is_err());
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn with_confidence(mut self, confidence: f64) -> Result<Self, SimulationError> {
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(SimulationError::OutOfRange {
                name: "confidence",
                value: confidence,
            });
        }
        self.confidence = confidence;
        Ok(self)
    }

    /// Requires at least `min_w` write acknowledgements (durability: a write must survive
    /// `min_w − 1` replica losses). Configurations with fewer are not simulated.
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] (named `"minimum W"`) when `min_w == 0`; a
    /// minimum above the replica count is rejected by [`evaluate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::tune::Target;
    ///
    /// let t = Target::new(0.99, 10.0, 0.99, 5.0, 50.0)?.with_min_w(2)?;
    /// assert_eq!(t.min_w(), 2);
    /// assert!(t.with_min_w(0).is_err());
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn with_min_w(mut self, min_w: usize) -> Result<Self, SimulationError> {
        if min_w == 0 {
            return Err(SimulationError::OutOfRange {
                name: "minimum W",
                value: 0.0,
            });
        }
        self.min_w = min_w;
        Ok(self)
    }

    /// The confidence level of the consistency decision.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::tune::{DEFAULT_CONFIDENCE, Target};
    /// assert_eq!(Target::new(0.9, 1.0, 0.5, 2.0, 3.0)?.confidence(), DEFAULT_CONFIDENCE);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn confidence(&self) -> f64 {
        self.confidence
    }

    /// The smallest `W` considered.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::tune::Target;
    /// assert_eq!(Target::new(0.9, 1.0, 0.5, 2.0, 3.0)?.min_w(), 1);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn min_w(&self) -> usize {
        self.min_w
    }

    /// The required probability of a consistent read.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::tune::Target;
    /// assert_eq!(Target::new(0.9, 1.0, 0.5, 2.0, 3.0)?.consistency(), 0.9);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn consistency(&self) -> f64 {
        self.consistency
    }

    /// The time after commit at which the read starts.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::tune::Target;
    /// assert_eq!(Target::new(0.9, 1.0, 0.5, 2.0, 3.0)?.t(), 1.0);
    /// # Ok::<(), ward_quorum::wars::SimulationError>(())
    /// ```
    pub fn t(&self) -> f64 {
        self.t
    }
}

/// One evaluated configuration.
///
/// # Examples
///
/// ```
/// use ward_quorum::tune::{Target, evaluate};
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays};
///
/// let all = evaluate(
///     3,
///     &WarsDelays::preset(Preset::LnkdSsd),
///     &Target::new(0.9, 0.0, 0.99, f64::INFINITY, f64::INFINITY)?,
///     &Simulation::new(2_000, 1)?,
/// )?;
/// assert_eq!(all.len(), 9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The configuration.
    pub quorum: QuorumConfig,
    /// Estimated probability of a consistent read at the target's `t` (the point
    /// estimate, for display).
    pub consistency: f64,
    /// One-sided Wilson lower confidence bound on that probability, at the target's
    /// confidence: the figure the decision is made on.
    pub consistency_lower: f64,
    /// Read latency at the target's percentile.
    pub read_latency: f64,
    /// Write latency at the target's percentile.
    pub write_latency: f64,
    /// Whether it meets every part of the target.
    pub meets_target: bool,
}

fn candidate(
    quorum: QuorumConfig,
    report: &PbsReport,
    target: &Target,
) -> Result<Candidate, SimulationError> {
    let mut bound = report.consistency_lower_bound(target.t, target.confidence)?;
    if quorum.is_strict() {
        // Every read quorum meets every write quorum: consistent at any t ≥ 0 for certain,
        // not merely with high probability, so there is no sampling error to allow for.
        bound.lower = 1.0;
    }
    // The percentile was validated by `Target::new`; fall back to the worst case anyway.
    let read_latency = report
        .read_latency(target.percentile)
        .unwrap_or(f64::INFINITY);
    let write_latency = report
        .write_latency(target.percentile)
        .unwrap_or(f64::INFINITY);
    Ok(Candidate {
        quorum,
        consistency: bound.estimate,
        consistency_lower: bound.lower,
        read_latency,
        write_latency,
        meets_target: bound.lower >= target.consistency
            && read_latency <= target.max_read
            && write_latency <= target.max_write,
    })
}

/// Simulates every `(R, W)` with `1 ≤ R ≤ n` and `target.min_w() ≤ W ≤ n` under `delays`
/// (the same seed for all, so the comparison uses common random numbers) and scores each
/// against `target`, in order of increasing `R + W`, then increasing combined percentile
/// latency.
///
/// A candidate meets the consistency target only if the one-sided Wilson lower bound on
/// its probability of a consistent read (at the target's confidence) reaches it: with few
/// trials, a configuration that truly falls just short is then rejected in all but about
/// `1 − confidence` of simulations, where its point estimate would pass in nearly half of
/// them. A configuration that just meets the target needs enough trials for the bound to
/// reach it (with no stale trial at all, the bound is `n/(n + z²)`: 0.999 needs
/// `n ≥ 2,703` at 95 %). Strict quorums (`R + W > N`) are consistent with certainty and
/// their bound is 1. The latencies are point estimates of their percentiles.
///
/// Costs up to `n²` simulations of `sim.trials()` trials.
///
/// # Errors
///
/// [`SimulationError::OutOfRange`] named `"replicas"` if `n == 0` or the `n²` candidates
/// cannot be allocated, named `"minimum W"` if `target.min_w() > n`.
///
/// # Examples
///
/// ```
/// use ward_quorum::tune::{Target, evaluate};
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays};
///
/// let target = Target::new(1.0, 0.0, 0.5, f64::INFINITY, f64::INFINITY)?;
/// let all = evaluate(3, &WarsDelays::preset(Preset::LnkdSsd), &target, &Simulation::new(1_000, 1)?)?;
/// // Strict quorums are always consistent, even at t = 0.
/// assert!(all.iter().filter(|c| c.quorum.is_strict()).all(|c| c.meets_target));
/// // Sorted by the number of replicas contacted.
/// assert!(all.windows(2).all(|w| w[0].quorum.r() + w[0].quorum.w() <= w[1].quorum.r() + w[1].quorum.w()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(
    n: usize,
    delays: &WarsDelays,
    target: &Target,
    sim: &Simulation,
) -> Result<Vec<Candidate>, SimulationError> {
    #[allow(clippy::cast_precision_loss)]
    let bad_n = SimulationError::OutOfRange {
        name: "replicas",
        value: n as f64,
    };
    // n² simulations: refuse sizes whose candidate list cannot even be allocated rather
    // than panic on the capacity.
    if n > 0 && target.min_w > n {
        #[allow(clippy::cast_precision_loss)]
        return Err(SimulationError::OutOfRange {
            name: "minimum W",
            value: target.min_w as f64,
        });
    }
    let mut out = Vec::new();
    n.checked_mul(n)
        .and_then(|candidates| out.try_reserve_exact(candidates).ok())
        .ok_or(bad_n)?;
    for r in 1..=n {
        for w in target.min_w..=n {
            let quorum = QuorumConfig::new(n, r, w).map_err(|_| bad_n)?;
            let report = WarsModel::new(quorum, delays.clone()).simulate(sim);
            out.push(candidate(quorum, &report, target)?);
        }
    }
    if out.is_empty() {
        return Err(bad_n);
    }
    out.sort_by(|a, b| {
        (a.quorum.r() + a.quorum.w())
            .cmp(&(b.quorum.r() + b.quorum.w()))
            .then((a.read_latency + a.write_latency).total_cmp(&(b.read_latency + b.write_latency)))
    });
    Ok(out)
}

/// The cheapest `(R, W)` for `n` replicas that meets `target`: fewest replicas contacted
/// (`R + W`), then lowest combined percentile latency; `None` if no configuration does.
///
/// # Errors
///
/// As [`evaluate`].
///
/// # Examples
///
/// ```
/// use ward_quorum::tune::{Target, cheapest};
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays};
///
/// // LNKD-DISK, N = 3: 99 % consistent 20 ms after commit, any latency.
/// let target = Target::new(0.99, 20.0, 0.99, f64::INFINITY, f64::INFINITY)?;
/// let best = cheapest(3, &WarsDelays::preset(Preset::LnkdDisk), &target, &Simulation::new(5_000, 1)?)?;
/// let best = best.expect("a strict quorum always qualifies");
/// assert!(best.quorum.r() + best.quorum.w() <= 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cheapest(
    n: usize,
    delays: &WarsDelays,
    target: &Target,
    sim: &Simulation,
) -> Result<Option<Candidate>, SimulationError> {
    let all = evaluate(n, delays, target, sim)?;
    let best = all.iter().find(|c| c.meets_target).copied();
    if best.is_none() {
        crate::trace::tune_unmet(
            n,
            all.len(),
            target.consistency,
            target.t,
            all.iter().map(|c| c.consistency_lower).fold(0.0, f64::max),
        );
    }
    Ok(best)
}
