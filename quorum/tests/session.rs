//! Session guarantees against a model of a primary and lagging replicas, and
//! bounded-staleness routing.

#![cfg(feature = "std")]

use proptest::prelude::*;
use ward_quorum::session::{
    Decision, Guarantee, LagReport, PositionToken, Route, Session, SessionError, StalenessRouter,
};

#[derive(Debug, Clone)]
enum Op {
    /// The session writes (at the primary, or at replica `i` under multi-primary).
    Write(usize),
    /// The session reads at replica `i`.
    Read(usize),
    /// Replica `i` applies `k` more log entries (never past the primary).
    Replicate(usize, u64),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        (0_usize..3).prop_map(Op::Write),
        (0_usize..3).prop_map(Op::Read),
        (0_usize..3, 0_u64..4).prop_map(|(i, k)| Op::Replicate(i, k)),
    ];
    prop::collection::vec(op, 0..60)
}

/// What the session observed: reads as (position seen), writes as (position written,
/// position the accepting node had applied before the write).
#[derive(Debug, Default)]
struct History {
    reads: Vec<u64>,
    writes: Vec<(u64, u64)>,
    /// For each read, the session's newest write before it.
    write_before_read: Vec<Option<u64>>,
    /// For each write, the session's newest read before it.
    read_before_write: Vec<Option<u64>>,
}

/// Runs `ops` against a primary at position `head` and three replicas with lag. A read
/// goes to the named replica when the session's token allows, else to the primary; a write
/// is accepted by the named replica only when its write token allows (else by the primary),
/// and appended to the log.
fn run(guarantees: &[Guarantee], ops: &[Op], use_tokens: bool) -> History {
    let mut session = Session::new(guarantees);
    let mut head = 0_u64;
    let mut applied = [0_u64; 3];
    let mut h = History::default();
    for op in ops {
        match *op {
            Op::Replicate(i, k) => applied[i] = (applied[i] + k).min(head),
            Op::Read(i) => {
                let at = if !use_tokens
                    || session.read_token().decide(&applied[i], 0, 0) == Decision::Serve
                {
                    applied[i]
                } else {
                    head
                };
                h.write_before_read.push(session.last_write());
                if use_tokens {
                    session.read_at(at).unwrap();
                } else {
                    let _ = session.read_at(at);
                }
                h.reads.push(at);
            }
            Op::Write(i) => {
                let base = if !use_tokens || session.write_token().is_satisfied_by(&applied[i]) {
                    applied[i]
                } else {
                    head
                };
                head += 1;
                h.read_before_write.push(session.last_read());
                let _ = session.wrote(head);
                h.writes.push((head, base));
            }
        }
    }
    h
}

fn read_your_writes(h: &History) -> bool {
    h.reads
        .iter()
        .zip(&h.write_before_read)
        .all(|(r, w)| w.is_none_or(|w| *r >= w))
}

fn monotonic_reads(h: &History) -> bool {
    h.reads.windows(2).all(|w| w[0] <= w[1])
}

fn monotonic_writes(h: &History) -> bool {
    // Each write was accepted by a node that had applied the session's previous write.
    h.writes.windows(2).all(|w| w[1].1 >= w[0].0)
}

fn writes_follow_reads(h: &History) -> bool {
    h.writes
        .iter()
        .zip(&h.read_before_write)
        .all(|((_, base), r)| r.is_none_or(|r| *base >= r))
}

proptest! {
    #[test]
    fn prop_read_your_writes(ops in ops()) {
        prop_assert!(read_your_writes(&run(&[Guarantee::ReadYourWrites], &ops, true)));
    }

    #[test]
    fn prop_monotonic_reads(ops in ops()) {
        prop_assert!(monotonic_reads(&run(&[Guarantee::MonotonicReads], &ops, true)));
    }

    #[test]
    fn prop_monotonic_writes(ops in ops()) {
        prop_assert!(monotonic_writes(&run(&[Guarantee::MonotonicWrites], &ops, true)));
    }

    #[test]
    fn prop_writes_follow_reads(ops in ops()) {
        prop_assert!(writes_follow_reads(&run(&[Guarantee::WritesFollowReads], &ops, true)));
    }

    /// All four at once hold together, and the session's records match the history.
    #[test]
    fn prop_all_guarantees(ops in ops()) {
        let h = run(&Guarantee::ALL, &ops, true);
        prop_assert!(read_your_writes(&h) && monotonic_reads(&h));
        prop_assert!(monotonic_writes(&h) && writes_follow_reads(&h));
    }
}

/// Without the tokens the model does break each guarantee: the checks can fail.
#[test]
fn lagging_replicas_break_every_guarantee_without_tokens() {
    use Op::*;
    // Write 1 at the primary; replica 0 is still at 0.
    let h = run(&[], &[Write(1), Read(0)], false);
    assert!(!read_your_writes(&h));
    let h = run(&[], &[Write(1), Replicate(1, 1), Read(1), Read(0)], false);
    assert!(!monotonic_reads(&h));
    let h = run(&[], &[Write(1), Write(0)], false);
    assert!(!monotonic_writes(&h));
    let h = run(&[], &[Write(1), Replicate(1, 1), Read(1), Write(0)], false);
    assert!(!writes_follow_reads(&h));
    // With the tokens the same histories are fine.
    let h = run(
        &Guarantee::ALL,
        &[Write(1), Replicate(1, 1), Read(1), Read(0), Write(0)],
        true,
    );
    assert!(read_your_writes(&h) && monotonic_reads(&h) && monotonic_writes(&h));
    assert!(writes_follow_reads(&h));
}

