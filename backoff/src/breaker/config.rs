use core::time::Duration;

use crate::strategy::Strategy;

/// How the closed-state sliding window groups calls.
///
/// # Examples
///
/// ```
/// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
/// let by_calls = BreakerConfig::builder().sliding_window(SlidingWindow::CountBased(50)).build()?;
/// let by_time = BreakerConfig::builder().sliding_window(SlidingWindow::TimeBased(30)).build()?;
/// assert_ne!(by_calls.sliding_window(), by_time.sliding_window());
/// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SlidingWindow {
    /// The outcomes of the last `n` calls (at most 2^20).
    CountBased(u32),
    /// The outcomes of the calls of the last `n` seconds, in one-second buckets of the
    /// injected monotonic clock (at most 86 400: one day).
    TimeBased(u32),
}

/// How long the breaker stays open before it lets trial calls through.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::Strategy;
/// use ward_backoff::breaker::OpenWait;
/// let fixed = OpenWait::Fixed(Duration::from_secs(30));
/// // 1 s, 2 s, 4 s, ... up to 1 min for consecutive openings.
/// let growing = OpenWait::Backoff(Strategy::exponential(Duration::from_secs(1), Duration::from_secs(60))?);
/// assert_ne!(fixed, growing);
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum OpenWait {
    /// The same wait every time.
    Fixed(#[cfg_attr(feature = "serde", serde(with = "crate::duration::serde_duration"))] Duration),
    /// A wait from a backoff [`Strategy`], indexed by the number of consecutive openings
    /// (0 for the first opening since the breaker was last closed). The decorrelated kinds
    /// walk from one opening to the next (each wait drawn from the previous one), starting
    /// over from the base when the breaker closes. Full jitter is refused
    /// ([`BreakerConfigError::FullJitterOpenWait`]): it can draw a wait near zero.
    Backoff(Strategy),
}

/// Why a breaker configuration was refused.
///
/// # Examples
///
/// ```
/// use ward_backoff::breaker::{BreakerConfig, BreakerConfigError};
/// let err = BreakerConfig::builder().half_open_permits(0).build().unwrap_err();
/// assert_eq!(err, BreakerConfigError::PermitsOutOfRange { permits: 0, max: 16383 });
/// assert_eq!(err.to_string(), "half-open permits 0 outside 1..=16383");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BreakerConfigError {
    /// A rate threshold must be a percentage in `(0, 100]`.
    #[error("{name} threshold {value} outside (0, 100]")]
    ThresholdOutOfRange {
        /// Which threshold.
        name: &'static str,
        /// The value given.
        value: f32,
    },
    /// The sliding window must hold at least one call or one second.
    #[error("sliding window size must be at least 1")]
    EmptyWindow,
    /// The window is too large: a count-based window holds at most 2^20 calls (so its
    /// bitmaps stay small), a time-based one spans at most one day (86 400 one-second
    /// buckets, allocated up front).
    #[error("sliding window size {size} above {max}")]
    WindowTooLarge {
        /// The size given.
        size: u32,
        /// The largest size accepted.
        max: u32,
    },
    /// `minimum_calls` must be at least 1.
    #[error("minimum calls must be at least 1")]
    ZeroMinimumCalls,
    /// The number of half-open trial calls must be in `1..=16383`.
    #[error("half-open permits {permits} outside 1..={max}")]
    PermitsOutOfRange {
        /// The value given.
        permits: u32,
        /// The largest value accepted.
        max: u32,
    },
    /// A duration that must be positive is zero: the slow-call threshold (every call would
    /// count as slow), the open wait (the breaker would never hold calls back) or the
    /// half-open limit (every trial period would end at once). Resilience4j refuses these
    /// too.
    #[error("{name} must be greater than zero")]
    ZeroDuration {
        /// Which setting.
        name: &'static str,
    },
    /// A full-jitter [`OpenWait::Backoff`] draws from `[0, E(n)]`, so a breaker could go
    /// half-open almost at once however long the base (with a 10 s base, 11 of 1,000
    /// breakers did within 100 ms). Use equal jitter, a decorrelated kind or a fixed wait.
    #[error("a full-jitter open wait can be arbitrarily close to zero")]
    FullJitterOpenWait,
    /// A duration does not fit in 64 bits of nanoseconds.
    #[error("duration {duration:?} does not fit in 64 bits of nanoseconds")]
    DurationTooLong {
        /// The value given.
        duration: Duration,
    },
}

