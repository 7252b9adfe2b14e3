//! Set operations on causal contexts, as ranges of dots where results can be large.

use alloc::vec::Vec;

use super::{DotContext, after};
use crate::dot::Dot;
use crate::range::DotRange;

impl<A: Ord + Clone> DotContext<A> {
    /// Every dot of the context as maximal ranges of consecutive dots, in ascending
    /// order (by actor, then counter): one range per actor for its contiguous prefix,
    /// then its cloud runs. The number of ranges is the number of clock entries plus
    /// cloud runs, however many dots they hold.
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
        self.runs()
            .filter_map(|(actor, counters)| {
                DotRange::new(actor.clone(), *counters.start(), *counters.end()).ok()
            })
            .collect()
    }

    /// The first counter in `first..=last` of `actor` that the context does not hold.
    fn first_gap(&self, actor: &A, first: u64, last: u64) -> Option<u64> {
        let known = self.clock.get(actor);
        if last <= known {
            return None;
        }
        let mut counter = first.max(after(known).get());
        let runs = self.cloud_of(actor);
        let k = runs.partition_point(|r| r.last() < counter);
        if let Some(r) = runs.get(k)
            && r.first() <= counter
        {
            // Covered up to the end of `r`; the next counter is a gap (runs never touch).
            if r.last() >= last {
                return None;
            }
            counter = r.last() + 1;
        }
        Some(counter)
    }

    /// The smallest dot of `actor` that `self` holds and `other` does not, if any.
    ///
    /// A replica checking an incoming state for events of its own actor that it never
    /// produced asks `incoming.first_dot_outside(&mine, &me)`. It costs a binary search
    /// per run of `actor`, however many dots the runs hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotContext, DotRange};
    ///
    /// let mine: DotContext<char> = [DotRange::new('a', 1, 5)?, DotRange::new('a', 8, 9)?].into_iter().collect();
    /// let incoming: DotContext<char> = [DotRange::new('a', 1, 9)?].into_iter().collect();
    /// assert_eq!(incoming.first_dot_outside(&mine, &'a'), Some(Dot::new('a', 6)?));
    /// assert_eq!(mine.first_dot_outside(&incoming, &'a'), None);
    /// assert_eq!(incoming.first_dot_outside(&mine, &'b'), None);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn first_dot_outside(&self, other: &Self, actor: &A) -> Option<Dot<A>> {
        let prefix = self.clock.get(actor);
        let prefix = (prefix > 0).then_some((1, prefix));
        let runs = self.cloud_of(actor).iter().map(|r| (r.first(), r.last()));
        prefix
            .into_iter()
            .chain(runs)
            .find_map(|(first, last)| other.first_gap(actor, first, last))
            .and_then(|counter| Dot::new(actor.clone(), counter).ok())
    }

    /// Whether the context holds every dot of `actor` from `first` to `last`.
    fn covers(&self, actor: &A, first: u64, last: u64) -> bool {
        self.first_gap(actor, first, last).is_none()
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
        // In canonical form a cloud run never directly follows its actor's prefix, so
        // `other` holds the prefix `1..=n` exactly when its own prefix reaches `n`.
        other.clock.descends(&self.clock)
            && self
                .cloud
                .iter()
                .all(|r| other.covers(&r.actor, r.first(), r.last()))
    }

    /// Appends the parts of `actor`'s `first..=last` that the context holds.
    fn push_common(&self, actor: &A, first: u64, last: u64, out: &mut Vec<DotRange<A>>) {
        let known = self.clock.get(actor);
        if known >= first {
            out.extend(DotRange::new(actor.clone(), first, known.min(last)).ok());
        }
        let runs = self.cloud_of(actor);
        let start = runs.partition_point(|r| r.last() < first);
        for r in runs[start..].iter().take_while(|r| r.first() <= last) {
            let (f, l) = (r.first().max(first), r.last().min(last));
            out.extend(DotRange::new(actor.clone(), f, l).ok());
        }
    }

    /// The dots in both contexts (`self ∩ other`), as a context.
    ///
    /// The result's clock is the meet of the two clocks; its cloud holds only parts of
    /// the two clouds' runs, so it is never larger than the inputs.
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
        // A common dot above the smaller prefix lies above one context's prefix, so it
        // is in a cloud run of that context.
        let mut common: Vec<DotRange<A>> = Vec::new();
        for r in &self.cloud {
            other.push_common(&r.actor, r.first(), r.last(), &mut common);
        }
        for r in &other.cloud {
            self.push_common(&r.actor, r.first(), r.last(), &mut common);
        }
        let mut result = Self::from(clock);
        result.cloud = common;
        result.compact();
        result
    }

    /// The dots of `self` that are not in `other` (`self \ other`), as maximal ranges
    /// in ascending order (by actor, then counter).
    ///
    /// Ranges keep the answer small: `{a: 1..=10⁹}` less the single dot `a:5` is two
    /// ranges. The number of ranges is at most the number of clock entries and cloud
    /// runs of both contexts together.
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
        let mut out: Vec<DotRange<A>> = Vec::new();
        for (actor, counters) in self.runs() {
            // `other` holds `1..=prefix` and its cloud runs of `actor`.
            let prefix = other.clock.get(actor);
            let Some(first) = prefix.checked_add(1).map(|p| p.max(*counters.start())) else {
                continue;
            };
            subtract(
                actor,
                first,
                *counters.end(),
                other.cloud_of(actor),
                &mut out,
            );
        }
        out
    }
}

/// Appends the counters `first..=last` of `actor` that are not in the sorted runs
/// `holes`, as maximal ranges.
fn subtract<A: Clone>(
    actor: &A,
    first: u64,
    last: u64,
    holes: &[DotRange<A>],
    out: &mut Vec<DotRange<A>>,
) {
    if first > last {
        return;
    }
    let start = holes.partition_point(|r| r.last() < first);
    // The next counter not yet accounted for; `None` past `u64::MAX`.
    let mut next = Some(first);
    for hole in holes[start..].iter().take_while(|r| r.first() <= last) {
        if let Some(n) = next
            && hole.first() > n
        {
            out.extend(DotRange::new(actor.clone(), n, hole.first() - 1).ok());
        }
        next = hole.last().checked_add(1);
    }
    if let Some(n) = next
        && n <= last
    {
        out.extend(DotRange::new(actor.clone(), n, last).ok());
    }
}
