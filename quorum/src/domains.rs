//! Correlated failures: replicas placed in failure domains.
//!
//! Independent node failures understate what takes quorums down: a rack switch, a power
//! feed or a whole datacenter fails and takes every replica inside with it. Here each
//! **datacenter**, each **rack** in it and each **node** (one replica) in a rack fails
//! independently with its own probability, and a replica is up only if its node, its rack
//! and its datacenter are all up. That gives
//!
//! * the probability that a quorum can be formed ([`FailureDomains::availability`]) for a
//!   replica count (majority, `R`, `W`, Flexible Paxos phases) or a Cassandra consistency
//!   level, with the probability of the opposite computed separately so that tiny
//!   unavailabilities keep their digits;
//! * which losses a configuration survives ([`FailureDomains::survives`]) and which single
//!   domains are fatal ([`FailureDomains::fatal_losses`]).
//!
//! The number of replicas up is computed exactly, domain by domain: a rack's distribution
//! is the Poisson-binomial of its nodes, kept with probability `1 − p_rack` (else all
//! zero); a datacenter convolves its racks the same way. Consistency levels combine the
//! datacenters' distributions under the level's per-datacenter minima. Every step adds and
//! multiplies non-negative numbers, so the result is accurate to a few ulps relative to
//! itself; the cost is `O(n²)` for `n` replicas.

use alloc::vec;
use alloc::vec::Vec;

use crate::config::{FlexiblePaxos, QuorumConfig, majority};
use crate::levels::{ConsistencyLevel, LevelError, Topology, TopologyError};

/// A datacenter, a rack in one, or a node in a rack.
///
/// # Examples
///
/// ```
/// use ward_quorum::domains::Domain;
///
/// let node = Domain::Node { datacenter: 0, rack: 1, node: 2 };
/// assert!(node.contains(node) && Domain::Datacenter(0).contains(node));
/// assert!(!Domain::Rack { datacenter: 0, rack: 0 }.contains(node));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    /// Datacenter `i` and everything in it.
    Datacenter(usize),
    /// A rack and its nodes.
    Rack {
        /// The datacenter's index.
        datacenter: usize,
        /// The rack's index within the datacenter.
        rack: usize,
    },
    /// One node, holding one replica.
    Node {
        /// The datacenter's index.
        datacenter: usize,
        /// The rack's index within the datacenter.
        rack: usize,
        /// The node's index within the rack.
        node: usize,
    },
}

impl Domain {
    /// Whether `other` is this domain or inside it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::Domain;
    ///
    /// let rack = Domain::Rack { datacenter: 1, rack: 0 };
    /// assert!(Domain::Datacenter(1).contains(rack));
    /// assert!(!rack.contains(Domain::Datacenter(1)));
    /// ```
    pub fn contains(self, other: Self) -> bool {
        match (self, other) {
            (Self::Datacenter(a), Self::Datacenter(b)) => a == b,
            (
                Self::Datacenter(a),
                Self::Rack { datacenter, .. } | Self::Node { datacenter, .. },
            ) => a == datacenter,
            (
                Self::Rack { datacenter, rack },
                Self::Rack {
                    datacenter: d,
                    rack: r,
                }
                | Self::Node {
                    datacenter: d,
                    rack: r,
                    ..
                },
            ) => datacenter == d && rack == r,
            (Self::Node { .. }, Self::Node { .. }) => self == other,
            _ => false,
        }
    }
}

/// Why a failure-domain question was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::domains::{DomainError, FailureDomains};
///
/// let mut d = FailureDomains::new();
/// assert_eq!(
///     d.add_rack(0, 0.01),
///     Err(DomainError::UnknownDomain { domain: ward_quorum::domains::Domain::Datacenter(0) })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// A failure probability is NaN or outside `[0, 1]`.
    #[error("failure probability {p} of {domain:?} is not in [0, 1]")]
    InvalidProbability {
        /// The domain it was given for.
        domain: Domain,
        /// The value given.
        p: f64,
    },
    /// The domain does not exist.
    #[error("{domain:?} does not exist")]
    UnknownDomain {
        /// The domain named.
        domain: Domain,
    },
    /// A replica count is zero or above the number of replicas.
    #[error("quorum {q} is outside 1..={replicas}")]
    QuorumOutOfRange {
        /// The quorum size asked for.
        q: usize,
        /// Replicas placed.
        replicas: usize,
    },
    /// A quorum configuration is for another number of replicas than are placed.
    #[error("the configuration has {n} replicas but {replicas} are placed")]
    WrongReplicaCount {
        /// The configuration's `N`.
        n: usize,
        /// Replicas placed.
        replicas: usize,
    },
    /// The placement is not a valid consistency-level topology (a datacenter holds no
    /// replica, or there is none).
    #[error("placement is not a topology: {0}")]
    Topology(TopologyError),
    /// The consistency level cannot be evaluated on this placement.
    #[error("{0}")]
    Level(LevelError),
}

