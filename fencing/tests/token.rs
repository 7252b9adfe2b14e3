//! `FencingToken`: construction, parsing of ZooKeeper and etcd sources, text and serde forms.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_fencing::{FencingToken, TokenError};

#[test]
fn zero_is_never_a_token() {
    assert_eq!(FencingToken::new(0), Err(TokenError::Zero));
    assert_eq!("0".parse::<FencingToken>(), Err(TokenError::Zero));
    assert_eq!(FencingToken::try_from(0_u64), Err(TokenError::Zero));
    assert_eq!(size_of::<Option<FencingToken>>(), size_of::<u64>());
}

/// ZooKeeper's programmer's guide: a sequential node's name is the requested path followed
/// by the parent's counter formatted as `%010d` (e.g. `<path>0000000001`); the counter is a
/// signed 4-byte int and wraps past 2147483647 (giving `<path>-2147483648`).
#[test]
fn zookeeper_reference_names() {
    let parse = FencingToken::from_zookeeper_sequential;
    assert_eq!(parse("/election/candidate-0000000042").unwrap().get(), 42);
    assert_eq!(parse("/lock-0000000001").unwrap().get(), 1);
    assert_eq!(parse("x0000000007").unwrap().get(), 7);
    assert_eq!(parse("0000000009").unwrap().get(), 9);
    assert_eq!(parse("/q/node2147483647").unwrap().get(), 2_147_483_647);
    // A prefix ending in digits is still followed by exactly ten.
    assert_eq!(parse("/q/n70000000008").unwrap().get(), 8);
    // The first child ever created gets 0, which is not a token.
    assert_eq!(
        parse("/election/candidate-0000000000"),
        Err(TokenError::Zero)
    );
}

#[test]
fn zookeeper_wrapped_counters_are_rejected() {
    let parse = FencingToken::from_zookeeper_sequential;
    assert_eq!(
        parse("/election/candidate--2147483648"),
        Err(TokenError::Wrapped {
            sequence: -2_147_483_648
        })
    );
    assert_eq!(
        parse("/election/candidate-000000005"),
        Err(TokenError::Wrapped { sequence: -5 }),
        "`%010d` of -5 is `-000000005`"
    );
    assert_eq!(
        parse("/election/candidate2147483648"),
        Err(TokenError::SequenceOutOfRange {
            value: 2_147_483_648
        })
    );
    assert_eq!(
        parse("/election/candidate-1500000000"),
        Err(TokenError::AmbiguousSign {
            digits: 1_500_000_000
        })
    );
    // Below 10^9 a negative counter has only nine digits, so ten digits after '-' are positive.
    assert_eq!(
        parse("/election/candidate-0999999999").unwrap().get(),
        999_999_999
    );
}

#[test]
fn zookeeper_malformed_names_are_rejected() {
    let parse = FencingToken::from_zookeeper_sequential;
    for name in [
        "",
        "/election/candidate",
        "/election/candidate-42",
        "/election/candidate-00000000x2",
        "/election/candidate-00000 0042",
        "/election/candidate-000000042/",
        "/election/candidate-+000000042",
        "-000000000",
    ] {
        assert!(parse(name).is_err(), "{name:?} accepted");
    }
    assert_eq!(parse("abc"), Err(TokenError::NotSequential));
    assert_eq!(
        parse("日本語のノード名です"),
        Err(TokenError::NotSequential)
    );
}

