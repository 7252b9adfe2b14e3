//! Real threads hammering one breaker.

use core::time::Duration;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
use ward_backoff::{ManualClock, RandomSource, SplitMix64};

#[test]
fn stress_trials_never_exceed_the_permits() {
    const PERMITS: u32 = 3;
    let clock = Arc::new(ManualClock::new());
    for window in [SlidingWindow::CountBased(16), SlidingWindow::TimeBased(2)] {
        let config = BreakerConfig::builder()
            .sliding_window(window)
            .minimum_calls(4)
            .failure_rate_threshold(40.0)
            .half_open_permits(PERMITS)
            .wait_in_open(Duration::from_micros(50))
            .build()
            .unwrap();
        let b = Arc::new(CircuitBreaker::new(config, Arc::clone(&clock)));
        let trials = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..4u64)
            .map(|seed| {
                let (b, clock, trials) = (Arc::clone(&b), Arc::clone(&clock), Arc::clone(&trials));
                std::thread::spawn(move || {
                    let mut rng = SplitMix64::new(seed);
                    let mut admitted = 0u32;
                    for _ in 0..20_000 {
                        clock.advance(Duration::from_micros(rng.next_u64() % 20));
                        let Ok(p) = b.try_acquire() else { continue };
                        admitted += 1;
                        let trial = p.state() == State::HalfOpen;
                        if trial {
                            let n = trials.fetch_add(1, Ordering::SeqCst) + 1;
                            assert!(n <= PERMITS as usize, "{n} trial calls at once");
                        }
                        let r = rng.next_u64() % 10;
                        let outcome = match r {
                            0..=3 => Outcome::Failure,
                            4 => Outcome::Ignored,
                            _ => Outcome::Success,
                        };
                        if trial {
                            trials.fetch_sub(1, Ordering::SeqCst);
                        }
                        if r == 9 {
                            drop(p); // released unused
                        } else {
                            p.record(outcome, Duration::from_micros(r));
                        }
                    }
                    admitted
                })
            })
            .collect();
        let admitted: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert!(admitted > 0);
        let m = b.metrics();
        assert!(m.failed_calls <= m.calls && m.slow_calls <= m.calls);
        if let SlidingWindow::CountBased(n) = window {
            assert!(m.calls <= u64::from(n));
        }
        assert!(m.rejected_calls > 0, "the breaker never opened");
    }
}
