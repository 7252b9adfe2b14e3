//! Encoding round trips and validating decoding (feature `serde`).
#![cfg(all(feature = "serde", feature = "alloc"))]

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{from_str, json, to_string, to_value};
use ward_vclock::{Dot, DotContext, Message, VClock};

type Clock = VClock<String>;

fn decode_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
    from_str::<T>(text).unwrap_err().to_string()
}

#[test]
fn dot_round_trips_and_rejects_zero() {
    let dot = Dot::new("a".to_string(), 3).unwrap();
    assert_eq!(to_value(&dot).unwrap(), json!(["a", 3]));
    assert_eq!(from_str::<Dot<String>>(r#"["a",3]"#).unwrap(), dot);
    assert!(decode_err::<Dot<String>>(r#"["a",0]"#).contains("dot counter must be at least 1"));
}

#[test]
fn clock_encodes_sorted_pairs() {
    let clock: Clock = [("b".to_string(), 1), ("a".to_string(), 2)]
        .into_iter()
        .collect();
    assert_eq!(to_value(&clock).unwrap(), json!([["a", 2], ["b", 1]]));
    assert_eq!(
        from_str::<Clock>(&to_string(&clock).unwrap()).unwrap(),
        clock
    );
    assert_eq!(from_str::<Clock>("[]").unwrap(), Clock::new());
}

#[test]
fn clock_decoding_rejects_non_canonical_input() {
    assert_eq!(
        decode_err::<Clock>(r#"[["b",1],["a",2]]"#),
        "clock entries not sorted by actor at index 1"
    );
    assert_eq!(
        decode_err::<Clock>(r#"[["a",1],["a",2]]"#),
        "duplicate actor in clock entries at index 1"
    );
    assert_eq!(
        decode_err::<Clock>(r#"[["a",1],["b",0]]"#),
        "zero counter in clock entries at index 1"
    );
    assert!(from_str::<Clock>(r#"[["a",-1]]"#).is_err());
}

#[test]
fn context_round_trips_with_cloud() {
    let ctx: DotContext<String> = [("a", 1), ("a", 3), ("b", 2)]
        .into_iter()
        .map(|(a, c)| Dot::new(a.to_string(), c).unwrap())
        .collect();
    let value = to_value(&ctx).unwrap();
    assert_eq!(
        value,
        json!({"clock": [["a", 1]], "cloud": [["a", 3], ["b", 2]]})
    );
    assert_eq!(
        serde_json::from_value::<DotContext<String>>(value).unwrap(),
        ctx
    );
}

#[test]
fn context_decoding_rejects_invalid_contexts() {
    type Ctx = DotContext<String>;
    assert_eq!(
        decode_err::<Ctx>(r#"{"clock":[["a",2]],"cloud":[["a",2]]}"#),
        "context dot at index 0 has counter 2 but the clock already reaches 2 for its actor"
    );
    assert_eq!(
        decode_err::<Ctx>(r#"{"clock":[["a",2]],"cloud":[["a",3]]}"#),
        "context dot at index 0 has counter 3 but the clock already reaches 2 for its actor"
    );
    assert_eq!(
        decode_err::<Ctx>(r#"{"clock":[],"cloud":[["b",3],["a",3]]}"#),
        "context dots not strictly increasing at index 1"
    );
    assert_eq!(
        decode_err::<Ctx>(r#"{"clock":[],"cloud":[["b",3],["b",3]]}"#),
        "context dots not strictly increasing at index 1"
    );
    assert!(decode_err::<Ctx>(r#"{"clock":[["b",1],["a",1]],"cloud":[]}"#).contains("not sorted"));
    assert!(decode_err::<Ctx>(r#"{"clock":[],"cloud":[["a",0]]}"#).contains("at least 1"));
}

/// A cloud run with a fourth element used to be read as its first three, leaving the
/// fourth to the format: JSON refused it afterwards, but a format that does not check a
/// sequence's end would read it as whatever follows. The run decoder refuses it itself.
#[test]
fn regression_a_cloud_run_with_a_fourth_element_is_refused_by_the_run_decoder() {
    let err = decode_err::<DotContext<String>>(r#"{"clock":[],"cloud":[["a",3,5,7]]}"#);
    assert!(
        err.starts_with("invalid length 4, expected [actor, counter] or [actor, first, last]"),
        "{err}"
    );
}

#[test]
fn context_runs_encode_as_triples_and_old_dot_lists_still_decode() {
    type Ctx = DotContext<String>;
    let ctx: Ctx = [("a", 1), ("a", 3), ("a", 4), ("a", 5), ("b", 2)]
        .into_iter()
        .map(|(a, c)| Dot::new(a.to_string(), c).unwrap())
        .collect();
    let text = to_string(&ctx).unwrap();
    assert_eq!(text, r#"{"clock":[["a",1]],"cloud":[["a",3,5],["b",2]]}"#);
    assert_eq!(from_str::<Ctx>(&text).unwrap(), ctx);
    // The encoding written before runs listed every cloud dot.
    let old = r#"{"clock":[["a",1]],"cloud":[["a",3],["a",4],["a",5],["b",2]]}"#;
    assert_eq!(from_str::<Ctx>(old).unwrap(), ctx);
    assert_eq!(
        decode_err::<Ctx>(r#"{"clock":[],"cloud":[["a",3,4],["a",5]]}"#),
        "context run at index 1 starts right after the previous run of its actor"
    );
    assert!(
        decode_err::<Ctx>(r#"{"clock":[],"cloud":[["a",3,3]]}"#)
            .starts_with("run of the single dot 3 must be written as [actor, counter]")
    );
    assert!(decode_err::<Ctx>(r#"{"clock":[],"cloud":[["a",5,3]]}"#).contains("5"));
    // A fourth element: see regression_a_cloud_run_with_a_fourth_element_is_refused_by_the_run_decoder.
    assert!(decode_err::<Ctx>(r#"{"clock":[],"cloud":[["a",3,4,5]]}"#).contains("length 4"));
    assert_eq!(
        decode_err::<Ctx>(r#"{"clock":[],"cloud":[["a",3,9],["a",5,12]]}"#),
        "context dots not strictly increasing at index 1"
    );
    let top = format!(r#"{{"clock":[],"cloud":[["a",3,{}]]}}"#, u64::MAX);
    assert_eq!(to_string(&from_str::<Ctx>(&top).unwrap()).unwrap(), top);
}

#[test]
fn message_round_trips_and_rejects_missing_sender_entry() {
    let clock: Clock = [("a".to_string(), 1), ("b".to_string(), 1)]
        .into_iter()
        .collect();
    let m = Message::new("b".to_string(), clock, "yes, hi!".to_string()).unwrap();
    let text = to_string(&m).unwrap();
    assert_eq!(
        text,
        r#"{"sender":"b","clock":[["a",1],["b",1]],"payload":"yes, hi!"}"#
    );
    assert_eq!(from_str::<Message<String, String>>(&text).unwrap(), m);
    assert_eq!(
        decode_err::<Message<String, ()>>(r#"{"sender":"c","clock":[["a",1]],"payload":null}"#),
        "message clock has no entry for its sender"
    );
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x5e7d_e000),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_clock_round_trips(entries in prop::collection::vec((0_u8..8, 0_u64..5), 0..8)) {
        let clock: VClock<u8> = entries.into_iter().collect();
        let back: VClock<u8> = from_str(&to_string(&clock).unwrap()).unwrap();
        prop_assert_eq!(back, clock);
    }

    #[test]
    fn prop_context_round_trips(dots in prop::collection::vec((0_u8..4, 1_u64..8), 0..12)) {
        let ctx: DotContext<u8> = dots.into_iter().map(|(a, c)| Dot::new(a, c).unwrap()).collect();
        let back: DotContext<u8> = from_str(&to_string(&ctx).unwrap()).unwrap();
        prop_assert_eq!(back, ctx);
    }

    #[test]
    fn prop_clock_decoding_accepts_exactly_canonical(
        entries in prop::collection::vec((0_u8..5, 0_u64..3), 0..6)
    ) {
        let canonical = entries.windows(2).all(|w| w[0].0 < w[1].0)
            && entries.iter().all(|(_, c)| *c > 0);
        let decoded = from_str::<VClock<u8>>(&to_string(&entries).unwrap());
        prop_assert_eq!(decoded.is_ok(), canonical);
    }

    /// Arbitrary clock and cloud parts: decoding succeeds exactly when the cloud is
    /// strictly increasing and every cloud dot lies more than one past its actor's clock
    /// entry (not covered by the clock, not directly continuing it), and then yields
    /// exactly the dots of the clock plus the cloud.
    #[test]
    fn prop_context_decoding_accepts_exactly_canonical(
        clock in prop::collection::vec((0_u8..3, 1_u64..4), 0..4),
        cloud in prop::collection::vec((0_u8..3, 0_u64..7), 0..5),
    ) {
        let clock: VClock<u8> = clock.into_iter().collect();
        let text = to_string(&json!({"clock": clock, "cloud": cloud})).unwrap();
        let decoded = from_str::<DotContext<u8>>(&text);
        let canonical = cloud.windows(2).all(|w| w[0] < w[1])
            && cloud.iter().all(|&(a, c)| c > clock.get(&a) + 1);
        prop_assert_eq!(decoded.is_ok(), canonical, "{}", text);
        if let Ok(ctx) = decoded {
            let mut expected: std::collections::BTreeSet<(u8, u64)> = cloud.into_iter().collect();
            for (a, n) in clock.iter() {
                expected.extend((1..=n).map(|c| (*a, c)));
            }
            let got: std::collections::BTreeSet<(u8, u64)> =
                ctx.dots().map(Dot::into_parts).collect();
            prop_assert_eq!(got, expected);
        }
    }
}

/// Unknown fields were accepted and ignored, so a peer's misspelt or newer field went
/// unnoticed.
#[test]
fn regression_decoding_rejects_unknown_fields() {
    let err = decode_err::<DotContext<String>>(r#"{"clock":[],"cloud":[],"extra":1}"#);
    assert!(err.contains("unknown field `extra`"), "{err}");
    let err = decode_err::<Message<String, ()>>(
        r#"{"sender":"a","clock":[["a",1]],"payload":null,"extra":1}"#,
    );
    assert!(err.contains("unknown field `extra`"), "{err}");
}

#[test]
fn dvvset_round_trips_and_rejects_invalid_states() {
    use ward_vclock::DvvSet;
    type Key = DvvSet<String, String>;
    let mut key = Key::from_value("anon".to_string());
    key.update("r".to_string(), &VClock::new(), "x".to_string())
        .unwrap();
    let value = to_value(&key).unwrap();
    assert_eq!(
        value,
        json!({"entries": [["r", 1, ["x"]]], "anonymous": ["anon"]})
    );
    assert_eq!(serde_json::from_value::<Key>(value).unwrap(), key);
    assert_eq!(
        decode_err::<Key>(r#"{"entries":[["r",1,["x","y"]]],"anonymous":[]}"#),
        "entry at index 0 holds 2 values but its counter is only 1"
    );
    assert_eq!(
        decode_err::<Key>(r#"{"entries":[],"anonymous":["b","a"]}"#),
        "values not strictly increasing at index 1"
    );
    assert_eq!(
        decode_err::<Key>(r#"{"entries":[["s",1,[]],["r",1,[]]],"anonymous":[]}"#),
        "clock entries not sorted by actor at index 1"
    );
    assert!(
        decode_err::<Key>(r#"{"entries":[],"anonymous":[],"extra":1}"#)
            .contains("unknown field `extra`")
    );
}

#[test]
fn itc_round_trips_as_its_bytes_and_rejects_invalid_ones() {
    use ward_vclock::Itc;
    let (mut a, _) = Itc::seed().fork();
    a.event().unwrap();
    let text = to_string(&a).unwrap();
    assert_eq!(text, "[147,36]");
    assert_eq!(from_str::<Itc>(&text).unwrap(), a);
    assert_eq!(decode_err::<Itc>("[192]"), "invalid tag at bit 0");
    assert_eq!(
        decode_err::<Itc>("[80,0]"),
        "unexpected data after the value, which ends at bit 4"
    );
}
