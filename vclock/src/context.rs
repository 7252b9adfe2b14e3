//! Causal contexts: exact sets of dots, stored compactly.

mod setops;

use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;
use core::iter::FusedIterator;
use core::ops::RangeInclusive;

use crate::dot::Dot;
use crate::error::{DecodeError, VClockError};
use crate::vclock::VClock;

/// A causal context: an exact set of dots, stored as a version vector plus the dots
/// that arrived out of order (the *dot cloud*).
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
/// Every method leaves the context compact: no cloud dot is covered by the clock, and
/// no cloud dot directly follows its actor's clock entry (it would have been folded
/// in). Two contexts holding the same set of dots therefore have the same clock and
/// the same cloud, so the derived `Eq` and `Hash` compare sets of dots. The cloud is
/// a sorted vector; in the steady state of a replica it is empty or very small.
///
/// This is the causal context of *Delta State Replicated Data Types* (Almeida,
/// Shoker, Baquero), there written as a compact version vector plus a dot cloud.
///
/// # Examples
///
/// ```
/// use ward_vclock::{Dot, DotContext};
///
/// let mut ctx = DotContext::new();
/// ctx.insert(Dot::new('a', 1)?);
/// ctx.insert(Dot::new('a', 3)?);           // a:2 has not arrived yet
/// assert!(ctx.contains(&Dot::new('a', 3)?));
/// assert!(!ctx.contains(&Dot::new('a', 2)?));
/// assert_eq!(ctx.clock().get(&'a'), 1);
/// assert_eq!(ctx.cloud().count(), 1);
///
/// ctx.insert(Dot::new('a', 2)?);           // the gap closes
/// assert_eq!(ctx.clock().get(&'a'), 3);
/// assert_eq!(ctx.cloud().count(), 0);
///
/// // A replica mints its next event id from the context.
/// assert_eq!(ctx.next_dot(&'a')?, Dot::new('a', 4)?);
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct DotContext<A> {
    clock: VClock<A>,
    /// Sorted strictly ascending; for each dot `counter > clock[actor] + 1`.
    cloud: Vec<Dot<A>>,
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

    /// The dots not covered by [`clock`](Self::clock), in ascending order (by actor, then
    /// counter). Each of them is separated from its actor's clock entry by a gap.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 3)?].into_iter().collect();
    /// assert_eq!(ctx.cloud().collect::<Vec<_>>(), [&Dot::new('a', 3)?]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn cloud(&self) -> core::slice::Iter<'_, Dot<A>> {
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

    /// Splits the context into its clock and its cloud.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('b', 2)?].into_iter().collect();
    /// let (clock, cloud) = ctx.into_parts();
    /// assert_eq!(clock.get(&'a'), 1);
    /// assert_eq!(cloud, [Dot::new('b', 2)?]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn into_parts(self) -> (VClock<A>, Vec<Dot<A>>) {
        (self.clock, self.cloud)
    }
}

impl<A: Ord + Clone> DotContext<A> {
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
        self.clock.contains(dot) || self.cloud.binary_search(dot).is_ok()
    }

    /// Adds `dot`, folding it (and any cloud dots it makes contiguous) into the clock.
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
        let known = self.clock.get(dot.actor());
        if dot.counter() <= known {
            return false;
        }
        if dot.counter() == known + 1 {
            self.clock.raise(dot.actor(), dot.counter());
            self.fold_actor(dot.actor());
            return true;
        }
        match self.cloud.binary_search(&dot) {
            Ok(_) => false,
            Err(i) => {
                self.cloud.insert(i, dot);
                true
            }
        }
    }

    /// Moves the cloud dots of `actor` that now follow its clock entry into the clock.
    fn fold_actor(&mut self, actor: &A) {
        // The steady state of a replica: nothing out of order, nothing to fold.
        if self.cloud.is_empty() {
            return;
        }
        let start = self.cloud.partition_point(|d| d.actor() < actor);
        let mut known = self.clock.get(actor);
        let mut end = start;
        while let Some(d) = self.cloud.get(end)
            && d.actor() == actor
            && known.checked_add(1) == Some(d.counter())
        {
            known = d.counter();
            end += 1;
        }
        if end > start {
            self.clock.raise(actor, known);
            self.cloud.drain(start..end);
        }
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
        // The cloud is sorted, so the actor's last cloud dot (if any) is its largest,
        // and every cloud dot exceeds the clock entry.
        let end = self.cloud.partition_point(|d| d.actor() <= actor);
        match end.checked_sub(1).map(|i| &self.cloud[i]) {
            Some(d) if d.actor() == actor => d.counter(),
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

    /// Restores the canonical form: drops cloud dots the clock already covers and folds
    /// into the clock every cloud dot that directly follows its actor's entry. The set
    /// of dots represented never changes.
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
        let mut kept = 0;
        let mut i = 0;
        while i < self.cloud.len() {
            // One run of the same actor: [i, end).
            let actor = self.cloud[i].actor().clone();
            let mut end = i;
            let mut known = self.clock.get(&actor);
            let start_known = known;
            while end < self.cloud.len() && *self.cloud[end].actor() == actor {
                let c = self.cloud[end].counter();
                if c <= known {
                    // Covered by the clock: dropped.
                } else if c == known + 1 {
                    known = c;
                } else {
                    // A gap: this and every later dot of the run stay in the cloud.
                    self.cloud.swap(kept, end);
                    kept += 1;
                }
                end += 1;
            }
            if known != start_known {
                self.clock.raise(&actor, known);
            }
            i = end;
        }
        self.cloud.truncate(kept);
    }

    /// Iterates over every dot in the context, in ascending order (by actor, then
    /// counter). The clock part is expanded lazily, so this may yield a very large
    /// number of dots.
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
            clock: self.clock.iter(),
            current: None,
            cloud: self.cloud.iter().peekable(),
        }
    }
}

