//! Uncertainty intervals and commit-wait through the public API: named cases, and
//! property tests on a manual clock that a simulated true time drives.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use ward_hlc::{
    BoundError, CommitWait, DEFAULT_MAX_COMMIT_WAIT, ErrorBound, FixedBound, Hlc, Interval,
    IntervalError, MAX_ERROR_BOUND, MAX_PHYSICAL, ManualClock, Timestamp, UncertainClock,
};

fn bound(micros: u64) -> FixedBound {
    FixedBound::new(Duration::from_micros(micros)).unwrap()
}

fn ts(physical: u64, logical: u16) -> Timestamp {
    Timestamp::new(physical, logical).unwrap()
}

/// A platform source whose answer the test sets: a bound in µs, or a failure.
#[derive(Debug, Default)]
struct Source {
    /// 0: unavailable, 1: unsynchronized, otherwise the bound in µs plus one.
    state: AtomicU64,
}

impl Source {
    fn set_micros(&self, micros: u64) {
        self.state.store(micros + 2, Ordering::SeqCst);
    }
}

impl ErrorBound for Source {
    fn error_bound(&self) -> Result<Duration, BoundError> {
        match self.state.load(Ordering::SeqCst) {
            0 => Err(BoundError::Unavailable),
            1 => Err(BoundError::Unsynchronized),
            n => Ok(Duration::from_micros(n - 2)),
        }
    }
}

#[test]
fn shared_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<UncertainClock<ManualClock, FixedBound>>();
    check::<UncertainClock<Arc<ManualClock>, Arc<Source>>>();
    check::<Interval>();
    check::<CommitWait>();
    check::<IntervalError>();
}

#[test]
fn fixed_bound_is_validated_and_rounded_up() {
    let err = |d: Duration| IntervalError::InvalidBound {
        bound: d,
        min: Duration::from_micros(1),
        max: MAX_ERROR_BOUND,
    };
    assert_eq!(FixedBound::new(Duration::ZERO), Err(err(Duration::ZERO)));
    assert_eq!(
        FixedBound::new(Duration::from_nanos(1)).map(|b| b.bound()),
        Ok(Duration::from_micros(1))
    );
    assert_eq!(
        FixedBound::new(Duration::from_nanos(1_001)).map(|b| b.bound()),
        Ok(Duration::from_micros(2))
    );
    assert_eq!(
        FixedBound::new(MAX_ERROR_BOUND).map(|b| b.bound()),
        Ok(MAX_ERROR_BOUND)
    );
    let over = MAX_ERROR_BOUND + Duration::from_nanos(1);
    assert_eq!(FixedBound::new(over), Err(err(over)));
    assert_eq!(FixedBound::new(Duration::MAX), Err(err(Duration::MAX)));
    let msg = err(over).to_string();
    assert!(msg.starts_with("error bound 3600.000000001s"), "{msg}");
    assert!(msg.contains("1µs") && msg.contains("3600s"), "{msg}");
}

#[test]
fn reading_is_the_clock_plus_minus_the_bound() {
    let clock = ManualClock::new(1_000_000);
    let tt = UncertainClock::new(&clock, bound(300));
    let iv = tt.now().unwrap();
    assert_eq!((iv.earliest(), iv.latest()), (999_700, 1_000_300));
    assert_eq!(iv.width(), Duration::from_micros(600));
    // At the epoch, `earliest` stops at 0.
    clock.set(100);
    assert_eq!(tt.now().map(|iv| iv.earliest()), Ok(0));
    // The latest end must be representable.
    clock.set(MAX_PHYSICAL - 300);
    assert_eq!(tt.now().map(|iv| iv.latest()), Ok(MAX_PHYSICAL));
    clock.set(MAX_PHYSICAL - 299);
    assert_eq!(
        tt.now(),
        Err(IntervalError::PhysicalOutOfRange {
            micros: MAX_PHYSICAL + 1
        })
    );
    clock.set(u64::MAX);
    assert_eq!(
        tt.now(),
        Err(IntervalError::PhysicalOutOfRange { micros: u64::MAX })
    );
}

