//! The lock-free hybrid logical clock.

use core::fmt;
use core::time::Duration;

use crate::batch::Batch;
use crate::builder::HlcBuilder;
use crate::clock::{PhysicalClock, micros_of};
use crate::jump::{JumpStats, JumpWatch};
use crate::sync::{AtomicU64, Ordering};
use crate::timestamp::{LOGICAL_BITS, MAX_LOGICAL, MAX_PHYSICAL, Timestamp};

/// What an [`Hlc`] does when the logical counter of a physical tick is full
/// ([`MAX_LOGICAL`] already used) and the physical clock has not moved on.
///
/// # Examples
///
/// ```
/// use ward_hlc::{ClockError, Hlc, ManualClock, OverflowPolicy, Timestamp, MAX_LOGICAL};
///
/// let clock = ManualClock::new(10);
/// let full = Timestamp::new(10, MAX_LOGICAL)?;
///
/// let carry = Hlc::builder(&clock).resume_after(full).build();
/// assert_eq!(carry.now()?, Timestamp::new(11, 0)?);
///
/// let reject = Hlc::builder(&clock).resume_after(full).overflow(OverflowPolicy::Reject).build();
/// assert!(matches!(reject.now(), Err(ClockError::LogicalOverflow { physical: 10 })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OverflowPolicy {
    /// Carry into the physical part: `(l, 4095)` is followed by `(l + 1µs, 0)`. The clock
    /// runs ahead of physical time by one microsecond per 4096 events of one tick and
    /// never fails for a full counter. This is what incrementing the packed `u64` does.
    /// Only at the end of the range, when the next value would be above
    /// [`Timestamp::MAX_ISSUED`], is there nothing left to carry into: the event fails
    /// with [`ClockError::Exhausted`], under either policy.
    #[default]
    Carry,
    /// Refuse the event with [`ClockError::LogicalOverflow`] and leave the clock
    /// unchanged, so that the physical part only ever holds values read from a clock
    /// (the local one or a peer's).
    Reject,
}

/// A clock event (local, send or receive) could not produce a timestamp. The clock is
/// unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    /// A received timestamp is further ahead of local physical time than the
    /// configured maximum drift.
    #[error(
        "remote timestamp is {drift:?} ahead of local physical time, more than the maximum drift {max:?}"
    )]
    DriftExceeded {
        /// How far the remote physical time is ahead of the local physical clock.
        drift: Duration,
        /// The configured maximum drift.
        max: Duration,
    },
    /// The logical counter of the current physical tick is full and the policy is
    /// [`OverflowPolicy::Reject`].
    #[error("logical counter full at physical time {physical} µs (all {} values used)", u32::from(MAX_LOGICAL) + 1)]
    LogicalOverflow {
        /// The physical part whose counter is full, in microseconds since the epoch.
        physical: u64,
    },
    /// The physical clock read a time later than [`MAX_PHYSICAL`] (year 2112).
    #[error("physical clock reads {micros} µs, beyond the largest representable {MAX_PHYSICAL} µs")]
    PhysicalOutOfRange {
        /// The reading, in microseconds since the epoch.
        micros: u64,
    },
    /// [`Hlc::reserve`] was asked for zero timestamps.
    #[error("a batch must hold at least one timestamp")]
    EmptyBatch,
    /// The timestamp space is used up: the next timestamp would be above
    /// [`Timestamp::MAX_ISSUED`], the largest a clock issues. A remote timestamp at or
    /// near the end of the range, a clock resumed after it, a physical clock reading
    /// in the last second of the range, or the events of the last issuable microsecond
    /// cause this; the clock is unchanged.
    #[error("timestamp space exhausted at {last}")]
    Exhausted {
        /// The largest timestamp the clock has issued, received or read (as `(pt, 0)`
        /// minus one); at most `Timestamp::MAX_ISSUED` unless a remote one was larger.
        last: Timestamp,
    },
}

/// Why an internal event did not produce a timestamp.
pub(crate) enum EventError {
    Clock(ClockError),
    /// The result would exceed the ceiling; carries the refused candidate.
    Ceiling(Timestamp),
}

