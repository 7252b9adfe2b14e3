//! The durable high-water mark: crash points between write, fsync and rename on a simulated
//! disk, damaged files on a real one, the zombie leader across a restart, and the issuer.
#![cfg(feature = "std")]

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_fencing::{
    Admission, DurableFence, DurableFenceError, DurableKeyedError, DurableKeyedFence, FencingToken,
    FileStore, FileSystem, IoOp, IssueError, MarkStore, MemoryStore, StaleToken, StoreError,
    TokenIssuer,
};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

/// A disk as POSIX promises it and no more. Files are inodes; a directory maps names to
/// inodes. Writes and renames change the volatile view; `sync_file` makes an inode's data
/// durable, `sync_dir` makes the directory's entries durable. A crash keeps only the durable
/// view, optionally with some of the pending changes having reached the disk anyway.
#[derive(Debug, Default)]
struct Disk {
    /// Paths locked by live `SimLock`s (locks die with the process, not with the disk).
    locks: std::collections::HashSet<PathBuf>,
    next_inode: u64,
    dir: HashMap<PathBuf, u64>,
    data: HashMap<u64, Vec<u8>>,
    durable_dir: HashMap<PathBuf, u64>,
    durable_data: HashMap<u64, Vec<u8>>,
    /// Every directory synced, in order.
    synced_dirs: Vec<PathBuf>,
}

/// What reaches the disk at a crash beyond what was synced.
#[derive(Clone, Copy, Debug)]
struct CrashShape {
    /// Pending renames and creations were flushed by the system before the crash.
    dir_flushed: bool,
    /// Unsynced file data: `None` loses it, `Some(k)` keeps its first `k` bytes (a torn
    /// write).
    torn_prefix: Option<usize>,
}

impl Disk {
    fn crash(&mut self, shape: CrashShape) {
        if shape.dir_flushed {
            self.durable_dir = self.dir.clone();
        }
        if let Some(k) = shape.torn_prefix {
            for (inode, bytes) in &self.data {
                if self.durable_data.get(inode) != Some(bytes) {
                    let k = k.min(bytes.len());
                    self.durable_data.insert(*inode, bytes[..k].to_vec());
                }
            }
        }
        self.dir = self.durable_dir.clone();
        self.data = self
            .dir
            .values()
            .map(|inode| {
                let bytes = self.durable_data.get(inode).cloned().unwrap_or_default();
                (*inode, bytes)
            })
            .collect();
        self.durable_data = self.data.clone();
    }
}

/// When the simulated process fails.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// The process dies at this mutating operation (it fails and so does everything after).
    CrashAt(usize),
    /// This one mutating operation fails with an I/O error; the process carries on.
    FailAt(usize),
    /// Nothing fails until the test crashes the process itself.
    None,
}

/// A `FileSystem` on a shared `Disk`, failing as told.
#[derive(Clone, Debug)]
struct SimFs {
    disk: Arc<Mutex<Disk>>,
    state: Arc<Mutex<(usize, Fault, bool)>>, // (mutating ops so far, fault, dead)
}

impl SimFs {
    fn new(disk: &Arc<Mutex<Disk>>, fault: Fault) -> Self {
        Self {
            disk: Arc::clone(disk),
            state: Arc::new(Mutex::new((0, fault, false))),
        }
    }

    /// Starts counting mutating operations again from zero, failing as `fault` says.
    fn arm(&self, fault: Fault) {
        *self.state.lock() = (0, fault, false);
    }

    fn is_dead(&self) -> bool {
        self.state.lock().2
    }

    /// Counts a mutating operation and decides whether it fails.
    fn step(&self) -> io::Result<()> {
        let mut state = self.state.lock();
        if state.2 {
            return Err(io::Error::other("process is dead"));
        }
        let n = state.0;
        state.0 += 1;
        match state.1 {
            Fault::CrashAt(k) if k == n => {
                state.2 = true;
                Err(io::Error::other("crash"))
            }
            Fault::FailAt(k) if k == n => Err(io::Error::other("injected failure")),
            _ => Ok(()),
        }
    }
}

fn not_found() -> io::Error {
    io::Error::from(io::ErrorKind::NotFound)
}

/// A lock on the simulated disk, released on drop.
#[derive(Debug)]
struct SimLock {
    disk: Arc<Mutex<Disk>>,
    path: PathBuf,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        self.disk.lock().locks.remove(&self.path);
    }
}

impl FileSystem for SimFs {
    type Lock = SimLock;

    fn try_lock(&self, path: &Path) -> io::Result<Option<SimLock>> {
        let mut disk = self.disk.lock();
        if !disk.locks.insert(path.to_path_buf()) {
            return Ok(None);
        }
        Ok(Some(SimLock {
            disk: Arc::clone(&self.disk),
            path: path.to_path_buf(),
        }))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.step()?;
        let mut disk = self.disk.lock();
        disk.dir.remove(path).ok_or_else(not_found)?;
        Ok(())
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let disk = self.disk.lock();
        let inode = disk.dir.get(path).ok_or_else(not_found)?;
        Ok(disk.data.get(inode).cloned().unwrap_or_default())
    }

