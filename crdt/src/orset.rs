//! Add-wins observed-remove set without tombstones.

use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use ward_vclock::{Dot, DotContext, VClock, VClockError};

use crate::dots::{ActorTable, Dots, LocalDot, Probe};
use crate::error::DecodeError;
use crate::lattice::{DeltaCrdt, Lattice};

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
/// (empty once the gaps close). Removed elements leave nothing behind. Each actor is
/// stored once and every element refers to it by index, so a live element with one dot
/// costs `size_of::<E>() + 16` bytes (24 for `u64` elements on 64-bit targets) in a sorted
/// vector, whatever the actor type, and nothing else on the heap.
///
/// # Complexity
///
/// Elements are kept in a vector sorted by element: `contains` is `O(log n)`, `add` and
/// `remove` are `O(log n)` plus moving the tail of the vector (appending in order is
/// amortised `O(1)`), `merge` is one linear merge-join `O(n + m)` that updates in place
/// when nothing is inserted and otherwise builds the result with exact capacity.
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
/// let remove = laptop.remove(&"milk");
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
    /// # Ok::<(), ward_vclock::VClockError>(())
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
    /// set.remove(&'x');
    /// assert!(set.state().is_empty());
    /// # Ok::<(), ward_vclock::VClockError>(())
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
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &E> + ExactSizeIterator + '_ {
        self.entries.iter().map(|e| &e.elem)
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
    /// set.remove(&1);
    /// assert_eq!(set.state().context().clock().get(&"a"), 1);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn context(&self) -> &DotContext<A> {
        &self.ctx
    }
}

impl<E: Ord, A> OrSet<E, A> {
    fn position(&self, elem: &E) -> Result<usize, usize> {
        self.entries.binary_search_by(|e| e.elem.cmp(elem))
    }

    /// Whether `elem` is in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add("milk")?;
    /// assert!(set.state().contains(&"milk"));
    /// assert!(!set.state().contains(&"eggs"));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn contains(&self, elem: &E) -> bool {
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
    /// use ward_vclock::Dot;
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// a.add(7)?;
    /// b.add(7)?;
    /// let mut both = a.state().clone();
    /// both.merge(b.state());
    /// assert_eq!(both.dots(&7), [Dot::new("a", 1)?, Dot::new("b", 1)?]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn dots(&self, elem: &E) -> Vec<Dot<A>> {
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
    /// removal observed (the empty state if `elem` was absent).
    ///
    /// Removing needs no actor: it mints no dot. A concurrent add of the same element
    /// carries a dot this delta does not hold, so that add survives every merge.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut set = Replica::new("a", OrSet::new());
    /// set.add("x")?;
    /// let delta = set.remove(&"x");
    /// assert!(delta.is_empty());
    /// assert_eq!(delta.context().clock().get(&"a"), 1);
    /// assert!(!set.state().contains(&"x"));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn remove(&mut self, elem: &E) -> Self {
        match self.position(elem) {
            Ok(i) => {
                let entry = self.entries.remove(i);
                let ctx = entry
                    .dots
                    .as_slice()
                    .iter()
                    .map(|d| self.actors.resolve(*d))
                    .collect();
                Self {
                    entries: Vec::new(),
                    actors: ActorTable::new(),
                    ctx,
                }
            }
            Err(_) => Self::new(),
        }
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
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn clear(&mut self) -> Self {
        let entries = core::mem::take(&mut self.entries);
        let ctx = entries
            .iter()
            .flat_map(|e| e.dots.as_slice().iter())
            .map(|d| self.actors.resolve(*d))
            .collect();
        Self {
            entries: Vec::new(),
            actors: ActorTable::new(),
            ctx,
        }
    }

