//! The replica handle: a CRDT state together with the actor id that owns it.

use ward_vclock::VClockError;

use crate::error::{CounterError, ReplicaError};
use crate::gcounter::GCounter;
use crate::lattice::DeltaCrdt;
use crate::mvreg::MvRegister;
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
    /// that this replica does not; the replica is then unchanged.
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
            return Err(ReplicaError::ForeignEvents { known, incoming });
        }
        self.state.merge(other);
        Ok(())
    }

    /// Merges a delta or delta group; the same check and effect as
    /// [`merge`](Replica::merge).
    ///
    /// # Errors
    ///
    /// [`ReplicaError::ForeignEvents`] as for [`merge`](Replica::merge).
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
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn add(&mut self, elem: E) -> Result<OrSet<E, A>, VClockError> {
        self.state.add(&self.actor, elem)
    }

    /// Removes `elem` and returns the context-only delta; see [`OrSet::remove`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut cart = Replica::new("phone", OrSet::new());
    /// cart.add("book")?;
    /// cart.remove(&"book");
    /// assert!(!cart.state().contains(&"book"));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn remove(&mut self, elem: &E) -> OrSet<E, A> {
        self.state.remove(elem)
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
    /// # Ok::<(), ward_vclock::VClockError>(())
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
    /// # Ok::<(), ward_vclock::VClockError>(())
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
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn clear(&mut self) -> MvRegister<T, A> {
        self.state.clear()
    }
}
