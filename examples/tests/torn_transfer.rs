//! Scenario 10: rows applied on arrival tear a transfer; the commit gate shows whole
//! transactions only.

use ward_examples::scenarios::torn_transfer::{
    ACCOUNTS, OPENING, Outcome, READS, Reads, run, run_with,
};
use ward_examples::{Primitive, Switches};

#[test]
fn rows_on_arrival_tear_transfers_and_the_gate_does_not() {
    for seed in [1, 2, 3, 4] {
        let o = run(seed).expect("runs");
        assert!(o.anomaly_observed(), "seed {seed}");
        assert!(o.prevented(), "seed {seed}: {:#?}", o.gated);
        assert_eq!(o.total, OPENING * ACCOUNTS.len() as i64);
        assert_eq!(o.naive.seen.len(), READS);
        // Every gated report saw the bank's total, and reports never go back in time.
        assert!(o.gated.seen.iter().all(|&(_, t)| t == o.total));
        assert!(o.gated.seen.windows(2).all(|w| w[0].0 <= w[1].0));
        // The naive count of torn reports is what its totals say.
        let torn = o.naive.seen.iter().filter(|&&(_, t)| t != o.total).count();
        assert_eq!(torn, o.naive.torn);
        // A transfer never overdraws on the primary.
        assert!(o.transfers.iter().all(|t| t.amount > 0 && t.from != t.to));
        // Whole hundreds, at most $500; transactions numbered in commit order from 2.
        assert!(
            o.transfers
                .iter()
                .all(|t| t.amount % 100 == 0 && t.amount <= 500)
        );
        assert!(
            o.transfers
                .iter()
                .enumerate()
                .all(|(k, t)| t.tx == k as u64 + 2)
        );
        assert!(o.transfers.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    }
}

#[test]
fn without_the_gate_both_replicas_are_the_same() {
    let o = run_with(3, Switches::default().without(Primitive::CommitGate)).expect("runs");
    assert!(!o.prevented());
    assert_eq!(o.gated, o.naive);
    // Without the gate every arrival is visible at once.
    assert_eq!(o.visible_through, o.transfers.len() as u64 + 1);
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}

#[test]
fn the_verdict_predicates_read_the_reports() {
    let reads = |torn: usize, final_total: i64| Reads {
        torn,
        worst: (5_000, 5_000),
        first_torn: None,
        final_total,
        seen: Vec::new(),
    };
    let base = run(1).expect("runs");
    let with = |naive: Reads, gated: Reads, visible_through: u64| Outcome {
        naive,
        gated,
        visible_through,
        ..base.clone()
    };
    let all = base.transfers.len() as u64 + 1;
    let calm = with(reads(0, 5_000), reads(0, 5_000), all);
    assert!(!calm.anomaly_observed());
    assert!(calm.prevented());
    assert!(with(reads(1, 5_000), reads(0, 5_000), all).anomaly_observed());
    // Each condition of the prevention fails it alone.
    assert!(!with(reads(1, 5_000), reads(1, 5_000), all).prevented());
    assert!(!with(reads(1, 5_000), reads(0, 4_900), all).prevented());
    assert!(!with(reads(1, 5_000), reads(0, 5_000), all - 1).prevented());
}
