//! Quorum collectors against a naive model, with random response orders, duplicates and
//! failures.

#![cfg(feature = "std")]

use std::cmp::Ordering;

use proptest::prelude::*;
use ward_quorum::collector::{
    CollectorError, PartialOrder, QuorumStatus, ReadCollector, TotalOrder, WriteCollector,
};

#[derive(Debug, Clone)]
enum Event<V> {
    Ok(usize, V),
    Fail(usize),
}

/// The naive model: the first event per replica wins; status from the counts.
fn model_status<V>(
    n: usize,
    needed: usize,
    events: &[Event<V>],
) -> (QuorumStatus, Vec<Option<bool>>) {
    let mut first: Vec<Option<bool>> = vec![None; n];
    for e in events {
        let (i, ok) = match e {
            Event::Ok(i, _) => (*i, true),
            Event::Fail(i) => (*i, false),
        };
        if i < n && first[i].is_none() {
            first[i] = Some(ok);
        }
    }
    let oks = first.iter().filter(|f| **f == Some(true)).count();
    let fails = first.iter().filter(|f| **f == Some(false)).count();
    let status = if oks >= needed {
        QuorumStatus::Reached
    } else if n - fails < needed {
        QuorumStatus::Impossible
    } else {
        QuorumStatus::Pending
    };
    (status, first)
}

fn events<V: std::fmt::Debug + Clone>(
    n: usize,
    value: impl Strategy<Value = V> + Clone,
) -> impl Strategy<Value = Vec<Event<V>>> {
    // Indices up to n + 1 so that unknown replicas are exercised too.
    let event = prop_oneof![
        3 => (0..n + 2, value).prop_map(|(i, v)| Event::Ok(i, v)),
        1 => (0..n + 2).prop_map(Event::Fail),
    ];
    proptest::collection::vec(event, 0..3 * n + 3)
}

/// A two-entry vector clock ordered component-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Vc(u8, u8);

impl PartialOrd for Vc {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        match (self.0.cmp(&o.0), self.1.cmp(&o.1)) {
            (a, b) if a == b => Some(a),
            (Ordering::Equal, b) => Some(b),
            (a, Ordering::Equal) => Some(a),
            _ => None,
        }
    }
}

/// A total order on clocks for ties (equal clocks are equal values here).
fn lex(a: &Vc, b: &Vc) -> Ordering {
    (a.0, a.1).cmp(&(b.0, b.1))
}