#[test]
fn platform_source_failures_are_typed_errors() {
    let clock = ManualClock::new(50_000);
    let source = Source::default();
    let tt = UncertainClock::new(&clock, &source);
    assert_eq!(tt.now(), Err(IntervalError::Bound(BoundError::Unavailable)));
    source.state.store(1, Ordering::SeqCst);
    assert_eq!(
        tt.now(),
        Err(IntervalError::Bound(BoundError::Unsynchronized))
    );
    assert_eq!(
        tt.remaining(ts(1, 0)),
        Err(IntervalError::Bound(BoundError::Unsynchronized))
    );
    // A source that reports zero, or more than the maximum, is not trusted.
    source.set_micros(0);
    assert!(matches!(
        tt.now(),
        Err(IntervalError::InvalidBound { bound, .. }) if bound.is_zero()
    ));
    source.set_micros(3_600_000_001);
    assert!(matches!(tt.now(), Err(IntervalError::InvalidBound { .. })));
    source.set_micros(40);
    assert_eq!(tt.now(), Interval::new(49_960, 50_040));
    let msg = IntervalError::Bound(BoundError::Unsynchronized).to_string();
    assert_eq!(
        msg,
        "no error bound: the clock is not synchronized, so no error bound holds"
    );
}

#[test]
fn interval_constructor_validates() {
    assert_eq!(
        Interval::new(9, 8),
        Err(IntervalError::Inverted {
            earliest: 9,
            latest: 8
        })
    );
    assert_eq!(
        Interval::new(0, MAX_PHYSICAL + 1),
        Err(IntervalError::PhysicalOutOfRange {
            micros: MAX_PHYSICAL + 1
        })
    );
    let iv = Interval::new(0, MAX_PHYSICAL).unwrap();
    assert!(iv.contains(0) && iv.contains(MAX_PHYSICAL));
    assert!(!iv.has_passed(Timestamp::MIN));
    assert!(!iv.is_before(Timestamp::MAX));
    // The comparison is on the physical part only: a logical count never makes a
    // timestamp pass or arrive.
    let iv = Interval::new(10, 20).unwrap();
    assert!(iv.has_passed(ts(9, 4095)));
    assert!(!iv.has_passed(ts(10, 0)));
    assert!(iv.is_before(ts(21, 0)));
    assert!(!iv.is_before(ts(20, 4095)));
    assert!(!iv.contains(9) && !iv.contains(21));
}

#[test]
fn commit_wait_sleeps_until_earliest_passes_the_commit() {
    let clock = ManualClock::new(10_000);
    let tt = UncertainClock::new(&clock, bound(500));
    let commit = ts(10_000, 7);
    let mut sleeps = Vec::new();
    let done = tt
        .commit_wait_with(commit, |d| {
            sleeps.push(d);
            clock.advance(d);
        })
        .unwrap();
    // One sleep of ε + 1 µs: then `earliest` is one microsecond past the commit.
    assert_eq!(sleeps, [Duration::from_micros(501)]);
    assert_eq!(done.waited, Duration::from_micros(501));
    assert_eq!(done.reading.earliest(), 10_001);
    assert_eq!(tt.remaining(commit), Ok(Duration::ZERO));
    // A commit already passed returns at once, without sleeping.
    let done = tt
        .commit_wait_with(commit, |_| panic!("slept for a passed commit"))
        .unwrap();
    assert_eq!(done.waited, Duration::ZERO);
}

#[test]
fn commit_wait_rereads_after_a_short_sleep_a_step_back_or_a_grown_bound() {
    let clock = ManualClock::new(10_000);
    let source = Source::default();
    source.set_micros(100);
    let tt = UncertainClock::new(&clock, &source);
    let commit = ts(10_000, 0);
    let mut calls = 0;
    let done = tt
        .commit_wait_with(commit, |d| {
            calls += 1;
            match calls {
                // Wakes up early: half the time passed.
                1 => clock.advance(d / 2),
                // The clock is stepped back, and the bound grows.
                2 => {
                    clock.step_back(Duration::from_micros(30));
                    source.set_micros(200);
                }
                _ => clock.advance(d),
            }
        })
        .unwrap();
    assert_eq!(calls, 3);
    assert!(done.reading.has_passed(commit));
    assert_eq!(done.reading.earliest(), commit.physical() + 1);
    // 101, then 51 (half slept), then 181 (stepped back 30, bound 200): each sleep is
    // the rest measured by a fresh reading.
    assert_eq!(done.waited, Duration::from_micros(101 + 51 + 181));
}

