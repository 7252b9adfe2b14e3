//! Retry budgets: caps on how much retry traffic a client adds, shared lock-free.
//!
//! Backoff spreads retries over time; a budget bounds their volume. Four published designs:
//!
//! | type | source | rule |
//! |---|---|---|
//! | [`RetryThrottle`] | gRPC retry throttling (proposal A6) | a retryable failure costs 1 token, a success adds `token_ratio`; retries only while tokens > `max_tokens / 2` |
//! | [`RetryQuota`] | AWS SDKs, standard retry mode | 500 tokens; a retry costs 5 (a throttling error too; a timeout 10); a successful retry refunds its cost, a first-try success adds 1 |
//! | [`TpsBudget`] | Finagle `RetryBudget`, tower `TpsBudget` | retries ≤ 20 % of requests over the last 10 s, plus 10 retries per second |
//! | [`AdaptiveThrottle`] | Google SRE book, "Handling Overload" | reject locally with probability `max(0, (requests − K·accepts) / (requests + 1))` |
//!
//! All four implement [`RetryBudget`], which the retry runners consult before each retry.

mod adaptive;
mod aws;
mod grpc;
mod tps;
mod window;

pub use adaptive::AdaptiveThrottle;
pub use aws::RetryQuota;
pub use grpc::RetryThrottle;
pub use tps::TpsBudget;

/// `x` in thousandths, rounded half up, for finite non-negative `x` (saturating).
fn milli(x: f64) -> u64 {
    (x * 1000.0 + 0.5) as u64
}

/// What kind of failure a retry follows; some budgets charge timeouts more.
///
/// The AWS quota charges [`Error`](RetryKind::Error) and
/// [`Throttling`](RetryKind::Throttling) the base retry cost (5) and only
/// [`Timeout`](RetryKind::Timeout) the timeout cost (10), as the AWS SDKs' standard mode
/// does.
///
/// # Examples
///
/// ```
/// use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
/// let quota = RetryQuota::default();
/// assert_eq!(quota.try_retry(RetryKind::Error).map(|w| w.cost()), Some(5));
/// assert_eq!(quota.try_retry(RetryKind::Throttling).map(|w| w.cost()), Some(5));
/// assert_eq!(quota.try_retry(RetryKind::Timeout).map(|w| w.cost()), Some(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RetryKind {
    /// An ordinary retryable error.
    #[default]
    Error,
    /// A timeout: the attempt ran out of time.
    Timeout,
    /// A throttling error (the server refused for rate reasons): the base cost.
    Throttling,
}

/// A receipt for a retry the budget allowed, handed back when the retried attempt ends so
/// the budget can refund it.
///
/// # Examples
///
/// ```
/// use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
/// let quota = RetryQuota::default();
/// let w = quota.try_retry(RetryKind::Timeout).expect("a full quota allows a retry");
/// assert_eq!(w.cost(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Withdrawal {
    cost: u32,
    /// The time bucket a windowed budget counted it in (0 for other budgets).
    epoch: u64,
}

impl Withdrawal {
    pub(crate) const fn new(cost: u32) -> Self {
        Self { cost, epoch: 0 }
    }

    pub(crate) const fn counted_in(epoch: u64) -> Self {
        Self { cost: 1, epoch }
    }

