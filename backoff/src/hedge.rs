//! Hedged requests: a second copy of a slow request, sent before the first has failed.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::budget::{RetryBudget, RetryKind, Withdrawal};
use crate::retry::Action;
use crate::strategy::ConfigError;

/// The most attempts a [`Hedge`] sends for one request.
const MAX_ATTEMPTS: u32 = 16;

/// Hedged requests, as gRPC's hedging policy defines them: send the request; if no
/// answer came within `delay`, send a copy, and so on up to `max_attempts` copies in
/// flight; the first success wins and the others are cancelled (dropped).
///
/// - **Failures.** An attempt that fails with an error classified as
///   [`Action::GiveUp`] or [`Action::GiveUpUnsent`] is fatal: every other attempt is
///   cancelled and the error returned. An attempt refused before it was sent
///   ([`Action::RetryUnsent`], a circuit breaker's rejection) gives its withdrawal back
///   and sends no copy at once, since that copy would be refused too; the delay's timer
///   keeps running, so copies go on being tried every `delay` (each one counts against
///   `max_attempts`). Any other failure
///   sends the next copy at once, without waiting for the delay (gRPC: "non-fatal status
///   codes"). When every attempt sent has failed, the last error is returned.
/// - **Budget.** The first attempt asks [`RetryBudget::try_first_attempt`]; every copy is
///   charged like a retry ([`RetryBudget::try_retry`] with [`RetryKind::Error`]), and a
///   refused copy stops the hedging (the attempts in flight carry on), as gRPC's retry
///   throttling stops hedges. Each attempt that ends reports its outcome with its
///   withdrawal. An attempt cancelled because another won (or because the whole request
///   was dropped) keeps its charge: it was sent, and its load on the backend was real.
///   Unlike the retry runners, a copy sent after a refused attempt is still charged as
///   a retry (the hedge has no single attempt to carry a withdrawal to). A copy started
///   in the same poll in which another attempt wins is dropped before it ever ran, and
///   keeps its charge too.
/// - **Runtime.** The runner needs no runtime and no synchronisation: `sleep` makes the
///   delay's timer (`tokio::time::sleep` with [`Hedge::run_tokio`]), and all attempts are
///   polled by the task that awaits the run.
///
/// Hedging is for idempotent requests only: several copies may reach the backend.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::Action;
/// use ward_backoff::Hedge;
/// use ward_backoff::budget::NoBudget;
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let hedge = Hedge::new(Duration::from_millis(50), 2)?;
/// let start = tokio::time::Instant::now();
/// let out = hedge
///     .run(
///         NoBudget,
///         tokio::time::sleep, // `run_tokio` with the `tokio` feature
///         |attempt| async move {
///             // The first copy is stuck for a second; the hedge answers in 10 ms.
///             let took = if attempt == 0 { 1000 } else { 10 };
///             tokio::time::sleep(Duration::from_millis(took)).await;
///             Ok::<_, ()>(attempt)
///         },
///         |_| Action::Retry,
///     )
///     .await;
/// assert_eq!(out, Ok(1));
/// assert_eq!(start.elapsed(), Duration::from_millis(60));
/// # Ok::<(), ward_backoff::ConfigError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hedge {
    delay: Duration,
    max_attempts: u32,
}

impl Hedge {
    /// Sends a copy after `delay` without an answer, up to `max_attempts` in all (the
    /// first included; gRPC's `hedgingDelay` and `maxAttempts`).
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroHedgeDelay`] for a zero delay (every copy would go out at once),
    /// [`ConfigError::HedgeAttemptsOutOfRange`] for fewer than 2 or more than 16 attempts.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{ConfigError, Hedge};
    /// assert!(Hedge::new(Duration::from_millis(20), 3).is_ok());
    /// assert_eq!(Hedge::new(Duration::ZERO, 3), Err(ConfigError::ZeroHedgeDelay));
    /// assert!(matches!(
    ///     Hedge::new(Duration::from_millis(20), 1),
    ///     Err(ConfigError::HedgeAttemptsOutOfRange { attempts: 1, max: 16 })
    /// ));
    /// ```
    pub const fn new(delay: Duration, max_attempts: u32) -> Result<Self, ConfigError> {
        if delay.is_zero() {
            return Err(ConfigError::ZeroHedgeDelay);
        }
        if max_attempts < 2 || max_attempts > MAX_ATTEMPTS {
            return Err(ConfigError::HedgeAttemptsOutOfRange {
                attempts: max_attempts,
                max: MAX_ATTEMPTS,
            });
        }
        Ok(Self {
            delay,
            max_attempts,
        })
    }

