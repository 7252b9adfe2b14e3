//! Cassandra-style consistency levels over a multi-datacenter topology.
//!
//! Definitions follow Apache Cassandra's documentation of read and write consistency levels:
//! `ONE`, `TWO`, `THREE` count replicas in any datacenter; `QUORUM` is
//! `⌊(RF₁ + … + RFₖ) / 2⌋ + 1` replicas in any datacenters; `LOCAL_ONE` and `LOCAL_QUORUM`
//! (`⌊RF_local / 2⌋ + 1`) count only replicas in the coordinator's datacenter; `EACH_QUORUM`
//! needs a local quorum in every datacenter; `ALL` needs every replica.
//! Older Cassandra releases refuse `EACH_QUORUM` for reads; here every level is evaluated as
//! the replica placement it names, for reads and writes alike.
//!
//! A read level and a write level *always intersect* when no read replica set that satisfies
//! the read level can be disjoint from a write replica set that satisfies the write level.
//! [`Topology::analyze`] computes the smallest possible overlap exactly (the adversary places
//! both sets to share as little as possible), overall and inside each datacenter.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::config::majority;

/// Why a topology was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::{Topology, TopologyError};
///
/// assert_eq!(Topology::new(&[3, 0]), Err(TopologyError::ZeroReplicationFactor { datacenter: 1 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// The topology lists no datacenter.
    #[error("a topology needs at least one datacenter")]
    NoDatacenters,
    /// A datacenter holds no replica of the keyspace; leave it out instead.
    #[error("datacenter {datacenter} has replication factor 0")]
    ZeroReplicationFactor {
        /// Index of the datacenter.
        datacenter: usize,
    },
    /// The replication factors add up to more than `usize::MAX`.
    #[error("the replication factors overflow")]
    TooManyReplicas,
}

/// Why a consistency level cannot be evaluated or met.
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::{ConsistencyLevel, LevelError, Topology};
///
/// let t = Topology::new(&[2])?;
/// assert_eq!(
///     t.requirement(ConsistencyLevel::Three, 0),
///     Err(LevelError::Unachievable { level: ConsistencyLevel::Three, required: 3, replicas: 2 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum LevelError {
    /// The coordinator's datacenter index is not in the topology.
    #[error("datacenter {datacenter} is not one of the {datacenters} datacenters")]
    UnknownDatacenter {
        /// The index given.
        datacenter: usize,
        /// How many datacenters the topology has.
        datacenters: usize,
    },
    /// The level needs more replicas than exist (e.g. `THREE` with RF 2).
    #[error("consistency level {level} needs {required} replicas but only {replicas} exist")]
    Unachievable {
        /// The level asked for.
        level: ConsistencyLevel,
        /// Replicas the level needs.
        required: usize,
        /// Replicas that exist.
        replicas: usize,
    },
    /// A replica count vector does not have one entry per datacenter.
    #[error("{given} replica counts given for {datacenters} datacenters")]
    CountsMismatch {
        /// Entries given.
        given: usize,
        /// Datacenters in the topology.
        datacenters: usize,
    },
    /// A replica count exceeds the datacenter's replication factor.
    #[error(
        "{count} replicas counted in datacenter {datacenter}, which holds only {replication_factor}"
    )]
    TooManyInDatacenter {
        /// Index of the datacenter.
        datacenter: usize,
        /// The count given.
        count: usize,
        /// The datacenter's replication factor.
        replication_factor: usize,
    },
}

/// A Cassandra consistency level.
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::ConsistencyLevel;
///
/// assert_eq!(ConsistencyLevel::LocalQuorum.to_string(), "LOCAL_QUORUM");
/// assert_eq!("EACH_QUORUM".parse(), Ok(ConsistencyLevel::EachQuorum));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConsistencyLevel {
    /// One replica in any datacenter.
    One,
    /// Two replicas in any datacenters.
    Two,
    /// Three replicas in any datacenters.
    Three,
    /// One replica in the coordinator's datacenter.
    LocalOne,
    /// `⌊ΣRF / 2⌋ + 1` replicas in any datacenters.
    Quorum,
    /// `⌊RF_local / 2⌋ + 1` replicas in the coordinator's datacenter.
    LocalQuorum,
    /// `⌊RF_dc / 2⌋ + 1` replicas in every datacenter.
    EachQuorum,
    /// Every replica.
    All,
}

