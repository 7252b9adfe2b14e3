//! Version vectors: one counter per actor, ordered by causality.

use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;
use core::iter::FusedIterator;

use crate::dot::Dot;
use crate::error::{DecodeError, VClockError};

/// A vector clock (version vector): for each actor, how many of its events are known.
///
/// The clock maps actor ids to counters, with every actor not mentioned at 0. It
/// summarises a causal history: `{a: 2, b: 1}` stands for the events `a:1`, `a:2` and
/// `b:1`. One clock *descends* from another when it knows at least every event the other
/// knows; two clocks where neither descends from the other are *concurrent*.
///
/// # Representation
///
/// Entries live in one vector sorted by actor, and an entry whose counter is 0 is never
/// stored. The representation is therefore canonical: two clocks that know the same
/// events have the same entries, so the derived `Eq` and `Hash` agree with
/// [`PartialOrd`] (`a == b` exactly when `a.partial_cmp(&b) == Some(Equal)`). Comparing
/// and merging walk both vectors once, side by side, in time linear in the number of
/// entries, with no hashing and no tree nodes; lookups of one actor are binary searches.
///
/// `VClock` is [`PartialOrd`] but deliberately not [`Ord`]: concurrent clocks compare
/// as `None`.
///
/// # Examples
///
/// ```
/// use std::cmp::Ordering;
/// use ward_vclock::VClock;
///
/// let mut post = VClock::new();
/// post.increment("alice")?;                 // {alice: 1}
///
/// let mut reply = post.clone();
/// reply.increment("bob")?;                  // {alice: 1, bob: 1}
///
/// assert_eq!(post.partial_cmp(&reply), Some(Ordering::Less));
/// assert!(reply.dominates(&post));
///
/// let mut edit = post.clone();
/// edit.increment("alice")?;                 // {alice: 2}
/// assert!(edit.is_concurrent(&reply));
///
/// edit.merge(&reply);
/// assert_eq!(edit, [("alice", 2), ("bob", 1)].into_iter().collect());
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct VClock<A> {
    /// Sorted strictly by actor; every counter is at least 1.
    entries: Vec<(A, u64)>,
}

impl<A> VClock<A> {
    /// Creates an empty clock: every actor at 0. Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let clock = VClock::<&str>::new();
    /// assert!(clock.is_empty());
    /// assert_eq!(clock.get(&"a"), 0);
    /// ```
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Creates an empty clock with room for `capacity` actors before reallocating.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let clock = VClock::<u32>::with_capacity(16);
    /// assert!(clock.is_empty());
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Number of actors with a non-zero counter.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let clock: VClock<char> = [('a', 1), ('b', 0)].into_iter().collect();
    /// assert_eq!(clock.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether every counter is 0 (the clock of no events).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let mut clock = VClock::new();
    /// assert!(clock.is_empty());
    /// clock.increment('a')?;
    /// assert!(!clock.is_empty());
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, sorted strictly by actor, every counter at least 1.
    pub(crate) fn entries(&self) -> &[(A, u64)] {
        &self.entries
    }

    /// Iterates over the non-zero entries as `(actor, counter)`, in ascending actor order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let clock: VClock<char> = [('b', 2), ('a', 1)].into_iter().collect();
    /// let entries: Vec<_> = clock.iter().collect();
    /// assert_eq!(entries, [(&'a', 1), (&'b', 2)]);
    /// ```
    pub fn iter(&self) -> Iter<'_, A> {
        Iter {
            inner: self.entries.iter(),
        }
    }
}

impl<A: Ord> VClock<A> {
    fn position(&self, actor: &A) -> Result<usize, usize> {
        self.entries.binary_search_by(|(a, _)| a.cmp(actor))
    }

    /// The slot of `actor` (its entry, or where it would go) and its counter: one
    /// search, which [`raise_at`](Self::raise_at) reuses.
    pub(crate) fn slot(&self, actor: &A) -> (Result<usize, usize>, u64) {
        let slot = self.position(actor);
        let counter = slot.map_or(0, |i| self.entries[i].1);
        (slot, counter)
    }

