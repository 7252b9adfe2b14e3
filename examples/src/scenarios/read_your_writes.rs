//! Scenario 9, read-your-writes: users upload a new avatar to the primary and reload their
//! profile a moment later from a replica behind a load balancer. A replica that has not
//! applied the upload yet shows the old avatar: the user does not see their own write.
//!
//! - Naive: the replica serves every read with whatever it has applied.
//! - Ward: each user's `ward-quorum` [`Session`] with [`Guarantee::ReadYourWrites`] records
//!   the upload's log position and hands the reload a [`PositionToken`]; the replica serves
//!   only once it has applied that position ([`PositionToken::decide`]), waits for
//!   replication up to a bound, and otherwise sends the read to the primary.
//!
//! Both designs see the same uploads, reloads, replicas and replication lags. Replication
//! is arithmetic (each replica applies the log in order, each entry after its own lag), so
//! this is plain event code on simulated milliseconds.

use serde::Serialize;
use ward_quorum::session::{Decision, Guarantee, PositionToken, Session};

use super::{ScenarioError, broken, refused};
use crate::report::{Table, percent};
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

/// Users, each uploading one avatar and reloading once.
pub const USERS: usize = 40;
/// Replicas behind the load balancer.
pub const REPLICAS: usize = 2;
/// How long a replica waits for replication before sending the read to the primary.
pub const MAX_WAIT_MS: u64 = 100;
/// How often a waiting replica checks its applied position again.
pub const POLL_MS: u64 = 10;

/// Where a reload was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Served {
    /// By the replica, at once.
    Replica,
    /// By the replica, after waiting for replication.
    ReplicaAfterWait,
    /// By the primary (the replica did not catch up within [`MAX_WAIT_MS`]).
    Primary,
}

/// One user's upload and reload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reload {
    /// The user.
    pub user: usize,
    /// When the upload committed on the primary, in milliseconds.
    pub uploaded_ms: u64,
    /// The upload's log position.
    pub position: u64,
    /// When the reload reached the replica.
    pub reloaded_ms: u64,
    /// The replica the load balancer chose.
    pub replica: usize,
    /// The position that replica had applied when the reload arrived.
    pub applied_then: u64,
    /// Naive: whether the user saw their new avatar.
    pub naive_saw_new: bool,
    /// Ward: whether the user saw their new avatar.
    pub ward_saw_new: bool,
    /// Ward: where the reload was answered.
    pub ward_served: Served,
    /// Ward: how long the reload waited for replication, in milliseconds.
    pub ward_waited_ms: u64,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Every reload, in the order of the uploads.
    pub reloads: Vec<Reload>,
    /// Mean replication lag of each replica, in milliseconds.
    pub mean_lag_ms: Vec<u64>,
    /// Whether the session guarantee was on.
    pub session_on: bool,
}

impl Outcome {
    /// Naive reloads that showed the old avatar.
    pub fn naive_violations(&self) -> usize {
        self.reloads.iter().filter(|r| !r.naive_saw_new).count()
    }

    /// Ward reloads that showed the old avatar.
    pub fn ward_violations(&self) -> usize {
        self.reloads.iter().filter(|r| !r.ward_saw_new).count()
    }

    /// Ward reloads answered in the given way.
    pub fn served(&self, how: Served) -> usize {
        self.reloads.iter().filter(|r| r.ward_served == how).count()
    }

    /// The anomaly: some naive reload showed the old avatar.
    pub fn anomaly_observed(&self) -> bool {
        self.naive_violations() > 0
    }

    /// The prevention: every Ward reload showed the new avatar, and the guarantee did work
    /// (some reload waited or went to the primary).
    pub fn prevented(&self) -> bool {
        self.ward_violations() == 0
            && self.served(Served::ReplicaAfterWait) + self.served(Served::Primary) > 0
    }
}

