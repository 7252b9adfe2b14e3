//! loom models of the breaker's half-open permits and transitions, and of a budget's CAS.
//! Run with `RUSTFLAGS="--cfg ward_loom" cargo test --release -p ward-backoff --test loom`.
#![cfg(ward_loom)]

use core::time::Duration;
use std::sync::atomic::{AtomicUsize, Ordering};

use loom::sync::Arc;
use loom::thread;
use ward_backoff::Clock as _;
use ward_backoff::ManualClock;
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
use ward_backoff::budget::{RetryBudget, RetryKind, RetryQuota};

type Breaker = CircuitBreaker<std::sync::Arc<ManualClock>>;

/// A breaker opened by one failure, its 1 ms wait already past.
fn open_and_waited(permits: u32) -> Breaker {
    let clock = std::sync::Arc::new(ManualClock::new());
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(permits)
        .wait_in_open(Duration::from_millis(1))
        .build()
        .unwrap();
    let b = CircuitBreaker::new(config, std::sync::Arc::clone(&clock));
    b.try_acquire()
        .unwrap()
        .record(Outcome::Failure, Duration::ZERO);
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_millis(2));
    b
}

/// Three callers race for two trial permits while the breaker leaves open: never more
/// than two are granted, and exactly one caller makes the open → half-open transition.
///
/// Three threads explode loom's unbounded search (well over ten minutes on two cores); the
/// search is bounded to three preemptions per execution, which keeps it to seconds and
/// still catches a lost permit update (checked by replacing the swap with a plain store).
#[test]
fn half_open_never_admits_more_trials_than_permitted() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let b = Arc::new(open_and_waited(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let b = Arc::clone(&b);
                thread::spawn(move || {
                    let p = b.try_acquire();
                    let got = p.is_ok();
                    core::mem::forget(p); // hold the permit: never released
                    got
                })
            })
            .collect();
        let mine = b.try_acquire();
        let mut granted = usize::from(mine.is_ok());
        core::mem::forget(mine);
        for h in handles {
            granted += usize::from(h.join().unwrap());
        }
        assert_eq!(granted, 2, "two permits, three callers");
        assert_eq!(b.state(), State::HalfOpen);
    });
}

/// Two trial calls finish concurrently: the last one to record decides, exactly once,
/// and a released permit lets a third caller in without exceeding the limit.
#[test]
fn concurrent_trial_outcomes_transition_exactly_once() {
    loom::model(|| {
        let transitions = std::sync::Arc::new(AtomicUsize::new(0));
        let t2 = std::sync::Arc::clone(&transitions);
        let b = open_and_waited(2).with_observer(move |t: ward_backoff::breaker::Transition| {
            if t.from == State::HalfOpen {
                t2.fetch_add(1, Ordering::Relaxed);
            }
        });
        let b = Arc::new(b);
        let p1 = b.try_acquire().unwrap(); // makes the transition to half-open
        let b2 = Arc::clone(&b);
        let h = thread::spawn(move || {
            if let Ok(p) = b2.try_acquire() {
                p.record(Outcome::Success, Duration::ZERO);
            }
        });
        p1.record(Outcome::Success, Duration::ZERO);
        h.join().unwrap();
        // Two permits were free, so both trials ran and succeeded: the breaker closed, and
        // only the thread that recorded last made the transition.
        assert_eq!(b.state(), State::Closed);
        assert_eq!(transitions.load(Ordering::Relaxed), 1);
    });
}

/// A permit released (ignored outcome) while another caller races to acquire: the
/// number of permits in use never exceeds the limit of one.
#[test]
fn released_permit_is_reused_without_overshoot() {
    loom::model(|| {
        let b = Arc::new(open_and_waited(1));
        let p = b.try_acquire().unwrap();
        let in_use = std::sync::Arc::new(AtomicUsize::new(1));
        let b2 = Arc::clone(&b);
        let u2 = std::sync::Arc::clone(&in_use);
        let h = thread::spawn(move || {
            if let Ok(q) = b2.try_acquire() {
                let now = u2.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(now <= 1, "{now} permits in use");
                u2.fetch_sub(1, Ordering::SeqCst);
                core::mem::forget(q);
            }
        });
        in_use.fetch_sub(1, Ordering::SeqCst);
        p.record(Outcome::Ignored, Duration::ZERO);
        h.join().unwrap();
        assert_eq!(b.state(), State::HalfOpen);
    });
}

