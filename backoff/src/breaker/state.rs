//! The vocabulary of a breaker: states, outcomes, transitions, rejections, metrics.

use core::fmt;
use core::time::Duration;

use super::{CLOSED, FORCED_OPEN_KIND, HALF_OPEN, METRICS_ONLY_KIND, OPEN, issued, tag};
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
    /// Set by hand ([`transition_to_disabled`](super::CircuitBreaker::transition_to_disabled)):
    /// every call is permitted, nothing is recorded, no outcome event is emitted, and the
    /// state never changes by itself (Resilience4j's `DISABLED`).
    Disabled,
    /// Set by hand ([`transition_to_forced_open`](super::CircuitBreaker::transition_to_forced_open)):
    /// every call is rejected (counted in [`Metrics::rejected_calls`], no event), and the
    /// state never changes by itself (Resilience4j's `FORCED_OPEN`).
    ForcedOpen,
    /// Set by hand ([`transition_to_metrics_only`](super::CircuitBreaker::transition_to_metrics_only)):
    /// every call is permitted, outcomes are recorded in the window and emitted as events,
    /// the rate-exceeded events are emitted (once per period), but the state never changes
    /// by itself (Resilience4j's `METRICS_ONLY`).
    MetricsOnly,
}

impl State {
    /// The state of a packed state word.
    pub(super) const fn from_word(word: u64) -> Self {
        match tag(word) {
            CLOSED => State::Closed,
            OPEN => State::Open,
            HALF_OPEN => State::HalfOpen,
            _ => match issued(word) {
                FORCED_OPEN_KIND => State::ForcedOpen,
                METRICS_ONLY_KIND => State::MetricsOnly,
                _ => State::Disabled,
            },
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half-open",
            State::Disabled => "disabled",
            State::ForcedOpen => "forced open",
            State::MetricsOnly => "metrics only",
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

/// Told about every state change, synchronously, by the thread that made it, and,
/// through the provided method [`on_event`](TransitionObserver::on_event), about every
/// [`Event`].
///
/// Closures `Fn(Transition)` are observers of transitions; [`EventObserver`] turns a
/// closure `Fn(&Event)` into an observer of every event. [`NoObserver`] (the default)
/// compiles to nothing: the breaker is generic over its observer, so with none registered
/// no event is even built.
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

    /// Called for every event, transitions included (after
    /// [`on_transition`](TransitionObserver::on_transition)). Does nothing unless
    /// overridden.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Event, Transition, TransitionObserver};
    ///
    /// #[derive(Default)]
    /// struct Errors(AtomicU32);
    /// impl TransitionObserver for Errors {
    ///     fn on_transition(&self, _: Transition) {}
    ///     fn on_event(&self, event: &Event) {
    ///         if let Event::Error { .. } = event {
    ///             self.0.fetch_add(1, Ordering::Relaxed);
    ///         }
    ///     }
    /// }
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new())
    ///     .with_observer(Errors::default());
    /// let _ = b.call(|| Err::<(), _>("down"));
    /// assert_eq!(b.observer().0.load(Ordering::Relaxed), 1);
    /// ```
    #[inline(always)]
    fn on_event(&self, event: &Event) {
        let _ = event;
    }
}

/// Something that happened in a breaker, as passed to
/// [`TransitionObserver::on_event`]: Resilience4j's event stream.
///
/// Events are emitted synchronously by the thread that caused them. In
/// [`State::Disabled`] and [`State::ForcedOpen`] only transitions and resets are emitted,
/// as in Resilience4j.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use std::sync::Mutex;
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Event, EventObserver, Outcome};
/// let seen = Mutex::new(Vec::new());
/// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new())
///     .with_observer(EventObserver(|e: &Event| seen.lock().unwrap().push(*e)));
/// b.try_acquire()?.record(Outcome::Success, Duration::from_millis(3));
/// assert_eq!(
///     seen.lock().unwrap()[0],
///     Event::Success { duration: Duration::from_millis(3), slow: false }
/// );
/// # Ok::<(), ward_backoff::breaker::Rejected>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A call recorded as [`Outcome::Success`].
    Success {
        /// How long it took (zero for a call the breaker ran itself when the slow-call
        /// rule is off: it is then not timed).
        duration: Duration,
        /// Whether it was slow (at or above the slow-call duration).
        slow: bool,
    },
    /// A call recorded as [`Outcome::Failure`].
    Error {
        /// How long it took (zero for a call the breaker ran itself when the slow-call
        /// rule is off: it is then not timed).
        duration: Duration,
        /// Whether it was slow (at or above the slow-call duration).
        slow: bool,
    },
    /// A call recorded as [`Outcome::Ignored`] (not counted).
    Ignored {
        /// How long it took (zero for a call the breaker ran itself when the slow-call
        /// rule is off: it is then not timed).
        duration: Duration,
    },
    /// A call was not permitted (open, or half-open with every trial permit taken).
    NotPermitted(Rejected),
    /// The failure rate reached its threshold: emitted just before the breaker opens from
    /// closed, and once per period in [`State::MetricsOnly`].
    FailureRateExceeded {
        /// The failure rate, in percent.
        rate: f32,
    },
    /// The slow-call rate reached its threshold: emitted just before the breaker opens
    /// from closed, and once per period in [`State::MetricsOnly`].
    SlowCallRateExceeded {
        /// The slow-call rate, in percent.
        rate: f32,
    },
    /// The state changed (also passed to [`TransitionObserver::on_transition`]).
    Transition(Transition),
    /// The breaker was reset to closed with empty metrics
    /// ([`CircuitBreaker::reset`](super::CircuitBreaker::reset)).
    Reset {
        /// The breaker clock's reading at the reset.
        at: Duration,
    },
}

