//! Circuit breaker: the named Resilience4j cases, a sequential model, and stress.

use core::time::Duration;
use std::sync::{Arc, Mutex};

use ward_backoff::breaker::{
    BreakerConfig, BreakerConfigError, CallError, CircuitBreaker, Outcome, SlidingWindow, State,
    Transition,
};
use ward_backoff::{ManualClock, Strategy};

const FAST: Duration = Duration::from_millis(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn count_config(window: u32, minimum: u32, threshold: f32) -> BreakerConfig {
    BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(window))
        .minimum_calls(minimum)
        .failure_rate_threshold(threshold)
        .wait_in_open(ms(1000))
        .half_open_permits(4)
        .build()
        .unwrap()
}

fn feed(b: &CircuitBreaker<&ManualClock>, outcomes: &[Outcome]) -> Vec<State> {
    outcomes
        .iter()
        .map(|&o| {
            b.try_acquire().expect("permitted").record(o, FAST);
            b.state()
        })
        .collect()
}

use Outcome::{Failure as F, Success as S};

/// Named case (Resilience4j semantics): window 5, minimum 5, threshold 50 %: three
/// failures then two successes open on the fifth call, at 60 %.
#[test]
fn three_failures_two_successes_open_on_the_fifth_call() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(count_config(5, 5, 50.0), &clock);
    let states = feed(&b, &[F, F, F, S, S]);
    assert_eq!(
        states,
        [
            State::Closed,
            State::Closed,
            State::Closed,
            State::Closed,
            State::Open
        ]
    );
    let m = b.metrics();
    assert_eq!(
        (m.calls, m.failed_calls, m.failure_rate),
        (5, 3, Some(60.0))
    );
}

/// Named case: the threshold is inclusive, exactly 50 % opens.
#[test]
fn exactly_fifty_percent_opens() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(count_config(4, 4, 50.0), &clock);
    assert_eq!(feed(&b, &[S, F, S, F])[3], State::Open);
    // 49.99 % does not: 1 failure of 3 against a 34 % threshold is 33.3 %.
    let b = CircuitBreaker::new(count_config(3, 3, 34.0), &clock);
    assert_eq!(feed(&b, &[S, F, S])[2], State::Closed);
}

fn open_breaker(clock: &ManualClock, config: BreakerConfig) -> CircuitBreaker<&ManualClock> {
    let b = CircuitBreaker::new(config, clock);
    while b.state() == State::Closed {
        b.try_acquire().unwrap().record(F, FAST);
    }
    assert_eq!(b.state(), State::Open);
    b
}

/// Named case: open → half-open only once the wait has strictly passed.
#[test]
fn open_to_half_open_not_before_the_wait_has_strictly_passed() {
    let clock = ManualClock::starting_at(Duration::from_secs(100));
    let b = open_breaker(&clock, count_config(5, 5, 50.0));
    clock.advance(ms(999));
    assert!(b.try_acquire().is_err());
    clock.advance(ms(1));
    assert!(b.try_acquire().is_err(), "exactly the wait is not past it");
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_nanos(1));
    let p = b.try_acquire().expect("the wait has strictly passed");
    assert_eq!(b.state(), State::HalfOpen);
    drop(p);
    assert_eq!(b.metrics().rejected_calls, 2);
}

/// Named case: four half-open permits, then a fifth call is rejected.
#[test]
fn four_half_open_permits_then_a_fifth_call_rejected() {
    let clock = ManualClock::new();
    let b = open_breaker(&clock, count_config(5, 5, 50.0));
    clock.advance(ms(1001));
    let permits: Vec<_> = (0..4).map(|_| b.try_acquire().expect("trial")).collect();
    let err = b.try_acquire().unwrap_err();
    assert_eq!(err.state, State::HalfOpen);
    assert_eq!(
        err.to_string(),
        "call not permitted: circuit breaker is half-open"
    );
    // An unused permit is released: one more caller may try.
    let mut permits = permits.into_iter();
    permits.next().unwrap().record(Outcome::Ignored, FAST);
    let again = b.try_acquire().expect("released permit reused");
    assert!(b.try_acquire().is_err());
    drop(again); // dropping releases too
    assert!(b.try_acquire().is_ok_and(|p| {
        drop(p);
        true
    }));
}

