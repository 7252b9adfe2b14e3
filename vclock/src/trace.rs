//! Events for operators, emitted through `tracing` when the `tracing` feature is on: a
//! causal buffer refusing a message (full, a sender's share full, a dependency beyond
//! the allowed gap, a conflicting copy), a refused stamp, a received message refused for
//! a malformed stamp, and held messages taken out without being delivered. Every event is
//! on a path that is already unusual (a refusal, an eviction), never on the common path
//! of offering, delivering or stamping. Without the feature these functions are empty and
//! inlined away: nothing is compiled in.
//!
//! Actors and payloads are generic and need not be printable, so the events carry
//! counters and sizes only. Every event has the target `ward_vclock`; subscribers filter
//! on it.

use crate::buffer::StampError;

/// An offer was refused: the buffer already holds `capacity` waiting messages.
#[inline(always)]
pub(crate) fn buffer_full(seq: u64, capacity: usize) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_vclock",
        seq,
        capacity,
        "causal buffer full: message refused"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (seq, capacity);
}

/// An offer was refused: its sender already has `sender_capacity` waiting messages.
#[inline(always)]
pub(crate) fn sender_full(seq: u64, sender_capacity: usize) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_vclock",
        seq,
        sender_capacity,
        "sender's share of the causal buffer full: message refused"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (seq, sender_capacity);
}

/// An offer was refused: it depends on event `counter` of an actor of which `delivered`
/// events are delivered, more than `max_gap` ahead (a stamp far ahead, or forged).
#[inline(always)]
pub(crate) fn gap_too_large(seq: u64, counter: u64, delivered: u64, max_gap: u64) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_vclock",
        seq,
        counter,
        delivered,
        max_gap,
        "message refused: dependency beyond the allowed gap"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (seq, counter, delivered, max_gap);
}

/// An offer was refused: a different message with the same dot is held.
#[inline(always)]
pub(crate) fn conflict(seq: u64) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_vclock",
        seq,
        "message refused: a different message with the same dot is held"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = seq;
}

/// A stamp was refused; the sender's id is shared or its counter is exhausted.
#[inline(always)]
pub(crate) fn stamp_refused(error: StampError) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "ward_vclock",
        %error,
        "stamp refused"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A received message was refused: its clock has no entry for its sender.
#[inline(always)]
pub(crate) fn message_without_sender_entry() {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_vclock",
        "message refused: its clock has no entry for its sender"
    );
}

/// A received message failed to decode (a malformed clock or a malformed message). The
/// decoder's error is not recorded: a format's message may quote the offending value,
/// which can be an actor or the payload itself.
#[cfg(feature = "serde")]
#[inline(always)]
pub(crate) fn message_decode_refused() {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: "ward_vclock", "message refused at decode");
}

/// `mark_delivered` up to `upto` dropped `dropped` held messages as duplicates.
#[inline(always)]
pub(crate) fn held_marked_delivered(upto: u64, dropped: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "ward_vclock",
        upto,
        dropped,
        "held messages dropped: marked delivered"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (upto, dropped);
}

/// The owner took the held message `seq` out without delivering it.
#[inline(always)]
pub(crate) fn removed(seq: u64) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "ward_vclock",
        seq,
        "held message removed undelivered"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = seq;
}

/// The owner took a sender's `dropped` held messages out without delivering them.
#[inline(always)]
pub(crate) fn sender_removed(dropped: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "ward_vclock",
        dropped,
        "sender's held messages removed undelivered"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = dropped;
}
