//! Retry runners with a manual clock and paused tokio time.

use core::time::Duration;
use std::cell::{Cell, RefCell};

use ward_backoff::budget::{RetryQuota, RetryThrottle};
use ward_backoff::{Action, ManualClock, Retrier, RetryPolicy, StopReason, Strategy};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn exponential(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::new(Strategy::exponential(ms(100), ms(1000)).unwrap())
        .with_max_attempts(max_attempts)
        .unwrap()
}

/// A sleeper that advances the manual clock and records every delay.
fn recorder(clock: &ManualClock) -> (impl Fn(Duration) + '_, std::rc::Rc<RefCell<Vec<Duration>>>) {
    let log = std::rc::Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    (
        move |d| {
            l.borrow_mut().push(d);
            clock.advance(d);
        },
        log,
    )
}

#[test]
fn attempts_are_counted_and_limited() {
    let clock = ManualClock::new();
    let retrier = Retrier::new(exponential(4), &clock, 1);
    let (sleep, log) = recorder(&clock);
    let seen = RefCell::new(Vec::new());
    let err = retrier
        .run_with_sleeper(
            sleep,
            |n| {
                seen.borrow_mut().push(n);
                Err::<(), _>("down")
            },
            |_| Action::Retry,
        )
        .unwrap_err();
    assert_eq!(*seen.borrow(), [1, 2, 3, 4]);
    assert_eq!(err.attempts(), 4);
    assert_eq!(err.reason(), StopReason::AttemptsExhausted { attempts: 4 });
    assert_eq!(*log.borrow(), [ms(100), ms(200), ms(400)]);
    assert_eq!(
        err.to_string(),
        "gave up after 4 attempts (all 4 attempts failed): down"
    );
}

#[test]
fn pushback_delays_are_honoured() {
    let clock = ManualClock::new();
    let retrier = Retrier::new(exponential(5), &clock, 1);
    let (sleep, log) = recorder(&clock);
    let out = retrier.run_with_sleeper(
        sleep,
        |n| if n < 3 { Err(n * 7) } else { Ok("ok") },
        |&secs| Action::RetryAfter(Duration::from_secs(u64::from(secs))),
    );
    assert_eq!(out, Ok("ok"));
    assert_eq!(
        *log.borrow(),
        [Duration::from_secs(7), Duration::from_secs(14)]
    );
}

#[test]
fn give_up_is_honoured_immediately() {
    let clock = ManualClock::new();
    let retrier = Retrier::new(exponential(10), &clock, 1);
    let (sleep, log) = recorder(&clock);
    let calls = Cell::new(0);
    let err = retrier
        .run_with_sleeper(
            sleep,
            |n| {
                calls.set(n);
                Err::<(), _>(if n == 2 { 404 } else { 503 })
            },
            |&code| {
                if code == 404 {
                    Action::GiveUp
                } else {
                    Action::Retry
                }
            },
        )
        .unwrap_err();
    assert_eq!(calls.get(), 2);
    assert_eq!(err.reason(), StopReason::NotRetryable);
    assert_eq!(err.error(), Some(&404));
    assert_eq!(log.borrow().len(), 1);
}

#[test]
fn deadline_counts_from_the_first_failure_and_is_never_aimed_at() {
    // The clock is far along before the run starts: only time since the first failure counts.
    let clock = ManualClock::starting_at(Duration::from_secs(3600));
    let policy = exponential(100).with_max_elapsed(ms(1000));
    let retrier = Retrier::new(policy, &clock, 1);
    let (sleep, log) = recorder(&clock);
    let err = retrier
        .run_with_sleeper(
            sleep,
            |_| {
                clock.advance(ms(50)); // each attempt takes 50 ms
                Err::<(), _>(())
            },
            |_| Action::Retry,
        )
        .unwrap_err();
    // First failure at +50. Sleeps 100 (→150, fail at 200), 200 (→400, fail 450),
    // 400 (→850, fail 900); then 800 would end past the deadline with 150 ms left: the
    // run gives up instead of retrying exactly at the deadline.
    assert_eq!(*log.borrow(), [ms(100), ms(200), ms(400)]);
    assert_eq!(err.attempts(), 4);
    assert_eq!(
        err.reason(),
        StopReason::DelayPastDeadline {
            delay: ms(800),
            remaining: ms(150)
        }
    );
}