/// Named case: half-open outcomes failure, failure, success, failure re-open.
#[test]
fn half_open_failure_failure_success_failure_reopens() {
    let clock = ManualClock::new();
    let b = open_breaker(&clock, count_config(5, 5, 50.0));
    clock.advance(ms(1001));
    let permits: Vec<_> = (0..4).map(|_| b.try_acquire().unwrap()).collect();
    let mut states = Vec::new();
    for (p, o) in permits.into_iter().zip([F, F, S, F]) {
        p.record(o, FAST);
        states.push(b.state());
    }
    assert_eq!(
        states,
        [
            State::HalfOpen,
            State::HalfOpen,
            State::HalfOpen,
            State::Open
        ]
    );
    // And the mirror case: three successes of four close, with a fresh window.
    clock.advance(ms(1001));
    let permits: Vec<_> = (0..4).map(|_| b.try_acquire().unwrap()).collect();
    for (p, o) in permits.into_iter().zip([S, F, S, S]) {
        p.record(o, FAST);
    }
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().calls, 0, "closing starts a fresh window");
}

/// Named case: a count-based window smaller than `minimum_calls` clamps the minimum.
#[test]
fn count_window_smaller_than_minimum_calls() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(count_config(3, 10, 50.0), &clock);
    assert_eq!(
        feed(&b, &[F, F, F]),
        [State::Closed, State::Closed, State::Open]
    );
    // Below the minimum nothing is evaluated, even at 100 % failures.
    let b = CircuitBreaker::new(count_config(10, 5, 50.0), &clock);
    assert_eq!(feed(&b, &[F, F, F, F])[3], State::Closed);
    assert_eq!(b.metrics().failure_rate, None);
    assert_eq!(feed(&b, &[F])[0], State::Open);
}

#[test]
fn slow_calls_are_at_or_above_the_threshold_and_open_by_rate() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(4))
        .minimum_calls(4)
        .slow_call_duration(ms(100))
        .slow_call_rate_threshold(75.0)
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, &clock);
    for d in [ms(100), ms(99), ms(500)] {
        b.try_acquire().unwrap().record(S, d);
    }
    assert_eq!(b.state(), State::Closed);
    b.try_acquire().unwrap().record(S, ms(100));
    assert_eq!(
        b.state(),
        State::Open,
        "3 of 4 slow (exactly 100 ms counts)"
    );
    assert_eq!(b.metrics().slow_call_rate, Some(75.0));
}

/// A clock that counts its reads.
struct CountingClock {
    inner: ManualClock,
    reads: std::sync::atomic::AtomicU32,
}

impl ward_backoff::Clock for CountingClock {
    fn now(&self) -> Duration {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.now()
    }
}

/// With the slow-call rule off, no call is slow however long it takes or whatever
/// duration is recorded, only failures open the breaker, and a call through a closed
/// count-based breaker reads no clock; with the rule on, `call` reads it twice.
#[test]
fn slow_call_rule_off_times_nothing_and_counts_nothing_slow() {
    let config = |rule| {
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(4))
            .minimum_calls(4)
            .slow_call_duration(ms(100))
            .slow_call_rate_threshold(50.0)
            .slow_call_rule(rule)
            .build()
            .unwrap()
    };
    for rule in [true, false] {
        let clock = CountingClock {
            inner: ManualClock::new(),
            reads: std::sync::atomic::AtomicU32::new(0),
        };
        let b = CircuitBreaker::new(config(rule), &clock);
        for _ in 0..2 {
            let out = b.call(|| {
                clock.inner.advance(Duration::from_secs(3600));
                Ok::<_, ()>(())
            });
            assert_eq!(out, Ok(()));
        }
        let reads = clock.reads.load(std::sync::atomic::Ordering::Relaxed);
        b.try_acquire().unwrap().record(S, Duration::MAX);
        b.try_acquire().unwrap().record(S, ms(100));
        let m = b.metrics();
        if rule {
            assert_eq!(reads, 4, "two reads per timed call");
            assert_eq!(m.slow_calls, 4);
            assert_eq!(b.state(), State::Open);
        } else {
            assert_eq!(reads, 0, "an untimed call reads no clock");
            assert_eq!(m.slow_calls, 0);
            assert_eq!(m.slow_call_rate, Some(0.0));
            assert_eq!(b.state(), State::Closed);
        }
    }
    // Off, failures still open the breaker.
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(config(false), &clock);
    assert_eq!(feed(&b, &[F, F, S, S]).last(), Some(&State::Open));
}

