//! Scenario 10, the torn bank transfer: each transfer debits one account and credits
//! another in one transaction on the primary. Its rows and its commit marker travel to a
//! read replica as separate log messages, each with its own delay, so they arrive apart and
//! out of order. A report that sums every balance on the replica between the debit and the
//! credit finds money missing (or created).
//!
//! - Naive: the replica applies each row as it arrives; readers read the rows.
//! - Ward: the replica puts the rows through a `ward-quorum` [`CommitGate`], which exposes a
//!   transaction only when its commit marker and every row it announces have arrived, in
//!   commit order; readers read the gate.
//!
//! Both replicas receive the same messages at the same times. This is event code on
//! simulated milliseconds: a time-ordered queue of arrivals and reads.

use std::collections::BTreeMap;

use serde::Serialize;
use ward_quorum::gate::CommitGate;

use super::{ScenarioError, refused};
use crate::report::Table;
use crate::sim::{EventQueue, SimRng};
use crate::{Options, Primitive, Report, Switches};

/// The accounts.
pub const ACCOUNTS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
/// Each account's opening balance, in dollars.
pub const OPENING: i64 = 1_000;
/// Transfers in the run.
pub const TRANSFERS: usize = 40;
/// Reports (sums of every balance) read on the replica.
pub const READS: usize = 300;

/// One transfer, as the primary committed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    /// Its transaction number (commit order; 1 is the opening balances).
    pub tx: u64,
    /// When it committed, in milliseconds.
    pub at_ms: u64,
    /// The account debited.
    pub from: &'static str,
    /// The account credited.
    pub to: &'static str,
    /// Dollars moved.
    pub amount: i64,
}

/// One design's reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reads {
    /// Reports whose total was not the bank's total.
    pub torn: usize,
    /// The totals furthest below and above the bank's total.
    pub worst: (i64, i64),
    /// The first torn report: (milliseconds, total seen).
    pub first_torn: Option<(u64, i64)>,
    /// The total once every message has arrived.
    pub final_total: i64,
    /// Every report: (milliseconds, total seen).
    pub seen: Vec<(u64, i64)>,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The transfers.
    pub transfers: Vec<Transfer>,
    /// The bank's total, the invariant.
    pub total: i64,
    /// Reports read.
    pub reads: usize,
    /// The replica that applies rows on arrival.
    pub naive: Reads,
    /// The replica behind the commit gate (rows on arrival again with the gate off).
    pub gated: Reads,
    /// The last transaction the gate exposed when the run ended.
    pub visible_through: u64,
    /// Whether the gate was on.
    pub gate_on: bool,
}

impl Outcome {
    /// The anomaly: some naive report saw a total other than the bank's.
    pub fn anomaly_observed(&self) -> bool {
        self.naive.torn > 0
    }

    /// The prevention: no gated report was torn, and the gate exposed every transfer by
    /// the end.
    pub fn prevented(&self) -> bool {
        self.gated.torn == 0
            && self.gated.final_total == self.total
            && self.visible_through == self.transfers.len() as u64 + 1
    }
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Row(u64, usize, i64),
    Marker(u64, usize),
    Read,
}

/// A replica's readable state: rows on arrival, or through the gate.
enum Replica {
    Plain(BTreeMap<usize, (u64, i64)>),
    Gated(CommitGate<usize, i64>),
}

impl Replica {
    fn row(&mut self, tx: u64, account: usize, balance: i64) -> Result<(), ScenarioError> {
        match self {
            // The row overwrites whatever is there: last arrival wins.
            Replica::Plain(rows) => {
                rows.insert(account, (tx, balance));
            }
            Replica::Gated(gate) => {
                gate.apply(tx, account, balance)
                    .map_err(refused("ward-quorum"))?;
            }
        }
        Ok(())
    }

    fn marker(&mut self, tx: u64, rows: usize) -> Result<(), ScenarioError> {
        if let Replica::Gated(gate) = self {
            gate.commit(tx, rows).map_err(refused("ward-quorum"))?;
        }
        Ok(())
    }

