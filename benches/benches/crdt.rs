//! `ward-crdt` against `crdts` (rust-crdt): OR-set merges of four replica shapes and
//! grow-only counter merges by number of actors.
//!
//! Every routine measures the same work on both sides: the states are built once, both
//! sides' copies are made in criterion's untimed setup, and the timing covers the merge plus
//! freeing the merged-in state (`crdts` takes it by value and frees it inside `merge`; Ward
//! borrows it and drops it right after). The merged result is dropped untimed.

use std::hint::black_box;

use crdts::{CmRDT, CvRDT};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ward_crdt::{GCounter, Lattice, OrSet, Replica};

/// Elements per replica in the OR-set groups.
const ELEMENTS: u64 = 10_000;

type WardSet = OrSet<u64, u64>;
type PeerSet = crdts::Orswot<u64, u64>;

/// One replica of each implementation, driven through the same history.
struct Pair {
    ward: Replica<u64, WardSet>,
    peer: PeerSet,
}

impl Pair {
    fn new(actor: u64) -> Self {
        Self {
            ward: Replica::new(actor, OrSet::new()),
            peer: PeerSet::new(),
        }
    }

    /// A replica of `actor` that starts from `base`'s state.
    fn fork(base: &Self, actor: u64) -> Self {
        Self {
            ward: Replica::new(actor, base.ward.state().clone()),
            peer: base.peer.clone(),
        }
    }

    fn add(&mut self, elems: core::ops::Range<u64>) {
        let actor = *self.ward.actor();
        for x in elems {
            self.ward.add(x).expect("dots left");
            let ctx = self.peer.read_ctx().derive_add_ctx(actor);
            self.peer.apply(self.peer.add(x, ctx));
        }
    }

    fn remove(&mut self, elems: core::ops::Range<u64>) {
        for x in elems {
            self.ward.remove(&x).expect("added before");
            let ctx = self.peer.contains(&x).derive_rm_ctx();
            self.peer.apply(self.peer.rm(x, ctx));
        }
    }
}

/// The four shapes: `(group, left, right)`, both replicas holding `ELEMENTS` elements.
fn shapes() -> Vec<(&'static str, Pair, Pair)> {
    let half = ELEMENTS / 2;

    // Written by different replicas that never met.
    let mut a = Pair::new(1);
    a.add(0..ELEMENTS);
    let mut b = Pair::new(2);
    b.add(ELEMENTS..2 * ELEMENTS);
    let disjoint = ("orset_merge_disjoint", a, b);

    // Half the elements come from a common ancestor, then each side adds its own half.
    let mut base = Pair::new(3);
    base.add(0..half);
    let mut a = Pair::fork(&base, 1);
    a.add(half..ELEMENTS);
    let mut b = Pair::fork(&base, 2);
    b.add(ELEMENTS..ELEMENTS + half);
    let overlap = ("orset_merge_overlap", a, b);

    // The same state on both sides (a repeated anti-entropy round).
    let mut a = Pair::new(1);
    a.add(0..ELEMENTS);
    let b = Pair::fork(&a, 2);
    let identical = ("orset_merge_identical", a, b);

    // The right side has seen everything the left has, then removed a tenth of the
    // elements and added as many new ones.
    let mut a = Pair::new(1);
    a.add(0..ELEMENTS);
    let mut b = Pair::fork(&a, 2);
    b.remove(0..ELEMENTS / 10);
    b.add(ELEMENTS..ELEMENTS + ELEMENTS / 10);
    let descendant = ("orset_merge_descendant", a, b);

    vec![disjoint, overlap, identical, descendant]
}

