//! Anti-entropy: the delta a peer needs, given the version vector it has seen
//! (`delta_since`) or its digest (`delta_for`, the optimal delta), and fingerprints.

use alloc::vec::Vec;
use core::hash::{Hash, Hasher};

use ward_vclock::{Dot, DotContext, DotRange, VClock};

use super::{Entry, OrSet};
use crate::dots::{ActorTable, Dots, LocalDot, context_of_sorted};
use crate::error::DecodeError;

impl<E: Ord, A: Ord + Clone> OrSet<E, A> {
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
    /// a.remove(&7)?;
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
        let probe = self.actors.probe(&DotContext::from(seen.clone()));
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
        for dot in self.ctx.cloud().flat_map(DotRange::dots) {
            let hole = holes_of(dot.actor())
                .binary_search_by(|h| h.1.cmp(&dot.counter()))
                .is_ok();
            if !hole {
                cloud.push(dot);
                if cloud.len() > budget {
                    return None;
                }
            }
        }
        if cloud.len() > budget {
            return None;
        }
        cloud.sort_unstable();
        let clock: VClock<A> = clock.into_iter().collect();
        DotContext::try_from((clock, cloud)).ok()
    }
}

/// What a replica tells a peer about its [`OrSet`] so that the peer can compute the
/// optimal delta for it ([`OrSet::delta_for`]): its causal context and its live dots,
/// without any element.
///
/// Both are [`DotContext`]s, so a set without removals costs one counter per actor
/// twice. In the live part, removed dots are the gaps: the live dots after an actor's
/// first gap go to the cloud, one run per stretch of consecutive live dots.
///
/// # Examples
///
/// ```
/// use ward_crdt::{OrSet, Replica};
///
/// let mut a = Replica::new("a", OrSet::new());
/// a.add(1)?;
/// a.add(2)?;
/// a.remove(&1)?;
/// let digest = a.state().digest();
/// assert_eq!(digest.context().clock().get(&"a"), 2);
/// assert_eq!(digest.live().dots().count(), 1);
/// # Ok::<(), ward_crdt::ReplicaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest<A> {
    context: DotContext<A>,
    live: DotContext<A>,
}

impl<A> Digest<A> {
    /// Every dot the set has seen, live or removed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::OrSet;
    ///
    /// assert!(OrSet::<u8, char>::new().digest().context().is_empty());
    /// ```
    pub fn context(&self) -> &DotContext<A> {
        &self.context
    }

    /// The dots the set's elements carry now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::OrSet;
    ///
    /// assert!(OrSet::<u8, char>::new().digest().live().is_empty());
    /// ```
    pub fn live(&self) -> &DotContext<A> {
        &self.live
    }

    /// Splits the digest into its context and its live dots.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::OrSet;
    ///
    /// let (context, live) = OrSet::<u8, char>::new().digest().into_parts();
    /// assert!(context.is_empty() && live.is_empty());
    /// ```
    pub fn into_parts(self) -> (DotContext<A>, DotContext<A>) {
        (self.context, self.live)
    }
}

/// Builds a digest from its context and live dots, checking that every live dot is in
/// the context.
///
/// # Errors
///
/// [`DecodeError::DotOutsideContext`] (with index 0) for a live dot the context lacks.
impl<A: Ord + Clone> TryFrom<(DotContext<A>, DotContext<A>)> for Digest<A> {
    type Error = DecodeError;

    fn try_from((context, live): (DotContext<A>, DotContext<A>)) -> Result<Self, DecodeError> {
        // Run by run: a context of a few bytes may hold `1..=u64::MAX` of one actor.
        if !live.is_subset(&context) {
            let outside = live
                .ranges()
                .iter()
                .find_map(|run| live.first_dot_outside(&context, run.actor()));
            return Err(DecodeError::DotOutsideContext {
                index: 0,
                counter: outside.map_or(0, |d| d.counter()),
            });
        }
        Ok(Self { context, live })
    }
}

