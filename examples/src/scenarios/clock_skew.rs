//! Scenario 2, clock skew and last-write-wins: server A's clock runs 3 s ahead of server B's.
//!
//! A stale mobile sync writes the user's old email through A; A replicates it to B; a moment
//! later the user, looking at B, changes the email to the new one; B replicates that to A
//! (the causal message from B to A). Both servers keep the email in a last-write-wins
//! register ([`LwwRegister`] from `ward-crdt`), merged with the same rule; only the stamp
//! differs:
//!
//! - by wall clock, A's write carries a time 3 s in the future, so it beats the newer write
//!   and both servers converge on the old email;
//! - by [`Hlc`] stamps, B's clock moved past A's stamp when it received A's replication, so
//!   the user's change is stamped after it and both servers keep the new email.
//!
//! Finally B runs with a drift bound below the skew: A's replication is refused with the
//! drift measured, instead of dragging B's clock 3 s forward. Clocks are the crate's
//! [`ManualClock`]s, moved by the simulation; nothing reads the system time.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use ward_crdt::{Lattice as _, LwwRegister};
use ward_hlc::{ClockError, Hlc, ManualClock, Stamp, Timestamp};

use super::{ScenarioError, refused, refused_debug};
use crate::report::Table;
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

/// How far A's clock is ahead of B's.
pub const SKEW: Duration = Duration::from_secs(3);
/// The drift bound of the HLC run: generous enough for the skew.
pub const LOOSE_BOUND: Duration = Duration::from_secs(5);
/// The drift bound of the last run: tighter than the skew.
pub const TIGHT_BOUND: Duration = Duration::from_secs(1);
/// True time at the start: 2026-01-01T00:00:00Z, in microseconds since the epoch.
const START_MICROS: u64 = 1_767_225_600_000_000;

const OLD: &str = "old@example.com";
const NEW: &str = "new@example.com";
const NODE_A: u64 = 1;
const NODE_B: u64 = 2;

/// A wall-clock stamp: microseconds, then the node id as the tie-break.
type WallStamp = (u64, u64);

/// One write with both stamps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Write {
    /// What happened.
    pub what: String,
    /// The server that took the write.
    pub server: char,
    /// True time of the write, in milliseconds since the start.
    pub true_ms: u64,
    /// The value.
    pub value: String,
    /// The server's wall clock, in microseconds since the epoch.
    pub wall_micros: u64,
    /// The HLC stamp, in its text form.
    pub hlc: String,
}

/// The drift-bound check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftCheck {
    /// B's configured maximum drift, in milliseconds.
    pub bound_ms: u64,
    /// The refusal's message, or `None` if the remote stamp was accepted.
    pub refused: Option<String>,
    /// The drift B measured, in microseconds, when refused.
    pub measured_drift_micros: Option<u64>,
    /// The drift expected from the setup: the skew minus the network delay.
    pub expected_drift_micros: u64,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The two writes, in true-time order.
    pub writes: Vec<Write>,
    /// Final email at A and B, last-write-wins by wall clock.
    pub wall_final: [String; 2],
    /// Final email at A and B, last-write-wins by HLC stamp.
    pub hlc_final: [String; 2],
    /// The run with B's drift bound below the skew.
    pub tight: DriftCheck,
    /// The run with the loose bound (A's stamp accepted).
    pub loose: DriftCheck,
    /// Whether the HLC was on; off, servers stamp with their physical clocks only.
    pub hlc_on: bool,
}

impl Outcome {
    /// The anomaly: wall-clock last-write-wins kept the old email on a server.
    pub fn anomaly_observed(&self) -> bool {
        self.wall_final.iter().any(|v| v == OLD)
    }

    /// The prevention: both servers kept the new email by HLC stamps, and the tight bound
    /// refused A's stamp with a measured drift within a millisecond of the expected one.
    pub fn prevented(&self) -> bool {
        self.hlc_final.iter().all(|v| v == NEW)
            && self.loose.refused.is_none()
            && self.tight.measured_drift_micros.is_some_and(|d| {
                d.abs_diff(self.tight.expected_drift_micros) <= 1_000
                    && d > self.tight.bound_ms * 1_000
            })
    }
}

/// A server: its physical clock, its HLC, and the email under both rules.
struct Server {
    clock: Arc<ManualClock>,
    hlc: Hlc<Arc<ManualClock>>,
    by_wall: LwwRegister<String, WallStamp>,
    by_hlc: LwwRegister<String, Stamp>,
}

impl Server {
    fn new(offset: Duration, bound: Duration) -> Self {
        let clock = Arc::new(ManualClock::new(START_MICROS + offset.as_micros() as u64));
        let hlc = Hlc::builder(Arc::clone(&clock)).max_drift(bound).build();
        Self {
            clock,
            hlc,
            by_wall: LwwRegister::new(),
            by_hlc: LwwRegister::new(),
        }
    }