fn vc() -> impl Strategy<Value = Vc> + Clone {
    (0_u8..3, 0_u8..3).prop_map(|(a, b)| Vc(a, b))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(debug_assertions) { 256 } else { 2048 }))]

    #[test]
    fn prop_write_collector_matches_model(
        (n, needed, evs) in (1_usize..7).prop_flat_map(|n| (Just(n), 1..=n, events(n, Just(()))))
    ) {
        let mut c = WriteCollector::new(n, needed).unwrap();
        for (k, e) in evs.iter().enumerate() {
            let before = c.clone();
            let result = match e {
                Event::Ok(i, ()) => c.ack(*i),
                Event::Fail(i) => c.fail(*i),
            };
            let i = match e { Event::Ok(i, _) | Event::Fail(i) => *i };
            if i >= n {
                prop_assert_eq!(result, Err(CollectorError::UnknownReplica { replica: i, replicas: n }));
                prop_assert_eq!(&c, &before); // nothing half-applied
                continue;
            }
            let (status, first) = model_status(n, needed, &evs[..=k]);
            prop_assert_eq!(result, Ok(status));
            prop_assert_eq!(c.status(), status);
            prop_assert_eq!(c.acks(), first.iter().filter(|f| **f == Some(true)).count());
            prop_assert_eq!(c.failures(), first.iter().filter(|f| **f == Some(false)).count());
            let acked: Vec<usize> = (0..n).filter(|&r| first[r] == Some(true)).collect();
            prop_assert_eq!(c.acked_replicas(), acked);
        }
    }

    #[test]
    fn prop_status_is_final(
        (n, needed, evs) in (1_usize..7).prop_flat_map(|n| (Just(n), 1..=n, events(n, Just(()))))
    ) {
        let mut c = WriteCollector::new(n, needed).unwrap();
        let mut settled: Option<QuorumStatus> = None;
        for e in &evs {
            let s = match e {
                Event::Ok(i, ()) => c.ack(*i),
                Event::Fail(i) => c.fail(*i),
            };
            let Ok(s) = s else { continue };
            if let Some(done) = settled {
                prop_assert_eq!(s, done);
            } else if s != QuorumStatus::Pending {
                settled = Some(s);
            }
        }
    }

    #[test]
    fn prop_read_collector_total_order_matches_model(
        (n, needed, evs) in (1_usize..7).prop_flat_map(|n| (Just(n), 1..=n, events(n, 0_u8..5)))
    ) {
        let mut c = ReadCollector::new(n, needed, TotalOrder).unwrap();
        for e in &evs {
            let _ = match e {
                Event::Ok(i, v) => c.respond(*i, *v),
                Event::Fail(i) => c.fail(*i),
            };
        }
        let (status, _) = model_status(n, needed, &evs);
        prop_assert_eq!(c.status(), status);
        // First value per replica.
        let mut value: Vec<Option<u8>> = vec![None; n];
        let mut answered = vec![false; n];
        for e in &evs {
            match e {
                Event::Ok(i, v) if *i < n && !answered[*i] => { answered[*i] = true; value[*i] = Some(*v); }
                Event::Fail(i) if *i < n && !answered[*i] => { answered[*i] = true; }
                _ => {}
            }
        }
        match c.outcome() {
            None => prop_assert_ne!(status, QuorumStatus::Reached),
            Some(out) => {
                prop_assert_eq!(status, QuorumStatus::Reached);
                let max = value.iter().flatten().max().copied().unwrap();
                prop_assert_eq!(out.newest(), &[&max]);
                let holders: Vec<usize> = (0..n).filter(|&r| value[r] == Some(max)).collect();
                let stale: Vec<usize> = (0..n).filter(|&r| matches!(value[r], Some(v) if v < max)).collect();
                prop_assert_eq!(out.holders(), &holders[..]);
                prop_assert_eq!(out.repair(), &stale[..]);
            }
        }
    }

    #[test]
    fn prop_read_collector_ignores_unknown_replicas_and_duplicates(
        (n, needed, evs) in (1_usize..7).prop_flat_map(|n| (Just(n), 1..=n, events(n, vc())))
    ) {
        let mut c = ReadCollector::new(n, needed, PartialOrder).unwrap();
        let mut answered = vec![false; n];
        for e in &evs {
            let i = match e { Event::Ok(i, _) | Event::Fail(i) => *i };
            let before = (c.status(), c.replies(), c.failures(), c.outcome_by(lex).map(|o| {
                (o.newest().iter().map(|v| **v).collect::<Vec<_>>(), o.holders().to_vec(), o.repair().to_vec())
            }));
            let result = match e {
                Event::Ok(i, v) => c.respond(*i, *v),
                Event::Fail(i) => c.fail(*i),
            };
            let after = (c.status(), c.replies(), c.failures(), c.outcome_by(lex).map(|o| {
                (o.newest().iter().map(|v| **v).collect::<Vec<_>>(), o.holders().to_vec(), o.repair().to_vec())
            }));
            if i >= n {
                prop_assert_eq!(result, Err(CollectorError::UnknownReplica { replica: i, replicas: n }));
                prop_assert_eq!(&after, &before); // nothing recorded
            } else if answered[i] {
                prop_assert_eq!(result, Ok(before.0));
                prop_assert_eq!(&after, &before); // a second answer changes nothing
            } else {
                answered[i] = true;
                prop_assert_eq!(c.replies() + c.failures(), before.1 + before.2 + 1);
            }
        }
    }

    #[test]
    fn prop_read_collector_partial_order_keeps_concurrent_newest(
        (n, needed, evs) in (1_usize..7).prop_flat_map(|n| (Just(n), 1..=n, events(n, vc())))
    ) {
        let mut c = ReadCollector::new(n, needed, PartialOrder).unwrap();
        let mut value: Vec<Option<Vc>> = vec![None; n];
        let mut answered = vec![false; n];
        for e in &evs {
            match e {
                Event::Ok(i, v) => {
                    let _ = c.respond(*i, *v);
                    if *i < n && !answered[*i] { answered[*i] = true; value[*i] = Some(*v); }
                }
                Event::Fail(i) => {
                    let _ = c.fail(*i);
                    if *i < n && !answered[*i] { answered[*i] = true; }
                }
            }
        }
        if let Some(out) = c.outcome_by(lex) {
            let vals: Vec<Vc> = value.iter().flatten().copied().collect();
            // Maximal elements, distinct, in order of first appearance.
            let mut maximal: Vec<Vc> = Vec::new();
            for v in &vals {
                if !vals.iter().any(|o| o > v) && !maximal.contains(v) {
                    maximal.push(*v);
                }
            }
            let got: Vec<Vc> = out.newest().iter().map(|v| **v).collect();
            prop_assert_eq!(&got, &maximal);
            // The newest values are pairwise concurrent (not only neighbours), and every
            // reply is one of them or older than one of them.
            for (k, a) in got.iter().enumerate() {
                for b in &got[k + 1..] {
                    prop_assert_eq!(a.partial_cmp(b), None);
                }
            }
            for v in &vals {
                prop_assert!(got.iter().any(|n| n >= v), "{:?} is neither newest nor older", v);
            }
            let holders: Vec<usize> =
                (0..n).filter(|&r| matches!(value[r], Some(v) if maximal.contains(&v))).collect();
            prop_assert_eq!(out.holders(), &holders[..]);
            let responders: Vec<usize> = (0..n).filter(|&r| value[r].is_some()).collect();
            let expected_repair: Vec<usize> = if maximal.len() > 1 {
                responders
            } else {
                responders.into_iter().filter(|&r| value[r] != Some(maximal[0])).collect()
            };
            prop_assert_eq!(out.repair(), &expected_repair[..]);
        }
    }
}

