//! The 64-bit hybrid timestamp: layout, wire form and text form.

use core::fmt;
use core::num::NonZeroU64;
use core::str::FromStr;
use core::time::Duration;

/// Number of low bits holding the logical counter.
pub const LOGICAL_BITS: u32 = 12;

/// Largest logical counter value: 4095, so 4096 values per physical tick.
pub const MAX_LOGICAL: u16 = (1 << LOGICAL_BITS) - 1;

/// Number of high bits holding physical time, in microseconds since the Unix epoch.
pub const PHYSICAL_BITS: u32 = 64 - LOGICAL_BITS;

/// Largest physical time a timestamp can hold, in microseconds since the Unix epoch:
/// 2^52 − 1, which is 2112-09-17T23:53:47.370495Z.
pub const MAX_PHYSICAL: u64 = (1 << PHYSICAL_BITS) - 1;

const LOGICAL_MASK: u64 = (1 << LOGICAL_BITS) - 1;

/// Whole microseconds in `d`, saturating at `u64::MAX` (usable in `const fn`).
const fn micros_of(d: Duration) -> u64 {
    let micros = d.as_micros();
    if micros > u64::MAX as u128 {
        u64::MAX
    } else {
        micros as u64
    }
}

/// A hybrid logical clock timestamp: physical time and a logical counter packed in one `u64`.
///
/// # Layout
///
/// ```text
///  63                                                12 11          0
/// +----------------------------------------------------+-------------+
/// |  physical: microseconds since 1970-01-01T00:00:00Z  |   logical   |
/// |                      52 bits                        |   12 bits   |
/// +----------------------------------------------------+-------------+
/// ```
///
/// - **Resolution**: 1 µs per physical tick.
/// - **Range**: 2^52 µs ≈ 142.7 years, from 1970-01-01 to 2112-09-17T23:53:47.370495Z
///   ([`MAX_PHYSICAL`]).
/// - **Logical counter**: 4096 values (0 to [`MAX_LOGICAL`]) per microsecond.
///
/// Because physical time sits in the high bits, comparing two timestamps as integers is
/// the same as comparing `(physical, logical)` pairs lexicographically: the derived
/// [`Ord`] is a total order and matches the paper's order on `(l, c)`. Incrementing the
/// integer by one increments the logical counter, and carries into the physical part
/// when the counter is full.
///
/// # One value left out: `Option<Timestamp>` is 8 bytes
///
/// Every packed `u64` is a timestamp except one: `u64::MAX`
/// ([`EXCLUDED_U64`](Self::EXCLUDED_U64)), the pair `(MAX_PHYSICAL, MAX_LOGICAL)`, the
/// last count of the last microsecond. A timestamp is stored as the packed value plus
/// one in a [`NonZeroU64`], so the left-out value is the zero that `None` takes and
/// `Option<Timestamp>` has the size of a timestamp (and `Option<Stamp>` of a
/// [`Stamp`](crate::Stamp)). The order, the hash and every form stay those of the
/// packed value; reading it back is one subtraction. The value chosen is the one no
/// clock can lose: it lies above [`MAX_ISSUED`](Self::MAX_ISSUED), so no
/// [`Hlc`](crate::Hlc) ever issued it. Every decoder refuses it with a typed error:
/// [`from_u64`](Self::from_u64), [`TryFrom<u64>`](TryFrom),
/// [`from_be_bytes`](Self::from_be_bytes), serde and
/// [`Stamp::from_be_bytes`](crate::Stamp::from_be_bytes) with
/// [`TimestampError::Excluded`], [`FromStr`] (text
/// `2112-09-17T23:53:47.370495Z/4095`) with [`ParseTimestampError::Excluded`]; nothing
/// maps it silently to a neighbour. [`Timestamp::MAX`] is therefore
/// `(MAX_PHYSICAL, MAX_LOGICAL − 1)`.
///
/// # Wire and text forms
///
/// [`to_be_bytes`](Self::to_be_bytes) gives a fixed 8-byte big-endian form whose
/// byte-wise order is the timestamp order. [`Display`](fmt::Display) prints an RFC 3339
/// UTC time with microseconds followed by `/` and the logical count, for example
/// `2024-05-01T12:00:00.000250Z/3`; [`FromStr`] parses that form back, and also takes
/// other systems' precisions: no fractional part, or 1 to 9 fractional digits (digits
/// beyond the microsecond are dropped, rounding down, so the order is kept). Everything
/// else is strict: the date and time fields, `Z`, and a logical count without sign or
/// leading zero.
///
/// # Examples
///
/// ```
/// use ward_hlc::Timestamp;
///
/// let ts = Timestamp::new(1_714_564_800_000_250, 3)?;
/// assert_eq!(ts.physical(), 1_714_564_800_000_250);
/// assert_eq!(ts.logical(), 3);
/// assert_eq!(ts.to_string(), "2024-05-01T12:00:00.000250Z/3");
/// assert_eq!("2024-05-01T12:00:00.000250Z/3".parse::<Timestamp>()?, ts);
/// assert_eq!(Timestamp::from_be_bytes(ts.to_be_bytes())?, ts);
/// assert_eq!(size_of::<Option<Timestamp>>(), 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// The packed value plus one: the derived order and hash are the packed value's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(NonZeroU64);

