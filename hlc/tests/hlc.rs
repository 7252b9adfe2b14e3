//! Behaviour of `Hlc` through its public API: named cases and a model-based property test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_hlc::{
    ClockError, ClockJump, Hlc, JumpDirection, JumpStats, JumpThresholds, MAX_LOGICAL,
    MAX_PHYSICAL, ManualClock, OverflowPolicy, Timestamp, TimestampError,
};

fn ts(physical: u64, logical: u16) -> Timestamp {
    Timestamp::new(physical, logical).expect("test timestamps are in range")
}

fn stats(backward: u64, forward: u64) -> JumpStats {
    let mut stats = JumpStats::default();
    stats.backward = backward;
    stats.forward = forward;
    stats
}

#[test]
fn shared_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Hlc<ManualClock>>();
    check::<Hlc<Arc<ManualClock>>>();
    #[cfg(feature = "std")]
    check::<Hlc<ward_hlc::SystemClock>>();
    #[cfg(feature = "std")]
    check::<Hlc<ward_hlc::CoarseClock>>();
    check::<ManualClock>();
    check::<Timestamp>();
    check::<ward_hlc::Stamp>();
    check::<ClockError>();
}

#[test]
fn first_event_on_a_fresh_clock_is_pt_zero() {
    for pt in [
        0,
        1,
        1_700_000_000_000_000,
        Timestamp::MAX_ISSUED.physical(),
    ] {
        let hlc = Hlc::new(ManualClock::new(pt));
        assert_eq!(hlc.last(), None);
        assert_eq!(hlc.now(), Ok(ts(pt, 0)), "pt = {pt}");
        assert_eq!(hlc.last(), Some(ts(pt, 0)));
    }
}

/// A longer run in the shape of the paper's illustration of HLC (Kulkarni, Demirbas
/// et al., "Logical Physical Clocks and Consistent Snapshots in Globally Distributed
/// Databases", 2014): four processes, process 0's clock far ahead of the others, a
/// message chain 0 → 1 → 2 → 3, and the others' clocks finally passing `l`. It starts
/// with the figure's published values (see `paper_figure_6_published_values`); the later
/// steps are worked out by hand from the paper's send and receive rules.
#[test]
fn paper_style_worked_example() {
    let clocks: Vec<ManualClock> = [10, 1, 2, 3].into_iter().map(ManualClock::new).collect();
    let p: Vec<Hlc<&ManualClock>> = clocks.iter().map(Hlc::new).collect();

    // Process 0 sends at pt = 10: (10, 0).
    let m0 = p[0].now().unwrap();
    assert_eq!(m0, ts(10, 0));
    // Process 1 (pt = 1) has a local event (1, 0), then receives m0: l = max(1, 10, 1) = 10,
    // from the message, so c = 0 + 1.
    assert_eq!(p[1].now(), Ok(ts(1, 0)));
    assert_eq!(p[1].receive(m0), Ok(ts(10, 1)));
    // Process 1 sends; its clock reads 2 < 10: (10, 2).
    clocks[1].set(2);
    let m1 = p[1].now().unwrap();
    assert_eq!(m1, ts(10, 2));
    // Process 2 (pt = 2) receives m1: (10, 3), and sends (pt = 3): (10, 4).
    assert_eq!(p[2].receive(m1), Ok(ts(10, 3)));
    clocks[2].set(3);
    let m2 = p[2].now().unwrap();
    assert_eq!(m2, ts(10, 4));
    // Process 3 had a local event at pt = 3, then receives m2 at pt = 4: (10, 5).
    assert_eq!(p[3].now(), Ok(ts(3, 0)));
    clocks[3].set(4);
    assert_eq!(p[3].receive(m2), Ok(ts(10, 5)));
    // Process 0 receives an old message (3, 0) from process 3's first event: l stays 10,
    // counter continues: (10, 1).
    assert_eq!(p[0].receive(ts(3, 0)), Ok(ts(10, 1)));
    // Process 3's clock passes l: the counter resets.
    clocks[3].set(11);
    assert_eq!(p[3].now(), Ok(ts(11, 0)));
    // Equal l on both sides: c = max(c, c_m) + 1.
    clocks[1].set(5);
    assert_eq!(p[1].receive(ts(10, 7)), Ok(ts(10, 8)));
}