#[test]
fn budget_stops_retries_and_is_refunded() {
    let clock = ManualClock::new();
    let throttle = RetryThrottle::new(4, 1.0).unwrap();
    let retrier = Retrier::new(exponential(10), &clock, 1).with_budget(&throttle);
    // 4 tokens: failures take it to 3, 2 (still > 2), then 2 is not above 4 / 2.
    let err = retrier
        .run_with_sleeper(|_| {}, |_| Err::<(), _>(()), |_| Action::Retry)
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::BudgetExhausted);
    assert_eq!(err.attempts(), 2);

    let quota = RetryQuota::default();
    let retrier = Retrier::new(exponential(10), &clock, 1).with_budget(&quota);
    let out = retrier.run_with_sleeper(
        |_| {},
        |n| if n < 4 { Err(()) } else { Ok(n) },
        |_| Action::Retry,
    );
    assert_eq!(out, Ok(4));
    // Three retries cost 15; the successful one refunded 5.
    assert_eq!(quota.available(), 490);
    // Timeouts cost 10 each (AWS standard mode): two retries, the second refunded.
    let out = retrier.run_with_sleeper(
        |_| {},
        |n| if n < 3 { Err(()) } else { Ok(n) },
        |_| Action::RetryTimeout,
    );
    assert_eq!(out, Ok(3));
    assert_eq!(quota.available(), 480);
}

/// gRPC proposal A6: only failures with a retryable status count against the throttle,
/// so errors the caller gives up on (a malformed request) never throttle retries, while
/// retryable ones do.
#[test]
fn errors_given_up_on_do_not_drain_the_grpc_throttle() {
    let clock = ManualClock::new();
    let throttle = RetryThrottle::new(10, 0.1).unwrap();
    let retrier = Retrier::new(exponential(3), &clock, 1).with_budget(&throttle);
    for _ in 0..20 {
        let err = retrier
            .run_with_sleeper(
                |_| {},
                |_| Err::<(), _>("INVALID_ARGUMENT"),
                |_| Action::GiveUp,
            )
            .unwrap_err();
        assert_eq!(err.reason(), StopReason::NotRetryable);
    }
    assert_eq!(throttle.tokens_milli(), 10_000);
    // A retryable failure followed by a permanent one: only the first costs a token.
    let _ = retrier.run_with_sleeper(
        |_| {},
        |n| {
            Err::<(), _>(if n == 1 {
                "UNAVAILABLE"
            } else {
                "INVALID_ARGUMENT"
            })
        },
        |&e| {
            if e == "UNAVAILABLE" {
                Action::Retry
            } else {
                Action::GiveUp
            }
        },
    );
    assert_eq!(throttle.tokens_milli(), 9_000);
    // Other budgets still see a given-up attempt as a failed request: the ratio budget
    // takes its deposit from it.
    let tps = ward_backoff::budget::TpsBudget::new(ms(1000), 0, 1.0, &clock).unwrap();
    let retrier = Retrier::new(exponential(3), &clock, 1).with_budget(&tps);
    let _ = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(()), |_| Action::GiveUp);
    assert_eq!(tps.balance_milli(), 1000);
}

#[test]
fn concurrent_runs_of_one_retrier_jitter_apart() {
    let clock = ManualClock::new();
    let policy = RetryPolicy::new(Strategy::full_jitter(ms(1000), ms(1000)).unwrap());
    let retrier = Retrier::new(policy, &clock, 5);
    let first_delay = || {
        let d = Cell::new(Duration::ZERO);
        let _ = retrier.run_with_sleeper(
            |x| d.set(x),
            |n| if n == 1 { Err(()) } else { Ok(()) },
            |_| Action::Retry,
        );
        d.get()
    };
    let a = first_delay();
    let b = first_delay();
    assert_ne!(a, b, "two runs drew the same jitter");
    // Same seed, same sequence of runs: reproducible.
    let again = Retrier::new(policy, &clock, 5);
    let d = Cell::new(Duration::ZERO);
    let _ = again.run_with_sleeper(
        |x| d.set(x),
        |n| if n == 1 { Err(()) } else { Ok(()) },
        |_| Action::Retry,
    );
    assert_eq!(d.get(), a);
}