impl From<ClockError> for EventError {
    fn from(e: ClockError) -> EventError {
        EventError::Clock(e)
    }
}

/// The first value no event issues, `Timestamp::MAX_ISSUED + 1`.
///
/// The compare-and-swap path never stores a state above `LIMIT`. The fast path of
/// [`Hlc::now`] adds one only to a state it loaded below `LIMIT`, and issues the result
/// only if it is still below; a racing event may have moved the state to `LIMIT` in
/// between, so each thread in flight can push the state one step past it, once (its
/// next load sees the limit and takes the compare-and-swap path). The state therefore
/// stays below `LIMIT + number of threads`, far from the 2^32 steps that would wrap it.
pub(crate) const LIMIT: u64 = Timestamp::MAX_ISSUED.as_u64() + 1;

/// A hybrid logical clock shared by `&self` across threads.
///
/// The whole state is one `AtomicU64`, updated by compare-and-swap: no lock is taken on
/// any path, and a failed event leaves the state untouched. The state holds the smallest
/// value the next timestamp may take (the last issued timestamp plus one, or 0 on a
/// fresh clock).
///
/// # The rules
///
/// Write `pt` for the physical clock reading and `(l, c)` for the timestamp's physical and
/// logical parts. Under the default [`OverflowPolicy::Carry`], the paper's rules become
/// integer arithmetic on the packed form, where `last` is the previous timestamp:
///
/// - **local or send event** ([`now`](Hlc::now)): `max(last + 1, (pt, 0))`
/// - **receive event** ([`receive`](Hlc::receive)):
///   `max(last + 1, remote + 1, (pt, 0))`
///
/// because `(l, c) + 1 = (l, c + 1)` and `(pt, 0)` exceeds every timestamp with a smaller
/// physical part. These are the send and receive rules of the paper, with the counter
/// carrying into `l` when it is full.
///
/// # Guarantees
///
/// - Timestamps issued by one `Hlc` are unique and strictly increasing in the order of
///   the atomic updates; each thread sees its own timestamps strictly increase.
/// - A receive returns a timestamp greater than both the remote one and every
///   timestamp issued before.
/// - `l ≥ pt` at every event. With clocks whose mutual skew is at most ε, `l − pt ≤ ε`
///   (plus one microsecond per 4096 events in a tick if the counter carries).
/// - With a maximum drift `d`, a receive whose remote physical part is more than `d`
///   ahead of `pt` fails with [`ClockError::DriftExceeded`] and changes nothing; exactly
///   `d` is accepted. This bounds how far one bad peer can drag the clock.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{ClockError, Hlc, ManualClock, Timestamp};
///
/// let clock = ManualClock::new(1_000);
/// let hlc = Hlc::builder(&clock).max_drift(Duration::from_millis(1)).build();
///
/// assert_eq!(hlc.now()?, Timestamp::new(1_000, 0)?);
/// assert_eq!(hlc.now()?, Timestamp::new(1_000, 1)?);
///
/// // A message from a node whose clock is 500 µs ahead.
/// let remote = Timestamp::new(1_500, 7)?;
/// assert_eq!(hlc.receive(remote)?, Timestamp::new(1_500, 8)?);
///
/// // A message from a node 2 ms ahead is refused.
/// let far = Timestamp::new(3_001, 0)?;
/// assert!(matches!(hlc.receive(far), Err(ClockError::DriftExceeded { .. })));
/// assert_eq!(hlc.last(), Some(Timestamp::new(1_500, 8)?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Hlc<C> {
    clock: C,
    /// The smallest value the next timestamp may take.
    state: AtomicU64,
    max_drift: Option<Duration>,
    max_drift_micros: u64,
    overflow: OverflowPolicy,
    jumps: Option<JumpWatch>,
}

