//! Memory over a million transitions. Alone in its test binary, so no other test's
//! threads or allocations move the resident size it measures.

use core::time::Duration;
use std::sync::atomic::{AtomicUsize, Ordering};

use ward_backoff::ManualClock;
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};

#[cfg(target_os = "linux")]
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Transitions swap a word; they allocate nothing, so nothing can leak.
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_flat_over_a_million_transitions() {
    let clock = ManualClock::new();
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(1))
        .minimum_calls(1)
        .half_open_permits(1)
        .wait_in_open(Duration::from_nanos(1))
        .build()
        .unwrap();
    let transitions = AtomicUsize::new(0);
    let b = CircuitBreaker::new(config, &clock).with_observer(|_t| {
        transitions.fetch_add(1, Ordering::Relaxed);
    });
    let cycle = || {
        b.try_acquire()
            .unwrap()
            .record(Outcome::Failure, Duration::ZERO); // closed → open
        clock.advance(Duration::from_nanos(2));
        let trial = b.try_acquire().unwrap(); // open → half-open
        trial.record(Outcome::Success, Duration::ZERO); // half-open → closed
    };
    for _ in 0..1_000 {
        cycle();
    }
    let before = resident_kib();
    while transitions.load(Ordering::Relaxed) < 1_000_000 {
        cycle();
    }
    let after = resident_kib();
    assert_eq!(b.state(), State::Closed);
    assert!(
        after <= before + 1024,
        "resident memory grew from {before} KiB to {after} KiB"
    );
}
