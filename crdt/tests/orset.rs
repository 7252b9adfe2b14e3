//! `OrSet` against a naive tombstone-based add-wins OR-set, under full-state merges and
//! under lossy, duplicating, reordering delta delivery; `delta_since`; named cases.

use std::collections::BTreeSet;

use proptest::prelude::*;
use ward_crdt::{Digest, Lattice, OrSet, Replica, ReplicaError};
use ward_vclock::{Dot, DotContext, VClock, VClockError};

const REPLICAS: usize = 3;

type Set = OrSet<u8, u8>;
type Tag = (u8, u64);

/// The textbook OR-set: every add is a unique tag kept forever; a remove tombstones the
/// tags it observed; an element is present if one of its tags is not tombstoned.
#[derive(Debug, Clone, Default)]
struct Model {
    adds: BTreeSet<(u8, Tag)>,
    tombs: BTreeSet<Tag>,
    next: u64,
    /// Whether an add also tombstones the element's observed tags, as the delta-state
    /// set's add does (it supersedes them). Reads are the same either way under
    /// full-state merges; with lossy deltas the delta contents must match exactly.
    supersede: bool,
}

/// What a mutation ships, in model terms: new adds and new tombstones.
#[derive(Debug, Clone, Default)]
struct ModelDelta {
    adds: BTreeSet<(u8, Tag)>,
    tombs: BTreeSet<Tag>,
}

impl Model {
    fn observed(&self, e: u8) -> BTreeSet<Tag> {
        self.adds
            .iter()
            .filter(|(x, t)| *x == e && !self.tombs.contains(t))
            .map(|(_, t)| *t)
            .collect()
    }

    fn add(&mut self, replica: u8, e: u8) -> ModelDelta {
        self.next += 1;
        let tag = (replica, self.next);
        let tombs = if self.supersede {
            self.observed(e)
        } else {
            BTreeSet::new()
        };
        self.tombs.extend(&tombs);
        self.adds.insert((e, tag));
        ModelDelta {
            adds: [(e, tag)].into(),
            tombs,
        }
    }

    fn remove(&mut self, e: u8) -> ModelDelta {
        let tombs = self.observed(e);
        self.tombs.extend(&tombs);
        ModelDelta {
            adds: BTreeSet::new(),
            tombs,
        }
    }

    fn clear(&mut self) -> ModelDelta {
        let tombs: BTreeSet<Tag> = self
            .adds
            .iter()
            .filter(|(_, t)| !self.tombs.contains(t))
            .map(|(_, t)| *t)
            .collect();
        self.tombs.extend(&tombs);
        ModelDelta {
            adds: BTreeSet::new(),
            tombs,
        }
    }

    fn apply(&mut self, delta: &ModelDelta) {
        self.adds.extend(&delta.adds);
        self.tombs.extend(&delta.tombs);
    }

    fn merge(&mut self, other: &Self) {
        self.adds.extend(&other.adds);
        self.tombs.extend(&other.tombs);
    }

    fn read(&self) -> Vec<u8> {
        let set: BTreeSet<u8> = self
            .adds
            .iter()
            .filter(|(_, t)| !self.tombs.contains(t))
            .map(|(e, _)| *e)
            .collect();
        set.into_iter().collect()
    }
}

fn read(set: &Set) -> Vec<u8> {
    set.iter().copied().collect()
}

#[derive(Debug, Clone)]
enum Op {
    Add(usize, u8),
    Remove(usize, u8),
    Clear(usize),
    /// Full-state merge `from → to`.
    Merge(usize, usize),
    /// Deliver the in-flight delta at this index and forget it.
    Deliver(usize),
    /// Deliver the in-flight delta at this index and keep it for a duplicate delivery.
    Duplicate(usize),
    /// Lose the in-flight delta at this index.
    Lose(usize),
}

