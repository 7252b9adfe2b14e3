//! Scenario 12, the cache stampede: one hot key is cached until 10 s and its recomputation
//! takes the backend 100 ms. A thousand requests for it arrive in the second around its
//! expiry. Every request that finds the value expired recomputes it, so for the 100 ms the
//! first recomputation takes, each arrival sends the backend another copy of the same query.
//!
//! Four strategies see the same arrivals and the same random draws:
//! - none: a request that finds the key expired calls the backend itself;
//! - request coalescing: a `ward-backoff` [`Coalesce`] lets the first such request call the
//!   backend while the others for the key wait for its result;
//! - probabilistic early expiration: `ward-backoff`'s [`EarlyExpiration`] (XFetch) lets a
//!   request recompute before the expiry, with a probability that rises as the expiry nears,
//!   so the value is usually refreshed before anyone finds it expired;
//! - both: early expiration decides when to recompute, coalescing that only one request
//!   does it.
//!
//! The requests are tasks on a current-thread tokio runtime whose clock is paused: time
//! moves only when every task waits, so a run takes microseconds of real time and the
//! counts depend only on the seed. The runtime's timer counts whole milliseconds, so one
//! simulated microsecond is one millisecond of the paused clock: every arrival keeps its
//! microsecond. A request that arrives at the very moment a backend call ends sees the
//! value that call stored (it yields once before reading the cache, and the call's task,
//! woken at the same moment, runs first). The cache, the backend and its call log are plain
//! shared state; only the Ward primitives decide who calls the backend.

use core::cell::RefCell;
use core::convert::Infallible;
use core::time::Duration;
use std::rc::Rc;

use serde::Serialize;
use ward_backoff::SplitMix64;
use ward_backoff::stampede::{Coalesce, EarlyExpiration};

use super::{ScenarioError, sim_failed};
use crate::report::{Table, human_nanos};
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

/// Requests for the hot key.
pub const REQUESTS: usize = 1_000;
/// When the cached value expires, counted from the start of the run.
pub const EXPIRY: Duration = Duration::from_secs(10);
/// The requests arrive uniformly at random in this span centred on the expiry.
pub const SPREAD: Duration = Duration::from_secs(1);
/// How long the backend takes to recompute the value (and the last recomputation took).
pub const RECOMPUTE: Duration = Duration::from_millis(100);
/// How long a recomputed value stays in the cache.
pub const TTL: Duration = Duration::from_secs(10);
/// The key every request asks for.
pub const KEY: &str = "product:42";

/// A way of refreshing the cached value.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::Strategy;
///
/// assert!(Strategy::Both.coalesces() && Strategy::Both.expires_early());
/// assert_eq!(Strategy::ALL[0].label(), "none");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Every request that finds the key expired calls the backend.
    None,
    /// Request coalescing: one call per key at a time, the others wait for its result.
    Coalescing,
    /// Probabilistic early expiration (XFetch).
    EarlyExpiration,
    /// Early expiration decides, coalescing keeps it to one call.
    Both,
}

impl Strategy {
    /// Every strategy, in the order of the table.
    pub const ALL: [Strategy; 4] = [
        Strategy::None,
        Strategy::Coalescing,
        Strategy::EarlyExpiration,
        Strategy::Both,
    ];

    /// Whether the strategy coalesces backend calls.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::Strategy;
    ///
    /// assert!(Strategy::Coalescing.coalesces());
    /// assert!(!Strategy::EarlyExpiration.coalesces());
    /// ```
    pub const fn coalesces(self) -> bool {
        matches!(self, Strategy::Coalescing | Strategy::Both)
    }

    /// Whether the strategy expires the value early.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::Strategy;
    ///
    /// assert!(Strategy::EarlyExpiration.expires_early());
    /// assert!(!Strategy::None.expires_early());
    /// ```
    pub const fn expires_early(self) -> bool {
        matches!(self, Strategy::EarlyExpiration | Strategy::Both)
    }

    /// The strategy's name in the table.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::Strategy;
    ///
    /// assert_eq!(Strategy::Coalescing.label(), "request coalescing");
    /// ```
    pub const fn label(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::Coalescing => "request coalescing",
            Strategy::EarlyExpiration => "early expiration",
            Strategy::Both => "both",
        }
    }
}