/// A rate threshold below one millionth used to round to 0 ppm, a threshold every call
/// reaches: one successful call opened the breaker and reported a failure (or slow-call)
/// rate of 0 % as exceeded. With the slow-call rule off, a slow threshold of 0 ppm opened
/// it as well.
#[test]
fn regression_a_threshold_below_a_millionth_is_not_reached_by_success() {
    let base = || {
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(10))
            .minimum_calls(1)
    };
    let configs = [
        base().failure_rate_threshold(0.000_01),
        base().slow_call_rate_threshold(0.000_01),
        base()
            .slow_call_rate_threshold(0.000_01)
            .slow_call_rule(false),
    ];
    for config in configs {
        let config = config.build().unwrap();
        let clock = ManualClock::new();
        let b = CircuitBreaker::new(config, &clock);
        assert_eq!(
            feed(&b, &[S, S]),
            [State::Closed, State::Closed],
            "{config:?}"
        );
    }
    // The smallest threshold still opens on the first failure or slow call.
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(
        base().failure_rate_threshold(0.000_01).build().unwrap(),
        &clock,
    );
    assert_eq!(feed(&b, &[S, F]), [State::Closed, State::Open]);
}

#[test]
fn time_based_window_forgets_old_seconds() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::TimeBased(10))
        .minimum_calls(4)
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, &clock);
    feed(&b, &[F, F, S]);
    clock.advance(Duration::from_secs(10)); // the three calls of second 0 expire now
    assert_eq!(b.metrics().calls, 0);
    feed(&b, &[F, S, S]);
    assert_eq!(b.state(), State::Closed, "only three calls in the window");
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        feed(&b, &[F])[0],
        State::Open,
        "2 of 4 within the last 10 s"
    );
}

#[test]
fn time_based_window_evaluates_when_successes_expire() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::TimeBased(2))
        .minimum_calls(2)
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, &clock);
    feed(&b, &[S, S, S]);
    clock.advance(Duration::from_secs(1));
    feed(&b, &[F]);
    assert_eq!(b.state(), State::Closed); // 1 of 4
    clock.advance(Duration::from_secs(1)); // the three successes expire
    assert_eq!(feed(&b, &[S])[0], State::Open, "1 failure of 2: 50 %");
}

#[test]
fn ignored_outcomes_are_not_counted() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(count_config(2, 2, 50.0), &clock);
    b.try_acquire().unwrap().record(Outcome::Ignored, FAST);
    b.try_acquire().unwrap().record(S, FAST);
    assert_eq!(b.metrics().calls, 1);
    assert_eq!(
        b.call_with(
            |_: &Result<(), &str>| Outcome::Ignored,
            || Err("validation")
        ),
        Err(CallError::Inner("validation"))
    );
    assert_eq!(b.metrics().calls, 1);
}

#[test]
fn max_wait_in_half_open_reopens() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .wait_in_open(ms(10))
        .half_open_permits(2)
        .max_wait_in_half_open(ms(50))
        .build()
        .unwrap();
    let b = open_breaker(&clock, config);
    clock.advance(ms(11));
    let stuck = b.try_acquire().unwrap();
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(ms(50));
    let p = b.try_acquire().expect("not yet past the limit");
    drop(p);
    clock.advance(ms(1));
    assert_eq!(b.try_acquire().unwrap_err().state, State::Open);
    assert_eq!(b.state(), State::Open);
    // The stuck trial call finishing late changes nothing.
    stuck.record(S, FAST);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn open_wait_grows_with_consecutive_openings_and_resets_on_close() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open_backoff(Strategy::exponential(ms(100), ms(350)).unwrap())
        .build()
        .unwrap();
    let b = open_breaker(&clock, config);
    let wait_for_half_open = || {
        let mut waited = 0;
        loop {
            clock.advance(ms(1));
            waited += 1;
            if let Ok(p) = b.try_acquire() {
                return (waited, p);
            }
        }
    };
    let mut waits = Vec::new();
    for _ in 0..4 {
        let (w, p) = wait_for_half_open();
        waits.push(w);
        p.record(F, FAST); // trial fails: re-open with a longer wait
    }
    // Strictly past 100, 200, 350 (capped), 350 ms.
    assert_eq!(waits, [101, 201, 351, 351]);
    let (_, p) = wait_for_half_open();
    p.record(S, FAST);
    assert_eq!(b.state(), State::Closed);
    b.try_acquire().unwrap().record(F, FAST);
    assert_eq!(
        wait_for_half_open().0,
        101,
        "the wait starts over after closing"
    );
}

