//! `DvvSet` against a naive model of siblings, its laws, and named cases.
#![cfg(feature = "alloc")]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{DecodeError, Dot, DvvSet, VClock, VClockError};

/// One replica the slow way: the dots it knows (a prefix per actor) and the values
/// still current, each under its own dot.
#[derive(Debug, Clone, Default)]
struct Model {
    known: BTreeMap<u8, u64>,
    versions: BTreeMap<(u8, u64), u32>,
}

impl Model {
    fn knows(&self, (a, c): (u8, u64)) -> bool {
        c <= self.known.get(&a).copied().unwrap_or(0)
    }

    /// A write at `actor` by a client that had read `context`.
    fn update(&mut self, actor: u8, context: &VClock<u8>, value: u32) {
        self.versions.retain(|&(a, c), _| c > context.get(&a));
        for (a, c) in context.iter() {
            let k = self.known.entry(*a).or_insert(0);
            *k = (*k).max(c);
        }
        let k = self.known.entry(actor).or_insert(0);
        *k += 1;
        self.versions.insert((actor, *k), value);
    }

    /// Keeps a value unless the other side knows its dot and no longer holds it.
    fn sync(&mut self, other: &Self) {
        let mut versions = BTreeMap::new();
        for (d, v) in &self.versions {
            if !other.knows(*d) || other.versions.contains_key(d) {
                versions.insert(*d, *v);
            }
        }
        for (d, v) in &other.versions {
            if !self.knows(*d) || self.versions.contains_key(d) {
                versions.insert(*d, *v);
            }
        }
        self.versions = versions;
        for (a, c) in &other.known {
            let k = self.known.entry(*a).or_insert(0);
            *k = (*k).max(*c);
        }
    }

    fn context(&self) -> VClock<u8> {
        self.known.iter().map(|(a, c)| (*a, *c)).collect()
    }
}

fn versions_of(key: &DvvSet<u8, u32>) -> BTreeMap<(u8, u64), u32> {
    key.versions()
        .map(|(d, v)| (d.expect("no anonymous values here").into_parts(), *v))
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    /// A client reads replica `r`; its context joins the pool.
    Read(usize),
    /// Replica `r` takes a write from a client whose context is `pool[i % len]`, or
    /// none (a blind write) when the pool is empty.
    Write(usize, usize),
    /// Replica `r` syncs with replica `s`.
    Sync(usize, usize),
}

fn arb_ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            2 => (0_usize..3).prop_map(Op::Read),
            3 => (0_usize..3, any::<usize>()).prop_map(|(r, i)| Op::Write(r, i)),
            2 => (0_usize..3, 0_usize..3).prop_map(|(r, s)| Op::Sync(r, s)),
        ],
        1..40,
    )
}

/// Runs the history on three replicas (replica `r` writes as actor `r`) and on the
/// model side by side, checking after every step; returns the final states.
fn run(ops: &[Op]) -> Result<Vec<DvvSet<u8, u32>>, TestCaseError> {
    let mut keys = vec![DvvSet::new(); 3];
    let mut models = vec![Model::default(); 3];
    let mut pool: Vec<VClock<u8>> = Vec::new();
    for (value, op) in (0_u32..).zip(ops) {
        match *op {
            Op::Read(r) => pool.push(keys[r].context()),
            Op::Write(r, i) => {
                let context = if pool.is_empty() {
                    VClock::new()
                } else {
                    pool[i % pool.len()].clone()
                };
                let actor = r as u8;
                let dot = keys[r].update(actor, &context, value).unwrap();
                models[r].update(actor, &context, value);
                prop_assert_eq!(dot.into_parts(), (actor, models[r].known[&actor]));
            }
            Op::Sync(r, s) => {
                let other = keys[s].clone();
                keys[r].sync(&other);
                let other = models[s].clone();
                models[r].sync(&other);
            }
        }
        for (key, model) in keys.iter().zip(&models) {
            // No lost sibling and no false concurrency: exactly the model's values.
            prop_assert_eq!(versions_of(key), model.versions.clone());
            prop_assert_eq!(key.context(), model.context());
            prop_assert_eq!(key.len(), model.versions.len());
        }
    }
    Ok(keys)
}