impl Timestamp {
    /// The smallest timestamp: the Unix epoch with logical count 0.
    pub const MIN: Timestamp = Timestamp(NonZeroU64::MIN);

    /// The largest timestamp: [`MAX_PHYSICAL`] with logical count `MAX_LOGICAL − 1`
    /// (4094), packed `u64::MAX − 1`: the next value, `u64::MAX`, is
    /// [`EXCLUDED_U64`](Self::EXCLUDED_U64).
    ///
    /// It is a valid value (a peer may send it, a decoder accepts it), but no
    /// [`Hlc`](crate::Hlc) ever issues it: see [`MAX_ISSUED`](Self::MAX_ISSUED).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, MAX_LOGICAL, MAX_PHYSICAL};
    ///
    /// assert_eq!(Timestamp::MAX, Timestamp::new(MAX_PHYSICAL, MAX_LOGICAL - 1)?);
    /// assert_eq!(Timestamp::MAX.as_u64(), u64::MAX - 1);
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    pub const MAX: Timestamp = Timestamp(NonZeroU64::MAX);

    /// The one packed value that is not a timestamp: `u64::MAX`, the pair
    /// `(MAX_PHYSICAL, MAX_LOGICAL)`. Left out so that `Option<Timestamp>` is 8 bytes
    /// (see [the type's docs](Timestamp)); every decoder refuses it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, TimestampError};
    ///
    /// assert_eq!(Timestamp::EXCLUDED_U64, u64::MAX);
    /// assert_eq!(Timestamp::from_u64(Timestamp::EXCLUDED_U64), Err(TimestampError::Excluded));
    /// ```
    pub const EXCLUDED_U64: u64 = u64::MAX;

    /// The largest timestamp an [`Hlc`](crate::Hlc) issues:
    /// `(MAX_PHYSICAL − 2^20, MAX_LOGICAL)`, 2112-09-17T23:53:46.321919Z/4095.
    ///
    /// The last 2^20 µs (about one second) of the range are never issued. They are the
    /// margin that lets [`Hlc::now`](crate::Hlc::now) issue with one atomic increment:
    /// threads that raced a move of the clock to the end of the range can each push the
    /// internal state at most one step past the limit, and no number of threads can
    /// reach the 2^32 steps that would wrap it. An event whose result would be above
    /// `MAX_ISSUED` fails with [`ClockError::Exhausted`](crate::ClockError::Exhausted).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp, MAX_LOGICAL, MAX_PHYSICAL};
    ///
    /// assert_eq!(Timestamp::MAX_ISSUED, Timestamp::new(MAX_PHYSICAL - (1 << 20), MAX_LOGICAL)?);
    /// let hlc = Hlc::builder(ManualClock::new(0)).with_max_drift(None).build();
    /// let before = Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 1)?;
    /// assert_eq!(hlc.receive(before)?, Timestamp::MAX_ISSUED);
    /// assert!(hlc.now().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const MAX_ISSUED: Timestamp = Timestamp::from_raw(u64::MAX - (1 << 32));