/// Regression against the paper's published example: Figure 6 of "Logical Physical
/// Clocks and Consistent Snapshots in Globally Distributed Databases" (Kulkarni, Demirbas,
/// Madeppa, Avva, Leone, 2014), which labels each event with its process's physical
/// clock and its `(l, c)`. The physical clocks and `(l, c)` values below are the figure's
/// for processes 0, 1 and 2, as the hybrid-clocks crate reproduces them in its
/// `fig_6_proc_*` tests (`tests/clocks.rs`): process 0's clock is far ahead, and its
/// `l = 10` travels down the message chain while the counter records the hops.
#[test]
fn paper_figure_6_published_values() {
    // Process 0, pt = 10: its first event is (10, 0).
    let p0 = Hlc::new(ManualClock::new(10));
    let m0 = p0.now().unwrap();
    assert_eq!(m0, ts(10, 0));

    // Process 1, pt = 1: receiving (10, 0) gives (10, 1); its next event, a send at
    // pt = 2, gives (10, 2).
    let clock1 = ManualClock::new(1);
    let p1 = Hlc::new(&clock1);
    assert_eq!(p1.receive(m0), Ok(ts(10, 1)));
    clock1.set(2);
    let m1 = p1.now().unwrap();
    assert_eq!(m1, ts(10, 2));

    // Process 2, pt = 2: receiving (10, 2) gives (10, 3); its next event at pt = 3
    // gives (10, 4). The reproduction checks this from a fresh clock and from one
    // already at (1, 0); here that state comes from a local event at pt = 1.
    for earlier_event in [false, true] {
        let clock2 = ManualClock::new(1);
        let p2 = Hlc::new(&clock2);
        if earlier_event {
            assert_eq!(p2.now(), Ok(ts(1, 0)));
        }
        clock2.set(2);
        assert_eq!(
            p2.receive(m1),
            Ok(ts(10, 3)),
            "earlier event: {earlier_event}"
        );
        clock2.set(3);
        assert_eq!(p2.now(), Ok(ts(10, 4)), "earlier event: {earlier_event}");
    }
}

#[test]
fn clock_set_back_never_moves_the_hlc_back() {
    let clock = ManualClock::new(1_000_000);
    let hlc = Hlc::new(&clock);
    let a = hlc.now().unwrap();
    clock.step_back(Duration::from_secs(1)); // to 0
    let b = hlc.now().unwrap();
    let c = hlc.now().unwrap();
    assert_eq!(b, ts(1_000_000, 1));
    assert_eq!(c, ts(1_000_000, 2));
    // When the clock passes the old time again, physical time takes over.
    clock.set(1_000_001);
    assert_eq!(hlc.now(), Ok(ts(1_000_001, 0)));
    assert!(a < b && b < c);
}

#[test]
fn frozen_clock_counts_then_carries() {
    let hlc = Hlc::new(ManualClock::new(500));
    let mut prev = hlc.now().unwrap();
    assert_eq!(prev, ts(500, 0));
    for i in 1..=u32::from(MAX_LOGICAL) + 3 {
        let next = hlc.now().unwrap();
        assert_eq!(next.as_u64(), prev.as_u64() + 1, "event {i}");
        prev = next;
    }
    // 4096 values at 500, then the counter carried into 501.
    assert_eq!(prev, ts(501, 2));
}

#[test]
fn overflow_carry_on_receive() {
    let hlc = Hlc::new(ManualClock::new(10));
    assert_eq!(hlc.receive(ts(20, MAX_LOGICAL)), Ok(ts(21, 0)));
    assert_eq!(hlc.now(), Ok(ts(21, 1)));
}

#[test]
fn overflow_reject_leaves_the_clock_unchanged() {
    let clock = ManualClock::new(10);
    let hlc = Hlc::builder(&clock)
        .overflow(OverflowPolicy::Reject)
        .build();
    assert_eq!(
        hlc.receive(ts(20, MAX_LOGICAL)),
        Err(ClockError::LogicalOverflow { physical: 20 })
    );
    assert_eq!(hlc.last(), None);
    assert_eq!(
        hlc.receive(ts(20, MAX_LOGICAL - 1)),
        Ok(ts(20, MAX_LOGICAL))
    );
    assert_eq!(hlc.now(), Err(ClockError::LogicalOverflow { physical: 20 }));
    assert_eq!(hlc.last(), Some(ts(20, MAX_LOGICAL)));
    // The clock moving on resolves it.
    clock.set(21);
    assert_eq!(hlc.now(), Ok(ts(21, 0)));
}

