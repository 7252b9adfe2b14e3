//! OR-Map: reads compared with a naive tombstone model under loss, duplication and
//! reordering of deltas; join laws on maps nested two levels deep; validated decoding.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use ward_crdt::{GCounter, Lattice, OrMap, OrSet, RemoveError, Replica};

type Inner = OrSet<u8, u8>;
type Map = OrMap<u8, Inner, u8>;

/// The naive model: every key update and every element add has a unique tag; removals
/// record the tags they observed. Nothing is ever forgotten.
#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    keys: BTreeSet<(u8, u64)>,
    elems: BTreeSet<(u8, u8, u64)>,
    dead: BTreeSet<u64>,
}

impl Model {
    fn live_keys(&self, k: u8) -> Vec<u64> {
        self.keys
            .iter()
            .filter(|(key, t)| *key == k && !self.dead.contains(t))
            .map(|(_, t)| *t)
            .collect()
    }

    fn live_elems(&self, k: u8, e: Option<u8>) -> Vec<u64> {
        self.elems
            .iter()
            .filter(|(key, el, t)| {
                *key == k && e.is_none_or(|e| e == *el) && !self.dead.contains(t)
            })
            .map(|(_, _, t)| *t)
            .collect()
    }

    fn merge(&mut self, other: &Self) {
        self.keys.extend(other.keys.iter().copied());
        self.elems.extend(other.elems.iter().copied());
        self.dead.extend(other.dead.iter().copied());
    }

    fn read(&self) -> BTreeMap<u8, BTreeSet<u8>> {
        let mut out = BTreeMap::new();
        for &(k, t) in &self.keys {
            if !self.dead.contains(&t) {
                out.entry(k).or_insert_with(BTreeSet::new);
            }
        }
        for &(k, e, t) in &self.elems {
            if !self.dead.contains(&t)
                && let Some(set) = out.get_mut(&k)
            {
                set.insert(e);
            }
        }
        out
    }
}

fn read(map: &Map) -> BTreeMap<u8, BTreeSet<u8>> {
    map.iter()
        .map(|(k, s)| (*k, s.iter().copied().collect()))
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    Add(usize, u8, u8),
    RemoveElem(usize, u8, u8),
    RemoveKey(usize, u8),
    Deliver(usize, bool),
    Lose(usize),
    Sync(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3_usize, 0..4_u8, 0..4_u8).prop_map(|(r, k, e)| Op::Add(r, k, e)),
        2 => (0..3_usize, 0..4_u8, 0..4_u8).prop_map(|(r, k, e)| Op::RemoveElem(r, k, e)),
        2 => (0..3_usize, 0..4_u8).prop_map(|(r, k)| Op::RemoveKey(r, k)),
        4 => (any::<usize>(), any::<bool>()).prop_map(|(i, d)| Op::Deliver(i, d)),
        1 => any::<usize>().prop_map(Op::Lose),
        1 => (0..3_usize, 0..3_usize).prop_map(|(a, b)| Op::Sync(a, b)),
    ]
}

struct Cluster {
    maps: Vec<Replica<u8, Map>>,
    models: Vec<Model>,
    wire: Vec<(usize, Map, Model)>,
    tag: u64,
}

impl Cluster {
    fn new() -> Self {
        Self {
            maps: (0..3).map(|r| Replica::new(r as u8, Map::new())).collect(),
            models: vec![Model::default(); 3],
            wire: Vec::new(),
            tag: 0,
        }
    }

    fn tag(&mut self) -> u64 {
        self.tag += 1;
        self.tag
    }

