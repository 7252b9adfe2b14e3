//! Durable storage of a high-water mark: the storage trait, the crash-safe file store and an
//! in-memory stand-in.

use core::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::format;
use crate::fs::{FileSystem, StdFileSystem};
use crate::sync::Mutex;
use crate::token::FencingToken;

/// Storage for one high-water mark that survives a restart.
///
/// [`DurableFence`](crate::DurableFence) and [`TokenIssuer`](crate::TokenIssuer) call
/// [`MarkStore::persist`] before they acknowledge a new mark, and [`MarkStore::load`] when they
/// start. An implementation must make `persist` durable before it returns `Ok`, and `load`
/// must never invent a mark: a store that cannot read its mark returns an error, not `None`.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, MarkStore, MemoryStore};
///
/// let mut store = MemoryStore::new();
/// assert_eq!(store.load().unwrap(), None);
/// store.persist(FencingToken::new(5).unwrap()).unwrap();
/// assert_eq!(store.load().unwrap().map(FencingToken::get), Some(5));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub trait MarkStore {
    /// Reads the persisted mark; `Ok(None)` means the store was created and no mark has been
    /// persisted since.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the mark cannot be read or fails validation.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileStore, MarkStore};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("m");
    /// let mut store = FileStore::create(&path).unwrap();
    /// assert_eq!(store.load().unwrap(), None); // created, nothing persisted yet
    /// std::fs::write(&path, b"damaged").unwrap();
    /// assert!(store.load().is_err()); // never `None` for a file it cannot read
    /// ```
    fn load(&mut self) -> Result<Option<FencingToken>, StoreError>;

    /// Replaces the persisted mark with `mark`, durably, before returning `Ok`.
    ///
    /// On error the stored mark is either the old one or `mark`: never anything else.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the mark could not be made durable.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, MarkStore, MemoryStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.persist(FencingToken::new(8).unwrap()).unwrap();
    /// assert_eq!(store.load().unwrap().map(FencingToken::get), Some(8));
    /// ```
    fn persist(&mut self, mark: FencingToken) -> Result<(), StoreError>;
}

impl<M: MarkStore + ?Sized> MarkStore for &mut M {
    fn load(&mut self) -> Result<Option<FencingToken>, StoreError> {
        (**self).load()
    }

    fn persist(&mut self, mark: FencingToken) -> Result<(), StoreError> {
        (**self).persist(mark)
    }
}

/// A mark kept in memory, shared between clones: a stand-in for durable storage in tests,
/// where dropping a fence and opening a new one on a clone plays a process restart.
///
/// # Examples
///
/// ```
/// use ward_fencing::{DurableFence, FencingToken, MemoryStore};
///
/// let disk = MemoryStore::new();
/// let fence = DurableFence::open(disk.clone()).unwrap();
/// fence.admit(FencingToken::new(34).unwrap()).unwrap();
/// drop(fence); // "restart"
/// let fence = DurableFence::open(disk).unwrap();
/// assert!(fence.admit(FencingToken::new(33).unwrap()).is_err());
/// ```
#[derive(Clone, Debug, Default)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct MemoryStore {
    mark: Arc<Mutex<Option<FencingToken>>>,
}

impl MemoryStore {
    /// A store with no mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::MemoryStore;
    ///
    /// assert_eq!(MemoryStore::new().mark(), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The mark currently stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, MarkStore, MemoryStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.persist(FencingToken::MIN).unwrap();
    /// assert_eq!(store.mark(), Some(FencingToken::MIN));
    /// ```
    pub fn mark(&self) -> Option<FencingToken> {
        *self.mark.lock()
    }
}

impl MarkStore for MemoryStore {
    fn load(&mut self) -> Result<Option<FencingToken>, StoreError> {
        Ok(self.mark())
    }

    fn persist(&mut self, mark: FencingToken) -> Result<(), StoreError> {
        *self.mark.lock() = Some(mark);
        Ok(())
    }
}

/// Which file operation failed.
///
/// # Examples
///
/// ```
/// use ward_fencing::IoOp;
///
/// assert_eq!(IoOp::SyncDir.to_string(), "sync directory");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub enum IoOp {
    /// Reading the mark file.
    Read,
    /// Writing the temporary file.
    Write,
    /// Syncing the temporary file.
    SyncFile,
    /// Renaming the temporary file over the mark file.
    Rename,
    /// Syncing the directory.
    SyncDir,
    /// Creating, opening or locking the lock file.
    Lock,
}

