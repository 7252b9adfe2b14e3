//! Public-API tests and property laws for `DotContext`, checked against a naive model:
//! the plain set of dots it represents.
#![cfg(feature = "alloc")]

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{DecodeError, Dot, DotContext, DotRange, VClock, VClockError};

type Model = BTreeSet<(u8, u64)>;

fn dot(a: u8, c: u64) -> Dot<u8> {
    Dot::new(a, c).unwrap()
}

fn set_of(ctx: &DotContext<u8>) -> Model {
    ctx.dots().map(Dot::into_parts).collect()
}

/// Checks the canonical form through the public API only.
fn assert_compact(ctx: &DotContext<u8>) {
    let cloud: Vec<_> = ctx.cloud().cloned().collect();
    assert!(
        cloud.windows(2).all(|w| w[0].actor() < w[1].actor()
            || (w[0].actor() == w[1].actor() && w[0].last() + 1 < w[1].first())),
        "cloud runs not sorted, disjoint and apart: {ctx:?}"
    );
    for r in &cloud {
        assert!(
            r.first() > ctx.clock().get(r.actor()) + 1,
            "cloud run {r:?} not separated from the clock: {ctx:?}"
        );
    }
}

fn arb_dots() -> impl Strategy<Value = Vec<(u8, u64)>> {
    prop::collection::vec((0_u8..4, 1_u64..8), 0..14)
}

fn arb_ctx() -> impl Strategy<Value = DotContext<u8>> {
    arb_dots().prop_map(|v| v.into_iter().map(|(a, c)| dot(a, c)).collect())
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u64),
    NextDot(u8),
    Join(Vec<(u8, u64)>),
    Extend(Vec<(u8, u64)>),
    Compact,
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0_u8..4, 1_u64..8).prop_map(|(a, c)| Op::Insert(a, c)),
        1 => (0_u8..4).prop_map(Op::NextDot),
        1 => arb_dots().prop_map(Op::Join),
        1 => arb_dots().prop_map(Op::Extend),
        1 => Just(Op::Compact),
    ]
}

#[test]
fn out_of_order_dot_is_kept_exactly() {
    let mut ctx = DotContext::new();
    assert!(ctx.insert(dot(0, 1)));
    assert!(ctx.insert(dot(0, 3)));
    assert!(ctx.contains(&dot(0, 1)));
    assert!(!ctx.contains(&dot(0, 2)));
    assert!(ctx.contains(&dot(0, 3)));
    assert_eq!(ctx.clock().get(&0), 1);
    assert_eq!(
        ctx.cloud().cloned().collect::<Vec<_>>(),
        [DotRange::new(0, 3, 3).unwrap()]
    );
    assert!(ctx.insert(dot(0, 2)));
    assert_eq!(ctx.clock().get(&0), 3);
    assert_eq!(ctx.cloud().count(), 0);
}

#[test]
fn next_dot_skips_past_cloud() {
    let mut ctx: DotContext<u8> = [dot(1, 4)].into_iter().collect();
    assert_eq!(ctx.next_dot(&1).unwrap(), dot(1, 5));
    assert_eq!(ctx.next_dot(&2).unwrap(), dot(2, 1));
    assert_eq!(set_of(&ctx), [(1, 4), (1, 5), (2, 1)].into_iter().collect());
}

#[test]
fn next_dot_overflow_is_typed_and_changes_nothing() {
    let mut ctx: DotContext<u8> = [dot(1, u64::MAX)].into_iter().collect();
    let before = ctx.clone();
    assert_eq!(
        ctx.next_dot(&1),
        Err(VClockError::CounterOverflow { counter: u64::MAX })
    );
    assert_eq!(ctx, before);
}

#[test]
fn equality_is_equality_of_dot_sets() {
    let a: DotContext<u8> = [dot(0, 2), dot(0, 1), dot(1, 3)].into_iter().collect();
    let mut b = DotContext::new();
    b.insert(dot(1, 3));
    b.insert(dot(0, 2));
    b.insert(dot(0, 1));
    assert_eq!(a, b);
    let from_clock = DotContext::from([('x', 2)].into_iter().collect::<VClock<char>>());
    let from_dots: DotContext<char> = [Dot::new('x', 1).unwrap(), Dot::new('x', 2).unwrap()]
        .into_iter()
        .collect();
    assert_eq!(from_clock, from_dots);
}

