//! Uncertainty intervals and commit-wait: a clock reading as `[earliest, latest]`.

use core::fmt;
use core::time::Duration;

use crate::clock::{PhysicalClock, micros_of};
use crate::timestamp::{MAX_PHYSICAL, Timestamp, write_micros};

/// The largest error bound accepted, from [`FixedBound::new`] or from any
/// [`ErrorBound`] source: one hour. A source reporting more is refused with
/// [`IntervalError::InvalidBound`] rather than trusted.
pub const MAX_ERROR_BOUND: Duration = Duration::from_secs(3600);

/// How long [`UncertainClock::commit_wait_with`] sleeps in total, unless
/// [`UncertainClock::with_max_wait`] says otherwise: one second.
pub const DEFAULT_MAX_COMMIT_WAIT: Duration = Duration::from_secs(1);

/// A source of the clock's error bound: the true time lies within `± bound` of the
/// physical clock's reading.
///
/// [`FixedBound`] is a configured bound. A platform that measures its clock's error
/// (AWS ClockBound's daemon, a PTP or NTP client's estimated error) implements this
/// trait to supply a bound that follows the clock's synchronization; a source that
/// cannot tell (the daemon is unreachable, the clock is not synchronized) returns a
/// [`BoundError`], and the reading fails instead of guessing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{BoundError, ErrorBound, ManualClock, UncertainClock};
///
/// /// A bound read from a platform daemon, here a fixed figure or "not synchronized".
/// struct Daemon(Option<Duration>);
///
/// impl ErrorBound for Daemon {
///     fn error_bound(&self) -> Result<Duration, BoundError> {
///         self.0.ok_or(BoundError::Unsynchronized)
///     }
/// }
///
/// let clock = ManualClock::new(1_000_000);
/// let synced = UncertainClock::new(&clock, Daemon(Some(Duration::from_micros(250))));
/// assert_eq!(synced.now()?.earliest(), 999_750);
/// let lost = UncertainClock::new(&clock, Daemon(None));
/// assert!(lost.now().is_err());
/// # Ok::<(), ward_hlc::IntervalError>(())
/// ```
pub trait ErrorBound {
    /// The current bound on the distance between the physical clock and true time.
    ///
    /// # Errors
    ///
    /// A [`BoundError`] when the source cannot give a bound now.
    fn error_bound(&self) -> Result<Duration, BoundError>;
}

impl<B: ErrorBound + ?Sized> ErrorBound for &B {
    #[inline]
    fn error_bound(&self) -> Result<Duration, BoundError> {
        (**self).error_bound()
    }
}

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
impl<B: ErrorBound + ?Sized> ErrorBound for alloc::sync::Arc<B> {
    #[inline]
    fn error_bound(&self) -> Result<Duration, BoundError> {
        (**self).error_bound()
    }
}

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
impl<B: ErrorBound + ?Sized> ErrorBound for alloc::boxed::Box<B> {
    #[inline]
    fn error_bound(&self) -> Result<Duration, BoundError> {
        (**self).error_bound()
    }
}

/// A source of the error bound could not give one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum BoundError {
    /// The source could not be read (a daemon that does not answer, a shared page that
    /// is not there).
    #[error("the error bound source is unavailable")]
    Unavailable,
    /// The source answered that the clock is not synchronized: no bound holds.
    #[error("the clock is not synchronized, so no error bound holds")]
    Unsynchronized,
}

/// A configured error bound: the physical clock is trusted to be within `± bound` of
/// true time. Whole microseconds, rounded up (rounding down could leave true time
/// outside the interval).
///
/// With the `serde` feature it is `{"micros": n}`, validated on decode.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{ErrorBound, FixedBound};
///
/// let bound = FixedBound::new(Duration::from_millis(7))?;
/// assert_eq!(bound.bound(), Duration::from_millis(7));
/// assert_eq!(FixedBound::new(Duration::from_nanos(1_500))?.bound(), Duration::from_micros(2));
/// assert!(FixedBound::new(Duration::ZERO).is_err());
/// assert_eq!(bound.error_bound(), Ok(Duration::from_millis(7)));
/// # Ok::<(), ward_hlc::IntervalError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "raw::FixedBoundRaw"))]
#[cfg_attr(feature = "serde", serde(into = "raw::FixedBoundRaw"))]
pub struct FixedBound {
    micros: u64,
}

