//! Scenario 9: a lagging replica shows a user their old avatar; the read-your-writes token
//! makes the replica wait or send the read to the primary.

use ward_examples::scenarios::read_your_writes::{
    MAX_WAIT_MS, Outcome, Reload, Served, run, run_with,
};
use ward_examples::{Primitive, Switches};

#[test]
fn a_lagging_replica_shows_the_old_avatar_and_the_token_never_does() {
    for seed in [1, 2, 3, 4] {
        let o = run(seed).expect("runs");
        assert!(o.anomaly_observed(), "seed {seed}");
        assert!(o.prevented(), "seed {seed}: {o:#?}");
        for r in &o.reloads {
            // The naive answer is exactly what the replica had applied.
            assert_eq!(r.naive_saw_new, r.applied_then >= r.position, "{r:?}");
            assert!(r.ward_saw_new, "{r:?}");
            match r.ward_served {
                // Served at once only where the replica already had the upload.
                Served::Replica => {
                    assert_eq!(r.ward_waited_ms, 0);
                    assert!(r.naive_saw_new, "{r:?}");
                }
                Served::ReplicaAfterWait => {
                    assert!(r.ward_waited_ms > 0 && r.ward_waited_ms <= MAX_WAIT_MS);
                }
                Served::Primary => assert_eq!(r.ward_waited_ms, MAX_WAIT_MS),
            }
        }
        // A replica never applies an upload that has not committed yet, and some had
        // caught up by the reload.
        for r in &o.reloads {
            let committed = o
                .reloads
                .iter()
                .filter(|u| u.uploaded_ms <= r.reloaded_ms)
                .count() as u64;
            assert!(r.applied_then <= committed, "{r:?}");
        }
        assert!(o.served(Served::Replica) > 0);
        // Positions are the log's: 1, 2, 3, ... in upload order.
        assert!(
            o.reloads
                .iter()
                .enumerate()
                .all(|(i, r)| r.position == i as u64 + 1)
        );
        // Log positions follow the uploads' commit order.
        assert!(
            o.reloads
                .windows(2)
                .all(|w| w[0].position < w[1].position && w[0].uploaded_ms <= w[1].uploaded_ms)
        );
    }
}

#[test]
fn without_the_session_the_replica_serves_stale_reads() {
    let o = run_with(2, Switches::default().without(Primitive::Session)).expect("runs");
    assert!(!o.prevented());
    assert_eq!(o.ward_violations(), o.naive_violations());
    assert_eq!(o.served(Served::Replica), o.reloads.len());
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}

fn reload(naive_saw_new: bool, ward_saw_new: bool, ward_served: Served) -> Reload {
    Reload {
        user: 0,
        uploaded_ms: 0,
        position: 1,
        reloaded_ms: 10,
        replica: 0,
        applied_then: u64::from(naive_saw_new),
        naive_saw_new,
        ward_saw_new,
        ward_served,
        ward_waited_ms: 0,
    }
}

#[test]
fn the_verdict_predicates_read_the_reloads() {
    let outcome = |reloads: Vec<Reload>| Outcome {
        reloads,
        mean_lag_ms: vec![100, 100],
        session_on: true,
    };
    let fresh = outcome(vec![reload(true, true, Served::Replica)]);
    assert!(!fresh.anomaly_observed());
    // The guarantee did no work: not counted as prevention.
    assert!(!fresh.prevented());
    let waited = outcome(vec![
        reload(false, true, Served::ReplicaAfterWait),
        reload(true, true, Served::Replica),
    ]);
    assert!(waited.anomaly_observed() && waited.prevented());
    let primary = outcome(vec![reload(false, true, Served::Primary)]);
    assert!(primary.prevented());
    assert_eq!(primary.served(Served::Primary), 1);
    // One stale Ward read fails it.
    let stale = outcome(vec![
        reload(false, true, Served::Primary),
        reload(false, false, Served::Replica),
    ]);
    assert_eq!(stale.ward_violations(), 1);
    assert!(!stale.prevented());
}
