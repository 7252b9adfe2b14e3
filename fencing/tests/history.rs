//! Histories of real threads checked against the sequential specification of a fence.
//!
//! Each admission is recorded with the ticks of a shared counter taken just before it
//! starts and just after it returns. The specification is a high-water mark: a token above
//! the mark raises it (and reports the mark it replaced), a token equal to it is admitted
//! unchanged, a token below it is refused with the mark. The checker rebuilds the order of
//! the raises from what each one reported as the previous mark (a single chain, tokens
//! strictly increasing) and checks every outcome against that chain and against real-time
//! order: no outcome may depend on a raise that had not started, or ignore one that had
//! already returned. The durable fence's storage log is checked too: writes reach storage
//! in non-decreasing token order, so a zombie never writes after its successor.
#![cfg(feature = "std")]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

use ward_fencing::{Admission, DurableFence, FenceGuard, FencingToken, KeyedFence, MemoryStore};

const THREADS: u64 = 3;
const EVENTS: u64 = 4_000;

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Raised { previous: Option<u64> },
    Unchanged,
    Refused { mark: u64 },
}

#[derive(Debug, Clone, Copy)]
struct Event {
    start: u64,
    end: u64,
    token: u64,
    outcome: Outcome,
}

fn outcome(result: Result<Admission, ward_fencing::StaleToken>) -> Outcome {
    match result {
        Ok(Admission::Raised { previous }) => Outcome::Raised {
            previous: previous.map(FencingToken::get),
        },
        Ok(Admission::Unchanged) => Outcome::Unchanged,
        Err(stale) => Outcome::Refused {
            mark: stale.mark().get(),
        },
    }
}

/// A token for thread `t`'s `i`-th attempt: mostly rising, often repeating the current
/// leader's token, sometimes a zombie's old one.
fn token(t: u64, i: u64) -> FencingToken {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ t.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let base = i / 4 + 1;
    let t = match x % 8 {
        0 => base.saturating_sub(x % 13),
        1..=3 => base,
        _ => base + x % 3,
    };
    FencingToken::new(t.max(1)).expect("positive")
}

