//! Public-API tests and property laws for `VClock`, checked against a naive model.
#![cfg(feature = "alloc")]

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{DecodeError, Dot, VClock, VClockError};

/// The naive model: a map from actor to counter with zero entries removed.
type Model = BTreeMap<u8, u64>;

fn model_of(clock: &VClock<u8>) -> Model {
    clock.iter().map(|(a, c)| (*a, c)).collect()
}

fn model_get(m: &Model, a: u8) -> u64 {
    m.get(&a).copied().unwrap_or(0)
}

/// Pointwise comparison over the union of actors, written the slow, obvious way.
fn model_cmp(x: &Model, y: &Model) -> Option<Ordering> {
    let actors: std::collections::BTreeSet<u8> = x.keys().chain(y.keys()).copied().collect();
    let le = actors.iter().all(|a| model_get(x, *a) <= model_get(y, *a));
    let ge = actors.iter().all(|a| model_get(x, *a) >= model_get(y, *a));
    match (le, ge) {
        (true, true) => Some(Ordering::Equal),
        (true, false) => Some(Ordering::Less),
        (false, true) => Some(Ordering::Greater),
        (false, false) => None,
    }
}

fn model_merge(x: &Model, y: &Model) -> Model {
    let mut out = x.clone();
    for (a, c) in y {
        let e = out.entry(*a).or_insert(0);
        *e = (*e).max(*c);
    }
    out
}

fn clock(entries: &[(char, u64)]) -> VClock<char> {
    entries.iter().copied().collect()
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Few actors and small counters, so that equal, ordered and concurrent pairs are all
/// common.
fn arb_clock() -> impl Strategy<Value = VClock<u8>> {
    prop::collection::vec((0_u8..6, 0_u64..4), 0..8).prop_map(|v| v.into_iter().collect())
}

#[derive(Debug, Clone)]
enum Op {
    Increment(u8),
    Witness(u8, u64),
    Merge(Vec<(u8, u64)>),
    Extend(Vec<(u8, u64)>),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0_u8..8).prop_map(Op::Increment),
        (0_u8..8, 1_u64..10).prop_map(|(a, c)| Op::Witness(a, c)),
        prop::collection::vec((0_u8..8, 0_u64..10), 0..6).prop_map(Op::Merge),
        prop::collection::vec((0_u8..8, 0_u64..10), 0..6).prop_map(Op::Extend),
    ]
}

// ---- Named cases (the reference cases of the specification) ----

#[test]
fn empty_equals_empty() {
    let (a, b) = (clock(&[]), clock(&[]));
    assert_eq!(a, b);
    assert_eq!(a.partial_cmp(&b), Some(Ordering::Equal));
    assert!(a.descends(&b) && !a.dominates(&b) && !a.is_concurrent(&b));
}

#[test]
fn one_event_is_greater_than_none() {
    let (a, b) = (clock(&[('A', 1)]), clock(&[]));
    assert_eq!(a.partial_cmp(&b), Some(Ordering::Greater));
    assert_eq!(b.partial_cmp(&a), Some(Ordering::Less));
    assert!(a.dominates(&b));
    assert!(!b.descends(&a));
}

/// `crdts::VClock` compares `{A:0}` and `{}` as `Greater` in both directions; here an
/// explicit zero entry is the same clock as no entry.
#[test]
fn explicit_zero_entry_equals_empty() {
    let a = clock(&[('A', 0)]);
    let b = clock(&[]);
    assert_eq!(a, b);
    assert_eq!(a.partial_cmp(&b), Some(Ordering::Equal));
    assert_eq!(b.partial_cmp(&a), Some(Ordering::Equal));
    assert_eq!(hash_of(&a), hash_of(&b));
    assert!(a.is_empty());
}

#[test]
fn one_entry_behind_is_less() {
    let (a, b) = (clock(&[('A', 1), ('B', 2)]), clock(&[('A', 1), ('B', 3)]));
    assert_eq!(a.partial_cmp(&b), Some(Ordering::Less));
    assert!(b.dominates(&a));
    assert!(a < b);
}

#[test]
fn crossed_entries_are_concurrent() {
    let (a, b) = (clock(&[('A', 2), ('B', 1)]), clock(&[('A', 1), ('B', 2)]));
    assert_eq!(a.partial_cmp(&b), None);
    assert!(a.is_concurrent(&b) && b.is_concurrent(&a));
    assert!(!a.descends(&b) && !b.descends(&a));
}

