//! Physical clocks: the injected source of wall-clock time.

use core::time::Duration;

use crate::sync::{AtomicU64, Ordering};

/// A source of physical time for an [`Hlc`](crate::Hlc).
///
/// The clock is a parameter so that tests run on a [`ManualClock`] and production runs on
/// [`SystemClock`] or [`CoarseClock`]. A `no_std` build has no default: it must be given
/// a clock.
///
/// A reading may go backwards or jump forwards (NTP steps, an operator setting the time);
/// the [`Hlc`](crate::Hlc) stays monotonic regardless. Readings larger than
/// [`MAX_PHYSICAL`](crate::MAX_PHYSICAL) make clock events fail with
/// [`ClockError::PhysicalOutOfRange`](crate::ClockError::PhysicalOutOfRange) (after a
/// jump watch, if one is configured, has seen them).
///
#[cfg_attr(
    not(feature = "std"),
    doc = "<!-- std only -->\n[`SystemClock`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.SystemClock.html"
)]
#[cfg_attr(
    not(feature = "std"),
    doc = "<!-- std only -->\n[`CoarseClock`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.CoarseClock.html"
)]
///
/// # Examples
///
/// ```
/// use ward_hlc::{Hlc, PhysicalClock};
///
/// /// A clock that always reads one instant, for illustration.
/// struct Fixed(u64);
///
/// impl PhysicalClock for Fixed {
///     fn now_micros(&self) -> u64 {
///         self.0
///     }
/// }
///
/// let hlc = Hlc::new(Fixed(1_000));
/// assert_eq!(hlc.now()?.physical(), 1_000);
/// assert_eq!(hlc.now()?.logical(), 1);
/// # Ok::<(), ward_hlc::ClockError>(())
/// ```
pub trait PhysicalClock {
    /// Returns the current time in microseconds since the Unix epoch
    /// (1970-01-01T00:00:00Z).
    fn now_micros(&self) -> u64;
}

impl<C: PhysicalClock + ?Sized> PhysicalClock for &C {
    #[inline]
    fn now_micros(&self) -> u64 {
        (**self).now_micros()
    }
}

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
impl<C: PhysicalClock + ?Sized> PhysicalClock for alloc::sync::Arc<C> {
    #[inline]
    fn now_micros(&self) -> u64 {
        (**self).now_micros()
    }
}

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
impl<C: PhysicalClock + ?Sized> PhysicalClock for alloc::boxed::Box<C> {
    #[inline]
    fn now_micros(&self) -> u64 {
        (**self).now_micros()
    }
}

/// A clock that moves only when told to, for tests and simulations.
///
/// The reading lives in an atomic, so one clock can be shared between threads (by
/// reference or in an `Arc`) and moved by a test while an [`Hlc`](crate::Hlc) reads it.
/// It can be set to any value, advanced, or stepped backwards to simulate an NTP
/// correction or an operator setting the time back. Arithmetic saturates at `0` and
/// `u64::MAX` microseconds rather than wrapping.
///
/// The reading is a time since the Unix epoch, at microsecond resolution. Every
/// operation has a [`Duration`] form, as the `ManualClock`s of `ward-backoff` and
/// `ward-fencing` have (durations are cut to whole microseconds, rounding down), and
/// the reading and setting also have a form in microseconds, the unit of
/// [`PhysicalClock`]:
///
/// | | [`Duration`] since the epoch | microseconds since the epoch |
/// |---|---|---|
/// | create | [`starting_at`](Self::starting_at) | [`new`](Self::new) |
/// | read | [`now`](Self::now) | [`now_micros`](Self::now_micros) |
/// | set (either way) | [`set_to`](Self::set_to) | [`set`](Self::set) |
/// | move forwards | [`advance`](Self::advance) | |
/// | move backwards | [`step_back`](Self::step_back) | |
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use ward_hlc::{Hlc, ManualClock};
///
/// let clock = Arc::new(ManualClock::new(5_000));
/// let hlc = Hlc::new(Arc::clone(&clock));
/// let a = hlc.now()?;
/// clock.step_back(Duration::from_millis(2));
/// let b = hlc.now()?;
/// assert_eq!(clock.now_micros(), 3_000);
/// assert!(b > a, "the hlc never goes backwards");
/// # Ok::<(), ward_hlc::ClockError>(())
/// ```
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicU64,
}

