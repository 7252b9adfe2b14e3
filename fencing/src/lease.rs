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

/// The operating system's monotonic clock ([`std::time::Instant`]), read as the time since
/// one origin shared by every `SystemClock` in the process (the first reading of any of
/// them), so readings of two `SystemClock`s are comparable.
///
/// # Suspend
///
/// On Linux (and Android) `Instant` is `CLOCK_MONOTONIC`, which **stops while the system is
/// suspended**: a holder whose machine sleeps for a minute in the middle of a ten-second
/// lease wakes up believing it has time left, while the lease service, whose clock kept
/// running, has long given the lock to someone else. Use [`BootClock`] there, which counts
/// the time spent suspended. (On macOS and Windows `Instant` already counts it.)
///
/// # Examples
///
/// ```
/// use ward_fencing::{MonotonicClock, SystemClock};
///
/// let (a, b) = (SystemClock::new(), SystemClock::new());
/// let first = a.now();
/// assert!(b.now() >= first); // one origin for every SystemClock
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct SystemClock {
    _private: (),
}

#[cfg(feature = "std")]
impl SystemClock {
    /// The process's monotonic clock.
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
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

#[cfg(feature = "std")]
impl MonotonicClock for SystemClock {
    fn now(&self) -> Duration {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let origin = *ORIGIN.get_or_init(std::time::Instant::now);
        origin.elapsed()
    }
}

/// The time since the machine booted, suspend included (`CLOCK_BOOTTIME`, Linux and
/// Android): the clock to run leases on when the holder's machine may be suspended.
///
/// [`SystemClock`] (`CLOCK_MONOTONIC` there) stops during suspend; this clock does not, so
/// a lease checked after a suspend has lost the time the machine slept. Read through
/// rustix's safe `clock_gettime` (the vDSO, no system call in the common case).
///
/// # Examples
///
/// ```
/// # #[cfg(any(target_os = "linux", target_os = "android"))] {
/// use ward_fencing::{BootClock, MonotonicClock};
///
/// let clock = BootClock::new();
/// let a = clock.now();
/// assert!(a > core::time::Duration::ZERO); // time since boot
/// assert!(clock.now() >= a);
/// # }
/// ```
#[cfg(all(feature = "std", any(target_os = "linux", target_os = "android")))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(feature = "std", any(target_os = "linux", target_os = "android"))))
)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BootClock {
    _private: (),
}

#[cfg(all(feature = "std", any(target_os = "linux", target_os = "android")))]
impl BootClock {
    /// The boot-time clock.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(target_os = "linux", target_os = "android"))] {
    /// use ward_fencing::{BootClock, MonotonicClock};
    ///
    /// assert!(BootClock::new().now().as_nanos() > 0);
    /// # }
    /// ```
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

#[cfg(all(feature = "std", any(target_os = "linux", target_os = "android")))]
impl MonotonicClock for BootClock {
    fn now(&self) -> Duration {
        let ts = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        // The kernel never reports negative boot time or nanoseconds outside 0..10^9.
        let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
        let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0).min(999_999_999);
        Duration::new(secs, nanos)
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

/// The margin needed for a lease of `duration` when the holder's clock may run slower than
/// the lease service's by up to `max_drift_ppm` parts per million, plus `extra` (for example
/// the longest time a write takes to reach the storage). Rounded up to the nanosecond,
/// saturating at [`Duration::MAX`].
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::drift_margin;
///
/// // 200 ppm of 10 s is 2 ms.
/// let margin = drift_margin(Duration::from_secs(10), 200, Duration::from_millis(50));
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

/// A lease request in flight: the reading of the holder's clock taken **before** the request
/// was sent, and the clock itself, which the granted [`Lease`] keeps.
///
/// The service's lease began no earlier than this reading, so counting the lease from it
/// never overestimates the time left. Start it, send the request, and turn the answer into a
/// [`Lease`] with [`LeaseRequest::granted`].
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
///
/// let clock = ManualClock::new();
/// let request = LeaseRequest::start(&clock); // read before sending
/// clock.advance(Duration::from_millis(40)); // the round trip
/// let lease = request
///     .granted(FencingToken::new(34).unwrap(), Duration::from_secs(10), Duration::from_secs(1))
///     .unwrap();
/// assert_eq!(lease.remaining(), Duration::from_millis(8_960));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct LeaseRequest<C> {
    clock: C,
    sent_at: Duration,
}

impl<C: MonotonicClock> LeaseRequest<C> {
    /// Reads `clock` now, before the request is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{LeaseRequest, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!(LeaseRequest::start(&clock).sent_at(), Duration::from_secs(3));
    /// ```
    pub fn start(clock: C) -> Self {
        let sent_at = clock.now();
        Self { clock, sent_at }
    }

