//! The holder of a lock taken from a coordination service: its token, its lease and the
//! signal that it is lost.

use core::fmt;
use core::future::Future;
use core::time::Duration;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::lease::{Lease, LeaseError, MonotonicClock, Renewal};
use crate::token::{FencingToken, TokenError};

/// A clock shared between a holder and its keep-alive task.
#[derive(Clone)]
pub(crate) struct SharedClock(pub(crate) Arc<dyn MonotonicClock + Send + Sync>);

impl MonotonicClock for SharedClock {
    fn now(&self) -> Duration {
        self.0.now()
    }
}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedClock")
    }
}

/// The clock a holder runs its lease on unless told otherwise: the boot-time clock where
/// there is one (it counts suspend), else the process's monotonic clock.
pub(crate) fn default_clock() -> SharedClock {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return SharedClock(Arc::new(crate::lease::BootClock::new()));
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return SharedClock(Arc::new(crate::lease::SystemClock::new()));
}

/// What a holder and its keep-alive task share.
#[derive(Debug)]
pub(crate) struct Shared {
    lease: Mutex<Lease<SharedClock>>,
    lost: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(lease: Lease<SharedClock>) -> Arc<Self> {
        let (lost, _) = watch::channel(false);
        Arc::new(Self {
            lease: Mutex::new(lease),
            lost,
        })
    }

    /// Reads the lease's clock before a keep-alive is sent.
    pub(crate) fn start_renewal(&self) -> Renewal {
        self.lease.lock().start_renewal()
    }

    /// Applies a keep-alive's answer; a refused renewal loses the lock for good.
    pub(crate) fn renew(&self, renewal: Renewal, granted: Duration) -> Result<(), LeaseError> {
        let result = self.lease.lock().renew(renewal, granted);
        if let Err(e) = &result {
            crate::trace::renewal_refused(|| self.lease.lock().token(), e);
            self.mark_lost();
        }
        result
    }

    /// Reports the lock lost, for good, by `reason` (the keep-alive task saw the lease,
    /// session or node go away).
    pub(crate) fn lose(&self, reason: &'static str) {
        crate::trace::lock_lost(|| self.lease.lock().token(), reason);
        self.mark_lost();
    }

    /// Marks the lock lost, for good, without an event (a release the holder asked for).
    pub(crate) fn mark_lost(&self) {
        self.lost.send_replace(true);
    }

    fn is_lost(&self) -> bool {
        *self.lost.borrow()
    }
}

/// How a holder gives its lock back.
pub(crate) enum Release {
    /// An etcd lock or election key under a lease: resign or unlock, then revoke the lease.
    #[cfg(feature = "etcd")]
    Etcd {
        client: Box<etcd_client::Client>,
        lease_id: i64,
        kind: crate::etcd::EtcdRelease,
        /// How long each release request may wait.
        limit: core::time::Duration,
    },
    /// A ZooKeeper ephemeral node: delete it.
    #[cfg(feature = "zookeeper")]
    ZooKeeper {
        client: zookeeper_client::Client,
        path: String,
    },
}

impl fmt::Debug for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "etcd")]
            Self::Etcd { lease_id, .. } => f
                .debug_struct("Etcd")
                .field("lease_id", lease_id)
                .finish_non_exhaustive(),
            #[cfg(feature = "zookeeper")]
            Self::ZooKeeper { path, .. } => f
                .debug_struct("ZooKeeper")
                .field("path", path)
                .finish_non_exhaustive(),
        }
    }
}

