//! Interval tree clocks against models of causal histories, and named cases.
#![cfg(feature = "alloc")]

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{DecodeError, Itc, ItcError, VClock};

/// Every value must come back from its own encoding: the decoder accepts only normal
/// forms, so this also checks that every operation leaves the trees normal.
fn assert_normal(s: &Itc) -> Result<(), TestCaseError> {
    prop_assert_eq!(Itc::from_bytes(&s.to_bytes()), Ok(s.clone()), "{:?}", s);
    Ok(())
}

#[derive(Debug, Clone)]
enum FixedOp {
    Event(usize),
    /// `from` sends a message (an anonymous copy) and `to` receives it.
    Send(usize, usize),
}

fn arb_fixed_ops() -> impl Strategy<Value = Vec<FixedOp>> {
    prop::collection::vec(
        prop_oneof![
            (0_usize..4).prop_map(FixedOp::Event),
            (0_usize..4, 0_usize..4).prop_map(|(f, t)| FixedOp::Send(f, t)),
        ],
        0..40,
    )
}

#[derive(Debug, Clone)]
enum DynOp {
    Event(usize),
    Send(usize, usize),
    /// A participant forks a new one.
    Fork(usize),
    /// A participant retires into another.
    Retire(usize, usize),
}

fn arb_dyn_ops() -> impl Strategy<Value = Vec<DynOp>> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<usize>().prop_map(DynOp::Event),
            2 => (any::<usize>(), any::<usize>()).prop_map(|(f, t)| DynOp::Send(f, t)),
            2 => any::<usize>().prop_map(DynOp::Fork),
            2 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| DynOp::Retire(a, b)),
        ],
        0..60,
    )
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x17c_c10c),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Four participants forked from the seed exchange messages: `leq` agrees with a
    /// vector clock per participant.
    #[test]
    fn prop_leq_agrees_with_vector_clocks_for_fixed_participants(ops in arb_fixed_ops()) {
        let (left, right) = Itc::seed().fork();
        let (a, b) = left.fork();
        let (c, d) = right.fork();
        let mut stamps = [a, b, c, d];
        let mut clocks = vec![VClock::<usize>::new(); 4];
        for op in ops {
            match op {
                FixedOp::Event(p) => {
                    stamps[p].event().unwrap();
                    clocks[p].increment(p).unwrap();
                }
                FixedOp::Send(from, to) => {
                    let message = stamps[from].peek();
                    stamps[to] = stamps[to].clone().join(message).unwrap();
                    let seen = clocks[from].clone();
                    clocks[to].merge(&seen);
                }
            }
            for p in 0..4 {
                assert_normal(&stamps[p])?;
                for q in 0..4 {
                    prop_assert_eq!(
                        stamps[p].leq(&stamps[q]),
                        clocks[q].descends(&clocks[p]),
                        "{} against {}", p, q
                    );
                }
            }
        }
    }

    /// Participants fork, exchange messages and retire at random: `leq` agrees with
    /// the model of each participant's history as the set of events it knows, every
    /// result is in normal form, and fork then join is the identity.
    #[test]
    fn prop_dynamic_participants_match_history_model(ops in arb_dyn_ops()) {
        let mut stamps = vec![Itc::seed()];
        let mut histories = vec![BTreeSet::<u32>::new()];
        let mut next_event = 0_u32;
        for op in ops {
            let n = stamps.len();
            match op {
                DynOp::Event(p) => {
                    let before = stamps[p % n].clone();
                    stamps[p % n].event().unwrap();
                    prop_assert!(before.leq(&stamps[p % n]) && !stamps[p % n].leq(&before));
                    histories[p % n].insert(next_event);
                    next_event += 1;
                }
                DynOp::Send(from, to) => {
                    let message = stamps[from % n].peek();
                    let joined = stamps[to % n].clone().join(message).unwrap();
                    prop_assert!(stamps[to % n].leq(&joined) && stamps[from % n].leq(&joined));
                    stamps[to % n] = joined;
                    let seen = histories[from % n].clone();
                    histories[to % n].extend(seen);
                }
                DynOp::Fork(p) => {
                    let original = stamps[p % n].clone();
                    let (a, b) = original.clone().fork();
                    prop_assert_eq!(a.clone().join(b.clone()), Ok(original));
                    stamps[p % n] = a;
                    stamps.push(b);
                    histories.push(histories[p % n].clone());
                }
                DynOp::Retire(a, b) => {
                    let (a, b) = (a % n, b % n);
                    if a == b {
                        prop_assert_eq!(
                            stamps[a].clone().join(stamps[b].clone()),
                            Err(ItcError::OverlappingIds)
                        );
                        continue;
                    }
                    let gone = stamps.swap_remove(a);
                    let gone_history = histories.swap_remove(a);
                    // `b` may have moved into the freed slot.
                    let b = if b == stamps.len() { a } else { b };
                    stamps[b] = stamps[b].clone().join(gone).unwrap();
                    histories[b].extend(gone_history);
                }
            }
            for (p, s) in stamps.iter().enumerate() {
                assert_normal(s)?;
                prop_assert!(!s.is_anonymous());
                let (x, y) = s.clone().fork();
                prop_assert_eq!(&x.join(y).unwrap(), s);
                for (q, t) in stamps.iter().enumerate() {
                    prop_assert_eq!(
                        s.leq(t),
                        histories[p].is_subset(&histories[q]),
                        "{} against {}", p, q
                    );
                }
            }
        }
        // Retiring everyone into one participant gives back the whole id space (the
        // encoding starts with the id tag `01`) and knows every event.
        let mut all = stamps.pop().unwrap();
        while let Some(s) = stamps.pop() {
            prop_assert!(s.leq(&s.clone().join(all.clone()).unwrap()));
            all = all.join(s).unwrap();
        }
        prop_assert_eq!(all.to_bytes()[0] >> 6, 0b01);
        // With the whole space, one event flattens the tree to a single leaf.
        all.event().unwrap();
        prop_assert_eq!(all.to_bytes()[0] >> 4, 0b0100);
    }

    /// Arbitrary bytes either decode to a stamp that encodes back to the same bytes, or
    /// are refused; nothing panics.
    #[test]
    fn prop_decoding_accepts_exactly_canonical_bytes(bytes in prop::collection::vec(any::<u8>(), 0..12)) {
        if let Ok(s) = Itc::from_bytes(&bytes) {
            prop_assert_eq!(s.to_bytes(), bytes);
        }
    }
}