    fn write_new(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.step()?;
        let mut disk = self.disk.lock();
        if disk.dir.contains_key(path) {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        disk.next_inode += 1;
        let inode = disk.next_inode;
        disk.dir.insert(path.to_path_buf(), inode);
        disk.data.insert(inode, bytes.to_vec());
        Ok(())
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        self.step()?;
        let mut disk = self.disk.lock();
        let inode = *disk.dir.get(path).ok_or_else(not_found)?;
        let bytes = disk.data.get(&inode).cloned().unwrap_or_default();
        disk.durable_data.insert(inode, bytes);
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.step()?;
        let mut disk = self.disk.lock();
        let inode = disk.dir.remove(from).ok_or_else(not_found)?;
        disk.dir.insert(to.to_path_buf(), inode);
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.step()?;
        let mut disk = self.disk.lock();
        disk.synced_dirs.push(dir.to_path_buf());
        disk.durable_dir = disk.dir.clone();
        Ok(())
    }
}

fn mark_path() -> PathBuf {
    PathBuf::from("/data/resource.mark")
}

/// A disk holding a freshly created mark file, created without faults and synced.
fn fresh_disk() -> Arc<Mutex<Disk>> {
    let disk = Arc::new(Mutex::new(Disk::default()));
    FileStore::create_with(SimFs::new(&disk, Fault::None), mark_path()).unwrap();
    disk
}

/// Restarts the process: crash the disk, open a fence on what survived.
fn restart(
    disk: &Arc<Mutex<Disk>>,
    shape: CrashShape,
) -> Result<DurableFence<FileStore<SimFs>>, StoreError> {
    disk.lock().crash(shape);
    let store = FileStore::open_with(SimFs::new(disk, Fault::None), mark_path())?;
    DurableFence::open(store)
}

const CLEAN: CrashShape = CrashShape {
    dir_flushed: false,
    torn_prefix: None,
};

/// The zombie leader across a storage restart: 33 is paused, 34 writes and is acknowledged,
/// the storage node crashes and restarts from its persisted mark, 33 wakes up and is refused.
#[test]
fn zombie_leader_is_rejected_after_storage_restart() {
    let disk = fresh_disk();
    let fence = restart(&disk, CLEAN).unwrap();
    let mut table = Vec::new();
    fence.write(t(33), || table.push("by 33")).unwrap();
    // 33 pauses; 34 is elected and writes; its write is acknowledged.
    fence.write(t(34), || table.push("by 34")).unwrap();
    drop(fence);

    // The storage node crashes (nothing unsynced survives) and restarts.
    let fence = restart(&disk, CLEAN).unwrap();
    assert_eq!(fence.mark(), Some(t(34)));
    // 33 wakes up.
    let err = fence.write(t(33), || table.push("zombie")).unwrap_err();
    let stale = err.as_stale().unwrap();
    assert_eq!((stale.presented(), stale.mark()), (t(33), t(34)));
    assert_eq!(table, ["by 33", "by 34"]);
}

/// The same scenario on the real file system.
#[test]
fn zombie_leader_is_rejected_after_restart_on_real_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.mark");
    let fence = DurableFence::open(FileStore::create(&path).unwrap()).unwrap();
    fence.admit(t(33)).unwrap();
    fence.admit(t(34)).unwrap();
    drop(fence);

    let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
    let err = fence.admit(t(33)).unwrap_err();
    assert_eq!(err.as_stale().map(StaleToken::mark), Some(t(34)));
    // The temporary file was renamed away.
    assert!(!dir.path().join("account.mark.tmp").exists());
}