#[test]
fn commit_wait_gives_up_before_sleeping_past_its_maximum() {
    let clock = ManualClock::new(10_000);
    let tt = UncertainClock::new(&clock, bound(100)).with_max_wait(Duration::from_micros(150));
    // 101 µs fit; a commit 50 µs ahead of the clock needs 151.
    assert!(
        tt.commit_wait_with(ts(10_000, 0), |d| clock.advance(d))
            .is_ok()
    );
    let ahead = ts(clock.now_micros() + 50, 0);
    let slept = Cell::new(Duration::ZERO);
    assert_eq!(
        tt.commit_wait_with(ahead, |d| slept.set(slept.get() + d)),
        Err(IntervalError::WaitTooLong {
            needed: Duration::from_micros(151),
            max: Duration::from_micros(150)
        })
    );
    assert_eq!(slept.get(), Duration::ZERO);
    // A clock that never moves: the sleeps add up to the maximum, then it gives up
    // instead of spinning for ever.
    let stuck = UncertainClock::new(ManualClock::new(10_000), bound(100))
        .with_max_wait(Duration::from_micros(150));
    let mut sleeps = 0;
    let result = stuck.commit_wait_with(ts(10_000, 0), |_| sleeps += 1);
    assert_eq!(
        result,
        Err(IntervalError::WaitTooLong {
            needed: Duration::from_micros(202),
            max: Duration::from_micros(150)
        })
    );
    assert_eq!(sleeps, 1);
    let msg = result.unwrap_err().to_string();
    assert_eq!(
        msg,
        "commit-wait needs 202µs in total, more than the maximum 150µs"
    );
}

#[cfg(feature = "std")]
#[test]
fn commit_wait_of_an_hlc_timestamp_on_the_real_clock() {
    let tt = UncertainClock::new(
        ward_hlc::SystemClock,
        FixedBound::new(Duration::from_micros(300)).unwrap(),
    );
    let hlc = Hlc::new(ward_hlc::SystemClock);
    let commit = hlc.now().unwrap();
    let done = tt.commit_wait(commit).unwrap();
    assert!(done.reading.has_passed(commit));
    assert!(done.waited >= Duration::from_micros(1));
    assert!(tt.now().unwrap().has_passed(commit));
}

#[test]
fn interval_displays_both_ends() {
    let iv = Interval::new(1_714_564_800_000_250, 1_714_564_800_000_750).unwrap();
    assert_eq!(
        iv.to_string(),
        "[2024-05-01T12:00:00.000250Z, 2024-05-01T12:00:00.000750Z]"
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_forms_validate() {
    let iv = Interval::new(3, 8).unwrap();
    let json = serde_json::to_string(&iv).unwrap();
    assert_eq!(json, "{\"earliest\":3,\"latest\":8}");
    assert_eq!(serde_json::from_str::<Interval>(&json).unwrap(), iv);
    assert!(serde_json::from_str::<Interval>("{\"earliest\":9,\"latest\":8}").is_err());
    let beyond = format!("{{\"earliest\":0,\"latest\":{}}}", MAX_PHYSICAL + 1);
    assert!(serde_json::from_str::<Interval>(&beyond).is_err());
    assert!(serde_json::from_str::<Interval>("{\"earliest\":3,\"latest\":8,\"x\":1}").is_err());

    let b = bound(250);
    let json = serde_json::to_string(&b).unwrap();
    assert_eq!(json, "{\"micros\":250}");
    assert_eq!(serde_json::from_str::<FixedBound>(&json).unwrap(), b);
    assert!(serde_json::from_str::<FixedBound>("{\"micros\":0}").is_err());
    assert!(serde_json::from_str::<FixedBound>("{\"micros\":3600000001}").is_err());
    assert!(serde_json::from_str::<FixedBound>("{\"micros\":1,\"y\":2}").is_err());
}

/// Physical times anywhere in the range, often near its ends.
fn micros() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0..=MAX_PHYSICAL,
        1 => 0..10_000u64,
        1 => (MAX_PHYSICAL - 10_000)..=MAX_PHYSICAL,
    ]
}