    /// The delay after which a copy is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Hedge;
    /// assert_eq!(Hedge::new(Duration::from_millis(20), 3)?.delay(), Duration::from_millis(20));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn delay(&self) -> Duration {
        self.delay
    }

    /// The most attempts sent for one request, the first included.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::Hedge;
    /// assert_eq!(Hedge::new(Duration::from_millis(20), 3)?.max_attempts(), 3);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Runs `op` hedged, with any runtime: `sleep(d)` must complete after `d`. `op`
    /// receives the attempt number (0 for the first) and `classify` decides which errors
    /// are fatal ([`Action::GiveUp`]).
    ///
    /// # Errors
    ///
    /// A [`HedgeError`]: the budget refused the first attempt, an error was fatal, or
    /// every attempt sent failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::budget::NoBudget;
    /// use ward_backoff::{Action, Hedge, HedgeError};
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let hedge = Hedge::new(Duration::from_millis(5), 3)?;
    /// // Every copy fails at once: each failure sends the next copy without a delay.
    /// let out = rt.block_on(hedge.run(NoBudget, |_| async {}, |n| async move { Err::<(), _>(n) }, |_| Action::Retry));
    /// assert_eq!(out, Err(HedgeError::Failed { attempts: 3, error: 2 }));
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub async fn run<T, E, B, S, SF, F, Fut, K>(
        &self,
        budget: B,
        sleep: S,
        op: F,
        classify: K,
    ) -> Result<T, HedgeError<E>>
    where
        B: RetryBudget,
        S: FnMut(Duration) -> SF,
        SF: Future<Output = ()>,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        K: FnMut(&E) -> Action,
    {
        if !budget.try_first_attempt() {
            return Err(HedgeError::Refused);
        }
        let mut run = Run {
            hedge: *self,
            budget,
            sleep,
            op,
            classify,
            in_flight: Vec::with_capacity(self.max_attempts as usize),
            sent: 0,
            hedging: true,
            timer: None,
            last_error: None,
        };
        run.send(None);
        core::future::poll_fn(|cx| run.poll(cx)).await
    }

    /// [`Hedge::run`] with `tokio::time::sleep`.
    ///
    /// # Errors
    ///
    /// As [`Hedge::run`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::budget::{RetryBudget, RetryQuota};
    /// use ward_backoff::{Action, Hedge};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let quota = RetryQuota::default();
    /// let hedge = Hedge::new(Duration::from_millis(10), 3)?;
    /// let out = hedge
    ///     .run_tokio(&quota, |_| async {
    ///         tokio::time::sleep(Duration::from_millis(25)).await;
    ///         Ok::<_, ()>("ok")
    ///     }, |_| Action::Retry)
    ///     .await;
    /// assert_eq!(out, Ok("ok"));
    /// // Two copies at 5 tokens each; the first attempt won and earned its 1-token reward.
    /// assert_eq!(quota.available(), 491);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn run_tokio<T, E, B, F, Fut, K>(
        &self,
        budget: B,
        op: F,
        classify: K,
    ) -> Result<T, HedgeError<E>>
    where
        B: RetryBudget,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        K: FnMut(&E) -> Action,
    {
        self.run(budget, tokio::time::sleep, op, classify).await
    }
}

/// The state of one hedged request.
struct Run<B, S, SF, F, Fut, K, E> {
    hedge: Hedge,
    budget: B,
    sleep: S,
    op: F,
    classify: K,
    in_flight: Vec<(Pin<Box<Fut>>, Option<Withdrawal>)>,
    sent: u32,
    /// Whether more copies may be sent (attempts left, budget not refused).
    hedging: bool,
    timer: Option<Pin<Box<SF>>>,
    last_error: Option<E>,
}

