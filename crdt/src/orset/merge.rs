//! The causal join of two sets: one linear merge-join over the sorted elements.

use alloc::vec::Vec;
use core::cmp::Ordering;

use super::{Entry, OrSet};
use crate::dots::{Dots, LocalDot, Probe};
use crate::lattice::Lattice;

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
        if self.ctx.is_empty() {
            // Nothing here can remove or shadow anything there.
            self.clone_from(other);
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
