//! The causal join of two sets: one linear merge-join over the sorted elements.

use alloc::vec::Vec;
use core::cmp::Ordering;

use ward_vclock::{DotContext, DotRange};

use super::{Entry, OrSet};
use crate::dots::{Dots, LocalDot, Probe};
use crate::lattice::Lattice;

/// Outcome of merging one element's dots.
enum Joined {
    Unchanged,
    Replace(Dots),
    Removed,
}

/// A merge visits every element of the receiving set at most once; when the incoming
/// state has at most `1 / SPARSE_RATIO` as many elements, its elements are located by
/// binary search instead of a merge-join, and the receiving side is only scanned for dots
/// the incoming context covers.
const SPARSE_RATIO: usize = 4;

/// A sparse join checks an incoming context of at most this many dots one by one to
/// prove that no element outside the incoming state is affected; a larger context
/// makes it scan the whole set instead.
const SCAN_FREE_DOTS: usize = 32;

/// The sparse probes are used when the incoming state names at most `1 / SPARSE_ACTORS`
/// as many actors as this set knows.
const SPARSE_ACTORS: usize = 8;

/// At most this many insertions and removals are applied in place (moving the tail of
/// the vector); more rebuild the vector once, with exact capacity.
const IN_PLACE_EDITS: usize = 16;

impl<E: Ord + Clone, A: Ord + Clone> Lattice for OrSet<E, A> {
    fn merge(&mut self, other: &Self) {
        if other.ctx.is_empty() {
            // The bottom state (entries are always inside the context).
            return;
        }
        if self.ctx.is_empty() {
            // Nothing here can remove or shadow anything there.
            self.clone_from(other);
            return;
        }
        let sparse = other.entries.len() * SPARSE_RATIO <= self.entries.len();
        self.merge_with(other, sparse);
    }
}

impl<E: Ord + Clone, A: Ord + Clone> OrSet<E, A> {
    /// The join, by merge-join (`sparse == false`) or by lookups (`sparse == true`);
    /// both give the same state.
    fn merge_with(&mut self, other: &Self, sparse: bool) {
        let join = self.prepare(other);
        self.merge_prepared(other, &join, sparse);
    }

    fn merge_prepared(&mut self, other: &Self, join: &Join, sparse: bool) {
        let (removed, inserted) = if sparse {
            self.join_sparse(other, join)
        } else {
            self.join_dense(other, join)
        };
        self.splice(removed, inserted);
        self.join_context(&other.ctx);
    }

    /// Interns the incoming actors and builds the probes of both contexts: dense
    /// (per-actor arrays) for a large incoming state, sparse (only the incoming actors)
    /// when it names few actors compared with the ones this set knows.
    fn prepare(&mut self, other: &Self) -> Join {
        let remap: Vec<usize> = (0..other.actors.len())
            .map(|i| self.actors.intern(other.actors.actor(i)))
            .collect();
        let named = other.ctx.clock().len() + other.ctx.cloud().len();
        let sparse = named.saturating_mul(SPARSE_ACTORS) <= self.actors.len();
        self.probes(other, remap, sparse)
    }

    /// The probes of [`prepare`](Self::prepare), in the chosen form.
    fn probes(&self, other: &Self, remap: Vec<usize>, sparse: bool) -> Join {
        if !sparse {
            return Join {
                theirs: self.actors.probe(&other.ctx),
                ours: self.actors.probe(&self.ctx),
                remap,
            };
        }
        // The incoming context's actors that this set's table knows: the only actors
        // whose dots are looked up in either context (the incoming elements' dots are
        // inside the incoming context, and this set's dots outside those actors are
        // not in it).
        let mut in_context: Vec<usize> = other
            .ctx
            .clock()
            .iter()
            .map(|(a, _)| a)
            .chain(other.ctx.cloud().map(DotRange::actor))
            .filter_map(|a| self.find_incoming(other, a, &remap))
            .collect();
        in_context.sort_unstable();
        in_context.dedup();
        Join {
            theirs: self.actors.probe_sparse(&other.ctx, &in_context),
            ours: self.actors.probe_sparse(&self.ctx, &in_context),
            remap,
        }
    }

    /// This set's index of an actor named by `other`: through `other`'s (small) table
    /// and `remap` when it is there, else by searching this set's table.
    fn find_incoming(&self, other: &Self, actor: &A, remap: &[usize]) -> Option<usize> {
        match other.actors.find(actor) {
            Some(j) => Some(remap[j]),
            None => self.actors.find(actor),
        }
    }