impl ManualClock {
    /// Creates a clock reading `micros` microseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::ManualClock;
    ///
    /// assert_eq!(ManualClock::new(7).now_micros(), 7);
    /// ```
    pub fn new(micros: u64) -> ManualClock {
        ManualClock {
            micros: AtomicU64::new(micros),
        }
    }

    /// Creates a clock reading `since_epoch` after the Unix epoch, in whole
    /// microseconds (saturating at `u64::MAX` microseconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::starting_at(Duration::from_secs(1_700_000_000));
    /// assert_eq!(clock.now_micros(), 1_700_000_000_000_000);
    /// assert_eq!(ManualClock::starting_at(Duration::from_nanos(2_999)).now_micros(), 2);
    /// ```
    pub fn starting_at(since_epoch: Duration) -> ManualClock {
        ManualClock::new(micros_of(since_epoch))
    }

    /// Returns the current reading as the time since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::starting_at(Duration::from_millis(5));
    /// clock.advance(Duration::from_millis(1));
    /// assert_eq!(clock.now(), Duration::from_millis(6));
    /// ```
    pub fn now(&self) -> Duration {
        Duration::from_micros(self.now_micros())
    }

    /// Sets the reading to `since_epoch` after the Unix epoch, forwards or backwards,
    /// in whole microseconds (saturating at `u64::MAX` microseconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::starting_at(Duration::from_secs(10));
    /// clock.set_to(Duration::from_secs(4));
    /// assert_eq!(clock.now(), Duration::from_secs(4));
    /// ```
    pub fn set_to(&self, since_epoch: Duration) {
        self.set(micros_of(since_epoch));
    }

    /// Returns the current reading in microseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::new(1);
    /// clock.set(9);
    /// assert_eq!(clock.now_micros(), 9);
    /// ```
    pub fn now_micros(&self) -> u64 {
        self.micros.load(Ordering::Acquire)
    }

    /// Sets the reading, forwards or backwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::new(100);
    /// clock.set(40);
    /// assert_eq!(clock.now_micros(), 40);
    /// ```
    pub fn set(&self, micros: u64) {
        self.micros.store(micros, Ordering::Release);
    }

    /// Moves the reading forwards by `by`, saturating at `u64::MAX` microseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::new(100);
    /// clock.advance(Duration::from_micros(5));
    /// assert_eq!(clock.now_micros(), 105);
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = micros_of(by);
        let _ = self
            .micros
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                Some(now.saturating_add(by))
            });
    }

    /// Moves the reading backwards by `by`, saturating at the epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::ManualClock;
    ///
    /// let clock = ManualClock::new(100);
    /// clock.step_back(Duration::from_micros(30));
    /// assert_eq!(clock.now_micros(), 70);
    /// ```
    pub fn step_back(&self, by: Duration) {
        let by = micros_of(by);
        let _ = self
            .micros
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                Some(now.saturating_sub(by))
            });
    }
}

impl Default for ManualClock {
    /// A clock reading the Unix epoch.
    fn default() -> ManualClock {
        ManualClock::new(0)
    }
}

impl PhysicalClock for ManualClock {
    #[inline]
    fn now_micros(&self) -> u64 {
        ManualClock::now_micros(self)
    }
}

/// Whole microseconds in `d`, saturating at `u64::MAX`.
pub(crate) fn micros_of(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(feature = "std")]
pub use self::system::{CoarseClock, SystemClock};

#[cfg(feature = "std")]
mod system {
    use super::PhysicalClock;

    /// The operating system's wall clock (`CLOCK_REALTIME`), at full resolution.
    ///
    /// On Linux and Android it reads `clock_gettime(CLOCK_REALTIME)` through the vDSO
    /// with [`rustix`](https://docs.rs/rustix), which costs about what
    /// `SystemTime::now()` costs and converts to microseconds with one multiply;
    /// elsewhere it reads [`std::time::SystemTime`]. It follows every adjustment of the
    /// system time, including steps backwards. Times before the epoch read as `0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::SystemClock;
    ///
    /// // Later than 2020-01-01.
    /// assert!(SystemClock.now_micros() > 1_577_836_800_000_000);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct SystemClock;

