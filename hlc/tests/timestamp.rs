//! `Timestamp` and `Stamp`: layout, wire form, text form, parse errors, serde.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_hlc::{
    LOGICAL_BITS, MAX_LOGICAL, MAX_PHYSICAL, PHYSICAL_BITS, ParseTimestampError, Stamp, Timestamp,
    TimestampError,
};

/// Packed timestamps: anywhere in the range, and often at its ends (0, the last values
/// below the excluded `u64::MAX`, and around `MAX_ISSUED`).
fn packed() -> impl Strategy<Value = u64> {
    let issued = Timestamp::MAX_ISSUED.as_u64();
    prop_oneof![
        4 => 0..u64::MAX,
        1 => 0..8192u64,
        1 => (u64::MAX - 8192)..u64::MAX,
        1 => (issued - 4096)..=(issued + 4096),
        1 => Just(u64::MAX - 1),
    ]
}

#[test]
fn layout_is_documented_numbers() {
    assert_eq!(LOGICAL_BITS + PHYSICAL_BITS, 64);
    assert_eq!(u64::from(MAX_LOGICAL), (1 << LOGICAL_BITS) - 1);
    assert_eq!(MAX_PHYSICAL, (1 << PHYSICAL_BITS) - 1);
    let t = Timestamp::new(3, 5).unwrap();
    assert_eq!(t.as_u64(), 3 * 4096 + 5);
}

#[test]
fn new_rejects_out_of_range_parts() {
    assert_eq!(
        Timestamp::new(MAX_PHYSICAL + 1, 0),
        Err(TimestampError::PhysicalOutOfRange {
            micros: MAX_PHYSICAL + 1
        })
    );
    assert_eq!(
        Timestamp::new(0, MAX_LOGICAL + 1),
        Err(TimestampError::LogicalOutOfRange {
            value: MAX_LOGICAL + 1
        })
    );
}

#[test]
fn display_of_known_instants() {
    // 2000-02-29 (a leap day in a century leap year) 23:59:59.999999 UTC is 951 868 799 s.
    let t = Timestamp::new(951_868_799_999_999, 4095).unwrap();
    assert_eq!(t.to_string(), "2000-02-29T23:59:59.999999Z/4095");
    assert_eq!(Timestamp::MIN.to_string(), "1970-01-01T00:00:00.000000Z/0");
    assert_eq!(
        format!("{:?}", Timestamp::MIN),
        "Timestamp(1970-01-01T00:00:00.000000Z/0)"
    );
}

