//! Retry limits: max attempts and a deadline counted from the first failure.

use core::time::Duration;

use crate::rng::{RandomSource, SplitMix64};
use crate::strategy::{Backoff, ConfigError, Strategy};

/// A strategy plus limits: how many attempts in total and how long after the first failure.
///
/// The default limits are 3 attempts (the first try and two retries, as in the AWS SDKs'
/// standard mode), no time limit and a maximum server pushback of 60 s
/// ([`RetryPolicy::DEFAULT_MAX_PUSHBACK`]). There is no hidden elapsed-time default.
///
/// **Pushback rule** (gRPC proposal A6). A delay demanded by the server (`Retry-After`,
/// gRPC pushback) replaces the computed delay and is never shortened; the backoff sequence
/// then starts again from the base, so the retry after a pushback waits the base delay's
/// worth, not the next exponential step. A pushback longer than the maximum pushback ends
/// the run ([`StopReason::PushbackTooLong`]) instead of stalling it.
///
/// **Deadline rule.** The elapsed time is counted from the first failure, not from the
/// creation of the policy. No sleep ends after the deadline, and no retry is aimed at it:
/// when the next computed (jittered) delay would end past the deadline the schedule gives
/// up ([`StopReason::DelayPastDeadline`]) instead of shortening the delay — shortened
/// delays would bring every client that failed together back at the same instant, the
/// deadline. A server pushback that would overrun the deadline cannot be honoured and also
/// gives up (a shortened pushback would disobey the server).
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Decision, RetryPolicy, SplitMix64, StopReason, Strategy};
///
/// let strategy = Strategy::exponential(Duration::from_secs(1), Duration::from_secs(60))?;
/// let policy = RetryPolicy::new(strategy)
///     .with_max_attempts(10)?
///     .with_max_elapsed(Duration::from_secs(5));
/// let mut schedule = policy.schedule(SplitMix64::new(0));
/// let t0 = Duration::from_secs(100); // first failure
/// assert_eq!(schedule.on_failure(t0, None), Decision::RetryAfter(Duration::from_secs(1)));
/// let t1 = t0 + Duration::from_secs(2);
/// assert_eq!(schedule.on_failure(t1, None), Decision::RetryAfter(Duration::from_secs(2)));
/// // 4 s would end 1 s past the deadline: give up rather than retry at the deadline.
/// let t2 = t1 + Duration::from_secs(2);
/// assert_eq!(
///     schedule.on_failure(t2, None),
///     Decision::GiveUp(StopReason::DelayPastDeadline {
///         delay: Duration::from_secs(4),
///         remaining: Duration::from_secs(1),
///     })
/// );
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "PolicyRepr", into = "PolicyRepr"))]
pub struct RetryPolicy {
    strategy: Strategy,
    max_attempts: u32,
    max_elapsed: Option<Duration>,
    max_pushback: Duration,
    attempt_timeout: Option<Duration>,
}

/// The serialized form of a [`RetryPolicy`], validated on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRepr {
    strategy: Strategy,
    max_attempts: u32,
    #[serde(default, with = "crate::duration::serde_duration::option")]
    max_elapsed: Option<Duration>,
    #[serde(
        default = "default_max_pushback",
        with = "crate::duration::serde_duration"
    )]
    max_pushback: Duration,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::duration::serde_duration::option"
    )]
    attempt_timeout: Option<Duration>,
}

#[cfg(feature = "serde")]
const fn default_max_pushback() -> Duration {
    RetryPolicy::DEFAULT_MAX_PUSHBACK
}

#[cfg(feature = "serde")]
impl TryFrom<PolicyRepr> for RetryPolicy {
    type Error = ConfigError;
    fn try_from(r: PolicyRepr) -> Result<Self, ConfigError> {
        let p = RetryPolicy::new(r.strategy)
            .with_max_attempts(r.max_attempts)?
            .with_max_pushback(r.max_pushback);
        let p = match r.attempt_timeout {
            Some(d) => p.with_attempt_timeout(d)?,
            None => p,
        };
        Ok(match r.max_elapsed {
            Some(d) => p.with_max_elapsed(d),
            None => p,
        })
    }
}

#[cfg(feature = "serde")]
impl From<RetryPolicy> for PolicyRepr {
    fn from(p: RetryPolicy) -> Self {
        PolicyRepr {
            strategy: p.strategy,
            max_attempts: p.max_attempts,
            max_elapsed: p.max_elapsed,
            max_pushback: p.max_pushback,
            attempt_timeout: p.attempt_timeout,
        }
    }
}