    /// A timestamp from a packed value the caller knows is not
    /// [`EXCLUDED_U64`](Self::EXCLUDED_U64) (the clock's values, all below the limit).
    /// Total for speed on the hot path: the excluded value would saturate to
    /// [`MAX`](Self::MAX), which no caller passes.
    #[inline]
    pub(crate) const fn from_raw(packed: u64) -> Timestamp {
        debug_assert!(packed != Timestamp::EXCLUDED_U64);
        Timestamp(NonZeroU64::MIN.saturating_add(packed))
    }

    /// Builds a timestamp from physical microseconds since the Unix epoch and a logical
    /// count.
    ///
    /// # Errors
    ///
    /// [`TimestampError::PhysicalOutOfRange`] if `physical > MAX_PHYSICAL`,
    /// [`TimestampError::LogicalOutOfRange`] if `logical > MAX_LOGICAL`,
    /// [`TimestampError::Excluded`] for `(MAX_PHYSICAL, MAX_LOGICAL)`, the one pair left
    /// out of the range.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, TimestampError, MAX_LOGICAL, MAX_PHYSICAL};
    ///
    /// assert!(Timestamp::new(10, MAX_LOGICAL).is_ok());
    /// assert!(Timestamp::new(10, MAX_LOGICAL + 1).is_err());
    /// assert_eq!(Timestamp::new(MAX_PHYSICAL, MAX_LOGICAL), Err(TimestampError::Excluded));
    /// ```
    pub const fn new(physical: u64, logical: u16) -> Result<Timestamp, TimestampError> {
        if physical > MAX_PHYSICAL {
            return Err(TimestampError::PhysicalOutOfRange { micros: physical });
        }
        if logical > MAX_LOGICAL {
            return Err(TimestampError::LogicalOutOfRange { value: logical });
        }
        Timestamp::from_u64((physical << LOGICAL_BITS) | logical as u64)
    }

    /// Builds a timestamp from its packed `u64` form.
    ///
    /// # Errors
    ///
    /// [`TimestampError::Excluded`] for `u64::MAX` ([`EXCLUDED_U64`](Self::EXCLUDED_U64)),
    /// the one value that is not a timestamp; every other `u64` is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, TimestampError};
    ///
    /// let ts = Timestamp::from_u64((7 << 12) | 2)?;
    /// assert_eq!((ts.physical(), ts.logical()), (7, 2));
    /// assert_eq!(Timestamp::from_u64(u64::MAX - 1)?, Timestamp::MAX);
    /// assert_eq!(Timestamp::from_u64(u64::MAX), Err(TimestampError::Excluded));
    /// # Ok::<(), TimestampError>(())
    /// ```
    #[inline]
    pub const fn from_u64(packed: u64) -> Result<Timestamp, TimestampError> {
        match NonZeroU64::new(packed.wrapping_add(1)) {
            Some(stored) => Ok(Timestamp(stored)),
            None => Err(TimestampError::Excluded),
        }
    }

    /// Returns the packed `u64` form.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(1, 1)?.as_u64(), 4097);
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    #[inline]
    pub const fn as_u64(self) -> u64 {
        self.0.get() - 1
    }

    /// Returns the physical part: microseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(42, 0)?.physical(), 42);
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    #[inline]
    pub const fn physical(self) -> u64 {
        self.as_u64() >> LOGICAL_BITS
    }

    /// Returns the logical counter.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(42, 9)?.logical(), 9);
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    #[inline]
    pub const fn logical(self) -> u16 {
        // The mask keeps 12 bits, so the value always fits.
        (self.as_u64() & LOGICAL_MASK) as u16
    }

