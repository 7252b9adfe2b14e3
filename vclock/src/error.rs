//! Error types, one per concern.

use thiserror::Error;

/// An operation on a clock, dot or causal context that cannot be carried out.
///
/// Every method returning this error leaves its receiver unchanged.
///
/// # Examples
///
/// ```
/// use ward_vclock::{Dot, VClockError};
///
/// assert_eq!(Dot::new("a", 0), Err(VClockError::ZeroCounter));
/// assert_eq!(
///     VClockError::CounterOverflow { counter: u64::MAX }.to_string(),
///     "counter overflow: entry already at 18446744073709551615, the largest counter",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum VClockError {
    /// The counter of an actor is already at `u64::MAX`, so no further event can be
    /// numbered for it.
    #[error("counter overflow: entry already at {counter}, the largest counter")]
    CounterOverflow {
        /// The counter that could not be advanced.
        counter: u64,
    },
    /// A dot was given counter 0; event counters start at 1.
    #[error("dot counter must be at least 1, got 0")]
    ZeroCounter,
    /// A dot was applied to a clock that does not yet know its actor's previous event:
    /// a vector clock cannot record an event without all earlier events of the same
    /// actor.
    #[error("gap: event {counter} applied to a clock that knows only {known} events of its actor")]
    Gap {
        /// The counter of the applied dot.
        counter: u64,
        /// The clock's counter for the dot's actor.
        known: u64,
    },
    /// A range of dots was given a first counter past its last one.
    #[error("empty dot range: first counter {first} is past last counter {last}")]
    EmptyRange {
        /// The first counter given.
        first: u64,
        /// The last counter given.
        last: u64,
    },
}

/// A decoded or converted representation that breaks an invariant.
///
/// Decoding (with the `serde` feature) and the checked conversions (`VClock::try_from`
/// a vector of entries, `DotContext::try_from` a clock and a cloud) accept exactly the
/// canonical form this crate produces and reject anything else; they never repair
/// input silently. Indices count from zero within the offending sequence.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use ward_vclock::{DecodeError, VClock};
///
/// let unsorted = VClock::try_from(vec![("b", 1), ("a", 2)]);
/// assert_eq!(unsorted, Err(DecodeError::UnsortedActors { index: 1 }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A clock entry's actor is smaller than the previous entry's actor.
    #[error("clock entries not sorted by actor at index {index}")]
    UnsortedActors {
        /// Position of the out-of-order entry.
        index: usize,
    },
    /// A clock entry repeats the previous entry's actor.
    #[error("duplicate actor in clock entries at index {index}")]
    DuplicateActor {
        /// Position of the repeated entry.
        index: usize,
    },
    /// A clock entry has counter 0; zero entries are never stored.
    #[error("zero counter in clock entries at index {index}")]
    ZeroEntry {
        /// Position of the zero entry.
        index: usize,
    },
    /// A dot has counter 0; event counters start at 1.
    #[error("dot counter must be at least 1, got 0")]
    ZeroDot,
    /// A causal context's out-of-order dots are not strictly increasing (by actor, then
    /// counter).
    #[error("context dots not strictly increasing at index {index}")]
    UnsortedCloud {
        /// Position of the dot that is not greater than its predecessor.
        index: usize,
    },
    /// A dotted version vector set's entry holds more values than its counter has
    /// events: each value needs a dot of its own, counters start at 1.
    #[error("entry at index {index} holds {values} values but its counter is only {counter}")]
    TooManyValues {
        /// Position of the entry.
        index: usize,
        /// How many values it holds.
        values: usize,
        /// Its counter.
        counter: u64,
    },
    /// Values that must be strictly increasing (the anonymous values of a dotted
    /// version vector set) are not.
    #[error("values not strictly increasing at index {index}")]
    UnsortedValues {
        /// Position of the value that is not greater than its predecessor.
        index: usize,
    },
    /// A binary encoding ends in the middle of a value.
    #[error("encoding truncated at bit {bit}")]
    Truncated {
        /// Bit position where more input was needed.
        bit: usize,
    },
    /// A binary encoding has a tag no value is written with.
    #[error("invalid tag at bit {bit}")]
    InvalidTag {
        /// Bit position of the tag.
        bit: usize,
    },
    /// An encoded tree is not in normal form (an interval tree clock writes only
    /// normal forms, so equal stamps have equal encodings).
    #[error("tree at bit {bit} is not in normal form")]
    NotNormal {
        /// Bit position where the offending node starts.
        bit: usize,
    },
    /// An encoded counter, or its sum with the counters above it, does not fit in a
    /// `u64`.
    #[error("counter at bit {bit} does not fit in 64 bits")]
    CounterTooLarge {
        /// Bit position where the counter starts.
        bit: usize,
    },
    /// An interval tree clock's binary form nests deeper than
    /// `Itc::MAX_DEPTH` levels: refused before it can exhaust
    /// the stack of the decoder (or of whatever later walks the tree).
    #[error("tree deeper than {max} levels at bit {bit}")]
    TooDeep {
        /// Bit position of the node that goes too deep.
        bit: usize,
        /// The deepest nesting accepted.
        max: usize,
    },
    /// A binary encoding continues past its value with anything but zero padding.
    #[error("unexpected data after the value, which ends at bit {bit}")]
    TrailingBits {
        /// Bit position where the value ends.
        bit: usize,
    },
    /// An out-of-order dot of a causal context is already covered by the context's clock,
    /// or directly follows it and so should have been folded into it.
    #[error(
        "context dot at index {index} has counter {counter} but the clock already reaches {clock} for its actor"
    )]
    UncompactedCloud {
        /// Position of the dot.
        index: usize,
        /// The dot's counter.
        counter: u64,
        /// The clock's entry for the same actor.
        clock: u64,
    },
    /// Two runs of one actor's out-of-order dots touch (the second starts right after
    /// the first ends), so they should have been one run.
    #[error("context run at index {index} starts right after the previous run of its actor")]
    TouchingRuns {
        /// Position of the second run.
        index: usize,
    },
    /// A run of one dot is written as `[actor, first, last]` with `first == last`; the
    /// canonical form of one dot is `[actor, counter]`.
    #[error("run of the single dot {counter} must be written as [actor, counter]")]
    SingleDotRun {
        /// The dot's counter.
        counter: u64,
    },
}

/// Why a `ContextProbe` (with the `alloc` feature) could not be built from an actor table.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use ward_vclock::{ContextProbe, DotContext, ProbeError};
///
/// let ctx = DotContext::<char>::new();
/// let table = ['b', 'a'];
/// let order = [(0, &table[0]), (1, &table[1])]; // not in actor order
/// assert_eq!(
///     ContextProbe::dense(&ctx, table.len(), order).unwrap_err(),
///     ProbeError::Unsorted { position: 1 },
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// An index is not below the table length the probe was built for.
    #[error("actor index {index} is out of range for a table of {len} actors")]
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// The table length.
        len: usize,
    },
    /// Two table entries carry the same index.
    #[error("actor index {index} is given twice")]
    DuplicateIndex {
        /// The repeated index.
        index: usize,
    },
    /// The actors of a dense probe are not strictly ascending.
    #[error("actor at position {position} is not greater than the one before it")]
    Unsorted {
        /// Position (in the given sequence) of the out-of-order actor.
        position: usize,
    },
}