    /// Raises `actor`'s entry to `counter` (at least 1) at the `slot` that
    /// [`slot`](Self::slot) returned, with the clock unchanged since.
    pub(crate) fn raise_at(&mut self, slot: Result<usize, usize>, actor: &A, counter: u64)
    where
        A: Clone,
    {
        match slot {
            Ok(i) => self.entries[i].1 = self.entries[i].1.max(counter),
            Err(i) => self.entries.insert(i, (actor.clone(), counter)),
        }
    }

    /// The counter of `actor`: how many of its events this clock knows (0 if none).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let clock: VClock<char> = [('a', 3)].into_iter().collect();
    /// assert_eq!(clock.get(&'a'), 3);
    /// assert_eq!(clock.get(&'z'), 0);
    /// ```
    pub fn get(&self, actor: &A) -> u64 {
        match self.position(actor) {
            Ok(i) => self.entries[i].1,
            Err(_) => 0,
        }
    }

    /// Whether the clock knows the event `dot`, that is `dot.counter() <= self.get(dot.actor())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, VClock};
    ///
    /// let clock: VClock<char> = [('a', 2)].into_iter().collect();
    /// assert!(clock.contains(&Dot::new('a', 2)?));
    /// assert!(!clock.contains(&Dot::new('a', 3)?));
    /// assert!(!clock.contains(&Dot::new('b', 1)?));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn contains(&self, dot: &Dot<A>) -> bool {
        dot.counter() <= self.get(dot.actor())
    }

    /// Whether `self` knows every event `other` knows (`self >= other`, equality included).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let a: VClock<char> = [('a', 2), ('b', 1)].into_iter().collect();
    /// let b: VClock<char> = [('a', 1)].into_iter().collect();
    /// assert!(a.descends(&b));
    /// assert!(a.descends(&a));
    /// assert!(!b.descends(&a));
    /// ```
    pub fn descends(&self, other: &Self) -> bool {
        if other.entries.len() > self.entries.len() {
            // `other` has an actor `self` lacks.
            return false;
        }
        let mut mine = self.entries.iter();
        'theirs: for (actor, counter) in &other.entries {
            for (a, c) in mine.by_ref() {
                match a.cmp(actor) {
                    Ordering::Less => {}
                    Ordering::Equal if c >= counter => continue 'theirs,
                    _ => return false,
                }
            }
            return false;
        }
        true
    }

    /// Whether `self` strictly follows `other`: it descends from `other` and knows at
    /// least one event `other` does not (`self > other`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let a: VClock<char> = [('a', 2)].into_iter().collect();
    /// let b: VClock<char> = [('a', 1)].into_iter().collect();
    /// assert!(a.dominates(&b));
    /// assert!(!a.dominates(&a));
    /// ```
    pub fn dominates(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Greater)
    }

    /// Whether neither clock descends from the other: each knows an event the other
    /// does not.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let a: VClock<char> = [('a', 1)].into_iter().collect();
    /// let b: VClock<char> = [('b', 1)].into_iter().collect();
    /// assert!(a.is_concurrent(&b));
    /// assert!(!a.is_concurrent(&a));
    /// ```
    pub fn is_concurrent(&self, other: &Self) -> bool {
        self.partial_cmp(other).is_none()
    }

    /// The dot of `actor`'s latest event known to this clock, or `None` if its counter
    /// is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, VClock};
    ///
    /// let clock: VClock<char> = [('a', 4)].into_iter().collect();
    /// assert_eq!(clock.dot(&'a'), Some(Dot::new('a', 4)?));
    /// assert_eq!(clock.dot(&'b'), None);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn dot(&self, actor: &A) -> Option<Dot<A>>
    where
        A: Clone,
    {
        let (a, c) = &self.entries[self.position(actor).ok()?];
        Dot::new(a.clone(), *c).ok()
    }
}

