//! The states set by hand (disabled, forced open, metrics only), the transitions by hand,
//! `reset`, the automatic open → half-open transition and the event stream, each against
//! Resilience4j's documented behaviour (the circuit breaker guide and
//! `CircuitBreakerStateMachineTest`, Resilience4j 2.x).

use core::time::Duration;
use std::sync::Mutex;

use ward_backoff::ManualClock;
use ward_backoff::breaker::{
    BreakerConfig, CircuitBreaker, Event, EventObserver, Outcome, SlidingWindow, State, Transition,
};

const FAST: Duration = Duration::ZERO;
const NS: Duration = Duration::from_nanos(1);

/// Count-based window of 4, minimum 4, 50 % thresholds, slow ≥ 2 s, 2 permits, 5 s open.
fn config() -> BreakerConfig {
    BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(4))
        .minimum_calls(4)
        .failure_rate_threshold(50.0)
        .slow_call_rate_threshold(50.0)
        .slow_call_duration(Duration::from_secs(2))
        .half_open_permits(2)
        .wait_in_open(Duration::from_secs(5))
        .build()
        .unwrap()
}

type Seen = Mutex<Vec<Event>>;

fn observed<'a>(
    config: BreakerConfig,
    clock: &'a ManualClock,
    seen: &'a Seen,
) -> CircuitBreaker<&'a ManualClock, EventObserver<impl Fn(&Event) + 'a>> {
    CircuitBreaker::new(config, clock).with_observer(EventObserver(move |e: &Event| {
        seen.lock().unwrap().push(*e);
    }))
}

fn take(seen: &Seen) -> Vec<Event> {
    std::mem::take(&mut *seen.lock().unwrap())
}

fn transition(from: State, to: State, at: Duration) -> Event {
    Event::Transition(Transition { from, to, at })
}

/// Resilience4j: "DISABLED (always allow access)… In these states no Circuit Breaker
/// events (apart from the state transition) are generated, and no metrics are recorded."
#[test]
fn r4j_disabled_permits_every_call_records_nothing_and_emits_only_transitions() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    b.transition_to_disabled();
    assert_eq!(
        take(&seen),
        [transition(State::Closed, State::Disabled, FAST)]
    );
    for _ in 0..10 {
        b.try_acquire()
            .expect("disabled permits")
            .record(Outcome::Failure, Duration::from_secs(3));
    }
    let m = b.metrics();
    assert_eq!(
        (m.state, m.calls, m.failed_calls, m.slow_calls),
        (State::Disabled, 0, 0, 0)
    );
    assert!(take(&seen).is_empty(), "no outcome event while disabled");
    clock.advance(Duration::from_secs(3600));
    assert_eq!(b.state(), State::Disabled, "never leaves by itself");
}

/// Resilience4j: "FORCED_OPEN (always deny access)"; the only way out is a transition or
/// a reset. Rejections are counted (`numberOfNotPermittedCalls`) but not emitted.
#[test]
fn r4j_forced_open_rejects_every_call_until_a_transition_by_hand() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    b.transition_to_forced_open();
    take(&seen);
    for _ in 0..3 {
        let r = b.try_acquire().unwrap_err();
        assert_eq!((r.state, r.remaining_open), (State::ForcedOpen, None));
        clock.advance(Duration::from_secs(60));
    }
    assert_eq!(
        b.state(),
        State::ForcedOpen,
        "no wait ends a forced open state"
    );
    assert_eq!(b.metrics().rejected_calls, 3);
    assert!(
        take(&seen).is_empty(),
        "no not-permitted event while forced open"
    );
    assert_eq!(
        b.call(|| Ok::<_, ()>(1))
            .unwrap_err()
            .retry_action(|_| ward_backoff::Action::Retry),
        ward_backoff::Action::GiveUpUnsent,
        "a retrier gives up on a forced-open breaker"
    );
    b.transition_to_closed();
    assert_eq!(
        take(&seen),
        [transition(
            State::ForcedOpen,
            State::Closed,
            Duration::from_secs(180)
        )]
    );
    assert!(b.try_acquire().is_ok());
}