    /// The clock reading taken when the request started.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{LeaseRequest, ManualClock};
    ///
    /// assert_eq!(LeaseRequest::start(ManualClock::new()).sent_at().as_nanos(), 0);
    /// ```
    pub const fn sent_at(&self) -> Duration {
        self.sent_at
    }

    /// The lease the service granted: `token`, for `ttl` counted from
    /// [`LeaseRequest::sent_at`], acted upon only until `margin` before it ends.
    ///
    /// # Errors
    ///
    /// [`LeaseError::Lost`] if `ttl` is zero (the service granted nothing);
    /// [`LeaseError::MarginNotBelowDuration`] if `margin >= ttl` (the holder could never
    /// act); [`LeaseError::Overflow`] if `sent_at + ttl` overflows [`Duration`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseError, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// let err = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(1), s(1)).unwrap_err();
    /// assert!(matches!(err, LeaseError::MarginNotBelowDuration { .. }));
    /// ```
    pub fn granted(
        self,
        token: FencingToken,
        ttl: Duration,
        margin: Duration,
    ) -> Result<Lease<C>, LeaseError> {
        let safe_until = safe_until(token, self.sent_at, ttl, margin)?;
        Ok(Lease {
            clock: self.clock,
            token,
            acquired_at: self.sent_at,
            ttl,
            margin,
            safe_until,
            lost: false,
        })
    }
}

/// `sent_at + ttl - margin`, checked.
fn safe_until(
    token: FencingToken,
    sent_at: Duration,
    ttl: Duration,
    margin: Duration,
) -> Result<Duration, LeaseError> {
    if ttl.is_zero() {
        return Err(LeaseError::Lost { token });
    }
    if margin >= ttl {
        return Err(LeaseError::MarginNotBelowDuration {
            margin,
            duration: ttl,
        });
    }
    let expires = sent_at.checked_add(ttl).ok_or(LeaseError::Overflow)?;
    Ok(expires - margin)
}

/// A renewal request in flight: the reading of the lease's own clock taken before the
/// keep-alive was sent. Made by [`Lease::start_renewal`], consumed by [`Lease::renew`].
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
///
/// let clock = ManualClock::new();
/// let lease = LeaseRequest::start(&clock)
///     .granted(FencingToken::MIN, Duration::from_secs(10), Duration::ZERO)
///     .unwrap();
/// clock.advance(Duration::from_secs(4));
/// assert_eq!(lease.start_renewal().sent_at(), Duration::from_secs(4));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Renewal {
    token: FencingToken,
    sent_at: Duration,
}

impl Renewal {
    /// The clock reading taken before the keep-alive was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, Duration::from_secs(1), Duration::ZERO).unwrap();
    /// assert_eq!(lease.start_renewal().sent_at(), Duration::ZERO);
    /// ```
    pub const fn sent_at(&self) -> Duration {
        self.sent_at
    }
}

/// A lease held with a fencing token, on the clock it was measured with: tells the holder
/// whether it may still act, with a safety margin for clock drift.
///
/// **Liveness help only.** A lease lets a well-behaved holder stop on its own before its
/// lease runs out; it cannot stop a holder that is paused (garbage collection, swapping, a
/// stopped VM) between checking the lease and writing. Such a holder wakes up, its check
/// already passed, and writes with an expired lease. Only the storage-side fence
/// ([`FenceGuard`](crate::FenceGuard), [`Fenced`], [`DurableFence`]) refuses that write;
/// always send the token with every write.
///
/// # Timing
///
/// A lease keeps its [`MonotonicClock`] (pass `&clock` to share one): every answer reads that
/// clock, so a lease is never checked against another clock with another origin. It is
/// counted from a reading taken **before** the request was sent ([`LeaseRequest`]), so the
/// lease the service granted began no earlier. The holder may act while
/// `now < acquired_at + ttl - margin`. The margin absorbs the rate difference between the
/// holder's clock and the service's: with a relative drift bound of ρ, a margin of at least
/// `ttl × ρ` is needed ([`drift_margin`]), plus any allowance for the time a write may take
/// to reach the storage. A reading earlier than `acquired_at` (a clock that stepped back) is
/// taken as `acquired_at`, so the lease never shows more than `ttl - margin` left.
///
/// Use [`BootClock`] on Linux where the machine may be suspended: [`SystemClock`] stops
/// during suspend there.
///
/// # Renewal
///
/// [`Lease::start_renewal`] reads the clock before the keep-alive is sent;
/// [`Lease::renew`] takes the TTL the service granted. A TTL of zero (etcd's answer for a
/// lease it no longer has) or a keep-alive sent after the safe period ended makes the lease
/// lost for good: it never acts again, and the holder must acquire a new lease, with a new
/// token.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
///
/// let s = Duration::from_secs;
/// let clock = ManualClock::new();
/// let lease = LeaseRequest::start(&clock) // read before sending the request
///     .granted(FencingToken::new(34).unwrap(), s(10), s(1))
///     .unwrap();
///
/// clock.advance(s(8));
/// assert!(lease.may_act());
/// clock.advance(s(1)); // 9 s: inside the margin
/// assert!(!lease.may_act());
/// ```
#[cfg_attr(feature = "std", doc = "[`Fenced`]: crate::Fenced")]
#[cfg_attr(feature = "std", doc = "[`DurableFence`]: crate::DurableFence")]
#[cfg_attr(feature = "std", doc = "[`SystemClock`]: crate::SystemClock")]
#[cfg_attr(
    not(feature = "std"),
    doc = "[`Fenced`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.Fenced.html"
)]
#[cfg_attr(
    not(feature = "std"),
    doc = "[`DurableFence`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableFence.html"
)]
#[cfg_attr(
    not(feature = "std"),
    doc = "[`SystemClock`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.SystemClock.html"
)]
#[cfg_attr(
    all(feature = "std", any(target_os = "linux", target_os = "android")),
    doc = "[`BootClock`]: crate::BootClock"
)]
#[cfg_attr(
    not(all(feature = "std", any(target_os = "linux", target_os = "android"))),
    doc = "[`BootClock`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.BootClock.html"
)]
#[derive(Clone, Copy, Debug)]
pub struct Lease<C> {
    clock: C,
    token: FencingToken,
    acquired_at: Duration,
    ttl: Duration,
    margin: Duration,
    safe_until: Duration,
    lost: bool,
}