    fn total(&self) -> i64 {
        match self {
            Replica::Plain(rows) => rows.values().map(|(_, b)| b).sum(),
            Replica::Gated(gate) => gate.snapshot().map(|(_, b)| b).sum(),
        }
    }
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if the gate refuses a row or marker (the primary's log is
/// well formed, so it does not).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without
/// [`Primitive::CommitGate`] the second replica also applies rows as they arrive.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let gate_on = switches.is_on(Primitive::CommitGate);
    let mut rng = SimRng::new(seed, "torn-transfer");
    let mut balances = [OPENING; ACCOUNTS.len()];
    let total = OPENING * ACCOUNTS.len() as i64;
    let mut queue = EventQueue::new();
    // Transaction 1: the opening balances, already on the replica.
    let mut naive = Replica::Plain(BTreeMap::new());
    let mut gated = if gate_on {
        Replica::Gated(CommitGate::new())
    } else {
        Replica::Plain(BTreeMap::new())
    };
    for (i, b) in balances.iter().enumerate() {
        naive.row(1, i, *b)?;
        gated.row(1, i, *b)?;
    }
    naive.marker(1, ACCOUNTS.len())?;
    gated.marker(1, ACCOUNTS.len())?;
    // The transfers, committed on the primary over two seconds.
    let mut times: Vec<u64> = (0..TRANSFERS).map(|_| rng.range(10, 2_000)).collect();
    times.sort_unstable();
    let mut transfers = Vec::with_capacity(TRANSFERS);
    let delay = |rng: &mut SimRng| 5 + rng.exp_nanos(40);
    for (k, at_ms) in times.into_iter().enumerate() {
        let tx = k as u64 + 2;
        // Debit an account that still holds $100 (there is always one: the total is fixed).
        let funded: Vec<usize> = (0..ACCOUNTS.len())
            .filter(|&i| balances[i] >= 100)
            .collect();
        let from = funded[rng.index(funded.len())];
        let to = (from + 1 + rng.index(ACCOUNTS.len() - 1)) % ACCOUNTS.len();
        let amount = (rng.range(1, 5) as i64 * 100).min(balances[from]);
        balances[from] -= amount;
        balances[to] += amount;
        queue.at(at_ms + delay(&mut rng), Ev::Row(tx, from, balances[from]));
        queue.at(at_ms + delay(&mut rng), Ev::Row(tx, to, balances[to]));
        queue.at(at_ms + delay(&mut rng), Ev::Marker(tx, 2));
        transfers.push(Transfer {
            tx,
            at_ms,
            from: ACCOUNTS[from],
            to: ACCOUNTS[to],
            amount,
        });
    }
    for _ in 0..READS {
        queue.at(rng.range(0, 2_200), Ev::Read);
    }
    let fresh = || Reads {
        torn: 0,
        worst: (total, total),
        first_torn: None,
        final_total: 0,
        seen: Vec::with_capacity(READS),
    };
    let (mut naive_reads, mut gated_reads) = (fresh(), fresh());
    while let Some((now, ev)) = queue.pop() {
        match ev {
            Ev::Row(tx, account, balance) => {
                naive.row(tx, account, balance)?;
                gated.row(tx, account, balance)?;
            }
            Ev::Marker(tx, rows) => {
                naive.marker(tx, rows)?;
                gated.marker(tx, rows)?;
            }
            Ev::Read => {
                for (replica, reads) in [(&naive, &mut naive_reads), (&gated, &mut gated_reads)] {
                    let seen = replica.total();
                    reads.seen.push((now, seen));
                    if seen != total {
                        reads.torn += 1;
                        reads.first_torn.get_or_insert((now, seen));
                    }
                    reads.worst = (reads.worst.0.min(seen), reads.worst.1.max(seen));
                }
            }
        }
    }
    naive_reads.final_total = naive.total();
    gated_reads.final_total = gated.total();
    let visible_through = match &gated {
        Replica::Gated(gate) => gate.visible_through(),
        // Without the gate, every arrival is visible at once.
        Replica::Plain(_) => transfers.len() as u64 + 1,
    };
    Ok(Outcome {
        transfers,
        total,
        reads: READS,
        naive: naive_reads,
        gated: gated_reads,
        visible_through,
        gate_on,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let ward = if o.gate_on {
        "CommitGate: whole transactions"
    } else {
        "gate switched off (rows)"
    };
    let mut table = Table::new(
        format!(
            "{} accounts of ${OPENING}, {} transfers, {} reports summing every balance on the \
             replica (the bank holds ${})",
            ACCOUNTS.len(),
            o.transfers.len(),
            o.reads,
            o.total
        ),
        [
            "replica",
            "torn reports",
            "lowest / highest total",
            "first torn report",
            "total at the end",
        ],
    );
    for (name, r) in [("naive: rows on arrival", &o.naive), (ward, &o.gated)] {
        table.row([
            name.to_string(),
            r.torn.to_string(),
            format!("${} / ${}", r.worst.0, r.worst.1),
            r.first_torn
                .map_or("-".to_string(), |(at, seen)| format!("at {at} ms: ${seen}")),
            format!("${}", r.final_total),
        ]);
    }
    let mut transfers = Table::new(
        "the first transfers",
        ["tx", "committed", "from", "to", "amount"],
    );
    for t in o.transfers.iter().take(4) {
        transfers.row([
            t.tx.to_string(),
            format!("{} ms", t.at_ms),
            t.from.to_string(),
            t.to.to_string(),
            format!("${}", t.amount),
        ]);
    }
    let verdict = format!(
        "reading rows as they arrive, {} of {} reports saw a total other than ${} (from ${} to \
         ${}); {} {} were torn, and {} transactions were visible at the end",
        o.naive.torn,
        o.reads,
        o.total,
        o.naive.worst.0,
        o.naive.worst.1,
        if o.gate_on {
            "behind the commit gate"
        } else {
            "with the gate switched off"
        },
        o.gated.torn,
        o.visible_through,
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a report on a read replica sums the balances between a transfer's debit and \
                  its credit"
            .into(),
        tables: vec![table, transfers],
        notes: vec![
            "each transfer is two rows (the new balances) and a commit marker announcing two \
             rows; each message reaches the replica after 5 ms plus an exponential delay \
             (mean 40 ms), so they arrive apart and out of order"
                .into(),
            "the gate keeps a transaction's rows aside until its marker and both rows are \
             there and every earlier transaction is exposed; readers see the last complete \
             commit"
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
    name: "torn-transfer",
    number: 10,
    title: "Torn read: the bank transfer",
    crate_name: "ward-quorum",
    summary: "a report on a replica sees a transfer's debit without its credit",
    primitives: &[crate::Primitive::CommitGate],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
