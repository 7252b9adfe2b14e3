//! Add-wins observed-remove set without tombstones.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};

use ward_vclock::{Dot, DotContext, VClockError};

use crate::error::RemoveError;

mod codec;
mod merge;
mod sync;

pub use sync::Digest;
pub(crate) use sync::removals_for;

use crate::dots::{ActorTable, Dots, LocalDot};
use crate::lattice::DeltaCrdt;

/// An add-wins observed-remove set (OR-set) without tombstones, in delta-state form.
///
/// Every add of an element mints a fresh *dot* (an event id `(actor, n)`, see
/// [`Dot`]) and attaches it to the element; the set also keeps a causal context, the
/// [`DotContext`] of every dot it has ever seen. An element is in the set while it carries
/// at least one dot.
///
/// - **add** mints a dot, makes it the element's only dot (the dots the replica had
///   observed for it are superseded) and returns the delta "element with the new dot;
///   context = new dot + superseded dots".
/// - **remove** drops the element and returns a *context-only* delta carrying exactly
///   the dots it observed. A concurrent add minted a dot the remove never saw, so the add
///   survives the merge: **add wins**. Re-adding after a remove mints a new dot, so it
///   works.
/// - **merge** is the causal join of *Delta State Replicated Data Types* (Almeida, Shoker,
///   Baquero): a dot survives if both sides hold it, or if one side holds it and the other
///   side's context has never seen it; the contexts are united. A dot that is in a context
///   but not in the entries has been removed (or superseded), which is how removals travel
///   without tombstones.
///
/// Because merge is a join of whole states, deltas may be lost, duplicated and reordered:
/// a duplicated delta changes nothing, a delta arriving before an older one is remembered
/// exactly by the context's dot cloud, and a lost delta is repaired by any later merge of
/// a state or delta group that covers it. None of this can lose an element or bring back
/// a removed one.
///
/// # Metadata bound
///
/// The set stores, beyond the elements: the dots of the live elements (one per element
/// unless several replicas added it concurrently), one table entry per actor, and the
/// causal context, which is one counter per actor plus the dots that arrived out of order
/// (empty once the gaps close). Removed elements leave nothing behind. So once a replica
/// has every dot, its metadata is the live elements' dots plus `O(actors)`; while deltas
/// are missing, the dots received ahead of them wait in the context. Each actor is
/// stored once and every element refers to it by index, so a live element with one dot
/// costs `size_of::<E>() + 16` bytes (24 for `u64` elements on 64-bit targets) in a sorted
/// vector, whatever the actor type, and nothing else on the heap.
///
/// # Complexity
///
/// Elements are kept in a vector sorted by element: `contains` is `O(log n)`, `add` and
/// `remove` are `O(log n)` plus moving the tail of the vector (appending in order is
/// amortised `O(1)`). Merging a state of `m` elements into one of `n` is a single linear
/// merge-join, `O(n + m)`, that updates in place when it can and otherwise rebuilds the
/// vector once with exact capacity. Merging a small delta looks its elements up by binary
/// search. A delta that only adds (new elements, or re-adds of elements held here) is
/// then done, in `O(log n)` plus moving the tail for an insertion; a delta naming other
/// dots this set has seen, such as a removal, which carries only dots and not the
/// element, needs one tight pass over the `n` elements' dots. A delta that names few
/// actors compared with the `k` this set has heard of is compared through lookups of
/// just its actors (`O(log k)` each, nothing allocated per actor), and a context of a
/// few dots is joined dot by dot, so merging a small delta costs in proportion to the
/// delta times `O(log n + log k)`, not `O(k)`.
///
/// # Examples
///
/// ```
/// use ward_crdt::{Lattice, OrSet, Replica};
///
/// let mut phone = Replica::new("phone", OrSet::new());
/// let mut laptop = Replica::new("laptop", OrSet::new());
///
/// let add = phone.add("milk")?;
/// laptop.merge_delta(&add)?;
///
/// // Concurrently: the laptop removes milk, the phone adds it again.
/// let remove = laptop.remove(&"milk")?;
/// let readd = phone.add("milk")?;
/// laptop.merge_delta(&readd)?;
/// phone.merge_delta(&remove)?;
///
/// // The re-add was not observed by the remove, so it wins on both replicas.
/// assert!(phone.state().contains(&"milk"));
/// assert_eq!(phone.state(), laptop.state());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct OrSet<E, A> {
    /// Sorted strictly by element; every dot is in `ctx` and no dot appears twice.
    entries: Vec<Entry<E>>,
    actors: ActorTable<A>,
    ctx: DotContext<A>,
}

