//! Scenario 6: PN-counters converge on a negative stock; the strict quorum never oversells
//! and turns the cut-off region's buyers away.

use ward_examples::scenarios::oversell::{Answer, CUT_OFF, run};

#[test]
fn pn_counter_oversells_and_the_strict_quorum_does_not() {
    for seed in [1, 2, 4] {
        let o = run(seed).expect("the simulation runs");
        assert!(o.anomaly_observed(), "seed {seed}: {o:#?}");
        assert!(o.prevented(), "seed {seed}: {o:#?}");
        // The PN-counter converged: every region reads the same (negative) value, and that
        // value is exactly stock minus sales.
        let expected = i128::from(o.stock) - i128::try_from(o.pn.sold).unwrap();
        assert!(o.pn.final_stock.iter().all(|&v| v == expected), "{o:#?}");
        // Everyone got an answer in both designs.
        assert_eq!(o.pn.unanswered, 0);
        let answered: usize = o.quorum.answers.iter().map(|(_, _, n)| n).sum();
        assert_eq!(answered, o.buyers);
        // The price is paid by the cut-off region alone; the PN-counter stayed available.
        for (region, answer, _) in &o.quorum.answers {
            assert_eq!(region == CUT_OFF, *answer == Answer::Unavailable, "{o:#?}");
        }
        assert_eq!(o.pn.count(Answer::Unavailable), 0);
    }
}
