//! The tower layer: readiness, classification, timing and spawning.
#![cfg(feature = "tower")]

use core::time::Duration;
use std::future::Future as _;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower::{Layer, Service, ServiceExt};
use ward_backoff::ManualClock;
use ward_backoff::breaker::{
    BreakerConfig, BreakerLayer, CallError, CircuitBreaker, SlidingWindow, State,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A single-threaded runtime whose timer is paused: sleeps complete at once, in order.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

fn one_call_breaker(clock: Arc<ManualClock>) -> Arc<CircuitBreaker<Arc<ManualClock>>> {
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open(Duration::from_secs(30))
        .slow_call_duration(Duration::from_secs(2))
        .slow_call_rate_threshold(100.0)
        .build()
        .unwrap();
    Arc::new(CircuitBreaker::new(config, clock))
}

/// Issue 18 (tower): with a `BoxError` inner error, a layered service's call could not be
/// spawned ("implementation of FnOnce is not general enough"). The default classifier is a
/// type, so the future is `Send + 'static` and spawns.
#[test]
fn regression_layered_service_spawns() {
    let clock = Arc::new(ManualClock::new());
    let breaker = one_call_breaker(Arc::clone(&clock));
    let svc =
        BreakerLayer::new(Arc::clone(&breaker)).layer(tower::service_fn(|x: u32| async move {
            if x == 0 {
                Err::<u32, BoxError>("zero".into())
            } else {
                Ok(x)
            }
        }));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let out = rt.block_on(async move {
        let handle = tokio::spawn(async move { svc.oneshot(7).await });
        handle.await.unwrap()
    });
    assert_eq!(out.unwrap(), 7);
    assert_eq!(breaker.metrics().calls, 1);
}

/// Issue 18 (tower): a call's duration was measured from its first poll, so a call queued
/// 5 s before being polled was not slow. It is measured from the call.
#[test]
fn regression_duration_is_measured_from_the_call() {
    let clock = Arc::new(ManualClock::new());
    let breaker = one_call_breaker(Arc::clone(&clock));
    let mut svc =
        BreakerLayer::new(Arc::clone(&breaker)).layer(tower::service_fn(|x: u32| async move {
            Ok::<_, BoxError>(x)
        }));
    let fut = svc.call(1);
    clock.advance(Duration::from_secs(5)); // queued, not yet polled
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(fut).unwrap(), 1);
    assert_eq!(breaker.metrics().slow_calls, 1);
    assert_eq!(breaker.state(), State::Open, "100 % slow calls open it");
}

/// Without the slow-call rule neither the layer nor `call_async` times a call: the same
/// 5 s call is not slow and the breaker stays closed.
#[test]
fn slow_call_rule_off_leaves_layered_and_async_calls_untimed() {
    let clock = Arc::new(ManualClock::new());
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(2))
        .minimum_calls(2)
        .slow_call_duration(Duration::from_secs(2))
        .slow_call_rule(false)
        .build()
        .unwrap();
    let breaker = Arc::new(CircuitBreaker::new(config, Arc::clone(&clock)));
    let mut svc =
        BreakerLayer::new(Arc::clone(&breaker)).layer(tower::service_fn(|x: u32| async move {
            Ok::<_, BoxError>(x)
        }));
    let fut = svc.call(1);
    clock.advance(Duration::from_secs(5));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(fut).unwrap(), 1);
    let slow = rt.block_on(breaker.call_async(async {
        clock.advance(Duration::from_secs(5));
        Ok::<_, ()>(2)
    }));
    assert_eq!(slow, Ok(2));
    assert_eq!(breaker.metrics().calls, 2);
    assert_eq!(breaker.metrics().slow_calls, 0);
    assert_eq!(breaker.state(), State::Closed);
}