pub(crate) const MAX_PERMITS: u32 = (1 << 14) - 1;
pub(crate) const MAX_COUNT_WINDOW: u32 = 1 << 20;
/// One day of one-second buckets (three counters each: about 2 MiB).
pub(crate) const MAX_TIME_WINDOW: u32 = 86_400;

/// The rules of a [`CircuitBreaker`](crate::breaker::CircuitBreaker), validated.
///
/// Defaults follow Resilience4j's `CircuitBreakerConfig`: count-based window of 100 calls,
/// minimum 100 calls, failure-rate threshold 50 %, slow-call-rate threshold 100 %, slow
/// calls ≥ 60 s, 60 s open, 10 half-open trial calls, no half-open time limit.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
///
/// let config = BreakerConfig::builder()
///     .sliding_window(SlidingWindow::CountBased(20))
///     .minimum_calls(10)
///     .failure_rate_threshold(25.0)
///     .wait_in_open(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(config.minimum_calls(), 10);
/// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "BreakerConfigBuilder", into = "BreakerConfigBuilder")
)]
pub struct BreakerConfig {
    pub(crate) window: SlidingWindow,
    pub(crate) minimum_calls: u32,
    pub(crate) failure_ppm: u64,
    pub(crate) slow_ppm: u64,
    pub(crate) slow: Duration,
    pub(crate) open_wait: OpenWait,
    pub(crate) half_open_permits: u32,
    pub(crate) max_half_open_nanos: Option<u64>,
    pub(crate) automatic_half_open: bool,
    pub(crate) slow_call_rule: bool,
    failure_pct: f32,
    slow_pct: f32,
}

impl BreakerConfig {
    /// A builder starting from the defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
    /// let c = BreakerConfig::builder().build()?;
    /// assert_eq!(c, BreakerConfig::default());
    /// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
    /// ```
    pub const fn builder() -> BreakerConfigBuilder {
        BreakerConfigBuilder {
            window: SlidingWindow::CountBased(100),
            minimum_calls: 100,
            failure_pct: 50.0,
            slow_pct: 100.0,
            slow: Duration::from_secs(60),
            open_wait: OpenWait::Fixed(Duration::from_secs(60)),
            half_open_permits: 10,
            max_half_open: None,
            automatic_half_open: false,
            slow_call_rule: true,
        }
    }

    /// The sliding window.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
    /// assert_eq!(BreakerConfig::default().sliding_window(), SlidingWindow::CountBased(100));
    /// ```
    #[must_use]
    pub const fn sliding_window(&self) -> SlidingWindow {
        self.window
    }

    /// Outcomes needed before any rate is evaluated, as configured (a count-based window
    /// clamps it to its size when evaluating).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert_eq!(BreakerConfig::default().minimum_calls(), 100);
    /// ```
    #[must_use]
    pub const fn minimum_calls(&self) -> u32 {
        self.minimum_calls
    }

    /// The failure-rate threshold, in percent.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert_eq!(BreakerConfig::default().failure_rate_threshold(), 50.0);
    /// ```
    #[must_use]
    pub const fn failure_rate_threshold(&self) -> f32 {
        self.failure_pct
    }

    /// The slow-call-rate threshold, in percent.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert_eq!(BreakerConfig::default().slow_call_rate_threshold(), 100.0);
    /// ```
    #[must_use]
    pub const fn slow_call_rate_threshold(&self) -> f32 {
        self.slow_pct
    }

    /// Whether the slow-call rule applies (see
    /// [`BreakerConfigBuilder::slow_call_rule`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert!(BreakerConfig::default().slow_call_rule());
    /// ```
    pub const fn slow_call_rule(&self) -> bool {
        self.slow_call_rule
    }

    /// Whether an open breaker moves to half-open once its wait has passed without a call
    /// ([`BreakerConfigBuilder::automatic_half_open`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert!(!BreakerConfig::default().is_automatic_half_open());
    /// ```
    #[must_use]
    pub const fn is_automatic_half_open(&self) -> bool {
        self.automatic_half_open
    }

    /// Trial calls admitted in half-open.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert_eq!(BreakerConfig::default().half_open_permits(), 10);
    /// ```
    #[must_use]
    pub const fn half_open_permits(&self) -> u32 {
        self.half_open_permits
    }