/// What must be up: a number of replicas anywhere, or a consistency level.
///
/// # Examples
///
/// ```
/// use ward_quorum::domains::Need;
/// use ward_quorum::levels::ConsistencyLevel;
///
/// let any_two = Need::Replicas(2);
/// let local = Need::Level { level: ConsistencyLevel::LocalQuorum, coordinator: 0 };
/// assert_ne!(any_two, local);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Need {
    /// At least this many replicas, in any domains (a majority, `R`, `W`, a Paxos phase).
    Replicas(usize),
    /// A Cassandra consistency level, with the coordinator in datacenter `coordinator`
    /// (each datacenter's replication factor is its number of nodes).
    ///
    /// The coordinator's datacenter decides what the `LOCAL_*` and `EACH_*` levels ask
    /// of each datacenter; it is not itself required to survive. For a level that asks
    /// nothing of it (`QUORUM`, `ONE`, ...) a loss of that whole datacenter is survived
    /// when the other replicas suffice: the client is taken to fail over to a
    /// coordinator elsewhere. [`Topology::is_available_without`](crate::levels::Topology::is_available_without)
    /// keeps the coordinator where it is instead, and counts its datacenter's loss as
    /// fatal.
    Level {
        /// The level.
        level: ConsistencyLevel,
        /// The coordinator's datacenter.
        coordinator: usize,
    },
}

/// The probability that a quorum can be formed, and that it cannot, each computed on its
/// own (so `unavailable` keeps its precision when it is `1e-15`).
///
/// # Examples
///
/// ```
/// use ward_quorum::domains::{FailureDomains, Need};
///
/// let d = FailureDomains::uniform(1, 1, 3, [0.0, 0.0, 0.1])?;
/// let a = d.availability(Need::Replicas(3))?;
/// assert!((a.available - 0.729).abs() < 1e-12 && (a.unavailable - 0.271).abs() < 1e-12);
/// # Ok::<(), ward_quorum::domains::DomainError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Split {
    /// Probability that enough replicas are up.
    pub available: f64,
    /// Probability that they are not.
    pub unavailable: f64,
}

/// Availability of both phases of a Flexible Paxos configuration.
///
/// # Examples
///
/// ```
/// use ward_quorum::FlexiblePaxos;
/// use ward_quorum::domains::FailureDomains;
///
/// let d = FailureDomains::uniform(1, 1, 5, [0.0, 0.0, 0.1])?;
/// let p = d.flexible_paxos(&FlexiblePaxos::new(5, 4, 2)?)?;
/// assert!(p.phase2.available > p.phase1.available);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PhaseAvailability {
    /// Leader election (phase 1, quorums of `Q1`).
    pub phase1: Split,
    /// Replication (phase 2, quorums of `Q2`).
    pub phase2: Split,
}

#[derive(Debug, Clone, PartialEq)]
struct Rack {
    p: f64,
    nodes: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Datacenter {
    p: f64,
    racks: Vec<Rack>,
}

/// Datacenters, racks and nodes, each with its own failure probability; one replica per
/// node.
///
/// # Examples
///
/// ```
/// use ward_quorum::domains::{FailureDomains, Need};
///
/// // Three racks of one node each, racks failing with 1 % and nodes with 0.1 %.
/// let d = FailureDomains::uniform(1, 3, 1, [0.0, 0.01, 0.001])?;
/// let down: f64 = 0.01 + 0.99 * 0.001; // a replica is down if its rack or its node is
/// let majority = d.availability(Need::Replicas(2))?;
/// assert!((majority.unavailable - (3.0 * down * down * (1.0 - down) + down.powi(3))).abs() < 1e-15);
/// # Ok::<(), ward_quorum::domains::DomainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FailureDomains {
    dcs: Vec<Datacenter>,
}

