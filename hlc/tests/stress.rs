//! Real threads hammering one `Hlc`: every timestamp is unique and each thread sees its
//! own strictly increase.
#![cfg(feature = "std")]

use std::collections::HashSet;
use std::sync::Barrier;
use std::thread;

use ward_hlc::{CoarseClock, Hlc, ManualClock, PhysicalClock, SystemClock, Timestamp};

const THREADS: usize = 4;
const EVENTS: usize = 20_000;

/// Each thread alternates local events and receives of a timestamp a little ahead.
fn hammer<C: PhysicalClock + Sync>(hlc: &Hlc<C>, remote: impl Fn(usize) -> Timestamp + Sync) {
    let barrier = Barrier::new(THREADS);
    let per_thread: Vec<Vec<Timestamp>> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let barrier = &barrier;
                let remote = &remote;
                s.spawn(move || {
                    barrier.wait();
                    let mut seen = Vec::with_capacity(EVENTS);
                    for i in 0..EVENTS {
                        let ts = if (i + t) % 7 == 0 {
                            let r = remote(i);
                            let got = hlc.receive(r).expect("receive within range");
                            assert!(got > r);
                            got
                        } else {
                            hlc.now().expect("now within range")
                        };
                        seen.push(ts);
                    }
                    seen
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no thread panics"))
            .collect()
    });

    let mut all = HashSet::with_capacity(THREADS * EVENTS);
    for seen in &per_thread {
        for pair in seen.windows(2) {
            assert!(
                pair[0] < pair[1],
                "a thread saw {} then {}",
                pair[0],
                pair[1]
            );
        }
        for ts in seen {
            assert!(all.insert(*ts), "timestamp {ts} issued twice");
        }
    }
    assert_eq!(all.len(), THREADS * EVENTS);
    let max = all.iter().max().copied();
    assert_eq!(
        hlc.last(),
        max,
        "the clock's state is the largest timestamp issued"
    );
}

#[test]
fn stress_system_clock() {
    let hlc = Hlc::new(SystemClock);
    let base = hlc.now().unwrap();
    hammer(&hlc, |i| {
        Timestamp::from_u64(base.as_u64() + i as u64 * 3).unwrap()
    });
}

#[test]
fn stress_coarse_clock() {
    let hlc = Hlc::new(CoarseClock);
    let base = hlc.now().unwrap();
    hammer(&hlc, |i| {
        Timestamp::from_u64(base.as_u64() + i as u64).unwrap()
    });
}

#[test]
fn stress_frozen_manual_clock_with_carries() {
    // A frozen clock forces every event onto the logical counter, carrying often.
    let hlc = Hlc::new(ManualClock::new(1_000));
    hammer(&hlc, |i| {
        Timestamp::new(1_000 + (i as u64 % 5), 4_000).unwrap()
    });
}

/// Real threads on the fast path while another thread drives the clock to the end of
/// the range: the history of issued timestamps has no duplicates, nothing above
/// `Timestamp::MAX_ISSUED`, and the clock ends exactly there, exhausted, not wrapped.
#[test]
fn stress_fast_path_racing_to_the_end_of_the_range() {
    use ward_hlc::ClockError;

    for _ in 0..20 {
        let hlc = Hlc::builder(ManualClock::new(10))
            .with_max_drift(None)
            .resume_after(Timestamp::new(10, 0).unwrap())
            .build();
        let before_end = Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 1).unwrap();
        let mut issued: Vec<Timestamp> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        let mut mine = Vec::new();
                        for _ in 0..2_000 {
                            match hlc.now() {
                                Ok(t) => mine.push(t),
                                Err(ClockError::Exhausted { last }) => {
                                    assert_eq!(last, Timestamp::MAX_ISSUED);
                                }
                                Err(e) => panic!("unexpected {e}"),
                            }
                        }
                        assert!(mine.windows(2).all(|w| w[0] < w[1]));
                        mine
                    })
                })
                .collect();
            let end = hlc.receive(before_end);
            let mut all: Vec<Timestamp> = workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect();
            all.push(end.unwrap());
            all
        });
        let n = issued.len();
        issued.sort();
        issued.dedup();
        assert_eq!(issued.len(), n, "a timestamp was issued twice");
        assert_eq!(issued.last(), Some(&Timestamp::MAX_ISSUED));
        assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));
        assert!(hlc.now().is_err());
    }
}