    fn ship(&mut self, from: usize, delta: Map, model: Model) {
        self.models[from].merge(&model);
        for to in 0..3 {
            if to != from {
                self.wire.push((to, delta.clone(), model.clone()));
            }
        }
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Add(r, k, e) => {
                let delta = self.maps[r].update(k, |s| s.add(e)).unwrap();
                let (kt, et) = (self.tag(), self.tag());
                let m = &self.models[r];
                let mut model = Model::default();
                model.dead.extend(m.live_keys(k));
                model.dead.extend(m.live_elems(k, Some(e)));
                model.keys.insert((k, kt));
                model.elems.insert((k, e, et));
                self.ship(r, delta, model);
            }
            Op::RemoveElem(r, k, e) => {
                let result = self.maps[r].update(k, |s| s.remove(&e));
                let m = &self.models[r];
                let observed = m.live_elems(k, Some(e));
                if observed.is_empty() {
                    assert!(result.is_err(), "removing an absent element must fail");
                    return;
                }
                let delta = result.unwrap();
                let kt = self.tag();
                let m = &self.models[r];
                let mut model = Model::default();
                model.dead.extend(m.live_keys(k));
                model.dead.extend(observed);
                model.keys.insert((k, kt));
                self.ship(r, delta, model);
            }
            Op::RemoveKey(r, k) => {
                let result = self.maps[r].remove_key(&k);
                let m = &self.models[r];
                if m.live_keys(k).is_empty() {
                    assert_eq!(result, Err(RemoveError::NotPresent));
                    return;
                }
                let delta = result.unwrap();
                let mut model = Model::default();
                model.dead.extend(m.live_keys(k));
                model.dead.extend(m.live_elems(k, None));
                self.ship(r, delta, model);
            }
            Op::Deliver(i, dup) if !self.wire.is_empty() => {
                let i = i % self.wire.len();
                let (to, delta, model) = if dup {
                    self.wire[i].clone()
                } else {
                    self.wire.remove(i)
                };
                self.maps[to].merge_delta(&delta).unwrap();
                self.models[to].merge(&model);
            }
            Op::Lose(i) if !self.wire.is_empty() => {
                let i = i % self.wire.len();
                self.wire.remove(i);
            }
            Op::Sync(from, to) if from != to => {
                let state = self.maps[from].state().clone();
                self.maps[to].merge(&state).unwrap();
                let model = self.models[from].clone();
                self.models[to].merge(&model);
            }
            _ => {}
        }
    }
}

proptest! {
    /// After every step each replica reads what the tombstone model reads; after full
    /// anti-entropy all replicas hold equal states.
    #[test]
    fn prop_ormap_matches_the_tombstone_model(ops in prop::collection::vec(op(), 0..80)) {
        let mut cluster = Cluster::new();
        for op in &ops {
            cluster.step(op);
            for r in 0..3 {
                prop_assert_eq!(read(cluster.maps[r].state()), cluster.models[r].read());
            }
        }
        for _ in 0..2 {
            for from in 0..3 {
                for to in 0..3 {
                    cluster.step(&Op::Sync(from, to));
                }
            }
        }
        for r in 1..3 {
            prop_assert_eq!(cluster.maps[r].state(), cluster.maps[0].state());
        }
        prop_assert_eq!(read(cluster.maps[0].state()), cluster.models[0].read());
    }

    /// Maps nested two levels deep (user -> shop -> item set) and maps of counters:
    /// the join is commutative, associative and idempotent on whole states, and each
    /// mutator's delta `d` satisfies `x ⊔ d == m(x)`.
    #[test]
    fn prop_nested_maps_join_laws(
        ops in prop::collection::vec((0..3_usize, 0..3_u8, 0..3_u8, 0..3_u8, 0..4_u8), 0..40)
    ) {
        type Deep = OrMap<u8, OrMap<u8, OrSet<u8, u8>, u8>, u8>;
        let mut replicas: Vec<Replica<u8, Deep>> =
            (0..3).map(|r| Replica::new(r as u8, Deep::new())).collect();
        let mut counters: Replica<u8, OrMap<u8, GCounter<u8>, u8>> =
            Replica::new(9, OrMap::new());
        for &(r, a, b, e, kind) in &ops {
            let before = replicas[r].state().clone();
            let delta = match kind {
                0 => replicas[r].update(a, |shop| shop.update(b, |s| s.add(e))),
                1 => replicas[r].update(a, |shop| {
                    shop.remove_key(&b).map_err(ward_crdt::ReplicaError::from)
                }),
                2 => replicas[r].remove_key(&a).map_err(ward_crdt::ReplicaError::from),
                _ => {
                    let from = replicas[(r + 1) % 3].state().clone();
                    replicas[r].merge(&from).map(|()| Deep::new())
                }
            };
            if let Ok(delta) = delta {
                prop_assert_eq!(before.join(&delta).join(replicas[r].state()), replicas[r].state().clone());
            }
            counters.update(a, |c| c.increment(u64::from(e))).unwrap();
        }
        let [x, y, z] = [0, 1, 2].map(|r| replicas[r].state().clone());
        prop_assert_eq!(x.clone().join(&y), y.clone().join(&x));
        prop_assert_eq!(x.clone().join(&y).join(&z), x.clone().join(&y.clone().join(&z)));
        prop_assert_eq!(x.clone().join(&x), x.clone());
        let total: u128 = counters.state().iter().map(|(_, c)| c.value()).sum();
        prop_assert_eq!(total, ops.iter().map(|o| u128::from(o.3)).sum::<u128>());
    }
}