/// Resilience4j's `METRICS_ONLY`: calls are permitted, outcomes recorded and emitted, the
/// threshold events published once (and not below the thresholds), and the state never
/// changes.
#[test]
fn r4j_metrics_only_records_and_reports_but_never_opens() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    b.transition_to_metrics_only();
    take(&seen);
    // A full window of successes reports no threshold.
    for _ in 0..8 {
        b.try_acquire().unwrap().record(Outcome::Success, FAST);
    }
    let events = take(&seen);
    assert_eq!(events.len(), 8, "{events:?}");
    assert!(events.iter().all(|e| matches!(e, Event::Success { .. })));
    for _ in 0..8 {
        b.try_acquire().unwrap().record(Outcome::Failure, FAST);
    }
    let m = b.metrics();
    assert_eq!(
        (m.state, m.calls, m.failed_calls),
        (State::MetricsOnly, 4, 4)
    );
    assert_eq!(m.failure_rate, Some(100.0));
    let events = take(&seen);
    let errors = events
        .iter()
        .filter(|e| matches!(e, Event::Error { .. }))
        .count();
    let exceeded: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::FailureRateExceeded { .. }))
        .collect();
    assert_eq!(errors, 8);
    assert_eq!(
        exceeded,
        // Reported when the window, full of successes before, first reaches 50 %.
        [&Event::FailureRateExceeded { rate: 50.0 }],
        "once per period"
    );
    assert!(!events.iter().any(|e| matches!(e, Event::Transition(_))));
}

/// Resilience4j's `transitionToOpenStateFor(Duration)`: open for that long, then
/// half-open as usual; the rejection carries the remaining time.
#[test]
fn r4j_transition_to_open_for_waits_the_given_duration() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(config(), &clock);
    clock.advance(Duration::from_secs(100));
    b.transition_to_open_for(Duration::from_secs(2));
    assert_eq!(b.state(), State::Open);
    let r = b.try_acquire().unwrap_err();
    assert_eq!(r.remaining_open, Some(Duration::from_secs(2) + NS));
    clock.advance(Duration::from_secs(2));
    assert!(b.try_acquire().is_err(), "the wait must strictly pass");
    clock.advance(NS);
    assert_eq!(b.try_acquire().unwrap().state(), State::HalfOpen);
}

/// Resilience4j's `transitionToOpenStateUntil(Instant)`, here a reading of the breaker's
/// clock; a time already past opens with the wait over.
#[test]
fn r4j_transition_to_open_until_waits_until_the_given_time() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(config(), &clock);
    clock.advance(Duration::from_secs(10));
    b.transition_to_open_until(Duration::from_secs(25));
    assert_eq!(b.remaining_open(), Some(Duration::from_secs(15) + NS));
    clock.advance(Duration::from_secs(15) + NS);
    assert_eq!(b.try_acquire().unwrap().state(), State::HalfOpen);
    b.transition_to_open_until(Duration::from_secs(1));
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.try_acquire().unwrap().state(), State::HalfOpen);
}

/// Resilience4j's `reset`: back to closed with fresh metrics; a state transition event if
/// it was not closed, then a reset event.
#[test]
fn r4j_reset_returns_to_closed_with_empty_metrics() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    for _ in 0..4 {
        b.try_acquire().unwrap().record(Outcome::Failure, FAST);
    }
    assert!(b.try_acquire().is_err());
    assert_eq!(b.state(), State::Open);
    take(&seen);
    clock.advance(Duration::from_secs(1));
    b.reset();
    assert_eq!(
        take(&seen),
        [
            transition(State::Open, State::Closed, Duration::from_secs(1)),
            Event::Reset {
                at: Duration::from_secs(1)
            }
        ]
    );
    let m = b.metrics();
    assert_eq!(
        (m.state, m.calls, m.failed_calls, m.rejected_calls),
        (State::Closed, 0, 0, 0)
    );
    b.reset();
    assert_eq!(
        take(&seen),
        [Event::Reset {
            at: Duration::from_secs(1)
        }],
        "no transition event from closed"
    );
    // The window is really empty: three failures of four are needed again.
    for _ in 0..3 {
        b.try_acquire().unwrap().record(Outcome::Failure, FAST);
    }
    assert_eq!(b.state(), State::Closed);
}