    pub(crate) const fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The tokens this retry took from the budget (0 for budgets that charge nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
    /// let w = RetryQuota::default().try_retry(RetryKind::Error).unwrap();
    /// assert_eq!(w.cost(), 5);
    /// ```
    #[must_use]
    pub const fn cost(&self) -> u32 {
        self.cost
    }
}

/// A shared limit on retries.
///
/// The protocol for one operation: for every attempt that ends, call
/// [`record_success`](RetryBudget::record_success),
/// [`record_failure`](RetryBudget::record_failure) or, for an error that will not be
/// retried, [`record_not_retryable`](RetryBudget::record_not_retryable), with the
/// [`Withdrawal`] that allowed it (`None` for the first try); before every retry, call
/// [`try_retry`](RetryBudget::try_retry) and retry only on `Some`. A withdrawal whose retry
/// is abandoned before its outcome is known (the operation was cancelled while it waited or
/// ran) goes back with [`release`](RetryBudget::release); the retry runners do this when
/// their future is dropped. All methods take `&self` and are lock-free, so one budget can
/// be shared by every task of a client.
///
/// # Examples
///
/// ```
/// use ward_backoff::budget::{RetryBudget, RetryKind, RetryThrottle};
///
/// let budget = RetryThrottle::new(10, 0.1)?;
/// budget.record_failure(None);
/// if let Some(w) = budget.try_retry(RetryKind::Error) {
///     // ... retry, then report how it went:
///     budget.record_success(Some(w));
/// }
/// # Ok::<(), ward_backoff::budget::BudgetError>(())
/// ```
pub trait RetryBudget {
    /// Asks for one retry; `Some` allows it.
    fn try_retry(&self, kind: RetryKind) -> Option<Withdrawal>;

    /// Asks to send the first try of an operation; `false` refuses it locally.
    ///
    /// Only client-side throttling refuses first tries ([`AdaptiveThrottle`] applies its
    /// rejection probability to every request, as the SRE book specifies); by default every
    /// first try is allowed. The retry runners ask before the first attempt and report a
    /// refusal as a [`RetryError`](crate::RetryError) with no error and 0 attempts.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::{RetryBudget, RetryQuota};
    /// assert!(RetryQuota::default().try_first_attempt());
    /// ```
    fn try_first_attempt(&self) -> bool {
        true
    }
    /// An attempt succeeded; `retry` is its withdrawal, `None` for a first try.
    fn record_success(&self, retry: Option<Withdrawal>);
    /// An attempt failed; `retry` is its withdrawal, `None` for a first try.
    fn record_failure(&self, retry: Option<Withdrawal>);

    /// An attempt failed with an error that will not be retried (a malformed request, a
    /// permanent error); `retry` is its withdrawal, `None` for a first try.
    ///
    /// The retry runners call this instead of
    /// [`record_failure`](RetryBudget::record_failure) when the caller classifies an error
    /// as [`Action::GiveUp`](crate::Action::GiveUp). By default it is the same as
    /// `record_failure`; [`RetryThrottle`] changes nothing, because gRPC counts only
    /// retryable failures against its bucket, so a client's own bad requests cannot
    /// throttle its retries; [`AdaptiveThrottle`] counts an accepted request, because the
    /// backend answered it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::{RetryBudget, RetryThrottle};
    ///
    /// let t = RetryThrottle::default();
    /// for _ in 0..10 {
    ///     t.record_not_retryable(None); // e.g. INVALID_ARGUMENT: not the server's fault
    /// }
    /// assert!(t.allows_retry());
    /// assert_eq!(t.tokens_milli(), 10_000);
    /// ```
    fn record_not_retryable(&self, retry: Option<Withdrawal>) {
        self.record_failure(retry);
    }