#[test]
fn drift_exactly_at_the_bound_is_accepted_one_past_is_rejected() {
    let clock = ManualClock::new(1_000_000);
    let bound = Duration::from_millis(250);
    let hlc = Hlc::builder(&clock).max_drift(bound).build();
    let before = hlc.now().unwrap();

    let one_past = ts(1_250_001, 0);
    assert_eq!(
        hlc.receive(one_past),
        Err(ClockError::DriftExceeded {
            drift: Duration::from_micros(250_001),
            max: bound
        })
    );
    assert_eq!(
        hlc.last(),
        Some(before),
        "a rejected receive changes nothing"
    );

    let at_bound = ts(1_250_000, 9);
    assert_eq!(hlc.receive(at_bound), Ok(ts(1_250_000, 10)));
    // Behind or equal to local time is always accepted.
    assert_eq!(hlc.receive(ts(3, 0)), Ok(ts(1_250_000, 11)));
}

#[test]
fn drift_bound_zero_accepts_only_the_present() {
    let hlc = Hlc::builder(ManualClock::new(100))
        .max_drift(Duration::ZERO)
        .build();
    assert!(hlc.receive(ts(101, 0)).is_err());
    assert_eq!(hlc.receive(ts(100, 0)), Ok(ts(100, 1)));
}

#[test]
fn receive_is_greater_than_remote_and_previous() {
    let hlc = Hlc::new(ManualClock::new(50));
    let a = hlc.now().unwrap();
    let remote = ts(40, 7);
    let r = hlc.receive(remote).unwrap();
    assert!(r > a && r > remote);
    assert_eq!(r, ts(50, 1));
}

#[test]
fn physical_clock_out_of_range_is_an_error() {
    let clock = ManualClock::new(MAX_PHYSICAL + 1);
    let hlc = Hlc::new(&clock);
    assert_eq!(
        hlc.now(),
        Err(ClockError::PhysicalOutOfRange {
            micros: MAX_PHYSICAL + 1
        })
    );
    assert_eq!(hlc.last(), None);
    // The last second of the range is representable but never issued.
    clock.set(MAX_PHYSICAL);
    assert_eq!(
        hlc.now(),
        Err(ClockError::Exhausted {
            last: Timestamp::from_u64(ts(MAX_PHYSICAL, 0).as_u64() - 1).unwrap()
        })
    );
    let top = Timestamp::MAX_ISSUED.physical();
    clock.set(top);
    assert_eq!(hlc.now(), Ok(ts(top, 0)));
}

#[test]
fn exhausted_timestamp_space_is_an_error_not_a_wrap() {
    let hlc = Hlc::builder(ManualClock::new(0))
        .with_max_drift(None)
        .build();
    assert_eq!(
        hlc.receive(Timestamp::MAX),
        Err(ClockError::Exhausted {
            last: Timestamp::MAX
        })
    );
    assert_eq!(hlc.last(), None);
    // Above the largest issued timestamp nothing is issued, whatever the remote.
    let beyond = Timestamp::from_u64(u64::MAX - 2).unwrap();
    assert_eq!(
        hlc.receive(beyond),
        Err(ClockError::Exhausted { last: beyond })
    );
    assert_eq!(hlc.last(), None);
    let almost = Timestamp::from_u64(Timestamp::MAX_ISSUED.as_u64() - 1).unwrap();
    assert_eq!(hlc.receive(almost), Ok(Timestamp::MAX_ISSUED));
    assert!(matches!(hlc.now(), Err(ClockError::Exhausted { .. })));
    assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));

    let resumed = Hlc::builder(ManualClock::new(0))
        .resume_after(Timestamp::MAX)
        .build();
    assert!(matches!(resumed.now(), Err(ClockError::Exhausted { .. })));
}