proptest! {
    /// Timestamp-only comparisons over `(timestamp, value)` replies with many ties: the
    /// outcome is the model's greatest pair, its holders, and every other replier repaired.
    #[test]
    fn prop_ties_on_the_version_are_broken_by_value(
        (n, needed, evs) in (1_usize..7).prop_flat_map(|n| {
            (Just(n), 1..=n, events(n, (0_u8..3, 0_u8..3)))
        })
    ) {
        let by_stamp = |a: &(u8, u8), b: &(u8, u8)| a.0.partial_cmp(&b.0);
        let mut c = ReadCollector::new(n, needed, by_stamp).unwrap();
        let mut value: Vec<Option<(u8, u8)>> = vec![None; n];
        let mut answered = vec![false; n];
        for e in &evs {
            match e {
                Event::Ok(i, v) => {
                    let _ = c.respond(*i, *v);
                    if *i < n && !answered[*i] { answered[*i] = true; value[*i] = Some(*v); }
                }
                Event::Fail(i) => {
                    let _ = c.fail(*i);
                    if *i < n && !answered[*i] { answered[*i] = true; }
                }
            }
        }
        if let Some(out) = c.outcome() {
            let best = value.iter().flatten().max().copied().unwrap();
            prop_assert_eq!(out.newest(), &[&best]);
            let holders: Vec<usize> = (0..n).filter(|&r| value[r] == Some(best)).collect();
            let repair: Vec<usize> =
                (0..n).filter(|&r| value[r].is_some() && value[r] != Some(best)).collect();
            prop_assert_eq!(out.holders(), &holders[..]);
            prop_assert_eq!(out.repair(), &repair[..]);
        }
    }
}