#[cfg(feature = "tokio")]
mod tokio_runner {
    use super::*;
    use ward_backoff::TokioClock;

    #[tokio::test(start_paused = true)]
    async fn paused_time_pushback_and_attempts() {
        let clock = TokioClock::new();
        let start = tokio::time::Instant::now();
        let policy = exponential(6).with_max_elapsed(Duration::from_secs(60));
        let retrier = Retrier::new(policy, clock, 3);
        let out = retrier
            .run_tokio(
                |n| async move { if n < 4 { Err(n) } else { Ok(n) } },
                |&n| {
                    if n == 2 {
                        Action::RetryAfter(Duration::from_secs(30))
                    } else {
                        Action::Retry
                    }
                },
            )
            .await;
        assert_eq!(out, Ok(4));
        // 100 ms, the 30 s pushback, then the base 100 ms again (gRPC A6): exactly, on
        // tokio's paused clock.
        assert_eq!(start.elapsed(), ms(100) + Duration::from_secs(30) + ms(100));
    }

    /// A per-attempt timeout cancels an attempt that hangs and retries it as a timeout;
    /// the AWS quota charges it the timeout cost.
    #[tokio::test(start_paused = true)]
    async fn attempt_timeout_cancels_a_hanging_attempt() {
        let clock = TokioClock::new();
        let start = tokio::time::Instant::now();
        let quota = RetryQuota::default();
        let policy = exponential(3)
            .with_attempt_timeout(Duration::from_secs(2))
            .unwrap();
        let retrier = Retrier::new(policy, clock, 3).with_budget(&quota);
        let classified = Cell::new(0);
        let out = retrier
            .run_tokio(
                |n| async move {
                    if n == 1 {
                        core::future::pending::<Result<u32, &str>>().await
                    } else {
                        Ok(n)
                    }
                },
                |_| {
                    classified.set(classified.get() + 1);
                    Action::Retry
                },
            )
            .await;
        assert_eq!(out, Ok(2));
        assert_eq!(classified.get(), 0, "a timeout has no error to classify");
        assert_eq!(start.elapsed(), Duration::from_secs(2) + ms(100));
        assert_eq!(
            quota.available(),
            500,
            "the timeout retry's 10 tokens refunded"
        );

        // Every attempt hangs: the run ends with no error value after three attempts.
        let err = retrier
            .run_tokio(
                |_| core::future::pending::<Result<u32, &str>>(),
                |_| Action::Retry,
            )
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), 3);
        assert_eq!(err.error(), None);
        assert_eq!(err.reason(), StopReason::AttemptsExhausted { attempts: 3 });
        assert_eq!(quota.available(), 480, "two timeout retries at 10 tokens");
    }

    #[tokio::test(start_paused = true)]
    async fn paused_time_deadline_gives_up_on_a_long_pushback() {
        let policy = exponential(6).with_max_elapsed(Duration::from_secs(10));
        let retrier = Retrier::new(policy, TokioClock::new(), 3);
        let start = tokio::time::Instant::now();
        let err = retrier
            .run_tokio(
                |_| async { Err::<(), _>(()) },
                |_| Action::RetryAfter(Duration::from_secs(11)),
            )
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), 1);
        assert!(matches!(
            err.reason(),
            StopReason::PushbackPastDeadline { .. }
        ));
        assert_eq!(start.elapsed(), Duration::ZERO, "slept although it gave up");
    }
}

/// Issue 19, defect 4 (gRPC proposal A6): after a server pushback the backoff starts again
/// from the base; the old runner kept advancing it (400 ms instead of 100 ms).
#[test]
fn regression_pushback_resets_the_backoff() {
    let clock = ManualClock::new();
    let retrier = Retrier::new(exponential(10), &clock, 1);
    let (sleep, log) = recorder(&clock);
    let actions = [
        Action::Retry,
        Action::RetryAfter(Duration::from_secs(1)),
        Action::Retry,
        Action::Retry,
    ];
    let out = retrier.run_with_sleeper(
        sleep,
        |n| if n <= 4 { Err(n as usize - 1) } else { Ok(n) },
        |&i| actions[i],
    );
    assert_eq!(out, Ok(5));
    assert_eq!(
        *log.borrow(),
        [ms(100), Duration::from_secs(1), ms(100), ms(200)]
    );
}