#[test]
fn observer_sees_every_transition_in_order() {
    let clock = ManualClock::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = Arc::clone(&seen);
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open(ms(5))
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, &clock)
        .with_observer(move |t: Transition| s2.lock().unwrap().push((t.from, t.to, t.at)));
    b.try_acquire().unwrap().record(F, FAST);
    clock.advance(ms(6));
    b.try_acquire().unwrap().record(S, FAST);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (State::Closed, State::Open, ms(0)),
            (State::Open, State::HalfOpen, ms(6)),
            (State::HalfOpen, State::Closed, ms(6)),
        ]
    );
}

#[test]
fn a_permit_from_before_a_transition_is_discarded() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(count_config(2, 2, 50.0), &clock);
    let early = b.try_acquire().unwrap();
    feed(&b, &[F, F]);
    assert_eq!(b.state(), State::Open);
    early.record(F, FAST);
    assert_eq!(b.metrics().calls, 2);
}

#[test]
fn call_runs_or_rejects_without_running() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(count_config(1, 1, 50.0), &clock);
    assert_eq!(b.call(|| Err::<(), _>(1)), Err(CallError::Inner(1)));
    let mut ran = false;
    let r = b.call(|| {
        ran = true;
        Ok::<_, ()>(())
    });
    assert!(!ran);
    assert!(matches!(r, Err(CallError::Rejected(_))));
}

#[test]
fn config_validation() {
    let e = BreakerConfig::builder()
        .failure_rate_threshold(100.5)
        .build()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "failure rate threshold 100.5 outside (0, 100]"
    );
    assert_eq!(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(0))
            .build()
            .unwrap_err(),
        BreakerConfigError::EmptyWindow
    );
    assert_eq!(
        BreakerConfig::builder()
            .minimum_calls(0)
            .build()
            .unwrap_err(),
        BreakerConfigError::ZeroMinimumCalls
    );
    assert!(matches!(
        BreakerConfig::builder().half_open_permits(20_000).build(),
        Err(BreakerConfigError::PermitsOutOfRange { .. })
    ));
    assert!(matches!(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(u32::MAX))
            .build(),
        Err(BreakerConfigError::WindowTooLarge { .. })
    ));
    // Resilience4j refuses a zero slow-call threshold (every call slow), a zero open wait
    // and a zero half-open limit; so does this breaker, naming the setting.
    let zero = Duration::ZERO;
    for (builder, name) in [
        (
            BreakerConfig::builder().slow_call_duration(zero),
            "slow call duration",
        ),
        (BreakerConfig::builder().wait_in_open(zero), "wait in open"),
        (
            BreakerConfig::builder().max_wait_in_half_open(zero),
            "max wait in half-open",
        ),
    ] {
        let err = builder.build().unwrap_err();
        assert_eq!(err, BreakerConfigError::ZeroDuration { name });
        assert_eq!(err.to_string(), format!("{name} must be greater than zero"));
    }
    assert!(
        BreakerConfig::builder()
            .slow_call_duration(Duration::from_nanos(1))
            .wait_in_open(Duration::from_nanos(1))
            .max_wait_in_half_open(Duration::from_nanos(1))
            .build()
            .is_ok()
    );
    // A time-based window allocates its buckets up front: an absurd span is refused
    // rather than attempted (u32::MAX seconds would ask for about 100 GB).
    assert_eq!(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::TimeBased(u32::MAX))
            .build()
            .unwrap_err(),
        BreakerConfigError::WindowTooLarge {
            size: u32::MAX,
            max: 86_400
        }
    );
    assert!(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::TimeBased(86_400))
            .build()
            .is_ok()
    );
    assert!(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1 << 20))
            .build()
            .is_ok()
    );
    assert!(matches!(
        BreakerConfig::builder()
            .slow_call_rate_threshold(f32::NAN)
            .build(),
        Err(BreakerConfigError::ThresholdOutOfRange { .. })
    ));
}