/// One strategy's run.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::{Strategy, run};
///
/// let outcome = run(1)?;
/// let none = outcome.run(Strategy::None)?;
/// assert_eq!(none.backend_calls as usize, none.calls.len());
/// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The strategy.
    pub strategy: Strategy,
    /// Whether its requests went through [`Coalesce`] (the strategy coalesces and the
    /// primitive was on).
    pub coalesced: bool,
    /// Whether its requests asked [`EarlyExpiration`] (the strategy expires early and the
    /// primitive was on).
    pub expired_early: bool,
    /// Backend calls made.
    pub backend_calls: u32,
    /// The most backend calls in progress at one moment.
    pub peak_in_flight: u32,
    /// Requests that arrived when the cached value had expired.
    pub found_expired: u32,
    /// Requests that waited for another request's backend call instead of making one.
    pub joined: u32,
    /// Requests answered only after a backend call (their own or one they joined).
    pub waited: u32,
    /// The longest such wait, in microseconds.
    pub longest_wait_micros: u64,
    /// Each backend call's start and end, in microseconds from the start of the run, in
    /// order of start.
    pub calls: Vec<(u64, u64)>,
}

impl Run {
    /// When the first backend call started, in microseconds relative to the expiry
    /// (negative: before it); `None` without a call.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::{Strategy, run};
    ///
    /// let outcome = run(1)?;
    /// let early = outcome.run(Strategy::EarlyExpiration)?;
    /// assert!(early.first_call_from_expiry_micros().is_some_and(|t| t < 0));
    /// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
    /// ```
    pub fn first_call_from_expiry_micros(&self) -> Option<i64> {
        let expiry = EXPIRY.as_micros() as i64;
        self.calls.first().map(|&(start, _)| start as i64 - expiry)
    }
}

/// The scenario's outcome.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::{REQUESTS, run};
///
/// let outcome = run(3)?;
/// assert_eq!(outcome.arrivals.len(), REQUESTS);
/// assert_eq!(outcome.runs.len(), 4);
/// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// When the cached value expires, in microseconds from the start of the run.
    pub expiry_micros: u64,
    /// Each request's arrival, in microseconds from the start of the run, in order.
    pub arrivals: Vec<u64>,
    /// Each request's random word for its early-expiration draw (a `SplitMix64` seeded
    /// with it), the same in every strategy. Left out of the JSON details.
    #[serde(skip)]
    pub draws: Vec<u64>,
    /// The runs, in the order of [`Strategy::ALL`].
    pub runs: Vec<Run>,
}

impl Outcome {
    /// The run of `strategy`.
    ///
    /// # Errors
    ///
    /// None in a run of this module: every outcome carries all four strategies. An
    /// outcome built by hand without `strategy` gets a [`ScenarioError::Invariant`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::{Strategy, run};
    ///
    /// let mut outcome = run(1)?;
    /// assert_eq!(outcome.run(Strategy::Both)?.backend_calls, 1);
    /// outcome.runs.clear();
    /// assert!(outcome.run(Strategy::Both).is_err());
    /// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
    /// ```
    pub fn run(&self, strategy: Strategy) -> Result<&Run, ScenarioError> {
        self.runs
            .iter()
            .find(|r| r.strategy == strategy)
            .ok_or_else(|| super::broken(format!("no run of {}", strategy.label())))
    }

    fn get(&self, strategy: Strategy) -> Option<&Run> {
        self.runs.iter().find(|r| r.strategy == strategy)
    }

    /// The anomaly: without protection the backend got several calls for the key at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::run;
    ///
    /// assert!(run(1)?.anomaly_observed());
    /// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
    /// ```
    pub fn anomaly_observed(&self) -> bool {
        self.get(Strategy::None)
            .is_some_and(|r| r.peak_in_flight > 1)
    }

    /// The prevention, read from the counts: with coalescing the backend never had two
    /// calls at once and some request waited for the leader instead of calling; with early
    /// expiration no request found the key expired and the value was refreshed; with both,
    /// both hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::scenarios::cache_stampede::run;
    ///
    /// assert!(run(1)?.prevented());
    /// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
    /// ```
    pub fn prevented(&self) -> bool {
        let single = |r: &Run| r.peak_in_flight == 1 && r.backend_calls >= 1;
        let fresh = |r: &Run| r.found_expired == 0 && r.backend_calls >= 1;
        let coalescing = self
            .get(Strategy::Coalescing)
            .is_some_and(|r| single(r) && r.joined > 0);
        let early = self.get(Strategy::EarlyExpiration).is_some_and(fresh);
        let both = self
            .get(Strategy::Both)
            .is_some_and(|r| single(r) && fresh(r));
        coalescing && early && both
    }
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Simulation`] if the runtime cannot start or a request's task fails
/// (neither happens with the tour's settings).
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::{Strategy, run};
///
/// let outcome = run(7)?;
/// assert_eq!(outcome.run(Strategy::Coalescing)?.peak_in_flight, 1);
/// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
/// ```
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Coalesce`]
/// every request that decides to recompute calls the backend itself; without
/// [`Primitive::EarlyExpiration`] a request recomputes only once the value has expired.
///
/// # Errors
///
/// As [`run`].
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::{Strategy, run_with};
/// use ward_examples::{Primitive, Switches};
///
/// let outcome = run_with(1, Switches::default().without(Primitive::Coalesce))?;
/// assert!(outcome.run(Strategy::Coalescing)?.peak_in_flight > 1);
/// assert!(!outcome.prevented());
/// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
/// ```
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let mut rng = SimRng::new(seed, "cache-stampede");
    let from = (EXPIRY - SPREAD / 2).as_micros() as u64;
    let to = (EXPIRY + SPREAD / 2).as_micros() as u64;
    let mut arrivals: Vec<u64> = (0..REQUESTS).map(|_| rng.range(from, to)).collect();
    arrivals.sort_unstable();
    // One word per request for its early-expiration draw, the same in every strategy.
    let draws: Vec<u64> = (0..REQUESTS).map(|_| rng.next_u64()).collect();
    run_on(arrivals, draws, switches)
}

