//! `ward-vclock` against `crdts` (rust-crdt): vector clock comparison and merge by
//! number of actors.
//!
//! Both implementations hold the same clocks, with `u64` actor ids. The compared pair
//! differs only in its last entry, so neither implementation can stop early. The merged
//! pair has the same actors with interleaved counters, so every entry is read and half
//! of them change: the common shape of anti-entropy between replicas of one group.
//! Both merges start from copies made in criterion's untimed setup and do the same work
//! inside the timing: merge, then free the merged-in clock (`crdts` consumes it inside
//! `merge`; Ward borrows it and drops it right after). The result is dropped untimed.
//!
//! `causal_deliver/<senders>` has no peer (no other Rust crate delivers causally): it
//! offers a whole history to a `CausalBuffer` in reverse causal order and takes every
//! message out again, reported per delivered message, to show how the cost grows with
//! the number of senders.

use std::hint::black_box;

use crdts::{CmRDT, CvRDT};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ward_vclock::{CausalBuffer, Message, Offered, VClock};

/// Actor counts measured: enough sizes to show how the cost grows.
const ACTORS: [u64; 5] = [4, 32, 256, 1024, 4096];

/// The same clock in both implementations.
fn clocks(entries: impl Iterator<Item = (u64, u64)> + Clone) -> (VClock<u64>, crdts::VClock<u64>) {
    let ward: VClock<u64> = entries.clone().collect();
    let mut peer = crdts::VClock::new();
    for (actor, counter) in entries {
        peer.apply(crdts::Dot::new(actor, counter));
    }
    (ward, peer)
}

fn vclock_compare(c: &mut Criterion) {
    let mut group = c.benchmark_group("vclock_compare");
    for n in ACTORS {
        let (ward_a, peer_a) = clocks((0..n).map(|a| (a, 1_000 + a)));
        // `b` is `a` with one more event of the last actor: `a < b`.
        let (ward_b, peer_b) = clocks((0..n).map(|a| (a, 1_000 + a + u64::from(a == n - 1))));
        assert_eq!(ward_a.partial_cmp(&ward_b), Some(std::cmp::Ordering::Less));
        assert_eq!(peer_a.partial_cmp(&peer_b), Some(std::cmp::Ordering::Less));

        group.bench_with_input(BenchmarkId::new("ward", n), &n, |b, _| {
            b.iter(|| black_box(&ward_a).partial_cmp(black_box(&ward_b)));
        });
        group.bench_with_input(BenchmarkId::new("crdts", n), &n, |b, _| {
            b.iter(|| black_box(&peer_a).partial_cmp(black_box(&peer_b)));
        });
    }
    group.finish();
}

fn vclock_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("vclock_merge");
    for n in ACTORS {
        // Concurrent: each side is ahead on every other actor.
        let (ward_a, peer_a) = clocks((0..n).map(|a| (a, 100 + a % 2)));
        let (ward_b, peer_b) = clocks((0..n).map(|a| (a, 101 - a % 2)));
        let mut check = ward_a.clone();
        check.merge(&ward_b);
        assert!(check.iter().all(|(_, c)| c == 101));

        group.bench_with_input(BenchmarkId::new("ward", n), &n, |b, _| {
            b.iter_batched(
                || (ward_a.clone(), ward_b.clone()),
                |(mut a, other)| {
                    a.merge(black_box(&other));
                    // crdts consumes and frees its input inside `merge`: do the same work.
                    drop(other);
                    a
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_with_input(BenchmarkId::new("crdts", n), &n, |b, _| {
            b.iter_batched(
                || (peer_a.clone(), peer_b.clone()),
                |(mut a, other)| {
                    a.merge(black_box(other));
                    a
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

/// Sender counts for `causal_deliver`.
const SENDERS: [u32; 3] = [4, 64, 1024];

/// Rounds of the ring history: clocks have at most `ROUNDS + 1` entries whatever the
/// number of senders.
const ROUNDS: usize = 4;

/// `senders` nodes in a ring: in each round every node broadcasts one message after
/// delivering its own previous one and its left neighbour's.
fn ring_history(senders: u32) -> Vec<Message<u32, u64>> {
    let mut knowledge = vec![VClock::new(); senders as usize];
    let mut sent = Vec::new();
    for _ in 0..ROUNDS {
        let before = knowledge.clone();
        for j in 0..senders {
            let left = ((j + senders - 1) % senders) as usize;
            let mut clock = before[j as usize].clone();
            clock.merge(&before[left]);
            clock.increment(j).expect("small counters");
            knowledge[j as usize] = clock.clone();
            sent.push(Message::new(j, clock, sent.len() as u64).expect("counts the sender"));
        }
    }
    sent
}

fn causal_deliver(c: &mut Criterion) {
    let mut group = c.benchmark_group("causal_deliver");
    for senders in SENDERS {
        let mut history = ring_history(senders);
        history.reverse();
        group.throughput(Throughput::Elements(history.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(senders), &senders, |b, _| {
            b.iter_batched(
                || (CausalBuffer::new(history.len()), history.clone()),
                |(mut buffer, messages)| {
                    let mut delivered = 0_u64;
                    for m in messages {
                        if buffer.offer(m) == Ok(Offered::Ready) {
                            for m in buffer.ready() {
                                delivered += black_box(m.into_payload()) & 1;
                            }
                        }
                    }
                    assert!(buffer.is_empty());
                    (buffer, delivered)
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, vclock_compare, vclock_merge, causal_deliver);
criterion_main!(benches);
