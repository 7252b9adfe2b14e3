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
use crate::delay::{Delay, DelayError, RandomSource, Xoshiro256PlusPlus, splitmix64};

/// The delay fits published in the PBS paper (Table 3 of the VLDB 2012 paper), in ms.
///
/// # Examples
///
/// ```
/// use ward_quorum::wars::{Preset, WarsDelays};
///
/// let d = WarsDelays::preset(Preset::LnkdDisk);
/// assert_eq!(d.remote_latency(), 0.0);
/// assert_eq!(WarsDelays::preset(Preset::Wan).remote_latency(), 75.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// LinkedIn Voldemort on SSDs: `W = A = R = S` = 91.22 % Pareto(xₘ 0.235, α 10) +
    /// 8.78 % Exponential(λ 1.66).
    LnkdSsd,
    /// LinkedIn Voldemort on spinning disks: `W` = 38 % Pareto(xₘ 1.05, α 1.51) + 62 %
    /// Exponential(λ 0.183); `A`, `R`, `S` as [`Preset::LnkdSsd`].
    LnkdDisk,
    /// Yammer Riak, with the write shape `α = 3.5` that the paper's published results follow:
    /// `W` = 93.9 % Pareto(xₘ 3, α 3.5) + 6.1 % Exponential(λ 0.0028); `A = R = S` = 98.2 %
    /// Pareto(xₘ 1.5, α 3.8) + 1.8 % Exponential(λ 0.0217).
    Ymmr,
    /// [`Preset::Ymmr`] with the write shape as printed in the paper's table, `α = 3.35`.
    YmmrPrinted,
    /// [`Preset::LnkdDisk`] across datacenters: every replica in its own datacenter, and
    /// 75 ms more on each message to or from a replica outside the writer's (W, A) or the
    /// reader's (R, S) datacenter; writer and reader datacenters drawn uniformly per trial.
    Wan,
}

/// The four WARS delay distributions, plus an optional wide-area penalty.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::Delay;
/// use ward_quorum::wars::WarsDelays;
///
/// let lan = WarsDelays::symmetric(&Delay::exponential(1.0)?);
/// let wan = lan.with_remote_latency(50.0)?;
/// assert_eq!(wan.remote_latency(), 50.0);
/// # Ok::<(), ward_quorum::delay::DelayError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WarsDelays {
    write: Delay,
    ack: Delay,
    read: Delay,
    response: Delay,
    remote: f64,
}