impl FixedBound {
    /// A bound of `bound`, rounded up to whole microseconds.
    ///
    /// # Errors
    ///
    /// [`IntervalError::InvalidBound`] unless `bound` lies in 1 µs (after rounding up,
    /// so any non-zero bound) ..= [`MAX_ERROR_BOUND`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, IntervalError};
    ///
    /// assert!(FixedBound::new(Duration::from_millis(5)).is_ok());
    /// assert!(matches!(
    ///     FixedBound::new(Duration::from_secs(7200)),
    ///     Err(IntervalError::InvalidBound { .. })
    /// ));
    /// ```
    pub fn new(bound: Duration) -> Result<FixedBound, IntervalError> {
        Ok(FixedBound {
            micros: checked_bound_micros(bound)?,
        })
    }

    /// The bound, in whole microseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::FixedBound;
    ///
    /// assert_eq!(FixedBound::new(Duration::from_micros(9))?.bound(), Duration::from_micros(9));
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn bound(&self) -> Duration {
        Duration::from_micros(self.micros)
    }
}

impl ErrorBound for FixedBound {
    #[inline]
    fn error_bound(&self) -> Result<Duration, BoundError> {
        Ok(Duration::from_micros(self.micros))
    }
}

/// A bound in whole microseconds, rounded up, checked against 1 µs..=MAX_ERROR_BOUND.
fn checked_bound_micros(bound: Duration) -> Result<u64, IntervalError> {
    let rounded_up = bound.as_nanos().div_ceil(1_000);
    match u64::try_from(rounded_up) {
        Ok(micros) if (1..=micros_of(MAX_ERROR_BOUND)).contains(&micros) => Ok(micros),
        _ => Err(IntervalError::InvalidBound {
            bound,
            min: Duration::from_micros(1),
            max: MAX_ERROR_BOUND,
        }),
    }
}

/// A clock reading with its uncertainty: true time lies in `[earliest, latest]`,
/// microseconds since the Unix epoch, both ends included (TrueTime's `TTinterval`).
///
/// With the `serde` feature it is `{"earliest": µs, "latest": µs}`; decoding refuses
/// unknown fields, `earliest > latest` and ends beyond [`MAX_PHYSICAL`].
///
/// # Examples
///
/// ```
/// use ward_hlc::{Interval, Timestamp};
///
/// let iv = Interval::new(1_000, 1_020)?;
/// assert!(iv.contains(1_010));
/// assert!(iv.has_passed(Timestamp::new(999, 4)?));
/// assert!(iv.is_before(Timestamp::new(1_021, 0)?));
/// assert!(!iv.has_passed(Timestamp::new(1_000, 0)?), "the earliest instant may be 1 000 µs");
/// assert_eq!(iv.to_string(), "[1970-01-01T00:00:00.001000Z, 1970-01-01T00:00:00.001020Z]");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "raw::IntervalRaw"))]
#[cfg_attr(feature = "serde", serde(into = "raw::IntervalRaw"))]
pub struct Interval {
    earliest: u64,
    latest: u64,
}

impl Interval {
    /// The interval `[earliest, latest]`, in microseconds since the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`IntervalError::Inverted`] when `earliest > latest`,
    /// [`IntervalError::PhysicalOutOfRange`] when `latest > MAX_PHYSICAL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Interval, IntervalError};
    ///
    /// assert_eq!(Interval::new(5, 5)?.width(), std::time::Duration::ZERO);
    /// assert_eq!(
    ///     Interval::new(6, 5),
    ///     Err(IntervalError::Inverted { earliest: 6, latest: 5 })
    /// );
    /// # Ok::<(), IntervalError>(())
    /// ```
    pub fn new(earliest: u64, latest: u64) -> Result<Interval, IntervalError> {
        if earliest > latest {
            return Err(IntervalError::Inverted { earliest, latest });
        }
        if latest > MAX_PHYSICAL {
            return Err(IntervalError::PhysicalOutOfRange { micros: latest });
        }
        Ok(Interval { earliest, latest })
    }

