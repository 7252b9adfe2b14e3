//! Scenario 7, thundering herd: the experiment of the AWS Architecture Blog post "Exponential
//! Backoff And Jitter" (2015), as a discrete-event simulation.
//!
//! `clients` clients start together and each wants one successful write to the same row,
//! under optimistic concurrency: a call reads the row's version, then sends a conditional
//! write that succeeds only if nobody wrote the row since that read. Every network hop
//! takes `|Normal(10 ms, 2 ms)|`. A client whose write failed waits for its backoff
//! strategy's next delay (base 5 ms, cap 2 s), then calls again. "Calls" counts these
//! read-then-conditional-write attempts; the completion time is when the last client got its
//! success reply.
//!
//! The strategies are `ward-backoff`'s own: [`Strategy::exponential`],
//! [`Strategy::full_jitter`], [`Strategy::equal_jitter`] and [`Strategy::decorrelated`],
//! drawn through [`Backoff`] with one seeded [`SplitMix64`] per client. "No backoff" retries
//! at once.

use core::time::Duration;

use serde::Serialize;
use ward_backoff::{Backoff, SplitMix64, Strategy};

use crate::report::{Table, human_nanos};
use crate::sim::{EventQueue, MS, SEC, SimRng};
use crate::{Options, Primitive, Report, Switches};

/// Mean network delay of one hop.
pub const HOP_MEAN: Duration = Duration::from_millis(10);
/// Standard deviation of one hop's delay.
pub const HOP_SD: Duration = Duration::from_millis(2);
/// The backoff base delay.
pub const BASE: Duration = Duration::from_millis(5);
/// The backoff cap.
pub const CAP: Duration = Duration::from_secs(2);
/// Clients in the headline run.
pub const CLIENTS: usize = 100;
/// Client counts of the `--sweep` table.
pub const SWEEP: [usize; 6] = [10, 25, 50, 100, 200, 400];
/// A run stops after this much simulated time even if clients are still trying.
const HORIZON: u64 = 3_600 * SEC;

/// How a client waits between a failed call and the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// Call again at once.
    NoBackoff,
    /// `min(cap, base · 2^n)`, no jitter.
    Exponential,
    /// Uniform in `[0, E(n)]`.
    FullJitter,
    /// `E(n)/2 + uniform[0, E(n)/2]`.
    EqualJitter,
    /// `min(cap, uniform[base, 3 · previous])`.
    Decorrelated,
}

impl Retry {
    /// Every strategy, naive ones first.
    pub const ALL: [Retry; 5] = [
        Retry::NoBackoff,
        Retry::Exponential,
        Retry::FullJitter,
        Retry::EqualJitter,
        Retry::Decorrelated,
    ];

    /// A short name for tables.
    pub fn label(self) -> &'static str {
        match self {
            Retry::NoBackoff => "no backoff",
            Retry::Exponential => "exponential, no jitter",
            Retry::FullJitter => "full jitter",
            Retry::EqualJitter => "equal jitter",
            Retry::Decorrelated => "decorrelated jitter",
        }
    }

    /// Whether the strategy is one of `ward-backoff`'s jittered strategies.
    pub fn is_jittered(self) -> bool {
        matches!(
            self,
            Retry::FullJitter | Retry::EqualJitter | Retry::Decorrelated
        )
    }

    fn strategy(self) -> Option<Strategy> {
        let made = match self {
            Retry::NoBackoff => return None,
            Retry::Exponential => Strategy::exponential(BASE, CAP),
            Retry::FullJitter => Strategy::full_jitter(BASE, CAP),
            Retry::EqualJitter => Strategy::equal_jitter(BASE, CAP),
            Retry::Decorrelated => Strategy::decorrelated(BASE, CAP),
        };
        // BASE and CAP are valid constants (0 < base <= cap); the unit test
        // `every_strategy_is_valid` checks it.
        made.ok()
    }
}