fn synced(a: &DvvSet<u8, u32>, b: &DvvSet<u8, u32>) -> DvvSet<u8, u32> {
    let mut out = a.clone();
    out.sync(b);
    out
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0xd77_5e7),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_matches_sibling_model(ops in arb_ops()) {
        run(&ops)?;
    }

    #[test]
    fn prop_sync_commutative_associative_idempotent(ops in arb_ops()) {
        let keys = run(&ops)?;
        let (a, b, c) = (&keys[0], &keys[1], &keys[2]);
        prop_assert_eq!(synced(a, b), synced(b, a));
        prop_assert_eq!(synced(&synced(a, b), c), synced(a, &synced(b, c)));
        prop_assert_eq!(synced(a, a), a.clone());
        prop_assert_eq!(synced(&synced(a, b), b), synced(a, b));
        prop_assert_eq!(synced(a, &DvvSet::new()), a.clone());
    }

    #[test]
    fn prop_parts_round_trip(ops in arb_ops()) {
        for key in run(&ops)? {
            prop_assert_eq!(DvvSet::try_from(key.clone().into_parts()), Ok(key));
        }
    }
}

/// Two clients read the same version and write concurrently through one replica: a
/// single version vector per key would let the second write overwrite the first; the
/// dotted version vector set keeps both, and a third write that read both replaces
/// them.
#[test]
fn concurrent_writes_through_one_replica_stay_siblings() {
    let mut key = DvvSet::new();
    key.update('r', &VClock::new(), "v0").unwrap();
    let read = key.context();
    key.update('r', &read, "alice").unwrap();
    key.update('r', &read, "bob").unwrap();
    let values: BTreeSet<_> = key.values().copied().collect();
    assert_eq!(values, ["alice", "bob"].into_iter().collect());
    let read_both = key.context();
    key.update('r', &read_both, "merged").unwrap();
    assert_eq!(key.values().collect::<Vec<_>>(), [&"merged"]);
    assert_eq!(key.context(), [('r', 4)].into_iter().collect());
}

#[test]
fn update_at_the_counter_limit_is_typed_and_changes_nothing() {
    let mut key = DvvSet::try_from((vec![('r', u64::MAX, vec![1])], vec![])).unwrap();
    let before = key.clone();
    assert_eq!(
        key.update('r', &VClock::new(), 2),
        Err(VClockError::CounterOverflow { counter: u64::MAX })
    );
    assert_eq!(key, before);
    // A context at the limit blocks the replica too, without changing anything.
    let mut fresh = DvvSet::<char, u32>::new();
    let at_limit: VClock<char> = [('r', u64::MAX)].into_iter().collect();
    assert!(fresh.update('r', &at_limit, 1).is_err());
    assert!(fresh.is_empty() && fresh.context().is_empty());
    assert!(!key.is_empty(), "a key holding values is not empty");
    // Another replica still writes.
    assert_eq!(
        key.update('s', &VClock::new(), 3),
        Ok(Dot::new('s', 1).unwrap())
    );
}

