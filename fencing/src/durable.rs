//! A fence whose high-water mark is durable before any admission is acknowledged.

use core::fmt;

use crate::guard::{Admission, StaleToken, decide};
use crate::store::{MarkStore, StoreError};
use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::token::FencingToken;

/// The fence's name in refusal events.
const FENCE: &str = "DurableFence";

/// Why [`DurableFence`] refused a token.
///
/// # Examples
///
/// ```
/// use ward_fencing::{DurableFence, DurableFenceError, FencingToken, MemoryStore};
///
/// let fence = DurableFence::open(MemoryStore::new()).unwrap();
/// fence.admit(FencingToken::new(2).unwrap()).unwrap();
/// let err = fence.admit(FencingToken::MIN).unwrap_err();
/// assert!(matches!(err, DurableFenceError::Stale(_)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub enum DurableFenceError {
    /// The token is below the mark.
    #[error(transparent)]
    Stale(#[from] StaleToken),
    /// The token was above the mark but the new mark could not be made durable; the token is
    /// not admitted and the in-memory mark did not move. The store may hold the unacknowledged
    /// token until the next successful persist, which is only stricter; it never holds less
    /// than the highest acknowledged token.
    #[error("the new mark could not be persisted")]
    Store(#[source] StoreError),
}

impl DurableFenceError {
    /// The stale-token details, if that is why the token was refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableFence, FencingToken, MemoryStore};
    ///
    /// let fence = DurableFence::open(MemoryStore::new()).unwrap();
    /// fence.admit(FencingToken::new(9).unwrap()).unwrap();
    /// let err = fence.admit(FencingToken::new(8).unwrap()).unwrap_err();
    /// assert_eq!(err.as_stale().unwrap().mark().get(), 9);
    /// ```
    pub fn as_stale(&self) -> Option<&StaleToken> {
        match self {
            Self::Stale(stale) => Some(stale),
            Self::Store(_) => None,
        }
    }
}

/// The state behind the lock: the store and the mark it holds.
struct Inner<S> {
    store: S,
    mark: u64,
}

/// A fence whose high-water mark survives restarts: a token that raises the mark is admitted
/// only after the new mark is durable in a [`MarkStore`].
///
/// [`DurableFence::open`] starts from the persisted mark, so a storage node that restarts
/// still refuses the zombie leader it refused before. A store that cannot produce its mark
/// (missing, truncated or corrupt file) makes `open` fail; the fence never starts from zero
/// by accident.
///
/// [`DurableFence::write`] runs the protected write under the fence's lock after the mark is
/// durable, so the check, the persistence and the write form one atomic step, as in
/// [`Fenced`](crate::Fenced). [`DurableFence::admit`] only admits.
///
/// # Guarantee
///
/// Every `Ok` returned by `admit` or `write` for a token happens after that token (or a
/// higher one) was persisted, by this fence or by its [`DurableFence::open`]. After any
/// crash and restart, the loaded mark is at least the
/// highest token acknowledged before the crash, so no write below an acknowledged token is
/// ever admitted again. Raising the mark costs one [`MarkStore::persist`] (for
/// [`FileStore`](crate::FileStore), two fsyncs); presenting the current token again costs an
/// atomic load in [`DurableFence::admit`] and an uncontended lock in [`DurableFence::write`].
///
/// # Examples
///
/// ```
/// use ward_fencing::{DurableFence, FencingToken, FileStore};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("orders.mark");
/// let t = |v| FencingToken::new(v).unwrap();
///
/// let fence = DurableFence::open(FileStore::create(&path).unwrap()).unwrap();
/// fence.write(t(34), || { /* the new leader writes */ }).unwrap();
/// drop(fence); // the storage node restarts
///
/// let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
/// assert_eq!(fence.mark(), Some(t(34)));
/// assert!(fence.write(t(33), || unreachable!()).is_err()); // the zombie wakes up
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct DurableFence<S> {
    /// Copy of the durable mark, published after each successful persist.
    mark: AtomicU64,
    inner: Mutex<Inner<S>>,
}

impl<S: MarkStore> DurableFence<S> {
    /// Opens a fence on `store`, starting from the mark it holds.
    ///
    /// A loaded mark is persisted again before the fence is returned. The mark just read may
    /// not be durable yet: a persist that failed after its rename (its directory sync
    /// failed) leaves the new mark readable from the operating system's cache, and a process
    /// that starts next, without a machine crash in between, reads it. Acknowledging a write
    /// under that mark before it is durable would let a later power loss bring back an older
    /// mark under an acknowledged write, so `open` makes it durable first.
    ///
    /// # Errors
    ///
    /// The [`StoreError`] of [`MarkStore::load`], or of the [`MarkStore::persist`] that makes
    /// the loaded mark durable.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableFence, FencingToken, MarkStore, MemoryStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.persist(FencingToken::new(7).unwrap()).unwrap();
    /// let fence = DurableFence::open(store).unwrap();
    /// assert_eq!(fence.mark().map(FencingToken::get), Some(7));
    /// ```
    pub fn open(mut store: S) -> Result<Self, StoreError> {
        let loaded = store.load()?;
        if let Some(mark) = loaded {
            store.persist(mark)?;
        }
        let mark = loaded.map_or(0, FencingToken::get);
        Ok(Self {
            mark: AtomicU64::new(mark),
            inner: Mutex::new(Inner { store, mark }),
        })
    }

    /// Admits `token` if it is equal to or above the mark; a higher token is persisted
    /// before this returns `Ok`.
    ///
    /// # Errors
    ///
    /// [`DurableFenceError::Stale`] if `token` is below the mark;
    /// [`DurableFenceError::Store`] if the new mark could not be persisted (the token is not
    /// admitted).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Admission, DurableFence, FencingToken, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// let fence = DurableFence::open(store.clone()).unwrap();
    /// let t = FencingToken::new(3).unwrap();
    /// assert!(fence.admit(t).unwrap().is_raised());
    /// assert_eq!(store.mark(), Some(t)); // durable before the Ok
    /// assert_eq!(fence.admit(t).unwrap(), Admission::Unchanged);
    /// ```
    pub fn admit(&self, token: FencingToken) -> Result<Admission, DurableFenceError> {
        let published = self.mark.load(Ordering::Acquire);
        if token.get() <= published {
            // Already durable, and the mark never decreases: the answer is final.
            return Ok(decide(FENCE, published, token)?);
        }
        self.write(token, || ()).map(|((), admission)| admission)
    }

    /// Runs `write` if `token` is equal to or above the mark, after persisting a higher
    /// token, all under the fence's lock: no other holder is admitted between this check and
    /// the end of `write`.
    ///
    /// Returns `write`'s result and the [`Admission`]. Keep `write` short: every holder waits
    /// for it. It must not call back into this fence (that deadlocks).
    ///
    /// # Errors
    ///
    /// As [`DurableFence::admit`]; `write` does not run on error.
    ///
    /// # Panics
    ///
    /// Only if `write` panics; the mark is already durable and stays raised.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableFence, FencingToken, MemoryStore};
    ///
    /// let fence = DurableFence::open(MemoryStore::new()).unwrap();
    /// let mut rows = Vec::new();
    /// let (len, _) = fence.write(FencingToken::new(5).unwrap(), || {
    ///     rows.push("written under token 5");
    ///     rows.len()
    /// }).unwrap();
    /// assert_eq!(len, 1);
    /// ```
    pub fn write<R>(
        &self,
        token: FencingToken,
        write: impl FnOnce() -> R,
    ) -> Result<(R, Admission), DurableFenceError> {
        let mut inner = self.inner.lock();
        let admission = decide(FENCE, inner.mark, token)?;
        if admission.is_raised() {
            if let Err(e) = inner.store.persist(token) {
                crate::trace::durable_write_failed(FENCE, token.get(), &e);
                return Err(DurableFenceError::Store(e));
            }
            crate::trace::durable_mark_raised(FENCE, token.get(), 1);
            inner.mark = token.get();
            self.mark.store(token.get(), Ordering::Release);
        }
        Ok((write(), admission))
    }

    /// Runs a write that can fail, like a conditional put: `write` runs only if `token` is
    /// equal to or above the mark, after a higher token is durable, under the fence's lock.
    ///
    /// Unlike [`Fenced::try_write`](crate::Fenced::try_write), a failed write leaves a raised
    /// mark raised: the mark is made durable *before* the write runs (running the write
    /// first would let a crash between the write and the persist lose the mark of a write
    /// that took effect), and a durable mark is never lowered. The holder that presented the
    /// higher token has fenced out the older ones even if its own write failed.
    ///
    /// # Errors
    ///
    /// The outer [`DurableFenceError`] as for [`DurableFence::write`] (`write` does not
    /// run); otherwise the inner result is `write`'s, with the [`Admission`] on success.
    ///
    /// # Panics
    ///
    /// Only if `write` panics; the mark is already durable and stays raised.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableFence, FencingToken, MemoryStore};
    ///
    /// let fence = DurableFence::open(MemoryStore::new()).unwrap();
    /// let t = FencingToken::new(4).unwrap();
    /// let mut rows = vec!["a"];
    /// let put = fence.try_write(t, || if rows.len() < 2 { rows.push("b"); Ok(rows.len()) } else { Err("full") });
    /// assert_eq!(put.unwrap().map(|(len, _)| len), Ok(2));
    /// let put = fence.try_write(t, || if rows.len() < 2 { Ok(0) } else { Err("full") });
    /// assert_eq!(put.unwrap().map(|(len, _)| len), Err("full"));
    /// assert!(fence.try_write(FencingToken::MIN, || Ok::<_, ()>(())).is_err()); // stale: not run
    /// ```
    pub fn try_write<R, E>(
        &self,
        token: FencingToken,
        write: impl FnOnce() -> Result<R, E>,
    ) -> Result<Result<(R, Admission), E>, DurableFenceError> {
        self.write(token, write)
            .map(|(result, admission)| result.map(|r| (r, admission)))
    }

    /// The durable high-water mark, or `None` before the first admission.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableFence, MemoryStore};
    ///
    /// assert_eq!(DurableFence::open(MemoryStore::new()).unwrap().mark(), None);
    /// ```
    pub fn mark(&self) -> Option<FencingToken> {
        FencingToken::new(self.mark.load(Ordering::Acquire)).ok()
    }

    /// Consumes the fence, returning its store.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{DurableFence, MemoryStore};
    ///
    /// let fence = DurableFence::open(MemoryStore::new()).unwrap();
    /// let store: MemoryStore = fence.into_store();
    /// # drop(store);
    /// ```
    pub fn into_store(self) -> S {
        self.inner.into_inner().store
    }
}

impl<S> fmt::Debug for DurableFence<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableFence")
            .field(
                "mark",
                &FencingToken::new(self.mark.load(Ordering::Acquire)).ok(),
            )
            .finish_non_exhaustive()
    }
}
