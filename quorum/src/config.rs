//! Quorum configurations: Dynamo-style `(N, R, W)`, Flexible Paxos and Gifford's weighted voting.

use core::fmt;

/// Why a quorum configuration was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::{ConfigError, QuorumConfig};
///
/// let err = QuorumConfig::new(3, 4, 1).unwrap_err();
/// assert_eq!(err, ConfigError::ReadQuorumOutOfRange { r: 4, n: 3 });
/// assert_eq!(err.to_string(), "read quorum 4 is outside 1..=3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The system has no replicas (`N = 0`).
    #[error("a quorum system needs at least one replica")]
    NoReplicas,
    /// The read quorum `R` is zero or larger than `N`.
    #[error("read quorum {r} is outside 1..={n}")]
    ReadQuorumOutOfRange {
        /// The read quorum asked for.
        r: usize,
        /// The number of replicas.
        n: usize,
    },
    /// The write quorum `W` is zero or larger than `N`.
    #[error("write quorum {w} is outside 1..={n}")]
    WriteQuorumOutOfRange {
        /// The write quorum asked for.
        w: usize,
        /// The number of replicas.
        n: usize,
    },
    /// A Flexible Paxos phase quorum is zero or larger than `N`.
    #[error("phase-{phase} quorum {q} is outside 1..={n}")]
    PhaseQuorumOutOfRange {
        /// `1` (leader election) or `2` (replication).
        phase: u8,
        /// The quorum size asked for.
        q: usize,
        /// The number of acceptors.
        n: usize,
    },
    /// Flexible Paxos phase-1 and phase-2 quorums may be disjoint (`Q1 + Q2 ≤ N`).
    #[error("phase quorums {q1} + {q2} do not exceed {n} acceptors, so they may not intersect")]
    PhaseQuorumsDisjoint {
        /// The phase-1 quorum size.
        q1: usize,
        /// The phase-2 quorum size.
        q2: usize,
        /// The number of acceptors.
        n: usize,
    },
}

/// A Dynamo-style replication configuration: `N` replicas, reads wait for `R`, writes for `W`.
///
/// The configuration is *strict* when `R + W > N`: every read quorum then shares at least
/// `R + W − N` replicas with every write quorum, so a read that completes after a write
/// completed sees it. Otherwise it is *partial*, and how stale reads get is a matter of
/// probability (see [`pbs`](crate::pbs) and, with `std`, the WARS simulator).
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
///
/// let q = QuorumConfig::new(3, 2, 2)?;
/// assert!(q.is_strict());
/// assert_eq!(q.min_overlap(), 1);
/// assert!(q.writes_intersect());
/// assert_eq!((q.read_fault_tolerance(), q.write_fault_tolerance()), (1, 1));
/// assert!(!QuorumConfig::new(3, 1, 1)?.is_strict());
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawQuorumConfig"))]
pub struct QuorumConfig {
    n: usize,
    r: usize,
    w: usize,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuorumConfig {
    n: usize,
    r: usize,
    w: usize,
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl TryFrom<RawQuorumConfig> for QuorumConfig {
    type Error = ConfigError;
    fn try_from(raw: RawQuorumConfig) -> Result<Self, ConfigError> {
        Self::new(raw.n, raw.r, raw.w)
    }
}

impl QuorumConfig {
    /// Validates `1 ≤ R ≤ N` and `1 ≤ W ≤ N`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NoReplicas`] when `n == 0`, [`ConfigError::ReadQuorumOutOfRange`] or
    /// [`ConfigError::WriteQuorumOutOfRange`] when a quorum is zero or above `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// assert!(QuorumConfig::new(5, 3, 3).is_ok());
    /// assert!(QuorumConfig::new(5, 0, 3).is_err());
    /// ```
    pub const fn new(n: usize, r: usize, w: usize) -> Result<Self, ConfigError> {
        if n == 0 {
            return Err(ConfigError::NoReplicas);
        }
        if r == 0 || r > n {
            return Err(ConfigError::ReadQuorumOutOfRange { r, n });
        }
        if w == 0 || w > n {
            return Err(ConfigError::WriteQuorumOutOfRange { w, n });
        }
        Ok(Self { n, r, w })
    }

    /// Majority reads and writes: `R = W = ⌊N/2⌋ + 1`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NoReplicas`] when `n == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// let q = QuorumConfig::majority(4)?;
    /// assert_eq!((q.r(), q.w()), (3, 3));
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn majority(n: usize) -> Result<Self, ConfigError> {
        Self::new(n, majority(n), majority(n))
    }

    /// The number of replicas `N`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert_eq!(QuorumConfig::new(3, 1, 2)?.n(), 3);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn n(&self) -> usize {
        self.n
    }

    /// The read quorum `R`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert_eq!(QuorumConfig::new(3, 1, 2)?.r(), 1);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn r(&self) -> usize {
        self.r
    }

