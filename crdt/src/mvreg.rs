//! Multi-value register.

use alloc::vec::Vec;
use core::fmt;

use ward_vclock::{Dot, DotContext, DotRange, VClock, VClockError};

use crate::error::DecodeError;
use crate::lattice::{DeltaCrdt, Lattice};
use crate::orset::{Digest, removals_for};

/// A multi-value register: concurrent writes are all kept, as *siblings*, until a write
/// that has seen them all replaces them.
///
/// This is the register Riak and Dynamo expose: instead of silently picking a winner
/// (as [`LwwRegister`](crate::LwwRegister) does), a read returns every value written
/// concurrently and the application resolves them, typically by writing a merged value.
/// Each write mints a dot and supersedes exactly the values the writer had observed; the
/// merge is the same causal join as [`OrSet`](crate::OrSet)'s, so writes that did not see
/// each other survive side by side.
///
/// Metadata: one dot per sibling plus the causal context (one counter per actor plus
/// out-of-order dots).
///
/// # Examples
///
/// ```
/// use ward_crdt::{Lattice, MvRegister, Replica};
///
/// let mut dc1 = Replica::new("dc1", MvRegister::new());
/// let mut dc2 = Replica::new("dc2", MvRegister::new());
///
/// // A partition: both datacenters accept a write to the shipping address.
/// let w1 = dc1.write("1 Main St")?;
/// let w2 = dc2.write("9 Side Rd")?;
/// dc1.merge_delta(&w2)?;
/// dc2.merge_delta(&w1)?;
///
/// // Nothing is lost: both values are siblings, on both replicas.
/// assert_eq!(dc1.state().values().collect::<Vec<_>>(), [&"1 Main St", &"9 Side Rd"]);
/// assert_eq!(dc1.state(), dc2.state());
///
/// // The application resolves by writing; that write has seen both siblings.
/// let fix = dc1.write("9 Side Rd")?;
/// dc2.merge_delta(&fix)?;
/// assert_eq!(dc2.state().values().collect::<Vec<_>>(), [&"9 Side Rd"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MvRegister<T, A> {
    /// Sorted strictly by dot; every dot is in `ctx`.
    siblings: Vec<(Dot<A>, T)>,
    ctx: DotContext<A>,
}

impl<T, A> MvRegister<T, A> {
    /// Creates an empty register (no value written yet). Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::MvRegister;
    ///
    /// assert!(MvRegister::<u8, &str>::new().is_empty());
    /// ```
    pub const fn new() -> Self {
        Self {
            siblings: Vec::new(),
            ctx: DotContext::new(),
        }
    }

    /// The current values: one after a write, several after concurrent writes were
    /// merged, none before the first write. Ordered by the writes' dots.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new(1_u8, MvRegister::new());
    /// reg.write(10)?;
    /// reg.write(20)?;
    /// assert_eq!(reg.state().values().collect::<Vec<_>>(), [&20]);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        self.siblings.iter().map(|(_, v)| v)
    }

    /// The siblings with the dots of the writes that produced them.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    /// use ward_crdt::Dot;
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write('x')?;
    /// assert_eq!(reg.state().siblings().collect::<Vec<_>>(), [(&Dot::new("a", 1)?, &'x')]);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn siblings(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&Dot<A>, &T)> + ExactSizeIterator + '_ {
        self.siblings.iter().map(|(d, v)| (d, v))
    }

    /// Number of siblings.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write(1)?;
    /// assert_eq!(reg.state().len(), 1);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.siblings.len()
    }

    /// Whether the register holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write(1)?;
    /// reg.clear();
    /// assert!(reg.state().is_empty());
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.siblings.is_empty()
    }

    /// The register's causal context: the dots of every write it has seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write(1)?;
    /// reg.write(2)?;
    /// assert_eq!(reg.state().context().clock().get(&"a"), 2);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn context(&self) -> &DotContext<A> {
        &self.ctx
    }
}

impl<T: Clone, A: Ord + Clone> MvRegister<T, A> {
    /// Writes `value` with a fresh dot of `actor`; reached through
    /// [`Replica::write`](crate::Replica::write).
    ///
    /// The delta's context holds the new dot, the siblings it supersedes and every
    /// earlier dot of `actor`: each of them was either a sibling the write supersedes or
    /// already superseded or cleared here. So a receiver that missed an earlier clear of
    /// this replica still drops that replica's older value, and no state ever holds two
    /// siblings of one actor.
    pub(crate) fn write(&mut self, actor: &A, value: T) -> Result<Self, VClockError> {
        let dot = self.ctx.next_dot(actor)?;
        let mut own: DotContext<A> = DotContext::from(
            core::iter::once((actor.clone(), self.ctx.clock().get(actor)))
                .filter(|(_, n)| *n > 0)
                .collect::<VClock<A>>(),
        );
        own.extend(self.ctx.cloud().filter(|r| r.actor() == actor).cloned());
        own.extend(self.siblings.drain(..).map(|(d, _)| d));
        own.insert(dot.clone());
        self.siblings.push((dot.clone(), value.clone()));
        Ok(Self {
            siblings: alloc::vec![(dot, value)],
            ctx: own,
        })
    }