/// The model is strict enough to catch a wrong protocol: renaming before syncing the data
/// leaves an empty mark file after a crash, and loading it is an error, not mark zero.
#[test]
fn model_catches_rename_before_fsync() {
    let disk = fresh_disk();
    let fs = SimFs::new(&disk, Fault::None);
    let temp = PathBuf::from("/data/resource.mark.tmp");
    let mut bytes = Vec::new();
    {
        // Take valid bytes for mark 34 from a correct store on a scratch disk.
        let scratch = fresh_disk();
        let mut store =
            FileStore::open_with(SimFs::new(&scratch, Fault::None), mark_path()).unwrap();
        store.persist(t(34)).unwrap();
        bytes.extend(
            SimFs::new(&scratch, Fault::None)
                .read(&mark_path())
                .unwrap(),
        );
    }
    fs.write_new(&temp, &bytes).unwrap();
    fs.rename(&temp, &mark_path()).unwrap(); // no sync_file first
    fs.sync_dir(Path::new("/data")).unwrap();
    let err = restart(&disk, CLEAN).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Truncated {
                len: 0,
                expected: 20,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn every_crash_point_of_one_persist_keeps_old_or_new_mark() {
    // write tmp, sync tmp, rename, sync dir: crash before each, and after the last.
    for crash_at in 0..=4 {
        for dir_flushed in [false, true] {
            for torn_prefix in [None, Some(0), Some(7), Some(19)] {
                let disk = fresh_disk();
                FileStore::open_with(SimFs::new(&disk, Fault::None), mark_path())
                    .unwrap()
                    .persist(t(10))
                    .unwrap();
                let fs = SimFs::new(&disk, Fault::None);
                let fence =
                    DurableFence::open(FileStore::open_with(fs.clone(), mark_path()).unwrap())
                        .unwrap();
                fs.arm(Fault::CrashAt(crash_at));
                let acked = fence.admit(t(20)).is_ok();
                assert_eq!(acked, crash_at == 4);
                drop(fence);
                let shape = CrashShape {
                    dir_flushed,
                    torn_prefix,
                };
                let fence = restart(&disk, shape).unwrap_or_else(|e| {
                    panic!("crash at {crash_at} {shape:?}: {e}");
                });
                let mark = fence.mark().unwrap().get();
                assert!(mark == 10 || mark == 20, "crash at {crash_at}: mark {mark}");
                if acked {
                    assert_eq!(mark, 20);
                }
                // Mark 20 needs the rename, which comes after the data sync.
                if crash_at < 3 {
                    assert_eq!(mark, 10, "crash at {crash_at} {shape:?}");
                }
            }
        }
    }
}

#[test]
fn crash_during_create_leaves_no_file_or_an_empty_mark() {
    for crash_at in 0..=4 {
        for dir_flushed in [false, true] {
            for torn_prefix in [None, Some(0), Some(11)] {
                let disk = Arc::new(Mutex::new(Disk::default()));
                let created = FileStore::create_with(
                    SimFs::new(&disk, Fault::CrashAt(crash_at)),
                    mark_path(),
                );
                assert_eq!(created.is_ok(), crash_at == 4);
                drop(created); // the process ends, and its lock with it
                disk.lock().crash(CrashShape {
                    dir_flushed,
                    torn_prefix,
                });
                match FileStore::open_with(SimFs::new(&disk, Fault::None), mark_path()) {
                    Ok(mut store) => assert_eq!(store.load().unwrap(), None),
                    Err(StoreError::Missing { .. }) => assert!(crash_at < 4),
                    Err(other) => panic!("crash at {crash_at}: {other}"),
                }
            }
        }
    }
}

fn crash_shape() -> impl Strategy<Value = CrashShape> {
    (any::<bool>(), prop::option::of(0_usize..=20)).prop_map(|(dir_flushed, torn_prefix)| {
        CrashShape {
            dir_flushed,
            torn_prefix,
        }
    })
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        (0_usize..80).prop_map(Fault::CrashAt),
        (0_usize..80).prop_map(Fault::FailAt),
        Just(Fault::None),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        rng_seed: RngSeed::Fixed(0xd0ab1e02),
        ..ProptestConfig::default()
    })]

    /// Holders present random tokens to a durable fence over several lives of the process;
    /// in each life a crash or an I/O failure hits a random file operation. After every
    /// restart the fence opens without error, its mark is at least every acknowledged token
    /// and at most the highest token attempted, and every token below an acknowledged one is
    /// refused.
    #[test]
    fn prop_crashes_never_lower_the_mark(
        lives in prop::collection::vec(
            (prop::collection::vec(1_u64..40, 1..12), fault(), crash_shape()),
            1..5,
        ),
    ) {
        let disk = fresh_disk();
        let mut acked_max = 0_u64;
        let mut attempted_max = 0_u64;
        let mut restart_mark = 0_u64;
        for (tokens, fault, shape) in lives {
            let fs = SimFs::new(&disk, fault);
            let store = FileStore::open_with(fs.clone(), mark_path());
            let store = match store {
                Ok(store) => store,
                Err(e) => return Err(TestCaseError::fail(format!("open failed: {e}"))),
            };
            // Opening persists the loaded mark again, so the fault may hit there too.
            let opened = DurableFence::open(store);
            if let Ok(fence) = &opened {
                prop_assert!(fence.mark().map_or(0, FencingToken::get) >= acked_max);
            }
            for token in tokens {
                let Ok(fence) = &opened else { break };
                if fs.is_dead() {
                    break;
                }
                let before = fence.mark();
                attempted_max = attempted_max.max(token);
                match fence.admit(t(token)) {
                    Ok(_) => {
                        acked_max = acked_max.max(token);
                        prop_assert!(fence.mark() >= Some(t(token)));
                    }
                    Err(DurableFenceError::Stale(stale)) => {
                        prop_assert!(stale.mark().get() > token);
                        prop_assert!(stale.mark().get() >= acked_max);
                    }
                    Err(DurableFenceError::Store(_)) => {
                        prop_assert_eq!(fence.mark(), before);
                    }
                    Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
                }
            }
            drop(opened);
            let fence = restart(&disk, shape);
            let fence = match fence {
                Ok(fence) => fence,
                Err(e) => return Err(TestCaseError::fail(format!("restart failed: {e}"))),
            };
            let mark = fence.mark().map_or(0, FencingToken::get);
            prop_assert!(mark >= acked_max, "mark {} below acknowledged {}", mark, acked_max);
            prop_assert!(mark <= attempted_max);
            prop_assert!(mark >= restart_mark, "mark lowered across restarts: {} then {}", restart_mark, mark);
            restart_mark = mark;
            if acked_max > 1 {
                prop_assert!(fence.admit(t(acked_max - 1)).is_err());
            }
        }
    }

    /// The issuer over crashing lives never hands out the same token twice, and its tokens
    /// strictly increase across restarts.
    #[test]
    fn prop_issuer_never_repeats_across_crashes(
        lives in prop::collection::vec((1_usize..8, fault(), crash_shape()), 1..5),
    ) {
        let disk = fresh_disk();
        let mut issued: Vec<u64> = Vec::new();
        for (count, fault, shape) in lives {
            let fs = SimFs::new(&disk, fault);
            let mut issuer = TokenIssuer::open(FileStore::open_with(fs, mark_path()).unwrap()).unwrap();
            for _ in 0..count {
                match issuer.issue() {
                    Ok(token) => issued.push(token.get()),
                    Err(IssueError::Store(_)) => {}
                    Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
                }
            }
            drop(issuer);
            disk.lock().crash(shape);
        }
        prop_assert!(issued.windows(2).all(|w| w[0] < w[1]), "{:?}", issued);
    }
}

fn store_with_mark(dir: &Path, mark: u64) -> PathBuf {
    let path = dir.join("m");
    let mut store = FileStore::create(&path).unwrap();
    store.persist(t(mark)).unwrap();
    path
}

#[test]
fn missing_file_is_an_error_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never-created");
    match FileStore::open(&path) {
        Err(StoreError::Missing { path: p }) => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deleted_file_after_open_is_an_error_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_mark(dir.path(), 5);
    let mut store = FileStore::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(store.load(), Err(StoreError::Missing { .. })));
    assert!(DurableFence::open(store).is_err());
}

#[test]
fn truncated_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_mark(dir.path(), 5);
    let bytes = std::fs::read(&path).unwrap();
    for len in 0..bytes.len() {
        std::fs::write(&path, &bytes[..len]).unwrap();
        match FileStore::open(&path) {
            Err(StoreError::Truncated {
                len: got,
                expected: 20,
                ..
            }) => assert_eq!(got, len),
            other => panic!("length {len}: {other:?}"),
        }
    }
}

#[test]
fn unreadable_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the mark file should be: reading it fails, and not with NotFound.
    match FileStore::open(dir.path()) {
        Err(StoreError::Io {
            op: IoOp::Read,
            path,
            ..
        }) => assert_eq!(path, dir.path()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn path_without_a_file_name_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let dotdot = dir.path().join("sub").join("..");
    for path in [PathBuf::new(), PathBuf::from("/"), dotdot] {
        match FileStore::create(&path) {
            Err(StoreError::NotAFilePath { path: p }) => assert_eq!(p, path),
            other => panic!("{path:?}: {other:?}"),
        }
        assert!(matches!(
            FileStore::open(&path),
            Err(StoreError::NotAFilePath { .. })
        ));
    }
    // Nothing was written next to the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn oversized_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_mark(dir.path(), 5);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(0);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        FileStore::open(&path),
        Err(StoreError::Oversized {
            len: 21,
            expected: 20,
            ..
        })
    ));
}

