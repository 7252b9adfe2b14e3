//! Scenario 7: without jitter the herd collides; `ward-backoff`'s jitter spreads it.

use ward_examples::scenarios::thundering_herd::{CLIENTS, Retry, run, simulate};

const SEEDS: [u64; 3] = [1, 7, 2024];

#[test]
fn herd_collides_without_jitter_and_not_with_it() {
    for seed in SEEDS {
        let outcome = run(seed, false);
        assert!(outcome.anomaly_observed(), "seed {seed}: {outcome:#?}");
        assert!(outcome.prevented(), "seed {seed}: {outcome:#?}");
        for r in &outcome.runs {
            assert_eq!(r.clients, CLIENTS);
            assert_eq!(r.completed, CLIENTS, "seed {seed}: {r:?}");
            // Every client needs at least one call; a collision costs more.
            assert!(r.calls >= CLIENTS as u64);
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_run() {
    for s in Retry::ALL {
        assert_eq!(simulate(s, 30, 5), simulate(s, 30, 5));
    }
    assert_ne!(
        simulate(Retry::FullJitter, 30, 5),
        simulate(Retry::FullJitter, 30, 6)
    );
}

#[test]
fn exponential_without_jitter_is_slowest_to_finish() {
    // The blog's observation: synchronised exponential backoff stretches completion time
    // far beyond every jittered strategy.
    for seed in SEEDS {
        let o = run(seed, false);
        let exp = o.run_of(Retry::Exponential).completion_nanos;
        for s in Retry::ALL.into_iter().filter(|s| s.is_jittered()) {
            assert!(o.run_of(s).completion_nanos < exp, "seed {seed}: {s:?}");
        }
    }
}

#[test]
fn work_grows_faster_than_the_herd_without_backoff() {
    let small = simulate(Retry::NoBackoff, 20, 3).calls_per_client();
    let large = simulate(Retry::NoBackoff, 80, 3).calls_per_client();
    assert!(large > 2.0 * small, "{small} vs {large}");
}
