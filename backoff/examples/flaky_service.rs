//! Retry with full jitter, a retry budget and a circuit breaker around a flaky dependency.
//!
//! A simulated dependency answers in 20 ms, except during a three-second outage (from
//! 2 s to 5 s) when every call fails after 50 ms. Clients send 200 requests, one every
//! 40 ms, each through a [`Retrier`] (full jitter, 6 attempts, 8 s deadline) around a
//! shared [`CircuitBreaker`]. The same traffic runs twice on tokio's paused clock (no
//! real waiting, the same numbers on every run):
//!
//! - **retry only**: the breaker disabled, no budget; every failing request retries up to
//!   its limit, so the outage multiplies the load on the dependency;
//! - **retry, budget and breaker**: the breaker opens during the outage and fails calls
//!   at once, the retrier waits out its remaining open time instead of guessing
//!   ([`CallError::retry_action`]), and the AWS-style retry quota caps how many retries
//!   the clients add in total.
//!
//! The figures show the trade: the dependency sees a fraction of the calls during the
//! outage. The retries that wait out an open breaker come back spread out when it
//! half-opens (each adds its own jittered delay to the open wait); only its trial permits
//! get through, and the others are rejected again. A rejected call never reached the
//! dependency, so it costs the quota nothing: the quota pays only for retries the
//! dependency saw, which the breaker keeps few enough that no request is refused one,
//! and each request's own policy (6 attempts, 8 s) bounds how long it waits the breaker
//! out.
//!
//! Run with `cargo run -p ward-backoff --features tokio --example flaky_service`.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};
use ward_backoff::breaker::{
    BreakerConfig, CallError, CircuitBreaker, SlidingWindow, State, Transition, TransitionObserver,
};
use ward_backoff::budget::{NoBudget, RetryBudget, RetryQuota};
use ward_backoff::{Action, Retrier, RetryPolicy, StopReason, Strategy, TokioClock};

const REQUESTS: u64 = 200;
const SPACING: Duration = Duration::from_millis(40);
const OUTAGE: (Duration, Duration) = (Duration::from_secs(2), Duration::from_secs(5));

/// A dependency that fails every call made during its outage.
#[derive(Debug)]
struct Dependency {
    start: Instant,
    calls: AtomicU64,
    calls_in_outage: AtomicU64,
}

impl Dependency {
    async fn call(&self) -> Result<&'static str, &'static str> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let now = self.start.elapsed();
        if (OUTAGE.0..OUTAGE.1).contains(&now) {
            self.calls_in_outage.fetch_add(1, Ordering::Relaxed);
            sleep(Duration::from_millis(50)).await;
            Err("503 service unavailable")
        } else {
            sleep(Duration::from_millis(20)).await;
            Ok("200 ok")
        }
    }
}

/// Every breaker transition, in order.
#[derive(Debug, Default)]
struct Log(Mutex<Vec<Transition>>);

impl TransitionObserver for Log {
    fn on_transition(&self, transition: Transition) {
        self.0.lock().expect("log poisoned").push(transition);
    }
}

/// What one run of the traffic did.
#[derive(Debug)]
struct Report {
    calls: u64,
    calls_in_outage: u64,
    rejected: u64,
    succeeded: u64,
    budget_refused: u64,
    other_failures: u64,
    late_failures: u64,
    transitions: Vec<Transition>,
}

