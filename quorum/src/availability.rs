//! Availability of quorum systems whose nodes fail independently.
//!
//! Every function here takes the probability that a node is **down** and returns the
//! probability that a quorum can (or cannot) be formed from the nodes that are up.
//!
//! The computations are dynamic programs over "how many nodes are up so far, capped at the
//! quorum size": each step is a convex combination of non-negative numbers, so there is no
//! cancellation and the relative error stays within a few ulps per node, up to and beyond
//! `n = 1,000`. Availability close to 1 rounds to `1.0`; ask for the *unavailability* (the
//! complementary dynamic program, not `1 − availability`) when you care about the nines.

use alloc::vec::Vec;

use crate::config::QuorumConfig;

/// Why an availability question could not be answered.
///
/// # Examples
///
/// ```
/// use ward_quorum::availability::{AvailabilityError, quorum_availability};
///
/// assert_eq!(
///     quorum_availability(3, 2, 1.5),
///     Err(AvailabilityError::InvalidProbability { node: 0, p: 1.5 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AvailabilityError {
    /// A failure probability is NaN, infinite, or outside `[0, 1]`.
    #[error("failure probability {p} of node {node} is not in [0, 1]")]
    InvalidProbability {
        /// Index of the offending node (0 when one probability applies to all nodes).
        node: usize,
        /// The value given.
        p: f64,
    },
    /// The quorum is zero or larger than the number of nodes.
    #[error("quorum {q} is outside 1..={n}")]
    QuorumOutOfRange {
        /// The quorum size asked for.
        q: usize,
        /// The number of nodes.
        n: usize,
    },
    /// A grid quorum system needs at least one row and one column.
    #[error("a grid needs at least one row and one column, got {rows}x{columns}")]
    EmptyGrid {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        columns: usize,
    },
    /// The dynamic program for this many nodes does not fit in memory.
    #[error("{nodes} nodes are too many to evaluate")]
    TooLarge {
        /// The number of nodes (or grid cells) asked for.
        nodes: usize,
    },
    /// Per-node probabilities were given for the wrong number of nodes.
    #[error("expected {expected} per-node probabilities, got {got}")]
    WrongNodeCount {
        /// The number of nodes in the system.
        expected: usize,
        /// The number of probabilities given.
        got: usize,
    },
}

/// Probability that a read and a write quorum can be formed.
///
/// # Examples
///
/// ```
/// use ward_quorum::QuorumConfig;
///
/// let a = QuorumConfig::new(3, 1, 3)?.availability(0.1)?;
/// assert!((a.read - 0.999).abs() < 1e-12);
/// assert!((a.write - 0.729).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Availability {
    /// Probability that enough nodes are up to complete a read.
    pub read: f64,
    /// Probability that enough nodes are up to complete a write.
    pub write: f64,
}

pub(crate) fn check_probability(node: usize, p: f64) -> Result<f64, AvailabilityError> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(AvailabilityError::InvalidProbability { node, p })
    }
}

fn check_quorum(n: usize, q: usize) -> Result<(), AvailabilityError> {
    if q == 0 || q > n {
        Err(AvailabilityError::QuorumOutOfRange { q, n })
    } else {
        Ok(())
    }
}

/// `P(at least k of the events happen)` for independent events with the given probabilities.
///
/// `state[j]` is the probability that `min(k, successes so far) == j`.
///
/// Fails with [`AvailabilityError::TooLarge`] (naming `nodes`) when the state cannot be
/// allocated.
pub(crate) fn at_least(
    k: usize,
    nodes: usize,
    success: impl Iterator<Item = f64>,
) -> Result<f64, AvailabilityError> {
    if k == 0 {
        return Ok(1.0);
    }
    let too_large = AvailabilityError::TooLarge { nodes };
    let len = k.checked_add(1).ok_or(too_large)?;
    let mut state: Vec<f64> = Vec::new();
    state.try_reserve_exact(len).map_err(|_| too_large)?;
    state.resize(len, 0.0);
    state[0] = 1.0;
    let mut reachable = 0; // highest index that can be non-zero
    for s in success {
        let f = 1.0 - s;
        if reachable < k {
            reachable += 1;
        }
        let top = state[k] + state[k - 1] * s;
        let mut j = reachable.min(k - 1);
        while j > 0 {
            state[j] = state[j] * f + state[j - 1] * s;
            j -= 1;
        }
        state[0] *= f;
        state[k] = top;
    }
    // Rounding can leave the sum one ulp above 1.
    Ok(state[k].min(1.0))
}