#[test]
fn reset_remove_keeps_only_the_concurrent_update() {
    // riak_dt's map semantics: a removal resets what it observed; the concurrent
    // update survives and keeps the key.
    let mut a = Replica::new(1_u8, Map::new());
    let mut b = Replica::new(2_u8, Map::new());
    let first = a.update(7, |s| s.add(1)).unwrap();
    b.merge_delta(&first).unwrap();
    let remove = b.remove_key(&7).unwrap();
    let concurrent = a.update(7, |s| s.add(2)).unwrap();
    a.merge_delta(&remove).unwrap();
    b.merge_delta(&concurrent).unwrap();
    assert_eq!(a.state(), b.state());
    let read: Vec<u8> = a.state().get(&7).unwrap().iter().copied().collect();
    assert_eq!(read, [2]);
    // Removal observed everything: the key and its contents are gone on both.
    let gone = a.remove_key(&7).unwrap();
    b.merge_delta(&gone).unwrap();
    assert!(b.state().get(&7).is_none());
    // Re-adding starts from nothing: the old elements do not come back.
    let again = b.update(7, |s| s.add(3)).unwrap();
    a.merge_delta(&again).unwrap();
    assert_eq!(
        a.state()
            .get(&7)
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [3]
    );
}

#[test]
fn ormap_round_trips_through_binary_and_refuses_unsorted_values() {
    let mut a = Replica::new(1_u8, Map::new());
    a.update(3, |s| s.add(1)).unwrap();
    a.update(5, |s| s.add(2)).unwrap();
    a.remove_key(&3).unwrap();
    let bytes = ward_crdt::to_bytes(a.state());
    assert_eq!(ward_crdt::from_bytes::<Map>(&bytes).as_ref(), Ok(a.state()));
    let (keys, values) = a.state().parts();
    let mut swapped = values.to_vec();
    swapped.reverse();
    assert_eq!(
        Map::try_from((keys.clone(), swapped)),
        Err(ward_crdt::DecodeError::UnsortedEntries { index: 1 })
    );
}

/// A delta may carry a value's content under a key its own key set does not hold: the
/// peer already has the key's newest dot but lost an older update of the value. The
/// decoders must accept it (deltas and states share one type), and merging it must
/// restore the lost content.
#[test]
fn a_delta_with_content_under_a_key_it_does_not_hold_decodes_and_repairs() {
    let mut a = Replica::new(1_u8, Map::new());
    let mut b = Replica::new(2_u8, Map::new());
    let _lost = a.update(7, |s| s.add(1)).unwrap();
    let second = a.update(7, |s| s.add(2)).unwrap();
    b.merge_delta(&second).unwrap();
    let delta = a.state().delta_for(&b.state().digest());
    assert!(
        !delta.keys().contains(&7),
        "the key's newest dot is b's already"
    );
    assert_eq!(delta.parts().1.len(), 1, "the lost element travels");
    let bytes = ward_crdt::to_bytes(&delta);
    assert_eq!(ward_crdt::from_bytes::<Map>(&bytes).as_ref(), Ok(&delta));
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&delta).unwrap();
        assert_eq!(serde_json::from_str::<Map>(&json).unwrap(), delta);
    }
    b.merge_delta(&delta).unwrap();
    assert_eq!(b.state(), a.state());
    let read: Vec<u8> = b.state().get(&7).unwrap().iter().copied().collect();
    assert_eq!(read, [1, 2]);
}

#[cfg(feature = "serde")]
#[test]
fn ormap_round_trips_through_json() {
    let mut a = Replica::new(1_u8, Map::new());
    a.update(3, |s| s.add(1)).unwrap();
    a.remove_key(&3).unwrap();
    a.update(4, |s| s.add(9)).unwrap();
    let json = serde_json::to_string(a.state()).unwrap();
    let back: Map = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, a.state());
}

