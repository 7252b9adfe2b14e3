//! Named regression tests, one per defect fixed (each was seen failing on the code
//! before its fix).

use ward_crdt::{
    Dot, DotContext, GCounter, Lattice, LwwRegister, MvRegister, OrSet, PnCounter, RemoveError,
    Replica, ReplicaError, StaleStamp,
};

const DOUBLE_SPENT: Result<(), ReplicaError> = Err(ReplicaError::DoubleSpentDot { counter: 1 });

/// Two replicas wrongly share the actor id "a"; each writes once, so both writes carry
/// the dot `a:1`. Merging each way must give the same state.
#[test]
fn regression_mvregister_join_commutes_when_a_dot_is_spent_twice() {
    let mut p = Replica::new("a", MvRegister::new());
    let mut q = Replica::new("a", MvRegister::new());
    p.write("x").unwrap();
    q.write("y").unwrap();
    let pq = p.state().clone().join(q.state());
    let qp = q.state().clone().join(p.state());
    assert_eq!(pq, qp);
}

/// Two replicas sharing an id add different elements under the same dot; a third replica
/// must refuse the second delta and keep its state.
#[test]
fn regression_orset_merge_refuses_a_dot_spent_on_two_elements() {
    let mut p = Replica::new("a", OrSet::new());
    let mut q = Replica::new("a", OrSet::new());
    let mut r = Replica::new("r", OrSet::new());
    let x = p.add("x").unwrap();
    let y = q.add("y").unwrap();
    r.merge_delta(&x).unwrap();
    let before = r.state().clone();
    assert_eq!(r.merge_delta(&y), DOUBLE_SPENT);
    assert_eq!(r.state(), &before);
    // The two writers themselves refuse each other's state too.
    let before = p.state().clone();
    assert_eq!(p.merge(q.state()), DOUBLE_SPENT);
    assert_eq!(p.state(), &before);
}

/// A replica restarted empty under its old id re-mints the dot of a delta still in
/// flight; the peer must refuse the late delta instead of losing both elements.
#[test]
fn regression_orset_restart_with_old_delta_in_flight_is_refused() {
    let mut old = Replica::new("a", OrSet::new());
    let in_flight = old.add("y").unwrap();
    drop(old); // crash: nothing persisted
    let mut restarted = Replica::new("a", OrSet::new());
    let x = restarted.add("x").unwrap();
    let mut peer = Replica::new("p", OrSet::new());
    peer.merge_delta(&x).unwrap();
    let before = peer.state().clone();
    assert_eq!(peer.merge_delta(&in_flight), DOUBLE_SPENT);
    assert_eq!(peer.state(), &before);
    assert!(peer.state().contains(&"x"));
}

/// The same for the multi-value register: one dot, two values.
#[test]
fn regression_mvregister_merge_refuses_a_dot_spent_on_two_values() {
    let mut p = Replica::new("a", MvRegister::new());
    let mut q = Replica::new("a", MvRegister::new());
    let mut r = Replica::new("r", MvRegister::new());
    let x = p.write("x").unwrap();
    let y = q.write("y").unwrap();
    r.merge_delta(&x).unwrap();
    let before = r.state().clone();
    assert_eq!(r.merge_delta(&y), DOUBLE_SPENT);
    assert_eq!(r.state(), &before);
    let before = p.state().clone();
    assert_eq!(p.merge(q.state()), DOUBLE_SPENT);
    assert_eq!(p.state(), &before);
}

/// Register siblings `a:1` and `a:2`: the write that minted `a:2` had seen `a:1`, so no
/// state the API produces holds both, and the decoder must refuse them.
#[test]
fn regression_mvregister_decoder_refuses_two_siblings_of_one_actor() {
    let ctx: DotContext<&str> = [Dot::new("a", 1).unwrap(), Dot::new("a", 2).unwrap()]
        .into_iter()
        .collect();
    let siblings = vec![
        (Dot::new("a", 1).unwrap(), 1),
        (Dot::new("a", 2).unwrap(), 2),
    ];
    assert_eq!(
        MvRegister::try_from((siblings, ctx)),
        Err(ward_crdt::DecodeError::TwoDotsOfOneActor {
            index: 1,
            counter: 2
        })
    );
}