/// Probability that at least `q` of `n` nodes are up, each down independently with
/// probability `p_down` (the upper tail of a binomial distribution).
///
/// # Errors
///
/// [`AvailabilityError::QuorumOutOfRange`] unless `1 ≤ q ≤ n`;
/// [`AvailabilityError::InvalidProbability`] unless `p_down` is finite and in `[0, 1]`;
/// [`AvailabilityError::TooLarge`] if the `O(q)` state cannot be allocated.
///
/// # Examples
///
/// ```
/// use ward_quorum::availability::quorum_availability;
///
/// // A majority of 5 with 1 % node failures: 1 − P(3 or more down).
/// let a = quorum_availability(5, 3, 0.01)?;
/// assert!((a - 0.999_990_149).abs() < 1e-9);
/// // Stable for large n.
/// assert!(quorum_availability(1000, 501, 0.5)? < 0.5);
/// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
/// ```
pub fn quorum_availability(n: usize, q: usize, p_down: f64) -> Result<f64, AvailabilityError> {
    check_quorum(n, q)?;
    let p = check_probability(0, p_down)?;
    at_least(q, n, core::iter::repeat_n(1.0 - p, n))
}

/// Probability that fewer than `q` of `n` nodes are up, computed directly (not as
/// `1 − availability`), so tiny values keep their relative precision.
///
/// # Errors
///
/// As [`quorum_availability`].
///
/// # Examples
///
/// ```
/// use ward_quorum::availability::quorum_unavailability;
///
/// // 2 of 3 with 1e-9 failures: about 3e-18, far below f64's resolution next to 1.
/// let u = quorum_unavailability(3, 2, 1e-9)?;
/// assert!((u / 3e-18 - 1.0).abs() < 1e-6);
/// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
/// ```
pub fn quorum_unavailability(n: usize, q: usize, p_down: f64) -> Result<f64, AvailabilityError> {
    check_quorum(n, q)?;
    let p = check_probability(0, p_down)?;
    at_least(n - q + 1, n, core::iter::repeat_n(p, n))
}

fn check_all(p_down: &[f64]) -> Result<(), AvailabilityError> {
    for (i, &p) in p_down.iter().enumerate() {
        check_probability(i, p)?;
    }
    Ok(())
}

/// Probability that at least `q` nodes are up when node `i` is down with probability
/// `p_down[i]` (the upper tail of a Poisson-binomial distribution), in `O(n·q)` time.
///
/// # Errors
///
/// [`AvailabilityError::QuorumOutOfRange`] unless `1 ≤ q ≤ p_down.len()`;
/// [`AvailabilityError::InvalidProbability`] naming the first bad node;
/// [`AvailabilityError::TooLarge`] if the `O(q)` state cannot be allocated.
///
/// # Examples
///
/// ```
/// use ward_quorum::availability::poisson_binomial_availability;
///
/// // One flaky node among three; a majority survives unless two are down.
/// let a = poisson_binomial_availability(2, &[0.5, 0.0, 0.0])?;
/// assert_eq!(a, 1.0);
/// let b = poisson_binomial_availability(2, &[0.5, 0.1, 0.0])?;
/// assert!((b - 0.95).abs() < 1e-12);
/// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
/// ```
pub fn poisson_binomial_availability(q: usize, p_down: &[f64]) -> Result<f64, AvailabilityError> {
    check_quorum(p_down.len(), q)?;
    check_all(p_down)?;
    at_least(q, p_down.len(), p_down.iter().map(|p| 1.0 - p))
}

/// Probability that fewer than `q` nodes are up, per-node failure probabilities, computed
/// directly for precision.
///
/// # Errors
///
/// As [`poisson_binomial_availability`].
///
/// # Examples
///
/// ```
/// use ward_quorum::availability::poisson_binomial_unavailability;
///
/// let u = poisson_binomial_unavailability(2, &[1e-6, 2e-6, 3e-6])?;
/// assert!((u / 11e-12 - 1.0).abs() < 1e-5);
/// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
/// ```
pub fn poisson_binomial_unavailability(q: usize, p_down: &[f64]) -> Result<f64, AvailabilityError> {
    check_quorum(p_down.len(), q)?;
    check_all(p_down)?;
    at_least(p_down.len() - q + 1, p_down.len(), p_down.iter().copied())
}

