//! serde: JSON round trips of whole states (including a pending remove), deterministic
//! output, and typed errors for malformed states.
#![cfg(feature = "serde")]

use proptest::prelude::*;
use ward_crdt::{
    DecodeError, GCounter, Lattice, LwwRegister, MvRegister, OrSet, PnCounter, Replica,
};

fn roundtrip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_string(value).expect("encodes");
    serde_json::from_str(&json).expect("decodes")
}

/// The error message serde_json reports must be the typed error's `Display`.
fn decode_error<T: serde::de::DeserializeOwned + core::fmt::Debug>(
    json: &str,
    expected: DecodeError,
) {
    let err = serde_json::from_str::<T>(json).expect_err("must be rejected");
    assert!(
        err.to_string().starts_with(&expected.to_string()),
        "got `{err}`, expected `{expected}`"
    );
}

#[test]
fn orset_with_a_pending_remove_and_string_actors_round_trips_through_json() {
    let mut a = Replica::new("phone".to_string(), OrSet::new());
    let mut b = Replica::new("laptop".to_string(), OrSet::new());
    let add = a.add(vec![1_u8, 2]).unwrap();
    b.merge_delta(&add).unwrap();
    let three = b.add(vec![3]).unwrap();
    b.add(vec![1, 2]).unwrap();
    // A remove delta that arrived before the add it removes: the context has a gap.
    let lost = a.add(vec![9]).unwrap();
    let remove = a.remove(&vec![9]).unwrap();
    let mut c = Replica::new("tablet".to_string(), OrSet::new());
    c.merge_delta(&remove).unwrap();
    c.merge_delta(&three).unwrap();
    assert!(c.state().context().cloud().count() > 0);

    let back = roundtrip(c.state());
    assert_eq!(&back, c.state());
    // Keys of JSON objects are only field names; elements and actors live in arrays.
    let json = serde_json::to_value(c.state()).unwrap();
    assert!(json["entries"].is_array());
    // The late add still cannot resurrect the element after the round trip.
    let mut back = back;
    back.merge(&lost);
    assert!(!back.contains(&vec![9]));
}

#[test]
fn digest_round_trips_and_refuses_live_dots_outside_its_context() {
    let mut a = Replica::new("a".to_string(), OrSet::new());
    a.add(1_u8).unwrap();
    a.add(2).unwrap();
    a.remove(&1).unwrap();
    let digest = a.state().digest();
    assert_eq!(roundtrip(&digest), digest);
    decode_error::<ward_crdt::Digest<String>>(
        r#"{"context":{"clock":[["a",1]],"cloud":[]},"live":{"clock":[["a",2]],"cloud":[]}}"#,
        DecodeError::DotOutsideContext {
            index: 0,
            counter: 2,
        },
    );
}

#[test]
fn equal_states_encode_identically_whatever_the_merge_order() {
    let mut a = Replica::new(2_u8, OrSet::new());
    let mut b = Replica::new(1_u8, OrSet::new());
    a.add(5_u32).unwrap();
    b.add(5).unwrap();
    b.add(1).unwrap();
    let ab = a.state().clone().join(b.state());
    let ba = b.state().clone().join(a.state());
    assert_eq!(
        serde_json::to_string(&ab).unwrap(),
        serde_json::to_string(&ba).unwrap()
    );
    assert_eq!(
        serde_json::to_string(&ab).unwrap(),
        r#"{"entries":[[1,[[1,2]]],[5,[[1,1],[2,1]]]],"context":{"clock":[[1,2],[2,1]],"cloud":[]}}"#
    );
}

#[test]
fn counters_and_registers_round_trip() {
    let mut g = Replica::new("a", GCounter::new());
    g.increment(u64::MAX).unwrap();
    assert_eq!(
        roundtrip::<GCounter<String>>(
            &GCounter::try_from(vec![("a".to_string(), u64::MAX)]).unwrap()
        )
        .value(),
        u128::from(u64::MAX)
    );
    assert_eq!(
        serde_json::to_string(g.state()).unwrap(),
        r#"[["a",18446744073709551615]]"#
    );

    let mut p = Replica::new(7_u16, PnCounter::new());
    p.increment(4).unwrap();
    p.decrement(9).unwrap();
    assert_eq!(&roundtrip(p.state()), p.state());

    let mut m = Replica::new(1_u8, MvRegister::new());
    m.write("x".to_string()).unwrap();
    let mut n = Replica::new(2_u8, MvRegister::new());
    n.write("y".to_string()).unwrap();
    m.merge(n.state()).unwrap();
    assert_eq!(&roundtrip(m.state()), m.state());

    let l = LwwRegister::with_value("v".to_string(), (3_u64, 1_u8));
    assert_eq!(roundtrip(&l), l);
    assert_eq!(roundtrip(&LwwRegister::<u8, u8>::new()), LwwRegister::new());
}

