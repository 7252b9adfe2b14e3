//! Retry runners: run an operation until it succeeds, the caller gives up, or a limit hits.

use core::fmt;
use core::future::Future;
use core::time::Duration;

use crate::budget::{NoBudget, RetryBudget, RetryKind, Withdrawal};
use crate::clock::Clock;
use crate::policy::{Decision, RetryPolicy, RetrySchedule, StopReason};
use crate::rng::{AtomicSplitMix, SplitMix64};

/// The caller's verdict on one error.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::Action;
/// /// An HTTP client's classification: status and optional `Retry-After` seconds.
/// fn classify(status: u16, retry_after: Option<u64>) -> Action {
///     match (status, retry_after) {
///         (429 | 503, Some(s)) => Action::RetryAfter(Duration::from_secs(s)),
///         (408 | 504, _) => Action::RetryTimeout,
///         (429, None) => Action::RetryThrottled,
///         (500..=599, _) => Action::Retry,
///         _ => Action::GiveUp,
///     }
/// }
/// assert_eq!(classify(503, Some(2)), Action::RetryAfter(Duration::from_secs(2)));
/// assert_eq!(classify(429, None), Action::RetryThrottled);
/// assert_eq!(classify(404, None), Action::GiveUp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Transient: retry after the policy's delay.
    Retry,
    /// A timeout (the attempt ran out of time): retry after the policy's delay; budgets
    /// that price timeouts higher (the AWS quota: 10 tokens instead of 5) charge it as
    /// [`RetryKind::Timeout`].
    RetryTimeout,
    /// A throttling error without a server-given delay (HTTP 429, AWS
    /// `ThrottlingException`): retry after the policy's delay, charged as
    /// [`RetryKind::Throttling`] — the base cost in the AWS quota, not the timeout cost.
    RetryThrottled,
    /// Transient, and the server said when (`Retry-After`, pushback): retry after exactly
    /// this delay, or give up if it is longer than the policy's maximum pushback or would
    /// end past the deadline. The backoff starts again from the base afterwards.
    RetryAfter(Duration),
    /// Transient, and no retry can succeed before this delay has passed, but many clients
    /// may be waiting for the same moment (a server that says when a shared resource frees
    /// up; a circuit breaker's open time is the same kind of wait, but its rejection was
    /// never sent: see [`RetryUnsent`](Action::RetryUnsent)). The retry waits this delay *plus* the policy's jittered delay, so clients rejected
    /// together do not all come back at the same instant; it gives up if the delay is
    /// longer than the policy's maximum pushback or the sum would end past the deadline.
    /// The backoff sequence goes on (see
    /// [`RetrySchedule::on_failure_not_before`](crate::RetrySchedule::on_failure_not_before)).
    RetryNotBefore(Duration),
    /// The attempt never reached the service: a local guard refused it (a circuit breaker
    /// that is open or has no free trial slot; `breaker::CallError::retry_action`, with the
    /// `alloc` feature, returns this for such a rejection), and no retry can pass before
    /// this delay has passed (zero when there is no such floor).
    ///
    /// The retry waits as for [`RetryNotBefore`](Action::RetryNotBefore): this delay plus
    /// the policy's jittered delay, within the maximum pushback and the deadline. It counts
    /// against the policy's maximum attempts, but the retry budget never sees it: no
    /// success or failure is recorded, and the withdrawal that allowed the attempt (none
    /// for a first try) passes to the attempt that takes its place, or goes back
    /// ([`RetryBudget::release`](crate::budget::RetryBudget::release)) when no attempt
    /// follows. So a quota, a token bucket or a client-side throttle is not drained by
    /// calls the backend never saw, and the first attempt that is sent counts as a first
    /// try (in the retry runners and the tower policy; `Hedge` charges
    /// every copy as a retry).
    ///
    /// The carried withdrawal keeps the moment it was granted: a budget that counts
    /// retries over a sliding window ([`TpsBudget`](crate::budget::TpsBudget)) counts it
    /// in the window it was granted in, and a throttle's admission is not decided again
    /// when the replacing attempt is sent. After a wait longer than the budget's window,
    /// the retry that is finally sent is therefore not counted in the window it is sent
    /// in.
    RetryUnsent(Duration),
    /// Permanent: stop now.
    GiveUp,
    /// The attempt never reached the service and will not be retried (a circuit breaker
    /// forced open by hand): stop now, charging the retry budget nothing, as for
    /// [`RetryUnsent`](Action::RetryUnsent).
    GiveUpUnsent,
}

