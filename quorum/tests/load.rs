//! Load and capacity against brute force: every quorum enumerated, strategies compared.

#![cfg(feature = "std")]

use proptest::prelude::*;
use ward_quorum::availability::GridQuorum;
use ward_quorum::load::{LoadError, lower_bound};
use ward_quorum::{FlexiblePaxos, QuorumConfig};

/// Every `k`-subset of `n` nodes, as bit masks.
fn subsets(n: usize, k: usize) -> Vec<u32> {
    (0_u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .collect()
}

/// Grid quorums of `rows × columns` (node `r·columns + c`): reads take one node per column,
/// writes a full column plus one node of each other column.
fn grid(rows: usize, columns: usize) -> (Vec<u32>, Vec<u32>) {
    let node = |r: usize, c: usize| 1_u32 << (r * columns + c);
    let mut reads = vec![0_u32];
    for c in 0..columns {
        reads = reads
            .into_iter()
            .flat_map(|m| (0..rows).map(move |r| m | node(r, c)))
            .collect();
    }
    let mut writes = Vec::new();
    for full in 0..columns {
        let column: u32 = (0..rows).map(|r| node(r, full)).fold(0, |a, b| a | b);
        for &m in &reads {
            // One per column from `reads`, with the full column replacing its pick.
            let others = m & !(0..rows).map(|r| node(r, full)).fold(0, |a, b| a | b);
            writes.push(others | column);
        }
    }
    writes.sort_unstable();
    writes.dedup();
    (reads, writes)
}

/// The busiest node's load under `weights` over `quorums`.
fn max_load(n: usize, quorums: &[u32], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    (0..n)
        .map(|i| {
            quorums
                .iter()
                .zip(weights)
                .filter(|(q, _)| *q >> i & 1 == 1)
                .map(|(_, w)| w / total)
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// The load proven by brute force: the uniform strategy's busiest node (an upper bound) and
/// the lightest quorum under the uniform node weighting (a lower bound, by LP duality).
fn proven_load(n: usize, quorums: &[u32]) -> f64 {
    let upper = max_load(n, quorums, &vec![1.0; quorums.len()]);
    let lower = quorums
        .iter()
        .map(|q| f64::from(q.count_ones()) / n as f64)
        .fold(f64::INFINITY, f64::min);
    assert!((upper - lower).abs() < 1e-12, "{upper} vs {lower}");
    upper
}

#[test]
fn threshold_loads_are_proven_optimal() {
    for n in 1..=9 {
        for r in 1..=n {
            let q = QuorumConfig::new(n, r, n).unwrap();
            let l = q.load();
            assert!((l.read - proven_load(n, &subsets(n, r))).abs() < 1e-12);
            assert_eq!(l.write, 1.0);
            // The bound is for systems whose quorums pairwise intersect.
            if 2 * r > n {
                assert!(lower_bound(n, r).unwrap() <= l.read + 1e-15);
            }
        }
        let m = QuorumConfig::majority(n).unwrap().load();
        assert!((m.read - proven_load(n, &subsets(n, n / 2 + 1))).abs() < 1e-12);
    }
    let p = FlexiblePaxos::new(7, 5, 3).unwrap().load();
    assert_eq!((p.read, p.write), (5.0 / 7.0, 3.0 / 7.0));
}

#[test]
fn grid_loads_are_proven_optimal() {
    for rows in 1..=4 {
        for columns in 1..=4 {
            if rows * columns > 12 {
                continue;
            }
            let g = GridQuorum::new(rows, columns).unwrap();
            let (reads, writes) = grid(rows, columns);
            let n = rows * columns;
            let l = g.load();
            assert!(
                (l.read - proven_load(n, &reads)).abs() < 1e-12,
                "{rows}x{columns}"
            );
            assert!(
                (l.write - proven_load(n, &writes)).abs() < 1e-12,
                "{rows}x{columns}"
            );
        }
    }
    // Grid write quorums pairwise intersect: the bound holds for them.
    for (rows, columns) in [(3, 3), (2, 5), (4, 4), (10, 10)] {
        let g = GridQuorum::new(rows, columns).unwrap();
        let bound = lower_bound(g.nodes(), g.write_quorum_size()).unwrap();
        assert!(bound <= g.load().write + 1e-15);
    }
    // A √n × √n grid meets the 1/√n order: reads exactly 1/√n.
    assert_eq!(GridQuorum::new(10, 10).unwrap().load().read, 0.1);
    assert_eq!(lower_bound(100, 10).unwrap(), 0.1);
}

proptest! {
    /// No strategy beats the claimed load: random weights over the quorums leave some node
    /// at least that busy.
    #[test]
    fn prop_no_strategy_beats_the_load(
        (n, k, weights) in (2_usize..=7).prop_flat_map(|n| (Just(n), 1..=n)).prop_flat_map(|(n, k)| {
            let count = subsets(n, k).len();
            (Just(n), Just(k), prop::collection::vec(0.0..1.0_f64, count))
        })
    ) {
        prop_assume!(weights.iter().sum::<f64>() > 0.0);
        let load = QuorumConfig::new(n, k, n).unwrap().load().read;
        prop_assert!(max_load(n, &subsets(n, k), &weights) >= load - 1e-12);
    }
}

#[test]
fn mixed_load_and_capacity() {
    let q = QuorumConfig::new(5, 1, 5).unwrap();
    assert_eq!(q.mixed_load(1.0).unwrap(), 0.2);
    assert_eq!(q.mixed_load(0.0).unwrap(), 1.0);
    assert!((q.load().capacity(1.0).unwrap() - 5.0).abs() < 1e-12);
    // Half reads on R = 2, W = 4 of 5: 0.5·0.4 + 0.5·0.8.
    let half = QuorumConfig::new(5, 2, 4).unwrap();
    assert!((half.mixed_load(0.5).unwrap() - 0.6).abs() < 1e-15);
    assert!((half.load().capacity(0.25).unwrap() - 1.0 / 0.7).abs() < 1e-12);
    for bad in [-0.1, 1.1, f64::NAN] {
        assert!(matches!(
            q.mixed_load(bad),
            Err(LoadError::InvalidReadFraction { .. })
        ));
    }
    assert_eq!(
        lower_bound(3, 0),
        Err(LoadError::QuorumOutOfRange { size: 0, nodes: 3 })
    );
    assert!(lower_bound(3, 4).is_err());
    assert_eq!(
        LoadError::InvalidReadFraction { value: 2.0 }.to_string(),
        "read fraction 2 is not in [0, 1]"
    );
}
