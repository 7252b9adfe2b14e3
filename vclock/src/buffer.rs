//! Causal delivery: hold each message back until everything it depends on is delivered.

use alloc::collections::BTreeMap;
use core::cmp::Ordering;
use core::fmt;
use core::iter::FusedIterator;
use core::ops::RangeInclusive;

use thiserror::Error;

use crate::dot::Dot;
use crate::error::VClockError;
use crate::message::Message;
use crate::vclock::VClock;

/// What [`CausalBuffer::push`] did with a message.
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Pushed};
///
/// let mut buffer = CausalBuffer::new(8);
/// let m = buffer.stamp('a', "first")?;
/// assert_eq!(buffer.push(m.clone(), |_| {}), Ok(Pushed::Delivered(1)));
/// assert_eq!(buffer.push(m, |_| {}), Ok(Pushed::Duplicate));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pushed {
    /// The message was delivered, followed by the waiting messages it unblocked; the
    /// number counts them all, the pushed message included.
    Delivered(usize),
    /// The message waits in the buffer for causal predecessors that have not been
    /// delivered yet; see [`CausalBuffer::missing`].
    Waiting,
    /// A message with the same dot was already delivered or is already waiting; this
    /// copy was dropped.
    Duplicate,
}

/// [`CausalBuffer::push`] refused a message. The refused message is handed back
/// unchanged, and nothing already buffered was touched.
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Message, PushError, VClock};
///
/// let mut buffer = CausalBuffer::new(0);
/// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), "later")?;
/// let err = buffer.push(early, |_| {}).unwrap_err();
/// assert_eq!(err.to_string(), "causal buffer full: 0 messages already waiting");
/// assert_eq!(err.into_message().into_payload(), "later");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PushError<A, M> {
    /// The message is not deliverable yet and the buffer already holds `capacity`
    /// waiting messages. Retry it after some are delivered.
    #[error("causal buffer full: {capacity} messages already waiting")]
    Full {
        /// The buffer's capacity, all of it in use.
        capacity: usize,
        /// The refused message, returned to the caller.
        message: Message<A, M>,
    },
}

impl<A, M> PushError<A, M> {
    /// The refused message, unchanged, so that it can be offered again later.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, Pushed, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(0);
    /// let second = Message::new('a', clock(2), "second")?;
    /// let refused = buffer.push(second, |_| {}).unwrap_err().into_message();
    ///
    /// buffer.push(Message::new('a', clock(1), "first")?, |_| {})?;
    /// assert_eq!(buffer.push(refused, |_| {})?, Pushed::Delivered(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_message(self) -> Message<A, M> {
        match self {
            Self::Full { message, .. } => message,
        }
    }
}

/// Omits the message, so that the error is printable whatever the payload.
impl<A, M> fmt::Debug for PushError<A, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { capacity, .. } => f
                .debug_struct("Full")
                .field("capacity", capacity)
                .finish_non_exhaustive(),
        }
    }
}

/// One sender's waiting messages, by sequence number.
type Queue<A, M> = BTreeMap<u64, Message<A, M>>;

