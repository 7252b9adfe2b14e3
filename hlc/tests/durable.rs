//! Restart safety: the persisted bound, the file store and its typed errors.
#![cfg(feature = "std")]

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ward_hlc::{
    BoundStore, ClockError, DurableError, DurableHlc, DurableOptions, FileBoundStore, Hlc,
    MAX_PHYSICAL, ManualClock, RestartPolicy, StoreError, Timestamp,
};

const START: u64 = 1_700_000_000_000_000;
const LEASE: Duration = Duration::from_secs(2);

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Options that restart ahead of the clock at once, as these tests of the bound expect.
fn jump(lease: Duration) -> DurableOptions {
    DurableOptions::new(lease).restart(RestartPolicy::Jump)
}

#[test]
fn restart_with_clock_set_back_never_issues_below_the_bound() {
    let dir = dir();
    let path = dir.path().join("hlc.bound");
    let clock = ManualClock::new(START);

    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let mut issued = Vec::new();
    for _ in 0..100 {
        issued.push(first.now().unwrap());
        clock.advance(Duration::from_millis(30)); // 3 s in all: past the first lease
    }
    let bound = first.persisted_bound();
    let max_issued = *issued.iter().max().unwrap();
    assert!(
        bound >= max_issued.physical(),
        "bound {bound} below issued {max_issued}"
    );
    // The bound on disk is the one in memory.
    assert_eq!(FileBoundStore::new(&path).load().unwrap(), bound);
    drop(first);

    // Down for a while; the clock comes back an hour behind.
    clock.set(START - 3_600_000_000);
    let second = DurableHlc::open(
        Hlc::builder(&clock),
        FileBoundStore::new(&path),
        jump(LEASE),
    )
    .unwrap();
    let next = second.now().unwrap();
    assert!(next > max_issued);
    assert!(
        next.physical() > bound,
        "nothing at or below the persisted bound: {next} vs {bound}"
    );
    let after = second.now().unwrap();
    assert!(after > next);
    assert!(second.persisted_bound() >= after.physical());
}

#[test]
fn resume_after_is_combined_with_the_bound() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    drop(DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap());
    let far = Timestamp::new(START + 100_000_000, 5).unwrap();
    let hlc = DurableHlc::open(
        Hlc::builder(&clock).resume_after(far),
        FileBoundStore::new(&path),
        jump(LEASE),
    )
    .unwrap();
    assert_eq!(
        hlc.now().unwrap(),
        Timestamp::new(START + 100_000_000, 6).unwrap()
    );
    assert!(hlc.persisted_bound() >= START + 100_000_000);
}

#[test]
fn bound_is_persisted_before_it_is_used() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let hlc = DurableHlc::create(
        Hlc::builder(&clock).with_max_drift(None),
        FileBoundStore::new(&path),
        LEASE,
    )
    .unwrap();
    for step in 0..50u64 {
        clock.set(START + step * 700_000);
        let ts = hlc.now().unwrap();
        let on_disk = FileBoundStore::new(&path).load().unwrap();
        assert!(
            on_disk >= ts.physical(),
            "issued {ts} beyond the stored bound {on_disk}"
        );
    }
    // A remote timestamp far ahead is also covered before it is used.
    let remote = Timestamp::new(START + 1_000_000_000, 0).unwrap();
    let got = hlc.receive(remote).unwrap();
    assert!(FileBoundStore::new(&path).load().unwrap() >= got.physical());
}

#[test]
fn bound_is_refreshed_before_it_is_reached() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let hlc = DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let first = hlc.persisted_bound();
    // Past half the lease but not at the bound: the bound moves on already.
    clock.set(first - 500_000);
    hlc.now().unwrap();
    assert!(hlc.persisted_bound() > first);
}

/// A store that fails on demand, to check that no timestamp escapes the bound.
struct Flaky {
    inner: FileBoundStore,
    fail: &'static AtomicBool,
}

impl BoundStore for Flaky {
    fn load(&mut self) -> Result<u64, StoreError> {
        self.inner.load()
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Io {
                path: self.inner.path().to_path_buf(),
                source: std::io::Error::other("disk full"),
            });
        }
        self.inner.store(bound)
    }
}