/// Runs the scenario on given arrivals (microseconds from the start, in order) and draws
/// (one per arrival), for tests that need a particular moment, such as a request arriving
/// just as a backend call ends.
///
/// # Errors
///
/// [`ScenarioError::Invariant`] if the arrivals are out of order or there is not one draw
/// per arrival; otherwise as [`run`].
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::{Strategy, run_on};
/// use ward_examples::Switches;
///
/// // Two requests at the expiry: without protection both call the backend.
/// let o = run_on(vec![10_000_000, 10_000_000], vec![1, 2], Switches::default())?;
/// assert_eq!(o.run(Strategy::None)?.backend_calls, 2);
/// assert_eq!(o.run(Strategy::Coalescing)?.backend_calls, 1);
/// assert!(run_on(vec![2, 1], vec![1, 2], Switches::default()).is_err());
/// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
/// ```
pub fn run_on(
    arrivals: Vec<u64>,
    draws: Vec<u64>,
    switches: Switches,
) -> Result<Outcome, ScenarioError> {
    if arrivals.windows(2).any(|w| w[0] > w[1]) {
        return Err(super::broken("the arrivals are out of order"));
    }
    if draws.len() != arrivals.len() {
        return Err(super::broken(format!(
            "{} draws for {} arrivals",
            draws.len(),
            arrivals.len()
        )));
    }
    let runs = Strategy::ALL
        .iter()
        .map(|&strategy| {
            let coalesce = strategy.coalesces() && switches.is_on(Primitive::Coalesce);
            let early = strategy.expires_early() && switches.is_on(Primitive::EarlyExpiration);
            simulate(strategy, &arrivals, &draws, coalesce, early)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Outcome {
        expiry_micros: EXPIRY.as_micros() as u64,
        arrivals,
        draws,
        runs,
    })
}

/// The cache, the backend's call log and the in-flight count, shared by the request tasks
/// of one run (one thread: no task holds a borrow across an await).
#[derive(Debug)]
struct Shared {
    /// When the cached value expires, in microseconds.
    expiry: u64,
    /// How long the last recomputation took, in microseconds.
    delta: u64,
    in_flight: u32,
    peak: u32,
    calls: Vec<(u64, u64)>,
}

/// What one request went through.
#[derive(Debug, Clone, Copy)]
struct Served {
    found_expired: bool,
    /// Waited for a backend call, and for how long (microseconds).
    waited: Option<u64>,
    joined: bool,
}

/// One backend recomputation: takes [`RECOMPUTE`], then stores the value for [`TTL`].
async fn backend(
    shared: Rc<RefCell<Shared>>,
    origin: tokio::time::Instant,
) -> Result<u64, Infallible> {
    let start = micros_since(origin);
    {
        let mut s = shared.borrow_mut();
        s.in_flight += 1;
        s.peak = s.peak.max(s.in_flight);
    }
    tokio::time::sleep(paused(RECOMPUTE.as_micros() as u64)).await;
    let end = micros_since(origin);
    let mut s = shared.borrow_mut();
    s.in_flight -= 1;
    s.calls.push((start, end));
    s.expiry = end + TTL.as_micros() as u64;
    s.delta = end - start;
    Ok(s.expiry)
}

/// Simulated microseconds since `origin`: one per millisecond of the paused clock.
fn micros_since(origin: tokio::time::Instant) -> u64 {
    origin.elapsed().as_millis() as u64
}

/// The paused clock's span for `micros` simulated microseconds.
const fn paused(micros: u64) -> Duration {
    Duration::from_millis(micros)
}

/// Runs one strategy over the arrivals on a paused current-thread runtime.
fn simulate(
    strategy: Strategy,
    arrivals: &[u64],
    words: &[u64],
    coalesce: bool,
    early: bool,
) -> Result<Run, ScenarioError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(sim_failed)?;
    let local = tokio::task::LocalSet::new();
    let (served, peak, mut calls) = local.block_on(&runtime, async {
        let origin = tokio::time::Instant::now();
        let shared = Rc::new(RefCell::new(Shared {
            expiry: EXPIRY.as_micros() as u64,
            delta: RECOMPUTE.as_micros() as u64,
            in_flight: 0,
            peak: 0,
            calls: Vec::new(),
        }));
        let flights: Rc<Coalesce<&'static str, u64, Infallible>> = Rc::new(Coalesce::new());
        let xfetch = EarlyExpiration::default();
        let tasks: Vec<_> = arrivals
            .iter()
            .zip(words)
            .map(|(&at, &word)| {
                let (shared, flights) = (Rc::clone(&shared), Rc::clone(&flights));
                tokio::task::spawn_local(async move {
                    tokio::time::sleep_until(origin + paused(at)).await;
                    // A call that ends now, woken with this request, stores its value first.
                    tokio::task::yield_now().await;
                    let now = micros_since(origin);
                    let (expiry, delta) = {
                        let s = shared.borrow();
                        (s.expiry, s.delta)
                    };
                    let found_expired = now >= expiry;
                    let recompute = if early {
                        xfetch.should_recompute(
                            Duration::from_micros(now),
                            Duration::from_micros(expiry),
                            Duration::from_micros(delta),
                            &mut SplitMix64::new(word),
                        )
                    } else {
                        found_expired
                    };
                    if !recompute {
                        return Served {
                            found_expired,
                            waited: None,
                            joined: false,
                        };
                    }
                    let mut led = false;
                    let mut call = || {
                        led = true;
                        backend(Rc::clone(&shared), origin)
                    };
                    let _fresh = if coalesce {
                        flights.run_async(KEY, call).await
                    } else {
                        call().await
                    };
                    Served {
                        found_expired,
                        waited: Some(micros_since(origin) - now),
                        joined: !led,
                    }
                })
            })
            .collect();
        let mut served = Vec::with_capacity(tasks.len());
        for task in tasks {
            served.push(task.await.map_err(sim_failed)?);
        }
        let s = shared.borrow();
        Ok::<_, ScenarioError>((served, s.peak, s.calls.clone()))
    })?;
    calls.sort_unstable();
    let count = |f: fn(&Served) -> bool| served.iter().filter(|s| f(s)).count() as u32;
    Ok(Run {
        strategy,
        coalesced: coalesce,
        expired_early: early,
        backend_calls: calls.len() as u32,
        peak_in_flight: peak,
        found_expired: count(|s| s.found_expired),
        joined: count(|s| s.joined),
        waited: count(|s| s.waited.is_some()),
        longest_wait_micros: served.iter().filter_map(|s| s.waited).max().unwrap_or(0),
        calls,
    })
}

