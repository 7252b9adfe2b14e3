//! Consistency-level arithmetic on the topologies {3}, {3, 3}, {3, 3, 3}, {5, 5}, {3, 2},
//! checked against brute force.

#![cfg(feature = "std")]

use ward_quorum::levels::{ConsistencyLevel, ConsistencyLevel::*, LevelError, Topology};

const TOPOLOGIES: [&[usize]; 5] = [&[3], &[3, 3], &[3, 3, 3], &[5, 5], &[3, 2]];

/// Every per-datacenter count vector `0 ≤ cᵢ ≤ RFᵢ`.
fn count_vectors(rf: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &r in rf {
        out = out
            .into_iter()
            .flat_map(|v| {
                (0..=r).map(move |c| {
                    let mut v = v.clone();
                    v.push(c);
                    v
                })
            })
            .collect();
    }
    out
}

/// Requirements straight from the documented definitions.
fn documented(rf: &[usize], level: ConsistencyLevel, coordinator: usize) -> (usize, Vec<usize>) {
    let total: usize = rf.iter().sum();
    let quorum = |x: usize| x / 2 + 1;
    let mut per = vec![0; rf.len()];
    let t = match level {
        One => 1,
        Two => 2,
        Three => 3,
        Quorum => quorum(total),
        All => {
            per.copy_from_slice(rf);
            total
        }
        LocalOne => {
            per[coordinator] = 1;
            1
        }
        LocalQuorum => {
            per[coordinator] = quorum(rf[coordinator]);
            per[coordinator]
        }
        EachQuorum => {
            for (p, &r) in per.iter_mut().zip(rf) {
                *p = quorum(r);
            }
            per.iter().sum()
        }
        _ => unreachable!("every level is listed"),
    };
    (t, per)
}

#[test]
fn requirements_follow_the_documented_definitions() {
    for rf in TOPOLOGIES {
        let t = Topology::new(rf).unwrap();
        for level in ConsistencyLevel::ALL_LEVELS {
            for c in 0..rf.len() {
                let (total, per) = documented(rf, level, c);
                match t.requirement(level, c) {
                    Ok(req) => {
                        assert_eq!((req.total(), req.per_datacenter()), (total, &per[..]));
                    }
                    Err(e) => {
                        assert!(total > t.replicas(), "{rf:?} {level}");
                        assert_eq!(
                            e,
                            LevelError::Unachievable {
                                level,
                                required: total,
                                replicas: t.replicas()
                            }
                        );
                    }
                }
            }
        }
    }
}

/// Apache Cassandra / DataStax documentation, "Examples of read consistency levels": with two
/// datacenters of replication factor 3, QUORUM needs 4 replicas from any datacenter, and
/// LOCAL_QUORUM needs 2 in the coordinator's datacenter; a single datacenter of RF 3 needs
/// (3 / 2) + 1 = 2 for QUORUM.
#[test]
fn documented_examples() {
    let one_dc = Topology::new(&[3]).unwrap();
    assert_eq!(one_dc.requirement(Quorum, 0).unwrap().total(), 2);
    let two_dc = Topology::new(&[3, 3]).unwrap();
    let q = two_dc.requirement(Quorum, 0).unwrap();
    assert_eq!((q.total(), q.per_datacenter()), (4, &[0, 0][..]));
    assert_eq!(
        two_dc.requirement(LocalQuorum, 1).unwrap().per_datacenter(),
        &[0, 2]
    );
    assert_eq!(
        two_dc.requirement(EachQuorum, 0).unwrap().per_datacenter(),
        &[2, 2]
    );
}

