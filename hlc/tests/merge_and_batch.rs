//! Merging without issuing, reserving batches, the node-aware clock and the timestamp
//! helpers, through the public API.
#![cfg(feature = "std")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ward_hlc::{
    ClockError, ClockJump, DurableHlc, DurableOptions, FileBoundStore, Hlc, JumpThresholds,
    MAX_LOGICAL, MAX_PHYSICAL, ManualClock, NodeHlc, OverflowPolicy, RestartPolicy, Stamp,
    Timestamp,
};

fn ts(physical: u64, logical: u16) -> Timestamp {
    Timestamp::new(physical, logical).expect("test timestamps are in range")
}

#[test]
fn observe_merges_without_issuing_and_refuses_what_receive_refuses() {
    let clock = ManualClock::new(1_000);
    let hlc = Hlc::builder(&clock)
        .max_drift(Duration::from_micros(100))
        .build();
    hlc.observe(ts(1_050, 7)).unwrap();
    assert_eq!(hlc.last(), Some(ts(1_050, 7)));
    assert_eq!(hlc.now().unwrap(), ts(1_050, 8));
    // Too far ahead: refused, nothing changes.
    assert_eq!(
        hlc.observe(ts(1_101, 0)),
        Err(ClockError::DriftExceeded {
            drift: Duration::from_micros(101),
            max: Duration::from_micros(100)
        })
    );
    assert_eq!(hlc.last(), Some(ts(1_050, 8)));
    // Older: nothing changes.
    hlc.observe(ts(10, 0)).unwrap();
    assert_eq!(hlc.last(), Some(ts(1_050, 8)));

    // The end of the range: the last issuable timestamp cannot be observed (nothing
    // could follow it), the one before can.
    let open = Hlc::builder(ManualClock::new(0))
        .with_max_drift(None)
        .build();
    for far in [Timestamp::MAX_ISSUED, Timestamp::MAX] {
        assert_eq!(open.observe(far), Err(ClockError::Exhausted { last: far }));
    }
    assert_eq!(open.last(), None);
    let before_end = Timestamp::MAX_ISSUED.saturating_prev();
    open.observe(before_end).unwrap();
    assert_eq!(open.now().unwrap(), Timestamp::MAX_ISSUED);
    assert!(open.now().is_err());
}

#[test]
fn reserve_is_all_or_nothing() {
    let clock = ManualClock::new(10);
    let hlc = Hlc::new(&clock);
    assert_eq!(hlc.reserve(0), Err(ClockError::EmptyBatch));
    assert_eq!(hlc.last(), None);
    let batch = hlc.reserve(4_100).unwrap();
    assert_eq!(batch.first(), ts(10, 0));
    // Carries into the next microsecond under the default policy.
    assert_eq!(batch.last(), ts(11, 3));
    assert_eq!(batch.iter().len(), 4_100);
    assert_eq!(batch.iter().next_back(), Some(ts(11, 3)));
    assert_eq!(hlc.last(), Some(ts(11, 3)));

    // Under `Reject` a batch never leaves its tick.
    let strict = Hlc::builder(&clock)
        .overflow(OverflowPolicy::Reject)
        .resume_after(ts(10, MAX_LOGICAL - 2))
        .build();
    assert_eq!(
        strict.reserve(3),
        Err(ClockError::LogicalOverflow { physical: 10 })
    );
    assert_eq!(strict.last(), Some(ts(10, MAX_LOGICAL - 2)));
    let fits = strict.reserve(2).unwrap();
    assert_eq!(fits.last(), ts(10, MAX_LOGICAL));

    // At the end of the range: a batch up to `MAX_ISSUED` exactly, not one more.
    let end = Hlc::builder(&clock)
        .resume_after(Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 3).unwrap())
        .build();
    assert_eq!(
        end.reserve(4),
        Err(ClockError::Exhausted {
            last: Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 3).unwrap()
        })
    );
    let last = end.reserve(3).unwrap();
    assert_eq!(last.last(), Timestamp::MAX_ISSUED);
    assert!(end.reserve(1).is_err());
    // The largest batch there is, far from the end, works too.
    let fresh = Hlc::new(ManualClock::new(0));
    let huge = fresh.reserve(u32::MAX).unwrap();
    assert_eq!(huge.last().as_u64(), u64::from(u32::MAX) - 1);
}

