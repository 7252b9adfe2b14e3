//! Scenario 12: a hot key expires and a thousand requests recompute it; coalescing keeps the
//! backend to one call at a time, early expiration refreshes the key before anyone finds it
//! expired. Each run is checked against a sequential model of the cache built from the same
//! arrivals and draws.

use core::time::Duration;

use ward_backoff::stampede::EarlyExpiration;
use ward_backoff::{RandomSource as _, SplitMix64};
use ward_examples::scenarios::cache_stampede::{
    EXPIRY, Outcome, RECOMPUTE, REQUESTS, Run, SPREAD, Strategy, TTL, run, run_on, run_with,
};
use ward_examples::{Options, Primitive, Switches, scenarios};

const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

fn us(d: Duration) -> u64 {
    d.as_micros() as u64
}

/// What a sequential model of the cache predicts for one strategy: the backend calls (start,
/// end), the requests that found the key expired and those that joined a call in flight.
#[derive(Debug, PartialEq, Eq)]
struct Model {
    calls: Vec<(u64, u64)>,
    found_expired: u32,
    joined: u32,
}

/// The cache one request at a time, in arrival order: a call in flight finishes (and stores
/// the value) before any request that arrives at or after its end. With `words` each
/// request draws its XFetch decision from its word, as the scenario does.
fn model(arrivals: &[u64], words: Option<&[u64]>, coalesce: bool) -> Model {
    let xfetch = EarlyExpiration::default();
    let (mut expiry, mut delta) = (us(EXPIRY), us(RECOMPUTE));
    let mut in_flight: Vec<(u64, u64)> = Vec::new();
    let mut calls = Vec::new();
    let (mut found_expired, mut joined) = (0, 0);
    for (i, &now) in arrivals.iter().enumerate() {
        // Calls that have ended store their value, in order of end.
        in_flight.sort_unstable_by_key(|c| c.1);
        while in_flight.first().is_some_and(|c| c.1 <= now) {
            let (start, end) = in_flight.remove(0);
            expiry = end + us(TTL);
            delta = end - start;
        }
        let expired = now >= expiry;
        found_expired += u32::from(expired);
        let recompute = match words {
            Some(words) => xfetch.should_recompute(
                Duration::from_micros(now),
                Duration::from_micros(expiry),
                Duration::from_micros(delta),
                &mut SplitMix64::new(words[i]),
            ),
            None => expired,
        };
        if !recompute {
            continue;
        }
        if coalesce && !in_flight.is_empty() {
            joined += 1;
        } else {
            let call = (now, now + us(RECOMPUTE));
            in_flight.push(call);
            calls.push(call);
        }
    }
    Model {
        calls,
        found_expired,
        joined,
    }
}

/// Checks one run against the model fed the same arrivals and draws.
fn check_against_model(o: &Outcome, r: &Run) {
    let words = r.expired_early.then_some(o.draws.as_slice());
    let m = model(&o.arrivals, words, r.coalesced);
    assert_eq!(r.calls, m.calls, "{:?}", r.strategy);
    assert_eq!(r.found_expired, m.found_expired, "{:?}", r.strategy);
    assert_eq!(r.joined, m.joined, "{:?}", r.strategy);
    assert_eq!(r.backend_calls as usize, m.calls.len());
}

