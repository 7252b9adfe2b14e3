//! A circuit breaker with Resilience4j's rules and a one-load closed hot path.
//!
//! See [`CircuitBreaker`].

mod classify;
mod config;
#[cfg(feature = "tower")]
mod layer;
mod permit;
mod state;
mod window;

use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::time::Duration;

pub use classify::{Classify, ResultClassifier};
pub use config::{
    BreakerConfig, BreakerConfigBuilder, BreakerConfigError, OpenWait, SlidingWindow,
};
#[cfg(feature = "tower")]
pub use layer::{BreakerLayer, BreakerService, ResponseFuture};
pub use permit::{OwnedPermit, Permit};
pub use state::{
    CallError, Event, EventObserver, Metrics, NoObserver, Outcome, Rejected, State, Transition,
    TransitionObserver,
};

use crate::clock::{Clock, nanos};
use crate::rng::{AtomicSplitMix, RandomSource};
use crate::sync::{AtomicU64, Ordering};
use window::{CountWindow, Sample, TimeWindow, Window};

// ---- the packed state word ----
//
// bits 0..2   state tag (closed, open, half-open, forced)
// bits 2..16  half-open: permits handed out and not yet released or recorded;
//             forced: which state set by hand (disabled, forced open, metrics only)
// bits 16..64 epoch: +1 on every transition, so a compare-and-swap from a stale word fails
const CLOSED: u64 = 0;
const OPEN: u64 = 1;
const HALF_OPEN: u64 = 2;
const FORCED: u64 = 3;
const DISABLED_KIND: u64 = 0;
const FORCED_OPEN_KIND: u64 = 1;
const METRICS_ONLY_KIND: u64 = 2;
const TAG_MASK: u64 = 0b11;
const ISSUED_ONE: u64 = 1 << 2;
const ISSUED_MASK: u64 = 0x3FFF << 2;
const EPOCH_SHIFT: u32 = 16;

#[inline]
const fn tag(word: u64) -> u64 {
    word & TAG_MASK
}
#[inline]
const fn issued(word: u64) -> u64 {
    (word & ISSUED_MASK) >> 2
}
#[inline]
const fn epoch(word: u64) -> u64 {
    word >> EPOCH_SHIFT
}
#[inline]
const fn pack(tag: u64, issued: u64, epoch: u64) -> u64 {
    (epoch << EPOCH_SHIFT) | (issued << 2) | tag
}

// ---- the half-open trial word ----
//
// bits 0..15   trial outcomes recorded (at most 16 383 permits)
// bit 15       decided: the outcome that completed the trial set it; later ones are discarded
// bits 16..32  failed trials
// bits 32..48  slow trials
// bits 48..64  the half-open epoch the word belongs to (low 16 bits)
const TRIAL_DONE: u64 = 1;
const TRIAL_DECIDED: u64 = 1 << 15;
const TRIAL_FAILED: u64 = 1 << 16;
const TRIAL_SLOW: u64 = 1 << 32;
#[inline]
const fn trial_epoch(word: u64) -> u64 {
    word >> 48
}
#[inline]
const fn trial_counts(word: u64) -> (u64, u64, u64) {
    (word & 0x7FFF, (word >> 16) & 0xFFFF, (word >> 32) & 0xFFFF)
}
#[inline]
const fn trial_reset(epoch: u64) -> u64 {
    (epoch & 0xFFFF) << 48
}

/// The raw permission: the state word at acquisition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ticket(u64);