#[test]
fn read_collector_with_a_closure_order() {
    // Versions as (stamp, payload); compare by stamp only.
    let by_stamp = |a: &(u64, &str), b: &(u64, &str)| a.0.partial_cmp(&b.0);
    let mut c = ReadCollector::new(3, 2, by_stamp).unwrap();
    c.respond(2, (7, "new")).unwrap();
    assert_eq!(c.outcome(), None);
    c.respond(0, (3, "old")).unwrap();
    c.respond(1, (7, "new")).unwrap();
    let out = c.outcome().unwrap();
    assert_eq!(out.newest(), &[&(7, "new")]);
    assert_eq!(out.holders(), &[1, 2]);
    assert_eq!(out.repair(), &[0]);
    assert_eq!(
        ReadCollector::<u8, _>::new(0, 1, TotalOrder).unwrap_err(),
        CollectorError::QuorumOutOfRange {
            needed: 1,
            replicas: 0
        }
    );
}

#[test]
fn concurrent_siblings_duplicates_and_late_replies() {
    let mut c = ReadCollector::new(5, 3, PartialOrder).unwrap();
    // Replicas 0 and 2 hold the same version; replica 3 holds an ancestor of it.
    c.respond(0, Vc(2, 0)).unwrap();
    c.respond(3, Vc(1, 0)).unwrap();
    assert_eq!(c.respond(2, Vc(2, 0)), Ok(QuorumStatus::Reached));
    let out = c.outcome_by(lex).unwrap();
    assert_eq!(out.newest(), &[&Vc(2, 0)]);
    assert_eq!((out.holders(), out.repair()), (&[0, 2][..], &[3][..]));
    // A second answer from replica 3, even a newer one, is ignored.
    assert_eq!(c.respond(3, Vc(5, 5)), Ok(QuorumStatus::Reached));
    assert_eq!(c.replies(), 3);
    assert_eq!(c.outcome_by(lex).unwrap().newest(), &[&Vc(2, 0)]);
    // A late reply with a concurrent sibling: both siblings are newest, every replier needs
    // repair (none holds both), and a later failure does not undo the quorum.
    c.respond(1, Vc(0, 3)).unwrap();
    assert_eq!(c.fail(4), Ok(QuorumStatus::Reached));
    let out = c.outcome_by(lex).unwrap();
    assert_eq!(out.newest(), &[&Vc(2, 0), &Vc(0, 3)]);
    assert_eq!(out.holders(), &[0, 1, 2]);
    assert_eq!(out.repair(), &[0, 1, 2, 3]);
}

#[test]
fn a_comparator_that_is_not_an_order_does_not_panic() {
    // Rock, paper, scissors: every value is beaten by another, so none is maximal.
    let beats = |a: &u8, b: &u8| {
        if a == b {
            Some(Ordering::Equal)
        } else if (a + 1) % 3 == *b {
            Some(Ordering::Less)
        } else {
            Some(Ordering::Greater)
        }
    };
    let mut c = ReadCollector::new(3, 3, beats).unwrap();
    for r in 0..3 {
        c.respond(r, r as u8).unwrap();
    }
    let out = c.outcome().unwrap();
    assert!(out.newest().is_empty());
    assert_eq!(out.repair(), &[0, 1, 2]);
}

/// Two replicas at the same timestamp with different values have diverged. Cassandra
/// breaks such a tie by value (the greater value wins) and repairs the loser; treating the
/// replies as one value left both replicas as holders and nothing to repair.
#[test]
fn regression_equal_versions_with_different_values_break_ties_and_repair_the_loser() {
    let by_stamp = |a: &(u64, &str), b: &(u64, &str)| a.0.partial_cmp(&b.0);
    for order in [
        [(0, (7, "a")), (1, (7, "b"))],
        [(1, (7, "b")), (0, (7, "a"))],
    ] {
        let mut c = ReadCollector::new(3, 2, by_stamp).unwrap();
        for (replica, v) in order {
            c.respond(replica, v).unwrap();
        }
        let out = c.outcome().unwrap();
        assert_eq!(out.newest(), &[&(7, "b")]);
        assert_eq!(out.holders(), &[1]);
        assert_eq!(out.repair(), &[0]);
    }
}
