//! How a `DurableHlc` persists its bound and restarts.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What [`DurableHlc::open`](crate::DurableHlc::open) does when the physical clock has
/// not yet passed the persisted bound `B`: after a quick restart (the previous run
/// reserved up to one and a half leases ahead), or after the clock was set back.
///
/// This is the choice CockroachDB offers with its persisted upper bound of wall time:
/// sleep until the clock passes it, or start ahead of the clock at once.
///
/// - [`Wait`](RestartPolicy::Wait) (the default) sleeps until the clock reads past `B`,
///   then issues timestamps that follow the clock again. Peers with a drift bound accept
///   them. The price is a start-up delay of up to one and a half leases after a quick
///   restart; when the clock is further behind than
///   [`DurableOptions::max_wait`], `open` fails with
///   [`DurableError::BoundAhead`](crate::DurableError::BoundAhead) instead of waiting
///   (a clock set back by an hour, or a poisoned bound: see
///   [`DurableHlc::reset_bound`](crate::DurableHlc::reset_bound)).
/// - [`Jump`](RestartPolicy::Jump) resumes just above `(B, 4095)` at once: no delay, but
///   timestamps run ahead of the clock until it catches up, by up to one and a half
///   leases after a quick restart (and by however far the clock was set back), and
///   peers whose drift bound is smaller reject them meanwhile. It needs
///   [`OverflowPolicy::Carry`](crate::OverflowPolicy::Carry): a clock that rejects a
///   full counter keeps its physical part to values read from a clock, which a jump
///   cannot, so opening with both fails with
///   [`DurableError::JumpWithReject`](crate::DurableError::JumpWithReject).
///
/// Either way no timestamp is ever below one issued before the restart.
///
/// # Examples
///
/// ```
/// use ward_hlc::{DurableOptions, RestartPolicy};
///
/// assert_eq!(RestartPolicy::default(), RestartPolicy::Wait);
/// let options = DurableOptions::default().restart(RestartPolicy::Jump);
/// assert_eq!(options.restart_policy(), RestartPolicy::Jump);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RestartPolicy {
    /// Sleep until the physical clock passes the persisted bound, at most
    /// [`DurableOptions::max_wait`].
    #[default]
    Wait,
    /// Resume above the persisted bound at once, ahead of the physical clock.
    Jump,
}

/// Settings of a [`DurableHlc`](crate::DurableHlc): the lease, the restart policy and
/// how to wait.
///
/// A `Duration` converts into options with that lease and the defaults for the rest, so
/// `DurableHlc::open(builder, store, Duration::from_secs(1))` works. The lease is
/// validated when the clock is opened: it must lie in
/// [`MIN_LEASE`](Self::MIN_LEASE)`..=`[`MAX_LEASE`](Self::MAX_LEASE).
///
/// # Choosing the lease
///
/// The bound is written (with `fsync`) about once per half lease of issued time, by the
/// event that notices the bound is near: that one call pays the write, a millisecond or
/// more on a disk, while other threads keep issuing below the old bound. A longer lease
/// means fewer writes, a longer wait (or a larger jump) after a quick restart, and a
/// larger lead in a crash loop. One second (the default) writes twice a second under
/// load and waits at most 1.5 s on restart.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{DurableOptions, RestartPolicy};
///
/// let options = DurableOptions::new(Duration::from_secs(2))
///     .restart(RestartPolicy::Wait)
///     .max_wait(Duration::from_secs(5));
/// assert_eq!(options.lease(), Duration::from_secs(2));
/// assert_eq!(options.max_wait_or_default(), Duration::from_secs(5));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone)]
#[must_use = "pass the options to DurableHlc::open or create"]
pub struct DurableOptions {
    pub(crate) lease: Duration,
    pub(crate) restart: RestartPolicy,
    pub(crate) max_wait: Option<Duration>,
    pub(crate) sleep: Option<Arc<dyn Fn(Duration) + Send + Sync>>,
}

impl DurableOptions {
    /// The shortest lease accepted: 1 ms. A shorter one would write the bound every few
    /// events.
    pub const MIN_LEASE: Duration = Duration::from_millis(1);

