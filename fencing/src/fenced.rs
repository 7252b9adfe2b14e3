//! A value whose every write is fenced: the token check and the write are one atomic step.

use core::fmt;

use crate::guard::{Admission, StaleToken, decide};
use crate::sync::{AtomicU64, Ordering, RwLock};
use crate::token::FencingToken;

/// The fence's name in refusal events.
const FENCE: &str = "Fenced";

/// The value and its mark, changed together under the write lock.
struct State<T> {
    mark: u64,
    value: T,
}

/// A value that can only be written by the holder of a current fencing token.
///
/// Every write presents a token. Under one write lock, `Fenced` checks the token against its
/// high-water mark, runs the write and raises the mark, so no other holder can be admitted
/// between this holder's check and its write: a stale holder can never slip a write in
/// between another holder's check and apply. That is the guarantee a bare
/// [`FenceGuard`](crate::FenceGuard) cannot give.
///
/// # Guarantee
///
/// The writes that complete form one total order (the lock's), and in that order the tokens
/// of the admitted writes never decrease. A write with a token below the mark is refused with
/// [`StaleToken`] and does not run. Reads ([`Fenced::read`], [`Fenced::get`]) see the state
/// after some complete write, never a write in progress.
///
/// Reads take the shared side of a reader-writer lock (parking_lot's), so concurrent reads do
/// not block each other. Refusals of stale tokens are decided from an atomic copy of the
/// mark without taking the lock in the common case.
///
/// The mark lives in memory: after a process restart it must be restored (see
/// [`Fenced::with_mark`] and [`DurableFence`](crate::DurableFence)).
///
/// # Examples
///
/// ```
/// use ward_fencing::{Fenced, FencingToken};
///
/// let account = Fenced::new(100_u64);
/// let zombie = FencingToken::new(33).unwrap();
/// let leader = FencingToken::new(34).unwrap();
///
/// account.write(leader, |balance| *balance = 150).unwrap();
/// let err = account.write(zombie, |balance| *balance = 0).unwrap_err();
/// assert_eq!((err.presented(), err.mark()), (zombie, leader));
/// assert_eq!(account.get(), 150);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct Fenced<T> {
    /// Copy of `state.mark`, written only under the write lock; lets stale tokens be refused
    /// without locking (the mark never decreases, so a token below any value read here is
    /// below the current mark).
    mark: AtomicU64,
    state: RwLock<State<T>>,
}

impl<T> Fenced<T> {
    /// Wraps `value` with no token admitted yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::Fenced;
    ///
    /// let cell = Fenced::new("empty");
    /// assert_eq!(cell.mark(), None);
    /// ```
    pub fn new(value: T) -> Self {
        Self::from_raw(0, value)
    }

    /// Wraps `value` with its high-water mark already at `mark`, for example a mark restored
    /// from durable storage after a restart.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let cell = Fenced::with_mark(0_u32, FencingToken::new(34).unwrap());
    /// assert!(cell.write(FencingToken::new(33).unwrap(), |v| *v = 1).is_err());
    /// ```
    pub fn with_mark(value: T, mark: FencingToken) -> Self {
        Self::from_raw(mark.get(), value)
    }

    fn from_raw(mark: u64, value: T) -> Self {
        Self {
            mark: AtomicU64::new(mark),
            state: RwLock::new(State { mark, value }),
        }
    }

    /// Runs `write` on the value if `token` is at or above the mark, and raises the mark to
    /// `token`; the check, the write and the raise are one atomic step.
    ///
    /// The write runs under the exclusive lock: keep it short, and do not call back into this
    /// `Fenced` from it (that deadlocks).
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the mark; `write` does not run and nothing changes.
    ///
    /// # Panics
    ///
    /// Only if `write` panics. The mark is raised after `write` returns, so a panicking write
    /// leaves the mark where it was; whatever `write` changed before panicking stays (the lock
    /// is released, not poisoned).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let log = Fenced::new(Vec::new());
    /// let t = FencingToken::new(1).unwrap();
    /// let len = log.write(t, |log| {
    ///     log.push("hello");
    ///     log.len()
    /// });
    /// assert_eq!(len, Ok(1));
    /// ```
    pub fn write<R>(
        &self,
        token: FencingToken,
        write: impl FnOnce(&mut T) -> R,
    ) -> Result<R, StaleToken> {
        self.try_write(token, |value| {
            Ok::<R, core::convert::Infallible>(write(value))
        })
        .map(|r| match r {
            Ok(r) => r,
            Err(never) => match never {},
        })
    }

