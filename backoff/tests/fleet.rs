//! A deterministic fleet: 1,000 clients that failed together retry under one policy.

use core::time::Duration;

use ward_backoff::{Decision, RetryPolicy, SplitMix64, Strategy};

/// The retry times (since the common first failure) of `clients` clients whose every
/// attempt fails at once, each client seeded apart.
fn retry_times(policy: RetryPolicy, clients: u64) -> Vec<Duration> {
    let mut times = Vec::new();
    for client in 0..clients {
        let mut schedule = policy.schedule(SplitMix64::new(client));
        let mut now = Duration::ZERO;
        while let Decision::RetryAfter(d) = schedule.on_failure(now, None) {
            now += d;
            times.push(now);
        }
    }
    times
}

/// The largest share of `times` falling in one of `slices` equal slices of `[0, run]`.
fn busiest_slice_share(times: &[Duration], run: Duration, slices: u32) -> f64 {
    let mut counts = vec![0u64; slices as usize];
    for t in times {
        let i = (t.as_nanos() * u128::from(slices) / run.as_nanos()).min(u128::from(slices) - 1);
        counts[i as usize] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(0);
    max as f64 / times.len() as f64
}

/// Issue 19, defect 1: the deadline re-synchronised the herd. The last sleep was cut to
/// end exactly at first failure + `max_elapsed`, so all 1,000 clients retried at t0 + 5 s.
/// With 1,000 clients under full jitter and a 5 s deadline, no 1 % slice of the run may
/// hold more than 5 % of all retries.
#[test]
fn regression_deadline_does_not_resynchronise_the_herd() {
    let run = Duration::from_secs(5);
    let strategy =
        Strategy::full_jitter(Duration::from_millis(500), Duration::from_secs(10)).unwrap();
    let policy = RetryPolicy::new(strategy)
        .with_max_attempts(1_000)
        .unwrap()
        .with_max_elapsed(run);
    let times = retry_times(policy, 1_000);
    assert!(
        times.iter().all(|t| *t <= run),
        "a retry after the deadline"
    );
    let at_deadline = times.iter().filter(|t| **t == run).count();
    let share = busiest_slice_share(&times, run, 100);
    println!(
        "{} retries, {at_deadline} exactly at the deadline, busiest 1 % slice {:.1} %",
        times.len(),
        share * 100.0
    );
    assert!(
        share <= 0.05,
        "busiest 1 % slice holds {:.1} %",
        share * 100.0
    );
}

/// A breaker's open wait re-synchronised the herd: a rejection carrying the remaining
/// open time was retried after exactly that time, so every client behind one open breaker
/// came back at the same instant, onto a half-open breaker that admits a few trial calls.
/// The open wait is a floor: 1,000 clients rejected together retry no earlier than it, and
/// no 1 % slice of the window their policy spreads them over holds more than 5 % of them.
#[test]
fn regression_breaker_open_wait_does_not_resynchronise_retries() {
    use std::cell::Cell;
    use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, SlidingWindow};
    use ward_backoff::{Action, ManualClock, Retrier};

    let wait = Duration::from_secs(5);
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .wait_in_open(wait)
        .build()
        .unwrap();
    let breaker = CircuitBreaker::new(config, ManualClock::new());
    assert!(breaker.call(|| Err::<(), _>("down")).is_err());

    let first_delay = Duration::from_millis(500);
    let strategy = Strategy::full_jitter(first_delay, Duration::from_secs(10)).unwrap();
    let policy = RetryPolicy::new(strategy).with_max_attempts(10).unwrap();
    let mut offsets = Vec::new();
    for client in 0..1_000 {
        let slept = Cell::new(None);
        let out = Retrier::new(policy, ManualClock::new(), client).run_with_sleeper(
            |d| slept.set(Some(d)),
            |attempt| {
                if attempt == 1 {
                    breaker.call(|| Ok::<(), &str>(())).map(|()| 0)
                } else {
                    Ok(attempt)
                }
            },
            |e| e.retry_action(|_| Action::Retry),
        );
        assert_eq!(out.ok(), Some(2));
        let delay = slept.get().expect("one retry");
        assert!(
            delay > wait,
            "client {client} retried after {delay:?}, inside the open wait"
        );
        offsets.push(delay - wait);
    }
    let share = busiest_slice_share(&offsets, first_delay, 100);
    println!(
        "busiest 1 % slice after the open wait: {:.1} %",
        share * 100.0
    );
    assert!(
        share <= 0.05,
        "busiest 1 % slice holds {:.1} %",
        share * 100.0
    );
}