/// The AWS quota's compare-and-swap grants each token once: 10 tokens at cost 5 allow
/// exactly two retries among three racing callers.
#[test]
fn retry_quota_never_overdraws() {
    loom::model(|| {
        let q = Arc::new(RetryQuota::new(10, 5, 10).unwrap());
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.try_retry(RetryKind::Error).is_some())
            })
            .collect();
        let mut granted = usize::from(q.try_retry(RetryKind::Error).is_some());
        for h in handles {
            granted += usize::from(h.join().unwrap());
        }
        assert_eq!(granted, 2);
        assert_eq!(q.available(), 0);
    });
}

/// The gRPC throttle's fixed-point compare-and-swap loses no update: a failure and a
/// success racing from 1 token (of 2) end at 0.5 tokens in either order.
#[test]
fn retry_throttle_loses_no_update() {
    use ward_backoff::budget::RetryThrottle;
    loom::model(|| {
        let t = Arc::new(RetryThrottle::new(2, 0.5).unwrap());
        t.record_failure(None); // 1.0: room for the success below
        let t2 = Arc::clone(&t);
        let h = thread::spawn(move || t2.record_success(None));
        t.record_failure(None);
        h.join().unwrap();
        assert_eq!(t.tokens_milli(), 500);
    });
}

/// Two outcomes racing into the same slot of a one-call window: whichever lands last,
/// the slow-call count follows the slot's bit and the state follows the count.
#[test]
fn count_window_counters_follow_the_bits() {
    loom::model(|| {
        let clock = std::sync::Arc::new(ManualClock::new());
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .slow_call_duration(Duration::from_secs(1))
            .build()
            .unwrap();
        let b = Arc::new(CircuitBreaker::new(config, clock));
        let p1 = b.try_acquire().unwrap();
        let b2 = Arc::clone(&b);
        let h = thread::spawn(move || {
            if let Ok(p) = b2.try_acquire() {
                p.record(Outcome::Success, Duration::ZERO);
            }
        });
        p1.record(Outcome::Success, Duration::from_secs(2)); // slow: 100 % opens
        h.join().unwrap();
        let m = b.metrics();
        assert_eq!(m.calls, 1);
        match b.state() {
            // The fast success landed last: nothing slow may remain counted.
            State::Closed => assert_eq!(m.slow_calls, 0, "counter drifted from the bits"),
            // Opened by the slow call; the fast success may have raced into the slot after
            // the evaluation (a record concurrent with the transition, as documented).
            State::Open => assert!(m.slow_calls <= 1),
            other => panic!("{other}: no time passed, nothing set by hand"),
        }
    });
}

/// Concurrent deposits into one bucket of the ratio budget are both counted.
#[test]
fn tps_budget_counts_concurrent_deposits() {
    use ward_backoff::budget::TpsBudget;
    loom::model(|| {
        let clock = std::sync::Arc::new(ManualClock::new());
        let b = Arc::new(TpsBudget::new(Duration::from_secs(1), 0, 1.0, clock).unwrap());
        let b2 = Arc::clone(&b);
        let h = thread::spawn(move || b2.deposit());
        b.deposit();
        h.join().unwrap();
        assert_eq!(b.balance_milli(), 2000);
    });
}

/// A retry given back while another is granted and a first try deposits: the window
/// ends exactly where the two grants and the deposit without the given-back retry put it.
#[test]
fn tps_budget_release_races_a_grant_and_a_deposit() {
    use ward_backoff::budget::{RetryBudget, RetryKind, TpsBudget};
    loom::model(|| {
        let clock = std::sync::Arc::new(ManualClock::new());
        let b = Arc::new(TpsBudget::new(Duration::from_secs(1), 5, 1.0, clock).unwrap());
        let before = b.balance_milli();
        let b2 = Arc::clone(&b);
        let h = thread::spawn(move || {
            let w = b2.try_retry(RetryKind::Error).unwrap();
            b2.release(w);
        });
        let kept = b.try_retry(RetryKind::Error).unwrap();
        b.deposit();
        h.join().unwrap();
        assert_eq!(b.balance_milli(), before - 1000 + 1000);
        b.release(kept);
        assert_eq!(b.balance_milli(), before + 1000);
    });
}

/// A clock whose reads and writes are loom-visible: loom explores the interleavings of
/// the clock moving with the breaker's own atomics.
struct LoomClock(loom::sync::atomic::AtomicU64);

