//! Heap bytes held by Ward's data structures and their peers', measured with a counting
//! global allocator (dhat's, in testing mode: nothing is written to disk).
//!
//! Prints one line per metric, `<metric> <impl>=<value> ...`, which the `report` binary
//! reads:
//!
//! ```text
//! cargo run --release -p ward-benches --bin memory > target/memory.txt
//! ```

use std::hint::black_box;

use ward_benches::memory::MemoryLine;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Live heap bytes right now.
fn live_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

/// Builds a value and returns it with the heap bytes it still holds once built
/// (temporaries freed during the build are not counted).
fn retained<T>(build: impl FnOnce() -> T) -> (usize, T) {
    let before = live_bytes();
    let value = build();
    let after = live_bytes();
    (after.saturating_sub(before), value)
}

fn line(metric: String, values: &[(&str, f64)]) -> MemoryLine {
    MemoryLine {
        metric,
        values: values.iter().map(|&(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn n_as_u64(n: usize) -> u64 {
    u64::try_from(n).expect("sizes fit in u64")
}

fn orset_ward(n: usize) -> usize {
    use ward_crdt::{OrSet, Replica};
    let (bytes, set) = retained(|| {
        let mut replica = Replica::new(1_u32, OrSet::<u64, u32>::new());
        for i in 0..n_as_u64(n) {
            drop(replica.add(i).expect("a fresh actor does not overflow"));
        }
        replica
    });
    assert_eq!(set.state().len(), n);
    drop(black_box(set));
    bytes
}

fn orset_crdts(n: usize) -> usize {
    use crdts::CmRDT;
    let (bytes, set) = retained(|| {
        let mut set = crdts::Orswot::<u64, u32>::new();
        for i in 0..n_as_u64(n) {
            let ctx = set.read_ctx().derive_add_ctx(1);
            let op = set.add(i, ctx);
            set.apply(op);
        }
        set
    });
    assert_eq!(set.read().val.len(), n);
    drop(black_box(set));
    bytes
}

fn vclock_ward(actors: u32) -> usize {
    let (bytes, clock) = retained(|| {
        (0..actors)
            .map(|a| (a, u64::from(a) + 1))
            .collect::<ward_vclock::VClock<u32>>()
    });
    assert_eq!(clock.len(), actors as usize);
    drop(black_box(clock));
    bytes
}

fn vclock_crdts(actors: u32) -> usize {
    use crdts::CmRDT;
    let (bytes, clock) = retained(|| {
        let mut clock = crdts::VClock::<u32>::new();
        for a in 0..actors {
            for _ in 0..=a.min(3) {
                let dot = clock.inc(a);
                clock.apply(dot);
            }
        }
        clock
    });
    drop(black_box(clock));
    bytes
}

/// Transitions driven through each breaker.
const TRANSITIONS: usize = 1_000_000;

/// Heap bytes Ward's breaker holds after `TRANSITIONS` state transitions (closed → open →
/// half-open → closed, over and over, on a manual clock).
fn breaker_ward() -> usize {
    use std::time::Duration;
    use ward_backoff::ManualClock;
    use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow};

    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open(Duration::from_nanos(1))
        .build()
        .expect("a valid configuration");
    let (bytes, breaker) = retained(|| {
        let breaker = CircuitBreaker::new(config, &clock);
        for _ in 0..TRANSITIONS / 3 {
            let permit = breaker.try_acquire().expect("closed admits");
            permit.record(Outcome::Failure, Duration::ZERO); // closed -> open
            clock.advance(Duration::from_nanos(2));
            let trial = breaker.try_acquire().expect("the wait has passed"); // -> half-open
            trial.record(Outcome::Success, Duration::ZERO); // half-open -> closed
        }
        breaker
    });
    drop(black_box(breaker));
    bytes
}

/// Heap bytes recloser holds after `TRANSITIONS` transitions (closed → open → half-open
/// → open ..., with a zero open wait).
fn breaker_recloser() -> usize {
    use std::time::Duration;
    let (bytes, breaker) = retained(|| {
        let breaker = recloser::Recloser::custom()
            .error_rate(0.5)
            .closed_len(1)
            .half_open_len(1)
            .open_wait(Duration::ZERO)
            .build();
        for _ in 0..TRANSITIONS {
            let _ = black_box(breaker.call(|| Err::<(), ()>(())));
        }
        breaker
    });
    drop(black_box(breaker));
    bytes
}

/// Heap bytes per key of an unbounded `KeyedFence<u64>` holding `n` keys.
fn keyed_fence_ward(n: usize) -> f64 {
    let token = ward_fencing::FencingToken::MIN;
    let (bytes, fence) = retained(|| {
        let fence = ward_fencing::KeyedFence::<u64>::new();
        for key in 0..n_as_u64(n) {
            fence.admit(&key, token).expect("a fresh key admits");
        }
        fence
    });
    assert_eq!(fence.len(), n);
    drop(black_box(fence));
    bytes as f64 / n as f64
}

/// Heap bytes per key of a `std::collections::HashMap<u64, u64>` holding `n` keys, the
/// unsharded map a keyed fence replaces.
fn keyed_fence_hashmap(n: usize) -> f64 {
    let (bytes, map) = retained(|| {
        let mut map = std::collections::HashMap::<u64, u64>::new();
        for key in 0..n_as_u64(n) {
            map.insert(key, 1);
        }
        map
    });
    assert_eq!(map.len(), n);
    drop(black_box(map));
    bytes as f64 / n as f64
}

/// Heap bytes of a `KeyedFence<u64>` bounded to `bound` keys after `distinct` distinct keys
/// were admitted, each with a higher token than the last.
fn keyed_fence_bounded(bound: usize, distinct: u64) -> usize {
    let (bytes, fence) = retained(|| {
        let fence = ward_fencing::KeyedFence::<u64>::bounded(bound).expect("a valid bound");
        for key in 0..distinct {
            let token = ward_fencing::FencingToken::new(key + 1).expect("non-zero");
            fence.admit(&key, token).expect("a rising token admits");
        }
        fence
    });
    assert!(fence.len() <= bound);
    drop(black_box(fence));
    bytes
}

/// Bytes of a vector clock in a compact binary form: the number of entries, then each
/// actor and counter, all as LEB128 varints.
fn vclock_encoded_len(clock: &ward_vclock::VClock<u32>) -> usize {
    let varint = |v: u64| (64 - v.max(1).leading_zeros()).div_ceil(7) as usize;
    varint(n_as_u64(clock.len()))
        + clock
            .iter()
            .map(|(a, c)| varint(u64::from(*a)) + varint(c))
            .sum::<usize>()
}

/// `steps` random steps (a fixed xorshift sequence) over a changing group of at most 16
/// participants: record an event, send a message (the receiver joins the sender's
/// anonymous copy), fork a new participant, or retire one into another. Both sides
/// track the same history: interval tree clock stamps, and vector clocks with a new
/// actor id per fork (an entry for every actor ever seen). Returns the mean encoded
/// bytes per current participant: `(itc, vclock)`.
fn itc_vs_vclock(steps: usize) -> (f64, f64) {
    use ward_vclock::{Itc, VClock};
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n_as_u64(bound)).expect("bound fits")
    };
    let mut stamps = vec![Itc::seed()];
    let mut clocks: Vec<(u32, VClock<u32>)> = vec![(0, VClock::new())];
    let mut actors = 1_u32;
    for _ in 0..steps {
        let n = stamps.len();
        let p = next(n);
        match next(4) {
            0 => {
                stamps[p].event().expect("named stamps record events");
                let (id, clock) = &mut clocks[p];
                clock.increment(*id).expect("small counters");
            }
            1 => {
                let q = next(n);
                let message = stamps[p].peek();
                stamps[q] = stamps[q]
                    .clone()
                    .join(message)
                    .expect("messages are anonymous");
                let seen = clocks[p].1.clone();
                clocks[q].1.merge(&seen);
            }
            2 if n < 16 => {
                let (a, b) = stamps[p].clone().fork();
                stamps[p] = a;
                stamps.push(b);
                clocks.push((actors, clocks[p].1.clone()));
                actors += 1;
            }
            _ if n > 1 => {
                let gone = stamps.swap_remove(p);
                let (_, gone_clock) = clocks.swap_remove(p);
                let q = next(n - 1);
                stamps[q] = stamps[q].clone().join(gone).expect("disjoint ids");
                clocks[q].1.merge(&gone_clock);
            }
            _ => {}
        }
    }
    let count = stamps.len() as f64;
    let itc = stamps.iter().map(|s| s.to_bytes().len()).sum::<usize>() as f64 / count;
    let vclock = clocks
        .iter()
        .map(|(_, c)| vclock_encoded_len(c))
        .sum::<usize>() as f64
        / count;
    (itc, vclock)
}

/// Bytes shipped per round to bring a peer up to date, as JSON: three replicas of an
/// OR-set of 10,000 elements; each round one of them removes 50 elements and adds 50
/// (1 % of the set changes), then sends to the other two. Ward's optimal delta
/// `delta_for` (Enes et al.) against the peer's digest, its `delta_since` against the
/// peer's clock, its whole state, and `crdts::Orswot`'s whole state. Also returns the
/// size of the digest the peer sends first. Averages over the sends.
fn sync_sizes(elements: u64, rounds: u64) -> [f64; 5] {
    use crdts::{CmRDT, CvRDT};
    use ward_crdt::{OrSet, Replica};
    let json = |value: &dyn erased::Json| value.json_len() as f64;
    let mut ward: Vec<Replica<u32, OrSet<u64, u32>>> = Vec::new();
    let mut peer: Vec<crdts::Orswot<u64, u32>> = Vec::new();
    let mut first = Replica::new(1, OrSet::new());
    let mut orswot = crdts::Orswot::new();
    for x in 0..elements {
        drop(first.add(x).expect("a fresh actor does not overflow"));
        orswot.apply(orswot.add(x, orswot.read_ctx().derive_add_ctx(1)));
    }
    for actor in 1..=3_u32 {
        ward.push(Replica::new(actor, first.state().clone()));
        peer.push(orswot.clone());
    }
    let change = elements / 100 / 2;
    let mut next_new = elements;
    let mut oldest = 0;
    let mut totals = [0.0; 5];
    let mut sends = 0.0;
    for round in 0..rounds {
        let w = usize::try_from(round % 3).expect("small");
        let actor = u32::try_from(w).expect("small") + 1;
        for x in oldest..oldest + change {
            drop(ward[w].remove(&x).expect("held"));
            let ctx = peer[w].contains(&x).derive_rm_ctx();
            let op = peer[w].rm(x, ctx);
            peer[w].apply(op);
        }
        oldest += change;
        for x in next_new..next_new + change {
            drop(ward[w].add(x).expect("dots left"));
            let ctx = peer[w].read_ctx().derive_add_ctx(actor);
            let op = peer[w].add(x, ctx);
            peer[w].apply(op);
        }
        next_new += change;
        for p in (0..3).filter(|&p| p != w) {
            let digest = ward[p].state().digest();
            let optimal = ward[w].state().delta_for(&digest);
            let since = ward[w]
                .state()
                .delta_since(ward[p].state().context().clock());
            totals[0] += json(&optimal);
            totals[1] += json(&since);
            totals[2] += json(ward[w].state());
            totals[3] += json(&peer[w]);
            totals[4] += json(&digest);
            sends += 1.0;
            ward[p].merge_delta(&optimal).expect("no double-spent dots");
            let from = peer[w].clone();
            peer[p].merge(from);
            assert_eq!(
                ward[p].state(),
                ward[w].state(),
                "the optimal delta converges"
            );
        }
    }
    totals.map(|t| t / sends)
}

/// JSON length of any serializable value, behind a small object-safe trait.
mod erased {
    pub(crate) trait Json {
        fn json_len(&self) -> usize;
    }

    impl<T: serde::Serialize> Json for T {
        fn json_len(&self) -> usize {
            serde_json::to_vec(self).expect("serializable").len()
        }
    }
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut lines = Vec::new();
    for n in [1_000_usize, 10_000, 100_000] {
        let ward = orset_ward(n) as f64 / n as f64;
        let crdts = orset_crdts(n) as f64 / n as f64;
        lines.push(line(
            format!("orset_bytes_per_element/{n}"),
            &[("ward", ward), ("crdts", crdts)],
        ));
    }
    for actors in [4_u32, 32, 256] {
        lines.push(line(
            format!("vclock_bytes/{actors}"),
            &[
                ("ward", vclock_ward(actors) as f64),
                ("crdts", vclock_crdts(actors) as f64),
            ],
        ));
    }
    lines.push(line(
        "breaker_bytes_after_1m_transitions".to_owned(),
        &[
            ("ward", breaker_ward() as f64),
            ("recloser", breaker_recloser() as f64),
        ],
    ));
    lines.push(line(
        "keyed_fence_bytes_per_key/1000000".to_owned(),
        &[
            ("ward", keyed_fence_ward(1_000_000)),
            ("hashmap", keyed_fence_hashmap(1_000_000)),
        ],
    ));
    lines.push(line(
        "keyed_fence_bounded_bytes/100000_after_10000000".to_owned(),
        &[
            ("ward", keyed_fence_bounded(100_000, 10_000_000) as f64),
            ("bound_x_24", 100_000.0 * 24.0),
        ],
    ));
    let (itc, vclock) = itc_vs_vclock(1_000);
    lines.push(line(
        "itc_vs_vclock_encoded_bytes/1000_steps".to_owned(),
        &[("itc", itc), ("vclock", vclock)],
    ));
    let [optimal, since, ward_state, crdts_state, digest] = sync_sizes(10_000, 6);
    lines.push(line(
        "orset_sync_json_bytes_per_send/10000_elements_1pct".to_owned(),
        &[
            ("ward_optimal_delta", optimal),
            ("ward_delta_since", since),
            ("ward_state", ward_state),
            ("crdts_orswot_state", crdts_state),
            ("ward_digest", digest),
        ],
    ));
    for l in lines {
        println!("{l}");
    }
}