    /// The earliest instant true time may be, in microseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Interval;
    ///
    /// assert_eq!(Interval::new(3, 8)?.earliest(), 3);
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn earliest(&self) -> u64 {
        self.earliest
    }

    /// The latest instant true time may be, in microseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Interval;
    ///
    /// assert_eq!(Interval::new(3, 8)?.latest(), 8);
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn latest(&self) -> u64 {
        self.latest
    }

    /// `latest − earliest`: twice the error bound, less what the epoch cut off.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::Interval;
    ///
    /// assert_eq!(Interval::new(3, 8)?.width(), Duration::from_micros(5));
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn width(&self) -> Duration {
        Duration::from_micros(self.latest - self.earliest)
    }

    /// Whether `micros` (microseconds since the Unix epoch) lies in the interval, ends
    /// included.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Interval;
    ///
    /// let iv = Interval::new(3, 8)?;
    /// assert!(iv.contains(3) && iv.contains(8) && !iv.contains(9));
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn contains(&self, micros: u64) -> bool {
        self.earliest <= micros && micros <= self.latest
    }

    /// Whether the timestamp's physical time has certainly passed: `earliest` is later
    /// than it (TrueTime's `after`). This is the condition commit-wait waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Interval, Timestamp};
    ///
    /// let iv = Interval::new(10, 20)?;
    /// assert!(iv.has_passed(Timestamp::new(9, 4095)?));
    /// assert!(!iv.has_passed(Timestamp::new(10, 0)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_passed(&self, ts: Timestamp) -> bool {
        self.earliest > ts.physical()
    }

    /// Whether the timestamp's physical time has certainly not arrived: `latest` is
    /// earlier than it (TrueTime's `before`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Interval, Timestamp};
    ///
    /// let iv = Interval::new(10, 20)?;
    /// assert!(iv.is_before(Timestamp::new(21, 0)?));
    /// assert!(!iv.is_before(Timestamp::new(20, 7)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_before(&self, ts: Timestamp) -> bool {
        self.latest < ts.physical()
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        write_micros(f, self.earliest)?;
        f.write_str(", ")?;
        write_micros(f, self.latest)?;
        f.write_str("]")
    }
}

/// How a [`UncertainClock::commit_wait_with`] ended: how long it slept and the reading that
/// showed the commit timestamp had passed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{FixedBound, ManualClock, Timestamp, UncertainClock};
///
/// let clock = ManualClock::new(1_000);
/// let tt = UncertainClock::new(&clock, FixedBound::new(Duration::from_micros(10))?);
/// let done = tt.commit_wait_with(Timestamp::new(1_000, 0)?, |d| clock.advance(d))?;
/// assert_eq!(done.waited, Duration::from_micros(11));
/// assert_eq!(done.reading.earliest(), 1_001);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CommitWait {
    /// The total of the sleeps asked for.
    pub waited: Duration,
    /// The last reading: its `earliest` is later than the commit timestamp.
    pub reading: Interval,
}