    /// Returns the physical part as a [`Duration`] since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(1_500_000, 0)?.to_duration(), Duration::from_micros(1_500_000));
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    pub const fn to_duration(self) -> Duration {
        Duration::from_micros(self.physical())
    }

    /// This timestamp moved `d` later in physical time, logical count kept; `None` if
    /// the physical part would pass [`MAX_PHYSICAL`] or the result would be the
    /// left-out `(MAX_PHYSICAL, MAX_LOGICAL)`. Whole microseconds of `d` count.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{Timestamp, MAX_LOGICAL, MAX_PHYSICAL};
    ///
    /// let ts = Timestamp::new(1_000, 3)?;
    /// assert_eq!(ts.checked_add(Duration::from_millis(1)), Some(Timestamp::new(2_000, 3)?));
    /// assert_eq!(Timestamp::new(MAX_PHYSICAL, 0)?.checked_add(Duration::from_micros(1)), None);
    /// let last_count = Timestamp::new(MAX_PHYSICAL - 1, MAX_LOGICAL)?;
    /// assert_eq!(last_count.checked_add(Duration::from_micros(1)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn checked_add(self, d: Duration) -> Option<Timestamp> {
        let Some(physical) = self.physical().checked_add(micros_of(d)) else {
            return None;
        };
        if physical > MAX_PHYSICAL {
            return None;
        }
        match Timestamp::from_u64((physical << LOGICAL_BITS) | (self.as_u64() & LOGICAL_MASK)) {
            Ok(ts) => Some(ts),
            Err(_) => None,
        }
    }

    /// This timestamp moved `d` earlier in physical time, logical count kept; `None`
    /// before the epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::Timestamp;
    ///
    /// let ts = Timestamp::new(1_000, 3)?;
    /// assert_eq!(ts.checked_sub(Duration::from_micros(1_000)), Some(Timestamp::new(0, 3)?));
    /// assert_eq!(ts.checked_sub(Duration::from_micros(1_001)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn checked_sub(self, d: Duration) -> Option<Timestamp> {
        let Some(physical) = self.physical().checked_sub(micros_of(d)) else {
            return None;
        };
        // At most this timestamp's own packed value, so never the excluded one.
        Some(Timestamp::from_raw(
            (physical << LOGICAL_BITS) | (self.as_u64() & LOGICAL_MASK),
        ))
    }

    /// [`checked_add`](Self::checked_add), saturating at [`Timestamp::MAX`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(5, 1)?.saturating_add(Duration::MAX), Timestamp::MAX);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn saturating_add(self, d: Duration) -> Timestamp {
        match self.checked_add(d) {
            Some(ts) => ts,
            None => Timestamp::MAX,
        }
    }

    /// [`checked_sub`](Self::checked_sub), saturating at [`Timestamp::MIN`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(5, 1)?.saturating_sub(Duration::from_secs(1)), Timestamp::MIN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn saturating_sub(self, d: Duration) -> Timestamp {
        match self.checked_sub(d) {
            Some(ts) => ts,
            None => Timestamp::MIN,
        }
    }

    /// The next timestamp in the order (logical count plus one, carrying into the
    /// physical part), or [`Timestamp::MAX`] itself at the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, MAX_LOGICAL};
    ///
    /// assert_eq!(Timestamp::new(5, 1)?.saturating_next(), Timestamp::new(5, 2)?);
    /// assert_eq!(Timestamp::new(5, MAX_LOGICAL)?.saturating_next(), Timestamp::new(6, 0)?);
    /// assert_eq!(Timestamp::MAX.saturating_next(), Timestamp::MAX);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn saturating_next(self) -> Timestamp {
        // The stored value saturates at `u64::MAX`, which is `Timestamp::MAX`.
        Timestamp(self.0.saturating_add(1))
    }

    /// The previous timestamp in the order, or [`Timestamp::MIN`] itself at the start.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, MAX_LOGICAL};
    ///
    /// assert_eq!(Timestamp::new(6, 0)?.saturating_prev(), Timestamp::new(5, MAX_LOGICAL)?);
    /// assert_eq!(Timestamp::MIN.saturating_prev(), Timestamp::MIN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn saturating_prev(self) -> Timestamp {
        Timestamp::from_raw(self.as_u64().saturating_sub(1))
    }

    /// Returns the fixed 8-byte big-endian wire form. Byte-wise comparison of two wire
    /// forms gives the same order as comparing the timestamps.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Timestamp;
    ///
    /// assert_eq!(Timestamp::new(0, 1)?.to_be_bytes(), [0, 0, 0, 0, 0, 0, 0, 1]);
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    #[inline]
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.as_u64().to_be_bytes()
    }

    /// Reads the 8-byte big-endian wire form.
    ///
    /// # Errors
    ///
    /// [`TimestampError::Excluded`] for eight `0xff` bytes (`u64::MAX`), the one value
    /// that is not a timestamp; every other 8-byte value is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Timestamp, TimestampError};
    ///
    /// assert_eq!(Timestamp::from_be_bytes([0, 0, 0, 0, 0, 0, 16, 2])?.logical(), 2);
    /// assert_eq!(Timestamp::from_be_bytes([0xff; 8]), Err(TimestampError::Excluded));
    /// # Ok::<(), TimestampError>(())
    /// ```
    #[inline]
    pub const fn from_be_bytes(bytes: [u8; 8]) -> Result<Timestamp, TimestampError> {
        Timestamp::from_u64(u64::from_be_bytes(bytes))
    }
}

