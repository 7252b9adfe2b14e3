//! The replica handle: a CRDT state together with the actor id that owns it.

use core::borrow::Borrow;

use ward_vclock::{Dot, VClockError};

use crate::error::{CounterError, RemoveError, ReplicaError};
use crate::gcounter::GCounter;
use crate::lattice::DeltaCrdt;
use crate::mvreg::MvRegister;
use crate::ormap::{Nested, OrMap};
use crate::orset::OrSet;
use crate::pncounter::PnCounter;

/// One replica of a CRDT: the state plus the actor id under which this replica records
/// its events.
///
/// The classic mistake with state-based CRDTs is to pass an actor id into every
/// mutation and let two replicas (two processes, two threads, a restored backup)
/// increment or add under the same id: their events then collide and merges silently
/// drop some of them. A `Replica` takes its actor id once, at construction, and every
/// mutator uses it; there is no way to mutate with another id. Merges through the
/// replica also check the incoming state: if it knows events of this replica's own actor
/// that the replica does not, some other replica is (or was) writing under the same id,
/// and the merge is refused with [`ReplicaError::ForeignEvents`].
///
/// `Replica` is deliberately not `Clone`: a clone would be a second writer under the same
/// id. Copy the state instead ([`state`](Replica::state)`().clone()`), or split the
/// replica with [`into_parts`](Replica::into_parts).
///
/// ```compile_fail,E0599
/// use ward_crdt::{GCounter, Replica};
///
/// let replica = Replica::new("a", GCounter::<&str>::new());
/// let twin = replica.clone(); // no second writer under "a"
/// ```
///
/// Every mutator returns the delta, to ship to other replicas; merging the delta into a
/// replica has the same effect as the mutation had here.
///
/// # Restarting
///
/// A replica that restarts must never mint an event id it already used. Two ways are
/// safe:
///
/// - **Fresh id (the default).** Restart under an actor id never used before, for
///   example the node name with an incarnation number that is bumped and stored at
///   every start: `Replica::new(("node-a", incarnation), state)`, where `state` is
///   whatever the node still has or fetches from a peer (possibly empty). The old
///   incarnation's events stay valid under the old id, including deltas still in flight.
/// - **Resume from persisted state.** If the state was written to durable storage
///   *before* each delta left the process, [`Replica::resume`] with the same id continues
///   after the last event it ever shipped.
///
/// Restarting under the old id from an empty or older state re-mints event ids: deltas
/// of the old incarnation still in flight then collide with the new ones. Peers detect
/// this where the state shows it ([`ReplicaError::DoubleSpentDot`] when one dot names
/// two elements or values, [`ReplicaError::ForeignEvents`] on the restarted replica
/// when it hears of its own lost events) and refuse the merge, but a counter cannot
/// show it when the two incarnations counted alike.
///
/// # Examples
///
/// ```
/// use ward_crdt::{GCounter, Replica, ReplicaError};
///
/// let mut a = Replica::new("node-a", GCounter::new());
/// let mut b = Replica::new("node-b", GCounter::new());
/// let delta = a.increment(1)?;
/// b.merge_delta(&delta)?;
/// assert_eq!(b.state().value(), 1);
///
/// // A second replica wrongly reusing the id "node-a" is caught on merge.
/// let mut clone = Replica::new("node-a", GCounter::new());
/// let mut stray = Replica::new("node-a", GCounter::new());
/// let foreign = stray.increment(5)?;
/// assert_eq!(
///     clone.merge_delta(&foreign),
///     Err(ReplicaError::ForeignEvents { known: 0, incoming: 5 }),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Replica<A, T> {
    actor: A,
    state: T,
}

impl<A, T> Replica<A, T> {
    /// Creates the replica of actor `actor` holding `state`.
    ///
    /// `actor` must be unique among the replicas that write to this CRDT. `state` may be
    /// empty (`T::default()`) or a state received from other replicas; if it is a
    /// snapshot of this replica's own past, make sure nothing newer under this id exists
    /// (otherwise use a fresh id).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let set: Replica<&str, OrSet<u32, &str>> = Replica::new("a", OrSet::new());
    /// assert_eq!(set.actor(), &"a");
    /// ```
    pub const fn new(actor: A, state: T) -> Self {
        Self { actor, state }
    }

    /// Resumes the replica of `actor` from `persisted`, a state this replica wrote to
    /// durable storage after its last mutation and before that mutation's delta left the
    /// process (see [Restarting](Replica#restarting)).
    ///
    /// Same as [`new`](Replica::new); the name records that `persisted` is this actor's
    /// own latest state, so the next event continues after every event it shipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut before = Replica::new("a", OrSet::new());
    /// before.add("x")?;
    /// let persisted = before.state().clone(); // written before the delta is shipped
    ///
    /// let mut after = Replica::resume("a", persisted);
    /// let delta = after.add("y")?;
    /// assert_eq!(delta.dots(&"y")[0].counter(), 2); // no event id is reused
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub const fn resume(actor: A, persisted: T) -> Self {
        Self::new(actor, persisted)
    }