    /// The delta a peer needs to catch up, given `seen`, a version vector whose dots the
    /// peer's state already holds (typically the peer's `context().clock()`).
    ///
    /// The result `d` is a state below `self` (so merging it is always safe) with
    /// `peer ⊔ d == peer ⊔ self` for every peer whose context holds `seen`. It carries
    /// the live dots the peer has not seen and a context that omits the live dots it has
    /// seen, so it conveys both new adds and removals of elements the peer already had.
    ///
    /// Cost: a removal is only visible as a gap in the context, so when many removed dots
    /// of the peer's past sit between live ones the context of the delta lists them one
    /// by one. When that list would be longer than the set itself, the full state is
    /// returned instead, which is never larger than necessary by more than a constant
    /// factor.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{Lattice, OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// for x in 0..100 {
    ///     a.add(x)?;
    /// }
    /// b.merge(a.state())?;
    ///
    /// // b goes offline; a keeps working.
    /// a.add(100)?;
    /// a.remove(&7);
    ///
    /// let delta = a.state().delta_since(b.state().context().clock());
    /// assert_eq!(delta.len(), 1); // only the new element travels
    /// b.merge(&delta)?;
    /// assert_eq!(b.state(), a.state());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delta_since(&self, seen: &VClock<A>) -> Self
    where
        E: Clone,
    {
        let probe = Probe::new(&DotContext::from(seen.clone()), &self.actors);
        let mut entries = Vec::new();
        // Live dots the peer has seen: they must stay out of the delta's context.
        let mut live_seen: Vec<(usize, u64)> = Vec::new();
        for entry in &self.entries {
            let mut unseen = Vec::new();
            for &d in entry.dots.as_slice() {
                if probe.contains(d) {
                    live_seen.push((d.actor, d.counter.get()));
                } else {
                    unseen.push(d);
                }
            }
            if let Some(dots) = Dots::from_sorted(unseen) {
                entries.push(Entry {
                    elem: entry.elem.clone(),
                    dots,
                });
            }
        }
        if live_seen.is_empty() {
            return Self {
                entries,
                actors: self.actors.clone(),
                ctx: self.ctx.clone(),
            };
        }
        live_seen.sort_unstable();
        match self.context_without(&live_seen, self.entries.len() + 64) {
            Some(ctx) => Self {
                entries,
                actors: self.actors.clone(),
                ctx,
            },
            None => self.clone(),
        }
    }

    /// The context minus the given live dots (sorted `(index, counter)` pairs), or `None`
    /// if it would need more than `budget` cloud dots.
    fn context_without(&self, holes: &[(usize, u64)], budget: usize) -> Option<DotContext<A>> {
        let holes_of = |actor: &A| -> &[(usize, u64)] {
            match self.actors.find(actor) {
                Some(i) => {
                    let start = holes.partition_point(|h| h.0 < i);
                    let end = holes.partition_point(|h| h.0 <= i);
                    &holes[start..end]
                }
                None => &[],
            }
        };
        let mut clock: Vec<(A, u64)> = Vec::new();
        let mut cloud: Vec<Dot<A>> = Vec::new();
        for (actor, known) in self.ctx.clock().iter() {
            let mine = holes_of(actor);
            let first = match mine.first() {
                Some(&(_, first)) if first <= known => first,
                _ => {
                    clock.push((actor.clone(), known));
                    continue;
                }
            };
            if first > 1 {
                clock.push((actor.clone(), first - 1));
            }
            let inside = mine.iter().take_while(|h| h.1 <= known).count();
            let extra = usize::try_from(known - first).unwrap_or(usize::MAX) - (inside - 1);
            if cloud.len().saturating_add(extra) > budget {
                return None;
            }
            let mut skip = mine[1..inside].iter().map(|h| h.1).peekable();
            for counter in first + 1..=known {
                if skip.next_if_eq(&counter).is_some() {
                    continue;
                }
                cloud.extend(Dot::new(actor.clone(), counter).ok());
            }
        }
        for dot in self.ctx.cloud() {
            let hole = holes_of(dot.actor())
                .binary_search_by(|h| h.1.cmp(&dot.counter()))
                .is_ok();
            if !hole {
                cloud.push(dot.clone());
            }
        }
        if cloud.len() > budget {
            return None;
        }
        cloud.sort_unstable();
        let clock: VClock<A> = clock.into_iter().collect();
        DotContext::try_from((clock, cloud)).ok()
    }