    /// The trial outcomes after which half-open decides: Resilience4j's
    /// `min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)`.
    pub(crate) fn half_open_minimum(&self) -> u32 {
        self.minimum_calls.min(self.half_open_permits)
    }

    /// The minimum number of calls as the count-based window sees it.
    pub(crate) fn effective_minimum(&self) -> u32 {
        match self.window {
            SlidingWindow::CountBased(n) => self.minimum_calls.min(n),
            SlidingWindow::TimeBased(_) => self.minimum_calls,
        }
    }

    /// Whether `failures` or `slow` out of `calls` reach a threshold (inclusive).
    pub(crate) fn exceeded(&self, calls: u64, failures: u64, slow: u64) -> bool {
        calls > 0
            && (failures * 1_000_000 >= self.failure_ppm * calls
                || self.slow_rate_reached(calls, slow))
    }

    /// Whether `slow` out of `calls` reach the slow-call-rate threshold (never without the
    /// slow-call rule).
    pub(crate) fn slow_rate_reached(&self, calls: u64, slow: u64) -> bool {
        self.slow_call_rule && slow * 1_000_000 >= self.slow_ppm * calls
    }
}

impl Default for BreakerConfig {
    fn default() -> Self {
        match Self::builder().build() {
            Ok(c) => c,
            Err(_) => unreachable!("the defaults are valid"),
        }
    }
}

/// Builds a [`BreakerConfig`]; [`build`](BreakerConfigBuilder::build) validates.
///
/// # Examples
///
/// ```
/// use ward_backoff::breaker::{BreakerConfig, BreakerConfigError};
/// let err = BreakerConfig::builder().failure_rate_threshold(0.0).build().unwrap_err();
/// assert!(matches!(err, BreakerConfigError::ThresholdOutOfRange { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[must_use]
pub struct BreakerConfigBuilder {
    // Serialized under the builder methods' names; the names of the first release are
    // still read.
    #[cfg_attr(feature = "serde", serde(rename = "sliding_window", alias = "window"))]
    window: SlidingWindow,
    minimum_calls: u32,
    #[cfg_attr(
        feature = "serde",
        serde(rename = "failure_rate_threshold", alias = "failure_pct")
    )]
    failure_pct: f32,
    #[cfg_attr(
        feature = "serde",
        serde(rename = "slow_call_rate_threshold", alias = "slow_pct")
    )]
    slow_pct: f32,
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "slow_call_duration",
            alias = "slow",
            with = "crate::duration::serde_duration"
        )
    )]
    slow: Duration,
    #[cfg_attr(feature = "serde", serde(rename = "wait_in_open", alias = "open_wait"))]
    open_wait: OpenWait,
    half_open_permits: u32,
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "max_wait_in_half_open",
            alias = "max_half_open",
            default,
            with = "crate::duration::serde_duration::option"
        )
    )]
    max_half_open: Option<Duration>,
    #[cfg_attr(feature = "serde", serde(default))]
    automatic_half_open: bool,
    #[cfg_attr(feature = "serde", serde(default = "enabled"))]
    slow_call_rule: bool,
}

#[cfg(feature = "serde")]
const fn enabled() -> bool {
    true
}

#[cfg(feature = "serde")]
impl TryFrom<BreakerConfigBuilder> for BreakerConfig {
    type Error = BreakerConfigError;
    fn try_from(b: BreakerConfigBuilder) -> Result<Self, BreakerConfigError> {
        b.build()
    }
}

impl From<BreakerConfig> for BreakerConfigBuilder {
    fn from(c: BreakerConfig) -> Self {
        BreakerConfigBuilder {
            window: c.window,
            minimum_calls: c.minimum_calls,
            failure_pct: c.failure_pct,
            slow_pct: c.slow_pct,
            slow: c.slow,
            open_wait: c.open_wait,
            half_open_permits: c.half_open_permits,
            max_half_open: c.max_half_open_nanos.map(Duration::from_nanos),
            automatic_half_open: c.automatic_half_open,
            slow_call_rule: c.slow_call_rule,
        }
    }
}

fn ppm(name: &'static str, value: f32) -> Result<u64, BreakerConfigError> {
    if !(value > 0.0 && value <= 100.0) {
        return Err(BreakerConfigError::ThresholdOutOfRange { name, value });
    }
    // Kept in millionths, rounded to the nearest; a threshold below one millionth counts
    // as one, since a threshold of 0 would be reached by every call.
    Ok(((f64::from(value) * 10_000.0 + 0.5) as u64).max(1))
}

