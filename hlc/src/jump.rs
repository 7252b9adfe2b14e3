//! Observation of physical clock jumps.

use core::fmt;
use core::time::Duration;

use crate::sync::{AtomicU64, Ordering};

/// The hook called for every jump: any closure with `alloc`, a plain function without.
#[cfg(feature = "alloc")]
pub(crate) type Hook = alloc::sync::Arc<dyn Fn(ClockJump) + Send + Sync>;
/// The hook called for every jump: any closure with `alloc`, a plain function without.
#[cfg(not(feature = "alloc"))]
pub(crate) type Hook = fn(ClockJump);

/// How far the physical clock may move between two readings before it counts as a jump.
///
/// Used with [`HlcBuilder::watch_jumps`](crate::HlcBuilder::watch_jumps). A jump is only
/// reported: the [`Hlc`](crate::Hlc) keeps issuing monotonic timestamps across it and
/// never panics or aborts because of it.
///
/// Readings are compared with the previous reading taken by the same `Hlc`. A backward
/// move is always a correction of the clock (or a bug). A forward move larger than the
/// threshold is either a step of the clock or an idle period between two events, which
/// this comparison cannot tell apart: choose the forward threshold larger than the
/// longest expected gap between events, or read forward reports as "long gap or jump".
/// Threads racing on one `Hlc` can also store their readings out of order: by a few
/// microseconds usually, but by as long as a thread stays preempted between reading
/// the clock and storing the reading (milliseconds on a loaded machine). A backward
/// threshold below that can report a false backward jump (and the matching forward one).
///
/// Every reading is compared, including one beyond
/// [`MAX_PHYSICAL`](crate::MAX_PHYSICAL): a clock set decades ahead is reported as a
/// forward jump (and its event then fails with
/// [`ClockError::PhysicalOutOfRange`](crate::ClockError::PhysicalOutOfRange)), and its
/// return as a backward one.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::JumpThresholds;
///
/// let t = JumpThresholds::new(Duration::from_millis(10), Duration::from_secs(60));
/// assert_eq!(t.backward(), Duration::from_millis(10));
/// assert_eq!(t.forward(), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JumpThresholds {
    backward: Duration,
    forward: Duration,
}

impl JumpThresholds {
    /// A backward move strictly larger than `backward`, or a forward move strictly larger
    /// than `forward`, is a jump. Thresholds count whole microseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::JumpThresholds;
    ///
    /// let t = JumpThresholds::new(Duration::ZERO, Duration::from_secs(1));
    /// assert_eq!(t.backward(), Duration::ZERO);
    /// ```
    pub const fn new(backward: Duration, forward: Duration) -> JumpThresholds {
        JumpThresholds { backward, forward }
    }

    /// The largest backward move that is not a jump.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::JumpThresholds;
    ///
    /// let t = JumpThresholds::new(Duration::from_millis(1), Duration::from_secs(1));
    /// assert_eq!(t.backward(), Duration::from_millis(1));
    /// ```
    pub const fn backward(&self) -> Duration {
        self.backward
    }

    /// The largest forward move that is not a jump.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::JumpThresholds;
    ///
    /// let t = JumpThresholds::new(Duration::from_millis(1), Duration::from_secs(1));
    /// assert_eq!(t.forward(), Duration::from_secs(1));
    /// ```
    pub const fn forward(&self) -> Duration {
        self.forward
    }
}

/// The direction of a [`ClockJump`].
///
/// # Examples
///
/// ```
/// use ward_hlc::{ClockJump, JumpDirection};
///
/// let jump = ClockJump::new(JumpDirection::Forward, 1, 11);
/// assert_eq!(jump.direction, JumpDirection::Forward);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JumpDirection {
    /// The clock read earlier than before.
    Backward,
    /// The clock read later than before, by more than the forward threshold.
    Forward,
}

