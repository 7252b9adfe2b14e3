//! Histories of real threads checked against the sequential specification of an HLC.
//!
//! Every operation is recorded with the ticks of a shared sequence counter taken just
//! before it starts and just after it returns. The specification says the clock is one
//! register that only grows: so if operation A returned before operation B started, B's
//! timestamp is greater than A's, whatever the threads and the physical clock did. The
//! checker verifies exactly that over every pair in real-time order, plus uniqueness and
//! `receive(r) > r`, while another thread moves the physical clock forwards and backwards.
#![cfg(feature = "std")]

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

use ward_hlc::{Hlc, ManualClock, PhysicalClock, SystemClock, Timestamp};

const THREADS: usize = 3;
const EVENTS: usize = 5_000;

/// One completed operation.
#[derive(Debug, Clone, Copy)]
struct Event {
    start: u64,
    end: u64,
    ts: Timestamp,
    /// The remote timestamp of a receive.
    remote: Option<Timestamp>,
}

/// Runs `THREADS` threads of mixed local events and receives and returns the history.
fn record<C: PhysicalClock + Sync>(
    hlc: &Hlc<C>,
    remote: impl Fn(usize, usize) -> Timestamp + Sync,
    meddle: impl Fn(&AtomicBool) + Sync,
) -> Vec<Event> {
    let ticks = AtomicU64::new(0);
    let barrier = Barrier::new(THREADS + 1);
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let meddler = s.spawn(|| {
            barrier.wait();
            meddle(&done);
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (ticks, barrier, remote) = (&ticks, &barrier, &remote);
                s.spawn(move || {
                    barrier.wait();
                    let mut events = Vec::with_capacity(EVENTS);
                    for i in 0..EVENTS {
                        let start = ticks.fetch_add(1, Ordering::SeqCst);
                        let (ts, remote) = if (i + t).is_multiple_of(5) {
                            let r = remote(t, i);
                            (
                                hlc.receive(r).expect("a receive within the drift bound"),
                                Some(r),
                            )
                        } else {
                            (hlc.now().expect("an event within range"), None)
                        };
                        let end = ticks.fetch_add(1, Ordering::SeqCst);
                        events.push(Event {
                            start,
                            end,
                            ts,
                            remote,
                        });
                    }
                    events
                })
            })
            .collect();
        let history = workers
            .into_iter()
            .flat_map(|w| w.join().expect("no worker panics"))
            .collect();
        done.store(true, Ordering::SeqCst);
        meddler.join().expect("the meddler does not panic");
        history
    })
}

/// Checks the history against the specification; returns how many ordered pairs the
/// real-time rule constrained (so a test can show the check was not vacuous).
fn check(history: &[Event]) -> usize {
    let mut ts: Vec<Timestamp> = history.iter().map(|e| e.ts).collect();
    ts.sort_unstable();
    let n = ts.len();
    ts.dedup();
    assert_eq!(ts.len(), n, "a timestamp was issued twice");

    for e in history {
        if let Some(r) = e.remote {
            assert!(e.ts > r, "receive({r}) returned {}", e.ts);
        }
    }

    // Real-time order: sweep operations by start, keeping the largest timestamp among the
    // operations that had returned before it.
    let mut by_end: Vec<&Event> = history.iter().collect();
    by_end.sort_unstable_by_key(|e| e.end);
    let mut by_start: Vec<&Event> = history.iter().collect();
    by_start.sort_unstable_by_key(|e| e.start);
    let mut finished = 0;
    let mut max_before: Option<Timestamp> = None;
    let mut constrained = 0;
    for b in by_start {
        while finished < by_end.len() && by_end[finished].end < b.start {
            max_before = max_before.max(Some(by_end[finished].ts));
            finished += 1;
        }
        if let Some(max) = max_before {
            constrained += finished;
            assert!(
                b.ts > max,
                "an operation started after one that returned {max} and got {}",
                b.ts
            );
        }
    }
    constrained
}

#[test]
fn history_system_clock_is_linearizable() {
    let hlc = Hlc::new(SystemClock);
    let base = hlc.now().unwrap();
    let history = record(
        &hlc,
        |t, i| Timestamp::new(base.physical() + (t * EVENTS + i) as u64 / 8, 7).unwrap(),
        |_| {},
    );
    assert!(check(&history) > 0);
}

/// The physical clock jumps backwards and forwards (by up to a second) while the threads
/// issue: the history stays linearizable, because a clock that goes back only stalls the
/// HLC on its logical counter.
#[test]
fn history_with_a_clock_jumping_back_and_forth_is_linearizable() {
    let start = 1_700_000_000_000_000;
    let hlc = Hlc::builder(ManualClock::new(start))
        .with_max_drift(None)
        .build();
    let history = record(
        &hlc,
        |t, i| Timestamp::new(start + ((t * 31 + i * 17) % 3_000) as u64, 4_000).unwrap(),
        |done| {
            let mut step = 0_u64;
            while !done.load(Ordering::SeqCst) {
                step += 1;
                let jump = (step * 7_919) % 1_000_000;
                let now = if step.is_multiple_of(3) {
                    start.saturating_sub(jump)
                } else {
                    start + jump
                };
                hlc.clock().set(now);
                thread::yield_now();
            }
        },
    );
    assert!(check(&history) > 0);
}

/// A frozen clock sends every event through the logical counter and its carries.
#[test]
fn history_on_a_frozen_clock_is_linearizable() {
    let hlc = Hlc::builder(ManualClock::new(5_000))
        .with_max_drift(None)
        .build();
    let history = record(
        &hlc,
        |_, i| Timestamp::new(5_000 + (i % 3) as u64, 4_095).unwrap(),
        |_| {},
    );
    assert!(check(&history) > 0);
}

/// The checker itself: a history where an operation that started after another returned
/// got a smaller timestamp is refused.
#[test]
#[should_panic(expected = "an operation started after one that returned")]
fn history_checker_refuses_a_stale_read() {
    let ts = |p| Timestamp::new(p, 0).unwrap();
    check(&[
        Event {
            start: 0,
            end: 1,
            ts: ts(10),
            remote: None,
        },
        Event {
            start: 2,
            end: 3,
            ts: ts(9),
            remote: None,
        },
    ]);
}

/// Concurrent operations may be ordered either way: overlapping intervals never fail.
#[test]
fn history_checker_accepts_overlapping_operations_in_any_order() {
    let ts = |p| Timestamp::new(p, 0).unwrap();
    assert_eq!(
        check(&[
            Event {
                start: 0,
                end: 3,
                ts: ts(10),
                remote: None,
            },
            Event {
                start: 1,
                end: 2,
                ts: ts(9),
                remote: None,
            },
        ]),
        0
    );
}