    /// Joins the incoming context into this set's: run by run when it holds only a few
    /// runs (a delta), which costs one binary search each, instead of a pass over every
    /// actor.
    fn join_context(&mut self, other: &DotContext<A>) {
        if other.clock().len() + other.cloud().len() <= SCAN_FREE_DOTS {
            for (actor, n) in other.clock().iter() {
                if let Ok(prefix) = DotRange::new(actor.clone(), 1, n) {
                    self.ctx.insert_range(prefix);
                }
            }
            for run in other.cloud() {
                self.ctx.insert_range(run.clone());
            }
        } else {
            self.ctx.join(other);
        }
    }
}

/// What one merge needs to compare dots across the two sets, in this set's numbering.
struct Join {
    /// The incoming context.
    theirs: Probe,
    /// This set's context before the merge.
    ours: Probe,
    /// Incoming actor index to this set's actor index.
    remap: Vec<usize>,
}

impl Join {
    #[inline]
    fn to_ours(&self, d: LocalDot) -> LocalDot {
        LocalDot {
            actor: self.remap[d.actor],
            counter: d.counter,
        }
    }

    /// The dots of an incoming element this set does not hold, minus those this set has
    /// seen (and so removed), in this set's numbering.
    fn unseen_here(&self, dots: &Dots) -> Option<Dots> {
        match dots {
            Dots::One(d) => {
                let d = self.to_ours(*d);
                (!self.ours.contains(d)).then_some(Dots::One(d))
            }
            Dots::Many(ds) => {
                let kept: Vec<LocalDot> = ds
                    .iter()
                    .map(|&d| self.to_ours(d))
                    .filter(|&d| !self.ours.contains(d))
                    .collect();
                Dots::from_sorted(sorted(kept))
            }
        }
    }
}

/// Removed positions (ascending) and insertions (ascending by position).
type Edits<E> = (Vec<usize>, Vec<(usize, Entry<E>)>);

