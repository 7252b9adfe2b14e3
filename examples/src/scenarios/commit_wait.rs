//! Scenario 11, commit-wait and external consistency (the example of Spanner's paper): a
//! user removes their boss from a photo album's access list (transaction T1, committed on
//! one node), sees it acknowledged, and then uploads a photo to the album (T2, on another
//! node). Each node's clock is off from true time by a few milliseconds, within a known
//! bound. If T2's timestamp comes out below T1's, a snapshot read between the two sees the
//! photo under the old access list: the boss sees the photo.
//!
//! - Naive: each node stamps a commit with its own physical clock and acknowledges at once.
//! - Ward: each node reads its clock as a `ward-hlc` [`UncertainClock`] interval with the
//!   configured [`FixedBound`]; a commit takes the interval's `latest` as its timestamp and
//!   is acknowledged only after [`UncertainClock::commit_wait_with`] has seen `earliest`
//!   pass it. Any transaction that starts after the acknowledgement, on any node whose
//!   clock is within the bound, then takes a later timestamp.
//!
//! Both designs see the same users, nodes, clock offsets and pauses. Simulated time is true
//! time in microseconds; each node's [`ManualClock`] reads true time plus its offset, and a
//! commit-wait's sleep moves the committing node's clock.

use std::time::Duration;

use serde::Serialize;
use ward_hlc::{FixedBound, ManualClock, Timestamp, UncertainClock};

use super::{ScenarioError, refused};
use crate::report::{Table, human_nanos};
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

/// Nodes of the database.
pub const NODES: usize = 3;
/// The clocks' configured error bound: each node is within this of true time.
pub const BOUND: Duration = Duration::from_millis(5);
/// Users, each making one pair of transactions.
pub const USERS: usize = 200;

/// One user's two transactions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// The node of T1 (access list) and of T2 (photo).
    pub nodes: (usize, usize),
    /// Naive: T1's and T2's timestamps (microseconds).
    pub naive: (u64, u64),
    /// Ward: T1's and T2's timestamps (microseconds).
    pub ward: (u64, u64),
    /// Ward: how long T1's commit-wait held the acknowledgement, in microseconds.
    pub waited_micros: u64,
    /// How long the user took between the acknowledgement and T2, in microseconds.
    pub think_micros: u64,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Each node's clock offset from true time, in microseconds.
    pub offsets: Vec<i64>,
    /// The configured bound, in microseconds.
    pub bound_micros: u64,
    /// Every user's pair, in order.
    pub pairs: Vec<Pair>,
    /// Whether commit-wait was on.
    pub wait_on: bool,
}

impl Outcome {
    /// Naive pairs whose photo was stamped no later than the access-list change.
    pub fn naive_inversions(&self) -> usize {
        self.pairs.iter().filter(|p| p.naive.1 <= p.naive.0).count()
    }

    /// Ward pairs whose photo was stamped no later than the access-list change.
    pub fn ward_inversions(&self) -> usize {
        self.pairs.iter().filter(|p| p.ward.1 <= p.ward.0).count()
    }

    /// The longest commit-wait, in microseconds.
    pub fn max_wait_micros(&self) -> u64 {
        self.pairs
            .iter()
            .map(|p| p.waited_micros)
            .max()
            .unwrap_or(0)
    }

    /// The mean commit-wait, in microseconds.
    pub fn mean_wait_micros(&self) -> u64 {
        let n = self.pairs.len().max(1) as u64;
        self.pairs.iter().map(|p| p.waited_micros).sum::<u64>() / n
    }

    /// The anomaly: some naive photo was stamped before its access-list change.
    pub fn anomaly_observed(&self) -> bool {
        self.naive_inversions() > 0
    }

    /// The prevention: every Ward photo was stamped after its access-list change, and the
    /// commit-wait did work (it held the acknowledgements).
    pub fn prevented(&self) -> bool {
        self.ward_inversions() == 0 && self.max_wait_micros() > 0
    }
}

