//! Restart safety: a persisted upper bound of issued physical time.

use std::sync::{PoisonError, TryLockError};
use std::time::Duration;

use crate::batch::Batch;
use crate::builder::HlcBuilder;
use crate::clock::{PhysicalClock, micros_of};
use crate::hlc::{ClockError, EventError, Hlc, OverflowPolicy};
use crate::jump::JumpStats;
use crate::options::{DurableOptions, RestartPolicy};
use crate::store::{BoundStore, StoreError};
use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::timestamp::{LOGICAL_BITS, MAX_LOGICAL, MAX_PHYSICAL, Timestamp};

/// Opening a [`DurableHlc`] or one of its events failed. Nothing below an issued
/// timestamp is ever issued afterwards, but an event that failed may still have moved the
/// clock or the stored bound up: [`observe`](DurableHlc::observe) merges the remote
/// timestamp before it stores, and an event can extend and store the bound before a
/// second read of the clock fails. The stored bound only ever grows.
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DurableError {
    /// The clock event itself failed.
    #[error(transparent)]
    Clock(#[from] ClockError),
    /// The bound could not be loaded or extended. No timestamp beyond the persisted
    /// bound is issued until a later store succeeds. [`StoreError::Missing`] from
    /// [`DurableHlc::open`] means first boot: use [`DurableHlc::open_or_create`].
    #[error(transparent)]
    Store(#[from] StoreError),
    /// [`DurableHlc::create`] found an existing bound: use [`DurableHlc::open`].
    #[error("a bound of {bound} µs is already stored; open the clock instead of creating it")]
    AlreadyInitialized {
        /// The bound found.
        bound: u64,
    },
    /// The lease is outside [`DurableOptions::MIN_LEASE`]`..=`[`DurableOptions::MAX_LEASE`].
    #[error("lease {lease:?} is outside {min:?}..={max:?}")]
    InvalidLease {
        /// The lease given.
        lease: Duration,
        /// The shortest lease accepted.
        min: Duration,
        /// The longest lease accepted.
        max: Duration,
    },
    /// [`RestartPolicy::Jump`] with [`OverflowPolicy::Reject`]: a jump resumes above the
    /// persisted bound, with a physical part that no clock has read, which the reject
    /// policy exists to rule out (every event would be refused as a full counter until
    /// the clock passed the bound). Use [`RestartPolicy::Wait`] or
    /// [`OverflowPolicy::Carry`].
    #[error("the jump restart policy needs the carry overflow policy")]
    JumpWithReject,
    /// Under [`RestartPolicy::Wait`], the physical clock is further behind the persisted
    /// bound than the maximum wait: the clock was set back, or the bound was pushed far
    /// ahead (a remote timestamp accepted without a drift bound). Fix the clock, open
    /// with [`RestartPolicy::Jump`] (timestamps then run ahead of the clock), or, for a
    /// bound known to be wrong, [`DurableHlc::reset_bound`].
    #[error(
        "persisted bound {bound} µs is {:?} ahead of the clock ({now} µs), more than the maximum wait {max_wait:?}",
        Duration::from_micros(bound.saturating_sub(*now))
    )]
    BoundAhead {
        /// The persisted bound, in microseconds since the epoch.
        bound: u64,
        /// The physical clock's last reading, in microseconds since the epoch.
        now: u64,
        /// The maximum wait configured.
        max_wait: Duration,
    },
}

