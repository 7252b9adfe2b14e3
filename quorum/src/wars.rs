//! Monte Carlo t-visibility over the WARS model of PBS.
//!
//! In *Probabilistically Bounded Staleness for Practical Partial Quorums* (Bailis et al.,
//! VLDB 2012), each of the `N` replicas draws four independent delays per trial:
//! **W** (the write request reaching it), **A** (its ack returning), **R** (the read request
//! reaching it) and **S** (its read response returning). The write commits at the `W`-th
//! smallest `Wᵢ + Aᵢ`. A read starts `t` after the commit and uses the first `R` replicas to
//! respond, by `Rᵢ + Sᵢ`; it is consistent iff one of them already had the write when the
//! read request arrived: `commit + t + Rᵢ ≥ Wᵢ`.
//!
//! Each trial is summarised by its *staleness threshold*
//! `τ = min over the first R responders of (Wᵢ − Rᵢ − commit)`: the read is consistent at
//! every `t ≥ τ`. One set of samples therefore gives the whole curve `P(consistent at t)`,
//! the empirical distribution function of `τ`.

use std::sync::mpsc;
use std::thread;
use std::vec::Vec;

use crate::config::QuorumConfig;
use crate::delay::{MixParams, RandomSource};

mod delays;
mod multi;
mod paper;
mod report;

pub use delays::{Preset, WarsDelays};
pub use multi::{MultiDcError, MultiDcModel};
use report::CHUNK;
pub use report::{Estimate, PbsReport, Progress, Simulation, SimulationError, TVisibility};

/// One simulated write followed by one read.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::delay::Xoshiro256PlusPlus;
/// use ward_quorum::wars::{Preset, WarsDelays, WarsModel};
///
/// let model = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
/// let trial = model.trials(Xoshiro256PlusPlus::from_seed(1)).next().unwrap();
/// assert!(trial.read_latency > 0.0 && trial.write_latency > 0.0);
/// assert!(trial.is_consistent_at(trial.staleness.max(0.0)));
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trial {
    /// The staleness threshold `τ`: the read is consistent iff it starts at `t ≥ τ` after
    /// the commit (negative when it is consistent even at `t = 0`; `+∞` when delays
    /// overflowed to infinity and the threshold is undefined).
    pub staleness: f64,
    /// Write latency: the `W`-th smallest `Wᵢ + Aᵢ` (the commit time).
    pub write_latency: f64,
    /// Read latency: the `R`-th smallest `Rᵢ + Sᵢ`.
    pub read_latency: f64,
}

impl Trial {
    /// Whether the read, started `t` after the commit, returns the write.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::wars::Trial;
    ///
    /// let t = Trial { staleness: 2.0, write_latency: 1.0, read_latency: 1.0 };
    /// assert!(!t.is_consistent_at(1.0) && t.is_consistent_at(2.0));
    /// ```
    pub fn is_consistent_at(&self, t: f64) -> bool {
        t >= self.staleness
    }
}

/// A WARS model: a quorum configuration and its delay distributions.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
///
/// let model = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
/// let report = model.simulate(&Simulation::new(20_000, 7)?);
/// assert!(report.consistency_at(0.0)? > 0.9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WarsModel {
    quorum: QuorumConfig,
    delays: WarsDelays,
}

/// An endless iterator of independent [`Trial`]s; see [`WarsModel::trials`].
///
/// Allocates its scratch space once; each trial is allocation-free.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::delay::Xoshiro256PlusPlus;
/// use ward_quorum::wars::{Preset, WarsDelays, WarsModel};
///
/// let m = WarsModel::new(QuorumConfig::new(3, 2, 2)?, WarsDelays::preset(Preset::LnkdDisk));
/// // Strict quorums: never stale.
/// assert!(m.trials(Xoshiro256PlusPlus::from_seed(3)).take(1000).all(|t| t.staleness <= 0.0));
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Trials<'a, S> {
    model: &'a WarsModel,
    rng: S,
    w: Vec<f64>,
    r: Vec<f64>,
    done: Vec<f64>,
    order: Vec<(f64, usize)>,
    /// When all four delays are fast-path mixtures: their parameters per sample, in draw
    /// order (`W, A, R, S` for replica 0, then replica 1, ...), and the samples themselves.
    batch: Option<(Vec<MixParams>, Vec<f64>)>,
}

