//! OR-Map anti-entropy by digest and optimal delta: every delta is exact when computed
//! (`to ⊔ Δ == to ⊔ from`, `Δ ≤ from`, `Δ` empty exactly when `from ≤ to`), and replicas
//! that receive only such deltas, lost, duplicated and reordered, hold at every step the
//! same whole state as a naive model that ships the whole state instead.

use std::fmt::Debug;

use proptest::prelude::*;
use ward_crdt::{
    GCounter, MapDigest, MvRegister, Nested, OrMap, OrSet, PnCounter, Replica, ReplicaError,
};

type Deep = OrMap<u8, OrMap<u8, OrSet<u8, u8>, u8>, u8>;
type Registers = OrMap<u8, MvRegister<u8, u8>, u8>;
type Counters = OrMap<u8, PnCounter<u8>, u8>;
type Totals = OrMap<u8, GCounter<u8>, u8>;

#[derive(Debug, Clone)]
enum Op {
    /// Replica, three small arguments and a mutation kind.
    Local(usize, u8, u8, u8, u8),
    /// `to` sends its digest to `from`, which puts `Δ(from, to)` on the wire.
    Digest(usize, usize),
    /// Deliver a wire message (true: keep a copy, so it is delivered again later).
    Deliver(usize, bool),
    Lose(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3_usize, 0..3_u8, 0..3_u8, 0..3_u8, 0..4_u8)
            .prop_map(|(r, a, b, c, k)| Op::Local(r, a, b, c, k)),
        2 => (0..3_usize, 0..3_usize).prop_map(|(f, t)| Op::Digest(f, t)),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(i, d)| Op::Deliver(i, d)),
        1 => any::<usize>().prop_map(Op::Lose),
    ]
}

/// A local mutation of a map replica; `Err` when the mutation does not apply (removing
/// what is not there), which changes nothing.
type Mutate<M> = fn(&mut Replica<u8, M>, u8, u8, u8, u8) -> Result<M, ReplicaError>;

fn deep(r: &mut Replica<u8, Deep>, a: u8, b: u8, c: u8, kind: u8) -> Result<Deep, ReplicaError> {
    match kind {
        0 | 1 => r.update(a, |shop| shop.update(b, |s| s.add(c))),
        2 => r.update(a, |shop| {
            shop.update(b, |s| s.remove(&c).map_err(ReplicaError::from))
        }),
        _ if c == 0 => Ok(r.remove_key(&a)?),
        _ => r.update(a, |shop| shop.remove_key(&b).map_err(ReplicaError::from)),
    }
}

fn registers(
    r: &mut Replica<u8, Registers>,
    a: u8,
    _: u8,
    c: u8,
    kind: u8,
) -> Result<Registers, ReplicaError> {
    match kind {
        0 | 1 => r.update(a, |reg| reg.write(c)),
        2 => r.update(a, |reg| Ok::<_, ReplicaError>(reg.clear())),
        _ => Ok(r.remove_key(&a)?),
    }
}

fn counters(
    r: &mut Replica<u8, Counters>,
    a: u8,
    b: u8,
    c: u8,
    kind: u8,
) -> Result<Counters, ReplicaError> {
    // The edges of a count: a full u64 step, refused on the second try.
    let by = if b == 2 { u64::MAX } else { u64::from(c) };
    match kind {
        0 => r.update(a, |n| n.increment(by)),
        1 | 2 => r.update(a, |n| n.decrement(by)),
        _ => Ok(r.remove_key(&a)?),
    }
}

fn totals(
    r: &mut Replica<u8, Totals>,
    a: u8,
    _: u8,
    c: u8,
    kind: u8,
) -> Result<Totals, ReplicaError> {
    match kind {
        3 => Ok(r.remove_key(&a)?),
        _ => r.update(a, |n| n.increment(u64::from(c))),
    }
}