/// Issue 19, defect 4: without a deadline a pushback was honoured uncapped (a day here).
/// The default maximum pushback refuses it without sleeping.
#[test]
fn regression_pushback_is_capped_without_a_deadline() {
    let clock = ManualClock::new();
    let retrier = Retrier::new(exponential(10), &clock, 1);
    let (sleep, log) = recorder(&clock);
    let out = retrier.run_with_sleeper(
        sleep,
        |_| Err::<(), _>("429"),
        |_| Action::RetryAfter(Duration::from_secs(86_400)),
    );
    assert!(log.borrow().is_empty(), "slept {:?}", log.borrow());
    let err = out.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        err.reason(),
        StopReason::PushbackTooLong {
            requested: Duration::from_secs(86_400),
            max: RetryPolicy::DEFAULT_MAX_PUSHBACK
        }
    );
}

/// Issue 19, defect 2: dropping 100 `run_async` futures while they slept left the AWS
/// quota at 0, so nobody could retry again. A withdrawal whose retry never ran is refunded
/// when its run is dropped, as the AWS SDKs' retry permits are.
#[test]
fn regression_cancelled_async_runs_refund_their_withdrawals() {
    use core::future::Future as _;
    use core::task::{Context, Poll, Waker};

    let clock = ManualClock::new();
    let quota = RetryQuota::default();
    let retrier = Retrier::new(exponential(5), &clock, 1).with_budget(&quota);
    let mut cx = Context::from_waker(Waker::noop());
    let mut runs = Vec::new();
    for _ in 0..100 {
        let mut run = Box::pin(retrier.run_async(
            |_delay| core::future::pending::<()>(), // sleeps forever: dropped while asleep
            |_attempt| async { Err::<(), _>("503") },
            |_| Action::Retry,
        ));
        assert!(matches!(run.as_mut().poll(&mut cx), Poll::Pending));
        runs.push(run);
    }
    assert_eq!(quota.available(), 0, "each sleeping run holds 5 tokens");
    drop(runs);
    assert_eq!(quota.available(), 500, "cancelled runs leaked their tokens");

    // Cancelled while the retried attempt itself is in flight: refunded as well.
    let mut run = Box::pin(retrier.run_async(
        |_delay| async {},
        |attempt| async move {
            if attempt == 1 {
                Err("503")
            } else {
                core::future::pending::<Result<(), &str>>().await
            }
        },
        |_| Action::Retry,
    ));
    assert!(matches!(run.as_mut().poll(&mut cx), Poll::Pending));
    assert_eq!(quota.available(), 495);
    drop(run);
    assert_eq!(quota.available(), 500);
}

/// Issue 19, defect 3 (Google SRE book, "Handling Overload"): client-side throttling counts
/// every request and every request the backend accepted. Permanent errors the caller gives
/// up on (a 404) were answered by the backend: they are accepts and must not raise the
/// rejection probability (100 of them pushed it to 0.99).
#[test]
fn regression_sre_throttle_counts_permanent_errors_as_accepted() {
    use ward_backoff::budget::AdaptiveThrottle;
    let clock = ManualClock::new();
    let throttle = AdaptiveThrottle::with_defaults(&clock, 7);
    let retrier = Retrier::new(exponential(3), &clock, 1).with_budget(&throttle);
    for _ in 0..100 {
        let out = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(404), |_| Action::GiveUp);
        assert!(out.is_err());
    }
    assert_eq!(throttle.counts(), (100, 100));
    assert_eq!(throttle.rejection_probability(), 0.0);
}