/// Turns a closure `Fn(&Event)` into an observer of every [`Event`].
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Event, EventObserver};
/// let rejected = AtomicU32::new(0);
/// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new())
///     .with_observer(EventObserver(|e: &Event| {
///         if matches!(e, Event::NotPermitted(_)) {
///             rejected.fetch_add(1, Ordering::Relaxed);
///         }
///     }));
/// b.transition_to_open_for(core::time::Duration::from_secs(5));
/// assert!(b.try_acquire().is_err());
/// assert_eq!(rejected.load(Ordering::Relaxed), 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EventObserver<F>(pub F);

impl<F: Fn(&Event)> TransitionObserver for EventObserver<F> {
    #[inline]
    fn on_transition(&self, _transition: Transition) {}

    #[inline]
    fn on_event(&self, event: &Event) {
        (self.0)(event);
    }
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
    /// trial calls, and in forced open, which ends only by hand.
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
    /// breaker is waited out ([`Action::RetryUnsent`] its remaining open time: the
    /// retry comes after the open wait plus the policy's jittered delay, so clients
    /// rejected together reach the half-open breaker spread out rather than all at the
    /// instant it opens for trials; a deadline or maximum pushback it would overrun ends
    /// the run); a rejection in half-open is retried after the policy's delay
    /// (`RetryUnsent(Duration::ZERO)`); a rejection by a forced-open breaker is given up
    /// on ([`Action::GiveUpUnsent`]: it opens only by hand); the call's own error is
    /// classified by `inner`. A rejected call never reached the service, so none of these
    /// costs the retry budget anything.
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
    ///     Action::RetryUnsent(Duration::from_secs(5) + Duration::from_nanos(1))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retry_action(&self, inner: impl FnOnce(&E) -> Action) -> Action {
        match self {
            CallError::Rejected(Rejected {
                remaining_open: Some(d),
                ..
            }) => Action::RetryUnsent(*d),
            CallError::Rejected(Rejected {
                state: State::ForcedOpen,
                ..
            }) => Action::GiveUpUnsent,
            CallError::Rejected(_) => Action::RetryUnsent(Duration::ZERO),
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
