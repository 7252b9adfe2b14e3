//! Quorum collectors for real request paths: count distinct replica responses, say when the
//! quorum is reached or can no longer be, and, for reads, pick the newest value.
//!
//! Replicas are numbered `0..replicas`. The **first** response of a replica counts; later
//! responses of the same replica (retries, duplicated messages) are ignored, so a replica
//! can never be counted twice and an ack can never be turned into a failure.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// Where a collector stands.
///
/// `Reached` and `Impossible` are final: once reached, no later failure can undo it; once
/// impossible, not enough replicas remain to reach it.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{QuorumStatus, WriteCollector};
///
/// let mut c = WriteCollector::new(3, 2)?;
/// assert_eq!(c.ack(0)?, QuorumStatus::Pending);
/// assert_eq!(c.ack(2)?, QuorumStatus::Reached);
/// # Ok::<(), ward_quorum::collector::CollectorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuorumStatus {
    /// Not enough responses yet, but still reachable.
    Pending,
    /// Enough distinct replicas answered successfully.
    Reached,
    /// Too many replicas failed: the quorum cannot be reached any more.
    Impossible,
}

/// Misuse of a collector.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{CollectorError, WriteCollector};
///
/// let mut c = WriteCollector::new(3, 2)?;
/// assert_eq!(c.ack(7), Err(CollectorError::UnknownReplica { replica: 7, replicas: 3 }));
/// # Ok::<(), CollectorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CollectorError {
    /// The quorum is zero or larger than the number of replicas.
    #[error("quorum {needed} is outside 1..={replicas}")]
    QuorumOutOfRange {
        /// The quorum asked for.
        needed: usize,
        /// The number of replicas.
        replicas: usize,
    },
    /// The collector's per-replica state does not fit in memory.
    #[error("{replicas} replicas are too many to track")]
    TooManyReplicas {
        /// The number of replicas asked for.
        replicas: usize,
    },
    /// A response names a replica outside `0..replicas`.
    #[error("replica {replica} is not one of the {replicas} replicas")]
    UnknownReplica {
        /// The replica index given.
        replica: usize,
        /// The number of replicas.
        replicas: usize,
    },
}

fn check_quorum(replicas: usize, needed: usize) -> Result<(), CollectorError> {
    if needed == 0 || needed > replicas {
        Err(CollectorError::QuorumOutOfRange { needed, replicas })
    } else {
        Ok(())
    }
}

/// Whether the failure just counted in `failed` is the one that made the quorum
/// impossible (it was reachable, and not reached, before it).
fn became_impossible(replicas: usize, needed: usize, ok: usize, failed: usize) -> bool {
    ok < needed && replicas - failed + 1 == needed
}