/// A causal delivery buffer: delivers broadcast messages in an order consistent with
/// causality, holding back each message until all of its causal predecessors have been
/// delivered.
///
/// This is the delivery rule of causal broadcast from *Lightweight Causal and Atomic
/// Group Multicast* (Birman, Schiper, Stephenson). The buffer keeps `delivered`, the
/// number of messages delivered from each sender. A [`Message`] from sender `j` with
/// clock `V` is deliverable when
///
/// * `V[j] == delivered[j] + 1` (it is the next message from `j`), and
/// * `V[k] <= delivered[k]` for every other actor `k` (everything `j` had delivered
///   before sending has been delivered here).
///
/// Delivering it sets `delivered[j] = V[j]`, which may make waiting messages
/// deliverable in turn; [`push`](Self::push) delivers all of them before returning.
/// A message whose dot is already delivered or already waiting is a duplicate and is
/// dropped, so each message is delivered at most once, and once every message a
/// delivered clock mentions has arrived, nothing is left waiting.
///
/// The buffer holds at most [`capacity`](Self::capacity) waiting messages. A
/// deliverable message never needs a slot, so a full buffer still accepts the messages
/// that unblock it; a message that would have to wait in a full buffer is refused with
/// [`PushError::Full`], which returns it to the caller. Capacity 0 delivers in-order
/// messages and refuses every other.
///
/// # Examples
///
/// The reply overtakes the post it answers; the buffer holds it back.
///
/// ```
/// use ward_vclock::{CausalBuffer, Dot, Pushed};
///
/// // Alice posts; Bob delivers the post, then replies.
/// let mut alice = CausalBuffer::new(16);
/// let post = alice.stamp("alice", "hello, is anyone there?")?;
/// let mut bob = CausalBuffer::new(16);
/// bob.push(post.clone(), |_| {})?;
/// let reply = bob.stamp("bob", "yes, hi!")?;
///
/// // Carol receives the reply first.
/// let mut carol = CausalBuffer::new(16);
/// let mut shown = Vec::new();
/// assert_eq!(carol.push(reply.clone(), |m| shown.push(*m.payload()))?, Pushed::Waiting);
/// assert_eq!(carol.missing(&reply.dot()).unwrap().collect::<Vec<_>>(), [Dot::new("alice", 1)?]);
///
/// assert_eq!(carol.push(post, |m| shown.push(*m.payload()))?, Pushed::Delivered(2));
/// assert_eq!(shown, ["hello, is anyone there?", "yes, hi!"]);
/// assert!(carol.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CausalBuffer<A, M> {
    delivered: VClock<A>,
    /// Waiting messages by sender, then by sequence number.
    waiting: BTreeMap<A, Queue<A, M>>,
    len: usize,
    capacity: usize,
}

impl<A, M> CausalBuffer<A, M> {
    /// Creates a buffer that has delivered nothing and holds at most `capacity`
    /// waiting messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// let buffer = CausalBuffer::<char, ()>::new(100);
    /// assert_eq!(buffer.capacity(), 100);
    /// assert!(buffer.delivered().is_empty());
    /// ```
    pub const fn new(capacity: usize) -> Self {
        Self::with_delivered(capacity, VClock::new())
    }

    /// Creates a buffer that has already delivered the messages counted by `delivered`,
    /// for example a node restarting from a snapshot.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, VClock};
    ///
    /// let seen: VClock<char> = [('a', 4)].into_iter().collect();
    /// let buffer = CausalBuffer::<char, ()>::with_delivered(10, seen.clone());
    /// assert_eq!(buffer.delivered(), &seen);
    /// ```
    pub const fn with_delivered(capacity: usize, delivered: VClock<A>) -> Self {
        Self {
            delivered,
            waiting: BTreeMap::new(),
            len: 0,
            capacity,
        }
    }

    /// For each sender, how many of its messages have been delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let m = buffer.stamp('a', ())?;
    /// buffer.push(m, |_| {})?;
    /// assert_eq!(buffer.delivered().get(&'a'), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn delivered(&self) -> &VClock<A> {
        &self.delivered
    }

    /// The most messages the buffer holds waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// assert_eq!(CausalBuffer::<char, ()>::new(3).capacity(), 3);
    /// ```
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of messages waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), ())?;
    /// buffer.push(early, |_| {})?;
    /// assert_eq!(buffer.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no message is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// assert!(CausalBuffer::<char, ()>::new(4).is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Iterates over the waiting messages, by sender and then sequence number.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), "x")?;
    /// buffer.push(early, |_| {})?;
    /// let payloads: Vec<_> = buffer.waiting().map(|m| *m.payload()).collect();
    /// assert_eq!(payloads, ["x"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn waiting(&self) -> impl Iterator<Item = &Message<A, M>> + '_ {
        self.waiting.values().flat_map(BTreeMap::values)
    }
}

