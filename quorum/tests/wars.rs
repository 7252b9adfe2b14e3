//! The WARS Monte Carlo simulator against exact results.

#![cfg(feature = "std")]

use ward_quorum::QuorumConfig;
use ward_quorum::delay::{Delay, DelayError, RandomSource, Xoshiro256PlusPlus};
use ward_quorum::tune::{Target, cheapest, evaluate};
use ward_quorum::wars::{Preset, Simulation, SimulationError, WarsDelays, WarsModel};

const PRESETS: [Preset; 5] = [
    Preset::LnkdSsd,
    Preset::LnkdDisk,
    Preset::Ymmr,
    Preset::YmmrPrinted,
    Preset::Wan,
];

/// Fewer trials in debug builds keep the suite fast; the tolerances scale with them.
const TRIALS: usize = if cfg!(debug_assertions) {
    100_000
} else {
    1_000_000
};
/// For checks that hold on every single trial.
const FEW: usize = if cfg!(debug_assertions) {
    4_000
} else {
    40_000
};

/// With exponential write delays (rate λ) and R = W = 1, the read replica j is stale at t iff
/// Wⱼ > m + Rⱼ + t, where m, the earliest ack among the other replicas, and Rⱼ do not depend on
/// Wⱼ; by memorylessness P(stale at t) = P(stale at 0) · e^{−λt}, whatever A, R and S are.
#[test]
fn exponential_writes_decay_exactly_as_memorylessness_predicts() {
    let rate = 0.5;
    let w = Delay::exponential(rate).unwrap();
    let others = [
        WarsDelays::new(
            w.clone(),
            Delay::pareto(1.0, 2.5).unwrap(),
            Delay::exponential(2.0).unwrap(),
            Delay::exponential(4.0).unwrap().shifted(0.3).unwrap(),
        ),
        WarsDelays::new(
            w.clone(),
            Delay::constant(0.2).unwrap(),
            Delay::pareto_exponential(0.7, 0.5, 3.0, 1.0).unwrap(),
            Delay::empirical(&[0.1, 0.4, 2.0, 7.5]).unwrap(),
        ),
    ];
    for delays in others {
        let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
        let report = model.simulate(&Simulation::new(TRIALS, 2012).unwrap());
        let n = TRIALS as f64;
        let p0 = 1.0 - report.consistency_at(0.0).unwrap();
        assert!(p0 > 0.05, "the setup must produce stale reads: {p0}");
        for t in [0.5, 1.0, 2.0, 4.0, 6.0] {
            let pt = 1.0 - report.consistency_at(t).unwrap();
            let want = p0 * (-rate * t).exp();
            let sigma =
                (pt * (1.0 - pt) / n).sqrt() + (-rate * t).exp() * (p0 * (1.0 - p0) / n).sqrt();
            assert!(
                (pt - want).abs() < 6.0 * sigma + 1e-9,
                "t={t}: stale {pt}, predicted {want} (σ {sigma})"
            );
            // A decay twice as fast or twice as slow is far outside the tolerance.
            for wrong in [2.0, 0.5] {
                let other = p0 * (-rate * wrong * t).exp();
                assert!((pt - other).abs() > 6.0 * sigma);
            }
        }
    }
}

#[test]
fn strict_quorums_are_never_stale() {
    for preset in PRESETS {
        for (n, r, w) in [(3, 2, 2), (3, 1, 3), (3, 3, 1), (5, 3, 3), (5, 2, 4)] {
            let model = WarsModel::new(
                QuorumConfig::new(n, r, w).unwrap(),
                WarsDelays::preset(preset),
            );
            let report = model.simulate(&Simulation::new(FEW, 7).unwrap());
            assert_eq!(
                report.consistency_at(0.0).unwrap(),
                1.0,
                "{preset:?} N={n} R={r} W={w}"
            );
            assert!(report.staleness().iter().all(|&tau| tau <= 0.0));
        }
    }
}

