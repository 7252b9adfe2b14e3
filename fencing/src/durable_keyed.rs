//! A keyed fence whose marks are durable before any admission is acknowledged, with
//! concurrent raises persisted together in one batch.

use core::fmt;
use core::hash::Hash;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::format::crc32;
use crate::fs::{FileSystem, StdFileSystem};
use crate::guard::{Admission, StaleToken, decide};
use crate::store::{FileStore, StoreError};
use crate::sync::{Mutex, RwLock};
use crate::token::FencingToken;

/// The fence's name in refusal events.
const FENCE: &str = "DurableKeyedFence";

/// `WARDKFN` and format version 1.
const MAGIC: [u8; 8] = *b"WARDKFN\x01";
/// The longest encoded key.
const MAX_KEY_LEN: usize = u16::MAX as usize;

/// A key a [`DurableKeyedFence`] can write to its file and read back.
///
/// Implemented for `u64`, `String` and `Vec<u8>`. `decode_key(encode_key(k)) == Some(k)`
/// must hold, and an encoded key is at most 65 535 bytes.
///
/// # Examples
///
/// ```
/// use ward_fencing::DurableKey;
///
/// let mut bytes = Vec::new();
/// String::from("orders").encode_key(&mut bytes);
/// assert_eq!(String::decode_key(&bytes), Some(String::from("orders")));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub trait DurableKey: Eq + Hash + Clone {
    /// Appends the key's bytes to `out`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKey;
    ///
    /// let mut bytes = Vec::new();
    /// 7_u64.encode_key(&mut bytes);
    /// assert_eq!(bytes, 7_u64.to_le_bytes());
    /// ```
    fn encode_key(&self, out: &mut Vec<u8>);

    /// The key encoded as `bytes`, or `None` if they encode no key.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKey;
    ///
    /// assert_eq!(u64::decode_key(&[1, 0, 0, 0, 0, 0, 0, 0]), Some(1));
    /// assert_eq!(u64::decode_key(&[1]), None);
    /// ```
    fn decode_key(bytes: &[u8]) -> Option<Self>;

    /// The length of [`encode_key`](DurableKey::encode_key)'s bytes, checked on every
    /// admission. By default the key is encoded to measure it; override it when the
    /// length is known without encoding.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKey;
    ///
    /// assert_eq!(7_u64.encoded_len(), 8);
    /// assert_eq!(String::from("orders").encoded_len(), 6);
    /// ```
    fn encoded_len(&self) -> usize {
        let mut bytes = Vec::new();
        self.encode_key(&mut bytes);
        bytes.len()
    }
}

impl DurableKey for u64 {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn encoded_len(&self) -> usize {
        8
    }

    fn decode_key(bytes: &[u8]) -> Option<Self> {
        Some(Self::from_le_bytes(bytes.try_into().ok()?))
    }
}

