//! Named cases for the counters and registers.

use ward_crdt::{
    CounterError, DeltaCrdt, GCounter, Lattice, LwwRegister, MvRegister, PnCounter, Replica,
    ReplicaError, StaleStamp,
};
use ward_vclock::{Dot, DotContext, VClockError};

/// Three replicas increment concurrently, exchange deltas in different orders (with a
/// duplicate), and all read the total. (The G-counter example of "Conflict-free Replicated
/// Data Types", Shapiro, Preguiça, Baquero, Zawirski, 2011, with three replicas.)
#[test]
fn gcounter_after_concurrent_increments_on_three_replicas() {
    let mut replicas: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|id| Replica::new(id, GCounter::new()))
        .collect();
    let mut deltas = Vec::new();
    for (i, r) in replicas.iter_mut().enumerate() {
        for _ in 0..=i {
            deltas.push(r.increment(10).unwrap());
        }
    }
    // a gets them forwards, b backwards, c forwards twice.
    for d in &deltas {
        replicas[0].merge_delta(d).unwrap();
        replicas[2].merge_delta(d).unwrap();
        replicas[2].merge_delta(d).unwrap();
    }
    for d in deltas.iter().rev() {
        replicas[1].merge_delta(d).unwrap();
    }
    for r in &replicas {
        assert_eq!(r.state().value(), 60);
        assert_eq!(r.state().count(&"c"), 30);
    }
    assert_eq!(replicas[0].state(), replicas[1].state());
    assert_eq!(replicas[1].state(), replicas[2].state());
}

#[test]
fn pncounter_after_concurrent_updates_on_three_replicas() {
    let mut a = Replica::new(1_u8, PnCounter::new());
    let mut b = Replica::new(2_u8, PnCounter::new());
    let mut c = Replica::new(3_u8, PnCounter::new());
    let d1 = a.increment(5).unwrap();
    let d2 = b.decrement(7).unwrap();
    let d3 = c.increment(1).unwrap().join(&c.decrement(2).unwrap());
    for (r, ds) in [
        (&mut a, [&d2, &d3]),
        (&mut b, [&d3, &d1]),
        (&mut c, [&d1, &d2]),
    ] {
        for d in ds {
            r.merge_delta(d).unwrap();
        }
    }
    for r in [&a, &b, &c] {
        assert_eq!(r.state().value(), 5 - 7 + 1 - 2);
    }
    assert_eq!(a.state(), b.state());
    assert_eq!(b.state(), c.state());
}

#[test]
fn gcounter_overflow_at_u64_max_is_a_typed_error_and_changes_nothing() {
    let mut c = Replica::new("a", GCounter::new());
    c.increment(u64::MAX - 1).unwrap();
    c.increment(1).unwrap();
    assert_eq!(c.state().count(&"a"), u64::MAX);
    let before = c.state().clone();
    assert_eq!(
        c.increment(1),
        Err(CounterError::Overflow {
            count: u64::MAX,
            by: 1
        })
    );
    assert_eq!(
        c.increment(u64::MAX),
        Err(CounterError::Overflow {
            count: u64::MAX,
            by: u64::MAX
        })
    );
    assert_eq!(c.state(), &before);
    // Incrementing by zero at the limit is fine.
    assert!(c.increment(0).is_ok());
    // The value does not wrap even when several actors are full.
    let mut d = Replica::new("b", GCounter::new());
    d.increment(u64::MAX).unwrap();
    d.merge(c.state()).unwrap();
    assert_eq!(d.state().value(), 2 * u128::from(u64::MAX));
}

#[test]
fn pncounter_overflow_of_either_half_is_a_typed_error() {
    let mut c = Replica::new("a", PnCounter::new());
    c.increment(u64::MAX).unwrap();
    c.decrement(u64::MAX).unwrap();
    let before = c.state().clone();
    assert_eq!(
        c.increment(1),
        Err(CounterError::Overflow {
            count: u64::MAX,
            by: 1
        })
    );
    assert_eq!(
        c.decrement(1),
        Err(CounterError::Overflow {
            count: u64::MAX,
            by: 1
        })
    );
    assert_eq!(c.state(), &before);
    assert_eq!(c.state().value(), 0);
}

