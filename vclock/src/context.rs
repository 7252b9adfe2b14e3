//! Causal contexts: exact sets of dots, stored compactly.

mod probe;
mod setops;

pub use probe::ContextProbe;

use alloc::vec::Vec;
use core::fmt;
use core::iter::{FusedIterator, Peekable};
use core::num::NonZeroU64;
use core::ops::RangeInclusive;

use crate::dot::Dot;
use crate::error::{DecodeError, VClockError};
use crate::range::DotRange;
use crate::vclock::VClock;

/// A causal context: an exact set of dots, stored as a version vector plus the dots
/// that arrived out of order (the *dot cloud*), kept as runs of consecutive dots.
///
/// A plain [`VClock`] can only say "the first `n` events of each actor". Delta-state
/// CRDTs need more: a delta carrying `a:3` may arrive before the one carrying `a:2`, and
/// the receiver must remember that it has seen `a:3` but not `a:2`. A `DotContext`
/// represents any finite set of dots exactly. Dots that extend an actor's contiguous
/// prefix `1..=n` are folded into the clock; the others wait in the cloud until the gap
/// before them closes.
///
/// # Canonical form
///
/// The cloud is a per-actor set of intervals: maximal runs of consecutive dots
/// ([`DotRange`]), sorted by actor then counter, pairwise disjoint and never adjacent
/// (two runs that touch are one run). No run is covered by the clock or directly
/// follows its actor's clock entry (it would have been folded in). Two contexts holding
/// the same set of dots therefore have the same clock and the same cloud, so the
/// derived `Eq` and `Hash` compare sets of dots.
///
/// A run costs the same whatever its length: the dots `a:1` and `a:3..=1_000_000` are
/// one clock entry and one run. Lookups are binary searches over the runs; in the
/// steady state of a replica the cloud is empty or very small.
///
/// This is the causal context of *Delta State Replicated Data Types* (Almeida,
/// Shoker, Baquero), there written as a compact version vector plus a dot cloud.
///
/// # Examples
///
/// ```
/// use ward_vclock::{Dot, DotContext, DotRange};
///
/// let mut ctx = DotContext::new();
/// ctx.insert(Dot::new('a', 1)?);
/// ctx.insert(Dot::new('a', 3)?);           // a:2 has not arrived yet
/// assert!(ctx.contains(&Dot::new('a', 3)?));
/// assert!(!ctx.contains(&Dot::new('a', 2)?));
/// assert_eq!(ctx.clock().get(&'a'), 1);
/// assert_eq!(ctx.cloud().collect::<Vec<_>>(), [&DotRange::new('a', 3, 3)?]);
///
/// // A long run past a gap stays one entry.
/// ctx.insert_range(DotRange::new('a', 4, 1_000_000)?);
/// assert_eq!(ctx.cloud().collect::<Vec<_>>(), [&DotRange::new('a', 3, 1_000_000)?]);
///
/// ctx.insert(Dot::new('a', 2)?);           // the gap closes
/// assert_eq!(ctx.clock().get(&'a'), 1_000_000);
/// assert_eq!(ctx.cloud().count(), 0);
///
/// // A replica mints its next event id from the context.
/// assert_eq!(ctx.next_dot(&'a')?, Dot::new('a', 1_000_001)?);
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct DotContext<A> {
    clock: VClock<A>,
    /// Sorted by actor, then counter; per actor disjoint and non-adjacent runs, each
    /// starting more than one past its actor's clock entry.
    cloud: Vec<DotRange<A>>,
}

/// `known + 1` as a counter: at least 1. Callers pass `known < u64::MAX`.
const fn after(known: u64) -> NonZeroU64 {
    NonZeroU64::MIN.saturating_add(known)
}

impl<A> DotContext<A> {
    /// Creates an empty context. Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DotContext;
    ///
    /// assert!(DotContext::<char>::new().is_empty());
    /// ```
    pub const fn new() -> Self {
        Self {
            clock: VClock::new(),
            cloud: Vec::new(),
        }
    }

