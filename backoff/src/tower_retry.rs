//! A `tower::retry::Policy` built from a Ward retry policy and budget.

use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;

use crate::budget::{NoBudget, RetryBudget, RetryKind, Withdrawal};
use crate::clock::Clock;
use crate::policy::{Decision, RetryPolicy, RetrySchedule};
use crate::retry::{Action, Wait};
use crate::rng::{AtomicSplitMix, SplitMix64};

/// A [`tower::retry::Policy`] that retries with a Ward [`RetryPolicy`], a clock and a
/// [`RetryBudget`], classifying each error with an [`Action`].
///
/// Tower clones the policy for every request; each clone keeps that request's schedule
/// (first failure, backoff, pending budget withdrawal) and draws its own jitter seed from
/// a stream shared by all clones. The rules are the [`Retrier`](crate::Retrier)'s: the
/// deadline counts from the first failure and is never aimed at, a server pushback resets
/// the backoff and is capped, an `Ok` result reports success to the budget, and a request
/// dropped while it waits for a retry hands its withdrawal back
/// ([`RetryBudget::release`]). Sleeps use tokio's timer. Limits: tower asks the policy
/// only after a result, so a client-side throttle cannot refuse a first try here, and
/// the per-attempt timeout is not applied (put tower's `TimeoutLayer` inside the retry).
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use std::sync::Arc;
/// use tower::{Service, ServiceExt};
/// use ward_backoff::budget::RetryQuota;
/// use ward_backoff::{Action, RetryPolicy, Strategy, TokioClock, TowerRetryPolicy};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let policy = RetryPolicy::new(Strategy::exponential(Duration::from_millis(10), Duration::from_secs(1))?)
///     .with_max_attempts(4)?;
/// let quota = Arc::new(RetryQuota::default());
/// let retry = TowerRetryPolicy::new(policy, TokioClock::new(), 7, |_: &&str| Action::Retry)
///     .with_budget(Arc::clone(&quota));
/// let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
/// let c = Arc::clone(&calls);
/// let svc = tower::ServiceBuilder::new().retry(retry).service_fn(move |x: u32| {
///     let n = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///     async move { if n < 2 { Err("503") } else { Ok(x * 2) } }
/// });
/// assert_eq!(svc.oneshot(21).await, Ok(42));
/// assert_eq!(quota.available(), 495); // two retries at 5, the successful one refunded
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub struct TowerRetryPolicy<C, K, B: RetryBudget = NoBudget> {
    policy: RetryPolicy,
    clock: C,
    budget: B,
    classify: K,
    seeds: Arc<AtomicSplitMix>,
    schedule: Option<RetrySchedule<SplitMix64>>,
    pending: Option<Pending<B>>,
}

/// A withdrawal whose retry has not reported an outcome: released to the budget if the
/// request is dropped first.
struct Pending<B: RetryBudget> {
    budget: B,
    withdrawal: Option<Withdrawal>,
}

impl<B: RetryBudget> Pending<B> {
    fn take(mut self) -> Option<Withdrawal> {
        self.withdrawal.take()
    }
}

impl<B: RetryBudget> Drop for Pending<B> {
    fn drop(&mut self) {
        if let Some(w) = self.withdrawal.take() {
            self.budget.release(w);
        }
    }
}

impl<C, K> TowerRetryPolicy<C, K, NoBudget> {
    /// A policy without budget; `seed` starts the stream of per-request jitter seeds (give
    /// each client its own).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, RetryPolicy, Strategy, TowerRetryPolicy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(5))?);
    /// let retry = TowerRetryPolicy::new(policy, ManualClock::new(), 1, |_: &()| Action::Retry);
    /// assert_eq!(retry.policy().max_attempts(), 3);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn new(policy: RetryPolicy, clock: C, seed: u64, classify: K) -> Self {
        Self {
            policy,
            clock,
            budget: NoBudget,
            classify,
            seeds: Arc::new(AtomicSplitMix::new(seed)),
            schedule: None,
            pending: None,
        }
    }
}