    /// A retry this budget allowed will never report an outcome: the operation was
    /// cancelled while it waited for the retry or while the retry ran, or the retry was
    /// refused before it was sent (a circuit breaker rejected it:
    /// [`Action::RetryUnsent`](crate::Action::RetryUnsent)).
    ///
    /// Budgets that hold tokens for a retry give them back ([`RetryQuota`] refunds the
    /// whole cost, as the AWS SDKs release a dropped retry permit; [`TpsBudget`] takes the
    /// retry out of its window if it is still there); by default nothing happens, which
    /// suits budgets that charge nothing per retry.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
    ///
    /// let quota = RetryQuota::default();
    /// let w = quota.try_retry(RetryKind::Error).expect("a full quota allows a retry");
    /// assert_eq!(quota.available(), 495);
    /// quota.release(w); // the caller went away before retrying
    /// assert_eq!(quota.available(), 500);
    /// ```
    fn release(&self, retry: Withdrawal) {
        let _ = retry;
    }
}

impl<B: RetryBudget + ?Sized> RetryBudget for &B {
    fn try_retry(&self, kind: RetryKind) -> Option<Withdrawal> {
        (**self).try_retry(kind)
    }
    fn try_first_attempt(&self) -> bool {
        (**self).try_first_attempt()
    }
    fn record_success(&self, retry: Option<Withdrawal>) {
        (**self).record_success(retry);
    }
    fn record_failure(&self, retry: Option<Withdrawal>) {
        (**self).record_failure(retry);
    }
    fn record_not_retryable(&self, retry: Option<Withdrawal>) {
        (**self).record_not_retryable(retry);
    }
    fn release(&self, retry: Withdrawal) {
        (**self).release(retry);
    }
}

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
impl<B: RetryBudget + ?Sized> RetryBudget for alloc::sync::Arc<B> {
    fn try_retry(&self, kind: RetryKind) -> Option<Withdrawal> {
        (**self).try_retry(kind)
    }
    fn try_first_attempt(&self) -> bool {
        (**self).try_first_attempt()
    }
    fn record_success(&self, retry: Option<Withdrawal>) {
        (**self).record_success(retry);
    }
    fn record_failure(&self, retry: Option<Withdrawal>) {
        (**self).record_failure(retry);
    }
    fn record_not_retryable(&self, retry: Option<Withdrawal>) {
        (**self).record_not_retryable(retry);
    }
    fn release(&self, retry: Withdrawal) {
        (**self).release(retry);
    }
}

/// A budget that allows every retry: only the policy's limits apply.
///
/// # Examples
///
/// ```
/// use ward_backoff::budget::{NoBudget, RetryBudget, RetryKind};
/// assert!(NoBudget.try_retry(RetryKind::Error).is_some());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoBudget;

impl RetryBudget for NoBudget {
    fn try_retry(&self, _kind: RetryKind) -> Option<Withdrawal> {
        Some(Withdrawal::new(0))
    }
    fn record_success(&self, _retry: Option<Withdrawal>) {}
    fn record_failure(&self, _retry: Option<Withdrawal>) {}
}

/// Why a budget configuration was refused.
///
/// # Examples
///
/// ```
/// use ward_backoff::budget::{BudgetError, RetryQuota};
/// let err = RetryQuota::new(100, 0, 10).unwrap_err();
/// assert_eq!(err, BudgetError::CostOutOfRange { cost: 0, capacity: 100 });
/// assert_eq!(err.to_string(), "retry cost 0 outside 1..=100");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// gRPC allows `max_tokens` in `1..=1000`.
    #[error("max tokens {max_tokens} outside 1..=1000")]
    MaxTokensOutOfRange {
        /// The value given.
        max_tokens: u32,
    },
    /// gRPC's token ratio must be positive, finite and at most `max_tokens` once rounded
    /// to thousandths.
    #[error("token ratio {token_ratio} outside (0, {max_tokens}] at thousandth precision")]
    TokenRatioOutOfRange {
        /// The value given.
        token_ratio: f64,
        /// The bound.
        max_tokens: u32,
    },
    /// A quota cost must be at least 1 and at most the capacity.
    #[error("retry cost {cost} outside 1..={capacity}")]
    CostOutOfRange {
        /// The cost given.
        cost: u32,
        /// The quota's capacity.
        capacity: u32,
    },
    /// A quota needs a positive capacity.
    #[error("quota capacity must be at least 1")]
    ZeroCapacity,
    /// Finagle and tower allow a time-to-live of 1 to 60 seconds.
    #[error("time to live {ttl:?} outside 1 s..=60 s")]
    TtlOutOfRange {
        /// The value given.
        ttl: core::time::Duration,
    },
    /// The retry percentage must be finite and in `0..=1000`.
    #[error("retry percent {retry_percent} outside 0..=1000")]
    RetryPercentOutOfRange {
        /// The value given.
        retry_percent: f64,
    },
    /// The sliding window must span at least one second (100 ms per bucket).
    #[error("window {window:?} shorter than {min:?}")]
    WindowTooShort {
        /// The window given.
        window: core::time::Duration,
        /// The shortest window accepted.
        min: core::time::Duration,
    },
    /// The adaptive throttle's multiplier must be finite and at least 1.
    #[error("multiplier {k} must be finite and at least 1")]
    MultiplierOutOfRange {
        /// The value given.
        k: f64,
    },
}
