//! Monotonic clocks, injected so that every deadline, window and wait is testable.

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

/// A monotonic clock: time elapsed since a fixed, arbitrary origin.
///
/// Everything in this crate that needs the time (retry deadlines, budget windows, the
/// breaker's wait and sliding window) reads it through this trait, so tests can drive time
/// by hand with [`ManualClock`]. Implementations must never go backwards; the crate treats a
/// reading smaller than an earlier one as "no time passed" rather than failing.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_millis(250));
/// assert_eq!(clock.now(), Duration::from_millis(250));
/// ```
pub trait Clock {
    /// The time elapsed since this clock's origin.
    fn now(&self) -> Duration;
}

impl<C: Clock + ?Sized> Clock for &C {
    #[inline]
    fn now(&self) -> Duration {
        (**self).now()
    }
}

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
impl<C: Clock + ?Sized> Clock for alloc::sync::Arc<C> {
    #[inline]
    fn now(&self) -> Duration {
        (**self).now()
    }
}

/// Converts a clock reading to whole nanoseconds, saturating after about 584 years.
#[inline]
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A clock that only moves when told to; shareable between threads.
///
/// Starts at zero. `advance` and `set` are atomic, so one test thread can drive the time
/// while others read it.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Clock, ManualClock};
///
/// let clock = ManualClock::starting_at(Duration::from_secs(5));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(clock.now(), Duration::from_secs(6));
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
    /// use ward_backoff::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new().now().as_nanos(), 0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            nanos: AtomicU64::new(0),
        }
    }

    /// A clock reading `start` (saturating at `u64::MAX` nanoseconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Clock, ManualClock};
    /// let clock = ManualClock::starting_at(Duration::from_millis(3));
    /// assert_eq!(clock.now(), Duration::from_millis(3));
    /// ```
    #[must_use]
    pub fn starting_at(start: Duration) -> Self {
        Self {
            nanos: AtomicU64::new(nanos(start)),
        }
    }

    /// Moves the clock forward by `by` (saturating at `u64::MAX` nanoseconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Clock, ManualClock};
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_nanos(7));
    /// assert_eq!(clock.now(), Duration::from_nanos(7));
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = nanos(by);
        let mut cur = self.nanos.load(Ordering::Relaxed);
        loop {
            let next = cur.saturating_add(by);
            match self
                .nanos
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(seen) => cur = seen,
            }
        }
    }

    /// Sets the reading to `to` if that is not earlier than the current reading, so the
    /// clock stays monotonic. Returns whether the clock moved.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Clock, ManualClock};
    /// let clock = ManualClock::new();
    /// assert!(clock.set(Duration::from_secs(2)));
    /// assert!(!clock.set(Duration::from_secs(1)));
    /// assert_eq!(clock.now(), Duration::from_secs(2));
    /// ```
    pub fn set(&self, to: Duration) -> bool {
        let to = nanos(to);
        self.nanos.fetch_max(to, Ordering::AcqRel) < to
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

/// The system's monotonic clock (`std::time::Instant`), measured from the moment this value
/// was created.
///
/// # Examples
///
/// ```
/// use ward_backoff::{Clock, MonotonicClock};
/// let clock = MonotonicClock::new();
/// let a = clock.now();
/// assert!(clock.now() >= a);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl MonotonicClock {
    /// A clock whose origin is now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::{Clock, MonotonicClock};
    /// assert!(MonotonicClock::new().now().as_secs() < 60);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl Clock for MonotonicClock {
    #[inline]
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// Tokio's clock (`tokio::time::Instant`), which follows tokio's paused test time.
///
/// # Examples
///
/// ```
/// use ward_backoff::{Clock, TokioClock};
/// let clock = TokioClock::new();
/// assert!(clock.now().as_secs() < 60);
/// ```
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: tokio::time::Instant,
}

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl TokioClock {
    /// A clock whose origin is tokio's now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::TokioClock;
    /// let _clock = TokioClock::new();
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
        }
    }
}

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl Clock for TokioClock {
    #[inline]
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}