/// A circuit breaker: stops calling a dependency whose failure or slow-call rate crossed a
/// threshold, then probes it with a few trial calls.
///
/// **Rules** (those of Resilience4j's `CircuitBreaker`):
/// - *Closed.* Outcomes go into a sliding window, count-based (last N calls) or time-based
///   (last N seconds of the injected monotonic clock). Nothing is evaluated before
///   `minimum_calls` outcomes are in the window (for a count-based window, `minimum_calls`
///   is clamped to its size). Then if the failure rate or the slow-call rate (slow =
///   duration ≥ the configured threshold) is **at or above** its threshold, the breaker
///   opens.
/// - *Open.* Calls are rejected without running. The first call after the wait has
///   **strictly** passed moves the breaker to half-open (and is its first trial call). The
///   wait can grow with consecutive openings ([`OpenWait::Backoff`]).
/// - *Half-open.* At most `half_open_permits` trial calls are admitted; a permit returned
///   unused (an ignored outcome, a dropped permit, a cancelled future) is released for
///   another caller. Once `min(minimum_calls, half_open_permits)` trial outcomes are in,
///   the same thresholds decide: close (with a fresh window) or re-open; later trial
///   outcomes no longer count. Optionally, half-open turns back to open after a maximum
///   wait: there is no timer, but whoever looks first ([`state`](CircuitBreaker::state),
///   [`metrics`](CircuitBreaker::metrics), a call asking for permission, a trial outcome)
///   makes the transition, dated at the limit, so a trial completing after the limit
///   never closes the breaker.
/// - *Metrics.* Closed and open-from-closed report the window; half-open and
///   open-from-half-open report the trial calls, as Resilience4j carries the half-open
///   metrics into the open state.
///
/// **Hot path.** The whole state is one packed `AtomicU64` (state, half-open permits,
/// epoch). In closed, permission is one atomic load; recording an outcome allocates
/// nothing. A count-based window takes no lock (one `fetch_add`, plus bit flips only when
/// the outcome differs from the one it evicts); a time-based window records under a short
/// spin lock, with the clock read inside it, so a bucket's second and its counts change
/// together (checked with loom and a loom-visible clock: no outcome is lost at a second
/// boundary, no rate uses an expired bucket). Transitions are compare-and-swap on the
/// packed word; the epoch makes a stale swap fail, and there is nothing to free, so nothing
/// leaks.
///
/// **Limits.** Under concurrency a count-based window's counts are updated by independent
/// atomics, so a rate read at one instant may lag by the calls being recorded at that
/// instant, and an outcome whose record races with a transition out of closed may land in
/// the window after it. An outcome of a call that began before a transition and is
/// recorded after it is discarded (in a time-based window this is checked under its lock).
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::ManualClock;
/// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
///
/// let config = BreakerConfig::builder()
///     .sliding_window(SlidingWindow::CountBased(4))
///     .minimum_calls(4)
///     .wait_in_open(Duration::from_secs(10))
///     .half_open_permits(1)
///     .build()?;
/// let clock = ManualClock::new();
/// let breaker = CircuitBreaker::new(config, &clock);
/// for outcome in [Outcome::Success, Outcome::Failure, Outcome::Success, Outcome::Failure] {
///     breaker.try_acquire()?.record(outcome, Duration::from_millis(5));
/// }
/// assert_eq!(breaker.state(), State::Open); // 2 of 4 failed: 50 % reaches 50 %
/// assert!(breaker.try_acquire().is_err());
///
/// clock.advance(Duration::from_secs(10));
/// assert!(breaker.try_acquire().is_err()); // the wait has not *strictly* passed
/// clock.advance(Duration::from_nanos(1));
/// let trial = breaker.try_acquire()?;
/// assert_eq!(breaker.state(), State::HalfOpen);
/// trial.record(Outcome::Success, Duration::from_millis(5));
/// assert_eq!(breaker.state(), State::Closed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CircuitBreaker<C, O = NoObserver> {
    state: AtomicU64,
    window: Window,
    trial: AtomicU64,
    deadline: AtomicU64,
    deadline_epoch: AtomicU64,
    consecutive_opens: AtomicU64,
    previous_wait: AtomicU64,
    rejected: AtomicU64,
    /// The metrics-only epoch whose rate-exceeded events were emitted.
    reported: AtomicU64,
    config: BreakerConfig,
    minimum: u32,
    rng: AtomicSplitMix,
    clock: C,
    observer: O,
}

impl<C, O> fmt::Debug for CircuitBreaker<C, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.state.load(Ordering::Relaxed);
        f.debug_struct("CircuitBreaker")
            .field("state", &State::from_word(w))
            .field("epoch", &epoch(w))
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

struct SharedRng<'a>(&'a AtomicSplitMix);
impl RandomSource for SharedRng<'_> {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

impl<C: Clock> CircuitBreaker<C> {
    /// A closed breaker with `config`, reading time from `clock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// use ward_backoff::breaker::State;
    /// let breaker = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// assert_eq!(breaker.state(), State::Closed);
    /// ```
    pub fn new(config: BreakerConfig, clock: C) -> Self {
        let window = match config.window {
            SlidingWindow::CountBased(n) => Window::Count(CountWindow::new(n)),
            SlidingWindow::TimeBased(s) => Window::Time(TimeWindow::new(s)),
        };
        Self {
            state: AtomicU64::new(pack(CLOSED, 0, 0)),
            window,
            trial: AtomicU64::new(trial_reset(u64::MAX)),
            deadline: AtomicU64::new(0),
            deadline_epoch: AtomicU64::new(u64::MAX),
            consecutive_opens: AtomicU64::new(0),
            previous_wait: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            reported: AtomicU64::new(u64::MAX),
            minimum: config.effective_minimum(),
            rng: AtomicSplitMix::new(default_seed()),
            config,
            clock,
            observer: NoObserver,
        }
    }
}

/// Breakers of different processes must not jitter their open waits alike.
fn default_seed() -> u64 {
    #[cfg(feature = "std")]
    {
        crate::rng::entropy_seed()
    }
    #[cfg(not(feature = "std"))]
    {
        0x0B5E_55ED
    }
}

impl<C: Clock, O: TransitionObserver> CircuitBreaker<C, O> {
    /// The same breaker, drawing the jitter of a jittered [`OpenWait::Backoff`] from a
    /// stream seeded by `seed` (by default: from entropy with `std`, a constant without).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new()).with_seed(7);
    /// assert_eq!(b.metrics().calls, 0);
    /// ```
    #[must_use]
    pub fn with_seed(self, seed: u64) -> Self {
        Self {
            rng: AtomicSplitMix::new(seed),
            ..self
        }
    }