    /// The contiguous part of the context: for each actor, the largest `n` such that
    /// all of its dots `1..=n` are in the context.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 3)?].into_iter().collect();
    /// assert_eq!(ctx.clock().get(&'a'), 1);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn clock(&self) -> &VClock<A> {
        &self.clock
    }

    /// The dots not covered by [`clock`](Self::clock), as maximal runs in ascending
    /// order (by actor, then counter). Each run is separated from its actor's clock
    /// entry, and from the actor's other runs, by a gap.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext, DotRange};
    ///
    /// let ctx: DotContext<char> =
    ///     [1, 3, 4, 7].into_iter().map(|c| Dot::new('a', c)).collect::<Result<_, _>>()?;
    /// assert_eq!(
    ///     ctx.cloud().collect::<Vec<_>>(),
    ///     [&DotRange::new('a', 3, 4)?, &DotRange::new('a', 7, 7)?],
    /// );
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn cloud(&self) -> core::slice::Iter<'_, DotRange<A>> {
        self.cloud.iter()
    }

    /// Whether the context holds no dot at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let mut ctx = DotContext::new();
    /// assert!(ctx.is_empty());
    /// ctx.insert(Dot::new('a', 5)?);
    /// assert!(!ctx.is_empty());
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.clock.is_empty() && self.cloud.is_empty()
    }

    /// Splits the context into its clock and its cloud runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext, DotRange};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('b', 2)?].into_iter().collect();
    /// let (clock, cloud) = ctx.into_parts();
    /// assert_eq!(clock.get(&'a'), 1);
    /// assert_eq!(cloud, [DotRange::new('b', 2, 2)?]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn into_parts(self) -> (VClock<A>, Vec<DotRange<A>>) {
        (self.clock, self.cloud)
    }
}

impl<A: Ord + Clone> DotContext<A> {
    /// The cloud runs of `actor`: the index range into `self.cloud`.
    fn span_of(&self, actor: &A) -> core::ops::Range<usize> {
        let start = self.cloud.partition_point(|r| r.actor < *actor);
        let end = start + self.cloud[start..].partition_point(|r| r.actor == *actor);
        start..end
    }

    /// The cloud runs of `actor`, in ascending order.
    fn cloud_of(&self, actor: &A) -> &[DotRange<A>] {
        &self.cloud[self.span_of(actor)]
    }