fn op(with_deltas: bool) -> BoxedStrategy<Op> {
    let base = prop_oneof![
        6 => (0..REPLICAS, 0..6_u8).prop_map(|(r, e)| Op::Add(r, e)),
        4 => (0..REPLICAS, 0..6_u8).prop_map(|(r, e)| Op::Remove(r, e)),
        1 => (0..REPLICAS).prop_map(Op::Clear),
        3 => (0..REPLICAS, 0..REPLICAS).prop_map(|(a, b)| Op::Merge(a, b)),
    ];
    if with_deltas {
        prop_oneof![
            10 => base,
            6 => any::<usize>().prop_map(Op::Deliver),
            2 => any::<usize>().prop_map(Op::Duplicate),
            2 => any::<usize>().prop_map(Op::Lose),
        ]
        .boxed()
    } else {
        base.boxed()
    }
}

/// Histories over up to 64 elements, mostly adds: merges between replicas that drifted
/// apart then insert and remove more than a handful of elements at once, which takes the
/// merge's rebuild path instead of its in-place edits.
fn wide_op() -> BoxedStrategy<Op> {
    prop_oneof![
        12 => (0..REPLICAS, 0..64_u8).prop_map(|(r, e)| Op::Add(r, e)),
        4 => (0..REPLICAS, 0..64_u8).prop_map(|(r, e)| Op::Remove(r, e)),
        2 => (0..REPLICAS, 0..REPLICAS).prop_map(|(a, b)| Op::Merge(a, b)),
        4 => any::<usize>().prop_map(Op::Deliver),
        1 => any::<usize>().prop_map(Op::Duplicate),
        1 => any::<usize>().prop_map(Op::Lose),
    ]
    .boxed()
}

struct Cluster {
    sets: Vec<Replica<u8, Set>>,
    models: Vec<Model>,
    /// In-flight deltas: (destination, delta, model delta).
    wire: Vec<(usize, Set, ModelDelta)>,
}

impl Cluster {
    fn new(supersede: bool) -> Self {
        Self {
            sets: (0..REPLICAS)
                .map(|r| Replica::new(r as u8, OrSet::new()))
                .collect(),
            models: (0..REPLICAS)
                .map(|_| Model {
                    supersede,
                    ..Model::default()
                })
                .collect(),
            wire: Vec::new(),
        }
    }

