//! The binary decoder against forged lengths, with the heap's peak measured by dhat's
//! counting allocator (its own test binary, so that no other test shares the heap).
#![cfg(feature = "std")]

use ward_crdt::{BINARY_VERSION, Binary, OrSet, from_bytes};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

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