    /// Whether the context holds `dot`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 2)?].into_iter().collect();
    /// assert!(ctx.contains(&Dot::new('a', 2)?));
    /// assert!(!ctx.contains(&Dot::new('a', 1)?));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn contains(&self, dot: &Dot<A>) -> bool {
        self.contains_event(dot.actor(), dot.counter())
    }

    /// Whether the context holds the dot `(actor, counter)`, without building it (no
    /// clone of the actor). Counter 0 names no event and is never held.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 2)?].into_iter().collect();
    /// assert!(ctx.contains_event(&'a', 2));
    /// assert!(!ctx.contains_event(&'a', 1));
    /// assert!(!ctx.contains_event(&'a', 0));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn contains_event(&self, actor: &A, counter: u64) -> bool {
        if counter == 0 {
            return false;
        }
        if counter <= self.clock.get(actor) {
            return true;
        }
        if self.cloud.is_empty() {
            return false;
        }
        // The first run of a later actor, or of this actor ending at or after `counter`.
        let i = self.cloud.partition_point(|r| match r.actor.cmp(actor) {
            core::cmp::Ordering::Less => true,
            core::cmp::Ordering::Equal => r.last() < counter,
            core::cmp::Ordering::Greater => false,
        });
        self.cloud
            .get(i)
            .is_some_and(|r| r.actor == *actor && r.first() <= counter)
    }

    /// Adds `dot`, folding it (and the cloud run it makes contiguous) into the clock.
    /// Returns whether the dot was new.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let mut ctx = DotContext::new();
    /// assert!(ctx.insert(Dot::new('a', 2)?));
    /// assert!(!ctx.insert(Dot::new('a', 2)?));
    /// assert!(ctx.insert(Dot::new('a', 1)?));
    /// assert_eq!(ctx.clock().get(&'a'), 2);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn insert(&mut self, dot: Dot<A>) -> bool {
        self.insert_range(DotRange::from(dot))
    }

    /// Adds every dot of `range`, merging it with the runs it overlaps or touches and
    /// folding it into the clock when it continues the clock's entry. Costs a binary
    /// search plus the runs it absorbs, whatever the length of the range, plus moving
    /// the runs after it (`O(r)`) when a run is inserted or absorbed, and the clock
    /// entries after it (`O(n)`) when a new actor enters the clock. Returns whether any
    /// dot was new.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext, DotRange};
    ///
    /// let mut ctx = DotContext::new();
    /// assert!(ctx.insert_range(DotRange::new('a', 3, u64::MAX)?));
    /// assert!(!ctx.insert_range(DotRange::new('a', 10, 20)?));
    /// assert_eq!(ctx.cloud().count(), 1);
    /// assert!(ctx.insert(Dot::new('a', 2)?) && ctx.insert(Dot::new('a', 1)?));
    /// assert_eq!(ctx.clock().get(&'a'), u64::MAX);
    /// assert_eq!(ctx.cloud().count(), 0);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn insert_range(&mut self, range: DotRange<A>) -> bool {
        // One search of the clock serves both the lookup and the raise below.
        let (slot, known) = self.clock.slot(&range.actor);
        if range.last() <= known {
            return false;
        }
        // `known < last <= u64::MAX`, so `known + 1` is a counter.
        let mut first = range.first.max(after(known));
        let mut last = range.last;
        let span = self.span_of(&range.actor);
        let runs = &self.cloud[span.clone()];
        // Runs entirely before `first` with a gap between: `r.last + 1 < first`.
        let lo = span.start + runs.partition_point(|r| r.last() < first.get() - 1);
        // Runs from `lo` that overlap or touch `first..=last`: `r.first - 1 <= last`.
        let hi = lo + self.cloud[lo..span.end].partition_point(|r| r.first() - 1 <= last.get());
        if let Some(r) = self.cloud.get(lo)
            && hi == lo + 1
            && r.first <= first
            && last <= r.last
        {
            return false;
        }
        if hi > lo {
            first = first.min(self.cloud[lo].first);
            last = last.max(self.cloud[hi - 1].last);
        }
        if first == after(known) {
            self.clock.raise_at(slot, &range.actor, last.get());
            self.cloud.drain(lo..hi);
        } else {
            let run = DotRange {
                actor: range.actor,
                first,
                last,
            };
            self.cloud.splice(lo..hi, core::iter::once(run));
        }
        true
    }

    /// The highest counter of `actor` in the context, cloud included (0 if none).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 7)?].into_iter().collect();
    /// assert_eq!(ctx.max_counter(&'a'), 7);
    /// assert_eq!(ctx.max_counter(&'b'), 0);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn max_counter(&self, actor: &A) -> u64 {
        // The actor's last run (if any) is its largest, and exceeds the clock entry.
        let end = self.cloud.partition_point(|r| r.actor <= *actor);
        match end.checked_sub(1).map(|i| &self.cloud[i]) {
            Some(r) if r.actor == *actor => r.last(),
            _ => self.clock.get(actor),
        }
    }

    /// Mints the next dot of `actor`, one past the highest of its dots in the context,
    /// records it in the context and returns it.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if that counter would exceed `u64::MAX`; the
    /// context is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let mut ctx = DotContext::new();
    /// assert_eq!(ctx.next_dot(&'a')?, Dot::new('a', 1)?);
    /// assert_eq!(ctx.next_dot(&'a')?, Dot::new('a', 2)?);
    /// ctx.insert(Dot::new('b', 5)?);
    /// assert_eq!(ctx.next_dot(&'b')?, Dot::new('b', 6)?);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn next_dot(&mut self, actor: &A) -> Result<Dot<A>, VClockError> {
        let max = self.max_counter(actor);
        let next = max
            .checked_add(1)
            .ok_or(VClockError::CounterOverflow { counter: max })?;
        let dot = Dot::new(actor.clone(), next)?;
        self.insert(dot.clone());
        Ok(dot)
    }

    /// Adds every dot of `other` (set union), leaving the context compact.
    ///
    /// Join is commutative, associative and idempotent, with the empty context as
    /// identity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let mut a: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 3)?].into_iter().collect();
    /// let b: DotContext<char> = [Dot::new('a', 2)?, Dot::new('b', 1)?].into_iter().collect();
    /// a.join(&b);
    /// assert_eq!(a.clock().get(&'a'), 3);
    /// assert_eq!(a.clock().get(&'b'), 1);
    /// assert_eq!(a.cloud().count(), 0);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn join(&mut self, other: &Self) {
        self.clock.merge(&other.clock);
        if !other.cloud.is_empty() {
            let mine = core::mem::take(&mut self.cloud);
            self.cloud = union_sorted(mine, &other.cloud);
        }
        if !self.cloud.is_empty() {
            self.compact();
        }
    }

    /// Restores the canonical form: drops cloud dots the clock already covers, joins
    /// runs that overlap or touch, and folds into the clock every run that directly
    /// follows its actor's entry. The set of dots represented never changes.
    ///
    /// Every method of this type already leaves the context compact, so calling this is
    /// never required; it is cheap (one pass over the cloud) when there is nothing to do.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let mut ctx: DotContext<char> = [Dot::new('a', 2)?].into_iter().collect();
    /// let before = ctx.clone();
    /// ctx.compact();
    /// assert_eq!(ctx, before);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn compact(&mut self) {
        // The runs must be sorted by actor, then first counter, for one pass to do; the
        // public API keeps them so, and the sort is linear on sorted input.
        self.cloud
            .sort_unstable_by(|x, y| x.actor.cmp(&y.actor).then(x.first.cmp(&y.first)));
        let runs = core::mem::take(&mut self.cloud);
        let mut out: Vec<DotRange<A>> = Vec::with_capacity(runs.len());
        for run in runs {
            if let Some(prev) = out.last_mut()
                && prev.actor == run.actor
                && prev.last() >= run.first() - 1
            {
                // Overlapping or touching the previous run (which is past the clock).
                prev.last = prev.last.max(run.last);
                continue;
            }
            let known = self.clock.get(&run.actor);
            if run.last() <= known {
                continue;
            }
            if run.first <= after(known) {
                self.clock.raise(&run.actor, run.last());
                continue;
            }
            out.push(run);
        }
        self.cloud = out;
    }

    /// Iterates over every dot in the context, in ascending order (by actor, then
    /// counter). Runs are expanded lazily, so this may yield a very large number of
    /// dots; [`ranges`](Self::ranges) lists them as runs instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> =
    ///     [Dot::new('b', 1)?, Dot::new('a', 2)?, Dot::new('a', 1)?].into_iter().collect();
    /// let dots: Vec<_> = ctx.dots().collect();
    /// assert_eq!(dots, [Dot::new('a', 1)?, Dot::new('a', 2)?, Dot::new('b', 1)?]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn dots(&self) -> Dots<'_, A> {
        Dots {
            runs: self.runs(),
            current: None,
        }
    }

    /// Every run of the context in ascending order: each actor's clock prefix `1..=n`
    /// (if any), then its cloud runs.
    fn runs(&self) -> Runs<'_, A> {
        Runs {
            clock: self.clock.iter().peekable(),
            cloud: self.cloud.iter().peekable(),
        }
    }
}