/// An [`Hlc`] that survives restarts, even when the system clock was set back while the
/// process was down.
///
/// Before issuing a timestamp whose physical part `l` is beyond the persisted bound, it
/// stores a new bound `l + lease` and only then issues. It refreshes the bound early,
/// when an issued timestamp comes within half a lease of it: the one call that notices
/// does the write (after its timestamp is issued, so that call pays one `fsync`) while
/// other threads go on issuing below the old bound, so normally no event is held up
/// waiting for the bound. Pick a lease much longer than a write takes (seconds, not
/// milliseconds; see [`DurableOptions`]). Between refreshes, events are the lock-free
/// [`Hlc`] ones; a refresh takes a mutex around the store.
///
/// Every event goes through the bound: the clock inside is never handed out, only
/// read-only views of it ([`last`](Self::last), [`clock`](Self::clock), its settings).
///
/// ```compile_fail
/// # use ward_hlc::{DurableHlc, FileBoundStore, ManualClock};
/// fn around_the_bound(durable: &DurableHlc<ManualClock, FileBoundStore>) {
///     let _ = durable.hlc(); // no `&Hlc`: its events would ignore the bound
/// }
/// ```
///
/// # Restarts
///
/// On restart, [`open`](DurableHlc::open) loads the bound `B`: every timestamp of the
/// previous run was at most `(B, 4095)`, so the new run issues only greater ones,
/// whatever the clock says. When the clock has not passed `B` yet (a quick restart, or
/// the clock set back), the [`RestartPolicy`] decides: wait until it has (the default),
/// or start above `B` at once, ahead of the clock. `B` is at most one and a half leases
/// (plus 1 µs) ahead of the last timestamp the previous run issued (an early refresh asks
/// for half a lease of headroom and adds a lease to it); a run that issued nothing still
/// moved it a lease and 1 µs past the larger of its start reading and the bound it
/// started from. Under [`RestartPolicy::Jump`] a crash loop faster than the lease moves
/// `B`, and so the timestamps, about a lease further ahead with each restart.
///
/// The store is [acquired](BoundStore::acquire) for the lifetime of the clock: a second
/// clock on the same [`FileBoundStore`](crate::FileBoundStore), in this process or
/// another, fails with [`StoreError::Locked`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{DurableHlc, DurableOptions, FileBoundStore, Hlc, ManualClock, RestartPolicy};
///
/// let dir = std::env::temp_dir().join(format!("ward-hlc-durable-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("bound");
/// let lease = Duration::from_secs(1);
///
/// let clock = ManualClock::new(1_700_000_000_000_000);
/// let first = DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), lease)?;
/// let before = first.now()?;
/// drop(first);
///
/// // The machine restarts with its clock set back by an hour. Waiting would take an
/// // hour, so the default policy refuses; jumping issues above the bound at once.
/// clock.set(1_700_000_000_000_000 - 3_600_000_000);
/// let waiting = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), lease);
/// assert!(waiting.is_err());
/// let options = DurableOptions::new(lease).restart(RestartPolicy::Jump);
/// let second = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), options)?;
/// assert!(second.now()? > before);
/// # drop(second);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug)]
pub struct DurableHlc<C, S> {
    hlc: Hlc<C>,
    /// The persisted bound, in microseconds since the epoch.
    bound: AtomicU64,
    lease_micros: u64,
    store: Mutex<S>,
}

impl<C: PhysicalClock, S: BoundStore> DurableHlc<C, S> {
    /// Opens a clock whose bound is already stored, after a restart.
    ///
    /// Acquires the store, loads the bound `B`, applies the [`RestartPolicy`], resumes
    /// after `(B, 4095)` (and after any timestamp given to the builder's
    /// [`resume_after`](HlcBuilder::resume_after)), and stores a fresh bound before
    /// returning. `options` is a [`DurableOptions`] or just the lease as a `Duration`.
    ///
    /// # Errors
    ///
    /// - [`DurableError::Store`] when the store is locked by another clock
    ///   ([`StoreError::Locked`]), the bound is missing ([`StoreError::Missing`]: first
    ///   boot, see [`open_or_create`](Self::open_or_create)), damaged, or cannot be
    ///   extended.
    /// - [`DurableError::InvalidLease`] for a lease out of range;
    ///   [`DurableError::JumpWithReject`] for the jump restart policy on a clock that
    ///   rejects a full counter.
    /// - [`DurableError::BoundAhead`] under [`RestartPolicy::Wait`] when the clock is
    ///   further behind `B` than the maximum wait.
    /// - [`DurableError::Clock`] when the physical clock reads beyond the representable
    ///   range.
    ///
    /// # Examples
    ///
    /// See [`DurableHlc`].
    pub fn open(
        builder: HlcBuilder<C>,
        mut store: S,
        options: impl Into<DurableOptions>,
    ) -> Result<Self, DurableError> {
        let options = options.into();
        validate(&options, builder.overflow_policy())?;
        store.acquire()?;
        let bound = store.load()?;
        Self::resume(builder, store, &options, bound)
    }

