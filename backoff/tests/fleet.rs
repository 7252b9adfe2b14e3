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
