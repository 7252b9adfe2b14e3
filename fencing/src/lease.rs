//! Leases with a drift margin, as liveness help for a holder: never a substitute for the fence.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

use crate::token::FencingToken;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A clock that never goes backwards, read as the time elapsed since a fixed, arbitrary
/// origin. Inject it so that lease logic is testable without sleeping.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{ManualClock, MonotonicClock};
///
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_millis(5));
/// assert_eq!(clock.now(), Duration::from_millis(5));
/// ```
pub trait MonotonicClock {
    /// The time elapsed since the clock's origin; never less than an earlier reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{ManualClock, MonotonicClock};
    ///
    /// let clock = ManualClock::new();
    /// let before = clock.now();
    /// clock.advance(Duration::from_micros(3));
    /// assert_eq!(clock.now() - before, Duration::from_micros(3));
    /// ```
    fn now(&self) -> Duration;
}

impl<C: MonotonicClock + ?Sized> MonotonicClock for &C {
    fn now(&self) -> Duration {
        (**self).now()
    }
}

/// The operating system's monotonic clock ([`std::time::Instant`]), measured from the moment
/// the clock was made.
///
/// # Examples
///
/// ```
/// use ward_fencing::{MonotonicClock, SystemClock};
///
/// let clock = SystemClock::new();
/// let a = clock.now();
/// assert!(clock.now() >= a);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
impl SystemClock {
    /// A clock whose origin is now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{MonotonicClock, SystemClock};
    ///
    /// assert!(SystemClock::new().now().as_secs() < 60);
    /// ```
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }
}

#[cfg(feature = "std")]
impl Default for SystemClock {
    /// Same as [`SystemClock::new`].
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl MonotonicClock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that moves only when told to, for tests and simulations (nanosecond resolution,
/// shared through `&`).
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{ManualClock, MonotonicClock};
///
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_secs(2));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(clock.now(), Duration::from_secs(3));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock reading zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{ManualClock, MonotonicClock};
    ///
    /// assert_eq!(ManualClock::new().now(), Duration::ZERO);
    /// ```
    pub const fn new() -> Self {
        Self {
            nanos: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward by `by`, saturating at `u64::MAX` nanoseconds (about 584
    /// years).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{ManualClock, MonotonicClock};
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_nanos(7));
    /// assert_eq!(clock.now().as_nanos(), 7);
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let mut current = self.nanos.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(by);
            match self.nanos.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }
}

impl MonotonicClock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

/// A lease held with a fencing token: tells the holder whether it may still act, with a
/// safety margin for clock drift.
///
/// **Liveness help only.** A lease lets a well-behaved holder stop on its own before its
/// lease runs out; it cannot stop a holder that is paused (garbage collection, swapping, a
/// stopped VM) between checking the lease and writing. Such a holder wakes up, its check
/// already passed, and writes with an expired lease. Only the storage-side fence
/// ([`FenceGuard`](crate::FenceGuard), [`Fenced`](crate::Fenced),
/// [`DurableFence`](crate::DurableFence)) refuses that write; always send the token with
/// every write.
///
/// # Timing
///
/// All instants are readings of the holder's [`MonotonicClock`]. `acquired_at` must be read
/// **before** the acquire (or renew) request is sent, so the lease the service granted began no
/// earlier than it. The holder may act while `now < acquired_at + duration - margin`. The
/// margin absorbs the rate difference between the holder's clock and the service's: with a
/// relative drift bound of ρ, a margin of at least `duration × ρ` is needed
/// ([`Lease::drift_margin`]), plus any allowance for the time a write may take to reach the
/// storage.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{FencingToken, Lease, ManualClock, MonotonicClock};
///
/// let clock = ManualClock::new();
/// let sent_at = clock.now(); // read before sending the request
/// let lease = Lease::new(
///     FencingToken::new(34).unwrap(),
///     sent_at,
///     Duration::from_secs(10),
///     Duration::from_secs(1),
/// )
/// .unwrap();
///
/// clock.advance(Duration::from_secs(8));
/// assert!(lease.may_act_on(&clock));
/// clock.advance(Duration::from_secs(1)); // 9 s: inside the margin
/// assert!(!lease.may_act_on(&clock));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Lease {
    token: FencingToken,
    acquired_at: Duration,
    duration: Duration,
    margin: Duration,
    safe_until: Duration,
}

impl Lease {
    /// A lease for `token` granted for `duration`, requested at `acquired_at`, acted upon only
    /// until `margin` before it ends.
    ///
    /// # Errors
    ///
    /// [`LeaseError::MarginNotBelowDuration`] if `margin >= duration` (the holder could never
    /// act); [`LeaseError::Overflow`] if `acquired_at + duration` overflows [`Duration`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease, LeaseError};
    ///
    /// let s = Duration::from_secs;
    /// let lease = Lease::new(FencingToken::MIN, s(100), s(10), s(2)).unwrap();
    /// assert_eq!(lease.safe_until(), s(108));
    /// assert!(matches!(
    ///     Lease::new(FencingToken::MIN, s(0), s(1), s(1)),
    ///     Err(LeaseError::MarginNotBelowDuration { .. })
    /// ));
    /// ```
    pub fn new(
        token: FencingToken,
        acquired_at: Duration,
        duration: Duration,
        margin: Duration,
    ) -> Result<Self, LeaseError> {
        if margin >= duration {
            return Err(LeaseError::MarginNotBelowDuration { margin, duration });
        }
        let expires = acquired_at
            .checked_add(duration)
            .ok_or(LeaseError::Overflow)?;
        Ok(Self {
            token,
            acquired_at,
            duration,
            margin,
            safe_until: expires - margin,
        })
    }

