//! Scenario 11: physical clocks let a later transaction take an earlier timestamp;
//! commit-wait on an uncertainty interval never does.

use ward_examples::scenarios::commit_wait::{BOUND, run, run_with};
use ward_examples::{Primitive, Switches};

#[test]
fn physical_clocks_invert_and_commit_wait_does_not() {
    let bound = BOUND.as_micros() as u64;
    for seed in [1, 2, 3, 4] {
        let o = run(seed).expect("runs");
        assert!(o.anomaly_observed(), "seed {seed}: offsets {:?}", o.offsets);
        assert!(o.prevented(), "seed {seed}");
        assert!(o.offsets.iter().all(|x| x.unsigned_abs() <= bound));
        for p in &o.pairs {
            // Timestamps taken as the interval's latest are the physical reading plus the
            // bound, so the Ward T1 is the naive T1 plus the bound.
            assert_eq!(p.ward.0, p.naive.0 + bound, "{p:?}");
            // The wait is about twice the bound, never more than twice plus a microsecond.
            assert!(
                p.waited_micros > 0 && p.waited_micros <= 2 * bound + 1,
                "{p:?}"
            );
            assert!(p.ward.1 > p.ward.0, "{p:?}");
        }
        // Only pairs whose T2 node runs behind T1's can invert naively.
        for p in o.pairs.iter().filter(|p| p.naive.1 <= p.naive.0) {
            assert!(o.offsets[p.nodes.1] < o.offsets[p.nodes.0], "{p:?}");
        }
    }
}

#[test]
fn without_the_wait_the_interval_alone_does_not_help() {
    let o = run_with(1, Switches::default().without(Primitive::CommitWait)).expect("runs");
    assert!(!o.prevented());
    assert!(o.ward_inversions() > 0);
    assert_eq!(o.max_wait_micros(), 0);
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}