/// A lock (or leadership) held on a coordination service: the fencing token to send with
/// every write, whether the holder may still act, and a future that resolves when the lock is
/// lost.
///
/// Made by `EtcdLock::acquire` and `EtcdElection::campaign` (feature `etcd`) and by
/// `ZooKeeperElection::acquire` (feature `zookeeper`). A keep-alive task (on the tokio runtime that acquired
/// the lock) renews the service's lease or session and drives a [`Lease`] counted on the
/// holder's own clock from readings taken before each request was sent. The holder may act
/// while that lease has more than its margin left and no renewal has failed; a failed or
/// refused renewal, a lease the service no longer has (TTL 0), an expired session or a
/// deleted node loses the lock for good.
///
/// **The holder's belief is not the fence.** A holder paused between [`LockHolder::check`]
/// and its write still writes with an old token; only the storage's
/// [`FenceGuard`](crate::FenceGuard), [`Fenced`](crate::Fenced) or
/// [`DurableFence`](crate::DurableFence) refuses it. Send [`LockHolder::token`] with every
/// write.
///
/// Dropping a holder stops its keep-alive task; the service then frees the lock when the
/// lease or session runs out. [`LockHolder::release`] frees it at once.
///
/// # Examples
///
/// ```no_run
/// # #[cfg(feature = "etcd")]
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use core::time::Duration;
/// use ward_fencing::{EtcdLock, FenceGuard};
///
/// let mut client = ward_fencing::etcd_client::Client::connect(["127.0.0.1:2379"], None).await?;
/// let lock = EtcdLock::new("jobs/nightly", Duration::from_secs(10), Duration::from_secs(1))?;
/// let holder = lock.acquire(&mut client).await?;
/// let storage = FenceGuard::new();
/// if holder.may_act() {
///     storage.admit(holder.token())?; // the storage checks the token, whatever the holder believes
/// }
/// holder.release().await?;
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(any(feature = "etcd", feature = "zookeeper"))))]
#[derive(Debug)]
pub struct LockHolder {
    token: FencingToken,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    release: Option<Release>,
}

impl LockHolder {
    pub(crate) fn new(
        token: FencingToken,
        shared: Arc<Shared>,
        task: JoinHandle<()>,
        release: Release,
    ) -> Self {
        Self {
            token,
            shared,
            task,
            release: Some(release),
        }
    }

    /// The fencing token of this lock: send it with every write.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "zookeeper")]
    /// # async fn run(client: &ward_fencing::zookeeper_client::Client) -> Result<(), ward_fencing::CoordinationError> {
    /// use core::time::Duration;
    /// use ward_fencing::ZooKeeperElection;
    ///
    /// let holder = ZooKeeperElection::new("/ward/leader", Duration::from_millis(500))?.acquire(client).await?;
    /// println!("leading with token {}", holder.token());
    /// # Ok(()) }
    /// ```
    pub const fn token(&self) -> FencingToken {
        self.token
    }

    /// Whether the holder may still act: the lock is not lost and the lease has more than its
    /// margin left on the holder's clock.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "etcd")]
    /// # async fn run(holder: ward_fencing::LockHolder) {
    /// if holder.may_act() {
    ///     // write, with holder.token()
    /// }
    /// # }
    /// ```
    pub fn may_act(&self) -> bool {
        !self.shared.is_lost() && self.shared.lease.lock().may_act()
    }

    /// Whether the lock is lost for good (a renewal failed or was refused, the session
    /// expired, or the node or key is gone). A holder that is not lost may still be past its
    /// margin: ask [`LockHolder::may_act`] before acting.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "etcd")]
    /// # async fn run(holder: ward_fencing::LockHolder) {
    /// holder.lost().await;
    /// assert!(holder.is_lost());
    /// # }
    /// ```
    pub fn is_lost(&self) -> bool {
        self.shared.is_lost()
    }

    /// The time left to act on the holder's clock (zero once it must stop).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "etcd")]
    /// # async fn run(holder: ward_fencing::LockHolder) {
    /// println!("{:?} left", holder.remaining());
    /// # }
    /// ```
    pub fn remaining(&self) -> Duration {
        if self.shared.is_lost() {
            return Duration::ZERO;
        }
        self.shared.lease.lock().remaining()
    }

    /// The token if the holder may act now.
    ///
    /// # Errors
    ///
    /// [`CoordinationError::Lost`] if the lock is lost, [`CoordinationError::MarginReached`]
    /// if the lease has no more than its margin left.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "etcd")]
    /// # async fn run(holder: ward_fencing::LockHolder, storage: ward_fencing::FenceGuard) -> Result<(), Box<dyn std::error::Error>> {
    /// let token = holder.check()?;
    /// storage.admit(token)?;
    /// # Ok(()) }
    /// ```
    pub fn check(&self) -> Result<FencingToken, CoordinationError> {
        if self.shared.is_lost() {
            return Err(CoordinationError::Lost { token: self.token });
        }
        let lease = self.shared.lease.lock();
        if lease.may_act() {
            Ok(self.token)
        } else {
            Err(CoordinationError::MarginReached {
                token: self.token,
                safe_until: lease.safe_until(),
            })
        }
    }

