//! Cache stampede: XFetch's early-expiration probability, request coalescing (sync and
//! async) with failures and departed leaders, and 1,000 concurrent requests for one
//! expiring key counting backend calls per strategy.

use core::time::Duration;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use ward_backoff::stampede::{Coalesce, EarlyExpiration};
use ward_backoff::{ConfigError, RandomSource, SplitMix64};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A source that always answers the same word.
struct Fixed(u64);
impl RandomSource for Fixed {
    fn next_u64(&mut self) -> u64 {
        self.0
    }
}

/// The paper's rule: a reader `t` before expiry recomputes with probability
/// `exp(-t / (delta * beta))`.
#[test]
fn xfetch_recomputes_with_the_papers_probability() {
    let mut rng = SplitMix64::new(42);
    for (beta, t, delta) in [
        (1.0, 100, 100),
        (1.0, 300, 100),
        (2.0, 100, 100),
        (0.5, 50, 200),
    ] {
        let x = EarlyExpiration::new(beta).unwrap();
        let n = 20_000;
        let hits = (0..n)
            .filter(|_| x.should_recompute(ms(10_000 - t), ms(10_000), ms(delta), &mut rng))
            .count();
        let want = (-(t as f64) / (delta as f64 * beta)).exp();
        let got = hits as f64 / f64::from(n);
        assert!(
            (got - want).abs() < 0.01,
            "beta {beta} t {t}: {got} vs {want}"
        );
    }
}

/// The range ends: an expired value always, a zero recomputation time never early, the
/// extreme random words (u = 1 and the smallest u) stay finite and ordered.
#[test]
fn xfetch_range_ends() {
    let x = EarlyExpiration::default();
    assert!(x.should_recompute(ms(5), ms(5), ms(0), &mut Fixed(0)));
    assert!(x.should_recompute(Duration::MAX, ms(5), ms(1), &mut Fixed(0)));
    assert!(!x.should_recompute(ms(4), ms(5), Duration::ZERO, &mut Fixed(0)));
    // u = 1 (the largest word): ln u = 0, never early.
    assert!(!x.should_recompute(ms(4), ms(5), ms(1000), &mut Fixed(u64::MAX)));
    // The smallest u = 2^-53: -ln u ≈ 36.7 recomputation times ahead.
    assert!(x.should_recompute(ms(0), ms(36_000), ms(1000), &mut Fixed(0)));
    assert!(!x.should_recompute(ms(0), ms(37_000), ms(1000), &mut Fixed(0)));
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1000.5] {
        assert!(matches!(
            EarlyExpiration::new(bad),
            Err(ConfigError::BetaOutOfRange { .. })
        ));
    }
    assert_eq!(EarlyExpiration::new(1000.0).unwrap().beta(), 1000.0);
}

/// A failure reaches every waiter, with one backend call.
#[test]
fn coalesced_failure_reaches_every_waiter() {
    let c: Arc<Coalesce<u32, u32, String>> = Arc::new(Coalesce::new());
    let calls = Arc::new(AtomicU32::new(0));
    let gate = Arc::new(std::sync::Barrier::new(17));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (c, calls, gate) = (Arc::clone(&c), Arc::clone(&calls), Arc::clone(&gate));
            std::thread::spawn(move || {
                gate.wait();
                c.run(7, || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(ms(200));
                    Err("backend down".to_string())
                })
            })
        })
        .collect();
    gate.wait();
    for h in handles {
        assert_eq!(h.join().unwrap(), Err("backend down".to_string()));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(c.in_flight(), 0);
}

/// A leader that panics hands the computation over: one waiter computes, the others get
/// its result, nobody hangs.
#[test]
fn a_panicking_leader_hands_over_to_a_waiter() {
    let c: Arc<Coalesce<&str, u32, ()>> = Arc::new(Coalesce::new());
    let calls = Arc::new(AtomicU32::new(0));
    let leader = {
        let (c, calls) = (Arc::clone(&c), Arc::clone(&calls));
        std::thread::spawn(move || {
            c.run("k", || {
                calls.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(ms(200));
                panic!("leader crashed");
            })
        })
    };
    while c.in_flight() == 0 {
        std::thread::yield_now();
    }
    let waiters: Vec<_> = (0..8)
        .map(|_| {
            let (c, calls) = (Arc::clone(&c), Arc::clone(&calls));
            std::thread::spawn(move || {
                c.run("k", || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(ms(50));
                    Ok(5)
                })
            })
        })
        .collect();
    assert!(leader.join().is_err(), "the leader panicked");
    for w in waiters {
        assert_eq!(w.join().unwrap(), Ok(5));
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the crashed leader and one successor"
    );
    assert_eq!(c.in_flight(), 0);
}