#[derive(Debug, Clone)]
struct Entry<E> {
    elem: E,
    dots: Dots,
}

impl<E, A> OrSet<E, A> {
    /// Creates an empty set. Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::OrSet;
    ///
    /// let set = OrSet::<u64, &str>::new();
    /// assert!(set.is_empty());
    /// ```
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
            actors: ActorTable::new(),
            ctx: DotContext::new(),
        }
    }

    /// Number of elements in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new(1_u8, OrSet::new());
    /// set.add('x')?;
    /// set.add('x')?;
    /// assert_eq!(set.state().len(), 1);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set has no element. (Its context may still hold removed dots.)
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new(1_u8, OrSet::new());
    /// set.add('x')?;
    /// set.remove(&'x')?;
    /// assert!(set.state().is_empty());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The elements, in ascending order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add(3)?;
    /// set.add(1)?;
    /// assert_eq!(set.state().iter().collect::<Vec<_>>(), [&1, &3]);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn iter(&self) -> Iter<'_, E> {
        Iter {
            entries: self.entries.iter(),
        }
    }

    /// Releases the spare capacity of the element vector (which grows by doubling when
    /// elements are added one by one), so the set holds `size_of::<E>() + 16` bytes per
    /// single-dot element plus its per-actor metadata.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new(1_u8, OrSet::new());
    /// for x in 0..1000_u64 {
    ///     set.add(x)?;
    /// }
    /// let (_, mut state) = set.into_parts();
    /// state.shrink_to_fit();
    /// assert_eq!(state.len(), 1000);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// Reserves room for at least `additional` more elements, so the next insertions
    /// do not reallocate the element vector.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::OrSet;
    ///
    /// let mut set = OrSet::<u64, u8>::new();
    /// set.reserve(100);
    /// assert!(set.is_empty());
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
    }

    /// The set's causal context: every dot it has seen, live or removed.
    ///
    /// Its clock is the version vector to send a peer for
    /// [`delta_since`](OrSet::delta_since).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add(1)?;
    /// set.remove(&1)?;
    /// assert_eq!(set.state().context().clock().get(&"a"), 1);
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn context(&self) -> &DotContext<A> {
        &self.ctx
    }
}

impl<E: Ord, A> OrSet<E, A> {
    fn position<Q: Ord + ?Sized>(&self, elem: &Q) -> Result<usize, usize>
    where
        E: Borrow<Q>,
    {
        // Appending in order (the common stream of new elements) needs one comparison.
        match self.entries.last() {
            Some(last) if last.elem.borrow() < elem => Err(self.entries.len()),
            _ => self.entries.binary_search_by(|e| e.elem.borrow().cmp(elem)),
        }
    }

    /// Whether `elem` is in the set. Takes any borrowed form of the element (`&str` for
    /// a set of `String`s).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add(String::from("milk"))?;
    /// assert!(set.state().contains("milk"));
    /// assert!(!set.state().contains("eggs"));
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn contains<Q: Ord + ?Sized>(&self, elem: &Q) -> bool
    where
        E: Borrow<Q>,
    {
        self.position(elem).is_ok()
    }
}

impl<E: Ord, A: Ord + Clone> OrSet<E, A> {
    /// The dots `elem` currently carries, in ascending order (empty if absent).
    ///
    /// An element carries one dot after a local add, and several after concurrent adds
    /// on different replicas have been merged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{Lattice, OrSet, Replica};
    /// use ward_crdt::Dot;
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// a.add(7)?;
    /// b.add(7)?;
    /// let mut both = a.state().clone();
    /// both.merge(b.state());
    /// assert_eq!(both.dots(&7), [Dot::new("a", 1)?, Dot::new("b", 1)?]);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn dots<Q: Ord + ?Sized>(&self, elem: &Q) -> Vec<Dot<A>>
    where
        E: Borrow<Q>,
    {
        match self.position(elem) {
            Ok(i) => self.resolved(&self.entries[i].dots),
            Err(_) => Vec::new(),
        }
    }