#[test]
fn overlap_matches_brute_force_over_replica_counts() {
    for rf in TOPOLOGIES {
        let t = Topology::new(rf).unwrap();
        let vectors = count_vectors(rf);
        for read in ConsistencyLevel::ALL_LEVELS {
            for write in ConsistencyLevel::ALL_LEVELS {
                for rc in 0..rf.len() {
                    for wc in 0..rf.len() {
                        let (Ok(rq), Ok(wq)) = (t.requirement(read, rc), t.requirement(write, wc))
                        else {
                            continue;
                        };
                        // Two sets with aᵢ and bᵢ replicas in datacenter i can share as few
                        // as max(0, aᵢ + bᵢ − RFᵢ) replicas there (pigeonhole), and no fewer.
                        let mut best = usize::MAX;
                        let mut best_per = vec![usize::MAX; rf.len()];
                        for a in vectors.iter().filter(|a| wq.is_met_by(a).unwrap()) {
                            for b in vectors.iter().filter(|b| rq.is_met_by(b).unwrap()) {
                                let per: Vec<usize> = (0..rf.len())
                                    .map(|i| (a[i] + b[i]).saturating_sub(rf[i]))
                                    .collect();
                                best = best.min(per.iter().sum());
                                for (m, p) in best_per.iter_mut().zip(&per) {
                                    *m = (*m).min(*p);
                                }
                            }
                        }
                        let got = t.analyze(read, rc, write, wc).unwrap();
                        assert_eq!(
                            got.min_overlap(),
                            best,
                            "{rf:?} read {read}@{rc} write {write}@{wc}"
                        );
                        assert_eq!(got.always_intersect(), best > 0);
                        assert_eq!(
                            got.overlap_per_datacenter(),
                            &best_per[..],
                            "{rf:?} {read} {write}"
                        );
                    }
                }
            }
        }
    }
}

/// For tiny topologies, brute force over actual replica sets rather than counts.
#[test]
fn overlap_matches_brute_force_over_replica_sets() {
    for rf in [&[3][..], &[3, 2][..], &[2, 2, 1][..]] {
        let t = Topology::new(rf).unwrap();
        let n: usize = rf.iter().sum();
        let dc_of: Vec<usize> = rf
            .iter()
            .enumerate()
            .flat_map(|(d, &r)| std::iter::repeat_n(d, r))
            .collect();
        let counts = |m: u32| {
            let mut c = vec![0; rf.len()];
            for (i, &d) in dc_of.iter().enumerate() {
                if m & (1 << i) != 0 {
                    c[d] += 1;
                }
            }
            c
        };
        for read in ConsistencyLevel::ALL_LEVELS {
            for write in ConsistencyLevel::ALL_LEVELS {
                let (Ok(rq), Ok(wq)) = (t.requirement(read, 0), t.requirement(write, rf.len() - 1))
                else {
                    continue;
                };
                let sets: Vec<u32> = (0..1 << n).collect();
                let best = sets
                    .iter()
                    .filter(|&&a| wq.is_met_by(&counts(a)).unwrap())
                    .flat_map(|&a| {
                        sets.iter()
                            .filter(|&&b| rq.is_met_by(&counts(b)).unwrap())
                            .map(move |&b| (a & b).count_ones() as usize)
                    })
                    .min()
                    .unwrap();
                let got = t.analyze(read, 0, write, rf.len() - 1).unwrap();
                assert_eq!(got.min_overlap(), best, "{rf:?} {read} {write}");
            }
        }
    }
}

#[test]
fn datacenter_loss_matches_brute_force() {
    for rf in TOPOLOGIES {
        let t = Topology::new(rf).unwrap();
        let vectors = count_vectors(rf);
        for level in ConsistencyLevel::ALL_LEVELS {
            if t.requirement(level, 0).is_err() {
                assert!(t.survives_datacenter_loss(level).is_err());
                continue;
            }
            let survives = (0..rf.len()).all(|lost| {
                (0..rf.len()).filter(|&c| c != lost).any(|c| {
                    let req = t.requirement(level, c).unwrap();
                    vectors
                        .iter()
                        .any(|v| v[lost] == 0 && req.is_met_by(v).unwrap())
                })
            });
            assert_eq!(
                t.survives_datacenter_loss(level).unwrap(),
                survives,
                "{rf:?} {level}"
            );
        }
    }
}

