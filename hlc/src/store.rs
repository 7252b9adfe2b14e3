//! Durable storage of the bound: the trait and the one-file store.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::timestamp::MAX_PHYSICAL;

/// Durable storage for one number: an upper bound, in microseconds since the Unix epoch,
/// of the physical part of every timestamp a [`DurableHlc`](crate::DurableHlc) has
/// issued or may issue.
///
/// `store` must be durable when it returns `Ok`: after a crash, `load` returns the stored
/// value or a later one, never an earlier one. `load` must not invent a value: a missing
/// or damaged record is an error, never a silent reset to zero. `acquire` must give one
/// clock exclusive use of the record until the store is dropped, so that two clocks never
/// overwrite each other's bound.
///
/// # Examples
///
/// An in-memory store, for illustration (it does not survive a restart):
///
/// ```
/// use ward_hlc::{BoundStore, StoreError};
///
/// #[derive(Default)]
/// struct Memory(Option<u64>);
///
/// impl BoundStore for Memory {
///     fn load(&mut self) -> Result<u64, StoreError> {
///         self.0.ok_or(StoreError::Missing { path: "memory".into() })
///     }
///     fn store(&mut self, bound: u64) -> Result<(), StoreError> {
///         self.0 = Some(bound);
///         Ok(())
///     }
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub trait BoundStore {
    /// Takes exclusive use of the record for as long as this store lives. A clock calls
    /// it once, before its first [`load`](Self::load). The default does nothing, for
    /// stores that only one clock can reach (one in memory, say).
    ///
    /// # Errors
    ///
    /// [`StoreError::Locked`] when another store (in this process or another) holds
    /// the record; [`StoreError::Io`] when the lock could not be taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{BoundStore, FileBoundStore, StoreError};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-acquire-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut first = FileBoundStore::new(dir.join("bound"));
    /// first.acquire()?;
    /// let mut second = FileBoundStore::new(dir.join("bound"));
    /// assert!(matches!(second.acquire(), Err(StoreError::Locked { .. })));
    /// drop(first);
    /// second.acquire()?;
    /// # drop(second);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn acquire(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Reads the stored bound.
    ///
    /// # Errors
    ///
    /// [`StoreError::Missing`] when nothing was ever stored; other [`StoreError`]s when
    /// the record is unreadable or damaged.
    fn load(&mut self) -> Result<u64, StoreError>;

    /// Durably replaces the stored bound.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] (or an implementation's own variant) when the bound could not be
    /// made durable; the previous bound must then still be readable.
    fn store(&mut self, bound: u64) -> Result<(), StoreError>;
}

impl<S: BoundStore + ?Sized> BoundStore for &mut S {
    fn acquire(&mut self) -> Result<(), StoreError> {
        (**self).acquire()
    }

    fn load(&mut self) -> Result<u64, StoreError> {
        (**self).load()
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        (**self).store(bound)
    }
}

/// Reading or writing a persisted bound failed.
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// There is no bound record: the store was never written, or its file was removed.
    #[error("no bound record at {}", path.display())]
    Missing {
        /// Where the record was looked for.
        path: PathBuf,
    },
    /// Another store holds the record: a second clock on the same file, in this
    /// process or another.
    #[error("bound record at {} is locked by another clock", path.display())]
    Locked {
        /// The record whose lock is held.
        path: PathBuf,
    },
    /// The lock file this store locked was removed or replaced while it held it (by an
    /// operator or a temporary-file cleaner): another clock may have taken a new lock
    /// on the same record, so this store refuses to write it again. Checked on Unix.
    #[error("the lock of the bound record at {} was removed or replaced", path.display())]
    LockLost {
        /// The record whose lock was lost.
        path: PathBuf,
    },
    /// The record is shorter than its fixed size: a torn or truncated write.
    #[error("bound record is truncated: {len} bytes, expected {expected}")]
    Truncated {
        /// Bytes found.
        len: usize,
        /// Bytes a record has.
        expected: usize,
    },
    /// The record is longer than its fixed size.
    #[error("bound record has {len} bytes, expected {expected}")]
    TooLong {
        /// Bytes found (the file's length; only the first `expected + 1` are read).
        len: u64,
        /// Bytes a record has.
        expected: usize,
    },
    /// The record does not start with the expected magic bytes and version.
    #[error("bound record has an unknown header")]
    BadHeader,
    /// The record's checksum does not match its contents.
    #[error("bound record checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    ChecksumMismatch {
        /// The checksum stored in the record.
        stored: u32,
        /// The checksum of the record's contents.
        computed: u32,
    },
    /// The record holds a bound beyond the representable physical range.
    #[error("bound record holds {bound} µs, beyond the largest representable {MAX_PHYSICAL} µs")]
    OutOfRange {
        /// The bound read.
        bound: u64,
    },
    /// The operating system reported an error.
    #[error("bound record i/o at {}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