    fn ship(&mut self, from: usize, delta: Set, model: ModelDelta) {
        for to in (0..REPLICAS).filter(|&to| to != from) {
            self.wire.push((to, delta.clone(), model.clone()));
        }
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Add(r, e) => {
                let delta = self.sets[r].add(e).expect("dots left");
                let model = self.models[r].add(r as u8, e);
                self.ship(r, delta, model);
            }
            Op::Remove(r, e) => {
                let delta = self.sets[r].remove(&e).unwrap_or_default();
                let model = self.models[r].remove(e);
                self.ship(r, delta, model);
            }
            Op::Clear(r) => {
                let delta = self.sets[r].clear();
                let model = self.models[r].clear();
                self.ship(r, delta, model);
            }
            Op::Merge(from, to) => {
                let state = self.sets[from].state().clone();
                self.sets[to].merge(&state).expect("distinct actors");
                let model = self.models[from].clone();
                self.models[to].merge(&model);
            }
            Op::Deliver(i) | Op::Duplicate(i) | Op::Lose(i) if !self.wire.is_empty() => {
                let i = i % self.wire.len();
                let (to, delta, model) = match op {
                    Op::Duplicate(_) => self.wire[i].clone(),
                    _ => self.wire.remove(i),
                };
                if !matches!(op, Op::Lose(_)) {
                    self.sets[to].merge_delta(&delta).expect("distinct actors");
                    self.models[to].apply(&model);
                }
            }
            Op::Deliver(_) | Op::Duplicate(_) | Op::Lose(_) => {}
        }
    }

    /// Full-state anti-entropy: every replica merges every other's state, twice round.
    fn anti_entropy(&mut self) {
        self.wire.clear();
        for _ in 0..2 {
            for from in 0..REPLICAS {
                for to in 0..REPLICAS {
                    let state = self.sets[from].state().clone();
                    self.sets[to].merge(&state).expect("distinct actors");
                    let model = self.models[from].clone();
                    self.models[to].merge(&model);
                }
            }
        }
    }

    /// Runs `ops`, checking reads against the model after every step, then full-state
    /// anti-entropy, after which every replica must hold the same whole state.
    fn run_then_converge(&mut self, ops: &[Op]) -> Result<(), TestCaseError> {
        for op in ops {
            self.step(op);
            self.check_reads()?;
        }
        self.anti_entropy();
        self.check_reads()?;
        let first = self.sets[0].state();
        for other in &self.sets[1..] {
            prop_assert_eq!(other.state(), first);
        }
        // The metadata bound, once no gap is left: the context is one counter per actor
        // (no dot cloud), and an element carries at most one dot per actor.
        prop_assert_eq!(first.context().cloud().count(), 0);
        prop_assert!(first.context().clock().len() <= REPLICAS);
        for x in first {
            let dots = first.dots(x);
            let actors: BTreeSet<u8> = dots.iter().map(|d| *d.actor()).collect();
            prop_assert_eq!(actors.len(), dots.len(), "element {} has {:?}", x, dots);
        }
        Ok(())
    }

    fn check_reads(&self) -> Result<(), TestCaseError> {
        for (set, model) in self.sets.iter().zip(&self.models) {
            prop_assert_eq!(read(set.state()), model.read());
        }
        Ok(())
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Under any history of adds, removes, clears and full-state merges, every replica
    /// reads exactly what the textbook tombstone OR-set reads, after every step.
    #[test]
    fn prop_reads_match_tombstone_model(ops in prop::collection::vec(op(false), 0..60)) {
        let mut cluster = Cluster::new(false);
        for op in &ops {
            cluster.step(op);
            cluster.check_reads()?;
        }
    }

    /// Deltas delivered with loss, duplication and reordering never lose an element nor
    /// resurrect a removed one (reads match the model after every step), and full-state
    /// anti-entropy then makes all replicas equal as whole states.
    #[test]
    fn prop_converges_under_lossy_delta_delivery(ops in prop::collection::vec(op(true), 0..80)) {
        Cluster::new(true).run_then_converge(&ops)?;
    }

    /// The same on wide histories, where merges add and drop many elements at once.
    #[test]
    fn prop_wide_merges_match_tombstone_model(ops in prop::collection::vec(wide_op(), 0..160)) {
        Cluster::new(true).run_then_converge(&ops)?;
    }

    /// Delivering every delta, in any order and with duplicates, converges without any
    /// full-state exchange.
    #[test]
    fn prop_converges_when_every_delta_arrives(
        ops in prop::collection::vec(op(false), 0..40),
        order in any::<u64>(),
    ) {
        let mut cluster = Cluster::new(true);
        for op in ops.iter().filter(|op| !matches!(op, Op::Merge(..))) {
            cluster.step(op);
        }
        // Deliver everything in a scrambled order, each delta twice.
        let mut wire = std::mem::take(&mut cluster.wire);
        let delivered: Vec<ModelDelta> = wire.iter().map(|(_, _, m)| m.clone()).collect();
        wire.extend(wire.clone());
        let mut seed = order | 1;
        while !wire.is_empty() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let (to, delta, _) = wire.swap_remove((seed >> 33) as usize % wire.len());
            cluster.sets[to].merge_delta(&delta).expect("distinct actors");
        }
        prop_assert_eq!(cluster.sets[0].state(), cluster.sets[1].state());
        prop_assert_eq!(cluster.sets[1].state(), cluster.sets[2].state());
        // Every replica also matches the model once it has every delta.
        let mut everything = Model::default();
        for m in &cluster.models {
            everything.merge(m);
        }
        for m in &delivered {
            everything.apply(m);
        }
        prop_assert_eq!(read(cluster.sets[0].state()), everything.read());
    }

    /// `delta_since(peer's clock)` brings the peer exactly to `peer ⊔ self`, and is a
    /// state below `self`.
    #[test]
    fn prop_delta_since_is_exact(
        ops in prop::collection::vec(op(true), 0..80),
        a in 0..REPLICAS,
        b in 0..REPLICAS,
        cut in any::<prop::sample::Index>(),
    ) {
        // Lossy delta delivery first, so contexts have gaps (dot clouds) too.
        let mut cluster = Cluster::new(true);
        // The peer's clock at some earlier step: a version vector the peer's context
        // holds but that is not its own clock (it has seen more since).
        let cut = cut.index(ops.len() + 1);
        let mut old_clock = cluster.sets[b].state().context().clock().clone();
        for (i, op) in ops.iter().enumerate() {
            if i == cut {
                old_clock = cluster.sets[b].state().context().clock().clone();
            }
            cluster.step(op);
        }
        let source = cluster.sets[a].state();
        let peer = cluster.sets[b].state();
        for seen in [peer.context().clock(), &old_clock] {
            let delta = source.delta_since(seen);
            prop_assert!(delta.leq(source));
            prop_assert_eq!(peer.clone().join(&delta), peer.clone().join(source));
            prop_assert!(delta.len() <= source.len());
        }
    }

    /// `delta_for(peer's digest)` is the optimal delta: below `self`, brings the peer to
    /// `peer ⊔ self`, empty exactly when the peer is already above `self`, and made only
    /// of parts the peer is not above (a live dot it never saw, a removed dot it never
    /// saw or still holds).
    #[test]
    fn prop_delta_for_is_the_optimal_delta(
        ops in prop::collection::vec(op(true), 0..80),
        a in 0..REPLICAS,
        b in 0..REPLICAS,
    ) {
        let mut cluster = Cluster::new(true);
        for op in &ops {
            cluster.step(op);
        }
        let source = cluster.sets[a].state();
        let peer = cluster.sets[b].state();
        let digest = peer.digest();
        let delta = source.delta_for(&digest);
        prop_assert_eq!(source.clone().join(&delta), source.clone());
        prop_assert_eq!(peer.clone().join(&delta), peer.clone().join(source));
        prop_assert_eq!(delta == OrSet::new(), source.leq(peer));
        prop_assert_eq!(source.fingerprint() == peer.fingerprint(), source == peer);
        let live_in_delta: Vec<_> = delta.iter().flat_map(|e| delta.dots(e)).collect();
        for dot in delta.context().dots() {
            if live_in_delta.contains(&dot) {
                prop_assert!(!peer.context().contains(&dot));
            } else {
                let live_at_peer = peer.iter().any(|e| peer.dots(e).contains(&dot));
                prop_assert!(!peer.context().contains(&dot) || live_at_peer);
                prop_assert!(source.iter().all(|e| !source.dots(e).contains(&dot)));
            }
        }
        prop_assert_eq!(Digest::try_from(digest.clone().into_parts()), Ok(digest));
    }
}

