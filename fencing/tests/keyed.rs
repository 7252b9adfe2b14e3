//! `KeyedFence` with a bound on the keys it keeps: eviction into a per-shard floor never
//! admits a stale token, checked against a naive unbounded model.
#![cfg(feature = "std")]

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasherDefault, DefaultHasher};

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_fencing::{Admission, FencingToken, KeyedConfigError, KeyedFence, ShardCountError};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    Admit(u8, u64),
    Check(u8, u64),
    Evict(u8),
}

fn token() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 1_u64..30,
        1 => Just(u64::MAX),
        1 => Just(u64::MAX - 1),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0_u8..24;
    prop_oneof![
        6 => (key.clone(), token()).prop_map(|(k, v)| Op::Admit(k, v)),
        2 => (key.clone(), token()).prop_map(|(k, v)| Op::Check(k, v)),
        1 => key.prop_map(Op::Evict),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x6b_e7ed),
        ..ProptestConfig::default()
    })]

    /// Against a naive unbounded model holding every key's highest admitted token: the
    /// bounded fence never admits a token below it (eviction never admits a stale token),
    /// its mark for every key is at least the model's, it never keeps more keys than its
    /// bound, and until the first eviction it answers exactly as the model.
    #[test]
    fn prop_bounded_fence_never_admits_a_stale_token(
        shards in 1_usize..4,
        extra in 0_usize..10,
        ops in prop::collection::vec(op(), 0..200),
    ) {
        let max_keys = shards + extra;
        let fence = KeyedFence::<u8, _>::bounded_with_shards_and_hasher(
            shards,
            max_keys,
            BuildHasherDefault::<DefaultHasher>::default(),
        )
        .unwrap();
        let mut model: HashMap<u8, u64> = HashMap::new();
        let mut evicted_any = false;
        for op in ops {
            match op {
                Op::Admit(k, v) => {
                    let mark = model.get(&k).copied().unwrap_or(0);
                    let result = fence.admit(&k, t(v));
                    if v < mark {
                        let stale = result.unwrap_err();
                        prop_assert_eq!(stale.presented(), t(v));
                        prop_assert!(stale.mark().get() >= mark);
                    } else if let Ok(admission) = result {
                        if !evicted_any {
                            let want = match mark {
                                0 => Admission::Raised { previous: None },
                                m if m == v => Admission::Unchanged,
                                m => Admission::Raised { previous: Some(t(m)) },
                            };
                            prop_assert_eq!(admission, want);
                        }
                        model.insert(k, v.max(mark));
                    } else {
                        // Refused although no admitted token was above it: only the floor
                        // can do that, so some key was evicted.
                        let stale = result.unwrap_err();
                        prop_assert!(stale.mark().get() > v);
                        prop_assert!(fence.floor(&k) >= Some(stale.mark()));
                    }
                }
                Op::Check(k, v) => {
                    let mark = model.get(&k).copied().unwrap_or(0);
                    let checked = fence.check(&k, t(v));
                    if v < mark {
                        prop_assert!(checked.is_err());
                    }
                    if !evicted_any {
                        prop_assert_eq!(checked.is_ok(), v >= mark);
                    }
                }
                Op::Evict(k) => {
                    if let Some(m) = fence.evict(&k) {
                        prop_assert!(m.get() >= model[&k]);
                        prop_assert!(fence.floor(&k) >= Some(m));
                    }
                }
            }
            evicted_any |= fence.max_floor().is_some();
            prop_assert!(fence.len() <= max_keys);
            prop_assert!(fence.len() <= fence.max_keys().unwrap());
            for (k, m) in &model {
                prop_assert!(fence.mark(k).map_or(0, FencingToken::get) >= *m, "key {}", k);
            }
        }
    }
}

/// A fence bounded to 1 000 keys stays at or under its bound through 100 000 distinct keys,
/// and the first keys, long evicted, still refuse their stale tokens.
#[test]
fn bounded_fence_stays_under_its_bound_and_keeps_refusing() {
    let fence = KeyedFence::<u64>::bounded(1_024).unwrap();
    for key in 0..100_000_u64 {
        fence.admit(&key, t(key + 10)).unwrap();
        assert!(fence.len() <= 1_024);
    }
    for key in 0..100_u64 {
        assert!(fence.admit(&key, t(key + 9)).is_err(), "key {key}");
    }
}

