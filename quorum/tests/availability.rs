//! Availability against brute-force enumeration of node failure patterns.

#![cfg(feature = "std")]

use proptest::prelude::*;
use ward_quorum::availability::{
    AvailabilityError, GridQuorum, poisson_binomial_availability, poisson_binomial_unavailability,
    quorum_availability, quorum_unavailability,
};
use ward_quorum::{QuorumConfig, WeightedVoting};

/// Sum of `P(pattern)` over every up/down pattern (bit i set = node i up) accepted by `ok`.
fn enumerate(p_down: &[f64], ok: impl Fn(u32) -> bool) -> f64 {
    (0_u32..1 << p_down.len())
        .filter(|&m| ok(m))
        .map(|m| {
            p_down
                .iter()
                .enumerate()
                .map(|(i, p)| if m & (1 << i) != 0 { 1.0 - p } else { *p })
                .product::<f64>()
        })
        .sum()
}

#[test]
fn binomial_matches_enumeration() {
    for n in 1..=10 {
        for q in 1..=n {
            for p in [0.0, 0.01, 0.1, 0.5, 0.93, 1.0] {
                let want = enumerate(&vec![p; n], |m| m.count_ones() as usize >= q);
                let got = quorum_availability(n, q, p).unwrap();
                assert!(
                    (got - want).abs() < 1e-13,
                    "n={n} q={q} p={p}: {got} vs {want}"
                );
                let un = quorum_unavailability(n, q, p).unwrap();
                assert!((un - (1.0 - want)).abs() < 1e-13);
            }
        }
    }
}

/// P(X ≥ 501) for X ~ Binomial(1000, ½) is (1 − C(1000, 500)/2¹⁰⁰⁰)/2 by symmetry.
#[test]
fn binomial_is_stable_at_n_1000() {
    let mut central = 1.0_f64; // C(1000, 500) / 2^1000 = Π_{i=1}^{500} (500 + i) / (4 i)
    for i in 1..=500 {
        central *= f64::from(500 + i) / f64::from(4 * i);
    }
    let want = (1.0 - central) / 2.0;
    let got = quorum_availability(1000, 501, 0.5).unwrap();
    assert!((got / want - 1.0).abs() < 1e-12, "{got} vs {want}");
    // Deep tails keep their relative precision: P(all 1000 down) = 0.1^1000 underflows, but
    // needing all 1000 up with p = 1e-3: 0.999^1000.
    let all_up = quorum_availability(1000, 1000, 1e-3).unwrap();
    assert!((all_up / 0.999_f64.powi(1000) - 1.0).abs() < 1e-12);
    // One node of 1000 suffices: unavailable only if all are down, 0.5^1000 ≈ 9.33e-302.
    let un = quorum_unavailability(1000, 1, 0.5).unwrap();
    assert!((un / 0.5_f64.powi(1000) - 1.0).abs() < 1e-12);
    for q in [1, 10, 500, 990, 1000] {
        let a = quorum_availability(1000, q, 0.3).unwrap();
        let u = quorum_unavailability(1000, q, 0.3).unwrap();
        assert!(
            (0.0..=1.0).contains(&a) && (a + u - 1.0).abs() < 1e-12,
            "q={q} a={a} u={u}"
        );
    }
}

/// `P(k₀ ≤ X ≤ k₁)` for `X ~ Binomial(n, p)`, summing each term in log space
/// (`ln C(n, k) + k·ln p + (n − k)·ln(1 − p)`) from the smallest up: an independent
/// reference that keeps relative precision in the tails.
fn binomial_range(n: u32, k0: u32, k1: u32, p: f64) -> f64 {
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    let mut ln_choose = 0.0; // ln C(n, k)
    let mut terms = Vec::new();
    for k in 0..=k1 {
        if k > 0 {
            ln_choose += (f64::from(n - k + 1) / f64::from(k)).ln();
        }
        if k >= k0 {
            let ln_term = ln_choose
                + if k == 0 { 0.0 } else { f64::from(k) * ln_p }
                + if k == n { 0.0 } else { f64::from(n - k) * ln_q };
            terms.push(ln_term.exp());
        }
    }
    terms.sort_by(f64::total_cmp);
    terms.iter().sum()
}