fn status(replicas: usize, needed: usize, ok: usize, failed: usize) -> QuorumStatus {
    if ok >= needed {
        QuorumStatus::Reached
    } else if replicas - failed < needed {
        QuorumStatus::Impossible
    } else {
        QuorumStatus::Pending
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ack {
    Waiting,
    Acked,
    Failed,
}

/// Collects write acknowledgements until `needed` distinct replicas acked.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{QuorumStatus, WriteCollector};
///
/// let mut c = WriteCollector::new(3, 2)?;
/// c.ack(1)?;
/// c.ack(1)?; // duplicate: ignored
/// assert_eq!(c.status(), QuorumStatus::Pending);
/// c.fail(0)?;
/// assert_eq!(c.fail(2)?, QuorumStatus::Impossible);
/// # Ok::<(), ward_quorum::collector::CollectorError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteCollector {
    slots: Vec<Ack>,
    needed: usize,
    acks: usize,
    failures: usize,
}

impl WriteCollector {
    /// A collector for `replicas` replicas that needs `needed` acks.
    ///
    /// # Errors
    ///
    /// [`CollectorError::QuorumOutOfRange`] unless `1 ≤ needed ≤ replicas`;
    /// [`CollectorError::TooManyReplicas`] if the per-replica state cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::collector::WriteCollector;
    ///
    /// assert!(WriteCollector::new(3, 4).is_err());
    /// ```
    pub fn new(replicas: usize, needed: usize) -> Result<Self, CollectorError> {
        check_quorum(replicas, needed)?;
        let mut slots = Vec::new();
        slots
            .try_reserve_exact(replicas)
            .map_err(|_| CollectorError::TooManyReplicas { replicas })?;
        slots.resize(replicas, Ack::Waiting);
        Ok(Self {
            slots,
            needed,
            acks: 0,
            failures: 0,
        })
    }

    fn record(&mut self, replica: usize, outcome: Ack) -> Result<QuorumStatus, CollectorError> {
        let replicas = self.slots.len();
        let slot = self
            .slots
            .get_mut(replica)
            .ok_or(CollectorError::UnknownReplica { replica, replicas })?;
        if *slot == Ack::Waiting {
            *slot = outcome;
            match outcome {
                Ack::Acked => self.acks += 1,
                Ack::Failed => {
                    self.failures += 1;
                    if became_impossible(replicas, self.needed, self.acks, self.failures) {
                        crate::trace::quorum_impossible(
                            "write",
                            replicas,
                            self.needed,
                            self.failures,
                            self.acks,
                        );
                    }
                }
                Ack::Waiting => {}
            }
        }
        Ok(self.status())
    }

    /// Records an acknowledgement from `replica` (ignored if it already answered).
    ///
    /// # Errors
    ///
    /// [`CollectorError::UnknownReplica`] for an index outside `0..replicas`; nothing is
    /// recorded then.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{QuorumStatus, WriteCollector};
    /// let mut c = WriteCollector::new(1, 1)?;
    /// assert_eq!(c.ack(0)?, QuorumStatus::Reached);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn ack(&mut self, replica: usize) -> Result<QuorumStatus, CollectorError> {
        self.record(replica, Ack::Acked)
    }

    /// Records a failure (error reply or timeout) from `replica` (ignored if it already
    /// answered).
    ///
    /// # Errors
    ///
    /// [`CollectorError::UnknownReplica`] for an index outside `0..replicas`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{QuorumStatus, WriteCollector};
    /// let mut c = WriteCollector::new(2, 2)?;
    /// assert_eq!(c.fail(1)?, QuorumStatus::Impossible);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn fail(&mut self, replica: usize) -> Result<QuorumStatus, CollectorError> {
        self.record(replica, Ack::Failed)
    }

    /// The current status.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{QuorumStatus, WriteCollector};
    /// assert_eq!(WriteCollector::new(3, 2)?.status(), QuorumStatus::Pending);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn status(&self) -> QuorumStatus {
        status(self.slots.len(), self.needed, self.acks, self.failures)
    }

    /// Distinct replicas that acked.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::WriteCollector;
    /// let mut c = WriteCollector::new(3, 2)?;
    /// c.ack(2)?;
    /// c.ack(2)?;
    /// assert_eq!(c.acks(), 1);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn acks(&self) -> usize {
        self.acks
    }

    /// Distinct replicas that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::WriteCollector;
    /// let mut c = WriteCollector::new(3, 2)?;
    /// c.fail(0)?;
    /// assert_eq!(c.failures(), 1);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn failures(&self) -> usize {
        self.failures
    }

    /// The replicas that acked, in index order (for hinted handoff or repair bookkeeping).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::WriteCollector;
    /// let mut c = WriteCollector::new(3, 2)?;
    /// c.ack(2)?;
    /// c.ack(0)?;
    /// assert_eq!(c.acked_replicas(), vec![0, 2]);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn acked_replicas(&self) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i] == Ack::Acked)
            .collect()
    }
}

/// How to compare two versions: a total order (an HLC stamp, a sequence number) or a partial
/// order (a vector clock), where `None` means *concurrent*.
///
/// Implemented by [`TotalOrder`] for `Ord` versions, [`PartialOrder`] for `PartialOrd`
/// versions, and by any `Fn(&V, &V) -> Option<Ordering>`.
///
/// The comparison must be a partial order: every version equal to itself, never both older
/// and newer than another, and transitive. A finite set of replies then always has at least
/// one newest value. A comparator that breaks these rules (a cycle such as
/// rock–paper–scissors, or floating-point versions with a NaN, which is not equal to itself)
/// does not make the collector panic, but [`ReadOutcome::newest`] may then be empty or list
/// one value more than once.
///
/// # Examples
///
/// ```
/// use core::cmp::Ordering;
/// use ward_quorum::collector::{TotalOrder, VersionOrder};
///
/// assert_eq!(TotalOrder.compare(&3_u64, &5), Some(Ordering::Less));
/// let by_len = |a: &&str, b: &&str| a.len().partial_cmp(&b.len());
/// assert_eq!(by_len.compare(&"aa", &"b"), Some(Ordering::Greater));
/// ```
pub trait VersionOrder<V> {
    /// Compares `a` with `b`: `Some(Greater)` if `a` is newer, `None` if concurrent.
    fn compare(&self, a: &V, b: &V) -> Option<Ordering>;
}