impl<C, K, B: RetryBudget> TowerRetryPolicy<C, K, B> {
    /// The same policy, consulting `budget` before every retry. Every clone shares it, so
    /// pass something that clones to the same budget (an `Arc`, a `&'static`).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use std::sync::Arc;
    /// use ward_backoff::budget::RetryThrottle;
    /// use ward_backoff::{Action, ManualClock, RetryPolicy, Strategy, TowerRetryPolicy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(5))?);
    /// let retry = TowerRetryPolicy::new(policy, ManualClock::new(), 1, |_: &()| Action::Retry)
    ///     .with_budget(Arc::new(RetryThrottle::default()));
    /// assert_eq!(retry.policy().max_attempts(), 3);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub fn with_budget<B2: RetryBudget>(self, budget: B2) -> TowerRetryPolicy<C, K, B2> {
        TowerRetryPolicy {
            policy: self.policy,
            clock: self.clock,
            budget,
            classify: self.classify,
            seeds: self.seeds,
            schedule: None,
            pending: None,
        }
    }

    /// The retry policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::{Action, ManualClock, RetryPolicy, Strategy, TowerRetryPolicy};
    /// let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(5))?).with_max_attempts(2)?;
    /// let retry = TowerRetryPolicy::new(policy, ManualClock::new(), 1, |_: &()| Action::Retry);
    /// assert_eq!(retry.policy().max_attempts(), 2);
    /// # Ok::<(), ward_backoff::ConfigError>(())
    /// ```
    pub const fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    fn take_withdrawal(&mut self) -> Option<Withdrawal> {
        self.pending.take().and_then(Pending::take)
    }

    /// Gives back the withdrawal of an attempt that was never sent.
    fn release(&self, retry: Option<Withdrawal>) {
        if let Some(w) = retry {
            self.budget.release(w);
        }
    }
}

/// A fresh per-request policy: the schedule and the pending withdrawal are not shared.
impl<C: Clone, K: Clone, B: RetryBudget + Clone> Clone for TowerRetryPolicy<C, K, B> {
    fn clone(&self) -> Self {
        Self {
            policy: self.policy,
            clock: self.clock.clone(),
            budget: self.budget.clone(),
            classify: self.classify.clone(),
            seeds: Arc::clone(&self.seeds),
            schedule: None,
            pending: None,
        }
    }
}

impl<C, K, B: RetryBudget> fmt::Debug for TowerRetryPolicy<C, K, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TowerRetryPolicy")
            .field("policy", &self.policy)
            .field(
                "failures",
                &self.schedule.as_ref().map_or(0, RetrySchedule::failures),
            )
            .finish_non_exhaustive()
    }
}

impl<Req, Res, E, C, K, B> tower::retry::Policy<Req, Res, E> for TowerRetryPolicy<C, K, B>
where
    Req: Clone,
    C: Clock,
    K: FnMut(&E) -> Action,
    B: RetryBudget + Clone,
{
    type Future = tokio::time::Sleep;

    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, E>) -> Option<Self::Future> {
        // Classify first: the withdrawal stays in its guard until the decision, so a
        // classifier that panics gives it back when the policy is dropped.
        let action = result.as_ref().err().map(|error| (self.classify)(error));
        let retry = self.take_withdrawal();
        let Some(action) = action else {
            self.budget.record_success(retry);
            return None;
        };
        let (wait, kind) = match action {
            Action::GiveUp => {
                self.budget.record_not_retryable(retry);
                return None;
            }
            Action::GiveUpUnsent => {
                self.release(retry);
                return None;
            }
            Action::Retry => (Wait::Policy, RetryKind::Error),
            Action::RetryTimeout => (Wait::Policy, RetryKind::Timeout),
            Action::RetryThrottled => (Wait::Policy, RetryKind::Throttling),
            Action::RetryAfter(d) => (Wait::Exactly(d), RetryKind::Error),
            Action::RetryNotBefore(d) | Action::RetryUnsent(d) => {
                (Wait::NotBefore(d), RetryKind::Error)
            }
        };
        // Never sent: no outcome is recorded, and the withdrawal passes to the attempt
        // that takes its place (or goes back if none does).
        let unsent = matches!(action, Action::RetryUnsent(_));
        let carried = if unsent {
            retry
        } else {
            self.budget.record_failure(retry);
            None
        };
        let policy = self.policy;
        let seeds = &self.seeds;
        let schedule = self
            .schedule
            .get_or_insert_with(|| policy.schedule(SplitMix64::new(seeds.next_u64())));
        let delay: Duration = match wait.decide(schedule, self.clock.now()) {
            Decision::GiveUp(_) => {
                self.release(carried);
                return None;
            }
            Decision::RetryAfter(d) => d,
        };
        let withdrawal = if unsent {
            carried
        } else {
            Some(self.budget.try_retry(kind)?)
        };
        self.pending = Some(Pending {
            budget: self.budget.clone(),
            withdrawal,
        });
        Some(tokio::time::sleep(delay))
    }

    fn clone_request(&mut self, req: &Req) -> Option<Req> {
        Some(req.clone())
    }
}