/// Merges two sorted run vectors into one sorted by actor, then first counter; runs
/// may overlap (the caller compacts).
fn union_sorted<A: Ord + Clone>(
    mine: Vec<DotRange<A>>,
    theirs: &[DotRange<A>],
) -> Vec<DotRange<A>> {
    let mut out = Vec::with_capacity(mine.len() + theirs.len());
    let mut mine = mine.into_iter().peekable();
    let mut theirs = theirs.iter().peekable();
    loop {
        match (mine.peek(), theirs.peek()) {
            (Some(a), Some(b)) => {
                if (&a.actor, a.first) <= (&b.actor, b.first) {
                    out.extend(mine.next());
                } else {
                    out.extend(theirs.next().cloned());
                }
            }
            (Some(_), None) => {
                out.extend(mine);
                break;
            }
            (None, _) => {
                out.extend(theirs.cloned());
                break;
            }
        }
    }
    out
}

/// Every run of a context, as `(actor, counters)`, in ascending order.
#[derive(Debug, Clone)]
struct Runs<'a, A> {
    clock: Peekable<crate::vclock::Iter<'a, A>>,
    cloud: Peekable<core::slice::Iter<'a, DotRange<A>>>,
}

impl<'a, A: Ord> Iterator for Runs<'a, A> {
    type Item = (&'a A, RangeInclusive<u64>);

    fn next(&mut self) -> Option<Self::Item> {
        // An actor's clock prefix comes before its cloud runs.
        let prefix_first = match (self.clock.peek(), self.cloud.peek()) {
            (Some((a, _)), Some(r)) => *a <= &r.actor,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if prefix_first {
            self.clock.next().map(|(a, n)| (a, 1..=n))
        } else {
            self.cloud.next().map(|r| (&r.actor, r.first()..=r.last()))
        }
    }
}

impl<A> Default for DotContext<A> {
    /// The empty context.
    fn default() -> Self {
        Self::new()
    }
}

impl<A: fmt::Debug> fmt::Debug for DotContext<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DotContext")
            .field("clock", &self.clock)
            .field("cloud", &self.cloud)
            .finish()
    }
}

