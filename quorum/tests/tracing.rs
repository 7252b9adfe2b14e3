//! The `tracing` feature's events, under target `ward_quorum`: reads sent to the primary
//! (a session's wait that ran out, a staleness router with no replica in bound), sessions
//! refusing operations below their token, quorums becoming impossible, read repairs,
//! refused commit-gate input and a `tune` that cannot meet its target. The common paths
//! emit nothing.
#![cfg(all(feature = "tracing", feature = "std"))]

use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder, WriteCollector};
use ward_quorum::gate::CommitGate;
use ward_quorum::session::{
    Decision, Guarantee, LagReport, PositionToken, Route, Session, StalenessRouter,
};
use ward_quorum::tune::{Target, cheapest};
use ward_quorum::wars::{Preset, Simulation, WarsDelays};
use ward_testkit::Collect;

#[test]
fn a_session_read_that_gives_up_is_traced() {
    let events = Collect::default().run(|| {
        let token = PositionToken::at(10_u64);
        assert_eq!(token.decide(&10, 0, 0), Decision::Serve);
        assert_eq!(token.decide(&9, 4, 5), Decision::Wait);
        assert_eq!(token.decide(&9, 5, 5), Decision::Primary);
    });
    assert_eq!(
        events,
        [
            "ward_quorum INFO replica has not applied the session's position in time: read routed to the primary waited=5 max_wait=5"
        ]
    );
}

#[test]
fn a_staleness_router_with_no_replica_in_bound_says_why() {
    let events = Collect::default().run(|| {
        let router = StalenessRouter::new(100, 1_000);
        let now = 10_000;
        let report = |lag_ms, observed_at_ms| {
            Some(LagReport {
                lag_ms,
                observed_at_ms,
            })
        };
        let fresh = report(10, 9_990);
        assert!(matches!(
            router.route(now, &[None, fresh]),
            Route::Replica { index: 1, .. }
        ));
        let reports = [
            None,
            report(0, 10_001), // from the future
            report(0, 8_999),  // older than 1,000 ms
            report(95, 9_990), // 95 + 10 > 100
            None,
        ];
        assert_eq!(router.route(now, &reports), Route::Primary);
        assert_eq!(router.route(now, &[]), Route::Primary);
    });
    assert_eq!(
        events,
        [
            "ward_quorum INFO no replica known to be within the staleness bound: read routed to the primary replicas=5 bound_ms=100 unknown=2 future=1 too_old=1 too_stale=1",
            "ward_quorum INFO no replica known to be within the staleness bound: read routed to the primary replicas=0 bound_ms=100 unknown=0 future=0 too_old=0 too_stale=0",
        ]
    );
}

#[test]
fn a_session_refusing_an_operation_below_its_token_is_traced() {
    let events = Collect::default().run(|| {
        let mut s = Session::new(&[Guarantee::MonotonicReads, Guarantee::MonotonicWrites]);
        s.read_at(8_u64).unwrap();
        s.read_at(8).unwrap();
        s.read_at(7).unwrap_err();
        s.wrote(3).unwrap();
        s.wrote(3).unwrap_err();
    });
    assert_eq!(
        events,
        [
            "ward_quorum WARN session refused an operation below its token operation=\"read\"",
            "ward_quorum WARN session refused an operation below its token operation=\"write\"",
        ]
    );
}

#[test]
fn a_quorum_becoming_impossible_is_traced_once() {
    let events = Collect::default().run(|| {
        let mut w = WriteCollector::new(4, 3).unwrap();
        assert_eq!(w.ack(0).unwrap(), QuorumStatus::Pending);
        assert_eq!(w.fail(1).unwrap(), QuorumStatus::Pending);
        assert_eq!(w.fail(1).unwrap(), QuorumStatus::Pending); // a repeat: ignored
        assert_eq!(w.fail(2).unwrap(), QuorumStatus::Impossible);
        assert_eq!(w.fail(3).unwrap(), QuorumStatus::Impossible);
        // Failures after the quorum is reached are not news.
        let mut reached = WriteCollector::new(2, 1).unwrap();
        reached.ack(0).unwrap();
        reached.fail(1).unwrap();
        let mut r = ReadCollector::<u8, _>::new(2, 2, TotalOrder).unwrap();
        assert_eq!(r.fail(1).unwrap(), QuorumStatus::Impossible);
        assert_eq!(r.fail(0).unwrap(), QuorumStatus::Impossible);
    });
    assert_eq!(
        events,
        [
            "ward_quorum WARN quorum can no longer be reached kind=\"write\" replicas=4 needed=3 failures=2 answered=1",
            "ward_quorum WARN quorum can no longer be reached kind=\"read\" replicas=2 needed=2 failures=1 answered=0",
        ]
    );
}

#[test]
fn a_read_that_needs_repair_is_traced() {
    let events = Collect::default().run(|| {
        let mut agree = ReadCollector::new(3, 2, TotalOrder).unwrap();
        agree.respond(0, 7_u64).unwrap();
        agree.respond(1, 7).unwrap();
        assert!(agree.outcome().unwrap().repair().is_empty());
        let mut stale = ReadCollector::new(3, 3, TotalOrder).unwrap();
        stale.respond(0, 7_u64).unwrap();
        stale.respond(1, 5).unwrap();
        stale.respond(2, 6).unwrap();
        assert_eq!(stale.outcome().unwrap().repair(), [1, 2]);
    });
    assert_eq!(
        events,
        [
            "ward_quorum DEBUG read repair: replicas hold older or concurrent values replies=3 repair=2 newest=1"
        ]
    );
}

#[test]
fn refused_commit_gate_input_is_traced() {
    let events = Collect::default().run(|| {
        let mut g = CommitGate::new();
        g.apply(1, 'a', 1).unwrap();
        g.apply(1, 'b', 2).unwrap();
        g.commit(1, 1).unwrap_err();
        g.apply(2, 'a', 1).unwrap();
        g.commit(3, 1).unwrap();
        g.commit(3, 2).unwrap_err();
        g.apply(3, 'x', 1).unwrap();
        g.apply(3, 'y', 1).unwrap_err();
    });
    assert_eq!(
        events,
        [
            "ward_quorum WARN commit gate refused a row or marker error=transaction 1 announced 1 rows but has more",
            "ward_quorum WARN commit gate refused a row or marker error=transaction 3 announced 1 rows, then 2",
            "ward_quorum WARN commit gate refused a row or marker error=transaction 3 announced 1 rows but has more",
        ]
    );
}

#[test]
fn a_tune_that_cannot_meet_its_target_is_traced() {
    let delays = WarsDelays::preset(Preset::LnkdSsd);
    let sim = Simulation::new(200, 1).unwrap();
    let events = Collect::default().run(|| {
        let met = Target::new(0.5, 0.0, 0.5, f64::INFINITY, f64::INFINITY).unwrap();
        assert!(cheapest(3, &delays, &met, &sim).unwrap().is_some());
        // No write is acknowledged in zero time.
        let unmet = Target::new(0.5, 2.5, 0.5, f64::INFINITY, 0.0).unwrap();
        assert!(cheapest(3, &delays, &unmet, &sim).unwrap().is_none());
    });
    assert_eq!(
        events,
        [
            "ward_quorum WARN no quorum configuration meets the tuning target n=3 candidates=9 consistency=0.5 t=2.5 best_consistency_lower=1.0"
        ]
    );
}