    impl SystemClock {
        /// The current time in microseconds since the Unix epoch (also available through
        /// [`PhysicalClock`], without importing it).
        ///
        /// # Examples
        ///
        /// ```
        /// use ward_hlc::SystemClock;
        ///
        /// assert!(SystemClock.now_micros() > 1_577_836_800_000_000);
        /// ```
        #[inline]
        pub fn now_micros(&self) -> u64 {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            {
                read(rustix::time::ClockId::Realtime)
            }
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            {
                std_now()
            }
        }
    }

    impl PhysicalClock for SystemClock {
        #[inline]
        fn now_micros(&self) -> u64 {
            SystemClock::now_micros(self)
        }
    }

    /// A cheap wall clock for hot paths: the kernel's cached time of the last tick.
    ///
    /// On Linux and Android it reads `CLOCK_REALTIME_COARSE` through the vDSO: a few
    /// nanoseconds instead of the 20–25 ns of a full `CLOCK_REALTIME` read, because it
    /// returns the time stored at the last timer interrupt instead of reading and
    /// scaling the CPU's cycle counter. Its resolution is one kernel tick (1–10 ms
    /// depending on `CONFIG_HZ`; 4 ms on a common `HZ=250` kernel) and it follows steps of
    /// the system time like [`SystemClock`]. On other platforms it falls back to
    /// [`std::time::SystemTime`] and is no cheaper than [`SystemClock`].
    ///
    /// # Why this mechanism
    ///
    /// - A background thread caching the time in an atomic is a few nanoseconds cheaper to
    ///   read (one atomic load), but costs a thread, a shutdown protocol and a wake-up per
    ///   tick, and how stale it gets depends on the scheduler: a descheduled ticker
    ///   silently stops time. The coarse clock is kept by the kernel's own tick.
    /// - Reading `Instant::now()` plus an offset taken at start costs a full vDSO clock
    ///   read (no cheaper than [`SystemClock`]) and silently stops following corrections
    ///   of the wall clock.
    ///
    /// # Trade-off
    ///
    /// Within one tick every reading is the same, so an [`Hlc`](crate::Hlc) on this clock
    /// orders events of the same tick with its logical counter. Timestamps stay unique
    /// and monotonic; their physical part lags real time by up to one tick. When more
    /// than 4096 events fall in one microsecond of the clock's value, the counter
    /// carries into the physical part (the default
    /// [`OverflowPolicy::Carry`](crate::OverflowPolicy::Carry)), so the timestamp runs a
    /// few microseconds ahead until the next tick; use [`SystemClock`] where timestamps
    /// must track real time to the microsecond.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{CoarseClock, Hlc};
    ///
    /// let hlc = Hlc::new(CoarseClock);
    /// let a = hlc.now()?;
    /// let b = hlc.now()?;
    /// assert!(b > a);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct CoarseClock;

    impl CoarseClock {
        /// The current coarse time in microseconds since the Unix epoch (also available
        /// through [`PhysicalClock`], without importing it).
        ///
        /// # Examples
        ///
        /// ```
        /// use ward_hlc::CoarseClock;
        ///
        /// assert!(CoarseClock.now_micros() > 1_577_836_800_000_000);
        /// ```
        #[inline]
        pub fn now_micros(&self) -> u64 {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            {
                read(rustix::time::ClockId::RealtimeCoarse)
            }
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            {
                std_now()
            }
        }
    }

    impl PhysicalClock for CoarseClock {
        #[inline]
        fn now_micros(&self) -> u64 {
            CoarseClock::now_micros(self)
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[inline]
    fn read(id: rustix::time::ClockId) -> u64 {
        let ts = rustix::time::clock_gettime(id);
        match (u64::try_from(ts.tv_sec), u64::try_from(ts.tv_nsec)) {
            // Below 2^43 s (278 000 years) the arithmetic cannot overflow, even for a
            // nanosecond field out of its range, so it needs no saturating steps.
            (Ok(secs), Ok(nanos)) if secs < 1 << 43 => secs * 1_000_000 + nanos / 1_000,
            // Far beyond any representable time: reported as out of range by the Hlc.
            (Ok(_), Ok(_)) => u64::MAX,
            // Before the epoch.
            _ => 0,
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn std_now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| super::micros_of(d))
    }
}
