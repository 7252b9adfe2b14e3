use core::time::Duration;

use super::window::{BUCKETS, WindowCounter};
use super::{BudgetError, RetryBudget, RetryKind, Withdrawal};
use crate::clock::{Clock, nanos};
use crate::rng::{AtomicSplitMix, below};

/// Client-side adaptive throttling from the Google SRE book.
///
/// Source: Beyer, Jones, Petoff and Murphy (eds.), "Site Reliability Engineering", chapter
/// 21, "Handling Overload", section "Client-Side Throttling". The client counts, over a
/// sliding window (two minutes in the book), the `requests` it attempted and the `accepts`
/// the backend took; it then rejects a new request locally with probability
/// `max(0, (requests − K · accepts) / (requests + 1))`. Locally rejected requests count as
/// requests, so the rejection rate rises while the backend keeps refusing. The book suggests
/// `K = 2` (the backend receives up to twice what it accepts).
///
/// Through [`RetryBudget`], every request is counted and throttled: the retry runners ask
/// [`try_first_attempt`](RetryBudget::try_first_attempt) before a first try and
/// [`try_retry`](RetryBudget::try_retry) before a retry (both are
/// [`try_admit`](AdaptiveThrottle::try_admit)); an attempt that succeeds or fails with an
/// error the caller gives up on ([`record_not_retryable`](RetryBudget::record_not_retryable):
/// the backend answered, so it accepted the request) counts as a request and an accept;
/// a retryable failure counts as a request only.
///
/// The counts live in two lock-free ten-bucket windows; the random draw uses an atomic
/// SplitMix64 stream seeded at construction, and is exact in integers (`K` in thousandths).
///
/// # Examples
///
/// ```
/// use ward_backoff::ManualClock;
/// use ward_backoff::budget::{AdaptiveThrottle, RetryBudget};
///
/// let t = AdaptiveThrottle::with_defaults(ManualClock::new(), 7);
/// for _ in 0..3 {
///     t.record_failure(None); // attempted, refused by the backend
/// }
/// t.record_success(None); // attempted and accepted
/// // requests 4, accepts 1: p = (4 − 2·1) / (4 + 1) = 0.4
/// assert_eq!(t.rejection_probability(), 0.4);
/// ```
#[derive(Debug)]
pub struct AdaptiveThrottle<C> {
    clock: C,
    bucket_nanos: u64,
    requests: WindowCounter,
    accepts: WindowCounter,
    k_milli: u64,
    rng: AtomicSplitMix,
}

impl<C: Clock> AdaptiveThrottle<C> {
    /// A throttle with multiplier `k` over a sliding `window`, its random stream seeded by
    /// `seed` (give each client its own).
    ///
    /// # Errors
    ///
    /// [`BudgetError::MultiplierOutOfRange`] unless `k` is finite and at least 1;
    /// [`BudgetError::WindowTooShort`] if `window` is under 1 s (its ten buckets would be
    /// shorter than 100 ms).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::AdaptiveThrottle;
    /// assert!(AdaptiveThrottle::new(2.0, Duration::from_secs(60), ManualClock::new(), 1).is_ok());
    /// assert!(AdaptiveThrottle::new(0.5, Duration::from_secs(60), ManualClock::new(), 1).is_err());
    /// ```
    pub fn new(k: f64, window: Duration, clock: C, seed: u64) -> Result<Self, BudgetError> {
        if !k.is_finite() || k < 1.0 {
            return Err(BudgetError::MultiplierOutOfRange { k });
        }
        let min = Duration::from_secs(1);
        if window < min {
            return Err(BudgetError::WindowTooShort { window, min });
        }
        Ok(Self {
            clock,
            bucket_nanos: nanos(window) / BUCKETS as u64,
            requests: WindowCounter::new(),
            accepts: WindowCounter::new(),
            k_milli: super::milli(k),
            rng: AtomicSplitMix::new(seed),
        })
    }