/// Runs the threads against `admit` and returns the history.
fn record(admit: impl Fn(u64, FencingToken) -> Outcome + Sync) -> Vec<Event> {
    let ticks = AtomicU64::new(0);
    let barrier = Barrier::new(THREADS as usize);
    thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (ticks, barrier, admit) = (&ticks, &barrier, &admit);
                s.spawn(move || {
                    barrier.wait();
                    (0..EVENTS)
                        .map(|i| {
                            let token = token(t, i);
                            let start = ticks.fetch_add(1, Ordering::SeqCst);
                            let outcome = admit(i, token);
                            let end = ticks.fetch_add(1, Ordering::SeqCst);
                            Event {
                                start,
                                end,
                                token: token.get(),
                                outcome,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("no worker panics"))
            .collect()
    })
}

/// Checks one fence's history; returns the number of raises.
fn check(history: &[Event]) -> usize {
    // The chain of raises, keyed by the mark each one replaced.
    let mut raises: BTreeMap<Option<u64>, &Event> = BTreeMap::new();
    for e in history {
        if let Outcome::Raised { previous } = e.outcome {
            assert!(
                previous < Some(e.token),
                "a raise to {} from {previous:?}",
                e.token
            );
            let other = raises.insert(previous, e);
            assert!(other.is_none(), "two raises replaced the mark {previous:?}");
        }
    }
    // Walk the chain from the empty fence: it must cover every raise.
    let mut chain: Vec<&Event> = Vec::new();
    let mut mark = None;
    while let Some(e) = raises.get(&mark) {
        chain.push(e);
        mark = Some(e.token);
    }
    assert_eq!(
        chain.len(),
        raises.len(),
        "the raises do not form one chain"
    );
    let position: BTreeMap<u64, usize> = chain
        .iter()
        .enumerate()
        .map(|(i, e)| (e.token, i))
        .collect();

    // Real-time order of the raises: a raise that returned before another started comes
    // first in the chain.
    for pair in chain.windows(2) {
        assert!(
            pair[1].end > pair[0].start,
            "raise to {} finished before the raise it replaced ({}) began",
            pair[1].token,
            pair[0].token
        );
    }

    for e in history {
        // The mark this outcome says was current, and when that mark was in force: from the
        // start of its raise to the end of the next raise.
        let seen = match e.outcome {
            Outcome::Raised { previous } => previous,
            Outcome::Unchanged => Some(e.token),
            Outcome::Refused { mark } => {
                assert!(mark > e.token, "{} refused at mark {mark}", e.token);
                Some(mark)
            }
        };
        if let Some(seen) = seen {
            let i = *position
                .get(&seen)
                .unwrap_or_else(|| panic!("{e:?} saw a mark {seen} that nothing raised"));
            assert!(
                chain[i].start < e.end,
                "{e:?} saw mark {seen} before its raise began"
            );
            if let (Outcome::Unchanged | Outcome::Refused { .. }, Some(next)) =
                (e.outcome, chain.get(i + 1))
            {
                assert!(
                    next.end > e.start,
                    "{e:?} saw mark {seen} after the raise to {} had returned",
                    next.token
                );
            }
        }
        // Whatever raise returned before this one started is visible to it.
        if let Some(last) = chain.iter().rev().find(|r| r.end < e.start) {
            let at_least = last.token;
            let ok = match e.outcome {
                Outcome::Raised { previous } => previous >= Some(at_least),
                Outcome::Unchanged => e.token >= at_least,
                Outcome::Refused { mark } => mark >= at_least,
            };
            assert!(
                ok,
                "{e:?} ignored the raise to {at_least}, which had returned"
            );
        }
    }
    chain.len()
}

#[test]
fn history_fence_guard_is_linearizable() {
    let fence = FenceGuard::new();
    let history = record(|_, t| outcome(fence.admit(t)));
    assert!(check(&history) > 100, "too few raises to mean anything");
}

#[test]
fn history_keyed_fence_is_linearizable_per_key() {
    let fence: KeyedFence<u64> = KeyedFence::with_shards(2).unwrap();
    let history = record(|i, t| outcome(fence.admit(&(i % 3), t)));
    // Split by key: `record` returns each thread's events in order, so event n of the
    // history is attempt n % EVENTS of its thread, on key (n % EVENTS) % 3.
    let mut per_key: BTreeMap<u64, Vec<Event>> = BTreeMap::new();
    for (n, e) in history.iter().enumerate() {
        let i = n as u64 % EVENTS;
        per_key.entry(i % 3).or_default().push(*e);
    }
    for events in per_key.values() {
        assert!(check(events) > 10);
    }
}

#[test]
fn history_durable_fence_writes_reach_storage_in_token_order() {
    let fence = DurableFence::open(MemoryStore::new()).unwrap();
    let log = Mutex::new(Vec::new());
    let history = record(
        |_, t| match fence.write(t, || log.lock().unwrap().push(t.get())) {
            Ok(((), admission)) => outcome(Ok(admission)),
            Err(e) => match e.as_stale() {
                Some(stale) => outcome(Err(*stale)),
                None => panic!("a memory store failed: {e}"),
            },
        },
    );
    check(&history);
    let log = log.into_inner().unwrap();
    assert!(
        log.windows(2).all(|w| w[0] <= w[1]),
        "a write with an older token reached storage after a newer one"
    );
    let admitted = history
        .iter()
        .filter(|e| !matches!(e.outcome, Outcome::Refused { .. }))
        .count();
    assert_eq!(
        log.len(),
        admitted,
        "every admitted write, and only those, was stored"
    );
}

/// The checker refuses a history in which a raise that had returned is ignored: a
/// refusal, after the raise to 5 returned, that still names the old mark 3.
#[test]
#[should_panic(expected = "had returned")]
fn history_checker_refuses_a_lost_raise() {
    check(&[
        Event {
            start: 0,
            end: 1,
            token: 3,
            outcome: Outcome::Raised { previous: None },
        },
        Event {
            start: 2,
            end: 3,
            token: 5,
            outcome: Outcome::Raised { previous: Some(3) },
        },
        Event {
            start: 4,
            end: 5,
            token: 2,
            outcome: Outcome::Refused { mark: 3 },
        },
    ]);
}

/// Overlapping operations may take effect in either order.
#[test]
fn history_checker_accepts_overlapping_operations() {
    let raises = check(&[
        Event {
            start: 0,
            end: 5,
            token: 3,
            outcome: Outcome::Raised { previous: None },
        },
        Event {
            start: 1,
            end: 2,
            token: 2,
            outcome: Outcome::Refused { mark: 3 },
        },
    ]);
    assert_eq!(raises, 1);
}

/// The checker refuses a refusal that names a mark nobody raised.
#[test]
#[should_panic(expected = "that nothing raised")]
fn history_checker_refuses_an_invented_mark() {
    check(&[Event {
        start: 0,
        end: 1,
        token: 3,
        outcome: Outcome::Refused { mark: 4 },
    }]);
}