    /// Creates a clock on an empty store, on first start.
    ///
    /// # Errors
    ///
    /// [`DurableError::AlreadyInitialized`] when the store already holds a bound (a
    /// second `create` would forget it); [`DurableError::Store`] when the store is
    /// locked by another clock or cannot be read or written, except
    /// [`StoreError::Missing`], which is what `create` expects;
    /// [`DurableError::InvalidLease`] for a lease out of range; [`DurableError::Clock`]
    /// when the clock reads beyond the representable range.
    ///
    /// # Examples
    ///
    /// See [`DurableHlc`].
    pub fn create(
        builder: HlcBuilder<C>,
        mut store: S,
        options: impl Into<DurableOptions>,
    ) -> Result<Self, DurableError> {
        let options = options.into();
        validate(&options, builder.overflow_policy())?;
        store.acquire()?;
        match store.load() {
            Ok(bound) => Err(DurableError::AlreadyInitialized { bound }),
            Err(StoreError::Missing { .. }) => Self::start(builder, store, &options, 0),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the clock if a bound is stored, creates it if none is (first boot).
    ///
    /// A damaged record is an error, never a reason to create: only
    /// [`StoreError::Missing`] means first boot.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), except that a missing bound is not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-ooc-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let clock = ManualClock::new(1_700_000_000_000_000);
    /// let lease = Duration::from_millis(10);
    /// let first = DurableHlc::open_or_create(Hlc::builder(&clock), FileBoundStore::new(dir.join("b")), lease)?;
    /// let issued = first.now()?;
    /// drop(first);
    /// clock.advance(Duration::from_millis(20)); // past the bound: no wait
    /// let again = DurableHlc::open_or_create(Hlc::builder(&clock), FileBoundStore::new(dir.join("b")), lease)?;
    /// assert!(again.now()? > issued);
    /// # drop(again);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_or_create(
        builder: HlcBuilder<C>,
        mut store: S,
        options: impl Into<DurableOptions>,
    ) -> Result<Self, DurableError> {
        let options = options.into();
        validate(&options, builder.overflow_policy())?;
        store.acquire()?;
        match store.load() {
            Ok(bound) => Self::resume(builder, store, &options, bound),
            Err(StoreError::Missing { .. }) => Self::start(builder, store, &options, 0),
            Err(e) => Err(e.into()),
        }
    }

    /// Operator recovery: discards the stored bound, whatever it holds, and starts as
    /// [`create`](Self::create) does.
    ///
    /// Use it once, by hand (an operator's command, a start-up flag that is removed
    /// afterwards), when the bound is known to be wrong: a remote timestamp far in the
    /// future was accepted without a drift bound and persisted (`open` then fails with
    /// [`DurableError::BoundAhead`], or every event is
    /// [`ClockError::Exhausted`]), or the record is damaged beyond use. It gives up the
    /// restart guarantee for the timestamps issued under the discarded bound: the new
    /// run may issue timestamps smaller than those. Give the builder
    /// [`resume_after`](HlcBuilder::resume_after) with the largest timestamp you still
    /// trust (from a log or a peer) to keep the guarantee for those.
    ///
    /// # Errors
    ///
    /// [`DurableError::Store`] when the store is locked by another clock
    /// ([`StoreError::Locked`]), cannot be read for a reason other than a missing or
    /// damaged record ([`StoreError::Io`]), or cannot be written;
    /// [`DurableError::InvalidLease`] and [`DurableError::Clock`] as in `create`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{BoundStore, DurableError, DurableHlc, FileBoundStore, Hlc, ManualClock, MAX_PHYSICAL};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-reset-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("b");
    /// let lease = Duration::from_secs(1);
    /// // A bound near the end of the range: every restart would be refused.
    /// FileBoundStore::new(&path).store(MAX_PHYSICAL - 1)?;
    /// let clock = ManualClock::new(1_700_000_000_000_000);
    /// let refused = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), lease);
    /// assert!(matches!(refused, Err(DurableError::BoundAhead { .. })));
    ///
    /// let recovered = DurableHlc::reset_bound(Hlc::builder(&clock), FileBoundStore::new(&path), lease)?;
    /// assert_eq!(recovered.now()?.physical(), 1_700_000_000_000_000);
    /// # drop(recovered);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset_bound(
        builder: HlcBuilder<C>,
        mut store: S,
        options: impl Into<DurableOptions>,
    ) -> Result<Self, DurableError> {
        let options = options.into();
        validate(&options, builder.overflow_policy())?;
        store.acquire()?;
        match store.load() {
            Ok(_)
            | Err(
                StoreError::Missing { .. }
                | StoreError::Truncated { .. }
                | StoreError::TooLong { .. }
                | StoreError::BadHeader
                | StoreError::ChecksumMismatch { .. }
                | StoreError::OutOfRange { .. },
            ) => Self::start(builder, store, &options, 0),
            Err(e) => Err(e.into()),
        }
    }

