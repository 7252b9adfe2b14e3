//! Events for operators, emitted through `tracing` when the `tracing` feature is on: a
//! replica refusing a merge because two writers used one actor id (events of its own actor
//! it never recorded, or one dot on two different elements or values), a refused observed
//! removal, and an acknowledgement past the next delta an anti-entropy buffer would send. Every
//! event is on a refusal path, never on a mutator or an accepted merge. Without the
//! feature these functions are empty and inlined away: nothing is compiled in.
//!
//! Actors and elements are generic and need not be printable, so the events carry
//! counters only. Every event has the target `ward_crdt`; subscribers filter on it.

/// A merge was refused: the incoming state holds event `incoming` of the replica's own
/// actor, which the replica (at `known`) never recorded.
#[inline(always)]
pub(crate) fn foreign_events(known: u64, incoming: u64) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "ward_crdt",
        known,
        incoming,
        "merge refused: incoming state holds events of this replica's actor it never recorded"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (known, incoming);
}

/// A merge was refused: the dot with `counter` names a different element or value on
/// each side.
#[inline(always)]
pub(crate) fn double_spent_dot(counter: u64) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "ward_crdt",
        counter,
        "merge refused: one dot names a different element or value on each side"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = counter;
}

/// An observed removal was refused: its context holds event `incoming` of the replica's
/// own actor, which the replica (at `known`) never recorded.
#[inline(always)]
pub(crate) fn foreign_observed(known: u64, incoming: u64) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "ward_crdt",
        known,
        incoming,
        "removal refused: observed context holds events of this replica's actor it never recorded"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (known, incoming);
}

/// An acknowledgement up to `acked` was refused: the buffer has only numbered deltas up to
/// `next`.
#[inline(always)]
pub(crate) fn ack_ahead(acked: u64, next: u64) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_crdt",
        acked,
        next,
        "acknowledgement refused: ahead of every delta sent"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (acked, next);
}