/// The last error of an operation that did not succeed, with why retrying stopped.
///
/// The error is absent when the last attempt produced none: a client-side throttle
/// ([`AdaptiveThrottle`](crate::budget::AdaptiveThrottle)) refused the first try
/// ([`attempts`](RetryError::attempts) is 0, the reason
/// [`StopReason::BudgetExhausted`]), or the last attempt ran out of its per-attempt time
/// ([`RetryPolicy::with_attempt_timeout`], async runners) and was cancelled.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, StopReason, Strategy};
///
/// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
/// let retrier = Retrier::new(policy, ManualClock::new(), 1);
/// let err = retrier
///     .run_with_sleeper(|_| {}, |_| Err::<(), _>("bad request"), |_| Action::GiveUp)
///     .unwrap_err();
/// assert_eq!(err.attempts(), 1);
/// assert_eq!(err.reason(), StopReason::NotRetryable);
/// assert_eq!(
///     err.to_string(),
///     "gave up after 1 attempt (the error was classified as not retryable): bad request"
/// );
/// assert_eq!(err.into_inner(), Some("bad request"));
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryError<E> {
    error: Option<E>,
    attempts: u32,
    reason: StopReason,
}

impl<E> RetryError<E> {
    /// The last error; `None` if the budget refused the first try (no attempt was made) or
    /// the last attempt timed out.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, StopReason, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?).with_max_attempts(2)?;
    /// let retrier = Retrier::new(policy, ManualClock::new(), 1);
    /// let err = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(503), |_| Action::Retry).unwrap_err();
    /// assert_eq!(err.error(), Some(&503));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn error(&self) -> Option<&E> {
        self.error.as_ref()
    }

    /// The last error, by value; `None` if the budget refused the first try or the last
    /// attempt timed out.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, StopReason, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?).with_max_attempts(2)?;
    /// let retrier = Retrier::new(policy, ManualClock::new(), 1);
    /// let err = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(503), |_| Action::Retry).unwrap_err();
    /// assert_eq!(err.into_inner(), Some(503));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn into_inner(self) -> Option<E> {
        self.error
    }

    /// Attempts made, the first try included (0 if the budget refused the first try).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, StopReason, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?).with_max_attempts(2)?;
    /// let retrier = Retrier::new(policy, ManualClock::new(), 1);
    /// let err = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(503), |_| Action::Retry).unwrap_err();
    /// assert_eq!(err.attempts(), 2);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why retrying stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, StopReason, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?).with_max_attempts(2)?;
    /// let retrier = Retrier::new(policy, ManualClock::new(), 1);
    /// let err = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(503), |_| Action::Retry).unwrap_err();
    /// assert_eq!(err.reason(), StopReason::AttemptsExhausted { attempts: 2 });
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn reason(&self) -> StopReason {
        self.reason
    }
}

impl<E: fmt::Display> fmt::Display for RetryError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.attempts;
        let attempts = if n == 1 { "attempt" } else { "attempts" };
        match &self.error {
            _ if n == 0 => write!(f, "no attempt made ({})", self.reason),
            Some(e) => write!(f, "gave up after {n} {attempts} ({}): {e}", self.reason),
            None => write!(
                f,
                "gave up after {n} {attempts} ({}): the last attempt timed out",
                self.reason
            ),
        }
    }
}

/// An error whenever the caller's error can be shown, like backon's and tower's errors,
/// so `?` converts a `RetryError<&str>` into a `Box<dyn Error>`. The caller's error is part
/// of the message rather than the [`source`](core::error::Error::source) (which would need
/// `E: Error`); [`RetryError::into_inner`] hands it back.
impl<E: fmt::Debug + fmt::Display> core::error::Error for RetryError<E> {}

/// Something that blocks the current thread for a while.
///
/// Closures `Fn(Duration)` are sleepers, so a test can record the delays instead of
/// sleeping.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::Sleep;
/// let sleeper = |d: Duration| assert!(d < Duration::from_secs(1));
/// sleeper.sleep(Duration::from_millis(1));
/// ```
pub trait Sleep {
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
}