    /// Resumes after a loaded bound, under the restart policy.
    fn resume(
        builder: HlcBuilder<C>,
        store: S,
        options: &DurableOptions,
        bound: u64,
    ) -> Result<Self, DurableError> {
        // Any store may hand back garbage; the shift below must not lose bits.
        if bound > MAX_PHYSICAL {
            return Err(StoreError::OutOfRange { bound }.into());
        }
        // The last count of `bound`; for `MAX_PHYSICAL` that is the excluded value, and
        // `Timestamp::MAX` (equally above `MAX_ISSUED`) leaves the clock as exhausted.
        let floor = Timestamp::new(bound, MAX_LOGICAL).unwrap_or(Timestamp::MAX);
        let durable = Self::assemble(builder.resume_after(floor), store, options, bound);
        if options.restart == RestartPolicy::Wait {
            durable.wait_past(bound, options)?;
        }
        durable.begin()
    }

    fn start(
        builder: HlcBuilder<C>,
        store: S,
        options: &DurableOptions,
        bound: u64,
    ) -> Result<Self, DurableError> {
        Self::assemble(builder, store, options, bound).begin()
    }

    fn assemble(builder: HlcBuilder<C>, store: S, options: &DurableOptions, bound: u64) -> Self {
        DurableHlc {
            hlc: builder.build(),
            bound: AtomicU64::new(bound),
            lease_micros: micros_of(options.lease),
            store: Mutex::new(store),
        }
    }

    /// Stores the first bound of this run: past the clock, the last timestamp and the
    /// loaded bound.
    fn begin(self) -> Result<Self, DurableError> {
        // Through the jump watch, like every other reading.
        let pt = self.hlc.read_clock()?;
        let last = self.hlc.last().map_or(0, Timestamp::physical);
        let bound = self.bound.load(Ordering::Acquire);
        self.extend(pt.max(last).max(bound).saturating_add(1))?;
        Ok(self)
    }

    /// Sleeps until the physical clock reads past `bound`, or fails if that would take
    /// longer than the maximum wait. The sleeps are counted, not the clock, so a clock
    /// that does not move cannot hold `open` forever.
    fn wait_past(&self, bound: u64, options: &DurableOptions) -> Result<(), DurableError> {
        let max_wait = options.max_wait_or_default();
        let mut waited = Duration::ZERO;
        loop {
            let pt = self.hlc.read_clock()?;
            if pt > bound {
                return Ok(());
            }
            let behind = Duration::from_micros(bound - pt + 1);
            if waited.saturating_add(behind) > max_wait {
                return Err(DurableError::BoundAhead {
                    bound,
                    now: pt,
                    max_wait,
                });
            }
            options.sleep(behind);
            waited += behind;
        }
    }

    /// A local or send event, as [`Hlc::now`], within the persisted bound.
    ///
    /// # Errors
    ///
    /// [`DurableError::Clock`] as [`Hlc::now`]; [`DurableError::Store`] when the bound
    /// had to be extended and storing it failed.
    ///
    /// # Examples
    ///
    /// See [`DurableHlc`].
    pub fn now(&self) -> Result<Timestamp, DurableError> {
        self.event(None)
    }

