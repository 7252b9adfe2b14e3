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

/// An operation that [`Replica`](crate::Replica) refused, or that failed on its state.
///
/// Merges are refused when the incoming state holds events of the replica's own actor
/// that the replica never recorded ([`ForeignEvents`](Self::ForeignEvents)), or when it
/// carries one event id (dot) on a different element or value than this state does
/// ([`DoubleSpentDot`](Self::DoubleSpentDot)). Both mean that two writers used one actor
/// id: a second replica under the same id, or this replica restarted from lost or old
/// state (see [`Replica`](crate::Replica) for the restart protocol). A refused merge
/// leaves the replica unchanged.
///
/// The errors of the mutators convert into this type with `?`, so a function driving a
/// replica can return `ReplicaError` throughout.
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
///
/// `?` converts the mutators' errors:
///
/// ```
/// use ward_crdt::{OrSet, Replica, ReplicaError};
///
/// fn add_two(cart: &mut Replica<&'static str, OrSet<&'static str, &'static str>>) -> Result<(), ReplicaError> {
///     cart.add("pen")?;
///     cart.add("mug")?;
///     cart.remove("pen")?;
///     Ok(())
/// }
/// let mut cart = Replica::new("a", OrSet::new());
/// add_two(&mut cart)?;
/// assert_eq!(cart.state().len(), 1);
/// # Ok::<(), ReplicaError>(())
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
    /// The incoming state holds a dot that this state holds on a different element or
    /// with a different value: two writers minted the same event id.
    #[error("dot with counter {counter} names a different element or value on each side")]
    DoubleSpentDot {
        /// The counter of the dot spent twice.
        counter: u64,
    },
    /// A counter update failed.
    #[error(transparent)]
    Counter(#[from] CounterError),
    /// Minting a dot failed (the replica has used every dot).
    #[error(transparent)]
    Dot(#[from] ward_vclock::VClockError),
    /// A removal could not be carried out.
    #[error(transparent)]
    Remove(#[from] RemoveError),
}

/// A removal that was not carried out; the set is unchanged.
///
/// # Examples
///
/// ```
/// use ward_crdt::{OrSet, RemoveError, Replica};
///
/// let mut set = Replica::new("a", OrSet::<&str, &str>::new());
/// assert_eq!(set.remove("ghost"), Err(RemoveError::NotPresent));
/// assert_eq!(RemoveError::NotPresent.to_string(), "element not present");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum RemoveError {
    /// The element is not in this replica's set, so there is nothing observed to remove.
    /// (To remove what another replica showed a client, use
    /// [`remove_observed`](crate::OrSet::remove_observed).)
    #[error("element not present")]
    NotPresent,
    /// An observed dot passed to [`remove_observed`](crate::OrSet::remove_observed) is
    /// held here by a different element, so it was not observed on this element.
    #[error("observed dot with counter {counter} belongs to another element")]
    DotOfAnotherElement {
        /// The counter of the offending dot.
        counter: u64,
    },
}

/// Two different writes of a [`LwwRegister`](crate::LwwRegister) carry the same stamp.
///
/// Stamps must be unique per write; an equal stamp on a different value means two
/// writers share a clock or node id. Returned by
/// [`LwwRegister::try_merge`](crate::LwwRegister::try_merge), which then leaves the
/// register unchanged.
///
/// # Examples
///
/// ```
/// use ward_crdt::DuplicateStamp;
///
/// let err = DuplicateStamp { stamp: 9_u64 };
/// assert_eq!(err.to_string(), "stamp 9 carries two different values");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[error("stamp {stamp} carries two different values")]
pub struct DuplicateStamp<S> {
    /// The stamp used twice.
    pub stamp: S,
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
    /// Two register siblings carry dots of the same actor. A write supersedes every
    /// earlier write of its own replica, so no reachable state holds two.
    #[error("entry {index} holds a second dot of one actor (counter {counter})")]
    TwoDotsOfOneActor {
        /// Position of the second sibling of that actor.
        index: usize,
        /// The counter of that sibling's dot.
        counter: u64,
    },
    /// Binary input: the version byte is not one this build reads.
    #[error("binary encoding version {version} is not supported (this build reads {supported})")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// Binary input: it ends before the value does, or a length exceeds what is left.
    #[error("binary input ends early")]
    Truncated,
    /// Binary input: bytes are left over after the value.
    #[error("{count} bytes left over after the value")]
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// Binary input: a malformed primitive (an over-long or out-of-range integer, a tag
    /// other than 0 or 1, invalid UTF-8, an invalid `char`).
    #[error("malformed binary primitive")]
    InvalidBytes,
    /// A causal context (or a dot) breaks one of `ward-vclock`'s invariants.
    #[error("invalid causal context: {0}")]
    Context(ward_vclock::DecodeError),
    /// The same dot is stored twice, in one entry or in two.
    #[error("dot with counter {counter} at entry {index} is stored more than once")]
    DuplicateDot {
        /// Position of the entry holding the second copy.
        index: usize,
        /// The dot's counter.
        counter: u64,
    },
}
