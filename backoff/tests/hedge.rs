//! Hedged requests on a paused tokio clock: when copies go out, who wins, what the budget
//! is charged, and what is cancelled.
#![cfg(feature = "tokio")]

use core::time::Duration;
use std::cell::RefCell;
use std::rc::Rc;

use tokio::time::Instant;
use ward_backoff::budget::{NoBudget, RetryQuota};
use ward_backoff::{Action, ConfigError, Hedge, HedgeError};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f)
}

/// Records when each attempt started and whether it ran to its end or was dropped.
#[derive(Default)]
struct Log {
    started: Vec<(u32, Duration)>,
    finished: Vec<u32>,
    dropped: Vec<u32>,
}

struct Guard(Rc<RefCell<Log>>, u32, bool);
impl Drop for Guard {
    fn drop(&mut self) {
        if !self.2 {
            self.0.borrow_mut().dropped.push(self.1);
        }
    }
}

/// An attempt that takes `took[attempt]` and then returns `result(attempt)`.
async fn attempt(
    log: Rc<RefCell<Log>>,
    start: Instant,
    n: u32,
    took: u64,
    result: Result<u32, u32>,
) -> Result<u32, u32> {
    log.borrow_mut().started.push((n, start.elapsed()));
    let mut guard = Guard(Rc::clone(&log), n, false);
    tokio::time::sleep(ms(took)).await;
    guard.2 = true;
    log.borrow_mut().finished.push(n);
    result
}

#[test]
fn a_slow_first_attempt_is_hedged_after_the_delay_and_the_hedge_wins() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let quota = RetryQuota::default();
        let start = Instant::now();
        let hedge = Hedge::new(ms(50), 3).unwrap();
        let out = hedge
            .run_tokio(
                &quota,
                |n| {
                    attempt(
                        Rc::clone(&log),
                        start,
                        n,
                        if n == 0 { 1000 } else { 10 },
                        Ok(n),
                    )
                },
                |_| Action::Retry,
            )
            .await;
        assert_eq!(out, Ok(1));
        assert_eq!(start.elapsed(), ms(60));
        let log = log.borrow();
        assert_eq!(log.started, [(0, ms(0)), (1, ms(50))]);
        assert_eq!(log.dropped, [0], "the slow first attempt is cancelled");
        // One copy charged 5 tokens; the winning copy's success refunds them (AWS rules).
        assert_eq!(quota.available(), 500);
    });
}

#[test]
fn an_answer_before_the_delay_sends_no_copy_and_charges_nothing() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let quota = RetryQuota::default();
        let start = Instant::now();
        let out = Hedge::new(ms(50), 3)
            .unwrap()
            .run_tokio(
                &quota,
                |n| attempt(Rc::clone(&log), start, n, 49, Ok(n)),
                |_| Action::Retry,
            )
            .await;
        assert_eq!(out, Ok(0));
        assert_eq!(log.borrow().started.len(), 1);
        assert_eq!(quota.available(), 500);
    });
}

#[test]
fn copies_go_out_every_delay_up_to_the_limit_and_the_first_to_finish_wins() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        // Attempt n takes 1000 - 400 n ms: 0 ends at 1000, 1 at 50 + 600, 2 at 100 + 200.
        let out = Hedge::new(ms(50), 3)
            .unwrap()
            .run_tokio(
                NoBudget,
                |n| attempt(Rc::clone(&log), start, n, 1000 - 400 * u64::from(n), Ok(n)),
                |_| Action::Retry,
            )
            .await;
        assert_eq!(out, Ok(2));
        assert_eq!(start.elapsed(), ms(300));
        let log = log.borrow();
        assert_eq!(log.started, [(0, ms(0)), (1, ms(50)), (2, ms(100))]);
        let mut dropped = log.dropped.clone();
        dropped.sort_unstable();
        assert_eq!(dropped, [0, 1]);
    });
}

#[test]
fn a_non_fatal_failure_sends_the_next_copy_at_once() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        let out = Hedge::new(ms(50), 3)
            .unwrap()
            .run_tokio(
                NoBudget,
                |n| {
                    let r = if n == 0 { Err(503) } else { Ok(n) };
                    attempt(Rc::clone(&log), start, n, if n == 0 { 5 } else { 100 }, r)
                },
                |_| Action::Retry,
            )
            .await;
        assert_eq!(out, Ok(1));
        let log = log.borrow();
        assert_eq!(log.started[1], (1, ms(5)), "not at 50 ms");
        // Copy 2 was sent 50 ms after copy 1, and cancelled when copy 1 won at 105 ms.
        assert_eq!(log.started[2], (2, ms(55)));
        assert_eq!(log.dropped, [2]);
    });
}

#[test]
fn a_fatal_error_cancels_every_other_attempt() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        let out = Hedge::new(ms(10), 4)
            .unwrap()
            .run_tokio(
                NoBudget,
                |n| {
                    let r = if n == 1 { Err(404) } else { Ok(n) };
                    attempt(Rc::clone(&log), start, n, if n == 1 { 5 } else { 100 }, r)
                },
                |e| {
                    if *e == 404 {
                        Action::GiveUp
                    } else {
                        Action::Retry
                    }
                },
            )
            .await;
        assert_eq!(
            out,
            Err(HedgeError::GaveUp {
                attempts: 2,
                error: 404
            })
        );
        assert_eq!(start.elapsed(), ms(15));
        assert_eq!(log.borrow().dropped, [0]);
    });
}

