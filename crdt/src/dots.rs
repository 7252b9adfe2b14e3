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

use ward_vclock::{ContextProbe, Dot, DotContext, VClock};

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

    /// The dense probe of `ctx` over the whole table (per-index arrays, built in
    /// `O(actors + context)`), for joins of whole states.
    pub(crate) fn probe(&self, ctx: &DotContext<A>) -> Probe {
        let by_actor = self.order.iter().map(|&i| (i, &self.actors[i]));
        Probe(
            ContextProbe::dense(ctx, self.actors.len(), by_actor)
                .expect("an actor table lists each index once, in actor order"),
        )
    }

    /// The sparse probe of `ctx` for the table indices `indices` (distinct): it answers
    /// only for dots of those actors, and costs in proportion to them.
    pub(crate) fn probe_sparse(&self, ctx: &DotContext<A>, indices: &[usize]) -> Probe {
        let chosen = indices.iter().map(|&i| (i, &self.actors[i]));
        Probe(ContextProbe::sparse(ctx, chosen).expect("distinct table indices"))
    }

    /// Compares two local dots of (possibly) different tables by their real dots.
    pub(crate) fn cmp_across(&self, a: LocalDot, other: &Self, b: LocalDot) -> Ordering {
        self.actors[a.actor]
            .cmp(&other.actors[b.actor])
            .then(a.counter.cmp(&b.counter))
    }
}

/// A causal context seen through one actor table (`ward-vclock`'s [`ContextProbe`]),
/// asked with this crate's [`LocalDot`]s.
#[derive(Debug)]
pub(crate) struct Probe(ContextProbe);

impl Probe {
    /// How many entries the probe holds (for tests of its cost).
    #[cfg(test)]
    pub(crate) fn footprint(&self) -> usize {
        self.0.footprint()
    }

    #[inline]
    pub(crate) fn contains(&self, dot: LocalDot) -> bool {
        self.0.contains(dot.actor, dot.counter.get())
    }
}