impl<T, E, B, S, SF, F, Fut, K> Run<B, S, SF, F, Fut, K, E>
where
    B: RetryBudget,
    S: FnMut(Duration) -> SF,
    SF: Future<Output = ()>,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    K: FnMut(&E) -> Action,
{
    /// Sends attempt number `sent` with `withdrawal`, and arms the timer for the next copy.
    fn send(&mut self, withdrawal: Option<Withdrawal>) {
        let attempt = self.sent;
        self.sent += 1;
        self.in_flight
            .push((Box::pin((self.op)(attempt)), withdrawal));
        self.hedging = self.sent < self.hedge.max_attempts;
        self.timer = if self.hedging {
            Some(Box::pin((self.sleep)(self.hedge.delay)))
        } else {
            None
        };
    }

    /// Sends the next copy if attempts are left and the budget allows it. Returns whether
    /// it was sent.
    fn hedge_now(&mut self) -> bool {
        if !self.hedging {
            return false;
        }
        match self.budget.try_retry(RetryKind::Error) {
            Some(w) => {
                self.send(Some(w));
                true
            }
            None => {
                self.hedging = false;
                self.timer = None;
                false
            }
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, HedgeError<E>>> {
        loop {
            let mut sent_more = false;
            let mut i = 0;
            while i < self.in_flight.len() {
                let Poll::Ready(result) = self.in_flight[i].0.as_mut().poll(cx) else {
                    i += 1;
                    continue;
                };
                let (_, withdrawal) = self.in_flight.remove(i);
                match result {
                    Ok(v) => {
                        self.budget.record_success(withdrawal);
                        self.in_flight.clear(); // the others are cancelled, charges kept
                        return Poll::Ready(Ok(v));
                    }
                    Err(e) => {
                        let action = (self.classify)(&e);
                        if matches!(action, Action::GiveUp | Action::GiveUpUnsent) {
                            if action == Action::GiveUp {
                                self.budget.record_not_retryable(withdrawal);
                            } else if let Some(w) = withdrawal {
                                self.budget.release(w);
                            }
                            self.in_flight.clear();
                            return Poll::Ready(Err(HedgeError::GaveUp {
                                attempts: self.sent,
                                error: e,
                            }));
                        }
                        self.last_error = Some(e);
                        if let Action::RetryUnsent(_) = action {
                            // Refused before it was sent (a breaker rejection): it costs
                            // the budget nothing, and another copy sent at once would be
                            // refused too, so none is.
                            if let Some(w) = withdrawal {
                                self.budget.release(w);
                            }
                        } else {
                            self.budget.record_failure(withdrawal);
                            // A non-fatal failure sends the next copy at once.
                            sent_more |= self.hedge_now();
                        }
                    }
                }
            }
            if let Some(timer) = &mut self.timer
                && timer.as_mut().poll(cx).is_ready()
            {
                self.timer = None;
                sent_more |= self.hedge_now();
            }
            if self.in_flight.is_empty() && !sent_more {
                return Poll::Ready(Err(match self.last_error.take() {
                    Some(error) => HedgeError::Failed {
                        attempts: self.sent,
                        error,
                    },
                    None => HedgeError::Refused, // unreachable: the first attempt ran
                }));
            }
            if !sent_more {
                return Poll::Pending;
            }
        }
    }
}

/// Why a hedged request did not succeed.
///
/// # Examples
///
/// ```
/// use ward_backoff::HedgeError;
/// let e = HedgeError::Failed { attempts: 1, error: "503" };
/// assert_eq!(e.to_string(), "hedged request failed after 1 attempt: 503");
/// let e = HedgeError::GaveUp { attempts: 3, error: "404" };
/// assert_eq!(e.to_string(), "hedged request gave up after 3 attempts: 404");
/// assert_eq!(HedgeError::<&str>::Refused.to_string(), "hedged request refused by the retry budget");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HedgeError<E> {
    /// Every attempt sent failed; this is the last error.
    Failed {
        /// Attempts started, those a local guard refused included.
        attempts: u32,
        /// The error of the last attempt to fail.
        error: E,
    },
    /// An error classified as [`Action::GiveUp`] or [`Action::GiveUpUnsent`] ended the
    /// request; the other attempts were cancelled.
    GaveUp {
        /// Attempts started, those a local guard refused included.
        attempts: u32,
        /// The fatal error.
        error: E,
    },
    /// The budget refused the first attempt
    /// ([`RetryBudget::try_first_attempt`]); nothing was sent.
    Refused,
}

impl<E> HedgeError<E> {
    /// The error, if an attempt produced one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::HedgeError;
    /// assert_eq!(HedgeError::Failed { attempts: 2, error: 7 }.into_inner(), Some(7));
    /// assert_eq!(HedgeError::<u8>::Refused.into_inner(), None);
    /// ```
    pub fn into_inner(self) -> Option<E> {
        match self {
            HedgeError::Failed { error, .. } | HedgeError::GaveUp { error, .. } => Some(error),
            HedgeError::Refused => None,
        }
    }
}

fn attempts(f: &mut fmt::Formatter<'_>, n: u32) -> fmt::Result {
    if n == 1 {
        f.write_str("1 attempt")
    } else {
        write!(f, "{n} attempts")
    }
}

impl<E: fmt::Display> fmt::Display for HedgeError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HedgeError::Failed { attempts: n, error } => {
                f.write_str("hedged request failed after ")?;
                attempts(f, *n)?;
                write!(f, ": {error}")
            }
            HedgeError::GaveUp { attempts: n, error } => {
                f.write_str("hedged request gave up after ")?;
                attempts(f, *n)?;
                write!(f, ": {error}")
            }
            HedgeError::Refused => f.write_str("hedged request refused by the retry budget"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for HedgeError<E> {}