impl<E: Ord, A: Ord + Clone> OrSet<E, A> {
    /// This set's [`Digest`]: what a peer needs to compute [`delta_for`](OrSet::delta_for)
    /// this set.
    ///
    /// Cost: one pass over the elements plus sorting their dots.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// a.add("x")?;
    /// assert_eq!(a.state().digest().live(), a.state().context());
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn digest(&self) -> Digest<A> {
        let mut live: Vec<Dot<A>> = self
            .entries
            .iter()
            .flat_map(|e| e.dots.as_slice())
            .map(|&d| self.actors.resolve(d))
            .collect();
        live.sort_unstable();
        Digest {
            context: self.ctx.clone(),
            live: context_of_sorted(live),
        }
    }

    /// The optimal delta `Δ(self, peer)` for the peer whose [`Digest`] is `peer`: the
    /// join of exactly those parts of this state that the peer's state is not already
    /// above (Enes, Almeida, Baquero, Leitão, *Efficient Synchronization of State-based
    /// CRDTs*).
    ///
    /// For an OR-set the irreducible parts are an element with one live dot, and a
    /// removed dot. The delta holds:
    ///
    /// - every live dot here that the peer has never seen, with its element;
    /// - every dot removed here that the peer has never seen, or still holds live.
    ///
    /// So `peer ⊔ Δ == peer ⊔ self`, `Δ ≤ self`, and `Δ` is the empty (bottom) state
    /// exactly when the peer already has everything this state has: equal replicas
    /// send nothing. Unlike [`delta_since`](OrSet::delta_since), live dots the peer has
    /// removed and removals the peer has applied are never re-sent.
    ///
    /// Cost: `O(n log n)` in this set's live dots, plus `O(log n)` for each run (a
    /// range of consecutive counters of one actor) of the removals to send and of the
    /// peer's live dots this set has seen; the length of a run does not count.
    /// Assumes no dot is spent twice (on two elements), which
    /// [`Replica::merge`](crate::Replica::merge) refuses.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// for x in 0..100 {
    ///     a.add(x)?;
    /// }
    /// for x in 0..60 {
    ///     a.remove(&x)?;
    /// }
    /// b.merge(a.state())?;
    /// // Equal peers: nothing to send, although much was removed.
    /// assert_eq!(a.state().delta_for(&b.state().digest()), OrSet::new());
    ///
    /// a.remove(&99)?;
    /// a.add(100)?;
    /// let delta = a.state().delta_for(&b.state().digest());
    /// assert_eq!(delta.iter().collect::<Vec<_>>(), [&100]);
    /// assert_eq!(delta.context().dots().count(), 2); // the new dot and the removed one
    /// b.merge(&delta)?;
    /// assert_eq!(b.state(), a.state());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn delta_for(&self, peer: &Digest<A>) -> Self
    where
        E: Clone,
    {
        let mut live_here: Vec<(usize, u64)> = self
            .entries
            .iter()
            .flat_map(|e| e.dots.as_slice())
            .map(|d| (d.actor, d.counter.get()))
            .collect();
        live_here.sort_unstable();
        let counters: Vec<u64> = live_here.iter().map(|&(_, c)| c).collect();
        let span = |actor: &A| match self.actors.find(actor) {
            Some(i) => {
                live_here.partition_point(|&(a, _)| a < i)
                    ..live_here.partition_point(|&(a, _)| a <= i)
            }
            None => 0..0,
        };
        let seen_by_peer = |actor: &A, counter: u64| peer.context.contains_event(actor, counter);

        let mut actors = ActorTable::new();
        let mut entries = Vec::new();
        let mut ctx: Vec<Dot<A>> = Vec::new();
        for entry in &self.entries {
            let mut unseen: Vec<LocalDot> = Vec::new();
            for &d in entry.dots.as_slice() {
                let actor = self.actors.actor(d.actor);
                if !seen_by_peer(actor, d.counter.get()) {
                    let dot = self.actors.resolve(d);
                    unseen.push(actors.local(&dot));
                    ctx.push(dot);
                }
            }
            unseen.sort_unstable();
            if let Some(dots) = Dots::from_sorted(unseen) {
                entries.push(Entry {
                    elem: entry.elem.clone(),
                    dots,
                });
            }
        }
        let mut ranges: Vec<DotRange<A>> = ctx.into_iter().map(DotRange::from).collect();
        removals_for(&self.ctx, peer, &counters, span, &mut ranges);
        Self {
            entries,
            actors,
            ctx: ranges.into_iter().collect(),
        }
    }

