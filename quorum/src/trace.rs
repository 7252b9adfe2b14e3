//! Events for operators, emitted through `tracing` when the `tracing` feature is on: a
//! session's read that gives up on a replica and goes to the primary, a staleness router
//! that finds no replica within its bound, a session refusing an operation below its
//! token, a collector's quorum becoming impossible, a read that needs repair, a commit
//! gate refusing a row or marker, and a `tune` that finds no configuration meeting its
//! target. Every event is on a path that is already unusual; the simulator, the closed
//! forms and the common paths of the collectors, gates and routers emit nothing. Without
//! the feature these functions are empty and inlined away: nothing is compiled in.
//!
//! Every event has the target `ward_quorum`; subscribers filter on it.

/// A read waited `waited` of at most `max_wait` for a replica to apply the session's
/// position and is sent to the primary.
#[inline(always)]
pub(crate) fn session_read_to_primary(waited: u64, max_wait: u64) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "ward_quorum",
        waited,
        max_wait,
        "replica has not applied the session's position in time: read routed to the primary"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (waited, max_wait);
}

/// Why replicas did not qualify for a bounded-staleness read.
#[derive(Debug, Default, Clone, Copy)]
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct Unqualified {
    /// No lag report.
    pub(crate) unknown: usize,
    /// A report dated after now.
    pub(crate) future: usize,
    /// A report older than the router trusts.
    pub(crate) too_old: usize,
    /// Lag plus report age above the bound.
    pub(crate) too_stale: usize,
}

/// No replica of `replicas` is known to be within `bound_ms`; the read goes to the
/// primary. `why` counts the reasons, only when the event is emitted.
#[inline(always)]
pub(crate) fn staleness_to_primary(
    replicas: usize,
    bound_ms: u64,
    why: impl FnOnce() -> Unqualified,
) {
    #[cfg(feature = "tracing")]
    if tracing::enabled!(target: "ward_quorum", tracing::Level::INFO) {
        let why = why();
        tracing::info!(
        target: "ward_quorum",
        replicas,
        bound_ms,
        unknown = why.unknown,
        future = why.future,
        too_old = why.too_old,
        too_stale = why.too_stale,
        "no replica known to be within the staleness bound: read routed to the primary"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (replicas, bound_ms, why);
}

/// A session refused to record a `read` or `write` at a position below its token: the
/// replica or log that served it breaks the session's guarantees.
#[inline(always)]
pub(crate) fn session_below_token(operation: &'static str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_quorum",
        operation,
        "session refused an operation below its token"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = operation;
}

/// A `kind` ("write" or "read") collector's quorum of `needed` out of `replicas` became
/// impossible with `failures` failures and `answered` successful answers.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn quorum_impossible(
    kind: &'static str,
    replicas: usize,
    needed: usize,
    failures: usize,
    answered: usize,
) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_quorum",
        kind,
        replicas,
        needed,
        failures,
        answered,
        "quorum can no longer be reached"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (kind, replicas, needed, failures, answered);
}

/// A read's outcome lists `repair` of `replies` replicas for read repair; `newest`
/// values are the newest (more than one: concurrent versions).
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn read_repair(replies: usize, repair: usize, newest: usize) {
    #[cfg(feature = "tracing")]
    tracing::debug!(
        target: "ward_quorum",
        replies,
        repair,
        newest,
        "read repair: replicas hold older or concurrent values"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (replies, repair, newest);
}

/// A commit gate refused a row or marker of the replication stream.
#[cfg(feature = "alloc")]
#[inline(always)]
pub(crate) fn gate_refused(error: crate::gate::GateError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_quorum",
        %error,
        "commit gate refused a row or marker"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// `tune::cheapest` found no configuration of `n` replicas meeting its target; the
/// highest lower bound on consistency among the `candidates` was `best_consistency_lower`.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn tune_unmet(
    n: usize,
    candidates: usize,
    consistency: f64,
    t: f64,
    best_consistency_lower: f64,
) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_quorum",
        n,
        candidates,
        consistency,
        t,
        best_consistency_lower,
        "no quorum configuration meets the tuning target"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (n, candidates, consistency, t, best_consistency_lower);
}