#[test]
fn zookeeper_with_prefix_resolves_every_case() {
    let parse = FencingToken::from_zookeeper_sequential_with_prefix;
    assert_eq!(parse("/e/c-0000000042", "/e/c-").unwrap().get(), 42);
    assert_eq!(
        parse("/e/c-1500000000", "/e/c-").unwrap().get(),
        1_500_000_000
    );
    assert_eq!(
        parse("/e/c-1500000000", "/e/c"),
        Err(TokenError::Wrapped {
            sequence: -1_500_000_000
        })
    );
    // The last sequence before the counter wraps, and one past it.
    assert_eq!(
        parse("/e/c-2147483647", "/e/c-").unwrap().get(),
        2_147_483_647
    );
    assert_eq!(
        parse("/e/c-2147483648", "/e/c-"),
        Err(TokenError::SequenceOutOfRange {
            value: 2_147_483_648
        })
    );
    assert_eq!(
        parse("/e/c-000000005", "/e/c"),
        Err(TokenError::Wrapped { sequence: -5 })
    );
    assert_eq!(
        parse("/e/c-2147483648", "/e/c"),
        Err(TokenError::Wrapped {
            sequence: -2_147_483_648
        })
    );
    assert_eq!(
        parse("/e/c-0000000042", "/f/"),
        Err(TokenError::PrefixMismatch)
    );
    assert_eq!(parse("/e/c-42", "/e/c-"), Err(TokenError::NotSequential));
    assert_eq!(
        parse("/e/c-00000000042", "/e/c-"),
        Err(TokenError::NotSequential)
    );
    assert_eq!(
        parse("/e/c--2147483649", "/e/c-"),
        Err(TokenError::NotSequential)
    );
    // `%010d` never pads a ten-digit negative counter, nor writes fewer than nine digits.
    assert_eq!(
        parse("/e/c--0000000005", "/e/c-"),
        Err(TokenError::NotSequential)
    );
    assert_eq!(
        parse("/e/c--00000005", "/e/c-"),
        Err(TokenError::NotSequential)
    );
    assert_eq!(parse("/e/c--", "/e/c-"), Err(TokenError::NotSequential));
    assert_eq!(
        parse("/e/c-4000000000", "/e/c-"),
        Err(TokenError::SequenceOutOfRange {
            value: 4_000_000_000
        })
    );
    assert_eq!(parse("/e/c-0000000000", "/e/c-"), Err(TokenError::Zero));
}

/// etcd's `mvccpb.KeyValue`: `create_revision` and `mod_revision` are int64, and the first
/// revision of a cluster is 1.
#[test]
fn etcd_revisions() {
    assert_eq!(FencingToken::from_etcd_revision(1).unwrap().get(), 1);
    assert_eq!(
        FencingToken::from_etcd_revision(i64::MAX).unwrap().get(),
        i64::MAX as u64
    );
    assert_eq!(
        FencingToken::from_etcd_revision(0),
        Err(TokenError::NotPositive { value: 0 })
    );
    assert_eq!(
        FencingToken::from_etcd_revision(i64::MIN),
        Err(TokenError::NotPositive { value: i64::MIN })
    );
}

#[test]
fn error_messages_carry_the_numbers() {
    assert_eq!(
        TokenError::Wrapped { sequence: -5 }.to_string(),
        "sequence counter wrapped to -5; names no longer sort in creation order"
    );
    assert_eq!(
        TokenError::SequenceOutOfRange {
            value: 3_000_000_000
        }
        .to_string(),
        "sequence 3000000000 is above the 32-bit counter's maximum 2147483647"
    );
}

