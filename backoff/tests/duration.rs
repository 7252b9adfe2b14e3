//! The duration text parser: every unit, fractions, sums, and each refusal.

use core::time::Duration;

use ward_backoff::{DurationParseError as E, parse_duration};

#[test]
fn units_fractions_and_sums() {
    let cases = [
        ("7ns", Duration::from_nanos(7)),
        ("7us", Duration::from_micros(7)),
        ("7µs", Duration::from_micros(7)),
        ("250ms", Duration::from_millis(250)),
        ("1.5s", Duration::from_millis(1500)),
        ("2m", Duration::from_secs(120)),
        ("1h", Duration::from_secs(3600)),
        (" 1h 30m 15.25s ", Duration::new(5415, 250_000_000)),
        (".5s", Duration::from_millis(500)),
        ("5.s", Duration::from_secs(5)),
        ("0.123456789s", Duration::new(0, 123_456_789)),
        ("1.5ns", Duration::from_nanos(1)), // below a nanosecond: truncated
        ("0s", Duration::ZERO),
        ("18446744073709551615s", Duration::from_secs(u64::MAX)),
        ("18446744073709551615.999999999s", Duration::MAX),
    ];
    for (text, want) in cases {
        assert_eq!(parse_duration(text), Ok(want), "{text}");
    }
}

#[test]
fn refusals_name_the_problem_and_where() {
    let cases = [
        ("", E::Empty),
        ("   ", E::Empty),
        ("ms", E::ExpectedNumber { at: 0 }),
        (".s", E::ExpectedNumber { at: 0 }),
        ("-1s", E::ExpectedNumber { at: 0 }),
        ("250", E::MissingUnit { at: 3 }),
        ("1s 5", E::MissingUnit { at: 4 }),
        ("5 s", E::UnknownUnit { at: 1 }),
        ("5sec", E::UnknownUnit { at: 1 }),
        ("5d", E::UnknownUnit { at: 1 }),
        ("5mss", E::UnknownUnit { at: 1 }),
        ("0.1234567891s", E::FractionTooLong { at: 11 }),
        ("18446744073709551616s", E::Overflow),
        ("18446744073709551615s 1s", E::Overflow),
        ("99999999999999999999999999h", E::Overflow),
    ];
    for (text, want) in cases {
        assert_eq!(parse_duration(text), Err(want), "{text}");
    }
    assert_eq!(
        E::FractionTooLong { at: 4 }.to_string(),
        "more than 9 fractional digits at byte 4"
    );
    assert_eq!(
        E::Overflow.to_string(),
        "duration exceeds 18446744073709551615 seconds"
    );
}

proptest::proptest! {
    /// Any duration written as seconds and nanoseconds reads back exactly.
    #[test]
    fn prop_written_durations_read_back(secs in proptest::prelude::any::<u64>(), nanos in 0u32..1_000_000_000) {
        let d = Duration::new(secs, nanos);
        proptest::prop_assert_eq!(parse_duration(&format!("{secs}.{nanos:09}s")), Ok(d));
        proptest::prop_assert_eq!(parse_duration(&format!("{secs}s {nanos}ns")), Ok(d));
    }
}

/// A number far above `u64::MAX` parses when its unit brings it back into range: the
/// digits are capped at `u64::MAX` hours' worth, not at `u64::MAX` plus a little.
#[test]
fn large_counts_of_small_units_parse_up_to_the_largest_duration() {
    assert_eq!(
        parse_duration("18446744073709551615000ms"),
        Ok(Duration::from_secs(u64::MAX))
    );
    // Beyond the cap of the digits themselves, even in a small unit.
    assert_eq!(
        parse_duration("18446744073709551615000000us"),
        Err(E::Overflow)
    );
}

/// `ManualClock::set` reports whether the clock moved: forwards yes, to the same time or
/// backwards no (it stays where it was).
#[test]
fn manual_clock_set_reports_whether_it_moved() {
    use ward_backoff::{Clock, ManualClock};
    let clock = ManualClock::new();
    assert!(clock.set(Duration::from_secs(2)));
    assert!(!clock.set(Duration::from_secs(2)));
    assert!(!clock.set(Duration::from_secs(1)));
    assert_eq!(clock.now(), Duration::from_secs(2));
    assert!(clock.set(Duration::from_secs(3)));
}