fn check(domain: Domain, p: f64) -> Result<f64, DomainError> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(DomainError::InvalidProbability { domain, p })
    }
}

/// `a ⊛ b`: the distribution of the sum of two independent counts.
fn convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        if x == 0.0 {
            continue;
        }
        for (j, &y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// A domain that is up with probability `1 − p` and then has `inner` replicas up: the
/// mixture with "all down" (count 0).
fn gate(p: f64, mut inner: Vec<f64>) -> Vec<f64> {
    for x in &mut inner {
        *x *= 1.0 - p;
    }
    inner[0] += p;
    inner
}

impl FailureDomains {
    /// An empty placement.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// assert_eq!(FailureDomains::new().replicas(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// `datacenters × racks × nodes` replicas, with failure probabilities
    /// `[datacenter, rack, node]` for every domain of that kind.
    ///
    /// # Errors
    ///
    /// [`DomainError::InvalidProbability`] for a probability outside `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// let d = FailureDomains::uniform(2, 3, 2, [0.001, 0.01, 0.02])?;
    /// assert_eq!(d.replicas(), 12);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn uniform(
        datacenters: usize,
        racks: usize,
        nodes: usize,
        p: [f64; 3],
    ) -> Result<Self, DomainError> {
        let mut d = Self::new();
        for dc in 0..datacenters {
            d.add_datacenter(p[0])?;
            for rack in 0..racks {
                d.add_rack(dc, p[1])?;
                for _ in 0..nodes {
                    d.add_node(dc, rack, p[2])?;
                }
            }
        }
        Ok(d)
    }

    /// Adds a datacenter failing with probability `p`; returns its index.
    ///
    /// # Errors
    ///
    /// [`DomainError::InvalidProbability`] unless `p` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// let mut d = FailureDomains::new();
    /// assert_eq!(d.add_datacenter(0.001)?, 0);
    /// assert!(d.add_datacenter(f64::NAN).is_err());
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn add_datacenter(&mut self, p: f64) -> Result<usize, DomainError> {
        let index = self.dcs.len();
        let p = check(Domain::Datacenter(index), p)?;
        self.dcs.push(Datacenter {
            p,
            racks: Vec::new(),
        });
        Ok(index)
    }

    /// Adds a rack failing with probability `p` to datacenter `datacenter`; returns its
    /// index within the datacenter.
    ///
    /// # Errors
    ///
    /// [`DomainError::UnknownDomain`] for a datacenter that does not exist;
    /// [`DomainError::InvalidProbability`] unless `p` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// let mut d = FailureDomains::new();
    /// let dc = d.add_datacenter(0.0)?;
    /// assert_eq!(d.add_rack(dc, 0.01)?, 0);
    /// assert_eq!(d.add_rack(dc, 0.01)?, 1);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn add_rack(&mut self, datacenter: usize, p: f64) -> Result<usize, DomainError> {
        let dc = self
            .dcs
            .get_mut(datacenter)
            .ok_or(DomainError::UnknownDomain {
                domain: Domain::Datacenter(datacenter),
            })?;
        let rack = dc.racks.len();
        let p = check(Domain::Rack { datacenter, rack }, p)?;
        dc.racks.push(Rack {
            p,
            nodes: Vec::new(),
        });
        Ok(rack)
    }

    /// Adds a node (one replica) failing with probability `p` to a rack; returns its index
    /// within the rack.
    ///
    /// # Errors
    ///
    /// [`DomainError::UnknownDomain`] for a rack that does not exist;
    /// [`DomainError::InvalidProbability`] unless `p` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// let mut d = FailureDomains::new();
    /// d.add_datacenter(0.0)?;
    /// d.add_rack(0, 0.0)?;
    /// assert_eq!(d.add_node(0, 0, 0.02)?, 0);
    /// assert!(d.add_node(0, 1, 0.02).is_err());
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn add_node(
        &mut self,
        datacenter: usize,
        rack: usize,
        p: f64,
    ) -> Result<usize, DomainError> {
        let r = self
            .dcs
            .get_mut(datacenter)
            .and_then(|dc| dc.racks.get_mut(rack))
            .ok_or(DomainError::UnknownDomain {
                domain: Domain::Rack { datacenter, rack },
            })?;
        let node = r.nodes.len();
        let p = check(
            Domain::Node {
                datacenter,
                rack,
                node,
            },
            p,
        )?;
        r.nodes.push(p);
        Ok(node)
    }

    /// Replicas placed (one per node).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// assert_eq!(FailureDomains::uniform(3, 2, 2, [0.0; 3])?.replicas(), 12);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn replicas(&self) -> usize {
        self.replicas_per_datacenter().iter().sum()
    }

    /// Replicas (nodes) in each datacenter: the replication factors of the consistency
    /// levels.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// assert_eq!(FailureDomains::uniform(2, 3, 1, [0.0; 3])?.replicas_per_datacenter(), [3, 3]);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn replicas_per_datacenter(&self) -> Vec<usize> {
        self.dcs
            .iter()
            .map(|dc| dc.racks.iter().map(|r| r.nodes.len()).sum())
            .collect()
    }

    /// Every domain: datacenters, racks and nodes, in that order within each datacenter.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::{Domain, FailureDomains};
    ///
    /// let d = FailureDomains::uniform(1, 1, 2, [0.0; 3])?;
    /// assert_eq!(d.domains().len(), 4);
    /// assert_eq!(d.domains()[1], Domain::Rack { datacenter: 0, rack: 0 });
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn domains(&self) -> Vec<Domain> {
        let mut out = Vec::new();
        for (datacenter, dc) in self.dcs.iter().enumerate() {
            out.push(Domain::Datacenter(datacenter));
            for (rack, r) in dc.racks.iter().enumerate() {
                out.push(Domain::Rack { datacenter, rack });
                out.extend((0..r.nodes.len()).map(|node| Domain::Node {
                    datacenter,
                    rack,
                    node,
                }));
            }
        }
        out
    }

    /// The distribution of the number of replicas up in each datacenter.
    fn per_datacenter(&self) -> Vec<Vec<f64>> {
        self.dcs
            .iter()
            .map(|dc| {
                let mut inside = vec![1.0];
                for rack in &dc.racks {
                    let mut nodes = vec![1.0];
                    for &p in &rack.nodes {
                        nodes = convolve(&nodes, &[p, 1.0 - p]);
                    }
                    inside = convolve(&inside, &gate(rack.p, nodes));
                }
                gate(dc.p, inside)
            })
            .collect()
    }

    fn check_replicas(&self, q: usize) -> Result<usize, DomainError> {
        let replicas = self.replicas();
        if q == 0 || q > replicas {
            Err(DomainError::QuorumOutOfRange { q, replicas })
        } else {
            Ok(q)
        }
    }

    fn topology(&self) -> Result<Topology, DomainError> {
        Topology::new(&self.replicas_per_datacenter()).map_err(DomainError::Topology)
    }

    /// The probability that `need` can be met, and that it cannot.
    ///
    /// # Errors
    ///
    /// [`DomainError::QuorumOutOfRange`] for a replica count outside `1..=replicas`;
    /// for a level, [`DomainError::Topology`] when a datacenter holds no replica (or there
    /// is none) and [`DomainError::Level`] for an unknown coordinator or a level that
    /// needs more replicas than exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::{FailureDomains, Need};
    /// use ward_quorum::levels::ConsistencyLevel::*;
    ///
    /// // Two datacenters of three racks of one node; a datacenter fails with 0.1 %.
    /// let d = FailureDomains::uniform(2, 3, 1, [0.001, 0.0, 0.0])?;
    /// let quorum = d.availability(Need::Level { level: Quorum, coordinator: 0 })?;
    /// let local = d.availability(Need::Level { level: LocalQuorum, coordinator: 0 })?;
    /// // QUORUM (4 of 6) needs both datacenters; LOCAL_QUORUM only the local one.
    /// assert!((quorum.unavailable - (1.0 - 0.999 * 0.999)).abs() < 1e-15);
    /// assert!((local.unavailable - 0.001).abs() < 1e-15);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn availability(&self, need: Need) -> Result<Split, DomainError> {
        let per_dc = self.per_datacenter();
        let (minima, total) = match need {
            Need::Replicas(q) => (vec![0; per_dc.len()], self.check_replicas(q)?),
            Need::Level { level, coordinator } => {
                let r = self
                    .topology()?
                    .requirement(level, coordinator)
                    .map_err(DomainError::Level)?;
                (r.per_datacenter().to_vec(), r.total())
            }
        };
        // `ok[k]`: every datacenter so far met its minimum and `k` replicas are up in
        // them; `failed`: some datacenter so far missed its minimum.
        let mut ok = vec![1.0];
        let mut failed = 0.0;
        for (dist, &min) in per_dc.iter().zip(&minima) {
            let below: f64 = dist[..min.min(dist.len())].iter().sum();
            failed += ok.iter().sum::<f64>() * below;
            let mut kept = dist.clone();
            for x in kept.iter_mut().take(min) {
                *x = 0.0;
            }
            ok = convolve(&ok, &kept);
        }
        let total = total.min(ok.len());
        Ok(Split {
            available: ok[total..].iter().sum::<f64>().min(1.0),
            unavailable: (failed + ok[..total].iter().sum::<f64>()).min(1.0),
        })
    }

    /// Read and write availability of `config`, whose `N` must be the number of replicas
    /// placed.
    ///
    /// # Errors
    ///
    /// [`DomainError::WrongReplicaCount`] when `N` differs from [`FailureDomains::replicas`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// // Nine replicas on three racks: a rack failure (1 %) takes three at once.
    /// let racked = FailureDomains::uniform(1, 3, 3, [0.0, 0.01, 0.0])?;
    /// let [read, write] = racked.quorum_config(&QuorumConfig::new(9, 3, 7)?)?;
    /// assert!((read.unavailable - 1e-6).abs() < 1e-18); // all three racks down
    /// assert!(write.unavailable > 0.029); // any rack down
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn quorum_config(&self, config: &QuorumConfig) -> Result<[Split; 2], DomainError> {
        self.check_n(config.n())?;
        Ok([
            self.availability(Need::Replicas(config.r()))?,
            self.availability(Need::Replicas(config.w()))?,
        ])
    }

    /// Availability of a majority of the replicas placed.
    ///
    /// # Errors
    ///
    /// [`DomainError::QuorumOutOfRange`] when no replica is placed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// // Five replicas in one datacenter that fails with 0.1 %: never better than 99.9 %.
    /// let d = FailureDomains::uniform(1, 5, 1, [0.001, 0.0, 0.0])?;
    /// assert!((d.majority()?.unavailable - 0.001).abs() < 1e-15);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn majority(&self) -> Result<Split, DomainError> {
        self.availability(Need::Replicas(majority(self.replicas())))
    }

    /// Availability of both phases of `paxos`, whose `N` must be the number of replicas
    /// placed.
    ///
    /// # Errors
    ///
    /// [`DomainError::WrongReplicaCount`] when `N` differs from [`FailureDomains::replicas`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::FlexiblePaxos;
    /// use ward_quorum::domains::FailureDomains;
    ///
    /// let d = FailureDomains::uniform(1, 1, 4, [0.0, 0.0, 0.5])?;
    /// let p = d.flexible_paxos(&FlexiblePaxos::new(4, 3, 2)?)?;
    /// assert_eq!(p.phase1.available, 5.0 / 16.0);
    /// assert_eq!(p.phase2.available, 11.0 / 16.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flexible_paxos(&self, paxos: &FlexiblePaxos) -> Result<PhaseAvailability, DomainError> {
        self.check_n(paxos.n())?;
        Ok(PhaseAvailability {
            phase1: self.availability(Need::Replicas(paxos.phase1()))?,
            phase2: self.availability(Need::Replicas(paxos.phase2()))?,
        })
    }

    fn check_n(&self, n: usize) -> Result<(), DomainError> {
        let replicas = self.replicas();
        if n == replicas {
            Ok(())
        } else {
            Err(DomainError::WrongReplicaCount { n, replicas })
        }
    }

    fn check_domain(&self, domain: Domain) -> Result<(), DomainError> {
        let exists = match domain {
            Domain::Datacenter(d) => d < self.dcs.len(),
            Domain::Rack { datacenter, rack } => self
                .dcs
                .get(datacenter)
                .is_some_and(|dc| rack < dc.racks.len()),
            Domain::Node {
                datacenter,
                rack,
                node,
            } => self
                .dcs
                .get(datacenter)
                .and_then(|dc| dc.racks.get(rack))
                .is_some_and(|r| node < r.nodes.len()),
        };
        if exists {
            Ok(())
        } else {
            Err(DomainError::UnknownDomain { domain })
        }
    }

    /// Whether `need` can still be met when every domain in `lost` (and everything inside
    /// it) is down and every other domain is up.
    ///
    /// # Errors
    ///
    /// [`DomainError::UnknownDomain`] for a lost domain that does not exist; otherwise as
    /// [`FailureDomains::availability`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::{Domain, FailureDomains, Need};
    /// use ward_quorum::levels::ConsistencyLevel::*;
    ///
    /// // Three datacenters with three single-node racks each (RF 3 × 3).
    /// let d = FailureDomains::uniform(3, 3, 1, [0.0; 3])?;
    /// let quorum = Need::Level { level: Quorum, coordinator: 0 };
    /// assert!(d.survives(quorum, &[Domain::Datacenter(2)])?);
    /// let rack = |dc, rack| Domain::Rack { datacenter: dc, rack };
    /// // QUORUM is 5 of 9: a datacenter and one more rack leave 5, a second rack 4.
    /// assert!(d.survives(quorum, &[Domain::Datacenter(2), rack(1, 0)])?);
    /// assert!(!d.survives(quorum, &[Domain::Datacenter(2), rack(1, 0), rack(0, 2)])?);
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn survives(&self, need: Need, lost: &[Domain]) -> Result<bool, DomainError> {
        for &domain in lost {
            self.check_domain(domain)?;
        }
        let up: Vec<usize> = self
            .dcs
            .iter()
            .enumerate()
            .map(|(datacenter, dc)| {
                let mut up = 0;
                for (rack, r) in dc.racks.iter().enumerate() {
                    for node in 0..r.nodes.len() {
                        let here = Domain::Node {
                            datacenter,
                            rack,
                            node,
                        };
                        up += usize::from(!lost.iter().any(|l| l.contains(here)));
                    }
                }
                up
            })
            .collect();
        match need {
            Need::Replicas(q) => Ok(up.iter().sum::<usize>() >= self.check_replicas(q)?),
            Need::Level { level, coordinator } => self
                .topology()?
                .requirement(level, coordinator)
                .and_then(|r| r.is_met_by(&up))
                .map_err(DomainError::Level),
        }
    }

    /// The single domains whose loss alone (everything else up) makes `need` impossible,
    /// in the order of [`FailureDomains::domains`].
    ///
    /// # Errors
    ///
    /// As [`FailureDomains::availability`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::domains::{Domain, FailureDomains, Need};
    /// use ward_quorum::levels::ConsistencyLevel::*;
    ///
    /// let d = FailureDomains::uniform(2, 3, 1, [0.0; 3])?;
    /// // QUORUM over RF 3 + 3 needs 4 replicas: either datacenter is a single point of failure.
    /// let fatal = d.fatal_losses(Need::Level { level: Quorum, coordinator: 0 })?;
    /// assert_eq!(fatal, [Domain::Datacenter(0), Domain::Datacenter(1)]);
    /// assert!(d.fatal_losses(Need::Replicas(3))?.is_empty());
    /// # Ok::<(), ward_quorum::domains::DomainError>(())
    /// ```
    pub fn fatal_losses(&self, need: Need) -> Result<Vec<Domain>, DomainError> {
        // Validates `need` even when there is no domain to try.
        self.survives(need, &[])?;
        let mut out = Vec::new();
        for domain in self.domains() {
            if !self.survives(need, &[domain])? {
                out.push(domain);
            }
        }
        Ok(out)
    }
}