#[test]
fn disjoint_actors_are_concurrent() {
    let (a, b) = (clock(&[('A', 1)]), clock(&[('B', 1)]));
    assert_eq!(a.partial_cmp(&b), None);
    assert!(a.is_concurrent(&b));
}

#[test]
fn merge_takes_pointwise_max() {
    let mut a = clock(&[('A', 2), ('B', 1)]);
    let b = clock(&[('A', 1), ('B', 2), ('C', 5)]);
    a.merge(&b);
    assert_eq!(a, clock(&[('A', 2), ('B', 2), ('C', 5)]));
    assert_eq!(
        a.iter().collect::<Vec<_>>(),
        [(&'A', 2), (&'B', 2), (&'C', 5)]
    );
}

// ---- Behaviour ----

#[test]
fn increment_returns_consecutive_dots() {
    let mut c = VClock::new();
    assert_eq!(c.increment('a').unwrap(), Dot::new('a', 1).unwrap());
    assert_eq!(c.increment('b').unwrap(), Dot::new('b', 1).unwrap());
    assert_eq!(c.increment('a').unwrap(), Dot::new('a', 2).unwrap());
    assert_eq!(c, clock(&[('a', 2), ('b', 1)]));
}

#[test]
fn increment_overflow_is_typed_and_changes_nothing() {
    let mut c: VClock<char> = VClock::try_from(vec![('a', u64::MAX), ('b', 3)]).unwrap();
    let before = c.clone();
    assert_eq!(
        c.increment('a'),
        Err(VClockError::CounterOverflow { counter: u64::MAX })
    );
    assert_eq!(c, before);
    assert_eq!(c.increment('b').unwrap().counter(), 4);
}

#[test]
fn contains_and_witness() {
    let mut c = clock(&[('a', 2)]);
    assert!(c.contains(&Dot::new('a', 1).unwrap()));
    assert!(!c.contains(&Dot::new('a', 3).unwrap()));
    assert!(c.witness(&Dot::new('a', 5).unwrap()));
    assert!(c.contains(&Dot::new('a', 3).unwrap()));
    assert!(!c.witness(&Dot::new('a', 4).unwrap()));
    assert!(c.witness(&Dot::new('0', 1).unwrap()));
    assert_eq!(c, clock(&[('0', 1), ('a', 5)]));
}

#[test]
fn from_iterator_joins_duplicates_and_drops_zeros() {
    let c = clock(&[('b', 1), ('a', 3), ('b', 4), ('c', 0), ('a', 2)]);
    assert_eq!(c.iter().collect::<Vec<_>>(), [(&'a', 3), (&'b', 4)]);
    let mut d = clock(&[('a', 1)]);
    d.extend([('a', 0), ('z', 2)]);
    assert_eq!(d, clock(&[('a', 1), ('z', 2)]));
    let from_dots: VClock<char> = [Dot::new('x', 2).unwrap(), Dot::new('x', 1).unwrap()]
        .into_iter()
        .collect();
    assert_eq!(from_dots, clock(&[('x', 2)]));
}

#[test]
fn try_from_rejects_non_canonical_entries() {
    assert_eq!(
        VClock::try_from(vec![('a', 1), ('a', 2)]),
        Err(DecodeError::DuplicateActor { index: 1 })
    );
    assert_eq!(
        VClock::try_from(vec![('a', 1), ('c', 1), ('b', 1)]),
        Err(DecodeError::UnsortedActors { index: 2 })
    );
    assert_eq!(
        VClock::try_from(vec![('a', 1), ('b', 0)]),
        Err(DecodeError::ZeroEntry { index: 1 })
    );
    assert_eq!(
        VClock::try_from(vec![('a', 1), ('b', 2)]),
        Ok(clock(&[('a', 1), ('b', 2)]))
    );
}

#[test]
fn display_and_debug() {
    let c = clock(&[('b', 1), ('a', 2)]);
    assert_eq!(c.to_string(), "{a:2, b:1}");
    assert_eq!(format!("{c:?}"), "{'a': 2, 'b': 1}");
    assert_eq!(VClock::<char>::new().to_string(), "{}");
}

#[test]
fn dot_rejects_zero_counter() {
    assert_eq!(Dot::new('a', 0), Err(VClockError::ZeroCounter));
    assert_eq!(
        Dot::new('a', u64::MAX).unwrap().next(),
        Err(VClockError::CounterOverflow { counter: u64::MAX })
    );
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<VClock<String>>();
    check::<Dot<String>>();
    check::<VClockError>();
    check::<DecodeError>();
}