/// The log position each replica has applied at `t_ms`, given the times it applied each
/// entry (non-decreasing).
fn applied_at(applied: &[u64], t_ms: u64) -> u64 {
    applied.partition_point(|&at| at <= t_ms) as u64
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if the session refuses a position (it cannot: positions
/// only grow), [`ScenarioError::Invariant`] if a served read broke the guarantee.
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Session`] the
/// reload carries no position and the replica serves it with whatever it has.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let session_on = switches.is_on(Primitive::Session);
    let mut rng = SimRng::new(seed, "read-your-writes");
    // Uploads over two seconds; log positions in commit order.
    let mut uploads: Vec<u64> = (0..USERS).map(|_| rng.range(0, 2_000)).collect();
    uploads.sort_unstable();
    // Each replica applies the log in order, each entry after its own lag.
    let mean_lag_ms: Vec<u64> = (0..REPLICAS).map(|_| rng.range(60, 160)).collect();
    let applied: Vec<Vec<u64>> = mean_lag_ms
        .iter()
        .map(|&mean| {
            let mut last = 0;
            uploads
                .iter()
                .map(|&t| {
                    last = (t + rng.exp_nanos(mean)).max(last);
                    last
                })
                .collect()
        })
        .collect();
    let mut reloads = Vec::with_capacity(USERS);
    for (i, &uploaded_ms) in uploads.iter().enumerate() {
        let position = i as u64 + 1;
        let reloaded_ms = uploaded_ms + rng.range(20, 250);
        let replica = rng.index(REPLICAS);
        let at = |t: u64| applied_at(&applied[replica], t);
        let applied_then = at(reloaded_ms);
        let naive_saw_new = applied_then >= position;

        let mut session = Session::new(&[Guarantee::ReadYourWrites]);
        session.wrote(position).map_err(refused("ward-quorum"))?;
        let token = if session_on {
            session.read_token()
        } else {
            PositionToken::none()
        };
        let mut waited = 0;
        let (served, saw_new) = loop {
            let now = at(reloaded_ms + waited);
            match token.decide(&now, waited, MAX_WAIT_MS) {
                Decision::Serve => {
                    if session_on {
                        session
                            .read_at(now)
                            .map_err(|e| broken(format!("a served read broke the session: {e}")))?;
                    }
                    let how = if waited == 0 {
                        Served::Replica
                    } else {
                        Served::ReplicaAfterWait
                    };
                    break (how, now >= position);
                }
                Decision::Wait => waited += POLL_MS,
                Decision::Primary => break (Served::Primary, true),
            }
        };
        reloads.push(Reload {
            user: i,
            uploaded_ms,
            position,
            reloaded_ms,
            replica,
            applied_then,
            naive_saw_new,
            ward_saw_new: saw_new,
            ward_served: served,
            ward_waited_ms: waited,
        });
    }
    Ok(Outcome {
        reloads,
        mean_lag_ms,
        session_on,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let n = o.reloads.len();
    let ward = if o.session_on {
        "session token (read-your-writes)"
    } else {
        "session switched off"
    };
    let mut table = Table::new(
        format!(
            "{n} users upload an avatar, then reload from one of {REPLICAS} replicas (mean \
             lags {} ms)",
            o.mean_lag_ms
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        [
            "replica read",
            "old avatar",
            "served at once",
            "after waiting",
            "sent to primary",
        ],
    );
    table.row([
        "naive: whatever is applied".to_string(),
        format!(
            "{} ({})",
            o.naive_violations(),
            percent(o.naive_violations() as f64 / n.max(1) as f64)
        ),
        n.to_string(),
        "0".to_string(),
        "0".to_string(),
    ]);
    table.row([
        ward.to_string(),
        format!(
            "{} ({})",
            o.ward_violations(),
            percent(o.ward_violations() as f64 / n.max(1) as f64)
        ),
        o.served(Served::Replica).to_string(),
        o.served(Served::ReplicaAfterWait).to_string(),
        o.served(Served::Primary).to_string(),
    ]);
    let mut stale = Table::new(
        "the first reloads that showed the old avatar without the token",
        [
            "user",
            "uploaded",
            "reloaded",
            "replica",
            "applied / needed",
            "with the token",
        ],
    );
    for r in o.reloads.iter().filter(|r| !r.naive_saw_new).take(4) {
        stale.row([
            r.user.to_string(),
            format!("{} ms", r.uploaded_ms),
            format!("{} ms", r.reloaded_ms),
            r.replica.to_string(),
            format!("{} / {}", r.applied_then, r.position),
            match r.ward_served {
                Served::Replica => "served at once".to_string(),
                Served::ReplicaAfterWait => format!("waited {} ms, served", r.ward_waited_ms),
                Served::Primary => format!("waited {} ms, primary", r.ward_waited_ms),
            },
        ]);
    }
    let waited: Vec<u64> = o
        .reloads
        .iter()
        .filter(|r| r.ward_served != Served::Replica)
        .map(|r| r.ward_waited_ms)
        .collect();
    let verdict = format!(
        "without the token {} of {n} users saw their old avatar; {} {} did, {} reloads \
         waited for replication (at most {} ms) and {} went to the primary",
        o.naive_violations(),
        if o.session_on {
            "with the read-your-writes token"
        } else {
            "with the session switched off"
        },
        o.ward_violations(),
        o.served(Served::ReplicaAfterWait),
        waited.iter().max().copied().unwrap_or(0),
        o.served(Served::Primary),
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a user reloads their profile from a lagging replica and sees the avatar they \
                  just replaced"
            .into(),
        tables: vec![table, stale],
        notes: vec![
            format!(
                "the token carries the upload's log position; a replica serves once it has \
                 applied it, checks again every {POLL_MS} ms, and after {MAX_WAIT_MS} ms \
                 sends the read to the primary"
            ),
            "session guarantees after Terry et al., \"Session Guarantees for Weakly \
             Consistent Replicated Data\" (1994)"
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
    name: "read-your-writes",
    number: 9,
    title: "Read-your-writes: the avatar",
    crate_name: "ward-quorum",
    summary: "a user reloads from a lagging replica and sees their old avatar",
    primitives: &[crate::Primitive::Session],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