/// Threads issuing single timestamps and batches from one clock: the history has no
/// duplicates, and each batch is contiguous (no other thread's timestamp inside it).
#[test]
fn batches_and_single_events_never_interleave() {
    let hlc = Hlc::new(ManualClock::new(1_000));
    let mut singles = Vec::new();
    let mut batches = Vec::new();
    std::thread::scope(|s| {
        let a = s.spawn(|| (0..2_000).map(|_| hlc.now().unwrap()).collect::<Vec<_>>());
        let b = s.spawn(|| {
            (0..500)
                .map(|_| hlc.reserve(7).unwrap())
                .collect::<Vec<_>>()
        });
        singles = a.join().unwrap();
        batches = b.join().unwrap();
    });
    let mut all: Vec<Timestamp> = singles.clone();
    for b in &batches {
        all.extend(b.iter());
        assert!(!singles.iter().any(|t| b.contains(*t)));
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n);
    assert_eq!(hlc.last(), all.last().copied());
}

#[test]
fn node_clocks_exchange_stamps() {
    let a_clock = ManualClock::new(5_000);
    let b_clock = ManualClock::new(3_000);
    let a = NodeHlc::new(Hlc::new(&a_clock), 1);
    let b = NodeHlc::new(Hlc::new(&b_clock), 2);
    let sent = a.now().unwrap();
    assert_eq!(sent, Stamp::new(ts(5_000, 0), 1));
    let got = b.receive(sent).unwrap();
    assert_eq!(got, Stamp::new(ts(5_000, 1), 2));
    b.observe(Stamp::new(ts(5_100, 0), 9)).unwrap();
    assert_eq!(b.now().unwrap(), Stamp::new(ts(5_100, 1), 2));
    assert_eq!(b.last(), Some(ts(5_100, 1)));
    assert_eq!(b.node(), 2);
    assert!(matches!(
        b.receive(Stamp::new(ts(MAX_PHYSICAL, 0), 1)),
        Err(ClockError::DriftExceeded { .. })
    ));
}

#[test]
fn timestamp_arithmetic_at_the_edges() {
    let d = Duration::from_micros(3);
    let t = ts(10, 5);
    assert_eq!(t.checked_add(d), Some(ts(13, 5)));
    assert_eq!(t.checked_sub(d), Some(ts(7, 5)));
    assert_eq!(t.checked_sub(Duration::from_micros(10)), Some(ts(0, 5)));
    assert_eq!(t.checked_sub(Duration::from_micros(11)), None);
    assert_eq!(
        ts(MAX_PHYSICAL - 3, 1).checked_add(d),
        Some(ts(MAX_PHYSICAL, 1))
    );
    assert_eq!(ts(MAX_PHYSICAL - 2, 1).checked_add(d), None);
    assert_eq!(t.checked_add(Duration::MAX), None);
    assert_eq!(t.saturating_add(Duration::MAX), Timestamp::MAX);
    assert_eq!(t.saturating_sub(Duration::MAX), Timestamp::MIN);
    // Sub-microsecond parts are dropped.
    assert_eq!(t.checked_add(Duration::from_nanos(999)), Some(t));
    assert_eq!(ts(1, MAX_LOGICAL).saturating_next(), ts(2, 0));
    assert_eq!(ts(2, 0).saturating_prev(), ts(1, MAX_LOGICAL));
    assert_eq!(Timestamp::MAX.saturating_next(), Timestamp::MAX);
    assert_eq!(Timestamp::MIN.saturating_prev(), Timestamp::MIN);
}

#[test]
fn jump_hook_can_capture_state() {
    let seen = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&seen);
    let clock = ManualClock::new(1_000_000);
    let hlc = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(
            Duration::from_millis(1),
            Duration::from_secs(60),
        ))
        .on_jump(move |jump: ClockJump| {
            counter.fetch_add(jump.amount().as_micros() as u64, Ordering::SeqCst);
        })
        .build();
    hlc.now().unwrap();
    clock.set(0);
    hlc.now().unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1_000_000);
}

#[test]
fn default_clock_reads_the_system_time() {
    let hlc = Hlc::default();
    let a = hlc.now().unwrap();
    // Later than 2020-01-01 and increasing.
    assert!(a.physical() > 1_577_836_800_000_000);
    assert!(hlc.now().unwrap() > a);
    assert_eq!(hlc.max_drift(), Some(ward_hlc::DEFAULT_MAX_DRIFT));
}

