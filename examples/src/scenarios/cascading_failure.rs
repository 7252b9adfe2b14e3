//! Scenario 8, cascading failure: a fleet of client instances sends each request to a
//! random replica of a pool and retries every attempt that times out. One replica dies;
//! its share of the traffic moves to the survivors, which now run close to capacity; the
//! first queueing burst makes attempts time out, the retries add load while the abandoned
//! attempts still occupy the queues, and a survivor whose queue outgrows its memory
//! crashes, pushing its share onto the rest.
//!
//! The survivors take over the dead replica's keys with cold caches: for a few seconds
//! they serve at a fraction of their capacity, so queues build and some attempts time out.
//! Without retries they would drain once warm; with the naive client's retries they do not.
//!
//! The Ward client is the same client, routing the same way, with two `ward-backoff`
//! primitives in each instance: one [`CircuitBreaker`] per replica (a replica whose breaker
//! refuses is skipped for a second random choice, else the attempt fails fast) and a
//! [`TpsBudget`] that caps retries at a tenth of the instance's requests. Each does work
//! the other cannot: a breaker sees only its own instance's calls, so it learns too slowly
//! to stop a retry storm that builds in two seconds (the budget caps it at once); the
//! budget cannot tell the dead replica from a slow one, so without breakers the dead
//! replica's timeouts spend it and its share of the requests is lost (the breakers route
//! around it). Breakers and budgets read the crate's [`ManualClock`], moved by the
//! simulation.
//!
//! This is a load model, not a protocol: requests, queues, timeouts and crashes are events
//! on one simulated clock (a discrete-event simulation, with Poisson arrivals and
//! exponential service times drawn from the seed), so plain event code fits better than a
//! network simulator.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use ward_backoff::ManualClock;
use ward_backoff::breaker::{
    BreakerConfig, CircuitBreaker, OwnedPermit, SlidingWindow, State, Transition,
    TransitionObserver,
};
use ward_backoff::budget::{RetryBudget as _, RetryKind, TpsBudget, Withdrawal};

use super::{ScenarioError, refused};
use crate::report::{Table, percent};
use crate::sim::{EventQueue, SEC, SimRng};
use crate::{Options, Primitive, Report, Switches};

/// Replicas in the pool.
pub const REPLICAS: usize = 4;
/// Requests per second the client sends.
pub const DEMAND: u64 = 300;
/// Requests per second one replica can serve.
pub const CAPACITY: u64 = 120;
/// How long the client waits for an attempt before it gives up on it.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);
/// Client instances sharing the demand (application servers), each with its own breakers
/// and retry budget, as a deployed client keeps them in process.
pub const CLIENTS: usize = 50;
/// Retries per request after the first attempt.
pub const RETRIES: u32 = 3;
/// Queued attempts at which a replica runs out of memory and crashes.
pub const QUEUE_LIMIT: usize = 400;
/// How long the survivors run with cold caches after the death.
pub const COLD_FOR: Duration = Duration::from_secs(3);
/// Their capacity meanwhile, in percent of [`CAPACITY`].
pub const COLD_PERCENT: u32 = 60;
/// When the first replica dies.
pub const DEATH_AT: Duration = Duration::from_secs(10);
/// How long the run lasts.
pub const RUN_FOR: Duration = Duration::from_secs(60);

/// The clients. All three route the same way (a random replica, see [`simulate`]) and
/// retry the same way; they differ only in the Ward primitives they use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Client {
    /// Retries every timeout, up to [`RETRIES`] times.
    Naive,
    /// The same client that never retries: shows that the retries, not the death alone,
    /// take the survivors down.
    NoRetries,
    /// The naive client with a circuit breaker per replica and a retry budget.
    Ward,
}

/// A circuit breaker opening.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trip {
    /// The replica whose breaker opened.
    pub replica: usize,
    /// When, in seconds.
    pub at: f64,
}

