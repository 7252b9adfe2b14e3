//! The dot cloud as per-actor runs, `first_dot_outside` and `ContextProbe`, against a
//! naive model: the plain `BTreeSet` of the dots. Ranges are short, but they start at
//! both ends of the counter range and overlap, touch and repeat one another.
#![cfg(feature = "alloc")]

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{ContextProbe, DecodeError, Dot, DotContext, DotRange, ProbeError, VClock};

type Model = BTreeSet<Dot<u8>>;

fn dot(a: u8, c: u64) -> Dot<u8> {
    Dot::new(a, c).unwrap()
}

fn run(a: u8, first: u64, last: u64) -> DotRange<u8> {
    DotRange::new(a, first, last).unwrap()
}

/// A short range starting near 1 or near `u64::MAX` (clipped at the top).
fn arb_range() -> impl Strategy<Value = DotRange<u8>> {
    let start = prop_oneof![1_u64..16, (0_u64..16).prop_map(|k| u64::MAX - k)];
    (0_u8..3, start, 0_u64..6).prop_map(|(a, first, len)| run(a, first, first.saturating_add(len)))
}

fn arb_ranges() -> impl Strategy<Value = Vec<DotRange<u8>>> {
    prop::collection::vec(arb_range(), 0..8)
}

fn arb_ctx() -> impl Strategy<Value = DotContext<u8>> {
    arb_ranges().prop_map(|rs| rs.into_iter().collect())
}

fn model_of(ranges: &[DotRange<u8>]) -> Model {
    ranges.iter().flat_map(DotRange::dots).collect()
}

/// Every dot the generators can reach, plus the counters just past them.
fn window() -> impl Iterator<Item = Dot<u8>> {
    (0_u8..4).flat_map(|a| {
        (1..=24)
            .chain(u64::MAX - 24..=u64::MAX)
            .map(move |c| dot(a, c))
    })
}

/// The whole state against the model: the dots, the clock (longest prefix from 1), the
/// runs (maximal, apart from the clock and each other), and the round trip through the
/// checked conversion.
fn check(ctx: &DotContext<u8>, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(&ctx.dots().collect::<Model>(), model);
    for a in 0_u8..4 {
        let mut prefix = 0_u64;
        while let Some(next) = prefix.checked_add(1)
            && model.contains(&dot(a, next))
        {
            prefix = next;
        }
        prop_assert_eq!(ctx.clock().get(&a), prefix);
        let max = model
            .iter()
            .filter(|d| *d.actor() == a)
            .map(Dot::counter)
            .max();
        prop_assert_eq!(ctx.max_counter(&a), max.unwrap_or(0));
    }
    let runs: Vec<DotRange<u8>> = ctx.cloud().cloned().collect();
    for pair in runs.windows(2) {
        prop_assert!(
            pair[0].actor() < pair[1].actor()
                || (pair[0].actor() == pair[1].actor() && pair[0].last() + 1 < pair[1].first()),
            "runs {:?} and {:?} overlap, touch or are unsorted",
            pair[0],
            pair[1]
        );
    }
    for r in &runs {
        prop_assert!(
            r.first() > ctx.clock().get(r.actor()) + 1,
            "{:?} touches the clock",
            r
        );
    }
    // A run is only ever split by a gap: the runs are the model's maximal runs above
    // each clock prefix.
    let mut expected: Vec<DotRange<u8>> = Vec::new();
    for d in model
        .iter()
        .filter(|d| d.counter() > ctx.clock().get(d.actor()))
    {
        match expected.last_mut() {
            Some(last) if last.actor() == d.actor() && last.last() + 1 == d.counter() => {
                *last = run(*d.actor(), last.first(), d.counter());
            }
            _ => expected.push(run(*d.actor(), d.counter(), d.counter())),
        }
    }
    prop_assert_eq!(&runs, &expected);
    for d in window() {
        prop_assert_eq!(ctx.contains(&d), model.contains(&d), "{:?}", d);
        prop_assert_eq!(
            ctx.contains_event(d.actor(), d.counter()),
            model.contains(&d)
        );
    }
    prop_assert!(!ctx.contains_event(&0, 0));
    let (clock, cloud) = ctx.clone().into_parts();
    prop_assert_eq!(&DotContext::try_from((clock, cloud)).unwrap(), ctx);
    Ok(())
}

