//! Runs of consecutive dots of one actor.

use core::fmt;
use core::iter::FusedIterator;
use core::num::NonZeroU64;

use crate::dot::Dot;
use crate::error::VClockError;

/// The dots `first..=last` of one actor: a run of consecutive events, never empty.
///
/// A range names any number of dots in constant space, so a report of what is missing
/// stays small even when a message claims events far ahead (up to `u64::MAX`).
///
/// # Examples
///
/// ```
/// use ward_vclock::{Dot, DotRange};
///
/// let range = DotRange::new("z", 3, 5)?;
/// assert_eq!(range.to_string(), "z:3..=5");
/// assert_eq!(range.dot_count(), 3);
/// assert!(range.contains(&Dot::new("z", 4)?));
/// assert_eq!(range.dots().last(), Some(Dot::new("z", 5)?));
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DotRange<A> {
    pub(crate) actor: A,
    pub(crate) first: NonZeroU64,
    pub(crate) last: NonZeroU64,
}

impl<A> DotRange<A> {
    /// The dots of `actor` from counter `first` to counter `last`, both included.
    ///
    /// # Errors
    ///
    /// [`VClockError::ZeroCounter`] if `first` is 0, [`VClockError::EmptyRange`] if
    /// `first > last`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DotRange, VClockError};
    ///
    /// assert!(DotRange::new('a', 1, u64::MAX).is_ok());
    /// assert_eq!(DotRange::new('a', 0, 2), Err(VClockError::ZeroCounter));
    /// assert_eq!(
    ///     DotRange::new('a', 3, 2),
    ///     Err(VClockError::EmptyRange { first: 3, last: 2 }),
    /// );
    /// ```
    pub fn new(actor: A, first: u64, last: u64) -> Result<Self, VClockError> {
        let first_nz = NonZeroU64::new(first).ok_or(VClockError::ZeroCounter)?;
        if first > last {
            return Err(VClockError::EmptyRange { first, last });
        }
        Ok(Self {
            actor,
            first: first_nz,
            // `last >= first >= 1`.
            last: NonZeroU64::new(last).ok_or(VClockError::ZeroCounter)?,
        })
    }

    /// The actor whose events these are.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DotRange;
    ///
    /// assert_eq!(DotRange::new('a', 1, 2)?.actor(), &'a');
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn actor(&self) -> &A {
        &self.actor
    }

    /// The smallest counter in the range, at least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DotRange;
    ///
    /// assert_eq!(DotRange::new('a', 4, 9)?.first(), 4);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn first(&self) -> u64 {
        self.first.get()
    }

    /// The largest counter in the range.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DotRange;
    ///
    /// assert_eq!(DotRange::new('a', 4, 9)?.last(), 9);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn last(&self) -> u64 {
        self.last.get()
    }

    /// How many dots the range holds, `last - first + 1`, at least 1. It cannot
    /// overflow: `first` is at least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DotRange;
    ///
    /// assert_eq!(DotRange::new('a', 4, 4)?.dot_count(), 1);
    /// assert_eq!(DotRange::new('a', 1, u64::MAX)?.dot_count(), u64::MAX);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub const fn dot_count(&self) -> u64 {
        self.last.get() - self.first.get() + 1
    }

    /// Whether `dot` lies in the range.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotRange};
    ///
    /// let range = DotRange::new('a', 2, 3)?;
    /// assert!(range.contains(&Dot::new('a', 3)?));
    /// assert!(!range.contains(&Dot::new('a', 1)?));
    /// assert!(!range.contains(&Dot::new('b', 2)?));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn contains(&self, dot: &Dot<A>) -> bool
    where
        A: PartialEq,
    {
        self.actor == *dot.actor() && (self.first()..=self.last()).contains(&dot.counter())
    }

    /// The first dot of the range.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotRange};
    ///
    /// assert_eq!(DotRange::new('a', 2, 3)?.first_dot(), Dot::new('a', 2)?);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn first_dot(&self) -> Dot<A>
    where
        A: Clone,
    {
        Dot::from_nonzero(self.actor.clone(), self.first)
    }

    /// Iterates over the dots of the range in ascending order. The iterator is lazy: a
    /// range may hold up to `u64::MAX` dots.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DotRange};
    ///
    /// let dots: Vec<_> = DotRange::new('a', 2, 3)?.dots().collect();
    /// assert_eq!(dots, [Dot::new('a', 2)?, Dot::new('a', 3)?]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn dots(&self) -> RangeDots<'_, A> {
        RangeDots {
            actor: &self.actor,
            next: Some(self.first),
            last: self.last,
        }
    }

    /// Splits the range into its actor, first and last counters.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DotRange;
    ///
    /// assert_eq!(DotRange::new('a', 2, 3)?.into_parts(), ('a', 2, 3));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn into_parts(self) -> (A, u64, u64) {
        (self.actor, self.first.get(), self.last.get())
    }
}

/// The range of exactly one dot.
impl<A> From<Dot<A>> for DotRange<A> {
    fn from(dot: Dot<A>) -> Self {
        let counter = dot.counter_nonzero();
        let (actor, _) = dot.into_parts();
        Self {
            actor,
            first: counter,
            last: counter,
        }
    }
}

/// Formats as `actor:first..=last`, or `actor:counter` for a single dot.
impl<A: fmt::Display> fmt::Display for DotRange<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}:{}", self.actor, self.first)
        } else {
            write!(f, "{}:{}..={}", self.actor, self.first, self.last)
        }
    }
}

/// Iterator over the dots of a [`DotRange`]; see [`DotRange::dots`].
///
/// # Examples
///
/// ```
/// use ward_vclock::DotRange;
///
/// let range = DotRange::new('a', 1, u64::MAX)?;
/// assert_eq!(range.dots().nth(2).map(|d| d.counter()), Some(3));
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RangeDots<'a, A> {
    actor: &'a A,
    /// The next counter to yield; `None` once the range is exhausted.
    next: Option<NonZeroU64>,
    last: NonZeroU64,
}

impl<A: Clone> Iterator for RangeDots<'_, A> {
    type Item = Dot<A>;

    fn next(&mut self) -> Option<Dot<A>> {
        let counter = self.next?;
        self.next = if counter < self.last {
            counter.checked_add(1)
        } else {
            None
        };
        Some(Dot::from_nonzero(self.actor.clone(), counter))
    }
}

impl<A: Clone> FusedIterator for RangeDots<'_, A> {}
