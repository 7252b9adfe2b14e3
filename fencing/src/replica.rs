//! Fencing a replicated store: how many replicas must see the new token before writes are
//! safe, and tracking their acknowledgements.

use alloc::vec;
use alloc::vec::Vec;

use crate::guard::StaleToken;
use crate::token::FencingToken;

/// Tracks which replicas of a replicated store have fenced a new holder's token, and says when
/// enough have for the holder's writes to be safe.
///
/// With `N` replicas and writes that succeed once `W` replicas accept them, a stale holder's
/// write can still succeed on any `W` replicas that have not seen the new token. The new
/// holder is safe once no such set exists: once at least `N − W + 1` replicas have admitted
/// its token, every set of `W` replicas contains one of them (because
/// `W + (N − W + 1) > N`), so every stale write misses its quorum. Before that point the new
/// holder must not assume older holders are fenced out.
///
/// A replica that refuses the token ([`ReplicaFencing::refuse`]) has seen a newer one: this
/// holder is superseded and never becomes safe.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, ReplicaFencing};
///
/// // Five replicas, writes need three: the new leader must fence 5 - 3 + 1 = 3 of them.
/// let mut fencing = ReplicaFencing::new(FencingToken::new(34).unwrap(), 5, 3).unwrap();
/// assert_eq!(fencing.required(), 3);
/// fencing.ack(0).unwrap();
/// fencing.ack(4).unwrap();
/// fencing.ack(4).unwrap(); // duplicates count once
/// assert!(!fencing.is_safe());
/// fencing.ack(2).unwrap();
/// assert!(fencing.is_safe());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct ReplicaFencing {
    token: FencingToken,
    write_quorum: usize,
    acked: Vec<bool>,
    acked_count: usize,
    superseded_by: Option<FencingToken>,
}

impl ReplicaFencing {
    /// The largest replica count [`ReplicaFencing::new`] accepts (65 536): far above any real
    /// replica set, and low enough that the per-replica table never becomes a huge allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaConfigError, ReplicaFencing};
    ///
    /// let max = ReplicaFencing::MAX_REPLICAS;
    /// assert!(ReplicaFencing::new(FencingToken::MIN, max, 1).is_ok());
    /// assert_eq!(
    ///     ReplicaFencing::new(FencingToken::MIN, usize::MAX, 1),
    ///     Err(ReplicaConfigError::TooManyReplicas { replicas: usize::MAX, max })
    /// );
    /// ```
    pub const MAX_REPLICAS: usize = 1 << 16;

    /// Starts tracking the fencing of `token` on `replicas` replicas written with quorum
    /// `write_quorum`.
    ///
    /// # Errors
    ///
    /// [`ReplicaConfigError::NoReplicas`] if `replicas` is zero;
    /// [`ReplicaConfigError::TooManyReplicas`] if it is above
    /// [`ReplicaFencing::MAX_REPLICAS`]; [`ReplicaConfigError::QuorumOutOfRange`] unless
    /// `1 <= write_quorum <= replicas`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaConfigError, ReplicaFencing};
    ///
    /// let err = ReplicaFencing::new(FencingToken::MIN, 3, 4).unwrap_err();
    /// assert_eq!(err, ReplicaConfigError::QuorumOutOfRange { write_quorum: 4, replicas: 3 });
    /// ```
    pub fn new(
        token: FencingToken,
        replicas: usize,
        write_quorum: usize,
    ) -> Result<Self, ReplicaConfigError> {
        if replicas == 0 {
            return Err(ReplicaConfigError::NoReplicas);
        }
        if replicas > Self::MAX_REPLICAS {
            return Err(ReplicaConfigError::TooManyReplicas {
                replicas,
                max: Self::MAX_REPLICAS,
            });
        }
        if write_quorum == 0 || write_quorum > replicas {
            return Err(ReplicaConfigError::QuorumOutOfRange {
                write_quorum,
                replicas,
            });
        }
        Ok(Self {
            token,
            write_quorum,
            acked: vec![false; replicas],
            acked_count: 0,
            superseded_by: None,
        })
    }

    /// Records that `replica` (numbered from 0) admitted the token. Returns whether this
    /// acknowledgement was new; a duplicate changes nothing.
    ///
    /// # Errors
    ///
    /// [`UnknownReplica`] if `replica` is not below the replica count; nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 3, 2).unwrap();
    /// assert_eq!(fencing.ack(1), Ok(true));
    /// assert_eq!(fencing.ack(1), Ok(false));
    /// assert!(fencing.ack(3).is_err());
    /// ```
    pub fn ack(&mut self, replica: usize) -> Result<bool, UnknownReplica> {
        let replicas = self.acked.len();
        let slot = self
            .acked
            .get_mut(replica)
            .ok_or(UnknownReplica { replica, replicas })?;
        if *slot {
            return Ok(false);
        }
        *slot = true;
        self.acked_count += 1;
        Ok(true)
    }

    /// Records that a replica refused the token because it has admitted a newer one: this
    /// holder is superseded and will never be safe. Keeps the highest refusing mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FenceGuard, FencingToken, ReplicaFencing};
    ///
    /// let t = |v| FencingToken::new(v).unwrap();
    /// let replica = FenceGuard::with_mark(t(35));
    /// let mut fencing = ReplicaFencing::new(t(34), 3, 2).unwrap();
    /// let refusal = replica.admit(t(34)).unwrap_err();
    /// fencing.refuse(refusal);
    /// assert_eq!(fencing.superseded_by(), Some(t(35)));
    /// assert!(!fencing.is_safe());
    /// ```
    pub fn refuse(&mut self, refusal: StaleToken) {
        let mark = refusal.mark();
        if mark > self.token {
            self.superseded_by = Some(self.superseded_by.map_or(mark, |m| m.max(mark)));
        }
    }