#[test]
fn counter_replica_refuses_foreign_events_of_its_own_actor() {
    let mut a = Replica::new("a", PnCounter::new());
    let mut twin = Replica::new("a", PnCounter::new());
    a.increment(3).unwrap();
    let delta = twin.decrement(1).unwrap();
    assert_eq!(
        a.merge_delta(&delta),
        Err(ReplicaError::ForeignEvents {
            known: 0,
            incoming: 1
        })
    );
    assert_eq!(a.state().value(), 3);
    // Its own echo is fine.
    let echo = a.state().clone();
    a.merge(&echo).unwrap();
    assert_eq!(a.state().unknown_events_of(&echo, &"a"), None);
}

#[test]
fn a_shared_actor_id_drops_the_other_writers_events_on_the_replica_that_is_ahead() {
    // The limit the README states, for counters and registers: no error on the replica
    // that is ahead, and the other writer's events are lost there.
    let mut ahead = Replica::new("a", GCounter::new());
    let mut behind = Replica::new("a", GCounter::new());
    ahead.increment(5).unwrap();
    behind.increment(3).unwrap();
    ahead.merge(behind.state()).unwrap();
    assert_eq!(ahead.state().value(), 5);

    // A register: while both sides still hold the dot a:1, the double spend is seen
    // and refused; once the replica ahead has superseded a:1, it is not.
    let mut ahead = Replica::new(1_u8, MvRegister::new());
    let mut behind = Replica::new(1_u8, MvRegister::new());
    ahead.write("x").unwrap();
    behind.write("z").unwrap();
    let before = ahead.state().clone();
    assert_eq!(
        ahead.merge(behind.state()),
        Err(ReplicaError::DoubleSpentDot { counter: 1 })
    );
    assert_eq!(ahead.state(), &before);
    ahead.write("y").unwrap();
    ahead.merge(behind.state()).unwrap();
    assert_eq!(ahead.state().values().collect::<Vec<_>>(), [&"y"]);
}

#[test]
fn mvregister_keeps_concurrent_writes_as_siblings_until_a_write_sees_them() {
    // Riak's sibling behaviour: concurrent writes are all returned on read.
    let mut a = Replica::new("a", MvRegister::new());
    let mut b = Replica::new("b", MvRegister::new());
    let mut c = Replica::new("c", MvRegister::new());
    let wa = a.write(1).unwrap();
    let wb = b.write(2).unwrap();
    c.merge_delta(&wa).unwrap();
    c.merge_delta(&wb).unwrap();
    assert_eq!(c.state().values().copied().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        c.state().siblings().map(|(d, _)| *d).collect::<Vec<_>>(),
        [Dot::new("a", 1).unwrap(), Dot::new("b", 1).unwrap()]
    );

    // A write concurrent with c's resolution stays a sibling of it.
    let resolve = c.write(3).unwrap();
    let late = a.write(4).unwrap();
    b.merge_delta(&resolve).unwrap();
    b.merge_delta(&late).unwrap();
    assert_eq!(b.state().values().copied().collect::<Vec<_>>(), [4, 3]);
    a.merge_delta(&resolve).unwrap();
    assert_eq!(a.state(), b.state());
    c.merge(a.state()).unwrap();
    let final_write = c.write(5).unwrap();
    a.merge_delta(&final_write).unwrap();
    assert_eq!(a.state().values().copied().collect::<Vec<_>>(), [5]);
}

#[test]
fn lww_register_keeps_the_greater_stamp_and_rejects_stale_local_writes() {
    let mut a = LwwRegister::new();
    let mut b = LwwRegister::new();
    let da = a.set("a", (5_u64, 1_u8)).unwrap();
    let db = b.set("b", (5_u64, 2_u8)).unwrap();
    a.merge(&db);
    b.merge(&da);
    assert_eq!(a, b);
    assert_eq!(a.value(), Some(&"b"));
    assert_eq!(
        a.set("c", (5, 0)),
        Err(StaleStamp {
            offered: (5, 0),
            current: (5, 2)
        })
    );
    assert_eq!(a.value(), Some(&"b"));
    // Equal stamps from a buggy clock still converge, by value.
    let x = LwwRegister::with_value("x", 1_u8);
    let y = LwwRegister::with_value("y", 1_u8);
    assert_eq!(x.clone().join(&y), y.clone().join(&x));
}