    /// The longest lease accepted: one hour. A longer one lets one quick restart put the
    /// clock (under [`RestartPolicy::Jump`]) or its start (under
    /// [`RestartPolicy::Wait`]) that far out.
    pub const MAX_LEASE: Duration = Duration::from_secs(3600);

    /// The default lease: one second.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(1);

    /// Options with `lease` and the defaults: [`RestartPolicy::Wait`], a maximum wait of
    /// two leases, and [`std::thread::sleep`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::DurableOptions;
    ///
    /// let options = DurableOptions::new(Duration::from_millis(500));
    /// assert_eq!(options.max_wait_or_default(), Duration::from_secs(1));
    /// ```
    pub fn new(lease: Duration) -> DurableOptions {
        DurableOptions {
            lease,
            restart: RestartPolicy::Wait,
            max_wait: None,
            sleep: None,
        }
    }

    /// Sets the restart policy (default [`RestartPolicy::Wait`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{DurableOptions, RestartPolicy};
    ///
    /// let options = DurableOptions::default().restart(RestartPolicy::Jump);
    /// assert_eq!(options.restart_policy(), RestartPolicy::Jump);
    /// ```
    pub fn restart(mut self, policy: RestartPolicy) -> DurableOptions {
        self.restart = policy;
        self
    }

    /// The longest [`RestartPolicy::Wait`] sleeps before `open` gives up with
    /// [`DurableError::BoundAhead`](crate::DurableError::BoundAhead). Default: two
    /// leases, which covers any quick restart (the bound is at most one and a half
    /// leases ahead of what the previous run issued).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::DurableOptions;
    ///
    /// let options = DurableOptions::default().max_wait(Duration::from_secs(10));
    /// assert_eq!(options.max_wait_or_default(), Duration::from_secs(10));
    /// ```
    pub fn max_wait(mut self, max: Duration) -> DurableOptions {
        self.max_wait = Some(max);
        self
    }

    /// Replaces [`std::thread::sleep`] for [`RestartPolicy::Wait`]: `sleep(d)` is called
    /// with how long the clock is still behind the bound, then the clock is read again.
    /// Tests pass a function that advances a [`ManualClock`](crate::ManualClock), so that
    /// nothing really sleeps.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ward_hlc::{DurableOptions, ManualClock};
    ///
    /// let clock = Arc::new(ManualClock::new(0));
    /// let moved = Arc::clone(&clock);
    /// let options = DurableOptions::default().sleep_with(move |d| moved.advance(d));
    /// # let _ = options;
    /// ```
    pub fn sleep_with(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// The lease.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::DurableOptions;
    ///
    /// assert_eq!(DurableOptions::default().lease(), DurableOptions::DEFAULT_LEASE);
    /// ```
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The restart policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{DurableOptions, RestartPolicy};
    ///
    /// assert_eq!(DurableOptions::default().restart_policy(), RestartPolicy::Wait);
    /// ```
    pub fn restart_policy(&self) -> RestartPolicy {
        self.restart
    }

    /// The maximum wait: the one set, or two leases (saturating).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::DurableOptions;
    ///
    /// assert_eq!(DurableOptions::default().max_wait_or_default(), Duration::from_secs(2));
    /// ```
    pub fn max_wait_or_default(&self) -> Duration {
        self.max_wait
            .unwrap_or_else(|| self.lease.saturating_mul(2))
    }

    pub(crate) fn sleep(&self, d: Duration) {
        match &self.sleep {
            Some(f) => f(d),
            None => std::thread::sleep(d),
        }
    }
}

impl Default for DurableOptions {
    /// [`DEFAULT_LEASE`](Self::DEFAULT_LEASE) and the defaults of
    /// [`new`](Self::new).
    fn default() -> DurableOptions {
        DurableOptions::new(DurableOptions::DEFAULT_LEASE)
    }
}

impl From<Duration> for DurableOptions {
    /// Options with this lease and the defaults of [`new`](Self::new).
    fn from(lease: Duration) -> DurableOptions {
        DurableOptions::new(lease)
    }
}

impl fmt::Debug for DurableOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableOptions")
            .field("lease", &self.lease)
            .field("restart", &self.restart)
            .field("max_wait", &self.max_wait_or_default())
            .field("custom_sleep", &self.sleep.is_some())
            .finish()
    }
}