async fn traffic<B>(protected: bool, budget: B) -> Result<Report, Box<dyn Error>>
where
    B: RetryBudget + Send + Sync + 'static,
{
    let clock = TokioClock::new();
    let dependency = Arc::new(Dependency {
        start: Instant::now(),
        calls: AtomicU64::new(0),
        calls_in_outage: AtomicU64::new(0),
    });
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(20))
        .minimum_calls(10)
        .failure_rate_threshold(50.0)
        .wait_in_open(Duration::from_millis(500))
        .half_open_permits(3)
        .build()?;
    let breaker = Arc::new(CircuitBreaker::new(config, clock).with_observer(Log::default()));
    if !protected {
        breaker.transition_to_disabled();
    }
    let policy = RetryPolicy::new(Strategy::full_jitter(
        Duration::from_millis(100),
        Duration::from_secs(2),
    )?)
    .with_max_attempts(6)?
    .with_max_elapsed(Duration::from_secs(8));
    // A fixed seed: the same jitter, hence the same figures, on every run.
    let retrier = Arc::new(Retrier::new(policy, clock, 2026).with_budget(budget));

    let mut requests = JoinSet::new();
    for i in 0..REQUESTS {
        let (breaker, dependency, retrier) = (
            Arc::clone(&breaker),
            Arc::clone(&dependency),
            Arc::clone(&retrier),
        );
        let sent_at = SPACING * u32::try_from(i)?;
        requests.spawn(async move {
            sleep(sent_at).await;
            let result = retrier
                .run_tokio(
                    |_attempt| breaker.call_async(dependency.call()),
                    // An open breaker is waited out; a 503 is retried after the backoff.
                    |e: &CallError<&str>| e.retry_action(|_| Action::Retry),
                )
                .await;
            (sent_at, result)
        });
    }

    let mut report = Report {
        calls: 0,
        calls_in_outage: 0,
        rejected: 0,
        succeeded: 0,
        budget_refused: 0,
        other_failures: 0,
        late_failures: 0,
        transitions: Vec::new(),
    };
    while let Some(joined) = requests.join_next().await {
        let (sent_at, result) = joined?;
        match result {
            Ok(_) => report.succeeded += 1,
            Err(e) => {
                if e.reason() == StopReason::BudgetExhausted {
                    report.budget_refused += 1;
                } else {
                    report.other_failures += 1;
                }
                // Sent after the outage (with a second's margin for the breaker's last
                // trial calls): such a request has no reason to fail.
                if sent_at >= OUTAGE.1 + Duration::from_secs(1) {
                    report.late_failures += 1;
                }
            }
        }
    }
    report.calls = dependency.calls.load(Ordering::Relaxed);
    report.calls_in_outage = dependency.calls_in_outage.load(Ordering::Relaxed);
    report.rejected = breaker.metrics().rejected_calls;
    report.transitions = breaker.observer().0.lock().expect("log poisoned").clone();
    Ok(report)
}

fn print(name: &str, r: &Report) {
    println!("{name}:");
    println!(
        "  {REQUESTS} requests, {} calls reached the dependency ({:.2} per request), {} of them during the outage",
        r.calls,
        r.calls as f64 / REQUESTS as f64,
        r.calls_in_outage,
    );
    println!(
        "  {} calls rejected by the breaker without reaching it",
        r.rejected
    );
    println!(
        "  {} requests succeeded, {} stopped by the retry budget, {} failed otherwise",
        r.succeeded, r.budget_refused, r.other_failures
    );
    for t in &r.transitions {
        println!("  breaker {} -> {} at {:.3?}", t.from, t.to, t.at);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()?;

    let bare = runtime.block_on(traffic(false, NoBudget))?;
    print("retry only (breaker disabled, no budget)", &bare);

    // 100 tokens, 5 per retry: at most 20 retries outstanding across every client, each
    // refunded when its retry succeeds.
    let quota = Arc::new(RetryQuota::new(100, 5, 10)?);
    let guarded = runtime.block_on(traffic(true, Arc::clone(&quota)))?;
    print("retry, budget and breaker", &guarded);
    println!("  quota left: {} of 100 tokens", quota.available());

    // Without protection the outage multiplies the calls that hit the dependency.
    assert!(bare.rejected == 0 && bare.budget_refused == 0, "{bare:?}");
    assert!(
        bare.calls_in_outage > 2 * guarded.calls_in_outage,
        "{bare:?} {guarded:?}"
    );
    // The breaker opened during the outage, rejected calls, and closed again after it.
    let opened: Vec<_> = guarded
        .transitions
        .iter()
        .filter(|t| t.to == State::Open)
        .collect();
    assert!(!opened.is_empty(), "the breaker never opened: {guarded:?}");
    assert!(
        opened
            .iter()
            .all(|t| t.at >= OUTAGE.0 && t.at <= OUTAGE.1 + Duration::from_secs(1)),
        "opened outside the outage: {guarded:?}"
    );
    assert_eq!(
        guarded.transitions.last().map(|t| t.to),
        Some(State::Closed),
        "the breaker did not close after the outage: {guarded:?}"
    );
    assert!(guarded.rejected > 0, "{guarded:?}");
    // Rejections cost the quota nothing: the few retries the dependency saw never
    // exhausted it.
    assert_eq!(guarded.budget_refused, 0, "{guarded:?}");
    // Every request sent well after the outage succeeded, in both runs.
    assert_eq!(bare.late_failures + guarded.late_failures, 0);
    println!(
        "the breaker opened {} time(s) during the outage; calls during the outage: {} with retry only, {} protected",
        opened.len(),
        bare.calls_in_outage,
        guarded.calls_in_outage
    );
    Ok(())
}
