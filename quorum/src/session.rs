//! Session guarantees with a position token, and bounded-staleness routing.
//!
//! **Anomaly: a user does not see their own write.** A profile picture is uploaded to the
//! primary, the page reloads from a replica that has not applied it yet, and the old
//! picture comes back. Terry, Demers, Petersen, Spreitzer, Theimer and Welch (*Session
//! Guarantees for Weakly Consistent Replicated Data*, PDIS 1994) name four guarantees a
//! session can ask for; each becomes a lower bound on the replication position (a log
//! sequence number, an HLC timestamp: any totally ordered position) that a replica must
//! have applied before it serves the session:
//!
//! | guarantee | a read needs the replica to have applied | a write needs |
//! |---|---|---|
//! | [`Guarantee::ReadYourWrites`] | the session's last write | |
//! | [`Guarantee::MonotonicReads`] | the position of the session's last read | |
//! | [`Guarantee::WritesFollowReads`] | | the position of the session's last read |
//! | [`Guarantee::MonotonicWrites`] | | the session's last write |
//!
//! The [`Session`] keeps those positions and hands out a [`PositionToken`]; a replica
//! compares it with what it has applied ([`PositionToken::decide`]) and serves, waits up to
//! a bound, or sends the caller to the primary. [`StalenessRouter`] routes by the lag that
//! replicas report instead, within a staleness bound.

/// A session guarantee (Terry et al., 1994).
///
/// # Examples
///
/// ```
/// use ward_quorum::session::{Guarantee, Session};
///
/// let s = Session::<u64>::new(&[Guarantee::ReadYourWrites]);
/// assert!(s.has(Guarantee::ReadYourWrites) && !s.has(Guarantee::MonotonicReads));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Guarantee {
    /// Reads reflect every earlier write of the session.
    ReadYourWrites,
    /// Reads never go back to a position older than an earlier read of the session.
    MonotonicReads,
    /// Writes are applied after every earlier write of the session.
    MonotonicWrites,
    /// Writes are applied after the writes that earlier reads of the session saw.
    WritesFollowReads,
}

impl Guarantee {
    /// All four guarantees.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Guarantee, Session};
    ///
    /// let s = Session::<u64>::new(&Guarantee::ALL);
    /// assert!(Guarantee::ALL.iter().all(|&g| s.has(g)));
    /// ```
    pub const ALL: [Self; 4] = [
        Self::ReadYourWrites,
        Self::MonotonicReads,
        Self::MonotonicWrites,
        Self::WritesFollowReads,
    ];

    const fn bit(self) -> u8 {
        match self {
            Self::ReadYourWrites => 1,
            Self::MonotonicReads => 2,
            Self::MonotonicWrites => 4,
            Self::WritesFollowReads => 8,
        }
    }
}

/// What a replica should do with a request that carries a [`PositionToken`].
///
/// # Examples
///
/// ```
/// use ward_quorum::session::{Decision, PositionToken};
///
/// let token = PositionToken::at(10_u64);
/// assert_eq!(token.decide(&12, 0, 50), Decision::Serve);
/// assert_eq!(token.decide(&9, 20, 50), Decision::Wait);
/// assert_eq!(token.decide(&9, 50, 50), Decision::Primary);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The replica has applied the required position: serve the request.
    Serve,
    /// Not yet: wait for replication (the wait bound is not used up).
    Wait,
    /// Not within the wait bound: send the caller to the primary.
    Primary,
}

/// The least replication position a replica must have applied to serve a request of a
/// session; `None` requires nothing.
///
/// # Examples
///
/// ```
/// use ward_quorum::session::PositionToken;
///
/// assert!(PositionToken::<u64>::none().is_satisfied_by(&0));
/// assert!(!PositionToken::at(5_u64).is_satisfied_by(&4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(deny_unknown_fields, bound(deserialize = "P: serde::Deserialize<'de>"))
)]
pub struct PositionToken<P> {
    /// The required position. In serde forms the field must be present (`null` for no
    /// requirement): a token stripped of it is refused rather than read as requiring
    /// nothing, which would silently drop the session's guarantee.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "present"))]
    pub required: Option<P>,
}

/// Decodes an `Option` field that must be present: serde reads a missing `Option` field as
/// `None` unless the field has a decoder of its own.
#[cfg(feature = "serde")]
fn present<'de, D, P>(d: D) -> Result<Option<P>, D::Error>
where
    D: serde::Deserializer<'de>,
    P: serde::Deserialize<'de>,
{
    <Option<P> as serde::Deserialize>::deserialize(d)
}

