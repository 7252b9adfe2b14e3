//! Loom models of concurrent events on one `Hlc` (run with `--cfg ward_loom`).
#![cfg(ward_loom)]

use std::time::Duration;

use loom::sync::Arc;
use loom::thread;
use ward_hlc::{Hlc, JumpThresholds, ManualClock, Timestamp};

fn ts(physical: u64, logical: u16) -> Timestamp {
    Timestamp::new(physical, logical).unwrap()
}

/// Checks uniqueness, and that the clock's state is the largest timestamp issued.
fn check_all(hlc: &Hlc<ManualClock>, mut all: Vec<Timestamp>) {
    let max = all.iter().max().copied();
    let issued = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), issued, "a timestamp was issued twice");
    assert_eq!(hlc.last(), max);
}

/// One thread issues two local events while another receives a remote timestamp: all
/// three results are distinct, each thread's are increasing, the receive exceeds the
/// remote, and the final state is the maximum.
#[test]
fn now_and_receive_race() {
    loom::model(|| {
        let hlc = Arc::new(Hlc::new(ManualClock::new(10)));
        let remote = ts(10, 5);

        let h1 = Arc::clone(&hlc);
        let sender = thread::spawn(move || {
            let a = h1.now().unwrap();
            let b = h1.now().unwrap();
            assert!(a < b);
            vec![a, b]
        });
        let h2 = Arc::clone(&hlc);
        let receiver = thread::spawn(move || {
            let r = h2.receive(remote).unwrap();
            assert!(r > remote);
            r
        });

        let mut all = sender.join().unwrap();
        let r = receiver.join().unwrap();
        assert!(!all.contains(&r));
        all.push(r);
        check_all(&hlc, all);
    });
}

/// Local events race with the physical clock being set back and with a jump watch:
/// timestamps stay unique and per-thread increasing.
#[test]
fn now_races_with_a_clock_step_back() {
    loom::model(|| {
        let hlc = Arc::new(
            Hlc::builder(ManualClock::new(20))
                .watch_jumps(JumpThresholds::new(
                    Duration::from_micros(1),
                    Duration::from_secs(1),
                ))
                .build(),
        );
        let h1 = Arc::clone(&hlc);
        let stepper = thread::spawn(move || {
            h1.clock().set(15);
            h1.now().unwrap()
        });
        let a = hlc.now().unwrap();
        let b = hlc.now().unwrap();
        assert!(a < b);
        let c = stepper.join().unwrap();
        assert!(c != a && c != b);
        assert!(c.physical() >= 15);
        check_all(&hlc, vec![a, b, c]);
    });
}

/// Two receives of the same remote timestamp on two threads give distinct results, both
/// above the remote.
#[test]
fn duplicate_receives_race() {
    loom::model(|| {
        let hlc = Arc::new(Hlc::new(ManualClock::new(1)));
        let remote = ts(9, 0);
        let h1 = Arc::clone(&hlc);
        let other = thread::spawn(move || h1.receive(remote).unwrap());
        let mine = hlc.receive(remote).unwrap();
        let theirs = other.join().unwrap();
        assert!(mine > remote && theirs > remote);
        assert_ne!(mine, theirs);
        check_all(&hlc, vec![mine, theirs]);
    });
}

/// The durable clock's bound: two threads issue while the clock moves past the bound,
/// so refreshes (early, by `try_lock`, and required, by `lock`) race with events. Every
/// timestamp is covered by a bound the store already holds when the timestamp is
/// returned, and timestamps stay unique.
#[test]
fn durable_events_race_with_bound_refreshes() {
    use loom::sync::atomic::{AtomicU64, Ordering};
    use ward_hlc::{BoundStore, DurableHlc, StoreError};

    /// The "disk": the largest bound stored.
    #[derive(Clone)]
    struct Disk(Arc<AtomicU64>);

    impl BoundStore for Disk {
        fn load(&mut self) -> Result<u64, StoreError> {
            Err(StoreError::Missing {
                path: "disk".into(),
            })
        }

        fn store(&mut self, bound: u64) -> Result<(), StoreError> {
            self.0.fetch_max(bound, Ordering::SeqCst);
            Ok(())
        }
    }

    loom::model(|| {
        let disk = Arc::new(AtomicU64::new(0));
        // A lease of 4 ms: the first bound is 14_001 µs (one past the clock, plus the
        // lease), and the early refresh triggers from physical time 12_002 on.
        let hlc = Arc::new(
            DurableHlc::create(
                Hlc::builder(ManualClock::new(10_000)),
                Disk(Arc::clone(&disk)),
                Duration::from_millis(4),
            )
            .unwrap(),
        );
        assert_eq!(disk.load(Ordering::SeqCst), 14_001);

        let (h1, d1) = (Arc::clone(&hlc), Arc::clone(&disk));
        let other = thread::spawn(move || {
            h1.clock().set(12_500);
            let a = h1.now().unwrap();
            assert!(a.physical() <= d1.load(Ordering::SeqCst));
            let b = h1.receive(ts(18_000, 0)).unwrap();
            assert!(b.physical() <= d1.load(Ordering::SeqCst));
            assert!(a < b);
            vec![a, b]
        });
        let remote = ts(17_000, 0);
        let mine = hlc.receive(remote).unwrap();
        assert!(mine > remote);
        assert!(mine.physical() <= disk.load(Ordering::SeqCst));
        let mut all = other.join().unwrap();
        assert!(!all.contains(&mine));
        all.push(mine);
        let stored = disk.load(Ordering::SeqCst);
        assert_eq!(hlc.persisted_bound(), stored);
        assert!(all.iter().all(|t| t.physical() <= stored));
    });
}

