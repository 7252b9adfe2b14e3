//! Compact per-element dot storage shared by the causal CRDTs (internal).
//!
//! A set stores each actor once, in an [`ActorTable`], and refers to it by index, so a
//! dot inside an element costs 16 bytes whatever the actor type is (a `String` actor
//! would otherwise be cloned into every element). [`Dots`] keeps the usual single dot
//! inline and spills to the heap only for elements added concurrently by several
//! replicas.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::num::NonZeroU64;

use ward_vclock::{Dot, DotContext, VClock};

/// Whether `ctx` holds the dot `(actor, counter)`, without building (cloning) the dot.
pub(crate) fn ctx_contains<A: Ord>(ctx: &DotContext<A>, actor: &A, counter: u64) -> bool {
    counter <= ctx.clock().get(actor)
        || ctx
            .cloud()
            .as_slice()
            .binary_search_by(|d| d.actor().cmp(actor).then(d.counter().cmp(&counter)))
            .is_ok()
}

/// The context holding exactly `dots`, which must be sorted strictly ascending: each
/// actor's run that starts at counter 1 becomes its clock entry, the rest its cloud.
pub(crate) fn context_of_sorted<A: Ord + Clone>(dots: Vec<Dot<A>>) -> DotContext<A> {
    let mut clock: Vec<(A, u64)> = Vec::new();
    let mut cloud: Vec<Dot<A>> = Vec::new();
    let mut rest = dots.as_slice();
    while let Some(first) = rest.first() {
        let run = rest.partition_point(|d| d.actor() == first.actor());
        let (mine, tail) = rest.split_at(run);
        // Strictly increasing counters: the clock part is where counter == index + 1.
        let prefix = mine
            .iter()
            .zip(1_u64..)
            .take_while(|(d, n)| d.counter() == *n)
            .count();
        if prefix > 0 {
            clock.push((first.actor().clone(), mine[prefix - 1].counter()));
        }
        cloud.extend_from_slice(&mine[prefix..]);
        rest = tail;
    }
    let clock: VClock<A> = clock.into_iter().collect();
    match DotContext::try_from((clock, cloud)) {
        Ok(ctx) => ctx,
        Err(_) => dots.into_iter().collect(),
    }
}

/// A dot whose actor is an index into the owning set's [`ActorTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LocalDot {
    pub(crate) actor: usize,
    pub(crate) counter: NonZeroU64,
}

/// The dots of one live element: one inline, or two or more (sorted, distinct) boxed.
///
/// Invariant: `Many` holds at least two dots, so an element with one dot always uses the
/// inline form and equal dot sets have equal representations within one table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Dots {
    One(LocalDot),
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer keeps the enum at 16 bytes; a `Box<[_]>` would make it 24"
    )]
    Many(Box<Vec<LocalDot>>),
}

impl Dots {
    /// Builds the canonical form of a sorted, duplicate-free list; `None` when empty.
    pub(crate) fn from_sorted(mut dots: Vec<LocalDot>) -> Option<Self> {
        match dots.len() {
            0 => None,
            1 => Some(Self::One(dots[0])),
            _ => {
                dots.shrink_to_fit();
                Some(Self::Many(Box::new(dots)))
            }
        }
    }

    pub(crate) fn as_slice(&self) -> &[LocalDot] {
        match self {
            Self::One(d) => core::slice::from_ref(d),
            Self::Many(ds) => ds,
        }
    }
}

/// Interned actors: `actors[i]` is the actor of every [`LocalDot`] with index `i`.
///
/// Actors are appended in first-seen order and never removed (the causal context keeps
/// every actor anyway), so indices are stable for the life of the set. `order` lists the
/// indices sorted by actor, for lookups.
#[derive(Debug, Clone)]
pub(crate) struct ActorTable<A> {
    actors: Vec<A>,
    order: Vec<usize>,
}

impl<A> ActorTable<A> {
    pub(crate) const fn new() -> Self {
        Self {
            actors: Vec::new(),
            order: Vec::new(),
        }
    }

    pub(crate) fn actor(&self, index: usize) -> &A {
        &self.actors[index]
    }

    pub(crate) fn len(&self) -> usize {
        self.actors.len()
    }

    /// Indices in actor order.
    pub(crate) fn sorted(&self) -> &[usize] {
        &self.order
    }
}

impl<A: Ord + Clone> ActorTable<A> {
    pub(crate) fn find(&self, actor: &A) -> Option<usize> {
        self.order
            .binary_search_by(|&i| self.actors[i].cmp(actor))
            .ok()
            .map(|k| self.order[k])
    }

    /// The index of `actor`, adding it if new.
    pub(crate) fn intern(&mut self, actor: &A) -> usize {
        match self.order.binary_search_by(|&i| self.actors[i].cmp(actor)) {
            Ok(k) => self.order[k],
            Err(k) => {
                let index = self.actors.len();
                self.actors.push(actor.clone());
                self.order.insert(k, index);
                index
            }
        }
    }

    pub(crate) fn local(&mut self, dot: &Dot<A>) -> LocalDot {
        LocalDot {
            actor: self.intern(dot.actor()),
            counter: dot.counter_nonzero(),
        }
    }

