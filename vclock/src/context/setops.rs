//! Set operations on causal contexts, as ranges of dots where results can be large.

use alloc::vec::Vec;

use super::DotContext;
use crate::dot::Dot;
use crate::range::DotRange;

impl<A: Ord + Clone> DotContext<A> {
    /// The cloud dots of `actor`, in ascending order.
    fn cloud_of(&self, actor: &A) -> &[Dot<A>] {
        let start = self.cloud.partition_point(|d| d.actor() < actor);
        let end = start + self.cloud[start..].partition_point(|d| d.actor() == actor);
        &self.cloud[start..end]
    }

    /// Every dot of the context as maximal ranges of consecutive dots, in ascending
    /// order (by actor, then counter): one range per actor for its contiguous prefix,
    /// then one per run of consecutive cloud dots. The number of ranges is at most the
    /// number of clock entries plus cloud dots, however many dots they hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext, DotRange};
    ///
    /// let ctx: DotContext<char> = [1, 2, 5, 6, 9].into_iter().map(|c| Dot::new('a', c)).collect::<Result<_, _>>()?;
    /// assert_eq!(
    ///     ctx.ranges(),
    ///     [DotRange::new('a', 1, 2)?, DotRange::new('a', 5, 6)?, DotRange::new('a', 9, 9)?],
    /// );
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn ranges(&self) -> Vec<DotRange<A>> {
        let mut out: Vec<DotRange<A>> = Vec::new();
        for actor in self.actors() {
            self.push_ranges_of(actor, &mut out);
        }
        out
    }

    /// The actors with at least one dot, in ascending order.
    fn actors(&self) -> Vec<&A> {
        let mut actors: Vec<&A> = self.clock.iter().map(|(a, _)| a).collect();
        actors.extend(self.cloud.iter().map(Dot::actor));
        actors.sort_unstable();
        actors.dedup();
        actors
    }

    /// Appends the maximal ranges of `actor`'s dots.
    fn push_ranges_of(&self, actor: &A, out: &mut Vec<DotRange<A>>) {
        let prefix = self.clock.get(actor);
        if prefix > 0 {
            out.extend(DotRange::new(actor.clone(), 1, prefix).ok());
        }
        let mut run: Option<(u64, u64)> = None;
        for dot in self.cloud_of(actor) {
            let c = dot.counter();
            run = match run {
                Some((first, last)) if last.checked_add(1) == Some(c) => Some((first, c)),
                Some((first, last)) => {
                    out.extend(DotRange::new(actor.clone(), first, last).ok());
                    Some((c, c))
                }
                None => Some((c, c)),
            };
        }
        if let Some((first, last)) = run {
            out.extend(DotRange::new(actor.clone(), first, last).ok());
        }
    }

    /// Whether every dot of `self` is in `other` (`self ⊆ other`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let small: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 3)?].into_iter().collect();
    /// let large: DotContext<char> = [1, 2, 3].into_iter().map(|c| Dot::new('a', c)).collect::<Result<_, _>>()?;
    /// assert!(small.is_subset(&large));
    /// assert!(!large.is_subset(&small));
    /// assert!(small.is_subset(&small));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn is_subset(&self, other: &Self) -> bool {
        // In canonical form a cloud dot never directly follows its actor's prefix, so
        // `other` holds the prefix `1..=n` exactly when its own prefix reaches `n`.
        other.clock.descends(&self.clock) && self.cloud.iter().all(|d| other.contains(d))
    }

    /// The dots in both contexts (`self ∩ other`), as a context.
    ///
    /// The result's clock is the meet of the two clocks; its cloud holds only dots from
    /// the two clouds, so it is never larger than the inputs.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext};
    ///
    /// let a: DotContext<char> = [1, 2, 3, 7].into_iter().map(|c| Dot::new('a', c)).collect::<Result<_, _>>()?;
    /// let b: DotContext<char> = [1, 3, 7, 8].into_iter().map(|c| Dot::new('a', c)).collect::<Result<_, _>>()?;
    /// let both = a.intersection(&b);
    /// assert_eq!(both.dots().map(|d| d.counter()).collect::<Vec<_>>(), [1, 3, 7]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        let mut clock = self.clock.clone();
        clock.meet(&other.clock);
        let mut result = Self::from(clock);
        // A common dot above the smaller prefix lies above one context's prefix, so it
        // is a cloud dot of that context.
        let common: Vec<Dot<A>> = self
            .cloud
            .iter()
            .filter(|d| other.contains(d))
            .chain(other.cloud.iter().filter(|d| self.contains(d)))
            .cloned()
            .collect();
        result.extend(common);
        result
    }

    /// The dots of `self` that are not in `other` (`self \ other`), as maximal ranges
    /// in ascending order (by actor, then counter).
    ///
    /// Ranges keep the answer small where a context could not: `{a: 1..=10⁹}` less the
    /// single dot `a:5` is two ranges, but as a context it would hold almost 10⁹ cloud
    /// dots. The number of ranges is at most the number of clock entries and cloud dots
    /// of both contexts together.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext, DotRange, VClock};
    ///
    /// let mine = DotContext::from([('a', 1_000_000_000)].into_iter().collect::<VClock<char>>());
    /// let theirs: DotContext<char> = [Dot::new('a', 5)?].into_iter().collect();
    /// assert_eq!(
    ///     mine.difference(&theirs),
    ///     [DotRange::new('a', 1, 4)?, DotRange::new('a', 6, 1_000_000_000)?],
    /// );
    /// assert!(theirs.difference(&mine).is_empty());
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn difference(&self, other: &Self) -> Vec<DotRange<A>> {
        let mut out = Vec::new();
        let mut mine = Vec::new();
        for actor in self.actors() {
            mine.clear();
            self.push_ranges_of(actor, &mut mine);
            // `other` holds `1..=prefix` and its cloud dots of `actor`.
            let prefix = other.clock.get(actor);
            let holes = other.cloud_of(actor);
            for range in &mine {
                let Some(first) = prefix.checked_add(1).map(|p| p.max(range.first())) else {
                    break;
                };
                subtract(actor, first, range.last(), holes, &mut out);
            }
        }
        out
    }
}

/// Appends the counters `first..=last` of `actor` that are not in the sorted `holes`,
/// as maximal ranges.
fn subtract<A: Clone>(
    actor: &A,
    first: u64,
    last: u64,
    holes: &[Dot<A>],
    out: &mut Vec<DotRange<A>>,
) {
    if first > last {
        return;
    }
    let start = holes.partition_point(|d| d.counter() < first);
    // The next counter not yet accounted for; `None` past `u64::MAX`.
    let mut next = Some(first);
    for hole in holes[start..].iter().take_while(|d| d.counter() <= last) {
        if let Some(n) = next
            && hole.counter() > n
        {
            out.extend(DotRange::new(actor.clone(), n, hole.counter() - 1).ok());
        }
        next = hole.counter().checked_add(1);
    }
    if let Some(n) = next
        && n <= last
    {
        out.extend(DotRange::new(actor.clone(), n, last).ok());
    }
}