/// Error bounds from 1 µs to the maximum, often small.
fn epsilon() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 1..10_000u64,
        1 => 1..=3_600_000_000u64,
        1 => Just(3_600_000_000u64),
    ]
}

proptest! {
    /// A clock within its bound of true time reads an interval that contains true
    /// time, or reports that the interval's end is out of range.
    #[test]
    fn prop_interval_contains_true_time(
        truth in micros(),
        eps in epsilon(),
        offset_fraction in -1.0f64..=1.0,
    ) {
        // The clock is off by at most eps, either way, and never reads before the epoch.
        let offset = (offset_fraction * eps as f64) as i64;
        let reading = truth.saturating_add_signed(offset);
        let tt = UncertainClock::new(ManualClock::new(reading), bound(eps));
        match tt.now() {
            Ok(iv) => {
                prop_assert!(iv.contains(truth), "{iv} misses {truth}");
                prop_assert_eq!(iv.latest() - reading, eps);
                prop_assert_eq!(iv.earliest(), reading.saturating_sub(eps));
            }
            Err(IntervalError::PhysicalOutOfRange { micros }) => {
                prop_assert_eq!(micros, reading.saturating_add(eps));
                prop_assert!(micros > MAX_PHYSICAL);
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
        }
    }

    /// After `commit_wait(t)` returns, every later reading's `earliest` is past `t`
    /// (on a clock that does not go backwards), whatever the sleeps did: wake early,
    /// oversleep, or return at once; and `remaining` agrees with the model.
    #[test]
    fn prop_after_commit_wait_every_reading_has_passed(
        start in 1_000_000u64..2_000_000,
        eps in 1u64..5_000,
        commit_offset in -10_000i64..10_000,
        logical in 0u16..=4095,
        wakes in proptest::collection::vec(0u8..4, 1..20),
        later in proptest::collection::vec(0u64..100, 1..10),
    ) {
        let clock = ManualClock::new(start);
        let tt = UncertainClock::new(&clock, bound(eps)).with_max_wait(Duration::from_millis(100));
        let commit = ts(start.saturating_add_signed(commit_offset), logical);
        let model = (commit.physical() + 1).saturating_sub(start.saturating_sub(eps));
        prop_assert_eq!(tt.remaining(commit), Ok(Duration::from_micros(model)));
        let mut i = 0;
        // The model of the budget: the sleeps asked for so far, in total.
        let mut asked = Duration::ZERO;
        let done = tt.commit_wait_with(commit, |d| {
            let micros = d.as_micros() as u64;
            let moved = match wakes[i % wakes.len()] {
                0 => micros,            // exact
                1 => micros.div_ceil(2), // woke early
                2 => micros + 37,       // overslept
                _ => 0,                 // returned at once
            };
            i += 1;
            asked += d;
            clock.advance(Duration::from_micros(moved));
        });
        let done = match done {
            Ok(done) => done,
            // The budget runs out when the sleeps asked for, plus the rest still to
            // wait, would pass `max_wait`: sleeps that return early (or at once) keep
            // asking. Until then the clock has not passed the commit.
            Err(IntervalError::WaitTooLong { needed, max }) => {
                prop_assert_eq!(max, Duration::from_millis(100));
                prop_assert!(needed > max);
                prop_assert!(asked <= max);
                let rest = tt.remaining(commit).unwrap();
                prop_assert!(!rest.is_zero());
                prop_assert_eq!(needed, asked + rest);
                prop_assert!(wakes.iter().any(|&w| w == 1 || w == 3), "{wakes:?}");
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
        };
        prop_assert!(done.reading.earliest() > commit.physical());
        prop_assert_eq!(done.reading, tt.now().unwrap());
        prop_assert!(done.waited >= Duration::from_micros(model));
        for step in later {
            clock.advance(Duration::from_micros(step));
            let iv = tt.now().unwrap();
            prop_assert!(iv.has_passed(commit));
            prop_assert!(iv.earliest() > commit.physical());
            prop_assert_eq!(tt.remaining(commit), Ok(Duration::ZERO));
        }
    }

    /// External consistency (Spanner's argument): node A commits at `s` from its HLC
    /// and commit-waits; any node B whose clock is within the bound of true time, when
    /// it reads after A's acknowledgement, gets an interval whose `latest` is past `s`,
    /// so a timestamp B takes at or above its `latest` orders after A's commit.
    #[test]
    fn prop_commit_wait_gives_external_consistency(
        truth in 1_000_000u64..2_000_000,
        eps in 1u64..5_000,
        a_off in -1.0f64..=1.0,
        b_off in -1.0f64..=1.0,
        extra in 0u64..50,
    ) {
        let off = |f: f64| (f * eps as f64) as i64;
        let truth = Cell::new(truth);
        let a_clock = ManualClock::new(truth.get().saturating_add_signed(off(a_off)));
        let b_clock = ManualClock::new(truth.get().saturating_add_signed(off(b_off)));
        let a = Hlc::new(&a_clock);
        let a_tt = UncertainClock::new(&a_clock, bound(eps));
        let b_tt = UncertainClock::new(&b_clock, bound(eps));
        let s = a.now().unwrap();
        let move_all = |d: u64| {
            truth.set(truth.get() + d);
            a_clock.advance(Duration::from_micros(d));
            b_clock.advance(Duration::from_micros(d));
        };
        a_tt.commit_wait_with(s, |d| move_all(d.as_micros() as u64)).unwrap();
        // True time itself has passed `s` once A's earliest has.
        prop_assert!(truth.get() > s.physical());
        move_all(extra);
        let b_reading = b_tt.now().unwrap();
        prop_assert!(b_reading.latest() > s.physical(), "{b_reading} vs {s}");
        prop_assert!(!b_reading.is_before(s));
    }
}

/// The bound source may be shared (`Arc`), boxed (`Box<dyn ErrorBound>`) or borrowed,
/// and the clock reads through each of them.
#[test]
fn bound_sources_behind_arc_box_and_reference() {
    let source = Arc::new(Source::default());
    source.set_micros(70);
    let clock = ManualClock::new(10_000);
    let shared = UncertainClock::new(&clock, Arc::clone(&source));
    assert_eq!(shared.now(), Interval::new(9_930, 10_070));
    let boxed: Box<dyn ErrorBound + Send + Sync> = Box::new(bound(30));
    let boxed = UncertainClock::new(&clock, boxed);
    assert_eq!(boxed.now(), Interval::new(9_970, 10_030));
    source.state.store(0, Ordering::SeqCst);
    assert_eq!(
        shared.now(),
        Err(IntervalError::Bound(BoundError::Unavailable))
    );
    let failing: Box<dyn ErrorBound> = Box::new(Source::default());
    assert_eq!(
        UncertainClock::new(&clock, failing).now(),
        Err(IntervalError::Bound(BoundError::Unavailable))
    );
}

#[test]
fn max_wait_defaults_to_one_second_and_is_configurable() {
    let clock = ManualClock::new(10_000);
    let tt = UncertainClock::new(&clock, bound(5));
    assert_eq!(tt.max_wait(), DEFAULT_MAX_COMMIT_WAIT);
    assert_eq!(DEFAULT_MAX_COMMIT_WAIT, Duration::from_secs(1));
    let tt = tt.with_max_wait(Duration::from_micros(3));
    assert_eq!(tt.max_wait(), Duration::from_micros(3));
    // A wait of exactly the maximum is allowed; one microsecond more is not.
    let exact = UncertainClock::new(&clock, bound(100)).with_max_wait(Duration::from_micros(101));
    assert_eq!(
        exact
            .commit_wait_with(ts(10_000, 0), |d| clock.advance(d))
            .map(|done| done.waited),
        Ok(Duration::from_micros(101))
    );
    let now = clock.now_micros();
    assert!(matches!(
        exact.commit_wait_with(ts(now + 1, 0), |d| clock.advance(d)),
        Err(IntervalError::WaitTooLong { .. })
    ));
    assert_eq!(tt.clock().now_micros(), clock.now_micros());
    assert_eq!(tt.error_bound().bound(), Duration::from_micros(5));
}
