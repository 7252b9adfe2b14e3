//! Choosing `(R, W)`: decisions on lower confidence bounds, not on point estimates.

#![cfg(feature = "std")]

use ward_quorum::tune::{Target, evaluate};
use ward_quorum::wars::{Preset, Simulation, WarsDelays};

/// LNKD-DISK, `N = 3`, `R = 2`, `W = 1`: the probability of a consistent read 13 ms after
/// commit is about 0.99855, below a 0.999 target. On 5,000 trials a point estimate reaches
/// 0.999 in more than a third of the seeds; a decision on the lower confidence bound must
/// refuse it in every one.
#[test]
fn regression_tune_decides_on_lower_confidence_bound_not_point_estimate() {
    let target = Target::new(0.999, 13.0, 0.5, f64::INFINITY, f64::INFINITY).unwrap();
    let delays = WarsDelays::preset(Preset::LnkdDisk);
    let mut accepted = Vec::new();
    for seed in 0..16 {
        let all = evaluate(3, &delays, &target, &Simulation::new(5_000, seed).unwrap()).unwrap();
        let c = all
            .iter()
            .find(|c| c.quorum.r() == 2 && c.quorum.w() == 1)
            .unwrap();
        if c.meets_target {
            accepted.push((seed, c.consistency));
        }
    }
    assert_eq!(accepted, [], "R=2, W=1 accepted below its true consistency");
}

/// With enough trials a configuration that was never stale is accepted: the bound
/// `n/(n + z²)` passes 0.999 from 2,703 trials at 95 % and stays below it at 2,702. Strict
/// quorums are certain and need no trials beyond one.
#[test]
fn partial_quorums_are_accepted_once_the_bound_can_reach_the_target() {
    let target = Target::new(0.999, 1_000.0, 0.5, f64::INFINITY, f64::INFINITY).unwrap();
    let delays = WarsDelays::preset(Preset::LnkdSsd);
    for (trials, accepted) in [(2_702, false), (2_703, true)] {
        let all = evaluate(3, &delays, &target, &Simulation::new(trials, 1).unwrap()).unwrap();
        let c = all
            .iter()
            .find(|c| c.quorum.r() == 1 && c.quorum.w() == 1)
            .unwrap();
        assert_eq!(c.consistency, 1.0);
        assert_eq!(c.meets_target, accepted, "{trials} trials: {c:?}");
    }
    let certain = Target::new(1.0, 0.0, 0.5, f64::INFINITY, f64::INFINITY).unwrap();
    let all = evaluate(3, &delays, &certain, &Simulation::new(1, 1).unwrap()).unwrap();
    for c in all {
        assert_eq!(c.meets_target, c.quorum.is_strict(), "{c:?}");
        assert_eq!(c.consistency_lower == 1.0, c.quorum.is_strict(), "{c:?}");
    }
}

#[test]
fn a_higher_confidence_lowers_the_bound() {
    let delays = WarsDelays::preset(Preset::LnkdDisk);
    let sim = Simulation::new(4_000, 2).unwrap();
    let base = Target::new(0.9, 5.0, 0.5, f64::INFINITY, f64::INFINITY).unwrap();
    let at = |target: &Target| {
        evaluate(3, &delays, target, &sim)
            .unwrap()
            .into_iter()
            .find(|c| c.quorum.r() == 1 && c.quorum.w() == 1)
            .unwrap()
    };
    let loose = at(&base.with_confidence(0.5).unwrap());
    let strict = at(&base.with_confidence(0.999).unwrap());
    assert_eq!(loose.consistency, strict.consistency);
    // At 50 % the one-sided bound is the centre of the Wilson interval: near the estimate.
    assert!((loose.consistency_lower - loose.consistency).abs() < 1e-3);
    assert!(strict.consistency_lower < loose.consistency_lower - 0.01);
    assert!(strict.consistency_lower < strict.consistency);
}

#[test]
fn minimum_w_leaves_out_smaller_write_quorums() {
    let delays = WarsDelays::preset(Preset::LnkdSsd);
    let sim = Simulation::new(500, 1).unwrap();
    let target = Target::new(0.5, 0.0, 0.5, f64::INFINITY, f64::INFINITY)
        .unwrap()
        .with_min_w(2)
        .unwrap();
    let all = evaluate(3, &delays, &target, &sim).unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.iter().all(|c| c.quorum.w() >= 2));
    let best = ward_quorum::tune::cheapest(3, &delays, &target, &sim)
        .unwrap()
        .unwrap();
    assert_eq!(best.quorum.w(), 2);
    // A minimum above N is an error, not an empty answer.
    let too_many = target.with_min_w(4).unwrap();
    assert!(evaluate(3, &delays, &too_many, &sim).is_err());
    assert!(target.with_min_w(0).is_err());
    for c in [0.0, 1.0, f64::NAN, -0.5] {
        assert!(target.with_confidence(c).is_err(), "{c}");
    }
}
