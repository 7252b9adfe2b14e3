//! Gifford's weighted voting.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use crate::availability::{Availability, AvailabilityError, check_probability};

/// Why a weighted-voting configuration was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::{WeightedVoting, WeightedVotingError};
///
/// let err = WeightedVoting::new(vec![1, 1, 1], 1, 2).unwrap_err();
/// assert_eq!(err, WeightedVotingError::ReadWriteDisjoint { r: 1, w: 2, total: 3 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WeightedVotingError {
    /// The nodes hold no votes at all.
    #[error("the nodes hold no votes")]
    NoVotes,
    /// The total number of votes does not fit in a `u64`.
    #[error("the total number of votes overflows")]
    TooManyVotes,
    /// A read or write threshold is zero or above the total.
    #[error("threshold {threshold} is outside 1..={total}")]
    ThresholdOutOfRange {
        /// The threshold asked for.
        threshold: u64,
        /// The total number of votes.
        total: u64,
    },
    /// `r + w ≤ V`: a read may miss the latest write.
    #[error("read threshold {r} + write threshold {w} do not exceed {total} votes")]
    ReadWriteDisjoint {
        /// The read threshold.
        r: u64,
        /// The write threshold.
        w: u64,
        /// The total number of votes.
        total: u64,
    },
    /// `2w ≤ V`: two writes may complete on disjoint node sets.
    #[error("twice the write threshold {w} does not exceed {total} votes")]
    WriteWriteDisjoint {
        /// The write threshold.
        w: u64,
        /// The total number of votes.
        total: u64,
    },
}