    /// The write quorum `W`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert_eq!(QuorumConfig::new(3, 1, 2)?.w(), 2);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn w(&self) -> usize {
        self.w
    }

    /// Whether every read quorum meets every write quorum: `R + W > N`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert!(QuorumConfig::new(3, 2, 2)?.is_strict());
    /// assert!(!QuorumConfig::new(3, 2, 1)?.is_strict());
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn is_strict(&self) -> bool {
        // r + w > n, written so that it cannot overflow (r, w ≤ n).
        self.r > self.n - self.w
    }

    /// Whether reads and writes may miss each other: `R + W ≤ N`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert!(QuorumConfig::new(3, 1, 1)?.is_partial());
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn is_partial(&self) -> bool {
        !self.is_strict()
    }

    /// The fewest replicas any read quorum shares with any write quorum: `max(0, R + W − N)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert_eq!(QuorumConfig::new(5, 4, 3)?.min_overlap(), 2);
    /// assert_eq!(QuorumConfig::new(5, 1, 3)?.min_overlap(), 0);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn min_overlap(&self) -> usize {
        self.r.saturating_sub(self.n - self.w)
    }

    /// Whether any two write quorums intersect (`2W > N`), so two concurrent writes cannot
    /// both complete on disjoint replica sets.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert!(QuorumConfig::new(5, 1, 3)?.writes_intersect());
    /// assert!(!QuorumConfig::new(4, 3, 2)?.writes_intersect());
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn writes_intersect(&self) -> bool {
        self.w > self.n - self.w
    }

    /// How many replicas may be down while reads can still complete: `N − R`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert_eq!(QuorumConfig::new(5, 2, 4)?.read_fault_tolerance(), 3);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn read_fault_tolerance(&self) -> usize {
        self.n - self.r
    }

    /// How many replicas may be down while writes can still complete: `N − W`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::QuorumConfig;
    /// assert_eq!(QuorumConfig::new(5, 2, 4)?.write_fault_tolerance(), 1);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn write_fault_tolerance(&self) -> usize {
        self.n - self.w
    }
}

impl fmt::Display for QuorumConfig {
    /// Formats as `N=3 R=1 W=1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "N={} R={} W={}", self.n, self.r, self.w)
    }
}

