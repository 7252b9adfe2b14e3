//! `FenceGuard`, `Fenced` and `KeyedFence` through the public API: the admission rule against
//! a naive model, the zombie-leader scenario, and real-thread stress tests.
#![cfg(feature = "std")]

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::thread;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_fencing::{Admission, FenceGuard, Fenced, FencingToken, KeyedFence, StaleToken};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

/// The admission rule, written as plainly as possible.
fn model_admit(mark: &mut Option<u64>, token: u64) -> Result<Admission, (u64, u64)> {
    match *mark {
        Some(m) if token < m => Err((token, m)),
        Some(m) if token == m => Ok(Admission::Unchanged),
        previous => {
            *mark = Some(token);
            Ok(Admission::Raised {
                previous: previous.map(t),
            })
        }
    }
}

fn as_pair(result: Result<Admission, StaleToken>) -> Result<Admission, (u64, u64)> {
    result.map_err(|e| (e.presented().get(), e.mark().get()))
}

#[test]
fn shared_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FencingToken>();
    assert_send_sync::<FenceGuard>();
    assert_send_sync::<Fenced<Vec<u8>>>();
    assert_send_sync::<KeyedFence<String>>();
    assert_send_sync::<StaleToken>();
    assert_send_sync::<ward_fencing::DurableFence<ward_fencing::FileStore>>();
    assert_send_sync::<ward_fencing::DurableFence<ward_fencing::MemoryStore>>();
    assert_send_sync::<ward_fencing::TokenIssuer<ward_fencing::FileStore>>();
    assert_send_sync::<ward_fencing::ManualClock>();
    assert_send_sync::<ward_fencing::Lease<ward_fencing::SystemClock>>();
    assert_send_sync::<ward_fencing::Lease<&ward_fencing::ManualClock>>();
    assert_send_sync::<ward_fencing::LeaseRequest<ward_fencing::SystemClock>>();
    assert_send_sync::<ward_fencing::Renewal>();
    assert_send_sync::<ward_fencing::LeaseError>();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    assert_send_sync::<ward_fencing::BootClock>();
    assert_send_sync::<Admission>();
    assert_send_sync::<ward_fencing::ReplicaFencing>();
    assert_send_sync::<ward_fencing::SystemClock>();
    assert_send_sync::<ward_fencing::StdFileSystem>();
    // Errors cross threads inside `Box<dyn Error + Send + Sync>`.
    assert_send_sync::<ward_fencing::TokenError>();
    assert_send_sync::<ward_fencing::StoreError>();
    assert_send_sync::<ward_fencing::DurableFenceError>();
    assert_send_sync::<ward_fencing::IssueError>();
    assert_send_sync::<ward_fencing::LeaseError>();
    assert_send_sync::<ward_fencing::ShardCountError>();
    assert_send_sync::<ward_fencing::ReplicaConfigError>();
    assert_send_sync::<ward_fencing::UnknownReplica>();
}

/// The anomaly this crate exists for: leader 33 pauses (a long GC), 34 is elected and writes,
/// 33 wakes up and tries to write with its old token. The token numbers follow the fencing
/// example in Kleppmann, *Designing Data-Intensive Applications*, chapter 8 ("Fencing
/// tokens"), where the storage refuses token 33 after it has processed 34.
#[test]
fn zombie_leader_is_rejected() {
    let record = Fenced::new(String::from("initial"));
    let zombie = t(33);
    let leader = t(34);

    // 33 is the leader and writes.
    record
        .write(zombie, |r| *r = String::from("by 33"))
        .unwrap();
    // 33 pauses; 34 is elected and writes.
    record
        .write(leader, |r| *r = String::from("by 34"))
        .unwrap();
    // 33 wakes up, still believing it leads.
    let err = record
        .write(zombie, |r| *r = String::from("zombie write"))
        .unwrap_err();

    assert_eq!(err.presented(), zombie);
    assert_eq!(err.mark(), leader);
    assert_eq!(record.snapshot(), (Some(leader), String::from("by 34")));
}

/// The same scenario when the zombie was admitted by a bare guard before pausing: the guard
/// refuses its next admission too.
#[test]
fn zombie_leader_is_rejected_by_the_guard() {
    let guard = FenceGuard::new();
    assert!(guard.admit(t(33)).is_ok());
    assert!(guard.admit(t(34)).unwrap().is_raised());
    let err = guard.admit(t(33)).unwrap_err();
    assert_eq!((err.presented(), err.mark()), (t(33), t(34)));
}

#[test]
fn fence_without_write_locks_out_older_holders() {
    let cell = Fenced::new(0_u32);
    cell.write(t(5), |v| *v = 5).unwrap();
    assert_eq!(
        cell.fence(t(9)),
        Ok(Admission::Raised {
            previous: Some(t(5))
        })
    );
    assert!(cell.write(t(5), |v| *v = 6).is_err());
    assert_eq!(cell.get(), 5);
    assert_eq!(cell.mark(), Some(t(9)));
}