    /// Moves this server's clock to true time `true_ms` (plus its offset).
    fn at(&self, true_ms: u64, offset: Duration) {
        self.clock
            .set(START_MICROS + offset.as_micros() as u64 + true_ms * 1_000);
    }
}

/// What one telling of the story produced: the writes, the final email at A and B by wall
/// clock and by HLC, B's answer to A's stamp, and the drift B should have measured.
type Story = (
    Vec<Write>,
    [String; 2],
    [String; 2],
    Result<Timestamp, ClockError>,
    u64,
);

/// Runs the A-then-B story with B's drift bound `b_bound`; returns the outcome of the
/// final merges and of A's replication at B.
fn story(seed: u64, b_bound: Duration, hlc_on: bool) -> Result<Story, ScenarioError> {
    let mut rng = SimRng::new(seed, "clock-skew");
    let skew_a = SKEW;
    let skew_b = Duration::ZERO;
    let mut a = Server::new(skew_a, LOOSE_BOUND);
    let mut b = Server::new(skew_b, b_bound);

    // 1. The stale sync writes the old email through A.
    let t_sync = rng.range(0, 200);
    a.at(t_sync, skew_a);
    let wall_a = a.clock.now_micros();
    let hlc_a = a.hlc.now().map_err(refused("ward-hlc"))?;
    let delta_wall_a = LwwRegister::new()
        .set(OLD.to_string(), (wall_a, NODE_A))
        .map_err(refused_debug("ward-crdt"))?;
    let delta_hlc_a = LwwRegister::new()
        .set(OLD.to_string(), Stamp::new(hlc_a, NODE_A))
        .map_err(refused_debug("ward-crdt"))?;
    a.by_wall.merge(&delta_wall_a);
    a.by_hlc.merge(&delta_hlc_a);

    // 2. A replicates it to B.
    let d1 = rng.range(20, 80);
    b.at(t_sync + d1, skew_b);
    // Switched off, the HLC never looks at the peer's stamp: B keeps stamping with its own
    // physical clock, and nothing checks the drift.
    let received = if hlc_on {
        b.hlc.receive(hlc_a)
    } else {
        Ok(hlc_a)
    };
    let expected_drift = (wall_a).saturating_sub(b.clock.now_micros());
    b.by_wall.merge(&delta_wall_a);
    if received.is_ok() {
        b.by_hlc.merge(&delta_hlc_a);
    }

    // 3. The user, seeing the old email on B, changes it there; well within the skew.
    let t_change = t_sync + d1 + rng.range(200, 2_000);
    b.at(t_change, skew_b);
    let wall_b = b.clock.now_micros();
    let hlc_b = b.hlc.now().map_err(refused("ward-hlc"))?;
    let delta_wall_b = LwwRegister::new()
        .set(NEW.to_string(), (wall_b, NODE_B))
        .map_err(refused_debug("ward-crdt"))?;
    let delta_hlc_b = LwwRegister::new()
        .set(NEW.to_string(), Stamp::new(hlc_b, NODE_B))
        .map_err(refused_debug("ward-crdt"))?;
    b.by_wall.merge(&delta_wall_b);
    b.by_hlc.merge(&delta_hlc_b);

    // 4. The causal message from B to A carries the change.
    let d2 = rng.range(20, 80);
    a.at(t_change + d2, skew_a);
    if hlc_on {
        a.hlc.receive(hlc_b).map_err(refused("ward-hlc"))?;
    }
    a.by_wall.merge(&delta_wall_b);
    a.by_hlc.merge(&delta_hlc_b);

    let writes = vec![
        Write {
            what: "stale mobile sync".into(),
            server: 'A',
            true_ms: t_sync,
            value: OLD.into(),
            wall_micros: wall_a,
            hlc: Stamp::new(hlc_a, NODE_A).to_string(),
        },
        Write {
            what: "user changes email".into(),
            server: 'B',
            true_ms: t_change,
            value: NEW.into(),
            wall_micros: wall_b,
            hlc: Stamp::new(hlc_b, NODE_B).to_string(),
        },
    ];
    let wall = [value(&a.by_wall), value(&b.by_wall)];
    let hlc = [value(&a.by_hlc), value(&b.by_hlc)];
    Ok((writes, wall, hlc, received, expected_drift))
}

fn value<S>(register: &LwwRegister<String, S>) -> String {
    register.value().cloned().unwrap_or_default()
}