    /// Removes every sibling and returns the context-only delta of the observed writes.
    ///
    /// A write concurrent with the clear survives it, as a concurrent add survives a
    /// remove in [`OrSet`](crate::OrSet).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write("v")?;
    /// let delta = reg.clear();
    /// assert!(delta.is_empty() && reg.state().is_empty());
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn clear(&mut self) -> Self {
        let ctx = self.siblings.drain(..).map(|(d, _)| d).collect();
        Self {
            siblings: Vec::new(),
            ctx,
        }
    }
}

impl<T: Clone, A: Ord + Clone> MvRegister<T, A> {
    /// This register's [`Digest`]: its context and its siblings' dots, what a peer needs
    /// to compute [`delta_for`](MvRegister::delta_for) this register.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write(1)?;
    /// reg.write(2)?;
    /// let digest = reg.state().digest();
    /// assert_eq!(digest.context().dots().count(), 2);
    /// assert_eq!(digest.live().dots().count(), 1);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn digest(&self) -> Digest<A> {
        // Sorted and unique: the siblings are sorted strictly by dot.
        let live = self.siblings.iter().map(|(d, _)| d.clone()).collect();
        Digest::from_live(self.ctx.clone(), live)
    }

    /// The optimal delta `Δ(self, peer)` for the peer whose [`Digest`] is `peer`, as
    /// [`OrSet::delta_for`](crate::OrSet::delta_for) computes it: the siblings whose
    /// writes the peer has never seen, and the dots of superseded or cleared writes that
    /// the peer has never seen or still holds as siblings.
    ///
    /// `peer ⊔ Δ == peer ⊔ self`, `Δ ≤ self`, and `Δ` is the empty register exactly when
    /// the peer's register is already above this one, provided no dot was spent on two
    /// values (which [`Replica::merge`](crate::Replica::merge) refuses: the digest carries
    /// dots, not values, so it cannot show the conflict).
    ///
    /// Cost: `O(s log s)` in the siblings plus `O(log s)` per run of removals to send.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut a = Replica::new("a", MvRegister::new());
    /// let mut b = Replica::new("b", MvRegister::new());
    /// a.write(1)?;
    /// b.merge(a.state())?;
    /// assert_eq!(a.state().delta_for(&b.state().digest()), MvRegister::new());
    /// a.write(2)?;
    /// let delta = a.state().delta_for(&b.state().digest());
    /// b.merge_delta(&delta)?;
    /// assert_eq!(b.state().values().collect::<Vec<_>>(), [&2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delta_for(&self, peer: &Digest<A>) -> Self {
        let mut ctx: Vec<Dot<A>> = Vec::new();
        let mut siblings = Vec::new();
        for (d, v) in &self.siblings {
            if !peer.context().contains(d) {
                siblings.push((d.clone(), v.clone()));
                ctx.push(d.clone());
            }
        }
        let mut live: Vec<(&A, u64)> = self
            .siblings
            .iter()
            .map(|(d, _)| (d.actor(), d.counter()))
            .collect();
        live.sort_unstable();
        let counters: Vec<u64> = live.iter().map(|&(_, c)| c).collect();
        let span = |actor: &A| {
            live.partition_point(|&(a, _)| a < actor)..live.partition_point(|&(a, _)| a <= actor)
        };
        let mut ranges: Vec<DotRange<A>> = ctx.into_iter().map(DotRange::from).collect();
        removals_for(&self.ctx, peer, &counters, span, &mut ranges);
        Self {
            siblings,
            ctx: ranges.into_iter().collect(),
        }
    }
}

/// The causal join, with a sibling identified by its dot *and* its value: a sibling
/// survives if both sides hold it, or if one side holds it and the other side's context
/// has never seen its dot. When two writers spent one dot on two different values
/// (which [`Replica::merge`](crate::Replica::merge) refuses), neither side holds the
/// other's sibling and both contexts have seen the dot, so both values drop out, in
/// either merge order: the join stays commutative on every input.
impl<T: Clone + PartialEq, A: Ord + Clone> Lattice for MvRegister<T, A> {
    fn merge(&mut self, other: &Self) {
        if other.ctx.is_empty() {
            return;
        }
        let mut merged: Vec<(Dot<A>, T)> =
            Vec::with_capacity(self.siblings.len() + other.siblings.len());
        let holds = |siblings: &[(Dot<A>, T)], d: &Dot<A>, v: &T| {
            siblings
                .binary_search_by(|(x, _)| x.cmp(d))
                .is_ok_and(|i| siblings[i].1 == *v)
        };
        for (d, v) in &self.siblings {
            if holds(&other.siblings, d, v) || !other.ctx.contains(d) {
                merged.push((d.clone(), v.clone()));
            }
        }
        for (d, v) in &other.siblings {
            if !holds(&self.siblings, d, v) && !self.ctx.contains(d) {
                merged.push((d.clone(), v.clone()));
            }
        }
        merged.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.siblings = merged;
        self.ctx.join(&other.ctx);
    }
}

