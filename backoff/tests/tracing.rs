//! The `tracing` feature's events: breaker transitions and rejections, retries, runs that
//! stop and budget exhaustion, all under target `ward_backoff`.
#![cfg(feature = "tracing")]

use core::time::Duration;

use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow};
use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, Strategy};
use ward_testkit::Collect;

#[test]
fn breaker_transitions_and_rejections_are_traced() {
    // Every target is recorded, so an event under another target would show here too.
    let events = Collect::default().run(|| {
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .build()
            .unwrap();
        let b = CircuitBreaker::new(config, ManualClock::new());
        b.try_acquire()
            .unwrap()
            .record(Outcome::Failure, Duration::ZERO);
        assert!(b.try_acquire().is_err());
        b.transition_to_forced_open();
        assert!(b.try_acquire().is_err());
    });
    assert_eq!(
        events,
        [
            "ward_backoff WARN circuit breaker transition from=closed to=open at=0ns",
            "ward_backoff DEBUG circuit breaker rejected a call state=open \
             remaining_open=Some(60.000000001s)",
            "ward_backoff WARN circuit breaker transition from=open to=forced open at=0ns",
            "ward_backoff DEBUG forced-open circuit breaker rejected a call",
        ]
    );
}

#[test]
fn retries_stops_and_budget_exhaustion_are_traced() {
    // Every target is recorded, so an event under another target would show here too.
    let events = Collect::default().run(|| {
        let clock = ManualClock::new();
        let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(1)).unwrap())
            .with_max_attempts(2)
            .unwrap();
        let retrier = Retrier::new(policy, &clock, 1);
        let _ = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(503), |_| Action::Retry);
        let _ = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(404), |_| Action::GiveUp);
        let quota = RetryQuota::new(10, 5, 10).unwrap();
        for _ in 0..2 {
            let _ = quota.try_retry(RetryKind::Error);
        }
        let empty = Retrier::new(policy, &clock, 1).with_budget(&quota);
        let _ = empty.run_with_sleeper(|_| {}, |_| Err::<(), _>(503), |_| Action::Retry);
    });
    assert_eq!(
        events,
        [
            "ward_backoff DEBUG retrying attempt=1 delay=1ms kind=Error",
            "ward_backoff INFO retries stopped attempts=2 reason=all 2 attempts failed",
            "ward_backoff DEBUG error not retryable attempts=1",
            "ward_backoff WARN retry budget exhausted attempts=1",
        ]
    );
}