fn nanos(duration: Duration) -> Result<u64, BreakerConfigError> {
    u64::try_from(duration.as_nanos()).map_err(|_| BreakerConfigError::DurationTooLong { duration })
}

impl BreakerConfigBuilder {
    /// Sets the sliding window (default: the last 100 calls).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
    /// let c = BreakerConfig::builder().sliding_window(SlidingWindow::TimeBased(60)).build()?;
    /// assert_eq!(c.sliding_window(), SlidingWindow::TimeBased(60));
    /// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
    /// ```
    pub const fn sliding_window(self, window: SlidingWindow) -> Self {
        Self { window, ..self }
    }

    /// Sets how many outcomes must be recorded before rates are evaluated (default 100).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
    /// assert_eq!(BreakerConfig::builder().minimum_calls(7).build()?.minimum_calls(), 7);
    /// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
    /// ```
    pub const fn minimum_calls(self, minimum_calls: u32) -> Self {
        Self {
            minimum_calls,
            ..self
        }
    }

    /// Sets the failure-rate threshold in percent, inclusive (default 50). Rate
    /// thresholds are kept to a millionth (0.0001 %), rounded to the nearest; a smaller
    /// positive threshold counts as one millionth, never as 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
    /// assert_eq!(BreakerConfig::builder().failure_rate_threshold(30.0).build()?.failure_rate_threshold(), 30.0);
    /// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
    /// ```
    pub const fn failure_rate_threshold(self, percent: f32) -> Self {
        Self {
            failure_pct: percent,
            ..self
        }
    }

    /// Sets the slow-call-rate threshold in percent, inclusive (default 100).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// let c = BreakerConfig::builder().slow_call_rate_threshold(80.0).build()?;
    /// assert_eq!(c.slow_call_rate_threshold(), 80.0);
    /// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
    /// ```
    pub const fn slow_call_rate_threshold(self, percent: f32) -> Self {
        Self {
            slow_pct: percent,
            ..self
        }
    }

    /// Calls lasting at least this long are slow (default 60 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert!(BreakerConfig::builder().slow_call_duration(Duration::from_secs(2)).build().is_ok());
    /// ```
    pub const fn slow_call_duration(self, threshold: Duration) -> Self {
        Self {
            slow: threshold,
            ..self
        }
    }