    fn resolved(&self, dots: &Dots) -> Vec<Dot<A>> {
        let mut out: Vec<Dot<A>> = dots
            .as_slice()
            .iter()
            .map(|d| self.actors.resolve(*d))
            .collect();
        out.sort_unstable();
        out
    }

    /// Adds `elem` with a fresh dot of `actor`; reached through
    /// [`Replica::add`](crate::Replica::add).
    pub(crate) fn add(&mut self, actor: &A, elem: E) -> Result<Self, VClockError>
    where
        E: Clone,
    {
        let dot = self.ctx.next_dot(actor)?;
        let local = self.actors.local(&dot);
        let mut delta_ctx = DotContext::new();
        delta_ctx.insert(dot.clone());
        let delta_elem = elem.clone();
        match self.position(&elem) {
            Ok(i) => {
                let old = core::mem::replace(&mut self.entries[i].dots, Dots::One(local));
                for d in old.as_slice() {
                    delta_ctx.insert(self.actors.resolve(*d));
                }
            }
            Err(i) => self.entries.insert(
                i,
                Entry {
                    elem,
                    dots: Dots::One(local),
                },
            ),
        }
        let mut actors = ActorTable::new();
        let local = actors.local(&dot);
        Ok(Self {
            entries: alloc::vec![Entry {
                elem: delta_elem,
                dots: Dots::One(local)
            }],
            actors,
            ctx: delta_ctx,
        })
    }

    /// Removes `elem` and returns the context-only delta holding exactly the dots the
    /// removal observed. Takes any borrowed form of the element (`&str` for a set of
    /// `String`s).
    ///
    /// Removing needs no actor: it mints no dot. A concurrent add of the same element
    /// carries a dot this delta does not hold, so that add survives every merge.
    ///
    /// # Errors
    ///
    /// [`RemoveError::NotPresent`] if `elem` is not in this set: there is no observed
    /// add to remove here. (An element a client saw on another replica is removed with
    /// [`remove_observed`](OrSet::remove_observed).) The set is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, RemoveError, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add(String::from("x"))?;
    /// let delta = set.remove("x")?;
    /// assert!(delta.is_empty());
    /// assert_eq!(delta.context().clock().get(&"a"), 1);
    /// assert!(!set.state().contains("x"));
    /// assert_eq!(set.remove("x"), Err(RemoveError::NotPresent));
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn remove<Q: Ord + ?Sized>(&mut self, elem: &Q) -> Result<Self, RemoveError>
    where
        E: Borrow<Q>,
    {
        match self.position(elem) {
            Ok(i) => {
                let entry = self.entries.remove(i);
                Ok(self.removal(entry.dots.as_slice()))
            }
            Err(_) => Err(RemoveError::NotPresent),
        }
    }