    /// The actor id of this replica.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Replica};
    ///
    /// let counter: Replica<u16, GCounter<u16>> = Replica::new(7, GCounter::new());
    /// assert_eq!(counter.actor(), &7);
    /// ```
    pub const fn actor(&self) -> &A {
        &self.actor
    }

    /// The replica's current state, for reading, shipping or persisting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Replica};
    ///
    /// let mut c = Replica::new("a", GCounter::new());
    /// c.increment(2)?;
    /// assert_eq!(c.state().value(), 2);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    pub const fn state(&self) -> &T {
        &self.state
    }

    /// Consumes the replica, returning its actor id and state.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Replica};
    ///
    /// let (actor, state) = Replica::new("a", GCounter::<&str>::new()).into_parts();
    /// assert_eq!(actor, "a");
    /// assert!(state.is_empty());
    /// ```
    pub fn into_parts(self) -> (A, T) {
        (self.actor, self.state)
    }
}

impl<A, T: DeltaCrdt<Actor = A>> Replica<A, T> {
    /// Merges a full state received from another replica.
    ///
    /// # Errors
    ///
    /// [`ReplicaError::ForeignEvents`] if `other` knows events of this replica's actor
    /// that this replica does not; [`ReplicaError::DoubleSpentDot`] if `other` holds a
    /// dot on a different element or value than this replica does. The replica is then
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// a.add(1)?;
    /// b.add(2)?;
    /// a.merge(b.state())?;
    /// assert_eq!(a.state().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: &T) -> Result<(), ReplicaError> {
        if let Some((known, incoming)) = self.state.unknown_events_of(other, &self.actor) {
            crate::trace::foreign_events(known, incoming);
            return Err(ReplicaError::ForeignEvents { known, incoming });
        }
        if let Some(counter) = self.state.double_spent_dot(other) {
            crate::trace::double_spent_dot(counter);
            return Err(ReplicaError::DoubleSpentDot { counter });
        }
        self.state.merge(other);
        Ok(())
    }

    /// Merges a delta or delta group; the same check and effect as
    /// [`merge`](Replica::merge).
    ///
    /// # Errors
    ///
    /// As for [`merge`](Replica::merge).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{PnCounter, Replica};
    ///
    /// let mut a = Replica::new("a", PnCounter::new());
    /// let mut b = Replica::new("b", PnCounter::new());
    /// let delta = a.decrement(4)?;
    /// b.merge_delta(&delta)?;
    /// assert_eq!(b.state().value(), -4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge_delta(&mut self, delta: &T) -> Result<(), ReplicaError> {
        self.merge(delta)
    }
}

impl<A: Ord + Clone> Replica<A, GCounter<A>> {
    /// Adds `by` to this replica's count and returns the delta.
    ///
    /// # Errors
    ///
    /// [`CounterError::Overflow`] if this replica's count would pass `u64::MAX`; the
    /// counter is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{CounterError, GCounter, Replica};
    ///
    /// let mut c = Replica::new("a", GCounter::new());
    /// c.increment(u64::MAX)?;
    /// assert_eq!(c.increment(1), Err(CounterError::Overflow { count: u64::MAX, by: 1 }));
    /// assert_eq!(c.state().value(), u128::from(u64::MAX));
    /// # Ok::<(), CounterError>(())
    /// ```
    pub fn increment(&mut self, by: u64) -> Result<GCounter<A>, CounterError> {
        self.state.increment(&self.actor, by)
    }
}

impl<A: Ord + Clone> Replica<A, PnCounter<A>> {
    /// Adds `by` to the counter (in this replica's increments) and returns the delta.
    ///
    /// # Errors
    ///
    /// [`CounterError::Overflow`] if this replica's increments would pass `u64::MAX`;
    /// the counter is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{PnCounter, Replica};
    ///
    /// let mut c = Replica::new("a", PnCounter::new());
    /// c.increment(3)?;
    /// assert_eq!(c.state().value(), 3);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    pub fn increment(&mut self, by: u64) -> Result<PnCounter<A>, CounterError> {
        self.state.increment(&self.actor, by)
    }

    /// Subtracts `by` from the counter (in this replica's decrements) and returns the
    /// delta.
    ///
    /// # Errors
    ///
    /// [`CounterError::Overflow`] if this replica's decrements would pass `u64::MAX`;
    /// the counter is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{PnCounter, Replica};
    ///
    /// let mut c = Replica::new("a", PnCounter::new());
    /// c.decrement(3)?;
    /// assert_eq!(c.state().value(), -3);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    pub fn decrement(&mut self, by: u64) -> Result<PnCounter<A>, CounterError> {
        self.state.decrement(&self.actor, by)
    }
}

impl<E: Ord + Clone, A: Ord + Clone> Replica<A, OrSet<E, A>> {
    /// Adds `elem` with a fresh dot of this replica and returns the delta.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if this replica has used up all `u64::MAX` dots;
    /// the set is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut cart = Replica::new("phone", OrSet::new());
    /// let delta = cart.add("book")?;
    /// assert!(delta.contains(&"book") && cart.state().contains(&"book"));
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn add(&mut self, elem: E) -> Result<OrSet<E, A>, VClockError> {
        self.state.add(&self.actor, elem)
    }