#[test]
fn tokens_decisions_and_errors() {
    let mut s = Session::new(&[Guarantee::ReadYourWrites]);
    assert_eq!(s.read_token(), PositionToken::none());
    s.wrote(u64::MAX).unwrap();
    assert_eq!(s.read_token(), PositionToken::at(u64::MAX));
    assert_eq!(s.read_at(u64::MAX - 1), Err(SessionError::BelowToken));
    assert_eq!(s.last_read(), None);
    s.read_at(u64::MAX).unwrap();
    // A write older than the last one does not lower the token.
    let mut m = Session::new(&[Guarantee::ReadYourWrites]);
    m.wrote(9_u64).unwrap();
    m.wrote(3).unwrap();
    assert_eq!(m.read_token().required, Some(9));
    let t = PositionToken::at(5_u64);
    assert_eq!(t.decide(&4, 9, 10), Decision::Wait);
    assert_eq!(t.decide(&4, 10, 10), Decision::Primary);
    assert_eq!(t.decide(&5, u64::MAX, 0), Decision::Serve);
    assert_eq!(
        SessionError::BelowToken.to_string(),
        "the position is below what the session's guarantees require"
    );
}

#[cfg(feature = "serde")]
#[test]
fn position_tokens_round_trip_and_reject_unknown_fields() {
    let t = PositionToken::at(42_u64);
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, r#"{"required":42}"#);
    assert_eq!(
        serde_json::from_str::<PositionToken<u64>>(&json).unwrap(),
        t
    );
    assert!(serde_json::from_str::<PositionToken<u64>>(r#"{"required":1,"x":2}"#).is_err());
}

/// A token stripped of its field (`{}`) used to decode as "requires nothing", silently
/// dropping read-your-writes; it is refused, while an explicit `null` still means none.
#[cfg(feature = "serde")]
#[test]
fn regression_a_token_without_its_field_is_refused() {
    assert!(serde_json::from_str::<PositionToken<u64>>("{}").is_err());
    let none = serde_json::to_string(&PositionToken::<u64>::none()).unwrap();
    assert_eq!(none, r#"{"required":null}"#);
    assert_eq!(
        serde_json::from_str::<PositionToken<u64>>(&none).unwrap(),
        PositionToken::none()
    );
}

fn report() -> impl Strategy<Value = Option<LagReport>> {
    prop::option::of((
        prop_oneof![Just(0_u64), Just(u64::MAX), 0_u64..2_000],
        prop_oneof![Just(0_u64), Just(u64::MAX), 0_u64..20_000],
    ))
    .prop_map(|r| {
        r.map(|(lag_ms, observed_at_ms)| LagReport {
            lag_ms,
            observed_at_ms,
        })
    })
}

proptest! {
    /// The route is the model's: the freshest replica whose trusted worst-case staleness
    /// is within the bound, else the primary.
    #[test]
    fn prop_routing_matches_model(
        bound in 0_u64..3_000,
        max_age in 0_u64..5_000,
        now in prop_oneof![Just(0_u64), Just(u64::MAX), 0_u64..20_000],
        reports in prop::collection::vec(report(), 0..6),
    ) {
        let router = StalenessRouter::new(bound, max_age);
        let mut best: Option<(u64, usize)> = None;
        for (i, r) in reports.iter().enumerate() {
            let Some(r) = r else { continue };
            if r.observed_at_ms > now || now - r.observed_at_ms > max_age {
                continue;
            }
            let s = u128::from(r.lag_ms) + u128::from(now - r.observed_at_ms);
            if s <= u128::from(bound) && best.is_none_or(|(b, _)| s < u128::from(b)) {
                best = Some((s as u64, i));
            }
        }
        let expected = best.map_or(Route::Primary, |(staleness_ms, index)| Route::Replica {
            index,
            staleness_ms,
        });
        prop_assert_eq!(router.route(now, &reports), expected);
    }
}

#[test]
fn unknown_stale_and_future_lag_go_to_the_primary() {
    let r = StalenessRouter::new(1_000, 500);
    let fresh = LagReport {
        lag_ms: 10,
        observed_at_ms: 100,
    };
    assert_eq!(r.route(100, &[None, None]), Route::Primary);
    assert_eq!(r.route(601, &[Some(fresh)]), Route::Primary); // report 501 ms old
    assert_eq!(
        r.route(600, &[Some(fresh)]),
        Route::Replica {
            index: 0,
            staleness_ms: 510
        }
    );
    assert_eq!(r.route(99, &[Some(fresh)]), Route::Primary); // observed in the future
    let huge = LagReport {
        lag_ms: u64::MAX,
        observed_at_ms: 0,
    };
    assert_eq!(
        StalenessRouter::new(u64::MAX, u64::MAX).staleness(10, Some(huge)),
        Some(u64::MAX)
    );
}