const MAGIC: [u8; 8] = *b"WARDHLC1";
pub(crate) const RECORD_LEN: usize = 20;

/// A [`BoundStore`] in one small file, replaced atomically, with a lock file beside it.
///
/// The record is 20 bytes: the magic `WARDHLC1`, the bound as a big-endian `u64`, and a
/// CRC-32 (IEEE) of the first 16 bytes. A write goes to a temporary file with a name of
/// its own (`<file>.tmp-<process>-<n>`), is flushed with `fsync`, renamed over the file,
/// and the directory is flushed (on Unix) so the rename itself survives a crash. A reader
/// therefore sees the old record or the new one, never a mix; a damaged file is reported
/// as [`StoreError::Truncated`], [`StoreError::TooLong`], [`StoreError::BadHeader`] or
/// [`StoreError::ChecksumMismatch`]. `load` reads at most 21 bytes, whatever the file's
/// size.
///
/// # Exclusive use
///
/// [`acquire`](BoundStore::acquire) takes an exclusive lock
/// ([`File::try_lock`]) on `<file>.lock`, a file that is never replaced (a lock on the
/// record itself would be lost at the first rename), and holds it until the store is
/// dropped. A second store on the same path, in this process or another, gets
/// [`StoreError::Locked`] from `acquire` and from `store`; `store` takes the lock itself
/// if it was not taken yet. `load` alone takes no lock, so a monitoring tool can read
/// the bound of a running clock. The lock is advisory: it keeps out every
/// `FileBoundStore`, not a process that writes the file by other means. A child process
/// spawned at the moment a store is dropped holds a copy of the lock until it starts
/// its program (the descriptor is close-on-exec), so reopening right after a drop, in a
/// process that spawns others concurrently, can briefly see `Locked`: retry.
///
/// # Examples
///
/// ```
/// use ward_hlc::{BoundStore, FileBoundStore, StoreError};
///
/// let dir = std::env::temp_dir().join(format!("ward-hlc-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let mut store = FileBoundStore::new(dir.join("bound"));
/// assert!(matches!(store.load(), Err(StoreError::Missing { .. })));
/// store.store(1_700_000_000_000_000)?;
/// assert_eq!(store.load()?, 1_700_000_000_000_000);
/// # drop(store);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug)]
pub struct FileBoundStore {
    path: PathBuf,
    lock_path: PathBuf,
    /// The open lock file while the lock is held.
    lock: Option<File>,
}

impl FileBoundStore {
    /// A store at `path`. Nothing is read, written or locked until
    /// [`acquire`](BoundStore::acquire), [`load`](BoundStore::load) or
    /// [`store`](BoundStore::store).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::FileBoundStore;
    ///
    /// let store = FileBoundStore::new("/var/lib/app/hlc.bound");
    /// assert_eq!(store.path(), std::path::Path::new("/var/lib/app/hlc.bound"));
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> FileBoundStore {
        let path = path.into();
        let lock_path = with_suffix(&path, ".lock");
        FileBoundStore {
            path,
            lock_path,
            lock: None,
        }
    }

    /// The file holding the record.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::FileBoundStore;
    ///
    /// assert!(FileBoundStore::new("b").path().ends_with("b"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file beside the record, `<file>.lock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::FileBoundStore;
    ///
    /// assert!(FileBoundStore::new("b").lock_path().ends_with("b.lock"));
    /// ```
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    fn io(path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the lock file at `lock_path` is still the file this store locked: a lock
    /// on a file since removed from the directory keeps nobody else out.
    #[cfg(unix)]
    fn check_lock(&self) -> Result<(), StoreError> {
        use std::os::unix::fs::MetadataExt;
        let Some(held) = &self.lock else {
            return Ok(());
        };
        let held = held.metadata().map_err(|e| Self::io(&self.lock_path, e))?;
        let same = match fs::metadata(&self.lock_path) {
            Ok(now) => now.dev() == held.dev() && now.ino() == held.ino(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(Self::io(&self.lock_path, e)),
        };
        if same {
            Ok(())
        } else {
            Err(StoreError::LockLost {
                path: self.path.clone(),
            })
        }
    }

    #[cfg(not(unix))]
    #[expect(clippy::unnecessary_wraps, reason = "the Unix form can fail")]
    fn check_lock(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes `record` to a fresh temporary file and makes it durable; returns its path.
    fn write_temp(&self, record: &[u8]) -> Result<PathBuf, StoreError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        // Process-wide: two stores in one process never pick the same name. A file left
        // under the same name by a process that died before its rename (a restart may
        // get the same process id, as a container's first process always does) is
        // overwritten: the store's lock is held, so no live writer owns it.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let temp = with_suffix(&self.path, &format!(".tmp-{}-{n}", std::process::id()));
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .and_then(|mut file| {
                file.write_all(record)?;
                file.sync_all()
            });
        match written {
            Ok(()) => Ok(temp),
            Err(e) => {
                // Best effort: the record stays valid either way.
                let _ = fs::remove_file(&temp);
                Err(Self::io(&temp, e))
            }
        }
    }
}

impl BoundStore for FileBoundStore {
    fn acquire(&mut self) -> Result<(), StoreError> {
        if self.lock.is_some() {
            return Ok(());
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.lock_path)
            .map_err(|e| Self::io(&self.lock_path, e))?;
        match file.try_lock() {
            Ok(()) => {
                self.lock = Some(file);
                Ok(())
            }
            Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
                path: self.path.clone(),
            }),
            Err(TryLockError::Error(e)) => Err(Self::io(&self.lock_path, e)),
        }
    }