/// Issue 18 (tower): `poll_ready` reported ready while the breaker was open, so load
/// shedding and balancing layers could not see it. It is pending until the open wait has
/// passed, then ready again.
#[test]
fn regression_poll_ready_reflects_an_open_breaker() {
    let clock = Arc::new(ManualClock::new());
    let breaker = one_call_breaker(Arc::clone(&clock));
    let mut svc =
        BreakerLayer::new(Arc::clone(&breaker)).layer(tower::service_fn(|x: u32| async move {
            if x == 0 {
                Err::<u32, BoxError>("zero".into())
            } else {
                Ok(x)
            }
        }));
    let rt = paused_runtime();
    rt.block_on(async {
        let ready = |svc: &mut ward_backoff::breaker::BreakerService<_, _, _>| {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            svc.poll_ready(&mut cx).map(|r| r.is_ok())
        };
        assert_eq!(ready(&mut svc), Poll::Ready(true));
        assert!(matches!(svc.call(0).await, Err(CallError::Inner(_))));
        assert_eq!(breaker.state(), State::Open);
        assert_eq!(ready(&mut svc), Poll::Pending, "ready while open");
        clock.advance(Duration::from_secs(31));
        assert_eq!(ready(&mut svc), Poll::Ready(true));
    });
    // A load-shedding layer sees the open breaker as overload and sheds at once.
    let clock = Arc::new(ManualClock::new());
    let breaker = one_call_breaker(Arc::clone(&clock));
    breaker
        .try_acquire()
        .unwrap()
        .record(ward_backoff::breaker::Outcome::Failure, Duration::ZERO);
    let svc = tower::ServiceBuilder::new()
        .load_shed()
        .layer(BreakerLayer::new(Arc::clone(&breaker)))
        .service(tower::service_fn(
            |x: u32| async move { Ok::<_, BoxError>(x) },
        ));
    let out = rt.block_on(svc.oneshot(1));
    assert!(out.unwrap_err().is::<tower::load_shed::error::Overloaded>());
}

/// Outside a tokio runtime there is no timer to wake a pending task: readiness falls back
/// to the inner service's and the call is rejected instead, never a panic.
#[test]
fn poll_ready_outside_tokio_reports_ready_and_rejects() {
    let clock = Arc::new(ManualClock::new());
    let breaker = one_call_breaker(Arc::clone(&clock));
    breaker
        .try_acquire()
        .unwrap()
        .record(ward_backoff::breaker::Outcome::Failure, Duration::ZERO);
    let mut svc =
        BreakerLayer::new(Arc::clone(&breaker)).layer(tower::service_fn(|x: u32| async move {
            Ok::<_, BoxError>(x)
        }));
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(matches!(svc.poll_ready(&mut cx), Poll::Ready(Ok(()))));
    let mut fut = svc.call(1);
    match std::pin::Pin::new(&mut fut).poll(&mut cx) {
        Poll::Ready(Err(CallError::Rejected(r))) => {
            assert_eq!(
                r.remaining_open,
                Some(Duration::from_secs(30) + Duration::from_nanos(1))
            );
        }
        other => panic!("not rejected: {:?}", other.map(|r| r.is_ok())),
    }
}

/// `TowerRetryPolicy` under `tower::retry`: the Ward policy's limits and delays, errors
/// given up on, and a request dropped while it waits hands its withdrawal back.
#[test]
fn tower_retry_policy_follows_the_ward_policy_and_budget() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use ward_backoff::budget::RetryQuota;
    use ward_backoff::{Action, RetryPolicy, Strategy, TokioClock, TowerRetryPolicy};

    let rt = paused_runtime();
    rt.block_on(async {
        let policy = RetryPolicy::new(
            Strategy::exponential(Duration::from_millis(100), Duration::from_secs(1)).unwrap(),
        )
        .with_max_attempts(3)
        .unwrap();
        let quota = Arc::new(RetryQuota::default());
        let retry = TowerRetryPolicy::new(policy, TokioClock::new(), 1, |e: &u16| {
            if *e == 404 {
                Action::GiveUp
            } else {
                Action::Retry
            }
        })
        .with_budget(Arc::clone(&quota));
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let svc = tower::ServiceBuilder::new()
            .retry(retry)
            .service_fn(move |status: u16| {
                c.fetch_add(1, Ordering::Relaxed);
                async move { Err::<(), u16>(status) }
            });
        let start = tokio::time::Instant::now();
        assert_eq!(svc.clone().oneshot(503).await, Err(503));
        assert_eq!(calls.load(Ordering::Relaxed), 3, "three attempts in all");
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(300),
            "100 ms then 200 ms"
        );
        assert_eq!(quota.available(), 490);
        assert_eq!(svc.clone().oneshot(404).await, Err(404));
        assert_eq!(calls.load(Ordering::Relaxed), 4, "a 404 is not retried");

        // Dropped while it sleeps before its first retry: the 5 tokens come back.
        let mut fut = Box::pin(svc.clone().oneshot(503));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(quota.available(), 485);
        drop(fut);
        assert_eq!(
            quota.available(),
            490,
            "the dropped request kept its tokens"
        );
    });
}

