//! Leader election on ZooKeeper: ephemeral sequential nodes, the lowest leads, each candidate
//! watches only its predecessor; the token is the winning node's czxid.

use core::time::Duration;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::time::{Instant, timeout, timeout_at};
use zookeeper_client::{Acls, Client, CreateMode, Error, SessionState};

use crate::holder::{
    CoordinationError, LockHolder, Release, Shared, SharedClock, check_margin, default_clock,
};
use crate::lease::{LeaseRequest, MonotonicClock};
use crate::token::{FencingToken, TokenError};

/// How long an acquisition waits for leadership unless told otherwise.
const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The prefix of every candidate node's name.
const CANDIDATE: &str = "n-";

/// The pause between two lookups while the connection is down.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// Candidacies started by this process, numbering their markers.
static CANDIDACIES: AtomicU64 = AtomicU64::new(0);

/// Leadership (or a lock) through ZooKeeper's election recipe, with the winning node's
/// `czxid` as the fencing token.
///
/// # The recipe
///
/// Each candidate creates an ephemeral sequential node `<path>/n-<sequence>` (the
/// persistent parents are created when missing). The candidate with the lowest sequence
/// leads. Every other candidate watches only the node just below its own (not the parent,
/// so one departure wakes one candidate, not the herd) and looks again when that node goes.
/// The node lives as long as the candidate's session: a session that expires deletes it
/// and hands leadership to the next candidate.
///
/// A connection lost while the node is being created leaves the outcome unknown: the
/// server may have created it and lost only the reply. Each node's data is a marker of
/// its candidacy (the session id and a number unique in the process), so the candidate
/// waits for the connection to come back (within the acquisition timeout) and looks for
/// the node this session owns with its marker: found, it carries on with that node;
/// absent, `acquire` returns the connection error. So a lost reply does not leave a node
/// nobody watches at the head of the queue, and never adopts another candidacy's node.
///
/// # The token
///
/// The token is the node's `czxid`, the zxid of the transaction that created it: an epoch
/// (raised at every leader change of the ensemble) in the high 32 bits and a counter in the
/// low 32, so it grows across server restarts and never wraps in practice. Candidates are
/// queued by sequence number, which orders them as their czxids (both follow creation
/// order under one parent). The sequence number itself is not the token: it is a signed
/// 32-bit counter of the parent that wraps after 2 147 483 647 children, and it starts
/// again at 0 if the parent is re-created. A queue whose counter has wrapped (negative
/// sequences) no longer sorts in creation order and is refused with
/// [`TokenError::Wrapped`]; delete and re-create the parent when no candidate is queued
/// (the czxid tokens keep growing).
///
/// # Lease
///
/// The lease is the session: the server expires it after the negotiated session timeout
/// without hearing from the client. A task on the tokio runtime that acquired the lock
/// reads the node every third of that timeout; each answer renews the holder's
/// [`Lease`](crate::Lease) from the clock reading taken before the request was sent.
/// An expired or closed session, or a node gone or replaced, loses the lock; a connection
/// lost for longer than the lease lets it lapse, and the next answer, sent after the safe
/// period, loses it for good.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use core::time::Duration;
/// use ward_fencing::{Fenced, ZooKeeperElection};
///
/// let client = ward_fencing::zookeeper_client::Client::connect("127.0.0.1:2181").await?;
/// let election = ZooKeeperElection::new("/ward/leader", Duration::from_millis(500))?;
/// let leader = election.acquire(&client).await?;
/// let storage = Fenced::new(0u64);
/// storage.write(leader.check()?, |value| *value += 1)?; // the storage checks the token
/// leader.release().await?;
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "zookeeper")))]
#[derive(Clone, Debug)]
pub struct ZooKeeperElection {
    path: String,
    margin: Duration,
    acquire_timeout: Duration,
    clock: SharedClock,
}

