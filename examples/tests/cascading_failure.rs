//! Scenario 8: naive retries turn one dead replica into a dead pool; breakers and a retry
//! budget keep the survivors alive.

use ward_examples::scenarios::cascading_failure::{CAPACITY, DEMAND, REPLICAS, run};

#[test]
fn retries_cascade_naively_and_breakers_with_a_budget_contain_it() {
    for seed in [1, 2, 3] {
        let o = run(seed).expect("valid breaker and budget settings");
        assert!(o.anomaly_observed(), "seed {seed}: {:#?}", o.naive);
        assert!(o.prevented(), "seed {seed}: {:#?}", o.ward);
        // The naive client lost more than the replica that died.
        assert!(o.naive.crashes.len() >= 2);
        assert_eq!(o.naive.crashes[0].0, 0);
        // With Ward only the planned death happened, and most requests still succeeded.
        assert_eq!(o.ward.crashes.len(), 1);
        assert!(o.ward.success_rate() > 0.8, "seed {seed}: {:#?}", o.ward);
        // The naive client offered the survivors more than they can serve; the Ward client
        // kept them near their fair share of the demand.
        assert!(o.naive.survivor_peak > CAPACITY);
        let fair = DEMAND as f64 / (REPLICAS - 1) as f64;
        assert!(
            o.ward.survivor_load < fair * 1.1,
            "seed {seed}: {:#?}",
            o.ward
        );
        assert!(o.ward.rejected_by_breakers > 0);
        // Without retries the survivors live too, so the retries caused the cascade; but
        // the dead replica's share is lost, which the breaker and budget win back.
        assert_eq!(o.no_retries.alive_at_end, REPLICAS - 1);
        assert!(o.no_retries.success_rate() < o.ward.success_rate());
    }
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}