/// The context of exactly the clock's dots.
impl<A> From<VClock<A>> for DotContext<A> {
    fn from(clock: VClock<A>) -> Self {
        Self {
            clock,
            cloud: Vec::new(),
        }
    }
}

/// Builds the context holding exactly the given dots, in any order, duplicates allowed.
impl<A: Ord + Clone> FromIterator<Dot<A>> for DotContext<A> {
    fn from_iter<I: IntoIterator<Item = Dot<A>>>(iter: I) -> Self {
        iter.into_iter().map(DotRange::from).collect()
    }
}

/// Builds the context holding exactly the dots of the given ranges, in any order,
/// overlapping or not.
///
/// # Examples
///
/// ```
/// use ward_vclock::{DotContext, DotRange};
///
/// let ctx: DotContext<char> =
///     [DotRange::new('a', 5, 9)?, DotRange::new('a', 1, 6)?].into_iter().collect();
/// assert_eq!(ctx.clock().get(&'a'), 9);
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
impl<A: Ord + Clone> FromIterator<DotRange<A>> for DotContext<A> {
    fn from_iter<I: IntoIterator<Item = DotRange<A>>>(iter: I) -> Self {
        let mut ctx = Self {
            clock: VClock::new(),
            cloud: iter.into_iter().collect(),
        };
        ctx.compact();
        ctx
    }
}

/// Inserts every given dot.
impl<A: Ord + Clone> Extend<Dot<A>> for DotContext<A> {
    fn extend<I: IntoIterator<Item = Dot<A>>>(&mut self, iter: I) {
        let other: Self = iter.into_iter().collect();
        self.join(&other);
    }
}

/// Inserts every dot of the given ranges.
impl<A: Ord + Clone> Extend<DotRange<A>> for DotContext<A> {
    fn extend<I: IntoIterator<Item = DotRange<A>>>(&mut self, iter: I) {
        let other: Self = iter.into_iter().collect();
        self.join(&other);
    }
}

/// Checked conversion from a clock and a cloud listed dot by dot: the dots strictly
/// increasing, and each more than one past its actor's clock entry. Consecutive dots
/// become one run. Nothing else is repaired; use [`FromIterator`] or
/// [`DotContext::join`] to build a context from arbitrary dots.
impl<A: Ord> TryFrom<(VClock<A>, Vec<Dot<A>>)> for DotContext<A> {
    type Error = DecodeError;

    fn try_from((clock, cloud): (VClock<A>, Vec<Dot<A>>)) -> Result<Self, DecodeError> {
        for (index, pair) in cloud.windows(2).enumerate() {
            if pair[0] >= pair[1] {
                return Err(DecodeError::UnsortedCloud { index: index + 1 });
            }
        }
        for (index, dot) in cloud.iter().enumerate() {
            let known = clock.get(dot.actor());
            if dot.counter() <= known.saturating_add(1) {
                return Err(DecodeError::UncompactedCloud {
                    index,
                    counter: dot.counter(),
                    clock: known,
                });
            }
        }
        let mut runs: Vec<DotRange<A>> = Vec::with_capacity(cloud.len());
        for dot in cloud {
            let counter = dot.counter_nonzero();
            if let Some(prev) = runs.last_mut()
                && prev.actor == *dot.actor()
                && prev.last.checked_add(1) == Some(counter)
            {
                prev.last = counter;
                continue;
            }
            runs.push(DotRange::from(dot));
        }
        Ok(Self { clock, cloud: runs })
    }
}