    fn load(&mut self) -> Result<u64, StoreError> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path: self.path.clone(),
                });
            }
            Err(e) => return Err(Self::io(&self.path, e)),
        };
        // One byte more than a record tells a long file from a record, without reading
        // (or allocating) the rest of it.
        let mut bytes = Vec::with_capacity(RECORD_LEN + 1);
        file.take(RECORD_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Self::io(&self.path, e))?;
        if bytes.len() > RECORD_LEN {
            let len = fs::metadata(&self.path)
                .map_or(bytes.len() as u64, |m| m.len())
                .max(bytes.len() as u64);
            return Err(StoreError::TooLong {
                len,
                expected: RECORD_LEN,
            });
        }
        decode(&bytes)
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        self.acquire()?;
        self.check_lock()?;
        let temp = self.write_temp(&encode(bound))?;
        if let Err(e) = fs::rename(&temp, &self.path) {
            let _ = fs::remove_file(&temp);
            return Err(Self::io(&self.path, e));
        }
        #[cfg(unix)]
        {
            let dir = match self.path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| Self::io(dir, e))?;
        }
        Ok(())
    }
}

/// `path` with `suffix` appended to its last component.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

pub(crate) fn encode(bound: u64) -> [u8; RECORD_LEN] {
    let mut record = [0u8; RECORD_LEN];
    record[..8].copy_from_slice(&MAGIC);
    record[8..16].copy_from_slice(&bound.to_be_bytes());
    let crc = crc32(&record[..16]);
    record[16..].copy_from_slice(&crc.to_be_bytes());
    record
}

pub(crate) fn decode(bytes: &[u8]) -> Result<u64, StoreError> {
    if bytes.len() < RECORD_LEN {
        return Err(StoreError::Truncated {
            len: bytes.len(),
            expected: RECORD_LEN,
        });
    }
    if bytes.len() > RECORD_LEN {
        return Err(StoreError::TooLong {
            len: bytes.len() as u64,
            expected: RECORD_LEN,
        });
    }
    if bytes[..8] != MAGIC {
        return Err(StoreError::BadHeader);
    }
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&bytes[16..]);
    let stored = u32::from_be_bytes(stored);
    let computed = crc32(&bytes[..16]);
    if stored != computed {
        return Err(StoreError::ChecksumMismatch { stored, computed });
    }
    let mut bound = [0u8; 8];
    bound.copy_from_slice(&bytes[8..16]);
    let bound = u64::from_be_bytes(bound);
    if bound > MAX_PHYSICAL {
        return Err(StoreError::OutOfRange { bound });
    }
    Ok(bound)
}

/// CRC-32 with the IEEE polynomial (reflected 0xEDB88320), the checksum of zlib and PNG.
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `load` refuses long files before decoding; `decode` refuses them on its own too.
    #[test]
    fn decode_checks_the_length_both_ways() {
        let record = encode(7);
        assert_eq!(decode(&record).ok(), Some(7));
        let mut long = record.to_vec();
        long.push(0);
        assert!(matches!(
            decode(&long),
            Err(StoreError::TooLong {
                len: 21,
                expected: 20
            })
        ));
        assert!(matches!(
            decode(&record[..19]),
            Err(StoreError::Truncated {
                len: 19,
                expected: 20
            })
        ));
    }

    /// The standard check value of CRC-32/ISO-HDLC (the IEEE CRC of zlib, PNG and
    /// Ethernet): the CRC of the ASCII digits "123456789" is 0xCBF43926, as listed in
    /// the "Catalogue of parametrised CRC algorithms" (Greg Cook, reveng).
    #[test]
    fn crc32_matches_the_published_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        // Every single-bit flip of a record's contents changes the checksum.
        let record = encode(1_700_000_000_000_000);
        let crc = crc32(&record[..16]);
        for bit in 0..128 {
            let mut flipped = record;
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_ne!(crc32(&flipped[..16]), crc, "bit {bit}");
        }
    }
}
