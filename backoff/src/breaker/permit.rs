//! Permissions to make one call, released when dropped unrecorded.

use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;

use super::{CLOSED, CircuitBreaker, NoObserver, Outcome, State, Ticket, TransitionObserver};
use crate::clock::Clock;

/// Permission for one call. Report how it went with [`Permit::record`]; dropping it
/// unrecorded releases it (in half-open, another trial call may then start).
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
/// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
/// let permit = b.try_acquire()?;
/// permit.record(Outcome::Failure, Duration::from_millis(30));
/// drop(b.try_acquire()?); // released unused: nothing recorded
/// assert_eq!((b.metrics().calls, b.metrics().failed_calls), (1, 1));
/// # Ok::<(), ward_backoff::breaker::Rejected>(())
/// ```
#[must_use = "a permit must be recorded; dropping it releases it unused"]
pub struct Permit<'a, C: Clock, O: TransitionObserver = NoObserver> {
    pub(super) breaker: &'a CircuitBreaker<C, O>,
    pub(super) ticket: Option<Ticket>,
}

impl<C: Clock, O: TransitionObserver> Permit<'_, C, O> {
    /// The state that granted this permit: [`State::Closed`] for an ordinary call,
    /// [`State::HalfOpen`] for a trial call.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// assert_eq!(b.try_acquire()?.state(), State::Closed);
    /// # Ok::<(), ward_backoff::breaker::Rejected>(())
    /// ```
    pub fn state(&self) -> State {
        State::from_word(self.ticket.map_or(CLOSED, |t| t.0))
    }

    /// Records the call's outcome and how long it took.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.try_acquire()?.record(Outcome::Failure, Duration::from_secs(3));
    /// assert_eq!(b.metrics().failed_calls, 1);
    /// # Ok::<(), ward_backoff::breaker::Rejected>(())
    /// ```
    #[inline]
    pub fn record(mut self, outcome: Outcome, duration: Duration) {
        if let Some(t) = self.ticket.take() {
            self.breaker.record_ticket(t, outcome, duration);
        }
    }
}

impl<C: Clock, O: TransitionObserver> Drop for Permit<'_, C, O> {
    #[inline]
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.breaker.release_ticket(t);
        }
    }
}

impl<C: Clock, O: TransitionObserver> fmt::Debug for Permit<'_, C, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("ticket", &self.ticket)
            .finish()
    }
}

/// A [`Permit`] that owns an `Arc` of its breaker.
///
/// Made by [`CircuitBreaker::try_acquire_owned`](super::CircuitBreaker::try_acquire_owned);
/// it can move into a spawned task or thread.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use std::sync::Arc;
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
/// let b = Arc::new(CircuitBreaker::new(BreakerConfig::default(), ManualClock::new()));
/// let permit = CircuitBreaker::try_acquire_owned(&b)?;
/// std::thread::spawn(move || permit.record(Outcome::Success, Duration::ZERO)).join().unwrap();
/// assert_eq!(b.metrics().calls, 1);
/// # Ok::<(), ward_backoff::breaker::Rejected>(())
/// ```
#[must_use = "a permit must be recorded; dropping it releases it unused"]
pub struct OwnedPermit<C: Clock, O: TransitionObserver = NoObserver> {
    pub(super) breaker: Arc<CircuitBreaker<C, O>>,
    pub(super) ticket: Option<Ticket>,
}

impl<C: Clock, O: TransitionObserver> OwnedPermit<C, O> {
    /// Records the call's outcome and how long it took.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use std::sync::Arc;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
    /// let b = Arc::new(CircuitBreaker::new(BreakerConfig::default(), ManualClock::new()));
    /// CircuitBreaker::try_acquire_owned(&b)?.record(Outcome::Success, Duration::ZERO);
    /// assert_eq!(b.metrics().calls, 1);
    /// # Ok::<(), ward_backoff::breaker::Rejected>(())
    /// ```
    pub fn record(mut self, outcome: Outcome, duration: Duration) {
        if let Some(t) = self.ticket.take() {
            self.breaker.record_ticket(t, outcome, duration);
        }
    }
}

impl<C: Clock, O: TransitionObserver> Drop for OwnedPermit<C, O> {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.breaker.release_ticket(t);
        }
    }
}

impl<C: Clock, O: TransitionObserver> fmt::Debug for OwnedPermit<C, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit")
            .field("ticket", &self.ticket)
            .finish()
    }
}