    /// Turns the slow-call rule on or off (default on, as in Resilience4j, which cannot
    /// turn it off).
    ///
    /// Off, no call counts as slow, whatever duration is recorded, only the failure rate
    /// can open the breaker, and [`call`](crate::breaker::CircuitBreaker::call), its
    /// async form and the tower layer do not time the calls: with a count-based window a
    /// permitted call then reads no clock at all, which is most of what a call through a
    /// closed breaker costs. The slow-call settings are still validated.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
    /// let config = BreakerConfig::builder().slow_call_rule(false).build()?;
    /// assert!(!config.slow_call_rule());
    /// let b = CircuitBreaker::new(config, ManualClock::new());
    /// b.try_acquire()?.record(Outcome::Success, Duration::from_secs(3600));
    /// assert_eq!(b.metrics().slow_calls, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn slow_call_rule(self, enabled: bool) -> Self {
        Self {
            slow_call_rule: enabled,
            ..self
        }
    }

    /// A fixed wait in open (default 60 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert!(BreakerConfig::builder().wait_in_open(Duration::from_secs(5)).build().is_ok());
    /// ```
    pub const fn wait_in_open(self, wait: Duration) -> Self {
        Self {
            open_wait: OpenWait::Fixed(wait),
            ..self
        }
    }

    /// A wait in open that grows with consecutive openings, following `strategy`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Strategy;
    /// use ward_backoff::breaker::BreakerConfig;
    /// let s = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(60))?;
    /// assert!(BreakerConfig::builder().wait_in_open_backoff(s).build().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn wait_in_open_backoff(self, strategy: Strategy) -> Self {
        Self {
            open_wait: OpenWait::Backoff(strategy),
            ..self
        }
    }

    /// Sets the number of trial calls in half-open (default 10, at most 16 383).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert!(BreakerConfig::builder().half_open_permits(0).build().is_err());
    /// ```
    pub const fn half_open_permits(self, permits: u32) -> Self {
        Self {
            half_open_permits: permits,
            ..self
        }
    }

    /// Re-opens a half-open breaker whose trial calls have not all completed within `max`
    /// (default: no limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::breaker::BreakerConfig;
    /// assert!(BreakerConfig::builder().max_wait_in_half_open(Duration::from_secs(30)).build().is_ok());
    /// ```
    pub const fn max_wait_in_half_open(self, max: Duration) -> Self {
        Self {
            max_half_open: Some(max),
            ..self
        }
    }

    /// Moves an open breaker to half-open as soon as its wait has strictly passed, not only
    /// when a call asks (default: off), as Resilience4j's
    /// `automaticTransitionFromOpenToHalfOpenEnabled`.
    ///
    /// There is no background thread or timer: the transition is made by whoever looks
    /// first after the wait ([`state`], [`metrics`], [`remaining_open`], a call) and is
    /// dated at the end of the wait, and emitted then as an [`Event::Transition`]. The
    /// tower layer's readiness timer looks at exactly that instant, so a layered service
    /// goes half-open on time.
    ///
    /// [`state`]: super::CircuitBreaker::state
    /// [`metrics`]: super::CircuitBreaker::metrics
    /// [`remaining_open`]: super::CircuitBreaker::remaining_open
    /// [`Event::Transition`]: super::Event::Transition
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let config = BreakerConfig::builder().automatic_half_open(true).build()?;
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(config, &clock);
    /// b.transition_to_open_for(Duration::from_secs(1));
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(b.state(), State::HalfOpen); // no call needed
    /// # Ok::<(), ward_backoff::breaker::BreakerConfigError>(())
    /// ```
    pub const fn automatic_half_open(self, enabled: bool) -> Self {
        Self {
            automatic_half_open: enabled,
            ..self
        }
    }

    /// Validates and builds.
    ///
    /// # Errors
    ///
    /// A [`BreakerConfigError`] naming the first invalid setting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::breaker::{BreakerConfig, BreakerConfigError};
    /// assert_eq!(BreakerConfig::builder().minimum_calls(0).build(), Err(BreakerConfigError::ZeroMinimumCalls));
    /// ```
    pub fn build(self) -> Result<BreakerConfig, BreakerConfigError> {
        let failure_ppm = ppm("failure rate", self.failure_pct)?;
        let slow_ppm = ppm("slow call rate", self.slow_pct)?;
        match self.window {
            SlidingWindow::CountBased(0) | SlidingWindow::TimeBased(0) => {
                return Err(BreakerConfigError::EmptyWindow);
            }
            SlidingWindow::CountBased(size) if size > MAX_COUNT_WINDOW => {
                return Err(BreakerConfigError::WindowTooLarge {
                    size,
                    max: MAX_COUNT_WINDOW,
                });
            }
            SlidingWindow::TimeBased(size) if size > MAX_TIME_WINDOW => {
                return Err(BreakerConfigError::WindowTooLarge {
                    size,
                    max: MAX_TIME_WINDOW,
                });
            }
            _ => {}
        }
        if self.minimum_calls == 0 {
            return Err(BreakerConfigError::ZeroMinimumCalls);
        }
        if self.half_open_permits == 0 || self.half_open_permits > MAX_PERMITS {
            return Err(BreakerConfigError::PermitsOutOfRange {
                permits: self.half_open_permits,
                max: MAX_PERMITS,
            });
        }
        let positive = |name, d: Duration| {
            if d.is_zero() {
                Err(BreakerConfigError::ZeroDuration { name })
            } else {
                nanos(d)
            }
        };
        positive("slow call duration", self.slow)?;
        match self.open_wait {
            OpenWait::Fixed(d) => {
                positive("wait in open", d)?;
            }
            OpenWait::Backoff(s) if s.kind() == crate::StrategyKind::FullJitter => {
                return Err(BreakerConfigError::FullJitterOpenWait);
            }
            OpenWait::Backoff(_) => {}
        }
        let max_half_open_nanos = match self.max_half_open {
            Some(d) => Some(positive("max wait in half-open", d)?),
            None => None,
        };
        Ok(BreakerConfig {
            window: self.window,
            minimum_calls: self.minimum_calls,
            failure_ppm,
            slow_ppm,
            slow: self.slow,
            open_wait: self.open_wait,
            half_open_permits: self.half_open_permits,
            max_half_open_nanos,
            automatic_half_open: self.automatic_half_open,
            slow_call_rule: self.slow_call_rule,
            failure_pct: self.failure_pct,
            slow_pct: self.slow_pct,
        })
    }
}
