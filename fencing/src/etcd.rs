//! Locks and elections on etcd (v3 API) with the key's create revision as the fencing token.

use core::future::Future;
use core::time::Duration;
use std::sync::Arc;

use etcd_client::{
    Client, LeaderKey, LeaseKeepAliveStream, LeaseKeeper, LockOptions, ResignOptions,
};
use tokio::time::{sleep, timeout, timeout_at};

use crate::holder::{
    CoordinationError, LockHolder, Release, Shared, SharedClock, check_margin, default_clock,
};
use crate::lease::{LeaseRequest, MonotonicClock};
use crate::token::FencingToken;

/// How long an acquisition waits for the lock unless told otherwise.
const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// What every etcd acquisition needs: the name, the lease, the margin, the bound on waiting.
#[derive(Clone, Debug)]
struct Options {
    name: String,
    ttl: Duration,
    ttl_secs: i64,
    margin: Duration,
    acquire_timeout: Duration,
    clock: SharedClock,
}

impl Options {
    fn new(name: &str, ttl: Duration, margin: Duration) -> Result<Self, CoordinationError> {
        if name.is_empty() {
            return Err(CoordinationError::InvalidName {
                name: name.to_owned(),
            });
        }
        let ttl_secs = if ttl.subsec_nanos() == 0 && ttl.as_secs() > 0 {
            i64::try_from(ttl.as_secs()).map_err(|_| CoordinationError::InvalidTtl { ttl })?
        } else {
            return Err(CoordinationError::InvalidTtl { ttl });
        };
        check_margin(ttl, margin)?;
        Ok(Self {
            name: name.to_owned(),
            ttl,
            ttl_secs,
            margin,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            clock: default_clock(),
        })
    }

    /// The pause between keep-alives: a third of the TTL, so two can fail before it ends.
    fn interval(&self) -> Duration {
        self.ttl / 3
    }

    /// Grants a lease, keeps it alive while `take` waits for the lock, then starts the
    /// holder's keep-alive task.
    async fn acquire<F, Fut>(
        &self,
        client: &mut Client,
        take: F,
    ) -> Result<LockHolder, CoordinationError>
    where
        F: FnOnce(Client, i64) -> Fut,
        Fut: Future<Output = Result<(FencingToken, EtcdRelease), CoordinationError>>,
    {
        // Every request of the acquisition shares one deadline: a stalled connection
        // (a client without its own request timeout) ends in `Timeout`, not a hang.
        let deadline = crate::holder::deadline_after(self.acquire_timeout);
        let waited = self.acquire_timeout;
        let timed_out = || CoordinationError::Timeout { waited };
        let granted = timeout_at(deadline, client.lease_grant(self.ttl_secs, None))
            .await
            .map_err(|_| timed_out())??;
        let lease_id = granted.id();
        let interval = self.interval();
        let (keeper, stream) = match timeout_at(deadline, client.lease_keep_alive(lease_id)).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(err)) => {
                self.revoke(client, lease_id).await;
                return Err(err.into());
            }
            Err(_) => {
                self.revoke(client, lease_id).await;
                return Err(timed_out());
            }
        };
        let waiting = tokio::spawn(keep_alive_while_waiting(keeper, stream, interval));
        let taken = timeout_at(deadline, take(client.clone(), lease_id)).await;
        waiting.abort();
        let (token, kind) = match taken {
            Ok(Ok(taken)) => taken,
            Ok(Err(err)) => {
                self.revoke(client, lease_id).await;
                return Err(err);
            }
            Err(_) => {
                // Revoking the lease deletes the waiting key, so no lock is left behind.
                self.revoke(client, lease_id).await;
                return Err(timed_out());
            }
        };
        // Count the lease from a keep-alive sent now, after the lock was taken.
        let request = LeaseRequest::start(self.clock.clone());
        let Ok(Ok((mut keeper, mut stream))) =
            timeout(interval, client.lease_keep_alive(lease_id)).await
        else {
            self.revoke(client, lease_id).await;
            return Err(CoordinationError::Lost { token });
        };
        let Ok(Ok(Some(ttl))) = timeout(interval, keep_alive_once(&mut keeper, &mut stream)).await
        else {
            self.revoke(client, lease_id).await;
            return Err(CoordinationError::Lost { token });
        };
        let lease = match request.granted(token, ttl, self.margin) {
            Ok(lease) => lease,
            Err(err) => {
                self.revoke(client, lease_id).await;
                return Err(err.into());
            }
        };
        let shared = Shared::new(lease);
        let task = tokio::spawn(keep_alive(keeper, stream, Arc::clone(&shared), interval));
        let release = Release::Etcd {
            client: Box::new(client.clone()),
            lease_id,
            kind,
            limit: self.ttl,
        };
        Ok(LockHolder::new(token, shared, task, release))
    }

    /// Revokes the lease, best effort and for at most one TTL: past that etcd has let it
    /// expire anyway.
    async fn revoke(&self, client: &mut Client, lease_id: i64) {
        let _ = timeout(self.ttl, client.lease_revoke(lease_id)).await;
    }
}