/// The version type's `Ord`: there is always a single newest value.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{ReadCollector, TotalOrder};
///
/// let mut c = ReadCollector::new(2, 2, TotalOrder)?;
/// c.respond(0, 7_u64)?;
/// c.respond(1, 9_u64)?;
/// assert_eq!(c.outcome().unwrap().newest(), &[&9]);
/// # Ok::<(), ward_quorum::collector::CollectorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TotalOrder;

impl<V: Ord> VersionOrder<V> for TotalOrder {
    fn compare(&self, a: &V, b: &V) -> Option<Ordering> {
        Some(a.cmp(b))
    }
}

/// The version type's `PartialOrd` (vector clocks): concurrent newest values are all kept.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{PartialOrder, VersionOrder};
///
/// #[derive(PartialEq)]
/// struct Clock([u32; 2]);
/// impl PartialOrd for Clock {
///     fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
///         let le = self.0.iter().zip(&o.0).all(|(a, b)| a <= b);
///         let ge = self.0.iter().zip(&o.0).all(|(a, b)| a >= b);
///         match (le, ge) {
///             (true, true) => Some(core::cmp::Ordering::Equal),
///             (true, false) => Some(core::cmp::Ordering::Less),
///             (false, true) => Some(core::cmp::Ordering::Greater),
///             (false, false) => None,
///         }
///     }
/// }
/// assert_eq!(PartialOrder.compare(&Clock([1, 0]), &Clock([0, 1])), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PartialOrder;

impl<V: PartialOrd> VersionOrder<V> for PartialOrder {
    fn compare(&self, a: &V, b: &V) -> Option<Ordering> {
        a.partial_cmp(b)
    }
}

impl<V, F: Fn(&V, &V) -> Option<Ordering>> VersionOrder<V> for F {
    fn compare(&self, a: &V, b: &V) -> Option<Ordering> {
        self(a, b)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply<V> {
    Waiting,
    Value(V),
    Failed,
}

/// Collects read replies until `needed` distinct replicas answered, then picks the newest
/// value(s) and the replicas that need read repair.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder};
///
/// let mut c = ReadCollector::new(3, 2, TotalOrder)?;
/// c.respond(0, 5_u64)?;
/// assert_eq!(c.respond(2, 8)?, QuorumStatus::Reached);
/// let out = c.outcome().unwrap();
/// assert_eq!(out.newest(), &[&8]);
/// assert_eq!(out.repair(), &[0]);
/// # Ok::<(), ward_quorum::collector::CollectorError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReadCollector<V, O> {
    slots: Vec<Reply<V>>,
    needed: usize,
    replies: usize,
    failures: usize,
    order: O,
}

/// The result of a read quorum: newest value(s) and replicas to repair.
///
/// # Examples
///
/// ```
/// use ward_quorum::collector::{ReadCollector, TotalOrder};
///
/// let mut c = ReadCollector::new(3, 3, TotalOrder)?;
/// for (replica, v) in [(0, 4_u32), (1, 4), (2, 1)] {
///     c.respond(replica, v)?;
/// }
/// let out = c.outcome().unwrap();
/// assert_eq!(out.newest(), &[&4]);
/// assert_eq!(out.holders(), &[0, 1]);
/// assert_eq!(out.repair(), &[2]);
/// # Ok::<(), ward_quorum::collector::CollectorError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome<'a, V> {
    newest: Vec<&'a V>,
    holders: Vec<usize>,
    repair: Vec<usize>,
}

impl<'a, V> ReadOutcome<'a, V> {
    /// The newest values: one under a total order; every maximal, mutually concurrent
    /// value under a partial order (equal values are listed once, in replica order of first
    /// appearance). The caller merges siblings (e.g. a multi-value register).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::new(1, 1, TotalOrder)?;
    /// c.respond(0, 'x')?;
    /// assert_eq!(c.outcome().unwrap().newest(), &[&'x']);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn newest(&self) -> &[&'a V] {
        &self.newest
    }

    /// Replicas (index order) whose reply equals one of the newest values.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::new(2, 2, TotalOrder)?;
    /// c.respond(1, 3)?;
    /// c.respond(0, 3)?;
    /// assert_eq!(c.outcome().unwrap().holders(), &[0, 1]);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn holders(&self) -> &[usize] {
        &self.holders
    }

    /// Replicas (index order) that replied and need read repair: those that do not hold the
    /// single newest value, or, when there are several concurrent newest values, every
    /// replica that replied (none holds all of them). Replicas that failed or have not
    /// replied are not listed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::new(2, 2, TotalOrder)?;
    /// c.respond(0, 1)?;
    /// c.respond(1, 2)?;
    /// assert_eq!(c.outcome().unwrap().repair(), &[0]);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn repair(&self) -> &[usize] {
        &self.repair
    }
}