fn insertion_sort_by_key(v: &mut [(f64, usize)]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1].0 > x.0 {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

fn kth_smallest(v: &mut [f64], k: usize) -> f64 {
    if v.len() <= 16 {
        for i in 1..v.len() {
            let x = v[i];
            let mut j = i;
            while j > 0 && v[j - 1] > x {
                v[j] = v[j - 1];
                j -= 1;
            }
            v[j] = x;
        }
        v[k]
    } else {
        *v.select_nth_unstable_by(k, f64::total_cmp).1
    }
}

/// A uniform index in `0..n` by multiply-shift (Lemire's method without rejection; the bias
/// is below `n / 2⁶⁴`).
fn index_below<S: RandomSource>(rng: &mut S, n: usize) -> usize {
    #[allow(clippy::cast_possible_truncation)] // the high word is < n
    let i = ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize;
    i
}

impl<S: RandomSource> Trials<'_, S> {
    #[inline]
    fn trial(&mut self) -> Trial {
        let d = &self.model.delays;
        let q = &self.model.quorum;
        let n = q.n();
        if let Some((params, samples)) = &mut self.batch {
            // Same uniforms in the same order as below, turned into delays by one
            // straight-line loop, so the samples overlap in the pipeline.
            for x in samples.iter_mut() {
                *x = self.rng.next_unit();
            }
            // Two at a time (4N is even): measurably better interleaved than one by one,
            // while four at a time makes the compiler pack them into slower vector code.
            for (x, p) in samples.chunks_exact_mut(2).zip(params.chunks_exact(2)) {
                let (a, b) = (p[0].at(x[0]), p[1].at(x[1]));
                x[0] = a;
                x[1] = b;
            }
            for (i, s) in samples.chunks_exact(4).enumerate() {
                self.w[i] = s[0];
                self.r[i] = s[2];
                self.done[i] = s[0] + s[1];
                self.order[i] = (s[2] + s[3], i);
            }
        } else {
            for i in 0..n {
                let w = d.write.at(self.rng.next_unit());
                let a = d.ack.at(self.rng.next_unit());
                let r = d.read.at(self.rng.next_unit());
                let s = d.response.at(self.rng.next_unit());
                self.w[i] = w;
                self.r[i] = r;
                self.done[i] = w + a;
                self.order[i] = (r + s, i);
            }
        }
        if d.remote > 0.0 {
            let writer = index_below(&mut self.rng, n);
            let reader = index_below(&mut self.rng, n);
            for i in 0..n {
                if i != writer {
                    self.w[i] += d.remote;
                    self.done[i] += 2.0 * d.remote;
                }
                if i != reader {
                    self.r[i] += d.remote;
                    self.order[i].0 += 2.0 * d.remote;
                }
            }
        }
        let (rq, wq) = (q.r(), q.w());
        let commit = if wq == 1 {
            self.done.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            kth_smallest(&mut self.done, wq - 1)
        };
        let (staleness, read_latency) = if rq == 1 {
            let mut best = self.order[0];
            for &o in &self.order[1..] {
                if o.0 < best.0 {
                    best = o;
                }
            }
            (self.w[best.1] - self.r[best.1] - commit, best.0)
        } else {
            if n <= 16 {
                insertion_sort_by_key(&mut self.order);
            } else {
                self.order
                    .select_nth_unstable_by(rq - 1, |a, b| a.0.total_cmp(&b.0));
            }
            let mut tau = f64::INFINITY;
            for &(_, i) in &self.order[..rq] {
                tau = tau.min(self.w[i] - self.r[i]);
            }
            (tau - commit, self.order[rq - 1].0)
        };
        Trial {
            // Delays that overflow to ∞ make `∞ − ∞` undefined; such a read is never shown
            // consistent (a NaN would otherwise sort first and poison the whole curve).
            staleness: if staleness.is_nan() {
                f64::INFINITY
            } else {
                staleness
            },
            write_latency: commit,
            read_latency,
        }
    }
}

impl<S: RandomSource> Iterator for Trials<'_, S> {
    type Item = Trial;

    #[inline]
    fn next(&mut self) -> Option<Trial> {
        Some(self.trial())
    }
}