/// The AWS SDKs' standard retry mode: [`Strategy::default`] (full jitter, 1 s base,
/// 20 s cap) and 3 attempts, no time limit, a 60 s maximum pushback.
///
/// # Examples
///
/// ```
/// use ward_backoff::{RetryPolicy, Strategy};
/// let p = RetryPolicy::default();
/// assert_eq!((p.max_attempts(), p.max_elapsed()), (3, None));
/// assert_eq!(*p.strategy(), Strategy::default());
/// ```
impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new(Strategy::default())
    }
}

impl RetryPolicy {
    /// The longest server pushback a new policy honours: 60 s.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.max_pushback(), RetryPolicy::DEFAULT_MAX_PUSHBACK);
    /// assert_eq!(RetryPolicy::DEFAULT_MAX_PUSHBACK, Duration::from_secs(60));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const DEFAULT_MAX_PUSHBACK: Duration = Duration::from_secs(60);

    /// A policy with the given strategy, 3 attempts in total, no time limit and a maximum
    /// pushback of 60 s.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.max_attempts(), 3);
    /// assert_eq!(p.max_elapsed(), None);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn new(strategy: Strategy) -> Self {
        Self {
            strategy,
            max_attempts: 3,
            max_elapsed: None,
            max_pushback: Self::DEFAULT_MAX_PUSHBACK,
            attempt_timeout: None,
        }
    }

    /// Sets the total number of attempts, the first try included; `u32::MAX` is unlimited
    /// in practice.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroAttempts`] if `max_attempts` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{ConfigError, RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.with_max_attempts(0), Err(ConfigError::ZeroAttempts));
    /// assert_eq!(p.with_max_attempts(5)?.max_attempts(), 5);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn with_max_attempts(self, max_attempts: u32) -> Result<Self, ConfigError> {
        if max_attempts == 0 {
            return Err(ConfigError::ZeroAttempts);
        }
        Ok(Self {
            max_attempts,
            ..self
        })
    }

    /// Sets the longest time, counted from the first failure, after which no retry starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?)
    ///     .with_max_elapsed(Duration::from_secs(30));
    /// assert_eq!(p.max_elapsed(), Some(Duration::from_secs(30)));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn with_max_elapsed(self, max_elapsed: Duration) -> Self {
        Self {
            max_elapsed: Some(max_elapsed),
            ..self
        }
    }

    /// Sets the longest server pushback honoured (default 60 s). A longer pushback ends the
    /// run with [`StopReason::PushbackTooLong`]; `Duration::MAX` honours any pushback.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Decision, RetryPolicy, SplitMix64, StopReason, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?)
    ///     .with_max_pushback(Duration::from_secs(5));
    /// let mut s = p.schedule(SplitMix64::new(0));
    /// let requested = Duration::from_secs(6);
    /// assert_eq!(
    ///     s.on_failure(Duration::ZERO, Some(requested)),
    ///     Decision::GiveUp(StopReason::PushbackTooLong { requested, max: Duration::from_secs(5) })
    /// );
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn with_max_pushback(self, max_pushback: Duration) -> Self {
        Self {
            max_pushback,
            ..self
        }
    }

    /// Limits every attempt to `timeout`: the async runners ([`Retrier::run_async`],
    /// `Retrier::run_tokio`) cancel an attempt that runs longer and count it as a timeout
    /// ([`Action::RetryTimeout`]). The blocking runners cannot interrupt a running call and
    /// do not apply it: give the operation its own timeout there.
    ///
    /// [`Retrier::run_async`]: crate::Retrier::run_async
    /// [`Action::RetryTimeout`]: crate::Action::RetryTimeout
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroAttemptTimeout`] if `timeout` is zero (no attempt could finish).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?)
    ///     .with_attempt_timeout(Duration::from_secs(2))?;
    /// assert_eq!(p.attempt_timeout(), Some(Duration::from_secs(2)));
    /// assert!(p.with_attempt_timeout(Duration::ZERO).is_err());
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn with_attempt_timeout(self, timeout: Duration) -> Result<Self, ConfigError> {
        if timeout.is_zero() {
            return Err(ConfigError::ZeroAttemptTimeout);
        }
        Ok(Self {
            attempt_timeout: Some(timeout),
            ..self
        })
    }

    /// The per-attempt time limit of the async runners, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.attempt_timeout(), None);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The longest server pushback honoured.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.max_pushback(), Duration::from_secs(60));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn max_pushback(&self) -> Duration {
        self.max_pushback
    }

    /// The delay strategy.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let s = Strategy::constant(Duration::from_millis(1))?;
    /// assert_eq!(*RetryPolicy::new(s).strategy(), s);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    /// Total attempts allowed, the first try included.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.max_attempts(), 3);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The time limit from the first failure, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.max_elapsed(), None);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn max_elapsed(&self) -> Option<Duration> {
        self.max_elapsed
    }

    /// Starts the bookkeeping of one operation's retries.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, SplitMix64, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// assert_eq!(p.schedule(SplitMix64::new(0)).failures(), 0);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn schedule<R: RandomSource>(&self, rng: R) -> RetrySchedule<R> {
        RetrySchedule {
            backoff: Backoff::new(self.strategy, rng),
            max_attempts: self.max_attempts,
            max_elapsed: self.max_elapsed,
            max_pushback: self.max_pushback,
            failures: 0,
            first_failure: None,
        }
    }
}

/// What to do after a failed attempt.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Decision, RetryPolicy, SplitMix64, Strategy};
/// let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?);
/// let mut s = p.schedule(SplitMix64::new(0));
/// match s.on_failure(Duration::ZERO, None) {
///     Decision::RetryAfter(d) => assert_eq!(d, Duration::from_secs(1)),
///     Decision::GiveUp(reason) => panic!("stopped: {reason}"),
/// }
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Sleep this long, then try again.
    RetryAfter(Duration),
    /// Stop and report the last error.
    GiveUp(StopReason),
}

/// Why a retry sequence stopped without success.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::StopReason;
/// let r = StopReason::DeadlineReached {
///     elapsed: Duration::from_secs(31),
///     max_elapsed: Duration::from_secs(30),
/// };
/// assert_eq!(r.to_string(), "31s elapsed since the first failure, limit 30s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum StopReason {
    /// The caller classified the error as permanent.
    #[error("the error was classified as not retryable")]
    NotRetryable,
    /// Every allowed attempt was made.
    #[error("{}", attempts_failed(*attempts))]
    AttemptsExhausted {
        /// Attempts made, the first try included.
        attempts: u32,
    },
    /// The time limit, counted from the first failure, leaves no room for another retry.
    #[error("{elapsed:?} elapsed since the first failure, limit {max_elapsed:?}")]
    DeadlineReached {
        /// Time since the first failure.
        elapsed: Duration,
        /// The configured limit.
        max_elapsed: Duration,
    },
    /// The next computed delay would end past the deadline. The delay is not shortened to
    /// end at the deadline: clients that failed together would all retry at that instant.
    #[error("next delay {delay:?} would end past the deadline, {remaining:?} remain")]
    DelayPastDeadline {
        /// The delay drawn for the next retry.
        delay: Duration,
        /// Time left before the deadline.
        remaining: Duration,
    },
    /// A server pushback asked for a wait longer than the policy's maximum pushback.
    #[error("server asked to wait {requested:?}, more than the maximum pushback {max:?}")]
    PushbackTooLong {
        /// The wait the server asked for.
        requested: Duration,
        /// The policy's maximum pushback.
        max: Duration,
    },
    /// A server pushback asked for a wait that would end past the deadline.
    #[error("server asked to wait {requested:?} but only {remaining:?} remain before the deadline")]
    PushbackPastDeadline {
        /// The wait the server asked for.
        requested: Duration,
        /// Time left before the deadline.
        remaining: Duration,
    },
    /// A retry budget refused the retry.
    #[error("the retry budget is exhausted")]
    BudgetExhausted,
}

/// "all 3 attempts failed", "the only attempt failed".
fn attempts_failed(attempts: u32) -> AttemptsFailed {
    AttemptsFailed(attempts)
}

struct AttemptsFailed(u32);

impl core::fmt::Display for AttemptsFailed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            1 => f.write_str("the only attempt failed"),
            n => write!(f, "all {n} attempts failed"),
        }
    }
}

/// The retry bookkeeping of one operation: failures so far, time of the first failure, and
/// the backoff sequence. Made by [`RetryPolicy::schedule`]; pure (the caller passes the
/// time), so it works without `std`.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Decision, RetryPolicy, SplitMix64, StopReason, Strategy};
///
/// let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?).with_max_attempts(2)?;
/// let mut s = p.schedule(SplitMix64::new(0));
/// assert_eq!(s.on_failure(Duration::ZERO, None), Decision::RetryAfter(Duration::from_secs(1)));
/// assert_eq!(
///     s.on_failure(Duration::from_secs(1), None),
///     Decision::GiveUp(StopReason::AttemptsExhausted { attempts: 2 })
/// );
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RetrySchedule<R = SplitMix64> {
    backoff: Backoff<R>,
    max_attempts: u32,
    max_elapsed: Option<Duration>,
    max_pushback: Duration,
    failures: u32,
    first_failure: Option<Duration>,
}

impl<R: RandomSource> RetrySchedule<R> {
    /// Records a failed attempt at time `now` and decides what comes next.
    ///
    /// `pushback` is a delay demanded by the server (`Retry-After`, gRPC pushback); it
    /// replaces the computed delay and is never shortened, and the backoff sequence starts
    /// again from the base (gRPC proposal A6). A pushback above the policy's maximum
    /// pushback gives up with [`StopReason::PushbackTooLong`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Decision, RetryPolicy, SplitMix64, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?);
    /// let mut s = p.schedule(SplitMix64::new(0));
    /// let pushback = Some(Duration::from_secs(30));
    /// assert_eq!(s.on_failure(Duration::ZERO, pushback), Decision::RetryAfter(Duration::from_secs(30)));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn on_failure(&mut self, now: Duration, pushback: Option<Duration>) -> Decision {
        match pushback {
            Some(requested) => self.decide(now, Wait::Exactly(requested)),
            None => self.decide(now, Wait::Policy),
        }
    }

    /// Records a failed attempt at time `now` that must not be retried before `floor` has
    /// passed, and decides what comes next: the retry waits `floor` *plus* the policy's
    /// own jittered delay.
    ///
    /// This is for waits that many clients share, such as the remaining open time of a
    /// circuit breaker ([`Action::RetryNotBefore`](crate::Action::RetryNotBefore) and
    /// [`Action::RetryUnsent`](crate::Action::RetryUnsent)): a
    /// wait of exactly `floor` would bring every client rejected together back at one
    /// instant, so each one adds its own jittered delay and they stay spread out. The
    /// backoff sequence goes on (it is not reset, unlike after a server pushback). A floor
    /// above the policy's maximum pushback gives up with [`StopReason::PushbackTooLong`],
    /// one that alone ends past the deadline with [`StopReason::PushbackPastDeadline`],
    /// and a floor plus delay that would end past the deadline with
    /// [`StopReason::DelayPastDeadline`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Decision, RetryPolicy, SplitMix64, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?);
    /// let mut s = p.schedule(SplitMix64::new(0));
    /// let floor = Duration::from_secs(30);
    /// assert_eq!(s.on_failure_not_before(Duration::ZERO, floor), Decision::RetryAfter(Duration::from_secs(31)));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn on_failure_not_before(&mut self, now: Duration, floor: Duration) -> Decision {
        self.decide(now, Wait::NotBefore(floor))
    }

    fn decide(&mut self, now: Duration, wait: Wait) -> Decision {
        self.failures = self.failures.saturating_add(1);
        let first = *self.first_failure.get_or_insert(now);
        if self.failures >= self.max_attempts {
            return Decision::GiveUp(StopReason::AttemptsExhausted {
                attempts: self.failures,
            });
        }
        if let Wait::Exactly(requested) | Wait::NotBefore(requested) = wait
            && requested > self.max_pushback
        {
            return Decision::GiveUp(StopReason::PushbackTooLong {
                requested,
                max: self.max_pushback,
            });
        }
        let delay = match wait {
            Wait::Exactly(requested) => {
                // gRPC A6: the retry after a pushback starts the backoff from the base.
                self.backoff.reset();
                requested
            }
            Wait::NotBefore(floor) => {
                floor.saturating_add(Duration::from_nanos(self.backoff.next_nanos()))
            }
            Wait::Policy => Duration::from_nanos(self.backoff.next_nanos()),
        };
        let Some(max_elapsed) = self.max_elapsed else {
            return Decision::RetryAfter(delay);
        };
        let elapsed = now.saturating_sub(first);
        let remaining = max_elapsed.saturating_sub(elapsed);
        if remaining.is_zero() {
            return Decision::GiveUp(StopReason::DeadlineReached {
                elapsed,
                max_elapsed,
            });
        }
        if delay <= remaining {
            return Decision::RetryAfter(delay);
        }
        match wait {
            Wait::Exactly(requested) | Wait::NotBefore(requested) if requested > remaining => {
                Decision::GiveUp(StopReason::PushbackPastDeadline {
                    requested,
                    remaining,
                })
            }
            // Never aim a retry at the deadline: a delay cut to end there would bring every
            // client that failed together back at the same instant.
            _ => Decision::GiveUp(StopReason::DelayPastDeadline { delay, remaining }),
        }
    }

    /// Failed attempts recorded so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, SplitMix64, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?);
    /// let mut s = p.schedule(SplitMix64::new(0));
    /// s.on_failure(Duration::ZERO, None);
    /// assert_eq!(s.failures(), 1);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn failures(&self) -> u32 {
        self.failures
    }

    /// When the first failure was recorded, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{RetryPolicy, SplitMix64, Strategy};
    /// let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?);
    /// let mut s = p.schedule(SplitMix64::new(0));
    /// s.on_failure(Duration::from_secs(9), None);
    /// assert_eq!(s.first_failure(), Some(Duration::from_secs(9)));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn first_failure(&self) -> Option<Duration> {
        self.first_failure
    }
}

/// How long the next wait must be, as the caller's failure demands.
#[derive(Debug, Clone, Copy)]
enum Wait {
    /// The policy's own (jittered) delay.
    Policy,
    /// Exactly this long: a server's pushback.
    Exactly(Duration),
    /// This long plus the policy's delay: a wait shared by many clients.
    NotBefore(Duration),
}