/// `FromStr` parses exactly what `Display` writes: no sign, no leading zeros, no spaces, no
/// other radix. The old parser went through `u64::from_str` and accepted `+5` and `0005`.
#[test]
fn regression_from_str_refuses_what_display_never_writes() {
    for text in [
        "+5",
        "0005",
        "05",
        "00",
        "-0",
        "+0",
        " 5",
        "5 ",
        "",
        "5_000",
        "0x5",
        "\u{0665}",
        "18446744073709551616",
    ] {
        assert_eq!(
            text.parse::<FencingToken>(),
            Err(TokenError::NotANumber),
            "{text:?} was accepted"
        );
    }
    assert_eq!("0".parse::<FencingToken>(), Err(TokenError::Zero));
    assert_eq!("5".parse::<FencingToken>().map(FencingToken::get), Ok(5));
    assert_eq!(
        "18446744073709551615".parse::<FencingToken>(),
        Ok(FencingToken::MAX)
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_and_validation() {
    let token = FencingToken::new(42).unwrap();
    let json = serde_json::to_string(&token).unwrap();
    assert_eq!(json, "42");
    assert_eq!(serde_json::from_str::<FencingToken>(&json).unwrap(), token);
    let err = serde_json::from_str::<FencingToken>("0").unwrap_err();
    assert!(
        err.to_string()
            .contains("zero is never a valid fencing token"),
        "{err}"
    );
    assert!(serde_json::from_str::<FencingToken>("-1").is_err());
}

#[cfg(feature = "serde")]
#[test]
fn stale_token_serde_round_trip_and_validation() {
    use ward_fencing::{FenceGuard, StaleToken};
    let stale = FenceGuard::with_mark(FencingToken::new(34).unwrap())
        .admit(FencingToken::new(33).unwrap())
        .unwrap_err();
    let json = serde_json::to_string(&stale).unwrap();
    assert_eq!(json, r#"{"presented":33,"mark":34}"#);
    assert_eq!(serde_json::from_str::<StaleToken>(&json).unwrap(), stale);
    for bad in [
        r#"{"presented":34,"mark":34}"#,
        r#"{"presented":35,"mark":34}"#,
        r#"{"presented":0,"mark":34}"#,
        r#"{"presented":33}"#,
        r#"{"presented":33,"mark":34,"extra":1}"#,
        r#"{"presented":33,"mark":18446744073709551616}"#,
    ] {
        assert!(serde_json::from_str::<StaleToken>(bad).is_err(), "{bad}");
    }
    let err = serde_json::from_str::<StaleToken>(r#"{"presented":34,"mark":34}"#).unwrap_err();
    assert!(
        err.to_string().contains("not below the high-water mark 34"),
        "{err}"
    );
    let at_max = r#"{"presented":18446744073709551614,"mark":18446744073709551615}"#;
    let decoded: StaleToken = serde_json::from_str(at_max).unwrap();
    assert_eq!(decoded.mark(), FencingToken::MAX);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x70ce4e03),
        ..ProptestConfig::default()
    })]

    /// Tokens order exactly as their numbers.
    #[test]
    fn prop_order_matches_numbers(a in 1_u64.., b in 1_u64..) {
        let (ta, tb) = (FencingToken::new(a).unwrap(), FencingToken::new(b).unwrap());
        prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
    }

    /// `Display` and `FromStr` are inverse.
    #[test]
    fn prop_display_parse_round_trip(v in 1_u64..) {
        let token = FencingToken::new(v).unwrap();
        prop_assert_eq!(token.to_string().parse::<FencingToken>(), Ok(token));
        prop_assert_eq!(token.to_string(), v.to_string());
    }

    /// Formatting a counter as ZooKeeper does and parsing it back gives the counter, for any
    /// prefix and any positive counter; a negative counter is always refused with the prefix.
    #[test]
    fn prop_zookeeper_names_round_trip(prefix in "[a-z/\\-]{0,12}", seq in i32::MIN..=i32::MAX) {
        let name = format!("{prefix}{seq:010}");
        let with_prefix = FencingToken::from_zookeeper_sequential_with_prefix(&name, &prefix);
        let without = FencingToken::from_zookeeper_sequential(&name);
        if seq > 0 {
            prop_assert_eq!(with_prefix.map(FencingToken::get), Ok(seq as u64));
            // Without the prefix the parse is right or refused, never a different token.
            if let Ok(token) = without {
                prop_assert_eq!(token.get(), seq as u64);
            }
        } else if seq == 0 {
            prop_assert_eq!(with_prefix, Err(TokenError::Zero));
        } else {
            prop_assert_eq!(with_prefix, Err(TokenError::Wrapped { sequence: i64::from(seq) }));
            prop_assert!(without.is_err(), "{} accepted", name);
        }
    }

    /// Any text that parses is exactly the `Display` form of the token it parses to, for
    /// digit strings with signs, leading zeros and overflow.
    #[test]
    fn prop_parse_accepts_only_the_display_form(text in "[+-]?0{0,3}[0-9]{0,21}") {
        if let Ok(token) = text.parse::<FencingToken>() {
            prop_assert_eq!(token.to_string(), text);
        }
    }

    /// `checked_next` is `+ 1` until the maximum.
    #[test]
    fn prop_checked_next(v in 1_u64..) {
        let next = FencingToken::new(v).unwrap().checked_next();
        prop_assert_eq!(next.map(FencingToken::get), v.checked_add(1));
    }
}

/// What a guard admission says: only a raise is a raise, and the guard's `Debug` shows
/// its mark.
#[test]
fn guard_admissions_name_raises_and_debug_shows_the_mark() {
    use ward_fencing::{Admission, FenceGuard};
    let token = |v| FencingToken::new(v).unwrap();
    let guard = FenceGuard::new();
    let first = guard.admit(token(5)).unwrap();
    assert!(first.is_raised());
    let again = guard.admit(token(5)).unwrap();
    assert_eq!(again, Admission::Unchanged);
    assert!(!again.is_raised());
    let debug = format!("{guard:?}");
    assert!(
        debug.starts_with("FenceGuard") && debug.contains('5'),
        "{debug}"
    );
}

/// A negative suffix of any length is refused as not sequential, never parsed past
/// `u64` (twenty digits) and never read as 0 when the digits are missing.
#[test]
fn negative_suffixes_of_any_length_are_not_sequential() {
    for suffix in ["-", "-99999999999999999999", "-999999999999999999999999"] {
        let name = format!("/election/candidate-{suffix}");
        assert_eq!(
            FencingToken::from_zookeeper_sequential_with_prefix(&name, "/election/candidate-"),
            Err(TokenError::NotSequential),
            "{name}"
        );
    }
}