/// Issue 19, defect 3: the throttle applies to every request, first attempts included; at
/// p = 0.997 all 100 first attempts used to be sent.
#[test]
fn regression_sre_throttle_applies_to_first_attempts() {
    use ward_backoff::budget::{AdaptiveThrottle, RetryBudget as _};
    let clock = ManualClock::new();
    let throttle = AdaptiveThrottle::with_defaults(&clock, 7);
    for _ in 0..300 {
        throttle.record_failure(None); // the backend refused 300 requests
    }
    assert!(throttle.rejection_probability() > 0.996);
    let retrier = Retrier::new(exponential(3), &clock, 1).with_budget(&throttle);
    let sent = Cell::new(0);
    let mut refused = 0;
    for _ in 0..100 {
        let out = retrier.run_with_sleeper(
            |_| {},
            |_| {
                sent.set(sent.get() + 1);
                Err::<(), _>(503)
            },
            |_| Action::Retry,
        );
        let err = out.unwrap_err();
        if err.attempts() == 0 {
            assert_eq!(err.error(), None);
            assert_eq!(err.reason(), StopReason::BudgetExhausted);
            assert_eq!(
                err.to_string(),
                "no attempt made (the retry budget is exhausted)"
            );
            refused += 1;
        }
    }
    assert!(
        sent.get() <= 3,
        "{} of 100 requests sent at p > 0.996",
        sent.get()
    );
    assert!(refused >= 97, "{refused} first tries refused");
}

/// Issue 19, defect 6: the AWS retry quota charges a throttling error the base retry cost
/// (5 tokens), not the timeout cost (10) the documentation priced it at.
#[test]
fn regression_throttling_errors_cost_the_base_retry_cost() {
    use ward_backoff::budget::{RetryBudget as _, RetryKind};
    let quota = RetryQuota::default();
    assert_eq!(
        quota.try_retry(RetryKind::Throttling).map(|w| w.cost()),
        Some(5)
    );
    assert_eq!(
        quota.try_retry(RetryKind::Timeout).map(|w| w.cost()),
        Some(10)
    );

    let clock = ManualClock::new();
    let quota = RetryQuota::default();
    let retrier = Retrier::new(exponential(3), &clock, 1).with_budget(&quota);
    let out = retrier.run_with_sleeper(|_| {}, |_| Err::<(), _>(429), |_| Action::RetryThrottled);
    assert!(out.is_err());
    assert_eq!(
        quota.available(),
        490,
        "two throttled retries at 5 tokens each"
    );
}

/// Retry and breaker together (issue 19): a rejection by an open breaker carries its
/// remaining open time, and the retrier waits at least that long instead of guessing —
/// the open wait plus the policy's next delay, so that clients rejected together do not
/// return together; the next attempt is the half-open trial, which closes the breaker.
#[test]
fn retry_waits_out_an_open_breaker() {
    use ward_backoff::breaker::{BreakerConfig, CallError, CircuitBreaker, SlidingWindow, State};
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open(Duration::from_secs(30))
        .build()
        .unwrap();
    let breaker = CircuitBreaker::new(config, &clock);
    let retrier = Retrier::new(exponential(5), &clock, 1);
    let (sleep, log) = recorder(&clock);
    let ran = Cell::new(0);
    let out = retrier.run_with_sleeper(
        sleep,
        |_| {
            breaker.call(|| {
                ran.set(ran.get() + 1);
                if ran.get() == 1 { Err("down") } else { Ok(7) }
            })
        },
        |e: &CallError<&str>| e.retry_action(|_| Action::Retry),
    );
    assert_eq!(out, Ok(7));
    assert_eq!(ran.get(), 2, "the rejected attempt did not run");
    // 100 ms of backoff, then the rest of the 30 s open wait, strictly past its end,
    // plus the policy's next delay (200 ms).
    assert_eq!(
        *log.borrow(),
        [
            ms(100),
            Duration::from_secs(30) - ms(100) + Duration::from_nanos(1) + ms(200)
        ]
    );
    assert_eq!(breaker.state(), State::Closed);

    // Past the deadline, the open wait is given up on instead of waited out.
    let policy = exponential(5).with_max_elapsed(Duration::from_secs(10));
    let retrier = Retrier::new(policy, &clock, 1);
    breaker
        .try_acquire()
        .unwrap()
        .record(ward_backoff::breaker::Outcome::Failure, ms(1));
    let err = retrier
        .run_with_sleeper(
            |d| clock.advance(d),
            |_| breaker.call(|| Ok::<_, &str>(1)),
            |e: &CallError<&str>| e.retry_action(|_| Action::Retry),
        )
        .unwrap_err();
    assert!(matches!(
        err.reason(),
        StopReason::PushbackPastDeadline { .. }
    ));
}