impl LoomClock {
    fn at(nanos: u64) -> Self {
        Self(loom::sync::atomic::AtomicU64::new(nanos))
    }
    fn set(&self, nanos: u64) {
        self.0.store(nanos, loom::sync::atomic::Ordering::SeqCst);
    }
}

impl ward_backoff::Clock for LoomClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(loom::sync::atomic::Ordering::SeqCst))
    }
}

const SECOND: u64 = 1_000_000_000;

fn time_window_breaker(
    clock: std::sync::Arc<LoomClock>,
    seconds: u32,
    minimum: u32,
) -> CircuitBreaker<std::sync::Arc<LoomClock>> {
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::TimeBased(seconds))
        .minimum_calls(minimum)
        .failure_rate_threshold(50.0)
        .build()
        .unwrap();
    CircuitBreaker::new(config, clock)
}

/// Issue 18, defect 5: one failure in second 0, then two concurrent successes in second 1
/// of a one-second window. The failure has expired, so the breaker must stay closed (a
/// bucket's counts were evicted apart from its epoch, and the breaker opened on it).
#[test]
fn regression_time_window_never_opens_on_an_expired_failure() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let clock = std::sync::Arc::new(LoomClock::at(SECOND / 2));
        let b = Arc::new(time_window_breaker(std::sync::Arc::clone(&clock), 1, 2));
        b.try_acquire()
            .unwrap()
            .record(Outcome::Failure, Duration::ZERO);
        clock.set(SECOND + SECOND / 2);
        let b2 = Arc::clone(&b);
        let h = thread::spawn(move || {
            if let Ok(p) = b2.try_acquire() {
                p.record(Outcome::Success, Duration::ZERO);
            }
        });
        if let Ok(p) = b.try_acquire() {
            p.record(Outcome::Success, Duration::ZERO);
        }
        h.join().unwrap();
        assert_eq!(b.state(), State::Closed, "opened on an expired failure");
        let m = b.metrics();
        assert_eq!((m.calls, m.failed_calls), (2, 0));
    });
}

/// Issue 18, defect 5: an outcome recorded while another thread moves the clock (and the
/// window) into the next second is never lost; a two-second window holds both.
#[test]
fn regression_time_window_keeps_an_outcome_across_a_second_boundary() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let clock = std::sync::Arc::new(LoomClock::at(SECOND - 1));
        let b = Arc::new(time_window_breaker(std::sync::Arc::clone(&clock), 2, 100));
        let (b2, c2) = (Arc::clone(&b), std::sync::Arc::clone(&clock));
        let h = thread::spawn(move || {
            c2.set(SECOND);
            b2.try_acquire()
                .unwrap()
                .record(Outcome::Failure, Duration::ZERO);
        });
        b.try_acquire()
            .unwrap()
            .record(Outcome::Success, Duration::ZERO);
        h.join().unwrap();
        let m = b.metrics();
        assert_eq!((m.calls, m.failed_calls), (2, 1), "an outcome was lost");
    });
}

/// Issue 18, defect 1 under loom: with two permits and a minimum of one call, the first
/// trial outcome decides; a second outcome racing it is discarded, so exactly one
/// transition leaves half-open and a re-opened breaker reports just the deciding trial.
#[test]
fn first_trial_outcome_decides_and_freezes_the_trial() {
    loom::model(|| {
        let clock = std::sync::Arc::new(ManualClock::new());
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .half_open_permits(2)
            .wait_in_open(Duration::from_millis(1))
            .build()
            .unwrap();
        let left = std::sync::Arc::new(AtomicUsize::new(0));
        let l2 = std::sync::Arc::clone(&left);
        let b = CircuitBreaker::new(config, std::sync::Arc::clone(&clock)).with_observer(
            move |t: ward_backoff::breaker::Transition| {
                if t.from == State::HalfOpen {
                    l2.fetch_add(1, Ordering::Relaxed);
                }
            },
        );
        b.try_acquire()
            .unwrap()
            .record(Outcome::Failure, Duration::ZERO);
        clock.advance(Duration::from_millis(2));
        let b = std::sync::Arc::new(b);
        let p1 = CircuitBreaker::try_acquire_owned(&b).unwrap();
        let p2 = CircuitBreaker::try_acquire_owned(&b).unwrap();
        let h = thread::spawn(move || p2.record(Outcome::Success, Duration::ZERO));
        p1.record(Outcome::Failure, Duration::ZERO);
        h.join().unwrap();
        assert_eq!(
            left.load(Ordering::Relaxed),
            1,
            "one transition out of half-open"
        );
        let m = b.metrics();
        match m.state {
            State::Open => assert_eq!((m.calls, m.failed_calls), (1, 1)),
            State::Closed => assert_eq!(m.calls, 0),
            other => panic!("{other}: undecided or set by hand"),
        }
    });
}