    /// A 64-bit fingerprint of the whole state, for the cheap first step of
    /// anti-entropy: peers exchange fingerprints and stop when they are equal, and only
    /// otherwise exchange [`Digest`]s and [`delta_for`](OrSet::delta_for) deltas.
    ///
    /// Equal states have equal fingerprints. Different states collide with probability
    /// about 2⁻⁶⁴ for unrelated states; it is FNV-1a over the state's [`Hash`], not a
    /// cryptographic hash, so do not rely on it against an adversary. It depends on the
    /// `Hash` implementations of `E` and `A`, so compare fingerprints only between
    /// builds that hash those types alike (the same crate versions and pointer width).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{Lattice, OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut b = Replica::new("b", OrSet::new());
    /// a.add(1)?;
    /// assert_ne!(a.state().fingerprint(), b.state().fingerprint());
    /// b.merge(a.state())?;
    /// assert_eq!(a.state().fingerprint(), b.state().fingerprint());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn fingerprint(&self) -> u64
    where
        E: Hash,
        A: Hash,
    {
        let mut hasher = Fnv1a(0xcbf2_9ce4_8422_2325);
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// Adds to `out` the dots of `ctx` that are removed here and that the peer never saw or
/// still holds live, as runs: the removals an optimal delta must carry. The live dots here
/// of an actor are `counters[span(actor)]`, ascending.
///
/// It works run by run: each run looks up where its live dots start (`O(log n)`) and
/// walks only those inside it, so the cost follows the number of runs plus the live
/// dots, never the length of a run (a context may hold `1..=u64::MAX` of one actor in a
/// few bytes) nor runs times live dots.
pub(crate) fn removals_for<A: Ord + Clone>(
    ctx: &DotContext<A>,
    peer: &Digest<A>,
    counters: &[u64],
    span: impl Fn(&A) -> core::ops::Range<usize>,
    out: &mut Vec<DotRange<A>>,
) {
    // Removed here and never seen by the peer; removed here, still live at the peer.
    let unseen = ctx.difference(&peer.context);
    let live_there = peer.live.intersection(ctx).ranges();
    for run in unseen.iter().chain(&live_there) {
        let (actor, first, last) = (run.actor(), run.first(), run.last());
        let here = &counters[span(actor)];
        let start = here.partition_point(|&c| c < first);
        let mut next = Some(first);
        for &c in here[start..].iter().take_while(|&&c| c <= last) {
            let Some(from) = next else { break };
            if c > from {
                out.push(DotRange::new(actor.clone(), from, c - 1).expect("1 <= from < c"));
            }
            next = c.checked_add(1);
        }
        if let Some(from) = next
            && from <= last
        {
            out.push(DotRange::new(actor.clone(), from, last).expect("1 <= from <= last"));
        }
    }
}

impl<A: Ord + Clone> Digest<A> {
    /// A digest from a context and the live dots inside it (sorted, unique).
    pub(crate) fn from_live(context: DotContext<A>, live: Vec<Dot<A>>) -> Self {
        Self {
            context,
            live: context_of_sorted(live),
        }
    }
}

/// The 64-bit FNV-1a hash (Fowler, Noll, Vo): deterministic, no keys, no allocation.
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use ward_vclock::DotContext;

    use super::Digest;

    #[derive(Serialize)]
    struct Encode<'a, A> {
        context: &'a DotContext<A>,
        live: &'a DotContext<A>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(deserialize = "A: Deserialize<'de> + Ord"))]
    struct Decode<A> {
        context: DotContext<A>,
        live: DotContext<A>,
    }

    /// Encoded as `{"context": {...}, "live": {...}}`, both as `DotContext` encodes.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize> Serialize for Digest<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                context: &self.context,
                live: &self.live,
            }
            .serialize(serializer)
        }
    }

    /// Validates like `TryFrom<(DotContext<A>, DotContext<A>)>`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord + Clone> Deserialize<'de> for Digest<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decode { context, live } = Decode::deserialize(deserializer)?;
            Digest::try_from((context, live)).map_err(D::Error::custom)
        }
    }
}