impl Default for Timestamp {
    /// [`Timestamp::MIN`], the Unix epoch with logical count 0.
    fn default() -> Timestamp {
        Timestamp::MIN
    }
}

impl From<Timestamp> for u64 {
    fn from(ts: Timestamp) -> u64 {
        ts.as_u64()
    }
}

/// [`Timestamp::from_u64`]: every `u64` but [`Timestamp::EXCLUDED_U64`].
impl TryFrom<u64> for Timestamp {
    type Error = TimestampError;

    fn try_from(packed: u64) -> Result<Timestamp, TimestampError> {
        Timestamp::from_u64(packed)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_micros(f, self.physical())?;
        write!(f, "/{}", self.logical())
    }
}

/// Writes microseconds since the Unix epoch as RFC 3339 UTC with six fractional digits,
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (at most year 9999, which any `u64` of microseconds up
/// to [`MAX_PHYSICAL`] is).
pub(crate) fn write_micros(f: &mut fmt::Formatter<'_>, micros: u64) -> fmt::Result {
    let secs = micros / 1_000_000;
    let frac = micros % 1_000_000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    write!(
        f,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
    )
}

impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Timestamp, ParseTimestampError> {
        let mut p = Cursor {
            bytes: s.as_bytes(),
            at: 0,
        };
        let year = p.digits(4)?;
        p.expect(b'-')?;
        let month = p.digits(2)?;
        p.expect(b'-')?;
        let day = p.digits(2)?;
        p.expect(b'T')?;
        let hour = p.digits(2)?;
        p.expect(b':')?;
        let minute = p.digits(2)?;
        p.expect(b':')?;
        let second = p.digits(2)?;
        let frac = p.fraction()?;
        p.expect(b'Z')?;
        p.expect(b'/')?;
        let logical = p.number()?;
        if p.at != p.bytes.len() {
            return Err(ParseTimestampError::Malformed { at: p.at });
        }
        check_field("year", year, 1970, 9999)?;
        check_field("month", month, 1, 12)?;
        check_field("day", day, 1, days_in_month(year, month))?;
        check_field("hour", hour, 0, 23)?;
        check_field("minute", minute, 0, 59)?;
        check_field("second", second, 0, 59)?;
        let days = days_from_civil(year, month, day);
        // At most year 9999, so this cannot overflow a u64.
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
        let micros = secs * 1_000_000 + frac;
        if micros > MAX_PHYSICAL {
            return Err(ParseTimestampError::PhysicalOutOfRange { micros });
        }
        if logical > u64::from(MAX_LOGICAL) {
            return Err(ParseTimestampError::LogicalOutOfRange { value: logical });
        }
        Timestamp::from_u64((micros << LOGICAL_BITS) | logical)
            .map_err(|_| ParseTimestampError::Excluded)
    }
}

