//! One owner per mark file: a second `FileStore` on the same file, in this process or in
//! another one, is refused while the first is open; temporary files never collide with
//! another mark file and never follow a link planted in their place.
#![cfg(feature = "std")]

use std::path::{Path, PathBuf};

use ward_fencing::{DurableFence, FencingToken, FileStore, MarkStore, StoreError, TokenIssuer};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

fn created(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    drop(FileStore::create(&path).unwrap());
    path
}

/// Issue 17, defect 1: fence A admits and acknowledges 40; fence B, opened earlier on the
/// same file, admits 35; after a restart the mark was 35 and a zombie with 36 got in. The
/// second opener must be refused.
#[test]
fn regression_second_fence_on_one_mark_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = created(dir.path(), "orders.mark");
    let b = FileStore::open(&path);
    let a = FileStore::open(&path);
    match (b, a) {
        (Ok(b), Err(err)) => {
            assert!(
                matches!(&err, StoreError::Locked { path: p, .. } if *p == path),
                "{err:?}"
            );
            assert!(err.to_string().contains("locked"), "{err}");
            // The first opener works as before; after it closes, the file opens again.
            let fence = DurableFence::open(b).unwrap();
            fence.admit(t(40)).unwrap();
            drop(fence);
            let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
            assert_eq!(fence.mark(), Some(t(40)));
        }
        (Ok(b), Ok(a)) => {
            // Both opened: replay the reported regression to show what that costs.
            let b = DurableFence::open(b).unwrap();
            let a = DurableFence::open(a).unwrap();
            a.admit(t(40)).unwrap();
            b.admit(t(35)).unwrap();
            drop((a, b));
            let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
            let zombie = fence.admit(t(36)).is_ok();
            panic!(
                "a second store opened on a locked file: after a restart the mark is {:?} and a \
                 zombie with 36 is admitted: {zombie}",
                fence.mark()
            );
        }
        (b, a) => panic!("{b:?} {a:?}"),
    }
}

/// `create` takes the lock too: it cannot run while a store is open on the path (the old
/// existence check and rename let two creators both succeed).
#[test]
fn create_is_refused_while_the_file_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    let first = FileStore::create(&path).unwrap();
    assert!(matches!(
        FileStore::create(&path),
        Err(StoreError::Locked { .. })
    ));
    drop(first);
    assert!(matches!(
        FileStore::create(&path),
        Err(StoreError::AlreadyExists { .. })
    ));
}

/// Two issuers on one file would hand out the same numbers: the second is refused.
#[test]
fn regression_second_token_issuer_on_one_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = created(dir.path(), "issuer");
    let mut first = TokenIssuer::open(FileStore::open(&path).unwrap()).unwrap();
    match FileStore::open(&path) {
        Err(err) => assert!(matches!(err, StoreError::Locked { .. }), "{err:?}"),
        Ok(store) => {
            let mut second = TokenIssuer::open(store).unwrap();
            let (a, b) = (first.issue().unwrap(), second.issue().unwrap());
            panic!("two issuers on one file issued {a} and {b}");
        }
    }
    assert_eq!(first.issue().unwrap(), t(1));
}

/// A store's temporary file never takes the name of another mark file: with the old fixed
/// `<name>.tmp`, a persist on `x` renamed `x.tmp` (another store's mark file) away.
#[test]
fn regression_mark_files_x_and_x_tmp_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    let x = created(dir.path(), "x");
    let x_tmp = created(dir.path(), "x.tmp");
    {
        let mut sx = FileStore::open(&x).unwrap();
        let mut sx_tmp = FileStore::open(&x_tmp).unwrap();
        sx_tmp.persist(t(7)).unwrap();
        sx.persist(t(5)).unwrap();
        sx.persist(t(6)).unwrap();
    }
    let mark = |p: &Path| FileStore::open(p).map(|mut s| s.load().unwrap());
    assert_eq!(mark(&x).unwrap(), Some(t(6)));
    assert_eq!(mark(&x_tmp).unwrap(), Some(t(7)));
    // Only the two mark files and their lock files remain: no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".ward-lock"))
        .collect();
    names.sort();
    assert_eq!(names, ["x", "x.tmp"]);
}