#[test]
fn merge_across_many_actors_matches_model() {
    // Interleaved actor sets exercise the path that rebuilds the vector.
    let a: VClock<u32> = (0..1000)
        .step_by(3)
        .map(|a| (a, u64::from(a) + 1))
        .collect();
    let b: VClock<u32> = (0..1000).step_by(2).map(|a| (a, 500)).collect();
    let mut m = a.clone();
    m.merge(&b);
    for actor in 0..1000 {
        assert_eq!(
            m.get(&actor),
            a.get(&actor).max(b.get(&actor)),
            "actor {actor}"
        );
    }
    assert!(m.descends(&a) && m.descends(&b));
}

// ---- Property laws against the model ----

/// Seeded, so every run checks the same cases.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x0076_c10c),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_operations_match_model(ops in prop::collection::vec(arb_op(), 0..24)) {
        let mut clock = VClock::new();
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Increment(a) => {
                    let dot = clock.increment(a).unwrap();
                    *model.entry(a).or_insert(0) += 1;
                    prop_assert_eq!(dot.counter(), model[&a]);
                    prop_assert_eq!(*dot.actor(), a);
                }
                Op::Witness(a, c) => {
                    let changed = clock.witness(&Dot::new(a, c).unwrap());
                    prop_assert_eq!(changed, c > model_get(&model, a));
                    let e = model.entry(a).or_insert(0);
                    *e = (*e).max(c);
                }
                Op::Merge(entries) => {
                    let other: VClock<u8> = entries.iter().copied().collect();
                    clock.merge(&other);
                    model = model_merge(&model, &model_of(&other));
                }
                Op::Extend(entries) => {
                    clock.extend(entries.iter().copied());
                    for (a, c) in entries.into_iter().filter(|(_, c)| *c > 0) {
                        let e = model.entry(a).or_insert(0);
                        *e = (*e).max(c);
                    }
                }
            }
            // Whole state: entries sorted, no zeros, same as the model.
            prop_assert_eq!(model_of(&clock), model.clone());
            prop_assert!(clock.iter().all(|(_, c)| c > 0));
            prop_assert!(clock.iter().zip(clock.iter().skip(1)).all(|(x, y)| x.0 < y.0));
            prop_assert_eq!(clock.len(), model.len());
        }
    }

    #[test]
    fn prop_get_and_contains_match_model(c in arb_clock(), a in 0_u8..8, n in 1_u64..6) {
        let m = model_of(&c);
        prop_assert_eq!(c.get(&a), model_get(&m, a));
        prop_assert_eq!(c.contains(&Dot::new(a, n).unwrap()), n <= model_get(&m, a));
    }

    #[test]
    fn prop_partial_cmp_matches_model(a in arb_clock(), b in arb_clock()) {
        prop_assert_eq!(a.partial_cmp(&b), model_cmp(&model_of(&a), &model_of(&b)));
    }

    #[test]
    fn prop_reflexive(a in arb_clock()) {
        prop_assert_eq!(a.partial_cmp(&a), Some(Ordering::Equal));
        prop_assert!(a.descends(&a));
    }

    #[test]
    fn prop_antisymmetric(a in arb_clock(), b in arb_clock()) {
        if a.descends(&b) && b.descends(&a) {
            prop_assert_eq!(&a, &b);
        }
        // The reversed comparison is the reverse ordering.
        prop_assert_eq!(b.partial_cmp(&a), a.partial_cmp(&b).map(Ordering::reverse));
    }

    #[test]
    fn prop_transitive(a in arb_clock(), b in arb_clock(), c in arb_clock()) {
        if b.descends(&a) && c.descends(&b) {
            prop_assert!(c.descends(&a));
        }
        if b.dominates(&a) && c.dominates(&b) {
            prop_assert!(c.dominates(&a));
        }
    }

    #[test]
    fn prop_transitive_on_chains(a in arb_clock(), b in arb_clock(), c in arb_clock()) {
        // Build a guaranteed chain so the law is exercised on every case.
        let mut ab = a.clone();
        ab.merge(&b);
        let mut abc = ab.clone();
        abc.merge(&c);
        prop_assert!(ab.descends(&a) && abc.descends(&ab) && abc.descends(&a));
    }

    #[test]
    fn prop_partial_cmp_consistent_with_eq_and_hash(a in arb_clock(), b in arb_clock()) {
        prop_assert_eq!(a == b, a.partial_cmp(&b) == Some(Ordering::Equal));
        if a == b {
            prop_assert_eq!(hash_of(&a), hash_of(&b));
        }
        prop_assert_eq!(a == b, model_of(&a) == model_of(&b));
    }

    #[test]
    fn prop_predicates_consistent_with_partial_cmp(a in arb_clock(), b in arb_clock()) {
        let ord = a.partial_cmp(&b);
        prop_assert_eq!(a.descends(&b), matches!(ord, Some(Ordering::Greater | Ordering::Equal)));
        prop_assert_eq!(a.dominates(&b), ord == Some(Ordering::Greater));
        prop_assert_eq!(a.is_concurrent(&b), ord.is_none());
        prop_assert_eq!(a < b, ord == Some(Ordering::Less));
        prop_assert_eq!(a <= b, b.descends(&a));
    }

    #[test]
    fn prop_merge_matches_model(a in arb_clock(), b in arb_clock()) {
        let mut m = a.clone();
        m.merge(&b);
        prop_assert_eq!(model_of(&m), model_merge(&model_of(&a), &model_of(&b)));
    }

    #[test]
    fn prop_merge_commutative(a in arb_clock(), b in arb_clock()) {
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        prop_assert_eq!(ab, ba);
    }

    #[test]
    fn prop_merge_associative(a in arb_clock(), b in arb_clock(), c in arb_clock()) {
        let mut left = a.clone();
        left.merge(&b);
        left.merge(&c);
        let mut bc = b.clone();
        bc.merge(&c);
        let mut right = a.clone();
        right.merge(&bc);
        prop_assert_eq!(left, right);
    }

    #[test]
    fn prop_merge_idempotent(a in arb_clock(), b in arb_clock()) {
        let mut aa = a.clone();
        aa.merge(&a);
        prop_assert_eq!(&aa, &a);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut abb = ab.clone();
        abb.merge(&b);
        prop_assert_eq!(abb, ab);
    }

    #[test]
    fn prop_merge_is_least_upper_bound(a in arb_clock(), b in arb_clock(), u in arb_clock()) {
        let mut m = a.clone();
        m.merge(&b);
        // An upper bound ...
        prop_assert!(m.descends(&a) && m.descends(&b));
        // ... below every other upper bound.
        if u.descends(&a) && u.descends(&b) {
            prop_assert!(u.descends(&m));
        }
        // ... and equal to `b` exactly when `b` already descends from `a`.
        prop_assert_eq!(m == b, b.descends(&a));
    }

    #[test]
    fn prop_increment_dominates(a in arb_clock(), actor in 0_u8..8) {
        let mut next = a.clone();
        let dot = next.increment(actor).unwrap();
        prop_assert!(next.dominates(&a));
        prop_assert!(next.contains(&dot) && !a.contains(&dot));
        prop_assert_eq!(next.dot(&actor), Some(dot));
    }

    #[test]
    fn prop_increment_at_the_limit_is_all_or_nothing(
        entries in prop::collection::vec((0_u8..4, 0_u64..3), 0..5),
        actor in 0_u8..4,
    ) {
        // Counters within 2 of u64::MAX.
        let clock: VClock<u8> = entries.into_iter().map(|(a, d)| (a, u64::MAX - d)).collect();
        let mut next = clock.clone();
        match next.increment(actor) {
            Ok(dot) => {
                prop_assert!(clock.get(&actor) < u64::MAX);
                prop_assert_eq!(dot.counter(), clock.get(&actor) + 1);
                prop_assert!(next.dominates(&clock));
            }
            Err(e) => {
                prop_assert_eq!(clock.get(&actor), u64::MAX);
                prop_assert_eq!(e, VClockError::CounterOverflow { counter: u64::MAX });
                prop_assert_eq!(next, clock);
            }
        }
    }

    #[test]
    fn prop_try_from_accepts_exactly_canonical(entries in prop::collection::vec((0_u8..6, 0_u64..3), 0..6)) {
        let canonical = entries.windows(2).all(|w| w[0].0 < w[1].0)
            && entries.iter().all(|(_, c)| *c > 0);
        let result = VClock::try_from(entries.clone());
        prop_assert_eq!(result.is_ok(), canonical);
        if let Ok(c) = result {
            prop_assert_eq!(c.into_iter().collect::<Vec<_>>(), entries);
        }
    }
}

