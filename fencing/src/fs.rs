//! The file operations under `FileStore`, so that tests can put a simulated disk under it.

use std::fs::{self, File, OpenOptions};
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
/// The sequence [`FileStore`](crate::FileStore) runs for every persist, on the real file
/// system:
///
/// ```
/// use ward_fencing::{FileSystem, StdFileSystem};
///
/// let dir = tempfile::tempdir().unwrap();
/// let (temp, mark) = (dir.path().join("m.tmp"), dir.path().join("m"));
/// let fs = StdFileSystem;
/// fs.write(&temp, b"new mark").unwrap();
/// fs.sync_file(&temp).unwrap();
/// fs.rename(&temp, &mark).unwrap();
/// fs.sync_dir(dir.path()).unwrap();
/// assert_eq!(fs.read(&mark).unwrap(), b"new mark");
/// ```
pub trait FileSystem {
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

    /// Creates the file, or truncates it if it exists, and writes `bytes` (not yet durable).
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
    /// StdFileSystem.write(&path, b"longer").unwrap();
    /// StdFileSystem.write(&path, b"short").unwrap(); // truncated first
    /// assert_eq!(StdFileSystem.read(&path).unwrap(), b"short");
    /// ```
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;

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
    /// StdFileSystem.write(&path, b"data").unwrap();
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
    /// StdFileSystem.write(&to, b"old").unwrap();
    /// StdFileSystem.write(&from, b"new").unwrap();
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
}

/// The operating system's file system.
///
/// On Unix, [`FileSystem::sync_dir`] opens the directory and calls `fsync` on it; elsewhere
/// directories cannot be opened for syncing and it does nothing.
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
pub struct StdFileSystem;

impl FileSystem for StdFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut file = File::create(path)?;
        file.write_all(bytes)
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
}