impl<V, O: VersionOrder<V>> ReadCollector<V, O> {
    /// A collector for `replicas` replicas that needs `needed` replies, comparing versions
    /// with `order`.
    ///
    /// # Errors
    ///
    /// [`CollectorError::QuorumOutOfRange`] unless `1 ≤ needed ≤ replicas`;
    /// [`CollectorError::TooManyReplicas`] if the per-replica state cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::collector::{ReadCollector, TotalOrder};
    ///
    /// assert!(ReadCollector::<u64, _>::new(3, 0, TotalOrder).is_err());
    /// ```
    pub fn new(replicas: usize, needed: usize, order: O) -> Result<Self, CollectorError> {
        check_quorum(replicas, needed)?;
        let mut slots = Vec::new();
        slots
            .try_reserve_exact(replicas)
            .map_err(|_| CollectorError::TooManyReplicas { replicas })?;
        slots.resize_with(replicas, || Reply::Waiting);
        Ok(Self {
            slots,
            needed,
            replies: 0,
            failures: 0,
            order,
        })
    }

    fn slot(&mut self, replica: usize) -> Result<&mut Reply<V>, CollectorError> {
        let replicas = self.slots.len();
        self.slots
            .get_mut(replica)
            .ok_or(CollectorError::UnknownReplica { replica, replicas })
    }

    /// Records `replica`'s reply (ignored if it already answered).
    ///
    /// # Errors
    ///
    /// [`CollectorError::UnknownReplica`] for an index outside `0..replicas`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::new(3, 2, TotalOrder)?;
    /// c.respond(0, 1)?;
    /// assert_eq!(c.respond(0, 2)?, QuorumStatus::Pending); // duplicate replica
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn respond(&mut self, replica: usize, value: V) -> Result<QuorumStatus, CollectorError> {
        let slot = self.slot(replica)?;
        if matches!(slot, Reply::Waiting) {
            *slot = Reply::Value(value);
            self.replies += 1;
        }
        Ok(self.status())
    }