#[test]
fn parse_errors_are_typed() {
    let cases: &[(&str, ParseTimestampError)] = &[
        ("", ParseTimestampError::Malformed { at: 0 }),
        // A letter where a digit belongs ('a' - '0' would read as 49 seconds).
        (
            "1970-01-01T00:00:0a.000000Z/0",
            ParseTimestampError::Malformed { at: 18 },
        ),
        (
            "2024-05-01 12:00:00.000000Z/0",
            ParseTimestampError::Malformed { at: 10 },
        ),
        (
            "2024-05-01T12:00:00.000000Z/",
            ParseTimestampError::Malformed { at: 28 },
        ),
        (
            "2024-05-01T12:00:00.000000Z/+1",
            ParseTimestampError::Malformed { at: 28 },
        ),
        (
            "2024-05-01T12:00:00.000000Z/1 ",
            ParseTimestampError::Malformed { at: 29 },
        ),
        (
            "2024-05-01T12:00:00.000000Z/123456",
            ParseTimestampError::Malformed { at: 33 },
        ),
        (
            "2024-05-01T12:00:00.0000000000Z/0",
            ParseTimestampError::Malformed { at: 29 },
        ),
        (
            "2024-05-01T12:00:00.Z/0",
            ParseTimestampError::Malformed { at: 20 },
        ),
        (
            "2024-05-01T12:00:00,000000Z/0",
            ParseTimestampError::Malformed { at: 19 },
        ),
        (
            "2024-13-01T12:00:00.000000Z/0",
            ParseTimestampError::FieldOutOfRange {
                field: "month",
                value: 13,
                min: 1,
                max: 12,
            },
        ),
        (
            "2023-02-29T12:00:00.000000Z/0",
            ParseTimestampError::FieldOutOfRange {
                field: "day",
                value: 29,
                min: 1,
                max: 28,
            },
        ),
        (
            "1900-02-28T00:00:00.000000Z/0",
            ParseTimestampError::FieldOutOfRange {
                field: "year",
                value: 1900,
                min: 1970,
                max: 9999,
            },
        ),
        (
            "2024-05-01T24:00:00.000000Z/0",
            ParseTimestampError::FieldOutOfRange {
                field: "hour",
                value: 24,
                min: 0,
                max: 23,
            },
        ),
        (
            "2024-05-01T12:60:00.000000Z/0",
            ParseTimestampError::FieldOutOfRange {
                field: "minute",
                value: 60,
                min: 0,
                max: 59,
            },
        ),
        (
            "2024-05-01T12:00:60.000000Z/0",
            ParseTimestampError::FieldOutOfRange {
                field: "second",
                value: 60,
                min: 0,
                max: 59,
            },
        ),
        (
            "2024-05-01T12:00:00.000000Z/4096",
            ParseTimestampError::LogicalOutOfRange { value: 4096 },
        ),
        (
            "2112-09-17T23:53:47.370496Z/0",
            ParseTimestampError::PhysicalOutOfRange {
                micros: MAX_PHYSICAL + 1,
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<Timestamp>(), Err(*expected), "{text:?}");
    }
    // Leap day of a leap year parses.
    assert!("2024-02-29T00:00:00.000000Z/0".parse::<Timestamp>().is_ok());
    // Errors read as lowercase sentences without trailing punctuation.
    let msg = ParseTimestampError::LogicalOutOfRange { value: 4096 }.to_string();
    assert!(msg.starts_with("logical count 4096") && !msg.ends_with('.'));
}

#[test]
fn stamp_parse_errors_are_typed() {
    assert_eq!(
        "x".parse::<Stamp>(),
        Err(ParseTimestampError::Malformed { at: 1 })
    );
    let ts = "2024-05-01T12:00:00.000000Z/0";
    assert!(format!("{ts}@").parse::<Stamp>().is_err());
    assert!(format!("{ts}@-1").parse::<Stamp>().is_err());
    assert!(format!("{ts}@+1").parse::<Stamp>().is_err());
    assert!(
        format!("{ts}@18446744073709551616")
            .parse::<Stamp>()
            .is_err()
    );
    assert_eq!(
        format!("{ts}@18446744073709551615")
            .parse::<Stamp>()
            .map(|s| s.node),
        Ok(u64::MAX)
    );
}

#[test]
fn stamp_tie_break_is_the_larger_node_id() {
    let t = Timestamp::new(100, 1).unwrap();
    let later = Timestamp::new(100, 2).unwrap();
    assert!(Stamp::new(t, 9) > Stamp::new(t, 3));
    // The timestamp decides first.
    assert!(Stamp::new(later, 0) > Stamp::new(t, u64::MAX));
}

#[cfg(feature = "serde")]
#[test]
fn serde_json_uses_the_text_form() {
    let t = Timestamp::new(1_714_564_800_000_250, 3).unwrap();
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, "\"2024-05-01T12:00:00.000250Z/3\"");
    assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    // Decoding validates.
    assert!(serde_json::from_str::<Timestamp>("\"2024-05-01T12:00:00.000250Z/4096\"").is_err());
    assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());

    let s = Stamp::new(t, 17);
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(
        json,
        "{\"timestamp\":\"2024-05-01T12:00:00.000250Z/3\",\"node\":17}"
    );
    assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), s);
}