/// One run's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// The client.
    pub client: Client,
    /// Requests that arrived after the first replica died.
    pub requests: u64,
    /// Of those, requests that eventually succeeded.
    pub succeeded: u64,
    /// Attempts sent after the death (first tries and retries).
    pub attempts: u64,
    /// Attempts the breakers kept from a replica (requests failed fast).
    pub rejected_by_breakers: u64,
    /// Retries the budget refused.
    pub retries_refused: u64,
    /// Retries sent after the death.
    pub retries_sent: u64,
    /// Every time a breaker opened (closed or half-open to open), in time order.
    pub trips: Vec<Trip>,
    /// Mean attempts per second offered to each surviving replica while it was alive,
    /// after the death.
    pub survivor_load: f64,
    /// The highest one-second load offered to a surviving replica.
    pub survivor_peak: u64,
    /// Replicas alive at the end.
    pub alive_at_end: usize,
    /// When each replica crashed, in seconds (the first one is the planned death).
    pub crashes: Vec<(usize, f64)>,
    /// Attempts offered to the replicas other than replica 0, in each second of the run.
    pub load_per_second: Vec<u64>,
}

impl Run {
    /// Fraction of the requests after the death that succeeded.
    pub fn success_rate(&self) -> f64 {
        if self.requests == 0 {
            return 0.0;
        }
        self.succeeded as f64 / self.requests as f64
    }
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The naive client.
    pub naive: Run,
    /// The same client without retries.
    pub no_retries: Run,
    /// The Ward client.
    pub ward: Run,
    /// Whether the Ward client's breakers were on.
    pub breaker_on: bool,
    /// Whether the Ward client's retry budget was on.
    pub budget_on: bool,
}

impl Outcome {
    /// The anomaly: with the naive client, a survivor crashed after the planned death.
    pub fn anomaly_observed(&self) -> bool {
        self.naive.alive_at_end < REPLICAS - 1
    }

    /// The prevention: with the Ward client every survivor lives, more requests succeed
    /// than with the naive client, and the Ward client wins back at least
    /// [`WIN_BACK`] of the requests that the client without retries lost with the dead
    /// replica (surviving by not retrying at all is not the protection shown here).
    pub fn prevented(&self) -> bool {
        self.ward.alive_at_end == REPLICAS - 1
            && self.ward.success_rate() > self.naive.success_rate()
            && self.ward.success_rate() >= self.no_retries.success_rate() + WIN_BACK
    }
}

/// How much higher the Ward client's success rate must be than the client's without
/// retries: eight percentage points, about a third of what the dead replica's share
/// costs that client. Retrying is worth its risk only if it wins requests back.
pub const WIN_BACK: f64 = 0.08;

#[derive(Debug)]
enum Event {
    Arrival,
    Timeout(usize),
    Served(usize),
    Death,
}

/// The client instance that sends a request: requests are dealt to the instances in
/// turn, so each instance sends `DEMAND / CLIENTS` requests per second.
fn instance_of(request: u64) -> usize {
    (request % CLIENTS as u64) as usize
}

/// One attempt in flight.
struct Attempt {
    request: u64,
    sent_at: u64,
    retry: u32,
    finished: bool,
    permit: Option<BreakerPermit>,
    withdrawal: Option<Withdrawal>,
}

/// One client instance's breaker for one replica, logging its trips.
type Breaker = CircuitBreaker<Arc<ManualClock>, TripLog>;
/// A call admitted by a [`Breaker`].
type BreakerPermit = OwnedPermit<Arc<ManualClock>, TripLog>;

/// Records every opening of one replica's breaker into the run's shared log.
#[derive(Debug, Clone)]
struct TripLog {
    replica: usize,
    trips: Arc<Mutex<Vec<Trip>>>,
}

impl TransitionObserver for TripLog {
    fn on_transition(&self, t: Transition) {
        if t.to == State::Open {
            let trip = Trip {
                replica: self.replica,
                at: t.at.as_secs_f64(),
            };
            match self.trips.lock() {
                Ok(mut trips) => trips.push(trip),
                Err(poisoned) => poisoned.into_inner().push(trip),
            }
        }
    }
}

struct Replica {
    alive: bool,
    queue: VecDeque<usize>,
    busy: bool,
}

/// The knobs of the load model. One set of values (the public constants and the
/// breaker and budget settings below) is used; they were chosen so the survivors can carry
/// the dead replica's share once their caches are warm, but not with retries piled on.
#[derive(Debug, Clone, Copy)]
struct Params {
    capacity: u64,
    timeout: Duration,
    budget_percent: f32,
    budget_min: u32,
    queue_limit: usize,
    window: u32,
    wait: Duration,
    threshold: f32,
    cold_percent: u32,
    /// Off ([`Primitive::Breaker`] switched off): every breaker admits every call.
    breaker_on: bool,
    /// Off ([`Primitive::RetryBudget`] switched off): every retry is allowed.
    budget_on: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            capacity: CAPACITY,
            timeout: ATTEMPT_TIMEOUT,
            // Finagle's and tower's 20 % is meant for healthy services; 10 % plus 10 per
            // second is the budget here.
            budget_percent: 0.1,
            budget_min: 0,
            queue_limit: QUEUE_LIMIT,
            // Resilience4j's rules with a smaller window, so a dead replica is noticed
            // within its first few dozen calls.
            window: 20,
            wait: Duration::from_secs(2),
            threshold: 50.0,
            cold_percent: COLD_PERCENT,
            breaker_on: true,
            budget_on: true,
        }
    }
}