#[test]
fn every_attempt_failing_returns_the_last_error_with_the_count() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        let out = Hedge::new(ms(10), 3)
            .unwrap()
            .run_tokio(
                NoBudget,
                |n| attempt(Rc::clone(&log), start, n, 30, Err(500 + n)),
                |_| Action::Retry,
            )
            .await;
        assert_eq!(
            out,
            Err(HedgeError::Failed {
                attempts: 3,
                error: 502
            })
        );
        assert_eq!(start.elapsed(), ms(50), "the last copy went out at 20 ms");
    });
}

/// The budget is charged for each copy, and a refusal stops the hedging while the
/// attempts in flight carry on.
#[test]
fn each_copy_is_charged_and_an_exhausted_budget_stops_hedging() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        // 10 tokens at 5 each: two copies, not three.
        let quota = RetryQuota::new(10, 5, 10).unwrap();
        let out = Hedge::new(ms(10), 5)
            .unwrap()
            .run_tokio(
                &quota,
                |n| attempt(Rc::clone(&log), start, n, 1000, Ok(n)),
                |_| Action::Retry,
            )
            .await;
        assert_eq!(out, Ok(0), "the first attempt finishes first");
        assert_eq!(log.borrow().started.len(), 3);
        // The cancelled copies keep their 10 tokens; the first attempt's success adds the
        // 1-token reward.
        assert_eq!(quota.available(), 1);
    });
}

/// A copy a circuit breaker refused was never sent: it costs the budget nothing and
/// sends no copy at once (it would be refused too), while the copies in flight carry on;
/// a refusal by a breaker forced open is fatal, as a permanent error is. Both used to be
/// charged, and a forced-open refusal sent every remaining copy at once.
#[test]
fn regression_hedge_does_not_charge_copies_a_breaker_refused() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        let quota = RetryQuota::default();
        // Copy 1 is refused at once (code 1); copy 0 answers at 25 ms; copy 2 is sent by
        // the timer at 20 ms and cancelled.
        let out = Hedge::new(ms(10), 3)
            .unwrap()
            .run_tokio(
                &quota,
                |n| {
                    let (took, r) = if n == 1 { (0, Err(1)) } else { (25, Ok(n)) };
                    attempt(Rc::clone(&log), start, n, took, r)
                },
                |e| match *e {
                    1 => Action::RetryUnsent(ms(30)),
                    _ => Action::Retry,
                },
            )
            .await;
        assert_eq!(out, Ok(0));
        let started: Vec<_> = log.borrow().started.clone();
        assert_eq!(started, [(0, ms(0)), (1, ms(10)), (2, ms(20))]);
        // Copy 1's 5 tokens came back; copy 2 keeps its 5; the success adds 1.
        assert_eq!(quota.available(), 496);

        let quota = RetryQuota::default();
        let sent = Rc::new(RefCell::new(0));
        let out = Hedge::new(ms(10), 4)
            .unwrap()
            .run_tokio(
                &quota,
                |n| {
                    *sent.borrow_mut() += 1;
                    async move { if n == 0 { Err::<u32, u32>(0) } else { Err(2) } }
                },
                |e| match *e {
                    0 => Action::Retry,
                    _ => Action::GiveUpUnsent,
                },
            )
            .await;
        assert_eq!(
            out,
            Err(HedgeError::GaveUp {
                attempts: 2,
                error: 2
            })
        );
        assert_eq!(*sent.borrow(), 2, "no copy after the forced-open refusal");
        assert_eq!(
            quota.available(),
            500,
            "the refused copy's tokens came back"
        );
    });
}

/// Dropping the hedged request drops every attempt in flight.
#[test]
fn a_dropped_request_cancels_its_attempts() {
    paused(async {
        let log = Rc::new(RefCell::new(Log::default()));
        let start = Instant::now();
        let hedge = Hedge::new(ms(10), 3).unwrap();
        let run = hedge.run_tokio(
            NoBudget,
            |n| attempt(Rc::clone(&log), start, n, 1000, Ok(n)),
            |_| Action::Retry,
        );
        let out = tokio::time::timeout(ms(25), run).await;
        assert!(out.is_err());
        let mut dropped = log.borrow().dropped.clone();
        dropped.sort_unstable();
        assert_eq!(dropped, [0, 1, 2]);
    });
}

#[test]
fn hedge_configuration_is_validated() {
    assert_eq!(
        Hedge::new(Duration::ZERO, 2),
        Err(ConfigError::ZeroHedgeDelay)
    );
    for bad in [0, 1, 17] {
        assert_eq!(
            Hedge::new(ms(1), bad),
            Err(ConfigError::HedgeAttemptsOutOfRange {
                attempts: bad,
                max: 16
            })
        );
    }
    let h = Hedge::new(ms(7), 16).unwrap();
    assert_eq!((h.delay(), h.max_attempts()), (ms(7), 16));
}
