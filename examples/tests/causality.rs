//! Scenario 3: over turmoil's simulated links the reply overtakes the post; the causal
//! buffer holds it back.

use ward_examples::scenarios::causality::{Delivery, run};

#[test]
fn reply_overtakes_post_naively_and_waits_with_the_buffer() {
    for seed in [1, 2, 3] {
        let o = run(seed).expect("the simulation runs");
        assert!(o.anomaly_observed(), "seed {seed}: {o:#?}");
        assert!(o.prevented(), "seed {seed}: {o:#?}");
        assert_eq!(o.naive.delivery, Delivery::Naive);
        assert_eq!(o.naive.carol.len(), o.causal.carol.len());
        // Every reply waited for exactly one post, which the buffer named.
        assert_eq!(o.causal.first_missing, ["alice:1"]);
        // The same posts were shown, in causal order: each reply right after its post.
        for pair in o.causal.carol.chunks(2) {
            assert_eq!(pair[0].post.reply_to, None);
            assert_eq!(pair[1].post.reply_to, Some(pair[0].post.id));
        }
    }
}

#[test]
fn simulation_is_deterministic() {
    assert_eq!(run(5).unwrap(), run(5).unwrap());
}
