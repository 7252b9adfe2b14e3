//! Leases with an injected clock, and the replicated-storage fencing helper.
#![cfg(feature = "alloc")]

use core::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_fencing::{
    FenceGuard, FencingToken, LeaseError, LeaseRequest, ManualClock, MonotonicClock,
    ReplicaConfigError, ReplicaFencing, drift_margin,
};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

const fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[test]
fn lease_stops_the_holder_a_margin_before_expiry() {
    let clock = ManualClock::new();
    clock.advance(ms(1_000));
    let lease = LeaseRequest::start(&clock)
        .granted(t(34), ms(5_000), ms(500))
        .unwrap();
    assert_eq!(lease.safe_until(), ms(5_500));
    assert_eq!(lease.expires_at(), ms(6_000));
    clock.advance(ms(4_499));
    assert!(lease.may_act());
    assert_eq!(lease.remaining(), ms(1));
    clock.advance(ms(1));
    assert!(!lease.may_act());
    assert_eq!(lease.remaining(), Duration::ZERO);
}

/// A lease says nothing about a holder that checked it and then paused: the fence is what
/// refuses the late write.
#[test]
fn lease_check_before_a_pause_does_not_stop_the_write_but_the_fence_does() {
    let clock = ManualClock::new();
    let storage = FenceGuard::new();
    let old = LeaseRequest::start(&clock)
        .granted(t(33), ms(5_000), ms(100))
        .unwrap();
    assert!(old.may_act()); // the old leader checks its lease...
    clock.advance(ms(8_000)); // ...then pauses for 8 s
    let new = LeaseRequest::start(&clock)
        .granted(t(34), ms(5_000), ms(100))
        .unwrap();
    assert!(new.may_act());
    storage.admit(new.token()).unwrap();
    // The old leader resumes past its check and writes.
    assert!(storage.admit(old.token()).is_err());
}

/// A clock that reads whatever it is set to, backwards included: what a `MonotonicClock`
/// built on a clock that steps (or a buggy one) does.
#[derive(Debug, Default)]
struct SteppingClock(std::sync::Mutex<Duration>);

impl SteppingClock {
    fn set(&self, at: Duration) {
        *self.0.lock().unwrap() = at;
    }
}

impl MonotonicClock for SteppingClock {
    fn now(&self) -> Duration {
        *self.0.lock().unwrap()
    }
}

/// Issue 17, defect 2: a reading before `acquired_at` (the clock stepped back) showed 109 s
/// left of a 10 s lease. Earlier readings are taken as `acquired_at`.
#[test]
fn regression_reading_before_acquired_at_never_grants_more_than_the_lease() {
    let s = Duration::from_secs;
    let clock = SteppingClock::default();
    clock.set(s(100));
    let lease = LeaseRequest::start(&clock)
        .granted(t(1), s(10), s(1))
        .unwrap();
    clock.set(s(0));
    assert_eq!(lease.remaining(), s(9));
    assert!(lease.may_act());
    clock.set(s(109));
    assert!(!lease.may_act());
    assert_eq!(lease.remaining(), Duration::ZERO);
}

/// Issue 17, defect 2: every `SystemClock` had its own origin, so a lease measured on one
/// and checked on another answered wrongly (expired on clock A, 39.96 ms left of a 20 ms
/// lease on clock B). `SystemClock`s now share one origin, and a lease keeps its clock.
#[cfg(feature = "std")]
#[test]
fn regression_two_system_clocks_agree_on_a_lease() {
    use ward_fencing::SystemClock;
    let a = SystemClock::new();
    let first = a.now();
    std::thread::sleep(ms(30));
    let b = SystemClock::new();
    let (ra, rb) = (a.now(), b.now());
    assert!(rb >= ra && rb - ra < ms(20), "{ra:?} {rb:?}");
    assert!(ra >= first + ms(30));

    let on_a = LeaseRequest::start(a).granted(t(1), ms(20), ms(0)).unwrap();
    let on_b = LeaseRequest::start(b).granted(t(1), ms(20), ms(0)).unwrap();
    assert!(on_a.remaining() <= ms(20) && on_b.remaining() <= ms(20));
    std::thread::sleep(ms(25));
    assert!(!on_a.may_act());
    assert!(!on_b.may_act());
}

