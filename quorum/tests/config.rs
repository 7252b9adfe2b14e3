//! Quorum configurations against brute-force enumeration of quorum choices.

#![cfg(feature = "std")]

use ward_quorum::{ConfigError, FlexiblePaxos, QuorumConfig, WeightedVoting, WeightedVotingError};

/// Every subset of `0..n` with exactly `k` members, as bit masks.
fn subsets(n: usize, k: usize) -> Vec<u32> {
    (0_u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .collect()
}

#[test]
fn overlap_and_intersection_match_enumeration() {
    for n in 1..=8 {
        for r in 1..=n {
            for w in 1..=n {
                let q = QuorumConfig::new(n, r, w).unwrap();
                let reads = subsets(n, r);
                let writes = subsets(n, w);
                let min_overlap = reads
                    .iter()
                    .flat_map(|a| writes.iter().map(move |b| (a & b).count_ones() as usize))
                    .min()
                    .unwrap();
                assert_eq!(q.min_overlap(), min_overlap, "{q}");
                assert_eq!(q.is_strict(), min_overlap > 0, "{q}");
                assert_eq!(q.is_partial(), min_overlap == 0, "{q}");
                let ww = writes.iter().all(|a| writes.iter().all(|b| a & b != 0));
                assert_eq!(q.writes_intersect(), ww, "{q}");
            }
        }
    }
}

#[test]
fn fault_tolerance_matches_enumeration() {
    for n in 1..=8 {
        for r in 1..=n {
            let q = QuorumConfig::new(n, r, n).unwrap();
            // Largest f such that every failure set of size f leaves at least r nodes up.
            let tolerated = (0..=n)
                .filter(|&f| {
                    subsets(n, f)
                        .iter()
                        .all(|down| n - down.count_ones() as usize >= r)
                })
                .max()
                .unwrap();
            assert_eq!(q.read_fault_tolerance(), tolerated);
            assert_eq!(q.write_fault_tolerance(), 0);
        }
    }
}

#[test]
fn majority_is_the_smallest_self_intersecting_size() {
    for n in 1..=9 {
        let smallest = (1..=n)
            .find(|&k| {
                let s = subsets(n, k);
                s.iter().all(|a| s.iter().all(|b| a & b != 0))
            })
            .unwrap();
        assert_eq!(ward_quorum::majority(n), smallest);
        let q = QuorumConfig::majority(n).unwrap();
        assert!(q.is_strict() && q.writes_intersect());
    }
}

#[test]
fn invalid_configurations_are_rejected_with_numbers() {
    assert_eq!(QuorumConfig::new(0, 1, 1), Err(ConfigError::NoReplicas));
    assert_eq!(
        QuorumConfig::new(3, 0, 1),
        Err(ConfigError::ReadQuorumOutOfRange { r: 0, n: 3 })
    );
    assert_eq!(
        QuorumConfig::new(3, 1, 4),
        Err(ConfigError::WriteQuorumOutOfRange { w: 4, n: 3 })
    );
    assert_eq!(
        ConfigError::WriteQuorumOutOfRange { w: 4, n: 3 }.to_string(),
        "write quorum 4 is outside 1..=3"
    );
    assert_eq!(
        QuorumConfig::new(3, 1, 2).unwrap().to_string(),
        "N=3 R=1 W=2"
    );
}

#[test]
fn flexible_paxos_is_valid_iff_every_phase1_quorum_meets_every_phase2_quorum() {
    for n in 1..=8 {
        for q1 in 1..=n {
            for q2 in 1..=n {
                let meet = subsets(n, q1)
                    .iter()
                    .all(|a| subsets(n, q2).iter().all(|b| a & b != 0));
                let fp = FlexiblePaxos::new(n, q1, q2);
                assert_eq!(fp.is_ok(), meet, "n={n} q1={q1} q2={q2}");
                if let Ok(fp) = fp {
                    assert_eq!(fp.phase1_fault_tolerance(), n - q1);
                    assert_eq!(fp.phase2_fault_tolerance(), n - q2);
                    assert_eq!(fp.phase2_quorums_intersect(), 2 * q2 > n);
                } else {
                    assert_eq!(fp, Err(ConfigError::PhaseQuorumsDisjoint { q1, q2, n }));
                }
            }
        }
    }
    assert_eq!(
        FlexiblePaxos::new(3, 0, 3),
        Err(ConfigError::PhaseQuorumOutOfRange {
            phase: 1,
            q: 0,
            n: 3
        })
    );
}

fn votes_of(votes: &[u64], mask: u32) -> u64 {
    (0..votes.len())
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| votes[i])
        .sum()
}

#[test]
fn weighted_voting_accepted_configurations_really_intersect() {
    let vote_sets: [&[u64]; 5] = [
        &[1, 1, 1],
        &[2, 1, 1],
        &[3, 1, 1, 1],
        &[1, 2, 3, 0],
        &[5, 1],
    ];
    for votes in vote_sets {
        let total: u64 = votes.iter().sum();
        let all = 1_u32 << votes.len();
        for r in 1..=total {
            for w in 1..=total {
                let Ok(wv) = WeightedVoting::new(votes.to_vec(), r, w) else {
                    continue;
                };
                let reads: Vec<u32> = (0..all).filter(|&m| votes_of(votes, m) >= r).collect();
                let writes: Vec<u32> = (0..all).filter(|&m| votes_of(votes, m) >= w).collect();
                assert!(reads.iter().all(|a| writes.iter().all(|b| a & b != 0)));
                assert!(writes.iter().all(|a| writes.iter().all(|b| a & b != 0)));
                for m in 0..all {
                    let nodes: Vec<usize> =
                        (0..votes.len()).filter(|i| m & (1 << i) != 0).collect();
                    assert_eq!(wv.can_read(&nodes), votes_of(votes, m) >= r);
                    assert_eq!(wv.can_write(&nodes), votes_of(votes, m) >= w);
                }
            }
        }
    }
}