// ---- Meet, forget, checked apply ----

fn model_meet(x: &Model, y: &Model) -> Model {
    x.iter()
        .filter_map(|(a, c)| {
            let m = (*c).min(model_get(y, *a));
            (m > 0).then_some((*a, m))
        })
        .collect()
}

/// Clocks whose counters sit at either end of the range.
fn arb_wide_clock() -> impl Strategy<Value = VClock<u8>> {
    prop::collection::vec(
        (
            0_u8..6,
            prop_oneof![0_u64..4, (0_u64..3).prop_map(|k| u64::MAX - k)],
        ),
        0..8,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x3ee7),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_meet_matches_model(a in arb_wide_clock(), b in arb_wide_clock()) {
        let mut m = a.clone();
        m.meet(&b);
        prop_assert_eq!(model_of(&m), model_meet(&model_of(&a), &model_of(&b)));
    }

    #[test]
    fn prop_meet_laws(a in arb_wide_clock(), b in arb_wide_clock(), c in arb_wide_clock()) {
        let meet = |x: &VClock<u8>, y: &VClock<u8>| {
            let mut m = x.clone();
            m.meet(y);
            m
        };
        let join = |x: &VClock<u8>, y: &VClock<u8>| {
            let mut m = x.clone();
            m.merge(y);
            m
        };
        prop_assert_eq!(meet(&a, &b), meet(&b, &a));
        prop_assert_eq!(meet(&meet(&a, &b), &c), meet(&a, &meet(&b, &c)));
        prop_assert_eq!(meet(&a, &a), a.clone());
        prop_assert_eq!(meet(&a, &join(&a, &b)), a.clone());
        prop_assert_eq!(join(&a, &meet(&a, &b)), a.clone());
        // The greatest lower bound: below both, and above every clock below both.
        let m = meet(&a, &b);
        prop_assert!(a.descends(&m) && b.descends(&m));
        if a.descends(&c) && b.descends(&c) {
            prop_assert!(m.descends(&c));
        }
    }

    #[test]
    fn prop_forget_matches_model(a in arb_wide_clock(), actor in 0_u8..8) {
        let mut f = a.clone();
        let mut model = model_of(&a);
        prop_assert_eq!(f.forget(&actor), model.remove(&actor).unwrap_or(0));
        prop_assert_eq!(model_of(&f), model);
        prop_assert!(a.descends(&f));
    }

    #[test]
    fn prop_apply_matches_model(
        a in arb_wide_clock(),
        actor in 0_u8..8,
        counter in prop_oneof![1_u64..6, (0_u64..4).prop_map(|k| u64::MAX - k)],
    ) {
        let mut applied = a.clone();
        let known = model_get(&model_of(&a), actor);
        let result = applied.apply(&Dot::new(actor, counter).unwrap());
        let mut expected = model_of(&a);
        if counter <= known {
            prop_assert_eq!(result, Ok(false));
        } else if counter == known + 1 {
            prop_assert_eq!(result, Ok(true));
            expected.insert(actor, counter);
        } else {
            prop_assert_eq!(result, Err(VClockError::Gap { counter, known }));
        }
        prop_assert_eq!(model_of(&applied), expected);
    }
}

