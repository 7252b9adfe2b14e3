//! Error types, one small enum per concern.

use thiserror::Error;

/// A counter update that cannot be applied.
///
/// Every method returning this error leaves the counter unchanged: an update is applied
/// whole or not at all, and a count never wraps.
///
/// # Examples
///
/// ```
/// use ward_crdt::CounterError;
///
/// let err = CounterError::Overflow { count: u64::MAX, by: 1 };
/// assert_eq!(
///     err.to_string(),
///     "count 18446744073709551615 cannot grow by 1 without overflowing u64",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum CounterError {
    /// The replica's own count would pass `u64::MAX`.
    #[error("count {count} cannot grow by {by} without overflowing u64")]
    Overflow {
        /// The replica's count before the update.
        count: u64,
        /// The amount that was asked for.
        by: u64,
    },
}

/// A register write that would not be newer than what the register holds.
///
/// Returned by [`LwwRegister::set`](crate::LwwRegister::set) when the offered stamp is
/// not greater than the register's stamp; the register is left unchanged. The stamps are
/// carried so the caller can see how far behind its clock is.
///
/// # Examples
///
/// ```
/// use ward_crdt::StaleStamp;
///
/// let err = StaleStamp { offered: 3_u64, current: 7 };
/// assert_eq!(err.to_string(), "stamp 3 is not newer than the register's stamp 7");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[error("stamp {offered} is not newer than the register's stamp {current}")]
pub struct StaleStamp<S> {
    /// The stamp the write carried.
    pub offered: S,
    /// The stamp already in the register.
    pub current: S,
}

/// A merge that [`Replica`](crate::Replica) refused because the incoming state holds
/// events of the replica's own actor that the replica itself does not know.
///
/// Only the replica that owns an actor id creates events under it, so this means that
/// either a second replica is writing under the same id (the "two replicas share one
/// actor" mistake) or this replica lost state, for example by restarting from an old
/// snapshot. Continuing would risk reusing event numbers, so the merge is refused and the
/// replica is left unchanged. Recover by creating the replica again from the merged state
/// under a fresh actor id.
///
/// # Examples
///
/// ```
/// use ward_crdt::ReplicaError;
///
/// let err = ReplicaError::ForeignEvents { known: 2, incoming: 5 };
/// assert_eq!(
///     err.to_string(),
///     "incoming state holds event 5 of this replica's actor, which the replica (at 2) never recorded",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum ReplicaError {
    /// The incoming state holds an event of this replica's actor that the replica never
    /// recorded.
    #[error(
        "incoming state holds event {incoming} of this replica's actor, which the replica (at {known}) never recorded"
    )]
    ForeignEvents {
        /// The replica's latest own event: its count, or its highest dot counter.
        known: u64,
        /// The unknown event: the incoming count, or the counter of an unknown dot.
        incoming: u64,
    },
}

/// A decoded or converted state that breaks one of the invariants of this crate's types.
///
/// The checked conversions (`TryFrom` on each CRDT) and decoding with the `serde` feature
/// accept exactly the canonical form this crate produces and reject anything else; they
/// never repair input silently. Indices count from zero within the offending sequence.
///
/// # Examples
///
/// ```
/// use ward_crdt::{DecodeError, GCounter};
///
/// let unsorted = GCounter::try_from(vec![("b", 1), ("a", 2)]);
/// assert_eq!(unsorted, Err(DecodeError::UnsortedEntries { index: 1 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Entries (counter actors, set elements, register dots) are not strictly increasing.
    #[error("entries not strictly increasing at index {index}")]
    UnsortedEntries {
        /// Position of the entry that is not greater than its predecessor.
        index: usize,
    },
    /// A counter entry is zero; zero counts are never stored.
    #[error("zero count at index {index}")]
    ZeroCount {
        /// Position of the zero entry.
        index: usize,
    },
    /// A set element carries no dot, so it could never have been added.
    #[error("element at index {index} carries no dot")]
    NoDots {
        /// Position of the element.
        index: usize,
    },
    /// The dots of one set element are not in ascending order (the encoding lists them
    /// sorted, so the same state always has the same bytes).
    #[error("dots of entry {index} not in ascending order at the dot with counter {counter}")]
    UnsortedDots {
        /// Position of the element whose dots are out of order.
        index: usize,
        /// The counter of the first dot that is smaller than its predecessor.
        counter: u64,
    },
    /// A stored dot is not inside the state's causal context.
    #[error("dot with counter {counter} at entry {index} is outside the causal context")]
    DotOutsideContext {
        /// Position of the entry holding the dot.
        index: usize,
        /// The dot's counter.
        counter: u64,
    },
    /// The same dot is stored twice, in one entry or in two.
    #[error("dot with counter {counter} at entry {index} is stored more than once")]
    DuplicateDot {
        /// Position of the entry holding the second copy.
        index: usize,
        /// The dot's counter.
        counter: u64,
    },
}