impl ZooKeeperElection {
    /// An election under the node `path` (absolute, without a trailing `/`), acted upon
    /// only until `margin` before the session would expire. Waits up to 30 s for
    /// leadership ([`ZooKeeperElection::with_acquire_timeout`]); the lease runs on the
    /// boot-time clock on Linux and Android, else on the process's monotonic clock
    /// ([`ZooKeeperElection::with_clock`]). The margin is checked against the session
    /// timeout when acquiring.
    ///
    /// # Errors
    ///
    /// [`CoordinationError::InvalidName`] if `path` is not absolute, is `/`, ends in `/` or
    /// has an empty segment.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::ZooKeeperElection;
    ///
    /// assert!(ZooKeeperElection::new("/ward/leader", Duration::from_millis(500)).is_ok());
    /// assert!(ZooKeeperElection::new("ward/leader/", Duration::ZERO).is_err());
    /// ```
    pub fn new(path: &str, margin: Duration) -> Result<Self, CoordinationError> {
        let valid = path.len() > 1
            && path.starts_with('/')
            && !path.ends_with('/')
            && !path[1..].split('/').any(str::is_empty);
        if !valid {
            return Err(CoordinationError::InvalidName {
                name: path.to_owned(),
            });
        }
        Ok(Self {
            path: path.to_owned(),
            margin,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            clock: default_clock(),
        })
    }

    /// The same election, waiting up to `limit` for leadership.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::ZooKeeperElection;
    ///
    /// let election = ZooKeeperElection::new("/ward/leader", Duration::ZERO)?
    ///     .with_acquire_timeout(Duration::from_secs(2));
    /// # Ok::<(), ward_fencing::CoordinationError>(())
    /// ```
    #[must_use]
    pub fn with_acquire_timeout(mut self, limit: Duration) -> Self {
        self.acquire_timeout = limit;
        self
    }