    /// Removes the adds of `elem` named by `observed` (the dots a client read, with
    /// [`dots`](OrSet::dots), possibly on another replica) and returns the context-only
    /// delta of those dots: the precondition-context remove of riak_dt.
    ///
    /// Dots of `elem` held here and named in `observed` are dropped; dots held here that
    /// the client did not observe (concurrent adds) stay, so add still wins. Observed
    /// dots this replica has not received yet are recorded in its context, so their add
    /// is dropped on arrival instead of resurrecting the element. This set cannot tell
    /// such a dot from one its actor has not minted yet: a forged or mistyped dot is
    /// recorded too, and the add that later mints it is dropped on arrival. Pass only
    /// dots read with [`dots`](OrSet::dots); [`Replica::remove_observed`](crate::Replica::remove_observed)
    /// refuses unminted dots of its own actor.
    ///
    /// # Errors
    ///
    /// [`RemoveError::DotOfAnotherElement`] if an observed dot is held here by another
    /// element (it cannot have been observed on `elem`); the set is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// let add = a.add("x")?;
    ///
    /// // A client reads x on replica a, then asks replica b, which has not received
    /// // the add yet, to remove it.
    /// let observed = a.state().dots(&"x");
    /// let remove = b.remove_observed(&"x", &observed)?;
    /// b.merge_delta(&add)?; // the add arrives late: it stays removed
    /// assert!(!b.state().contains(&"x"));
    /// a.merge_delta(&remove)?;
    /// assert_eq!(a.state(), b.state());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn remove_observed<Q: Ord + ?Sized>(
        &mut self,
        elem: &Q,
        observed: &[Dot<A>],
    ) -> Result<Self, RemoveError>
    where
        E: Borrow<Q>,
    {
        let position = self.position(elem).ok();
        let held_here = |d: &Dot<A>| {
            position.is_some_and(|i| {
                self.entries[i].dots.as_slice().iter().any(|&l| {
                    self.actors.actor(l.actor) == d.actor() && l.counter == d.counter_nonzero()
                })
            })
        };
        // Observed dots this set has seen but does not hold on `elem`: removed here, or
        // held by another element.
        let mut elsewhere: Vec<(usize, u64)> = observed
            .iter()
            .filter(|d| self.ctx.contains_event(d.actor(), d.counter()) && !held_here(d))
            .filter_map(|d| self.actors.find(d.actor()).map(|i| (i, d.counter())))
            .collect();
        if !elsewhere.is_empty() {
            elsewhere.sort_unstable();
            for entry in &self.entries {
                for d in entry.dots.as_slice() {
                    let key = (d.actor, d.counter.get());
                    if elsewhere.binary_search(&key).is_ok() {
                        return Err(RemoveError::DotOfAnotherElement { counter: key.1 });
                    }
                }
            }
        }
        let delta: DotContext<A> = observed.iter().cloned().collect();
        if let Some(i) = position {
            let kept: Vec<LocalDot> = self.entries[i]
                .dots
                .as_slice()
                .iter()
                .copied()
                .filter(|&l| !delta.contains(&self.actors.resolve(l)))
                .collect();
            match Dots::from_sorted(kept) {
                Some(dots) => self.entries[i].dots = dots,
                None => {
                    self.entries.remove(i);
                }
            }
        }
        self.ctx.join(&delta);
        Ok(Self {
            entries: Vec::new(),
            actors: ActorTable::new(),
            ctx: delta,
        })
    }

    /// Removes every element and returns the context-only delta of all observed dots.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add(1)?;
    /// set.add(2)?;
    /// let delta = set.clear();
    /// assert!(set.state().is_empty());
    /// assert_eq!(delta.context().clock().get(&"a"), 2);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn clear(&mut self) -> Self {
        let entries = core::mem::take(&mut self.entries);
        self.removal(entries.iter().flat_map(|e| e.dots.as_slice()))
    }

    /// The context-only delta that removes exactly `dots` (of this set's table).
    fn removal<'a>(&self, dots: impl IntoIterator<Item = &'a LocalDot>) -> Self {
        Self {
            entries: Vec::new(),
            actors: ActorTable::new(),
            ctx: dots.into_iter().map(|d| self.actors.resolve(*d)).collect(),
        }
    }
}

impl<E: Ord + Clone, A: Ord + Clone> DeltaCrdt for OrSet<E, A> {
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

    /// Costs a lookup per incoming dot; only when an incoming element carries a dot this
    /// set has seen but does not hold on that element (a removal here, or a double-spent
    /// dot) is this set scanned once to tell the two apart.
    fn double_spent_dot(&self, incoming: &Self) -> Option<u64> {
        let mut suspects: Vec<(usize, u64)> = Vec::new();
        for entry in &incoming.entries {
            let mine = self.position(&entry.elem).ok().map(|i| &self.entries[i]);
            for &d in entry.dots.as_slice() {
                let actor = incoming.actors.actor(d.actor);
                let counter = d.counter.get();
                if !self.ctx.contains_event(actor, counter) {
                    continue;
                }
                let Some(index) = self.actors.find(actor) else {
                    // Seen here, but no element here ever held a dot of this actor.
                    continue;
                };
                let local = LocalDot {
                    actor: index,
                    counter: d.counter,
                };
                if !mine.is_some_and(|m| m.dots.as_slice().contains(&local)) {
                    suspects.push((index, counter));
                }
            }
        }
        if suspects.is_empty() {
            return None;
        }
        suspects.sort_unstable();
        self.entries.iter().find_map(|entry| {
            entry.dots.as_slice().iter().find_map(|d| {
                let key = (d.actor, d.counter.get());
                suspects.binary_search(&key).is_ok().then_some(key.1)
            })
        })
    }
}