impl<F: Fn(Duration)> Sleep for F {
    fn sleep(&self, duration: Duration) {
        self(duration);
    }
}

/// `std::thread::sleep`.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::{Sleep, ThreadSleep};
/// ThreadSleep.sleep(Duration::from_nanos(1));
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ThreadSleep;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Runs operations under a [`RetryPolicy`], a clock and an optional [`RetryBudget`].
///
/// One retrier can be shared by many operations (`&self` everywhere): each run gets its
/// own [`RetrySchedule`] and a random stream seeded from the retrier's seed sequence, so
/// concurrent runs never jitter in lock-step. The time limit is measured with the
/// retrier's clock from the first failure of each run.
///
/// The blocking runner is `run` (with `std`) or
/// [`run_with_sleeper`](Retrier::run_with_sleeper); the async runner
/// [`run_async`](Retrier::run_async) works with any runtime because the caller passes the
/// sleep function; `run_tokio` (feature `tokio`) passes tokio's.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use std::cell::RefCell;
/// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, Strategy};
///
/// let policy = RetryPolicy::new(Strategy::exponential(
///     Duration::from_millis(10),
///     Duration::from_secs(1),
/// )?)
/// .with_max_attempts(5)?;
/// let clock = ManualClock::new();
/// let retrier = Retrier::new(policy, &clock, 42);
/// let slept = RefCell::new(Vec::new());
/// let out = retrier.run_with_sleeper(
///     |d| {
///         slept.borrow_mut().push(d);
///         clock.advance(d);
///     },
///     |attempt| if attempt < 3 { Err("busy") } else { Ok(attempt) },
///     |_| Action::Retry,
/// );
/// assert_eq!(out, Ok(3));
/// let ms = Duration::from_millis;
/// assert_eq!(*slept.borrow(), [ms(10), ms(20)]);
/// # Ok::<(), ward_backoff::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Retrier<C, B = NoBudget> {
    policy: RetryPolicy,
    clock: C,
    budget: B,
    seeds: AtomicSplitMix,
}

impl<C: Clock> Retrier<C> {
    /// A retrier without budget; `seed` fixes the jitter of every run (give each client
    /// its own).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{ManualClock, Retrier, RetryPolicy, Strategy};
    /// let policy = RetryPolicy::new(Strategy::full_jitter(Duration::from_millis(10), Duration::from_secs(1))?);
    /// let retrier = Retrier::new(policy, ManualClock::new(), 0xC0FFEE);
    /// assert_eq!(retrier.policy(), &policy);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn new(policy: RetryPolicy, clock: C, seed: u64) -> Self {
        Self {
            policy,
            clock,
            budget: NoBudget,
            seeds: AtomicSplitMix::new(seed),
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl Retrier<crate::MonotonicClock> {
    /// A retrier on the system monotonic clock, seeded from entropy.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Retrier, RetryPolicy, Strategy};
    /// let r = Retrier::with_policy(RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?));
    /// assert_eq!(r.policy().max_attempts(), 3);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn with_policy(policy: RetryPolicy) -> Self {
        Self::new(
            policy,
            crate::MonotonicClock::new(),
            crate::rng::entropy_seed(),
        )
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<C: Clock> Retrier<C> {
    /// A retrier on `clock` (for example `TokioClock`), seeded from entropy.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::{ManualClock, Retrier, RetryPolicy};
    /// let r = Retrier::with_clock(RetryPolicy::default(), ManualClock::new());
    /// assert_eq!(r.policy().max_attempts(), 3);
    /// ```
    pub fn with_clock(policy: RetryPolicy, clock: C) -> Self {
        Self::new(policy, clock, crate::rng::entropy_seed())
    }
}

/// [`RetryPolicy::default`] on the system monotonic clock, seeded from entropy.
///
/// # Examples
///
/// ```
/// use ward_backoff::Retrier;
/// assert_eq!(Retrier::default().policy().max_attempts(), 3);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl Default for Retrier<crate::MonotonicClock> {
    fn default() -> Self {
        Self::with_policy(RetryPolicy::default())
    }
}

impl<C: Clock, B: RetryBudget> Retrier<C, B> {
    /// The same retrier, consulting `budget` before every retry.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::budget::RetryQuota;
    /// use ward_backoff::{ManualClock, Retrier, RetryPolicy, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// let quota = RetryQuota::default();
    /// let r = Retrier::new(policy, ManualClock::new(), 1).with_budget(&quota);
    /// assert_eq!(r.budget().available(), 500);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn with_budget<B2: RetryBudget>(self, budget: B2) -> Retrier<C, B2> {
        Retrier {
            policy: self.policy,
            clock: self.clock,
            budget,
            seeds: self.seeds,
        }
    }

    /// The policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{ManualClock, Retrier, RetryPolicy, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?).with_max_attempts(9)?;
    /// assert_eq!(Retrier::new(policy, ManualClock::new(), 1).policy().max_attempts(), 9);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::budget::RetryThrottle;
    /// use ward_backoff::{ManualClock, Retrier, RetryPolicy, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// let r = Retrier::new(policy, ManualClock::new(), 1).with_budget(RetryThrottle::default());
    /// assert!(r.budget().allows_retry());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn budget(&self) -> &B {
        &self.budget
    }