#[test]
fn apply_refuses_a_gap_and_names_it() {
    let mut c = clock(&[('A', 2)]);
    let err = c.apply(&Dot::new('A', 5).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "gap: event 5 applied to a clock that knows only 2 events of its actor"
    );
    assert_eq!(c, clock(&[('A', 2)]));
    assert_eq!(c.apply(&Dot::new('B', 1).unwrap()), Ok(true));
    assert_eq!(c, clock(&[('A', 2), ('B', 1)]));
}

/// Both iterators over a clock know their exact length and walk from either end.
#[test]
fn iterators_report_exact_lengths_and_run_backwards() {
    let clock: VClock<char> = [('a', 1), ('b', 2), ('c', 3)].into_iter().collect();
    let mut it = clock.iter();
    assert_eq!(it.size_hint(), (3, Some(3)));
    assert_eq!(it.len(), 3);
    it.next();
    assert_eq!(it.size_hint(), (2, Some(2)));
    let backwards: Vec<(char, u64)> = clock.iter().rev().map(|(a, c)| (*a, c)).collect();
    assert_eq!(backwards, [('c', 3), ('b', 2), ('a', 1)]);
    let mut owned = clock.clone().into_iter();
    assert_eq!(owned.len(), 3);
    assert_eq!(owned.next_back(), Some(('c', 3)));
    assert_eq!(owned.next(), Some(('a', 1)));
    assert_eq!(owned.next_back(), Some(('b', 2)));
    assert_eq!(owned.next_back(), None);
}

#[test]
fn dots_display_as_actor_colon_counter() {
    assert_eq!(Dot::new('a', 3).unwrap().to_string(), "a:3");
    assert_eq!(
        Dot::new(17_u32, u64::MAX).unwrap().to_string(),
        "17:18446744073709551615"
    );
}