#[test]
fn corrupt_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_mark(dir.path(), 34);
    let good = std::fs::read(&path).unwrap();
    // Flip one bit in the mark: the checksum catches it.
    let mut bytes = good.clone();
    bytes[8] ^= 0b0000_0010;
    std::fs::write(&path, &bytes).unwrap();
    let err = FileStore::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::ChecksumMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("is corrupt"));
    // A foreign file: wrong header.
    let mut bytes = good;
    bytes[..8].copy_from_slice(b"NOTWARD!");
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        FileStore::open(&path),
        Err(StoreError::BadMagic { .. })
    ));
}

#[test]
fn create_never_overwrites_a_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_mark(dir.path(), 34);
    assert!(matches!(
        FileStore::create(&path),
        Err(StoreError::AlreadyExists { .. })
    ));
    let mut store = FileStore::open(&path).unwrap();
    assert_eq!(store.load().unwrap(), Some(t(34)));
}

#[test]
fn failed_persist_admits_nothing() {
    let disk = fresh_disk();
    // Operation 2 is the rename of the first persist.
    let fs = SimFs::new(&disk, Fault::FailAt(2));
    let fence = DurableFence::open(FileStore::open_with(fs, mark_path()).unwrap()).unwrap();
    match fence.admit(t(7)) {
        Err(DurableFenceError::Store(StoreError::Io { op, .. })) => assert_eq!(op, IoOp::Rename),
        other => panic!("{other:?}"),
    }
    assert_eq!(fence.mark(), None);
    // The next attempt goes through.
    assert!(fence.admit(t(7)).unwrap().is_raised());
    drop(fence);
    assert_eq!(restart(&disk, CLEAN).unwrap().mark(), Some(t(7)));
}

/// A persist that fails before its rename removes its temporary file; one that fails after
/// the rename leaves none either.
#[test]
fn failed_persist_leaves_no_temporary_file() {
    for fail_at in 0..4 {
        let disk = fresh_disk();
        let fs = SimFs::new(&disk, Fault::FailAt(fail_at));
        let fence = DurableFence::open(FileStore::open_with(fs, mark_path()).unwrap()).unwrap();
        assert!(fence.admit(t(7)).is_err());
        let names: Vec<PathBuf> = disk.lock().dir.keys().cloned().collect();
        assert_eq!(names, [mark_path()], "failure at {fail_at}");
    }
}

/// A persist whose directory sync fails leaves the new mark readable but not durable. The
/// process exits without a machine crash; the next one reads that mark and acknowledges a
/// write under it. A power loss after that must not bring back the older mark.
#[test]
fn mark_read_from_an_unsynced_file_is_made_durable_before_use() {
    let disk = fresh_disk();
    // Operations 0 to 3 are the first persist; 3 is its directory sync.
    let fs = SimFs::new(&disk, Fault::FailAt(3));
    let fence = DurableFence::open(FileStore::open_with(fs, mark_path()).unwrap()).unwrap();
    match fence.admit(t(34)) {
        Err(DurableFenceError::Store(StoreError::Io { op, .. })) => assert_eq!(op, IoOp::SyncDir),
        other => panic!("{other:?}"),
    }
    assert_eq!(fence.mark(), None);
    drop(fence); // the process exits; the machine keeps running

    let fs = SimFs::new(&disk, Fault::None);
    let fence = DurableFence::open(FileStore::open_with(fs, mark_path()).unwrap()).unwrap();
    assert_eq!(fence.mark(), Some(t(34)));
    let mut table = Vec::new();
    let (_, admission) = fence.write(t(34), || table.push("by 34")).unwrap();
    assert_eq!(admission, Admission::Unchanged);
    drop(fence);

    // Power loss: nothing that was not synced survives.
    let fence = restart(&disk, CLEAN).unwrap();
    assert_eq!(
        fence.mark(),
        Some(t(34)),
        "acknowledged write lost its mark"
    );
    assert!(fence.admit(t(33)).is_err());
}

/// Opening a fence on a store holding a mark fails when that mark cannot be made durable.
#[test]
fn open_fails_when_the_loaded_mark_cannot_be_made_durable() {
    let disk = fresh_disk();
    FileStore::open_with(SimFs::new(&disk, Fault::None), mark_path())
        .unwrap()
        .persist(t(5))
        .unwrap();
    let fs = SimFs::new(&disk, Fault::FailAt(1)); // sync of the temporary file
    match DurableFence::open(FileStore::open_with(fs, mark_path()).unwrap()) {
        Err(StoreError::Io { op, .. }) => assert_eq!(op, IoOp::SyncFile),
        other => panic!("{other:?}"),
    }
    // The mark on disk is untouched.
    assert_eq!(restart(&disk, CLEAN).unwrap().mark(), Some(t(5)));
}

#[test]
fn issuer_continues_after_restart_and_shares_the_file_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuer");
    let mut issuer = TokenIssuer::open(FileStore::create(&path).unwrap()).unwrap();
    let issued: Vec<_> = (0..3).map(|_| issuer.issue().unwrap().get()).collect();
    assert_eq!(issued, [1, 2, 3]);
    drop(issuer);
    let mut issuer = TokenIssuer::open(FileStore::open(&path).unwrap()).unwrap();
    assert_eq!(issuer.last_issued(), Some(t(3)));
    assert_eq!(issuer.issue().unwrap(), t(4));
    // A fence opened on the issuer's file starts at the last token issued.
    drop(issuer);
    let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
    assert_eq!(fence.mark(), Some(t(4)));
}

/// A store borrowed mutably is a store: a fence over `&mut MemoryStore` persists into
/// the borrowed store.
#[test]
fn a_borrowed_store_persists_into_the_store_it_borrows() {
    let mut store = MemoryStore::new();
    {
        let fence = DurableFence::open(&mut store).unwrap();
        fence.admit(t(12)).unwrap();
    }
    assert_eq!(store.mark(), Some(t(12)));
    // Opened again through a borrow: the mark loads through it.
    let fence = DurableFence::open(&mut store).unwrap();
    assert!(fence.admit(t(11)).is_err());
}