    /// A future that resolves once the lock is lost (at once if it already is). It holds no
    /// borrow of the holder and may be moved to another task.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "etcd")]
    /// # async fn run(holder: ward_fencing::LockHolder) {
    /// let lost = holder.lost();
    /// tokio::select! {
    ///     () = lost => println!("lock {} lost: stop", holder.token()),
    ///     () = async { /* the work */ } => {}
    /// }
    /// # }
    /// ```
    pub fn lost(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.shared.lost.subscribe();
        async move {
            // An error means the sender is gone with the holder: nothing keeps the lock alive.
            let _ = receiver.wait_for(|lost| *lost).await;
        }
    }

    /// Gives the lock back at once: stops the keep-alive, then deletes the node or resigns
    /// (unlocks) and revokes the lease. The holder is lost from then on.
    ///
    /// # Errors
    ///
    /// `CoordinationError::Etcd` or `CoordinationError::ZooKeeper` if the service could
    /// not be told; the lock is then freed when the lease or session runs out. A lease or
    /// node already gone is not an error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(feature = "etcd")]
    /// # async fn run(holder: ward_fencing::LockHolder) -> Result<(), ward_fencing::CoordinationError> {
    /// holder.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn release(mut self) -> Result<(), CoordinationError> {
        self.task.abort();
        self.shared.mark_lost();
        match self.release.take() {
            #[cfg(feature = "etcd")]
            Some(Release::Etcd {
                client,
                lease_id,
                kind,
                limit,
            }) => crate::etcd::release(*client, lease_id, kind, limit).await,
            #[cfg(feature = "zookeeper")]
            Some(Release::ZooKeeper { client, path }) => {
                crate::zookeeper::release(&client, &path).await
            }
            None => Ok(()),
        }
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Why a lock could not be taken, kept or given back.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "etcd")] {
/// use core::time::Duration;
/// use ward_fencing::{CoordinationError, EtcdLock};
///
/// let err = EtcdLock::new("jobs", Duration::from_secs(1), Duration::from_secs(1)).unwrap_err();
/// assert!(matches!(err, CoordinationError::MarginNotBelowTtl { .. }));
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(any(feature = "etcd", feature = "zookeeper"))))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoordinationError {
    /// The safety margin is not below the lease's TTL: the holder could never act.
    #[error("safety margin {margin:?} is not below the lease ttl {ttl:?}")]
    MarginNotBelowTtl {
        /// The margin asked for.
        margin: Duration,
        /// The TTL asked for (or the session timeout the server granted).
        ttl: Duration,
    },
    /// The TTL is not a whole number of seconds from 1 to `i64::MAX` (etcd's lease unit).
    #[error("lease ttl {ttl:?} is not a whole number of seconds of at least 1")]
    InvalidTtl {
        /// The TTL asked for.
        ttl: Duration,
    },
    /// The lock or election name is empty, or the ZooKeeper path is not absolute, ends in
    /// `/`, or contains an empty segment.
    #[error("invalid lock name or path {name:?}")]
    InvalidName {
        /// The name or path given.
        name: String,
    },
    /// The service answered with a revision, zxid or node name that is not a valid token.
    #[error("the service's answer is not a valid fencing token: {0}")]
    Token(#[from] TokenError),
    /// The lease the service granted could not be turned into a [`Lease`] (a TTL of zero,
    /// or one not above the margin).
    #[error("the granted lease is unusable: {0}")]
    Lease(#[from] LeaseError),
    /// The lock was not acquired within the acquisition timeout.
    #[error("lock not acquired within {waited:?}")]
    Timeout {
        /// How long the acquisition waited.
        waited: Duration,
    },
    /// The lock is lost: a renewal failed or was refused, the session expired, or the key
    /// or node is gone.
    #[error("the lock with token {token} is lost")]
    Lost {
        /// The token the lock had (or the one it was about to get).
        token: FencingToken,
    },
    /// The lease, session or key went away while the lock was being acquired, before a
    /// token was known.
    #[error("the lease, session or key went away while acquiring the lock")]
    LostWhileAcquiring,
    /// The lock is held but its lease has no more than its margin left: stop acting.
    #[error("the lease of token {token} is inside its safety margin (safe until {safe_until:?})")]
    MarginReached {
        /// The lock's token.
        token: FencingToken,
        /// The holder's clock reading after which it must not act.
        safe_until: Duration,
    },
    /// An etcd request failed.
    #[cfg(feature = "etcd")]
    #[cfg_attr(docsrs, doc(cfg(feature = "etcd")))]
    #[error("etcd request failed: {0}")]
    Etcd(#[from] etcd_client::Error),
    /// A ZooKeeper request failed.
    #[cfg(feature = "zookeeper")]
    #[cfg_attr(docsrs, doc(cfg(feature = "zookeeper")))]
    #[error("zookeeper request failed: {0}")]
    ZooKeeper(#[from] zookeeper_client::Error),
}

/// Validates a lease margin against the TTL.
pub(crate) fn check_margin(ttl: Duration, margin: Duration) -> Result<(), CoordinationError> {
    if margin >= ttl {
        return Err(CoordinationError::MarginNotBelowTtl { margin, ttl });
    }
    Ok(())
}

/// The instant `limit` from now; a limit past what the clock can count (such as
/// `Duration::MAX`) means about thirty years, which no acquisition waits for.
pub(crate) fn deadline_after(limit: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(limit)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 86_400))
}

// Two attributes rather than `all(test, ..)`: mutation testing recognizes `cfg(test)`
// and leaves the tests themselves alone.
#[cfg(test)]
#[cfg(not(ward_loom))]
mod tests {
    use super::*;
    use crate::lease::{LeaseRequest, ManualClock};

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    /// An acquisition timeout of `Duration::MAX` (or any past what the clock counts)
    /// used to panic when added to the current instant.
    #[test]
    fn regression_an_endless_acquire_timeout_is_a_far_deadline_not_a_panic() {
        runtime().block_on(async {
            let far = deadline_after(Duration::MAX);
            assert!(far > tokio::time::Instant::now() + S(29 * 365 * 86_400));
            let near = deadline_after(S(2));
            let left = near - tokio::time::Instant::now();
            assert!(left <= S(2) && left > S(1), "{left:?}");
        });
    }

    /// A holder of token 7 with a lease of 10 s and a margin of 1 s on a manual clock, and
    /// a keep-alive task that only waits; `closed` resolves once that task is gone.
    fn holder(rt: &tokio::runtime::Runtime) -> (LockHolder, Arc<ManualClock>, Closed) {
        let clock = Arc::new(ManualClock::new());
        let shared_clock = SharedClock(clock.clone());
        let lease = LeaseRequest::start(shared_clock)
            .granted(FencingToken::new(7).unwrap(), S(10), S(1))
            .unwrap();
        let shared = Shared::new(lease);
        let (alive, closed) = tokio::sync::oneshot::channel::<()>();
        let task = rt.spawn(async move {
            let _alive = alive;
            core::future::pending::<()>().await;
        });
        let holder = LockHolder {
            token: FencingToken::new(7).unwrap(),
            shared,
            task,
            release: None,
        };
        (holder, clock, Closed(closed))
    }

    struct Closed(tokio::sync::oneshot::Receiver<()>);

    impl Closed {
        /// Whether the keep-alive task ended within a second.
        fn ended(self, rt: &tokio::runtime::Runtime) -> bool {
            rt.block_on(async {
                tokio::time::timeout(S(1), self.0)
                    .await
                    .is_ok_and(|r| r.is_err())
            })
        }
    }

    #[test]
    fn a_holder_acts_until_its_margin_and_a_renewal_moves_the_margin() {
        let rt = runtime();
        let (holder, clock, _closed) = holder(&rt);
        assert!(holder.may_act() && !holder.is_lost());
        assert_eq!(holder.remaining(), S(9));
        assert_eq!(holder.check().unwrap().get(), 7);

        clock.advance(S(5));
        let renewal = holder.shared.start_renewal();
        holder.shared.renew(renewal, S(10)).unwrap();
        clock.advance(S(4)); // the first lease's margin: the renewed one runs to 14 s
        assert!(holder.may_act() && !holder.is_lost());
        assert_eq!(holder.remaining(), S(5));

        clock.advance(S(5)); // exactly at the renewed margin: stop
        assert!(!holder.may_act() && !holder.is_lost());
        assert_eq!(holder.remaining(), Duration::ZERO);
        assert!(matches!(
            holder.check(),
            Err(CoordinationError::MarginReached { token, safe_until })
                if token.get() == 7 && safe_until == S(14)
        ));
    }

    /// A keep-alive sent after the safe period loses the lock for good, and says so to
    /// operators with the holder's token and the reason.
    #[cfg(feature = "tracing")]
    #[test]
    fn a_refused_renewal_is_traced_as_a_lost_lock() {
        let rt = runtime();
        let (holder, clock, _closed) = holder(&rt);
        clock.advance(S(20)); // the keep-alive goes out after the safe period
        let renewal = holder.shared.start_renewal();
        let events = ward_testkit::Collect::only("ward_fencing").run(|| {
            assert!(holder.shared.renew(renewal, S(10)).is_err());
        });
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            events[0].starts_with("WARN lock lost")
                && events[0].contains("token=7")
                && events[0].contains("reason=\"renewal refused\""),
            "{events:?}"
        );
        assert!(holder.is_lost() && !holder.may_act());
    }

    #[test]
    fn a_lost_holder_never_acts_though_its_lease_has_time_left() {
        let rt = runtime();
        let (holder, _clock, _closed) = holder(&rt);
        let lost = holder.lost();
        let mut lost = core::pin::pin!(lost);
        rt.block_on(async {
            assert!(
                tokio::time::timeout(Duration::from_millis(20), &mut lost)
                    .await
                    .is_err(),
                "lost() resolved while the lock is held"
            );
        });
        holder.shared.lose("test");
        assert!(holder.is_lost() && !holder.may_act());
        assert_eq!(holder.remaining(), Duration::ZERO);
        assert!(
            matches!(holder.check(), Err(CoordinationError::Lost { token }) if token.get() == 7)
        );
        rt.block_on(async {
            tokio::time::timeout(S(1), lost)
                .await
                .expect("lost() resolves once the lock is lost");
        });
    }

    #[test]
    fn a_refused_renewal_loses_the_lock() {
        let rt = runtime();
        let (holder, _clock, _closed) = holder(&rt);
        let renewal = holder.shared.start_renewal();
        assert!(holder.shared.renew(renewal, Duration::ZERO).is_err());
        assert!(holder.is_lost() && !holder.may_act());
    }

    #[test]
    fn dropping_a_holder_stops_its_keep_alive() {
        let rt = runtime();
        let (holder, _clock, closed) = holder(&rt);
        drop(holder);
        assert!(closed.ended(&rt));
    }

    #[test]
    fn release_stops_the_keep_alive_and_loses_the_lock() {
        let rt = runtime();
        let (holder, _clock, closed) = holder(&rt);
        let shared = Arc::clone(&holder.shared);
        rt.block_on(holder.release()).unwrap();
        assert!(shared.is_lost());
        assert!(closed.ended(&rt));
    }

    #[test]
    fn the_margin_must_be_below_the_ttl() {
        assert!(check_margin(S(2), S(1)).is_ok());
        assert!(matches!(
            check_margin(S(2), S(2)),
            Err(CoordinationError::MarginNotBelowTtl { margin, ttl }) if margin == S(2) && ttl == S(2)
        ));
    }

    #[test]
    fn the_shared_clock_reads_its_clock_and_debug_names_it() {
        let clock = Arc::new(ManualClock::new());
        clock.advance(S(3));
        let shared = SharedClock(clock);
        assert_eq!(shared.now(), S(3));
        assert_eq!(format!("{shared:?}"), "SharedClock");
    }
}
