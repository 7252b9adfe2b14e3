//! The admission rule and the lock-free guard of one resource.

use core::fmt;

use crate::sync::{AtomicU64, Ordering};
use crate::token::FencingToken;

/// The outcome of an admitted token.
///
/// # Examples
///
/// ```
/// use ward_fencing::{Admission, FenceGuard, FencingToken};
///
/// let guard = FenceGuard::new();
/// let t = FencingToken::new(5).unwrap();
/// assert_eq!(guard.admit(t), Ok(Admission::Raised { previous: None }));
/// assert_eq!(guard.admit(t), Ok(Admission::Unchanged));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Admission {
    /// The token was above the mark and is now the mark.
    Raised {
        /// The mark before this admission; `None` if no token had been admitted.
        previous: Option<FencingToken>,
    },
    /// The token equals the mark: its holder is the current one and the mark did not move.
    Unchanged,
}

impl Admission {
    /// Whether this admission raised the high-water mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::Admission;
    ///
    /// assert!(Admission::Raised { previous: None }.is_raised());
    /// assert!(!Admission::Unchanged.is_raised());
    /// ```
    pub const fn is_raised(self) -> bool {
        matches!(self, Self::Raised { .. })
    }
}

/// A write was refused: its token is below the high-water mark, so its holder has been
/// superseded (a zombie leader or an expired lock holder).
///
/// # Examples
///
/// ```
/// use ward_fencing::{FenceGuard, FencingToken};
///
/// let guard = FenceGuard::with_mark(FencingToken::new(34).unwrap());
/// let err = guard.admit(FencingToken::new(33).unwrap()).unwrap_err();
/// assert_eq!(err.presented().get(), 33);
/// assert_eq!(err.mark().get(), 34);
/// assert_eq!(err.to_string(), "stale fencing token 33: the high-water mark is 34");
/// ```
///
/// With the `serde` feature it serializes as `{"presented": 33, "mark": 34}`; decoding
/// refuses unknown fields and a `presented` token that is not below `mark` (a refusal the
/// fence could never produce).
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use ward_fencing::{FenceGuard, FencingToken, StaleToken};
///
/// let guard = FenceGuard::with_mark(FencingToken::new(34).unwrap());
/// let err = guard.admit(FencingToken::new(33).unwrap()).unwrap_err();
/// let json = serde_json::to_string(&err).unwrap();
/// assert_eq!(json, r#"{"presented":33,"mark":34}"#);
/// assert_eq!(serde_json::from_str::<StaleToken>(&json).unwrap(), err);
/// assert!(serde_json::from_str::<StaleToken>(r#"{"presented":34,"mark":34}"#).is_err());
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawStaleToken"))]
#[error("stale fencing token {presented}: the high-water mark is {mark}")]
pub struct StaleToken {
    presented: FencingToken,
    mark: FencingToken,
}

/// The fields of a [`StaleToken`] as decoded, before the check that the token is below the
/// mark.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStaleToken {
    presented: FencingToken,
    mark: FencingToken,
}

/// A decoded [`StaleToken`] whose token is not below its mark.
#[cfg(feature = "serde")]
#[derive(Debug)]
struct NotStale {
    presented: FencingToken,
    mark: FencingToken,
}

#[cfg(feature = "serde")]
impl fmt::Display for NotStale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token {} is not below the high-water mark {}, so it was not stale",
            self.presented, self.mark
        )
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawStaleToken> for StaleToken {
    type Error = NotStale;

    fn try_from(raw: RawStaleToken) -> Result<Self, NotStale> {
        if raw.presented < raw.mark {
            Ok(Self::new(raw.presented, raw.mark))
        } else {
            Err(NotStale {
                presented: raw.presented,
                mark: raw.mark,
            })
        }
    }
}

impl StaleToken {
    /// Records a refusal; `mark` must be above `presented`.
    pub(crate) const fn new(presented: FencingToken, mark: FencingToken) -> Self {
        Self { presented, mark }
    }

    /// The token the refused write carried.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FenceGuard, FencingToken};
    ///
    /// let guard = FenceGuard::with_mark(FencingToken::new(2).unwrap());
    /// let err = guard.admit(FencingToken::MIN).unwrap_err();
    /// assert_eq!(err.presented(), FencingToken::MIN);
    /// ```
    pub const fn presented(&self) -> FencingToken {
        self.presented
    }

    /// The high-water mark that refused it (always above [`StaleToken::presented`]). The
    /// mark may have risen further since.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FenceGuard, FencingToken};
    ///
    /// let guard = FenceGuard::with_mark(FencingToken::new(2).unwrap());
    /// let err = guard.admit(FencingToken::MIN).unwrap_err();
    /// assert_eq!(err.mark().get(), 2);
    /// ```
    pub const fn mark(&self) -> FencingToken {
        self.mark
    }
}

/// The admission rule on a plain mark, shared by every fence in the crate: admit a token at
/// or above the mark, refuse a lower one. `mark == 0` means no token was admitted yet.
/// `fence` names the fence for the refusal's event (feature `tracing`); only the refusal
/// branch uses it.
#[inline]
pub(crate) fn decide(
    fence: &'static str,
    mark: u64,
    token: FencingToken,
) -> Result<Admission, StaleToken> {
    match FencingToken::new(mark) {
        Err(_) => Ok(Admission::Raised { previous: None }),
        Ok(current) if token > current => Ok(Admission::Raised {
            previous: Some(current),
        }),
        Ok(current) if token == current => Ok(Admission::Unchanged),
        Ok(current) => {
            let refusal = StaleToken::new(token, current);
            crate::trace::stale_token(fence, &refusal);
            Err(refusal)
        }
    }
}

