//! Delta-interval anti-entropy: sequence-numbered delta buffers, acknowledgements and
//! resends, so lost deltas are repaired and causal contexts stay compact.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use thiserror::Error;

use crate::error::ReplicaError;
use crate::lattice::{DeltaCrdt, Lattice};
use crate::replica::Replica;

/// The delta-interval anti-entropy protocol of *Delta State Replicated Data Types*
/// (Almeida, Shoker, Baquero, algorithm 2) for one replica and its neighbours.
///
/// Shipping each delta once is not a delivery protocol: a lost delta stays missing
/// until a full state arrives, and every later delta of the same writer waits in the
/// receiver's dot cloud meanwhile. This buffer makes delivery reliable and causal:
///
/// - every delta this replica produces (and every received delta that changed its
///   state, so that it travels on to the other neighbours) is [`record`](Self::record)ed
///   under the next sequence number;
/// - to each neighbour it sends the *delta interval*: the join of all deltas from the
///   first one the neighbour has not acknowledged up to the newest
///   ([`interval_for`](Self::interval_for)), or the full state when some of those deltas
///   were dropped from a full buffer;
/// - the receiver merges the interval ([`receive`](Self::receive)) and answers with an
///   acknowledgement of its end, which the sender applies with
///   [`acknowledge`](Self::acknowledge);
/// - deltas every neighbour has acknowledged are dropped.
///
/// A lost interval or acknowledgement is simply superseded by the next interval, which
/// starts from the same acknowledged point and so covers it. Since an interval is joined
/// whole, a receiver gets each sender's deltas without gaps, so its causal context
/// folds into its clock instead of growing a dot cloud. Duplicated and reordered
/// messages are harmless: merges are idempotent, and acknowledgements only move
/// forward.
///
/// `P` is the neighbour id type, `T` the CRDT state.
///
/// # Restarts
///
/// The buffer and the acknowledgements live in memory, and a buffer knows nothing of the
/// deltas recorded before it was built: a new one starts at sequence 0 with every
/// neighbour acknowledged there, so [`interval_for`](Self::interval_for) never sends
/// what came before. After this replica restarts, send each neighbour the full state
/// once, as `DeltaInterval::new(state.clone(), sync.next())`, or run a digest round
/// ([`OrSet::delta_for`](crate::OrSet::delta_for)). The same holds when a neighbour
/// restarts and loses state it had acknowledged: its acknowledgement here stays where it
/// was.
///
/// # Examples
///
/// ```
/// use ward_crdt::{AntiEntropy, OrSet, Replica};
///
/// let mut a = Replica::new("a", OrSet::new());
/// let mut b = Replica::new("b", OrSet::new());
/// let mut a_sync = AntiEntropy::new(["b"]);
/// let mut b_sync = AntiEntropy::new(["a"]);
///
/// a_sync.record(a.add(1)?);
/// let _lost = a_sync.interval_for(&"b", a.state())?; // dropped by the network
/// a_sync.record(a.add(2)?);
///
/// // The next interval starts from what b acknowledged, so it repairs the loss.
/// let interval = a_sync.interval_for(&"b", a.state())?.expect("b is behind");
/// let ack = b_sync.receive(&mut b, &interval)?;
/// a_sync.acknowledge(&"b", ack)?;
/// assert_eq!(b.state(), a.state());
/// assert_eq!(b.state().context().cloud().count(), 0);
/// assert_eq!(a_sync.buffered(), 0); // acknowledged by every neighbour
/// assert!(a_sync.interval_for(&"b", a.state())?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct AntiEntropy<P, T> {
    /// Sequence number of `buffer[0]`.
    base: u64,
    /// Deltas `base..base + buffer.len()`; the next recorded one gets `next()`.
    buffer: VecDeque<T>,
    /// Per neighbour, sorted by id: every delta below this number is acknowledged.
    acked: Vec<(P, u64)>,
    /// At most this many deltas are buffered; older ones are dropped, and a neighbour
    /// that has not acknowledged them gets the full state.
    capacity: usize,
}