#[derive(Debug, Clone)]
enum Op {
    Insert(Dot<u8>),
    InsertRange(DotRange<u8>),
    Join(Vec<DotRange<u8>>),
    Extend(Vec<DotRange<u8>>),
    NextDot(u8),
    Compact,
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => arb_range().prop_map(|r| Op::Insert(r.first_dot())),
        3 => arb_range().prop_map(Op::InsertRange),
        1 => arb_ranges().prop_map(Op::Join),
        1 => arb_ranges().prop_map(Op::Extend),
        1 => (0_u8..3).prop_map(Op::NextDot),
        1 => Just(Op::Compact),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x2a_5e75),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_runs_match_the_set_of_dots(ops in prop::collection::vec(arb_op(), 0..24)) {
        let mut ctx = DotContext::new();
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Insert(d) => {
                    let new = !model.contains(&d);
                    model.insert(d);
                    prop_assert_eq!(ctx.insert(d), new);
                }
                Op::InsertRange(r) => {
                    let dots = model_of(core::slice::from_ref(&r));
                    let new = !dots.is_subset(&model);
                    model.extend(dots);
                    prop_assert_eq!(ctx.insert_range(r), new);
                }
                Op::Join(rs) => {
                    let other: DotContext<u8> = rs.iter().cloned().collect();
                    prop_assert_eq!(&other.dots().collect::<Model>(), &model_of(&rs));
                    ctx.join(&other);
                    model.extend(model_of(&rs));
                }
                Op::Extend(rs) => {
                    model.extend(model_of(&rs));
                    ctx.extend(rs);
                }
                Op::NextDot(a) => {
                    let max = model.iter().filter(|d| *d.actor() == a).map(Dot::counter).max();
                    let before = ctx.clone();
                    match max.unwrap_or(0).checked_add(1) {
                        Some(next) => {
                            prop_assert_eq!(ctx.next_dot(&a), Ok(dot(a, next)));
                            model.insert(dot(a, next));
                        }
                        None => {
                            prop_assert!(ctx.next_dot(&a).is_err());
                            prop_assert_eq!(&ctx, &before);
                        }
                    }
                }
                Op::Compact => ctx.compact(),
            }
            check(&ctx, &model)?;
        }
    }

    /// Joining is set union whichever way round, and equal sets give equal contexts.
    #[test]
    fn prop_join_of_runs_is_union(a in arb_ranges(), b in arb_ranges()) {
        let (ca, cb): (DotContext<u8>, DotContext<u8>) =
            (a.iter().cloned().collect(), b.iter().cloned().collect());
        let mut ab = ca.clone();
        ab.join(&cb);
        let mut ba = cb.clone();
        ba.join(&ca);
        let union: Model = model_of(&a).union(&model_of(&b)).cloned().collect();
        check(&ab, &union)?;
        prop_assert_eq!(&ab, &ba);
        let dot_by_dot: DotContext<u8> = union.iter().cloned().collect();
        prop_assert_eq!(&ab, &dot_by_dot);
    }

    /// `first_dot_outside` is the smallest dot of the actor in `a \ b`.
    #[test]
    fn prop_first_dot_outside_is_the_smallest_of_the_difference(
        a in arb_ctx(),
        b in arb_ctx(),
        actor in 0_u8..4,
    ) {
        let (ma, mb): (Model, Model) = (a.dots().collect(), b.dots().collect());
        let expected = ma.difference(&mb).find(|d| *d.actor() == actor).cloned();
        prop_assert_eq!(a.first_dot_outside(&b, &actor), expected);
    }

    /// Both probe forms answer like the context for the actors they were built for,
    /// under any numbering of the actors.
    #[test]
    fn prop_probes_agree_with_the_context(
        ctx in arb_ctx(),
        numbering in Just((0_u8..4).collect::<Vec<u8>>()).prop_shuffle(),
        chosen in prop::collection::btree_set(0_u8..4, 0..4),
    ) {
        // `table[i]` is the actor of index `i`.
        let table: Vec<u8> = numbering;
        let mut by_actor: Vec<(usize, &u8)> = table.iter().enumerate().collect();
        by_actor.sort_by_key(|&(_, a)| *a);
        let dense = ContextProbe::dense(&ctx, table.len(), by_actor.iter().copied()).unwrap();
        let picked: Vec<(usize, &u8)> =
            table.iter().enumerate().filter(|(_, a)| chosen.contains(a)).collect();
        let sparse = ContextProbe::sparse(&ctx, picked.iter().copied()).unwrap();
        for d in window() {
            let index = table.iter().position(|a| a == d.actor()).unwrap();
            prop_assert_eq!(dense.contains(index, d.counter()), ctx.contains(&d), "{:?}", d);
            let expected = chosen.contains(d.actor()) && ctx.contains(&d);
            prop_assert_eq!(sparse.contains(index, d.counter()), expected, "{:?}", d);
        }
        prop_assert!(!dense.contains(table.len(), 1));
        prop_assert!(!dense.contains(0, 0));
    }
}