impl<P: Ord> PositionToken<P> {
    /// A token that requires nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::PositionToken;
    ///
    /// assert_eq!(PositionToken::<u64>::none().required, None);
    /// ```
    pub const fn none() -> Self {
        Self { required: None }
    }

    /// A token that requires `position`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::PositionToken;
    ///
    /// assert_eq!(PositionToken::at(3_u64).required, Some(3));
    /// ```
    pub const fn at(position: P) -> Self {
        Self {
            required: Some(position),
        }
    }

    /// Whether a replica that has applied `applied` may serve the request.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::PositionToken;
    ///
    /// assert!(PositionToken::at(5_u64).is_satisfied_by(&5));
    /// ```
    pub fn is_satisfied_by(&self, applied: &P) -> bool {
        self.required.as_ref().is_none_or(|r| applied >= r)
    }

    /// The replica's decision after waiting `waited` of at most `max_wait` (any unit, the
    /// same for both): serve once the position is applied, wait while the bound lasts,
    /// then send the caller to the primary. `max_wait = 0` never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Decision, PositionToken};
    ///
    /// assert_eq!(PositionToken::at(7_u64).decide(&6, 0, 0), Decision::Primary);
    /// ```
    pub fn decide(&self, applied: &P, waited: u64, max_wait: u64) -> Decision {
        if self.is_satisfied_by(applied) {
            Decision::Serve
        } else if waited < max_wait {
            Decision::Wait
        } else {
            crate::trace::session_read_to_primary(waited, max_wait);
            Decision::Primary
        }
    }
}

/// Why a session refused to record an operation.
///
/// # Examples
///
/// ```
/// use ward_quorum::session::{Guarantee, Session, SessionError};
///
/// let mut s = Session::new(&[Guarantee::ReadYourWrites]);
/// s.wrote(10_u64)?;
/// assert_eq!(s.read_at(9), Err(SessionError::BelowToken));
/// # Ok::<(), SessionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The position is older than the session's token requires: serving it would break a
    /// guarantee.
    #[error("the position is below what the session's guarantees require")]
    BelowToken,
}

/// The positions a client session has written and read, and the tokens its guarantees
/// derive from them.
///
/// # Examples
///
/// ```
/// use ward_quorum::session::{Decision, Guarantee, Session};
///
/// // The avatar upload: written at LSN 42 on the primary.
/// let mut s = Session::new(&[Guarantee::ReadYourWrites, Guarantee::MonotonicReads]);
/// s.wrote(42_u64)?;
/// // A replica at LSN 40 must not serve the reload; one at 42 may.
/// assert_eq!(s.read_token().decide(&40, 0, 0), Decision::Primary);
/// assert_eq!(s.read_token().decide(&42, 0, 0), Decision::Serve);
/// s.read_at(42)?;
/// # Ok::<(), ward_quorum::session::SessionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Session<P> {
    guarantees: u8,
    last_write: Option<P>,
    last_read: Option<P>,
}