#[test]
fn breaker_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CircuitBreaker<ManualClock>>();
    assert_send_sync::<CircuitBreaker<ward_backoff::MonotonicClock>>();
    assert_send_sync::<BreakerConfig>();
    // A permit travels with its call: an owned one into a spawned task, a borrowed one
    // into a scoped thread.
    assert_send_sync::<ward_backoff::breaker::OwnedPermit<ManualClock>>();
    assert_send_sync::<ward_backoff::breaker::Permit<'static, ManualClock>>();
    assert_send_sync::<ward_backoff::breaker::Metrics>();
    assert_send_sync::<CallError<std::io::Error>>();
}

#[test]
fn cancelled_async_call_releases_its_permit() {
    let clock = ManualClock::new();
    let b = open_breaker(
        &clock,
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .half_open_permits(1)
            .wait_in_open(ms(1))
            .build()
            .unwrap(),
    );
    clock.advance(ms(2));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // A call that never completes, dropped after one poll.
    rt.block_on(async {
        let fut = b.call_async(std::future::pending::<Result<(), ()>>());
        let mut fut = std::pin::pin!(fut);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    });
    // The single trial permit is free again.
    let p = b.try_acquire().expect("released by the cancelled call");
    p.record(S, FAST);
    assert_eq!(b.state(), State::Closed);
}

use std::future::Future as _;

#[cfg(feature = "tower")]
#[test]
fn tower_layer_rejects_while_open() {
    use tower::{Layer, Service};
    let clock = Arc::new(ManualClock::new());
    let b = Arc::new(CircuitBreaker::new(
        count_config(1, 1, 50.0),
        Arc::clone(&clock),
    ));
    let layer = ward_backoff::breaker::BreakerLayer::with_classifier(
        Arc::clone(&b),
        |r: &Result<u32, u32>| {
            if r.is_ok() { S } else { F }
        },
    );
    let mut svc = layer.layer(tower::service_fn(|x: u32| async move {
        if x == 0 { Err(0) } else { Ok(x) }
    }));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(svc.call(5)), Ok(5));
    assert_eq!(rt.block_on(svc.call(0)), Err(CallError::Inner(0)));
    assert_eq!(b.state(), State::Open);
    assert!(matches!(
        rt.block_on(svc.call(5)),
        Err(CallError::Rejected(_))
    ));
}

/// Issue 19, defect 7: a full-jitter open wait draws from `[0, E(n)]`, so a 10 s base let
/// 11 of 1,000 breakers go half-open within 100 ms. Such a wait is refused.
#[test]
fn regression_full_jitter_open_wait_is_refused() {
    let s = Strategy::full_jitter(Duration::from_secs(10), Duration::from_secs(60)).unwrap();
    let err = BreakerConfig::builder()
        .wait_in_open_backoff(s)
        .build()
        .unwrap_err();
    assert_eq!(err, BreakerConfigError::FullJitterOpenWait);
    assert_eq!(
        err.to_string(),
        "a full-jitter open wait can be arbitrarily close to zero"
    );
}

/// Issue 19, defect 7: a decorrelated open wait never grew: every opening drew from
/// `[base, 3 · base]` because the previous wait was always taken to be the base. It now
/// follows the decorrelated walk from one opening to the next.
#[test]
fn regression_decorrelated_open_wait_grows() {
    let waits = decorrelated_open_waits(3);
    assert!(waits.iter().all(|&w| w > 100), "{waits:?}");
    assert!(
        waits.iter().any(|&w| w > 301),
        "never past 3 · base: {waits:?}"
    );
}

/// A seeded breaker draws the same jittered open waits every time, and another seed
/// draws others.
#[test]
fn seeded_open_waits_are_reproducible() {
    assert_eq!(decorrelated_open_waits(3), decorrelated_open_waits(3));
    assert_ne!(decorrelated_open_waits(3), decorrelated_open_waits(4));
}

/// The lengths in milliseconds of eight successive decorrelated open waits of a breaker
/// seeded with `seed`, whose every trial fails.
fn decorrelated_open_waits(seed: u64) -> Vec<u64> {
    let clock = ManualClock::new();
    let s = Strategy::decorrelated(ms(100), Duration::from_secs(60)).unwrap();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open_backoff(s)
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, &clock).with_seed(seed);
    b.try_acquire().unwrap().record(F, FAST);
    let mut waits = Vec::new();
    for _ in 0..8 {
        let mut waited = 0u64;
        let p = loop {
            clock.advance(ms(1));
            waited += 1;
            if let Ok(p) = b.try_acquire() {
                break p;
            }
        };
        waits.push(waited);
        p.record(F, FAST); // the trial fails: open again
    }
    waits
}