#[test]
fn failing_store_blocks_timestamps_beyond_the_bound() {
    static FAIL: AtomicBool = AtomicBool::new(false);
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let store = Flaky {
        inner: FileBoundStore::new(&path),
        fail: &FAIL,
    };
    let hlc = DurableHlc::create(Hlc::builder(&clock), store, LEASE).unwrap();
    let bound = hlc.persisted_bound();
    FAIL.store(true, Ordering::SeqCst);
    // Within the bound: still served (early refresh failures are retried later).
    clock.set(bound - 1);
    let ok = hlc.now().unwrap();
    assert_eq!(ok.physical(), bound - 1);
    // Beyond it: refused, clock unchanged.
    clock.set(bound + 10);
    assert!(matches!(
        hlc.now(),
        Err(DurableError::Store(StoreError::Io { .. }))
    ));
    assert_eq!(hlc.last(), Some(ok));
    FAIL.store(false, Ordering::SeqCst);
    assert_eq!(hlc.now().unwrap().physical(), bound + 10);
}

#[test]
fn clock_errors_pass_through() {
    let dir = dir();
    let clock = ManualClock::new(START);
    let hlc = DurableHlc::create(
        Hlc::builder(&clock).max_drift(Duration::from_millis(1)),
        FileBoundStore::new(dir.path().join("b")),
        LEASE,
    )
    .unwrap();
    let far = Timestamp::new(START + 5_000, 0).unwrap();
    assert!(matches!(
        hlc.receive(far),
        Err(DurableError::Clock(ClockError::DriftExceeded { .. }))
    ));
}

#[test]
fn missing_bound_is_an_error_on_open() {
    let dir = dir();
    let path = dir.path().join("never-written");
    let err = DurableHlc::open(
        Hlc::builder(ManualClock::new(START)),
        FileBoundStore::new(&path),
        LEASE,
    )
    .unwrap_err();
    assert!(
        matches!(err, DurableError::Store(StoreError::Missing { ref path }) if path.ends_with("never-written"))
    );
}

#[test]
fn create_refuses_to_forget_an_existing_bound() {
    let dir = dir();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let bound = first.persisted_bound();
    drop(first);
    let err =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap_err();
    assert!(matches!(err, DurableError::AlreadyInitialized { bound: b } if b == bound));
}

/// Writes a valid record, damages it with `damage`, and returns what `load` says.
fn load_damaged(damage: impl FnOnce(&mut Vec<u8>)) -> StoreError {
    let dir = dir();
    let path = dir.path().join("b");
    let mut store = FileBoundStore::new(&path);
    store.store(START).unwrap();
    let mut bytes = fs::read(&path).unwrap();
    damage(&mut bytes);
    fs::write(&path, &bytes).unwrap();
    let err = store.load().unwrap_err();
    drop(store);
    // Opening a clock on the damaged file fails the same way, never silently resets.
    let open = DurableHlc::open(
        Hlc::builder(ManualClock::new(START)),
        FileBoundStore::new(&path),
        LEASE,
    );
    assert!(matches!(open, Err(DurableError::Store(_))));
    err
}

#[test]
fn truncated_bound_file_is_a_typed_error() {
    assert!(matches!(
        load_damaged(|b| b.truncate(12)),
        StoreError::Truncated {
            len: 12,
            expected: 20
        }
    ));
    assert!(matches!(
        load_damaged(Vec::clear),
        StoreError::Truncated {
            len: 0,
            expected: 20
        }
    ));
}

#[test]
fn corrupt_bound_file_is_a_typed_error() {
    assert!(matches!(
        load_damaged(|b| b[12] ^= 0x40),
        StoreError::ChecksumMismatch { .. }
    ));
    assert!(matches!(
        load_damaged(|b| b[19] ^= 0x01),
        StoreError::ChecksumMismatch { .. }
    ));
    assert!(matches!(
        load_damaged(|b| b[0] = b'X'),
        StoreError::BadHeader
    ));
    assert!(matches!(
        load_damaged(|b| b.push(0)),
        StoreError::TooLong {
            len: 21,
            expected: 20
        }
    ));
}