/// A join of consecutive deltas (or the full state), sent to one neighbour by
/// [`AntiEntropy::interval_for`]; the receiver acknowledges [`end`](Self::end).
///
/// # Examples
///
/// ```
/// use ward_crdt::{AntiEntropy, GCounter, Replica};
///
/// let mut a = Replica::new("a", GCounter::new());
/// let mut sync = AntiEntropy::new([1_u8]);
/// sync.record(a.increment(2)?);
/// sync.record(a.increment(3)?);
/// let interval = sync.interval_for(&1, a.state())?.expect("pending");
/// assert_eq!(interval.end(), 2);
/// assert_eq!(interval.delta().value(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DeltaInterval<T> {
    delta: T,
    end: u64,
}

impl<T> DeltaInterval<T> {
    /// Builds an interval from a received delta and its end (for transports that carry
    /// the two fields themselves).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaInterval, GCounter};
    ///
    /// let interval = DeltaInterval::new(GCounter::<u8>::new(), 0);
    /// assert_eq!(interval.end(), 0);
    /// ```
    pub const fn new(delta: T, end: u64) -> Self {
        Self { delta, end }
    }

    /// The joined deltas (or the full state).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaInterval, GCounter};
    ///
    /// assert!(DeltaInterval::new(GCounter::<u8>::new(), 3).delta().is_empty());
    /// ```
    pub const fn delta(&self) -> &T {
        &self.delta
    }

    /// The sender's sequence number after the last delta included: what the receiver
    /// acknowledges.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DeltaInterval, GCounter};
    ///
    /// assert_eq!(DeltaInterval::new(GCounter::<u8>::new(), 3).end(), 3);
    /// ```
    pub const fn end(&self) -> u64 {
        self.end
    }
}

/// A protocol step of [`AntiEntropy`] that cannot be carried out; nothing is changed.
///
/// # Examples
///
/// ```
/// use ward_crdt::SyncError;
///
/// let err = SyncError::AckAhead { acked: 9, next: 4 };
/// assert_eq!(err.to_string(), "acknowledgement 9 is past the next sequence number 4");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The peer is not one of this replica's neighbours.
    #[error("unknown neighbour")]
    UnknownPeer,
    /// An acknowledgement names a sequence number this replica has not reached: it was
    /// not produced by this replica's intervals.
    #[error("acknowledgement {acked} is past the next sequence number {next}")]
    AckAhead {
        /// The acknowledged number.
        acked: u64,
        /// This replica's next sequence number.
        next: u64,
    },
    /// The capacity must allow at least one buffered delta.
    #[error("capacity must be at least 1, got 0")]
    ZeroCapacity,
}

impl<P: Ord, T> AntiEntropy<P, T> {
    /// Creates the buffer of a replica with the given neighbours, none of which has
    /// acknowledged anything, buffering at most 4,096 deltas.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, OrSet};
    ///
    /// let sync: AntiEntropy<&str, OrSet<u8, &str>> = AntiEntropy::new(["b", "c"]);
    /// assert_eq!(sync.next(), 0);
    /// ```
    pub fn new(neighbours: impl IntoIterator<Item = P>) -> Self {
        Self::build(neighbours, 4096)
    }

    /// Creates the buffer with room for at most `capacity` deltas; older deltas are
    /// dropped, and a neighbour that has not acknowledged them gets the full state.
    ///
    /// # Errors
    ///
    /// [`SyncError::ZeroCapacity`] if `capacity` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, GCounter, SyncError};
    ///
    /// let sync = AntiEntropy::<u8, GCounter<u8>>::with_capacity([2], 16)?;
    /// assert_eq!(sync.buffered(), 0);
    /// assert!(AntiEntropy::<u8, GCounter<u8>>::with_capacity([2], 0).is_err());
    /// # Ok::<(), SyncError>(())
    /// ```
    pub fn with_capacity(
        neighbours: impl IntoIterator<Item = P>,
        capacity: usize,
    ) -> Result<Self, SyncError> {
        if capacity == 0 {
            return Err(SyncError::ZeroCapacity);
        }
        Ok(Self::build(neighbours, capacity))
    }