impl DurableKey for String {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }

    fn encoded_len(&self) -> usize {
        self.len()
    }

    fn decode_key(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

impl DurableKey for Vec<u8> {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }

    fn encoded_len(&self) -> usize {
        self.len()
    }

    fn decode_key(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

/// Why [`DurableKeyedFence`] refused a token.
///
/// # Examples
///
/// ```
/// use ward_fencing::{DurableKeyedError, DurableKeyedFence, FencingToken};
///
/// let dir = tempfile::tempdir().unwrap();
/// let fence = DurableKeyedFence::<u64>::create(dir.path().join("marks")).unwrap();
/// fence.admit(&1, FencingToken::new(5).unwrap()).unwrap();
/// let err = fence.admit(&1, FencingToken::new(4).unwrap()).unwrap_err();
/// assert!(matches!(err, DurableKeyedError::Stale(_)));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DurableKeyedError {
    /// The token is below the key's mark (or the floor).
    #[error(transparent)]
    Stale(#[from] StaleToken),
    /// The batch that would have raised the mark could not be made durable; the token is
    /// not admitted and the in-memory marks did not move. Every request of the batch gets
    /// the same error.
    #[error("the batch of new marks could not be persisted")]
    Store(#[source] Arc<StoreError>),
    /// The key encodes to more than 65 535 bytes. A key type whose encoding changes after
    /// admission (which [`DurableKey`] forbids) gets it for every request of the batch
    /// whose table write finds such a key; nothing is written then.
    #[error("the key encodes to {len} bytes, more than the 65535 a key may have")]
    KeyTooLong {
        /// The encoded length.
        len: usize,
    },
}

/// The durable state, published to readers only once it is on disk.
struct Published<K> {
    marks: HashMap<K, FencingToken>,
    floor: u64,
}

impl<K: DurableKey> Published<K> {
    fn effective(&self, key: &K) -> u64 {
        self.marks.get(key).map_or(self.floor, |m| m.get())
    }
}

/// Requests waiting for a batch, and the answers for requests served by another thread's
/// batch.
struct Queue<K> {
    next_seq: u64,
    pending: Vec<(u64, K, FencingToken)>,
    answers: HashMap<u64, Result<Admission, DurableKeyedError>>,
}

/// A keyed fence whose marks survive restarts: a token that raises a key's mark is admitted
/// only after the new mark is durable in the fence's file, and raises that arrive while a
/// batch is being written are written together in the next one (one file replacement and
/// two fsyncs for the whole batch).
///
/// # Guarantee
///
/// As for [`DurableFence`](crate::DurableFence): every `Ok` of [`DurableKeyedFence::admit`]
/// happens after the key's mark (or a higher one) was persisted. After any crash and
/// restart, each key's loaded mark is at least the highest token acknowledged for it, and
/// the floor at least every mark acknowledged for an evicted key. The file is replaced
/// crash-safely, with one owner at a time, as [`FileStore`]'s (the same lock, temporary
/// files and fsyncs).
///
/// # Cost
///
/// Each batch writes the whole table (a snapshot: 8 + 8 + 8 header bytes, then 2 + key + 8
/// bytes per key, and a CRC-32), so a batch costs time proportional to the number of keys:
/// fit for thousands to a few hundred thousand keys, with [`DurableKeyedFence::evict`] to
/// forget keys whose resources are gone. A holder presenting its key's current token takes
/// a shared lock and writes nothing.
///
/// # Examples
///
/// ```
/// use ward_fencing::{DurableKeyedFence, FencingToken};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("tenants.marks");
/// let t = |v| FencingToken::new(v).unwrap();
///
/// let fence = DurableKeyedFence::<String>::create(&path).unwrap();
/// fence.admit(&String::from("tenant-a"), t(34)).unwrap();
/// fence.admit(&String::from("tenant-b"), t(7)).unwrap();
/// drop(fence); // the storage node restarts
///
/// let fence = DurableKeyedFence::<String>::open(&path).unwrap();
/// assert!(fence.admit(&String::from("tenant-a"), t(33)).is_err()); // the zombie
/// assert_eq!(fence.mark(&String::from("tenant-b")), Some(t(7)));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct DurableKeyedFence<K, F: FileSystem = StdFileSystem> {
    published: RwLock<Published<K>>,
    queue: Mutex<Queue<K>>,
    /// The file, and the right to write a batch.
    writer: Mutex<FileStore<F>>,
}

impl<K: DurableKey> DurableKeyedFence<K, StdFileSystem> {
    /// Creates a new, empty fence file at `path` and opens the fence on it.
    ///
    /// # Errors
    ///
    /// As [`FileStore::create`]: [`StoreError::AlreadyExists`], [`StoreError::Locked`],
    /// [`StoreError::Io`] and the path errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKeyedFence;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap();
    /// assert!(fence.is_empty());
    /// ```
    pub fn create(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::create_with(StdFileSystem, path)
    }

    /// Opens the fence on an existing file, starting from the marks and floor it holds.
    ///
    /// # Errors
    ///
    /// As [`FileStore::open`], plus [`StoreError::Malformed`] for a file whose checksum
    /// holds but whose contents break the format; a fence never starts from an empty table
    /// by accident.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKeyedFence;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// assert!(DurableKeyedFence::<u64>::open(dir.path().join("absent")).is_err());
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(StdFileSystem, path)
    }
}

impl<K: DurableKey, F: FileSystem> DurableKeyedFence<K, F> {
    /// [`DurableKeyedFence::create`] on the file system `fs`.
    ///
    /// # Errors
    ///
    /// As [`DurableKeyedFence::create`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableKeyedFence, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create_with(StdFileSystem, dir.path().join("m")).unwrap();
    /// # drop(fence);
    /// ```
    pub fn create_with(fs: F, path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let empty = Published {
            marks: HashMap::new(),
            floor: 0,
        };
        let bytes = encode(&empty).unwrap_or_default(); // no key: always encodes
        let store = FileStore::create_raw(fs, path.as_ref(), &bytes)?;
        Ok(Self::from_parts(store, empty))
    }

    /// [`DurableKeyedFence::open`] on the file system `fs`. The loaded table is persisted
    /// again before the fence is returned, as [`DurableFence::open`](crate::DurableFence::open)
    /// does, so nothing is acknowledged under marks read from a file that is not durable
    /// yet.
    ///
    /// # Errors
    ///
    /// As [`DurableKeyedFence::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableKeyedFence, StdFileSystem};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// drop(DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap());
    /// let fence = DurableKeyedFence::<u64>::open_with(StdFileSystem, dir.path().join("m")).unwrap();
    /// # drop(fence);
    /// ```
    pub fn open_with(fs: F, path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let mut store = FileStore::open_raw(fs, path.as_ref())?;
        let bytes = store.read_raw()?;
        let path = store.path().to_path_buf();
        let published = decode(&bytes).map_err(|invalid| invalid.into_error(path, bytes.len()))?;
        store.replace_raw(&bytes)?;
        Ok(Self::from_parts(store, published))
    }

    fn from_parts(store: FileStore<F>, published: Published<K>) -> Self {
        Self {
            published: RwLock::new(published),
            queue: Mutex::new(Queue {
                next_seq: 0,
                pending: Vec::new(),
                answers: HashMap::new(),
            }),
            writer: Mutex::new(store),
        }
    }

    /// Admits `token` for `key` if it is equal to or above the key's mark (the floor if it
    /// has none); a raise is durable before this returns `Ok`.
    ///
    /// Raises from several threads are gathered: the first thread to get the file writes
    /// every raise queued so far in one snapshot, and the others find their answer ready.
    ///
    /// # Errors
    ///
    /// [`DurableKeyedError::Stale`] if `token` is below the key's mark;
    /// [`DurableKeyedError::Store`] if the batch could not be persisted (nothing of it is
    /// admitted); [`DurableKeyedError::KeyTooLong`] for a key above 65 535 bytes.
    ///
    /// # Panics
    ///
    /// Only if the key type's `Hash`, `Eq`, `Clone` or [`DurableKey`] implementation panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Admission, DurableKeyedFence, FencingToken};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap();
    /// let t = FencingToken::new(3).unwrap();
    /// assert!(fence.admit(&9, t).unwrap().is_raised());
    /// assert_eq!(fence.admit(&9, t).unwrap(), Admission::Unchanged); // no write
    /// ```
    pub fn admit(&self, key: &K, token: FencingToken) -> Result<Admission, DurableKeyedError> {
        let len = key.encoded_len();
        if len > MAX_KEY_LEN {
            return Err(DurableKeyedError::KeyTooLong { len });
        }
        {
            let published = self.published.read();
            let mark = published.effective(key);
            if token.get() <= mark {
                // Published marks are durable and never decrease: the answer is final.
                return Ok(decide(FENCE, mark, token)?);
            }
        }
        let seq = {
            let mut queue = self.queue.lock();
            let seq = queue.next_seq;
            queue.next_seq += 1;
            queue.pending.push((seq, key.clone(), token));
            seq
        };
        let mut store = self.writer.lock();
        let batch = {
            let mut queue = self.queue.lock();
            if let Some(answer) = queue.answers.remove(&seq) {
                return answer;
            }
            core::mem::take(&mut queue.pending)
        };
        let mut batch = batch;
        if !batch.iter().any(|(s, _, _)| *s == seq) {
            // Taken by a writer that panicked mid-batch (a key type's `Hash` or `encode_key`
            // panicking): this thread writes its own request.
            batch.push((seq, key.clone(), token));
        }
        let mut answers = self.write_batch(&mut store, batch);
        let mine = answers
            .remove(&seq)
            .expect("a batch answers the request of the thread that wrote it");
        if !answers.is_empty() {
            // Before the file is released: the next writer looks for its answer first.
            self.queue.lock().answers.extend(answers);
        }
        drop(store);
        mine
    }

    /// Applies `batch` in order to the published table, persists the result if anything
    /// rose, and publishes it; returns every request's answer.
    fn write_batch(
        &self,
        store: &mut FileStore<F>,
        batch: Vec<(u64, K, FencingToken)>,
    ) -> HashMap<u64, Result<Admission, DurableKeyedError>> {
        let mut answers = HashMap::with_capacity(batch.len());
        let mut raised: HashMap<K, FencingToken> = HashMap::new();
        // The requests whose answer rests on this batch being persisted: its raises, and
        // every later request of a raised key, decided against a mark of the batch.
        let mut depends = Vec::new();
        let snapshot = {
            let published = self.published.read();
            for (seq, key, token) in batch {
                let batch_mark = raised.get(&key).map(|m| m.get());
                let mark = batch_mark.unwrap_or_else(|| published.effective(&key));
                let answer = decide(FENCE, mark, token);
                let raises = matches!(answer, Ok(admission) if admission.is_raised());
                if raises || batch_mark.is_some() {
                    depends.push(seq);
                }
                if raises {
                    raised.insert(key, token);
                }
                answers.insert(seq, answer.map_err(DurableKeyedError::Stale));
            }
            if raised.is_empty() {
                return answers;
            }
            let mut next = Published {
                marks: published.marks.clone(),
                floor: published.floor,
            };
            next.marks
                .extend(raised.iter().map(|(k, m)| (k.clone(), *m)));
            match encode(&next) {
                Ok(bytes) => bytes,
                Err(len) => {
                    for seq in depends {
                        answers.insert(seq, Err(DurableKeyedError::KeyTooLong { len }));
                    }
                    return answers;
                }
            }
        };
        let highest = raised.values().max().map_or(0, |m| m.get());
        match store.replace_raw(&snapshot) {
            Ok(()) => {
                crate::trace::durable_mark_raised(FENCE, highest, raised.len());
                self.published.write().marks.extend(raised);
            }
            Err(e) => {
                crate::trace::durable_write_failed(FENCE, highest, &e);
                let e = Arc::new(e);
                for seq in depends {
                    answers.insert(seq, Err(DurableKeyedError::Store(Arc::clone(&e))));
                }
            }
        }
        answers
    }

    /// Forgets `key`'s own mark durably, raising the floor to at least that mark, so that no
    /// token it refused is ever admitted; returns the mark it had.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the new table could not be persisted; nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableKeyedFence, FencingToken};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap();
    /// fence.admit(&1, FencingToken::new(8).unwrap()).unwrap();
    /// assert_eq!(fence.evict(&1).unwrap(), FencingToken::new(8).ok());
    /// assert!(fence.admit(&1, FencingToken::new(7).unwrap()).is_err());
    /// ```
    pub fn evict(&self, key: &K) -> Result<Option<FencingToken>, StoreError> {
        let mut store = self.writer.lock();
        let snapshot = {
            let published = self.published.read();
            let Some(&mark) = published.marks.get(key) else {
                return Ok(None);
            };
            let mut next = Published {
                marks: published.marks.clone(),
                floor: published.floor.max(mark.get()),
            };
            next.marks.remove(key);
            let bytes = encode(&next).map_err(|_| StoreError::Malformed {
                path: store.path().to_path_buf(),
                reason: "a key now encodes to more than 65535 bytes",
            })?;
            (bytes, mark)
        };
        if let Err(e) = store.replace_raw(&snapshot.0) {
            crate::trace::durable_write_failed(FENCE, snapshot.1.get(), &e);
            return Err(e);
        }
        let mut published = self.published.write();
        published.marks.remove(key);
        published.floor = published.floor.max(snapshot.1.get());
        Ok(Some(snapshot.1))
    }

    /// The durable mark `key` is checked against: its own, or the floor if it has none.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKeyedFence;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap();
    /// assert_eq!(fence.mark(&1), None);
    /// ```
    pub fn mark(&self, key: &K) -> Option<FencingToken> {
        FencingToken::new(self.published.read().effective(key)).ok()
    }

    /// The floor: the highest mark evicted (`None` before any eviction).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKeyedFence;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap();
    /// assert_eq!(fence.floor(), None);
    /// ```
    pub fn floor(&self) -> Option<FencingToken> {
        FencingToken::new(self.published.read().floor).ok()
    }

    /// The number of keys with a mark of their own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableKeyedFence, FencingToken};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let fence = DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap();
    /// fence.admit(&1, FencingToken::MIN).unwrap();
    /// assert_eq!(fence.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.published.read().marks.len()
    }

    /// Whether no key has a mark of its own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::DurableKeyedFence;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// assert!(DurableKeyedFence::<u64>::create(dir.path().join("m")).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.published.read().marks.is_empty()
    }
}

