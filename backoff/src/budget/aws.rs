use super::{BudgetError, RetryBudget, RetryKind, Withdrawal};
use crate::sync::{AtomicU32, Ordering};

/// The AWS SDKs' retry quota (standard retry mode).
///
/// Rules (AWS SDKs and Tools Reference Guide, "Retry behavior", standard mode; the same
/// constants in the SDKs' sources: initial retry tokens 500, retry cost 5, timeout retry
/// cost 10, no-retry increment 1; throttling errors are charged the retry cost, only
/// timeouts the timeout cost): the quota starts at its capacity; a retry is allowed only
/// if the quota holds its cost, which is then taken; when an attempt succeeds, a retried
/// attempt refunds exactly the cost it took, and a first-try success adds 1 token; the quota
/// never exceeds its capacity. Failures themselves cost nothing: retries do. A retry
/// abandoned before its outcome ([`release`](RetryBudget::release), done by the retry
/// runners when their future is dropped) is refunded in full.
///
/// # Examples
///
/// 500 tokens allow 100 retries at cost 5:
///
/// ```
/// use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
///
/// let quota = RetryQuota::default();
/// let allowed = (0..1000).filter(|_| quota.try_retry(RetryKind::Error).is_some()).count();
/// assert_eq!(allowed, 100);
/// assert_eq!(quota.available(), 0);
/// ```
#[derive(Debug)]
pub struct RetryQuota {
    available: AtomicU32,
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_increment: u32,
}

impl RetryQuota {
    /// A full quota with the given capacity and costs (first-try success still adds 1).
    ///
    /// # Errors
    ///
    /// [`BudgetError::ZeroCapacity`], or [`BudgetError::CostOutOfRange`] if a cost is 0 or
    /// above the capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::RetryQuota;
    /// let q = RetryQuota::new(100, 5, 10)?;
    /// assert_eq!(q.available(), 100);
    /// assert!(RetryQuota::new(100, 0, 10).is_err());
    /// # Ok::<(), ward_backoff::budget::BudgetError>(())
    /// ```
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32) -> Result<Self, BudgetError> {
        if capacity == 0 {
            return Err(BudgetError::ZeroCapacity);
        }
        for cost in [retry_cost, timeout_cost] {
            if cost == 0 || cost > capacity {
                return Err(BudgetError::CostOutOfRange { cost, capacity });
            }
        }
        Ok(Self {
            available: AtomicU32::new(capacity),
            capacity,
            retry_cost,
            timeout_cost,
            success_increment: 1,
        })
    }

    /// Tokens available now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::RetryQuota;
    /// assert_eq!(RetryQuota::default().available(), 500);
    /// ```
    #[must_use]
    pub fn available(&self) -> u32 {
        self.available.load(Ordering::Acquire)
    }

    /// The capacity, also the starting balance.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::budget::RetryQuota;
    /// assert_eq!(RetryQuota::default().capacity(), 500);
    /// ```
    #[must_use]
    pub const fn capacity(&self) -> u32 {
        self.capacity
    }

    fn refund(&self, amount: u32) {
        let cap = self.capacity;
        let mut cur = self.available.load(Ordering::Relaxed);
        loop {
            let next = cur.saturating_add(amount).min(cap);
            match self.available.compare_exchange_weak(
                cur,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(seen) => cur = seen,
            }
        }
    }
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self {
            available: AtomicU32::new(500),
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
            success_increment: 1,
        }
    }
}

impl RetryBudget for RetryQuota {
    fn try_retry(&self, kind: RetryKind) -> Option<Withdrawal> {
        let cost = match kind {
            RetryKind::Error | RetryKind::Throttling => self.retry_cost,
            RetryKind::Timeout => self.timeout_cost,
        };
        let mut cur = self.available.load(Ordering::Relaxed);
        loop {
            let next = cur.checked_sub(cost)?;
            match self.available.compare_exchange_weak(
                cur,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(Withdrawal::new(cost)),
                Err(seen) => cur = seen,
            }
        }
    }

    fn record_success(&self, retry: Option<Withdrawal>) {
        self.refund(retry.map_or(self.success_increment, |w| w.cost()));
    }

    fn record_failure(&self, _retry: Option<Withdrawal>) {}

    /// Refunds the whole cost: the retry it paid for never ran to an outcome.
    fn release(&self, retry: Withdrawal) {
        self.refund(retry.cost());
    }
}
