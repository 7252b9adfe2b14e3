//! Configuration of an `Hlc`.

use core::time::Duration;

use crate::clock::PhysicalClock;
use crate::hlc::{Hlc, OverflowPolicy};
use crate::jump::{ClockJump, Hook, JumpThresholds, JumpWatch};
use crate::timestamp::Timestamp;

/// The maximum drift a clock accepts unless told otherwise: 500 ms.
///
/// A received timestamp whose physical part is more than this ahead of the local clock
/// is refused with [`ClockError::DriftExceeded`](crate::ClockError::DriftExceeded).
/// Without a bound, one peer with a wrong clock (or a forged timestamp) drags every
/// clock it talks to into its future for good, and a [`DurableHlc`] persists that
/// future, up to the end of the range.
///
/// 500 ms is CockroachDB's default maximum clock offset and uhlc's default maximum
/// delta: well above what NTP keeps healthy servers within (milliseconds), small enough
/// that a bad peer moves the clock by at most half a second per message chain. MongoDB
/// accepts up to a year ahead, which only guards the end of the range; we take the tight
/// bound because a refusal is visible and fixable (raise the bound with
/// [`HlcBuilder::max_drift`]) while a clock dragged ahead is not. Clusters whose clocks
/// legitimately differ by more set their own bound; [`HlcBuilder::with_max_drift`]`(None)`
/// removes it.
///
/// [`DurableHlc`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.DurableHlc.html
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{Hlc, ManualClock, DEFAULT_MAX_DRIFT};
///
/// assert_eq!(DEFAULT_MAX_DRIFT, Duration::from_millis(500));
/// assert_eq!(Hlc::new(ManualClock::new(0)).max_drift(), Some(DEFAULT_MAX_DRIFT));
/// ```
pub const DEFAULT_MAX_DRIFT: Duration = Duration::from_millis(500);

/// Configuration of an [`Hlc`], from [`Hlc::builder`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{Hlc, JumpThresholds, ManualClock, OverflowPolicy, Timestamp};
///
/// let hlc = Hlc::builder(ManualClock::new(1_000))
///     .max_drift(Duration::from_millis(500))
///     .overflow(OverflowPolicy::Reject)
///     .watch_jumps(JumpThresholds::new(Duration::from_millis(1), Duration::from_secs(30)))
///     .resume_after(Timestamp::new(900, 3)?)
///     .build();
/// assert_eq!(hlc.now()?, Timestamp::new(1_000, 0)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "call build() to get an Hlc"]
pub struct HlcBuilder<C> {
    clock: C,
    max_drift: Option<Duration>,
    overflow: OverflowPolicy,
    jumps: Option<JumpThresholds>,
    hook: Option<Hook>,
    last: Option<Timestamp>,
}

impl<C: core::fmt::Debug> core::fmt::Debug for HlcBuilder<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HlcBuilder")
            .field("clock", &self.clock)
            .field("max_drift", &self.max_drift)
            .field("overflow", &self.overflow)
            .field("jumps", &self.jumps)
            .field("hook", &self.hook.is_some())
            .field("last", &self.last)
            .finish()
    }
}

impl<C: PhysicalClock> HlcBuilder<C> {
    /// A builder with the defaults of [`Hlc::new`]: maximum drift
    /// [`DEFAULT_MAX_DRIFT`], [`OverflowPolicy::Carry`], no jump watch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{HlcBuilder, ManualClock};
    ///
    /// let hlc = HlcBuilder::new(ManualClock::new(1)).build();
    /// assert_eq!(hlc.last(), None);
    /// ```
    pub fn new(clock: C) -> HlcBuilder<C> {
        HlcBuilder {
            clock,
            max_drift: Some(DEFAULT_MAX_DRIFT),
            overflow: OverflowPolicy::Carry,
            jumps: None,
            hook: None,
            last: None,
        }
    }