/// The tower policy charges a retry budget nothing for attempts a local guard refused
/// ([`Action::RetryUnsent`], [`Action::GiveUpUnsent`]: a breaker rejection never reached
/// the service): the quota keeps its tokens and the gRPC throttle its token count, while a
/// failure the service did return is still charged.
#[test]
fn regression_tower_retry_does_not_charge_unsent_attempts() {
    use ward_backoff::budget::{RetryBudget, RetryQuota, RetryThrottle};
    use ward_backoff::{Action, RetryPolicy, Strategy, TokioClock, TowerRetryPolicy};

    async fn run<B: RetryBudget + Clone + Send + 'static>(budget: B, status: u16) {
        let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(10)).unwrap())
            .with_max_attempts(4)
            .unwrap();
        let retry = TowerRetryPolicy::new(policy, TokioClock::new(), 1, |e: &u16| match *e {
            0 => Action::RetryUnsent(Duration::from_millis(5)), // breaker open
            1 => Action::GiveUpUnsent,                          // forced open
            _ => Action::Retry,
        })
        .with_budget(budget);
        let svc = tower::ServiceBuilder::new()
            .retry(retry)
            .service_fn(move |s: u16| async move { Err::<(), u16>(s) });
        assert_eq!(svc.oneshot(status).await, Err(status));
    }

    let rt = paused_runtime();
    rt.block_on(async {
        let quota = Arc::new(RetryQuota::default());
        let throttle = Arc::new(RetryThrottle::default());
        for status in [0, 1, 0] {
            run(Arc::clone(&quota), status).await;
            run(Arc::clone(&throttle), status).await;
        }
        assert_eq!(quota.available(), 500, "refused attempts kept their tokens");
        assert_eq!(throttle.tokens_milli(), 10_000);
        run(Arc::clone(&quota), 503).await;
        run(Arc::clone(&throttle), 503).await;
        assert_eq!(quota.available(), 485, "three retries of a real failure");
        assert_eq!(throttle.tokens_milli(), 6_000, "four real failures");

        // A retry after a real failure, then only refusals until the attempts run out: the
        // retry's withdrawal passes along the refused attempts and comes back at the end.
        let quota = Arc::new(RetryQuota::default());
        let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(10)).unwrap())
            .with_max_attempts(4)
            .unwrap();
        let retry = TowerRetryPolicy::new(policy, TokioClock::new(), 1, |e: &u16| match *e {
            0 => Action::RetryUnsent(Duration::ZERO),
            _ => Action::Retry,
        })
        .with_budget(Arc::clone(&quota));
        let (calls, service) = failing_with(503, 0);
        let svc = tower::ServiceBuilder::new().retry(retry).service(service);
        assert_eq!(svc.oneshot(7).await, Err(0));
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 4);
        assert_eq!(quota.available(), 500, "the carried withdrawal came back");
    });
}

/// The tower types name themselves in their debug output.
#[test]
fn tower_types_debug() {
    use ward_backoff::{Action, RetryPolicy, TowerRetryPolicy};
    let clock = Arc::new(ManualClock::new());
    let breaker = one_call_breaker(Arc::clone(&clock));
    let layer = BreakerLayer::new(Arc::clone(&breaker));
    assert!(format!("{layer:?}").starts_with("BreakerLayer"));
    let mut svc = layer.layer(tower::service_fn(
        |x: u32| async move { Ok::<_, BoxError>(x) },
    ));
    assert!(format!("{svc:?}").starts_with("BreakerService"));
    let fut = svc.call(1);
    assert!(format!("{fut:?}").starts_with("ResponseFuture"));
    let retry = TowerRetryPolicy::new(RetryPolicy::default(), ManualClock::new(), 1, |_: &()| {
        Action::Retry
    });
    assert!(format!("{retry:?}").starts_with("TowerRetryPolicy"));
}