#[cfg(feature = "tokio")]
fn paused<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f)
}

/// An async leader whose future is dropped hands over to a waiter.
#[cfg(feature = "tokio")]
#[test]
fn a_cancelled_async_leader_hands_over_to_a_waiter() {
    paused(async {
        let c: Arc<Coalesce<&str, u32, ()>> = Arc::new(Coalesce::new());
        let calls = Arc::new(AtomicU32::new(0));
        let work = |calls: Arc<AtomicU32>, v| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(ms(100)).await;
            Ok(v)
        };
        let leader = {
            let (c, calls) = (Arc::clone(&c), Arc::clone(&calls));
            tokio::spawn(async move { c.run_async("k", || work(calls, 1)).await })
        };
        tokio::task::yield_now().await;
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (c, calls) = (Arc::clone(&c), Arc::clone(&calls));
                tokio::spawn(async move { c.run_async("k", || work(calls, 10 + i)).await })
            })
            .collect();
        tokio::time::sleep(ms(10)).await;
        leader.abort();
        assert!(leader.await.unwrap_err().is_cancelled());
        let mut results = Vec::new();
        for w in waiters {
            results.push(w.await.unwrap());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
        assert_eq!(c.in_flight(), 0);
    });
}

/// The scenario: one key cached until t = 10 s, whose recomputation takes 100 ms; 1,000
/// requests arrive one per millisecond from t = 9.5 s; a request that decides to
/// recompute calls the backend and then stores the value for another 10 s. Returns the
/// backend calls.
#[cfg(feature = "tokio")]
fn stampede(coalesce: bool, early: bool) -> u32 {
    use std::sync::Mutex;
    use tokio::time::Instant;
    paused(async move {
        let origin = Instant::now();
        let expiry = Arc::new(Mutex::new(ms(10_000)));
        let calls = Arc::new(AtomicU32::new(0));
        let flights: Arc<Coalesce<&str, Duration, ()>> = Arc::new(Coalesce::new());
        let xfetch = EarlyExpiration::default();
        let mut rng = SplitMix64::new(2015);
        let mut tasks = Vec::new();
        for i in 0..1000u64 {
            let at = ms(9_500 + i);
            let draw = rng.next_u64();
            let (expiry, calls, flights) = (
                Arc::clone(&expiry),
                Arc::clone(&calls),
                Arc::clone(&flights),
            );
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep_until(origin + at).await;
                let now = origin.elapsed();
                let until = *expiry.lock().unwrap();
                let recompute = if early {
                    xfetch.should_recompute(now, until, ms(100), &mut Fixed(draw))
                } else {
                    now >= until
                };
                if !recompute {
                    return;
                }
                let backend = || {
                    let (calls, expiry) = (Arc::clone(&calls), Arc::clone(&expiry));
                    async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(ms(100)).await;
                        let fresh = origin.elapsed() + ms(10_000);
                        *expiry.lock().unwrap() = fresh;
                        Ok::<_, ()>(fresh)
                    }
                };
                if coalesce {
                    flights.run_async("hot", backend).await.unwrap();
                } else {
                    backend().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        calls.load(Ordering::SeqCst)
    })
}

/// 1,000 concurrent requests for one expiring key: backend calls with neither remedy,
/// with coalescing, with early expiration, and with both.
#[cfg(feature = "tokio")]
#[test]
fn stampede_of_1000_requests_counts_backend_calls() {
    let none = stampede(false, false);
    let coalescing = stampede(true, false);
    let early = stampede(false, true);
    let both = stampede(true, true);
    println!(
        "backend calls of 1,000: none {none}, coalescing {coalescing}, early expiration {early}, both {both}"
    );
    // Every request from the expiry to the first refresh (100 ms; the request arriving
    // at the very instant the refresh lands may come first) calls the backend.
    assert!((100..=101).contains(&none), "none: {none}");
    assert_eq!(coalescing, 1);
    assert!(early < 20, "early expiration: {early}");
    assert_eq!(both, 1);
}
