//! Correlated failures against brute force: every up/down state of every domain.

#![cfg(feature = "std")]

use proptest::prelude::*;
use ward_quorum::domains::{Domain, DomainError, FailureDomains, Need};
use ward_quorum::levels::{ConsistencyLevel, Topology};
use ward_quorum::{FlexiblePaxos, QuorumConfig};

/// A placement as nested failure probabilities: datacenter → racks → nodes.
type Shape = Vec<(f64, Vec<(f64, Vec<f64>)>)>;

fn build(shape: &Shape) -> FailureDomains {
    let mut d = FailureDomains::new();
    for (dc, (p, racks)) in shape.iter().enumerate() {
        d.add_datacenter(*p).unwrap();
        for (rack, (p, nodes)) in racks.iter().enumerate() {
            d.add_rack(dc, *p).unwrap();
            for p in nodes {
                d.add_node(dc, rack, *p).unwrap();
            }
        }
    }
    d
}

/// Every state of every domain: its probability and the replicas up per datacenter.
fn states(shape: &Shape) -> Vec<(f64, Vec<usize>)> {
    let mut probs = Vec::new();
    for (p, racks) in shape {
        probs.push(*p);
        for (p, nodes) in racks {
            probs.push(*p);
            probs.extend(nodes);
        }
    }
    let mut out = Vec::new();
    for mask in 0_u32..1 << probs.len() {
        let down = |i: usize| mask >> i & 1 == 1;
        let prob: f64 = (0..probs.len())
            .map(|i| if down(i) { probs[i] } else { 1.0 - probs[i] })
            .product();
        let mut i = 0;
        let mut up = Vec::new();
        for (_, racks) in shape {
            let dc_down = down(i);
            i += 1;
            let mut count = 0;
            for (_, nodes) in racks {
                let rack_down = down(i);
                i += 1;
                for _ in nodes {
                    count += usize::from(!dc_down && !rack_down && !down(i));
                    i += 1;
                }
            }
            up.push(count);
        }
        out.push((prob, up));
    }
    out
}

fn needs(d: &FailureDomains) -> Vec<Need> {
    let mut out: Vec<Need> = (1..=d.replicas()).map(Need::Replicas).collect();
    for level in ConsistencyLevel::ALL_LEVELS {
        for coordinator in 0..d.replicas_per_datacenter().len() {
            out.push(Need::Level { level, coordinator });
        }
    }
    out
}

/// Whether `up` (replicas up per datacenter) meets `need`; `None` if `need` is invalid.
fn meets(d: &FailureDomains, need: Need, up: &[usize]) -> Option<bool> {
    match need {
        Need::Replicas(q) => Some(up.iter().sum::<usize>() >= q),
        Need::Level { level, coordinator } => {
            let t = Topology::new(&d.replicas_per_datacenter()).ok()?;
            let r = t.requirement(level, coordinator).ok()?;
            Some(r.is_met_by(up).unwrap())
        }
    }
}

fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), Just(0.5), Just(1e-9), 0.0..1.0_f64]
}