impl<A: Ord + Clone> VClock<A> {
    /// Records a new event of `actor`: adds 1 to its counter and returns the event's dot.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if the counter is already `u64::MAX`; the clock
    /// is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, VClock};
    ///
    /// let mut clock = VClock::new();
    /// assert_eq!(clock.increment("a")?, Dot::new("a", 1)?);
    /// assert_eq!(clock.increment("a")?, Dot::new("a", 2)?);
    /// assert_eq!(clock.get(&"a"), 2);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn increment(&mut self, actor: A) -> Result<Dot<A>, VClockError> {
        match self.position(&actor) {
            Ok(i) => {
                let counter = &mut self.entries[i].1;
                let next = counter
                    .checked_add(1)
                    .ok_or(VClockError::CounterOverflow { counter: *counter })?;
                *counter = next;
                Dot::new(actor, next)
            }
            Err(i) => {
                self.entries.insert(i, (actor.clone(), 1));
                Dot::new(actor, 1)
            }
        }
    }

    /// Records that the event `dot` (and so every earlier event of its actor) is known:
    /// raises the actor's counter to `max(counter, dot.counter())`. Returns whether the
    /// clock changed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, VClock};
    ///
    /// let mut clock = VClock::new();
    /// assert!(clock.witness(&Dot::new('a', 3)?));
    /// assert!(!clock.witness(&Dot::new('a', 2)?));
    /// assert_eq!(clock.get(&'a'), 3);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn witness(&mut self, dot: &Dot<A>) -> bool {
        self.raise(dot.actor(), dot.counter())
    }

    /// Raises `actor`'s entry to at least `counter`; returns whether it changed.
    pub(crate) fn raise(&mut self, actor: &A, counter: u64) -> bool {
        if counter == 0 {
            return false;
        }
        match self.position(actor) {
            Ok(i) if self.entries[i].1 >= counter => false,
            Ok(i) => {
                self.entries[i].1 = counter;
                true
            }
            Err(i) => {
                self.entries.insert(i, (actor.clone(), counter));
                true
            }
        }
    }

    /// Applies the event `dot` if it is its actor's next one: raises the counter from
    /// `dot.counter() - 1` to `dot.counter()` and returns `true`; returns `false` if the
    /// clock already knows the event. Unlike [`witness`](Self::witness), it never
    /// skips events.
    ///
    /// # Errors
    ///
    /// [`VClockError::Gap`] if the clock does not know the actor's previous event
    /// (`dot.counter() > self.get(dot.actor()) + 1`); the clock is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, VClock, VClockError};
    ///
    /// let mut clock = VClock::new();
    /// assert_eq!(clock.apply(&Dot::new('a', 1)?), Ok(true));
    /// assert_eq!(clock.apply(&Dot::new('a', 1)?), Ok(false));
    /// assert_eq!(
    ///     clock.apply(&Dot::new('a', 3)?),
    ///     Err(VClockError::Gap { counter: 3, known: 1 }),
    /// );
    /// assert_eq!(clock.get(&'a'), 1);
    /// # Ok::<(), VClockError>(())
    /// ```
    pub fn apply(&mut self, dot: &Dot<A>) -> Result<bool, VClockError> {
        let known = self.get(dot.actor());
        let counter = dot.counter();
        if counter <= known {
            Ok(false)
        } else if counter - known == 1 {
            Ok(self.raise(dot.actor(), counter))
        } else {
            Err(VClockError::Gap { counter, known })
        }
    }

    /// Lowers `self` to the greatest lower bound of the two clocks: every counter
    /// becomes the smaller of the two, and actors `other` does not know disappear.
    /// The result knows exactly the events both clocks know.
    ///
    /// Meet is commutative, associative and idempotent, and absorbs merge:
    /// `a ⊓ (a ⊔ b) = a`. One pass over both clocks; never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let mut a: VClock<char> = [('a', 2), ('b', 1), ('c', 4)].into_iter().collect();
    /// let b: VClock<char> = [('a', 1), ('b', 3)].into_iter().collect();
    /// a.meet(&b);
    /// assert_eq!(a, [('a', 1), ('b', 1)].into_iter().collect());
    /// ```
    pub fn meet(&mut self, other: &Self) {
        let mut theirs = other.entries.iter().peekable();
        self.entries.retain_mut(|(actor, counter)| {
            while let Some((b, d)) = theirs.peek() {
                match b.cmp(actor) {
                    Ordering::Less => {
                        theirs.next();
                    }
                    Ordering::Equal => {
                        *counter = (*counter).min(*d);
                        return true;
                    }
                    Ordering::Greater => return false,
                }
            }
            false
        });
    }

    /// Removes `actor` from the clock, as if none of its events were known, and
    /// returns the counter it had (0 if none). Use it to retire an actor that left the
    /// group for good: a clock that forgot an actor no longer orders that actor's
    /// events, so every replica must forget it at the same point of the history, once
    /// no event of that actor is still in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let mut clock: VClock<char> = [('a', 2), ('b', 1)].into_iter().collect();
    /// assert_eq!(clock.forget(&'a'), 2);
    /// assert_eq!(clock.forget(&'a'), 0);
    /// assert_eq!(clock, [('b', 1)].into_iter().collect());
    /// ```
    pub fn forget(&mut self, actor: &A) -> u64 {
        match self.position(actor) {
            Ok(i) => self.entries.remove(i).1,
            Err(_) => 0,
        }
    }

    /// Joins `other` into `self`: every counter becomes the larger of the two (the least
    /// upper bound of the two clocks).
    ///
    /// One pass over both clocks. When every actor of `other` is already in `self` the
    /// merge happens in place, without allocating.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::VClock;
    ///
    /// let mut a: VClock<char> = [('a', 2), ('b', 1)].into_iter().collect();
    /// let b: VClock<char> = [('a', 1), ('b', 2), ('c', 5)].into_iter().collect();
    /// a.merge(&b);
    /// assert_eq!(a, [('a', 2), ('b', 2), ('c', 5)].into_iter().collect());
    /// ```
    pub fn merge(&mut self, other: &Self) {
        if other.entries.is_empty() {
            return;
        }
        if self.entries.is_empty() {
            self.entries.clone_from(&other.entries);
            return;
        }
        let theirs = &other.entries;
        // Fast path: the leading entries where both clocks list the same actors.
        let mut k = 0;
        for ((a, c), (b, d)) in self.entries.iter_mut().zip(theirs) {
            if a != b {
                break;
            }
            *c = (*c).max(*d);
            k += 1;
        }
        let mut i = k;
        let mut j = k;
        {
            let mine = &mut self.entries;
            while i < mine.len() && j < theirs.len() {
                let (a, c) = &mut mine[i];
                let (b, d) = &theirs[j];
                match (*a).cmp(b) {
                    Ordering::Less => i += 1,
                    Ordering::Equal => {
                        if *d > *c {
                            *c = *d;
                        }
                        i += 1;
                        j += 1;
                    }
                    Ordering::Greater => break,
                }
            }
            if i == mine.len() {
                // Every remaining actor of `other` sorts after all of ours.
                mine.extend_from_slice(&theirs[j..]);
                return;
            }
            if j == theirs.len() {
                return;
            }
        }
        // `theirs[j]` is missing from `self`: rebuild from here on.
        self.merge_rebuild(i, &theirs[j..]);
    }

    /// Finishes a merge whose in-place pass stopped at `self.entries[i]`, before the
    /// actor `theirs[0]` that `self` lacks.
    fn merge_rebuild(&mut self, i: usize, theirs: &[(A, u64)]) {
        let mut merged = Vec::with_capacity(self.entries.len() + theirs.len());
        let mut mine = core::mem::take(&mut self.entries).into_iter();
        merged.extend(mine.by_ref().take(i));
        let mut mine = mine.peekable();
        let mut theirs = theirs.iter().peekable();
        loop {
            match (mine.peek(), theirs.peek()) {
                (Some((a, _)), Some((b, d))) => match a.cmp(b) {
                    Ordering::Less => merged.extend(mine.next()),
                    Ordering::Greater => {
                        merged.push((b.clone(), *d));
                        theirs.next();
                    }
                    Ordering::Equal => {
                        let d = *d;
                        if let Some((a, c)) = mine.next() {
                            merged.push((a, c.max(d)));
                        }
                        theirs.next();
                    }
                },
                (Some(_), None) => {
                    merged.extend(mine);
                    break;
                }
                (None, _) => {
                    merged.extend(theirs.cloned());
                    break;
                }
            }
        }
        self.entries = merged;
    }

    /// Builds a clock from entries that must already be canonical: strictly increasing
    /// actors and no zero counters.
    fn from_canonical(entries: Vec<(A, u64)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        debug_assert!(entries.iter().all(|(_, c)| *c > 0));
        Self { entries }
    }
}