/// Sends one keep-alive and waits for its answer: the granted TTL, or `None` if etcd no
/// longer has the lease (TTL 0) or the stream ended.
async fn keep_alive_once(
    keeper: &mut LeaseKeeper,
    stream: &mut LeaseKeepAliveStream,
) -> Result<Option<Duration>, etcd_client::Error> {
    keeper.keep_alive().await?;
    Ok(stream
        .message()
        .await?
        .and_then(|answer| u64::try_from(answer.ttl()).ok())
        .filter(|&secs| secs > 0)
        .map(Duration::from_secs))
}

/// Keeps the lease alive while the acquisition waits; ends at the first failure (the lease
/// then runs out and the acquisition finds it gone).
async fn keep_alive_while_waiting(
    mut keeper: LeaseKeeper,
    mut stream: LeaseKeepAliveStream,
    interval: Duration,
) {
    loop {
        sleep(interval).await;
        match timeout(interval, keep_alive_once(&mut keeper, &mut stream)).await {
            Ok(Ok(Some(_))) => {}
            _ => return,
        }
    }
}

/// The holder's keep-alive task: renews the service's lease and the holder's [`Lease`]
/// every `interval`; a failed keep-alive, a late answer or TTL 0 loses the lock for good.
///
/// [`Lease`]: crate::Lease
async fn keep_alive(
    mut keeper: LeaseKeeper,
    mut stream: LeaseKeepAliveStream,
    shared: Arc<Shared>,
    interval: Duration,
) {
    loop {
        sleep(interval).await;
        let renewal = shared.start_renewal();
        match timeout(interval, keep_alive_once(&mut keeper, &mut stream)).await {
            Ok(Ok(Some(ttl))) => {
                if shared.renew(renewal, ttl).is_err() {
                    return;
                }
            }
            Ok(Ok(None)) => {
                shared.lose("etcd no longer has the lease");
                return;
            }
            Ok(Err(_)) => {
                shared.lose("keep-alive failed");
                return;
            }
            Err(_) => {
                shared.lose("keep-alive not answered in time");
                return;
            }
        }
    }
}

/// What to undo on release.
#[derive(Clone, Debug)]
pub(crate) enum EtcdRelease {
    /// A lock key: unlock it.
    Lock { key: Vec<u8> },
    /// An election's leader key: resign.
    Election { leader: LeaderKey },
}

/// Unlocks or resigns, then revokes the lease; a lease etcd no longer has is not an error.
/// Each request waits at most `limit` (the lease's TTL, after which etcd ends the lease by
/// itself): past it the release is [`CoordinationError::Timeout`].
pub(crate) async fn release(
    mut client: Client,
    lease_id: i64,
    kind: EtcdRelease,
    limit: Duration,
) -> Result<(), CoordinationError> {
    let first = match kind {
        EtcdRelease::Lock { key } => timeout(limit, client.unlock(key))
            .await
            .map(|r| r.map(drop)),
        EtcdRelease::Election { leader } => timeout(
            limit,
            client.resign(Some(ResignOptions::new().with_leader(leader))),
        )
        .await
        .map(|r| r.map(drop)),
    };
    let Ok(revoked) = timeout(limit, client.lease_revoke(lease_id)).await else {
        return Err(CoordinationError::Timeout { waited: limit });
    };
    match (first, revoked.map(drop)) {
        (_, Ok(())) => Ok(()),
        (_, Err(err)) if is_lease_not_found(&err) => Ok(()),
        // Revoking the lease also ends the lock or leadership held under it.
        (Ok(Err(err)), _) | (_, Err(err)) => Err(err.into()),
    }
}

/// Whether etcd answered that it has no such lease (expired or revoked already).
fn is_lease_not_found(err: &etcd_client::Error) -> bool {
    err.to_string().contains("lease not found")
}