#[test]
fn out_of_range_bound_is_rejected() {
    let dir = dir();
    let path = dir.path().join("b");
    let mut store = FileBoundStore::new(&path);
    store.store(MAX_PHYSICAL + 1).unwrap();
    assert!(
        matches!(store.load(), Err(StoreError::OutOfRange { bound }) if bound == MAX_PHYSICAL + 1)
    );
}

#[test]
fn store_leaves_no_temporary_file() {
    let dir = dir();
    let path = dir.path().join("b");
    let mut store = FileBoundStore::new(&path);
    store.store(1).unwrap();
    store.store(2).unwrap();
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            std::ffi::OsString::from("b"),
            std::ffi::OsString::from("b.lock")
        ]
    );
    assert_eq!(store.load().unwrap(), 2);
}

#[test]
fn durable_hlc_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<DurableHlc<ManualClock, FileBoundStore>>();
    check::<StoreError>();
    check::<DurableError>();
}

/// A store returning a fixed value, to check `open` validates what any store returns.
#[derive(Debug)]
struct Fixed(u64);

impl BoundStore for Fixed {
    fn load(&mut self) -> Result<u64, StoreError> {
        Ok(self.0)
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        self.0 = bound;
        Ok(())
    }
}

#[test]
fn open_rejects_an_out_of_range_bound_from_any_store() {
    let bad = MAX_PHYSICAL + 1;
    let err =
        DurableHlc::open(Hlc::builder(ManualClock::new(START)), Fixed(bad), LEASE).unwrap_err();
    assert!(matches!(err, DurableError::Store(StoreError::OutOfRange { bound }) if bound == bad));
    // A bound just below the end of the issued range opens, and the clock carries on
    // above it.
    let top = Timestamp::MAX_ISSUED.physical();
    let hlc = DurableHlc::open(
        Hlc::builder(ManualClock::new(START)),
        Fixed(top - 10),
        jump(LEASE),
    )
    .unwrap();
    assert_eq!(hlc.now().unwrap(), Timestamp::new(top - 9, 0).unwrap());
}

#[test]
fn threads_never_outrun_the_persisted_bound() {
    use std::collections::HashSet;
    use std::sync::Mutex;

    let dir = dir();
    let path = dir.path().join("b");
    // A short lease forces many refreshes while four threads issue.
    let hlc = DurableHlc::create(
        Hlc::builder(ward_hlc::SystemClock),
        FileBoundStore::new(&path),
        Duration::from_millis(2),
    )
    .unwrap();
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut mine = Vec::new();
                for _ in 0..2_000 {
                    let ts = hlc.now().unwrap();
                    // Whatever the interleaving, the bound covering `ts` was already durable.
                    assert!(hlc.persisted_bound() >= ts.physical());
                    mine.push(ts);
                }
                assert!(mine.windows(2).all(|w| w[0] < w[1]));
                seen.lock().unwrap().extend(mine);
            });
        }
    });
    let all = seen.into_inner().unwrap();
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    let max = all.iter().max().unwrap();
    assert!(FileBoundStore::new(&path).load().unwrap() >= max.physical());
}

/// A clock that reads far beyond the representable range on every other reading, as a
/// badly stepped clock might while it is being corrected.
#[derive(Debug, Default)]
struct Glitching(std::sync::atomic::AtomicU64);

impl ward_hlc::PhysicalClock for Glitching {
    fn now_micros(&self) -> u64 {
        if self.0.fetch_add(1, Ordering::SeqCst) % 2 == 1 {
            MAX_PHYSICAL + 1_000_000
        } else {
            START
        }
    }
}

