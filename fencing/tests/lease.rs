//! Leases with an injected clock, and the replicated-storage fencing helper.
#![cfg(feature = "alloc")]

use core::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_fencing::{
    FenceGuard, FencingToken, Lease, LeaseError, ManualClock, MonotonicClock, ReplicaConfigError,
    ReplicaFencing,
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
    let lease = Lease::new(t(34), clock.now(), ms(5_000), ms(500)).unwrap();
    assert_eq!(lease.safe_until(), ms(5_500));
    assert_eq!(lease.expires_at(), ms(6_000));
    clock.advance(ms(4_499));
    assert!(lease.may_act_on(&clock));
    assert_eq!(lease.remaining(clock.now()), ms(1));
    clock.advance(ms(1));
    assert!(!lease.may_act_on(&clock));
    assert_eq!(lease.remaining(clock.now()), Duration::ZERO);
}

/// A lease says nothing about a holder that checked it and then paused: the fence is what
/// refuses the late write.
#[test]
fn lease_check_before_a_pause_does_not_stop_the_write_but_the_fence_does() {
    let clock = ManualClock::new();
    let storage = FenceGuard::new();
    let old = Lease::new(t(33), clock.now(), ms(5_000), ms(100)).unwrap();
    assert!(old.may_act_on(&clock)); // the old leader checks its lease...
    clock.advance(ms(8_000)); // ...then pauses for 8 s
    let new = Lease::new(t(34), clock.now(), ms(5_000), ms(100)).unwrap();
    assert!(new.may_act_on(&clock));
    storage.admit(new.token()).unwrap();
    // The old leader resumes past its check and writes.
    assert!(storage.admit(old.token()).is_err());
}

#[test]
fn lease_validation() {
    assert_eq!(
        Lease::new(t(1), ms(0), ms(10), ms(10)),
        Err(LeaseError::MarginNotBelowDuration {
            margin: ms(10),
            duration: ms(10)
        })
    );
    assert_eq!(
        Lease::new(t(1), Duration::MAX, ms(10), ms(1)),
        Err(LeaseError::Overflow)
    );
    let mut lease = Lease::new(t(1), ms(0), ms(10), ms(1)).unwrap();
    assert_eq!(lease.renew(Duration::MAX), Err(LeaseError::Overflow));
    assert_eq!(lease.safe_until(), ms(9), "a failed renew changes nothing");
}

#[test]
fn drift_margin_rounds_up_and_saturates() {
    assert_eq!(
        Lease::drift_margin(Duration::from_nanos(1), 1, Duration::ZERO),
        Duration::from_nanos(1)
    );
    assert_eq!(Lease::drift_margin(Duration::from_secs(1), 0, ms(3)), ms(3));
    assert_eq!(
        Lease::drift_margin(Duration::MAX, u32::MAX, Duration::MAX),
        Duration::MAX
    );
}

/// Past `u64::MAX` nanoseconds (about 584 years) the margin is still exact, not rounded up
/// to `Duration::MAX`.
#[test]
fn drift_margin_is_exact_beyond_u64_nanoseconds() {
    let millennium = Duration::from_secs(1_000 * 365 * 86_400);
    assert_eq!(
        Lease::drift_margin(millennium, 1_000_000, Duration::ZERO),
        millennium
    );
    assert_eq!(
        Lease::drift_margin(millennium, 500_000, Duration::from_nanos(1)),
        Duration::from_secs(500 * 365 * 86_400) + Duration::from_nanos(1)
    );
    // The largest duration at the largest rate: 4295 times Duration::MAX, saturated.
    assert_eq!(
        Lease::drift_margin(Duration::MAX, u32::MAX, Duration::ZERO),
        Duration::MAX
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x1ea5e004),
        ..ProptestConfig::default()
    })]

    /// `may_act` is true exactly before `acquired_at + duration - margin`, and renewing with
    /// an older request time never shortens the lease.
    #[test]
    fn prop_lease_boundary(
        acquired in 0_u64..1_000_000,
        duration in 1_u64..1_000_000,
        margin_frac in 0_u64..100,
        now in 0_u64..3_000_000,
        renew_at in 0_u64..3_000_000,
    ) {
        let margin = duration * margin_frac / 100;
        let mut lease = Lease::new(t(1), ms(acquired), ms(duration), ms(margin)).unwrap();
        prop_assert_eq!(lease.may_act(ms(now)), now < acquired + duration - margin);
        let before = lease.safe_until();
        lease.renew(ms(renew_at)).unwrap();
        prop_assert!(lease.safe_until() >= before);
        prop_assert_eq!(lease.safe_until(), ms(acquired.max(renew_at) + duration - margin));
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
        prop_assert_eq!(Lease::drift_margin(duration, ppm, extra).as_nanos(), want);
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
