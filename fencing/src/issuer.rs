//! A monotonic, durable token issuer for a single process or for tests.

use crate::store::{MarkStore, StoreError};
use crate::token::FencingToken;

/// Issues strictly increasing fencing tokens and persists each one before handing it out.
///
/// **For a single process or for tests only.** Across machines, tokens must come from the
/// same linearizable service that grants the lock or the leadership (an etcd revision, a
/// ZooKeeper sequence number or zxid, a Raft term): an issuer in one process knows nothing of
/// the grants made elsewhere, and two issuers would hand out the same numbers. Use this to
/// serialize holders inside one process (worker threads taking turns on a shared file), and
/// to drive simulations and tests.
///
/// Each [`TokenIssuer::issue`] persists the new token through the [`MarkStore`] before
/// returning it, so after a crash and restart the issuer continues above every token it
/// handed out. With [`FileStore`](crate::FileStore) the file format is the one
/// [`DurableFence`](crate::DurableFence) uses, and the store's owner lock keeps a second
/// issuer (in this process or another) off the same file: two issuers on one file would hand
/// out the same numbers.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FileStore, TokenIssuer};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("issuer");
///
/// let mut issuer = TokenIssuer::open(FileStore::create(&path).unwrap()).unwrap();
/// let first = issuer.issue().unwrap();
/// let second = issuer.issue().unwrap();
/// assert!(first < second);
/// drop(issuer); // crash and restart
///
/// let mut issuer = TokenIssuer::open(FileStore::open(&path).unwrap()).unwrap();
/// assert!(issuer.issue().unwrap() > second);
/// ```
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct TokenIssuer<S> {
    store: S,
    last: Option<FencingToken>,
}

impl<S: MarkStore> TokenIssuer<S> {
    /// Opens an issuer on `store`, continuing after the last token it persisted.
    ///
    /// # Errors
    ///
    /// The [`StoreError`] of [`MarkStore::load`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{MemoryStore, TokenIssuer};
    ///
    /// let issuer = TokenIssuer::open(MemoryStore::new()).unwrap();
    /// assert_eq!(issuer.last_issued(), None);
    /// ```
    pub fn open(mut store: S) -> Result<Self, StoreError> {
        let last = store.load()?;
        Ok(Self { store, last })
    }

    /// Issues the next token (the first is 1), after persisting it.
    ///
    /// # Errors
    ///
    /// [`IssueError::Exhausted`] after [`FencingToken::MAX`]; [`IssueError::Store`] if the
    /// token could not be persisted (it is not issued; the next call tries the same number).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{MemoryStore, TokenIssuer};
    ///
    /// let mut issuer = TokenIssuer::open(MemoryStore::new()).unwrap();
    /// assert_eq!(issuer.issue().unwrap().get(), 1);
    /// assert_eq!(issuer.issue().unwrap().get(), 2);
    /// ```
    pub fn issue(&mut self) -> Result<FencingToken, IssueError> {
        let next = match self.last {
            None => FencingToken::MIN,
            Some(last) => last.checked_next().ok_or(IssueError::Exhausted)?,
        };
        if let Err(e) = self.store.persist(next) {
            crate::trace::durable_write_failed("TokenIssuer", next.get(), &e);
            return Err(IssueError::Store(e));
        }
        self.last = Some(next);
        Ok(next)
    }

    /// The last token issued (and persisted), or `None` if none was.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{MemoryStore, TokenIssuer};
    ///
    /// let mut issuer = TokenIssuer::open(MemoryStore::new()).unwrap();
    /// let t = issuer.issue().unwrap();
    /// assert_eq!(issuer.last_issued(), Some(t));
    /// ```
    pub fn last_issued(&self) -> Option<FencingToken> {
        self.last
    }

    /// Consumes the issuer, returning its store.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{MemoryStore, TokenIssuer};
    ///
    /// let issuer = TokenIssuer::open(MemoryStore::new()).unwrap();
    /// let store: MemoryStore = issuer.into_store();
    /// # drop(store);
    /// ```
    pub fn into_store(self) -> S {
        self.store
    }
}

/// Why [`TokenIssuer::issue`] issued no token.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, IssueError, MarkStore, MemoryStore, TokenIssuer};
///
/// let mut store = MemoryStore::new();
/// store.persist(FencingToken::MAX).unwrap();
/// let mut issuer = TokenIssuer::open(store).unwrap();
/// assert!(matches!(issuer.issue(), Err(IssueError::Exhausted)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub enum IssueError {
    /// Every token up to `u64::MAX` has been issued.
    #[error("every token up to {} has been issued", u64::MAX)]
    Exhausted,
    /// The next token could not be persisted, so it was not issued.
    #[error("the next token could not be persisted")]
    Store(#[source] StoreError),
}