/// The boot-time clock moves with the monotonic clock while the machine is awake.
#[cfg(all(feature = "std", any(target_os = "linux", target_os = "android")))]
#[test]
fn boot_clock_advances_like_the_monotonic_clock() {
    use ward_fencing::{BootClock, SystemClock};
    let (boot, mono) = (BootClock::new(), SystemClock::new());
    let (b0, m0) = (boot.now(), mono.now());
    std::thread::sleep(ms(50));
    let (b1, m1) = (boot.now(), mono.now());
    assert!(b1 - b0 >= ms(50) && m1 - m0 >= ms(50));
    let skew = (b1 - b0).abs_diff(m1 - m0);
    assert!(skew < ms(20), "{skew:?}");
    assert!(b0 >= m0, "the machine booted before this process started");
}

/// Issue 17, defect 3: `renew(50 s)` after the lease ended at 10 s revived it. A keep-alive
/// sent after the safe period is `Expired` and the lease is lost for good.
#[test]
fn regression_renew_after_expiry_reports_a_lost_lease() {
    let s = Duration::from_secs;
    let clock = ManualClock::new();
    let mut lease = LeaseRequest::start(&clock)
        .granted(t(1), s(10), s(1))
        .unwrap();
    clock.advance(s(50));
    let renewal = lease.start_renewal();
    assert_eq!(
        lease.renew(renewal, s(10)),
        Err(LeaseError::Expired {
            token: t(1),
            sent_at: s(50),
            safe_until: s(9)
        })
    );
    clock.advance(s(1));
    assert!(!lease.may_act());
    assert!(lease.is_lost());
    // A later, in-time-looking renewal does not revive it either.
    let renewal = lease.start_renewal();
    assert_eq!(
        lease.renew(renewal, s(10)),
        Err(LeaseError::Lost { token: t(1) })
    );
    assert!(!lease.may_act());
    assert_eq!(lease.remaining(), Duration::ZERO);
}

/// etcd's keep-alive answers TTL 0 for a lease it no longer has: the lease is lost, even
/// inside its safe period.
#[test]
fn renew_with_zero_ttl_reports_a_lost_lease() {
    let s = Duration::from_secs;
    let clock = ManualClock::new();
    let mut lease = LeaseRequest::start(&clock)
        .granted(t(3), s(10), s(1))
        .unwrap();
    clock.advance(s(2));
    let renewal = lease.start_renewal();
    assert_eq!(
        lease.renew(renewal, Duration::ZERO),
        Err(LeaseError::Lost { token: t(3) })
    );
    assert!(!lease.may_act());
    assert_eq!(lease.to_string(), "lost lease of token 3");
}

#[test]
fn renew_takes_the_granted_ttl_and_never_shortens() {
    let s = Duration::from_secs;
    let clock = ManualClock::new();
    let mut lease = LeaseRequest::start(&clock)
        .granted(t(3), s(10), s(1))
        .unwrap();
    clock.advance(s(2));
    let early = lease.start_renewal();
    clock.advance(s(2));
    let late = lease.start_renewal();
    lease.renew(late, s(20)).unwrap();
    assert_eq!(lease.safe_until(), s(23));
    assert_eq!(lease.ttl(), s(20));
    // The answer to the earlier keep-alive arrives last: ignored.
    lease.renew(early, s(20)).unwrap();
    assert_eq!(lease.safe_until(), s(23));
    assert_eq!(lease.acquired_at(), s(4));
    // A renewal that ends exactly where the lease already ends changes nothing.
    clock.advance(s(1));
    let same_end = lease.start_renewal(); // at 5 s; 5 + 19 - 1 = 23
    lease.renew(same_end, s(19)).unwrap();
    assert_eq!(
        (lease.acquired_at(), lease.ttl(), lease.safe_until()),
        (s(4), s(20), s(23))
    );
    // A renewal of another lease is refused.
    let other = LeaseRequest::start(&clock)
        .granted(t(4), s(10), s(1))
        .unwrap();
    assert_eq!(
        lease.renew(other.start_renewal(), s(10)),
        Err(LeaseError::WrongLease {
            lease: t(3),
            renewal: t(4)
        })
    );
}