/// Checked conversion from a clock and cloud runs in canonical form: the runs sorted by
/// actor then counter, disjoint and not touching, and each starting more than one past
/// its actor's clock entry. Nothing is repaired.
///
/// # Examples
///
/// ```
/// use ward_vclock::{DecodeError, DotContext, DotRange, VClock};
///
/// let clock: VClock<char> = [('a', 1)].into_iter().collect();
/// let ok = DotContext::try_from((clock.clone(), vec![DotRange::new('a', 3, 1_000_000)?]));
/// assert!(ok.is_ok());
/// let touching = vec![DotRange::new('a', 3, 4)?, DotRange::new('a', 5, 6)?];
/// assert_eq!(
///     DotContext::try_from((clock, touching)),
///     Err(DecodeError::TouchingRuns { index: 1 }),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<A: Ord> TryFrom<(VClock<A>, Vec<DotRange<A>>)> for DotContext<A> {
    type Error = DecodeError;

    fn try_from((clock, cloud): (VClock<A>, Vec<DotRange<A>>)) -> Result<Self, DecodeError> {
        for (index, pair) in cloud.windows(2).enumerate() {
            let (prev, run) = (&pair[0], &pair[1]);
            if prev.actor > run.actor || (prev.actor == run.actor && run.first <= prev.last) {
                return Err(DecodeError::UnsortedCloud { index: index + 1 });
            }
            if prev.actor == run.actor && run.first() - 1 == prev.last() {
                return Err(DecodeError::TouchingRuns { index: index + 1 });
            }
        }
        for (index, run) in cloud.iter().enumerate() {
            let known = clock.get(&run.actor);
            if run.first() <= known.saturating_add(1) {
                return Err(DecodeError::UncompactedCloud {
                    index,
                    counter: run.first(),
                    clock: known,
                });
            }
        }
        Ok(Self { clock, cloud })
    }
}

/// Iterator over every dot of a [`DotContext`] in ascending order; see
/// [`DotContext::dots`].
///
/// # Examples
///
/// ```
/// use ward_vclock::{Dot, DotContext};
///
/// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 3)?].into_iter().collect();
/// assert_eq!(ctx.dots().collect::<Vec<_>>(), [Dot::new('a', 1)?, Dot::new('a', 3)?]);
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct Dots<'a, A> {
    runs: Runs<'a, A>,
    /// The run being expanded: its actor and the counters left.
    current: Option<(&'a A, RangeInclusive<u64>)>,
}

impl<A: Ord + Clone> Iterator for Dots<'_, A> {
    type Item = Dot<A>;

    fn next(&mut self) -> Option<Dot<A>> {
        loop {
            if let Some((actor, counters)) = &mut self.current
                && let Some(counter) = counters.next()
            {
                // Counters start at 1, so this never fails.
                return Dot::new((*actor).clone(), counter).ok();
            }
            self.current = Some(self.runs.next()?);
        }
    }
}