/// A physical clock read with its error bound: readings are [`Interval`]s, and
/// commit-wait holds a commit back until its timestamp has certainly passed.
///
/// This is the technique of Spanner's TrueTime (*Spanner: Google's Globally-Distributed
/// Database*, Corbett et al., 2012): a transaction that commits at timestamp `s` is
/// acknowledged only once `earliest > s` on the committing node, so any transaction
/// that starts after the acknowledgement, anywhere, reads a clock whose `latest` is past
/// `s` and takes a later timestamp (external consistency). The wait lasts about the
/// error bound when `s` was read from the same clock (`s ≈ pt`, then `pt' − ε > s`),
/// and twice it when `s` is the reading's `latest`, as in Spanner.
///
/// The bound comes from an [`ErrorBound`]: a configured [`FixedBound`], or a platform
/// source in the manner of AWS ClockBound. The guarantee holds only as far as the bound
/// does: a clock further from true time than its bound breaks it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{FixedBound, Hlc, ManualClock, UncertainClock};
///
/// let clock = ManualClock::new(5_000_000);
/// let hlc = Hlc::new(&clock);
/// let tt = UncertainClock::new(&clock, FixedBound::new(Duration::from_millis(2))?);
///
/// let commit = hlc.now()?;
/// assert_eq!(tt.remaining(commit)?, Duration::from_micros(2_001));
/// // A test sleeps by moving the manual clock; production uses `commit_wait`.
/// let done = tt.commit_wait_with(commit, |d| clock.advance(d))?;
/// assert!(done.reading.has_passed(commit));
/// assert_eq!(tt.remaining(commit)?, Duration::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct UncertainClock<C, B> {
    clock: C,
    bound: B,
    max_wait: Duration,
}

impl<C: PhysicalClock, B: ErrorBound> UncertainClock<C, B> {
    /// A clock over `clock` with error bounds from `bound`, and commit-waits of at most
    /// [`DEFAULT_MAX_COMMIT_WAIT`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, UncertainClock};
    ///
    /// let tt = UncertainClock::new(ManualClock::new(100), FixedBound::new(Duration::from_micros(5))?);
    /// assert_eq!((tt.now()?.earliest(), tt.now()?.latest()), (95, 105));
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn new(clock: C, bound: B) -> UncertainClock<C, B> {
        UncertainClock {
            clock,
            bound,
            max_wait: DEFAULT_MAX_COMMIT_WAIT,
        }
    }

    /// Sets the most a commit-wait sleeps in total before it gives up with
    /// [`IntervalError::WaitTooLong`]. Any duration is valid; `Duration::MAX` never
    /// gives up while the clock keeps moving.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, UncertainClock};
    ///
    /// let tt = UncertainClock::new(ManualClock::new(0), FixedBound::new(Duration::from_micros(5))?)
    ///     .with_max_wait(Duration::from_millis(50));
    /// assert_eq!(tt.max_wait(), Duration::from_millis(50));
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn with_max_wait(mut self, max_wait: Duration) -> UncertainClock<C, B> {
        self.max_wait = max_wait;
        self
    }

