//! The versioned binary encoding: round trips of states from random histories, the
//! version byte, and no panic or invalid state on truncated or random input.

use proptest::prelude::*;
use ward_crdt::{
    BINARY_VERSION, Binary, DecodeError, GCounter, Lattice, LwwRegister, MvRegister, OrSet,
    PnCounter, Replica, from_bytes, to_bytes,
};

type Set = OrSet<String, u64>;

/// A set from a random history over three replicas with lossy delta delivery, so that
/// contexts have clouds and elements carry several dots; actors reach `u64::MAX`.
fn set_history(ops: &[(u8, u8, bool)]) -> Set {
    let actors = [0, 7, u64::MAX];
    let mut replicas: Vec<Replica<u64, Set>> = actors
        .iter()
        .map(|&a| Replica::new(a, OrSet::new()))
        .collect();
    let mut sink = Set::new();
    for &(r, e, add) in ops {
        let r = usize::from(r % 3);
        let elem = format!("item-{}", e % 8);
        let delta = if add {
            replicas[r].add(elem).unwrap()
        } else {
            replicas[r].remove(&elem).unwrap_or_default()
        };
        if e % 3 != 0 {
            sink.merge(&delta);
        }
        let to = (r + 1) % 3;
        replicas[to].merge(&delta).unwrap();
    }
    sink
}