fn max_of<P: Ord + Copy>(a: Option<P>, b: Option<P>) -> Option<P> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl<P: Ord + Copy> Session<P> {
    /// A session with `guarantees` (duplicates are harmless).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::Session;
    ///
    /// // No guarantee: any replica serves anything.
    /// let s = Session::<u64>::new(&[]);
    /// assert!(s.read_token().is_satisfied_by(&0));
    /// ```
    pub fn new(guarantees: &[Guarantee]) -> Self {
        Self {
            guarantees: guarantees.iter().fold(0, |acc, g| acc | g.bit()),
            last_write: None,
            last_read: None,
        }
    }

    /// Whether the session has `guarantee`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Guarantee, Session};
    ///
    /// assert!(Session::<u64>::new(&[Guarantee::MonotonicWrites]).has(Guarantee::MonotonicWrites));
    /// ```
    pub fn has(&self, guarantee: Guarantee) -> bool {
        self.guarantees & guarantee.bit() != 0
    }

    fn floor(&self, on_write: Guarantee, on_read: Guarantee) -> PositionToken<P> {
        let w = if self.has(on_write) {
            self.last_write
        } else {
            None
        };
        let r = if self.has(on_read) {
            self.last_read
        } else {
            None
        };
        PositionToken {
            required: max_of(w, r),
        }
    }

    /// The token a read must carry: the last write under read-your-writes, the last read
    /// under monotonic reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Guarantee, Session};
    ///
    /// let mut s = Session::new(&[Guarantee::MonotonicReads]);
    /// s.wrote(9_u64)?;
    /// s.read_at(5)?;
    /// assert_eq!(s.read_token().required, Some(5)); // writes do not count here
    /// # Ok::<(), ward_quorum::session::SessionError>(())
    /// ```
    pub fn read_token(&self) -> PositionToken<P> {
        self.floor(Guarantee::ReadYourWrites, Guarantee::MonotonicReads)
    }

    /// The token a write must carry: the last write under monotonic writes, the last read
    /// under writes-follow-reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Guarantee, Session};
    ///
    /// let mut s = Session::new(&[Guarantee::WritesFollowReads]);
    /// s.read_at(7_u64)?;
    /// assert_eq!(s.write_token().required, Some(7));
    /// # Ok::<(), ward_quorum::session::SessionError>(())
    /// ```
    pub fn write_token(&self) -> PositionToken<P> {
        self.floor(Guarantee::MonotonicWrites, Guarantee::WritesFollowReads)
    }

    /// Records a read served by a replica that had applied `position`.
    ///
    /// # Errors
    ///
    /// [`SessionError::BelowToken`] when `position` does not satisfy
    /// [`Session::read_token`]; nothing is recorded then.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Guarantee, Session};
    ///
    /// let mut s = Session::new(&[Guarantee::MonotonicReads]);
    /// s.read_at(8_u64)?;
    /// assert!(s.read_at(7).is_err());
    /// assert_eq!(s.last_read(), Some(8));
    /// # Ok::<(), ward_quorum::session::SessionError>(())
    /// ```
    pub fn read_at(&mut self, position: P) -> Result<(), SessionError> {
        if !self.read_token().is_satisfied_by(&position) {
            crate::trace::session_below_token("read");
            return Err(SessionError::BelowToken);
        }
        self.last_read = max_of(self.last_read, Some(position));
        Ok(())
    }

    /// Records a write acknowledged at `position` (its place in the replication log).
    ///
    /// # Errors
    ///
    /// [`SessionError::BelowToken`] when `position` does not come after what
    /// [`Session::write_token`] requires (it must be strictly later: the write is ordered
    /// after those positions); nothing is recorded then.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{Guarantee, Session};
    ///
    /// let mut s = Session::new(&[Guarantee::MonotonicWrites]);
    /// s.wrote(3_u64)?;
    /// assert!(s.wrote(3).is_err());
    /// s.wrote(4)?;
    /// assert_eq!(s.last_write(), Some(4));
    /// # Ok::<(), ward_quorum::session::SessionError>(())
    /// ```
    pub fn wrote(&mut self, position: P) -> Result<(), SessionError> {
        if self.write_token().required.is_some_and(|r| position <= r) {
            crate::trace::session_below_token("write");
            return Err(SessionError::BelowToken);
        }
        self.last_write = max_of(self.last_write, Some(position));
        Ok(())
    }

    /// The newest position the session wrote.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::Session;
    ///
    /// assert_eq!(Session::<u64>::new(&[]).last_write(), None);
    /// ```
    pub fn last_write(&self) -> Option<P> {
        self.last_write
    }

    /// The newest position the session read at.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::Session;
    ///
    /// let mut s = Session::new(&[]);
    /// s.read_at(4_u64)?;
    /// assert_eq!(s.last_read(), Some(4));
    /// # Ok::<(), ward_quorum::session::SessionError>(())
    /// ```
    pub fn last_read(&self) -> Option<P> {
        self.last_read
    }
}

/// A replica's replication lag as last observed (the way PostgreSQL's `write_lag` or a
/// consumer lag reports it), in milliseconds on the router's clock.
///
/// # Examples
///
/// ```
/// use ward_quorum::session::LagReport;
///
/// let r = LagReport { lag_ms: 120, observed_at_ms: 1_000 };
/// assert_eq!(r.lag_ms, 120);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LagReport {
    /// How far behind the primary the replica was when observed.
    pub lag_ms: u64,
    /// When it was observed.
    pub observed_at_ms: u64,
}

/// Where to send a read.
///
/// # Examples
///
/// ```
/// use ward_quorum::session::{Route, StalenessRouter};
///
/// let router = StalenessRouter::new(500, 2_000);
/// assert_eq!(router.route(0, &[None]), Route::Primary);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Replica `index`, whose data is at most `staleness_ms` old.
    Replica {
        /// The replica's index in the reports.
        index: usize,
        /// Its worst-case staleness: reported lag plus the age of the report.
        staleness_ms: u64,
    },
    /// No replica is known to be within the bound: read from the primary.
    Primary,
}