#[test]
fn named_outcomes_per_topology() {
    let t3 = Topology::new(&[3]).unwrap();
    assert!(t3.analyze(Quorum, 0, Quorum, 0).unwrap().always_intersect());
    assert!(!t3.analyze(One, 0, One, 0).unwrap().always_intersect());
    assert!(!t3.survives_datacenter_loss(One).unwrap());

    let t33 = Topology::new(&[3, 3]).unwrap();
    assert!(
        t33.analyze(Quorum, 0, Quorum, 1)
            .unwrap()
            .always_intersect()
    );
    assert!(!t33.survives_datacenter_loss(Quorum).unwrap());
    assert!(t33.survives_datacenter_loss(LocalQuorum).unwrap());
    let local_pair = t33.analyze(LocalQuorum, 0, LocalQuorum, 0).unwrap();
    assert_eq!(
        (
            local_pair.min_overlap(),
            local_pair.overlap_per_datacenter()
        ),
        (1, &[1, 0][..])
    );
    assert!(
        !t33.analyze(LocalQuorum, 0, LocalQuorum, 1)
            .unwrap()
            .always_intersect()
    );
    // QUORUM (4 of 6) against LOCAL_QUORUM (2 of one datacenter's 3) may miss.
    assert!(
        !t33.analyze(LocalQuorum, 0, Quorum, 0)
            .unwrap()
            .always_intersect()
    );
    assert!(
        t33.analyze(LocalQuorum, 1, EachQuorum, 0)
            .unwrap()
            .always_intersect()
    );

    let t333 = Topology::new(&[3, 3, 3]).unwrap();
    assert_eq!(t333.requirement(Quorum, 0).unwrap().total(), 5);
    assert!(t333.survives_datacenter_loss(Quorum).unwrap());
    assert!(!t333.survives_datacenter_loss(EachQuorum).unwrap());
    assert!(!t333.survives_datacenter_loss(All).unwrap());
    assert!(
        t333.analyze(Quorum, 0, Quorum, 1)
            .unwrap()
            .always_intersect()
    );

    let t55 = Topology::new(&[5, 5]).unwrap();
    assert_eq!(t55.requirement(Quorum, 0).unwrap().total(), 6);
    assert_eq!(t55.analyze(Quorum, 0, Quorum, 1).unwrap().min_overlap(), 2);
    assert!(!t55.survives_datacenter_loss(Quorum).unwrap());
    assert!(t55.survives_datacenter_loss(Three).unwrap());

    let t32 = Topology::new(&[3, 2]).unwrap();
    assert_eq!(t32.requirement(Quorum, 0).unwrap().total(), 3);
    assert_eq!(
        t32.requirement(LocalQuorum, 1).unwrap().per_datacenter(),
        &[0, 2]
    );
    // Losing the RF-3 datacenter leaves 2 replicas: QUORUM (3) fails, TWO survives.
    assert!(!t32.is_available_without(Quorum, 1, 0).unwrap());
    assert!(t32.is_available_without(Quorum, 0, 1).unwrap());
    assert!(!t32.survives_datacenter_loss(Quorum).unwrap());
    assert!(t32.survives_datacenter_loss(Two).unwrap());
    assert!(!t32.survives_datacenter_loss(Three).unwrap());
}

#[test]
fn errors_and_names() {
    let t = Topology::new(&[3, 3]).unwrap();
    assert_eq!(
        t.requirement(One, 2),
        Err(LevelError::UnknownDatacenter {
            datacenter: 2,
            datacenters: 2
        })
    );
    assert!(t.is_available_without(One, 0, 5).is_err());
    assert_eq!(
        LevelError::Unachievable {
            level: Three,
            required: 3,
            replicas: 2
        }
        .to_string(),
        "consistency level THREE needs 3 replicas but only 2 exist"
    );
    for level in ConsistencyLevel::ALL_LEVELS {
        assert_eq!(level.to_string().parse::<ConsistencyLevel>(), Ok(level));
        assert_eq!(
            level.as_str().to_lowercase().parse::<ConsistencyLevel>(),
            Ok(level)
        );
    }
    assert!(Topology::new(&[usize::MAX, 1]).is_err());
}

#[cfg(feature = "serde")]
#[test]
fn serde_validates_topologies() {
    let t = Topology::new(&[3, 2]).unwrap();
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, "[3,2]");
    assert_eq!(serde_json::from_str::<Topology>(&json).unwrap(), t);
    assert!(serde_json::from_str::<Topology>("[3,0]").is_err());
    assert!(serde_json::from_str::<Topology>("[]").is_err());
    assert_eq!(
        serde_json::to_string(&LocalQuorum).unwrap(),
        "\"LOCAL_QUORUM\""
    );
}