/// One observed jump of the physical clock, passed to the hook set with
/// [`HlcBuilder::on_jump`](crate::HlcBuilder::on_jump).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{ClockJump, JumpDirection};
///
/// let jump = ClockJump::new(JumpDirection::Backward, 900, 400);
/// assert_eq!(jump.amount(), Duration::from_micros(500));
/// assert_eq!((jump.from_micros, jump.to_micros), (900, 400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ClockJump {
    /// Which way the clock moved.
    pub direction: JumpDirection,
    /// The previous reading, in microseconds since the Unix epoch.
    pub from_micros: u64,
    /// The new reading, in microseconds since the Unix epoch.
    pub to_micros: u64,
}

impl ClockJump {
    /// A jump from one reading to another, in microseconds since the Unix epoch (for
    /// tests of hooks; the clock builds its own).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{ClockJump, JumpDirection};
    ///
    /// let jump = ClockJump::new(JumpDirection::Backward, 10, 4);
    /// assert_eq!(jump.to_micros, 4);
    /// ```
    pub const fn new(direction: JumpDirection, from_micros: u64, to_micros: u64) -> ClockJump {
        ClockJump {
            direction,
            from_micros,
            to_micros,
        }
    }

    /// The size of the move.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{ClockJump, JumpDirection};
    ///
    /// let jump = ClockJump::new(JumpDirection::Forward, 1, 11);
    /// assert_eq!(jump.amount(), Duration::from_micros(10));
    /// ```
    pub const fn amount(&self) -> Duration {
        Duration::from_micros(self.from_micros.abs_diff(self.to_micros))
    }
}

/// Counts of jumps observed by one [`Hlc`](crate::Hlc), from
/// [`Hlc::jump_stats`](crate::Hlc::jump_stats).
///
/// # Examples
///
/// ```
/// use ward_hlc::JumpStats;
///
/// assert_eq!(JumpStats::default().backward, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct JumpStats {
    /// Backward jumps seen.
    pub backward: u64,
    /// Forward jumps seen.
    pub forward: u64,
}

/// The jump detector inside an `Hlc`: previous reading and counters, all relaxed atomics
/// (they are statistics, not part of the clock's state machine).
pub(crate) struct JumpWatch {
    backward_micros: u64,
    forward_micros: u64,
    hook: Option<Hook>,
    /// Previous reading plus one; 0 means no reading yet.
    last: AtomicU64,
    backward: AtomicU64,
    forward: AtomicU64,
}

impl fmt::Debug for JumpWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JumpWatch")
            .field("backward_micros", &self.backward_micros)
            .field("forward_micros", &self.forward_micros)
            .field("hook", &self.hook.is_some())
            .field("stats", &self.stats())
            .finish()
    }
}

impl JumpWatch {
    pub(crate) fn new(thresholds: JumpThresholds, hook: Option<Hook>) -> JumpWatch {
        JumpWatch {
            backward_micros: crate::clock::micros_of(thresholds.backward),
            forward_micros: crate::clock::micros_of(thresholds.forward),
            hook,
            last: AtomicU64::new(0),
            backward: AtomicU64::new(0),
            forward: AtomicU64::new(0),
        }
    }

    /// Compares `pt` with the previous reading and reports a jump if there is one.
    pub(crate) fn observe(&self, pt: u64) {
        // Stored plus one so that 0 can mean "no reading yet". A reading of `u64::MAX`
        // (half a million years, never a real clock) is remembered as `u64::MAX - 1`.
        let stored = pt.saturating_add(1);
        let prev = self.last.swap(stored, Ordering::Relaxed);
        if prev == 0 {
            return;
        }
        let prev = prev - 1;
        let direction = if pt < prev && prev - pt > self.backward_micros {
            self.backward.fetch_add(1, Ordering::Relaxed);
            JumpDirection::Backward
        } else if pt > prev && pt - prev > self.forward_micros {
            self.forward.fetch_add(1, Ordering::Relaxed);
            JumpDirection::Forward
        } else {
            return;
        };
        let jump = ClockJump {
            direction,
            from_micros: prev,
            to_micros: pt,
        };
        crate::trace::clock_jumped(&jump);
        if let Some(hook) = &self.hook {
            hook(jump);
        }
    }

    pub(crate) fn stats(&self) -> JumpStats {
        JumpStats {
            backward: self.backward.load(Ordering::Relaxed),
            forward: self.forward.load(Ordering::Relaxed),
        }
    }
}
