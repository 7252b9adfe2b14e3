//! Retry limits: attempts, deadlines counted from the first failure, pushback.

use core::time::Duration;

use proptest::prelude::*;
use ward_backoff::{Decision, RetryPolicy, SplitMix64, StopReason, Strategy};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn policy(max_attempts: u32, max_elapsed: Option<Duration>) -> RetryPolicy {
    let p = RetryPolicy::new(Strategy::exponential(secs(1), secs(100)).unwrap())
        .with_max_attempts(max_attempts)
        .unwrap();
    match max_elapsed {
        Some(d) => p.with_max_elapsed(d),
        None => p,
    }
}

#[test]
fn elapsed_counts_from_the_first_failure_not_from_construction() {
    let p = policy(100, Some(secs(10)));
    let mut s = p.schedule(SplitMix64::new(0));
    // The policy was built long before the first failure at t = 1000 s.
    let t0 = secs(1000);
    assert_eq!(s.on_failure(t0, None), Decision::RetryAfter(secs(1)));
    assert_eq!(s.first_failure(), Some(t0));
    assert_eq!(
        s.on_failure(t0 + secs(1), None),
        Decision::RetryAfter(secs(2))
    );
    assert_eq!(
        s.on_failure(t0 + secs(3), None),
        Decision::RetryAfter(secs(4))
    );
    // At 7 s elapsed, 8 s would end at 15 s: give up rather than aim at the deadline.
    assert_eq!(
        s.on_failure(t0 + secs(7), None),
        Decision::GiveUp(StopReason::DelayPastDeadline {
            delay: secs(8),
            remaining: secs(3)
        })
    );
    // At the deadline exactly, no time is left: give up.
    let mut s = p.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure(t0, Some(secs(10))),
        Decision::RetryAfter(secs(10))
    );
    assert_eq!(
        s.on_failure(t0 + secs(10), None),
        Decision::GiveUp(StopReason::DeadlineReached {
            elapsed: secs(10),
            max_elapsed: secs(10)
        })
    );
}

#[test]
fn pushback_is_honoured_or_gives_up_never_shortened() {
    let p = policy(100, Some(secs(10)));
    let mut s = p.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure(secs(0), Some(secs(9))),
        Decision::RetryAfter(secs(9))
    );
    assert_eq!(
        s.on_failure(secs(9), Some(secs(2))),
        Decision::GiveUp(StopReason::PushbackPastDeadline {
            requested: secs(2),
            remaining: secs(1)
        })
    );
    // Without a deadline a pushback is taken as given, even beyond the cap, up to the
    // maximum pushback.
    let mut s = policy(5, None)
        .with_max_pushback(secs(500))
        .schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure(secs(0), Some(secs(500))),
        Decision::RetryAfter(secs(500))
    );
    assert_eq!(
        s.on_failure(secs(500), Some(secs(501))),
        Decision::GiveUp(StopReason::PushbackTooLong {
            requested: secs(501),
            max: secs(500)
        })
    );
}