    fn build(neighbours: impl IntoIterator<Item = P>, capacity: usize) -> Self {
        let mut acked: Vec<(P, u64)> = neighbours.into_iter().map(|p| (p, 0)).collect();
        acked.sort_by(|a, b| a.0.cmp(&b.0));
        acked.dedup_by(|a, b| a.0 == b.0);
        Self {
            base: 0,
            buffer: VecDeque::new(),
            acked,
            capacity,
        }
    }

    /// The sequence number the next recorded delta gets.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, GCounter, Replica};
    ///
    /// let mut a = Replica::new(1_u8, GCounter::new());
    /// let mut sync = AntiEntropy::new([2_u8]);
    /// sync.record(a.increment(1)?);
    /// assert_eq!(sync.next(), 1);
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    pub fn next(&self) -> u64 {
        self.base + self.buffer.len() as u64
    }

    /// How many deltas are buffered (not yet acknowledged by every neighbour).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, GCounter};
    ///
    /// assert_eq!(AntiEntropy::<u8, GCounter<u8>>::new([2]).buffered(), 0);
    /// ```
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The number below which `peer` has acknowledged every delta.
    ///
    /// # Errors
    ///
    /// [`SyncError::UnknownPeer`] if `peer` is not a neighbour.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, GCounter, SyncError};
    ///
    /// let sync = AntiEntropy::<u8, GCounter<u8>>::new([2]);
    /// assert_eq!(sync.acked(&2), Ok(0));
    /// assert_eq!(sync.acked(&3), Err(SyncError::UnknownPeer));
    /// ```
    pub fn acked(&self, peer: &P) -> Result<u64, SyncError> {
        self.slot(peer).map(|i| self.acked[i].1)
    }

    fn slot(&self, peer: &P) -> Result<usize, SyncError> {
        self.acked
            .binary_search_by(|(p, _)| p.cmp(peer))
            .map_err(|_| SyncError::UnknownPeer)
    }

    /// Records `peer`'s acknowledgement of every delta below `end`, and drops the
    /// deltas every neighbour has acknowledged. An older (reordered) acknowledgement
    /// changes nothing.
    ///
    /// Acknowledgements carry no epoch: one still in flight from before this buffer was
    /// rebuilt (a restart) is taken for this buffer's if it is not past
    /// [`next`](Self::next), and the deltas it names are then never sent to `peer`. After
    /// a restart, start the exchange with each neighbour over from a full state (or a
    /// digest round) rather than trust acknowledgements already on the wire.
    ///
    /// # Errors
    ///
    /// [`SyncError::UnknownPeer`] for a peer that is not a neighbour;
    /// [`SyncError::AckAhead`] if `end` is past [`next`](Self::next).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, GCounter, Replica, SyncError};
    ///
    /// let mut a = Replica::new(1_u8, GCounter::new());
    /// let mut sync = AntiEntropy::new([2_u8]);
    /// sync.record(a.increment(1)?);
    /// assert_eq!(sync.acknowledge(&2, 5), Err(SyncError::AckAhead { acked: 5, next: 1 }));
    /// sync.acknowledge(&2, 1)?;
    /// assert_eq!(sync.buffered(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn acknowledge(&mut self, peer: &P, end: u64) -> Result<(), SyncError> {
        let slot = self.slot(peer)?;
        let next = self.next();
        if end > next {
            crate::trace::ack_ahead(end, next);
            return Err(SyncError::AckAhead { acked: end, next });
        }
        let entry = &mut self.acked[slot].1;
        *entry = (*entry).max(end);
        let everyone = self.acked.iter().map(|(_, n)| *n).min().unwrap_or(next);
        while self.base < everyone && self.buffer.pop_front().is_some() {
            self.base += 1;
        }
        Ok(())
    }
}

