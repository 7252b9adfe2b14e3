//! Dots: unique event identifiers.

use core::fmt;
use core::num::NonZeroU64;

use crate::error::VClockError;

/// One event of one actor: the actor's id and the event's sequence number.
///
/// The `n`-th event an actor records is the dot `(actor, n)`, so counters start at 1 and
/// counter 0 is not representable: [`Dot::new`] rejects it and every other way of
/// building a dot (including decoding) upholds it. A dot is the unit that version
/// vectors and causal contexts summarise, and the identity delta-state CRDTs give to
/// each write.
///
/// Dots order by actor, then counter. This total order is a convenient sort key, not
/// causality: `(a, 2)` sorting before `(b, 1)` says nothing about which happened
/// first.
///
/// # Examples
///
/// ```
/// use ward_vclock::Dot;
///
/// let dot = Dot::new("alice", 3)?;
/// assert_eq!(dot.actor(), &"alice");
/// assert_eq!(dot.counter(), 3);
/// assert_eq!(dot.to_string(), "alice:3");
/// assert!(Dot::new("alice", 2)? < dot);
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dot<A> {
    actor: A,
    counter: NonZeroU64,
}

impl<A> Dot<A> {
    /// Creates the dot of `actor`'s `counter`-th event.
    ///
    /// # Errors
    ///
    /// [`VClockError::ZeroCounter`] if `counter` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, VClockError};
    ///
    /// assert_eq!(Dot::new('a', 1)?.counter(), 1);
    /// assert_eq!(Dot::new('a', 0), Err(VClockError::ZeroCounter));
    /// # Ok::<(), VClockError>(())
    /// ```
    pub fn new(actor: A, counter: u64) -> Result<Self, VClockError> {
        match NonZeroU64::new(counter) {
            Some(counter) => Ok(Self { actor, counter }),
            None => Err(VClockError::ZeroCounter),
        }
    }

    /// Creates a dot from a counter that is non-zero by type; this cannot fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::num::NonZeroU64;
    /// use ward_vclock::Dot;
    ///
    /// let dot = Dot::from_nonzero('a', NonZeroU64::MIN);
    /// assert_eq!(dot.counter(), 1);
    /// ```
    pub const fn from_nonzero(actor: A, counter: NonZeroU64) -> Self {
        Self { actor, counter }
    }

    /// The actor that recorded the event.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Dot;
    ///
    /// assert_eq!(Dot::new(7_u32, 1)?.actor(), &7);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn actor(&self) -> &A {
        &self.actor
    }

    /// The event's sequence number within its actor, at least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Dot;
    ///
    /// assert_eq!(Dot::new('a', 9)?.counter(), 9);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn counter(&self) -> u64 {
        self.counter.get()
    }

    /// The counter as a [`NonZeroU64`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Dot;
    ///
    /// assert_eq!(Dot::new('a', 9)?.counter_nonzero().get(), 9);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn counter_nonzero(&self) -> NonZeroU64 {
        self.counter
    }

    /// Splits the dot into its actor and counter.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Dot;
    ///
    /// assert_eq!(Dot::new("a", 2)?.into_parts(), ("a", 2));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn into_parts(self) -> (A, u64) {
        (self.actor, self.counter.get())
    }

    /// The next event of the same actor, `(actor, counter + 1)`.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if the counter is already `u64::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Dot;
    ///
    /// assert_eq!(Dot::new('a', 1)?.next()?, Dot::new('a', 2)?);
    /// assert!(Dot::new('a', u64::MAX)?.next().is_err());
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn next(&self) -> Result<Self, VClockError>
    where
        A: Clone,
    {
        match self.counter.checked_add(1) {
            Some(counter) => Ok(Self {
                actor: self.actor.clone(),
                counter,
            }),
            None => Err(VClockError::CounterOverflow {
                counter: self.counter.get(),
            }),
        }
    }
}

/// Formats as `actor:counter`.
impl<A: fmt::Display> fmt::Display for Dot<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.actor, self.counter)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Dot;
    use crate::error::DecodeError;

    /// Encoded as the pair `(actor, counter)`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for Dot<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            (&self.actor, self.counter.get()).serialize(serializer)
        }
    }

    /// Rejects counter 0 with [`DecodeError::ZeroDot`].
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de>> Deserialize<'de> for Dot<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (actor, counter) = <(A, u64)>::deserialize(deserializer)?;
            Dot::new(actor, counter).map_err(|_| D::Error::custom(DecodeError::ZeroDot))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_actor_then_counter() {
        let d = |a, c| Dot::new(a, c).unwrap();
        assert!(d('a', 9) < d('b', 1));
        assert!(d('a', 1) < d('a', 2));
        assert_eq!(Dot::new('a', 0), Err(VClockError::ZeroCounter));
        assert_eq!(d('a', 1).next(), Ok(d('a', 2)));
    }
}
