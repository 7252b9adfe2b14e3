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
pub trait FileSystem {
    /// Reads the whole file.
    ///
    /// # Errors
    ///
    /// The I/O error; [`io::ErrorKind::NotFound`] when there is no such file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// Creates the file, or truncates it if it exists, and writes `bytes` (not yet durable).
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;

    /// Makes the file's contents durable (`fsync`).
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn sync_file(&self, path: &Path) -> io::Result<()>;

    /// Atomically replaces `to` with `from` (not yet durable).
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;

    /// Makes the directory's entries (renames, creations) durable (`fsync` on the directory).
    ///
    /// # Errors
    ///
    /// The I/O error.
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