impl<A> Default for VClock<A> {
    /// The empty clock.
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Ord> PartialOrd for VClock<A> {
    /// Compares by causality in one pass over both clocks: `Less` if `other` knows
    /// every event of `self` and more, `Greater` for the converse, `Equal` for the same
    /// events and `None` when the clocks are concurrent.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        let (mine, theirs) = (&self.entries[..], &other.entries[..]);
        // `less`: some entry of `self` is below `other`'s; `greater`: the converse.
        let (mut less, mut greater) = (false, false);
        // Fast path: the leading entries where both clocks list the same actors (all of
        // them, for clocks of one group of replicas).
        let mut k = 0;
        for ((a, c), (b, d)) in mine.iter().zip(theirs) {
            if a != b {
                break;
            }
            less |= c < d;
            greater |= c > d;
            k += 1;
        }
        if less && greater {
            return None;
        }
        // General merge-join over the rest.
        let (mut i, mut j) = (k, k);
        while i < mine.len() && j < theirs.len() {
            let (a, c) = &mine[i];
            let (b, d) = &theirs[j];
            match a.cmp(b) {
                Ordering::Less => {
                    greater = true;
                    i += 1;
                }
                Ordering::Greater => {
                    less = true;
                    j += 1;
                }
                Ordering::Equal => {
                    less |= c < d;
                    greater |= c > d;
                    i += 1;
                    j += 1;
                }
            }
            if less && greater {
                return None;
            }
        }
        greater |= i < mine.len();
        less |= j < theirs.len();
        match (less, greater) {
            (false, false) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (true, true) => None,
        }
    }
}

