//! One line per benchmark group saying what work every side does in it, printed under the
//! group's table in `BENCHMARKS.md` so that a ratio is read with its comparison.
//!
//! # Examples
//!
//! ```
//! use ward_benches::groups::work;
//!
//! assert!(work("hlc_now").unwrap().contains("CLOCK_REALTIME"));
//! assert_eq!(work("no_such_group"), None);
//! ```

/// `(group, the work every side does)`, by group name.
pub const WORK: &[(&str, &str)] = &[
    (
        "backoff_next",
        "every side draws the next jittered delay of a strategy with a 100 ms base and a 10 s cap",
    ),
    (
        "breaker_call",
        "every side runs the same successful closure through its own `call()`: permission, the call, \
         the clock reads its rules need, and recording the outcome; `ward` times each call for \
         Resilience4j's slow-call rule, `ward_failure_rate_only` has recloser's rules (the failure \
         rate alone) and so reads no clock",
    ),
    (
        "breaker_call_dirty",
        "as `breaker_call`, with every tenth call failing so every side records every outcome; \
         `ward_time_window` uses a 10 s time-based window",
    ),
    (
        "breaker_closed",
        "Ward's permit path (`try_acquire` + `record` with a fixed duration, no clock read) against \
         the peers' full `call()`; `atomic_load` is the floor",
    ),
    (
        "breaker_closed_two_threads",
        "as `breaker_closed`, timed on one thread while a second thread calls the same breaker",
    ),
    (
        "causal_deliver",
        "Ward alone (no other Rust crate delivers causally): a ring history offered in reverse causal \
         order and every message taken out, per delivered message",
    ),
    (
        "fence_admit",
        "the current holder's token is checked against the mark; both sides write only on a raise \
         (`FenceGuard::admit` against a `parking_lot::Mutex<u64>`)",
    ),
    (
        "fence_admit_raise",
        "every call presents a higher token, so both sides write the mark",
    ),
    (
        "fence_admit_two_threads",
        "as `fence_admit`, timed on one thread while a second thread admits on the same fence",
    ),
    (
        "fenced_write",
        "a token check plus adding one to the guarded value (`Fenced<u64>::write` against a mutex \
         over the mark and the value)",
    ),
    (
        "fenced_write_two_threads",
        "as `fenced_write`, timed on one thread while a second thread writes through the same fence",
    ),
    (
        "gcounter_merge",
        "merging two grow-only counters that know the same actors, each ahead on half; copies made \
         untimed, the merged-in counter freed inside the timing on both sides",
    ),
    (
        "hlc_clock_read",
        "the physical clocks alone (precise and coarse), to show what the HLC adds on top",
    ),
    (
        "hlc_interval",
        "on the same `SystemClock`: an HLC event against an uncertainty-interval read with a 1 ms bound",
    ),
    (
        "hlc_now",
        "issue one timestamp: `ward_system`, `uhlc` and `system_time` read CLOCK_REALTIME; \
         `ward_fast` and `uhlc_coarse` read the same coarse clock; \
         `system_time_plus_fetch_add` is that read plus one atomic add, the floor of any \
         clock shared between threads",
    ),
    (
        "hlc_now_two_threads",
        "as `hlc_now`, timed on one thread while a second thread issues from the same clock",
    ),
    (
        "hlc_update",
        "receive one remote timestamp slightly in the past, with a 500 ms drift bound on both sides",
    ),
    (
        "keyed_admit",
        "the current holder of one of the keys presents its token, keys drawn uniformly or Zipf-skewed; \
         `KeyedFence` against a `HashMap` under one `RwLock`, both writing only on a raise",
    ),
    (
        "orset_merge_descendant",
        "merging 10,000-element OR-sets where the right side saw the left and then removed and added \
         a tenth; copies untimed, the merged-in set freed inside the timing on both sides",
    ),
    (
        "orset_merge_disjoint",
        "merging two 10,000-element OR-sets written by replicas that never met; copies untimed, the \
         merged-in set freed inside the timing on both sides",
    ),
    (
        "orset_merge_identical",
        "merging two equal 10,000-element OR-sets (a repeated anti-entropy round); copies untimed, \
         the merged-in set freed inside the timing on both sides",
    ),
    (
        "orset_merge_overlap",
        "merging 10,000-element OR-sets that share half their history; copies untimed, the \
         merged-in set freed inside the timing on both sides",
    ),
    (
        "orset_merge_scaling",
        "merging two OR-sets of n / 2 elements each from replicas that never met; copies untimed, \
         the merged-in set freed inside the timing on both sides",
    ),
    (
        "orset_merge_small_delta",
        "Ward alone (crdts merges whole states): a one-element add delta merged into a set that knows \
         10 to 10,000 actors, one element per actor",
    ),
    (
        "orset_merge_small_delta_actors",
        "Ward alone: a one-element add delta merged into a set of 10,000 elements added by 10 to \
         10,000 actors; only the number of actors changes",
    ),
    (
        "pbs_trials",
        "Ward alone: WARS Monte Carlo trials for N = 3 on LNKD-DISK delays, one streaming batch",
    ),
    (
        "vclock_compare",
        "comparing two vector clocks with the same actors that differ only in the last entry",
    ),
    (
        "vclock_merge",
        "merging two vector clocks with interleaved counters; copies untimed, the merged-in clock \
         freed inside the timing on both sides",
    ),
];

/// The work every side does in `group`, if the group is known.
///
/// # Examples
///
/// ```
/// assert!(ward_benches::groups::work("fence_admit").is_some());
/// ```
pub fn work(group: &str) -> Option<&'static str> {
    WORK.iter().find(|(g, _)| *g == group).map(|(_, w)| *w)
}

#[cfg(test)]
mod tests {
    use super::WORK;

    #[test]
    fn every_group_is_described_once() {
        for (i, (group, work)) in WORK.iter().enumerate() {
            assert!(!work.is_empty(), "{group}");
            assert!(
                WORK[i + 1..].iter().all(|(g, _)| g != group),
                "{group} twice"
            );
        }
    }
}