impl<A: Ord + Clone, M> CausalBuffer<A, M> {
    /// Stamps a new message from `sender` for broadcast: the clock is
    /// [`delivered`](Self::delivered) with `sender`'s entry advanced by one. The buffer is
    /// not changed; push the message into this buffer to deliver it locally (it is
    /// deliverable at once), and send it to the other nodes.
    ///
    /// Stamp and push one message before stamping the next from the same sender:
    /// stamping twice without delivering yields two messages with the same dot.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if `sender` has already sent `u64::MAX`
    /// messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Pushed};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let m = buffer.stamp('a', "hello")?;
    /// assert_eq!(m.dot(), Dot::new('a', 1)?);
    /// assert_eq!(buffer.push(m, |_| {})?, Pushed::Delivered(1));
    /// assert_eq!(buffer.stamp('a', "again")?.dot(), Dot::new('a', 2)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stamp(&self, sender: A, payload: M) -> Result<Message<A, M>, VClockError> {
        let mut clock = self.delivered.clone();
        let dot = clock.increment(sender.clone())?;
        Ok(Message {
            sender,
            clock,
            seq: dot.counter_nonzero(),
            payload,
        })
    }

    /// Whether the message with `dot` has been delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let m = buffer.stamp('a', ())?;
    /// buffer.push(m, |_| {})?;
    /// assert!(buffer.is_delivered(&Dot::new('a', 1)?));
    /// assert!(!buffer.is_delivered(&Dot::new('a', 2)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_delivered(&self, dot: &Dot<A>) -> bool {
        self.delivered.contains(dot)
    }

    /// Whether the message with `dot` is waiting in the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), ())?;
    /// buffer.push(early, |_| {})?;
    /// assert!(buffer.is_waiting(&Dot::new('a', 2)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_waiting(&self, dot: &Dot<A>) -> bool {
        self.held(dot.actor(), dot.counter())
    }

    fn held(&self, sender: &A, seq: u64) -> bool {
        self.waiting
            .get(sender)
            .is_some_and(|q| q.contains_key(&seq))
    }

    /// Offers a received message; `deliver` is called for every message delivered as a
    /// result, in causal order.
    ///
    /// A message whose dot was already delivered or is already waiting is dropped
    /// ([`Pushed::Duplicate`]). A deliverable message is delivered at once, followed by
    /// every waiting message it unblocks ([`Pushed::Delivered`] with the count). Any
    /// other message waits ([`Pushed::Waiting`]).
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] if the message would have to wait and
    /// [`capacity`](Self::capacity) messages already do. The message is returned inside
    /// the error and the buffer is unchanged.
    ///
    /// A panic in `deliver` propagates; the buffer stays consistent, with the message
    /// being handed over counted as delivered and the others still waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, Pushed, VClock};
    ///
    /// let clock = |entries: &[(char, u64)]| entries.iter().copied().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// let mut out = Vec::new();
    /// let second = Message::new('a', clock(&[('a', 2)]), 2)?;
    /// let first = Message::new('a', clock(&[('a', 1)]), 1)?;
    /// assert_eq!(buffer.push(second, |m| out.push(m.into_payload()))?, Pushed::Waiting);
    /// assert_eq!(buffer.push(first, |m| out.push(m.into_payload()))?, Pushed::Delivered(2));
    /// assert_eq!(out, [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(
        &mut self,
        message: Message<A, M>,
        mut deliver: impl FnMut(Message<A, M>),
    ) -> Result<Pushed, PushError<A, M>> {
        let seq = message.seq();
        if seq <= self.delivered.get(&message.sender) || self.held(&message.sender, seq) {
            return Ok(Pushed::Duplicate);
        }
        if !is_deliverable(&self.delivered, &message) {
            if self.len >= self.capacity {
                return Err(PushError::Full {
                    capacity: self.capacity,
                    message,
                });
            }
            self.waiting
                .entry(message.sender.clone())
                .or_default()
                .insert(seq, message);
            self.len += 1;
            return Ok(Pushed::Waiting);
        }
        self.delivered.raise(&message.sender, seq);
        deliver(message);
        Ok(Pushed::Delivered(1 + self.deliver_unblocked(&mut deliver)))
    }

    /// Delivers waiting messages until none is deliverable; returns how many.
    fn deliver_unblocked(&mut self, deliver: &mut impl FnMut(Message<A, M>)) -> usize {
        let mut count = 0;
        loop {
            let before = count;
            for queue in self.waiting.values_mut() {
                // Only the first waiting message of a sender can be its next one.
                while let Some(entry) = queue.first_entry()
                    && is_deliverable(&self.delivered, entry.get())
                {
                    let message = entry.remove();
                    self.len -= 1;
                    self.delivered.raise(&message.sender, message.seq());
                    deliver(message);
                    count += 1;
                }
            }
            if count == before {
                return count;
            }
            self.waiting.retain(|_, queue| !queue.is_empty());
        }
    }

    /// The dots the waiting message `dot` still waits for and that have not arrived:
    /// what to ask their senders for. `None` if no message with `dot` is waiting.
    /// Along a real causal history, the message is delivered as soon as these have
    /// arrived.
    ///
    /// A waiting message cannot be delivered before every dot its clock counts has been
    /// delivered, and a waiting predecessor cannot be delivered before the dots *its*
    /// clock counts. The report is the closure: every dot counted by the message's
    /// clock or by the clock of a waiting message it (transitively) depends on, less
    /// the dots already delivered and the messages already waiting here. For stamps
    /// made by [`stamp`](Self::stamp) along a real causal history a predecessor's clock
    /// never exceeds its successor's, so this is simply the message's own predecessors
    /// that have not arrived; the closure matters when senders disagree about a dot
    /// (a message reusing a dot with a different clock).
    ///
    /// An empty report for a waiting message means it waits only on waiting messages
    /// that wait on it in turn: inconsistent stamps that can never be delivered. Take
    /// such messages out with [`remove`](Self::remove).
    ///
    /// The iterator is lazy; a message far ahead of this node may depend on a very
    /// large number of dots. Building it copies the message's clock and reads each
    /// waiting message at most once.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
    ///
    /// let clock: VClock<char> = [('a', 3), ('b', 1)].into_iter().collect();
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.push(Message::new('a', clock, ())?, |_| {})?;
    /// let missing: Vec<_> = buffer.missing(&Dot::new('a', 3)?).unwrap().collect();
    /// assert_eq!(missing, [Dot::new('a', 1)?, Dot::new('a', 2)?, Dot::new('b', 1)?]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn missing(&self, dot: &Dot<A>) -> Option<Missing<'_, A, M>> {
        let message = self.waiting.get(dot.actor())?.get(&dot.counter())?;
        // `needs` grows to the join of the clocks of the message and of every waiting
        // message it covers. For each sender with waiting messages, `folded` is the
        // highest sequence number already joined in, so each is read once.
        let mut needs = message.clock.clone();
        let mut folded = alloc::vec![0_u64; self.waiting.len()];
        loop {
            let mut grew = false;
            for ((sender, queue), done) in self.waiting.iter().zip(&mut folded) {
                let upto = needs.get(sender);
                if upto <= *done {
                    continue;
                }
                // `*done < upto`, so `*done + 1` cannot overflow.
                for held in queue.range(*done + 1..=upto).map(|(_, m)| m) {
                    if !needs.descends(&held.clock) {
                        needs.merge(&held.clock);
                        grew = true;
                    }
                }
                *done = upto;
            }
            if !grew {
                break;
            }
        }
        Some(Missing {
            buffer: self,
            entries: needs.into_iter(),
            current: None,
            queue: None,
        })
    }

    /// Takes the waiting message with `dot` out of the buffer and returns it, freeing
    /// its slot. `None` if no message with `dot` is waiting.
    ///
    /// The buffer cannot tell a message that will be unblocked soon from one whose
    /// predecessors will never come (a stamp claiming events far ahead, or stamps that
    /// wait on each other). Use this to drop such a message, for example after
    /// [`missing`](Self::missing) has been asked for in vain. A removed message that is
    /// pushed again is treated as new.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(1);
    /// let bogus = Message::new('a', [('a', 1), ('z', u64::MAX)].into_iter().collect::<VClock<_>>(), ())?;
    /// buffer.push(bogus, |_| {})?;
    /// assert_eq!(buffer.len(), 1);
    /// let dot = Dot::new('a', 1)?;
    /// assert_eq!(buffer.remove(&dot).map(|m| m.dot()), Some(dot.clone()));
    /// assert!(buffer.is_empty());
    /// assert!(buffer.remove(&dot).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, dot: &Dot<A>) -> Option<Message<A, M>> {
        let queue = self.waiting.get_mut(dot.actor())?;
        let message = queue.remove(&dot.counter())?;
        if queue.is_empty() {
            self.waiting.remove(dot.actor());
        }
        self.len -= 1;
        Some(message)
    }
}

