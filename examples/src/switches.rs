//! Switching a Ward primitive off: `--without <primitive>` runs a scenario with the
//! primitive replaced by the plain step it stands for (a store that applies every write, a
//! clock that never looks at a peer's stamp, delivery on arrival, ...). The scenario must
//! then report its anomaly as not prevented and the tour must exit non-zero: that is how the
//! tour shows each primitive carries its scenario's protection.

use core::fmt;

use serde::Serialize;

/// A Ward primitive a scenario depends on, by its command-line name.
///
/// # Examples
///
/// ```
/// use ward_examples::Primitive;
///
/// assert_eq!(Primitive::from_name("hlc"), Some(Primitive::Hlc));
/// assert_eq!(Primitive::Hlc.name(), "hlc");
/// assert!(Primitive::from_name("paxos").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Primitive {
    /// `ward-fencing`'s fences (`Fenced`, `DurableFence`): off, the store applies every write.
    Fence,
    /// `ward-hlc`'s `Hlc`: off, a server stamps with its physical clock and never takes a
    /// peer's stamp into account (nor checks its drift).
    Hlc,
    /// `ward-vclock`'s `CausalBuffer`: off, messages are shown on arrival.
    CausalBuffer,
    /// `ward-quorum`'s collectors: off, an operation completes on the first replica's answer.
    Quorum,
    /// `ward-crdt`'s `OrSet`: off, replicas keep a set without dots (added items and removed
    /// items, each merged by union), so a remove also cancels adds it never saw.
    OrSet,
    /// `ward-backoff`'s `Backoff` delays: off, a failed call is retried at once.
    Backoff,
    /// `ward-backoff`'s `CircuitBreaker`: off, every breaker admits every call.
    Breaker,
    /// `ward-backoff`'s `TpsBudget`: off, every retry is allowed.
    RetryBudget,
    /// `ward-quorum`'s `Session` position tokens: off, a replica serves every read with
    /// whatever it has applied.
    Session,
    /// `ward-quorum`'s `CommitGate`: off, a replica exposes each row as it arrives.
    CommitGate,
    /// `ward-hlc`'s commit-wait (`UncertainClock::commit_wait_with`): off, a commit is
    /// acknowledged as soon as it is stamped.
    CommitWait,
    /// `ward-backoff`'s request coalescing (`stampede::Coalesce`): off, every request that
    /// decides to recompute a cached value calls the backend itself.
    Coalesce,
    /// `ward-backoff`'s probabilistic early expiration (`stampede::EarlyExpiration`): off, a
    /// request recomputes a cached value only once it has expired.
    EarlyExpiration,
}

impl Primitive {
    /// Every primitive, in tour order.
    pub const ALL: [Primitive; 13] = [
        Primitive::Fence,
        Primitive::Hlc,
        Primitive::CausalBuffer,
        Primitive::Quorum,
        Primitive::OrSet,
        Primitive::Backoff,
        Primitive::Breaker,
        Primitive::RetryBudget,
        Primitive::Session,
        Primitive::CommitGate,
        Primitive::CommitWait,
        Primitive::Coalesce,
        Primitive::EarlyExpiration,
    ];

    /// The command-line name, such as `causal-buffer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::Primitive;
    ///
    /// assert_eq!(Primitive::RetryBudget.name(), "retry-budget");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Primitive::Fence => "fence",
            Primitive::Hlc => "hlc",
            Primitive::CausalBuffer => "causal-buffer",
            Primitive::Quorum => "quorum",
            Primitive::OrSet => "or-set",
            Primitive::Backoff => "backoff",
            Primitive::Breaker => "breaker",
            Primitive::RetryBudget => "retry-budget",
            Primitive::Session => "session",
            Primitive::CommitGate => "commit-gate",
            Primitive::CommitWait => "commit-wait",
            Primitive::Coalesce => "coalesce",
            Primitive::EarlyExpiration => "early-expiration",
        }
    }

    /// The primitive with this command-line name.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::Primitive;
    ///
    /// assert_eq!(Primitive::from_name("or-set"), Some(Primitive::OrSet));
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which primitives are switched off for a run; the default has every primitive on.
///
/// # Examples
///
/// ```
/// use ward_examples::{Primitive, Switches};
///
/// let off = Switches::default().without(Primitive::Fence);
/// assert!(!off.is_on(Primitive::Fence));
/// assert!(off.is_on(Primitive::Hlc));
/// assert!(Switches::default().all_on());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Switches {
    off: u16,
}

impl Switches {
    /// The same switches with `primitive` off as well.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Primitive, Switches};
    ///
    /// let s = Switches::default().without(Primitive::Breaker).without(Primitive::RetryBudget);
    /// assert_eq!(s.off().count(), 2);
    /// ```
    #[must_use]
    pub const fn without(self, primitive: Primitive) -> Self {
        Self {
            off: self.off | primitive.bit(),
        }
    }

    /// Whether `primitive` is on (not switched off).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Primitive, Switches};
    ///
    /// assert!(Switches::default().is_on(Primitive::Quorum));
    /// ```
    pub const fn is_on(self, primitive: Primitive) -> bool {
        self.off & primitive.bit() == 0
    }

    /// Whether every primitive is on.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Primitive, Switches};
    ///
    /// assert!(!Switches::default().without(Primitive::Hlc).all_on());
    /// ```
    pub const fn all_on(self) -> bool {
        self.off == 0
    }

    /// The primitives switched off, in tour order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Primitive, Switches};
    ///
    /// let s = Switches::default().without(Primitive::OrSet);
    /// assert_eq!(s.off().collect::<Vec<_>>(), [Primitive::OrSet]);
    /// ```
    pub fn off(self) -> impl Iterator<Item = Primitive> {
        Primitive::ALL.into_iter().filter(move |p| !self.is_on(*p))
    }
}

impl Serialize for Switches {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.off())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bits_are_distinct() {
        let mut seen = 0u16;
        for p in Primitive::ALL {
            assert_eq!(Primitive::from_name(p.name()), Some(p));
            assert_eq!(seen & p.bit(), 0, "{p}");
            seen |= p.bit();
        }
        let all = Primitive::ALL
            .into_iter()
            .fold(Switches::default(), Switches::without);
        assert_eq!(all.off().count(), Primitive::ALL.len());
    }
}