/// Runs `ops` on three replicas that exchange only optimal deltas, and on a naive model
/// (plain states that receive the sender's whole state at the same moments), comparing
/// whole states after every step; then a lossless digest round makes all equal and
/// every further delta empty.
fn run<M>(ops: &[Op], mutate: Mutate<M>) -> Result<(), TestCaseError>
where
    M: Nested<Actor = u8> + Debug,
{
    let mut real: Vec<Replica<u8, M>> = (0..3)
        .map(|r| Replica::new(r as u8, M::default()))
        .collect();
    let mut naive: Vec<M> = vec![M::default(); 3];
    // (to, optimal delta, whole state of the sender when it was computed)
    let mut wire: Vec<(usize, M, M)> = Vec::new();
    for op in ops {
        match *op {
            Op::Local(r, a, b, c, kind) => {
                if let Ok(delta) = mutate(&mut real[r], a, b, c, kind) {
                    naive[r].merge(&delta);
                }
            }
            Op::Digest(from, to) if from != to => {
                let digest = Nested::digest(real[to].state());
                let delta = Nested::delta_for(real[from].state(), &digest);
                let (f, t) = (real[from].state(), real[to].state());
                prop_assert!(delta.leq(f), "Δ ≤ from");
                prop_assert_eq!(
                    t.clone().join(&delta),
                    t.clone().join(f),
                    "to ⊔ Δ == to ⊔ from"
                );
                prop_assert_eq!(delta == M::default(), f.leq(t), "Δ empty iff from ≤ to");
                wire.push((to, delta, naive[from].clone()));
            }
            Op::Deliver(i, keep) if !wire.is_empty() => {
                let i = i % wire.len();
                let (to, delta, whole) = if keep {
                    wire[i].clone()
                } else {
                    wire.remove(i)
                };
                real[to]
                    .merge_delta(&delta)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                naive[to].merge(&whole);
            }
            Op::Lose(i) if !wire.is_empty() => {
                let i = i % wire.len();
                wire.remove(i);
            }
            _ => {}
        }
        for r in 0..3 {
            prop_assert_eq!(real[r].state(), &naive[r], "replica {} after {:?}", r, op);
        }
    }
    for _ in 0..2 {
        for from in 0..3 {
            for to in 0..3 {
                if from != to {
                    let delta =
                        Nested::delta_for(real[from].state(), &Nested::digest(real[to].state()));
                    real[to]
                        .merge_delta(&delta)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
            }
        }
    }
    for r in 0..3 {
        prop_assert_eq!(real[r].state(), real[0].state());
        let again = Nested::delta_for(real[r].state(), &Nested::digest(real[(r + 1) % 3].state()));
        prop_assert_eq!(again, M::default(), "equal replicas send nothing");
    }
    Ok(())
}

proptest! {
    /// Maps of maps of sets, two levels deep, with nested removals and key removals.
    #[test]
    fn prop_deep_map_optimal_deltas_converge_like_whole_states(
        ops in prop::collection::vec(op(), 0..70)
    ) {
        run::<Deep>(&ops, deep)?;
    }

    /// Maps of multi-value registers: writes, clears and key removals.
    #[test]
    fn prop_register_map_optimal_deltas_converge_like_whole_states(
        ops in prop::collection::vec(op(), 0..70)
    ) {
        run::<Registers>(&ops, registers)?;
    }

    /// Maps of PN-counters (steps up to `u64::MAX`) and of G-counters.
    #[test]
    fn prop_counter_maps_optimal_deltas_converge_like_whole_states(
        ops in prop::collection::vec(op(), 0..70)
    ) {
        run::<Counters>(&ops, counters)?;
        run::<Totals>(&ops, totals)?;
    }
}

#[test]
fn equal_maps_with_removals_send_nothing_and_a_change_sends_only_itself() {
    let mut a = Replica::new(1_u8, Deep::new());
    let mut b = Replica::new(2_u8, Deep::new());
    for k in 0..20 {
        a.update(k, |shop| shop.update(k, |s| s.add(k))).unwrap();
    }
    for k in 0..15 {
        a.remove_key(&k).unwrap();
    }
    b.merge(a.state()).unwrap();
    assert_eq!(a.state().delta_for(&b.state().digest()), Deep::new());
    a.update(19, |shop| shop.update(19, |s| s.add(0))).unwrap();
    let delta = a.state().delta_for(&b.state().digest());
    let (keys, values) = delta.parts();
    assert_eq!(keys.len(), 1);
    assert_eq!(values.len(), 1);
    let inner = delta.get(&19).and_then(|shop| shop.get(&19)).unwrap();
    assert_eq!(inner.iter().copied().collect::<Vec<_>>(), [0]);
    b.merge_delta(&delta).unwrap();
    assert_eq!(a.state(), b.state());
}

#[test]
fn a_removal_the_peer_has_not_seen_travels_as_context_only() {
    let mut a = Replica::new(1_u8, Registers::new());
    let mut b = Replica::new(2_u8, Registers::new());
    a.update(4, |reg| reg.write(9)).unwrap();
    b.merge(a.state()).unwrap();
    a.remove_key(&4).unwrap();
    let delta = a.state().delta_for(&b.state().digest());
    assert!(delta.is_empty());
    assert_ne!(delta, Registers::new());
    b.merge_delta(&delta).unwrap();
    assert!(b.state().get(&4).is_none());
    assert_eq!(a.state(), b.state());
}

#[test]
fn map_digest_refuses_unsorted_keys() {
    let mut a = Replica::new(1_u8, Totals::new());
    a.update(1, |c| c.increment(1)).unwrap();
    a.update(2, |c| c.increment(1)).unwrap();
    let (keys, mut values) = a.state().digest().into_parts();
    values.swap(0, 1);
    assert_eq!(
        MapDigest::try_from((keys.clone(), values.clone())),
        Err(ward_crdt::DecodeError::UnsortedEntries { index: 1 })
    );
    values.swap(0, 1);
    let digest = MapDigest::try_from((keys, values)).unwrap();
    assert_eq!(digest, a.state().digest());
}

#[cfg(feature = "serde")]
#[test]
fn map_digest_round_trips_through_json_and_refuses_unknown_fields_and_unsorted_keys() {
    type D = MapDigest<u8, ward_crdt::Digest<u8>, u8>;
    let mut a = Replica::new(1_u8, OrMap::<u8, OrSet<u8, u8>, u8>::new());
    a.update(1, |s| s.add(1)).unwrap();
    a.update(2, |s| s.add(2)).unwrap();
    let digest = a.state().digest();
    let json = serde_json::to_string(&digest).unwrap();
    assert_eq!(serde_json::from_str::<D>(&json).unwrap(), digest);
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<D>(value.clone()).is_err());
    value.as_object_mut().unwrap().remove("extra");
    value["values"].as_array_mut().unwrap().reverse();
    let err = serde_json::from_value::<D>(value).unwrap_err().to_string();
    assert!(err.contains("not strictly increasing at index 1"), "{err}");
}
