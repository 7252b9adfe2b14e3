use core::time::Duration;

use super::window::{BUCKETS, WindowCounter};
use super::{BudgetError, RetryBudget, RetryKind, Withdrawal};
use crate::clock::{Clock, nanos};

/// A ratio budget: retries may add at most a fixed share of the requests seen recently.
///
/// The design of Finagle's `RetryBudget` and tower's `TpsBudget` (Finagle documentation,
/// "Retries: retry budgets"; tower `retry::budget::TpsBudget`), re-implemented lock-free:
/// every first try deposits `retry_percent` of a retry; every retry withdraws one whole
/// retry; deposits and withdrawals count for `ttl` and then expire; on top, a reserve of
/// `min_per_sec · ttl` retries is always available, so quiet clients can still retry. A
/// retry is allowed while `reserve + deposits · retry_percent − withdrawals ≥ 1`.
///
/// Defaults (Finagle's and tower's): `ttl` 10 s, `min_per_sec` 10, `retry_percent` 0.2.
///
/// Deposits and withdrawals are two [sliding windows](crate::budget) of ten buckets each
/// (`ttl / 10` per bucket), one atomic word per bucket. Balances are computed in
/// thousandths of a retry, so a 0.2 ratio is exact. Limits: concurrent `try_retry` calls
/// check the balance and then withdraw, so racing callers can overdraw by at most one retry
/// each; a bucket counts at most `u32::MAX` events.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use ward_backoff::ManualClock;
/// use ward_backoff::budget::{RetryBudget, RetryKind, TpsBudget};
///
/// let clock = ManualClock::new();
/// // No reserve: only deposits fund retries. 50 % of requests may be retried.
/// let budget = TpsBudget::new(Duration::from_secs(1), 0, 0.5, &clock)?;
/// budget.record_success(None);
/// budget.record_success(None);
/// assert!(budget.try_retry(RetryKind::Error).is_some());
/// assert!(budget.try_retry(RetryKind::Error).is_none());
/// # Ok::<(), ward_backoff::budget::BudgetError>(())
/// ```
#[derive(Debug)]
pub struct TpsBudget<C> {
    clock: C,
    bucket_nanos: u64,
    deposits: WindowCounter,
    withdrawals: WindowCounter,
    /// Thousandths of a retry per deposit.
    deposit_milli: u64,
    /// Thousandths of a retry always available.
    reserve_milli: u64,
}

impl<C: Clock> TpsBudget<C> {
    /// A budget with the given parameters, reading time from `clock`.
    ///
    /// # Errors
    ///
    /// [`BudgetError::TtlOutOfRange`] unless `1 s <= ttl <= 60 s`;
    /// [`BudgetError::RetryPercentOutOfRange`] unless `retry_percent` is finite and in
    /// `0..=1000` (1 000 means every request may be retried 1 000 times).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::TpsBudget;
    /// assert!(TpsBudget::new(Duration::from_secs(61), 10, 0.2, ManualClock::new()).is_err());
    /// assert!(TpsBudget::new(Duration::from_secs(10), 10, -0.1, ManualClock::new()).is_err());
    /// ```
    pub fn new(
        ttl: Duration,
        min_per_sec: u32,
        retry_percent: f32,
        clock: C,
    ) -> Result<Self, BudgetError> {
        if ttl < Duration::from_secs(1) || ttl > Duration::from_secs(60) {
            return Err(BudgetError::TtlOutOfRange { ttl });
        }
        let pct = f64::from(retry_percent);
        if !pct.is_finite() || !(0.0..=1000.0).contains(&pct) {
            return Err(BudgetError::RetryPercentOutOfRange { retry_percent: pct });
        }
        // Whole seconds of ttl for the reserve, as Finagle and tower do.
        let reserve_milli = u64::from(min_per_sec) * ttl.as_secs() * 1000;
        Ok(Self {
            clock,
            bucket_nanos: nanos(ttl) / BUCKETS as u64,
            deposits: WindowCounter::new(),
            withdrawals: WindowCounter::new(),
            deposit_milli: super::milli(pct),
            reserve_milli,
        })
    }

    /// The published defaults: ttl 10 s, 10 retries per second, 20 %.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::TpsBudget;
    /// // The reserve alone allows 10 · 10 = 100 retries.
    /// assert_eq!(TpsBudget::with_defaults(ManualClock::new()).balance_milli(), 100_000);
    /// ```
    pub fn with_defaults(clock: C) -> Self {
        Self {
            clock,
            bucket_nanos: 1_000_000_000,
            deposits: WindowCounter::new(),
            withdrawals: WindowCounter::new(),
            deposit_milli: 200,
            reserve_milli: 100_000,
        }
    }

    fn epoch(&self) -> u64 {
        nanos(self.clock.now()) / self.bucket_nanos
    }

    /// The balance now, in thousandths of a retry (negative after an overdraft).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::{RetryBudget, TpsBudget};
    /// let b = TpsBudget::new(Duration::from_secs(10), 0, 0.2, ManualClock::new())?;
    /// b.record_failure(None);
    /// assert_eq!(b.balance_milli(), 200);
    /// # Ok::<(), ward_backoff::budget::BudgetError>(())
    /// ```
    #[must_use]
    pub fn balance_milli(&self) -> i64 {
        self.balance_at(self.epoch())
    }

    fn balance_at(&self, epoch: u64) -> i64 {
        let dep = self.deposits.sum(epoch).saturating_mul(self.deposit_milli);
        let wd = self.withdrawals.sum(epoch).saturating_mul(1000);
        let credit = i64::try_from(self.reserve_milli.saturating_add(dep)).unwrap_or(i64::MAX);
        credit.saturating_sub(i64::try_from(wd).unwrap_or(i64::MAX))
    }

    /// Records a first try (a "deposit").
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::TpsBudget;
    /// let b = TpsBudget::with_defaults(ManualClock::new());
    /// b.deposit();
    /// assert_eq!(b.balance_milli(), 100_200);
    /// ```
    pub fn deposit(&self) {
        self.deposits.add(self.epoch());
    }
}

impl<C: Clock> RetryBudget for TpsBudget<C> {
    fn try_retry(&self, _kind: RetryKind) -> Option<Withdrawal> {
        let epoch = self.epoch();
        if self.balance_at(epoch) >= 1000 {
            let counted = self.withdrawals.add(epoch);
            Some(Withdrawal::counted_in(counted))
        } else {
            None
        }
    }

    fn record_success(&self, retry: Option<Withdrawal>) {
        if retry.is_none() {
            self.deposit();
        }
    }

    fn record_failure(&self, retry: Option<Withdrawal>) {
        if retry.is_none() {
            self.deposit();
        }
    }

    /// Takes the retry out of the window, unless its time bucket has already expired.
    fn release(&self, retry: Withdrawal) {
        self.withdrawals.remove(retry.epoch());
    }
}