#[test]
fn issuer_refuses_to_wrap() {
    let mut store = MemoryStore::new();
    store.persist(FencingToken::MAX).unwrap();
    let mut issuer = TokenIssuer::open(store.clone()).unwrap();
    assert!(matches!(issuer.issue(), Err(IssueError::Exhausted)));
    assert_eq!(store.mark(), Some(FencingToken::MAX));
}

#[test]
fn durable_fence_with_real_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    let fence = Arc::new(DurableFence::open(FileStore::create(&path).unwrap()).unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (1..=4_u64)
        .map(|token| {
            let fence = Arc::clone(&fence);
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let _ = fence.write(t(token), || log.lock().push(token));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let log = log.lock();
    assert!(log.windows(2).all(|w| w[0] <= w[1]), "{log:?}");
    let mark = fence.mark().unwrap();
    assert_eq!(Some(&mark.get()), log.last());
    drop(fence);
    assert_eq!(FileStore::open(&path).unwrap().load().unwrap(), Some(mark));
}

/// `try_write` runs the write only when the mark admits; a raise is durable before the write
/// runs and stays raised when the write fails.
#[test]
fn try_write_is_a_conditional_put() {
    let store = MemoryStore::new();
    let fence = DurableFence::open(store.clone()).unwrap();
    let mut ran = Vec::new();
    let ok = fence
        .try_write(t(5), || {
            ran.push(store.mark());
            Ok::<_, &str>("put")
        })
        .unwrap();
    assert_eq!(ok, Ok(("put", Admission::Raised { previous: None })));
    assert_eq!(
        ran,
        [Some(t(5))],
        "the raise was durable before the write ran"
    );
    let failed = fence.try_write(t(6), || Err::<(), _>("disk full")).unwrap();
    assert_eq!(failed, Err("disk full"));
    assert_eq!(fence.mark(), Some(t(6)));
    assert_eq!(store.mark(), Some(t(6)));
    let stale = fence.try_write(t(5), || -> Result<(), ()> { unreachable!() });
    assert_eq!(
        stale.unwrap_err().as_stale().map(StaleToken::mark),
        Some(t(6))
    );
}

// ---- DurableKeyedFence ----

type Keyed = DurableKeyedFence<u64, SimFs>;

fn keyed_disk() -> Arc<Mutex<Disk>> {
    let disk = Arc::new(Mutex::new(Disk::default()));
    drop(Keyed::create_with(SimFs::new(&disk, Fault::None), mark_path()).unwrap());
    disk
}

fn keyed_restart(disk: &Arc<Mutex<Disk>>, shape: CrashShape) -> Result<Keyed, StoreError> {
    disk.lock().crash(shape);
    Keyed::open_with(SimFs::new(disk, Fault::None), mark_path())
}

/// A crash at each step of one batch's file replacement keeps the old mark or the new one,
/// and the new one whenever the raise was acknowledged.
#[test]
fn keyed_every_crash_point_keeps_old_or_new_mark() {
    for crash_at in 0..=4 {
        for dir_flushed in [false, true] {
            for torn_prefix in [None, Some(0), Some(13), Some(40)] {
                let disk = keyed_disk();
                {
                    let fence = keyed_restart(&disk, CLEAN).unwrap();
                    fence.admit(&1, t(10)).unwrap();
                    fence.admit(&2, t(3)).unwrap();
                }
                let fs = SimFs::new(&disk, Fault::None);
                let fence = Keyed::open_with(fs.clone(), mark_path()).unwrap();
                fs.arm(Fault::CrashAt(crash_at));
                let acked = fence.admit(&1, t(20)).is_ok();
                assert_eq!(acked, crash_at == 4);
                drop(fence);
                let shape = CrashShape {
                    dir_flushed,
                    torn_prefix,
                };
                let fence = keyed_restart(&disk, shape)
                    .unwrap_or_else(|e| panic!("crash at {crash_at} {shape:?}: {e}"));
                let mark = fence.mark(&1).unwrap().get();
                assert!(mark == 10 || mark == 20, "crash at {crash_at}: {mark}");
                if acked {
                    assert_eq!(mark, 20);
                }
                assert_eq!(fence.mark(&2), Some(t(3)));
            }
        }
    }
}

/// A failed batch admits nothing and leaves no temporary file; the next attempt goes
/// through.
#[test]
fn keyed_failed_batch_admits_nothing() {
    let disk = keyed_disk();
    let fs = SimFs::new(&disk, Fault::None);
    let fence = Keyed::open_with(fs.clone(), mark_path()).unwrap();
    fs.arm(Fault::FailAt(1));
    match fence.admit(&5, t(7)) {
        Err(DurableKeyedError::Store(e)) => {
            assert!(
                matches!(
                    *e,
                    StoreError::Io {
                        op: IoOp::SyncFile,
                        ..
                    }
                ),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fence.mark(&5), None);
    assert_eq!(disk.lock().dir.len(), 1);
    assert!(fence.admit(&5, t(7)).unwrap().is_raised());
    drop(fence);
    assert_eq!(keyed_restart(&disk, CLEAN).unwrap().mark(&5), Some(t(7)));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x6b_d0ab),
        ..ProptestConfig::default()
    })]

    /// Over several lives with a crash or an I/O failure at a random step, each key's mark
    /// after a restart is at least every token acknowledged for it (evictions included: the
    /// floor carries them) and never above the highest token attempted anywhere.
    #[test]
    fn prop_keyed_crashes_never_lower_a_mark(
        lives in prop::collection::vec(
            (
                prop::collection::vec((0_u64..6, prop_oneof![1_u64..40, Just(u64::MAX)], any::<bool>()), 1..12),
                fault(),
                crash_shape(),
            ),
            1..5,
        ),
    ) {
        let disk = keyed_disk();
        let mut acked: HashMap<u64, u64> = HashMap::new();
        let mut attempted_max = 0_u64;
        for (ops, fault, shape) in lives {
            let fs = SimFs::new(&disk, fault);
            if let Ok(fence) = Keyed::open_with(fs.clone(), mark_path()) {
                for (key, token, evict) in ops {
                    if fs.is_dead() {
                        break;
                    }
                    if evict {
                        let _ = fence.evict(&key);
                        continue;
                    }
                    attempted_max = attempted_max.max(token);
                    match fence.admit(&key, t(token)) {
                        Ok(_) => {
                            let a = acked.entry(key).or_insert(0);
                            *a = (*a).max(token);
                        }
                        Err(DurableKeyedError::Stale(stale)) => {
                            prop_assert!(stale.mark().get() > token);
                            prop_assert!(stale.mark().get() >= acked.get(&key).copied().unwrap_or(0));
                        }
                        Err(_) => {}
                    }
                }
            }
            let fence = keyed_restart(&disk, shape);
            let fence = match fence {
                Ok(fence) => fence,
                Err(e) => return Err(TestCaseError::fail(format!("restart failed: {e}"))),
            };
            for (key, a) in &acked {
                let mark = fence.mark(key).map_or(0, FencingToken::get);
                prop_assert!(mark >= *a, "key {} mark {} below acknowledged {}", key, mark, a);
                prop_assert!(mark <= attempted_max);
            }
        }
    }
}