impl<A: fmt::Debug> fmt::Debug for VClock<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(a, c)| (a, c)))
            .finish()
    }
}

/// Formats as `{actor:counter, ...}` in actor order, for example `{a:2, b:1}`.
impl<A: fmt::Display> fmt::Display for VClock<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (a, c)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{a}:{c}")?;
        }
        f.write_str("}")
    }
}

/// Builds a clock from `(actor, counter)` pairs in any order: zero counters are
/// skipped and an actor given more than once keeps its largest counter (the pairs are
/// joined, as by [`VClock::merge`]).
impl<A: Ord + Clone> FromIterator<(A, u64)> for VClock<A> {
    fn from_iter<I: IntoIterator<Item = (A, u64)>>(iter: I) -> Self {
        let mut entries: Vec<(A, u64)> = iter.into_iter().filter(|(_, c)| *c > 0).collect();
        // Sorting by actor and then by descending counter puts each actor's largest
        // counter first; `dedup_by` keeps the first of each run.
        entries.sort_unstable_by(|(a, c), (b, d)| a.cmp(b).then(d.cmp(c)));
        entries.dedup_by(|later, first| later.0 == first.0);
        Self::from_canonical(entries)
    }
}

/// Joins `(actor, counter)` pairs into the clock, as [`FromIterator`] does.
impl<A: Ord + Clone> Extend<(A, u64)> for VClock<A> {
    fn extend<I: IntoIterator<Item = (A, u64)>>(&mut self, iter: I) {
        let other: Self = iter.into_iter().collect();
        self.merge(&other);
    }
}

/// Builds the smallest clock containing every given dot.
impl<A: Ord + Clone> FromIterator<Dot<A>> for VClock<A> {
    fn from_iter<I: IntoIterator<Item = Dot<A>>>(iter: I) -> Self {
        iter.into_iter().map(Dot::into_parts).collect()
    }
}

/// Witnesses every given dot, as [`VClock::witness`] does.
impl<A: Ord + Clone> Extend<Dot<A>> for VClock<A> {
    fn extend<I: IntoIterator<Item = Dot<A>>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(Dot::into_parts));
    }
}

/// The clock of one actor's first `dot.counter()` events.
impl<A> From<Dot<A>> for VClock<A> {
    fn from(dot: Dot<A>) -> Self {
        let (actor, counter) = dot.into_parts();
        Self {
            entries: alloc::vec![(actor, counter)],
        }
    }
}

/// Checked conversion from entries in canonical form: actors strictly increasing, no
/// zero counters. Nothing is repaired; use [`FromIterator`] to build a clock from
/// arbitrary pairs.
impl<A: Ord> TryFrom<Vec<(A, u64)>> for VClock<A> {
    type Error = DecodeError;

