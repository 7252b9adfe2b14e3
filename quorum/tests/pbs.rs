//! PBS closed forms against brute-force enumeration of all quorum choices.

#![cfg(feature = "std")]

use proptest::prelude::*;
use ward_quorum::QuorumConfig;
use ward_quorum::pbs::{self, PbsError};

fn subsets(n: usize, k: usize) -> Vec<u32> {
    (0_u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .collect()
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn reduced(num: u128, den: u128) -> (u128, u128) {
    let g = gcd(num, den).max(1);
    (num / g, den / g)
}

#[test]
fn stale_probability_matches_enumeration_of_quorum_pairs() {
    for n in 1..=10 {
        for r in 1..=n {
            for w in 1..=n {
                let q = QuorumConfig::new(n, r, w).unwrap();
                let reads = subsets(n, r);
                let writes = subsets(n, w);
                let disjoint = reads
                    .iter()
                    .flat_map(|a| writes.iter().map(move |b| a & b == 0))
                    .filter(|&d| d)
                    .count() as u128;
                let pairs = (reads.len() * writes.len()) as u128;
                let exact = pbs::stale_probability_exact(&q).unwrap();
                assert_eq!(
                    (exact.numerator(), exact.denominator()),
                    reduced(disjoint, pairs),
                    "{q}"
                );
                let float = pbs::stale_probability(&q);
                assert!(
                    (float - disjoint as f64 / pairs as f64).abs() < 1e-15,
                    "{q}"
                );
            }
        }
    }
}

#[test]
fn k_staleness_matches_enumeration_for_two_and_three_writes() {
    // The read misses each of the last k writes independently (fresh random write sets).
    for n in 1..=5 {
        for r in 1..=n {
            for w in 1..=n {
                let q = QuorumConfig::new(n, r, w).unwrap();
                let reads = subsets(n, r);
                let writes = subsets(n, w);
                for k in 1..=3_u32 {
                    let mut hits = 0_u128;
                    let mut total = 0_u128;
                    for read in &reads {
                        // Count write-set k-tuples at least one of which the read meets.
                        let missing = writes.iter().filter(|wr| *wr & read == 0).count() as u128;
                        let all = writes.len() as u128;
                        hits += all.pow(k) - missing.pow(k);
                        total += all.pow(k);
                    }
                    let exact = pbs::k_staleness_exact(&q, u64::from(k)).unwrap();
                    assert_eq!(
                        (exact.numerator(), exact.denominator()),
                        reduced(hits, total),
                        "{q} k={k}"
                    );
                    let float = pbs::k_staleness(&q, u64::from(k)).unwrap();
                    assert!((float - hits as f64 / total as f64).abs() < 1e-14);
                }
            }
        }
    }
}

/// The configuration the PBS paper (Bailis et al., VLDB 2012) evaluates throughout, N = 3
/// and R = W = 1: a read misses the last write with probability C(2,1)/C(3,1) = 2/3, so it
/// returns one of the last k versions with probability 1 − (2/3)^k.
#[test]
fn paper_example_n3_r1_w1() {
    let q = QuorumConfig::new(3, 1, 1).unwrap();
    assert_eq!(pbs::stale_probability_exact(&q).unwrap().to_string(), "2/3");
    assert_eq!(pbs::k_staleness_exact(&q, 1).unwrap().to_string(), "1/3");
    assert_eq!(pbs::k_staleness_exact(&q, 2).unwrap().to_string(), "5/9");
    assert_eq!(pbs::k_staleness_exact(&q, 3).unwrap().to_string(), "19/27");
}

#[test]
fn strict_quorums_are_never_stale() {
    for n in 1..=40 {
        for r in 1..=n {
            let w = n + 1 - r;
            let q = QuorumConfig::new(n, r, w).unwrap();
            assert_eq!(pbs::stale_probability(&q), 0.0);
            assert_eq!(pbs::stale_probability_exact(&q).unwrap().numerator(), 0);
            assert_eq!(pbs::k_staleness(&q, 1).unwrap(), 1.0);
        }
    }
}

#[test]
fn float_form_stays_accurate_for_large_n() {
    // C(N−W, R)/C(N, R) for N = 1000, R = W = 1: (N − 1)/N exactly.
    let q = QuorumConfig::new(1000, 1, 1).unwrap();
    assert!((pbs::stale_probability(&q) - 0.999).abs() < 1e-15);
    assert_eq!(
        pbs::stale_probability_exact(&QuorumConfig::new(1000, 400, 400).unwrap()),
        Err(PbsError::Overflow { n: 1000 })
    );
    // Float and exact agree where the exact form fits.
    let q = QuorumConfig::new(60, 20, 15).unwrap();
    let exact = pbs::stale_probability_exact(&q).unwrap().to_f64();
    assert!((pbs::stale_probability(&q) / exact - 1.0).abs() < 1e-13);
}

#[test]
fn monotonic_reads_generalises_k_staleness() {
    let q = QuorumConfig::new(5, 1, 2).unwrap();
    for writes_per_read in 1..5 {
        let k = 1 + writes_per_read;
        let m = pbs::monotonic_reads(&q, writes_per_read as f64, 1.0).unwrap();
        assert!((m - pbs::k_staleness(&q, k).unwrap()).abs() < 1e-14);
    }
    // More writes between a client's reads make monotonicity more likely.
    let slow = pbs::monotonic_reads(&q, 0.1, 1.0).unwrap();
    let fast = pbs::monotonic_reads(&q, 10.0, 1.0).unwrap();
    assert!(slow < fast);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            pbs::monotonic_reads(&q, bad, 1.0)
                .map_err(|e| matches!(e, PbsError::InvalidRate { .. })),
            Err(true)
        );
    }
    assert_eq!(pbs::k_staleness(&q, 0), Err(PbsError::ZeroVersions));
}