proptest! {
    #![proptest_config(ProptestConfig {
        rng_seed: RngSeed::Fixed(0x41c0_0004),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_text_form_round_trips(raw in packed()) {
        let t = Timestamp::from_u64(raw).unwrap();
        prop_assert_eq!(t.to_string().parse::<Timestamp>(), Ok(t));
    }

    #[test]
    fn prop_text_form_order_matches_for_equal_logical(a in 0..=MAX_PHYSICAL, b in 0..=MAX_PHYSICAL) {
        // Fixed-width date text sorts like the physical time.
        let ta = Timestamp::new(a, 0).unwrap().to_string();
        let tb = Timestamp::new(b, 0).unwrap().to_string();
        prop_assert_eq!(a.cmp(&b), ta.cmp(&tb));
    }

    /// Any text in roughly the right shape either parses to a timestamp that prints back
    /// exactly as the input (the form is canonical), or is refused with an error that
    /// names what is really wrong with it.
    #[test]
    fn prop_parse_is_canonical_or_an_error(
        text in "(19[7-9][0-9]|2[01][0-9][0-9])-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9]\\.[0-9]{6}Z/[0-9]{1,5}"
    ) {
        let logical = &text[28..];
        match text.parse::<Timestamp>() {
            Ok(t) => prop_assert_eq!(t.to_string(), text),
            // The shape is right, so only a non-canonical counter (leading zero) is
            // malformed.
            Err(ParseTimestampError::Malformed { at }) => {
                prop_assert_eq!(at, 28);
                prop_assert!(logical.len() > 1 && logical.starts_with('0'), "{}", text);
            }
            Err(ParseTimestampError::FieldOutOfRange { value, min, max, .. }) => {
                prop_assert!(value < min || value > max);
            }
            Err(ParseTimestampError::PhysicalOutOfRange { micros }) => {
                prop_assert!(micros > MAX_PHYSICAL);
                prop_assert!(text.as_str() > "2112-09-17T23:53:47.370495Z", "{}", text);
            }
            Err(ParseTimestampError::LogicalOutOfRange { value }) => {
                prop_assert!(value > u64::from(MAX_LOGICAL));
                prop_assert_eq!(logical.parse::<u64>().ok(), Some(value));
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
        }
    }

    #[test]
    fn prop_parts_round_trip(p in 0..=MAX_PHYSICAL, l in 0..=MAX_LOGICAL) {
        let t = Timestamp::new(p, l).unwrap();
        prop_assert_eq!((t.physical(), t.logical()), (p, l));
    }

    #[test]
    fn prop_order_is_lexicographic_on_parts(a in packed(), b in packed()) {
        let (ta, tb) = (Timestamp::from_u64(a).unwrap(), Timestamp::from_u64(b).unwrap());
        prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
        prop_assert_eq!(ta.cmp(&tb), (ta.physical(), ta.logical()).cmp(&(tb.physical(), tb.logical())));
    }

    #[test]
    fn prop_wire_form_round_trips_and_sorts(a in packed(), b in packed()) {
        let (ta, tb) = (Timestamp::from_u64(a).unwrap(), Timestamp::from_u64(b).unwrap());
        prop_assert_eq!(ta.as_u64(), a);
        prop_assert_eq!(Timestamp::from_be_bytes(ta.to_be_bytes()), Ok(ta));
        prop_assert_eq!(ta.to_be_bytes(), a.to_be_bytes());
        prop_assert_eq!(ta.to_be_bytes().cmp(&tb.to_be_bytes()), ta.cmp(&tb));
    }

    #[test]
    fn prop_stamp_forms_round_trip_and_sort(a in (packed(), any::<u64>()), b in (packed(), any::<u64>())) {
        let sa = Stamp::new(Timestamp::from_u64(a.0).unwrap(), a.1);
        let sb = Stamp::new(Timestamp::from_u64(b.0).unwrap(), b.1);
        prop_assert_eq!(sa.to_string().parse::<Stamp>(), Ok(sa));
        prop_assert_eq!(Stamp::from_be_bytes(sa.to_be_bytes()), Ok(sa));
        prop_assert_eq!(sa.to_be_bytes().cmp(&sb.to_be_bytes()), sa.cmp(&sb));
        prop_assert_eq!(sa.cmp(&sb), (sa.timestamp, sa.node).cmp(&(sb.timestamp, sb.node)));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn prop_serde_json_round_trips(raw in packed()) {
        let t = Timestamp::from_u64(raw).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        prop_assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }
}

/// Defect: `Stamp`'s parser accepted a node id with leading zeros (`…/0@007`), while
/// `Timestamp`'s parser is strict: two texts for one stamp.
#[test]
fn regression_stamp_text_form_is_canonical() {
    let ts = "2024-05-01T12:00:00.000000Z/0";
    for node in ["007", "00", "01"] {
        assert!(
            format!("{ts}@{node}").parse::<Stamp>().is_err(),
            "accepted node {node}"
        );
    }
    assert_eq!(format!("{ts}@0").parse::<Stamp>().map(|s| s.node), Ok(0));
}

/// Defect: JSON `Stamp` accepted unknown fields.
#[cfg(feature = "serde")]
#[test]
fn regression_stamp_json_denies_unknown_fields() {
    let json = "{\"timestamp\":\"2024-05-01T12:00:00.000250Z/3\",\"node\":17,\"extra\":1}";
    assert!(serde_json::from_str::<Stamp>(json).is_err());
}

/// Defect: decoding a JSON number as a `Timestamp` said "expected … or a packed u64",
/// but JSON only takes the text form.
#[cfg(feature = "serde")]
#[test]
fn regression_timestamp_json_error_names_what_json_accepts() {
    let msg = serde_json::from_str::<Timestamp>("4097")
        .unwrap_err()
        .to_string();
    assert!(!msg.contains("u64"), "{msg}");
    assert!(msg.contains("YYYY-MM-DDTHH:MM:SS"), "{msg}");
}

/// Other systems print fewer or more fractional digits (seconds, milliseconds,
/// nanoseconds); all of them parse, digits past the microsecond rounding down.
#[test]
fn parse_takes_any_fractional_precision() {
    let cases = [
        ("2024-05-01T12:00:00Z/3", 1_714_564_800_000_000),
        ("2024-05-01T12:00:00.2Z/3", 1_714_564_800_200_000),
        ("2024-05-01T12:00:00.25Z/3", 1_714_564_800_250_000),
        ("2024-05-01T12:00:00.000250Z/3", 1_714_564_800_000_250),
        ("2024-05-01T12:00:00.0002509Z/3", 1_714_564_800_000_250),
        ("2024-05-01T12:00:00.000250999Z/3", 1_714_564_800_000_250),
    ];
    for (text, micros) in cases {
        assert_eq!(
            text.parse::<Timestamp>(),
            Ok(Timestamp::new(micros, 3).unwrap()),
            "{text}"
        );
    }
    // The last representable microsecond with nanoseconds still parses; one more
    // microsecond does not.
    assert!(
        "2112-09-17T23:53:47.370495999Z/0"
            .parse::<Timestamp>()
            .is_ok()
    );
    assert!(
        "2112-09-17T23:53:47.3704960Z/0"
            .parse::<Timestamp>()
            .is_err()
    );
}

proptest! {
    /// Any timestamp printed with 0 to 9 fractional digits parses back to itself with
    /// the physical part rounded down to that precision.
    #[test]
    fn prop_any_precision_parses_to_the_truncated_timestamp(raw in packed(), digits in 0usize..=9) {
        let t = Timestamp::from_u64(raw).unwrap();
        let canonical = t.to_string();
        let (head, tail) = canonical.split_at(19); // "YYYY-MM-DDTHH:MM:SS"
        let frac = &tail[1..7];
        let rest = &tail[7..]; // "Z/L"
        let text = match digits {
            0 => format!("{head}{rest}"),
            1..=6 => format!("{head}.{}{rest}", &frac[..digits]),
            _ => format!("{head}.{frac}{}{rest}", "9".repeat(digits - 6)),
        };
        let scale = 10u64.pow(6 - digits.min(6) as u32);
        let expected = Timestamp::new(t.physical() / scale * scale, t.logical()).unwrap();
        prop_assert_eq!(text.parse::<Timestamp>(), Ok(expected), "{}", text);
    }
}

/// `Option<Timestamp>` costs no more than a timestamp: one packed value is left out of
/// the range and serves as `None` (so `Option<Stamp>` is 16 bytes too).
#[test]
fn option_timestamp_is_eight_bytes() {
    use core::mem::size_of;
    assert_eq!(size_of::<Timestamp>(), 8);
    assert_eq!(size_of::<Option<Timestamp>>(), 8);
    assert_eq!(size_of::<Stamp>(), 16);
    assert_eq!(size_of::<Option<Stamp>>(), 16);
}

/// The one packed value left out of the range, `u64::MAX`, is refused by every decoder
/// with a typed error, and never mapped silently to a neighbour.
#[test]
fn excluded_raw_value_is_refused_by_every_decoder() {
    let excluded = Timestamp::EXCLUDED_U64;
    assert_eq!(excluded, u64::MAX);
    assert_eq!(Timestamp::from_u64(excluded), Err(TimestampError::Excluded));
    assert_eq!(Timestamp::try_from(excluded), Err(TimestampError::Excluded));
    assert_eq!(
        Timestamp::new(MAX_PHYSICAL, MAX_LOGICAL),
        Err(TimestampError::Excluded)
    );
    assert_eq!(
        Timestamp::from_be_bytes(excluded.to_be_bytes()),
        Err(TimestampError::Excluded)
    );
    let mut stamp = [0xff; 16];
    stamp[15] = 7;
    assert_eq!(Stamp::from_be_bytes(stamp), Err(TimestampError::Excluded));
    let text = "2112-09-17T23:53:47.370495Z/4095";
    assert_eq!(
        text.parse::<Timestamp>(),
        Err(ParseTimestampError::Excluded)
    );
    // Past the microsecond too: digits beyond it round down onto the excluded value.
    assert_eq!(
        "2112-09-17T23:53:47.370495999Z/4095".parse::<Timestamp>(),
        Err(ParseTimestampError::Excluded)
    );
    assert_eq!(
        format!("{text}@3").parse::<Stamp>(),
        Err(ParseTimestampError::Excluded)
    );
    // The errors say what is wrong, with the numbers.
    let msg = TimestampError::Excluded.to_string();
    assert!(msg.contains("18446744073709551615"), "{msg}");
    assert!(
        msg.contains("4503599627370495") && msg.contains("4095"),
        "{msg}"
    );
    let msg = ParseTimestampError::Excluded.to_string();
    assert!(
        msg.contains("4503599627370495") && msg.contains("4095"),
        "{msg}"
    );
    // Its neighbours are timestamps.
    assert_eq!(Timestamp::from_u64(u64::MAX - 1), Ok(Timestamp::MAX));
    assert_eq!(
        "2112-09-17T23:53:47.370495Z/4094".parse::<Timestamp>(),
        Ok(Timestamp::MAX)
    );
}

/// The serde decoders refuse the excluded value: as a packed `u64` in binary formats,
/// as text in human-readable ones, and inside a `Stamp`.
#[cfg(feature = "serde")]
#[test]
fn excluded_raw_value_is_refused_by_serde() {
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, U64Deserializer};

    // A binary format hands the packed u64 to the decoder.
    let de: U64Deserializer<Error> = u64::MAX.into_deserializer();
    let err = <Timestamp as serde::Deserialize>::deserialize(BinaryU64(de)).unwrap_err();
    assert_eq!(err.to_string(), TimestampError::Excluded.to_string());
    let de: U64Deserializer<Error> = (u64::MAX - 1).into_deserializer();
    assert_eq!(
        <Timestamp as serde::Deserialize>::deserialize(BinaryU64(de)),
        Ok(Timestamp::MAX)
    );

    let text = "\"2112-09-17T23:53:47.370495Z/4095\"";
    let err = serde_json::from_str::<Timestamp>(text).unwrap_err();
    assert!(err.to_string().contains("left out"), "{err}");
    let stamp = "{\"timestamp\":\"2112-09-17T23:53:47.370495Z/4095\",\"node\":1}";
    assert!(serde_json::from_str::<Stamp>(stamp).is_err());
    let stamp = "{\"timestamp\":\"2112-09-17T23:53:47.370495Z/4094\",\"node\":1}";
    assert_eq!(
        serde_json::from_str::<Stamp>(stamp)
            .ok()
            .map(|s| s.timestamp),
        Some(Timestamp::MAX)
    );
}

/// A deserializer that says it is not human-readable, as a binary format's is.
#[cfg(feature = "serde")]
struct BinaryU64<D>(D);

#[cfg(feature = "serde")]
impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for BinaryU64<D> {
    type Error = D::Error;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// Round trips through every form at both ends of the range and at `MAX_ISSUED`.
#[test]
fn round_trips_at_the_edges() {
    let issued = Timestamp::MAX_ISSUED.as_u64();
    for raw in [
        0,
        1,
        4095,
        4096,
        issued - 1,
        issued,
        issued + 1,
        u64::MAX - 2,
        u64::MAX - 1,
    ] {
        let t = Timestamp::from_u64(raw).unwrap();
        assert_eq!(t.as_u64(), raw);
        assert_eq!(u64::from(t), raw);
        assert_eq!(Timestamp::try_from(raw), Ok(t));
        assert_eq!(Timestamp::from_be_bytes(t.to_be_bytes()), Ok(t));
        assert_eq!(t.to_be_bytes(), raw.to_be_bytes());
        assert_eq!(t.to_string().parse::<Timestamp>(), Ok(t));
        assert_eq!(Timestamp::new(t.physical(), t.logical()), Ok(t));
        let s = Stamp::new(t, u64::MAX);
        assert_eq!(Stamp::from_be_bytes(s.to_be_bytes()), Ok(s));
        assert_eq!(s.to_string().parse::<Stamp>(), Ok(s));
        #[cfg(feature = "serde")]
        {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), s);
        }
        // `Some` keeps the value, `None` is distinct from every value.
        let some = std::hint::black_box(Some(t));
        assert_eq!(some.map(Timestamp::as_u64), Some(raw));
        assert_ne!(some, None);
    }
    assert_eq!(Timestamp::MIN.as_u64(), 0);
    assert_eq!(Timestamp::default(), Timestamp::MIN);
    assert_eq!(Timestamp::MAX.as_u64(), u64::MAX - 1);
    assert_eq!(
        (Timestamp::MAX.physical(), Timestamp::MAX.logical()),
        (MAX_PHYSICAL, MAX_LOGICAL - 1)
    );
    assert!(Timestamp::MAX_ISSUED < Timestamp::MAX);
    // Saturating steps stop at the ends and never reach the excluded value.
    assert_eq!(Timestamp::MAX.saturating_next(), Timestamp::MAX);
    let before = Timestamp::from_u64(u64::MAX - 2).unwrap();
    assert_eq!(before.saturating_next(), Timestamp::MAX);
    assert_eq!(Timestamp::MAX.saturating_prev(), before);
    assert_eq!(Timestamp::MIN.saturating_prev(), Timestamp::MIN);
    assert_eq!(
        Timestamp::MIN.saturating_next(),
        Timestamp::from_u64(1).unwrap()
    );
    // Adding a duration onto the excluded pair is `None` (saturating: `MAX`).
    let last_count = Timestamp::new(MAX_PHYSICAL - 1, MAX_LOGICAL).unwrap();
    let one = core::time::Duration::from_micros(1);
    assert_eq!(last_count.checked_add(one), None);
    assert_eq!(last_count.saturating_add(one), Timestamp::MAX);
    let below = Timestamp::new(MAX_PHYSICAL - 1, MAX_LOGICAL - 1).unwrap();
    assert_eq!(below.checked_add(one), Some(Timestamp::MAX));
    assert_eq!(
        Timestamp::MAX.checked_sub(one),
        Some(Timestamp::new(MAX_PHYSICAL - 1, MAX_LOGICAL - 1).unwrap())
    );
}

/// A bad node id is reported at the byte after `@`, where the node id starts.
#[test]
fn stamp_node_errors_point_at_the_node_id() {
    let ts = "2024-05-01T12:00:00.000000Z/0";
    assert_eq!(ts.len(), 29);
    for node in ["", "x", "007", "-1", "18446744073709551616"] {
        assert_eq!(
            format!("{ts}@{node}").parse::<Stamp>(),
            Err(ParseTimestampError::Malformed { at: 30 }),
            "node {node:?}"
        );
    }
}

/// A duration longer than `u64::MAX` microseconds saturates instead of wrapping: moved
/// by it, any timestamp leaves the range, however small the wrapped remainder would be.
#[test]
fn durations_beyond_u64_micros_saturate_instead_of_wrapping() {
    let ts = Timestamp::new(1_000, 3).unwrap();
    let huge = std::time::Duration::from_micros(u64::MAX) + std::time::Duration::from_micros(2);
    assert_eq!(ts.checked_add(huge), None);
    assert_eq!(ts.checked_sub(huge), None);
    assert_eq!(ts.checked_add(std::time::Duration::MAX), None);
}
