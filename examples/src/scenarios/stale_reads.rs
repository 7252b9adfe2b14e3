//! Scenario 4, stale reads: three replicas of an item's stock count under asynchronous
//! replication, one of them lagging. Purchases decrement the stock; shoppers read it.
//!
//! Each replica applies each write after its own replication delay (in order), acknowledges
//! it after an ack delay, and answers a read with what it held when the read request
//! reached it. This is the WARS model of Probabilistically Bounded Staleness (Bailis et
//! al., VLDB 2012) sampled directly, so the same delays drive both designs:
//!
//! - naive: a write is acknowledged by the first replica (`W = 1`), a read asks one replica
//!   (`R = 1`), so a read that lands on the lagging replica returns an old stock count;
//! - Ward: `N = 3, R = 2, W = 2` ([`QuorumConfig`], `R + W > N`); the write's
//!   [`WriteCollector`] says when two replicas acknowledged, the read's [`ReadCollector`]
//!   takes the first two replies, returns the newest by version and lists the replicas
//!   that need read repair.
//!
//! The estimate printed beside it is `ward-quorum`'s PBS for the same `N`: the closed-form
//! probability that a read quorum misses the last write quorum, and the Monte Carlo
//! t-visibility on the paper's LNKD-DISK fit.
//!
//! No message exchange is needed beyond these sampled delays (there are no partitions and no
//! protocol rounds to reorder), so this scenario is plain arithmetic over events.

use serde::Serialize;
use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder, WriteCollector};
use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};
use ward_quorum::{QuorumConfig, pbs};

use super::{ScenarioError, broken, refused};
use crate::report::{Table, percent};
use crate::sim::{MS, SimRng};
use crate::{Options, Primitive, Report, Switches};

/// Replicas.
pub const N: usize = 3;
/// The lagging replica.
pub const LAGGING: usize = 2;
/// Reads per run.
pub const READS: usize = 600;
/// Monte Carlo trials per PBS estimate.
pub const PBS_TRIALS: usize = 20_000;

/// Sampled delays of one write at one replica, in nanoseconds.
#[derive(Debug, Clone, Copy)]
struct Hop {
    apply: u64,
    ack: u64,
}

/// The stock history and every replica's copy of it.
struct World {
    /// Time of each write at the coordinator; version `v` is write `v - 1`.
    writes: Vec<u64>,
    /// `applied[i][v - 1]`: when replica `i` applied version `v` (in order).
    applied: [Vec<u64>; N],
    /// `acked[i][v - 1]`: when replica `i`'s ack of version `v` reached the coordinator.
    acked: [Vec<u64>; N],
    /// Starting stock.
    stock: u64,
}

impl World {
    fn version_at(&self, replica: usize, t: u64) -> usize {
        self.applied[replica].partition_point(|&a| a <= t)
    }

    /// When version `v` (from 1) was acknowledged by `w` replicas: the w-th ack.
    fn commit(&self, v: usize, w: usize) -> u64 {
        let mut acks: Vec<u64> = (0..N).map(|i| self.acked[i][v - 1]).collect();
        acks.sort_unstable();
        acks[w - 1]
    }

    fn stock_of(&self, version: usize) -> u64 {
        self.stock - version as u64
    }
}

/// A read and what it returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadSample {
    /// When the read started, in milliseconds.
    pub at_ms: f64,
    /// The replicas whose answers were used.
    pub replicas: Vec<usize>,
    /// The stock count returned.
    pub stock: u64,
    /// The stock count of the latest acknowledged write when the read started.
    pub committed_stock: u64,
    /// Replicas the read collector listed for read repair.
    pub repair: Vec<usize>,
}

/// One design's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// The quorum configuration, e.g. `N=3 R=1 W=1`.
    pub config: String,
    /// Reads performed.
    pub reads: usize,
    /// Reads that returned a stock count older than the latest acknowledged write.
    pub stale: usize,
    /// The most writes a read was behind.
    pub worst_versions_behind: usize,
    /// Reads whose collector listed replicas to repair.
    pub reads_with_repair: usize,
    /// The first stale read, if any.
    pub first_stale: Option<ReadSample>,
}