impl fmt::Display for IoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::SyncFile => "sync file",
            Self::Rename => "rename",
            Self::SyncDir => "sync directory",
            Self::Lock => "lock",
        })
    }
}

/// Why a durable mark could not be loaded or persisted.
///
/// A store never answers "no mark" for a file it cannot read: a missing, short, long or
/// damaged file is an error, so a damaged disk never silently resets the fence to zero.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FileStore, StoreError};
///
/// let dir = tempfile::tempdir().unwrap();
/// let err = FileStore::open(dir.path().join("absent")).unwrap_err();
/// assert!(matches!(err, StoreError::Missing { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub enum StoreError {
    /// The mark file does not exist. Create it once with [`FileStore::create`]; after that,
    /// a missing file means it was lost, and starting from no mark would readmit old tokens.
    #[error("mark file {} is missing", path.display())]
    Missing {
        /// The mark file's path.
        path: PathBuf,
    },
    /// [`FileStore::create`] found a file already there; it does not overwrite a mark.
    #[error("mark file {} already exists", path.display())]
    AlreadyExists {
        /// The mark file's path.
        path: PathBuf,
    },
    /// The file is shorter than the format's length.
    #[error("mark file {} is truncated: {len} bytes, expected {expected}", path.display())]
    Truncated {
        /// The mark file's path.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
        /// The format's length in bytes.
        expected: usize,
    },
    /// The file is longer than the format's length.
    #[error("mark file {} is oversized: {len} bytes, expected {expected}", path.display())]
    Oversized {
        /// The mark file's path.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
        /// The format's length in bytes.
        expected: usize,
    },
    /// The path does not end in a file name (it is empty, `/`, or ends in `..`), so there is
    /// no file to hold the mark and no sibling for the temporary file.
    #[error("mark file path {} does not name a file", path.display())]
    NotAFilePath {
        /// The path given.
        path: PathBuf,
    },
    /// Another [`FileStore`] holds the mark file's lock, in this process or in another one.
    /// Two stores on one mark file would each admit tokens the other never saw and could
    /// write a lower mark over an acknowledged one, so a mark file has one owner at a time.
    #[error("mark file {} is locked by another open store (lock file {})", path.display(), lock.display())]
    Locked {
        /// The mark file's path.
        path: PathBuf,
        /// The lock file's path: the mark file's name with `.ward-lock` appended.
        lock: PathBuf,
    },
    /// The file name ends in `.ward-lock` or `.ward-tmp`, the suffixes of a mark file's lock
    /// file and temporary files; a mark file with such a name could collide with another
    /// mark file's.
    #[error("mark file path {} ends in a suffix reserved for lock and temporary files", path.display())]
    ReservedName {
        /// The path given.
        path: PathBuf,
    },
    /// The file holds a lower mark than this store last read or persisted: it was
    /// replaced behind the store's back, most likely restored from an older backup or
    /// snapshot. Continuing would readmit every token between the two marks, tokens whose
    /// writes were acknowledged, so the store refuses to load or persist until the file is
    /// repaired (put back a mark at least `acknowledged`, as etcd's `--bump-revision` does
    /// after a restore).
    #[error(
        "mark file {} went back from {acknowledged} to {found}: it was restored from an older copy; \
         refusing to continue, since tokens up to {acknowledged} were already acknowledged",
        path.display()
    )]
    Regressed {
        /// The mark file's path.
        path: PathBuf,
        /// The mark found in the file (0: the empty mark of a newly created file).
        found: u64,
        /// The mark this store last read or persisted.
        acknowledged: u64,
    },
    /// The file has the right header and checksum but its contents break the format's rules
    /// (a keyed snapshot with a zero mark, a repeated key, a key that does not decode).
    #[error("mark file {} is malformed: {reason}", path.display())]
    Malformed {
        /// The file's path.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The file does not start with this format's magic bytes and version.
    #[error("mark file {} has an unknown header", path.display())]
    BadMagic {
        /// The mark file's path.
        path: PathBuf,
    },
    /// The checksum does not match the contents: the file is corrupt.
    #[error("mark file {} is corrupt: checksum {stored:#010x}, computed {computed:#010x}", path.display())]
    ChecksumMismatch {
        /// The mark file's path.
        path: PathBuf,
        /// The checksum stored in the file.
        stored: u32,
        /// The checksum of the contents.
        computed: u32,
    },
    /// A file operation failed.
    #[error("{op} failed on {}", path.display())]
    Io {
        /// The operation.
        op: IoOp,
        /// The path it was applied to.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// A high-water mark in one small file, replaced crash-safely, with one owner at a time.
///
/// Each [`MarkStore::persist`] writes the whole file to a new temporary file next to it,
/// syncs it, renames it over the mark file and syncs the directory. A crash at any point
/// leaves the mark file holding either the previous mark or the new one, complete and
/// checksummed (given a file system that keeps POSIX's rename and fsync promises). The file
/// holds a magic header with a version, the mark, and a CRC-32;
/// [`TokenIssuer`](crate::TokenIssuer) uses the same format.
///
/// # One owner
///
/// A store holds an exclusive lock on `<name>.ward-lock` (created next to the mark file and
/// never removed) from [`FileStore::create`] or [`FileStore::open`] until it is dropped. A
/// second store on the same mark file, in this process or another, gets
/// [`StoreError::Locked`]: two fences on one file would each admit tokens the other never
/// saw, and the lower one's persist could overwrite an acknowledged mark. The lock is
/// released when the store is dropped; a child process this process is spawning at that
/// moment holds a copy of the lock until it starts its program, so an immediate reopen may
/// briefly see `Locked` and should retry.
///
/// # Temporary files
///
/// Each persist creates `<name>.<pid>.<n>.ward-tmp` exclusively (`O_CREAT | O_EXCL`: never
/// through a link planted in its place), and removes it if the persist fails before the
/// rename. Mark file names ending in `.ward-tmp` or `.ward-lock` are refused
/// ([`StoreError::ReservedName`]), so no store's temporary or lock file is another store's
/// mark file. A crash between the write and the rename can leave a temporary file behind; it
/// is never read, and can be deleted while no store has the mark file open.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, FileStore, MarkStore, StoreError};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("orders.mark");
///
/// let mut store = FileStore::create(&path).unwrap();
/// store.persist(FencingToken::new(34).unwrap()).unwrap();
/// // One owner at a time: a second store on the file is refused while the first is open.
/// assert!(matches!(FileStore::open(&path), Err(StoreError::Locked { .. })));
/// drop(store);
///
/// let mut reopened = FileStore::open(&path).unwrap();
/// assert_eq!(reopened.load().unwrap().map(FencingToken::get), Some(34));
/// ```
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct FileStore<F: FileSystem = StdFileSystem> {
    fs: F,
    path: PathBuf,
    dir: PathBuf,
    /// The prefix of this store's temporary files: `<name>.<pid>.`.
    temp_prefix: std::ffi::OsString,
    /// The number of the last temporary file name tried.
    temp_seq: u64,
    /// The mark this store last read from the file or persisted to it.
    acknowledged: u64,
    /// Held for the store's lifetime; released on drop.
    _lock: F::Lock,
}

/// Suffix of a mark file's lock file.
const LOCK_SUFFIX: &str = ".ward-lock";
/// Suffix of a mark file's temporary files.
const TEMP_SUFFIX: &str = ".ward-tmp";
/// How many temporary file names a persist tries before giving up (each one exists only if
/// a process with the same id crashed mid-persist, and is removed and reused unless that
/// fails).
const TEMP_ATTEMPTS: u32 = 64;

impl FileStore<StdFileSystem> {
    /// Creates a new mark file at `path` holding no mark.
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] if there is a file at `path` (a mark is never
    /// overwritten by creation), [`StoreError::Locked`] if another store has it open,
    /// [`StoreError::NotAFilePath`] if `path` does not end in a file name,
    /// [`StoreError::ReservedName`] if it ends in `.ward-tmp` or `.ward-lock`, or
    /// [`StoreError::Io`].
    ///
    /// The existence check and the creation happen under the mark file's lock, so of two
    /// stores creating the same file at once, one succeeds and the other gets `Locked` or
    /// `AlreadyExists`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileStore, MarkStore};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let mut store = FileStore::create(dir.path().join("m")).unwrap();
    /// assert_eq!(store.load().unwrap(), None);
    /// assert!(FileStore::create(dir.path().join("m")).is_err());
    /// ```
    pub fn create(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::create_with(StdFileSystem, path)
    }

    /// Opens an existing mark file and checks that it is valid.
    ///
    /// # Errors
    ///
    /// [`StoreError::Locked`] if another store has the file open (in this process or
    /// another), [`StoreError::Missing`] if there is no file, [`StoreError::Truncated`],
    /// [`StoreError::Oversized`], [`StoreError::BadMagic`] or
    /// [`StoreError::ChecksumMismatch`] if it is damaged, [`StoreError::NotAFilePath`] if
    /// `path` does not end in a file name, [`StoreError::ReservedName`] if it ends in
    /// `.ward-tmp` or `.ward-lock`, or [`StoreError::Io`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileStore, StoreError};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("m");
    /// std::fs::write(&path, b"short").unwrap();
    /// let err = FileStore::open(&path).unwrap_err();
    /// assert!(matches!(err, StoreError::Truncated { len: 5, expected: 20, .. }));
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(StdFileSystem, path)
    }
}

impl<F: FileSystem> FileStore<F> {
    /// [`FileStore::create`] on the file system `fs`.
    ///
    /// # Errors
    ///
    /// As [`FileStore::create`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileStore, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = FileStore::create_with(StdFileSystem, dir.path().join("m")).unwrap();
    /// assert_eq!(store.path(), dir.path().join("m"));
    /// ```
    pub fn create_with(fs: F, path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::create_raw(fs, path.as_ref(), &format::encode(0))
    }

    /// [`FileStore::open`] on the file system `fs`.
    ///
    /// # Errors
    ///
    /// As [`FileStore::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileStore, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// FileStore::create(dir.path().join("m")).unwrap();
    /// let store = FileStore::open_with(StdFileSystem, dir.path().join("m")).unwrap();
    /// # drop(store);
    /// ```
    pub fn open_with(fs: F, path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let mut store = Self::at(fs, path.as_ref())?;
        store.read_mark()?;
        Ok(store)
    }

    /// The mark file's path.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FileStore;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = FileStore::create(dir.path().join("m")).unwrap();
    /// assert!(store.path().ends_with("m"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file system under this store.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FileStore, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = FileStore::create(dir.path().join("m")).unwrap();
    /// assert_eq!(*store.file_system(), StdFileSystem);
    /// ```
    pub fn file_system(&self) -> &F {
        &self.fs
    }

    /// Checks the path and takes the mark file's lock.
    fn at(fs: F, path: &Path) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let Some(name) = path.file_name() else {
            return Err(StoreError::NotAFilePath { path });
        };
        let bytes = name.as_encoded_bytes();
        if bytes.ends_with(LOCK_SUFFIX.as_bytes()) || bytes.ends_with(TEMP_SUFFIX.as_bytes()) {
            return Err(StoreError::ReservedName { path });
        }
        let mut lock_name = name.to_os_string();
        lock_name.push(LOCK_SUFFIX);
        let lock = path.with_file_name(lock_name);
        let mut temp_prefix = name.to_os_string();
        temp_prefix.push(format!(".{}.", std::process::id()));
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let held = match fs.try_lock(&lock) {
            Ok(Some(held)) => held,
            Ok(None) => return Err(StoreError::Locked { path, lock }),
            Err(source) => {
                return Err(StoreError::Io {
                    op: IoOp::Lock,
                    path: lock,
                    source,
                });
            }
        };
        Ok(Self {
            fs,
            path,
            dir,
            temp_prefix,
            temp_seq: 0,
            acknowledged: 0,
            _lock: held,
        })
    }

    fn io(&self, op: IoOp, path: &Path, source: io::Error) -> StoreError {
        let path = if op == IoOp::SyncDir {
            self.dir.clone()
        } else {
            path.to_path_buf()
        };
        StoreError::Io { op, path, source }
    }

    /// Creates the file at `path` with `bytes`, under the lock, refusing an existing file.
    pub(crate) fn create_raw(fs: F, path: &Path, bytes: &[u8]) -> Result<Self, StoreError> {
        let mut store = Self::at(fs, path)?;
        match store.fs.read(&store.path) {
            Ok(_) => {
                return Err(StoreError::AlreadyExists { path: store.path });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(store.io(IoOp::Read, &store.path.clone(), source)),
        }
        store.replace_raw(bytes)?;
        Ok(store)
    }

    /// Takes the lock of the file at `path` without reading it.
    pub(crate) fn open_raw(fs: F, path: &Path) -> Result<Self, StoreError> {
        Self::at(fs, path)
    }

    /// The whole file; [`StoreError::Missing`] if there is none.
    pub(crate) fn read_raw(&self) -> Result<Vec<u8>, StoreError> {
        match self.fs.read(&self.path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::Missing {
                path: self.path.clone(),
            }),
            Err(source) => Err(self.io(IoOp::Read, &self.path, source)),
        }
    }

    fn read_mark(&mut self) -> Result<u64, StoreError> {
        let bytes = self.read_raw()?;
        let path = self.path.clone();
        let mark = format::decode(&bytes).map_err(|invalid| match invalid {
            format::Invalid::Truncated => StoreError::Truncated {
                path,
                len: bytes.len(),
                expected: format::LEN,
            },
            format::Invalid::Oversized => StoreError::Oversized {
                path,
                len: bytes.len(),
                expected: format::LEN,
            },
            format::Invalid::BadMagic => StoreError::BadMagic { path },
            format::Invalid::Checksum { stored, computed } => StoreError::ChecksumMismatch {
                path,
                stored,
                computed,
            },
        })?;
        if mark < self.acknowledged {
            return Err(StoreError::Regressed {
                path: self.path.clone(),
                found: mark,
                acknowledged: self.acknowledged,
            });
        }
        self.acknowledged = mark;
        Ok(mark)
    }

    /// Creates a new temporary file holding `bytes`, trying the next name while one exists.
    fn write_temp(&mut self, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let mut last = None;
        for _ in 0..TEMP_ATTEMPTS {
            self.temp_seq = self.temp_seq.wrapping_add(1);
            let mut name = self.temp_prefix.clone();
            name.push(format!("{}{TEMP_SUFFIX}", self.temp_seq));
            let temp = self.path.with_file_name(name);
            match self.fs.write_new(&temp, bytes) {
                Ok(()) => return Ok(temp),
                // Left by a crashed process with this id: this store holds the lock, so no
                // live writer uses the name. Remove it and take the name.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if self.fs.remove(&temp).is_err() {
                        last = Some((temp, e));
                        continue;
                    }
                    match self.fs.write_new(&temp, bytes) {
                        Ok(()) => return Ok(temp),
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                            last = Some((temp, e));
                        }
                        Err(e) => {
                            let _ = self.fs.remove(&temp);
                            return Err(self.io(IoOp::Write, &temp, e));
                        }
                    }
                }
                Err(e) => {
                    // A partly written file may be there; it is ours to remove.
                    let _ = self.fs.remove(&temp);
                    return Err(self.io(IoOp::Write, &temp, e));
                }
            }
        }
        let (temp, e) =
            last.unwrap_or_else(|| (self.path.clone(), io::ErrorKind::AlreadyExists.into()));
        Err(self.io(IoOp::Write, &temp, e))
    }

    /// Write a new temporary file, sync it, rename it over the mark file, sync the directory.
    /// A failure before the rename removes the temporary file (best effort).
    fn replace(&mut self, mark: u64) -> Result<(), StoreError> {
        self.replace_raw(&format::encode(mark))
    }

    /// [`FileStore::replace`] with any contents.
    pub(crate) fn replace_raw(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let temp = self.write_temp(bytes)?;
        let before_rename = self
            .fs
            .sync_file(&temp)
            .map_err(|e| (IoOp::SyncFile, e))
            .and_then(|()| {
                self.fs
                    .rename(&temp, &self.path)
                    .map_err(|e| (IoOp::Rename, e))
            });
        if let Err((op, e)) = before_rename {
            let _ = self.fs.remove(&temp);
            return Err(self.io(op, &temp, e));
        }
        self.fs
            .sync_dir(&self.dir)
            .map_err(|e| self.io(IoOp::SyncDir, &self.dir, e))
    }
}

impl<F: FileSystem> MarkStore for FileStore<F> {
    fn load(&mut self) -> Result<Option<FencingToken>, StoreError> {
        Ok(FencingToken::new(self.read_mark()?).ok())
    }

    /// Reads the file first: a file that lost its mark ([`StoreError::Regressed`],
    /// [`StoreError::Missing`]) or was damaged is reported, not silently overwritten.
    fn persist(&mut self, mark: FencingToken) -> Result<(), StoreError> {
        self.read_mark()?;
        self.replace(mark.get())?;
        self.acknowledged = mark.get();
        Ok(())
    }
}
