//! Restart safety at its edges: paths around the bound, a second opener (in this process
//! and in another), a poisoned bound, quick restarts, bad leases and bad files.
#![cfg(feature = "std")]

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use ward_hlc::{
    BoundStore, ClockError, DurableError, DurableHlc, DurableOptions, FileBoundStore, Hlc,
    JumpThresholds, MAX_LOGICAL, MAX_PHYSICAL, ManualClock, RestartPolicy, StoreError, Timestamp,
};

const START: u64 = 1_700_000_000_000_000;
const LEASE: Duration = Duration::from_secs(2);

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Defect: `DurableHlc::hlc()` handed out the inner `&Hlc`, whose `receive` issued past
/// the persisted bound; after a restart `now()` returned less than a timestamp issued
/// before. (Seen failing through `durable.hlc().receive(far)`; that path no longer
/// exists, which a `compile_fail` doctest on `DurableHlc` pins. Every remaining path is
/// exercised here.)
#[test]
fn regression_no_public_path_issues_around_the_bound() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let durable = DurableHlc::create(
        Hlc::builder(&clock).with_max_drift(Some(Duration::from_secs(60))),
        FileBoundStore::new(&path),
        LEASE,
    )
    .unwrap();
    let far = Timestamp::new(START + 10_000_000, 0).unwrap();
    let received = durable.receive(far).unwrap();
    assert!(received.physical() <= durable.persisted_bound());
    let sent = durable.now().unwrap();
    assert!(sent.physical() <= durable.persisted_bound());
    assert_eq!(durable.last(), Some(sent));
    let on_disk = FileBoundStore::new(&path).load().unwrap();
    assert!(sent.physical() <= on_disk);
    drop(durable);
    let options = DurableOptions::new(LEASE).restart(RestartPolicy::Jump);
    let reopened =
        DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), options).unwrap();
    assert!(reopened.now().unwrap() > sent);
}

/// Defect: a second opener of the same bound file in the same process succeeded, and the
/// two instances overwrote each other's bound.
#[test]
fn regression_second_opener_in_the_same_process_is_locked() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let second = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE);
    assert!(
        matches!(second, Err(DurableError::Store(StoreError::Locked { ref path })) if path.ends_with("b")),
        "{second:?}"
    );
    // Neither `create` nor the operator's reset nor a bare store gets past the lock.
    let create = DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE);
    assert!(matches!(
        create,
        Err(DurableError::Store(StoreError::Locked { .. }))
    ));
    let reset = DurableHlc::reset_bound(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE);
    assert!(matches!(
        reset,
        Err(DurableError::Store(StoreError::Locked { .. }))
    ));
    let mut bare = FileBoundStore::new(&path);
    assert!(matches!(bare.store(1), Err(StoreError::Locked { .. })));
    // Reading alone is allowed, and sees the first clock's bound.
    assert_eq!(bare.load().unwrap(), first.persisted_bound());
    // Once the first clock is gone, the file opens again.
    drop(first);
    let options = DurableOptions::new(LEASE).restart(RestartPolicy::Jump);
    assert!(DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), options).is_ok());
}

/// Defect: a stale `<file>.tmp` (a fixed temporary name) blocked every store.
#[test]
fn regression_a_stale_temporary_file_does_not_block_the_store() {
    let dir = dir();
    let path = dir.path().join("b");
    fs::create_dir(dir.path().join("b.tmp")).unwrap();
    let mut store = FileBoundStore::new(&path);
    store.store(START).unwrap();
    assert_eq!(store.load().unwrap(), START);
    store.store(START + 1).unwrap();
    assert_eq!(store.load().unwrap(), START + 1);
    // Only the record, its lock file and the stale directory remain.
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["b", "b.lock", "b.tmp"]);
}