    /// Whether enough replicas (at least [`ReplicaFencing::required`]) have fenced the token
    /// and none refused it: from now on no stale holder's write can reach a write quorum.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 3, 3).unwrap();
    /// fencing.ack(0).unwrap(); // W = N: one fenced replica breaks every write quorum
    /// assert!(fencing.is_safe());
    /// ```
    pub fn is_safe(&self) -> bool {
        self.superseded_by.is_none() && self.acked_count >= self.required()
    }

    /// `N − W + 1`: the number of replicas that must fence the token.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// assert_eq!(ReplicaFencing::new(FencingToken::MIN, 3, 2).unwrap().required(), 2);
    /// assert_eq!(ReplicaFencing::new(FencingToken::MIN, 3, 1).unwrap().required(), 3);
    /// ```
    pub fn required(&self) -> usize {
        self.acked.len() - self.write_quorum + 1
    }

    /// The number of distinct replicas that acknowledged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 3, 2).unwrap();
    /// fencing.ack(2).unwrap();
    /// assert_eq!(fencing.acked(), 1);
    /// ```
    pub fn acked(&self) -> usize {
        self.acked_count
    }

    /// Whether `replica` acknowledged (`false` for an unknown replica).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 3, 2).unwrap();
    /// fencing.ack(2).unwrap();
    /// assert!(fencing.has_acked(2) && !fencing.has_acked(0));
    /// ```
    pub fn has_acked(&self, replica: usize) -> bool {
        self.acked.get(replica).copied().unwrap_or(false)
    }

    /// The replicas that have not acknowledged yet, in increasing order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 3, 2).unwrap();
    /// fencing.ack(1).unwrap();
    /// assert_eq!(fencing.pending().collect::<Vec<_>>(), vec![0, 2]);
    /// ```
    pub fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        self.acked
            .iter()
            .enumerate()
            .filter_map(|(i, &acked)| (!acked).then_some(i))
    }

    /// The highest mark a refusing replica reported, if any refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// assert_eq!(ReplicaFencing::new(FencingToken::MIN, 1, 1).unwrap().superseded_by(), None);
    /// ```
    pub fn superseded_by(&self) -> Option<FencingToken> {
        self.superseded_by
    }

    /// The token being fenced.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let fencing = ReplicaFencing::new(FencingToken::MAX, 1, 1).unwrap();
    /// assert_eq!(fencing.token(), FencingToken::MAX);
    /// ```
    pub fn token(&self) -> FencingToken {
        self.token
    }

    /// The number of replicas, `N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// assert_eq!(ReplicaFencing::new(FencingToken::MIN, 5, 3).unwrap().replicas(), 5);
    /// ```
    pub fn replicas(&self) -> usize {
        self.acked.len()
    }

    /// The write quorum, `W`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// assert_eq!(ReplicaFencing::new(FencingToken::MIN, 5, 3).unwrap().write_quorum(), 3);
    /// ```
    pub fn write_quorum(&self) -> usize {
        self.write_quorum
    }
}

/// Why a replica configuration is invalid.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, ReplicaConfigError, ReplicaFencing};
///
/// let err = ReplicaFencing::new(FencingToken::MIN, 0, 0).unwrap_err();
/// assert_eq!(err, ReplicaConfigError::NoReplicas);
/// assert_eq!(err.to_string(), "replica count is zero");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum ReplicaConfigError {
    /// There are no replicas.
    #[error("replica count is zero")]
    NoReplicas,
    /// The replica count is above [`ReplicaFencing::MAX_REPLICAS`].
    #[error("replica count {replicas} is above the maximum {max}")]
    TooManyReplicas {
        /// The replica count requested.
        replicas: usize,
        /// The largest replica count accepted.
        max: usize,
    },
    /// The write quorum is zero or larger than the replica count.
    #[error("write quorum {write_quorum} is outside 1 to {replicas}")]
    QuorumOutOfRange {
        /// The write quorum requested.
        write_quorum: usize,
        /// The replica count.
        replicas: usize,
    },
}

/// An acknowledgement named a replica that does not exist.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, ReplicaFencing};
///
/// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 2, 1).unwrap();
/// let err = fencing.ack(7).unwrap_err();
/// assert_eq!((err.replica(), err.replicas()), (7, 2));
/// assert_eq!(err.to_string(), "replica 7 does not exist: there are 2 replicas");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[error("replica {replica} does not exist: there are {replicas} replicas")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct UnknownReplica {
    replica: usize,
    replicas: usize,
}

impl UnknownReplica {
    /// The replica number that was given.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 1, 1).unwrap();
    /// assert_eq!(fencing.ack(5).unwrap_err().replica(), 5);
    /// ```
    pub const fn replica(&self) -> usize {
        self.replica
    }

    /// The replica count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, ReplicaFencing};
    ///
    /// let mut fencing = ReplicaFencing::new(FencingToken::MIN, 1, 1).unwrap();
    /// assert_eq!(fencing.ack(5).unwrap_err().replicas(), 1);
    /// ```
    pub const fn replicas(&self) -> usize {
        self.replicas
    }
}