/// One simulated run: one strategy, one client count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HerdRun {
    /// The retry strategy.
    pub strategy: Retry,
    /// Clients contending on the row.
    pub clients: usize,
    /// Read-then-conditional-write calls, summed over clients.
    pub calls: u64,
    /// Simulated nanoseconds until the last client's write succeeded.
    pub completion_nanos: u64,
    /// Clients whose write succeeded (all of them, unless the horizon was hit).
    pub completed: usize,
}

impl HerdRun {
    /// Calls per client.
    pub fn calls_per_client(&self) -> f64 {
        self.calls as f64 / self.clients as f64
    }
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The headline runs, one per strategy, with [`CLIENTS`] clients.
    pub runs: Vec<HerdRun>,
    /// The sweep over [`SWEEP`], if asked for.
    pub sweep: Vec<HerdRun>,
    /// Calls started over time in each headline run, in the order of `runs`.
    pub calls_over_time: Vec<CallsOverTime>,
}

impl Outcome {
    /// The headline run of one strategy.
    pub fn run_of(&self, strategy: Retry) -> &HerdRun {
        // `runs` holds every strategy of Retry::ALL, in order.
        &self.runs[Retry::ALL.iter().position(|&s| s == strategy).unwrap_or(0)]
    }

    /// The anomaly: without jitter the herd keeps colliding, so the number of calls per
    /// client grows well beyond one (here: at least three calls per client for both naive
    /// strategies).
    pub fn anomaly_observed(&self) -> bool {
        [Retry::NoBackoff, Retry::Exponential]
            .iter()
            .all(|&s| self.run_of(s).calls_per_client() >= 3.0)
    }

    /// The prevention: every client finished under every jittered strategy, and each makes
    /// fewer calls than exponential backoff without jitter; full jitter at most half the
    /// calls of no backoff.
    pub fn prevented(&self) -> bool {
        let exp = self.run_of(Retry::Exponential).calls;
        let none = self.run_of(Retry::NoBackoff).calls;
        let jitter_ok = Retry::ALL
            .iter()
            .filter(|s| s.is_jittered())
            .map(|&s| self.run_of(s))
            .all(|r| r.completed == r.clients && r.calls < exp);
        jitter_ok && self.run_of(Retry::FullJitter).calls * 2 <= none
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// The client starts a call: its read leaves now.
    Start(usize),
    /// The read reaches the server.
    ReadAtServer(usize),
    /// The read's reply, carrying the version seen, reaches the client.
    ReadReply(usize, u64),
    /// The conditional write reaches the server.
    WriteAtServer(usize, u64),
    /// The write's reply reaches the client.
    WriteReply(usize, bool),
}

/// Simulates `clients` clients under one strategy.
///
/// As in the blog's simulator, the first retry waits the delay of attempt 1 (a ceiling of
/// `2 · base`), not of attempt 0.
pub fn simulate(strategy: Retry, clients: usize, seed: u64) -> HerdRun {
    simulate_with(strategy, clients, seed, true)
}

/// As [`simulate`]; with `backoff_on` false ([`Primitive::Backoff`] switched off) a client
/// drops its delay and calls again at once, whatever the strategy.
pub fn simulate_with(strategy: Retry, clients: usize, seed: u64, backoff_on: bool) -> HerdRun {
    simulate_traced(strategy, clients, seed, backoff_on).0
}

/// Width of a bucket of [`CallsOverTime`].
pub const BUCKET_MS: u64 = 100;
/// How much of each run [`CallsOverTime`] covers.
pub const TRACE_FOR_MS: u64 = 10_000;

/// Calls started per [`BUCKET_MS`] over the first [`TRACE_FOR_MS`] of one headline run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallsOverTime {
    /// The retry strategy.
    pub strategy: Retry,
    /// The bucket width in milliseconds.
    pub bucket_ms: u64,
    /// Calls started in each bucket, from time zero.
    pub calls: Vec<u64>,
}

