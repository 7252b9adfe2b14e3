//! The vocabulary of a breaker: states, outcomes, transitions, rejections, metrics.

use core::fmt;
use core::time::Duration;

use super::{CLOSED, OPEN};
use crate::retry::Action;

/// The state of a circuit breaker.
///
/// # Examples
///
/// ```
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
/// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
/// assert_eq!(b.state(), State::Closed);
/// assert_eq!(State::HalfOpen.to_string(), "half-open");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Calls flow; outcomes are recorded in the sliding window.
    Closed,
    /// Calls are rejected without running until the wait has passed.
    Open,
    /// A fixed number of trial calls decide between closing and re-opening.
    HalfOpen,
}

impl State {
    pub(super) const fn from_tag(tag: u64) -> Self {
        match tag {
            CLOSED => State::Closed,
            OPEN => State::Open,
            _ => State::HalfOpen,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half-open",
        })
    }
}

/// How a call ended, as the caller classifies it.
///
/// # Examples
///
/// ```
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
/// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
/// // A 404 is the caller's problem, not the dependency's: ignore it.
/// let classify = |r: &Result<u16, ()>| match r {
///     Ok(404) => Outcome::Ignored,
///     Ok(s) if *s >= 500 => Outcome::Failure,
///     Ok(_) => Outcome::Success,
///     Err(()) => Outcome::Failure,
/// };
/// let _ = b.call_with(classify, || Ok(404));
/// let _ = b.call_with(classify, || Ok(503));
/// assert_eq!((b.metrics().calls, b.metrics().failed_calls), (1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The dependency did its job (slow successes still count as slow).
    Success,
    /// The dependency failed.
    Failure,
    /// Not the dependency's fault (a validation error, a cancelled call): not recorded; a
    /// half-open permit is released.
    Ignored,
}

/// A state change, as passed to a [`TransitionObserver`].
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::breaker::{State, Transition};
/// let t = Transition { from: State::Closed, to: State::Open, at: Duration::from_secs(3) };
/// assert_eq!(format!("{} -> {} at {:?}", t.from, t.to, t.at), "closed -> open at 3s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// The breaker clock's reading at the transition.
    pub at: Duration,
}

/// Told about every state change, synchronously, by the thread that made it.
///
/// Closures `Fn(Transition)` are observers. [`NoObserver`] (the default) compiles to
/// nothing.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow};
///
/// let config = BreakerConfig::builder()
///     .sliding_window(SlidingWindow::CountBased(1))
///     .minimum_calls(1)
///     .build()?;
/// let opened = AtomicU32::new(0);
/// let breaker = CircuitBreaker::new(config, ManualClock::new())
///     .with_observer(|_t| { opened.fetch_add(1, Ordering::Relaxed); });
/// breaker.try_acquire()?.record(Outcome::Failure, Default::default());
/// assert_eq!(opened.load(Ordering::Relaxed), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TransitionObserver {
    /// Called after the transition took effect.
    fn on_transition(&self, transition: Transition);
}

impl<F: Fn(Transition)> TransitionObserver for F {
    fn on_transition(&self, transition: Transition) {
        self(transition);
    }
}

/// The observer that does nothing.
///
/// # Examples
///
/// ```
/// use ward_backoff::breaker::{NoObserver, State, Transition, TransitionObserver};
/// NoObserver.on_transition(Transition { from: State::Closed, to: State::Open, at: Default::default() });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoObserver;

impl TransitionObserver for NoObserver {
    #[inline(always)]
    fn on_transition(&self, _transition: Transition) {}
}

/// A call was not permitted.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
/// let config = BreakerConfig::builder()
///     .sliding_window(SlidingWindow::CountBased(1))
///     .minimum_calls(1)
///     .build()?;
/// let b = CircuitBreaker::new(config, ManualClock::new());
/// b.try_acquire()?.record(Outcome::Failure, Default::default());
/// let rejected = b.try_acquire().unwrap_err();
/// assert_eq!(rejected.state, State::Open);
/// // 60 s open (the default), strictly: the first call is permitted 1 ns after that.
/// assert_eq!(rejected.remaining_open, Some(Duration::from_secs(60) + Duration::from_nanos(1)));
/// assert_eq!(rejected.to_string(), "call not permitted: circuit breaker is open for another 60.000000001s");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Rejected {
    /// The state that refused the call.
    pub state: State,
    /// While open: how long until a call is permitted (the open wait strictly passed).
    /// `None` in half-open, where every trial permit is taken and the wait depends on the
    /// trial calls.
    pub remaining_open: Option<Duration>,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call not permitted: circuit breaker is {}", self.state)?;
        match self.remaining_open {
            Some(d) => write!(f, " for another {d:?}"),
            None => Ok(()),
        }
    }
}