impl WarsModel {
    /// A model of `quorum` with `delays`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    /// use ward_quorum::wars::{Preset, WarsDelays, WarsModel};
    ///
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 2)?, WarsDelays::preset(Preset::Ymmr));
    /// assert_eq!(m.quorum().w(), 2);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub fn new(quorum: QuorumConfig, delays: WarsDelays) -> Self {
        Self { quorum, delays }
    }

    /// The quorum configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 2)?, WarsDelays::preset(Preset::Ymmr));
    /// assert_eq!(m.quorum().n(), 3);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub fn quorum(&self) -> &QuorumConfig {
        &self.quorum
    }

    /// The delay distributions.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 2)?, WarsDelays::preset(Preset::Wan));
    /// assert_eq!(m.delays().remote_latency(), 75.0);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub fn delays(&self) -> &WarsDelays {
        &self.delays
    }

    /// Independent trials drawn from `rng`, one after another (an endless iterator; use
    /// `take`). The building block of [`WarsModel::simulate`], exposed for streaming use and
    /// custom random sources.
    ///
    /// # Panics
    ///
    /// Like any `Vec`, if the scratch space for `N` replicas (40 bytes each) exceeds
    /// `isize::MAX` bytes; an `N` that large cannot be simulated anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    /// use ward_quorum::delay::Xoshiro256PlusPlus;
    /// use ward_quorum::wars::{Preset, WarsDelays, WarsModel};
    ///
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let stale_at_10ms = m
    ///     .trials(Xoshiro256PlusPlus::from_seed(5))
    ///     .take(10_000)
    ///     .filter(|t| !t.is_consistent_at(10.0))
    ///     .count();
    /// assert!(stale_at_10ms < 10_000);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub fn trials<S: RandomSource>(&self, rng: S) -> Trials<'_, S> {
        let n = self.quorum.n();
        let d = &self.delays;
        let batch = match (
            d.write.mix_params(),
            d.ack.mix_params(),
            d.read.mix_params(),
            d.response.mix_params(),
        ) {
            (Some(w), Some(a), Some(r), Some(s)) => {
                let params: Vec<MixParams> = [w, a, r, s].into_iter().cycle().take(4 * n).collect();
                Some((params, vec![0.0; 4 * n]))
            }
            _ => None,
        };
        Trials {
            model: self,
            rng,
            w: vec![0.0; n],
            r: vec![0.0; n],
            done: vec![0.0; n],
            order: vec![(0.0, 0); n],
            batch,
        }
    }

    /// Runs the simulation and returns the sorted samples as a [`PbsReport`].
    ///
    /// # Panics
    ///
    /// As [`WarsModel::trials`], for an `N` beyond memory. (Running out of memory for the
    /// report, 24 bytes per trial, aborts the process like any failed allocation.)
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    /// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
    ///
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdDisk));
    /// let one = m.simulate(&Simulation::new(40_000, 1)?.with_threads(1));
    /// let two = m.simulate(&Simulation::new(40_000, 1)?.with_threads(2));
    /// assert_eq!(one, two);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn simulate(&self, sim: &Simulation) -> PbsReport {
        self.simulate_with_progress(sim, |_| {})
    }

    /// [`WarsModel::simulate`], calling `progress` (on the calling thread) after each chunk
    /// of trials completes.
    ///
    /// # Panics
    ///
    /// As [`WarsModel::simulate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use ward_quorum::QuorumConfig;
    /// use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
    ///
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let last = Cell::new(0);
    /// m.simulate_with_progress(&Simulation::new(50_000, 1)?, |p| last.set(p.done));
    /// assert_eq!(last.get(), 50_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn simulate_with_progress(
        &self,
        sim: &Simulation,
        mut progress: impl FnMut(Progress),
    ) -> PbsReport {
        let total = sim.trials;
        let mut staleness = vec![0.0; total];
        let mut write = vec![0.0; total];
        let mut read = vec![0.0; total];
        let chunks = total.div_ceil(CHUNK);
        let threads = match sim.threads {
            0 => thread::available_parallelism().map_or(1, usize::from),
            t => t,
        }
        .min(chunks)
        .max(1);

        let run_chunk = |index: usize, s: &mut [f64], w: &mut [f64], r: &mut [f64]| {
            let mut trials = self.trials(sim.chunk_rng(index));
            for ((s, w), r) in s.iter_mut().zip(w.iter_mut()).zip(r.iter_mut()) {
                let t = trials.trial();
                *s = t.staleness;
                *w = t.write_latency;
                *r = t.read_latency;
            }
        };

        let work = staleness
            .chunks_mut(CHUNK)
            .zip(write.chunks_mut(CHUNK))
            .zip(read.chunks_mut(CHUNK))
            .enumerate();
        let mut done = 0;
        if threads == 1 {
            for (index, ((s, w), r)) in work {
                run_chunk(index, s, w, r);
                done += s.len();
                progress(Progress { done, total });
            }
        } else {
            let mut per_thread: Vec<Vec<_>> = (0..threads).map(|_| Vec::new()).collect();
            for (index, item) in work {
                per_thread[index % threads].push((index, item));
            }
            let (tx, rx) = mpsc::channel::<usize>();
            thread::scope(|scope| {
                for items in per_thread {
                    let tx = tx.clone();
                    let run_chunk = &run_chunk;
                    scope.spawn(move || {
                        for (index, ((s, w), r)) in items {
                            run_chunk(index, s, w, r);
                            // The receiver outlives the workers; ignore a closed channel.
                            let _ = tx.send(s.len());
                        }
                    });
                }
                drop(tx);
                for finished in rx {
                    done += finished;
                    progress(Progress { done, total });
                }
            });
        }
        staleness.sort_unstable_by(f64::total_cmp);
        write.sort_unstable_by(f64::total_cmp);
        read.sort_unstable_by(f64::total_cmp);
        PbsReport {
            staleness,
            write,
            read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delay::Xoshiro256PlusPlus;

    #[test]
    fn kth_smallest_matches_sort() {
        let mut rng = Xoshiro256PlusPlus::from_seed(1);
        for len in [1_usize, 3, 16, 17, 40] {
            let v: Vec<f64> = (0..len).map(|_| rng.next_unit()).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            for (k, &expected) in sorted.iter().enumerate() {
                let mut w = v.clone();
                assert_eq!(kth_smallest(&mut w, k), expected);
            }
        }
    }
}