/// Counts how often a task was woken.
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Issue 19 (a mutant of `poll_ready` that aimed its timer at now − remaining survived):
/// a task waiting for an open breaker must be woken by the timer once the open wait has
/// passed, not at once and over and over while it is still open.
#[test]
fn regression_poll_ready_waits_for_the_open_wait_without_spurious_wakes() {
    use std::sync::atomic::Ordering;
    let rt = paused_runtime();
    rt.block_on(async {
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .wait_in_open(Duration::from_secs(30))
            .build()
            .unwrap();
        let breaker = Arc::new(CircuitBreaker::new(config, ward_backoff::TokioClock::new()));
        let mut svc =
            BreakerLayer::new(Arc::clone(&breaker)).layer(tower::service_fn(|x: u32| async move {
                Ok::<_, BoxError>(x)
            }));
        breaker
            .try_acquire()
            .unwrap()
            .record(ward_backoff::breaker::Outcome::Failure, Duration::ZERO);
        let counter = Arc::new(CountingWaker(std::sync::atomic::AtomicUsize::new(0)));
        let waker = std::task::Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let wakes = || counter.0.load(Ordering::SeqCst);
        for _ in 0..3 {
            // The first poll, then two spurious ones.
            assert!(svc.poll_ready(&mut cx).is_pending());
            tokio::task::yield_now().await;
            assert_eq!(wakes(), 0, "woken while the breaker is open for 30 s");
        }
        tokio::time::advance(Duration::from_secs(29)).await;
        assert_eq!(wakes(), 0, "woken 1 s before the open wait ends");
        assert!(svc.poll_ready(&mut cx).is_pending());
        assert_eq!(wakes(), 0);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(
            wakes(),
            1,
            "the timer wakes the task once the wait has passed"
        );
        assert!(matches!(svc.poll_ready(&mut cx), Poll::Ready(Ok(()))));
    });
}

/// A classifier that panics on the error of a retried attempt: the retry's withdrawal
/// used to leave its guard before the classifier ran, so the panic lost it (a quota kept
/// 5 tokens short for good). It now comes back when the unwinding drops the policy.
#[test]
fn regression_a_panicking_classifier_gives_the_withdrawal_back() {
    use ward_backoff::budget::RetryQuota;
    use ward_backoff::{Action, RetryPolicy, Strategy, TokioClock, TowerRetryPolicy};

    let rt = paused_runtime();
    let quota = Arc::new(RetryQuota::default());
    let q = Arc::clone(&quota);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async move {
            let policy = RetryPolicy::new(Strategy::constant(Duration::from_millis(10)).unwrap())
                .with_max_attempts(3)
                .unwrap();
            let retry = TowerRetryPolicy::new(policy, TokioClock::new(), 1, |e: &u16| {
                assert_ne!(*e, 500, "the classifier fails on this one");
                Action::Retry
            })
            .with_budget(q);
            let (_calls, service) = failing_with(503, 500);
            let svc = tower::ServiceBuilder::new().retry(retry).service(service);
            let _ = svc.oneshot(7).await;
        });
    }));
    assert!(outcome.is_err(), "the classifier panicked");
    assert_eq!(quota.available(), 500, "the retry's tokens came back");
}

/// A service whose first call fails with `first` and every later one with `then`, and
/// the count of its calls.
fn failing_with(
    first: u16,
    then: u16,
) -> (
    Arc<std::sync::atomic::AtomicU32>,
    impl tower::Service<u16, Response = (), Error = u16, Future: Send> + Clone,
) {
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = Arc::clone(&calls);
    let service = tower::service_fn(move |_: u16| {
        let is_first = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
        async move { Err::<(), u16>(if is_first { first } else { then }) }
    });
    (calls, service)
}