    /// The most a commit-wait sleeps in total.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, UncertainClock, DEFAULT_MAX_COMMIT_WAIT};
    ///
    /// let tt = UncertainClock::new(ManualClock::new(0), FixedBound::new(Duration::from_micros(5))?);
    /// assert_eq!(tt.max_wait(), DEFAULT_MAX_COMMIT_WAIT);
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// The physical clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, UncertainClock};
    ///
    /// let tt = UncertainClock::new(ManualClock::new(7), FixedBound::new(Duration::from_micros(1))?);
    /// assert_eq!(tt.clock().now_micros(), 7);
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The error bound source.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, UncertainClock};
    ///
    /// let bound = FixedBound::new(Duration::from_micros(3))?;
    /// let tt = UncertainClock::new(ManualClock::new(7), bound);
    /// assert_eq!(*tt.error_bound(), bound);
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    pub fn error_bound(&self) -> &B {
        &self.bound
    }

    /// Reads the clock as an interval: `[pt − ε, pt + ε]` with `ε` the current error
    /// bound (`earliest` stops at the epoch).
    ///
    /// # Errors
    ///
    /// - [`IntervalError::Bound`] when the bound source fails;
    /// - [`IntervalError::InvalidBound`] when it reports zero or more than
    ///   [`MAX_ERROR_BOUND`];
    /// - [`IntervalError::PhysicalOutOfRange`] when `pt + ε` is beyond
    ///   [`MAX_PHYSICAL`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, UncertainClock};
    ///
    /// let tt = UncertainClock::new(ManualClock::new(3), FixedBound::new(Duration::from_micros(5))?);
    /// let iv = tt.now()?;
    /// assert_eq!((iv.earliest(), iv.latest()), (0, 8));
    /// # Ok::<(), ward_hlc::IntervalError>(())
    /// ```
    #[inline]
    pub fn now(&self) -> Result<Interval, IntervalError> {
        let epsilon = match self.bound.error_bound() {
            Ok(bound) => checked_bound_micros(bound)?,
            Err(e) => {
                crate::trace::bound_failed(e);
                return Err(IntervalError::Bound(e));
            }
        };
        let pt = self.clock.now_micros();
        // Saturating: a reading near `u64::MAX` is out of range, not a wrap.
        let latest = pt.saturating_add(epsilon);
        if latest > MAX_PHYSICAL {
            return Err(IntervalError::PhysicalOutOfRange { micros: latest });
        }
        Ok(Interval {
            earliest: pt.saturating_sub(epsilon),
            latest,
        })
    }

    /// How long a commit-wait for `commit` must still sleep: zero once a reading's
    /// `earliest` is later than `commit`'s physical time, otherwise the difference plus
    /// one microsecond. Never sleeps.
    ///
    /// # Errors
    ///
    /// As [`now`](Self::now).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, ManualClock, Timestamp, UncertainClock};
    ///
    /// let clock = ManualClock::new(1_000);
    /// let tt = UncertainClock::new(&clock, FixedBound::new(Duration::from_micros(10))?);
    /// let commit = Timestamp::new(1_000, 5)?;
    /// assert_eq!(tt.remaining(commit)?, Duration::from_micros(11));
    /// clock.set(1_011);
    /// assert_eq!(tt.remaining(commit)?, Duration::ZERO);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remaining(&self, commit: Timestamp) -> Result<Duration, IntervalError> {
        Ok(remaining_after(&self.now()?, commit))
    }

    /// Commit-wait: returns once a reading's `earliest` is later than `commit`'s
    /// physical time, calling `sleep` with each remaining wait in between. The clock is
    /// read again after every sleep, so a sleep that ends early, a bound that grew or a
    /// clock stepped back only make it wait longer; it never returns early.
    ///
    /// `sleep` is injected so that a test can advance a [`ManualClock`](crate::ManualClock)
    /// instead of sleeping; `commit_wait` (with `std`) uses `std::thread::sleep`.
    ///
    /// # Errors
    ///
    /// - [`IntervalError::WaitTooLong`] before any sleep that would bring the total past
    ///   [`max_wait`](Self::max_wait) (a commit timestamp far ahead of this clock);
    /// - the errors of [`now`](Self::now).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, IntervalError, ManualClock, Timestamp, UncertainClock};
    ///
    /// let clock = ManualClock::new(1_000);
    /// let tt = UncertainClock::new(&clock, FixedBound::new(Duration::from_micros(10))?)
    ///     .with_max_wait(Duration::from_millis(1));
    /// let done = tt.commit_wait_with(Timestamp::new(1_005, 0)?, |d| clock.advance(d))?;
    /// assert_eq!(done.waited, Duration::from_micros(16));
    /// assert_eq!(clock.now_micros(), 1_016);
    ///
    /// let far = Timestamp::new(1_016 + 5_000, 0)?;
    /// assert!(matches!(
    ///     tt.commit_wait_with(far, |d| clock.advance(d)),
    ///     Err(IntervalError::WaitTooLong { .. })
    /// ));
    /// assert_eq!(clock.now_micros(), 1_016, "nothing slept");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn commit_wait_with(
        &self,
        commit: Timestamp,
        mut sleep: impl FnMut(Duration),
    ) -> Result<CommitWait, IntervalError> {
        let mut waited = Duration::ZERO;
        loop {
            let reading = self.now()?;
            let rest = remaining_after(&reading, commit);
            if rest.is_zero() {
                return Ok(CommitWait { waited, reading });
            }
            let needed = waited.saturating_add(rest);
            if needed > self.max_wait {
                return Err(IntervalError::WaitTooLong {
                    needed,
                    max: self.max_wait,
                });
            }
            sleep(rest);
            waited = needed;
        }
    }

    /// [`commit_wait_with`](Self::commit_wait_with) sleeping with
    /// [`std::thread::sleep`].
    ///
    /// # Errors
    ///
    /// As [`commit_wait_with`](Self::commit_wait_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{FixedBound, Hlc, SystemClock, UncertainClock};
    ///
    /// let tt = UncertainClock::new(SystemClock, FixedBound::new(Duration::from_micros(200))?);
    /// let commit = Hlc::new(SystemClock).now()?;
    /// let done = tt.commit_wait(commit)?;
    /// assert!(done.reading.has_passed(commit));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn commit_wait(&self, commit: Timestamp) -> Result<CommitWait, IntervalError> {
        self.commit_wait_with(commit, std::thread::sleep)
    }
}

