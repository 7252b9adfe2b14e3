use super::{BudgetError, RetryBudget, RetryKind, Withdrawal};
use crate::sync::{AtomicU32, Ordering};

/// gRPC retry throttling: a token bucket that closes retries while failures dominate.
///
/// Rules (gRPC proposal A6, "gRPC Retry Design", section "Throttling Retry Attempts and
/// Hedged RPCs"): the bucket starts full at `max_tokens`; every failed attempt removes 1
/// token, every success adds `token_ratio`, the count staying within `[0, max_tokens]`;
/// retries are allowed only while the count is **strictly above** `max_tokens / 2`. Only
/// retryable failures count: an error classified as not retryable
/// ([`record_not_retryable`](RetryBudget::record_not_retryable)) leaves the bucket alone.
/// Arithmetic is in thousandths of a token (the precision gRPC specifies for the ratio), in
/// one `AtomicU32`, so concurrent updates never lose a fraction to a float race.
///
/// gRPC has no default throttle; [`RetryThrottle::default`] uses the example configuration
/// of the proposal, `max_tokens = 10`, `token_ratio = 0.1`.
///
/// # Examples
///
/// Five failures throttle, one success re-opens:
///
/// ```
/// use ward_backoff::budget::{RetryBudget, RetryKind, RetryThrottle};
///
/// let t = RetryThrottle::default(); // 10 tokens, ratio 0.1
/// for _ in 0..5 {
///     t.record_failure(None);
/// }
/// assert_eq!(t.tokens_milli(), 5_000); // 5 tokens: not above 10 / 2
/// assert!(t.try_retry(RetryKind::Error).is_none());
/// t.record_success(None); // 5.1 tokens
/// assert!(t.try_retry(RetryKind::Error).is_some());
/// ```
#[derive(Debug)]
pub struct RetryThrottle {
    tokens: AtomicU32,
    max: u32,
    ratio: u32,
}

impl RetryThrottle {
    /// A full bucket of `max_tokens` (in `1..=1000`, as gRPC requires) with the given
    /// `token_ratio`, rounded to thousandths.
    ///
    /// # Errors
    ///
    /// [`BudgetError::MaxTokensOutOfRange`] or [`BudgetError::TokenRatioOutOfRange`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::{BudgetError, RetryThrottle};
    /// assert!(RetryThrottle::new(100, 0.5).is_ok());
    /// assert!(matches!(RetryThrottle::new(0, 0.5), Err(BudgetError::MaxTokensOutOfRange { .. })));
    /// assert!(matches!(RetryThrottle::new(10, 0.0), Err(BudgetError::TokenRatioOutOfRange { .. })));
    /// ```
    pub fn new(max_tokens: u32, token_ratio: f64) -> Result<Self, BudgetError> {
        if !(1..=1000).contains(&max_tokens) {
            return Err(BudgetError::MaxTokensOutOfRange { max_tokens });
        }
        let max = max_tokens * 1000;
        let bad = BudgetError::TokenRatioOutOfRange {
            token_ratio,
            max_tokens,
        };
        if !token_ratio.is_finite() || token_ratio <= 0.0 {
            return Err(bad);
        }
        let scaled = super::milli(token_ratio);
        if scaled == 0 || scaled > u64::from(max) {
            return Err(bad);
        }
        Ok(Self {
            tokens: AtomicU32::new(max),
            max,
            ratio: scaled as u32, // at most `max`, checked above
        })
    }

    /// Tokens now, in thousandths.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::RetryThrottle;
    /// assert_eq!(RetryThrottle::default().tokens_milli(), 10_000);
    /// ```
    #[must_use]
    pub fn tokens_milli(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }

    /// Whether a retry would be allowed now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::RetryThrottle;
    /// assert!(RetryThrottle::default().allows_retry());
    /// ```
    #[must_use]
    pub fn allows_retry(&self) -> bool {
        // tokens > max / 2, exactly, in integers.
        u64::from(self.tokens_milli()) * 2 > u64::from(self.max)
    }

    fn update(&self, f: impl Fn(u32) -> u32) {
        let mut cur = self.tokens.load(Ordering::Relaxed);
        loop {
            let next = f(cur);
            match self
                .tokens
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(seen) => cur = seen,
            }
        }
    }
}

impl Default for RetryThrottle {
    fn default() -> Self {
        Self {
            tokens: AtomicU32::new(10_000),
            max: 10_000,
            ratio: 100,
        }
    }
}

impl RetryBudget for RetryThrottle {
    fn try_retry(&self, _kind: RetryKind) -> Option<Withdrawal> {
        self.allows_retry().then_some(Withdrawal::new(0))
    }

    fn record_success(&self, _retry: Option<Withdrawal>) {
        let (ratio, max) = (self.ratio, self.max);
        self.update(|t| t.saturating_add(ratio).min(max));
    }

    fn record_failure(&self, _retry: Option<Withdrawal>) {
        self.update(|t| t.saturating_sub(1000));
    }

    /// Changes nothing: only failures with a retryable status (or a pushback) count
    /// against the bucket in gRPC.
    fn record_not_retryable(&self, _retry: Option<Withdrawal>) {}
}
