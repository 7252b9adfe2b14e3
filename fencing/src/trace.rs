//! Events for operators, emitted through `tracing` when the `tracing` feature is on: stale
//! tokens refused by a fence, marks raised on a durable fence, failed durable writes, and
//! locks lost by an etcd or ZooKeeper holder. Every event is on a path that is already
//! unusual (a refusal, a raise that writes to disk, an error, a loss), never on the path of
//! a holder presenting the current token. Without the feature these functions are empty
//! and inlined away: nothing is compiled in.
//!
//! Every event has the target `ward_fencing`; subscribers filter on it.

use crate::guard::StaleToken;

/// A fence refused a token below its mark: a superseded holder (a zombie leader) tried to
/// act. `fence` names the type (`"FenceGuard"`, `"Fenced"`, ...).
#[inline(always)]
pub(crate) fn stale_token(fence: &'static str, refusal: &StaleToken) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_fencing",
        fence,
        presented = refusal.presented().get(),
        mark = refusal.mark().get(),
        "stale fencing token refused"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (fence, refusal);
}

/// A durable fence made a higher mark durable (after the write to its store, before the
/// admission is acknowledged). `raised` is how many marks the write raised (one, or a
/// keyed fence's batch).
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn durable_mark_raised(fence: &'static str, mark: u64, raised: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "ward_fencing",
        fence,
        mark,
        raised,
        "durable mark raised"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (fence, mark, raised);
}

/// Writing a mark (or a token about to be issued) to durable storage failed; nothing that
/// needed it is acknowledged. `mark` is the highest mark the write carried.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn durable_write_failed(
    owner: &'static str,
    mark: u64,
    error: &crate::store::StoreError,
) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "ward_fencing",
        owner,
        mark,
        error = %Chain(error),
        "durable write of a fencing mark failed"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (owner, mark, error);
}

/// A lock holder lost its lock for good (`reason` says how). `token` is read only when the
/// event is emitted.
#[cfg(any(feature = "etcd", feature = "zookeeper"))]
#[inline(always)]
pub(crate) fn lock_lost(token: impl FnOnce() -> crate::FencingToken, reason: &'static str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_fencing",
        token = token().get(),
        reason,
        "lock lost"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (token, reason);
}

/// A lock holder's lease refused a renewal (TTL 0 from the service, or an answer that
/// came after the safe period): the lock is lost for good.
#[cfg(any(feature = "etcd", feature = "zookeeper"))]
#[inline(always)]
pub(crate) fn renewal_refused(
    token: impl FnOnce() -> crate::FencingToken,
    error: &crate::lease::LeaseError,
) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_fencing",
        token = token().get(),
        reason = "renewal refused",
        %error,
        "lock lost"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (token, error);
}

/// An error and its sources, `error: source: source`, for one event field.
#[cfg(all(feature = "tracing", feature = "std"))]
struct Chain<'a>(&'a crate::store::StoreError);

#[cfg(all(feature = "tracing", feature = "std"))]
impl core::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = core::error::Error::source(self.0);
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}
