//! Resilience4j's state-machine scenarios (`CircuitBreakerStateMachineTest`, Resilience4j
//! 2.x), restated against this breaker: the same configuration and calls, the same states
//! and metrics. Here "transition to open" is done by failing calls and "transition to
//! half-open" by waiting out the open state, so the rules that lead there are exercised
//! too; the transitions by hand, the states set by hand and `reset` are in
//! `tests/breaker_forced.rs`.
//!
//! The shared configuration: a time-based window of 5 s with a minimum of 5 calls, 50 %
//! failure and slow-call thresholds, slow calls ≥ 4 s, 4 half-open permits, 5 s open.

use core::time::Duration;

use ward_backoff::ManualClock;
use ward_backoff::Strategy;
use ward_backoff::breaker::{
    BreakerConfig, CircuitBreaker, OpenWait, Outcome, SlidingWindow, State,
};

use Outcome::{Failure as F, Ignored as I, Success as S};

const FAST: Duration = Duration::ZERO;
const SLOW: Duration = Duration::from_secs(5);

fn config(open_wait: OpenWait) -> BreakerConfig {
    let b = BreakerConfig::builder()
        .sliding_window(SlidingWindow::TimeBased(5))
        .minimum_calls(5)
        .failure_rate_threshold(50.0)
        .slow_call_rate_threshold(50.0)
        .slow_call_duration(Duration::from_secs(4))
        .half_open_permits(4);
    match open_wait {
        OpenWait::Fixed(d) => b.wait_in_open(d),
        OpenWait::Backoff(s) => b.wait_in_open_backoff(s),
    }
    .build()
    .unwrap()
}

fn breaker(clock: &ManualClock) -> CircuitBreaker<&ManualClock> {
    CircuitBreaker::new(config(OpenWait::Fixed(Duration::from_secs(5))), clock)
}

fn call(b: &CircuitBreaker<&ManualClock>, outcome: Outcome, took: Duration) {
    b.try_acquire().expect("permitted").record(outcome, took);
}

/// Opens the breaker by five failures, as `transitionToOpenState` would.
fn open(b: &CircuitBreaker<&ManualClock>) {
    for _ in 0..5 {
        call(b, F, FAST);
    }
    assert_eq!(b.state(), State::Open);
}

/// Waits out the open state; the first permitted call is then a trial.
fn half_open(b: &CircuitBreaker<&ManualClock>, clock: &ManualClock) {
    open(b);
    clock.advance(Duration::from_secs(5) + Duration::from_nanos(1));
}

/// `shouldOpenAfterFailureRateThresholdExceeded`: F, F, F, S, S opens on the fifth call
/// at 60 %; a call while open is not permitted and counted.
#[test]
fn r4j_should_open_after_failure_rate_threshold_exceeded() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    for (i, o) in [F, F, F, S].into_iter().enumerate() {
        call(&b, o, FAST);
        assert_eq!(b.state(), State::Closed, "call {}", i + 1);
        assert_eq!(b.metrics().failure_rate, None, "below the minimum of 5");
    }
    call(&b, S, FAST);
    assert_eq!(b.state(), State::Open);
    let m = b.metrics();
    assert_eq!((m.calls, m.failed_calls), (5, 3));
    assert_eq!(m.failure_rate, Some(60.0));
    assert!(b.try_acquire().is_err());
    assert_eq!(b.metrics().rejected_calls, 1);
}

/// `shouldOpenAfterSlowCallRateThresholdExceeded`: slow, slow, fast, fast, slow opens at
/// a 60 % slow-call rate although only 40 % failed.
#[test]
fn r4j_should_open_after_slow_call_rate_threshold_exceeded() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    for (o, d) in [(F, SLOW), (S, SLOW), (F, FAST), (S, FAST)] {
        call(&b, o, d);
        assert_eq!(b.state(), State::Closed);
    }
    call(&b, S, SLOW);
    assert_eq!(b.state(), State::Open);
    let m = b.metrics();
    assert_eq!((m.calls, m.slow_calls), (5, 3));
    assert_eq!(m.slow_call_rate, Some(60.0));
}

/// `shouldTransitionToHalfOpenAfterWaitDuration`: not permitted 3 s into a 5 s wait,
/// permitted (and half-open, with fresh metrics) after 6 s.
#[test]
fn r4j_should_transition_to_half_open_after_wait_duration() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    open(&b);
    assert!(b.try_acquire().is_err());
    clock.advance(Duration::from_secs(3));
    assert!(b.try_acquire().is_err());
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_secs(3));
    let trial = b.try_acquire().expect("the wait has passed");
    assert_eq!(b.state(), State::HalfOpen);
    let m = b.metrics();
    assert_eq!((m.calls, m.failed_calls, m.failure_rate), (0, 0, None));
    drop(trial);
}