/// As [`simulate_with`], also counting the calls started per [`BUCKET_MS`].
fn simulate_traced(
    strategy: Retry,
    clients: usize,
    seed: u64,
    backoff_on: bool,
) -> (HerdRun, Vec<u64>) {
    let mut trace = vec![0u64; (TRACE_FOR_MS / BUCKET_MS) as usize];
    let mut net = SimRng::new(seed, "thundering-herd/network");
    let mut seeds = SimRng::new(seed, "thundering-herd/clients");
    let strat = strategy.strategy();
    let mut backoffs: Vec<Option<Backoff<SplitMix64>>> = (0..clients)
        .map(|_| {
            let client_seed = seeds.next_u64();
            strat.filter(|_| backoff_on).map(|s| {
                let mut b = Backoff::new(s, SplitMix64::new(client_seed));
                b.set_attempt(1);
                b
            })
        })
        .collect();
    let hop_mean = HOP_MEAN.as_nanos() as u64;
    let hop_sd = HOP_SD.as_nanos() as u64;
    let mut hop = move || net.abs_normal_nanos(hop_mean, hop_sd);

    let mut queue = EventQueue::new();
    for c in 0..clients {
        queue.at(0, Event::Start(c));
    }
    let mut version = 0u64;
    let mut calls = 0u64;
    let mut completed = 0usize;
    let mut completion = 0u64;
    while let Some((now, event)) = queue.pop() {
        if now > HORIZON {
            break;
        }
        match event {
            Event::Start(c) => {
                calls += 1;
                if let Some(slot) = trace.get_mut((now / (BUCKET_MS * MS)) as usize) {
                    *slot += 1;
                }
                queue.after(hop(), Event::ReadAtServer(c));
            }
            Event::ReadAtServer(c) => queue.after(hop(), Event::ReadReply(c, version)),
            Event::ReadReply(c, seen) => queue.after(hop(), Event::WriteAtServer(c, seen)),
            Event::WriteAtServer(c, seen) => {
                let ok = seen == version;
                if ok {
                    version += 1;
                }
                queue.after(hop(), Event::WriteReply(c, ok));
            }
            Event::WriteReply(_, true) => {
                completed += 1;
                completion = now;
            }
            Event::WriteReply(c, false) => {
                let wait = backoffs[c].as_mut().map_or(0, Backoff::next_nanos);
                queue.after(wait, Event::Start(c));
            }
        }
    }
    (
        HerdRun {
            strategy,
            clients,
            calls,
            completion_nanos: completion,
            completed,
        },
        trace,
    )
}