    /// The same breaker, reporting transitions to `observer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// use ward_backoff::breaker::Transition;
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new())
    ///     .with_observer(|t: Transition| println!("{} -> {}", t.from, t.to));
    /// assert_eq!(b.metrics().calls, 0);
    /// ```
    pub fn with_observer<O2: TransitionObserver>(self, observer: O2) -> CircuitBreaker<C, O2> {
        CircuitBreaker {
            state: self.state,
            window: self.window,
            trial: self.trial,
            deadline: self.deadline,
            deadline_epoch: self.deadline_epoch,
            consecutive_opens: self.consecutive_opens,
            previous_wait: self.previous_wait,
            rejected: self.rejected,
            reported: self.reported,
            config: self.config,
            minimum: self.minimum,
            rng: self.rng,
            clock: self.clock,
            observer,
        }
    }

    /// The configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// assert_eq!(b.config().half_open_permits(), 10);
    /// ```
    pub const fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The observer given to [`with_observer`](CircuitBreaker::with_observer).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, NoObserver};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// assert_eq!(*b.observer(), NoObserver);
    /// ```
    pub const fn observer(&self) -> &O {
        &self.observer
    }

    /// The state now. A half-open period past its maximum wait is moved to open first.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// assert_eq!(b.state(), State::Closed);
    /// ```
    pub fn state(&self) -> State {
        State::from_word(self.current_word())
    }

    /// The state word, after the transitions that time makes: open to half-open once the
    /// wait has strictly passed (with [`automatic_half_open`]), half-open to open once its
    /// maximum wait has strictly passed. There is no timer: whoever looks first makes the
    /// transition, dated when it was due.
    ///
    /// [`automatic_half_open`]: BreakerConfigBuilder::automatic_half_open
    fn current_word(&self) -> u64 {
        // A clock that jumped far ahead walks through every transition that came due
        // (at most one per open wait plus maximum half-open wait), each dated when due.
        let mut w = self.state.load(Ordering::Acquire);
        loop {
            match tag(w) {
                OPEN if self.config.automatic_half_open => {
                    if !self.deadline_passed(w, self.clock.now()) {
                        // The deadline read may already belong to a newer state (the
                        // winner of a transition publishes after its swap): look again.
                        let cur = self.state.load(Ordering::Acquire);
                        if cur == w {
                            return w;
                        }
                        w = cur;
                        continue;
                    }
                    let at = Duration::from_nanos(self.deadline.load(Ordering::Acquire));
                    let mut cur = w;
                    while tag(cur) == OPEN && epoch(cur) == epoch(w) {
                        match self.enter_half_open(cur, at, 0) {
                            Ok(_) => break,
                            Err(seen) => cur = seen,
                        }
                    }
                }
                HALF_OPEN if self.config.max_half_open_nanos.is_some() => {
                    if !self.half_open_expired(w, self.clock.now()) {
                        return w;
                    }
                }
                _ => return w,
            }
            w = self.state.load(Ordering::Acquire);
        }
    }

    /// Moves the open state in `w` (its wait passed) to half-open, dated `at`, with
    /// `permits` trial permits already taken. Returns the new word, or the word seen if
    /// the swap failed.
    fn enter_half_open(&self, w: u64, at: Duration, permits: u64) -> Result<u64, u64> {
        let next = epoch(w) + 1;
        self.reset_trial(next);
        let new = pack(HALF_OPEN, permits, next);
        self.state
            .compare_exchange(w, new, Ordering::AcqRel, Ordering::Acquire)?;
        let limit = self.config.max_half_open_nanos;
        self.publish_deadline(
            next,
            limit.map_or(u64::MAX, |l| nanos(at).saturating_add(l)),
        );
        self.observe(State::Open, State::HalfOpen, at);
        Ok(new)
    }

    /// If the half-open state in `w` is past its maximum wait, moves it to open (dated at
    /// the limit, as Resilience4j's timer would) and returns true.
    fn half_open_expired(&self, w: u64, now: Duration) -> bool {
        if !self.deadline_passed(w, now) {
            return false;
        }
        let at = Duration::from_nanos(self.deadline.load(Ordering::Acquire));
        // Freeze the trial first: an outcome recorded from now on is too late to count.
        self.freeze_trial(epoch(w));
        let mut cur = w;
        while tag(cur) == HALF_OPEN && epoch(cur) == epoch(w) {
            if self.transition(cur, OPEN, at) {
                break;
            }
            cur = self.state.load(Ordering::Acquire);
        }
        true
    }

    /// Asks to make a call. In closed this is a single atomic load.
    ///
    /// The returned [`Permit`] must be given the call's outcome
    /// ([`Permit::record`]); dropping it unused releases it.
    ///
    /// # Errors
    ///
    /// [`Rejected`] while open (before the wait has strictly passed) or while half-open with
    /// every trial permit taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// use core::time::Duration;
    /// use ward_backoff::breaker::Outcome;
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// let permit = b.try_acquire()?;
    /// // ... make the call, then:
    /// permit.record(Outcome::Success, Duration::from_millis(12));
    /// assert_eq!(b.metrics().calls, 1);
    /// # Ok::<(), ward_backoff::breaker::Rejected>(())
    /// ```
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_, C, O>, Rejected> {
        let ticket = self.acquire_ticket()?;
        Ok(Permit {
            breaker: self,
            ticket: Some(ticket),
        })
    }

    #[inline]
    fn acquire_ticket(&self) -> Result<Ticket, Rejected> {
        let w = self.state.load(Ordering::Acquire);
        if tag(w) == CLOSED {
            return Ok(Ticket(w));
        }
        self.acquire_slow()
    }

    #[cold]
    fn acquire_slow(&self) -> Result<Ticket, Rejected> {
        let mut w = self.state.load(Ordering::Acquire);
        loop {
            match tag(w) {
                CLOSED => return Ok(Ticket(w)),
                OPEN => {
                    let now = self.clock.now();
                    if !self.deadline_passed(w, now) {
                        // The deadline read may already belong to a newer state (the
                        // winner of a transition publishes after its swap): look again.
                        let cur = self.state.load(Ordering::Acquire);
                        if cur != w {
                            w = cur;
                            continue;
                        }
                        return Err(self.reject(State::Open, self.open_remaining(w, now)));
                    }
                    if self.config.automatic_half_open {
                        // Made as if no call had asked, dated when due; the call then
                        // asks the half-open state (whose own limit may have passed).
                        w = self.current_word();
                        continue;
                    }
                    match self.enter_half_open(w, now, 1) {
                        Ok(new) => return Ok(Ticket(new)),
                        Err(seen) => w = seen,
                    }
                }
                FORCED => {
                    return if issued(w) == FORCED_OPEN_KIND {
                        // Counted, but no event: Resilience4j's forced-open state emits
                        // transitions only.
                        self.rejected.fetch_add(1, Ordering::Relaxed);
                        event!(debug, "forced-open circuit breaker rejected a call");
                        Err(Rejected {
                            state: State::ForcedOpen,
                            remaining_open: None,
                        })
                    } else {
                        Ok(Ticket(w))
                    };
                }
                _ => {
                    if self.config.max_half_open_nanos.is_some()
                        && self.half_open_expired(w, self.clock.now())
                    {
                        w = self.state.load(Ordering::Acquire);
                        continue;
                    }
                    if issued(w) >= u64::from(self.config.half_open_permits) {
                        return Err(self.reject(State::HalfOpen, None));
                    }
                    match self.state.compare_exchange_weak(
                        w,
                        w + ISSUED_ONE,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return Ok(Ticket(w)),
                        Err(seen) => w = seen,
                    }
                }
            }
        }
    }

    fn reject(&self, state: State, remaining_open: Option<Duration>) -> Rejected {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        let r = Rejected {
            state,
            remaining_open,
        };
        event!(debug, %state, ?remaining_open, "circuit breaker rejected a call");
        self.observer.on_event(&Event::NotPermitted(r));
        r
    }

    /// For the open state in `w`: the time from `now` until a call is permitted (the wait
    /// strictly passed), `None` if the deadline is not published yet.
    fn open_remaining(&self, w: u64, now: Duration) -> Option<Duration> {
        let deadline = self.deadline.load(Ordering::Acquire);
        (self.deadline_epoch.load(Ordering::Acquire) == epoch(w))
            .then(|| Duration::from_nanos(deadline.saturating_add(1).saturating_sub(nanos(now))))
    }

    /// While open: how long until a call is permitted (zero once the wait has strictly
    /// passed and no call has asked yet). `None` in closed and half-open.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow};
    /// let config = BreakerConfig::builder()
    ///     .sliding_window(SlidingWindow::CountBased(1))
    ///     .minimum_calls(1)
    ///     .wait_in_open(Duration::from_secs(10))
    ///     .build()?;
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(config, &clock);
    /// assert_eq!(b.remaining_open(), None);
    /// b.try_acquire()?.record(Outcome::Failure, Duration::ZERO);
    /// clock.advance(Duration::from_secs(4));
    /// assert_eq!(b.remaining_open(), Some(Duration::from_secs(6) + Duration::from_nanos(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remaining_open(&self) -> Option<Duration> {
        let w = self.current_word();
        if tag(w) == OPEN {
            self.open_remaining(w, self.clock.now())
        } else {
            None
        }
    }

    /// Moves the breaker to `to` (a tag, with `kind` in the permit bits for the forced
    /// states) whatever its state, as Resilience4j's `transitionTo…State` methods do.
    /// `open_until` is the end of the open wait for `to == OPEN` (`None`: the configured
    /// wait). Returns the state left.
    fn transition_by_hand(&self, to: u64, kind: u64, open_until: Option<u64>) -> State {
        let now = self.clock.now();
        if to == CLOSED || to == FORCED {
            // A fresh window, emptied before the swap as in `transition`.
            match &self.window {
                Window::Count(w) => w.reset(),
                Window::Time(w) => w.reset(),
            }
        }
        // The transitions that time made come first (a timer would have fired).
        let mut w = self.current_word();
        let next = loop {
            let next = epoch(w) + 1;
            if tag(w) == HALF_OPEN {
                // A trial outcome recorded from now on is too late to count.
                self.freeze_trial(epoch(w));
            }
            if to == HALF_OPEN {
                self.reset_trial(next);
            }
            match self.state.compare_exchange_weak(
                w,
                pack(to, kind, next),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break next,
                Err(seen) => w = seen,
            }
        };
        match to {
            CLOSED => self.consecutive_opens.store(0, Ordering::Relaxed),
            OPEN => {
                let until = match open_until {
                    Some(until) => {
                        self.consecutive_opens.fetch_add(1, Ordering::Relaxed);
                        until
                    }
                    None => nanos(now).saturating_add(self.open_wait_nanos()),
                };
                self.publish_deadline(next, until);
            }
            HALF_OPEN => {
                let limit = self.config.max_half_open_nanos;
                self.publish_deadline(
                    next,
                    limit.map_or(u64::MAX, |l| nanos(now).saturating_add(l)),
                );
            }
            _ => {}
        }
        let from = State::from_word(w);
        self.observe(from, State::from_word(pack(to, kind, next)), now);
        from
    }

    /// Closes the breaker by hand, with an empty window, whatever its state (also the way
    /// out of the states set by hand). Resilience4j's `transitionToClosedState`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.transition_to_forced_open();
    /// b.transition_to_closed();
    /// assert_eq!(b.state(), State::Closed);
    /// ```
    pub fn transition_to_closed(&self) {
        self.transition_by_hand(CLOSED, 0, None);
    }

    /// Opens the breaker by hand for the configured open wait (counted as one more
    /// consecutive opening). Resilience4j's `transitionToOpenState`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.transition_to_open();
    /// assert_eq!(b.remaining_open(), Some(Duration::from_secs(60) + Duration::from_nanos(1)));
    /// ```
    pub fn transition_to_open(&self) {
        self.transition_by_hand(OPEN, 0, None);
    }

    /// Opens the breaker by hand for `wait` instead of the configured open wait; after it
    /// has strictly passed the breaker goes half-open as usual. Resilience4j's
    /// `transitionToOpenStateFor`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(BreakerConfig::default(), &clock);
    /// b.transition_to_open_for(Duration::from_secs(5));
    /// clock.advance(Duration::from_secs(5) + Duration::from_nanos(1));
    /// assert!(b.try_acquire().is_ok());
    /// assert_eq!(b.state(), State::HalfOpen);
    /// ```
    pub fn transition_to_open_for(&self, wait: Duration) {
        let until = nanos(self.clock.now()).saturating_add(nanos(wait));
        self.transition_by_hand(OPEN, 0, Some(until));
    }

    /// Opens the breaker by hand until `until`, a reading of the breaker's clock (one in
    /// the past opens it with its wait already over: the next call goes half-open).
    /// Resilience4j's `transitionToOpenStateUntil`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(BreakerConfig::default(), &clock);
    /// b.transition_to_open_until(Duration::from_secs(30));
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(b.remaining_open(), Some(Duration::from_secs(20) + Duration::from_nanos(1)));
    /// ```
    pub fn transition_to_open_until(&self, until: Duration) {
        self.transition_by_hand(OPEN, 0, Some(nanos(until)));
    }

    /// Moves the breaker to half-open by hand, with fresh trial permits.
    /// Resilience4j's `transitionToHalfOpenState`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.transition_to_half_open();
    /// assert_eq!(b.try_acquire()?.state(), State::HalfOpen);
    /// # Ok::<(), ward_backoff::breaker::Rejected>(())
    /// ```
    pub fn transition_to_half_open(&self) {
        self.transition_by_hand(HALF_OPEN, 0, None);
    }

    /// Disables the breaker by hand: every call is permitted, nothing is recorded, only
    /// transitions are emitted, until another transition by hand or a
    /// [`reset`](Self::reset). Resilience4j's `transitionToDisabledState`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.transition_to_disabled();
    /// assert_eq!(b.call(|| Err::<(), _>("down")).is_err(), true);
    /// assert_eq!((b.state(), b.metrics().calls), (State::Disabled, 0));
    /// ```
    pub fn transition_to_disabled(&self) {
        self.transition_by_hand(FORCED, DISABLED_KIND, None);
    }

    /// Forces the breaker open by hand: every call is rejected (with no remaining open
    /// time: it ends only by hand), until another transition by hand or a
    /// [`reset`](Self::reset). Resilience4j's `transitionToForcedOpenState`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.transition_to_forced_open();
    /// let r = b.try_acquire().unwrap_err();
    /// assert_eq!((r.state, r.remaining_open), (State::ForcedOpen, None));
    /// ```
    pub fn transition_to_forced_open(&self) {
        self.transition_by_hand(FORCED, FORCED_OPEN_KIND, None);
    }

    /// Records metrics and emits events but never changes state by itself, until another
    /// transition by hand or a [`reset`](Self::reset). Resilience4j's
    /// `transitionToMetricsOnlyState`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, SlidingWindow, State};
    /// let config = BreakerConfig::builder()
    ///     .sliding_window(SlidingWindow::CountBased(1))
    ///     .minimum_calls(1)
    ///     .build()?;
    /// let b = CircuitBreaker::new(config, ManualClock::new());
    /// b.transition_to_metrics_only();
    /// let _ = b.call(|| Err::<(), _>("down")); // 100 % failures: would open
    /// assert_eq!((b.state(), b.metrics().failed_calls), (State::MetricsOnly, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transition_to_metrics_only(&self) {
        self.transition_by_hand(FORCED, METRICS_ONLY_KIND, None);
    }

    /// Resets the breaker to closed with empty metrics (the window, the rejected-call
    /// count and the count of consecutive openings), whatever its state. Emits the
    /// transition if it was not closed, then [`Event::Reset`], as Resilience4j's `reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, State};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// b.transition_to_forced_open();
    /// assert!(b.try_acquire().is_err());
    /// b.reset();
    /// let m = b.metrics();
    /// assert_eq!((m.state, m.calls, m.rejected_calls), (State::Closed, 0, 0));
    /// ```
    pub fn reset(&self) {
        let now = self.clock.now();
        match &self.window {
            Window::Count(w) => w.reset(),
            Window::Time(w) => w.reset(),
        }
        let mut w = self.current_word();
        let next = loop {
            let next = epoch(w) + 1;
            match self.state.compare_exchange_weak(
                w,
                pack(CLOSED, 0, next),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break next,
                Err(seen) => w = seen,
            }
        };
        self.consecutive_opens.store(0, Ordering::Relaxed);
        self.previous_wait.store(0, Ordering::Relaxed);
        self.rejected.store(0, Ordering::Relaxed);
        let from = State::from_word(w);
        if from != State::Closed {
            self.observe(from, State::from_word(pack(CLOSED, 0, next)), now);
        }
        self.observer.on_event(&Event::Reset { at: now });
    }

    /// Whether the published deadline of the state in `w` is strictly before `now`. A
    /// deadline not yet published by the transitioning thread counts as not passed.
    fn deadline_passed(&self, w: u64, now: Duration) -> bool {
        self.deadline_epoch.load(Ordering::Acquire) == epoch(w)
            && nanos(now) > self.deadline.load(Ordering::Acquire)
    }

    fn publish_deadline(&self, epoch: u64, at: u64) {
        self.deadline.store(at, Ordering::Release);
        self.deadline_epoch.store(epoch, Ordering::Release);
    }

    /// Marks the trial of half-open period `epoch` as decided, so no later outcome counts.
    fn freeze_trial(&self, epoch: u64) {
        let mine = trial_epoch(trial_reset(epoch));
        let mut t = self.trial.load(Ordering::Acquire);
        while trial_epoch(t) == mine && t & TRIAL_DECIDED == 0 {
            match self.trial.compare_exchange_weak(
                t,
                t | TRIAL_DECIDED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(seen) => t = seen,
            }
        }
    }

    /// Makes the half-open trial word belong to `epoch`, unless it already does.
    fn reset_trial(&self, epoch: u64) {
        let fresh = trial_reset(epoch);
        let mut t = self.trial.load(Ordering::Acquire);
        while trial_epoch(t) != trial_epoch(fresh) {
            match self
                .trial
                .compare_exchange_weak(t, fresh, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(seen) => t = seen,
            }
        }
    }

    fn observe(&self, from: State, to: State, at: Duration) {
        if matches!(to, State::Open | State::ForcedOpen) {
            event!(warn, %from, %to, ?at, "circuit breaker transition");
        } else {
            event!(info, %from, %to, ?at, "circuit breaker transition");
        }
        let t = Transition { from, to, at };
        self.observer.on_transition(t);
        self.observer.on_event(&Event::Transition(t));
    }

    fn open_wait_nanos(&self) -> u64 {
        let n = self.consecutive_opens.fetch_add(1, Ordering::Relaxed);
        match self.config.open_wait {
            OpenWait::Fixed(d) => nanos(d),
            OpenWait::Backoff(s) => {
                let attempt = u32::try_from(n).unwrap_or(u32::MAX);
                // The decorrelated kinds draw from the previous wait (0 after a close:
                // the strategy then starts from its base).
                let previous = if n == 0 {
                    0
                } else {
                    self.previous_wait.load(Ordering::Relaxed)
                };
                let wait = s.delay_nanos(attempt, previous, &mut SharedRng(&self.rng));
                self.previous_wait.store(wait, Ordering::Relaxed);
                wait
            }
        }
    }

    /// Moves from the state in `from` (its epoch included) to closed or open. Returns
    /// whether this thread made the transition.
    fn transition(&self, from: u64, to: u64, now: Duration) -> bool {
        self.transition_then(from, to, now, || {})
    }

    /// [`transition`](Self::transition), calling `won` after a successful swap and before
    /// the transition is observed.
    fn transition_then(&self, from: u64, to: u64, now: Duration, won: impl FnOnce()) -> bool {
        let next = epoch(from) + 1;
        if to == CLOSED {
            // Only the thread that completed the trial closes, so it alone resets; the
            // window is emptied before the swap so no closed-state record of the new
            // period can land among the outcomes that opened the breaker.
            match &self.window {
                Window::Count(w) => w.reset(),
                Window::Time(w) => w.reset(),
            }
        }
        let new = pack(to, 0, next);
        if self
            .state
            .compare_exchange(from, new, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        won();
        if to == CLOSED {
            // Only after the swap: a half-open period that timed out and re-opened instead
            // must keep counting consecutive openings.
            self.consecutive_opens.store(0, Ordering::Relaxed);
        }
        if to == OPEN {
            let until = nanos(now).saturating_add(self.open_wait_nanos());
            self.publish_deadline(next, until);
        }
        self.observe(State::from_word(from), State::from_word(to), now);
        true
    }

    #[inline]
    fn record_ticket(&self, ticket: Ticket, outcome: Outcome, duration: Duration) {
        if tag(ticket.0) == FORCED && issued(ticket.0) == DISABLED_KIND {
            return; // disabled: nothing recorded, no event
        }
        let slow = self.config.slow_call_rule && duration >= self.config.slow;
        let failed = match outcome {
            Outcome::Success => {
                self.observer.on_event(&Event::Success { duration, slow });
                false
            }
            Outcome::Failure => {
                self.observer.on_event(&Event::Error { duration, slow });
                true
            }
            Outcome::Ignored => {
                self.observer.on_event(&Event::Ignored { duration });
                return self.release_ticket(ticket);
            }
        };
        match tag(ticket.0) {
            CLOSED => {
                if let Window::Count(w) = &self.window
                    && !failed
                    && !slow
                    && w.is_clean_and_full()
                {
                    // Nothing would change (and a stale permit would be dropped anyway).
                    return;
                }
                if let Some(s) = self.record_window(ticket, failed, slow) {
                    self.evaluate_closed(ticket.0, s);
                }
            }
            FORCED => self.record_metrics_only(ticket, failed, slow),
            _ => self.record_trial(ticket, failed, slow),
        }
    }

    /// Records an outcome of the closed or metrics-only period in `ticket` in the window.
    #[inline]
    fn record_window(&self, ticket: Ticket, failed: bool, slow: bool) -> Option<Sample> {
        // A permit from an earlier period no longer counts.
        if self.state.load(Ordering::Relaxed) != ticket.0 {
            return None;
        }
        match &self.window {
            Window::Count(w) => w.record(failed, slow, self.minimum),
            Window::Time(w) => w.record(
                || nanos(self.clock.now()),
                || self.state.load(Ordering::Acquire) == ticket.0,
                failed,
                slow,
            ),
        }
    }

    #[cold]
    fn evaluate_closed(&self, word: u64, s: Sample) {
        if s.calls >= u64::from(self.minimum) && self.config.exceeded(s.calls, s.failures, s.slow) {
            // As Resilience4j: the rate-exceeded events come just before the transition.
            self.transition_then(word, OPEN, self.clock.now(), || self.rates_exceeded(s));
        }
    }

    /// Emits the rate-exceeded events of a sample that reached a threshold.
    fn rates_exceeded(&self, s: Sample) {
        let rate = |n: u64| (n as f64 * 100.0 / s.calls as f64) as f32;
        if s.failures * 1_000_000 >= self.config.failure_ppm * s.calls {
            self.observer.on_event(&Event::FailureRateExceeded {
                rate: rate(s.failures),
            });
        }
        if self.config.slow_rate_reached(s.calls, s.slow) {
            self.observer
                .on_event(&Event::SlowCallRateExceeded { rate: rate(s.slow) });
        }
    }

    /// Metrics only: record, and report a threshold reached once per period, never
    /// transition.
    #[cold]
    fn record_metrics_only(&self, ticket: Ticket, failed: bool, slow: bool) {
        let Some(s) = self.record_window(ticket, failed, slow) else {
            return;
        };
        if s.calls >= u64::from(self.minimum) && self.config.exceeded(s.calls, s.failures, s.slow) {
            let e = epoch(ticket.0);
            let seen = self.reported.load(Ordering::Acquire);
            if seen != e
                && self
                    .reported
                    .compare_exchange(seen, e, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                self.rates_exceeded(s);
            }
        }
    }

    #[cold]
    fn record_trial(&self, ticket: Ticket, failed: bool, slow: bool) {
        if self.config.max_half_open_nanos.is_some() {
            // A trial that completes after the maximum half-open wait finds the breaker
            // open again (Resilience4j's timer would have moved it at the limit).
            let w = self.state.load(Ordering::Acquire);
            if tag(w) == HALF_OPEN
                && epoch(w) == epoch(ticket.0)
                && self.half_open_expired(w, self.clock.now())
            {
                return;
            }
        }
        let delta =
            TRIAL_DONE + if failed { TRIAL_FAILED } else { 0 } + if slow { TRIAL_SLOW } else { 0 };
        let mine = trial_reset(epoch(ticket.0));
        let needed = u64::from(self.config.half_open_minimum());
        let mut t = self.trial.load(Ordering::Acquire);
        let counts = loop {
            if trial_epoch(t) != trial_epoch(mine) || t & TRIAL_DECIDED != 0 {
                return; // a trial of an earlier half-open period, or after the decision
            }
            let mut next = t + delta;
            let done = trial_counts(next).0;
            if done >= needed {
                next |= TRIAL_DECIDED;
            }
            match self
                .trial
                .compare_exchange_weak(t, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if done < needed => return,
                Ok(_) => break trial_counts(next),
                Err(seen) => t = seen,
            }
        };
        let (done, failures, slows) = counts;
        // This thread recorded the outcome that completed the trial (Resilience4j decides
        // once `min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)` calls
        // completed): it alone decides.
        let to = if self.config.exceeded(done, failures, slows) {
            OPEN
        } else {
            CLOSED
        };
        let now = self.clock.now();
        let mut w = self.state.load(Ordering::Acquire);
        while tag(w) == HALF_OPEN && epoch(w) == epoch(ticket.0) {
            if self.transition(w, to, now) {
                return;
            }
            w = self.state.load(Ordering::Acquire);
        }
    }

    fn release_ticket(&self, ticket: Ticket) {
        if tag(ticket.0) != HALF_OPEN {
            return;
        }
        let mut w = self.state.load(Ordering::Acquire);
        while tag(w) == HALF_OPEN && epoch(w) == epoch(ticket.0) && issued(w) > 0 {
            match self.state.compare_exchange_weak(
                w,
                w - ISSUED_ONE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(seen) => w = seen,
            }
        }
    }

    /// A snapshot of the state and the counts, read without locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
    /// let config = BreakerConfig::builder()
    ///     .sliding_window(SlidingWindow::CountBased(10))
    ///     .minimum_calls(2)
    ///     .build()?;
    /// let b = CircuitBreaker::new(config, ManualClock::new());
    /// b.try_acquire()?.record(Outcome::Success, Duration::ZERO);
    /// let m = b.metrics();
    /// assert_eq!((m.state, m.calls, m.failure_rate), (State::Closed, 1, None));
    /// b.try_acquire()?.record(Outcome::Success, Duration::ZERO);
    /// assert_eq!(b.metrics().failure_rate, Some(0.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn metrics(&self) -> Metrics {
        let w = self.current_word();
        let state = State::from_word(w);
        let t = self.trial.load(Ordering::Acquire);
        // Half-open shows its trial calls; an open state entered from half-open keeps
        // showing them, as Resilience4j carries the half-open metrics into open. (An open
        // state entered from closed follows a closed epoch, never a half-open one.)
        let trial_epoch_shown = match state {
            State::HalfOpen => Some(epoch(w)),
            State::Open => Some(epoch(w).wrapping_sub(1)),
            State::Closed | State::Disabled | State::ForcedOpen | State::MetricsOnly => None,
        };
        let trial_shown = trial_epoch_shown
            .filter(|&e| trial_epoch(t) == trial_epoch(trial_reset(e)))
            .map(|_| trial_counts(t));
        let (s, minimum) = if let Some((done, failures, slow)) = trial_shown {
            (
                Sample {
                    calls: done,
                    failures,
                    slow,
                },
                u64::from(self.config.half_open_minimum()),
            )
        } else if state == State::HalfOpen {
            (
                Sample {
                    calls: 0,
                    failures: 0,
                    slow: 0,
                },
                u64::from(self.config.half_open_minimum()),
            )
        } else {
            let s = match &self.window {
                Window::Count(win) => win.sample(),
                Window::Time(win) => win.sample(|| nanos(self.clock.now())),
            };
            (s, u64::from(self.minimum))
        };
        let rate = |n: u64| {
            (s.calls >= minimum && s.calls > 0).then(|| (n as f64 * 100.0 / s.calls as f64) as f32)
        };
        Metrics {
            state,
            calls: s.calls,
            failed_calls: s.failures,
            slow_calls: s.slow,
            failure_rate: rate(s.failures),
            slow_call_rate: rate(s.slow),
            rejected_calls: self.rejected.load(Ordering::Relaxed),
        }
    }

    /// When a call starts, for [`call_time`](Self::call_time): the clock is read only
    /// if the slow-call rule needs the call's duration.
    pub(crate) fn call_started(&self) -> Duration {
        if self.config.slow_call_rule {
            self.clock.now()
        } else {
            Duration::ZERO
        }
    }

    /// How long a call that started at `start` took (zero, unread, without the slow-call
    /// rule).
    pub(crate) fn call_time(&self, start: Duration) -> Duration {
        if self.config.slow_call_rule {
            self.clock.now().saturating_sub(start)
        } else {
            Duration::ZERO
        }
    }

    /// Runs `f` if permitted, classifying `Ok` as success and `Err` as failure, and timing
    /// it with the breaker's clock (unless the slow-call rule is off).
    ///
    /// # Errors
    ///
    /// [`CallError::Rejected`] if the breaker refused (then `f` did not run), or
    /// [`CallError::Inner`] with `f`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CallError, CircuitBreaker};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// assert_eq!(b.call(|| Ok::<_, ()>(5)), Ok(5));
    /// assert_eq!(b.call(|| Err::<(), _>("down")), Err(CallError::Inner("down")));
    /// ```
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        self.call_with(default_classify, f)
    }

    /// Runs `f` if permitted, with the caller's classification of its result (so an `Ok`
    /// can be a failure, an `Err` a success or ignored).
    ///
    /// # Errors
    ///
    /// As [`CircuitBreaker::call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// // An HTTP 503 arrives as Ok but is a failure of the dependency.
    /// let status = b.call_with(
    ///     |r: &Result<u16, ()>| match r { Ok(503) | Err(_) => Outcome::Failure, Ok(_) => Outcome::Success },
    ///     || Ok(503),
    /// );
    /// assert_eq!(status, Ok(503));
    /// assert_eq!(b.metrics().failed_calls, 1);
    /// ```
    pub fn call_with<T, E>(
        &self,
        classify: impl FnOnce(&Result<T, E>) -> Outcome,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, CallError<E>> {
        let permit = self.try_acquire().map_err(CallError::Rejected)?;
        let start = self.call_started();
        let result = f();
        permit.record(classify(&result), self.call_time(start));
        result.map_err(CallError::Inner)
    }

    /// Awaits `fut` if permitted, with any runtime. If the returned future is dropped
    /// before `fut` completes, the permit is released unused.
    ///
    /// # Errors
    ///
    /// As [`CircuitBreaker::call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker};
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// let out = rt.block_on(b.call_async(async { Ok::<_, ()>(7) }));
    /// assert_eq!(out, Ok(7));
    /// ```
    pub async fn call_async<T, E>(
        &self,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, CallError<E>> {
        self.call_async_with(default_classify, fut).await
    }

    /// [`CircuitBreaker::call_async`] with the caller's classification.
    ///
    /// # Errors
    ///
    /// As [`CircuitBreaker::call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let b = CircuitBreaker::new(BreakerConfig::default(), ManualClock::new());
    /// let out = rt.block_on(b.call_async_with(|_| Outcome::Ignored, async { Err::<(), _>("bad input") }));
    /// assert!(out.is_err());
    /// assert_eq!(b.metrics().calls, 0);
    /// ```
    pub async fn call_async_with<T, E>(
        &self,
        classify: impl FnOnce(&Result<T, E>) -> Outcome,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, CallError<E>> {
        let permit = self.try_acquire().map_err(CallError::Rejected)?;
        let start = self.call_started();
        let result = fut.await;
        permit.record(classify(&result), self.call_time(start));
        result.map_err(CallError::Inner)
    }

    /// As [`CircuitBreaker::try_acquire`], for a breaker behind an `Arc`: the permit owns a
    /// reference and can move into a `'static` future.
    ///
    /// # Errors
    ///
    /// As [`CircuitBreaker::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome};
    /// let b = Arc::new(CircuitBreaker::new(BreakerConfig::default(), ManualClock::new()));
    /// let permit = CircuitBreaker::try_acquire_owned(&b)?;
    /// std::thread::spawn(move || permit.record(Outcome::Success, Duration::ZERO)).join().unwrap();
    /// assert_eq!(b.metrics().calls, 1);
    /// # Ok::<(), ward_backoff::breaker::Rejected>(())
    /// ```
    pub fn try_acquire_owned(this: &Arc<Self>) -> Result<OwnedPermit<C, O>, Rejected> {
        let ticket = this.acquire_ticket()?;
        Ok(OwnedPermit {
            breaker: Arc::clone(this),
            ticket: Some(ticket),
        })
    }
}

fn default_classify<T, E>(r: &Result<T, E>) -> Outcome {
    if r.is_ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}