struct Sim {
    params: Params,
    client: Client,
    rng: SimRng,
    queue: EventQueue<Event>,
    clock: Arc<ManualClock>,
    /// breakers[instance][replica]
    breakers: Vec<Vec<Arc<Breaker>>>,
    trips: Arc<Mutex<Vec<Trip>>>,
    /// One budget per client instance.
    budgets: Vec<TpsBudget<Arc<ManualClock>>>,
    replicas: Vec<Replica>,
    attempts: Vec<Attempt>,
    next_request: u64,
    /// Requests from this id on arrived after the death and are counted.
    counted_from: u64,
    /// offered[replica][second]
    offered: Vec<Vec<u64>>,
    run: Run,
}

impl Sim {
    fn new(client: Client, seed: u64, params: Params) -> Result<Self, ScenarioError> {
        let clock = Arc::new(ManualClock::new());
        let config = BreakerConfig::builder()
            .sliding_window(SlidingWindow::CountBased(params.window))
            .minimum_calls(params.window / 2)
            .failure_rate_threshold(params.threshold)
            .wait_in_open(params.wait)
            .half_open_permits(3)
            .build()
            .map_err(refused("ward-backoff"))?;
        let trips = Arc::new(Mutex::new(Vec::new()));
        let breakers = (0..CLIENTS)
            .map(|instance| {
                (0..REPLICAS)
                    .map(|replica| {
                        let log = TripLog {
                            replica,
                            trips: Arc::clone(&trips),
                        };
                        Arc::new(
                            CircuitBreaker::new(config, Arc::clone(&clock))
                                .with_seed(seed ^ (instance * REPLICAS + replica) as u64)
                                .with_observer(log),
                        )
                    })
                    .collect()
            })
            .collect();
        let budgets = (0..CLIENTS)
            .map(|_| {
                TpsBudget::new(
                    Duration::from_secs(10),
                    params.budget_min,
                    params.budget_percent,
                    Arc::clone(&clock),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(refused("ward-backoff"))?;
        let seconds = (RUN_FOR.as_secs() + 5) as usize;
        Ok(Self {
            params,
            client,
            rng: SimRng::new(seed, "cascading-failure"),
            queue: EventQueue::new(),
            clock,
            breakers,
            trips,
            budgets,
            replicas: (0..REPLICAS)
                .map(|_| Replica {
                    alive: true,
                    queue: VecDeque::new(),
                    busy: false,
                })
                .collect(),
            attempts: Vec::new(),
            next_request: 0,
            counted_from: u64::MAX,
            offered: vec![vec![0; seconds]; REPLICAS],
            run: Run {
                client,
                requests: 0,
                succeeded: 0,
                attempts: 0,
                rejected_by_breakers: 0,
                retries_refused: 0,
                retries_sent: 0,
                trips: Vec::new(),
                load_per_second: Vec::new(),
                survivor_load: 0.0,
                survivor_peak: 0,
                alive_at_end: 0,
                crashes: Vec::new(),
            },
        })
    }

    fn after_death(&self) -> bool {
        self.queue.now() >= DEATH_AT.as_nanos() as u64
    }

    /// Whether this run's client consults the breakers.
    fn uses_breakers(&self) -> bool {
        self.client == Client::Ward && self.params.breaker_on
    }

    /// Whether this run's client asks the budget before a retry.
    fn uses_budget(&self) -> bool {
        self.client == Client::Ward && self.params.budget_on
    }

    /// Picks a replica, the same way for every client: a random replica, and a second
    /// random one if the first one's breaker refuses; if that breaker refuses too, the
    /// attempt fails fast (so the last closed breaker is not buried under everyone else's
    /// traffic). A client without breakers is never refused, so it always takes the first
    /// draw. Both draws are made for every client, so all of them see the same random
    /// stream.
    fn pick(&mut self, instance: usize) -> Option<(usize, Option<BreakerPermit>)> {
        let first = self.rng.index(REPLICAS);
        let second = (first + 1 + self.rng.index(REPLICAS - 1)) % REPLICAS;
        if !self.uses_breakers() {
            return Some((first, None));
        }
        [first, second].into_iter().find_map(|i| {
            CircuitBreaker::try_acquire_owned(&self.breakers[instance][i])
                .ok()
                .map(|p| (i, Some(p)))
        })
    }

    fn send(&mut self, request: u64, retry: u32, withdrawal: Option<Withdrawal>) {
        let now = self.queue.now();
        let instance = instance_of(request);
        let Some((replica, permit)) = self.pick(instance) else {
            // Every breaker is open: fail fast, nothing reaches the replicas.
            if self.after_death() {
                self.run.rejected_by_breakers += 1;
            }
            if withdrawal.is_some() || retry == 0 {
                self.budgets[instance].record_failure(withdrawal);
            }
            return;
        };
        if self.after_death() {
            self.run.attempts += 1;
        }
        let second = (now / SEC) as usize;
        if let Some(slot) = self.offered[replica].get_mut(second) {
            *slot += 1;
        }
        let id = self.attempts.len();
        self.attempts.push(Attempt {
            request,
            sent_at: now,
            retry,
            finished: false,
            permit,
            withdrawal,
        });
        self.queue
            .after(self.params.timeout.as_nanos() as u64, Event::Timeout(id));
        let r = &mut self.replicas[replica];
        if !r.alive {
            return; // no answer will come; the timeout fires
        }
        r.queue.push_back(id);
        if r.queue.len() > self.params.queue_limit {
            self.crash(replica);
        } else if !self.replicas[replica].busy {
            self.start_service(replica);
        }
    }

    fn start_service(&mut self, replica: usize) {
        self.replicas[replica].busy = true;
        // Right after the death the survivors serve the dead replica's keys from cold
        // caches: slower for a while.
        let now = self.queue.now();
        let death = DEATH_AT.as_nanos() as u64;
        let cold = now >= death && now < death + COLD_FOR.as_nanos() as u64;
        let capacity = if cold {
            self.params.capacity * u64::from(self.params.cold_percent) / 100
        } else {
            self.params.capacity
        };
        let mean = SEC / capacity.max(1);
        let took = self.rng.exp_nanos(mean).max(1);
        self.queue.after(took, Event::Served(replica));
    }

    fn crash(&mut self, replica: usize) {
        let r = &mut self.replicas[replica];
        if !r.alive {
            return;
        }
        r.alive = false;
        r.queue.clear();
        r.busy = false;
        let at = self.queue.now() as f64 / SEC as f64;
        self.run.crashes.push((replica, at));
    }

    fn finish(&mut self, id: usize, ok: bool) {
        let now = self.queue.now();
        let a = &mut self.attempts[id];
        if a.finished {
            return;
        }
        a.finished = true;
        let took = Duration::from_nanos(now - a.sent_at);
        if let Some(permit) = a.permit.take() {
            let outcome = if ok {
                ward_backoff::breaker::Outcome::Success
            } else {
                ward_backoff::breaker::Outcome::Failure
            };
            permit.record(outcome, took);
        }
        let (request, retry, withdrawal) = (a.request, a.retry, a.withdrawal.take());
        let counted = request >= self.first_counted_request();
        if ok {
            self.budgets[instance_of(request)].record_success(withdrawal);
            if counted {
                self.run.succeeded += 1;
            }
            return;
        }
        self.budgets[instance_of(request)].record_failure(withdrawal);
        if retry >= RETRIES {
            return;
        }
        if self.client == Client::NoRetries {
            return;
        }
        let withdrawal = if self.uses_budget() {
            match self.budgets[instance_of(request)].try_retry(RetryKind::Timeout) {
                Some(w) => Some(w),
                None => {
                    if self.after_death() {
                        self.run.retries_refused += 1;
                    }
                    return;
                }
            }
        } else {
            None
        };
        if self.after_death() {
            self.run.retries_sent += 1;
        }
        self.send(request, retry + 1, withdrawal);
    }

    fn first_counted_request(&self) -> u64 {
        self.counted_from
    }

    fn step(&mut self, event: Event) {
        let now = self.queue.now();
        self.clock.set(Duration::from_nanos(now));
        match event {
            Event::Arrival => {
                let gap = self.rng.exp_nanos(SEC / DEMAND);
                if now + gap < RUN_FOR.as_nanos() as u64 {
                    self.queue.after(gap, Event::Arrival);
                }
                let request = self.next_request;
                self.next_request += 1;
                if request >= self.counted_from {
                    self.run.requests += 1;
                }
                self.send(request, 0, None);
            }
            Event::Timeout(id) => self.finish(id, false),
            Event::Served(replica) => {
                let r = &mut self.replicas[replica];
                if !r.alive {
                    return;
                }
                r.busy = false;
                if let Some(id) = r.queue.pop_front() {
                    // Work on an attempt the client already gave up on is wasted.
                    self.finish(id, true);
                }
                if !self.replicas[replica].queue.is_empty() {
                    self.start_service(replica);
                }
            }
            Event::Death => {
                self.counted_from = self.next_request;
                self.crash(0);
            }
        }
    }

    fn finish_run(mut self) -> Run {
        let death = DEATH_AT.as_secs() as usize;
        let end = RUN_FOR.as_secs() as usize;
        let crash_second = |i: usize, crashes: &[(usize, f64)]| {
            crashes
                .iter()
                .find(|(r, _)| *r == i)
                .map_or(end, |(_, at)| (*at as usize).min(end))
        };
        let (mut total, mut seconds, mut peak) = (0u64, 0u64, 0u64);
        for i in 1..REPLICAS {
            let until = crash_second(i, &self.run.crashes);
            for second in death..until {
                let load = self.offered[i][second];
                total += load;
                seconds += 1;
                peak = peak.max(load);
            }
        }
        self.run.survivor_load = if seconds == 0 {
            0.0
        } else {
            total as f64 / seconds as f64
        };
        self.run.survivor_peak = peak;
        self.run.load_per_second = (0..end)
            .map(|second| (1..REPLICAS).map(|i| self.offered[i][second]).sum())
            .collect();
        self.run.alive_at_end = self.replicas.iter().filter(|r| r.alive).count();
        self.run.trips = self
            .trips
            .lock()
            .map(|t| t.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
        self.run
    }
}

/// Runs one client.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if the breaker or budget configuration is refused (it is
/// valid).
pub fn simulate(client: Client, seed: u64) -> Result<Run, ScenarioError> {
    simulate_with(client, seed, Params::default())
}

fn simulate_with(client: Client, seed: u64, params: Params) -> Result<Run, ScenarioError> {
    let mut sim = Sim::new(client, seed, params)?;
    sim.queue.at(0, Event::Arrival);
    sim.queue.at(DEATH_AT.as_nanos() as u64, Event::Death);
    let end = RUN_FOR.as_nanos() as u64 + ATTEMPT_TIMEOUT.as_nanos() as u64 * 8;
    while let Some((now, event)) = sim.queue.pop() {
        if now > end {
            break;
        }
        sim.step(event);
    }
    Ok(sim.finish_run())
}

/// Runs the scenario: the naive client, then the Ward client, on the same seed.
///
/// # Errors
///
/// As [`simulate`].
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Breaker`]
/// the Ward client's breakers admit every call; without [`Primitive::RetryBudget`] it
/// retries every timeout, like the naive client.
///
/// # Errors
///
/// As [`simulate`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let params = Params {
        breaker_on: switches.is_on(Primitive::Breaker),
        budget_on: switches.is_on(Primitive::RetryBudget),
        ..Params::default()
    };
    Ok(Outcome {
        naive: simulate(Client::Naive, seed)?,
        no_retries: simulate(Client::NoRetries, seed)?,
        ward: simulate_with(Client::Ward, seed, params)?,
        breaker_on: params.breaker_on,
        budget_on: params.budget_on,
    })
}

/// The Ward client's name, saying which of its primitives were off.
fn ward_label(o: &Outcome) -> &'static str {
    match (o.breaker_on, o.budget_on) {
        (true, true) => "with breakers and a retry budget",
        (false, true) => "with a retry budget (breakers off)",
        (true, false) => "with breakers (retry budget off)",
        (false, false) => "with breakers and retry budget off",
    }
}

/// The Ward row's name in the table, saying which of its primitives were off.
fn ward_row(o: &Outcome) -> &'static str {
    match (o.breaker_on, o.budget_on) {
        (true, true) => "same + breakers + budget",
        (false, true) => "same + retry budget (breakers off)",
        (true, false) => "same + breakers (budget off)",
        (false, false) => "same, breakers and budget off",
    }
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let mut table = Table::new(
        format!(
            "{REPLICAS} replicas of {CAPACITY} req/s, {DEMAND} req/s of demand from {CLIENTS} \
             client instances; replica 0 dies at {} s (figures after the death)",
            DEATH_AT.as_secs()
        ),
        [
            "client",
            "load per survivor (mean/peak)",
            "success rate",
            "retries sent/refused",
            "failed fast",
            "breaker trips",
            "replicas alive",
        ],
    );
    for (name, r) in [
        ("naive: 3 retries", &o.naive),
        ("same, no retries", &o.no_retries),
        (ward_row(o), &o.ward),
    ] {
        table.row([
            name.to_string(),
            format!("{:.0}/{} req/s", r.survivor_load, r.survivor_peak),
            percent(r.success_rate()),
            format!("{}/{}", r.retries_sent, r.retries_refused),
            r.rejected_by_breakers.to_string(),
            r.trips.len().to_string(),
            format!("{} of {REPLICAS}", r.alive_at_end),
        ]);
    }
    let mut trips = Table::new(
        "breaker trips of the Ward client, by replica (every instance has its own breakers)",
        ["replica", "trips", "first at"],
    );
    for replica in 0..REPLICAS {
        let of: Vec<&Trip> = o
            .ward
            .trips
            .iter()
            .filter(|t| t.replica == replica)
            .collect();
        trips.row([
            replica.to_string(),
            of.len().to_string(),
            of.first()
                .map_or("-".to_string(), |t| format!("{:.1} s", t.at)),
        ]);
    }
    let mut crashes = Table::new("crashes", ["client", "replica", "at"]);
    for r in [&o.naive, &o.no_retries, &o.ward] {
        for (replica, at) in &r.crashes {
            crashes.row([
                match r.client {
                    Client::Naive => "naive",
                    Client::NoRetries => "no retries",
                    Client::Ward => "Ward",
                }
                .to_string(),
                replica.to_string(),
                format!("{at:.1} s"),
            ]);
        }
    }
    let verdict = format!(
        "the naive client's retries took down {} survivor(s) and {} of requests succeeded; \
         without retries {} succeeded; {} {} of {} survivors lived and {} succeeded \
         (needed: {} or more), {} retries refused, {} breaker trips, {} attempts failed fast",
        (REPLICAS - 1).saturating_sub(o.naive.alive_at_end),
        percent(o.naive.success_rate()),
        percent(o.no_retries.success_rate()),
        ward_label(o),
        o.ward.alive_at_end,
        REPLICAS - 1,
        percent(o.ward.success_rate()),
        percent(o.no_retries.success_rate() + WIN_BACK),
        o.ward.retries_refused,
        o.ward.trips.len(),
        o.ward.rejected_by_breakers,
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "one replica dies; retries pile onto the survivors until they fail in turn".into(),
        tables: vec![table, trips, crashes],
        notes: vec![
            "all three clients route alike (a random replica; with breakers, a second random \
             choice when the first one's breaker refuses) and retry alike: they differ only \
             in the Ward primitives"
                .into(),
            "without retries the survivors live but lose the dead replica's share: the \
             retries, not the death, bring them down"
                .into(),
            format!(
                "after the death the survivors run at {COLD_PERCENT} % for {} s (cold caches); \
                 an attempt times out after {} ms but the replica still works on it, so \
                 retries add load while the abandoned work stays queued; a replica crashes \
                 when {QUEUE_LIMIT} attempts are queued",
                COLD_FOR.as_secs(),
                ATTEMPT_TIMEOUT.as_millis(),
            ),
            format!(
                "each of the {CLIENTS} instances has a breaker per replica (count window 20, \
                 opens at 50 % failures after 10 calls, waits 2 s, 3 trial calls) and a \
                 TpsBudget (10 % of its requests, no reserve); a breaker sees only its \
                 instance's calls, so alone it learns too slowly to stop the retry storm; \
                 the budget alone is spent on the dead replica's timeouts"
            ),
        ],
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "cascading-failure",
    number: 8,
    title: "Cascading failure",
    crate_name: "ward-backoff",
    summary: "retries against a failing replica take down the rest",
    primitives: &[crate::Primitive::Breaker, crate::Primitive::RetryBudget],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