/// A timestamp could not be built from its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The physical time is beyond [`MAX_PHYSICAL`].
    #[error("physical time {micros} µs is beyond the largest representable {MAX_PHYSICAL} µs")]
    PhysicalOutOfRange {
        /// The physical time given, in microseconds since the Unix epoch.
        micros: u64,
    },
    /// The logical count is beyond [`MAX_LOGICAL`].
    #[error("logical count {value} is beyond the largest representable {MAX_LOGICAL}")]
    LogicalOutOfRange {
        /// The logical count given.
        value: u16,
    },
    /// The packed value is `u64::MAX` ([`Timestamp::EXCLUDED_U64`]), the pair
    /// `(MAX_PHYSICAL, MAX_LOGICAL)`: the one value left out of the range so that
    /// `Option<Timestamp>` is 8 bytes.
    #[error(
        "packed value {} (physical {MAX_PHYSICAL} µs, logical count {MAX_LOGICAL}) is the one value left out of the timestamp range",
        u64::MAX
    )]
    Excluded,
}

/// A string is not a timestamp in the form printed by [`Timestamp`]'s `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseTimestampError {
    /// The text does not have the shape `YYYY-MM-DDTHH:MM:SS[.f]Z/L` (1 to 9 fractional
    /// digits).
    #[error("malformed timestamp at byte {at}, expected YYYY-MM-DDTHH:MM:SS.ffffffZ/L")]
    Malformed {
        /// Byte offset of the first character that does not fit.
        at: usize,
    },
    /// A calendar or clock field is outside its range.
    #[error("{field} {value} is outside {min}..={max}")]
    FieldOutOfRange {
        /// The field's name (`year`, `month`, `day`, `hour`, `minute` or `second`).
        field: &'static str,
        /// The value read.
        value: u64,
        /// The smallest accepted value.
        min: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// The time is valid but later than [`MAX_PHYSICAL`].
    #[error("physical time {micros} µs is beyond the largest representable {MAX_PHYSICAL} µs")]
    PhysicalOutOfRange {
        /// The physical time read, in microseconds since the Unix epoch.
        micros: u64,
    },
    /// The logical count is larger than [`MAX_LOGICAL`].
    #[error("logical count {value} is beyond the largest representable {MAX_LOGICAL}")]
    LogicalOutOfRange {
        /// The logical count read.
        value: u64,
    },
    /// The text is `2112-09-17T23:53:47.370495Z/4095`, `(MAX_PHYSICAL, MAX_LOGICAL)`:
    /// the one value left out of the range (see [`TimestampError::Excluded`]).
    #[error(
        "physical {MAX_PHYSICAL} µs with logical count {MAX_LOGICAL} is the one value left out of the timestamp range"
    )]
    Excluded,
}

