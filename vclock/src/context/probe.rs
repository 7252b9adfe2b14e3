//! A causal context seen through a table of actor indices.

use alloc::vec::Vec;
use core::cmp::Ordering;

use super::DotContext;
use crate::error::ProbeError;

/// A causal context seen through a table of actor indices: answers "does the context
/// hold the dot `(actor index, counter)`?" without comparing actors.
///
/// Structures that store many dots (an OR-set's elements) often intern their actors in
/// a table and keep a small index per dot. A probe translates a [`DotContext`] into
/// that numbering once, so that checking each stored dot costs an array lookup (dense
/// form) or a binary search over a few integers (sparse form) instead of actor
/// comparisons.
///
/// - [`dense`](Self::dense) holds an entry per table index; it is built in one pass
///   over the table and the context, then sorts the cloud's runs
///   (`O(table + clock + r log r)` for `r` runs), for joins of whole states.
/// - [`sparse`](Self::sparse) holds only the actors it is given (`O(k log context)`
///   for `k` actors), so joining a small delta costs in proportion to the delta, not
///   to the actors the table has heard of. It answers `false` for every other index.
///
/// Cloud runs stay runs, so a probe is as small as its context however many dots the
/// runs hold.
///
/// # Examples
///
/// ```
/// use ward_vclock::{ContextProbe, Dot, DotContext, DotRange};
///
/// let mut ctx: DotContext<&str> = [Dot::new("b", 1)?].into_iter().collect();
/// ctx.insert_range(DotRange::new("a", 5, 9)?);
/// // An actor table: index 0 is "b", index 1 is "a"; listed in actor order.
/// let table = ["b", "a"];
/// let by_actor = [(1, &table[1]), (0, &table[0])];
/// let probe = ContextProbe::dense(&ctx, table.len(), by_actor)?;
/// assert!(probe.contains(1, 7));
/// assert!(!probe.contains(1, 4));
/// assert!(probe.contains(0, 1));
///
/// let only_a = ContextProbe::sparse(&ctx, [(1, &table[1])])?;
/// assert!(only_a.contains(1, 9));
/// assert!(!only_a.contains(0, 1)); // not asked for
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct ContextProbe {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    Dense {
        /// Clock entry of each table index.
        clock: Vec<u64>,
        /// Cloud runs of the table's actors, as sorted `(index, first, last)`.
        cloud: Vec<(usize, u64, u64)>,
        /// Per table index, the smallest and largest counter of its cloud runs
        /// (`(MAX, 0)` when it has none), so most lookups never search the cloud.
        span: Vec<(u64, u64)>,
    },
    Sparse {
        /// `(index, clock entry)` of each given actor (0 when it has none), sorted by
        /// index.
        clock: Vec<(usize, u64)>,
        /// Their cloud runs as sorted `(index, first, last)`.
        cloud: Vec<(usize, u64, u64)>,
    },
}