/// Iterator over the elements of an [`OrSet`], in ascending order; see [`OrSet::iter`].
///
/// # Examples
///
/// ```
/// use ward_crdt::{OrSet, Replica};
///
/// let mut set = Replica::new("a", OrSet::new());
/// set.add('b')?;
/// set.add('a')?;
/// let mut seen = Vec::new();
/// for x in set.state() {
///     seen.push(*x);
/// }
/// assert_eq!(seen, ['a', 'b']);
/// # Ok::<(), ward_crdt::VClockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Iter<'a, E> {
    entries: core::slice::Iter<'a, Entry<E>>,
}

impl<'a, E> Iterator for Iter<'a, E> {
    type Item = &'a E;

    fn next(&mut self) -> Option<&'a E> {
        self.entries.next().map(|e| &e.elem)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<E> DoubleEndedIterator for Iter<'_, E> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.entries.next_back().map(|e| &e.elem)
    }
}

impl<E> ExactSizeIterator for Iter<'_, E> {}

impl<E> core::iter::FusedIterator for Iter<'_, E> {}

impl<'a, E, A> IntoIterator for &'a OrSet<E, A> {
    type Item = &'a E;
    type IntoIter = Iter<'a, E>;

    fn into_iter(self) -> Iter<'a, E> {
        self.iter()
    }
}

impl<E, A> Default for OrSet<E, A> {
    fn default() -> Self {
        Self::new()
    }
}

/// Equal when both hold the same elements with the same dots and the same context,
/// whatever the internal numbering of actors.
impl<E: PartialEq, A: Ord + Clone> PartialEq for OrSet<E, A> {
    fn eq(&self, other: &Self) -> bool {
        self.ctx == other.ctx
            && self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| {
                a.elem == b.elem && same_dots(&self.actors, &a.dots, &other.actors, &b.dots)
            })
    }
}

impl<E: Eq, A: Ord + Clone> Eq for OrSet<E, A> {}

/// Consistent with `Eq`: hashes the context and each element with its dots in ascending
/// order, never the internal numbering of actors.
///
/// # Examples
///
/// ```
/// use std::collections::HashSet;
/// use ward_crdt::{Lattice, OrSet, Replica};
///
/// let mut a = Replica::new("a", OrSet::new());
/// let mut b = Replica::new("b", OrSet::new());
/// a.add(1)?;
/// b.add(1)?;
/// let ab = a.state().clone().join(b.state());
/// let ba = b.state().clone().join(a.state());
/// let distinct: HashSet<_> = [ab, ba].into_iter().collect();
/// assert_eq!(distinct.len(), 1);
/// # Ok::<(), ward_crdt::VClockError>(())
/// ```
impl<E: Hash, A: Hash + Ord + Clone> Hash for OrSet<E, A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ctx.hash(state);
        self.entries.len().hash(state);
        for entry in &self.entries {
            entry.elem.hash(state);
            match &entry.dots {
                Dots::One(d) => {
                    1_usize.hash(state);
                    self.actors.resolve(*d).hash(state);
                }
                Dots::Many(ds) => {
                    let mut dots: Vec<Dot<A>> =
                        ds.iter().map(|d| self.actors.resolve(*d)).collect();
                    dots.sort_unstable();
                    dots.hash(state);
                }
            }
        }
    }
}