/// The most calls in progress at one moment, from the call log.
fn peak(calls: &[(u64, u64)]) -> u32 {
    calls
        .iter()
        .map(|&(start, _)| {
            calls
                .iter()
                .filter(|&&(s, e)| s <= start && start < e)
                .count() as u32
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn each_strategy_counts_backend_calls_as_the_model_does() {
    for seed in SEEDS {
        let o = run(seed).expect("runs");
        assert_eq!(o.arrivals.len(), REQUESTS);
        assert!(o.arrivals.windows(2).all(|w| w[0] <= w[1]));
        let (from, to) = (us(EXPIRY - SPREAD / 2), us(EXPIRY + SPREAD / 2));
        assert!(o.arrivals.iter().all(|a| (from..=to).contains(a)));
        let runs: Vec<Strategy> = o.runs.iter().map(|r| r.strategy).collect();
        assert_eq!(runs, Strategy::ALL);
        assert_eq!(o.draws.len(), REQUESTS);
        for r in &o.runs {
            check_against_model(&o, r);
            assert_eq!(r.peak_in_flight, peak(&r.calls), "{seed} {:?}", r.strategy);
            assert!(r.calls.iter().all(|&(s, e)| e == s + us(RECOMPUTE)));
            assert!(r.waited >= r.joined && r.waited as usize <= REQUESTS);
            assert_eq!(r.coalesced, r.strategy.coalesces());
            assert_eq!(r.expired_early, r.strategy.expires_early());
        }
        let none = o.run(Strategy::None).unwrap();
        // Every arrival from the expiry until the first call stores its value calls again.
        let expiry = us(EXPIRY);
        let first = *o.arrivals.iter().find(|&&a| a >= expiry).unwrap();
        let window = o
            .arrivals
            .iter()
            .filter(|&&a| (first..first + us(RECOMPUTE)).contains(&a))
            .count();
        assert_eq!(none.backend_calls as usize, window, "seed {seed}");
        assert!(
            none.backend_calls > 50 && none.peak_in_flight > 50,
            "{none:?}"
        );
        assert_eq!(none.waited, none.backend_calls);
        assert_eq!(none.joined, 0);

        let coalescing = o.run(Strategy::Coalescing).unwrap();
        assert_eq!(coalescing.backend_calls, 1, "seed {seed}");
        assert_eq!(coalescing.peak_in_flight, 1);
        assert_eq!(coalescing.calls[0].0, first);
        // Everyone who found it expired waited for that one call, the leader included.
        assert_eq!(coalescing.waited, coalescing.found_expired);
        assert_eq!(coalescing.joined, coalescing.found_expired - 1);
        assert_eq!(coalescing.longest_wait_micros, us(RECOMPUTE));

        let early = o.run(Strategy::EarlyExpiration).unwrap();
        assert_eq!(early.found_expired, 0, "seed {seed}: {early:?}");
        assert!(early.first_call_from_expiry_micros().unwrap() < 0);
        assert!(
            early.backend_calls >= 1 && early.backend_calls < 20,
            "{early:?}"
        );
        assert_eq!(early.joined, 0);
        assert_eq!(early.waited, early.backend_calls);

        let both = o.run(Strategy::Both).unwrap();
        assert_eq!(
            (both.backend_calls, both.peak_in_flight),
            (1, 1),
            "seed {seed}"
        );
        assert_eq!(both.found_expired, 0);
        // The same draws: both's one call starts with early expiration's first.
        assert_eq!(both.calls[0], early.calls[0]);
        assert_eq!(both.joined, early.backend_calls - 1, "the others joined it");

        assert!(o.anomaly_observed() && o.prevented(), "seed {seed}");
    }
}

#[test]
fn the_model_with_draws_reproduces_early_expiration() {
    // The model's XFetch path, on arrivals and words of its own: an early refresh, calls
    // never after the expiry, and coalescing folds them into one.
    let mut rng = SplitMix64::new(99);
    let (from, span) = (us(EXPIRY - SPREAD / 2), us(SPREAD));
    let mut arrivals: Vec<u64> = (0..REQUESTS)
        .map(|_| from + rng.next_u64() % (span + 1))
        .collect();
    arrivals.sort_unstable();
    let words: Vec<u64> = (0..REQUESTS).map(|_| rng.next_u64()).collect();
    let early = model(&arrivals, Some(&words), false);
    let both = model(&arrivals, Some(&words), true);
    assert_eq!(early.found_expired, 0);
    assert!(early.calls.iter().all(|c| c.0 < us(EXPIRY)));
    assert_eq!(both.calls.len(), 1);
    assert_eq!(both.calls[0], early.calls[0]);
    assert_eq!(both.joined as usize, early.calls.len() - 1);
}

#[test]
fn without_coalescing_the_backend_gets_concurrent_calls() {
    for seed in SEEDS {
        let off = Switches::default().without(Primitive::Coalesce);
        let o = run_with(seed, off).expect("runs");
        for r in &o.runs {
            check_against_model(&o, r);
        }
        let coalescing = o.run(Strategy::Coalescing).unwrap();
        assert!(!coalescing.coalesced);
        assert_eq!(coalescing.calls, o.run(Strategy::None).unwrap().calls);
        assert_eq!(coalescing.joined, 0);
        assert!(o.anomaly_observed() && !o.prevented(), "seed {seed}");
        // Early expiration is untouched by the switch.
        assert_eq!(
            o.run(Strategy::EarlyExpiration).unwrap(),
            run(seed).unwrap().run(Strategy::EarlyExpiration).unwrap()
        );
    }
}

#[test]
fn without_early_expiration_every_request_waits_for_the_expiry() {
    for seed in SEEDS {
        let off = Switches::default().without(Primitive::EarlyExpiration);
        let o = run_with(seed, off).expect("runs");
        for r in &o.runs {
            check_against_model(&o, r);
        }
        let early = o.run(Strategy::EarlyExpiration).unwrap();
        let none = o.run(Strategy::None).unwrap();
        assert!(!early.expired_early);
        assert_eq!(early.calls, none.calls);
        assert!(early.found_expired > 0);
        let both = o.run(Strategy::Both).unwrap();
        assert_eq!(both.backend_calls, 1);
        assert!(
            both.found_expired > 0,
            "coalescing alone lets the key expire"
        );
        assert!(o.anomaly_observed() && !o.prevented(), "seed {seed}");
    }
}

#[test]
fn the_verdict_predicates_read_the_counts() {
    let good = run(1).expect("runs");
    assert!(good.prevented());
    let with = |f: &dyn Fn(&mut Outcome)| {
        let mut o = good.clone();
        f(&mut o);
        o
    };
    let at = |s: Strategy| Strategy::ALL.iter().position(|&x| x == s).unwrap();
    // No concurrency without protection: nothing shown.
    let calm = with(&|o| o.runs[at(Strategy::None)].peak_in_flight = 1);
    assert!(!calm.anomaly_observed());
    // Two calls at once under coalescing, or nobody joining, fails it.
    let doubled = with(&|o| o.runs[at(Strategy::Coalescing)].peak_in_flight = 2);
    assert!(!doubled.prevented());
    let lonely = with(&|o| o.runs[at(Strategy::Coalescing)].joined = 0);
    assert!(!lonely.prevented());
    // One request finding the key expired under early expiration, or under both, fails it.
    let late = with(&|o| o.runs[at(Strategy::EarlyExpiration)].found_expired = 1);
    assert!(!late.prevented());
    let late_both = with(&|o| o.runs[at(Strategy::Both)].found_expired = 1);
    assert!(!late_both.prevented());
    let doubled_both = with(&|o| o.runs[at(Strategy::Both)].peak_in_flight = 2);
    assert!(!doubled_both.prevented());
    // No backend call at all is not a refresh.
    let idle = with(&|o| o.runs[at(Strategy::EarlyExpiration)].backend_calls = 0);
    assert!(!idle.prevented());
    let idle_coalescing = with(&|o| o.runs[at(Strategy::Coalescing)].backend_calls = 0);
    assert!(!idle_coalescing.prevented());
    let idle_both = with(&|o| o.runs[at(Strategy::Both)].backend_calls = 0);
    assert!(!idle_both.prevented());
    // A missing strategy fails both predicates, and `run` says which.
    let short = with(&|o| o.runs.truncate(1));
    assert!(!short.prevented());
    assert!(short.run(Strategy::Both).is_err());
    let empty = with(&|o| o.runs.clear());
    assert!(!empty.anomaly_observed());
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
    assert_ne!(run(9).unwrap().arrivals, run(10).unwrap().arrivals);
}

#[test]
fn the_report_carries_the_runs_counts() {
    let o = run(1).expect("runs");
    let report = scenarios::find("cache-stampede")
        .expect("the scenario")
        .run(&Options::with_seed(1));
    assert!(report.passed());
    let rows = report.tables[0].rows();
    assert_eq!(rows.len(), 4);
    for (row, r) in rows.iter().zip(&o.runs) {
        assert_eq!(row[1], r.backend_calls.to_string());
        assert_eq!(row[2], r.peak_in_flight.to_string());
        assert_eq!(row[3], r.found_expired.to_string());
    }
    let none = o.run(Strategy::None).unwrap();
    assert!(
        report.verdict.starts_with(&format!(
            "with no protection {} of 1000 requests called the backend",
            none.backend_calls
        )),
        "{}",
        report.verdict
    );
    assert!(
        report
            .verdict
            .contains("with request coalescing 1 backend call, at most 1")
    );
    assert!(
        report
            .verdict
            .contains("with both: 1 backend call, at most 1 at once, and 0")
    );
}

#[test]
fn regression_a_request_arriving_as_a_call_ends_sees_its_value() {
    // The first request finds the key expired and calls the backend; the second arrives at
    // the very moment that call ends (a tie on the paused clock) and must read the value it
    // stored, not the expired one. Far later requests read the fresh value too.
    let (expiry, recompute) = (us(EXPIRY), us(RECOMPUTE));
    let arrivals = vec![expiry, expiry + recompute, expiry + 2 * recompute];
    let o = run_on(arrivals.clone(), vec![1, 2, 3], Switches::default()).expect("runs");
    for r in &o.runs {
        check_against_model(&o, r);
    }
    let none = o.run(Strategy::None).unwrap();
    assert_eq!(none.calls, [(expiry, expiry + recompute)]);
    assert_eq!((none.found_expired, none.waited), (1, 1));
    assert!(run_on(arrivals, vec![1], Switches::default()).is_err());
}