/// A link planted where the old store put its temporary file (`<name>.tmp`) made the store
/// write through it into the link's target.
#[cfg(unix)]
#[test]
fn regression_persist_never_writes_through_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = created(dir.path(), "m");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("m.tmp")).unwrap();
    let mut store = FileStore::open(&path).unwrap();
    store.persist(t(3)).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(store.load().unwrap(), Some(t(3)));
}

/// Names a store's lock or temporary files use are refused as mark file names.
#[test]
fn reserved_suffixes_are_refused_as_mark_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["m.ward-lock", "m.1.1.ward-tmp", ".ward-tmp"] {
        let path = dir.path().join(name);
        assert!(
            matches!(FileStore::create(&path), Err(StoreError::ReservedName { path: p }) if p == path),
            "{name}"
        );
        assert!(matches!(
            FileStore::open(&path),
            Err(StoreError::ReservedName { .. })
        ));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Near misses are ordinary names.
    for name in ["m.ward-lock2", "m.ward-tmp.x", "ward-tmp"] {
        drop(FileStore::create(dir.path().join(name)).unwrap());
    }
}

/// A file (here a link) already at the next temporary name, as a crashed process with the
/// same id would leave, is never written through: the store, which holds the lock, removes
/// the link itself (not its target) and takes the name.
#[cfg(unix)]
#[test]
fn existing_temporary_name_is_skipped_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = created(dir.path(), "m");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let pid = std::process::id();
    for n in 1..=3 {
        let planted = dir.path().join(format!("m.{pid}.{n}.ward-tmp"));
        std::os::unix::fs::symlink(&victim, planted).unwrap();
    }
    let mut store = FileStore::open(&path).unwrap();
    store.persist(t(9)).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(store.load().unwrap(), Some(t(9)));
    assert!(
        !std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the mark file is a file of its own, not the link"
    );
    // The first name was taken (and renamed over the mark file); the other links remain.
    assert!(std::fs::symlink_metadata(dir.path().join(format!("m.{pid}.1.ward-tmp"))).is_err());
    assert!(
        std::fs::symlink_metadata(dir.path().join(format!("m.{pid}.2.ward-tmp")))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// A mark file restored from an older copy while its store is open is a loud, typed error
/// on the next load or persist, and the fence keeps refusing the tokens it refused.
#[test]
fn mark_file_restored_from_an_older_copy_is_refused_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let path = created(dir.path(), "orders.mark");
    let backup = dir.path().join("backup");
    {
        let mut store = FileStore::open(&path).unwrap();
        store.persist(t(35)).unwrap();
    }
    std::fs::copy(&path, &backup).unwrap(); // a backup taken at 35
    let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
    fence.admit(t(40)).unwrap();
    std::fs::copy(&backup, &path).unwrap(); // restored behind the fence's back
    let err = fence.admit(t(41)).unwrap_err();
    match &err {
        ward_fencing::DurableFenceError::Store(StoreError::Regressed {
            found,
            acknowledged,
            ..
        }) => assert_eq!((*found, *acknowledged), (35, 40)),
        other => panic!("{other:?}"),
    }
    assert!(
        std::error::Error::source(&err)
            .unwrap()
            .to_string()
            .contains("went back from 40 to 35")
    );
    // The fence still refuses what it refused, and raises no further until repaired.
    assert!(fence.admit(t(39)).is_err());
    assert!(fence.admit(t(42)).is_err());
    assert_eq!(fence.mark(), Some(t(40)));
    // The same store, loading again, reports it too.
    let mut store = fence.into_store();
    assert!(matches!(store.load(), Err(StoreError::Regressed { .. })));
}
