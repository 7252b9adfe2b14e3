//! Grow-only counter.

use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::error::{CounterError, DecodeError};
use crate::lattice::{DeltaCrdt, Lattice};

/// A grow-only counter: one `u64` count per actor, value = the sum, merge = pointwise max.
///
/// Each replica increments only its own entry (through a [`Replica`](crate::Replica),
/// which owns the actor id), so the maximum of two entries is always the more recent
/// one and merging never double-counts. The value is a `u128`, so the sum of any number
/// of full `u64` entries cannot overflow. Increments are checked: an increment that would
/// push the replica's own count past `u64::MAX` returns [`CounterError::Overflow`] and
/// changes nothing (a wrapped count would look *smaller* and be erased by the next merge).
///
/// Entries are kept in a vector sorted by actor, so merge is one linear pass (and, when
/// both sides know the same actors, an in-place pointwise maximum without allocation).
/// Memory is `O(actors)`.
///
/// # Examples
///
/// ```
/// use ward_crdt::{GCounter, Lattice, Replica};
///
/// let mut a = Replica::new("a", GCounter::new());
/// let mut b = Replica::new("b", GCounter::new());
/// a.increment(2)?;
/// let delta = b.increment(3)?;
///
/// a.merge_delta(&delta).unwrap();
/// assert_eq!(a.state().value(), 5);
/// assert_eq!(a.state().count(&"b"), 3);
/// # Ok::<(), ward_crdt::CounterError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct GCounter<A> {
    /// Sorted strictly by actor; every count is at least 1.
    entries: Vec<(A, u64)>,
}

impl<A> GCounter<A> {
    /// Creates a counter at zero. Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::GCounter;
    ///
    /// let counter = GCounter::<&str>::new();
    /// assert_eq!(counter.value(), 0);
    /// assert!(counter.is_empty());
    /// ```
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// The counter's value: the sum of every actor's count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::GCounter;
    ///
    /// let counter = GCounter::try_from(vec![("a", u64::MAX), ("b", u64::MAX)])?;
    /// assert_eq!(counter.value(), 2 * u128::from(u64::MAX));
    /// # Ok::<(), ward_crdt::DecodeError>(())
    /// ```
    pub fn value(&self) -> u128 {
        self.entries.iter().map(|(_, n)| u128::from(*n)).sum()
    }

    /// Number of actors with a non-zero count.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::GCounter;
    ///
    /// assert_eq!(GCounter::try_from(vec![(1, 4), (2, 1)])?.len(), 2);
    /// # Ok::<(), ward_crdt::DecodeError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no actor has counted anything (the value is 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::GCounter;
    ///
    /// assert!(GCounter::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The non-zero entries `(actor, count)` in actor order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::GCounter;
    ///
    /// let counter = GCounter::try_from(vec![("a", 1), ("b", 2)])?;
    /// let entries: Vec<_> = counter.iter().collect();
    /// assert_eq!(entries, [(&"a", 1), (&"b", 2)]);
    /// # Ok::<(), ward_crdt::DecodeError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&A, u64)> + '_ {
        self.entries.iter().map(|(a, n)| (a, *n))
    }
}

impl<A: Ord> GCounter<A> {
    /// The count of `actor`, 0 if it never incremented.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::GCounter;
    ///
    /// let counter = GCounter::try_from(vec![("a", 3)])?;
    /// assert_eq!(counter.count(&"a"), 3);
    /// assert_eq!(counter.count(&"b"), 0);
    /// # Ok::<(), ward_crdt::DecodeError>(())
    /// ```
    pub fn count(&self, actor: &A) -> u64 {
        match self.entries.binary_search_by(|(a, _)| a.cmp(actor)) {
            Ok(i) => self.entries[i].1,
            Err(_) => 0,
        }
    }
}

impl<A: Ord + Clone> GCounter<A> {
    /// Adds `by` to `actor`'s count and returns the delta (the new entry alone).
    ///
    /// Reached through [`Replica::increment`](crate::Replica::increment), which supplies
    /// the replica's own actor.
    /// Adding 0 changes nothing and returns the bottom (empty) delta.
    pub(crate) fn increment(&mut self, actor: &A, by: u64) -> Result<Self, CounterError> {
        if by == 0 {
            return Ok(Self::new());
        }
        let position = self.entries.binary_search_by(|(a, _)| a.cmp(actor));
        let count = match position {
            Ok(i) => self.entries[i].1,
            Err(_) => 0,
        };
        let new = count
            .checked_add(by)
            .ok_or(CounterError::Overflow { count, by })?;
        match position {
            Ok(i) => self.entries[i].1 = new,
            Err(i) => self.entries.insert(i, (actor.clone(), new)),
        }
        Ok(Self {
            entries: alloc::vec![(actor.clone(), new)],
        })
    }