/// Threads raising marks at once: every raise is answered, each thread's admitted tokens
/// rise, and the final marks are the highest admitted tokens, on disk as in memory.
#[test]
fn keyed_fence_with_real_threads_keeps_every_raise() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks");
    let fence = Arc::new(DurableKeyedFence::<u64>::create(&path).unwrap());
    let handles: Vec<_> = (0..4_u64)
        .map(|thread| {
            let fence = Arc::clone(&fence);
            std::thread::spawn(move || {
                let mut admitted = Vec::new();
                for round in 1..=25_u64 {
                    let key = round % 3;
                    let token = round * 4 + thread;
                    if fence.admit(&key, t(token)).is_ok() {
                        admitted.push((key, token));
                    }
                }
                admitted
            })
        })
        .collect();
    let mut highest: HashMap<u64, u64> = HashMap::new();
    for h in handles {
        let admitted = h.join().unwrap();
        for &(key, token) in &admitted {
            let m = highest.entry(key).or_insert(0);
            *m = (*m).max(token);
        }
    }
    for (key, token) in &highest {
        assert_eq!(fence.mark(key), Some(t(*token)));
    }
    drop(fence);
    let fence = DurableKeyedFence::<u64>::open(&path).unwrap();
    for (key, token) in &highest {
        assert_eq!(fence.mark(key), Some(t(*token)));
    }
}

/// The real file system, counting renames (one per batch) and able to hold the next
/// temporary-file write until released.
#[derive(Clone, Debug, Default)]
struct GatedFs {
    renames: Arc<std::sync::atomic::AtomicUsize>,
    /// File syncs that may still succeed once failures are armed (`None`: all succeed).
    syncs_left: Arc<std::sync::Mutex<Option<usize>>>,
    /// (closed, a write is waiting)
    gate: Arc<(std::sync::Mutex<(bool, bool)>, std::sync::Condvar)>,
}

impl GatedFs {
    fn set_closed(&self, closed: bool) {
        self.gate.0.lock().unwrap().0 = closed;
        self.gate.1.notify_all();
    }

    /// Lets `n` more file syncs succeed, then fails every later one.
    fn fail_syncs_after(&self, n: usize) {
        *self.syncs_left.lock().unwrap() = Some(n);
    }

    fn wait_for_a_held_write(&self) {
        let mut state = self.gate.0.lock().unwrap();
        while !state.1 {
            state = self.gate.1.wait(state).unwrap();
        }
    }
}

impl FileSystem for GatedFs {
    type Lock = std::fs::File;

    fn try_lock(&self, path: &Path) -> io::Result<Option<std::fs::File>> {
        ward_fencing::StdFileSystem.try_lock(path)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        ward_fencing::StdFileSystem.read(path)
    }
    fn write_new(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut state = self.gate.0.lock().unwrap();
        if state.0 {
            state.1 = true;
            self.gate.1.notify_all();
            while state.0 {
                state = self.gate.1.wait(state).unwrap();
            }
        }
        drop(state);
        ward_fencing::StdFileSystem.write_new(path, bytes)
    }
    fn sync_file(&self, path: &Path) -> io::Result<()> {
        if let Some(left) = self.syncs_left.lock().unwrap().as_mut() {
            if *left == 0 {
                return Err(io::Error::other("injected sync failure"));
            }
            *left -= 1;
        }
        ward_fencing::StdFileSystem.sync_file(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.renames
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ward_fencing::StdFileSystem.rename(from, to)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        ward_fencing::StdFileSystem.sync_dir(dir)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        ward_fencing::StdFileSystem.remove(path)
    }
}

/// Raises that queue while a batch is being written are written together in the next one:
/// four raises, two file replacements, and every holder gets the answer of one order.
#[test]
fn keyed_raises_queued_during_a_batch_share_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks");
    let fs = GatedFs::default();
    drop(DurableKeyedFence::<u64, GatedFs>::create_with(fs.clone(), &path).unwrap());
    let fence = Arc::new(DurableKeyedFence::<u64, GatedFs>::open_with(fs.clone(), &path).unwrap());
    let before = fs.renames.load(std::sync::atomic::Ordering::SeqCst);
    fs.set_closed(true);
    let first = {
        let fence = Arc::clone(&fence);
        std::thread::spawn(move || fence.admit(&1, t(5)).is_ok())
    };
    fs.wait_for_a_held_write();
    // Two holders of one key queue behind it: their answers must be those of one order.
    let queued: Vec<_> = [(2_u64, 6_u64), (2, 7), (3, 8)]
        .into_iter()
        .map(|(key, token)| {
            let fence = Arc::clone(&fence);
            std::thread::spawn(move || fence.admit(&key, t(token)))
        })
        .collect();
    // Let them all queue behind the held batch.
    std::thread::sleep(std::time::Duration::from_millis(500));
    fs.set_closed(false);
    assert!(first.join().unwrap());
    let answers: Vec<_> = queued.into_iter().map(|h| h.join().unwrap()).collect();
    let answers: Vec<_> = answers
        .into_iter()
        .map(|a| a.map_err(|e| e.to_string()))
        .collect();
    let raised = |previous| Ok(Admission::Raised { previous });
    let six_first = answers[0] == raised(None) && answers[1] == raised(Some(t(6)));
    let seven_first = answers[1] == raised(None)
        && answers[0]
            == Err(String::from(
                "stale fencing token 6: the high-water mark is 7",
            ));
    assert!(six_first || seven_first, "{answers:?}");
    assert_eq!(
        answers[2],
        raised(None),
        "a raise answered by another thread's batch"
    );
    let batches = fs.renames.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(batches, 2, "four raises, two batches");
    assert_eq!(fence.len(), 3);
    assert_eq!(fence.mark(&2), Some(t(7)));
}