impl WarsDelays {
    /// Separate distributions for write requests, acks, read requests and read responses.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::Delay;
    /// use ward_quorum::wars::WarsDelays;
    ///
    /// let e = Delay::exponential(1.0)?;
    /// let d = WarsDelays::new(Delay::constant(5.0)?, e.clone(), e.clone(), e);
    /// assert_eq!(d.write().mean(), 5.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn new(write: Delay, ack: Delay, read: Delay, response: Delay) -> Self {
        Self {
            write,
            ack,
            read,
            response,
            remote: 0.0,
        }
    }

    /// The same distribution for all four delays.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{delay::Delay, wars::WarsDelays};
    /// let d = WarsDelays::symmetric(&Delay::constant(1.0)?);
    /// assert_eq!(d.response().mean(), 1.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn symmetric(delay: &Delay) -> Self {
        Self::new(delay.clone(), delay.clone(), delay.clone(), delay.clone())
    }

    /// One of the paper's fitted production distributions.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::wars::{Preset, WarsDelays};
    ///
    /// let ssd = WarsDelays::preset(Preset::LnkdSsd);
    /// assert_eq!(ssd.write(), ssd.ack());
    /// ```
    pub fn preset(preset: Preset) -> Self {
        // The published constants are all in range (checked by a unit test).
        let mix = Delay::pareto_exponential_trusted;
        let ssd = mix(0.9122, 0.235, 10.0, 1.66);
        let disk_write = mix(0.38, 1.05, 1.51, 0.183);
        let ymmr_ars = mix(0.982, 1.5, 3.8, 0.0217);
        match preset {
            Preset::LnkdSsd => Self::symmetric(&ssd),
            Preset::LnkdDisk => Self::new(disk_write, ssd.clone(), ssd.clone(), ssd),
            Preset::Ymmr => Self::new(
                mix(0.939, 3.0, 3.5, 0.0028),
                ymmr_ars.clone(),
                ymmr_ars.clone(),
                ymmr_ars,
            ),
            Preset::YmmrPrinted => Self::new(
                mix(0.939, 3.0, 3.35, 0.0028),
                ymmr_ars.clone(),
                ymmr_ars.clone(),
                ymmr_ars,
            ),
            Preset::Wan => Self {
                remote: 75.0,
                ..Self::new(disk_write, ssd.clone(), ssd.clone(), ssd)
            },
        }
    }

    /// Places every replica in its own datacenter and adds `ms` to each message between a
    /// replica and a writer or reader in another datacenter (writer and reader datacenters
    /// drawn uniformly per trial). `0` means a single datacenter.
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless `ms` is finite and `≥ 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{delay::Delay, wars::WarsDelays};
    /// assert!(WarsDelays::symmetric(&Delay::constant(1.0)?).with_remote_latency(-1.0).is_err());
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn with_remote_latency(mut self, ms: f64) -> Result<Self, DelayError> {
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(DelayError::InvalidParameter {
                name: "remote latency",
                value: ms,
            });
        }
        self.remote = ms;
        Ok(self)
    }

    /// Write request delay W.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdDisk).write().mean() > 1.0);
    /// ```
    pub fn write(&self) -> &Delay {
        &self.write
    }

    /// Write ack delay A.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdDisk).ack().mean() < 1.0);
    /// ```
    pub fn ack(&self) -> &Delay {
        &self.ack
    }

    /// Read request delay R.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdSsd).read().mean() < 1.0);
    /// ```
    pub fn read(&self) -> &Delay {
        &self.read
    }

    /// Read response delay S.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdSsd).response().mean() < 1.0);
    /// ```
    pub fn response(&self) -> &Delay {
        &self.response
    }

    /// Extra latency across datacenters (0 for a single datacenter).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert_eq!(WarsDelays::preset(Preset::Ymmr).remote_latency(), 0.0);
    /// ```
    pub fn remote_latency(&self) -> f64 {
        self.remote
    }
}

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
/// assert_eq!(trial.is_consistent_at(trial.staleness.max(0.0)), true);
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trial {
    /// The staleness threshold `τ`: the read is consistent iff it starts at `t ≥ τ` after
    /// the commit (negative when it is consistent even at `t = 0`).
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
/// assert!(report.consistency_at(0.0) > 0.9);
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
            staleness,
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

/// How many trials, from which seed, on how many threads.
///
/// Results depend only on the trial count and the seed: trials are cut into fixed chunks
/// whose generators are seeded from `(seed, chunk index)`, so any thread count gives
/// bit-identical reports.
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
    trials: usize,
    seed: u64,
    threads: usize,
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
const CHUNK: usize = 1 << 14;

impl Simulation {
    /// `trials` trials from `seed`, on as many threads as the machine offers.
    ///
    /// # Errors
    ///
    /// [`SimulationError::NoTrials`] when `trials == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::Simulation;
    /// assert!(Simulation::new(10, 0).is_ok());
    /// ```
    pub fn new(trials: usize, seed: u64) -> Result<Self, SimulationError> {
        if trials == 0 {
            return Err(SimulationError::NoTrials);
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

    fn chunk_rng(&self, chunk: usize) -> Xoshiro256PlusPlus {
        let mut state = self.seed;
        let a = splitmix64(&mut state);
        let mut mixed = a ^ (chunk as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        Xoshiro256PlusPlus::from_seed(splitmix64(&mut mixed))
    }
}

/// Progress of a running simulation, passed to the callback of
/// [`WarsModel::simulate_with_progress`].
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
        Trials {
            model: self,
            rng,
            w: vec![0.0; n],
            r: vec![0.0; n],
            done: vec![0.0; n],
            order: vec![(0.0, 0); n],
        }
    }

    /// Runs the simulation and returns the sorted samples as a [`PbsReport`].
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
/// let curve = report.curve(&[0.0, 1.0, 10.0]);
/// assert!(curve.windows(2).all(|w| w[0].1 <= w[1].1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PbsReport {
    staleness: Vec<f64>,
    write: Vec<f64>,
    read: Vec<f64>,
}

fn check_unit(name: &'static str, value: f64) -> Result<f64, SimulationError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(SimulationError::OutOfRange { name, value })
    }
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
pub(crate) fn normal_quantile(p: f64) -> f64 {
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
    /// the fraction of trials whose staleness threshold is `≤ t`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 2, 2)?, WarsDelays::preset(Preset::LnkdSsd));
    /// assert_eq!(m.simulate(&Simulation::new(1000, 1)?).consistency_at(0.0), 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn consistency_at(&self, t: f64) -> f64 {
        let consistent = self.staleness.partition_point(|&tau| tau <= t);
        consistent as f64 / self.staleness.len() as f64
    }

    /// [`PbsReport::consistency_at`] for each `t`, as `(t, probability)` pairs.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{QuorumConfig, wars::{Preset, Simulation, WarsDelays, WarsModel}};
    /// let m = WarsModel::new(QuorumConfig::new(3, 1, 1)?, WarsDelays::preset(Preset::LnkdSsd));
    /// let c = m.simulate(&Simulation::new(1000, 1)?).curve(&[0.0, 100.0]);
    /// assert_eq!(c[1], (100.0, 1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn curve(&self, ts: &[f64]) -> Vec<(f64, f64)> {
        ts.iter().map(|&t| (t, self.consistency_at(t))).collect()
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
    /// assert!(report.consistency_at(tv.t) >= 0.999);
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
        let c = check_unit("confidence", confidence)?;
        if c == 0.0 || c == 1.0 {
            return Err(SimulationError::OutOfRange {
                name: "confidence",
                value: confidence,
            });
        }
        let n = self.staleness.len();
        let nf = n as f64;
        let at = |rank: usize| self.staleness[rank.clamp(1, n) - 1].max(0.0);
        let rank = (p * nf).ceil() as usize;
        let z = normal_quantile(0.5 + c / 2.0);
        let half = z * (nf * p * (1.0 - p)).sqrt();
        let lo = (p * nf - half).floor().max(1.0) as usize;
        let hi = (p * nf + half).ceil();
        let upper = if hi > nf {
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
    fn normal_quantile_reference_values() {
        // Standard normal table values.
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.575_829_304).abs() < 1e-8);
    }

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