impl QuorumConfig {
    /// Read and write availability when every replica is down independently with
    /// probability `p_down`.
    ///
    /// # Errors
    ///
    /// [`AvailabilityError::InvalidProbability`] unless `p_down` is finite and in `[0, 1]`;
    /// [`AvailabilityError::TooLarge`] if the state for `N` cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// let a = QuorumConfig::majority(3)?.availability(0.01)?;
    /// assert!((a.read - 0.999_702).abs() < 1e-9);
    /// assert_eq!(a.read, a.write);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn availability(&self, p_down: f64) -> Result<Availability, AvailabilityError> {
        Ok(Availability {
            read: quorum_availability(self.n(), self.r(), p_down)?,
            write: quorum_availability(self.n(), self.w(), p_down)?,
        })
    }

    /// Read and write availability with a failure probability per replica.
    ///
    /// # Errors
    ///
    /// [`AvailabilityError::WrongNodeCount`] unless `p_down.len() == N`;
    /// [`AvailabilityError::InvalidProbability`] naming the first bad replica.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::QuorumConfig;
    ///
    /// let a = QuorumConfig::new(3, 1, 3)?.availability_per_node(&[0.1, 0.2, 0.0])?;
    /// assert!((a.write - 0.72).abs() < 1e-12);
    /// assert_eq!(a.read, 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn availability_per_node(&self, p_down: &[f64]) -> Result<Availability, AvailabilityError> {
        if p_down.len() != self.n() {
            return Err(AvailabilityError::WrongNodeCount {
                expected: self.n(),
                got: p_down.len(),
            });
        }
        Ok(Availability {
            read: poisson_binomial_availability(self.r(), p_down)?,
            write: poisson_binomial_availability(self.w(), p_down)?,
        })
    }
}

/// The grid quorum system of Cheung, Ammar and Ahamad (*The Grid Protocol: A High
/// Performance Scheme for Maintaining Replicated Data*, 1990).
///
/// `rows × columns` nodes are laid out in a grid. A **read quorum** takes one node from every
/// column (a column cover). A **write quorum** takes every node of one column plus one node
/// from every other column. A write's full column meets every read's column cover, and a
/// write's full column meets the other write's column cover, so reads see writes and writes
/// are ordered, with quorums of only `O(√n)` nodes.
///
/// Nodes are numbered row-major in [`GridQuorum::availability_per_node`].
///
/// # Examples
///
/// ```
/// use ward_quorum::availability::GridQuorum;
///
/// let grid = GridQuorum::new(3, 3)?;
/// assert_eq!((grid.read_quorum_size(), grid.write_quorum_size()), (3, 5));
/// let a = grid.availability(0.01)?;
/// assert!(a.read > 0.99999 && a.write > 0.99);
/// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GridQuorum {
    rows: usize,
    columns: usize,
}