impl core::error::Error for Rejected {}

/// The result of [`CircuitBreaker::call`](super::CircuitBreaker::call): rejected, or the call's own error.
///
/// # Examples
///
/// ```
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CallError, CircuitBreaker};
/// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
/// match b.call(|| Err::<(), _>("timeout")) {
///     Err(CallError::Inner(e)) => assert_eq!(e, "timeout"), // it ran and failed
///     Err(CallError::Rejected(r)) => panic!("not run: {r}"),
///     Ok(()) => unreachable!(),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError<E> {
    /// The breaker refused the call; it did not run.
    #[error(transparent)]
    Rejected(Rejected),
    /// The call ran and returned this error.
    #[error("call failed: {0}")]
    Inner(E),
}

impl<E> CallError<E> {
    /// How a [`Retrier`](crate::Retrier) should treat this error: a rejection by an open
    /// breaker is waited out ([`Action::RetryAfter`] its remaining open time, so the retry
    /// is the first call permitted; a deadline or maximum pushback it would overrun ends
    /// the run); a rejection in half-open is retried after the policy's delay; the call's
    /// own error is classified by `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Action;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CallError, CircuitBreaker, SlidingWindow};
    /// let config = BreakerConfig::builder()
    ///     .sliding_window(SlidingWindow::CountBased(1))
    ///     .minimum_calls(1)
    ///     .wait_in_open(Duration::from_secs(5))
    ///     .build()?;
    /// let b = CircuitBreaker::new(config, ManualClock::new());
    /// let failed = b.call(|| Err::<(), _>(503)).unwrap_err();
    /// assert_eq!(failed.retry_action(|_| Action::Retry), Action::Retry);
    /// let rejected = b.call(|| Ok::<(), u16>(())).unwrap_err();
    /// assert_eq!(
    ///     rejected.retry_action(|_| Action::GiveUp),
    ///     Action::RetryAfter(Duration::from_secs(5) + Duration::from_nanos(1))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retry_action(&self, inner: impl FnOnce(&E) -> Action) -> Action {
        match self {
            CallError::Rejected(Rejected {
                remaining_open: Some(d),
                ..
            }) => Action::RetryAfter(*d),
            CallError::Rejected(_) => Action::Retry,
            CallError::Inner(e) => inner(e),
        }
    }
}

/// A point-in-time view of a breaker, read without locks.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
/// let config = BreakerConfig::builder()
///     .sliding_window(SlidingWindow::CountBased(10))
///     .minimum_calls(4)
///     .build()?;
/// let b = CircuitBreaker::new(config, ManualClock::new());
/// for outcome in [Outcome::Success, Outcome::Failure, Outcome::Success, Outcome::Success] {
///     b.try_acquire()?.record(outcome, Duration::from_millis(1));
/// }
/// let m = b.metrics();
/// assert_eq!((m.state, m.calls, m.failed_calls), (State::Closed, 4, 1));
/// assert_eq!(m.failure_rate, Some(25.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Metrics {
    /// The state.
    pub state: State,
    /// Outcomes in the window (closed, open) or trial outcomes (half-open).
    pub calls: u64,
    /// Failures among them.
    pub failed_calls: u64,
    /// Slow calls among them.
    pub slow_calls: u64,
    /// Failure rate in percent, `None` below the minimum number of calls.
    pub failure_rate: Option<f32>,
    /// Slow-call rate in percent, `None` below the minimum number of calls.
    pub slow_call_rate: Option<f32>,
    /// Calls rejected since the breaker was created.
    pub rejected_calls: u64,
}