#[test]
fn lease_validation() {
    let start = |at: Duration| {
        let clock = SteppingClock::default();
        clock.set(at);
        LeaseRequest::start(clock)
    };
    assert_eq!(
        start(ms(0)).granted(t(1), ms(10), ms(10)).unwrap_err(),
        LeaseError::MarginNotBelowDuration {
            margin: ms(10),
            duration: ms(10)
        }
    );
    assert_eq!(
        start(ms(0))
            .granted(t(1), Duration::ZERO, ms(0))
            .unwrap_err(),
        LeaseError::Lost { token: t(1) }
    );
    let max = Duration::from_nanos(u64::MAX);
    let near_max = start(max);
    let lease = near_max.granted(t(1), Duration::MAX - max, ms(0)).unwrap();
    assert_eq!(lease.expires_at(), Duration::MAX);
    assert_eq!(
        start(max).granted(t(1), Duration::MAX, ms(1)).unwrap_err(),
        LeaseError::Overflow
    );
    // A renewal whose TTL is not above the margin changes nothing.
    let clock = ManualClock::new();
    let mut lease = LeaseRequest::start(&clock)
        .granted(t(1), ms(10), ms(2))
        .unwrap();
    let renewal = lease.start_renewal();
    assert_eq!(
        lease.renew(renewal, ms(2)),
        Err(LeaseError::MarginNotBelowDuration {
            margin: ms(2),
            duration: ms(2)
        })
    );
    assert_eq!(lease.safe_until(), ms(8), "a failed renew changes nothing");
    assert!(lease.may_act());
}

#[test]
fn drift_margin_rounds_up_and_saturates() {
    assert_eq!(
        drift_margin(Duration::from_nanos(1), 1, Duration::ZERO),
        Duration::from_nanos(1)
    );
    assert_eq!(drift_margin(Duration::from_secs(1), 0, ms(3)), ms(3));
    assert_eq!(
        drift_margin(Duration::MAX, u32::MAX, Duration::MAX),
        Duration::MAX
    );
}