/// Both system clocks read the wall clock through the `PhysicalClock` trait, as an
/// `Hlc` sees them: later than 2020 and within a second of each other.
#[test]
fn system_clocks_read_the_wall_clock_through_the_trait() {
    use ward_hlc::{CoarseClock, PhysicalClock, SystemClock};
    fn read(clock: &impl PhysicalClock) -> u64 {
        clock.now_micros()
    }
    let (precise, coarse) = (read(&SystemClock), read(&CoarseClock));
    assert!(precise > 1_577_836_800_000_000, "{precise}");
    assert!(coarse > 1_577_836_800_000_000, "{coarse}");
    assert!(precise.abs_diff(coarse) < 1_000_000, "{precise} {coarse}");
    let fast = Hlc::new(CoarseClock);
    assert!(fast.now().unwrap().physical() > 1_577_836_800_000_000);
}

/// A durable clock's `observe` and `reserve` stay within the persisted bound, so a
/// restart resumes above what was observed and reserved.
#[test]
fn durable_observe_and_reserve_are_covered_by_the_bound() {
    const START: u64 = 1_700_000_000_000_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let lease = Duration::from_millis(10);
    let durable =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), lease).unwrap();
    let observed = ts(START + 200_000, 3);
    durable.observe(observed).unwrap();
    assert!(durable.persisted_bound() >= observed.physical());
    let batch = durable.reserve(100_000).unwrap();
    assert!(batch.first() > observed);
    assert!(durable.persisted_bound() >= batch.last().physical());
    let too_far = ts(START + 10_000_000, 0);
    assert!(durable.observe(too_far).is_err());
    drop(durable);
    let jump = DurableOptions::new(lease).restart(RestartPolicy::Jump);
    let again = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), jump).unwrap();
    assert!(again.now().unwrap() > batch.last());
}

#[test]
fn debug_shows_the_last_timestamp_and_settings() {
    let hlc = Hlc::new(ManualClock::new(10));
    hlc.now().unwrap();
    let debug = format!("{hlc:?}");
    assert!(
        debug.starts_with("Hlc") && debug.contains("1970-01-01T00:00:00.000010Z/0"),
        "{debug}"
    );
    assert!(
        debug.contains("500ms") && debug.contains("Carry"),
        "{debug}"
    );
}

/// `contains` holds for every member and only for them, and iterating from both ends
/// yields each member once, meeting in the middle and then staying empty.
#[test]
fn batch_membership_and_two_ended_iteration() {
    let hlc = Hlc::new(ManualClock::new(10));
    let before = hlc.now().unwrap();
    let batch = hlc.reserve(5).unwrap();
    let after = hlc.now().unwrap();
    let members: Vec<Timestamp> = batch.iter().collect();
    assert_eq!(members.len(), 5);
    assert!(members.iter().all(|t| batch.contains(*t)));
    assert!(!batch.contains(before));
    assert!(!batch.contains(after));

    let mut it = batch.iter();
    assert_eq!(it.next(), Some(members[0]));
    assert_eq!(it.next_back(), Some(members[4]));
    assert_eq!(it.next_back(), Some(members[3]));
    assert_eq!(it.next(), Some(members[1]));
    assert_eq!(it.len(), 1);
    assert_eq!(it.next_back(), Some(members[2]));
    assert_eq!(it.len(), 0);
    assert_eq!(it.next_back(), None);
    assert_eq!(it.next(), None);
    assert_eq!(it.next_back(), None);
    let backwards: Vec<Timestamp> = batch.iter().rev().collect();
    assert_eq!(backwards, members.iter().rev().copied().collect::<Vec<_>>());
}

#[test]
fn builder_debug_shows_its_settings() {
    let builder = Hlc::builder(ManualClock::new(10))
        .max_drift(Duration::from_millis(250))
        .overflow(OverflowPolicy::Reject)
        .resume_after(ts(9, 3));
    let debug = format!("{builder:?}");
    assert!(debug.starts_with("HlcBuilder"), "{debug}");
    for part in ["250ms", "Reject", "hook: false", "last: Some("] {
        assert!(debug.contains(part), "{part} missing from {debug}");
    }
}

#[test]
fn debug_of_a_watched_clock_shows_its_thresholds_and_counts() {
    let clock = ManualClock::new(1_000_000);
    let hlc = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(
            Duration::from_micros(7),
            Duration::from_micros(9),
        ))
        .build();
    hlc.now().unwrap();
    clock.set(500_000);
    hlc.now().unwrap();
    let debug = format!("{hlc:?}");
    for part in [
        "JumpWatch",
        "backward_micros: 7",
        "forward_micros: 9",
        "backward: 1",
    ] {
        assert!(debug.contains(part), "{part} missing from {debug}");
    }
}