/// Eviction is durable: the floor survives a restart and the evicted key keeps refusing.
#[test]
fn keyed_eviction_and_floor_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks");
    let fence = DurableKeyedFence::<String>::create(&path).unwrap();
    let key = |k: &str| k.to_owned();
    assert_eq!(fence.floor(), None);
    assert!(fence.is_empty());
    assert!(format!("{fence:?}").starts_with("DurableKeyedFence"));
    fence.admit(&key("a"), t(9)).unwrap();
    fence.admit(&key("b"), t(4)).unwrap();
    assert_eq!(fence.evict(&key("absent")).unwrap(), None);
    assert_eq!(fence.evict(&key("a")).unwrap(), Some(t(9)));
    assert_eq!(fence.floor(), Some(t(9)));
    assert_eq!((fence.len(), fence.is_empty()), (1, false));
    drop(fence);
    let fence = DurableKeyedFence::<String>::open(&path).unwrap();
    assert_eq!(fence.floor(), Some(t(9)));
    assert_eq!(fence.mark(&key("a")), Some(t(9)));
    assert_eq!(fence.mark(&key("b")), Some(t(4)));
    assert!(fence.admit(&key("a"), t(8)).is_err());
    assert!(fence.admit(&key("new"), t(8)).is_err());
    assert_eq!(fence.admit(&key("b"), t(4)).unwrap(), Admission::Unchanged);
}

/// Keys up to 65 535 bytes are kept; longer ones are refused before anything is written.
#[test]
fn keyed_key_length_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks");
    let fence = DurableKeyedFence::<Vec<u8>>::create(&path).unwrap();
    let longest = vec![7_u8; 65_535];
    assert!(fence.admit(&longest, t(1)).unwrap().is_raised());
    match fence.admit(&vec![7_u8; 65_536], t(1)) {
        Err(DurableKeyedError::KeyTooLong { len }) => assert_eq!(len, 65_536),
        other => panic!("{other:?}"),
    }
    drop(fence);
    let fence = DurableKeyedFence::<Vec<u8>>::open(&path).unwrap();
    assert_eq!(fence.mark(&longest), Some(t(1)));
    assert_eq!(fence.len(), 1);
    // Below the floor too: an over-long key is refused as such, not answered `Stale`
    // (it used to be checked only on the path that writes).
    fence.admit(&vec![1], t(5)).unwrap();
    fence.evict(&vec![1]).unwrap();
    assert!(matches!(
        fence.admit(&vec![7_u8; 70_000], t(3)),
        Err(DurableKeyedError::KeyTooLong { len: 70_000 })
    ));
    assert!(matches!(
        fence.admit(&String::from("x").into_bytes().repeat(65_536), t(5)),
        Err(DurableKeyedError::KeyTooLong { len: 65_536 })
    ));
}

/// A fence opened on a borrowed store loads the mark through the borrow.
#[test]
fn a_fence_on_a_borrowed_store_loads_its_mark() {
    use ward_fencing::{DurableFence, FencingToken, MarkStore, MemoryStore};
    let mut store = MemoryStore::new();
    store.persist(FencingToken::new(34).unwrap()).unwrap();
    let fence = DurableFence::open(&mut store).unwrap();
    assert!(fence.admit(FencingToken::new(33).unwrap()).is_err());
}

#[test]
fn io_operations_name_themselves() {
    use ward_fencing::IoOp;
    let names: Vec<String> = [
        IoOp::Read,
        IoOp::Write,
        IoOp::SyncFile,
        IoOp::Rename,
        IoOp::SyncDir,
        IoOp::Lock,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        names,
        [
            "read",
            "write",
            "sync file",
            "rename",
            "sync directory",
            "lock"
        ]
    );
}