/// Issue 26: messages say "1 attempt", not "1 attempts", and a `RetryError` over an error
/// type that is only `Display` (a `&str`) is still an `Error`, so `?` converts it.
#[test]
fn retry_error_reads_well_and_is_an_error_for_display_types() {
    fn run(policy: RetryPolicy) -> Result<(), Box<dyn std::error::Error>> {
        let clock = ManualClock::new();
        Retrier::new(policy, &clock, 1).run_with_sleeper(
            |_| {},
            |_| Err::<(), _>("503 service unavailable"),
            |_| Action::Retry,
        )?;
        Ok(())
    }
    let once = RetryPolicy::new(Strategy::constant(ms(1)).unwrap())
        .with_max_attempts(1)
        .unwrap();
    assert_eq!(
        run(once).unwrap_err().to_string(),
        "gave up after 1 attempt (the only attempt failed): 503 service unavailable"
    );
    assert_eq!(
        run(exponential(3)).unwrap_err().to_string(),
        "gave up after 3 attempts (all 3 attempts failed): 503 service unavailable"
    );
}

/// Accessors and small pieces the runners rely on, pinned outside the doctests.
#[test]
fn accessors_and_entropy_seeding() {
    use ward_backoff::budget::{AdaptiveThrottle, RetryBudget as _, RetryKind};
    use ward_backoff::{Decision, RandomSource, SplitMix64, ThreadSleep};

    let p = exponential(9).with_max_elapsed(Duration::from_secs(7));
    assert_eq!(p.max_attempts(), 9);
    assert_eq!(p.max_elapsed(), Some(Duration::from_secs(7)));
    let mut s = p.schedule(SplitMix64::new(0));
    s.on_failure(Duration::ZERO, None);
    s.on_failure(ms(100), None);
    assert_eq!(s.failures(), 2);
    assert_eq!(Retrier::with_policy(p).policy().max_attempts(), 9);

    // A delay that ends exactly at the deadline is still taken.
    let p = exponential(9).with_max_elapsed(ms(300));
    let mut s = p.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure(Duration::ZERO, None),
        Decision::RetryAfter(ms(100))
    );
    assert_eq!(s.on_failure(ms(100), None), Decision::RetryAfter(ms(200)));
    // A pushback exactly at the maximum is honoured.
    let mut s = exponential(9)
        .with_max_pushback(ms(500))
        .schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure(Duration::ZERO, Some(ms(500))),
        Decision::RetryAfter(ms(500))
    );

    // Entropy seeds differ; a borrowed source draws like the owned one.
    assert_ne!(
        SplitMix64::from_entropy().next_u64(),
        SplitMix64::from_entropy().next_u64()
    );
    let mut owned = SplitMix64::new(5);
    let mut lent = SplitMix64::new(5);
    fn draw<R: RandomSource>(mut r: R) -> u64 {
        r.next_u64()
    }
    assert_eq!(draw(&mut lent), owned.next_u64());

    // ThreadSleep really sleeps.
    let start = std::time::Instant::now();
    ward_backoff::Sleep::sleep(&ThreadSleep, ms(2));
    assert!(start.elapsed() >= ms(2));

    // The last error comes back by value.
    let err = Retrier::new(exponential(1), ManualClock::new(), 1)
        .run_with_sleeper(|_| {}, |_| Err::<(), _>(7), |_| Action::Retry)
        .unwrap_err();
    assert_eq!(err.into_inner(), Some(7));

    // A fresh SRE throttle allows retries; the quota reports its capacity.
    let clock = ManualClock::new();
    let t = AdaptiveThrottle::with_defaults(&clock, 1);
    assert!(t.try_retry(RetryKind::Error).is_some());
    let retrier = Retrier::new(exponential(3), &clock, 1).with_budget(&t);
    let out = retrier.run_with_sleeper(
        |_| {},
        |n| if n < 2 { Err("503") } else { Ok(n) },
        |_| Action::Retry,
    );
    assert_eq!(out, Ok(2));
    assert_eq!(RetryQuota::new(100, 5, 10).unwrap().capacity(), 100);
}