impl<T: Clone + PartialEq, A: Ord + Clone> DeltaCrdt for MvRegister<T, A> {
    type Actor = A;

    fn events_of(&self, actor: &A) -> u64 {
        self.ctx.max_counter(actor)
    }

    fn unknown_events_of(&self, incoming: &Self, actor: &A) -> Option<(u64, u64)> {
        incoming
            .ctx
            .first_dot_outside(&self.ctx, actor)
            .map(|d| (self.ctx.max_counter(actor), d.counter()))
    }

    fn double_spent_dot(&self, incoming: &Self) -> Option<u64> {
        incoming.siblings.iter().find_map(|(d, v)| {
            self.siblings
                .binary_search_by(|(x, _)| x.cmp(d))
                .is_ok_and(|i| self.siblings[i].1 != *v)
                .then(|| d.counter())
        })
    }
}

impl<T, A> Default for MvRegister<T, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, A: fmt::Debug> fmt::Debug for MvRegister<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MvRegister")
            .field("siblings", &self.siblings)
            .field("context", &self.ctx)
            .finish()
    }
}

/// Builds a register from `(dot, value)` siblings and a context, validating the
/// canonical form: dots strictly increasing (so none is repeated), at most one per
/// actor, and all inside the context.
///
/// # Errors
///
/// [`DecodeError::UnsortedEntries`] or [`DecodeError::DuplicateDot`] for misordered or
/// repeated dots, [`DecodeError::TwoDotsOfOneActor`] for two siblings of one actor,
/// [`DecodeError::DotOutsideContext`] for a dot the context lacks.
impl<T, A: Ord + Clone> TryFrom<(Vec<(Dot<A>, T)>, DotContext<A>)> for MvRegister<T, A> {
    type Error = DecodeError;

    fn try_from((siblings, ctx): (Vec<(Dot<A>, T)>, DotContext<A>)) -> Result<Self, DecodeError> {
        for (index, pair) in siblings.windows(2).enumerate() {
            match pair[0].0.cmp(&pair[1].0) {
                core::cmp::Ordering::Less => {}
                core::cmp::Ordering::Equal => {
                    return Err(DecodeError::DuplicateDot {
                        index: index + 1,
                        counter: pair[1].0.counter(),
                    });
                }
                core::cmp::Ordering::Greater => {
                    return Err(DecodeError::UnsortedEntries { index: index + 1 });
                }
            }
        }
        for (index, pair) in siblings.windows(2).enumerate() {
            if pair[0].0.actor() == pair[1].0.actor() {
                return Err(DecodeError::TwoDotsOfOneActor {
                    index: index + 1,
                    counter: pair[1].0.counter(),
                });
            }
        }
        for (index, (dot, _)) in siblings.iter().enumerate() {
            if !ctx.contains(dot) {
                return Err(DecodeError::DotOutsideContext {
                    index,
                    counter: dot.counter(),
                });
            }
        }
        Ok(Self { siblings, ctx })
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use ward_vclock::{Dot, DotContext};

    use super::MvRegister;

    #[derive(Serialize)]
    struct Encode<'a, T, A> {
        siblings: &'a [(Dot<A>, T)],
        context: &'a DotContext<A>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(deserialize = "T: Deserialize<'de>, A: Deserialize<'de> + Ord"))]
    struct Decode<T, A> {
        siblings: Vec<(Dot<A>, T)>,
        context: DotContext<A>,
    }

    /// Encoded as `{"siblings": [[[actor, counter], value], ...], "context": {...}}`,
    /// siblings ascending by dot.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<T: Serialize, A: Serialize> Serialize for MvRegister<T, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                siblings: &self.siblings,
                context: &self.ctx,
            }
            .serialize(serializer)
        }
    }

    /// Validates like `TryFrom<(Vec<(Dot<A>, T)>, DotContext<A>)>`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, T: Deserialize<'de>, A: Deserialize<'de> + Ord + Clone> Deserialize<'de>
        for MvRegister<T, A>
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decode { siblings, context } = Decode::deserialize(deserializer)?;
            MvRegister::try_from((siblings, context)).map_err(D::Error::custom)
        }
    }
}