/// A node's reading: its clock is true time plus its offset.
fn node_clock(true_micros: u64, offset: i64) -> ManualClock {
    ManualClock::new(true_micros.saturating_add_signed(offset))
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if `ward-hlc` refuses the bound or a reading (the settings
/// are valid), or a commit-wait would exceed its maximum (it cannot: the wait is about
/// twice the bound).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::CommitWait`]
/// T1 still takes its interval's `latest` as timestamp but is acknowledged at once.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let wait_on = switches.is_on(Primitive::CommitWait);
    let mut rng = SimRng::new(seed, "commit-wait");
    let bound_micros = BOUND.as_micros() as u64;
    let offsets: Vec<i64> = (0..NODES)
        .map(|_| rng.range(0, 2 * bound_micros) as i64 - bound_micros as i64)
        .collect();
    let bound = FixedBound::new(BOUND).map_err(refused("ward-hlc"))?;
    // True time starts a day into 2026, in microseconds.
    let mut now: u64 = 1_767_312_000_000_000;
    let mut pairs = Vec::with_capacity(USERS);
    for _ in 0..USERS {
        now += rng.range(1_000, 50_000);
        let a = rng.index(NODES);
        let b = (a + 1 + rng.index(NODES - 1)) % NODES;
        let think = rng.range(0, 4_000);

        // Naive: physical clocks, acknowledged at once.
        let naive_t1 = node_clock(now, offsets[a]).now_micros();
        let naive_t2 = node_clock(now + think, offsets[b]).now_micros();

        // Ward: T1 takes its interval's latest and commit-waits.
        let clock_a = node_clock(now, offsets[a]);
        let tt_a = UncertainClock::new(&clock_a, bound);
        let s1 = tt_a.now().map_err(refused("ward-hlc"))?.latest();
        let commit = Timestamp::new(s1, 0).map_err(refused("ward-hlc"))?;
        let waited = if wait_on {
            let done = tt_a
                .commit_wait_with(commit, |d| clock_a.advance(d))
                .map_err(refused("ward-hlc"))?;
            done.waited.as_micros() as u64
        } else {
            0
        };
        let clock_b = node_clock(now + waited + think, offsets[b]);
        let tt_b = UncertainClock::new(&clock_b, bound);
        let s2 = tt_b.now().map_err(refused("ward-hlc"))?.latest();
        pairs.push(Pair {
            nodes: (a, b),
            naive: (naive_t1, naive_t2),
            ward: (s1, s2),
            waited_micros: waited,
            think_micros: think,
        });
        now += waited + think;
    }
    Ok(Outcome {
        offsets,
        bound_micros,
        pairs,
        wait_on,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let n = o.pairs.len();
    let mut table = Table::new(
        format!(
            "{n} users: T1 removes the boss from the album, then T2 adds a photo on another \
             node; clock offsets {} (bound ± {})",
            o.offsets
                .iter()
                .map(|&x| format!("{:+.1} ms", x as f64 / 1000.0))
                .collect::<Vec<_>>()
                .join(", "),
            human_nanos(o.bound_micros * 1_000)
        ),
        [
            "commit",
            "photo stamped before the ACL change",
            "acknowledgement held (mean / max)",
        ],
    );
    table.row([
        "naive: physical clock, ack at once".to_string(),
        o.naive_inversions().to_string(),
        "0 / 0".to_string(),
    ]);
    table.row([
        if o.wait_on {
            "interval latest + commit-wait"
        } else {
            "interval latest, commit-wait off"
        }
        .to_string(),
        o.ward_inversions().to_string(),
        format!(
            "{} / {}",
            human_nanos(o.mean_wait_micros() * 1_000),
            human_nanos(o.max_wait_micros() * 1_000)
        ),
    ]);
    let mut first = Table::new(
        "the first inverted pair without commit-wait",
        ["", "node", "naive stamp", "Ward stamp"],
    );
    if let Some(p) = o.pairs.iter().find(|p| p.naive.1 <= p.naive.0) {
        let base = p.naive.0.min(p.ward.0);
        let rel = |t: u64| format!("{:+.3} ms", (t as f64 - base as f64) / 1000.0);
        first.row([
            "T1 (ACL)".to_string(),
            p.nodes.0.to_string(),
            rel(p.naive.0),
            rel(p.ward.0),
        ]);
        first.row([
            "T2 (photo)".to_string(),
            p.nodes.1.to_string(),
            rel(p.naive.1),
            rel(p.ward.1),
        ]);
    }
    let verdict = format!(
        "with each node's physical clock, {} of {n} photos were stamped before their access-list \
         change (a snapshot between the two shows the boss the photo); {} {} were, each commit \
         held {} on average and at most {} against a bound of ± {}",
        o.naive_inversions(),
        if o.wait_on {
            "with commit-wait"
        } else {
            "with commit-wait switched off"
        },
        o.ward_inversions(),
        human_nanos(o.mean_wait_micros() * 1_000),
        human_nanos(o.max_wait_micros() * 1_000),
        human_nanos(o.bound_micros * 1_000),
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a transaction acknowledged first gets the later timestamp: a snapshot shows \
                  the photo with the old access list"
            .into(),
        tables: vec![table, first],
        notes: vec![
            "the commit takes its interval's latest and waits until earliest has passed it, \
             about twice the bound (Spanner's TrueTime, Corbett et al. 2012); a node whose \
             clock strays beyond the bound breaks the guarantee"
                .into(),
        ],
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "commit-wait",
    number: 11,
    title: "Commit-wait: external consistency",
    crate_name: "ward-hlc",
    summary: "a later transaction on a slower clock gets an earlier timestamp",
    primitives: &[crate::Primitive::CommitWait],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