/// One PBS row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PbsRow {
    /// Read quorum size.
    pub r: usize,
    /// Write quorum size.
    pub w: usize,
    /// Whether `R + W > N`.
    pub strict: bool,
    /// Closed form: probability a read quorum misses the last write quorum.
    pub p_stale: f64,
    /// Monte Carlo, LNKD-DISK: probability of a consistent read right at commit.
    pub consistent_at_0: f64,
    /// Monte Carlo, LNKD-DISK: milliseconds after commit until 99.9 % of reads are
    /// consistent.
    pub t_999_ms: f64,
    /// Monte Carlo, LNKD-DISK: (milliseconds after commit, probability of a consistent
    /// read), every millisecond up to [`CURVE_MS`].
    pub curve: Vec<(f64, f64)>,
}

/// How far the PBS curve of each row reaches, in milliseconds after the commit.
pub const CURVE_MS: u32 = 40;

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Purchases (writes).
    pub purchases: usize,
    /// The naive design.
    pub naive: Totals,
    /// The quorum design.
    pub quorum: Totals,
    /// A stale naive read shown as an example.
    pub example: Option<ReadSample>,
    /// The quorum read at the same moment.
    pub same_moment: Option<ReadSample>,
    /// PBS for the same N.
    pub pbs: Vec<PbsRow>,
}

impl Outcome {
    /// The anomaly: some naive read returned an old stock count.
    pub fn anomaly_observed(&self) -> bool {
        self.naive.stale > 0
    }

    /// The prevention: no quorum read was stale, and the collectors found replicas to
    /// repair (the lagging replica really was behind).
    pub fn prevented(&self) -> bool {
        self.quorum.stale == 0 && self.quorum.reads_with_repair > 0
    }
}

fn sample_world(seed: u64) -> (World, Vec<u64>) {
    let mut rng = SimRng::new(seed, "stale-reads");
    let purchases = rng.range(15, 25) as usize;
    let stock = purchases as u64 + rng.range(0, 3);
    let mut writes = Vec::with_capacity(purchases);
    let mut t = 0;
    for _ in 0..purchases {
        t += rng.range(40, 300) * MS;
        writes.push(t);
    }
    let mut applied: [Vec<u64>; N] = Default::default();
    let mut acked: [Vec<u64>; N] = Default::default();
    for i in 0..N {
        let mut last = 0;
        for &w in &writes {
            // The lagging replica is in another region and behind on its log.
            let lag = if i == LAGGING { 250 * MS } else { 8 * MS };
            let hop = Hop {
                apply: rng.exp_nanos(lag),
                ack: rng.exp_nanos(2 * MS),
            };
            last = (w + hop.apply).max(last);
            applied[i].push(last);
            acked[i].push(last + hop.ack);
        }
    }
    let end = writes.last().copied().unwrap_or(0) + 500 * MS;
    let reads = (0..READS).map(|_| rng.range(0, end)).collect();
    (
        World {
            writes,
            applied,
            acked,
            stock,
        },
        reads,
    )
}

/// The read's per-replica request and response delays.
fn read_hops(seed: u64, reads: usize) -> Vec<[(u64, u64); N]> {
    let mut rng = SimRng::new(seed, "stale-reads/reads");
    (0..reads)
        .map(|_| {
            let mut hops = [(0, 0); N];
            for (i, h) in hops.iter_mut().enumerate() {
                let extra = if i == LAGGING { 20 * MS } else { 0 };
                *h = (extra + rng.exp_nanos(2 * MS), extra + rng.exp_nanos(2 * MS));
            }
            hops
        })
        .collect()
}

fn committed(world: &World, t: u64, w: usize) -> usize {
    (1..=world.writes.len())
        .rev()
        .find(|&v| world.commit(v, w) <= t)
        .unwrap_or(0)
}

