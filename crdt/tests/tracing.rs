//! The `tracing` feature's events, under target `ward_crdt`: merges refused because two
//! writers used one actor id, refused observed removals and acknowledgements ahead of the
//! buffer. Mutators and accepted merges emit nothing.
#![cfg(all(feature = "tracing", feature = "std"))]

use ward_crdt::{AntiEntropy, Dot, GCounter, OrSet, Replica, ReplicaError};
use ward_testkit::Collect;

#[test]
fn refused_merges_are_traced_with_their_counters() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        // A second replica under the same id: its events are unknown to the first.
        let mut clone = Replica::new('a', GCounter::new());
        let mut stray = Replica::new('a', GCounter::new());
        let foreign = stray.increment(5).unwrap();
        assert_eq!(
            clone.merge_delta(&foreign),
            Err(ReplicaError::ForeignEvents {
                known: 0,
                incoming: 5
            })
        );

        // Two replicas under one id spend dot a:1 on different elements.
        let mut left = Replica::new('a', OrSet::new());
        let mut right = Replica::new('a', OrSet::new());
        left.add("x").unwrap();
        right.add("y").unwrap();
        assert_eq!(
            left.merge(right.state()),
            Err(ReplicaError::DoubleSpentDot { counter: 1 })
        );
    });
    assert_eq!(
        collect.take(),
        [
            "ward_crdt ERROR merge refused: incoming state holds events of this replica's actor it never recorded known=0 incoming=5",
            "ward_crdt ERROR merge refused: one dot names a different element or value on each side counter=1",
        ]
    );
}

#[test]
fn refused_observed_removals_and_acknowledgements_are_traced() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut set = Replica::new('a', OrSet::new());
        set.add("x").unwrap();
        let forged = [Dot::new('a', 7).unwrap()];
        assert!(set.remove_observed("x", &forged).is_err());

        let mut sync = AntiEntropy::new([2_u8]);
        let mut counter = Replica::new(1_u8, GCounter::new());
        sync.record(counter.increment(1).unwrap());
        assert!(sync.acknowledge(&2, 5).is_err());
    });
    assert_eq!(
        collect.take(),
        [
            "ward_crdt ERROR removal refused: observed context holds events of this replica's actor it never recorded known=1 incoming=7",
            "ward_crdt WARN acknowledgement refused: ahead of every delta sent acked=5 next=1",
        ]
    );
}

#[test]
fn mutators_and_accepted_merges_emit_nothing() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut a = Replica::new('a', OrSet::new());
        let mut b = Replica::new('b', OrSet::new());
        let delta = a.add("x").unwrap();
        b.merge_delta(&delta).unwrap();
        b.merge_delta(&delta).unwrap(); // a duplicate is not a refusal
        b.add("y").unwrap();
        b.remove("x").unwrap();
        a.merge(b.state()).unwrap();
        let observed = a.state().dots("y");
        a.remove_observed("y", &observed).unwrap();

        let mut sync = AntiEntropy::new([2_u8]);
        sync.record(delta);
        sync.acknowledge(&2, 1).unwrap();
    });
    assert_eq!(collect.take(), Vec::<String>::new());
}