#[test]
fn weighted_voting_with_unit_votes_is_exactly_the_majority_rules() {
    for n in 1..=7_u64 {
        for r in 1..=n {
            for w in 1..=n {
                let ok = WeightedVoting::new(vec![1; n as usize], r, w).is_ok();
                assert_eq!(ok, r + w > n && 2 * w > n, "n={n} r={r} w={w}");
            }
        }
    }
    assert_eq!(
        WeightedVoting::new(vec![0, 0], 1, 1),
        Err(WeightedVotingError::NoVotes)
    );
    assert_eq!(
        WeightedVoting::new(vec![u64::MAX, 1], 1, 1),
        Err(WeightedVotingError::TooManyVotes)
    );
    assert_eq!(
        WeightedVoting::new(vec![1, 1], 3, 2),
        Err(WeightedVotingError::ThresholdOutOfRange {
            threshold: 3,
            total: 2
        })
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips_and_rejects_invalid_states() {
    let q = QuorumConfig::new(5, 2, 4).unwrap();
    let json = serde_json::to_string(&q).unwrap();
    assert_eq!(serde_json::from_str::<QuorumConfig>(&json).unwrap(), q);
    assert!(serde_json::from_str::<QuorumConfig>(r#"{"n":3,"r":4,"w":1}"#).is_err());
    assert!(serde_json::from_str::<FlexiblePaxos>(r#"{"n":4,"q1":2,"q2":2}"#).is_err());
    let fp = FlexiblePaxos::new(4, 3, 2).unwrap();
    let back: FlexiblePaxos = serde_json::from_str(&serde_json::to_string(&fp).unwrap()).unwrap();
    assert_eq!(back, fp);
    assert!(serde_json::from_str::<WeightedVoting>(r#"{"votes":[1,1,1],"r":1,"w":2}"#).is_err());
    let wv = WeightedVoting::new(vec![2, 1, 1], 2, 3).unwrap();
    let back: WeightedVoting = serde_json::from_str(&serde_json::to_string(&wv).unwrap()).unwrap();
    assert_eq!(back, wv);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<QuorumConfig>();
    check::<FlexiblePaxos>();
    check::<WeightedVoting>();
    check::<ConfigError>();
    check::<ward_quorum::levels::Topology>();
    check::<ward_quorum::collector::WriteCollector>();
    check::<ward_quorum::collector::ReadCollector<u64, ward_quorum::collector::TotalOrder>>();
    check::<ward_quorum::delay::Delay>();
    check::<ward_quorum::wars::WarsModel>();
    check::<ward_quorum::wars::PbsReport>();
    check::<ward_quorum::pbs::Fraction>();
    check::<ward_quorum::pbs::PbsError>();
    check::<WeightedVotingError>();
    check::<ward_quorum::availability::Availability>();
    check::<ward_quorum::availability::AvailabilityError>();
    check::<ward_quorum::availability::GridQuorum>();
    check::<ward_quorum::levels::ConsistencyLevel>();
    check::<ward_quorum::levels::Requirement>();
    check::<ward_quorum::levels::LevelPair>();
    check::<ward_quorum::levels::TopologyError>();
    check::<ward_quorum::levels::LevelError>();
    check::<ward_quorum::levels::ParseLevelError>();
    check::<ward_quorum::collector::QuorumStatus>();
    check::<ward_quorum::collector::CollectorError>();
    check::<ward_quorum::collector::ReadCollector<u64, ward_quorum::collector::PartialOrder>>();
    check::<ward_quorum::collector::ReadOutcome<'static, u64>>();
    check::<ward_quorum::delay::DelayError>();
    check::<ward_quorum::delay::Xoshiro256PlusPlus>();
    check::<ward_quorum::wars::WarsDelays>();
    check::<ward_quorum::wars::Preset>();
    check::<ward_quorum::wars::Simulation>();
    check::<ward_quorum::wars::SimulationError>();
    check::<ward_quorum::wars::TVisibility>();
    check::<ward_quorum::wars::Trial>();
    check::<ward_quorum::wars::Progress>();
    check::<ward_quorum::wars::Trials<'static, ward_quorum::delay::Xoshiro256PlusPlus>>();
    check::<ward_quorum::tune::Target>();
    check::<ward_quorum::tune::Candidate>();
}

#[test]
fn extreme_sizes_do_not_overflow() {
    let m = usize::MAX;
    let all = QuorumConfig::new(m, m, m).unwrap();
    assert!(all.is_strict() && all.writes_intersect());
    assert_eq!(all.min_overlap(), m);
    let one = QuorumConfig::new(m, 1, 1).unwrap();
    assert!(one.is_partial() && !one.writes_intersect());
    assert_eq!(one.min_overlap(), 0);
    assert_eq!(one.read_fault_tolerance(), m - 1);
    assert!(FlexiblePaxos::new(m, m, 1).is_ok());
    assert!(FlexiblePaxos::new(m, m - 1, 1).is_err());
    let t = ward_quorum::levels::Topology::new(&[m - 1, 1]).unwrap();
    use ward_quorum::levels::ConsistencyLevel::{All, One};
    assert_eq!(t.analyze(All, 0, All, 1).unwrap().min_overlap(), m);
    assert_eq!(t.analyze(One, 0, One, 1).unwrap().min_overlap(), 0);
}