/// The history that used to produce siblings `a:1` and `a:2`: a clear that is lost on
/// the way, then a new write by the same replica.
#[test]
fn regression_mvregister_write_after_a_lost_clear_supersedes_the_old_value() {
    let mut a = Replica::new("a", MvRegister::new());
    let mut r = Replica::new("r", MvRegister::new());
    r.merge_delta(&a.write(1).unwrap()).unwrap();
    let _lost = a.clear();
    r.merge_delta(&a.write(2).unwrap()).unwrap();
    assert_eq!(r.state().values().collect::<Vec<_>>(), [&2]);
}

/// Retrying a write with the same stamp and value is an idempotent success.
#[test]
fn regression_lww_set_retry_with_same_stamp_and_value_succeeds() {
    let mut reg = LwwRegister::new();
    let first = reg.set("v", 7_u64).unwrap();
    let again = reg.set("v", 7_u64);
    assert_eq!(again, Ok(first));
    assert_eq!(reg.value(), Some(&"v"));
    // A different value under the same stamp is still refused.
    assert_eq!(
        reg.set("w", 7),
        Err(StaleStamp {
            offered: 7,
            current: 7
        })
    );
}

/// `increment(0)` changes nothing, so its delta is the bottom state.
#[test]
fn regression_increment_by_zero_returns_the_bottom_delta() {
    let mut g = Replica::new("a", GCounter::new());
    g.increment(3).unwrap();
    assert_eq!(g.increment(0).unwrap(), GCounter::new());
    let mut pn = Replica::new("a", PnCounter::new());
    pn.increment(3).unwrap();
    pn.decrement(2).unwrap();
    assert_eq!(pn.increment(0).unwrap(), PnCounter::new());
    assert_eq!(pn.decrement(0).unwrap(), PnCounter::new());
}

/// Removing an element this replica does not hold is reported, not silently ignored.
/// (On the code before the fix this did not compile: `remove` returned a bare delta.)
#[test]
fn regression_orset_remove_of_an_absent_element_is_a_typed_result() {
    let mut set = Replica::new("a", OrSet::new());
    set.add(String::from("pen")).unwrap();
    let before = set.state().clone();
    assert_eq!(set.remove("ghost"), Err(RemoveError::NotPresent));
    assert_eq!(set.state(), &before);
    assert!(set.remove("pen").is_ok());
    assert_eq!(set.remove("pen"), Err(RemoveError::NotPresent));
}

/// A removal with the context a client observed elsewhere: the add that arrives after
/// it stays removed, and a concurrent add the client did not observe survives.
#[test]
fn regression_orset_remove_observed_applies_before_the_add_arrives() {
    let mut a = Replica::new("a", OrSet::new());
    let mut b = Replica::new("b", OrSet::new());
    let mut c = Replica::new("c", OrSet::new());
    let add = a.add("x").unwrap();
    let observed = a.state().dots(&"x");
    let concurrent = c.add("x").unwrap();
    let remove = b.remove_observed(&"x", &observed).unwrap();
    b.merge_delta(&add).unwrap();
    assert!(!b.state().contains(&"x"));
    b.merge_delta(&concurrent).unwrap();
    a.merge_delta(&concurrent).unwrap();
    a.merge_delta(&remove).unwrap();
    assert!(b.state().contains(&"x"));
    assert_eq!(b.state().dots(&"x"), [Dot::new("c", 1).unwrap()]);
    assert_eq!(a.state(), b.state());
}

/// An observed dot that belongs to another element here is refused.
#[test]
fn regression_orset_remove_observed_refuses_a_dot_of_another_element() {
    let mut a = Replica::new("a", OrSet::new());
    a.add("x").unwrap();
    a.add("y").unwrap();
    let before = a.state().clone();
    let wrong = a.state().dots(&"y");
    assert_eq!(
        a.remove_observed(&"x", &wrong),
        Err(ReplicaError::Remove(RemoveError::DotOfAnotherElement {
            counter: 2
        }))
    );
    assert_eq!(a.state(), &before);
}

