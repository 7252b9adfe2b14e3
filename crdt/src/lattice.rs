//! The join-semilattice and delta-state traits every CRDT of this crate implements.

/// A join-semilattice: a state with a least-upper-bound merge.
///
/// `merge` replaces `self` with the join `self ⊔ other`, the smallest state that is at
/// least as large as both. Every implementation in this crate satisfies, for all states
/// `x`, `y`, `z`:
///
/// - commutativity: `x ⊔ y == y ⊔ x`;
/// - associativity: `(x ⊔ y) ⊔ z == x ⊔ (y ⊔ z)`;
/// - idempotence: `x ⊔ x == x`.
///
/// Together these make replicas converge: any two replicas that have merged the same
/// states, in any order, any number of times, hold equal states. The laws are checked by
/// this crate's property tests on whole states, not only on read values.
///
/// # Examples
///
/// ```
/// use ward_crdt::{GCounter, Lattice, Replica};
///
/// let mut a = Replica::new("a", GCounter::new());
/// let mut b = Replica::new("b", GCounter::new());
/// a.increment(2)?;
/// b.increment(3)?;
///
/// let mut ab = a.state().clone();
/// ab.merge(b.state());
/// let mut ba = b.state().clone();
/// ba.merge(a.state());
/// assert_eq!(ab, ba);
/// assert_eq!(ab.value(), 5);
/// # Ok::<(), ward_crdt::CounterError>(())
/// ```
pub trait Lattice {
    /// Replaces `self` with the join `self ⊔ other`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Lattice, Replica};
    ///
    /// let mut a = Replica::new(1_u8, GCounter::new());
    /// a.increment(4)?;
    /// let mut other = GCounter::new();
    /// other.merge(a.state());
    /// other.merge(a.state()); // idempotent
    /// assert_eq!(other.value(), 4);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    fn merge(&mut self, other: &Self);

    /// Returns the join `self ⊔ other`, consuming `self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Lattice, Replica};
    ///
    /// let mut a = Replica::new('a', GCounter::new());
    /// let mut b = Replica::new('b', GCounter::new());
    /// let joined = a.increment(1)?.join(&b.increment(2)?);
    /// assert_eq!(joined.value(), 3);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    #[must_use]
    fn join(mut self, other: &Self) -> Self
    where
        Self: Sized,
    {
        self.merge(other);
        self
    }

    /// Whether `self ≤ other` in the lattice order, that is `self ⊔ other == other`.
    ///
    /// A mutator is an *inflation* when the state after it is at least the state before
    /// it; every mutator in this crate is one. The default implementation clones `other`
    /// and merges; types override it when a cheaper test exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Lattice, Replica};
    ///
    /// let mut a = Replica::new("a", GCounter::new());
    /// let before = a.state().clone();
    /// a.increment(1)?;
    /// assert!(before.leq(a.state()));
    /// assert!(!a.state().leq(&before));
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    fn leq(&self, other: &Self) -> bool
    where
        Self: Clone + PartialEq,
    {
        let mut joined = other.clone();
        joined.merge(self);
        joined == *other
    }
}

/// A delta-state CRDT: a [`Lattice`] whose mutators also return *deltas*.
///
/// In the delta-state model (Almeida, Shoker and Baquero, "Delta State Replicated Data
/// Types") every mutator `m` has a delta-mutator `mδ` with `m(x) == x ⊔ mδ(x)`. The
/// mutators in this crate do both at once: they change the replica and return the delta,
/// a (usually tiny) state of the same type. A delta can be merged into any replica, in
/// any order, any number of times, and deltas join with each other into a *delta group*
/// that is shipped as one message. The empty state ([`Default`]) is the bottom of the
/// lattice and the identity of the join.
///
/// Deltas make shipping cheap, not delivery reliable: a lost delta is repaired by a later
/// merge of a full state (or of a delta group that covers it).
///
/// # Examples
///
/// ```
/// use ward_crdt::{DeltaCrdt, Lattice, OrSet, Replica};
///
/// let mut a = Replica::new("a", OrSet::new());
/// let mut b = Replica::new("b", OrSet::new());
///
/// // Two mutations, joined into one delta group before shipping.
/// let group = a.add("milk")?.join(&a.add("eggs")?);
/// b.merge_delta(&group)?;
/// assert!(b.state().contains(&"milk") && b.state().contains(&"eggs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait DeltaCrdt: Lattice + Default {
    /// The actor (replica id) type that numbers this CRDT's events.
    type Actor;

    /// Merges a delta or delta group; identical to [`Lattice::merge`], named for intent.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaCrdt, GCounter, Replica};
    ///
    /// let mut a = Replica::new("a", GCounter::new());
    /// let delta = a.increment(7)?;
    /// let mut b = GCounter::new();
    /// b.merge_delta(&delta);
    /// b.merge_delta(&delta); // duplicates are harmless
    /// assert_eq!(b.value(), 7);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    fn merge_delta(&mut self, delta: &Self) {
        self.merge(delta);
    }

    /// The highest event number of `actor` this state knows (a count for counters, a dot
    /// counter for causal CRDTs), 0 if none.
    ///
    /// [`Replica`](crate::Replica) compares it to refuse states that know more of its own
    /// actor's events than it does.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaCrdt, GCounter, Replica};
    ///
    /// let mut a = Replica::new("a", GCounter::new());
    /// a.increment(3)?;
    /// assert_eq!(a.state().events_of(&"a"), 3);
    /// assert_eq!(a.state().events_of(&"z"), 0);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    fn events_of(&self, actor: &Self::Actor) -> u64;

    /// An event of `actor` that `incoming` knows and `self` does not, as
    /// `(known, incoming)`: the highest event `self` knows of that sequence and the
    /// unknown event. `None` when `incoming` knows nothing of `actor` beyond `self`.
    ///
    /// The default compares [`events_of`](DeltaCrdt::events_of); types whose events are
    /// not summarised by one number override it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaCrdt, GCounter, Replica};
    ///
    /// let mut a = Replica::new("a", GCounter::new());
    /// let old = a.state().clone();
    /// a.increment(1)?;
    /// assert_eq!(old.unknown_events_of(a.state(), &"a"), Some((0, 1)));
    /// assert_eq!(a.state().unknown_events_of(&old, &"a"), None);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    fn unknown_events_of(&self, incoming: &Self, actor: &Self::Actor) -> Option<(u64, u64)> {
        let known = self.events_of(actor);
        let theirs = incoming.events_of(actor);
        (theirs > known).then_some((known, theirs))
    }

    /// The counter of a dot that `incoming` holds on a different element or value than
    /// `self` does, if any: proof that two writers minted the same event id.
    ///
    /// Only a dot that both sides still hold can be compared; once one side has removed
    /// or superseded it, a double-spent dot looks like an ordinary removal. Counters have
    /// no per-event ids at all, so the default (used by [`GCounter`](crate::GCounter)
    /// and [`PnCounter`](crate::PnCounter)) finds nothing; see
    /// [`Replica`](crate::Replica) for what is detectable there.
    ///
    /// [`Replica::merge`](crate::Replica::merge) refuses a merge for which this returns
    /// `Some`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaCrdt, OrSet, Replica};
    ///
    /// // Two replicas wrongly share the id "a": both mint the dot a:1.
    /// let mut p = Replica::new("a", OrSet::new());
    /// let mut q = Replica::new("a", OrSet::new());
    /// p.add("x")?;
    /// q.add("y")?;
    /// assert_eq!(p.state().double_spent_dot(q.state()), Some(1));
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    fn double_spent_dot(&self, incoming: &Self) -> Option<u64> {
        let _ = incoming;
        None
    }
}
