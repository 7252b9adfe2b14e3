//! Commit-marker gating: a replica exposes a transaction's rows all at once, or not at all.
//!
//! **Anomaly: a torn read.** A $1,000 transfer debits one account and credits another in
//! one transaction. A replica that applies replicated rows as they arrive can be read
//! between the two: the money has left one account and not reached the other, and the
//! bank's total is $1,000 short. A [`CommitGate`] applies rows to a pending area per
//! transaction and exposes them only when the transaction's commit marker has arrived with
//! every row it announces, in commit order; readers read the state as of the last complete
//! commit ([`CommitGate::visible_through`]).
//!
//! Transactions are numbered by commit order (1, 2, 3, …, as the primary's log assigns
//! them). Rows and markers may arrive in any order and more than once.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Why a row or marker was rejected. Nothing changes when one is.
///
/// # Examples
///
/// ```
/// use ward_quorum::gate::{CommitGate, GateError};
///
/// let mut g = CommitGate::<&str, i64>::new();
/// assert_eq!(g.commit(0, 1), Err(GateError::ZeroTransaction));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// Transactions are numbered from 1 (0 is the state before any).
    #[error("transaction numbers start at 1")]
    ZeroTransaction,
    /// A transaction's marker announced a different row count than an earlier marker.
    #[error("transaction {tx} announced {announced} rows, then {again}")]
    ConflictingMarker {
        /// The transaction.
        tx: u64,
        /// Rows announced first.
        announced: usize,
        /// Rows announced now.
        again: usize,
    },
    /// More distinct rows arrived for a transaction than its marker announced.
    #[error("transaction {tx} announced {announced} rows but has more")]
    TooManyRows {
        /// The transaction.
        tx: u64,
        /// Rows announced.
        announced: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending<K, V> {
    rows: BTreeMap<K, V>,
    announced: Option<usize>,
}

/// A replica-side gate that exposes each transaction atomically, in commit order.
///
/// # Examples
///
/// ```
/// use ward_quorum::gate::CommitGate;
///
/// let mut g = CommitGate::new();
/// g.apply(1, "alice", 1_000_i64)?;
/// g.apply(1, "bob", 0)?;
/// g.commit(1, 2)?;
/// // Transfer 2: the debit arrives first; readers still see the state after transfer 1.
/// g.apply(2, "alice", 0)?;
/// assert_eq!((g.read(&"alice"), g.read(&"bob")), (Some(&1_000), Some(&0)));
/// g.commit(2, 2)?;
/// assert_eq!(g.read(&"alice"), Some(&1_000)); // the credit is still missing
/// g.apply(2, "bob", 1_000)?;
/// assert_eq!((g.read(&"alice"), g.read(&"bob")), (Some(&0), Some(&1_000)));
/// assert_eq!(g.visible_through(), 2);
/// # Ok::<(), ward_quorum::gate::GateError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitGate<K, V> {
    visible: BTreeMap<K, V>,
    through: u64,
    pending: BTreeMap<u64, Pending<K, V>>,
}