/// A named lock on etcd (the v3 lock service) held under a lease, with the lock key's
/// create revision as the fencing token.
///
/// # The token
///
/// etcd's lock service creates a key `<name>/<lease id>` under the holder's lease and grants
/// the lock to the key with the lowest create revision. The create revision is the
/// revision of the transaction that created the key: a counter of the whole key space
/// that only grows, is kept across restarts (it is in the write-ahead log) and is taken
/// before the lock is granted, so every later holder's key has a higher one. The **lease
/// id** is not a token: ids are allocated from a generator seeded by the member id and time,
/// not in grant order, so a later holder may have a lower id. The key's **version** is not
/// one either: every new lock key starts at version 1.
///
/// # Lease
///
/// The lease is kept alive every third of its TTL, by a task on the tokio runtime that
/// acquired the lock; each keep-alive drives the holder's [`Lease`](crate::Lease), counted
/// from the clock reading taken before it was sent. A keep-alive that fails, times out or
/// is answered with TTL 0 loses the lock.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use core::time::Duration;
/// use ward_fencing::{EtcdLock, Fenced};
///
/// let mut client = ward_fencing::etcd_client::Client::connect(["127.0.0.1:2379"], None).await?;
/// let lock = EtcdLock::new("jobs/nightly", Duration::from_secs(10), Duration::from_secs(1))?;
/// let holder = lock.acquire(&mut client).await?;
/// let storage = Fenced::new(0u64);
/// storage.write(holder.check()?, |value| *value += 1)?; // the storage checks the token
/// holder.release().await?;
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "etcd")))]
#[derive(Clone, Debug)]
pub struct EtcdLock {
    options: Options,
}

impl EtcdLock {
    /// A lock named `name`, held under a lease of `ttl` (whole seconds, etcd's unit), acted
    /// upon only until `margin` before the lease ends. Acquisition waits up to 30 s
    /// ([`EtcdLock::with_acquire_timeout`]); the lease runs on the boot-time clock on Linux
    /// and Android, else on the process's monotonic clock ([`EtcdLock::with_clock`]).
    ///
    /// # Errors
    ///
    /// [`CoordinationError::InvalidName`] if `name` is empty,
    /// [`CoordinationError::InvalidTtl`] if `ttl` is not a whole number of seconds from 1
    /// to `i64::MAX`, [`CoordinationError::MarginNotBelowTtl`] if `margin >= ttl`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{CoordinationError, EtcdLock};
    ///
    /// assert!(EtcdLock::new("jobs", Duration::from_secs(10), Duration::from_secs(1)).is_ok());
    /// let err = EtcdLock::new("jobs", Duration::from_millis(1500), Duration::ZERO).unwrap_err();
    /// assert!(matches!(err, CoordinationError::InvalidTtl { .. }));
    /// ```
    pub fn new(name: &str, ttl: Duration, margin: Duration) -> Result<Self, CoordinationError> {
        Ok(Self {
            options: Options::new(name, ttl, margin)?,
        })
    }

    /// The same lock, waiting up to `limit` for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::EtcdLock;
    ///
    /// let lock = EtcdLock::new("jobs", Duration::from_secs(5), Duration::ZERO)?
    ///     .with_acquire_timeout(Duration::from_secs(2));
    /// # Ok::<(), ward_fencing::CoordinationError>(())
    /// ```
    #[must_use]
    pub fn with_acquire_timeout(mut self, limit: Duration) -> Self {
        self.options.acquire_timeout = limit;
        self
    }

    /// The same lock, with its lease counted on `clock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{EtcdLock, SystemClock};
    ///
    /// let lock = EtcdLock::new("jobs", Duration::from_secs(5), Duration::ZERO)?
    ///     .with_clock(SystemClock::new());
    /// # Ok::<(), ward_fencing::CoordinationError>(())
    /// ```
    #[must_use]
    pub fn with_clock<C: MonotonicClock + Send + Sync + 'static>(mut self, clock: C) -> Self {
        self.options.clock = SharedClock(Arc::new(clock));
        self
    }

    /// Grants a lease, waits for the lock under it (keeping the lease alive meanwhile), and
    /// returns the holder with the lock key's create revision as its token.
    ///
    /// # Errors
    ///
    /// [`CoordinationError::Etcd`] if a request fails, [`CoordinationError::Timeout`] if the
    /// lock is not granted in time (the lease is revoked, so no waiting key is left),
    /// [`CoordinationError::LostWhileAcquiring`] or [`CoordinationError::Lost`] if the
    /// lease or key is gone by the time the lock is granted, [`CoordinationError::Token`] if etcd answers with a revision below 1.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: &mut ward_fencing::etcd_client::Client) -> Result<(), ward_fencing::CoordinationError> {
    /// use core::time::Duration;
    /// use ward_fencing::EtcdLock;
    ///
    /// let holder = EtcdLock::new("jobs", Duration::from_secs(10), Duration::from_secs(1))?
    ///     .acquire(client)
    ///     .await?;
    /// assert!(holder.may_act());
    /// # Ok(()) }
    /// ```
    pub async fn acquire(&self, client: &mut Client) -> Result<LockHolder, CoordinationError> {
        let name = self.options.name.clone();
        self.options
            .acquire(client, move |mut client, lease_id| async move {
                let locked = client
                    .lock(name, Some(LockOptions::new().with_lease(lease_id)))
                    .await?;
                let key = locked.key().to_vec();
                let found = client.get(key.clone(), None).await?;
                let Some(kv) = found.kvs().first() else {
                    // The key went with its lease before we could read it.
                    return Err(CoordinationError::LostWhileAcquiring);
                };
                let token = FencingToken::from_etcd_revision(kv.create_revision())?;
                Ok((token, EtcdRelease::Lock { key }))
            })
            .await
    }
}