    fn start(&self) -> Run<'_, C, B> {
        Run {
            retrier: self,
            schedule: self.policy.schedule(SplitMix64::new(self.seeds.next_u64())),
            attempt: 0,
            withdrawal: None,
        }
    }

    /// Runs `op` (given the attempt number, from 1) until it succeeds or retrying stops,
    /// sleeping with `sleeper` between attempts.
    ///
    /// # Errors
    ///
    /// The last error, wrapped in [`RetryError`] with the number of attempts and the
    /// [`StopReason`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use std::cell::Cell;
    /// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, Strategy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_secs(1))?);
    /// let slept = Cell::new(Duration::ZERO);
    /// let out = Retrier::new(policy, ManualClock::new(), 1).run_with_sleeper(
    ///     |d| slept.set(slept.get() + d),
    ///     |attempt| if attempt < 3 { Err("busy") } else { Ok(attempt) },
    ///     |_| Action::Retry,
    /// );
    /// assert_eq!(out, Ok(3));
    /// assert_eq!(slept.get(), Duration::from_secs(2));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn run_with_sleeper<T, E, S, F, K>(
        &self,
        sleeper: S,
        mut op: F,
        mut classify: K,
    ) -> Result<T, RetryError<E>>
    where
        S: Sleep,
        F: FnMut(u32) -> Result<T, E>,
        K: FnMut(&E) -> Action,
    {
        let mut run = self.start();
        run.admit_first()?;
        loop {
            let attempt = run.begin();
            match op(attempt) {
                Ok(v) => return Ok(run.succeeded(v)),
                Err(e) => {
                    let action = classify(&e);
                    let delay = run.failed(Some(e), action)?;
                    sleeper.sleep(delay);
                }
            }
        }
    }

    /// Runs `op` on the current thread, sleeping with `std::thread::sleep`.
    ///
    /// # Errors
    ///
    /// As [`Retrier::run_with_sleeper`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, Retrier, RetryPolicy, Strategy};
    /// let policy = RetryPolicy::new(Strategy::full_jitter(Duration::from_micros(1), Duration::from_micros(50))?);
    /// let out = Retrier::with_policy(policy).run(
    ///     |attempt| if attempt == 1 { Err("flaky") } else { Ok("done") },
    ///     |_| Action::Retry,
    /// );
    /// assert_eq!(out, Ok("done"));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn run<T, E, F, K>(&self, op: F, classify: K) -> Result<T, RetryError<E>>
    where
        F: FnMut(u32) -> Result<T, E>,
        K: FnMut(&E) -> Action,
    {
        self.run_with_sleeper(ThreadSleep, op, classify)
    }

    /// Runs the futures made by `op` until one succeeds or retrying stops, awaiting
    /// `sleep(delay)` between attempts. Works with any runtime.
    ///
    /// With a per-attempt timeout ([`RetryPolicy::with_attempt_timeout`]) each attempt
    /// races `sleep(timeout)`; an attempt that loses is dropped (cancelled) and counts as
    /// a timeout ([`Action::RetryTimeout`], without consulting `classify`: there is no
    /// error to classify).
    ///
    /// Dropping the returned future cancels the run; a retry the budget had granted and
    /// that has not reported its outcome yet is handed back with
    /// [`RetryBudget::release`], so cancelled runs never leak budget tokens.
    ///
    /// # Errors
    ///
    /// As [`Retrier::run_with_sleeper`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, Strategy};
    ///
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    /// # }
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(5))?);
    /// let retrier = Retrier::new(policy, ManualClock::new(), 3);
    /// let out = block_on(retrier.run_async(
    ///     |_delay| async {}, // a real program awaits its runtime's timer here
    ///     |attempt| async move { if attempt < 2 { Err("later") } else { Ok(attempt) } },
    ///     |_| Action::Retry,
    /// ));
    /// assert_eq!(out, Ok(2));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub async fn run_async<T, E, S, SF, F, Fut, K>(
        &self,
        mut sleep: S,
        mut op: F,
        mut classify: K,
    ) -> Result<T, RetryError<E>>
    where
        S: FnMut(Duration) -> SF,
        SF: Future<Output = ()>,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        K: FnMut(&E) -> Action,
    {
        let mut run = self.start();
        run.admit_first()?;
        loop {
            let attempt = run.begin();
            let result = match self.policy.attempt_timeout() {
                None => Some(op(attempt).await),
                Some(limit) => {
                    let attempt_future = core::pin::pin!(op(attempt));
                    let timer = core::pin::pin!(sleep(limit));
                    Race {
                        op: attempt_future,
                        timer,
                    }
                    .await
                }
            };
            let delay = match result {
                Some(Ok(v)) => return Ok(run.succeeded(v)),
                Some(Err(e)) => {
                    let action = classify(&e);
                    run.failed(Some(e), action)?
                }
                // The attempt ran out of time and was dropped: a timeout, with no error.
                None => run.failed(None, Action::RetryTimeout)?,
            };
            sleep(delay).await;
        }
    }

    /// [`Retrier::run_async`] with `tokio::time::sleep`.
    ///
    /// # Errors
    ///
    /// As [`Retrier::run_with_sleeper`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, Retrier, RetryPolicy, Strategy, TokioClock};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1))?);
    /// let retrier = Retrier::new(policy, TokioClock::new(), 9);
    /// let out = retrier
    ///     .run_tokio(|n| async move { if n < 2 { Err(()) } else { Ok(n) } }, |_| Action::Retry)
    ///     .await;
    /// assert_eq!(out, Ok(2));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn run_tokio<T, E, F, Fut, K>(&self, op: F, classify: K) -> Result<T, RetryError<E>>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        K: FnMut(&E) -> Action,
    {
        self.run_async(tokio::time::sleep, op, classify).await
    }
}