#[test]
fn failed_try_write_does_not_raise_the_mark() {
    let cell = Fenced::with_mark(1_u32, t(3));
    assert_eq!(cell.try_write(t(7), |_| Err::<(), _>("no")), Ok(Err("no")));
    assert_eq!(cell.mark(), Some(t(3)));
    // A holder between the mark and the failed token can still write.
    assert!(cell.write(t(5), |v| *v = 2).is_ok());
    assert_eq!(cell.snapshot(), (Some(t(5)), 2));
}

#[test]
fn panicking_write_leaves_the_mark() {
    let cell = Arc::new(Fenced::with_mark(0_u32, t(2)));
    let c = Arc::clone(&cell);
    let joined = thread::spawn(move || {
        c.write(t(8), |_| panic!("write failed")).ok();
    })
    .join();
    assert!(joined.is_err());
    assert_eq!(cell.mark(), Some(t(2)));
    assert!(cell.write(t(3), |v| *v = 3).is_ok());
}

#[test]
fn keyed_fence_keeps_keys_apart() {
    let fences = KeyedFence::with_shards(2).unwrap();
    for key in 0..100_u32 {
        fences.admit(&key, t(u64::from(key) + 10)).unwrap();
    }
    for key in 0..100_u32 {
        let own = t(u64::from(key) + 10);
        assert_eq!(fences.mark(&key), Some(own));
        assert_eq!(fences.admit(&key, own), Ok(Admission::Unchanged));
        let err = fences.admit(&key, t(9)).unwrap_err();
        assert_eq!(err.mark(), own);
    }
    assert_eq!(fences.len(), 100);
    let mut marks = fences.marks();
    marks.sort();
    assert_eq!(marks.len(), 100);
    assert_eq!(marks[0], (0, t(10)));
}

/// A token from a small range (so ties and regressions are common) or from the top of the
/// `u64` range (so the type's maximum is reached).
fn token_value() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 1_u64..12,
        1 => (u64::MAX - 3)..=u64::MAX,
    ]
}

/// One step of a holder: write a payload, try a write that fails, or only fence.
#[derive(Clone, Debug)]
enum Op {
    Write(u16),
    FailingWrite,
    Fence,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u16>().prop_map(Op::Write),
        1 => Just(Op::FailingWrite),
        1 => Just(Op::Fence),
    ]
}

/// Holders with random tokens (small range, so ties and regressions are common) and an
/// interleaving of their steps: `(holder index, op)`.
fn holders_and_interleaving() -> impl Strategy<Value = (Vec<u64>, Vec<(usize, Op)>)> {
    prop::collection::vec(token_value(), 1..6).prop_flat_map(|tokens| {
        let n = tokens.len();
        let steps = prop::collection::vec((0..n, op()), 0..60);
        (Just(tokens), steps)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        rng_seed: RngSeed::Fixed(0xfe4ced01),
        ..ProptestConfig::default()
    })]

    /// For any interleaving of holders writing through `Fenced`, every step's outcome, the
    /// mark and the value equal a sequential model's, and the admitted tokens never decrease.
    #[test]
    fn prop_fenced_matches_sequential_model((tokens, steps) in holders_and_interleaving()) {
        let fenced: Fenced<Vec<(u64, u16)>> = Fenced::new(Vec::new());
        let mut model_mark: Option<u64> = None;
        let mut model_log: Vec<(u64, u16)> = Vec::new();

        for (holder, op) in steps {
            let token = tokens[holder];
            match op {
                Op::Write(payload) => {
                    let got = fenced.write(t(token), |log| log.push((token, payload)));
                    let want = model_admit(&mut model_mark, token).map(|_| ());
                    if want.is_ok() {
                        model_log.push((token, payload));
                    }
                    prop_assert_eq!(got.map_err(|e| (e.presented().get(), e.mark().get())), want);
                }
                Op::FailingWrite => {
                    let got = fenced.try_write(t(token), |_| Err::<(), ()>(()));
                    let mut scratch = model_mark;
                    let want = model_admit(&mut scratch, token).map(|_| Err(()));
                    prop_assert_eq!(got.map_err(|e| (e.presented().get(), e.mark().get())), want);
                }
                Op::Fence => {
                    let got = as_pair(fenced.fence(t(token)));
                    prop_assert_eq!(got, model_admit(&mut model_mark, token));
                }
            }
            prop_assert_eq!(fenced.mark().map(FencingToken::get), model_mark);
        }

        let (mark, log) = fenced.into_parts();
        prop_assert_eq!(mark.map(FencingToken::get), model_mark);
        prop_assert!(log.windows(2).all(|w| w[0].0 <= w[1].0), "admitted tokens decreased: {:?}", log);
        prop_assert_eq!(log, model_log);
    }

    /// The guard's answers and mark equal the model's for any token sequence, and the mark
    /// never decreases.
    #[test]
    fn prop_guard_matches_model(tokens in prop::collection::vec(token_value(), 0..80)) {
        let guard = FenceGuard::new();
        let mut mark = None;
        let mut last_mark = None;
        for token in tokens {
            let checked = guard.check(t(token)).is_ok();
            let got = as_pair(guard.admit(t(token)));
            prop_assert_eq!(checked, got.is_ok());
            prop_assert_eq!(got, model_admit(&mut mark, token));
            prop_assert_eq!(guard.mark().map(FencingToken::get), mark);
            prop_assert!(guard.mark() >= last_mark);
            last_mark = guard.mark();
        }
    }

    /// A keyed fence behaves like one independent model per key, whatever the shard count.
    #[test]
    fn prop_keyed_matches_per_key_models(
        shards in 1_usize..5,
        ops in prop::collection::vec((0_u8..6, token_value()), 0..80),
    ) {
        let fences = KeyedFence::with_shards(shards).unwrap();
        let mut model: HashMap<u8, Option<u64>> = HashMap::new();
        for (key, token) in ops {
            let got = as_pair(fences.admit(&key, t(token)));
            let want = model_admit(model.entry(key).or_default(), token);
            prop_assert_eq!(got, want);
        }
        for key in 0..6_u8 {
            let want = model.get(&key).copied().flatten();
            prop_assert_eq!(fences.mark(&key).map(FencingToken::get), want);
        }
        prop_assert_eq!(fences.len(), model.values().filter(|m| m.is_some()).count());
    }
}