/// Defect: temporary names are `<file>.tmp-<pid>-<n>`, `n` counting from 0 in each
/// process, and were opened with `create_new`: a file left by a process killed before its
/// rename blocked every later store under the same process id and count (a container's
/// first process always restarts as pid 1), so the clock never opened again. Leftovers
/// under this process's next names are overwritten now.
#[test]
fn regression_a_leftover_temporary_file_of_this_process_id_does_not_block_the_store() {
    let dir = dir();
    let path = dir.path().join("b");
    let pid = std::process::id();
    // Whatever count this process's stores have reached, the next ones are taken.
    for n in 0..10_000 {
        fs::write(dir.path().join(format!("b.tmp-{pid}-{n}")), b"stale").unwrap();
    }
    let clock = ManualClock::new(START);
    let durable =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    assert!(durable.now().is_ok());
    assert_eq!(
        FileBoundStore::new(&path).load().unwrap(),
        durable.persisted_bound()
    );
}

/// Defect: a clock whose lock file was removed (by an operator or a temporary-file
/// cleaner) kept storing, while a second opener created a new lock file, locked it and
/// stored too: the two overwrote each other's bound, as if there were no lock. The
/// first clock now refuses to store once its lock file is gone or replaced.
#[cfg(unix)]
#[test]
fn regression_a_removed_lock_file_stops_the_clock_that_held_it() {
    let dir = dir();
    let path = dir.path().join("b");
    let mut first = FileBoundStore::new(&path);
    first.store(START).unwrap();
    fs::remove_file(dir.path().join("b.lock")).unwrap();
    let mut second = FileBoundStore::new(&path);
    second.store(START + 100).unwrap();
    assert!(matches!(
        first.store(START + 1),
        Err(StoreError::LockLost { ref path }) if path.ends_with("b")
    ));
    assert_eq!(
        second.load().unwrap(),
        START + 100,
        "the bound did not regress"
    );
    // A lock file removed and not replaced is lost just the same.
    drop(second);
    let mut alone = FileBoundStore::new(dir.path().join("c"));
    alone.store(START).unwrap();
    fs::remove_file(dir.path().join("c.lock")).unwrap();
    assert!(matches!(
        alone.store(START + 1),
        Err(StoreError::LockLost { .. })
    ));
}

/// Defect: with `RestartPolicy::Jump`, a clock that rejects a full counter resumed after
/// the made-up `(B, 4095)` and refused every event as a full counter until its clock
/// passed `B`. A jump cannot keep the physical part to clock readings, which is what the
/// reject policy promises, so the combination is refused when the clock is opened.
#[test]
fn regression_jump_restart_with_reject_overflow_is_refused() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let reject = || Hlc::builder(&clock).overflow(ward_hlc::OverflowPolicy::Reject);
    let durable = DurableHlc::create(reject(), FileBoundStore::new(&path), LEASE).unwrap();
    durable.now().unwrap();
    drop(durable);
    let jump = || DurableOptions::new(LEASE).restart(RestartPolicy::Jump);
    for opened in [
        DurableHlc::open(reject(), FileBoundStore::new(&path), jump()),
        DurableHlc::open_or_create(reject(), FileBoundStore::new(&path), jump()),
    ] {
        assert!(
            matches!(opened, Err(DurableError::JumpWithReject)),
            "{opened:?}"
        );
    }
    // Waiting works with the reject policy, and so does jumping with carry.
    clock.advance(Duration::from_secs(3));
    let wait = DurableHlc::open(reject(), FileBoundStore::new(&path), LEASE).unwrap();
    assert!(wait.now().is_ok());
    drop(wait);
    let carry = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), jump()).unwrap();
    assert!(carry.now().is_ok());
}

/// Defect: with no drift bound by default, one remote timestamp at the end of the range
/// was accepted and persisted; after a restart the clock was exhausted for good.
#[test]
fn regression_one_far_future_remote_cannot_brick_a_durable_clock() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let durable =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let poison = Timestamp::new(MAX_PHYSICAL - 5, 0).unwrap();
    assert!(matches!(
        durable.receive(poison),
        Err(DurableError::Clock(ClockError::DriftExceeded { .. }))
    ));
    let bound = durable.persisted_bound();
    assert!(bound < START + 3_000_000, "{bound}");
    drop(durable);
    let sleeper = Arc::new(ManualClock::new(START));
    let moved = Arc::clone(&sleeper);
    let options = DurableOptions::new(LEASE).sleep_with(move |d| moved.advance(d));
    let reopened = DurableHlc::open(
        Hlc::builder(Arc::clone(&sleeper)),
        FileBoundStore::new(&path),
        options,
    )
    .unwrap();
    assert!(reopened.now().unwrap().physical() < START + 2 * 2_000_000);
}

