//! The breaker against a plain sequential model of Resilience4j's rules: random calls,
//! outcomes, durations, clock advances and several permits held at once.
//!
//! The model is written from Resilience4j's documented behaviour (`CircuitBreaker`
//! documentation, `CircuitBreakerConfig`, `CircuitBreakerStateMachine`), not from the
//! implementation:
//! - closed: outcomes in a count- or time-based window; nothing decided below
//!   `minimumNumberOfCalls` (clamped to a count-based window's size); open when the
//!   failure or slow-call rate is at or above its threshold;
//! - open: calls rejected until the wait has strictly passed; the first call then moves to
//!   half-open and is its first trial;
//! - half-open: exactly `permittedNumberOfCallsInHalfOpenState` trial calls; the trial is
//!   evaluated once `min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)`
//!   calls completed, with the same thresholds: open or close (closing starts an empty
//!   window); `maxWaitDurationInHalfOpenState` moves it to open at the limit;
//! - metrics: an open state entered from half-open keeps the half-open (trial) metrics;
//! - an outcome of a call permitted before a transition no longer counts;
//! - transitions by hand (`transitionTo…State`) leave any state; closed and the special
//!   states start with empty metrics; `DISABLED` permits and records nothing,
//!   `FORCED_OPEN` rejects everything, `METRICS_ONLY` permits and records but never
//!   transitions; `reset` is closed with empty metrics and no rejected calls;
//! - `automaticTransitionFromOpenToHalfOpenEnabled`: open moves to half-open when the
//!   wait has passed, as if a timer fired then, without a call.

use core::time::Duration;
use std::collections::VecDeque;

use proptest::prelude::*;
use ward_backoff::breaker::{BreakerConfig, CircuitBreaker, Outcome, Permit, SlidingWindow, State};
use ward_backoff::{Clock, ManualClock};

const SLOW: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
struct Params {
    count_based: bool,
    size: u32,
    minimum: u32,
    failure_pct: f32,
    slow_pct: f32,
    permits: u32,
    wait_ms: u64,
    backoff: bool,
    max_half_open_ms: Option<u64>,
    automatic: bool,
}

impl Params {
    fn config(&self) -> BreakerConfig {
        let window = if self.count_based {
            SlidingWindow::CountBased(self.size)
        } else {
            SlidingWindow::TimeBased(self.size)
        };
        let mut b = BreakerConfig::builder()
            .sliding_window(window)
            .minimum_calls(self.minimum)
            .failure_rate_threshold(self.failure_pct)
            .slow_call_rate_threshold(self.slow_pct)
            .slow_call_duration(SLOW)
            .half_open_permits(self.permits);
        b = if self.backoff {
            let s = ward_backoff::Strategy::exponential(
                Duration::from_millis(self.wait_ms),
                Duration::from_millis(self.wait_ms * 4),
            )
            .unwrap();
            b.wait_in_open_backoff(s)
        } else {
            b.wait_in_open(Duration::from_millis(self.wait_ms))
        };
        if let Some(m) = self.max_half_open_ms {
            b = b.max_wait_in_half_open(Duration::from_millis(m));
        }
        b.automatic_half_open(self.automatic).build().unwrap()
    }

    fn open_wait(&self, consecutive: u64) -> u64 {
        let base = self.wait_ms * 1_000_000;
        if self.backoff {
            (base << consecutive.min(10)).min(base * 4)
        } else {
            base
        }
    }
}

/// The rules, written as plainly as possible.
#[derive(Debug)]
struct Model {
    p: Params,
    state: State,
    epoch: u64,
    /// Count-based: the last outcomes. Time-based: (second, failed, slow).
    window: VecDeque<(u64, bool, bool)>,
    trial: (u64, u64, u64),
    issued: u64,
    open_until: u64,
    half_open_until: u64,
    consecutive_opens: u64,
    rejected: u64,
    /// Whether the current open state was entered from half-open (its metrics are the
    /// trial's).
    open_from_half_open: bool,
}

#[derive(Debug, Clone, Copy)]
struct Ticket {
    state: State,
    epoch: u64,
}

impl Model {
    fn new(p: Params) -> Self {
        Model {
            p,
            state: State::Closed,
            epoch: 0,
            window: VecDeque::new(),
            trial: (0, 0, 0),
            issued: 0,
            open_until: 0,
            half_open_until: u64::MAX,
            consecutive_opens: 0,
            rejected: 0,
            open_from_half_open: false,
        }
    }

    /// `min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)`.
    fn half_open_minimum(&self) -> u64 {
        u64::from(self.p.minimum.min(self.p.permits))
    }