impl<C: PhysicalClock> Hlc<C> {
    /// Creates a clock over `clock` with the maximum drift
    /// [`DEFAULT_MAX_DRIFT`](crate::DEFAULT_MAX_DRIFT) (500 ms), [`OverflowPolicy::Carry`]
    /// and no jump watch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// let hlc = Hlc::new(ManualClock::new(3));
    /// assert_eq!(hlc.now()?.physical(), 3);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    pub fn new(clock: C) -> Hlc<C> {
        HlcBuilder::new(clock).build()
    }

    /// Starts configuring a clock over `clock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// let hlc = Hlc::builder(ManualClock::new(3)).max_drift(Duration::from_secs(1)).build();
    /// assert_eq!(hlc.max_drift(), Some(Duration::from_secs(1)));
    /// ```
    pub fn builder(clock: C) -> HlcBuilder<C> {
        HlcBuilder::new(clock)
    }

    /// A local or send event: the paper's send rule.
    ///
    /// Returns `(pt, 0)` when the physical clock has moved past the last timestamp,
    /// otherwise the last timestamp with its logical counter incremented. The first event
    /// at physical time `pt` on a fresh clock yields `(pt, 0)`.
    ///
    /// # Errors
    ///
    /// - [`ClockError::LogicalOverflow`] under [`OverflowPolicy::Reject`] when the counter
    ///   of the current tick is full.
    /// - [`ClockError::PhysicalOutOfRange`] when the clock reads beyond year 2112.
    /// - [`ClockError::Exhausted`] when the next timestamp would be above
    ///   [`Timestamp::MAX_ISSUED`].
    ///
    /// On error the clock is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let clock = ManualClock::new(50);
    /// let hlc = Hlc::new(&clock);
    /// assert_eq!(hlc.now()?, Timestamp::new(50, 0)?);
    /// clock.set(40); // the clock is set back
    /// assert_eq!(hlc.now()?, Timestamp::new(50, 1)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub fn now(&self) -> Result<Timestamp, ClockError> {
        let pt = self.read_clock()?;
        if self.overflow == OverflowPolicy::Carry {
            let physical = pt << LOGICAL_BITS;
            let state = self.state.load(Ordering::Acquire);
            if physical <= state && state < LIMIT {
                // The physical clock has not moved past the last timestamp, so the send
                // rule issues the state itself. `fetch_add` hands racing threads distinct
                // values, each at least `state >= physical`; a full counter carries into the
                // physical part exactly as `OverflowPolicy::Carry` asks.
                let issued = self.state.fetch_add(1, Ordering::AcqRel);
                if issued < LIMIT {
                    return Ok(Timestamp::from_raw(issued));
                }
                // A racing event moved the state to the limit after the load: nothing is
                // issued, and the step past the limit is invisible (see `LIMIT`).
                return Err(ClockError::Exhausted {
                    last: Timestamp::MAX_ISSUED,
                });
            }
        }
        match self.event_at(pt, None, u64::MAX, 1) {
            Ok(ts) => Ok(ts),
            Err(EventError::Clock(e)) => Err(e),
            // The ceiling is u64::MAX, which `event` never exceeds.
            Err(EventError::Ceiling(last)) => Err(ClockError::Exhausted { last }),
        }
    }

    /// A receive event: the paper's receive rule, applied as one atomic event.
    ///
    /// Returns the new local timestamp, which is greater than both `remote` and every
    /// timestamp this clock issued before. There is no need to call [`now`](Hlc::now)
    /// before or after.
    ///
    /// # Errors
    ///
    /// - [`ClockError::DriftExceeded`] when a maximum drift is set and `remote`'s physical
    ///   part is more than that ahead of the local physical clock.
    /// - [`ClockError::LogicalOverflow`] under [`OverflowPolicy::Reject`] when the counter
    ///   the result needs is full.
    /// - [`ClockError::PhysicalOutOfRange`] when the clock reads beyond year 2112.
    /// - [`ClockError::Exhausted`] when the result would be above
    ///   [`Timestamp::MAX_ISSUED`] (`remote` is `MAX_ISSUED` or later).
    ///
    /// On error the clock is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let hlc = Hlc::new(ManualClock::new(10));
    /// let remote = Timestamp::new(20, 4)?;
    /// let ts = hlc.receive(remote)?;
    /// assert_eq!(ts, Timestamp::new(20, 5)?);
    /// assert!(hlc.now()? > ts);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn receive(&self, remote: Timestamp) -> Result<Timestamp, ClockError> {
        match self.event(Some(remote), u64::MAX) {
            Ok(ts) => Ok(ts),
            Err(EventError::Clock(e)) => Err(e),
            Err(EventError::Ceiling(last)) => Err(ClockError::Exhausted { last }),
        }
    }

    /// The last timestamp issued, or `None` on a fresh clock. With
    /// [`HlcBuilder::resume_after`] this starts as the given timestamp, except that
    /// resuming after a timestamp above [`Timestamp::MAX_ISSUED`] (which is never
    /// issued) reads back as `MAX_ISSUED`: either way the clock is exhausted. It is never
    /// above `MAX_ISSUED`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// let hlc = Hlc::new(ManualClock::new(10));
    /// assert_eq!(hlc.last(), None);
    /// let ts = hlc.now()?;
    /// assert_eq!(hlc.last(), Some(ts));
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    pub fn last(&self) -> Option<Timestamp> {
        last_of(self.state.load(Ordering::Acquire))
    }

    /// The physical clock this `Hlc` reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// let hlc = Hlc::new(ManualClock::new(10));
    /// hlc.clock().set(20);
    /// assert_eq!(hlc.now()?.physical(), 20);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The maximum drift accepted from a remote timestamp, `None` when unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{Hlc, ManualClock};
    ///
    /// assert_eq!(Hlc::new(ManualClock::new(0)).max_drift(), Some(Duration::from_millis(500)));
    /// let unbounded = Hlc::builder(ManualClock::new(0)).with_max_drift(None).build();
    /// assert_eq!(unbounded.max_drift(), None);
    /// ```
    pub fn max_drift(&self) -> Option<Duration> {
        self.max_drift
    }

    /// The policy applied when the logical counter is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, OverflowPolicy};
    ///
    /// assert_eq!(Hlc::new(ManualClock::new(0)).overflow_policy(), OverflowPolicy::Carry);
    /// ```
    pub fn overflow_policy(&self) -> OverflowPolicy {
        self.overflow
    }

    /// How many clock jumps were observed, if a jump watch is configured
    /// ([`HlcBuilder::watch_jumps`]); `None` otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{Hlc, JumpThresholds, ManualClock};
    ///
    /// let clock = ManualClock::new(10_000);
    /// let hlc = Hlc::builder(&clock)
    ///     .watch_jumps(JumpThresholds::new(Duration::from_millis(1), Duration::from_secs(1)))
    ///     .build();
    /// hlc.now()?;
    /// clock.step_back(Duration::from_millis(5));
    /// hlc.now()?;
    /// assert_eq!(hlc.jump_stats().map(|s| s.backward), Some(1));
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    pub fn jump_stats(&self) -> Option<JumpStats> {
        self.jumps.as_ref().map(JumpWatch::stats)
    }

    /// Reads the physical clock, reports jumps, then checks the range: a reading beyond
    /// [`MAX_PHYSICAL`] is a jump like any other before it is an error.
    #[inline(always)]
    pub(crate) fn read_clock(&self) -> Result<u64, ClockError> {
        let pt = self.clock.now_micros();
        if let Some(watch) = &self.jumps {
            watch.observe(pt);
        }
        if pt > MAX_PHYSICAL {
            return Err(ClockError::PhysicalOutOfRange { micros: pt });
        }
        Ok(pt)
    }

    /// Merges a remote timestamp without issuing one: every timestamp issued afterwards
    /// is greater than `remote` (CockroachDB's `Update`, hybrid-clocks' `observe`).
    ///
    /// Use it where a message is received but nothing is stamped in reply; where the
    /// receive itself needs a timestamp, [`receive`](Self::receive) does both in one
    /// event. After `observe`, [`last`](Self::last) reports `remote` if it was larger
    /// than everything issued before.
    ///
    /// # Errors
    ///
    /// - [`ClockError::DriftExceeded`] as for [`receive`](Self::receive).
    /// - [`ClockError::PhysicalOutOfRange`] when the clock reads beyond year 2112.
    /// - [`ClockError::Exhausted`] when `remote` is [`Timestamp::MAX_ISSUED`] or later:
    ///   nothing could be issued after it.
    ///
    /// On error the clock is unchanged. Under [`OverflowPolicy::Reject`], observing a
    /// timestamp with a full counter makes the next event fail with
    /// [`ClockError::LogicalOverflow`] until the physical clock passes it, as
    /// `receive` would.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let hlc = Hlc::new(ManualClock::new(10));
    /// hlc.observe(Timestamp::new(20, 4)?)?;
    /// assert_eq!(hlc.last(), Some(Timestamp::new(20, 4)?));
    /// assert_eq!(hlc.now()?, Timestamp::new(20, 5)?);
    /// // An older timestamp changes nothing.
    /// hlc.observe(Timestamp::new(15, 0)?)?;
    /// assert_eq!(hlc.now()?, Timestamp::new(20, 6)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn observe(&self, remote: Timestamp) -> Result<(), ClockError> {
        let pt = self.read_clock()?;
        let floor = self.remote_floor(pt, remote)?;
        if floor >= LIMIT {
            return Err(ClockError::Exhausted { last: remote });
        }
        // One atomic maximum: the state only grows, and never past the limit.
        self.state.fetch_max(floor, Ordering::AcqRel);
        Ok(())
    }

    /// Reserves `n` consecutive timestamps at once, all or nothing (MongoDB's
    /// `reserveTicks`): the batch is what `n` calls of [`now`](Self::now) in a row
    /// would have issued, taken in one atomic event, so no other thread's timestamp
    /// falls between them.
    ///
    /// The first timestamp follows the send rule; the others count up the logical
    /// counter and, under [`OverflowPolicy::Carry`], carry into the physical part.
    ///
    /// # Errors
    ///
    /// - [`ClockError::EmptyBatch`] for `n == 0`.
    /// - [`ClockError::LogicalOverflow`] under [`OverflowPolicy::Reject`] when the batch
    ///   does not fit in the counter of its physical tick (never for `n > 4096`).
    /// - [`ClockError::PhysicalOutOfRange`] when the clock reads beyond year 2112.
    /// - [`ClockError::Exhausted`] when the batch would reach above
    ///   [`Timestamp::MAX_ISSUED`].
    ///
    /// On error the clock is unchanged: no part of the batch is issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, Timestamp};
    ///
    /// let hlc = Hlc::new(ManualClock::new(10));
    /// let batch = hlc.reserve(3)?;
    /// assert_eq!(batch.len(), 3);
    /// assert_eq!(batch.first(), Timestamp::new(10, 0)?);
    /// assert_eq!(batch.last(), Timestamp::new(10, 2)?);
    /// let all: Vec<Timestamp> = batch.iter().collect();
    /// assert_eq!(all[1], Timestamp::new(10, 1)?);
    /// assert_eq!(hlc.now()?, Timestamp::new(10, 3)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reserve(&self, n: u32) -> Result<Batch, ClockError> {
        match self.batch_event(n, u64::MAX) {
            Ok(batch) => Ok(batch),
            Err(EventError::Clock(e)) => Err(e),
            Err(EventError::Ceiling(last)) => Err(ClockError::Exhausted { last }),
        }
    }

    /// A batch of `n` timestamps, the last no larger than `ceiling`.
    pub(crate) fn batch_event(&self, n: u32, ceiling: u64) -> Result<Batch, EventError> {
        if n == 0 {
            return Err(ClockError::EmptyBatch.into());
        }
        let pt = self.read_clock()?;
        let first = self.event_at(pt, None, ceiling, u64::from(n))?;
        Ok(Batch::new(first, n))
    }

    /// Checks a remote timestamp against the drift bound; returns the smallest state it
    /// allows (the remote plus one).
    #[inline]
    fn remote_floor(&self, pt: u64, r: Timestamp) -> Result<u64, ClockError> {
        if let Some(max) = self.max_drift
            && r.physical() > pt
            && r.physical() - pt > self.max_drift_micros
        {
            let drift = Duration::from_micros(r.physical() - pt);
            crate::trace::drift_rejected(r.physical(), pt, drift, max);
            return Err(ClockError::DriftExceeded { drift, max });
        }
        // A timestamp is never `u64::MAX` (the excluded value), so this cannot overflow.
        Ok(r.as_u64() + 1)
    }

    /// One clock event. Issues a timestamp no larger than `ceiling` or changes nothing.
    #[inline]
    pub(crate) fn event(
        &self,
        remote: Option<Timestamp>,
        ceiling: u64,
    ) -> Result<Timestamp, EventError> {
        let pt = self.read_clock()?;
        self.event_at(pt, remote, ceiling, 1)
    }

    /// One clock event at physical reading `pt` (already read and checked), issuing
    /// `count` (at least 1, at most `u32::MAX`) consecutive values; returns the first.
    /// The last one is no larger than `ceiling`, or nothing changes.
    #[inline]
    fn event_at(
        &self,
        pt: u64,
        remote: Option<Timestamp>,
        ceiling: u64,
        count: u64,
    ) -> Result<Timestamp, EventError> {
        // The smallest value the remote timestamp allows, or 0.
        let remote_floor = match remote {
            None => 0,
            Some(r) => self.remote_floor(pt, r)?,
        };
        let physical = pt << LOGICAL_BITS;
        let mut floor = self.state.load(Ordering::Acquire);
        loop {
            // A state past the limit (raced fast-path steps, or a resume beyond it) counts
            // as the limit: nothing above `MAX_ISSUED` is ever issued or reported.
            let next = floor.min(LIMIT).max(remote_floor).max(physical);
            if next >= LIMIT {
                return Err(ClockError::Exhausted {
                    last: Timestamp::from_raw(next - 1),
                }
                .into());
            }
            if self.overflow == OverflowPolicy::Reject {
                let first = Timestamp::from_raw(next);
                if next > physical && first.logical() == 0 {
                    // `next` came from incrementing a full counter.
                    let full = Timestamp::from_raw(next - 1);
                    return Err(ClockError::LogicalOverflow {
                        physical: full.physical(),
                    }
                    .into());
                }
                if u64::from(first.logical()) + count - 1 > u64::from(MAX_LOGICAL)
                    && first.physical() < Timestamp::MAX_ISSUED.physical()
                {
                    // The batch would carry out of its tick (out of the last tick there
                    // is nothing to carry into: exhausted, below).
                    return Err(ClockError::LogicalOverflow {
                        physical: first.physical(),
                    }
                    .into());
                }
            }
            if count > LIMIT - next {
                // `next > 0` here: a batch of at most `u32::MAX` fits above 0.
                return Err(ClockError::Exhausted {
                    last: Timestamp::from_raw(next - 1),
                }
                .into());
            }
            let end = next + count;
            if end - 1 > ceiling {
                return Err(EventError::Ceiling(Timestamp::from_raw(end - 1)));
            }
            match self
                .state
                .compare_exchange_weak(floor, end, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(Timestamp::from_raw(next)),
                Err(actual) => floor = actual,
            }
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl Default for Hlc<crate::clock::SystemClock> {
    /// A clock over [`SystemClock`](crate::SystemClock) with the defaults of
    /// [`Hlc::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::Hlc;
    ///
    /// let hlc = Hlc::default();
    /// assert!(hlc.now()? < hlc.now()?);
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    fn default() -> Self {
        Hlc::new(crate::clock::SystemClock)
    }
}

impl<C> Hlc<C> {
    /// Assembles a clock; the builder validates nothing, every combination is valid.
    pub(crate) fn from_parts(
        clock: C,
        last: Option<Timestamp>,
        max_drift: Option<Duration>,
        overflow: OverflowPolicy,
        jumps: Option<JumpWatch>,
    ) -> Hlc<C> {
        // A last timestamp at or above `MAX_ISSUED` leaves the state at the limit: every
        // event then reports `Exhausted`.
        let state = last.map_or(0, |l| l.as_u64().saturating_add(1).min(LIMIT));
        Hlc {
            clock,
            state: AtomicU64::new(state),
            max_drift,
            max_drift_micros: max_drift.map_or(u64::MAX, micros_of),
            overflow,
            jumps,
        }
    }
}

impl<C: fmt::Debug> fmt::Debug for Hlc<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hlc")
            .field("clock", &self.clock)
            .field("last", &last_of(self.state.load(Ordering::Acquire)))
            .field("max_drift", &self.max_drift)
            .field("overflow", &self.overflow)
            .field("jumps", &self.jumps)
            .finish()
    }
}