/// The restart protocol. A replica that restarts without its state must not mint under
/// its old id (the late delta is refused, as above); restarting under a fresh id, or
/// resuming from a state persisted before any delta left, converges with everything.
#[test]
fn regression_restart_under_a_fresh_id_or_from_persisted_state_converges() {
    // Fresh id: the old incarnation's delta in flight and the new one's both survive.
    let mut old = Replica::new("a#1", OrSet::new());
    let in_flight = old.add("y").unwrap();
    drop(old);
    let mut restarted = Replica::new("a#2", OrSet::new());
    let x = restarted.add("x").unwrap();
    let mut peer = Replica::new("p", OrSet::new());
    peer.merge_delta(&x).unwrap();
    peer.merge_delta(&in_flight).unwrap();
    assert_eq!(peer.state().iter().copied().collect::<Vec<_>>(), ["x", "y"]);

    // Persisted: the state is written before each delta is shipped.
    let mut old = Replica::new("a", OrSet::new());
    let in_flight = old.add("y").unwrap();
    let persisted = old.state().clone();
    drop(old);
    let mut resumed = Replica::resume("a", persisted);
    let x = resumed.add("x").unwrap();
    let mut peer = Replica::new("p", OrSet::new());
    peer.merge_delta(&x).unwrap();
    peer.merge_delta(&in_flight).unwrap();
    assert_eq!(peer.state(), resumed.state());
    assert_eq!(x.dots(&"x"), [Dot::new("a", 2).unwrap()]);
}

/// Counters have no per-event ids: two replicas sharing an id that counted equally
/// cannot be told apart (the sum is 5, not 10), and the one that is ahead takes the
/// other's count for its own past. Only the replica that is behind notices.
#[test]
fn counters_shared_id_is_detected_only_by_the_replica_behind() {
    let mut p = Replica::new("a", GCounter::new());
    let mut q = Replica::new("a", GCounter::new());
    p.increment(5).unwrap();
    q.increment(5).unwrap();
    assert_eq!(p.merge(q.state()), Ok(()));
    assert_eq!(p.state().value(), 5);
    q.increment(1).unwrap();
    assert_eq!(
        p.merge(q.state()),
        Err(ReplicaError::ForeignEvents {
            known: 5,
            incoming: 6
        })
    );
    assert_eq!(q.merge(p.state()), Ok(()));
}

/// Not a defect: an OR-set element can legitimately carry two dots of one actor when a
/// removal between the two adds is lost on the way, so the decoder accepts it.
#[test]
fn orset_element_with_two_dots_of_one_actor_is_reachable_and_accepted() {
    let mut a = Replica::new("a", OrSet::new());
    let mut r = Replica::new("r", OrSet::new());
    r.merge_delta(&a.add("x").unwrap()).unwrap();
    let _lost = a.remove("x").unwrap();
    r.merge_delta(&a.add("x").unwrap()).unwrap();
    let dots = r.state().dots(&"x");
    assert_eq!(dots, [Dot::new("a", 1).unwrap(), Dot::new("a", 2).unwrap()]);
    let ctx: DotContext<&str> = dots.iter().cloned().collect();
    assert_eq!(
        OrSet::try_from((vec![("x", dots)], ctx)).as_ref(),
        Ok(r.state())
    );
}

/// Equal peers after removals: `delta_since` (version vector only) re-sends every
/// removed dot; the digest-driven delta is empty. (On the code before the fix there was
/// no way to ask for it: `digest` and `delta_for` did not exist.)
#[test]
fn regression_delta_to_an_equal_peer_is_empty_after_removals() {
    let mut a = Replica::new("a", OrSet::new());
    let mut b = Replica::new("b", OrSet::new());
    for x in 0..100 {
        a.add(x).unwrap();
    }
    for x in (0..100).filter(|x| x % 3 != 0) {
        a.remove(&x).unwrap();
    }
    b.merge(a.state()).unwrap();
    assert_eq!(a.state().len(), 34);
    // The version vector cannot show which dots were removed.
    assert_eq!(
        a.state()
            .delta_since(b.state().context().clock())
            .context()
            .dots()
            .count(),
        66
    );
    assert_eq!(a.state().delta_for(&b.state().digest()), OrSet::new());
    assert_eq!(a.state().fingerprint(), b.state().fingerprint());
    // After one more change on each side, each delta carries exactly that change.
    a.remove(&3).unwrap();
    b.add(1000).unwrap();
    let to_b = a.state().delta_for(&b.state().digest());
    let to_a = b.state().delta_for(&a.state().digest());
    assert_eq!((to_b.len(), to_b.context().dots().count()), (0, 1));
    assert_eq!((to_a.len(), to_a.context().dots().count()), (1, 1));
    b.merge(&to_b).unwrap();
    a.merge(&to_a).unwrap();
    assert_eq!(a.state(), b.state());
}