    /// `maxWaitDurationInHalfOpenState`: at the limit the breaker moves to open, as if a
    /// timer fired then.
    fn tick(&mut self, now: u64) {
        loop {
            if self.p.automatic && self.state == State::Open && now > self.open_until {
                let at = self.open_until;
                self.go(State::HalfOpen, at);
            } else if self.state == State::HalfOpen && now > self.half_open_until {
                let at = self.half_open_until;
                self.go(State::Open, at);
            } else {
                return;
            }
        }
    }

    /// A transition by hand (`None`: `reset`).
    fn by_hand(&mut self, to: Option<State>, now: u64) {
        match to {
            Some(to) => self.go(to, now),
            None => {
                self.go(State::Closed, now);
                self.rejected = 0;
            }
        }
    }

    /// The counts the metrics report.
    fn shown(&mut self, now: u64) -> (u64, u64, u64) {
        match self.state {
            State::HalfOpen => self.trial,
            State::Open if self.open_from_half_open => self.trial,
            _ => self.counts(now),
        }
    }

    fn minimum(&self) -> u64 {
        if self.p.count_based {
            u64::from(self.p.minimum.min(self.p.size))
        } else {
            u64::from(self.p.minimum)
        }
    }

    fn exceeded(&self, calls: u64, failed: u64, slow: u64) -> bool {
        calls > 0
            && (failed as f64 * 100.0 >= f64::from(self.p.failure_pct) * calls as f64 - 1e-9
                || slow as f64 * 100.0 >= f64::from(self.p.slow_pct) * calls as f64 - 1e-9)
    }

    fn expire(&mut self, now: u64) {
        if !self.p.count_based {
            let sec = now / 1_000_000_000;
            let size = u64::from(self.p.size);
            self.window.retain(|&(s, _, _)| s + size > sec);
        }
    }

    fn counts(&mut self, now: u64) -> (u64, u64, u64) {
        self.expire(now);
        let f = self.window.iter().filter(|e| e.1).count() as u64;
        let s = self.window.iter().filter(|e| e.2).count() as u64;
        (self.window.len() as u64, f, s)
    }

    fn go(&mut self, to: State, now: u64) {
        self.open_from_half_open = self.state == State::HalfOpen && to == State::Open;
        self.epoch += 1;
        self.state = to;
        self.issued = 0;
        match to {
            State::Open => {
                self.open_until = now + self.p.open_wait(self.consecutive_opens);
                self.consecutive_opens += 1;
            }
            State::Closed => {
                self.window.clear();
                self.consecutive_opens = 0;
            }
            State::HalfOpen => {
                self.trial = (0, 0, 0);
                self.half_open_until = self
                    .p
                    .max_half_open_ms
                    .map_or(u64::MAX, |m| now + m * 1_000_000);
            }
            State::Disabled | State::ForcedOpen | State::MetricsOnly => self.window.clear(),
        }
    }

    fn acquire(&mut self, now: u64) -> Option<Ticket> {
        self.tick(now);
        match self.state {
            State::Closed | State::Disabled | State::MetricsOnly => Some(Ticket {
                state: self.state,
                epoch: self.epoch,
            }),
            State::ForcedOpen => {
                self.rejected += 1;
                None
            }
            State::Open => {
                if now > self.open_until {
                    self.go(State::HalfOpen, now);
                    self.issued = 1;
                    return Some(Ticket {
                        state: State::HalfOpen,
                        epoch: self.epoch,
                    });
                }
                self.rejected += 1;
                None
            }
            State::HalfOpen => {
                if self.issued >= u64::from(self.p.permits) {
                    self.rejected += 1;
                    return None;
                }
                self.issued += 1;
                Some(Ticket {
                    state: State::HalfOpen,
                    epoch: self.epoch,
                })
            }
        }
    }

    fn record(&mut self, t: Ticket, outcome: Outcome, slow: bool, now: u64) {
        if outcome != Outcome::Ignored {
            self.tick(now);
        }
        let current = t.epoch == self.epoch && t.state == self.state;
        if !current {
            return;
        }
        let failed = match outcome {
            Outcome::Ignored => {
                if t.state == State::HalfOpen {
                    self.issued -= 1;
                }
                return;
            }
            Outcome::Failure => true,
            Outcome::Success => false,
        };
        match t.state {
            State::Closed => {
                self.expire(now);
                self.window.push_back((now / 1_000_000_000, failed, slow));
                if self.p.count_based && self.window.len() > self.p.size as usize {
                    self.window.pop_front();
                }
                let (c, f, s) = self.counts(now);
                if c >= self.minimum() && self.exceeded(c, f, s) {
                    self.go(State::Open, now);
                }
            }
            State::MetricsOnly => {
                self.expire(now);
                self.window.push_back((now / 1_000_000_000, failed, slow));
                if self.p.count_based && self.window.len() > self.p.size as usize {
                    self.window.pop_front();
                }
            }
            State::HalfOpen => {
                self.trial.0 += 1;
                self.trial.1 += u64::from(failed);
                self.trial.2 += u64::from(slow);
                let (c, f, s) = self.trial;
                if c >= self.half_open_minimum() {
                    let to = if self.exceeded(c, f, s) {
                        State::Open
                    } else {
                        State::Closed
                    };
                    self.go(to, now);
                }
            }
            State::Disabled => {}
            State::Open | State::ForcedOpen => unreachable!("no permit is issued there"),
        }
    }