/// Runs one design over the same world.
fn design(
    world: &World,
    reads: &[u64],
    hops: &[[(u64, u64); N]],
    config: QuorumConfig,
    pick: &mut SimRng,
) -> Result<(Totals, Vec<ReadSample>), ScenarioError> {
    let (r, w) = (config.r(), config.w());
    // Check every write's acknowledgement through the write collector: the quorum is
    // reached exactly at the w-th ack.
    for v in 1..=world.writes.len() {
        let mut order: Vec<(u64, usize)> = (0..N).map(|i| (world.acked[i][v - 1], i)).collect();
        order.sort_unstable();
        let mut collector = WriteCollector::new(N, w).map_err(refused("ward-quorum"))?;
        let mut reached_at = None;
        for (at, i) in order {
            if collector.ack(i).map_err(refused("ward-quorum"))? == QuorumStatus::Reached {
                reached_at = Some(at);
                break;
            }
        }
        if reached_at != Some(world.commit(v, w)) {
            return Err(broken(format!(
                "write {v}: collector and commit time disagree"
            )));
        }
    }
    let mut totals = Totals {
        config: config.to_string(),
        reads: reads.len(),
        stale: 0,
        worst_versions_behind: 0,
        reads_with_repair: 0,
        first_stale: None,
    };
    let mut samples = Vec::with_capacity(reads.len());
    for (&t, hop) in reads.iter().zip(hops) {
        let must_see = committed(world, t, w);
        // Which replicas are asked: one at random for R = 1 (a load balancer), all of them
        // otherwise, taking the first R replies.
        let asked: Vec<usize> = if r == 1 {
            vec![pick.index(N)]
        } else {
            (0..N).collect()
        };
        let mut replies: Vec<(u64, usize, usize)> = asked
            .iter()
            .map(|&i| {
                let (req, resp) = hop[i];
                (t + req + resp, i, world.version_at(i, t + req))
            })
            .collect();
        replies.sort_unstable();
        let mut collector = ReadCollector::new(N, r, TotalOrder).map_err(refused("ward-quorum"))?;
        let mut used = Vec::new();
        for (_, i, version) in replies {
            used.push(i);
            if collector
                .respond(i, version)
                .map_err(refused("ward-quorum"))?
                == QuorumStatus::Reached
            {
                break;
            }
        }
        let outcome = collector
            .outcome()
            .ok_or_else(|| broken("read quorum not reached"))?;
        let newest = **outcome
            .newest()
            .first()
            .ok_or_else(|| broken("no newest value"))?;
        let repair = outcome.repair().to_vec();
        let sample = ReadSample {
            at_ms: t as f64 / MS as f64,
            replicas: used,
            stock: world.stock_of(newest),
            committed_stock: world.stock_of(must_see),
            repair: repair.clone(),
        };
        if !repair.is_empty() {
            totals.reads_with_repair += 1;
        }
        if newest < must_see {
            totals.stale += 1;
            totals.worst_versions_behind = totals.worst_versions_behind.max(must_see - newest);
            if totals.first_stale.is_none() {
                totals.first_stale = Some(sample.clone());
            }
        }
        samples.push(sample);
    }
    Ok((totals, samples))
}