/// `shouldTransitionToHalfOpenAfterWaitInterval`: an exponential open wait of 5 s at 1.5
/// (Resilience4j's `IntervalFunction.ofExponentialBackoff` default multiplier): 5 s the
/// first time, 7.5 s the second.
#[test]
fn r4j_should_transition_to_half_open_after_wait_interval() {
    let clock = ManualClock::new();
    let s = Strategy::exponential(Duration::from_secs(5), Duration::from_secs(600))
        .unwrap()
        .with_multiplier(1.5)
        .unwrap();
    let b = CircuitBreaker::new(config(OpenWait::Backoff(s)), &clock);
    open(&b);
    clock.advance(Duration::from_secs(3));
    assert!(b.try_acquire().is_err());
    clock.advance(Duration::from_secs(3));
    let trials: Vec<_> = (0..4).map(|_| b.try_acquire().expect("trial")).collect();
    for p in trials {
        p.record(F, FAST); // re-open: the second wait is 7.5 s
    }
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_secs(6));
    assert!(b.try_acquire().is_err(), "7.5 s have not passed");
    clock.advance(Duration::from_secs(2));
    assert!(b.try_acquire().is_ok());
    assert_eq!(b.state(), State::HalfOpen);
}

/// `shouldOnlyPermitFourCallsInHalfOpenState`, twice in a row.
#[test]
fn r4j_should_only_permit_four_calls_in_half_open_state() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    half_open(&b, &clock);
    for _ in 0..2 {
        let trials: Vec<_> = (0..4).map(|_| b.try_acquire().expect("trial")).collect();
        assert!(b.try_acquire().is_err());
        assert!(b.try_acquire().is_err());
        for p in trials {
            p.record(F, FAST);
        }
        assert_eq!(b.state(), State::Open);
        clock.advance(Duration::from_secs(6));
    }
}

/// `shouldTransitionBackToOpenStateWhenFailureRateIsAboveThreshold`: F, F, S, F re-open
/// at 75 %, and the metrics show those four trials.
#[test]
fn r4j_should_transition_back_to_open_when_failure_rate_is_above_threshold() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    half_open(&b, &clock);
    for o in [F, F, S, F] {
        call(&b, o, FAST);
    }
    assert_eq!(b.state(), State::Open);
    let m = b.metrics();
    assert_eq!((m.calls, m.failed_calls), (4, 3));
    assert_eq!(m.failure_rate, Some(75.0));
}

/// `shouldTransitionBackToOpenStateWhenSlowCallRateIsAboveThreshold`: three slow
/// successes and a fast one re-open at a 75 % slow-call rate, 0 % failures.
#[test]
fn r4j_should_transition_back_to_open_when_slow_call_rate_is_above_threshold() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    half_open(&b, &clock);
    for d in [SLOW, SLOW, SLOW, Duration::from_secs(1)] {
        call(&b, S, d);
    }
    assert_eq!(b.state(), State::Open);
    let m = b.metrics();
    assert_eq!(m.slow_calls, 3);
    assert_eq!(m.slow_call_rate, Some(75.0));
    assert_eq!(m.failure_rate, Some(0.0));
}

/// `shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold`: F, S, S, S close with
/// fresh metrics; the next call is the first of the new window.
#[test]
fn r4j_should_transition_back_to_closed_when_failure_is_below_threshold() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    half_open(&b, &clock);
    for o in [F, S, S, S] {
        call(&b, o, FAST);
    }
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().calls, 0);
    call(&b, S, FAST);
    let m = b.metrics();
    assert_eq!((m.calls, m.failed_calls), (1, 0));
}

/// `shouldReleasePermissionWhenExceptionIgnored`: S, S, S, an ignored error (its permit
/// released), then a failure: four recorded trials, 25 % failed, closed.
#[test]
fn r4j_should_release_permission_when_exception_ignored() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    half_open(&b, &clock);
    for (i, o) in [S, S, S, I].into_iter().enumerate() {
        call(&b, o, FAST);
        assert_eq!(b.state(), State::HalfOpen);
        assert_eq!(b.metrics().calls, (i as u64 + 1).min(3));
    }
    call(&b, F, FAST);
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().calls, 0);
}

/// `shouldIgnoreExceptionsAndThenTransitionToClosed`: four ignored errors leave the trial
/// untouched; four successes then close.
#[test]
fn r4j_should_ignore_exceptions_and_then_transition_to_closed() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    half_open(&b, &clock);
    for _ in 0..4 {
        call(&b, I, FAST);
        assert_eq!(b.state(), State::HalfOpen);
    }
    assert_eq!(b.metrics().calls, 0);
    for _ in 0..3 {
        call(&b, S, FAST);
        assert_eq!(b.state(), State::HalfOpen);
    }
    assert_eq!(b.metrics().calls, 3);
    call(&b, S, FAST);
    assert_eq!(b.state(), State::Closed);
}