#[test]
fn partial_quorums_converge_and_the_curve_is_monotone() {
    for preset in PRESETS {
        let model = WarsModel::new(
            QuorumConfig::new(3, 1, 1).unwrap(),
            WarsDelays::preset(preset),
        );
        let report = model.simulate(&Simulation::new(FEW, 8).unwrap());
        let ts: Vec<f64> = (0..200).map(|i| f64::from(i) * 5.0).collect();
        let curve = report.curve(&ts).unwrap();
        assert!(curve.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(
            curve[0].1 < 1.0,
            "{preset:?} should be stale sometimes at t = 0"
        );
        let last = *report.staleness().last().unwrap();
        assert_eq!(report.consistency_at(last).unwrap(), 1.0);
    }
}

/// Constant delays of 1 ms and a 75 ms wide-area penalty: the write commits at the writer's
/// own replica (2 ms); the reader's local replica answers first. It is stale until
/// 75 − 2 = 73 ms exactly when it is not the writer's replica, probability 2/3 for N = 3.
#[test]
fn wan_penalty_applies_to_remote_replicas_only() {
    let delays = WarsDelays::symmetric(&Delay::constant(1.0).unwrap())
        .with_remote_latency(75.0)
        .unwrap();
    let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
    let report = model.simulate(&Simulation::new(60_000, 3).unwrap());
    let p = report.consistency_at(72.999).unwrap();
    let sigma = (2.0 / 9.0 / 60_000.0_f64).sqrt();
    assert!((p - 1.0 / 3.0).abs() < 6.0 * sigma, "{p}");
    assert_eq!(report.consistency_at(73.0).unwrap(), 1.0);
    assert_eq!(report.write_latency(1.0).unwrap(), 2.0);
    assert_eq!(report.read_latency(1.0).unwrap(), 2.0);
    // Reading all three replicas includes two remote ones.
    let all = WarsModel::new(QuorumConfig::new(3, 3, 1).unwrap(), model.delays().clone());
    assert_eq!(
        all.simulate(&Simulation::new(100, 3).unwrap())
            .read_latency(0.5)
            .unwrap(),
        152.0
    );
    // Writing all three replicas waits for the two remote acknowledgements too.
    let all = WarsModel::new(QuorumConfig::new(3, 1, 3).unwrap(), model.delays().clone());
    assert_eq!(
        all.simulate(&Simulation::new(100, 3).unwrap())
            .write_latency(0.5)
            .unwrap(),
        152.0
    );
}

#[test]
fn latencies_are_order_statistics() {
    let d = WarsDelays::symmetric(&Delay::exponential(1.0).unwrap());
    let sim = Simulation::new(30_000, 5).unwrap();
    let mut previous_write = 0.0;
    for w in 1..=5 {
        let report = WarsModel::new(QuorumConfig::new(5, 1, w).unwrap(), d.clone()).simulate(&sim);
        let median = report.write_latency(0.5).unwrap();
        assert!(median > previous_write);
        previous_write = median;
    }
    // W + A is Gamma(2, 1); its minimum over 5 replicas has mean ∫ (e^{−x}(1 + x))^5 dx.
    let report = WarsModel::new(QuorumConfig::new(5, 1, 1).unwrap(), d).simulate(&sim);
    let mean = report_mean_write(&report, 30_000);
    let mut exact = 0.0;
    let dx = 1e-4;
    let mut x: f64 = dx / 2.0;
    while x < 40.0 {
        exact += ((-x).exp() * (1.0 + x)).powi(5) * dx;
        x += dx;
    }
    assert!((mean - exact).abs() < 0.01, "{mean} vs {exact}");
}

fn report_mean_write(report: &ward_quorum::wars::PbsReport, n: usize) -> f64 {
    (1..=n)
        .map(|i| report.write_latency(i as f64 / n as f64).unwrap())
        .sum::<f64>()
        / n as f64
}

#[test]
fn results_do_not_depend_on_threads_and_follow_the_seed() {
    let model = WarsModel::new(
        QuorumConfig::new(3, 1, 2).unwrap(),
        WarsDelays::preset(Preset::Wan),
    );
    let sim = Simulation::new(70_000, 99).unwrap();
    let one = model.simulate(&sim.with_threads(1));
    for threads in [2, 3, 8] {
        assert_eq!(model.simulate(&sim.with_threads(threads)), one);
    }
    let other = model.simulate(&Simulation::new(70_000, 100).unwrap());
    assert_ne!(other, one);

    let mut seen = Vec::new();
    model.simulate_with_progress(&sim.with_threads(3), |p| seen.push(p));
    assert_eq!(seen.last().unwrap().done, 70_000);
    assert!(
        seen.windows(2)
            .all(|w| w[0].done < w[1].done && w[0].total == 70_000)
    );
    assert_eq!(seen.len(), 70_000_usize.div_ceil(1 << 14));
}

#[test]
fn t_visibility_brackets_the_target() {
    let model = WarsModel::new(
        QuorumConfig::new(3, 1, 1).unwrap(),
        WarsDelays::preset(Preset::LnkdDisk),
    );
    let report = model.simulate(&Simulation::new(TRIALS, 1).unwrap());
    for target in [0.5, 0.9, 0.99, 0.999] {
        let tv = report.t_visibility(target, 0.95).unwrap();
        assert!(tv.lower <= tv.t && tv.t <= tv.upper);
        assert!(report.consistency_at(tv.t).unwrap() >= target);
        if tv.t > 0.0 {
            assert!(report.consistency_at(tv.t - 1e-9).unwrap() < target);
        }
        // The ends are the order statistics of rank `p·n ∓ z·sqrt(n·p·(1−p))` (z = 1.96 at
        // 95 %), rounded outwards: at the lower end at least that many trials are
        // consistent, and fewer just below it (unless the end is 0, where trials tie).
        let n = report.trials() as f64;
        let half = 1.959_963_984_540_054 * (n * target * (1.0 - target)).sqrt();
        let lo = (target * n - half).floor().max(1.0);
        let at = |t: f64| (report.consistency_at(t).unwrap() * n).round();
        assert!(at(tv.lower) >= lo, "{target}: {tv:?}");
        if tv.lower > 0.0 {
            assert!(at(tv.lower - 1e-9) < lo, "{target}: {tv:?}");
        }
        let hi = (target * n + half).ceil();
        if hi < n {
            assert!(
                at(tv.upper) >= hi && at(tv.upper - 1e-9) < hi,
                "{target}: {tv:?}"
            );
        }
    }
    assert!(matches!(
        report.t_visibility(0.0, 0.95),
        Err(SimulationError::OutOfRange { .. })
    ));
    assert!(report.t_visibility(0.9, 1.0).is_err());
    assert!(report.t_visibility(f64::NAN, 0.9).is_err());
    assert!(report.read_latency(1.5).is_err());
    // The whole interval needs more samples than exist: the upper end is unknown.
    let tiny = model.simulate(&Simulation::new(10, 1).unwrap());
    assert_eq!(tiny.t_visibility(0.999, 0.95).unwrap().upper, f64::INFINITY);
}

#[test]
fn delays_validate_and_sample_their_distribution() {
    assert_eq!(
        Delay::pareto(1.0, -2.0),
        Err(DelayError::InvalidParameter {
            name: "shape",
            value: -2.0
        })
    );
    assert!(
        Delay::mixture(
            1.5,
            &Delay::constant(1.0).unwrap(),
            &Delay::constant(2.0).unwrap()
        )
        .is_err()
    );
    assert_eq!(Delay::empirical(&[]), Err(DelayError::NoSamples));
    assert_eq!(
        Delay::empirical(&[1.0, f64::NAN]).unwrap_err().to_string(),
        "sample 1 (NaN) is not a finite non-negative delay"
    );
    assert!(
        Delay::constant(1.0)
            .unwrap()
            .shifted(f64::INFINITY)
            .is_err()
    );
    // Sample means converge to the analytic means.
    let cases = [
        Delay::exponential(0.183).unwrap(),
        Delay::pareto(0.235, 10.0).unwrap(),
        Delay::pareto_exponential(0.9122, 0.235, 10.0, 1.66).unwrap(),
        Delay::mixture(
            0.3,
            &Delay::constant(5.0).unwrap(),
            &Delay::exponential(1.0).unwrap().shifted(2.0).unwrap(),
        )
        .unwrap(),
        Delay::empirical(&[1.0, 2.0, 3.0, 10.0]).unwrap(),
    ];
    let mut rng = Xoshiro256PlusPlus::from_seed(4);
    for d in cases {
        let n = 200_000;
        let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / f64::from(n);
        assert!(
            (mean / d.mean() - 1.0).abs() < 0.02,
            "{d:?}: {mean} vs {}",
            d.mean()
        );
    }
    // Pareto tail: P(X > 2·xm) = 2^−α.
    let p = Delay::pareto(1.0, 1.51).unwrap();
    let over = (0..200_000).filter(|_| p.sample(&mut rng) > 2.0).count() as f64 / 200_000.0;
    assert!((over - 2.0_f64.powf(-1.51)).abs() < 0.005);
    assert!(rng.next_unit() > 0.0);
}

#[test]
fn inverse_query_finds_the_cheapest_configuration() {
    let delays = WarsDelays::preset(Preset::LnkdDisk);
    let sim = Simulation::new(FEW, 11).unwrap();
    // Certain consistency at t = 0 needs a strict quorum: R + W = N + 1.
    let strict = Target::new(1.0, 0.0, 0.99, f64::INFINITY, f64::INFINITY).unwrap();
    let best = cheapest(3, &delays, &strict, &sim).unwrap().unwrap();
    assert!(best.quorum.is_strict());
    assert_eq!(best.quorum.r() + best.quorum.w(), 4);
    // A loose target is met by R = W = 1.
    let loose = Target::new(0.5, 1_000.0, 0.5, f64::INFINITY, f64::INFINITY).unwrap();
    let best = cheapest(3, &delays, &loose, &sim).unwrap().unwrap();
    assert_eq!((best.quorum.r(), best.quorum.w()), (1, 1));
    // An impossible latency bound leaves nothing.
    let impossible = Target::new(0.5, 0.0, 0.5, 0.0, 0.0).unwrap();
    assert_eq!(cheapest(3, &delays, &impossible, &sim).unwrap(), None);
    let all = evaluate(3, &delays, &strict, &sim).unwrap();
    assert_eq!(all.len(), 9);
    assert!(evaluate(0, &delays, &strict, &sim).is_err());
    // n² candidates that cannot be allocated: an error, not a capacity panic.
    for n in [usize::MAX, 1 << 32, 1 << 31] {
        assert!(
            matches!(
                evaluate(n, &delays, &strict, &sim),
                Err(SimulationError::OutOfRange {
                    name: "replicas",
                    ..
                })
            ),
            "n = {n}"
        );
    }
}

/// Figures published in *Probabilistically Bounded Staleness for Practical Partial Quorums*
/// (Bailis et al., VLDB 2012), Section 5.6 and its results table, for N = 3: LNKD-DISK with
/// R = W = 1 is consistent right after commit with probability 43.9 %; YMMR with R = W = 1 has
/// 99.9th-percentile read plus write latency 16.4 ms; with R = 2, W = 1 the p99.9 read latency
/// is 32.6 ms and the combined latency 43.3 ms; with R = 3, W = 1 the read latency is
/// 219.27 ms (230 ms combined). Tolerances cover this run's sampling error and the paper's.
#[test]
fn paper_reference_figures() {
    let sim = Simulation::new(TRIALS, 2012).unwrap();
    let run = |preset, r, w| {
        WarsModel::new(
            QuorumConfig::new(3, r, w).unwrap(),
            WarsDelays::preset(preset),
        )
        .simulate(&sim)
    };
    let close = |got: f64, want: f64, rel: f64| {
        assert!((got / want - 1.0).abs() < rel, "got {got}, paper {want}");
    };
    let disk = run(Preset::LnkdDisk, 1, 1);
    assert!(
        (disk.consistency_at(0.0).unwrap() - 0.439).abs() < 0.01,
        "{}",
        disk.consistency_at(0.0).unwrap()
    );

    let combined = |report: &ward_quorum::wars::PbsReport| {
        report.read_latency(0.999).unwrap() + report.write_latency(0.999).unwrap()
    };
    close(combined(&run(Preset::Ymmr, 1, 1)), 16.4, 0.05);
    let r2 = run(Preset::Ymmr, 2, 1);
    close(r2.read_latency(0.999).unwrap(), 32.6, 0.06);
    close(combined(&r2), 43.3, 0.05);
    let r3 = run(Preset::Ymmr, 3, 1);
    close(r3.read_latency(0.999).unwrap(), 219.27, 0.06);
    close(combined(&r3), 230.0, 0.05);
}

/// Delays that overflow to infinity (`f64::MAX` shifted by `f64::MAX`) leave `∞ − ∞`
/// undefined: such reads count as never consistent instead of a NaN that would sort first
/// and make every point of the curve read 0.
#[test]
fn infinite_delays_never_count_as_consistent() {
    let huge = Delay::constant(f64::MAX)
        .unwrap()
        .shifted(f64::MAX)
        .unwrap();
    let small = Delay::constant(1.0).unwrap();
    let delays = WarsDelays::new(huge.clone(), small.clone(), huge, small);
    let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
    let trial = model
        .trials(Xoshiro256PlusPlus::from_seed(1))
        .next()
        .unwrap();
    assert_eq!(trial.staleness, f64::INFINITY);
    let report = model.simulate(&Simulation::new(100, 1).unwrap());
    assert_eq!(report.consistency_at(f64::MAX).unwrap(), 0.0);
    assert_eq!(report.t_visibility(0.5, 0.95).unwrap().t, f64::INFINITY);
}

/// The constant-delay WAN model is stale at 72.999 ms with probability exactly 2/3: the
/// 95 % Wilson interval must cover 1/3 in most seeds (binomial: 0.95 in expectation), and
/// the one-sided 95 % lower bound must stay below it in most seeds too.
#[test]
fn wilson_intervals_cover_the_exact_probability() {
    let delays = WarsDelays::symmetric(&Delay::constant(1.0).unwrap())
        .with_remote_latency(75.0)
        .unwrap();
    let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
    let (mut two_sided, mut one_sided) = (0, 0);
    for seed in 0..60 {
        let report = model.simulate(&Simulation::new(600, seed).unwrap().with_threads(1));
        let i = report.consistency_interval(72.999, 0.95).unwrap();
        assert!(i.lower <= i.estimate && i.estimate <= i.upper);
        two_sided += usize::from(i.lower <= 1.0 / 3.0 && 1.0 / 3.0 <= i.upper);
        let b = report.consistency_lower_bound(72.999, 0.95).unwrap();
        assert_eq!(b.upper, 1.0);
        one_sided += usize::from(b.lower <= 1.0 / 3.0);
        // Everything is consistent at 73 ms: the interval touches 1 and stays near it.
        let all = report.consistency_interval(73.0, 0.95).unwrap();
        assert_eq!((all.estimate, all.upper), (1.0, 1.0));
        assert!((all.lower - 600.0 / (600.0 + 1.959_963_985_f64.powi(2))).abs() < 1e-6);
    }
    assert!(two_sided >= 52, "{two_sided} of 60");
    assert!(one_sided >= 52, "{one_sided} of 60");
    assert!(
        two_sided < 60 || one_sided < 60,
        "intervals that never miss are too wide"
    );
}

/// DKW: the band `±ε` around the empirical curve covers the exact curve of the constant
/// WAN model (a step from 1/3 to 1 at 73 ms) everywhere.
#[test]
fn dkw_band_is_a_valid_simultaneous_band() {
    let delays = WarsDelays::symmetric(&Delay::constant(1.0).unwrap())
        .with_remote_latency(75.0)
        .unwrap();
    let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
    let report = model.simulate(&Simulation::new(2_000, 4).unwrap());
    let eps = report.curve_band(0.95).unwrap();
    assert!((eps - (f64::ln(40.0) / 4_000.0).sqrt()).abs() < 1e-15);
    for (t, p) in report.curve(&[-1.0, 0.0, 72.999, 73.0, 1e6]).unwrap() {
        let exact = if t >= 73.0 { 1.0 } else { 1.0 / 3.0 };
        assert!((p - exact).abs() <= eps, "t {t}: {p} vs {exact} ± {eps}");
    }
    assert!(report.curve_band(1.0).is_err());
    assert!(report.curve(&[0.0, f64::NAN]).is_err());
    assert!(report.consistency_interval(f64::NAN, 0.9).is_err());
    assert!(report.consistency_lower_bound(1.0, 0.0).is_err());
}

/// A parameter whose reciprocal overflows to infinity used to be accepted: a Pareto weight
/// of 1e-310 made every simulated delay 36.04 (a NaN clamped inside the sampler) while
/// `Delay::sample` drew correctly, and a rate of 5e-324 made every sample infinite.
#[test]
fn regression_delay_parameters_whose_reciprocals_overflow_are_rejected() {
    let tiny = 1e-310;
    assert!(Delay::pareto_exponential(tiny, 1.0, 2.0, 1.0).is_err());
    assert!(Delay::pareto_exponential(0.5, 1.0, tiny, 1.0).is_err());
    assert!(Delay::pareto_exponential(0.5, 1.0, 2.0, tiny).is_err());
    assert!(Delay::exponential(5e-324).is_err());
    assert!(Delay::pareto(1.0, 5e-324).is_err());
    let p = Delay::pareto(1.0, 2.0).unwrap();
    let e = Delay::exponential(1.0).unwrap();
    assert!(Delay::mixture(tiny, &p, &e).is_err());
    // The smallest accepted values still give finite reciprocals and finite samples.
    let rate = 1e-308;
    let slow = Delay::exponential(rate).unwrap();
    assert!(slow.mean().is_finite());
    let w = Delay::pareto_exponential(rate, 1.0, 2.0, 1.0).unwrap();
    let model = WarsModel::new(
        QuorumConfig::new(3, 1, 1).unwrap(),
        WarsDelays::symmetric(&w),
    );
    let mut rng = Xoshiro256PlusPlus::from_seed(9);
    let sampled: f64 = (0..1_000).map(|_| w.sample(&mut rng)).sum();
    let latencies: f64 = model
        .trials(Xoshiro256PlusPlus::from_seed(9))
        .take(1_000)
        .map(|t| t.write_latency)
        .sum();
    // The exponential part (mean 1) dominates: both paths agree on the scale of delays.
    assert!(sampled > 500.0 && sampled < 1_500.0, "{sampled}");
    assert!(latencies < 1_000.0, "{latencies}");
}

/// The paper's first-crossing estimator on the constant WAN model, whose exact curve is a
/// step from 1/3 to 1 at 73 ms: every batch crosses exactly there.
#[test]
fn paper_estimator_finds_the_step_of_an_exact_curve() {
    let delays = WarsDelays::symmetric(&Delay::constant(1.0).unwrap())
        .with_remote_latency(75.0)
        .unwrap();
    let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
    let sim = Simulation::new(500, 3).unwrap();
    assert_eq!(
        model.paper_t_visibility(0.999, 1.0, 100.0, &sim).unwrap(),
        Some(73.0)
    );
    assert_eq!(
        model.paper_t_visibility(0.999, 0.5, 72.5, &sim).unwrap(),
        None
    );
    // A target of 1/3 or less is met at t = 0 by about half of the batches; 0.2 by all.
    assert_eq!(
        model.paper_t_visibility(0.2, 1.0, 100.0, &sim).unwrap(),
        Some(0.0)
    );
    for (target, step, max_t) in [
        (0.0, 1.0, 1.0),
        (1.5, 1.0, 1.0),
        (f64::NAN, 1.0, 1.0),
        (0.9, 0.0, 1.0),
        (0.9, f64::INFINITY, 1.0),
        (0.9, 1.0, -1.0),
        (0.9, 1.0, f64::NAN),
    ] {
        assert!(
            model.paper_t_visibility(target, step, max_t, &sim).is_err(),
            "{target} {step} {max_t}"
        );
    }
}

/// The first crossing of noisy fresh-batch estimates comes early: on LNKD-SSD with 2,000
/// trials per point it lies below the quantile of one large sorted sample for every seed,
/// and the answer depends only on the arguments.
#[test]
fn paper_estimator_is_biased_low_and_deterministic() {
    let model = WarsModel::new(
        QuorumConfig::new(3, 1, 1).unwrap(),
        WarsDelays::preset(Preset::LnkdSsd),
    );
    let sorted = model
        .simulate(&Simulation::new(400_000, 1).unwrap())
        .t_visibility(0.999, 0.95)
        .unwrap();
    for seed in 1..=4 {
        let per_point = Simulation::new(2_000, seed).unwrap();
        let t = model
            .paper_t_visibility(0.999, 0.01, 50.0, &per_point)
            .unwrap()
            .unwrap();
        assert!(t < sorted.lower, "seed {seed}: {t} vs {sorted:?}");
        assert_eq!(
            model
                .paper_t_visibility(0.999, 0.01, 50.0, &per_point)
                .unwrap(),
            Some(t)
        );
    }
}

/// The README quoted ranges for the paper's estimator that no code in the repository
/// produced (and said 45.5 ms fell inside them). Its LNKD-DISK row must be what the shipped
/// estimator gives: seeds 1 and 2 at 10,000 trials per point are the two ends of the quoted
/// range, and the paper's figure must not be inside it.
#[test]
fn regression_readme_paper_estimator_ranges_are_reproducible() {
    let readme = include_str!("../README.md");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| LNKD-DISK | ") && l.contains("ms |"))
        .expect("the LNKD-DISK row of the estimator table");
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let range = |cell: &str| -> (f64, f64) {
        let (lo, hi) = cell.trim_end_matches(" ms").split_once('–').unwrap();
        (lo.parse().unwrap(), hi.parse().unwrap())
    };
    let (lo, hi) = range(cells[2]);
    let paper: f64 = cells[4].parse().unwrap();
    assert!(
        !(lo..=hi).contains(&paper) && !(range(cells[3]).0..=range(cells[3]).1).contains(&paper)
    );
    let model = WarsModel::new(
        QuorumConfig::new(3, 1, 1).unwrap(),
        WarsDelays::preset(Preset::LnkdDisk),
    );
    let mut found = Vec::new();
    for seed in [1, 2] {
        let t = model
            .paper_t_visibility(0.999, 0.1, 500.0, &Simulation::new(10_000, seed).unwrap())
            .unwrap()
            .unwrap();
        found.push((t * 10.0).round() / 10.0);
    }
    found.sort_by(f64::total_cmp);
    assert_eq!(found, [lo, hi], "README row: {row}");
}

/// ⟨k, t⟩-staleness on the constant WAN model: stale at 72.999 ms with probability exactly
/// 2/3 per version, so within `k` versions with `1 − (2/3)ᵏ`; the interval covers it in
/// most seeds, and `k = 0` or a NaN `t` is an error.
#[test]
fn kt_staleness_covers_the_exact_value() {
    let delays = WarsDelays::symmetric(&Delay::constant(1.0).unwrap())
        .with_remote_latency(75.0)
        .unwrap();
    let model = WarsModel::new(QuorumConfig::new(3, 1, 1).unwrap(), delays);
    let mut covered = [0; 4];
    for seed in 0..40 {
        let report = model.simulate(&Simulation::new(600, seed).unwrap().with_threads(1));
        for (i, k) in [1_u32, 2, 3, 10].into_iter().enumerate() {
            let e = report.kt_staleness(k, 72.999, 0.95).unwrap();
            let exact = 1.0 - (2.0_f64 / 3.0).powi(k as i32);
            assert!(e.lower <= e.estimate && e.estimate <= e.upper);
            covered[i] += usize::from(e.lower <= exact && exact <= e.upper);
            assert_eq!(report.kt_staleness(k, 73.0, 0.95).unwrap().estimate, 1.0);
        }
        assert!(report.kt_staleness(0, 1.0, 0.95).is_err());
        assert!(report.kt_staleness(1, f64::NAN, 0.95).is_err());
    }
    // The transform is increasing, so coverage is that of the Wilson interval for every k.
    assert!(
        covered.iter().all(|&c| c == covered[0] && c >= 34),
        "{covered:?}"
    );
}

/// With `N = 1` and exponential delays of rate 1, the write latency `W + A` is Gamma(2, 1):
/// `P(X ≤ x) = 1 − e^(−x)(1 + x)`. The 95 % interval of the median and of p99 must cover
/// the exact quantiles in most seeds.
#[test]
fn latency_intervals_cover_exact_quantiles() {
    let model = WarsModel::new(
        QuorumConfig::new(1, 1, 1).unwrap(),
        WarsDelays::symmetric(&Delay::exponential(1.0).unwrap()),
    );
    let cdf = |x: f64| 1.0 - (-x).exp() * (1.0 + x);
    let quantile = |q: f64| {
        let (mut lo, mut hi) = (0.0, 50.0);
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if cdf(mid) < q { lo = mid } else { hi = mid }
        }
        lo
    };
    let mut covered = [0; 2];
    for seed in 0..40 {
        let report = model.simulate(&Simulation::new(2_000, seed).unwrap().with_threads(1));
        for (i, q) in [0.5, 0.99].into_iter().enumerate() {
            let w = report.write_latency_interval(q, 0.95).unwrap();
            let r = report.read_latency_interval(q, 0.95).unwrap();
            assert!(w.lower <= w.estimate && w.estimate <= w.upper);
            if q == 0.5 {
                // 2,000 samples bound the median on both sides.
                assert!(w.upper.is_finite() && r.upper.is_finite(), "{w:?} {r:?}");
            }
            assert_eq!(w.estimate, report.write_latency(q).unwrap());
            assert_eq!(r.estimate, report.read_latency(q).unwrap());
            let exact = quantile(q);
            covered[i] += usize::from(w.lower <= exact && exact <= w.upper);
        }
        assert!(report.write_latency_interval(1.5, 0.95).is_err());
        assert!(report.read_latency_interval(0.5, 1.0).is_err());
    }
    assert!(covered.iter().all(|&c| c >= 34), "{covered:?}");
    // The extreme quantile cannot be bounded above by the sample.
    let report = model.simulate(&Simulation::new(100, 1).unwrap());
    assert_eq!(
        report.read_latency_interval(1.0, 0.95).unwrap().upper,
        f64::INFINITY
    );
}

