//! Load and capacity of quorum systems (Naor and Wool).
//!
//! In *The Load, Capacity, and Availability of Quorum Systems* (Naor, Wool, SIAM Journal on
//! Computing, 1998), a **strategy** picks each quorum with some probability; the load it
//! puts on a node is the probability that the node is in the chosen quorum, and the
//! **load** of the system is the busiest node's load under the best strategy. Its
//! **capacity** is the reciprocal: how many quorum accesses per unit of time the system
//! sustains when each node handles one access per unit of time.
//!
//! Every system here is *symmetric* (some permutation of the nodes maps any node to any
//! other while preserving the quorums) and its quorums all have one size `c`; then the
//! uniform strategy is optimal and the load is exactly `c/n` (uniform strategy: every node
//! carries `c/n`; and no strategy does better, since a uniform weighting of the nodes gives
//! every quorum weight `c/n`). For any system whose quorums pairwise intersect and whose
//! smallest quorum has `c` nodes, `load ≥ max(1/c, c/n) ≥ 1/√n` ([`lower_bound`]):
//! majorities (load about ½) trade capacity for availability, grids reach the `1/√n` order.

use crate::config::{FlexiblePaxos, QuorumConfig};

/// Why a load question was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
/// use ward_quorum::load::LoadError;
///
/// let q = QuorumConfig::new(3, 2, 2)?;
/// assert_eq!(q.mixed_load(1.5), Err(LoadError::InvalidReadFraction { value: 1.5 }));
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The fraction of accesses that are reads is NaN or outside `[0, 1]`.
    #[error("read fraction {value} is not in [0, 1]")]
    InvalidReadFraction {
        /// The value given.
        value: f64,
    },
    /// A quorum size is zero or larger than the number of nodes.
    #[error("quorum size {size} is outside 1..={nodes}")]
    QuorumOutOfRange {
        /// The smallest quorum size given.
        size: usize,
        /// The number of nodes.
        nodes: usize,
    },
}

/// The load of read and of write quorums: the fraction of accesses of each kind that the
/// busiest node serves under the best strategy.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
///
/// let l = QuorumConfig::new(5, 2, 4)?.load();
/// assert_eq!((l.read, l.write), (0.4, 0.8));
/// # Ok::<(), ward_quorum::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Load {
    /// Load of read quorums.
    pub read: f64,
    /// Load of write quorums.
    pub write: f64,
}

#[allow(clippy::cast_precision_loss)] // node counts far below 2^53
fn ratio(size: usize, nodes: usize) -> f64 {
    size as f64 / nodes as f64
}

fn check_fraction(value: f64) -> Result<f64, LoadError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(LoadError::InvalidReadFraction { value })
    }
}

impl Load {
    /// The load when a fraction `read_fraction` of accesses are reads:
    /// `f·read + (1 − f)·write`. The busiest node is the same for both kinds in the
    /// systems of this crate (every node carries the same load), so loads add.
    ///
    /// # Errors
    ///
    /// [`LoadError::InvalidReadFraction`] unless `read_fraction` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::load::Load;
    ///
    /// let l = Load { read: 0.2, write: 0.6 };
    /// assert!((l.mixed(0.75)? - 0.3).abs() < 1e-15);
    /// # Ok::<(), ward_quorum::load::LoadError>(())
    /// ```
    pub fn mixed(&self, read_fraction: f64) -> Result<f64, LoadError> {
        let f = check_fraction(read_fraction)?;
        Ok(f * self.read + (1.0 - f) * self.write)
    }

    /// The capacity at that mix: `1 / load`, in quorum accesses per unit of time when each
    /// node serves one access per unit of time.
    ///
    /// # Errors
    ///
    /// [`LoadError::InvalidReadFraction`] unless `read_fraction` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// // Nine nodes, R = W = 5: each access occupies 5 of 9 nodes, so 1.8 accesses per
    /// // node-time.
    /// let c = QuorumConfig::majority(9)?.load().capacity(0.5)?;
    /// assert!((c - 1.8).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn capacity(&self, read_fraction: f64) -> Result<f64, LoadError> {
        Ok(1.0 / self.mixed(read_fraction)?)
    }
}