fn round_trips<T: Binary + PartialEq + core::fmt::Debug>(value: &T) -> Result<(), TestCaseError> {
    let bytes = to_bytes(value);
    prop_assert_eq!(bytes[0], BINARY_VERSION);
    prop_assert_eq!(&from_bytes::<T>(&bytes)?, value);
    // Every strict prefix is refused with a typed error, never a panic.
    for cut in 0..bytes.len() {
        prop_assert!(from_bytes::<T>(&bytes[..cut]).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    prop_assert_eq!(
        from_bytes::<T>(&longer),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
    Ok(())
}

proptest! {
    #[test]
    fn prop_orset_round_trips(ops in prop::collection::vec(any::<(u8, u8, bool)>(), 0..40)) {
        let set = set_history(&ops);
        round_trips(&set)?;
        round_trips(&set.digest())?;
    }

    #[test]
    fn prop_counters_and_registers_round_trip(
        counts in prop::collection::vec((any::<u64>(), 1..=u64::MAX), 0..6),
        writes in prop::collection::vec((0..3_u8, any::<i64>()), 0..10),
        stamp in prop::option::of((any::<u64>(), any::<char>())),
    ) {
        let mut g = GCounter::new();
        for &(actor, n) in &counts {
            g.merge(&GCounter::try_from(vec![(actor, n)]).unwrap());
        }
        round_trips(&g)?;
        round_trips(&PnCounter::from_parts(g.clone(), g))?;
        let mut regs: Vec<Replica<u8, MvRegister<i64, u8>>> =
            (0..3).map(|a| Replica::new(a, MvRegister::new())).collect();
        let mut sink = MvRegister::new();
        for &(r, v) in &writes {
            let d = regs[usize::from(r)].write(v).unwrap();
            sink.merge(&d);
        }
        round_trips(&sink)?;
        let lww = match stamp {
            Some((t, c)) => LwwRegister::with_value(String::from("v"), (t, c)),
            None => LwwRegister::new(),
        };
        round_trips(&lww)?;
    }

    /// Random bytes never panic the decoder, and whatever it accepts is canonical: it
    /// encodes back to the same bytes.
    #[test]
    fn prop_random_bytes_are_refused_or_canonical(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut input = vec![BINARY_VERSION];
        input.extend_from_slice(&bytes);
        if let Ok(set) = from_bytes::<OrSet<u8, u8>>(&input) {
            prop_assert_eq!(to_bytes(&set), input.clone());
        }
        if let Ok(reg) = from_bytes::<MvRegister<u8, u8>>(&input) {
            prop_assert_eq!(to_bytes(&reg), input.clone());
        }
        if let Ok(c) = from_bytes::<PnCounter<u8>>(&input) {
            prop_assert_eq!(to_bytes(&c), input);
        }
    }
}

#[test]
fn unsupported_versions_are_a_typed_error() {
    let bytes = to_bytes(&GCounter::<u8>::new());
    for version in [0, 1, 3, u8::MAX] {
        let mut other = bytes.clone();
        other[0] = version;
        assert_eq!(
            from_bytes::<GCounter<u8>>(&other),
            Err(DecodeError::UnsupportedVersion {
                version,
                supported: 2
            })
        );
    }
    assert_eq!(from_bytes::<GCounter<u8>>(&[]), Err(DecodeError::Truncated));
}

#[test]
fn invariants_are_checked_as_for_serde() {
    // A counter entry of zero, a set element whose dot is outside the context, and a
    // forged length far beyond the input.
    let zero = [BINARY_VERSION, 1, 5, 0];
    assert_eq!(
        from_bytes::<GCounter<u8>>(&zero),
        Err(DecodeError::ZeroCount { index: 0 })
    );
    let outside = [BINARY_VERSION, 1, 9, 1, 1, 1, 0, 0];
    assert_eq!(
        from_bytes::<OrSet<u8, u8>>(&outside),
        Err(DecodeError::DotOutsideContext {
            index: 0,
            counter: 1
        })
    );
    let forged = [BINARY_VERSION, 0xff, 0xff, 0xff, 0xff, 0x0f];
    assert_eq!(
        from_bytes::<GCounter<u8>>(&forged),
        Err(DecodeError::Truncated)
    );
}

#[test]
fn a_long_cloud_run_encodes_in_a_few_bytes() {
    // The dots 1 and 3..=1_000_000: one clock entry and one run, in version 2.
    let mut ctx = ward_crdt::DotContext::new();
    ctx.insert(ward_crdt::Dot::new(1_u8, 1).unwrap());
    ctx.insert_range(ward_crdt::DotRange::new(1_u8, 3, 1_000_000).unwrap());
    let bytes = to_bytes(&ctx);
    assert!(bytes.len() <= 12, "{bytes:?}");
    assert_eq!(from_bytes::<ward_crdt::DotContext<u8>>(&bytes), Ok(ctx));
    // A run whose last counter would pass u64::MAX is refused.
    let past_the_top = [
        BINARY_VERSION,
        0,
        1,
        1,
        2,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0x01,
    ];
    assert_eq!(
        from_bytes::<ward_crdt::DotContext<u8>>(&past_the_top),
        Err(DecodeError::InvalidBytes)
    );
}

/// Sets of `bool` and registers holding `bool` round trip, and a byte other than 0 or 1
/// where a `bool` belongs is refused.
#[test]
fn bools_round_trip_and_other_bytes_are_refused() {
    let mut r = Replica::new(1_u64, OrSet::new());
    r.add(true).unwrap();
    r.add(false).unwrap();
    let bytes = to_bytes(r.state());
    assert_eq!(from_bytes::<OrSet<bool, u64>>(&bytes).unwrap(), *r.state());
    let mut reg = Replica::new(2_u64, MvRegister::new());
    reg.write(true).unwrap();
    let bytes = to_bytes(reg.state());
    assert_eq!(
        from_bytes::<MvRegister<bool, u64>>(&bytes).unwrap(),
        *reg.state()
    );
    let mut bad = to_bytes(&true);
    *bad.last_mut().unwrap() = 2;
    assert!(from_bytes::<bool>(&bad).is_err());
}

/// A context of a few bytes may hold `1..=u64::MAX` of one actor. The digest decoder
/// checked "every live dot is in the context" dot by dot, so 27 bytes kept it busy for
/// 2^64 steps; it checks run by run now, both ways.
#[test]
fn regression_a_digest_of_huge_runs_decodes_at_once() {
    use ward_crdt::{Digest, DotContext, VClock};
    let all = |actor: u8| DotContext::from([(actor, u64::MAX)].into_iter().collect::<VClock<u8>>());
    let mut bytes = vec![BINARY_VERSION];
    all(0).encode(&mut bytes);
    all(0).encode(&mut bytes);
    assert!(bytes.len() < 32);
    let digest = from_bytes::<Digest<u8>>(&bytes).unwrap();
    assert_eq!(digest.live(), &all(0));
    let mut outside = vec![BINARY_VERSION];
    all(0).encode(&mut outside);
    all(1).encode(&mut outside);
    assert!(matches!(
        from_bytes::<Digest<u8>>(&outside),
        Err(DecodeError::DotOutsideContext { counter: 1, .. })
    ));
}

/// `delta_for` listed every removed dot one by one: after merging a tiny canonical state
/// whose context holds `1..=u64::MAX` of one actor, a delta for a peer that had not seen
/// those dots ran out of memory. Removals are computed run by run now.
/// The optimal delta of a register whose siblings each sit between removed dots of
/// their actor (one run of removals on each side): nothing for an equal peer, the whole
/// register for a fresh one. The set's case, with 50,000 such runs, is in
/// `binary_alloc.rs`.
#[test]
fn register_delta_for_many_runs_is_exact() {
    use ward_crdt::{Dot, DotContext, DotRange};
    let siblings: Vec<(Dot<u8>, u8)> = (1..=200_u8).map(|a| (Dot::new(a, 2).unwrap(), a)).collect();
    let ctx: DotContext<u8> = (1..=200_u8)
        .map(|a| DotRange::new(a, 1, 3).unwrap())
        .collect();
    let register = ward_crdt::MvRegister::<u8, u8>::try_from((siblings, ctx)).unwrap();
    assert_eq!(
        register.delta_for(&register.digest()),
        ward_crdt::MvRegister::new()
    );
    assert_eq!(
        register.delta_for(&ward_crdt::MvRegister::<u8, u8>::new().digest()),
        register
    );
}

#[test]
fn regression_delta_for_a_huge_removed_run_is_one_run() {
    use ward_crdt::{DotContext, MvRegister, Replica, VClock};
    let ctx = DotContext::from([(9_u8, u64::MAX)].into_iter().collect::<VClock<u8>>());
    let hostile = OrSet::<u8, u8>::try_from((vec![], ctx.clone())).unwrap();
    let mut r = Replica::new(1_u8, OrSet::new());
    r.merge(&hostile).unwrap();
    r.add(7).unwrap();
    let delta = r.state().delta_for(&OrSet::<u8, u8>::new().digest());
    assert_eq!(delta.iter().collect::<Vec<_>>(), [&7]);
    assert_eq!(delta.context().clock().get(&9), u64::MAX);
    let mut peer = OrSet::new();
    peer.merge(&delta);
    assert_eq!(&peer, r.state());

    let register = MvRegister::<u8, u8>::try_from((vec![], ctx.clone())).unwrap();
    let delta = register.delta_for(&MvRegister::<u8, u8>::new().digest());
    assert_eq!(delta.context(), &ctx);
}
