//! Opening a hostile keyed mark file, with the heap measured by dhat's counting allocator
//! (its own test binary, so that no other test shares the heap).
#![cfg(feature = "std")]

use ward_fencing::{DurableKeyedFence, StoreError};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// A keyed snapshot whose checksum is valid but whose key count (100,000) only just fits
/// the file's size made `open` reserve a table for every key it claimed, about four
/// times the file's size, before finding that the first entry was malformed. The
/// decoder now reserves for a bounded number of keys and lets the table grow.
#[test]
fn regression_a_forged_key_count_does_not_reserve_memory_ahead() {
    let count: u64 = 100_000;
    let mut body = b"WARDKFN\x01".to_vec();
    body.extend_from_slice(&0_u64.to_le_bytes()); // floor
    body.extend_from_slice(&count.to_le_bytes());
    // 10 bytes per claimed entry; the first says its key is 65,535 bytes long.
    body.extend_from_slice(&u16::MAX.to_le_bytes());
    body.resize(body.len() + 10 * count as usize - 2, 0);
    let crc = crc32fast::hash(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    std::fs::write(&path, &body).unwrap();

    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let opened = DurableKeyedFence::<Vec<u8>>::open(&path);
    let after = dhat::HeapStats::get();
    assert!(
        matches!(opened, Err(StoreError::Malformed { .. })),
        "{:?}",
        opened.err()
    );
    let peak = after.max_bytes.saturating_sub(before.curr_bytes);
    assert!(
        peak <= 2 * body.len(),
        "{peak} bytes at the peak for a file of {} bytes",
        body.len()
    );
}
