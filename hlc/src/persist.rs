//! Restart safety: a persisted upper bound of issued physical time.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, TryLockError};
use std::time::Duration;

use crate::builder::HlcBuilder;
use crate::clock::{PhysicalClock, micros_of};
use crate::hlc::{ClockError, EventError, Hlc};
use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::timestamp::{LOGICAL_BITS, MAX_LOGICAL, MAX_PHYSICAL, Timestamp};

/// Durable storage for one number: an upper bound, in microseconds since the Unix epoch,
/// of the physical part of every timestamp a [`DurableHlc`] has issued or may issue.
///
/// `store` must be durable when it returns `Ok`: after a crash, `load` returns the stored
/// value or a later one, never an earlier one. `load` must not invent a value: a missing
/// or damaged record is an error, never a silent reset to zero.
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
pub trait BoundStore {
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
    fn load(&mut self) -> Result<u64, StoreError> {
        (**self).load()
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        (**self).store(bound)
    }
}

/// Reading or writing a persisted bound failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// There is no bound record: the store was never written, or its file was removed.
    #[error("no bound record at {}", path.display())]
    Missing {
        /// Where the record was looked for.
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
        /// Bytes found.
        len: usize,
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
const RECORD_LEN: usize = 20;

/// A [`BoundStore`] in one small file, replaced atomically.
///
/// The record is 20 bytes: the magic `WARDHLC1`, the bound as a big-endian `u64`, and a
/// CRC-32 (IEEE) of the first 16 bytes. A write goes to `<file>.tmp`, is flushed with
/// `fsync`, renamed over the file, and the directory is flushed (on Unix) so the rename
/// itself survives a crash. A reader therefore sees the old record or the new one,
/// never a mix; a damaged file is reported as [`StoreError::Truncated`],
/// [`StoreError::TooLong`], [`StoreError::BadHeader`] or
/// [`StoreError::ChecksumMismatch`].
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
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBoundStore {
    path: PathBuf,
    temp: PathBuf,
}

impl FileBoundStore {
    /// A store at `path`. Nothing is read or written until [`load`](BoundStore::load) or
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
        let mut temp = path.clone().into_os_string();
        temp.push(".tmp");
        FileBoundStore {
            path,
            temp: temp.into(),
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

    fn io(&self, path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl BoundStore for FileBoundStore {
    fn load(&mut self) -> Result<u64, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path: self.path.clone(),
                });
            }
            Err(e) => return Err(self.io(&self.path, e)),
        };
        decode(&bytes)
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        let record = encode(bound);
        let mut file = File::create(&self.temp).map_err(|e| self.io(&self.temp, e))?;
        file.write_all(&record)
            .map_err(|e| self.io(&self.temp, e))?;
        file.sync_all().map_err(|e| self.io(&self.temp, e))?;
        drop(file);
        fs::rename(&self.temp, &self.path).map_err(|e| self.io(&self.path, e))?;
        #[cfg(unix)]
        {
            let dir = match self.path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| self.io(dir, e))?;
        }
        Ok(())
    }
}

fn encode(bound: u64) -> [u8; RECORD_LEN] {
    let mut record = [0u8; RECORD_LEN];
    record[..8].copy_from_slice(&MAGIC);
    record[8..16].copy_from_slice(&bound.to_be_bytes());
    let crc = crc32(&record[..16]);
    record[16..].copy_from_slice(&crc.to_be_bytes());
    record
}