impl GridQuorum {
    /// A grid of `rows × columns` nodes.
    ///
    /// # Errors
    ///
    /// [`AvailabilityError::EmptyGrid`] when either dimension is zero;
    /// [`AvailabilityError::TooLarge`] when `rows × columns` overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::availability::GridQuorum;
    ///
    /// assert!(GridQuorum::new(0, 3).is_err());
    /// assert_eq!(GridQuorum::new(2, 3)?.nodes(), 6);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub const fn new(rows: usize, columns: usize) -> Result<Self, AvailabilityError> {
        if rows == 0 || columns == 0 {
            return Err(AvailabilityError::EmptyGrid { rows, columns });
        }
        if rows.checked_mul(columns).is_none() {
            return Err(AvailabilityError::TooLarge { nodes: usize::MAX });
        }
        Ok(Self { rows, columns })
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::availability::GridQuorum;
    /// assert_eq!(GridQuorum::new(2, 3)?.rows(), 2);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub const fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::availability::GridQuorum;
    /// assert_eq!(GridQuorum::new(2, 3)?.columns(), 3);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub const fn columns(&self) -> usize {
        self.columns
    }

    /// Number of nodes, `rows × columns`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::availability::GridQuorum;
    /// assert_eq!(GridQuorum::new(4, 4)?.nodes(), 16);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub const fn nodes(&self) -> usize {
        self.rows * self.columns
    }

    /// Size of a read quorum: one node per column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::availability::GridQuorum;
    /// assert_eq!(GridQuorum::new(4, 5)?.read_quorum_size(), 5);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub const fn read_quorum_size(&self) -> usize {
        self.columns
    }

    /// Size of a write quorum: a full column plus one node of each other column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::availability::GridQuorum;
    /// assert_eq!(GridQuorum::new(4, 5)?.write_quorum_size(), 8);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub const fn write_quorum_size(&self) -> usize {
        self.rows + self.columns - 1
    }

    /// Read and write availability when every node is down independently with
    /// probability `p_down`.
    ///
    /// # Errors
    ///
    /// [`AvailabilityError::InvalidProbability`] unless `p_down` is finite and in `[0, 1]`;
    /// [`AvailabilityError::TooLarge`] if the grid's nodes cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::availability::GridQuorum;
    ///
    /// // A single column is a read-one/write-all system.
    /// let a = GridQuorum::new(3, 1)?.availability(0.5)?;
    /// assert_eq!((a.read, a.write), (0.875, 0.125));
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub fn availability(&self, p_down: f64) -> Result<Availability, AvailabilityError> {
        let p = check_probability(0, p_down)?;
        let nodes = self.nodes();
        let mut all: Vec<f64> = Vec::new();
        all.try_reserve_exact(nodes)
            .map_err(|_| AvailabilityError::TooLarge { nodes })?;
        all.resize(nodes, p);
        Ok(self.grid_availability(&all))
    }

    /// Read and write availability with a failure probability per node, row-major
    /// (`p_down[row * columns + column]`).
    ///
    /// # Errors
    ///
    /// [`AvailabilityError::WrongNodeCount`] unless `p_down.len() == rows × columns`;
    /// [`AvailabilityError::InvalidProbability`] naming the first bad node.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::availability::GridQuorum;
    ///
    /// // 1×2 grid: reads and writes both need both nodes.
    /// let a = GridQuorum::new(1, 2)?.availability_per_node(&[0.1, 0.2])?;
    /// assert!((a.read - 0.72).abs() < 1e-12 && (a.write - 0.72).abs() < 1e-12);
    /// # Ok::<(), ward_quorum::availability::AvailabilityError>(())
    /// ```
    pub fn availability_per_node(&self, p_down: &[f64]) -> Result<Availability, AvailabilityError> {
        if p_down.len() != self.nodes() {
            return Err(AvailabilityError::WrongNodeCount {
                expected: self.nodes(),
                got: p_down.len(),
            });
        }
        check_all(p_down)?;
        Ok(self.grid_availability(p_down))
    }

    fn grid_availability(&self, p_down: &[f64]) -> Availability {
        // Column by column, with sums and products of non-negative numbers only (no
        // `1 − x` of a probability near 1, no difference of two products), so tiny
        // availabilities keep their relative precision:
        // - per column, a dynamic program over its nodes gives `full` = P(every node up)
        //   and `mixed` = P(some up and some down); `covered = full + mixed`;
        // - `read` = P(every column so far covered);
        // - `none_full` = P(every column so far covered, none fully up);
        // - `write` = P(every column so far covered, at least one fully up), which grows
        //   as `write·covered + none_full·full`.
        let mut read = 1.0;
        let mut none_full = 1.0;
        let mut write = 0.0;
        for c in 0..self.columns {
            // The first node decides "all up" or "all down"; later nodes can mix them.
            let first = p_down[c];
            let (mut full, mut down, mut mixed) = (1.0 - first, first, 0.0);
            for r in 1..self.rows {
                let p = p_down[r * self.columns + c];
                let up = 1.0 - p;
                mixed += full * p + down * up;
                full *= up;
                down *= p;
            }
            let covered = full + mixed;
            write = write * covered + none_full * full;
            none_full *= mixed;
            read *= covered;
        }
        // Rounding can leave a value one ulp above 1.
        Availability {
            read: f64::min(read, 1.0),
            write: f64::min(write, 1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn at_least_matches_small_cases() {
        let probs = [0.5, 0.5];
        assert_eq!(at_least(1, 2, probs.iter().copied()), Ok(0.75));
        assert_eq!(at_least(2, 2, probs.iter().copied()), Ok(0.25));
        assert_eq!(at_least(0, 2, probs.iter().copied()), Ok(1.0));
        let v: Vec<f64> = Vec::new();
        assert_eq!(at_least(1, 0, v.into_iter()), Ok(0.0));
        assert_eq!(
            at_least(usize::MAX, 1, [0.5].into_iter()),
            Err(AvailabilityError::TooLarge { nodes: 1 })
        );
    }
}