    /// Removes `elem` and returns the context-only delta; see [`OrSet::remove`].
    ///
    /// # Errors
    ///
    /// [`RemoveError::NotPresent`] if `elem` is not in this replica's set.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut cart = Replica::new("phone", OrSet::new());
    /// cart.add(String::from("book"))?;
    /// cart.remove("book")?;
    /// assert!(!cart.state().contains("book"));
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn remove<Q: Ord + ?Sized>(&mut self, elem: &Q) -> Result<OrSet<E, A>, RemoveError>
    where
        E: Borrow<Q>,
    {
        self.state.remove(elem)
    }

    /// Removes the adds of `elem` a client observed; see [`OrSet::remove_observed`].
    ///
    /// # Errors
    ///
    /// [`ReplicaError::ForeignEvents`] if `observed` names a dot of this replica's actor
    /// that it never minted; [`ReplicaError::Remove`] as for
    /// [`OrSet::remove_observed`]. The set is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// a.add("x")?;
    /// let observed = a.state().dots(&"x");
    /// a.remove_observed(&"x", &observed)?;
    /// assert!(a.state().is_empty());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn remove_observed<Q: Ord + ?Sized>(
        &mut self,
        elem: &Q,
        observed: &[Dot<A>],
    ) -> Result<OrSet<E, A>, ReplicaError>
    where
        E: Borrow<Q>,
    {
        let known = self.state.context().max_counter(&self.actor);
        if let Some(d) = observed
            .iter()
            .find(|d| *d.actor() == self.actor && !self.state.context().contains(d))
        {
            crate::trace::foreign_observed(known, d.counter());
            return Err(ReplicaError::ForeignEvents {
                known,
                incoming: d.counter(),
            });
        }
        Ok(self.state.remove_observed(elem, observed)?)
    }

    /// Removes every element and returns the context-only delta; see [`OrSet::clear`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut cart = Replica::new("phone", OrSet::new());
    /// cart.add("book")?;
    /// cart.clear();
    /// assert!(cart.state().is_empty());
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn clear(&mut self) -> OrSet<E, A> {
        self.state.clear()
    }
}

impl<T: Clone, A: Ord + Clone> Replica<A, MvRegister<T, A>> {
    /// Writes `value`, superseding every sibling this replica has seen, and returns the
    /// delta.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if this replica has used up all `u64::MAX` dots;
    /// the register is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write("draft")?;
    /// reg.write("final")?;
    /// assert_eq!(reg.state().values().collect::<Vec<_>>(), [&"final"]);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn write(&mut self, value: T) -> Result<MvRegister<T, A>, VClockError> {
        self.state.write(&self.actor, value)
    }

    /// Removes every sibling and returns the context-only delta; see
    /// [`MvRegister::clear`].
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
    pub fn clear(&mut self) -> MvRegister<T, A> {
        self.state.clear()
    }
}

impl<K: Ord + Clone, V: Nested<Actor = A>, A: Ord + Clone> Replica<A, OrMap<K, V, A>> {
    /// Updates `key`'s value with `update`, which receives a replica of the value under
    /// this replica's actor and returns the value's delta (any nested mutator fits:
    /// `|s| s.add(x)`, `|c| c.increment(1)`, `|m| m.update(k, ...)`). Adds the key and
    /// returns the map delta.
    ///
    /// # Errors
    ///
    /// The error of `update`, converted into [`ReplicaError`], or
    /// [`ReplicaError::Dot`] if the key's dot cannot be minted; the map is then
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap, Replica};
    ///
    /// // Nested two levels deep: shop -> item -> count.
    /// type Stock = OrMap<&'static str, GCounter<&'static str>, &'static str>;
    /// let mut m = Replica::new("a", OrMap::<&str, Stock, &str>::new());
    /// m.update("shop-1", |shop| shop.update("pens", |c| c.increment(3)))?;
    /// let pens = m.state().get("shop-1").and_then(|s| s.get("pens")).map(|c| c.value());
    /// assert_eq!(pens, Some(3));
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn update<F, E>(&mut self, key: K, update: F) -> Result<OrMap<K, V, A>, ReplicaError>
    where
        F: FnOnce(&mut Replica<A, V>) -> Result<V, E>,
        ReplicaError: From<E>,
    {
        self.state.update_with(&self.actor, key, update)
    }

    /// Removes `key` (reset-remove); see [`OrMap::remove`].
    ///
    /// # Errors
    ///
    /// [`RemoveError::NotPresent`] if `key` is not present.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<_, GCounter<_>, _>::new());
    /// m.update("x", |c| c.increment(1))?;
    /// m.remove_key("x")?;
    /// assert!(m.state().is_empty());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn remove_key<Q: Ord + ?Sized>(&mut self, key: &Q) -> Result<OrMap<K, V, A>, RemoveError>
    where
        K: Borrow<Q>,
    {
        self.state.remove(key)
    }
}