    /// The book's settings: `K = 2` over a two-minute window.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::AdaptiveThrottle;
    /// let t = AdaptiveThrottle::with_defaults(ManualClock::new(), 1);
    /// assert_eq!(t.rejection_probability(), 0.0);
    /// ```
    pub fn with_defaults(clock: C, seed: u64) -> Self {
        Self {
            clock,
            bucket_nanos: 12_000_000_000,
            requests: WindowCounter::new(),
            accepts: WindowCounter::new(),
            k_milli: 2000,
            rng: AtomicSplitMix::new(seed),
        }
    }

    fn epoch(&self) -> u64 {
        nanos(self.clock.now()) / self.bucket_nanos
    }

    /// `(requests, accepts)` in the window now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::{AdaptiveThrottle, RetryBudget};
    /// let t = AdaptiveThrottle::with_defaults(ManualClock::new(), 1);
    /// t.record_success(None);
    /// assert_eq!(t.counts(), (1, 1));
    /// ```
    #[must_use]
    pub fn counts(&self) -> (u64, u64) {
        let e = self.epoch();
        (self.requests.sum(e), self.accepts.sum(e))
    }

    /// `(numerator, denominator)` of the rejection probability, in thousandths.
    fn odds(&self, epoch: u64) -> (u64, u64) {
        let req = self.requests.sum(epoch);
        let acc = self.accepts.sum(epoch);
        let num = (req * 1000).saturating_sub(self.k_milli.saturating_mul(acc));
        (num, (req + 1) * 1000)
    }

    /// The current local rejection probability.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::{AdaptiveThrottle, RetryBudget};
    /// let t = AdaptiveThrottle::with_defaults(ManualClock::new(), 1);
    /// t.record_failure(None);
    /// assert_eq!(t.rejection_probability(), 0.5); // (1 − 0) / (1 + 1)
    /// ```
    #[must_use]
    pub fn rejection_probability(&self) -> f64 {
        let (num, den) = self.odds(self.epoch());
        num as f64 / den as f64
    }

    /// Decides whether to send a request (first try or retry). A locally rejected request
    /// is counted as a request; an admitted one must later be reported with
    /// [`record_success`](RetryBudget::record_success) (accepted by the backend) or
    /// [`record_failure`](RetryBudget::record_failure) (refused).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::ManualClock;
    /// use ward_backoff::budget::AdaptiveThrottle;
    /// let t = AdaptiveThrottle::with_defaults(ManualClock::new(), 1);
    /// assert!(t.try_admit()); // nothing seen yet: probability 0
    /// ```
    pub fn try_admit(&self) -> bool {
        let epoch = self.epoch();
        let (num, den) = self.odds(epoch);
        if num == 0 {
            return true;
        }
        let draw = below(&mut || self.rng.next_u64(), den);
        if draw < num {
            self.requests.add(epoch);
            false
        } else {
            true
        }
    }
}

impl<C: Clock> RetryBudget for AdaptiveThrottle<C> {
    fn try_retry(&self, _kind: RetryKind) -> Option<Withdrawal> {
        self.try_admit().then_some(Withdrawal::new(0))
    }

    /// The throttle applies to every request: first tries go through
    /// [`try_admit`](AdaptiveThrottle::try_admit) like retries.
    fn try_first_attempt(&self) -> bool {
        self.try_admit()
    }

    /// The backend answered (a permanent error such as a 404 or a validation error is not
    /// an overload rejection): counted as a request and an accept.
    fn record_not_retryable(&self, retry: Option<Withdrawal>) {
        self.record_success(retry);
    }

    fn record_success(&self, _retry: Option<Withdrawal>) {
        let e = self.epoch();
        self.requests.add(e);
        self.accepts.add(e);
    }

    fn record_failure(&self, _retry: Option<Withdrawal>) {
        self.requests.add(self.epoch());
    }
}
