//! Retry budgets: hand-worked cases from each published design, plus models.

use core::time::Duration;
use std::sync::Arc;

use proptest::prelude::*;
use ward_backoff::ManualClock;
use ward_backoff::budget::{
    AdaptiveThrottle, BudgetError, NoBudget, RetryBudget, RetryKind, RetryQuota, RetryThrottle,
    TpsBudget,
};

// ---- gRPC retry throttling (gRPC proposal A6) ----

/// A6's worked configuration, maxTokens 10 and tokenRatio 0.1: five failures take the
/// bucket to 5, which is not above 10 / 2, so retries stop; one success adds 0.1 and
/// re-opens them.
#[test]
fn grpc_five_failures_throttle_one_success_reopens() {
    let t = RetryThrottle::new(10, 0.1).unwrap();
    for i in 0..4 {
        t.record_failure(None);
        assert!(t.allows_retry(), "after {} failures", i + 1);
    }
    t.record_failure(None);
    assert_eq!(t.tokens_milli(), 5_000);
    assert!(t.try_retry(RetryKind::Error).is_none());
    t.record_success(None);
    assert_eq!(t.tokens_milli(), 5_100);
    assert!(t.try_retry(RetryKind::Error).is_some());
}

/// A6: "The only RPCs that are counted as failures for the throttling policy are RPCs
/// that fail with a status code that qualifies as a retryable ... status code", so an
/// error that will not be retried leaves the bucket alone, also through `&` and `Arc`.
#[test]
fn grpc_counts_only_retryable_failures() {
    let t = Arc::new(RetryThrottle::default());
    for _ in 0..20 {
        t.record_not_retryable(None);
        RetryBudget::record_not_retryable(&&*t, None);
        RetryBudget::record_not_retryable(&t, None);
    }
    assert_eq!(t.tokens_milli(), 10_000);
    t.record_failure(None);
    assert_eq!(t.tokens_milli(), 9_000);
    // Budgets without a special rule treat it as a failure.
    let q = RetryQuota::default();
    let w = q.try_retry(RetryKind::Error);
    q.record_not_retryable(w);
    assert_eq!(q.available(), 495, "a failed retry is not refunded");
}

#[test]
fn grpc_tokens_stay_within_zero_and_max() {
    let t = RetryThrottle::new(3, 0.5).unwrap();
    for _ in 0..10 {
        t.record_failure(None);
    }
    assert_eq!(t.tokens_milli(), 0);
    for _ in 0..100 {
        t.record_success(None);
    }
    assert_eq!(t.tokens_milli(), 3_000);
}

#[test]
fn grpc_rejects_out_of_range_configuration() {
    assert_eq!(
        RetryThrottle::new(1001, 0.1).unwrap_err(),
        BudgetError::MaxTokensOutOfRange { max_tokens: 1001 }
    );
    assert!(RetryThrottle::new(10, f64::NAN).is_err());
    assert!(RetryThrottle::new(10, 0.0004).is_err()); // rounds to 0 thousandths
    assert!(RetryThrottle::new(10, 10.0).is_ok());
    assert!(RetryThrottle::new(10, 10.001).is_err());
    assert_eq!(
        BudgetError::MaxTokensOutOfRange { max_tokens: 0 }.to_string(),
        "max tokens 0 outside 1..=1000"
    );
}

// ---- AWS SDK retry quota ----

#[test]
fn aws_500_tokens_allow_100_retries_at_cost_5() {
    let q = RetryQuota::default();
    let mut receipts = Vec::new();
    while let Some(w) = q.try_retry(RetryKind::Error) {
        receipts.push(w);
    }
    assert_eq!(receipts.len(), 100);
    assert_eq!(q.available(), 0);
    // A successful retry refunds exactly its cost.
    q.record_success(Some(receipts[0]));
    assert_eq!(q.available(), 5);
    // A first-try success adds one token.
    q.record_success(None);
    assert_eq!(q.available(), 6);
    // Failures cost nothing by themselves.
    q.record_failure(None);
    assert_eq!(q.available(), 6);
}