/// Past `u64::MAX` nanoseconds (about 584 years) the margin is still exact, not rounded up
/// to `Duration::MAX`.
#[test]
fn drift_margin_is_exact_beyond_u64_nanoseconds() {
    let millennium = Duration::from_secs(1_000 * 365 * 86_400);
    assert_eq!(
        drift_margin(millennium, 1_000_000, Duration::ZERO),
        millennium
    );
    assert_eq!(
        drift_margin(millennium, 500_000, Duration::from_nanos(1)),
        Duration::from_secs(500 * 365 * 86_400) + Duration::from_nanos(1)
    );
    // The largest duration at the largest rate: 4295 times Duration::MAX, saturated.
    assert_eq!(
        drift_margin(Duration::MAX, u32::MAX, Duration::ZERO),
        Duration::MAX
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x1ea5e004),
        ..ProptestConfig::default()
    })]

    /// Against a model: `may_act` is true exactly while the (clamped) clock is before
    /// `acquired_at + ttl - margin`, `remaining` never exceeds `ttl - margin`, renewals sent
    /// in time never shorten the lease, and a renewal sent late, or with TTL zero, loses the
    /// lease for good. Clock readings jump back and forth.
    #[test]
    fn prop_lease_matches_model(
        acquired in prop_oneof![0_u64..1_000_000, Just(u64::MAX / 2)],
        ttl in 1_u64..1_000_000,
        margin_frac in 0_u64..100,
        steps in prop::collection::vec((0_u64..3_000_000, prop::option::of(0_u64..1_000_000)), 0..12),
    ) {
        let margin = ttl * margin_frac / 100;
        let clock = SteppingClock::default();
        clock.set(ms(acquired));
        let mut lease = LeaseRequest::start(&clock).granted(t(1), ms(ttl), ms(margin)).unwrap();
        // The model.
        let (mut m_acquired, mut m_safe, mut m_lost) = (acquired, acquired + ttl - margin, false);
        let mut m_ttl = ttl;
        for (now, renew_ttl) in steps {
            clock.set(ms(now));
            let seen = now.max(m_acquired);
            prop_assert_eq!(lease.may_act(), !m_lost && seen < m_safe);
            let remaining = if m_lost { 0 } else { m_safe.saturating_sub(seen) };
            prop_assert_eq!(lease.remaining(), ms(remaining));
            prop_assert!(lease.remaining() <= ms(m_ttl - margin));
            if let Some(granted) = renew_ttl {
                let renewal = lease.start_renewal();
                let result = lease.renew(renewal, ms(granted));
                if m_lost || granted == 0 || seen >= m_safe {
                    m_lost = true;
                    prop_assert!(result.is_err());
                } else if granted <= margin {
                    prop_assert!(result.is_err());
                } else {
                    prop_assert!(result.is_ok());
                    if seen + granted - margin > m_safe {
                        m_safe = seen + granted - margin;
                        m_acquired = seen;
                        m_ttl = granted;
                    }
                }
                prop_assert_eq!(lease.is_lost(), m_lost);
                prop_assert_eq!(lease.safe_until(), ms(m_safe));
            }
        }
    }

    /// The margin is `ceil(duration × ppm / 10^6) + extra` in exact integer arithmetic,
    /// saturated at `Duration::MAX`, for any duration (up to `Duration::MAX`) and any rate.
    #[test]
    fn prop_drift_margin_is_exact(
        secs in prop_oneof![0_u64..1_000_000, any::<u64>(), (u64::MAX - 1_000)..=u64::MAX],
        subsec in 0_u32..1_000_000_000,
        ppm in prop_oneof![0_u32..1_000, any::<u32>()],
        extra_secs in prop_oneof![0_u64..10, any::<u64>()],
    ) {
        let duration = Duration::new(secs, subsec);
        let extra = Duration::from_secs(extra_secs);
        let want = (duration.as_nanos() * u128::from(ppm)).div_ceil(1_000_000) + extra.as_nanos();
        let want = want.min(Duration::MAX.as_nanos());
        prop_assert_eq!(drift_margin(duration, ppm, extra).as_nanos(), want);
    }

    /// The safe point is reached exactly when `N - W + 1` distinct replicas acknowledged, and
    /// at that point every possible write quorum of `W` replicas contains a fenced one.
    #[test]
    fn prop_replica_safety_matches_quorum_intersection(
        n in 1_usize..8,
        w_pick in 0_usize..8,
        acks in prop::collection::vec(0_usize..8, 0..20),
    ) {
        let w = w_pick % n + 1;
        let mut fencing = ReplicaFencing::new(t(7), n, w).unwrap();
        prop_assert_eq!(fencing.replicas(), n);
        let mut fenced = vec![false; n];
        for replica in acks {
            let result = fencing.ack(replica);
            if replica < n {
                prop_assert_eq!(result, Ok(!fenced[replica]));
                fenced[replica] = true;
            } else {
                prop_assert!(result.is_err());
            }
            let count = fenced.iter().filter(|f| **f).count();
            prop_assert_eq!(fencing.acked(), count);
            // Brute force: does some set of `w` replicas avoid every fenced one?
            let unfenced = n - count;
            let stale_quorum_possible = unfenced >= w;
            prop_assert_eq!(fencing.is_safe(), !stale_quorum_possible);
            let pending: Vec<usize> = fencing.pending().collect();
            let want: Vec<usize> = (0..n).filter(|&i| !fenced[i]).collect();
            prop_assert_eq!(pending, want);
            for i in 0..8 {
                prop_assert_eq!(fencing.has_acked(i), fenced.get(i).copied().unwrap_or(false));
            }
        }
    }
}