#[test]
fn a_long_gap_is_one_run() {
    // The dots 1 and 3..=1_000_000 of one actor: one clock entry and one run, however
    // they arrive.
    let mut ctx = DotContext::new();
    ctx.insert(dot(0, 1));
    for c in 3..=1_000_000 {
        ctx.insert(dot(0, c));
    }
    assert_eq!(ctx.clock().get(&0), 1);
    assert_eq!(ctx.cloud().collect::<Vec<_>>(), [&run(0, 3, 1_000_000)]);
    assert_eq!(ctx.ranges().len(), 2);
    let mut backwards = DotContext::new();
    for c in (3..=1_000_000).rev() {
        backwards.insert(dot(0, c));
    }
    backwards.insert(dot(0, 1));
    assert_eq!(backwards, ctx);
    // The gap closes: everything folds into the clock.
    ctx.insert(dot(0, 2));
    assert_eq!(ctx.clock().get(&0), 1_000_000);
    assert_eq!(ctx.cloud().count(), 0);
}

#[test]
fn a_range_up_to_the_top_of_the_counters() {
    let mut ctx = DotContext::new();
    assert!(ctx.insert_range(run(0, 2, u64::MAX)));
    assert!(!ctx.insert(dot(0, u64::MAX)));
    assert!(ctx.contains(&dot(0, u64::MAX)));
    assert_eq!(ctx.max_counter(&0), u64::MAX);
    assert!(ctx.next_dot(&0).is_err());
    assert!(ctx.insert(dot(0, 1)));
    assert_eq!(ctx.clock().get(&0), u64::MAX);
    assert!(ctx.cloud().next().is_none());
}

#[test]
fn try_from_runs_rejects_non_canonical_parts() {
    let clock: VClock<u8> = [(0, 2)].into_iter().collect();
    let parts = |cloud: Vec<DotRange<u8>>| DotContext::try_from((clock.clone(), cloud));
    assert_eq!(
        parts(vec![run(0, 3, 5)]),
        Err(DecodeError::UncompactedCloud {
            index: 0,
            counter: 3,
            clock: 2
        })
    );
    assert_eq!(
        parts(vec![run(1, 2, 3), run(1, 4, 9)]),
        Err(DecodeError::TouchingRuns { index: 1 })
    );
    assert_eq!(
        parts(vec![run(1, 2, 5), run(1, 5, 9)]),
        Err(DecodeError::UnsortedCloud { index: 1 })
    );
    assert_eq!(
        parts(vec![run(2, 2, 3), run(1, 5, 9)]),
        Err(DecodeError::UnsortedCloud { index: 1 })
    );
    let ok = parts(vec![run(0, 4, 4), run(0, 6, u64::MAX), run(1, 2, 2)]).unwrap();
    assert_eq!(ok.cloud().count(), 3);
    // The dot-by-dot form joins consecutive dots into runs.
    let dots = DotContext::try_from((clock.clone(), vec![dot(0, 4), dot(0, 5), dot(1, 2)]));
    assert_eq!(
        dots.unwrap().cloud().cloned().collect::<Vec<_>>(),
        [run(0, 4, 5), run(1, 2, 2)]
    );
}

#[test]
fn probe_rejects_inconsistent_tables() {
    let ctx: DotContext<char> = [Dot::new('a', 1).unwrap()].into_iter().collect();
    assert_eq!(
        ContextProbe::dense(&ctx, 2, [(0, &'a'), (0, &'b')]),
        Err(ProbeError::DuplicateIndex { index: 0 })
    );
    assert_eq!(
        ContextProbe::dense(&ctx, 2, [(0, &'b'), (1, &'a')]),
        Err(ProbeError::Unsorted { position: 1 })
    );
    assert_eq!(
        ContextProbe::dense(&ctx, 2, [(0, &'a'), (1, &'a')]),
        Err(ProbeError::Unsorted { position: 1 })
    );
    assert_eq!(
        ContextProbe::dense(&ctx, 0, [(0, &'a')]),
        Err(ProbeError::IndexOutOfRange { index: 0, len: 0 })
    );
    assert_eq!(
        ContextProbe::sparse(&ctx, [(3, &'a'), (3, &'b')]),
        Err(ProbeError::DuplicateIndex { index: 3 })
    );
    // A probe of a huge run is its clock entry (0) and one run.
    let mut big = DotContext::new();
    big.insert_range(DotRange::new('a', 3, u64::MAX).unwrap());
    let probe = ContextProbe::sparse(&big, [(0, &'a')]).unwrap();
    assert_eq!(probe.footprint(), 2);
    assert!(probe.contains(0, u64::MAX) && !probe.contains(0, 2));
}

/// A run counts its dots, from one up to every counter there is.
#[test]
fn a_run_counts_its_dots() {
    assert_eq!(DotRange::new('a', 4, 4).unwrap().dot_count(), 1);
    assert_eq!(DotRange::new('a', 3, 9).unwrap().dot_count(), 7);
    assert_eq!(
        DotRange::new('a', 1, u64::MAX).unwrap().dot_count(),
        u64::MAX
    );
    assert_eq!(
        DotRange::new('a', u64::MAX, u64::MAX).unwrap().dot_count(),
        1
    );
}