    /// Records that `replica` failed or timed out (ignored if it already answered).
    ///
    /// # Errors
    ///
    /// [`CollectorError::UnknownReplica`] for an index outside `0..replicas`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::<u8, _>::new(2, 2, TotalOrder)?;
    /// assert_eq!(c.fail(0)?, QuorumStatus::Impossible);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn fail(&mut self, replica: usize) -> Result<QuorumStatus, CollectorError> {
        let slot = self.slot(replica)?;
        if matches!(slot, Reply::Waiting) {
            *slot = Reply::Failed;
            self.failures += 1;
            let replicas = self.slots.len();
            if became_impossible(replicas, self.needed, self.replies, self.failures) {
                crate::trace::quorum_impossible(
                    "read",
                    replicas,
                    self.needed,
                    self.failures,
                    self.replies,
                );
            }
        }
        Ok(self.status())
    }

    /// The current status.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder};
    /// let c = ReadCollector::<u8, _>::new(2, 1, TotalOrder)?;
    /// assert_eq!(c.status(), QuorumStatus::Pending);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn status(&self) -> QuorumStatus {
        status(self.slots.len(), self.needed, self.replies, self.failures)
    }

    /// Distinct replicas that replied with a value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::new(2, 1, TotalOrder)?;
    /// c.respond(1, 0)?;
    /// assert_eq!(c.replies(), 1);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn replies(&self) -> usize {
        self.replies
    }

    /// Distinct replicas that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::collector::{ReadCollector, TotalOrder};
    /// let mut c = ReadCollector::<u8, _>::new(2, 1, TotalOrder)?;
    /// c.fail(1)?;
    /// assert_eq!(c.failures(), 1);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn failures(&self) -> usize {
        self.failures
    }

    /// The newest value(s) among all replies so far and the replicas to repair, once the
    /// quorum is reached; `None` before that (or if it became impossible). Replies that
    /// arrive after the quorum is reached are taken into account too.
    ///
    /// Replies whose versions compare `Equal` but whose values differ (two replicas that
    /// wrote different values at the same timestamp) have diverged. As in Cassandra, the
    /// tie is broken by value: the greatest value (`V`'s `Ord`) wins, only the replicas
    /// holding it are holders, and the others are listed for repair. Use
    /// [`ReadCollector::outcome_by`] for versions without `Ord` (vector clocks).
    ///
    /// Takes `O(m²)` comparisons for `m` replies.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::collector::ReadCollector;
    ///
    /// // (timestamp, value), compared by timestamp only.
    /// let by_stamp = |a: &(u64, char), b: &(u64, char)| a.0.partial_cmp(&b.0);
    /// let mut c = ReadCollector::new(3, 3, by_stamp)?;
    /// c.respond(0, (7, 'a'))?;
    /// c.respond(1, (7, 'b'))?;
    /// c.respond(2, (6, 'z'))?;
    /// let out = c.outcome().unwrap();
    /// assert_eq!(out.newest(), &[&(7, 'b')]);
    /// assert_eq!((out.holders(), out.repair()), (&[1][..], &[0, 2][..]));
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn outcome(&self) -> Option<ReadOutcome<'_, V>>
    where
        V: Ord,
    {
        self.outcome_by(Ord::cmp)
    }

    /// [`ReadCollector::outcome`] with `tie_break` ordering the values whose versions
    /// compare `Equal`: two replies are the same value only if both the version order and
    /// `tie_break` say `Equal`; otherwise the greater by `tie_break` wins the tie and the
    /// other is repaired. `tie_break` must be a total order on each such group of replies.
    ///
    /// Takes `O(m²)` comparisons for `m` replies.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::collector::{ReadCollector, PartialOrder};
    ///
    /// // Versions as (a, b) pairs ordered component-wise: a tiny vector clock.
    /// #[derive(Debug, PartialEq)]
    /// struct Vc(u8, u8);
    /// impl PartialOrd for Vc {
    ///     fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
    ///         use core::cmp::Ordering::*;
    ///         match (self.0.cmp(&o.0), self.1.cmp(&o.1)) {
    ///             (x, y) if x == y => Some(x),
    ///             (Equal, y) => Some(y),
    ///             (x, Equal) => Some(x),
    ///             _ => None,
    ///         }
    ///     }
    /// }
    /// let mut c = ReadCollector::new(3, 3, PartialOrder)?;
    /// c.respond(0, Vc(1, 0))?;
    /// c.respond(1, Vc(0, 1))?;
    /// c.respond(2, Vc(0, 0))?;
    /// // Equal clocks are equal values here; a clock with a payload would order payloads.
    /// let out = c.outcome_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1))).unwrap();
    /// assert_eq!(out.newest(), &[&Vc(1, 0), &Vc(0, 1)]);
    /// assert_eq!(out.repair(), &[0, 1, 2]);
    /// # Ok::<(), ward_quorum::collector::CollectorError>(())
    /// ```
    pub fn outcome_by(&self, tie_break: impl Fn(&V, &V) -> Ordering) -> Option<ReadOutcome<'_, V>> {
        if self.status() != QuorumStatus::Reached {
            return None;
        }
        let values: Vec<(usize, &V)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Reply::Value(v) => Some((i, v)),
                _ => None,
            })
            .collect();
        // The version order refined by the tie-break: `a` beats `b` when its version is
        // newer, or equal with a greater value.
        let cmp = |a: &V, b: &V| match self.order.compare(a, b) {
            Some(Ordering::Equal) => Some(tie_break(a, b)),
            other => other,
        };
        let mut newest: Vec<&V> = Vec::new();
        for &(_, v) in &values {
            let dominated = values
                .iter()
                .any(|&(_, o)| cmp(o, v) == Some(Ordering::Greater));
            let listed = newest.iter().any(|n| cmp(n, v) == Some(Ordering::Equal));
            if !dominated && !listed {
                newest.push(v);
            }
        }
        let mut holders = Vec::new();
        let mut repair = Vec::new();
        for &(i, v) in &values {
            let holds = newest.iter().any(|n| cmp(n, v) == Some(Ordering::Equal));
            if holds {
                holders.push(i);
            }
            if !holds || newest.len() > 1 {
                repair.push(i);
            }
        }
        if !repair.is_empty() {
            crate::trace::read_repair(values.len(), repair.len(), newest.len());
        }
        Some(ReadOutcome {
            newest,
            holders,
            repair,
        })
    }
}
