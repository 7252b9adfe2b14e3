//! Commit-marker gating against torn reads: random interleavings of row application,
//! markers and reads never show a violated invariant.

#![cfg(feature = "std")]

use std::collections::BTreeMap;

use proptest::prelude::*;
use ward_quorum::gate::{CommitGate, GateError};

const TOTAL: i64 = 1_000;
const ACCOUNTS: usize = 3;

/// A replication message: a row of a transaction, or its commit marker.
#[derive(Debug, Clone, PartialEq)]
enum Msg {
    Row(u64, usize, i64),
    Marker(u64, usize),
}

/// Transfers between accounts as the primary commits them, starting from an opening
/// transaction that puts the whole total in account 0. Returns each transaction's rows.
fn transfers(moves: &[(usize, usize, i64)]) -> Vec<Vec<(usize, i64)>> {
    let mut balance = [0_i64; ACCOUNTS];
    balance[0] = TOTAL;
    let mut txs = vec![(0..ACCOUNTS).map(|a| (a, balance[a])).collect::<Vec<_>>()];
    for &(from, to, amount) in moves {
        if from == to {
            continue;
        }
        let amount = amount.min(balance[from]);
        balance[from] -= amount;
        balance[to] += amount;
        txs.push(vec![(from, balance[from]), (to, balance[to])]);
    }
    txs
}

/// Every message of every transaction (rows, marker, and some duplicates), shuffled by
/// `order` (a permutation key per message).
fn messages(txs: &[Vec<(usize, i64)>], order: &[u32], dups: &[bool]) -> Vec<Msg> {
    let mut msgs = Vec::new();
    for (i, rows) in txs.iter().enumerate() {
        let tx = i as u64 + 1;
        for &(account, value) in rows {
            msgs.push(Msg::Row(tx, account, value));
        }
        msgs.push(Msg::Marker(tx, rows.len()));
    }
    let extra: Vec<Msg> = msgs
        .iter()
        .zip(dups.iter().cycle())
        .filter(|(_, d)| **d)
        .map(|(m, _)| m.clone())
        .collect();
    msgs.extend(extra);
    let mut keyed: Vec<(u32, usize, Msg)> = msgs
        .into_iter()
        .enumerate()
        .map(|(i, m)| (order.get(i).copied().unwrap_or(0), i, m))
        .collect();
    keyed.sort_by_key(|(k, i, _)| (*k, *i));
    keyed.into_iter().map(|(_, _, m)| m).collect()
}

/// Transfers `(from, to, amount)`, a delivery order key per message, and which messages
/// are delivered twice.
type History = (Vec<(usize, usize, i64)>, Vec<u32>, Vec<bool>);

fn arbitrary_history() -> impl Strategy<Value = History> {
    (
        prop::collection::vec((0..ACCOUNTS, 0..ACCOUNTS, 0_i64..=TOTAL), 0..12),
        prop::collection::vec(any::<u32>(), 64),
        prop::collection::vec(any::<bool>(), 1..8),
    )
}

proptest! {
    /// After every delivered message, a reader sees either nothing or balances that add up
    /// to the total, as of a prefix of the commits; at the end everything is visible and
    /// equals the primary's final state.
    #[test]
    fn prop_no_reader_sees_a_torn_transfer((moves, order, dups) in arbitrary_history()) {
        let txs = transfers(&moves);
        let mut gate = CommitGate::new();
        let mut last = 0;
        for msg in messages(&txs, &order, &dups) {
            match msg {
                Msg::Row(tx, account, value) => { gate.apply(tx, account, value).unwrap(); }
                Msg::Marker(tx, rows) => gate.commit(tx, rows).unwrap(),
            }
            let through = gate.visible_through();
            prop_assert!(through >= last);
            last = through;
            let seen: BTreeMap<usize, i64> = gate.snapshot().map(|(k, v)| (*k, *v)).collect();
            // The state as of commit `through`, computed from the transactions in order.
            let mut expected = BTreeMap::new();
            for rows in &txs[..through as usize] {
                expected.extend(rows.iter().copied());
            }
            prop_assert_eq!(&seen, &expected);
            if through > 0 {
                prop_assert_eq!(seen.values().sum::<i64>(), TOTAL);
            }
        }
        prop_assert_eq!(gate.visible_through(), txs.len() as u64);
        prop_assert!(gate.pending_transactions().is_empty());
    }
}

/// The same deliveries applied straight to a table (no gate) do tear: the invariant check
/// above can fail.
#[test]
fn applying_rows_as_they_arrive_tears_the_transfer() {
    let txs = transfers(&[(0, 1, 1_000)]);
    let mut table = BTreeMap::new();
    let mut torn = false;
    for msg in messages(&txs, &[0, 0, 0, 0, 0, 1, 0], &[false]) {
        if let Msg::Row(_, account, value) = msg {
            table.insert(account, value);
        }
        let sum: i64 = table.values().sum();
        torn |= table.len() == ACCOUNTS && sum != TOTAL;
    }
    assert!(torn);
}

#[test]
fn bad_markers_and_rows_are_rejected_without_change() {
    let mut g = CommitGate::new();
    assert_eq!(g.apply(0, 'a', 1), Err(GateError::ZeroTransaction));
    g.apply(1, 'a', 1).unwrap();
    g.apply(1, 'b', 2).unwrap();
    assert_eq!(
        g.commit(1, 1),
        Err(GateError::TooManyRows {
            tx: 1,
            announced: 1
        })
    );
    assert_eq!(g.visible_through(), 0);
    g.apply(2, 'c', 3).unwrap();
    g.commit(2, 2).unwrap();
    assert_eq!(
        g.commit(2, 3),
        Err(GateError::ConflictingMarker {
            tx: 2,
            announced: 2,
            again: 3
        })
    );
    g.apply(2, 'd', 4).unwrap();
    assert_eq!(
        g.apply(2, 'e', 5),
        Err(GateError::TooManyRows {
            tx: 2,
            announced: 2
        })
    );
    assert_eq!(g.visible_through(), 0);
    assert_eq!(g.pending_transactions(), [1, 2]);
    assert_eq!(g.read(&'a'), None);
    g.commit(1, 2).unwrap();
    assert_eq!(g.visible_through(), 2);
    assert_eq!((g.read(&'a'), g.read(&'d')), (Some(&1), Some(&4)));
    assert!(g.pending_transactions().is_empty());
    assert_eq!(g.snapshot().count(), 4);
    // A late marker or row of an exposed transaction changes nothing.
    g.commit(1, 5).unwrap();
    assert_eq!(g.apply(2, 'z', 9), Ok(false));
    assert_eq!(g.read(&'z'), None);
    assert_eq!(
        GateError::TooManyRows {
            tx: 7,
            announced: 2
        }
        .to_string(),
        "transaction 7 announced 2 rows but has more"
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<CommitGate<String, Vec<u8>>>();
    check::<GateError>();
    check::<ward_quorum::session::Session<u64>>();
    check::<ward_quorum::session::StalenessRouter>();
    check::<ward_quorum::load::Load>();
}