#[test]
fn aws_timeouts_cost_10_and_refunds_are_capped() {
    let q = RetryQuota::default();
    assert_eq!(q.try_retry(RetryKind::Timeout).unwrap().cost(), 10);
    assert_eq!(q.available(), 490);
    let allowed = (0..100)
        .filter(|_| q.try_retry(RetryKind::Timeout).is_some())
        .count();
    assert_eq!(allowed, 49);
    for _ in 0..1000 {
        q.record_success(None);
    }
    assert_eq!(q.available(), 500);
    assert_eq!(
        RetryQuota::new(10, 11, 1).unwrap_err(),
        BudgetError::CostOutOfRange {
            cost: 11,
            capacity: 10
        }
    );
    assert_eq!(
        RetryQuota::new(0, 1, 1).unwrap_err(),
        BudgetError::ZeroCapacity
    );
}

// ---- Finagle / tower TpsBudget ----

/// Defaults (ttl 10 s, 10 per second, 20 %): the reserve alone allows 100 retries; every
/// five requests add one more.
#[test]
fn tps_defaults_reserve_and_ratio() {
    let clock = ManualClock::new();
    let b = TpsBudget::with_defaults(&clock);
    for _ in 0..50 {
        b.record_success(None); // 50 first tries: 10 more retries
    }
    let allowed = (0..1000)
        .filter(|_| b.try_retry(RetryKind::Error).is_some())
        .count();
    assert_eq!(allowed, 110);
    // Retried attempts do not deposit.
    b.record_failure(Some(b_withdrawal()));
    assert!(b.try_retry(RetryKind::Error).is_none());
}

fn b_withdrawal() -> ward_backoff::budget::Withdrawal {
    RetryQuota::default().try_retry(RetryKind::Error).unwrap()
}

/// As in tower's own tests: deposits expire after the ttl, and buckets slide.
#[test]
fn tps_deposits_expire_after_the_ttl() {
    let clock = ManualClock::new();
    let b = TpsBudget::new(Duration::from_secs(1), 0, 1.0, &clock).unwrap();
    assert!(b.try_retry(RetryKind::Error).is_none(), "empty budget");
    b.deposit();
    clock.advance(Duration::from_secs(3));
    assert!(b.try_retry(RetryKind::Error).is_none(), "deposit expired");

    let b = TpsBudget::new(Duration::from_secs(1), 0, 0.5, &clock).unwrap();
    b.deposit();
    b.deposit();
    clock.advance(Duration::from_millis(900));
    assert!(
        b.try_retry(RetryKind::Error).is_some(),
        "still inside the ttl"
    );
    assert!(b.try_retry(RetryKind::Error).is_none());
    // The withdrawal expires with its bucket too: a fresh deposit pair funds a new retry.
    clock.advance(Duration::from_millis(1100));
    b.deposit();
    b.deposit();
    assert!(b.try_retry(RetryKind::Error).is_some());
}

/// A released retry leaves the window of the bucket it was counted in, at any time, and
/// a release after that bucket has expired takes nothing from a later bucket.
#[test]
fn tps_release_takes_the_retry_out_of_its_own_bucket() {
    let clock = ManualClock::new();
    clock.advance(Duration::from_millis(2_500)); // a bucket other than the first
    let b = TpsBudget::new(Duration::from_secs(2), 1, 0.0, &clock).unwrap();
    assert_eq!(b.balance_milli(), 2_000);
    let w = b.try_retry(RetryKind::Error).unwrap();
    let kept = b.try_retry(RetryKind::Error).unwrap();
    assert_eq!(b.balance_milli(), 0);
    clock.advance(Duration::from_millis(200)); // the next 200 ms bucket, same window
    b.release(w);
    assert_eq!(b.balance_milli(), 1_000, "released in a later bucket");
    let again = b.try_retry(RetryKind::Error).unwrap();
    clock.advance(Duration::from_millis(1_700)); // `kept`'s bucket has left the window
    assert_eq!(
        b.balance_milli(),
        1_000,
        "only `again` is still in the window"
    );
    b.release(kept);
    assert_eq!(
        b.balance_milli(),
        1_000,
        "an expired retry is not refunded twice"
    );
    b.release(again);
    assert_eq!(b.balance_milli(), 2_000);
}