#[test]
fn ormap_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Map>();
    shared::<OrMap<String, OrMap<String, GCounter<String>, String>, String>>();
}

#[test]
fn removing_a_key_resets_nested_maps_and_registers() {
    // Nested map: the removal resets the inner map's keys and sets, so a re-add starts
    // from nothing.
    type Deep = OrMap<u8, OrMap<u8, OrSet<u8, u8>, u8>, u8>;
    let mut a = Replica::new(1_u8, Deep::new());
    assert!(a.state().is_empty());
    a.update(1, |shop| shop.update(2, |s| s.add(5))).unwrap();
    assert_eq!((a.state().len(), a.state().is_empty()), (1, false));
    a.remove_key(&1).unwrap();
    assert!(a.state().is_empty() && a.state().keys().is_empty());
    a.update(1, |shop| shop.update(3, |s| s.add(6))).unwrap();
    let shop = a.state().get(&1).unwrap();
    assert_eq!(shop.len(), 1);
    assert!(shop.get(&2).is_none());
    assert_eq!(
        shop.get(&3).unwrap().iter().copied().collect::<Vec<_>>(),
        [6]
    );
    assert_eq!(a.state().keys().iter().copied().collect::<Vec<_>>(), [1]);

    // Register: the removal drops the observed value (the re-add changes nothing in
    // the value itself, so only the reset can have emptied it).
    let mut r = Replica::new(1_u8, OrMap::<u8, ward_crdt::MvRegister<u8, u8>, u8>::new());
    r.update(4, |reg| reg.write(9)).unwrap();
    r.remove_key(&4).unwrap();
    r.update(4, |_reg| {
        Ok::<_, ward_crdt::ReplicaError>(ward_crdt::MvRegister::new())
    })
    .unwrap();
    assert_eq!(r.state().get(&4).unwrap().len(), 0);
}

#[test]
fn map_replica_refuses_foreign_and_double_spent_events() {
    use ward_crdt::{DeltaCrdt, ReplicaError};
    let mut p = Replica::new(1_u8, Map::new());
    let mut q = Replica::new(1_u8, Map::new());
    p.update(3, |s| s.add(1)).unwrap();
    p.update(3, |s| s.add(2)).unwrap();
    q.update(4, |s| s.add(7)).unwrap();
    // Key dots and nested dots are counted: p has minted 1:2 in both.
    assert_eq!(p.state().events_of(&1), 2);
    assert_eq!(p.state().events_of(&9), 0);
    let before = q.state().clone();
    assert_eq!(
        q.merge(p.state()),
        Err(ReplicaError::ForeignEvents {
            known: 1,
            incoming: 2
        })
    );
    assert_eq!(q.state(), &before);
    // Nested events alone: a value dot q never minted, under a key q already knows.
    let mut r = Replica::new(1_u8, Map::new());
    r.update(4, |s| s.add(7)).unwrap();
    let shared = r.state().clone();
    let mut q2 = Replica::new(1_u8, Map::new());
    q2.merge(&shared).unwrap_err();
    let mut other = Replica::new(2_u8, Map::new());
    other.merge(&shared).unwrap();
    assert_eq!(other.state().unknown_events_of(p.state(), &1), Some((1, 2)));
    // Key 4 holds a nested dot 1:1 that p (also actor 1) never minted.
    assert_eq!(p.state().unknown_events_of(other.state(), &1), Some((0, 1)));
    assert_eq!(p.state().unknown_events_of(other.state(), &2), None);
}

#[test]
fn map_merge_refuses_a_dot_spent_on_two_keys_and_equality_sees_values() {
    use ward_crdt::ReplicaError;
    let mut p = Replica::new(1_u8, Map::new());
    let mut q = Replica::new(1_u8, Map::new());
    let mut r = Replica::new(2_u8, Map::new());
    let x = p.update(3, |s| s.add(1)).unwrap();
    let y = q.update(5, |s| s.add(2)).unwrap();
    r.merge_delta(&x).unwrap();
    let before = r.state().clone();
    assert_eq!(
        r.merge_delta(&y),
        Err(ReplicaError::DoubleSpentDot { counter: 1 })
    );
    assert_eq!(r.state(), &before);
    // Same keys, different values; same values, different keys: never equal.
    let mut s1 = Replica::new(1_u8, Map::new());
    s1.update(3, |s| s.add(9)).unwrap();
    assert_ne!(s1.state(), p.state());
    let mut s2 = Replica::new(1_u8, Map::new());
    s2.update(4, |s| s.add(1)).unwrap();
    assert_ne!(s2.state(), p.state());
    assert_eq!(p.state(), &p.state().clone());
}