#[test]
fn try_from_rejects_non_canonical_parts() {
    let clock: VClock<u8> = [(0, 2)].into_iter().collect();
    assert_eq!(
        DotContext::try_from((clock.clone(), vec![dot(0, 2)])),
        Err(DecodeError::UncompactedCloud {
            index: 0,
            counter: 2,
            clock: 2
        })
    );
    assert_eq!(
        DotContext::try_from((clock.clone(), vec![dot(0, 3)])),
        Err(DecodeError::UncompactedCloud {
            index: 0,
            counter: 3,
            clock: 2
        })
    );
    assert_eq!(
        DotContext::try_from((clock.clone(), vec![dot(1, 5), dot(1, 3)])),
        Err(DecodeError::UnsortedCloud { index: 1 })
    );
    assert_eq!(
        DotContext::try_from((clock.clone(), vec![dot(1, 5), dot(1, 5)])),
        Err(DecodeError::UnsortedCloud { index: 1 })
    );
    let ok = DotContext::try_from((clock, vec![dot(0, 4), dot(1, 2)])).unwrap();
    assert_eq!(
        set_of(&ok),
        [(0, 1), (0, 2), (0, 4), (1, 2)].into_iter().collect()
    );
}

#[test]
fn dots_interleaves_clock_and_cloud_in_order() {
    let ctx: DotContext<u8> = [dot(0, 3), dot(1, 1), dot(1, 4), dot(3, 2), dot(2, 1)]
        .into_iter()
        .collect();
    let listed: Vec<_> = ctx.dots().map(Dot::into_parts).collect();
    assert_eq!(listed, [(0, 3), (1, 1), (1, 4), (2, 1), (3, 2)]);
}