/// Real threads, each a holder with its own token, all writing to one `Fenced` log: the log's
/// tokens never decrease, every admitted write is in it exactly once, and every refusal was
/// right (its token was below a mark that really was reached).
#[test]
fn stress_fenced_with_real_threads() {
    const THREADS: u64 = 8;
    const WRITES: u64 = 2_000;
    let fenced = Arc::new(Fenced::new(Vec::<(u64, u64)>::new()));
    let start = Arc::new(Barrier::new(THREADS as usize));

    let handles: Vec<_> = (1..=THREADS)
        .map(|token| {
            let fenced = Arc::clone(&fenced);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut admitted = Vec::new();
                for i in 0..WRITES {
                    match fenced.write(t(token), |log| log.push((token, i))) {
                        Ok(()) => admitted.push(i),
                        Err(e) => {
                            assert_eq!(e.presented(), t(token));
                            assert!(e.mark() > t(token));
                        }
                    }
                }
                (token, admitted)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    let (mark, log) = Arc::try_unwrap(fenced).unwrap().into_parts();
    assert!(log.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(mark.map(FencingToken::get), log.last().map(|e| e.0));
    let admitted_total: usize = results.iter().map(|(_, a)| a.len()).sum();
    assert_eq!(admitted_total, log.len());
    for (token, admitted) in results {
        let logged: Vec<u64> = log.iter().filter(|e| e.0 == token).map(|e| e.1).collect();
        assert_eq!(logged, admitted, "holder {token}");
    }
    // The highest holder is never refused.
    assert_eq!(
        log.iter().filter(|e| e.0 == THREADS).count(),
        WRITES as usize
    );
}

/// Real threads racing on one `FenceGuard` with rising tokens: each thread sees its own
/// admissions in order, the final mark is the highest token presented, and no admission of a
/// token is ever followed (in the same thread) by a refusal with a lower mark.
#[test]
fn stress_guard_with_real_threads() {
    const THREADS: u64 = 4;
    const STEPS: u64 = 20_000;
    let guard = Arc::new(FenceGuard::new());
    let start = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|id| {
            let guard = Arc::clone(&guard);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut seen_mark = 0;
                for step in 1..=STEPS {
                    // Interleaved token spaces: thread `id` presents step * THREADS + id.
                    let token = t(step * THREADS + id);
                    match guard.admit(token) {
                        Ok(_) => seen_mark = seen_mark.max(token.get()),
                        Err(e) => {
                            assert!(e.mark() > token);
                            assert!(e.mark().get() >= seen_mark, "mark went backwards");
                            seen_mark = e.mark().get();
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(guard.mark(), Some(t(STEPS * THREADS + THREADS - 1)));
}

#[test]
fn stress_keyed_fence_with_real_threads() {
    let fences = Arc::new(KeyedFence::with_shards(4).unwrap());
    let handles: Vec<_> = (0..4_u64)
        .map(|id| {
            let fences = Arc::clone(&fences);
            thread::spawn(move || {
                for token in 1..=2_000_u64 {
                    // Every thread raises keys 0..8 with the same rising tokens.
                    let key = (token + id) % 8;
                    if let Err(e) = fences.admit(&key, t(token)) {
                        assert!(e.mark() > t(token));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(fences.len(), 8);
    for key in 0..8_u64 {
        let mark = fences.mark(&key).unwrap().get();
        // The highest token that targets `key` from any thread.
        let want = (1..=2_000_u64)
            .filter(|tok| (0..4).any(|id| (tok + id) % 8 == key))
            .max()
            .unwrap();
        assert_eq!(mark, want, "key {key}");
    }
}