#[test]
fn counters_and_registers_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<GCounter<String>>();
    assert_send_sync::<PnCounter<String>>();
    assert_send_sync::<MvRegister<String, String>>();
    assert_send_sync::<LwwRegister<String, (u64, u32)>>();
    assert_send_sync::<Replica<String, GCounter<String>>>();
}

#[test]
fn mvregister_write_with_every_dot_used_is_a_typed_error_and_changes_nothing() {
    let last = Dot::new(3_u8, u64::MAX).unwrap();
    let ctx: DotContext<u8> = [last].into_iter().collect();
    let reg = MvRegister::try_from((vec![(last, "old")], ctx)).unwrap();
    let mut r = Replica::new(3, reg.clone());
    assert_eq!(
        r.write("new"),
        Err(VClockError::CounterOverflow { counter: u64::MAX })
    );
    assert_eq!(r.state(), &reg);
    assert_eq!(r.state().values().collect::<Vec<_>>(), [&"old"]);
}

/// Increments of any size, up to and past `u64::MAX`, on three replicas that merge at
/// random: a replica's count follows a `u128` model exactly, every increment that would
/// pass `u64::MAX` is refused with the numbers of the attempt and changes nothing, and
/// the merged counter holds every replica's count and their exact `u128` sum.
mod near_the_limit {
    use proptest::prelude::*;
    use ward_crdt::{CounterError, PnCounter, Replica};

    #[derive(Debug, Clone)]
    enum Op {
        Increment(usize, u64),
        Decrement(usize, u64),
        Merge(usize, usize),
    }

    fn amount() -> impl Strategy<Value = u64> {
        prop_oneof![
            Just(u64::MAX),
            (0..4_u64).prop_map(|d| u64::MAX - d),
            Just(u64::MAX / 2 + 1),
            0..4_u64,
            any::<u64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3_usize, amount()).prop_map(|(r, n)| Op::Increment(r, n)),
            (0..3_usize, amount()).prop_map(|(r, n)| Op::Decrement(r, n)),
            (0..3_usize, 0..3_usize).prop_map(|(a, b)| Op::Merge(a, b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn prop_counters_refuse_overflow_and_sum_exactly(ops in prop::collection::vec(op(), 0..30)) {
            let mut replicas: Vec<Replica<u8, PnCounter<u8>>> =
                (0..3).map(|r| Replica::new(r, PnCounter::new())).collect();
            // Per replica: its own increments and decrements, as u128.
            let mut model = [(0_u128, 0_u128); 3];
            for op in &ops {
                match *op {
                    Op::Increment(r, by) | Op::Decrement(r, by) => {
                        let up = matches!(op, Op::Increment(..));
                        let own = if up { &mut model[r].0 } else { &mut model[r].1 };
                        let before = replicas[r].state().clone();
                        let result = if up {
                            replicas[r].increment(by)
                        } else {
                            replicas[r].decrement(by)
                        };
                        if *own + u128::from(by) > u128::from(u64::MAX) {
                            let count = u64::try_from(*own).unwrap();
                            prop_assert_eq!(result, Err(CounterError::Overflow { count, by }));
                            prop_assert_eq!(replicas[r].state(), &before);
                        } else {
                            prop_assert!(result.is_ok());
                            *own += u128::from(by);
                        }
                    }
                    Op::Merge(from, to) => {
                        let state = replicas[from].state().clone();
                        replicas[to].merge(&state).expect("distinct actors");
                    }
                }
            }
            let mut all = Replica::new(9, PnCounter::new());
            for r in &replicas {
                all.merge(r.state()).expect("distinct actors");
            }
            let state = all.state();
            for (r, &(up, down)) in model.iter().enumerate() {
                let actor = u8::try_from(r).unwrap();
                prop_assert_eq!(u128::from(state.increments().count(&actor)), up);
                prop_assert_eq!(u128::from(state.decrements().count(&actor)), down);
            }
            let ups: u128 = model.iter().map(|m| m.0).sum();
            let downs: u128 = model.iter().map(|m| m.1).sum();
            prop_assert_eq!(state.increments().value(), ups);
            prop_assert_eq!(state.value(), i128::try_from(ups).unwrap() - i128::try_from(downs).unwrap());
        }
    }
}
