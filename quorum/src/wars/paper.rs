//! The paper's way of reading t-visibility off a simulation, kept for comparison.

use super::{Simulation, SimulationError, WarsModel};

impl WarsModel {
    /// t-visibility as the PBS paper's simulator estimated it: for `t = 0, step, 2·step, …`
    /// up to `max_t`, draw a **fresh** batch of `per_point.trials()` trials, estimate
    /// `P(consistent at t)` from that batch alone, and return the first `t` whose estimate
    /// reaches `target` (`None` if none up to `max_t` does).
    ///
    /// This is a *biased* estimator, shipped so that the paper's figures can be compared
    /// with this crate's. Each point's estimate is noisy, and the first of many noisy
    /// points to cross the target tends to cross early: the result is lower than the true
    /// t-visibility, the more so the fewer trials per point and the finer the step. Prefer
    /// [`PbsReport::t_visibility`](super::PbsReport::t_visibility), which reads the
    /// quantile off one sorted sample (a monotone curve, an unbiased quantile and a
    /// confidence interval).
    ///
    /// Point `k` draws its trials from a generator seeded by `(per_point.seed(), k)`, so
    /// the answer depends only on the arguments. A point stops drawing as soon as it has
    /// seen more stale reads than the target allows (the decision is the same as with the
    /// whole batch), so the points far below the answer are cheap. Runs on the calling
    /// thread (`per_point.threads()` is ignored).
    ///
    /// # Errors
    ///
    /// [`SimulationError::OutOfRange`] unless `0 < target ≤ 1`, `step` is positive and
    /// finite, and `max_t` is finite and `≥ 0`.
    ///
    /// # Panics
    ///
    /// As [`WarsModel::trials`], for an `N` beyond memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    /// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
    ///
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let paper = m.paper_t_visibility(0.99, 0.01, 10.0, &Simulation::new(2_000, 1)?)?;
    /// let sorted = m.simulate(&Simulation::new(200_000, 1)?).t_visibility(0.99, 0.95)?;
    /// // A first crossing of noisy points: typically earlier than the quantile.
    /// assert!(paper.expect("reached by 10 ms") < sorted.upper);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn paper_t_visibility(
        &self,
        target: f64,
        step: f64,
        max_t: f64,
        per_point: &Simulation,
    ) -> Result<Option<f64>, SimulationError> {
        if !(target > 0.0 && target <= 1.0) {
            return Err(SimulationError::OutOfRange {
                name: "target probability",
                value: target,
            });
        }
        if !(step.is_finite() && step > 0.0) {
            return Err(SimulationError::OutOfRange {
                name: "step",
                value: step,
            });
        }
        if !(max_t.is_finite() && max_t >= 0.0) {
            return Err(SimulationError::OutOfRange {
                name: "max_t",
                value: max_t,
            });
        }
        let n = per_point.trials;
        let allowed = allowed_stale(n, target);
        let mut k = 0_u64;
        loop {
            #[allow(clippy::cast_precision_loss)] // k ≤ max_t/step + 1, far below 2⁵³
            let t = k as f64 * step;
            if t > max_t {
                return Ok(None);
            }
            #[allow(clippy::cast_possible_truncation)] // the chunk index only seeds
            let mut trials = self.trials(per_point.chunk_rng(k as usize));
            let mut stale = 0_usize;
            for _ in 0..n {
                if !trials.trial().is_consistent_at(t) {
                    stale += 1;
                    if stale > allowed {
                        break;
                    }
                }
            }
            if stale <= allowed {
                return Ok(Some(t));
            }
            k += 1;
        }
    }
}

/// The most stale reads out of `n` whose consistent fraction `(n − s)/n` still reaches
/// `target` in floating point (the comparison the estimate makes).
#[allow(clippy::cast_precision_loss)]
fn allowed_stale(n: usize, target: f64) -> usize {
    let reaches = |s: usize| (n - s) as f64 / n as f64 >= target;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mut s = (((1.0 - target) * n as f64).floor() as usize).min(n);
    while s > 0 && !reaches(s) {
        s -= 1;
    }
    while s < n && reaches(s + 1) {
        s += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::allowed_stale;

    #[test]
    fn allowed_stale_is_the_exact_threshold() {
        assert_eq!(allowed_stale(10_000, 0.999), 10);
        assert_eq!(allowed_stale(100_000, 0.999), 100);
        assert_eq!(allowed_stale(1_000, 1.0), 0);
        assert_eq!(allowed_stale(7, 0.5), 3);
        assert_eq!(allowed_stale(1, 1e-300), 0);
        for n in 1..300 {
            for target in [0.5, 0.9, 0.99, 0.999, 0.3] {
                let s = allowed_stale(n, target);
                assert!((n - s) as f64 / n as f64 >= target || s == 0);
                assert!(s == n || ((n - s - 1) as f64 / n as f64) < target);
            }
        }
    }
}