// ---------------------------------------------------------------------------------------
// Named cases. The first three are the add-wins cases of "A comprehensive study of
// Convergent and Commutative Replicated Data Types" (Shapiro, Preguiça, Baquero,
// Zawirski), section 3.3.5 (OR-Set): a remove affects only the adds it observed.

fn replica(actor: u8) -> Replica<u8, Set> {
    Replica::new(actor, OrSet::new())
}

#[test]
fn concurrent_add_and_remove_of_the_same_element_keeps_it() {
    let mut a = replica(1);
    let mut b = replica(2);
    let first = a.add(7).unwrap();
    b.merge_delta(&first).unwrap();

    // Concurrently: a adds 7 again, b removes 7.
    let add = a.add(7).unwrap();
    let remove = b.remove(&7).unwrap();
    a.merge_delta(&remove).unwrap();
    b.merge_delta(&add).unwrap();

    assert!(a.state().contains(&7));
    assert!(b.state().contains(&7));
    assert_eq!(a.state(), b.state());
}

#[test]
fn concurrent_add_on_a_replica_that_never_saw_the_element_survives_remove() {
    let mut a = replica(1);
    let mut b = replica(2);
    let add_a = a.add(3).unwrap();
    b.merge_delta(&add_a).unwrap();
    let remove = b.remove(&3).unwrap();
    // c adds 3 without having seen anything.
    let mut c = replica(3);
    let add_c = c.add(3).unwrap();
    for r in [&mut a, &mut c] {
        r.merge_delta(&remove).unwrap();
    }
    a.merge_delta(&add_c).unwrap();
    b.merge_delta(&add_c).unwrap();
    c.merge_delta(&add_a).unwrap();
    for r in [&a, &b, &c] {
        assert!(r.state().contains(&3));
        assert_eq!(r.state().dots(&3), [Dot::new(3, 1).unwrap()]);
    }
}