/// The operator's recovery from a bound poisoned while the clock ran without a drift
/// bound: `open` refuses (waiting would take a century), `reset_bound` starts again from
/// the clock and the timestamps the operator still trusts.
#[test]
fn operator_recovers_a_poisoned_bound() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let durable = DurableHlc::create(
        Hlc::builder(&clock).with_max_drift(None),
        FileBoundStore::new(&path),
        LEASE,
    )
    .unwrap();
    let trusted = durable.now().unwrap();
    let poison = Timestamp::new(MAX_PHYSICAL - 5, 0).unwrap();
    durable.receive(poison).unwrap_err();
    let near_end = Timestamp::new(Timestamp::MAX_ISSUED.physical() - 5, 0).unwrap();
    durable.receive(near_end).unwrap();
    assert_eq!(durable.persisted_bound(), MAX_PHYSICAL);
    drop(durable);

    // Waiting: refused with the numbers.
    let err =
        DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap_err();
    match err {
        DurableError::BoundAhead {
            bound,
            now,
            max_wait,
        } => {
            assert_eq!((bound, now, max_wait), (MAX_PHYSICAL, START, 2 * LEASE));
        }
        other => panic!("{other:?}"),
    }
    // Jumping: exhausted, the clock is bricked.
    let jump = DurableOptions::new(LEASE).restart(RestartPolicy::Jump);
    let bricked = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), jump).unwrap();
    assert!(matches!(
        bricked.now(),
        Err(DurableError::Clock(ClockError::Exhausted { .. }))
    ));
    drop(bricked);
    // The operator's reset.
    let recovered = DurableHlc::reset_bound(
        Hlc::builder(&clock).resume_after(trusted),
        FileBoundStore::new(&path),
        LEASE,
    )
    .unwrap();
    let next = recovered.now().unwrap();
    assert!(next > trusted);
    assert!(next.physical() < START + 1_000);
    assert!(recovered.persisted_bound() <= START + 1 + 2_000_000);
    drop(recovered);
    // And an ordinary open afterwards.
    clock.advance(Duration::from_secs(5));
    let reopened =
        DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    assert_eq!(reopened.now().unwrap().physical(), clock.now_micros());
}

/// A damaged record is not a first boot: `open_or_create` refuses it, `reset_bound`
/// overwrites it.
#[test]
fn open_or_create_creates_only_when_nothing_is_stored() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first = DurableHlc::open_or_create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE)
        .unwrap();
    let issued = first.now().unwrap();
    drop(first);
    clock.advance(Duration::from_secs(10));
    let second =
        DurableHlc::open_or_create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE)
            .unwrap();
    assert!(second.now().unwrap() > issued);
    drop(second);
    fs::write(&path, b"garbage").unwrap();
    let damaged =
        DurableHlc::open_or_create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE);
    assert!(matches!(
        damaged,
        Err(DurableError::Store(StoreError::Truncated { len: 7, .. }))
    ));
    let reset =
        DurableHlc::reset_bound(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    assert_eq!(reset.now().unwrap().physical(), clock.now_micros());
    // First boot reads as an error that names what is missing, not a failed write.
    let missing = DurableHlc::open(
        Hlc::builder(&clock),
        FileBoundStore::new(dir.path().join("none")),
        LEASE,
    )
    .unwrap_err();
    assert!(
        missing.to_string().starts_with("no bound record at"),
        "{missing}"
    );
}