    fn release(&mut self, t: Ticket) {
        self.record(t, Outcome::Ignored, false, 0);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Acquire,
    Record(usize, Outcome, bool),
    Drop(usize),
    Advance(u64),
    /// A transition by hand; `None` is `reset`.
    ByHand(Option<State>),
}

fn op() -> impl Strategy<Value = Op> {
    let outcome = prop_oneof![
        4 => Just(Outcome::Success),
        4 => Just(Outcome::Failure),
        1 => Just(Outcome::Ignored),
    ];
    prop_oneof![
        4 => Just(Op::Acquire),
        4 => (any::<usize>(), outcome, any::<bool>()).prop_map(|(i, o, s)| Op::Record(i, o, s)),
        1 => any::<usize>().prop_map(Op::Drop),
        2 => prop_oneof![0u64..5, 0u64..3000].prop_map(Op::Advance),
        1 => proptest::option::of(prop::sample::select(vec![
            State::Closed,
            State::Open,
            State::HalfOpen,
            State::Disabled,
            State::ForcedOpen,
            State::MetricsOnly,
        ]))
        .prop_map(Op::ByHand),
    ]
}

fn params() -> impl Strategy<Value = Params> {
    (
        any::<bool>(),
        1u32..8,
        1u32..8,
        prop::sample::select(vec![25.0f32, 50.0, 60.0, 100.0]),
        prop::sample::select(vec![50.0f32, 100.0]),
        1u32..5,
        1u64..2000,
        any::<bool>(),
        proptest::option::of(1u64..3000),
        any::<bool>(),
    )
        .prop_map(
            |(
                count_based,
                size,
                minimum,
                failure_pct,
                slow_pct,
                permits,
                wait_ms,
                backoff,
                max_half_open_ms,
                automatic,
            )| Params {
                count_based,
                size,
                minimum,
                failure_pct,
                slow_pct,
                permits,
                wait_ms,
                backoff,
                max_half_open_ms,
                automatic,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn prop_breaker_agrees_with_the_sequential_model(p in params(), ops in proptest::collection::vec(op(), 1..150)) {
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::new(p.config(), &clock);
        let mut model = Model::new(p);
        let mut held: Vec<(Permit<'_, &ManualClock>, Ticket)> = Vec::new();
        for op in ops {
            let now = clock.now().as_nanos() as u64;
            match op {
                Op::Acquire => {
                    let got = breaker.try_acquire();
                    let want = model.acquire(now);
                    prop_assert_eq!(got.is_ok(), want.is_some(), "acquire in {:?}", model.state);
                    if let (Ok(permit), Some(t)) = (got, want) {
                        if held.len() < 8 {
                            held.push((permit, t));
                        } else {
                            permit.record(Outcome::Success, Duration::ZERO);
                            model.record(t, Outcome::Success, false, now);
                        }
                    }
                }
                Op::Record(i, outcome, slow) => {
                    if !held.is_empty() {
                        let (permit, t) = held.remove(i % held.len());
                        let d = if slow { SLOW } else { SLOW - Duration::from_nanos(1) };
                        permit.record(outcome, d);
                        model.record(t, outcome, slow, now);
                    }
                }
                Op::Drop(i) => {
                    if !held.is_empty() {
                        let (permit, t) = held.remove(i % held.len());
                        drop(permit);
                        model.release(t);
                    }
                }
                Op::Advance(ms) => clock.advance(Duration::from_millis(ms)),
                Op::ByHand(to) => {
                    model.tick(now);
                    match to {
                        Some(State::Closed) => breaker.transition_to_closed(),
                        Some(State::Open) => breaker.transition_to_open(),
                        Some(State::HalfOpen) => breaker.transition_to_half_open(),
                        Some(State::Disabled) => breaker.transition_to_disabled(),
                        Some(State::ForcedOpen) => breaker.transition_to_forced_open(),
                        Some(State::MetricsOnly) => breaker.transition_to_metrics_only(),
                        None => breaker.reset(),
                    }
                    model.by_hand(to, now);
                }
            }
            let now = clock.now().as_nanos() as u64;
            model.tick(now);
            prop_assert_eq!(breaker.state(), model.state);
            let m = breaker.metrics();
            prop_assert_eq!(m.rejected_calls, model.rejected);
            let (c, f, s) = model.shown(now);
            prop_assert_eq!((m.calls, m.failed_calls, m.slow_calls), (c, f, s), "counts in {:?}", model.state);
        }
    }
}