    /// The same election, with the leader's lease counted on `clock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use ward_fencing::{SystemClock, ZooKeeperElection};
    ///
    /// let election = ZooKeeperElection::new("/ward/leader", Duration::ZERO)?
    ///     .with_clock(SystemClock::new());
    /// # Ok::<(), ward_fencing::CoordinationError>(())
    /// ```
    #[must_use]
    pub fn with_clock<C: MonotonicClock + Send + Sync + 'static>(mut self, clock: C) -> Self {
        self.clock = SharedClock(Arc::new(clock));
        self
    }

    /// Joins the election with the session of `client` and returns the holder once this
    /// candidate leads, with its node's czxid as the token. A client (session) holds at most
    /// one candidacy per election path at a time.
    ///
    /// # Errors
    ///
    /// [`CoordinationError::ZooKeeper`] if a request fails,
    /// [`CoordinationError::Timeout`] if leadership does not come in time (the candidate
    /// node is deleted), [`CoordinationError::LostWhileAcquiring`] if the node went away
    /// (an expired session), [`CoordinationError::MarginNotBelowTtl`] if the margin is not
    /// below the session timeout, [`CoordinationError::Token`] for a czxid below 1 or a
    /// wrapped sequence counter.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: &ward_fencing::zookeeper_client::Client) -> Result<(), ward_fencing::CoordinationError> {
    /// use core::time::Duration;
    /// use ward_fencing::ZooKeeperElection;
    ///
    /// let leader = ZooKeeperElection::new("/ward/leader", Duration::from_millis(500))?
    ///     .acquire(client)
    ///     .await?;
    /// assert!(leader.may_act());
    /// # Ok(()) }
    /// ```
    pub async fn acquire(&self, client: &Client) -> Result<LockHolder, CoordinationError> {
        let session_timeout = client.session_timeout();
        check_margin(session_timeout, self.margin)?;
        let deadline = crate::holder::deadline_after(self.acquire_timeout);
        let parents = CreateMode::Persistent.with_acls(Acls::anyone_all());
        client.mkdir(&self.path, &parents).await?;
        let prefix = format!("{}/{CANDIDATE}", self.path);
        let candidate = CreateMode::EphemeralSequential.with_acls(Acls::anyone_all());
        let marker = Marker::new(client);
        let (own, czxid) = match client.create(&prefix, &marker.bytes(), &candidate).await {
            Ok((stat, sequence)) => (format!("{prefix}{sequence}"), stat.czxid),
            // The request may have been applied with its reply lost: look for the node by
            // its marker once the connection is back, so that it is not left in the queue.
            Err(err) if outcome_unknown(&err) => {
                match timeout_at(deadline, self.find_own(client, &marker)).await {
                    Ok(Ok(Some(found))) => found,
                    Ok(Ok(None)) | Err(_) => return Err(err.into()),
                    Ok(Err(lookup)) => return Err(lookup),
                }
            }
            Err(err) => return Err(err.into()),
        };
        let outcome = timeout_at(deadline, self.wait_until_first(client, &own)).await;
        let token = match outcome {
            Ok(Ok(())) => FencingToken::from_zookeeper_zxid(czxid).map_err(CoordinationError::from),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(CoordinationError::Timeout {
                waited: self.acquire_timeout,
            }),
        };
        let token = match token {
            Ok(token) => token,
            Err(err) => {
                let _ = client.delete(&own, None).await;
                return Err(err);
            }
        };
        // Count the lease from a request sent now, after leadership came.
        let request = LeaseRequest::start(self.clock.clone());
        let lease = match timeout(session_timeout / 3, client.check_stat(&own)).await {
            Ok(Ok(Some(now))) if now.czxid == czxid => {
                request.granted(token, session_timeout, self.margin)
            }
            _ => {
                let _ = client.delete(&own, None).await;
                return Err(CoordinationError::Lost { token });
            }
        };
        let lease = match lease {
            Ok(lease) => lease,
            Err(err) => {
                let _ = client.delete(&own, None).await;
                return Err(err.into());
            }
        };
        let shared = Shared::new(lease);
        let task = tokio::spawn(keep_alive(
            client.clone(),
            own.clone(),
            czxid,
            session_timeout,
            Arc::clone(&shared),
        ));
        let release = Release::ZooKeeper {
            client: client.clone(),
            path: own,
        };
        Ok(LockHolder::new(token, shared, task, release))
    }

    /// The candidate node this session created with `marker`, with its czxid; `None` if
    /// there is none. Retries while the connection is down (the caller bounds the wait);
    /// newest nodes are looked at first, since the one looked for was created last.
    async fn find_own(
        &self,
        client: &Client,
        marker: &Marker,
    ) -> Result<Option<(String, i64)>, CoordinationError> {
        let mut children = retrying(|| client.list_children(&self.path)).await?;
        children.retain(|name| name.starts_with(CANDIDATE));
        // Sequences are zero-padded to one width, so names sort as their sequences.
        children.sort_unstable_by(|a, b| b.cmp(a));
        let wanted = marker.bytes();
        for name in children {
            let path = format!("{}/{name}", self.path);
            match retrying(|| client.get_data(&path)).await {
                Ok((data, stat)) if stat.ephemeral_owner == marker.session && data == wanted => {
                    return Ok(Some((path, stat.czxid)));
                }
                Ok(_) | Err(CoordinationError::ZooKeeper(Error::NoNode)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(None)
    }

    /// Waits until `own` is the lowest candidate, watching only its predecessor.
    async fn wait_until_first(&self, client: &Client, own: &str) -> Result<(), CoordinationError> {
        let own_name = &own[self.path.len() + 1..];
        let own_sequence = sequence_of(own_name)?;
        loop {
            let children = client.list_children(&self.path).await?;
            let mut predecessor: Option<(i64, &str)> = None;
            let mut present = false;
            for name in &children {
                if !name.starts_with(CANDIDATE) {
                    continue;
                }
                let sequence = sequence_of(name)?;
                if sequence == own_sequence {
                    present = true;
                } else if sequence < own_sequence
                    && predecessor.is_none_or(|(best, _)| sequence > best)
                {
                    predecessor = Some((sequence, name));
                }
            }
            if !present {
                return Err(CoordinationError::LostWhileAcquiring);
            }
            let Some((_, name)) = predecessor else {
                return Ok(());
            };
            let watched = format!("{}/{name}", self.path);
            let (stat, watcher) = client.check_and_watch_stat(&watched).await?;
            if stat.is_some() {
                // The outer timeout bounds this wait; any event (deletion, session change)
                // means looking again.
                let _event = watcher.changed().await;
            }
        }
    }
}

/// What a candidate node's data holds: the id of the session that created it and a
/// number no other candidacy of this process uses, so that a candidate that lost the
/// reply to its create finds its own node and no other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marker {
    session: i64,
    candidacy: u64,
}

impl Marker {
    fn new(client: &Client) -> Self {
        Self {
            session: client.session_id().0,
            candidacy: CANDIDACIES.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The node data: both numbers, big-endian.
    fn bytes(self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&self.session.to_be_bytes());
        out[8..].copy_from_slice(&self.candidacy.to_be_bytes());
        out
    }
}

/// Whether a failed request may still have been applied: every error but the answers
/// that say it was not (the server refused it) and the ends of the session or client.
/// A lost, reset or silent connection fails a request with whatever ended it.
fn outcome_unknown(err: &Error) -> bool {
    !matches!(
        err,
        Error::NoNode
            | Error::NodeExists
            | Error::NoAuth
            | Error::InvalidAcl
            | Error::NoChildrenForEphemerals
            | Error::BadArguments(_)
            | Error::BadVersion
            | Error::NotEmpty
            | Error::QuotaExceeded
            | Error::Unimplemented
            | Error::NotReadOnly
            | Error::Throttled
            | Error::ReconfigDisabled
            | Error::NoWatcher
            | Error::RuntimeInconsistent
            | Error::SessionExpired
            | Error::ClientClosed
            | Error::AuthFailed
            | Error::NoHosts
    )
}

/// Runs `request` until it succeeds or fails with an answer (see [`outcome_unknown`]),
/// pausing between tries; the caller bounds the time. An expired session (which deleted
/// any candidate node) is [`CoordinationError::LostWhileAcquiring`].
async fn retrying<T, F, Fut>(mut request: F) -> Result<T, CoordinationError>
where
    F: FnMut() -> Fut,
    Fut: core::future::Future<Output = Result<T, Error>>,
{
    loop {
        match request().await {
            Ok(value) => return Ok(value),
            Err(Error::SessionExpired) => return Err(CoordinationError::LostWhileAcquiring),
            Err(err) if outcome_unknown(&err) => tokio::time::sleep(RETRY_PAUSE).await,
            Err(err) => return Err(err.into()),
        }
    }
}

/// The sequence number of a candidate node's name; a wrapped (negative) counter is refused.
fn sequence_of(name: &str) -> Result<i64, CoordinationError> {
    let digits = name
        .strip_prefix(CANDIDATE)
        .ok_or(TokenError::PrefixMismatch)?;
    let sequence: i64 = digits.parse().map_err(|_| TokenError::NotSequential)?;
    if sequence < 0 {
        return Err(TokenError::Wrapped { sequence }.into());
    }
    Ok(sequence)
}

/// The holder's keep-alive task: reads the node every third of the session timeout and
/// renews the holder's lease with each answer; an expired or closed session, or the node
/// gone or replaced, loses the lock.
async fn keep_alive(
    client: Client,
    path: String,
    czxid: i64,
    session_timeout: Duration,
    shared: Arc<Shared>,
) {
    let interval = session_timeout / 3;
    let mut states = client.state_watcher();
    let mut next = Instant::now() + interval;
    loop {
        tokio::select! {
            state = states.changed() => {
                if matches!(state, SessionState::Expired | SessionState::Closed | SessionState::AuthFailed) {
                    shared.lose(session_lost(&state));
                    return;
                }
            }
            () = tokio::time::sleep_until(next) => {
                next = Instant::now() + interval;
                let renewal = shared.start_renewal();
                match timeout_at(next, client.check_stat(&path)).await {
                    Ok(Ok(Some(stat))) if stat.czxid == czxid => {
                        if shared.renew(renewal, session_timeout).is_err() {
                            return;
                        }
                    }
                    Ok(Ok(_)) => {
                        shared.lose("the candidate node is gone or replaced");
                        return;
                    }
                    Ok(Err(Error::SessionExpired)) => {
                        shared.lose("session expired");
                        return;
                    }
                    Ok(Err(Error::ClientClosed | Error::AuthFailed)) => {
                        shared.lose("client closed or authentication failed");
                        return;
                    }
                    // A lost connection: the session may survive it. The lease is not renewed
                    // and lapses on the holder's clock meanwhile.
                    Ok(Err(_)) | Err(_) => {}
                }
            }
        }
    }
}

/// The reason a session state ends the lock, for the loss event.
fn session_lost(state: &SessionState) -> &'static str {
    match state {
        SessionState::Expired => "session expired",
        SessionState::AuthFailed => "session authentication failed",
        _ => "session closed",
    }
}

/// Deletes the candidate node; a node already gone (or a session already expired, which
/// deleted it) is not an error.
pub(crate) async fn release(client: &Client, path: &str) -> Result<(), CoordinationError> {
    match client.delete(path, None).await {
        Ok(()) | Err(Error::NoNode | Error::SessionExpired) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss event names why the session ended the lock; an operator reads the text,
    /// so each end state keeps its own.
    #[test]
    fn session_end_states_name_their_own_loss_reason() {
        assert_eq!(session_lost(&SessionState::Expired), "session expired");
        assert_eq!(
            session_lost(&SessionState::AuthFailed),
            "session authentication failed"
        );
        assert_eq!(session_lost(&SessionState::Closed), "session closed");
    }

    #[test]
    fn markers_of_one_session_differ_and_encode_both_numbers() {
        let a = Marker {
            session: 0x0102_0304_0506_0708,
            candidacy: 9,
        };
        assert_eq!(a.bytes(), [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9]);
        let b = Marker { candidacy: 10, ..a };
        assert_ne!(a.bytes(), b.bytes());
        let first = CANDIDACIES.fetch_add(0, Ordering::Relaxed);
        let next = CANDIDACIES.fetch_add(1, Ordering::Relaxed);
        assert!(next >= first);
    }

    #[test]
    fn only_answers_and_ended_sessions_are_known_outcomes() {
        for unknown in [
            Error::ConnectionLoss,
            Error::Timeout,
            Error::UnexpectedError(String::from("reset")),
            Error::UnexpectedErrorCode(-999),
            Error::SessionMoved,
            Error::MarshallingError,
        ] {
            assert!(outcome_unknown(&unknown), "{unknown:?}");
        }
        for known in [
            Error::NoNode,
            Error::NodeExists,
            Error::NoAuth,
            Error::InvalidAcl,
            Error::NoChildrenForEphemerals,
            Error::BadArguments(&"bad"),
            Error::BadVersion,
            Error::NotEmpty,
            Error::QuotaExceeded,
            Error::Unimplemented,
            Error::NotReadOnly,
            Error::Throttled,
            Error::ReconfigDisabled,
            Error::NoWatcher,
            Error::RuntimeInconsistent,
            Error::SessionExpired,
            Error::ClientClosed,
            Error::AuthFailed,
            Error::NoHosts,
        ] {
            assert!(!outcome_unknown(&known), "{known:?}");
        }
    }

    #[test]
    fn sequence_of_reads_zookeeper_names_and_refuses_a_wrapped_counter() {
        assert_eq!(sequence_of("n-0000000000").unwrap(), 0);
        assert_eq!(sequence_of("n-2147483647").unwrap(), 2_147_483_647);
        assert!(matches!(
            sequence_of("n--2147483648"),
            Err(CoordinationError::Token(TokenError::Wrapped {
                sequence: -2_147_483_648
            }))
        ));
        assert!(matches!(
            sequence_of("x-0000000001"),
            Err(CoordinationError::Token(TokenError::PrefixMismatch))
        ));
        assert!(matches!(
            sequence_of("n-abc"),
            Err(CoordinationError::Token(TokenError::NotSequential))
        ));
    }
}