/// The last timestamp issued for a state: the state minus one, never above
/// `Timestamp::MAX_ISSUED` (raced fast-path steps past the limit issued nothing).
fn last_of(state: u64) -> Option<Timestamp> {
    state.min(LIMIT).checked_sub(1).map(Timestamp::from_raw)
}

#[cfg(all(test, not(ward_loom)))]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    /// An exhausted clock never steps its state: the fast path is taken only below the
    /// limit, so the steps racing threads add past it stay bounded by the number of
    /// threads, however often `now()` is called afterwards (else 2^32 calls would wrap
    /// it). Both an exhausted state at the limit and one already past it stay put.
    #[test]
    fn exhausted_state_never_moves() {
        for start in [LIMIT, LIMIT + 3] {
            let hlc = Hlc::builder(ManualClock::new(10)).build();
            hlc.state.store(start, Ordering::SeqCst);
            for _ in 0..10 {
                assert!(matches!(hlc.now(), Err(ClockError::Exhausted { .. })));
            }
            assert_eq!(hlc.state.load(Ordering::SeqCst), start);
            assert_eq!(hlc.last(), Some(Timestamp::MAX_ISSUED));
        }
    }

    fn raw(physical: u64, logical: u16) -> u64 {
        Timestamp::new(physical, logical).unwrap().as_u64()
    }

    /// The ceiling (a durable clock's persisted bound) is inclusive: an event whose
    /// timestamp is exactly the ceiling is issued, one step above is refused with that
    /// candidate and leaves the clock unchanged. An off-by-one here either refuses the
    /// ceiling itself (a durable clock then loops, extending a bound that already covers
    /// it) or reports a candidate the bound extension does not cover.
    #[test]
    fn ceiling_is_inclusive_and_a_refusal_carries_the_candidate() {
        let hlc = Hlc::builder(ManualClock::new(10)).build();
        let issued = hlc.event(None, raw(10, 0));
        assert!(matches!(issued, Ok(t) if t.as_u64() == raw(10, 0)));

        let refused = hlc.event(None, raw(10, 0));
        assert!(matches!(refused, Err(EventError::Ceiling(t)) if t.as_u64() == raw(10, 1)));
        assert_eq!(hlc.state.load(Ordering::SeqCst), raw(10, 1));
        assert_eq!(hlc.now().unwrap().as_u64(), raw(10, 1));
    }

    /// A batch is measured by its last timestamp: exactly at the ceiling it is issued,
    /// one past it is refused with the batch's last timestamp as the candidate.
    #[test]
    fn batch_ceiling_counts_the_whole_batch() {
        let hlc = Hlc::builder(ManualClock::new(10)).build();
        let refused = hlc.batch_event(5, raw(10, 3));
        assert!(matches!(refused, Err(EventError::Ceiling(t)) if t.as_u64() == raw(10, 4)));
        assert_eq!(hlc.last(), None);
        let batch = hlc.batch_event(5, raw(10, 4)).ok().unwrap();
        assert_eq!(
            (batch.first().as_u64(), batch.last().as_u64()),
            (raw(10, 0), raw(10, 4))
        );
    }
}