#[test]
fn counters_at_the_limit_do_not_overflow() {
    // A clock entry at u64::MAX joined with cloud dots it covers.
    let full = DotContext::from([(0_u8, u64::MAX)].into_iter().collect::<VClock<u8>>());
    let mut gappy: DotContext<u8> = [dot(0, 5), dot(0, u64::MAX - 1)].into_iter().collect();
    gappy.join(&full);
    assert_eq!(gappy, full);
    assert_eq!(gappy.cloud().count(), 0);
    assert!(!gappy.insert(dot(0, u64::MAX)));
    // The dot cloud may hold the very last dot.
    let mut top: DotContext<u8> = [dot(1, u64::MAX)].into_iter().collect();
    assert_eq!(top.dots().collect::<Vec<_>>(), [dot(1, u64::MAX)]);
    top.insert(dot(1, u64::MAX - 1));
    top.compact();
    assert_eq!(
        top.dots().map(Dot::into_parts).collect::<Vec<_>>(),
        [(1, u64::MAX - 1), (1, u64::MAX)]
    );
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<DotContext<String>>();
    check::<ward_vclock::Dots<'static, String>>();
    check::<ward_vclock::Iter<'static, String>>();
    check::<ward_vclock::IntoIter<String>>();
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(0xd07c_0417),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_operations_match_model(ops in prop::collection::vec(arb_op(), 0..24)) {
        let mut ctx = DotContext::new();
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Insert(a, c) => {
                    let new = ctx.insert(dot(a, c));
                    prop_assert_eq!(new, model.insert((a, c)));
                }
                Op::NextDot(a) => {
                    let max = model.iter().filter(|d| d.0 == a).map(|d| d.1).max().unwrap_or(0);
                    let d = ctx.next_dot(&a).unwrap();
                    prop_assert_eq!(d.into_parts(), (a, max + 1));
                    model.insert((a, max + 1));
                }
                Op::Join(dots) => {
                    let other: DotContext<u8> = dots.iter().map(|&(a, c)| dot(a, c)).collect();
                    ctx.join(&other);
                    model.extend(dots);
                }
                Op::Extend(dots) => {
                    ctx.extend(dots.iter().map(|&(a, c)| dot(a, c)));
                    model.extend(dots);
                }
                Op::Compact => ctx.compact(),
            }
            prop_assert_eq!(set_of(&ctx), model.clone());
            assert_compact(&ctx);
            prop_assert_eq!(ctx.is_empty(), model.is_empty());
            for a in 0..4 {
                for c in 1..10 {
                    prop_assert_eq!(ctx.contains(&dot(a, c)), model.contains(&(a, c)));
                }
                let contiguous = (1..).take_while(|c| model.contains(&(a, *c))).count() as u64;
                prop_assert_eq!(ctx.clock().get(&a), contiguous);
            }
        }
    }

    #[test]
    fn prop_compact_preserves_dots(a in arb_ctx()) {
        let mut b = a.clone();
        b.compact();
        prop_assert_eq!(set_of(&b), set_of(&a));
        prop_assert_eq!(b, a);
    }

    #[test]
    fn prop_from_iter_is_exact(dots in arb_dots()) {
        let ctx: DotContext<u8> = dots.iter().map(|&(a, c)| dot(a, c)).collect();
        prop_assert_eq!(set_of(&ctx), dots.into_iter().collect::<Model>());
        assert_compact(&ctx);
    }

    #[test]
    fn prop_join_is_union(a in arb_ctx(), b in arb_ctx()) {
        let mut j = a.clone();
        j.join(&b);
        let union: Model = set_of(&a).union(&set_of(&b)).copied().collect();
        prop_assert_eq!(set_of(&j), union);
        assert_compact(&j);
    }

    #[test]
    fn prop_join_commutative(a in arb_ctx(), b in arb_ctx()) {
        let mut ab = a.clone();
        ab.join(&b);
        let mut ba = b.clone();
        ba.join(&a);
        prop_assert_eq!(ab, ba);
    }

    #[test]
    fn prop_join_associative(a in arb_ctx(), b in arb_ctx(), c in arb_ctx()) {
        let mut left = a.clone();
        left.join(&b);
        left.join(&c);
        let mut bc = b.clone();
        bc.join(&c);
        let mut right = a.clone();
        right.join(&bc);
        prop_assert_eq!(left, right);
    }

    #[test]
    fn prop_join_idempotent_with_identity(a in arb_ctx()) {
        let mut aa = a.clone();
        aa.join(&a);
        prop_assert_eq!(&aa, &a);
        let mut ae = a.clone();
        ae.join(&DotContext::new());
        prop_assert_eq!(&ae, &a);
        let mut ea = DotContext::new();
        ea.join(&a);
        prop_assert_eq!(ea, a);
    }

    #[test]
    fn prop_eq_iff_same_dots(a in arb_ctx(), b in arb_ctx()) {
        prop_assert_eq!(a == b, set_of(&a) == set_of(&b));
    }

    #[test]
    fn prop_insert_order_irrelevant(dots in arb_dots()) {
        let mut forward = DotContext::new();
        for &(a, c) in &dots {
            forward.insert(dot(a, c));
        }
        let mut backward = DotContext::new();
        for &(a, c) in dots.iter().rev() {
            backward.insert(dot(a, c));
        }
        prop_assert_eq!(forward, backward);
    }

    #[test]
    fn prop_try_from_round_trips(a in arb_ctx()) {
        let (clock, cloud) = a.clone().into_parts();
        prop_assert_eq!(DotContext::try_from((clock, cloud)), Ok(a));
    }

    /// The same operations on a context whose clock starts 8 below `u64::MAX` for
    /// actors 0 and 1 (2 and 3 start empty), with dots in the top 8 counters: folding,
    /// joining and minting at the very end of the counter range, where `next_dot` must
    /// fail without changing anything.
    #[test]
    fn prop_operations_match_model_near_the_limit(
        ops in prop::collection::vec(arb_op(), 0..24),
    ) {
        const BASE: u64 = u64::MAX - 8;
        let start = |a: u8| if a < 2 { BASE } else { 0 };
        // Counters 1..8 of the ordinary strategy, moved to the top of the range.
        let top = |c: u64| BASE + c;
        let base: VClock<u8> = (0_u8..4).map(|a| (a, start(a))).collect();
        let mut ctx = DotContext::from(base);
        // The model: the dots above the starting clock.
        let mut above = Model::new();
        for op in ops {
            match op {
                Op::Insert(a, c) => {
                    let c = top(c);
                    let new = ctx.insert(dot(a, c));
                    prop_assert_eq!(new, c > start(a) && above.insert((a, c)));
                }
                Op::NextDot(a) => {
                    let max = above
                        .iter()
                        .filter(|d| d.0 == a)
                        .map(|d| d.1)
                        .max()
                        .unwrap_or(start(a));
                    let before = ctx.clone();
                    match max.checked_add(1) {
                        Some(next) => {
                            prop_assert_eq!(ctx.next_dot(&a), Ok(dot(a, next)));
                            above.insert((a, next));
                        }
                        None => {
                            prop_assert_eq!(
                                ctx.next_dot(&a),
                                Err(VClockError::CounterOverflow { counter: u64::MAX })
                            );
                            prop_assert_eq!(&ctx, &before);
                        }
                    }
                }
                Op::Join(dots) | Op::Extend(dots) => {
                    let dots: Vec<_> = dots.into_iter().map(|(a, c)| (a, top(c))).collect();
                    let other: DotContext<u8> = dots.iter().map(|&(a, c)| dot(a, c)).collect();
                    ctx.join(&other);
                    above.extend(dots.into_iter().filter(|&(a, c)| c > start(a)));
                }
                Op::Compact => ctx.compact(),
            }
            assert_compact(&ctx);
            for a in 0_u8..4 {
                let mut reach = start(a);
                while let Some(next) = reach.checked_add(1) && above.contains(&(a, next)) {
                    reach = next;
                }
                prop_assert_eq!(ctx.clock().get(&a), reach);
                let expected_max = above
                    .iter()
                    .filter(|d| d.0 == a)
                    .map(|d| d.1)
                    .max()
                    .unwrap_or(start(a));
                prop_assert_eq!(ctx.max_counter(&a), expected_max);
                for c in 0..=8 {
                    let d = dot(a, top(c));
                    let held = top(c) <= start(a) || above.contains(&(a, top(c)));
                    prop_assert_eq!(ctx.contains(&d), held);
                }
            }
            let cloud: Model = ctx.cloud().flat_map(DotRange::dots).map(Dot::into_parts).collect();
            let expected_cloud: Model = above
                .iter()
                .copied()
                .filter(|&(a, c)| c > ctx.clock().get(&a))
                .collect();
            prop_assert_eq!(cloud, expected_cloud);
        }
    }
}