/// Leadership through etcd's election service, with the leader key's create revision as
/// the fencing token (the same rule as [`EtcdLock`]).
///
/// A campaign puts a key `<name>/<lease id>` under the candidate's lease and waits until
/// every key of the election created before it is gone. The leader key's revision
/// (`LeaderKey.rev`) is that key's create revision, so successive leaders have strictly
/// increasing tokens.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use core::time::Duration;
/// use ward_fencing::EtcdElection;
///
/// let mut client = ward_fencing::etcd_client::Client::connect(["127.0.0.1:2379"], None).await?;
/// let election = EtcdElection::new("leader", Duration::from_secs(10), Duration::from_secs(1))?;
/// let leader = election.campaign(&mut client, "node-a").await?;
/// println!("leading with token {}", leader.token());
/// leader.release().await?; // resign
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "etcd")))]
#[derive(Clone, Debug)]
pub struct EtcdElection {
    options: Options,
}

impl EtcdElection {
    /// An election named `name`, campaigned for under a lease of `ttl` (whole seconds),
    /// acted upon only until `margin` before the lease ends; waits up to 30 s.
    ///
    /// # Errors
    ///
    /// As [`EtcdLock::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::EtcdElection;
    ///
    /// assert!(EtcdElection::new("", Duration::from_secs(5), Duration::ZERO).is_err());
    /// ```
    pub fn new(name: &str, ttl: Duration, margin: Duration) -> Result<Self, CoordinationError> {
        Ok(Self {
            options: Options::new(name, ttl, margin)?,
        })
    }

    /// The same election, waiting up to `limit` for leadership.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::EtcdElection;
    ///
    /// let election = EtcdElection::new("leader", Duration::from_secs(5), Duration::ZERO)?
    ///     .with_acquire_timeout(Duration::from_secs(2));
    /// # Ok::<(), ward_fencing::CoordinationError>(())
    /// ```
    #[must_use]
    pub fn with_acquire_timeout(mut self, limit: Duration) -> Self {
        self.options.acquire_timeout = limit;
        self
    }

    /// The same election, with the leader's lease counted on `clock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{EtcdElection, SystemClock};
    ///
    /// let election = EtcdElection::new("leader", Duration::from_secs(5), Duration::ZERO)?
    ///     .with_clock(SystemClock::new());
    /// # Ok::<(), ward_fencing::CoordinationError>(())
    /// ```
    #[must_use]
    pub fn with_clock<C: MonotonicClock + Send + Sync + 'static>(mut self, clock: C) -> Self {
        self.options.clock = SharedClock(Arc::new(clock));
        self
    }

    /// Campaigns with `value` (what observers of the election see) and returns the leader's
    /// holder once elected.
    ///
    /// # Errors
    ///
    /// As [`EtcdLock::acquire`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: &mut ward_fencing::etcd_client::Client) -> Result<(), ward_fencing::CoordinationError> {
    /// use core::time::Duration;
    /// use ward_fencing::EtcdElection;
    ///
    /// let election = EtcdElection::new("leader", Duration::from_secs(10), Duration::from_secs(1))?;
    /// let leader = election.campaign(client, "node-a").await?;
    /// # Ok(()) }
    /// ```
    pub async fn campaign(
        &self,
        client: &mut Client,
        value: &str,
    ) -> Result<LockHolder, CoordinationError> {
        let name = self.options.name.clone();
        let value = value.to_owned();
        self.options
            .acquire(client, move |mut client, lease_id| async move {
                let elected = client.campaign(name, value, lease_id).await?;
                let Some(leader) = elected.leader() else {
                    return Err(CoordinationError::LostWhileAcquiring);
                };
                let token = FencingToken::from_etcd_revision(leader.rev())?;
                Ok((
                    token,
                    EtcdRelease::Election {
                        leader: leader.clone(),
                    },
                ))
            })
            .await
    }
}
