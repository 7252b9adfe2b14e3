//! The `tracing` feature's events: breaker transitions and rejections, retries, runs that
//! stop and budget exhaustion, all under target `ward_backoff`.
#![cfg(feature = "tracing")]

use core::time::Duration;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow};
use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};
use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, Strategy};

/// Collects "LEVEL message" of every event.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

struct Message(String);
impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn core::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        assert_eq!(event.metadata().target(), "ward_backoff");
        let mut m = Message(String::new());
        event.record(&mut m);
        let level: &Level = event.metadata().level();
        self.0.lock().unwrap().push(format!("{level} {}", m.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn breaker_transitions_and_rejections_are_traced() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
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
        *collect.0.lock().unwrap(),
        [
            "WARN circuit breaker transition",
            "DEBUG circuit breaker rejected a call",
            "WARN circuit breaker transition",
            "DEBUG forced-open circuit breaker rejected a call",
        ]
    );
}

#[test]
fn retries_stops_and_budget_exhaustion_are_traced() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
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
        *collect.0.lock().unwrap(),
        [
            "DEBUG retrying",
            "INFO retries stopped",
            "DEBUG error not retryable",
            "WARN retry budget exhausted",
        ]
    );
}