fn check_field(
    field: &'static str,
    value: u64,
    min: u64,
    max: u64,
) -> Result<(), ParseTimestampError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ParseTimestampError::FieldOutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn expect(&mut self, byte: u8) -> Result<(), ParseTimestampError> {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(ParseTimestampError::Malformed { at: self.at })
        }
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Result<u64, ParseTimestampError> {
        let mut value = 0u64;
        for _ in 0..n {
            match self.bytes.get(self.at) {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u64::from(b - b'0');
                    self.at += 1;
                }
                _ => return Err(ParseTimestampError::Malformed { at: self.at }),
            }
        }
        Ok(value)
    }

    /// An optional fraction of a second: `.` and 1 to 9 digits, in microseconds (digits
    /// past the sixth are dropped); none is 0.
    fn fraction(&mut self) -> Result<u64, ParseTimestampError> {
        if self.bytes.get(self.at) != Some(&b'.') {
            return Ok(0);
        }
        self.at += 1;
        let start = self.at;
        let mut micros = 0u64;
        while let Some(b) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            let n = self.at - start;
            if n == 9 {
                return Err(ParseTimestampError::Malformed { at: self.at });
            }
            if n < 6 {
                micros = micros * 10 + u64::from(b - b'0');
            }
            self.at += 1;
        }
        let n = self.at - start;
        if n == 0 {
            return Err(ParseTimestampError::Malformed { at: self.at });
        }
        // Fewer than six digits: scale up to microseconds.
        for _ in n..6 {
            micros *= 10;
        }
        Ok(micros)
    }

    /// One to five ASCII digits in canonical form: no sign, no leading zero (except `0`).
    fn number(&mut self) -> Result<u64, ParseTimestampError> {
        let start = self.at;
        if self.bytes.get(start) == Some(&b'0')
            && self.bytes.get(start + 1).is_some_and(u8::is_ascii_digit)
        {
            return Err(ParseTimestampError::Malformed { at: start });
        }
        let mut value = 0u64;
        while let Some(b) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            if self.at - start == 5 {
                return Err(ParseTimestampError::Malformed { at: self.at });
            }
            value = value * 10 + u64::from(b - b'0');
            self.at += 1;
        }
        if self.at == start {
            return Err(ParseTimestampError::Malformed { at: self.at });
        }
        Ok(value)
    }
}

const fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

const fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date with `year >= 1970`.
///
/// Counts from 0000-03-01 in 400-year eras (146 097 days each), so that the leap day is
/// the last day of the counted year.
const fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719 468 days lie between 0000-03-01 and 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
const fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::Timestamp;
    use serde::de::{Error, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Human-readable formats get the text form, binary formats the packed `u64`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl Serialize for Timestamp {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            if serializer.is_human_readable() {
                serializer.collect_str(self)
            } else {
                serializer.serialize_u64(self.as_u64())
            }
        }
    }

    /// Decodes the form the format uses: text when human-readable, the packed `u64`
    /// otherwise. The error names only that form.
    struct TimestampVisitor {
        human_readable: bool,
    }

    impl Visitor<'_> for TimestampVisitor {
        type Value = Timestamp;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            if self.human_readable {
                f.write_str("a timestamp string YYYY-MM-DDTHH:MM:SS.ffffffZ/L")
            } else {
                f.write_str("a timestamp as a packed u64")
            }
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<Timestamp, E> {
            Timestamp::from_u64(v).map_err(E::custom)
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Timestamp, E> {
            v.parse().map_err(E::custom)
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de> Deserialize<'de> for Timestamp {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
            if deserializer.is_human_readable() {
                deserializer.deserialize_str(TimestampVisitor {
                    human_readable: true,
                })
            } else {
                deserializer.deserialize_u64(TimestampVisitor {
                    human_readable: false,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(not(feature = "std"))]
    extern crate std;

    use super::*;
    use std::string::ToString;

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        let last_day = MAX_PHYSICAL / 1_000_000 / 86_400;
        let mut expected = (1970, 1, 1);
        for days in 0..=last_day {
            let got = civil_from_days(days);
            assert_eq!(got, expected, "day {days}");
            assert_eq!(days_from_civil(got.0, got.1, got.2), days);
            // Step the expected date by one day, by hand.
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn layout_meets_the_requirements() {
        let max = Timestamp::MAX;
        // At least 4096 logical values per tick (all but the last one of the range).
        assert!(u32::from(max.logical()) + 2 >= 4096);
        // Resolution: one physical tick is one microsecond.
        let one_tick = Timestamp::new(1, 0).map(Timestamp::to_duration);
        assert_eq!(one_tick, Ok(Duration::from_micros(1)));
        // Range reaches past 2100-01-01 (4 102 444 800 s after the epoch).
        assert!(max.physical() / 1_000_000 > 4_102_444_800);
        assert_eq!(max.to_string(), "2112-09-17T23:53:47.370495Z/4094");
    }
}