/// Relative error, with values below the normal range compared absolutely.
fn relative_error(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

#[test]
fn binomial_tails_keep_relative_precision_at_n_1000_near_p_0_and_1() {
    let n = 1000_u32;
    for p_down in [1e-300, 1e-12, 1e-6, 1e-3, 0.999, 1.0 - 1e-6, 1.0 - 1e-12] {
        for q in [1_u32, 2, 10, 334, 500, 501, 667, 990, 999, 1000] {
            // Up nodes follow Binomial(n, 1 − p_down): available iff at least q are up,
            // i.e. at most n − q are down.
            let avail_want = binomial_range(n, 0, n - q, p_down);
            let unavail_want = binomial_range(n, n - q + 1, n, p_down);
            let avail = quorum_availability(n as usize, q as usize, p_down).unwrap();
            let unavail = quorum_unavailability(n as usize, q as usize, p_down).unwrap();
            // Whichever is small carries the information; both must keep it.
            assert!(
                relative_error(avail, avail_want) < 1e-11,
                "p={p_down:e} q={q}: availability {avail:e} vs {avail_want:e}"
            );
            assert!(
                relative_error(unavail, unavail_want) < 1e-11,
                "p={p_down:e} q={q}: unavailability {unavail:e} vs {unavail_want:e}"
            );
        }
    }
}

/// The grid's write availability is `read · (1 − (mixed/covered)^columns)`, with `covered =
/// 1 − p^rows` and `mixed = covered − (1 − p)^rows` per column; evaluated with `expm1` and
/// `ln_1p` this keeps tiny values that a difference of two products would cancel away.
#[test]
fn grid_keeps_tiny_availabilities_with_1000_nodes() {
    for (rows, columns) in [(10_usize, 100_usize), (25, 40), (1, 5), (5, 1), (3, 3)] {
        for p in [1e-9_f64, 0.01, 0.5, 0.9, 0.99, 0.999] {
            let (r, c) = (rows as i32, columns as f64);
            let full = (1.0 - p).powi(r);
            let covered = -(f64::from(r) * p.ln()).exp_m1();
            let read_want = covered.powf(c);
            let write_want = read_want * -(c * (-full / covered).ln_1p()).exp_m1();
            let got = GridQuorum::new(rows, columns)
                .unwrap()
                .availability(p)
                .unwrap();
            assert!(
                relative_error(got.read, read_want) < 1e-12,
                "{rows}x{columns} p={p}: read {} vs {read_want:e}",
                got.read
            );
            assert!(
                relative_error(got.write, write_want) < 1e-12,
                "{rows}x{columns} p={p}: write {:e} vs {write_want:e}",
                got.write
            );
        }
    }
    // 10×100 nodes, each down with probability 0.99: writes need a whole column of 10 up,
    // about 1.2e-119, not zero.
    let tiny = GridQuorum::new(10, 100)
        .unwrap()
        .availability(0.99)
        .unwrap();
    assert!(tiny.write > 1e-120 && tiny.write < 1e-118, "{}", tiny.write);
}

#[test]
fn bad_inputs_are_rejected() {
    for p in [-0.1, 1.1, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            quorum_availability(3, 2, p),
            Err(AvailabilityError::InvalidProbability { node: 0, .. })
        ));
    }
    assert_eq!(
        quorum_availability(3, 0, 0.1),
        Err(AvailabilityError::QuorumOutOfRange { q: 0, n: 3 })
    );
    assert_eq!(
        poisson_binomial_availability(1, &[0.1, 2.0]),
        Err(AvailabilityError::InvalidProbability { node: 1, p: 2.0 })
    );
    assert_eq!(
        QuorumConfig::new(3, 2, 2)
            .unwrap()
            .availability_per_node(&[0.1]),
        Err(AvailabilityError::WrongNodeCount {
            expected: 3,
            got: 1
        })
    );
    assert_eq!(
        GridQuorum::new(2, 0),
        Err(AvailabilityError::EmptyGrid {
            rows: 2,
            columns: 0
        })
    );
}