    /// A receive event, as [`Hlc::receive`], within the persisted bound.
    ///
    /// The builder's maximum drift (by default [`DEFAULT_MAX_DRIFT`](crate::DEFAULT_MAX_DRIFT))
    /// is what keeps one peer's far-future timestamp from being persisted; see
    /// [`reset_bound`](Self::reset_bound) for a bound that was poisoned anyway.
    ///
    /// # Errors
    ///
    /// [`DurableError::Clock`] as [`Hlc::receive`]; [`DurableError::Store`] when the
    /// bound had to be extended and storing it failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock, Timestamp};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-recv-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let lease = Duration::from_millis(100);
    /// let builder = Hlc::builder(ManualClock::new(0)).max_drift(Duration::from_secs(10));
    /// let hlc = DurableHlc::create(builder, FileBoundStore::new(dir.join("b")), lease)?;
    /// // A remote timestamp well past the bound: the bound is stored before it is used.
    /// let ts = hlc.receive(Timestamp::new(5_000_000, 0)?)?;
    /// assert!(hlc.persisted_bound() >= ts.physical());
    /// # drop(hlc);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive(&self, remote: Timestamp) -> Result<Timestamp, DurableError> {
        self.event(Some(remote))
    }

    /// The bound most recently made durable, in microseconds since the epoch. Every
    /// timestamp issued so far has a physical part at most this.
    ///
    /// # Examples
    ///
    /// See [`receive`](Self::receive).
    pub fn persisted_bound(&self) -> u64 {
        self.bound.load(Ordering::Acquire)
    }

    /// The last timestamp issued, as [`Hlc::last`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-last-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let durable = DurableHlc::create(Hlc::builder(ManualClock::new(1_000)), FileBoundStore::new(dir.join("b")), Duration::from_secs(1))?;
    /// let ts = durable.now()?;
    /// assert_eq!(durable.last(), Some(ts));
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn last(&self) -> Option<Timestamp> {
        self.hlc.last()
    }

    /// The physical clock read by the clock inside.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-clock-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let durable = DurableHlc::create(Hlc::builder(ManualClock::new(1_000)), FileBoundStore::new(dir.join("b")), Duration::from_secs(1))?;
    /// assert_eq!(durable.clock().now_micros(), 1_000);
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clock(&self) -> &C {
        self.hlc.clock()
    }

    /// The maximum drift accepted from a remote timestamp, as [`Hlc::max_drift`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-drift-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let builder = Hlc::builder(ManualClock::new(1_000)).max_drift(Duration::from_millis(5));
    /// let durable = DurableHlc::create(builder, FileBoundStore::new(dir.join("b")), Duration::from_secs(1))?;
    /// assert_eq!(durable.max_drift(), Some(Duration::from_millis(5)));
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_drift(&self) -> Option<Duration> {
        self.hlc.max_drift()
    }

    /// The policy for a full logical counter, as [`Hlc::overflow_policy`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock, OverflowPolicy};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-policy-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let durable = DurableHlc::create(Hlc::builder(ManualClock::new(1_000)), FileBoundStore::new(dir.join("b")), Duration::from_secs(1))?;
    /// assert_eq!(durable.overflow_policy(), OverflowPolicy::Carry);
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overflow_policy(&self) -> OverflowPolicy {
        self.hlc.overflow_policy()
    }

    /// Jumps observed, as [`Hlc::jump_stats`]; the reading taken when the clock started
    /// is observed too.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, JumpThresholds, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-jumps-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let builder = Hlc::builder(ManualClock::new(1_000_000))
    ///     .watch_jumps(JumpThresholds::new(Duration::from_millis(1), Duration::from_secs(60)));
    /// let durable = DurableHlc::create(builder, FileBoundStore::new(dir.join("b")), Duration::from_secs(1))?;
    /// durable.clock().set(0);
    /// durable.now()?;
    /// assert_eq!(durable.jump_stats().map(|s| s.backward), Some(1));
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jump_stats(&self) -> Option<JumpStats> {
        self.hlc.jump_stats()
    }

    /// The lease: how far ahead of issued time the bound is stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-lease-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let durable = DurableHlc::create(Hlc::builder(ManualClock::new(1_000)), FileBoundStore::new(dir.join("b")), Duration::from_secs(3))?;
    /// assert_eq!(durable.lease(), Duration::from_secs(3));
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lease(&self) -> Duration {
        Duration::from_micros(self.lease_micros)
    }

    /// Merges a remote timestamp without issuing one, as [`Hlc::observe`], and makes it
    /// durable: when `observe` returns, a restart resumes above `remote` too.
    ///
    /// # Errors
    ///
    /// [`DurableError::Clock`] as [`Hlc::observe`]; [`DurableError::Store`] when the
    /// bound had to be extended to cover `remote` and storing it failed (the clock in
    /// memory has then merged `remote`, but a restart may not).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock, Timestamp};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-observe-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let clock = ManualClock::new(1_000_000);
    /// let durable = DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(dir.join("b")), Duration::from_millis(10))?;
    /// let remote = Timestamp::new(1_300_000, 2)?;
    /// durable.observe(remote)?;
    /// assert!(durable.persisted_bound() >= remote.physical());
    /// assert!(durable.now()? > remote);
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn observe(&self, remote: Timestamp) -> Result<(), DurableError> {
        self.hlc.observe(remote)?;
        if remote.physical() > self.bound.load(Ordering::Acquire) {
            self.extend(remote.physical())?;
        }
        Ok(())
    }

    /// Reserves `n` consecutive timestamps, as [`Hlc::reserve`], within the persisted
    /// bound: the whole batch is covered by a stored bound before it is returned.
    ///
    /// # Errors
    ///
    /// [`DurableError::Clock`] as [`Hlc::reserve`]; [`DurableError::Store`] when the
    /// bound had to be extended and storing it failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-reserve-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let durable = DurableHlc::create(Hlc::builder(ManualClock::new(1_000)), FileBoundStore::new(dir.join("b")), Duration::from_millis(10))?;
    /// let batch = durable.reserve(10_000)?;
    /// assert_eq!(batch.len(), 10_000);
    /// assert!(durable.persisted_bound() >= batch.last().physical());
    /// # drop(durable);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reserve(&self, n: u32) -> Result<Batch, DurableError> {
        loop {
            let bound = self.bound.load(Ordering::Acquire);
            match self.hlc.batch_event(n, ceiling_of(bound)) {
                Ok(batch) => {
                    self.refresh_early(batch.last(), bound);
                    return Ok(batch);
                }
                Err(EventError::Clock(e)) => return Err(e.into()),
                Err(EventError::Ceiling(candidate)) => self.extend(candidate.physical())?,
            }
        }
    }

    fn event(&self, remote: Option<Timestamp>) -> Result<Timestamp, DurableError> {
        loop {
            let bound = self.bound.load(Ordering::Acquire);
            match self.hlc.event(remote, ceiling_of(bound)) {
                Ok(ts) => {
                    self.refresh_early(ts, bound);
                    return Ok(ts);
                }
                Err(EventError::Clock(e)) => return Err(e.into()),
                Err(EventError::Ceiling(candidate)) => self.extend(candidate.physical())?,
            }
        }
    }

    /// After issuing up to `ts` under `bound`: refreshes the bound early when `ts` is
    /// within half a lease of it, by one thread, without waiting for the lock. A failure
    /// here is retried, and reported, when the bound is actually reached. A store that
    /// once panicked is still used, as `extend` does.
    fn refresh_early(&self, ts: Timestamp, bound: u64) {
        if ts.physical().saturating_add(self.lease_micros / 2) > bound {
            let store = match self.store.try_lock() {
                Ok(store) => Some(store),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(mut store) = store {
                let wanted = ts.physical().saturating_add(self.lease_micros / 2 + 1);
                if let Err(e) = self.extend_locked(&mut *store, wanted) {
                    crate::trace::bound_refresh_failed(&e, wanted, true);
                }
            }
        }
    }

    /// Makes sure the persisted bound is at least `needed`.
    fn extend(&self, needed: u64) -> Result<(), StoreError> {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let result = self.extend_locked(&mut *store, needed);
        if let Err(e) = &result {
            crate::trace::bound_refresh_failed(e, needed, false);
        }
        result
    }

    fn extend_locked(&self, store: &mut S, needed: u64) -> Result<(), StoreError> {
        let current = self.bound.load(Ordering::Acquire);
        if current >= needed {
            return Ok(());
        }
        // `needed` already covers the reading of the event that asks (every caller
        // derives it from a checked reading or an issued timestamp). The clock is not
        // read again here: a reading taken now could be a glitch beyond the range, and
        // persisting it would exhaust the clock for good after the next restart.
        let new = needed.saturating_add(self.lease_micros).min(MAX_PHYSICAL);
        store.store(new)?;
        self.bound.store(new, Ordering::Release);
        Ok(())
    }
}

/// The largest timestamp a bound covers: `(bound, 4095)`.
fn ceiling_of(bound: u64) -> u64 {
    (bound << LOGICAL_BITS) | u64::from(MAX_LOGICAL)
}

/// Checks the lease against its documented range, and the restart policy against the
/// overflow policy.
fn validate(options: &DurableOptions, overflow: OverflowPolicy) -> Result<(), DurableError> {
    if options.restart == RestartPolicy::Jump && overflow == OverflowPolicy::Reject {
        return Err(DurableError::JumpWithReject);
    }
    let (min, max) = (DurableOptions::MIN_LEASE, DurableOptions::MAX_LEASE);
    if options.lease < min || options.lease > max {
        return Err(DurableError::InvalidLease {
            lease: options.lease,
            min,
            max,
        });
    }
    Ok(())
}