#[test]
fn replica_config_validation() {
    assert_eq!(
        ReplicaFencing::new(t(1), 0, 1),
        Err(ReplicaConfigError::NoReplicas)
    );
    assert_eq!(
        ReplicaFencing::new(t(1), 3, 0),
        Err(ReplicaConfigError::QuorumOutOfRange {
            write_quorum: 0,
            replicas: 3
        })
    );
    let fencing = ReplicaFencing::new(t(1), 5, 3).unwrap();
    assert_eq!((fencing.replicas(), fencing.write_quorum()), (5, 3));
    assert!(ReplicaFencing::new(t(1), 3, 3).is_ok());
    // A replica count no system has is refused, not allocated.
    let max = ReplicaFencing::MAX_REPLICAS;
    for replicas in [max + 1, usize::MAX] {
        assert_eq!(
            ReplicaFencing::new(t(1), replicas, 1),
            Err(ReplicaConfigError::TooManyReplicas { replicas, max })
        );
    }
    let mut largest = ReplicaFencing::new(t(1), max, max).unwrap();
    assert_eq!(largest.required(), 1);
    assert_eq!(largest.ack(max - 1), Ok(true));
    assert!(largest.is_safe());
}

/// Three replicas written with W = 2 (a majority): the new leader must fence two. With only
/// one fenced, the zombie still reaches a quorum on the other two.
#[test]
fn replicated_zombie_needs_n_minus_w_plus_one_fences() {
    let replicas: Vec<FenceGuard> = (0..3).map(|_| FenceGuard::with_mark(t(33))).collect();
    let mut fencing = ReplicaFencing::new(t(34), 3, 2).unwrap();
    replicas[0].admit(t(34)).unwrap();
    fencing.ack(0).unwrap();
    let zombie_acks = replicas.iter().filter(|r| r.admit(t(33)).is_ok()).count();
    assert!(zombie_acks >= 2 && !fencing.is_safe());

    replicas[2].admit(t(34)).unwrap();
    fencing.ack(2).unwrap();
    let zombie_acks = replicas.iter().filter(|r| r.admit(t(33)).is_ok()).count();
    assert!(zombie_acks < 2 && fencing.is_safe());
}

#[test]
fn refusal_marks_the_holder_superseded() {
    let mut fencing = ReplicaFencing::new(t(34), 3, 3).unwrap();
    fencing.ack(0).unwrap();
    assert!(fencing.is_safe());
    let refusal = FenceGuard::with_mark(t(40)).admit(t(34)).unwrap_err();
    fencing.refuse(refusal);
    let lower = FenceGuard::with_mark(t(36)).admit(t(34)).unwrap_err();
    fencing.refuse(lower);
    assert_eq!(fencing.superseded_by(), Some(t(40)));
    assert!(!fencing.is_safe());
}

/// A replica already fenced with this very token refuses an older one: that refusal names
/// this token as its mark, which does not supersede it. Only a higher mark does.
#[test]
fn a_refusal_that_names_this_token_does_not_supersede_it() {
    let mut fencing = ReplicaFencing::new(t(35), 3, 2).unwrap();
    let replica = FenceGuard::with_mark(t(35));
    fencing.refuse(replica.admit(t(34)).unwrap_err());
    assert_eq!(fencing.superseded_by(), None);
    let ahead = FenceGuard::with_mark(t(36));
    fencing.refuse(ahead.admit(t(34)).unwrap_err());
    assert_eq!(fencing.superseded_by(), Some(t(36)));
}