fn half_open_config(permits: u32, minimum: u32) -> BreakerConfig {
    BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(minimum.max(1)))
        .minimum_calls(minimum)
        .wait_in_open(ms(1000))
        .half_open_permits(permits)
        .slow_call_duration(ms(100))
        .build()
        .unwrap()
}

/// Issue 18, defect 1 (Resilience4j: the half-open state evaluates once
/// `min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)` calls completed).
/// With 10 permits and a minimum of 5, five failed trials re-open the breaker; five
/// successful ones close it.
#[test]
fn regression_half_open_decides_after_min_of_minimum_calls_and_permits() {
    let clock = ManualClock::new();
    let b = open_breaker(&clock, half_open_config(10, 5));
    clock.advance(ms(1001));
    let trials: Vec<_> = (0..5).map(|_| b.try_acquire().expect("trial")).collect();
    for p in trials {
        p.record(F, FAST);
    }
    assert_eq!(b.state(), State::Open, "five failed trials of ten permits");

    clock.advance(ms(1001));
    let trials: Vec<_> = (0..5).map(|_| b.try_acquire().expect("trial")).collect();
    let mut states = Vec::new();
    for p in trials {
        p.record(S, FAST);
        states.push(b.state());
    }
    assert_eq!(
        states,
        [
            State::HalfOpen,
            State::HalfOpen,
            State::HalfOpen,
            State::HalfOpen,
            State::Closed
        ]
    );
}

/// Issue 18, defect 2 (Resilience4j: the open state entered from half-open keeps the
/// half-open metrics). After four trials (three failed and slow) re-open the breaker, the
/// metrics show 4 calls, 3 failed (75 %), 3 slow (75 %), not the old closed window.
#[test]
fn regression_metrics_after_reopen_show_the_trial_calls() {
    let clock = ManualClock::new();
    let b = open_breaker(&clock, half_open_config(4, 5));
    let m = b.metrics();
    assert_eq!((m.calls, m.failed_calls, m.slow_calls), (5, 5, 0));
    clock.advance(ms(1001));
    let trials: Vec<_> = (0..4).map(|_| b.try_acquire().expect("trial")).collect();
    for (p, (o, d)) in trials
        .into_iter()
        .zip([(F, ms(200)), (F, ms(200)), (S, FAST), (F, ms(200))])
    {
        p.record(o, d);
    }
    assert_eq!(b.state(), State::Open);
    let m = b.metrics();
    assert_eq!(m.state, State::Open);
    assert_eq!((m.calls, m.failed_calls, m.slow_calls), (4, 3, 3));
    assert_eq!(m.failure_rate, Some(75.0));
    assert_eq!(m.slow_call_rate, Some(75.0));
}

/// Issue 18, defect 4 (Resilience4j `maxWaitDurationInHalfOpenState`): a trial that
/// completes after the maximum wait does not close the breaker: it is already open again.
#[test]
fn regression_half_open_limit_wins_over_a_late_trial() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .wait_in_open(ms(10))
        .half_open_permits(1)
        .max_wait_in_half_open(Duration::from_secs(5))
        .build()
        .unwrap();
    let b = open_breaker(&clock, config);
    clock.advance(ms(11));
    let trial = b.try_acquire().unwrap();
    clock.advance(Duration::from_secs(6));
    trial.record(S, FAST);
    assert_eq!(b.state(), State::Open, "a late trial closed the breaker");
}

/// Issue 18, defect 4: `state()` reported half-open seconds past the maximum wait.
#[test]
fn regression_state_reports_open_past_the_half_open_limit() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .wait_in_open(ms(10))
        .half_open_permits(2)
        .max_wait_in_half_open(Duration::from_secs(5))
        .build()
        .unwrap();
    let b = open_breaker(&clock, config);
    clock.advance(ms(11));
    let _trial = b.try_acquire().unwrap();
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        b.state(),
        State::HalfOpen,
        "exactly the limit is not past it"
    );
    clock.advance(Duration::from_secs(3));
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.metrics().state, State::Open);
}

