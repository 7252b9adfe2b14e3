//! How an OR-set merge grows with the number of elements: `ward-crdt` against `crdts`
//! (rust-crdt) at 1,000 to 1,000,000 elements.
//!
//! Two replicas that never met each hold `n / 2` elements; the merged set holds `n`. Both
//! sides do the same work: the copies are made in criterion's untimed setup, and the timing
//! covers the merge plus freeing the merged-in state (`crdts` takes it by value and frees it
//! inside `merge`; Ward borrows it and drops it right after). The report fits the growth
//! exponent of each side from these four points.

use std::hint::black_box;

use crdts::{CmRDT, CvRDT};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ward_crdt::{Lattice, OrSet, Replica};

/// Elements in the merged set.
const SIZES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];

type WardSet = OrSet<u64, u64>;
type PeerSet = crdts::Orswot<u64, u64>;

/// Both implementations' replica of `actor` after adding `elems`.
fn replica(actor: u64, elems: core::ops::Range<u64>) -> (WardSet, PeerSet) {
    let mut ward = Replica::new(actor, OrSet::new());
    let mut peer = PeerSet::new();
    for x in elems {
        ward.add(x).expect("dots left");
        let ctx = peer.read_ctx().derive_add_ctx(actor);
        peer.apply(peer.add(x, ctx));
    }
    (ward.state().clone(), peer)
}

fn orset_merge_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("orset_merge_scaling");
    group.sample_size(10);
    for n in SIZES {
        let half = n / 2;
        let (ward_a, peer_a) = replica(1, 0..half);
        let (ward_b, peer_b) = replica(2, half..n);

        // Both implementations must agree on the merged elements.
        let mut ward = ward_a.clone();
        ward.merge(&ward_b);
        let mut peer = peer_a.clone();
        peer.merge(peer_b.clone());
        assert_eq!(ward.len() as u64, n, "ward lost elements");
        assert_eq!(peer.read().val.len() as u64, n, "crdts lost elements");

        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::new("ward", n), &n, |bench, _| {
            bench.iter_batched(
                || (ward_a.clone(), ward_b.clone()),
                |(mut state, other)| {
                    state.merge(black_box(&other));
                    // crdts consumes and frees its input inside `merge`: do the same work.
                    drop(other);
                    state
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_with_input(BenchmarkId::new("crdts", n), &n, |bench, _| {
            bench.iter_batched(
                || (peer_a.clone(), peer_b.clone()),
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

criterion_group!(benches, orset_merge_scaling);
criterion_main!(benches);
