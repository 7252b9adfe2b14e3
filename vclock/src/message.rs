//! Messages stamped for causal delivery.

use core::num::NonZeroU64;

use thiserror::Error;

use crate::dot::Dot;
use crate::vclock::VClock;

/// A broadcast message stamped for causal delivery: its sender, the sender's vector
/// clock at the moment of sending, and the payload.
///
/// The clock counts the message itself: its entry for the sender is the message's
/// sequence number among that sender's broadcasts (starting at 1), and its other
/// entries say how many messages of each other actor the sender had delivered before
/// sending. The message's identity is therefore the dot `(sender, clock[sender])`, and
/// its causal predecessors are exactly the messages whose dots the clock contains.
///
/// [`CausalBuffer::stamp`](crate::CausalBuffer::stamp) builds such a message from a node's delivery state;
/// [`Message::new`] checks one received from elsewhere.
///
/// # Examples
///
/// ```
/// use ward_vclock::{Dot, Message, VClock};
///
/// let clock: VClock<&str> = [("alice", 1), ("bob", 1)].into_iter().collect();
/// let reply = Message::new("bob", clock, "yes, hi!")?;
/// assert_eq!(reply.dot(), Dot::new("bob", 1)?);
/// assert_eq!(reply.payload(), &"yes, hi!");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct Message<A, M> {
    pub(crate) sender: A,
    pub(crate) clock: VClock<A>,
    /// `clock[sender]`, kept so the message's dot needs no lookup.
    pub(crate) seq: NonZeroU64,
    pub(crate) payload: M,
}

/// A message that cannot be delivered causally because its stamp is malformed.
///
/// # Examples
///
/// ```
/// use ward_vclock::{Message, MessageError, VClock};
///
/// let err = Message::new("bob", VClock::new(), ()).unwrap_err();
/// assert_eq!(err, MessageError::MissingSenderEntry);
/// assert_eq!(err.to_string(), "message clock has no entry for its sender");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum MessageError {
    /// The clock's entry for the sender is 0, so the message does not count itself as
    /// one of its sender's events and has no identity.
    #[error("message clock has no entry for its sender")]
    MissingSenderEntry,
}

impl<A: Ord, M> Message<A, M> {
    /// Checks and wraps a received message.
    ///
    /// # Errors
    ///
    /// [`MessageError::MissingSenderEntry`] if `clock.get(&sender)` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Message, VClock};
    ///
    /// let clock: VClock<char> = [('a', 1)].into_iter().collect();
    /// assert!(Message::new('a', clock.clone(), ()).is_ok());
    /// assert!(Message::new('b', clock, ()).is_err());
    /// ```
    pub fn new(sender: A, clock: VClock<A>, payload: M) -> Result<Self, MessageError> {
        match NonZeroU64::new(clock.get(&sender)) {
            Some(seq) => Ok(Self {
                sender,
                clock,
                seq,
                payload,
            }),
            None => {
                crate::trace::message_without_sender_entry();
                Err(MessageError::MissingSenderEntry)
            }
        }
    }
}

impl<A: Ord + Clone, M> Message<A, M> {
    /// The message's identity: `(sender, clock[sender])`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, Message, VClock};
    ///
    /// let clock: VClock<char> = [('a', 3), ('b', 1)].into_iter().collect();
    /// assert_eq!(Message::new('a', clock, ())?.dot(), Dot::new('a', 3)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dot(&self) -> Dot<A> {
        Dot::from_nonzero(self.sender.clone(), self.seq)
    }
}

impl<A, M> Message<A, M> {
    /// The message's sequence number among its sender's messages (at least 1).
    pub(crate) fn seq(&self) -> u64 {
        self.seq.get()
    }

    /// The actor that broadcast the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Message, VClock};
    ///
    /// let m = Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), ())?;
    /// assert_eq!(m.sender(), &'a');
    /// # Ok::<(), ward_vclock::MessageError>(())
    /// ```
    pub const fn sender(&self) -> &A {
        &self.sender
    }

    /// The sender's clock when it sent the message, the message itself included.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Message, VClock};
    ///
    /// let m = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), ())?;
    /// assert_eq!(m.clock().get(&'a'), 2);
    /// # Ok::<(), ward_vclock::MessageError>(())
    /// ```
    pub const fn clock(&self) -> &VClock<A> {
        &self.clock
    }

    /// The application data.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Message, VClock};
    ///
    /// let m = Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), "hi")?;
    /// assert_eq!(m.payload(), &"hi");
    /// # Ok::<(), ward_vclock::MessageError>(())
    /// ```
    pub const fn payload(&self) -> &M {
        &self.payload
    }

    /// Takes the application data out of the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Message, VClock};
    ///
    /// let m = Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), "hi")?;
    /// assert_eq!(m.into_payload(), "hi");
    /// # Ok::<(), ward_vclock::MessageError>(())
    /// ```
    pub fn into_payload(self) -> M {
        self.payload
    }

    /// Splits the message into sender, clock and payload.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Message, VClock};
    ///
    /// let m = Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), 7)?;
    /// let (sender, clock, payload) = m.into_parts();
    /// assert_eq!((sender, clock.get(&'a'), payload), ('a', 1, 7));
    /// # Ok::<(), ward_vclock::MessageError>(())
    /// ```
    pub fn into_parts(self) -> (A, VClock<A>, M) {
        (self.sender, self.clock, self.payload)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Message;
    use crate::vclock::VClock;

    #[derive(Serialize)]
    #[serde(rename = "Message")]
    struct Encoded<'a, A, M> {
        sender: &'a A,
        clock: &'a VClock<A>,
        payload: &'a M,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(rename = "Message")]
    struct Decoded<A: Ord, M> {
        sender: A,
        clock: VClock<A>,
        payload: M,
    }

    /// Encoded as a struct with fields `sender`, `clock` and `payload`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize, M: Serialize> Serialize for Message<A, M> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encoded {
                sender: &self.sender,
                clock: &self.clock,
                payload: &self.payload,
            }
            .serialize(serializer)
        }
    }

    /// Validates the clock (see [`VClock`]) and rejects a clock without an entry for
    /// the sender with [`MessageError::MissingSenderEntry`](crate::MessageError).
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord, M: Deserialize<'de>> Deserialize<'de> for Message<A, M> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decoded {
                sender,
                clock,
                payload,
            } = Decoded::deserialize(deserializer)
                .inspect_err(|_| crate::trace::message_decode_refused())?;
            Message::new(sender, clock, payload).map_err(D::Error::custom)
        }
    }
}