/// Defect: a quick restart resumed above the persisted bound, up to a lease and a half
/// ahead of the physical clock, so peers with a drift bound rejected the node.
#[test]
fn regression_quick_restart_does_not_run_ahead_of_the_clock() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let before = first.now().unwrap();
    drop(first);
    clock.advance(Duration::from_millis(100));
    let sleeper = Arc::new(ManualClock::new(clock.now_micros()));
    let moved = Arc::clone(&sleeper);
    let slept = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&slept);
    let options = DurableOptions::new(LEASE).sleep_with(move |d| {
        log.lock().unwrap().push(d);
        moved.advance(d);
    });
    let second = DurableHlc::open(
        Hlc::builder(Arc::clone(&sleeper)),
        FileBoundStore::new(&path),
        options,
    )
    .unwrap();
    let next = second.now().unwrap();
    assert!(next > before);
    assert!(
        next.physical() <= sleeper.now_micros(),
        "{} µs ahead of the clock",
        next.physical() - sleeper.now_micros()
    );
    // One sleep, exactly until the clock passed the bound of the first run.
    let bound_before = START + 1 + 2_000_000;
    assert_eq!(
        *slept.lock().unwrap(),
        [Duration::from_micros(bound_before + 1 - (START + 100_000))]
    );
    assert_eq!(next, Timestamp::new(bound_before + 1, 0).unwrap());
}

/// The wait is bounded by the sleeps it takes, not by the clock: a clock that does not
/// move fails `open` after the maximum wait instead of holding it forever, and a wait
/// longer than the maximum is refused at once.
#[test]
fn restart_wait_is_bounded() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    drop(DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap());
    let slept = Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let log = Arc::clone(&slept);
    let frozen = DurableOptions::new(LEASE)
        .max_wait(Duration::from_secs(5))
        .sleep_with(move |d| *log.lock().unwrap() += d);
    let err =
        DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), frozen).unwrap_err();
    assert!(matches!(err, DurableError::BoundAhead { .. }), "{err:?}");
    let total = *slept.lock().unwrap();
    assert!(total <= Duration::from_secs(5), "{total:?}");
    assert!(total >= Duration::from_secs(4), "{total:?}");

    // Clock set back an hour: refused without sleeping.
    clock.set(START - 3_600_000_000);
    let never = DurableOptions::new(LEASE).sleep_with(|d| panic!("slept {d:?}"));
    let err =
        DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), never).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("ahead of the clock") && msg.contains("4s"),
        "{msg}"
    );
}

/// Defect: the lease was not validated: 90 years persisted the end of the range, and
/// `Duration::MAX` made every event write the bound.
#[test]
fn regression_lease_is_validated() {
    let dir = dir();
    for lease in [
        Duration::ZERO,
        Duration::from_secs(90 * 365 * 86_400),
        Duration::MAX,
    ] {
        let path = dir.path().join(format!("b{}", lease.as_secs()));
        let made = DurableHlc::create(
            Hlc::builder(ManualClock::new(START)),
            FileBoundStore::new(&path),
            lease,
        );
        assert!(
            matches!(made, Err(DurableError::InvalidLease { lease: l, .. }) if l == lease),
            "{lease:?} accepted"
        );
        assert!(!path.exists(), "nothing is written for a bad lease");
    }
    // The ends of the range are accepted.
    for (i, lease) in [DurableOptions::MIN_LEASE, DurableOptions::MAX_LEASE]
        .into_iter()
        .enumerate()
    {
        let made = DurableHlc::create(
            Hlc::builder(ManualClock::new(START)),
            FileBoundStore::new(dir.path().join(format!("ok{i}"))),
            lease,
        )
        .unwrap();
        assert_eq!(made.lease(), lease);
    }
    let err = DurableError::InvalidLease {
        lease: Duration::ZERO,
        min: DurableOptions::MIN_LEASE,
        max: DurableOptions::MAX_LEASE,
    };
    assert_eq!(err.to_string(), "lease 0ns is outside 1ms..=3600s");
}

/// Defect: `load` read the whole file before checking its size. A sparse file of a
/// tebibyte is refused as too long without reading (or allocating) it.
#[test]
fn regression_load_reads_no_more_than_a_record() {
    let dir = dir();
    let path = dir.path().join("b");
    let file = fs::File::create(&path).unwrap();
    file.set_len(1 << 40).unwrap();
    drop(file);
    let err = FileBoundStore::new(&path).load().unwrap_err();
    assert!(
        matches!(err, StoreError::TooLong { len, expected: 20 } if len == 1 << 40),
        "{err:?}"
    );
}