/// The smallest majority of `n`: `⌊n/2⌋ + 1`.
///
/// Any two majorities of the same `n` nodes intersect.
///
/// # Examples
///
/// ```
/// assert_eq!(ward_quorum::majority(3), 2);
/// assert_eq!(ward_quorum::majority(4), 3);
/// assert_eq!(ward_quorum::majority(0), 1);
/// ```
pub const fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// Flexible Paxos quorums: phase-1 (leader election) and phase-2 (replication) sizes.
///
/// *Flexible Paxos: Quorum intersection revisited* (Howard, Malkhi, Spiegelman, 2016) shows
/// that Paxos stays safe as long as every phase-1 quorum meets every phase-2 quorum, i.e.
/// `Q1 + Q2 > N`; two phase-2 quorums need not intersect. A small `Q2` makes the common case
/// (replication) cheap and tolerant, paid for by a large `Q1` during leader changes.
///
/// # Examples
///
/// ```
/// use ward_quorum::FlexiblePaxos;
///
/// // Ten acceptors, replicate to 3, elect with 8.
/// let fp = FlexiblePaxos::new(10, 8, 3)?;
/// assert_eq!(fp.phase2_fault_tolerance(), 7);
/// assert_eq!(fp.phase1_fault_tolerance(), 2);
/// assert!(FlexiblePaxos::new(10, 7, 3).is_err());
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawFlexiblePaxos"))]
pub struct FlexiblePaxos {
    n: usize,
    q1: usize,
    q2: usize,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlexiblePaxos {
    n: usize,
    q1: usize,
    q2: usize,
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl TryFrom<RawFlexiblePaxos> for FlexiblePaxos {
    type Error = ConfigError;
    fn try_from(raw: RawFlexiblePaxos) -> Result<Self, ConfigError> {
        Self::new(raw.n, raw.q1, raw.q2)
    }
}

impl FlexiblePaxos {
    /// Validates `1 ≤ Q1, Q2 ≤ N` and `Q1 + Q2 > N`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NoReplicas`], [`ConfigError::PhaseQuorumOutOfRange`], or
    /// [`ConfigError::PhaseQuorumsDisjoint`] when `Q1 + Q2 ≤ N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::{ConfigError, FlexiblePaxos};
    ///
    /// assert_eq!(
    ///     FlexiblePaxos::new(4, 2, 2),
    ///     Err(ConfigError::PhaseQuorumsDisjoint { q1: 2, q2: 2, n: 4 })
    /// );
    /// ```
    pub const fn new(n: usize, q1: usize, q2: usize) -> Result<Self, ConfigError> {
        if n == 0 {
            return Err(ConfigError::NoReplicas);
        }
        if q1 == 0 || q1 > n {
            return Err(ConfigError::PhaseQuorumOutOfRange { phase: 1, q: q1, n });
        }
        if q2 == 0 || q2 > n {
            return Err(ConfigError::PhaseQuorumOutOfRange { phase: 2, q: q2, n });
        }
        if q1 <= n - q2 {
            return Err(ConfigError::PhaseQuorumsDisjoint { q1, q2, n });
        }
        Ok(Self { n, q1, q2 })
    }

    /// The number of acceptors `N`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::FlexiblePaxos;
    /// assert_eq!(FlexiblePaxos::new(5, 4, 2)?.n(), 5);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn n(&self) -> usize {
        self.n
    }

    /// The phase-1 (leader election) quorum `Q1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::FlexiblePaxos;
    /// assert_eq!(FlexiblePaxos::new(5, 4, 2)?.phase1(), 4);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn phase1(&self) -> usize {
        self.q1
    }

    /// The phase-2 (replication) quorum `Q2`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::FlexiblePaxos;
    /// assert_eq!(FlexiblePaxos::new(5, 4, 2)?.phase2(), 2);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn phase2(&self) -> usize {
        self.q2
    }

    /// How many acceptors may fail while a new leader can still be elected: `N − Q1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::FlexiblePaxos;
    /// assert_eq!(FlexiblePaxos::new(5, 4, 2)?.phase1_fault_tolerance(), 1);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn phase1_fault_tolerance(&self) -> usize {
        self.n - self.q1
    }

    /// How many acceptors may fail while values can still be replicated: `N − Q2`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::FlexiblePaxos;
    /// assert_eq!(FlexiblePaxos::new(5, 4, 2)?.phase2_fault_tolerance(), 3);
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn phase2_fault_tolerance(&self) -> usize {
        self.n - self.q2
    }

    /// Whether two phase-2 quorums always intersect (`2·Q2 > N`), as classic Paxos requires
    /// and Flexible Paxos does not.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::FlexiblePaxos;
    /// assert!(!FlexiblePaxos::new(5, 4, 2)?.phase2_quorums_intersect());
    /// assert!(FlexiblePaxos::new(5, 3, 3)?.phase2_quorums_intersect());
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub const fn phase2_quorums_intersect(&self) -> bool {
        self.q2 > self.n - self.q2
    }
}
