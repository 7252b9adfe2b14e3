//! The binary decoder against forged lengths and the optimal delta against many runs,
//! with the heap measured by dhat's counting allocator (its own test binary, so that no
//! other test shares the heap; its tests take turns, one profiler at a time).
#![cfg(feature = "std")]

use std::sync::{Mutex, PoisonError};

use ward_crdt::{BINARY_VERSION, Binary, Dot, DotContext, DotRange, OrSet, from_bytes};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// dhat allows one profiler at a time: the tests take turns.
static TURN: Mutex<()> = Mutex::new(());

/// A length of 2^24 items followed by 2^24 bytes that are no item at all made the decoder
/// reserve room for 2^24 `(String, Vec<Dot>)` entries (768 MiB) before finding out that
/// the first item was not there. A sequence now reserves room for a bounded number of
/// items up front.
#[test]
fn regression_a_forged_length_does_not_reserve_memory_ahead() {
    let n = 1_usize << 24;
    let mut bytes = vec![BINARY_VERSION];
    (n as u64).encode(&mut bytes);
    bytes.resize(bytes.len() + n, 0xFF); // an endless varint: the first item fails
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    assert!(from_bytes::<OrSet<String, String>>(&bytes).is_err());
    let after = dhat::HeapStats::get();
    let peak = after.max_bytes.saturating_sub(before.curr_bytes);
    assert!(
        peak <= 1 << 20,
        "the decode held {peak} bytes at its peak for {} bytes of input",
        bytes.len()
    );
}

/// Every other add removed leaves one run per gap (here 50,000 runs around 50,000 live
/// dots of one actor). The optimal delta for an equal peer used to copy every live dot of
/// the actor for each run: about 20 GB allocated in total to find that nothing was to be
/// sent. It now allocates in proportion to the live dots.
#[test]
fn regression_delta_for_allocates_per_live_dot_not_per_run_and_dot() {
    let n = 50_000_u64;
    let entries: Vec<(u64, Vec<Dot<u8>>)> = (0..n)
        .map(|i| (i, vec![Dot::new(1, 2 * i + 1).unwrap()]))
        .collect();
    let ctx: DotContext<u8> = [DotRange::new(1, 1, 2 * n).unwrap()].into_iter().collect();
    let set = OrSet::<u64, u8>::try_from((entries, ctx)).unwrap();
    let digest = set.digest();
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let delta = set.delta_for(&digest);
    let after = dhat::HeapStats::get();
    assert_eq!(delta, OrSet::new());
    let allocated = after.total_bytes - before.total_bytes;
    assert!(
        allocated <= 64 << 20,
        "{allocated} bytes allocated for {n} live dots"
    );
    // A fresh peer gets everything, removals included (the delta's context used to be
    // built one run at a time, moving every later run: quadratic in the runs).
    let fresh = set.delta_for(&OrSet::<u64, u8>::new().digest());
    assert_eq!(fresh, set);
    assert_eq!(fresh.context().clock().get(&1), 2 * n);
}