#[test]
fn tps_rejects_out_of_range_configuration() {
    let c = ManualClock::new();
    assert!(matches!(
        TpsBudget::new(Duration::from_millis(999), 1, 0.2, &c),
        Err(BudgetError::TtlOutOfRange { .. })
    ));
    assert!(matches!(
        TpsBudget::new(Duration::from_secs(1), 1, f32::NAN, &c),
        Err(BudgetError::RetryPercentOutOfRange { .. })
    ));
    assert!(matches!(
        TpsBudget::new(Duration::from_secs(1), 1, 1000.5, &c),
        Err(BudgetError::RetryPercentOutOfRange { .. })
    ));
}

// ---- Google SRE adaptive throttling ----

#[test]
fn sre_probability_by_hand() {
    let clock = ManualClock::new();
    let t = AdaptiveThrottle::with_defaults(&clock, 1);
    assert_eq!(t.rejection_probability(), 0.0);
    // 10 requests, 5 accepted: requests − 2·accepts = 0, nothing rejected.
    for _ in 0..5 {
        t.record_success(None);
        t.record_failure(None);
    }
    assert_eq!(t.counts(), (10, 5));
    assert_eq!(t.rejection_probability(), 0.0);
    assert!((0..1000).all(|_| t.try_admit()));
    // 9 more refused: requests 19, accepts 5 → (19 − 10) / 20 = 0.45.
    for _ in 0..9 {
        t.record_failure(None);
    }
    assert_eq!(t.rejection_probability(), 0.45);
    // The window forgets after two minutes.
    clock.advance(Duration::from_secs(121));
    assert_eq!(t.counts(), (0, 0));
    assert_eq!(t.rejection_probability(), 0.0);
}

/// Local rejections count as requests, so with a backend that accepts nothing, the
/// fraction admitted falls towards zero; the empirical admit rate follows `1 − p`.
#[test]
fn sre_rejections_feed_back_and_follow_the_probability() {
    let clock = ManualClock::new();
    let t = AdaptiveThrottle::with_defaults(&clock, 42);
    for _ in 0..100 {
        t.record_failure(None);
    }
    // p = 100 / 101.
    let admitted = (0..100).filter(|_| t.try_admit()).count();
    assert!(admitted < 10, "admitted {admitted}");
    let (requests, _) = t.counts();
    assert_eq!(requests as usize, 100 + (100 - admitted));

    // A balanced case: p = (3 − 2) / 4 = 0.25 with the counts pinned by a fresh window.
    let t = AdaptiveThrottle::new(2.0, Duration::from_secs(60), &clock, 7).unwrap();
    let mut admitted = 0;
    for _ in 0..20_000 {
        // Reset the window each round so p stays 0.25.
        clock.advance(Duration::from_secs(61));
        t.record_failure(None);
        t.record_failure(None);
        t.record_success(None);
        if t.try_admit() {
            admitted += 1;
        }
    }
    let rate = f64::from(admitted) / 20_000.0;
    assert!((rate - 0.75).abs() < 0.02, "admit rate {rate}");
}

// ---- Shared across tasks ----