impl<K: Ord, V> Default for CommitGate<K, V> {
    fn default() -> Self {
        Self {
            visible: BTreeMap::new(),
            through: 0,
            pending: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone, V: Clone> CommitGate<K, V> {
    /// An empty gate: nothing committed, nothing pending.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// assert_eq!(CommitGate::<u8, u8>::new().visible_through(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn pending(&mut self, tx: u64) -> &mut Pending<K, V> {
        self.pending.entry(tx).or_insert_with(|| Pending {
            rows: BTreeMap::new(),
            announced: None,
        })
    }

    /// Applies a replicated row of transaction `tx` (kept pending until the transaction is
    /// exposed). A row of an already exposed transaction, or the same key again for a
    /// pending one, is a redelivery: the first value stays. Returns whether the row was
    /// new.
    ///
    /// # Errors
    ///
    /// [`GateError::ZeroTransaction`] for `tx == 0`; [`GateError::TooManyRows`] if the
    /// transaction's marker announced fewer rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// let mut g = CommitGate::new();
    /// assert!(g.apply(1, 'k', 1)?);
    /// assert!(!g.apply(1, 'k', 2)?); // redelivered
    /// g.commit(1, 1)?;
    /// assert!(!g.apply(1, 'k', 3)?);
    /// assert_eq!(g.read(&'k'), Some(&1));
    /// # Ok::<(), ward_quorum::gate::GateError>(())
    /// ```
    pub fn apply(&mut self, tx: u64, key: K, value: V) -> Result<bool, GateError> {
        if tx == 0 {
            return Err(GateError::ZeroTransaction);
        }
        if tx <= self.through {
            return Ok(false);
        }
        let p = self.pending(tx);
        if p.rows.contains_key(&key) {
            return Ok(false);
        }
        if let Some(announced) = p.announced
            && p.rows.len() >= announced
        {
            let error = GateError::TooManyRows { tx, announced };
            crate::trace::gate_refused(error);
            return Err(error);
        }
        p.rows.insert(key, value);
        self.advance();
        Ok(true)
    }

    /// Records the commit marker of transaction `tx`, which has `rows` rows (distinct
    /// keys). The transaction becomes visible once all its rows are in and every earlier
    /// transaction is visible. A repeated marker is ignored.
    ///
    /// # Errors
    ///
    /// [`GateError::ZeroTransaction`] for `tx == 0`; [`GateError::ConflictingMarker`] for
    /// another row count than an earlier marker of the same transaction;
    /// [`GateError::TooManyRows`] if more rows already arrived.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// let mut g = CommitGate::new();
    /// g.apply(2, "x", 2)?;
    /// g.commit(2, 1)?;
    /// assert_eq!(g.visible_through(), 0); // transaction 1 is not complete yet
    /// g.commit(1, 0)?; // an empty transaction
    /// assert_eq!(g.visible_through(), 2);
    /// # Ok::<(), ward_quorum::gate::GateError>(())
    /// ```
    pub fn commit(&mut self, tx: u64, rows: usize) -> Result<(), GateError> {
        if tx == 0 {
            return Err(GateError::ZeroTransaction);
        }
        if tx <= self.through {
            return Ok(());
        }
        let p = self.pending(tx);
        match p.announced {
            Some(announced) if announced != rows => {
                let error = GateError::ConflictingMarker {
                    tx,
                    announced,
                    again: rows,
                };
                crate::trace::gate_refused(error);
                return Err(error);
            }
            _ => {}
        }
        if p.rows.len() > rows {
            let error = GateError::TooManyRows {
                tx,
                announced: rows,
            };
            crate::trace::gate_refused(error);
            return Err(error);
        }
        p.announced = Some(rows);
        self.advance();
        Ok(())
    }

    /// Exposes every complete transaction that directly follows the visible state.
    fn advance(&mut self) {
        loop {
            let next = self.through + 1;
            let complete = self
                .pending
                .get(&next)
                .is_some_and(|p| p.announced == Some(p.rows.len()));
            if !complete {
                return;
            }
            if let Some(p) = self.pending.remove(&next) {
                self.visible.extend(p.rows);
            }
            self.through = next;
        }
    }

    /// The value of `key` as of the last complete commit.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// let mut g = CommitGate::new();
    /// g.apply(1, 1_u8, "a")?;
    /// assert_eq!(g.read(&1), None);
    /// # Ok::<(), ward_quorum::gate::GateError>(())
    /// ```
    pub fn read(&self, key: &K) -> Option<&V> {
        self.visible.get(key)
    }

    /// Every visible key and value, as of the last complete commit.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// let mut g = CommitGate::new();
    /// g.apply(1, 'a', 1)?;
    /// g.commit(1, 1)?;
    /// assert_eq!(g.snapshot().collect::<Vec<_>>(), [(&'a', &1)]);
    /// # Ok::<(), ward_quorum::gate::GateError>(())
    /// ```
    pub fn snapshot(&self) -> impl Iterator<Item = (&K, &V)> {
        self.visible.iter()
    }

    /// The last transaction exposed (0 before any): readers read as of this commit.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// let mut g = CommitGate::<u8, u8>::new();
    /// g.commit(1, 0)?;
    /// assert_eq!(g.visible_through(), 1);
    /// # Ok::<(), ward_quorum::gate::GateError>(())
    /// ```
    pub fn visible_through(&self) -> u64 {
        self.through
    }

    /// Transactions with rows or a marker that are not visible yet, in commit order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::gate::CommitGate;
    ///
    /// let mut g = CommitGate::new();
    /// g.apply(3, 'k', 0)?;
    /// assert_eq!(g.pending_transactions(), [3]);
    /// # Ok::<(), ward_quorum::gate::GateError>(())
    /// ```
    pub fn pending_transactions(&self) -> Vec<u64> {
        self.pending.keys().copied().collect()
    }
}