/// Runs the scenario: every strategy with [`CLIENTS`] clients, and the sweep if `sweep`.
pub fn run(seed: u64, sweep: bool) -> Outcome {
    run_with(seed, sweep, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Backoff`]
/// every strategy's client calls again at once after a failure.
pub fn run_with(seed: u64, sweep: bool, switches: Switches) -> Outcome {
    let on = switches.is_on(Primitive::Backoff);
    let (runs, calls_over_time) = Retry::ALL
        .iter()
        .map(|&s| {
            let (run, calls) = simulate_traced(s, CLIENTS, seed, on);
            let trace = CallsOverTime {
                strategy: s,
                bucket_ms: BUCKET_MS,
                calls,
            };
            (run, trace)
        })
        .unzip();
    let sweep = if sweep {
        SWEEP
            .iter()
            .flat_map(|&n| {
                Retry::ALL
                    .iter()
                    .map(move |&s| simulate_with(s, n, seed, on))
            })
            .collect()
    } else {
        Vec::new()
    };
    Outcome {
        runs,
        sweep,
        calls_over_time,
    }
}

/// Turns the outcome into the tour's report.
pub fn report(outcome: &Outcome) -> Report {
    let mut main = Table::new(
        format!("{CLIENTS} clients, one row, conditional writes (base 5 ms, cap 2 s)"),
        ["strategy", "total calls", "calls/client", "completion time"],
    );
    for r in &outcome.runs {
        main.row([
            r.strategy.label().to_string(),
            r.calls.to_string(),
            format!("{:.1}", r.calls_per_client()),
            if r.completed == r.clients {
                human_nanos(r.completion_nanos)
            } else {
                format!("{} of {} done", r.completed, r.clients)
            },
        ]);
    }
    let mut tables = vec![main];
    if !outcome.sweep.is_empty() {
        let mut columns = vec!["clients".to_string()];
        columns.extend(Retry::ALL.iter().map(|s| s.label().to_string()));
        let mut calls = Table::new("sweep: total calls", columns.clone());
        let mut times = Table::new("sweep: completion time", columns);
        for &n in &SWEEP {
            let of_n: Vec<&HerdRun> = outcome.sweep.iter().filter(|r| r.clients == n).collect();
            calls.row(
                core::iter::once(n.to_string()).chain(of_n.iter().map(|r| r.calls.to_string())),
            );
            times.row(
                core::iter::once(n.to_string())
                    .chain(of_n.iter().map(|r| human_nanos(r.completion_nanos))),
            );
        }
        tables.push(calls);
        tables.push(times);
    }
    let none = outcome.run_of(Retry::NoBackoff);
    let exp = outcome.run_of(Retry::Exponential);
    let full = outcome.run_of(Retry::FullJitter);
    let done = |r: &HerdRun| {
        if r.completed == r.clients {
            format!("all done in {}", human_nanos(r.completion_nanos))
        } else {
            format!("{} of {} done", r.completed, r.clients)
        }
    };
    let verdict = format!(
        "full jitter made {} calls, {}; no backoff made {} ({:.1} x the work), {}; exponential \
         without jitter made {} ({:.1} x), {}",
        full.calls,
        done(full),
        none.calls,
        none.calls as f64 / full.calls.max(1) as f64,
        done(none),
        exp.calls,
        exp.calls as f64 / full.calls.max(1) as f64,
        done(exp),
    );
    let mut notes = vec![
        "a call is one read plus one conditional write; each hop |Normal(10 ms, 2 ms)|; the \
         first retry waits the delay of attempt 1, as in the blog's simulator"
            .to_string(),
        "without jitter, clients that failed together retry together and fail together \
         again; jitter spreads them so most calls find the row quiet"
            .to_string(),
    ];
    if none.completed == none.clients && none.completion_nanos < full.completion_nanos {
        notes.push(format!(
            "no backoff finished first ({} against {}) because the row is never idle, but it \
             made {:.1} x the calls: the server pays for every lost race",
            human_nanos(none.completion_nanos),
            human_nanos(full.completion_nanos),
            none.calls as f64 / full.calls.max(1) as f64,
        ));
    }
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "clients retrying in step keep colliding on one row: most calls are wasted \
                  conflicts"
            .into(),
        tables,
        notes,
        anomaly_observed: outcome.anomaly_observed(),
        prevented: outcome.prevented(),
        verdict,
        details: super::details(outcome),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "thundering-herd",
    number: 7,
    title: "Thundering herd",
    crate_name: "ward-backoff",
    summary: "clients retrying in step keep colliding on one row",
    primitives: &[crate::Primitive::Backoff],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        Ok(run_with(options.seed, options.sweep, options.switches)),
        report,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::MS;

    #[test]
    fn every_strategy_is_valid() {
        for s in Retry::ALL {
            assert_eq!(s.strategy().is_none(), s == Retry::NoBackoff, "{s:?}");
        }
    }

    #[test]
    fn one_client_needs_one_call() {
        for s in Retry::ALL {
            let r = simulate(s, 1, 3);
            assert_eq!((r.calls, r.completed), (1, 1));
            // Four hops of about 10 ms each.
            assert!((20 * MS..60 * MS).contains(&r.completion_nanos));
        }
    }
}