/// The delivery condition of causal broadcast, in one pass over the message's clock and
/// `delivered`: the message is the sender's next one, and every other entry is already
/// delivered.
fn is_deliverable<A: Ord, M>(delivered: &VClock<A>, message: &Message<A, M>) -> bool {
    let mut delivered = delivered.iter().peekable();
    for (actor, counter) in message.clock.iter() {
        // The delivered count of `actor` (0 when absent).
        let mut known = 0;
        while let Some((a, c)) = delivered.peek() {
            match (*a).cmp(actor) {
                Ordering::Less => {
                    delivered.next();
                }
                Ordering::Equal => {
                    known = *c;
                    break;
                }
                Ordering::Greater => break,
            }
        }
        let ok = if *actor == message.sender {
            known.checked_add(1) == Some(counter)
        } else {
            counter <= known
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The dots a waiting message still waits for that have not arrived, in ascending
/// order (by actor, then counter); see [`CausalBuffer::missing`].
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
///
/// let mut buffer = CausalBuffer::new(4);
/// let third = Message::new('a', [('a', 3)].into_iter().collect::<VClock<_>>(), ())?;
/// let second = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), ())?;
/// buffer.push(third, |_| {})?;
/// buffer.push(second, |_| {})?;
/// // a:2 has arrived and waits too, so only a:1 is missing.
/// let missing: Vec<_> = buffer.missing(&Dot::new('a', 3)?).unwrap().collect();
/// assert_eq!(missing, [Dot::new('a', 1)?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Missing<'a, A, M> {
    buffer: &'a CausalBuffer<A, M>,
    /// What the message (transitively) waits for, one entry per actor.
    entries: crate::vclock::IntoIter<A>,
    /// The actor being scanned and the counters left to consider.
    current: Option<(A, RangeInclusive<u64>)>,
    /// The waiting messages of that actor, if any.
    queue: Option<&'a Queue<A, M>>,
}

impl<A: Ord + Clone, M> Iterator for Missing<'_, A, M> {
    type Item = Dot<A>;

    fn next(&mut self) -> Option<Dot<A>> {
        loop {
            if let Some((actor, counters)) = &mut self.current {
                for counter in counters.by_ref() {
                    if !self.queue.is_some_and(|q| q.contains_key(&counter)) {
                        // `counter` exceeds a delivered count, so it is at least 1.
                        return Dot::new(actor.clone(), counter).ok();
                    }
                }
            }
            let (actor, last) = self.entries.next()?;
            // Counters above the delivered count; none when it is already at the limit.
            let counters = match self.buffer.delivered.get(&actor).checked_add(1) {
                Some(first) => first..=last,
                None => RangeInclusive::new(1, 0),
            };
            self.queue = self.buffer.waiting.get(&actor);
            self.current = Some((actor, counters));
        }
    }
}

impl<A: Ord + Clone, M> FusedIterator for Missing<'_, A, M> {}