/// Defect: the clock reading taken when a durable clock starts skipped the jump watch,
/// so a jump between it and the first event went unseen.
#[test]
fn regression_startup_reading_is_watched_for_jumps() {
    let dir = dir();
    let clock = ManualClock::new(START);
    let durable = DurableHlc::create(
        Hlc::builder(&clock).watch_jumps(JumpThresholds::new(
            Duration::from_millis(1),
            Duration::from_secs(3600),
        )),
        FileBoundStore::new(dir.path().join("b")),
        LEASE,
    )
    .unwrap();
    clock.step_back(Duration::from_secs(1));
    durable.now().unwrap();
    assert_eq!(durable.jump_stats().map(|s| s.backward), Some(1));
}

/// A restart at the very bound: the clock reads exactly `B`, which is not past it, so
/// the default policy sleeps one microsecond and the first timestamp is `(B + 1, 0)` on
/// the clock, not ahead of it.
#[test]
fn restart_with_the_clock_exactly_at_the_bound_waits_one_microsecond() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let bound = first.persisted_bound();
    drop(first);
    let sleeper = Arc::new(ManualClock::new(bound));
    let moved = Arc::clone(&sleeper);
    let slept = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&slept);
    let options = DurableOptions::new(LEASE).sleep_with(move |d| {
        log.lock().unwrap().push(d);
        moved.advance(d);
    });
    let second = DurableHlc::open(
        Hlc::builder(Arc::clone(&sleeper)),
        FileBoundStore::new(&path),
        options,
    )
    .unwrap();
    assert_eq!(*slept.lock().unwrap(), [Duration::from_micros(1)]);
    assert_eq!(second.now().unwrap(), Timestamp::new(bound + 1, 0).unwrap());
}

#[test]
fn options_report_what_was_set() {
    let options = DurableOptions::new(Duration::from_millis(300))
        .restart(RestartPolicy::Jump)
        .max_wait(Duration::from_secs(7));
    assert_eq!(options.lease(), Duration::from_millis(300));
    assert_eq!(options.restart_policy(), RestartPolicy::Jump);
    assert_eq!(options.max_wait_or_default(), Duration::from_secs(7));
    let defaults = DurableOptions::default();
    assert_eq!(defaults.lease(), DurableOptions::DEFAULT_LEASE);
    assert_eq!(defaults.restart_policy(), RestartPolicy::Wait);
    assert_eq!(defaults.max_wait_or_default(), Duration::from_secs(2));
    let from: DurableOptions = Duration::from_secs(3).into();
    assert_eq!(from.max_wait_or_default(), Duration::from_secs(6));
    assert_eq!(
        DurableOptions::new(Duration::MAX).max_wait_or_default(),
        Duration::MAX
    );
    let debug = format!("{options:?}");
    assert!(
        debug.contains("300ms") && debug.contains("Jump") && debug.contains("7s"),
        "{debug}"
    );
}

/// The early refresh starts when an issued timestamp comes within half a lease of the
/// bound, not before: exactly half a lease below it nothing is written.
#[test]
fn early_refresh_starts_within_half_a_lease() {
    let dir = dir();
    let clock = ManualClock::new(START);
    let durable = DurableHlc::create(
        Hlc::builder(&clock),
        FileBoundStore::new(dir.path().join("b")),
        LEASE,
    )
    .unwrap();
    let bound = durable.persisted_bound();
    clock.set(bound - 1_000_000);
    durable.now().unwrap();
    assert_eq!(durable.persisted_bound(), bound, "refreshed too early");
    clock.set(bound - 999_999);
    let ts = durable.now().unwrap();
    assert_eq!(
        durable.persisted_bound(),
        ts.physical() + 1_000_001 + 2_000_000
    );
}

/// A wait of exactly the maximum is allowed; one microsecond more is refused.
#[test]
fn restart_may_wait_exactly_the_maximum() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let bound = first.persisted_bound();
    drop(first);
    let sleeper = Arc::new(ManualClock::new(bound - 999));
    let moved = Arc::clone(&sleeper);
    let options = || {
        let moved = Arc::clone(&moved);
        DurableOptions::new(LEASE)
            .max_wait(Duration::from_micros(999))
            .sleep_with(move |d| moved.advance(d))
    };
    let refused = DurableHlc::open(
        Hlc::builder(Arc::clone(&sleeper)),
        FileBoundStore::new(&path),
        options(),
    );
    assert!(matches!(refused, Err(DurableError::BoundAhead { .. })));
    sleeper.set(bound - 998);
    let opened = DurableHlc::open(
        Hlc::builder(Arc::clone(&sleeper)),
        FileBoundStore::new(&path),
        options(),
    )
    .unwrap();
    assert_eq!(sleeper.now_micros(), bound + 1);
    drop(opened);
}