impl ContextProbe {
    /// The probe of `ctx` for a whole table of `len` actors: `actors` lists every table
    /// entry once as `(index, actor)`, in strictly ascending actor order (an interning
    /// table's sorted view). Table entries left out are answered as holding nothing.
    ///
    /// # Errors
    ///
    /// [`ProbeError::IndexOutOfRange`] for an index not below `len`,
    /// [`ProbeError::DuplicateIndex`] for an index given twice, and
    /// [`ProbeError::Unsorted`] when the actors are not strictly ascending.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{ContextProbe, Dot, DotContext, ProbeError};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?].into_iter().collect();
    /// let probe = ContextProbe::dense(&ctx, 1, [(0, &'a')])?;
    /// assert!(probe.contains(0, 1));
    /// assert_eq!(
    ///     ContextProbe::dense(&ctx, 1, [(1, &'a')]),
    ///     Err(ProbeError::IndexOutOfRange { index: 1, len: 1 }),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dense<'a, A: Ord + Clone + 'a>(
        ctx: &DotContext<A>,
        len: usize,
        actors: impl IntoIterator<Item = (usize, &'a A)>,
    ) -> Result<Self, ProbeError> {
        let mut clock = alloc::vec![0; len];
        let mut seen = alloc::vec![false; len];
        let mut span = alloc::vec![(u64::MAX, 0); len];
        let mut cloud: Vec<(usize, u64, u64)> = Vec::new();
        // The table and both parts of the context are sorted by actor: walk together.
        let mut entries = ctx.clock().iter().peekable();
        let mut runs = ctx.cloud().peekable();
        let mut previous: Option<&A> = None;
        for (position, (index, actor)) in actors.into_iter().enumerate() {
            let Some(was_seen) = seen.get_mut(index) else {
                return Err(ProbeError::IndexOutOfRange { index, len });
            };
            if core::mem::replace(was_seen, true) {
                return Err(ProbeError::DuplicateIndex { index });
            }
            if previous.is_some_and(|p| p >= actor) {
                return Err(ProbeError::Unsorted { position });
            }
            previous = Some(actor);
            while let Some((a, n)) = entries.peek() {
                match (*a).cmp(actor) {
                    Ordering::Less => {
                        entries.next();
                    }
                    Ordering::Equal => {
                        clock[index] = *n;
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
            while runs.next_if(|r| r.actor < *actor).is_some() {}
            while let Some(r) = runs.next_if(|r| r.actor == *actor) {
                cloud.push((index, r.first(), r.last()));
                let s = &mut span[index];
                *s = (s.0.min(r.first()), s.1.max(r.last()));
            }
        }
        cloud.sort_unstable();
        Ok(Self {
            repr: Repr::Dense { clock, cloud, span },
        })
    }

    /// The probe of `ctx` for the given `(index, actor)` pairs only, in any order. It
    /// answers `false` for every index it was not given.
    ///
    /// # Errors
    ///
    /// [`ProbeError::DuplicateIndex`] for an index given twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{ContextProbe, Dot, DotContext, ProbeError};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('z', 3)?].into_iter().collect();
    /// let probe = ContextProbe::sparse(&ctx, [(7, &'z')])?;
    /// assert!(probe.contains(7, 3));
    /// assert!(!probe.contains(7, 2));
    /// assert_eq!(probe.footprint(), 2);
    /// assert_eq!(
    ///     ContextProbe::sparse(&ctx, [(7, &'z'), (7, &'a')]),
    ///     Err(ProbeError::DuplicateIndex { index: 7 }),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sparse<'a, A: Ord + Clone + 'a>(
        ctx: &DotContext<A>,
        actors: impl IntoIterator<Item = (usize, &'a A)>,
    ) -> Result<Self, ProbeError> {
        let actors = actors.into_iter();
        // Every given actor has an entry (0 when the clock has none), so a repeated
        // index shows up here without another allocation.
        let mut clock: Vec<(usize, u64)> = Vec::with_capacity(actors.size_hint().0);
        let mut cloud = Vec::new();
        for (index, actor) in actors {
            clock.push((index, ctx.clock().get(actor)));
            if !ctx.cloud.is_empty() {
                cloud.extend(
                    ctx.cloud_of(actor)
                        .iter()
                        .map(|r| (index, r.first(), r.last())),
                );
            }
        }
        clock.sort_unstable();
        if let Some(pair) = clock.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(ProbeError::DuplicateIndex { index: pair[0].0 });
        }
        cloud.sort_unstable();
        Ok(Self {
            repr: Repr::Sparse { clock, cloud },
        })
    }

    /// Whether the context held the dot with actor `index` and `counter` when the probe
    /// was built. Counter 0, and an index the probe was not built for, are never held.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{ContextProbe, Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 2)?].into_iter().collect();
    /// let probe = ContextProbe::dense(&ctx, 1, [(0, &'a')])?;
    /// assert!(probe.contains(0, 2));
    /// assert!(!probe.contains(0, 1));
    /// assert!(!probe.contains(0, 0));
    /// assert!(!probe.contains(5, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn contains(&self, index: usize, counter: u64) -> bool {
        if counter == 0 {
            return false;
        }
        match &self.repr {
            Repr::Dense { clock, cloud, span } => {
                let Some(&known) = clock.get(index) else {
                    return false;
                };
                if counter <= known {
                    return true;
                }
                let (low, high) = span[index];
                low <= counter && counter <= high && in_runs(cloud, index, counter)
            }
            Repr::Sparse { clock, cloud } => {
                if let Ok(k) = clock.binary_search_by_key(&index, |e| e.0)
                    && counter <= clock[k].1
                {
                    return true;
                }
                !cloud.is_empty() && in_runs(cloud, index, counter)
            }
        }
    }

    /// How many entries the probe stores: the table length plus the runs for a dense
    /// probe; the given actors' clock entries and runs for a sparse one. It tells what
    /// building the probe cost.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{ContextProbe, Dot, DotContext};
    ///
    /// let ctx: DotContext<char> = [Dot::new('a', 1)?, Dot::new('a', 3)?].into_iter().collect();
    /// assert_eq!(ContextProbe::sparse(&ctx, [(0, &'a')])?.footprint(), 2);
    /// assert_eq!(ContextProbe::dense(&ctx, 4, [(0, &'a')])?.footprint(), 2 * 4 + 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn footprint(&self) -> usize {
        match &self.repr {
            Repr::Dense { clock, cloud, span } => clock.len() + cloud.len() + span.len(),
            Repr::Sparse { clock, cloud } => clock.len() + cloud.len(),
        }
    }
}

/// Whether the sorted `(index, first, last)` runs hold `(index, counter)`.
#[inline]
fn in_runs(cloud: &[(usize, u64, u64)], index: usize, counter: u64) -> bool {
    let k = cloud.partition_point(|&(i, _, last)| (i, last) < (index, counter));
    cloud
        .get(k)
        .is_some_and(|&(i, first, _)| i == index && first <= counter)
}