/// Defect: answers decided in one batch against a mark raised earlier in the same batch
/// kept their `Ok` when the batch failed to persist. Two holders of a new leader's token 7
/// queued together: one got the store error, the other `Ok(Unchanged)`, while the mark
/// stayed at 5, so a later 6 was admitted after 7 had been acknowledged. Every answer that
/// relied on a raise of a failed batch now fails with it.
#[test]
fn regression_a_failed_batch_fails_every_answer_that_relied_on_its_raises() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks");
    let fs = GatedFs::default();
    drop(DurableKeyedFence::<u64, GatedFs>::create_with(fs.clone(), &path).unwrap());
    let fence = Arc::new(DurableKeyedFence::<u64, GatedFs>::open_with(fs.clone(), &path).unwrap());
    fence.admit(&1, t(5)).unwrap();
    fs.set_closed(true);
    let blocker = {
        let fence = Arc::clone(&fence);
        std::thread::spawn(move || fence.admit(&2, t(1)))
    };
    fs.wait_for_a_held_write();
    let queued: Vec<_> = [7_u64, 7, 6]
        .into_iter()
        .map(|token| {
            let fence = Arc::clone(&fence);
            std::thread::spawn(move || fence.admit(&1, t(token)))
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    fs.fail_syncs_after(1); // the held batch persists; the queued one cannot
    fs.set_closed(false);
    assert!(blocker.join().unwrap().is_ok());
    for answer in queued.into_iter().map(|h| h.join().unwrap()) {
        assert!(
            matches!(answer, Err(DurableKeyedError::Store(_))),
            "an answer of the failed batch: {answer:?}"
        );
    }
    assert_eq!(fence.mark(&1), Some(t(5)));
}

/// Temporary files a crashed process with this process's id left behind (`m.<pid>.<n>.ward-tmp`,
/// every name a store tries) used to make every persist fail with `AlreadyExists`, so a
/// process that keeps its id across restarts (pid 1 in a container) could never persist
/// again. The store holds the lock, so it now removes such a file and takes the name.
#[test]
fn regression_leftover_temporary_files_of_this_process_id_do_not_block_persists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    let mut store = FileStore::create(&path).unwrap();
    for n in 1..=70 {
        let name = format!("m.{}.{n}.ward-tmp", std::process::id());
        std::fs::write(dir.path().join(name), b"left by a crash").unwrap();
    }
    store.persist(t(5)).unwrap();
    assert_eq!(store.load().unwrap(), Some(t(5)));
    drop(store);
    assert_eq!(FileStore::open(&path).unwrap().load().unwrap(), Some(t(5)));

    let keyed = dir.path().join("k");
    let fence = DurableKeyedFence::<u64>::create(&keyed).unwrap();
    for n in 1..=70 {
        let name = format!("k.{}.{n}.ward-tmp", std::process::id());
        std::fs::write(dir.path().join(name), b"left by a crash").unwrap();
    }
    assert!(fence.admit(&1, t(9)).unwrap().is_raised());
}

/// A key type whose encoding grows after admission (it breaks `DurableKey`'s contract)
/// used to be cut to 65,535 bytes when the table was written: a checksum-valid file under
/// another key, so after a restart the real key fell back to the floor and older tokens
/// were admitted. The write now fails with `KeyTooLong` and nothing is written.
#[test]
fn regression_a_key_that_grows_past_the_limit_is_refused_not_cut_short() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static LEN: AtomicUsize = AtomicUsize::new(4);
    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    struct Growing(u8);
    impl ward_fencing::DurableKey for Growing {
        fn encode_key(&self, out: &mut Vec<u8>) {
            // The first byte names the key; the rest grows with LEN, except for key 2.
            let len = if self.0 == 2 {
                4
            } else {
                LEN.load(Ordering::Relaxed)
            };
            out.push(self.0);
            out.resize(out.len() + len - 1, 0);
        }
        fn decode_key(bytes: &[u8]) -> Option<Self> {
            bytes.first().map(|&b| Self(b))
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let fence = DurableKeyedFence::<Growing>::create(dir.path().join("m")).unwrap();
    assert!(fence.admit(&Growing(1), t(10)).unwrap().is_raised());
    assert!(fence.admit(&Growing(3), t(12)).unwrap().is_raised());
    LEN.store(70_000, Ordering::Relaxed);
    let err = fence.admit(&Growing(2), t(20)).unwrap_err();
    assert!(
        matches!(err, DurableKeyedError::KeyTooLong { len: 70_000 }),
        "{err:?}"
    );
    assert_eq!(fence.mark(&Growing(2)), None, "nothing raised");
    assert!(fence.evict(&Growing(2)).unwrap().is_none());
    assert!(matches!(
        fence.evict(&Growing(1)),
        Err(ward_fencing::StoreError::Malformed { .. })
    ));
    LEN.store(4, Ordering::Relaxed);
    drop(fence);
    let reopened = DurableKeyedFence::<Growing>::open(dir.path().join("m")).unwrap();
    assert_eq!(reopened.mark(&Growing(1)), Some(t(10)));
    assert_eq!(reopened.mark(&Growing(3)), Some(t(12)));
}

/// A mark file named without a directory lives in the current one: its renames are made
/// durable by syncing `.`, never the empty path (which names no directory).
#[test]
fn a_bare_file_name_syncs_the_current_directory() {
    let disk = Arc::new(Mutex::new(Disk::default()));
    let mut store =
        FileStore::create_with(SimFs::new(&disk, Fault::None), "resource.mark").unwrap();
    store.persist(t(4)).unwrap();
    let absolute = FileStore::create_with(SimFs::new(&disk, Fault::None), mark_path()).unwrap();
    drop(absolute);
    let synced = disk.lock().synced_dirs.clone();
    assert_eq!(
        synced,
        [
            PathBuf::from("."),
            PathBuf::from("."),
            PathBuf::from("/data")
        ]
    );
}

/// A leftover temporary file is removed and its name taken; if writing under that name
/// then fails, the persist fails with that error (the partial file removed, the mark
/// unchanged) instead of moving on as if the name were still taken.
#[test]
fn a_failed_write_after_taking_a_leftover_name_fails_the_persist() {
    let disk = fresh_disk();
    let fs = SimFs::new(&disk, Fault::None);
    let mut store = FileStore::open_with(fs.clone(), mark_path()).unwrap();
    let leftover = PathBuf::from(format!(
        "/data/resource.mark.{}.1.ward-tmp",
        std::process::id()
    ));
    {
        let mut d = disk.lock();
        d.next_inode += 1;
        let inode = d.next_inode;
        d.dir.insert(leftover.clone(), inode);
        d.data.insert(inode, b"left by a crash".to_vec());
    }
    // Mutating operations: 0 the write that finds the leftover, 1 its removal, 2 the
    // write under the freed name, which fails.
    fs.arm(Fault::FailAt(2));
    let err = store.persist(t(6)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Io {
                op: IoOp::Write,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        !disk.lock().dir.contains_key(&leftover),
        "the partial file is removed"
    );
    fs.arm(Fault::None);
    assert_eq!(store.load().unwrap(), None);
    store.persist(t(6)).unwrap();
    assert_eq!(store.load().unwrap(), Some(t(6)));
}
