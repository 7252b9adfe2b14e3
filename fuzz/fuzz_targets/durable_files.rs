//! The durable file formats: the HLC bound file and the fence's mark file, read from
//! arbitrary bytes on disk.
//!
//! Whatever the bytes, opening never panics. A file that loads is canonical: storing the
//! value it loaded writes back exactly those bytes. A clock opened on a loaded bound issues
//! only timestamps above it and keeps the file ahead of what it issued; a fence opened on a
//! loaded mark admits exactly the tokens at or above it and has the higher one on disk before
//! its `Ok`. The first byte picks the format; the next eight are the clock reading (µs) or the
//! token presented.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ward_fencing::{DurableFence, DurableFenceError, FencingToken, FileStore, MarkStore};
use ward_hlc::{
    BoundStore, DurableHlc, DurableOptions, FileBoundStore, Hlc, MAX_LOGICAL, ManualClock,
    RestartPolicy, Timestamp,
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let (word, file) = match rest.split_first_chunk::<8>() {
        Some((word, file)) => (u64::from_le_bytes(*word), file),
        None => (0, rest),
    };
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("record");
    std::fs::write(&path, file).expect("writes the input");
    if which % 2 == 0 {
        hlc_bound(&path, file, word);
    } else {
        fence_mark(&path, file, word);
    }
});

fn hlc_bound(path: &std::path::Path, file: &[u8], now_micros: u64) {
    let mut store = FileBoundStore::new(path);
    let Ok(bound) = store.load() else {
        return;
    };
    // Canonical: the accepted bytes are exactly what storing the value writes.
    store.store(bound).expect("stores the bound it loaded");
    assert_eq!(
        std::fs::read(path).expect("reads back"),
        file,
        "the bound file decodes to {bound} but is not its canonical encoding"
    );

    let clock = ManualClock::new(now_micros % (1 << 52));
    let options = DurableOptions::new(Duration::from_millis(100)).restart(RestartPolicy::Jump);
    let Ok(hlc) = DurableHlc::open(Hlc::builder(clock), FileBoundStore::new(path), options) else {
        return;
    };
    let floor = Timestamp::new(bound, MAX_LOGICAL).expect("a loaded bound is in range");
    for _ in 0..3 {
        let Ok(ts) = hlc.now() else {
            return;
        };
        assert!(
            ts > floor,
            "{ts} issued at or below the persisted bound {bound}"
        );
        let on_disk = FileBoundStore::new(path).load();
        // The file is locked by `hlc`, but loading reads without the lock.
        if let Ok(on_disk) = on_disk {
            assert!(
                on_disk >= ts.physical(),
                "{ts} issued above the bound on disk ({on_disk})"
            );
        }
    }
}

fn fence_mark(path: &std::path::Path, file: &[u8], presented: u64) {
    let Ok(mut store) = FileStore::open(path) else {
        return;
    };
    let Ok(loaded) = store.load() else {
        return;
    };
    if let Some(mark) = loaded {
        store.persist(mark).expect("persists the mark it loaded");
        assert_eq!(
            std::fs::read(path).expect("reads back"),
            file,
            "the mark file decodes to {mark} but is not its canonical encoding"
        );
    }
    drop(store);

    let Ok(store) = FileStore::open(path) else {
        return;
    };
    let Ok(fence) = DurableFence::open(store) else {
        return;
    };
    let mark = loaded.map_or(0, FencingToken::get);
    let Ok(token) = FencingToken::new(presented) else {
        return;
    };
    let admitted = fence.admit(token);
    drop(fence); // releases the file's lock
    match admitted {
        Ok(_) => {
            assert!(
                presented >= mark,
                "token {presented} admitted below mark {mark}"
            );
            let durable = FileStore::open(path)
                .and_then(|mut s| s.load())
                .expect("the raised mark reads back")
                .map_or(0, FencingToken::get);
            assert!(
                durable >= presented,
                "token {presented} admitted before it was durable"
            );
        }
        Err(DurableFenceError::Stale(_)) => {
            assert!(presented < mark, "token {presented} refused at mark {mark}");
        }
        Err(e) => panic!("a fence on a scratch file failed to persist: {e}"),
    }
}