impl<E: Ord + Clone, A: Ord + Clone> OrSet<E, A> {
    /// One merge-join pass over both sorted entry lists.
    fn join_dense(&mut self, other: &Self, join: &Join) -> Edits<E> {
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
                    match keep_unseen(&entry.dots, &join.theirs) {
                        Joined::Unchanged => {}
                        Joined::Replace(dots) => entry.dots = dots,
                        Joined::Removed => removed.push(i),
                    }
                    i += 1;
                }
                Ordering::Greater => {
                    // Only there: take the dots this side has not seen.
                    let entry = &other.entries[j];
                    if let Some(dots) = join.unseen_here(&entry.dots) {
                        let elem = entry.elem.clone();
                        inserted.push((i, Entry { elem, dots }));
                    }
                    j += 1;
                }
                Ordering::Equal => {
                    let entry = &mut self.entries[i];
                    match join_dots(&entry.dots, &other.entries[j].dots, join) {
                        Joined::Unchanged => {}
                        Joined::Replace(dots) => entry.dots = dots,
                        Joined::Removed => removed.push(i),
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        (removed, inserted)
    }

    /// For a small incoming state (a delta): binary search for each incoming element,
    /// then one tight scan of this set for dots the incoming context covers.
    fn join_sparse(&mut self, other: &Self, join: &Join) -> Edits<E> {
        let mut removed: Vec<usize> = Vec::new();
        let mut inserted: Vec<(usize, Entry<E>)> = Vec::new();
        let mut matched: Vec<usize> = Vec::new();
        // The dots the matched elements held before the join, in this set's numbering.
        let mut matched_dots: Vec<LocalDot> = Vec::new();
        for entry in &other.entries {
            match self.position(&entry.elem) {
                Ok(i) => {
                    matched.push(i);
                    let mine = &mut self.entries[i];
                    matched_dots.extend_from_slice(mine.dots.as_slice());
                    match join_dots(&mine.dots, &entry.dots, join) {
                        Joined::Unchanged => {}
                        Joined::Replace(dots) => mine.dots = dots,
                        Joined::Removed => removed.push(i),
                    }
                }
                Err(i) => {
                    if let Some(dots) = join.unseen_here(&entry.dots) {
                        let elem = entry.elem.clone();
                        inserted.push((i, Entry { elem, dots }));
                    }
                }
            }
        }
        if !self.may_cover_unmatched(other, &matched_dots, join) {
            return (removed, inserted);
        }
        // Every other element of this set keeps only the dots the incoming context has
        // not seen. `matched` is ascending because the incoming entries are sorted.
        let mut matched = matched.into_iter().peekable();
        for (i, entry) in self.entries.iter_mut().enumerate() {
            let covered = match &entry.dots {
                Dots::One(d) => join.theirs.contains(*d),
                Dots::Many(ds) => ds.iter().any(|d| join.theirs.contains(*d)),
            };
            if matched.next_if_eq(&i).is_some() || !covered {
                continue;
            }
            match keep_unseen(&entry.dots, &join.theirs) {
                Joined::Unchanged => {}
                Joined::Replace(dots) => entry.dots = dots,
                Joined::Removed => removed.push(i),
            }
        }
        removed.sort_unstable();
        (removed, inserted)
    }

    /// Whether the incoming context may cover a dot of an element the incoming state
    /// does not carry, so that the sparse join must scan the whole set.
    ///
    /// Such a dot is live here, so it is in this set's context, and it is not one of
    /// the matched elements' dots (a dot belongs to one element). A small incoming
    /// context is checked dot by dot: a delta that adds new elements or re-adds ones
    /// held here names no other dot this set has seen, and then merging it costs a few
    /// binary searches instead of a pass over every element. A removal names the dots
    /// it removes, so it still scans; so does any context of more than
    /// [`SCAN_FREE_DOTS`] dots.
    fn may_cover_unmatched(&self, other: &Self, matched_dots: &[LocalDot], join: &Join) -> bool {
        for (n, dot) in other.ctx.dots().enumerate() {
            if n == SCAN_FREE_DOTS {
                return true;
            }
            let Some(actor) = self.find_incoming(other, dot.actor(), &join.remap) else {
                continue;
            };
            let local = LocalDot {
                actor,
                counter: dot.counter_nonzero(),
            };
            if join.ours.contains(local) && !matched_dots.contains(&local) {
                return true;
            }
        }
        false
    }
}

/// Sorts a short list of local dots (they are distinct by construction).
fn sorted(mut dots: Vec<LocalDot>) -> Vec<LocalDot> {
    dots.sort_unstable();
    dots
}

/// The dots of an element only one side holds, minus those the other side has seen.
#[inline]
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
fn join_dots(mine: &Dots, other: &Dots, join: &Join) -> Joined {
    if let (Dots::One(a), Dots::One(b)) = (mine, other)
        && *a == join.to_ours(*b)
    {
        return Joined::Unchanged;
    }
    let their_dots: Vec<LocalDot> = other.as_slice().iter().map(|&d| join.to_ours(d)).collect();
    let mine = mine.as_slice();
    let mut out: Vec<LocalDot> = mine
        .iter()
        .copied()
        .filter(|d| their_dots.contains(d) || !join.theirs.contains(*d))
        .collect();
    out.extend(
        their_dots
            .iter()
            .copied()
            .filter(|d| !mine.contains(d) && !join.ours.contains(*d)),
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
        if !inserted.is_empty() && removed.len() + inserted.len() <= IN_PLACE_EDITS {
            // Few edits: apply them from the back, so earlier positions stay valid. At
            // one position the removal goes first; the insertion then takes its place.
            let mut gone = removed.into_iter().rev().peekable();
            let mut new = inserted.into_iter().rev().peekable();
            // Amortised growth: a stream of single-element deltas must not reallocate
            // (and copy) the whole vector on every insertion, as an exact reserve would.
            self.entries.reserve(new.len().saturating_sub(gone.len()));
            loop {
                let next_gone = gone.peek().copied();
                let next_new = new.peek().map(|(at, _)| *at);
                match (next_gone, next_new) {
                    (Some(g), Some(at)) if g >= at => {
                        self.entries.remove(g);
                        gone.next();
                    }
                    (_, Some(at)) => {
                        let (_, entry) = new.next().expect("peeked");
                        self.entries.insert(at, entry);
                    }
                    (Some(g), None) => {
                        self.entries.remove(g);
                        gone.next();
                    }
                    (None, None) => break,
                }
            }
            return;
        }
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

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use crate::lattice::Lattice;
    use crate::orset::OrSet;

    /// Deterministic pseudo-random histories (xorshift), so the test needs no RNG crate.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    #[test]
    fn only_deltas_naming_other_seen_dots_scan_the_set() {
        let mut a = OrSet::<u32, u8>::new();
        for x in 0..10 {
            a.add(&1, x).unwrap();
        }
        let mut b = a.clone();
        let scans = |a: &OrSet<u32, u8>, delta: &OrSet<u32, u8>| {
            let mut a = a.clone();
            let join = a.prepare(delta);
            let matched: Vec<_> = delta
                .entries
                .iter()
                .filter_map(|e| a.entries.iter().find(|m| m.elem == e.elem))
                .flat_map(|m| m.dots.as_slice().to_vec())
                .collect();
            a.may_cover_unmatched(delta, &matched, &join)
        };
        // A new element, a re-add of a held one (its superseded dot is the matched
        // element's), and the same delta twice: no scan.
        let new = b.add(&2, 100).unwrap();
        assert!(!scans(&a, &new));
        let readd = b.add(&2, 5).unwrap();
        assert_eq!(readd.ctx.dots().count(), 2);
        assert!(!scans(&a, &readd));
        a.merge(&new);
        assert!(!scans(&a, &new));
        // A removal, and a re-add of an element removed here (its old dot names nothing
        // live, but only a scan can tell): scan.
        let remove = b.remove(&3).unwrap();
        assert!(scans(&a, &remove));
        a.remove(&7).unwrap();
        let readd_removed = b.add(&2, 7).unwrap();
        assert!(scans(&a, &readd_removed));
        // A context too large to check dot by dot, even of dots never seen here: scan.
        let mut c = OrSet::<u32, u8>::new();
        for x in 200..200 + super::SCAN_FREE_DOTS as u32 {
            c.add(&9, x).unwrap();
        }
        assert!(!scans(&a, &c));
        c.add(&9, 999).unwrap();
        assert!(scans(&a, &c));
    }

    /// Merging a one-element add into a set that knows many actors used to build
    /// per-actor arrays for both contexts (480 KB at 10,000 actors): the work must follow
    /// the delta.
    #[test]
    fn regression_small_delta_merge_probes_only_the_delta_actors() {
        let mut receiver = OrSet::<u64, u64>::new();
        for actor in 0..10_000 {
            let mut writer = OrSet::new();
            receiver.merge(&writer.add(&actor, actor).unwrap());
        }
        let mut writer = receiver.clone();
        let delta = writer.add(&7, 1_000_000).unwrap();
        let join = receiver.prepare(&delta);
        assert!(join.theirs.footprint() <= 4, "{}", join.theirs.footprint());
        assert!(join.ours.footprint() <= 4, "{}", join.ours.footprint());
        receiver.merge(&delta);
        assert_eq!(receiver, writer);
    }

    #[test]
    fn sparse_and_dense_joins_agree() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200 {
            let mut replicas: Vec<OrSet<u8, u8>> = (0..3).map(|_| OrSet::new()).collect();
            let mut pool: Vec<OrSet<u8, u8>> = Vec::new();
            for _ in 0..40 {
                let r = rng.below(3) as usize;
                let e = rng.below(24) as u8;
                match rng.below(4) {
                    0 | 1 => pool.push(replicas[r].add(&(r as u8), e).unwrap()),
                    2 => pool.push(replicas[r].remove(&e).unwrap_or_default()),
                    _ => {
                        let from = replicas[rng.below(3) as usize].clone();
                        replicas[r].merge(&from);
                    }
                }
            }
            pool.extend(replicas);
            for x in &pool {
                for y in &pool {
                    if x.ctx.is_empty() || y.ctx.is_empty() {
                        continue;
                    }
                    let mut dense = x.clone();
                    dense.merge_with(y, false);
                    let mut sparse = x.clone();
                    sparse.merge_with(y, true);
                    assert_eq!(dense, sparse, "{x:?} ⊔ {y:?}");
                    assert!(dense.entries.windows(2).all(|w| w[0].elem < w[1].elem));
                    // The sparse probes (only the incoming actors) give the same join
                    // as the per-actor arrays, with either join strategy.
                    for lookups in [false, true] {
                        let mut probed = x.clone();
                        let remap: Vec<usize> = (0..y.actors.len())
                            .map(|i| probed.actors.intern(y.actors.actor(i)))
                            .collect();
                        let join = probed.probes(y, remap, true);
                        probed.merge_prepared(y, &join, lookups);
                        assert_eq!(dense, probed, "{x:?} ⊔ {y:?} with sparse probes");
                    }
                }
            }
        }
    }
}
