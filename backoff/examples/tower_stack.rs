//! A tower service stack: retries and a circuit breaker in front of a failing service.
//!
//! The inner service answers in 10 ms but fails every call during a one-second outage
//! (from 0.5 s to 1.5 s). Requests arrive one every 100 ms for 3 s, on tokio's paused
//! clock, through two stacks that share nothing:
//!
//! - **retry over breaker**: `TowerRetryPolicy` (exponential backoff, 6 attempts, an AWS
//!   retry quota) outside `BreakerLayer`. Once the breaker opens, the stack is not ready:
//!   each retry waits in `poll_ready` until the open wait has passed, so the requests
//!   that arrive during the outage are delayed rather than failed, and the inner service
//!   sees only the breaker's trial calls until it recovers;
//! - **load shedding over breaker**: tower's `LoadShed` outside `BreakerLayer`. The open
//!   breaker makes the service not ready, and the load shedder turns that into an
//!   immediate `Overloaded` error: callers are answered at once and nothing reaches the
//!   inner service.
//!
//! Run with `cargo run -p ward-backoff --features tower --example tower_stack`.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{Instant, sleep};
use tower::{ServiceBuilder, ServiceExt};
use ward_backoff::breaker::{
    BreakerConfig, BreakerLayer, CallError, CircuitBreaker, SlidingWindow, State, Transition,
    TransitionObserver,
};
use ward_backoff::budget::RetryQuota;
use ward_backoff::{Action, RetryPolicy, Strategy, TokioClock, TowerRetryPolicy};

const REQUESTS: u32 = 30;
const SPACING: Duration = Duration::from_millis(100);
const OUTAGE: (Duration, Duration) = (Duration::from_millis(500), Duration::from_millis(1500));

type BoxError = Box<dyn Error + Send + Sync>;

/// Counts the calls that reach the inner service, and those made during the outage.
#[derive(Debug)]
struct Backend {
    start: Instant,
    calls: AtomicU64,
    calls_in_outage: AtomicU64,
}

impl Backend {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            calls: AtomicU64::new(0),
            calls_in_outage: AtomicU64::new(0),
        })
    }

    async fn handle(self: Arc<Self>, request: u32) -> Result<u32, &'static str> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let down = (OUTAGE.0..OUTAGE.1).contains(&self.start.elapsed());
        if down {
            self.calls_in_outage.fetch_add(1, Ordering::Relaxed);
        }
        sleep(Duration::from_millis(10)).await;
        if down {
            Err("503 service unavailable")
        } else {
            Ok(request * 2)
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

fn breaker() -> Result<Arc<CircuitBreaker<TokioClock, Log>>, Box<dyn Error>> {
    let config = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(5))
        .minimum_calls(5)
        .failure_rate_threshold(50.0)
        .wait_in_open(Duration::from_millis(300))
        .half_open_permits(1)
        .build()?;
    Ok(Arc::new(
        CircuitBreaker::new(config, TokioClock::new()).with_observer(Log::default()),
    ))
}

fn print_transitions(breaker: &CircuitBreaker<TokioClock, Log>) -> Vec<Transition> {
    let transitions = breaker.observer().0.lock().expect("log poisoned").clone();
    for t in &transitions {
        println!("  breaker {} -> {} at {:.3?}", t.from, t.to, t.at);
    }
    transitions
}

