//! Durations written as text ("250ms", "1.5s", "1m30s"), for configuration files.

use core::time::Duration;

/// Why a duration text was refused by [`parse_duration`].
///
/// # Examples
///
/// ```
/// use ward_backoff::{DurationParseError, parse_duration};
/// assert_eq!(parse_duration("250"), Err(DurationParseError::MissingUnit { at: 3 }));
/// assert_eq!(
///     parse_duration("5 parsecs").unwrap_err().to_string(),
///     "unknown duration unit at byte 1 (use ns, us, ms, s, m or h)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DurationParseError {
    /// Nothing but whitespace.
    #[error("empty duration")]
    Empty,
    /// A number was expected at this byte offset.
    #[error("expected a number at byte {at}")]
    ExpectedNumber {
        /// The byte offset in the text.
        at: usize,
    },
    /// A number at the end of the text had no unit after it.
    #[error("missing duration unit at byte {at} (use ns, us, ms, s, m or h)")]
    MissingUnit {
        /// The byte offset in the text.
        at: usize,
    },
    /// The unit at this byte offset is not one of `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`.
    #[error("unknown duration unit at byte {at} (use ns, us, ms, s, m or h)")]
    UnknownUnit {
        /// The byte offset in the text.
        at: usize,
    },
    /// More than nine digits after the decimal point.
    #[error("more than 9 fractional digits at byte {at}")]
    FractionTooLong {
        /// The byte offset in the text.
        at: usize,
    },
    /// The total does not fit in a `Duration` (2^64 seconds).
    #[error("duration exceeds 18446744073709551615 seconds")]
    Overflow,
}

/// Parses a duration written as one or more `<number><unit>` terms, such as `"250ms"`,
/// `"1.5s"` or `"1h30m"`: the number is decimal with at most nine fractional digits, the
/// unit one of `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`; spaces around the text and
/// between terms are allowed. The result is exact (no floating point).
///
/// # Errors
///
/// A [`DurationParseError`] with the byte offset of the problem.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::parse_duration;
/// assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
/// assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
/// assert_eq!(parse_duration("0.000000001s"), Ok(Duration::from_nanos(1)));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationParseError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let skip_spaces = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    i = skip_spaces(i);
    if i == bytes.len() {
        return Err(DurationParseError::Empty);
    }
    let mut total: u128 = 0;
    while i < bytes.len() {
        // The number: digits, optionally a point and up to nine more digits.
        let start = i;
        let mut whole: u128 = 0;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            whole = whole
                .checked_mul(10)
                .and_then(|w| w.checked_add(u128::from(bytes[i] - b'0')))
                .filter(|w| *w <= u128::from(u64::MAX) * 3_600)
                .ok_or(DurationParseError::Overflow)?;
            i += 1;
        }
        let mut frac: u128 = 0;
        let mut frac_digits = 0u32;
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                if frac_digits == 9 {
                    return Err(DurationParseError::FractionTooLong { at: i });
                }
                frac = frac * 10 + u128::from(bytes[i] - b'0');
                frac_digits += 1;
                i += 1;
            }
        }
        let int_digits = text[start..i]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if int_digits == 0 && frac_digits == 0 {
            return Err(DurationParseError::ExpectedNumber { at: start });
        }
        // The unit.
        let rest = &text[i..];
        let (unit_nanos, len) = if rest.starts_with("ns") {
            (1, 2)
        } else if rest.starts_with("us") {
            (1_000, 2)
        } else if rest.starts_with("µs") {
            (1_000, "µs".len())
        } else if rest.starts_with("ms") {
            (1_000_000, 2)
        } else if rest.starts_with('s') {
            (1_000_000_000, 1)
        } else if rest.starts_with('m') {
            (60_000_000_000, 1)
        } else if rest.starts_with('h') {
            (3_600_000_000_000, 1)
        } else if rest.is_empty() {
            return Err(DurationParseError::MissingUnit { at: i });
        } else {
            return Err(DurationParseError::UnknownUnit { at: i });
        };
        i += len;
        if i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            return Err(DurationParseError::UnknownUnit { at: i - len });
        }
        let term = whole * unit_nanos + frac * unit_nanos / 10u128.pow(frac_digits);
        total = total
            .checked_add(term)
            .ok_or(DurationParseError::Overflow)?;
        i = skip_spaces(i);
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| DurationParseError::Overflow)?;
    Ok(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// Serde for a `Duration` field: written as `{"secs", "nanos"}` (serde's own form),
/// read from that form or from a text [`parse_duration`] accepts.
#[cfg(feature = "serde")]
pub(crate) mod serde_duration {
    use core::fmt;
    use core::time::Duration;

    use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        d.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_any(DurationVisitor)
    }

    struct DurationVisitor;

    impl<'de> serde::de::Visitor<'de> for DurationVisitor {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration: a text such as \"250ms\", or {\"secs\", \"nanos\"}")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
            super::parse_duration(v).map_err(E::custom)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Duration, A::Error> {
            Duration::deserialize(MapAccessDeserializer::new(map))
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Duration, A::Error> {
            Duration::deserialize(SeqAccessDeserializer::new(seq))
        }
    }

    /// A `Duration` read as above, for `Option` fields.
    struct Text(Duration);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d).map(Text)
        }
    }

    /// Serde for an `Option<Duration>` field.
    pub(crate) mod option {
        use super::{Deserialize, Deserializer, Duration, Serialize, Serializer, Text};

        #[allow(clippy::ref_option)] // the signature serde's `with` expects
        pub(crate) fn serialize<S: Serializer>(
            d: &Option<Duration>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            d.serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Duration>, D::Error> {
            Ok(Option::<Text>::deserialize(d)?.map(|t| t.0))
        }
    }
}