    /// Like [`Fenced::write`], for a write that can fail: the mark is raised only if `write`
    /// returns `Ok`.
    ///
    /// A failed write does not count as an admission, so a holder whose write failed has not
    /// fenced anyone out. `write` itself must leave the value unchanged when it fails.
    ///
    /// # Errors
    ///
    /// The outer [`StaleToken`] if `token` is below the mark (`write` does not run); otherwise
    /// the inner result is `write`'s.
    ///
    /// # Panics
    ///
    /// Only if `write` panics; see [`Fenced::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let stock = Fenced::new(3_u32);
    /// let t = FencingToken::new(8).unwrap();
    /// let take = |n: u32| move |s: &mut u32| s.checked_sub(n).map(|left| *s = left).ok_or("short");
    /// assert_eq!(stock.try_write(t, take(5)), Ok(Err("short")));
    /// assert_eq!(stock.mark(), None); // the failed write admitted nothing
    /// assert_eq!(stock.try_write(t, take(2)), Ok(Ok(())));
    /// assert_eq!(stock.mark(), Some(t));
    /// ```
    pub fn try_write<R, E>(
        &self,
        token: FencingToken,
        write: impl FnOnce(&mut T) -> Result<R, E>,
    ) -> Result<Result<R, E>, StaleToken> {
        // Fast refusal without the lock: the mark only rises.
        decide(FENCE, self.mark.load(Ordering::Acquire), token)?;
        let mut state = self.state.write();
        let admission = decide(FENCE, state.mark, token)?;
        let result = write(&mut state.value);
        if result.is_ok() && admission.is_raised() {
            state.mark = token.get();
            self.mark.store(token.get(), Ordering::Release);
        }
        Ok(result)
    }

    /// Replaces the value if `token` is at or above the mark, returning the old value.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the mark; `value` is dropped and nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let config = Fenced::new("v1");
    /// let old = config.replace(FencingToken::new(2).unwrap(), "v2").unwrap();
    /// assert_eq!((old, config.get()), ("v1", "v2"));
    /// ```
    pub fn replace(&self, token: FencingToken, value: T) -> Result<T, StaleToken> {
        self.write(token, |slot| core::mem::replace(slot, value))
    }

    /// Admits `token` without writing: raises the mark so that every older holder is fenced
    /// out from now on. A new leader calls this when it takes over, before its first write.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let cell = Fenced::new(0);
    /// cell.fence(FencingToken::new(34).unwrap()).unwrap();
    /// assert!(cell.write(FencingToken::new(33).unwrap(), |v| *v = 1).is_err());
    /// assert_eq!(cell.get(), 0);
    /// ```
    pub fn fence(&self, token: FencingToken) -> Result<Admission, StaleToken> {
        decide(FENCE, self.mark.load(Ordering::Acquire), token)?;
        let mut state = self.state.write();
        let admission = decide(FENCE, state.mark, token)?;
        if admission.is_raised() {
            state.mark = token.get();
            self.mark.store(token.get(), Ordering::Release);
        }
        Ok(admission)
    }

    /// Runs `read` on the current value under the shared lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::Fenced;
    ///
    /// let names = Fenced::new(vec!["a", "b"]);
    /// assert_eq!(names.read(Vec::len), 2);
    /// ```
    pub fn read<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        read(&self.state.read().value)
    }

    /// The value and the mark of the same moment.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let cell = Fenced::new(1);
    /// let t = FencingToken::new(4).unwrap();
    /// cell.write(t, |v| *v = 2).unwrap();
    /// assert_eq!(cell.snapshot(), (Some(t), 2));
    /// ```
    pub fn snapshot(&self) -> (Option<FencingToken>, T)
    where
        T: Clone,
    {
        let state = self.state.read();
        (FencingToken::new(state.mark).ok(), state.value.clone())
    }

    /// A clone of the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::Fenced;
    ///
    /// assert_eq!(Fenced::new(5).get(), 5);
    /// ```
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.state.read().value.clone()
    }

    /// The high-water mark: the highest token admitted, or `None` before the first.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let cell = Fenced::new(());
    /// cell.write(FencingToken::new(9).unwrap(), |_| ()).unwrap();
    /// assert_eq!(cell.mark().map(FencingToken::get), Some(9));
    /// ```
    pub fn mark(&self) -> Option<FencingToken> {
        FencingToken::new(self.mark.load(Ordering::Acquire)).ok()
    }

    /// Consumes the fence, returning the mark and the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Fenced, FencingToken};
    ///
    /// let cell = Fenced::new(String::from("x"));
    /// assert_eq!(cell.into_parts(), (None, String::from("x")));
    /// ```
    pub fn into_parts(self) -> (Option<FencingToken>, T) {
        let state = self.state.into_inner();
        (FencingToken::new(state.mark).ok(), state.value)
    }
}

impl<T: Default> Default for Fenced<T> {
    /// `Fenced::new(T::default())`.
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Fenced<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.read();
        f.debug_struct("Fenced")
            .field("mark", &FencingToken::new(state.mark).ok())
            .field("value", &state.value)
            .finish()
    }
}