fn pbs_rows(seed: u64) -> Result<Vec<PbsRow>, ScenarioError> {
    let sim = Simulation::new(PBS_TRIALS, seed).map_err(refused("ward-quorum"))?;
    let mut rows = Vec::new();
    for (r, w) in [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)] {
        let config = QuorumConfig::new(N, r, w).map_err(refused("ward-quorum"))?;
        let report = WarsModel::new(config, WarsDelays::preset(Preset::LnkdDisk)).simulate(&sim);
        let t = report
            .t_visibility(0.999, 0.95)
            .map_err(refused("ward-quorum"))?;
        rows.push(PbsRow {
            r,
            w,
            strict: config.is_strict(),
            p_stale: pbs::stale_probability(&config),
            consistent_at_0: report.consistency_at(0.0).map_err(refused("ward-quorum"))?,
            t_999_ms: t.t,
            curve: (0..=CURVE_MS)
                .map(|ms| {
                    let t = f64::from(ms);
                    report.consistency_at(t).map(|p| (t, p))
                })
                .collect::<Result<_, _>>()
                .map_err(refused("ward-quorum"))?,
        });
    }
    Ok(rows)
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if a quorum configuration, collector or simulation refuses
/// its input (they do not: the sizes are fixed and valid), [`ScenarioError::Invariant`] if a
/// collector disagrees with the model's commit time.
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Quorum`] the
/// second design's collectors complete on the first replica (`R=1 W=1`), like the naive one.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let (world, reads) = sample_world(seed);
    let hops = read_hops(seed, reads.len());
    let mut pick = SimRng::new(seed, "stale-reads/balancer");
    let naive_cfg = QuorumConfig::new(N, 1, 1).map_err(refused("ward-quorum"))?;
    let q = if switches.is_on(Primitive::Quorum) {
        2
    } else {
        1
    };
    let quorum_cfg = QuorumConfig::new(N, q, q).map_err(refused("ward-quorum"))?;
    let (naive, naive_samples) = design(&world, &reads, &hops, naive_cfg, &mut pick)?;
    let (quorum, quorum_samples) = design(&world, &reads, &hops, quorum_cfg, &mut pick)?;
    // The example: the first stale naive read whose quorum counterpart found a replica to
    // repair, else the first stale naive read.
    let stale_pairs = || {
        naive_samples
            .iter()
            .zip(&quorum_samples)
            .filter(|(n, _)| n.stock > n.committed_stock)
    };
    let example = stale_pairs()
        .find(|(_, q)| !q.repair.is_empty())
        .or_else(|| stale_pairs().next());
    let (example, same_moment) = match example {
        Some((n, q)) => (Some(n.clone()), Some(q.clone())),
        None => (None, None),
    };
    Ok(Outcome {
        purchases: world.writes.len(),
        naive,
        quorum,
        example,
        same_moment,
        pbs: pbs_rows(seed)?,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let mut totals = Table::new(
        format!(
            "{} reads of the stock count during {} purchases (replica {LAGGING} lags)",
            READS, o.purchases
        ),
        [
            "design",
            "quorum",
            "stale reads",
            "worst (writes behind)",
            "reads listing repairs",
        ],
    );
    for (name, t) in [
        ("async replication, read one", &o.naive),
        ("quorum collectors", &o.quorum),
    ] {
        totals.row([
            name.to_string(),
            t.config.clone(),
            format!("{} ({})", t.stale, percent(t.stale as f64 / t.reads as f64)),
            t.worst_versions_behind.to_string(),
            t.reads_with_repair.to_string(),
        ]);
    }
    let mut tables = vec![totals];
    if let (Some(s), Some(q)) = (&o.example, &o.same_moment) {
        let mut moment = Table::new(
            format!(
                "one stale read, at {:.1} ms, and the quorum read at the same moment",
                s.at_ms
            ),
            [
                "design",
                "replicas answering",
                "stock returned",
                "latest acknowledged",
                "repair",
            ],
        );
        let list = |v: &[usize]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        for (name, x) in [("read one", s), ("quorum read", q)] {
            moment.row([
                name.to_string(),
                list(&x.replicas),
                x.stock.to_string(),
                x.committed_stock.to_string(),
                list(&x.repair),
            ]);
        }
        tables.push(moment);
    }
    let mut estimate = Table::new(
        format!(
            "PBS estimate for N = {N} (closed form; Monte Carlo on LNKD-DISK, {PBS_TRIALS} trials)"
        ),
        [
            "R, W",
            "strict",
            "P(read misses last write)",
            "consistent at t = 0",
            "t for 99.9 %",
        ],
    );
    for p in &o.pbs {
        estimate.row([
            format!("R={} W={}", p.r, p.w),
            if p.strict { "yes" } else { "no" }.to_string(),
            format!("{:.3}", p.p_stale),
            percent(p.consistent_at_0),
            format!("{:.1} ms", p.t_999_ms),
        ]);
    }
    tables.push(estimate);
    let times = |n: usize| match n {
        0 => "never".to_string(),
        n => format!("{n} times in {}", o.naive.reads),
    };
    let verdict = format!(
        "reading one replica returned an old stock count {}; reads through the collectors at \
         {} returned one {}, and listed replicas to repair in {} reads",
        times(o.naive.stale),
        o.quorum.config,
        times(o.quorum.stale),
        o.quorum.reads_with_repair
    );
    let mut notes = vec![
        "both designs see the same writes, delays and read times; only N, R, W differ".to_string(),
        "partial quorums (R + W <= N) are only probably fresh: the PBS rows say how probably, \
         and for how long after a write"
            .to_string(),
    ];
    if let (Some(s), Some(q)) = (&o.example, &o.same_moment)
        && s.committed_stock != q.committed_stock
    {
        notes.push(format!(
            "\"latest acknowledged\" is the stock after the last purchase acknowledged to its \
             buyer, which takes W replicas: at {:.1} ms {} with {} and {} with {}, because the \
             newest purchase had reached one replica but not two",
            s.at_ms, s.committed_stock, o.naive.config, q.committed_stock, o.quorum.config
        ));
    }
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a read served by a lagging replica returns a stock count older than the last \
                  acknowledged purchase"
            .into(),
        tables,
        notes,
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "stale-reads",
    number: 4,
    title: "Stale reads",
    crate_name: "ward-quorum",
    summary: "a read from a lagging replica returns an old value",
    primitives: &[crate::Primitive::Quorum],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