/// An attempt raced against its time limit: `Some(result)` if the attempt finished first,
/// `None` if the timer did.
struct Race<'a, A, S> {
    op: core::pin::Pin<&'a mut A>,
    timer: core::pin::Pin<&'a mut S>,
}

impl<A: Future, S: Future<Output = ()>> Future for Race<'_, A, S> {
    type Output = Option<A::Output>;

    fn poll(
        mut self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Self::Output> {
        use core::task::Poll;
        if let Poll::Ready(out) = self.op.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The bookkeeping of one run, shared by the blocking and async loops.
///
/// It is also the guard of the run's pending withdrawal: a run dropped between a granted
/// retry and that retry's outcome (an async run cancelled while it sleeps or while the
/// retried attempt runs, a panicking operation) releases the withdrawal to the budget.
struct Run<'a, C, B: RetryBudget> {
    retrier: &'a Retrier<C, B>,
    schedule: RetrySchedule<SplitMix64>,
    attempt: u32,
    withdrawal: Option<Withdrawal>,
}

impl<C, B: RetryBudget> Drop for Run<'_, C, B> {
    fn drop(&mut self) {
        if let Some(w) = self.withdrawal.take() {
            self.retrier.budget.release(w);
        }
    }
}

impl<C: Clock, B: RetryBudget> Run<'_, C, B> {
    /// Asks the budget for the first try (only client-side throttles ever refuse it).
    fn admit_first<E>(&self) -> Result<(), RetryError<E>> {
        if self.retrier.budget.try_first_attempt() {
            Ok(())
        } else {
            event!(warn, "retry budget refused a first attempt");
            Err(RetryError {
                error: None,
                attempts: 0,
                reason: StopReason::BudgetExhausted,
            })
        }
    }

    fn begin(&mut self) -> u32 {
        self.attempt = self.attempt.saturating_add(1);
        self.attempt
    }

    /// Gives back a withdrawal still held for an attempt that will not be made.
    fn release_held(&mut self) {
        if let Some(w) = self.withdrawal.take() {
            self.retrier.budget.release(w);
        }
    }

    fn succeeded<T>(&mut self, value: T) -> T {
        self.retrier.budget.record_success(self.withdrawal.take());
        value
    }

    fn failed<E>(&mut self, error: Option<E>, action: Action) -> Result<Duration, RetryError<E>> {
        let budget = &self.retrier.budget;
        // An attempt refused before it was sent is invisible to the budget: no outcome is
        // recorded, and its withdrawal (none for a first try) passes to the attempt that
        // takes its place, or goes back if none does.
        let unsent = matches!(action, Action::RetryUnsent(_) | Action::GiveUpUnsent);
        if !unsent {
            let withdrawal = self.withdrawal.take();
            if action == Action::GiveUp {
                budget.record_not_retryable(withdrawal);
            } else {
                budget.record_failure(withdrawal);
            }
        }
        let attempts = self.attempt;
        let stop = |reason| RetryError {
            error,
            attempts,
            reason,
        };
        let (wait, kind) = match action {
            Action::GiveUp => {
                event!(debug, attempts = self.attempt, "error not retryable");
                return Err(stop(StopReason::NotRetryable));
            }
            Action::GiveUpUnsent => {
                event!(
                    debug,
                    attempts = self.attempt,
                    "attempt refused locally, not retryable"
                );
                self.release_held();
                return Err(stop(StopReason::NotRetryable));
            }
            Action::Retry => (Wait::Policy, RetryKind::Error),
            Action::RetryTimeout => (Wait::Policy, RetryKind::Timeout),
            Action::RetryThrottled => (Wait::Policy, RetryKind::Throttling),
            Action::RetryAfter(d) => (Wait::Exactly(d), RetryKind::Error),
            Action::RetryNotBefore(d) | Action::RetryUnsent(d) => {
                (Wait::NotBefore(d), RetryKind::Error)
            }
        };
        match wait.decide(&mut self.schedule, self.retrier.clock.now()) {
            Decision::GiveUp(reason) => {
                event!(info, attempts = self.attempt, %reason, "retries stopped");
                self.release_held();
                Err(stop(reason))
            }
            Decision::RetryAfter(delay) if unsent => {
                event!(
                    debug,
                    attempt = self.attempt,
                    ?delay,
                    "retrying an attempt never sent"
                );
                Ok(delay)
            }
            Decision::RetryAfter(delay) => match budget.try_retry(kind) {
                Some(w) => {
                    event!(debug, attempt = self.attempt, ?delay, ?kind, "retrying");
                    self.withdrawal = Some(w);
                    Ok(delay)
                }
                None => {
                    event!(warn, attempts = self.attempt, "retry budget exhausted");
                    Err(stop(StopReason::BudgetExhausted))
                }
            },
        }
    }
}

/// The wait a classified failure asks for (see [`Action`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// The policy's own delay.
    Policy,
    /// Exactly this long (server pushback).
    Exactly(Duration),
    /// This long plus the policy's delay (a wait shared by many clients).
    NotBefore(Duration),
}

impl Wait {
    /// Asks `schedule` for its decision on a failure at `now` that wants this wait.
    pub(crate) fn decide<R: crate::RandomSource>(
        self,
        schedule: &mut crate::RetrySchedule<R>,
        now: Duration,
    ) -> Decision {
        match self {
            Wait::Policy => schedule.on_failure(now, None),
            Wait::Exactly(d) => schedule.on_failure(now, Some(d)),
            Wait::NotBefore(d) => schedule.on_failure_not_before(now, d),
        }
    }
}