impl<C: MonotonicClock> Lease<C> {
    /// The lease's clock, read now, never earlier than [`Lease::acquired_at`].
    fn now(&self) -> Duration {
        self.clock.now().max(self.acquired_at)
    }

    /// Whether the holder may still act now: the lease is not lost and its clock is before
    /// [`Lease::safe_until`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(10), s(1)).unwrap();
    /// clock.advance(s(5));
    /// assert!(lease.may_act());
    /// clock.advance(s(4));
    /// assert!(!lease.may_act());
    /// ```
    pub fn may_act(&self) -> bool {
        !self.lost && self.now() < self.safe_until
    }

    /// The time left to act (zero once the holder must stop), never more than
    /// `ttl - margin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(10), s(1)).unwrap();
    /// clock.advance(s(4));
    /// assert_eq!(lease.remaining(), s(5));
    /// clock.advance(s(20));
    /// assert_eq!(lease.remaining(), Duration::ZERO);
    /// ```
    pub fn remaining(&self) -> Duration {
        if self.lost {
            return Duration::ZERO;
        }
        self.safe_until.saturating_sub(self.now())
    }

    /// Reads the lease's clock before a keep-alive is sent; pass the result to
    /// [`Lease::renew`] with the service's answer.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// let mut lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(10), s(1)).unwrap();
    /// clock.advance(s(6));
    /// let renewal = lease.start_renewal();
    /// lease.renew(renewal, s(10)).unwrap();
    /// assert_eq!(lease.safe_until(), s(15));
    /// ```
    pub fn start_renewal(&self) -> Renewal {
        Renewal {
            token: self.token,
            sent_at: self.now(),
        }
    }

    /// Applies the service's answer to a keep-alive: the lease now runs for `granted_ttl`
    /// from the renewal's reading. A late answer to an older keep-alive never shortens the
    /// lease.
    ///
    /// # Errors
    ///
    /// - [`LeaseError::Lost`] if `granted_ttl` is zero (the service no longer has the
    ///   lease), or if the lease was already lost; the lease is lost for good.
    /// - [`LeaseError::Expired`] if the keep-alive was sent at or after
    ///   [`Lease::safe_until`]: the service may already have granted the lock to another
    ///   holder, so the lease is lost for good even if the service answers with a TTL.
    /// - [`LeaseError::WrongLease`] if `renewal` was started on a lease with another token;
    ///   the lease is unchanged.
    /// - [`LeaseError::MarginNotBelowDuration`] if `granted_ttl` is not above the margin, or
    ///   [`LeaseError::Overflow`]; the lease is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseError, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// let mut lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(10), s(1)).unwrap();
    /// clock.advance(s(50)); // long after the lease ran out
    /// let renewal = lease.start_renewal();
    /// assert!(matches!(lease.renew(renewal, s(10)), Err(LeaseError::Expired { .. })));
    /// assert!(!lease.may_act()); // not revived
    /// ```
    pub fn renew(&mut self, renewal: Renewal, granted_ttl: Duration) -> Result<(), LeaseError> {
        if renewal.token != self.token {
            return Err(LeaseError::WrongLease {
                lease: self.token,
                renewal: renewal.token,
            });
        }
        if self.lost || granted_ttl.is_zero() {
            self.lost = true;
            return Err(LeaseError::Lost { token: self.token });
        }
        if renewal.sent_at >= self.safe_until {
            self.lost = true;
            return Err(LeaseError::Expired {
                token: self.token,
                sent_at: renewal.sent_at,
                safe_until: self.safe_until,
            });
        }
        let safe_until = safe_until(self.token, renewal.sent_at, granted_ttl, self.margin)?;
        if safe_until > self.safe_until {
            self.acquired_at = renewal.sent_at;
            self.ttl = granted_ttl;
            self.safe_until = safe_until;
        }
        Ok(())
    }
}