/// The Naor–Wool lower bound on the load of any quorum system over `nodes` nodes whose
/// smallest quorum has `smallest` nodes: `max(1/smallest, smallest/nodes)`. No choice of
/// quorums does better than `1/√nodes`.
///
/// It holds for quorum systems in their sense, where **every two quorums intersect**
/// (majorities, write quorums with `2W > N`, grid write quorums), not for a family of read
/// quorums alone, which need only meet the write quorums (`R = 1` has load `1/N`).
///
/// # Errors
///
/// [`LoadError::QuorumOutOfRange`] unless `1 ≤ smallest ≤ nodes`.
///
/// # Examples
///
/// ```
/// use ward_quorum::load::lower_bound;
///
/// assert_eq!(lower_bound(16, 4)?, 0.25); // 1/√16, met by quorums of size 4
/// assert_eq!(lower_bound(16, 9)?, 9.0 / 16.0);
/// # Ok::<(), ward_quorum::load::LoadError>(())
/// ```
pub fn lower_bound(nodes: usize, smallest: usize) -> Result<f64, LoadError> {
    if smallest == 0 || smallest > nodes {
        return Err(LoadError::QuorumOutOfRange {
            size: smallest,
            nodes,
        });
    }
    Ok(ratio(1, smallest).max(ratio(smallest, nodes)))
}

impl QuorumConfig {
    /// The load of its read (`R/N`) and write (`W/N`) quorums: every `R`-subset is a read
    /// quorum, so the uniform strategy is optimal.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// let majority = QuorumConfig::majority(5)?.load();
    /// assert_eq!((majority.read, majority.write), (0.6, 0.6));
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub fn load(&self) -> Load {
        Load {
            read: ratio(self.r(), self.n()),
            write: ratio(self.w(), self.n()),
        }
    }

    /// [`Load::mixed`] of [`QuorumConfig::load`].
    ///
    /// # Errors
    ///
    /// [`LoadError::InvalidReadFraction`] unless `read_fraction` is in `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// // Read-one-write-all with 90 % reads: 0.9·(1/4) + 0.1·1.
    /// let l = QuorumConfig::new(4, 1, 4)?.mixed_load(0.9)?;
    /// assert!((l - 0.325).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mixed_load(&self, read_fraction: f64) -> Result<f64, LoadError> {
        self.load().mixed(read_fraction)
    }
}

impl FlexiblePaxos {
    /// The load of phase-1 (`Q1/N`, as `read`) and phase-2 (`Q2/N`, as `write`) quorums.
    /// In steady state only phase 2 runs, so a small `Q2` buys capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::FlexiblePaxos;
    ///
    /// let l = FlexiblePaxos::new(10, 8, 3)?.load();
    /// assert_eq!((l.read, l.write), (0.8, 0.3));
    /// # Ok::<(), ward_quorum::ConfigError>(())
    /// ```
    pub fn load(&self) -> Load {
        Load {
            read: ratio(self.phase1(), self.n()),
            write: ratio(self.phase2(), self.n()),
        }
    }
}

#[cfg(feature = "alloc")]
impl crate::availability::GridQuorum {
    /// The load of its read quorums (one node per column: `1/rows`) and write quorums (a
    /// full column and one node of each other column: `(rows + columns − 1)/(rows·columns)`).
    /// Rows and columns can be permuted freely, so the uniform strategy is optimal; a
    /// `√n × √n` grid reaches the `1/√n` order of [`lower_bound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::availability::GridQuorum;
    ///
    /// let l = GridQuorum::new(4, 4)?.load();
    /// assert_eq!((l.read, l.write), (0.25, 7.0 / 16.0));
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
    pub fn load(&self) -> Load {
        Load {
            read: ratio(self.read_quorum_size(), self.nodes()),
            write: ratio(self.write_quorum_size(), self.nodes()),
        }
    }
}