fn check(bound: Duration, received: Result<Timestamp, ClockError>, expected: u64) -> DriftCheck {
    let (refused, measured) = match received {
        Ok(_) => (None, None),
        Err(e) => {
            let measured = match e {
                ClockError::DriftExceeded { drift, .. } => Some(drift.as_micros() as u64),
                _ => None,
            };
            (Some(e.to_string()), measured)
        }
    };
    DriftCheck {
        bound_ms: bound.as_millis() as u64,
        refused,
        measured_drift_micros: measured,
        expected_drift_micros: expected,
    }
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if a clock or register refused an event the story needs (it
/// does not, for any seed tried).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Hlc`] the
/// "HLC" stamps are the servers' physical clock readings and a peer's stamp is never
/// received (so no drift is measured either).
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let hlc_on = switches.is_on(Primitive::Hlc);
    let (writes, wall_final, hlc_final, received, expected) = story(seed, LOOSE_BOUND, hlc_on)?;
    let loose = check(LOOSE_BOUND, received, expected);
    let (_, _, _, received, expected) = story(seed, TIGHT_BOUND, hlc_on)?;
    let tight = check(TIGHT_BOUND, received, expected);
    Ok(Outcome {
        writes,
        wall_final,
        hlc_final,
        tight,
        loose,
        hlc_on,
    })
}

fn wall_text(micros: u64) -> String {
    // Reuse the timestamp's RFC 3339 rendering, without the logical part.
    Timestamp::new(micros, 0)
        .map(|t| t.to_string())
        .map(|s| s.trim_end_matches("/0").to_string())
        .unwrap_or_else(|_| micros.to_string())
}

/// The part of an RFC 3339 stamp after the date: every stamp of the story falls on
/// 2026-01-01, which the table's title says once.
fn time_of_day(stamp: &str) -> String {
    stamp
        .split_once('T')
        .map_or_else(|| stamp.to_string(), |(_, t)| t.to_string())
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let mut writes = Table::new(
        format!(
            "writes on 2026-01-01, UTC (A's clock is {} s ahead; B received A's write before \
             the user's change)",
            SKEW.as_secs()
        ),
        [
            "true time",
            "server",
            "write",
            "wall-clock stamp",
            "HLC stamp (time/logical@node)",
        ],
    );
    for w in &o.writes {
        writes.row([
            format!("{} ms", w.true_ms),
            w.server.to_string(),
            format!("{}: {}", w.what, w.value),
            time_of_day(&wall_text(w.wall_micros)),
            time_of_day(&w.hlc),
        ]);
    }
    let mut finals = Table::new("after both replications", ["rule", "server A", "server B"]);
    finals.row([
        "last-write-wins by wall clock",
        o.wall_final[0].as_str(),
        o.wall_final[1].as_str(),
    ]);
    finals.row([
        "last-write-wins by HLC stamp",
        o.hlc_final[0].as_str(),
        o.hlc_final[1].as_str(),
    ]);
    let mut drift = Table::new(
        "B receives A's stamp, with a drift bound",
        ["B's max drift", "result"],
    );
    for c in [&o.loose, &o.tight] {
        drift.row([
            format!("{} s", c.bound_ms / 1000),
            match (&c.refused, o.hlc_on) {
                (Some(m), _) => format!("refused: {m}"),
                (None, true) => "accepted: B's clock follows A's stamp".into(),
                (None, false) => "not checked: B ignores A's stamp (HLC off)".into(),
            },
        ]);
    }
    let kept = |finals: &[String; 2]| {
        if finals[0] == finals[1] {
            format!("{} on both servers", finals[0])
        } else {
            format!("{} on A and {} on B", finals[0], finals[1])
        }
    };
    let tight = match (&o.tight.refused, o.tight.measured_drift_micros) {
        (Some(_), Some(d)) => format!(
            "with a {} s bound B refused A's stamp, measuring {:.3} s of drift",
            o.tight.bound_ms / 1000,
            d as f64 / 1e6
        ),
        (Some(m), None) => format!(
            "with a {} s bound B refused A's stamp without a drift: {m}",
            o.tight.bound_ms / 1000
        ),
        (None, _) => format!(
            "with a {} s bound B accepted A's stamp, {:.3} s ahead of its clock",
            o.tight.bound_ms / 1000,
            o.tight.expected_drift_micros as f64 / 1e6
        ),
    };
    let verdict = format!(
        "wall-clock LWW kept {}; HLC LWW kept {}; {tight}",
        kept(&o.wall_final),
        kept(&o.hlc_final),
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a server whose clock runs ahead wins every last-write-wins race, even against \
                  later writes"
            .into(),
        tables: vec![writes, finals, drift],
        notes: {
            let mut notes =
                vec!["both rules use ward-crdt's LwwRegister; only the stamp differs".to_string()];
            if o.hlc_final[1] == NEW {
                notes.push(
                    "the HLC stamp of B's write is above A's because B received A's stamp \
                     first: causality, not wall time, orders them"
                        .into(),
                );
            } else {
                notes.push(
                    "B's stamp for the user's change is below A's older stamp: B never took A's \
                     stamp into account"
                        .into(),
                );
            }
            notes
        },
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "clock-skew",
    number: 2,
    title: "Clock skew and last-write-wins",
    crate_name: "ward-hlc",
    summary: "last-write-wins by wall clock keeps the older write",
    primitives: &[crate::Primitive::Hlc],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