#[test]
fn bounded_config_is_validated() {
    assert_eq!(
        KeyedFence::<u8, _>::bounded_with_shards_and_hasher(0, 10, RandomState::new()).unwrap_err(),
        KeyedConfigError::ShardCount(KeyedFence::<u8>::with_shards(0).unwrap_err())
    );
    assert!(matches!(
        KeyedFence::<u8, _>::bounded_with_shards_and_hasher(70_000, 100_000, RandomState::new()),
        Err(KeyedConfigError::ShardCount(ShardCountError { .. }))
    ));
    assert_eq!(
        KeyedFence::<u8>::bounded(63).unwrap_err(),
        KeyedConfigError::MaxKeysBelowShards {
            max_keys: 63,
            shards: 64
        }
    );
    let fence = KeyedFence::<u8>::bounded(64).unwrap();
    assert_eq!(fence.max_keys(), Some(64));
    let huge = KeyedFence::<u8>::bounded(usize::MAX).unwrap();
    assert_eq!(huge.max_keys(), Some(usize::MAX / 64 * 64));
    huge.admit(&1, t(1)).unwrap();
}

/// Evicting raises the floor of the key's shard only; the same key admitted again after an
/// eviction starts from the floor.
#[test]
fn evict_then_readmit_starts_from_the_floor() {
    let fence = KeyedFence::<String, _>::with_shards_and_hasher(1, RandomState::new()).unwrap();
    fence.admit("a", t(5)).unwrap();
    fence.admit("b", t(3)).unwrap();
    assert_eq!(fence.evict("a"), Some(t(5)));
    assert_eq!(fence.evict("a"), None);
    assert_eq!(fence.mark("a"), Some(t(5)));
    assert_eq!(fence.mark("b"), Some(t(3))); // its own mark, below the floor
    assert!(fence.admit("b", t(3)).is_ok());
    let stale = fence.admit("c", t(4)).unwrap_err();
    assert_eq!((stale.presented(), stale.mark()), (t(4), t(5)));
    assert_eq!(fence.admit("c", t(5)), Ok(Admission::Unchanged));
    assert_eq!(
        fence.admit("a", t(6)),
        Ok(Admission::Raised {
            previous: Some(t(5))
        })
    );
    assert_eq!(fence.len(), 2);
}

/// Marks and the floor saved from one fence and restored into a new one refuse everything
/// the first refused.
#[test]
fn marks_and_floor_restore_into_a_new_fence() {
    let first = KeyedFence::<u64>::bounded(64).unwrap();
    for key in 0..500_u64 {
        first.admit(&key, t(key + 100)).unwrap();
    }
    let (marks, floor) = (first.marks(), first.max_floor());
    let restored = KeyedFence::<u64>::new();
    for (key, mark) in &marks {
        restored.admit(key, *mark).unwrap();
    }
    if let Some(floor) = floor {
        restored.raise_floor(floor);
    }
    for key in 0..500_u64 {
        for token in [key + 99, key + 100, key + 101] {
            if first.check(&key, t(token)).is_err() {
                assert!(
                    restored.check(&key, t(token)).is_err(),
                    "key {key} token {token}"
                );
            }
        }
    }
    restored.raise_floor(FencingToken::MIN);
    assert_eq!(restored.max_floor(), floor);
}

/// `Debug` names the fence, its shard count and its key limit without listing keys.
#[test]
fn keyed_fence_debug_shows_shards() {
    let fence: ward_fencing::KeyedFence<u64> = ward_fencing::KeyedFence::with_shards(4).unwrap();
    let debug = format!("{fence:?}");
    assert!(debug.starts_with("KeyedFence"), "{debug}");
    assert!(debug.contains("shards: 4"), "{debug}");
    assert!(debug.contains("max_keys: None"), "{debug}");
    let bounded = ward_fencing::KeyedFence::<u64>::bounded(100_000).unwrap();
    let debug = format!("{bounded:?}");
    assert!(debug.contains("max_keys: Some(99968)"), "{debug}");
}

#[test]
fn keyed_fence_is_empty_until_a_key_is_admitted() {
    let fence = ward_fencing::KeyedFence::<u64>::new();
    assert!(fence.is_empty());
    fence
        .admit(&1, ward_fencing::FencingToken::new(3).unwrap())
        .unwrap();
    assert!(!fence.is_empty());
}
