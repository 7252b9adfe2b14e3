//! The circuit breaker driven by arbitrary configurations and call sequences on a manual
//! clock.
//!
//! Any configuration either builds or is refused with an error; a built breaker never
//! panics and keeps Resilience4j's invariants after every step: only the transitions
//! closed → open → half-open → (open | closed) happen; an open state entered by a recorded
//! outcome refuses every call until its wait has passed; half-open grants at most its
//! permitted trial calls; counts never exceed the window (count-based) and failures and
//! slow calls never exceed calls; every refusal is counted once. The full sequential model
//! of the rules is the crate's `breaker_model` property test; this target reaches the inputs
//! that test's generator does not (any sizes, thresholds and waits).
#![no_main]

use core::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, SlidingWindow, State};
use ward_backoff::{Clock, ManualClock};

const SLOW: Duration = Duration::from_millis(100);

#[derive(Debug, Arbitrary)]
struct Config {
    count_based: bool,
    size: u8,
    minimum: u8,
    failure_pct: u8,
    slow_pct: u8,
    permits: u8,
    wait_ms: u16,
    max_half_open_ms: Option<u16>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Acquire,
    Record {
        which: u8,
        failed: bool,
        ignored: bool,
        slow: bool,
    },
    Drop {
        which: u8,
    },
    Advance {
        ms: u16,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    config: Config,
    ops: Vec<Op>,
}

fn build(c: &Config) -> Option<BreakerConfig> {
    let window = if c.count_based {
        SlidingWindow::CountBased(u32::from(c.size))
    } else {
        SlidingWindow::TimeBased(u32::from(c.size))
    };
    let mut b = BreakerConfig::builder()
        .sliding_window(window)
        .minimum_calls(u32::from(c.minimum))
        .failure_rate_threshold(f32::from(c.failure_pct))
        .slow_call_rate_threshold(f32::from(c.slow_pct))
        .slow_call_duration(SLOW)
        .half_open_permits(u32::from(c.permits))
        .wait_in_open(Duration::from_millis(u64::from(c.wait_ms)));
    if let Some(m) = c.max_half_open_ms {
        b = b.max_wait_in_half_open(Duration::from_millis(u64::from(m)));
    }
    // Nonsense (a zero window, a threshold above 100 %) must be an error, never a panic.
    b.build().ok()
}

fn legal(from: State, to: State) -> bool {
    matches!(
        (from, to),
        (State::Closed, State::Open)
            | (State::Open, State::HalfOpen)
            | (State::HalfOpen, State::Open | State::Closed)
    ) || from == to
}

fn ns(clock: &ManualClock) -> u128 {
    clock.now().as_nanos()
}

fuzz_target!(|input: Input| {
    let Some(config) = build(&input.config) else {
        return;
    };
    let wait = u128::from(input.config.wait_ms) * 1_000_000;
    let clock = ManualClock::new();
    let breaker = CircuitBreaker::new(config, &clock);
    let mut held = Vec::new();
    let mut state = breaker.state();
    assert_eq!(state, State::Closed);
    // When the current open state began, if a recorded outcome opened it at a known time.
    let mut opened_at: Option<u128> = None;
    // Trial permissions used in the current half-open episode: a trial whose outcome is
    // ignored, or whose permit is dropped unused, gives its permission back, as
    // Resilience4j's `releasePermission` does.
    let mut trials_granted = 0_u32;
    let mut episode = 0_u64;
    let mut refused = 0_u64;

    for op in input.ops.into_iter().take(400) {
        let mut before = state;
        let mut recorded = false;
        match op {
            Op::Acquire => match breaker.try_acquire() {
                Ok(permit) => {
                    if let Some(at) = opened_at {
                        assert!(
                            ns(&clock) >= at + wait,
                            "a call was let through {} ns into a {wait} ns open wait",
                            ns(&clock) - at
                        );
                    }
                    // Observe the state the permit was granted in before anything records.
                    let granted_in = breaker.state();
                    assert!(legal(before, granted_in), "{before:?} -> {granted_in:?}");
                    let mut trial = None;
                    if granted_in == State::HalfOpen {
                        if before != State::HalfOpen {
                            trials_granted = 0;
                            episode += 1;
                        }
                        trials_granted += 1;
                        trial = Some(episode);
                    }
                    if granted_in != before {
                        opened_at = None;
                    }
                    before = granted_in;
                    if held.len() < 16 {
                        held.push((permit, trial));
                    } else {
                        permit.record(Outcome::Success, Duration::ZERO);
                        recorded = true;
                    }
                }
                Err(_) => refused += 1,
            },
            Op::Record {
                which,
                failed,
                ignored,
                slow,
            } => {
                if !held.is_empty() {
                    let (permit, trial) = held.remove(usize::from(which) % held.len());
                    if ignored {
                        if trial == Some(episode) && before == State::HalfOpen {
                            trials_granted -= 1;
                        }
                    }
                    let outcome = if ignored {
                        Outcome::Ignored
                    } else if failed {
                        Outcome::Failure
                    } else {
                        Outcome::Success
                    };
                    let d = if slow {
                        SLOW
                    } else {
                        SLOW - Duration::from_nanos(1)
                    };
                    permit.record(outcome, d);
                    recorded = true;
                }
            }
            Op::Drop { which } => {
                if !held.is_empty() {
                    let (permit, trial) = held.remove(usize::from(which) % held.len());
                    if trial == Some(episode) && before == State::HalfOpen {
                        trials_granted -= 1;
                    }
                    drop(permit);
                    recorded = true;
                }
            }
            Op::Advance { ms } => clock.advance(Duration::from_millis(u64::from(ms))),
        }

        let now_state = breaker.state();
        assert!(legal(before, now_state), "{before:?} -> {now_state:?}");
        if now_state != before {
            opened_at = (now_state == State::Open && recorded).then(|| ns(&clock));
            if now_state != State::HalfOpen {
                trials_granted = 0;
            }
        }
        if now_state == State::HalfOpen {
            assert!(
                trials_granted <= u32::from(input.config.permits),
                "{trials_granted} trial calls granted with {} permitted",
                input.config.permits
            );
        }
        state = now_state;

        let m = breaker.metrics();
        assert_eq!(m.state, now_state);
        assert!(
            m.failed_calls <= m.calls && m.slow_calls <= m.calls,
            "{m:?}"
        );
        if input.config.count_based && now_state == State::Closed {
            assert!(m.calls <= u64::from(input.config.size), "{m:?}");
        }
        assert_eq!(m.rejected_calls, refused, "refusals counted");
    }
});