#[test]
fn overflow_policies_at_the_end_of_the_range() {
    let top = Timestamp::MAX_ISSUED.physical();
    for policy in [OverflowPolicy::Carry, OverflowPolicy::Reject] {
        let clock = ManualClock::new(top - 1);
        let start = |last: Timestamp| {
            Hlc::builder(&clock)
                .overflow(policy)
                .resume_after(last)
                .build()
        };

        // A full counter one microsecond before the end: carry into the last microsecond,
        // or refuse.
        let hlc = start(ts(top - 1, MAX_LOGICAL));
        match policy {
            OverflowPolicy::Carry => assert_eq!(hlc.now(), Ok(ts(top, 0))),
            _ => {
                assert_eq!(
                    hlc.now(),
                    Err(ClockError::LogicalOverflow { physical: top - 1 })
                );
                assert_eq!(hlc.last(), Some(ts(top - 1, MAX_LOGICAL)));
            }
        }

        // In the last issuable microsecond the largest timestamp issued is
        // `Timestamp::MAX_ISSUED`, (top, 4095); the next event is `Exhausted` under
        // either policy (there is nothing left to carry into), changing nothing.
        let hlc = start(ts(top, MAX_LOGICAL - 1));
        clock.set(top);
        assert_eq!(hlc.now(), Ok(ts(top, MAX_LOGICAL)));
        let exhausted = Err(ClockError::Exhausted {
            last: ts(top, MAX_LOGICAL),
        });
        assert_eq!(hlc.now(), exhausted, "{policy:?}");
        assert_eq!(hlc.receive(ts(0, 0)), exhausted, "{policy:?}");
        assert_eq!(hlc.last(), Some(ts(top, MAX_LOGICAL)));

        // A remote timestamp drives a fresh clock to the end the same way.
        let hlc = Hlc::builder(&clock)
            .overflow(policy)
            .with_max_drift(None)
            .build();
        assert_eq!(
            hlc.receive(ts(top, MAX_LOGICAL - 1)),
            Ok(ts(top, MAX_LOGICAL))
        );
        assert_eq!(
            hlc.receive(ts(top, MAX_LOGICAL)),
            Err(ClockError::Exhausted {
                last: ts(top, MAX_LOGICAL)
            })
        );
        assert_eq!(
            hlc.receive(Timestamp::MAX),
            Err(ClockError::Exhausted {
                last: Timestamp::MAX
            })
        );
        assert_eq!(hlc.last(), Some(ts(top, MAX_LOGICAL)));

        // Resuming after `Timestamp::MAX` leaves the clock exhausted; `last` reads back
        // the largest issuable timestamp.
        let hlc = start(Timestamp::MAX);
        assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));
        assert!(matches!(hlc.now(), Err(ClockError::Exhausted { .. })));
        assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));
    }
}

#[test]
fn resume_after_a_known_timestamp() {
    let hlc = Hlc::builder(ManualClock::new(5))
        .resume_after(ts(9, 2))
        .build();
    assert_eq!(hlc.last(), Some(ts(9, 2)));
    assert_eq!(hlc.now(), Ok(ts(9, 3)));
    let later = Hlc::builder(ManualClock::new(50))
        .resume_after(ts(9, 2))
        .build();
    assert_eq!(later.now(), Ok(ts(50, 0)));
    // The larger of two seeds wins.
    let two = Hlc::builder(ManualClock::new(0))
        .resume_after(ts(9, 2))
        .resume_after(ts(4, 0))
        .build();
    assert_eq!(two.last(), Some(ts(9, 2)));
}

static HOOK_CALLS: AtomicU64 = AtomicU64::new(0);
static HOOK_LAST_AMOUNT: AtomicU64 = AtomicU64::new(0);

fn hook(jump: ClockJump) {
    HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
    HOOK_LAST_AMOUNT.store(
        u64::try_from(jump.amount().as_micros()).unwrap(),
        Ordering::SeqCst,
    );
    assert!(matches!(
        jump.direction,
        JumpDirection::Backward | JumpDirection::Forward
    ));
}