/// A call a circuit breaker rejects never reaches the service, so it must cost the retry
/// budgets nothing: not the AWS quota's tokens (a retry the breaker rejected kept its 5),
/// not the gRPC throttle's (each rejection took 1), not the SRE throttle's request count
/// (each rejection counted as a request the backend did not accept), not the TPS budget's
/// balance. Behind a breaker that stays open or half-open with its trial slots taken, a
/// fleet used to drain its budgets on calls the backend never saw.
#[test]
fn regression_breaker_rejections_are_not_charged_to_the_retry_budget() {
    use ward_backoff::breaker::{BreakerConfig, CallError, CircuitBreaker, SlidingWindow, State};
    use ward_backoff::budget::{AdaptiveThrottle, RetryBudget, TpsBudget};

    fn breaker(clock: &ManualClock, half_open: bool) -> CircuitBreaker<&ManualClock> {
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(1))
            .minimum_calls(1)
            .half_open_permits(1)
            .wait_in_open(Duration::from_secs(1))
            .build()
            .unwrap();
        let b = CircuitBreaker::new(config, clock);
        if half_open {
            b.transition_to_half_open();
        } else {
            b.transition_to_open();
        }
        b
    }

    /// Runs 20 operations whose every attempt the breaker rejects; the sleeper never
    /// advances the clock, so an open breaker stays open.
    fn run_rejected<B: RetryBudget>(clock: &ManualClock, budget: B, half_open: bool) {
        let b = breaker(clock, half_open);
        // Half-open: the only trial slot is taken and never given back.
        let held = half_open.then(|| b.try_acquire().unwrap());
        let retrier = Retrier::new(exponential(5), clock, 1).with_budget(budget);
        for _ in 0..20 {
            let err = retrier
                .run_with_sleeper(
                    |_| {},
                    |_| b.call(|| -> Result<(), &str> { panic!("a rejected call ran") }),
                    |e: &CallError<&str>| e.retry_action(|_| Action::Retry),
                )
                .unwrap_err();
            assert_eq!(err.attempts(), 5, "{err}");
            assert!(matches!(err.error(), Some(CallError::Rejected(_))));
        }
        assert_eq!(
            b.state(),
            if half_open {
                State::HalfOpen
            } else {
                State::Open
            }
        );
        drop(held);
    }

    for half_open in [false, true] {
        let clock = ManualClock::new();
        let quota = RetryQuota::default();
        run_rejected(&clock, &quota, half_open);
        assert_eq!(quota.available(), 500, "AWS quota, half-open: {half_open}");

        let throttle = RetryThrottle::default();
        run_rejected(&clock, &throttle, half_open);
        assert_eq!(
            throttle.tokens_milli(),
            10_000,
            "gRPC, half-open: {half_open}"
        );

        let sre = AdaptiveThrottle::with_defaults(&clock, 7);
        run_rejected(&clock, &sre, half_open);
        assert_eq!(sre.counts(), (0, 0), "SRE throttle, half-open: {half_open}");

        let tps = TpsBudget::with_defaults(&clock);
        run_rejected(&clock, &tps, half_open);
        assert_eq!(tps.balance_milli(), 100_000, "TPS, half-open: {half_open}");
    }

    // The first attempt sent after a refused first try is the operation's first try: it
    // deposits in the TPS budget and withdraws nothing.
    let clock = ManualClock::new();
    let b = breaker(&clock, false);
    let tps = TpsBudget::with_defaults(&clock);
    let retrier = Retrier::new(exponential(5), &clock, 1).with_budget(&tps);
    let out = retrier.run_with_sleeper(
        |d| clock.advance(d),
        |_| b.call(|| Ok::<_, &str>(7)),
        |e: &CallError<&str>| e.retry_action(|_| Action::Retry),
    );
    assert_eq!(out, Ok(7));
    assert_eq!(b.state(), State::Closed, "the trial call closed it");
    assert_eq!(tps.balance_milli(), 100_200, "one first try, no retry");
}