/// Weighted voting (Gifford, *Weighted Voting for Replicated Data*, SOSP 1979).
///
/// Node `i` holds `votes[i]` votes, `V` in total. A read collects at least `r` votes, a write
/// at least `w`. With `r + w > V` every read meets every write, and with `2w > V` every two
/// writes meet, so versions are totally ordered. Giving fast, reliable nodes more votes
/// trades availability between nodes; nodes with zero votes are caches that never count.
///
/// # Examples
///
/// ```
/// use ward_quorum::WeightedVoting;
///
/// // A primary with 2 votes and two secondaries with 1: V = 4.
/// let wv = WeightedVoting::new(vec![2, 1, 1], 2, 3)?;
/// assert_eq!(wv.total_votes(), 4);
/// // The primary alone can serve reads.
/// assert!(wv.can_read(&[0]));
/// assert!(!wv.can_write(&[1, 2]));
/// # Ok::<(), ward_quorum::WeightedVotingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawWeightedVoting"))]
pub struct WeightedVoting {
    votes: Vec<u64>,
    /// Derived from `votes`: not part of the serialized form.
    #[cfg_attr(feature = "serde", serde(skip_serializing))]
    total: u64,
    r: u64,
    w: u64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeightedVoting {
    votes: Vec<u64>,
    r: u64,
    w: u64,
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl TryFrom<RawWeightedVoting> for WeightedVoting {
    type Error = WeightedVotingError;
    fn try_from(raw: RawWeightedVoting) -> Result<Self, WeightedVotingError> {
        Self::new(raw.votes, raw.r, raw.w)
    }
}

impl WeightedVoting {
    /// Validates `1 ≤ r, w ≤ V`, `r + w > V` and `2w > V`.
    ///
    /// # Errors
    ///
    /// [`WeightedVotingError::NoVotes`], [`WeightedVotingError::TooManyVotes`],
    /// [`WeightedVotingError::ThresholdOutOfRange`],
    /// [`WeightedVotingError::ReadWriteDisjoint`] or
    /// [`WeightedVotingError::WriteWriteDisjoint`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::{WeightedVoting, WeightedVotingError};
    ///
    /// assert_eq!(
    ///     WeightedVoting::new(vec![1, 1, 1, 1], 3, 2),
    ///     Err(WeightedVotingError::WriteWriteDisjoint { w: 2, total: 4 })
    /// );
    /// ```
    pub fn new(votes: Vec<u64>, r: u64, w: u64) -> Result<Self, WeightedVotingError> {
        let total = votes
            .iter()
            .try_fold(0_u64, |acc, &v| acc.checked_add(v))
            .ok_or(WeightedVotingError::TooManyVotes)?;
        if total == 0 {
            return Err(WeightedVotingError::NoVotes);
        }
        for threshold in [r, w] {
            if threshold == 0 || threshold > total {
                return Err(WeightedVotingError::ThresholdOutOfRange { threshold, total });
            }
        }
        // r, w ≤ total ≤ u64::MAX, so compare without overflowing.
        if r <= total - w {
            return Err(WeightedVotingError::ReadWriteDisjoint { r, w, total });
        }
        if w <= total - w {
            return Err(WeightedVotingError::WriteWriteDisjoint { w, total });
        }
        Ok(Self { votes, total, r, w })
    }

    /// Votes per node.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::WeightedVoting;
    /// assert_eq!(WeightedVoting::new(vec![2, 1], 2, 2)?.votes(), &[2, 1]);
    /// # Ok::<(), ward_quorum::WeightedVotingError>(())
    /// ```
    pub fn votes(&self) -> &[u64] {
        &self.votes
    }

    /// The total `V`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::WeightedVoting;
    /// assert_eq!(WeightedVoting::new(vec![2, 1], 2, 2)?.total_votes(), 3);
    /// # Ok::<(), ward_quorum::WeightedVotingError>(())
    /// ```
    pub fn total_votes(&self) -> u64 {
        self.total
    }

    /// The read threshold `r`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::WeightedVoting;
    /// assert_eq!(WeightedVoting::new(vec![2, 1], 1, 3)?.read_threshold(), 1);
    /// # Ok::<(), ward_quorum::WeightedVotingError>(())
    /// ```
    pub fn read_threshold(&self) -> u64 {
        self.r
    }

    /// The write threshold `w`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::WeightedVoting;
    /// assert_eq!(WeightedVoting::new(vec![2, 1], 1, 3)?.write_threshold(), 3);
    /// # Ok::<(), ward_quorum::WeightedVotingError>(())
    /// ```
    pub fn write_threshold(&self) -> u64 {
        self.w
    }

    fn votes_of(&self, nodes: &[usize]) -> u64 {
        let mut seen = vec![false; self.votes.len()];
        let mut sum = 0_u64;
        for &i in nodes {
            if let Some(flag) = seen.get_mut(i)
                && !*flag
            {
                *flag = true;
                sum += self.votes[i];
            }
        }
        sum
    }

    /// Whether the given nodes (indices; duplicates and unknown indices ignored) hold enough
    /// votes for a read.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::WeightedVoting;
    /// let wv = WeightedVoting::new(vec![1, 1, 1], 2, 2)?;
    /// assert!(!wv.can_read(&[0, 0]));
    /// assert!(wv.can_read(&[0, 2]));
    /// # Ok::<(), ward_quorum::WeightedVotingError>(())
    /// ```
    pub fn can_read(&self, nodes: &[usize]) -> bool {
        self.votes_of(nodes) >= self.r
    }

    /// Whether the given nodes (indices; duplicates and unknown indices ignored) hold enough
    /// votes for a write.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::WeightedVoting;
    /// let wv = WeightedVoting::new(vec![1, 1, 1], 2, 2)?;
    /// assert!(wv.can_write(&[1, 2]));
    /// # Ok::<(), ward_quorum::WeightedVotingError>(())
    /// ```
    pub fn can_write(&self, nodes: &[usize]) -> bool {
        self.votes_of(nodes) >= self.w
    }

    /// Read and write availability with a failure probability per node, by a dynamic
    /// program over the reachable vote totals (capped at the threshold).
    ///
    /// Time and memory follow the number of distinct vote totals below a threshold, at most
    /// `min(2ⁿ, threshold + 1)`: immediate for the handful of weighted replicas this scheme
    /// is used with or for small vote values, but exponential for many nodes with unrelated
    /// large votes (say 60 nodes voting distinct powers of two).
    ///
    /// # Errors
    ///
    /// [`AvailabilityError::WrongNodeCount`] unless there is one probability per node;
    /// [`AvailabilityError::InvalidProbability`] naming the first bad node.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::WeightedVoting;
    ///
    /// let wv = WeightedVoting::new(vec![2, 1, 1], 2, 3)?;
    /// let a = wv.availability(&[0.1, 0.1, 0.1])?;
    /// // Read: the primary, or both secondaries.
    /// assert!((a.read - (0.9 + 0.1 * 0.81)).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn availability(&self, p_down: &[f64]) -> Result<Availability, AvailabilityError> {
        if p_down.len() != self.votes.len() {
            return Err(AvailabilityError::WrongNodeCount {
                expected: self.votes.len(),
                got: p_down.len(),
            });
        }
        for (i, &p) in p_down.iter().enumerate() {
            check_probability(i, p)?;
        }
        Ok(Availability {
            read: self.votes_at_least(self.r, p_down),
            write: self.votes_at_least(self.w, p_down),
        })
    }

    fn votes_at_least(&self, threshold: u64, p_down: &[f64]) -> f64 {
        // Sparse state: probability of each reachable vote total, capped at the threshold,
        // so memory follows the number of distinct totals, not the size of the votes.
        let mut state: BTreeMap<u64, f64> = BTreeMap::new();
        state.insert(0, 1.0);
        for (&v, &p) in self.votes.iter().zip(p_down) {
            if v == 0 {
                continue;
            }
            let up = 1.0 - p;
            let mut next = BTreeMap::new();
            for (&sum, &prob) in &state {
                *next.entry(sum).or_insert(0.0) += prob * p;
                let grown = sum.saturating_add(v).min(threshold);
                *next.entry(grown).or_insert(0.0) += prob * up;
            }
            state = next;
        }
        // Rounding can leave the sum one ulp above 1.
        state.get(&threshold).copied().unwrap_or(0.0).min(1.0)
    }
}