#[test]
fn remove_of_an_element_the_other_replica_re_added_concurrently_keeps_it() {
    // Variant 1: b removes and re-adds; variant 2: b re-adds over the old dot. In both,
    // a concurrently removes the element, having observed only the first add.
    for remove_first in [true, false] {
        let mut a = replica(1);
        let mut b = replica(2);
        let add = a.add(5).unwrap();
        b.merge_delta(&add).unwrap();

        let remove_a = a.remove(&5).unwrap();
        let mut deltas_b = Vec::new();
        if remove_first {
            deltas_b.push(b.remove(&5).unwrap());
        }
        deltas_b.push(b.add(5).unwrap());

        // Both delivery orders of a's remove against b's deltas.
        let mut a_late = a.state().clone();
        for d in &deltas_b {
            a.merge_delta(d).unwrap();
        }
        b.merge_delta(&remove_a).unwrap();
        a_late.merge(b.state());
        for state in [a.state(), b.state(), &a_late] {
            assert!(state.contains(&5), "remove_first = {remove_first}");
            assert_eq!(state.dots(&5), [Dot::new(2, 1).unwrap()]);
        }
        assert_eq!(a.state(), b.state());
        assert_eq!(&a_late, b.state());
    }
}

#[test]
fn remove_after_observing_all_adds_is_absent_in_every_merge_order() {
    // Three replicas add the same element concurrently; the remover sees all three adds.
    let mut replicas: Vec<_> = (1..=3).map(replica).collect();
    let adds: Vec<Set> = replicas.iter_mut().map(|r| r.add(9).unwrap()).collect();
    let mut remover = replica(4);
    for add in &adds {
        remover.merge_delta(add).unwrap();
    }
    assert_eq!(remover.state().dots(&9).len(), 3);
    let remove = remover.remove(&9).unwrap();

    let mut messages: Vec<Set> = adds.clone();
    messages.push(remove);
    messages.push(remover.state().clone());
    // Every permutation of the five messages, applied to a fresh replica.
    let mut order: Vec<usize> = (0..messages.len()).collect();
    let mut seen = 0;
    permute(&mut order, 0, &mut |order| {
        let mut r = replica(5);
        for &i in order {
            r.merge_delta(&messages[i]).unwrap();
        }
        assert!(
            !r.state().contains(&9),
            "order {order:?} resurrected the element"
        );
        assert_eq!(r.state(), remover.state());
        seen += 1;
    });
    assert_eq!(seen, 120);
    // And the replicas that added it, once they learn of the remove.
    for r in &mut replicas {
        r.merge(remover.state()).unwrap();
        assert!(!r.state().contains(&9));
    }
}

fn permute(items: &mut Vec<usize>, k: usize, visit: &mut impl FnMut(&[usize])) {
    if k == items.len() {
        visit(items);
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permute(items, k + 1, visit);
        items.swap(k, i);
    }
}

#[test]
fn out_of_order_delta_is_remembered_by_the_context() {
    let mut a = replica(1);
    let mut b = replica(2);
    let add = a.add(1).unwrap();
    let remove = a.remove(&1).unwrap();
    // The remove arrives first: nothing to remove yet, but the dot is now known...
    b.merge_delta(&remove).unwrap();
    // ...so the late add cannot resurrect the element.
    b.merge_delta(&add).unwrap();
    assert!(!b.state().contains(&1));
    assert_eq!(
        b.state().context(),
        &[Dot::new(1, 1).unwrap()]
            .into_iter()
            .collect::<DotContext<u8>>()
    );
}