/// Issue 18, defect 4 under loom: the last trial outcome races the clock passing the
/// maximum half-open wait and a reader of the state. Exactly one transition leaves
/// half-open; a trial recorded after the limit never closes the breaker.
#[test]
fn half_open_limit_races_the_last_trial() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let clock = std::sync::Arc::new(LoomClock::at(0));
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .half_open_permits(1)
            .wait_in_open(Duration::from_millis(1))
            .max_wait_in_half_open(Duration::from_millis(10))
            .build()
            .unwrap();
        let left = std::sync::Arc::new(AtomicUsize::new(0));
        let l2 = std::sync::Arc::clone(&left);
        let b = CircuitBreaker::new(config, std::sync::Arc::clone(&clock)).with_observer(
            move |t: ward_backoff::breaker::Transition| {
                if t.from == State::HalfOpen {
                    l2.fetch_add(1, Ordering::Relaxed);
                }
            },
        );
        b.try_acquire()
            .unwrap()
            .record(Outcome::Failure, Duration::ZERO);
        clock.set(2_000_000);
        let b = std::sync::Arc::new(b);
        let trial = CircuitBreaker::try_acquire_owned(&b).unwrap(); // half-open at 2 ms, limit 12 ms
        let (b2, c2) = (std::sync::Arc::clone(&b), std::sync::Arc::clone(&clock));
        let h = thread::spawn(move || {
            c2.set(20_000_000); // the limit passes
            b2.state()
        });
        let recorded_before_the_limit = clock.now() < Duration::from_millis(12);
        trial.record(Outcome::Success, Duration::ZERO);
        h.join().unwrap();
        assert_eq!(
            left.load(Ordering::Relaxed),
            1,
            "one transition out of half-open"
        );
        if !recorded_before_the_limit {
            assert_eq!(b.state(), State::Open, "a trial after the limit closed it");
        }
        assert_ne!(b.state(), State::HalfOpen);
    });
}

/// A breaker with the automatic open → half-open transition, opened by one failure, its
/// 1 ms wait past (not a second one), and the count of its transitions to half-open.
fn opened_with_automatic_half_open() -> (
    CircuitBreaker<
        std::sync::Arc<ManualClock>,
        impl ward_backoff::breaker::TransitionObserver + Send + Sync + 'static,
    >,
    std::sync::Arc<AtomicUsize>,
) {
    let clock = std::sync::Arc::new(ManualClock::new());
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open(Duration::from_millis(1))
        .automatic_half_open(true)
        .build()
        .unwrap();
    let made = std::sync::Arc::new(AtomicUsize::new(0));
    let m2 = std::sync::Arc::clone(&made);
    let b = CircuitBreaker::new(config, std::sync::Arc::clone(&clock)).with_observer(
        move |t: ward_backoff::breaker::Transition| {
            if t.to == State::HalfOpen {
                m2.fetch_add(1, Ordering::Relaxed);
            }
        },
    );
    b.try_acquire()
        .unwrap()
        .record(Outcome::Failure, Duration::ZERO);
    clock.advance(Duration::from_millis(2));
    (b, made)
}

/// With the automatic open → half-open transition, two threads looking at the state and
/// one caller race once the wait has passed: exactly one of them makes the transition
/// (observed once), and the caller gets a trial permit.
#[test]
fn automatic_half_open_is_made_once_by_racing_lookers() {
    loom::model(|| {
        let (b, made) = opened_with_automatic_half_open();
        let b = Arc::new(b);
        let b2 = Arc::clone(&b);
        let looker = thread::spawn(move || b2.state());
        let permit = b.try_acquire();
        let seen = looker.join().unwrap();
        assert!(permit.is_ok(), "the only trial permit goes to the caller");
        assert_eq!(seen, State::HalfOpen);
        assert_eq!(made.load(Ordering::Relaxed), 1, "one transition");
        assert!(b.try_acquire().is_err(), "one permit");
        core::mem::forget(permit);
    });
}