impl ConsistencyLevel {
    /// Every level, weakest first (roughly).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::ConsistencyLevel;
    ///
    /// assert_eq!(ConsistencyLevel::ALL_LEVELS.len(), 8);
    /// ```
    pub const ALL_LEVELS: [Self; 8] = [
        Self::One,
        Self::LocalOne,
        Self::Two,
        Self::Three,
        Self::LocalQuorum,
        Self::Quorum,
        Self::EachQuorum,
        Self::All,
    ];

    /// The name Cassandra uses (`LOCAL_QUORUM`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::ConsistencyLevel;
    ///
    /// assert_eq!(ConsistencyLevel::LocalOne.as_str(), "LOCAL_ONE");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::One => "ONE",
            Self::Two => "TWO",
            Self::Three => "THREE",
            Self::LocalOne => "LOCAL_ONE",
            Self::Quorum => "QUORUM",
            Self::LocalQuorum => "LOCAL_QUORUM",
            Self::EachQuorum => "EACH_QUORUM",
            Self::All => "ALL",
        }
    }
}

impl fmt::Display for ConsistencyLevel {
    /// Formats as Cassandra names the level (`EACH_QUORUM`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known consistency level name.
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::ConsistencyLevel;
///
/// let err = "SOME".parse::<ConsistencyLevel>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown consistency level");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("unknown consistency level")]
pub struct ParseLevelError;

impl core::str::FromStr for ConsistencyLevel {
    type Err = ParseLevelError;
    fn from_str(s: &str) -> Result<Self, ParseLevelError> {
        Self::ALL_LEVELS
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or(ParseLevelError)
    }
}

/// Serialized as Cassandra's name (`"LOCAL_QUORUM"`).
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for ConsistencyLevel {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Decoded from a name in any letter case, exactly as [`FromStr`](core::str::FromStr)
/// accepts it.
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> serde::Deserialize<'de> for ConsistencyLevel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = ConsistencyLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a consistency level name such as \"LOCAL_QUORUM\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ConsistencyLevel, E> {
                s.parse()
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(s), &self))
            }
        }
        deserializer.deserialize_str(Name)
    }
}

/// Replication factor per datacenter (datacenters are numbered from 0).
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::{ConsistencyLevel, Topology};
///
/// let t = Topology::new(&[3, 3])?;
/// assert_eq!(t.replicas(), 6);
/// // QUORUM over two datacenters of RF 3 is 4 replicas, from anywhere.
/// assert_eq!(t.requirement(ConsistencyLevel::Quorum, 0)?.total(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<usize>", into = "Vec<usize>"))]
pub struct Topology {
    rf: Vec<usize>,
    total: usize,
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl TryFrom<Vec<usize>> for Topology {
    type Error = TopologyError;
    fn try_from(rf: Vec<usize>) -> Result<Self, TopologyError> {
        Self::new(&rf)
    }
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl From<Topology> for Vec<usize> {
    fn from(t: Topology) -> Self {
        t.rf
    }
}

/// What a consistency level needs: at least [`total`](Self::total) replicas overall, of
/// which at least [`in_datacenter(i)`](Self::in_datacenter) in datacenter `i`.
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::{ConsistencyLevel, Topology};
///
/// let t = Topology::new(&[3, 5])?;
/// let each = t.requirement(ConsistencyLevel::EachQuorum, 0)?;
/// assert_eq!(each.per_datacenter(), &[2, 3]);
/// assert_eq!(each.total(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    total: usize,
    per_dc: Vec<usize>,
    rf: Vec<usize>,
}

impl Requirement {
    /// Replicas needed overall.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel, Topology};
    /// let t = Topology::new(&[3, 3, 3])?;
    /// assert_eq!(t.requirement(ConsistencyLevel::Quorum, 0)?.total(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total(&self) -> usize {
        self.total
    }