// Tests for mutants of `ormap.rs` that survived a cargo-mutants run: each assertion
// below fails when the named function is replaced by a constant or an operator flips.

#[test]
fn accessors_count_keys_and_expose_the_key_set() {
    let empty = Map::new();
    assert_eq!((empty.len(), empty.is_empty()), (0, true));
    assert!(empty.keys().is_empty());
    let mut m = Replica::new(1_u8, Map::new());
    m.update(3, |s| s.add(1)).unwrap();
    m.update(5, |s| s.add(2)).unwrap();
    m.update(6, |s| s.add(2)).unwrap();
    assert_eq!((m.state().len(), m.state().is_empty()), (3, false));
    let keys: Vec<u8> = m.state().keys().iter().copied().collect();
    assert_eq!(keys, [3, 5, 6]);
    assert_eq!(m.state().keys().dots(&5).len(), 1);
    m.remove_key(&5).unwrap();
    m.remove_key(&6).unwrap();
    assert_eq!((m.state().len(), m.state().is_empty()), (1, false));
}

#[test]
fn register_reset_drops_every_sibling_it_observed() {
    use ward_crdt::{MvRegister, Nested};
    let mut p = Replica::new(1_u8, MvRegister::new());
    let mut q = Replica::new(2_u8, MvRegister::new());
    let d = p.write(4).unwrap();
    q.write(5).unwrap();
    q.merge_delta(&d).unwrap();
    assert_eq!(q.state().len(), 2);
    let reset = q.state().reset();
    assert_eq!(reset.context(), q.state().context());
    assert!(q.state().clone().join(&reset).is_empty());
    // Inside a map: after a key removal, a re-added key does not show the old value.
    let mut m = Replica::new(1_u8, OrMap::<u8, MvRegister<u8, u8>, u8>::new());
    m.update(4, |reg| reg.write(9)).unwrap();
    let remove = m.remove_key(&4).unwrap();
    let (_, stored) = remove.parts();
    assert_eq!(stored.len(), 1, "the removal ships the register's reset");
    assert!(stored[0].1.is_empty() && !stored[0].1.context().is_empty());
}

#[test]
fn counter_reset_is_bottom_and_removal_keeps_the_count() {
    // Counters cannot be reset: reset is the bottom state, so a re-added key shows the
    // old count. (Replacing `reset` by `Default::default()` is the same function.)
    use ward_crdt::{Nested, PnCounter};
    let mut g = Replica::new(1_u8, GCounter::new());
    g.increment(3).unwrap();
    assert_eq!(g.state().reset(), GCounter::new());
    let mut p = Replica::new(1_u8, PnCounter::new());
    p.decrement(3).unwrap();
    assert_eq!(p.state().reset(), PnCounter::new());
    let mut m = Replica::new(1_u8, OrMap::<u8, GCounter<u8>, u8>::new());
    m.update(1, |c| c.increment(2)).unwrap();
    m.remove_key(&1).unwrap();
    assert!(m.state().get(&1).is_none());
    m.update(1, |c| c.increment(1)).unwrap();
    assert_eq!(m.state().get(&1).map(GCounter::value), Some(3));
}

#[test]
fn nested_map_reset_resets_every_inner_key_and_value() {
    use ward_crdt::Nested;
    type Deep = OrMap<u8, OrMap<u8, OrSet<u8, u8>, u8>, u8>;
    let mut a = Replica::new(1_u8, Deep::new());
    a.update(1, |shop| shop.update(2, |s| s.add(5))).unwrap();
    a.update(3, |shop| shop.update(4, |s| s.add(6))).unwrap();
    let reset = a.state().reset();
    assert!(reset.is_empty());
    assert_eq!(reset.keys().context(), a.state().keys().context());
    let (_, values) = reset.parts();
    assert_eq!(values.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 3]);
    let joined = a.state().clone().join(&reset);
    assert!(joined.is_empty());
    // The inner sets were reset too: re-adding the same inner key shows only the new
    // element.
    a.merge_delta(&reset).unwrap();
    a.update(1, |shop| shop.update(2, |s| s.add(7))).unwrap();
    let inner = a.state().get(&1).and_then(|shop| shop.get(&2)).unwrap();
    assert_eq!(inner.iter().copied().collect::<Vec<_>>(), [7]);
}