/// With one datacenter, consistency levels are `R`/`W` counts and the multi-datacenter
/// model draws the same delays in the same order: its report equals `WarsModel`'s bit for
/// bit (on the batch path of the presets and on the scalar path of other delays).
#[test]
fn one_datacenter_matches_the_wars_model_exactly() {
    use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    use ward_quorum::wars::MultiDcModel;
    let sim = Simulation::new(40_000, 5).unwrap();
    let scalar = WarsDelays::symmetric(&Delay::exponential(0.5).unwrap());
    for delays in [WarsDelays::preset(Preset::LnkdDisk), scalar] {
        let multi = MultiDcModel::uniform(
            Topology::new(&[3]).unwrap(),
            &delays,
            &Delay::constant(100.0).unwrap(),
        )
        .unwrap();
        for (level_w, level_r, w, r) in [(One, One, 1, 1), (Quorum, One, 2, 1), (All, Two, 3, 2)] {
            let single =
                WarsModel::new(QuorumConfig::new(3, r, w).unwrap(), delays.clone()).simulate(&sim);
            let report = multi.simulate((level_w, 0), (level_r, 0), &sim).unwrap();
            assert_eq!(report, single, "{level_w} / {level_r}");
        }
    }
}

/// Two datacenters of RF 3, constant 1 ms locally and 40 ms between them, writes in DC 0:
/// every figure has a closed form.
#[test]
fn two_datacenters_with_constant_delays() {
    use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    use ward_quorum::wars::{MultiDcError, MultiDcModel};
    let m = MultiDcModel::uniform(
        Topology::new(&[3, 3]).unwrap(),
        &WarsDelays::symmetric(&Delay::constant(1.0).unwrap()),
        &Delay::constant(40.0).unwrap(),
    )
    .unwrap();
    let sim = Simulation::new(200, 1).unwrap();
    // (write level, read level, read DC) → (staleness threshold, write, read latency):
    // remote replicas get the write at 41 ms; local acks commit at 2 ms, remote at 82 ms.
    for (wl, rl, rdc, tau, wlat, rlat) in [
        (LocalQuorum, LocalQuorum, 1, 41.0 - 1.0 - 2.0, 2.0, 2.0),
        (LocalQuorum, LocalQuorum, 0, 1.0 - 1.0 - 2.0, 2.0, 2.0),
        (LocalQuorum, Quorum, 1, 1.0 - 41.0 - 2.0, 2.0, 82.0),
        (Quorum, LocalOne, 1, 41.0 - 1.0 - 82.0, 82.0, 2.0),
        (EachQuorum, LocalQuorum, 1, 41.0 - 1.0 - 82.0, 82.0, 2.0),
        (One, One, 1, 41.0 - 1.0 - 2.0, 2.0, 2.0),
    ] {
        let r = m.simulate((wl, 0), (rl, rdc), &sim).unwrap();
        assert_eq!(r.staleness()[0], tau, "{wl}/{rl}@{rdc}");
        assert_eq!(*r.staleness().last().unwrap(), tau);
        assert_eq!(
            (r.write_latency(0.5).unwrap(), r.read_latency(0.5).unwrap()),
            (wlat, rlat)
        );
    }
    assert!(matches!(
        m.simulate((Quorum, 2), (One, 0), &sim),
        Err(MultiDcError::Level(_))
    ));
    let wan = WarsDelays::preset(Preset::Wan);
    assert_eq!(
        MultiDcModel::uniform(
            Topology::new(&[1]).unwrap(),
            &wan,
            &Delay::constant(1.0).unwrap()
        ),
        Err(MultiDcError::RemotePenalty { datacenter: 0 })
    );
}

