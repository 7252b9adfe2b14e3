//! Scenario 2: wall-clock last-write-wins keeps the old email; HLC stamps keep the new one,
//! and a drift bound below the skew refuses the fast server's stamp.

use ward_examples::scenarios::clock_skew::{TIGHT_BOUND, run};

#[test]
fn wall_clock_lww_loses_the_change_and_hlc_keeps_it() {
    for seed in [1, 2, 3, 42] {
        let o = run(seed).expect("the story runs");
        assert!(o.anomaly_observed(), "seed {seed}: {o:#?}");
        assert!(o.prevented(), "seed {seed}: {o:#?}");
        assert_eq!(o.wall_final, ["old@example.com", "old@example.com"]);
        assert_eq!(o.hlc_final, ["new@example.com", "new@example.com"]);
        // The user's change happened later in true time, yet carries the smaller wall stamp.
        assert!(o.writes[1].true_ms > o.writes[0].true_ms);
        assert!(o.writes[1].wall_micros < o.writes[0].wall_micros);
    }
}

#[test]
fn the_refusal_carries_the_measured_drift_and_the_bound() {
    let o = run(9).unwrap();
    let message = o.tight.refused.as_deref().expect("refused");
    let drift = o.tight.measured_drift_micros.expect("a drift");
    assert!(drift > TIGHT_BOUND.as_micros() as u64);
    // A is 3 s ahead and the message took 20-80 ms.
    assert!((2_920_000..=2_980_000).contains(&drift), "{drift}");
    assert!(message.contains("maximum drift 1s"), "{message}");
}