#[test]
fn requirement_counts_never_wrap() {
    let t = Topology::new(&[3, 3]).unwrap();
    let quorum = t.requirement(ConsistencyLevel::Quorum, 0).unwrap();
    // usize::MAX + 1 would wrap to 0 replicas; such counts are rejected before any sum.
    assert_eq!(
        quorum.is_met_by(&[usize::MAX, 1]),
        Err(LevelError::TooManyInDatacenter {
            datacenter: 0,
            count: usize::MAX,
            replication_factor: 3
        })
    );
    assert_eq!(
        quorum.is_met_by(&[3]),
        Err(LevelError::CountsMismatch {
            given: 1,
            datacenters: 2
        })
    );
    assert_eq!(
        LevelError::TooManyInDatacenter {
            datacenter: 0,
            count: 4,
            replication_factor: 3
        }
        .to_string(),
        "4 replicas counted in datacenter 0, which holds only 3"
    );
    assert_eq!(quorum.is_met_by(&[3, 3]), Ok(true));
    assert_eq!(quorum.is_met_by(&[0, 0]), Ok(false));
}

/// A replica set cannot hold more replicas in a datacenter than its replication factor,
/// nor name datacenters the topology lacks: `[4, 0]` on RF `[3, 3]` used to meet QUORUM.
#[test]
fn regression_requirement_rejects_counts_beyond_a_datacenters_replicas() {
    let t = Topology::new(&[3, 3]).unwrap();
    let quorum = t.requirement(ConsistencyLevel::Quorum, 0).unwrap();
    for counts in [&[4, 0][..], &[3, 3, 1], &[usize::MAX, 1]] {
        let met = quorum.is_met_by(counts);
        assert!(
            format!("{met:?}").starts_with("Err("),
            "{counts:?}: {met:?}"
        );
    }
}

#[cfg(feature = "serde")]
#[test]
fn regression_serde_accepts_what_from_str_accepts_and_rejects_unknown_fields() {
    for level in ConsistencyLevel::ALL_LEVELS {
        let lower = format!("\"{}\"", level.as_str().to_lowercase());
        assert_eq!(
            serde_json::from_str::<ConsistencyLevel>(&lower).unwrap(),
            level
        );
    }
    assert!(serde_json::from_str::<ConsistencyLevel>("\"SOME\"").is_err());
    use ward_quorum::{FlexiblePaxos, QuorumConfig, WeightedVoting};
    assert!(serde_json::from_str::<QuorumConfig>(r#"{"n":3,"r":2,"w":2,"x":1}"#).is_err());
    assert!(serde_json::from_str::<FlexiblePaxos>(r#"{"n":4,"q1":3,"q2":2,"x":1}"#).is_err());
    assert!(
        serde_json::from_str::<WeightedVoting>(r#"{"votes":[1,1,1],"r":2,"w":2,"x":1}"#).is_err()
    );
    // The vote total is derived, so it is neither written nor accepted.
    let wv = WeightedVoting::new(vec![1, 1, 1], 2, 2).unwrap();
    let json = serde_json::to_string(&wv).unwrap();
    assert_eq!(json, r#"{"votes":[1,1,1],"r":2,"w":2}"#);
    assert_eq!(serde_json::from_str::<WeightedVoting>(&json).unwrap(), wv);
    assert!(
        serde_json::from_str::<WeightedVoting>(r#"{"votes":[1,1,1],"total":3,"r":2,"w":2}"#)
            .is_err()
    );
    assert!(serde_json::from_str::<ConsistencyLevel>("3").is_err());
}

/// A read at `EACH_QUORUM` needs every datacenter, so it does not survive losing one (the
/// write at `ONE` does); a global quorum over three equal datacenters does.
#[test]
fn read_survival_of_a_datacenter_loss_depends_on_the_level() {
    let t = Topology::new(&[3, 3]).unwrap();
    let each = t.analyze(EachQuorum, 0, One, 0).unwrap();
    assert!(!each.read_survives_datacenter_loss());
    assert!(each.write_survives_datacenter_loss());
    let t = Topology::new(&[3, 3, 3]).unwrap();
    assert!(
        t.analyze(Quorum, 0, Quorum, 0)
            .unwrap()
            .read_survives_datacenter_loss()
    );
}