#[test]
fn budgets_are_shareable_across_threads() {
    let q = Arc::new(RetryQuota::default());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                let mut got = 0;
                while q.try_retry(RetryKind::Error).is_some() {
                    got += 1;
                }
                got
            })
        })
        .collect();
    let total: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 100, "no retry granted twice, none lost");
    assert_eq!(q.available(), 0);

    let t = Arc::new(RetryThrottle::new(1000, 0.5).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let t = Arc::clone(&t);
            std::thread::spawn(move || {
                for _ in 0..200 {
                    t.record_failure(None);
                    t.record_success(None);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // Every thread fails before it succeeds, so in any interleaving failures lead successes
    // and neither the cap nor the floor clamps: the CAS loop must lose no update.
    assert_eq!(t.tokens_milli(), 1_000_000 - 4 * 200 * 500);
    assert!(NoBudget.try_retry(RetryKind::Timeout).is_some());
}

/// A naive sequential model of each counter budget, driven by random operations.
#[derive(Debug, Clone)]
enum Op {
    Retry(bool),
    Success(bool),
    Failure,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(Op::Retry),
        any::<bool>().prop_map(Op::Success),
        Just(Op::Failure),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn prop_grpc_matches_float_free_model(max in 1u32..=1000, ratio_milli in 1u32..=1000, ops in proptest::collection::vec(op(), 0..200)) {
        let ratio_milli = ratio_milli.min(max * 1000);
        let t = RetryThrottle::new(max, f64::from(ratio_milli) / 1000.0).unwrap();
        let mut model: i64 = i64::from(max) * 1000;
        for op in ops {
            match op {
                Op::Retry(_) => {
                    let allowed = model * 2 > i64::from(max) * 1000;
                    prop_assert_eq!(t.try_retry(RetryKind::Error).is_some(), allowed);
                }
                Op::Success(_) => model = (model + i64::from(ratio_milli)).min(i64::from(max) * 1000),
                Op::Failure => model = (model - 1000).max(0),
            }
            match op {
                Op::Success(_) => t.record_success(None),
                Op::Failure => t.record_failure(None),
                Op::Retry(_) => {}
            }
            prop_assert_eq!(i64::from(t.tokens_milli()), model);
        }
    }

    #[test]
    fn prop_aws_matches_model(ops in proptest::collection::vec(op(), 0..300)) {
        let q = RetryQuota::default();
        let mut model: u32 = 500;
        for op in ops {
            match op {
                Op::Retry(timeout) => {
                    let kind = if timeout { RetryKind::Timeout } else { RetryKind::Error };
                    let cost = if timeout { 10 } else { 5 };
                    let got = q.try_retry(kind);
                    prop_assert_eq!(got.is_some(), model >= cost);
                    if got.is_some() { model -= cost; }
                }
                Op::Success(retried) => {
                    let w = retried.then(b_withdrawal);
                    q.record_success(w);
                    model = (model + if retried { 5 } else { 1 }).min(500);
                }
                Op::Failure => q.record_failure(None),
            }
            prop_assert_eq!(q.available(), model);
        }
    }
}

/// Operations on a windowed budget: requests (first tries), retries, accepted requests
/// and time passing.
#[derive(Debug, Clone)]
enum TimedOp {
    FirstTry,
    Retry,
    Accepted,
    Advance(u64),
}

fn timed_op() -> impl Strategy<Value = TimedOp> {
    prop_oneof![
        3 => Just(TimedOp::FirstTry),
        3 => Just(TimedOp::Retry),
        2 => Just(TimedOp::Accepted),
        2 => prop_oneof![0u64..50, 0u64..3_000, 0u64..70_000].prop_map(TimedOp::Advance),
    ]
}

/// Events still inside a ten-bucket window: bucket `e` counts at `now` while
/// `now − e < 10` (buckets of `bucket_ms`).
fn in_window(events: &[u64], now_ms: u64, bucket_ms: u64) -> u64 {
    let now = now_ms / bucket_ms;
    events.iter().filter(|&&t| now - t / bucket_ms < 10).count() as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The ratio budget against a list of timestamped events: the balance is the reserve
    /// plus the deposits of the last ten buckets times the ratio, minus their withdrawals,
    /// and a retry is granted exactly while that balance holds one whole retry.
    #[test]
    fn prop_tps_matches_event_list_model(
        ttl_s in 1u64..=60,
        min_per_sec in 0u32..5,
        pct_milli in 0u64..=3_000,
        ops in proptest::collection::vec(timed_op(), 0..200),
    ) {
        let clock = ManualClock::new();
        let pct = pct_milli as f32 / 1000.0;
        let b = TpsBudget::new(Duration::from_secs(ttl_s), min_per_sec, pct, &clock).unwrap();
        let bucket_ms = ttl_s * 100;
        let reserve = i64::from(min_per_sec) * ttl_s as i64 * 1000;
        let (mut deposits, mut withdrawals) = (Vec::new(), Vec::new());
        let mut now = 0u64;
        let balance = |d: &[u64], w: &[u64], now: u64| {
            reserve + in_window(d, now, bucket_ms) as i64 * pct_milli as i64
                - in_window(w, now, bucket_ms) as i64 * 1000
        };
        for op in ops {
            match op {
                TimedOp::FirstTry | TimedOp::Accepted => {
                    b.record_failure(None);
                    deposits.push(now);
                }
                TimedOp::Retry => {
                    let allowed = balance(&deposits, &withdrawals, now) >= 1000;
                    prop_assert_eq!(b.try_retry(RetryKind::Error).is_some(), allowed);
                    if allowed {
                        withdrawals.push(now);
                    }
                }
                TimedOp::Advance(ms) => {
                    now += ms;
                    clock.advance(Duration::from_millis(ms));
                }
            }
            prop_assert_eq!(b.balance_milli(), balance(&deposits, &withdrawals, now));
        }
    }

    /// The adaptive throttle against a list of timestamped requests and accepts: counts
    /// over the window and the exact rejection probability
    /// `max(0, requests − 2·accepts) / (requests + 1)`; with probability 0 every request
    /// is admitted, and a local rejection is counted as a request.
    #[test]
    fn prop_adaptive_matches_event_list_model(
        seed in any::<u64>(),
        ops in proptest::collection::vec(timed_op(), 0..200),
    ) {
        let clock = ManualClock::new();
        let t = AdaptiveThrottle::with_defaults(&clock, seed);
        let bucket_ms = 12_000;
        let (mut requests, mut accepts) = (Vec::new(), Vec::new());
        let mut now = 0u64;
        for op in ops {
            match op {
                TimedOp::FirstTry => {
                    t.record_failure(None);
                    requests.push(now);
                }
                TimedOp::Accepted => {
                    t.record_success(None);
                    requests.push(now);
                    accepts.push(now);
                }
                TimedOp::Retry => {
                    let r = in_window(&requests, now, bucket_ms);
                    let a = in_window(&accepts, now, bucket_ms);
                    let admitted = t.try_admit();
                    if r <= 2 * a {
                        prop_assert!(admitted, "probability 0 must admit");
                    }
                    if !admitted {
                        requests.push(now);
                    }
                }
                TimedOp::Advance(ms) => {
                    now += ms * 10;
                    clock.advance(Duration::from_millis(ms * 10));
                }
            }
            let r = in_window(&requests, now, bucket_ms);
            let a = in_window(&accepts, now, bucket_ms);
            prop_assert_eq!(t.counts(), (r, a));
            let p = r.saturating_sub(2 * a) as f64 / (r + 1) as f64;
            prop_assert!((t.rejection_probability() - p).abs() < 1e-12);
        }
    }
}

/// A shared budget asks the budget it wraps about first attempts too.
#[test]
fn a_shared_budget_forwards_first_attempt_refusals() {
    use std::sync::Arc;
    use ward_backoff::budget::{RetryBudget, RetryKind, Withdrawal};
    struct Closed;
    impl RetryBudget for Closed {
        fn try_retry(&self, _: RetryKind) -> Option<Withdrawal> {
            None
        }
        fn try_first_attempt(&self) -> bool {
            false
        }
        fn record_success(&self, _: Option<Withdrawal>) {}
        fn record_failure(&self, _: Option<Withdrawal>) {}
    }
    assert!(!Arc::new(Closed).try_first_attempt());
}