#[test]
fn attempts_include_the_first_try() {
    let mut s = policy(3, None).schedule(SplitMix64::new(0));
    assert!(matches!(
        s.on_failure(secs(0), None),
        Decision::RetryAfter(_)
    ));
    assert!(matches!(
        s.on_failure(secs(1), None),
        Decision::RetryAfter(_)
    ));
    assert_eq!(
        s.on_failure(secs(3), None),
        Decision::GiveUp(StopReason::AttemptsExhausted { attempts: 3 })
    );
    let mut once = policy(1, None).schedule(SplitMix64::new(0));
    assert_eq!(
        once.on_failure(secs(0), None),
        Decision::GiveUp(StopReason::AttemptsExhausted { attempts: 1 })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No sleep ever ends after the deadline, and the schedule gives up no later than the
    /// attempt limit; every decision agrees with a direct computation.
    #[test]
    fn prop_never_sleeps_past_the_deadline(
        max_attempts in 1u32..20,
        limit_ms in 1u64..20_000,
        start_ms in 0u64..1_000_000,
        gaps in proptest::collection::vec(0u64..5_000, 1..25),
        pushbacks in proptest::collection::vec(proptest::option::of(0u64..5_000), 25),
        seed in any::<u64>(),
    ) {
        let limit = Duration::from_millis(limit_ms);
        let strategy = Strategy::full_jitter(Duration::from_millis(10), Duration::from_secs(3)).unwrap();
        let p = RetryPolicy::new(strategy).with_max_attempts(max_attempts).unwrap().with_max_elapsed(limit);
        let mut s = p.schedule(SplitMix64::new(seed));
        let first = Duration::from_millis(start_ms);
        let mut now = first;
        for (i, gap) in gaps.iter().enumerate() {
            let push = pushbacks[i].map(Duration::from_millis);
            match s.on_failure(now, push) {
                Decision::RetryAfter(d) => {
                    prop_assert!((i as u32) + 1 < max_attempts);
                    prop_assert!(now + d <= first + limit, "sleep ends past the deadline");
                    prop_assert!(now < first + limit);
                    if let Some(pb) = push {
                        prop_assert_eq!(d, pb);
                    } else {
                        prop_assert!(d <= Duration::from_secs(3));
                    }
                    // The operation itself takes `gap` after the sleep.
                    now += d + Duration::from_millis(*gap);
                }
                Decision::GiveUp(StopReason::AttemptsExhausted { attempts }) => {
                    prop_assert_eq!(attempts, i as u32 + 1);
                    prop_assert_eq!(attempts, max_attempts);
                    break;
                }
                Decision::GiveUp(StopReason::DeadlineReached { elapsed, .. }) => {
                    prop_assert_eq!(elapsed, now - first);
                    prop_assert!(now >= first + limit);
                    break;
                }
                Decision::GiveUp(StopReason::DelayPastDeadline { delay, remaining }) => {
                    prop_assert_eq!(push, None);
                    prop_assert_eq!(remaining, first + limit - now);
                    prop_assert!(delay > remaining);
                    prop_assert!(delay <= Duration::from_secs(3));
                    break;
                }
                Decision::GiveUp(StopReason::PushbackPastDeadline { requested, remaining }) => {
                    prop_assert_eq!(Some(requested), push);
                    prop_assert_eq!(remaining, first + limit - now);
                    prop_assert!(requested > remaining);
                    break;
                }
                Decision::GiveUp(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}

/// A shared wait (`on_failure_not_before`) is a floor under the policy's own delay: the
/// backoff goes on from where it was, and each limit gives up with its own reason.
#[test]
fn not_before_adds_the_policy_delay_to_the_floor_and_keeps_every_limit() {
    let mut s = policy(10, None).schedule(SplitMix64::new(0));
    assert_eq!(s.on_failure(secs(0), None), Decision::RetryAfter(secs(1)));
    assert_eq!(
        s.on_failure_not_before(secs(1), secs(30)),
        Decision::RetryAfter(secs(32))
    );
    // Not reset, unlike after a server pushback: the next delay is 4 s.
    assert_eq!(s.on_failure(secs(33), None), Decision::RetryAfter(secs(4)));
    assert_eq!(s.failures(), 3);
    // A floor as long as the maximum pushback is accepted; one nanosecond more is not.
    let max = RetryPolicy::new(Strategy::constant(secs(1)).unwrap())
        .with_max_attempts(10)
        .unwrap()
        .with_max_pushback(secs(5));
    let mut s = max.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure_not_before(secs(0), secs(5)),
        Decision::RetryAfter(secs(6))
    );
    let over = secs(5) + Duration::from_nanos(1);
    assert_eq!(
        s.on_failure_not_before(secs(6), over),
        Decision::GiveUp(StopReason::PushbackTooLong {
            requested: over,
            max: secs(5)
        })
    );
    // Against a 10 s deadline: the floor alone past it, the sum past it, the sum exactly at
    // it (allowed: it ends at the deadline without being aimed there), and no time left.
    let deadline = policy(10, Some(secs(10)));
    let mut s = deadline.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure_not_before(secs(0), secs(11)),
        Decision::GiveUp(StopReason::PushbackPastDeadline {
            requested: secs(11),
            remaining: secs(10)
        })
    );
    let mut s = deadline.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure_not_before(secs(0), secs(10)),
        Decision::GiveUp(StopReason::DelayPastDeadline {
            delay: secs(11),
            remaining: secs(10)
        })
    );
    let mut s = deadline.schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure_not_before(secs(0), secs(9)),
        Decision::RetryAfter(secs(10))
    );
    assert_eq!(
        s.on_failure_not_before(secs(10), secs(0)),
        Decision::GiveUp(StopReason::DeadlineReached {
            elapsed: secs(10),
            max_elapsed: secs(10)
        })
    );
    // The attempt limit comes first; a floor near the end of the range saturates.
    let mut s = policy(2, None)
        .with_max_pushback(Duration::MAX)
        .schedule(SplitMix64::new(0));
    assert_eq!(
        s.on_failure_not_before(secs(0), Duration::MAX),
        Decision::RetryAfter(Duration::MAX)
    );
    assert_eq!(
        s.on_failure_not_before(secs(1), secs(1)),
        Decision::GiveUp(StopReason::AttemptsExhausted { attempts: 2 })
    );
}