    fn try_from(entries: Vec<(A, u64)>) -> Result<Self, DecodeError> {
        for (index, (_, counter)) in entries.iter().enumerate() {
            if *counter == 0 {
                return Err(DecodeError::ZeroEntry { index });
            }
        }
        for (index, pair) in entries.windows(2).enumerate() {
            match pair[0].0.cmp(&pair[1].0) {
                Ordering::Less => {}
                Ordering::Equal => return Err(DecodeError::DuplicateActor { index: index + 1 }),
                Ordering::Greater => return Err(DecodeError::UnsortedActors { index: index + 1 }),
            }
        }
        Ok(Self { entries })
    }
}

/// Iterator over a clock's entries as `(&actor, counter)`, in ascending actor order;
/// see [`VClock::iter`].
///
/// # Examples
///
/// ```
/// use ward_vclock::VClock;
///
/// let clock: VClock<char> = [('a', 1), ('b', 2)].into_iter().collect();
/// let mut iter = clock.iter();
/// assert_eq!(iter.len(), 2);
/// assert_eq!(iter.next_back(), Some((&'b', 2)));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct Iter<'a, A> {
    inner: core::slice::Iter<'a, (A, u64)>,
}

impl<'a, A> Iterator for Iter<'a, A> {
    type Item = (&'a A, u64);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(a, c)| (a, *c))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<A> DoubleEndedIterator for Iter<'_, A> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(a, c)| (a, *c))
    }
}

impl<A> ExactSizeIterator for Iter<'_, A> {}
impl<A> FusedIterator for Iter<'_, A> {}

impl<'a, A> IntoIterator for &'a VClock<A> {
    type Item = (&'a A, u64);
    type IntoIter = Iter<'a, A>;

    fn into_iter(self) -> Iter<'a, A> {
        self.iter()
    }
}

/// Owning iterator over a clock's entries as `(actor, counter)`, in ascending actor
/// order; returned by `VClock::into_iter`.
///
/// # Examples
///
/// ```
/// use ward_vclock::VClock;
///
/// let clock: VClock<char> = [('b', 2), ('a', 1)].into_iter().collect();
/// let entries: Vec<(char, u64)> = clock.into_iter().collect();
/// assert_eq!(entries, [('a', 1), ('b', 2)]);
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct IntoIter<A> {
    inner: alloc::vec::IntoIter<(A, u64)>,
}

impl<A> Iterator for IntoIter<A> {
    type Item = (A, u64);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<A> DoubleEndedIterator for IntoIter<A> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
    }
}

impl<A> ExactSizeIterator for IntoIter<A> {}
impl<A> FusedIterator for IntoIter<A> {}

impl<A> IntoIterator for VClock<A> {
    type Item = (A, u64);
    type IntoIter = IntoIter<A>;

    fn into_iter(self) -> IntoIter<A> {
        IntoIter {
            inner: self.entries.into_iter(),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::VClock;

    /// Encoded as a sequence of `(actor, counter)` pairs in ascending actor order, with
    /// no zero counters.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for VClock<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(&self.entries)
        }
    }

    /// Accepts only the canonical encoding; unsorted or duplicate actors and zero
    /// counters are rejected with the matching [`DecodeError`](crate::DecodeError).
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord> Deserialize<'de> for VClock<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let entries = Vec::<(A, u64)>::deserialize(deserializer)?;
            VClock::try_from(entries).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    #[test]
    fn merge_rebuild_interleaves() {
        let mut a: VClock<u32> = [(1, 1), (3, 3), (5, 5), (7, 1)].into_iter().collect();
        let b: VClock<u32> = [(1, 2), (2, 2), (5, 1), (6, 6), (8, 8)]
            .into_iter()
            .collect();
        a.merge(&b);
        assert_eq!(
            a.entries,
            vec![(1, 2), (2, 2), (3, 3), (5, 5), (6, 6), (7, 1), (8, 8)]
        );
    }

    #[test]
    fn increment_overflow_leaves_state() {
        let mut a = VClock::try_from(vec![(1_u8, u64::MAX)]).unwrap();
        let before = a.clone();
        assert_eq!(
            a.increment(1),
            Err(VClockError::CounterOverflow { counter: u64::MAX })
        );
        assert_eq!(a, before);
    }
}
