//! A clock that knows its node: issues and receives `Stamp`s.

use crate::clock::PhysicalClock;
use crate::hlc::{ClockError, Hlc};
use crate::stamp::Stamp;
use crate::timestamp::Timestamp;

/// An [`Hlc`] with the id of the node it runs on: it issues [`Stamp`]s (timestamp and
/// node id, unique across a cluster whose node ids are unique) and receives them.
///
/// This is the shape of uhlc's clock, which carries its id inside. The node id only
/// labels what this clock issues: receiving a stamp merges its timestamp, whatever node
/// sent it.
///
/// # Examples
///
/// ```
/// use ward_hlc::{Hlc, ManualClock, NodeHlc};
///
/// let a = NodeHlc::new(Hlc::new(ManualClock::new(1_000)), 1);
/// let b = NodeHlc::new(Hlc::new(ManualClock::new(900)), 2);
///
/// let sent = a.now()?;
/// assert_eq!(sent.node, 1);
/// let got = b.receive(sent)?;
/// assert_eq!(got.node, 2);
/// assert!(got > sent, "the receive is ordered after the send");
/// # Ok::<(), ward_hlc::ClockError>(())
/// ```
#[derive(Debug)]
pub struct NodeHlc<C> {
    hlc: Hlc<C>,
    node: u64,
}

impl<C: PhysicalClock> NodeHlc<C> {
    /// A clock for node `node`, issuing from `hlc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc};
    ///
    /// let clock = NodeHlc::new(Hlc::new(ManualClock::new(5)), 42);
    /// assert_eq!(clock.node(), 42);
    /// ```
    pub fn new(hlc: Hlc<C>, node: u64) -> NodeHlc<C> {
        NodeHlc { hlc, node }
    }

    /// The node id stamped on every timestamp issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc};
    ///
    /// assert_eq!(NodeHlc::new(Hlc::new(ManualClock::new(5)), 7).node(), 7);
    /// ```
    pub fn node(&self) -> u64 {
        self.node
    }

    /// A local or send event, as [`Hlc::now`], stamped with this node's id.
    ///
    /// # Errors
    ///
    /// As [`Hlc::now`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc, Stamp, Timestamp};
    ///
    /// let clock = NodeHlc::new(Hlc::new(ManualClock::new(5)), 7);
    /// assert_eq!(clock.now()?, Stamp::new(Timestamp::new(5, 0)?, 7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn now(&self) -> Result<Stamp, ClockError> {
        Ok(Stamp::new(self.hlc.now()?, self.node))
    }

    /// A receive event, as [`Hlc::receive`] of the remote stamp's timestamp; the result
    /// carries this node's id.
    ///
    /// # Errors
    ///
    /// As [`Hlc::receive`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc, Stamp, Timestamp};
    ///
    /// let clock = NodeHlc::new(Hlc::new(ManualClock::new(5)), 7);
    /// let remote = Stamp::new(Timestamp::new(9, 3)?, 2);
    /// assert_eq!(clock.receive(remote)?, Stamp::new(Timestamp::new(9, 4)?, 7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive(&self, remote: Stamp) -> Result<Stamp, ClockError> {
        Ok(Stamp::new(self.hlc.receive(remote.timestamp)?, self.node))
    }

    /// Merges a remote stamp's timestamp without issuing, as [`Hlc::observe`].
    ///
    /// # Errors
    ///
    /// As [`Hlc::observe`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc, Stamp, Timestamp};
    ///
    /// let clock = NodeHlc::new(Hlc::new(ManualClock::new(5)), 7);
    /// let remote = Stamp::new(Timestamp::new(9, 3)?, 2);
    /// clock.observe(remote)?;
    /// assert!(clock.now()? > remote);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn observe(&self, remote: Stamp) -> Result<(), ClockError> {
        self.hlc.observe(remote.timestamp)
    }

    /// The last timestamp issued or observed, as [`Hlc::last`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc};
    ///
    /// let clock = NodeHlc::new(Hlc::new(ManualClock::new(5)), 7);
    /// let s = clock.now()?;
    /// assert_eq!(clock.last(), Some(s.timestamp));
    /// # Ok::<(), ward_hlc::ClockError>(())
    /// ```
    pub fn last(&self) -> Option<Timestamp> {
        self.hlc.last()
    }

    /// The clock inside, for its settings and statistics.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Hlc, ManualClock, NodeHlc};
    ///
    /// let clock = NodeHlc::new(Hlc::new(ManualClock::new(5)), 7);
    /// assert!(clock.hlc().max_drift().is_some());
    /// ```
    pub fn hlc(&self) -> &Hlc<C> {
        &self.hlc
    }
}