/// Merges two strictly sorted dot vectors into one, dropping duplicates.
fn union_sorted<A: Ord + Clone>(mine: Vec<Dot<A>>, theirs: &[Dot<A>]) -> Vec<Dot<A>> {
    let mut out = Vec::with_capacity(mine.len() + theirs.len());
    let mut mine = mine.into_iter().peekable();
    let mut theirs = theirs.iter().peekable();
    loop {
        match (mine.peek(), theirs.peek()) {
            (Some(a), Some(b)) => match (*a).cmp(*b) {
                Ordering::Less => out.extend(mine.next()),
                Ordering::Greater => out.extend(theirs.next().cloned()),
                Ordering::Equal => {
                    out.extend(mine.next());
                    theirs.next();
                }
            },
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
        let mut cloud: Vec<Dot<A>> = iter.into_iter().collect();
        cloud.sort_unstable();
        cloud.dedup();
        let mut ctx = Self {
            clock: VClock::new(),
            cloud,
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

/// Checked conversion from a clock and a cloud in canonical form: the cloud strictly
/// increasing, and each cloud dot more than one past its actor's clock entry. Nothing is
/// repaired; use [`FromIterator`] or [`DotContext::join`] to build a context from
/// arbitrary dots.
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
    clock: crate::vclock::Iter<'a, A>,
    /// The clock entry being expanded: its actor and the counters left.
    current: Option<(&'a A, RangeInclusive<u64>)>,
    cloud: core::iter::Peekable<core::slice::Iter<'a, Dot<A>>>,
}

impl<A: Ord + Clone> Iterator for Dots<'_, A> {
    type Item = Dot<A>;

    fn next(&mut self) -> Option<Dot<A>> {
        loop {
            if let Some((actor, counters)) = &mut self.current {
                // Cloud dots of earlier actors come first.
                if let Some(d) = self.cloud.next_if(|d| d.actor() < *actor) {
                    return Some(d.clone());
                }
                if let Some(counter) = counters.next() {
                    // Counters start at 1, so this never fails.
                    return Dot::new((*actor).clone(), counter).ok();
                }
                // The actor's own cloud dots follow its clock range.
                if let Some(d) = self.cloud.next_if(|d| d.actor() == *actor) {
                    return Some(d.clone());
                }
                self.current = None;
            }
            match self.clock.next() {
                Some((actor, last)) => self.current = Some((actor, 1..=last)),
                None => return self.cloud.next().cloned(),
            }
        }
    }
}

impl<A: Ord + Clone> FusedIterator for Dots<'_, A> {}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DotContext;
    use crate::dot::Dot;
    use crate::vclock::VClock;

    #[derive(Serialize)]
    #[serde(rename = "DotContext")]
    struct Encoded<'a, A> {
        clock: &'a VClock<A>,
        cloud: &'a [Dot<A>],
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(rename = "DotContext")]
    struct Decoded<A: Ord> {
        clock: VClock<A>,
        cloud: Vec<Dot<A>>,
    }

    /// Encoded as a struct with fields `clock` (see [`VClock`]) and `cloud` (a sequence
    /// of dots in ascending order).
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for DotContext<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encoded {
                clock: &self.clock,
                cloud: &self.cloud,
            }
            .serialize(serializer)
        }
    }

    /// Accepts only the canonical encoding: a valid clock and a strictly increasing
    /// cloud whose dots are neither covered by the clock nor directly after it.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord> Deserialize<'de> for DotContext<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decoded { clock, cloud } = Decoded::deserialize(deserializer)?;
            DotContext::try_from((clock, cloud)).map_err(D::Error::custom)
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
            cloud in prop::collection::vec((0_u8..3, 1_u64..8), 0..10),
            high in any::<bool>(),
        ) {
            // Optionally move everything to the top of the range.
            let lift = |c: u64| if high && c > 0 { u64::MAX - 8 + c } else { c };
            let clock: VClock<u8> = clock.into_iter().map(|(a, c)| (a, lift(c))).collect();
            let mut cloud: Vec<Dot<u8>> = cloud
                .into_iter()
                .map(|(a, c)| Dot::new(a, lift(c)).unwrap())
                .collect();
            cloud.sort_unstable();
            cloud.dedup();
            // The set before compacting, by definition: covered by the clock or listed.
            let held = |d: &Dot<u8>| clock.contains(d) || cloud.contains(d);
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