/// Retry over breaker over the backend: every request succeeds, some later.
async fn retry_over_breaker() -> Result<(), Box<dyn Error>> {
    let backend = Backend::new();
    let breaker = breaker()?;
    let quota = Arc::new(RetryQuota::default());
    let policy = RetryPolicy::new(Strategy::exponential(
        Duration::from_millis(50),
        Duration::from_millis(400),
    )?)
    .with_max_attempts(6)?
    .with_max_elapsed(Duration::from_secs(3));
    // A rejection by the breaker is waited out; the backend's 503 is retried.
    let retry = TowerRetryPolicy::new(policy, TokioClock::new(), 7, |e: &CallError<&str>| {
        e.retry_action(|_| Action::Retry)
    })
    .with_budget(Arc::clone(&quota));
    let stack = ServiceBuilder::new()
        .retry(retry)
        .layer(BreakerLayer::new(Arc::clone(&breaker)))
        .service_fn({
            let backend = Arc::clone(&backend);
            move |request| Arc::clone(&backend).handle(request)
        });

    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for request in 0..REQUESTS {
        sleep((start + SPACING * request).saturating_duration_since(Instant::now())).await;
        let sent = Instant::now();
        let answer = stack.clone().oneshot(request).await;
        assert_eq!(answer, Ok(request * 2), "request {request}");
        slowest = slowest.max(sent.elapsed());
    }
    let calls = backend.calls.load(Ordering::Relaxed);
    let in_outage = backend.calls_in_outage.load(Ordering::Relaxed);
    let metrics = breaker.metrics();
    println!("retry over breaker:");
    println!(
        "  {REQUESTS} requests, all answered; slowest {slowest:.3?}; {calls} backend calls, \
         {in_outage} during the outage; {} rejected by the breaker; quota {} of 500",
        metrics.rejected_calls,
        quota.available()
    );
    let transitions = print_transitions(&breaker);
    // The breaker opened during the outage and closed after it; the retries waited in
    // `poll_ready` and were never rejected; only the calls that opened the breaker and
    // its one-at-a-time trial calls reached the failing backend.
    assert!(transitions.iter().any(|t| t.to == State::Open));
    assert_eq!(transitions.last().map(|t| t.to), Some(State::Closed));
    assert_eq!(metrics.rejected_calls, 0);
    let outage_ms = u64::try_from((OUTAGE.1 - OUTAGE.0).as_millis())?;
    assert!(
        in_outage < outage_ms / u64::try_from(SPACING.as_millis())?,
        "{in_outage} backend calls during the outage"
    );
    Ok(())
}

/// Load shedding over breaker: requests during the open wait fail at once.
async fn shed_over_breaker() -> Result<(), Box<dyn Error>> {
    let backend = Backend::new();
    let breaker = breaker()?;
    let stack = ServiceBuilder::new()
        .load_shed()
        .layer(BreakerLayer::new(Arc::clone(&breaker)))
        .service_fn({
            let backend = Arc::clone(&backend);
            move |request| Arc::clone(&backend).handle(request)
        });

    let start = Instant::now();
    let (mut ok, mut failed, mut shed) = (0_u32, 0_u32, 0_u32);
    let mut slowest = Duration::ZERO;
    for request in 0..REQUESTS {
        sleep((start + SPACING * request).saturating_duration_since(Instant::now())).await;
        let sent = Instant::now();
        let answer: Result<u32, BoxError> = stack.clone().oneshot(request).await;
        slowest = slowest.max(sent.elapsed());
        match answer {
            Ok(_) => ok += 1,
            Err(e) if e.is::<tower::load_shed::error::Overloaded>() => shed += 1,
            Err(_) => failed += 1,
        }
    }
    let calls = backend.calls.load(Ordering::Relaxed);
    println!("load shedding over breaker:");
    println!(
        "  {REQUESTS} requests: {ok} answered, {failed} failed by the backend, {shed} shed at \
         once while the breaker was open; slowest {slowest:.3?}; {calls} backend calls"
    );
    let transitions = print_transitions(&breaker);
    assert!(shed > 0, "nothing was shed");
    assert_eq!(
        u64::from(ok + failed),
        calls,
        "a shed request reached the backend"
    );
    assert_eq!(ok + failed + shed, REQUESTS);
    assert!(
        slowest < Duration::from_millis(20),
        "a caller waited {slowest:?}"
    );
    assert_eq!(transitions.last().map(|t| t.to), Some(State::Closed));
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()?;
    runtime.block_on(retry_over_breaker())?;
    runtime.block_on(shed_over_breaker())?;
    Ok(())
}