    /// The margin needed for a lease of `duration` when the holder's clock may run slower than
    /// the lease service's by up to `max_drift_ppm` parts per million, plus `extra` (for
    /// example the longest time a write takes to reach the storage). Rounded up to the
    /// nanosecond, saturating at [`Duration::MAX`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::Lease;
    ///
    /// // 200 ppm of 10 s is 2 ms.
    /// let margin = Lease::drift_margin(Duration::from_secs(10), 200, Duration::from_millis(50));
    /// assert_eq!(margin, Duration::from_millis(52));
    /// ```
    pub fn drift_margin(duration: Duration, max_drift_ppm: u32, extra: Duration) -> Duration {
        // `as_nanos` is below 2^95 and the rate below 2^32: the product fits in a u128.
        let nanos = duration.as_nanos() * u128::from(max_drift_ppm);
        let drift = nanos.div_ceil(1_000_000);
        let subsec = (drift % NANOS_PER_SEC) as u32; // below 10^9
        let drift = u64::try_from(drift / NANOS_PER_SEC)
            .map_or(Duration::MAX, |secs| Duration::new(secs, subsec));
        drift.saturating_add(extra)
    }

    /// Whether the holder may still act at clock reading `now`: `now` is before
    /// [`Lease::safe_until`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease};
    ///
    /// let s = Duration::from_secs;
    /// let lease = Lease::new(FencingToken::MIN, s(0), s(10), s(1)).unwrap();
    /// assert!(lease.may_act(s(5)));
    /// assert!(!lease.may_act(s(9)));
    /// ```
    pub fn may_act(&self, now: Duration) -> bool {
        now < self.safe_until
    }

    /// [`Lease::may_act`] at `clock`'s current reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let lease = Lease::new(FencingToken::MIN, Duration::ZERO, Duration::from_secs(1), Duration::ZERO).unwrap();
    /// assert!(lease.may_act_on(&clock));
    /// ```
    pub fn may_act_on(&self, clock: &impl MonotonicClock) -> bool {
        self.may_act(clock.now())
    }

    /// The time left to act at clock reading `now` (zero once the holder must stop).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease};
    ///
    /// let s = Duration::from_secs;
    /// let lease = Lease::new(FencingToken::MIN, s(0), s(10), s(1)).unwrap();
    /// assert_eq!(lease.remaining(s(4)), s(5));
    /// assert_eq!(lease.remaining(s(20)), Duration::ZERO);
    /// ```
    pub fn remaining(&self, now: Duration) -> Duration {
        self.safe_until.saturating_sub(now)
    }

    /// Renews the lease: the same token and duration, counted from `requested_at`, the clock
    /// reading taken before the renew request was sent. A reading older than the current
    /// `acquired_at` is ignored, so a late answer never shortens the lease.
    ///
    /// # Errors
    ///
    /// [`LeaseError::Overflow`] if `requested_at + duration` overflows; the lease is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease};
    ///
    /// let s = Duration::from_secs;
    /// let mut lease = Lease::new(FencingToken::MIN, s(0), s(10), s(1)).unwrap();
    /// lease.renew(s(6)).unwrap();
    /// assert_eq!(lease.safe_until(), s(15));
    /// ```
    pub fn renew(&mut self, requested_at: Duration) -> Result<(), LeaseError> {
        let acquired_at = self.acquired_at.max(requested_at);
        *self = Self::new(self.token, acquired_at, self.duration, self.margin)?;
        Ok(())
    }

    /// The fencing token to send with every write made under this lease.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease};
    ///
    /// let t = FencingToken::new(8).unwrap();
    /// let lease = Lease::new(t, Duration::ZERO, Duration::from_secs(1), Duration::ZERO).unwrap();
    /// assert_eq!(lease.token(), t);
    /// ```
    pub const fn token(&self) -> FencingToken {
        self.token
    }

    /// The clock reading after which the holder must not act: `acquired_at + duration -
    /// margin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease};
    ///
    /// let s = Duration::from_secs;
    /// let lease = Lease::new(FencingToken::MIN, s(1), s(3), s(1)).unwrap();
    /// assert_eq!(lease.safe_until(), s(3));
    /// ```
    pub const fn safe_until(&self) -> Duration {
        self.safe_until
    }

    /// The clock reading at which the lease nominally ends: `acquired_at + duration`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, Lease};
    ///
    /// let s = Duration::from_secs;
    /// let lease = Lease::new(FencingToken::MIN, s(1), s(3), s(1)).unwrap();
    /// assert_eq!(lease.expires_at(), s(4));
    /// ```
    pub fn expires_at(&self) -> Duration {
        self.safe_until + self.margin
    }
}

/// Why a lease could not be made.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{FencingToken, Lease};
///
/// let err = Lease::new(FencingToken::MIN, Duration::ZERO, Duration::from_secs(1), Duration::from_secs(2))
///     .unwrap_err();
/// assert_eq!(err.to_string(), "safety margin 2s is not below the lease duration 1s");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// The margin is at least the whole duration, so the holder could never act.
    #[error("safety margin {margin:?} is not below the lease duration {duration:?}")]
    MarginNotBelowDuration {
        /// The margin requested.
        margin: Duration,
        /// The lease duration.
        duration: Duration,
    },
    /// The lease's end is beyond what [`Duration`] can hold.
    #[error("lease end overflows the clock's range")]
    Overflow,
}

impl fmt::Display for Lease {
    /// `lease of token T until S` (clock readings).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lease of token {} until {:?}",
            self.token, self.safe_until
        )
    }
}