#[test]
fn lost_delta_is_repaired_by_a_later_full_state_merge() {
    let mut a = replica(1);
    let mut b = replica(2);
    let _lost = a.add(1).unwrap();
    let later = a.add(2).unwrap();
    b.merge_delta(&later).unwrap();
    assert!(!b.state().contains(&1));
    // The context has a gap (a:1 missing), kept exactly in the dot cloud.
    assert_eq!(b.state().context().clock().get(&1), 0);
    assert_eq!(b.state().context().cloud().count(), 1);
    b.merge(a.state()).unwrap();
    assert_eq!(b.state().iter().copied().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(b.state().context().cloud().count(), 0);
}

#[test]
fn re_add_after_remove_works() {
    let mut a = replica(1);
    a.add(4).unwrap();
    a.remove(&4).unwrap();
    assert!(!a.state().contains(&4));
    a.add(4).unwrap();
    assert!(a.state().contains(&4));
    assert_eq!(a.state().dots(&4), [Dot::new(1, 2).unwrap()]);
}

#[test]
fn add_supersedes_observed_dots_so_metadata_stays_bounded() {
    let mut a = replica(1);
    let mut b = replica(2);
    a.add(1).unwrap();
    b.add(1).unwrap();
    a.merge(b.state()).unwrap();
    assert_eq!(a.state().dots(&1).len(), 2);
    a.add(1).unwrap();
    assert_eq!(a.state().dots(&1), [Dot::new(1, 2).unwrap()]);
    // Removing everything leaves only the causal context: one counter per actor.
    a.clear();
    assert!(a.state().is_empty());
    assert_eq!(a.state().context().clock().len(), 2);
    assert_eq!(a.state().context().cloud().count(), 0);
}

#[test]
fn replica_refuses_a_state_written_under_its_own_actor_elsewhere() {
    let mut a = replica(1);
    let mut impostor = replica(1);
    a.add(1).unwrap();
    impostor.add(2).unwrap();
    let late = impostor.add(3).unwrap();
    let before = a.state().clone();
    assert_eq!(
        a.merge(impostor.state()),
        Err(ReplicaError::ForeignEvents {
            known: 1,
            incoming: 2
        })
    );
    assert_eq!(a.state(), &before);
    // A lone delta carries its dot 1:2 in the context's cloud (1:1 is not in it), so the
    // check must look past the clock: refused too.
    assert_eq!(late.context().cloud().count(), 1);
    assert_eq!(
        a.merge_delta(&late),
        Err(ReplicaError::ForeignEvents {
            known: 1,
            incoming: 2
        })
    );
    // So is a removal delta that names only a dot this replica never minted.
    let mut far = replica(1);
    for x in 0..5 {
        far.add(x).unwrap();
    }
    let remove = far.remove(&4).unwrap();
    assert_eq!(remove.context().clock().get(&1), 0);
    assert_eq!(
        a.merge_delta(&remove),
        Err(ReplicaError::ForeignEvents {
            known: 1,
            incoming: 5
        })
    );
    assert_eq!(a.state(), &before);
}

#[test]
fn add_with_every_dot_used_is_a_typed_error_and_changes_nothing() {
    // The actor's last dot sits in the clock, or alone in the cloud: both are the highest
    // counter there is, so no new dot can be minted.
    let last = Dot::new(7, u64::MAX).unwrap();
    let in_cloud: DotContext<u8> = [last].into_iter().collect();
    let in_clock = DotContext::from([(7, u64::MAX)].into_iter().collect::<VClock<u8>>());
    for ctx in [in_cloud, in_clock] {
        let set = Set::try_from((vec![(1, vec![last])], ctx)).unwrap();
        let mut r = Replica::new(7, set.clone());
        assert_eq!(
            r.add(2),
            Err(VClockError::CounterOverflow { counter: u64::MAX })
        );
        assert_eq!(
            r.add(1),
            Err(VClockError::CounterOverflow { counter: u64::MAX })
        );
        assert_eq!(r.state(), &set);
        // Another actor still adds, and its delta merges into the full set.
        let mut other = Replica::new(8, set.clone());
        let delta = other.add(2).unwrap();
        r.merge_delta(&delta).unwrap();
        assert_eq!(r.state().iter().copied().collect::<Vec<_>>(), [1, 2]);
    }
}

#[test]
fn a_shared_actor_id_is_caught_while_the_dot_is_live_on_both_sides() {
    // The replica that is ahead sees the double-spent dot 1:1 while it still holds it
    // (on another element) and refuses; once it has removed that element, the stray
    // write looks like an ordinary removed add and vanishes without an error. The
    // replica that is behind always notices the events it never recorded.
    let mut ahead = replica(1);
    let mut behind = replica(1);
    for x in [10, 11, 12] {
        ahead.add(x).unwrap();
    }
    behind.add(20).unwrap();
    let stray = behind.state().clone();
    let before = ahead.state().clone();
    assert_eq!(
        ahead.merge(&stray),
        Err(ReplicaError::DoubleSpentDot { counter: 1 })
    );
    assert_eq!(ahead.state(), &before);
    ahead.remove(&10).unwrap();
    ahead.merge(&stray).unwrap();
    assert_eq!(ahead.state().iter().copied().collect::<Vec<_>>(), [11, 12]);
    let before = behind.state().clone();
    assert_eq!(
        behind.merge(ahead.state()),
        Err(ReplicaError::ForeignEvents {
            known: 1,
            incoming: 2
        })
    );
    assert_eq!(behind.state(), &before);
}

#[test]
fn delta_since_ships_only_what_the_peer_lacks() {
    let mut a = replica(1);
    let mut b = replica(2);
    for x in 0..50 {
        a.add(x).unwrap();
    }
    b.merge(a.state()).unwrap();
    a.add(100).unwrap();
    a.remove(&10).unwrap();
    let delta = a.state().delta_since(b.state().context().clock());
    assert_eq!(delta.iter().copied().collect::<Vec<_>>(), [100]);
    b.merge(&delta).unwrap();
    assert_eq!(b.state(), a.state());
    // A peer that has seen everything gets nothing new.
    let nothing = a.state().delta_since(a.state().context().clock());
    assert!(nothing.is_empty());
    assert_eq!(b.state().clone().join(&nothing), *b.state());
}

#[test]
fn delta_since_falls_back_to_the_full_state_when_removal_gaps_outgrow_the_set() {
    let mut a = replica(1);
    let mut b = replica(2);
    a.add(0).unwrap();
    for x in 1..=200 {
        a.add(x).unwrap();
    }
    b.merge(a.state()).unwrap();
    for x in 1..=200 {
        a.remove(&x).unwrap();
    }
    // b has seen every dot; the only live one (a:1) leaves a hole before 200 removed
    // dots, more than the set is worth: the full state is the cheaper exact answer.
    let delta = a.state().delta_since(b.state().context().clock());
    assert_eq!(&delta, a.state());
    b.merge(&delta).unwrap();
    assert_eq!(b.state(), a.state());
    assert_eq!(b.state().iter().copied().collect::<Vec<_>>(), [0]);

    // With few removals the delta lists them instead and carries no element.
    let mut c = replica(3);
    let mut d = replica(4);
    for x in 0..100 {
        c.add(x).unwrap();
    }
    d.merge(c.state()).unwrap();
    c.remove(&50).unwrap();
    let delta = c.state().delta_since(d.state().context().clock());
    assert!(delta.is_empty());
    assert!(delta.context().cloud().count() < 100);
    d.merge(&delta).unwrap();
    assert_eq!(d.state(), c.state());
}

#[test]
fn shared_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Set>();
    assert_send_sync::<Replica<String, OrSet<String, String>>>();
}

/// The element iterator knows its exact length as it goes.
#[test]
fn element_iterator_reports_its_exact_length() {
    let mut r = Replica::new(1_u8, OrSet::new());
    for x in ["a", "b", "c"] {
        r.add(x).unwrap();
    }
    let mut it = r.state().iter();
    assert_eq!(it.size_hint(), (3, Some(3)));
    it.next();
    assert_eq!(it.size_hint(), (2, Some(2)));
    assert_eq!(it.len(), 2);
}

/// A register counts the events of each actor it has seen, as its replica's restart
/// protocol needs: writes by one actor, superseded or not, and none for a stranger.
#[test]
fn register_counts_each_actors_events() {
    use ward_crdt::{DeltaCrdt, MvRegister};
    let mut a = Replica::new('a', MvRegister::new());
    let mut b = Replica::new('b', MvRegister::new());
    for v in 0..3 {
        a.write(v).unwrap();
    }
    b.merge(a.state()).unwrap();
    b.write(9).unwrap();
    assert_eq!(b.state().events_of(&'a'), 3);
    assert_eq!(b.state().events_of(&'b'), 1);
    assert_eq!(b.state().events_of(&'z'), 0);
}