    /// Builds a state from resolved entries and a context, checking every invariant.
    fn from_resolved(
        entries: Vec<(E, Vec<Dot<A>>)>,
        ctx: DotContext<A>,
    ) -> Result<Self, DecodeError> {
        for (index, pair) in entries.windows(2).enumerate() {
            if pair[0].0 >= pair[1].0 {
                return Err(DecodeError::UnsortedEntries { index: index + 1 });
            }
        }
        let mut all: Vec<(&Dot<A>, usize)> = Vec::new();
        for (index, (_, dots)) in entries.iter().enumerate() {
            if dots.is_empty() {
                return Err(DecodeError::NoDots { index });
            }
            for dot in dots {
                if !ctx.contains(dot) {
                    return Err(DecodeError::DotOutsideContext {
                        index,
                        counter: dot.counter(),
                    });
                }
                all.push((dot, index));
            }
        }
        all.sort_unstable();
        if let Some(pair) = all.windows(2).find(|p| p[0].0 == p[1].0) {
            return Err(DecodeError::DuplicateDot {
                index: pair[1].1,
                counter: pair[1].0.counter(),
            });
        }
        let mut actors = ActorTable::new();
        let entries = entries
            .into_iter()
            .map(|(elem, dots)| {
                let mut local: Vec<LocalDot> = dots.iter().map(|d| actors.local(d)).collect();
                local.sort_unstable();
                let dots =
                    Dots::from_sorted(local).unwrap_or_else(|| unreachable!("checked non-empty"));
                Entry { elem, dots }
            })
            .collect();
        Ok(Self {
            entries,
            actors,
            ctx,
        })
    }
}

/// Outcome of merging one element's dots.
enum Joined {
    Unchanged,
    Replace(Dots),
    Removed,
}