/// Defect: `now()` checked the state against the fast-path limit, then added one. A
/// `receive` running in between could carry the state to the end of the range, so the
/// `fetch_add` issued `Timestamp::MAX` and wrapped the state to 0 (the next `now()` was
/// a 1970 timestamp). The reproduction from the report: resume after `(10, 0)`, race one
/// `now()` with `receive(u64::MAX - 2)`.
#[test]
fn regression_now_fast_path_never_wraps_at_range_end() {
    loom::model(|| {
        let hlc = Arc::new(
            Hlc::builder(ManualClock::new(10))
                .with_max_drift(None)
                .resume_after(ts(10, 0))
                .build(),
        );
        let h1 = Arc::clone(&hlc);
        let sender = thread::spawn(move || h1.now());
        let received = hlc.receive(Timestamp::from_u64(u64::MAX - 2).unwrap());
        let sent = sender.join().unwrap();
        let mut issued = Vec::new();
        for t in [sent, received].into_iter().flatten() {
            assert!(t < Timestamp::MAX, "issued the maximum timestamp");
            assert!(t > ts(10, 0));
            issued.push(t);
        }
        let last = hlc.last().expect("the clock resumed after (10, 0)");
        assert!(issued.iter().all(|t| *t <= last), "state went backwards");
        // The next event never returns to 1970.
        if let Ok(next) = hlc.now() {
            assert!(next > last);
        }
    });
}

/// The end of the range itself: a `receive` issues `Timestamp::MAX_ISSUED` while a `now()`
/// races it on the one-increment fast path. Whatever the interleaving, nothing above
/// `MAX_ISSUED` is issued, `last()` is exactly `MAX_ISSUED` afterwards, and every later
/// event is `Exhausted` rather than a wrapped timestamp.
#[test]
fn now_races_a_receive_to_the_end_of_the_range() {
    use ward_hlc::ClockError;

    loom::model(|| {
        let hlc = Arc::new(
            Hlc::builder(ManualClock::new(10))
                .with_max_drift(None)
                .resume_after(ts(10, 0))
                .build(),
        );
        let h1 = Arc::clone(&hlc);
        let sender = thread::spawn(move || h1.now());
        let before_end = Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 1).unwrap();
        let received = hlc.receive(before_end);
        let sent = sender.join().unwrap();
        assert_eq!(received, Ok(Timestamp::MAX_ISSUED));
        match sent {
            // Issued before the receive moved the state.
            Ok(t) => assert_eq!(t, ts(10, 1)),
            Err(e) => assert_eq!(
                e,
                ClockError::Exhausted {
                    last: Timestamp::MAX_ISSUED
                }
            ),
        }
        assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));
        assert!(matches!(hlc.now(), Err(ClockError::Exhausted { .. })));
        assert!(matches!(
            hlc.receive(ts(10, 0)),
            Err(ClockError::Exhausted { .. })
        ));
        assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));
    });
}

/// A batch, a single event and a merge race near the end of the range: whatever the
/// interleaving, nothing above `Timestamp::MAX_ISSUED` is issued, the batch is contiguous
/// and holds no other thread's timestamp, every issued timestamp is unique, and an event
/// ordered after the merge is above the merged timestamp.
#[test]
fn reserve_now_and_observe_race_at_the_end_of_the_range() {
    loom::model(|| {
        let start = Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 4).unwrap();
        let hlc = Arc::new(
            Hlc::builder(ManualClock::new(10))
                .with_max_drift(None)
                .resume_after(start)
                .build(),
        );
        let (h1, h2) = (Arc::clone(&hlc), Arc::clone(&hlc));
        let single = thread::spawn(move || h1.now());
        let batch = thread::spawn(move || h2.reserve(3));
        let merged = Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 2).unwrap();
        hlc.observe(merged).unwrap();
        let after_merge = hlc.now();
        let single = single.join().unwrap();
        let batch = batch.join().unwrap();

        let mut issued: Vec<Timestamp> = Vec::new();
        if let Ok(t) = single {
            issued.push(t);
        }
        if let Ok(b) = batch {
            assert_eq!(b.len(), 3);
            assert!(!single.is_ok_and(|t| b.contains(t)));
            issued.extend(b.iter());
        }
        if let Ok(t) = after_merge {
            assert!(t > merged);
            issued.push(t);
        }
        assert!(
            issued
                .iter()
                .all(|t| *t > start && *t <= Timestamp::MAX_ISSUED)
        );
        let n = issued.len();
        issued.sort();
        issued.dedup();
        assert_eq!(issued.len(), n, "a timestamp was issued twice");
        let last = hlc.last().unwrap();
        assert!(last >= merged);
        assert!(issued.iter().all(|t| *t <= last));
    });
}