/// Routes reads to a replica whose data is provably within a staleness bound, or to the
/// primary.
///
/// A replica qualifies only with a report that is known, not from the future, at most
/// `max_report_age_ms` old, and whose lag plus age — the worst case, since the replica
/// may have stopped applying right after the report — is within `bound_ms`. Unknown, too
/// old and future-dated reports never qualify: when lag is unknown the read goes to the
/// primary. Among qualifying replicas the freshest wins (lowest index on ties).
///
/// # Examples
///
/// ```
/// use ward_quorum::session::{LagReport, Route, StalenessRouter};
///
/// let router = StalenessRouter::new(500, 2_000);
/// let now = 10_000;
/// let reports = [
///     Some(LagReport { lag_ms: 50, observed_at_ms: 9_000 }), // 50 + 1,000: too stale
///     None,                                                  // unknown
///     Some(LagReport { lag_ms: 300, observed_at_ms: 9_900 }), // 300 + 100 = 400
/// ];
/// assert_eq!(router.route(now, &reports), Route::Replica { index: 2, staleness_ms: 400 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StalenessRouter {
    bound_ms: u64,
    max_report_age_ms: u64,
}

impl StalenessRouter {
    /// Reads may be at most `bound_ms` stale; lag reports older than `max_report_age_ms`
    /// are not trusted at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::StalenessRouter;
    ///
    /// assert_eq!(StalenessRouter::new(100, 1_000).bound_ms(), 100);
    /// ```
    pub const fn new(bound_ms: u64, max_report_age_ms: u64) -> Self {
        Self {
            bound_ms,
            max_report_age_ms,
        }
    }

    /// The staleness bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::StalenessRouter;
    ///
    /// assert_eq!(StalenessRouter::new(7, 9).bound_ms(), 7);
    /// ```
    pub const fn bound_ms(&self) -> u64 {
        self.bound_ms
    }

    /// The worst-case staleness of a replica with `report` at `now_ms`, or `None` if the
    /// report cannot be trusted (unknown, future-dated or older than the report age limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{LagReport, StalenessRouter};
    ///
    /// let r = StalenessRouter::new(500, 1_000);
    /// let report = LagReport { lag_ms: 10, observed_at_ms: 90 };
    /// assert_eq!(r.staleness(100, Some(report)), Some(20));
    /// assert_eq!(r.staleness(80, Some(report)), None); // from the future
    /// assert_eq!(r.staleness(5_000, Some(report)), None); // too old
    /// ```
    pub fn staleness(&self, now_ms: u64, report: Option<LagReport>) -> Option<u64> {
        let report = report?;
        let age = now_ms.checked_sub(report.observed_at_ms)?;
        if age > self.max_report_age_ms {
            return None;
        }
        Some(report.lag_ms.saturating_add(age))
    }

    /// Where to send a read at `now_ms`, given each replica's last lag report.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::session::{LagReport, Route, StalenessRouter};
    ///
    /// let r = StalenessRouter::new(100, 1_000);
    /// let far_behind = Some(LagReport { lag_ms: 5_000, observed_at_ms: 0 });
    /// assert_eq!(r.route(0, &[far_behind]), Route::Primary);
    /// ```
    pub fn route(&self, now_ms: u64, reports: &[Option<LagReport>]) -> Route {
        let mut best: Option<(u64, usize)> = None;
        for (index, &report) in reports.iter().enumerate() {
            if let Some(s) = self.staleness(now_ms, report)
                && s <= self.bound_ms
                && best.is_none_or(|(b, _)| s < b)
            {
                best = Some((s, index));
            }
        }
        match best {
            Some((staleness_ms, index)) => Route::Replica {
                index,
                staleness_ms,
            },
            None => {
                crate::trace::staleness_to_primary(reports.len(), self.bound_ms, || {
                    self.unqualified(now_ms, reports)
                });
                Route::Primary
            }
        }
    }

    /// Why each replica failed to qualify, for the event of a read sent to the primary;
    /// computed only when that event is emitted.
    fn unqualified(&self, now_ms: u64, reports: &[Option<LagReport>]) -> crate::trace::Unqualified {
        let mut why = crate::trace::Unqualified::default();
        for report in reports {
            match report {
                None => why.unknown += 1,
                Some(r) if r.observed_at_ms > now_ms => why.future += 1,
                Some(r) if now_ms - r.observed_at_ms > self.max_report_age_ms => why.too_old += 1,
                Some(_) => why.too_stale += 1,
            }
        }
        why
    }
}