impl<A: Ord + Clone> FusedIterator for Dots<'_, A> {}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;
    use core::fmt;
    use core::marker::PhantomData;

    use serde::de::{Error as _, SeqAccess, Visitor};
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DotContext;
    use crate::error::DecodeError;
    use crate::range::DotRange;
    use crate::vclock::VClock;

    /// One cloud run on the wire: `[actor, counter]` for a single dot (the form every
    /// encoder wrote before runs), `[actor, first, last]` for a longer run.
    struct Run<A>(DotRange<A>);

    struct RunRef<'a, A>(&'a DotRange<A>);

    impl<A: Serialize> Serialize for RunRef<'_, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let run = self.0;
            let single = run.first == run.last;
            let mut seq = serializer.serialize_seq(Some(if single { 2 } else { 3 }))?;
            seq.serialize_element(&run.actor)?;
            seq.serialize_element(&run.first())?;
            if !single {
                seq.serialize_element(&run.last())?;
            }
            seq.end()
        }
    }

    impl<'de, A: Deserialize<'de>> Deserialize<'de> for Run<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct RunVisitor<A>(PhantomData<A>);

            impl<'de, A: Deserialize<'de>> Visitor<'de> for RunVisitor<A> {
                type Value = Run<A>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("[actor, counter] or [actor, first, last]")
                }

                fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Run<A>, S::Error> {
                    let actor: A = seq
                        .next_element()?
                        .ok_or_else(|| S::Error::invalid_length(0, &self))?;
                    let first: u64 = seq
                        .next_element()?
                        .ok_or_else(|| S::Error::invalid_length(1, &self))?;
                    match seq.next_element::<u64>()? {
                        None => DotRange::new(actor, first, first).map_err(S::Error::custom),
                        Some(last) if last == first => {
                            Err(S::Error::custom(DecodeError::SingleDotRun {
                                counter: first,
                            }))
                        }
                        Some(last) => {
                            // A fourth element is refused, not left unread: a format
                            // without its own length check would read it as what follows.
                            if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                                return Err(S::Error::invalid_length(4, &self));
                            }
                            DotRange::new(actor, first, last).map_err(S::Error::custom)
                        }
                    }
                    .map(Run)
                }
            }

            deserializer.deserialize_seq(RunVisitor(PhantomData))
        }
    }

    struct Cloud<'a, A>(&'a [DotRange<A>]);

    impl<A: Serialize> Serialize for Cloud<'_, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.iter().map(RunRef))
        }
    }

    #[derive(Serialize)]
    #[serde(rename = "DotContext")]
    struct Encoded<'a, A> {
        clock: &'a VClock<A>,
        cloud: Cloud<'a, A>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(rename = "DotContext")]
    struct Decoded<A: Ord> {
        clock: VClock<A>,
        cloud: Vec<Run<A>>,
    }

    /// Encoded as a struct with fields `clock` (see [`VClock`]) and `cloud`: the runs
    /// in ascending order, each `[actor, counter]` when it is one dot and
    /// `[actor, first, last]` otherwise.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for DotContext<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encoded {
                clock: &self.clock,
                cloud: Cloud(&self.cloud),
            }
            .serialize(serializer)
        }
    }

    /// Accepts only canonical runs: a valid clock and runs in ascending order, disjoint
    /// and not touching, each more than one past its actor's clock entry, a one-dot run
    /// written as `[actor, counter]`. For the encodings written before runs existed,
    /// which listed every cloud dot, consecutive single dots are joined into one run.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord> Deserialize<'de> for DotContext<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decoded { clock, cloud } = Decoded::deserialize(deserializer)?;
            let mut runs: Vec<DotRange<A>> = Vec::with_capacity(cloud.len());
            // Whether the last run was joined from single dots only.
            let mut from_singles = false;
            for (index, Run(run)) in cloud.into_iter().enumerate() {
                let single = run.first == run.last;
                let touches = runs.last().is_some_and(|prev: &DotRange<A>| {
                    prev.actor == run.actor && prev.last.checked_add(1) == Some(run.first)
                });
                match runs.last_mut() {
                    // Single dots in a row: the pre-run encoding of a run.
                    Some(prev) if touches && single && from_singles => prev.last = run.last,
                    _ if touches => {
                        return Err(D::Error::custom(DecodeError::TouchingRuns { index }));
                    }
                    _ => {
                        from_singles = single;
                        runs.push(run);
                    }
                }
            }
            DotContext::try_from((clock, runs)).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;

    use super::*;

    /// The counters where the generated dots live: both ends of the range.
    fn window() -> impl Iterator<Item = u64> {
        (1..=10).chain(u64::MAX - 10..=u64::MAX)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            rng_seed: RngSeed::Fixed(0xc0_4ac7),
            ..ProptestConfig::default()
        })]

        /// The public API only ever hands `compact` a compact context. Here the cloud is
        /// any sorted set of dots, covered by the clock, continuing it or beyond a gap,
        /// possibly at the top of the counter range: compacting keeps exactly the same
        /// dots and restores the canonical form.
        #[test]
        fn prop_compact_keeps_the_dots_of_any_context(
            clock in prop::collection::vec((0_u8..3, 0_u64..4), 0..4),
            cloud in prop::collection::vec((0_u8..3, 1_u64..8, 0_u64..3), 0..10),
            high in any::<bool>(),
        ) {
            // Optionally move everything to the top of the range.
            let lift = |c: u64| if high && c > 0 { u64::MAX - 8 + c } else { c };
            let clock: VClock<u8> = clock.into_iter().map(|(a, c)| (a, lift(c))).collect();
            // Any runs, possibly overlapping, touching or covered by the clock.
            let cloud: Vec<DotRange<u8>> = cloud
                .into_iter()
                .map(|(a, c, len)| DotRange::new(a, lift(c), lift(c).saturating_add(len)).unwrap())
                .collect();
            // The set before compacting, by definition: covered by the clock or listed.
            let held = |d: &Dot<u8>| clock.contains(d) || cloud.iter().any(|r| r.contains(d));
            let mut ctx = DotContext { clock: clock.clone(), cloud: cloud.clone() };
            ctx.compact();
            for a in 0_u8..4 {
                for c in window() {
                    let d = Dot::new(a, c).unwrap();
                    prop_assert_eq!(ctx.contains(&d), held(&d), "{:?}", d);
                }
            }
            let (clock, cloud) = ctx.clone().into_parts();
            prop_assert_eq!(DotContext::try_from((clock, cloud)), Ok(ctx));
        }
    }
}