impl<K, F: FileSystem> fmt::Debug for DurableKeyedFence<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableKeyedFence").finish_non_exhaustive()
    }
}

/// The snapshot: magic, floor, key count, then per key its length (u16), bytes and mark,
/// and a CRC-32 of everything before it. Integers little-endian.
///
/// `Err(len)` if a key encodes to more than [`MAX_KEY_LEN`] bytes: `admit` refuses such
/// keys, so only a key whose encoding changed since (a [`DurableKey`] that breaks its
/// contract) gets here, and it is refused rather than cut short into another key.
fn encode<K: DurableKey>(state: &Published<K>) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(24 + state.marks.len() * 20 + 4);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&state.floor.to_le_bytes());
    out.extend_from_slice(&(state.marks.len() as u64).to_le_bytes());
    let mut key_bytes = Vec::new();
    for (key, mark) in &state.marks {
        key_bytes.clear();
        key.encode_key(&mut key_bytes);
        let len = u16::try_from(key_bytes.len()).map_err(|_| key_bytes.len())?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&key_bytes);
        out.extend_from_slice(&mark.get().to_le_bytes());
    }
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Why a snapshot does not decode.
#[derive(Debug, PartialEq, Eq)]
enum Invalid {
    Truncated,
    BadMagic,
    Checksum { stored: u32, computed: u32 },
    Malformed(&'static str),
}

impl Invalid {
    fn into_error(self, path: std::path::PathBuf, len: usize) -> StoreError {
        match self {
            Self::Truncated => StoreError::Truncated {
                path,
                len,
                expected: 28,
            },
            Self::BadMagic => StoreError::BadMagic { path },
            Self::Checksum { stored, computed } => StoreError::ChecksumMismatch {
                path,
                stored,
                computed,
            },
            Self::Malformed(reason) => StoreError::Malformed { path, reason },
        }
    }
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], Invalid> {
    if bytes.len() < n {
        return Err(Invalid::Malformed("an entry runs past the end"));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

fn take_u64(bytes: &mut &[u8]) -> Result<u64, Invalid> {
    let mut buf = [0_u8; 8];
    buf.copy_from_slice(take(bytes, 8)?);
    Ok(u64::from_le_bytes(buf))
}

fn decode<K: DurableKey>(bytes: &[u8]) -> Result<Published<K>, Invalid> {
    if bytes.len() < 28 {
        return Err(if bytes.len() >= 8 && bytes[..8] != MAGIC {
            Invalid::BadMagic
        } else {
            Invalid::Truncated
        });
    }
    if bytes[..8] != MAGIC {
        return Err(Invalid::BadMagic);
    }
    let (body, stored) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let computed = crc32(body);
    if stored != computed {
        return Err(Invalid::Checksum { stored, computed });
    }
    let mut rest = &body[8..];
    let floor = take_u64(&mut rest)?;
    let count = take_u64(&mut rest)?;
    // Each entry takes at least 10 bytes: refuse counts the body cannot hold before
    // allocating for them.
    if count > (rest.len() / 10) as u64 {
        return Err(Invalid::Malformed(
            "the key count exceeds what the file holds",
        ));
    }
    // A checksum is no proof of honesty: reserve for a bounded number of keys up front
    // and let the table grow as entries actually decode.
    let mut marks = HashMap::with_capacity(usize::try_from(count).unwrap_or(0).min(1024));
    for _ in 0..count {
        let len = take(&mut rest, 2)?;
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        let key = K::decode_key(take(&mut rest, len)?)
            .ok_or(Invalid::Malformed("a key does not decode"))?;
        let mark = FencingToken::new(take_u64(&mut rest)?)
            .map_err(|_| Invalid::Malformed("a key has mark zero"))?;
        if marks.insert(key, mark).is_some() {
            return Err(Invalid::Malformed("a key appears twice"));
        }
    }
    if !rest.is_empty() {
        return Err(Invalid::Malformed("bytes follow the last entry"));
    }
    Ok(Published { marks, floor })
}

#[cfg(all(test, not(ward_loom)))]
mod tests {
    use super::*;

    fn state(entries: &[(u64, u64)], floor: u64) -> Published<u64> {
        Published {
            marks: entries
                .iter()
                .map(|&(k, m)| (k, FencingToken::new(m).unwrap()))
                .collect(),
            floor,
        }
    }

    #[test]
    fn snapshot_round_trip_and_every_bit_flip_is_caught() {
        let original = state(&[(1, 5), (u64::MAX, u64::MAX)], 3);
        let bytes = encode(&original).unwrap();
        let decoded: Published<u64> = decode(&bytes).unwrap();
        assert_eq!(decoded.marks, original.marks);
        assert_eq!(decoded.floor, 3);
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(decode::<u64>(&flipped).is_err(), "bit {bit}");
        }
        for len in 0..bytes.len() {
            assert!(decode::<u64>(&bytes[..len]).is_err(), "length {len}");
        }
    }

    #[test]
    fn keys_round_trip_through_their_encoding() {
        let mut bytes = Vec::new();
        String::from("tenant-é").encode_key(&mut bytes);
        assert_eq!(bytes, "tenant-é".as_bytes());
        assert_eq!(String::decode_key(&bytes).as_deref(), Some("tenant-é"));
        assert_eq!(String::decode_key(&[0xFF]), None);
        let mut bytes = Vec::new();
        vec![0_u8, 1, 255].encode_key(&mut bytes);
        assert_eq!(bytes, [0, 1, 255]);
        assert_eq!(Vec::<u8>::decode_key(&bytes), Some(vec![0, 1, 255]));
        assert_eq!(Vec::<u8>::decode_key(&[]), Some(Vec::new()));
        assert_eq!(u64::decode_key(&u64::MAX.to_le_bytes()), Some(u64::MAX));
        assert_eq!(u64::decode_key(&[0; 9]), None);
        let strings = Published {
            marks: [
                (String::from("a"), FencingToken::MIN),
                (String::new(), FencingToken::MAX),
            ]
            .into_iter()
            .collect(),
            floor: 7,
        };
        let decoded: Published<String> = decode(&encode(&strings).unwrap()).unwrap();
        assert_eq!(decoded.marks, strings.marks);
        assert_eq!(decoded.floor, 7);
    }

    #[test]
    fn short_files_are_truncated_or_foreign() {
        let mut short = MAGIC.to_vec();
        short.extend_from_slice(&[0; 10]);
        assert_eq!(decode::<u64>(&short).err(), Some(Invalid::Truncated));
        assert_eq!(decode::<u64>(b"NOTWARD!xx").err(), Some(Invalid::BadMagic));
        assert_eq!(decode::<u64>(b"WARD").err(), Some(Invalid::Truncated));
    }

    /// Contents that pass the checksum but break the format are refused.
    #[test]
    fn malformed_snapshots_are_refused() {
        let seal = |mut body: Vec<u8>| {
            let crc = crc32(&body);
            body.extend_from_slice(&crc.to_le_bytes());
            body
        };
        let header = |floor: u64, count: u64| {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&floor.to_le_bytes());
            b.extend_from_slice(&count.to_le_bytes());
            b
        };
        let entry = |k: u64, m: u64| {
            let mut b = 8_u16.to_le_bytes().to_vec();
            b.extend_from_slice(&k.to_le_bytes());
            b.extend_from_slice(&m.to_le_bytes());
            b
        };
        let cases = [
            ([header(0, 1), entry(1, 0)].concat(), "a key has mark zero"),
            (
                [header(0, 2), entry(1, 1), entry(1, 2)].concat(),
                "a key appears twice",
            ),
            (
                [header(0, 0), vec![0]].concat(),
                "bytes follow the last entry",
            ),
            (
                header(0, u64::MAX),
                "the key count exceeds what the file holds",
            ),
            (
                [header(0, 2), entry(1, 1)].concat(),
                "the key count exceeds what the file holds",
            ),
            (
                [header(0, 1), 3_u16.to_le_bytes().to_vec(), vec![0; 11]].concat(),
                "a key does not decode",
            ),
        ];
        for (body, reason) in cases {
            assert_eq!(
                decode::<u64>(&seal(body)).err(),
                Some(Invalid::Malformed(reason))
            );
        }
    }
}