/// The storage-side guard of one resource: a lock-free high-water mark of fencing tokens.
///
/// [`FenceGuard::admit`] admits a token equal to or above the mark and raises the mark to
/// it; a lower token gets a [`StaleToken`] error carrying the token and the mark. Admission
/// is linearizable: every call takes effect at one atomic instant, and the mark never
/// decreases.
///
/// A `FenceGuard` orders *admissions*, not the writes that follow them: if a holder is
/// admitted and then pauses before writing, a newer holder can be admitted and write first,
/// and the older write lands afterwards. Use it where the admission *is* the write (a
/// conditional write the storage performs under its own lock, a request gate that is
/// re-checked at the storage), and use [`Fenced`] when the check and the write must be one
/// atomic step.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FenceGuard, FencingToken};
///
/// let guard = FenceGuard::new();
/// let zombie = FencingToken::new(33).unwrap();
/// let leader = FencingToken::new(34).unwrap();
///
/// guard.admit(zombie).unwrap();
/// guard.admit(leader).unwrap();
/// assert!(guard.admit(zombie).is_err());
/// assert_eq!(guard.mark(), Some(leader));
/// ```
#[cfg_attr(feature = "std", doc = "[`Fenced`]: crate::Fenced")]
#[cfg_attr(
    not(feature = "std"),
    doc = "[`Fenced`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.Fenced.html"
)]
pub struct FenceGuard {
    mark: AtomicU64,
}

/// The guard's name in refusal events.
const GUARD: &str = "FenceGuard";

impl FenceGuard {
    /// A guard that has admitted no token yet; the first token it sees is admitted.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FenceGuard;
    ///
    /// assert_eq!(FenceGuard::new().mark(), None);
    /// ```
    pub fn new() -> Self {
        Self {
            mark: AtomicU64::new(0),
        }
    }

    /// A guard whose mark starts at `mark`, for example the mark persisted before a restart.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FenceGuard, FencingToken};
    ///
    /// let mark = FencingToken::new(10).unwrap();
    /// let guard = FenceGuard::with_mark(mark);
    /// assert_eq!(guard.mark(), Some(mark));
    /// assert!(guard.admit(FencingToken::new(9).unwrap()).is_err());
    /// ```
    pub fn with_mark(mark: FencingToken) -> Self {
        Self {
            mark: AtomicU64::new(mark.get()),
        }
    }

    /// Admits `token` if it is equal to or above the mark, raising the mark to it.
    ///
    /// Lock-free: a holder that keeps presenting the current token costs one atomic load; a
    /// higher token costs one atomic read-modify-write (`fetch_max`), whose returned previous
    /// value says whether this call or a concurrent higher one won.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the mark at the instant of the check. The guard is
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Admission, FenceGuard, FencingToken};
    ///
    /// let guard = FenceGuard::new();
    /// let seven = FencingToken::new(7).unwrap();
    /// assert!(guard.admit(seven).unwrap().is_raised());
    /// assert_eq!(guard.admit(seven), Ok(Admission::Unchanged));
    /// let err = guard.admit(FencingToken::new(6).unwrap()).unwrap_err();
    /// assert_eq!(err.mark(), seven);
    /// ```
    #[inline]
    pub fn admit(&self, token: FencingToken) -> Result<Admission, StaleToken> {
        let t = token.get();
        let current = self.mark.load(Ordering::Acquire);
        if t <= current {
            // The mark never decreases, so the answer is final at this load.
            return decide(GUARD, current, token);
        }
        let previous = self.mark.fetch_max(t, Ordering::AcqRel);
        decide(GUARD, previous, token)
    }

    /// Checks `token` against the mark without raising it.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FenceGuard, FencingToken};
    ///
    /// let guard = FenceGuard::with_mark(FencingToken::new(5).unwrap());
    /// assert!(guard.check(FencingToken::new(9).unwrap()).is_ok());
    /// assert_eq!(guard.mark().unwrap().get(), 5); // not raised
    /// assert!(guard.check(FencingToken::new(4).unwrap()).is_err());
    /// ```
    #[inline]
    pub fn check(&self, token: FencingToken) -> Result<(), StaleToken> {
        decide(GUARD, self.mark.load(Ordering::Acquire), token).map(|_| ())
    }

    /// The high-water mark: the highest token admitted so far, or `None` before the first.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FenceGuard, FencingToken};
    ///
    /// let guard = FenceGuard::new();
    /// guard.admit(FencingToken::new(3).unwrap()).unwrap();
    /// assert_eq!(guard.mark().map(FencingToken::get), Some(3));
    /// ```
    #[inline]
    pub fn mark(&self) -> Option<FencingToken> {
        FencingToken::new(self.mark.load(Ordering::Acquire)).ok()
    }
}

impl Default for FenceGuard {
    /// Same as [`FenceGuard::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for FenceGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FenceGuard")
            .field("mark", &self.mark())
            .finish()
    }
}

#[cfg(all(test, not(ward_loom)))]
mod tests {
    use super::*;

    fn t(v: u64) -> FencingToken {
        FencingToken::new(v).unwrap()
    }

    #[test]
    fn decide_follows_the_rule() {
        assert_eq!(
            decide("test", 0, t(1)),
            Ok(Admission::Raised { previous: None })
        );
        assert_eq!(decide("test", 4, t(4)), Ok(Admission::Unchanged));
        assert_eq!(
            decide("test", 4, t(5)),
            Ok(Admission::Raised {
                previous: Some(t(4))
            })
        );
        assert_eq!(decide("test", 4, t(3)), Err(StaleToken::new(t(3), t(4))));
    }

    #[test]
    fn rejection_leaves_the_mark() {
        let guard = FenceGuard::with_mark(t(u64::MAX));
        assert!(guard.admit(t(1)).is_err());
        assert_eq!(guard.mark(), Some(FencingToken::MAX));
    }
}
