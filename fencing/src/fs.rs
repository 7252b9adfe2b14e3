//! The file operations under `FileStore`, so that tests can put a simulated disk under it.

use core::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::Path;

/// The file operations [`FileStore`](crate::FileStore) needs, so that tests can put a
/// simulated disk with crash points under it. [`StdFileSystem`] is the real one.
///
/// The durability contract is POSIX's: data written to a file is durable after
/// [`FileSystem::sync_file`]; a rename is durable after [`FileSystem::sync_dir`] of the
/// directory that holds it; a crash may lose anything not yet made durable.
///
/// # Examples
///
/// The sequence [`FileStore`](crate::FileStore) runs to open a mark file and persist a mark,
/// on the real file system:
///
/// ```
/// use ward_fencing::{FileSystem, StdFileSystem};
///
/// let dir = tempfile::tempdir().unwrap();
/// let lock = dir.path().join("m.ward-lock");
/// let temp = dir.path().join("m.1.ward-tmp");
/// let mark = dir.path().join("m");
/// let fs = StdFileSystem;
/// let held = fs.try_lock(&lock).unwrap().expect("nobody else holds it");
/// fs.write_new(&temp, b"new mark").unwrap();
/// fs.sync_file(&temp).unwrap();
/// fs.rename(&temp, &mark).unwrap();
/// fs.sync_dir(dir.path()).unwrap();
/// assert_eq!(fs.read(&mark).unwrap(), b"new mark");
/// drop(held);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub trait FileSystem {
    /// An exclusive lock taken by [`FileSystem::try_lock`]; dropping it releases the lock.
    type Lock: fmt::Debug;

    /// Takes an exclusive lock on the file at `path`, creating the file (empty) if it does
    /// not exist, without waiting.
    ///
    /// Returns `Ok(None)` if another holder has the lock: another lock taken in this
    /// process, or one held by another process. The lock lasts until the returned value is
    /// dropped (or the process ends). The lock file is never removed: removing it while
    /// held would let a new opener lock a new file of the same name.
    ///
    /// # Errors
    ///
    /// The I/O error of creating, opening or locking the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("m.ward-lock");
    /// let first = StdFileSystem.try_lock(&path).unwrap();
    /// assert!(first.is_some());
    /// assert!(StdFileSystem.try_lock(&path).unwrap().is_none()); // held
    /// drop(first);
    /// assert!(StdFileSystem.try_lock(&path).unwrap().is_some());
    /// ```
    fn try_lock(&self, path: &Path) -> io::Result<Option<Self::Lock>>;

    /// Reads the whole file.
    ///
    /// # Errors
    ///
    /// The I/O error; [`io::ErrorKind::NotFound`] when there is no such file.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let err = StdFileSystem.read(&dir.path().join("absent")).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::NotFound);
    /// ```
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// Creates a new file at `path` and writes `bytes` (not yet durable).
    ///
    /// Fails with [`io::ErrorKind::AlreadyExists`] if anything is at `path`, a symbolic link
    /// included (dangling or not): the file is created exclusively (`O_CREAT | O_EXCL`), so
    /// it never follows a link planted in its place and never writes into another file.
    ///
    /// # Errors
    ///
    /// The I/O error; [`io::ErrorKind::AlreadyExists`] if `path` exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("f");
    /// StdFileSystem.write_new(&path, b"first").unwrap();
    /// let err = StdFileSystem.write_new(&path, b"second").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    /// assert_eq!(StdFileSystem.read(&path).unwrap(), b"first");
    /// ```
    fn write_new(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;

    /// Makes the file's contents durable (`fsync`).
    ///
    /// # Errors
    ///
    /// The I/O error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("f");
    /// StdFileSystem.write_new(&path, b"data").unwrap();
    /// StdFileSystem.sync_file(&path).unwrap();
    /// assert!(StdFileSystem.sync_file(&dir.path().join("absent")).is_err());
    /// ```
    fn sync_file(&self, path: &Path) -> io::Result<()>;

    /// Atomically replaces `to` with `from` (not yet durable).
    ///
    /// # Errors
    ///
    /// The I/O error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let (from, to) = (dir.path().join("new"), dir.path().join("old"));
    /// StdFileSystem.write_new(&to, b"old").unwrap();
    /// StdFileSystem.write_new(&from, b"new").unwrap();
    /// StdFileSystem.rename(&from, &to).unwrap();
    /// assert_eq!(StdFileSystem.read(&to).unwrap(), b"new");
    /// ```
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;

    /// Makes the directory's entries (renames, creations) durable (`fsync` on the directory).
    ///
    /// # Errors
    ///
    /// The I/O error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// StdFileSystem.sync_dir(dir.path()).unwrap();
    /// ```
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;

    /// Removes the file at `path` (a link itself, never its target); used to clean up a
    /// temporary file after a failed persist.
    ///
    /// # Errors
    ///
    /// The I/O error; [`io::ErrorKind::NotFound`] if there is nothing at `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileSystem, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("f");
    /// StdFileSystem.write_new(&path, b"scratch").unwrap();
    /// StdFileSystem.remove(&path).unwrap();
    /// assert!(StdFileSystem.read(&path).is_err());
    /// ```
    fn remove(&self, path: &Path) -> io::Result<()>;
}

/// The operating system's file system.
///
/// On Unix, [`FileSystem::sync_dir`] opens the directory and calls `fsync` on it; elsewhere
/// directories cannot be opened for syncing and it does nothing.
///
/// [`FileSystem::try_lock`] uses [`File::try_lock`]: `flock` on Linux, macOS and the BSDs,
/// `LockFileEx` on Windows. Those locks belong to the open file, so a second lock on the
/// same file is refused in the same process as in another one. The lock is advisory: it
/// excludes other `FileStore`s, not programs that ignore it. Where `flock` is emulated with
/// per-process record locks (some network file systems), a second lock taken in the same
/// process may be granted.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FileStore, StdFileSystem};
///
/// let dir = tempfile::tempdir().unwrap();
/// let store = FileStore::create_with(StdFileSystem, dir.path().join("mark")).unwrap();
/// # drop(store);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct StdFileSystem;

impl FileSystem for StdFileSystem {
    type Lock = File;

    fn try_lock(&self, path: &Path) -> io::Result<Option<File>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    /// Writes and syncs on the same handle: an error some file systems (NFS) report only
    /// when the data is flushed would otherwise be lost with the handle's drop, and a
    /// sync through a second handle opened later does not see it.
    fn write_new(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        OpenOptions::new().write(true).open(path)?.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        #[cfg(unix)]
        {
            File::open(dir)?.sync_all()
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Ok(())
        }
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }
}