/// A looker that saw the first open wait pass races a caller whose trial fails and
/// re-opens the breaker: the looker's transition belongs to the open state whose wait it
/// saw pass, so it never moves the re-opened breaker, whose new wait has not passed, to
/// half-open. One transition to half-open in every interleaving, and the breaker ends
/// open.
#[test]
fn a_looker_never_moves_a_breaker_reopened_behind_its_back() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let (b, made) = opened_with_automatic_half_open();
        let b = Arc::new(b);
        let b2 = Arc::clone(&b);
        let looker = thread::spawn(move || b2.state());
        if let Ok(trial) = b.try_acquire() {
            trial.record(Outcome::Failure, Duration::ZERO);
        }
        looker.join().unwrap();
        assert_eq!(
            made.load(Ordering::Relaxed),
            1,
            "one transition to half-open"
        );
        assert_eq!(b.state(), State::Open, "the new wait has not passed");
    });
}

/// A transition by hand races the trial outcome that would close the breaker: the state
/// set by hand always stands (either after the close, or the close loses its swap and the
/// trial is frozen), and the transitions observed form a chain.
#[test]
fn transition_by_hand_stands_against_a_racing_trial_decision() {
    loom::model(|| {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = std::sync::Arc::clone(&seen);
        let b = open_and_waited(1).with_observer(move |t: ward_backoff::breaker::Transition| {
            s2.lock().unwrap().push((t.from, t.to));
        });
        // A std `Arc` (an owned permit needs one); the breaker's atomics are loom's.
        let b = std::sync::Arc::new(b);
        let trial = CircuitBreaker::try_acquire_owned(&b).unwrap();
        let h = thread::spawn(move || trial.record(Outcome::Success, Duration::ZERO));
        b.transition_to_forced_open();
        h.join().unwrap();
        assert_eq!(b.state(), State::ForcedOpen);
        let chain = seen.lock().unwrap().clone();
        let ok = chain
            == [
                (State::Open, State::HalfOpen),
                (State::HalfOpen, State::Closed),
                (State::Closed, State::ForcedOpen),
            ]
            || chain
                == [
                    (State::Open, State::HalfOpen),
                    (State::HalfOpen, State::ForcedOpen),
                ];
        assert!(ok, "transitions {chain:?}");
    });
}

/// `reset` races a failure that opens the breaker: the breaker ends closed whichever
/// comes first, and the open transition, if made, is followed by the reset's.
#[test]
fn reset_stands_against_a_racing_opening_failure() {
    loom::model(|| {
        let clock = std::sync::Arc::new(ManualClock::new());
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .build()
            .unwrap();
        let b = std::sync::Arc::new(CircuitBreaker::new(config, clock));
        let p = CircuitBreaker::try_acquire_owned(&b).unwrap();
        let h = thread::spawn(move || p.record(Outcome::Failure, Duration::ZERO));
        b.reset();
        h.join().unwrap();
        assert_eq!(b.state(), State::Closed);
        assert_eq!(b.metrics().rejected_calls, 0);
    });
}

/// Request coalescing: two callers of one key, every interleaving. Each backend call's
/// result reaches exactly the callers that joined it, nobody waits forever (loom reports
/// a deadlock), and the key is free at the end.
#[test]
fn coalescing_shares_one_result_or_runs_again_after_it() {
    use ward_backoff::stampede::Coalesce;
    loom::model(|| {
        let c: Arc<Coalesce<u8, usize, ()>> = Arc::new(Coalesce::new());
        let calls = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let spawn = |c: Arc<Coalesce<u8, usize, ()>>,
                     calls: Arc<loom::sync::atomic::AtomicUsize>| {
            thread::spawn(move || c.run(1, || Ok(calls.fetch_add(1, Ordering::SeqCst))))
        };
        let a = spawn(Arc::clone(&c), Arc::clone(&calls));
        let b = spawn(Arc::clone(&c), Arc::clone(&calls));
        let (ra, rb) = (a.join().unwrap(), b.join().unwrap());
        match calls.load(Ordering::SeqCst) {
            // One flight: both got its result.
            1 => assert_eq!((ra, rb), (Ok(0), Ok(0))),
            // The second caller came after the first flight ended: its own flight.
            2 => assert_ne!(ra, rb),
            n => panic!("{n} backend calls for two callers"),
        }
        assert_eq!(c.in_flight(), 0);
    });
}