    /// Rejects received timestamps whose physical part is more than `max` ahead of the
    /// local physical clock. Exactly `max` ahead is accepted. The bound counts whole
    /// microseconds (a fraction of a microsecond is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let hlc = Hlc::builder(ManualClock::new(0)).max_drift(Duration::from_micros(10)).build();
    /// assert!(hlc.receive(Timestamp::new(10, 0)?).is_ok());
    /// assert!(hlc.receive(Timestamp::new(11, 0)?).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_drift(mut self, max: Duration) -> HlcBuilder<C> {
        self.max_drift = Some(max);
        self
    }

    /// Sets or clears the maximum drift; `None` accepts any remote timestamp (see
    /// [`DEFAULT_MAX_DRIFT`] for what that risks).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// let hlc = Hlc::builder(ManualClock::new(0)).with_max_drift(None).build();
    /// assert_eq!(hlc.max_drift(), None);
    /// ```
    pub fn with_max_drift(mut self, max: Option<Duration>) -> HlcBuilder<C> {
        self.max_drift = max;
        self
    }

    /// Sets the policy for a full logical counter (default [`OverflowPolicy::Carry`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, OverflowPolicy};
    ///
    /// let hlc = Hlc::builder(ManualClock::new(0)).overflow(OverflowPolicy::Reject).build();
    /// assert_eq!(hlc.overflow_policy(), OverflowPolicy::Reject);
    /// ```
    pub fn overflow(mut self, policy: OverflowPolicy) -> HlcBuilder<C> {
        self.overflow = policy;
        self
    }

    /// Counts jumps of the physical clock larger than `thresholds`
    /// (see [`Hlc::jump_stats`]). Costs one relaxed atomic swap per event.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{Hlc, JumpThresholds, ManualClock};
    ///
    /// let hlc = Hlc::builder(ManualClock::new(0))
    ///     .watch_jumps(JumpThresholds::new(Duration::from_millis(1), Duration::from_secs(1)))
    ///     .build();
    /// assert!(hlc.jump_stats().is_some());
    /// ```
    pub fn watch_jumps(mut self, thresholds: JumpThresholds) -> HlcBuilder<C> {
        self.jumps = Some(thresholds);
        self
    }

    /// Calls `hook` for every jump observed, on the thread whose event saw it. Has an
    /// effect only together with [`watch_jumps`](Self::watch_jumps). The hook should be
    /// quick (log, bump a metric): it runs inside the clock event, after the jump is
    /// counted and before the timestamp is computed.
    ///
    /// With the `alloc` feature (on with `std`) the hook is any `Fn(ClockJump) + Send +
    /// Sync + 'static`, so it can capture state (a metrics handle, a channel); without it,
    /// a plain `fn(ClockJump)`.
    ///
    /// # Panics
    ///
    /// The clock itself never panics for a jump. A panic in `hook` propagates out of the
    /// event that saw the jump; that event then issues nothing and leaves the clock
    /// unchanged (the jump stays counted).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::time::Duration;
    /// use ward_hlc::{ClockJump, Hlc, JumpThresholds, ManualClock};
    ///
    /// let largest = Arc::new(AtomicU64::new(0));
    /// let seen = Arc::clone(&largest);
    /// let clock = ManualClock::new(0);
    /// let hlc = Hlc::builder(&clock)
    ///     .watch_jumps(JumpThresholds::new(Duration::ZERO, Duration::from_secs(1)))
    ///     .on_jump(move |jump: ClockJump| {
    ///         seen.fetch_max(jump.amount().as_micros() as u64, Ordering::Relaxed);
    ///     })
    ///     .build();
    /// hlc.now()?;
    /// clock.advance(Duration::from_secs(5));
    /// hlc.now()?;
    /// assert_eq!(largest.load(Ordering::Relaxed), 5_000_000);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn on_jump(mut self, hook: impl Fn(ClockJump) + Send + Sync + 'static) -> HlcBuilder<C> {
        self.hook = Some(alloc::sync::Arc::new(hook));
        self
    }

    /// Calls `hook` for every jump observed; see the `alloc` version, which also takes
    /// closures that capture state.
    ///
    /// # Panics
    ///
    /// A panic in `hook` propagates out of the event that saw the jump, which then
    /// issues nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{ClockJump, Hlc, JumpThresholds, ManualClock};
    ///
    /// fn log(_: ClockJump) {}
    /// let hlc = Hlc::builder(ManualClock::new(0))
    ///     .watch_jumps(JumpThresholds::new(Duration::ZERO, Duration::from_secs(1)))
    ///     .on_jump(log)
    ///     .build();
    /// # let _ = hlc;
    /// ```
    #[cfg(not(feature = "alloc"))]
    pub fn on_jump(mut self, hook: fn(ClockJump)) -> HlcBuilder<C> {
        self.hook = Some(hook);
        self
    }

    /// The overflow policy the clock will have.
    pub(crate) const fn overflow_policy(&self) -> OverflowPolicy {
        self.overflow
    }

    /// Starts after `last`: every timestamp issued will be greater than it. Use the last
    /// timestamp known from before a restart (from a log or a peer).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let hlc = Hlc::builder(ManualClock::new(5)).resume_after(Timestamp::new(9, 2)?).build();
    /// assert_eq!(hlc.now()?, Timestamp::new(9, 3)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resume_after(mut self, last: Timestamp) -> HlcBuilder<C> {
        self.last = Some(self.last.map_or(last, |l| l.max(last)));
        self
    }

    /// Builds the clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{HlcBuilder, ManualClock};
    ///
    /// let hlc = HlcBuilder::new(ManualClock::new(1)).build();
    /// assert!(hlc.now().is_ok());
    /// ```
    pub fn build(self) -> Hlc<C> {
        let jumps = self.jumps.map(|t| JumpWatch::new(t, self.hook));
        Hlc::from_parts(self.clock, self.last, self.max_drift, self.overflow, jumps)
    }
}
