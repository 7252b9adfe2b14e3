//! What offering, pushing and stamping a message can do.

use core::fmt;

use thiserror::Error;

use crate::message::Message;

/// What [`CausalBuffer::push`](crate::CausalBuffer::push) did with a message.
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Message, Pushed, VClock};
///
/// let mut buffer = CausalBuffer::new(8);
/// let m = Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), "first")?;
/// assert_eq!(buffer.push(m.clone(), |_| {}), Ok(Pushed::Delivered(1)));
/// assert_eq!(buffer.push(m, |_| {}), Ok(Pushed::Duplicate));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum Pushed {
    /// The message was delivered. The number counts every message this call delivered:
    /// the pushed one, the held messages it unblocked, and any that were already ready.
    Delivered(usize),
    /// The message waits in the buffer for causal predecessors that have not been
    /// delivered yet; see [`CausalBuffer::missing`](crate::CausalBuffer::missing).
    Waiting,
    /// The same message was already delivered or is already held; this copy was
    /// dropped.
    Duplicate,
}

/// What [`CausalBuffer::offer`](crate::CausalBuffer::offer) did with a message. Nothing
/// is delivered by offering; take ready messages with
/// [`ready`](crate::CausalBuffer::ready) or
/// [`try_deliver`](crate::CausalBuffer::try_deliver).
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Message, Offered, VClock};
///
/// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
/// let mut buffer = CausalBuffer::new(8);
/// assert_eq!(buffer.offer(Message::new('a', clock(2), "second")?), Ok(Offered::Waiting));
/// assert_eq!(buffer.offer(Message::new('a', clock(1), "first")?), Ok(Offered::Ready));
/// let shown: Vec<_> = buffer.ready().map(|m| m.into_payload()).collect();
/// assert_eq!(shown, ["first", "second"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum Offered {
    /// Every predecessor of the message has been delivered: it is ready to be taken.
    Ready,
    /// The message waits for predecessors that have not been delivered yet.
    Waiting,
    /// The same message was already delivered or is already held; this copy was
    /// dropped.
    Duplicate,
}

/// The buffer refused a message. The refused message is handed back unchanged, and
/// nothing already buffered was touched.
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Message, PushError, VClock};
///
/// let mut buffer = CausalBuffer::new(0);
/// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), "later")?;
/// let err = buffer.push(early, |_| {}).unwrap_err();
/// assert_eq!(err.to_string(), "causal buffer full: 0 messages already waiting");
/// assert_eq!(err.into_message().into_payload(), "later");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum PushError<A, M> {
    /// The message is not deliverable yet and the buffer already holds `capacity`
    /// waiting messages. Retry it after some are delivered.
    #[error("causal buffer full: {capacity} messages already waiting")]
    Full {
        /// The buffer's capacity, all of it in use.
        capacity: usize,
        /// The refused message, returned to the caller.
        message: Message<A, M>,
    },
    /// The message is not deliverable yet and its sender already has
    /// `sender_capacity` messages waiting. Retry it after some are delivered, or drop
    /// the sender's queue with
    /// [`remove_sender`](crate::CausalBuffer::remove_sender).
    #[error("sender's queue full: {sender_capacity} of its messages already waiting")]
    SenderFull {
        /// The most waiting messages one sender may have.
        sender_capacity: usize,
        /// The refused message, returned to the caller.
        message: Message<A, M>,
    },
    /// The message depends on an event that lies more than `max_gap` events past what
    /// this buffer has delivered from that event's actor: a stamp far ahead, or forged.
    #[error(
        "dependency on event {counter} of an actor with {delivered} delivered, {gap} ahead, more than the allowed gap of {max_gap}",
        gap = counter.saturating_sub(*delivered)
    )]
    GapTooLarge {
        /// The actor of the dependency.
        actor: A,
        /// The counter of the dependency: the latest event of `actor` the message
        /// depends on.
        counter: u64,
        /// How many of `actor`'s events this buffer has delivered.
        delivered: u64,
        /// The largest gap the buffer accepts.
        max_gap: u64,
        /// The refused message, returned to the caller.
        message: Message<A, M>,
    },
    /// The buffer holds a different message with the same dot: two messages claim one
    /// event, so replicas that receive them in different orders would diverge. The
    /// held message stays; the caller decides which copy is genuine.
    #[error(
        "conflicting message: a different message with sequence number {counter} of the same sender is held"
    )]
    Conflict {
        /// The sequence number both messages claim.
        counter: u64,
        /// The refused message, returned to the caller.
        message: Message<A, M>,
    },
}

impl<A, M> PushError<A, M> {
    /// The refused message, unchanged, so that it can be offered again later.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, Pushed, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(0);
    /// let second = Message::new('a', clock(2), "second")?;
    /// let refused = buffer.push(second, |_| {}).unwrap_err().into_message();
    ///
    /// buffer.push(Message::new('a', clock(1), "first")?, |_| {})?;
    /// assert_eq!(buffer.push(refused, |_| {})?, Pushed::Delivered(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_message(self) -> Message<A, M> {
        match self {
            Self::Full { message, .. }
            | Self::SenderFull { message, .. }
            | Self::GapTooLarge { message, .. }
            | Self::Conflict { message, .. } => message,
        }
    }
}

/// Omits the message and actor, so that the error is printable whatever their types.
impl<A, M> fmt::Debug for PushError<A, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { capacity, .. } => f
                .debug_struct("Full")
                .field("capacity", capacity)
                .finish_non_exhaustive(),
            Self::SenderFull {
                sender_capacity, ..
            } => f
                .debug_struct("SenderFull")
                .field("sender_capacity", sender_capacity)
                .finish_non_exhaustive(),
            Self::GapTooLarge {
                counter,
                delivered,
                max_gap,
                ..
            } => f
                .debug_struct("GapTooLarge")
                .field("counter", counter)
                .field("delivered", delivered)
                .field("max_gap", max_gap)
                .finish_non_exhaustive(),
            Self::Conflict { counter, .. } => f
                .debug_struct("Conflict")
                .field("counter", counter)
                .finish_non_exhaustive(),
        }
    }
}

/// [`CausalBuffer::stamp`](crate::CausalBuffer::stamp) could not number a new message.
/// The buffer is unchanged.
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, StampError, VClock};
///
/// let last: VClock<char> = [('a', u64::MAX)].into_iter().collect();
/// let mut buffer = CausalBuffer::<char, ()>::with_delivered(4, last);
/// let err = buffer.stamp('a', ()).unwrap_err();
/// assert_eq!(err, StampError::CounterOverflow { counter: u64::MAX });
/// assert_eq!(err.to_string(), "sender has already stamped 18446744073709551615 messages, the most a counter holds");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum StampError {
    /// The sender has already used every sequence number up to `u64::MAX`.
    #[error("sender has already stamped {counter} messages, the most a counter holds")]
    CounterOverflow {
        /// The sender's last sequence number.
        counter: u64,
    },
    /// The buffer holds a received message with the dot this stamp would take: the
    /// sender's id is used by another node too, or this node restarted from a state
    /// older than its last stamp (see
    /// [`mark_delivered`](crate::CausalBuffer::mark_delivered)).
    #[error(
        "dot already taken: a received message with sequence number {counter} of this sender is held"
    )]
    DotTaken {
        /// The sequence number the stamp would have taken.
        counter: u64,
    },
}
