//! A batch of consecutive timestamps, reserved in one event.

use crate::timestamp::Timestamp;

/// Consecutive timestamps reserved by [`Hlc::reserve`](crate::Hlc::reserve), in increasing order.
///
/// A batch is never empty. Iterate it with [`iter`](Batch::iter) (or `for ts in batch`).
///
/// # Examples
///
/// ```
/// use ward_hlc::{Hlc, ManualClock, Timestamp};
///
/// let hlc = Hlc::new(ManualClock::new(7));
/// let batch = hlc.reserve(2)?;
/// let all: Vec<Timestamp> = batch.iter().collect();
/// assert_eq!(all, [Timestamp::new(7, 0)?, Timestamp::new(7, 1)?]);
/// assert!(batch.contains(all[1]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "a reserved batch is issued: use its timestamps"]
pub struct Batch {
    first: u64,
    len: u32,
}

impl Batch {
    /// `len` (at least 1) timestamps from `first`, all at most `Timestamp::MAX_ISSUED`.
    pub(crate) fn new(first: Timestamp, len: u32) -> Batch {
        Batch {
            first: first.as_u64(),
            len,
        }
    }

    /// The first timestamp of the batch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let batch = Hlc::new(ManualClock::new(7)).reserve(2)?;
    /// assert_eq!(batch.first(), Timestamp::new(7, 0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn first(&self) -> Timestamp {
        Timestamp::from_raw(self.first)
    }

    /// The last timestamp of the batch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let batch = Hlc::new(ManualClock::new(7)).reserve(2)?;
    /// assert_eq!(batch.last(), Timestamp::new(7, 1)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn last(&self) -> Timestamp {
        // A batch holds at least one value and ends at or below `MAX_ISSUED`.
        Timestamp::from_raw(self.first + u64::from(self.len) - 1)
    }

    /// How many timestamps the batch holds (at least one).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// assert_eq!(Hlc::new(ManualClock::new(7)).reserve(5)?.len(), 5);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    #[allow(clippy::len_without_is_empty, reason = "a batch is never empty")]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether `ts` belongs to the batch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let batch = Hlc::new(ManualClock::new(7)).reserve(2)?;
    /// assert!(batch.contains(Timestamp::new(7, 1)?));
    /// assert!(!batch.contains(Timestamp::new(7, 2)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains(&self, ts: Timestamp) -> bool {
        (self.first()..=self.last()).contains(&ts)
    }

    /// The timestamps of the batch, in increasing order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// let batch = Hlc::new(ManualClock::new(7)).reserve(3)?;
    /// assert_eq!(batch.iter().len(), 3);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    pub fn iter(&self) -> BatchIter {
        BatchIter {
            next: self.first,
            end: self.first + u64::from(self.len),
        }
    }
}

impl IntoIterator for Batch {
    type Item = Timestamp;
    type IntoIter = BatchIter;

    fn into_iter(self) -> BatchIter {
        self.iter()
    }
}

/// The timestamps of a [`Batch`], from [`Batch::iter`].
///
/// # Examples
///
/// ```
/// use ward_hlc::{Hlc, ManualClock};
///
/// let mut it = Hlc::new(ManualClock::new(7)).reserve(1)?.iter();
/// assert!(it.next().is_some());
/// assert_eq!(it.next(), None);
/// # Ok::<(), ward_hlc::ClockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchIter {
    next: u64,
    end: u64,
}

impl Iterator for BatchIter {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        if self.next < self.end {
            self.next += 1;
            Some(Timestamp::from_raw(self.next - 1))
        } else {
            None
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // At most u32::MAX values.
        let left = usize::try_from(self.end - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl DoubleEndedIterator for BatchIter {
    fn next_back(&mut self) -> Option<Timestamp> {
        if self.next < self.end {
            self.end -= 1;
            Some(Timestamp::from_raw(self.end))
        } else {
            None
        }
    }
}

impl ExactSizeIterator for BatchIter {}

impl core::iter::FusedIterator for BatchIter {}