#[test]
fn jumps_beyond_thresholds_are_reported_and_never_fatal() {
    let clock = ManualClock::new(10_000_000);
    let thresholds = JumpThresholds::new(Duration::from_millis(5), Duration::from_secs(2));
    let hlc = Hlc::builder(&clock)
        .watch_jumps(thresholds)
        .on_jump(hook)
        .build();
    hlc.now().unwrap();
    // Within thresholds: nothing reported.
    clock.step_back(Duration::from_millis(5));
    hlc.now().unwrap();
    clock.advance(Duration::from_secs(2));
    hlc.now().unwrap();
    assert_eq!(hlc.jump_stats(), Some(stats(0, 0)));
    assert_eq!(HOOK_CALLS.load(Ordering::SeqCst), 0);
    // One microsecond past each threshold.
    clock.step_back(Duration::from_micros(5_001));
    let during = hlc.now().unwrap();
    assert_eq!(HOOK_LAST_AMOUNT.load(Ordering::SeqCst), 5_001);
    clock.advance(Duration::from_micros(2_000_001));
    let after = hlc.receive(ts(1, 0)).unwrap();
    assert!(after > during);
    assert_eq!(hlc.jump_stats(), Some(stats(1, 1)));
    assert_eq!(HOOK_CALLS.load(Ordering::SeqCst), 2);
    assert_eq!(HOOK_LAST_AMOUNT.load(Ordering::SeqCst), 2_000_001);
}

static EDGE_JUMPS: std::sync::Mutex<Vec<ClockJump>> = std::sync::Mutex::new(Vec::new());

fn record_edge_jump(jump: ClockJump) {
    EDGE_JUMPS.lock().unwrap().push(jump);
}

#[test]
fn jump_watch_at_the_ends_of_the_range() {
    let clock = ManualClock::new(0);
    let hlc = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(Duration::ZERO, Duration::ZERO))
        .on_jump(record_edge_jump)
        .build();
    let jump = ClockJump::new;
    use JumpDirection::{Backward, Forward};

    assert_eq!(hlc.now(), Ok(ts(0, 0)));
    // The whole range forwards, past its end (the event fails, the jump is still
    // reported), to the largest reading there is, and back to the start.
    let top = Timestamp::MAX_ISSUED.physical();
    clock.set(MAX_PHYSICAL);
    assert!(matches!(hlc.now(), Err(ClockError::Exhausted { .. })));
    clock.set(top);
    assert_eq!(hlc.now(), Ok(ts(top, 0)));
    clock.set(MAX_PHYSICAL + 1);
    assert_eq!(
        hlc.now(),
        Err(ClockError::PhysicalOutOfRange {
            micros: MAX_PHYSICAL + 1
        })
    );
    clock.set(u64::MAX);
    assert_eq!(
        hlc.receive(ts(5, 0)),
        Err(ClockError::PhysicalOutOfRange { micros: u64::MAX })
    );
    clock.set(0);
    // The clock stays ahead of the set-back physical clock.
    assert_eq!(hlc.now(), Ok(ts(top, 1)));
    // Equal readings are never jumps, even with zero thresholds.
    assert_eq!(hlc.now(), Ok(ts(top, 2)));

    assert_eq!(hlc.jump_stats(), Some(stats(2, 3)));
    let seen = EDGE_JUMPS.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            jump(Forward, 0, MAX_PHYSICAL),
            jump(Backward, MAX_PHYSICAL, top),
            jump(Forward, top, MAX_PHYSICAL + 1),
            jump(Forward, MAX_PHYSICAL + 1, u64::MAX),
            // A reading of u64::MAX is remembered as u64::MAX - 1 (documented).
            jump(Backward, u64::MAX - 1, 0),
        ]
    );
    assert_eq!(seen[0].amount(), Duration::from_micros(MAX_PHYSICAL));
    assert_eq!(seen[4].amount(), Duration::from_micros(u64::MAX - 1));

    // The largest thresholds never count anything.
    let calm = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(Duration::MAX, Duration::MAX))
        .build();
    for reading in [0, MAX_PHYSICAL, 0, u64::MAX, 0] {
        clock.set(reading);
        let _ = calm.now();
    }
    assert_eq!(calm.jump_stats(), Some(JumpStats::default()));
}

fn panicking_hook(_: ClockJump) {
    panic!("the hook failed");
}

#[test]
fn a_panicking_hook_leaves_the_clock_unchanged() {
    let clock = ManualClock::new(1_000);
    let hlc = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(Duration::ZERO, Duration::from_secs(1)))
        .on_jump(panicking_hook)
        .build();
    let first = hlc.now().unwrap();
    clock.set(500);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hlc.now()));
    assert!(caught.is_err());
    assert_eq!(hlc.last(), Some(first));
    assert_eq!(hlc.jump_stats(), Some(stats(1, 0)));
    // The next event, with no new jump, goes on from where the clock was.
    assert_eq!(hlc.now(), Ok(ts(1_000, 1)));
}