    /// Replicas needed inside each datacenter.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel, Topology};
    /// let t = Topology::new(&[3, 3])?;
    /// assert_eq!(t.requirement(ConsistencyLevel::LocalQuorum, 1)?.per_datacenter(), &[0, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn per_datacenter(&self) -> &[usize] {
        &self.per_dc
    }

    /// Replicas needed inside datacenter `dc` (0 for unknown datacenters).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel, Topology};
    /// let t = Topology::new(&[3, 3])?;
    /// assert_eq!(t.requirement(ConsistencyLevel::All, 0)?.in_datacenter(1), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn in_datacenter(&self, dc: usize) -> usize {
        self.per_dc.get(dc).copied().unwrap_or(0)
    }

    /// Whether a replica set with `counts[i]` replicas in datacenter `i` satisfies it.
    ///
    /// # Errors
    ///
    /// [`LevelError::CountsMismatch`] unless there is exactly one count per datacenter;
    /// [`LevelError::TooManyInDatacenter`] for a count above the datacenter's replication
    /// factor (no replica set can hold it).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel, Topology};
    /// let t = Topology::new(&[3, 3])?;
    /// let q = t.requirement(ConsistencyLevel::Quorum, 0)?;
    /// assert!(q.is_met_by(&[1, 3])?);
    /// assert!(!q.is_met_by(&[3, 0])?);
    /// assert!(q.is_met_by(&[4, 0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_met_by(&self, counts: &[usize]) -> Result<bool, LevelError> {
        if counts.len() != self.rf.len() {
            return Err(LevelError::CountsMismatch {
                given: counts.len(),
                datacenters: self.rf.len(),
            });
        }
        for (datacenter, (&count, &replication_factor)) in counts.iter().zip(&self.rf).enumerate() {
            if count > replication_factor {
                return Err(LevelError::TooManyInDatacenter {
                    datacenter,
                    count,
                    replication_factor,
                });
            }
        }
        // Each count is at most its RF, and the RFs sum without overflow (`Topology::new`).
        let sum: usize = counts.iter().sum();
        Ok(sum >= self.total && counts.iter().zip(&self.per_dc).all(|(&c, &need)| c >= need))
    }
}

/// How a read level and a write level relate on a topology; see [`Topology::analyze`].
///
/// # Examples
///
/// ```
/// use ward_quorum::levels::{ConsistencyLevel::*, Topology};
///
/// let t = Topology::new(&[3, 3])?;
/// let a = t.analyze(LocalQuorum, 0, EachQuorum, 1)?;
/// assert!(a.always_intersect());
/// assert_eq!(a.overlap_per_datacenter(), &[1, 0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LevelPair {
    min_overlap: usize,
    per_dc: Vec<usize>,
    read_survives: bool,
    write_survives: bool,
}

impl LevelPair {
    /// The fewest replicas any satisfying read set shares with any satisfying write set.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    /// let t = Topology::new(&[5, 5])?;
    /// assert_eq!(t.analyze(All, 0, One, 0)?.min_overlap(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn min_overlap(&self) -> usize {
        self.min_overlap
    }

    /// Whether every read set meets every write set (`min_overlap() ≥ 1`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    /// let t = Topology::new(&[3, 3])?;
    /// assert!(!t.analyze(LocalQuorum, 0, LocalQuorum, 1)?.always_intersect());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn always_intersect(&self) -> bool {
        self.min_overlap > 0
    }

    /// For each datacenter, the fewest replicas of that datacenter that every satisfying read
    /// set shares with every satisfying write set. A non-zero entry says *where* the
    /// intersection is guaranteed to lie.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    /// let t = Topology::new(&[3, 3])?;
    /// // Both sides pinned to datacenter 0.
    /// assert_eq!(t.analyze(LocalQuorum, 0, LocalQuorum, 0)?.overlap_per_datacenter(), &[1, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overlap_per_datacenter(&self) -> &[usize] {
        &self.per_dc
    }

    /// Whether the read level stays achievable after losing any one whole datacenter
    /// (see [`Topology::survives_datacenter_loss`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    /// let t = Topology::new(&[3, 3, 3])?;
    /// assert!(t.analyze(Quorum, 0, Quorum, 0)?.read_survives_datacenter_loss());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_survives_datacenter_loss(&self) -> bool {
        self.read_survives
    }

    /// Whether the write level stays achievable after losing any one whole datacenter.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    /// let t = Topology::new(&[3, 3])?;
    /// assert!(!t.analyze(Quorum, 0, Quorum, 0)?.write_survives_datacenter_loss());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_survives_datacenter_loss(&self) -> bool {
        self.write_survives
    }
}