#[test]
fn seed_is_one_byte_and_round_trips() {
    let seed = Itc::seed();
    assert_eq!(seed.to_bytes(), [0b0101_0000]);
    assert_eq!(Itc::from_bytes(&seed.to_bytes()), Ok(seed));
}

#[test]
fn decoding_rejects_malformed_input_with_positions() {
    // `11` is no id tag.
    assert_eq!(
        Itc::from_bytes(&[0b1100_0000]),
        Err(DecodeError::InvalidTag { bit: 0 })
    );
    // A split whose halves are both nothing is not normal: `10 00 00`, then a leaf 0.
    assert_eq!(
        Itc::from_bytes(&[0b1000_0001, 0b0000_0000]),
        Err(DecodeError::NotNormal { bit: 0 })
    );
    // An event node whose leaves are equal: id `01`, node `1` n=0 `1`, leaves 0 and 0.
    assert_eq!(
        Itc::from_bytes(&[0b0111_0101]),
        Err(DecodeError::NotNormal { bit: 2 })
    );
    // The seed followed by a set padding bit, and by an extra byte.
    assert_eq!(
        Itc::from_bytes(&[0b0101_0001]),
        Err(DecodeError::TrailingBits { bit: 4 })
    );
    assert_eq!(
        Itc::from_bytes(&[0b0101_0000, 0]),
        Err(DecodeError::TrailingBits { bit: 4 })
    );
    assert_eq!(
        Itc::from_bytes(&[0b01]),
        Err(DecodeError::Truncated { bit: 8 })
    );
    // A counter of 65 significant bits: 64 zeros, then 65 ones.
    let mut w: Vec<u8> = vec![0b0100_0000];
    w.extend([0; 8]);
    w.extend([0xff; 8]);
    w.push(0b1111_1111);
    assert_eq!(
        Itc::from_bytes(&w),
        Err(DecodeError::CounterTooLarge { bit: 3 })
    );
    assert_eq!(
        DecodeError::NotNormal { bit: 2 }.to_string(),
        "tree at bit 2 is not in normal form"
    );
}

#[test]
fn event_at_the_counter_limit_is_typed_and_changes_nothing() {
    // Id `01`, leaf `0`, gamma(u64::MAX + 1): 64 zeros, a one, 64 zeros.
    let mut bits = String::from("010");
    bits.push_str(&"0".repeat(64));
    bits.push('1');
    bits.push_str(&"0".repeat(64));
    while bits.len() % 8 != 0 {
        bits.push('0');
    }
    let bytes: Vec<u8> = bits
        .as_bytes()
        .chunks(8)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap())
        .collect();
    let mut top = Itc::from_bytes(&bytes).unwrap();
    let before = top.clone();
    assert_eq!(
        top.event(),
        Err(ItcError::CounterOverflow { counter: u64::MAX })
    );
    assert_eq!(top, before);
    assert!(Itc::seed().leq(&top) && !top.leq(&Itc::seed()));
}