impl<E: Ord + Clone, A: Ord + Clone> Lattice for OrSet<E, A> {
    fn merge(&mut self, other: &Self) {
        if other.ctx.is_empty() {
            // The bottom state (entries are always inside the context).
            return;
        }
        let remap: Vec<usize> = (0..other.actors.len())
            .map(|i| self.actors.intern(other.actors.actor(i)))
            .collect();
        let theirs = Probe::new(&other.ctx, &self.actors);
        let ours = Probe::new(&self.ctx, &self.actors);
        let to_ours = |d: LocalDot| LocalDot {
            actor: remap[d.actor],
            counter: d.counter,
        };

        let mut removed: Vec<usize> = Vec::new();
        let mut inserted: Vec<(usize, Entry<E>)> = Vec::new();
        let mut i = 0;
        let mut j = 0;
        let n = self.entries.len();
        let m = other.entries.len();
        while i < n || j < m {
            let order = match (self.entries.get(i), other.entries.get(j)) {
                (Some(a), Some(b)) => a.elem.cmp(&b.elem),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    // Only here: keep the dots the other side has not seen.
                    let entry = &mut self.entries[i];
                    match keep_unseen(&entry.dots, &theirs) {
                        Joined::Unchanged => {}
                        Joined::Replace(dots) => entry.dots = dots,
                        Joined::Removed => removed.push(i),
                    }
                    i += 1;
                }
                Ordering::Greater => {
                    // Only there: take the dots this side has not seen.
                    let entry = &other.entries[j];
                    let dots = match &entry.dots {
                        Dots::One(d) => {
                            Some(Dots::One(to_ours(*d))).filter(|_| !ours.contains(to_ours(*d)))
                        }
                        Dots::Many(ds) => {
                            let kept: Vec<LocalDot> = ds
                                .iter()
                                .map(|&d| to_ours(d))
                                .filter(|&d| !ours.contains(d))
                                .collect();
                            Dots::from_sorted(sorted(kept))
                        }
                    };
                    if let Some(dots) = dots {
                        inserted.push((
                            i,
                            Entry {
                                elem: entry.elem.clone(),
                                dots,
                            },
                        ));
                    }
                    j += 1;
                }
                Ordering::Equal => {
                    let entry = &mut self.entries[i];
                    match join_dots(
                        &entry.dots,
                        &other.entries[j].dots,
                        &to_ours,
                        &ours,
                        &theirs,
                    ) {
                        Joined::Unchanged => {}
                        Joined::Replace(dots) => entry.dots = dots,
                        Joined::Removed => removed.push(i),
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        self.splice(removed, inserted);
        self.ctx.join(&other.ctx);
    }
}

/// Sorts a short list of local dots (they are distinct by construction).
fn sorted(mut dots: Vec<LocalDot>) -> Vec<LocalDot> {
    dots.sort_unstable();
    dots
}

/// The dots of an element only one side holds, minus those the other side has seen.
fn keep_unseen(dots: &Dots, theirs: &Probe) -> Joined {
    match dots {
        Dots::One(d) => {
            if theirs.contains(*d) {
                Joined::Removed
            } else {
                Joined::Unchanged
            }
        }
        Dots::Many(ds) => {
            let kept: Vec<LocalDot> = ds
                .iter()
                .copied()
                .filter(|&d| !theirs.contains(d))
                .collect();
            if kept.len() == ds.len() {
                Joined::Unchanged
            } else {
                Dots::from_sorted(kept).map_or(Joined::Removed, Joined::Replace)
            }
        }
    }
}

/// The causal join of one element's dots: `(d ∩ d') ∪ (d \ c') ∪ (d' \ c)`.
fn join_dots(
    mine: &Dots,
    other: &Dots,
    to_ours: &impl Fn(LocalDot) -> LocalDot,
    ours: &Probe,
    theirs: &Probe,
) -> Joined {
    if let (Dots::One(a), Dots::One(b)) = (mine, other)
        && *a == to_ours(*b)
    {
        return Joined::Unchanged;
    }
    let their_dots: Vec<LocalDot> = other.as_slice().iter().map(|&d| to_ours(d)).collect();
    let mine = mine.as_slice();
    let mut out: Vec<LocalDot> = mine
        .iter()
        .copied()
        .filter(|d| their_dots.contains(d) || !theirs.contains(*d))
        .collect();
    out.extend(
        their_dots
            .iter()
            .copied()
            .filter(|d| !mine.contains(d) && !ours.contains(*d)),
    );
    out.sort_unstable();
    if out.as_slice() == mine {
        return Joined::Unchanged;
    }
    Dots::from_sorted(out).map_or(Joined::Removed, Joined::Replace)
}

impl<E, A> OrSet<E, A> {
    /// Applies the removals and insertions found by a merge, keeping the order.
    /// `removed` is ascending; `inserted` is ascending by position (insert before the
    /// entry at that position).
    fn splice(&mut self, removed: Vec<usize>, inserted: Vec<(usize, Entry<E>)>) {
        if inserted.is_empty() {
            if !removed.is_empty() {
                let mut gone = removed.into_iter().peekable();
                let mut index = 0;
                self.entries.retain(|_| {
                    let drop = gone.next_if_eq(&index).is_some();
                    index += 1;
                    !drop
                });
            }
            return;
        }
        let old = core::mem::take(&mut self.entries);
        let mut out = Vec::with_capacity(old.len() - removed.len() + inserted.len());
        let mut gone = removed.into_iter().peekable();
        let mut new = inserted.into_iter().peekable();
        for (index, entry) in old.into_iter().enumerate() {
            while let Some((_, e)) = new.next_if(|(at, _)| *at == index) {
                out.push(e);
            }
            if gone.next_if_eq(&index).is_none() {
                out.push(entry);
            }
        }
        out.extend(new.map(|(_, e)| e));
        self.entries = out;
    }
}

impl<E: Ord + Clone, A: Ord + Clone> DeltaCrdt for OrSet<E, A> {
    type Actor = A;

    fn events_of(&self, actor: &A) -> u64 {
        self.ctx.max_counter(actor)
    }

    fn unknown_events_of(&self, incoming: &Self, actor: &A) -> Option<(u64, u64)> {
        unknown_dot_of(&self.ctx, &incoming.ctx, actor).map(|c| (self.ctx.max_counter(actor), c))
    }
}

/// The counter of a dot of `actor` that `incoming` holds and `mine` does not, if any.
pub(crate) fn unknown_dot_of<A: Ord + Clone>(
    mine: &DotContext<A>,
    incoming: &DotContext<A>,
    actor: &A,
) -> Option<u64> {
    let known = mine.clock().get(actor);
    let theirs = incoming.clock().get(actor);
    // Each counter in (known, theirs] must be in our cloud; stop at the first gap, which
    // comes after at most as many steps as the cloud has dots.
    let mut counter = known;
    while counter < theirs {
        counter += 1;
        match Dot::new(actor.clone(), counter) {
            Ok(dot) if mine.contains(&dot) => {}
            _ => return Some(counter),
        }
    }
    incoming
        .cloud()
        .find(|d| d.actor() == actor && !mine.contains(d))
        .map(Dot::counter)
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

/// Builds a set from `(element, dots)` entries and a context, validating the canonical
/// form: elements strictly increasing, each with at least one dot, every dot inside the
/// context, no dot stored twice.
///
/// # Errors
///
/// The first [`DecodeError`] found: [`UnsortedEntries`](DecodeError::UnsortedEntries),
/// [`NoDots`](DecodeError::NoDots),
/// [`DotOutsideContext`](DecodeError::DotOutsideContext) or
/// [`DuplicateDot`](DecodeError::DuplicateDot).
impl<E: Ord, A: Ord + Clone> TryFrom<(Vec<(E, Vec<Dot<A>>)>, DotContext<A>)> for OrSet<E, A> {
    type Error = DecodeError;

    fn try_from(
        (entries, ctx): (Vec<(E, Vec<Dot<A>>)>, DotContext<A>),
    ) -> Result<Self, DecodeError> {
        Self::from_resolved(entries, ctx)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use ward_vclock::{Dot, DotContext};

    use super::OrSet;

    struct Entries<'a, E, A>(&'a OrSet<E, A>);

    impl<E: Serialize + Ord, A: Serialize + Ord + Clone> Serialize for Entries<'_, E, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(self.0.entries.len()))?;
            for e in &self.0.entries {
                seq.serialize_element(&(&e.elem, self.0.resolved(&e.dots)))?;
            }
            seq.end()
        }
    }

    #[derive(Serialize)]
    #[serde(bound(serialize = "E: Serialize + Ord, A: Serialize + Ord + Clone"))]
    struct Encode<'a, E, A> {
        entries: Entries<'a, E, A>,
        context: &'a DotContext<A>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(deserialize = "E: Deserialize<'de>, A: Deserialize<'de> + Ord"))]
    struct Decode<E, A> {
        entries: Vec<(E, Vec<Dot<A>>)>,
        context: DotContext<A>,
    }

    /// Encoded as `{"entries": [[element, [[actor, counter], ...]], ...], "context":
    /// {...}}`, elements ascending and each element's dots ascending: no map keys, so any
    /// element and actor type is JSON-safe, and equal states encode identically.
    impl<E: Serialize + Ord, A: Serialize + Ord + Clone> Serialize for OrSet<E, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                entries: Entries(self),
                context: &self.ctx,
            }
            .serialize(serializer)
        }
    }

    /// Validates like `TryFrom<(Vec<(E, Vec<Dot<A>>)>, DotContext<A>)>`.
    impl<'de, E: Deserialize<'de> + Ord, A: Deserialize<'de> + Ord + Clone> Deserialize<'de>
        for OrSet<E, A>
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decode { entries, context } = Decode::deserialize(deserializer)?;
            OrSet::from_resolved(entries, context).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_layout_is_compact() {
        // One inline dot per element: the element plus 16 bytes.
        assert_eq!(core::mem::size_of::<Dots>(), 16);
        assert_eq!(core::mem::size_of::<Entry<u64>>(), 24);
    }

    #[test]
    fn merge_inserts_and_removes_in_one_pass() {
        let mut a = OrSet::<u32, u8>::new();
        let mut b = OrSet::<u32, u8>::new();
        for x in [1, 3, 5] {
            a.add(&1, x).unwrap();
        }
        b.merge(&a);
        b.remove(&3);
        b.add(&2, 4).unwrap();
        b.add(&2, 9).unwrap();
        a.add(&1, 0).unwrap();
        a.merge(&b);
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), [0, 1, 4, 5, 9]);
        assert_eq!(a.entries.capacity(), a.entries.len());
    }
}