/// A duration in microseconds relative to the expiry, signed, for a person.
fn from_expiry(micros: i64) -> String {
    let magnitude = human_nanos(micros.unsigned_abs() * 1_000);
    if micros < 0 {
        format!("{magnitude} before")
    } else {
        format!("{magnitude} after")
    }
}

/// The row's name: the strategy, and what of it was switched off.
fn row_label(r: &Run) -> &'static str {
    match (r.strategy, r.coalesced, r.expired_early) {
        (Strategy::None, ..) => "none: every expired read recomputes",
        (Strategy::Coalescing, true, _) => "request coalescing (Coalesce)",
        (Strategy::Coalescing, false, _) => "coalescing switched off",
        (Strategy::EarlyExpiration, _, true) => "early expiration (XFetch, β = 1)",
        (Strategy::EarlyExpiration, _, false) => "early expiration switched off",
        (Strategy::Both, true, true) => "both",
        (Strategy::Both, false, true) => "both, coalescing switched off",
        (Strategy::Both, true, false) => "both, early expiration switched off",
        (Strategy::Both, false, false) => "both, both switched off",
    }
}

/// `n` with the noun in the singular when `n` is 1.
fn calls(n: u32) -> String {
    format!("{n} backend call{}", if n == 1 { "" } else { "s" })
}