impl<C> Lease<C> {
    /// The fencing token to send with every write made under this lease.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let t = FencingToken::new(8).unwrap();
    /// let lease = LeaseRequest::start(ManualClock::new()).granted(t, Duration::from_secs(1), Duration::ZERO).unwrap();
    /// assert_eq!(lease.token(), t);
    /// ```
    pub const fn token(&self) -> FencingToken {
        self.token
    }

    /// Whether a renewal reported the lease lost; a lost lease never acts again.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let mut lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, Duration::from_secs(5), Duration::ZERO).unwrap();
    /// let renewal = lease.start_renewal();
    /// assert!(lease.renew(renewal, Duration::ZERO).is_err()); // etcd: TTL 0, the lease is gone
    /// assert!(lease.is_lost());
    /// ```
    pub const fn is_lost(&self) -> bool {
        self.lost
    }

    /// The clock reading the lease is counted from (the latest renewal's, or the request's).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(2));
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, Duration::from_secs(5), Duration::ZERO).unwrap();
    /// assert_eq!(lease.acquired_at(), Duration::from_secs(2));
    /// ```
    pub const fn acquired_at(&self) -> Duration {
        self.acquired_at
    }

    /// The TTL the service last granted.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let lease = LeaseRequest::start(ManualClock::new()).granted(FencingToken::MIN, Duration::from_secs(5), Duration::ZERO).unwrap();
    /// assert_eq!(lease.ttl(), Duration::from_secs(5));
    /// ```
    pub const fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The clock reading after which the holder must not act: `acquired_at + ttl - margin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// clock.advance(s(1));
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(3), s(1)).unwrap();
    /// assert_eq!(lease.safe_until(), s(3));
    /// ```
    pub const fn safe_until(&self) -> Duration {
        self.safe_until
    }

    /// The clock reading at which the lease nominally ends: `acquired_at + ttl`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
    ///
    /// let s = Duration::from_secs;
    /// let clock = ManualClock::new();
    /// clock.advance(s(1));
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, s(3), s(1)).unwrap();
    /// assert_eq!(lease.expires_at(), s(4));
    /// ```
    pub fn expires_at(&self) -> Duration {
        self.safe_until + self.margin
    }

    /// The lease's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{FencingToken, LeaseRequest, ManualClock, MonotonicClock};
    ///
    /// let clock = ManualClock::new();
    /// let lease = LeaseRequest::start(&clock).granted(FencingToken::MIN, Duration::from_secs(3), Duration::ZERO).unwrap();
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(lease.clock().now(), Duration::from_secs(1));
    /// ```
    pub const fn clock(&self) -> &C {
        &self.clock
    }
}

/// Why a lease could not be made or renewed.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_fencing::{FencingToken, LeaseRequest, ManualClock};
///
/// let err = LeaseRequest::start(ManualClock::new())
///     .granted(FencingToken::MIN, Duration::from_secs(1), Duration::from_secs(2))
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
    /// The service granted a TTL of zero: it no longer has the lease (etcd's keep-alive
    /// answer for a lease that expired or was revoked). Acquire a new lease and token.
    #[error("lease of token {token} is lost: the service granted no time")]
    Lost {
        /// The token of the lost lease.
        token: FencingToken,
    },
    /// The keep-alive was sent after the lease's safe period ended, so the service may
    /// already have granted the lock to another holder. Acquire a new lease and token.
    #[error(
        "lease of token {token} expired: keep-alive sent at {sent_at:?}, safe only until {safe_until:?}"
    )]
    Expired {
        /// The token of the expired lease.
        token: FencingToken,
        /// The clock reading when the keep-alive was sent.
        sent_at: Duration,
        /// The end of the lease's safe period.
        safe_until: Duration,
    },
    /// The renewal was started on a lease with another token.
    #[error("renewal started for token {renewal} applied to the lease of token {lease}")]
    WrongLease {
        /// The lease's token.
        lease: FencingToken,
        /// The token of the lease the renewal was started on.
        renewal: FencingToken,
    },
}

impl<C> fmt::Display for Lease<C> {
    /// `lease of token T until S` (clock readings), or `lost lease of token T`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lost {
            return write!(f, "lost lease of token {}", self.token);
        }
        write!(
            f,
            "lease of token {} until {:?}",
            self.token, self.safe_until
        )
    }
}