impl<P: Ord, T: Lattice + Clone> AntiEntropy<P, T> {
    /// Buffers a delta this replica produced (the value a mutator returned) under the
    /// next sequence number.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, OrSet, Replica};
    ///
    /// let mut a = Replica::new("a", OrSet::new());
    /// let mut sync = AntiEntropy::new(["b"]);
    /// sync.record(a.add("x")?);
    /// assert_eq!(sync.buffered(), 1);
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    pub fn record(&mut self, delta: T) {
        self.buffer.push_back(delta);
        if self.buffer.len() > self.capacity {
            self.buffer.pop_front();
            self.base += 1;
        }
    }

    /// The interval to send `peer` now: the join of the deltas from the first one it
    /// has not acknowledged to the newest, or `state` itself when some of those deltas
    /// are no longer buffered; `None` when it has acknowledged everything.
    ///
    /// Send it again (recomputed) on every round until it is acknowledged: a lost
    /// interval is repaired by the next.
    ///
    /// # Errors
    ///
    /// [`SyncError::UnknownPeer`] if `peer` is not a neighbour.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, GCounter, Replica};
    ///
    /// let mut a = Replica::new(1_u8, GCounter::new());
    /// let mut sync = AntiEntropy::with_capacity([2_u8], 1)?;
    /// sync.record(a.increment(1)?);
    /// sync.record(a.increment(1)?); // the first delta no longer fits
    /// let interval = sync.interval_for(&2, a.state())?.expect("pending");
    /// assert_eq!(interval.delta(), a.state()); // so the full state goes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn interval_for(&self, peer: &P, state: &T) -> Result<Option<DeltaInterval<T>>, SyncError> {
        let from = self.acked(peer)?;
        let end = self.next();
        if from >= end {
            return Ok(None);
        }
        let delta = if from < self.base {
            state.clone()
        } else {
            let skip = usize::try_from(from - self.base).unwrap_or(usize::MAX);
            let mut deltas = self.buffer.iter().skip(skip);
            let mut joined = deltas.next().cloned().unwrap_or_else(|| state.clone());
            for d in deltas {
                joined.merge(d);
            }
            joined
        };
        Ok(Some(DeltaInterval { delta, end }))
    }
}

impl<P: Ord, T: DeltaCrdt + Clone + PartialEq> AntiEntropy<P, T> {
    /// Merges an interval received from a neighbour into `replica` and returns the
    /// acknowledgement to send back (the interval's [`end`](DeltaInterval::end)).
    ///
    /// If the interval changed the state, it is also recorded, so that it travels on to
    /// the other neighbours; an interval the state already covers is only acknowledged,
    /// which ends the echo.
    ///
    /// # Errors
    ///
    /// The [`ReplicaError`] of [`Replica::merge_delta`]; nothing is recorded and no
    /// acknowledgement is due.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{AntiEntropy, DeltaInterval, GCounter, Replica};
    ///
    /// let mut a = Replica::new(1_u8, GCounter::new());
    /// let mut b = Replica::new(2_u8, GCounter::new());
    /// let mut b_sync = AntiEntropy::new([1_u8, 3]);
    /// let interval = DeltaInterval::new(a.increment(4)?, 1);
    /// assert_eq!(b_sync.receive(&mut b, &interval)?, 1);
    /// assert_eq!(b_sync.buffered(), 1); // forwarded to neighbour 3 later
    /// assert_eq!(b_sync.receive(&mut b, &interval)?, 1); // a duplicate
    /// assert_eq!(b_sync.buffered(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive<A>(
        &mut self,
        replica: &mut Replica<A, T>,
        interval: &DeltaInterval<T>,
    ) -> Result<u64, ReplicaError>
    where
        T: DeltaCrdt<Actor = A>,
    {
        if !interval.delta.leq(replica.state()) {
            replica.merge_delta(&interval.delta)?;
            self.record(interval.delta.clone());
        }
        Ok(interval.end)
    }
}