/// The read-only views report the inner clock's settings.
#[test]
fn durable_views_report_the_settings() {
    let dir = dir();
    let durable = DurableHlc::create(
        Hlc::builder(ManualClock::new(START))
            .max_drift(Duration::from_millis(7))
            .overflow(ward_hlc::OverflowPolicy::Reject),
        FileBoundStore::new(dir.path().join("b")),
        LEASE,
    )
    .unwrap();
    assert_eq!(durable.max_drift(), Some(Duration::from_millis(7)));
    assert_eq!(durable.overflow_policy(), ward_hlc::OverflowPolicy::Reject);
    assert_eq!(durable.clock().now_micros(), START);
    assert_eq!(durable.lease(), LEASE);
    assert_eq!(durable.jump_stats(), None);
}

/// The store through its `&mut` forwarding implementation.
fn borrowed(store: &mut FileBoundStore) -> impl BoundStore + '_ {
    store
}

/// A store borrowed mutably works like the store itself: locked, loaded, written.
#[test]
fn a_borrowed_store_is_the_store() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let mut store = FileBoundStore::new(&path);
    let durable = DurableHlc::create(Hlc::builder(&clock), &mut store, LEASE).unwrap();
    let bound = durable.persisted_bound();
    assert_eq!(FileBoundStore::new(&path).load().unwrap(), bound);
    let mut other = FileBoundStore::new(&path);
    assert!(matches!(
        borrowed(&mut other).acquire(),
        Err(StoreError::Locked { .. })
    ));
    drop(durable);
    assert_eq!(borrowed(&mut store).load().unwrap(), bound);
    let err = DurableHlc::create(Hlc::builder(&clock), &mut store, LEASE).unwrap_err();
    assert!(matches!(err, DurableError::AlreadyInitialized { bound: b } if b == bound));
    borrowed(&mut store).store(bound + 5).unwrap();
    assert_eq!(FileBoundStore::new(&path).load().unwrap(), bound + 5);
}

/// Only a missing file is a missing record; other failures to open it are i/o errors.
#[test]
fn an_unreadable_record_is_not_a_missing_one() {
    let dir = dir();
    let file = dir.path().join("plain");
    fs::write(&file, b"x").unwrap();
    let err = FileBoundStore::new(file.join("b")).load().unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
}

/// A bare file name stores next to the working directory (whose entry is flushed).
#[test]
fn a_relative_path_without_a_directory_stores() {
    let name = format!("ward-hlc-relative-{}.bound", std::process::id());
    let mut store = FileBoundStore::new(&name);
    let stored = store.store(START);
    let loaded = store.load();
    drop(store);
    let _ = fs::remove_file(&name);
    let _ = fs::remove_file(format!("{name}.lock"));
    stored.unwrap();
    assert_eq!(loaded.unwrap(), START);
}

/// A timestamp exactly at the top of the bound, `(B, 4095)`, is covered by `B` and
/// issued without storing first; the early refresh then moves the bound on.
#[test]
fn a_timestamp_at_the_top_of_the_bound_needs_no_store_first() {
    let dir = dir();
    let clock = ManualClock::new(START);
    let durable = DurableHlc::create(
        Hlc::builder(&clock).with_max_drift(None),
        FileBoundStore::new(dir.path().join("b")),
        LEASE,
    )
    .unwrap();
    let bound = durable.persisted_bound();
    let top = durable
        .receive(Timestamp::new(bound, MAX_LOGICAL - 1).unwrap())
        .unwrap();
    assert_eq!(top, Timestamp::new(bound, MAX_LOGICAL).unwrap());
    assert_eq!(durable.persisted_bound(), bound + 1_000_001 + 2_000_000);
}
