//! Scenario 6: a seller past its lock lease writes a stale stock; the plain database
//! oversells, the fenced one refuses the stale write.

use ward_examples::scenarios::oversell::{Answer, Design, REGIONS, run, run_with};
use ward_examples::{Options, Primitive, Switches, scenarios};

#[test]
fn the_plain_database_oversells_and_the_fence_does_not() {
    for seed in [1, 2, 3, 4] {
        let o = run(seed).expect("the simulation runs");
        assert!(o.anomaly_observed(), "seed {seed}: {o:#?}");
        assert!(o.prevented(), "seed {seed}: {o:#?}");
        // The plain database sold more than it had, so at least one write was a lost
        // update: a write of a stock that was already written by a newer token.
        assert!(o.plain.sold as u64 > o.stock);
        let (stalled, _, _) = o.stall.expect("a seller stalled");
        let stale = o
            .plain
            .writes
            .iter()
            .find(|w| w.buyer == stalled)
            .expect("the stalled seller wrote");
        assert_eq!(stale.region, REGIONS[o.region_of(stalled)]);
        // A newer lock holder read the same stock: two buyers were sold the same unit.
        assert!(
            o.plain
                .writes
                .iter()
                .any(|w| w.token > stale.token && w.read == stale.read),
            "a newer holder read the same stock: {o:#?}"
        );
        // The fence refused exactly that seller's stale write, naming the mark.
        let refused = o
            .fenced
            .writes
            .iter()
            .find(|w| w.refused_by_mark.is_some())
            .expect("a refusal");
        assert_eq!(refused.buyer, stalled);
        assert!(refused.refused_by_mark.unwrap() > refused.token);
        // Every unit was sold once; everyone was answered.
        assert_eq!(o.fenced.sold as u64, o.stock);
        assert_eq!(o.fenced.final_stock, 0);
        assert_eq!(
            o.fenced.count(Answer::Sold) + o.fenced.count(Answer::SoldOut),
            o.buyers
        );
    }
}

/// The oversell was once prevented by the scenario's own prepare/commit protocol over
/// quorum collectors, against a naive side that was itself a Ward crate (a PN-counter).
/// Now the naive side is a plain number and a Ward primitive carries the protection:
/// switched off, the scenario fails.
#[test]
fn regression_oversell_protection_is_a_ward_primitive_against_a_plain_design() {
    let s = scenarios::find("oversell").expect("the scenario");
    assert_eq!(s.primitives, [Primitive::Fence]);
    for seed in [1, 2, 3] {
        let on = s.run(&Options::with_seed(seed));
        assert!(on.passed(), "seed {seed}: {}", on.render(false));
        assert_eq!(on.crate_name, "ward-fencing");
        let off = s.run(&Options {
            switches: Switches::default().without(Primitive::Fence),
            ..Options::with_seed(seed)
        });
        assert!(off.anomaly_observed, "seed {seed}");
        assert!(!off.prevented, "seed {seed}: {}", off.render(false));
    }
}

#[test]
fn without_the_fence_both_sides_are_the_same_plain_database() {
    let o = run_with(5, Switches::default().without(Primitive::Fence)).expect("runs");
    assert_eq!(o.fenced.design, Design::Plain);
    assert_eq!(o.fenced, o.plain);
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}