fn orset_merge(c: &mut Criterion) {
    for (name, a, b) in shapes() {
        // Both implementations must agree on the merged elements.
        let mut ward = a.ward.state().clone();
        ward.merge(b.ward.state());
        let mut peer = a.peer.clone();
        peer.merge(b.peer.clone());
        assert_eq!(
            ward.len(),
            peer.read().val.len(),
            "{name}: implementations disagree"
        );

        let mut group = c.benchmark_group(name);
        let (left, right) = (a.ward.state(), b.ward.state());
        group.bench_function("ward", |bench| {
            bench.iter_batched(
                || (left.clone(), right.clone()),
                |(mut state, other)| {
                    state.merge(black_box(&other));
                    // crdts consumes and frees its input inside `merge`: do the same work.
                    drop(other);
                    state
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_function("crdts", |bench| {
            bench.iter_batched(
                || (a.peer.clone(), b.peer.clone()),
                |(mut state, other)| {
                    state.merge(black_box(other));
                    state
                },
                BatchSize::LargeInput,
            );
        });
        group.finish();
    }
}

/// Two counters that both know all `actors` actors, each ahead on half of them.
fn counters(
    actors: u64,
) -> (
    GCounter<u64>,
    GCounter<u64>,
    crdts::GCounter<u64>,
    crdts::GCounter<u64>,
) {
    let left: Vec<(u64, u64)> = (0..actors).map(|i| (i, 10 + i + (i % 2) * 7)).collect();
    let right: Vec<(u64, u64)> = (0..actors)
        .map(|i| (i, 10 + i + ((i + 1) % 2) * 7))
        .collect();
    let peer = |entries: &[(u64, u64)]| {
        let mut counter = crdts::GCounter::new();
        for &(actor, count) in entries {
            let dot = counter.inc_many(actor, count);
            counter.apply(dot);
        }
        counter
    };
    (
        GCounter::try_from(left.clone()).expect("canonical"),
        GCounter::try_from(right.clone()).expect("canonical"),
        peer(&left),
        peer(&right),
    )
}

fn gcounter_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("gcounter_merge");
    for actors in [8_u64, 64, 512] {
        let (left, right, peer_left, peer_right) = counters(actors);
        group.bench_with_input(BenchmarkId::new("ward", actors), &actors, |bench, _| {
            bench.iter_batched(
                || (left.clone(), right.clone()),
                |(mut state, other)| {
                    state.merge(black_box(&other));
                    // crdts consumes and frees its input inside `merge`: do the same work.
                    drop(other);
                    state
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_with_input(BenchmarkId::new("crdts", actors), &actors, |bench, _| {
            bench.iter_batched(
                || (peer_left.clone(), peer_right.clone()),
                |(mut state, other)| {
                    state.merge(black_box(other));
                    state
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

/// A set that has heard from `actors` actors (each added one element), and a delta of
/// one new element added by one of them.
fn small_delta(actors: u64) -> (WardSet, WardSet) {
    let mut receiver: WardSet = OrSet::new();
    for actor in 0..actors {
        let mut writer = Replica::new(actor, OrSet::new());
        let delta = writer.add(actor * 2).expect("dots left");
        receiver.merge(&delta);
    }
    let mut writer = Replica::new(0, receiver.clone());
    let delta = writer.add(2 * actors + 1).expect("dots left");
    (receiver, delta)
}

/// A set of 10,000 elements added by `actors` actors (`10,000 / actors` each), and a delta
/// of one new element added by one of them.
fn small_delta_fixed(actors: u64) -> (WardSet, WardSet) {
    let mut receiver: WardSet = OrSet::new();
    let per = 10_000 / actors;
    for actor in 0..actors {
        let mut writer = Replica::new(actor, OrSet::new());
        let mut d = OrSet::new();
        for i in 0..per {
            d.merge(&writer.add(actor * per + i).expect("dots left"));
        }
        receiver.merge(&d);
    }
    let mut writer = Replica::new(0, receiver.clone());
    let delta = writer.add(1_000_000).expect("dots left");
    (receiver, delta)
}

/// Times merging each `(receiver, delta)` pair that `build` makes for 10, 1,000 and
/// 10,000 actors; the copy of the receiver, with room for the new element, is made
/// untimed.
fn merge_small_delta(c: &mut Criterion, name: &str, build: fn(u64) -> (WardSet, WardSet)) {
    let mut group = c.benchmark_group(name);
    for actors in [10_u64, 1_000, 10_000] {
        let (receiver, delta) = build(actors);
        group.bench_with_input(BenchmarkId::new("ward", actors), &actors, |bench, _| {
            bench.iter_batched(
                || {
                    let mut state = receiver.clone();
                    state.reserve(1);
                    state
                },
                |mut state| {
                    state.merge(black_box(&delta));
                    state
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

/// Merging a one-element add delta into sets that know 10 to 10,000 actors: the cost
/// must follow the delta, not the number of actors. Ward only (`crdts` merges whole
/// states).
fn orset_merge_small_delta(c: &mut Criterion) {
    merge_small_delta(c, "orset_merge_small_delta", small_delta);
}

/// The same merge with the number of elements held fixed at 10,000: in
/// `orset_merge_small_delta` the receiver holds one element per actor, so its element
/// search grows with the actors too; here only the number of actors changes.
fn orset_merge_small_delta_actors(c: &mut Criterion) {
    merge_small_delta(c, "orset_merge_small_delta_actors", small_delta_fixed);
}

criterion_group!(
    benches,
    orset_merge,
    orset_merge_small_delta,
    orset_merge_small_delta_actors,
    gcounter_merge
);
criterion_main!(benches);
