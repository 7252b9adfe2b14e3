//! Real threads hammering one `Hlc`: every timestamp is unique and each thread sees its
//! own strictly increase.

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
    hammer(&hlc, |i| Timestamp::from_u64(base.as_u64() + i as u64 * 3));
}

#[test]
fn stress_coarse_clock() {
    let hlc = Hlc::new(CoarseClock);
    let base = hlc.now().unwrap();
    hammer(&hlc, |i| Timestamp::from_u64(base.as_u64() + i as u64));
}

#[test]
fn stress_frozen_manual_clock_with_carries() {
    // A frozen clock forces every event onto the logical counter, carrying often.
    let hlc = Hlc::new(ManualClock::new(1_000));
    hammer(&hlc, |i| {
        Timestamp::new(1_000 + (i as u64 % 5), 4_000).unwrap()
    });
}