#[test]
fn no_jump_watch_reports_none() {
    assert_eq!(Hlc::new(ManualClock::new(0)).jump_stats(), None);
}

// ---------------------------------------------------------------------------------------
// Model-based property test: the paper's rules on (l, c) pairs, written naively.

#[derive(Debug, Clone)]
enum Op {
    SetClock(u64),
    Now,
    Receive(u64, u16),
    Observe(u64, u16),
    Reserve(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (990u64..1_030).prop_map(Op::SetClock),
        Just(Op::Now),
        (
            985u64..1_040,
            prop_oneof![0u16..4, (MAX_LOGICAL - 3)..=MAX_LOGICAL]
        )
            .prop_map(|(l, c)| Op::Receive(l, c)),
        (
            985u64..1_040,
            prop_oneof![0u16..4, (MAX_LOGICAL - 3)..=MAX_LOGICAL]
        )
            .prop_map(|(l, c)| Op::Observe(l, c)),
        // Small batches, and batches around one tick's worth of counter.
        prop_oneof![1u32..4, 4_093u32..4_099].prop_map(Op::Reserve),
    ]
}

/// A remote timestamp; `None` for the one pair no peer can send, `(MAX_PHYSICAL,
/// MAX_LOGICAL)`, which no decoder produces (the model skips it).
fn remote(l: u64, c: u16) -> Option<Timestamp> {
    match Timestamp::new(l, c) {
        Ok(t) => Some(t),
        Err(e) => {
            assert_eq!(
                (l, c, e),
                (MAX_PHYSICAL, MAX_LOGICAL, TimestampError::Excluded)
            );
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelError {
    Drift(u64),
    Overflow(u64),
    OutOfRange(u64),
    Exhausted,
}

/// The paper's algorithm on explicit `(l, c)` pairs, with the crate's documented edges:
/// overflow policy, range end, drift bound, and a jump watch comparing readings.
struct Model {
    last: Option<(u64, u64)>,
    pt: u64,
    reject: bool,
    max_drift: Option<u64>,
    /// `(backward, forward)` thresholds, if jumps are watched.
    thresholds: Option<(u64, u64)>,
    previous_reading: Option<u64>,
    jumps: JumpStats,
}

impl Model {
    /// Every event reads the clock once, and the watch sees every reading.
    fn read(&mut self) -> Result<u64, ModelError> {
        let pt = self.pt;
        if let Some((backward, forward)) = self.thresholds {
            if let Some(prev) = self.previous_reading {
                if pt < prev && prev - pt > backward {
                    self.jumps.backward += 1;
                }
                if pt > prev && pt - prev > forward {
                    self.jumps.forward += 1;
                }
            }
            self.previous_reading = Some(pt);
        }
        if pt > MAX_PHYSICAL {
            return Err(ModelError::OutOfRange(pt));
        }
        Ok(pt)
    }

    fn finish(&mut self, l: u64, c: u64) -> Result<(u64, u64), ModelError> {
        let top = Timestamp::MAX_ISSUED.physical();
        let next = if l > top || (l == top && c > u64::from(MAX_LOGICAL)) {
            // Nothing above `Timestamp::MAX_ISSUED`, (top, 4095), is ever issued.
            return Err(ModelError::Exhausted);
        } else if c > u64::from(MAX_LOGICAL) {
            if self.reject {
                return Err(ModelError::Overflow(l));
            }
            (l + 1, 0)
        } else {
            (l, c)
        };
        self.last = Some(next);
        Ok(next)
    }

    fn send(&mut self) -> Result<(u64, u64), ModelError> {
        let pt = self.read()?;
        match self.last {
            None => self.finish(pt, 0),
            Some((l, c)) => {
                let l2 = l.max(pt);
                let c2 = if l2 == l { c + 1 } else { 0 };
                self.finish(l2, c2)
            }
        }
    }

    /// `n` sends in a row, all or nothing, reading the clock once.
    fn reserve(&mut self, n: u32) -> Result<(u64, u64), ModelError> {
        let saved = self.last;
        let first = self.send()?;
        for _ in 1..n {
            let (l, c) = self.last.expect("the first send succeeded");
            if let Err(e) = self.finish(l, c + 1) {
                self.last = saved;
                return Err(e);
            }
        }
        Ok(first)
    }

    /// The remote is merged into `last` without issuing.
    fn observe(&mut self, lm: u64, cm: u64) -> Result<(), ModelError> {
        let pt = self.read()?;
        if let Some(d) = self.max_drift
            && lm > pt
            && lm - pt > d
        {
            return Err(ModelError::Drift(lm - pt));
        }
        let top = Timestamp::MAX_ISSUED;
        if (lm, cm) >= (top.physical(), u64::from(top.logical())) {
            return Err(ModelError::Exhausted);
        }
        if self.last.is_none_or(|last| (lm, cm) > last) {
            self.last = Some((lm, cm));
        }
        Ok(())
    }

    fn receive(&mut self, lm: u64, cm: u64) -> Result<(u64, u64), ModelError> {
        let pt = self.read()?;
        if let Some(d) = self.max_drift
            && lm > pt
            && lm - pt > d
        {
            return Err(ModelError::Drift(lm - pt));
        }
        let (l2, c2) = match self.last {
            None => {
                let l2 = lm.max(pt);
                (l2, if l2 == lm { cm + 1 } else { 0 })
            }
            Some((l, c)) => {
                let l2 = l.max(lm).max(pt);
                let c2 = if l2 == l && l2 == lm {
                    c.max(cm) + 1
                } else if l2 == l {
                    c + 1
                } else if l2 == lm {
                    cm + 1
                } else {
                    0
                };
                (l2, c2)
            }
        };
        self.finish(l2, c2)
    }
}

fn as_model(r: Result<Timestamp, ClockError>) -> Result<(u64, u64), ModelError> {
    match r {
        Ok(t) => Ok((t.physical(), u64::from(t.logical()))),
        Err(ClockError::DriftExceeded { drift, .. }) => {
            Err(ModelError::Drift(u64::try_from(drift.as_micros()).unwrap()))
        }
        Err(ClockError::LogicalOverflow { physical }) => Err(ModelError::Overflow(physical)),
        Err(ClockError::PhysicalOutOfRange { micros }) => Err(ModelError::OutOfRange(micros)),
        Err(ClockError::Exhausted { .. }) => Err(ModelError::Exhausted),
        Err(e) => panic!("unexpected error {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x41c00001),
        ..ProptestConfig::default()
    })]

    /// Every event of `Hlc` equals the paper's rules applied to `(l, c)` pairs, error for
    /// error, and the whole state (`last`, jump counts) matches after every step. A
    /// third of the runs happen at the end of the issued range, where the clock reads
    /// past `Timestamp::MAX_ISSUED`, and a third at the end of the representable range,
    /// where it reads past `MAX_PHYSICAL` and remote timestamps reach `Timestamp::MAX`.
    #[test]
    fn prop_hlc_matches_the_papers_rules(
        ops in proptest::collection::vec(op(), 1..120),
        reject in any::<bool>(),
        max_drift in proptest::option::of(0u64..25),
        thresholds in proptest::option::of((0u64..15, 0u64..15)),
        end in 0u8..3,
    ) {
        // Clock readings run to 10 µs past the end; remote physical parts are clamped to
        // MAX_PHYSICAL.
        let offset = match end {
            0 => 0,
            1 => Timestamp::MAX_ISSUED.physical() - 1_020,
            _ => MAX_PHYSICAL - 1_020,
        };
        let clock = ManualClock::new(1_000 + offset);
        let mut builder = Hlc::builder(&clock)
            .overflow(if reject { OverflowPolicy::Reject } else { OverflowPolicy::Carry })
            .with_max_drift(max_drift.map(Duration::from_micros));
        if let Some((backward, forward)) = thresholds {
            builder = builder.watch_jumps(JumpThresholds::new(
                Duration::from_micros(backward),
                Duration::from_micros(forward),
            ));
        }
        let hlc = builder.build();
        let mut model = Model {
            last: None,
            pt: 1_000 + offset,
            reject,
            max_drift,
            thresholds,
            previous_reading: None,
            jumps: JumpStats::default(),
        };
        for op in ops {
            match op {
                Op::SetClock(v) => {
                    clock.set(v + offset);
                    model.pt = v + offset;
                }
                Op::Now => prop_assert_eq!(as_model(hlc.now()), model.send()),
                Op::Receive(l, c) => {
                    let l = (l + offset).min(MAX_PHYSICAL);
                    let Some(remote) = remote(l, c) else { continue };
                    prop_assert_eq!(as_model(hlc.receive(remote)), model.receive(l, u64::from(c)));
                }
                Op::Observe(l, c) => {
                    let l = (l + offset).min(MAX_PHYSICAL);
                    let Some(remote) = remote(l, c) else { continue };
                    let got = hlc.observe(remote).map(|()| ts(0, 0));
                    let want = model.observe(l, u64::from(c)).map(|()| (0, 0));
                    prop_assert_eq!(as_model(got), want);
                }
                Op::Reserve(n) => {
                    let got = hlc.reserve(n);
                    if let Ok(batch) = &got {
                        prop_assert_eq!(batch.len(), n);
                        prop_assert_eq!(batch.iter().count(), n as usize);
                        prop_assert!(batch.iter().zip(batch.iter().skip(1)).all(|(a, b)| a < b));
                    }
                    prop_assert_eq!(as_model(got.map(|b| b.first())), model.reserve(n));
                }
            }
            let last = hlc.last().map(|t| (t.physical(), u64::from(t.logical())));
            prop_assert_eq!(last, model.last);
            prop_assert_eq!(hlc.jump_stats(), thresholds.map(|_| model.jumps));
        }
    }

    /// Timestamps of one clock strictly increase, whatever the physical clock does.
    #[test]
    fn prop_clock_is_strictly_monotonic(ops in proptest::collection::vec(op(), 1..200)) {
        let clock = ManualClock::new(1_000);
        let hlc = Hlc::new(&clock);
        let mut prev: Option<Timestamp> = None;
        for op in ops {
            let issued = match op {
                Op::SetClock(v) => {
                    clock.set(v);
                    continue;
                }
                Op::Now => hlc.now().unwrap(),
                Op::Receive(l, c) => {
                    let remote = ts(l, c);
                    let r = hlc.receive(remote).unwrap();
                    prop_assert!(r > remote);
                    r
                }
                Op::Observe(l, c) => {
                    hlc.observe(ts(l, c)).unwrap();
                    continue;
                }
                Op::Reserve(n) => {
                    let batch = hlc.reserve(n).unwrap();
                    if let Some(p) = prev {
                        prop_assert!(batch.first() > p);
                    }
                    batch.last()
                }
            };
            prop_assert!(issued.physical() >= clock.now_micros(), "l >= pt");
            if let Some(p) = prev {
                prop_assert!(issued > p);
            }
            prev = Some(issued);
        }
    }
}

#[test]
fn error_messages_carry_the_numbers() {
    let e = ClockError::DriftExceeded {
        drift: Duration::from_micros(250_001),
        max: Duration::from_millis(250),
    };
    let msg = e.to_string();
    assert!(msg.contains("250.001ms") && msg.contains("250ms"), "{msg}");
    let msg = ClockError::LogicalOverflow { physical: 20 }.to_string();
    assert!(msg.contains("20 µs") && msg.contains("4096"), "{msg}");
    for e in [
        ClockError::PhysicalOutOfRange {
            micros: MAX_PHYSICAL + 1,
        },
        ClockError::Exhausted {
            last: Timestamp::MAX,
        },
        ClockError::LogicalOverflow { physical: 1 },
    ] {
        let msg = e.to_string();
        assert!(msg.chars().next().is_some_and(char::is_lowercase), "{msg}");
        assert!(!msg.ends_with('.'), "{msg}");
    }
}

/// `Debug` shows what an operator needs to read a clock: its physical clock, the last
/// timestamp issued, the drift bound, the overflow policy and the jump watch.
#[test]
fn debug_shows_the_clock_its_last_timestamp_and_its_settings() {
    let hlc = Hlc::builder(ManualClock::new(10))
        .with_max_drift(Some(Duration::from_millis(250)))
        .build();
    hlc.now().unwrap();
    let text = format!("{hlc:?}");
    let last = format!("last: Some({:?})", ts(10, 0));
    for part in [
        "Hlc {",
        "clock: ManualClock",
        &last,
        "max_drift: Some(250ms)",
        "overflow: Carry",
        "jumps: None",
    ] {
        assert!(text.contains(part), "{part:?} missing from {text}");
    }
}
