//! Positive-negative counter.

use alloc::vec::Vec;

use crate::error::{CounterError, DecodeError};
use crate::gcounter::GCounter;
use crate::lattice::{DeltaCrdt, Lattice};

/// A counter that goes up and down: two [`GCounter`]s, one of increments and one of
/// decrements; value = increments − decrements as an `i128`.
///
/// Both halves grow only, so the merge is the pointwise maximum of each half and the laws
/// of [`Lattice`] carry over. Each half's per-actor count is a checked `u64`: an update
/// that would overflow returns [`CounterError::Overflow`] and changes nothing. The value
/// fits in an `i128` for any number of actors that fits in memory.
///
/// # Examples
///
/// ```
/// use ward_crdt::{PnCounter, Replica};
///
/// let mut stock = Replica::new("warehouse-1", PnCounter::new());
/// stock.increment(10)?;
/// stock.decrement(3)?;
/// assert_eq!(stock.state().value(), 7);
/// # Ok::<(), ward_crdt::CounterError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PnCounter<A> {
    increments: GCounter<A>,
    decrements: GCounter<A>,
}

impl<A> PnCounter<A> {
    /// Creates a counter at zero. Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::PnCounter;
    ///
    /// assert_eq!(PnCounter::<u32>::new().value(), 0);
    /// ```
    pub const fn new() -> Self {
        Self {
            increments: GCounter::new(),
            decrements: GCounter::new(),
        }
    }

    /// The counter's value: all increments minus all decrements.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, PnCounter};
    ///
    /// let up = GCounter::try_from(vec![("a", 2)])?;
    /// let down = GCounter::try_from(vec![("b", 5)])?;
    /// assert_eq!(PnCounter::from_parts(up, down).value(), -3);
    /// # Ok::<(), ward_crdt::DecodeError>(())
    /// ```
    pub fn value(&self) -> i128 {
        // Each half is a sum of u64s over fewer than 2^63 entries, so it fits in i128.
        let up = i128::try_from(self.increments.value()).unwrap_or(i128::MAX);
        let down = i128::try_from(self.decrements.value()).unwrap_or(i128::MAX);
        up - down
    }

    /// The grow-only counter of increments.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{PnCounter, Replica};
    ///
    /// let mut c = Replica::new('a', PnCounter::new());
    /// c.increment(4)?;
    /// c.decrement(1)?;
    /// assert_eq!(c.state().increments().value(), 4);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    pub fn increments(&self) -> &GCounter<A> {
        &self.increments
    }

    /// The grow-only counter of decrements.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{PnCounter, Replica};
    ///
    /// let mut c = Replica::new('a', PnCounter::new());
    /// c.decrement(2)?;
    /// assert_eq!(c.state().decrements().value(), 2);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    pub fn decrements(&self) -> &GCounter<A> {
        &self.decrements
    }

    /// Builds a counter from its two halves. Any two valid grow-only counters form a
    /// valid PN-counter.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, PnCounter};
    ///
    /// let c = PnCounter::from_parts(GCounter::try_from(vec![(1, 9)])?, GCounter::new());
    /// assert_eq!(c.value(), 9);
    /// # Ok::<(), ward_crdt::DecodeError>(())
    /// ```
    pub fn from_parts(increments: GCounter<A>, decrements: GCounter<A>) -> Self {
        Self {
            increments,
            decrements,
        }
    }

    /// Splits the counter into its increments and decrements.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::PnCounter;
    ///
    /// let (up, down) = PnCounter::<u8>::new().into_parts();
    /// assert!(up.is_empty() && down.is_empty());
    /// ```
    pub fn into_parts(self) -> (GCounter<A>, GCounter<A>) {
        (self.increments, self.decrements)
    }
}

impl<A: Ord + Clone> PnCounter<A> {
    /// Adds `by` for `actor`; reached through [`Replica`](crate::Replica).
    pub(crate) fn increment(&mut self, actor: &A, by: u64) -> Result<Self, CounterError> {
        let delta = self.increments.increment(actor, by)?;
        Ok(Self {
            increments: delta,
            decrements: GCounter::new(),
        })
    }

    /// Subtracts `by` for `actor`; reached through [`Replica`](crate::Replica).
    pub(crate) fn decrement(&mut self, actor: &A, by: u64) -> Result<Self, CounterError> {
        let delta = self.decrements.increment(actor, by)?;
        Ok(Self {
            increments: GCounter::new(),
            decrements: delta,
        })
    }
}

impl<A: Ord + Clone> Lattice for PnCounter<A> {
    fn merge(&mut self, other: &Self) {
        self.increments.merge(&other.increments);
        self.decrements.merge(&other.decrements);
    }

    fn leq(&self, other: &Self) -> bool
    where
        Self: Clone + PartialEq,
    {
        self.increments.leq(&other.increments) && self.decrements.leq(&other.decrements)
    }
}

impl<A: Ord + Clone> DeltaCrdt for PnCounter<A> {
    type Actor = A;

    /// The larger of the actor's increment and decrement counts.
    fn events_of(&self, actor: &A) -> u64 {
        self.increments
            .count(actor)
            .max(self.decrements.count(actor))
    }

    fn unknown_events_of(&self, incoming: &Self, actor: &A) -> Option<(u64, u64)> {
        self.increments
            .unknown_events_of(&incoming.increments, actor)
            .or_else(|| {
                self.decrements
                    .unknown_events_of(&incoming.decrements, actor)
            })
    }
}

impl<A> Default for PnCounter<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: core::fmt::Debug> core::fmt::Debug for PnCounter<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PnCounter")
            .field("increments", &self.increments)
            .field("decrements", &self.decrements)
            .finish()
    }
}

/// Builds a counter from the `(actor, count)` pairs of its two halves, validated as for
/// [`GCounter`].
///
/// # Errors
///
/// The first [`DecodeError`] of either half.
impl<A: Ord> TryFrom<(Vec<(A, u64)>, Vec<(A, u64)>)> for PnCounter<A> {
    type Error = DecodeError;

    fn try_from((up, down): (Vec<(A, u64)>, Vec<(A, u64)>)) -> Result<Self, DecodeError> {
        Ok(Self {
            increments: GCounter::try_from(up)?,
            decrements: GCounter::try_from(down)?,
        })
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{GCounter, PnCounter};

    #[derive(Serialize)]
    struct Encode<'a, A> {
        increments: &'a GCounter<A>,
        decrements: &'a GCounter<A>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(deserialize = "A: Deserialize<'de> + Ord"))]
    struct Decode<A> {
        increments: GCounter<A>,
        decrements: GCounter<A>,
    }

    /// Encoded as `{"increments": [...], "decrements": [...]}`, each half as
    /// [`GCounter`] encodes.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for PnCounter<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                increments: &self.increments,
                decrements: &self.decrements,
            }
            .serialize(serializer)
        }
    }

    /// Validates each half as [`GCounter`] does.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord> Deserialize<'de> for PnCounter<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decode {
                increments,
                decrements,
            } = Decode::deserialize(deserializer)?;
            Ok(Self {
                increments,
                decrements,
            })
        }
    }
}