/// The transitions by hand leave any state, each emitted with the state it left.
#[test]
fn r4j_transitions_by_hand_leave_any_state() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    b.transition_to_open();
    b.transition_to_half_open();
    b.transition_to_metrics_only();
    b.transition_to_disabled();
    b.transition_to_forced_open();
    b.transition_to_closed();
    let states: Vec<_> = take(&seen)
        .into_iter()
        .map(|e| match e {
            Event::Transition(t) => (t.from, t.to),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        states,
        [
            (State::Closed, State::Open),
            (State::Open, State::HalfOpen),
            (State::HalfOpen, State::MetricsOnly),
            (State::MetricsOnly, State::Disabled),
            (State::Disabled, State::ForcedOpen),
            (State::ForcedOpen, State::Closed),
        ]
    );
    // A half-open state set by hand admits exactly its permits.
    b.transition_to_half_open();
    let p1 = b.try_acquire().unwrap();
    let _p2 = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    drop(p1);
    assert!(b.try_acquire().is_ok());
}

/// `transitionToOpenState` by hand uses the configured wait and counts as a consecutive
/// opening, so a growing open wait grows.
#[test]
fn transition_to_open_by_hand_grows_a_backoff_open_wait() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .wait_in_open_backoff(
            ward_backoff::Strategy::exponential(Duration::from_secs(1), Duration::from_secs(60))
                .unwrap(),
        )
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, &clock);
    b.transition_to_open();
    assert_eq!(b.remaining_open(), Some(Duration::from_secs(1) + NS));
    b.transition_to_open_for(Duration::from_secs(7));
    assert_eq!(b.remaining_open(), Some(Duration::from_secs(7) + NS));
    b.transition_to_open();
    assert_eq!(
        b.remaining_open(),
        Some(Duration::from_secs(4) + NS),
        "third opening"
    );
    b.transition_to_closed();
    b.transition_to_open();
    assert_eq!(
        b.remaining_open(),
        Some(Duration::from_secs(1) + NS),
        "closing resets"
    );
}

/// Resilience4j's `automaticTransitionFromOpenToHalfOpenEnabled`: half-open once the wait
/// has passed, without a call; here observed through `state()`, dated at the end of the
/// wait, and emitted.
#[test]
fn r4j_automatic_transition_from_open_to_half_open() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .wait_in_open(Duration::from_secs(5))
        .automatic_half_open(true)
        .build()
        .unwrap();
    let b = observed(config, &clock, &seen);
    b.try_acquire().unwrap().record(Outcome::Failure, FAST);
    take(&seen);
    clock.advance(Duration::from_secs(5));
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_secs(3));
    assert_eq!(b.state(), State::HalfOpen, "no call was needed");
    assert_eq!(b.remaining_open(), None);
    assert_eq!(
        take(&seen),
        [transition(
            State::Open,
            State::HalfOpen,
            Duration::from_secs(5)
        )],
        "dated when it was due"
    );
    let m = b.metrics();
    assert_eq!((m.state, m.calls), (State::HalfOpen, 0));
    // Its trial permits are all still free.
    b.try_acquire().unwrap().record(Outcome::Success, FAST);
    assert_eq!(b.state(), State::Closed);

    // Off (the default): the breaker stays open until a call asks.
    let plain = CircuitBreaker::new(
        BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .wait_in_open(Duration::from_secs(5))
            .build()
            .unwrap(),
        &clock,
    );
    plain.try_acquire().unwrap().record(Outcome::Failure, FAST);
    clock.advance(Duration::from_secs(8));
    assert_eq!(plain.state(), State::Open);
    assert_eq!(plain.remaining_open(), Some(Duration::ZERO));
}