    pub(crate) fn resolve(&self, dot: LocalDot) -> Dot<A> {
        Dot::from_nonzero(self.actors[dot.actor].clone(), dot.counter)
    }

    /// Compares two local dots of (possibly) different tables by their real dots.
    pub(crate) fn cmp_across(&self, a: LocalDot, other: &Self, b: LocalDot) -> Ordering {
        self.actors[a.actor]
            .cmp(&other.actors[b.actor])
            .then(a.counter.cmp(&b.counter))
    }
}

/// A causal context seen through one actor table: answers "does the context hold this
/// local dot?" without actor comparisons.
///
/// The dense form holds an array entry per actor of the table (array lookups; built in
/// `O(actors)`), for merges of whole states. The sparse form holds only the given actors
/// (binary searches; built in `O(k log actors)` for `k` actors), so merging a small
/// delta costs in proportion to the delta, not to the actors the set has heard of.
#[derive(Debug)]
pub(crate) enum Probe {
    Dense {
        /// Clock entry of each table index.
        clock: Vec<u64>,
        /// Cloud dots whose actor is in the table, as sorted `(index, counter)` pairs.
        cloud: Vec<(usize, u64)>,
        /// Per table index, the smallest and largest counter of its cloud dots (`(MAX,
        /// 0)` when it has none), so most lookups never search the cloud.
        cloud_span: Vec<(u64, u64)>,
    },
    Sparse {
        /// `(index, clock entry)` of the chosen actors, sorted by index.
        clock: Vec<(usize, u64)>,
        /// Their cloud dots as sorted `(index, counter)` pairs.
        cloud: Vec<(usize, u64)>,
    },
}

impl Probe {
    /// Builds the dense probe of `ctx` for every actor of `table`.
    pub(crate) fn new<A: Ord + Clone>(ctx: &DotContext<A>, table: &ActorTable<A>) -> Self {
        let mut clock = alloc::vec![0; table.len()];
        // Both sequences are sorted by actor: walk them together.
        let mut entries = ctx.clock().iter().peekable();
        for &i in table.sorted() {
            let actor = table.actor(i);
            while let Some((a, n)) = entries.peek() {
                match (*a).cmp(actor) {
                    Ordering::Less => {
                        entries.next();
                    }
                    Ordering::Equal => {
                        clock[i] = *n;
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
        }
        let mut cloud: Vec<(usize, u64)> = ctx
            .cloud()
            .filter_map(|d| table.find(d.actor()).map(|i| (i, d.counter())))
            .collect();
        cloud.sort_unstable();
        let mut cloud_span = alloc::vec![(u64::MAX, 0); table.len()];
        for &(i, c) in &cloud {
            let span = &mut cloud_span[i];
            *span = (span.0.min(c), span.1.max(c));
        }
        Self::Dense {
            clock,
            cloud,
            cloud_span,
        }
    }

    /// Builds the sparse probe of `ctx` for the table indices `indices` (sorted,
    /// distinct). It answers correctly only for dots of those actors.
    pub(crate) fn sparse<A: Ord + Clone>(
        ctx: &DotContext<A>,
        table: &ActorTable<A>,
        indices: &[usize],
    ) -> Self {
        let all_cloud = ctx.cloud().as_slice();
        let mut clock = Vec::with_capacity(indices.len());
        let mut cloud = Vec::new();
        for &i in indices {
            let actor = table.actor(i);
            let n = ctx.clock().get(actor);
            if n > 0 {
                clock.push((i, n));
            }
            let start = all_cloud.partition_point(|d| d.actor() < actor);
            cloud.extend(
                all_cloud[start..]
                    .iter()
                    .take_while(|d| d.actor() == actor)
                    .map(|d| (i, d.counter())),
            );
        }
        cloud.sort_unstable();
        Self::Sparse { clock, cloud }
    }

    /// How many entries the probe holds (for tests of its cost).
    #[cfg(test)]
    pub(crate) fn footprint(&self) -> usize {
        match self {
            Self::Dense {
                clock,
                cloud,
                cloud_span,
            } => clock.len() + cloud.len() + cloud_span.len(),
            Self::Sparse { clock, cloud } => clock.len() + cloud.len(),
        }
    }

    #[inline]
    pub(crate) fn contains(&self, dot: LocalDot) -> bool {
        let counter = dot.counter.get();
        match self {
            Self::Dense {
                clock,
                cloud,
                cloud_span,
            } => {
                if counter <= clock[dot.actor] {
                    return true;
                }
                let (low, high) = cloud_span[dot.actor];
                low <= counter
                    && counter <= high
                    && cloud.binary_search(&(dot.actor, counter)).is_ok()
            }
            Self::Sparse { clock, cloud } => {
                if let Ok(k) = clock.binary_search_by_key(&dot.actor, |e| e.0)
                    && counter <= clock[k].1
                {
                    return true;
                }
                !cloud.is_empty() && cloud.binary_search(&(dot.actor, counter)).is_ok()
            }
        }
    }
}