#[test]
fn malformed_gcounter_is_a_typed_error() {
    decode_error::<GCounter<String>>(
        r#"[["b",1],["a",2]]"#,
        DecodeError::UnsortedEntries { index: 1 },
    );
    decode_error::<GCounter<String>>(
        r#"[["a",1],["a",2]]"#,
        DecodeError::UnsortedEntries { index: 1 },
    );
    decode_error::<GCounter<String>>(r#"[["a",0]]"#, DecodeError::ZeroCount { index: 0 });
    // Out of range counts are rejected by the number type itself.
    assert!(serde_json::from_str::<GCounter<String>>(r#"[["a",18446744073709551616]]"#).is_err());
    assert!(serde_json::from_str::<GCounter<String>>(r#"[["a",-1]]"#).is_err());
    decode_error::<PnCounter<String>>(
        r#"{"increments":[],"decrements":[["a",0]]}"#,
        DecodeError::ZeroCount { index: 0 },
    );
}

#[test]
fn malformed_orset_is_a_typed_error() {
    let ctx = r#""context":{"clock":[[1,2]],"cloud":[]}"#;
    decode_error::<OrSet<u8, u8>>(
        &format!(r#"{{"entries":[[2,[[1,1]]],[1,[[1,2]]]],{ctx}}}"#),
        DecodeError::UnsortedEntries { index: 1 },
    );
    decode_error::<OrSet<u8, u8>>(
        &format!(r#"{{"entries":[[1,[]]],{ctx}}}"#),
        DecodeError::NoDots { index: 0 },
    );
    decode_error::<OrSet<u8, u8>>(
        &format!(r#"{{"entries":[[1,[[1,3]]]],{ctx}}}"#),
        DecodeError::DotOutsideContext {
            index: 0,
            counter: 3,
        },
    );
    decode_error::<OrSet<u8, u8>>(
        &format!(r#"{{"entries":[[1,[[1,1]]],[2,[[1,1]]]],{ctx}}}"#),
        DecodeError::DuplicateDot {
            index: 1,
            counter: 1,
        },
    );
    decode_error::<OrSet<u8, u8>>(
        &format!(r#"{{"entries":[[1,[[1,1],[1,1]]]],{ctx}}}"#),
        DecodeError::DuplicateDot {
            index: 0,
            counter: 1,
        },
    );
    // An element's dots are listed in ascending order: a permuted list would be a second
    // encoding of the same state, so it is refused rather than sorted silently.
    let two_actors = r#""context":{"clock":[[1,1],[2,1]],"cloud":[]}"#;
    decode_error::<OrSet<u8, u8>>(
        &format!(r#"{{"entries":[[1,[[2,1],[1,1]]]],{two_actors}}}"#),
        DecodeError::UnsortedDots {
            index: 0,
            counter: 1,
        },
    );
    let sorted = format!(r#"{{"entries":[[1,[[1,1],[2,1]]]],{two_actors}}}"#);
    let set: OrSet<u8, u8> = serde_json::from_str(&sorted).expect("canonical");
    assert_eq!(serde_json::to_string(&set).unwrap(), sorted);
    // Zero dots and malformed contexts are rejected by ward-vclock's own validation.
    assert!(
        serde_json::from_str::<OrSet<u8, u8>>(&format!(r#"{{"entries":[[1,[[1,0]]]],{ctx}}}"#))
            .is_err()
    );
    assert!(
        serde_json::from_str::<OrSet<u8, u8>>(
            r#"{"entries":[],"context":{"clock":[[1,2]],"cloud":[[1,3]]}}"#
        )
        .is_err()
    );
    // Unknown fields are refused rather than ignored.
    assert!(
        serde_json::from_str::<OrSet<u8, u8>>(&format!(r#"{{"entries":[],"extra":1,{ctx}}}"#))
            .is_err()
    );
}

#[test]
fn malformed_mvregister_is_a_typed_error() {
    let ctx = r#""context":{"clock":[[1,2]],"cloud":[]}"#;
    decode_error::<MvRegister<u8, u8>>(
        &format!(r#"{{"siblings":[[[1,2],0],[[1,1],0]],{ctx}}}"#),
        DecodeError::UnsortedEntries { index: 1 },
    );
    decode_error::<MvRegister<u8, u8>>(
        &format!(r#"{{"siblings":[[[1,1],0],[[1,1],5]],{ctx}}}"#),
        DecodeError::DuplicateDot {
            index: 1,
            counter: 1,
        },
    );
    decode_error::<MvRegister<u8, u8>>(
        &format!(r#"{{"siblings":[[[2,1],0]],{ctx}}}"#),
        DecodeError::DotOutsideContext {
            index: 0,
            counter: 1,
        },
    );
}

#[derive(Debug, Clone)]
enum Op {
    Add(u8, u8),
    Remove(u8, u8),
    Merge(u8, u8),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            (0..3_u8, 0..6_u8).prop_map(|(r, e)| Op::Add(r, e)),
            (0..3_u8, 0..6_u8).prop_map(|(r, e)| Op::Remove(r, e)),
            (0..3_u8, 0..3_u8).prop_map(|(a, b)| Op::Merge(a, b)),
        ],
        0..40,
    )
}

type Set = OrSet<u8, u8>;

/// Three replicas run `ops`; returns them and every delta their mutations returned.
fn history(ops: &[Op]) -> (Vec<Replica<u8, Set>>, Vec<Set>) {
    let mut replicas: Vec<_> = (0..3_u8).map(|r| Replica::new(r, Set::new())).collect();
    let mut deltas = Vec::new();
    for op in ops {
        match *op {
            Op::Add(r, e) => deltas.push(replicas[usize::from(r)].add(e).unwrap()),
            Op::Remove(r, e) => {
                deltas.push(replicas[usize::from(r)].remove(&e).unwrap_or_default());
            }
            Op::Merge(a, b) => {
                let s = replicas[usize::from(a)].state().clone();
                replicas[usize::from(b)].merge(&s).unwrap();
            }
        }
    }
    (replicas, deltas)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every reachable OR-set state survives a JSON round trip as a whole state.
    #[test]
    fn prop_orset_json_round_trip(ops in ops()) {
        let (replicas, deltas) = history(&ops);
        for state in replicas.iter().map(Replica::state).chain(&deltas) {
            let back = roundtrip(state);
            prop_assert_eq!(&back, state);
            // Canonical: the decoded state encodes to the very same bytes.
            prop_assert_eq!(
                serde_json::to_string(&back).unwrap(),
                serde_json::to_string(state).unwrap()
            );
        }
        // Equal states reached in different merge orders encode identically.
        let forward = replicas.iter().fold(OrSet::new(), |acc, r| acc.join(r.state()));
        let backward = replicas.iter().rev().fold(OrSet::new(), |acc, r| acc.join(r.state()));
        prop_assert_eq!(&forward, &backward);
        prop_assert_eq!(
            serde_json::to_string(&forward).unwrap(),
            serde_json::to_string(&backward).unwrap()
        );
    }

    /// Arbitrary, mostly malformed, encodings never panic: they decode to a valid state
    /// (which then round-trips and merges like any other) or fail with an error.
    #[test]
    fn prop_orset_decoding_never_panics(
        entries in prop::collection::vec((0..4_u8, prop::collection::vec((0..3_u8, 0..5_u64), 0..3)), 0..4),
        clock in prop::collection::vec((0..3_u8, 0..5_u64), 0..3),
        cloud in prop::collection::vec((0..3_u8, 0..7_u64), 0..3),
    ) {
        let json = serde_json::json!({ "entries": entries, "context": { "clock": clock, "cloud": cloud } });
        if let Ok(set) = serde_json::from_value::<OrSet<u8, u8>>(json.clone()) {
            // Only the canonical encoding is accepted: nothing was sorted, merged or
            // dropped on the way in. The one other accepted form is the context's cloud
            // written dot by dot, as before runs, which decodes to the same runs.
            let encoded = serde_json::to_value(&set).unwrap();
            if encoded != json {
                let legacy = cloud.windows(2).any(|w| w[0].0 == w[1].0 && w[0].1 + 1 == w[1].1);
                prop_assert!(legacy, "{} accepted as {}", json, encoded);
                prop_assert_eq!(&encoded["entries"], &json["entries"]);
                prop_assert_eq!(&encoded["context"]["clock"], &json["context"]["clock"]);
            }
            prop_assert_eq!(&roundtrip(&set), &set);
            for x in set.iter() {
                for dot in set.dots(x) {
                    prop_assert!(set.context().contains(&dot));
                }
            }
            let mut a = Replica::new(9_u8, OrSet::new());
            a.add(1).unwrap();
            let joined = set.clone().join(a.state());
            prop_assert_eq!(joined.clone().join(&set), joined);
        }
    }

    /// Reordering a reachable state's encoding (two elements, or an element's dots)
    /// gives a second spelling of the same state, which decoding refuses.
    #[test]
    fn prop_reordered_encodings_are_refused(ops in ops()) {
        let (replicas, _) = history(&ops);
        let state = replicas.iter().fold(Set::new(), |acc, r| acc.join(r.state()));
        let json = serde_json::to_value(&state).unwrap();
        let entries = json["entries"].as_array().unwrap();
        if entries.len() >= 2 {
            let mut swapped = json.clone();
            swapped["entries"].as_array_mut().unwrap().swap(0, 1);
            prop_assert!(serde_json::from_value::<Set>(swapped).is_err());
        }
        for (index, entry) in entries.iter().enumerate() {
            let dots = entry[1].as_array().unwrap();
            if dots.len() >= 2 {
                let mut reversed = json.clone();
                reversed["entries"][index][1].as_array_mut().unwrap().reverse();
                let err = serde_json::from_value::<Set>(reversed).unwrap_err();
                let expected = DecodeError::UnsortedDots {
                    index,
                    counter: dots[dots.len() - 2][1].as_u64().unwrap(),
                };
                prop_assert!(err.to_string().starts_with(&expected.to_string()), "{}", err);
            }
        }
    }
}