/// A call that finds the wait over makes the automatic transition dated at the end of
/// the wait too, and takes the first trial permit; the maximum half-open wait counts from
/// there.
#[test]
fn automatic_transition_made_by_a_call_is_dated_at_the_end_of_the_wait() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let config = BreakerConfig::builder()
        .half_open_permits(1)
        .wait_in_open(Duration::from_secs(5))
        .max_wait_in_half_open(Duration::from_secs(10))
        .automatic_half_open(true)
        .build()
        .unwrap();
    let b = observed(config, &clock, &seen);
    b.transition_to_open();
    take(&seen);
    clock.advance(Duration::from_secs(12));
    let p = b.try_acquire().unwrap();
    assert_eq!(p.state(), State::HalfOpen);
    assert!(b.try_acquire().is_err(), "the only permit is taken");
    assert_eq!(
        take(&seen)[0],
        transition(State::Open, State::HalfOpen, Duration::from_secs(5))
    );
    clock.advance(Duration::from_secs(3) + NS); // 15 s + 1 ns: past 5 s + 10 s
    assert_eq!(b.state(), State::Open);
    drop(p);
}

/// Every outcome is an event: success, error (each with its slow flag), ignored, not
/// permitted; the rate-exceeded events come just before the transition they cause.
#[test]
fn r4j_event_stream_reports_every_outcome() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    let slow = Duration::from_secs(2);
    b.try_acquire().unwrap().record(Outcome::Success, FAST);
    b.try_acquire().unwrap().record(Outcome::Success, slow);
    b.try_acquire().unwrap().record(Outcome::Ignored, FAST);
    b.try_acquire().unwrap().record(Outcome::Failure, slow);
    b.try_acquire().unwrap().record(Outcome::Failure, FAST);
    let rejected = b.try_acquire().unwrap_err();
    drop(b.try_acquire()); // a second rejection
    assert_eq!(
        take(&seen),
        [
            Event::Success {
                duration: FAST,
                slow: false
            },
            Event::Success {
                duration: slow,
                slow: true
            },
            Event::Ignored { duration: FAST },
            Event::Error {
                duration: slow,
                slow: true
            },
            Event::Error {
                duration: FAST,
                slow: false
            },
            Event::FailureRateExceeded { rate: 50.0 },
            Event::SlowCallRateExceeded { rate: 50.0 },
            transition(State::Closed, State::Open, FAST),
            Event::NotPermitted(rejected),
            Event::NotPermitted(rejected),
        ]
    );
    // A dropped permit is released, not an outcome: no event.
    let b2 = observed(config(), &clock, &seen);
    drop(b2.try_acquire().unwrap());
    assert!(take(&seen).is_empty());
}

/// The transition observer keeps working as before (closures of `Transition`).
#[test]
fn transition_closures_still_observe_transitions_by_hand() {
    let count = std::sync::atomic::AtomicU32::new(0);
    let b = CircuitBreaker::new(config(), ManualClock::new()).with_observer(|_t: Transition| {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    b.transition_to_forced_open();
    b.reset();
    assert_eq!(count.load(std::sync::atomic::Ordering::Relaxed), 2);
}

/// Only the rate that reached its threshold is reported: a breaker opened by slow calls
/// alone (one failure in four, below 50 %) emits the slow-call event and not the failure
/// one.
#[test]
fn only_the_rate_that_reached_its_threshold_is_reported() {
    let clock = ManualClock::new();
    let seen = Seen::default();
    let b = observed(config(), &clock, &seen);
    let slow = Duration::from_secs(2);
    for outcome in [Outcome::Success, Outcome::Success, Outcome::Success] {
        b.try_acquire().unwrap().record(outcome, slow);
    }
    b.try_acquire().unwrap().record(Outcome::Failure, FAST);
    assert_eq!(b.state(), State::Open);
    let events = take(&seen);
    assert!(
        events.contains(&Event::SlowCallRateExceeded { rate: 75.0 }),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::FailureRateExceeded { .. })),
        "{events:?}"
    );
}

/// The configuration reads back what was built, and automatic half-open is off unless
/// asked for.
#[test]
fn configuration_reads_back() {
    let c = config();
    assert_eq!(c.minimum_calls(), 4);
    assert!(!c.is_automatic_half_open());
}

#[test]
fn a_permit_shows_its_ticket() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(config(), &clock);
    let permit = b.try_acquire().unwrap();
    let debug = format!("{permit:?}");
    assert!(
        debug.starts_with("Permit") && debug.contains("ticket"),
        "{debug}"
    );
}