/// Turns the outcome into the tour's report.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios::cache_stampede::{report, run};
///
/// let r = report(&run(1)?);
/// assert!(r.passed());
/// assert_eq!(r.tables[0].rows().len(), 4);
/// # Ok::<(), ward_examples::scenarios::ScenarioError>(())
/// ```
pub fn report(o: &Outcome) -> Report {
    let requests = o.arrivals.len();
    let mut table = Table::new(
        format!(
            "{requests} requests for {KEY} in the {} around its expiry at {}; the backend takes \
             {} to recompute it",
            human_nanos(SPREAD.as_nanos() as u64),
            human_nanos(EXPIRY.as_nanos() as u64),
            human_nanos(RECOMPUTE.as_nanos() as u64),
        ),
        [
            "strategy",
            "backend calls",
            "most at once",
            "found it expired",
            "waited (longest)",
            "first call",
        ],
    );
    for r in &o.runs {
        table.row([
            row_label(r).to_string(),
            r.backend_calls.to_string(),
            r.peak_in_flight.to_string(),
            r.found_expired.to_string(),
            if r.waited == 0 {
                "0".to_string()
            } else {
                format!(
                    "{} ({})",
                    r.waited,
                    human_nanos(r.longest_wait_micros * 1_000)
                )
            },
            r.first_call_from_expiry_micros()
                .map_or_else(|| "-".to_string(), from_expiry),
        ]);
    }
    let verdict = match Strategy::ALL.map(|s| o.get(s)) {
        [Some(none), Some(coalescing), Some(early), Some(both)] => {
            verdict(requests, none, coalescing, early, both)
        }
        _ => "the outcome lacks a strategy's run".to_string(),
    };
    let mut notes = vec![
        "XFetch: a request recomputes when now - δ·β·ln(u) reaches the expiry (u uniform in \
         (0, 1], δ the last recomputation's time, β = 1), that is with probability exp(-t/δ) \
         at t before the expiry (Vattani, Chierichetti and Lowenstein, VLDB 2015)"
            .to_string(),
    ];
    if let Some(r) = o.get(Strategy::Coalescing).filter(|r| r.coalesced) {
        notes.push(format!(
            "coalescing alone does not stop the expiry: {} requests found the key expired, and \
             {} of them waited up to {} for the leader's call instead of making their own",
            r.found_expired,
            r.joined,
            human_nanos(r.longest_wait_micros * 1_000),
        ));
    }
    if let Some(r) = o
        .get(Strategy::EarlyExpiration)
        .filter(|r| r.expired_early && r.backend_calls > 1)
    {
        notes.push(format!(
            "early expiration alone refreshed the value before it expired, but {} more \
             request(s) drew an early refresh while the first was in flight, each a backend \
             call; with coalescing they wait for the first one instead",
            r.backend_calls - 1,
        ));
    }
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a hot key expires and every request that misses recomputes it: the backend \
                  gets the same query many times at once"
            .into(),
        tables: vec![table],
        notes,
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// The verdict, every number and claim from the runs.
fn verdict(requests: usize, none: &Run, coalescing: &Run, early: &Run, both: &Run) -> String {
    let coalescing_part = if coalescing.coalesced {
        format!(
            "with request coalescing {}, at most {} at once, while {} requests waited for the \
             leader",
            calls(coalescing.backend_calls),
            coalescing.peak_in_flight,
            coalescing.joined,
        )
    } else {
        format!(
            "with coalescing switched off {}, up to {} at once",
            calls(coalescing.backend_calls),
            coalescing.peak_in_flight,
        )
    };
    let early_part = match (early.expired_early, early.first_call_from_expiry_micros()) {
        (true, Some(first)) if first < 0 => format!(
            "with early expiration {}, the first {} the expiry, and {} requests found the key \
             expired",
            calls(early.backend_calls),
            from_expiry(first),
            early.found_expired,
        ),
        (true, _) => format!(
            "with early expiration {}, none before the expiry, and {} requests found the key \
             expired",
            calls(early.backend_calls),
            early.found_expired,
        ),
        (false, _) => format!(
            "with early expiration switched off {}, and {} requests found the key expired",
            calls(early.backend_calls),
            early.found_expired,
        ),
    };
    format!(
        "with no protection {} of {requests} requests called the backend for the same value, up \
         to {} at once; {coalescing_part}; {early_part}; with {}: {}, at most {} at once, and {} \
         requests found it expired",
        none.backend_calls,
        none.peak_in_flight,
        row_label(both),
        calls(both.backend_calls),
        both.peak_in_flight,
        both.found_expired,
    )
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "cache-stampede",
    number: 12,
    title: "Cache stampede",
    crate_name: "ward-backoff",
    summary: "a hot key expires and every request recomputes it at once",
    primitives: &[Primitive::Coalesce, Primitive::EarlyExpiration],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