fn shape() -> impl Strategy<Value = Shape> {
    let rack = (probability(), prop::collection::vec(probability(), 0..=2));
    let dc = (probability(), prop::collection::vec(rack, 1..=2));
    prop::collection::vec(dc, 1..=2)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_availability_matches_enumeration(shape in shape()) {
        let d = build(&shape);
        let all = states(&shape);
        for need in needs(&d) {
            let got = d.availability(need);
            let mut available = 0.0;
            let mut unavailable = 0.0;
            let mut valid = true;
            for (p, up) in &all {
                match meets(&d, need, up) {
                    Some(true) => available += p,
                    Some(false) => unavailable += p,
                    None => valid = false,
                }
            }
            if !valid {
                prop_assert!(got.is_err(), "{need:?}: {got:?}");
                continue;
            }
            let got = got.unwrap();
            prop_assert!((got.available - available).abs() < 1e-12, "{need:?}: {got:?} vs {available}");
            prop_assert!((got.unavailable - unavailable).abs() < 1e-12, "{need:?}: {got:?} vs {unavailable}");
            prop_assert!((got.available + got.unavailable - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn prop_single_losses_match_enumeration(shape in shape()) {
        let d = build(&shape);
        let domains = d.domains();
        for need in needs(&d) {
            let Ok(fatal) = d.fatal_losses(need) else {
                prop_assert!(meets(&d, need, &d.replicas_per_datacenter()).is_none());
                continue;
            };
            for (i, &domain) in domains.iter().enumerate() {
                // The state with exactly this domain down, computed by the enumeration.
                let mut zero: Shape = shape
                    .iter()
                    .map(|(_, racks)| {
                        (0.0, racks.iter().map(|(_, n)| (0.0, vec![0.0; n.len()])).collect())
                    })
                    .collect();
                let mut k = 0;
                for dc in zero.iter_mut() {
                    if k == i { dc.0 = 1.0; }
                    k += 1;
                    for rack in dc.1.iter_mut() {
                        if k == i { rack.0 = 1.0; }
                        k += 1;
                        for node in rack.1.iter_mut() {
                            if k == i { *node = 1.0; }
                            k += 1;
                        }
                    }
                }
                let state = states(&zero).into_iter().find(|(p, _)| *p == 1.0).unwrap().1;
                let survives = meets(&d, need, &state).unwrap();
                prop_assert_eq!(d.survives(need, &[domain]).unwrap(), survives);
                prop_assert_eq!(fatal.contains(&domain), !survives, "{:?} {:?}", need, domain);
            }
        }
    }
}

/// The datacenter-loss analysis of `levels` and the failure-domain view agree.
#[test]
fn datacenter_losses_agree_with_the_topology_analysis() {
    for rf in [&[3, 3][..], &[3, 3, 3], &[5, 5], &[3, 2], &[3]] {
        let mut d = FailureDomains::new();
        for (dc, &n) in rf.iter().enumerate() {
            d.add_datacenter(0.0).unwrap();
            d.add_rack(dc, 0.0).unwrap();
            for _ in 0..n {
                d.add_node(dc, 0, 0.0).unwrap();
            }
        }
        let t = Topology::new(rf).unwrap();
        for level in [
            ConsistencyLevel::Quorum,
            ConsistencyLevel::EachQuorum,
            ConsistencyLevel::All,
        ] {
            let need = Need::Level {
                level,
                coordinator: 0,
            };
            let every_dc =
                (0..rf.len()).all(|dc| d.survives(need, &[Domain::Datacenter(dc)]).unwrap());
            assert_eq!(
                every_dc,
                t.survives_datacenter_loss(level).unwrap(),
                "{rf:?} {level}"
            );
        }
    }
}

/// Closed forms: independent nodes reduce to the binomial; a rack failure to a mixture.
#[test]
fn closed_forms() {
    // Five independent nodes, p = 0.01: majority unavailability Σ_{k≥3} C(5,k) p^k q^(5−k).
    let d = FailureDomains::uniform(1, 5, 1, [0.0, 0.0, 0.01]).unwrap();
    let (p, q) = (0.01_f64, 0.99_f64);
    let down3 = 10.0 * p.powi(3) * q * q + 5.0 * p.powi(4) * q + p.powi(5);
    let m = d.majority().unwrap();
    assert!((m.unavailable - down3).abs() < 1e-18, "{m:?}");
    let independent = QuorumConfig::majority(5)
        .unwrap()
        .availability(0.01)
        .unwrap();
    assert!((independent.write - m.available).abs() < 1e-15);
    // The same five nodes on one rack failing with 1e-3: unavailability ≈ 1e-3 + down3.
    let racked = FailureDomains::uniform(1, 1, 5, [0.0, 1e-3, 0.01]).unwrap();
    let m = racked.majority().unwrap();
    assert!((m.unavailable - (1e-3 + (1.0 - 1e-3) * down3)).abs() < 1e-18);
    // Tiny unavailability keeps its digits: three datacenters failing with 1e-9 each.
    let d = FailureDomains::uniform(3, 1, 1, [1e-9, 0.0, 0.0]).unwrap();
    let m = d.majority().unwrap();
    let expected = 3.0 * 1e-18 * (1.0 - 1e-9) + 1e-27;
    assert!((m.unavailable / expected - 1.0).abs() < 1e-12, "{m:?}");
    // Flexible Paxos and R/W on 4 coin-flip nodes.
    let d = FailureDomains::uniform(1, 1, 4, [0.0, 0.0, 0.5]).unwrap();
    let p = d
        .flexible_paxos(&FlexiblePaxos::new(4, 3, 2).unwrap())
        .unwrap();
    assert_eq!(
        (p.phase1.available, p.phase2.available),
        (5.0 / 16.0, 11.0 / 16.0)
    );
    let [r, w] = d
        .quorum_config(&QuorumConfig::new(4, 1, 4).unwrap())
        .unwrap();
    assert_eq!((r.unavailable, w.available), (1.0 / 16.0, 1.0 / 16.0));
}

#[test]
fn bad_input_is_an_error() {
    let mut d = FailureDomains::new();
    for p in [-0.1, 1.1, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            d.add_datacenter(p),
            Err(DomainError::InvalidProbability { .. })
        ));
    }
    assert_eq!(
        d.availability(Need::Replicas(1)),
        Err(DomainError::QuorumOutOfRange { q: 1, replicas: 0 })
    );
    assert!(d.majority().is_err());
    d.add_datacenter(0.0).unwrap();
    d.add_rack(0, 0.0).unwrap();
    d.add_node(0, 0, 0.1).unwrap();
    d.add_datacenter(0.0).unwrap();
    // Datacenter 1 holds no replica: no consistency-level topology.
    let level = Need::Level {
        level: ConsistencyLevel::One,
        coordinator: 0,
    };
    assert!(matches!(
        d.availability(level),
        Err(DomainError::Topology(_))
    ));
    assert!(d.fatal_losses(level).is_err());
    assert_eq!(
        d.quorum_config(&QuorumConfig::new(3, 2, 2).unwrap()),
        Err(DomainError::WrongReplicaCount { n: 3, replicas: 1 })
    );
    let ghost = Domain::Node {
        datacenter: 0,
        rack: 0,
        node: 5,
    };
    assert_eq!(
        d.survives(Need::Replicas(1), &[ghost]),
        Err(DomainError::UnknownDomain { domain: ghost })
    );
    assert!(d.availability(Need::Replicas(0)).is_err());
    assert!(d.availability(Need::Replicas(2)).is_err());
    assert_eq!(
        DomainError::QuorumOutOfRange { q: 4, replicas: 3 }.to_string(),
        "quorum 4 is outside 1..=3"
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<FailureDomains>();
    check::<Domain>();
    check::<DomainError>();
    check::<Need>();
}

/// A datacenter contains itself and nothing of another datacenter.
#[test]
fn a_datacenter_contains_itself_only_among_datacenters() {
    assert!(Domain::Datacenter(1).contains(Domain::Datacenter(1)));
    assert!(!Domain::Datacenter(1).contains(Domain::Datacenter(2)));
    assert!(!Domain::Datacenter(1).contains(Domain::Rack {
        datacenter: 2,
        rack: 0
    }));
}

/// The two modules answer different questions when the coordinator's own datacenter is
/// lost, and the documentation says which: failure domains let a client fail over to a
/// coordinator elsewhere, `Topology::is_available_without` keeps it where it is.
#[test]
fn a_lost_coordinator_datacenter_is_a_failover_here_and_fatal_in_levels() {
    let d = FailureDomains::uniform(3, 1, 1, [0.0; 3]).unwrap();
    let quorum = Need::Level {
        level: ConsistencyLevel::Quorum,
        coordinator: 0,
    };
    assert!(d.survives(quorum, &[Domain::Datacenter(0)]).unwrap());
    let t = Topology::new(&[1, 1, 1]).unwrap();
    assert!(
        !t.is_available_without(ConsistencyLevel::Quorum, 0, 0)
            .unwrap()
    );
    assert!(
        t.is_available_without(ConsistencyLevel::Quorum, 1, 0)
            .unwrap()
    );
}