#[test]
fn progress_is_done_over_total() {
    use ward_quorum::wars::Progress;
    assert_eq!(Progress { done: 1, total: 4 }.fraction(), 0.25);
    assert_eq!(Progress { done: 3, total: 3 }.fraction(), 1.0);
    assert_eq!(Progress { done: 0, total: 0 }.fraction(), 1.0);
}

/// A confidence next to 1 (`1 - 2^-53`, which the checks accept) used to make
/// `0.5 + c / 2` round to exactly 1, whose normal quantile is infinite: Wilson bounds came
/// back NaN, and the quantile intervals read their upper end from the smallest sample.
/// Every interval must stay a finite-or-infinite ordered interval around its estimate.
#[test]
fn regression_confidence_next_to_one_gives_ordered_intervals() {
    let c = 1.0 - f64::EPSILON / 2.0;
    assert!(c < 1.0 && 0.5 + c / 2.0 == 1.0, "the edge case itself");
    let model = WarsModel::new(
        QuorumConfig::new(3, 1, 1).unwrap(),
        WarsDelays::preset(Preset::LnkdDisk),
    );
    let report = model.simulate(&Simulation::new(1_000, 1).unwrap());
    let i = report.consistency_interval(1.0, c).unwrap();
    assert!(!i.lower.is_nan() && !i.upper.is_nan(), "{i:?}");
    assert!(i.lower <= i.estimate && i.estimate <= i.upper, "{i:?}");
    let tv = report.t_visibility(0.5, c).unwrap();
    assert!(tv.lower <= tv.t && tv.t <= tv.upper, "{tv:?}");
    for q in [
        report.read_latency_interval(0.5, c).unwrap(),
        report.write_latency_interval(0.5, c).unwrap(),
    ] {
        assert!(q.lower <= q.estimate && q.estimate <= q.upper, "{q:?}");
    }
    let k = report.kt_staleness(2, 1.0, c).unwrap();
    assert!(k.lower <= k.estimate && k.estimate <= k.upper, "{k:?}");
}

/// The mean of empirical samples summed before dividing, so two samples of f64::MAX had
/// an infinite mean.
#[test]
fn regression_empirical_mean_does_not_overflow() {
    let d = Delay::empirical(&[f64::MAX, f64::MAX]).unwrap();
    assert_eq!(d.mean(), f64::MAX);
    assert_eq!(Delay::empirical(&[1.0, 2.0, 6.0]).unwrap().mean(), 3.0);
}