#[test]
fn joining_overlapping_or_anonymous_stamps() {
    let (a, b) = Itc::seed().fork();
    assert_eq!(a.clone().join(a.clone()), Err(ItcError::OverlappingIds));
    assert_eq!(Itc::seed().join(b.clone()), Err(ItcError::OverlappingIds));
    // Joining a message changes nothing but the history.
    let mut sender = a.clone();
    sender.event().unwrap();
    let received = b.clone().join(sender.peek()).unwrap();
    assert!(sender.leq(&received));
    assert_eq!(
        received.clone().join(a).map(|s| s.is_anonymous()),
        Ok(false)
    );
    let mut message = sender.peek();
    assert_eq!(message.event(), Err(ItcError::Anonymous));
    let (x, y) = message.fork();
    assert!(x.is_anonymous() && y.is_anonymous());
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Itc>();
    check::<ItcError>();
}

/// The two ways of recording an event, from the paper's definitions. `grow` expands
/// the tree where the stamp owns a part: the left half of the seed, after one event,
/// is `(0, 1, 0)`. `fill` raises the part the stamp owns to the largest counter
/// around it: after learning two events of the right half, one event of the left half
/// flattens the whole tree to the leaf 2 instead of growing it.
#[test]
fn grow_and_fill_give_the_smallest_trees() {
    let (mut a, mut b) = Itc::seed().fork();
    a.event().unwrap();
    // Id `10 01 00`; event node `1` n=0 `1`, leaf `0` 1 `010`, leaf `0` 0 `1`.
    assert_eq!(a.to_bytes(), [0b1001_0011, 0b0010_0100]);

    let (mut a, _) = Itc::seed().fork();
    b.event().unwrap();
    b.event().unwrap();
    a = a.join(b.peek()).unwrap();
    a.event().unwrap();
    // Id `10 01 00`; event leaf `0` 2 `011`.
    assert_eq!(a.to_bytes(), [0b1001_0000, 0b1100_0000]);
    assert!(b.leq(&a) && !a.leq(&b));
}

/// Both tree decoders recursed once per node with no bound: a megabyte of `0xAA` (each
/// `10` opens another id node) overflowed the stack and aborted the process instead of
/// returning an error. Nesting is now capped at `Itc::MAX_DEPTH`, which an id forked 512
/// times along one branch still fits.
#[test]
fn regression_hostile_nesting_is_refused_not_a_stack_overflow() {
    let hostile = vec![0b1010_1010_u8; 1 << 20];
    assert!(matches!(
        Itc::from_bytes(&hostile),
        Err(DecodeError::TooDeep { max: 512, .. })
    ));
    // The deepest id the cap admits, and one level more.
    let fork_chain = |forks: usize| {
        let mut id = Itc::seed();
        for _ in 0..forks {
            id = id.fork().0;
        }
        id
    };
    let deepest = fork_chain(512);
    assert_eq!(Itc::from_bytes(&deepest.to_bytes()), Ok(deepest));
    assert!(matches!(
        Itc::from_bytes(&fork_chain(513).to_bytes()),
        Err(DecodeError::TooDeep { max: 512, .. })
    ));
    // The event tree is capped the same way: after the id `01`, each `11` is an event
    // node with counter 0 whose left child is the next one.
    let mut w = vec![0b0111_1111_u8];
    w.extend(std::iter::repeat_n(0xFF, 1 << 16));
    assert!(matches!(
        Itc::from_bytes(&w),
        Err(DecodeError::TooDeep { max: 512, .. })
    ));
}

/// `event` inflates where it costs least (the paper's `grow`): over the id
/// `(1, (1, 0))` and the event tree `(0, 1, 0)` the left leaf can rise without changing
/// the tree's shape, while the right one would have to be split. The result is the tree
/// two events on the left half alone give.
#[test]
fn event_grows_the_cheapest_side() {
    let (mut left, right) = Itc::seed().fork();
    left.event().unwrap();
    let (quarter, _) = right.fork();
    let mut joined = left.clone().join(quarter).unwrap();
    joined.event().unwrap();
    let mut twice = left;
    twice.event().unwrap();
    assert_eq!(joined.peek(), twice.peek());
}
