//! Scenario 10: rows applied on arrival tear a transfer; the commit gate shows whole
//! transactions only.

use ward_examples::scenarios::torn_transfer::{ACCOUNTS, OPENING, READS, run, run_with};
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
    }
}

#[test]
fn without_the_gate_both_replicas_are_the_same() {
    let o = run_with(3, Switches::default().without(Primitive::CommitGate)).expect("runs");
    assert!(!o.prevented());
    assert_eq!(o.gated, o.naive);
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}