/// Readings beyond the range make events fail; they must not leak into the persisted
/// bound either, or one glitch would leave the clock exhausted after the next restart.
#[test]
fn out_of_range_readings_never_reach_the_persisted_bound() {
    let dir = dir();
    let path = dir.path().join("b");
    let lease = Duration::from_millis(1);
    let hlc = DurableHlc::create(
        Hlc::builder(Glitching::default()),
        FileBoundStore::new(&path),
        lease,
    )
    .unwrap();
    let mut issued = Vec::new();
    for i in 0..400u64 {
        // Remote timestamps push the clock through many bound refreshes.
        let remote = Timestamp::new(START + i, 0).unwrap();
        match hlc.receive(remote) {
            Ok(ts) => issued.push(ts),
            Err(DurableError::Clock(ClockError::PhysicalOutOfRange { micros })) => {
                assert_eq!(micros, MAX_PHYSICAL + 1_000_000);
            }
            Err(e) => panic!("unexpected {e}"),
        }
        // The bound runs at most one and a half leases (and 1 µs) ahead of what was
        // issued, here at most the remote's physical part.
        assert!(
            hlc.persisted_bound() <= START + i + 1_501,
            "bound {}",
            hlc.persisted_bound()
        );
    }
    assert!(!issued.is_empty());
    let last = *issued.last().unwrap();
    let stored = FileBoundStore::new(&path).load().unwrap();
    assert!(
        stored >= last.physical() && stored <= last.physical() + 1_501,
        "stored {stored}"
    );
    drop(hlc);

    // After a restart (the clock behaving again) the clock carries on just above the
    // old run: right after the stored bound, not at the end of the range.
    let reopened = DurableHlc::open(
        Hlc::builder(ManualClock::new(START)),
        FileBoundStore::new(&path),
        jump(lease),
    )
    .unwrap();
    let next = reopened.now().unwrap();
    assert!(next > last);
    assert_eq!(next, Timestamp::new(stored + 1, 0).unwrap());
}

/// A store that panics on its first write after setup, then works.
#[derive(Debug)]
struct PanicsOnce {
    inner: Fixed,
    writes: u32,
}

impl BoundStore for PanicsOnce {
    fn load(&mut self) -> Result<u64, StoreError> {
        self.inner.load()
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        self.writes += 1;
        if self.writes == 2 {
            panic!("store failed loudly");
        }
        self.inner.store(bound)
    }
}

/// A store that panicked inside the clock's lock leaves it poisoned; refreshes, early
/// ones included, go on using it.
#[test]
fn a_store_that_panicked_is_still_refreshed() {
    let clock = ManualClock::new(START);
    let lease = Duration::from_millis(1);
    let store = PanicsOnce {
        inner: Fixed(START),
        writes: 0,
    };
    let hlc = DurableHlc::open(Hlc::builder(&clock), store, jump(lease)).unwrap();
    let bound = hlc.persisted_bound();
    // Past the bound: the required refresh panics in the store.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        clock.set(bound + 1);
        hlc.now()
    }));
    assert!(caught.is_err());
    assert_eq!(hlc.persisted_bound(), bound, "nothing was made durable");
    // The same event succeeds once the store works again.
    let ts = hlc.now().unwrap();
    assert_eq!(ts, Timestamp::new(bound + 1, 0).unwrap());
    let bound = hlc.persisted_bound();
    assert_eq!(bound, ts.physical() + 1_000);
    // Within half a lease of the bound: the early refresh runs despite the poison.
    clock.set(bound - 499);
    let ts = hlc.now().unwrap();
    assert_eq!(hlc.persisted_bound(), ts.physical() + 500 + 1 + 1_000);
}

/// A quick restart (clock not set back) starts just above the persisted bound, so its
/// timestamps lead the clock by up to the documented headroom until the clock passes it.
#[test]
fn quick_restart_leads_the_clock_by_at_most_the_documented_headroom() {
    let dir = dir();
    let path = dir.path().join("b");
    let lease = Duration::from_micros(1_000);
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), lease).unwrap();
    let mut last = first.now().unwrap();
    for _ in 0..3_000 {
        clock.advance(Duration::from_micros(1));
        last = first.now().unwrap();
    }
    drop(first);

    let second = DurableHlc::open(
        Hlc::builder(&clock),
        FileBoundStore::new(&path),
        jump(lease),
    )
    .unwrap();
    let next = second.now().unwrap();
    let lead = next.physical() - clock.now_micros();
    assert!(next > last);
    assert!(
        lead > 0,
        "the restart starts above the bound, ahead of the clock"
    );
    assert!(
        lead <= 1_500 + 2,
        "lead {lead} µs beyond one and a half leases"
    );
    // Once the clock passes the bound, physical time takes over again.
    clock.advance(Duration::from_micros(lead + 1));
    assert_eq!(second.now().unwrap().physical(), clock.now_micros());
}