fn probs(max: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(0.0..=1.0_f64, 1..=max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_poisson_binomial_matches_enumeration(p_down in probs(9), q_seed in 0_usize..100) {
        let n = p_down.len();
        let q = 1 + q_seed % n;
        let want = enumerate(&p_down, |m| m.count_ones() as usize >= q);
        let got = poisson_binomial_availability(q, &p_down).unwrap();
        prop_assert!((got - want).abs() < 1e-13);
        let un = poisson_binomial_unavailability(q, &p_down).unwrap();
        prop_assert!((un - (1.0 - want)).abs() < 1e-13);
    }

    #[test]
    fn prop_availability_decreases_with_quorum_size(p_down in probs(12)) {
        let n = p_down.len();
        let values: Vec<f64> =
            (1..=n).map(|q| poisson_binomial_availability(q, &p_down).unwrap()).collect();
        prop_assert!(values.windows(2).all(|w| w[0] >= w[1] - 1e-15));
    }

    #[test]
    fn prop_grid_matches_enumeration(rows in 1_usize..=3, cols in 1_usize..=3, seed in probs(9)) {
        let n = rows * cols;
        let p_down: Vec<f64> = (0..n).map(|i| seed[i % seed.len()]).collect();
        let grid = GridQuorum::new(rows, cols).unwrap();
        let up = |m: u32, r: usize, c: usize| m & (1 << (r * cols + c)) != 0;
        let covered = |m: u32| (0..cols).all(|c| (0..rows).any(|r| up(m, r, c)));
        let full_column = |m: u32| (0..cols).any(|c| (0..rows).all(|r| up(m, r, c)));
        let read = enumerate(&p_down, covered);
        let write = enumerate(&p_down, |m| covered(m) && full_column(m));
        let got = grid.availability_per_node(&p_down).unwrap();
        prop_assert!((got.read - read).abs() < 1e-12);
        prop_assert!((got.write - write).abs() < 1e-12);
        let same = grid.availability(p_down[0]).unwrap();
        let uniform = grid.availability_per_node(&vec![p_down[0]; n]).unwrap();
        prop_assert!((same.read - uniform.read).abs() < 1e-15);
        prop_assert!((same.write - uniform.write).abs() < 1e-15);
    }

    #[test]
    fn prop_weighted_voting_matches_enumeration(
        votes in proptest::collection::vec(0_u64..4, 1..=7),
        p_seed in probs(7),
    ) {
        let total: u64 = votes.iter().sum();
        prop_assume!(total > 0);
        let w = total / 2 + 1;
        let r = total + 1 - w;
        let wv = WeightedVoting::new(votes.clone(), r, w).unwrap();
        let p_down: Vec<f64> = (0..votes.len()).map(|i| p_seed[i % p_seed.len()]).collect();
        let sum = |m: u32| -> u64 {
            (0..votes.len()).filter(|i| m & (1 << i) != 0).map(|i| votes[i]).sum()
        };
        let got = wv.availability(&p_down).unwrap();
        prop_assert!((got.read - enumerate(&p_down, |m| sum(m) >= r)).abs() < 1e-12);
        prop_assert!((got.write - enumerate(&p_down, |m| sum(m) >= w)).abs() < 1e-12);
    }

    #[test]
    fn prop_config_availability_is_per_node_with_equal_probabilities(
        n in 1_usize..=12, r_seed in 0_usize..100, w_seed in 0_usize..100, p in 0.0..=1.0_f64,
    ) {
        let q = QuorumConfig::new(n, 1 + r_seed % n, 1 + w_seed % n).unwrap();
        let a = q.availability(p).unwrap();
        let b = q.availability_per_node(&vec![p; n]).unwrap();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn absurd_sizes_are_errors_not_panics() {
    assert_eq!(
        quorum_availability(usize::MAX, usize::MAX, 0.1),
        Err(AvailabilityError::TooLarge { nodes: usize::MAX })
    );
    assert_eq!(
        GridQuorum::new(usize::MAX, 2),
        Err(AvailabilityError::TooLarge { nodes: usize::MAX })
    );
    let huge = GridQuorum::new(1 << 31, 1 << 31).unwrap();
    assert!(matches!(
        huge.availability(0.1),
        Err(AvailabilityError::TooLarge { .. })
    ));
    assert!(matches!(
        ward_quorum::collector::WriteCollector::new(usize::MAX, 1),
        Err(ward_quorum::collector::CollectorError::TooManyReplicas { .. })
    ));
}