/// The rest of a commit-wait after `reading`: zero once it has passed `commit`.
fn remaining_after(reading: &Interval, commit: Timestamp) -> Duration {
    if reading.has_passed(commit) {
        Duration::ZERO
    } else {
        Duration::from_micros(commit.physical() + 1 - reading.earliest)
    }
}

/// An uncertainty interval could not be read, built or waited on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntervalError {
    /// The error bound source failed.
    #[error("no error bound: {0}")]
    Bound(#[source] BoundError),
    /// An error bound (configured or reported by a source) is outside the accepted
    /// range: zero, or more than [`MAX_ERROR_BOUND`].
    #[error("error bound {bound:?} is outside {min:?}..={max:?}")]
    InvalidBound {
        /// The bound given.
        bound: Duration,
        /// The smallest accepted bound.
        min: Duration,
        /// The largest accepted bound.
        max: Duration,
    },
    /// The clock reading, or its latest end, is beyond [`MAX_PHYSICAL`].
    #[error("interval end {micros} µs is beyond the largest representable {MAX_PHYSICAL} µs")]
    PhysicalOutOfRange {
        /// The reading or latest end, in microseconds since the epoch.
        micros: u64,
    },
    /// An interval's earliest end is after its latest.
    #[error("interval earliest {earliest} µs is after its latest {latest} µs")]
    Inverted {
        /// The earliest end given, in microseconds since the epoch.
        earliest: u64,
        /// The latest end given, in microseconds since the epoch.
        latest: u64,
    },
    /// A commit-wait would sleep longer in total than its maximum; nothing more was
    /// slept.
    #[error("commit-wait needs {needed:?} in total, more than the maximum {max:?}")]
    WaitTooLong {
        /// The total the wait would have reached.
        needed: Duration,
        /// The configured maximum.
        max: Duration,
    },
}

#[cfg(feature = "serde")]
mod raw {
    //! The serde forms, validated on the way in.

    use super::{FixedBound, Interval, IntervalError, checked_bound_micros};
    use core::time::Duration;

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct FixedBoundRaw {
        micros: u64,
    }

    impl TryFrom<FixedBoundRaw> for FixedBound {
        type Error = IntervalError;

        fn try_from(raw: FixedBoundRaw) -> Result<FixedBound, IntervalError> {
            Ok(FixedBound {
                micros: checked_bound_micros(Duration::from_micros(raw.micros))?,
            })
        }
    }

    impl From<FixedBound> for FixedBoundRaw {
        fn from(b: FixedBound) -> FixedBoundRaw {
            FixedBoundRaw { micros: b.micros }
        }
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct IntervalRaw {
        earliest: u64,
        latest: u64,
    }

    impl TryFrom<IntervalRaw> for Interval {
        type Error = IntervalError;

        fn try_from(raw: IntervalRaw) -> Result<Interval, IntervalError> {
            Interval::new(raw.earliest, raw.latest)
        }
    }

    impl From<Interval> for IntervalRaw {
        fn from(iv: Interval) -> IntervalRaw {
            IntervalRaw {
                earliest: iv.earliest,
                latest: iv.latest,
            }
        }
    }
}