/// The open waits of consecutive openings, measured to the millisecond.
fn measured_open_waits(config: BreakerConfig, openings: usize) -> Vec<u64> {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(config, &clock).with_seed(11);
    b.try_acquire().unwrap().record(F, FAST);
    let mut waits = Vec::new();
    for _ in 0..openings {
        let mut waited = 0u64;
        let p = loop {
            clock.advance(ms(1));
            waited += 1;
            if let Ok(p) = b.try_acquire() {
                break p;
            }
        };
        waits.push(waited - 1); // strictly past the wait: one millisecond more
        p.record(F, FAST);
    }
    waits
}

/// Issue 18, defect 3 (Resilience4j `IntervalFunction.ofExponentialBackoff(5 s, 1.5)`):
/// the open wait takes a multiplier, 5 s then 7.5 s; it could only double (10 s).
#[test]
fn regression_open_wait_takes_a_multiplier() {
    let s = Strategy::exponential(Duration::from_secs(5), Duration::from_secs(60))
        .unwrap()
        .with_multiplier(1.5)
        .unwrap();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open_backoff(s)
        .build()
        .unwrap();
    assert_eq!(measured_open_waits(config, 3), [5_000, 7_500, 11_250]);
}

/// Issue 18, defect 3 (Resilience4j `IntervalFunction.ofExponentialRandomBackoff(5 s, 1.5,
/// 0.5)`): the open wait takes a randomization factor, each wait within ± 50 % of its
/// exponential value.
#[test]
fn regression_open_wait_takes_a_randomization_factor() {
    let s = Strategy::randomized(Duration::from_secs(5), Duration::from_secs(60), 0.5)
        .unwrap()
        .with_multiplier(1.5)
        .unwrap();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open_backoff(s)
        .build()
        .unwrap();
    let waits = measured_open_waits(config, 3);
    for (w, e) in waits.iter().zip([5_000u64, 7_500, 11_250]) {
        assert!(*w >= e / 2 && *w <= e + e / 2, "{waits:?}");
    }
    assert_ne!(waits, [5_000, 7_500, 11_250], "no randomization");
}

/// Every accessor returns what was built (the doctests check the defaults, but mutation
/// testing runs without doctests), and the half-open permit limit is exactly 2^14 − 1.
#[test]
fn config_accessors_return_what_was_built_and_the_permit_limit_is_exact() {
    let c = BreakerConfig::builder()
        .failure_rate_threshold(30.0)
        .slow_call_rate_threshold(70.0)
        .automatic_half_open(true)
        .slow_call_rule(false)
        .half_open_permits(16_383)
        .build()
        .unwrap();
    assert_eq!(c.failure_rate_threshold(), 30.0);
    assert_eq!(c.slow_call_rate_threshold(), 70.0);
    assert!(c.is_automatic_half_open());
    assert!(!c.slow_call_rule());
    assert_eq!(c.half_open_permits(), 16_383);
    assert!(matches!(
        BreakerConfig::builder().half_open_permits(16_384).build(),
        Err(BreakerConfigError::PermitsOutOfRange {
            permits: 16_384,
            max: 16_383
        })
    ));
}

/// Breakers made without a seed draw their own: growing, jittered open waits of breakers
/// opened at the same moment differ (with one shared seed, every process's breakers would
/// come back in step). An owned permit names itself in debug output.
#[test]
fn unseeded_breakers_jitter_their_open_waits_apart() {
    let clock = ManualClock::new();
    let strategy = Strategy::equal_jitter(ms(1_000), Duration::from_secs(3_600)).unwrap();
    let waits: std::collections::BTreeSet<_> = (0..8)
        .map(|_| {
            let config = BreakerConfig::builder()
                .wait_in_open_backoff(strategy)
                .build()
                .unwrap();
            let b = CircuitBreaker::new(config, &clock);
            b.transition_to_open();
            b.remaining_open()
        })
        .collect();
    assert!(waits.len() > 1, "{waits:?}");
    let owned = Arc::new(CircuitBreaker::new(
        BreakerConfig::default(),
        ManualClock::new(),
    ));
    let permit = CircuitBreaker::try_acquire_owned(&owned).unwrap();
    assert!(format!("{permit:?}").starts_with("OwnedPermit"));
}