#[test]
fn events_of_counts_key_and_nested_dots() {
    use ward_crdt::DeltaCrdt;
    type Deep = OrMap<u8, OrMap<u8, OrSet<u8, u8>, u8>, u8>;
    let mut a = Replica::new(1_u8, Deep::new());
    assert_eq!(a.state().events_of(&1), 0);
    a.update(1, |shop| shop.update(2, |s| s.add(5))).unwrap();
    a.update(1, |shop| shop.update(2, |s| s.add(6))).unwrap();
    a.update(1, |shop| shop.update(2, |s| s.add(7))).unwrap();
    assert_eq!(a.state().events_of(&1), 3);
    // Only the nested value knows actor 2's events: the key set does not.
    let mut b = Replica::new(2_u8, Deep::new());
    b.merge(a.state()).unwrap();
    let d = b.update(1, |shop| shop.update(2, |s| s.add(8))).unwrap();
    assert_eq!(d.events_of(&2), 1);
    let (_, values) = d.parts();
    assert_eq!(values.len(), 1);
    // A nested value alone (no key dots) still counts.
    let nested_only =
        Deep::try_from((OrSet::new(), values.to_vec())).expect("canonical delta values");
    assert_eq!(nested_only.events_of(&2), 1);
}

#[test]
fn unknown_events_and_double_spent_dots_are_found_in_nested_values() {
    use ward_crdt::DeltaCrdt;
    // A value dot of actor 1 under a key whose key dots carry nothing unknown.
    let mut p = Replica::new(1_u8, Map::new());
    let d = p.update(2, |s| s.add(1)).unwrap();
    let (_, values) = d.parts();
    let nested_only = Map::try_from((OrSet::new(), values.to_vec())).unwrap();
    assert_eq!(Map::new().unknown_events_of(&nested_only, &1), Some((0, 1)));
    assert_eq!(p.state().unknown_events_of(&nested_only, &1), None);
    // Same key set on both sides, a dot spent on two values inside the key.
    let mut q = Replica::new(1_u8, Map::new());
    q.update(2, |s| s.add(9)).unwrap();
    assert_eq!(p.state().keys(), q.state().keys());
    assert_eq!(p.state().double_spent_dot(q.state()), Some(1));
    assert_eq!(p.state().double_spent_dot(p.state()), None);
    let mut r = Replica::new(2_u8, Map::new());
    r.merge(p.state()).unwrap();
    assert_eq!(
        r.merge(q.state()),
        Err(ward_crdt::ReplicaError::DoubleSpentDot { counter: 1 })
    );
}

#[test]
fn equality_needs_equal_keys_and_equal_values() {
    // Equal key sets, different values.
    let mut p = Replica::new(1_u8, Map::new());
    let mut q = Replica::new(1_u8, Map::new());
    p.update(3, |s| s.add(1)).unwrap();
    q.update(3, |s| s.add(2)).unwrap();
    assert_eq!(p.state().keys(), q.state().keys());
    assert_ne!(p.state(), q.state());
    // Different key sets, equal (empty) values.
    let mut x = Replica::new(1_u8, Map::new());
    let mut y = Replica::new(1_u8, Map::new());
    x.update(3, |_| Ok::<_, ward_crdt::ReplicaError>(OrSet::new()))
        .unwrap();
    y.update(4, |_| Ok::<_, ward_crdt::ReplicaError>(OrSet::new()))
        .unwrap();
    assert_eq!(x.state().parts().1, y.state().parts().1);
    assert_ne!(x.state(), y.state());
    assert_eq!(x.state(), &x.state().clone());
}

#[test]
fn debug_names_keys_and_values() {
    let mut m = Replica::new(1_u8, OrMap::<&str, OrSet<&str, u8>, u8>::new());
    m.update("cart", |s| s.add("pen")).unwrap();
    let shown = format!("{:?}", m.state());
    assert!(shown.starts_with("OrMap"), "{shown}");
    assert!(
        shown.contains("\"cart\"") && shown.contains("\"pen\""),
        "{shown}"
    );
}