/// The exact forms overflowed on intermediate binomials although the answer is small: a
/// strict `N = 200, R = 100, W = 101` is exactly 0, and `N = 140, R = 70, W = 1` is
/// exactly `C(139, 70)/C(140, 70) = 70/140 = 1/2`.
#[test]
fn regression_exact_fractions_do_not_overflow_on_intermediate_binomials() {
    let strict = QuorumConfig::new(200, 100, 101).unwrap();
    let p = pbs::stale_probability_exact(&strict).unwrap();
    assert_eq!((p.numerator(), p.denominator()), (0, 1));
    let half = QuorumConfig::new(140, 70, 1).unwrap();
    let p = pbs::stale_probability_exact(&half).unwrap();
    assert_eq!((p.numerator(), p.denominator()), (1, 2));
    // By symmetry C(N−W, R)/C(N, R) = C(N−R, W)/C(N, W): R = 1 is (N − W)/N.
    let p = pbs::stale_probability_exact(&QuorumConfig::new(1000, 1, 400).unwrap()).unwrap();
    assert_eq!((p.numerator(), p.denominator()), (3, 5));
    assert_eq!(pbs::k_staleness_exact(&half, 3).unwrap().to_string(), "7/8");
}

/// `C(n, k)` by Pascal's rule in `u128` (no overflow for `n ≤ 120`).
fn pascal(n: usize) -> Vec<Vec<u128>> {
    let mut rows = vec![vec![1_u128]];
    for i in 1..=n {
        let prev = &rows[i - 1];
        let mut row = vec![1_u128; i + 1];
        for k in 1..i {
            row[k] = prev[k - 1] + prev[k];
        }
        rows.push(row);
    }
    rows
}

proptest! {
    /// The exact stale probability equals `C(N−W, R)/C(N, R)` reduced, computed from
    /// Pascal's triangle, for every `N ≤ 120` (where the binomials fit), strict quorums and
    /// the `R = 1` / `W = 1` edges included.
    #[test]
    fn prop_exact_stale_probability_matches_binomials(
        (n, r, w) in (1_usize..=120).prop_flat_map(|n| {
            (Just(n), prop_oneof![Just(1), Just(n), 1..=n], prop_oneof![Just(1), Just(n), 1..=n])
        })
    ) {
        let c = pascal(n);
        let binom = |a: usize, b: usize| if b > a { 0 } else { c[a][b] };
        let q = QuorumConfig::new(n, r, w).unwrap();
        let exact = pbs::stale_probability_exact(&q).unwrap();
        prop_assert_eq!(
            (exact.numerator(), exact.denominator()),
            reduced(binom(n - w, r), binom(n, r))
        );
        let float = pbs::stale_probability(&q);
        prop_assert!((exact.to_f64() - float).abs() <= 1e-12 * float.max(1e-300));
    }
}

/// Monotonic reads follow `1 - p^(1 + γ_w/γ_r)` (PBS paper): the write rate is divided
/// by the client's read rate. With equal rates the exponent is 2, which recovers `p`; a
/// client reading twice as often as writes land then has exponent 1.5.
#[test]
fn monotonic_reads_divide_the_write_rate_by_the_read_rate() {
    let config = QuorumConfig::new(3, 1, 1).unwrap();
    let equal = pbs::monotonic_reads(&config, 1.0, 1.0).unwrap();
    let p = (1.0 - equal).sqrt();
    assert!(p > 0.0 && p < 1.0, "{p}");
    let faster_reads = pbs::monotonic_reads(&config, 2.0, 4.0).unwrap();
    assert!(
        (faster_reads - (1.0 - p.powf(1.5))).abs() < 1e-12,
        "{faster_reads}"
    );
}

/// The float form looped R times, so a valid configuration with a huge R took hours (2^40
/// replicas, R = 2^39); the exact form loops min(R, W) times. A strict configuration's
/// k-staleness is 1 for every k, but k above u32::MAX was reported as an overflow.
#[test]
fn regression_large_quorums_and_large_k_answer_at_once() {
    let q = QuorumConfig::new(1 << 40, 1 << 39, 1).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(pbs::stale_probability(&q), 0.5);
    assert_eq!(pbs::stale_probability_exact(&q).unwrap().to_string(), "1/2");
    let wide = QuorumConfig::new(1 << 40, 1 << 38, 1 << 38).unwrap();
    assert_eq!(pbs::stale_probability(&wide), 0.0, "underflows to 0 early");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let strict = QuorumConfig::new(3, 2, 2).unwrap();
    assert_eq!(pbs::k_staleness(&strict, 1 << 32).unwrap(), 1.0);
    assert_eq!(
        pbs::k_staleness_exact(&strict, 1 << 32)
            .unwrap()
            .to_string(),
        "1/1"
    );
}