// ---- Set operations: difference, intersection, subset, ranges ----

/// Counters at both ends of the range.
fn arb_counter() -> impl Strategy<Value = u64> {
    prop_oneof![1_u64..9, (0_u64..8).prop_map(|k| u64::MAX - k)]
}

/// Contexts whose clock prefixes may reach the top of the range (so they hold far more
/// dots than any model could list), plus explicit dots at both ends.
fn arb_wide_ctx() -> impl Strategy<Value = DotContext<u8>> {
    (
        prop::collection::vec(
            (
                0_u8..3,
                prop_oneof![0_u64..5, (0_u64..5).prop_map(|k| u64::MAX - k)],
            ),
            0..3,
        ),
        prop::collection::vec((0_u8..3, arb_counter()), 0..8),
    )
        .prop_map(|(clock, dots)| {
            let mut ctx = DotContext::from(clock.into_iter().collect::<VClock<u8>>());
            ctx.extend(dots.into_iter().map(|(a, c)| dot(a, c)));
            ctx
        })
}

/// The dots the generators can tell apart: every other dot of an actor is held by a
/// context exactly when that context's prefix reaches past the low window, which the
/// low window's counters 9 and 10 (never generated as single dots) reveal.
fn window_dots() -> impl Iterator<Item = Dot<u8>> {
    (0_u8..4).flat_map(|a| {
        (1..=10)
            .chain(u64::MAX - 10..=u64::MAX)
            .map(move |c| dot(a, c))
    })
}

fn range_holds(ranges: &[DotRange<u8>], d: &Dot<u8>) -> bool {
    ranges.iter().any(|r| r.contains(d))
}

