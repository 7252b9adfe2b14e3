//! Anti-entropy: the delta a peer needs, given the version vector it has seen.

use alloc::vec::Vec;

use ward_vclock::{Dot, DotContext, VClock};

use super::{Entry, OrSet};
use crate::dots::{Dots, Probe};

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
}