impl Topology {
    /// A topology with `replication_factors[i]` replicas in datacenter `i`.
    ///
    /// # Errors
    ///
    /// [`TopologyError::NoDatacenters`] for an empty list,
    /// [`TopologyError::ZeroReplicationFactor`] for a datacenter with RF 0,
    /// [`TopologyError::TooManyReplicas`] if the sum overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::Topology;
    ///
    /// assert_eq!(Topology::new(&[3, 2])?.replication_factors(), &[3, 2]);
    /// assert!(Topology::new(&[]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(replication_factors: &[usize]) -> Result<Self, TopologyError> {
        if replication_factors.is_empty() {
            return Err(TopologyError::NoDatacenters);
        }
        let mut total = 0_usize;
        for (datacenter, &rf) in replication_factors.iter().enumerate() {
            if rf == 0 {
                return Err(TopologyError::ZeroReplicationFactor { datacenter });
            }
            total = total
                .checked_add(rf)
                .ok_or(TopologyError::TooManyReplicas)?;
        }
        Ok(Self {
            rf: replication_factors.to_vec(),
            total,
        })
    }

    /// Replication factor per datacenter.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::Topology;
    /// assert_eq!(Topology::new(&[5, 5])?.replication_factors(), &[5, 5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replication_factors(&self) -> &[usize] {
        &self.rf
    }

    /// Number of datacenters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::Topology;
    /// assert_eq!(Topology::new(&[3, 3, 3])?.datacenters(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn datacenters(&self) -> usize {
        self.rf.len()
    }

    /// Total number of replicas, `ΣRF`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::levels::Topology;
    /// assert_eq!(Topology::new(&[3, 2])?.replicas(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replicas(&self) -> usize {
        self.total
    }

    fn check_dc(&self, dc: usize) -> Result<(), LevelError> {
        if dc < self.rf.len() {
            Ok(())
        } else {
            Err(LevelError::UnknownDatacenter {
                datacenter: dc,
                datacenters: self.rf.len(),
            })
        }
    }

    /// The replicas `level` needs when the coordinator is in datacenter `coordinator`
    /// (which matters only for the `LOCAL_*` levels).
    ///
    /// # Errors
    ///
    /// [`LevelError::UnknownDatacenter`] for a bad coordinator index;
    /// [`LevelError::Unachievable`] when the level needs more replicas than exist
    /// (`TWO`/`THREE` with too few replicas).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::{ConsistencyLevel, Topology};
    ///
    /// let t = Topology::new(&[3, 2])?;
    /// let r = t.requirement(ConsistencyLevel::LocalQuorum, 1)?;
    /// assert_eq!((r.total(), r.per_datacenter()), (2, &[0, 2][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn requirement(
        &self,
        level: ConsistencyLevel,
        coordinator: usize,
    ) -> Result<Requirement, LevelError> {
        self.check_dc(coordinator)?;
        let mut per_dc = vec![0; self.rf.len()];
        let total = match level {
            ConsistencyLevel::One => 1,
            ConsistencyLevel::Two => 2,
            ConsistencyLevel::Three => 3,
            ConsistencyLevel::Quorum => majority(self.total),
            ConsistencyLevel::All => {
                per_dc.copy_from_slice(&self.rf);
                self.total
            }
            ConsistencyLevel::LocalOne => {
                per_dc[coordinator] = 1;
                1
            }
            ConsistencyLevel::LocalQuorum => {
                per_dc[coordinator] = majority(self.rf[coordinator]);
                per_dc[coordinator]
            }
            ConsistencyLevel::EachQuorum => {
                for (need, &rf) in per_dc.iter_mut().zip(&self.rf) {
                    *need = majority(rf);
                }
                per_dc.iter().sum()
            }
        };
        if total > self.total {
            return Err(LevelError::Unachievable {
                level,
                required: total,
                replicas: self.total,
            });
        }
        Ok(Requirement {
            total,
            per_dc,
            rf: self.rf.clone(),
        })
    }

    /// The fewest replicas that any replica set meeting `a` must share with any replica set
    /// meeting `b`, overall.
    ///
    /// Exact: put each side's per-datacenter minimum first; datacenters where those minima
    /// exceed the replication factor force overlap; the remaining global demand is spread
    /// over free replicas first, and every replica beyond those is shared.
    fn min_overlap(&self, a: &Requirement, b: &Requirement) -> usize {
        let mut forced = 0;
        let mut slack = 0;
        for (i, &rf) in self.rf.iter().enumerate() {
            // max(0, aᵢ + bᵢ − RF) and max(0, RF − aᵢ − bᵢ) without overflow (bᵢ ≤ RF).
            let room = rf - b.per_dc[i];
            forced += a.per_dc[i].saturating_sub(room);
            slack += room.saturating_sub(a.per_dc[i]);
        }
        let extra_a = a.total.saturating_sub(a.per_dc.iter().sum());
        let extra_b = b.total.saturating_sub(b.per_dc.iter().sum());
        // Spend the slack on a's extra demand, then on b's; what is left over overlaps. The
        // result is at most the smaller set, so the sums cannot overflow.
        let over_a = extra_a.saturating_sub(slack);
        let over_b = extra_b.saturating_sub(slack.saturating_sub(extra_a));
        forced + over_a + over_b
    }

    /// Per datacenter `d`, the fewest replicas of `d` that any set meeting `a` shares with
    /// any set meeting `b`: everywhere else both sides may take every replica, so inside `d`
    /// each needs at least what the rest cannot supply.
    fn overlap_in(&self, a: &Requirement, b: &Requirement) -> Vec<usize> {
        self.rf
            .iter()
            .enumerate()
            .map(|(d, &rf)| {
                let outside = self.total - rf;
                let need_a = a.per_dc[d].max(a.total.saturating_sub(outside));
                let need_b = b.per_dc[d].max(b.total.saturating_sub(outside));
                need_a.saturating_sub(rf - need_b) // need_b ≤ rf
            })
            .collect()
    }

    /// Whether `level`, coordinated from datacenter `coordinator`, can still be met when
    /// datacenter `lost` is entirely down. A coordinator inside the lost datacenter cannot
    /// serve at all.
    ///
    /// # Errors
    ///
    /// As [`Topology::requirement`], plus [`LevelError::UnknownDatacenter`] for `lost`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::{ConsistencyLevel, Topology};
    ///
    /// let t = Topology::new(&[3, 3])?;
    /// assert!(t.is_available_without(ConsistencyLevel::LocalQuorum, 0, 1)?);
    /// assert!(!t.is_available_without(ConsistencyLevel::Quorum, 0, 1)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_available_without(
        &self,
        level: ConsistencyLevel,
        coordinator: usize,
        lost: usize,
    ) -> Result<bool, LevelError> {
        self.check_dc(lost)?;
        let req = self.requirement(level, coordinator)?;
        Ok(coordinator != lost && req.per_dc[lost] == 0 && req.total <= self.total - self.rf[lost])
    }

    /// Whether `level` survives the loss of any one whole datacenter: for every datacenter
    /// that could be lost, a client whose coordinator is in some surviving datacenter can
    /// still meet the level. A single-datacenter topology never survives.
    ///
    /// # Errors
    ///
    /// [`LevelError::Unachievable`] when the level cannot be met even with every datacenter
    /// up.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    ///
    /// let t = Topology::new(&[3, 3, 3])?;
    /// assert!(t.survives_datacenter_loss(Quorum)?);
    /// assert!(t.survives_datacenter_loss(LocalQuorum)?);
    /// assert!(!t.survives_datacenter_loss(EachQuorum)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn survives_datacenter_loss(&self, level: ConsistencyLevel) -> Result<bool, LevelError> {
        for coordinator in 0..self.rf.len() {
            self.requirement(level, coordinator)?;
        }
        for lost in 0..self.rf.len() {
            let mut ok = false;
            for coordinator in 0..self.rf.len() {
                if self.is_available_without(level, coordinator, lost)? {
                    ok = true;
                    break;
                }
            }
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Relates a read level (coordinated from `read_coordinator`) and a write level
    /// (coordinated from `write_coordinator`): guaranteed overlap overall and per datacenter,
    /// and whether each level survives losing a whole datacenter.
    ///
    /// # Errors
    ///
    /// As [`Topology::requirement`] for either side.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    ///
    /// let t = Topology::new(&[3, 3, 3])?;
    /// let a = t.analyze(Quorum, 0, Quorum, 2)?;
    /// assert_eq!(a.min_overlap(), 1);
    /// assert!(a.read_survives_datacenter_loss() && a.write_survives_datacenter_loss());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn analyze(
        &self,
        read: ConsistencyLevel,
        read_coordinator: usize,
        write: ConsistencyLevel,
        write_coordinator: usize,
    ) -> Result<LevelPair, LevelError> {
        let r = self.requirement(read, read_coordinator)?;
        let w = self.requirement(write, write_coordinator)?;
        Ok(LevelPair {
            min_overlap: self.min_overlap(&r, &w),
            per_dc: self.overlap_in(&r, &w),
            read_survives: self.survives_datacenter_loss(read)?,
            write_survives: self.survives_datacenter_loss(write)?,
        })
    }
}