#[test]
fn anonymous_values_follow_the_dominating_context() {
    // A value written without any context is kept beside everything.
    let mut key = DvvSet::from_value(10);
    key.update('r', &VClock::new(), 20).unwrap();
    assert_eq!(key.values().copied().collect::<Vec<_>>(), [10, 20]);
    assert_eq!(
        key.versions().map(|(d, _)| d).collect::<Vec<_>>(),
        [None, Some(Dot::new('r', 1).unwrap())]
    );
    // A write whose context strictly dominates the state's replaces it too.
    let mut ahead = key.context();
    ahead.increment('s').unwrap();
    let mut other = key.clone();
    other.update('r', &ahead, 30).unwrap();
    assert_eq!(other.values().copied().collect::<Vec<_>>(), [30]);
    // Sync: the dominating side's anonymous values win; concurrent sides keep both.
    let mut merged = key.clone();
    merged.sync(&other);
    assert_eq!(merged.values().copied().collect::<Vec<_>>(), [30]);
    let mut a = DvvSet::<char, u32>::from_value(1);
    a.sync(&DvvSet::from_value(2));
    assert_eq!(a.values().copied().collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn reconcile_and_last_write_wins_keep_the_context() {
    let mut key = DvvSet::new();
    key.update('a', &VClock::new(), (3, 'x')).unwrap();
    key.update('b', &VClock::new(), (9, 'y')).unwrap();
    key.update('c', &VClock::new(), (5, 'z')).unwrap();
    let lww = key.last_write_wins(|p, q| p.0.cmp(&q.0)).unwrap();
    assert_eq!(lww.values().collect::<Vec<_>>(), [&(9, 'y')]);
    assert_eq!(lww.context(), key.context());
    let total = key.reconcile(|vs| (vs.iter().map(|v| v.0).sum(), 's'));
    assert_eq!(total.values().collect::<Vec<_>>(), [&(17, 's')]);
    // Syncing the reconciled state back replaces the siblings it merged.
    let mut back = key.clone();
    back.sync(&total);
    assert_eq!(back.values().collect::<Vec<_>>(), [&(17, 's')]);
    assert!(
        DvvSet::<char, u8>::new()
            .last_write_wins(Ord::cmp)
            .is_none()
    );
}

#[test]
fn try_from_rejects_non_canonical_parts() {
    type Parts = (Vec<(char, u64, Vec<u8>)>, Vec<u8>);
    let check = |parts: Parts, err| assert_eq!(DvvSet::try_from(parts), Err(err));
    check(
        (vec![('a', 1, vec![1, 2])], vec![]),
        DecodeError::TooManyValues {
            index: 0,
            values: 2,
            counter: 1,
        },
    );
    check(
        (vec![('a', 0, vec![])], vec![]),
        DecodeError::ZeroEntry { index: 0 },
    );
    check(
        (vec![('b', 1, vec![]), ('a', 1, vec![])], vec![]),
        DecodeError::UnsortedActors { index: 1 },
    );
    check(
        (vec![('a', 1, vec![]), ('a', 2, vec![])], vec![]),
        DecodeError::DuplicateActor { index: 1 },
    );
    check(
        (vec![], vec![2, 2]),
        DecodeError::UnsortedValues { index: 1 },
    );
    assert_eq!(
        DecodeError::TooManyValues {
            index: 0,
            values: 2,
            counter: 1
        }
        .to_string(),
        "entry at index 0 holds 2 values but its counter is only 1"
    );
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<DvvSet<String, Vec<u8>>>();
}

/// Anonymous values follow Riak's rule (the dominating side's replace the other's), which
/// is not associative: the documentation says so, and this pins the example it rests on.
#[test]
fn anonymous_values_follow_riaks_rule_which_is_not_associative() {
    let e = VClock::new();
    let mut k0 = DvvSet::new();
    k0.update('a', &e, 10).unwrap();
    let mut k1 = DvvSet::new();
    k1.update('b', &e, 20).unwrap();
    let mut k2 = k0.clone();
    k2.sync(&k1);
    let (x, y, z) = (
        k0.reconcile(|_| 1),
        k1.reconcile(|_| 2),
        k2.reconcile(|_| 3),
    );
    let mut left = x.clone();
    left.sync(&y);
    left.sync(&z);
    let mut right = y.clone();
    right.sync(&z);
    let mut grouped = x.clone();
    grouped.sync(&right);
    assert_eq!(left.values().copied().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(grouped.values().copied().collect::<Vec<_>>(), [3]);
    // Commutativity and idempotence still hold on the same states.
    let mut yx = y.clone();
    yx.sync(&x);
    let mut xy = x.clone();
    xy.sync(&y);
    assert_eq!(xy, yx);
    let mut again = xy.clone();
    again.sync(&xy);
    assert_eq!(again, xy);
}