fn decode(bytes: &[u8]) -> Result<u64, StoreError> {
    if bytes.len() < RECORD_LEN {
        return Err(StoreError::Truncated {
            len: bytes.len(),
            expected: RECORD_LEN,
        });
    }
    if bytes.len() > RECORD_LEN {
        return Err(StoreError::TooLong {
            len: bytes.len(),
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

/// CRC-32 with the IEEE polynomial (reflected 0xEDB88320), bit by bit: the record is 16
/// bytes, so a table would not pay for itself.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// An event of a [`DurableHlc`] failed. The clock is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DurableError {
    /// The clock event itself failed.
    #[error(transparent)]
    Clock(#[from] ClockError),
    /// The bound could not be loaded or extended. No timestamp beyond the persisted
    /// bound is issued until a later store succeeds.
    #[error("persisting the hlc bound failed")]
    Store(#[from] StoreError),
    /// [`DurableHlc::create`] found an existing bound: use [`DurableHlc::open`].
    #[error("a bound of {bound} µs is already stored; open the clock instead of creating it")]
    AlreadyInitialized {
        /// The bound found.
        bound: u64,
    },
}

/// An [`Hlc`] that survives restarts, even when the system clock was set back while the
/// process was down.
///
/// Before issuing a timestamp whose physical part `l` is beyond the persisted bound, it
/// stores a new bound `l + lease` and only then issues. It refreshes the
/// bound early, when an issued timestamp comes within half a lease of it: the one call
/// that notices does the write (after its timestamp is issued) while other threads go
/// on issuing below the old bound, so normally no event is held up waiting for the
/// bound. Pick a lease much longer than a write takes (seconds, not milliseconds). On
/// restart, [`open`](DurableHlc::open) loads
/// the bound `B` and resumes after `(B, 4095)`: every timestamp of the previous run was
/// at most that, so the new run issues only greater ones, whatever the clock says.
///
/// Between refreshes, events are the lock-free [`Hlc`] ones; a refresh takes a mutex
/// around the store.
///
/// The price is paid on every restart that comes before the clock has passed `B` (a
/// quick restart, or any restart with the clock set back): timestamps start just above
/// `B`, ahead of the clock, and run on the logical counter and carries until the clock
/// passes `B`. A crash loop faster than the lease moves `B`, and so the timestamps,
/// about a lease further ahead with each restart. `B` is at most one and a half
/// leases (plus 1 µs) ahead of the last timestamp the previous run issued (an early
/// refresh asks for half a lease of headroom and adds a lease to it); a run that issued
/// nothing still moved it a lease and 1 µs past the larger of its start reading and the
/// bound it started from.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
///
/// let dir = std::env::temp_dir().join(format!("ward-hlc-durable-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("bound");
/// let lease = Duration::from_secs(1);
///
/// let clock = ManualClock::new(1_700_000_000_000_000);
/// let first = DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), lease)?;
/// let before = first.now()?;
/// drop(first);
///
/// // The machine restarts with its clock set back by an hour.
/// clock.set(1_700_000_000_000_000 - 3_600_000_000);
/// let second = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), lease)?;
/// assert!(second.now()? > before);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DurableHlc<C, S> {
    hlc: Hlc<C>,
    /// The persisted bound, in microseconds since the epoch.
    bound: AtomicU64,
    lease_micros: u64,
    store: Mutex<S>,
}

impl<C: PhysicalClock, S: BoundStore> DurableHlc<C, S> {
    /// Opens a clock whose bound is already stored, after a restart.
    ///
    /// Loads the bound `B`, resumes after `(B, 4095)` (and after any timestamp given to
    /// the builder's [`resume_after`](HlcBuilder::resume_after)), and stores a fresh bound
    /// before returning.
    ///
    /// # Errors
    ///
    /// [`DurableError::Store`] when the bound is missing ([`StoreError::Missing`]),
    /// damaged, or cannot be extended; [`DurableError::Clock`] when the physical clock
    /// reads beyond the representable range.
    ///
    /// # Examples
    ///
    /// See [`DurableHlc`].
    pub fn open(
        builder: HlcBuilder<C>,
        mut store: S,
        lease: Duration,
    ) -> Result<Self, DurableError> {
        let bound = store.load()?;
        // Any store may hand back garbage; the shift below must not lose bits.
        if bound > MAX_PHYSICAL {
            return Err(StoreError::OutOfRange { bound }.into());
        }
        let floor = Timestamp::from_u64((bound << LOGICAL_BITS) | u64::from(MAX_LOGICAL));
        Self::start(builder.resume_after(floor), store, lease, bound)
    }

    /// Creates a clock on an empty store, on first start.
    ///
    /// # Errors
    ///
    /// [`DurableError::AlreadyInitialized`] when the store already holds a bound (a
    /// second `create` would forget it); [`DurableError::Store`] when the store cannot
    /// be read or written, except [`StoreError::Missing`], which is what `create`
    /// expects; [`DurableError::Clock`] when the clock reads beyond the representable
    /// range.
    ///
    /// # Examples
    ///
    /// See [`DurableHlc`].
    pub fn create(
        builder: HlcBuilder<C>,
        mut store: S,
        lease: Duration,
    ) -> Result<Self, DurableError> {
        match store.load() {
            Ok(bound) => Err(DurableError::AlreadyInitialized { bound }),
            Err(StoreError::Missing { .. }) => Self::start(builder, store, lease, 0),
            Err(e) => Err(e.into()),
        }
    }

    fn start(
        builder: HlcBuilder<C>,
        store: S,
        lease: Duration,
        bound: u64,
    ) -> Result<Self, DurableError> {
        let durable = DurableHlc {
            hlc: builder.build(),
            bound: AtomicU64::new(bound),
            lease_micros: micros_of(lease).max(1),
            store: Mutex::new(store),
        };
        let pt = durable.hlc.clock().now_micros();
        if pt > MAX_PHYSICAL {
            return Err(ClockError::PhysicalOutOfRange { micros: pt }.into());
        }
        let last = durable.hlc.last().map_or(0, Timestamp::physical);
        durable.extend(pt.max(last).max(bound).saturating_add(1))?;
        Ok(durable)
    }

    /// A local or send event, as [`Hlc::now`], within the persisted bound.
    ///
    /// # Errors
    ///
    /// [`DurableError::Clock`] as [`Hlc::now`]; [`DurableError::Store`] when the bound
    /// had to be extended and storing it failed.
    ///
    /// # Examples
    ///
    /// See [`DurableHlc`].
    pub fn now(&self) -> Result<Timestamp, DurableError> {
        self.event(None)
    }

    /// A receive event, as [`Hlc::receive`], within the persisted bound.
    ///
    /// # Errors
    ///
    /// [`DurableError::Clock`] as [`Hlc::receive`]; [`DurableError::Store`] when the
    /// bound had to be extended and storing it failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock, Timestamp};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-recv-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let lease = Duration::from_millis(100);
    /// let hlc = DurableHlc::create(Hlc::builder(ManualClock::new(0)), FileBoundStore::new(dir.join("b")), lease)?;
    /// // A remote timestamp well past the bound: the bound is stored before it is used.
    /// let ts = hlc.receive(Timestamp::new(5_000_000, 0)?)?;
    /// assert!(hlc.persisted_bound() >= ts.physical());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive(&self, remote: Timestamp) -> Result<Timestamp, DurableError> {
        self.event(Some(remote))
    }

    /// The bound most recently made durable, in microseconds since the epoch. Every
    /// timestamp issued so far has a physical part at most this.
    ///
    /// # Examples
    ///
    /// See [`receive`](Self::receive).
    pub fn persisted_bound(&self) -> u64 {
        self.bound.load(Ordering::Acquire)
    }

    /// The clock inside, for reading [`Hlc::last`] and its settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ward_hlc::{DurableHlc, FileBoundStore, Hlc, ManualClock};
    ///
    /// let dir = std::env::temp_dir().join(format!("ward-hlc-inner-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let builder = Hlc::builder(ManualClock::new(1_000)).max_drift(Duration::from_millis(5));
    /// let durable = DurableHlc::create(builder, FileBoundStore::new(dir.join("b")), Duration::from_secs(1))?;
    /// let ts = durable.now()?;
    /// assert_eq!(durable.hlc().last(), Some(ts));
    /// assert_eq!(durable.hlc().max_drift(), Some(Duration::from_millis(5)));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hlc(&self) -> &Hlc<C> {
        &self.hlc
    }

    fn event(&self, remote: Option<Timestamp>) -> Result<Timestamp, DurableError> {
        loop {
            let bound = self.bound.load(Ordering::Acquire);
            let ceiling = (bound << LOGICAL_BITS) | u64::from(MAX_LOGICAL);
            match self.hlc.event(remote, ceiling) {
                Ok(ts) => {
                    if ts.physical().saturating_add(self.lease_micros / 2) > bound {
                        // Refresh early, by one thread, without waiting for the lock.
                        // A failure here is retried, and reported, when the bound is
                        // actually reached. A store that once panicked is still used,
                        // as `extend` does.
                        let store = match self.store.try_lock() {
                            Ok(store) => Some(store),
                            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                            Err(TryLockError::WouldBlock) => None,
                        };
                        if let Some(mut store) = store {
                            let wanted = ts.physical().saturating_add(self.lease_micros / 2 + 1);
                            let _ = self.extend_locked(&mut *store, wanted);
                        }
                    }
                    return Ok(ts);
                }
                Err(EventError::Clock(e)) => return Err(e.into()),
                Err(EventError::Ceiling(candidate)) => self.extend(candidate.physical())?,
            }
        }
    }

    /// Makes sure the persisted bound is at least `needed`.
    fn extend(&self, needed: u64) -> Result<(), StoreError> {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        self.extend_locked(&mut *store, needed)
    }

    fn extend_locked(&self, store: &mut S, needed: u64) -> Result<(), StoreError> {
        let current = self.bound.load(Ordering::Acquire);
        if current >= needed {
            return Ok(());
        }
        // `needed` already covers the reading of the event that asks (every caller
        // derives it from a checked reading or an issued timestamp). The clock is not
        // read again here: a reading taken now could be a glitch beyond the range, and
        // persisting it would exhaust the clock for good after the next restart.
        let new = needed.saturating_add(self.lease_micros).min(MAX_PHYSICAL);
        store.store(new)?;
        self.bound.store(new, Ordering::Release);
        Ok(())
    }
}