/// Ascending, and maximal: two ranges of one actor never touch.
fn assert_canonical_ranges(ranges: &[DotRange<u8>]) -> Result<(), TestCaseError> {
    for pair in ranges.windows(2) {
        let (x, y) = (&pair[0], &pair[1]);
        prop_assert!(
            x.actor() < y.actor() || (x.actor() == y.actor() && x.last() + 1 < y.first()),
            "{:?} then {:?}",
            x,
            y
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x5e7_0b5),
        ..ProptestConfig::default()
    })]

    /// Against the plain set model, comparing whole results.
    #[test]
    fn prop_set_operations_match_model(a in arb_ctx(), b in arb_ctx()) {
        let (ma, mb) = (set_of(&a), set_of(&b));
        let both = a.intersection(&b);
        assert_compact(&both);
        let expected: DotContext<u8> = ma.intersection(&mb).map(|&(x, c)| dot(x, c)).collect();
        prop_assert_eq!(&both, &expected);
        let diff: Model = a
            .difference(&b)
            .iter()
            .flat_map(|r| r.dots().map(Dot::into_parts).collect::<Vec<_>>())
            .collect();
        prop_assert_eq!(diff, ma.difference(&mb).copied().collect::<Model>());
        assert_canonical_ranges(&a.difference(&b))?;
        prop_assert_eq!(a.is_subset(&b), ma.is_subset(&mb));
        let all: Model = a
            .ranges()
            .iter()
            .flat_map(|r| r.dots().map(Dot::into_parts).collect::<Vec<_>>())
            .collect();
        prop_assert_eq!(all, ma);
        assert_canonical_ranges(&a.ranges())?;
    }

    /// Near `u64::MAX` and with prefixes no model could list: membership of every
    /// distinguishable dot.
    #[test]
    fn prop_set_operations_near_the_limit(a in arb_wide_ctx(), b in arb_wide_ctx()) {
        let both = a.intersection(&b);
        assert_compact(&both);
        let diff = a.difference(&b);
        assert_canonical_ranges(&diff)?;
        let ranges = a.ranges();
        assert_canonical_ranges(&ranges)?;
        let mut subset = true;
        for d in window_dots() {
            let (x, y) = (a.contains(&d), b.contains(&d));
            prop_assert_eq!(both.contains(&d), x && y, "{:?}", d);
            prop_assert_eq!(range_holds(&diff, &d), x && !y, "{:?}", d);
            prop_assert_eq!(range_holds(&ranges, &d), x, "{:?}", d);
            subset &= !x || y;
        }
        prop_assert_eq!(a.is_subset(&b), subset);
    }

    #[test]
    fn prop_set_operation_laws(a in arb_wide_ctx(), b in arb_wide_ctx(), c in arb_wide_ctx()) {
        prop_assert_eq!(a.intersection(&b), b.intersection(&a));
        prop_assert_eq!(a.intersection(&b).intersection(&c), a.intersection(&b.intersection(&c)));
        prop_assert_eq!(a.intersection(&a), a.clone());
        prop_assert!(a.intersection(&b).is_subset(&a));
        let mut union = a.clone();
        union.join(&b);
        prop_assert!(a.is_subset(&union) && b.is_subset(&union));
        // Absorption: a ∩ (a ∪ b) = a.
        prop_assert_eq!(a.intersection(&union), a.clone());
        prop_assert!(a.difference(&a).is_empty());
        prop_assert!(a.difference(&union).is_empty());
        prop_assert_eq!(a.is_subset(&b) && b.is_subset(&a), a == b);
        prop_assert_eq!(a.difference(&b).is_empty(), a.is_subset(&b));
    }
}

#[test]
fn difference_of_a_huge_prefix_stays_small() {
    let all = DotContext::from([(0_u8, u64::MAX)].into_iter().collect::<VClock<u8>>());
    let some: DotContext<u8> = [dot(0, 1), dot(0, 3), dot(0, u64::MAX)]
        .into_iter()
        .collect();
    assert_eq!(
        all.difference(&some),
        [
            DotRange::new(0, 2, 2).unwrap(),
            DotRange::new(0, 4, u64::MAX - 1).unwrap()
        ]
    );
    assert_eq!(all.intersection(&some), some);
    assert!(some.is_subset(&all));
    assert!(!all.is_subset(&some));
    assert!(some.difference(&all).is_empty());
}