fn same_dots<A: Ord + Clone>(ta: &ActorTable<A>, a: &Dots, tb: &ActorTable<A>, b: &Dots) -> bool {
    let (a, b) = (a.as_slice(), b.as_slice());
    if a.len() != b.len() {
        return false;
    }
    if let ([x], [y]) = (a, b) {
        return ta.cmp_across(*x, tb, *y) == Ordering::Equal;
    }
    let mut a: Vec<Dot<A>> = a.iter().map(|d| ta.resolve(*d)).collect();
    let mut b: Vec<Dot<A>> = b.iter().map(|d| tb.resolve(*d)).collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

impl<E: fmt::Debug + Ord, A: fmt::Debug + Ord + Clone> fmt::Debug for OrSet<E, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Elements<'a, E, A>(&'a OrSet<E, A>);
        impl<E: fmt::Debug + Ord, A: fmt::Debug + Ord + Clone> fmt::Debug for Elements<'_, E, A> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(
                        self.0
                            .entries
                            .iter()
                            .map(|e| (&e.elem, self.0.resolved(&e.dots))),
                    )
                    .finish()
            }
        }
        f.debug_struct("OrSet")
            .field("elements", &Elements(self))
            .field("context", &self.ctx)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::Lattice;

    #[test]
    fn entry_layout_is_compact() {
        // One inline dot per element: the element plus 16 bytes.
        assert_eq!(core::mem::size_of::<Dots>(), 16);
        assert_eq!(core::mem::size_of::<Entry<u64>>(), 24);
    }

    #[test]
    fn heap_footprint_per_element_stays_within_64_bytes() {
        // Appending grows the vector by doubling: at most 2 x 24 bytes per element.
        let mut set = OrSet::<u64, u64>::new();
        for x in 0..10_000 {
            set.add(&1, x).unwrap();
        }
        let bytes = set.entries.capacity() * core::mem::size_of::<Entry<u64>>();
        assert!(
            bytes <= 64 * set.len(),
            "{bytes} bytes for {} elements",
            set.len()
        );
        // No element spilled its dots to the heap, and the context is one clock entry.
        assert!(set.entries.iter().all(|e| matches!(e.dots, Dots::One(_))));
        assert_eq!(set.ctx.clock().len(), 1);
        assert_eq!(set.ctx.cloud().count(), 0);
        set.shrink_to_fit();
        assert_eq!(set.entries.capacity(), set.len());
        // A merge into an empty set allocates exactly what it needs.
        let mut copy = OrSet::new();
        copy.merge(&set);
        assert_eq!(copy.entries.capacity(), copy.len());
    }

    #[test]
    fn a_stream_of_add_deltas_grows_the_vector_geometrically() {
        let mut source = OrSet::<u64, u8>::new();
        let mut sink = OrSet::<u64, u8>::new();
        let mut growths = 0;
        for x in 0..4_000 {
            let delta = source.add(&1, x).unwrap();
            let before = sink.entries.capacity();
            sink.merge(&delta);
            growths += usize::from(sink.entries.capacity() != before);
        }
        assert_eq!(sink, source);
        // Doubling: about log2(4000) growths, not one per delta; and the per-element
        // footprint stays within the bound even with the spare capacity.
        assert!(growths <= 16, "{growths} reallocations");
        let bytes = sink.entries.capacity() * core::mem::size_of::<Entry<u64>>();
        assert!(bytes <= 64 * sink.len(), "{bytes} bytes for {}", sink.len());
    }

    #[test]
    fn merge_inserts_and_removes_in_one_pass() {
        let mut a = OrSet::<u32, u8>::new();
        let mut b = OrSet::<u32, u8>::new();
        for x in [1, 3, 5] {
            a.add(&1, x).unwrap();
        }
        b.merge(&a);
        b.remove(&3).unwrap();
        b.add(&2, 4).unwrap();
        b.add(&2, 9).unwrap();
        a.add(&1, 0).unwrap();
        a.merge(&b);
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), [0, 1, 4, 5, 9]);
        // Many insertions rebuild the vector once, with exact capacity.
        for x in 100..140 {
            b.add(&2, x).unwrap();
        }
        a.merge(&b);
        assert_eq!(a.len(), 45);
        assert_eq!(a.entries.capacity(), a.entries.len());
    }
}
