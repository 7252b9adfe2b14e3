//! Scenario 8: naive retries turn one dead replica into a dead pool; breakers and a retry
//! budget keep the survivors alive.

use ward_examples::scenarios::cascading_failure::{
    CAPACITY, Client, DEMAND, REPLICAS, Run, WIN_BACK, run, run_with,
};
use ward_examples::{Primitive, Switches};

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

/// The naive and Ward clients once routed differently (round-robin against a random
/// replica with a second choice), so the comparison did not isolate the primitives. With
/// both primitives switched off, the Ward client must be the naive client, attempt for
/// attempt.
#[test]
fn regression_cascading_failure_clients_differ_only_by_primitives() {
    let off = Switches::default()
        .without(Primitive::Breaker)
        .without(Primitive::RetryBudget);
    for seed in [1, 2, 3] {
        let o = run_with(seed, off).expect("valid settings");
        let ward_as_naive = Run {
            client: Client::Naive,
            ..o.ward.clone()
        };
        assert_eq!(ward_as_naive, o.naive, "seed {seed}");
    }
}

/// The retry budget once refused no retry in the normal run, so it carried nothing.
#[test]
fn regression_cascading_failure_budget_refuses_retries_in_the_normal_run() {
    for seed in [1, 2, 3] {
        let o = run(seed).expect("valid settings");
        assert!(o.ward.retries_refused > 0, "seed {seed}: {:#?}", o.ward);
    }
}

/// With the retry budget switched off the scenario once still passed: the breakers alone
/// carried it. Now the breakers' retries take the survivors down without the budget.
#[test]
fn regression_cascading_failure_fails_without_the_retry_budget() {
    for seed in [1, 2, 3, 4, 5] {
        let o = run_with(seed, Switches::default().without(Primitive::RetryBudget))
            .expect("valid settings");
        assert!(o.anomaly_observed(), "seed {seed}");
        assert!(!o.prevented(), "seed {seed}: {:#?}", o.ward);
        // The failure is the anomaly itself: a survivor crashed.
        assert!(
            o.ward.alive_at_end < REPLICAS - 1,
            "seed {seed}: {:#?}",
            o.ward
        );
    }
}

/// Without the breakers, the dead replica's timeouts spend the budget and its share of the
/// requests is lost: the client wins back less than [`WIN_BACK`] over not retrying.
#[test]
fn cascading_failure_fails_without_the_breakers() {
    for seed in [1, 2, 3, 4, 5] {
        let o = run_with(seed, Switches::default().without(Primitive::Breaker))
            .expect("valid settings");
        assert!(!o.prevented(), "seed {seed}: {:#?}", o.ward);
        assert_eq!(o.ward.alive_at_end, REPLICAS - 1, "seed {seed}");
        assert!(
            o.ward.success_rate() < o.no_retries.success_rate() + WIN_BACK,
            "seed {seed}"
        );
        assert_eq!(o.ward.rejected_by_breakers, 0);
    }
}