    /// The entries of `self` above `peer`'s: the optimal delta for a peer whose counter
    /// is `peer` (bottom exactly when `self ≤ peer`).
    pub(crate) fn above(&self, peer: &Self) -> Self {
        Self {
            entries: self
                .entries
                .iter()
                .filter(|(a, n)| *n > peer.count(a))
                .cloned()
                .collect(),
        }
    }

    /// General merge for actor lists that differ: one merge-join into a new vector.
    fn merge_join(&mut self, other: &Self) {
        let mut out = Vec::with_capacity(self.entries.len() + other.entries.len());
        let mut ours = core::mem::take(&mut self.entries).into_iter().peekable();
        let mut theirs = other.entries.iter().peekable();
        loop {
            match (ours.peek(), theirs.peek()) {
                (Some((a, _)), Some((b, _))) => match a.cmp(b) {
                    Ordering::Less => out.extend(ours.next()),
                    Ordering::Greater => out.extend(theirs.next().cloned()),
                    Ordering::Equal => {
                        let (actor, n) = ours.next().expect("peeked");
                        let (_, m) = theirs.next().expect("peeked");
                        out.push((actor, n.max(*m)));
                    }
                },
                (Some(_), None) => {
                    out.extend(ours);
                    break;
                }
                (None, Some(_)) => {
                    out.extend(theirs.cloned());
                    break;
                }
                (None, None) => break,
            }
        }
        out.shrink_to_fit();
        self.entries = out;
    }
}

impl<A: Ord + Clone> Lattice for GCounter<A> {
    /// Pointwise maximum. When both counters list the same actors (the steady state of a
    /// cluster) this is one in-place pass with no allocation.
    fn merge(&mut self, other: &Self) {
        if self.entries.len() == other.entries.len() {
            // Entries raised before a mismatch is found stay raised: the merge-join below
            // takes the same maxima again, so the result is the full join either way.
            let mut aligned = true;
            for ((a, n), (b, m)) in self.entries.iter_mut().zip(&other.entries) {
                if a != b {
                    aligned = false;
                    break;
                }
                *n = (*n).max(*m);
            }
            if aligned {
                return;
            }
        }
        if other.entries.is_empty() {
            return;
        }
        self.merge_join(other);
    }

    fn leq(&self, other: &Self) -> bool
    where
        Self: Clone + PartialEq,
    {
        self.entries.iter().all(|(a, n)| *n <= other.count(a))
    }
}

impl<A: Ord + Clone> DeltaCrdt for GCounter<A> {
    type Actor = A;

    fn events_of(&self, actor: &A) -> u64 {
        self.count(actor)
    }
}

impl<A> Default for GCounter<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: core::fmt::Debug> core::fmt::Debug for GCounter<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(a, n)| (a, n)))
            .finish()
    }
}

/// Builds a counter from `(actor, count)` pairs, validating the canonical form: actors
/// strictly increasing, every count at least 1.
///
/// # Errors
///
/// [`DecodeError::UnsortedEntries`] or [`DecodeError::ZeroCount`] with the index of the
/// offending pair.
impl<A: Ord> TryFrom<Vec<(A, u64)>> for GCounter<A> {
    type Error = DecodeError;

    fn try_from(entries: Vec<(A, u64)>) -> Result<Self, DecodeError> {
        for (index, (_, n)) in entries.iter().enumerate() {
            if *n == 0 {
                return Err(DecodeError::ZeroCount { index });
            }
        }
        for (index, pair) in entries.windows(2).enumerate() {
            if pair[0].0 >= pair[1].0 {
                return Err(DecodeError::UnsortedEntries { index: index + 1 });
            }
        }
        Ok(Self { entries })
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::GCounter;

    /// Encoded as a sequence of `[actor, count]` pairs in actor order (JSON-safe for any
    /// actor type, deterministic).
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for GCounter<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.entries.iter())
        }
    }

    /// Validates like `TryFrom<Vec<(A, u64)>>`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord> Deserialize<'de> for GCounter<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let entries = Vec::<(A, u64)>::deserialize(deserializer)?;
            GCounter::try_from(entries).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increment_checks_overflow_and_leaves_state_unchanged() {
        let mut c = GCounter::try_from(alloc::vec![("a", u64::MAX - 1)]).unwrap();
        assert!(c.increment(&"a", 1).is_ok());
        let before = c.clone();
        assert_eq!(
            c.increment(&"a", 1),
            Err(CounterError::Overflow {
                count: u64::MAX,
                by: 1
            })
        );
        assert_eq!(c, before);
    }

    #[test]
    fn merge_of_misaligned_actor_lists_keeps_order() {
        let mut a = GCounter::try_from(alloc::vec![(1, 5), (3, 1)]).unwrap();
        let b = GCounter::try_from(alloc::vec![(2, 2), (3, 4)]).unwrap();
        a.merge(&b);
        assert_eq!(a.entries, [(1, 5), (2, 2), (3, 4)]);
    }
}
